/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdp_virtq_add_chain against the fake device: buffers whose first segments are
 * device-readable and the rest device-writable (a virtio-net control command: class, command
 * and data out, the ack byte in). The device must see WRITE on exactly the writable part, in
 * that order; the cookie comes back once; the used length is checked against the writable
 * part only; chains mix with add_out/add_in bursts; a full ring or bad input adds nothing.
 * Every test runs for each ring configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdp_dev.h"
#include "virtq_env.h"

#define C_SEGS_MAX	16
#define C_OUT_LEN	16
#define C_IN_LEN	64

static const struct ve_cfg *
c_cfg(void **state)
{
	return *state;
}

/* The cookie a test buffer was posted with, from its first segment's IOVA (VE_BUF_IOVA). */
static uint32_t
c_cookie_of(const struct fd_chain *ch)
{
	return (uint32_t)((ch->seg[0].addr - VE_BUF_IOVA(0, 0)) / 0x10000);
}

/*
 * Add one chain: n_out readable segments of out_len bytes, then n_in writable ones of in_len.
 * The tracker records the cookie and its writable capacity. Returns what add_chain returned.
 */
static uint16_t
c_add(struct ve *e, uint16_t n_out, uint16_t n_in, uint32_t out_len, uint32_t in_len)
{
	struct vdp_virtq_seg segs[C_SEGS_MAX];
	uint32_t c = e->next_cookie;
	uint16_t j, got;

	assert_true(n_out + n_in <= C_SEGS_MAX);
	for (j = 0; j < n_out + n_in; j++) {
		segs[j].iova = VE_BUF_IOVA(c, j);
		segs[j].len = j < n_out ? out_len : in_len;
	}
	got = vdp_virtq_add_chain(e->vq, segs, n_out, n_in, (void *)(uintptr_t)c);
	if (got == 1) {
		e->state[c] = VE_OUT;
		e->cap[c] = (uint32_t)n_in * in_len;
		e->next_cookie++;
	}
	return got;
}

/* Would a buffer of ns segments go through an indirect table in this configuration? */
static bool
c_goes_indirect(const struct ve *e, uint16_t ns)
{
	return (e->flags & VDP_VIRTQ_F_INDIRECT) && ns >= 2 && ns <= VDP_VIRTQ_INDIRECT_MAX &&
	       ns <= e->num;
}

/* What the device saw of cookie c's buffer: n_out readable then n_in writable segments. */
static void
c_check(const struct ve *e, const struct fd_chain *ch, uint32_t c, uint16_t n_out, uint16_t n_in,
	uint32_t out_len, uint32_t in_len)
{
	uint16_t ns = n_out + n_in, j;
	bool ind = c_goes_indirect(e, ns);

	assert_int_equal(c_cookie_of(ch), c);
	assert_int_equal(ch->nseg, ns);
	assert_int_equal(ch->indirect, ind);
	assert_int_equal(ch->ndesc, ind ? 1 : ns);
	assert_int_equal(ch->read_len, n_out * out_len);
	assert_int_equal(ch->write_len, n_in * in_len);
	for (j = 0; j < ns; j++) {
		const struct fd_seg *s = &ch->seg[j];

		if (s->write != (j >= n_out))
			fail_msg("cookie %u segment %u of %u+%u: WRITE is %d", c, j, n_out, n_in,
				 s->write);
		assert_true(s->addr == VE_BUF_IOVA(c, j));
		assert_int_equal(s->len, j < n_out ? out_len : in_len);
		/* a packed indirect table is an array: NEXT is not used there */
		if (!(ve_packed(e) && ind))
			assert_int_equal((s->flags & 1u) != 0, j + 1 < ns);
	}
}

