/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/iotlb end to end under vdpath-sim: map several regions of shared memory, run reset cycles
 * with the reset protocol, and after every step compare three views of the IOTLB: lib/iotlb's
 * entries, vhost-vdpa's entries and the device's entries (the last two from the simulator's
 * stats file). Also counts the IOTLB messages of each cycle, from lib/iotlb, from lib/vdpa and
 * from the simulator.
 *
 *   vdpath-sim --stats F --personality P -- test_iotlb_cycles --stats F --personality P
 *       --policy auto|off [--cycles N] [--negative]
 *
 * --negative is the control that proves the check can fail: PERSIST not acked, a reset without
 * the protocol, and the views must disagree.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test_common.h"
#include "test_stats.h"
#include "vdp_iotlb.h"

#define CYC_HUGE		(2ul << 20)
#define CYC_NMAPS		3	/* VMAs */
#define CYC_RESERVE		(64ul << 20)
#define CYC_FEATURES		(T_F_VERSION_1 | T_F_ACCESS_PLATFORM)

/* One shared-memory mapping (a VMA): a VA-mode device makes one entry of it. */
struct cyc_vma {
	uint8_t *va;
	size_t len;
	int fd;
};

struct cyc {
	struct vdp_dev *dev;
	struct vdp_iotlb *map;
	bool persist;			/* IOTLB_PERSIST acked */
	uint64_t page;			/* page size of the regions */
	void *reserve;			/* the VA reservation the VMAs sit in */
	struct cyc_vma vma[CYC_NMAPS];
	uint64_t runs;			/* UPDATEs one full map takes */
	uint64_t checks;
};

/* Counters of all three layers at one point. */
struct cyc_counts {
	struct vdp_iotlb_stats lib;
	uint64_t dev_msgs[7];		/* lib/vdpa, by VHOST_IOTLB_* type */
	struct t_stats sim;
};

static const char *cyc_policy = "auto";
static unsigned int cyc_cycles = 100;
static bool cyc_negative;

static bool
cyc_is_persist_personality(void)
{
	return strcmp(t_personality(), "persist") == 0;
}

/*
 * Device entries of ASID 1, which this test never maps: vdpa_sim starts every address space as
 * an identity passthrough (counted 2 in the stats file) on the persist personality, empty on the
 * others, and a reset only ever puts it back in that state.
 */
static uint64_t
cyc_unused_asid_entries(void)
{
	return cyc_is_persist_personality() ? 2 : 0;
}

static void
cyc_vma_map(struct cyc *c, struct cyc_vma *v, uint8_t *at, size_t len)
{
	unsigned int flags = MFD_CLOEXEC | (c->page == CYC_HUGE ? MFD_HUGETLB : 0);
	void *va;

	v->fd = memfd_create("iotlb-cycles", flags);
	if (v->fd < 0)
		fail_msg("memfd_create: %s", strerror(errno));
	if (ftruncate(v->fd, (off_t)len) != 0)
		fail_msg("ftruncate of a %zu-byte memfd: %s", len, strerror(errno));
	va = mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_POPULATE, v->fd,
		  0);
	if (va == MAP_FAILED)
		fail_msg("mmap of %zu bytes of memfd at %p: %s (hugepages free?)", len,
			 (void *)at, strerror(errno));
	v->va = va;
	v->len = len;
}

/* Whether a hugetlb memfd of len bytes can be had now. */
static bool
cyc_huge_available(size_t len)
{
	int fd = memfd_create("iotlb-cycles-probe", MFD_CLOEXEC | MFD_HUGETLB);
	void *va;

	if (fd < 0)
		return false;
	va = ftruncate(fd, (off_t)len) == 0 ?
	     mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0) :
	     MAP_FAILED;
	if (va != MAP_FAILED)
		munmap(va, len);
	close(fd);
	return va != MAP_FAILED;
}

/*
 * Three VMAs with unmapped gaps between them, inside one reservation: 4 MiB (recorded as two
 * 2 MiB regions, which the planner must coalesce), 2 MiB and 4 MiB. The gaps keep the VMAs
 * apart, so a VA-mode device (one entry per VMA) and the planner (one entry per run) agree.
 */
