/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/iotlb planner tests: coalescing, page rounding, invalid regions, and a seeded randomised
 * property test of the plan and of the map kept in sync with a fake device through random
 * memory events.
 *
 * IOTLB_TEST_SEED=N picks the seed, IOTLB_TEST_ITERS=N the number of iterations.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotlb_fake.h"

static long
plan(const struct vdp_iotlb_region *r, size_t n, struct vdp_iotlb_run *out, size_t cap)
{
	return vdp_iotlb_plan_regions(r, n, out, cap);
}

static void
test_contiguous_coalesce(void **state)
{
	struct vdp_iotlb_region r[4];
	struct vdp_iotlb_run run[4];
	uint64_t base = 0x7f0000000000ULL;
	int i;

	(void)state;
	/* Given out of order on purpose. */
	for (i = 0; i < 4; i++)
		r[i] = region(0, base + MIB(2) * (uint64_t)(3 - i), MIB(2), MIB(2));
	assert_int_equal(plan(r, 4, run, 4), 1);
	assert_int_equal(run[0].iova, base);
	assert_int_equal(run[0].uaddr, base);
	assert_int_equal(run[0].size, MIB(8));
	assert_int_equal(run[0].pages, 4);
	assert_int_equal(run[0].regions, 4);
	assert_int_equal(run[0].page_size, MIB(2));
	assert_int_equal(run[0].perm, VDP_IOTLB_PERM_RW);
}

static void
test_one_gib_one_message(void **state)
{
	struct vdp_iotlb_region r[512];
	struct vdp_iotlb_run run[1];
	uint64_t base = 0x100000000000ULL;
	int i;

	(void)state;
	/* 1 GiB of 2 MiB memsegs in one VA range: one UPDATE, 512 pages worst case. */
	for (i = 0; i < 512; i++)
		r[i] = region(0, base + MIB(2) * (uint64_t)i, MIB(2), MIB(2));
	assert_int_equal(plan(r, 512, run, 1), 1);
	assert_int_equal(run[0].size, GIB(1));
	assert_int_equal(run[0].pages, 512);
}

static void
test_gap_and_asid_split(void **state)
{
	struct vdp_iotlb_region r[4];
	struct vdp_iotlb_run run[4];

	(void)state;
	r[0] = region(0, GIB(1), MIB(2), MIB(2));
	r[1] = region(0, GIB(1) + MIB(4), MIB(2), MIB(2));	/* a 2 MiB hole */
	r[2] = region(1, GIB(1) + MIB(2), MIB(2), MIB(2));	/* fills the hole, other ASID */
	r[3] = region(1, GIB(1) + MIB(4), MIB(2), MIB(2));
	assert_int_equal(plan(r, 4, run, 4), 3);
	assert_int_equal(run[0].asid, 0);
	assert_int_equal(run[0].iova, GIB(1));
	assert_int_equal(run[0].size, MIB(2));
	assert_int_equal(run[1].asid, 0);
	assert_int_equal(run[1].iova, GIB(1) + MIB(4));
	assert_int_equal(run[2].asid, 1);
	assert_int_equal(run[2].iova, GIB(1) + MIB(2));
	assert_int_equal(run[2].size, MIB(4));
}

static void
test_touching_needs_same_kind(void **state)
{
	struct vdp_iotlb_region r[3];
	struct vdp_iotlb_run run[3];

	(void)state;
	/* Touching runs with different page sizes or permissions stay apart. */
	r[0] = region(0, GIB(2), MIB(2), MIB(2));
	r[1] = region(0, GIB(2) + MIB(2), KIB(8), KIB(4));
	r[2] = region(0, GIB(2) + MIB(2) + KIB(8), KIB(4), KIB(4));
	r[2].perm = VDP_IOTLB_PERM_RO;
	assert_int_equal(plan(r, 3, run, 3), 3);
	assert_int_equal(run[0].size, MIB(2));
	assert_int_equal(run[1].size, KIB(8));
	assert_int_equal(run[2].perm, VDP_IOTLB_PERM_RO);
}

