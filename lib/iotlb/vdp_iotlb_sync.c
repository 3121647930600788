/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sending: make the kernel hold what the plan says, one group of messages per ASID.
 *
 * A group is built by comparing the plan (runs) with the entries view, checked against the
 * device IOVA range and the entry cap before anything is sent, and sent inside one
 * BATCH_BEGIN/BATCH_END pair when the device acked IOTLB_BATCH. A set_map parent applies the
 * whole group at BATCH_END (spec §4.6), so it never sees a half-applied group, and a group that
 * fails part-way is undone inside the same batch.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vdp_dev.h"
#include "vdp_iotlb_priv.h"

static const struct iotlb_span full_window = { 0, UINT64_MAX };

static void
group_init(struct iotlb_group *g, uint32_t asid)
{
	g->asid = asid;
	iotlb_vec_init(&g->inval, sizeof(struct vdp_iotlb_entry));
	iotlb_vec_init(&g->upd, sizeof(struct vdp_iotlb_entry));
}

static void
group_free(struct iotlb_group *g)
{
	iotlb_vec_free(&g->inval);
	iotlb_vec_free(&g->upd);
}

static struct iotlb_span
entry_span(const struct vdp_iotlb_entry *e)
{
	struct iotlb_span s = { e->iova, e->iova + e->size };

	return s;
}

/* Does one run of the plan hold all of e, with e's permission? */
static bool
entry_in_plan(const struct vdp_iotlb_entry *e, const struct iotlb_vec *runs)
{
	const struct vdp_iotlb_run *r = runs->v;
	size_t i;

	for (i = 0; i < runs->n; i++) {
		if (r[i].iova <= e->iova && e->iova + e->size <= r[i].iova + r[i].size)
			return r[i].perm == e->perm;
	}
	return false;
}

static int
group_push_piece(struct iotlb_group *g, const struct vdp_iotlb_run *run, uint64_t start,
		 uint64_t end)
{
	struct vdp_iotlb_entry e = {
		.iova = start,
		.size = end - start,
		.uaddr = start,
		.page_size = run->page_size,
		.asid = run->asid,
		.perm = run->perm,
	};

	return iotlb_vec_push(&g->upd, &e);
}

/* Add to g->upd the parts of seg that no kept entry holds (kept: sorted, disjoint). */
static int
group_add_pieces(struct iotlb_group *g, const struct vdp_iotlb_run *run, struct iotlb_span seg,
		 const struct iotlb_vec *kept)
{
	const struct iotlb_span *k = kept->v;
	uint64_t at = seg.start;
	size_t i;
	int ret;

	for (i = 0; i < kept->n && at < seg.end; i++) {
		if (k[i].end <= at)
			continue;
		if (k[i].start >= seg.end)
			break;
		if (k[i].start > at) {
			ret = group_push_piece(g, run, at, k[i].start);
			if (ret < 0)
				return ret;
		}
		at = k[i].end;
	}
	if (at < seg.end)
		return group_push_piece(g, run, at, seg.end);
	return 0;
}

/*
 * Build the group of one ASID. Held entries that meet the window are stale when the plan no
 * longer holds them whole (or always, with RESYNC/UNMAP_ONLY): they are invalidated whole,
 * because the kernel never splits an entry (spec §4.5), and what the plan still wants inside
 * them is mapped again. With WINDOW_MAP the planned bytes of the window are mapped too.
 */
