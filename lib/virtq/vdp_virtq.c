/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/virtq: layout, set-up, reset, drain, state and the entry points that dispatch to the
 * split (vdp_virtq_split.c) or packed (vdp_virtq_packed.c) half.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdp_dev.h"
#include "vdp_virtq_priv.h"

#define VQ_ALIGN(x) (((x) + VDP_VIRTQ_MEM_ALIGN - 1) & ~(size_t)(VDP_VIRTQ_MEM_ALIGN - 1))

static bool
vq_num_valid(uint32_t num)
{
	return num != 0 && num <= VDP_VIRTQ_NUM_MAX && (num & (num - 1)) == 0;
}

int
vq_layout_get(uint32_t num, uint32_t flags, struct vq_layout *lay)
{
	size_t end;

	if (!vq_num_valid(num) || (flags & ~VDP_VIRTQ_F_ALL) != 0)
		return -EINVAL;
	lay->desc = 0;
	lay->driver = VQ_ALIGN((size_t)num * 16);
	if (flags & VDP_VIRTQ_F_PACKED) {
		/* the two event areas on their own cache lines: each side writes one */
		lay->device = lay->driver + VDP_VIRTQ_MEM_ALIGN;
		end = lay->device + VDP_VIRTQ_MEM_ALIGN;
	} else {
		/* avail: flags, idx, ring, used_event; used: flags, idx, ring, avail_event */
		lay->device = VQ_ALIGN(lay->driver + 6 + (size_t)num * 2);
		end = VQ_ALIGN(lay->device + 6 + (size_t)num * 8);
	}
	if (flags & VDP_VIRTQ_F_INDIRECT) {
		lay->ind = end;
		end += (size_t)num * VDP_VIRTQ_INDIRECT_MAX * 16;
	} else {
		lay->ind = SIZE_MAX;
	}
	lay->total = VQ_ALIGN(end);
	return 0;
}

size_t
vdp_virtq_mem_size(uint32_t num, uint32_t flags)
{
	struct vq_layout lay;

	if (vq_layout_get(num, flags, &lay) != 0)
		return 0;
	return lay.total;
}

size_t
vdp_virtq_obj_size(uint32_t num)
{
	if (!vq_num_valid(num))
		return 0;
	return sizeof(struct vdp_virtq) + (size_t)num * sizeof(struct vq_meta);
}

void
vq_set_broken(struct vdp_virtq *vq, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	vq->stats.broken++;
	if (vq->broken)
		return;
	vq->broken = true;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	vdp_log(VDP_LOG_ERR, "virtq %u: %s; the device is inconsistent, so the ring is marked "
		"broken and stops adding and returning buffers: stop the device, drain the ring "
		"(vdp_virtq_drain) and reset it before the next start", vq->index, what);
}

/* Position 0, zeroed rings, empty free lists rebuilt; counters kept. */
static void
vq_restart(struct vdp_virtq *vq)
{
	struct vq_layout lay;

	vq_layout_get(vq->num, vq->flags, &lay);
	memset(vq->mem, 0, lay.total);
	memset(vq->meta, 0, (size_t)vq->num * sizeof(vq->meta[0]));
	vq->num_free = (uint16_t)vq->num;
	vq->outstanding = 0;
	vq->avail_idx = 0;
	vq->used_idx = 0;
	vq->free_head = 0;
	vq->desc_tail = 0;
	vq->free_tail = (uint16_t)(vq->num - 1);
	vq->kick_idx = 0;
	vq->kick_added = 0;
	vq->broken = false;
	vq->draining = false;
	vq->batch_pending = false;
	vq->batch_last = 0;
	vq->batch_len = 0;
	vq->drain_pos = 0;
	if (vq->flags & VDP_VIRTQ_F_PACKED)
		vq_packed_init(vq, &lay);
	else
		vq_split_init(vq, &lay);
}

static int
vq_conf_check(size_t obj_len, const struct vdp_virtq_conf *conf, struct vq_layout *lay)
{
	if (!vq_num_valid(conf->num)) {
		vdp_log(VDP_LOG_ERR, "virtq %u: ring size %u is not a power of two in 1..%u; use "
			"the device maximum (VHOST_VDPA_GET_VRING_NUM) or a smaller power of two",
			conf->index, conf->num, VDP_VIRTQ_NUM_MAX);
		return -EINVAL;
	}
	if ((conf->flags & ~VDP_VIRTQ_F_ALL) != 0) {
		vdp_log(VDP_LOG_ERR, "virtq %u: unknown flags 0x%x (known: 0x%x)", conf->index,
			conf->flags & ~VDP_VIRTQ_F_ALL, VDP_VIRTQ_F_ALL);
		return -EINVAL;
	}
	vq_layout_get(conf->num, conf->flags, lay);
	if (conf->mem == NULL || ((uintptr_t)conf->mem % VDP_VIRTQ_MEM_ALIGN) != 0 ||
	    (conf->iova % VDP_VIRTQ_MEM_ALIGN) != 0) {
		vdp_log(VDP_LOG_ERR, "virtq %u: ring memory %p (IOVA 0x%llx) must be non-NULL and "
			"%u-byte aligned in both address spaces", conf->index, conf->mem,
			(unsigned long long)conf->iova, VDP_VIRTQ_MEM_ALIGN);
		return -EINVAL;
	}
	if (conf->mem_len < lay->total) {
		vdp_log(VDP_LOG_ERR, "virtq %u: %zu bytes of ring memory given, %zu needed for %u "
			"entries (vdp_virtq_mem_size)", conf->index, conf->mem_len, lay->total,
			conf->num);
		return -EINVAL;
	}
	if (conf->iova > UINT64_MAX - lay->total) {
		vdp_log(VDP_LOG_ERR, "virtq %u: ring IOVA 0x%llx + %zu bytes wraps around the "
			"64-bit IOVA space", conf->index, (unsigned long long)conf->iova,
			lay->total);
		return -EINVAL;
	}
	if (obj_len < vdp_virtq_obj_size(conf->num)) {
		vdp_log(VDP_LOG_ERR, "virtq %u: %zu bytes given for the virtq object, %zu needed "
			"(vdp_virtq_obj_size)", conf->index, obj_len,
			vdp_virtq_obj_size(conf->num));
		return -EINVAL;
	}
	return 0;
}

