/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A device that writes what it must not: bad ids, duplicate completions, lengths above the
 * buffer, impossible packed wrap bits, a used index running ahead, and random garbage. Each
 * is counted, nothing crashes or reads out of bounds (run under ASan/UBSan too), no cookie
 * comes back twice, and drain returns every cookie the device kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdp_dev.h"
#include "virtq_env.h"

#define F_NUM 16

static const struct ve_cfg *
f_cfg(void **state)
{
	return *state;
}

/* Device: complete chain c with id replaced. */
static void
f_push_id(struct ve *e, const struct fd_chain *c, uint32_t id, uint32_t len)
{
	fd_push(&e->fd, id, c->ndesc, len);
	fd_publish(&e->fd);
}

static void
test_bad_id(void **state)
{
	const struct ve_cfg *cfg = f_cfg(state);
	struct fd_chain ch[F_NUM];
	void *cookies[F_NUM];
	uint32_t lens[F_NUM];
	struct ve e;

	ve_open(&e, cfg->flags, F_NUM);
	assert_int_equal(ve_add(&e, true, 4, 1, 100), 4);
	assert_int_equal(ve_dev_pop(&e, ch, F_NUM), 4);
	/* out of range (id + num, as vdpath-sim --bad-used-id does) */
	f_push_id(&e, &ch[0], ch[0].id + F_NUM, 50);
	ve_dev_push(&e, &ch[1], 3);
	if (ve_in_order(&e)) {
		/* by position it is the first buffer's: back, with nothing to trust in it */
		assert_int_equal(ve_get(&e, F_NUM, cookies, lens), 4);
		assert_ptr_equal(cookies[0], (void *)1);
		assert_int_equal(lens[0], 0);
		assert_int_equal(lens[1], 100);
	} else {
		/* the buffer it was for stays outstanding until drain */
		assert_int_equal(ve_get(&e, F_NUM, cookies, lens), 3);
		assert_int_equal(vdp_virtq_outstanding(e.vq), 1);
	}
	assert_int_equal(ve_stats(&e).bad_used_id, 1);
	assert_false(vdp_virtq_broken(e.vq));
	/* a huge id is just out of range too */
	assert_int_equal(ve_add(&e, true, 2, 1, 100), 2);
	assert_int_equal(ve_dev_pop(&e, ch, F_NUM), 2);
	f_push_id(&e, &ch[0], 0xffffffffu, 1);
	ve_dev_push(&e, &ch[1], 1);
	ve_get(&e, F_NUM, cookies, lens);
	assert_int_equal(ve_stats(&e).bad_used_id, 2);
	ve_drain_all(&e);
	ve_close(&e);
}

/* An id completed twice, or one never made available: counted, never returned twice. */
static void
test_duplicate(void **state)
{
	const struct ve_cfg *cfg = f_cfg(state);
	struct fd_chain ch[F_NUM];
	void *cookies[F_NUM];
	struct ve e;

	ve_open(&e, cfg->flags, F_NUM);
	assert_int_equal(ve_add(&e, true, 4, 1, 100), 4);
	assert_int_equal(ve_dev_pop(&e, ch, F_NUM), 4);
	ve_dev_push(&e, &ch[0], 1);
	ve_dev_push(&e, &ch[0], 1);		/* again */
	ve_dev_push(&e, &ch[1], 1);
	ve_get(&e, F_NUM, cookies, NULL);
	assert_true(ve_stats(&e).bad_used_id >= 1);
	/* an id the driver never used (not outstanding) */
	if (!ve_in_order(&e)) {
		f_push_id(&e, &ch[3], ve_packed(&e) ? F_NUM - 1 : 9, 10);
		ve_get(&e, F_NUM, cookies, NULL);
		assert_true(ve_stats(&e).bad_used_id >= 2);
	}
	ve_drain_all(&e);
	ve_close(&e);
}

