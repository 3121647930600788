/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/vdpa internals shared by vdp_dev.c (handle, features, status, queries), vdp_vring.c
 * (vrings, config space, groups, doorbells) and vdp_iotlb_msg.c (IOTLB writes).
 */
#ifndef VDP_DEV_PRIV_H
#define VDP_DEV_PRIV_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "vdp_dev.h"

#define VDP_LIKELY(x)	__builtin_expect(!!(x), 1)
#define VDP_UNLIKELY(x)	__builtin_expect(!!(x), 0)
#define VDP_COLD	__attribute__((cold, noinline))

/* The kernel refuses doorbell pages beyond this vq index whatever the vq count (spec §9). */
#define VDP_VQ_INDEX_MAX	65535u

struct vdp_dev {
	int fd;
	uint8_t status;			/* last set or read; open() resets the device to 0 */
	bool suspended;			/* SUSPEND succeeded with DRIVER_OK; no reset/RESUME since */
	bool offered_known;		/* backend_offered was read */
	bool doorbell_refusal_logged;	/* the INFO line about the eventfd fallback was printed */
	uint64_t backend_offered;
	uint64_t backend_acked;		/* last successful SET_BACKEND_FEATURES */
	/* Learned from the queries (0: not asked yet); they make error hints precise. */
	uint32_t vqs;
	uint32_t config_size;
	uint32_t groups;
	uint32_t as_num;
	uint16_t vring_num_max;
	size_t page_size;
	/* Doorbell pages by vq index, NULL when not mapped; grown on demand. */
	void **doorbells;
	uint32_t doorbells_len;
	uint64_t iotlb_msgs[VDP_IOTLB_MSG_TYPES];
	char path[];
};

/* What an ioctl is, for its failure message. */
struct vdp_op {
	const char *name;	/* "VHOST_SET_VRING_NUM" */
	const char *feature;	/* EOPNOTSUPP: "the parent does not support <feature>" */
	const char *since;	/* ENOTTY: the first Linux version with the ioctl */
	bool vq;		/* the first argument is a vq index (ENOBUFS hint) */
	bool probe;		/* "not supported" is an answer, logged at INFO, not ERR */
};

/* A failing ioctl on an argument that names no vq. */
#define VDP_NO_VQ	UINT32_MAX

/* ioctl() with EINTR retried; 0 or the (non-negative) result, -errno on failure. */
static inline int
vdp_dev_ioctl(const struct vdp_dev *dev, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(dev->fd, req, arg);
	} while (VDP_UNLIKELY(ret < 0 && errno == EINTR));
	return ret < 0 ? -errno : ret;
}

/*
 * Log "<path>: <op>(<args>) failed: <strerror>[: <hint>]" and return err (negative). A NULL
 * hint picks the common one for err (owner, vq range, unsupported, kernel too old).
 */
int vdp_dev_fail(const struct vdp_dev *dev, const struct vdp_op *op, int err, uint32_t idx,
		 const char *hint, const char *fmt, ...)
	VDP_COLD __attribute__((format(printf, 6, 7)));

/* strerror() for a positive errno, naming the kernel-internal 524 that glibc does not know. */
const char *vdp_strerror(int errnum, char *buf, size_t len);

/* Doorbell pages of a closing handle. */
void vdp_dev_doorbells_release(struct vdp_dev *dev);

#endif /* VDP_DEV_PRIV_H */