static void
test_page_rounding(void **state)
{
	struct vdp_iotlb_region r[2];
	struct vdp_iotlb_run run[2];

	(void)state;
	/* Start rounds down, end rounds up, to the page size. */
	r[0] = region(0, GIB(1) + MIB(2) + 0x1234, 0x1000, MIB(2));
	assert_int_equal(plan(r, 1, run, 2), 1);
	assert_int_equal(run[0].iova, GIB(1) + MIB(2));
	assert_int_equal(run[0].size, MIB(2));
	assert_int_equal(run[0].pages, 1);

	/* Across a page boundary: two pages. */
	r[0] = region(0, GIB(1) + MIB(2) - 1, 2, MIB(2));
	assert_int_equal(plan(r, 1, run, 2), 1);
	assert_int_equal(run[0].iova, GIB(1));
	assert_int_equal(run[0].size, MIB(4));
	assert_int_equal(run[0].pages, 2);

	/* Two regions in one page: their rounded ranges overlap, so one run. */
	r[0] = region(0, GIB(1) + 0x1000, 0x1000, MIB(2));
	r[1] = region(0, GIB(1) + 0x8000, 0x1000, MIB(2));
	assert_int_equal(plan(r, 2, run, 2), 1);
	assert_int_equal(run[0].size, MIB(2));
	assert_int_equal(run[0].pages, 1);
	assert_int_equal(run[0].regions, 2);

	/* Rounded ranges that only touch, same page size: one run. */
	r[0] = region(0, GIB(1) + 0x1000, MIB(2), MIB(2));	/* -> [1G, 1G+4M) */
	r[1] = region(0, GIB(1) + MIB(4) + 0x10, 0x10, MIB(2));	/* -> [1G+4M, 1G+6M) */
	assert_int_equal(plan(r, 2, run, 2), 1);
	assert_int_equal(run[0].size, MIB(6));
	assert_int_equal(run[0].pages, 3);
}

static void
test_overlap_mixed_page_sizes(void **state)
{
	struct vdp_iotlb_region r[2];
	struct vdp_iotlb_run run[2];

	(void)state;
	/*
	 * A 4 KiB-page region inside the rounded range of a 2 MiB-page region: two UPDATEs over
	 * the same page would collide in the kernel, so they merge, and the run keeps the
	 * smaller page size for the PA-mode estimate.
	 */
	r[0] = region(0, GIB(1), MIB(1), MIB(2));		/* -> [1G, 1G+2M) */
	r[1] = region(0, GIB(1) + MIB(1), KIB(8), KIB(4));
	r[1].perm = VDP_IOTLB_PERM_RO;
	assert_int_equal(plan(r, 2, run, 2), 1);
	assert_int_equal(run[0].iova, GIB(1));
	assert_int_equal(run[0].size, MIB(2));
	assert_int_equal(run[0].page_size, KIB(4));
	assert_int_equal(run[0].perm, VDP_IOTLB_PERM_RW);
}

static void
test_invalid_regions(void **state)
{
	struct vdp_iotlb_region r;

	(void)state;
	log_capture_start();
	r = region(0, GIB(1), 0, MIB(2));
	assert_int_equal(plan(&r, 1, NULL, 0), -EINVAL);
	assert_true(log_contains("length 0"));
	r = region(0, GIB(1), MIB(2), MIB(3));
	assert_int_equal(plan(&r, 1, NULL, 0), -EINVAL);
	r = region(0, GIB(1), MIB(2), 2048);
	assert_int_equal(plan(&r, 1, NULL, 0), -EINVAL);
	assert_true(log_contains("not a power of two >= 4 KiB"));
	r = region(0, GIB(1), MIB(2), MIB(2));
	r.perm = 0;
	assert_int_equal(plan(&r, 1, NULL, 0), -EINVAL);
	r.perm = 4;
	assert_int_equal(plan(&r, 1, NULL, 0), -EINVAL);
	r = region(0, UINT64_MAX - MIB(1), MIB(2), MIB(2));
	assert_int_equal(plan(&r, 1, NULL, 0), -EINVAL);
	r = region(0, UINT64_MAX - MIB(3), MIB(2), MIB(2));	/* rounds up past 2^64 */
	assert_int_equal(plan(&r, 1, NULL, 0), -EINVAL);
	assert_true(log_contains("wraps"));
	log_capture_stop();
}

