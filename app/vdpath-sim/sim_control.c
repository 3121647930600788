/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The --control FIFO: a thread reads commands, one per line.
 *
 *   link N up | link N down    change the link of /dev/vhost-vdpa-N (config interrupt)
 *   needs-reset N              set NEEDS_RESET in its status (config interrupt)
 *   stats                      write the --stats file now
 *
 * The FIFO is opened read-write so the thread never sees end-of-file when a writer closes:
 * `echo "link 0 down" > FIFO` can be repeated any number of times.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim_device.h"

#define CONTROL_LINE_MAX 256
#define CONTROL_UNKNOWN_MAX 32

static char *control_unknown[CONTROL_UNKNOWN_MAX];
static unsigned int control_nunknown;

static void
control_report_unknown(const char *line)
{
	unsigned int i;

	for (i = 0; i < control_nunknown; i++)
		if (strcmp(control_unknown[i], line) == 0)
			return;
	sim_log("control: unknown command \"%s\" (known: \"link N up\", "
		"\"link N down\", \"needs-reset N\", \"stats\"); reported once", line);
	if (control_nunknown < CONTROL_UNKNOWN_MAX) {
		control_unknown[control_nunknown] = strdup(line);
		if (control_unknown[control_nunknown] != NULL)
			control_nunknown++;
	}
}

static struct sim_dev *
control_dev(unsigned int n, const char *line)
{
	if (n >= sim_opts.devices || n >= SIM_MAX_DEVICES) {
		sim_log("control: \"%s\": no device %u (the simulator has %u)",
			line, n, sim_opts.devices);
		return NULL;
	}
	return &sim_devs[n];
}

static void
control_link(unsigned int n, bool up, const char *line)
{
	struct sim_dev *dev = control_dev(n, line);

	if (dev == NULL)
		return;
	pthread_mutex_lock(&dev->lock);
	sim_net_link_set(dev, up);
	pthread_mutex_unlock(&dev->lock);
	sim_log("control: /dev/vhost-vdpa-%u link %s", n, up ? "up" : "down");
}

static void
control_needs_reset(unsigned int n, const char *line)
{
	struct sim_dev *dev = control_dev(n, line);

	if (dev == NULL)
		return;
	pthread_mutex_lock(&dev->lock);
	sim_net_set_needs_reset(dev, "control FIFO");
	pthread_mutex_unlock(&dev->lock);
}

static void
control_stats(void)
{
	int rc;

	if (sim_opts.stats_path[0] == '\0') {
		sim_log("control: \"stats\" needs --stats FILE; nothing written");
		return;
	}
	rc = sim_stats_write(sim_opts.stats_path);
	if (rc < 0)
		sim_log("control: writing %s failed (%s)", sim_opts.stats_path, strerror(-rc));
}

static void
control_line(char *line)
{
	char word[16], extra[2];
	unsigned int n;
	size_t len = strlen(line);

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		line[--len] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0')
		return;
	if (sscanf(line, "link %u %15s %1s", &n, word, extra) == 2 &&
	    (strcmp(word, "up") == 0 || strcmp(word, "down") == 0))
		control_link(n, strcmp(word, "up") == 0, line);
	else if (sscanf(line, "needs-reset %u %1s", &n, extra) == 1)
		control_needs_reset(n, line);
	else if (strcmp(line, "stats") == 0)
		control_stats();
	else
		control_report_unknown(line);
}

static void *
control_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[CONTROL_LINE_MAX];
	size_t used = 0;
	bool overlong = false;
	ssize_t n;
	char *nl;

	for (;;) {
		n = sim_sys_read(fd, buf + used, sizeof(buf) - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			sim_log("control: reading %s failed (%s); the control "
				"FIFO is no longer served", sim_opts.control_path,
				n < 0 ? strerror(errno) : "end of file");
			break;
		}
		used += (size_t)n;
		buf[used] = '\0';
		while ((nl = strchr(buf, '\n')) != NULL) {
			*nl = '\0';
			if (!overlong)
				control_line(buf);
			overlong = false;
			used -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, used + 1);
		}
		if (used == sizeof(buf) - 1) {
			sim_log("control: line longer than %d bytes ignored",
				CONTROL_LINE_MAX - 1);
			overlong = true;
			used = 0;
		}
	}
	sim_sys_close(fd);
	return NULL;
}

int
sim_control_start(void)
{
	const char *path = sim_opts.control_path;
	struct stat st;
	pthread_t tid;
	sigset_t all, old;
	int fd, rc;

	if (path[0] == '\0')
		return 0;
	if (syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) == 0) {
		if (!S_ISFIFO(st.st_mode)) {
			sim_log("--control %s exists and is not a FIFO; remove it "
				"or name another path", path);
			return -EEXIST;
		}
	} else if (errno != ENOENT ||
		   syscall(SYS_mknodat, AT_FDCWD, path, S_IFIFO | 0600, 0) < 0) {
		rc = -errno;
		sim_log("cannot create the --control FIFO %s (%s)", path,
			strerror(-rc));
		return rc;
	}
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		sim_log("cannot open the --control FIFO %s (%s)", path,
			strerror(-rc));
		return rc;
	}
	fd = sim_fd_move_high(fd);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(&tid, NULL, control_main, (void *)(intptr_t)fd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc < 0) {
		sim_log("cannot start the --control thread (%s)",
			strerror(-rc));
		sim_sys_close(fd);
		return rc;
	}
	pthread_setname_np(tid, "vdpa-sim-ctl");
	pthread_detach(tid);
	return 0;
}
