/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK memory adapter: feeds DPDK's hugepage memory into a lib/iotlb map.
 *
 * Attach walks the memseg lists, records one lib/iotlb region per VA-contiguous run (IOVA = VA,
 * the list's page size) and maps them all; then it follows DPDK memory events, mapping exactly
 * the chunk the heap grew by and unmapping exactly the chunk it shrank by, while the queues keep
 * running on everything else. External memory lists are left to the PMD's dma_map/dma_unmap ops.
 *
 * Only public DPDK API (rte_memory.h, rte_eal_memconfig.h). Functions return 0 or a negative
 * errno; failures are logged through vdp_log.
 */
#ifndef VDPA_MEM_H
#define VDPA_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "vdp_iotlb.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vdpa_mem;

#define VDPA_MEM_REASON_LEN 256u

/* What attach found, and what the memory events did since. */
struct vdpa_mem_info {
	/* at attach */
	uint32_t runs;			/* VA-contiguous runs recorded (touching lists merged) */
	uint32_t lists;			/* memseg lists those runs came from */
	uint32_t holes;			/* gaps between runs inside one list */
	uint32_t external_lists;	/* external memory lists skipped */
	uint64_t bytes;			/* bytes recorded */
	uint64_t attach_ns;		/* walk + map_all */
	bool events;			/* memory events followed; false: the memory is static */
	char reason[VDPA_MEM_REASON_LEN];	/* why runs > 1; "" when runs <= 1 */
	/* memory events since attach */
	uint64_t alloc_events;		/* heap grew: chunk mapped */
	uint64_t free_events;		/* heap shrank: chunk unmapped */
	uint64_t skipped_events;	/* external memory, left to dma_map */
	uint64_t failed_events;		/* map or unmap failed (logged) */
	uint64_t event_ns_last;		/* time spent in the last event */
	uint64_t event_ns_max;
	uint64_t event_ns_total;
	uint64_t last_addr;		/* chunk of the last event */
	uint64_t last_len;
	bool last_alloc;		/* the last event was an ALLOC */
};

/*
 * Record and map all DPDK memory into map (ASID asid, read-write), then follow memory events.
 * name identifies the device in log lines. Call after rte_eal_init() and after the map knows the
 * device (vdp_iotlb_create_dev). In legacy memory mode (--legacy-mem, --no-huge) DPDK has no
 * memory events: the memory mapped here is all there is, and a log line says so.
 * On failure nothing stays recorded or mapped.
 */
int vdpa_mem_attach(struct vdp_iotlb *map, uint32_t asid, const char *name,
		    struct vdpa_mem **out);
/*
 * Stop following memory events and free the handle. No callback runs after it returns. The map
 * keeps its regions and entries: destroy it and close the device to release them.
 */
void vdpa_mem_detach(struct vdpa_mem *mem);

/*
 * Copy the counters. Memory events update them under DPDK's memory hotplug write lock: from a
 * thread other than the one allocating, hold vdpa_mem_lock() for a consistent copy.
 */
void vdpa_mem_info_get(const struct vdpa_mem *mem, struct vdpa_mem_info *info);

/*
 * Serialise other users of the map with memory events: memory event callbacks run under DPDK's
 * memory hotplug write lock, these take its read lock. Hold it around every other call on the
 * map (reset protocol, dma_map). Never allocate DPDK memory while holding it: growing the heap
 * needs the write lock.
 */
void vdpa_mem_lock(void);
void vdpa_mem_unlock(void);

#ifdef __cplusplus
}
#endif

#endif /* VDPA_MEM_H */
