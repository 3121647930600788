/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/iotlb sending tests against a fake device: groups and batches, validation before anything
 * is sent (IOVA range, entry cap), the PA-mode warning, rollback on a failure at every position
 * of a group, incremental add and remove, and the failure explanations.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "iotlb_fake.h"

static void
add(struct t *t, uint32_t asid, uint64_t va, uint64_t len, uint64_t ps)
{
	struct vdp_iotlb_region r = region(asid, va, len, ps);

	assert_int_equal(vdp_iotlb_region_add(t->map, &r), 0);
}

static void
expect_msg(const struct fake *f, size_t i, enum fake_type type, uint32_t asid, uint64_t iova,
	   uint64_t size, int ret)
{
	assert_true(i < f->n_msgs);
	assert_int_equal(f->msgs[i].type, type);
	assert_int_equal(f->msgs[i].asid, asid);
	if (type == FAKE_UPDATE || type == FAKE_INVALIDATE) {
		assert_int_equal(f->msgs[i].iova, iova);
		assert_int_equal(f->msgs[i].size, size);
	}
	if (type == FAKE_UPDATE)
		assert_int_equal(f->msgs[i].uaddr, iova);
	assert_int_equal(f->msgs[i].ret, ret);
}

/* --- groups ---------------------------------------------------------------------------------- */

static void
test_map_all_groups(void **state)
{
	struct t *t = *state;
	struct vdp_iotlb_stats st;

	add(t, 0, GIB(1), MIB(2), MIB(2));
	add(t, 0, GIB(1) + MIB(2), MIB(2), MIB(2));
	add(t, 0, GIB(3), MIB(2), MIB(2));
	add(t, 1, GIB(1), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);

	assert_int_equal(t->f.n_msgs, 7);
	expect_msg(&t->f, 0, FAKE_BEGIN, 0, 0, 0, 0);
	expect_msg(&t->f, 1, FAKE_UPDATE, 0, GIB(1), MIB(4), 0);
	expect_msg(&t->f, 2, FAKE_UPDATE, 0, GIB(3), MIB(2), 0);
	expect_msg(&t->f, 3, FAKE_END, 0, 0, 0, 0);
	expect_msg(&t->f, 4, FAKE_BEGIN, 1, 0, 0, 0);
	expect_msg(&t->f, 5, FAKE_UPDATE, 1, GIB(1), MIB(2), 0);
	expect_msg(&t->f, 6, FAKE_END, 1, 0, 0, 0);
	assert_int_equal(t->f.msgs[1].perm, VDP_IOTLB_PERM_RW);
	fake_assert_same(&t->f, t->map);

	vdp_iotlb_stats_get(t->map, &st);
	assert_int_equal(st.update_msgs, 3);
	assert_int_equal(st.invalidate_msgs, 0);
	assert_int_equal(st.batches, 2);
	assert_int_equal(st.groups, 2);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.asid_entries[0], 2);
	assert_int_equal(st.asid_entries[1], 1);
	assert_int_equal(st.mapped_bytes, MIB(8));
	assert_int_equal(st.est_kernel_entries, 4);
	assert_int_equal(st.failures, 0);
	assert_null(st.last_error.op);

	/* In sync: a second map_all sends nothing. */
	fake_clear_msgs(&t->f);
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	assert_int_equal(t->f.n_msgs, 0);
}

