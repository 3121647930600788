/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vhost_vdpa: probe, ethdev ops and the device life cycle.
 *
 * Probe opens the device, negotiates backend features (IOTLB_PERSIST by the persist devarg),
 * maps all DPDK memory once through lib/iotlb + the memory adapter, and leaves the device reset.
 * Start brings it up (status handshake, vrings, DRIVER_OK); stop either SUSPENDs it (when
 * SUSPEND and RESUME are acked: the next start RESUMEs, no reset, no remap) or resets it, with
 * lib/iotlb's protocol around the reset: nothing sent with PERSIST acked, unmap before and remap
 * after without it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_memzone.h>

#include "vdpa_mem.h"
#include "vhost_vdpa.h"
#include "vhost_vdpa_args.h"

RTE_LOG_REGISTER_DEFAULT(vdpa_logtype, NOTICE);

/* The MTU a device without VIRTIO_NET_F_MTU may take; the control queue's ring size. */
#define VDPA_MTU_NO_FEATURE	9000u
#define VDPA_CVQ_SIZE		64u

static const struct eth_dev_ops vdpa_ops;

struct vdpa_port *
vdpa_port_get(uint16_t port_id)
{
	struct rte_eth_dev *dev;

	if (!rte_eth_dev_is_valid_port(port_id))
		return NULL;
	dev = &rte_eth_devices[port_id];
	if (dev->dev_ops != &vdpa_ops)
		return NULL;
	return dev->data->dev_private;
}

/* Route lib/vdpa, lib/iotlb and lib/virtq log lines to this PMD's logtype. */
static void
vdpa_lib_log(enum vdp_log_level level, const char *msg, void *arg)
{
	(void)arg;
	rte_log((uint32_t)level, vdpa_logtype, VDPA_PMD_NAME ": %s\n", msg);
}

static inline uint16_t
vdpa_le16(const uint8_t *b)
{
	return (uint16_t)(b[0] | b[1] << 8);
}

/* --- ethdev ops -------------------------------------------------------------------------- */

static int
vdpa_dev_configure(struct rte_eth_dev *dev)
{
	struct vdpa_port *p = dev->data->dev_private;
	const struct rte_eth_conf *conf = &dev->data->dev_conf;
	uint16_t pairs = RTE_MAX(dev->data->nb_rx_queues, dev->data->nb_tx_queues);
	uint32_t mtu = dev->data->mtu;

	if (dev->data->nb_rx_queues != dev->data->nb_tx_queues) {
		VDPA_LOG(ERR, "%s: %u Rx and %u Tx queues: virtio-net queues come in pairs, "
			 "configure as many Rx as Tx queues", p->name, dev->data->nb_rx_queues,
			 dev->data->nb_tx_queues);
		return -EINVAL;
	}
	if (pairs > p->max_pairs) {
		VDPA_LOG(ERR, "%s: %u queue pairs asked, the device has %u", p->name, pairs,
			 p->max_pairs);
		return -EINVAL;
	}
	if (mtu > p->mtu_max) {
		VDPA_LOG(ERR, "%s: MTU %u is above the device MTU %u", p->name, mtu, p->mtu_max);
		return -EINVAL;
	}
	if (conf->rxmode.mq_mode != RTE_ETH_MQ_RX_NONE && conf->rxmode.mq_mode != RTE_ETH_MQ_RX_RSS)
		VDPA_LOG(WARNING, "%s: Rx mq_mode %d is not supported; the device spreads flows "
			 "over the queue pairs itself", p->name, conf->rxmode.mq_mode);
	if (p->state != VDPA_STATE_RESET)
		vdpa_dev_reset_full(p);
	p->pairs = pairs;
	p->rxq_intr = conf->intr_conf.rxq != 0;
	return vdpa_features_compute(p, conf);
}

static int
vdpa_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct vdpa_port *p = dev->data->dev_private;
	uint64_t f = p->info.features;

	info->max_rx_queues = p->max_pairs;
	info->max_tx_queues = p->max_pairs;
	info->max_mac_addrs = 1;
	info->min_rx_bufsize = 64;
	info->max_rx_pktlen = (uint32_t)p->mtu_max + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN +
			      RTE_ETHER_CRC_LEN;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = p->mtu_max;
	info->rx_desc_lim.nb_max = p->info.vring_num_max;
	info->rx_desc_lim.nb_min = 64;
	info->rx_desc_lim.nb_align = 1;
	info->tx_desc_lim = info->rx_desc_lim;
	info->tx_desc_lim.nb_seg_max = VDPA_TX_SEGS_MAX - 1;
	info->tx_desc_lim.nb_mtu_seg_max = VDPA_TX_SEGS_MAX - 1;
	info->default_rxportconf.ring_size = p->ring_size;
	info->default_txportconf.ring_size = p->ring_size;
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	info->default_rxportconf.burst_size = VDPA_BURST;
	info->default_txportconf.burst_size = VDPA_BURST;
	info->speed_capa = rte_eth_speed_bitflag(p->args.speed, RTE_ETH_LINK_FULL_DUPLEX);
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (f & VDPA_F(VIRTIO_NET_F_GUEST_CSUM))
		info->rx_offload_capa |= RTE_ETH_RX_OFFLOAD_UDP_CKSUM |
					 RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	if (f & VDPA_F(VIRTIO_NET_F_CSUM))
		info->tx_offload_capa |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
					 RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	if ((f & VDPA_F(VIRTIO_NET_F_CSUM)) &&
	    (f & (VDPA_F(VIRTIO_NET_F_HOST_TSO4) | VDPA_F(VIRTIO_NET_F_HOST_TSO6))))
		info->tx_offload_capa |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	info->rx_queue_offload_capa = 0;
	info->tx_queue_offload_capa = 0;
	return 0;
}

