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

/* The library is built with hidden visibility: only the libc entry points below are seen. */
#define SIM_EXPORT __attribute__((visibility("default")))

#define PROC_DEVICES "/proc/devices"
#define PROCDEV_MAX 16384

enum path_kind {
	PATH_OTHER,	/* not ours: libc */
	PATH_DEV,	/* a simulated device */
	PATH_NODEV,	/* /dev/vhost-vdpa-<anything else>: ENOENT */
	PATH_PROCDEV,	/* /proc/devices with our major added */
};

/* Slots for libc's functions, filled on first use: real_<name>_p for entry point <name>. */
static void *real_open_p, *real_open64_p, *real_openat_p, *real_openat64_p;
static void *real___open_2_p, *real___open64_2_p, *real___openat_2_p, *real___openat64_2_p;
static void *real_close_p, *real___close_p, *real_ioctl_p, *real_write_p, *real_read_p;
static void *real_mmap_p, *real_mmap64_p;
static void *real_stat_p, *real_stat64_p, *real_lstat_p, *real_lstat64_p;
static void *real_fstat_p, *real_fstat64_p, *real_fstatat_p, *real_fstatat64_p;
static void *real___xstat_p, *real___xstat64_p, *real___lxstat_p, *real___lxstat64_p;
static void *real___fxstat_p, *real___fxstat64_p, *real___fxstatat_p, *real___fxstatat64_p;
static void *real_statx_p, *real_access_p, *real_faccessat_p;
static void *real_fopen_p, *real_fopen64_p, *real_realpath_p, *real___realpath_chk_p;
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
typedef int (*close_fn)(int);
typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*read_fn)(int, void *, size_t);
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*stat_fn)(const char *, struct stat *);
typedef int (*statx_fn)(int, const char *, int, unsigned int, struct statx *);

/*
 * Define libc entry point NAME (exported: the preload library hides everything else). OURS is
 * an expression of the parameters that is true when the call is the simulator's, with the
 * result stored in ret_; otherwise libc's NAME is called with ARGS.
 */
#define INTERPOSE(type, name, params, args, ...)				\
SIM_EXPORT type									\
name params									\
{										\
	type ret_;								\
										\
	if (__VA_ARGS__)							\
		return ret_;							\
	return ((type (*) params)real_sym(&real_##name##_p, #name)) args;	\
}

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

/* open's mode argument, there only with O_CREAT or O_TMPFILE; used in the variadic callee. */
#define OPEN_MODE(flags) __extension__({					\
	mode_t mode_ = 0;							\
	va_list ap_;								\
										\
	va_start(ap_, flags);							\
	if ((flags) & (O_CREAT | O_TMPFILE))					\
		mode_ = (mode_t)va_arg(ap_, int);				\
	va_end(ap_);								\
	mode_;									\
})

/* The open family (the _2 forms are _FORTIFY_SOURCE's): any path of ours, /proc/devices too. */
static bool
open_ours(const char *path, int flags, int *fd)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);

	if (k == PATH_OTHER)
		return false;
	*fd = path_open(k, idx, flags);
	return true;
}

INTERPOSE(int, open, (const char *path, int flags, ...), (path, flags, OPEN_MODE(flags)),
	  open_ours(path, flags, &ret_))
INTERPOSE(int, open64, (const char *path, int flags, ...), (path, flags, OPEN_MODE(flags)),
	  open_ours(path, flags, &ret_))
INTERPOSE(int, openat, (int dirfd, const char *path, int flags, ...),
	  (dirfd, path, flags, OPEN_MODE(flags)), open_ours(path, flags, &ret_))
INTERPOSE(int, openat64, (int dirfd, const char *path, int flags, ...),
	  (dirfd, path, flags, OPEN_MODE(flags)), open_ours(path, flags, &ret_))
INTERPOSE(int, __open_2, (const char *path, int flags), (path, flags),
	  open_ours(path, flags, &ret_))
INTERPOSE(int, __open64_2, (const char *path, int flags), (path, flags),
	  open_ours(path, flags, &ret_))
INTERPOSE(int, __openat_2, (int dirfd, const char *path, int flags), (dirfd, path, flags),
	  open_ours(path, flags, &ret_))
INTERPOSE(int, __openat64_2, (int dirfd, const char *path, int flags), (dirfd, path, flags),
	  open_ours(path, flags, &ret_))

static bool
close_ours(int fd, int *ret)
{
	struct sim_dev *dev = sim_dev_of_fd(fd);

	if (dev == NULL)
		return false;
	*ret = sim_vhost_close(dev, fd);
	return true;
}

INTERPOSE(int, close, (int fd), (fd), close_ours(fd, &ret_))
INTERPOSE(int, __close, (int fd), (fd), close_ours(fd, &ret_))

