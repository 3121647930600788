/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/vdpa - the device: one handle per /dev/vhost-vdpa-N file descriptor.
 *
 * Every syscall on a vhost-vdpa fd lives behind this API: ioctls, IOTLB message writes and the
 * doorbell mmap. Functions return 0 (or a positive count where documented) on success and a
 * negative errno on failure; a failure is also logged through vdp_log with what was attempted,
 * the cause and, where one exists, the fix.
 *
 * Plain C11, no DPDK headers: unit-testable alone, under vdpath-sim or on a real kernel.
 */
#ifndef VDP_DEV_H
#define VDP_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vdp_uapi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vdp_dev;

/* What the device reports about itself (vdp_dev_query). */
struct vdp_dev_info {
	uint32_t device_id;		/* VIRTIO_ID_NET == 1 */
	uint64_t features;		/* VHOST_GET_FEATURES */
	uint64_t backend_offered;	/* VHOST_GET_BACKEND_FEATURES */
	uint64_t iova_first;		/* VHOST_VDPA_GET_IOVA_RANGE, inclusive */
	uint64_t iova_last;
	uint32_t config_size;		/* VHOST_VDPA_GET_CONFIG_SIZE */
	uint32_t vqs;			/* VHOST_VDPA_GET_VQS_COUNT */
	uint16_t vring_num_max;		/* VHOST_VDPA_GET_VRING_NUM */
	uint32_t groups;		/* VHOST_VDPA_GET_GROUP_NUM */
	uint32_t as_num;		/* VHOST_VDPA_GET_AS_NUM */
};

/* Log levels, numerically equal to DPDK's RTE_LOG_* levels. */
enum vdp_log_level {
	VDP_LOG_ERR = 4,
	VDP_LOG_WARNING = 5,
	VDP_LOG_NOTICE = 6,
	VDP_LOG_INFO = 7,
	VDP_LOG_DEBUG = 8,
};

typedef void (*vdp_log_fn)(enum vdp_log_level level, const char *msg, void *arg);

/*
 * Route the libraries' log lines (no trailing newline) to fn; NULL restores the default, which
 * prints to stderr at levels up to the one set with vdp_log_set_level (default VDP_LOG_NOTICE).
 */
