/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iotlb-bench: what lib/iotlb and the DPDK memory adapter cost, under vdpath-sim. Prints
 * figures; it never passes or fails on time (exit 0 unless something functional breaks).
 *
 *   vdpath-sim --devices 2 [--iommu pa] -- iotlb-bench [--levels 64,1024,max]
 *       [--trials N] [--init-trials N] [--events N]
 *
 * For each amount of DPDK memory (a level; "max" = what HugePages_Free allows; in PA mode
 * every level is capped by RLIMIT_MEMLOCK, because the simulated parent pins what it maps):
 *  - initial map: vdpa_mem_attach time (memseg walk + map_all) and messages;
 *  - reset cycle: before_reset, SET_STATUS(0), ACK, DRIVER, SET_FEATURES, FEATURES_OK,
 *    after_reset; PERSIST acked on /dev/vhost-vdpa-0, the legacy protocol on -1, trials
 *    interleaved (the order alternates), medians and their ratio;
 *  - memory event: one hugepage of heap growth and shrink; time in the adapter's callback with
 *    the device, and with a map that sends nowhere (the adapter and lib/iotlb alone).
 * EAL runs with --in-memory --iova-mode=va, one lcore, -m the smallest level; the heap is then
 * grown to each level.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_version.h>

#include "heap_probe.h"
#include "vdp_dev.h"
#include "vdp_iotlb.h"
#include "vdpa_mem.h"

#define B_MAX_LEVELS	8
#define B_MAX_TRIALS	1001
#define B_MARGIN_PAGES	16	/* hugepages left for EAL and the event pages */
#define B_GROW_CHUNK	(256ull << 20)
#define B_FEATURES	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_ACCESS_PLATFORM))
#define B_MIB		(1ull << 20)

struct b_opts {
	char levels[128];
	unsigned int trials;
	unsigned int init_trials;
	unsigned int events;
	bool pa;
};

/* One device with its map and adapter. */
struct b_dev {
	const char *path;
	enum vdp_iotlb_persist_policy policy;
	struct vdp_dev *dev;
	struct vdp_iotlb *map;
	struct vdpa_mem *mem;
	bool persist;
};

static struct b_opts opts = {
	.levels = "64,1024,max",
	.trials = 21,
	.init_trials = 5,
	.events = 21,
};
static uint64_t levels[B_MAX_LEVELS];
static unsigned int nlevels;
static uint64_t page_sz = 2 * B_MIB;
static struct heap_probe probe;
static struct heap_probe grown;	/* the objects that grew the heap to each level */

static uint64_t
b_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
b_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
b_median_us(uint64_t *v, unsigned int n)
{
	if (n == 0)
		return 0.0;
	qsort(v, n, sizeof(*v), b_cmp_u64);
	return (n % 2 ? (double)v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0) / 1e3;
}

static uint64_t
b_msgs(const struct b_dev *d)
{
	return vdp_dev_iotlb_msgs(d->dev, VHOST_IOTLB_UPDATE) +
	       vdp_dev_iotlb_msgs(d->dev, VHOST_IOTLB_INVALIDATE) +
	       vdp_dev_iotlb_msgs(d->dev, VHOST_IOTLB_BATCH_BEGIN) +
	       vdp_dev_iotlb_msgs(d->dev, VHOST_IOTLB_BATCH_END);
}

/* --- devices ----------------------------------------------------------------------------- */

static int
b_dev_open(struct b_dev *d)
{
	uint64_t offered, acked;
	bool ack;
	int ret;

	ret = vdp_dev_open(d->path, &d->dev);
	if (ret < 0)
		return ret;
	ret = vdp_dev_set_owner(d->dev);
	if (ret == 0)
		ret = vdp_dev_get_backend_features(d->dev, &offered);
	if (ret == 0)
		ret = vdp_iotlb_persist_decide(d->policy,
					       offered & VDP_BACKEND(VHOST_BACKEND_F_IOTLB_PERSIST),
					       &ack, NULL, 0);
	if (ret == 0)
		ret = vdp_dev_negotiate_backend(d->dev,
				VDP_BACKEND(VHOST_BACKEND_F_IOTLB_MSG_V2) |
				VDP_BACKEND(VHOST_BACKEND_F_IOTLB_BATCH),
				ack ? VDP_BACKEND(VHOST_BACKEND_F_IOTLB_PERSIST) : 0, &acked);
	if (ret == 0)
		ret = vdp_iotlb_create_dev(d->dev, &d->map);
	if (ret < 0) {
		vdp_dev_close(d->dev);
		d->dev = NULL;
		return ret;
	}
	d->persist = vdp_iotlb_persist(d->map);
	vdp_iotlb_set_pa_mode(d->map, opts.pa);
	return 0;
}

