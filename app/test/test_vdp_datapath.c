/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Group "datapath": a split-ring device brought up through lib/vdpa alone, per §10, with
 * rings and buffers in one MAP_SHARED region mapped with one UPDATE (IOVA == VA). Frames sent
 * on TX (vq 1) come back on RX (vq 0) through vdpa_sim_net's loopback (§8.4).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "test_common.h"
#include "test_ring.h"
#include "test_stats.h"

#define T_DP_NUM	256
#define T_DP_BUFS	32
#define T_DP_BUF_LEN	2048
#define T_DP_HDR_LEN	12	/* virtio_net_hdr_v1 with VERSION_1 (§8.4) */
#define T_DP_FRAME_LEN	60
#define T_DP_WAIT_MS	5000
#define T_DP_RING_SPAN	(64UL << 10)

struct t_dp {
	struct t_ctx *ctx;
	struct t_region mem;
	struct t_vring vr[2];		/* 0 RX, 1 TX */
	int kick[2];
	int call[2];
	volatile uint16_t *db[2];
	uint8_t *rxbuf;			/* T_DP_BUFS buffers */
	uint8_t *txbuf;
	uint16_t tx_next;
	uint64_t acked;
};

static struct t_dp t_dp;

static const uint8_t t_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static uint64_t
t_va(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void
t_dp_kick(struct t_dp *dp, int q)
{
	if (!t_vring_needs_kick(&dp->vr[q]))
		return;
	if (dp->db[q] != NULL)
		*dp->db[q] = (uint16_t)q;
	else
		t_eventfd_kick(dp->kick[q]);
}

static void
t_dp_post_rx(struct t_dp *dp, uint8_t fill)
{
	uint16_t i;

	memset(dp->rxbuf, fill, (size_t)T_DP_BUFS * T_DP_BUF_LEN);
	for (i = 0; i < T_DP_BUFS; i++)
		t_vring_post(&dp->vr[0], i, t_va(dp->rxbuf + (size_t)i * T_DP_BUF_LEN), T_DP_BUF_LEN,
			     true);
}

/* §10 step 8 for vqs 0 and 1, with fresh rings in the (already mapped) region. */
static void
t_dp_setup_vrings(struct t_dp *dp)
{
	int q;

	for (q = 0; q < 2; q++) {
		struct vdp_dev *dev = dp->ctx->dev;

		t_vring_init(&dp->vr[q], dp->mem.va + q * T_DP_RING_SPAN, T_DP_NUM);
		assert_int_equal(vdp_dev_set_vring_num(dev, q, T_DP_NUM), 0);
		assert_int_equal(vdp_dev_set_vring_addr(dev, q, t_vring_desc_addr(&dp->vr[q]),
							t_vring_avail_addr(&dp->vr[q]),
							t_vring_used_addr(&dp->vr[q])), 0);
		assert_int_equal(vdp_dev_set_vring_base(dev, q, 0), 0);
		assert_int_equal(vdp_dev_set_vring_kick(dev, q, dp->kick[q]), 0);
		assert_int_equal(vdp_dev_set_vring_call(dev, q, dp->call[q]), 0);
		assert_int_equal(vdp_dev_set_vring_enable(dev, q, true), 0);
	}
	dp->tx_next = 0;
	t_dp_post_rx(dp, 0);
}

/* §10 steps 9: DRIVER_OK, then kick RX and TX. */
static void
t_dp_driver_ok(struct t_dp *dp)
{
	uint8_t status = 0;

	assert_int_equal(vdp_dev_add_status(dp->ctx->dev, T_S_DRIVER_OK), 0);
	assert_int_equal(vdp_dev_get_status(dp->ctx->dev, &status), 0);
	assert_int_equal(status, T_S_ACK | T_S_DRIVER | T_S_FEATURES_OK | T_S_DRIVER_OK);
	t_dp_kick(dp, 0);
	t_dp_kick(dp, 1);
}

static void
t_dp_map(struct t_dp *dp)
{
	struct vdp_dev *dev = dp->ctx->dev;

	assert_int_equal(vdp_dev_iotlb_batch_begin(dev, 0), 0);
	assert_int_equal(vdp_dev_iotlb_update(dev, 0, t_va(dp->mem.va), dp->mem.len,
					      t_va(dp->mem.va), T_ACCESS_RW), 0);
	assert_int_equal(vdp_dev_iotlb_batch_end(dev, 0), 0);
}

/* §10 steps 1-9 with backend features MSG_V2 | BATCH | extra. */
static void
t_dp_start(struct t_dp *dp, struct t_ctx *ctx, uint64_t extra)
{
	struct vdp_dev_info info;
	uint8_t cfg[T_CONFIG_SIZE];
	uint32_t group;
	int q;

	memset(dp, 0, sizeof(*dp));
	dp->ctx = ctx;
	t_region_alloc(&dp->mem, 2UL << 20);
	dp->rxbuf = dp->mem.va + 2 * T_DP_RING_SPAN;
	dp->txbuf = dp->rxbuf + (size_t)T_DP_BUFS * T_DP_BUF_LEN;
	for (q = 0; q < 2; q++) {
		dp->kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		dp->call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		assert_true(dp->kick[q] >= 0 && dp->call[q] >= 0);
	}
	t_open_owned(ctx);
	assert_int_equal(vdp_dev_negotiate_backend(ctx->dev, T_BF_MSG_V2 | T_BF_BATCH, extra,
						   &dp->acked), 0);
	assert_int_equal(vdp_dev_query(ctx->dev, &info), 0);
	assert_int_equal(info.device_id, T_DEVICE_ID_NET);
	assert_true(info.vqs >= 2);
	for (q = 0; q < 2; q++) {
		assert_int_equal(vdp_dev_get_vring_group(ctx->dev, q, &group), 0);
		assert_int_equal(group, 0);
	}
	t_features_ok(ctx, T_FEATURES_REQUIRED);
	t_dp_map(dp);
	assert_int_equal(vdp_dev_get_config(ctx->dev, 0, cfg, sizeof(cfg)), 0);
	if (t_opts.doorbell)
		for (q = 0; q < 2; q++)
			assert_int_equal(vdp_dev_doorbell_map(ctx->dev, q, &dp->db[q]), 0);
	t_dp_setup_vrings(dp);
	t_dp_driver_ok(dp);
}

static void
t_dp_stop(struct t_dp *dp)
{
	int q;

	for (q = 0; q < 2; q++) {
		if (dp->db[q] != NULL)
			vdp_dev_doorbell_unmap(dp->ctx->dev, q);
		dp->db[q] = NULL;
	}
	t_close(dp->ctx);
	for (q = 0; q < 2; q++) {
		close(dp->kick[q]);
		close(dp->call[q]);
	}
	t_region_free(&dp->mem);
}

/* Queue one frame to dst with payload byte seq on TX and kick. */
static void
t_dp_send(struct t_dp *dp, const uint8_t dst[6], uint8_t seq)
{
	uint16_t slot = dp->tx_next++ % T_DP_BUFS;
	uint8_t *b = dp->txbuf + (size_t)slot * T_DP_BUF_LEN;
	uint8_t *eth = b + T_DP_HDR_LEN;

	memset(b, 0, T_DP_HDR_LEN);
	memcpy(eth, dst, 6);
	memcpy(eth + 6, (uint8_t[]){ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }, 6);
	eth[12] = 0x88;
	eth[13] = 0xb5;	/* local experimental ethertype */
	memset(eth + 14, seq, T_DP_FRAME_LEN - 14);
	t_vring_post(&dp->vr[1], slot, t_va(b), T_DP_HDR_LEN + T_DP_FRAME_LEN, false);
	t_dp_kick(dp, 1);
}

/* Wait until vq q returns a used element; false after ms. */
static bool
t_dp_wait_used(struct t_dp *dp, int q, int ms, uint32_t *id, uint32_t *len)
{
	uint64_t deadline = t_now_ms() + (uint64_t)ms;

	do {
		if (t_vring_take_used(&dp->vr[q], id, len))
			return true;
		t_sleep_ms(1);
	} while (t_now_ms() < deadline);
	return false;
}

/* The next RX element holds the frame sent to dst with payload seq, header and all. */
static void
t_dp_expect_rx(struct t_dp *dp, const uint8_t dst[6], uint8_t seq)
{
	uint32_t id = 0, len = 0, i;
	const uint8_t *b;

	if (!t_dp_wait_used(dp, 0, T_DP_WAIT_MS, &id, &len))
		fail_msg("no frame on RX within %d ms (used idx %u, mode %s)", T_DP_WAIT_MS,
			 t_vring_used_idx(&dp->vr[0]),
			 t_opts.mode == T_MODE_POLL ? "poll" : "notify");
	assert_true(id < T_DP_BUFS);
	/* §8.4: the TX header is copied verbatim, followed by the frame */
	assert_int_equal(len, T_DP_HDR_LEN + T_DP_FRAME_LEN);
	b = dp->rxbuf + (size_t)id * T_DP_BUF_LEN;
	for (i = 0; i < T_DP_HDR_LEN; i++)
		assert_int_equal(b[i], 0);
	assert_memory_equal(b + T_DP_HDR_LEN, dst, 6);
	for (i = T_DP_HDR_LEN + 14; i < T_DP_HDR_LEN + T_DP_FRAME_LEN; i++)
		assert_int_equal(b[i], seq);
}

/* The next TX element: completed with used len 0 (§8.4). */
static void
t_dp_expect_tx_done(struct t_dp *dp)
{
	uint32_t id = 0, len = 1;

	if (!t_dp_wait_used(dp, 1, T_DP_WAIT_MS, &id, &len))
		fail_msg("TX not completed within %d ms", T_DP_WAIT_MS);
	assert_true(id < T_DP_BUFS);
	assert_int_equal(len, 0);
}

static void
test_dp_loopback(void **state)
{
	struct t_dp *dp = &t_dp;
	struct t_stats st0, st;
	uint32_t base = 0;
	uint64_t msgs;
	int i;

	t_dp_start(dp, *state, 0);
	if (t_stats_enabled())
		T_STATS_GET(&st0);
	msgs = vdp_dev_iotlb_msgs(dp->ctx->dev, T_IOTLB_UPDATE);
	t_dp_send(dp, t_bcast, 1);
	t_dp_expect_rx(dp, t_bcast, 1);
	t_dp_expect_tx_done(dp);
	if (t_opts.mode == T_MODE_NOTIFY) {
		/* §8.4 step 5: avail flags ask for interrupts, so RX signals its call eventfd;
		 * the device never asks to suppress kicks */
		assert_true(t_eventfd_wait(dp->call[0], T_DP_WAIT_MS));
		assert_int_equal(t_vring_used_flags(&dp->vr[1]) & 1, 0);
	}
	/* more than the 5-packet budget in one burst: the device reschedules itself */
	for (i = 2; i <= 9; i++)
		t_dp_send(dp, t_bcast, (uint8_t)i);
	for (i = 2; i <= 9; i++)
		t_dp_expect_rx(dp, t_bcast, (uint8_t)i);
	for (i = 2; i <= 9; i++)
		t_dp_expect_tx_done(dp);
	/* the datapath sent no IOTLB message */
	assert_true(vdp_dev_iotlb_msgs(dp->ctx->dev, T_IOTLB_UPDATE) == msgs);
	/* §10 step 11: SUSPEND, then the vq state is what the device consumed */
	assert_int_equal(vdp_dev_suspend(dp->ctx->dev), 0);
	assert_int_equal(vdp_dev_get_vring_base(dp->ctx->dev, 1, &base), 0);
	assert_int_equal(base, 9);
	assert_int_equal(vdp_dev_get_vring_base(dp->ctx->dev, 0, &base), 0);
	assert_int_equal(base, 9);
	assert_int_equal(vdp_dev_resume(dp->ctx->dev), 0);
	/* a kick while running again still works after RESUME */
	t_dp_send(dp, t_bcast, 10);
	t_dp_expect_rx(dp, t_bcast, 10);
	if (t_stats_enabled()) {
		T_STATS_GET(&st);
		assert_int_equal(t_stats_queue_packets(&st, 1) - t_stats_queue_packets(&st0, 1), 10);
		assert_int_equal(t_stats_queue_packets(&st, 0) - t_stats_queue_packets(&st0, 0), 10);
		assert_int_equal(st.dma_faults, 0);
	}
	t_dp_stop(dp);
}

static void
test_dp_filter(void **state)
{
	static const uint8_t mine[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0xaa };
	static const uint8_t other[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0xbb };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const uint8_t nul_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa };
	static const uint8_t nul_dst[6] = { 0x02, 0x00, 0x77, 0x77, 0x77, 0x77 };
	struct t_dp *dp = &t_dp;
	uint8_t saved[6];
	uint32_t id, len;

	t_dp_start(dp, *state, 0);
	assert_int_equal(vdp_dev_get_config(dp->ctx->dev, 0, saved, 6), 0);
	assert_int_equal(vdp_dev_set_config(dp->ctx->dev, 0, mine, 6), 0);
	/* §8.4 receive filter: another unicast MAC is dropped, TX completed with len 0 */
	t_dp_send(dp, other, 1);
	t_dp_expect_tx_done(dp);
	assert_false(t_dp_wait_used(dp, 0, 300, &id, &len));
	t_dp_send(dp, mine, 2);
	t_dp_expect_rx(dp, mine, 2);
	t_dp_expect_tx_done(dp);
	t_dp_send(dp, mcast, 3);
	t_dp_expect_rx(dp, mcast, 3);
	t_dp_expect_tx_done(dp);
	/* the strncmp quirk: a common prefix ending in a 00 byte ends the comparison */
	assert_int_equal(vdp_dev_set_config(dp->ctx->dev, 0, nul_mac, 6), 0);
	t_dp_send(dp, nul_dst, 4);
	t_dp_expect_rx(dp, nul_dst, 4);
	assert_int_equal(vdp_dev_set_config(dp->ctx->dev, 0, saved, 6), 0);
	t_dp_stop(dp);
}

