/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fake device for lib/iotlb unit tests: records every message and keeps its own view of the
 * entries it holds, per ASID, with the kernel's rules (spec §4.3-§4.5): an overlapping UPDATE
 * fails, an INVALIDATE removes every entry it touches whole, a message for another ASID inside
 * an open batch fails. Failures can be injected at any message.
 */
#ifndef IOTLB_FAKE_H
#define IOTLB_FAKE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include "vdp_dev.h"
#include "vdp_iotlb.h"

enum fake_type {
	FAKE_UPDATE = 2,	/* the VHOST_IOTLB_* numbers */
	FAKE_INVALIDATE = 3,
	FAKE_BEGIN = 5,
	FAKE_END = 6,
};

struct fake_msg {
	enum fake_type type;
	uint32_t asid;
	uint64_t iova;
	uint64_t size;
	uint64_t uaddr;
	uint8_t perm;
	int ret;
};

struct fake {
	struct fake_msg *msgs;		/* every message attempted, failed ones too */
	size_t n_msgs;
	size_t cap_msgs;
	struct vdp_iotlb_entry *ents;	/* what the fake holds, sorted by (asid, iova) */
	size_t n_ents;
	size_t cap_ents;
	bool in_batch;
	uint32_t batch_asid;
	long fail_at;		/* fail message number N (0-based, all types); -1: none */
	long fail_update_at;	/* fail the UPDATE with this index; -1: none */
	long updates_seen;
	int fail_err;		/* what injected failures return (default -EFAULT) */
	uint32_t cap;		/* entries per ASID; 0: none */
	unsigned int protocol_errors;	/* messages the kernel would reject for batch misuse */
};

extern const struct vdp_iotlb_ops fake_ops;

void fake_init(struct fake *f);
void fake_free(struct fake *f);
void fake_clear_msgs(struct fake *f);
size_t fake_count(const struct fake *f, enum fake_type type);
/* Load an entry the library does not know about (made "outside" the map). */
void fake_hold(struct fake *f, uint32_t asid, uint64_t iova, uint64_t size);

/* The fake's view equals the map's entries view, entry by entry. */
void fake_assert_same(const struct fake *f, const struct vdp_iotlb *map);
/* The map's entries equal the given list. */
void map_assert_entries(const struct vdp_iotlb *map, const struct vdp_iotlb_entry *want,
			size_t n);

/* Log capture: every vdp_log line, joined with '\n'. */
/* A map over a fresh fake, batching on: the state of most tests. */
struct t {
	struct fake f;
	struct vdp_iotlb *map;
};

int fake_map_setup(void **state);
int fake_map_teardown(void **state);
/* Reinitialise in place (for loops over failure positions). */
void fake_map_reinit(struct t *t);

void log_capture_start(void);
void log_capture_stop(void);
const char *log_captured(void);
bool log_contains(const char *needle);

#define MIB(x)	((uint64_t)(x) << 20)
#define GIB(x)	((uint64_t)(x) << 30)
#define KIB(x)	((uint64_t)(x) << 10)

static inline struct vdp_iotlb_region
region(uint32_t asid, uint64_t va, uint64_t len, uint64_t page_size)
{
	struct vdp_iotlb_region r = {
		.va = va,
		.len = len,
		.page_size = page_size,
		.asid = asid,
		.perm = VDP_IOTLB_PERM_RW,
	};

	return r;
}

#endif /* IOTLB_FAKE_H */
