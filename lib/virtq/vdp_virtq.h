/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/virtq - the rings: the driver side of split and packed virtqueues (virtio 1.2, 2.7/2.8).
 *
 * A virtq lives in two pieces of memory, both provided by the caller:
 *  - the ring memory (descriptors, driver area, device area and, with VDP_VIRTQ_F_INDIRECT,
 *    the indirect tables), which the device reads and writes. Put it in memory the device
 *    can reach (hugepages mapped into the device IOTLB); its IOVA is given separately from
 *    its VA, so nothing here assumes IOVA == VA;
 *  - the driver-private object (struct vdp_virtq, vdp_virtq_obj_size() bytes), which the
 *    device never sees: cookies, chain lengths and free lists live there, so a hostile device
 *    cannot corrupt the driver's bookkeeping by scribbling on the ring.
 *
 * Burst paths (add, get_used, needs_kick, intr_*) make no syscall, allocate nothing and take
 * no lock: one virtq is used by one thread at a time (the PMD's queue lcore).
 *
 * Everything the device writes is read once, validated and counted in struct vdp_virtq_stats:
 * a used id that is out of range or not outstanding, a length above what the buffer can hold,
 * impossible packed wrap bits, a used index running ahead of what was made available. A bad
 * element never yields a cookie twice and never makes the library index out of bounds. When
 * the device is inconsistent beyond repair the virtq is marked broken (vdp_virtq_broken()):
 * add and get_used then do nothing until the caller stops the device, drains and resets.
 *
 * Plain C11, no DPDK headers. Little-endian hosts only (virtio 1.x rings are little-endian).
 */
#ifndef VDP_VIRTQ_H
#define VDP_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vdp_virtq;

/* Ring format and negotiated features (conf.flags). */
#define VDP_VIRTQ_F_PACKED	(1u << 0)	/* VIRTIO_F_RING_PACKED */
#define VDP_VIRTQ_F_IN_ORDER	(1u << 1)	/* VIRTIO_F_IN_ORDER */
#define VDP_VIRTQ_F_EVENT_IDX	(1u << 2)	/* VIRTIO_RING_F_EVENT_IDX */
#define VDP_VIRTQ_F_INDIRECT	(1u << 3)	/* VIRTIO_RING_F_INDIRECT_DESC */
#define VDP_VIRTQ_F_ALL		0xfu

/* Largest ring (virtio 1.2: queue size is at most 32768). */
#define VDP_VIRTQ_NUM_MAX	32768u
/* Alignment of the ring memory, its VA and its IOVA. */
#define VDP_VIRTQ_MEM_ALIGN	64u
/* Segments an indirect table holds: buffers of 2..this many segments take one ring slot. */
#define VDP_VIRTQ_INDIRECT_MAX	8u

/* A piece of a buffer: device address (IOVA) and length in bytes. */
struct vdp_virtq_seg {
	uint64_t iova;
	uint32_t len;
};

/* What to give VHOST_SET_VRING_ADDR: IOVAs of the three ring areas. */
struct vdp_virtq_addrs {
	uint64_t desc;		/* descriptor area */
	uint64_t driver;	/* split: avail ring; packed: driver event suppression */
	uint64_t device;	/* split: used ring; packed: device event suppression */
};

struct vdp_virtq_conf {
	uint32_t num;		/* ring size: power of two, 1..VDP_VIRTQ_NUM_MAX */
	uint32_t flags;		/* VDP_VIRTQ_F_* */
	void *mem;		/* ring memory, VDP_VIRTQ_MEM_ALIGN-aligned */
	uint64_t iova;		/* the device's address of mem, VDP_VIRTQ_MEM_ALIGN-aligned */
	size_t mem_len;		/* at least vdp_virtq_mem_size(num, flags) */
	uint32_t index;		/* vq index, only for log lines */
};

/*
 * Counters. Everything under "device faults" is a device writing something it must not;
 * each is counted once per bad element.
 */
struct vdp_virtq_stats {
	uint64_t added;			/* buffers made available */
	uint64_t used;			/* buffers returned by get_used */
	uint64_t drained;		/* buffers returned by drain */
	uint64_t kicks;			/* needs_kick said yes */
	uint64_t kicks_suppressed;	/* needs_kick said no after something was added */
	uint64_t full;			/* add stopped early: no free descriptors */
	uint64_t bad_input;		/* add refused a buffer: 0 segments or too many */
	/* device faults */
	uint64_t bad_used_id;		/* used id out of range or not outstanding */
	uint64_t bad_used_len;		/* used length above the buffer's capacity */
	uint64_t bad_wrap;		/* packed: used flags with impossible wrap bits */
	uint64_t bad_used_idx;		/* split: used index past the outstanding buffers */
	uint64_t broken;		/* times the ring was found broken */
};

/* Driver/device position, what VHOST_SET_VRING_BASE and VHOST_GET_VRING_BASE carry. */
struct vdp_virtq_state {
	uint16_t avail_idx;	/* split: free-running avail->idx; packed: next avail slot */
	uint16_t used_idx;	/* split: next used element; packed: next used slot */
	bool avail_wrap;	/* packed only */
	bool used_wrap;		/* packed only */
};

/* --- set-up ------------------------------------------------------------------------------- */

/* Bytes of ring memory for num entries with flags; 0 when num or flags are invalid. */
size_t vdp_virtq_mem_size(uint32_t num, uint32_t flags);
/* Bytes of the driver-private object; 0 when num is invalid. Align it to 64 bytes. */
size_t vdp_virtq_obj_size(uint32_t num);

/*
 * Lay a virtq out over conf->mem (zeroed here) in vq (obj_len bytes of caller memory) and
 * report the ring IOVAs in addrs. Returns 0, or -EINVAL with a log line naming the bad
 * argument. The virtq starts at position 0 (packed: wrap counters 1).
 */
int vdp_virtq_init(struct vdp_virtq *vq, size_t obj_len, const struct vdp_virtq_conf *conf,
		   struct vdp_virtq_addrs *addrs);

/* calloc + init, and its free (which does not touch the ring memory). */
int vdp_virtq_create(const struct vdp_virtq_conf *conf, struct vdp_virtq **out,
		     struct vdp_virtq_addrs *addrs);
void vdp_virtq_free(struct vdp_virtq *vq);

/*
 * Back to position 0 with zeroed rings and counters kept, for a device restart. Refused with
 * -EBUSY while buffers are outstanding: drain them first, or their cookies would be lost.
 */
int vdp_virtq_reset(struct vdp_virtq *vq);

/* --- burst paths --------------------------------------------------------------------------- */

/*
 * Make n buffers available, device-readable (add_out: TX) or device-writable (add_in: RX).
 * Buffer i is nsegs[i] consecutive entries of segs (nsegs NULL: one segment each) and carries
 * cookies[i], returned by get_used or drain. Buffers are taken in order until one does not fit;
 * the count taken is returned, and all of them are published with one release barrier. A
 * buffer of 0 segments, or of more than the ring holds, stops the burst (stats.bad_input).
 * On a broken ring nothing is added.
 */
uint16_t vdp_virtq_add_out(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs,
			   const uint16_t *nsegs, void *const *cookies, uint16_t n);
uint16_t vdp_virtq_add_in(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs,
			  const uint16_t *nsegs, void *const *cookies, uint16_t n);

/*
 * Make one buffer available whose first n_out segments (segs[0..n_out)) are device-readable
 * and whose next n_in are device-writable: a virtio-net control command (class, command and
 * data out, the ack byte in), or any request/response pair. It goes through an indirect table
 * like the others (VDP_VIRTQ_F_INDIRECT and 2..VDP_VIRTQ_INDIRECT_MAX segments). Returns 1
 * when added; 0 when it does not fit (stats.full), on a broken or draining ring, or for
 * n_out + n_in == 0 or more segments than the ring holds (stats.bad_input). The used length
 * reported for it is checked against the writable part only (n_in == 0: it must be 0), and
 * a buffer completed implicitly by an in-order batch comes back with that part's length.
 * Not a burst path: one release barrier per call. Use add_out/add_in for data traffic.
 */
uint16_t vdp_virtq_add_chain(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs,
			     uint16_t n_out, uint16_t n_in, void *cookie);

/*
 * Take up to n used buffers: cookies[i] and, when lens is not NULL, lens[i], the bytes the
 * device wrote (0 for device-readable buffers). A length the device reports above the
 * buffer's capacity is counted (bad_used_len) and returned as 0: the buffer comes back but its
 * contents are not to be trusted. Returns the count.
 */
uint16_t vdp_virtq_get_used(struct vdp_virtq *vq, void **cookies, uint32_t *lens, uint16_t n);

/* Used buffers are waiting (a cheap look, for polling and interrupt re-arming). */
bool vdp_virtq_has_used(const struct vdp_virtq *vq);

/*
 * After adding: must the device be notified? True only when the device asks for it (split:
 * VRING_USED_F_NO_NOTIFY clear, or avail_event crossed with EVENT_IDX; packed: device event
 * flags ENABLE, or DESC with the event offset crossed). False when nothing was added since the
 * last call. The caller kicks (doorbell or eventfd).
 */
bool vdp_virtq_needs_kick(struct vdp_virtq *vq);

/*
 * Used buffer notifications (interrupts) for Rx interrupt mode. enable re-arms them (split:
 * avail flags 0 or used_event; packed: driver event ENABLE or DESC) and returns true when
 * used buffers are already waiting, in which case the caller polls instead of sleeping.
 * disable asks the device not to notify (best effort: spurious notifications can still come).
 */
bool vdp_virtq_intr_enable(struct vdp_virtq *vq);
void vdp_virtq_intr_disable(struct vdp_virtq *vq);

/* --- state, stop/start ------------------------------------------------------------------- */

/*
 * Return up to n outstanding cookies (in no particular order) and forget them; for stop, once
 * the device no longer uses the ring (after SET_STATUS(0)). From the first call the burst
 * paths do nothing; when the last cookie is returned the ring is reset to position 0, ready
 * for the next start (vdp_virtq_vring_base() is then 0, or 0x80008000 packed). Returns the
 * count; call until it returns 0.
 */
uint16_t vdp_virtq_drain(struct vdp_virtq *vq, void **cookies, uint16_t n);

void vdp_virtq_get_state(const struct vdp_virtq *vq, struct vdp_virtq_state *st);
/* The VHOST_SET_VRING_BASE value for the current position (split: avail index; packed:
 * avail slot | avail wrap << 15 | used slot << 16 | used wrap << 31). */
uint32_t vdp_virtq_vring_base(const struct vdp_virtq *vq);

uint32_t vdp_virtq_num(const struct vdp_virtq *vq);
uint32_t vdp_virtq_flags(const struct vdp_virtq *vq);
/* Free descriptor slots (a buffer of k segments needs k, or 1 when it goes indirect). */
uint32_t vdp_virtq_free_count(const struct vdp_virtq *vq);
/* Buffers made available and not yet returned. */
uint32_t vdp_virtq_outstanding(const struct vdp_virtq *vq);
/* The device was inconsistent beyond repair: stop it, drain, reset. */
bool vdp_virtq_broken(const struct vdp_virtq *vq);

void vdp_virtq_stats_get(const struct vdp_virtq *vq, struct vdp_virtq_stats *stats);
void vdp_virtq_stats_reset(struct vdp_virtq *vq);

#ifdef __cplusplus
}
#endif

#endif /* VDP_VIRTQ_H */
