/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Groups "iotlb" (IOTLB messages over write(): §4, §5) and "fault" (the simulator's fault
 * injection: --fail-update and --max-entries, which model ENOSPC of 6.12.115+, §0.3).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test_common.h"
#include "test_stats.h"

#define T_REGION_LEN (2UL << 20)
#define T_ALL_BACKEND (T_BF_MSG_V2 | T_BF_BATCH | T_BF_ASID)

static uint64_t
t_va(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static int
t_update(struct t_ctx *ctx, uint32_t asid, const struct t_region *r)
{
	return vdp_dev_iotlb_update(ctx->dev, asid, t_va(r->va), r->len, t_va(r->va),
				    T_ACCESS_RW);
}

static void
test_iotlb_update_invalidate(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_region r1, r2;
	struct t_stats st0, st;
	uint64_t upd0, inv0;

	t_region_alloc(&r1, T_REGION_LEN);
	t_region_alloc(&r2, T_REGION_LEN);
	t_open_backend(ctx, T_ALL_BACKEND);
	t_asid1_quiesce(ctx);
	if (t_stats_enabled())
		T_STATS_GET(&st0);
	upd0 = vdp_dev_iotlb_msgs(ctx->dev, T_IOTLB_UPDATE);
	inv0 = vdp_dev_iotlb_msgs(ctx->dev, T_IOTLB_INVALIDATE);
	assert_int_equal(t_update(ctx, 0, &r1), 0);
	/* §4.2: one message per write(), and the write returns 72 */
	assert_int_equal(t_write_msg(ctx->fd, T_IOTLB_MSG_V2, 0, T_IOTLB_UPDATE, t_va(r2.va),
				     r2.len, t_va(r2.va), T_ACCESS_RW, T_MSG_SIZE), T_MSG_SIZE);
	assert_true(vdp_dev_iotlb_msgs(ctx->dev, T_IOTLB_UPDATE) == upd0 + 1);
	if (t_stats_enabled()) {
		T_STATS_GET(&st);
		assert_int_equal(st.iotlb_updates - st0.iotlb_updates, 2);
		assert_int_equal(st.vhost_entries, 2);
		/* outside a batch every message reaches the device (§4.6) */
		assert_int_equal(st.device_entries, 2);
		assert_false(st.device_identity);
	}
	assert_int_equal(vdp_dev_iotlb_invalidate(ctx->dev, 0, t_va(r1.va), r1.len), 0);
	assert_true(vdp_dev_iotlb_msgs(ctx->dev, T_IOTLB_INVALIDATE) == inv0 + 1);
	/* invalidating nothing is success (§4.5) */
	assert_int_equal(vdp_dev_iotlb_invalidate(ctx->dev, 0, t_va(r1.va), r1.len), 0);
	assert_int_equal(t_write_msg(ctx->fd, T_IOTLB_MSG_V2, 0, T_IOTLB_INVALIDATE, t_va(r2.va),
				     r2.len, 0, 0, T_MSG_SIZE), T_MSG_SIZE);
	if (t_stats_enabled()) {
		T_STATS_GET(&st);
		assert_int_equal(st.iotlb_invalidates - st0.iotlb_invalidates, 3);
		assert_int_equal(st.vhost_entries, 0);
		assert_int_equal(st.device_entries, 0);
		assert_int_equal(st.iotlb_failed, st0.iotlb_failed);
	}
	/* the removed range can be mapped again */
	assert_int_equal(t_update(ctx, 0, &r1), 0);
	t_close(ctx);
	t_region_free(&r1);
	t_region_free(&r2);
}

static void
test_iotlb_batch(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_region r1, r2;
	struct t_stats st0, st;

	t_region_alloc(&r1, T_REGION_LEN);
	t_region_alloc(&r2, T_REGION_LEN);
	t_open_backend(ctx, T_ALL_BACKEND);
	t_asid1_quiesce(ctx);
	assert_int_equal(vdp_dev_iotlb_batch_begin(ctx->dev, 0), 0);
	if (t_stats_enabled())
		T_STATS_GET(&st0);
	assert_int_equal(t_update(ctx, 0, &r1), 0);
	assert_int_equal(t_update(ctx, 0, &r2), 0);
	if (t_stats_enabled()) {
		/* §4.6: inside a batch the device sees nothing until BATCH_END */
		T_STATS_GET(&st);
		assert_int_equal(st.vhost_entries, 2);
		assert_int_equal(st.device_entries, st0.device_entries);
		assert_int_equal(st.device_identity, st0.device_identity);
	}
	assert_int_equal(vdp_dev_iotlb_batch_end(ctx->dev, 0), 0);
	if (t_stats_enabled()) {
		T_STATS_GET(&st);
		assert_int_equal(st.iotlb_batches - st0.iotlb_batches, 1);
		assert_int_equal(st.device_entries, 2);
		assert_false(st.device_identity);
	}
	/* BATCH_END without BEGIN: a no-op once the ASID exists; BEGIN twice is fine too */
	assert_int_equal(vdp_dev_iotlb_batch_end(ctx->dev, 0), 0);
	assert_int_equal(vdp_dev_iotlb_batch_begin(ctx->dev, 0), 0);
	assert_int_equal(vdp_dev_iotlb_batch_begin(ctx->dev, 0), 0);
	assert_int_equal(vdp_dev_iotlb_invalidate(ctx->dev, 0, t_va(r1.va), r1.len), 0);
	assert_int_equal(vdp_dev_iotlb_batch_end(ctx->dev, 0), 0);
	if (t_stats_enabled()) {
		T_STATS_GET(&st);
		assert_int_equal(st.vhost_entries, 1);
		assert_int_equal(st.device_entries, 1);
	}
	assert_true(vdp_dev_iotlb_msgs(ctx->dev, T_IOTLB_BATCH_BEGIN) >= 3);
	assert_true(vdp_dev_iotlb_msgs(ctx->dev, T_IOTLB_BATCH_END) >= 3);
	t_close(ctx);
	t_region_free(&r1);
	t_region_free(&r2);
}

static void
test_iotlb_overlap(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_region r;
	uint64_t va;

	t_region_alloc(&r, T_REGION_LEN);
	va = t_va(r.va);
	t_open_backend(ctx, T_ALL_BACKEND);
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va, r.len / 2, va, T_ACCESS_RW), 0);
	/* §4.4: any overlap is EEXIST, which write() reports as EFAULT; nothing is replaced */
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va, r.len / 2, va, T_ACCESS_RW),
			 -EFAULT);
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va + 4096, 4096, va + 4096,
					      T_ACCESS_RW), -EFAULT);
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va + r.len / 2 - 1, 2,
					      va + r.len / 2 - 1, T_ACCESS_RW), -EFAULT);
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va - 4096, r.len, va, T_ACCESS_RW),
			 -EFAULT);
	/* the adjacent range does not overlap */
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va + r.len / 2, r.len / 2,
					      va + r.len / 2, T_ACCESS_RW), 0);
	t_close(ctx);
	t_region_free(&r);
}

