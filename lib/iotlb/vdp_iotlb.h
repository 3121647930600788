/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/iotlb - the map: what should be mapped into a vhost-vdpa device IOTLB, and what the kernel
 * holds.
 *
 * A map keeps two sets. Regions are what SHOULD be mapped: memory the caller registered (VA,
 * length, page size, ASID, permission). Entries are what the kernel HOLDS: exactly the UPDATEs
 * that succeeded, minus what was invalidated since, per ASID. The planner turns regions into
 * runs: one UPDATE per VA-contiguous run, rounded out to the page size, so 1 GiB of 2 MiB pages
 * in one memseg list is one message. IOVA = process VA (doc/iotlb.md says why not EAL's IOVA).
 *
 * Every send is validated first (device IOVA range, per-ASID entry cap), wrapped in
 * BATCH_BEGIN/BATCH_END per ASID when the device acked IOTLB_BATCH, and rolled back when a
 * message fails part-way: the entries view then equals the state before the failed group.
 *
 * Functions return 0 on success and a negative errno on failure; a failure is also logged
 * through vdp_log with what was attempted, the likely cause and what to do.
 *
 * Plain C11, no DPDK headers. Not thread-safe: the caller serialises calls on one map (DPDK
 * memory event callbacks run under the memory hotplug lock).
 */
#ifndef VDP_IOTLB_H
#define VDP_IOTLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vdp_iotlb;
struct vdp_dev;

/* Linux 6.12.115+ caps each ASID at this many vhost IOTLB entries (spec §0.3). */
#define VDP_IOTLB_ENTRY_CAP_DEFAULT	2048u
/* The planner warns when the PA-mode entry estimate reaches this share of the cap. */
#define VDP_IOTLB_WARN_PERCENT		75u

/* Access permission of a mapping (VHOST_ACCESS_*, spec §4.1). */
#define VDP_IOTLB_PERM_RO	1u
#define VDP_IOTLB_PERM_WO	2u
#define VDP_IOTLB_PERM_RW	3u

/* Per-ASID entry counts kept in struct vdp_iotlb_stats; vdp_iotlb_asid_entries() has any ASID. */
#define VDP_IOTLB_STATS_ASIDS	4u

/*
 * How messages reach the device. Each returns 0 or a negative errno (the kernel reports most
 * IOTLB failures as -EFAULT). update and invalidate are required; the batch pair may be NULL.
 */
struct vdp_iotlb_ops {
	int (*update)(void *ctx, uint32_t asid, uint64_t iova, uint64_t size, uint64_t uaddr,
		      uint8_t perm);
	int (*invalidate)(void *ctx, uint32_t asid, uint64_t iova, uint64_t size);
	int (*batch_begin)(void *ctx, uint32_t asid);
	int (*batch_end)(void *ctx, uint32_t asid);
};

/* Memory that should be mapped. page_size: power of two >= 4096; perm: VDP_IOTLB_PERM_*. */
struct vdp_iotlb_region {
	uint64_t va;
	uint64_t len;
	uint64_t page_size;
	uint32_t asid;
	uint8_t perm;
};

/* One planned UPDATE: a run of regions, rounded out to the page size. iova == uaddr. */
struct vdp_iotlb_run {
	uint64_t iova;
	uint64_t size;
	uint64_t uaddr;
	uint64_t page_size;	/* smallest page size of the run's regions */
	uint64_t pages;		/* PA-mode worst case: one kernel entry per page */
	uint32_t asid;
	uint32_t regions;	/* regions coalesced into this run */
	uint8_t perm;
};

/* One mapping the kernel holds (an UPDATE that succeeded). */
struct vdp_iotlb_entry {
	uint64_t iova;
	uint64_t size;
	uint64_t uaddr;
	uint64_t page_size;
	uint32_t asid;
	uint8_t perm;
};

/* The last failure, with its context. */
#define VDP_IOTLB_EXPLAIN_LEN	1024u
struct vdp_iotlb_error {
	/* "update", "invalidate", "batch_begin", "batch_end" or "validate"; NULL: none yet */
	const char *op;
	uint32_t asid;
	uint64_t iova;
	uint64_t size;
	uint64_t uaddr;
	int err;		/* positive errno */
	char explain[VDP_IOTLB_EXPLAIN_LEN];	/* the log line's causes and what to do */
};

struct vdp_iotlb_stats {
	uint64_t update_msgs;		/* UPDATE messages sent successfully */
	uint64_t invalidate_msgs;	/* INVALIDATE messages sent successfully */
	uint64_t batches;		/* BATCH_BEGIN/BATCH_END pairs sent */
	uint64_t groups;		/* message groups sent (one ASID each) */
	uint64_t entries;		/* entries held now, all ASIDs */
	uint64_t asid_entries[VDP_IOTLB_STATS_ASIDS];	/* entries held now, ASID 0..3 */
	uint64_t mapped_bytes;		/* bytes held now, all ASIDs */
	uint64_t est_kernel_entries;	/* PA-mode worst case of kernel entries now (pages) */
	uint64_t remaps_avoided;	/* after_reset calls that sent nothing thanks to PERSIST */
	uint64_t unmaps_avoided;	/* before_reset calls that sent nothing thanks to PERSIST */
	uint64_t rollbacks;		/* groups undone after a failure */
	uint64_t failures;		/* failed messages and rejected validations */
	struct vdp_iotlb_error last_error;
};

/* --- lifetime and device facts --------------------------------------------------------------- */

/* A map sending through ops with ctx. Defaults: no batch, no PERSIST, PA mode, IOVA range
 * [0, UINT64_MAX], cap VDP_IOTLB_ENTRY_CAP_DEFAULT, any ASID. */
int vdp_iotlb_create(const struct vdp_iotlb_ops *ops, void *ctx, struct vdp_iotlb **out);
/*
 * A map bound to a lib/vdpa device (vdp_iotlb_dev.c). Call after backend negotiation: BATCH and
 * PERSIST come from the acked backend features, the IOVA range and the address-space count from
 * the device (only ASID 0 unless IOTLB_ASID was acked).
 */
int vdp_iotlb_create_dev(struct vdp_dev *dev, struct vdp_iotlb **out);
/* Free the map without sending anything: closing the fd releases every mapping in the kernel. */
void vdp_iotlb_destroy(struct vdp_iotlb *map);
/* Forget every entry without sending anything (the fd was closed and reopened). */
void vdp_iotlb_forget(struct vdp_iotlb *map);

void vdp_iotlb_set_batch(struct vdp_iotlb *map, bool acked);	/* IOTLB_BATCH acked */
void vdp_iotlb_set_persist(struct vdp_iotlb *map, bool acked);	/* IOTLB_PERSIST acked */
/* PA mode: the parent pins pages and splits UPDATEs per physically contiguous run. */
void vdp_iotlb_set_pa_mode(struct vdp_iotlb *map, bool pa);
/* The device IOVA range, inclusive (VHOST_VDPA_GET_IOVA_RANGE). first > last: -EINVAL. */
int vdp_iotlb_set_iova_range(struct vdp_iotlb *map, uint64_t first, uint64_t last);
/* Entry cap per ASID; 0 = no cap (kernels before 6.12.115). */
void vdp_iotlb_set_entry_cap(struct vdp_iotlb *map, uint32_t cap);
/* Address spaces the device has (VHOST_VDPA_GET_AS_NUM; 1 without IOTLB_ASID). 0: -EINVAL. */
int vdp_iotlb_set_as_count(struct vdp_iotlb *map, uint32_t count);

bool vdp_iotlb_persist(const struct vdp_iotlb *map);
bool vdp_iotlb_batch(const struct vdp_iotlb *map);

/* --- regions: what should be mapped ---------------------------------------------------------- */

/*
 * Record a region without sending anything (vdp_iotlb_map_all sends). A region overlapping
 * another in the same ASID is -EEXIST; a bad page size, permission, ASID or a range that wraps
 * is -EINVAL.
 */
int vdp_iotlb_region_add(struct vdp_iotlb *map, const struct vdp_iotlb_region *r);
/*
 * Stop recording [va, va + len) of ASID asid, without sending anything; it may be part of one
 * region or span several. Bytes not covered by regions: -ENOENT, nothing changed.
 */
int vdp_iotlb_region_remove(struct vdp_iotlb *map, uint32_t asid, uint64_t va, uint64_t len);
size_t vdp_iotlb_region_count(const struct vdp_iotlb *map);
/* Copy up to cap regions (sorted by ASID, then VA) to out; returns how many there are. */
size_t vdp_iotlb_regions(const struct vdp_iotlb *map, struct vdp_iotlb_region *out, size_t cap);

/* --- the plan and the entries ---------------------------------------------------------------- */

/*
 * The planner alone: runs for n regions in any order, sorted by ASID then IOVA. Regions whose
 * rounded ranges overlap always merge; ranges that only touch merge when page size and
 * permission agree. Fills up to cap runs and returns how many there are, or -EINVAL (logged)
 * for an invalid region.
 */
long vdp_iotlb_plan_regions(const struct vdp_iotlb_region *regions, size_t n,
			    struct vdp_iotlb_run *out, size_t cap);
/* The map's plan for its regions, as vdp_iotlb_plan_regions. */
long vdp_iotlb_plan(const struct vdp_iotlb *map, struct vdp_iotlb_run *out, size_t cap);

/* Copy up to cap entries (sorted by ASID, then IOVA); returns how many there are. */
size_t vdp_iotlb_entries(const struct vdp_iotlb *map, struct vdp_iotlb_entry *out, size_t cap);
size_t vdp_iotlb_asid_entries(const struct vdp_iotlb *map, uint32_t asid);

/* --- sending --------------------------------------------------------------------------------- */

/*
 * Make the kernel hold exactly the plan: per ASID one group that invalidates entries the plan no
 * longer covers and maps what is not held yet (the initial map sends UPDATEs only). Everything is
 * validated before the first message. Groups of ASIDs done before a failing one stay mapped.
 */
int vdp_iotlb_map_all(struct vdp_iotlb *map);
/* Invalidate every entry (one group per ASID). Regions stay recorded. */
int vdp_iotlb_unmap_all(struct vdp_iotlb *map);
/*
 * Memory events. map_region records r and maps only the part of it not held yet (one group);
 * unmap_region stops recording [va, va + len) and unmaps it (one group), re-mapping what remains
 * of any entry it shared. On failure the region set and the entries are as before the call,
 * except when only BATCH_END failed: every message was accepted, so the change is kept.
 */
int vdp_iotlb_map_region(struct vdp_iotlb *map, const struct vdp_iotlb_region *r);
int vdp_iotlb_unmap_region(struct vdp_iotlb *map, uint32_t asid, uint64_t va, uint64_t len);

/* --- the reset protocol ---------------------------------------------------------------------- */

/*
 * Call before SET_STATUS(0) and before the next DRIVER_OK. With PERSIST acked both send nothing
 * (and count an unmap / a remap avoided). Without it before_reset invalidates everything (one
 * group per ASID) and after_reset maps everything again (one group per ASID), so the device and
 * vhost-vdpa never disagree (spec §6.3, §6.5).
 */
int vdp_iotlb_before_reset(struct vdp_iotlb *map);
int vdp_iotlb_after_reset(struct vdp_iotlb *map);

/* persist=auto|on|off: auto acks PERSIST when offered, on requires it, off never acks it. */
enum vdp_iotlb_persist_policy {
	VDP_IOTLB_PERSIST_AUTO = 0,
	VDP_IOTLB_PERSIST_ON,
	VDP_IOTLB_PERSIST_OFF,
};

/* "auto", "on" or "off" (also "1"/"0", "yes"/"no", "true"/"false"); anything else: -EINVAL. */
int vdp_iotlb_persist_parse(const char *s, enum vdp_iotlb_persist_policy *out);
const char *vdp_iotlb_persist_name(enum vdp_iotlb_persist_policy p);
/*
 * Turn (policy, offered) into whether to ack IOTLB_PERSIST. persist=on when the device does not
 * offer it: -ENOTSUP, with the reason in why (may be NULL) and in the log.
 */
int vdp_iotlb_persist_decide(enum vdp_iotlb_persist_policy p, bool offered, bool *ack,
			     char *why, size_t why_len);

/* --- counters and dump ----------------------------------------------------------------------- */

void vdp_iotlb_stats_get(const struct vdp_iotlb *map, struct vdp_iotlb_stats *st);
/* Zero the message counters and the last error; current-state values are kept. */
void vdp_iotlb_stats_reset(struct vdp_iotlb *map);
/* Regions, entries (with the PA-mode estimate per ASID) and counters, human readable. */
void vdp_iotlb_dump(const struct vdp_iotlb *map, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* VDP_IOTLB_H */
