/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Linux 6.12 vhost-vdpa uAPI on top of whatever kernel headers the build host has.
 *
 * Debian bookworm ships 6.1 uapi headers; they lack the backend features, ioctls and virtio bits
 * added up to 6.12. This header includes the system headers first and then defines only what is
 * missing, with the 6.12 values. The static assertions at the end pin the numbers to the x86_64
 * values a 6.12 kernel decodes, so a wrong definition (here or in a future system header) fails
 * the build instead of sending an ioctl the kernel does not know.
 *
 * Self-contained: used by lib/vdpa and by the simulator (app/vdpath-sim).
 */
#ifndef VDP_UAPI_H
#define VDP_UAPI_H

#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/vhost.h>
#include <linux/vhost_types.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

/* A backend feature mask from its bit number: the VHOST_BACKEND_F_* values are bit numbers. */
#define VDP_BACKEND(bit)	(1ULL << (bit))

/*
 * The kernel-internal ENOTSUPP, which leaks to userspace from the doorbell mmap of a parent
 * without get_vq_notification. glibc has no name for it ("Unknown error 524").
 */
#define VDP_ERRNO_ENOTSUPP	524

/* --- backend features (bit numbers), linux/vhost_types.h ----------------------------------- */

#ifndef VHOST_BACKEND_F_IOTLB_MSG_V2
#define VHOST_BACKEND_F_IOTLB_MSG_V2		1
#endif
#ifndef VHOST_BACKEND_F_IOTLB_BATCH
#define VHOST_BACKEND_F_IOTLB_BATCH		2
#endif
#ifndef VHOST_BACKEND_F_IOTLB_ASID
#define VHOST_BACKEND_F_IOTLB_ASID		3
#endif
#ifndef VHOST_BACKEND_F_SUSPEND
#define VHOST_BACKEND_F_SUSPEND			4
#endif
#ifndef VHOST_BACKEND_F_RESUME
#define VHOST_BACKEND_F_RESUME			5
#endif
#ifndef VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK
#define VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK	6
#endif
#ifndef VHOST_BACKEND_F_DESC_ASID
#define VHOST_BACKEND_F_DESC_ASID		7
#endif
#ifndef VHOST_BACKEND_F_IOTLB_PERSIST
#define VHOST_BACKEND_F_IOTLB_PERSIST		8
#endif

/* Highest backend feature bit a 6.12 kernel accepts; anything above is EOPNOTSUPP. */
#define VDP_BACKEND_F_LAST			VHOST_BACKEND_F_IOTLB_PERSIST

/* --- IOTLB messages ------------------------------------------------------------------------ */

#ifndef VHOST_ACCESS_RO
#define VHOST_ACCESS_RO		0x1
#define VHOST_ACCESS_WO		0x2
#define VHOST_ACCESS_RW		0x3
#endif

#ifndef VHOST_IOTLB_MISS
#define VHOST_IOTLB_MISS		1
#define VHOST_IOTLB_UPDATE		2
#define VHOST_IOTLB_INVALIDATE		3
#define VHOST_IOTLB_ACCESS_FAIL		4
#endif
#ifndef VHOST_IOTLB_BATCH_BEGIN
#define VHOST_IOTLB_BATCH_BEGIN		5
#endif
#ifndef VHOST_IOTLB_BATCH_END
#define VHOST_IOTLB_BATCH_END		6
#endif

/* Number of IOTLB message types, for per-type counters indexed by type (0 unused). */
#define VDP_IOTLB_MSG_TYPES		7

/*
 * struct vhost_msg_v2 and VHOST_IOTLB_MSG_V2 arrived together (Linux 4.19); headers that
 * lack one lack both.
 */
#ifndef VHOST_IOTLB_MSG_V2
#define VHOST_IOTLB_MSG			0x1
#define VHOST_IOTLB_MSG_V2		0x2