void vdp_log_set_handler(vdp_log_fn fn, void *arg);
void vdp_log_set_level(enum vdp_log_level level);
void vdp_log(enum vdp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --- open, close, ownership ------------------------------------------------------------ */

/*
 * Open path O_RDWR. ENOENT names the missing device and says to load vhost_vdpa (and create a
 * device with `vdpa dev add`) or to run under vdpath-sim; EBUSY says another process holds it
 * (single opener); EACCES says who may open it (owner, group, mode).
 */
int vdp_dev_open(const char *path, struct vdp_dev **out);
/* Close the fd (the kernel unmaps everything and resets the device) and free the handle. */
void vdp_dev_close(struct vdp_dev *dev);
int vdp_dev_fd(const struct vdp_dev *dev);
const char *vdp_dev_path(const struct vdp_dev *dev);

int vdp_dev_set_owner(struct vdp_dev *dev);

/* All the read-only queries at once (GET_VRING_GROUP per vq is separate). */
int vdp_dev_query(struct vdp_dev *dev, struct vdp_dev_info *info);

/* --- features -------------------------------------------------------------------------- */

int vdp_dev_get_features(struct vdp_dev *dev, uint64_t *features);
int vdp_dev_set_features(struct vdp_dev *dev, uint64_t features);

int vdp_dev_get_backend_features(struct vdp_dev *dev, uint64_t *offered);
int vdp_dev_set_backend_features(struct vdp_dev *dev, uint64_t features);
/*
 * Negotiate backend features: acked = required | (wanted & offered). A required bit the device
 * does not offer fails with -ENOTSUP and a log line naming the bit. Masks are 1ULL << bit.
 */
int vdp_dev_negotiate_backend(struct vdp_dev *dev, uint64_t required, uint64_t wanted,
			      uint64_t *acked);
/* What was acked last (0 before any SET_BACKEND_FEATURES). */
uint64_t vdp_dev_backend_acked(const struct vdp_dev *dev);
/* "IOTLB_PERSIST" for bit 8, "bit N" for an unknown bit; bit is a number, not a mask. */
const char *vdp_backend_feature_name(unsigned int bit);

/* --- identity, config space, limits ----------------------------------------------------- */

int vdp_dev_get_device_id(struct vdp_dev *dev, uint32_t *id);
int vdp_dev_get_config_size(struct vdp_dev *dev, uint32_t *size);
int vdp_dev_get_config(struct vdp_dev *dev, uint32_t off, void *buf, uint32_t len);
int vdp_dev_set_config(struct vdp_dev *dev, uint32_t off, const void *buf, uint32_t len);
int vdp_dev_get_iova_range(struct vdp_dev *dev, uint64_t *first, uint64_t *last);
int vdp_dev_get_vqs_count(struct vdp_dev *dev, uint32_t *count);
int vdp_dev_get_vring_num_max(struct vdp_dev *dev, uint16_t *num);
int vdp_dev_get_vring_size(struct vdp_dev *dev, uint32_t idx, uint32_t *size);
int vdp_dev_set_config_call(struct vdp_dev *dev, int fd);

/* --- groups and address spaces ----------------------------------------------------------- */

int vdp_dev_get_group_num(struct vdp_dev *dev, uint32_t *groups);
int vdp_dev_get_as_num(struct vdp_dev *dev, uint32_t *as_num);
int vdp_dev_get_vring_group(struct vdp_dev *dev, uint32_t idx, uint32_t *group);
int vdp_dev_get_vring_desc_group(struct vdp_dev *dev, uint32_t idx, uint32_t *group);
int vdp_dev_set_group_asid(struct vdp_dev *dev, uint32_t group, uint32_t asid);

/* --- status ------------------------------------------------------------------------------- */

int vdp_dev_get_status(struct vdp_dev *dev, uint8_t *status);
/*
 * Set status. A non-zero value that clears a bit already set is refused here with -EINVAL and a
 * log line naming the bits (the kernel would refuse it too); 0 resets the device.
 */
int vdp_dev_set_status(struct vdp_dev *dev, uint8_t status);
/* Add bits to the current status (status | bits). */
int vdp_dev_add_status(struct vdp_dev *dev, uint8_t bits);
int vdp_dev_reset(struct vdp_dev *dev);
/* Status as last set or read through this handle (no syscall). */
uint8_t vdp_dev_status(const struct vdp_dev *dev);

int vdp_dev_suspend(struct vdp_dev *dev);
int vdp_dev_resume(struct vdp_dev *dev);
bool vdp_dev_suspended(const struct vdp_dev *dev);

/* --- vrings ------------------------------------------------------------------------------- */

int vdp_dev_set_vring_num(struct vdp_dev *dev, uint32_t idx, uint32_t num);
/* Addresses are IOVAs. avail must be 2-aligned, used 4-aligned. */
int vdp_dev_set_vring_addr(struct vdp_dev *dev, uint32_t idx, uint64_t desc, uint64_t avail,
			   uint64_t used);
/* Split: base = last_avail_idx. Packed: see vdp_vring_base_packed(). */
int vdp_dev_set_vring_base(struct vdp_dev *dev, uint32_t idx, uint32_t base);
int vdp_dev_get_vring_base(struct vdp_dev *dev, uint32_t idx, uint32_t *base);
/* fd -1 unbinds. */
int vdp_dev_set_vring_kick(struct vdp_dev *dev, uint32_t idx, int fd);
int vdp_dev_set_vring_call(struct vdp_dev *dev, uint32_t idx, int fd);
int vdp_dev_set_vring_enable(struct vdp_dev *dev, uint32_t idx, bool enable);

static inline uint32_t
vdp_vring_base_packed(uint16_t avail_idx, bool avail_wrap, uint16_t used_idx, bool used_wrap)
{
	return (uint32_t)(avail_idx & 0x7fff) | (uint32_t)avail_wrap << 15 |
	       (uint32_t)(used_idx & 0x7fff) << 16 | (uint32_t)used_wrap << 31;
}

/*
 * Map the doorbell page of vq idx (mmap PROT_WRITE, MAP_SHARED, offset idx * page size). On
 * success *db points at the 16-bit notify register: write the vq index there to kick. When the
 * kernel refuses (errno 524 on parents without get_vq_notification) returns -ENOTSUP and logs
 * once at info level; callers fall back to the kick eventfd.
 */
int vdp_dev_doorbell_map(struct vdp_dev *dev, uint32_t idx, volatile uint16_t **db);
void vdp_dev_doorbell_unmap(struct vdp_dev *dev, uint32_t idx);

/* --- IOTLB messages (struct vhost_msg_v2, one 72-byte write each) ------------------------- */

/* Any IOTLB message; returns 0 or the negative errno of write() (mostly -EFAULT). */
int vdp_dev_iotlb_msg(struct vdp_dev *dev, uint32_t asid, uint8_t type, uint64_t iova,
		      uint64_t size, uint64_t uaddr, uint8_t perm);
int vdp_dev_iotlb_update(struct vdp_dev *dev, uint32_t asid, uint64_t iova, uint64_t size,
			 uint64_t uaddr, uint8_t perm);
int vdp_dev_iotlb_invalidate(struct vdp_dev *dev, uint32_t asid, uint64_t iova, uint64_t size);
int vdp_dev_iotlb_batch_begin(struct vdp_dev *dev, uint32_t asid);
int vdp_dev_iotlb_batch_end(struct vdp_dev *dev, uint32_t asid);

/* Messages written through this handle, by type (index = VHOST_IOTLB_* type, 0..6). */
uint64_t vdp_dev_iotlb_msgs(const struct vdp_dev *dev, uint8_t type);

#ifdef __cplusplus
}
#endif

#endif /* VDP_DEV_H */
