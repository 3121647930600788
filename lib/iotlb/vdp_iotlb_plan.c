/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The planner: regions -> runs. One UPDATE per contiguous run, rounded out to the page size.
 *
 * Rounding matters twice. In PA mode the kernel pins whole pages anyway, and a later UPDATE of
 * an adjacent sub-page range would collide with the page-rounded entry (spec §4.4: EEXIST). So a
 * run covers whole pages, and two regions whose rounded ranges overlap must be one run: two
 * UPDATEs over the same page would be rejected by the kernel.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vdp_dev.h"
#include "vdp_iotlb_priv.h"

/* A region's rounded span with the region it came from, for sorting. */
struct plan_item {
	struct iotlb_span s;
	const struct vdp_iotlb_region *r;
};

static bool
is_pow2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

int
iotlb_region_shape_check(const struct vdp_iotlb_region *r)
{
	if (r->len == 0) {
		vdp_log(VDP_LOG_ERR, "iotlb: region va %#" PRIx64 " asid %u has length 0; "
			"pass the byte length of the memory to map", r->va, r->asid);
		return -EINVAL;
	}
	if (!is_pow2(r->page_size) || r->page_size < IOTLB_MIN_PAGE) {
		vdp_log(VDP_LOG_ERR, "iotlb: region va %#" PRIx64 " len %#" PRIx64
			" has page size %#" PRIx64 ", not a power of two >= 4 KiB; pass the size "
			"of the pages backing it (e.g. the memseg's hugepage size)",
			r->va, r->len, r->page_size);
		return -EINVAL;
	}
	if (r->perm < VDP_IOTLB_PERM_RO || r->perm > VDP_IOTLB_PERM_RW) {
		vdp_log(VDP_LOG_ERR, "iotlb: region va %#" PRIx64 " has permission %u; use "
			"VDP_IOTLB_PERM_RO, _WO or _RW (the kernel would store 0 and fault every "
			"access)", r->va, r->perm);
		return -EINVAL;
	}
	/* The rounded end must stay representable: start + len, then up to one page more. */
	if (r->va > UINT64_MAX - r->len ||
	    r->va + r->len > UINT64_MAX - (r->page_size - 1)) {
		vdp_log(VDP_LOG_ERR, "iotlb: region va %#" PRIx64 " len %#" PRIx64
			" wraps the 64-bit address space once rounded to its page size; "
			"check the length", r->va, r->len);
		return -EINVAL;
	}
	return 0;
}

struct iotlb_span
iotlb_region_rounded(const struct vdp_iotlb_region *r)
{
	uint64_t mask = r->page_size - 1;
	struct iotlb_span s = {
		.start = r->va & ~mask,
		.end = (r->va + r->len + mask) & ~mask,
	};

	return s;
}

/* Pages of page_size that [iova, iova + size) touches. */
uint64_t
iotlb_pages(uint64_t iova, uint64_t size, uint64_t page_size)
{
	uint64_t mask = page_size - 1;
	uint64_t first = iova & ~mask;
	uint64_t end = iova + size;

	if (size == 0)
		return 0;
	/* end rounded up may be 2^64: count with the last page's index instead. */
	return ((end - 1) & ~mask) / page_size - first / page_size + 1;
}

bool
iotlb_span_overlap(struct iotlb_span a, struct iotlb_span b)
{
	return a.start < b.end && b.start < a.end;
}

static int
plan_item_cmp(const void *pa, const void *pb)
{
	const struct plan_item *a = pa, *b = pb;

	if (a->r->asid != b->r->asid)
		return a->r->asid < b->r->asid ? -1 : 1;
	if (a->s.start != b->s.start)
		return a->s.start < b->s.start ? -1 : 1;
	if (a->s.end != b->s.end)
		return a->s.end < b->s.end ? -1 : 1;
	return 0;
}

/*
 * May item join run? Overlapping rounded ranges always join (two UPDATEs over one page would
 * collide); ranges that only touch join when nothing distinguishes them.
 */