SIM_EXPORT int
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

SIM_EXPORT ssize_t
write(int fd, const void *buf, size_t len)
{
	struct sim_dev *dev = sim_dev_of_fd(fd);
	ssize_t ret;

	if (dev == NULL)
		return REAL(real_write_p, "write", write_fn)(fd, buf, len);
	ret = sim_vhost_write(dev, buf, len);
	return ret < 0 ? fail(-ret) : ret;
}

SIM_EXPORT ssize_t
read(int fd, void *buf, size_t len)
{
	struct sim_dev *dev = sim_dev_of_fd(fd);

	if (dev == NULL)
		return REAL(real_read_p, "read", read_fn)(fd, buf, len);
	return fail(-sim_vhost_read(dev));
}

static bool
mmap_ours(void *addr, size_t len, int prot, int flags, int fd, off_t off, void **ret)
{
	struct sim_dev *dev = (flags & MAP_ANONYMOUS) ? NULL : sim_dev_of_fd(fd);

	if (dev == NULL)
		return false;
	*ret = sim_vhost_mmap(dev, addr, len, prot, flags, off, fd);
	return true;
}

INTERPOSE(void *, mmap, (void *addr, size_t len, int prot, int flags, int fd, off_t off),
	  (addr, len, prot, flags, fd, off), mmap_ours(addr, len, prot, flags, fd, off, &ret_))
INTERPOSE(void *, mmap64, (void *addr, size_t len, int prot, int flags, int fd, off_t off),
	  (addr, len, prot, flags, fd, off), mmap_ours(addr, len, prot, flags, fd, off, &ret_))

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

/* How a stat-family call names its file. */
enum stat_by {
	STAT_BY_PATH,	/* stat, lstat, __xstat, __lxstat */
	STAT_BY_FD,	/* fstat, __fxstat */
	STAT_BY_AT,	/* fstatat, __fxstatat, statx: dirfd + path, or AT_EMPTY_PATH: dirfd */
};

/* struct stat64 is struct stat on x86_64, so one filler serves both (st is either). */
_Static_assert(sizeof(struct stat) == sizeof(struct stat64), "struct stat64 is struct stat");

/*
 * The whole stat family: true with *ret set when the call names one of our nodes or fds.
 * /proc/devices is not ours here: it stats like the real (empty-sized) proc file.
 */
static bool
stat_ours(enum stat_by by, int fd, const char *path, int flags, void *st, int *ret)
{
	unsigned int idx = 0;
	struct sim_dev *dev;
	enum path_kind k;

	if (by == STAT_BY_FD ||
	    (by == STAT_BY_AT && path != NULL && path[0] == '\0' && (flags & AT_EMPTY_PATH))) {
		dev = sim_dev_of_fd(fd);
		if (dev == NULL)
			return false;
		k = PATH_DEV;
		idx = dev->index;
	} else {
		k = path_kind(path, &idx);
		if (k != PATH_DEV && k != PATH_NODEV)
			return false;
	}
	if (k == PATH_NODEV)
		*ret = fail(ENOENT);
	else if (st == NULL)
		*ret = fail(EFAULT);
	else
		*ret = (stat_fill(st, idx), 0);
	return true;
}

#define STAT_PATH(path, st) stat_ours(STAT_BY_PATH, -1, path, 0, st, &ret_)
#define STAT_FD(fd, st) stat_ours(STAT_BY_FD, fd, NULL, 0, st, &ret_)
#define STAT_AT(dirfd, path, st, flags) stat_ours(STAT_BY_AT, dirfd, path, flags, st, &ret_)

INTERPOSE(int, stat, (const char *path, struct stat *st), (path, st), STAT_PATH(path, st))
INTERPOSE(int, stat64, (const char *path, struct stat64 *st), (path, st), STAT_PATH(path, st))
INTERPOSE(int, lstat, (const char *path, struct stat *st), (path, st), STAT_PATH(path, st))
INTERPOSE(int, lstat64, (const char *path, struct stat64 *st), (path, st), STAT_PATH(path, st))
INTERPOSE(int, fstat, (int fd, struct stat *st), (fd, st), STAT_FD(fd, st))
INTERPOSE(int, fstat64, (int fd, struct stat64 *st), (fd, st), STAT_FD(fd, st))
INTERPOSE(int, fstatat, (int dirfd, const char *path, struct stat *st, int flags),
	  (dirfd, path, st, flags), STAT_AT(dirfd, path, st, flags))
INTERPOSE(int, fstatat64, (int dirfd, const char *path, struct stat64 *st, int flags),
	  (dirfd, path, st, flags), STAT_AT(dirfd, path, st, flags))
/* Binaries built against glibc < 2.33 call the versioned wrappers. */
INTERPOSE(int, __xstat, (int ver, const char *path, struct stat *st), (ver, path, st),
	  STAT_PATH(path, st))
