/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/virtq against the fake device: round trips, laps, in-order batches, indirect tables,
 * notification suppression both ways, state for VHOST_SET_VRING_BASE, set-up errors.
 * Every test runs for each ring configuration (split/packed x in-order x event idx x indirect).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdp_dev.h"
#include "virtq_env.h"

#define B_NUM 64

static const struct ve_cfg *
b_cfg(void **state)
{
	return *state;
}

/* RX-like: device-writable buffers come back with the length written, in any order. */
static void
test_roundtrip_in(void **state)
{
	const struct ve_cfg *cfg = b_cfg(state);
	struct fd_chain ch[B_NUM];
	void *cookies[B_NUM];
	uint32_t lens[B_NUM], n, i;
	struct ve e;

	ve_open(&e, cfg->flags, B_NUM);
	assert_int_equal(ve_add(&e, true, 20, 1, 2048), 20);
	assert_int_equal(vdp_virtq_outstanding(e.vq), 20);
	assert_int_equal(vdp_virtq_free_count(e.vq), B_NUM - 20);
	/* nothing used yet */
	assert_false(vdp_virtq_has_used(e.vq));
	assert_int_equal(ve_get(&e, B_NUM, cookies, lens), 0);
	n = ve_dev_pop(&e, ch, B_NUM);
	assert_int_equal(n, 20);
	for (i = 0; i < n; i++) {
		assert_int_equal(ch[i].nseg, 1);
		assert_true(ch[i].seg[0].write);
		assert_int_equal(ch[i].seg[0].len, 2048);
		assert_true(ch[i].seg[0].addr == VE_BUF_IOVA(i + 1, 0));
		ch[i].write_len = 60 + i;
	}
	assert_int_equal(e.fd.errors, 0);
	ve_dev_push(&e, ch, n);
	assert_true(vdp_virtq_has_used(e.vq));
	assert_int_equal(ve_get(&e, B_NUM, cookies, lens), 20);
	for (i = 0; i < 20; i++) {
		assert_ptr_equal(cookies[i], (void *)(uintptr_t)(i + 1));
		assert_int_equal(lens[i], 60 + i);
	}
	assert_int_equal(vdp_virtq_outstanding(e.vq), 0);
	assert_int_equal(vdp_virtq_free_count(e.vq), B_NUM);
	assert_int_equal(ve_stats(&e).used, 20);
	assert_int_equal(ve_stats(&e).added, 20);
	ve_close(&e);
}

/* TX-like: a 12-byte header plus a frame, device-readable; used length 0. */
static void
test_roundtrip_out(void **state)
{
	const struct ve_cfg *cfg = b_cfg(state);
	bool indirect = cfg->flags & VDP_VIRTQ_F_INDIRECT;
	struct vdp_virtq_seg segs[2 * 16];
	struct fd_chain ch[B_NUM];
	void *cookies[16], *back[16];
	uint32_t lens[16], n, i;
	struct ve e;
	uint16_t nsegs[16];

	ve_open(&e, cfg->flags, B_NUM);
	for (i = 0; i < 16; i++) {
		segs[2 * i].iova = 0x1000 + i * 0x100;
		segs[2 * i].len = 12;
		segs[2 * i + 1].iova = 0x900000 + i * 0x1000;
		segs[2 * i + 1].len = 60 + i;
		nsegs[i] = 2;
		cookies[i] = (void *)(uintptr_t)(i + 1);
		e.state[i + 1] = VE_OUT;
	}
	e.next_cookie = 17;
	assert_int_equal(vdp_virtq_add_out(e.vq, segs, nsegs, cookies, 16), 16);
	/* indirect: one slot a buffer; direct: one per segment */
	assert_int_equal(vdp_virtq_free_count(e.vq), B_NUM - (indirect ? 16 : 32));
	n = ve_dev_pop(&e, ch, B_NUM);
	assert_int_equal(n, 16);
	for (i = 0; i < n; i++) {
		assert_int_equal(ch[i].nseg, 2);
		assert_int_equal(ch[i].indirect, indirect);
		assert_int_equal(ch[i].ndesc, indirect ? 1 : 2);
		assert_false(ch[i].seg[0].write);
		assert_false(ch[i].seg[1].write);
		assert_true(ch[i].seg[0].addr == 0x1000 + i * 0x100);
		assert_int_equal(ch[i].seg[0].len, 12);
		assert_true(ch[i].seg[1].addr == 0x900000 + i * 0x1000);
		assert_int_equal(ch[i].seg[1].len, 60 + i);
		ch[i].write_len = 0;
	}
	ve_dev_push(&e, ch, n);
	assert_int_equal(ve_get(&e, 16, back, lens), 16);
	for (i = 0; i < 16; i++)
		assert_int_equal(lens[i], 0);
	assert_int_equal(vdp_virtq_free_count(e.vq), B_NUM);
	ve_close(&e);
}

