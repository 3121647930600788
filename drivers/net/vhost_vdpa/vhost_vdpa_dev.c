/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vhost_vdpa device life cycle: the features to ask for, the per-vq kick resources, the
 * bring-up (status handshake, vrings, DRIVER_OK, control-queue restore), the reset with
 * lib/iotlb's protocol around it, and the restart of one faulty queue under SUSPEND.
 * vhost_vdpa_ethdev.c calls these from the ethdev ops.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <ethdev_driver.h>
#include <rte_ethdev.h>

#include "vdpa_mem.h"
#include "vhost_vdpa.h"

/* Virtio features the PMD can drive; the devargs and the offloads narrow them. */
#define VDPA_FEATURES_SUPPORTED (VDPA_F(VIRTIO_F_VERSION_1) | VDPA_F(VIRTIO_F_ACCESS_PLATFORM) | \
	VDPA_F(VIRTIO_NET_F_MAC) | VDPA_F(VIRTIO_NET_F_STATUS) | VDPA_F(VIRTIO_NET_F_MTU) | \
	VDPA_F(VIRTIO_NET_F_CTRL_VQ) | VDPA_F(VIRTIO_NET_F_CTRL_RX) | \
	VDPA_F(VIRTIO_NET_F_CTRL_MAC_ADDR) | VDPA_F(VIRTIO_NET_F_MQ) | \
	VDPA_F(VIRTIO_NET_F_MRG_RXBUF) | VDPA_F(VIRTIO_NET_F_CSUM) | \
	VDPA_F(VIRTIO_NET_F_GUEST_CSUM) | VDPA_F(VIRTIO_NET_F_HOST_TSO4) | \
	VDPA_F(VIRTIO_NET_F_HOST_TSO6) | VDPA_F(VIRTIO_F_RING_PACKED) | \
	VDPA_F(VIRTIO_F_IN_ORDER) | VDPA_F(VIRTIO_RING_F_EVENT_IDX) | \
	VDPA_F(VIRTIO_RING_F_INDIRECT_DESC))

/* --- features ----------------------------------------------------------------------------- */

static bool
vdpa_tri_allows(enum vdpa_tri t, bool offered)
{
	return t == VDPA_OFF ? false : offered;
}

/*
 * What to ask for at the next bring-up: the device's offer, what the PMD drives, the devargs
 * and the offloads the application enabled.
 */
int
vdpa_features_compute(struct vdpa_port *p, const struct rte_eth_conf *conf)
{
	uint64_t offered = p->info.features, f = offered & VDPA_FEATURES_SUPPORTED;
	uint64_t rx_off = conf != NULL ? conf->rxmode.offloads : 0;
	uint64_t tx_off = conf != NULL ? conf->txmode.offloads : 0;
	const struct vdpa_args *a = &p->args;

	if (!(offered & VDPA_F(VIRTIO_F_VERSION_1))) {
		VDPA_LOG(ERR, "%s: the device does not offer VERSION_1 (features 0x%" PRIx64
			 "): vhost-vdpa devices are virtio 1.x, this one is not usable", p->name,
			 offered);
		return -ENOTSUP;
	}
	if (!vdpa_tri_allows(a->packed, true))
		f &= ~VDPA_F(VIRTIO_F_RING_PACKED);
	if (a->packed == VDPA_ON && !(offered & VDPA_F(VIRTIO_F_RING_PACKED))) {
		VDPA_LOG(ERR, "%s: packed=1 but the device does not offer RING_PACKED; use "
			 "packed=auto or packed=0", p->name);
		return -ENOTSUP;
	}
	if (a->packed == VDPA_AUTO)
		f &= ~VDPA_F(VIRTIO_F_RING_PACKED);	/* split by default, as virtio-user */
	if (a->mrg_rxbuf == VDPA_OFF)
		f &= ~VDPA_F(VIRTIO_NET_F_MRG_RXBUF);
	if (a->in_order == VDPA_OFF)
		f &= ~VDPA_F(VIRTIO_F_IN_ORDER);
	if (a->event_idx == VDPA_OFF)
		f &= ~VDPA_F(VIRTIO_RING_F_EVENT_IDX);
	if (!(rx_off & (RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM)))
		f &= ~VDPA_F(VIRTIO_NET_F_GUEST_CSUM);
	if (!(tx_off & (RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			RTE_ETH_TX_OFFLOAD_TCP_TSO)))
		f &= ~VDPA_F(VIRTIO_NET_F_CSUM);
	if (!(tx_off & RTE_ETH_TX_OFFLOAD_TCP_TSO) || !(f & VDPA_F(VIRTIO_NET_F_CSUM)))
		f &= ~(VDPA_F(VIRTIO_NET_F_HOST_TSO4) | VDPA_F(VIRTIO_NET_F_HOST_TSO6));
	if (!(f & VDPA_F(VIRTIO_NET_F_CTRL_VQ)))
		f &= ~(VDPA_F(VIRTIO_NET_F_CTRL_RX) | VDPA_F(VIRTIO_NET_F_CTRL_MAC_ADDR) |
		       VDPA_F(VIRTIO_NET_F_MQ));
	if (p->pairs <= 1)
		f &= ~VDPA_F(VIRTIO_NET_F_MQ);
	p->features_wanted = f;
	return 0;
}

