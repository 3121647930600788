/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packed virtqueue, driver side (virtio 1.2, 2.8).
 *
 * Buffer ids are driver-private: a free-id stack in vq->meta (not in order), or the head slot
 * (in order). A used descriptor is trusted for nothing but the id and length it carries, and
 * both are checked. The used position advances by the slot count the driver recorded for the
 * id, never by anything the device says.
 */
#include "vdp_virtq_priv.h"

#define PK_BITS (VQ_PDESC_F_AVAIL | VQ_PDESC_F_USED)

void
vq_packed_init(struct vdp_virtq *vq, const struct vq_layout *lay)
{
	uint32_t i;

	vq->packed.desc = (struct vq_pdesc *)((uint8_t *)vq->mem + lay->desc);
	vq->packed.driver = (struct vq_event *)((uint8_t *)vq->mem + lay->driver);
	vq->packed.device = (struct vq_event *)((uint8_t *)vq->mem + lay->device);
	/* 2.8.1: both wrap counters start at 1 */
	vq->avail_wrap = true;
	vq->used_wrap = true;
	vq->avail_bits = VQ_PDESC_F_AVAIL;
	for (i = 0; i < vq->num; i++)
		vq->meta[i].next = (uint16_t)((i + 1) & vq->mask);
}

static inline void
packed_avail_step(struct vdp_virtq *vq, uint16_t *slot, uint16_t *bits)
{
	if (++*slot == vq->num) {
		*slot = 0;
		*bits ^= PK_BITS;
		vq->avail_wrap = !vq->avail_wrap;
	}
}

static inline void
packed_used_advance(struct vdp_virtq *vq, uint16_t nd)
{
	uint32_t pos = (uint32_t)vq->used_idx + nd;

	if (pos >= vq->num) {
		pos -= vq->num;
		vq->used_wrap = !vq->used_wrap;
	}
	vq->used_idx = (uint16_t)pos;
}

/* Fill the slots of one buffer from *slot on; returns the head's flags, not yet stored. */
static inline __attribute__((always_inline)) uint16_t
packed_fill(struct vdp_virtq *vq, uint16_t id, const struct vdp_virtq_seg *segs, uint16_t ns,
	    uint16_t slots, uint32_t wfirst, uint16_t *slot, uint16_t *bits)
{
	struct vq_pdesc *desc = vq->packed.desc;
	uint16_t head_flags = 0, j;

	if (slots != ns) {
		struct vq_pdesc *t = vq_ind_table(vq, id);
		struct vq_pdesc *d = &desc[*slot];

		for (j = 0; j < ns; j++) {
			t[j].addr = segs[j].iova;
			t[j].len = segs[j].len;
			t[j].id = 0;
			t[j].flags = vq_seg_wflag(j, wfirst);
		}
		d->addr = vq_ind_iova(vq, id);
		d->len = (uint32_t)ns * sizeof(*t);
		d->id = id;
		head_flags = *bits | VQ_DESC_F_INDIRECT;
		packed_avail_step(vq, slot, bits);
		return head_flags;
	}
	for (j = 0; j < ns; j++) {
		struct vq_pdesc *d = &desc[*slot];
		uint16_t fl = *bits | vq_seg_wflag(j, wfirst) | (j + 1 < ns ? VQ_DESC_F_NEXT : 0);

		d->addr = segs[j].iova;
		d->len = segs[j].len;
		d->id = id;
		/* the rest of a chain is published by its head's release store */
		if (j == 0)
			head_flags = fl;
		else
			d->flags = fl;
		packed_avail_step(vq, slot, bits);
	}
	return head_flags;
}

/*
 * Buffers whose segments from wfirst on are device-writable (see VQ_WFIRST_NONE). Inlined
 * into each entry point, so add_out and add_in carry no per-segment direction test.
 */
static inline __attribute__((always_inline)) uint16_t
packed_add(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs, const uint16_t *nsegs,
	   void *const *cookies, uint16_t n, uint32_t wfirst)
{
	struct vq_pdesc *desc = vq->packed.desc;
	uint16_t slot = vq->avail_idx, bits = vq->avail_bits;
	uint16_t *first = NULL, first_flags = 0;
	uint32_t taken = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		uint16_t ns = nsegs != NULL ? nsegs[i] : 1;
		uint16_t slots = vq_slots_for(vq, ns);
		uint16_t id, head_slot, head_flags;
		struct vq_meta *m;

		if (slots == 0) {
			vq->stats.bad_input++;
			break;
		}
		if (slots > vq->num_free) {
			vq->stats.full++;
			break;
		}
		if (vq->in_order) {
			id = slot;
		} else {
			id = vq->free_head;
			vq->free_head = vq->meta[id].next;
		}
		head_slot = slot;
		head_flags = packed_fill(vq, id, segs, ns, slots, wfirst, &slot, &bits);
		m = &vq->meta[id];
		m->cookie = cookies[i];
		m->cap = vq_buf_cap(segs, ns, wfirst);
		m->info = slots | vq_buf_dir(ns, wfirst);
		vq->num_free -= slots;
		taken += slots;
		segs += ns;
		/*
		 * The burst's first head is stored last, so the device sees the whole burst at
		 * once; later heads are release stores (free on x86) so that a device looking
		 * ahead never sees a head before its descriptors.
		 */
		if (first == NULL) {
			first = &desc[head_slot].flags;
			first_flags = head_flags;
		} else {
			vq_store16_release(&desc[head_slot].flags, head_flags);
		}
	}
	if (first != NULL) {
		vq->avail_idx = slot;
		vq->avail_bits = bits;
		vq->kick_added += taken;
		vq->outstanding += i;
		vq->stats.added += i;
		vq_store16_release(first, first_flags);
	}
	return i;
}

