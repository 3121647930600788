/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_virtq_sim: lib/virtq against a real device side (vdpath-sim, or a kernel vhost-vdpa).
 *
 * The device is brought up per spec §10 through lib/vdpa, with both rings from lib/virtq in one
 * MAP_SHARED region mapped with one IOTLB UPDATE (IOVA == VA). N frames go out on TX (vq 1)
 * and come back on RX (vq 0) through the device loopback; every payload is checked. Kicks only
 * when lib/virtq says the device asked; when idle, RX waits on its call eventfd with used
 * buffer notifications re-armed (Rx interrupt mode).
 *
 * With --cvq the control vq (vq 2) is brought up too and takes commands from
 * vdp_virtq_add_chain (class, command and data device-readable, the ack byte device-writable):
 * VIRTIO_NET_CTRL_RX PROMISC on and off must be acked with VIRTIO_NET_OK, one without its
 * data byte with VIRTIO_NET_ERR, and the device's stats file must count them.
 *
 * With --faults the device writes bad used ids or lengths (vdpath-sim --bad-used-id /
 * --bad-used-len): the errors must be counted, no cookie may come back twice, and when the
 * rings stall on buffers the device kept, the test does what the PMD would: stop the device,
 * drain, reset the rings, start again, and forwarding goes on.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "test_common.h"
#include "test_stats.h"
#include "vdp_virtq.h"

#define S_HDR_LEN	12	/* virtio_net_hdr_v1 (VERSION_1, no MRG_RXBUF) */
#define S_FRAME_LEN	60
#define S_BUF_LEN	2048
#define S_BURST		32
#define S_STALL_MS	300
#define S_TIMEOUT_MS	60000

#define S_F_CTRL_VQ	(1ULL << 17)
#define S_F_CTRL_RX	(1ULL << 18)
#define S_F_INDIRECT	(1ULL << 28)
#define S_F_EVENT_IDX	(1ULL << 29)
#define S_F_RING_PACKED	(1ULL << 34)
#define S_F_IN_ORDER	(1ULL << 35)

/* The control vq without MQ, and what it carries (virtio 1.2, 5.1.2, 5.1.6.5). */
#define S_CVQ			2
#define S_CVQ_NUM		16
#define S_CVQ_WAIT_MS		5000
#define S_NET_CTRL_RX		0
#define S_NET_CTRL_RX_PROMISC	0
#define S_NET_OK		0
#define S_NET_ERR		1

static struct {
	uint32_t flags;		/* VDP_VIRTQ_F_* wanted */
	uint32_t frames;
	uint32_t num;
	bool faults;
	bool cvq;
} s_opts = { .frames = 4000, .num = 256 };

enum { S_RX = 0, S_TX = 1 };

struct s_cvq {
	struct vdp_virtq *vq;
	uint8_t *ring;
	uint8_t *buf;		/* one command at a time: header, data, ack */
	int kick, call;
};

struct s_q {
	struct vdp_virtq *vq;
	uint8_t *ring;
	uint8_t *bufs;		/* num buffers of S_BUF_LEN */
	uint8_t *state;		/* per buffer: 1 while the device has it */
	uint16_t *free;		/* free buffer stack (TX) */
	uint32_t nfree;
	int kick, call;
};

struct s_run {
	struct t_ctx *ctx;
	struct t_region mem;
	struct s_q q[2];
	struct s_cvq cvq;	/* --cvq only */
	uint64_t features;
	uint64_t backend;
	size_t ring_span;
	size_t cvq_span;
	/* traffic */
	uint32_t next_seq;	/* next frame to send */
	uint32_t expect_seq;	/* next frame expected on RX */
	uint64_t sent, received, lost, rx_elems, bad_rx;
	uint64_t restarts, call_waits;
	struct vdp_virtq_stats tot[2];	/* summed over restarts */
};

