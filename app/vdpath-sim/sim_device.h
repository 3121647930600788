/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdpath-sim device internals shared by sim_net.c (the virtio-net device), sim_ring.c (device
 * side of the rings), sim_thread.c (the device thread) and sim_control.c (the --control FIFO).
 * The uAPI half (sim_vhost.c and friends) only sees sim.h.
 *
 * Everything here runs under dev->lock unless a comment says otherwise.
 */
#ifndef VDPATH_SIM_DEVICE_H
#define VDPATH_SIM_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "sim.h"
#include "vdp_uapi.h"

/*
 * The ring layouts are linux/virtio_ring.h's (struct vring_desc, vring_used_elem,
 * vring_packed_desc, vring_packed_desc_event), read and written as host integers: little-endian
 * on the only host we run on (x86_64). The virtio-net header is 10 bytes, 12 with num_buffers
 * (VERSION_1 or MRG_RXBUF).
 */
#define SIM_NET_HDR_LEN_LEGACY sizeof(struct virtio_net_hdr)
#define SIM_NET_HDR_LEN sizeof(struct virtio_net_hdr_mrg_rxbuf)
#define SIM_NET_HDR_NUM_BUFFERS_OFF offsetof(struct virtio_net_hdr_mrg_rxbuf, num_buffers)

_Static_assert(SIM_NET_HDR_LEN_LEGACY == 10 && SIM_NET_HDR_LEN == 12 &&
	       SIM_NET_HDR_NUM_BUFFERS_OFF == 10, "virtio-net header layout");

/* Device accesses as sim_dma() perm values (VHOST_ACCESS_*). */
#define SIM_PERM_RO 1
#define SIM_PERM_WO 2
#define SIM_PERM_RW 3

/* Chains taken per vq per pass: large enough to amortise the lock and the ring translation,
 * small enough that an ioctl waiting for dev->lock is served within microseconds. */
#define SIM_BURST 64

/* Largest ring the device handles (virtio 1.x limit for both formats). */
#define SIM_RING_MAX 32768

#define SIM_LOG(dev, fmt, ...) sim_log("%s: " fmt, (dev)->path, ##__VA_ARGS__)

/* One translated piece of a descriptor chain. */
struct sim_iov {
	uint8_t *base;
	uint32_t len;
};

/* What a chain may contain: device-readable parts, device-writable parts, or both (in that
 * order, as virtio requires). */
#define SIM_CHAIN_READ 1u
#define SIM_CHAIN_WRITE 2u

/* A descriptor chain as sim_ring_pop() translated it; the iov array is caller scratch. */
struct sim_chain {
	uint16_t id;		/* split: head index; packed: buffer id */
	uint16_t ndesc;		/* packed: ring slots the chain took (1 for split) */
	uint32_t niov;		/* readable iovs first, then writable ones */
	uint32_t nread;
	uint64_t read_len, write_len;
	struct sim_iov *iov;
	uint32_t cap;
};

/* Where the next chain would be taken, to give chains back (merged RX buffers that turn out
 * to be too few). */
struct sim_ring_mark {
	uint16_t last_avail;
	bool avail_wrap;
};

/* Device-private state of one vq, next to the struct sim_vq the uAPI half owns. The pointers
 * are valid only between sim_ring_begin() and sim_ring_end(), inside one locked pass: an IOTLB
 * change can happen whenever the lock is free. */
struct sim_ring {
	struct vring_desc *desc;		/* split */
	uint16_t *avail;			/* split: flags, idx, ring[num], used_event */
	uint16_t *used;				/* split: flags, idx, then the elements */
	struct vring_used_elem *used_ring;	/* split */
	struct vring_packed_desc *pdesc;	/* packed */
	struct vring_packed_desc_event *drv_event;	/* packed: driver event suppression */
	struct vring_packed_desc_event *dev_event;	/* packed: device event suppression */
	uint64_t desc_iova, driver_iova, device_iova;	/* as at enable (vdpa_sim) */
	uint16_t num, mask;
	bool mapped;
	bool event_idx, indirect;
	uint16_t avail_idx;		/* split: avail->idx as last read */
	uint16_t flush_used;		/* used index/slot at the last flush */
	bool flush_wrap;
	uint32_t pass_used;		/* used elements written since the last flush */
	uint32_t published;		/* split: of those, already visible in used->idx */
	int32_t kick_flags;		/* last value written to used->flags or the device event
					 * flags; -1 when unknown */
	bool broken;			/* unrecoverable ring state: stopped until re-enabled */
	uint32_t logged;		/* error lines printed for this vq since it started */
	bool faulted;			/* rings could not be translated (logged once) */
};

