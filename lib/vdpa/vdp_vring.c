/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/vdpa: config space, vring programming, vq groups and address spaces, doorbell pages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vdp_dev_priv.h"

/*
 * Config space moves through a stack buffer (wrappers do not allocate). Chunking a larger
 * access is harmless: off/len are arbitrary, and virtio-net config space is 24..60 bytes.
 */
#define CONFIG_CHUNK 256

struct config_buf {
	struct vhost_vdpa_config hdr;
	uint8_t data[CONFIG_CHUNK];
};

/* --- config space -------------------------------------------------------------------------- */

static int VDP_COLD
config_fail(struct vdp_dev *dev, const struct vdp_op *op, int ret, uint32_t off, uint32_t len)
{
	char buf[160];
	const char *hint = NULL;

	if (ret == -EINVAL && len == 0) {
		hint = "len is 0";
	} else if (ret == -EINVAL && dev->config_size == 0) {
		hint = "off + len beyond the config space: see vdp_dev_get_config_size";
	} else if (ret == -EINVAL) {
		snprintf(buf, sizeof(buf), "off %u + len %u exceeds the config space (%u bytes)",
			 off, len, dev->config_size);
		hint = buf;
	}
	return vdp_dev_fail(dev, op, ret, VDP_NO_VQ, hint, "off %u, len %u", off, len);
}

/* GET_CONFIG into out or SET_CONFIG from in, in CONFIG_CHUNK pieces. */
static int
config_xfer(struct vdp_dev *dev, const struct vdp_op *op, unsigned long req, uint32_t off,
	    const void *in, void *out, uint32_t len)
{
	struct config_buf cfg;
	uint32_t done = 0, n;
	int ret;

	if (VDP_UNLIKELY(len == 0))
		return config_fail(dev, op, -EINVAL, off, len);
	while (done < len) {
		n = len - done < CONFIG_CHUNK ? len - done : CONFIG_CHUNK;
		cfg.hdr.off = off + done;
		cfg.hdr.len = n;
		if (in != NULL)
			memcpy(cfg.data, (const uint8_t *)in + done, n);
		ret = vdp_dev_ioctl(dev, req, &cfg);
		if (VDP_UNLIKELY(ret < 0))
			return config_fail(dev, op, ret, off + done, n);
		if (out != NULL)
			memcpy((uint8_t *)out + done, cfg.data, n);
		done += n;
	}
	return 0;
}

int
vdp_dev_get_config(struct vdp_dev *dev, uint32_t off, void *buf, uint32_t len)
{
	static const struct vdp_op op = { .name = "VHOST_VDPA_GET_CONFIG" };

	return config_xfer(dev, &op, VHOST_VDPA_GET_CONFIG, off, NULL, buf, len);
}

int
vdp_dev_set_config(struct vdp_dev *dev, uint32_t off, const void *buf, uint32_t len)
{
	static const struct vdp_op op = { .name = "VHOST_VDPA_SET_CONFIG" };

	return config_xfer(dev, &op, VHOST_VDPA_SET_CONFIG, off, buf, NULL, len);
}

static int VDP_COLD
eventfd_fail(struct vdp_dev *dev, const struct vdp_op *op, int ret, uint32_t idx, int fd)
{
	char buf[96];
	const char *hint = NULL;

	if (ret == -EBADF || ret == -EINVAL) {
		snprintf(buf, sizeof(buf), "fd %d is not %s", fd, ret == -EBADF ?
			 "an open file descriptor" : "an eventfd");
		hint = buf;
	}
	if (idx == VDP_NO_VQ)
		return vdp_dev_fail(dev, op, ret, idx, hint, "fd %d", fd);
	return vdp_dev_fail(dev, op, ret, idx, hint, "idx %u, fd %d", idx, fd);
}

int
vdp_dev_set_config_call(struct vdp_dev *dev, int fd)
{
	static const struct vdp_op op = { .name = "VHOST_VDPA_SET_CONFIG_CALL" };
	int ret;

	ret = vdp_dev_ioctl(dev, VHOST_VDPA_SET_CONFIG_CALL, &fd);
	if (VDP_UNLIKELY(ret < 0))
		return eventfd_fail(dev, &op, ret, VDP_NO_VQ, fd);
	return 0;
}

/* --- per-vq queries ------------------------------------------------------------------------ */

/* {index in, num out} ioctls. */
static int
get_vq_state(struct vdp_dev *dev, const struct vdp_op *op, unsigned long req, uint32_t idx,
	     uint32_t *out, const char *hint_eio)
{
	struct vhost_vring_state s = { .index = idx, .num = 0 };
	int ret;

	ret = vdp_dev_ioctl(dev, req, &s);
	if (VDP_UNLIKELY(ret < 0))
		return vdp_dev_fail(dev, op, ret, idx, ret == -EIO ? hint_eio : NULL, "idx %u",
				    idx);
	*out = s.num;
	return 0;
}

