/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/vdpa: the handle (open, close, ownership), features and backend features, the read-only
 * queries, and the status state machine (status, reset, suspend, resume).
 *
 * Wrappers cost one ioctl on success: no allocation, no formatting. Everything that explains a
 * failure lives in cold paths.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vdp_dev_priv.h"

#define VDP_OWNER_HINT "not the owner: call vdp_dev_set_owner first / " \
	"a forked child or secondary process cannot use the device"

/* --- failure messages ---------------------------------------------------------------------- */

const char *
vdp_strerror(int errnum, char *buf, size_t len)
{
	if (errnum == VDP_ERRNO_ENOTSUPP) {
		snprintf(buf, len, "Operation not supported by the parent (errno 524, ENOTSUPP)");
		return buf;
	}
	/* glibc 2.32+ strerror is thread-safe, unknown codes included (per-thread buffer). */
	return strerror(errnum);
}

static const char *
fail_hint_common(const struct vdp_dev *dev, const struct vdp_op *op, int err, uint32_t idx,
		 char *buf, size_t len)
{
	switch (-err) {
	case EPERM:
		return VDP_OWNER_HINT;
	case ENOBUFS:
		if (!op->vq)
			return NULL;
		if (dev->vqs != 0)
			snprintf(buf, len, "vq index %u out of range (device has %u vqs)", idx,
				 dev->vqs);
		else
			snprintf(buf, len, "vq index %u out of range (device vq count not read yet: "
				 "see vdp_dev_get_vqs_count)", idx);
		return buf;
	case EOPNOTSUPP:
		if (op->feature == NULL)
			return NULL;
		snprintf(buf, len, "the parent does not support %s", op->feature);
		return buf;
	case ENOTTY:
		if (op->since != NULL)
			snprintf(buf, len, "the running kernel does not know this ioctl (it needs "
				 "Linux %s or later), or this is not a vhost-vdpa node", op->since);
		else
			snprintf(buf, len, "this is not a vhost-vdpa node, or its kernel does not "
				 "implement this ioctl");
		return buf;
	default:
		return NULL;
	}
}

int
vdp_dev_fail(const struct vdp_dev *dev, const struct vdp_op *op, int err, uint32_t idx,
	     const char *hint, const char *fmt, ...)
{
	char args[160], hint_buf[192], err_buf[96];
	enum vdp_log_level level = VDP_LOG_ERR;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	if (hint == NULL)
		hint = fail_hint_common(dev, op, err, idx, hint_buf, sizeof(hint_buf));
	if (op->probe && (err == -EOPNOTSUPP || err == -ENOTTY))
		level = VDP_LOG_INFO;
	vdp_log(level, "%s: %s(%s) failed: %s%s%s", dev->path, op->name, args,
		vdp_strerror(-err, err_buf, sizeof(err_buf)), hint != NULL ? ": " : "",
		hint != NULL ? hint : "");
	return err;
}

/* --- open, close, ownership ---------------------------------------------------------------- */

static const char *
file_type_name(mode_t mode)
{
	if (S_ISREG(mode))
		return "a regular file";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISLNK(mode))
		return "a symbolic link";
	return "not a device node";
}

static int VDP_COLD
open_fail(const char *path, int err, const struct stat *st, bool have_st)
{
	char err_buf[96];

	switch (err) {
	case ENOENT:
		vdp_log(VDP_LOG_ERR, "%s: no such vhost-vdpa device: load the vhost_vdpa module and "
			"create a device (vdpa dev add ...), or run under vdpath-sim", path);
		break;
	case EBUSY:
		vdp_log(VDP_LOG_ERR, "%s is busy: it is already open (in another process, or by "
			"another port of this one) and a vhost-vdpa device has a single opener", path);
		break;
	case EACCES:
	case EPERM:
		if (have_st)
			vdp_log(VDP_LOG_ERR, "%s: permission denied: the node belongs to uid %u gid %u "
				"with mode %04o and this process runs as uid %u gid %u: run as root "
				"or change the node's permissions (chown/chmod, or a udev rule)",
				path, (unsigned int)st->st_uid, (unsigned int)st->st_gid,
				(unsigned int)(st->st_mode & 07777), (unsigned int)geteuid(),
				(unsigned int)getegid());
		else
			vdp_log(VDP_LOG_ERR, "%s: permission denied: run as root or change the "
				"node's permissions", path);
		break;
	case ENODEV:
	case ENXIO:
		vdp_log(VDP_LOG_ERR, "%s: cannot open: %s: no device behind the node (removed, or "
			"no longer bound to vhost_vdpa?)", path,
			vdp_strerror(err, err_buf, sizeof(err_buf)));
		break;
	default:
		vdp_log(VDP_LOG_ERR, "%s: cannot open: %s", path,
			vdp_strerror(err, err_buf, sizeof(err_buf)));
		break;
	}
	return -err;
}