INTERPOSE(int, __xstat64, (int ver, const char *path, struct stat64 *st), (ver, path, st),
	  STAT_PATH(path, st))
INTERPOSE(int, __lxstat, (int ver, const char *path, struct stat *st), (ver, path, st),
	  STAT_PATH(path, st))
INTERPOSE(int, __lxstat64, (int ver, const char *path, struct stat64 *st), (ver, path, st),
	  STAT_PATH(path, st))
INTERPOSE(int, __fxstat, (int ver, int fd, struct stat *st), (ver, fd, st), STAT_FD(fd, st))
INTERPOSE(int, __fxstat64, (int ver, int fd, struct stat64 *st), (ver, fd, st),
	  STAT_FD(fd, st))
INTERPOSE(int, __fxstatat, (int ver, int dirfd, const char *path, struct stat *st, int flags),
	  (ver, dirfd, path, st, flags), STAT_AT(dirfd, path, st, flags))
INTERPOSE(int, __fxstatat64,
	  (int ver, int dirfd, const char *path, struct stat64 *st, int flags),
	  (ver, dirfd, path, st, flags), STAT_AT(dirfd, path, st, flags))

SIM_EXPORT int
statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx)
{
	struct stat st;
	int ret;

	if (!stat_ours(STAT_BY_AT, dirfd, path, flags, &st, &ret))
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

/*
 * What a call that only looks at a node (access, the xattrs) answers for one of ours: 0, or -1
 * with errno err (ENOENT for a device that does not exist). NODE_NOT_OURS: libc's path.
 */
#define NODE_NOT_OURS 1

static int
node_answer(const char *path, int err)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);

	if (k != PATH_DEV && k != PATH_NODEV)
		return NODE_NOT_OURS;
	if (k == PATH_NODEV)
		return fail(ENOENT);
	return err != 0 ? fail(err) : 0;
}

#define NODE_OURS(path, err) ((ret_ = node_answer(path, err)) != NODE_NOT_OURS)
/* 0600: nobody, root included, may execute it. */
#define ACCESS_ERR(mode) (((mode) & X_OK) ? EACCES : 0)

INTERPOSE(int, access, (const char *path, int mode), (path, mode),
	  NODE_OURS(path, ACCESS_ERR(mode)))
INTERPOSE(int, faccessat, (int dirfd, const char *path, int mode, int flags),
	  (dirfd, path, mode, flags), NODE_OURS(path, ACCESS_ERR(mode)))

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

/* Any path of ours, /proc/devices too. */
static bool
fopen_ours(const char *path, const char *mode, FILE **ret)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);

	if (k == PATH_OTHER)
		return false;
	*ret = path_fopen(k, idx, mode);
	return true;
}

INTERPOSE(FILE *, fopen, (const char *path, const char *mode), (path, mode),
	  fopen_ours(path, mode, &ret_))
INTERPOSE(FILE *, fopen64, (const char *path, const char *mode), (path, mode),
	  fopen_ours(path, mode, &ret_))

/* The node does not exist on disk, so libc's realpath would say ENOENT. */
static bool
realpath_ours(const char *path, char *resolved, char **ret)
{
	unsigned int idx = 0;
	enum path_kind k = path_kind(path, &idx);

	if (k != PATH_DEV && k != PATH_NODEV)
		return false;
	if (k == PATH_NODEV) {
		errno = ENOENT;
		*ret = NULL;
	} else if (resolved == NULL) {
		*ret = strdup(path);
	} else {
		snprintf(resolved, PATH_MAX, "%s", path);
		*ret = resolved;
	}
	return true;
}

INTERPOSE(char *, realpath, (const char *path, char *resolved), (path, resolved),
	  realpath_ours(path, resolved, &ret_))
INTERPOSE(char *, __realpath_chk, (const char *path, char *resolved, size_t resolvedlen),
	  (path, resolved, resolvedlen), realpath_ours(path, resolved, &ret_))

/* A devtmpfs node without ACLs or labels (ls -l asks): no attribute, an empty list. */
INTERPOSE(ssize_t, getxattr, (const char *path, const char *name, void *value, size_t size),
	  (path, name, value, size), NODE_OURS(path, ENODATA))
INTERPOSE(ssize_t, lgetxattr, (const char *path, const char *name, void *value, size_t size),
	  (path, name, value, size), NODE_OURS(path, ENODATA))
INTERPOSE(ssize_t, listxattr, (const char *path, char *list, size_t size), (path, list, size),
	  NODE_OURS(path, 0))
INTERPOSE(ssize_t, llistxattr, (const char *path, char *list, size_t size),
	  (path, list, size), NODE_OURS(path, 0))