int
vdp_virtq_init(struct vdp_virtq *vq, size_t obj_len, const struct vdp_virtq_conf *conf,
	       struct vdp_virtq_addrs *addrs)
{
	struct vq_layout lay;
	int ret;

	if (vq == NULL || conf == NULL) {
		vdp_log(VDP_LOG_ERR, "virtq: init needs a virtq object and a configuration");
		return -EINVAL;
	}
	ret = vq_conf_check(obj_len, conf, &lay);
	if (ret != 0)
		return ret;
	memset(vq, 0, sizeof(*vq));
	vq->flags = conf->flags;
	vq->num = conf->num;
	vq->mask = (uint16_t)(conf->num - 1);
	vq->index = conf->index;
	vq->mem = conf->mem;
	vq->iova = conf->iova;
	vq->mem_len = conf->mem_len;
	vq->event_idx = (conf->flags & VDP_VIRTQ_F_EVENT_IDX) != 0;
	vq->in_order = (conf->flags & VDP_VIRTQ_F_IN_ORDER) != 0;
	vq->indirect = (conf->flags & VDP_VIRTQ_F_INDIRECT) != 0;
	vq->addrs.desc = conf->iova + lay.desc;
	vq->addrs.driver = conf->iova + lay.driver;
	vq->addrs.device = conf->iova + lay.device;
	if (vq->indirect) {
		vq->ind = (uint8_t *)conf->mem + lay.ind;
		vq->ind_iova = conf->iova + lay.ind;
	}
	vq_restart(vq);
	if (addrs != NULL)
		*addrs = vq->addrs;
	return 0;
}

int
vdp_virtq_create(const struct vdp_virtq_conf *conf, struct vdp_virtq **out,
		 struct vdp_virtq_addrs *addrs)
{
	struct vdp_virtq *vq;
	size_t len;
	int ret;

	len = conf != NULL ? vdp_virtq_obj_size(conf->num) : 0;
	if (len == 0) {
		vdp_log(VDP_LOG_ERR, "virtq: create needs a configuration with a power-of-two "
			"ring size in 1..%u", VDP_VIRTQ_NUM_MAX);
		return -EINVAL;
	}
	len = (len + 63) & ~(size_t)63;
	vq = aligned_alloc(64, len);
	if (vq == NULL) {
		vdp_log(VDP_LOG_ERR, "virtq %u: out of memory for a %zu-byte virtq object",
			conf->index, len);
		return -ENOMEM;
	}
	ret = vdp_virtq_init(vq, len, conf, addrs);
	if (ret != 0) {
		free(vq);
		return ret;
	}
	*out = vq;
	return 0;
}

void
vdp_virtq_free(struct vdp_virtq *vq)
{
	free(vq);
}

int
vdp_virtq_reset(struct vdp_virtq *vq)
{
	if (vq->outstanding != 0) {
		vdp_log(VDP_LOG_ERR, "virtq %u: reset with %u buffers outstanding would lose their "
			"cookies; stop the device and vdp_virtq_drain() them first", vq->index,
			vq->outstanding);
		return -EBUSY;
	}
	vq_restart(vq);
	return 0;
}

uint16_t
vdp_virtq_add_out(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs, const uint16_t *nsegs,
		  void *const *cookies, uint16_t n)
{
	if (vq->broken || vq->draining || n == 0)
		return 0;
	if (vq->flags & VDP_VIRTQ_F_PACKED)
		return vq_packed_add_out(vq, segs, nsegs, cookies, n);
	return vq_split_add_out(vq, segs, nsegs, cookies, n);
}

uint16_t
vdp_virtq_add_in(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs, const uint16_t *nsegs,
		 void *const *cookies, uint16_t n)
{
	if (vq->broken || vq->draining || n == 0)
		return 0;
	if (vq->flags & VDP_VIRTQ_F_PACKED)
		return vq_packed_add_in(vq, segs, nsegs, cookies, n);
	return vq_split_add_in(vq, segs, nsegs, cookies, n);
}

