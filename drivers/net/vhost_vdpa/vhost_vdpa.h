/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vhost_vdpa: the PMD's private state, shared by its files.
 *
 *   vhost_vdpa_args.c    devargs
 *   vhost_vdpa_ethdev.c  probe/remove, ethdev ops, queue set-up, start/stop
 *   vhost_vdpa_dev.c     the device life cycle: features, bring-up, reset, queue recovery
 *   vhost_vdpa_rxtx.c    Rx/Tx bursts: lib/virtq rings, the virtio-net header, kicks
 *   vhost_vdpa_ctrl.c    the control queue (RX mode, MAC, MQ) and the config interrupt
 *   vhost_vdpa_xstats.c  stats, xstats and the /vhost_vdpa/ telemetry commands
 *
 * Addresses: every IOVA the device sees equals the process VA (lib/iotlb maps DPDK memory with
 * IOVA = VA), so rings and mbuf data are given to the device by their virtual address, whatever
 * EAL's IOVA mode.
 */
#ifndef VHOST_VDPA_H
#define VHOST_VDPA_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_spinlock.h>

#include "vdp_dev.h"
#include "vdp_iotlb.h"
#include "vdp_virtq.h"

struct rte_eth_dev;
struct vdpa_mem;

#define VDPA_PMD_NAME		"net_vhost_vdpa"
/* Queue pairs the PMD drives at most (the device may have fewer, never more are used). */
#define VDPA_MAX_QUEUE_PAIRS	16u
/* Internal burst: longer bursts are served in chunks of this size. */
#define VDPA_BURST		32u
/* struct virtio_net_hdr_v1 (VERSION_1 is required, so the header is always 12 bytes). */
#define VDPA_NET_HDR_LEN	12u
/* Segments of one Tx packet at most (header + mbuf segments), fits an indirect table. */
#define VDPA_TX_SEGS_MAX	VDP_VIRTQ_INDIRECT_MAX
#define VDPA_DEFAULT_SPEED	RTE_ETH_SPEED_NUM_10G

extern int vdpa_logtype;
#define VDPA_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vdpa_logtype, VDPA_PMD_NAME ": " fmt "\n", ##__VA_ARGS__)

/* virtio-net header (virtio 1.2, 5.1.6), little-endian on the wire like the rings. */
struct vdpa_net_hdr {
	uint8_t flags;
#define VDPA_NET_HDR_F_NEEDS_CSUM	1u
#define VDPA_NET_HDR_F_DATA_VALID	2u
	uint8_t gso_type;
#define VDPA_NET_HDR_GSO_NONE		0u
#define VDPA_NET_HDR_GSO_TCPV4		1u
#define VDPA_NET_HDR_GSO_UDP		3u
#define VDPA_NET_HDR_GSO_TCPV6		4u
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
} __rte_packed;

/* Tri-state devargs: auto (the device decides), forced off, forced on. */
enum vdpa_tri {
	VDPA_AUTO = -1,
	VDPA_OFF = 0,
	VDPA_ON = 1,
};

enum vdpa_doorbell {
	VDPA_DOORBELL_AUTO = 0,	/* mmap when the kernel allows it, eventfd otherwise */
	VDPA_DOORBELL_MMAP,	/* mmap or fail the start */
	VDPA_DOORBELL_EVENTFD,	/* always the kick eventfd */
};

/*
 * Where a Tx frame's virtio-net header comes from when it needs no offload. INLINE: the mbuf
 * headroom, one descriptor per frame. SHARED: one read-only zero header per queue, chained
 * before the frame. FRAME: shared for frames a vhost_vdpa Rx queue handed over untouched
 * (their headroom line was last written by the device), inline for the rest.
 */
enum vdpa_tx_hdr {
	VDPA_TX_HDR_AUTO = 0,	/* inline for a PCI parent, otherwise FRAME */
	VDPA_TX_HDR_INLINE,
	VDPA_TX_HDR_SHARED,
	VDPA_TX_HDR_FRAME,
};

/* What the devargs asked for (vhost_vdpa_ethdev.c parses them). */
struct vdpa_args {
	char path[PATH_MAX];
	uint16_t queues;		/* queue pairs, default 1 */
	uint16_t queue_size;		/* 0: the device maximum */
	enum vdp_iotlb_persist_policy persist;
	enum vdpa_tri packed;
	enum vdpa_tri mrg_rxbuf;
	enum vdpa_tri in_order;
	enum vdpa_tri event_idx;
	enum vdpa_tri suspend;		/* stop with SUSPEND/RESUME when acked (auto) or never */
	enum vdpa_doorbell doorbell;
	enum vdpa_tx_hdr tx_hdr;
	bool mac_set;
	struct rte_ether_addr mac;
	uint32_t speed;			/* reported link speed, Mbps */
};

