/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libc interposition: calls on /dev/vhost-vdpa-N paths, on the descriptors they return and on
 * /proc/devices are served by the simulator; everything else goes straight to libc.
 *
 * Fast path: a path not starting with "/dev/vhost-vdpa-" or "/proc/devices", or an fd when no
 * simulated device is open, costs one compare before libc. The real functions are found with
 * dlsym(RTLD_NEXT) on first use, so every entry point works before our constructor has run and
 * from any thread.
 */
/* Each libc entry point is defined under its own name: no 64-bit redirection of open/stat. */
#undef _FILE_OFFSET_BITS
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"
#include "sim_vhost.h"

#define PROC_DEVICES "/proc/devices"
#define PROCDEV_MAX 16384

enum path_kind {
	PATH_OTHER,	/* not ours: libc */
	PATH_DEV,	/* a simulated device */
	PATH_NODEV,	/* /dev/vhost-vdpa-<anything else>: ENOENT */
	PATH_PROCDEV,	/* /proc/devices with our major added */
};

/* Slots for the real functions, filled on first use. */
static void *real_open_p, *real_open64_p, *real_openat_p, *real_openat64_p;
static void *real_open_2_p, *real_open64_2_p, *real_openat_2_p, *real_openat64_2_p;
static void *real_close_p, *real___close_p, *real_ioctl_p, *real_write_p, *real_read_p;
static void *real_mmap_p, *real_mmap64_p;
static void *real_stat_p, *real_stat64_p, *real_lstat_p, *real_lstat64_p;
static void *real_fstat_p, *real_fstat64_p, *real_fstatat_p, *real_fstatat64_p;
static void *real_xstat_p, *real_xstat64_p, *real_lxstat_p, *real_lxstat64_p;
static void *real_fxstat_p, *real_fxstat64_p, *real_fxstatat_p, *real_fxstatat64_p;
static void *real_statx_p, *real_access_p, *real_faccessat_p;
static void *real_fopen_p, *real_fopen64_p, *real_realpath_p, *real_realpath_chk_p;
static void *real_getxattr_p, *real_lgetxattr_p, *real_listxattr_p, *real_llistxattr_p;

static void *
real_sym(void **slot, const char *name)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (p == NULL) {
		p = dlsym(RTLD_NEXT, name);
		if (p == NULL) {
			/* Without libc's own function there is nothing sane to return. */
			sim_log("cannot find libc's %s (dlsym: %s)", name, dlerror());
			abort();
		}
		__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	}
	return p;
}

#define REAL(slot, name, type) ((type)real_sym(&(slot), name))

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*open2_fn)(const char *, int);
typedef int (*openat2_fn)(int, const char *, int);
typedef int (*close_fn)(int);
typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*read_fn)(int, void *, size_t);
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*stat_fn)(const char *, struct stat *);
typedef int (*fstat_fn)(int, struct stat *);
typedef int (*fstatat_fn)(int, const char *, struct stat *, int);
typedef int (*xstat_fn)(int, const char *, struct stat *);
typedef int (*fxstat_fn)(int, int, struct stat *);
typedef int (*fxstatat_fn)(int, int, const char *, struct stat *, int);
typedef int (*statx_fn)(int, const char *, int, unsigned int, struct statx *);
typedef int (*access_fn)(const char *, int);
typedef int (*faccessat_fn)(int, const char *, int, int);
typedef FILE *(*fopen_fn)(const char *, const char *);
typedef char *(*realpath_fn)(const char *, char *);
typedef char *(*realpath_chk_fn)(const char *, char *, size_t);
typedef ssize_t (*getxattr_fn)(const char *, const char *, void *, size_t);
typedef ssize_t (*listxattr_fn)(const char *, char *, size_t);

int
sim_real_open(const char *path, int flags, mode_t mode)
{
	return REAL(real_open_p, "open", open_fn)(path, flags, mode);
}

int
sim_real_close(int fd)
{
	return REAL(real_close_p, "close", close_fn)(fd);
}

ssize_t
sim_real_read(int fd, void *buf, size_t len)
{
	return REAL(real_read_p, "read", read_fn)(fd, buf, len);
}

