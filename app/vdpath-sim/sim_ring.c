/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device side of split and packed virtqueues (virtio 1.2, 2.7 and 2.8).
 *
 * Every access to driver memory goes through sim_dma(): ring areas once per pass, each buffer
 * and indirect table once per chain. Nothing the driver wrote is trusted: heads, chain
 * lengths, indirect tables and the avail index are checked before use, and a bad chain is
 * counted and skipped (not completed, like vringh in the kernel).
 */
#include <errno.h>
#include <string.h>

#include "sim_device.h"

#define PACKED_AVAIL_BIT (1u << VRING_PACKED_DESC_F_AVAIL)
#define PACKED_USED_BIT (1u << VRING_PACKED_DESC_F_USED)
#define RING_ERROR_LOG_MAX 3
#define SIM_USED_PUBLISH 8	/* split: used->idx stored every this many elements (power of 2) */

static inline struct sim_ring *
ring_get(struct sim_dev *dev, uint32_t idx)
{
	return &dev->net->ring[idx];
}

static inline uint16_t
load_acquire16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void
store_release16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline void
store_relaxed16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline uint16_t
load_relaxed16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* The event index test of virtio 1.2, 2.7.7.2: has [old, new) passed event? */
static inline bool
ring_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

static void
ring_log_error(struct sim_dev *dev, uint32_t idx, const char *what, int err)
{
	struct sim_ring *r = ring_get(dev, idx);

	if (r->logged >= RING_ERROR_LOG_MAX)
		return;
	r->logged++;
	SIM_LOG(dev, "vq %u: %s (%s); the chain is dropped without completion%s", idx, what,
		strerror(-err),
		r->logged == RING_ERROR_LOG_MAX ? "; further errors on this vq are only counted" :
		"");
}

/* A chain that failed its walk: counted and logged by cause; returns rc. */
static int
ring_chain_fail(struct sim_dev *dev, uint32_t idx, int rc)
{
	dev->vq[idx].errors++;
	ring_log_error(dev, idx, rc == -ELOOP ? "descriptor chain longer than the ring" :
		       rc == -EFAULT ? "buffer not mapped in the device IOTLB" :
		       rc == -EPROTO ? "descriptor direction not allowed here" :
		       "malformed descriptor chain", rc);
	return rc;
}

int
sim_ring_setup(struct sim_dev *dev, uint32_t idx)
{
	struct sim_vq *vq = &dev->vq[idx];
	struct sim_ring *r = ring_get(dev, idx);
	uint32_t base = vq->base;
	uint32_t num = vq->num;

	memset(r, 0, sizeof(*r));
	r->kick_flags = -1;
	vq->running = false;
	vq->signalled_used_valid = false;
	vq->signalled_used = 0;
	if (num == 0 || num > SIM_RING_MAX || (num & (num - 1)) != 0) {
		SIM_LOG(dev, "vq %u enabled with ring size %u: the device needs a power of two "
			"in 1..%u (VHOST_SET_VRING_NUM before VHOST_VDPA_SET_VRING_ENABLE); the vq "
			"stays stopped", idx, num, SIM_RING_MAX);
		return -EINVAL;
	}
	/* like vringh: rings are fixed at enable; a later SET_VRING_ADDR waits for the next */
	r->desc_iova = vq->desc;
	r->driver_iova = vq->avail;
	r->device_iova = vq->used;
	r->num = num;
	r->mask = num - 1;
	vq->packed = sim_dev_has(dev, VIRTIO_F_RING_PACKED);
	if (vq->packed) {
		vq->last_avail = base & 0x7fff;
		vq->avail_wrap = (base >> 15) & 1;
		/*
		 * The high half is the used position (6.12 encoding). DPDK's virtio-user sends
		 * only the avail half (1 << 15 at start, as for vhost-user); a used position of
		 * slot 0 with wrap 0 would put the device a full lap ahead of itself, so take
		 * "no used half" as "used = avail", the vhost-user rule.
		 */
		if ((base >> 16) == 0) {
			vq->last_used = vq->last_avail;
			vq->used_wrap = vq->avail_wrap;
		} else {
			vq->last_used = (base >> 16) & 0x7fff;
			vq->used_wrap = (base >> 31) & 1;
		}
		if (vq->last_avail >= num || vq->last_used >= num) {
			SIM_LOG(dev, "vq %u: packed ring base 0x%08x points past the ring size %u; "
				"set a valid VHOST_SET_VRING_BASE; the vq stays stopped", idx,
				base, num);
			return -EINVAL;
		}
	} else {
		/* vdpa_sim: the used index restarts at the avail index */
		vq->last_avail = base & 0xffff;
		vq->last_used = vq->last_avail;
		vq->avail_wrap = false;
		vq->used_wrap = false;
	}
	r->avail_idx = vq->last_avail;
	r->flush_used = vq->last_used;
	r->flush_wrap = vq->used_wrap;
	vq->running = true;
	return 0;
}