static void
test_map_all_no_batch(void **state)
{
	struct t *t = *state;
	struct vdp_iotlb_stats st;

	vdp_iotlb_set_batch(t->map, false);
	add(t, 0, GIB(1), MIB(2), MIB(2));
	add(t, 1, GIB(1), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	assert_int_equal(t->f.n_msgs, 2);
	assert_int_equal(fake_count(&t->f, FAKE_BEGIN), 0);
	assert_int_equal(fake_count(&t->f, FAKE_END), 0);
	vdp_iotlb_stats_get(t->map, &st);
	assert_int_equal(st.batches, 0);
	assert_int_equal(st.groups, 2);
}

/* --- validation ------------------------------------------------------------------------------ */

static void
test_range_rejection(void **state)
{
	struct vdp_iotlb_region low = region(0, 0, MIB(2), MIB(2));
	struct t *t = *state;
	struct vdp_iotlb_stats st;

	add(t, 0, GIB(1), MIB(2), MIB(2));
	add(t, 0, GIB(4) - MIB(1), MIB(1), MIB(2));	/* rounds to [4G-2M, 4G) */
	assert_int_equal(vdp_iotlb_set_iova_range(t->map, 0, GIB(4) - MIB(1) - 1), 0);
	assert_int_equal(vdp_iotlb_map_all(t->map), -ERANGE);
	assert_int_equal(t->f.n_msgs, 0);
	assert_true(log_contains("outside the device IOVA range [0, 0xffefffff]"));
	vdp_iotlb_stats_get(t->map, &st);
	assert_int_equal(st.failures, 1);
	assert_string_equal(st.last_error.op, "validate");
	assert_int_equal(st.last_error.err, ERANGE);
	assert_int_equal(st.last_error.iova, GIB(4) - MIB(2));
	assert_int_equal(st.last_error.size, MIB(2));
	assert_non_null(strstr(st.last_error.explain, "nothing was sent"));

	/* Rounded out, the run fits: accepted. */
	assert_int_equal(vdp_iotlb_set_iova_range(t->map, MIB(2), GIB(4) - 1), 0);
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	assert_int_equal(fake_count(&t->f, FAKE_UPDATE), 2);

	/* An incremental add below the range: rejected, not recorded, nothing sent. */
	fake_clear_msgs(&t->f);
	assert_int_equal(vdp_iotlb_map_region(t->map, &low), -ERANGE);
	assert_int_equal(t->f.n_msgs, 0);
	assert_int_equal(vdp_iotlb_region_count(t->map), 2);
	assert_int_equal(vdp_iotlb_set_iova_range(t->map, 5, 4), -EINVAL);
}

static void
test_cap_rejection(void **state)
{
	struct t *t = *state;
	struct vdp_iotlb_region r;

	vdp_iotlb_set_entry_cap(t->map, 2);
	add(t, 0, GIB(1), MIB(2), MIB(2));
	add(t, 0, GIB(2), MIB(2), MIB(2));
	add(t, 0, GIB(3), MIB(2), MIB(2));
	add(t, 1, GIB(3), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_all(t->map), -ENOSPC);
	/* Validation covers every ASID before the first message: ASID 1 fits, yet nothing went. */
	assert_int_equal(t->f.n_msgs, 0);
	assert_true(log_contains("ASID 0: the plan needs 3 entries (0 held, 0 invalidated, 3 new), "
				 "over the cap of 2 per ASID"));

	vdp_iotlb_set_entry_cap(t->map, 3);
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	assert_int_equal(vdp_iotlb_asid_entries(t->map, 0), 3);

	/* Held entries count: a fourth, even contiguous with a run, is over the cap. */
	fake_clear_msgs(&t->f);
	r = region(0, GIB(1) + MIB(2), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), -ENOSPC);
	assert_int_equal(t->f.n_msgs, 0);
	assert_int_equal(vdp_iotlb_region_count(t->map), 4);
	/* Other ASIDs have their own cap. */
	r = region(1, GIB(1), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), 0);
	fake_assert_same(&t->f, t->map);

	/* No cap (kernels before 6.12.115). */
	vdp_iotlb_set_entry_cap(t->map, 0);
	r = region(0, GIB(1) + MIB(2), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), 0);
	assert_int_equal(vdp_iotlb_asid_entries(t->map, 0), 4);
}

static void
test_pa_warning(void **state)
{
	struct t *t = *state;
	struct vdp_iotlb_region r;

	/* 1536 pages of 2 MiB in one run: one message, up to 1536 kernel entries (75%). */
	r = region(0, GIB(4), MIB(2) * 1536, MIB(2));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), 0);
	assert_int_equal(t->f.n_msgs, 3);
	assert_true(log_contains("ASID 0: in PA mode the kernel may need up to 1536 entries for "
				 "3 GiB in 1536 pages of 2 MiB"));
	assert_true(log_contains("75% of the 2048-entry per-ASID cap"));
	assert_true(log_contains("1 GiB hugepages would avoid it (with 1 GiB pages: at most 3 "
				 "entries)"));

	/* Already over 75%: growing further does not warn again. */
	log_capture_start();
	r = region(0, GIB(8), MIB(2) * 10, MIB(2));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), 0);
	assert_false(log_contains("PA mode"));

	/* Below 75% nothing; VA mode never. */
	fake_map_reinit(t);
	log_capture_start();
	r = region(0, GIB(4), MIB(2) * 1535, MIB(2));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), 0);
	assert_false(log_contains("PA mode"));
	/* Crossing 75% with an incremental add warns. */
	r = region(0, GIB(8), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), 0);
	assert_true(log_contains("up to 1536 entries"));

	fake_map_reinit(t);
	log_capture_start();
	vdp_iotlb_set_pa_mode(t->map, false);
	r = region(0, GIB(4), MIB(2) * 2000, MIB(2));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), 0);
	assert_false(log_contains("PA mode"));

	/* 1 GiB pages already: the advice changes. */
	fake_map_reinit(t);
	log_capture_start();
	r = region(0, GIB(4096), GIB(1600), GIB(1));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), 0);
	assert_true(log_contains("already in 1 GiB pages"));

	/* Near the cap even at 1 GiB per entry: no false promise. */
	fake_map_reinit(t);
	log_capture_start();
	vdp_iotlb_set_entry_cap(t->map, 4);
	add(t, 0, GIB(4), MIB(2), MIB(2));
	add(t, 0, GIB(8), MIB(2), MIB(2));
	add(t, 0, GIB(12), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	assert_true(log_contains("Even 1 GiB hugepages would stay near the cap"));
}