uint16_t
vdp_virtq_add_chain(struct vdp_virtq *vq, const struct vdp_virtq_seg *segs, uint16_t n_out,
		    uint16_t n_in, void *cookie)
{
	uint32_t ns = (uint32_t)n_out + n_in;

	if (vq->broken || vq->draining)
		return 0;
	/* 0 segments is refused by the add path itself; more than 16 bits' worth here */
	if (ns > UINT16_MAX) {
		vq->stats.bad_input++;
		return 0;
	}
	if (vq->flags & VDP_VIRTQ_F_PACKED)
		return vq_packed_add_chain(vq, segs, (uint16_t)ns, n_out, cookie);
	return vq_split_add_chain(vq, segs, (uint16_t)ns, n_out, cookie);
}

uint16_t
vdp_virtq_get_used(struct vdp_virtq *vq, void **cookies, uint32_t *lens, uint16_t n)
{
	uint16_t got;

	if (vq->broken || vq->draining || n == 0)
		return 0;
	if (vq->flags & VDP_VIRTQ_F_PACKED)
		got = vq_packed_get_used(vq, cookies, lens, n);
	else
		got = vq_split_get_used(vq, cookies, lens, n);
	vq->stats.used += got;
	return got;
}

bool
vdp_virtq_has_used(const struct vdp_virtq *vq)
{
	if (vq->broken || vq->draining)
		return false;
	if (vq->flags & VDP_VIRTQ_F_PACKED)
		return vq_packed_has_used(vq);
	return vq_split_has_used(vq);
}

bool
vdp_virtq_needs_kick(struct vdp_virtq *vq)
{
	bool kick;

	if (vq->flags & VDP_VIRTQ_F_PACKED)
		kick = vq_packed_needs_kick(vq);
	else
		kick = vq_split_needs_kick(vq);
	if (kick)
		vq->stats.kicks++;
	return kick;
}

bool
vdp_virtq_intr_enable(struct vdp_virtq *vq)
{
	bool pending;

	if (vq->flags & VDP_VIRTQ_F_PACKED)
		pending = vq_packed_intr_enable(vq);
	else
		pending = vq_split_intr_enable(vq);
	/* a broken or draining ring returns nothing: never send the caller polling for it */
	return pending && !vq->broken && !vq->draining;
}

void
vdp_virtq_intr_disable(struct vdp_virtq *vq)
{
	if (vq->flags & VDP_VIRTQ_F_PACKED)
		vq_packed_intr_disable(vq);
	else
		vq_split_intr_disable(vq);
}

/*
 * Every outstanding buffer has exactly one meta entry with info != 0 (split: its head
 * descriptor; packed: its id), whatever the device did: that is all drain needs.
 */
uint16_t
vdp_virtq_drain(struct vdp_virtq *vq, void **cookies, uint16_t n)
{
	uint16_t got = 0;

	vq->draining = true;
	while (got < n && vq->outstanding > 0 && vq->drain_pos < vq->num) {
		struct vq_meta *m = &vq->meta[vq->drain_pos++];

		if (m->info == 0)
			continue;
		cookies[got++] = m->cookie;
		m->info = 0;
		m->cookie = NULL;
		vq->outstanding--;
	}
	vq->stats.drained += got;
	if (vq->outstanding == 0)
		vq_restart(vq);
	return got;
}

void
vdp_virtq_get_state(const struct vdp_virtq *vq, struct vdp_virtq_state *st)
{
	st->avail_idx = vq->avail_idx;
	st->used_idx = vq->used_idx;
	st->avail_wrap = (vq->flags & VDP_VIRTQ_F_PACKED) ? vq->avail_wrap : false;
	st->used_wrap = (vq->flags & VDP_VIRTQ_F_PACKED) ? vq->used_wrap : false;
}

uint32_t
vdp_virtq_vring_base(const struct vdp_virtq *vq)
{
	if (!(vq->flags & VDP_VIRTQ_F_PACKED))
		return vq->avail_idx;
	return (uint32_t)(vq->avail_idx & 0x7fff) | (uint32_t)vq->avail_wrap << 15 |
	       (uint32_t)(vq->used_idx & 0x7fff) << 16 | (uint32_t)vq->used_wrap << 31;
}

uint32_t
vdp_virtq_num(const struct vdp_virtq *vq)
{
	return vq->num;
}

uint32_t
vdp_virtq_flags(const struct vdp_virtq *vq)
{
	return vq->flags;
}

uint32_t
vdp_virtq_free_count(const struct vdp_virtq *vq)
{
	return vq->num_free;
}

uint32_t
vdp_virtq_outstanding(const struct vdp_virtq *vq)
{
	return vq->outstanding;
}

bool
vdp_virtq_broken(const struct vdp_virtq *vq)
{
	return vq->broken;
}

void
vdp_virtq_stats_get(const struct vdp_virtq *vq, struct vdp_virtq_stats *stats)
{
	*stats = vq->stats;
}

void
vdp_virtq_stats_reset(struct vdp_virtq *vq)
{
	memset(&vq->stats, 0, sizeof(vq->stats));
}
