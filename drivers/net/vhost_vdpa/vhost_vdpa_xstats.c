/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vhost_vdpa statistics: basic stats, xstats and the /vhost_vdpa/ telemetry commands.
 *
 * Queue counters (software and lib/virtq validation) reset with stats_reset/xstats_reset. The
 * IOTLB and device counters (iotlb_*, device_*, ...) are monotonic since probe: they are
 * compared with what the device saw, so a reset of the statistics never touches them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_telemetry.h>

#include "vdpa_mem.h"
#include "vhost_vdpa.h"

#define VDPA_TEL_ENTRIES_MAX	256u

/* --- per-queue values ------------------------------------------------------------------ */

enum vdpa_qx {
	QX_PACKETS, QX_BYTES, QX_ERRORS, QX_NOMBUF, QX_KICKS, QX_MRG_BUFS, QX_HDR_FALLBACK,
	QX_HDR_SHARED, QX_BAD_USED_ID, QX_BAD_USED_LEN, QX_BAD_WRAP, QX_BAD_USED_IDX, QX_BROKEN,
	QX_KICKS_SUPPRESSED, QX_FULL, QX_COUNT
};

static const char *const vdpa_qx_names[QX_COUNT] = {
	"packets", "bytes", "errors", "nombuf", "kicks", "mrg_bufs", "hdr_fallback",
	"hdr_shared", "bad_used_id", "bad_used_len", "bad_wrap", "bad_used_idx", "broken",
	"kicks_suppressed", "full",
};

/* Rx queues have no hdr_fallback nor hdr_shared, Tx queues no nombuf nor mrg_bufs. */
static bool
vdpa_qx_applies(bool rx, unsigned int i)
{
	if (rx)
		return i != QX_HDR_FALLBACK && i != QX_HDR_SHARED;
	return i != QX_NOMBUF && i != QX_MRG_BUFS;
}

static void
vdpa_qx_values(const struct vdpa_queue_stats *s, const struct vdp_virtq *vq, uint64_t *v)
{
	struct vdp_virtq_stats vs;

	memset(&vs, 0, sizeof(vs));
	if (vq != NULL)
		vdp_virtq_stats_get(vq, &vs);
	v[QX_PACKETS] = s->packets;
	v[QX_BYTES] = s->bytes;
	v[QX_ERRORS] = s->errors;
	v[QX_NOMBUF] = s->nombuf;
	v[QX_KICKS] = s->kicks;
	v[QX_MRG_BUFS] = s->mrg_bufs;
	v[QX_HDR_FALLBACK] = s->hdr_fallback;
	v[QX_HDR_SHARED] = s->hdr_shared;
	v[QX_BAD_USED_ID] = vs.bad_used_id;
	v[QX_BAD_USED_LEN] = vs.bad_used_len;
	v[QX_BAD_WRAP] = vs.bad_wrap;
	v[QX_BAD_USED_IDX] = vs.bad_used_idx;
	v[QX_BROKEN] = vs.broken;
	v[QX_KICKS_SUPPRESSED] = vs.kicks_suppressed;
	v[QX_FULL] = vs.full;
}

/* --- port values ------------------------------------------------------------------------ */

enum vdpa_px {
	PX_IOTLB_UPDATE, PX_IOTLB_INVALIDATE, PX_IOTLB_BATCHES, PX_IOTLB_ENTRIES,
	PX_IOTLB_MAPPED, PX_IOTLB_PERSIST, PX_IOTLB_REMAPS_AVOIDED, PX_IOTLB_FAILURES,
	PX_DEVICE_RESETS, PX_DEVICE_SUSPENDS, PX_DEVICE_RESUMES, PX_UNMAP_SUSPENDS, PX_DEVICE_STARTS,
	PX_RESTARTS_NO_REMAP, PX_CONFIG_IRQS, PX_NEEDS_RESET, PX_LINK_CHANGES,
	PX_QUEUE_RECOVERIES, PX_CVQ_COMMANDS, PX_CVQ_ERRORS, PX_VIRTIO_FEATURES, PX_COUNT
};

