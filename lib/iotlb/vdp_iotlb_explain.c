/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Words for humans: failure explanations and the dump.
 *
 * The kernel turns every IOTLB handler error into EFAULT (spec §4.2), so errno alone says
 * nothing. The explanation checks what the library can see (held entries, RLIMIT_MEMLOCK, the
 * entry cap, the device IOVA range), marks the causes that fit, and says what to do.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "vdp_dev.h"
#include "vdp_iotlb_priv.h"

const char *
iotlb_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int u = 0;
	uint64_t div = 1;

	while (u + 1 < sizeof(units) / sizeof(units[0]) && bytes / div >= 1024) {
		div *= 1024;
		u++;
	}
	if (bytes % div == 0)
		snprintf(buf, len, "%" PRIu64 " %s", bytes / div, units[u]);
	else
		snprintf(buf, len, bytes / div < 10 ? "%.2f %s" : "%.1f %s",
			 (double)bytes / (double)div, units[u]);
	return buf;
}

const char *
iotlb_perm_name(uint8_t perm)
{
	switch (perm) {
	case VDP_IOTLB_PERM_RO:
		return "ro";
	case VDP_IOTLB_PERM_WO:
		return "wo";
	case VDP_IOTLB_PERM_RW:
		return "rw";
	}
	return "?";
}

/* Append to a bounded buffer; a full buffer just stops growing. */
struct text {
	char *buf;
	size_t len;
	size_t used;
};

static void __attribute__((format(printf, 2, 3)))
text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->used + 1 >= t->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->used, t->len - t->used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	t->used += (size_t)n;
	if (t->used >= t->len)
		t->used = t->len - 1;
}

/* The first held entry of e's ASID that overlaps e, or NULL. */
static const struct vdp_iotlb_entry *
held_overlap(const struct vdp_iotlb *map, const struct vdp_iotlb_entry *e)
{
	const struct vdp_iotlb_entry *ents = map->entries.v;
	size_t first, count, i;

	first = iotlb_entries_find_asid(map, e->asid, &count);
	for (i = first; i < first + count; i++) {
		if (ents[i].iova < e->iova + e->size && e->iova < ents[i].iova + ents[i].size)
			return &ents[i];
	}
	return NULL;
}

static uint64_t
held_bytes(const struct vdp_iotlb *map)
{
	const struct vdp_iotlb_entry *ents = map->entries.v;
	uint64_t bytes = 0;
	size_t i;

	for (i = 0; i < map->entries.n; i++)
		bytes += ents[i].size;
	return bytes;
}

static uint64_t
held_pages(const struct vdp_iotlb *map, uint32_t asid)
{
	const struct vdp_iotlb_entry *ents = map->entries.v;
	size_t first, count, i;
	uint64_t pages = 0;

	first = iotlb_entries_find_asid(map, asid, &count);
	for (i = first; i < first + count; i++)
		pages += iotlb_pages(ents[i].iova, ents[i].size, ents[i].page_size);
	return pages;
}

/* 1) overlap with an entry this map holds */
static bool
explain_overlap(const struct vdp_iotlb *map, const struct vdp_iotlb_entry *e, struct text *t)
{
	const struct vdp_iotlb_entry *o = held_overlap(map, e);
	char sz[32];

	if (o == NULL) {
		size_t held = vdp_iotlb_asid_entries(map, e->asid);

		text_add(t, " 1) overlap: none with the %zu entr%s held in ASID %u (an entry "
			 "left by a reset without before_reset/after_reset, or made outside this "
			 "map, would still collide);", held, held == 1 ? "y" : "ies", e->asid);
		return false;
	}
	text_add(t, " 1) overlap: LIKELY, it overlaps held entry iova %#" PRIx64 "-%#" PRIx64
		 " (%s, uaddr %#" PRIx64 ");", o->iova, o->iova + o->size - 1,
		 iotlb_fmt_size(o->size, sz, sizeof(sz)), o->uaddr);
	return true;
}