/* --- rollback -------------------------------------------------------------------------------- */

/* Five runs in ASID 0: BEGIN, 5 UPDATEs, END. Fail each message in turn. */
static void
test_rollback_map_all_every_position(void **state)
{
	struct t *t = *state;
	struct vdp_iotlb_stats st;
	long pos, k, i;

	for (pos = 0; pos < 7; pos++) {
		fake_map_reinit(t);
		for (i = 0; i < 5; i++)
			add(t, 0, GIB(1) * (uint64_t)(i + 1), MIB(4), MIB(2));
		t->f.fail_at = pos;
		assert_int_equal(vdp_iotlb_map_all(t->map), -EFAULT);
		fake_assert_same(&t->f, t->map);
		assert_false(t->f.in_batch);
		assert_int_equal(t->f.protocol_errors, 0);
		vdp_iotlb_stats_get(t->map, &st);
		assert_int_equal(st.failures, 1);
		assert_int_equal(st.last_error.err, EFAULT);
		if (pos == 0) {
			assert_string_equal(st.last_error.op, "batch_begin");
			assert_int_equal(t->f.n_msgs, 1);
			assert_int_equal(vdp_iotlb_entries(t->map, NULL, 0), 0);
			continue;
		}
		if (pos == 6) {
			/* Every UPDATE was accepted: the kernel holds them, so does the view. */
			assert_string_equal(st.last_error.op, "batch_end");
			assert_int_equal(vdp_iotlb_entries(t->map, NULL, 0), 5);
			assert_int_equal(st.rollbacks, 0);
			continue;
		}
		/* UPDATE k failed: k accepted, then undone newest first, inside the batch. */
		k = pos - 1;
		assert_string_equal(st.last_error.op, "update");
		assert_int_equal(st.last_error.iova, GIB(1) * (uint64_t)(k + 1));
		assert_int_equal(st.last_error.size, MIB(4));
		assert_int_equal(st.last_error.asid, 0);
		assert_int_equal(st.rollbacks, k > 0);
		assert_int_equal(vdp_iotlb_entries(t->map, NULL, 0), 0);
		assert_int_equal(t->f.n_msgs, (size_t)(1 + k + 1 + k + 1));
		for (i = 0; i < k; i++)
			expect_msg(&t->f, (size_t)(1 + k + 1 + i), FAKE_INVALIDATE, 0,
				   GIB(1) * (uint64_t)(k - i), MIB(4), 0);
		expect_msg(&t->f, t->f.n_msgs - 1, FAKE_END, 0, 0, 0, 0);
		if (k > 0)
			assert_true(log_contains("rolled back"));
	}
}

/* Without batching the same rollback, minus BEGIN/END. */
static void
test_rollback_no_batch(void **state)
{
	struct t *t = *state;
	long pos, i;

	for (pos = 0; pos < 3; pos++) {
		fake_map_reinit(t);
		vdp_iotlb_set_batch(t->map, false);
		for (i = 0; i < 3; i++)
			add(t, 0, GIB(1) * (uint64_t)(i + 1), MIB(2), MIB(2));
		t->f.fail_update_at = pos;
		assert_int_equal(vdp_iotlb_map_all(t->map), -EFAULT);
		fake_assert_same(&t->f, t->map);
		assert_int_equal(vdp_iotlb_entries(t->map, NULL, 0), 0);
		assert_int_equal(fake_count(&t->f, FAKE_INVALIDATE), (size_t)pos);
		assert_int_equal(fake_count(&t->f, FAKE_BEGIN), 0);
	}
}

