/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vhost_vdpa devargs: every key is checked, and a bad one fails the probe with one line
 * naming the key, the value given and the values accepted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_kvargs.h>

#include "vhost_vdpa.h"
#include "vhost_vdpa_args.h"

struct args_key {
	const char *key;
	const char *accepted;
	int (*parse)(const char *v, struct vdpa_args *a);
};

static int
args_tri(const char *v, enum vdpa_tri *out)
{
	if (strcmp(v, "auto") == 0)
		*out = VDPA_AUTO;
	else if (strcmp(v, "0") == 0 || strcmp(v, "off") == 0 || strcmp(v, "no") == 0)
		*out = VDPA_OFF;
	else if (strcmp(v, "1") == 0 || strcmp(v, "on") == 0 || strcmp(v, "yes") == 0)
		*out = VDPA_ON;
	else
		return -EINVAL;
	return 0;
}

static int
args_uint(const char *v, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long x;

	if (*v == '\0' || *v == '-')
		return -EINVAL;
	errno = 0;
	x = strtoul(v, &end, 0);
	if (errno != 0 || *end != '\0' || x < lo || x > hi)
		return -EINVAL;
	*out = x;
	return 0;
}

static int
args_path(const char *v, struct vdpa_args *a)
{
	if (*v == '\0' || strlen(v) >= sizeof(a->path))
		return -EINVAL;
	strcpy(a->path, v);
	return 0;
}

static int
args_queues(const char *v, struct vdpa_args *a)
{
	unsigned long x;

	if (args_uint(v, 1, VDPA_MAX_QUEUE_PAIRS, &x) < 0)
		return -EINVAL;
	a->queues = (uint16_t)x;
	return 0;
}

static int
args_queue_size(const char *v, struct vdpa_args *a)
{
	unsigned long x;

	if (args_uint(v, 64, VDP_VIRTQ_NUM_MAX, &x) < 0 || (x & (x - 1)) != 0)
		return -EINVAL;
	a->queue_size = (uint16_t)x;
	return 0;
}

static int
args_persist(const char *v, struct vdpa_args *a)
{
	enum vdpa_tri t;

	/* parsed here rather than by lib/iotlb, whose own log line would say it twice */
	if (args_tri(v, &t) < 0)
		return -EINVAL;
	a->persist = t == VDPA_AUTO ? VDP_IOTLB_PERSIST_AUTO :
		     t == VDPA_ON ? VDP_IOTLB_PERSIST_ON : VDP_IOTLB_PERSIST_OFF;
	return 0;
}

static int
args_packed(const char *v, struct vdpa_args *a)
{
	return args_tri(v, &a->packed);
}

static int
args_mrg(const char *v, struct vdpa_args *a)
{
	return args_tri(v, &a->mrg_rxbuf);
}

static int
args_in_order(const char *v, struct vdpa_args *a)
{
	return args_tri(v, &a->in_order);
}

static int
args_event_idx(const char *v, struct vdpa_args *a)
{
	return args_tri(v, &a->event_idx);
}

static int
args_suspend(const char *v, struct vdpa_args *a)
{
	enum vdpa_tri t;

	if (args_tri(v, &t) < 0 || t == VDPA_ON)
		return -EINVAL;
	a->suspend = t;
	return 0;
}

static int
args_doorbell(const char *v, struct vdpa_args *a)
{
	if (strcmp(v, "auto") == 0)
		a->doorbell = VDPA_DOORBELL_AUTO;
	else if (strcmp(v, "mmap") == 0)
		a->doorbell = VDPA_DOORBELL_MMAP;
	else if (strcmp(v, "eventfd") == 0)
		a->doorbell = VDPA_DOORBELL_EVENTFD;
	else
		return -EINVAL;
	return 0;
}

static int
args_tx_hdr(const char *v, struct vdpa_args *a)
{
	if (strcmp(v, "auto") == 0)
		a->tx_hdr = VDPA_TX_HDR_AUTO;
	else if (strcmp(v, "inline") == 0)
		a->tx_hdr = VDPA_TX_HDR_INLINE;
	else if (strcmp(v, "shared") == 0)
		a->tx_hdr = VDPA_TX_HDR_SHARED;
	else if (strcmp(v, "frame") == 0)
		a->tx_hdr = VDPA_TX_HDR_FRAME;
	else
		return -EINVAL;
	return 0;
}

