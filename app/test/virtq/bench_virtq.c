/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_virtq: ns per buffer of lib/virtq's burst paths against the fake device, split vs
 * packed, with and without IN_ORDER, RX-like (1 writable segment) and TX-like (header + frame,
 * 2 readable segments). Figures only: nothing here passes or fails.
 *
 * Each round: add a burst, needs_kick, the device takes and completes it, get_used. The
 * driver's phases (add + kick decision, get_used) and the device's are timed separately, so
 * the figure for lib/virtq does not include the fake device.
 *
 * usage: bench_virtq [buffers per configuration, default 4000000] [burst, default 32]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_dev.h"
#include "vdp_virtq.h"

#define BN_NUM		256
#define BN_BURST_MAX	256

struct bn_cfg {
	const char *name;
	uint32_t flags;
};

static uint64_t
bn_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int
bn_run(const struct bn_cfg *cfg, bool in, uint64_t total, uint16_t burst)
{
	static struct fd_chain ch[BN_BURST_MAX];
	struct vdp_virtq_seg segs[2 * BN_BURST_MAX];
	uint16_t nsegs[BN_BURST_MAX];
	void *cookies[BN_BURST_MAX], *back[BN_BURST_MAX];
	uint32_t lens[BN_BURST_MAX];
	struct vdp_virtq_conf conf = { .num = BN_NUM, .flags = cfg->flags };
	struct vdp_virtq_addrs a;
	struct vdp_virtq *vq;
	struct fake_dev fd;
	uint64_t done = 0, t_add = 0, t_get = 0, t_dev = 0, t0, t1, t2, t3;
	uint16_t i, nseg = in ? 1 : 2;
	uint32_t n;
	void *mem;

	conf.mem_len = vdp_virtq_mem_size(BN_NUM, cfg->flags);
	mem = aligned_alloc(4096, (conf.mem_len + 4095) & ~(size_t)4095);
	if (mem == NULL)
		return -1;
	conf.mem = mem;
	conf.iova = (uint64_t)(uintptr_t)mem;
	if (vdp_virtq_create(&conf, &vq, &a) != 0) {
		free(mem);
		return -1;
	}
	fd_init(&fd, cfg->flags & VDP_VIRTQ_F_PACKED, cfg->flags & VDP_VIRTQ_F_EVENT_IDX, BN_NUM,
		mem, conf.iova, a.desc, a.driver, a.device);
	for (i = 0; i < burst; i++) {
		segs[nseg * i].iova = 0x100000 + (uint64_t)i * 4096;
		segs[nseg * i].len = in ? 2048 : 12;
		if (!in) {
			segs[nseg * i + 1].iova = 0x200000 + (uint64_t)i * 4096;
			segs[nseg * i + 1].len = 1500;
		}
		nsegs[i] = nseg;
		cookies[i] = (void *)(uintptr_t)(i + 1);
	}
	while (done < total) {
		t0 = bn_ns();
		if (in)
			n = vdp_virtq_add_in(vq, segs, NULL, cookies, burst);
		else
			n = vdp_virtq_add_out(vq, segs, nsegs, cookies, burst);
		(void)vdp_virtq_needs_kick(vq);
		t1 = bn_ns();
		for (i = 0; i < n && fd_pop(&fd, &ch[i]); i++)
			fd_push(&fd, ch[i].id, ch[i].ndesc, ch[i].write_len);
		fd_publish(&fd);
		t2 = bn_ns();
		n = vdp_virtq_get_used(vq, back, lens, burst);
		t3 = bn_ns();
		if (n != burst) {
			fprintf(stderr, "bench_virtq: %s: %u of %u buffers came back\n", cfg->name,
				n, burst);
			break;
		}
		t_add += t1 - t0;
		t_dev += t2 - t1;
		t_get += t3 - t2;
		done += n;
	}
	printf("%-16s %-3s %5u %10.2f %10.2f %10.2f %12.2f\n", cfg->name, in ? "rx" : "tx", burst,
	       (double)t_add / (double)done, (double)t_get / (double)done,
	       (double)(t_add + t_get) / (double)done, (double)t_dev / (double)done);
	vdp_virtq_free(vq);
	free(mem);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct bn_cfg cfgs[] = {
		{ "split", 0 },
		{ "split-inorder", VDP_VIRTQ_F_IN_ORDER },
		{ "split-indirect", VDP_VIRTQ_F_INDIRECT },
		{ "packed", VDP_VIRTQ_F_PACKED },
		{ "packed-inorder", VDP_VIRTQ_F_PACKED | VDP_VIRTQ_F_IN_ORDER },
		{ "packed-indirect", VDP_VIRTQ_F_PACKED | VDP_VIRTQ_F_INDIRECT },
	};
	uint64_t total = argc > 1 ? strtoull(argv[1], NULL, 0) : 4000000;
	unsigned long burst = argc > 2 ? strtoul(argv[2], NULL, 0) : 32;
	size_t c;

	if (total == 0 || burst == 0 || burst > BN_BURST_MAX || burst > BN_NUM / 2) {
		fprintf(stderr, "usage: %s [buffers > 0] [burst 1..%u]\n", argv[0], BN_NUM / 2);
		return 2;
	}
	printf("# lib/virtq burst cost, ns per buffer (ring %u); device = the fake device's "
	       "share, not lib/virtq\n", BN_NUM);
	printf("%-16s %-3s %5s %10s %10s %10s %12s\n", "config", "dir", "burst", "add+kick",
	       "get_used", "virtq", "device");
	for (c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
		if (bn_run(&cfgs[c], true, total, (uint16_t)burst) != 0 ||
		    bn_run(&cfgs[c], false, total, (uint16_t)burst) != 0)
			return 1;
	}
	return 0;
}