ssize_t
sim_real_write(int fd, const void *buf, size_t len)
{
	return REAL(real_write_p, "write", write_fn)(fd, buf, len);
}

void *
sim_real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return REAL(real_mmap_p, "mmap", mmap_fn)(addr, len, prot, flags, fd, off);
}

/* /proc/devices as the process will see it, and the major our nodes report. */
static pthread_once_t procdev_once = PTHREAD_ONCE_INIT;
static char procdev_text[PROCDEV_MAX + 64];
static size_t procdev_len;
static unsigned int procdev_major;

static size_t
procdev_read(char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = sim_real_open(PROC_DEVICES, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	while (len < cap && (n = sim_real_read(fd, buf + len, cap - len)) > 0)
		len += n;
	sim_real_close(fd);
	return len;
}

/* Highest free dynamic character major: 254..234, then 511..384 (the kernel's ranges). */
static unsigned int
procdev_pick(const char *text, size_t len, unsigned int *real)
{
	static bool used[512];
	const char *p = text, *end = text + len;
	bool chr = false;
	unsigned int m, i;
	char name[32];

	*real = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		char line[128];
		size_t l = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		snprintf(line, sizeof(line), "%.*s", (int)(l < 127 ? l : 127), p);
		p += l + 1;
		if (strncmp(line, "Character devices:", 18) == 0) {
			chr = true;
			continue;
		}
		if (!chr || line[0] == '\0' || strncmp(line, "Block devices:", 14) == 0) {
			chr = false;
			continue;
		}
		if (sscanf(line, "%u %31s", &m, name) != 2)
			continue;
		if (m < 512)
			used[m] = true;
		if (strcmp(name, "vhost-vdpa") == 0 && *real == 0)
			*real = m;
	}
	if (*real != 0)
		return *real;
	for (i = 254; i >= 234; i--)
		if (!used[i])
			return i;
	for (i = 511; i >= 384; i--)
		if (!used[i])
			return i;
	return 511;
}

/* Our line goes where the kernel would print it: character devices, sorted by major. */
static void
procdev_build(void)
{
	char real_text[PROCDEV_MAX];
	size_t len = procdev_read(real_text, sizeof(real_text));
	const char *p = real_text, *end = real_text + len;
	unsigned int real, m;
	bool chr = false, done = false;
	char line[64];

	procdev_major = procdev_pick(real_text, len, &real);
	if (real != 0 || len == 0) {
		memcpy(procdev_text, real_text, len);
		procdev_len = len;
		if (len == 0)
			procdev_len = snprintf(procdev_text, sizeof(procdev_text),
					       "Character devices:\n%3u vhost-vdpa\n\n",
					       procdev_major);
		return;
	}
	snprintf(line, sizeof(line), "%3u vhost-vdpa\n", procdev_major);
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t l = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		bool blank = l <= 1;

		if (chr && !done && (blank || (sscanf(p, "%u", &m) == 1 && m > procdev_major))) {
			memcpy(procdev_text + procdev_len, line, strlen(line));
			procdev_len += strlen(line);
			done = true;
		}
		if (strncmp(p, "Character devices:", 18) == 0)
			chr = true;
		else if (blank)
			chr = false;
		memcpy(procdev_text + procdev_len, p, l);
		procdev_len += l;
		p += l;
	}
	if (!done) {
		memcpy(procdev_text + procdev_len, line, strlen(line));
		procdev_len += strlen(line);
	}
}

unsigned int
sim_major(void)
{
	pthread_once(&procdev_once, procdev_build);
	return procdev_major;
}