static const char *const vdpa_px_names[PX_COUNT] = {
	"iotlb_update_msgs", "iotlb_invalidate_msgs", "iotlb_batches", "iotlb_entries",
	"iotlb_mapped_bytes", "iotlb_persist", "iotlb_remaps_avoided", "iotlb_failures",
	"device_resets", "device_suspends", "device_resumes", "unmap_suspends", "device_starts",
	"starts_without_remap", "config_interrupts", "needs_reset_events", "link_changes",
	"queue_recoveries", "cvq_commands", "cvq_errors", "virtio_features",
};

static void
vdpa_iotlb_stats(const struct vdpa_port *p, struct vdp_iotlb_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (p->map == NULL)
		return;
	/* memory events change the map from other threads */
	vdpa_mem_lock();
	vdp_iotlb_stats_get(p->map, st);
	vdpa_mem_unlock();
}

static void
vdpa_px_values(const struct vdpa_port *p, uint64_t *v)
{
	struct vdp_iotlb_stats st;

	vdpa_iotlb_stats(p, &st);
	v[PX_IOTLB_UPDATE] = st.update_msgs;
	v[PX_IOTLB_INVALIDATE] = st.invalidate_msgs;
	v[PX_IOTLB_BATCHES] = st.batches;
	v[PX_IOTLB_ENTRIES] = st.entries;
	v[PX_IOTLB_MAPPED] = st.mapped_bytes;
	v[PX_IOTLB_PERSIST] = p->persist;
	v[PX_IOTLB_REMAPS_AVOIDED] = st.remaps_avoided;
	v[PX_IOTLB_FAILURES] = st.failures;
	v[PX_DEVICE_RESETS] = p->cnt.device_resets;
	v[PX_DEVICE_SUSPENDS] = p->cnt.suspends;
	v[PX_DEVICE_RESUMES] = p->cnt.resumes;
	v[PX_UNMAP_SUSPENDS] = p->cnt.unmap_suspends;
	v[PX_DEVICE_STARTS] = p->cnt.starts;
	v[PX_RESTARTS_NO_REMAP] = p->cnt.restarts_no_remap;
	v[PX_CONFIG_IRQS] = p->cnt.config_irqs;
	v[PX_NEEDS_RESET] = p->cnt.needs_reset;
	v[PX_LINK_CHANGES] = p->cnt.link_changes;
	v[PX_QUEUE_RECOVERIES] = p->cnt.broken_restarts;
	vdpa_cvq_counters(p, &v[PX_CVQ_COMMANDS], &v[PX_CVQ_ERRORS]);
	v[PX_VIRTIO_FEATURES] = p->features;	/* a bit mask, not a counter */
}

/* --- basic stats --------------------------------------------------------------------------- */

int
vdpa_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	uint16_t q;

	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		const struct vdpa_rxq *rxq = dev->data->rx_queues[q];

		if (rxq == NULL)
			continue;
		st->ipackets += rxq->stats.packets;
		st->ibytes += rxq->stats.bytes;
		st->ierrors += rxq->stats.errors;
		st->rx_nombuf += rxq->stats.nombuf;
		if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_ipackets[q] = rxq->stats.packets;
			st->q_ibytes[q] = rxq->stats.bytes;
			st->q_errors[q] = rxq->stats.errors;
		}
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		const struct vdpa_txq *txq = dev->data->tx_queues[q];

		if (txq == NULL)
			continue;
		st->opackets += txq->stats.packets;
		st->obytes += txq->stats.bytes;
		st->oerrors += txq->stats.errors;
		if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_opackets[q] = txq->stats.packets;
			st->q_obytes[q] = txq->stats.bytes;
		}
	}
	return 0;
}

int
vdpa_stats_reset(struct rte_eth_dev *dev)
{
	uint16_t q;

	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		struct vdpa_rxq *rxq = dev->data->rx_queues[q];

		if (rxq != NULL) {
			memset(&rxq->stats, 0, sizeof(rxq->stats));
			vdp_virtq_stats_reset(rxq->vq);
		}
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		struct vdpa_txq *txq = dev->data->tx_queues[q];

		if (txq != NULL) {
			memset(&txq->stats, 0, sizeof(txq->stats));
			vdp_virtq_stats_reset(txq->vq);
		}
	}
	return 0;
}

int
vdpa_xstats_reset(struct rte_eth_dev *dev)
{
	return vdpa_stats_reset(dev);
}

/* --- xstats -------------------------------------------------------------------------------- */

