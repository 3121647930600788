/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdpath-fwd: a testpmd-style forwarder over any DPDK port, the project's traffic harness.
 *
 *   fwd_main.c     EAL, ports, lcores, the run loop (stats periods, restarts, the end)
 *   fwd_opts.c     command line
 *   fwd_engines.c  io, mac, macswap, rxonly, txonly, flowgen
 *   fwd_verify.c   stamped frames: build and check
 *   fwd_report.c   per-period lines, summary, xstats, JSON
 */
#ifndef FWD_H
#define FWD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#define FWD_MAX_PORTS		8u
#define FWD_MAX_QUEUES		16u
#define FWD_MAX_STREAMS		(FWD_MAX_PORTS * FWD_MAX_QUEUES)
#define FWD_MAX_BURST		512u
#define FWD_UDP_PORT		0x5644	/* "VD": frames vdpath-fwd generates */

enum fwd_mode {
	FWD_IO = 0,
	FWD_MAC,
	FWD_MACSWAP,
	FWD_RXONLY,
	FWD_TXONLY,
	FWD_FLOWGEN,
};

struct fwd_opts {
	enum fwd_mode mode;
	uint16_t burst;
	uint32_t txpkts;		/* generated frame size, bytes (no CRC) */
	uint16_t queues;
	uint16_t rxd, txd;		/* 0: the port's preferred size */
	uint32_t mbuf_size;		/* data room */
	double duration;		/* seconds; 0: until --restarts are done or a signal */
	double stats_period;		/* seconds; 0: no periodic lines */
	double restart_every;		/* seconds; 0: never */
	uint32_t restarts;		/* stop after this many restart cycles; 0: no limit */
	uint16_t restart_mtu;		/* 0, or the MTU restart cycles alternate to */
	bool verify;
	bool tx_cksum;			/* UDP checksum offload on generated frames */
	bool tx_first;			/* io/mac/macswap: send one burst per stream first */
	double link_wait;		/* seconds to wait for link up before forwarding */
	int tx_headroom;		/* generated frames' headroom; -1: the mbuf's default */
	uint32_t verify_corrupt_every;	/* test only: corrupt every Nth generated frame */
	bool promisc;
	bool xstats_all;
	uint64_t port_mask;		/* --ports; 0: every port */
	const char *json;
	bool peer_set[FWD_MAX_PORTS];
	struct rte_ether_addr peer[FWD_MAX_PORTS];
};

/* Sequence tracking of one sender, as one receiving stream sees it. */
struct fwd_seq {
	uint64_t next;
	bool seen;
};

/* One (rx port, queue) -> (tx port, queue) pair, served by one lcore. */
struct fwd_stream {
	uint16_t rx_port, tx_port, queue;
	uint64_t rx, tx, drops, lost, verify_errors, foreign;
	uint64_t cksum_good;		/* frames received with RTE_MBUF_F_RX_L4_CKSUM_GOOD */
	uint64_t first_rx_ns;		/* CLOCK_MONOTONIC of the first frame received, 0: none */
	uint64_t tx_seq;		/* next sequence number generated */
	uint64_t generated;		/* frames built (for the corruption control) */
	struct rte_ether_addr src, dst;	/* generated frames, mac mode */
	struct fwd_seq seq[FWD_MAX_PORTS][FWD_MAX_QUEUES];
} __rte_cache_aligned;

struct fwd_lcore {
	unsigned int lcore_id;
	uint16_t nb_streams;
	struct fwd_stream *streams[FWD_MAX_STREAMS];
	uint64_t busy_cycles;		/* cycles spent in the forwarding loop */
	volatile bool paused;
} __rte_cache_aligned;

#define FWD_RESTART_SAMPLES	4096u

struct fwd_port {
	uint16_t id;
	bool used;
	uint64_t restarts;
	uint16_t mtu;			/* MTU after configure */
	uint64_t lsc_events;		/* RTE_ETH_EVENT_INTR_LSC seen */
	uint64_t reset_events;		/* RTE_ETH_EVENT_INTR_RESET seen */
	uint64_t recoveries;		/* resets done for them (rte_eth_dev_reset + set-up) */
	volatile bool reset_pending;
	uint32_t restart_ns[FWD_RESTART_SAMPLES];	/* stop + (MTU) + start, per cycle */
	struct rte_ether_addr mac;
	struct rte_mempool *mp;
};

extern struct fwd_opts fwd_opts;
extern volatile bool fwd_quit;
extern volatile bool fwd_pause;
extern struct fwd_port fwd_ports[FWD_MAX_PORTS];
extern uint16_t fwd_nb_ports;
extern struct fwd_stream fwd_streams[FWD_MAX_STREAMS];
extern uint16_t fwd_nb_streams;
extern struct fwd_lcore fwd_lcores[RTE_MAX_LCORE];
extern unsigned int fwd_nb_lcores;
extern uint64_t fwd_start_ns;		/* CLOCK_MONOTONIC at main(), before EAL */

uint64_t fwd_mono_ns(void);

/* fwd_opts.c: 0, or 2 with one line on stderr */
int fwd_opts_parse(int argc, char **argv, struct fwd_opts *o);
const char *fwd_mode_name(enum fwd_mode m);

/* fwd_engines.c: one pass over a stream */
void fwd_stream_run(struct fwd_stream *s);

/* fwd_verify.c */
#define FWD_STAMP_OFF	(RTE_ETHER_HDR_LEN + 20 + 8)	/* after Ethernet, IPv4, UDP */
#define FWD_STAMP_LEN	18u
#define FWD_MIN_FRAME	(FWD_STAMP_OFF + FWD_STAMP_LEN)
/* Build one frame of fwd_opts.txpkts bytes (chained when longer than an mbuf); NULL: no mbuf. */
struct rte_mbuf *fwd_frame_build(struct fwd_stream *s, struct rte_mempool *mp, uint16_t queue,
				 bool flowgen);
/* Check a received frame; counts into s. */
void fwd_frame_check(struct fwd_stream *s, struct rte_mbuf *m);

/* fwd_report.c */
struct fwd_totals {
	uint64_t rx, tx, drops, lost, verify_errors, cksum_good;
};
void fwd_port_totals(uint16_t port, struct fwd_totals *t);
void fwd_report_period(double dt, struct fwd_totals *prev);
int fwd_report_end(double elapsed);

#endif /* FWD_H */
