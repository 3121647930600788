/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtio-net device behind the simulated vhost-vdpa: config space, receive filter, control
 * queue and the traffic modes (loopback, generator, sink). Modelled on the kernel's
 * vdpa_sim_net (spec/vhost-vdpa-uapi.md §8) and extended with what that one lacks: several
 * queue pairs, merged RX buffers, packed rings, a real link state.
 *
 * Queue layout: RX of pair i is vq 2i, TX is 2i + 1; the control vq is the last one when MQ is
 * negotiated and vq 2 otherwise (virtio 1.2, 5.1.2).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim_device.h"

enum net_state {
	NET_IDLE,	/* drained: wait for the next kick */
	NET_MORE,	/* budget used up: run again without a kick */
	NET_STOP,	/* no RX buffer or a bad chain: wait for the next kick (vdpa_sim) */
};

/* What one processing pass needs, computed once per pass from the negotiated features. */
struct net_pass {
	struct sim_dev *dev;
	struct sim_net *net;
	bool poll;
	bool mrg;
	uint32_t hdr_len;
	uint64_t work;
	struct sim_chain chain;		/* the TX or control chain being handled */
	uint8_t cvq_carry;		/* control queue: see net_cvq_exec() */
};

/* What one element of a burst came to. */
enum net_step {
	NET_STEP_EMPTY,	/* nothing to take: the burst ends */
	NET_STEP_DONE,	/* one element handled: go on */
	NET_STEP_STOP,	/* a bad chain, no RX buffer or NEEDS_RESET: the vq waits (NET_STOP) */
};

/* One element of vq q; peer is the other vq of the burst (NET_NO_PEER for none). */
typedef enum net_step (*net_step_fn)(struct net_pass *p, uint32_t q, uint32_t peer);

#define NET_NO_PEER UINT32_MAX

/* A read position in a list of iovs. */
struct iov_cursor {
	const struct sim_iov *iov;
	uint32_t n, i, off;
};

#define CONFIG_MAC_OFF 0
#define CONFIG_STATUS_OFF 6
#define CONFIG_MAX_PAIRS_OFF 8
#define CONFIG_MTU_OFF 10
#define CVQ_DATA_MAX 64
#define GEN_FRAME_MIN 14
#define GEN_ETHERTYPE 0x88b5	/* IEEE local experimental */

static inline void
put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static inline uint32_t
vq_bit(uint32_t idx)
{
	return 1u << idx;
}

static uint32_t
net_cvq_index(const struct sim_dev *dev)
{
	if (sim_dev_has(dev, VIRTIO_NET_F_MQ))
		return dev->nvqs - 1;
	return 2;
}

static bool
net_mq_offered(const struct sim_dev *dev)
{
	return ((dev->dev_features | sim_opts.features) >> VIRTIO_NET_F_MQ & 1) ||
	       sim_opts.queue_pairs > 1;
}

static void
net_config_status(struct sim_dev *dev)
{
	put_le16(&dev->config[CONFIG_STATUS_OFF],
		 dev->net != NULL && dev->net->link_up ? VIRTIO_NET_S_LINK_UP : 0);
}

static int
net_gen_build(struct sim_net *net)
{
	static const char tag[] = "vdpath-sim generator frame ";
	uint32_t len = sim_opts.frame_size;
	uint8_t *f;
	uint32_t i;

	if (len < GEN_FRAME_MIN)
		len = GEN_FRAME_MIN;
	if (len > SIM_MAX_FRAME - SIM_NET_HDR_LEN)
		len = SIM_MAX_FRAME - SIM_NET_HDR_LEN;
	net->gen_buf = calloc(1, SIM_NET_HDR_LEN + len);
	if (net->gen_buf == NULL)
		return -ENOMEM;
	net->gen_frame_len = len;
	f = net->gen_buf + SIM_NET_HDR_LEN;
	memset(f, 0xff, 6);		/* broadcast: passes every receive filter */
	memcpy(f + 6, sim_opts.mac, 6);
	f[12] = GEN_ETHERTYPE >> 8;
	f[13] = GEN_ETHERTYPE & 0xff;
	for (i = 14; i < len; i++)
		f[i] = (uint8_t)tag[(i - 14) % (sizeof(tag) - 1)];
	return 0;
}