struct vhost_msg_v2 {
	__u32 type;
	__u32 asid;
	union {
		struct vhost_iotlb_msg iotlb;
		__u8 padding[64];
	};
};
#endif

#ifndef VHOST_FILE_UNBIND
#define VHOST_FILE_UNBIND		-1
#endif

/* --- ioctls the 6.1 headers lack ------------------------------------------------------------ */

#ifndef VHOST_VDPA_GET_VQS_COUNT
#define VHOST_VDPA_GET_VQS_COUNT	_IOR(VHOST_VIRTIO, 0x80, __u32)
#endif
#ifndef VHOST_VDPA_GET_GROUP_NUM
#define VHOST_VDPA_GET_GROUP_NUM	_IOR(VHOST_VIRTIO, 0x81, __u32)
#endif
#ifndef VHOST_VDPA_GET_AS_NUM
#define VHOST_VDPA_GET_AS_NUM		_IOR(VHOST_VIRTIO, 0x7A, unsigned int)
#endif
#ifndef VHOST_VDPA_GET_VRING_GROUP
#define VHOST_VDPA_GET_VRING_GROUP	_IOWR(VHOST_VIRTIO, 0x7B, struct vhost_vring_state)
#endif
#ifndef VHOST_VDPA_SET_GROUP_ASID
#define VHOST_VDPA_SET_GROUP_ASID	_IOW(VHOST_VIRTIO, 0x7C, struct vhost_vring_state)
#endif
#ifndef VHOST_VDPA_SUSPEND
#define VHOST_VDPA_SUSPEND		_IO(VHOST_VIRTIO, 0x7D)
#endif
#ifndef VHOST_VDPA_RESUME
#define VHOST_VDPA_RESUME		_IO(VHOST_VIRTIO, 0x7E)
#endif
#ifndef VHOST_VDPA_GET_VRING_DESC_GROUP
#define VHOST_VDPA_GET_VRING_DESC_GROUP	_IOWR(VHOST_VIRTIO, 0x7F, struct vhost_vring_state)
#endif
/* First merged as 0x80 (clashing with GET_VQS_COUNT) and renumbered before any release. */
#ifndef VHOST_VDPA_GET_VRING_SIZE
#define VHOST_VDPA_GET_VRING_SIZE	_IOWR(VHOST_VIRTIO, 0x82, struct vhost_vring_state)
#endif
/* Worker ioctls (6.4+): meaningless on vhost-vdpa, which answers them ENOTTY (spec 2.3). */
#ifndef VHOST_NEW_WORKER
#define VHOST_NEW_WORKER		_IOR(VHOST_VIRTIO, 0x08, __u32)
#endif
#ifndef VHOST_FREE_WORKER
#define VHOST_FREE_WORKER		_IOW(VHOST_VIRTIO, 0x09, __u32)
#endif
/* 6.12.48+ numbers; 6.12.43-47 used 0x83/0x84. */
#ifndef VHOST_SET_FORK_FROM_OWNER
#define VHOST_SET_FORK_FROM_OWNER	_IOW(VHOST_VIRTIO, 0x84, __u8)
#endif
#ifndef VHOST_GET_FORK_FROM_OWNER
#define VHOST_GET_FORK_FROM_OWNER	_IOR(VHOST_VIRTIO, 0x85, __u8)
#endif

/* --- virtio device status and transport features, linux/virtio_config.h --------------------- */

#ifndef VIRTIO_CONFIG_S_ACKNOWLEDGE
#define VIRTIO_CONFIG_S_ACKNOWLEDGE	0x01
#define VIRTIO_CONFIG_S_DRIVER		0x02
#define VIRTIO_CONFIG_S_DRIVER_OK	0x04
#define VIRTIO_CONFIG_S_FEATURES_OK	0x08
#define VIRTIO_CONFIG_S_NEEDS_RESET	0x40
#define VIRTIO_CONFIG_S_FAILED		0x80
#endif

#ifndef VIRTIO_ID_NET
#define VIRTIO_ID_NET			1
#endif