int
vdp_dev_open(const char *path, struct vdp_dev **out)
{
	struct vdp_dev *dev;
	struct stat st;
	size_t path_len;
	long page;
	int fd;

	if (path == NULL || out == NULL) {
		vdp_log(VDP_LOG_ERR, "vdp_dev_open: %s is NULL", path == NULL ? "path" : "out");
		return -EINVAL;
	}
	*out = NULL;

	/*
	 * stat() first so that a wrong path (a regular file, a directory) is refused without
	 * opening it, and so that a permission failure can name the owner and mode.
	 */
	if (stat(path, &st) < 0)
		return open_fail(path, errno, NULL, false);
	if (!S_ISCHR(st.st_mode)) {
		vdp_log(VDP_LOG_ERR, "%s is not a character device (it is %s): give the path of a "
			"vhost-vdpa node, /dev/vhost-vdpa-N", path, file_type_name(st.st_mode));
		return -ENODEV;
	}

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return open_fail(path, errno, &st, true);

	path_len = strlen(path);
	dev = calloc(1, sizeof(*dev) + path_len + 1);
	if (dev == NULL) {
		vdp_log(VDP_LOG_ERR, "%s: cannot allocate the device handle: out of memory", path);
		close(fd);
		return -ENOMEM;
	}
	memcpy(dev->path, path, path_len + 1);
	dev->fd = fd;
	page = sysconf(_SC_PAGESIZE);
	dev->page_size = page > 0 ? (size_t)page : 4096;
	/* vhost-vdpa resets the device in open(): the status starts at 0. */
	dev->status = 0;
	*out = dev;
	return 0;
}

void
vdp_dev_close(struct vdp_dev *dev)
{
	if (dev == NULL)
		return;
	vdp_dev_doorbells_release(dev);
	/* close() is final for the fd even when it reports an error, so there is no retry. */
	close(dev->fd);
	free(dev);
}

int
vdp_dev_fd(const struct vdp_dev *dev)
{
	return dev->fd;
}

const char *
vdp_dev_path(const struct vdp_dev *dev)
{
	return dev->path;
}

int
vdp_dev_set_owner(struct vdp_dev *dev)
{
	static const struct vdp_op op = { .name = "VHOST_SET_OWNER" };
	int ret;

	ret = vdp_dev_ioctl(dev, VHOST_SET_OWNER, NULL);
	if (VDP_LIKELY(ret >= 0))
		return 0;
	return vdp_dev_fail(dev, &op, ret, VDP_NO_VQ, ret == -EBUSY ?
			    "the device already has an owner: SET_OWNER is done once per open" :
			    NULL, "%s", "");
}

/* --- features ------------------------------------------------------------------------------ */

int
vdp_dev_get_features(struct vdp_dev *dev, uint64_t *features)
{
	static const struct vdp_op op = { .name = "VHOST_GET_FEATURES" };
	uint64_t val;
	int ret;

	ret = vdp_dev_ioctl(dev, VHOST_GET_FEATURES, &val);
	if (VDP_UNLIKELY(ret < 0))
		return vdp_dev_fail(dev, &op, ret, VDP_NO_VQ, NULL, "%s", "");
	*features = val;
	return 0;
}

