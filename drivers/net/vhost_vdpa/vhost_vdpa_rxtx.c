/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vhost_vdpa Rx and Tx bursts.
 *
 * Rx posts each mbuf as one device-writable buffer that starts VDPA_NET_HDR_LEN bytes before
 * the packet data, so the device writes the virtio-net header into the headroom and the frame
 * lands at the usual data offset. With MRG_RXBUF a frame spans num_buffers buffers; the later
 * ones carry no header, so their data starts where the header would have been.
 *
 * Tx: a frame that needs no offload may go behind the queue's shared zero header (tx_hdr,
 * enum vdpa_tx_hdr): the chain is that header, then the frame's segments, and no line of the
 * mbuf is touched. Otherwise the header goes in the mbuf's headroom when the mbuf is ours to
 * write (direct, one reference, room for it): one segment per mbuf segment. Otherwise it comes
 * from a per-queue slot and leads the chain; the cookie is then the slot, tagged with bit 0.
 *
 * No syscall per burst: kicks only when lib/virtq says the device asked for one, through the
 * doorbell page when the kernel granted it.
 */
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_net.h>

#include "vhost_vdpa.h"

/* Check for leaking device faults every this many bursts (a power of two). */
#define VDPA_FAULT_CHECK_EVERY	1024u
#define VDPA_TX_SLOT_TAG	1u

static inline uint64_t
vdpa_va(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

void
vdpa_kick(const struct vdpa_kick *k)
{
	static const uint64_t one = 1;

	if (k->doorbell != NULL) {
		rte_io_wmb();
		*k->doorbell = k->vq_idx;
	} else if (k->kickfd >= 0) {
		/* the eventfd counter cannot overflow in practice; EAGAIN would mean it did */
		if (write(k->kickfd, &one, sizeof(one)) < 0)
			return;
	}
}

static inline void
vdpa_kick_if_asked(struct vdp_virtq *vq, const struct vdpa_kick *k,
		   struct vdpa_queue_stats *st)
{
	if (vdp_virtq_needs_kick(vq)) {
		vdpa_kick(k);
		st->kicks++;
	}
}

/* Device faults that leave a buffer outstanding forever (bad ids), and breakage. */
static uint64_t
vdpa_vq_leaks(const struct vdp_virtq *vq, bool *broken)
{
	struct vdp_virtq_stats st;

	vdp_virtq_stats_get(vq, &st);
	*broken = vdp_virtq_broken(vq);
	return st.bad_used_id + st.bad_used_idx + st.bad_wrap;
}

/*
 * Every VDPA_FAULT_CHECK_EVERY bursts: restart the queue when its ring is broken or the device
 * has leaked a quarter of its buffers (each bad id strands one).
 */
static inline bool
vdpa_vq_needs_recovery(struct vdp_virtq *vq, uint32_t *polls, uint64_t *seen, uint16_t num)
{
	uint64_t leaks;
	bool broken;

	/* a broken ring adds and returns nothing, so looking every so many bursts is enough */
	if (likely((++*polls & (VDPA_FAULT_CHECK_EVERY - 1)) != 0))
		return false;
	leaks = vdpa_vq_leaks(vq, &broken);
	if (broken || leaks - *seen >= (uint64_t)num / 4) {
		*seen = leaks;
		return true;
	}
	return false;
}

/* --- Rx ------------------------------------------------------------------------------------ */

int
vdpa_rxq_refill(struct vdpa_rxq *q)
{
	struct rte_mbuf *mbufs[VDPA_BURST * 2];
	struct vdp_virtq_seg segs[VDPA_BURST * 2];
	uint32_t free = vdp_virtq_free_count(q->vq), posted = 0;
	uint16_t k, i, added;

	while (free > 0) {
		k = (uint16_t)RTE_MIN(free, RTE_DIM(mbufs));
		if (rte_pktmbuf_alloc_bulk(q->mp, mbufs, k) != 0) {
			q->stats.nombuf++;
			break;
		}
		for (i = 0; i < k; i++) {
			segs[i].iova = vdpa_va(mbufs[i]->buf_addr) + RTE_PKTMBUF_HEADROOM -
				       VDPA_NET_HDR_LEN;
			segs[i].len = q->buf_len;
		}
		added = vdp_virtq_add_in(q->vq, segs, NULL, (void *const *)mbufs, k);
		if (added < k)
			rte_pktmbuf_free_bulk(mbufs + added, k - added);
		posted += added;
		if (added < k)
			break;
		free -= k;
	}
	return posted > 0 || vdp_virtq_outstanding(q->vq) > 0 ? 0 : -ENOMEM;
}

void
vdpa_rxq_drain(struct vdpa_rxq *q)
{
	void *cookies[VDPA_BURST];
	uint16_t n;

	if (q->vq == NULL)
		return;
	while ((n = vdp_virtq_drain(q->vq, cookies, VDPA_BURST)) > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)cookies, n);
	vdp_virtq_reset(q->vq);
	if (q->mrg_head != NULL)
		rte_pktmbuf_free(q->mrg_head);
	q->mrg_head = NULL;
	q->mrg_tail = NULL;
	q->mrg_left = 0;
}