static void
b_dev_close(struct b_dev *d)
{
	vdpa_mem_detach(d->mem);
	d->mem = NULL;
	if (d->map != NULL)
		vdp_iotlb_destroy(d->map);
	d->map = NULL;
	if (d->dev != NULL)
		vdp_dev_close(d->dev);
	d->dev = NULL;
}

static int
b_dev_handshake(struct b_dev *d)
{
	int ret = vdp_dev_set_status(d->dev, VIRTIO_CONFIG_S_ACKNOWLEDGE);

	if (ret == 0)
		ret = vdp_dev_add_status(d->dev, VIRTIO_CONFIG_S_DRIVER);
	if (ret == 0)
		ret = vdp_dev_set_features(d->dev, B_FEATURES);
	if (ret == 0)
		ret = vdp_dev_add_status(d->dev, VIRTIO_CONFIG_S_FEATURES_OK);
	return ret;
}

/* A map that sends nowhere: the adapter and lib/iotlb alone. */
static int
b_null_update(void *ctx, uint32_t asid, uint64_t iova, uint64_t size, uint64_t uaddr,
	      uint8_t perm)
{
	(void)ctx; (void)asid; (void)iova; (void)size; (void)uaddr; (void)perm;
	return 0;
}

static int
b_null_invalidate(void *ctx, uint32_t asid, uint64_t iova, uint64_t size)
{
	(void)ctx; (void)asid; (void)iova; (void)size;
	return 0;
}

static const struct vdp_iotlb_ops b_null_ops = {
	.update = b_null_update,
	.invalidate = b_null_invalidate,
};

/* --- phases ------------------------------------------------------------------------------ */

static int
b_phase_initial(struct b_dev *devs)
{
	static uint64_t ns[2][B_MAX_TRIALS];
	struct vdp_iotlb_stats st = { 0 };
	struct vdpa_mem_info info = { 0 };
	unsigned int t, k, i;
	int ret;

	for (t = 0; t < opts.init_trials; t++) {
		for (k = 0; k < 2; k++) {
			struct b_dev *d = &devs[(t + k) % 2];

			ret = b_dev_open(d);
			if (ret == 0)
				ret = vdpa_mem_attach(d->map, 0, d->path, &d->mem);
			if (ret < 0) {
				fprintf(stderr, "iotlb-bench: %s: open and map failed (%s)\n",
					d->path, strerror(-ret));
				b_dev_close(d);
				return ret;
			}
			vdpa_mem_info_get(d->mem, &info);
			vdp_iotlb_stats_get(d->map, &st);
			ns[(t + k) % 2][t] = info.attach_ns;
			b_dev_close(d);
		}
	}
	printf("  initial map    %.0f MiB in %u run%s: %" PRIu64 " UPDATE in %" PRIu64
	       " batch, %" PRIu64 " entr%s (PA-mode worst case %" PRIu64 " kernel entries)\n",
	       info.bytes / (double)B_MIB, info.runs, info.runs == 1 ? "" : "s", st.update_msgs,
	       st.batches, st.entries, st.entries == 1 ? "y" : "ies", st.est_kernel_entries);
	for (i = 0; i < 2; i++)
		printf("                 %s: median %.1f us (walk + map_all + register, of %u)\n",
		       devs[i].path, b_median_us(ns[i], opts.init_trials), opts.init_trials);
	if (info.reason[0] != '\0')
		printf("                 %s\n", info.reason);
	return 0;
}

static int
b_reset_cycle(struct b_dev *d, uint64_t *ns, uint64_t *msgs)
{
	uint64_t m0 = b_msgs(d), t0 = b_now_ns();
	int ret = vdp_iotlb_before_reset(d->map);

	if (ret == 0)
		ret = vdp_dev_reset(d->dev);
	if (ret == 0)
		ret = b_dev_handshake(d);
	if (ret == 0)
		ret = vdp_iotlb_after_reset(d->map);
	*ns = b_now_ns() - t0;
	*msgs = b_msgs(d) - m0;
	return ret;
}