/* More than fits: the burst stops at the first buffer without room, nothing half-added. */
static void
test_full(void **state)
{
	const struct ve_cfg *cfg = b_cfg(state);
	struct ve e;

	ve_open(&e, cfg->flags, 16);
	assert_int_equal(ve_add(&e, true, 20, 1, 100), 16);
	assert_int_equal(ve_stats(&e).full, 1);
	assert_int_equal(vdp_virtq_free_count(e.vq), 0);
	assert_int_equal(ve_add(&e, true, 1, 1, 100), 0);
	/* a 3-segment chain does not fit in 2 free slots (direct) */
	ve_drain_all(&e);
	assert_int_equal(ve_add(&e, true, 14, 1, 100), 14);
	if (!(cfg->flags & VDP_VIRTQ_F_INDIRECT))
		assert_int_equal(ve_add(&e, false, 1, 3, 100), 0);
	else
		assert_int_equal(ve_add(&e, false, 1, 3, 100), 1);
	/* 0 segments, or more than the ring: refused as bad input */
	{
		struct vdp_virtq_seg s[20] = { { 0 } };
		uint16_t ns = 0;
		void *c = (void *)1;

		assert_int_equal(vdp_virtq_add_out(e.vq, s, &ns, &c, 1), 0);
		ns = 17;
		assert_int_equal(vdp_virtq_add_out(e.vq, s, &ns, &c, 1), 0);
		assert_int_equal(ve_stats(&e).bad_input, 2);
	}
	ve_drain_all(&e);
	ve_close(&e);
}

/*
 * Many laps: random bursts of 1..32 buffers of 1..3 segments, the device completing a random
 * number at a time, in a random order unless in order. Every cookie comes back once, in
 * order when IN_ORDER, with the length written.
 */
static void
test_laps(void **state)
{
	const struct ve_cfg *cfg = b_cfg(state);
	static struct fd_chain pool[64];
	uint32_t npool = 0, expect_next = 1, laps_target = 200, round;
	void *cookies[64];
	uint32_t lens[64];
	struct ve e;

	ve_open(&e, cfg->flags, 64);
	for (round = 0; e.returned < (uint64_t)laps_target * 64; round++) {
		uint16_t burst = 1 + ve_rand(&e) % 32;
		uint16_t nseg = 1 + ve_rand(&e) % 3;
		bool in = ve_rand(&e) & 1;
		uint32_t got, i, k;

		ve_add(&e, in, burst, nseg, 128);
		npool += ve_dev_pop(&e, pool + npool, 64 - npool);
		k = ve_dev_complete_some(&e, pool, &npool);
		got = ve_get(&e, 64, cookies, lens);
		assert_int_equal(got, k);
		for (i = 0; i < got; i++) {
			uintptr_t c = (uintptr_t)cookies[i];

			if (ve_in_order(&e))
				assert_int_equal(c, expect_next++);
			if (e.cap[c] != 0)
				assert_int_equal(lens[i], 1 + e.cap[c] / 2);
			else
				assert_int_equal(lens[i], 0);
		}
	}
	ve_finish_clean(&e);
}