uint32_t
sim_ring_state(struct sim_dev *dev, uint32_t idx)
{
	struct sim_vq *vq = &dev->vq[idx];

	if (!vq->running)
		return vq->base;
	if (!vq->packed)
		return vq->last_avail;
	return (uint32_t)(vq->last_avail | (vq->avail_wrap ? 0x8000u : 0)) |
	       (uint32_t)(vq->last_used | (vq->used_wrap ? 0x8000u : 0)) << 16;
}

void
sim_ring_save(struct sim_dev *dev, uint32_t idx)
{
	struct sim_vq *vq = &dev->vq[idx];

	/* A later enable continues from here unless the driver sets a new base (vdpa_sim). */
	if (vq->running)
		vq->base = sim_ring_state(dev, idx);
	vq->running = false;
}

void
sim_ring_clear(struct sim_dev *dev, uint32_t idx)
{
	struct sim_vq *vq = &dev->vq[idx];
	struct sim_ring *r = ring_get(dev, idx);

	memset(r, 0, sizeof(*r));
	r->kick_flags = -1;
	vq->running = false;
	vq->packed = false;
	vq->base = 0;
	vq->last_avail = 0;
	vq->last_used = 0;
	vq->avail_wrap = false;
	vq->used_wrap = false;
	vq->signalled_used = 0;
	vq->signalled_used_valid = false;
}

/* Kick suppression: poll mode asks the driver not to kick; notify mode always wants kicks. */
static void
ring_kicks_split(struct sim_ring *r, struct sim_vq *vq, bool poll)
{
	if (r->event_idx) {
		/* One behind the next avail index: the driver never crosses it in poll mode. */
		uint16_t ev = poll ? (uint16_t)(vq->last_avail - 1) : vq->last_avail;

		store_relaxed16((uint16_t *)&r->used_ring[r->num], ev);
		return;
	}
	if (r->kick_flags != (poll ? VRING_USED_F_NO_NOTIFY : 0)) {
		r->kick_flags = poll ? VRING_USED_F_NO_NOTIFY : 0;
		store_relaxed16(&r->used[0], (uint16_t)r->kick_flags);
	}
}

static void
ring_kicks_packed(struct sim_ring *r, bool poll)
{
	int32_t want = poll ? VRING_PACKED_EVENT_FLAG_DISABLE : VRING_PACKED_EVENT_FLAG_ENABLE;

	if (r->kick_flags != want) {
		r->kick_flags = want;
		store_relaxed16(&r->dev_event->flags, (uint16_t)want);
	}
}

/*
 * A ring area for this pass. A poll-mode look that nobody asked for (no kick) is not a DMA:
 * a polling device that finds its rings gone stays idle, as a notified one does without a
 * kick. sim_dma() counts exactly one fault per miss (sim.h), which a probe gives back.
 */
static void *
ring_area(struct sim_dev *dev, uint32_t idx, uint64_t iova, uint64_t len, uint8_t perm,
	  bool probe)
{
	void *p = sim_dma(dev, idx, iova, len, perm);

	if (p == NULL && probe)
		dev->stats.dma_faults--;
	return p;
}

