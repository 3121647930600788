/* SPDX-License-Identifier: BSD-3-Clause */
/* net_vhost_vdpa devargs (vhost_vdpa_args.c). */
#ifndef VHOST_VDPA_ARGS_H
#define VHOST_VDPA_ARGS_H

#include "vhost_vdpa.h"

#define VDPA_ARG_PATH		"path"
#define VDPA_ARG_QUEUES		"queues"
#define VDPA_ARG_QUEUE_SIZE	"queue_size"
#define VDPA_ARG_PERSIST	"persist"
#define VDPA_ARG_PACKED		"packed"
#define VDPA_ARG_MRG_RXBUF	"mrg_rxbuf"
#define VDPA_ARG_IN_ORDER	"in_order"
#define VDPA_ARG_EVENT_IDX	"event_idx"
#define VDPA_ARG_SUSPEND	"suspend"
#define VDPA_ARG_DOORBELL	"doorbell"
#define VDPA_ARG_TX_HDR		"tx_hdr"
#define VDPA_ARG_MAC		"mac"
#define VDPA_ARG_SPEED		"speed"

#define VDPA_PARAM_STRING \
	VDPA_ARG_PATH "=<path> " \
	VDPA_ARG_QUEUES "=<1-16> " \
	VDPA_ARG_QUEUE_SIZE "=<64-32768> " \
	VDPA_ARG_PERSIST "=auto|on|off " \
	VDPA_ARG_PACKED "=auto|0|1 " \
	VDPA_ARG_MRG_RXBUF "=auto|0|1 " \
	VDPA_ARG_IN_ORDER "=auto|0|1 " \
	VDPA_ARG_EVENT_IDX "=auto|0|1 " \
	VDPA_ARG_SUSPEND "=auto|off " \
	VDPA_ARG_DOORBELL "=auto|mmap|eventfd " \
	VDPA_ARG_TX_HDR "=auto|inline|shared|frame " \
	VDPA_ARG_MAC "=<mac> " \
	VDPA_ARG_SPEED "=<Mbps>"

/* Parse str (may be NULL) into a with defaults; -EINVAL with one log line on bad input. */
int vdpa_args_parse(const char *name, const char *str, struct vdpa_args *a);

#endif /* VHOST_VDPA_ARGS_H */