static void
test_dp_reenable(void **state)
{
	struct t_dp *dp = &t_dp;
	uint32_t base = 0;
	int q;

	t_dp_start(dp, *state, 0);
	t_dp_send(dp, t_bcast, 1);
	t_dp_expect_rx(dp, t_bcast, 1);
	t_dp_expect_tx_done(dp);
	/*
	 * §7.3: ENABLE(0) only clears ready; ENABLE(1) after DRIVER_OK restarts the vq where it
	 * stopped (last_used := last_avail). DPDK's virtio-user does this around every memory
	 * event: disable, flush and remap, enable.
	 */
	for (q = 0; q < 2; q++)
		assert_int_equal(vdp_dev_set_vring_enable(dp->ctx->dev, q, false), 0);
	for (q = 0; q < 2; q++) {
		assert_int_equal(vdp_dev_get_vring_base(dp->ctx->dev, q, &base), 0);
		assert_int_equal(base, 1);
	}
	assert_int_equal(vdp_dev_iotlb_batch_begin(dp->ctx->dev, 0), 0);
	assert_int_equal(vdp_dev_iotlb_invalidate(dp->ctx->dev, 0, 0, 0), 0);
	assert_int_equal(vdp_dev_iotlb_update(dp->ctx->dev, 0, t_va(dp->mem.va), dp->mem.len,
					      t_va(dp->mem.va), T_ACCESS_RW), 0);
	assert_int_equal(vdp_dev_iotlb_batch_end(dp->ctx->dev, 0), 0);
	for (q = 0; q < 2; q++)
		assert_int_equal(vdp_dev_set_vring_enable(dp->ctx->dev, q, true), 0);
	t_dp_send(dp, t_bcast, 2);
	t_dp_expect_rx(dp, t_bcast, 2);
	t_dp_expect_tx_done(dp);
	for (q = 0; q < 2; q++) {
		assert_int_equal(vdp_dev_get_vring_base(dp->ctx->dev, q, &base), 0);
		assert_int_equal(base, 2);
	}
	t_dp_stop(dp);
}

