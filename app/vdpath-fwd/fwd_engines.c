/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding engines, as testpmd's: one call handles one burst of one stream.
 *
 * With --verify every received frame is checked before it is forwarded or freed; txonly and
 * flowgen also poll Rx of their queue so that a loopback device's frames come back checked.
 */
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "fwd.h"

static inline void
fwd_rx_check(struct fwd_stream *s, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	if (unlikely(s->first_rx_ns == 0) && n > 0)
		s->first_rx_ns = fwd_mono_ns();	/* start-up time: probe to first frame */
	if (!fwd_opts.verify)
		return;
	for (i = 0; i < n; i++)
		fwd_frame_check(s, pkts[i]);
}

/* Returns how many were not sent (dropped and freed). */
static inline uint16_t
fwd_tx(struct fwd_stream *s, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = 0;

	if (n == 0)
		return 0;
	sent = rte_eth_tx_burst(s->tx_port, s->queue, pkts, n);
	s->tx += sent;
	if (unlikely(sent < n)) {
		s->drops += n - sent;
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
	return n - sent;
}

static void
fwd_mac_rewrite(struct fwd_stream *s, struct rte_mbuf **pkts, uint16_t n, bool swap)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);

		if (swap) {
			struct rte_ether_addr t = eth->src_addr;

			eth->src_addr = eth->dst_addr;
			eth->dst_addr = t;
		} else {
			eth->src_addr = s->src;
			eth->dst_addr = s->dst;
		}
	}
}

static void
fwd_generate(struct fwd_stream *s, bool flowgen)
{
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	struct rte_mempool *mp = fwd_ports[s->tx_port].mp;
	uint16_t n = 0, got, i;

	if (fwd_opts.verify) {
		/* the loopback brings them back here: check, then free */
		got = rte_eth_rx_burst(s->rx_port, s->queue, pkts, fwd_opts.burst);
		s->rx += got;
		fwd_rx_check(s, pkts, got);
		if (got > 0)
			rte_pktmbuf_free_bulk(pkts, got);
	}
	for (i = 0; i < fwd_opts.burst; i++) {
		pkts[n] = fwd_frame_build(s, mp, s->queue, flowgen);
		if (pkts[n] == NULL)
			break;
		n++;
	}
	/* frames not sent never existed: their sequence numbers are used again */
	s->tx_seq -= fwd_tx(s, pkts, n);
	if (!fwd_opts.verify) {
		got = rte_eth_rx_burst(s->rx_port, s->queue, pkts, fwd_opts.burst);
		s->rx += got;
		fwd_rx_check(s, pkts, got);
		if (got > 0)
			rte_pktmbuf_free_bulk(pkts, got);
	}
}

void
fwd_stream_run(struct fwd_stream *s)
{
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	uint16_t n;

	switch (fwd_opts.mode) {
	case FWD_TXONLY:
		fwd_generate(s, false);
		return;
	case FWD_FLOWGEN:
		fwd_generate(s, true);
		return;
	default:
		break;
	}
	n = rte_eth_rx_burst(s->rx_port, s->queue, pkts, fwd_opts.burst);
	if (n == 0)
		return;
	s->rx += n;
	fwd_rx_check(s, pkts, n);
	switch (fwd_opts.mode) {
	case FWD_RXONLY:
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	case FWD_MAC:
		fwd_mac_rewrite(s, pkts, n, false);
		break;
	case FWD_MACSWAP:
		fwd_mac_rewrite(s, pkts, n, true);
		break;
	default:
		break;
	}
	fwd_tx(s, pkts, n);
}