/* Ring memory in DPDK memory (mapped with IOVA = VA), plus extra bytes after it. */
static const struct rte_memzone *
vdpa_ring_mz(struct vdpa_port *p, const char *kind, uint16_t q, uint32_t num, uint32_t flags,
	     size_t extra, int socket)
{
	char name[RTE_MEMZONE_NAMESIZE];
	size_t len = RTE_ALIGN_CEIL(vdp_virtq_mem_size(num, flags), RTE_CACHE_LINE_SIZE);

	snprintf(name, sizeof(name), "vdpa%u_%s%u", p->eth_dev->data->port_id, kind, q);
	return rte_memzone_reserve_aligned(name, len + extra, socket, 0, 4096);
}

static uint32_t
vdpa_vq_flags(const struct vdpa_port *p)
{
	uint64_t f = p->features_wanted;
	uint32_t flags = 0;

	if (f & VDPA_F(VIRTIO_F_RING_PACKED))
		flags |= VDP_VIRTQ_F_PACKED;
	if (f & VDPA_F(VIRTIO_F_IN_ORDER))
		flags |= VDP_VIRTQ_F_IN_ORDER;
	if (f & VDPA_F(VIRTIO_RING_F_EVENT_IDX))
		flags |= VDP_VIRTQ_F_EVENT_IDX;
	if (f & VDPA_F(VIRTIO_RING_F_INDIRECT_DESC))
		flags |= VDP_VIRTQ_F_INDIRECT;
	return flags;
}

static int
vdpa_ring_size(struct vdpa_port *p, uint16_t nb_desc, uint32_t *num)
{
	uint32_t n = nb_desc != 0 ? nb_desc : p->ring_size;

	if (n > p->info.vring_num_max || n < 64) {
		VDPA_LOG(ERR, "%s: %u descriptors asked; the device takes 64..%u", p->name, n,
			 p->info.vring_num_max);
		return -EINVAL;
	}
	*num = rte_align32pow2(n);
	if (*num > p->info.vring_num_max)
		*num = rte_align32prevpow2(n);
	return 0;
}

/* A virtq over freshly reserved ring memory; the object lives in rte_malloc memory. */
static int
vdpa_virtq_make(struct vdpa_port *p, const struct rte_memzone *mz, uint32_t num, uint16_t idx,
		int socket, struct vdp_virtq **out, struct vdp_virtq_addrs *addrs)
{
	uint32_t flags = vdpa_vq_flags(p);
	size_t obj_len = vdp_virtq_obj_size(num);
	struct vdp_virtq_conf conf = {
		.num = num,
		.flags = flags,
		.mem = mz->addr,
		.iova = (uint64_t)(uintptr_t)mz->addr,
		.mem_len = vdp_virtq_mem_size(num, flags),
		.index = idx,
	};
	struct vdp_virtq *vq;
	int ret;

	vq = rte_zmalloc_socket("vdpa_vq", obj_len, RTE_CACHE_LINE_SIZE, socket);
	if (vq == NULL)
		return -ENOMEM;
	ret = vdp_virtq_init(vq, obj_len, &conf, addrs);
	if (ret < 0) {
		rte_free(vq);
		return ret;
	}
	*out = vq;
	return 0;
}

static void
vdpa_rxq_free(struct vdpa_rxq *q)
{
	if (q == NULL)
		return;
	vdpa_rxq_drain(q);
	if (q->callfd >= 0)
		close(q->callfd);
	rte_free(q->vq);
	rte_memzone_free(q->mz);
	rte_free(q);
}

static void
vdpa_txq_free(struct vdpa_txq *q)
{
	if (q == NULL)
		return;
	vdpa_txq_drain(q);
	rte_free(q->vq);
	rte_memzone_free(q->mz);
	rte_free(q);
}

static void
vdpa_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vdpa_port *p = dev->data->dev_private;

	if (p->state != VDPA_STATE_RESET)
		vdpa_dev_reset_full(p);
	vdpa_rxq_free(dev->data->rx_queues[qid]);
	dev->data->rx_queues[qid] = NULL;
}

static void
vdpa_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vdpa_port *p = dev->data->dev_private;

	if (p->state != VDPA_STATE_RESET)
		vdpa_dev_reset_full(p);
	vdpa_txq_free(dev->data->tx_queues[qid]);
	dev->data->tx_queues[qid] = NULL;
}

