/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading vdpath-sim's --stats JSON file from inside the process it simulates for.
 *
 * The simulator writes the file at exit and on SIGUSR1 (FILE.tmp, then rename). A snapshot
 * removes the file, signals the process and waits for a new complete file, so what is read is
 * never an older write. Stats checks only run when a stats path was given (--stats or
 * $VDP_TEST_STATS) and $VDP_TEST_NO_STATS is unset: on a real kernel there is no such file.
 */
#ifndef TEST_STATS_H
#define TEST_STATS_H

#include <stdbool.h>
#include <stdint.h>

#define T_STATS_MAX_QUEUES 32

struct t_stats_queue {
	uint32_t index;
	uint64_t packets;
	uint64_t bytes;
	uint64_t kicks;
};

/* One device's entry of the stats file (the one whose "path" is t_opts.dev_path). */
struct t_stats {
	char personality[32];
	uint64_t opens;
	uint64_t backend_acked;
	uint64_t features;
	uint64_t status;
	uint64_t iotlb_updates;
	uint64_t iotlb_invalidates;
	uint64_t iotlb_batches;
	uint64_t iotlb_failed;
	uint64_t vhost_entries;
	uint64_t device_entries;
	bool device_identity;
	uint64_t pinned_bytes;
	uint64_t resets;
	uint64_t kicks;
	uint64_t dma_faults;
	uint64_t cvq_commands, cvq_ok, cvq_err;
	uint32_t nqueues;
	struct t_stats_queue q[T_STATS_MAX_QUEUES];
};

/* Stats checks are possible: a path was given and they were not disabled. */
bool t_stats_enabled(void);
/* Fresh snapshot; 0 on success, -1 (with a line on stderr saying why) on failure. */
int t_stats_read(struct t_stats *st);
/* Parse a stats file already on disk into st for device path; 0 or -1. */
int t_stats_parse_file(const char *file, const char *path, struct t_stats *st);
/* Parse stats JSON text; 0 or -1. */
int t_stats_parse(const char *text, const char *path, struct t_stats *st);
/* Packets counted on vq idx, 0 when the queue is not listed. */
uint64_t t_stats_queue_packets(const struct t_stats *st, uint32_t idx);

/* Fresh snapshot or a cmocka failure. Callers check t_stats_enabled() first. */
#define T_STATS_GET(st) do { \
		if (t_stats_read(st) != 0) \
			fail_msg("cannot read a fresh stats snapshot"); \
	} while (0)

#endif /* TEST_STATS_H */