static void
cyc_memory_setup(struct cyc *c)
{
	static const size_t lens[CYC_NMAPS] = { 4ul << 20, 2ul << 20, 4ul << 20 };
	uintptr_t base;
	uint8_t *at;
	unsigned int i;
	int ret;

	c->page = cyc_huge_available(10ul << 20) ? CYC_HUGE : (uint64_t)sysconf(_SC_PAGESIZE);
	c->reserve = mmap(NULL, CYC_RESERVE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (c->reserve == MAP_FAILED)
		fail_msg("reserving %lu MiB of VA: %s", CYC_RESERVE >> 20, strerror(errno));
	base = ((uintptr_t)c->reserve + CYC_HUGE - 1) & ~(CYC_HUGE - 1);
	at = (uint8_t *)base + CYC_HUGE;
	for (i = 0; i < CYC_NMAPS; i++) {
		cyc_vma_map(c, &c->vma[i], at, lens[i]);
		at += lens[i] + 2 * CYC_HUGE;
	}
	printf("# memory: %u shared mappings of %s pages, 10 MiB, 4 regions\n", CYC_NMAPS,
	       c->page == CYC_HUGE ? "2 MiB (hugetlb memfd)" : "4 KiB (memfd: no hugepage free)");

	for (i = 0; i < CYC_NMAPS; i++) {
		struct vdp_iotlb_region r = {
			.va = (uint64_t)(uintptr_t)c->vma[i].va,
			.len = c->vma[i].len,
			.page_size = c->page,
			.asid = 0,
			.perm = VDP_IOTLB_PERM_RW,
		};

		if (i == 0) {
			r.len /= 2;
			assert_int_equal(vdp_iotlb_region_add(c->map, &r), 0);
			r.va += r.len;
		}
		assert_int_equal(vdp_iotlb_region_add(c->map, &r), 0);
	}
	ret = (int)vdp_iotlb_plan(c->map, NULL, 0);
	assert_int_equal(ret, CYC_NMAPS);
	c->runs = (uint64_t)ret;
}

static void
cyc_memory_free(struct cyc *c)
{
	unsigned int i;

	for (i = 0; i < CYC_NMAPS; i++)
		if (c->vma[i].fd >= 0)
			close(c->vma[i].fd);
	if (c->reserve != NULL && c->reserve != MAP_FAILED)
		munmap(c->reserve, CYC_RESERVE);
}

static void
cyc_counts_get(struct cyc *c, struct cyc_counts *n)
{
	uint8_t t;

	vdp_iotlb_stats_get(c->map, &n->lib);
	for (t = 0; t < 7; t++)
		n->dev_msgs[t] = vdp_dev_iotlb_msgs(c->dev, t);
	T_STATS_GET(&n->sim);
}

/*
 * The three views agree when vhost holds exactly lib/iotlb's entries and the device translates
 * through them: same count, not an identity passthrough. While nothing is mapped (between
 * before_reset and after_reset) the device may sit in its reset default: empty or identity.
 */
static bool
cyc_views_agree(const struct cyc_counts *n, char *why, size_t len)
{
	uint64_t lib = n->lib.asid_entries[0];
	uint64_t vhost = n->sim.vhost_entries;
	uint64_t dev = n->sim.device_entries - cyc_unused_asid_entries();
	bool ident = n->sim.device_identity;
	bool ok;

	if (n->sim.device_entries < cyc_unused_asid_entries())
		dev = UINT64_MAX;
	if (lib > 0)
		ok = vhost == lib && dev == lib && !ident;
	else
		ok = vhost == 0 && ((dev == 0 && !ident) || (dev == 2 && ident));
	snprintf(why, len, "lib/iotlb %" PRIu64 " entries, vhost %" PRIu64 ", device %" PRIu64
		 "%s, dma_faults %" PRIu64, lib, vhost, dev,
		 ident ? " (identity passthrough)" : "", n->sim.dma_faults);
	return ok && n->sim.dma_faults == 0 && n->lib.entries == lib;
}

static void
cyc_check(struct cyc *c, struct cyc_counts *n, unsigned int cycle, const char *step)
{
	char why[256];

	cyc_counts_get(c, n);
	c->checks++;
	if (!cyc_views_agree(n, why, sizeof(why)))
		fail_msg("cycle %u, after %s: the three views disagree: %s", cycle, step, why);
}

static void
cyc_open(struct cyc *c)
{
	enum vdp_iotlb_persist_policy policy;
	uint64_t offered, acked;
	bool ack = false;
	char why[256];

	assert_int_equal(vdp_dev_open(t_opts.dev_path, &c->dev), 0);
	assert_int_equal(vdp_dev_set_owner(c->dev), 0);
	assert_int_equal(vdp_dev_get_backend_features(c->dev, &offered), 0);
	assert_int_equal(vdp_iotlb_persist_parse(cyc_policy, &policy), 0);
	assert_int_equal(vdp_iotlb_persist_decide(policy, offered & T_BF_PERSIST, &ack, why,
						  sizeof(why)), 0);
	assert_int_equal(vdp_dev_negotiate_backend(c->dev, T_BF_MSG_V2 | T_BF_BATCH,
						   ack ? T_BF_PERSIST : 0, &acked), 0);
	c->persist = (acked & T_BF_PERSIST) != 0;
	assert_int_equal(vdp_iotlb_create_dev(c->dev, &c->map), 0);
	assert_true(vdp_iotlb_persist(c->map) == c->persist);
	/*
	 * VA mode (vdpath-sim's default): one vhost entry per VMA, so vhost's count is the
	 * planner's. In PA mode vhost would split per physically contiguous run.
	 */
	vdp_iotlb_set_pa_mode(c->map, false);
	printf("# personality %s, persist=%s: backend offered %#" PRIx64 ", acked %#" PRIx64
	       ", PERSIST %s\n", t_personality(), cyc_policy, offered, acked,
	       c->persist ? "acked" : "not acked (legacy protocol)");
}

static void
cyc_close(struct cyc *c)
{
	if (c->map != NULL)
		vdp_iotlb_destroy(c->map);
	if (c->dev != NULL)
		vdp_dev_close(c->dev);
	cyc_memory_free(c);
}

/* ACK, DRIVER, SET_FEATURES, FEATURES_OK: the handshake each restart repeats. */
static void
cyc_handshake(struct cyc *c)
{
	assert_int_equal(vdp_dev_set_status(c->dev, T_S_ACK), 0);
	assert_int_equal(vdp_dev_add_status(c->dev, T_S_DRIVER), 0);
	assert_int_equal(vdp_dev_set_features(c->dev, CYC_FEATURES), 0);
	assert_int_equal(vdp_dev_add_status(c->dev, T_S_FEATURES_OK), 0);
}

/* Messages of one cycle, from each layer's counters. */
static void
cyc_expect_cycle(const struct cyc *c, const struct cyc_counts *a, const struct cyc_counts *b,
		 unsigned int cycle)
{
	uint64_t upd = c->persist ? 0 : c->runs;
	uint64_t inv = c->persist ? 0 : c->runs;
	uint64_t groups = c->persist ? 0 : 2;

	if (b->lib.update_msgs - a->lib.update_msgs != upd ||
	    b->lib.invalidate_msgs - a->lib.invalidate_msgs != inv ||
	    b->lib.groups - a->lib.groups != groups || b->lib.batches - a->lib.batches != groups ||
	    b->dev_msgs[T_IOTLB_UPDATE] - a->dev_msgs[T_IOTLB_UPDATE] != upd ||
	    b->dev_msgs[T_IOTLB_INVALIDATE] - a->dev_msgs[T_IOTLB_INVALIDATE] != inv ||
	    b->dev_msgs[T_IOTLB_BATCH_BEGIN] - a->dev_msgs[T_IOTLB_BATCH_BEGIN] != groups ||
	    b->dev_msgs[T_IOTLB_BATCH_END] - a->dev_msgs[T_IOTLB_BATCH_END] != groups ||
	    b->sim.iotlb_updates - a->sim.iotlb_updates != upd ||
	    b->sim.iotlb_invalidates - a->sim.iotlb_invalidates != inv ||
	    b->sim.iotlb_batches - a->sim.iotlb_batches != groups)
		fail_msg("cycle %u: expected %" PRIu64 " UPDATEs, %" PRIu64 " INVALIDATEs in %"
			 PRIu64 " batched groups; lib/iotlb counted %" PRIu64 "/%" PRIu64 " in %"
			 PRIu64 " groups, lib/vdpa wrote %" PRIu64 "/%" PRIu64 " with %" PRIu64
			 " BATCH_BEGIN, the simulator accepted %" PRIu64 "/%" PRIu64 " with %"
			 PRIu64 " batches", cycle, upd, inv, groups,
			 b->lib.update_msgs - a->lib.update_msgs,
			 b->lib.invalidate_msgs - a->lib.invalidate_msgs,
			 b->lib.groups - a->lib.groups,
			 b->dev_msgs[T_IOTLB_UPDATE] - a->dev_msgs[T_IOTLB_UPDATE],
			 b->dev_msgs[T_IOTLB_INVALIDATE] - a->dev_msgs[T_IOTLB_INVALIDATE],
			 b->dev_msgs[T_IOTLB_BATCH_BEGIN] - a->dev_msgs[T_IOTLB_BATCH_BEGIN],
			 b->sim.iotlb_updates - a->sim.iotlb_updates,
			 b->sim.iotlb_invalidates - a->sim.iotlb_invalidates,
			 b->sim.iotlb_batches - a->sim.iotlb_batches);
}

static void
test_reset_cycles(void **state)
{
	struct cyc *c = *state;
	struct cyc_counts start, before, now;
	uint64_t t0 = t_now_ms();
	unsigned int i;

	cyc_open(c);
	cyc_memory_setup(c);
	cyc_check(c, &now, 0, "open");
	assert_int_equal(vdp_iotlb_map_all(c->map), 0);
	cyc_check(c, &now, 0, "the initial map");
	assert_int_equal(now.sim.iotlb_updates, c->runs);
	cyc_handshake(c);
	cyc_check(c, &start, 0, "FEATURES_OK");

	before = start;
	for (i = 1; i <= cyc_cycles; i++) {
		assert_int_equal(vdp_iotlb_before_reset(c->map), 0);
		cyc_check(c, &now, i, "before_reset");
		assert_int_equal(vdp_dev_reset(c->dev), 0);
		cyc_check(c, &now, i, "SET_STATUS(0)");
		cyc_handshake(c);
		cyc_check(c, &now, i, "FEATURES_OK");
		assert_int_equal(vdp_iotlb_after_reset(c->map), 0);
		cyc_check(c, &now, i, "after_reset");
		assert_true(now.sim.resets - before.sim.resets == 1);
		cyc_expect_cycle(c, &before, &now, i);
		before = now;
	}
	printf("# %u reset cycles, the three views compared after every step (%" PRIu64
	       " snapshots) in %.1f s\n", cyc_cycles, c->checks, (t_now_ms() - t0) / 1000.0);
	printf("# IOTLB messages after the initial map: lib/iotlb %" PRIu64 " UPDATE + %" PRIu64
	       " INVALIDATE in %" PRIu64 " groups; simulator %" PRIu64 " + %" PRIu64 "; per "
	       "cycle %s\n", now.lib.update_msgs - start.lib.update_msgs,
	       now.lib.invalidate_msgs - start.lib.invalidate_msgs,
	       now.lib.groups - start.lib.groups,
	       now.sim.iotlb_updates - start.sim.iotlb_updates,
	       now.sim.iotlb_invalidates - start.sim.iotlb_invalidates,
	       c->persist ? "0 (PERSIST)" : "one invalidate group and one map group (legacy)");
	if (c->persist) {
		assert_true(now.lib.update_msgs == start.lib.update_msgs);
		assert_true(now.sim.iotlb_updates == start.sim.iotlb_updates);
		assert_true(now.sim.iotlb_invalidates == start.sim.iotlb_invalidates);
		assert_true(now.sim.iotlb_batches == start.sim.iotlb_batches);
		assert_true(now.lib.remaps_avoided == cyc_cycles);
	}
}

/* The control: without PERSIST and without the protocol, a reset must show a divergence. */
static void
test_negative_control(void **state)
{
	struct cyc *c = *state;
	struct cyc_counts now;
	char why[256];
	uint64_t va;

	if (strcmp(cyc_policy, "off") != 0 || !cyc_is_persist_personality())
		fail_msg("the negative control needs --personality persist --policy off");
	cyc_open(c);
	assert_false(c->persist);
	cyc_memory_setup(c);
	assert_int_equal(vdp_iotlb_map_all(c->map), 0);
	cyc_handshake(c);
	cyc_check(c, &now, 0, "the initial map");

	/* What QEMU-style code without the protocol does: reset, nothing else. */
	assert_int_equal(vdp_dev_reset(c->dev), 0);
	cyc_handshake(c);
	cyc_counts_get(c, &now);
	printf("# negative control, reset without before_reset/after_reset: %s\n",
	       (cyc_views_agree(&now, why, sizeof(why)), why));
	assert_false(cyc_views_agree(&now, why, sizeof(why)));
	assert_true(now.sim.device_identity);
	assert_true(now.sim.vhost_entries == c->runs);
	/* And re-sending the map without invalidating first collides with vhost's copy. */
	va = (uint64_t)(uintptr_t)c->vma[1].va;
	assert_int_not_equal(vdp_dev_iotlb_update(c->dev, 0, va, c->vma[1].len, va, T_ACCESS_RW),
			     0);
	printf("# negative control: the check failed as it must (device_identity true)\n");
}

static int
cyc_setup(void **state)
{
	struct cyc *c = calloc(1, sizeof(*c));
	unsigned int i;

	if (c == NULL)
		return -1;
	for (i = 0; i < CYC_NMAPS; i++)
		c->vma[i].fd = -1;
	*state = c;
	return 0;
}

static int
cyc_teardown(void **state)
{
	struct cyc *c = *state;

	cyc_close(c);
	free(c);
	return 0;
}

static int
cyc_parse(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stats", required_argument, NULL, 's' },
		{ "personality", required_argument, NULL, 'p' },
		{ "policy", required_argument, NULL, 'P' },
		{ "cycles", required_argument, NULL, 'c' },
		{ "negative", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	enum vdp_iotlb_persist_policy p;
	char *end;
	int c;

	t_opts.stats_path = getenv("VDP_TEST_STATS");
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's': t_opts.stats_path = optarg; break;
		case 'p': t_opts.personality = optarg; break;
		case 'P':
			if (vdp_iotlb_persist_parse(optarg, &p) != 0)
				return -1;
			cyc_policy = optarg;
			break;
		case 'c':
			cyc_cycles = (unsigned int)strtoul(optarg, &end, 0);
			if (*end != '\0' || cyc_cycles == 0)
				return -1;
			break;
		case 'n': cyc_negative = true; break;
		default:
			return -1;
		}
	}
	if (optind < argc)
		t_opts.dev_path = argv[optind];
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest cycles[] = {
		cmocka_unit_test_setup_teardown(test_reset_cycles, cyc_setup, cyc_teardown),
	};
	const struct CMUnitTest negative[] = {
		cmocka_unit_test_setup_teardown(test_negative_control, cyc_setup, cyc_teardown),
	};

	if (cyc_parse(argc, argv) != 0) {
		fprintf(stderr, "usage: %s --stats FILE --personality persist|platform|legacy61 "
			"--policy auto|on|off [--cycles N] [--negative] [DEVICE]\n",
			argv[0]);
		return 2;
	}
	if (!t_stats_enabled()) {
		fprintf(stderr, "%s: needs the simulator's stats file (--stats FILE, and run "
			"under vdpath-sim --stats FILE)\n", argv[0]);
		return 2;
	}
	if (cyc_negative)
		return cmocka_run_group_tests_name("iotlb-sim negative control", negative, NULL,
						   NULL);
	return cmocka_run_group_tests_name("iotlb-sim reset cycles", cycles, NULL, NULL);
}
