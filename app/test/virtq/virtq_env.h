/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test environment of the lib/virtq unit tests: a virtq over heap memory whose IOVA is
 * deliberately not its VA, the fake device on the same memory, and a tracker that checks
 * every cookie comes back exactly once.
 */
#ifndef VIRTQ_ENV_H
#define VIRTQ_ENV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include "fake_dev.h"
#include "vdp_virtq.h"

/* Ring memory IOVA: far from any heap VA, so IOVA/VA confusion shows. */
#define VE_IOVA_BASE	0x5a0000000000ULL
/* Buffer IOVAs the tests hand out (never dereferenced by the fake device). */
#define VE_BUF_IOVA(c, j)	(0x100000000ULL + (uint64_t)(c) * 0x10000 + (uint64_t)(j) * 0x1000)

struct ve_cfg {
	const char *name;
	uint32_t flags;
};

/* Cookie states */
#define VE_NEW		0
#define VE_OUT		1
#define VE_BACK		2

struct ve {
	uint32_t num;
	uint32_t flags;
	void *mem;
	size_t mem_len;
	struct vdp_virtq *vq;
	struct vdp_virtq_addrs addrs;
	struct fake_dev fd;
	/* tracker: cookie c (1-based) is (void *)(uintptr_t)c */
	uint32_t ncookies;
	uint32_t next_cookie;
	uint8_t *state;
	uint32_t *cap;		/* capacity each cookie was posted with */
	uint64_t returned;
	uint64_t rng;
};

void ve_open(struct ve *e, uint32_t flags, uint32_t num);
void ve_close(struct ve *e);

static inline bool
ve_packed(const struct ve *e)
{
	return (e->flags & VDP_VIRTQ_F_PACKED) != 0;
}

static inline bool
ve_in_order(const struct ve *e)
{
	return (e->flags & VDP_VIRTQ_F_IN_ORDER) != 0;
}

uint64_t ve_rand(struct ve *e);

/* Add n buffers of nseg segments of len bytes each (in: device-writable); returns added. */
uint16_t ve_add(struct ve *e, bool in, uint16_t n, uint16_t nseg, uint32_t len);
/* Take used buffers (at most max) and check each cookie is outstanding; returns the count. */
uint32_t ve_get(struct ve *e, uint32_t max, void **cookies, uint32_t *lens);
/* Mark a cookie returned (asserts it was outstanding). */
void ve_returned(struct ve *e, void *cookie);
/* Drain everything and check every outstanding cookie came back, once. */
void ve_drain_all(struct ve *e);
/* Cookies still outstanding by the tracker. */
uint32_t ve_outstanding(const struct ve *e);

/* Device: pop every available buffer into out (up to max); returns the count. */
uint32_t ve_dev_pop(struct ve *e, struct fd_chain *out, uint32_t max);
/* Device: complete chains (write_len bytes for writable ones, 0 otherwise) and publish. */
void ve_dev_push(struct ve *e, const struct fd_chain *c, uint32_t n);
/*
 * The device completes a random number (1..*npool) of the chains it popped into pool, in a
 * random order unless in order, writing 1 + half of each writable length; the pool keeps the
 * rest. Returns how many were completed.
 */
uint32_t ve_dev_complete_some(struct ve *e, struct fd_chain *pool, uint32_t *npool);
/* End of a clean run: the fake device saw no error, the virtq counted no fault and is not
 * broken; then drain everything and close. */
void ve_finish_clean(struct ve *e);

struct vdp_virtq_stats ve_stats(const struct ve *e);

/* Test groups */
int ve_run_basic(const struct ve_cfg *cfgs, size_t ncfg);
int ve_run_faults(const struct ve_cfg *cfgs, size_t ncfg);
int ve_run_chain(const struct ve_cfg *cfgs, size_t ncfg);

/*
 * Build a cmocka table of test x configuration with names "test/config", for the
 * configurations whose flags include all of need and none of reject.
 */
struct ve_case {
	const char *name;
	CMUnitTestFunction fn;
	uint32_t need;
	uint32_t reject;
};

int ve_run_matrix(const char *group, const struct ve_case *cases, size_t ncases,
		  const struct ve_cfg *cfgs, size_t ncfg);

#endif /* VIRTQ_ENV_H */
