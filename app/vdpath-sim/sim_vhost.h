/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdpath-sim uAPI half, internal interfaces between sim_intercept.c, sim_vhost.c,
 * sim_vring.c, sim_iotlb.c and sim_stats.c. Functions returning int give 0 (or a count) on
 * success and a negative errno on failure, like the kernel handlers they mirror.
 */
#ifndef VDPATH_SIM_VHOST_H
#define VDPATH_SIM_VHOST_H

#include <stdarg.h>
#include <sys/types.h>

#include "sim.h"

#define SIM_PATH_PREFIX "/dev/vhost-vdpa-"
#define SIM_PAGE_SIZE 4096ULL
#define SIM_NGROUPS 2		/* vq group 0: data vqs, group 1: the control vq */
#define SIM_NAS 2

/* sim_intercept.c: libc's own functions, bypassing the interposition. */
int sim_real_open(const char *path, int flags, mode_t mode);
int sim_real_close(int fd);
ssize_t sim_real_read(int fd, void *buf, size_t len);
ssize_t sim_real_write(int fd, const void *buf, size_t len);
void *sim_real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
/* Character device major the simulated nodes report (and /proc/devices lists). */
unsigned int sim_major(void);

/* sim_vhost.c */
void sim_lib_init(void);			/* idempotent, thread-safe */
bool sim_lib_ready(void);
/* Device of a client fd, NULL when the fd is not a simulated device (lock-free). */
struct sim_dev *sim_dev_of_fd(int fd);
int sim_vhost_open(unsigned int index, int flags);	/* fd or -errno */
int sim_vhost_close(struct sim_dev *dev, int fd);	/* release, then close(fd) */
long sim_vhost_ioctl(struct sim_dev *dev, unsigned long req, void *arg);
ssize_t sim_vhost_read(struct sim_dev *dev);
ssize_t sim_vhost_write(struct sim_dev *dev, const void *buf, size_t len);
void *sim_vhost_mmap(struct sim_dev *dev, void *addr, size_t len, int prot, int flags,
		     off_t off, int fd);
bool sim_vhost_owner_ok(const struct sim_dev *dev);
bool sim_uptr_ok(const void *p);		/* a plausible user pointer (not EFAULT) */
uint32_t sim_vq_group(const struct sim_dev *dev, uint32_t vq_idx);
bool sim_backend_acked(const struct sim_dev *dev, unsigned int bit);
/* The pid that first opened a device in this process (0: none): stats at exit only there. */
pid_t sim_opener_pid(void);

/* sim_vring.c: the per-vq ioctls (after the owner check), eventfd binding, vq reset. */
long sim_vring_ioctl(struct sim_dev *dev, unsigned long req, void *arg);
int sim_eventfd_check(int fd);			/* 0, -EBADF, or -EINVAL (not an eventfd) */
void sim_vring_reset(struct sim_dev *dev);	/* device reset: addresses, ready, call */
void sim_vring_release(struct sim_dev *dev);	/* close: also kick, err and config call */
void sim_fd_replace(int *slot, int newfd);	/* close the old dup, store the new */

/* sim_iotlb.c */
ssize_t sim_iotlb_write(struct sim_dev *dev, const void *buf, size_t len);
void sim_iotlb_dev_reset(struct sim_dev *dev);		/* SET_STATUS(0), per personality */
void sim_iotlb_release(struct sim_dev *dev);		/* close: unmap all, reset_map */
void sim_iotlb_init(struct sim_dev *dev);		/* library load: initial device maps */
/* Entries as vdpa_sim stores them: an identity map counts 2. */
uint64_t sim_iotlb_entries(const struct sim_map *m);
bool sim_iotlb_dev_identity(const struct sim_dev *dev);
const struct sim_map *sim_iotlb_dev_map(const struct sim_dev *dev, uint32_t asid);

/* sim_trace.c: --trace lines */
void sim_trace_ioctl(const struct sim_dev *dev, unsigned long req, const void *arg, long ret);
void sim_trace_iotlb(const struct sim_dev *dev, const void *buf, size_t len, long ret);
void sim_trace_call(const struct sim_dev *dev, const char *what, long ret);

#endif /* VDPATH_SIM_VHOST_H */
