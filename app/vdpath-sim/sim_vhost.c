/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vhost-vdpa character device as Linux 6.12 serves it (spec §1-§3, §6, §7, §9): open and
 * release, ownership, ioctl dispatch in the kernel's order, status and reset, config space,
 * features and backend features, suspend/resume, the doorbell mmap, and the device's view of
 * memory (sim_dma). The per-vq ioctls are in sim_vring.c, IOTLB writes in sim_iotlb.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sim.h"
#include "vdp_uapi.h"
#include "sim_vhost.h"

#define BIT(n) (1ULL << (n))
#define STATUS_DRIVER_OK VIRTIO_CONFIG_S_DRIVER_OK
#define STATUS_FEATURES_OK VIRTIO_CONFIG_S_FEATURES_OK
#define MEM_REGIONS_MAX 64	/* vhost's max_mem_regions default */

struct sim_dev sim_devs[SIM_MAX_DEVICES];

/* vhost-side state sim.h does not carry. */
struct sim_dev_priv {
	int accmode;			/* O_RDONLY / O_WRONLY / O_RDWR of the open */
	uint8_t fork_owner;		/* VHOST_SET_FORK_FROM_OWNER */
	int doorbell_fd[SIM_MAX_VQS];	/* memfd behind each vq's doorbell page, -1 */
};

static struct sim_dev_priv sim_priv[SIM_MAX_DEVICES];
static pthread_once_t sim_init_once = PTHREAD_ONCE_INIT;
static bool sim_ready;
static pid_t sim_first_opener;
static int sim_nopen;

static bool
legacy61(void)
{
	return sim_opts.personality == SIM_PERSONALITY_LEGACY61;
}

bool
sim_backend_acked(const struct sim_dev *dev, unsigned int bit)
{
	return (dev->backend_acked & BIT(bit)) != 0;
}

bool
sim_vhost_owner_ok(const struct sim_dev *dev)
{
	return dev->owner != 0 && dev->owner == getpid();
}

bool
sim_uptr_ok(const void *p)
{
	uintptr_t a = (uintptr_t)p;

	return a >= SIM_PAGE_SIZE && a < 0x800000000000ULL;
}

/*
 * The simulator's own descriptors live at the top of the fd table: the kernel holds eventfds
 * by reference, not by number, so an application must never find a number it just closed
 * taken by us (a test that probes EBADF with a freed number would see a live eventfd).
 */
int
sim_fd_dup_high(int fd)
{
	struct rlimit rl;
	int floor = 512, nfd;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		floor = rl.rlim_cur > 1024 ? (int)(rl.rlim_cur - 256) :
			(int)(rl.rlim_cur / 2);
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, floor);
	if (nfd < 0)
		nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return nfd;
}

int
sim_fd_move_high(int fd)
{
	int nfd;

	if (fd < 0)
		return fd;
	nfd = sim_fd_dup_high(fd);
	if (nfd < 0)
		return fd;
	sim_real_close(fd);
	return nfd;
}

pid_t
sim_opener_pid(void)
{
	return __atomic_load_n(&sim_first_opener, __ATOMIC_ACQUIRE);
}

static void
dev_init(struct sim_dev *dev, unsigned int index)
{
	uint32_t i;

	memset(dev, 0, sizeof(*dev));
	pthread_mutex_init(&dev->lock, NULL);
	dev->index = index;
	snprintf(dev->path, sizeof(dev->path), SIM_PATH_PREFIX "%u", index);
	dev->fd = -1;
	dev->backend_offered = sim_opts.backend_features;
	dev->dev_features = sim_opts.features;
	dev->nvqs = 2 * sim_opts.queue_pairs + 1;
	for (i = 0; i < SIM_MAX_VQS; i++) {
		dev->vq[i].kick_fd = -1;
		dev->vq[i].call_fd = -1;
		sim_priv[index].doorbell_fd[i] = -1;
	}
	dev->config_call_fd = -1;
	dev->wake_fd = -1;
	sim_priv[index].fork_owner = 1;
	sim_iotlb_init(dev);
	sim_net_init(dev);
}