/*
 * Split ring, device completing in order: the descriptors come back in the order they went
 * out and are reused oldest first, so every lap puts the same head in the same avail slot
 * (the driver then need not write the avail ring again, and the device reads it from cache).
 */
static void
test_stable_avail(void **state)
{
	const struct ve_cfg *cfg = b_cfg(state);
	struct fd_chain ch[24];
	uint16_t first[B_NUM];
	void *cookies[24];
	uint32_t lens[24], k = 0, round, i;
	struct ve e;

	ve_open(&e, cfg->flags, B_NUM);
	/* bursts of 24 in a ring of 64: laps start mid-burst */
	for (round = 0; round < 16; round++) {
		assert_int_equal(ve_add(&e, round & 1, 24, 1, 256), 24);
		assert_int_equal(ve_dev_pop(&e, ch, 24), 24);
		for (i = 0; i < 24; i++, k++) {
			if (k < B_NUM)
				first[k] = ch[i].id;
			else
				assert_int_equal(ch[i].id, first[k % B_NUM]);
		}
		ve_dev_push(&e, ch, 24);
		assert_int_equal(ve_get(&e, 24, cookies, lens), 24);
	}
	for (i = 0; i < B_NUM; i++)
		assert_int_equal(first[i], i);
	ve_finish_clean(&e);
}

/* In order: one used element for a batch (2.7.9 / 2.8.20), also split across get calls. */
static void
test_in_order_batch(void **state)
{
	const struct ve_cfg *cfg = b_cfg(state);
	struct fd_chain ch[8];
	void *cookies[8];
	uint32_t lens[8], i, skip = 0;
	struct ve e;

	ve_open(&e, cfg->flags, 16);
	/* mixed lengths: 2-segment chains (2 slots unless indirect) */
	assert_int_equal(ve_add(&e, true, 5, 2, 100), 5);
	assert_int_equal(ve_dev_pop(&e, ch, 8), 5);
	/* one element naming the third buffer: the first three are used */
	for (i = 0; i < 3; i++)
		skip += ch[i].ndesc;
	if (ve_packed(&e)) {
		fd_packed_push_raw(&e.fd, ch[2].id, 77, fd_packed_used_flags(&e.fd), skip);
	} else {
		fd_push(&e.fd, ch[2].id, 0, 77);
		fd_split_skip(&e.fd, 2);
		fd_publish(&e.fd);
	}
	/* only room for two: the batch continues on the next call */
	assert_int_equal(vdp_virtq_get_used(e.vq, cookies, lens, 2), 2);
	ve_returned(&e, cookies[0]);
	ve_returned(&e, cookies[1]);
	assert_ptr_equal(cookies[0], (void *)1);
	assert_ptr_equal(cookies[1], (void *)2);
	/* skipped buffers were used completely (2.7.9): their capacity */
	assert_int_equal(lens[0], 200);
	assert_int_equal(lens[1], 200);
	assert_true(vdp_virtq_has_used(e.vq));
	assert_int_equal(ve_get(&e, 8, cookies, lens), 1);
	assert_ptr_equal(cookies[0], (void *)3);
	assert_int_equal(lens[0], 77);
	/* then ordinary elements go on from the right place */
	ve_dev_push(&e, &ch[3], 2);
	assert_int_equal(ve_get(&e, 8, cookies, lens), 2);
	assert_ptr_equal(cookies[0], (void *)4);
	assert_ptr_equal(cookies[1], (void *)5);
	assert_int_equal(ve_stats(&e).bad_used_id, 0);
	assert_int_equal(vdp_virtq_free_count(e.vq), 16);
	ve_close(&e);
}