static int
procdev_open(int flags)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	if ((flags & O_ACCMODE) != O_RDONLY) {
		errno = EACCES;
		return -1;
	}
	sim_major();
	fd = memfd_create("proc-devices", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0)
		return -1;
	while (off < procdev_len) {
		n = sim_real_write(fd, procdev_text + off, procdev_len - off);
		if (n <= 0) {
			sim_real_close(fd);
			errno = EIO;
			return -1;
		}
		off += n;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static enum path_kind
path_kind(const char *path, unsigned int *index)
{
	static const size_t plen = sizeof(SIM_PATH_PREFIX) - 1;
	const char *p;
	unsigned long n;
	char *end;

	if (path == NULL || path[0] != '/')
		return PATH_OTHER;
	if (strncmp(path, SIM_PATH_PREFIX, plen) != 0)
		return strcmp(path, PROC_DEVICES) == 0 ? PATH_PROCDEV : PATH_OTHER;
	sim_lib_init();
	p = path + plen;
	/* Only the names the kernel would create: vhost-vdpa-%u. */
	if (!isdigit((unsigned char)p[0]) || (p[0] == '0' && p[1] != '\0'))
		return PATH_NODEV;
	n = strtoul(p, &end, 10);
	if (*end != '\0' || n >= sim_opts.devices)
		return PATH_NODEV;
	*index = n;
	return PATH_DEV;
}

static int
fail(int err)
{
	errno = err;
	return -1;
}

static int
path_open(enum path_kind kind, unsigned int index, int flags)
{
	int ret;

	switch (kind) {
	case PATH_DEV:
		if (flags & O_DIRECTORY)
			return fail(ENOTDIR);
		if ((flags & O_CREAT) && (flags & O_EXCL))
			return fail(EEXIST);
		ret = sim_vhost_open(index, flags);
		return ret < 0 ? fail(-ret) : ret;
	case PATH_PROCDEV:
		return procdev_open(flags);
	default:
		return fail(ENOENT);
	}
}

static mode_t
open_mode(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int
open(const char *path, int flags, ...)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (k != PATH_OTHER)
		return path_open(k, idx, flags);
	return REAL(real_open_p, "open", open_fn)(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (k != PATH_OTHER)
		return path_open(k, idx, flags);
	return REAL(real_open64_p, "open64", open_fn)(path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (k != PATH_OTHER)
		return path_open(k, idx, flags);
	return REAL(real_openat_p, "openat", openat_fn)(dirfd, path, flags, mode);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (k != PATH_OTHER)
		return path_open(k, idx, flags);
	return REAL(real_openat64_p, "openat64", openat_fn)(dirfd, path, flags, mode);
}

/* The _FORTIFY_SOURCE entry points. */
int
__open_2(const char *path, int flags)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);

	if (k != PATH_OTHER)
		return path_open(k, idx, flags);
	return REAL(real_open_2_p, "__open_2", open2_fn)(path, flags);
}

int
__open64_2(const char *path, int flags)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);

	if (k != PATH_OTHER)
		return path_open(k, idx, flags);
	return REAL(real_open64_2_p, "__open64_2", open2_fn)(path, flags);
}

int
__openat_2(int dirfd, const char *path, int flags)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);

	if (k != PATH_OTHER)
		return path_open(k, idx, flags);
	return REAL(real_openat_2_p, "__openat_2", openat2_fn)(dirfd, path, flags);
}

int
__openat64_2(int dirfd, const char *path, int flags)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);

	if (k != PATH_OTHER)
		return path_open(k, idx, flags);
	return REAL(real_openat64_2_p, "__openat64_2", openat2_fn)(dirfd, path, flags);
}

int
close(int fd)
{
	struct sim_dev *dev = sim_dev_of_fd(fd);

	if (dev != NULL)
		return sim_vhost_close(dev, fd);
	return REAL(real_close_p, "close", close_fn)(fd);
}

int
__close(int fd)
{
	struct sim_dev *dev = sim_dev_of_fd(fd);

	if (dev != NULL)
		return sim_vhost_close(dev, fd);
	return REAL(real___close_p, "__close", close_fn)(fd);
}

int
ioctl(int fd, unsigned long req, ...)
{
	struct sim_dev *dev = sim_dev_of_fd(fd);
	va_list ap;
	void *arg;
	long ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	/* The VFS answers these itself, before any driver: the placeholder fd will do. */
	if (dev == NULL || req == FIOCLEX || req == FIONCLEX || req == FIONBIO || req == FIOASYNC)
		return REAL(real_ioctl_p, "ioctl", ioctl_fn)(fd, req, arg);
	ret = sim_vhost_ioctl(dev, req, arg);
	return ret < 0 ? fail(-ret) : (int)ret;
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	struct sim_dev *dev = sim_dev_of_fd(fd);
	ssize_t ret;

	if (dev == NULL)
		return REAL(real_write_p, "write", write_fn)(fd, buf, len);
	ret = sim_vhost_write(dev, buf, len);
	return ret < 0 ? fail(-ret) : ret;
}