/* --- per-vq resources kept for the life of the port -------------------------------------- */

static const struct vdpa_vq_res vdpa_res_none = {
	.kickfd = -1, .kick_bound = VDPA_FD_UNKNOWN, .call_bound = VDPA_FD_UNKNOWN,
};

static struct vdpa_priv *
vdpa_priv(struct vdpa_port *p)
{
	return container_of(p, struct vdpa_priv, port);
}

void
vdpa_vq_res_init(struct vdpa_port *p)
{
	unsigned int i;

	for (i = 0; i < VDPA_MAX_VQS; i++)
		vdpa_priv(p)->res[i] = vdpa_res_none;
}

/* The kick of vq idx: doorbell page when allowed and granted, eventfd otherwise. */
static int
vdpa_vq_kick_get(struct vdpa_port *p, uint16_t idx, struct vdpa_kick *k)
{
	struct vdpa_vq_res *r = &vdpa_priv(p)->res[idx];
	int ret;

	if (r->kickfd < 0) {
		r->kickfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (r->kickfd < 0) {
			ret = -errno;
			VDPA_LOG(ERR, "%s: eventfd for the kick of vq %u: %s", p->name, idx,
				 strerror(errno));
			return ret;
		}
	}
	if (!r->db_tried && p->args.doorbell != VDPA_DOORBELL_EVENTFD) {
		r->db_tried = true;
		ret = vdp_dev_doorbell_map(p->dev, idx, &r->db);
		if (ret < 0) {
			r->db = NULL;
			if (p->args.doorbell == VDPA_DOORBELL_MMAP) {
				VDPA_LOG(ERR, "%s: doorbell=mmap but the kernel refused to map the "
					 "notify page of vq %u (%s); use doorbell=auto or "
					 "doorbell=eventfd", p->name, idx, strerror(-ret));
				r->db_tried = false;
				return ret;
			}
		}
	}
	k->doorbell = r->db;
	k->kickfd = r->kickfd;
	k->vq_idx = idx;
	return 0;
}

void
vdpa_vq_res_free(struct vdpa_port *p)
{
	struct vdpa_priv *priv = vdpa_priv(p);
	unsigned int i;

	for (i = 0; i < VDPA_MAX_VQS; i++) {
		struct vdpa_vq_res *r = &priv->res[i];

		if (r->db != NULL)
			vdp_dev_doorbell_unmap(p->dev, i);
		if (r->kickfd >= 0)
			close(r->kickfd);
		*r = vdpa_res_none;
	}
}

/* --- device life cycle ------------------------------------------------------------------- */

/* The longest a stop waits for the device to go idle before an unmap. */
#define VDPA_QUIESCE_US		500u
/* How long the device must take no Tx buffer to count as idle. */
#define VDPA_QUIESCE_IDLE_US	10u