/* Per-queue software counters (only the queue's lcore writes them). */
struct vdpa_queue_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t errors;	/* Rx: bad frames dropped; Tx: packets refused (too many segments) */
	uint64_t nombuf;	/* Rx refill found the mempool empty */
	uint64_t kicks;		/* notifications sent */
	uint64_t mrg_bufs;	/* Rx: buffers merged into multi-buffer packets */
	uint64_t hdr_fallback;	/* Tx: header in a per-packet slot (offload, no headroom) */
	uint64_t hdr_shared;	/* Tx: frames sent behind the queue's shared zero header */
};

/* How a queue notifies the device. */
struct vdpa_kick {
	volatile uint16_t *doorbell;	/* mmapped notify register, NULL: use the eventfd */
	int kickfd;
	uint16_t vq_idx;
};

struct vdpa_rxq {
	struct vdp_virtq *vq;		/* driver-private ring state (rte_zmalloc) */
	struct rte_mempool *mp;
	struct vdpa_kick kick;
	uint16_t hdr_room;		/* bytes of headroom the header takes: VDPA_NET_HDR_LEN */
	uint16_t buf_len;		/* device-writable bytes per posted mbuf */
	bool mrg;			/* MRG_RXBUF negotiated */
	bool csum;			/* GUEST_CSUM negotiated: trust DATA_VALID / NEEDS_CSUM */
	/* a mergeable packet whose buffers span two bursts */
	struct rte_mbuf *mrg_head;
	struct rte_mbuf *mrg_tail;
	uint16_t mrg_left;
	struct vdpa_queue_stats stats;
	uint32_t polls;			/* bursts, for the periodic fault check */
	uint64_t faults_seen;		/* leaking device faults at the last check */
	/* cold */
	struct vdpa_port *port;
	const struct rte_memzone *mz;	/* ring memory */
	struct vdp_virtq_addrs addrs;
	uint16_t qid;
	uint16_t nb_desc;
	uint16_t port_id;
	int callfd;			/* call eventfd (Rx interrupts), -1 when polling */
};

/* A Tx packet whose header could not go in its headroom: the header lives here. */
struct vdpa_tx_slot {
	struct vdpa_net_hdr hdr;
	uint16_t next;			/* free list */
	struct rte_mbuf *m;
} __rte_aligned(32);

struct vdpa_txq {
	struct vdp_virtq *vq;
	struct vdpa_kick kick;
	bool offload;			/* CSUM or TSO negotiated: fill the header from ol_flags */
	uint16_t free_thresh;		/* reclaim used buffers when fewer slots are free */
	struct vdpa_tx_slot *slots;	/* nb_desc slots, in DPDK memory (the device reads hdr) */
	uint16_t slot_free;		/* head of the free slot list, UINT16_MAX: none */
	enum vdpa_tx_hdr hdr_mode;	/* INLINE, SHARED or FRAME (resolved) */
	uint64_t zero_hdr_iova;		/* the shared header: zero, never written after set-up */
	struct vdpa_queue_stats stats;
	uint32_t polls;
	uint64_t faults_seen;
	/* cold */
	struct vdpa_port *port;
	const struct rte_memzone *mz;	/* ring memory, then the slots */
	struct vdp_virtq_addrs addrs;
	uint16_t qid;
	uint16_t nb_desc;
	uint16_t port_id;
};

/* The control queue: one command at a time, under the port's control lock. */
struct vdpa_cvq;

/* Where the port's device is in its life. */
enum vdpa_state {
	VDPA_STATE_RESET = 0,		/* status 0, nothing set up */
	VDPA_STATE_RUNNING,		/* DRIVER_OK, queues live */
	VDPA_STATE_SUSPENDED,		/* DRIVER_OK, SUSPENDed by port stop: start RESUMEs */
};

