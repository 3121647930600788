/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What vdpath-fwd prints: one line per port per period, a summary with xstats, and the JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "fwd.h"

void
fwd_port_totals(uint16_t port, struct fwd_totals *t)
{
	uint16_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < fwd_nb_streams; i++) {
		const struct fwd_stream *s = &fwd_streams[i];

		if (s->rx_port == port) {
			t->rx += s->rx;
			t->lost += s->lost;
			t->verify_errors += s->verify_errors;
			t->cksum_good += s->cksum_good;
		}
		if (s->tx_port == port) {
			t->tx += s->tx;
			t->drops += s->drops;
		}
	}
}

void
fwd_report_period(double dt, struct fwd_totals *prev)
{
	uint16_t p;

	for (p = 0; p < FWD_MAX_PORTS; p++) {
		struct fwd_totals t;

		if (!fwd_ports[p].used)
			continue;
		fwd_port_totals(p, &t);
		printf("port %u: rx %7.2f Mpps tx %7.2f Mpps drops %" PRIu64 " lost %" PRIu64
		       " verify_errors %" PRIu64 " restarts %" PRIu64 "\n", p,
		       (double)(t.rx - prev[p].rx) / dt / 1e6,
		       (double)(t.tx - prev[p].tx) / dt / 1e6, t.drops, t.lost, t.verify_errors,
		       fwd_ports[p].restarts);
		prev[p] = t;
	}
	fflush(stdout);
}

/* All xstats of a port; *names and *vals are malloc'd, count returned (0 on failure). */
static int
fwd_xstats(uint16_t port, struct rte_eth_xstat_name **names, struct rte_eth_xstat **vals)
{
	int n = rte_eth_xstats_get_names(port, NULL, 0);

	*names = NULL;
	*vals = NULL;
	if (n <= 0)
		return 0;
	*names = calloc(n, sizeof(**names));
	*vals = calloc(n, sizeof(**vals));
	if (*names == NULL || *vals == NULL ||
	    rte_eth_xstats_get_names(port, *names, n) != n ||
	    rte_eth_xstats_get(port, *vals, n) != n) {
		free(*names);
		free(*vals);
		*names = NULL;
		*vals = NULL;
		return 0;
	}
	return n;
}

static int
fwd_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Median and max of the restart cycle times, microseconds. */
static void
fwd_restart_times(const struct fwd_port *fp, double *median, double *max)
{
	uint32_t n = (uint32_t)RTE_MIN(fp->restarts, (uint64_t)FWD_RESTART_SAMPLES);
	uint32_t *v;

	*median = 0;
	*max = 0;
	if (n == 0)
		return;
	v = malloc(n * sizeof(*v));
	if (v == NULL)
		return;
	memcpy(v, fp->restart_ns, n * sizeof(*v));
	qsort(v, n, sizeof(*v), fwd_cmp_u32);
	*median = (n % 2 ? v[n / 2] : (v[n / 2 - 1] + (double)v[n / 2]) / 2) / 1000.0;
	*max = v[n - 1] / 1000.0;
	free(v);
}

static bool
fwd_xstat_shown(const char *name)
{
	return fwd_opts.xstats_all || strncmp(name, "iotlb_", 6) == 0 ||
	       strncmp(name, "device_", 7) == 0 || strcmp(name, "queue_recoveries") == 0 ||
	       strcmp(name, "starts_without_remap") == 0;
}

static void
fwd_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

static uint64_t
fwd_total_packets(void)
{
	bool gen = fwd_opts.mode == FWD_TXONLY || fwd_opts.mode == FWD_FLOWGEN;
	uint64_t n = 0;
	uint16_t i;

	for (i = 0; i < fwd_nb_streams; i++)
		n += gen ? fwd_streams[i].tx : fwd_streams[i].rx;
	return n;
}

/* Milliseconds from main() (before EAL) to the first frame received; 0 when none came. */
static double
fwd_startup_ms(void)
{
	uint64_t first = 0;
	uint16_t i;

	for (i = 0; i < fwd_nb_streams; i++)
		if (fwd_streams[i].first_rx_ns != 0 &&
		    (first == 0 || fwd_streams[i].first_rx_ns < first))
			first = fwd_streams[i].first_rx_ns;
	return first != 0 ? (first - fwd_start_ns) / 1e6 : 0;
}

static double
fwd_cycles_per_packet(void)
{
	uint64_t cycles = 0, pkts = fwd_total_packets();
	unsigned int i;

	for (i = 0; i < fwd_nb_lcores; i++)
		cycles += fwd_lcores[i].busy_cycles;
	return pkts != 0 ? (double)cycles / (double)pkts : 0;
}