/* 2) RLIMIT_MEMLOCK: PA-mode parents pin every mapped page (spec §4.4, §4.7) */
static bool
explain_memlock(const struct vdp_iotlb *map, const struct vdp_iotlb_entry *e, struct text *t,
		uint64_t *need)
{
	char lim[32], nd[32], held[32];
	struct rlimit rl;
	bool over;

	*need = held_bytes(map) + e->size;
	iotlb_fmt_size(*need, nd, sizeof(nd));
	iotlb_fmt_size(*need - e->size, held, sizeof(held));
	if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0) {
		text_add(t, " 2) RLIMIT_MEMLOCK: unreadable (%s); PA mode needs %s pinned;",
			 strerror(errno), nd);
		return false;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		snprintf(lim, sizeof(lim), "unlimited");
	else
		iotlb_fmt_size((uint64_t)rl.rlim_cur, lim, sizeof(lim));
	over = rl.rlim_cur != RLIM_INFINITY && (uint64_t)rl.rlim_cur < *need;
	if (!map->pa_mode) {
		text_add(t, " 2) RLIMIT_MEMLOCK: not a cause in VA mode (nothing is pinned; "
			 "limit %s, PA mode would need %s);", lim, nd);
		return false;
	}
	text_add(t, " 2) RLIMIT_MEMLOCK: %slimit %s, PA mode pins %s (%s held + this "
		 "mapping; only PA-mode parents pin);", over ? "LIKELY, " : "", lim, nd, held);
	return over;
}

/* 3) the per-ASID entry cap of Linux 6.12.115+ */
static bool
explain_cap(const struct vdp_iotlb *map, const struct vdp_iotlb_entry *e, struct text *t)
{
	size_t held = vdp_iotlb_asid_entries(map, e->asid);
	uint64_t est = held_pages(map, e->asid) + iotlb_pages(e->iova, e->size, e->page_size);
	bool over;

	if (map->entry_cap == 0) {
		text_add(t, " 3) entry cap: none configured (%zu entries held in ASID %u; Linux "
			 "6.12.115+ caps at 2048);", held, e->asid);
		return false;
	}
	over = held + 1 > map->entry_cap || (map->pa_mode && est > map->entry_cap);
	text_add(t, " 3) entry cap: %s%zu of %u entries held in ASID %u", over ? "LIKELY, " : "",
		 held, map->entry_cap, e->asid);
	if (map->pa_mode)
		text_add(t, ", with this mapping the kernel may need up to %" PRIu64 " (one per "
			 "physically contiguous run)", est);
	text_add(t, ";");
	return over;
}

/* 4) the device IOVA range */
static bool
explain_range(const struct vdp_iotlb *map, const struct vdp_iotlb_entry *e, struct text *t)
{
	bool out = e->iova < map->iova_first || e->iova + (e->size - 1) > map->iova_last;

	text_add(t, " 4) IOVA range: %s the device range [%#" PRIx64 ", %#" PRIx64 "].",
		 out ? "LIKELY, outside" : "inside", map->iova_first, map->iova_last);
	return out;
}