/* A control command (2 + 1 out, 1 in) and other shapes: flags, lengths, cookies, slots. */
static void
test_chain_roundtrip(void **state)
{
	static const struct {
		uint16_t n_out, n_in;
		uint32_t out_len, in_len, written;
	} shapes[] = {
		{ 2, 1, 2, 1, 1 },		/* class+command, data | ack */
		{ 3, 2, C_OUT_LEN, C_IN_LEN, 100 },
		{ 1, 0, C_OUT_LEN, 0, 0 },	/* all readable */
		{ 0, 2, 0, C_IN_LEN, 128 },	/* all writable */
		{ 1, 1, C_OUT_LEN, C_IN_LEN, 0 },	/* nothing written */
		{ 5, 4, C_OUT_LEN, C_IN_LEN, 3 },	/* 9 segments: direct even with INDIRECT */
	};
	const struct ve_cfg *cfg = c_cfg(state);
	size_t ns = sizeof(shapes) / sizeof(shapes[0]), i;
	struct fd_chain ch[8], done[8];
	uint32_t lens[8], slots = 0, first;
	void *cookies[8];
	struct ve e;

	ve_open(&e, cfg->flags, 32);
	first = e.next_cookie;
	for (i = 0; i < ns; i++) {
		uint16_t n = shapes[i].n_out + shapes[i].n_in;

		assert_int_equal(c_add(&e, shapes[i].n_out, shapes[i].n_in, shapes[i].out_len,
				       shapes[i].in_len), 1);
		slots += c_goes_indirect(&e, n) ? 1 : n;
	}
	assert_int_equal(vdp_virtq_outstanding(e.vq), ns);
	assert_int_equal(vdp_virtq_free_count(e.vq), 32 - slots);
	assert_int_equal(ve_dev_pop(&e, ch, 8), ns);
	assert_int_equal(e.fd.errors, 0);
	for (i = 0; i < ns; i++) {
		c_check(&e, &ch[i], first + i, shapes[i].n_out, shapes[i].n_in, shapes[i].out_len,
			shapes[i].in_len);
		ch[i].write_len = shapes[i].written;
	}
	/* any order unless in order: last first */
	for (i = 0; i < ns; i++)
		done[i] = ch[ve_in_order(&e) ? i : ns - 1 - i];
	ve_dev_push(&e, done, ns);
	assert_int_equal(ve_get(&e, 8, cookies, lens), ns);
	for (i = 0; i < ns; i++) {
		uint32_t c = (uint32_t)(uintptr_t)cookies[i];

		assert_int_equal(c_cookie_of(&done[i]), c);
		assert_int_equal(lens[i], shapes[c - first].written);
	}
	assert_int_equal(ve_stats(&e).added, ns);
	assert_int_equal(ve_stats(&e).used, ns);
	assert_int_equal(ve_stats(&e).bad_used_len, 0);
	assert_int_equal(vdp_virtq_free_count(e.vq), 32);
	ve_close(&e);
}

/* Complete the next available buffer with len; return what get_used reported for it. */
static uint32_t
c_complete(struct ve *e, uint32_t len)
{
	struct fd_chain ch;
	void *cookie;
	uint32_t got_len;

	assert_true(fd_pop(&e->fd, &ch));
	fd_push(&e->fd, ch.id, ch.ndesc, len);
	fd_publish(&e->fd);
	assert_int_equal(ve_get(e, 1, &cookie, &got_len), 1);
	assert_int_equal((uintptr_t)cookie, c_cookie_of(&ch));
	return got_len;
}

/* The used length is checked against the writable part, not the whole chain. */
static void
test_chain_bad_len(void **state)
{
	const struct ve_cfg *cfg = c_cfg(state);
	struct ve e;

	ve_open(&e, cfg->flags, 16);
	/* the whole chain's length (3 read + 1 written) is more than the device may write */
	assert_int_equal(c_add(&e, 2, 1, 2, 1), 1);
	assert_int_equal(c_complete(&e, 4), 0);
	assert_int_equal(ve_stats(&e).bad_used_len, 1);
	/* one past the writable part */
	assert_int_equal(c_add(&e, 2, 2, 2, 8), 1);
	assert_int_equal(c_complete(&e, 17), 0);
	assert_int_equal(ve_stats(&e).bad_used_len, 2);
	/* exactly the writable part, and less */
	assert_int_equal(c_add(&e, 2, 2, 2, 8), 1);
	assert_int_equal(c_complete(&e, 16), 16);
	assert_int_equal(c_add(&e, 2, 1, 2, 1), 1);
	assert_int_equal(c_complete(&e, 1), 1);
	/* nothing writable: any length is too much */
	assert_int_equal(c_add(&e, 2, 0, 2, 0), 1);
	assert_int_equal(c_complete(&e, 1), 0);
	assert_int_equal(ve_stats(&e).bad_used_len, 3);
	/* add_out keeps its capacity: a device echoing a TX length is not a fault */
	assert_int_equal(ve_add(&e, false, 1, 2, 30), 1);
	assert_int_equal(c_complete(&e, 60), 60);
	assert_int_equal(ve_stats(&e).bad_used_len, 3);
	assert_int_equal(ve_stats(&e).bad_used_id, 0);
	assert_false(vdp_virtq_broken(e.vq));
	assert_int_equal(vdp_virtq_outstanding(e.vq), 0);
	ve_close(&e);
}