int
fwd_report_end(double elapsed)
{
	FILE *f = NULL;
	bool first = true;
	uint16_t p;
	int bad = 0, n, i;

	if (fwd_opts.json != NULL) {
		f = fopen(fwd_opts.json, "w");
		if (f == NULL)
			fprintf(stderr, "vdpath-fwd: --json %s: %s\n", fwd_opts.json,
				strerror(errno));
	}
	if (f != NULL)
		fprintf(f, "{\"mode\": \"%s\", \"frame_size\": %u, \"duration_s\": %.3f, "
			"\"ports\": [", fwd_mode_name(fwd_opts.mode), fwd_opts.txpkts, elapsed);
	printf("\n== vdpath-fwd summary: %s forwarding, %.2f s\n", fwd_mode_name(fwd_opts.mode),
	       elapsed);
	for (p = 0; p < FWD_MAX_PORTS; p++) {
		struct rte_eth_xstat_name *names;
		struct rte_eth_xstat *vals;
		struct fwd_totals t;
		double rmed, rmax;

		if (!fwd_ports[p].used)
			continue;
		fwd_port_totals(p, &t);
		bad |= t.verify_errors != 0;
		if (fwd_opts.verify && t.rx == 0) {
			/* nothing checked is not a pass */
			fprintf(stderr, "vdpath-fwd: verify: port %u received nothing to check\n", p);
			bad = 1;
		}
		printf("port %u: rx %" PRIu64 " (%.2f Mpps) tx %" PRIu64 " (%.2f Mpps) drops %"
		       PRIu64 " lost %" PRIu64 " verify_errors %" PRIu64 " restarts %" PRIu64 "\n",
		       p, t.rx, t.rx / elapsed / 1e6, t.tx, t.tx / elapsed / 1e6, t.drops, t.lost,
		       t.verify_errors, fwd_ports[p].restarts);
		fwd_restart_times(&fwd_ports[p], &rmed, &rmax);
		if (fwd_ports[p].restarts > 0)
			printf("  stop/start cycle: median %.1f us, max %.1f us over %" PRIu64
			       " cycles%s\n", rmed, rmax, fwd_ports[p].restarts,
			       fwd_opts.restart_mtu ? ", each changing the MTU" : "");
		if (fwd_ports[p].lsc_events || fwd_ports[p].reset_events)
			printf("  events: %" PRIu64 " link changes, %" PRIu64 " reset requests, %"
			       PRIu64 " resets done\n", fwd_ports[p].lsc_events,
			       fwd_ports[p].reset_events, fwd_ports[p].recoveries);
		n = fwd_xstats(p, &names, &vals);
		for (i = 0; i < n; i++)
			if (fwd_xstat_shown(names[i].name))
				printf("  %-28s %" PRIu64 "\n", names[i].name, vals[i].value);
		if (f != NULL) {
			fprintf(f, "%s{\"port\": %u, \"rx_packets\": %" PRIu64 ", \"tx_packets\": %"
				PRIu64 ", \"rx_mpps\": %.4f, \"tx_mpps\": %.4f, \"drops\": %" PRIu64
				", \"lost\": %" PRIu64 ", \"verify_errors\": %" PRIu64
				", \"restarts\": %" PRIu64 ", \"restart_us_median\": %.1f, "
				"\"restart_us_max\": %.1f, \"lsc_events\": %" PRIu64
				", \"reset_events\": %" PRIu64 ", \"recoveries\": %" PRIu64
				", \"rx_l4_cksum_good\": %" PRIu64 ", \"xstats\": {",
				first ? "" : ", ", p,
				t.rx, t.tx, t.rx / elapsed / 1e6, t.tx / elapsed / 1e6, t.drops,
				t.lost, t.verify_errors, fwd_ports[p].restarts, rmed, rmax,
				fwd_ports[p].lsc_events, fwd_ports[p].reset_events,
				fwd_ports[p].recoveries, t.cksum_good);
			for (i = 0; i < n; i++) {
				fprintf(f, "%s", i ? ", " : "");
				fwd_json_string(f, names[i].name);
				fprintf(f, ": %" PRIu64, vals[i].value);
			}
			fprintf(f, "}}");
		}
		first = false;
		free(names);
		free(vals);
	}
	printf("cycles per packet (forwarding lcores): %.1f; first frame received %.1f ms after "
	       "start\n", fwd_cycles_per_packet(), fwd_startup_ms());
	if (f != NULL) {
		fprintf(f, "], \"cycles_per_packet\": %.2f, \"startup_ms\": %.3f}\n",
			fwd_cycles_per_packet(), fwd_startup_ms());
		if (fclose(f) != 0)
			bad = 1;
	}
	fflush(stdout);
	return bad;
}