int
sim_ring_begin(struct sim_dev *dev, uint32_t idx, bool poll, bool probe)
{
	struct sim_vq *vq = &dev->vq[idx];
	struct sim_ring *r = ring_get(dev, idx);
	uint64_t num = r->num;

	r->mapped = false;
	if (!vq->running || r->broken)
		return -EIO;
	r->event_idx = sim_dev_has(dev, VIRTIO_RING_F_EVENT_IDX);
	r->indirect = sim_dev_has(dev, VIRTIO_RING_F_INDIRECT_DESC);
	if (vq->packed) {
		r->pdesc = ring_area(dev, idx, r->desc_iova, num * 16, SIM_PERM_RW, probe);
		if (r->pdesc == NULL)
			return -EFAULT;
		r->drv_event = ring_area(dev, idx, r->driver_iova, 4, SIM_PERM_RO, probe);
		if (r->drv_event == NULL)
			return -EFAULT;
		r->dev_event = ring_area(dev, idx, r->device_iova, 4, SIM_PERM_WO, probe);
		if (r->dev_event == NULL)
			return -EFAULT;
		r->mapped = true;
		ring_kicks_packed(r, poll);
		return 0;
	}
	r->desc = ring_area(dev, idx, r->desc_iova, num * 16, SIM_PERM_RO, probe);
	if (r->desc == NULL)
		return -EFAULT;
	r->avail = ring_area(dev, idx, r->driver_iova, 6 + num * 2, SIM_PERM_RO, probe);
	if (r->avail == NULL)
		return -EFAULT;
	r->used = ring_area(dev, idx, r->device_iova, 6 + num * 8, SIM_PERM_WO, probe);
	if (r->used == NULL)
		return -EFAULT;
	r->used_ring = (struct vring_used_elem *)(r->used + 2);
	r->mapped = true;
	ring_kicks_split(r, vq, poll);
	return 0;
}

static bool
ring_need_call_split(struct sim_ring *r, struct sim_vq *vq)
{
	bool need;

	if (!r->event_idx)
		return !(load_relaxed16(&r->avail[0]) & VRING_AVAIL_F_NO_INTERRUPT);
	need = !vq->signalled_used_valid ||
	       ring_need_event(load_relaxed16(&r->avail[2 + r->num]), vq->last_used,
			       vq->signalled_used);
	vq->signalled_used = vq->last_used;
	vq->signalled_used_valid = true;
	return need;
}

/* A packed position as one number in [0, 2 * num): wrap counter 1 is the first lap. */
static inline uint32_t
ring_packed_lin(uint32_t slot, bool wrap, uint32_t num)
{
	return wrap ? slot : slot + num;
}

static bool
ring_need_call_packed(struct sim_ring *r, struct sim_vq *vq)
{
	uint16_t flags = load_relaxed16(&r->drv_event->flags);
	uint16_t off_wrap;
	uint32_t span, ev, new_pos, old_pos;

	if (flags == VRING_PACKED_EVENT_FLAG_DISABLE)
		return false;
	if (flags != VRING_PACKED_EVENT_FLAG_DESC || !r->event_idx)
		return true;
	off_wrap = load_relaxed16(&r->drv_event->off_wrap);
	span = 2u * r->num;
	ev = ring_packed_lin(off_wrap & 0x7fff, off_wrap >> 15, r->num) % span;
	new_pos = ring_packed_lin(vq->last_used, vq->used_wrap, r->num);
	old_pos = ring_packed_lin(r->flush_used, r->flush_wrap, r->num);
	return (new_pos + span - ev - 1) % span < (new_pos + span - old_pos) % span;
}