static void
test_iotlb_size_zero(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_region r;

	t_region_alloc(&r, T_REGION_LEN);
	t_open_backend(ctx, T_ALL_BACKEND);
	/* §4.2 step 4: returned directly, so EINVAL and not EFAULT */
	assert_int_equal(t_write_msg(ctx->fd, T_IOTLB_MSG_V2, 0, T_IOTLB_UPDATE, t_va(r.va), 0,
				     t_va(r.va), T_ACCESS_RW, T_MSG_SIZE), -EINVAL);
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, t_va(r.va), 0, t_va(r.va),
					      T_ACCESS_RW), -EINVAL);
	t_close(ctx);
	t_region_free(&r);
}

static void
test_iotlb_partial_invalidate(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_region r;
	struct t_stats st;
	uint64_t va;

	t_region_alloc(&r, T_REGION_LEN);
	va = t_va(r.va);
	t_open_backend(ctx, T_ALL_BACKEND);
	t_asid1_quiesce(ctx);
	assert_int_equal(t_update(ctx, 0, &r), 0);
	/* §4.5: every intersecting entry goes completely, never split */
	assert_int_equal(vdp_dev_iotlb_invalidate(ctx->dev, 0, va + 4096, 4096), 0);
	/* so both the removed page and the untouched parts can be mapped again */
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va, 4096, va, T_ACCESS_RW), 0);
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va + 8192, r.len - 8192, va + 8192,
					      T_ACCESS_RW), 0);
	if (t_stats_enabled()) {
		T_STATS_GET(&st);
		assert_int_equal(st.vhost_entries, 2);
		assert_int_equal(st.device_entries, 2);
	}
	/* size 0 at iova 0 means last = U64_MAX: everything goes */
	assert_int_equal(vdp_dev_iotlb_invalidate(ctx->dev, 0, 0, 0), 0);
	if (t_stats_enabled()) {
		T_STATS_GET(&st);
		assert_int_equal(st.vhost_entries, 0);
		assert_int_equal(st.device_entries, 0);
	}
	assert_int_equal(t_update(ctx, 0, &r), 0);
	t_close(ctx);
	t_region_free(&r);
}

