/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/virtq internals: ring layouts (virtio 1.2, 2.7 and 2.8), the driver-private object and
 * helpers shared by the split and packed halves.
 */
#ifndef VDP_VIRTQ_PRIV_H
#define VDP_VIRTQ_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vdp_virtq.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "lib/virtq writes virtio 1.x rings in host byte order: it needs a little-endian host"
#endif

/* Descriptor flags (both formats) */
#define VQ_DESC_F_NEXT		1u
#define VQ_DESC_F_WRITE		2u
#define VQ_DESC_F_INDIRECT	4u
/* Packed descriptor availability bits */
#define VQ_PDESC_F_AVAIL	(1u << 7)
#define VQ_PDESC_F_USED		(1u << 15)
/* Split ring flags */
#define VQ_AVAIL_F_NO_INTERRUPT	1u
#define VQ_USED_F_NO_NOTIFY	1u
/* Packed event suppression flags */
#define VQ_EVENT_F_ENABLE	0u
#define VQ_EVENT_F_DISABLE	1u
#define VQ_EVENT_F_DESC		2u

/* Longest chain a buffer may have without going indirect. */
#define VQ_SEGS_MAX		256u

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];	/* num entries, then used_event */
};

struct vq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vq_used {
	uint16_t flags;
	uint16_t idx;
	struct vq_used_elem ring[];	/* num entries, then avail_event */
};

struct vq_pdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

struct vq_event {
	uint16_t off_wrap;
	uint16_t flags;
};

/*
 * Per buffer id (split: head descriptor index; packed: buffer id), driver-private. info is the
 * number of ring slots the buffer holds, | VQ_META_IN when it has a device-writable part; 0 means
 * the id is not outstanding. next links free descriptors (split) or free ids (packed).
 */
#define VQ_META_IN	0x8000u
#define VQ_META_NDESC	0x7fffu

struct vq_meta {
	void *cookie;
	uint32_t cap;		/* bytes of the buffer: what the device may report as used */
	uint16_t info;
	uint16_t next;
};

struct vdp_virtq {
	/* burst state */
	uint32_t flags;
	uint16_t mask;		/* num - 1 */
	uint16_t num_free;	/* free ring slots (descriptors) */
	uint16_t outstanding;	/* buffers */
	uint16_t avail_idx;	/* split: free-running avail index; packed: next avail slot */
	uint16_t used_idx;	/* split: free-running next used elem; packed: next used slot */
	uint16_t free_head;	/* split: first free descriptor (in order: next one to fill);
				 * packed, not in order: first free id */
	uint16_t desc_tail;	/* split in order: head of the oldest outstanding buffer */
	uint16_t free_tail;	/* split, not in order: last free descriptor (FIFO list) */
	uint16_t kick_idx;	/* split: avail index at the last kick decision */
	uint32_t kick_added;	/* packed: slots made available since the last decision */
	uint16_t avail_bits;	/* packed: AVAIL/USED bits that mark a slot available now */
	bool avail_wrap;
	bool used_wrap;
	bool broken;
	bool event_idx;
	bool in_order;
	bool indirect;
	bool draining;		/* drain started: burst paths stop until the reset */
	/* in order: a used element that completes a batch not all returned yet */
	bool batch_pending;
	uint16_t batch_last;
	uint32_t batch_len;

	union {
		struct {
			struct vq_desc *desc;
			struct vq_avail *avail;
			struct vq_used *used;
		} split;
		struct {
			struct vq_pdesc *desc;
			struct vq_event *driver;
			struct vq_event *device;
		} packed;
	};
	uint8_t *ind;		/* indirect tables: VDP_VIRTQ_INDIRECT_MAX entries per id */
	uint64_t ind_iova;

	/* cold */
	uint32_t num;
	uint32_t index;
	void *mem;
	uint64_t iova;
	size_t mem_len;
	uint32_t drain_pos;	/* next meta entry drain looks at */
	struct vdp_virtq_addrs addrs;
	struct vdp_virtq_stats stats;

	struct vq_meta meta[] __attribute__((aligned(64)));
};

/* Ring layout inside the ring memory (byte offsets). */
struct vq_layout {
	size_t desc;
	size_t driver;
	size_t device;
	size_t ind;		/* SIZE_MAX without VDP_VIRTQ_F_INDIRECT */
	size_t total;
};

int vq_layout_get(uint32_t num, uint32_t flags, struct vq_layout *lay);