bool
sim_ring_end(struct sim_dev *dev, uint32_t idx, bool poll)
{
	struct sim_vq *vq = &dev->vq[idx];
	struct sim_ring *r = ring_get(dev, idx);
	bool call = false, more = false;

	if (!r->mapped)
		return false;
	if (vq->packed) {
		if (r->pass_used) {
			/* used descriptors visible before the driver's event flags are read */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			call = ring_need_call_packed(r, vq);
		}
		r->flush_used = vq->last_used;
		r->flush_wrap = vq->used_wrap;
	} else {
		if (r->pass_used)
			store_release16(&r->used[1], vq->last_used);
		if (r->event_idx)
			ring_kicks_split(r, vq, poll);
		if (r->pass_used || (r->event_idx && !poll)) {
			/* used->idx and avail_event stored before the driver's side is read */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
		}
		if (r->pass_used)
			call = ring_need_call_split(r, vq);
		/*
		 * Notify mode with EVENT_IDX: buffers added after our last look but before
		 * avail_event was published would get no kick; look once more.
		 */
		if (r->event_idx && !poll && !r->broken &&
		    load_acquire16(&r->avail[1]) != vq->last_avail)
			more = true;
		r->flush_used = vq->last_used;
	}
	r->pass_used = 0;
	r->published = 0;
	r->mapped = false;
	if (call)
		sim_vq_call(dev, idx);
	return more;
}

static void
chain_reset(struct sim_chain *c)
{
	c->niov = 0;
	c->nread = 0;
	c->read_len = 0;
	c->write_len = 0;
	c->ndesc = 1;
}

/* Translate one descriptor's buffer into the chain. */
static int
chain_add(struct sim_dev *dev, uint32_t idx, struct sim_chain *c, uint64_t addr, uint32_t len,
	  bool writable, unsigned int allow)
{
	void *p;

	if (writable) {
		if (!(allow & SIM_CHAIN_WRITE))
			return -EPROTO;
	} else if (!(allow & SIM_CHAIN_READ) || c->niov > c->nread) {
		/* device-readable after device-writable, or readable where none may be */
		return -EPROTO;
	}
	if (len == 0)
		return 0;
	if (c->niov >= c->cap)
		return -E2BIG;
	p = sim_dma(dev, idx, addr, len, writable ? SIM_PERM_WO : SIM_PERM_RO);
	if (p == NULL)
		return -EFAULT;
	c->iov[c->niov].base = p;
	c->iov[c->niov].len = len;
	c->niov++;
	if (writable) {
		c->write_len += len;
	} else {
		c->nread++;
		c->read_len += len;
	}
	return 0;
}

static int
chain_walk_split(struct sim_dev *dev, uint32_t idx, struct sim_ring *r, struct sim_chain *c,
		 uint16_t head, unsigned int allow)
{
	const struct vring_desc *table = r->desc;
	uint32_t tnum = r->num, i = head, count = 0;
	bool in_indirect = false;
	struct vring_desc d;
	int rc;

	for (;;) {
		memcpy(&d, &table[i], sizeof(d));
		if (++count > r->num)
			return -ELOOP;
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (!r->indirect || in_indirect || (d.flags & VRING_DESC_F_NEXT) ||
			    d.len == 0 || d.len % sizeof(d) != 0)
				return -EINVAL;
			table = sim_dma(dev, idx, d.addr, d.len, SIM_PERM_RO);
			if (table == NULL)
				return -EFAULT;
			tnum = d.len / sizeof(d);
			in_indirect = true;
			i = 0;
			continue;
		}
		rc = chain_add(dev, idx, c, d.addr, d.len, d.flags & VRING_DESC_F_WRITE, allow);
		if (rc < 0)
			return rc;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
		if (i >= tnum)
			return -EINVAL;
	}
}