static void
lib_init_once(void)
{
	char err[512];
	unsigned int i;

	sim_opts_defaults(&sim_opts);
	if (sim_opts_from_env(&sim_opts, err, sizeof(err)) < 0) {
		/* The launcher checks the same values, so this is a hand-made environment. */
		fprintf(stderr, "%s\n", err);
		exit(2);
	}
	for (i = 0; i < sim_opts.devices; i++)
		dev_init(&sim_devs[i], i);
	__atomic_store_n(&sim_ready, true, __ATOMIC_RELEASE);
	sim_stats_init();
	/* A FIFO that cannot be served is logged there; the devices work without it. */
	sim_control_start();
}

void
sim_lib_init(void)
{
	pthread_once(&sim_init_once, lib_init_once);
}

bool
sim_lib_ready(void)
{
	return __atomic_load_n(&sim_ready, __ATOMIC_ACQUIRE);
}

static void __attribute__((constructor))
sim_ctor(void)
{
	sim_lib_init();
}

struct sim_dev *
sim_dev_of_fd(int fd)
{
	unsigned int i;

	if (fd < 0 || __atomic_load_n(&sim_nopen, __ATOMIC_ACQUIRE) == 0)
		return NULL;
	for (i = 0; i < sim_opts.devices; i++)
		if (__atomic_load_n(&sim_devs[i].fd, __ATOMIC_ACQUIRE) == fd)
			return &sim_devs[i];
	return NULL;
}

/* vdpa_reset() with the vhost side untouched: the parent's vq and feature state. */
static void
dev_reset(struct sim_dev *dev)
{
	uint32_t i;

	sim_vring_reset(dev);
	for (i = 0; i < SIM_MAX_GROUPS; i++)
		dev->group_asid[i] = 0;
	dev->drv_features = 0;
	dev->features_valid = false;
	dev->status = 0;
	dev->suspended = false;
	sim_net_reset(dev);
}

int
sim_vhost_open(unsigned int index, int flags)
{
	struct sim_dev *dev = &sim_devs[index];
	pid_t none = 0;
	int fd;

	pthread_mutex_lock(&dev->lock);
	if (dev->fd >= 0) {
		pthread_mutex_unlock(&dev->lock);
		return -EBUSY;
	}
	/* A real descriptor keeps fd numbers unique; every call on it is served here. */
	fd = sim_real_open("/dev/null", O_RDWR | (flags & O_CLOEXEC), 0);
	if (fd < 0) {
		fd = -errno;
		pthread_mutex_unlock(&dev->lock);
		sim_log("%s: open: cannot get a descriptor (%s)", dev->path, strerror(-fd));
		return fd;
	}
	sim_priv[index].accmode = flags & O_ACCMODE;
	/* Open runs vhost_vdpa_reset() before the vqs exist: no CLEAN_MAP, maps untouched. */
	dev->in_batch = false;
	dev_reset(dev);
	dev->owner = 0;
	dev->backend_acked = 0;
	dev->stats.opens++;
	__atomic_compare_exchange_n(&sim_first_opener, &none, getpid(), false, __ATOMIC_RELEASE,
				    __ATOMIC_RELAXED);
	__atomic_store_n(&dev->fd, fd, __ATOMIC_RELEASE);
	__atomic_add_fetch(&sim_nopen, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&dev->lock);
	if (sim_thread_start(dev) < 0)
		sim_log("%s: the device thread did not start; the device will not process "
			"its rings", dev->path);
	if (sim_opts.trace)
		sim_trace_call(dev, "open", fd);
	return fd;
}

/* vhost_vdpa_release() (§6.4), then the descriptor itself. */
int
sim_vhost_close(struct sim_dev *dev, int fd)
{
	pthread_mutex_lock(&dev->lock);
	dev->in_batch = false;
	dev_reset(dev);
	sim_iotlb_release(dev);
	sim_vring_release(dev);
	dev->owner = 0;
	dev->backend_acked = 0;
	pthread_mutex_unlock(&dev->lock);
	sim_thread_stop(dev);
	pthread_mutex_lock(&dev->lock);
	__atomic_store_n(&dev->fd, -1, __ATOMIC_RELEASE);
	__atomic_sub_fetch(&sim_nopen, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&dev->lock);
	if (sim_opts.trace)
		sim_trace_call(dev, "close", 0);
	return sim_real_close(fd);
}