/* Port counters the xstats and telemetry report (control path only). */
struct vdpa_port_counters {
	uint64_t device_resets;		/* SET_STATUS(0) issued */
	uint64_t suspends;
	uint64_t resumes;
	uint64_t unmap_suspends;	/* SUSPENDs that stopped DMA before an unmap and reset */
	uint64_t starts;		/* full bring-ups (status handshake + vrings + DRIVER_OK) */
	uint64_t restarts_no_remap;	/* starts that sent no IOTLB message */
	uint64_t config_irqs;		/* config interrupts handled */
	uint64_t needs_reset;		/* the device set NEEDS_RESET */
	uint64_t link_changes;
	uint64_t broken_restarts;	/* queues found broken and restarted */
};

struct vdpa_port {
	struct vdp_dev *dev;
	struct vdp_iotlb *map;
	struct vdpa_mem *mem;
	struct rte_eth_dev *eth_dev;
	struct vdpa_args args;
	struct vdp_dev_info info;
	char name[RTE_DEV_NAME_MAX_LEN];

	uint64_t backend_acked;
	uint64_t features;		/* negotiated (what FEATURES_OK accepted) */
	uint64_t features_wanted;	/* what the driver asks for at the next bring-up */
	bool persist;			/* IOTLB_PERSIST acked */
	bool can_suspend;		/* SUSPEND and RESUME acked and allowed by devargs */
	bool maps_valid;		/* kernel and device hold the map (false after a legacy reset) */
	bool need_reset;		/* a change since stop needs a full bring-up, not RESUME */
	bool doorbell_ok;		/* doorbell mmap worked for vq 0 */
	enum vdpa_tx_hdr tx_hdr;	/* args.tx_hdr with auto resolved */

	/* from the config space and the device */
	struct rte_ether_addr mac;
	uint16_t max_pairs;		/* device max_virtqueue_pairs (1 without MQ) */
	uint16_t mtu_max;		/* device MTU (config space), or 9000 - without MTU feature */
	uint16_t ring_size;		/* vring size used at the next start */
	uint16_t pairs;			/* configured queue pairs */
	uint16_t link_up;		/* 1 up, 0 down (from config status, or 1 without STATUS) */

	enum vdpa_state state;
	struct vdpa_cvq *cvq;
	int config_fd;			/* config interrupt eventfd, -1 when not set */
	bool rxq_intr;			/* Rx interrupts configured */
	bool promisc;
	bool allmulti;
	uint8_t ctrl_synced;		/* VDPA_SYNC_*: the device holds mac / promisc / allmulti */
	rte_spinlock_t recover_lock;	/* one queue recovery at a time */
	bool recover_warned;

	struct vdpa_port_counters cnt;
};

/*
 * What the running device is known to hold since its last reset (port.ctrl_synced): ethdev
 * replays the MAC and the Rx modes after every start, right after the start restored them.
 */
#define VDPA_SYNC_MAC		(1u << 0)
#define VDPA_SYNC_PROMISC	(1u << 1)
#define VDPA_SYNC_ALLMULTI	(1u << 2)

/* Per vq resources that live as long as the port (eventfds, doorbell pages). */
#define VDPA_MAX_VQS		(2 * VDPA_MAX_QUEUE_PAIRS + 1)

/* vq index of Rx queue q and Tx queue q (virtio-net 5.1.2). */
static inline uint16_t
vdpa_rx_vq(uint16_t q)
{
	return (uint16_t)(2 * q);
}

static inline uint16_t
vdpa_tx_vq(uint16_t q)
{
	return (uint16_t)(2 * q + 1);
}

static inline bool
vdpa_has(const struct vdpa_port *p, unsigned int bit)
{
	return (p->features >> bit) & 1;
}

/* --- vhost_vdpa_rxtx.c ------------------------------------------------------------------- */

uint16_t vdpa_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t vdpa_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t n);
uint16_t vdpa_tx_prepare(void *txq, struct rte_mbuf **pkts, uint16_t n);
/* Post mbufs into every free Rx slot; returns 0 or -ENOMEM when none could be posted. */
int vdpa_rxq_refill(struct vdpa_rxq *q);
/* Give back every mbuf the ring still holds (device stopped); resets the ring position. */
void vdpa_rxq_drain(struct vdpa_rxq *q);
void vdpa_txq_drain(struct vdpa_txq *q);
/* Reclaim what the device finished sending. */
void vdpa_txq_reclaim(struct vdpa_txq *q);
void vdpa_kick(const struct vdpa_kick *k);

/* --- vhost_vdpa_ctrl.c ------------------------------------------------------------------- */

/*
 * Create the control queue (num entries) in DPDK memory; nothing is sent. Its vq index depends
 * on whether MQ is negotiated, so setup finds it at each bring-up.
 */