ssize_t
read(int fd, void *buf, size_t len)
{
	struct sim_dev *dev = sim_dev_of_fd(fd);

	if (dev == NULL)
		return REAL(real_read_p, "read", read_fn)(fd, buf, len);
	return fail(-sim_vhost_read(dev));
}

void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct sim_dev *dev = (flags & MAP_ANONYMOUS) ? NULL : sim_dev_of_fd(fd);

	if (dev == NULL)
		return REAL(real_mmap_p, "mmap", mmap_fn)(addr, len, prot, flags, fd, off);
	return sim_vhost_mmap(dev, addr, len, prot, flags, off, fd);
}

void *
mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct sim_dev *dev = (flags & MAP_ANONYMOUS) ? NULL : sim_dev_of_fd(fd);

	if (dev == NULL)
		return REAL(real_mmap64_p, "mmap64", mmap_fn)(addr, len, prot, flags, fd, off);
	return sim_vhost_mmap(dev, addr, len, prot, flags, off, fd);
}

/* A character device node as devtmpfs would show it: 0600 root, rdev (major, N). */
static void
stat_fill(struct stat *st, unsigned int index)
{
	static struct timespec born;
	struct stat devdir;

	if (born.tv_sec == 0)
		clock_gettime(CLOCK_REALTIME, &born);
	memset(st, 0, sizeof(*st));
	if (REAL(real_stat_p, "stat", stat_fn)("/dev", &devdir) == 0)
		st->st_dev = devdir.st_dev;
	st->st_ino = 0x7d9a0000 + index;
	st->st_mode = S_IFCHR | 0600;
	st->st_nlink = 1;
	st->st_rdev = makedev(sim_major(), index);
	st->st_blksize = 4096;
	st->st_atim = born;
	st->st_mtim = born;
	st->st_ctim = born;
}

static int
path_stat(enum path_kind k, unsigned int idx, struct stat *st)
{
	if (k == PATH_NODEV)
		return fail(ENOENT);
	if (st == NULL)
		return fail(EFAULT);
	stat_fill(st, idx);
	return 0;
}

/* Returns 1 when the call is not ours. */
static int
fd_stat(int fd, struct stat *st)
{
	struct sim_dev *dev = sim_dev_of_fd(fd);

	if (dev == NULL)
		return 1;
	if (st == NULL)
		return fail(EFAULT);
	stat_fill(st, dev->index);
	return 0;
}

/* Our paths and fds; PATH_PROCDEV stats like the real (empty-sized) proc file. */
#define STAT_PATH(path, st, call) do {					\
	unsigned int idx_ = 0;						\
	enum path_kind k_ = path_kind(path, &idx_);			\
	if (k_ == PATH_DEV || k_ == PATH_NODEV)				\
		return path_stat(k_, idx_, st);				\
	return call;							\
} while (0)

int
stat(const char *path, struct stat *st)
{
	STAT_PATH(path, st, REAL(real_stat_p, "stat", stat_fn)(path, st));
}

int
stat64(const char *path, struct stat64 *st)
{
	STAT_PATH(path, (struct stat *)st,
		  REAL(real_stat64_p, "stat64", stat_fn)(path, (struct stat *)st));
}

int
lstat(const char *path, struct stat *st)
{
	STAT_PATH(path, st, REAL(real_lstat_p, "lstat", stat_fn)(path, st));
}

int
lstat64(const char *path, struct stat64 *st)
{
	STAT_PATH(path, (struct stat *)st,
		  REAL(real_lstat64_p, "lstat64", stat_fn)(path, (struct stat *)st));
}

int
fstat(int fd, struct stat *st)
{
	int ret = fd_stat(fd, st);

	return ret != 1 ? ret : REAL(real_fstat_p, "fstat", fstat_fn)(fd, st);
}

int
fstat64(int fd, struct stat64 *st)
{
	int ret = fd_stat(fd, (struct stat *)st);

	return ret != 1 ? ret :
	       REAL(real_fstat64_p, "fstat64", fstat_fn)(fd, (struct stat *)st);
}