/*
 * testpmd's io forwarding over the loopback, without DPDK: 32 frames in flight, every frame
 * received is sent again and its RX buffer posted again, kicks only when the device asks.
 * The device must keep the loop going: no second without a frame.
 */
static void
test_dp_forward_loop(void **state)
{
	struct t_dp *dp = &t_dp;
	uint64_t start, last_rx, forwarded = 0;
	uint32_t id, len, in_flight = 0, backlog = 0;
	bool rx_posted;

	t_dp_start(dp, *state, 0);
	for (in_flight = 0; in_flight < T_DP_BUFS; in_flight++)
		t_dp_send(dp, t_bcast, (uint8_t)in_flight);
	start = last_rx = t_now_ms();
	while (t_now_ms() - start < 2000) {
		while (t_vring_take_used(&dp->vr[1], &id, &len))
			in_flight--;
		rx_posted = false;
		while (t_vring_take_used(&dp->vr[0], &id, &len)) {
			assert_true(id < T_DP_BUFS);
			assert_int_equal(len, T_DP_HDR_LEN + T_DP_FRAME_LEN);
			t_vring_post(&dp->vr[0], (uint16_t)id,
				     t_va(dp->rxbuf + (size_t)id * T_DP_BUF_LEN), T_DP_BUF_LEN, true);
			rx_posted = true;
			forwarded++;
			backlog++;
			last_rx = t_now_ms();
		}
		if (rx_posted)
			t_dp_kick(dp, 0);
		/* TX buffers are reused in order: send only into completed ones */
		for (; backlog > 0 && in_flight < T_DP_BUFS; backlog--, in_flight++)
			t_dp_send(dp, t_bcast, (uint8_t)forwarded);
		if (t_now_ms() - last_rx > 1000)
			fail_msg("forwarding stalled after %llu frames: RX avail %u used %u, TX avail "
				 "%u used %u, %u in flight, %u waiting", (unsigned long long)forwarded,
				 dp->vr[0].avail_idx, t_vring_used_idx(&dp->vr[0]),
				 dp->vr[1].avail_idx, t_vring_used_idx(&dp->vr[1]), in_flight, backlog);
	}
	printf("# forwarded %llu frames in 2 s (%s mode)\n", (unsigned long long)forwarded,
	       t_opts.mode == T_MODE_POLL ? "poll" : "notify");
	assert_true(forwarded > T_DP_BUFS);
	t_dp_stop(dp);
}