void
sim_net_init(struct sim_dev *dev)
{
	unsigned int qp = sim_opts.queue_pairs;
	struct sim_net *net = dev->net;

	/* once per device: the config space outlives opens and resets (vdpa_sim) */
	if (net != NULL)
		return;
	if (qp < 1)
		qp = 1;
	if (qp > SIM_MAX_QUEUE_PAIRS)
		qp = SIM_MAX_QUEUE_PAIRS;
	dev->nvqs = 2 * qp + 1;
	net = calloc(1, sizeof(*net));
	if (net == NULL || net_gen_build(net) < 0) {
		free(net);
		net = NULL;
		SIM_LOG(dev, "out of memory for the device state; the device will not process "
			"any queue");
	} else {
		net->link_up = true;
		net->active_pairs = 1;
		dev->net = net;
	}
	memset(dev->config, 0, sizeof(dev->config));
	memcpy(&dev->config[CONFIG_MAC_OFF], sim_opts.mac, 6);
	net_config_status(dev);
	/* vdpa_sim leaves max_virtqueue_pairs 0 when MQ is not offered */
	put_le16(&dev->config[CONFIG_MAX_PAIRS_OFF], net_mq_offered(dev) ? qp : 0);
	put_le16(&dev->config[CONFIG_MTU_OFF], sim_opts.mtu);
}

void
sim_net_reset(struct sim_dev *dev)
{
	struct sim_net *net = dev->net;
	uint32_t i;

	if (net == NULL)
		return;
	for (i = 0; i < SIM_MAX_VQS; i++)
		sim_ring_clear(dev, i);
	/* receive mode and queue pairs are driver state; MAC, link and counters are not */
	net->promisc = false;
	net->allmulti = false;
	net->active_pairs = 1;
	net->pkts_since_reset = 0;
	net->kicked = 0;
}

/* Make the per-pass scratch large enough for chains of a ring of num entries. */
static int
net_scratch_reserve(struct sim_dev *dev, uint32_t num)
{
	struct sim_net *net = dev->net;
	struct sim_iov *tx, *rx;
	struct sim_rx_buf *bufs;

	if (num <= net->scratch_cap)
		return 0;
	tx = realloc(net->iov_tx, num * sizeof(*tx));
	if (tx != NULL)
		net->iov_tx = tx;
	rx = realloc(net->iov_rx, num * sizeof(*rx));
	if (rx != NULL)
		net->iov_rx = rx;
	bufs = realloc(net->rx_bufs, num * sizeof(*bufs));
	if (bufs != NULL)
		net->rx_bufs = bufs;
	if (tx == NULL || rx == NULL || bufs == NULL)
		return -ENOMEM;
	net->scratch_cap = num;
	return 0;
}

int
sim_net_queue_ready(struct sim_dev *dev, uint32_t idx, bool ready)
{
	int rc;

	if (idx >= dev->nvqs || idx >= SIM_MAX_VQS)
		return -ENOBUFS;
	if (dev->net == NULL)
		return -ENODEV;
	if (!ready) {
		sim_ring_save(dev, idx);
		return 0;
	}
	if (dev->vq[idx].running)
		return 0;
	rc = net_scratch_reserve(dev, dev->vq[idx].num);
	if (rc < 0) {
		SIM_LOG(dev, "vq %u: no memory for chains of %u descriptors; the vq stays "
			"stopped", idx, dev->vq[idx].num);
		return rc;
	}
	return sim_ring_setup(dev, idx);
}

void
sim_net_status_changed(struct sim_dev *dev, uint8_t old_status)
{
	/* DRIVER_OK alone starts nothing (kicks before it are lost); the thread re-reads the
	 * status, e.g. to release kicks deferred by a suspend, and follows kick eventfds set
	 * before it. ACKNOWLEDGE, DRIVER and FEATURES_OK concern no thread. */
	if ((old_status ^ dev->status) & (VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_FAILED))
		sim_thread_wake(dev);
}

