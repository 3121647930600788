/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Linux 6.12 vhost-vdpa uAPI values vdpath-sim serves that the 6.1 headers of the build
 * machine lack (values from spec/vhost-vdpa-uapi.md §2.1, §3, §4.1). Every name is guarded so
 * newer system headers or lib/vdpa/vdp_uapi.h can be included alongside.
 */
#ifndef VDPATH_SIM_UAPI_H
#define VDPATH_SIM_UAPI_H

#include <linux/vhost.h>
#include <linux/vhost_types.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

/* Backend feature bit numbers (§3). */
#ifndef VHOST_BACKEND_F_RESUME
#define VHOST_BACKEND_F_RESUME 0x5
#endif
#ifndef VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK
#define VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK 0x6
#endif
#ifndef VHOST_BACKEND_F_DESC_ASID
#define VHOST_BACKEND_F_DESC_ASID 0x7
#endif
#ifndef VHOST_BACKEND_F_IOTLB_PERSIST
#define VHOST_BACKEND_F_IOTLB_PERSIST 0x8
#endif

/* ioctls added after 6.1 (§2.1). */
#ifndef VHOST_VDPA_RESUME
#define VHOST_VDPA_RESUME _IO(VHOST_VIRTIO, 0x7E)
#endif
#ifndef VHOST_VDPA_GET_VRING_DESC_GROUP
#define VHOST_VDPA_GET_VRING_DESC_GROUP _IOWR(VHOST_VIRTIO, 0x7F, struct vhost_vring_state)
#endif
#ifndef VHOST_VDPA_GET_VRING_SIZE
#define VHOST_VDPA_GET_VRING_SIZE _IOWR(VHOST_VIRTIO, 0x82, struct vhost_vring_state)
#endif
#ifndef VHOST_SET_FORK_FROM_OWNER
#define VHOST_SET_FORK_FROM_OWNER _IOW(VHOST_VIRTIO, 0x84, __u8)
#endif
#ifndef VHOST_GET_FORK_FROM_OWNER
#define VHOST_GET_FORK_FROM_OWNER _IOR(VHOST_VIRTIO, 0x85, __u8)
#endif
#ifndef VHOST_NEW_WORKER
#define VHOST_NEW_WORKER _IOR(VHOST_VIRTIO, 0x8, __u32)
#endif
#ifndef VHOST_FREE_WORKER
#define VHOST_FREE_WORKER _IOW(VHOST_VIRTIO, 0x9, __u32)
#endif

/* Virtio feature bits missing from the 6.1 headers. */
#ifndef VIRTIO_F_ORDER_PLATFORM
#define VIRTIO_F_ORDER_PLATFORM 36
#endif
#ifndef VIRTIO_F_NOTIFICATION_DATA
#define VIRTIO_F_NOTIFICATION_DATA 38
#endif
#ifndef VIRTIO_F_RING_RESET
#define VIRTIO_F_RING_RESET 40
#endif

/* The kernel-internal ENOTSUPP that leaks out of the doorbell mmap (§9). */
#define SIM_ENOTSUPP 524

#endif /* VDPATH_SIM_UAPI_H */