static void
test_bad_len(void **state)
{
	const struct ve_cfg *cfg = f_cfg(state);
	struct fd_chain ch[F_NUM];
	void *cookies[F_NUM];
	uint32_t lens[F_NUM];
	struct ve e;

	ve_open(&e, cfg->flags, F_NUM);
	assert_int_equal(ve_add(&e, true, 3, 1, 100), 3);
	assert_int_equal(ve_dev_pop(&e, ch, F_NUM), 3);
	f_push_id(&e, &ch[0], ch[0].id, 101);
	f_push_id(&e, &ch[1], ch[1].id, 100);
	f_push_id(&e, &ch[2], ch[2].id, 0xffffffffu);
	assert_int_equal(ve_get(&e, F_NUM, cookies, lens), 3);
	assert_int_equal(lens[0], 0);
	assert_int_equal(lens[1], 100);
	assert_int_equal(lens[2], 0);
	assert_int_equal(ve_stats(&e).bad_used_len, 2);
	/* device-readable: header + frame, 72 bytes; more than that cannot have been used */
	assert_int_equal(ve_add(&e, false, 2, 2, 36), 2);
	assert_int_equal(ve_dev_pop(&e, ch, F_NUM), 2);
	f_push_id(&e, &ch[0], ch[0].id, 73);
	f_push_id(&e, &ch[1], ch[1].id, 0);
	assert_int_equal(ve_get(&e, F_NUM, cookies, lens), 2);
	assert_int_equal(lens[0], 0);
	assert_int_equal(ve_stats(&e).bad_used_len, 3);
	ve_close(&e);
}

/* Split: used->idx moves past everything outstanding: broken until drain and reset. */
static void
test_used_idx_ahead(void **state)
{
	const struct ve_cfg *cfg = f_cfg(state);
	struct fd_chain ch[F_NUM];
	void *cookies[F_NUM];
	struct ve e;

	ve_open(&e, cfg->flags, F_NUM);
	assert_int_equal(ve_add(&e, true, 2, 1, 100), 2);
	assert_int_equal(ve_dev_pop(&e, ch, F_NUM), 2);
	ve_dev_push(&e, ch, 1);
	fd_split_skip(&e.fd, 40000);
	fd_publish(&e.fd);
	vdp_log_set_level(VDP_LOG_ERR - 1);
	assert_int_equal(ve_get(&e, F_NUM, cookies, NULL), 0);
	vdp_log_set_level(VDP_LOG_NOTICE);
	assert_true(vdp_virtq_broken(e.vq));
	assert_int_equal(ve_stats(&e).bad_used_idx, 1);
	assert_false(vdp_virtq_has_used(e.vq));
	assert_int_equal(ve_add(&e, true, 1, 1, 100), 0);
	ve_drain_all(&e);
	assert_false(vdp_virtq_broken(e.vq));
	fd_init(&e.fd, false, cfg->flags & VDP_VIRTQ_F_EVENT_IDX, F_NUM, e.mem, VE_IOVA_BASE,
		e.addrs.desc, e.addrs.driver, e.addrs.device);
	assert_int_equal(ve_add(&e, true, 2, 1, 100), 2);
	assert_int_equal(ve_dev_pop(&e, ch, F_NUM), 2);
	ve_dev_push(&e, ch, 2);
	assert_int_equal(ve_get(&e, F_NUM, cookies, NULL), 2);
	ve_close(&e);
}

/* Packed: USED set for this lap with AVAIL not (no valid descriptor looks like that). */
static void
test_bad_wrap(void **state)
{
	const struct ve_cfg *cfg = f_cfg(state);
	struct fd_chain ch[F_NUM];
	void *cookies[F_NUM];
	uint32_t lens[F_NUM];
	struct ve e;

	ve_open(&e, cfg->flags, F_NUM);
	assert_int_equal(ve_add(&e, true, 3, 1, 100), 3);
	assert_int_equal(ve_dev_pop(&e, ch, F_NUM), 3);
	/* lap 1: used = AVAIL|USED; bad = USED only */
	fd_packed_push_raw(&e.fd, ch[0].id, 10, 1u << 15, 1);
	ve_dev_push(&e, &ch[1], 2);
	if (ve_in_order(&e)) {
		assert_int_equal(ve_get(&e, F_NUM, cookies, lens), 3);
		assert_int_equal(lens[0], 0);
	} else {
		assert_int_equal(ve_get(&e, F_NUM, cookies, lens), 2);
	}
	assert_int_equal(ve_stats(&e).bad_wrap, 1);
	assert_int_equal(ve_stats(&e).bad_used_id, 0);
	/* the previous lap's "used" bits (both 0 in lap 1) are not used: nothing happens */
	assert_int_equal(ve_add(&e, true, 1, 1, 100), 1);
	assert_int_equal(ve_dev_pop(&e, ch, F_NUM), 1);
	fd_packed_push_raw(&e.fd, ch[0].id, 10, 0, 0);
	assert_int_equal(ve_get(&e, F_NUM, cookies, lens), 0);
	assert_int_equal(ve_stats(&e).bad_wrap, 1);
	ve_drain_all(&e);
	ve_close(&e);
}