static int
put_bytes(void *arg, const void *v, size_t len)
{
	if (arg == NULL)
		return -EFAULT;
	memcpy(arg, v, len);
	return 0;
}

static int
put_u32(void *arg, uint32_t v)
{
	return put_bytes(arg, &v, sizeof(v));
}

static int
put_u64(void *arg, uint64_t v)
{
	return put_bytes(arg, &v, sizeof(v));
}

/* §3.2: no lock, no owner check in the kernel; any time, even after DRIVER_OK. */
static int
backend_features_set(struct sim_dev *dev, const void *arg)
{
	uint64_t f, offered = dev->backend_offered;

	if (arg == NULL)
		return -EFAULT;
	memcpy(&f, arg, sizeof(f));
	if (legacy61()) {
		if (f & ~(BIT(VHOST_BACKEND_F_IOTLB_MSG_V2) | BIT(VHOST_BACKEND_F_IOTLB_BATCH) |
			  BIT(VHOST_BACKEND_F_IOTLB_ASID) | BIT(VHOST_BACKEND_F_SUSPEND)))
			return -EOPNOTSUPP;
	} else if (f & ~0x1feULL) {
		return -EOPNOTSUPP;
	}
	/* The parent's ops are modelled by what it offers. */
	if ((f & BIT(VHOST_BACKEND_F_SUSPEND)) && !(offered & BIT(VHOST_BACKEND_F_SUSPEND)))
		return -EOPNOTSUPP;
	if ((f & BIT(VHOST_BACKEND_F_RESUME)) && !(offered & BIT(VHOST_BACKEND_F_RESUME)))
		return -EOPNOTSUPP;
	if ((f & BIT(VHOST_BACKEND_F_DESC_ASID)) && !(f & BIT(VHOST_BACKEND_F_IOTLB_ASID)))
		return -EINVAL;
	if ((f & BIT(VHOST_BACKEND_F_DESC_ASID)) && !(offered & BIT(VHOST_BACKEND_F_DESC_ASID)))
		return -EOPNOTSUPP;
	if ((f & BIT(VHOST_BACKEND_F_IOTLB_PERSIST)) &&
	    !(offered & BIT(VHOST_BACKEND_F_IOTLB_PERSIST)))
		return -EOPNOTSUPP;
	dev->backend_acked = f;
	return 0;
}

static int
status_set(struct sim_dev *dev, const void *arg)
{
	uint8_t s, old = dev->status;

	if (arg == NULL)
		return -EFAULT;
	memcpy(&s, arg, 1);
	if (s != 0 && (old & ~s) != 0)
		return -EINVAL;
	if (s == 0) {
		/* _compat_vdpa_reset(): an open batch stays open. */
		dev_reset(dev);
		sim_iotlb_dev_reset(dev);
		dev->stats.resets++;
		return 0;
	}
	dev->status = s;
	sim_net_status_changed(dev, old);
	return 0;
}

static int
config_hdr(const void *arg, uint32_t *off, uint32_t *len)
{
	if (arg == NULL)
		return -EFAULT;
	memcpy(off, arg, 4);
	memcpy(len, (const uint8_t *)arg + 4, 4);
	if (*len == 0 || *off > SIM_CONFIG_SIZE || *len > SIM_CONFIG_SIZE - *off)
		return -EINVAL;
	return 0;
}

static int
config_get(struct sim_dev *dev, void *arg)
{
	uint32_t off, len;
	int ret = config_hdr(arg, &off, &len);

	if (ret < 0)
		return ret;
	/* vdpa_get_config() assumes a legacy driver: set_features(0) fails but marks valid. */
	dev->features_valid = true;
	sim_net_config_read(dev);
	memcpy((uint8_t *)arg + 8, dev->config + off, len);
	return 0;
}