int
sim_net_get_vq_state(struct sim_dev *dev, uint32_t idx, uint32_t *base)
{
	if (idx >= dev->nvqs || idx >= SIM_MAX_VQS)
		return -ENOBUFS;
	if (dev->net == NULL) {
		*base = dev->vq[idx].base;
		return 0;
	}
	*base = sim_ring_state(dev, idx);
	return 0;
}

void
sim_net_config_read(struct sim_dev *dev)
{
	/* vdpa_sim rewrites status on every read; ours reflects the simulated link */
	net_config_status(dev);
}

void
sim_net_config_written(struct sim_dev *dev)
{
	/* The receive filter reads the MAC from dev->config at each frame and status is
	 * rendered at each read, so a write needs no follow-up. */
	(void)dev;
}

void
sim_net_link_set(struct sim_dev *dev, bool up)
{
	if (dev->net == NULL || dev->net->link_up == up)
		return;
	dev->net->link_up = up;
	net_config_status(dev);
	sim_config_interrupt(dev);
	if (up) {
		/* nothing ran while down: what the driver queued must not wait for a new kick */
		dev->net->link_resumed = true;
		sim_thread_wake(dev);
	}
}

void
sim_net_set_needs_reset(struct sim_dev *dev, const char *why)
{
	if (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	dev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	SIM_LOG(dev, "status NEEDS_RESET set (%s): the device stops until the driver resets it",
		why);
	sim_config_interrupt(dev);
}

uint32_t
sim_net_ready_mask(struct sim_dev *dev)
{
	uint32_t i, mask = 0;

	for (i = 0; i < dev->nvqs && i < SIM_MAX_VQS; i++)
		if (dev->vq[i].ready && dev->vq[i].running)
			mask |= vq_bit(i);
	return mask;
}

/* ---- data movement ---- */

/* Copy up to max bytes from the cursor into dst; returns the bytes copied. */
static uint32_t
iov_copy(struct iov_cursor *src, const struct sim_iov *dst, uint32_t ndst, uint32_t max)
{
	uint32_t d = 0, doff = 0, done = 0;

	while (done < max && src->i < src->n && d < ndst) {
		const struct sim_iov *s = &src->iov[src->i];
		uint32_t n = s->len - src->off;

		if (n > dst[d].len - doff)
			n = dst[d].len - doff;
		if (n > max - done)
			n = max - done;
		memcpy(dst[d].base + doff, s->base + src->off, n);
		done += n;
		src->off += n;
		doff += n;
		if (src->off == s->len) {
			src->i++;
			src->off = 0;
		}
		if (doff == dst[d].len) {
			d++;
			doff = 0;
		}
	}
	return done;
}

/* Host address of byte off of a chain's writable part, NULL past its end. */
static uint8_t *
iov_byte(const struct sim_iov *iov, uint32_t n, uint64_t off)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (off < iov[i].len)
			return iov[i].base + off;
		off -= iov[i].len;
	}
	return NULL;
}

/* Gather len bytes at off of the chain's readable part; false if it is shorter. */
static bool
iov_read(const struct sim_iov *iov, uint32_t n, uint64_t off, uint8_t *out, uint32_t len)
{
	uint32_t i, got = 0;

	for (i = 0; i < n && got < len; i++) {
		uint32_t take;

		if (off >= iov[i].len) {
			off -= iov[i].len;
			continue;
		}
		take = iov[i].len - (uint32_t)off;
		if (take > len - got)
			take = len - got;
		memcpy(out + got, iov[i].base + off, take);
		got += take;
		off = 0;
	}
	return got == len;
}

/*
 * vdpa_sim's filter: broadcast and multicast pass, unicast is compared with the config MAC by
 * strncmp(), which stops at the first NUL byte the two share. Promiscuous mode passes all.
 */
static bool
net_filter(struct net_pass *p, const struct sim_chain *tx, uint32_t len)
{
	const uint8_t *mac = &p->dev->config[CONFIG_MAC_OFF];
	uint8_t dst[6];
	unsigned int i;

	if (len < p->hdr_len + 6)
		return false;
	if (p->net->promisc)
		return true;
	if (!iov_read(tx->iov, tx->nread, p->hdr_len, dst, sizeof(dst)))
		return false;
	if (dst[0] & 1)
		return true;
	for (i = 0; i < 6; i++) {
		if (dst[i] != mac[i])
			return false;
		if (dst[i] == 0)
			return true;
	}
	return true;
}