static int
b_phase_reset(struct b_dev *devs)
{
	static uint64_t ns[2][B_MAX_TRIALS];
	uint64_t msgs[2] = { 0, 0 };
	double med[2];
	unsigned int t, k, i;
	int ret = 0;

	for (i = 0; i < 2 && ret == 0; i++) {
		ret = b_dev_open(&devs[i]);
		if (ret == 0)
			ret = vdpa_mem_attach(devs[i].map, 0, devs[i].path, &devs[i].mem);
		if (ret == 0)
			ret = b_dev_handshake(&devs[i]);
	}
	for (t = 0; t < opts.trials && ret == 0; t++) {
		for (k = 0; k < 2 && ret == 0; k++) {
			i = (t + k) % 2;
			ret = b_reset_cycle(&devs[i], &ns[i][t], &msgs[i]);
		}
	}
	if (ret < 0) {
		fprintf(stderr, "iotlb-bench: reset cycle failed (%s)\n", strerror(-ret));
		return ret;
	}
	for (i = 0; i < 2; i++) {
		med[i] = b_median_us(ns[i], opts.trials);
		printf("  reset cycle    %s (%s): median %.1f us, %" PRIu64 " IOTLB messages per "
		       "cycle%s\n", devs[i].path, devs[i].persist ? "PERSIST" : "legacy protocol",
		       med[i], msgs[i], devs[i].persist ? "" :
		       " (INVALIDATE per entry + UPDATE per run, each group in BATCH_BEGIN/END)");
	}
	if (devs[0].persist != devs[1].persist && med[0] > 0 && med[1] > 0)
		printf("                 legacy / PERSIST = %.1fx (%u interleaved trials)\n",
		       devs[0].persist ? med[1] / med[0] : med[0] / med[1], opts.trials);
	/* The event phase keeps only the PERSIST device: PA mode pins per device. */
	b_dev_close(&devs[1]);
	return 0;
}

/* One grow + shrink; ns[0..5]: callback ALLOC dev, ALLOC null, FREE dev, FREE null,
 * rte_malloc, rte_free. */
static int
b_event_pair(struct b_dev *d, struct vdpa_mem *null_mem, uint64_t ns[6], uint64_t *upd,
	     uint64_t *inv)
{
	struct vdp_iotlb_stats a, b;
	struct vdpa_mem_info di, ni;
	uint64_t t0, allocs;
	void *p;

	vdp_iotlb_stats_get(d->map, &a);
	vdpa_mem_info_get(d->mem, &di);
	allocs = di.alloc_events;
	t0 = b_now_ns();
	p = heap_probe_grow(&probe);
	ns[4] = b_now_ns() - t0;
	if (p == NULL)
		return -ENOMEM;
	vdpa_mem_info_get(d->mem, &di);
	vdpa_mem_info_get(null_mem, &ni);
	if (di.alloc_events != allocs + 1) {
		fprintf(stderr, "iotlb-bench: the heap did not grow by one chunk (%" PRIu64
			" ALLOC events)\n", di.alloc_events - allocs);
		heap_probe_shrink(&probe, p);
		return -EAGAIN;
	}
	ns[0] = di.event_ns_last;
	ns[1] = ni.event_ns_last;
	t0 = b_now_ns();
	heap_probe_shrink(&probe, p);
	ns[5] = b_now_ns() - t0;
	vdpa_mem_info_get(d->mem, &di);
	vdpa_mem_info_get(null_mem, &ni);
	ns[2] = di.event_ns_last;
	ns[3] = ni.event_ns_last;
	vdp_iotlb_stats_get(d->map, &b);
	*upd = b.update_msgs - a.update_msgs;
	*inv = b.invalidate_msgs - a.invalidate_msgs;
	return 0;
}

