/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/iotlb reset protocol tests against a fake device: with PERSIST nothing is sent across
 * resets; without it every cycle is one invalidate group and one map group per ASID. Also the
 * persist policy, unmap_all/forget/destroy, counters and the dump.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotlb_fake.h"

#define CYCLES 100

static void
add(struct t *t, uint32_t asid, uint64_t va, uint64_t len, uint64_t ps)
{
	struct vdp_iotlb_region r = region(asid, va, len, ps);

	assert_int_equal(vdp_iotlb_region_add(t->map, &r), 0);
}

/* Two ASIDs: ASID 0 has two runs, ASID 1 one. */
static void
add_memory(struct t *t)
{
	add(t, 0, GIB(1), MIB(4), MIB(2));
	add(t, 0, GIB(1) + MIB(4), MIB(4), MIB(2));
	add(t, 0, GIB(4), GIB(1), GIB(1));
	add(t, 1, GIB(2), MIB(2), MIB(2));
}

/* Groups in the recorded messages: BEGIN ... END, classified by what is inside. */
struct groups {
	unsigned int inval;	/* only INVALIDATEs */
	unsigned int map;	/* only UPDATEs */
	unsigned int other;	/* mixed or empty */
	unsigned int outside;	/* messages outside any batch */
};

static struct groups
groups_count(const struct fake *f)
{
	struct groups g = { 0 };
	size_t i, upd = 0, inv = 0;
	bool open = false;

	for (i = 0; i < f->n_msgs; i++) {
		switch (f->msgs[i].type) {
		case FAKE_BEGIN:
			open = true;
			upd = inv = 0;
			break;
		case FAKE_END:
			if (inv > 0 && upd == 0)
				g.inval++;
			else if (upd > 0 && inv == 0)
				g.map++;
			else
				g.other++;
			open = false;
			break;
		case FAKE_UPDATE:
			upd++;
			g.outside += !open;
			break;
		case FAKE_INVALIDATE:
			inv++;
			g.outside += !open;
			break;
		}
	}
	return g;
}

static void
test_persist_sends_nothing(void **state)
{
	struct vdp_iotlb_entry before[4];
	struct vdp_iotlb_stats st;
	struct t *t = *state;
	int i;

	vdp_iotlb_set_persist(t->map, true);
	add_memory(t);
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	assert_int_equal(vdp_iotlb_entries(t->map, before, 4), 3);
	fake_clear_msgs(&t->f);
	for (i = 0; i < CYCLES; i++) {
		assert_int_equal(vdp_iotlb_before_reset(t->map), 0);
		assert_int_equal(t->f.n_msgs, 0);
		assert_int_equal(vdp_iotlb_after_reset(t->map), 0);
		assert_int_equal(t->f.n_msgs, 0);
		map_assert_entries(t->map, before, 3);
		fake_assert_same(&t->f, t->map);
	}
	vdp_iotlb_stats_get(t->map, &st);
	assert_int_equal(st.remaps_avoided, CYCLES);
	assert_int_equal(st.unmaps_avoided, CYCLES);
	assert_int_equal(st.update_msgs, 3);
	assert_int_equal(st.invalidate_msgs, 0);
}

static void
test_legacy_cycle(void **state)
{
	struct vdp_iotlb_entry planned[4];
	struct vdp_iotlb_stats st;
	struct t *t = *state;
	struct groups g;
	int i;

	add_memory(t);
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	assert_int_equal(vdp_iotlb_entries(t->map, planned, 4), 3);
	for (i = 0; i < CYCLES; i++) {
		fake_clear_msgs(&t->f);
		assert_int_equal(vdp_iotlb_before_reset(t->map), 0);
		/* Before SET_STATUS(0): one invalidate group per ASID, and nothing held. */
		g = groups_count(&t->f);
		assert_int_equal(g.inval, 2);
		assert_int_equal(g.map + g.other + g.outside, 0);
		assert_int_equal(fake_count(&t->f, FAKE_INVALIDATE), 3);
		assert_int_equal(vdp_iotlb_entries(t->map, NULL, 0), 0);
		fake_assert_same(&t->f, t->map);

		fake_clear_msgs(&t->f);
		assert_int_equal(vdp_iotlb_after_reset(t->map), 0);
		/* Before DRIVER_OK: one map group per ASID, the plan again. */
		g = groups_count(&t->f);
		assert_int_equal(g.map, 2);
		assert_int_equal(g.inval + g.other + g.outside, 0);
		assert_int_equal(fake_count(&t->f, FAKE_UPDATE), 3);
		map_assert_entries(t->map, planned, 3);
		fake_assert_same(&t->f, t->map);
		assert_int_equal(t->f.protocol_errors, 0);
	}
	vdp_iotlb_stats_get(t->map, &st);
	assert_int_equal(st.remaps_avoided, 0);
	assert_int_equal(st.update_msgs, 3 + 3 * CYCLES);
	assert_int_equal(st.invalidate_msgs, 3 * CYCLES);
	assert_int_equal(st.batches, 2 + 4 * CYCLES);
}