static int VDP_COLD
set_features_fail(struct vdp_dev *dev, int ret, uint64_t features)
{
	static const struct vdp_op op = { .name = "VHOST_SET_FEATURES" };
	const uint64_t required = (1ULL << VIRTIO_F_VERSION_1) |
				  (1ULL << VIRTIO_F_ACCESS_PLATFORM);
	const char *hint = NULL;
	char buf[192];

	if (ret == -EBUSY) {
		hint = "FEATURES_OK is already set: features can only change after a reset";
	} else if (ret == -EINVAL && (features & required) != required) {
		snprintf(buf, sizeof(buf), "the parent rejected them: vhost-vdpa parents need "
			 "VERSION_1 (bit 32) and ACCESS_PLATFORM (bit 33), missing 0x%llx",
			 (unsigned long long)(required & ~features));
		hint = buf;
	} else if (ret == -EINVAL) {
		hint = "the parent rejected this feature set: offer only bits from "
		       "vdp_dev_get_features";
	}
	return vdp_dev_fail(dev, &op, ret, VDP_NO_VQ, hint, "0x%llx",
			    (unsigned long long)features);
}

int
vdp_dev_set_features(struct vdp_dev *dev, uint64_t features)
{
	int ret;

	ret = vdp_dev_ioctl(dev, VHOST_SET_FEATURES, &features);
	if (VDP_UNLIKELY(ret < 0))
		return set_features_fail(dev, ret, features);
	return 0;
}

/* --- backend features ---------------------------------------------------------------------- */

/* Why a device would not offer a bit (spec §3.1), for the negotiation failure. */
static const char *const backend_why[VDP_BACKEND_F_LAST + 1] = {
	[VHOST_BACKEND_F_IOTLB_MSG_V2] = "every vhost-vdpa kernel offers it: is this a vhost-vdpa "
		"node?",
	[VHOST_BACKEND_F_IOTLB_BATCH] = "every vhost-vdpa kernel offers it: is this a vhost-vdpa "
		"node?",
	[VHOST_BACKEND_F_IOTLB_ASID] = "every 6.x vhost-vdpa kernel offers it: is this a "
		"vhost-vdpa node?",
	[VHOST_BACKEND_F_SUSPEND] = "the parent has no suspend operation",
	[VHOST_BACKEND_F_RESUME] = "it needs Linux 6.3+ and a parent with a resume operation",
	[VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK] = "only the parent reports it",
	[VHOST_BACKEND_F_DESC_ASID] = "it needs Linux 6.7+ and a parent with descriptor groups",
	[VHOST_BACKEND_F_IOTLB_PERSIST] = "it needs Linux 6.7+ and a parent with reset_map or a "
		"platform IOMMU",
};

int
vdp_dev_get_backend_features(struct vdp_dev *dev, uint64_t *offered)
{
	static const struct vdp_op op = { .name = "VHOST_GET_BACKEND_FEATURES" };
	uint64_t val;
	int ret;

	ret = vdp_dev_ioctl(dev, VHOST_GET_BACKEND_FEATURES, &val);
	if (VDP_UNLIKELY(ret < 0))
		return vdp_dev_fail(dev, &op, ret, VDP_NO_VQ, NULL, "%s", "");
	dev->backend_offered = val;
	dev->offered_known = true;
	*offered = val;
	return 0;
}