/* One RX buffer taken for the frame being delivered. */
struct sim_rx_buf {
	uint16_t id;
	uint16_t ndesc;
	uint32_t len;
	uint64_t cap;
};

struct sim_net {
	bool link_up;
	bool link_resumed;		/* the link came up: the thread runs the ready vqs */
	bool promisc, allmulti;
	uint16_t active_pairs;		/* VQ_PAIRS_SET, 1 after reset */
	uint64_t pkts_since_reset;	/* for --needs-reset-after */
	uint64_t used_count;		/* used elements written, for --bad-used-* */
	uint32_t kicked;		/* poll mode: vqs kicked since their last pass */
	struct sim_ring ring[SIM_MAX_VQS];
	/* scratch, sized for the largest ring started (no allocation per packet) */
	struct sim_iov *iov_tx, *iov_rx;
	struct sim_rx_buf *rx_bufs;
	uint32_t scratch_cap;
	/* generator: a zeroed virtio-net header (SIM_NET_HDR_LEN bytes) then the frame */
	uint8_t *gen_buf;
	uint32_t gen_frame_len;
};

/* sim_ring.c */
int sim_ring_setup(struct sim_dev *dev, uint32_t idx);
void sim_ring_save(struct sim_dev *dev, uint32_t idx);
void sim_ring_clear(struct sim_dev *dev, uint32_t idx);
uint32_t sim_ring_state(struct sim_dev *dev, uint32_t idx);
/* Translate the rings for one pass. probe: the device looks on its own (poll mode, no kick),
 * so rings it cannot translate are skipped without counting a DMA fault. */
int sim_ring_begin(struct sim_dev *dev, uint32_t idx, bool poll, bool probe);
bool sim_ring_end(struct sim_dev *dev, uint32_t idx, bool poll);
int sim_ring_pop(struct sim_dev *dev, uint32_t idx, struct sim_chain *c, unsigned int allow);
/* Complete a chain with len bytes written; cap is the chain's total buffer length (what an
 * injected bad length exceeds). */
void sim_ring_push(struct sim_dev *dev, uint32_t idx, uint16_t id, uint16_t ndesc, uint32_t len,
		   uint64_t cap);
/* Complete the n buffers of one merged frame so the driver sees all or none of them. */
void sim_ring_push_n(struct sim_dev *dev, uint32_t idx, const struct sim_rx_buf *bufs,
		     uint32_t n);
void sim_ring_mark(struct sim_dev *dev, uint32_t idx, struct sim_ring_mark *m);
void sim_ring_rewind(struct sim_dev *dev, uint32_t idx, const struct sim_ring_mark *m);

/* sim_net.c */
bool sim_net_run(struct sim_dev *dev, uint32_t *pending, bool poll);
uint32_t sim_net_ready_mask(struct sim_dev *dev);
void sim_net_link_set(struct sim_dev *dev, bool up);
void sim_net_set_needs_reset(struct sim_dev *dev, const char *why);

static inline bool
sim_dev_has(const struct sim_dev *dev, unsigned int bit)
{
	return (dev->drv_features >> bit) & 1;
}

static inline uint64_t
sim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * File descriptor calls made by the device go straight to the kernel: this library interposes
 * read/write/close/open for the client, and the device must neither re-enter that layer (it
 * may take locks we hold) nor pay for it.
 */
static inline ssize_t
sim_sys_read(int fd, void *buf, size_t len)
{
	return syscall(SYS_read, fd, buf, len);
}

static inline ssize_t
sim_sys_write(int fd, const void *buf, size_t len)
{
	return syscall(SYS_write, fd, buf, len);
}

static inline int
sim_sys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

#endif /* VDPATH_SIM_DEVICE_H */
