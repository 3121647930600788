/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_vdp_dev: the lib/vdpa conformance test.
 *
 * A standalone program: it opens the device path it is given and checks lib/vdpa and the
 * device against the Linux 6.12 vhost-vdpa uAPI. Under vdpath-sim it also reads the --stats
 * file to see what vhost and the device hold; on a real kernel those checks skip.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"
#include "test_stats.h"

#define T_DEFAULT_GROUPS "unit,open,ioctl,iotlb,reset,datapath"

struct t_group {
	const char *name;
	int (*run)(void);
	const char *what;
};

static const struct t_group t_groups[] = {
	{ "unit", t_run_unit, "library helpers, no device needed" },
	{ "open", t_run_open, "open, single opener, ownership, read, mmap, unknown ioctls" },
	{ "ioctl", t_run_ioctl, "every ioctl: values, state rules, error paths" },
	{ "iotlb", t_run_iotlb, "IOTLB messages, batches, ASIDs, overlap, ranges" },
	{ "fault", t_run_fault, "IOTLB fault injection (--fail-update / --max-entries)" },
	{ "reset", t_run_reset, "personality x PERSIST: vhost and device maps across reset" },
	{ "datapath", t_run_datapath, "split-ring loopback through lib/vdpa, dma faults" },
};

static void
t_usage(FILE *out, const char *prog)
{
	size_t i;

	fprintf(out,
		"usage: %s [options] [DEVICE]\n"
		"Checks lib/vdpa and DEVICE (default /dev/vhost-vdpa-0) against the Linux 6.12\n"
		"vhost-vdpa uAPI.\n"
		"  --group LIST        comma-separated groups (default " T_DEFAULT_GROUPS ")\n"
		"  --filter PATTERN    run only tests matching PATTERN (cmocka wildcard)\n"
		"  --stats FILE        vdpath-sim's stats file (also $VDP_TEST_STATS); without it\n"
		"                      stats checks skip ($VDP_TEST_NO_STATS=1 forces that)\n"
		"  --personality P     persist|platform|legacy61 (default: from the stats file)\n"
		"  --mode M            notify|poll: how the device runs (default notify)\n"
		"  --mac MAC           the MAC the device was created with\n"
		"  --iova-range F-L    the IOVA range the device reports\n"
		"  --fail-update N     the device fails its Nth IOTLB update\n"
		"  --max-entries N     the device caps each ASID at N entries\n"
		"  --doorbell          the device has doorbell pages\n"
		"  --iommu va|pa       the device maps user VAs (default) or pins pages\n"
		"groups:\n", prog);
	for (i = 0; i < sizeof(t_groups) / sizeof(t_groups[0]); i++)
		fprintf(out, "  %-10s %s\n", t_groups[i].name, t_groups[i].what);
}

static int
t_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int
t_parse_u64(const char *s, uint64_t *out)
{
	char *end;

	*out = strtoull(s, &end, 0);
	return (*s == '\0' || *end != '\0') ? -1 : 0;
}

static int
t_parse_range(const char *s, uint64_t *first, uint64_t *last)
{
	char buf[64];
	char *dash;

	snprintf(buf, sizeof(buf), "%s", s);
	dash = strchr(buf, '-');
	if (dash == NULL)
		return -1;
	*dash = '\0';
	if (t_parse_u64(buf, first) != 0 || t_parse_u64(dash + 1, last) != 0 || *first > *last)
		return -1;
	return 0;
}

static int
t_parse_args(int argc, char **argv, const char **groups, const char **filter)
{
	static const struct option longopts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "filter", required_argument, NULL, 'f' },
		{ "stats", required_argument, NULL, 's' },
		{ "personality", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "mac", required_argument, NULL, 'M' },
		{ "iova-range", required_argument, NULL, 'r' },
		{ "fail-update", required_argument, NULL, 'F' },
		{ "max-entries", required_argument, NULL, 'E' },
		{ "doorbell", no_argument, NULL, 'd' },
		{ "iommu", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int longindex = 0;
	uint64_t v;
	int c;

	t_opts.stats_path = getenv("VDP_TEST_STATS");
	while ((c = getopt_long(argc, argv, "h", longopts, &longindex)) != -1) {
		switch (c) {
		case 'g': *groups = optarg; break;
		case 'f': *filter = optarg; break;
		case 's': t_opts.stats_path = optarg; break;
		case 'p':
			if (strcmp(optarg, "persist") != 0 && strcmp(optarg, "platform") != 0 &&
			    strcmp(optarg, "legacy61") != 0)
				goto bad;
			t_opts.personality = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "notify") == 0)
				t_opts.mode = T_MODE_NOTIFY;
			else if (strcmp(optarg, "poll") == 0)
				t_opts.mode = T_MODE_POLL;
			else
				goto bad;
			break;
		case 'M':
			if (t_parse_mac(optarg, t_opts.mac) != 0)
				goto bad;
			t_opts.mac_known = true;
			break;
		case 'r':
			if (t_parse_range(optarg, &t_opts.iova_first, &t_opts.iova_last) != 0)
				goto bad;
			t_opts.iova_known = true;
			break;
		case 'F':
			if (t_parse_u64(optarg, &t_opts.fail_update) != 0 || t_opts.fail_update == 0)
				goto bad;
			break;
		case 'E':
			if (t_parse_u64(optarg, &v) != 0 || v == 0 || v > UINT32_MAX)
				goto bad;
			t_opts.max_entries = (uint32_t)v;
			break;
		case 'd': t_opts.doorbell = true; break;
		case 'i':
			if (strcmp(optarg, "va") != 0 && strcmp(optarg, "pa") != 0)
				goto bad;
			t_opts.iommu_pa = strcmp(optarg, "pa") == 0;
			break;
		case 'h':
			t_usage(stdout, argv[0]);
			exit(0);
		default:
			fprintf(stderr, "%s: unknown option; see --help\n", argv[0]);
			return -1;
		}
	}
	if (optind < argc)
		t_opts.dev_path = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "%s: more than one DEVICE given\n", argv[0]);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "%s: bad value '%s' for --%s; see --help\n", argv[0], optarg,
		longopts[longindex].name);
	return -1;
}

int
main(int argc, char **argv)
{
	const char *groups = T_DEFAULT_GROUPS;
	const char *filter = NULL;
	char list[256];
	char *name, *save = NULL;
	int failed = 0;
	size_t i;

	if (t_parse_args(argc, argv, &groups, &filter) != 0)
		return 2;
	if (filter != NULL)
		cmocka_set_test_filter(filter);
	printf("# device %s, stats %s\n", t_opts.dev_path,
	       t_stats_enabled() ? t_opts.stats_path : "off (stats checks skip)");
	snprintf(list, sizeof(list), "%s", groups);
	for (name = strtok_r(list, ",", &save); name != NULL; name = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(t_groups) / sizeof(t_groups[0]); i++)
			if (strcmp(t_groups[i].name, name) == 0)
				break;
		if (i == sizeof(t_groups) / sizeof(t_groups[0])) {
			fprintf(stderr, "%s: unknown group '%s'; see --help\n", argv[0], name);
			return 2;
		}
		failed += t_groups[i].run();
	}
	return failed == 0 ? 0 : 1;
}
