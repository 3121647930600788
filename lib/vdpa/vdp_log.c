/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The log sink of the vdpath libraries.
 *
 * The libraries never print on their own: every line goes through vdp_log(), which hands it to
 * the installed handler (the PMD routes it to rte_log) or, by default, to stderr. A handler
 * receives every line and filters by itself; the level set here only gates the stderr default,
 * so an rte_log handler keeps DPDK's own per-type levels authoritative.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#include "vdp_dev.h"

/* Long enough for a path, an ioctl with its arguments, the cause and a hint. */
#define VDP_LOG_LINE_MAX 1024

struct log_sink {
	vdp_log_fn fn;
	void *arg;
};

/*
 * Setters fill the slot not in use and publish it with one atomic pointer store, so a logging
 * thread always sees a consistent (fn, arg) pair. A reader still holding the old slot is only
 * disturbed if two more set_handler calls complete while it formats one line.
 */
static struct log_sink log_sinks[2];
static _Atomic(struct log_sink *) log_sink_cur;
static pthread_mutex_t log_set_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int log_level = VDP_LOG_NOTICE;

static void
log_to_stderr(const char *msg)
{
	/* One fprintf per line: stdio locks the stream, so concurrent lines do not interleave. */
	fprintf(stderr, "vdpath: %s\n", msg);
}

void
vdp_log_set_handler(vdp_log_fn fn, void *arg)
{
	struct log_sink *cur, *next;

	pthread_mutex_lock(&log_set_lock);
	if (fn == NULL) {
		atomic_store(&log_sink_cur, NULL);
	} else {
		cur = atomic_load(&log_sink_cur);
		next = cur == &log_sinks[0] ? &log_sinks[1] : &log_sinks[0];
		next->fn = fn;
		next->arg = arg;
		atomic_store(&log_sink_cur, next);
	}
	pthread_mutex_unlock(&log_set_lock);
}

void
vdp_log_set_level(enum vdp_log_level level)
{
	atomic_store(&log_level, (int)level);
}

void
vdp_log(enum vdp_log_level level, const char *fmt, ...)
{
	struct log_sink *sink = atomic_load(&log_sink_cur);
	char line[VDP_LOG_LINE_MAX];
	va_list ap;

	/* Skip the formatting cost of lines nobody will see. */
	if (sink == NULL && (int)level > atomic_load(&log_level))
		return;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);

	if (sink != NULL)
		sink->fn(level, line, sink->arg);
	else
		log_to_stderr(line);
}
