/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdpath-fwd: EAL, port set-up, forwarding lcores and the main loop.
 *
 * The main lcore prints a line per port every --stats-period and runs the --restart-every
 * cycles: it asks the forwarding lcores to pause, waits until each says it is idle, stops and
 * starts every port, and lets them go on. With only the main lcore it also forwards, between
 * those duties.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "fwd.h"

struct fwd_opts fwd_opts;
volatile bool fwd_quit;
volatile bool fwd_pause;
struct fwd_port fwd_ports[FWD_MAX_PORTS];
uint16_t fwd_nb_ports;
struct fwd_stream fwd_streams[FWD_MAX_STREAMS];
uint16_t fwd_nb_streams;
struct fwd_lcore fwd_lcores[RTE_MAX_LCORE];
unsigned int fwd_nb_lcores;

uint64_t fwd_start_ns;

static volatile sig_atomic_t fwd_signal;

uint64_t
fwd_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
fwd_on_signal(int sig)
{
	fwd_signal = sig;
	fwd_quit = true;
}

/* --- ports --------------------------------------------------------------------------------- */

static uint16_t
fwd_ring_size(uint16_t asked, uint16_t preferred)
{
	if (asked != 0)
		return asked;
	return preferred != 0 ? preferred : 256;
}

static int
fwd_port_setup(struct fwd_port *fp)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t q, rxd, txd, port = fp->id;
	unsigned int nb_mbufs, segs;
	char name[RTE_MEMPOOL_NAMESIZE];
	int ret;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret < 0)
		return ret;
	if (fwd_opts.queues > info.max_rx_queues || fwd_opts.queues > info.max_tx_queues) {
		fprintf(stderr, "vdpath-fwd: port %u: --queues %u but the port has %u Rx / %u Tx "
			"queues\n", port, fwd_opts.queues, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	if (info.dev_flags != NULL && (*info.dev_flags & RTE_ETH_DEV_INTR_LSC))
		conf.intr_conf.lsc = 1;
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (fwd_opts.tx_cksum) {
		if (!(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) ||
		    !(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_UDP_CKSUM)) {
			fprintf(stderr, "vdpath-fwd: port %u: --tx-cksum needs UDP checksum offload "
				"on Tx and Rx; the port offers Tx 0x%" PRIx64 ", Rx 0x%" PRIx64 "\n",
				port, info.tx_offload_capa, info.rx_offload_capa);
			return -ENOTSUP;
		}
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	}
	if (fwd_opts.txpkts - RTE_ETHER_HDR_LEN > RTE_ETHER_MTU)
		conf.rxmode.mtu = fwd_opts.txpkts - RTE_ETHER_HDR_LEN;
	ret = rte_eth_dev_configure(port, fwd_opts.queues, fwd_opts.queues, &conf);
	if (ret < 0) {
		fprintf(stderr, "vdpath-fwd: port %u: configure with %u queue pairs%s failed: %s\n",
			port, fwd_opts.queues, conf.rxmode.mtu ? " and a larger MTU" : "",
			strerror(-ret));
		return ret;
	}
	rxd = fwd_ring_size(fwd_opts.rxd, info.default_rxportconf.ring_size);
	txd = fwd_ring_size(fwd_opts.txd, info.default_txportconf.ring_size);
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
	if (ret < 0)
		return ret;
	segs = (fwd_opts.txpkts + fwd_opts.mbuf_size - 1) / fwd_opts.mbuf_size;
	nb_mbufs = fwd_opts.queues * (rxd * segs + txd * segs + 4u * FWD_MAX_BURST * segs) +
		   rte_lcore_count() * 512u + 4096u;
	snprintf(name, sizeof(name), "fwd_pool_%u", port);
	if (fp->mp == NULL)	/* set up again after a reset: the pool stays */
		fp->mp = rte_pktmbuf_pool_create(name, nb_mbufs, 256, 0,
				(uint16_t)(fwd_opts.mbuf_size + RTE_PKTMBUF_HEADROOM),
				rte_eth_dev_socket_id(port));
	if (fp->mp == NULL) {
		fprintf(stderr, "vdpath-fwd: port %u: no mempool of %u mbufs: %s (more hugepages, or "
			"a larger -m)\n", port, nb_mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (q = 0; q < fwd_opts.queues; q++) {
		ret = rte_eth_rx_queue_setup(port, q, rxd, rte_eth_dev_socket_id(port), NULL,
					     fp->mp);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(port, q, txd, rte_eth_dev_socket_id(port),
						     NULL);
		if (ret < 0) {
			fprintf(stderr, "vdpath-fwd: port %u: queue %u set-up failed: %s\n", port, q,
				strerror(-ret));
			return ret;
		}
	}
	ret = rte_eth_dev_start(port);
	if (ret < 0) {
		fprintf(stderr, "vdpath-fwd: port %u: start failed: %s\n", port, strerror(-ret));
		return ret;
	}
	if (fwd_opts.promisc) {
		ret = rte_eth_promiscuous_enable(port);
		if (ret < 0)
			fprintf(stderr, "vdpath-fwd: port %u: promiscuous mode not available (%s): "
				"frames reach it only when addressed to its MAC\n", port,
				strerror(-ret));
	}
	rte_eth_macaddr_get(port, &fp->mac);
	rte_eth_dev_get_mtu(port, &fp->mtu);
	return 0;
}

static int
fwd_on_event(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret)
{
	struct rte_eth_link link;

	(void)arg;
	(void)ret;
	if (port >= FWD_MAX_PORTS)
		return 0;
	if (type == RTE_ETH_EVENT_INTR_LSC) {
		fwd_ports[port].lsc_events++;
		if (rte_eth_link_get_nowait(port, &link) == 0)
			printf("vdpath-fwd: port %u: link %s\n", port,
			       link.link_status == RTE_ETH_LINK_UP ? "up" : "down");
	} else if (type == RTE_ETH_EVENT_INTR_RESET) {
		fwd_ports[port].reset_events++;
		fwd_ports[port].reset_pending = true;
	}
	return 0;
}

/* The device asked for a reset: pause, reset the port, set it up again, go on. */
static int
fwd_recover_port(struct fwd_port *fp, bool main_forwards)
{
	unsigned int i;
	int ret;

	fp->reset_pending = false;
	printf("vdpath-fwd: port %u: the device needs a reset: resetting the port\n", fp->id);
	fwd_pause = true;
	for (i = 0; i < fwd_nb_lcores && !main_forwards; i++)
		while (!fwd_lcores[i].paused && !fwd_quit)
			rte_pause();
	rte_eth_dev_stop(fp->id);
	ret = rte_eth_dev_reset(fp->id);
	if (ret == 0)
		ret = fwd_port_setup(fp);
	fwd_pause = false;
	if (ret < 0) {
		fprintf(stderr, "vdpath-fwd: port %u: reset failed: %s\n", fp->id, strerror(-ret));
		return 1;
	}
	fp->recoveries++;
	return 0;
}

static void
fwd_link_wait(void)
{
	uint64_t deadline = rte_get_timer_cycles() +
			    (uint64_t)(fwd_opts.link_wait * rte_get_timer_hz());
	struct rte_eth_link link;
	uint16_t p;
	bool all;

	if (fwd_opts.link_wait == 0)
		return;

	do {
		all = true;
		for (p = 0; p < FWD_MAX_PORTS; p++) {
			if (!fwd_ports[p].used)
				continue;
			if (rte_eth_link_get_nowait(p, &link) < 0 ||
			    link.link_status != RTE_ETH_LINK_UP)
				all = false;
		}
		if (all)
			return;
		rte_delay_ms(10);
	} while (rte_get_timer_cycles() < deadline);
	for (p = 0; p < FWD_MAX_PORTS; p++)
		if (fwd_ports[p].used && rte_eth_link_get_nowait(p, &link) == 0 &&
		    link.link_status != RTE_ETH_LINK_UP)
			fprintf(stderr, "vdpath-fwd: warning: port %u reports link down; "
				"forwarding anyway\n", p);
}

/* --- streams and lcores ------------------------------------------------------------------ */

static uint16_t
fwd_peer_port(uint16_t idx, const uint16_t *ids, uint16_t n)
{
	if (n < 2)
		return ids[idx];
	return ids[idx ^ 1] != UINT16_MAX && (idx ^ 1) < n ? ids[idx ^ 1] : ids[idx];
}

static void
fwd_streams_setup(void)
{
	uint16_t ids[FWD_MAX_PORTS], n = 0, i, q, p;
	unsigned int lcore, k = 0;
	bool main_only;

	for (p = 0; p < FWD_MAX_PORTS; p++)
		if (fwd_ports[p].used)
			ids[n++] = p;
	for (i = 0; i < n; i++) {
		uint16_t tx = fwd_opts.mode == FWD_TXONLY || fwd_opts.mode == FWD_FLOWGEN ?
			      ids[i] : fwd_peer_port(i, ids, n);

		for (q = 0; q < fwd_opts.queues; q++) {
			struct fwd_stream *s = &fwd_streams[fwd_nb_streams++];

			s->rx_port = ids[i];
			/* generated frames go out where they are received back (loopback) */
			s->tx_port = tx;
			s->queue = q;
			s->src = fwd_ports[tx].mac;
			s->dst = fwd_opts.peer_set[tx] ? fwd_opts.peer[tx] : fwd_ports[tx].mac;
		}
	}
	main_only = rte_lcore_count() == 1;
	RTE_LCORE_FOREACH(lcore) {
		if (lcore == rte_get_main_lcore() && !main_only)
			continue;
		fwd_lcores[fwd_nb_lcores++].lcore_id = lcore;
	}
	for (i = 0; i < fwd_nb_streams; i++) {
		struct fwd_lcore *lc = &fwd_lcores[k++ % fwd_nb_lcores];

		lc->streams[lc->nb_streams++] = &fwd_streams[i];
	}
}

static void
fwd_lcore_pass(struct fwd_lcore *lc)
{
	uint64_t t0 = rte_rdtsc();
	uint16_t i;

	for (i = 0; i < lc->nb_streams; i++)
		fwd_stream_run(lc->streams[i]);
	lc->busy_cycles += rte_rdtsc() - t0;
}

static int
fwd_lcore_main(void *arg)
{
	struct fwd_lcore *lc = arg;

	while (!fwd_quit) {
		if (fwd_pause) {
			lc->paused = true;
			while (fwd_pause && !fwd_quit)
				rte_pause();
			lc->paused = false;
			continue;
		}
		fwd_lcore_pass(lc);
	}
	lc->paused = true;
	return 0;
}

/* Stop and start every port while the forwarding lcores wait. */
static int
fwd_restart_ports(bool main_forwards)
{
	unsigned int i;
	uint16_t p;
	int ret, bad = 0;

	fwd_pause = true;
	for (i = 0; i < fwd_nb_lcores && !main_forwards; i++)
		while (!fwd_lcores[i].paused && !fwd_quit)
			rte_pause();
	for (p = 0; p < FWD_MAX_PORTS; p++) {
		if (!fwd_ports[p].used)
			continue;
		uint64_t t0 = rte_get_timer_cycles();
		uint64_t n = fwd_ports[p].restarts;

		ret = rte_eth_dev_stop(p);
		if (ret == 0 && fwd_opts.restart_mtu != 0)
			ret = rte_eth_dev_set_mtu(p, n % 2 == 0 ? fwd_opts.restart_mtu :
						  fwd_ports[p].mtu);
		if (ret == 0)
			ret = rte_eth_dev_start(p);
		if (ret == 0)
			fwd_ports[p].restart_ns[n % FWD_RESTART_SAMPLES] = (uint32_t)RTE_MIN(
				(rte_get_timer_cycles() - t0) * 1000000000.0 / rte_get_timer_hz(),
				(double)UINT32_MAX);
		if (ret < 0) {
			fprintf(stderr, "vdpath-fwd: port %u: stop/start cycle %" PRIu64 " failed: "
				"%s\n", p, fwd_ports[p].restarts + 1, strerror(-ret));
			bad = 1;
			continue;
		}
		fwd_ports[p].restarts++;
	}
	fwd_pause = false;
	return bad;
}

/* One burst of generated frames per stream, so that io forwarding on a loopback has traffic. */
static void
fwd_tx_first(void)
{
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	uint16_t i, n, k, sent;

	if (fwd_opts.mode != FWD_IO && fwd_opts.mode != FWD_MAC && fwd_opts.mode != FWD_MACSWAP)
		return;
	for (i = 0; i < fwd_nb_streams; i++) {
		struct fwd_stream *s = &fwd_streams[i];

		for (n = 0; n < fwd_opts.burst; n++) {
			pkts[n] = fwd_frame_build(s, fwd_ports[s->tx_port].mp, s->queue, false);
			if (pkts[n] == NULL)
				break;
		}
		sent = rte_eth_tx_burst(s->tx_port, s->queue, pkts, n);
		s->tx += sent;
		for (k = sent; k < n; k++)
			rte_pktmbuf_free(pkts[k]);
	}
}

/* --- main ---------------------------------------------------------------------------------- */

static int
fwd_ports_init(void)
{
	uint16_t p;
	int ret;

	RTE_ETH_FOREACH_DEV(p) {
		if (p >= FWD_MAX_PORTS)
			break;
		if (fwd_opts.port_mask != 0 && !(fwd_opts.port_mask & (1ULL << p)))
			continue;
		fwd_ports[p].id = p;
		fwd_ports[p].used = true;
		fwd_nb_ports++;
		rte_eth_dev_callback_register(p, RTE_ETH_EVENT_INTR_LSC, fwd_on_event, NULL);
		rte_eth_dev_callback_register(p, RTE_ETH_EVENT_INTR_RESET, fwd_on_event, NULL);
	}
	if (fwd_nb_ports == 0) {
		fprintf(stderr, "vdpath-fwd: no port to forward on: give one with --vdev (e.g. "
			"--vdev net_vhost_vdpa0,path=/dev/vhost-vdpa-0); a probe that failed said why "
			"above\n");
		return -ENODEV;
	}
	for (p = 0; p < FWD_MAX_PORTS; p++) {
		if (!fwd_ports[p].used)
			continue;
		ret = fwd_port_setup(&fwd_ports[p]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static void
fwd_ports_close(void)
{
	uint16_t p;

	for (p = 0; p < FWD_MAX_PORTS; p++) {
		if (!fwd_ports[p].used)
			continue;
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
}

static double
fwd_now(void)
{
	return (double)rte_get_timer_cycles() / (double)rte_get_timer_hz();
}

/* The main lcore's loop; returns non-zero when a restart failed. */
static int
fwd_run(double *elapsed)
{
	struct fwd_totals prev[FWD_MAX_PORTS];
	bool main_forwards = fwd_nb_lcores == 1 &&
			     fwd_lcores[0].lcore_id == rte_get_main_lcore();
	double start = fwd_now(), next_stats, next_restart, t, last_stats;
	int bad = 0;

	memset(prev, 0, sizeof(prev));
	next_stats = start + (fwd_opts.stats_period > 0 ? fwd_opts.stats_period : 1e18);
	next_restart = start + (fwd_opts.restart_every > 0 ? fwd_opts.restart_every : 1e18);
	last_stats = start;
	while (!fwd_quit) {
		if (main_forwards) {
			unsigned int i;

			for (i = 0; i < 64; i++)
				fwd_lcore_pass(&fwd_lcores[0]);
		} else {
			rte_delay_us_sleep(1000);
		}
		t = fwd_now();
		if (fwd_opts.duration > 0 && t - start >= fwd_opts.duration)
			break;
		for (unsigned int p = 0; p < FWD_MAX_PORTS; p++)
			if (fwd_ports[p].used && fwd_ports[p].reset_pending)
				bad |= fwd_recover_port(&fwd_ports[p], main_forwards);
		if (bad)
			break;
		if (t >= next_stats) {
			fwd_report_period(t - last_stats, prev);
			last_stats = t;
			next_stats += fwd_opts.stats_period;
		}
		if (t >= next_restart) {
			bad |= fwd_restart_ports(main_forwards);
			next_restart = fwd_now() + fwd_opts.restart_every;
			if (bad || (fwd_opts.restarts != 0 &&
				    fwd_ports[fwd_lcores[0].streams[0]->rx_port].restarts >=
				    fwd_opts.restarts))
				break;
		}
	}
	*elapsed = fwd_now() - start;
	return bad;
}

int
main(int argc, char **argv)
{
	double elapsed = 0;
	unsigned int i;
	int ret, bad;

	fwd_start_ns = fwd_mono_ns();
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "vdpath-fwd: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)"vdpath-fwd";
	ret = fwd_opts_parse(argc, argv, &fwd_opts);
	if (ret != 0) {
		rte_eal_cleanup();
		return ret;
	}
	signal(SIGINT, fwd_on_signal);
	signal(SIGTERM, fwd_on_signal);
	if (fwd_ports_init() < 0) {
		fwd_ports_close();
		rte_eal_cleanup();
		return 1;
	}
	fwd_link_wait();
	fwd_streams_setup();
	printf("vdpath-fwd: %s forwarding, %u port%s, %u queue pair%s, %u stream%s on %u lcore%s, "
	       "burst %u, %u-byte frames%s\n", fwd_mode_name(fwd_opts.mode), fwd_nb_ports,
	       fwd_nb_ports == 1 ? "" : "s", fwd_opts.queues, fwd_opts.queues == 1 ? "" : "s",
	       fwd_nb_streams, fwd_nb_streams == 1 ? "" : "s", fwd_nb_lcores,
	       fwd_nb_lcores == 1 ? "" : "s", fwd_opts.burst, fwd_opts.txpkts,
	       fwd_opts.verify ? ", verified" : "");
	fflush(stdout);
	if (fwd_opts.tx_first)
		fwd_tx_first();
	for (i = 0; i < fwd_nb_lcores; i++)
		if (fwd_lcores[i].lcore_id != rte_get_main_lcore())
			rte_eal_remote_launch(fwd_lcore_main, &fwd_lcores[i],
					      fwd_lcores[i].lcore_id);
	bad = fwd_run(&elapsed);
	fwd_quit = true;
	rte_eal_mp_wait_lcore();
	if (fwd_signal != 0)
		printf("\nvdpath-fwd: signal %d: stopping\n", (int)fwd_signal);
	bad |= fwd_report_end(elapsed);
	fwd_ports_close();
	rte_eal_cleanup();
	return bad ? 1 : 0;
}