static int
b_phase_events(struct b_dev *d)
{
	static uint64_t ns[6][B_MAX_TRIALS];
	struct vdp_iotlb *null_map = NULL;
	struct vdpa_mem *null_mem = NULL;
	struct vdp_iotlb_stats st;
	uint64_t one[6], upd = 0, inv = 0;
	unsigned int e, i;
	int ret;

	ret = vdp_iotlb_create(&b_null_ops, NULL, &null_map);
	if (ret == 0)
		ret = vdpa_mem_attach(null_map, 0, "null map", &null_mem);
	if (ret == 0)
		ret = heap_probe_fill(&probe);
	for (e = 0; e < opts.events && ret == 0; e++) {
		ret = b_event_pair(d, null_mem, one, &upd, &inv);
		for (i = 0; i < 6 && ret == 0; i++)
			ns[i][e] = one[i];
	}
	vdp_iotlb_stats_get(d->map, &st);
	vdpa_mem_detach(null_mem);
	if (null_map != NULL)
		vdp_iotlb_destroy(null_map);
	if (ret < 0) {
		fprintf(stderr, "iotlb-bench: memory events failed (%s)\n", strerror(-ret));
		return ret;
	}
	printf("  memory event   one %" PRIu64 " KiB page, %u events each way, %" PRIu64
	       " entries held between events: ALLOC %" PRIu64 " UPDATE, FREE %" PRIu64
	       " INVALIDATE\n",
	       page_sz >> 10, opts.events, st.entries, upd, inv);
	printf("                 callback ALLOC: median %.1f us with the device, %.1f us "
	       "adapter + lib/iotlb alone\n", b_median_us(ns[0], opts.events),
	       b_median_us(ns[1], opts.events));
	printf("                 callback FREE:  median %.1f us with the device, %.1f us "
	       "adapter + lib/iotlb alone\n", b_median_us(ns[2], opts.events),
	       b_median_us(ns[3], opts.events));
	printf("                 whole rte_malloc %.1f us, rte_free %.1f us (DPDK's page "
	       "allocation included)\n", b_median_us(ns[4], opts.events),
	       b_median_us(ns[5], opts.events));
	return 0;
}

/* --- levels and set-up ------------------------------------------------------------------- */

/*
 * Grow the heap until it holds level bytes: each growth is one ALLOC event. *reached: what it
 * holds when it stops (other processes may take hugepages meanwhile).
 */
static int
b_grow_to(uint64_t level, uint64_t *reached)
{
	struct rte_malloc_socket_stats st;
	uint64_t want;
	void *p;

	for (;;) {
		if (rte_malloc_get_socket_stats(0, &st) != 0)
			return -EINVAL;
		*reached = st.heap_totalsz_bytes;
		if (st.heap_totalsz_bytes >= level)
			return 0;
		want = level - st.heap_totalsz_bytes;
		if (want > B_GROW_CHUNK)
			want = B_GROW_CHUNK;
		p = rte_malloc("iotlb-bench-grow", want > page_sz ? want - page_sz / 2 :
			       page_sz / 2, 0);
		if (p == NULL) {
			printf("iotlb-bench: the heap stops at %zu MiB, short of %" PRIu64 " MiB "
			       "(%s; HugePages_Free is now %ld: other processes hold hugepages)\n",
			       st.heap_totalsz_bytes >> 20, level >> 20, rte_strerror(rte_errno),
			       heap_probe_hugepages_free(NULL));
			return -ENOMEM;
		}
		/* Kept till the end, in a probe of their own. */
		if (grown.n == grown.cap) {
			void **v = realloc(grown.obj, (grown.cap * 2 + 16) * sizeof(*v));

			if (v == NULL) {
				rte_free(p);
				return -ENOMEM;
			}
			grown.obj = v;
			grown.cap = grown.cap * 2 + 16;
		}
		grown.obj[grown.n++] = p;
	}
}