/* Loads of device-written memory: exactly once, so a value checked is the value used. */
static inline uint16_t
vq_load16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint32_t
vq_load32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint16_t
vq_load16_acquire(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void
vq_store16_release(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline void
vq_store16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/* Store-load ordering: our ring updates are visible before the device's side is read. */
static inline void
vq_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* virtio 1.2, 2.7.10: has the index crossed event in the step from old to new? */
static inline bool
vq_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

/* Sum of segment lengths, saturated: what the device may report as used at most. */
static inline uint32_t
vq_segs_cap(const struct vdp_virtq_seg *segs, uint16_t ns)
{
	uint64_t sum = 0;
	uint16_t j;

	for (j = 0; j < ns; j++)
		sum += segs[j].len;
	return sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
}

/*
 * Where the device-writable part of a buffer starts: segments from index wfirst on carry
 * VQ_DESC_F_WRITE. add_in passes 0 and add_out VQ_WFIRST_NONE, both constants, so that in
 * their inlined copies the per-segment test folds away; add_chain passes its n_out.
 * VQ_WFIRST_NONE is above any 16-bit segment index: the test is false by type alone.
 */
#define VQ_WFIRST_NONE		0x10000u

static inline uint16_t
vq_seg_wflag(uint16_t j, uint32_t wfirst)
{
	return (uint32_t)j >= wfirst ? VQ_DESC_F_WRITE : 0;
}

/*
 * What the device may report as used for a buffer of ns segments. A buffer with a writable
 * part may be written up to that part's bytes; an all-readable one from add_out keeps the
 * sum of its segments (what devices that echo the TX length report).
 */
static inline uint32_t
vq_buf_cap(const struct vdp_virtq_seg *segs, uint16_t ns, uint32_t wfirst)
{
	if (wfirst == VQ_WFIRST_NONE)
		return ns == 1 ? segs->len : vq_segs_cap(segs, ns);
	if (wfirst >= ns)
		return 0;
	if (ns - wfirst == 1)
		return segs[wfirst].len;
	return vq_segs_cap(segs + wfirst, (uint16_t)(ns - wfirst));
}

/* VQ_META_IN when the buffer has a device-writable part. */
static inline uint16_t
vq_buf_dir(uint16_t ns, uint32_t wfirst)
{
	if (wfirst == 0)
		return VQ_META_IN;
	return wfirst < ns ? VQ_META_IN : 0;
}

/* Ring slots a buffer of ns segments takes; 0 when it cannot be added at all. */
static inline uint16_t
vq_slots_for(const struct vdp_virtq *vq, uint16_t ns)
{
	if (ns == 1)
		return 1;
	/* 2.7.5.3.1: no chain, indirect or not, longer than the ring */
	if (ns == 0 || ns > vq->num)
		return 0;
	if (vq->indirect && ns <= VDP_VIRTQ_INDIRECT_MAX)
		return 1;
	if (ns > VQ_SEGS_MAX)
		return 0;
	return ns;
}

static inline uint64_t
vq_ind_iova(const struct vdp_virtq *vq, uint16_t id)
{
	return vq->ind_iova + (uint64_t)id * VDP_VIRTQ_INDIRECT_MAX * 16u;
}

static inline void *
vq_ind_table(const struct vdp_virtq *vq, uint16_t id)
{
	return vq->ind + (size_t)id * VDP_VIRTQ_INDIRECT_MAX * 16u;
}

/*
 * Return buffer m: its cookie, and the length to report. A used length above the capacity
 * is counted and reported as 0. A buffer completed implicitly by an in-order batch (no used
 * element of its own) was used completely (virtio 1.2, 2.7.9): its capacity if writable.
 */
static inline void
vq_meta_return(struct vdp_virtq *vq, struct vq_meta *m, bool has_len, uint32_t len,
	       void **cookies, uint32_t *lens, uint16_t k)
{
	cookies[k] = m->cookie;
	if (!has_len) {
		len = (m->info & VQ_META_IN) ? m->cap : 0;
	} else if (len > m->cap) {
		vq->stats.bad_used_len++;
		len = 0;
	}
	if (lens != NULL)
		lens[k] = len;
}

/* Mark the ring broken (once per episode) with a log line saying what the device did. */
void vq_set_broken(struct vdp_virtq *vq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), cold));

/* Split half (vdp_virtq_split.c). */
void vq_split_init(struct vdp_virtq *vq, const struct vq_layout *lay);
uint16_t vq_split_add_out(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs,
			  const uint16_t *nsegs, void *const *cookies, uint16_t n);
uint16_t vq_split_add_in(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs,
			 const uint16_t *nsegs, void *const *cookies, uint16_t n);
uint16_t vq_split_add_chain(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs,
			    uint16_t ns, uint16_t n_out, void *cookie);
uint16_t vq_split_get_used(struct vdp_virtq *vq, void **cookies, uint32_t *lens, uint16_t n);
bool vq_split_has_used(const struct vdp_virtq *vq);
bool vq_split_needs_kick(struct vdp_virtq *vq);
bool vq_split_intr_enable(struct vdp_virtq *vq);
void vq_split_intr_disable(struct vdp_virtq *vq);

/* Packed half (vdp_virtq_packed.c). */
void vq_packed_init(struct vdp_virtq *vq, const struct vq_layout *lay);
uint16_t vq_packed_add_out(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs,
			   const uint16_t *nsegs, void *const *cookies, uint16_t n);
uint16_t vq_packed_add_in(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs,
			  const uint16_t *nsegs, void *const *cookies, uint16_t n);
uint16_t vq_packed_add_chain(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs,
			     uint16_t ns, uint16_t n_out, void *cookie);
uint16_t vq_packed_get_used(struct vdp_virtq *vq, void **cookies, uint32_t *lens, uint16_t n);
bool vq_packed_has_used(const struct vdp_virtq *vq);
bool vq_packed_needs_kick(struct vdp_virtq *vq);
bool vq_packed_intr_enable(struct vdp_virtq *vq);
void vq_packed_intr_disable(struct vdp_virtq *vq);

#endif /* VDP_VIRTQ_PRIV_H */