static int
at_stat(int dirfd, const char *path, struct stat *st, int flags, bool *handled)
{
	unsigned int idx = 0;
	enum path_kind k;

	*handled = true;
	if (path != NULL && path[0] == '\0' && (flags & AT_EMPTY_PATH)) {
		int ret = fd_stat(dirfd, st);

		if (ret != 1)
			return ret;
	} else {
		k = path_kind(path, &idx);
		if (k == PATH_DEV || k == PATH_NODEV)
			return path_stat(k, idx, st);
	}
	*handled = false;
	return 0;
}

int
fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	bool handled;
	int ret = at_stat(dirfd, path, st, flags, &handled);

	return handled ? ret : REAL(real_fstatat_p, "fstatat", fstatat_fn)(dirfd, path, st,
									     flags);
}

int
fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	bool handled;
	int ret = at_stat(dirfd, path, (struct stat *)st, flags, &handled);

	return handled ? ret : REAL(real_fstatat64_p, "fstatat64", fstatat_fn)(
		dirfd, path, (struct stat *)st, flags);
}

/* Binaries built against glibc < 2.33 call the versioned wrappers. */
int
__xstat(int ver, const char *path, struct stat *st)
{
	STAT_PATH(path, st, REAL(real_xstat_p, "__xstat", xstat_fn)(ver, path, st));
}

int
__xstat64(int ver, const char *path, struct stat64 *st)
{
	STAT_PATH(path, (struct stat *)st,
		  REAL(real_xstat64_p, "__xstat64", xstat_fn)(ver, path, (struct stat *)st));
}

int
__lxstat(int ver, const char *path, struct stat *st)
{
	STAT_PATH(path, st, REAL(real_lxstat_p, "__lxstat", xstat_fn)(ver, path, st));
}

int
__lxstat64(int ver, const char *path, struct stat64 *st)
{
	STAT_PATH(path, (struct stat *)st,
		  REAL(real_lxstat64_p, "__lxstat64", xstat_fn)(ver, path, (struct stat *)st));
}

int
__fxstat(int ver, int fd, struct stat *st)
{
	int ret = fd_stat(fd, st);

	return ret != 1 ? ret : REAL(real_fxstat_p, "__fxstat", fxstat_fn)(ver, fd, st);
}

int
__fxstat64(int ver, int fd, struct stat64 *st)
{
	int ret = fd_stat(fd, (struct stat *)st);

	return ret != 1 ? ret : REAL(real_fxstat64_p, "__fxstat64", fxstat_fn)(
		ver, fd, (struct stat *)st);
}

int
__fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	bool handled;
	int ret = at_stat(dirfd, path, st, flags, &handled);

	return handled ? ret : REAL(real_fxstatat_p, "__fxstatat", fxstatat_fn)(
		ver, dirfd, path, st, flags);
}

int
__fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags)
{
	bool handled;
	int ret = at_stat(dirfd, path, (struct stat *)st, flags, &handled);

	return handled ? ret : REAL(real_fxstatat64_p, "__fxstatat64", fxstatat_fn)(
		ver, dirfd, path, (struct stat *)st, flags);
}

int
statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx)
{
	struct stat st;
	bool handled;
	int ret = at_stat(dirfd, path, &st, flags, &handled);

	if (!handled)
		return REAL(real_statx_p, "statx", statx_fn)(dirfd, path, flags, mask, stx);
	if (ret < 0)
		return ret;
	memset(stx, 0, sizeof(*stx));
	stx->stx_mask = STATX_BASIC_STATS;
	stx->stx_blksize = st.st_blksize;
	stx->stx_nlink = st.st_nlink;
	stx->stx_mode = st.st_mode;
	stx->stx_ino = st.st_ino;
	stx->stx_rdev_major = major(st.st_rdev);
	stx->stx_rdev_minor = minor(st.st_rdev);
	stx->stx_dev_major = major(st.st_dev);
	stx->stx_dev_minor = minor(st.st_dev);
	stx->stx_atime.tv_sec = st.st_atim.tv_sec;
	stx->stx_atime.tv_nsec = st.st_atim.tv_nsec;
	stx->stx_mtime = stx->stx_atime;
	stx->stx_ctime = stx->stx_atime;
	return 0;
}