/* SET_STATUS(0), then §10 steps 5, 8, 9 again without touching the IOTLB. */
static void
t_dp_restart_without_remap(struct t_dp *dp)
{
	assert_int_equal(vdp_dev_reset(dp->ctx->dev), 0);
	t_features_ok(dp->ctx, T_FEATURES_REQUIRED);
	t_dp_setup_vrings(dp);
	t_dp_driver_ok(dp);
}

static void
test_dp_persist_restart(void **state)
{
	struct t_dp *dp = &t_dp;
	uint64_t sent;
	uint8_t type;

	t_dp_start(dp, *state, T_BF_PERSIST);
	if (!(dp->acked & T_BF_PERSIST))
		skip();
	t_dp_send(dp, t_bcast, 1);
	t_dp_expect_rx(dp, t_bcast, 1);
	sent = 0;
	for (type = 0; type <= T_IOTLB_BATCH_END; type++)
		sent += vdp_dev_iotlb_msgs(dp->ctx->dev, type);
	/* §6.3 B: with PERSIST the map survives the reset; no message is needed to go on */
	t_dp_restart_without_remap(dp);
	t_dp_send(dp, t_bcast, 2);
	t_dp_expect_rx(dp, t_bcast, 2);
	for (type = 0; type <= T_IOTLB_BATCH_END; type++)
		sent -= vdp_dev_iotlb_msgs(dp->ctx->dev, type);
	assert_true(sent == 0);
	t_dp_stop(dp);
}