static int
group_build(const struct vdp_iotlb *map, uint32_t asid, struct iotlb_span window,
	    unsigned int flags, struct iotlb_group *g)
{
	const struct vdp_iotlb_region *regs = map->regions.v;
	const struct vdp_iotlb_entry *ents = map->entries.v;
	struct iotlb_vec runs, kept, cover;
	const struct vdp_iotlb_run *r;
	const struct iotlb_span *c;
	size_t rfirst, rcount, efirst, ecount, i, j;
	int ret;

	group_init(g, asid);
	iotlb_vec_init(&runs, sizeof(struct vdp_iotlb_run));
	iotlb_vec_init(&kept, sizeof(struct iotlb_span));
	iotlb_vec_init(&cover, sizeof(struct iotlb_span));

	rfirst = iotlb_regions_find_asid(map, asid, &rcount);
	efirst = iotlb_entries_find_asid(map, asid, &ecount);
	ret = iotlb_plan_build(rcount > 0 ? regs + rfirst : NULL, rcount, &runs);
	if (ret < 0)
		goto out;

	for (i = efirst; i < efirst + ecount; i++) {
		struct iotlb_span es = entry_span(&ents[i]);
		bool stale = false;

		if (iotlb_span_overlap(es, window))
			stale = (flags & (IOTLB_SYNC_RESYNC | IOTLB_SYNC_UNMAP_ONLY)) ||
				!entry_in_plan(&ents[i], &runs);
		if (stale) {
			ret = iotlb_vec_push(&g->inval, &ents[i]);
			if (ret == 0)
				ret = iotlb_vec_push(&cover, &es);
		} else {
			ret = iotlb_vec_push(&kept, &es);
		}
		if (ret < 0)
			goto out;
	}
	if (flags & IOTLB_SYNC_UNMAP_ONLY)
		goto out;
	if (flags & IOTLB_SYNC_WINDOW_MAP) {
		ret = iotlb_vec_push(&cover, &window);
		if (ret < 0)
			goto out;
	}
	iotlb_spans_merge(&cover);

	r = runs.v;
	c = cover.v;
	for (i = 0; i < runs.n; i++) {
		struct iotlb_span rs = { r[i].iova, r[i].iova + r[i].size };

		for (j = 0; j < cover.n; j++) {
			struct iotlb_span seg = {
				rs.start > c[j].start ? rs.start : c[j].start,
				rs.end < c[j].end ? rs.end : c[j].end,
			};

			if (seg.start >= seg.end)
				continue;
			ret = group_add_pieces(g, &r[i], seg, &kept);
			if (ret < 0)
				goto out;
		}
	}
out:
	iotlb_vec_free(&runs);
	iotlb_vec_free(&kept);
	iotlb_vec_free(&cover);
	if (ret < 0)
		group_free(g);
	return ret;
}

/* --- validation ------------------------------------------------------------------------------ */

/* What a set of entries costs: bytes, PA-mode pages, pages if they were 1 GiB, page sizes. */
struct est {
	uint64_t bytes;
	uint64_t pages;
	uint64_t pages_1g;
	uint64_t min_ps;
	uint64_t max_ps;
};

static void
est_add(struct est *est, const struct vdp_iotlb_entry *e, size_t n, bool sub)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t pages = iotlb_pages(e[i].iova, e[i].size, e[i].page_size);
		uint64_t pages_1g = iotlb_pages(e[i].iova, e[i].size,
						e[i].page_size > IOTLB_GIB ?
						e[i].page_size : IOTLB_GIB);

		if (sub) {
			est->bytes -= e[i].size;
			est->pages -= pages;
			est->pages_1g -= pages_1g;
			continue;
		}
		est->bytes += e[i].size;
		est->pages += pages;
		est->pages_1g += pages_1g;
		if (est->min_ps == 0 || e[i].page_size < est->min_ps)
			est->min_ps = e[i].page_size;
		if (e[i].page_size > est->max_ps)
			est->max_ps = e[i].page_size;
	}
}

static bool
est_near_cap(uint64_t pages, uint32_t cap)
{
	return cap != 0 && pages * 100 >= (uint64_t)cap * VDP_IOTLB_WARN_PERCENT;
}

/*
 * In PA mode the kernel splits each UPDATE into one entry per physically contiguous run, so
 * the page count is the worst case of what the ASID will hold. Warn when crossing 75% of the cap
 * (or at every full map), with the numbers and whether 1 GiB pages would avoid it.
 */
