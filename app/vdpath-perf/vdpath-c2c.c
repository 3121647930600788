/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdpath-c2c: the time a cache line takes to go from one CPU to another and back.
 *
 * vdpath-perf runs it before and after every rate trial on the two CPUs the trial uses
 * (vdpath-fwd's forwarding lcore on CPU 1, the main lcore and vdpath-sim's device thread on
 * CPU 0). On a shared virtual machine the host places the two vCPUs on cores that share a
 * cache or on cores that do not, and moves them within seconds; every ring line the driver
 * and the simulated device pass between them costs what this measures, so it says which of
 * the two machines a trial ran on.
 *
 * usage: vdpath-c2c [--cpus A,B] [--ms N]
 * Prints the median round trip over batches of VDP_C2C_BATCH round trips, taken for N ms or
 * VDP_C2C_MAX_BATCHES batches, whichever ends first; exit 1 when a CPU cannot be used or the
 * other side does not answer, 2 on a bad argument.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VDP_C2C_BATCH		256u
#define VDP_C2C_MAX_BATCHES	4096u
#define VDP_C2C_ANSWER_NS	(1000ULL * 1000 * 1000)	/* the other side is stuck */

struct c2c {
	/* the line that travels: the pinger makes it odd, the responder makes it even */
	volatile uint64_t line __attribute__((aligned(64)));
	volatile int stop __attribute__((aligned(64)));
	int cpu;
	int pin_err;
	volatile int ready;
};

static uint64_t
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static int
pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *
c2c_responder(void *arg)
{
	struct c2c *c = arg;
	uint64_t v;

	c->pin_err = pin_self(c->cpu);
	c->ready = 1;
	if (c->pin_err != 0)
		return NULL;
	while (!c->stop) {
		v = c->line;
		if (v & 1)
			c->line = v + 1;
	}
	return NULL;
}

/* One round trip; false when the responder did not answer within VDP_C2C_ANSWER_NS. */
static inline int
c2c_round_trip(struct c2c *c)
{
	uint64_t want = c->line + 2, spins = 0, t0 = 0;

	c->line = want - 1;
	while (c->line != want) {
		if ((++spins & 0xfffff) == 0) {
			if (t0 == 0)
				t0 = now_ns();
			else if (now_ns() - t0 > VDP_C2C_ANSWER_NS)
				return 0;
		}
	}
	return 1;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
parse_args(int argc, char **argv, int *a, int *b, unsigned int *ms)
{
	int i, n;
	char tail;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cpus") == 0 && i + 1 < argc) {
			n = sscanf(argv[++i], "%d,%d%c", a, b, &tail);
			if (n != 2 || *a < 0 || *b < 0 || *a == *b || *a >= CPU_SETSIZE ||
			    *b >= CPU_SETSIZE) {
				fprintf(stderr, "vdpath-c2c: --cpus '%s': two different CPU numbers, "
					"e.g. 0,1\n", argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--ms") == 0 && i + 1 < argc) {
			n = sscanf(argv[++i], "%u%c", ms, &tail);
			if (n != 1 || *ms < 1 || *ms > 10000) {
				fprintf(stderr, "vdpath-c2c: --ms '%s': milliseconds in 1..10000\n",
					argv[i]);
				return 2;
			}
		} else {
			bool help = strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;

			fprintf(help ? stdout : stderr, "usage: vdpath-c2c [--cpus A,B] [--ms N]\n"
				"  the median time a cache line takes from CPU B to CPU A and back "
				"(default: --cpus 0,1 --ms 20; at most %u batches of %u)\n",
				VDP_C2C_MAX_BATCHES, VDP_C2C_BATCH);
			return help ? -1 : 2;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct c2c c;
	static uint64_t batch_ns[VDP_C2C_MAX_BATCHES];
	unsigned int ms = 20, nb = 0, i;
	int a = 0, b = 1, rc, ok = 1;
	uint64_t start, t0;
	pthread_t th;

	rc = parse_args(argc, argv, &a, &b, &ms);
	if (rc != 0)
		return rc < 0 ? 0 : rc;	/* -1: --help printed */
	rc = pin_self(b);
	if (rc != 0) {
		fprintf(stderr, "vdpath-c2c: cannot run on CPU %d (%s): is it online and in this "
			"process's CPU set (taskset -p %d)?\n", b, strerror(rc), (int)getpid());
		return 1;
	}
	c.cpu = a;
	rc = pthread_create(&th, NULL, c2c_responder, &c);
	if (rc != 0) {
		fprintf(stderr, "vdpath-c2c: cannot start a thread (%s)\n", strerror(rc));
		return 1;
	}
	while (!c.ready)
		;
	if (c.pin_err != 0) {
		pthread_join(th, NULL);
		fprintf(stderr, "vdpath-c2c: cannot run on CPU %d (%s): is it online and in this "
			"process's CPU set (taskset -p %d)?\n", a, strerror(c.pin_err),
			(int)getpid());
		return 1;
	}
	/* warm up: both sides running, the line in play */
	for (i = 0; i < VDP_C2C_BATCH && ok; i++)
		ok = c2c_round_trip(&c);
	start = now_ns();
	while (ok && nb < VDP_C2C_MAX_BATCHES && now_ns() - start < ms * 1000000ULL) {
		t0 = now_ns();
		for (i = 0; i < VDP_C2C_BATCH && ok; i++)
			ok = c2c_round_trip(&c);
		batch_ns[nb++] = (now_ns() - t0) / VDP_C2C_BATCH;
	}
	c.stop = 1;
	pthread_join(th, NULL);
	if (!ok) {
		fprintf(stderr, "vdpath-c2c: CPU %d did not answer within 1 s: is something else "
			"pinned there at a higher priority?\n", a);
		return 1;
	}
	/* the median batch: a batch the scheduler interrupted does not move it */
	qsort(batch_ns, nb, sizeof(batch_ns[0]), cmp_u64);
	printf("round trip CPU %d <-> CPU %d: median %" PRIu64 " ns over %u batches of %u\n", b, a,
	       batch_ns[nb / 2], nb, VDP_C2C_BATCH);
	return 0;
}