/* Logs a failed {index, num} ioctl with its own hint and returns ret. */
typedef int (*set_vq_state_fail_fn)(struct vdp_dev *dev, int ret, uint32_t index, uint32_t num);

/* {index, num} in: SET_VRING_NUM, SET_VRING_BASE, SET_VRING_ENABLE, SET_GROUP_ASID. */
static inline int
set_vq_state(struct vdp_dev *dev, unsigned long req, uint32_t index, uint32_t num,
	     set_vq_state_fail_fn fail)
{
	struct vhost_vring_state s = { .index = index, .num = num };
	int ret = vdp_dev_ioctl(dev, req, &s);

	return VDP_UNLIKELY(ret < 0) ? fail(dev, ret, index, num) : 0;
}

int
vdp_dev_get_vring_size(struct vdp_dev *dev, uint32_t idx, uint32_t *size)
{
	static const struct vdp_op op = {
		.name = "VHOST_VDPA_GET_VRING_SIZE", .since = "6.9", .vq = true, .probe = true,
		.feature = "per-vq size queries (get_vq_size; vdpa_sim only with batch_mapping=0)",
	};

	return get_vq_state(dev, &op, VHOST_VDPA_GET_VRING_SIZE, idx, size, NULL);
}

int
vdp_dev_get_vring_group(struct vdp_dev *dev, uint32_t idx, uint32_t *group)
{
	static const struct vdp_op op = {
		.name = "VHOST_VDPA_GET_VRING_GROUP", .vq = true, .probe = true,
		.feature = "vq groups (get_vq_group)",
	};

	return get_vq_state(dev, &op, VHOST_VDPA_GET_VRING_GROUP, idx, group,
			    "the parent reported a group beyond its group count");
}

int
vdp_dev_get_vring_desc_group(struct vdp_dev *dev, uint32_t idx, uint32_t *group)
{
	static const struct vdp_op op = {
		.name = "VHOST_VDPA_GET_VRING_DESC_GROUP", .since = "6.7", .vq = true,
		.probe = true, .feature = "descriptor groups (get_vq_desc_group)",
	};

	return get_vq_state(dev, &op, VHOST_VDPA_GET_VRING_DESC_GROUP, idx, group,
			    "the parent reported a group beyond its group count");
}

static int VDP_COLD
set_group_asid_fail(struct vdp_dev *dev, int ret, uint32_t group, uint32_t asid)
{
	static const struct vdp_op op = {
		.name = "VHOST_VDPA_SET_GROUP_ASID", .feature = "address space assignment",
	};
	const char *hint = NULL;
	char buf[160];

	if (ret == -ENOBUFS) {
		/* vhost-vdpa checks the group number against the vq count first. */
		snprintf(buf, sizeof(buf), "group %u is not below the vq count (%u)", group,
			 dev->vqs);
		hint = buf;
	} else if (ret == -EINVAL) {
		if (dev->groups != 0 && dev->as_num != 0)
			snprintf(buf, sizeof(buf), "group %u or asid %u out of range (device has %u "
				 "groups, %u address spaces)", group, asid, dev->groups,
				 dev->as_num);
		else
			snprintf(buf, sizeof(buf), "group %u or asid %u out of range: see "
				 "vdp_dev_get_group_num and vdp_dev_get_as_num", group, asid);
		hint = buf;
	}
	return vdp_dev_fail(dev, &op, ret, VDP_NO_VQ, hint, "group %u, asid %u", group, asid);
}

int
vdp_dev_set_group_asid(struct vdp_dev *dev, uint32_t group, uint32_t asid)
{
	return set_vq_state(dev, VHOST_VDPA_SET_GROUP_ASID, group, asid, set_group_asid_fail);
}

/* --- vrings -------------------------------------------------------------------------------- */

static bool
dev_running(const struct vdp_dev *dev)
{
	return (dev->status & VIRTIO_CONFIG_S_DRIVER_OK) && !dev->suspended;
}

#define RUNNING_HINT "the device is running (DRIVER_OK) and not suspended: vdp_dev_suspend " \
	"it or reset it first"