/* Split, no EVENT_IDX: VRING_USED_F_NO_NOTIFY decides; nothing added means no kick. */
static void
test_kick_flags(void **state)
{
	const struct ve_cfg *cfg = b_cfg(state);
	struct ve e;

	ve_open(&e, cfg->flags, 16);
	assert_false(vdp_virtq_needs_kick(e.vq));
	ve_add(&e, true, 2, 1, 64);
	assert_true(vdp_virtq_needs_kick(e.vq));
	/* asked once: the same buffers do not ask again */
	assert_false(vdp_virtq_needs_kick(e.vq));
	if (ve_packed(&e))
		fd_packed_set_event(&e.fd, 1, 0);	/* DISABLE */
	else
		fd_split_set_no_notify(&e.fd, true);
	ve_add(&e, true, 2, 1, 64);
	assert_false(vdp_virtq_needs_kick(e.vq));
	if (ve_packed(&e))
		fd_packed_set_event(&e.fd, 0, 0);	/* ENABLE */
	else
		fd_split_set_no_notify(&e.fd, false);
	ve_add(&e, true, 1, 1, 64);
	assert_true(vdp_virtq_needs_kick(e.vq));
	if (ve_packed(&e)) {
		/* DESC without EVENT_IDX negotiated is not something to obey: kick */
		fd_packed_set_event(&e.fd, 2, 0);
		ve_add(&e, true, 1, 1, 64);
		assert_true(vdp_virtq_needs_kick(e.vq));
	}
	assert_int_equal(ve_stats(&e).kicks, ve_packed(&e) ? 3 : 2);
	assert_int_equal(ve_stats(&e).kicks_suppressed, 1);
	ve_drain_all(&e);
	ve_close(&e);
}

/* Advance the ring by count buffers (added, used, returned) in bursts of up to num. */
static void
k_advance(struct ve *e, uint32_t count)
{
	static struct fd_chain ch[256];
	static void *cookies[256];

	while (count > 0) {
		uint32_t b = count > e->num ? e->num : count, n;

		assert_int_equal(ve_add(e, true, (uint16_t)b, 1, 64), b);
		vdp_virtq_needs_kick(e->vq);
		n = ve_dev_pop(e, ch, 256);
		assert_int_equal(n, b);
		ve_dev_push(e, ch, n);
		assert_int_equal(ve_get(e, 256, cookies, NULL), b);
		count -= b;
	}
}

/*
 * Split EVENT_IDX: kick exactly when avail_event lies in [old, new), including when the
 * 16-bit index wraps inside the burst.
 */
static void
test_kick_event_idx_split(void **state)
{
	const struct ve_cfg *cfg = b_cfg(state);
	static const struct {
		uint16_t ev;
		bool kick;
	} cases[] = {
		{ 65534, true },	/* old: the first index added */
		{ 65535, true },
		{ 0, true },
		{ 1, true },		/* new - 1: the last index added */
		{ 2, false },		/* new: not reached yet */
		{ 65533, false },	/* old - 1: passed before this burst */
		{ 32000, false },
	};
	size_t i;
	struct ve e;

	ve_open(&e, cfg->flags, 8);
	/* bring the avail index to 65534: 8191 laps plus 6 */
	k_advance(&e, 65534);
	assert_int_equal(fd_split_avail_idx(&e.fd), 65534);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fd_split_set_avail_event(&e.fd, cases[i].ev);
		/* 4 buffers: indexes 65534, 65535, 0, 1; new = 2 */
		assert_int_equal(ve_add(&e, true, 4, 1, 64), 4);
		if (vdp_virtq_needs_kick(e.vq) != cases[i].kick)
			fail_msg("avail_event %u, old 65534, new 2: kick should be %d",
				 cases[i].ev, cases[i].kick);
		/* and back to 65534 for the next case: one more full 16-bit lap minus 4 */
		ve_drain_all(&e);
		assert_int_equal(vdp_virtq_reset(e.vq), 0);
		fd_init(&e.fd, false, true, 8, e.mem, VE_IOVA_BASE, e.addrs.desc, e.addrs.driver,
			e.addrs.device);
		k_advance(&e, 65534);
	}
	/* the flags are ignored with EVENT_IDX */
	fd_split_set_no_notify(&e.fd, true);
	fd_split_set_avail_event(&e.fd, 65534);
	ve_add(&e, true, 1, 1, 64);
	assert_true(vdp_virtq_needs_kick(e.vq));
	ve_drain_all(&e);
	ve_close(&e);
}