static bool
net_count_packet(struct net_pass *p)
{
	p->work++;
	if (sim_opts.needs_reset_after == 0 ||
	    ++p->net->pkts_since_reset < sim_opts.needs_reset_after)
		return false;
	sim_net_set_needs_reset(p->dev, "--needs-reset-after reached");
	return true;
}

/*
 * Deliver len bytes (virtio-net header included) into the RX vq: one buffer, or several with
 * MRG_RXBUF (num_buffers set in the first). Returns 1 when delivered, 0 when the RX buffers
 * ran out (nothing taken), negative on a bad RX chain (counted, taken, not completed).
 */
static int
net_rx_deliver(struct net_pass *p, uint32_t rxq, const struct sim_iov *src, uint32_t nsrc,
	       uint32_t len)
{
	struct sim_dev *dev = p->dev;
	struct sim_net *net = p->net;
	struct iov_cursor cur = { .iov = src, .n = nsrc };
	struct sim_chain rx = { .iov = net->iov_rx, .cap = net->scratch_cap };
	struct sim_ring_mark mark;
	uint8_t *nb_lo = NULL, *nb_hi = NULL;
	uint32_t nbufs = 0, left = len;
	int rc;

	sim_ring_mark(dev, rxq, &mark);
	do {
		if (nbufs == net->scratch_cap) {
			sim_ring_rewind(dev, rxq, &mark);
			return 0;
		}
		rc = sim_ring_pop(dev, rxq, &rx, SIM_CHAIN_WRITE);
		if (rc == 0) {
			sim_ring_rewind(dev, rxq, &mark);
			return 0;
		}
		if (rc < 0)
			return rc;
		if (nbufs == 0 && p->mrg) {
			nb_lo = iov_byte(rx.iov, rx.niov, SIM_NET_HDR_NUM_BUFFERS_OFF);
			nb_hi = iov_byte(rx.iov, rx.niov, SIM_NET_HDR_NUM_BUFFERS_OFF + 1);
		}
		net->rx_bufs[nbufs].id = rx.id;
		net->rx_bufs[nbufs].ndesc = rx.ndesc;
		net->rx_bufs[nbufs].cap = rx.write_len;
		net->rx_bufs[nbufs].len = iov_copy(&cur, rx.iov, rx.niov, left);
		left -= net->rx_bufs[nbufs].len;
		nbufs++;
	} while (left > 0 && p->mrg);
	/* the header is copied verbatim but num_buffers is the device's to set */
	if (nb_lo != NULL)
		*nb_lo = nbufs & 0xff;
	if (nb_hi != NULL)
		*nb_hi = nbufs >> 8;
	sim_ring_push_n(dev, rxq, net->rx_bufs, nbufs);
	dev->vq[rxq].packets++;
	dev->vq[rxq].bytes += len - left > p->hdr_len ? len - left - p->hdr_len : 0;
	return 1;
}

static int
net_enter(struct net_pass *p, uint32_t idx)
{
	struct sim_ring *r = &p->net->ring[idx];
	bool probe = p->poll && !(p->net->kicked & vq_bit(idx));
	int rc;

	p->net->kicked &= ~vq_bit(idx);
	rc = sim_ring_begin(p->dev, idx, p->poll, probe);
	if (rc == -EFAULT && !probe) {
		if (!r->faulted)
			SIM_LOG(p->dev, "vq %u: ring addresses (desc 0x%" PRIx64 ", driver 0x%"
				PRIx64 ", device 0x%" PRIx64 ") are not mapped in the device "
				"IOTLB (DMA fault counted); the vq waits for a kick after the map",
				idx, r->desc_iova, r->driver_iova, r->device_iova);
		r->faulted = true;
	} else if (rc == 0) {
		r->faulted = false;
	}
	return rc;
}