static unsigned int
vdpa_xstats_count(const struct rte_eth_dev *dev)
{
	unsigned int rx = 0, tx = 0, i;

	for (i = 0; i < QX_COUNT; i++) {
		rx += vdpa_qx_applies(true, i);
		tx += vdpa_qx_applies(false, i);
	}
	return PX_COUNT + rx * dev->data->nb_rx_queues + tx * dev->data->nb_tx_queues;
}

/*
 * Walk every xstat in order; names and values come from this one walk, so get_names and get
 * can never disagree. names or values may be NULL.
 */
static unsigned int
vdpa_xstats_walk(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
		 struct rte_eth_xstat *values)
{
	const struct vdpa_port *p = dev->data->dev_private;
	uint64_t v[RTE_MAX((int)QX_COUNT, (int)PX_COUNT)];
	unsigned int k = 0, i;
	uint16_t q;

	vdpa_px_values(p, v);
	for (i = 0; i < PX_COUNT; i++, k++) {
		if (names != NULL)
			snprintf(names[k].name, sizeof(names[k].name), "%s", vdpa_px_names[i]);
		if (values != NULL)
			values[k].value = v[i];
	}
	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		const struct vdpa_rxq *rxq = dev->data->rx_queues[q];
		static const struct vdpa_queue_stats zero;

		vdpa_qx_values(rxq != NULL ? &rxq->stats : &zero, rxq != NULL ? rxq->vq : NULL, v);
		for (i = 0; i < QX_COUNT; i++) {
			if (!vdpa_qx_applies(true, i))
				continue;
			if (names != NULL)
				snprintf(names[k].name, sizeof(names[k].name), "rx_q%u_%s", q,
					 vdpa_qx_names[i]);
			if (values != NULL)
				values[k].value = v[i];
			k++;
		}
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		const struct vdpa_txq *txq = dev->data->tx_queues[q];
		static const struct vdpa_queue_stats zero;

		vdpa_qx_values(txq != NULL ? &txq->stats : &zero, txq != NULL ? txq->vq : NULL, v);
		for (i = 0; i < QX_COUNT; i++) {
			if (!vdpa_qx_applies(false, i))
				continue;
			if (names != NULL)
				snprintf(names[k].name, sizeof(names[k].name), "tx_q%u_%s", q,
					 vdpa_qx_names[i]);
			if (values != NULL)
				values[k].value = v[i];
			k++;
		}
	}
	return k;
}

int
vdpa_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
		      unsigned int n)
{
	unsigned int count = vdpa_xstats_count(dev);

	if (names == NULL || n < count)
		return (int)count;
	return (int)vdpa_xstats_walk(dev, names, NULL);
}

int
vdpa_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs, unsigned int n)
{
	unsigned int count = vdpa_xstats_count(dev), i;

	if (xs == NULL || n < count)
		return (int)count;
	vdpa_xstats_walk(dev, NULL, xs);
	for (i = 0; i < count; i++)
		xs[i].id = i;
	return (int)count;
}

/* --- telemetry ------------------------------------------------------------------------------ */

static struct vdpa_port *
vdpa_tel_port(const char *params)
{
	char *end;
	unsigned long id;

	if (params == NULL || *params == '\0')
		return NULL;
	errno = 0;
	id = strtoul(params, &end, 10);
	if (errno != 0 || *end != '\0' || id >= RTE_MAX_ETHPORTS)
		return NULL;
	return vdpa_port_get((uint16_t)id);
}

static void
vdpa_tel_hex(struct rte_tel_data *d, const char *name, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	rte_tel_data_add_dict_string(d, name, buf);
}

static const char *
vdpa_state_name(enum vdpa_state s)
{
	return s == VDPA_STATE_RUNNING ? "running" :
	       s == VDPA_STATE_SUSPENDED ? "suspended" : "reset";
}