#ifndef VIRTIO_F_ANY_LAYOUT
#define VIRTIO_F_ANY_LAYOUT		27
#endif
#ifndef VIRTIO_RING_F_INDIRECT_DESC
#define VIRTIO_RING_F_INDIRECT_DESC	28
#endif
#ifndef VIRTIO_RING_F_EVENT_IDX
#define VIRTIO_RING_F_EVENT_IDX		29
#endif
#ifndef VIRTIO_F_VERSION_1
#define VIRTIO_F_VERSION_1		32
#endif
#ifndef VIRTIO_F_ACCESS_PLATFORM
#define VIRTIO_F_ACCESS_PLATFORM	33
#endif
#ifndef VIRTIO_F_RING_PACKED
#define VIRTIO_F_RING_PACKED		34
#endif
#ifndef VIRTIO_F_IN_ORDER
#define VIRTIO_F_IN_ORDER		35
#endif
#ifndef VIRTIO_F_ORDER_PLATFORM
#define VIRTIO_F_ORDER_PLATFORM		36
#endif
#ifndef VIRTIO_F_SR_IOV
#define VIRTIO_F_SR_IOV			37
#endif
#ifndef VIRTIO_F_NOTIFICATION_DATA
#define VIRTIO_F_NOTIFICATION_DATA	38
#endif
#ifndef VIRTIO_F_NOTIF_CONFIG_DATA
#define VIRTIO_F_NOTIF_CONFIG_DATA	39
#endif
#ifndef VIRTIO_F_RING_RESET
#define VIRTIO_F_RING_RESET		40
#endif
#ifndef VIRTIO_F_ADMIN_VQ
#define VIRTIO_F_ADMIN_VQ		41
#endif

/* --- virtio ring layout, linux/virtio_ring.h ----------------------------------------------- */

#ifndef VRING_PACKED_DESC_F_AVAIL
#define VRING_PACKED_DESC_F_AVAIL	7
#define VRING_PACKED_DESC_F_USED	15
#endif
#ifndef VRING_PACKED_EVENT_FLAG_ENABLE
#define VRING_PACKED_EVENT_FLAG_ENABLE	0x0
#define VRING_PACKED_EVENT_FLAG_DISABLE	0x1
#define VRING_PACKED_EVENT_FLAG_DESC	0x2
#define VRING_PACKED_EVENT_F_WRAP_CTR	15
#endif

/* --- virtio-net, linux/virtio_net.h (6.12) -------------------------------------------------- */

#ifndef VIRTIO_NET_F_DEVICE_STATS
#define VIRTIO_NET_F_DEVICE_STATS	50
#endif
#ifndef VIRTIO_NET_F_VQ_NOTF_COAL
#define VIRTIO_NET_F_VQ_NOTF_COAL	52
#endif
#ifndef VIRTIO_NET_F_NOTF_COAL
#define VIRTIO_NET_F_NOTF_COAL		53
#endif
#ifndef VIRTIO_NET_F_GUEST_USO4
#define VIRTIO_NET_F_GUEST_USO4		54
#endif
#ifndef VIRTIO_NET_F_GUEST_USO6
#define VIRTIO_NET_F_GUEST_USO6		55
#endif
#ifndef VIRTIO_NET_F_HOST_USO
#define VIRTIO_NET_F_HOST_USO		56
#endif
#ifndef VIRTIO_NET_F_HASH_REPORT
#define VIRTIO_NET_F_HASH_REPORT	57
#endif
#ifndef VIRTIO_NET_F_GUEST_HDRLEN
#define VIRTIO_NET_F_GUEST_HDRLEN	59
#endif
#ifndef VIRTIO_NET_F_RSS
#define VIRTIO_NET_F_RSS		60
#endif
#ifndef VIRTIO_NET_F_RSC_EXT
#define VIRTIO_NET_F_RSC_EXT		61
#endif
#ifndef VIRTIO_NET_F_STANDBY
#define VIRTIO_NET_F_STANDBY		62
#endif
#ifndef VIRTIO_NET_F_SPEED_DUPLEX
#define VIRTIO_NET_F_SPEED_DUPLEX	63
#endif