uint16_t
vq_packed_add_out(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs, const uint16_t *nsegs,
		  void *const *cookies, uint16_t n)
{
	return packed_add(vq, segs, nsegs, cookies, n, VQ_WFIRST_NONE);
}

uint16_t
vq_packed_add_in(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs, const uint16_t *nsegs,
		 void *const *cookies, uint16_t n)
{
	return packed_add(vq, segs, nsegs, cookies, n, 0);
}

uint16_t
vq_packed_add_chain(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs, uint16_t ns,
		    uint16_t n_out, void *cookie)
{
	return packed_add(vq, segs, &ns, &cookie, 1, n_out);
}

static inline void
packed_release(struct vdp_virtq *vq, uint16_t id, struct vq_meta *m)
{
	uint16_t nd = m->info & VQ_META_NDESC;

	if (!vq->in_order) {
		m->next = vq->free_head;
		vq->free_head = id;
	}
	packed_used_advance(vq, nd);
	vq->num_free += nd;
	m->info = 0;
	m->cookie = NULL;
	vq->outstanding--;
}

/*
 * A used descriptor that names no outstanding buffer still took the slots of the buffer the
 * device meant: if every outstanding buffer has the same slot count, that is the count to skip.
 * Returns 0 when they differ (the position is then unknown). Cold path: a scan of the ids.
 */
static uint16_t
packed_uniform_slots(const struct vdp_virtq *vq)
{
	uint16_t nd = 0;
	uint32_t i;

	for (i = 0; i < vq->num; i++) {
		uint16_t x = vq->meta[i].info & VQ_META_NDESC;

		if (x == 0)
			continue;
		if (nd != 0 && x != nd)
			return 0;
		nd = x;
	}
	return nd;
}

/*
 * Read the used descriptor at the used position. Returns 1 with id and len, 0 when the
 * device has not used it yet, -1 when its flags are impossible (counted in bad_wrap).
 */
static inline int
packed_peek(struct vdp_virtq *vq, uint16_t *id, uint32_t *len)
{
	const struct vq_pdesc *d = &vq->packed.desc[vq->used_idx];
	uint16_t flags = vq_load16_acquire(&d->flags);
	bool used = (flags & VQ_PDESC_F_USED) != 0;
	bool avail = (flags & VQ_PDESC_F_AVAIL) != 0;

	/* 2.8.1: used means both bits equal the used wrap counter */
	if (used != vq->used_wrap)
		return 0;
	*id = vq_load16(&d->id);
	*len = vq_load32(&d->len);
	if (avail != vq->used_wrap) {
		/* USED written for this lap but AVAIL not: neither ours nor a valid used desc */
		vq->stats.bad_wrap++;
		return -1;
	}
	return 1;
}

static uint16_t
packed_get_any_order(struct vdp_virtq *vq, void **cookies, uint32_t *lens, uint16_t n)
{
	uint16_t k = 0;

	while (k < n && vq->outstanding > 0) {
		uint16_t id = 0, skip;
		uint32_t len = 0;
		int rc = packed_peek(vq, &id, &len);

		if (rc == 0)
			break;
		if (rc > 0 && id < vq->num && vq->meta[id].info != 0) {
			struct vq_meta *m = &vq->meta[id];

			vq_meta_return(vq, m, true, len, cookies, lens, k);
			packed_release(vq, id, m);
			k++;
			continue;
		}
		if (rc > 0)
			vq->stats.bad_used_id++;
		/* the buffer it was for stays outstanding (until drain); skip its slots */
		skip = packed_uniform_slots(vq);
		if (skip == 0) {
			vq_set_broken(vq, "used descriptor at slot %u (id %u) names no outstanding "
				      "buffer and buffers of different lengths are outstanding, so "
				      "the next used position is unknown", vq->used_idx, id);
			break;
		}
		packed_used_advance(vq, skip);
	}
	return k;
}

/* In order: return buffers from the oldest (the one at the used slot) through batch_last. */
static uint16_t
packed_batch_continue(struct vdp_virtq *vq, void **cookies, uint32_t *lens, uint16_t k,
		      uint16_t n)
{
	while (k < n) {
		uint16_t id = vq->used_idx;
		struct vq_meta *m = &vq->meta[id];
		bool last = id == vq->batch_last;

		if (m->info == 0) {
			vq_set_broken(vq, "in-order batch bookkeeping lost its way at slot %u", id);
			return k;
		}
		vq_meta_return(vq, m, last, vq->batch_len, cookies, lens, k);
		packed_release(vq, id, m);
		k++;
		if (last) {
			vq->batch_pending = false;
			break;
		}
	}
	return k;
}