static void
test_dp_reset_faults(void **state)
{
	struct t_dp *dp = &t_dp;
	struct t_stats st0, st;
	uint64_t deadline;
	size_t i;

	/* only the simulator can say the device refused the access instead of making it */
	if (!t_stats_enabled() || strcmp(t_personality(), "platform") == 0)
		skip();
	t_dp_start(dp, *state, 0);
	t_dp_send(dp, t_bcast, 1);
	t_dp_expect_rx(dp, t_bcast, 1);
	T_STATS_GET(&st0);
	/* §6.3 A: without PERSIST and without remapping, the device lost the user's map */
	t_dp_restart_without_remap(dp);
	t_dp_post_rx(dp, 0xa5);
	t_dp_send(dp, t_bcast, 2);
	t_dp_kick(dp, 0);
	deadline = t_now_ms() + T_DP_WAIT_MS;
	do {
		T_STATS_GET(&st);
		if (st.dma_faults > st0.dma_faults)
			break;
		t_sleep_ms(50);
	} while (t_now_ms() < deadline);
	assert_true(st.dma_faults > st0.dma_faults);
	/* and it touched nothing: no used element, RX buffers as they were */
	t_sleep_ms(100);
	assert_int_equal(t_vring_used_idx(&dp->vr[0]), 0);
	assert_int_equal(t_vring_used_idx(&dp->vr[1]), 0);
	for (i = 0; i < (size_t)T_DP_BUFS * T_DP_BUF_LEN; i++)
		if (dp->rxbuf[i] != 0xa5)
			fail_msg("RX memory changed at offset %zu after a reset without remap", i);
	t_dp_stop(dp);
}