/* The partial checksum the device left (NEEDS_CSUM): finish it in software. */
static void
vdpa_rx_csum_finish(struct rte_mbuf *m, const struct vdpa_net_hdr *h)
{
	uint32_t start = h->csum_start, off = start + h->csum_offset;
	uint16_t csum;

	if (off + sizeof(uint16_t) > rte_pktmbuf_data_len(m) || start >= m->pkt_len ||
	    rte_raw_cksum_mbuf(m, start, m->pkt_len - start, &csum) < 0) {
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;
		return;
	}
	csum = (uint16_t)~csum;
	if (csum == 0)
		csum = 0xffff;
	*rte_pktmbuf_mtod_offset(m, uint16_t *, off) = csum;
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}

static inline void
vdpa_rx_offload(struct rte_mbuf *m, const struct vdpa_net_hdr *h)
{
	if (h->flags & VDPA_NET_HDR_F_NEEDS_CSUM)
		vdpa_rx_csum_finish(m, h);
	else if (h->flags & VDPA_NET_HDR_F_DATA_VALID)
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}

static inline const struct vdpa_net_hdr *
vdpa_rx_hdr(const struct rte_mbuf *m)
{
	return (const struct vdpa_net_hdr *)((const uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM -
					     VDPA_NET_HDR_LEN);
}

static inline void
vdpa_rx_first(struct vdpa_rxq *q, struct rte_mbuf *m, uint32_t len)
{
	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->data_len = (uint16_t)(len - VDPA_NET_HDR_LEN);
	m->pkt_len = m->data_len;
	m->port = q->port_id;
	m->nb_segs = 1;
	m->next = NULL;
	m->ol_flags = 0;
	m->packet_type = RTE_PTYPE_UNKNOWN;
}

/* Mergeable Rx: assemble frames of num_buffers buffers, possibly across bursts. */
static uint16_t
vdpa_rx_merge(struct vdpa_rxq *q, void **cookies, const uint32_t *lens, uint16_t got,
	      struct rte_mbuf **pkts)
{
	uint16_t i, nb = 0;

	for (i = 0; i < got; i++) {
		struct rte_mbuf *m = cookies[i];
		uint32_t len = lens[i];

		if (q->mrg_left == 0) {
			const struct vdpa_net_hdr *h = vdpa_rx_hdr(m);
			uint16_t nbufs = h->num_buffers;

			if (unlikely(len <= VDPA_NET_HDR_LEN || nbufs == 0 || nbufs > q->nb_desc)) {
				q->stats.errors++;
				rte_pktmbuf_free(m);
				continue;
			}
			vdpa_rx_first(q, m, len);
			if (q->csum)
				vdpa_rx_offload(m, h);
			if (nbufs == 1) {
				pkts[nb++] = m;
				q->stats.bytes += m->pkt_len;
				continue;
			}
			q->mrg_head = m;
			q->mrg_tail = m;
			q->mrg_left = (uint16_t)(nbufs - 1);
			continue;
		}
		if (unlikely(len == 0)) {
			/* a buffer the device wrote nothing into: the frame is lost */
			q->stats.errors++;
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(q->mrg_head);
			q->mrg_head = NULL;
			q->mrg_left = 0;
			continue;
		}
		m->data_off = RTE_PKTMBUF_HEADROOM - VDPA_NET_HDR_LEN;
		m->data_len = (uint16_t)len;
		m->nb_segs = 1;
		m->next = NULL;
		q->mrg_tail->next = m;
		q->mrg_tail = m;
		q->mrg_head->nb_segs++;
		q->mrg_head->pkt_len += len;
		q->stats.mrg_bufs++;
		if (--q->mrg_left == 0) {
			pkts[nb++] = q->mrg_head;
			q->stats.bytes += q->mrg_head->pkt_len;
			q->mrg_head = NULL;
		}
	}
	return nb;
}

static uint16_t
vdpa_rx_chunk(struct vdpa_rxq *q, struct rte_mbuf **pkts, uint16_t n)
{
	void *cookies[VDPA_BURST];
	uint32_t lens[VDPA_BURST];
	uint16_t got, i, nb = 0;

	got = vdp_virtq_get_used(q->vq, cookies, lens, n);
	if (q->mrg)
		return vdpa_rx_merge(q, cookies, lens, got, pkts);
	for (i = 0; i < got; i++) {
		struct rte_mbuf *m = cookies[i];

		if (unlikely(lens[i] <= VDPA_NET_HDR_LEN)) {
			q->stats.errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		vdpa_rx_first(q, m, lens[i]);
		if (q->csum)
			vdpa_rx_offload(m, vdpa_rx_hdr(m));
		q->stats.bytes += m->pkt_len;
		pkts[nb++] = m;
	}
	return nb;
}

/* Post mbufs into the free slots and kick if the device asks; off the burst's fast path. */
static __rte_noinline void
vdpa_rx_replenish(struct vdpa_rxq *q)
{
	vdpa_rxq_refill(q);
	vdpa_kick_if_asked(q->vq, &q->kick, &q->stats);
}

uint16_t
vdpa_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	struct vdpa_rxq *q = rxq;
	uint16_t nb = 0, want, got;

	if (unlikely(vdpa_vq_needs_recovery(q->vq, &q->polls, &q->faults_seen, q->nb_desc))) {
		vdpa_queue_recover(q->port, true, q->qid);
		return 0;
	}
	/* the common poll finds nothing: one look at the used ring and out */
	if (!vdp_virtq_has_used(q->vq)) {
		if (unlikely(vdp_virtq_free_count(q->vq) >= VDPA_BURST))
			vdpa_rx_replenish(q);	/* a refill the mempool once refused */
		return 0;
	}
	while (nb < n) {
		want = (uint16_t)RTE_MIN((unsigned int)(n - nb), VDPA_BURST);
		got = vdpa_rx_chunk(q, pkts + nb, want);
		nb += got;
		if (got < want && !vdp_virtq_has_used(q->vq))
			break;
	}
	q->stats.packets += nb;
	if (vdp_virtq_free_count(q->vq) >= VDPA_BURST)
		vdpa_rx_replenish(q);
	return nb;
}

/* --- Tx ------------------------------------------------------------------------------------ */

static inline struct rte_mbuf *
vdpa_tx_cookie_mbuf(struct vdpa_txq *q, void *cookie)
{
	uintptr_t c = (uintptr_t)cookie;
	struct vdpa_tx_slot *s;

	if (likely(!(c & VDPA_TX_SLOT_TAG)))
		return cookie;
	s = (struct vdpa_tx_slot *)(c & ~(uintptr_t)VDPA_TX_SLOT_TAG);
	s->next = q->slot_free;
	q->slot_free = (uint16_t)(s - q->slots);
	return s->m;
}

void
vdpa_txq_reclaim(struct vdpa_txq *q)
{
	void *cookies[VDPA_BURST * 2];
	uint16_t n, i;

	while ((n = vdp_virtq_get_used(q->vq, cookies, NULL, RTE_DIM(cookies))) > 0) {
		for (i = 0; i < n; i++)
			cookies[i] = vdpa_tx_cookie_mbuf(q, cookies[i]);
		rte_pktmbuf_free_bulk((struct rte_mbuf **)cookies, n);
		if (n < RTE_DIM(cookies))
			break;
	}
}

void
vdpa_txq_drain(struct vdpa_txq *q)
{
	void *cookies[VDPA_BURST];
	uint16_t n, i;

	if (q->vq == NULL)
		return;
	while ((n = vdp_virtq_drain(q->vq, cookies, VDPA_BURST)) > 0) {
		for (i = 0; i < n; i++)
			cookies[i] = vdpa_tx_cookie_mbuf(q, cookies[i]);
		rte_pktmbuf_free_bulk((struct rte_mbuf **)cookies, n);
	}
	vdp_virtq_reset(q->vq);
}

/*
 * Zero a header, storing only if some byte is not zero yet. The headroom usually holds the
 * header the device wrote on Rx, already zero when the frame is forwarded: a load leaves the
 * line shared with the device, which reads it next; a store would pull it over and back.
 */
static inline void
vdpa_tx_hdr_zero(struct vdpa_net_hdr *h)
{
	uint64_t lo;
	uint32_t hi;

	RTE_BUILD_BUG_ON(sizeof(*h) != sizeof(lo) + sizeof(hi));
	memcpy(&lo, h, sizeof(lo));
	memcpy(&hi, (uint8_t *)h + sizeof(lo), sizeof(hi));
	if ((lo | hi) != 0)
		memset(h, 0, sizeof(*h));
}

static inline void
vdpa_tx_hdr_fill(const struct vdpa_txq *q, struct vdpa_net_hdr *h, const struct rte_mbuf *m)
{
	uint64_t ol = m->ol_flags;

	vdpa_tx_hdr_zero(h);
	if (!q->offload || !(ol & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)))
		return;
	h->flags = VDPA_NET_HDR_F_NEEDS_CSUM;
	h->csum_start = (uint16_t)(m->l2_len + m->l3_len);
	if ((ol & RTE_MBUF_F_TX_TCP_SEG) || (ol & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM)
		h->csum_offset = offsetof(struct rte_tcp_hdr, cksum);
	else if ((ol & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM)
		h->csum_offset = offsetof(struct rte_udp_hdr, dgram_cksum);
	else
		h->flags = 0;
	if (ol & RTE_MBUF_F_TX_TCP_SEG) {
		h->gso_type = (ol & RTE_MBUF_F_TX_IPV6) ? VDPA_NET_HDR_GSO_TCPV6 :
			      VDPA_NET_HDR_GSO_TCPV4;
		h->gso_size = m->tso_segsz;
		h->hdr_len = (uint16_t)(m->l2_len + m->l3_len + m->l4_len);
	}
}

static inline bool
vdpa_tx_can_push(const struct rte_mbuf *m)
{
	return rte_mbuf_refcnt_read(m) == 1 && RTE_MBUF_DIRECT(m) &&
	       rte_pktmbuf_headroom(m) >= VDPA_NET_HDR_LEN;
}

/*
 * Does frame m go behind the shared zero header? Only without offload. FRAME: when it has no
 * headroom to write, or when a vhost_vdpa Rx queue handed it over with its layout untouched:
 * the line before its data holds the header a device wrote, which the device would have to
 * take back after our load or store.
 */
static inline bool
vdpa_tx_hdr_shared(const struct vdpa_txq *q, const struct rte_mbuf *m, bool push)
{
	if (q->hdr_mode == VDPA_TX_HDR_INLINE ||
	    (q->offload && (m->ol_flags & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG))))
		return false;
	if (q->hdr_mode == VDPA_TX_HDR_SHARED || !push)
		return true;
	return m->data_off == RTE_PKTMBUF_HEADROOM && m->port < RTE_MAX_ETHPORTS &&
	       vdpa_rx_ports[m->port];
}

/*
 * Describe packet m in segs (returns the count, 0 when it cannot be sent) and its cookie.
 */
static inline uint16_t
vdpa_tx_describe(struct vdpa_txq *q, struct rte_mbuf *m, struct vdp_virtq_seg *segs,
		 void **cookie, bool *shared)
{
	struct vdpa_net_hdr *h;
	struct vdpa_tx_slot *s;
	uint16_t ns = 0;
	bool push;

	if (unlikely(m->nb_segs + 1u > VDPA_TX_SEGS_MAX))
		return 0;
	push = vdpa_tx_can_push(m);
	*shared = vdpa_tx_hdr_shared(q, m, push);
	if (*shared) {
		segs[0].iova = q->zero_hdr_iova;
		segs[0].len = VDPA_NET_HDR_LEN;
		ns = 1;
		*cookie = NULL;
	} else if (likely(push)) {
		h = rte_pktmbuf_mtod_offset(m, struct vdpa_net_hdr *, -(int)VDPA_NET_HDR_LEN);
		vdpa_tx_hdr_fill(q, h, m);
		segs[0].iova = vdpa_va(h);
		segs[0].len = m->data_len + VDPA_NET_HDR_LEN;
		ns = 1;
		m = m->next;
		*cookie = NULL;
	} else {
		if (q->slot_free == UINT16_MAX)
			return 0;
		s = &q->slots[q->slot_free];
		q->slot_free = s->next;
		s->m = m;
		vdpa_tx_hdr_fill(q, &s->hdr, m);
		segs[0].iova = vdpa_va(&s->hdr);
		segs[0].len = VDPA_NET_HDR_LEN;
		ns = 1;
		*cookie = (void *)((uintptr_t)s | VDPA_TX_SLOT_TAG);
	}
	for (; m != NULL; m = m->next) {
		segs[ns].iova = vdpa_va(rte_pktmbuf_mtod(m, void *));
		segs[ns].len = m->data_len;
		ns++;
	}
	return ns;
}

static uint16_t
vdpa_tx_chunk(struct vdpa_txq *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct vdp_virtq_seg segs[VDPA_BURST * VDPA_TX_SEGS_MAX];
	uint16_t nsegs[VDPA_BURST];
	void *cookies[VDPA_BURST];
	uint16_t i, k = 0, added, seg = 0, ns;
	uint32_t shared_bits = 0;
	bool multi = false, shared;

	RTE_BUILD_BUG_ON(VDPA_BURST > 32);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		void *c;

		/* 0: too many segments (the caller drops it) or no header slot (ring full) */
		ns = vdpa_tx_describe(q, m, segs + seg, &c, &shared);
		if (unlikely(ns == 0))
			break;
		cookies[k] = c != NULL ? c : m;
		nsegs[k] = ns;
		multi |= ns > 1;
		shared_bits |= (uint32_t)shared << k;
		seg += ns;
		k++;
	}
	if (k == 0)
		return 0;
	added = vdp_virtq_add_out(q->vq, segs, multi ? nsegs : NULL, cookies, k);
	for (i = added; i < k; i++)
		vdpa_tx_cookie_mbuf(q, cookies[i]);	/* give unused slots back */
	for (i = 0; i < added; i++) {
		q->stats.bytes += pkts[i]->pkt_len;
		q->stats.hdr_fallback += (uintptr_t)cookies[i] & VDPA_TX_SLOT_TAG;
	}
	if (added < 32)
		shared_bits &= (UINT32_C(1) << added) - 1;
	q->stats.hdr_shared += (uint64_t)__builtin_popcount(shared_bits);
	return added;
}

