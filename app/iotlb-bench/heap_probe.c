/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "heap_probe.h"

/* Requests leave this much of an element for the next, smaller one: header plus a line. */
#define HP_SLACK	512u
#define HP_MAX_OBJS	(1u << 20)

static int
hp_push(struct heap_probe *hp, void *p)
{
	void **grown;

	if (hp->n == hp->cap) {
		size_t cap = hp->cap != 0 ? hp->cap * 2 : 256;

		grown = realloc(hp->obj, cap * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		hp->obj = grown;
		hp->cap = cap;
	}
	hp->obj[hp->n++] = p;
	return 0;
}

int
heap_probe_fill(struct heap_probe *hp)
{
	struct rte_malloc_socket_stats st;
	const struct rte_memseg_list *msl;
	size_t size;
	void *p;

	hp->socket = (int)rte_socket_id();
	if (hp->socket < 0)
		hp->socket = 0;
	/*
	 * Splitting never leaves a free element too small to allocate from, so the loop ends
	 * with no free element at all. Each request stays below the largest free element, so
	 * none of them grows the heap.
	 */
	while (hp->n < HP_MAX_OBJS) {
		if (rte_malloc_get_socket_stats(hp->socket, &st) != 0)
			return -EINVAL;
		if (st.greatest_free_size == 0)
			break;
		size = st.greatest_free_size > 2 * HP_SLACK ? st.greatest_free_size - HP_SLACK : 1;
		p = rte_malloc_socket("heap_probe", size, 0, hp->socket);
		if (p == NULL || hp_push(hp, p) != 0) {
			fprintf(stderr, "heap_probe: cannot allocate %zu bytes of a %zu-byte free "
				"element while filling the heap\n", size, st.greatest_free_size);
			rte_free(p);
			return -ENOMEM;
		}
		if (hp->page_sz == 0) {
			msl = rte_mem_virt2memseg_list(p);
			if (msl != NULL)
				hp->page_sz = msl->page_sz;
		}
	}
	if (hp->page_sz == 0)
		heap_probe_hugepages_free(&hp->page_sz);
	return hp->n < HP_MAX_OBJS ? 0 : -E2BIG;
}

void *
heap_probe_grow(struct heap_probe *hp)
{
	return rte_malloc_socket("heap_probe_grow", hp->page_sz / 2, 0, hp->socket);
}

void
heap_probe_shrink(struct heap_probe *hp, void *obj)
{
	(void)hp;
	rte_free(obj);
}

void
heap_probe_release(struct heap_probe *hp)
{
	size_t i;

	for (i = 0; i < hp->n; i++)
		rte_free(hp->obj[i]);
	free(hp->obj);
	hp->obj = NULL;
	hp->n = 0;
	hp->cap = 0;
}

long
heap_probe_hugepages_free(uint64_t *page_sz)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[256];
	long free_pages = -1;
	unsigned long kib;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "HugePages_Free: %ld", &free_pages) == 1)
			continue;
		if (page_sz != NULL && sscanf(line, "Hugepagesize: %lu kB", &kib) == 1)
			*page_sz = (uint64_t)kib << 10;
	}
	fclose(f);
	return free_pages;
}
