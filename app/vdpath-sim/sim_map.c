/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An IOTLB as vhost_iotlb keeps it: sorted, never overlapping entries, removed whole. Used for
 * both vhost-vdpa's copy and the parent's (device) copy of each address space.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static uint64_t
entry_last(const struct sim_map_entry *e)
{
	return e->iova + e->size - 1;
}

/* Any change to the entries invalidates every translation hint (0 is never current). */
static void
map_changed(struct sim_map *m)
{
	if (++m->gen == 0)
		m->gen = 1;
}

/* Index of the first entry whose last byte is >= iova (n when none). */
static uint32_t
map_lower_bound(const struct sim_map *m, uint64_t iova)
{
	uint32_t lo = 0, hi = m->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (entry_last(&m->e[mid]) < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The interval test vhost uses: start <= last && entry_last >= iova. With last < iova (the
 * size 0 INVALIDATE quirk) it still matches an entry spanning last..iova, as the kernel does.
 */
static bool
entry_hits(const struct sim_map_entry *e, uint64_t iova, uint64_t last)
{
	return e->iova <= last && entry_last(e) >= iova;
}

bool
sim_map_overlaps(const struct sim_map *m, uint64_t iova, uint64_t last)
{
	uint32_t i;

	for (i = map_lower_bound(m, iova < last ? iova : last); i < m->n; i++) {
		if (m->e[i].iova > last && m->e[i].iova > iova)
			break;
		if (entry_hits(&m->e[i], iova, last))
			return true;
	}
	return false;
}

int
sim_map_add(struct sim_map *m, uint64_t iova, uint64_t size, uint64_t uaddr, uint8_t perm)
{
	uint32_t pos;

	if (size == 0 || iova + size - 1 < iova)
		return -EINVAL;
	if (sim_map_overlaps(m, iova, iova + size - 1))
		return -EEXIST;
	if (m->n == m->cap) {
		uint32_t cap = m->cap != 0 ? m->cap * 2 : 16;
		struct sim_map_entry *e = realloc(m->e, (size_t)cap * sizeof(*e));

		if (e == NULL)
			return -ENOMEM;
		m->e = e;
		m->cap = cap;
	}
	pos = map_lower_bound(m, iova);
	memmove(&m->e[pos + 1], &m->e[pos], (size_t)(m->n - pos) * sizeof(m->e[0]));
	m->e[pos] = (struct sim_map_entry){
		.iova = iova,
		.size = size,
		.uaddr = uaddr,
		.perm = perm,
	};
	m->n++;
	m->identity = false;
	map_changed(m);
	return 0;
}

uint32_t
sim_map_remove(struct sim_map *m, uint64_t iova, uint64_t last)
{
	uint32_t i, j, removed;

	for (i = 0, j = 0; i < m->n; i++) {
		if (entry_hits(&m->e[i], iova, last))
			continue;
		m->e[j++] = m->e[i];
	}
	removed = m->n - j;
	m->n = j;
	if (removed != 0)
		map_changed(m);
	return removed;
}

uint64_t
sim_map_bytes(const struct sim_map *m, uint64_t iova, uint64_t last)
{
	uint64_t bytes = 0;
	uint32_t i;

	for (i = 0; i < m->n; i++)
		if (entry_hits(&m->e[i], iova, last))
			bytes += m->e[i].size;
	return bytes;
}

void
sim_map_clear(struct sim_map *m)
{
	m->n = 0;
	m->identity = false;
	map_changed(m);
}

int
sim_map_copy(struct sim_map *dst, const struct sim_map *src)
{
	if (src->n > dst->cap) {
		struct sim_map_entry *e = realloc(dst->e, (size_t)src->n * sizeof(*e));

		if (e == NULL)
			return -ENOMEM;
		dst->e = e;
		dst->cap = src->n;
	}
	if (src->n != 0)
		memcpy(dst->e, src->e, (size_t)src->n * sizeof(*src->e));
	dst->n = src->n;
	dst->identity = src->identity;
	map_changed(dst);
	return 0;
}

/*
 * Entries that are adjacent in both IOVA and user address form one host range (each 2 MiB
 * hugepage of a DPDK memseg list is its own VMA, hence its own entry in VA mode), so an access
 * crossing them is served as vringh would serve it with two iovecs.
 */
void *
sim_map_translate(const struct sim_map *m, uint64_t iova, uint64_t len, uint8_t perm)
{
	struct sim_map_hint *h;
	uint64_t last, covered;
	uint32_t i, first;

	if (m->identity || len == 0 || iova + len - 1 < iova)
		return NULL;
	last = iova + len - 1;
	/*
	 * Buffers cluster in few entries: the entry that served this 2 MiB of IOVA last time,
	 * if the map has not changed since, answers without a search.
	 */
	h = (struct sim_map_hint *)(uintptr_t)&m->hint[(iova >> SIM_MAP_HINT_SHIFT) &
						     (SIM_MAP_HINTS - 1)];
	if (h->gen == m->gen && m->gen != 0 && h->iova <= iova && last <= h->last &&
	    (h->perm & perm) == perm)
		return (void *)(uintptr_t)(h->uaddr + (iova - h->iova));
	first = map_lower_bound(m, iova);
	if (first >= m->n || m->e[first].iova > iova)
		return NULL;
	i = first;
	if ((m->e[i].perm & perm) != perm)
		return NULL;
	covered = entry_last(&m->e[i]);
	while (covered < last) {
		const struct sim_map_entry *prev = &m->e[i];

		if (++i >= m->n)
			return NULL;
		if (m->e[i].iova != prev->iova + prev->size ||
		    m->e[i].uaddr != prev->uaddr + prev->size ||
		    (m->e[i].perm & perm) != perm)
			return NULL;
		covered = entry_last(&m->e[i]);
	}
	*h = (struct sim_map_hint){
		.iova = m->e[first].iova, .last = entry_last(&m->e[first]),
		.uaddr = m->e[first].uaddr, .perm = m->e[first].perm, .gen = m->gen,
	};
	return (void *)(uintptr_t)(m->e[first].uaddr + (iova - m->e[first].iova));
}
