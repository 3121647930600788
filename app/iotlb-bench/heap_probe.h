/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Make the DPDK heap grow and shrink by exactly one hugepage, on demand: the memory events the
 * adapter follows, for the DPDK test and the benchmark.
 *
 * DPDK grows the heap only when no free element can hold a request. heap_probe_fill allocates
 * every free byte of the heap (memory preallocated with -m is never given back, so nothing is
 * lost); after it, an object of half a page needs a new page (one ALLOC event), and freeing it
 * leaves that page free from end to end, which DPDK gives back (one FREE event).
 */
#ifndef HEAP_PROBE_H
#define HEAP_PROBE_H

#include <stddef.h>
#include <stdint.h>

struct heap_probe {
	void **obj;		/* the objects that fill the heap */
	size_t n;
	size_t cap;
	uint64_t page_sz;	/* page size of the heap's memory */
	int socket;
};

/* Allocate every free byte of the heap of the calling lcore's socket. 0 or a negative errno. */
int heap_probe_fill(struct heap_probe *hp);
/* An object that makes the heap grow by one page (call after fill); NULL on failure. */
void *heap_probe_grow(struct heap_probe *hp);
/* Free an object from heap_probe_grow: the heap gives its page back. */
void heap_probe_shrink(struct heap_probe *hp, void *obj);
/* Free what fill allocated. */
void heap_probe_release(struct heap_probe *hp);

/* HugePages_Free of /proc/meminfo, and the default hugepage size; -1 when unreadable. */
long heap_probe_hugepages_free(uint64_t *page_sz);

#endif /* HEAP_PROBE_H */
