/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The map object: lifetime, device facts, the region set (what should be mapped), the entries
 * view (what the kernel holds), counters and the PERSIST policy.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vdp_dev.h"
#include "vdp_iotlb_priv.h"

/* --- arrays ---------------------------------------------------------------------------------- */

void
iotlb_vec_init(struct iotlb_vec *vec, size_t esz)
{
	vec->v = NULL;
	vec->n = 0;
	vec->cap = 0;
	vec->esz = esz;
}

void
iotlb_vec_free(struct iotlb_vec *vec)
{
	free(vec->v);
	vec->v = NULL;
	vec->n = 0;
	vec->cap = 0;
}

int
iotlb_vec_reserve(struct iotlb_vec *vec, size_t n)
{
	size_t cap = vec->cap ? vec->cap : 8;
	void *v;

	if (n <= vec->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	v = realloc(vec->v, cap * vec->esz);
	if (v == NULL) {
		vdp_log(VDP_LOG_ERR, "iotlb: out of memory growing a table to %zu elements", cap);
		return -ENOMEM;
	}
	vec->v = v;
	vec->cap = cap;
	return 0;
}

int
iotlb_vec_insert(struct iotlb_vec *vec, size_t at, const void *elem)
{
	char *base;
	int ret;

	ret = iotlb_vec_reserve(vec, vec->n + 1);
	if (ret < 0)
		return ret;
	base = vec->v;
	memmove(base + (at + 1) * vec->esz, base + at * vec->esz, (vec->n - at) * vec->esz);
	memcpy(base + at * vec->esz, elem, vec->esz);
	vec->n++;
	return 0;
}

int
iotlb_vec_push(struct iotlb_vec *vec, const void *elem)
{
	return iotlb_vec_insert(vec, vec->n, elem);
}

void
iotlb_vec_remove(struct iotlb_vec *vec, size_t at)
{
	char *base = vec->v;

	memmove(base + at * vec->esz, base + (at + 1) * vec->esz, (vec->n - at - 1) * vec->esz);
	vec->n--;
}

int
iotlb_vec_copy(struct iotlb_vec *dst, const struct iotlb_vec *src)
{
	int ret;

	dst->n = 0;
	ret = iotlb_vec_reserve(dst, src->n);
	if (ret < 0)
		return ret;
	if (src->n > 0)
		memcpy(dst->v, src->v, src->n * src->esz);
	dst->n = src->n;
	return 0;
}

/* --- lifetime and device facts --------------------------------------------------------------- */

int
vdp_iotlb_create(const struct vdp_iotlb_ops *ops, void *ctx, struct vdp_iotlb **out)
{
	struct vdp_iotlb *map;

	if (out == NULL || ops == NULL || ops->update == NULL || ops->invalidate == NULL) {
		vdp_log(VDP_LOG_ERR, "iotlb: create needs ops with update and invalidate and an "
			"output pointer");
		return -EINVAL;
	}
	map = calloc(1, sizeof(*map));
	if (map == NULL) {
		vdp_log(VDP_LOG_ERR, "iotlb: out of memory allocating a map");
		return -ENOMEM;
	}
	map->ops = ops;
	map->ctx = ctx;
	map->pa_mode = true;
	map->iova_first = 0;
	map->iova_last = UINT64_MAX;
	map->entry_cap = VDP_IOTLB_ENTRY_CAP_DEFAULT;
	map->as_count = UINT32_MAX;
	iotlb_vec_init(&map->regions, sizeof(struct vdp_iotlb_region));
	iotlb_vec_init(&map->entries, sizeof(struct vdp_iotlb_entry));
	*out = map;
	return 0;
}

void
vdp_iotlb_destroy(struct vdp_iotlb *map)
{
	if (map == NULL)
		return;
	iotlb_vec_free(&map->regions);
	iotlb_vec_free(&map->entries);
	free(map);
}

void
vdp_iotlb_forget(struct vdp_iotlb *map)
{
	map->entries.n = 0;
}

void
vdp_iotlb_set_batch(struct vdp_iotlb *map, bool acked)
{
	map->batch = acked;
}

void
vdp_iotlb_set_persist(struct vdp_iotlb *map, bool acked)
{
	map->persist = acked;
}

void
vdp_iotlb_set_pa_mode(struct vdp_iotlb *map, bool pa)
{
	map->pa_mode = pa;
}

int
vdp_iotlb_set_iova_range(struct vdp_iotlb *map, uint64_t first, uint64_t last)
{
	if (first > last) {
		vdp_log(VDP_LOG_ERR, "iotlb: IOVA range [%#" PRIx64 ", %#" PRIx64 "] is empty "
			"(first > last); pass what VHOST_VDPA_GET_IOVA_RANGE reported",
			first, last);
		return -EINVAL;
	}
	map->iova_first = first;
	map->iova_last = last;
	return 0;
}

void
vdp_iotlb_set_entry_cap(struct vdp_iotlb *map, uint32_t cap)
{
	map->entry_cap = cap;
}

int
vdp_iotlb_set_as_count(struct vdp_iotlb *map, uint32_t count)
{
	if (count == 0) {
		vdp_log(VDP_LOG_ERR, "iotlb: an address-space count of 0 leaves nothing to map; "
			"pass VHOST_VDPA_GET_AS_NUM (1 when IOTLB_ASID is not acked)");
		return -EINVAL;
	}
	map->as_count = count;
	return 0;
}

bool
vdp_iotlb_persist(const struct vdp_iotlb *map)
{
	return map->persist;
}

bool
vdp_iotlb_batch(const struct vdp_iotlb *map)
{
	return map->batch;
}

/* --- regions --------------------------------------------------------------------------------- */

static uint32_t
vec_asid_at(const struct iotlb_vec *vec, size_t asid_off, size_t i)
{
	uint32_t asid;

	memcpy(&asid, (const char *)vec->v + i * vec->esz + asid_off, sizeof(asid));
	return asid;
}

/* First index whose ASID is >= asid in a table sorted by ASID; *count: how many have asid. */
static size_t
vec_find_asid(const struct iotlb_vec *vec, size_t asid_off, uint32_t asid, size_t *count)
{
	size_t lo = 0, hi = vec->n, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (vec_asid_at(vec, asid_off, mid) < asid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < vec->n && vec_asid_at(vec, asid_off, end) == asid; end++)
		;
	*count = end - lo;
	return lo;
}

size_t
iotlb_regions_find_asid(const struct vdp_iotlb *map, uint32_t asid, size_t *count)
{
	return vec_find_asid(&map->regions, offsetof(struct vdp_iotlb_region, asid), asid, count);
}

size_t
iotlb_entries_find_asid(const struct vdp_iotlb *map, uint32_t asid, size_t *count)
{
	return vec_find_asid(&map->entries, offsetof(struct vdp_iotlb_entry, asid), asid, count);
}

int
iotlb_region_check(const struct vdp_iotlb *map, const struct vdp_iotlb_region *r)
{
	int ret;

	ret = iotlb_region_shape_check(r);
	if (ret < 0)
		return ret;
	if (r->asid >= map->as_count) {
		vdp_log(VDP_LOG_ERR, "iotlb: region va %#" PRIx64 " is in ASID %u but the device "
			"has %u address space%s%s", r->va, r->asid, map->as_count,
			map->as_count == 1 ? "" : "s",
			map->as_count == 1 ? " (IOTLB_ASID not acked or a single-AS parent): "
			"use ASID 0" : "");
		return -EINVAL;
	}
	return 0;
}

int
vdp_iotlb_region_add(struct vdp_iotlb *map, const struct vdp_iotlb_region *r)
{
	const struct vdp_iotlb_region *regs = map->regions.v;
	size_t first, count, i;
	int ret;

	ret = iotlb_region_check(map, r);
	if (ret < 0)
		return ret;
	first = iotlb_regions_find_asid(map, r->asid, &count);
	for (i = first; i < first + count; i++) {
		if (regs[i].va >= r->va + r->len)
			break;
		if (regs[i].va + regs[i].len > r->va) {
			vdp_log(VDP_LOG_ERR, "iotlb: region va %#" PRIx64 " len %#" PRIx64
				" overlaps region va %#" PRIx64 " len %#" PRIx64 " in ASID %u; "
				"remove the old region first or add only the new bytes",
				r->va, r->len, regs[i].va, regs[i].len, r->asid);
			return -EEXIST;
		}
	}
	return iotlb_vec_insert(&map->regions, i, r);
}

/* Is [va, end) covered, without a gap, by the ASID's regions (sorted, disjoint)? */
static bool
regions_cover(const struct vdp_iotlb *map, uint32_t asid, uint64_t va, uint64_t end)
{
	const struct vdp_iotlb_region *regs = map->regions.v;
	size_t first, count, i;
	uint64_t at = va;

	first = iotlb_regions_find_asid(map, asid, &count);
	for (i = first; i < first + count && at < end; i++) {
		if (regs[i].va + regs[i].len <= at)
			continue;
		if (regs[i].va > at)
			return false;
		at = regs[i].va + regs[i].len;
	}
	return at >= end;
}

/*
 * The pages that removing [va, va + len) from the ASID's regions can unplan: each removed part
 * rounded out to its region's page size, as one enclosing span.
 */
struct iotlb_span
iotlb_regions_removal_span(const struct vdp_iotlb *map, uint32_t asid, uint64_t va, uint64_t len)
{
	const struct vdp_iotlb_region *regs = map->regions.v;
	struct iotlb_span win = { va, va + len };
	size_t first, count, i;

	first = iotlb_regions_find_asid(map, asid, &count);
	for (i = first; i < first + count; i++) {
		struct vdp_iotlb_region part = regs[i];
		struct iotlb_span s;

		if (regs[i].va >= va + len || regs[i].va + regs[i].len <= va)
			continue;
		part.va = regs[i].va > va ? regs[i].va : va;
		part.len = (regs[i].va + regs[i].len < va + len ? regs[i].va + regs[i].len :
			    va + len) - part.va;
		s = iotlb_region_rounded(&part);
		if (s.start < win.start)
			win.start = s.start;
		if (s.end > win.end)
			win.end = s.end;
	}
	return win;
}

int
vdp_iotlb_region_remove(struct vdp_iotlb *map, uint32_t asid, uint64_t va, uint64_t len)
{
	struct vdp_iotlb_region *regs, left, right;
	uint64_t end = va + len;
	size_t first, count, i;
	int ret;

	if (len == 0 || va > UINT64_MAX - len) {
		vdp_log(VDP_LOG_ERR, "iotlb: cannot remove va %#" PRIx64 " len %#" PRIx64
			": empty or wrapping range", va, len);
		return -EINVAL;
	}
	if (!regions_cover(map, asid, va, end)) {
		vdp_log(VDP_LOG_ERR, "iotlb: cannot remove va %#" PRIx64 " len %#" PRIx64
			" from ASID %u: not all of it was added as regions; nothing removed "
			"(vdp_iotlb_dump lists the regions)", va, len, asid);
		return -ENOENT;
	}
	/* Make room for the one split that can add a region, so nothing fails half-way. */
	ret = iotlb_vec_reserve(&map->regions, map->regions.n + 1);
	if (ret < 0)
		return ret;
	first = iotlb_regions_find_asid(map, asid, &count);
	for (i = first; i < first + count;) {
		regs = map->regions.v;
		if (regs[i].va >= end)
			break;
		if (regs[i].va + regs[i].len <= va) {
			i++;
			continue;
		}
		left = regs[i];
		left.len = va > regs[i].va ? va - regs[i].va : 0;
		right = regs[i];
		right.va = end;
		right.len = regs[i].va + regs[i].len > end ? regs[i].va + regs[i].len - end : 0;
		if (left.len > 0 && right.len > 0) {
			regs[i] = left;
			(void)iotlb_vec_insert(&map->regions, i + 1, &right);
			break;
		}
		if (left.len > 0) {
			regs[i++] = left;
		} else if (right.len > 0) {
			regs[i] = right;
			break;
		} else {
			iotlb_vec_remove(&map->regions, i);
			count--;
		}
	}
	return 0;
}

size_t
vdp_iotlb_region_count(const struct vdp_iotlb *map)
{
	return map->regions.n;
}

size_t
vdp_iotlb_regions(const struct vdp_iotlb *map, struct vdp_iotlb_region *out, size_t cap)
{
	size_t n = map->regions.n;

	if (out != NULL && cap > 0 && n > 0)
		memcpy(out, map->regions.v, (n < cap ? n : cap) * sizeof(*out));
	return n;
}

long
vdp_iotlb_plan(const struct vdp_iotlb *map, struct vdp_iotlb_run *out, size_t cap)
{
	return vdp_iotlb_plan_regions(map->regions.v, map->regions.n, out, cap);
}

/* --- entries --------------------------------------------------------------------------------- */

int
iotlb_entry_add(struct vdp_iotlb *map, const struct vdp_iotlb_entry *e)
{
	const struct vdp_iotlb_entry *ents = map->entries.v;
	size_t first, count, i;

	first = iotlb_entries_find_asid(map, e->asid, &count);
	for (i = first; i < first + count && ents[i].iova < e->iova; i++)
		;
	return iotlb_vec_insert(&map->entries, i, e);
}

void
iotlb_entry_del(struct vdp_iotlb *map, const struct vdp_iotlb_entry *e)
{
	const struct vdp_iotlb_entry *ents = map->entries.v;
	size_t first, count, i;

	first = iotlb_entries_find_asid(map, e->asid, &count);
	for (i = first; i < first + count; i++) {
		if (ents[i].iova == e->iova && ents[i].size == e->size) {
			iotlb_vec_remove(&map->entries, i);
			return;
		}
	}
}

size_t
vdp_iotlb_entries(const struct vdp_iotlb *map, struct vdp_iotlb_entry *out, size_t cap)
{
	size_t n = map->entries.n;

	if (out != NULL && cap > 0 && n > 0)
		memcpy(out, map->entries.v, (n < cap ? n : cap) * sizeof(*out));
	return n;
}

size_t
vdp_iotlb_asid_entries(const struct vdp_iotlb *map, uint32_t asid)
{
	size_t count;

	iotlb_entries_find_asid(map, asid, &count);
	return count;
}

/* --- counters -------------------------------------------------------------------------------- */

void
iotlb_fail(struct vdp_iotlb *map, const char *op, uint32_t asid, uint64_t iova, uint64_t size,
	   uint64_t uaddr, int err, const char *explain)
{
	struct vdp_iotlb_error *le = &map->st.last_error;

	map->st.failures++;
	le->op = op;
	le->asid = asid;
	le->iova = iova;
	le->size = size;
	le->uaddr = uaddr;
	le->err = err < 0 ? -err : err;
	snprintf(le->explain, sizeof(le->explain), "%s", explain != NULL ? explain : "");
}

void
vdp_iotlb_stats_get(const struct vdp_iotlb *map, struct vdp_iotlb_stats *st)
{
	const struct vdp_iotlb_entry *ents = map->entries.v;
	size_t i;

	*st = map->st;
	st->entries = map->entries.n;
	memset(st->asid_entries, 0, sizeof(st->asid_entries));
	st->mapped_bytes = 0;
	st->est_kernel_entries = 0;
	for (i = 0; i < map->entries.n; i++) {
		if (ents[i].asid < VDP_IOTLB_STATS_ASIDS)
			st->asid_entries[ents[i].asid]++;
		st->mapped_bytes += ents[i].size;
		st->est_kernel_entries += iotlb_pages(ents[i].iova, ents[i].size,
						      ents[i].page_size);
	}
}

void
vdp_iotlb_stats_reset(struct vdp_iotlb *map)
{
	memset(&map->st, 0, sizeof(map->st));
}

/* --- the PERSIST policy ---------------------------------------------------------------------- */

int
vdp_iotlb_persist_parse(const char *s, enum vdp_iotlb_persist_policy *out)
{
	static const struct {
		const char *name;
		enum vdp_iotlb_persist_policy p;
	} names[] = {
		{ "auto", VDP_IOTLB_PERSIST_AUTO },
		{ "on", VDP_IOTLB_PERSIST_ON }, { "1", VDP_IOTLB_PERSIST_ON },
		{ "yes", VDP_IOTLB_PERSIST_ON }, { "true", VDP_IOTLB_PERSIST_ON },
		{ "off", VDP_IOTLB_PERSIST_OFF }, { "0", VDP_IOTLB_PERSIST_OFF },
		{ "no", VDP_IOTLB_PERSIST_OFF }, { "false", VDP_IOTLB_PERSIST_OFF },
	};
	size_t i;

	for (i = 0; s != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			*out = names[i].p;
			return 0;
		}
	}
	vdp_log(VDP_LOG_ERR, "iotlb: persist=%s is not a policy; use persist=auto (ack PERSIST "
		"when offered), on (require it) or off (never ack it)", s != NULL ? s : "(null)");
	return -EINVAL;
}

