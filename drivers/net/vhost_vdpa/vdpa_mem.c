/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK memory adapter: memsegs and memory events feed a lib/iotlb map.
 *
 * Why memory events are safe to follow without pausing queues (DPDK 22.11, lib/eal):
 *  - ALLOC: the heap grows in try_expand_heap_primary(), which runs under the memory hotplug
 *    write lock and the heap's spinlock. The new pages are mapped into the process and added to
 *    the heap, the ALLOC callbacks run, and only after they return and both locks are dropped
 *    can any rte_malloc() caller be handed that memory. So the chunk is in the device IOTLB
 *    before a descriptor can point at it. The rest of the map is not touched.
 *  - FREE: malloc_heap_free() first hides the page-aligned range from the heap (nothing can be
 *    allocated from it any more), then runs the FREE callbacks, then unmaps the pages. So the
 *    chunk leaves the IOTLB before its pages are released; and it was free memory, so no
 *    descriptor in flight points at it.
 *  - A failed multi-process sync after an ALLOC is undone with a FREE event for the same chunk.
 * Callbacks run with the memory hotplug write lock held: they must not walk memsegs with the
 * locking walkers or allocate DPDK memory. vdpa_mem_lock() lets other users of the map take
 * the read side.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_eal_memconfig.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "vdp_dev.h"
#include "vdpa_mem.h"

#define VDPA_MEM_CB_NAME "vdpa_mem"

struct vdpa_mem {
	struct vdp_iotlb *map;
	uint32_t asid;
	bool registered;
	char name[64];
	struct vdpa_mem_info info;
};

/* State of one memseg walk at attach. */
struct mem_walk {
	struct vdpa_mem *mem;
	struct vdp_iotlb_region cur;	/* run being extended; len 0: none yet */
	struct vdp_iotlb_region *added;	/* regions recorded so far, for the unwind */
	size_t nadded;
	size_t cap;
	const struct rte_memseg_list *last_msl;
	const struct rte_memseg_list *last_ext;
	uint64_t page_min;
	uint64_t page_max;
	uint32_t merged_lists;		/* runs that continued across a list boundary */
	int err;
};

