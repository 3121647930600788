/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdpath-fwd command line (after EAL's arguments and "--"). A bad option is one line on stderr
 * naming the option and what it accepts, and exit status 2.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>

#include "fwd.h"

static const char *const fwd_mode_names[] = {
	[FWD_IO] = "io",
	[FWD_MAC] = "mac",
	[FWD_MACSWAP] = "macswap",
	[FWD_RXONLY] = "rxonly",
	[FWD_TXONLY] = "txonly",
	[FWD_FLOWGEN] = "flowgen",
};

const char *
fwd_mode_name(enum fwd_mode m)
{
	return fwd_mode_names[m];
}

static void
fwd_usage(FILE *f)
{
	fprintf(f,
		"usage: vdpath-fwd [EAL options] -- [options]\n"
		"  --fwd=MODE            io|mac|macswap|txonly|rxonly|flowgen (default io)\n"
		"  --burst=N             packets per burst, 1..%u (default 32)\n"
		"  --txpkts=N            generated frame size in bytes, %u..65535 (default 64)\n"
		"  --queues=N            Rx/Tx queue pairs per port, 1..%u (default 1)\n"
		"  --rxd=N --txd=N       ring sizes (default: the port's preferred size)\n"
		"  --mbuf-size=N         mbuf data room in bytes (default %u)\n"
		"  --duration=S          seconds to run (default 10; 0 with --restarts: until done)\n"
		"  --stats-period=S      seconds between rate lines (default 1; 0: none)\n"
		"  --restart-every=S     seconds between port stop/start cycles (default 0: never)\n"
		"  --restarts=N          end the run after N stop/start cycles\n"
		"  --restart-mtu=M       reconfigure: every cycle sets the MTU while stopped,\n"
		"                        alternating between M and the port's first MTU\n"
		"  --verify              stamp generated frames and check every frame received\n"
		"  --tx-cksum            UDP checksum offload on generated frames (checked on Rx)\n"
		"  --tx-first            io, mac, macswap: send one burst per stream to start\n"
		"  --link-wait=S         seconds to wait for link up first (default 1; 0: none)\n"
		"  --tx-headroom=N       headroom of generated frames (default the mbuf's, %u)\n"
		"  --eth-peer=P,MAC      destination MAC of frames sent on port P\n"
		"  --ports=LIST          ports to use, e.g. 0,2 (default all)\n"
		"  --no-promisc          leave promiscuous mode off\n"
		"  --xstats-all          print every xstat in the summary\n"
		"  --json=FILE           write the results as JSON\n"
		"  --help\n",
		FWD_MAX_BURST, FWD_MIN_FRAME, FWD_MAX_QUEUES, RTE_MBUF_DEFAULT_DATAROOM,
		RTE_PKTMBUF_HEADROOM);
}

static int
fwd_bad(const char *opt, const char *val, const char *accepted)
{
	fprintf(stderr, "vdpath-fwd: --%s: '%s' is not valid; accepted: %s\n", opt,
		val != NULL ? val : "", accepted);
	return 2;
}

static int
fwd_uint(const char *v, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long x;

	if (v == NULL || *v == '\0' || *v == '-')
		return -1;
	errno = 0;
	x = strtoul(v, &end, 0);
	if (errno != 0 || *end != '\0' || x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

static int
fwd_secs(const char *v, double *out)
{
	char *end;
	double x;

	if (v == NULL || *v == '\0')
		return -1;
	errno = 0;
	x = strtod(v, &end);
	if (errno != 0 || *end != '\0' || !isfinite(x) || x < 0 || x > 1e7)
		return -1;
	*out = x;
	return 0;
}

static int
fwd_peer(const char *v, struct fwd_opts *o)
{
	const char *comma = v != NULL ? strchr(v, ',') : NULL;
	unsigned long port;
	char num[8];

	if (comma == NULL || (size_t)(comma - v) >= sizeof(num))
		return -1;
	memcpy(num, v, comma - v);
	num[comma - v] = '\0';
	if (fwd_uint(num, 0, FWD_MAX_PORTS - 1, &port) < 0 ||
	    rte_ether_unformat_addr(comma + 1, &o->peer[port]) < 0)
		return -1;
	o->peer_set[port] = true;
	return 0;
}

static int
fwd_port_list(const char *v, uint64_t *mask)
{
	char buf[128], *tok, *save;
	unsigned long p;

	if (v == NULL || strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (fwd_uint(tok, 0, FWD_MAX_PORTS - 1, &p) < 0)
			return -1;
		*mask |= 1ULL << p;
	}
	return *mask != 0 ? 0 : -1;
}

enum {
	O_FWD = 256, O_BURST, O_TXPKTS, O_QUEUES, O_RXD, O_TXD, O_MBUF, O_DURATION, O_PERIOD,
	O_RESTART_EVERY, O_RESTARTS, O_RESTART_MTU, O_VERIFY, O_TX_CKSUM, O_TX_FIRST, O_LINK_WAIT, O_TX_HEADROOM, O_CORRUPT, O_PEER, O_PORTS, O_NO_PROMISC,
	O_XSTATS_ALL, O_JSON, O_HELP,
};

int
fwd_opts_parse(int argc, char **argv, struct fwd_opts *o)
{
	static const struct option longopts[] = {
		{ "fwd", required_argument, NULL, O_FWD },
		{ "burst", required_argument, NULL, O_BURST },
		{ "txpkts", required_argument, NULL, O_TXPKTS },
		{ "queues", required_argument, NULL, O_QUEUES },
		{ "rxd", required_argument, NULL, O_RXD },
		{ "txd", required_argument, NULL, O_TXD },
		{ "mbuf-size", required_argument, NULL, O_MBUF },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "stats-period", required_argument, NULL, O_PERIOD },
		{ "restart-every", required_argument, NULL, O_RESTART_EVERY },
		{ "restarts", required_argument, NULL, O_RESTARTS },
		{ "restart-mtu", required_argument, NULL, O_RESTART_MTU },
		{ "verify", no_argument, NULL, O_VERIFY },
		{ "tx-cksum", no_argument, NULL, O_TX_CKSUM },
		{ "tx-first", no_argument, NULL, O_TX_FIRST },
		{ "link-wait", required_argument, NULL, O_LINK_WAIT },
		{ "tx-headroom", required_argument, NULL, O_TX_HEADROOM },
		{ "verify-corrupt-every", required_argument, NULL, O_CORRUPT },
		{ "eth-peer", required_argument, NULL, O_PEER },
		{ "ports", required_argument, NULL, O_PORTS },
		{ "no-promisc", no_argument, NULL, O_NO_PROMISC },
		{ "xstats-all", no_argument, NULL, O_XSTATS_ALL },
		{ "json", required_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool duration_set = false;
	unsigned long v;
	unsigned int m;
	int c;

	memset(o, 0, sizeof(*o));
	o->mode = FWD_IO;
	o->burst = 32;
	o->txpkts = 64;
	o->queues = 1;
	o->mbuf_size = RTE_MBUF_DEFAULT_DATAROOM;
	o->duration = 10;
	o->stats_period = 1;
	o->link_wait = 1;
	o->tx_headroom = -1;
	o->promisc = true;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_FWD:
			for (m = 0; m < RTE_DIM(fwd_mode_names); m++)
				if (strcmp(optarg, fwd_mode_names[m]) == 0)
					break;
			if (m == RTE_DIM(fwd_mode_names))
				return fwd_bad("fwd", optarg,
					       "io, mac, macswap, txonly, rxonly, flowgen");
			o->mode = m;
			break;
		case O_BURST:
			if (fwd_uint(optarg, 1, FWD_MAX_BURST, &v) < 0)
				return fwd_bad("burst", optarg, "1..512");
			o->burst = (uint16_t)v;
			break;
		case O_TXPKTS:
			if (fwd_uint(optarg, FWD_MIN_FRAME, 65535, &v) < 0)
				return fwd_bad("txpkts", optarg, "60..65535 bytes");
			o->txpkts = (uint32_t)v;
			break;
		case O_QUEUES:
			if (fwd_uint(optarg, 1, FWD_MAX_QUEUES, &v) < 0)
				return fwd_bad("queues", optarg, "1..16");
			o->queues = (uint16_t)v;
			break;
		case O_RXD:
		case O_TXD:
			if (fwd_uint(optarg, 0, 32768, &v) < 0)
				return fwd_bad(c == O_RXD ? "rxd" : "txd", optarg, "0..32768");
			if (c == O_RXD)
				o->rxd = (uint16_t)v;
			else
				o->txd = (uint16_t)v;
			break;
		case O_MBUF:
			if (fwd_uint(optarg, 512, 65535 - RTE_PKTMBUF_HEADROOM, &v) < 0)
				return fwd_bad("mbuf-size", optarg, "512..65407 bytes");
			o->mbuf_size = (uint32_t)v;
			break;
		case O_DURATION:
			if (fwd_secs(optarg, &o->duration) < 0)
				return fwd_bad("duration", optarg, "seconds >= 0");
			duration_set = true;
			break;
		case O_PERIOD:
			if (fwd_secs(optarg, &o->stats_period) < 0)
				return fwd_bad("stats-period", optarg, "seconds >= 0");
			break;
		case O_RESTART_EVERY:
			if (fwd_secs(optarg, &o->restart_every) < 0)
				return fwd_bad("restart-every", optarg, "seconds >= 0");
			break;
		case O_RESTARTS:
			if (fwd_uint(optarg, 1, UINT32_MAX, &v) < 0)
				return fwd_bad("restarts", optarg, "1..4294967295");
			o->restarts = (uint32_t)v;
			break;
		case O_RESTART_MTU:
			if (fwd_uint(optarg, 68, 65535, &v) < 0)
				return fwd_bad("restart-mtu", optarg, "68..65535");
			o->restart_mtu = (uint16_t)v;
			break;
		case O_VERIFY:
			o->verify = true;
			break;
		case O_TX_CKSUM:
			o->tx_cksum = true;
			break;
		case O_TX_FIRST:
			o->tx_first = true;
			break;
		case O_TX_HEADROOM:
			if (fwd_uint(optarg, 0, RTE_PKTMBUF_HEADROOM, &v) < 0)
				return fwd_bad("tx-headroom", optarg, "0..128 bytes");
			o->tx_headroom = (int)v;
			break;
		case O_LINK_WAIT:
			if (fwd_secs(optarg, &o->link_wait) < 0)
				return fwd_bad("link-wait", optarg, "seconds >= 0");
			break;
		case O_CORRUPT:
			if (fwd_uint(optarg, 1, UINT32_MAX, &v) < 0)
				return fwd_bad("verify-corrupt-every", optarg, "1..4294967295");
			o->verify_corrupt_every = (uint32_t)v;
			break;
		case O_PEER:
			if (fwd_peer(optarg, o) < 0)
				return fwd_bad("eth-peer", optarg, "PORT,XX:XX:XX:XX:XX:XX");
			break;
		case O_PORTS:
			if (fwd_port_list(optarg, &o->port_mask) < 0)
				return fwd_bad("ports", optarg, "a list of port ids 0..7, e.g. 0,1");
			break;
		case O_NO_PROMISC:
			o->promisc = false;
			break;
		case O_XSTATS_ALL:
			o->xstats_all = true;
			break;
		case O_JSON:
			o->json = optarg;
			break;
		case O_HELP:
			fwd_usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "vdpath-fwd: unknown option or missing value: '%s' (see "
				"--help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vdpath-fwd: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	if (o->restarts != 0 && o->restart_every == 0)
		return fwd_bad("restarts", "without --restart-every",
			       "--restarts together with --restart-every=S");
	if (o->restarts != 0 && !duration_set)
		o->duration = 0;
	if (o->duration == 0 && o->restarts == 0)
		return fwd_bad("duration", "0", "seconds > 0 (0 only with --restarts)");
	return 0;
}