int vdpa_cvq_create(struct vdpa_port *p, uint16_t num, int socket);
void vdpa_cvq_free(struct vdpa_port *p);
/* Program the cvq's vring into the device (before DRIVER_OK, ring reset to position 0). */
int vdpa_cvq_setup(struct vdpa_port *p);
/* Drop what the device never completed (after a reset). */
void vdpa_cvq_drain(struct vdpa_port *p);
/*
 * Send one command and wait for its ack (bounded wait). data may be NULL with len 0.
 * Returns 0 on VIRTIO_NET_OK, -EIO on VIRTIO_NET_ERR, -ETIMEDOUT, -ENOTSUP without a cvq.
 */
int vdpa_cvq_cmd(struct vdpa_port *p, uint8_t cls, uint8_t cmd, const void *data, uint16_t len);
/* Commands sent and failed (xstats). */
void vdpa_cvq_counters(const struct vdpa_port *p, uint64_t *cmds, uint64_t *errors);

/* The config interrupt: link state and NEEDS_RESET. */
int vdpa_config_intr_setup(struct vdpa_port *p);
void vdpa_config_intr_teardown(struct vdpa_port *p);
/* Re-read link state from the config space; returns 1 when it changed. */
int vdpa_link_read(struct vdpa_port *p);

/* --- vhost_vdpa_xstats.c ----------------------------------------------------------------- */

int vdpa_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st);
int vdpa_stats_reset(struct rte_eth_dev *dev);
int vdpa_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
			  unsigned int n);
int vdpa_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs, unsigned int n);
int vdpa_xstats_reset(struct rte_eth_dev *dev);
/* Register /vhost_vdpa/info and /vhost_vdpa/iotlb (once per process). */
void vdpa_telemetry_register(void);

/* --- vhost_vdpa_dev.c -------------------------------------------------------------------- */

#define VDPA_F(bit)		(1ULL << (bit))
#define VDPA_CFG_MAC_OFF	0	/* virtio_net_config offsets */
#define VDPA_CFG_PAIRS_OFF	8
#define VDPA_CFG_MTU_OFF	10

/* The kick resources of one vq, kept for the life of the port. */
struct vdpa_vq_res {
	int kickfd;
	volatile uint16_t *db;
	bool db_tried;
	/* what the device holds for this index: fds last bound, -1 none, VDPA_FD_UNKNOWN */
	int kick_bound;
	int call_bound;
};

#define VDPA_FD_UNKNOWN		(-2)

/* The ethdev private area: the port and its per-vq resources. */
struct vdpa_priv {
	struct vdpa_port port;
	struct vdpa_vq_res res[VDPA_MAX_VQS];
};

/* The features to ask for at the next bring-up, from the offer, the devargs and conf. */
int vdpa_features_compute(struct vdpa_port *p, const struct rte_eth_conf *conf);
void vdpa_vq_res_init(struct vdpa_port *p);
/* Unmap the doorbell pages, close the kick eventfds. */
void vdpa_vq_res_free(struct vdpa_port *p);
/* SET_VRING_KICK and SET_VRING_CALL of vq idx, skipping what the device already holds. */
int vdpa_vq_bind(struct vdpa_port *p, uint16_t idx, int kickfd, int callfd);
/* Reset with lib/iotlb's protocol around it; every buffer given back. */
int vdpa_dev_reset_full(struct vdpa_port *p);
/* Status handshake, vrings, DRIVER_OK, kicks, control-queue restore; reset on failure. */
int vdpa_dev_bring_up(struct vdpa_port *p);
void vdpa_kick_all(struct vdpa_port *p);

/* --- vhost_vdpa_ethdev.c ----------------------------------------------------------------- */

/* Is this port one of ours (telemetry takes a port id)? */
struct vdpa_port *vdpa_port_get(uint16_t port_id);
/*
 * Called from a queue's own burst when its ring is broken or leaking buffers to device faults:
 * SUSPEND, re-initialise that one vring (buffers given back), RESUME. Without SUSPEND/RESUME it
 * logs once and raises RTE_ETH_EVENT_INTR_RESET.
 */
void vdpa_queue_recover(struct vdpa_port *p, bool rx, uint16_t qid);

/* Ports whose Rx queues are this PMD's: a frame with such an mbuf->port came from a device. */
extern bool vdpa_rx_ports[RTE_MAX_ETHPORTS];

#endif /* VHOST_VDPA_H */
