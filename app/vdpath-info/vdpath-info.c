/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdpath-info: what a vhost-vdpa device offers, as vdpath negotiates it.
 *
 *   vdpath-info [--bring-up] [--persist=auto|on|off] PATH...
 *
 * Opens each device, takes ownership, negotiates backend features the way the vdpath PMD does
 * (IOTLB_MSG_V2 and IOTLB_BATCH required; PERSIST, ASID, SUSPEND, RESUME and
 * ENABLE_AFTER_DRIVER_OK when offered) and prints the device's identity, features, limits and
 * config space. --bring-up also runs the status handshake up to FEATURES_OK and a reset, timed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vdp_dev.h"
#include "vdp_names.h"

enum persist_policy { PERSIST_AUTO, PERSIST_ON, PERSIST_OFF };

struct info_opts {
	bool bring_up;
	enum persist_policy persist;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: vdpath-info [--bring-up] [--persist=auto|on|off] PATH...\n");
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
info_negotiate(struct vdp_dev *dev, enum persist_policy persist, uint64_t *acked)
{
	uint64_t required = VDP_BACKEND(VHOST_BACKEND_F_IOTLB_MSG_V2) |
			    VDP_BACKEND(VHOST_BACKEND_F_IOTLB_BATCH);
	uint64_t wanted = VDP_BACKEND(VHOST_BACKEND_F_IOTLB_ASID) |
			  VDP_BACKEND(VHOST_BACKEND_F_SUSPEND) |
			  VDP_BACKEND(VHOST_BACKEND_F_RESUME) |
			  VDP_BACKEND(VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK);

	if (persist == PERSIST_ON)
		required |= VDP_BACKEND(VHOST_BACKEND_F_IOTLB_PERSIST);
	else if (persist == PERSIST_AUTO)
		wanted |= VDP_BACKEND(VHOST_BACKEND_F_IOTLB_PERSIST);
	return vdp_dev_negotiate_backend(dev, required, wanted, acked);
}

static void
info_print_config(struct vdp_dev *dev, const struct vdp_dev_info *info)
{
	uint8_t cfg[24] = { 0 };
	uint32_t len = info->config_size < sizeof(cfg) ? info->config_size : sizeof(cfg);
	uint16_t status, pairs, mtu;

	if (len < 12 || vdp_dev_get_config(dev, 0, cfg, len) < 0)
		return;
	status = (uint16_t)(cfg[6] | cfg[7] << 8);
	pairs = (uint16_t)(cfg[8] | cfg[9] << 8);
	mtu = (uint16_t)(cfg[10] | cfg[11] << 8);
	printf("  config:           mac %02x:%02x:%02x:%02x:%02x:%02x, link %s, "
	       "max queue pairs %u, mtu %u\n", cfg[0], cfg[1], cfg[2], cfg[3], cfg[4], cfg[5],
	       (status & 1) ? "up" : "down", pairs, mtu);
}

static void
info_print_groups(struct vdp_dev *dev, const struct vdp_dev_info *info)
{
	uint32_t idx, group;

	printf("  vq groups:        ");
	for (idx = 0; idx < info->vqs; idx++) {
		if (vdp_dev_get_vring_group(dev, idx, &group) < 0) {
			printf("(not reported)");
			break;
		}
		printf("%svq%u:%u", idx ? " " : "", idx, group);
	}
	printf("\n");
}

static int
info_bring_up(struct vdp_dev *dev, uint64_t features)
{
	uint64_t want = features & (1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_ACCESS_PLATFORM |
				    1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_NET_F_MTU |
				    1ULL << VIRTIO_NET_F_STATUS);
	double t0, t1, t2;
	uint8_t status = 0;
	char buf[512];
	int ret;

	t0 = now_us();
	ret = vdp_dev_set_status(dev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	if (ret == 0)
		ret = vdp_dev_add_status(dev, VIRTIO_CONFIG_S_DRIVER);
	if (ret == 0)
		ret = vdp_dev_set_features(dev, want);
	if (ret == 0)
		ret = vdp_dev_add_status(dev, VIRTIO_CONFIG_S_FEATURES_OK);
	if (ret == 0)
		ret = vdp_dev_get_status(dev, &status);
	if (ret < 0)
		return ret;
	if (!(status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		fprintf(stderr, "vdpath-info: %s: the device did not accept features 0x%llx\n",
			vdp_dev_path(dev), (unsigned long long)want);
		return -EINVAL;
	}
	t1 = now_us();
	ret = vdp_dev_reset(dev);
	if (ret < 0)
		return ret;
	t2 = now_us();
	printf("  bring-up:         ACKNOWLEDGE|DRIVER|FEATURES_OK with %s in %.0f us, "
	       "reset in %.0f us\n", vdp_net_features_str(want, buf, sizeof(buf)), t1 - t0,
	       t2 - t1);
	return 0;
}

static int
info_show(const char *path, const struct info_opts *o)
{
	struct vdp_dev_info info;
	struct vdp_dev *dev;
	uint64_t acked = 0;
	char buf[1024];
	int ret;

	ret = vdp_dev_open(path, &dev);
	if (ret < 0)
		return ret;
	ret = vdp_dev_set_owner(dev);
	if (ret < 0)
		goto out;
	ret = vdp_dev_query(dev, &info);
	if (ret < 0)
		goto out;
	ret = info_negotiate(dev, o->persist, &acked);
	if (ret < 0)
		goto out;
	printf("%s: %s (device id %u)\n", path, info.device_id == 1 ? "virtio-net" :
	       "not virtio-net", info.device_id);
	printf("  backend offered:  0x%llx %s\n", (unsigned long long)info.backend_offered,
	       vdp_backend_features_str(info.backend_offered, buf, sizeof(buf)));
	printf("  backend acked:    0x%llx %s\n", (unsigned long long)acked,
	       vdp_backend_features_str(acked, buf, sizeof(buf)));
	printf("  IOTLB persist:    %s\n",
	       (acked & VDP_BACKEND(VHOST_BACKEND_F_IOTLB_PERSIST)) ?
	       "acked: mappings survive device reset" :
	       (info.backend_offered & VDP_BACKEND(VHOST_BACKEND_F_IOTLB_PERSIST)) ?
	       "offered, not acked (--persist=off): unmap before reset, remap after" :
	       "not offered: unmap before reset, remap after");
	printf("  device features:  0x%llx %s\n", (unsigned long long)info.features,
	       vdp_net_features_str(info.features, buf, sizeof(buf)));
	printf("  IOVA range:       0x%llx-0x%llx\n", (unsigned long long)info.iova_first,
	       (unsigned long long)info.iova_last);
	printf("  queues:           %u vqs, max ring size %u, config space %u bytes\n", info.vqs,
	       info.vring_num_max, info.config_size);
	printf("  address spaces:   %u groups, %u address spaces\n", info.groups, info.as_num);
	info_print_groups(dev, &info);
	info_print_config(dev, &info);
	if (o->bring_up)
		ret = info_bring_up(dev, info.features);
out:
	vdp_dev_close(dev);
	return ret;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bring-up", no_argument, NULL, 'b' },
		{ "persist", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct info_opts o = { .bring_up = false, .persist = PERSIST_AUTO };
	int c, i, failed = 0;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o.bring_up = true;
			break;
		case 'p':
			if (strcmp(optarg, "auto") == 0)
				o.persist = PERSIST_AUTO;
			else if (strcmp(optarg, "on") == 0)
				o.persist = PERSIST_ON;
			else if (strcmp(optarg, "off") == 0)
				o.persist = PERSIST_OFF;
			else {
				fprintf(stderr, "vdpath-info: --persist: '%s' is not one of auto, on, off\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (i = optind; i < argc; i++)
		if (info_show(argv[i], &o) < 0)
			failed++;
	return failed ? 1 : 0;
}