static int
ring_pop_split(struct sim_dev *dev, uint32_t idx, struct sim_ring *r, struct sim_chain *c,
	       unsigned int allow)
{
	struct sim_vq *vq = &dev->vq[idx];
	uint16_t head;
	int rc;

	if (vq->last_avail == r->avail_idx) {
		r->avail_idx = load_acquire16(&r->avail[1]);
		if (vq->last_avail == r->avail_idx)
			return 0;
		if ((uint16_t)(r->avail_idx - vq->last_avail) > r->num) {
			r->broken = true;
			vq->errors++;
			SIM_LOG(dev, "vq %u: avail index moved from %u to %u, more than the ring "
				"size %u: the driver corrupted the ring; the vq stops until it is "
				"re-enabled or the device reset", idx, vq->last_avail, r->avail_idx,
				r->num);
			return -EINVAL;
		}
	}
	head = load_relaxed16(&r->avail[2 + (vq->last_avail & r->mask)]);
	/* consumed even if bad, like vringh: a bad head is skipped, never completed */
	vq->last_avail++;
	chain_reset(c);
	c->id = head;
	if (head >= r->num) {
		rc = -EINVAL;
		vq->errors++;
		ring_log_error(dev, idx, "descriptor head out of range", rc);
		return rc;
	}
	rc = chain_walk_split(dev, idx, r, c, head, allow);
	return rc < 0 ? ring_chain_fail(dev, idx, rc) : 1;
}

static inline bool
packed_desc_avail(uint16_t flags, bool wrap)
{
	return !!(flags & PACKED_AVAIL_BIT) == wrap && !!(flags & PACKED_USED_BIT) != wrap;
}