static int
vdpa_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		    unsigned int socket, const struct rte_eth_rxconf *conf,
		    struct rte_mempool *mp)
{
	struct vdpa_port *p = dev->data->dev_private;
	uint16_t room = rte_pktmbuf_data_room_size(mp);
	uint32_t frame = dev->data->mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
	struct vdpa_rxq *q;
	uint32_t num;
	int ret;

	(void)conf;
	ret = vdpa_ring_size(p, nb_desc, &num);
	if (ret < 0)
		return ret;
	if (room < RTE_PKTMBUF_HEADROOM + 64) {
		VDPA_LOG(ERR, "%s: mempool %s has %u-byte buffers: too small for a %u-byte "
			 "headroom and a frame", p->name, mp->name, room, RTE_PKTMBUF_HEADROOM);
		return -EINVAL;
	}
	if (!(p->features_wanted & VDPA_F(VIRTIO_NET_F_MRG_RXBUF)) &&
	    (uint32_t)room - RTE_PKTMBUF_HEADROOM < frame) {
		VDPA_LOG(ERR, "%s: %u-byte mbufs cannot hold a %u-byte frame (MTU %u) and the "
			 "device does not merge Rx buffers (MRG_RXBUF %s): use bigger mbufs or a "
			 "smaller MTU", p->name, room - RTE_PKTMBUF_HEADROOM, frame,
			 dev->data->mtu, p->args.mrg_rxbuf == VDPA_OFF ? "disabled by mrg_rxbuf=0" :
			 "not offered");
		return -EINVAL;
	}
	if (dev->data->rx_queues[qid] != NULL)
		vdpa_rx_queue_release(dev, qid);
	q = rte_zmalloc_socket("vdpa_rxq", sizeof(*q), RTE_CACHE_LINE_SIZE, (int)socket);
	if (q == NULL)
		return -ENOMEM;
	q->callfd = -1;
	q->port = p;
	q->qid = qid;
	q->nb_desc = (uint16_t)num;
	q->port_id = dev->data->port_id;
	q->mp = mp;
	q->hdr_room = VDPA_NET_HDR_LEN;
	q->buf_len = (uint16_t)(room - RTE_PKTMBUF_HEADROOM + VDPA_NET_HDR_LEN);
	q->mrg = (p->features_wanted & VDPA_F(VIRTIO_NET_F_MRG_RXBUF)) != 0;
	q->csum = (p->features_wanted & VDPA_F(VIRTIO_NET_F_GUEST_CSUM)) != 0;
	q->mz = vdpa_ring_mz(p, "rx", qid, num, vdpa_vq_flags(p), 0, (int)socket);
	if (q->mz == NULL) {
		ret = -ENOMEM;
		VDPA_LOG(ERR, "%s: no memory for the ring of Rx queue %u", p->name, qid);
		goto fail;
	}
	ret = vdpa_virtq_make(p, q->mz, num, vdpa_rx_vq(qid), (int)socket, &q->vq, &q->addrs);
	if (ret < 0)
		goto fail;
	if (p->rxq_intr) {
		q->callfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (q->callfd < 0) {
			ret = -errno;
			goto fail;
		}
		vdp_virtq_intr_disable(q->vq);
	}
	dev->data->rx_queues[qid] = q;
	return 0;
fail:
	vdpa_rxq_free(q);
	return ret;
}

static int
vdpa_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		    unsigned int socket, const struct rte_eth_txconf *conf)
{
	struct vdpa_port *p = dev->data->dev_private;
	struct vdpa_txq *q;
	void *zero_hdr;
	size_t ring_len;
	uint32_t num, i;
	int ret;

	ret = vdpa_ring_size(p, nb_desc, &num);
	if (ret < 0)
		return ret;
	if (dev->data->tx_queues[qid] != NULL)
		vdpa_tx_queue_release(dev, qid);
	q = rte_zmalloc_socket("vdpa_txq", sizeof(*q), RTE_CACHE_LINE_SIZE, (int)socket);
	if (q == NULL)
		return -ENOMEM;
	q->port = p;
	q->qid = qid;
	q->nb_desc = (uint16_t)num;
	q->port_id = dev->data->port_id;
	q->offload = (p->features_wanted & VDPA_F(VIRTIO_NET_F_CSUM)) != 0;
	q->free_thresh = conf != NULL && conf->tx_free_thresh != 0 ?
			 RTE_MIN(conf->tx_free_thresh, (uint16_t)(num / 2)) : (uint16_t)(num / 4);
	/* after the ring: the header slots, then the shared zero header on a line of its own */
	q->mz = vdpa_ring_mz(p, "tx", qid, num, vdpa_vq_flags(p),
			     (size_t)num * sizeof(struct vdpa_tx_slot) + 2 * RTE_CACHE_LINE_SIZE,
			     (int)socket);
	if (q->mz == NULL) {
		ret = -ENOMEM;
		VDPA_LOG(ERR, "%s: no memory for the ring of Tx queue %u", p->name, qid);
		goto fail;
	}
	ret = vdpa_virtq_make(p, q->mz, num, vdpa_tx_vq(qid), (int)socket, &q->vq, &q->addrs);
	if (ret < 0)
		goto fail;
	ring_len = RTE_ALIGN_CEIL(vdp_virtq_mem_size(num, vdpa_vq_flags(p)), RTE_CACHE_LINE_SIZE);
	q->slots = (struct vdpa_tx_slot *)((uint8_t *)q->mz->addr + ring_len);
	for (i = 0; i < num; i++)
		q->slots[i].next = (uint16_t)(i + 1 < num ? i + 1 : UINT16_MAX);
	q->slot_free = 0;
	zero_hdr = (void *)RTE_PTR_ALIGN_CEIL(&q->slots[num], RTE_CACHE_LINE_SIZE);
	memset(zero_hdr, 0, RTE_CACHE_LINE_SIZE);
	q->zero_hdr_iova = (uint64_t)(uintptr_t)zero_hdr;	/* IOVA = VA (vdpa_mem.h) */
	q->hdr_mode = p->tx_hdr;
	dev->data->tx_queues[qid] = q;
	return 0;
fail:
	vdpa_txq_free(q);
	return ret;
}