void
iotlb_explain_update(const struct vdp_iotlb *map, const struct vdp_iotlb_entry *e, int err,
		     char *buf, size_t len)
{
	struct text t = { buf, len, 0 };
	bool overlap, memlock, cap, range;
	char sz[32], nd[32];
	uint64_t need;

	buf[0] = '\0';
	text_add(&t, "UPDATE of ASID %u va %#" PRIx64 " iova %#" PRIx64 " len %#" PRIx64
		 " (%s, %s) failed: %s. Likely causes, in order:", e->asid, e->uaddr, e->iova,
		 e->size, iotlb_fmt_size(e->size, sz, sizeof(sz)), iotlb_perm_name(e->perm),
		 strerror(err < 0 ? -err : err));
	overlap = explain_overlap(map, e, &t);
	memlock = explain_memlock(map, e, &t, &need);
	cap = explain_cap(map, e, &t);
	range = explain_range(map, e, &t);

	text_add(&t, " What to do: ");
	if (overlap)
		text_add(&t, "invalidate the overlapping entry first (after a reset without "
			 "PERSIST, call vdp_iotlb_before_reset and vdp_iotlb_after_reset).");
	else if (memlock)
		text_add(&t, "raise RLIMIT_MEMLOCK to at least %s (ulimit -l, systemd "
			 "LimitMEMLOCK=, /etc/security/limits.conf).",
			 iotlb_fmt_size(need, nd, sizeof(nd)));
	else if (cap)
		text_add(&t, "use 1 GiB hugepages (one entry per GiB at most) or fewer regions, "
			 "or raise the cap (max_iotlb_entries).");
	else if (range)
		text_add(&t, "the device cannot reach these addresses; keep DMA memory inside "
			 "its IOVA range.");
	else if (map->pa_mode)
		text_add(&t, "none of the checks fired: pinning may have failed (memory not "
			 "mapped in this process, or the kernel short of memory), or the ASID is "
			 "not below the device's address-space count; check dmesg.");
	else
		text_add(&t, "none of the checks fired: in VA mode every byte needs a MAP_SHARED "
			 "file mapping (hugetlbfs, memfd); check the device's address-space count "
			 "and dmesg.");
}

void
iotlb_explain_other(const char *op, uint32_t asid, int err, char *buf, size_t len)
{
	const char *why;

	if (strcmp(op, "invalidate") == 0)
		why = "INVALIDATE fails only when the ASID has no IOTLB in the kernel yet or the "
		      "caller is not the owner (spec §4.3); check that SET_OWNER ran in this "
		      "process";
	else if (strcmp(op, "batch_begin") == 0)
		why = "BATCH_BEGIN fails when the ASID is not below the device's address-space "
		      "count or the caller is not the owner (spec §4.3)";
	else
		why = "BATCH_END fails when the ASID has no IOTLB in the kernel or another ASID's "
		      "batch is open (spec §4.3)";
	snprintf(buf, len, "%s of ASID %u failed: %s. %s", op, asid,
		 strerror(err < 0 ? -err : err), why);
}

/* --- the dump -------------------------------------------------------------------------------- */

static void
dump_regions(const struct vdp_iotlb *map, FILE *f)
{
	const struct vdp_iotlb_region *r = map->regions.v;
	char sz[32], ps[32];
	size_t i;

	fprintf(f, "regions: %zu\n", map->regions.n);
	for (i = 0; i < map->regions.n; i++)
		fprintf(f, "  ASID %u  va %#" PRIx64 "-%#" PRIx64 "  %s  pages of %s  %s\n",
			r[i].asid, r[i].va, r[i].va + r[i].len - 1,
			iotlb_fmt_size(r[i].len, sz, sizeof(sz)),
			iotlb_fmt_size(r[i].page_size, ps, sizeof(ps)), iotlb_perm_name(r[i].perm));
}

static void
dump_plan(const struct vdp_iotlb *map, FILE *f)
{
	const struct vdp_iotlb_run *r;
	struct iotlb_vec runs;
	char sz[32], ps[32];
	size_t i;

	iotlb_vec_init(&runs, sizeof(struct vdp_iotlb_run));
	if (iotlb_plan_build(map->regions.v, map->regions.n, &runs) < 0) {
		fprintf(f, "plan: unavailable (see the log)\n");
		iotlb_vec_free(&runs);
		return;
	}
	r = runs.v;
	fprintf(f, "plan: %zu run%s (one UPDATE each)\n", runs.n, runs.n == 1 ? "" : "s");
	for (i = 0; i < runs.n; i++)
		fprintf(f, "  ASID %u  iova %#" PRIx64 "-%#" PRIx64 "  %s  %u region%s, %" PRIu64
			" page%s of %s  %s\n", r[i].asid, r[i].iova, r[i].iova + r[i].size - 1,
			iotlb_fmt_size(r[i].size, sz, sizeof(sz)), r[i].regions,
			r[i].regions == 1 ? "" : "s", r[i].pages, r[i].pages == 1 ? "" : "s",
			iotlb_fmt_size(r[i].page_size, ps, sizeof(ps)), iotlb_perm_name(r[i].perm));
	iotlb_vec_free(&runs);
}

