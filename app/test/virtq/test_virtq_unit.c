/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_virtq_unit: lib/virtq against a fake device, for every ring configuration.
 * Optional argument: a configuration name to run alone (e.g. "packed-inorder").
 */
#include <stdio.h>
#include <string.h>

#include "virtq_env.h"

static const struct ve_cfg ve_cfgs[] = {
	{ "split", 0 },
	{ "split-inorder", VDP_VIRTQ_F_IN_ORDER },
	{ "split-evidx", VDP_VIRTQ_F_EVENT_IDX },
	{ "split-indirect", VDP_VIRTQ_F_INDIRECT },
	{ "split-all", VDP_VIRTQ_F_IN_ORDER | VDP_VIRTQ_F_EVENT_IDX | VDP_VIRTQ_F_INDIRECT },
	{ "packed", VDP_VIRTQ_F_PACKED },
	{ "packed-inorder", VDP_VIRTQ_F_PACKED | VDP_VIRTQ_F_IN_ORDER },
	{ "packed-evidx", VDP_VIRTQ_F_PACKED | VDP_VIRTQ_F_EVENT_IDX },
	{ "packed-indirect", VDP_VIRTQ_F_PACKED | VDP_VIRTQ_F_INDIRECT },
	{ "packed-all", VDP_VIRTQ_F_PACKED | VDP_VIRTQ_F_IN_ORDER | VDP_VIRTQ_F_EVENT_IDX |
		VDP_VIRTQ_F_INDIRECT },
};

int
main(int argc, char **argv)
{
	const struct ve_cfg *cfgs = ve_cfgs;
	size_t ncfg = sizeof(ve_cfgs) / sizeof(ve_cfgs[0]), i;
	int ret = 0;

	if (argc > 1) {
		for (i = 0; i < ncfg; i++)
			if (strcmp(argv[1], ve_cfgs[i].name) == 0)
				break;
		if (i == ncfg) {
			fprintf(stderr, "test_virtq_unit: unknown configuration '%s'\n", argv[1]);
			return 2;
		}
		cfgs = &ve_cfgs[i];
		ncfg = 1;
	}
	ret += ve_run_basic(cfgs, ncfg);
	ret += ve_run_faults(cfgs, ncfg);
	ret += ve_run_chain(cfgs, ncfg);
	return ret == 0 ? 0 : 1;
}