static int VDP_COLD
set_backend_fail(struct vdp_dev *dev, int ret, uint64_t features)
{
	static const struct vdp_op op = { .name = "VHOST_SET_BACKEND_FEATURES" };
	const uint64_t known = ((VDP_BACKEND(VDP_BACKEND_F_LAST) << 1) - 1) & ~1ULL;
	/* The kernel accepts ENABLE_AFTER_DRIVER_OK whether or not it was offered (spec §3.2). */
	const uint64_t free_bits = VDP_BACKEND(VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK);
	const char *hint = NULL;
	unsigned int bit;
	uint64_t bad;
	char buf[192];

	if (ret == -EOPNOTSUPP) {
		bad = features & ~known;
		if (bad == 0 && dev->offered_known)
			bad = features & ~dev->backend_offered & ~free_bits;
		if (bad != 0) {
			bit = (unsigned int)__builtin_ctzll(bad);
			if (bit > VDP_BACKEND_F_LAST)
				snprintf(buf, sizeof(buf), "bit %u is not a backend feature of "
					 "Linux 6.12 (bits 1..%u)", bit, VDP_BACKEND_F_LAST);
			else
				snprintf(buf, sizeof(buf), "the device does not offer %s (bit "
					 "%u)%s", vdp_backend_feature_name(bit), bit,
					 dev->offered_known ? "" : "; read the offer with "
					 "vdp_dev_get_backend_features");
			hint = buf;
		}
	} else if (ret == -EINVAL &&
		   (features & VDP_BACKEND(VHOST_BACKEND_F_DESC_ASID)) != 0 &&
		   (features & VDP_BACKEND(VHOST_BACKEND_F_IOTLB_ASID)) == 0) {
		hint = "DESC_ASID needs IOTLB_ASID acked with it";
	}
	return vdp_dev_fail(dev, &op, ret, VDP_NO_VQ, hint, "0x%llx",
			    (unsigned long long)features);
}

int
vdp_dev_set_backend_features(struct vdp_dev *dev, uint64_t features)
{
	int ret;

	ret = vdp_dev_ioctl(dev, VHOST_SET_BACKEND_FEATURES, &features);
	if (VDP_UNLIKELY(ret < 0))
		return set_backend_fail(dev, ret, features);
	dev->backend_acked = features;
	return 0;
}

int
vdp_dev_negotiate_backend(struct vdp_dev *dev, uint64_t required, uint64_t wanted,
			  uint64_t *acked)
{
	uint64_t offered, missing, value;
	unsigned int bit;
	int ret;

	ret = vdp_dev_get_backend_features(dev, &offered);
	if (ret < 0)
		return ret;
	missing = required & ~offered;
	if (missing != 0) {
		bit = (unsigned int)__builtin_ctzll(missing);
		vdp_log(VDP_LOG_ERR, "%s: device does not offer required backend feature %s "
			"(bit %u); offered 0x%llx%s%s", dev->path, vdp_backend_feature_name(bit),
			bit, (unsigned long long)offered,
			bit <= VDP_BACKEND_F_LAST && backend_why[bit] != NULL ? ": " : "",
			bit <= VDP_BACKEND_F_LAST && backend_why[bit] != NULL ?
			backend_why[bit] : "");
		return -ENOTSUP;
	}
	value = required | (wanted & offered);
	ret = vdp_dev_set_backend_features(dev, value);
	if (ret < 0)
		return ret;
	if (acked != NULL)
		*acked = value;
	return 0;
}

uint64_t
vdp_dev_backend_acked(const struct vdp_dev *dev)
{
	return dev->backend_acked;
}

/* --- identity and limits ------------------------------------------------------------------- */

/* The read-only u32 queries share one shape. */
static int
get_u32(struct vdp_dev *dev, const struct vdp_op *op, unsigned long req, uint32_t *out)
{
	uint32_t val;
	int ret;

	ret = vdp_dev_ioctl(dev, req, &val);
	if (VDP_UNLIKELY(ret < 0))
		return vdp_dev_fail(dev, op, ret, VDP_NO_VQ, NULL, "%s", "");
	*out = val;
	return 0;
}

int
vdp_dev_get_device_id(struct vdp_dev *dev, uint32_t *id)
{
	static const struct vdp_op op = { .name = "VHOST_VDPA_GET_DEVICE_ID" };

	return get_u32(dev, &op, VHOST_VDPA_GET_DEVICE_ID, id);
}

int
vdp_dev_get_config_size(struct vdp_dev *dev, uint32_t *size)
{
	static const struct vdp_op op = { .name = "VHOST_VDPA_GET_CONFIG_SIZE" };
	int ret;

	ret = get_u32(dev, &op, VHOST_VDPA_GET_CONFIG_SIZE, size);
	if (ret == 0)
		dev->config_size = *size;
	return ret;
}

int
vdp_dev_get_vqs_count(struct vdp_dev *dev, uint32_t *count)
{
	static const struct vdp_op op = { .name = "VHOST_VDPA_GET_VQS_COUNT" };
	int ret;

	ret = get_u32(dev, &op, VHOST_VDPA_GET_VQS_COUNT, count);
	if (ret == 0)
		dev->vqs = *count;
	return ret;
}