/*
 * Without PERSIST the memory is unmapped before the reset, while DRIVER_OK still lets the
 * device work on what it was kicked for (spec 6.3: unmap while the device is idle). Wait,
 * bounded, until it stops taking Tx buffers: it has finished what it was given, or it holds
 * the rest for want of Rx buffers and needs a kick to go on. Without this a pass the device
 * had under way, or a kick it had not read yet, reached memory already unmapped (a DMA fault
 * on vdpath-sim about once in a few hundred legacy cycles). The caller has stopped the bursts.
 * Between looks the core is yielded, not slept on: a 10 us sleep is a timer, which a loaded or
 * emulated machine stretches to milliseconds; idle means no change for VDPA_QUIESCE_IDLE_US.
 */
static void
vdpa_dev_quiesce(struct vdpa_port *p)
{
	struct rte_eth_dev_data *data = p->eth_dev->data;
	uint64_t us = rte_get_timer_hz() / 1000000;
	uint64_t now = rte_get_timer_cycles(), deadline = now + us * VDPA_QUIESCE_US;
	uint64_t changed = now;
	uint32_t left, before = UINT32_MAX;
	uint16_t q;

	for (;;) {
		left = 0;
		for (q = 0; q < data->nb_tx_queues; q++) {
			struct vdpa_txq *txq = data->tx_queues[q];

			if (txq == NULL || txq->vq == NULL)
				continue;
			vdpa_txq_reclaim(txq);
			left += vdp_virtq_outstanding(txq->vq);
		}
		now = rte_get_timer_cycles();
		if (left != before) {
			before = left;
			changed = now;
		}
		if (left == 0 || now - changed >= us * VDPA_QUIESCE_IDLE_US || now >= deadline)
			break;
		sched_yield();	/* the device thread may need this core */
	}
}

/*
 * Before an unmap-and-reset, stop the device's DMA: a SUSPEND where the kernel acked it (once
 * it returns the device processes no descriptor, uAPI header), which is the race-free way and
 * what a parent with SUSPEND but no RESUME (Linux 6.1's vdpa_sim) or a reset that is not a
 * port stop gets; otherwise, or when SUSPEND fails, the bounded wait for idleness above.
 */
static void
vdpa_dev_idle_before_unmap(struct vdpa_port *p)
{
	int ret;

	if ((p->backend_acked & VDP_BACKEND(VHOST_BACKEND_F_SUSPEND)) && !p->need_reset) {
		ret = vdp_dev_suspend(p->dev);
		if (ret == 0) {
			p->cnt.unmap_suspends++;
			return;
		}
		VDPA_LOG(WARNING, "%s: SUSPEND before the unmap failed (%s): waiting for the "
			 "device to go idle instead", p->name, strerror(-ret));
	}
	vdpa_dev_quiesce(p);
}

/*
 * Reset the device with lib/iotlb's protocol around it, then give every buffer back: after
 * SET_STATUS(0) the device no longer touches the rings.
 */
int
vdpa_dev_reset_full(struct vdpa_port *p)
{
	struct rte_eth_dev_data *data = p->eth_dev->data;
	int ret, ret2;
	uint16_t q;

	if (p->state == VDPA_STATE_RUNNING && p->maps_valid && !p->persist)
		vdpa_dev_idle_before_unmap(p);
	vdpa_mem_lock();
	ret = p->maps_valid ? vdp_iotlb_before_reset(p->map) : 0;
	if (ret == 0 && !p->persist)
		p->maps_valid = false;
	vdpa_mem_unlock();
	ret2 = vdp_dev_reset(p->dev);
	p->cnt.device_resets++;
	p->state = VDPA_STATE_RESET;
	p->ctrl_synced = 0;
	for (q = 0; q < data->nb_rx_queues; q++)
		if (data->rx_queues[q] != NULL)
			vdpa_rxq_drain(data->rx_queues[q]);
	for (q = 0; q < data->nb_tx_queues; q++)
		if (data->tx_queues[q] != NULL)
			vdpa_txq_drain(data->tx_queues[q]);
	vdpa_cvq_drain(p);
	p->need_reset = false;
	if (ret < 0) {
		VDPA_LOG(ERR, "%s: unmapping before the reset failed: the next start maps again",
			 p->name);
		p->maps_valid = false;
	}
	return ret2 < 0 ? ret2 : 0;
}