static int VDP_COLD
set_vring_num_fail(struct vdp_dev *dev, int ret, uint32_t idx, uint32_t num)
{
	static const struct vdp_op op = { .name = "VHOST_SET_VRING_NUM", .vq = true };
	const char *hint = NULL;
	char buf[128];

	if (ret == -EINVAL) {
		if (dev->vring_num_max != 0)
			snprintf(buf, sizeof(buf), "num must be a power of two from 1 to %u (the "
				 "device maximum)", dev->vring_num_max);
		else
			snprintf(buf, sizeof(buf), "num must be a power of two no larger than the "
				 "device maximum (vdp_dev_get_vring_num_max)");
		hint = buf;
	}
	return vdp_dev_fail(dev, &op, ret, idx, hint, "idx %u, num %u", idx, num);
}

int
vdp_dev_set_vring_num(struct vdp_dev *dev, uint32_t idx, uint32_t num)
{
	return set_vq_state(dev, VHOST_SET_VRING_NUM, idx, num, set_vring_num_fail);
}

static int VDP_COLD
set_vring_addr_fail(struct vdp_dev *dev, int ret, uint32_t idx, uint64_t desc,
		    uint64_t avail, uint64_t used)
{
	static const struct vdp_op op = { .name = "VHOST_SET_VRING_ADDR", .vq = true };
	const char *hint = NULL;

	if (ret == -EINVAL) {
		if ((avail & 1) || (used & 3))
			hint = "the avail ring must be 2-byte aligned and the used ring 4-byte "
			       "aligned";
		else if (dev_running(dev))
			hint = RUNNING_HINT;
		else
			hint = "the parent rejected the ring addresses";
	}
	return vdp_dev_fail(dev, &op, ret, idx, hint,
			    "idx %u, desc 0x%llx, avail 0x%llx, used 0x%llx", idx,
			    (unsigned long long)desc, (unsigned long long)avail,
			    (unsigned long long)used);
}

int
vdp_dev_set_vring_addr(struct vdp_dev *dev, uint32_t idx, uint64_t desc, uint64_t avail,
		       uint64_t used)
{
	struct vhost_vring_addr addr = {
		.index = idx,
		.flags = 0,
		.desc_user_addr = desc,
		.used_user_addr = used,
		.avail_user_addr = avail,
		.log_guest_addr = 0,
	};
	int ret;

	ret = vdp_dev_ioctl(dev, VHOST_SET_VRING_ADDR, &addr);
	if (VDP_UNLIKELY(ret < 0))
		return set_vring_addr_fail(dev, ret, idx, desc, avail, used);
	return 0;
}

static int VDP_COLD
set_vring_base_fail(struct vdp_dev *dev, int ret, uint32_t idx, uint32_t base)
{
	static const struct vdp_op op = { .name = "VHOST_SET_VRING_BASE", .vq = true };
	const char *hint = NULL;

	if (ret == -EINVAL) {
		if (dev_running(dev))
			hint = RUNNING_HINT;
		else if (base > 0xffff)
			hint = "a split ring base is a 16-bit index (packed rings: "
			       "vdp_vring_base_packed)";
		else
			hint = "the parent rejected the ring state";
	}
	return vdp_dev_fail(dev, &op, ret, idx, hint, "idx %u, base 0x%x", idx, base);
}

int
vdp_dev_set_vring_base(struct vdp_dev *dev, uint32_t idx, uint32_t base)
{
	return set_vq_state(dev, VHOST_SET_VRING_BASE, idx, base, set_vring_base_fail);
}

int
vdp_dev_get_vring_base(struct vdp_dev *dev, uint32_t idx, uint32_t *base)
{
	static const struct vdp_op op = { .name = "VHOST_GET_VRING_BASE", .vq = true };

	return get_vq_state(dev, &op, VHOST_GET_VRING_BASE, idx, base, NULL);
}

static int
set_vring_file(struct vdp_dev *dev, const struct vdp_op *op, unsigned long req, uint32_t idx,
	       int fd)
{
	struct vhost_vring_file f = { .index = idx, .fd = fd };
	int ret;

	ret = vdp_dev_ioctl(dev, req, &f);
	if (VDP_UNLIKELY(ret < 0))
		return eventfd_fail(dev, op, ret, idx, fd);
	return 0;
}

int
vdp_dev_set_vring_kick(struct vdp_dev *dev, uint32_t idx, int fd)
{
	static const struct vdp_op op = { .name = "VHOST_SET_VRING_KICK", .vq = true };

	return set_vring_file(dev, &op, VHOST_SET_VRING_KICK, idx, fd);
}

int
vdp_dev_set_vring_call(struct vdp_dev *dev, uint32_t idx, int fd)
{
	static const struct vdp_op op = { .name = "VHOST_SET_VRING_CALL", .vq = true };

	return set_vring_file(dev, &op, VHOST_SET_VRING_CALL, idx, fd);
}