static uint64_t
s_va(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void
s_cookie_out(struct s_q *q, uint32_t idx)
{
	if (q->state[idx] != 0)
		fail_msg("buffer %u posted while the device still has it", idx);
	q->state[idx] = 1;
}

/* A cookie came back (used or drained): it must be out, and only once. */
static uint32_t
s_cookie_back(struct s_q *q, void *cookie)
{
	uintptr_t c = (uintptr_t)cookie;

	if (c == 0 || c > s_opts.num)
		fail_msg("cookie %p was never posted", cookie);
	if (q->state[c - 1] != 1)
		fail_msg("cookie %lu returned twice", (unsigned long)c);
	q->state[c - 1] = 0;
	return (uint32_t)(c - 1);
}

static void
s_kick(struct s_run *r, int qi, bool force)
{
	if (vdp_virtq_needs_kick(r->q[qi].vq) || force)
		t_eventfd_kick(r->q[qi].kick);
}

static void
s_rx_post(struct s_run *r, const uint16_t *idx, uint16_t n)
{
	struct s_q *q = &r->q[S_RX];
	struct vdp_virtq_seg segs[S_BURST];
	void *cookies[S_BURST];
	uint16_t i;

	for (i = 0; i < n; i++) {
		/* no old frame may pass for a new one */
		memset(q->bufs + (size_t)idx[i] * S_BUF_LEN, 0, S_HDR_LEN + 20);
		segs[i].iova = s_va(q->bufs + (size_t)idx[i] * S_BUF_LEN);
		segs[i].len = S_BUF_LEN;
		cookies[i] = (void *)(uintptr_t)(idx[i] + 1);
		s_cookie_out(q, idx[i]);
	}
	assert_int_equal(vdp_virtq_add_in(q->vq, segs, NULL, cookies, n), n);
}

static void
s_rx_post_all(struct s_run *r)
{
	uint16_t idx[S_BURST];
	uint32_t i = 0;

	while (i < s_opts.num) {
		uint16_t n = 0;

		while (n < S_BURST && i < s_opts.num)
			idx[n++] = (uint16_t)i++;
		s_rx_post(r, idx, n);
	}
}

/* §10 step 8 for the control vq: a small ring of its own in the mapped region. */
static void
s_setup_cvq(struct s_run *r)
{
	struct s_cvq *c = &r->cvq;
	struct vdp_dev *dev = r->ctx->dev;
	struct vdp_virtq_addrs a;
	struct vdp_virtq_conf conf = {
		.num = S_CVQ_NUM,
		.flags = s_opts.flags,
		.mem = c->ring,
		.iova = s_va(c->ring),
		.mem_len = r->cvq_span,
		.index = S_CVQ,
	};

	if (c->vq == NULL)
		assert_int_equal(vdp_virtq_create(&conf, &c->vq, &a), 0);
	else
		assert_int_equal(vdp_virtq_init(c->vq, vdp_virtq_obj_size(conf.num), &conf, &a),
				 0);
	assert_int_equal(vdp_dev_set_vring_num(dev, S_CVQ, S_CVQ_NUM), 0);
	assert_int_equal(vdp_dev_set_vring_addr(dev, S_CVQ, a.desc, a.driver, a.device), 0);
	assert_int_equal(vdp_dev_set_vring_base(dev, S_CVQ, vdp_virtq_vring_base(c->vq)), 0);
	assert_int_equal(vdp_dev_set_vring_kick(dev, S_CVQ, c->kick), 0);
	assert_int_equal(vdp_dev_set_vring_call(dev, S_CVQ, c->call), 0);
	assert_int_equal(vdp_dev_set_vring_enable(dev, S_CVQ, true), 0);
}

/* Rings in the mapped region, §10 step 8 for vqs 0 and 1 (and 2 with --cvq), RX filled. */
static void
s_setup_vrings(struct s_run *r)
{
	int qi;

	for (qi = 0; qi < 2; qi++) {
		struct s_q *q = &r->q[qi];
		struct vdp_virtq_addrs a;
		struct vdp_virtq_conf conf = {
			.num = s_opts.num,
			.flags = s_opts.flags,
			.mem = q->ring,
			.iova = s_va(q->ring),
			.mem_len = r->ring_span,
			.index = (uint32_t)qi,
		};
		struct vdp_dev *dev = r->ctx->dev;
		uint32_t i;

		/* a restart lays the rings out again over the same object */
		if (q->vq == NULL)
			assert_int_equal(vdp_virtq_create(&conf, &q->vq, &a), 0);
		else
			assert_int_equal(vdp_virtq_init(q->vq, vdp_virtq_obj_size(conf.num),
							&conf, &a), 0);
		assert_int_equal(vdp_dev_set_vring_num(dev, qi, s_opts.num), 0);
		assert_int_equal(vdp_dev_set_vring_addr(dev, qi, a.desc, a.driver, a.device), 0);
		assert_int_equal(vdp_dev_set_vring_base(dev, qi, vdp_virtq_vring_base(q->vq)), 0);
		assert_int_equal(vdp_dev_set_vring_kick(dev, qi, q->kick), 0);
		assert_int_equal(vdp_dev_set_vring_call(dev, qi, q->call), 0);
		assert_int_equal(vdp_dev_set_vring_enable(dev, qi, true), 0);
		q->nfree = 0;
		for (i = s_opts.num; i > 0; i--)
			q->free[q->nfree++] = (uint16_t)(i - 1);
	}
	if (s_opts.cvq)
		s_setup_cvq(r);
	s_rx_post_all(r);
}

static void
s_map(struct s_run *r)
{
	struct vdp_dev *dev = r->ctx->dev;

	assert_int_equal(vdp_dev_iotlb_batch_begin(dev, 0), 0);
	assert_int_equal(vdp_dev_iotlb_update(dev, 0, s_va(r->mem.va), r->mem.len,
					      s_va(r->mem.va), T_ACCESS_RW), 0);
	assert_int_equal(vdp_dev_iotlb_batch_end(dev, 0), 0);
}

/* §10 step 9: DRIVER_OK, then kick both vqs whatever the rings say (§7.3). */
static void
s_driver_ok(struct s_run *r)
{
	assert_int_equal(vdp_dev_add_status(r->ctx->dev, T_S_DRIVER_OK), 0);
	s_kick(r, S_RX, true);
	s_kick(r, S_TX, true);
	if (s_opts.cvq)
		t_eventfd_kick(r->cvq.kick);
}

static uint64_t
s_wanted_features(void)
{
	uint64_t f = T_FEATURES_REQUIRED;

	if (s_opts.flags & VDP_VIRTQ_F_PACKED)
		f |= S_F_RING_PACKED;
	if (s_opts.flags & VDP_VIRTQ_F_IN_ORDER)
		f |= S_F_IN_ORDER;
	if (s_opts.flags & VDP_VIRTQ_F_EVENT_IDX)
		f |= S_F_EVENT_IDX;
	if (s_opts.flags & VDP_VIRTQ_F_INDIRECT)
		f |= S_F_INDIRECT;
	if (s_opts.cvq)
		f |= S_F_CTRL_VQ | S_F_CTRL_RX;
	return f;
}

static void
s_start(struct s_run *r, struct t_ctx *ctx)
{
	struct vdp_dev_info info;
	size_t len;
	uint8_t *p;
	int qi;

	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->ring_span = (vdp_virtq_mem_size(s_opts.num, s_opts.flags) + 4095) & ~(size_t)4095;
	assert_true(r->ring_span > 0);
	len = 2 * r->ring_span + 2 * (size_t)s_opts.num * S_BUF_LEN;
	if (s_opts.cvq) {
		r->cvq_span = (vdp_virtq_mem_size(S_CVQ_NUM, s_opts.flags) + 4095) &
			      ~(size_t)4095;
		len += r->cvq_span + 4096;
	}
	t_region_alloc(&r->mem, len);
	p = r->mem.va;
	if (s_opts.cvq) {
		r->cvq.ring = p + 2 * r->ring_span + 2 * (size_t)s_opts.num * S_BUF_LEN;
		r->cvq.buf = r->cvq.ring + r->cvq_span;
		r->cvq.kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		r->cvq.call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		assert_true(r->cvq.kick >= 0 && r->cvq.call >= 0);
	}
	for (qi = 0; qi < 2; qi++) {
		r->q[qi].ring = p + qi * r->ring_span;
		r->q[qi].bufs = p + 2 * r->ring_span + (size_t)qi * s_opts.num * S_BUF_LEN;
		r->q[qi].state = calloc(s_opts.num, 1);
		r->q[qi].free = calloc(s_opts.num, sizeof(uint16_t));
		assert_non_null(r->q[qi].state);
		assert_non_null(r->q[qi].free);
		r->q[qi].kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		r->q[qi].call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		assert_true(r->q[qi].kick >= 0 && r->q[qi].call >= 0);
	}
	t_open_owned(ctx);
	assert_int_equal(vdp_dev_negotiate_backend(ctx->dev, T_BF_MSG_V2 | T_BF_BATCH,
						   T_BF_PERSIST, &r->backend), 0);
	assert_int_equal(vdp_dev_query(ctx->dev, &info), 0);
	assert_int_equal(info.device_id, T_DEVICE_ID_NET);
	assert_true(info.vqs >= (s_opts.cvq ? 3u : 2u));
	if (info.vring_num_max < s_opts.num)
		fail_msg("device ring maximum %u < --num %u", info.vring_num_max, s_opts.num);
	r->features = s_wanted_features();
	if ((info.features & r->features) != r->features)
		fail_msg("device offers features 0x%llx, the test needs 0x%llx (run vdpath-sim "
			 "with --features=+...)", (unsigned long long)info.features,
			 (unsigned long long)r->features);
	t_features_ok(ctx, r->features);
	s_map(r);
	s_setup_vrings(r);
	s_driver_ok(r);
}

static void
s_stats_add(struct s_run *r)
{
	int qi;

	for (qi = 0; qi < 2; qi++) {
		struct vdp_virtq_stats st;
		uint64_t *a = (uint64_t *)&r->tot[qi];
		const uint64_t *b = (const uint64_t *)&st;
		size_t i;

		vdp_virtq_stats_get(r->q[qi].vq, &st);
		for (i = 0; i < sizeof(st) / sizeof(uint64_t); i++)
			a[i] += b[i];
		vdp_virtq_stats_reset(r->q[qi].vq);
	}
}

/* Device stopped: every buffer it still had comes back through drain, once. */
static void
s_drain(struct s_run *r)
{
	void *cookies[S_BURST];
	uint16_t n, i;
	uint32_t b;
	int qi;

	for (qi = 0; qi < 2; qi++) {
		struct s_q *q = &r->q[qi];

		while ((n = vdp_virtq_drain(q->vq, cookies, S_BURST)) > 0)
			for (i = 0; i < n; i++)
				s_cookie_back(q, cookies[i]);
		for (b = 0; b < s_opts.num; b++)
			if (q->state[b] != 0)
				fail_msg("vq %d: buffer %u neither used nor drained", qi, b);
		assert_int_equal(vdp_virtq_outstanding(q->vq), 0);
	}
}

/*
 * What the PMD does with a ring it cannot go on with: stop the device, drain, reset the rings
 * and start again (§10 step 10; without PERSIST the map is dropped and redone around the reset).
 */
static void
s_restart(struct s_run *r)
{
	struct vdp_dev *dev = r->ctx->dev;
	bool persist = (r->backend & T_BF_PERSIST) != 0;

	if (!persist)
		assert_int_equal(vdp_dev_iotlb_invalidate(dev, 0, s_va(r->mem.va), r->mem.len), 0);
	assert_int_equal(vdp_dev_reset(dev), 0);
	s_drain(r);
	s_stats_add(r);
	t_features_ok(r->ctx, r->features);
	if (!persist)
		s_map(r);
	s_setup_vrings(r);
	s_driver_ok(r);
	r->restarts++;
}

static void
s_stop(struct s_run *r)
{
	int qi;

	assert_int_equal(vdp_dev_reset(r->ctx->dev), 0);
	s_drain(r);
	s_stats_add(r);
	t_close(r->ctx);
	for (qi = 0; qi < 2; qi++) {
		vdp_virtq_free(r->q[qi].vq);
		free(r->q[qi].state);
		free(r->q[qi].free);
		close(r->q[qi].kick);
		close(r->q[qi].call);
	}
	if (s_opts.cvq) {
		vdp_virtq_free(r->cvq.vq);
		close(r->cvq.kick);
		close(r->cvq.call);
	}
	t_region_free(&r->mem);
}

static void
s_frame_fill(uint8_t *b, uint32_t seq)
{
	uint8_t *eth = b + S_HDR_LEN;
	uint32_t i;

	memset(b, 0, S_HDR_LEN);
	memset(eth, 0xff, 6);
	memcpy(eth + 6, (uint8_t[]){ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }, 6);
	eth[12] = 0x88;
	eth[13] = 0xb5;
	memcpy(eth + 14, &seq, sizeof(seq));
	for (i = 18; i < S_FRAME_LEN; i++)
		eth[i] = (uint8_t)(seq * 7 + i);
}

/* The frame in an RX buffer: its sequence number, or -1 when anything is off. */
static int64_t
s_frame_check(const uint8_t *b, uint32_t len)
{
	const uint8_t *eth = b + S_HDR_LEN;
	uint32_t seq, i;

	if (len != S_HDR_LEN + S_FRAME_LEN)
		return -1;
	for (i = 0; i < S_HDR_LEN; i++)
		if (b[i] != 0)
			return -1;
	for (i = 0; i < 6; i++)
		if (eth[i] != 0xff)
			return -1;
	memcpy(&seq, eth + 14, sizeof(seq));
	for (i = 18; i < S_FRAME_LEN; i++)
		if (eth[i] != (uint8_t)(seq * 7 + i))
			return -1;
	return seq;
}

/* Send up to n frames: header and frame as two segments (one indirect table with INDIRECT). */
static uint16_t
s_tx(struct s_run *r, uint16_t n)
{
	struct s_q *q = &r->q[S_TX];
	struct vdp_virtq_seg segs[2 * S_BURST];
	uint16_t nsegs[S_BURST];
	void *cookies[S_BURST];
	uint16_t i, got;

	for (i = 0; i < n && q->nfree > 0; i++) {
		uint16_t b = q->free[--q->nfree];
		uint8_t *p = q->bufs + (size_t)b * S_BUF_LEN;

		s_frame_fill(p, r->next_seq + i);
		segs[2 * i].iova = s_va(p);
		segs[2 * i].len = S_HDR_LEN;
		segs[2 * i + 1].iova = s_va(p + S_HDR_LEN);
		segs[2 * i + 1].len = S_FRAME_LEN;
		nsegs[i] = 2;
		cookies[i] = (void *)(uintptr_t)(b + 1);
		s_cookie_out(q, b);
	}
	got = vdp_virtq_add_out(q->vq, segs, nsegs, cookies, i);
	/* what did not fit goes back to the pool */
	while (i > got) {
		i--;
		q->state[(uintptr_t)cookies[i] - 1] = 0;
		q->free[q->nfree++] = (uint16_t)((uintptr_t)cookies[i] - 1);
	}
	r->next_seq += got;
	r->sent += got;
	if (got > 0)
		s_kick(r, S_TX, false);
	return got;
}

static uint16_t
s_tx_reclaim(struct s_run *r)
{
	struct s_q *q = &r->q[S_TX];
	void *cookies[S_BURST];
	uint32_t lens[S_BURST];
	uint16_t n, i;

	n = vdp_virtq_get_used(q->vq, cookies, lens, S_BURST);
	for (i = 0; i < n; i++)
		q->free[q->nfree++] = (uint16_t)s_cookie_back(q, cookies[i]);
	return n;
}

static uint16_t
s_rx(struct s_run *r)
{
	struct s_q *q = &r->q[S_RX];
	void *cookies[S_BURST];
	uint32_t lens[S_BURST];
	uint16_t idx[S_BURST];
	uint16_t n, i;

	n = vdp_virtq_get_used(q->vq, cookies, lens, S_BURST);
	for (i = 0; i < n; i++) {
		uint32_t b = s_cookie_back(q, cookies[i]);
		int64_t seq = s_frame_check(q->bufs + (size_t)b * S_BUF_LEN, lens[i]);

		r->rx_elems++;
		idx[i] = (uint16_t)b;
		if (seq < 0) {
			/* only a faulty device may hand back a frame that is not what was sent */
			if (!s_opts.faults)
				fail_msg("RX buffer %u: bad frame (len %u)", b, lens[i]);
			r->bad_rx++;
			continue;
		}
		if ((uint32_t)seq < r->expect_seq)
			fail_msg("frame %lld received again or out of order (expected %u)",
				 (long long)seq, r->expect_seq);
		if ((uint32_t)seq > r->expect_seq && !s_opts.faults)
			fail_msg("frames %u..%lld lost", r->expect_seq, (long long)seq - 1);
		r->lost += (uint32_t)seq - r->expect_seq;
		r->expect_seq = (uint32_t)seq + 1;
		r->received++;
	}
	if (n > 0) {
		s_rx_post(r, idx, n);
		s_kick(r, S_RX, false);
	}
	return n;
}

/* Idle: re-arm RX notifications and sleep on the call eventfd, unless buffers are waiting. */
static void
s_idle(struct s_run *r)
{
	struct s_q *q = &r->q[S_RX];

	if (t_opts.mode == T_MODE_NOTIFY) {
		if (!vdp_virtq_intr_enable(q->vq)) {
			r->call_waits++;
			t_eventfd_wait(q->call, 5);
		}
		vdp_virtq_intr_disable(q->vq);
	} else {
		usleep(50);
	}
}

static void
test_loopback(void **state)
{
	struct s_run run, *r = &run;
	uint64_t start, last_progress;
	uint32_t window = s_opts.num / 2 < S_BURST ? s_opts.num / 2 : S_BURST;
	struct t_stats st;
	int qi;

	s_start(r, *state);
	start = last_progress = t_now_ms();
	while (r->received < s_opts.frames) {
		uint64_t in_flight = r->sent - r->rx_elems;
		bool progress = false;

		if (in_flight < window) {
			uint16_t want = (uint16_t)(window - in_flight);

			progress |= s_tx(r, want) > 0;
		}
		progress |= s_tx_reclaim(r) > 0;
		progress |= s_rx(r) > 0;
		if (progress) {
			last_progress = t_now_ms();
			continue;
		}
		if (t_now_ms() - start > S_TIMEOUT_MS)
			fail_msg("%llu of %u frames in %d ms", (unsigned long long)r->received,
				 s_opts.frames, S_TIMEOUT_MS);
		if (t_now_ms() - last_progress > S_STALL_MS) {
			if (!s_opts.faults)
				fail_msg("stalled after %llu frames (sent %llu)",
					 (unsigned long long)r->received,
					 (unsigned long long)r->sent);
			/* buffers the device kept (bad ids) or a broken ring: restart */
			s_restart(r);
			/* what was in flight is gone with the drain */
			r->rx_elems = r->sent;
			last_progress = t_now_ms();
			continue;
		}
		s_idle(r);
	}
	s_stop(r);
	printf("# %s%s%s%s %s: %llu frames received, %llu lost, %llu bad RX, %llu restarts, "
	       "%llu interrupt waits\n",
	       (s_opts.flags & VDP_VIRTQ_F_PACKED) ? "packed" : "split",
	       (s_opts.flags & VDP_VIRTQ_F_IN_ORDER) ? " in-order" : "",
	       (s_opts.flags & VDP_VIRTQ_F_EVENT_IDX) ? " event-idx" : "",
	       (s_opts.flags & VDP_VIRTQ_F_INDIRECT) ? " indirect" : "",
	       t_opts.mode == T_MODE_POLL ? "poll" : "notify",
	       (unsigned long long)r->received, (unsigned long long)r->lost,
	       (unsigned long long)r->bad_rx, (unsigned long long)r->restarts,
	       (unsigned long long)r->call_waits);
	for (qi = 0; qi < 2; qi++) {
		const struct vdp_virtq_stats *s = &r->tot[qi];

		printf("#   vq %d: added %llu used %llu drained %llu kicks %llu suppressed %llu "
		       "bad id %llu bad len %llu bad wrap %llu bad idx %llu broken %llu\n", qi,
		       (unsigned long long)s->added, (unsigned long long)s->used,
		       (unsigned long long)s->drained, (unsigned long long)s->kicks,
		       (unsigned long long)s->kicks_suppressed, (unsigned long long)s->bad_used_id,
		       (unsigned long long)s->bad_used_len, (unsigned long long)s->bad_wrap,
		       (unsigned long long)s->bad_used_idx, (unsigned long long)s->broken);
		assert_true(s->added == s->used + s->drained);
		if (!s_opts.faults)
			assert_true(s->bad_used_id + s->bad_used_len + s->bad_wrap +
				    s->bad_used_idx + s->broken == 0);
	}
	if (s_opts.faults)
		assert_true(r->tot[0].bad_used_id + r->tot[0].bad_used_len + r->tot[1].bad_used_id +
			    r->tot[1].bad_used_len + r->tot[0].bad_wrap + r->tot[1].bad_wrap > 0);
	/* the device asked for kicks as its mode says */
	if (t_opts.mode == T_MODE_POLL)
		assert_true(r->tot[S_TX].kicks_suppressed > 0);
	else
		assert_true(r->tot[S_TX].kicks > 0);
	if (t_stats_enabled()) {
		T_STATS_GET(&st);
		assert_int_equal(st.dma_faults, 0);
	}
}

/*
 * One control command: class, command and dlen bytes of data device-readable, the ack byte
 * device-writable, as one chain. Waits for the device and returns the ack it wrote.
 */
static uint8_t
s_cvq_cmd(struct s_run *r, uint8_t class, uint8_t cmd, const void *data, uint32_t dlen)
{
	struct s_cvq *c = &r->cvq;
	uint8_t *hdr = c->buf, *dat = c->buf + 64, *ack = c->buf + 128;
	struct vdp_virtq_seg segs[3];
	void *cookie = NULL;
	uint16_t n_out = 0;
	uint32_t len = 0;
	uint64_t start;

	assert_true(dlen <= 64);
	hdr[0] = class;
	hdr[1] = cmd;
	segs[n_out++] = (struct vdp_virtq_seg){ .iova = s_va(hdr), .len = 2 };
	if (dlen > 0) {
		memcpy(dat, data, dlen);
		segs[n_out++] = (struct vdp_virtq_seg){ .iova = s_va(dat), .len = dlen };
	}
	/* not a valid ack: a device that writes nothing shows */
	*ack = 0xff;
	segs[n_out] = (struct vdp_virtq_seg){ .iova = s_va(ack), .len = 1 };
	assert_int_equal(vdp_virtq_add_chain(c->vq, segs, n_out, 1, ack), 1);
	if (vdp_virtq_needs_kick(c->vq))
		t_eventfd_kick(c->kick);
	start = t_now_ms();
	while (vdp_virtq_get_used(c->vq, &cookie, &len, 1) == 0) {
		if (t_now_ms() - start > S_CVQ_WAIT_MS)
			fail_msg("control command class %u command %u: no used buffer in %d ms",
				 class, cmd, S_CVQ_WAIT_MS);
		usleep(100);
	}
	assert_ptr_equal(cookie, ack);
	/* the device wrote the ack byte and nothing else */
	assert_int_equal(len, 1);
	return *ack;
}

static void
test_cvq(void **state)
{
	struct s_run run, *r = &run;
	const uint8_t on = 1, off = 0;
	struct t_stats before, after;
	struct vdp_virtq_stats vs;

	s_start(r, *state);
	if (t_stats_enabled())
		T_STATS_GET(&before);
	assert_int_equal(s_cvq_cmd(r, S_NET_CTRL_RX, S_NET_CTRL_RX_PROMISC, &on, 1), S_NET_OK);
	assert_int_equal(s_cvq_cmd(r, S_NET_CTRL_RX, S_NET_CTRL_RX_PROMISC, &off, 1), S_NET_OK);
	/* PROMISC without its data byte: a malformed command the device must refuse */
	assert_int_equal(s_cvq_cmd(r, S_NET_CTRL_RX, S_NET_CTRL_RX_PROMISC, NULL, 0), S_NET_ERR);
	vdp_virtq_stats_get(r->cvq.vq, &vs);
	assert_int_equal(vs.added, 3);
	assert_int_equal(vs.used, 3);
	assert_true(vs.bad_used_id + vs.bad_used_len + vs.bad_wrap + vs.bad_used_idx +
		    vs.broken == 0);
	assert_int_equal(vdp_virtq_outstanding(r->cvq.vq), 0);
	if (t_stats_enabled()) {
		T_STATS_GET(&after);
		printf("# control vq: %llu commands, %llu ok, %llu refused (device stats)\n",
		       (unsigned long long)(after.cvq_commands - before.cvq_commands),
		       (unsigned long long)(after.cvq_ok - before.cvq_ok),
		       (unsigned long long)(after.cvq_err - before.cvq_err));
		assert_int_equal(after.cvq_commands - before.cvq_commands, 3);
		assert_int_equal(after.cvq_ok - before.cvq_ok, 2);
		assert_int_equal(after.cvq_err - before.cvq_err, 1);
		assert_int_equal(after.dma_faults, 0);
	}
	s_stop(r);
}

static void
s_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [options] [DEVICE]\n"
		"  --packed --in-order --event-idx --indirect   ring features to negotiate\n"
		"  --mode notify|poll   how the device runs (default notify)\n"
		"  --frames N           frames to loop (default 4000)\n"
		"  --num N              ring size (default 256)\n"
		"  --faults             the device injects bad used elements\n"
		"  --cvq                also run control queue commands (needs CTRL_VQ, CTRL_RX)\n"
		"  --stats FILE         vdpath-sim's stats file\n", prog);
}