/*
 * A, B, C coalesced in one entry; removing B is INVALIDATE(ABC), UPDATE(A), UPDATE(C) in one
 * batch. Fail each of BEGIN, INVALIDATE, UPDATE A, UPDATE C, END.
 */
static void
test_rollback_replan_every_position(void **state)
{
	struct vdp_iotlb_entry abc = { .iova = GIB(1), .size = MIB(6), .asid = 0 };
	struct vdp_iotlb_entry ac[2] = {
		{ .iova = GIB(1), .size = MIB(2), .asid = 0 },
		{ .iova = GIB(1) + MIB(4), .size = MIB(2), .asid = 0 },
	};
	struct t *t = *state;
	size_t base;
	long pos;

	for (pos = 0; pos < 5; pos++) {
		fake_map_reinit(t);
		add(t, 0, GIB(1), MIB(2), MIB(2));
		add(t, 0, GIB(1) + MIB(2), MIB(2), MIB(2));
		add(t, 0, GIB(1) + MIB(4), MIB(2), MIB(2));
		assert_int_equal(vdp_iotlb_map_all(t->map), 0);
		map_assert_entries(t->map, &abc, 1);
		base = t->f.n_msgs;
		t->f.fail_at = (long)base + pos;
		assert_int_equal(vdp_iotlb_unmap_region(t->map, 0, GIB(1) + MIB(2), MIB(2)),
				 -EFAULT);
		fake_assert_same(&t->f, t->map);
		assert_false(t->f.in_batch);
		assert_int_equal(t->f.protocol_errors, 0);
		if (pos == 4) {
			/* Only BATCH_END failed: the removal took effect and is kept. */
			map_assert_entries(t->map, ac, 2);
			assert_int_equal(vdp_iotlb_region_count(t->map), 2);
			continue;
		}
		/* Before the failed group: one entry, three regions. */
		map_assert_entries(t->map, &abc, 1);
		assert_int_equal(vdp_iotlb_region_count(t->map), 3);
		if (pos > 0)	/* the batch is closed whatever failed inside it */
			expect_msg(&t->f, t->f.n_msgs - 1, FAKE_END, 0, 0, 0, 0);
		if (pos == 3) {
			/* BEGIN, INV ABC, UPD A, UPD C (failed), INV A, UPD ABC, END */
			assert_int_equal(t->f.n_msgs - base, 7);
			expect_msg(&t->f, base + 4, FAKE_INVALIDATE, 0, GIB(1), MIB(2), 0);
			expect_msg(&t->f, base + 5, FAKE_UPDATE, 0, GIB(1), MIB(6), 0);
		}
	}
}

/*
 * A 1 GiB-page region whose rounded range spans two held entries: one group of two UPDATEs
 * (the holes). Fail each message.
 */
static void
test_rollback_pieces_every_position(void **state)
{
	struct vdp_iotlb_entry before[2] = {
		{ .iova = GIB(1), .size = MIB(2), .asid = 0 },
		{ .iova = GIB(1) + MIB(4), .size = MIB(2), .asid = 0 },
	};
	struct vdp_iotlb_entry after[4] = {
		{ .iova = GIB(1), .size = MIB(2), .asid = 0 },
		{ .iova = GIB(1) + MIB(2), .size = MIB(2), .asid = 0 },
		{ .iova = GIB(1) + MIB(4), .size = MIB(2), .asid = 0 },
		{ .iova = GIB(1) + MIB(6), .size = GIB(1) - MIB(6), .asid = 0 },
	};
	struct vdp_iotlb_region r = region(0, GIB(1) + MIB(2), MIB(2), GIB(1));
	struct t *t = *state;
	size_t base;
	long pos;

	for (pos = 0; pos < 4; pos++) {
		fake_map_reinit(t);
		add(t, 0, GIB(1), MIB(2), MIB(2));
		add(t, 0, GIB(1) + MIB(4), MIB(2), MIB(2));
		assert_int_equal(vdp_iotlb_map_all(t->map), 0);
		base = t->f.n_msgs;
		t->f.fail_at = (long)base + pos;
		assert_int_equal(vdp_iotlb_map_region(t->map, &r), -EFAULT);
		fake_assert_same(&t->f, t->map);
		assert_int_equal(t->f.protocol_errors, 0);
		if (pos == 3) {
			map_assert_entries(t->map, after, 4);
			assert_int_equal(vdp_iotlb_region_count(t->map), 3);
			continue;
		}
		map_assert_entries(t->map, before, 2);
		assert_int_equal(vdp_iotlb_region_count(t->map), 2);
	}
	/* And without a failure: exactly the two holes. */
	fake_map_reinit(t);
	add(t, 0, GIB(1), MIB(2), MIB(2));
	add(t, 0, GIB(1) + MIB(4), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	fake_clear_msgs(&t->f);
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), 0);
	assert_int_equal(t->f.n_msgs, 4);
	expect_msg(&t->f, 1, FAKE_UPDATE, 0, GIB(1) + MIB(2), MIB(2), 0);
	expect_msg(&t->f, 2, FAKE_UPDATE, 0, GIB(1) + MIB(6), GIB(1) - MIB(6), 0);
	map_assert_entries(t->map, after, 4);
}