static int VDP_COLD
set_vring_enable_fail(struct vdp_dev *dev, int ret, uint32_t idx, uint32_t enable)
{
	static const struct vdp_op op = { .name = "VHOST_VDPA_SET_VRING_ENABLE", .vq = true };

	return vdp_dev_fail(dev, &op, ret, idx, NULL, "idx %u, %u", idx, enable);
}

int
vdp_dev_set_vring_enable(struct vdp_dev *dev, uint32_t idx, bool enable)
{
	return set_vq_state(dev, VHOST_VDPA_SET_VRING_ENABLE, idx, enable ? 1 : 0,
			    set_vring_enable_fail);
}

/* --- doorbell pages ------------------------------------------------------------------------ */

static int
doorbells_grow(struct vdp_dev *dev, uint32_t idx)
{
	uint32_t len = dev->doorbells_len ? dev->doorbells_len : 4;
	void **arr;

	while (len <= idx)
		len *= 2;
	arr = realloc(dev->doorbells, (size_t)len * sizeof(*arr));
	if (arr == NULL)
		return -ENOMEM;
	memset(arr + dev->doorbells_len, 0, (size_t)(len - dev->doorbells_len) * sizeof(*arr));
	dev->doorbells = arr;
	dev->doorbells_len = len;
	return 0;
}

/*
 * The kernel says "no doorbell here" in three ways (spec §9): errno 524 when the parent has no
 * get_vq_notification, ENOTSUPP-as-EOPNOTSUPP, and EINVAL when the parent's notify area is
 * not a whole page. An out-of-range index also gives EINVAL, so that case is told apart first.
 */
static int VDP_COLD
doorbell_map_fail(struct vdp_dev *dev, uint32_t idx, int err)
{
	char err_buf[96];

	if (err == EINVAL && dev->vqs != 0 && idx >= dev->vqs) {
		vdp_log(VDP_LOG_ERR, "%s: doorbell mmap of vq %u failed: vq index out of range "
			"(device has %u vqs)", dev->path, idx, dev->vqs);
		return -EINVAL;
	}
	if (err == VDP_ERRNO_ENOTSUPP || err == EOPNOTSUPP || err == EINVAL) {
		if (!dev->doorbell_refusal_logged) {
			dev->doorbell_refusal_logged = true;
			vdp_log(VDP_LOG_INFO, "%s: vq %u doorbell mmap refused (errno %d): kicks "
				"go through the eventfd", dev->path, idx, err);
		}
		return -ENOTSUP;
	}
	vdp_log(VDP_LOG_ERR, "%s: doorbell mmap of vq %u (offset %u pages) failed: %s", dev->path,
		idx, idx, vdp_strerror(err, err_buf, sizeof(err_buf)));
	return -err;
}

int
vdp_dev_doorbell_map(struct vdp_dev *dev, uint32_t idx, volatile uint16_t **db)
{
	void *page;
	int ret;

	if (idx > VDP_VQ_INDEX_MAX) {
		vdp_log(VDP_LOG_ERR, "%s: doorbell mmap of vq %u refused: vhost-vdpa has no "
			"doorbell pages beyond vq %u", dev->path, idx, VDP_VQ_INDEX_MAX);
		return -EINVAL;
	}
	if (idx < dev->doorbells_len && dev->doorbells[idx] != NULL) {
		*db = dev->doorbells[idx];
		return 0;
	}
	if (idx >= dev->doorbells_len) {
		ret = doorbells_grow(dev, idx);
		if (ret < 0) {
			vdp_log(VDP_LOG_ERR, "%s: doorbell of vq %u: cannot grow the doorbell "
				"table: out of memory", dev->path, idx);
			return ret;
		}
	}
	/* Write-only: vhost-vdpa refuses PROT_READ on the notify page. */
	page = mmap(NULL, dev->page_size, PROT_WRITE, MAP_SHARED, dev->fd,
		    (off_t)idx * (off_t)dev->page_size);
	if (page == MAP_FAILED)
		return doorbell_map_fail(dev, idx, errno);
	dev->doorbells[idx] = page;
	*db = page;
	return 0;
}

void
vdp_dev_doorbell_unmap(struct vdp_dev *dev, uint32_t idx)
{
	if (idx >= dev->doorbells_len || dev->doorbells[idx] == NULL)
		return;
	munmap(dev->doorbells[idx], dev->page_size);
	dev->doorbells[idx] = NULL;
}

void
vdp_dev_doorbells_release(struct vdp_dev *dev)
{
	uint32_t idx;

	for (idx = 0; idx < dev->doorbells_len; idx++)
		vdp_dev_doorbell_unmap(dev, idx);
	free(dev->doorbells);
	dev->doorbells = NULL;
	dev->doorbells_len = 0;
}