static int
config_set(struct sim_dev *dev, const void *arg)
{
	uint32_t off, len;
	int ret = config_hdr(arg, &off, &len);

	if (ret < 0)
		return ret;
	memcpy(dev->config + off, (const uint8_t *)arg + 8, len);
	sim_net_config_written(dev);
	return 0;
}

static int
features_set(struct sim_dev *dev, const void *arg)
{
	uint64_t f;

	if (dev->status & STATUS_FEATURES_OK)
		return -EBUSY;
	if (arg == NULL)
		return -EFAULT;
	memcpy(&f, arg, sizeof(f));
	dev->features_valid = true;
	/* vdpasim_set_driver_features(): ACCESS_PLATFORM or nothing; unknown bits dropped. */
	if (!(f & BIT(VIRTIO_F_ACCESS_PLATFORM)))
		return -EINVAL;
	dev->drv_features = f & dev->dev_features;
	return 0;
}

static int
config_call_set(struct sim_dev *dev, const void *arg)
{
	int fd, ret;

	if (arg == NULL)
		return -EFAULT;
	memcpy(&fd, arg, sizeof(fd));
	if (fd == VHOST_FILE_UNBIND) {
		sim_fd_replace(&dev->config_call_fd, -1);
		return 0;
	}
	/* 6.12.111+: a bad fd leaves the previous binding in place. */
	ret = sim_eventfd_check(fd);
	if (ret < 0)
		return ret;
	sim_fd_replace(&dev->config_call_fd, sim_fd_dup_high(fd));
	return 0;
}

static int
suspend(struct sim_dev *dev)
{
	/* 6.1 calls the parent whatever the status; 6.12 only under DRIVER_OK. */
	if (!legacy61() && !(dev->status & STATUS_DRIVER_OK))
		return 0;
	if (!(dev->backend_offered & BIT(VHOST_BACKEND_F_SUSPEND)))
		return -EOPNOTSUPP;
	dev->suspended = true;
	return 0;
}

static int
resume(struct sim_dev *dev)
{
	if (!(dev->status & STATUS_DRIVER_OK))
		return 0;
	if (!(dev->backend_offered & BIT(VHOST_BACKEND_F_RESUME)))
		return -EOPNOTSUPP;
	dev->suspended = false;
	/* Kicks that arrived while suspended were deferred, not lost. */
	sim_thread_wake(dev);
	return 0;
}

static int
mem_table_set(const void *arg)
{
	uint32_t hdr[2];

	if (arg == NULL)
		return -EFAULT;
	memcpy(hdr, arg, sizeof(hdr));
	if (hdr[1] != 0)
		return -EOPNOTSUPP;
	if (hdr[0] > MEM_REGIONS_MAX)
		return -E2BIG;
	/* Stored by vhost core and never used by vhost-vdpa. */
	return 0;
}

/* vhost_dev_ioctl(): SET_OWNER and the fork-owner pair, then owner-only. */
static long
vhost_dev_ioctl(struct sim_dev *dev, unsigned long req, void *arg)
{
	struct sim_dev_priv *priv = &sim_priv[dev->index];
	uint8_t v;

	if (req == VHOST_SET_OWNER) {
		if (dev->owner != 0)
			return -EBUSY;
		dev->owner = getpid();
		return 0;
	}
	if (!legacy61() && req == VHOST_SET_FORK_FROM_OWNER) {
		if (dev->owner != 0)
			return -EBUSY;
		if (arg == NULL)
			return -EFAULT;
		memcpy(&v, arg, 1);
		if (v > 1)
			return -EINVAL;
		priv->fork_owner = v;
		return 0;
	}
	if (!legacy61() && req == VHOST_GET_FORK_FROM_OWNER)
		return put_bytes(arg, &priv->fork_owner, 1);
	if (!sim_vhost_owner_ok(dev))
		return -EPERM;
	if (req == VHOST_SET_MEM_TABLE)
		return mem_table_set(arg);
	return sim_vring_ioctl(dev, req, arg);
}

