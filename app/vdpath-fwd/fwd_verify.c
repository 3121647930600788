/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Generated frames and their check.
 *
 * A frame is Ethernet + IPv4 + UDP (destination port FWD_UDP_PORT), then an 18-byte stamp:
 *   magic u16 | tx port u8 | tx queue u8 | sequence u64 | frame length u16 | payload sum u32
 * then a payload whose bytes are (sequence + offset) & 0xff. The receiver checks magic, length,
 * payload sum and payload pattern (across segments), and the sequence per (tx port, tx queue):
 * a repeat or a step back is an error, a step forward counts the frames in between as lost
 * (a port stop/start legitimately loses frames in flight).
 */
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "fwd.h"

#define FWD_MAGIC		0x7d5eu
#define FWD_ERRORS_SHOWN	5u

struct fwd_stamp {
	uint16_t magic;
	uint8_t port;
	uint8_t queue;
	uint64_t seq;
	uint16_t len;
	uint32_t sum;
} __rte_packed;

_Static_assert(sizeof(struct fwd_stamp) == FWD_STAMP_LEN, "stamp layout");

static unsigned int fwd_errors_shown;

/*
 * Sum of the payload (bytes after the stamp): two running sums, the second of the first, so a
 * swap of two bytes changes it (Fletcher's idea; 32-bit wrap instead of a modulus, for speed).
 * Also checks the payload pattern.
 */
static uint32_t
fwd_payload_sum(const struct rte_mbuf *m, bool *pattern_ok, uint64_t seq)
{
	uint32_t off = FWD_MIN_FRAME, a = 1, b = 0, pos = 0;
	uint8_t want = (uint8_t)seq, diff = 0;

	for (; m != NULL; m = m->next) {
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
		uint32_t len = m->data_len, i;

		if (off >= len) {
			off -= len;
			continue;
		}
		for (i = off; i < len; i++, pos++) {
			a += d[i];
			b += a;
			diff |= d[i] ^ (uint8_t)(want + pos);
		}
		off = 0;
	}
	*pattern_ok = diff == 0;
	return b ^ (a << 16);
}

static void
fwd_fill(uint8_t *d, uint32_t len, uint64_t seq, uint32_t pos)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		d[i] = (uint8_t)(seq + pos + i);
}

struct rte_mbuf *
fwd_frame_build(struct fwd_stream *s, struct rte_mempool *mp, uint16_t queue, bool flowgen)
{
	uint32_t len = fwd_opts.txpkts, room, left, pos = 0;
	struct rte_mbuf *head, *m, *prev;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct fwd_stamp *st;
	uint64_t seq = s->tx_seq;
	bool ok;

	head = rte_pktmbuf_alloc(mp);
	if (head == NULL)
		return NULL;
	if (fwd_opts.tx_headroom >= 0)
		head->data_off = (uint16_t)fwd_opts.tx_headroom;
	room = rte_pktmbuf_tailroom(head);
	/* headers and stamp always in the first segment */
	eth = rte_pktmbuf_mtod(head, struct rte_ether_hdr *);
	eth->dst_addr = s->dst;
	eth->src_addr = s->src;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - RTE_ETHER_HDR_LEN));
	ip->src_addr = rte_cpu_to_be_32(0xc0a80001 + (flowgen ? (uint32_t)(seq & 0xff) : 0));
	ip->dst_addr = rte_cpu_to_be_32(0xc0a80101);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(1024 + (flowgen ? (seq >> 8) & 0xfff : 0)));
	udp->dst_port = rte_cpu_to_be_16(FWD_UDP_PORT);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(len - RTE_ETHER_HDR_LEN - sizeof(*ip)));
	udp->dgram_cksum = 0;
	st = (struct fwd_stamp *)(udp + 1);
	st->magic = FWD_MAGIC;
	st->port = (uint8_t)s->tx_port;
	st->queue = (uint8_t)queue;
	st->seq = seq;
	st->len = (uint16_t)len;
	/* payload: the first segment's rest, then chained segments */
	left = len - FWD_MIN_FRAME;
	m = head;
	m->data_len = (uint16_t)RTE_MIN(len, room);
	fwd_fill((uint8_t *)(st + 1), m->data_len - FWD_MIN_FRAME, seq, pos);
	pos += m->data_len - FWD_MIN_FRAME;
	left -= m->data_len - FWD_MIN_FRAME;
	head->pkt_len = m->data_len;
	prev = head;
	while (left > 0) {
		m = rte_pktmbuf_alloc(mp);
		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		m->data_len = (uint16_t)RTE_MIN(left, rte_pktmbuf_tailroom(m));
		fwd_fill(rte_pktmbuf_mtod(m, uint8_t *), m->data_len, seq, pos);
		pos += m->data_len;
		left -= m->data_len;
		head->pkt_len += m->data_len;
		head->nb_segs++;
		prev->next = m;
		prev = m;
	}
	st->sum = fwd_payload_sum(head, &ok, seq);
	if (fwd_opts.tx_cksum) {
		/* the device (or the driver on Rx) completes what the pseudo-header starts */
		head->l2_len = RTE_ETHER_HDR_LEN;
		head->l3_len = sizeof(*ip);
		head->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM;
		udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, head->ol_flags);
	}
	s->tx_seq++;
	s->generated++;
	if (fwd_opts.verify_corrupt_every != 0 &&
	    s->generated % fwd_opts.verify_corrupt_every == 0)
		rte_pktmbuf_mtod(prev, uint8_t *)[prev->data_len - 1] ^= 0x5a;
	return head;
}

