/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK memory adapter (drivers/net/vhost_vdpa/vdpa_mem) under vdpath-sim: DPDK's hugepage
 * memory maps as one UPDATE per VA-contiguous run, and growing or shrinking the heap by one
 * hugepage sends messages for that chunk only.
 *
 *   vdpath-sim --stats F -- test_iotlb_dpdk EAL-ARGS -- --stats F [--static] [DEVICE]
 *
 * EAL-ARGS: --no-pci --iova-mode=va --in-memory -m 1024 --file-prefix NAME -l 0 (one lcore).
 * --static: EAL runs with --no-huge or --legacy-mem; the adapter must say the memory is static.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "test_common.h"
#include "test_stats.h"
#include "vdp_iotlb.h"
#include "vdpa_mem.h"

#include "heap_probe.h"

#define DT_FEATURES_BACKEND	(T_BF_MSG_V2 | T_BF_BATCH)
#define DT_MAX_ENTRIES		4096

struct dt {
	struct vdp_dev *dev;
	struct vdp_iotlb *map;
	struct vdpa_mem *mem;
	struct heap_probe probe;
};

/* Counters of all layers at one point, and the entries lib/iotlb holds. */
struct dt_counts {
	struct vdp_iotlb_stats lib;
	struct vdpa_mem_info info;
	uint64_t dev_update;
	uint64_t dev_invalidate;
	struct t_stats sim;
	size_t n;
	struct vdp_iotlb_entry e[DT_MAX_ENTRIES];
};

static struct dt dt;
static bool dt_static;
static uint64_t dt_min_mb;	/* --min-mb: memory attach must find */
static bool dt_hole;		/* --hole: free a page between two others before attach */
static void *dt_hole_keep[2];
static struct dt_counts dt_a, dt_b;

static void
dt_counts_get(struct dt_counts *c)
{
	vdp_iotlb_stats_get(dt.map, &c->lib);
	vdpa_mem_info_get(dt.mem, &c->info);
	c->dev_update = vdp_dev_iotlb_msgs(dt.dev, T_IOTLB_UPDATE);
	c->dev_invalidate = vdp_dev_iotlb_msgs(dt.dev, T_IOTLB_INVALIDATE);
	c->n = vdp_iotlb_entries(dt.map, c->e, DT_MAX_ENTRIES);
	assert_true(c->n <= DT_MAX_ENTRIES);
	T_STATS_GET(&c->sim);
}

static bool
dt_entry_in(const struct dt_counts *c, const struct vdp_iotlb_entry *e)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->e[i].asid == e->asid && c->e[i].iova == e->iova &&
		    c->e[i].size == e->size && c->e[i].uaddr == e->uaddr)
			return true;
	return false;
}

/* Entries in b and not in a: exactly one, and it is [va, va + len). */
static void
dt_expect_one_new(const struct dt_counts *a, const struct dt_counts *b, uint64_t va,
		  uint64_t len, const char *what)
{
	const struct vdp_iotlb_entry *added = NULL;
	size_t i, n = 0;

	for (i = 0; i < b->n; i++) {
		if (!dt_entry_in(a, &b->e[i])) {
			added = &b->e[i];
			n++;
		}
	}
	assert_int_equal(n, 1);
	assert_int_equal(b->n, a->n + 1);
	printf("# %s entry: iova %#" PRIx64 " size %#" PRIx64 " (chunk %#" PRIx64 " + %#" PRIx64
	       ")\n", what, added->iova, added->size, va, len);
	assert_true(added->iova == va && added->size == len && added->uaddr == va);
}

/* Three pages grown one after the other, the middle one given back: a hole inside the list. */
static void
dt_hole_make(void)
{
	void *middle;

	assert_int_equal(heap_probe_fill(&dt.probe), 0);
	dt_hole_keep[0] = heap_probe_grow(&dt.probe);
	middle = heap_probe_grow(&dt.probe);
	dt_hole_keep[1] = heap_probe_grow(&dt.probe);
	assert_true(dt_hole_keep[0] != NULL && middle != NULL && dt_hole_keep[1] != NULL);
	heap_probe_shrink(&dt.probe, middle);
}