static int
args_mac(const char *v, struct vdpa_args *a)
{
	if (rte_ether_unformat_addr(v, &a->mac) < 0 || rte_is_multicast_ether_addr(&a->mac) ||
	    rte_is_zero_ether_addr(&a->mac))
		return -EINVAL;
	a->mac_set = true;
	return 0;
}

static int
args_speed(const char *v, struct vdpa_args *a)
{
	unsigned long x;

	if (args_uint(v, 1, RTE_ETH_SPEED_NUM_200G, &x) < 0)
		return -EINVAL;
	a->speed = (uint32_t)x;
	return 0;
}

static const struct args_key args_keys[] = {
	{ VDPA_ARG_PATH, "a /dev/vhost-vdpa-N path", args_path },
	{ VDPA_ARG_QUEUES, "1..16 (queue pairs)", args_queues },
	{ VDPA_ARG_QUEUE_SIZE, "a power of two, 64..32768", args_queue_size },
	{ VDPA_ARG_PERSIST, "auto, on, off", args_persist },
	{ VDPA_ARG_PACKED, "auto, 0, 1", args_packed },
	{ VDPA_ARG_MRG_RXBUF, "auto, 0, 1", args_mrg },
	{ VDPA_ARG_IN_ORDER, "auto, 0, 1", args_in_order },
	{ VDPA_ARG_EVENT_IDX, "auto, 0, 1", args_event_idx },
	{ VDPA_ARG_SUSPEND, "auto, off", args_suspend },
	{ VDPA_ARG_DOORBELL, "auto, mmap, eventfd", args_doorbell },
	{ VDPA_ARG_TX_HDR, "auto, inline, shared, frame", args_tx_hdr },
	{ VDPA_ARG_MAC, "a unicast MAC such as 02:00:00:00:00:01", args_mac },
	{ VDPA_ARG_SPEED, "link speed in Mbps, 1..200000", args_speed },
};

static void
args_defaults(struct vdpa_args *a)
{
	memset(a, 0, sizeof(*a));
	a->queues = 1;
	a->persist = VDP_IOTLB_PERSIST_AUTO;
	a->packed = VDPA_AUTO;
	a->mrg_rxbuf = VDPA_AUTO;
	a->in_order = VDPA_AUTO;
	a->event_idx = VDPA_AUTO;
	a->suspend = VDPA_AUTO;
	a->doorbell = VDPA_DOORBELL_AUTO;
	a->speed = VDPA_DEFAULT_SPEED;
}

static const struct args_key *
args_find(const char *key)
{
	size_t i;

	for (i = 0; i < RTE_DIM(args_keys); i++)
		if (strcmp(args_keys[i].key, key) == 0)
			return &args_keys[i];
	return NULL;
}

static void
args_known(char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < RTE_DIM(args_keys) && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "", args_keys[i].key);
}

int
vdpa_args_parse(const char *name, const char *str, struct vdpa_args *a)
{
	struct rte_kvargs *kv;
	char known[256];
	unsigned int i;
	int ret = 0;

	args_defaults(a);
	kv = rte_kvargs_parse(str != NULL ? str : "", NULL);
	if (kv == NULL) {
		VDPA_LOG(ERR, "%s: devargs '%s' are not key=value pairs separated by commas "
			 "(e.g. path=/dev/vhost-vdpa-0,queues=2)", name, str);
		return -EINVAL;
	}
	for (i = 0; i < kv->count; i++) {
		const struct rte_kvargs_pair *pair = &kv->pairs[i];
		const struct args_key *k = args_find(pair->key);

		if (k == NULL) {
			args_known(known, sizeof(known));
			VDPA_LOG(ERR, "%s: unknown devarg '%s'; the keys are: %s", name,
				 pair->key, known);
			ret = -EINVAL;
			goto out;
		}
		if (pair->value == NULL || k->parse(pair->value, a) < 0) {
			VDPA_LOG(ERR, "%s: devarg %s='%s' is not valid; accepted: %s", name,
				 pair->key, pair->value != NULL ? pair->value : "", k->accepted);
			ret = -EINVAL;
			goto out;
		}
	}
	if (a->path[0] == '\0') {
		VDPA_LOG(ERR, "%s: devarg path is required: the vhost-vdpa character device, "
			 "e.g. --vdev %s0,path=/dev/vhost-vdpa-0", name, VDPA_PMD_NAME);
		ret = -EINVAL;
	}
out:
	rte_kvargs_free(kv);
	return ret;
}