static bool
plan_run_joins(const struct vdp_iotlb_run *run, const struct plan_item *it)
{
	uint64_t run_end = run->iova + run->size;

	if (run->asid != it->r->asid)
		return false;
	if (it->s.start < run_end)
		return true;
	return it->s.start == run_end && it->r->page_size == run->page_size &&
	       it->r->perm == run->perm;
}

static void
plan_run_start(struct vdp_iotlb_run *run, const struct plan_item *it)
{
	run->iova = it->s.start;
	run->uaddr = it->s.start;
	run->size = it->s.end - it->s.start;
	run->page_size = it->r->page_size;
	run->pages = (it->s.end - it->s.start) / it->r->page_size;
	run->asid = it->r->asid;
	run->regions = 1;
	run->perm = it->r->perm;
}

static void
plan_run_join(struct vdp_iotlb_run *run, const struct plan_item *it)
{
	uint64_t run_end = run->iova + run->size;

	/* Items are sorted by start: only the part past the run's end is new. */
	if (it->s.end > run_end) {
		run->pages += iotlb_pages(run_end, it->s.end - run_end, it->r->page_size);
		run->size = it->s.end - run->iova;
	}
	if (it->r->page_size < run->page_size)
		run->page_size = it->r->page_size;
	run->perm |= it->r->perm;
	run->regions++;
}

int
iotlb_plan_build(const struct vdp_iotlb_region *regions, size_t n, struct iotlb_vec *runs)
{
	struct vdp_iotlb_run run;
	struct plan_item *items;
	bool have = false;
	size_t i;
	int ret = 0;

	runs->n = 0;
	if (n == 0)
		return 0;
	items = calloc(n, sizeof(*items));
	if (items == NULL) {
		vdp_log(VDP_LOG_ERR, "iotlb: out of memory planning %zu regions", n);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		ret = iotlb_region_shape_check(&regions[i]);
		if (ret < 0)
			goto out;
		items[i].r = &regions[i];
		items[i].s = iotlb_region_rounded(&regions[i]);
	}
	qsort(items, n, sizeof(*items), plan_item_cmp);

	for (i = 0; i < n; i++) {
		if (have && plan_run_joins(&run, &items[i])) {
			plan_run_join(&run, &items[i]);
			continue;
		}
		if (have) {
			ret = iotlb_vec_push(runs, &run);
			if (ret < 0)
				goto out;
		}
		plan_run_start(&run, &items[i]);
		have = true;
	}
	ret = iotlb_vec_push(runs, &run);
out:
	free(items);
	return ret;
}

long
vdp_iotlb_plan_regions(const struct vdp_iotlb_region *regions, size_t n,
		       struct vdp_iotlb_run *out, size_t cap)
{
	struct iotlb_vec runs;
	size_t count;
	int ret;

	if (regions == NULL && n > 0)
		return -EINVAL;
	iotlb_vec_init(&runs, sizeof(struct vdp_iotlb_run));
	ret = iotlb_plan_build(regions, n, &runs);
	if (ret < 0) {
		iotlb_vec_free(&runs);
		return ret;
	}
	count = runs.n;
	if (out != NULL && cap > 0 && count > 0)
		memcpy(out, runs.v, (count < cap ? count : cap) * sizeof(*out));
	iotlb_vec_free(&runs);
	return (long)count;
}

static int
span_cmp(const void *pa, const void *pb)
{
	const struct iotlb_span *a = pa, *b = pb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return 0;
}

/* Sort spans and merge the ones that overlap or touch, in place. */
void
iotlb_spans_merge(struct iotlb_vec *spans)
{
	struct iotlb_span *s = spans->v;
	size_t i, out = 0;

	if (spans->n < 2)
		return;
	qsort(s, spans->n, sizeof(*s), span_cmp);
	for (i = 1; i < spans->n; i++) {
		if (s[i].start <= s[out].end) {
			if (s[i].end > s[out].end)
				s[out].end = s[i].end;
			continue;
		}
		s[++out] = s[i];
	}
	spans->n = out + 1;
}