static void
dump_entries(const struct vdp_iotlb *map, FILE *f)
{
	const struct vdp_iotlb_entry *e = map->entries.v;
	uint64_t bytes = 0, pages = 0, pages_1g = 0;
	char sz[32];
	size_t i;

	fprintf(f, "entries: %zu\n", map->entries.n);
	for (i = 0; i < map->entries.n; i++) {
		fprintf(f, "  ASID %u  iova %#" PRIx64 "-%#" PRIx64 "  %s  uaddr %#" PRIx64
			"  %s\n", e[i].asid, e[i].iova, e[i].iova + e[i].size - 1,
			iotlb_fmt_size(e[i].size, sz, sizeof(sz)), e[i].uaddr,
			iotlb_perm_name(e[i].perm));
		bytes += e[i].size;
		pages += iotlb_pages(e[i].iova, e[i].size, e[i].page_size);
		pages_1g += iotlb_pages(e[i].iova, e[i].size, e[i].page_size > IOTLB_GIB ?
					e[i].page_size : IOTLB_GIB);
		if (i + 1 < map->entries.n && e[i + 1].asid == e[i].asid)
			continue;
		fprintf(f, "  ASID %u total: %zu entr%s, %s; PA-mode kernel entries up to %"
			PRIu64 " (%" PRIu64 " with 1 GiB pages)%s\n", e[i].asid,
			vdp_iotlb_asid_entries(map, e[i].asid),
			vdp_iotlb_asid_entries(map, e[i].asid) == 1 ? "y" : "ies",
			iotlb_fmt_size(bytes, sz, sizeof(sz)), pages, pages_1g,
			map->pa_mode ? "" : " (VA mode: not pinned)");
		bytes = pages = pages_1g = 0;
	}
}

void
vdp_iotlb_dump(const struct vdp_iotlb *map, FILE *f)
{
	const struct vdp_iotlb_error *le;
	struct vdp_iotlb_stats st;
	char sz[32];

	vdp_iotlb_stats_get(map, &st);
	le = &st.last_error;
	fprintf(f, "iotlb map: batch %s, persist %s, %s mode, IOVA range [%#" PRIx64 ", %#"
		PRIx64 "], cap %u per ASID%s\n", map->batch ? "yes" : "no",
		map->persist ? "yes" : "no", map->pa_mode ? "PA" : "VA", map->iova_first,
		map->iova_last, map->entry_cap, map->entry_cap == 0 ? " (none)" : "");
	dump_regions(map, f);
	dump_plan(map, f);
	dump_entries(map, f);
	fprintf(f, "counters: update_msgs %" PRIu64 ", invalidate_msgs %" PRIu64 ", batches %"
		PRIu64 ", groups %" PRIu64 ", entries %" PRIu64 ", mapped %s, est_kernel_entries %"
		PRIu64 ", remaps_avoided %" PRIu64 ", unmaps_avoided %" PRIu64 ", rollbacks %"
		PRIu64 ", failures %" PRIu64 "\n", st.update_msgs, st.invalidate_msgs, st.batches,
		st.groups, st.entries, iotlb_fmt_size(st.mapped_bytes, sz, sizeof(sz)),
		st.est_kernel_entries, st.remaps_avoided, st.unmaps_avoided, st.rollbacks,
		st.failures);
	if (le->op == NULL) {
		fprintf(f, "last error: none\n");
		return;
	}
	fprintf(f, "last error: %s ASID %u iova %#" PRIx64 " size %#" PRIx64 " uaddr %#" PRIx64
		": %s\n  %s\n", le->op, le->asid, le->iova, le->size, le->uaddr,
		strerror(le->err), le->explain);
}