const char *
vdp_iotlb_persist_name(enum vdp_iotlb_persist_policy p)
{
	switch (p) {
	case VDP_IOTLB_PERSIST_AUTO:
		return "auto";
	case VDP_IOTLB_PERSIST_ON:
		return "on";
	case VDP_IOTLB_PERSIST_OFF:
		return "off";
	}
	return "?";
}

int
vdp_iotlb_persist_decide(enum vdp_iotlb_persist_policy p, bool offered, bool *ack,
			 char *why, size_t why_len)
{
	static const char persist_missing[] = "persist=on but the device does not offer "
		"VHOST_BACKEND_F_IOTLB_PERSIST (it needs Linux 6.7+ and a parent with reset_map "
		"or a platform IOMMU); use persist=auto to fall back to the unmap-before-reset / "
		"remap-after protocol";

	if (why != NULL && why_len > 0)
		why[0] = '\0';
	switch (p) {
	case VDP_IOTLB_PERSIST_AUTO:
		*ack = offered;
		return 0;
	case VDP_IOTLB_PERSIST_OFF:
		*ack = false;
		return 0;
	case VDP_IOTLB_PERSIST_ON:
		if (offered) {
			*ack = true;
			return 0;
		}
		break;
	default:
		vdp_log(VDP_LOG_ERR, "iotlb: unknown persist policy %d", (int)p);
		return -EINVAL;
	}
	*ack = false;
	if (why != NULL && why_len > 0)
		snprintf(why, why_len, "%s", persist_missing);
	vdp_log(VDP_LOG_ERR, "iotlb: %s", persist_missing);
	return -ENOTSUP;
}