int
vdp_dev_get_group_num(struct vdp_dev *dev, uint32_t *groups)
{
	static const struct vdp_op op = { .name = "VHOST_VDPA_GET_GROUP_NUM" };
	int ret;

	ret = get_u32(dev, &op, VHOST_VDPA_GET_GROUP_NUM, groups);
	if (ret == 0)
		dev->groups = *groups;
	return ret;
}

int
vdp_dev_get_as_num(struct vdp_dev *dev, uint32_t *as_num)
{
	static const struct vdp_op op = { .name = "VHOST_VDPA_GET_AS_NUM" };
	int ret;

	ret = get_u32(dev, &op, VHOST_VDPA_GET_AS_NUM, as_num);
	if (ret == 0)
		dev->as_num = *as_num;
	return ret;
}

int
vdp_dev_get_iova_range(struct vdp_dev *dev, uint64_t *first, uint64_t *last)
{
	static const struct vdp_op op = { .name = "VHOST_VDPA_GET_IOVA_RANGE" };
	struct vhost_vdpa_iova_range range;
	int ret;

	ret = vdp_dev_ioctl(dev, VHOST_VDPA_GET_IOVA_RANGE, &range);
	if (VDP_UNLIKELY(ret < 0))
		return vdp_dev_fail(dev, &op, ret, VDP_NO_VQ, NULL, "%s", "");
	*first = range.first;
	*last = range.last;
	return 0;
}

int
vdp_dev_get_vring_num_max(struct vdp_dev *dev, uint16_t *num)
{
	static const struct vdp_op op = { .name = "VHOST_VDPA_GET_VRING_NUM" };
	uint16_t val;
	int ret;

	ret = vdp_dev_ioctl(dev, VHOST_VDPA_GET_VRING_NUM, &val);
	if (VDP_UNLIKELY(ret < 0))
		return vdp_dev_fail(dev, &op, ret, VDP_NO_VQ, NULL, "%s", "");
	dev->vring_num_max = val;
	*num = val;
	return 0;
}

int
vdp_dev_query(struct vdp_dev *dev, struct vdp_dev_info *info)
{
	struct vdp_dev_info res;
	int ret;

	memset(&res, 0, sizeof(res));
	ret = vdp_dev_get_device_id(dev, &res.device_id);
	if (ret == 0)
		ret = vdp_dev_get_features(dev, &res.features);
	if (ret == 0)
		ret = vdp_dev_get_backend_features(dev, &res.backend_offered);
	if (ret == 0)
		ret = vdp_dev_get_iova_range(dev, &res.iova_first, &res.iova_last);
	if (ret == 0)
		ret = vdp_dev_get_config_size(dev, &res.config_size);
	if (ret == 0)
		ret = vdp_dev_get_vqs_count(dev, &res.vqs);
	if (ret == 0)
		ret = vdp_dev_get_vring_num_max(dev, &res.vring_num_max);
	if (ret == 0)
		ret = vdp_dev_get_group_num(dev, &res.groups);
	if (ret == 0)
		ret = vdp_dev_get_as_num(dev, &res.as_num);
	if (ret < 0)
		return ret;
	*info = res;
	return 0;
}

/* --- status -------------------------------------------------------------------------------- */

/* "DRIVER_OK|FEATURES_OK" for a set of status bits. */
static const char *
status_bits_str(uint8_t bits, char *buf, size_t len)
{
	static const char *const names[8] = {
		"ACKNOWLEDGE", "DRIVER", "DRIVER_OK", "FEATURES_OK",
		"0x10", "0x20", "NEEDS_RESET", "FAILED",
	};
	size_t off = 0;
	unsigned int bit;
	int n;

	buf[0] = '\0';
	for (bit = 0; bit < 8; bit++) {
		if (!(bits & (1u << bit)))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? "|" : "", names[bit]);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	return buf;
}

