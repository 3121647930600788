/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names of virtio-net feature bits (virtio 1.2 numbering) and the string forms of feature sets.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vdp_dev.h"
#include "vdp_names.h"

static const char *const net_feature_names[64] = {
	[0] = "CSUM",
	[1] = "GUEST_CSUM",
	[2] = "CTRL_GUEST_OFFLOADS",
	[3] = "MTU",
	[5] = "MAC",
	[6] = "GSO",
	[7] = "GUEST_TSO4",
	[8] = "GUEST_TSO6",
	[9] = "GUEST_ECN",
	[10] = "GUEST_UFO",
	[11] = "HOST_TSO4",
	[12] = "HOST_TSO6",
	[13] = "HOST_ECN",
	[14] = "HOST_UFO",
	[15] = "MRG_RXBUF",
	[16] = "STATUS",
	[17] = "CTRL_VQ",
	[18] = "CTRL_RX",
	[19] = "CTRL_VLAN",
	[20] = "CTRL_RX_EXTRA",
	[21] = "GUEST_ANNOUNCE",
	[22] = "MQ",
	[23] = "CTRL_MAC_ADDR",
	[24] = "NOTIFY_ON_EMPTY",
	[27] = "ANY_LAYOUT",
	[28] = "INDIRECT_DESC",
	[29] = "EVENT_IDX",
	[32] = "VERSION_1",
	[33] = "ACCESS_PLATFORM",
	[34] = "RING_PACKED",
	[35] = "IN_ORDER",
	[36] = "ORDER_PLATFORM",
	[37] = "SR_IOV",
	[38] = "NOTIFICATION_DATA",
	[39] = "NOTIF_CONFIG_DATA",
	[40] = "RING_RESET",
	[41] = "ADMIN_VQ",
	[50] = "DEVICE_STATS",
	[52] = "VQ_NOTF_COAL",
	[53] = "NOTF_COAL",
	[54] = "GUEST_USO4",
	[55] = "GUEST_USO6",
	[56] = "HOST_USO",
	[57] = "HASH_REPORT",
	[59] = "GUEST_HDRLEN",
	[60] = "RSS",
	[61] = "RSC_EXT",
	[62] = "STANDBY",
	[63] = "SPEED_DUPLEX",
};

static const char *const backend_names[VDP_BACKEND_F_LAST + 1] = {
	[VHOST_BACKEND_F_IOTLB_MSG_V2] = "IOTLB_MSG_V2",
	[VHOST_BACKEND_F_IOTLB_BATCH] = "IOTLB_BATCH",
	[VHOST_BACKEND_F_IOTLB_ASID] = "IOTLB_ASID",
	[VHOST_BACKEND_F_SUSPEND] = "SUSPEND",
	[VHOST_BACKEND_F_RESUME] = "RESUME",
	[VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK] = "ENABLE_AFTER_DRIVER_OK",
	[VHOST_BACKEND_F_DESC_ASID] = "DESC_ASID",
	[VHOST_BACKEND_F_IOTLB_PERSIST] = "IOTLB_PERSIST",
};

#define BIT_NAME(n)	[n] = "bit " #n
#define BIT_NAMES10(n)	BIT_NAME(n##0), BIT_NAME(n##1), BIT_NAME(n##2), BIT_NAME(n##3), \
			BIT_NAME(n##4), BIT_NAME(n##5), BIT_NAME(n##6), BIT_NAME(n##7), \
			BIT_NAME(n##8), BIT_NAME(n##9)

/* Constant strings, so that several names can be used in one printf. */
static const char *const unknown_bit_names[64] = {
	BIT_NAME(0), BIT_NAME(1), BIT_NAME(2), BIT_NAME(3), BIT_NAME(4),
	BIT_NAME(5), BIT_NAME(6), BIT_NAME(7), BIT_NAME(8), BIT_NAME(9),
	BIT_NAMES10(1), BIT_NAMES10(2), BIT_NAMES10(3), BIT_NAMES10(4), BIT_NAMES10(5),
	BIT_NAME(60), BIT_NAME(61), BIT_NAME(62), BIT_NAME(63),
};

const char *
vdp_backend_feature_name(unsigned int bit)
{
	static __thread char beyond[16];

	if (bit <= VDP_BACKEND_F_LAST && backend_names[bit] != NULL)
		return backend_names[bit];
	if (bit < 64)
		return unknown_bit_names[bit];
	snprintf(beyond, sizeof(beyond), "bit %u", bit);
	return beyond;
}

const char *
vdp_net_feature_name(unsigned int bit)
{
	return bit < 64 ? net_feature_names[bit] : NULL;
}

int
vdp_net_feature_bit(const char *name)
{
	unsigned int bit;

	if (strncasecmp(name, "VIRTIO_NET_F_", 13) == 0)
		name += 13;
	else if (strncasecmp(name, "VIRTIO_RING_F_", 14) == 0)
		name += 14;
	else if (strncasecmp(name, "VIRTIO_F_", 9) == 0)
		name += 9;
	for (bit = 0; bit < 64; bit++)
		if (net_feature_names[bit] != NULL && strcasecmp(name, net_feature_names[bit]) == 0)
			return (int)bit;
	return -1;
}

static char *
features_str(uint64_t features, const char *(*name_of)(unsigned int), char *buf, size_t len)
{
	size_t off = 0;
	unsigned int bit;
	const char *name;
	char unknown[16];
	int n;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (bit = 0; bit < 64; bit++) {
		if (!(features & (1ULL << bit)))
			continue;
		name = name_of(bit);
		if (name == NULL) {
			snprintf(unknown, sizeof(unknown), "bit %u", bit);
			name = unknown;
		}
		n = snprintf(buf + off, len - off, "%s%s", off ? "|" : "", name);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	return buf;
}

char *
vdp_net_features_str(uint64_t features, char *buf, size_t len)
{
	return features_str(features, vdp_net_feature_name, buf, len);
}

static const char *
backend_name(unsigned int bit)
{
	const char *name = vdp_backend_feature_name(bit);

	return strncmp(name, "bit ", 4) == 0 ? NULL : name;
}

char *
vdp_backend_features_str(uint64_t features, char *buf, size_t len)
{
	return features_str(features, backend_name, buf, len);
}