/* Take one TX chain and count it; 0: ring empty, < 0: a bad chain (counted). */
static int
net_tx_take(struct net_pass *p, uint32_t txq, struct sim_chain *tx, uint32_t *len)
{
	struct sim_dev *dev = p->dev;
	int rc;

	rc = sim_ring_pop(dev, txq, tx, SIM_CHAIN_READ);
	if (rc <= 0) {
		if (rc < 0)
			dev->stats.tx_errors++;
		return rc;
	}
	*len = tx->read_len > SIM_MAX_FRAME ? SIM_MAX_FRAME : (uint32_t)tx->read_len;
	dev->vq[txq].packets++;
	dev->vq[txq].bytes += *len > p->hdr_len ? *len - p->hdr_len : 0;
	return rc;
}

/*
 * Up to SIM_BURST elements of vq q, the loop every traffic mode and the control queue share.
 * The rings of peer, when there is one, are translated for the same pass (loopback: TX is q,
 * RX the peer). Inlined so each caller's step is a direct call.
 */
static inline __attribute__((always_inline)) enum net_state
net_burst(struct net_pass *p, net_step_fn step, uint32_t q, uint32_t peer)
{
	enum net_step last = NET_STEP_DONE;
	uint32_t n;
	bool more;

	if (net_enter(p, q) < 0)
		return NET_IDLE;
	if (peer != NET_NO_PEER && net_enter(p, peer) < 0) {
		sim_ring_end(p->dev, q, p->poll);
		return NET_IDLE;
	}
	p->chain = (struct sim_chain){ .iov = p->net->iov_tx, .cap = p->net->scratch_cap };
	for (n = 0; n < SIM_BURST && last == NET_STEP_DONE; n++)
		last = step(p, q, peer);
	more = sim_ring_end(p->dev, q, p->poll);
	if (peer != NET_NO_PEER)
		sim_ring_end(p->dev, peer, p->poll);
	if (last == NET_STEP_STOP)
		return NET_STOP;
	return last == NET_STEP_DONE || more ? NET_MORE : NET_IDLE;
}

/* A TX chain taken by net_tx_take(): an empty ring ends the burst, a bad chain stops it. */
static inline enum net_step
net_tx_step(int rc)
{
	return rc == 0 ? NET_STEP_EMPTY : NET_STEP_STOP;
}

static enum net_step
net_step_loopback(struct net_pass *p, uint32_t txq, uint32_t rxq)
{
	struct sim_dev *dev = p->dev;
	struct sim_chain *tx = &p->chain;
	bool overrun = false;
	uint32_t len;
	int rc;

	rc = net_tx_take(p, txq, tx, &len);
	if (rc <= 0)
		return net_tx_step(rc);
	if (!net_filter(p, tx, len)) {
		dev->stats.rx_drops++;
	} else if (net_rx_deliver(p, rxq, tx->iov, tx->nread, len) <= 0) {
		/* no RX buffer: the frame is dropped, the TX buffer is done all the same */
		dev->stats.rx_overruns++;
		overrun = true;
	}
	sim_ring_push(dev, txq, tx->id, tx->ndesc, 0, tx->read_len);
	return net_count_packet(p) || overrun ? NET_STEP_STOP : NET_STEP_DONE;
}

static enum net_step
net_step_generator(struct net_pass *p, uint32_t rxq, uint32_t peer)
{
	struct sim_iov src = {
		.base = p->net->gen_buf + SIM_NET_HDR_LEN - p->hdr_len,
		.len = p->hdr_len + p->net->gen_frame_len,
	};
	int rc;

	(void)peer;
	rc = net_rx_deliver(p, rxq, &src, 1, src.len);
	if (rc == 0)
		return NET_STEP_EMPTY;
	return rc < 0 || net_count_packet(p) ? NET_STEP_STOP : NET_STEP_DONE;
}

/* TX of the generator and the sink, and of any mode while the link is down: dropped. */
static enum net_step
net_step_drain(struct net_pass *p, uint32_t txq, uint32_t peer)
{
	struct sim_chain *tx = &p->chain;
	uint32_t len;
	int rc;

	(void)peer;
	rc = net_tx_take(p, txq, tx, &len);
	if (rc <= 0)
		return net_tx_step(rc);
	if (!p->net->link_up)
		p->dev->stats.link_down_drops++;
	sim_ring_push(p->dev, txq, tx->id, tx->ndesc, 0, tx->read_len);
	return net_count_packet(p) ? NET_STEP_STOP : NET_STEP_DONE;
}