/* Packed, any order: a bad id with buffers of different lengths out: position unknown. */
static void
test_packed_unknown_position(void **state)
{
	const struct ve_cfg *cfg = f_cfg(state);
	struct fd_chain ch[F_NUM];
	void *cookies[F_NUM];
	struct ve e;

	ve_open(&e, cfg->flags, F_NUM);
	assert_int_equal(ve_add(&e, true, 2, 1, 100), 2);
	assert_int_equal(ve_add(&e, false, 2, 2, 100), 2);
	assert_int_equal(ve_dev_pop(&e, ch, F_NUM), 4);
	f_push_id(&e, &ch[0], 1000, 1);
	vdp_log_set_level(VDP_LOG_ERR - 1);
	assert_int_equal(ve_get(&e, F_NUM, cookies, NULL), 0);
	vdp_log_set_level(VDP_LOG_NOTICE);
	assert_true(vdp_virtq_broken(e.vq));
	assert_int_equal(ve_stats(&e).broken, 1);
	ve_drain_all(&e);
	assert_false(vdp_virtq_broken(e.vq));
	ve_close(&e);
}

/* Drain: whatever was taken, used, left: every cookie comes back once. */
static void
test_drain(void **state)
{
	const struct ve_cfg *cfg = f_cfg(state);
	struct fd_chain ch[F_NUM];
	void *cookies[F_NUM];
	struct ve e;
	uint16_t n;

	ve_open(&e, cfg->flags, F_NUM);
	assert_int_equal(ve_add(&e, true, 6, 1, 100), 6);
	assert_int_equal(ve_add(&e, false, 3, 2, 50), 3);
	assert_int_equal(ve_dev_pop(&e, ch, 4), 4);	/* the device took 4 */
	ve_dev_push(&e, ch, 2);				/* and used 2 */
	assert_int_equal(ve_get(&e, 1, cookies, NULL), 1);	/* one read back */
	/* drain in small steps; burst paths stop meanwhile */
	n = vdp_virtq_drain(e.vq, cookies, 3);
	assert_int_equal(n, 3);
	while (n-- > 0)
		ve_returned(&e, cookies[n]);
	assert_int_equal(vdp_virtq_get_used(e.vq, cookies, NULL, F_NUM), 0);
	assert_int_equal(ve_add(&e, true, 1, 1, 100), 0);
	ve_drain_all(&e);
	assert_int_equal(ve_stats(&e).drained, 8);
	/* drained ring: back at position 0, usable after a device restart */
	assert_int_equal(vdp_virtq_reset(e.vq), 0);
	fd_init(&e.fd, ve_packed(&e), cfg->flags & VDP_VIRTQ_F_EVENT_IDX, F_NUM, e.mem,
		VE_IOVA_BASE, e.addrs.desc, e.addrs.driver, e.addrs.device);
	assert_int_equal(ve_add(&e, true, F_NUM, 1, 100), F_NUM);
	assert_int_equal(ve_dev_pop(&e, ch, F_NUM), F_NUM);
	ve_dev_push(&e, ch, F_NUM);
	assert_int_equal(ve_get(&e, F_NUM, cookies, NULL), F_NUM);
	ve_close(&e);
}

/* The fuzz device's garbage: split writes used elements, packed used descriptors. */
static void
f_garbage(struct ve *e, uint32_t popped_slots)
{
	uint64_t r = ve_rand(e);
	uint32_t id = (r & 1) ? (uint32_t)(r >> 8) % (2 * e->num) : (uint32_t)(r >> 8);
	uint32_t len = (r & 2) ? (uint32_t)(r >> 20) % 300 : (uint32_t)(r >> 32);

	if (!ve_packed(e)) {
		uint16_t step = (r & 0x1f0) == 0x1f0 ? (uint16_t)(r >> 40) : 1 + (r >> 40) % 3;

		fd_push(&e->fd, id, 1, len);
		fd_split_skip(&e->fd, step - 1);
		fd_publish(&e->fd);
		return;
	}
	if (popped_slots == 0)
		return;
	{
		static const uint16_t flag_set[] = { 0x8080, 0x0000, 0x8000, 0x0080, 0x8081 };
		uint16_t flags = (r & 4) ? fd_packed_used_flags(&e->fd) :
				 flag_set[(r >> 12) % 5];
		uint16_t skip = 1 + (uint16_t)((r >> 16) % popped_slots);

		fd_packed_push_raw(&e->fd, (uint16_t)id, len, flags, skip);
	}
}