static uint64_t
mem_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double
mem_mib(uint64_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

static int
mem_walk_flush(struct mem_walk *w)
{
	struct vdp_iotlb_region *grown;
	int ret;

	if (w->cur.len == 0)
		return 0;
	if (w->nadded == w->cap) {
		size_t cap = w->cap != 0 ? w->cap * 2 : 16;

		grown = realloc(w->added, cap * sizeof(*grown));
		if (grown == NULL) {
			vdp_log(VDP_LOG_ERR, "vdpa_mem: %s: out of memory recording memory runs",
				w->mem->name);
			return -ENOMEM;
		}
		w->added = grown;
		w->cap = cap;
	}
	ret = vdp_iotlb_region_add(w->mem->map, &w->cur);
	if (ret < 0) {
		vdp_log(VDP_LOG_ERR, "vdpa_mem: %s: cannot record DPDK memory va %#" PRIx64
			" len %#" PRIx64 " (%s): it overlaps memory already in the map (attach "
			"called twice on one map?)", w->mem->name, w->cur.va, w->cur.len,
			strerror(-ret));
		return ret;
	}
	w->added[w->nadded++] = w->cur;
	w->mem->info.runs++;
	w->mem->info.bytes += w->cur.len;
	w->cur.len = 0;
	return 0;
}

static int
mem_walk_run(const struct rte_memseg_list *msl, const struct rte_memseg *ms, size_t len,
	     void *arg)
{
	struct mem_walk *w = arg;
	struct vdpa_mem_info *info = &w->mem->info;
	uint64_t va = (uint64_t)(uintptr_t)ms->addr;
	bool new_list = msl != w->last_msl;

	if (msl->external) {
		if (msl != w->last_ext) {
			info->external_lists++;
			w->last_ext = msl;
			vdp_log(VDP_LOG_NOTICE, "vdpa_mem: %s: external memory list at %p "
				"(%zu MiB) not mapped here: external memory is mapped when the "
				"application calls rte_dev_dma_map() for the port",
				w->mem->name, msl->base_va, msl->len >> 20);
		}
		return 0;
	}
	if (new_list) {
		info->lists++;
		w->last_msl = msl;
	} else {
		info->holes++;
	}
	if (w->page_min == 0 || msl->page_sz < w->page_min)
		w->page_min = msl->page_sz;
	if (msl->page_sz > w->page_max)
		w->page_max = msl->page_sz;

	/* Lists whose VA ranges touch make one run, as the planner would merge them anyway. */
	if (w->cur.len != 0 && w->cur.va + w->cur.len == va && w->cur.page_size == msl->page_sz) {
		w->cur.len += len;
		if (new_list)
			w->merged_lists++;
		return 0;
	}
	w->err = mem_walk_flush(w);
	if (w->err < 0)
		return -1;
	w->cur = (struct vdp_iotlb_region){
		.va = va,
		.len = len,
		.page_size = msl->page_sz,
		.asid = w->mem->asid,
		.perm = VDP_IOTLB_PERM_RW,
	};
	return 0;
}

struct mem_reason {
	char *buf;
	size_t size;
	unsigned int causes;
};

/* Append one cause: the first after "because", the others after "; ". */
static void __attribute__((format(printf, 2, 3)))
mem_reason_add(struct mem_reason *r, const char *fmt, ...)
{
	size_t used = strlen(r->buf);
	va_list ap;

	if (used + 3 >= r->size)
		return;
	used += (size_t)snprintf(r->buf + used, r->size - used, "%s",
				 r->causes++ == 0 ? " " : "; ");
	va_start(ap, fmt);
	vsnprintf(r->buf + used, r->size - used, fmt, ap);
	va_end(ap);
}

/* "N runs, because ...": each run is one UPDATE, so say what split the memory. */
static void
mem_reason_build(struct vdpa_mem *mem, const struct mem_walk *w)
{
	struct vdpa_mem_info *info = &mem->info;
	struct mem_reason r = { .buf = info->reason, .size = sizeof(info->reason) };
	uint32_t ranges = info->lists - w->merged_lists;

	info->reason[0] = '\0';
	if (info->runs <= 1)
		return;
	snprintf(info->reason, sizeof(info->reason), "%u runs, because", info->runs);
	if (ranges > 1)
		mem_reason_add(&r, "the memory is in %u memseg lists (EAL reserves each list "
			       "as its own VA range)", ranges);
	if (info->holes > 0)
		mem_reason_add(&r, "%u hole%s inside a list (pages not allocated between "
			       "allocated ones)", info->holes, info->holes == 1 ? "" : "s");
	if (w->page_min != w->page_max)
		mem_reason_add(&r, "page sizes differ (%" PRIu64 " KiB to %" PRIu64 " KiB)",
			       w->page_min >> 10, w->page_max >> 10);
}

static void
mem_unwind(struct vdpa_mem *mem, const struct mem_walk *w)
{
	size_t i;

	for (i = 0; i < w->nadded; i++)
		vdp_iotlb_region_remove(mem->map, w->added[i].asid, w->added[i].va,
					w->added[i].len);
	mem->info.runs = 0;
	mem->info.bytes = 0;
}

static void mem_event_cb(enum rte_mem_event type, const void *addr, size_t len, void *arg);

static void
mem_events_register(struct vdpa_mem *mem)
{
	if (rte_mem_event_callback_register(VDPA_MEM_CB_NAME, mem_event_cb, mem) == 0) {
		mem->registered = true;
		mem->info.events = true;
		return;
	}
	if (rte_errno == ENOTSUP) {
		vdp_log(VDP_LOG_NOTICE, "vdpa_mem: %s: DPDK memory is static (%s): no memory "
			"events, the %.0f MiB mapped now is all the port will use", mem->name,
			rte_eal_has_hugepages() ? "legacy memory mode, --legacy-mem" :
			"--no-huge, which implies legacy memory mode", mem_mib(mem->info.bytes));
		return;
	}
	vdp_log(VDP_LOG_WARNING, "vdpa_mem: %s: cannot follow DPDK memory events (%s): memory "
		"the heap grows by later will not be mapped and DMA to it will fault; start "
		"EAL with -m or --socket-mem large enough for the application",
		mem->name, rte_strerror(rte_errno));
}

int
vdpa_mem_attach(struct vdp_iotlb *map, uint32_t asid, const char *name, struct vdpa_mem **out)
{
	struct mem_walk w = { .err = 0 };
	struct vdpa_mem *mem;
	uint64_t t0;
	int ret;

	if (map == NULL || out == NULL)
		return -EINVAL;
	mem = calloc(1, sizeof(*mem));
	if (mem == NULL)
		return -ENOMEM;
	mem->map = map;
	mem->asid = asid;
	snprintf(mem->name, sizeof(mem->name), "%s", name != NULL ? name : "vhost-vdpa");
	w.mem = mem;

	/*
	 * The read lock is held from the walk until the callback is registered: memory allocated
	 * in between would otherwise be neither walked nor announced.
	 */
	t0 = mem_now_ns();
	rte_mcfg_mem_read_lock();
	rte_memseg_contig_walk_thread_unsafe(mem_walk_run, &w);
	ret = w.err;
	if (ret == 0)
		ret = mem_walk_flush(&w);
	if (ret < 0)
		goto unwind;
	ret = vdp_iotlb_map_all(map);
	if (ret < 0) {
		vdp_log(VDP_LOG_ERR, "vdpa_mem: %s: mapping %.0f MiB of DPDK memory in %u runs "
			"failed (%s); see the iotlb line above for the cause", mem->name,
			mem_mib(mem->info.bytes), mem->info.runs, strerror(-ret));
		goto unwind;
	}
	mem_events_register(mem);
	rte_mcfg_mem_read_unlock();
	mem->info.attach_ns = mem_now_ns() - t0;

	mem_reason_build(mem, &w);
	if (mem->info.reason[0] != '\0')
		vdp_log(VDP_LOG_NOTICE, "vdpa_mem: %s: %.0f MiB of DPDK memory mapped as %s",
			mem->name, mem_mib(mem->info.bytes), mem->info.reason);
	else
		vdp_log(VDP_LOG_INFO, "vdpa_mem: %s: %.0f MiB of DPDK memory mapped in %u run",
			mem->name, mem_mib(mem->info.bytes), mem->info.runs);
	free(w.added);
	*out = mem;
	return 0;

unwind:
	mem_unwind(mem, &w);
	rte_mcfg_mem_read_unlock();
	free(w.added);
	free(mem);
	return ret;
}

void
vdpa_mem_detach(struct vdpa_mem *mem)
{
	if (mem == NULL)
		return;
	/* Unregistering waits for a callback in progress: none can run on mem after this. */
	if (mem->registered &&
	    rte_mem_event_callback_unregister(VDPA_MEM_CB_NAME, mem) != 0)
		vdp_log(VDP_LOG_WARNING, "vdpa_mem: %s: unregistering the memory event "
			"callback failed (%s)", mem->name, rte_strerror(rte_errno));
	free(mem);
}

void
vdpa_mem_info_get(const struct vdpa_mem *mem, struct vdpa_mem_info *info)
{
	*info = mem->info;
}

void
vdpa_mem_lock(void)
{
	rte_mcfg_mem_read_lock();
}

void
vdpa_mem_unlock(void)
{
	rte_mcfg_mem_read_unlock();
}

static int
mem_event_alloc(struct vdpa_mem *mem, const struct rte_memseg_list *msl, uint64_t va,
		uint64_t len)
{
	const struct vdp_iotlb_region r = {
		.va = va,
		.len = len,
		.page_size = msl->page_sz,
		.asid = mem->asid,
		.perm = VDP_IOTLB_PERM_RW,
	};
	int ret = vdp_iotlb_map_region(mem->map, &r);

	if (ret < 0)
		vdp_log(VDP_LOG_ERR, "vdpa_mem: %s: the DPDK heap grew by va %#" PRIx64 " len %#"
			PRIx64 " but mapping it failed (%s): DMA to objects allocated there will "
			"fault; see the iotlb line above, then restart with -m or --socket-mem "
			"covering the application's memory so that it is mapped at start",
			mem->name, va, len, strerror(-ret));
	return ret;
}

static int
mem_event_free(struct vdpa_mem *mem, uint64_t va, uint64_t len)
{
	int ret = vdp_iotlb_unmap_region(mem->map, mem->asid, va, len);

	/* A chunk whose ALLOC failed was never recorded: nothing to undo. */
	if (ret == -ENOENT) {
		vdp_log(VDP_LOG_INFO, "vdpa_mem: %s: freed chunk va %#" PRIx64 " len %#" PRIx64
			" was not mapped", mem->name, va, len);
		return 0;
	}
	if (ret < 0)
		vdp_log(VDP_LOG_ERR, "vdpa_mem: %s: the DPDK heap released va %#" PRIx64
			" len %#" PRIx64 " but unmapping it failed (%s): the device keeps a "
			"mapping (and, in PA mode, a pin) of memory DPDK gave back; restarting the "
			"port remaps everything", mem->name, va, len, strerror(-ret));
	return ret;
}

static void
mem_event_cb(enum rte_mem_event type, const void *addr, size_t len, void *arg)
{
	struct vdpa_mem *mem = arg;
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(addr);
	uint64_t va = (uint64_t)(uintptr_t)addr;
	uint64_t t0 = mem_now_ns(), dt;
	int ret;

	if (msl == NULL) {
		mem->info.failed_events++;
		vdp_log(VDP_LOG_ERR, "vdpa_mem: %s: memory event for va %#" PRIx64 " len %#zx "
			"outside every memseg list; not mapped", mem->name, va, len);
		return;
	}
	if (msl->external) {
		mem->info.skipped_events++;
		vdp_log(VDP_LOG_INFO, "vdpa_mem: %s: external memory va %#" PRIx64 " len %#zx "
			"%s the heap; it is mapped through rte_dev_dma_map(), not here", mem->name,
			va, len, type == RTE_MEM_EVENT_ALLOC ? "added to" : "removed from");
		return;
	}
	if (type == RTE_MEM_EVENT_ALLOC)
		ret = mem_event_alloc(mem, msl, va, len);
	else
		ret = mem_event_free(mem, va, len);
	dt = mem_now_ns() - t0;

	if (ret < 0)
		mem->info.failed_events++;
	else if (type == RTE_MEM_EVENT_ALLOC)
		mem->info.alloc_events++;
	else
		mem->info.free_events++;
	mem->info.last_addr = va;
	mem->info.last_len = len;
	mem->info.last_alloc = type == RTE_MEM_EVENT_ALLOC;
	mem->info.event_ns_last = dt;
	mem->info.event_ns_total += dt;
	if (dt > mem->info.event_ns_max)
		mem->info.event_ns_max = dt;
}
