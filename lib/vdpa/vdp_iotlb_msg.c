/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/vdpa: IOTLB messages, one struct vhost_msg_v2 per write() (spec §4).
 *
 * The kernel turns nearly every IOTLB failure into EFAULT, so only the caller (lib/iotlb) can
 * say what was being mapped and why it may have failed. Failures are therefore logged here at
 * DEBUG level only, and the errno is returned unchanged.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vdp_dev_priv.h"

static const char *const iotlb_type_names[VDP_IOTLB_MSG_TYPES] = {
	[VHOST_IOTLB_MISS] = "MISS",
	[VHOST_IOTLB_UPDATE] = "UPDATE",
	[VHOST_IOTLB_INVALIDATE] = "INVALIDATE",
	[VHOST_IOTLB_ACCESS_FAIL] = "ACCESS_FAIL",
	[VHOST_IOTLB_BATCH_BEGIN] = "BATCH_BEGIN",
	[VHOST_IOTLB_BATCH_END] = "BATCH_END",
};

static int VDP_COLD
iotlb_fail(const struct vdp_dev *dev, const struct vhost_msg_v2 *msg, int err, ssize_t written)
{
	const struct vhost_iotlb_msg *m = &msg->iotlb;
	const char *name = m->type < VDP_IOTLB_MSG_TYPES ? iotlb_type_names[m->type] : NULL;
	char err_buf[96];

	if (err == -EIO)
		vdp_log(VDP_LOG_DEBUG, "%s: IOTLB %s (asid %u, iova 0x%llx, size 0x%llx, uaddr "
			"0x%llx, perm %u): short write, %zd of %zu bytes", dev->path,
			name != NULL ? name : "?", msg->asid, (unsigned long long)m->iova,
			(unsigned long long)m->size, (unsigned long long)m->uaddr, m->perm,
			written, sizeof(*msg));
	else
		vdp_log(VDP_LOG_DEBUG, "%s: IOTLB %s (type %u, asid %u, iova 0x%llx, size 0x%llx, "
			"uaddr 0x%llx, perm %u) failed: %s", dev->path, name != NULL ? name : "?",
			m->type, msg->asid, (unsigned long long)m->iova,
			(unsigned long long)m->size, (unsigned long long)m->uaddr, m->perm,
			vdp_strerror(-err, err_buf, sizeof(err_buf)));
	return err;
}

int
vdp_dev_iotlb_msg(struct vdp_dev *dev, uint32_t asid, uint8_t type, uint64_t iova,
		  uint64_t size, uint64_t uaddr, uint8_t perm)
{
	struct vhost_msg_v2 msg;
	ssize_t ret;

	/* The union's unused padding goes to the kernel too: never leak stack bytes into it. */
	memset(&msg, 0, sizeof(msg));
	msg.type = VHOST_IOTLB_MSG_V2;
	msg.asid = asid;
	msg.iotlb.iova = iova;
	msg.iotlb.size = size;
	msg.iotlb.uaddr = uaddr;
	msg.iotlb.perm = perm;
	msg.iotlb.type = type;

	do {
		ret = write(dev->fd, &msg, sizeof(msg));
	} while (VDP_UNLIKELY(ret < 0 && errno == EINTR));
	if (VDP_UNLIKELY(ret < 0))
		return iotlb_fail(dev, &msg, -errno, ret);
	/* The kernel consumes one message per write and reports its full size (spec §4.2). */
	if (VDP_UNLIKELY(ret != (ssize_t)sizeof(msg)))
		return iotlb_fail(dev, &msg, -EIO, ret);
	if (type < VDP_IOTLB_MSG_TYPES)
		dev->iotlb_msgs[type]++;
	return 0;
}

int
vdp_dev_iotlb_update(struct vdp_dev *dev, uint32_t asid, uint64_t iova, uint64_t size,
		     uint64_t uaddr, uint8_t perm)
{
	return vdp_dev_iotlb_msg(dev, asid, VHOST_IOTLB_UPDATE, iova, size, uaddr, perm);
}

int
vdp_dev_iotlb_invalidate(struct vdp_dev *dev, uint32_t asid, uint64_t iova, uint64_t size)
{
	return vdp_dev_iotlb_msg(dev, asid, VHOST_IOTLB_INVALIDATE, iova, size, 0, 0);
}

int
vdp_dev_iotlb_batch_begin(struct vdp_dev *dev, uint32_t asid)
{
	return vdp_dev_iotlb_msg(dev, asid, VHOST_IOTLB_BATCH_BEGIN, 0, 0, 0, 0);
}

int
vdp_dev_iotlb_batch_end(struct vdp_dev *dev, uint32_t asid)
{
	return vdp_dev_iotlb_msg(dev, asid, VHOST_IOTLB_BATCH_END, 0, 0, 0, 0);
}

uint64_t
vdp_dev_iotlb_msgs(const struct vdp_dev *dev, uint8_t type)
{
	return type < VDP_IOTLB_MSG_TYPES ? dev->iotlb_msgs[type] : 0;
}