static void
fwd_verify_error(struct fwd_stream *s, const char *what, uint64_t a, uint64_t b)
{
	s->verify_errors++;
	if (fwd_errors_shown++ < FWD_ERRORS_SHOWN)
		fprintf(stderr, "vdpath-fwd: verify: port %u queue %u: %s (%llu, expected %llu)\n",
			s->rx_port, s->queue, what, (unsigned long long)a, (unsigned long long)b);
}

void
fwd_frame_check(struct fwd_stream *s, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip + 1);
	const struct fwd_stamp *st = (const struct fwd_stamp *)(udp + 1);
	bool ours = m->data_len >= FWD_MIN_FRAME &&
		    eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
		    ip->next_proto_id == IPPROTO_UDP &&
		    udp->dst_port == rte_cpu_to_be_16(FWD_UDP_PORT);
	bool generating = fwd_opts.mode == FWD_TXONLY || fwd_opts.mode == FWD_FLOWGEN;
	struct fwd_seq *q;
	bool pattern;
	uint32_t sum;

	if (!ours) {
		/* when this process generates all traffic, anything else is corruption */
		if (generating)
			fwd_verify_error(s, "frame without a stamp, length", m->pkt_len,
					 fwd_opts.txpkts);
		else
			s->foreign++;
		return;
	}
	if (st->magic != FWD_MAGIC) {
		fwd_verify_error(s, "bad magic", st->magic, FWD_MAGIC);
		return;
	}
	if (st->len != m->pkt_len) {
		fwd_verify_error(s, "frame length", m->pkt_len, st->len);
		return;
	}
	sum = fwd_payload_sum(m, &pattern, st->seq);
	if (sum != st->sum || !pattern) {
		fwd_verify_error(s, "payload checksum, sequence", st->seq, st->seq);
		return;
	}
	if (st->port >= FWD_MAX_PORTS || st->queue >= FWD_MAX_QUEUES) {
		fwd_verify_error(s, "stamp port/queue out of range", st->port, 0);
		return;
	}
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		s->cksum_good++;
	if (fwd_opts.tx_cksum && rte_ipv4_udptcp_cksum_mbuf_verify(m, ip,
			RTE_ETHER_HDR_LEN + sizeof(*ip)) != 0) {
		fwd_verify_error(s, "UDP checksum wrong, sequence", st->seq, st->seq);
		return;
	}
	/* forwarding modes may see a frame again (a --tx-first burst circulating): no order */
	if (!generating)
		return;
	q = &s->seq[st->port][st->queue];
	if (q->seen && st->seq < q->next) {
		fwd_verify_error(s, "sequence repeated or backwards", st->seq, q->next);
		return;
	}
	if (st->seq > q->next)
		s->lost += st->seq - q->next;	/* frames from 0 on: start-up losses count too */
	q->next = st->seq + 1;
	q->seen = true;
}