/* --- incremental add and remove -------------------------------------------------------------- */

static void
test_incremental_add(void **state)
{
	struct t *t = *state;
	struct vdp_iotlb_region r;

	add(t, 0, GIB(1), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);

	/* Heap growth by one hugepage next to a mapped run: that chunk only. */
	fake_clear_msgs(&t->f);
	r = region(0, GIB(1) + MIB(2), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), 0);
	assert_int_equal(t->f.n_msgs, 3);
	expect_msg(&t->f, 0, FAKE_BEGIN, 0, 0, 0, 0);
	expect_msg(&t->f, 1, FAKE_UPDATE, 0, GIB(1) + MIB(2), MIB(2), 0);
	expect_msg(&t->f, 2, FAKE_END, 0, 0, 0, 0);
	assert_int_equal(fake_count(&t->f, FAKE_INVALIDATE), 0);
	fake_assert_same(&t->f, t->map);

	/* A sub-page region: its page. A second one in the same page: nothing at all. */
	fake_clear_msgs(&t->f);
	r = region(0, GIB(1) + MIB(4) + 0x1000, 0x1000, MIB(2));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), 0);
	assert_int_equal(t->f.n_msgs, 3);
	expect_msg(&t->f, 1, FAKE_UPDATE, 0, GIB(1) + MIB(4), MIB(2), 0);
	fake_clear_msgs(&t->f);
	r = region(0, GIB(1) + MIB(4) + 0x3000, 0x1000, MIB(2));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), 0);
	assert_int_equal(t->f.n_msgs, 0);
	assert_int_equal(vdp_iotlb_region_count(t->map), 4);

	/* Another ASID: only that ASID's group. */
	r = region(1, GIB(1), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), 0);
	assert_int_equal(t->f.n_msgs, 3);
	expect_msg(&t->f, 1, FAKE_UPDATE, 1, GIB(1), MIB(2), 0);
	fake_assert_same(&t->f, t->map);

	/* Overlapping an existing region: refused, nothing sent. */
	fake_clear_msgs(&t->f);
	r = region(0, GIB(1) + MIB(1), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), -EEXIST);
	assert_int_equal(t->f.n_msgs, 0);
	assert_true(log_contains("overlaps region"));
}