static void
test_plan_output_cap(void **state)
{
	struct vdp_iotlb_region r[3];
	struct vdp_iotlb_run run[2];

	(void)state;
	r[0] = region(0, GIB(1), MIB(2), MIB(2));
	r[1] = region(0, GIB(2), MIB(2), MIB(2));
	r[2] = region(0, GIB(3), MIB(2), MIB(2));
	/* Like snprintf: the count is the plan's, only cap runs are written. */
	assert_int_equal(plan(r, 3, NULL, 0), 3);
	memset(run, 0, sizeof(run));
	assert_int_equal(plan(r, 3, run, 1), 3);
	assert_int_equal(run[0].iova, GIB(1));
	assert_int_equal(run[1].iova, 0);
	assert_int_equal(plan(NULL, 0, NULL, 0), 0);
}

/* --- the randomised property test ------------------------------------------------------------ */

static uint64_t rng;

static uint64_t
rnd(void)
{
	/* xorshift64*: small, seeded, the same on every machine */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t
rnd_below(uint64_t n)
{
	return n == 0 ? 0 : rnd() % n;
}

static uint64_t
rnd_page_size(void)
{
	uint64_t x = rnd_below(10);

	if (x < 4)
		return KIB(4);
	if (x < 9)
		return MIB(2);
	return GIB(1);
}

/* A random region starting at or after *cursor, which moves past it. */
static struct vdp_iotlb_region
rnd_region(uint32_t asid, uint64_t *cursor)
{
	uint64_t ps = rnd_page_size();
	struct vdp_iotlb_region r;
	uint64_t gap, len;

	switch (rnd_below(5)) {
	case 0:
		gap = 0;				/* touching */
		break;
	case 1:
		gap = rnd_below(KIB(16));		/* unaligned, often inside one page */
		break;
	case 2:
		gap = ps * (1 + rnd_below(3));		/* a page hole */
		break;
	case 3:
		gap = (ps - (*cursor & (ps - 1))) & (ps - 1);	/* align up to the page */
		break;
	default:
		gap = rnd_below(GIB(4));
		break;
	}
	len = ps == GIB(1) ? ps * (1 + rnd_below(2)) : ps * (1 + rnd_below(8));
	if (rnd_below(4) == 0)
		len = 1 + rnd_below(len);		/* not a whole number of pages */
	r = region(asid, *cursor + gap, len, ps);
	if (rnd_below(8) == 0)
		r.perm = VDP_IOTLB_PERM_RO;
	*cursor = r.va + r.len;
	return r;
}

static size_t
rnd_regions(struct vdp_iotlb_region *r, size_t max)
{
	uint64_t cursor[3];
	size_t n = 1 + rnd_below(max), i;

	for (i = 0; i < 3; i++)
		cursor[i] = 0x10000000000ULL + rnd_below(GIB(64));
	for (i = 0; i < n; i++) {
		uint32_t asid = (uint32_t)rnd_below(3);

		r[i] = rnd_region(asid, &cursor[asid]);
	}
	/* Shuffle: the planner must not depend on input order. */
	for (i = n; i > 1; i--) {
		size_t j = rnd_below(i);
		struct vdp_iotlb_region t = r[i - 1];

		r[i - 1] = r[j];
		r[j] = t;
	}
	return n;
}

static uint64_t
rounded_start(const struct vdp_iotlb_region *r)
{
	return r->va & ~(r->page_size - 1);
}

static uint64_t
rounded_end(const struct vdp_iotlb_region *r)
{
	return (r->va + r->len + r->page_size - 1) & ~(r->page_size - 1);
}

/* The union of the rounded ranges of the run's regions is exactly the run. */
static void
check_run_union(const struct vdp_iotlb_run *run, const struct vdp_iotlb_region *r, size_t n)
{
	uint64_t at = run->iova, end = run->iova + run->size;
	unsigned int members = 0;
	bool progress = true;
	size_t i;

	for (i = 0; i < n; i++)
		members += r[i].asid == run->asid && r[i].va >= run->iova && r[i].va < end;
	assert_int_equal(members, run->regions);
	/* Sweep: extend the covered prefix until no member extends it. */
	while (at < end && progress) {
		progress = false;
		for (i = 0; i < n; i++) {
			if (r[i].asid != run->asid || rounded_start(&r[i]) > at ||
			    rounded_end(&r[i]) <= at || r[i].va < run->iova || r[i].va >= end)
				continue;
			at = rounded_end(&r[i]);
			progress = true;
		}
	}
	assert_int_equal(at, end);
}

static void
check_plan(const struct vdp_iotlb_region *r, size_t n, const struct vdp_iotlb_run *run,
	   size_t nrun)
{
	unsigned int total = 0;
	size_t i, j;

	for (i = 0; i < nrun; i++) {
		assert_true(run[i].size > 0);
		assert_int_equal(run[i].iova, run[i].uaddr);
		assert_int_equal(run[i].iova % run[i].page_size, 0);
		assert_int_equal((run[i].iova + run[i].size) % run[i].page_size, 0);
		assert_true(run[i].pages >= run[i].size / MIB(1024) || run[i].pages > 0);
		total += run[i].regions;
		if (i + 1 < nrun && run[i + 1].asid == run[i].asid)	/* sorted, no overlap */
			assert_true(run[i].iova + run[i].size <= run[i + 1].iova);
		else if (i + 1 < nrun)
			assert_true(run[i].asid < run[i + 1].asid);
		check_run_union(&run[i], r, n);
	}
	assert_int_equal(total, n);
	/* Every region byte lies in exactly one run (and whole regions in one run). */
	for (j = 0; j < n; j++) {
		unsigned int meets = 0, holds = 0;

		for (i = 0; i < nrun; i++) {
			if (run[i].asid != r[j].asid)
				continue;
			meets += run[i].iova < r[j].va + r[j].len &&
				 r[j].va < run[i].iova + run[i].size;
			holds += run[i].iova <= r[j].va &&
				 r[j].va + r[j].len <= run[i].iova + run[i].size;
		}
		assert_int_equal(meets, 1);
		assert_int_equal(holds, 1);
	}
}

static uint64_t
seed_get(void)
{
	const char *s = getenv("IOTLB_TEST_SEED");

	return s != NULL ? strtoull(s, NULL, 0) : 0x5eed1071bULL;
}

static long
iters_get(long dflt)
{
	const char *s = getenv("IOTLB_TEST_ITERS");

	return s != NULL ? strtol(s, NULL, 0) : dflt;
}

#define MAX_REGIONS 48

static void
test_property_plan(void **state)
{
	struct vdp_iotlb_region r[MAX_REGIONS];
	struct vdp_iotlb_run run[MAX_REGIONS];
	long it, iters = iters_get(10000);
	long nrun;
	size_t n;

	(void)state;
	rng = seed_get();
	fprintf(stderr, "property plan: seed %#" PRIx64 ", %ld iterations\n", rng, iters);
	for (it = 0; it < iters; it++) {
		n = rnd_regions(r, MAX_REGIONS);
		nrun = plan(r, n, run, MAX_REGIONS);
		assert_true(nrun >= 1 && (size_t)nrun <= n);
		check_plan(r, n, run, (size_t)nrun);
	}
}

/* --- the map through random memory events ---------------------------------------------------- */

static void
quiet_log(enum vdp_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

/* Entries: no overlap per ASID, each ASID within the cap, every region byte held, and every
 * held byte inside some region's rounded range. */
static void
check_map(const struct vdp_iotlb *map, const struct fake *f, uint32_t cap)
{
	struct vdp_iotlb_region r[4 * MAX_REGIONS];
	const struct vdp_iotlb_entry *e = f->ents;
	size_t nr, i, j;
	uint64_t at;

	fake_assert_same(f, map);
	assert_int_equal(f->protocol_errors, 0);
	assert_false(f->in_batch);
	nr = vdp_iotlb_regions(map, r, 4 * MAX_REGIONS);
	assert_true(nr <= 4 * MAX_REGIONS);
	for (i = 0; i < f->n_ents; i++) {
		if (i + 1 < f->n_ents && e[i + 1].asid == e[i].asid)
			assert_true(e[i].iova + e[i].size <= e[i + 1].iova);
		assert_true(vdp_iotlb_asid_entries(map, e[i].asid) <= cap);
		/* Held bytes are planned bytes: sweep the entry with rounded regions. */
		at = e[i].iova;
		for (j = 0; j < nr && at < e[i].iova + e[i].size; j++) {
			if (r[j].asid == e[i].asid && rounded_start(&r[j]) <= at &&
			    rounded_end(&r[j]) > at) {
				at = rounded_end(&r[j]);
				/* restart: regions are sorted by VA, not by rounded start */
				j = (size_t)-1;
			}
		}
		assert_true(at >= e[i].iova + e[i].size);
	}
	for (j = 0; j < nr; j++) {
		at = r[j].va;
		for (i = 0; i < f->n_ents && at < r[j].va + r[j].len; i++) {
			if (e[i].asid == r[j].asid && e[i].iova <= at &&
			    e[i].iova + e[i].size > at) {
				at = e[i].iova + e[i].size;
				i = (size_t)-1;
			}
		}
		assert_true(at >= r[j].va + r[j].len);
	}
}

/* A random sub-range of a random recorded region. */
static void
pick_removal(const struct vdp_iotlb *map, uint32_t *asid, uint64_t *va, uint64_t *len)
{
	struct vdp_iotlb_region r[4 * MAX_REGIONS];
	size_t nr = vdp_iotlb_regions(map, r, 4 * MAX_REGIONS), k = rnd_below(nr);
	uint64_t off;

	*asid = r[k].asid;
	if (rnd_below(2) == 0) {
		*va = r[k].va;
		*len = r[k].len;
		/* Sometimes across the touching regions that follow, in one call. */
		while (rnd_below(2) == 0 && k + 1 < nr && r[k + 1].asid == *asid &&
		       r[k + 1].va == *va + *len) {
			*len += r[k + 1].len;
			k++;
		}
		return;
	}
	off = rnd_below(r[k].len);
	*va = r[k].va + off;
	*len = 1 + rnd_below(r[k].len - off);
}

static bool
overlaps_recorded(const struct vdp_iotlb *map, const struct vdp_iotlb_region *c)
{
	struct vdp_iotlb_region r[4 * MAX_REGIONS];
	size_t nr = vdp_iotlb_regions(map, r, 4 * MAX_REGIONS), i;

	for (i = 0; i < nr; i++) {
		if (r[i].asid == c->asid && r[i].va < c->va + c->len && c->va < r[i].va + r[i].len)
			return true;
	}
	return false;
}

/* A legacy reset cycle: nothing held in between, then exactly the plan, re-coalesced. */
static void
legacy_reset(struct vdp_iotlb *map, struct fake *f)
{
	struct vdp_iotlb_run run[4 * MAX_REGIONS];
	struct vdp_iotlb_entry ents[4 * MAX_REGIONS];
	long nrun, i;

	assert_int_equal(vdp_iotlb_before_reset(map), 0);
	assert_int_equal(f->n_ents, 0);
	assert_int_equal(vdp_iotlb_entries(map, NULL, 0), 0);
	assert_int_equal(vdp_iotlb_after_reset(map), 0);
	nrun = vdp_iotlb_plan(map, run, 4 * MAX_REGIONS);
	assert_true(nrun >= 0 && nrun <= 4 * MAX_REGIONS);
	assert_int_equal(vdp_iotlb_entries(map, ents, 4 * MAX_REGIONS), (size_t)nrun);
	for (i = 0; i < nrun; i++) {
		assert_int_equal(ents[i].asid, run[i].asid);
		assert_int_equal(ents[i].iova, run[i].iova);
		assert_int_equal(ents[i].size, run[i].size);
	}
}

/*
 * One random memory event on a mapped map, sometimes with a failure injected at one of its
 * messages; either way the map must stay in sync with the fake.
 */
static void
random_event(struct vdp_iotlb *map, struct fake *f, unsigned int *rejected,
	     unsigned int *failed)
{
	size_t msgs = f->n_msgs, regions = vdp_iotlb_region_count(map);
	bool inject = rnd_below(4) == 0;
	struct vdp_iotlb_region c;
	bool expect_exist = false;
	uint64_t va, len, cursor;
	uint32_t asid;
	int ret;

	if (rnd_below(10) == 0) {
		legacy_reset(map, f);
		return;
	}
	if (inject)
		f->fail_at = (long)f->n_msgs + (long)rnd_below(6);

	if (regions > 0 && rnd_below(2) == 0) {
		pick_removal(map, &asid, &va, &len);
		ret = vdp_iotlb_unmap_region(map, asid, va, len);
	} else {
		asid = (uint32_t)rnd_below(3);
		cursor = 0x10000000000ULL + rnd_below(GIB(80));
		c = rnd_region(asid, &cursor);
		expect_exist = overlaps_recorded(map, &c);
		ret = vdp_iotlb_map_region(map, &c);
	}
	f->fail_at = -1;
	if (ret == -EFAULT && inject) {
		/* Rolled back, or only BATCH_END failed and the change was kept. */
		(*failed)++;
		return;
	}
	if (expect_exist)
		assert_int_equal(ret, -EEXIST);
	else if (ret == -ENOSPC)
		(*rejected)++;
	else
		assert_int_equal(ret, 0);
	if (ret < 0) {
		/* Rejected before sending: nothing sent, nothing recorded. */
		assert_int_equal(f->n_msgs, msgs);
		assert_int_equal(vdp_iotlb_region_count(map), regions);
	}
}

static void
test_property_map(void **state)
{
	struct vdp_iotlb_region r[MAX_REGIONS];
	struct vdp_iotlb_run run[MAX_REGIONS];
	struct vdp_iotlb_entry ents[MAX_REGIONS];
	long it, iters = iters_get(10000) / 5 + 1;
	unsigned int ok = 0, nospc = 0, ev_nospc = 0, ev_failed = 0;
	struct vdp_iotlb *map;
	struct fake f;
	size_t n, i, k;
	long nrun;

	(void)state;
	rng = seed_get() ^ 0xabcdef;
	fprintf(stderr, "property map: seed %#" PRIx64 ", %ld iterations\n", rng, iters);
	vdp_log_set_handler(quiet_log, NULL);
	for (it = 0; it < iters; it++) {
		uint32_t cap = 1 + (uint32_t)rnd_below(24);
		size_t per_asid[3] = { 0 };
		bool over = false;
		int ret;

		fake_init(&f);
		assert_int_equal(vdp_iotlb_create(&fake_ops, &f, &map), 0);
		vdp_iotlb_set_entry_cap(map, cap);
		vdp_iotlb_set_batch(map, rnd_below(2));
		vdp_iotlb_set_pa_mode(map, rnd_below(2));
		n = rnd_regions(r, MAX_REGIONS / 2);
		for (i = 0; i < n; i++)
			assert_int_equal(vdp_iotlb_region_add(map, &r[i]), 0);
		nrun = vdp_iotlb_plan(map, run, MAX_REGIONS);
		assert_true(nrun > 0 && nrun <= MAX_REGIONS);
		for (i = 0; i < (size_t)nrun; i++)
			over |= ++per_asid[run[i].asid] > cap;

		ret = vdp_iotlb_map_all(map);
		if (over) {
			/* The plan alone exceeds the cap: rejected before anything is sent. */
			assert_int_equal(ret, -ENOSPC);
			assert_int_equal(f.n_msgs, 0);
			assert_int_equal(vdp_iotlb_entries(map, NULL, 0), 0);
			nospc++;
			goto next;
		}
		/* The initial map is the plan, one UPDATE per run. */
		assert_int_equal(ret, 0);
		assert_int_equal(fake_count(&f, FAKE_UPDATE), (size_t)nrun);
		assert_int_equal(vdp_iotlb_entries(map, ents, MAX_REGIONS), (size_t)nrun);
		for (i = 0; i < (size_t)nrun; i++) {
			assert_int_equal(ents[i].asid, run[i].asid);
			assert_int_equal(ents[i].iova, run[i].iova);
			assert_int_equal(ents[i].size, run[i].size);
		}
		check_map(map, &f, cap);
		ok++;

		for (k = 0; k < 16; k++) {
			random_event(map, &f, &ev_nospc, &ev_failed);
			check_map(map, &f, cap);
		}
		assert_int_equal(vdp_iotlb_unmap_all(map), 0);
		assert_int_equal(f.n_ents, 0);
		assert_int_equal(vdp_iotlb_entries(map, NULL, 0), 0);
next:
		vdp_iotlb_destroy(map);
		fake_free(&f);
	}
	vdp_log_set_handler(NULL, NULL);
	fprintf(stderr, "property map: %u mapped (events: %u over the cap, %u failed and rolled "
		"back), %u rejected at the initial map (cap)\n", ok, ev_nospc, ev_failed, nospc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contiguous_coalesce),
		cmocka_unit_test(test_one_gib_one_message),
		cmocka_unit_test(test_gap_and_asid_split),
		cmocka_unit_test(test_touching_needs_same_kind),
		cmocka_unit_test(test_page_rounding),
		cmocka_unit_test(test_overlap_mixed_page_sizes),
		cmocka_unit_test(test_invalid_regions),
		cmocka_unit_test(test_plan_output_cap),
		cmocka_unit_test(test_property_plan),
		cmocka_unit_test(test_property_map),
	};

	return cmocka_run_group_tests_name("iotlb_plan", tests, NULL, NULL);
}
