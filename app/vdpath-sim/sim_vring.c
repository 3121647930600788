/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-vq ioctls of vhost-vdpa (vhost_vdpa_vring_ioctl() and vhost_vring_ioctl(), spec
 * §2.3-§2.4, §7.3): reached only by the owner, index checked first, unknown commands ENOTTY.
 * Also the eventfd bindings (kick, call, err) and what reset and release do to them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kcmp.h>

#include "sim.h"
#include "vdp_uapi.h"
#include "sim_vhost.h"

#define BIT(n) (1ULL << (n))

/* vhost-side per-vq values nothing else reads. */
static uint32_t sim_busyloop[SIM_MAX_DEVICES][SIM_MAX_VQS];
static int sim_err_fd[SIM_MAX_DEVICES][SIM_MAX_VQS] = {
	[0 ... SIM_MAX_DEVICES - 1] = { [0 ... SIM_MAX_VQS - 1] = -1 },
};

void
sim_fd_replace(int *slot, int newfd)
{
	if (*slot >= 0)
		sim_real_close(*slot);
	*slot = newfd;
}

int
sim_eventfd_check(int fd)
{
	char link[64], target[64];
	ssize_t n;

	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -EBADF;
	target[n] = '\0';
	return strcmp(target, "anon_inode:[eventfd]") == 0 ? 0 : -EINVAL;
}

/* Do two descriptors of this process refer to one open file? (kcmp; false if unknown) */
static bool
same_file(int a, int b)
{
	pid_t pid = getpid();

	return syscall(SYS_kcmp, pid, pid, KCMP_FILE, a, b) == 0;
}

/* eventfd_fget() and a reference of our own, as vhost keeps the file, not the number. */
static int
vring_file_bind(int *slot, const void *arg)
{
	struct vhost_vring_file f;
	int ret, dup;

	memcpy(&f, arg, sizeof(f));
	if (f.fd == VHOST_FILE_UNBIND) {
		sim_fd_replace(slot, -1);
		return 0;
	}
	/*
	 * The file already bound (a restart sets its kick eventfds again): vhost sees the same
	 * file and changes nothing; checking it again through /proc took 5-40 us.
	 */
	if (*slot >= 0 && same_file(f.fd, *slot))
		return 0;
	ret = sim_eventfd_check(f.fd);
	if (ret < 0)
		return ret;
	dup = sim_fd_dup_high(f.fd);
	if (dup < 0)
		return -errno;
	sim_fd_replace(slot, dup);
	return 0;
}

static bool
vring_locked(const struct sim_dev *dev)
{
	/* 6.1 never blocked vring address/base changes after DRIVER_OK. */
	if (sim_opts.personality == SIM_PERSONALITY_LEGACY61)
		return false;
	return (dev->status & VIRTIO_CONFIG_S_DRIVER_OK) && !dev->suspended;
}

static long
vring_set_num(struct sim_dev *dev, struct sim_vq *vq, const struct vhost_vring_state *s)
{
	if (s->num == 0 || s->num > 0xffff || (s->num & (s->num - 1)) != 0)
		return -EINVAL;
	/* 6.12.111+ also bounds it by the device maximum; 6.1 does not. */
	if (sim_opts.personality != SIM_PERSONALITY_LEGACY61 && s->num > sim_opts.queue_size)
		return -EINVAL;
	(void)dev;
	vq->num = s->num;
	return 0;
}

static long
vring_set_addr(struct sim_dev *dev, struct sim_vq *vq, const void *arg)
{
	struct vhost_vring_addr a;

	memcpy(&a, arg, sizeof(a));
	if (a.flags & ~(1U << VHOST_VRING_F_LOG))
		return -EOPNOTSUPP;
	if ((a.avail_user_addr & 1) || (a.used_user_addr & 3) || (a.log_guest_addr & 3))
		return -EINVAL;
	if (vring_locked(dev))
		return -EINVAL;
	vq->desc = a.desc_user_addr;
	vq->avail = a.avail_user_addr;
	vq->used = a.used_user_addr;
	return 0;
}

static long
vring_set_base(struct sim_dev *dev, struct sim_vq *vq, const struct vhost_vring_state *s)
{
	bool packed = (dev->drv_features & BIT(VIRTIO_F_RING_PACKED)) != 0;

	/* Split: last_avail_idx only. Packed: avail and used halves with their wrap bits. */
	if (!packed && s->num > 0xffff)
		return -EINVAL;
	if (vring_locked(dev))
		return -EINVAL;
	vq->base = s->num;
	return 0;
}