uint16_t
vdpa_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct vdpa_txq *q = txq;
	uint16_t sent = 0, want, done;

	if (unlikely(vdpa_vq_needs_recovery(q->vq, &q->polls, &q->faults_seen, q->nb_desc))) {
		vdpa_queue_recover(q->port, false, q->qid);
		return 0;
	}
	if (vdp_virtq_free_count(q->vq) < (uint32_t)q->free_thresh + n)
		vdpa_txq_reclaim(q);
	while (sent < n) {
		want = (uint16_t)RTE_MIN((unsigned int)(n - sent), VDPA_BURST);
		done = vdpa_tx_chunk(q, pkts + sent, want);
		sent += done;
		if (done < want) {
			struct rte_mbuf *m = pkts[sent];

			if (m->nb_segs + 1u > VDPA_TX_SEGS_MAX) {
				/* never sendable: drop it rather than stall the caller */
				q->stats.errors++;
				rte_pktmbuf_free(m);
				sent++;
				continue;
			}
			break;
		}
	}
	q->stats.packets += sent;
	vdpa_kick_if_asked(q->vq, &q->kick, &q->stats);
	return sent;
}

uint16_t
vdpa_tx_prepare(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct vdpa_txq *q = txq;
	uint16_t i;
	int ret;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (m->nb_segs + 1u > VDPA_TX_SEGS_MAX) {
			rte_errno = EINVAL;
			return i;
		}
		if (q->offload && (m->ol_flags & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG))) {
			ret = rte_net_intel_cksum_prepare(m);
			if (ret != 0) {
				rte_errno = -ret;
				return i;
			}
		}
	}
	return n;
}
