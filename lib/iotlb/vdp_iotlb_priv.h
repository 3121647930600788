/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/iotlb internals shared by its files. Not installed; nothing here is API.
 */
#ifndef VDP_IOTLB_PRIV_H
#define VDP_IOTLB_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vdp_iotlb.h"

/* Internal symbols stay out of the dynamic symbol table when linked into a shared PMD. */
#pragma GCC visibility push(hidden)

/* A growable array of fixed-size elements. */
struct iotlb_vec {
	void *v;
	size_t n;
	size_t cap;
	size_t esz;
};

/* A half-open byte range [start, end). Ends never wrap: regions are checked at add time. */
struct iotlb_span {
	uint64_t start;
	uint64_t end;
};

struct vdp_iotlb {
	const struct vdp_iotlb_ops *ops;
	void *ctx;
	bool batch;		/* IOTLB_BATCH acked: wrap each group in BATCH_BEGIN/END */
	bool persist;		/* IOTLB_PERSIST acked: maps survive reset */
	bool pa_mode;		/* the parent pins pages and splits UPDATEs per physical run */
	uint64_t iova_first;	/* device IOVA range, inclusive */
	uint64_t iova_last;
	uint32_t entry_cap;	/* per ASID; 0 = none */
	uint32_t as_count;	/* ASIDs the device has */
	struct iotlb_vec regions;	/* struct vdp_iotlb_region, sorted by (asid, va) */
	struct iotlb_vec entries;	/* struct vdp_iotlb_entry, sorted by (asid, iova) */
	struct vdp_iotlb_stats st;	/* counters; current-state values are computed on read */
};

/* What a group of one ASID sends: invalidates first, then updates. */
struct iotlb_group {
	uint32_t asid;
	struct iotlb_vec inval;	/* struct vdp_iotlb_entry (held) */
	struct iotlb_vec upd;	/* struct vdp_iotlb_entry (new) */
};

#define IOTLB_MIN_PAGE		4096u
#define IOTLB_GIB		(1ULL << 30)

/* vdp_iotlb.c: arrays */
void iotlb_vec_init(struct iotlb_vec *vec, size_t esz);
void iotlb_vec_free(struct iotlb_vec *vec);
int iotlb_vec_reserve(struct iotlb_vec *vec, size_t n);
int iotlb_vec_insert(struct iotlb_vec *vec, size_t at, const void *elem);
int iotlb_vec_push(struct iotlb_vec *vec, const void *elem);
void iotlb_vec_remove(struct iotlb_vec *vec, size_t at);
int iotlb_vec_copy(struct iotlb_vec *dst, const struct iotlb_vec *src);
static inline void *
iotlb_vec_at(const struct iotlb_vec *vec, size_t i)
{
	return (char *)vec->v + i * vec->esz;
}

/* vdp_iotlb.c: the entries view */
size_t iotlb_entries_find_asid(const struct vdp_iotlb *map, uint32_t asid, size_t *count);
int iotlb_entry_add(struct vdp_iotlb *map, const struct vdp_iotlb_entry *e);
void iotlb_entry_del(struct vdp_iotlb *map, const struct vdp_iotlb_entry *e);
size_t iotlb_regions_find_asid(const struct vdp_iotlb *map, uint32_t asid, size_t *count);
struct iotlb_span iotlb_regions_removal_span(const struct vdp_iotlb *map, uint32_t asid,
					     uint64_t va, uint64_t len);
int iotlb_region_check(const struct vdp_iotlb *map, const struct vdp_iotlb_region *r);
void iotlb_fail(struct vdp_iotlb *map, const char *op, uint32_t asid, uint64_t iova,
		uint64_t size, uint64_t uaddr, int err, const char *explain);

/* vdp_iotlb_plan.c: the planner and range arithmetic */
int iotlb_region_shape_check(const struct vdp_iotlb_region *r);
struct iotlb_span iotlb_region_rounded(const struct vdp_iotlb_region *r);
int iotlb_plan_build(const struct vdp_iotlb_region *regions, size_t n, struct iotlb_vec *runs);
uint64_t iotlb_pages(uint64_t iova, uint64_t size, uint64_t page_size);
bool iotlb_span_overlap(struct iotlb_span a, struct iotlb_span b);
void iotlb_spans_merge(struct iotlb_vec *spans);

/* vdp_iotlb_sync.c: groups */
#define IOTLB_SYNC_RESYNC	0x1u	/* every held entry in the window is stale */
#define IOTLB_SYNC_UNMAP_ONLY	0x2u	/* invalidate held entries in the window, map nothing */
#define IOTLB_SYNC_WINDOW_MAP	0x4u	/* map planned bytes in the window, not only what the
					 * invalidated entries covered */

/* vdp_iotlb_explain.c: messages */
const char *iotlb_fmt_size(uint64_t bytes, char *buf, size_t len);
const char *iotlb_perm_name(uint8_t perm);
void iotlb_explain_update(const struct vdp_iotlb *map, const struct vdp_iotlb_entry *e, int err,
			  char *buf, size_t len);
void iotlb_explain_other(const char *op, uint32_t asid, int err, char *buf, size_t len);

#pragma GCC visibility pop

#endif /* VDP_IOTLB_PRIV_H */