#ifndef VIRTIO_NET_S_LINK_UP
#define VIRTIO_NET_S_LINK_UP		1
#define VIRTIO_NET_S_ANNOUNCE		2
#endif

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4	5
#endif
#ifndef VIRTIO_NET_HDR_F_RSC_INFO
#define VIRTIO_NET_HDR_F_RSC_INFO	4
#endif

/* Control queue: class and command numbers, and the one-byte ack. */
#ifndef VIRTIO_NET_OK
#define VIRTIO_NET_OK			0
#define VIRTIO_NET_ERR			1
#endif
#ifndef VIRTIO_NET_CTRL_RX
#define VIRTIO_NET_CTRL_RX		0
#define VIRTIO_NET_CTRL_RX_PROMISC	0
#define VIRTIO_NET_CTRL_RX_ALLMULTI	1
#define VIRTIO_NET_CTRL_RX_ALLUNI	2
#define VIRTIO_NET_CTRL_RX_NOMULTI	3
#define VIRTIO_NET_CTRL_RX_NOUNI	4
#define VIRTIO_NET_CTRL_RX_NOBCAST	5
#endif
#ifndef VIRTIO_NET_CTRL_MAC
#define VIRTIO_NET_CTRL_MAC		1
#define VIRTIO_NET_CTRL_MAC_TABLE_SET	0
#define VIRTIO_NET_CTRL_MAC_ADDR_SET	1
#endif
#ifndef VIRTIO_NET_CTRL_VLAN
#define VIRTIO_NET_CTRL_VLAN		2
#define VIRTIO_NET_CTRL_VLAN_ADD	0
#define VIRTIO_NET_CTRL_VLAN_DEL	1
#endif
#ifndef VIRTIO_NET_CTRL_ANNOUNCE
#define VIRTIO_NET_CTRL_ANNOUNCE	3
#define VIRTIO_NET_CTRL_ANNOUNCE_ACK	0
#endif
#ifndef VIRTIO_NET_CTRL_MQ
#define VIRTIO_NET_CTRL_MQ		4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET	0
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN	1
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX	0x8000
#endif
#ifndef VIRTIO_NET_CTRL_MQ_RSS_CONFIG
#define VIRTIO_NET_CTRL_MQ_RSS_CONFIG	1
#endif
#ifndef VIRTIO_NET_CTRL_MQ_HASH_CONFIG
#define VIRTIO_NET_CTRL_MQ_HASH_CONFIG	2
#endif
#ifndef VIRTIO_NET_CTRL_GUEST_OFFLOADS
#define VIRTIO_NET_CTRL_GUEST_OFFLOADS		5
#define VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET	0
#endif
#ifndef VIRTIO_NET_CTRL_NOTF_COAL
#define VIRTIO_NET_CTRL_NOTF_COAL		6
#define VIRTIO_NET_CTRL_NOTF_COAL_TX_SET	0
#define VIRTIO_NET_CTRL_NOTF_COAL_RX_SET	1
#endif
#ifndef VIRTIO_NET_CTRL_NOTF_COAL_VQ_SET
#define VIRTIO_NET_CTRL_NOTF_COAL_VQ_SET	2
#define VIRTIO_NET_CTRL_NOTF_COAL_VQ_GET	3
#endif
#ifndef VIRTIO_NET_CTRL_STATS
#define VIRTIO_NET_CTRL_STATS			8
#define VIRTIO_NET_CTRL_STATS_QUERY		0
#define VIRTIO_NET_CTRL_STATS_GET		1
#endif