/* The device saw WRITE on the segments from wfirst on and on no others. */
static void
c_check_dirs(const struct fd_chain *ch, uint16_t wfirst)
{
	uint16_t j;

	for (j = 0; j < ch->nseg; j++)
		if (ch->seg[j].write != (j >= wfirst))
			fail_msg("cookie %u segment %u: WRITE %d, first writable %u",
				 c_cookie_of(ch), j, ch->seg[j].write, wfirst);
}

/*
 * Chains mixed with add_in and add_out bursts over many laps, completed in random order
 * unless in order: every buffer shows the device its own WRITE pattern, every cookie comes
 * back once (in order when IN_ORDER) with the length written.
 */
static void
test_chain_mixed(void **state)
{
	const struct ve_cfg *cfg = c_cfg(state);
	static struct fd_chain pool[64];
	static uint16_t wfirst[1u << 16];	/* per cookie: index of the first writable seg */
	uint32_t npool = 0, expect_next = 1, chains = 0, round;
	void *cookies[64];
	uint32_t lens[64];
	struct ve e;

	ve_open(&e, cfg->flags, 64);
	for (round = 0; e.returned < 100u * 64; round++) {
		uint32_t op = ve_rand(&e) % 3, first = e.next_cookie, got, i, k;
		uint16_t added;

		if (op == 2) {
			uint16_t n = 1 + ve_rand(&e) % 4;

			for (added = 0; added < n; added++) {
				uint16_t n_out = ve_rand(&e) % 5;
				uint16_t n_in = (n_out == 0 ? 1 : 0) + ve_rand(&e) % 3;

				if (c_add(&e, n_out, n_in, C_OUT_LEN, C_IN_LEN) == 0)
					break;
				wfirst[first + added] = n_out;
				chains++;
			}
		} else {
			uint16_t nseg = 1 + ve_rand(&e) % 3;

			added = ve_add(&e, op == 0, 1 + ve_rand(&e) % 16, nseg, 128);
			for (i = 0; i < added; i++)
				wfirst[first + i] = op == 0 ? 0 : nseg;
		}
		assert_true(e.next_cookie < (1u << 16));
		k = ve_dev_pop(&e, pool + npool, 64 - npool);
		for (i = npool; i < npool + k; i++)
			c_check_dirs(&pool[i], wfirst[c_cookie_of(&pool[i])]);
		npool += k;
		k = ve_dev_complete_some(&e, pool, &npool);
		got = ve_get(&e, 64, cookies, lens);
		assert_int_equal(got, k);
		for (i = 0; i < got; i++) {
			uintptr_t c = (uintptr_t)cookies[i];

			if (ve_in_order(&e))
				assert_int_equal(c, expect_next++);
			assert_int_equal(lens[i], e.cap[c] ? 1 + e.cap[c] / 2 : 0);
		}
	}
	assert_true(chains > 100);
	ve_finish_clean(&e);
}