static void
test_iotlb_asid(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_region r;
	struct t_stats st;

	t_region_alloc(&r, T_REGION_LEN);
	t_open_backend(ctx, T_ALL_BACKEND);
	/* §4.3: only UPDATE and BATCH_BEGIN create an ASID's IOTLB; none exists after open */
	assert_int_equal(vdp_dev_iotlb_invalidate(ctx->dev, 0, t_va(r.va), r.len), -EFAULT);
	assert_int_equal(vdp_dev_iotlb_invalidate(ctx->dev, 1, t_va(r.va), r.len), -EFAULT);
	assert_int_equal(vdp_dev_iotlb_batch_end(ctx->dev, 1), -EFAULT);
	/* asid >= nas */
	assert_int_equal(t_update(ctx, T_NAS, &r), -EFAULT);
	assert_int_equal(vdp_dev_iotlb_batch_begin(ctx->dev, T_NAS), -EFAULT);
	assert_int_equal(vdp_dev_iotlb_msg(ctx->dev, 7, T_IOTLB_UPDATE, t_va(r.va), r.len,
					   t_va(r.va), T_ACCESS_RW), -EFAULT);
	/* each ASID has its own IOTLB: the same IOVA maps in both */
	assert_int_equal(t_update(ctx, 1, &r), 0);
	assert_int_equal(t_update(ctx, 0, &r), 0);
	assert_int_equal(vdp_dev_iotlb_batch_end(ctx->dev, 1), 0);
	if (t_stats_enabled()) {
		T_STATS_GET(&st);
		assert_int_equal(st.vhost_entries, 2);
	}
	assert_int_equal(vdp_dev_iotlb_invalidate(ctx->dev, 1, t_va(r.va), r.len), 0);
	assert_int_equal(t_update(ctx, 0, &r), -EFAULT);
	assert_int_equal(t_update(ctx, 1, &r), 0);
	t_close(ctx);
	t_region_free(&r);
}

static void
test_iotlb_asid_not_acked(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_region r;

	t_region_alloc(&r, T_REGION_LEN);
	t_open_backend(ctx, T_BF_MSG_V2 | T_BF_BATCH);
	/* §4.2: without IOTLB_ASID acked the asid field is ignored: everything is ASID 0 */
	assert_int_equal(t_update(ctx, 5, &r), 0);
	assert_int_equal(t_update(ctx, 0, &r), -EFAULT);
	assert_int_equal(vdp_dev_iotlb_invalidate(ctx->dev, 1, t_va(r.va), r.len), 0);
	assert_int_equal(t_update(ctx, 0, &r), 0);
	t_close(ctx);
	t_region_free(&r);
}

static void
test_iotlb_batch_other_asid(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_region r;

	t_region_alloc(&r, T_REGION_LEN);
	t_open_backend(ctx, T_ALL_BACKEND);
	assert_int_equal(vdp_dev_iotlb_batch_begin(ctx->dev, 0), 0);
	/* §4.3: while a batch is open, a message for another asid fails */
	assert_int_equal(t_update(ctx, 1, &r), -EFAULT);
	assert_int_equal(vdp_dev_iotlb_batch_begin(ctx->dev, 1), -EFAULT);
	assert_int_equal(t_update(ctx, 0, &r), 0);
	assert_int_equal(vdp_dev_iotlb_batch_end(ctx->dev, 0), 0);
	/* closed: asid 1 works again */
	assert_int_equal(t_update(ctx, 1, &r), 0);
	t_close(ctx);
	t_region_free(&r);
}

