/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The map bound to a lib/vdpa device: the default ops write IOTLB messages on the device fd.
 * Kept apart from the planner so the planner and its tests never need a device.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "vdp_dev.h"
#include "vdp_iotlb_priv.h"

static int
dev_update(void *ctx, uint32_t asid, uint64_t iova, uint64_t size, uint64_t uaddr, uint8_t perm)
{
	return vdp_dev_iotlb_update(ctx, asid, iova, size, uaddr, perm);
}

static int
dev_invalidate(void *ctx, uint32_t asid, uint64_t iova, uint64_t size)
{
	return vdp_dev_iotlb_invalidate(ctx, asid, iova, size);
}

static int
dev_batch_begin(void *ctx, uint32_t asid)
{
	return vdp_dev_iotlb_batch_begin(ctx, asid);
}

static int
dev_batch_end(void *ctx, uint32_t asid)
{
	return vdp_dev_iotlb_batch_end(ctx, asid);
}

static const struct vdp_iotlb_ops dev_ops = {
	.update = dev_update,
	.invalidate = dev_invalidate,
	.batch_begin = dev_batch_begin,
	.batch_end = dev_batch_end,
};

/* Address spaces usable through this handle: without IOTLB_ASID every message is ASID 0. */
static int
dev_as_count(struct vdp_dev *dev, uint64_t acked, uint32_t *count)
{
	int ret;

	*count = 1;
	if (!(acked & VDP_BACKEND(VHOST_BACKEND_F_IOTLB_ASID)))
		return 0;
	ret = vdp_dev_get_as_num(dev, count);
	if (ret < 0)
		return ret;
	if (*count == 0)
		*count = 1;
	return 0;
}

int
vdp_iotlb_create_dev(struct vdp_dev *dev, struct vdp_iotlb **out)
{
	struct vdp_iotlb *map;
	uint64_t acked, first, last;
	uint32_t as_count;
	int ret;

	if (dev == NULL || out == NULL)
		return -EINVAL;
	acked = vdp_dev_backend_acked(dev);
	if (!(acked & VDP_BACKEND(VHOST_BACKEND_F_IOTLB_MSG_V2)))
		vdp_log(VDP_LOG_WARNING, "iotlb: %s: IOTLB_MSG_V2 is not acked (backend features "
			"%#" PRIx64 "); negotiate backend features before creating the map",
			vdp_dev_path(dev), acked);
	ret = vdp_iotlb_create(&dev_ops, dev, &map);
	if (ret < 0)
		return ret;
	vdp_iotlb_set_batch(map, acked & VDP_BACKEND(VHOST_BACKEND_F_IOTLB_BATCH));
	vdp_iotlb_set_persist(map, acked & VDP_BACKEND(VHOST_BACKEND_F_IOTLB_PERSIST));

	ret = vdp_dev_get_iova_range(dev, &first, &last);
	if (ret < 0)
		goto fail;
	ret = vdp_iotlb_set_iova_range(map, first, last);
	if (ret < 0)
		goto fail;
	ret = dev_as_count(dev, acked, &as_count);
	if (ret < 0)
		goto fail;
	ret = vdp_iotlb_set_as_count(map, as_count);
	if (ret < 0)
		goto fail;
	*out = map;
	return 0;
fail:
	vdp_log(VDP_LOG_ERR, "iotlb: %s: cannot create the IOTLB map: reading the device's IOVA "
		"range or address-space count failed (%s); see the line above",
		vdp_dev_path(dev), strerror(-ret));
	vdp_iotlb_destroy(map);
	return ret;
}