static int
vdpa_tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vdpa_port *p = vdpa_tel_port(params);
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	(void)cmd;
	if (p == NULL)
		return -EINVAL;
	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", p->name);
	rte_tel_data_add_dict_string(d, "path", p->args.path);
	rte_tel_data_add_dict_string(d, "state", vdpa_state_name(p->state));
	vdpa_tel_hex(d, "device_features", p->info.features);
	vdpa_tel_hex(d, "negotiated_features", p->features);
	vdpa_tel_hex(d, "backend_offered", p->info.backend_offered);
	vdpa_tel_hex(d, "backend_acked", p->backend_acked);
	rte_tel_data_add_dict_int(d, "iotlb_persist", p->persist);
	rte_tel_data_add_dict_string(d, "stop", p->can_suspend ? "suspend" : "reset");
	rte_tel_data_add_dict_string(d, "tx_hdr", p->tx_hdr == VDPA_TX_HDR_INLINE ? "inline" :
				     p->tx_hdr == VDPA_TX_HDR_SHARED ? "shared" : "frame");
	rte_tel_data_add_dict_int(d, "queue_pairs", p->pairs);
	rte_tel_data_add_dict_int(d, "max_queue_pairs", p->max_pairs);
	rte_tel_data_add_dict_int(d, "ring_size", p->ring_size);
	rte_tel_data_add_dict_int(d, "mtu", p->eth_dev->data->mtu);
	rte_tel_data_add_dict_int(d, "max_mtu", p->mtu_max);
	rte_tel_data_add_dict_string(d, "mac", mac);
	rte_tel_data_add_dict_string(d, "link", p->link_up ? "up" : "down");
	rte_tel_data_add_dict_u64(d, "device_resets", p->cnt.device_resets);
	rte_tel_data_add_dict_u64(d, "device_starts", p->cnt.starts);
	return 0;
}

static int
vdpa_tel_iotlb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vdpa_port *p = vdpa_tel_port(params);
	struct vdp_iotlb_entry *e;
	struct vdp_iotlb_stats st;
	struct rte_tel_data *list;
	size_t n, i;

	(void)cmd;
	if (p == NULL || p->map == NULL)
		return -EINVAL;
	e = calloc(VDPA_TEL_ENTRIES_MAX, sizeof(*e));
	list = rte_tel_data_alloc();
	if (e == NULL || list == NULL) {
		free(e);
		rte_tel_data_free(list);
		return -ENOMEM;
	}
	vdpa_mem_lock();
	vdp_iotlb_stats_get(p->map, &st);
	n = vdp_iotlb_entries(p->map, e, VDPA_TEL_ENTRIES_MAX);
	vdpa_mem_unlock();
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "persist", p->persist);
	rte_tel_data_add_dict_u64(d, "update_msgs", st.update_msgs);
	rte_tel_data_add_dict_u64(d, "invalidate_msgs", st.invalidate_msgs);
	rte_tel_data_add_dict_u64(d, "batches", st.batches);
	rte_tel_data_add_dict_u64(d, "groups", st.groups);
	rte_tel_data_add_dict_u64(d, "entries", st.entries);
	rte_tel_data_add_dict_u64(d, "mapped_bytes", st.mapped_bytes);
	rte_tel_data_add_dict_u64(d, "remaps_avoided", st.remaps_avoided);
	rte_tel_data_add_dict_u64(d, "unmaps_avoided", st.unmaps_avoided);
	rte_tel_data_add_dict_u64(d, "rollbacks", st.rollbacks);
	rte_tel_data_add_dict_u64(d, "failures", st.failures);
	rte_tel_data_start_array(list, RTE_TEL_STRING_VAL);
	for (i = 0; i < n && i < VDPA_TEL_ENTRIES_MAX; i++) {
		char buf[RTE_TEL_MAX_STRING_LEN];

		snprintf(buf, sizeof(buf), "asid %u iova 0x%" PRIx64 " size 0x%" PRIx64
			 " uaddr 0x%" PRIx64 " page 0x%" PRIx64, e[i].asid, e[i].iova, e[i].size,
			 e[i].uaddr, e[i].page_size);
		rte_tel_data_add_array_string(list, buf);
	}
	rte_tel_data_add_dict_container(d, "entries_list", list, 0);
	if (n > VDPA_TEL_ENTRIES_MAX)
		rte_tel_data_add_dict_string(d, "entries_list_truncated", "yes");
	free(e);
	return 0;
}

void
vdpa_telemetry_register(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	rte_telemetry_register_cmd("/vhost_vdpa/info", vdpa_tel_info,
		"Device, features and state of a net_vhost_vdpa port. Parameters: int port_id");
	rte_telemetry_register_cmd("/vhost_vdpa/iotlb", vdpa_tel_iotlb,
		"IOTLB counters and mappings of a net_vhost_vdpa port. Parameters: int port_id");
}