static long
vhost_ioctl_locked(struct sim_dev *dev, unsigned long req, void *arg)
{
	struct vhost_vdpa_iova_range range;

	switch (req) {
	case VHOST_VDPA_GET_DEVICE_ID:
		return put_u32(arg, sim_opts.device_id);
	case VHOST_VDPA_GET_STATUS:
		return put_bytes(arg, &dev->status, 1);
	case VHOST_VDPA_SET_STATUS:
		return status_set(dev, arg);
	case VHOST_VDPA_GET_CONFIG:
		return config_get(dev, arg);
	case VHOST_VDPA_SET_CONFIG:
		return config_set(dev, arg);
	case VHOST_GET_FEATURES:
		return put_u64(arg, dev->dev_features);
	case VHOST_SET_FEATURES:
		return features_set(dev, arg);
	case VHOST_VDPA_GET_VRING_NUM: {
		uint16_t max = sim_opts.queue_size;

		return put_bytes(arg, &max, sizeof(max));
	}
	case VHOST_VDPA_GET_GROUP_NUM:
		return put_u32(arg, SIM_NGROUPS);
	case VHOST_VDPA_GET_AS_NUM:
		return put_u32(arg, SIM_NAS);
	case VHOST_SET_LOG_BASE:
	case VHOST_SET_LOG_FD:
		return -ENOTTY;
	case VHOST_VDPA_SET_CONFIG_CALL:
		return config_call_set(dev, arg);
	case VHOST_GET_BACKEND_FEATURES:
		return put_u64(arg, dev->backend_offered);
	case VHOST_VDPA_GET_IOVA_RANGE:
		range.first = sim_opts.iova_first;
		range.last = sim_opts.iova_last;
		return put_bytes(arg, &range, sizeof(range));
	case VHOST_VDPA_GET_CONFIG_SIZE:
		return put_u32(arg, SIM_CONFIG_SIZE);
	case VHOST_VDPA_GET_VQS_COUNT:
		return put_u32(arg, dev->nvqs);
	case VHOST_VDPA_SUSPEND:
		return suspend(dev);
	case VHOST_VDPA_RESUME:
		if (!legacy61())
			return resume(dev);
		break;
	default:
		break;
	}
	return vhost_dev_ioctl(dev, req, arg);
}

long
sim_vhost_ioctl(struct sim_dev *dev, unsigned long req, void *arg)
{
	long ret;

	/* The kernel ignores the upper 32 bits of cmd: ioctl(2) passes an unsigned int. */
	req &= 0xffffffffUL;
	/* copy_from_user() faults on the zero page and kernel addresses: same EFAULT here. */
	if (!sim_uptr_ok(arg))
		arg = NULL;
	pthread_mutex_lock(&dev->lock);
	if (req == VHOST_SET_BACKEND_FEATURES)
		ret = backend_features_set(dev, arg);
	else
		ret = vhost_ioctl_locked(dev, req, arg);
	pthread_mutex_unlock(&dev->lock);
	if (sim_opts.trace)
		sim_trace_ioctl(dev, req, arg, ret);
	return ret;
}

ssize_t
sim_vhost_read(struct sim_dev *dev)
{
	/* No read op: EINVAL, or EBADF when the fd cannot read at all. */
	ssize_t ret = sim_priv[dev->index].accmode == O_WRONLY ? -EBADF : -EINVAL;

	if (sim_opts.trace)
		sim_trace_call(dev, "read", ret);
	return ret;
}

ssize_t
sim_vhost_write(struct sim_dev *dev, const void *buf, size_t len)
{
	ssize_t ret;

	if (sim_priv[dev->index].accmode == O_RDONLY)
		ret = -EBADF;
	else if (len != 0 && !sim_uptr_ok(buf))
		ret = -EFAULT;
	else
		ret = sim_iotlb_write(dev, buf, len);
	if (sim_opts.trace)
		sim_trace_iotlb(dev, buf, len, ret);
	return ret;
}