static void
group_warn_pa(const struct vdp_iotlb *map, const struct iotlb_group *g, bool always)
{
	const struct vdp_iotlb_entry *ents = map->entries.v;
	struct est before = { 0 }, after;
	size_t efirst, ecount;
	char sz[32], ps[32];
	const char *advice;

	if (!map->pa_mode || map->entry_cap == 0)
		return;
	efirst = iotlb_entries_find_asid(map, g->asid, &ecount);
	if (ecount > 0)
		est_add(&before, ents + efirst, ecount, false);
	after = before;
	est_add(&after, g->inval.v, g->inval.n, true);
	est_add(&after, g->upd.v, g->upd.n, false);
	if (!est_near_cap(after.pages, map->entry_cap))
		return;
	if (!always && est_near_cap(before.pages, map->entry_cap))
		return;
	iotlb_fmt_size(after.bytes, sz, sizeof(sz));
	iotlb_fmt_size(after.min_ps, ps, sizeof(ps));
	if (after.min_ps >= IOTLB_GIB)
		advice = "The memory is already in 1 GiB pages: map less or raise the cap "
			 "(max_iotlb_entries)";
	else if (!est_near_cap(after.pages_1g, map->entry_cap))
		advice = "1 GiB hugepages would avoid it";
	else
		advice = "Even 1 GiB hugepages would stay near the cap: map less or raise the cap "
			 "(max_iotlb_entries)";
	vdp_log(VDP_LOG_WARNING, "iotlb: ASID %u: in PA mode the kernel may need up to %" PRIu64
		" entries for %s in %" PRIu64 " pages of %s%s (one entry per physically "
		"contiguous run), %" PRIu64 "%% of the %u-entry per-ASID cap (2048 on Linux "
		"6.12.115+); UPDATEs past the cap fail with EFAULT. %s (with 1 GiB pages: at most "
		"%" PRIu64 " entr%s)", g->asid, after.pages, sz, after.pages, ps,
		after.min_ps != after.max_ps ? " or more" : "",
		after.pages * 100 / map->entry_cap, map->entry_cap, advice,
		after.pages_1g, after.pages_1g == 1 ? "y" : "ies");
}

static int
group_validate(struct vdp_iotlb *map, const struct iotlb_group *g, bool warn_always)
{
	const struct vdp_iotlb_entry *u = g->upd.v;
	char msg[512], sz[32];
	size_t ecount, after, i;

	if (g->upd.n > 0 && g->asid >= map->as_count) {
		snprintf(msg, sizeof(msg), "ASID %u is not below the device's %u address "
			 "space%s; nothing was sent", g->asid, map->as_count,
			 map->as_count == 1 ? "" : "s");
		vdp_log(VDP_LOG_ERR, "iotlb: %s", msg);
		iotlb_fail(map, "validate", g->asid, u[0].iova, u[0].size, u[0].uaddr, EINVAL, msg);
		return -EINVAL;
	}
	for (i = 0; i < g->upd.n; i++) {
		if (u[i].iova >= map->iova_first && u[i].iova + (u[i].size - 1) <= map->iova_last)
			continue;
		iotlb_fmt_size(u[i].size, sz, sizeof(sz));
		snprintf(msg, sizeof(msg), "ASID %u: iova %#" PRIx64 "-%#" PRIx64 " (%s, va "
			 "%#" PRIx64 ") lies outside the device IOVA range [%#" PRIx64 ", %#"
			 PRIx64 "]; nothing was sent. IOVA = VA, so this memory cannot be mapped "
			 "on this device: place it at addresses inside the range (vdpath has no "
			 "IOVA allocator yet)", g->asid, u[i].iova, u[i].iova + u[i].size - 1, sz,
			 u[i].uaddr, map->iova_first, map->iova_last);
		vdp_log(VDP_LOG_ERR, "iotlb: %s", msg);
		iotlb_fail(map, "validate", g->asid, u[i].iova, u[i].size, u[i].uaddr, ERANGE, msg);
		return -ERANGE;
	}
	iotlb_entries_find_asid(map, g->asid, &ecount);
	after = ecount - g->inval.n + g->upd.n;
	if (map->entry_cap != 0 && after > map->entry_cap) {
		snprintf(msg, sizeof(msg), "ASID %u: the plan needs %zu entries (%zu held, %zu "
			 "invalidated, %zu new), over the cap of %u per ASID (Linux 6.12.115+); "
			 "nothing was sent. Use fewer, larger VA-contiguous regions (e.g. reserve "
			 "DPDK memory up front with --socket-mem) or raise the cap "
			 "(max_iotlb_entries)", g->asid, after, ecount, g->inval.n, g->upd.n,
			 map->entry_cap);
		vdp_log(VDP_LOG_ERR, "iotlb: %s", msg);
		iotlb_fail(map, "validate", g->asid, g->upd.n ? u[0].iova : 0,
			   g->upd.n ? u[0].size : 0, g->upd.n ? u[0].uaddr : 0, ENOSPC, msg);
		return -ENOSPC;
	}
	group_warn_pa(map, g, warn_always);
	return 0;
}