static int
b_levels_plan(void)
{
	char list[sizeof(opts.levels)], *tok, *save = NULL, *end;
	long free_pages = heap_probe_hugepages_free(&page_sz);
	uint64_t max, cap, v;
	struct rlimit rl;
	unsigned int i, j;

	if (free_pages <= B_MARGIN_PAGES) {
		printf("iotlb-bench: %ld hugepages free; need more than %d\n", free_pages,
		       B_MARGIN_PAGES);
		return -ENOMEM;
	}
	max = (uint64_t)(free_pages - B_MARGIN_PAGES) * page_sz;
	cap = max;
	if (opts.pa) {
		/* Two devices each pin the memory they map, against one process-wide limit. */
		rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
		if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0)
			getrlimit(RLIMIT_MEMLOCK, &rl);
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 2 < cap) {
			cap = rl.rlim_cur / 2 / page_sz * page_sz;
			printf("iotlb-bench: PA mode: levels capped at %" PRIu64 " MiB: "
			       "RLIMIT_MEMLOCK is %llu KiB and cannot be raised here (needs "
			       "CAP_SYS_RESOURCE); two devices pin what they map\n", cap >> 20,
			       (unsigned long long)rl.rlim_cur >> 10);
		}
	}
	snprintf(list, sizeof(list), "%s", opts.levels);
	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "max") == 0) {
			v = max;
		} else {
			v = strtoull(tok, &end, 0) * B_MIB;
			if (*end != '\0' || v == 0)
				return -EINVAL;
		}
		if (v > cap)
			v = cap;
		v = (v + page_sz - 1) / page_sz * page_sz;
		for (j = 0; j < nlevels && levels[j] != v; j++)
			;
		if (j == nlevels && nlevels < B_MAX_LEVELS)
			levels[nlevels++] = v;
	}
	qsort(levels, nlevels, sizeof(levels[0]), b_cmp_u64);
	printf("iotlb-bench: %s, %s, %ld cores, %" PRIu64 " KiB hugepages, HugePages_Free "
	       "%ld, levels:", opts.pa ? "vdpath-sim PA mode" : "vdpath-sim VA mode",
	       rte_version(), sysconf(_SC_NPROCESSORS_ONLN), page_sz >> 10, free_pages);
	for (i = 0; i < nlevels; i++)
		printf(" %" PRIu64 " MiB", levels[i] >> 20);
	printf("\n");
	return nlevels > 0 ? 0 : -EINVAL;
}

static int
b_eal_init(const char *prog)
{
	char mem[32], prefix[64];
	char *argv[] = {
		(char *)prog, "--no-pci", "--iova-mode=va", "--in-memory", "--no-telemetry",
		"-l", "0", "--log-level", "lib.eal:warning", "-m", mem, "--file-prefix", prefix,
		NULL,
	};

	snprintf(mem, sizeof(mem), "%" PRIu64, levels[0] >> 20);
	snprintf(prefix, sizeof(prefix), "iotlb-bench-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		fprintf(stderr, "iotlb-bench: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int
b_parse(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "levels", required_argument, NULL, 'l' },
		{ "trials", required_argument, NULL, 't' },
		{ "init-trials", required_argument, NULL, 'i' },
		{ "events", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *iommu = getenv("VDPATH_SIM_IOMMU");
	unsigned long v;
	int c;

	opts.pa = iommu != NULL && strcmp(iommu, "pa") == 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'l') {
			snprintf(opts.levels, sizeof(opts.levels), "%s", optarg);
			continue;
		}
		if (c == 'h' || c == '?')
			return -1;
		v = strtoul(optarg, NULL, 0);
		if (v == 0 || v >= B_MAX_TRIALS)
			return -1;
		if (c == 't')
			opts.trials = (unsigned int)v;
		else if (c == 'i')
			opts.init_trials = (unsigned int)v;
		else
			opts.events = (unsigned int)v;
	}
	return optind == argc ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct b_dev devs[2] = {
		{ .path = "/dev/vhost-vdpa-0", .policy = VDP_IOTLB_PERSIST_AUTO },
		{ .path = "/dev/vhost-vdpa-1", .policy = VDP_IOTLB_PERSIST_OFF },
	};
	uint64_t reached = 0, done = 0;
	unsigned int i;
	int ret = 0;

	if (b_parse(argc, argv) != 0) {
		fprintf(stderr, "usage: vdpath-sim --devices 2 [--iommu pa] -- %s [--levels "
			"MB,MB,max] [--trials N] [--init-trials N] [--events N]\n", argv[0]);
		return 2;
	}
	if (b_levels_plan() != 0 || b_eal_init(argv[0]) != 0)
		return 1;
	for (i = 0; i < nlevels && ret == 0; i++) {
		/* Short of hugepages: measure what was reached, if it is a new amount. */
		if (b_grow_to(levels[i], &reached) < 0 && reached <= done)
			break;
		done = reached;
		printf("== %" PRIu64 " MiB of DPDK memory ==\n", reached >> 20);
		ret = b_phase_initial(devs);
		if (ret == 0)
			ret = b_phase_reset(devs);
		if (ret == 0)
			ret = b_phase_events(&devs[0]);
		b_dev_close(&devs[0]);
		b_dev_close(&devs[1]);
		fflush(stdout);
	}
	heap_probe_release(&probe);
	heap_probe_release(&grown);
	rte_eal_cleanup();
	return ret == 0 ? 0 : 1;
}