/* Packed EVENT_IDX: kick when the event offset (with its wrap counter) is in [old, new). */
static void
test_kick_event_idx_packed(void **state)
{
	const struct ve_cfg *cfg = b_cfg(state);
	struct ve e;
	uint16_t w1 = 0x8000, w0 = 0;

	ve_open(&e, cfg->flags, 8);
	/* slots 6 (wrap 1) .. the burst of 4 covers 6, 7 (wrap 1), 0, 1 (wrap 0); new = 2/0 */
	k_advance(&e, 6);
	fd_packed_set_event(&e.fd, 2, 6 | w1);
	ve_add(&e, true, 4, 1, 64);
	assert_true(vdp_virtq_needs_kick(e.vq));
	ve_drain_all(&e);
	assert_int_equal(vdp_virtq_reset(e.vq), 0);

	fd_init(&e.fd, true, true, 8, e.mem, VE_IOVA_BASE, e.addrs.desc, e.addrs.driver,
		e.addrs.device);
	k_advance(&e, 6);
	fd_packed_set_event(&e.fd, 2, 1 | w0);	/* the last one added, in the next lap */
	ve_add(&e, true, 4, 1, 64);
	assert_true(vdp_virtq_needs_kick(e.vq));
	ve_drain_all(&e);
	assert_int_equal(vdp_virtq_reset(e.vq), 0);

	fd_init(&e.fd, true, true, 8, e.mem, VE_IOVA_BASE, e.addrs.desc, e.addrs.driver,
		e.addrs.device);
	k_advance(&e, 6);
	fd_packed_set_event(&e.fd, 2, 2 | w0);	/* new: not reached */
	ve_add(&e, true, 4, 1, 64);
	assert_false(vdp_virtq_needs_kick(e.vq));
	ve_drain_all(&e);
	assert_int_equal(vdp_virtq_reset(e.vq), 0);

	fd_init(&e.fd, true, true, 8, e.mem, VE_IOVA_BASE, e.addrs.desc, e.addrs.driver,
		e.addrs.device);
	k_advance(&e, 6);
	fd_packed_set_event(&e.fd, 2, 1 | w1);	/* slot 1 of the previous lap: passed */
	ve_add(&e, true, 4, 1, 64);
	assert_false(vdp_virtq_needs_kick(e.vq));
	/* a hostile offset past the ring size is only arithmetic, never an index */
	fd_packed_set_event(&e.fd, 2, 0x7fff);
	ve_add(&e, true, 1, 1, 64);
	vdp_virtq_needs_kick(e.vq);
	ve_drain_all(&e);
	ve_close(&e);
}