static void
test_incremental_remove(void **state)
{
	struct vdp_iotlb_entry want[3];
	struct t *t = *state;

	/* A, B, C contiguous: one entry. Removing B re-plans the run. */
	add(t, 0, GIB(1), MIB(2), MIB(2));
	add(t, 0, GIB(1) + MIB(2), MIB(2), MIB(2));
	add(t, 0, GIB(1) + MIB(4), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	fake_clear_msgs(&t->f);
	assert_int_equal(vdp_iotlb_unmap_region(t->map, 0, GIB(1) + MIB(2), MIB(2)), 0);
	assert_int_equal(t->f.n_msgs, 5);
	expect_msg(&t->f, 0, FAKE_BEGIN, 0, 0, 0, 0);
	expect_msg(&t->f, 1, FAKE_INVALIDATE, 0, GIB(1), MIB(6), 0);
	expect_msg(&t->f, 2, FAKE_UPDATE, 0, GIB(1), MIB(2), 0);
	expect_msg(&t->f, 3, FAKE_UPDATE, 0, GIB(1) + MIB(4), MIB(2), 0);
	expect_msg(&t->f, 4, FAKE_END, 0, 0, 0, 0);
	fake_assert_same(&t->f, t->map);

	/* A region with its own entry: one INVALIDATE, nothing else. */
	fake_clear_msgs(&t->f);
	assert_int_equal(vdp_iotlb_unmap_region(t->map, 0, GIB(1) + MIB(4), MIB(2)), 0);
	assert_int_equal(t->f.n_msgs, 3);
	expect_msg(&t->f, 1, FAKE_INVALIDATE, 0, GIB(1) + MIB(4), MIB(2), 0);

	/* Part of a region: the entry goes whole, the rest comes back. */
	add(t, 0, GIB(2), MIB(8), MIB(2));
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	fake_clear_msgs(&t->f);
	assert_int_equal(vdp_iotlb_unmap_region(t->map, 0, GIB(2) + MIB(2), MIB(2)), 0);
	expect_msg(&t->f, 1, FAKE_INVALIDATE, 0, GIB(2), MIB(8), 0);
	expect_msg(&t->f, 2, FAKE_UPDATE, 0, GIB(2), MIB(2), 0);
	expect_msg(&t->f, 3, FAKE_UPDATE, 0, GIB(2) + MIB(4), MIB(4), 0);
	want[0] = (struct vdp_iotlb_entry){ .iova = GIB(1), .size = MIB(2) };
	want[1] = (struct vdp_iotlb_entry){ .iova = GIB(2), .size = MIB(2) };
	want[2] = (struct vdp_iotlb_entry){ .iova = GIB(2) + MIB(4), .size = MIB(4) };
	map_assert_entries(t->map, want, 3);
	assert_int_equal(vdp_iotlb_region_count(t->map), 3);

	/* Part of a page still in use: the page stays, nothing is sent. */
	fake_clear_msgs(&t->f);
	assert_int_equal(vdp_iotlb_unmap_region(t->map, 0, GIB(2) + MIB(4) + 0x1000, 0x1000), 0);
	assert_int_equal(t->f.n_msgs, 0);
	assert_int_equal(vdp_iotlb_region_count(t->map), 4);

	/* Not all of it was added: refused, nothing changed. */
	assert_int_equal(vdp_iotlb_unmap_region(t->map, 0, GIB(2), MIB(4)), -ENOENT);
	assert_int_equal(vdp_iotlb_unmap_region(t->map, 1, GIB(1), MIB(2)), -ENOENT);
	assert_int_equal(t->f.n_msgs, 0);
	assert_int_equal(vdp_iotlb_region_count(t->map), 4);
	fake_assert_same(&t->f, t->map);
}

static void
test_region_errors(void **state)
{
	struct t *t = *state;
	struct vdp_iotlb_region r;

	add(t, 0, GIB(1), MIB(4), MIB(2));
	r = region(0, GIB(1) + MIB(2), MIB(4), MIB(2));
	assert_int_equal(vdp_iotlb_region_add(t->map, &r), -EEXIST);
	assert_int_equal(vdp_iotlb_set_as_count(t->map, 0), -EINVAL);
	assert_int_equal(vdp_iotlb_set_as_count(t->map, 1), 0);
	r = region(1, GIB(1), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_region_add(t->map, &r), -EINVAL);
	assert_true(log_contains("use ASID 0"));
	assert_int_equal(vdp_iotlb_region_remove(t->map, 0, GIB(1), 0), -EINVAL);
	/* Removing across two regions at once is fine. */
	add(t, 0, GIB(1) + MIB(4), MIB(4), MIB(2));
	assert_int_equal(vdp_iotlb_region_remove(t->map, 0, GIB(1) + MIB(2), MIB(4)), 0);
	assert_int_equal(vdp_iotlb_region_count(t->map), 2);
	assert_int_equal(t->f.n_msgs, 0);
}

/* --- explanations ---------------------------------------------------------------------------- */

static void
test_explain_cap(void **state)
{
	struct t *t = *state;
	struct vdp_iotlb_stats st;

	/* One message, but in PA mode up to 16 kernel entries: over a cap of 4. Small on
	 * purpose, so that RLIMIT_MEMLOCK (often 8 MiB) is not the likelier cause. */
	vdp_iotlb_set_entry_cap(t->map, 4);
	add(t, 0, GIB(1), KIB(64), KIB(4));
	t->f.fail_update_at = 0;
	assert_int_equal(vdp_iotlb_map_all(t->map), -EFAULT);
	vdp_iotlb_stats_get(t->map, &st);
	assert_string_equal(st.last_error.op, "update");
	assert_int_equal(st.last_error.err, EFAULT);
	assert_int_equal(st.last_error.iova, GIB(1));
	assert_int_equal(st.last_error.uaddr, GIB(1));
	assert_int_equal(st.last_error.size, KIB(64));
	assert_non_null(strstr(st.last_error.explain, "UPDATE of ASID 0 va 0x40000000 iova "
				"0x40000000 len 0x10000 (64 KiB, rw) failed: Bad address"));
	assert_non_null(strstr(st.last_error.explain, "1) overlap: none with the 0 entries"));
	assert_int_equal(st.rollbacks, 0);	/* the first message failed: nothing to undo */
	assert_non_null(strstr(st.last_error.explain, "3) entry cap: LIKELY, 0 of 4 entries held "
				"in ASID 0, with this mapping the kernel may need up to 16"));
	assert_non_null(strstr(st.last_error.explain, "4) IOVA range: inside"));
	assert_non_null(strstr(st.last_error.explain, "What to do: use 1 GiB hugepages"));
	assert_true(log_contains(st.last_error.explain));
}

static void
test_explain_memlock(void **state)
{
	struct t *t = *state;
	struct vdp_iotlb_stats st;
	struct rlimit old, low;

	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &old), 0);
	low = old;
	low.rlim_cur = KIB(64);
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < low.rlim_cur)
		low.rlim_cur = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &low), 0);

	add(t, 0, GIB(1), MIB(2), MIB(2));
	add(t, 0, GIB(2), MIB(2), MIB(2));
	t->f.fail_update_at = 1;
	assert_int_equal(vdp_iotlb_map_all(t->map), -EFAULT);
	vdp_iotlb_stats_get(t->map, &st);
	/* The first UPDATE was held when the second failed: 2 MiB held + 2 MiB. */
	assert_non_null(strstr(st.last_error.explain, "2) RLIMIT_MEMLOCK: LIKELY, limit 64 KiB, "
				"PA mode pins 4 MiB (2 MiB held + this mapping"));
	assert_non_null(strstr(st.last_error.explain, "What to do: raise RLIMIT_MEMLOCK to at "
				"least 4 MiB"));

	/* VA mode pins nothing. */
	fake_map_reinit(t);
	vdp_iotlb_set_pa_mode(t->map, false);
	add(t, 0, GIB(1), MIB(2), MIB(2));
	t->f.fail_update_at = 0;
	assert_int_equal(vdp_iotlb_map_all(t->map), -EFAULT);
	vdp_iotlb_stats_get(t->map, &st);
	assert_non_null(strstr(st.last_error.explain, "2) RLIMIT_MEMLOCK: not a cause in VA mode"));
	assert_non_null(strstr(st.last_error.explain, "none of the checks fired"));
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &old), 0);
}