/* One ASID: exactly one invalidate group and one map group per cycle. */
static void
test_legacy_one_asid(void **state)
{
	struct t *t = *state;
	struct groups g;
	int i;

	add(t, 0, GIB(1), GIB(1), MIB(2));
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	fake_clear_msgs(&t->f);
	for (i = 0; i < CYCLES; i++) {
		assert_int_equal(vdp_iotlb_before_reset(t->map), 0);
		assert_int_equal(vdp_iotlb_after_reset(t->map), 0);
	}
	g = groups_count(&t->f);
	assert_int_equal(g.inval, CYCLES);
	assert_int_equal(g.map, CYCLES);
	assert_int_equal(t->f.n_msgs, 6 * CYCLES);	/* BEGIN INV END BEGIN UPD END */
}

/* Incremental adds leave several entries per run; a legacy reset maps the coalesced plan. */
static void
test_legacy_recoalesces(void **state)
{
	struct vdp_iotlb_entry one = { .iova = GIB(1), .size = MIB(6) };
	struct vdp_iotlb_region r;
	struct t *t = *state;

	add(t, 0, GIB(1), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	r = region(0, GIB(1) + MIB(2), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), 0);
	r = region(0, GIB(1) + MIB(4), MIB(2), MIB(2));
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), 0);
	assert_int_equal(vdp_iotlb_entries(t->map, NULL, 0), 3);
	fake_clear_msgs(&t->f);
	assert_int_equal(vdp_iotlb_before_reset(t->map), 0);
	assert_int_equal(fake_count(&t->f, FAKE_INVALIDATE), 3);
	assert_int_equal(vdp_iotlb_after_reset(t->map), 0);
	assert_int_equal(fake_count(&t->f, FAKE_UPDATE), 1);
	map_assert_entries(t->map, &one, 1);
	fake_assert_same(&t->f, t->map);
}

/* after_reset without before_reset: vhost still holds the entries; resync in one group. */
static void
test_legacy_missed_before_reset(void **state)
{
	struct t *t = *state;
	struct groups g;

	add(t, 0, GIB(1), MIB(4), MIB(2));
	add(t, 0, GIB(3), MIB(4), MIB(2));
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	fake_clear_msgs(&t->f);
	assert_int_equal(vdp_iotlb_after_reset(t->map), 0);
	g = groups_count(&t->f);
	assert_int_equal(g.other, 1);
	assert_int_equal(t->f.n_msgs, 6);	/* BEGIN INV INV UPD UPD END */
	assert_int_equal(fake_count(&t->f, FAKE_INVALIDATE), 2);
	assert_int_equal(fake_count(&t->f, FAKE_UPDATE), 2);
	assert_true(log_contains("before_reset was not called"));
	fake_assert_same(&t->f, t->map);
}

static void
test_legacy_no_batch(void **state)
{
	struct t *t = *state;

	vdp_iotlb_set_batch(t->map, false);
	assert_false(vdp_iotlb_batch(t->map));
	add_memory(t);
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	fake_clear_msgs(&t->f);
	assert_int_equal(vdp_iotlb_before_reset(t->map), 0);
	assert_int_equal(vdp_iotlb_after_reset(t->map), 0);
	assert_int_equal(t->f.n_msgs, 6);
	assert_int_equal(fake_count(&t->f, FAKE_BEGIN), 0);
	fake_assert_same(&t->f, t->map);
}