static uint16_t
packed_get_in_order(struct vdp_virtq *vq, void **cookies, uint32_t *lens, uint16_t n)
{
	uint16_t k = 0;

	if (vq->batch_pending)
		k = packed_batch_continue(vq, cookies, lens, k, n);
	while (k < n && !vq->batch_pending && !vq->broken && vq->outstanding > 0) {
		uint16_t id = 0, head = vq->used_idx;
		uint32_t len = 0;
		int rc = packed_peek(vq, &id, &len);

		if (rc == 0)
			break;
		if (rc > 0 && id == head) {
			struct vq_meta *m = &vq->meta[head];

			vq_meta_return(vq, m, true, len, cookies, lens, k);
			packed_release(vq, head, m);
			k++;
			continue;
		}
		/*
		 * 2.8.20: one used descriptor may stand for a batch ending at any outstanding
		 * head. A bad id or bad flags still sit at the oldest buffer's position: that
		 * buffer comes back with length 0 and the ring keeps its place.
		 */
		if (rc < 0 || id >= vq->num || vq->meta[id].info == 0) {
			if (rc > 0)
				vq->stats.bad_used_id++;
			id = head;
			len = 0;
		}
		vq->batch_pending = true;
		vq->batch_last = id;
		vq->batch_len = len;
		k = packed_batch_continue(vq, cookies, lens, k, n);
	}
	return k;
}

uint16_t
vq_packed_get_used(struct vdp_virtq *vq, void **cookies, uint32_t *lens, uint16_t n)
{
	if (vq->in_order)
		return packed_get_in_order(vq, cookies, lens, n);
	return packed_get_any_order(vq, cookies, lens, n);
}

bool
vq_packed_has_used(const struct vdp_virtq *vq)
{
	uint16_t flags;

	if (vq->batch_pending)
		return true;
	if (vq->outstanding == 0)
		return false;
	flags = vq_load16(&vq->packed.desc[vq->used_idx].flags);
	return ((flags & VQ_PDESC_F_USED) != 0) == vq->used_wrap;
}

/* A ring position as one number modulo 2 * num: wrap counter 1 is the first lap. */
static inline uint32_t
packed_lin(const struct vdp_virtq *vq, uint32_t slot, bool wrap)
{
	return (wrap ? slot : slot + vq->num) % (2u * vq->num);
}

bool
vq_packed_needs_kick(struct vdp_virtq *vq)
{
	uint32_t added = vq->kick_added;
	uint32_t span = 2u * vq->num;
	uint32_t new_pos, old_pos, ev;
	uint16_t flags, off_wrap;
	bool kick;

	if (added == 0)
		return false;
	vq->kick_added = 0;
	/* 2.8.23: the new descriptors are visible before the device's wishes are read */
	vq_fence();
	flags = vq_load16(&vq->packed.device->flags);
	if (flags == VQ_EVENT_F_DISABLE) {
		kick = false;
	} else if (flags != VQ_EVENT_F_DESC || !vq->event_idx || added >= vq->num) {
		/* ENABLE, or a value we cannot interpret, or too much added to tell: kick */
		kick = true;
	} else {
		off_wrap = vq_load16(&vq->packed.device->off_wrap);
		new_pos = packed_lin(vq, vq->avail_idx, vq->avail_wrap);
		old_pos = (new_pos + span - added) % span;
		ev = packed_lin(vq, off_wrap & 0x7fffu, (off_wrap >> 15) != 0);
		/* the event slot lies in [old, new): the device asked to hear about it */
		kick = (new_pos + span - ev - 1) % span < (new_pos + span - old_pos) % span;
	}
	if (!kick)
		vq->stats.kicks_suppressed++;
	return kick;
}

bool
vq_packed_intr_enable(struct vdp_virtq *vq)
{
	struct vq_event *ev = vq->packed.driver;

	if (vq->event_idx) {
		vq_store16(&ev->off_wrap, (uint16_t)(vq->used_idx | (vq->used_wrap ? 0x8000u : 0)));
		vq_store16_release(&ev->flags, VQ_EVENT_F_DESC);
	} else if (ev->flags != VQ_EVENT_F_ENABLE) {
		vq_store16(&ev->flags, VQ_EVENT_F_ENABLE);
	}
	/* re-armed before looking again: a buffer used in between is seen here or notified */
	vq_fence();
	return vq_packed_has_used(vq);
}

void
vq_packed_intr_disable(struct vdp_virtq *vq)
{
	if (vq->packed.driver->flags != VQ_EVENT_F_DISABLE)
		vq_store16(&vq->packed.driver->flags, VQ_EVENT_F_DISABLE);
}