static void
test_explain_foreign_entry(void **state)
{
	struct t *t = *state;
	struct vdp_iotlb_stats st;

	/* The device holds an entry the map never made (e.g. a reset without the protocol). */
	vdp_iotlb_set_pa_mode(t->map, false);
	fake_hold(&t->f, 0, GIB(1), MIB(2));
	add(t, 0, GIB(1), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_all(t->map), -EFAULT);
	vdp_iotlb_stats_get(t->map, &st);
	assert_non_null(strstr(st.last_error.explain, "1) overlap: none with the 0 entries held "
				"in ASID 0 (an entry left by a reset without "
				"before_reset/after_reset"));
	assert_int_equal(vdp_iotlb_entries(t->map, NULL, 0), 0);
	assert_int_equal(t->f.n_ents, 1);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fake_map_setup, fake_map_teardown)
	const struct CMUnitTest tests[] = {
		T(test_map_all_groups),
		T(test_map_all_no_batch),
		T(test_range_rejection),
		T(test_cap_rejection),
		T(test_pa_warning),
		T(test_rollback_map_all_every_position),
		T(test_rollback_no_batch),
		T(test_rollback_replan_every_position),
		T(test_rollback_pieces_every_position),
		T(test_incremental_add),
		T(test_incremental_remove),
		T(test_region_errors),
		T(test_explain_cap),
		T(test_explain_memlock),
		T(test_explain_foreign_entry),
	};
#undef T

	return cmocka_run_group_tests_name("iotlb_send", tests, NULL, NULL);
}