int
vdp_dev_get_status(struct vdp_dev *dev, uint8_t *status)
{
	static const struct vdp_op op = { .name = "VHOST_VDPA_GET_STATUS" };
	uint8_t val;
	int ret;

	ret = vdp_dev_ioctl(dev, VHOST_VDPA_GET_STATUS, &val);
	if (VDP_UNLIKELY(ret < 0))
		return vdp_dev_fail(dev, &op, ret, VDP_NO_VQ, NULL, "%s", "");
	dev->status = val;
	*status = val;
	return 0;
}

static int VDP_COLD
set_status_refuse(struct vdp_dev *dev, uint8_t status)
{
	char cleared[96], now[96];

	vdp_log(VDP_LOG_ERR, "%s: VHOST_VDPA_SET_STATUS(0x%02x) refused: it would clear status "
		"bits 0x%02x (%s) that are set now (status 0x%02x: %s); a non-zero status must "
		"keep every set bit: reset with vdp_dev_reset first", dev->path, status,
		dev->status & ~status, status_bits_str(dev->status & ~status, cleared,
		sizeof(cleared)), dev->status, status_bits_str(dev->status, now, sizeof(now)));
	return -EINVAL;
}

static int VDP_COLD
set_status_fail(struct vdp_dev *dev, int ret, uint8_t status)
{
	static const struct vdp_op op = { .name = "VHOST_VDPA_SET_STATUS" };
	const char *hint = NULL;

	if (ret == -EINVAL && status != 0)
		hint = "the device holds status bits this value clears (it may have set "
		       "NEEDS_RESET): read it with vdp_dev_get_status, or reset";
	else if (status == 0)
		hint = "the parent failed to reset the device";
	return vdp_dev_fail(dev, &op, ret, VDP_NO_VQ, hint, "0x%02x", status);
}

int
vdp_dev_set_status(struct vdp_dev *dev, uint8_t status)
{
	int ret;

	/* The kernel refuses the same (spec §7.2); refusing here names the bits. */
	if (VDP_UNLIKELY(status != 0 && (dev->status & ~status) != 0))
		return set_status_refuse(dev, status);
	ret = vdp_dev_ioctl(dev, VHOST_VDPA_SET_STATUS, &status);
	if (VDP_UNLIKELY(ret < 0))
		return set_status_fail(dev, ret, status);
	dev->status = status;
	/* A reset ends a suspension (the kernel clears its flag in the same path). */
	if (status == 0)
		dev->suspended = false;
	return 0;
}

int
vdp_dev_add_status(struct vdp_dev *dev, uint8_t bits)
{
	return vdp_dev_set_status(dev, dev->status | bits);
}

int
vdp_dev_reset(struct vdp_dev *dev)
{
	return vdp_dev_set_status(dev, 0);
}

uint8_t
vdp_dev_status(const struct vdp_dev *dev)
{
	return dev->status;
}

int
vdp_dev_suspend(struct vdp_dev *dev)
{
	static const struct vdp_op op = {
		.name = "VHOST_VDPA_SUSPEND", .feature = "suspend",
	};
	int ret;

	ret = vdp_dev_ioctl(dev, VHOST_VDPA_SUSPEND, NULL);
	if (VDP_UNLIKELY(ret < 0))
		return vdp_dev_fail(dev, &op, ret, VDP_NO_VQ, NULL, "%s", "");
	/* Without DRIVER_OK the kernel returns 0 and does nothing. */
	if (dev->status & VIRTIO_CONFIG_S_DRIVER_OK)
		dev->suspended = true;
	return 0;
}

int
vdp_dev_resume(struct vdp_dev *dev)
{
	static const struct vdp_op op = {
		.name = "VHOST_VDPA_RESUME", .feature = "resume", .since = "6.3",
	};
	int ret;

	ret = vdp_dev_ioctl(dev, VHOST_VDPA_RESUME, NULL);
	if (VDP_UNLIKELY(ret < 0))
		return vdp_dev_fail(dev, &op, ret, VDP_NO_VQ, NULL, "%s", "");
	dev->suspended = false;
	return 0;
}

bool
vdp_dev_suspended(const struct vdp_dev *dev)
{
	return dev->suspended;
}