static int
s_parse(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "packed", no_argument, NULL, 'p' },
		{ "in-order", no_argument, NULL, 'o' },
		{ "event-idx", no_argument, NULL, 'e' },
		{ "indirect", no_argument, NULL, 'i' },
		{ "mode", required_argument, NULL, 'm' },
		{ "frames", required_argument, NULL, 'f' },
		{ "num", required_argument, NULL, 'n' },
		{ "faults", no_argument, NULL, 'F' },
		{ "cvq", no_argument, NULL, 'c' },
		{ "stats", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			s_opts.flags |= VDP_VIRTQ_F_PACKED;
			break;
		case 'o':
			s_opts.flags |= VDP_VIRTQ_F_IN_ORDER;
			break;
		case 'e':
			s_opts.flags |= VDP_VIRTQ_F_EVENT_IDX;
			break;
		case 'i':
			s_opts.flags |= VDP_VIRTQ_F_INDIRECT;
			break;
		case 'm':
			if (strcmp(optarg, "poll") == 0)
				t_opts.mode = T_MODE_POLL;
			else if (strcmp(optarg, "notify") == 0)
				t_opts.mode = T_MODE_NOTIFY;
			else
				return -1;
			break;
		case 'f':
			s_opts.frames = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'n':
			s_opts.num = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'F':
			s_opts.faults = true;
			break;
		case 'c':
			s_opts.cvq = true;
			break;
		case 's':
			t_opts.stats_path = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind < argc)
		t_opts.dev_path = argv[optind];
	if (vdp_virtq_obj_size(s_opts.num) == 0 || s_opts.frames == 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	/* with --cvq, the commands first, then traffic with the control vq up beside it */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cvq, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_loopback, t_setup, t_teardown),
	};
	size_t first;

	if (s_parse(argc, argv) != 0) {
		s_usage(argv[0]);
		return 2;
	}
	if (t_opts.stats_path == NULL)
		t_opts.stats_path = getenv("VDP_TEST_STATS");
	first = s_opts.cvq ? 0 : 1;
	return _cmocka_run_group_tests("virtq_sim", tests + first,
				       sizeof(tests) / sizeof(tests[0]) - first, NULL, NULL);
}