/* --- sending --------------------------------------------------------------------------------- */

static int
op_errno(int ret)
{
	return ret < 0 ? ret : -EIO;
}

static int
send_update(struct vdp_iotlb *map, const struct vdp_iotlb_entry *e)
{
	int ret;

	ret = map->ops->update(map->ctx, e->asid, e->iova, e->size, e->uaddr, e->perm);
	if (ret != 0)
		return op_errno(ret);
	map->st.update_msgs++;
	return iotlb_entry_add(map, e);
}

static int
send_invalidate(struct vdp_iotlb *map, const struct vdp_iotlb_entry *e)
{
	int ret;

	ret = map->ops->invalidate(map->ctx, e->asid, e->iova, e->size);
	if (ret != 0)
		return op_errno(ret);
	map->st.invalidate_msgs++;
	iotlb_entry_del(map, e);
	return 0;
}

static void
fail_update(struct vdp_iotlb *map, const struct vdp_iotlb_entry *e, int err)
{
	char explain[VDP_IOTLB_EXPLAIN_LEN];

	iotlb_explain_update(map, e, err, explain, sizeof(explain));
	vdp_log(VDP_LOG_ERR, "iotlb: %s", explain);
	iotlb_fail(map, "update", e->asid, e->iova, e->size, e->uaddr, err, explain);
}

static void
fail_other(struct vdp_iotlb *map, const char *op, uint32_t asid, uint64_t iova, uint64_t size,
	   int err)
{
	char explain[VDP_IOTLB_EXPLAIN_LEN];

	iotlb_explain_other(op, asid, err, explain, sizeof(explain));
	vdp_log(VDP_LOG_ERR, "iotlb: %s", explain);
	iotlb_fail(map, op, asid, iova, size, 0, err, explain);
}

/*
 * Undo a group that failed part-way: invalidate what it added, newest first, then map again
 * what it invalidated, so the kernel and the entries view are back to the state before the
 * group. Whatever cannot be undone stays in the view exactly as the kernel holds it.
 */
static void
group_rollback(struct vdp_iotlb *map, const struct iotlb_group *g, size_t n_inval, size_t n_upd)
{
	const struct vdp_iotlb_entry *inv = g->inval.v, *upd = g->upd.v;
	unsigned int lost = 0;
	size_t i;
	int ret;

	if (n_inval == 0 && n_upd == 0)
		return;		/* the first message failed: nothing to undo */
	map->st.rollbacks++;
	for (i = n_upd; i-- > 0;) {
		ret = send_invalidate(map, &upd[i]);
		if (ret < 0) {
			fail_other(map, "invalidate", upd[i].asid, upd[i].iova, upd[i].size, ret);
			lost++;
		}
	}
	for (i = 0; i < n_inval; i++) {
		ret = send_update(map, &inv[i]);
		if (ret < 0) {
			fail_update(map, &inv[i], ret);
			lost++;
		}
	}
	if (lost > 0)
		vdp_log(VDP_LOG_ERR, "iotlb: ASID %u: rollback incomplete: %u message%s failed; "
			"the entries view shows what the kernel holds now (vdp_iotlb_dump), and "
			"vdp_iotlb_map_all retries the plan", g->asid, lost, lost == 1 ? "" : "s");
	else
		vdp_log(VDP_LOG_NOTICE, "iotlb: ASID %u: rolled back %zu update%s and %zu "
			"invalidate%s; the kernel holds what it held before the failed group",
			g->asid, n_upd, n_upd == 1 ? "" : "s", n_inval, n_inval == 1 ? "" : "s");
}