/*
 * A kick eventfd stays bound across resets (vhost keeps polling it, uAPI spec 6.3): bound again
 * only when the index gets another fd (the control queue's index moves with MQ). A call fd is
 * bound after every reset (the device dropped its callback), but "none" stays none. Every fd
 * recorded here lives until the device is closed, which forgets them all.
 */
int
vdpa_vq_bind(struct vdpa_port *p, uint16_t idx, int kickfd, int callfd)
{
	struct vdpa_vq_res *r = &vdpa_priv(p)->res[idx];
	int ret = 0;

	if (r->kick_bound != kickfd) {
		ret = vdp_dev_set_vring_kick(p->dev, idx, kickfd);
		r->kick_bound = ret == 0 ? kickfd : VDPA_FD_UNKNOWN;
	}
	if (ret == 0 && (callfd >= 0 || r->call_bound != -1)) {
		ret = vdp_dev_set_vring_call(p->dev, idx, callfd);
		r->call_bound = ret == 0 ? callfd : VDPA_FD_UNKNOWN;
	}
	return ret;
}

static int
vdpa_vring_setup(struct vdpa_port *p, uint16_t idx, struct vdp_virtq *vq,
		 const struct vdp_virtq_addrs *a, int callfd)
{
	struct vdpa_kick k;
	int ret;

	ret = vdpa_vq_kick_get(p, idx, &k);
	if (ret == 0)
		ret = vdp_dev_set_vring_num(p->dev, idx, vdp_virtq_num(vq));
	if (ret == 0)
		ret = vdp_dev_set_vring_addr(p->dev, idx, a->desc, a->driver, a->device);
	if (ret == 0)
		ret = vdp_dev_set_vring_base(p->dev, idx, vdp_virtq_vring_base(vq));
	if (ret == 0)
		ret = vdpa_vq_bind(p, idx, k.kickfd, callfd);
	if (ret == 0)
		ret = vdp_dev_set_vring_enable(p->dev, idx, true);
	return ret;
}

