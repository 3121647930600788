/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --trace on: one line per uAPI call with its result, so a user can see exactly what a client
 * (dpdk-testpmd, our PMD, QEMU ...) asked of the device and what the kernel would have answered.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "vdp_uapi.h"
#include "sim_vhost.h"

struct ioctl_name {
	unsigned long req;
	const char *name;
};

static const struct ioctl_name ioctl_names[] = {
	{ VHOST_GET_FEATURES, "GET_FEATURES" },
	{ VHOST_SET_FEATURES, "SET_FEATURES" },
	{ VHOST_SET_OWNER, "SET_OWNER" },
	{ VHOST_RESET_OWNER, "RESET_OWNER" },
	{ VHOST_SET_MEM_TABLE, "SET_MEM_TABLE" },
	{ VHOST_SET_LOG_BASE, "SET_LOG_BASE" },
	{ VHOST_SET_LOG_FD, "SET_LOG_FD" },
	{ VHOST_SET_VRING_NUM, "SET_VRING_NUM" },
	{ VHOST_SET_VRING_ADDR, "SET_VRING_ADDR" },
	{ VHOST_SET_VRING_BASE, "SET_VRING_BASE" },
	{ VHOST_GET_VRING_BASE, "GET_VRING_BASE" },
	{ VHOST_SET_VRING_KICK, "SET_VRING_KICK" },
	{ VHOST_SET_VRING_CALL, "SET_VRING_CALL" },
	{ VHOST_SET_VRING_ERR, "SET_VRING_ERR" },
	{ VHOST_SET_BACKEND_FEATURES, "SET_BACKEND_FEATURES" },
	{ VHOST_GET_BACKEND_FEATURES, "GET_BACKEND_FEATURES" },
	{ VHOST_VDPA_GET_DEVICE_ID, "VDPA_GET_DEVICE_ID" },
	{ VHOST_VDPA_GET_STATUS, "VDPA_GET_STATUS" },
	{ VHOST_VDPA_SET_STATUS, "VDPA_SET_STATUS" },
	{ VHOST_VDPA_GET_CONFIG, "VDPA_GET_CONFIG" },
	{ VHOST_VDPA_SET_CONFIG, "VDPA_SET_CONFIG" },
	{ VHOST_VDPA_SET_VRING_ENABLE, "VDPA_SET_VRING_ENABLE" },
	{ VHOST_VDPA_GET_VRING_NUM, "VDPA_GET_VRING_NUM" },
	{ VHOST_VDPA_SET_CONFIG_CALL, "VDPA_SET_CONFIG_CALL" },
	{ VHOST_VDPA_GET_IOVA_RANGE, "VDPA_GET_IOVA_RANGE" },
	{ VHOST_VDPA_GET_CONFIG_SIZE, "VDPA_GET_CONFIG_SIZE" },
	{ VHOST_VDPA_GET_AS_NUM, "VDPA_GET_AS_NUM" },
	{ VHOST_VDPA_GET_VRING_GROUP, "VDPA_GET_VRING_GROUP" },
	{ VHOST_VDPA_SET_GROUP_ASID, "VDPA_SET_GROUP_ASID" },
	{ VHOST_VDPA_SUSPEND, "VDPA_SUSPEND" },
	{ VHOST_VDPA_RESUME, "VDPA_RESUME" },
	{ VHOST_VDPA_GET_VRING_DESC_GROUP, "VDPA_GET_VRING_DESC_GROUP" },
	{ VHOST_VDPA_GET_VQS_COUNT, "VDPA_GET_VQS_COUNT" },
	{ VHOST_VDPA_GET_GROUP_NUM, "VDPA_GET_GROUP_NUM" },
	{ VHOST_VDPA_GET_VRING_SIZE, "VDPA_GET_VRING_SIZE" },
	{ VHOST_SET_FORK_FROM_OWNER, "SET_FORK_FROM_OWNER" },
	{ VHOST_GET_FORK_FROM_OWNER, "GET_FORK_FROM_OWNER" },
	{ 0, NULL },
};

static const char *
ioctl_name(unsigned long req)
{
	const struct ioctl_name *n;

	for (n = ioctl_names; n->name != NULL; n++)
		if (n->req == req)
			return n->name;
	return "unknown";
}

static const char *
result(long ret, char *buf, size_t len)
{
	if (ret >= 0)
		snprintf(buf, len, "%ld", ret);
	else
		snprintf(buf, len, "-1 %s",
			 ret == -VDP_ERRNO_ENOTSUPP ? "ENOTSUPP(524)" : strerror(-ret));
	return buf;
}

void
sim_trace_ioctl(const struct sim_dev *dev, unsigned long req, const void *arg, long ret)
{
	char r[64], a[64] = "";

	/* The first u32 or u64 of the argument is what matters for most ioctls. */
	if (arg != NULL && (req >> 16 & 0x3fff) >= 8)
		snprintf(a, sizeof(a), " arg{0x%x,0x%x}", ((const uint32_t *)arg)[0],
			 ((const uint32_t *)arg)[1]);
	else if (arg != NULL && (req >> 16 & 0x3fff) != 0)
		snprintf(a, sizeof(a), " arg 0x%x", ((const uint8_t *)arg)[0]);
	sim_log("%s: ioctl %s (0x%lx)%s -> %s", dev->path, ioctl_name(req), req, a,
		result(ret, r, sizeof(r)));
}

void
sim_trace_iotlb(const struct sim_dev *dev, const void *buf, size_t len, long ret)
{
	const uint8_t *p = buf;
	uint64_t iova = 0, size = 0, uaddr = 0;
	uint32_t ver = 0, asid = 0;
	char r[64];

	if (p == NULL || len < 40) {
		sim_log("%s: write %zu bytes -> %s", dev->path, len, result(ret, r, sizeof(r)));
		return;
	}
	memcpy(&ver, p, 4);
	memcpy(&asid, p + 4, 4);
	memcpy(&iova, p + 8, 8);
	memcpy(&size, p + 16, 8);
	memcpy(&uaddr, p + 24, 8);
	sim_log("%s: IOTLB v%u asid %u type %u iova 0x%" PRIx64 " size 0x%" PRIx64 " uaddr 0x%"
		PRIx64 " perm %u -> %s", dev->path, ver, asid, p[33], iova, size, uaddr, p[32],
		result(ret, r, sizeof(r)));
}

void
sim_trace_call(const struct sim_dev *dev, const char *what, long ret)
{
	char r[64];

	sim_log("%s: %s -> %s", dev->path, what, result(ret, r, sizeof(r)));
}
