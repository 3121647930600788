/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rx interrupts of net_vhost_vdpa: an lcore that sleeps in epoll on the queue's call eventfd
 * and wakes when the device has written frames, as l3fwd-power does.
 *
 * usage: test_rx_intr [EAL args] -- EXPECT SECONDS
 *   EXPECT "traffic": the device generates frames; the sleeper must wake and receive them.
 *   EXPECT "quiet": the device sends nothing; every sleep must time out (no wake-up without a
 *   used buffer: the negative control).
 * Exit 0 when the expectation holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_mbuf.h>

#define RXI_BURST	32

static int
rxi_port_start(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	int ret;

	memset(&conf, 0, sizeof(conf));
	conf.intr_conf.rxq = 1;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(port, 0, 0, rte_eth_dev_socket_id(port), NULL, mp);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(port, 0, 0, rte_eth_dev_socket_id(port), NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret == 0)
		ret = rte_eth_dev_rx_intr_ctl_q(port, 0, RTE_EPOLL_PER_THREAD, RTE_INTR_EVENT_ADD,
						NULL);
	if (ret < 0)
		fprintf(stderr, "test_rx_intr: port %u set-up with Rx interrupts: %s\n", port,
			strerror(-ret));
	return ret;
}

static uint64_t
rxi_drain(uint16_t port)
{
	struct rte_mbuf *pkts[RXI_BURST];
	uint64_t total = 0;
	uint16_t n;

	while ((n = rte_eth_rx_burst(port, 0, pkts, RXI_BURST)) > 0) {
		rte_pktmbuf_free_bulk(pkts, n);
		total += n;
	}
	return total;
}

int
main(int argc, char **argv)
{
	struct rte_epoll_event ev;
	struct rte_mempool *mp;
	uint64_t sleeps = 0, wakeups = 0, timeouts = 0, after_wake = 0, end;
	bool traffic;
	double seconds;
	int ret, n;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		return 1;
	argc -= ret;
	argv += ret;
	if (argc != 3 || (strcmp(argv[1], "traffic") != 0 && strcmp(argv[1], "quiet") != 0)) {
		fprintf(stderr, "usage: test_rx_intr [EAL args] -- traffic|quiet SECONDS\n");
		return 2;
	}
	traffic = strcmp(argv[1], "traffic") == 0;
	seconds = atof(argv[2]);
	if (rte_eth_dev_count_avail() != 1) {
		fprintf(stderr, "test_rx_intr: needs exactly one port\n");
		return 1;
	}
	mp = rte_pktmbuf_pool_create("rxi", 4096, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (mp == NULL || rxi_port_start(0, mp) < 0)
		return 1;
	end = rte_get_timer_cycles() + (uint64_t)(seconds * rte_get_timer_hz());
	while (rte_get_timer_cycles() < end) {
		rxi_drain(0);
		/* arm, and look once more: a frame may have come between drain and arm */
		rte_eth_dev_rx_intr_enable(0, 0);
		if (rxi_drain(0) > 0) {
			rte_eth_dev_rx_intr_disable(0, 0);
			continue;
		}
		sleeps++;
		n = rte_epoll_wait(RTE_EPOLL_PER_THREAD, &ev, 1, 200);
		rte_eth_dev_rx_intr_disable(0, 0);
		if (n > 0) {
			wakeups++;
			after_wake += rxi_drain(0);
		} else {
			timeouts++;
		}
	}
	printf("test_rx_intr: %s: %" PRIu64 " sleeps, %" PRIu64 " wake-ups, %" PRIu64
	       " timeouts, %" PRIu64 " frames received right after a wake-up\n", argv[1], sleeps,
	       wakeups, timeouts, after_wake);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	if (traffic)
		return wakeups > 0 && after_wake > 0 ? 0 : 1;
	return wakeups == 0 && timeouts > 0 ? 0 : 1;
}