static int
path_access(enum path_kind k, int mode)
{
	if (k == PATH_NODEV)
		return fail(ENOENT);
	/* 0600: nobody, root included, may execute it. */
	return (mode & X_OK) ? fail(EACCES) : 0;
}

int
access(const char *path, int mode)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);

	if (k == PATH_DEV || k == PATH_NODEV)
		return path_access(k, mode);
	return REAL(real_access_p, "access", access_fn)(path, mode);
}

int
faccessat(int dirfd, const char *path, int mode, int flags)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);

	if (k == PATH_DEV || k == PATH_NODEV)
		return path_access(k, mode);
	return REAL(real_faccessat_p, "faccessat", faccessat_fn)(dirfd, path, mode, flags);
}

static int
fopen_flags(const char *mode)
{
	int flags = mode[0] == 'r' ? O_RDONLY : O_WRONLY;

	if (strchr(mode, '+') != NULL)
		flags = O_RDWR;
	if (strchr(mode, 'e') != NULL)
		flags |= O_CLOEXEC;
	return flags;
}

static FILE *
path_fopen(enum path_kind k, unsigned int idx, const char *mode)
{
	FILE *f;
	int fd;

	if (mode == NULL) {
		errno = EINVAL;
		return NULL;
	}
	fd = path_open(k, idx, fopen_flags(mode));
	if (fd < 0)
		return NULL;
	f = fdopen(fd, mode);
	if (f == NULL) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return f;
}

FILE *
fopen(const char *path, const char *mode)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);

	if (k != PATH_OTHER)
		return path_fopen(k, idx, mode);
	return REAL(real_fopen_p, "fopen", fopen_fn)(path, mode);
}

FILE *
fopen64(const char *path, const char *mode)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);

	if (k != PATH_OTHER)
		return path_fopen(k, idx, mode);
	return REAL(real_fopen64_p, "fopen64", fopen_fn)(path, mode);
}

/* The node does not exist on disk, so libc's realpath would say ENOENT. */
static char *
path_realpath(enum path_kind k, const char *path, char *resolved)
{
	if (k == PATH_NODEV) {
		errno = ENOENT;
		return NULL;
	}
	if (resolved == NULL)
		return strdup(path);
	snprintf(resolved, PATH_MAX, "%s", path);
	return resolved;
}

char *
realpath(const char *path, char *resolved)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);

	if (k == PATH_DEV || k == PATH_NODEV)
		return path_realpath(k, path, resolved);
	return REAL(real_realpath_p, "realpath", realpath_fn)(path, resolved);
}

char *
__realpath_chk(const char *path, char *resolved, size_t resolvedlen)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);

	if (k == PATH_DEV || k == PATH_NODEV)
		return path_realpath(k, path, resolved);
	return REAL(real_realpath_chk_p, "__realpath_chk", realpath_chk_fn)(path, resolved,
									    resolvedlen);
}

/* A devtmpfs node without ACLs or labels (ls -l asks). */
#define XATTR_PATH(path, none, call) do {				\
	unsigned int idx_ = 0;						\
	enum path_kind k_ = path_kind(path, &idx_);			\
	if (k_ == PATH_NODEV)						\
		return fail(ENOENT);					\
	if (k_ == PATH_DEV)						\
		return none;						\
	return call;							\
} while (0)

ssize_t
getxattr(const char *path, const char *name, void *value, size_t size)
{
	XATTR_PATH(path, fail(ENODATA),
		   REAL(real_getxattr_p, "getxattr", getxattr_fn)(path, name, value, size));
}

ssize_t
lgetxattr(const char *path, const char *name, void *value, size_t size)
{
	XATTR_PATH(path, fail(ENODATA),
		   REAL(real_lgetxattr_p, "lgetxattr", getxattr_fn)(path, name, value, size));
}

ssize_t
listxattr(const char *path, char *list, size_t size)
{
	XATTR_PATH(path, 0, REAL(real_listxattr_p, "listxattr", listxattr_fn)(path, list, size));
}

ssize_t
llistxattr(const char *path, char *list, size_t size)
{
	XATTR_PATH(path, 0,
		   REAL(real_llistxattr_p, "llistxattr", listxattr_fn)(path, list, size));
}
