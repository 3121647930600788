/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtio constants the simulated device needs. The system headers of Debian 12 (Linux 6.1 uapi)
 * hold most of them; anything they lack is defined here with the value of the virtio 1.2 spec.
 */
#ifndef VDPATH_SIM_VIRTIO_H
#define VDPATH_SIM_VIRTIO_H

#include <stdint.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#ifndef VIRTIO_CONFIG_S_DRIVER_OK
#define VIRTIO_CONFIG_S_DRIVER_OK 0x04
#endif
#ifndef VIRTIO_CONFIG_S_NEEDS_RESET
#define VIRTIO_CONFIG_S_NEEDS_RESET 0x40
#endif
#ifndef VIRTIO_F_VERSION_1
#define VIRTIO_F_VERSION_1 32
#endif
#ifndef VIRTIO_F_RING_PACKED
#define VIRTIO_F_RING_PACKED 34
#endif
#ifndef VIRTIO_F_IN_ORDER
#define VIRTIO_F_IN_ORDER 35
#endif
#ifndef VIRTIO_RING_F_INDIRECT_DESC
#define VIRTIO_RING_F_INDIRECT_DESC 28
#endif
#ifndef VIRTIO_RING_F_EVENT_IDX
#define VIRTIO_RING_F_EVENT_IDX 29
#endif
#ifndef VIRTIO_NET_F_MRG_RXBUF
#define VIRTIO_NET_F_MRG_RXBUF 15
#endif
#ifndef VIRTIO_NET_F_CTRL_VQ
#define VIRTIO_NET_F_CTRL_VQ 17
#endif
#ifndef VIRTIO_NET_F_CTRL_RX
#define VIRTIO_NET_F_CTRL_RX 18
#endif
#ifndef VIRTIO_NET_F_MQ
#define VIRTIO_NET_F_MQ 22
#endif
#ifndef VIRTIO_NET_S_LINK_UP
#define VIRTIO_NET_S_LINK_UP 1
#endif
#ifndef VIRTIO_NET_OK
#define VIRTIO_NET_OK 0
#define VIRTIO_NET_ERR 1
#endif
#ifndef VIRTIO_NET_CTRL_RX
#define VIRTIO_NET_CTRL_RX 0
#define VIRTIO_NET_CTRL_RX_PROMISC 0
#define VIRTIO_NET_CTRL_RX_ALLMULTI 1
#endif
#ifndef VIRTIO_NET_CTRL_MAC
#define VIRTIO_NET_CTRL_MAC 1
#define VIRTIO_NET_CTRL_MAC_ADDR_SET 1
#endif
#ifndef VIRTIO_NET_CTRL_MQ
#define VIRTIO_NET_CTRL_MQ 4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 0
#endif

/* Split ring descriptor flags and ring flags (virtio 1.2, 2.7). */
#ifndef VRING_DESC_F_NEXT
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4
#endif
#ifndef VRING_USED_F_NO_NOTIFY
#define VRING_USED_F_NO_NOTIFY 1
#endif
#ifndef VRING_AVAIL_F_NO_INTERRUPT
#define VRING_AVAIL_F_NO_INTERRUPT 1
#endif

/* Packed ring: bit positions of the avail/used flags and event suppression values (2.8). */
#ifndef VRING_PACKED_DESC_F_AVAIL
#define VRING_PACKED_DESC_F_AVAIL 7
#define VRING_PACKED_DESC_F_USED 15
#endif
#ifndef VRING_PACKED_EVENT_FLAG_ENABLE
#define VRING_PACKED_EVENT_FLAG_ENABLE 0x0
#define VRING_PACKED_EVENT_FLAG_DISABLE 0x1
#define VRING_PACKED_EVENT_FLAG_DESC 0x2
#endif
#ifndef VRING_PACKED_EVENT_F_WRAP_CTR
#define VRING_PACKED_EVENT_F_WRAP_CTR 15
#endif

/* The device-side layouts, little-endian on the only host we run on (x86_64). */
struct sim_vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct sim_vring_packed_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

struct sim_vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct sim_vring_event {
	uint16_t off_wrap;
	uint16_t flags;
};

/* virtio-net header sizes: num_buffers (2 bytes) exists with VERSION_1 or MRG_RXBUF. */
#define SIM_NET_HDR_LEN_LEGACY 10
#define SIM_NET_HDR_LEN 12
#define SIM_NET_HDR_NUM_BUFFERS_OFF 10

#endif /* VDPATH_SIM_VIRTIO_H */