static void
test_attach(void **state)
{
	struct dt_counts *c = &dt_a;
	uint64_t offered, acked;
	int ret;

	(void)state;
	assert_int_equal(vdp_dev_open(t_opts.dev_path, &dt.dev), 0);
	assert_int_equal(vdp_dev_set_owner(dt.dev), 0);
	assert_int_equal(vdp_dev_get_backend_features(dt.dev, &offered), 0);
	assert_int_equal(vdp_dev_negotiate_backend(dt.dev, DT_FEATURES_BACKEND,
						   offered & T_BF_PERSIST, &acked), 0);
	assert_int_equal(vdp_iotlb_create_dev(dt.dev, &dt.map), 0);
	vdp_iotlb_set_pa_mode(dt.map, t_opts.iommu_pa);

	if (dt_hole)
		dt_hole_make();
	ret = vdpa_mem_attach(dt.map, 0, t_opts.dev_path, &dt.mem);
	assert_int_equal(ret, 0);
	dt_counts_get(c);
	printf("# attach: %.0f MiB of DPDK memory in %u run(s) from %u memseg list(s), %u "
	       "hole(s), %u external list(s) skipped, in %.2f ms; memory events %s\n",
	       c->info.bytes / 1048576.0, c->info.runs, c->info.lists, c->info.holes,
	       c->info.external_lists, c->info.attach_ns / 1e6,
	       c->info.events ? "followed" : "not available (static memory)");
	if (c->info.runs > 1)
		printf("# %s\n", c->info.reason);
	printf("# lib/iotlb: %" PRIu64 " entries, %" PRIu64 " UPDATEs in %" PRIu64 " batches; "
	       "simulator: %" PRIu64 " UPDATEs accepted, vhost holds %" PRIu64 " entries (%s), %"
	       PRIu64 " bytes pinned\n", c->lib.entries, c->lib.update_msgs,
	       c->lib.batches, c->sim.iotlb_updates, c->sim.vhost_entries,
	       t_opts.iommu_pa ? "PA mode: one per physically contiguous run" :
	       "VA mode: one per VMA",
	       c->sim.pinned_bytes);

	assert_true(c->info.runs >= 1);
	assert_int_equal(c->lib.entries, c->info.runs);
	assert_int_equal(c->lib.update_msgs, c->info.runs);
	assert_int_equal(c->sim.iotlb_updates, c->info.runs);
	assert_int_equal(c->sim.iotlb_failed, 0);
	assert_true(c->info.runs == 1 || c->info.reason[0] != '\0');
	if (dt_hole) {
		assert_int_equal(c->info.runs, 2);
		assert_int_equal(c->info.holes, 1);
		assert_non_null(strstr(c->info.reason, "1 hole inside a list"));
	}
	assert_true(c->info.events == !dt_static);
	assert_true(c->info.bytes >= dt_min_mb << 20);
}

static void
test_heap_grow(void **state)
{
	struct dt_counts *a = &dt_a, *b = &dt_b;
	void *p;

	(void)state;
	if (dt.mem == NULL)
		fail_msg("no adapter attached (test_attach failed)");
	if (dt_static) {
		printf("# static memory: the heap cannot grow, nothing to check\n");
		return;
	}
	assert_int_equal(heap_probe_fill(&dt.probe), 0);
	printf("# heap filled with %zu objects; the next allocation must grow the heap\n",
	       dt.probe.n);
	dt_counts_get(a);

	p = heap_probe_grow(&dt.probe);
	assert_non_null(p);
	dt_counts_get(b);
	printf("# heap grew: ALLOC event va %#" PRIx64 " len %#" PRIx64 ", %.1f us in the "
	       "callback; messages: lib/iotlb %" PRIu64 " UPDATE, simulator %" PRIu64 " UPDATE, "
	       "vhost entries %" PRIu64 " -> %" PRIu64 "\n", b->info.last_addr, b->info.last_len,
	       b->info.event_ns_last / 1e3, b->lib.update_msgs - a->lib.update_msgs,
	       b->sim.iotlb_updates - a->sim.iotlb_updates, a->sim.vhost_entries,
	       b->sim.vhost_entries);
	assert_int_equal(b->info.alloc_events - a->info.alloc_events, 1);
	assert_true(b->info.last_alloc);
	assert_int_equal(b->info.failed_events, 0);
	assert_true((uint64_t)(uintptr_t)p >= b->info.last_addr &&
		    (uint64_t)(uintptr_t)p < b->info.last_addr + b->info.last_len);
	assert_int_equal(b->info.last_len, dt.probe.page_sz);
	assert_int_equal(b->lib.update_msgs - a->lib.update_msgs, 1);
	assert_int_equal(b->lib.invalidate_msgs - a->lib.invalidate_msgs, 0);
	assert_int_equal(b->dev_update - a->dev_update, 1);
	assert_int_equal(b->dev_invalidate - a->dev_invalidate, 0);
	assert_int_equal(b->sim.iotlb_updates - a->sim.iotlb_updates, 1);
	assert_int_equal(b->sim.iotlb_invalidates - a->sim.iotlb_invalidates, 0);
	dt_expect_one_new(a, b, b->info.last_addr, b->info.last_len, "added");
	/* The device can reach the new chunk: lib/iotlb says so, the simulator agrees. */
	assert_int_equal(b->sim.dma_faults, 0);

	*a = *b;
	heap_probe_shrink(&dt.probe, p);
	dt_counts_get(b);
	printf("# heap shrank: FREE event va %#" PRIx64 " len %#" PRIx64 ", %.1f us; messages: "
	       "lib/iotlb %" PRIu64 " INVALIDATE, simulator %" PRIu64 " INVALIDATE\n",
	       b->info.last_addr, b->info.last_len, b->info.event_ns_last / 1e3,
	       b->lib.invalidate_msgs - a->lib.invalidate_msgs,
	       b->sim.iotlb_invalidates - a->sim.iotlb_invalidates);
	assert_int_equal(b->info.free_events - a->info.free_events, 1);
	assert_false(b->info.last_alloc);
	assert_true(b->info.last_addr == a->info.last_addr && b->info.last_len == a->info.last_len);
	assert_int_equal(b->lib.invalidate_msgs - a->lib.invalidate_msgs, 1);
	assert_int_equal(b->lib.update_msgs - a->lib.update_msgs, 0);
	assert_int_equal(b->dev_invalidate - a->dev_invalidate, 1);
	assert_int_equal(b->sim.iotlb_invalidates - a->sim.iotlb_invalidates, 1);
	assert_int_equal(b->sim.iotlb_updates - a->sim.iotlb_updates, 0);
	dt_expect_one_new(b, a, a->info.last_addr, a->info.last_len, "removed");
}