static int
chain_walk_packed_indirect(struct sim_dev *dev, uint32_t idx, struct sim_ring *r,
			   struct sim_chain *c, const struct vring_packed_desc *d,
			   uint32_t *count, unsigned int allow)
{
	const struct vring_packed_desc *table;
	struct vring_packed_desc e;
	uint32_t n, i;
	int rc;

	if (!r->indirect || *count != 1 || (d->flags & VRING_DESC_F_NEXT) || d->len == 0 ||
	    d->len % sizeof(e) != 0)
		return -EINVAL;
	n = d->len / sizeof(e);
	if (*count + n > r->num)
		return -ELOOP;
	table = sim_dma(dev, idx, d->addr, d->len, SIM_PERM_RO);
	if (table == NULL)
		return -EFAULT;
	for (i = 0; i < n; i++) {
		memcpy(&e, &table[i], sizeof(e));
		(*count)++;
		if (e.flags & VRING_DESC_F_INDIRECT)
			return -EINVAL;
		rc = chain_add(dev, idx, c, e.addr, e.len, e.flags & VRING_DESC_F_WRITE, allow);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
ring_pop_packed(struct sim_dev *dev, uint32_t idx, struct sim_ring *r, struct sim_chain *c,
		unsigned int allow)
{
	struct sim_vq *vq = &dev->vq[idx];
	uint16_t slot = vq->last_avail;
	bool wrap = vq->avail_wrap;
	struct vring_packed_desc d;
	uint32_t count = 0, slots = 0;
	int rc = 0;

	if (!packed_desc_avail(load_acquire16(&r->pdesc[slot].flags), wrap))
		return 0;
	chain_reset(c);
	for (;;) {
		memcpy(&d, &r->pdesc[slot], sizeof(d));
		slots++;
		count++;
		if (slots > r->num) {
			r->broken = true;
			vq->errors++;
			SIM_LOG(dev, "vq %u: packed descriptor chain at slot %u never ends: the "
				"driver corrupted the ring; the vq stops until it is re-enabled or "
				"the device reset", idx, vq->last_avail);
			return -ELOOP;
		}
		if (++slot == r->num) {
			slot = 0;
			wrap = !wrap;
		}
		/* after an error keep walking (without translating) to find the chain's end */
		if (rc == 0) {
			if (count > r->num)
				rc = -ELOOP;
			else if (d.flags & VRING_DESC_F_INDIRECT)
				rc = chain_walk_packed_indirect(dev, idx, r, c, &d, &count, allow);
			else
				rc = chain_add(dev, idx, c, d.addr, d.len,
					       d.flags & VRING_DESC_F_WRITE, allow);
		}
		/* the buffer id is in the chain's last descriptor (virtio 1.2, 2.8.6) */
		c->id = d.id;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
	}
	vq->last_avail = slot;
	vq->avail_wrap = wrap;
	c->ndesc = slots;
	return rc < 0 ? ring_chain_fail(dev, idx, rc) : 1;
}

int
sim_ring_pop(struct sim_dev *dev, uint32_t idx, struct sim_chain *c, unsigned int allow)
{
	struct sim_ring *r = ring_get(dev, idx);

	if (!r->mapped || r->broken)
		return 0;
	if (dev->vq[idx].packed)
		return ring_pop_packed(dev, idx, r, c, allow);
	return ring_pop_split(dev, idx, r, c, allow);
}

/* Apply --bad-used-id / --bad-used-len to the next used element. */
static void
ring_inject(struct sim_dev *dev, struct sim_ring *r, uint32_t *id, uint32_t *len, uint64_t cap)
{
	uint64_t n = ++dev->net->used_count;

	if (sim_opts.bad_used_id && n % sim_opts.bad_used_id == 0) {
		*id += r->num;
		dev->stats.bad_used_injected++;
	}
	if (sim_opts.bad_used_len && n % sim_opts.bad_used_len == 0) {
		*len = cap >= UINT32_MAX ? UINT32_MAX : (uint32_t)cap + 1;
		dev->stats.bad_used_injected++;
	}
}

/*
 * Complete n buffers as one unit: a merged RX frame must appear to the driver whole (DPDK drops
 * a frame whose num_buffers it cannot find in the used ring). Packed: every used descriptor is
 * written, the first one's flags last. Split: the elements are written; used->idx is stored
 * at the end of the pass, or now if enough have piled up, so the driver can start on them
 * while the device goes on (packed used descriptors are visible one by one anyway).
 */
void
sim_ring_push_n(struct sim_dev *dev, uint32_t idx, const struct sim_rx_buf *bufs, uint32_t n)
{
	struct sim_vq *vq = &dev->vq[idx];
	struct sim_ring *r = ring_get(dev, idx);
	struct vring_packed_desc *d, *first = NULL;
	struct vring_used_elem *e;
	uint16_t first_flags = 0, flags;
	uint32_t i, id, len;

	for (i = 0; i < n; i++) {
		id = bufs[i].id;
		len = bufs[i].len;
		ring_inject(dev, r, &id, &len, bufs[i].cap);
		if (!vq->packed) {
			e = &r->used_ring[vq->last_used & r->mask];
			e->id = id;
			e->len = len;
			vq->last_used++;
			continue;
		}
		d = &r->pdesc[vq->last_used];
		d->id = (uint16_t)id;
		d->len = len;
		flags = vq->used_wrap ? PACKED_AVAIL_BIT | PACKED_USED_BIT : 0;
		if (i == 0) {
			first = d;
			first_flags = flags;
		} else {
			store_release16(&d->flags, flags);
		}
		vq->last_used += bufs[i].ndesc;
		if (vq->last_used >= r->num) {
			vq->last_used -= r->num;
			vq->used_wrap = !vq->used_wrap;
		}
	}
	if (first != NULL)
		store_release16(&first->flags, first_flags);
	r->pass_used += n;
	if (!vq->packed && (r->pass_used - r->published) >= SIM_USED_PUBLISH) {
		store_release16(&r->used[1], vq->last_used);
		r->published = r->pass_used;
	}
}

void
sim_ring_push(struct sim_dev *dev, uint32_t idx, uint16_t id, uint16_t ndesc, uint32_t len,
	      uint64_t cap)
{
	struct sim_rx_buf b = { .id = id, .ndesc = ndesc, .len = len, .cap = cap };

	sim_ring_push_n(dev, idx, &b, 1);
}

void
sim_ring_mark(struct sim_dev *dev, uint32_t idx, struct sim_ring_mark *m)
{
	m->last_avail = dev->vq[idx].last_avail;
	m->avail_wrap = dev->vq[idx].avail_wrap;
}

void
sim_ring_rewind(struct sim_dev *dev, uint32_t idx, const struct sim_ring_mark *m)
{
	dev->vq[idx].last_avail = m->last_avail;
	dev->vq[idx].avail_wrap = m->avail_wrap;
}
