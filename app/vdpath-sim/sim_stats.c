/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --stats FILE: the devices' counters as JSON, written at exit and on SIGUSR1. The signal
 * handler only writes to an eventfd; a small thread writes the file (FILE.tmp, then rename),
 * so nothing unsafe runs in signal context.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sim.h"
#include "sim_vhost.h"

static int stats_efd = -1;
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;

/* Per address space: the sums above cannot tell which ASID diverged. */
static void
stats_asids_write(FILE *f, struct sim_dev *dev)
{
	const struct sim_map *m;
	uint32_t i;

	for (i = 0; i < SIM_MAX_AS; i++) {
		m = sim_iotlb_dev_map(dev, i);
		fprintf(f, "%s{\"asid\": %u, \"vhost_entries\": %" PRIu64 ", \"device_entries\": %"
			PRIu64 ", \"device_identity\": %s}", i != 0 ? ", " : "", i,
			sim_iotlb_entries(&dev->vhost_map[i]), sim_iotlb_entries(m),
			m->identity ? "true" : "false");
	}
	fprintf(f, "]");
}

static void
stats_dev_write(FILE *f, struct sim_dev *dev)
{
	uint64_t vhost_entries = 0, dev_entries = 0, kicks = 0;
	uint32_t i;

	pthread_mutex_lock(&dev->lock);
	for (i = 0; i < SIM_MAX_AS; i++) {
		vhost_entries += sim_iotlb_entries(&dev->vhost_map[i]);
		dev_entries += sim_iotlb_entries(sim_iotlb_dev_map(dev, i));
	}
	for (i = 0; i < dev->nvqs; i++)
		kicks += dev->vq[i].kicks;
	fprintf(f, "{\"path\": \"%s\", \"personality\": \"%s\", \"opens\": %" PRIu64 ", "
		"\"backend_acked\": \"0x%" PRIx64 "\", \"features\": \"0x%" PRIx64 "\", "
		"\"status\": %u,\n     \"iotlb\": {\"updates\": %" PRIu64 ", \"invalidates\": %"
		PRIu64 ", \"batches\": %" PRIu64 ", \"failed\": %" PRIu64 ", \"vhost_entries\": %"
		PRIu64 ", \"device_entries\": %" PRIu64 ", \"device_identity\": %s, "
		"\"pinned_bytes\": %" PRIu64 "},\n",
		dev->path, sim_personality_name(sim_opts.personality), dev->stats.opens,
		dev->backend_acked, dev->drv_features, dev->status, dev->stats.iotlb_updates,
		dev->stats.iotlb_invalidates, dev->stats.iotlb_batches, dev->stats.iotlb_failed,
		vhost_entries, dev_entries, sim_iotlb_dev_identity(dev) ? "true" : "false",
		dev->stats.pinned_bytes);
	fprintf(f, "     \"busy_ns\": %" PRIu64 ",\n", dev->stats.busy_ns);
	fprintf(f, "     \"resets\": %" PRIu64 ", \"kicks\": %" PRIu64 ", \"dma_faults\": %" PRIu64
		", \"config_interrupts\": %" PRIu64 ", \"bad_used_injected\": %" PRIu64 ",\n"
		"     \"cvq\": {\"commands\": %" PRIu64 ", \"ok\": %" PRIu64 ", \"err\": %" PRIu64
		"},\n     \"drops\": {\"rx_filtered\": %" PRIu64 ", \"rx_no_buffer\": %" PRIu64
		", \"tx_bad_chain\": %" PRIu64 ", \"link_down\": %" PRIu64 "},\n     \"asids\": [",
		dev->stats.resets, kicks, dev->stats.dma_faults, dev->stats.config_interrupts,
		dev->stats.bad_used_injected, dev->stats.cvq_commands, dev->stats.cvq_ok,
		dev->stats.cvq_err, dev->stats.rx_drops, dev->stats.rx_overruns,
		dev->stats.tx_errors, dev->stats.link_down_drops);
	stats_asids_write(f, dev);
	fprintf(f, ",\n     \"queues\": [");
	for (i = 0; i < dev->nvqs; i++)
		fprintf(f, "%s{\"index\": %u, \"packets\": %" PRIu64 ", \"bytes\": %" PRIu64
			", \"kicks\": %" PRIu64 ", \"kick_binds\": %" PRIu64 "}",
			i != 0 ? ",\n       " : "\n       ", i, dev->vq[i].packets, dev->vq[i].bytes,
			dev->vq[i].kicks, dev->vq[i].kick_binds);
	fprintf(f, "]}");
	pthread_mutex_unlock(&dev->lock);
}

int
sim_stats_write(const char *path)
{
	char tmp[300];
	unsigned int i;
	FILE *f;
	int ret = 0;

	if (path == NULL || path[0] == '\0' || !sim_lib_ready())
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	pthread_mutex_lock(&stats_lock);
	f = fopen(tmp, "we");
	if (f == NULL) {
		ret = -errno;
		sim_log("--stats: cannot write %s (%s); check the directory exists and is "
			"writable", tmp, strerror(errno));
		goto out;
	}
	fprintf(f, "{\"devices\": [");
	for (i = 0; i < sim_opts.devices; i++) {
		fprintf(f, "%s", i != 0 ? ",\n    " : "\n    ");
		stats_dev_write(f, &sim_devs[i]);
	}
	fprintf(f, "]}\n");
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		ret = -errno;
		sim_log("--stats: cannot write %s (%s)", path, strerror(errno));
		unlink(tmp);
	}
out:
	pthread_mutex_unlock(&stats_lock);
	return ret;
}

static void
stats_atexit(void)
{
	/* Only the process that used a device: a wrapper shell must not clobber the file. */
	if (sim_opener_pid() == getpid())
		sim_stats_write(sim_opts.stats_path);
}

static void
stats_sigusr1(int sig)
{
	uint64_t one = 1;
	int saved = errno;

	(void)sig;
	if (stats_efd >= 0 && sim_real_write(stats_efd, &one, sizeof(one)) < 0)
		errno = saved;
	errno = saved;
}

static void *
stats_thread(void *arg)
{
	uint64_t n;

	(void)arg;
	for (;;) {
		if (sim_real_read(stats_efd, &n, sizeof(n)) != sizeof(n)) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		sim_stats_write(sim_opts.stats_path);
	}
}

void
sim_stats_init(void)
{
	struct sigaction sa, old;
	sigset_t all, prev;
	pthread_t tid;

	if (sim_opts.stats_path[0] == '\0')
		return;
	atexit(stats_atexit);
	stats_efd = sim_fd_move_high(eventfd(0, EFD_CLOEXEC));
	if (stats_efd < 0) {
		sim_log("--stats: no eventfd (%s); the file is written at exit only",
			strerror(errno));
		return;
	}
	/* The writer thread must never take the signal itself. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &prev);
	if (pthread_create(&tid, NULL, stats_thread, NULL) != 0) {
		pthread_sigmask(SIG_SETMASK, &prev, NULL);
		sim_log("--stats: cannot start the SIGUSR1 writer thread; the file is written "
			"at exit only");
		return;
	}
	pthread_sigmask(SIG_SETMASK, &prev, NULL);
	pthread_detach(tid);
	pthread_setname_np(tid, "vdpath-sim-stat");
	/* The application's own SIGUSR1 handler, if any, wins. */
	if (sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
	    !(old.sa_flags & SA_SIGINFO)) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = stats_sigusr1;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
	}
}