static int
vdpa_rx_intr_install(struct rte_eth_dev *dev)
{
	struct vdpa_port *p = dev->data->dev_private;
	struct rte_intr_handle *h = dev->intr_handle;
	uint16_t q;

	if (!p->rxq_intr)
		return 0;
	if (h == NULL) {
		h = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_SHARED);
		if (h == NULL)
			return -ENOMEM;
		dev->intr_handle = h;
	}
	if (rte_intr_vec_list_alloc(h, "vdpa_intr_vec", p->pairs) < 0)
		return -ENOMEM;
	for (q = 0; q < p->pairs; q++) {
		struct vdpa_rxq *rxq = dev->data->rx_queues[q];

		if (rte_intr_efds_index_set(h, q, rxq->callfd) < 0 ||
		    rte_intr_vec_list_index_set(h, q, RTE_INTR_VEC_RXTX_OFFSET + q) < 0)
			return -EINVAL;
	}
	if (rte_intr_nb_efd_set(h, p->pairs) < 0 || rte_intr_max_intr_set(h, p->pairs + 1) < 0 ||
	    rte_intr_type_set(h, RTE_INTR_HANDLE_VDEV) < 0 ||
	    rte_intr_efd_counter_size_set(h, sizeof(uint64_t)) < 0)
		return -EINVAL;
	return 0;
}

static int
vdpa_dev_start(struct rte_eth_dev *dev)
{
	struct vdpa_port *p = dev->data->dev_private;
	uint16_t q;
	int ret;

	if (p->state == VDPA_STATE_SUSPENDED && p->need_reset)
		vdpa_dev_reset_full(p);
	if (p->state == VDPA_STATE_SUSPENDED) {
		ret = vdp_dev_resume(p->dev);
		if (ret < 0) {
			VDPA_LOG(WARNING, "%s: RESUME failed (%s): resetting the device instead",
				 p->name, strerror(-ret));
			vdpa_dev_reset_full(p);
		} else {
			p->cnt.resumes++;
			p->state = VDPA_STATE_RUNNING;
			for (q = 0; q < p->pairs; q++)
				vdpa_rxq_refill(dev->data->rx_queues[q]);
			vdpa_kick_all(p);
		}
	}
	if (p->state == VDPA_STATE_RESET) {
		ret = vdpa_rx_intr_install(dev);
		if (ret < 0) {
			VDPA_LOG(ERR, "%s: Rx interrupts could not be set up", p->name);
			return ret;
		}
		ret = vdpa_dev_bring_up(p);
		if (ret < 0)
			return ret;
	}
	for (q = 0; q < p->pairs; q++) {
		dev->data->rx_queue_state[q] = RTE_ETH_QUEUE_STATE_STARTED;
		dev->data->tx_queue_state[q] = RTE_ETH_QUEUE_STATE_STARTED;
	}
	dev->data->dev_started = 1;
	vdpa_link_read(p);
	return 0;
}

static int
vdpa_dev_stop(struct rte_eth_dev *dev)
{
	struct vdpa_port *p = dev->data->dev_private;
	uint16_t q;
	int ret = 0;

	dev->data->dev_started = 0;
	if (p->state == VDPA_STATE_RUNNING && p->can_suspend && !p->need_reset) {
		ret = vdp_dev_suspend(p->dev);
		if (ret == 0) {
			p->cnt.suspends++;
			p->state = VDPA_STATE_SUSPENDED;
		} else {
			VDPA_LOG(WARNING, "%s: SUSPEND failed (%s): resetting the device instead",
				 p->name, strerror(-ret));
		}
	}
	if (p->state == VDPA_STATE_RUNNING)
		ret = vdpa_dev_reset_full(p);
	for (q = 0; q < dev->data->nb_rx_queues; q++)
		dev->data->rx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (q = 0; q < dev->data->nb_tx_queues; q++)
		dev->data->tx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	vdpa_link_read(p);
	return ret;
}