/*
 * Send one group. *applied: the group failed only at BATCH_END, after every message was
 * accepted, so the kernel holds the new state and the caller keeps its change.
 */
static int
group_send(struct vdp_iotlb *map, const struct iotlb_group *g, bool *applied)
{
	const struct vdp_iotlb_entry *inv = g->inval.v, *upd = g->upd.v;
	bool batch = map->batch && map->ops->batch_begin != NULL && map->ops->batch_end != NULL;
	size_t n_inval = 0, n_upd = 0;
	int ret = 0, ret_end;

	*applied = false;
	if (g->inval.n == 0 && g->upd.n == 0)
		return 0;
	if (batch) {
		ret = map->ops->batch_begin(map->ctx, g->asid);
		if (ret != 0) {
			ret = op_errno(ret);
			fail_other(map, "batch_begin", g->asid, 0, 0, ret);
			return ret;
		}
	}
	for (; n_inval < g->inval.n; n_inval++) {
		ret = send_invalidate(map, &inv[n_inval]);
		if (ret < 0) {
			fail_other(map, "invalidate", g->asid, inv[n_inval].iova,
				   inv[n_inval].size, ret);
			break;
		}
	}
	for (; ret == 0 && n_upd < g->upd.n; n_upd++) {
		ret = send_update(map, &upd[n_upd]);
		if (ret < 0) {
			fail_update(map, &upd[n_upd], ret);
			break;
		}
	}
	if (ret < 0)
		group_rollback(map, g, n_inval, n_upd);
	map->st.groups++;
	if (batch) {
		ret_end = map->ops->batch_end(map->ctx, g->asid);
		map->st.batches++;
		if (ret_end != 0) {
			ret_end = op_errno(ret_end);
			fail_other(map, "batch_end", g->asid, 0, 0, ret_end);
			if (ret == 0) {
				*applied = true;
				ret = ret_end;
			}
		}
	}
	return ret;
}

/* --- the public operations ------------------------------------------------------------------- */

/* The ASIDs that have regions or entries, ascending, without repeats. */
static int
asids_collect(const struct vdp_iotlb *map, bool regions, struct iotlb_vec *out)
{
	const struct vdp_iotlb_region *r = map->regions.v;
	const struct vdp_iotlb_entry *e = map->entries.v;
	size_t i = 0, j = 0;
	int ret;

	if (!regions)
		i = map->regions.n;
	while (i < map->regions.n || j < map->entries.n) {
		uint32_t a;

		if (j >= map->entries.n || (i < map->regions.n && r[i].asid <= e[j].asid))
			a = r[i].asid;
		else
			a = e[j].asid;
		ret = iotlb_vec_push(out, &a);
		if (ret < 0)
			return ret;
		while (i < map->regions.n && r[i].asid == a)
			i++;
		while (j < map->entries.n && e[j].asid == a)
			j++;
	}
	return 0;
}

/*
 * Build and validate every ASID's group, then send them in ASID order, stopping at the first
 * failure. *applied (may be NULL): see group_send, for the group that failed.
 */
static int
sync_asids(struct vdp_iotlb *map, const uint32_t *asids, size_t n, struct iotlb_span window,
	   unsigned int flags, bool warn_always, bool *applied)
{
	bool dummy;

	struct iotlb_group *groups;
	size_t built = 0, i;
	int ret = 0;

	if (applied == NULL)
		applied = &dummy;
	*applied = false;
	if (n == 0)
		return 0;
	groups = calloc(n, sizeof(*groups));
	if (groups == NULL) {
		vdp_log(VDP_LOG_ERR, "iotlb: out of memory building %zu message groups", n);
		return -ENOMEM;
	}
	for (; built < n; built++) {
		ret = group_build(map, asids[built], window, flags, &groups[built]);
		if (ret < 0)
			goto out;
	}
	for (i = 0; i < n; i++) {
		ret = group_validate(map, &groups[i], warn_always);
		if (ret < 0)
			goto out;
	}
	for (i = 0; i < n; i++) {
		ret = group_send(map, &groups[i], applied);
		if (ret < 0)
			goto out;
	}
out:
	for (i = 0; i < built; i++)
		group_free(&groups[i]);
	free(groups);
	return ret;
}