/* RSS hash types (config space supported_hash_types and the RSS command). */
#ifndef VIRTIO_NET_RSS_HASH_TYPE_IPv4
#define VIRTIO_NET_RSS_HASH_TYPE_IPv4		(1 << 0)
#define VIRTIO_NET_RSS_HASH_TYPE_TCPv4		(1 << 1)
#define VIRTIO_NET_RSS_HASH_TYPE_UDPv4		(1 << 2)
#define VIRTIO_NET_RSS_HASH_TYPE_IPv6		(1 << 3)
#define VIRTIO_NET_RSS_HASH_TYPE_TCPv6		(1 << 4)
#define VIRTIO_NET_RSS_HASH_TYPE_UDPv6		(1 << 5)
#define VIRTIO_NET_RSS_HASH_TYPE_IP_EX		(1 << 6)
#define VIRTIO_NET_RSS_HASH_TYPE_TCP_EX		(1 << 7)
#define VIRTIO_NET_RSS_HASH_TYPE_UDP_EX		(1 << 8)
#endif

/* --- what a 6.12 kernel decodes (spec §2.1, §3, §4.1), x86_64 ------------------------------- */

#if defined(__x86_64__)
/* The request number a 6.12 x86_64 kernel decodes for an ioctl name. */
#define VDP_UAPI_IOCTL(req, val)	_Static_assert((req) == (val), #req)

VDP_UAPI_IOCTL(VHOST_GET_FEATURES, 0x8008af00);
VDP_UAPI_IOCTL(VHOST_SET_FEATURES, 0x4008af00);
VDP_UAPI_IOCTL(VHOST_SET_OWNER, 0x0000af01);
VDP_UAPI_IOCTL(VHOST_RESET_OWNER, 0x0000af02);
VDP_UAPI_IOCTL(VHOST_SET_MEM_TABLE, 0x4008af03);
VDP_UAPI_IOCTL(VHOST_SET_LOG_BASE, 0x4008af04);
VDP_UAPI_IOCTL(VHOST_SET_LOG_FD, 0x4004af07);
VDP_UAPI_IOCTL(VHOST_NEW_WORKER, 0x8004af08);
VDP_UAPI_IOCTL(VHOST_FREE_WORKER, 0x4004af09);
VDP_UAPI_IOCTL(VHOST_SET_VRING_NUM, 0x4008af10);
VDP_UAPI_IOCTL(VHOST_SET_VRING_ADDR, 0x4028af11);
VDP_UAPI_IOCTL(VHOST_SET_VRING_BASE, 0x4008af12);
VDP_UAPI_IOCTL(VHOST_GET_VRING_BASE, 0xc008af12);
VDP_UAPI_IOCTL(VHOST_SET_VRING_ENDIAN, 0x4008af13);
VDP_UAPI_IOCTL(VHOST_GET_VRING_ENDIAN, 0x4008af14);
VDP_UAPI_IOCTL(VHOST_SET_VRING_KICK, 0x4008af20);
VDP_UAPI_IOCTL(VHOST_SET_VRING_CALL, 0x4008af21);
VDP_UAPI_IOCTL(VHOST_SET_VRING_ERR, 0x4008af22);
VDP_UAPI_IOCTL(VHOST_SET_VRING_BUSYLOOP_TIMEOUT, 0x4008af23);
VDP_UAPI_IOCTL(VHOST_GET_VRING_BUSYLOOP_TIMEOUT, 0x4008af24);
VDP_UAPI_IOCTL(VHOST_SET_BACKEND_FEATURES, 0x4008af25);
VDP_UAPI_IOCTL(VHOST_GET_BACKEND_FEATURES, 0x8008af26);
VDP_UAPI_IOCTL(VHOST_VDPA_GET_DEVICE_ID, 0x8004af70);
VDP_UAPI_IOCTL(VHOST_VDPA_GET_STATUS, 0x8001af71);
VDP_UAPI_IOCTL(VHOST_VDPA_SET_STATUS, 0x4001af72);
VDP_UAPI_IOCTL(VHOST_VDPA_GET_CONFIG, 0x8008af73);
VDP_UAPI_IOCTL(VHOST_VDPA_SET_CONFIG, 0x4008af74);
VDP_UAPI_IOCTL(VHOST_VDPA_SET_VRING_ENABLE, 0x4008af75);
VDP_UAPI_IOCTL(VHOST_VDPA_GET_VRING_NUM, 0x8002af76);
VDP_UAPI_IOCTL(VHOST_VDPA_SET_CONFIG_CALL, 0x4004af77);
VDP_UAPI_IOCTL(VHOST_VDPA_GET_IOVA_RANGE, 0x8010af78);
VDP_UAPI_IOCTL(VHOST_VDPA_GET_CONFIG_SIZE, 0x8004af79);
VDP_UAPI_IOCTL(VHOST_VDPA_GET_AS_NUM, 0x8004af7a);
VDP_UAPI_IOCTL(VHOST_VDPA_GET_VRING_GROUP, 0xc008af7b);
VDP_UAPI_IOCTL(VHOST_VDPA_SET_GROUP_ASID, 0x4008af7c);
VDP_UAPI_IOCTL(VHOST_VDPA_SUSPEND, 0x0000af7d);
VDP_UAPI_IOCTL(VHOST_VDPA_RESUME, 0x0000af7e);
VDP_UAPI_IOCTL(VHOST_VDPA_GET_VRING_DESC_GROUP, 0xc008af7f);
VDP_UAPI_IOCTL(VHOST_VDPA_GET_VQS_COUNT, 0x8004af80);
VDP_UAPI_IOCTL(VHOST_VDPA_GET_GROUP_NUM, 0x8004af81);
VDP_UAPI_IOCTL(VHOST_VDPA_GET_VRING_SIZE, 0xc008af82);
VDP_UAPI_IOCTL(VHOST_SET_FORK_FROM_OWNER, 0x4001af84);
VDP_UAPI_IOCTL(VHOST_GET_FORK_FROM_OWNER, 0x8001af85);
#undef VDP_UAPI_IOCTL
#endif