static void
test_detach(void **state)
{
	struct dt_counts *a = &dt_a, *b = &dt_b;
	void *p;

	(void)state;
	if (dt.mem == NULL)
		fail_msg("no adapter attached (test_attach failed)");
	dt_counts_get(a);
	vdpa_mem_detach(dt.mem);
	dt.mem = NULL;
	if (dt_static)
		return;
	/* Detached: the heap grows without a message. */
	p = heap_probe_grow(&dt.probe);
	assert_non_null(p);
	vdp_iotlb_stats_get(dt.map, &b->lib);
	assert_int_equal(b->lib.update_msgs, a->lib.update_msgs);
	heap_probe_shrink(&dt.probe, p);
	heap_probe_release(&dt.probe);
	printf("# detached: the heap grew and shrank again without IOTLB messages\n");
}

/*
 * 77 (skipped) when the hugepages EAL will ask for (-m MB) are not free: other processes on the
 * machine hold them. 0 otherwise.
 */
static int
dt_skip_reason(int argc, char **argv)
{
	uint64_t page_sz = 2ull << 20;
	unsigned long mb = 0;
	long free_pages, need;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--no-huge") == 0)
			return 0;
		if (strcmp(argv[i], "-m") == 0 && i + 1 < argc)
			mb = strtoul(argv[i + 1], NULL, 0);
	}
	free_pages = heap_probe_hugepages_free(&page_sz);
	/* the preallocation, plus the pages the heap grows by */
	need = (long)(((uint64_t)mb << 20) / page_sz) + 4;
	if (free_pages >= 0 && free_pages < need) {
		printf("SKIP: -m %lu needs %ld free hugepages of %" PRIu64 " KiB, HugePages_Free "
		       "is %ld (other processes hold them)\n", mb, need, page_sz >> 10, free_pages);
		return 77;
	}
	return 0;
}

/* A PA-mode device pins what it maps and counts it against RLIMIT_MEMLOCK, as the kernel does. */
static void
dt_memlock_raise(void)
{
	struct rlimit rl = { .rlim_cur = RLIM_INFINITY, .rlim_max = RLIM_INFINITY };

	if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0 && getrlimit(RLIMIT_MEMLOCK, &rl) == 0)
		printf("# RLIMIT_MEMLOCK stays at %llu KiB (%s): a PA-mode device cannot pin "
		       "more\n", (unsigned long long)rl.rlim_cur >> 10, strerror(errno));
}

static int
dt_parse(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stats", required_argument, NULL, 's' },
		{ "iommu", required_argument, NULL, 'i' },
		{ "static", no_argument, NULL, 'S' },
		{ "min-mb", required_argument, NULL, 'm' },
		{ "hole", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	t_opts.stats_path = getenv("VDP_TEST_STATS");
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's': t_opts.stats_path = optarg; break;
		case 'i': t_opts.iommu_pa = strcmp(optarg, "pa") == 0; break;
		case 'S': dt_static = true; break;
		case 'm': dt_min_mb = strtoull(optarg, NULL, 0); break;
		case 'H': dt_hole = true; break;
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
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach),
		cmocka_unit_test(test_heap_grow),
		cmocka_unit_test(test_detach),
	};
	int skip, ret;

	skip = dt_skip_reason(argc, argv);
	if (skip != 0)
		return skip;
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "%s: rte_eal_init failed: %s\n", argv[0],
			rte_strerror(rte_errno));
		return 1;
	}
	argv[ret] = argv[0];
	if (dt_parse(argc - ret, argv + ret) != 0 || !t_stats_enabled()) {
		fprintf(stderr, "usage: %s EAL-ARGS -- --stats FILE [--iommu va|pa] [--static] "
			"[--min-mb N] [--hole] [DEVICE] (under vdpath-sim --stats FILE)\n",
			argv[0]);
		rte_eal_cleanup();
		return 2;
	}
	if (t_opts.iommu_pa)
		dt_memlock_raise();
	ret = cmocka_run_group_tests_name("iotlb-sim dpdk adapter", tests, NULL, NULL);
	if (dt.mem != NULL)
		vdpa_mem_detach(dt.mem);
	heap_probe_shrink(&dt.probe, dt_hole_keep[0]);
	heap_probe_shrink(&dt.probe, dt_hole_keep[1]);
	heap_probe_release(&dt.probe);
	if (dt.map != NULL)
		vdp_iotlb_destroy(dt.map);
	if (dt.dev != NULL)
		vdp_dev_close(dt.dev);
	rte_eal_cleanup();
	return ret;
}