/* A full ring, bad input, a draining ring and (split) a broken one: nothing is added. */
static void
test_chain_full(void **state)
{
	const struct ve_cfg *cfg = c_cfg(state);
	bool indirect = cfg->flags & VDP_VIRTQ_F_INDIRECT;
	struct vdp_virtq_seg segs[C_SEGS_MAX] = { { 0 } };
	void *cookies[8];
	uint16_t n;
	struct ve e;

	ve_open(&e, cfg->flags, 8);
	assert_int_equal(ve_add(&e, true, 6, 1, 100), 6);
	/* 3 segments in 2 free slots: only through an indirect table */
	assert_int_equal(c_add(&e, 2, 1, 2, 1), indirect ? 1 : 0);
	assert_int_equal(ve_stats(&e).full, indirect ? 0 : 1);
	assert_int_equal(ve_stats(&e).added, indirect ? 7 : 6);
	if (indirect) {
		/* one slot left for one more table, then none */
		assert_int_equal(c_add(&e, 1, 1, 2, 1), 1);
		assert_int_equal(c_add(&e, 1, 1, 2, 1), 0);
		assert_int_equal(ve_stats(&e).full, 1);
	}
	ve_drain_all(&e);
	/* 0 segments, more than the ring holds: bad input */
	assert_int_equal(vdp_virtq_add_chain(e.vq, segs, 0, 0, (void *)1), 0);
	assert_int_equal(vdp_virtq_add_chain(e.vq, segs, 5, 4, (void *)1), 0);
	assert_int_equal(vdp_virtq_add_chain(e.vq, segs, 0xffff, 0xffff, (void *)1), 0);
	assert_int_equal(ve_stats(&e).bad_input, 3);
	/* a chain as long as the ring fits an empty one; then nothing more does */
	assert_int_equal(c_add(&e, 4, 4, 2, 1), 1);
	assert_int_equal(vdp_virtq_free_count(e.vq), indirect ? 7 : 0);
	if (!indirect)
		assert_int_equal(c_add(&e, 0, 1, 0, 1), 0);
	ve_drain_all(&e);
	/* draining: nothing is added until the last cookie is out */
	assert_int_equal(ve_add(&e, true, 2, 1, 100), 2);
	assert_int_equal(vdp_virtq_drain(e.vq, cookies, 1), 1);
	ve_returned(&e, cookies[0]);
	assert_int_equal(c_add(&e, 1, 1, 2, 1), 0);
	ve_drain_all(&e);
	assert_int_equal(c_add(&e, 1, 1, 2, 1), 1);
	if (!ve_packed(&e)) {
		/* a used index past what is outstanding breaks the ring: nothing more is added */
		fd_init(&e.fd, false, cfg->flags & VDP_VIRTQ_F_EVENT_IDX, 8, e.mem, VE_IOVA_BASE,
			e.addrs.desc, e.addrs.driver, e.addrs.device);
		fd_split_skip(&e.fd, 5);
		fd_publish(&e.fd);
		vdp_log_set_level(VDP_LOG_ERR - 1);
		n = vdp_virtq_get_used(e.vq, cookies, NULL, 8);
		vdp_log_set_level(VDP_LOG_NOTICE);
		assert_int_equal(n, 0);
		assert_true(vdp_virtq_broken(e.vq));
		n = (uint16_t)ve_stats(&e).added;
		assert_int_equal(c_add(&e, 1, 1, 2, 1), 0);
		assert_int_equal(ve_stats(&e).added, n);
	}
	ve_drain_all(&e);
	ve_close(&e);
}

/*
 * In order: one used element for a batch that holds chains. The chains completed implicitly
 * come back with their writable part's length (0 with nothing writable), the last with the
 * length the element says.
 */
static void
test_chain_in_order_batch(void **state)
{
	const struct ve_cfg *cfg = c_cfg(state);
	struct fd_chain ch[8];
	void *cookies[8];
	uint32_t lens[8], i, skip = 0;
	struct ve e;

	ve_open(&e, cfg->flags, 16);
	assert_int_equal(c_add(&e, 2, 1, 2, 1), 1);		/* 1: ack */
	assert_int_equal(c_add(&e, 2, 0, 2, 0), 1);		/* 2: nothing writable */
	assert_int_equal(ve_add(&e, true, 1, 1, 100), 1);	/* 3: RX-like */
	assert_int_equal(c_add(&e, 1, 2, 2, 8), 1);		/* 4: the batch's last */
	assert_int_equal(ve_dev_pop(&e, ch, 8), 4);
	for (i = 0; i < 4; i++)
		skip += ch[i].ndesc;
	if (ve_packed(&e)) {
		fd_packed_push_raw(&e.fd, ch[3].id, 5, fd_packed_used_flags(&e.fd), skip);
	} else {
		fd_push(&e.fd, ch[3].id, 0, 5);
		fd_split_skip(&e.fd, 3);
		fd_publish(&e.fd);
	}
	assert_int_equal(ve_get(&e, 8, cookies, lens), 4);
	for (i = 0; i < 4; i++)
		assert_ptr_equal(cookies[i], (void *)(uintptr_t)(i + 1));
	assert_int_equal(lens[0], 1);
	assert_int_equal(lens[1], 0);
	assert_int_equal(lens[2], 100);
	assert_int_equal(lens[3], 5);
	assert_int_equal(ve_stats(&e).bad_used_id + ve_stats(&e).bad_used_len, 0);
	assert_int_equal(vdp_virtq_free_count(e.vq), 16);
	ve_close(&e);
}

int
ve_run_chain(const struct ve_cfg *cfgs, size_t ncfg)
{
	static const struct ve_case cases[] = {
		{ .name = "chain_roundtrip", .fn = test_chain_roundtrip },
		{ .name = "chain_bad_len", .fn = test_chain_bad_len },
		{ .name = "chain_mixed", .fn = test_chain_mixed },
		{ .name = "chain_full", .fn = test_chain_full },
		{ .name = "chain_in_order_batch", .fn = test_chain_in_order_batch,
			.need = VDP_VIRTQ_F_IN_ORDER },
	};

	return ve_run_matrix("virtq_chain", cases, sizeof(cases) / sizeof(cases[0]), cfgs, ncfg);
}