/* A failed legacy before_reset rolls back its group: the view stays true to the device. */
static void
test_legacy_before_reset_failure(void **state)
{
	struct t *t = *state;
	struct vdp_iotlb_stats st;

	add_memory(t);
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	fake_clear_msgs(&t->f);
	t->f.fail_at = 2;	/* BEGIN(0), INV, INV (fails) */
	assert_int_equal(vdp_iotlb_before_reset(t->map), -EFAULT);
	fake_assert_same(&t->f, t->map);
	assert_int_equal(vdp_iotlb_entries(t->map, NULL, 0), 3);
	vdp_iotlb_stats_get(t->map, &st);
	assert_string_equal(st.last_error.op, "invalidate");
	assert_int_equal(st.rollbacks, 1);
	assert_non_null(strstr(st.last_error.explain, "INVALIDATE fails only when"));
}

static void
test_persist_policy(void **state)
{
	enum vdp_iotlb_persist_policy p;
	char why[256];
	bool ack;

	(void)state;
	assert_int_equal(vdp_iotlb_persist_decide(VDP_IOTLB_PERSIST_AUTO, true, &ack, why,
						  sizeof(why)), 0);
	assert_true(ack);
	assert_string_equal(why, "");
	assert_int_equal(vdp_iotlb_persist_decide(VDP_IOTLB_PERSIST_AUTO, false, &ack, NULL, 0), 0);
	assert_false(ack);
	assert_int_equal(vdp_iotlb_persist_decide(VDP_IOTLB_PERSIST_OFF, true, &ack, NULL, 0), 0);
	assert_false(ack);
	assert_int_equal(vdp_iotlb_persist_decide(VDP_IOTLB_PERSIST_ON, true, &ack, NULL, 0), 0);
	assert_true(ack);
	assert_int_equal(vdp_iotlb_persist_decide(VDP_IOTLB_PERSIST_ON, false, &ack, why,
						  sizeof(why)), -ENOTSUP);
	assert_false(ack);
	assert_non_null(strstr(why, "VHOST_BACKEND_F_IOTLB_PERSIST"));
	assert_non_null(strstr(why, "Linux 6.7+"));
	assert_non_null(strstr(why, "persist=auto"));
	assert_true(log_contains(why));

	assert_int_equal(vdp_iotlb_persist_parse("auto", &p), 0);
	assert_int_equal(p, VDP_IOTLB_PERSIST_AUTO);
	assert_int_equal(vdp_iotlb_persist_parse("ON", &p), 0);
	assert_int_equal(p, VDP_IOTLB_PERSIST_ON);
	assert_int_equal(vdp_iotlb_persist_parse("0", &p), 0);
	assert_int_equal(p, VDP_IOTLB_PERSIST_OFF);
	assert_int_equal(vdp_iotlb_persist_parse("sometimes", &p), -EINVAL);
	assert_int_equal(vdp_iotlb_persist_parse(NULL, &p), -EINVAL);
	assert_true(log_contains("persist=sometimes is not a policy"));
	assert_string_equal(vdp_iotlb_persist_name(VDP_IOTLB_PERSIST_OFF), "off");
	assert_string_equal(vdp_iotlb_persist_name(VDP_IOTLB_PERSIST_ON), "on");
	assert_string_equal(vdp_iotlb_persist_name(VDP_IOTLB_PERSIST_AUTO), "auto");
}