static void
vdpa_port_teardown(struct vdpa_port *p)
{
	if (p->mem != NULL) {
		vdpa_mem_detach(p->mem);
		p->mem = NULL;
	}
	vdpa_config_intr_teardown(p);
	if (p->dev != NULL) {
		vdpa_vq_res_free(p);
		/* closing the fd resets the device and drops every mapping (spec §6.4) */
		vdp_dev_close(p->dev);
		p->dev = NULL;
	}
	if (p->map != NULL) {
		vdp_iotlb_destroy(p->map);
		p->map = NULL;
	}
}

static int
vdpa_dev_close(struct rte_eth_dev *dev)
{
	struct vdpa_port *p = dev->data->dev_private;
	uint16_t q;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	vdpa_rx_ports[dev->data->port_id] = false;
	if (p->state != VDPA_STATE_RESET)
		vdpa_dev_reset_full(p);
	vdpa_port_teardown(p);
	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		vdpa_rxq_free(dev->data->rx_queues[q]);
		dev->data->rx_queues[q] = NULL;
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++) {
		vdpa_txq_free(dev->data->tx_queues[q]);
		dev->data->tx_queues[q] = NULL;
	}
	vdpa_cvq_free(p);
	if (dev->intr_handle != NULL) {
		rte_intr_vec_list_free(dev->intr_handle);
		rte_intr_instance_free(dev->intr_handle);
		dev->intr_handle = NULL;
	}
	dev->data->mac_addrs = NULL;	/* in dev_private: ethdev must not free it */
	return 0;
}

static int
vdpa_link_update(struct rte_eth_dev *dev, int wait)
{
	(void)wait;
	vdpa_link_read(dev->data->dev_private);
	return 0;
}

/*
 * A control command whose value the running device already holds is not sent: ethdev replays
 * the MAC and the Rx modes after each start, which would cost a control-queue round trip each.
 */
static bool
vdpa_ctrl_holds(const struct vdpa_port *p, uint8_t what, bool same)
{
	return p->state == VDPA_STATE_RUNNING && (p->ctrl_synced & what) && same;
}

static int
vdpa_rx_mode_set(struct vdpa_port *p, uint8_t cmd, bool on, bool *state)
{
	uint8_t what = cmd == VIRTIO_NET_CTRL_RX_PROMISC ? VDPA_SYNC_PROMISC : VDPA_SYNC_ALLMULTI;
	uint8_t v = on;
	int ret;

	if (!(p->info.features & VDPA_F(VIRTIO_NET_F_CTRL_RX))) {
		VDPA_LOG(INFO, "%s: the device has no RX mode control (CTRL_RX not offered)",
			 p->name);
		return -ENOTSUP;
	}
	if (vdpa_ctrl_holds(p, what, *state == on))
		return 0;
	if (p->state == VDPA_STATE_RUNNING && vdpa_has(p, VIRTIO_NET_F_CTRL_RX)) {
		ret = vdpa_cvq_cmd(p, VIRTIO_NET_CTRL_RX, cmd, &v, 1);
		if (ret < 0)
			return ret;
		p->ctrl_synced |= what;
	}
	*state = on;
	return 0;
}

static int
vdpa_promisc_enable(struct rte_eth_dev *dev)
{
	struct vdpa_port *p = dev->data->dev_private;

	return vdpa_rx_mode_set(p, VIRTIO_NET_CTRL_RX_PROMISC, true, &p->promisc);
}

static int
vdpa_promisc_disable(struct rte_eth_dev *dev)
{
	struct vdpa_port *p = dev->data->dev_private;

	return vdpa_rx_mode_set(p, VIRTIO_NET_CTRL_RX_PROMISC, false, &p->promisc);
}

static int
vdpa_allmulti_enable(struct rte_eth_dev *dev)
{
	struct vdpa_port *p = dev->data->dev_private;

	return vdpa_rx_mode_set(p, VIRTIO_NET_CTRL_RX_ALLMULTI, true, &p->allmulti);
}

static int
vdpa_allmulti_disable(struct rte_eth_dev *dev)
{
	struct vdpa_port *p = dev->data->dev_private;

	return vdpa_rx_mode_set(p, VIRTIO_NET_CTRL_RX_ALLMULTI, false, &p->allmulti);
}

static int
vdpa_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *mac)
{
	struct vdpa_port *p = dev->data->dev_private;
	int ret;

	if (vdpa_ctrl_holds(p, VDPA_SYNC_MAC, rte_is_same_ether_addr(mac, &p->mac)))
		return 0;
	if (p->state == VDPA_STATE_RUNNING && vdpa_has(p, VIRTIO_NET_F_CTRL_MAC_ADDR)) {
		ret = vdpa_cvq_cmd(p, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET,
				   mac->addr_bytes, RTE_ETHER_ADDR_LEN);
		if (ret < 0)
			return ret;
		p->ctrl_synced |= VDPA_SYNC_MAC;
	} else if (!(p->info.features & VDPA_F(VIRTIO_NET_F_CTRL_MAC_ADDR))) {
		/* no control command: the config space is the only way (virtio 1.x: read-only
		 * for the driver, some parents accept it anyway) */
		if (vdp_dev_set_config(p->dev, VDPA_CFG_MAC_OFF, mac->addr_bytes,
				       RTE_ETHER_ADDR_LEN) < 0) {
			VDPA_LOG(ERR, "%s: the device has no CTRL_MAC_ADDR and refused the MAC in "
				 "its config space", p->name);
			return -ENOTSUP;
		}
	}
	p->mac = *mac;
	return 0;
}