static void
test_dp_legacy_restart(void **state)
{
	struct t_dp *dp = &t_dp;

	t_dp_start(dp, *state, 0);
	t_dp_send(dp, t_bcast, 1);
	t_dp_expect_rx(dp, t_bcast, 1);
	/* §6.3 A protocol: invalidate all, reset, map again, restart */
	assert_int_equal(vdp_dev_iotlb_invalidate(dp->ctx->dev, 0, t_va(dp->mem.va), dp->mem.len),
			 0);
	assert_int_equal(vdp_dev_reset(dp->ctx->dev), 0);
	t_features_ok(dp->ctx, T_FEATURES_REQUIRED);
	t_dp_map(dp);
	t_dp_setup_vrings(dp);
	t_dp_driver_ok(dp);
	t_dp_send(dp, t_bcast, 2);
	t_dp_expect_rx(dp, t_bcast, 2);
	if (t_stats_enabled()) {
		struct t_stats st;

		T_STATS_GET(&st);
		assert_int_equal(st.dma_faults, 0);
	}
	t_dp_stop(dp);
}

/* Send one line to vdpath-sim's control FIFO. */
static void
t_dp_control(const char *fifo, const char *line)
{
	FILE *f = fopen(fifo, "w");

	assert_non_null(f);
	assert_true(fputs(line, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* Wait until the config space's status field shows the link state wanted. */
static void
t_dp_wait_link(struct t_dp *dp, bool up)
{
	uint64_t deadline = t_now_ms() + T_DP_WAIT_MS;
	uint8_t st[2] = { 0, 0 };

	do {
		assert_int_equal(vdp_dev_get_config(dp->ctx->dev, 6, st, 2), 0);
		if ((bool)(st[0] & 1) == up)
			return;
		t_sleep_ms(1);
	} while (t_now_ms() < deadline);
	fail_msg("link still %s after %d ms", up ? "down" : "up", T_DP_WAIT_MS);
}

/* vdpath-sim only (--control): a device whose link is down carries no traffic. */
static void
test_dp_link_down(void **state)
{
	const char *fifo = getenv("VDP_TEST_CONTROL");
	struct t_dp *dp = &t_dp;
	uint32_t id, len;

	if (fifo == NULL)
		skip();
	t_dp_start(dp, *state, 0);
	t_dp_send(dp, t_bcast, 1);
	t_dp_expect_rx(dp, t_bcast, 1);
	t_dp_expect_tx_done(dp);
	t_dp_control(fifo, "link 0 down\n");
	t_dp_wait_link(dp, false);
	/* TX is consumed and dropped; nothing arrives */
	t_dp_send(dp, t_bcast, 2);
	t_dp_expect_tx_done(dp);
	assert_false(t_dp_wait_used(dp, 0, 200, &id, &len));
	t_dp_control(fifo, "link 0 up\n");
	t_dp_wait_link(dp, true);
	t_dp_send(dp, t_bcast, 3);
	t_dp_expect_rx(dp, t_bcast, 3);
	t_dp_expect_tx_done(dp);
	t_dp_stop(dp);
}

int
t_run_datapath(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dp_loopback, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_dp_filter, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_dp_reenable, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_dp_forward_loop, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_dp_persist_restart, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_dp_legacy_restart, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_dp_reset_faults, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_dp_link_down, t_setup, t_teardown),
	};

	return cmocka_run_group_tests_name("datapath", tests, NULL, NULL);
}