static int
vdpa_queues_setup(struct vdpa_port *p)
{
	struct rte_eth_dev_data *data = p->eth_dev->data;
	uint16_t q;
	int ret;

	for (q = 0; q < p->pairs; q++) {
		struct vdpa_rxq *rxq = q < data->nb_rx_queues ? data->rx_queues[q] : NULL;
		struct vdpa_txq *txq = q < data->nb_tx_queues ? data->tx_queues[q] : NULL;

		if (rxq == NULL || txq == NULL) {
			VDPA_LOG(ERR, "%s: queue pair %u is not set up: set up every Rx and Tx "
				 "queue before rte_eth_dev_start()", p->name, q);
			return -EINVAL;
		}
		ret = vdpa_vring_setup(p, vdpa_rx_vq(q), rxq->vq, &rxq->addrs, rxq->callfd);
		if (ret == 0)
			ret = vdpa_vq_kick_get(p, vdpa_rx_vq(q), &rxq->kick);
		if (ret == 0)
			ret = vdpa_vring_setup(p, vdpa_tx_vq(q), txq->vq, &txq->addrs, -1);
		if (ret == 0)
			ret = vdpa_vq_kick_get(p, vdpa_tx_vq(q), &txq->kick);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
vdpa_features_set(struct vdpa_port *p)
{
	uint8_t status;
	int ret;

	ret = vdp_dev_set_status(p->dev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	if (ret == 0)
		ret = vdp_dev_add_status(p->dev, VIRTIO_CONFIG_S_DRIVER);
	if (ret == 0)
		ret = vdp_dev_set_features(p->dev, p->features_wanted);
	if (ret == 0)
		ret = vdp_dev_add_status(p->dev, VIRTIO_CONFIG_S_FEATURES_OK);
	if (ret == 0)
		ret = vdp_dev_get_status(p->dev, &status);
	if (ret < 0)
		return ret;
	if (!(status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		VDPA_LOG(ERR, "%s: the device refused features 0x%" PRIx64 " (FEATURES_OK not "
			 "kept); try packed=0, mrg_rxbuf=0 or fewer offloads", p->name,
			 p->features_wanted);
		return -EINVAL;
	}
	p->features = p->features_wanted;
	return 0;
}

/* Apply what the device lost at reset: queue pairs, MAC, RX mode. */
static int
vdpa_ctrl_restore(struct vdpa_port *p)
{
	uint8_t on;
	int ret;

	if (vdpa_has(p, VIRTIO_NET_F_MQ)) {
		uint16_t pairs = rte_cpu_to_le_16(p->pairs);

		ret = vdpa_cvq_cmd(p, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &pairs,
				   sizeof(pairs));
		if (ret < 0) {
			VDPA_LOG(ERR, "%s: the device did not accept %u queue pairs (MQ "
				 "VQ_PAIRS_SET): %s", p->name, p->pairs, strerror(-ret));
			return ret;
		}
	}
	if (vdpa_has(p, VIRTIO_NET_F_CTRL_MAC_ADDR)) {
		uint8_t cfg[RTE_ETHER_ADDR_LEN];

		ret = 0;
		if (vdp_dev_get_config(p->dev, VDPA_CFG_MAC_OFF, cfg, sizeof(cfg)) < 0 ||
		    memcmp(cfg, p->mac.addr_bytes, sizeof(cfg)) != 0)
			ret = vdpa_cvq_cmd(p, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET,
					   p->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
		if (ret < 0)
			VDPA_LOG(WARNING, "%s: the device kept its MAC address: %s", p->name,
				 strerror(-ret));
		else
			p->ctrl_synced |= VDPA_SYNC_MAC;
	}
	if (vdpa_has(p, VIRTIO_NET_F_CTRL_RX)) {
		on = p->promisc;
		ret = vdpa_cvq_cmd(p, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &on, 1);
		if (ret == 0) {
			p->ctrl_synced |= VDPA_SYNC_PROMISC;
			on = p->allmulti;
			ret = vdpa_cvq_cmd(p, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_ALLMULTI,
					   &on, 1);
			if (ret == 0)
				p->ctrl_synced |= VDPA_SYNC_ALLMULTI;
		}
		if (ret < 0)
			VDPA_LOG(WARNING, "%s: restoring the RX mode failed: %s", p->name,
				 strerror(-ret));
	}
	return 0;
}

void
vdpa_kick_all(struct vdpa_port *p)
{
	struct rte_eth_dev_data *data = p->eth_dev->data;
	uint16_t q;

	for (q = 0; q < p->pairs; q++) {
		struct vdpa_rxq *rxq = data->rx_queues[q];
		struct vdpa_txq *txq = data->tx_queues[q];

		vdpa_kick(&rxq->kick);
		rxq->stats.kicks++;
		vdpa_kick(&txq->kick);
		txq->stats.kicks++;
	}
}

/* Status handshake, vrings, DRIVER_OK, then what the control queue restores. */
int
vdpa_dev_bring_up(struct vdpa_port *p)
{
	struct rte_eth_dev_data *data = p->eth_dev->data;
	uint64_t msgs_before;
	uint16_t q;
	int ret;

	msgs_before = vdp_dev_iotlb_msgs(p->dev, VHOST_IOTLB_UPDATE) +
		      vdp_dev_iotlb_msgs(p->dev, VHOST_IOTLB_INVALIDATE);
	if (!p->maps_valid) {
		vdpa_mem_lock();
		ret = vdp_iotlb_after_reset(p->map);
		vdpa_mem_unlock();
		if (ret < 0)
			return ret;
		p->maps_valid = true;
	} else if (p->persist && p->cnt.starts > 0) {
		vdpa_mem_lock();
		vdp_iotlb_after_reset(p->map);	/* counts a remap avoided, sends nothing */
		vdpa_mem_unlock();
	}
	ret = vdpa_features_set(p);
	if (ret < 0)
		goto fail;
	ret = vdpa_queues_setup(p);
	if (ret < 0)
		goto fail;
	if (vdpa_has(p, VIRTIO_NET_F_CTRL_VQ)) {
		ret = vdpa_cvq_setup(p);
		if (ret < 0)
			goto fail;
	}
	for (q = 0; q < p->pairs; q++) {
		ret = vdpa_rxq_refill(data->rx_queues[q]);
		if (ret < 0) {
			VDPA_LOG(ERR, "%s: no mbuf to post on Rx queue %u: the mempool is empty",
				 p->name, q);
			goto fail;
		}
	}
	ret = vdp_dev_add_status(p->dev, VIRTIO_CONFIG_S_DRIVER_OK);
	if (ret < 0)
		goto fail;
	p->state = VDPA_STATE_RUNNING;
	/* kicks before DRIVER_OK are lost (spec §7.3): tell the device about the Rx buffers */
	vdpa_kick_all(p);
	ret = vdpa_ctrl_restore(p);
	if (ret < 0)
		goto fail;
	p->cnt.starts++;
	if (vdp_dev_iotlb_msgs(p->dev, VHOST_IOTLB_UPDATE) +
	    vdp_dev_iotlb_msgs(p->dev, VHOST_IOTLB_INVALIDATE) == msgs_before)
		p->cnt.restarts_no_remap++;
	return 0;
fail:
	vdpa_dev_reset_full(p);
	return ret;
}

/* Re-initialise one vring while the device is suspended; its buffers are given back. */
static int
vdpa_queue_reinit(struct vdpa_port *p, bool rx, uint16_t qid)
{
	struct rte_eth_dev_data *data = p->eth_dev->data;
	uint16_t idx = rx ? vdpa_rx_vq(qid) : vdpa_tx_vq(qid);
	int ret;

	ret = vdp_dev_set_vring_enable(p->dev, idx, false);
	if (ret < 0)
		return ret;
	if (rx) {
		struct vdpa_rxq *q = data->rx_queues[qid];

		vdpa_rxq_drain(q);
		ret = vdpa_vring_setup(p, idx, q->vq, &q->addrs, q->callfd);
		if (ret == 0)
			ret = vdpa_rxq_refill(q);
	} else {
		struct vdpa_txq *q = data->tx_queues[qid];

		vdpa_txq_drain(q);
		ret = vdpa_vring_setup(p, idx, q->vq, &q->addrs, -1);
	}
	return ret;
}

void
vdpa_queue_recover(struct vdpa_port *p, bool rx, uint16_t qid)
{
	uint16_t port_id = p->eth_dev->data->port_id;
	int ret;

	rte_spinlock_lock(&p->recover_lock);
	if (!p->can_suspend || p->state != VDPA_STATE_RUNNING) {
		if (!p->recover_warned)
			VDPA_LOG(ERR, "%s: %s queue %u: the device wrote invalid used elements "
				 "and this device cannot be suspended to restart one queue: "
				 "call rte_eth_dev_reset()", p->name, rx ? "Rx" : "Tx", qid);
		p->recover_warned = true;
		rte_spinlock_unlock(&p->recover_lock);
		rte_eth_dev_callback_process(&rte_eth_devices[port_id], RTE_ETH_EVENT_INTR_RESET,
					     NULL);
		return;
	}
	ret = vdp_dev_suspend(p->dev);
	if (ret == 0) {
		ret = vdpa_queue_reinit(p, rx, qid);
		if (vdp_dev_resume(p->dev) < 0 && ret == 0)
			ret = -EIO;
	}
	p->cnt.broken_restarts++;
	if (ret < 0)
		VDPA_LOG(ERR, "%s: restarting %s queue %u after device faults failed: %s",
			 p->name, rx ? "Rx" : "Tx", qid, strerror(-ret));
	else if (rte_is_power_of_2(p->cnt.broken_restarts))	/* 1, 2, 4, ...: no flood */
		VDPA_LOG(WARNING, "%s: %s queue %u restarted after device faults (invalid used "
			 "elements, counted in xstats; %" PRIu64 " restarts so far)", p->name,
			 rx ? "Rx" : "Tx", qid, p->cnt.broken_restarts);
	rte_spinlock_unlock(&p->recover_lock);
	if (rx) {
		struct vdpa_rxq *q = p->eth_dev->data->rx_queues[qid];

		vdpa_kick(&q->kick);
	} else {
		struct vdpa_txq *q = p->eth_dev->data->tx_queues[qid];

		vdpa_kick(&q->kick);
	}
}