static void
test_unmap_all_forget_destroy(void **state)
{
	struct t *t = *state;
	struct groups g;

	add_memory(t);
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	fake_clear_msgs(&t->f);
	assert_int_equal(vdp_iotlb_unmap_all(t->map), 0);
	g = groups_count(&t->f);
	assert_int_equal(g.inval, 2);
	assert_int_equal(vdp_iotlb_entries(t->map, NULL, 0), 0);
	assert_int_equal(vdp_iotlb_region_count(t->map), 4);
	fake_assert_same(&t->f, t->map);
	/* Nothing held: nothing to send. */
	fake_clear_msgs(&t->f);
	assert_int_equal(vdp_iotlb_unmap_all(t->map), 0);
	assert_int_equal(t->f.n_msgs, 0);
	/* The regions remain: map_all restores the plan. */
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	assert_int_equal(vdp_iotlb_entries(t->map, NULL, 0), 3);

	/* forget and destroy send nothing: closing the fd releases everything. */
	fake_clear_msgs(&t->f);
	vdp_iotlb_forget(t->map);
	assert_int_equal(vdp_iotlb_entries(t->map, NULL, 0), 0);
	vdp_iotlb_destroy(t->map);
	t->map = NULL;
	assert_int_equal(t->f.n_msgs, 0);
	vdp_iotlb_destroy(NULL);
}

static void
test_stats_and_dump(void **state)
{
	struct vdp_iotlb_region r = region(0, GIB(16), MIB(2), MIB(2));
	struct t *t = *state;
	struct vdp_iotlb_stats st;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	vdp_iotlb_set_persist(t->map, true);
	assert_true(vdp_iotlb_persist(t->map));
	add_memory(t);
	assert_int_equal(vdp_iotlb_map_all(t->map), 0);
	assert_int_equal(vdp_iotlb_before_reset(t->map), 0);
	assert_int_equal(vdp_iotlb_after_reset(t->map), 0);
	t->f.fail_update_at = t->f.updates_seen;
	assert_int_equal(vdp_iotlb_map_region(t->map, &r), -EFAULT);

	f = open_memstream(&text, &len);
	assert_non_null(f);
	vdp_iotlb_dump(t->map, f);
	fclose(f);
	if (getenv("IOTLB_TEST_VERBOSE") != NULL)
		fputs(text, stderr);
	assert_non_null(strstr(text, "iotlb map: batch yes, persist yes, PA mode, IOVA range [0, "
			       "0xffffffffffffffff], cap 2048 per ASID"));
	assert_non_null(strstr(text, "regions: 4\n"));
	assert_non_null(strstr(text, "  ASID 0  va 0x40000000-0x403fffff  4 MiB  pages of 2 MiB"
			       "  rw"));
	assert_non_null(strstr(text, "plan: 3 runs (one UPDATE each)\n"));
	assert_non_null(strstr(text, "2 regions, 4 pages of 2 MiB"));
	assert_non_null(strstr(text, "entries: 3\n"));
	assert_non_null(strstr(text, "ASID 0 total: 2 entries, 1.01 GiB;"));
	assert_non_null(strstr(text, "PA-mode kernel entries up to 5 (2 with 1 GiB pages)"));
	assert_non_null(strstr(text, "update_msgs 3, invalidate_msgs 0, batches 3, groups 3, "
			       "entries 3"));
	assert_non_null(strstr(text, "remaps_avoided 1, unmaps_avoided 1, rollbacks 0, "
			       "failures 1"));
	assert_non_null(strstr(text, "last error: update ASID 0 iova 0x400000000 size 0x200000"));
	free(text);

	vdp_iotlb_stats_get(t->map, &st);
	assert_int_equal(st.mapped_bytes, GIB(1) + MIB(10));
	assert_int_equal(st.est_kernel_entries, 6);
	vdp_iotlb_stats_reset(t->map);
	vdp_iotlb_stats_get(t->map, &st);
	assert_int_equal(st.update_msgs, 0);
	assert_int_equal(st.failures, 0);
	assert_null(st.last_error.op);
	assert_int_equal(st.entries, 3);	/* current state is not a counter */
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fake_map_setup, fake_map_teardown)
	const struct CMUnitTest tests[] = {
		T(test_persist_sends_nothing),
		T(test_legacy_cycle),
		T(test_legacy_one_asid),
		T(test_legacy_recoalesces),
		T(test_legacy_missed_before_reset),
		T(test_legacy_no_batch),
		T(test_legacy_before_reset_failure),
		T(test_persist_policy),
		T(test_unmap_all_forget_destroy),
		T(test_stats_and_dump),
	};
#undef T

	return cmocka_run_group_tests_name("iotlb_reset", tests, NULL, NULL);
}