static void
test_iotlb_msg_formats(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_region r;
	uint64_t va;

	t_region_alloc(&r, T_REGION_LEN);
	va = t_va(r.va);
	/* §4.2: V1 and V2 are both accepted even with no backend feature acked */
	t_open_owned(ctx);
	assert_int_equal(t_write_msg(ctx->fd, T_IOTLB_MSG, 0, T_IOTLB_UPDATE, va, 4096, va,
				     T_ACCESS_RW, T_MSG_SIZE), T_MSG_SIZE);
	assert_int_equal(t_write_msg(ctx->fd, T_IOTLB_MSG_V2, 0, T_IOTLB_UPDATE, va, 4096, va,
				     T_ACCESS_RW, T_MSG_SIZE), -EFAULT);
	/* 40 bytes are enough; the write still reports 72 */
	assert_int_equal(t_write_msg(ctx->fd, T_IOTLB_MSG_V2, 0, T_IOTLB_UPDATE, va + 4096, 4096,
				     va + 4096, T_ACCESS_RW, 40), T_MSG_SIZE);
	/* short messages and unknown message types are EINVAL */
	assert_int_equal(t_write_msg(ctx->fd, T_IOTLB_MSG_V2, 0, T_IOTLB_UPDATE, va + 8192, 4096,
				     va + 8192, T_ACCESS_RW, 39), -EINVAL);
	assert_int_equal(t_write_msg(ctx->fd, T_IOTLB_MSG_V2, 0, T_IOTLB_UPDATE, va + 8192, 4096,
				     va + 8192, T_ACCESS_RW, 3), -EINVAL);
	assert_int_equal(t_write_msg(ctx->fd, 3, 0, T_IOTLB_UPDATE, va + 8192, 4096, va + 8192,
				     T_ACCESS_RW, T_MSG_SIZE), -EINVAL);
	assert_int_equal(t_write_msg(ctx->fd, 0, 0, T_IOTLB_UPDATE, va + 8192, 4096, va + 8192,
				     T_ACCESS_RW, T_MSG_SIZE), -EINVAL);
	/* MISS, ACCESS_FAIL and unknown IOTLB types: the handler's EINVAL becomes EFAULT */
	assert_int_equal(t_write_msg(ctx->fd, T_IOTLB_MSG_V2, 0, T_IOTLB_MISS, va, 4096, va,
				     T_ACCESS_RW, T_MSG_SIZE), -EFAULT);
	assert_int_equal(t_write_msg(ctx->fd, T_IOTLB_MSG_V2, 0, T_IOTLB_ACCESS_FAIL, va, 4096, va,
				     T_ACCESS_RW, T_MSG_SIZE), -EFAULT);
	assert_int_equal(t_write_msg(ctx->fd, T_IOTLB_MSG_V2, 0, 7, va, 4096, va, T_ACCESS_RW,
				     T_MSG_SIZE), -EFAULT);
	assert_int_equal(t_write_msg(ctx->fd, T_IOTLB_MSG_V2, 0, 0, va, 4096, va, T_ACCESS_RW,
				     T_MSG_SIZE), -EFAULT);
	/* V1 has no asid: its 4-byte hole is skipped even when it holds a value */
	assert_int_equal(vdp_dev_set_backend_features(ctx->dev, T_ALL_BACKEND), 0);
	assert_int_equal(t_write_msg(ctx->fd, T_IOTLB_MSG, 1, T_IOTLB_INVALIDATE, va, 4096, 0, 0,
				     T_MSG_SIZE), T_MSG_SIZE);
	assert_int_equal(t_write_msg(ctx->fd, T_IOTLB_MSG_V2, 0, T_IOTLB_UPDATE, va, 4096, va,
				     T_ACCESS_RW, T_MSG_SIZE), T_MSG_SIZE);
	t_close(ctx);
	t_region_free(&r);
}