static long
vring_ioctl_group(struct sim_dev *dev, unsigned long req, uint32_t idx, void *arg)
{
	struct vhost_vring_state s;
	bool legacy = sim_opts.personality == SIM_PERSONALITY_LEGACY61;

	memcpy(&s, arg, sizeof(s));
	switch (req) {
	case VHOST_VDPA_GET_VRING_GROUP:
		s.num = sim_vq_group(dev, idx);
		memcpy(arg, &s, sizeof(s));
		return 0;
	case VHOST_VDPA_GET_VRING_DESC_GROUP:
		if (legacy)
			return -ENOTTY;
		if (!(dev->backend_offered & BIT(VHOST_BACKEND_F_DESC_ASID)))
			return -EOPNOTSUPP;
		s.num = sim_vq_group(dev, idx);
		memcpy(arg, &s, sizeof(s));
		return 0;
	case VHOST_VDPA_SET_GROUP_ASID:
		/* 6.1 leaves the group bound to the parent, which rejects it the same way. */
		if (s.index >= SIM_NGROUPS || s.num >= SIM_NAS)
			return -EINVAL;
		dev->group_asid[s.index] = s.num;
		return 0;
	case VHOST_VDPA_GET_VRING_SIZE:
		/* vdpa_sim implements get_vq_size only in its non-batch ops table. */
		return legacy ? -ENOTTY : -EOPNOTSUPP;
	default:
		return 1;
	}
}

long
sim_vring_ioctl(struct sim_dev *dev, unsigned long req, void *arg)
{
	struct vhost_vring_state s;
	struct sim_vq *vq;
	uint32_t idx, base;
	long ret;

	if (arg == NULL)
		return -EFAULT;
	memcpy(&idx, arg, sizeof(idx));
	if (idx >= dev->nvqs)
		return -ENOBUFS;
	vq = &dev->vq[idx];
	ret = vring_ioctl_group(dev, req, idx, arg);
	if (ret <= 0)
		return ret;
	switch (req) {
	case VHOST_VDPA_SET_VRING_ENABLE:
		memcpy(&s, arg, sizeof(s));
		/* set_vq_ready cannot fail; the device sees the old vq->ready. */
		sim_net_queue_ready(dev, idx, s.num != 0);
		vq->ready = s.num != 0;
		return 0;
	case VHOST_SET_VRING_NUM:
		memcpy(&s, arg, sizeof(s));
		return vring_set_num(dev, vq, &s);
	case VHOST_SET_VRING_ADDR:
		return vring_set_addr(dev, vq, arg);
	case VHOST_SET_VRING_BASE:
		memcpy(&s, arg, sizeof(s));
		return vring_set_base(dev, vq, &s);
	case VHOST_GET_VRING_BASE:
		ret = sim_net_get_vq_state(dev, idx, &base);
		if (ret < 0)
			return ret;
		memcpy(&s, arg, sizeof(s));
		s.num = base;
		memcpy(arg, &s, sizeof(s));
		return 0;
	case VHOST_SET_VRING_KICK:
		ret = vring_file_bind(&vq->kick_fd, arg);
		if (ret == 0) {
			vq->kick_binds++;
			sim_thread_kicks_changed(dev);
		}
		return ret;
	case VHOST_SET_VRING_CALL:
		/* signalled through vq->call_fd itself: nothing for the thread to follow */
		return vring_file_bind(&vq->call_fd, arg);
	case VHOST_SET_VRING_ERR:
		return vring_file_bind(&sim_err_fd[dev->index][idx], arg);
	case VHOST_SET_VRING_BUSYLOOP_TIMEOUT:
		memcpy(&s, arg, sizeof(s));
		sim_busyloop[dev->index][idx] = s.num;
		return 0;
	case VHOST_GET_VRING_BUSYLOOP_TIMEOUT:
		memcpy(&s, arg, sizeof(s));
		s.num = sim_busyloop[dev->index][idx];
		memcpy(arg, &s, sizeof(s));
		return 0;
	default:
		return -ENOTTY;
	}
}

void
sim_vring_reset(struct sim_dev *dev)
{
	uint32_t i;

	for (i = 0; i < SIM_MAX_VQS; i++) {
		struct sim_vq *vq = &dev->vq[i];

		vq->desc = 0;
		vq->avail = 0;
		vq->used = 0;
		vq->base = 0;
		vq->ready = false;
		/* The device drops its callback; vhost keeps polling the kick eventfd. */
		sim_fd_replace(&vq->call_fd, -1);
	}
}

void
sim_vring_release(struct sim_dev *dev)
{
	uint32_t i;

	sim_vring_reset(dev);
	for (i = 0; i < SIM_MAX_VQS; i++) {
		sim_fd_replace(&dev->vq[i].kick_fd, -1);
		sim_fd_replace(&sim_err_fd[dev->index][i], -1);
		sim_busyloop[dev->index][i] = 0;
	}
	sim_fd_replace(&dev->config_call_fd, -1);
}