/* Used buffer notifications: what the driver asks, seen from the device side. */
static void
test_intr(void **state)
{
	const struct ve_cfg *cfg = b_cfg(state);
	struct fd_chain ch[16];
	void *cookies[16];
	struct ve e;
	uint32_t n;

	ve_open(&e, cfg->flags, 16);
	ve_add(&e, true, 8, 1, 64);
	n = ve_dev_pop(&e, ch, 16);
	/* enabled by default */
	if (ve_packed(&e)) {
		uint16_t pos = e.fd.used_pos;
		bool wrap = e.fd.used_wrap;

		ve_dev_push(&e, ch, 1);
		assert_true(fd_packed_need_call(&e.fd, pos, wrap));
	} else {
		uint16_t old = e.fd.used_idx;

		ve_dev_push(&e, ch, 1);
		assert_true(fd_split_need_call(&e.fd, old));
	}
	vdp_virtq_intr_disable(e.vq);
	if (ve_packed(&e)) {
		uint16_t pos = e.fd.used_pos;
		bool wrap = e.fd.used_wrap;

		ve_dev_push(&e, ch + 1, 1);
		assert_false(fd_packed_need_call(&e.fd, pos, wrap));
	} else {
		uint16_t old = e.fd.used_idx;

		ve_dev_push(&e, ch + 1, 1);
		assert_false(fd_split_need_call(&e.fd, old));
		if (!(cfg->flags & VDP_VIRTQ_F_EVENT_IDX))
			assert_int_equal(fd_split_avail_flags(&e.fd), 1);
		else
			assert_int_equal(fd_split_avail_flags(&e.fd), 0);
	}
	/* enable with two used and unread: "look again" instead of sleeping */
	assert_true(vdp_virtq_intr_enable(e.vq));
	assert_int_equal(ve_get(&e, 16, cookies, NULL), 2);
	assert_false(vdp_virtq_intr_enable(e.vq));
	if (cfg->flags & VDP_VIRTQ_F_EVENT_IDX) {
		if (ve_packed(&e)) {
			uint16_t fl, ow;

			fd_packed_driver_event(&e.fd, &fl, &ow);
			assert_int_equal(fl, 2);
			assert_int_equal(ow, e.fd.used_pos | (e.fd.used_wrap ? 0x8000 : 0));
		} else {
			assert_int_equal(fd_split_used_event(&e.fd), 2);
		}
	}
	/* the next completion notifies */
	if (ve_packed(&e)) {
		uint16_t pos = e.fd.used_pos;
		bool wrap = e.fd.used_wrap;

		ve_dev_push(&e, ch + 2, 1);
		assert_true(fd_packed_need_call(&e.fd, pos, wrap));
	} else {
		uint16_t old = e.fd.used_idx;

		ve_dev_push(&e, ch + 2, 1);
		assert_true(fd_split_need_call(&e.fd, old));
	}
	(void)n;
	ve_drain_all(&e);
	ve_close(&e);
}

/* What VHOST_SET_VRING_BASE takes, across a wrap, and after drain/reset. */
static void
test_state(void **state)
{
	const struct ve_cfg *cfg = b_cfg(state);
	struct vdp_virtq_state st;
	struct ve e;

	ve_open(&e, cfg->flags, 8);
	if (ve_packed(&e))
		assert_int_equal(vdp_virtq_vring_base(e.vq), 0x80008000u);
	else
		assert_int_equal(vdp_virtq_vring_base(e.vq), 0);
	k_advance(&e, 11);
	ve_add(&e, true, 2, 1, 64);
	vdp_virtq_get_state(e.vq, &st);
	if (ve_packed(&e)) {
		/* avail slot 13 - 8 = 5 in lap 2 (wrap 0); used slot 3 (wrap 0) */
		assert_int_equal(st.avail_idx, 5);
		assert_false(st.avail_wrap);
		assert_int_equal(st.used_idx, 3);
		assert_false(st.used_wrap);
		assert_int_equal(vdp_virtq_vring_base(e.vq), 5u | 3u << 16);
	} else {
		assert_int_equal(st.avail_idx, 13);
		assert_int_equal(st.used_idx, 11);
		assert_int_equal(vdp_virtq_vring_base(e.vq), 13);
	}
	/* reset refuses while buffers are outstanding */
	vdp_log_set_level(VDP_LOG_ERR - 1);
	assert_int_equal(vdp_virtq_reset(e.vq), -EBUSY);
	vdp_log_set_level(VDP_LOG_NOTICE);
	ve_drain_all(&e);
	assert_int_equal(ve_stats(&e).drained, 2);
	assert_int_equal(vdp_virtq_vring_base(e.vq), ve_packed(&e) ? 0x80008000u : 0);
	assert_int_equal(vdp_virtq_reset(e.vq), 0);
	/* a fresh ring works from 0 with a fresh device */
	fd_init(&e.fd, ve_packed(&e), cfg->flags & VDP_VIRTQ_F_EVENT_IDX, 8, e.mem, VE_IOVA_BASE,
		e.addrs.desc, e.addrs.driver, e.addrs.device);
	k_advance(&e, 20);
	ve_close(&e);
}