static int
vdpa_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct vdpa_port *p = dev->data->dev_private;
	uint16_t q;

	if (mtu > p->mtu_max) {
		VDPA_LOG(ERR, "%s: MTU %u is above the device MTU %u", p->name, mtu, p->mtu_max);
		return -EINVAL;
	}
	if (!(p->features_wanted & VDPA_F(VIRTIO_NET_F_MRG_RXBUF))) {
		for (q = 0; q < dev->data->nb_rx_queues; q++) {
			struct vdpa_rxq *rxq = dev->data->rx_queues[q];

			if (rxq != NULL && (uint32_t)rxq->buf_len - VDPA_NET_HDR_LEN <
			    (uint32_t)mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN) {
				VDPA_LOG(ERR, "%s: MTU %u does not fit the %u-byte mbufs of Rx "
					 "queue %u and the device does not merge Rx buffers",
					 p->name, mtu, rxq->buf_len - VDPA_NET_HDR_LEN, q);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int
vdpa_dev_reset(struct rte_eth_dev *dev)
{
	struct vdpa_port *p = dev->data->dev_private;

	/* back to the state after probe: device reset, maps as the protocol wants them */
	vdpa_dev_reset_full(p);
	p->need_reset = false;
	return 0;
}

static int
vdpa_rx_queue_intr_enable(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vdpa_rxq *q = dev->data->rx_queues[qid];

	if (q == NULL || q->callfd < 0)
		return -ENOTSUP;
	vdp_virtq_intr_enable(q->vq);
	return 0;
}

static int
vdpa_rx_queue_intr_disable(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vdpa_rxq *q = dev->data->rx_queues[qid];

	if (q == NULL || q->callfd < 0)
		return -ENOTSUP;
	vdp_virtq_intr_disable(q->vq);
	return 0;
}

static const uint32_t *
vdpa_supported_ptypes(struct rte_eth_dev *dev)
{
	static const uint32_t ptypes[] = { RTE_PTYPE_UNKNOWN };

	(void)dev;
	return ptypes;
}

static const struct eth_dev_ops vdpa_ops = {
	.dev_configure = vdpa_dev_configure,
	.dev_start = vdpa_dev_start,
	.dev_stop = vdpa_dev_stop,
	.dev_close = vdpa_dev_close,
	.dev_reset = vdpa_dev_reset,
	.dev_infos_get = vdpa_dev_infos_get,
	.dev_supported_ptypes_get = vdpa_supported_ptypes,
	.link_update = vdpa_link_update,
	.promiscuous_enable = vdpa_promisc_enable,
	.promiscuous_disable = vdpa_promisc_disable,
	.allmulticast_enable = vdpa_allmulti_enable,
	.allmulticast_disable = vdpa_allmulti_disable,
	.mac_addr_set = vdpa_mac_addr_set,
	.mtu_set = vdpa_mtu_set,
	.rx_queue_setup = vdpa_rx_queue_setup,
	.rx_queue_release = vdpa_rx_queue_release,
	.tx_queue_setup = vdpa_tx_queue_setup,
	.tx_queue_release = vdpa_tx_queue_release,
	.rx_queue_intr_enable = vdpa_rx_queue_intr_enable,
	.rx_queue_intr_disable = vdpa_rx_queue_intr_disable,
	.stats_get = vdpa_stats_get,
	.stats_reset = vdpa_stats_reset,
	.xstats_get = vdpa_xstats_get,
	.xstats_get_names = vdpa_xstats_get_names,
	.xstats_reset = vdpa_xstats_reset,
};

/* --- probe ------------------------------------------------------------------------------- */

static int
vdpa_backend_negotiate(struct vdpa_port *p)
{
	uint64_t offered = p->info.backend_offered, wanted, acked;
	char why[256];
	bool persist;
	int ret;

	ret = vdp_iotlb_persist_decide(p->args.persist,
				       offered & VDP_BACKEND(VHOST_BACKEND_F_IOTLB_PERSIST),
				       &persist, why, sizeof(why));
	if (ret < 0)
		return ret;	/* lib/iotlb logged why */
	wanted = VDP_BACKEND(VHOST_BACKEND_F_IOTLB_BATCH);
	if (persist)
		wanted |= VDP_BACKEND(VHOST_BACKEND_F_IOTLB_PERSIST);
	if (p->args.suspend != VDPA_OFF)
		wanted |= VDP_BACKEND(VHOST_BACKEND_F_SUSPEND) |
			  VDP_BACKEND(VHOST_BACKEND_F_RESUME);
	ret = vdp_dev_negotiate_backend(p->dev, VDP_BACKEND(VHOST_BACKEND_F_IOTLB_MSG_V2),
					wanted, &acked);
	if (ret < 0)
		return ret;
	p->backend_acked = acked;
	p->persist = (acked & VDP_BACKEND(VHOST_BACKEND_F_IOTLB_PERSIST)) != 0;
	p->can_suspend = (acked & VDP_BACKEND(VHOST_BACKEND_F_SUSPEND)) &&
			 (acked & VDP_BACKEND(VHOST_BACKEND_F_RESUME));
	return 0;
}

static int
vdpa_config_read(struct vdpa_port *p)
{
	uint8_t cfg[12] = { 0 };
	uint32_t len = RTE_MIN(p->info.config_size, (uint32_t)sizeof(cfg));
	uint64_t f = p->info.features;
	int ret;

	if (len > 0) {
		ret = vdp_dev_get_config(p->dev, 0, cfg, len);
		if (ret < 0)
			return ret;
	}
	p->max_pairs = 1;
	if ((f & VDPA_F(VIRTIO_NET_F_MQ)) && len >= VDPA_CFG_PAIRS_OFF + 2)
		p->max_pairs = RTE_MAX(vdpa_le16(cfg + VDPA_CFG_PAIRS_OFF), 1);
	if (p->max_pairs > VDPA_MAX_QUEUE_PAIRS) {
		VDPA_LOG(INFO, "%s: the device has %u queue pairs; the PMD drives up to %u",
			 p->name, p->max_pairs, VDPA_MAX_QUEUE_PAIRS);
		p->max_pairs = VDPA_MAX_QUEUE_PAIRS;
	}
	p->mtu_max = VDPA_MTU_NO_FEATURE;
	if ((f & VDPA_F(VIRTIO_NET_F_MTU)) && len >= VDPA_CFG_MTU_OFF + 2)
		p->mtu_max = vdpa_le16(cfg + VDPA_CFG_MTU_OFF);
	if (p->args.mac_set) {
		p->mac = p->args.mac;
		if (!(f & VDPA_F(VIRTIO_NET_F_CTRL_MAC_ADDR)))
			vdp_dev_set_config(p->dev, VDPA_CFG_MAC_OFF, p->mac.addr_bytes,
					   RTE_ETHER_ADDR_LEN);
	} else if (f & VDPA_F(VIRTIO_NET_F_MAC)) {
		memcpy(p->mac.addr_bytes, cfg + VDPA_CFG_MAC_OFF, RTE_ETHER_ADDR_LEN);
	} else {
		rte_eth_random_addr(p->mac.addr_bytes);
	}
	return 0;
}

bool vdpa_rx_ports[RTE_MAX_ETHPORTS];

/* Is the vhost-vdpa device behind path on a PCI bus? Its sysfs node tells. */
static bool
vdpa_parent_is_pci(const char *path)
{
	char link[PATH_MAX], real[PATH_MAX];
	const char *base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	if ((size_t)snprintf(link, sizeof(link), "/sys/class/vhost-vdpa/%s", base) >=
	    sizeof(link) || realpath(link, real) == NULL)
		return false;
	return strstr(real, "/pci") != NULL;
}

/*
 * tx_hdr=auto: hardware reads each descriptor and buffer across the bus, so one descriptor
 * per frame (inline) suits it best; a device in software (vdpa_sim, VDUSE) reads through the
 * caches, where not touching a header line the device wrote pays more (frame).
 */
static void
vdpa_tx_hdr_resolve(struct vdpa_port *p)
{
	static const char *const names[] = {
		[VDPA_TX_HDR_INLINE] = "inline", [VDPA_TX_HDR_SHARED] = "shared",
		[VDPA_TX_HDR_FRAME] = "frame",
	};
	bool pci;

	p->tx_hdr = p->args.tx_hdr;
	if (p->tx_hdr != VDPA_TX_HDR_AUTO)
		return;
	pci = vdpa_parent_is_pci(p->args.path);
	p->tx_hdr = pci ? VDPA_TX_HDR_INLINE : VDPA_TX_HDR_FRAME;
	VDPA_LOG(INFO, "%s: tx_hdr=auto: %s (%s)", p->name, names[p->tx_hdr],
		 pci ? "the parent is a PCI device" :
		 "no PCI parent in sysfs: a device in software is assumed");
}

static int
vdpa_port_open(struct vdpa_port *p)
{
	int ret;

	ret = vdp_dev_open(p->args.path, &p->dev);
	if (ret < 0)
		return ret;
	ret = vdp_dev_set_owner(p->dev);
	if (ret < 0)
		return ret;
	ret = vdp_dev_query(p->dev, &p->info);
	if (ret < 0)
		return ret;
	if (p->info.device_id != VIRTIO_ID_NET) {
		VDPA_LOG(ERR, "%s: %s is a virtio device of type %u, not virtio-net (1): this "
			 "PMD drives network devices only", p->name, p->args.path,
			 p->info.device_id);
		return -ENODEV;
	}
	ret = vdpa_backend_negotiate(p);
	if (ret < 0)
		return ret;
	ret = vdpa_config_read(p);
	if (ret < 0)
		return ret;
	if (p->args.queues > p->max_pairs) {
		VDPA_LOG(ERR, "%s: queues=%u but the device has %u queue pair%s%s", p->name,
			 p->args.queues, p->max_pairs, p->max_pairs == 1 ? "" : "s",
			 (p->info.features & VDPA_F(VIRTIO_NET_F_MQ)) ? "" :
			 " (no MQ feature)");
		return -EINVAL;
	}
	if (p->args.queue_size > p->info.vring_num_max) {
		VDPA_LOG(ERR, "%s: queue_size=%u but the device takes at most %u", p->name,
			 p->args.queue_size, p->info.vring_num_max);
		return -EINVAL;
	}
	p->ring_size = p->args.queue_size != 0 ? p->args.queue_size :
		       (uint16_t)rte_align32prevpow2(p->info.vring_num_max);
	ret = vdp_iotlb_create_dev(p->dev, &p->map);
	if (ret < 0)
		return ret;
	/* all DPDK memory, once: with PERSIST it stays mapped until close */
	ret = vdpa_mem_attach(p->map, 0, p->name, &p->mem);
	if (ret < 0)
		return ret;	/* lib/iotlb and vdpa_mem said what and why */
	p->maps_valid = true;
	return 0;
}

static int
vdpa_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *eth_dev;
	struct vdpa_args args;
	struct vdpa_port *p;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		VDPA_LOG(ERR, "%s: secondary processes are not supported: the device fd belongs "
			 "to the primary", name);
		return -ENOTSUP;
	}
	vdp_log_set_handler(vdpa_lib_log, NULL);
	vdp_log_set_level(VDP_LOG_DEBUG);
	ret = vdpa_args_parse(name, rte_vdev_device_args(vdev), &args);
	if (ret < 0)
		return ret;
	eth_dev = rte_eth_vdev_allocate(vdev, sizeof(struct vdpa_priv));
	if (eth_dev == NULL) {
		VDPA_LOG(ERR, "%s: no ethdev port left (RTE_MAX_ETHPORTS)", name);
		return -ENOMEM;
	}
	p = eth_dev->data->dev_private;
	memset(eth_dev->data->dev_private, 0, sizeof(struct vdpa_priv));
	vdpa_vq_res_init(p);
	p->args = args;
	p->eth_dev = eth_dev;
	p->config_fd = -1;
	/* ethdev's view at probe; start sends it, and ethdev restores its own after start */
	p->promisc = false;
	rte_spinlock_init(&p->recover_lock);
	snprintf(p->name, sizeof(p->name), "%s", name);
	ret = vdpa_port_open(p);
	if (ret < 0)
		goto fail;
	p->pairs = p->args.queues;
	vdpa_tx_hdr_resolve(p);
	ret = vdpa_features_compute(p, NULL);
	if (ret < 0)
		goto fail;
	if (p->info.features & VDPA_F(VIRTIO_NET_F_CTRL_VQ)) {
		ret = vdpa_cvq_create(p, VDPA_CVQ_SIZE, vdev->device.numa_node);
		if (ret < 0)
			goto fail;
	}
	ret = vdpa_config_intr_setup(p);
	if (ret < 0)
		VDPA_LOG(INFO, "%s: no config interrupt: link changes are seen on link_update",
			 name);
	eth_dev->dev_ops = &vdpa_ops;
	eth_dev->data->mac_addrs = &p->mac;
	eth_dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC;
	eth_dev->rx_pkt_burst = vdpa_rx_burst;
	eth_dev->tx_pkt_burst = vdpa_tx_burst;
	eth_dev->tx_pkt_prepare = vdpa_tx_prepare;
	vdpa_telemetry_register();
	vdpa_rx_ports[eth_dev->data->port_id] = true;
	rte_eth_dev_probing_finish(eth_dev);
	VDPA_LOG(INFO, "%s: %s, %u queue pair%s max, ring %u, IOTLB persist %s, stop %s",
		 name, p->args.path, p->max_pairs, p->max_pairs == 1 ? "" : "s", p->ring_size,
		 p->persist ? "acked" : "not acked: unmap before reset, remap after",
		 p->can_suspend ? "by SUSPEND/RESUME" : "by reset");
	return 0;
fail:
	vdpa_cvq_free(p);
	vdpa_port_teardown(p);
	eth_dev->data->mac_addrs = NULL;
	rte_eth_dev_release_port(eth_dev);
	return ret;
}

static int
vdpa_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *eth_dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));

	if (eth_dev == NULL)
		return 0;
	vdpa_dev_close(eth_dev);
	return rte_eth_dev_release_port(eth_dev);
}

static struct rte_vdev_driver vdpa_driver = {
	.probe = vdpa_probe,
	.remove = vdpa_remove,
};

RTE_PMD_REGISTER_VDEV(net_vhost_vdpa, vdpa_driver);
RTE_PMD_REGISTER_PARAM_STRING(net_vhost_vdpa, VDPA_PARAM_STRING);