/* Slots the fake device took and has not completed (packed). */
static uint32_t
f_popped(const struct ve *e)
{
	uint32_t span = 2 * e->num;
	uint32_t a = e->fd.avail_wrap ? e->fd.avail_pos : e->fd.avail_pos + e->num;
	uint32_t u = e->fd.used_wrap ? e->fd.used_pos : e->fd.used_pos + e->num;

	return (a + span - u) % span;
}

/*
 * Episodes of a device mixing honest completions with garbage. The library must stay in
 * bounds (ASan), never return a cookie twice (tracker), and account for every cookie once
 * the episode's drain is done.
 */
static void
test_fuzz(void **state)
{
	const struct ve_cfg *cfg = f_cfg(state);
	static struct fd_chain pool[F_NUM];
	void *cookies[F_NUM];
	uint32_t lens[F_NUM];
	uint64_t added = 0;
	int episode, round;
	struct ve e;

	ve_open(&e, cfg->flags, F_NUM);
	vdp_log_set_level(VDP_LOG_ERR - 1);
	for (episode = 0; episode < 300; episode++) {
		uint32_t npool = 0;

		for (round = 0; round < 40; round++) {
			uint16_t burst = 1 + ve_rand(&e) % 8, nseg = 1 + ve_rand(&e) % 2;
			uint32_t k;

			added += ve_add(&e, ve_rand(&e) & 1, burst, nseg, 100);
			vdp_virtq_needs_kick(e.vq);
			npool += ve_dev_pop(&e, pool + npool, F_NUM - npool);
			if (ve_rand(&e) % 4 == 0) {
				f_garbage(&e, ve_packed(&e) ? f_popped(&e) : 1);
			} else if (npool > 0) {
				k = 1 + ve_rand(&e) % npool;
				ve_dev_push(&e, pool, k);
				memmove(pool, pool + k, (npool - k) * sizeof(pool[0]));
				npool -= k;
			}
			ve_get(&e, F_NUM, cookies, lens);
			(void)vdp_virtq_has_used(e.vq);
			(void)vdp_virtq_intr_enable(e.vq);
			if (vdp_virtq_broken(e.vq))
				break;
		}
		ve_drain_all(&e);
		assert_int_equal(vdp_virtq_reset(e.vq), 0);
		fd_init(&e.fd, ve_packed(&e), cfg->flags & VDP_VIRTQ_F_EVENT_IDX, F_NUM, e.mem,
			VE_IOVA_BASE, e.addrs.desc, e.addrs.driver, e.addrs.device);
	}
	vdp_log_set_level(VDP_LOG_NOTICE);
	assert_true(e.returned == added);
	printf("# fuzz %s: %llu buffers, bad id %llu, bad len %llu, bad wrap %llu, "
	       "bad idx %llu, broken %llu, drained %llu\n", cfg->name,
	       (unsigned long long)added, (unsigned long long)ve_stats(&e).bad_used_id,
	       (unsigned long long)ve_stats(&e).bad_used_len,
	       (unsigned long long)ve_stats(&e).bad_wrap,
	       (unsigned long long)ve_stats(&e).bad_used_idx,
	       (unsigned long long)ve_stats(&e).broken, (unsigned long long)ve_stats(&e).drained);
	ve_close(&e);
}

int
ve_run_faults(const struct ve_cfg *cfgs, size_t ncfg)
{
	static const struct ve_case cases[] = {
		{ .name = "bad_id", .fn = test_bad_id },
		{ .name = "duplicate", .fn = test_duplicate },
		{ .name = "bad_len", .fn = test_bad_len },
		{ .name = "used_idx_ahead", .fn = test_used_idx_ahead,
			.reject = VDP_VIRTQ_F_PACKED },
		{ .name = "bad_wrap", .fn = test_bad_wrap, .need = VDP_VIRTQ_F_PACKED },
		{ .name = "packed_unknown_position", .fn = test_packed_unknown_position,
			.need = VDP_VIRTQ_F_PACKED,
			.reject = VDP_VIRTQ_F_IN_ORDER | VDP_VIRTQ_F_INDIRECT },
		{ .name = "drain", .fn = test_drain },
		{ .name = "fuzz", .fn = test_fuzz },
	};

	return ve_run_matrix("virtq_faults", cases, sizeof(cases) / sizeof(cases[0]), cfgs, ncfg);
}