static void
test_init_errors(void **state)
{
	struct vdp_virtq_conf conf = { .num = 8 };
	struct vdp_virtq_addrs a;
	struct vdp_virtq *vq;
	static uint8_t mem[65536] __attribute__((aligned(64)));

	(void)state;
	vdp_log_set_level(VDP_LOG_ERR - 1);	/* quiet: errors are expected */
	assert_int_equal(vdp_virtq_mem_size(0, 0), 0);
	assert_int_equal(vdp_virtq_mem_size(3, 0), 0);
	assert_int_equal(vdp_virtq_mem_size(65536, 0), 0);
	assert_int_equal(vdp_virtq_mem_size(8, 0x100), 0);
	assert_true(vdp_virtq_mem_size(32768, VDP_VIRTQ_F_PACKED) > 0);
	assert_int_equal(vdp_virtq_obj_size(12), 0);
	conf.mem = mem;
	conf.mem_len = sizeof(mem);
	conf.num = 12;
	assert_int_equal(vdp_virtq_create(&conf, &vq, &a), -EINVAL);
	conf.num = 8;
	conf.flags = 0x40;
	assert_int_equal(vdp_virtq_create(&conf, &vq, &a), -EINVAL);
	conf.flags = 0;
	conf.mem = mem + 8;
	assert_int_equal(vdp_virtq_create(&conf, &vq, &a), -EINVAL);
	conf.mem = mem;
	conf.iova = 0x1004;
	assert_int_equal(vdp_virtq_create(&conf, &vq, &a), -EINVAL);
	conf.iova = 0x1000;
	conf.mem_len = 100;
	assert_int_equal(vdp_virtq_create(&conf, &vq, &a), -EINVAL);
	conf.mem_len = sizeof(mem);
	assert_int_equal(vdp_virtq_init((struct vdp_virtq *)mem, 16, &conf, &a), -EINVAL);
	vdp_log_set_level(VDP_LOG_NOTICE);
	/* the layout: split areas aligned as the spec wants, IOVAs from the given base */
	assert_int_equal(vdp_virtq_create(&conf, &vq, &a), 0);
	assert_true(a.desc == 0x1000);
	assert_true(a.driver % 2 == 0 && a.device % 4 == 0 && a.desc % 16 == 0);
	assert_true(a.driver >= a.desc + 8 * 16);
	assert_true(a.device >= a.driver + 6 + 8 * 2);
	vdp_virtq_free(vq);
}

int
ve_run_basic(const struct ve_cfg *cfgs, size_t ncfg)
{
	static const struct ve_case cases[] = {
		{ .name = "roundtrip_in", .fn = test_roundtrip_in },
		{ .name = "roundtrip_out", .fn = test_roundtrip_out },
		{ .name = "full", .fn = test_full },
		{ .name = "laps", .fn = test_laps },
		{ .name = "stable_avail", .fn = test_stable_avail, .reject = VDP_VIRTQ_F_PACKED },
		{ .name = "in_order_batch", .fn = test_in_order_batch,
			.need = VDP_VIRTQ_F_IN_ORDER },
		{ .name = "kick_flags", .fn = test_kick_flags, .reject = VDP_VIRTQ_F_EVENT_IDX },
		{ .name = "kick_event_idx_split", .fn = test_kick_event_idx_split,
			.need = VDP_VIRTQ_F_EVENT_IDX, .reject = VDP_VIRTQ_F_PACKED },
		{ .name = "kick_event_idx_packed", .fn = test_kick_event_idx_packed,
			.need = VDP_VIRTQ_F_EVENT_IDX | VDP_VIRTQ_F_PACKED },
		{ .name = "intr", .fn = test_intr },
		{ .name = "state", .fn = test_state },
	};
	const struct CMUnitTest once[] = {
		cmocka_unit_test(test_init_errors),
	};
	int ret;

	ret = ve_run_matrix("virtq_basic", cases, sizeof(cases) / sizeof(cases[0]), cfgs, ncfg);
	ret += cmocka_run_group_tests_name("virtq_init", once, NULL, NULL);
	return ret;
}