/* ---- control queue ---- */

static uint8_t
net_cvq_mac(struct net_pass *p, uint8_t cmd, const uint8_t *data, uint32_t len)
{
	if (cmd != VIRTIO_NET_CTRL_MAC_ADDR_SET || len < 6)
		return VIRTIO_NET_ERR;
	memcpy(&p->dev->config[CONFIG_MAC_OFF], data, 6);
	return VIRTIO_NET_OK;
}

static uint8_t
net_cvq_rx(struct net_pass *p, uint8_t cmd, const uint8_t *data, uint32_t len)
{
	if (len < 1)
		return VIRTIO_NET_ERR;
	if (cmd == VIRTIO_NET_CTRL_RX_PROMISC)
		p->net->promisc = data[0] != 0;
	else if (cmd == VIRTIO_NET_CTRL_RX_ALLMULTI)
		/* multicast always passes the filter (as in vdpa_sim); kept for the record */
		p->net->allmulti = data[0] != 0;
	else
		return VIRTIO_NET_ERR;
	return VIRTIO_NET_OK;
}

static uint8_t
net_cvq_mq(struct net_pass *p, uint8_t cmd, const uint8_t *data, uint32_t len)
{
	uint16_t pairs;

	if (cmd != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET || len < 2)
		return VIRTIO_NET_ERR;
	pairs = (uint16_t)(data[0] | data[1] << 8);
	if (pairs < 1 || pairs > (p->dev->nvqs - 1) / 2)
		return VIRTIO_NET_ERR;
	p->net->active_pairs = pairs;
	return VIRTIO_NET_OK;
}

/*
 * One command. carry is vdpa_sim's status variable: a class the device does not handle
 * leaves it as the previous command of the same pass set it (ERR at the start).
 */
static uint8_t
net_cvq_exec(struct net_pass *p, const uint8_t *cmd, uint32_t len, uint8_t *carry)
{
	struct sim_dev *dev = p->dev;
	uint8_t status = *carry;

	switch (cmd[0]) {
	case VIRTIO_NET_CTRL_MAC:
		status = net_cvq_mac(p, cmd[1], cmd + 2, len - 2);
		break;
	case VIRTIO_NET_CTRL_RX:
		if (sim_dev_has(dev, VIRTIO_NET_F_CTRL_RX))
			status = net_cvq_rx(p, cmd[1], cmd + 2, len - 2);
		break;
	case VIRTIO_NET_CTRL_MQ:
		if (sim_dev_has(dev, VIRTIO_NET_F_MQ))
			status = net_cvq_mq(p, cmd[1], cmd + 2, len - 2);
		break;
	default:
		break;
	}
	*carry = status;
	return status;
}

static enum net_step
net_step_cvq(struct net_pass *p, uint32_t cvq, uint32_t peer)
{
	struct sim_dev *dev = p->dev;
	struct sim_chain *c = &p->chain;
	uint8_t cmd[2 + CVQ_DATA_MAX];
	uint32_t len, written = 0;
	uint8_t status;
	int rc;

	(void)peer;
	rc = sim_ring_pop(dev, cvq, c, SIM_CHAIN_READ | SIM_CHAIN_WRITE);
	if (rc == 0)
		return NET_STEP_EMPTY;
	if (rc < 0) {
		dev->stats.cvq_err++;
		return NET_STEP_STOP;
	}
	len = c->read_len > sizeof(cmd) ? sizeof(cmd) : (uint32_t)c->read_len;
	if (len < 2 || !iov_read(c->iov, c->nread, 0, cmd, len)) {
		/* vdpa_sim: a short header is an error and the chain is left as is */
		dev->vq[cvq].errors++;
		dev->stats.cvq_err++;
		return NET_STEP_STOP;
	}
	dev->stats.cvq_commands++;
	status = net_cvq_exec(p, cmd, len, &p->cvq_carry);
	if (status == VIRTIO_NET_OK)
		dev->stats.cvq_ok++;
	else
		dev->stats.cvq_err++;
	if (c->niov > c->nread) {
		c->iov[c->nread].base[0] = status;
		written = 1;
	}
	sim_ring_push(dev, cvq, c->id, c->ndesc, written, c->read_len + c->write_len);
	p->work++;
	return NET_STEP_DONE;
}