static void
test_iotlb_perm(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_region r;
	uint64_t va;

	if (strcmp(t_personality(), "platform") == 0)
		skip();	/* the platform-IOMMU path warns on perm outside 1..3 (§4.4) */
	t_region_alloc(&r, T_REGION_LEN);
	va = t_va(r.va);
	t_open_backend(ctx, T_ALL_BACKEND);
	/* §4.4: perm is not validated */
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va, 4096, va, 0), 0);
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va + 4096, 4096, va + 4096,
					      T_ACCESS_RO), 0);
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va + 8192, 4096, va + 8192,
					      T_ACCESS_WO), 0);
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va + 12288, 4096, va + 12288, 7), 0);
	t_close(ctx);
	t_region_free(&r);
}

static void
test_iotlb_range(void **state)
{
	struct t_ctx *ctx = *state;
	uint64_t first, last;
	struct t_region r;
	uint64_t va;

	t_region_alloc(&r, T_REGION_LEN);
	va = t_va(r.va);
	t_open_backend(ctx, T_ALL_BACKEND);
	assert_int_equal(vdp_dev_get_iova_range(ctx->dev, &first, &last), 0);
	/* §4.4 step 1: wrap-around is refused whatever the range */
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, UINT64_MAX - 4095, 8192, va,
					      T_ACCESS_RW), -EFAULT);
	if (first == 0 && last == UINT64_MAX) {
		/* the last page of the 64-bit space is a valid IOVA */
		assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, UINT64_MAX - 4095, 4096, va,
						      T_ACCESS_RW), 0);
		assert_int_equal(vdp_dev_iotlb_invalidate(ctx->dev, 0, UINT64_MAX - 4095, 4096), 0);
		t_close(ctx);
		t_region_free(&r);
		return;
	}
	/* a limited range (--iova-range): below first, above last, across last */
	if (first >= 4096)
		assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, first - 4096, 4096, va,
						      T_ACCESS_RW), -EFAULT);
	if (first > 0)
		assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, first - 1, 4096, va,
						      T_ACCESS_RW), -EFAULT);
	if (last < UINT64_MAX - 4096) {
		assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, last + 1, 4096, va,
						      T_ACCESS_RW), -EFAULT);
		assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, last - 4095, 8192, va,
						      T_ACCESS_RW), -EFAULT);
	}
	/* the first and the last byte of the range are mappable */
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, first, 4096, va, T_ACCESS_RW), 0);
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, last - 4095, 4096, va + 4096,
					      T_ACCESS_RW), 0);
	t_close(ctx);
	t_region_free(&r);
}

static void
test_iotlb_va_mode(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_stats st0, st;
	struct t_region r;
	void *anon, *hole;
	uint64_t iova;

	if (t_opts.iommu_pa)
		skip();
	t_region_alloc(&r, T_REGION_LEN);
	anon = mmap(NULL, T_REGION_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(anon != MAP_FAILED);
	hole = mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(hole != MAP_FAILED);
	munmap(hole, 8192);
	iova = t_va(r.va);
	t_open_backend(ctx, T_ALL_BACKEND);
	assert_int_equal(vdp_dev_iotlb_batch_begin(ctx->dev, 0), 0);
	assert_int_equal(vdp_dev_iotlb_batch_end(ctx->dev, 0), 0);
	if (t_stats_enabled())
		T_STATS_GET(&st0);
	/* §4.4 VA mode: anonymous memory is skipped silently - success, and no entry */
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, iova, T_REGION_LEN, t_va(anon),
					      T_ACCESS_RW), 0);
	if (t_stats_enabled()) {
		T_STATS_GET(&st);
		assert_int_equal(st.vhost_entries, st0.vhost_entries);
	}
	/* ... so the same IOVA is still free for shared memory */
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, iova, r.len, t_va(r.va), T_ACCESS_RW),
			 0);
	/*
	 * A hole below other mappings: vhost_vdpa_va_map()'s find_vma() returns the next VMA
	 * above it (anonymous here), so the hole is skipped and the UPDATE succeeds with no entry
	 * (seen on 6.12.95). Only a hole with no VMA at or above it fails: EINVAL, seen as EFAULT.
	 */
	if (t_stats_enabled())
		T_STATS_GET(&st0);
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, iova + r.len, 4096, t_va(hole),
					      T_ACCESS_RW), 0);
	if (t_stats_enabled()) {
		T_STATS_GET(&st);
		assert_int_equal(st.vhost_entries, st0.vhost_entries);
	}
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, iova + r.len, 4096, T_USER_VA_TOP_PAGE,
					      T_ACCESS_RW), -EFAULT);
	t_close(ctx);
	munmap(anon, T_REGION_LEN);
	t_region_free(&r);
}