static int
sync_all(struct vdp_iotlb *map, bool with_regions, unsigned int flags, bool warn_always)
{
	struct iotlb_vec asids;
	int ret;

	iotlb_vec_init(&asids, sizeof(uint32_t));
	ret = asids_collect(map, with_regions, &asids);
	if (ret == 0)
		ret = sync_asids(map, asids.v, asids.n, full_window, flags, warn_always, NULL);
	iotlb_vec_free(&asids);
	return ret;
}

int
vdp_iotlb_map_all(struct vdp_iotlb *map)
{
	return sync_all(map, true, IOTLB_SYNC_WINDOW_MAP, true);
}

int
vdp_iotlb_unmap_all(struct vdp_iotlb *map)
{
	return sync_all(map, false, IOTLB_SYNC_UNMAP_ONLY, false);
}

int
vdp_iotlb_map_region(struct vdp_iotlb *map, const struct vdp_iotlb_region *r)
{
	bool applied;
	int ret;

	ret = vdp_iotlb_region_add(map, r);
	if (ret < 0)
		return ret;
	/* Only the new region's pages: memory already mapped keeps its entries untouched. */
	ret = sync_asids(map, &r->asid, 1, iotlb_region_rounded(r), IOTLB_SYNC_WINDOW_MAP, false,
			 &applied);
	if (ret < 0 && !applied)
		vdp_iotlb_region_remove(map, r->asid, r->va, r->len);
	return ret;
}

int
vdp_iotlb_unmap_region(struct vdp_iotlb *map, uint32_t asid, uint64_t va, uint64_t len)
{
	struct iotlb_span window;
	struct iotlb_vec saved;
	bool applied;
	int ret;

	iotlb_vec_init(&saved, sizeof(struct vdp_iotlb_region));
	ret = iotlb_vec_copy(&saved, &map->regions);
	if (ret < 0)
		return ret;
	/* Entries can hold the removed bytes' whole pages: look at those, not just the bytes. */
	window = iotlb_regions_removal_span(map, asid, va, len);
	ret = vdp_iotlb_region_remove(map, asid, va, len);
	if (ret < 0)
		goto out;
	/*
	 * The kernel invalidates whole entries (spec §4.5): an entry that also holds memory
	 * still in use (a coalesced run shared with other regions) goes away whole, so the
	 * group maps what remains of it again. Inside a batch a set_map parent sees one change.
	 */
	ret = sync_asids(map, &asid, 1, window, 0, false, &applied);
	if (ret < 0 && !applied) {
		struct iotlb_vec tmp = map->regions;

		map->regions = saved;
		saved = tmp;
	}
out:
	iotlb_vec_free(&saved);
	return ret;
}

int
vdp_iotlb_before_reset(struct vdp_iotlb *map)
{
	if (map->persist) {
		map->st.unmaps_avoided++;
		return 0;
	}
	return sync_all(map, false, IOTLB_SYNC_UNMAP_ONLY, false);
}

int
vdp_iotlb_after_reset(struct vdp_iotlb *map)
{
	if (map->persist) {
		map->st.remaps_avoided++;
		return 0;
	}
	/*
	 * Without PERSIST the reset dropped the device's map while vhost kept its copy (spec
	 * §6.3): entries still held mean before_reset was skipped or failed, and re-sending them
	 * would collide, so they are invalidated and mapped again in the same group.
	 */
	if (map->entries.n > 0)
		vdp_log(VDP_LOG_WARNING, "iotlb: after_reset: %zu entr%s still held (before_reset "
			"was not called or failed); invalidating and mapping them again so the "
			"device and vhost-vdpa agree", map->entries.n,
			map->entries.n == 1 ? "y is" : "ies are");
	return sync_all(map, true, IOTLB_SYNC_RESYNC | IOTLB_SYNC_WINDOW_MAP, false);
}