/* ---- the pass ---- */

static void
net_settle(uint32_t *pending, uint32_t mask, enum net_state st)
{
	if (st != NET_MORE)
		*pending &= ~mask;
}

static bool
vq_live(const struct sim_dev *dev, uint32_t idx)
{
	return dev->vq[idx].ready && dev->vq[idx].running;
}

/* A vq that runs alone: a burst when it is pending and live, else it is no longer pending. */
static inline __attribute__((always_inline)) void
net_run_vq(struct net_pass *p, uint32_t q, net_step_fn step, uint32_t *pending)
{
	if ((*pending & vq_bit(q)) && vq_live(p->dev, q))
		net_settle(pending, vq_bit(q), net_burst(p, step, q, NET_NO_PEER));
	else
		*pending &= ~vq_bit(q);
}

static void
net_run_pair(struct net_pass *p, uint32_t pair, uint32_t *pending)
{
	struct sim_dev *dev = p->dev;
	uint32_t rxq = 2 * pair, txq = 2 * pair + 1;
	uint32_t mask = vq_bit(rxq) | vq_bit(txq);
	/* A link that is down carries nothing: TX is consumed and dropped, nothing arrives. */
	enum sim_traffic traffic = p->net->link_up ? sim_opts.traffic : SIM_TRAFFIC_SINK;

	switch (traffic) {
	case SIM_TRAFFIC_LOOPBACK:
		/* vdpa_sim: TX and RX run only when both are ready */
		if (vq_live(dev, rxq) && vq_live(dev, txq))
			net_settle(pending, mask, net_burst(p, net_step_loopback, txq, rxq));
		else
			*pending &= ~mask;
		break;
	case SIM_TRAFFIC_GENERATOR:
		net_run_vq(p, rxq, net_step_generator, pending);
		net_run_vq(p, txq, net_step_drain, pending);
		break;
	case SIM_TRAFFIC_SINK:
		*pending &= ~vq_bit(rxq);
		net_run_vq(p, txq, net_step_drain, pending);
		break;
	}
}

bool
sim_net_run(struct sim_dev *dev, uint32_t *pending, bool poll)
{
	struct net_pass p = {
		.dev = dev,
		.net = dev->net,
		.poll = poll,
		.cvq_carry = VIRTIO_NET_ERR,
	};
	uint32_t cvq, pair, pairs, data_mask;

	if (dev->net == NULL || !(dev->status & VIRTIO_CONFIG_S_DRIVER_OK) ||
	    (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		*pending = 0;
		return false;
	}
	if (dev->suspended)
		return false;	/* kept: deferred until resume */
	p.mrg = sim_dev_has(dev, VIRTIO_NET_F_MRG_RXBUF);
	p.hdr_len = p.mrg || sim_dev_has(dev, VIRTIO_F_VERSION_1) ? SIM_NET_HDR_LEN :
		    SIM_NET_HDR_LEN_LEGACY;

	cvq = net_cvq_index(dev);
	if (sim_dev_has(dev, VIRTIO_NET_F_CTRL_VQ))
		net_run_vq(&p, cvq, net_step_cvq, pending);
	else
		*pending &= ~vq_bit(cvq);

	pairs = sim_dev_has(dev, VIRTIO_NET_F_MQ) ? p.net->active_pairs : 1;
	data_mask = 0;
	for (pair = 0; pair < pairs && 2 * pair + 1 < dev->nvqs; pair++) {
		uint32_t mask = vq_bit(2 * pair) | vq_bit(2 * pair + 1);

		data_mask |= mask;
		if ((*pending & mask) == 0)
			continue;
		net_run_pair(&p, pair, pending);
		if (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET) {
			*pending = 0;
			return true;
		}
	}
	/* vqs of inactive pairs (and a vq 2 that is not the control vq) do not run */
	*pending &= data_mask | vq_bit(cvq);
	return p.work != 0;
}