int
t_run_iotlb(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_iotlb_update_invalidate, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_iotlb_batch, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_iotlb_overlap, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_iotlb_size_zero, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_iotlb_partial_invalidate, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_iotlb_asid, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_iotlb_asid_not_acked, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_iotlb_batch_other_asid, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_iotlb_msg_formats, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_iotlb_perm, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_iotlb_range, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_iotlb_va_mode, t_setup, t_teardown),
	};

	return cmocka_run_group_tests_name("iotlb", tests, NULL, NULL);
}

/* --- fault injection ------------------------------------------------------------------- */

static void
test_fault_fail_update(void **state)
{
	struct t_ctx *ctx = *state;
	struct t_region r;
	struct t_stats st;
	uint64_t i, n = t_opts.fail_update;
	uint64_t va;

	if (n == 0)
		skip();
	t_region_alloc(&r, (n + 2) * 4096);
	va = t_va(r.va);
	t_open_backend(ctx, T_ALL_BACKEND);
	t_asid1_quiesce(ctx);
	/* the Nth UPDATE of the process fails once, as a kernel handler failure would: EFAULT */
	for (i = 1; i <= n + 1; i++) {
		uint64_t off = (i - 1) * 4096;
		int ret = vdp_dev_iotlb_update(ctx->dev, 0, va + off, 4096, va + off, T_ACCESS_RW);

		if (i == n) {
			assert_int_equal(ret, -EFAULT);
			/* nothing was left behind: the retry maps */
			assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va + off, 4096, va + off,
							      T_ACCESS_RW), 0);
		} else {
			assert_int_equal(ret, 0);
		}
	}
	if (t_stats_enabled()) {
		T_STATS_GET(&st);
		assert_int_equal(st.iotlb_failed, 1);
		assert_int_equal(st.vhost_entries, n + 1);
		assert_int_equal(st.device_entries, n + 1);
	}
	t_close(ctx);
	t_region_free(&r);
}

static void
test_fault_max_entries(void **state)
{
	struct t_ctx *ctx = *state;
	uint32_t i, n = t_opts.max_entries;
	struct t_region r;
	struct t_stats st;
	uint64_t va;

	if (n == 0)
		skip();
	t_region_alloc(&r, ((size_t)n + 1) * 4096);
	va = t_va(r.va);
	t_open_backend(ctx, T_ALL_BACKEND);
	/* §0.3 (6.12.115+): an ASID holding the limit refuses more with ENOSPC, seen as EFAULT */
	for (i = 0; i < n; i++)
		assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va + i * 4096UL, 4096,
						      va + i * 4096UL, T_ACCESS_RW), 0);
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va + n * 4096UL, 4096, va + n * 4096UL,
					      T_ACCESS_RW), -EFAULT);
	/* the limit is per ASID */
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 1, va, 4096, va, T_ACCESS_RW), 0);
	/* freeing one entry makes room for one */
	assert_int_equal(vdp_dev_iotlb_invalidate(ctx->dev, 0, va, 4096), 0);
	assert_int_equal(vdp_dev_iotlb_update(ctx->dev, 0, va + n * 4096UL, 4096, va + n * 4096UL,
					      T_ACCESS_RW), 0);
	if (t_stats_enabled()) {
		T_STATS_GET(&st);
		assert_int_equal(st.iotlb_failed, 1);
		assert_int_equal(st.vhost_entries, n + 1);
	}
	t_close(ctx);
	t_region_free(&r);
}

int
t_run_fault(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fault_fail_update, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_fault_max_entries, t_setup, t_teardown),
	};

	return cmocka_run_group_tests_name("fault", tests, NULL, NULL);
}
