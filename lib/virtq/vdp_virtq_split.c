/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Split virtqueue, driver side (virtio 1.2, 2.7).
 *
 * Descriptor bookkeeping is driver-private (vq->meta): the free list is linked through
 * meta[].next, never through desc[].next, which the device could overwrite. With IN_ORDER the
 * descriptors are filled in ring order (next = x + 1) and buffers come back in the order they
 * were made available, so the used position alone tells which buffer an element is for.
 *
 * Without IN_ORDER the free list is FIFO: a device that completes in order gets the same
 * descriptors back in the same avail slots lap after lap, so the avail ring's entries keep
 * their values and are not written again (a store to a line the device reads would pull it
 * away from the device's cache, or cost a PCIe write, for nothing).
 */
#include "vdp_virtq_priv.h"

static inline uint16_t *
split_used_event(const struct vdp_virtq *vq)
{
	return &vq->split.avail->ring[vq->num];
}

static inline uint16_t *
split_avail_event(const struct vdp_virtq *vq)
{
	return (uint16_t *)&vq->split.used->ring[vq->num];
}

void
vq_split_init(struct vdp_virtq *vq, const struct vq_layout *lay)
{
	uint32_t i;

	vq->split.desc = (struct vq_desc *)((uint8_t *)vq->mem + lay->desc);
	vq->split.avail = (struct vq_avail *)((uint8_t *)vq->mem + lay->driver);
	vq->split.used = (struct vq_used *)((uint8_t *)vq->mem + lay->device);
	for (i = 0; i < vq->num; i++)
		vq->meta[i].next = (uint16_t)((i + 1) & vq->mask);
}

/*
 * One indirect table for buffer head: the ring descriptor points at it. Inlined so that each
 * add entry point gets its own copy with the direction folded in.
 */
static inline __attribute__((always_inline)) void
split_fill_indirect(struct vdp_virtq *vq, uint16_t head, const struct vdp_virtq_seg *segs,
		    uint16_t ns, uint32_t wfirst)
{
	struct vq_desc *t = vq_ind_table(vq, head);
	struct vq_desc *d = &vq->split.desc[head];
	uint16_t j;

	for (j = 0; j < ns; j++) {
		t[j].addr = segs[j].iova;
		t[j].len = segs[j].len;
		t[j].flags = vq_seg_wflag(j, wfirst) | (j + 1 < ns ? VQ_DESC_F_NEXT : 0);
		t[j].next = j + 1;
	}
	d->addr = vq_ind_iova(vq, head);
	d->len = (uint32_t)ns * sizeof(*t);
	d->flags = VQ_DESC_F_INDIRECT;
	d->next = 0;
}

/* Take slots descriptors for a buffer of ns segments; returns the head. */
static inline __attribute__((always_inline)) uint16_t
split_fill(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs, uint16_t ns, uint16_t slots,
	   uint32_t wfirst)
{
	struct vq_desc *desc = vq->split.desc;
	uint16_t head = vq->free_head;
	uint16_t d = head, nxt, j;

	if (slots != ns) {
		split_fill_indirect(vq, head, segs, ns, wfirst);
		vq->free_head = vq->in_order ? (uint16_t)((head + 1) & vq->mask) :
					       vq->meta[head].next;
		return head;
	}
	for (j = 0; j < ns; j++) {
		/* in order: the spec's x + 1 rule; otherwise the private free list */
		nxt = vq->in_order ? (uint16_t)((d + 1) & vq->mask) : vq->meta[d].next;
		desc[d].addr = segs[j].iova;
		desc[d].len = segs[j].len;
		desc[d].flags = vq_seg_wflag(j, wfirst) | (j + 1 < ns ? VQ_DESC_F_NEXT : 0);
		desc[d].next = nxt;
		d = nxt;
	}
	vq->free_head = d;
	return head;
}

/*
 * Buffers whose segments from wfirst on are device-writable (see VQ_WFIRST_NONE). Inlined
 * into each entry point, so add_out and add_in carry no per-segment direction test.
 */
static inline __attribute__((always_inline)) uint16_t
split_add(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs, const uint16_t *nsegs,
	  void *const *cookies, uint16_t n, uint32_t wfirst)
{
	uint16_t *ring = vq->split.avail->ring;
	uint16_t avail = vq->avail_idx;
	uint16_t i;

	for (i = 0; i < n; i++) {
		uint16_t ns = nsegs != NULL ? nsegs[i] : 1;
		uint16_t slots = vq_slots_for(vq, ns);
		struct vq_meta *m;
		uint16_t head;

		if (slots == 0) {
			vq->stats.bad_input++;
			break;
		}
		if (slots > vq->num_free) {
			vq->stats.full++;
			break;
		}
		head = split_fill(vq, segs, ns, slots, wfirst);
		m = &vq->meta[head];
		m->cookie = cookies[i];
		m->cap = vq_buf_cap(segs, ns, wfirst);
		m->info = slots | vq_buf_dir(ns, wfirst);
		vq->num_free -= slots;
		if (ring[avail & vq->mask] != head)
			ring[avail & vq->mask] = head;
		avail++;
		segs += ns;
	}
	if (i != 0) {
		vq->avail_idx = avail;
		vq->outstanding += i;
		vq->stats.added += i;
		/* the one barrier of the burst: descriptors and ring entries before the index */
		vq_store16_release(&vq->split.avail->idx, avail);
	}
	return i;
}

uint16_t
vq_split_add_out(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs, const uint16_t *nsegs,
		 void *const *cookies, uint16_t n)
{
	return split_add(vq, segs, nsegs, cookies, n, VQ_WFIRST_NONE);
}

uint16_t
vq_split_add_in(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs, const uint16_t *nsegs,
		void *const *cookies, uint16_t n)
{
	return split_add(vq, segs, nsegs, cookies, n, 0);
}

uint16_t
vq_split_add_chain(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs, uint16_t ns,
		   uint16_t n_out, void *cookie)
{
	return split_add(vq, segs, &ns, &cookie, 1, n_out);
}

/* Give back the descriptors of outstanding buffer head. */
static inline void
split_release(struct vdp_virtq *vq, uint16_t head, struct vq_meta *m)
{
	uint16_t nd = m->info & VQ_META_NDESC;
	uint16_t tail = head, j;

	if (vq->in_order) {
		vq->desc_tail = (uint16_t)((head + nd) & vq->mask);
	} else {
		for (j = 1; j < nd; j++)
			tail = vq->meta[tail].next;
		/* appended: the oldest free descriptor is reused first */
		if (vq->num_free == 0)
			vq->free_head = head;
		else
			vq->meta[vq->free_tail].next = head;
		vq->free_tail = tail;
	}
	vq->num_free += nd;
	m->info = 0;
	m->cookie = NULL;
	vq->outstanding--;
}

static uint16_t
split_get_any_order(struct vdp_virtq *vq, uint16_t ready, void **cookies, uint32_t *lens,
		    uint16_t n)
{
	const struct vq_used_elem *ring = vq->split.used->ring;
	uint16_t k = 0;

	while (ready > 0 && k < n) {
		const struct vq_used_elem *e = &ring[vq->used_idx & vq->mask];
		uint32_t id = vq_load32(&e->id);
		uint32_t len = vq_load32(&e->len);
		struct vq_meta *m;

		vq->used_idx++;
		ready--;
		if (id >= vq->num || vq->meta[id].info == 0) {
			/* not ours to return: its buffer stays outstanding until drain */
			vq->stats.bad_used_id++;
			continue;
		}
		m = &vq->meta[id];
		vq_meta_return(vq, m, true, len, cookies, lens, k);
		split_release(vq, (uint16_t)id, m);
		k++;
	}
	return k;
}

/* In order: return buffers from the oldest through batch_last, at most up to n in all. */
static uint16_t
split_batch_continue(struct vdp_virtq *vq, void **cookies, uint32_t *lens, uint16_t k,
		     uint16_t n)
{
	while (k < n) {
		uint16_t head = vq->desc_tail;
		struct vq_meta *m = &vq->meta[head];
		bool last = head == vq->batch_last;

		if (m->info == 0) {
			vq_set_broken(vq, "in-order batch bookkeeping lost its way at "
				      "descriptor %u", head);
			return k;
		}
		vq_meta_return(vq, m, last, vq->batch_len, cookies, lens, k);
		split_release(vq, head, m);
		vq->used_idx++;
		k++;
		if (last) {
			vq->batch_pending = false;
			break;
		}
	}
	return k;
}

/* Buffers from the oldest through id, if id heads one of the first limit; else 0. */
static uint16_t
split_batch_size(const struct vdp_virtq *vq, uint32_t id, uint16_t limit)
{
	uint16_t h = vq->desc_tail, j;

	for (j = 0; j < limit; j++) {
		uint16_t nd = vq->meta[h].info & VQ_META_NDESC;

		if (h == id)
			return j + 1;
		if (nd == 0)
			return 0;
		h = (uint16_t)((h + nd) & vq->mask);
	}
	return 0;
}

static uint16_t
split_get_in_order(struct vdp_virtq *vq, uint16_t dev_idx, void **cookies, uint32_t *lens,
		   uint16_t n)
{
	const struct vq_used_elem *ring = vq->split.used->ring;
	uint16_t k = 0;

	if (vq->batch_pending)
		k = split_batch_continue(vq, cookies, lens, k, n);
	while (k < n && !vq->batch_pending && !vq->broken && dev_idx != vq->used_idx) {
		const struct vq_used_elem *e = &ring[vq->used_idx & vq->mask];
		uint32_t id = vq_load32(&e->id);
		uint32_t len = vq_load32(&e->len);
		uint16_t head = vq->desc_tail;
		uint16_t batch;

		if (id == head) {
			struct vq_meta *m = &vq->meta[head];

			vq_meta_return(vq, m, true, len, cookies, lens, k);
			split_release(vq, head, m);
			vq->used_idx++;
			k++;
			continue;
		}
		/*
		 * A batch (2.7.9) must end at an outstanding head within what used->idx covers.
		 * Anything else is a bad id; the element is still, by position, the oldest
		 * buffer's: it comes back with length 0 so the ring keeps its place.
		 */
		batch = id < vq->num && vq->meta[id].info != 0 ?
			split_batch_size(vq, id, (uint16_t)(dev_idx - vq->used_idx)) : 0;
		if (batch == 0) {
			vq->stats.bad_used_id++;
			id = head;
			len = 0;
		}
		vq->batch_pending = true;
		vq->batch_last = (uint16_t)id;
		vq->batch_len = len;
		k = split_batch_continue(vq, cookies, lens, k, n);
	}
	return k;
}

uint16_t
vq_split_get_used(struct vdp_virtq *vq, void **cookies, uint32_t *lens, uint16_t n)
{
	uint16_t dev_idx = vq_load16_acquire(&vq->split.used->idx);
	uint16_t ready = (uint16_t)(dev_idx - vq->used_idx);

	if (ready == 0 && !vq->batch_pending)
		return 0;
	if (ready > vq->outstanding) {
		vq->stats.bad_used_idx++;
		vq_set_broken(vq, "used index %u is %u elements past the last one read (%u), but "
			      "only %u buffers are outstanding", dev_idx, ready, vq->used_idx,
			      vq->outstanding);
		return 0;
	}
	if (vq->in_order)
		return split_get_in_order(vq, dev_idx, cookies, lens, n);
	return split_get_any_order(vq, ready, cookies, lens, n);
}

bool
vq_split_has_used(const struct vdp_virtq *vq)
{
	return vq->batch_pending || vq_load16(&vq->split.used->idx) != vq->used_idx;
}

bool
vq_split_needs_kick(struct vdp_virtq *vq)
{
	uint16_t new_idx = vq->avail_idx;
	uint16_t old_idx = vq->kick_idx;
	bool kick;

	if (new_idx == old_idx)
		return false;
	vq->kick_idx = new_idx;
	/* 2.7.13: the new avail index is visible before the device's wishes are read */
	vq_fence();
	if (vq->event_idx)
		kick = vq_need_event(vq_load16(split_avail_event(vq)), new_idx, old_idx);
	else
		kick = !(vq_load16(&vq->split.used->flags) & VQ_USED_F_NO_NOTIFY);
	if (!kick)
		vq->stats.kicks_suppressed++;
	return kick;
}

bool
vq_split_intr_enable(struct vdp_virtq *vq)
{
	if (vq->event_idx)
		vq_store16(split_used_event(vq), vq->used_idx);
	else if (vq->split.avail->flags != 0)
		vq_store16(&vq->split.avail->flags, 0);
	/* re-armed before looking again: a buffer used in between is seen here or notified */
	vq_fence();
	return vq_split_has_used(vq);
}

void
vq_split_intr_disable(struct vdp_virtq *vq)
{
	/*
	 * With EVENT_IDX the flags must stay 0 (2.7.10): put used_event half the index space
	 * ahead, where no device can reach it before the next enable.
	 */
	if (vq->event_idx)
		vq_store16(split_used_event(vq), (uint16_t)(vq->used_idx + 0x8000));
	else if (vq->split.avail->flags != VQ_AVAIL_F_NO_INTERRUPT)
		vq_store16(&vq->split.avail->flags, VQ_AVAIL_F_NO_INTERRUPT);
}