static int
doorbell_page(struct sim_dev *dev, uint32_t idx)
{
	struct sim_dev_priv *priv = &sim_priv[dev->index];
	void *p;
	int fd, err;

	if (priv->doorbell_fd[idx] >= 0)
		return priv->doorbell_fd[idx];
	fd = sim_fd_move_high(memfd_create("vdpath-sim-doorbell", MFD_CLOEXEC));
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, SIM_PAGE_SIZE) < 0)
		goto fail;
	p = sim_real_mmap(NULL, SIM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	dev->vq[idx].doorbell = p;
	dev->vq[idx].doorbell_seen = 0;
	priv->doorbell_fd[idx] = fd;
	sim_thread_wake(dev);
	return fd;
fail:
	err = -errno;
	sim_real_close(fd);
	return err;
}

/* vhost_vdpa_mmap() (§9), checks in the kernel's order. */
void *
sim_vhost_mmap(struct sim_dev *dev, void *addr, size_t len, int prot, int flags, off_t off,
	       int fd)
{
	uint64_t idx = (uint64_t)off / SIM_PAGE_SIZE;
	int err = 0, dfd;
	void *p;

	(void)fd;
	if (off < 0 || (off & (SIM_PAGE_SIZE - 1)) != 0 || len == 0)
		err = EINVAL;
	else if ((flags & MAP_SHARED) && (prot & PROT_WRITE) &&
		 sim_priv[dev->index].accmode == O_RDONLY)
		err = EACCES;
	else if (len != SIM_PAGE_SIZE || !(flags & MAP_SHARED) || (prot & PROT_READ))
		err = EINVAL;
	else if (idx > 65535 || idx >= dev->nvqs)
		err = EINVAL;
	else if (!sim_opts.doorbell)
		err = VDP_ERRNO_ENOTSUPP;
	if (sim_opts.trace)
		sim_trace_call(dev, "mmap (doorbell)", -err);
	if (err != 0) {
		errno = err;
		return MAP_FAILED;
	}
	pthread_mutex_lock(&dev->lock);
	dfd = doorbell_page(dev, idx);
	pthread_mutex_unlock(&dev->lock);
	if (dfd < 0) {
		sim_log("%s: doorbell mmap of vq %" PRIu64 ": cannot create its page (%s)",
			dev->path, idx, strerror(-dfd));
		errno = ENOMEM;
		return MAP_FAILED;
	}
	p = sim_real_mmap(addr, len, prot, flags, dfd, 0);
	return p;
}

uint32_t
sim_vq_group(const struct sim_dev *dev, uint32_t vq_idx)
{
	/* The control vq is group 1, data vqs group 0. Like mlx5_vdpa, the control vq is vq 2
	 * until MQ is negotiated and the last vq after (vdpa_sim_net has only 3 vqs). */
	uint32_t cvq = (dev->drv_features & BIT(VIRTIO_NET_F_MQ)) ? dev->nvqs - 1 : 2;

	return vq_idx == cvq ? 1 : 0;
}

void *
sim_dma(struct sim_dev *dev, uint32_t vq_idx, uint64_t iova, uint64_t len, uint8_t perm)
{
	const struct sim_map *m;
	uint32_t asid;
	void *p;

	if (vq_idx >= dev->nvqs) {
		dev->stats.dma_faults++;
		return NULL;
	}
	asid = dev->group_asid[sim_vq_group(dev, vq_idx)];
	m = sim_iotlb_dev_map(dev, asid);
	/* Identity passthrough: the device lost the user's map. Never touch that memory. */
	p = m->identity ? NULL : sim_map_translate(m, iova, len, perm);
	if (p == NULL)
		dev->stats.dma_faults++;
	return p;
}

static void
eventfd_signal(int fd)
{
	uint64_t one = 1;

	if (fd >= 0 && sim_real_write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		sim_log("cannot signal eventfd %d: %s", fd, strerror(errno));
}

void
sim_vq_call(struct sim_dev *dev, uint32_t idx)
{
	if (idx < dev->nvqs)
		eventfd_signal(dev->vq[idx].call_fd);
}

void
sim_config_interrupt(struct sim_dev *dev)
{
	if (dev->config_call_fd < 0)
		return;
	dev->stats.config_interrupts++;
	eventfd_signal(dev->config_call_fd);
}