_Static_assert(VHOST_BACKEND_F_IOTLB_MSG_V2 == 1 && VHOST_BACKEND_F_IOTLB_BATCH == 2 &&
	       VHOST_BACKEND_F_IOTLB_ASID == 3 && VHOST_BACKEND_F_SUSPEND == 4 &&
	       VHOST_BACKEND_F_RESUME == 5 && VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK == 6 &&
	       VHOST_BACKEND_F_DESC_ASID == 7 && VHOST_BACKEND_F_IOTLB_PERSIST == 8,
	       "VHOST_BACKEND_F_* are bit numbers 1..8");

_Static_assert(sizeof(struct vhost_vring_state) == 8, "struct vhost_vring_state");
_Static_assert(sizeof(struct vhost_vring_file) == 8, "struct vhost_vring_file");
_Static_assert(sizeof(struct vhost_vring_addr) == 40, "struct vhost_vring_addr");
_Static_assert(offsetof(struct vhost_vring_addr, used_user_addr) == 16,
	       "vhost_vring_addr: used before avail");
_Static_assert(offsetof(struct vhost_vring_addr, avail_user_addr) == 24,
	       "vhost_vring_addr: avail after used");
_Static_assert(sizeof(struct vhost_vdpa_config) == 8, "struct vhost_vdpa_config header");
_Static_assert(sizeof(struct vhost_vdpa_iova_range) == 16, "struct vhost_vdpa_iova_range");
_Static_assert(sizeof(struct vhost_iotlb_msg) == 32, "struct vhost_iotlb_msg");
_Static_assert(sizeof(struct vhost_msg_v2) == 72, "struct vhost_msg_v2");
_Static_assert(offsetof(struct vhost_msg_v2, asid) == 4, "vhost_msg_v2.asid");
_Static_assert(offsetof(struct vhost_msg_v2, iotlb) == 8, "vhost_msg_v2.iotlb");

#endif /* VDP_UAPI_H */
