/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Group "reset": what vhost-vdpa and the device hold across SET_STATUS(0) and close, for the
 * personality under test, with IOTLB_PERSIST acked and not acked (§6).
 *
 *   personality  PERSIST   after SET_STATUS(0): vhost / device
 *   persist      acked     2 / 2                      (§6.3 B)
 *   persist      not       2 / identity passthrough in every ASID (§6.3 A: they diverge)
 *   platform     either    2 / 2                      (platform IOMMU: maps survive)
 *   legacy61     -         2 / 0                      (§6.5: the device map is emptied)
 *   after close: vhost 0, the device back to its state before the first open (§6.4)
 *
 * The stats file sums entries over both ASIDs and an identity map counts 2 (as vdpa_sim stores
 * it); ASID 1 starts as identity on a 6.7+ vdpa_sim, so each case first gives it vhost's empty
 * map with an empty batch, and the counts then show ASID 0 alone until a CLEAN_MAP reset.
 *
 * Without a stats file only what the uAPI shows is checked: vhost keeps its entries across
 * SET_STATUS(0) in every case (a second UPDATE of the same range fails), and none after close.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test_common.h"
#include "test_stats.h"

#define T_REGION_LEN (2UL << 20)

/* The device's view before this process first opened it. */
static struct t_stats t_initial;
static bool t_initial_valid;

struct t_reset_case {
	struct t_region r[2];
	uint64_t acked;
};

static uint64_t
t_va(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static int
t_reset_group_setup(void **state)
{
	(void)state;
	t_initial_valid = false;
	if (t_stats_enabled() && t_stats_read(&t_initial) == 0)
		t_initial_valid = true;
	return 0;
}

static void
t_expect_views(const char *when, uint64_t vhost, uint64_t device, bool identity)
{
	struct t_stats st;

	if (!t_stats_enabled())
		return;
	T_STATS_GET(&st);
	if (st.vhost_entries != vhost || st.device_entries != device ||
	    st.device_identity != identity)
		fail_msg("%s (%s): vhost %llu, device %llu identity %d; want vhost %llu, device %llu "
			 "identity %d", when, t_personality(),
			 (unsigned long long)st.vhost_entries,
			 (unsigned long long)st.device_entries, st.device_identity,
			 (unsigned long long)vhost, (unsigned long long)device, identity);
}

static void
t_expect_initial_device(const char *when)
{
	struct t_stats st;

	if (!t_stats_enabled())
		return;
	assert_true(t_initial_valid);
	T_STATS_GET(&st);
	if (st.vhost_entries != 0 || st.device_entries != t_initial.device_entries ||
	    st.device_identity != t_initial.device_identity)
		fail_msg("%s (%s): vhost %llu, device %llu identity %d; want vhost 0 and the initial "
			 "device %llu identity %d", when, t_personality(),
			 (unsigned long long)st.vhost_entries,
			 (unsigned long long)st.device_entries, st.device_identity,
			 (unsigned long long)t_initial.device_entries, t_initial.device_identity);
}

/* Open, ack backend features, map two regions in one batch: both views hold 2. */
static void
t_reset_case_start(struct t_ctx *ctx, struct t_reset_case *c, bool persist)
{
	uint64_t offered = 0;
	int i;

	c->acked = T_BF_MSG_V2 | T_BF_BATCH | T_BF_ASID | (persist ? T_BF_PERSIST : 0);
	t_region_alloc(&c->r[0], T_REGION_LEN);
	t_region_alloc(&c->r[1], T_REGION_LEN);
	t_open_owned(ctx);
	assert_int_equal(vdp_dev_get_backend_features(ctx->dev, &offered), 0);
	if (persist && !(offered & T_BF_PERSIST)) {
		/* §3.2 rule 5, and nothing else to check for this personality */
		assert_int_equal(vdp_dev_set_backend_features(ctx->dev, c->acked), -EOPNOTSUPP);
		skip();
	}
	assert_int_equal(vdp_dev_set_backend_features(ctx->dev, c->acked), 0);
	t_asid1_quiesce(ctx);
	assert_int_equal(vdp_dev_iotlb_batch_begin(ctx->dev, 0), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, t_va(c->r[i].va), c->r[i].len,
						      t_va(c->r[i].va), T_ACCESS_RW), 0);
	assert_int_equal(vdp_dev_iotlb_batch_end(ctx->dev, 0), 0);
	t_expect_views("after mapping two regions", 2, 2, false);
}

/* Run the device up to DRIVER_OK, then SET_STATUS(0). */
static void
t_reset_case_reset(struct t_ctx *ctx, const struct t_reset_case *c)
{
	struct t_stats st0, st;

	if (t_stats_enabled())
		T_STATS_GET(&st0);
	t_features_ok(ctx, T_FEATURES_REQUIRED);
	assert_int_equal(vdp_dev_add_status(ctx->dev, T_S_DRIVER_OK), 0);
	assert_int_equal(vdp_dev_set_status(ctx->dev, 0), 0);
	if (t_stats_enabled()) {
		T_STATS_GET(&st);
		assert_int_equal(st.resets, st0.resets + 1);
		/* §3.2: the acked value survives SET_STATUS(0) */
		assert_true(st.backend_acked == c->acked);
	}
	/* vhost keeps its own copy in every case: the same UPDATE collides */
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, t_va(c->r[0].va), c->r[0].len,
					      t_va(c->r[0].va), T_ACCESS_RW), -EFAULT);
}

static void
t_reset_case_end(struct t_ctx *ctx, struct t_reset_case *c)
{
	t_close(ctx);
	t_expect_initial_device("after close");
	/* nothing is left in vhost either: the next opener maps the same ranges */
	t_open_backend(ctx, T_BF_MSG_V2 | T_BF_BATCH);
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, t_va(c->r[0].va), c->r[0].len,
					      t_va(c->r[0].va), T_ACCESS_RW), 0);
	t_close(ctx);
	t_region_free(&c->r[0]);
	t_region_free(&c->r[1]);
}

static bool
t_is(const char *p)
{
	return strcmp(t_personality(), p) == 0;
}

static void
test_reset_persist_acked(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_reset_case c;

	t_reset_case_start(ctx, &c, true);
	t_reset_case_reset(ctx, &c);
	/* §6.3 B: both kept (and the platform IOMMU keeps its map anyway) */
	t_expect_views("after SET_STATUS(0), PERSIST acked", 2, 2, false);
	/* a second reset changes nothing */
	assert_int_equal(vdp_dev_reset(ctx->dev), 0);
	t_expect_views("after a second SET_STATUS(0), PERSIST acked", 2, 2, false);
	t_reset_case_end(ctx, &c);
}

static void
test_reset_persist_not_acked(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_reset_case c;

	t_reset_case_start(ctx, &c, false);
	t_reset_case_reset(ctx, &c);
	if (t_is("legacy61"))
		t_expect_views("after SET_STATUS(0), 6.1 parent", 2, 0, false);
	else if (t_is("platform"))
		t_expect_views("after SET_STATUS(0), platform IOMMU", 2, 2, false);
	else	/* §6.2 CLEAN_MAP: every ASID becomes a 2-entry identity passthrough */
		t_expect_views("after SET_STATUS(0), PERSIST not acked", 2, 2 * T_NAS, true);
	t_reset_case_end(ctx, &c);
}

static void
test_reset_legacy_protocol(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_reset_case c;
	int i;

	t_reset_case_start(ctx, &c, false);
	/* §6.3 A: invalidate everything before the reset ... */
	assert_int_equal(vdp_dev_iotlb_batch_begin(ctx->dev, 0), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(vdp_dev_iotlb_invalidate(ctx->dev, 0, t_va(c.r[i].va), c.r[i].len),
				 0);
	assert_int_equal(vdp_dev_iotlb_batch_end(ctx->dev, 0), 0);
	t_expect_views("after invalidating everything", 0, 0, false);
	t_features_ok(ctx, T_FEATURES_REQUIRED);
	assert_int_equal(vdp_dev_add_status(ctx->dev, T_S_DRIVER_OK), 0);
	assert_int_equal(vdp_dev_reset(ctx->dev), 0);
	/* ... and map it again before the next DRIVER_OK: all views agree again */
	assert_int_equal(vdp_dev_iotlb_batch_begin(ctx->dev, 0), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, t_va(c.r[i].va), c.r[i].len,
						      t_va(c.r[i].va), T_ACCESS_RW), 0);
	assert_int_equal(vdp_dev_iotlb_batch_end(ctx->dev, 0), 0);
	/* every ASID in use gets vhost's map again, ASID 1's (empty) one included */
	t_asid1_quiesce(ctx);
	t_expect_views("after the legacy invalidate-reset-map protocol", 2, 2, false);
	t_features_ok(ctx, T_FEATURES_REQUIRED);
	assert_int_equal(vdp_dev_add_status(ctx->dev, T_S_DRIVER_OK), 0);
	t_expect_views("at DRIVER_OK after the legacy protocol", 2, 2, false);
	t_reset_case_end(ctx, &c);
}

static void
test_reset_persist_ack_at_reset_time(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_reset_case c;
	uint64_t offered = 0;

	/* §6.1: the flags are computed at reset time, so acking just before the reset counts */
	t_reset_case_start(ctx, &c, false);
	assert_int_equal(vdp_dev_get_backend_features(ctx->dev, &offered), 0);
	if (!(offered & T_BF_PERSIST))
		skip();
	c.acked |= T_BF_PERSIST;
	assert_int_equal(vdp_dev_set_backend_features(ctx->dev, c.acked), 0);
	t_reset_case_reset(ctx, &c);
	t_expect_views("after SET_STATUS(0), PERSIST acked after mapping", 2, 2, false);
	t_reset_case_end(ctx, &c);
}

static void
test_reset_initial_state(void **state)
{
	(void)state;
	if (!t_stats_enabled())
		skip();
	assert_true(t_initial_valid);
	assert_int_equal(t_initial.vhost_entries, 0);
	/* §6.2: vdpa_sim starts with an identity passthrough in every address space */
	if (t_is("persist")) {
		assert_true(t_initial.device_identity);
		assert_int_equal(t_initial.device_entries, 2 * T_NAS);
	}
	if (t_is("legacy61"))
		assert_int_equal(t_initial.device_entries, 0);
}

/* §8.2: the parent's offered features; 6.1's vdpa_sim_net had no VIRTIO_NET_F_STATUS. */
static void
test_reset_device_features(void **state)
{
	struct t_ctx *ctx = *state;
	uint64_t features = 0;

	t_open_owned(ctx);
	assert_int_equal(vdp_dev_get_features(ctx->dev, &features), 0);
	if (t_is("legacy61"))
		assert_true(features == T_FEATURES_61);
	else
		assert_true(features == T_FEATURES_612);
	t_close(ctx);
}

int
t_run_reset(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_initial_state),
		cmocka_unit_test_setup_teardown(test_reset_device_features, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_reset_persist_acked, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_reset_persist_not_acked, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_reset_legacy_protocol, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_reset_persist_ack_at_reset_time, t_setup,
						t_teardown),
	};

	return cmocka_run_group_tests_name("reset", tests, t_reset_group_setup, NULL);
}
