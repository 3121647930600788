/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lib/virtq unit test environment (virtq_env.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtq_env.h"

#define VE_MAX_COOKIES (1u << 22)

void
ve_open(struct ve *e, uint32_t flags, uint32_t num)
{
	struct vdp_virtq_conf conf;
	int ret;

	memset(e, 0, sizeof(*e));
	e->num = num;
	e->flags = flags;
	e->mem_len = vdp_virtq_mem_size(num, flags);
	assert_true(e->mem_len > 0);
	e->mem = aligned_alloc(4096, (e->mem_len + 4095) & ~(size_t)4095);
	assert_non_null(e->mem);
	/* garbage first: init must lay the ring out from scratch */
	memset(e->mem, 0xa5, e->mem_len);
	conf = (struct vdp_virtq_conf){
		.num = num,
		.flags = flags,
		.mem = e->mem,
		.iova = VE_IOVA_BASE,
		.mem_len = e->mem_len,
		.index = 7,
	};
	ret = vdp_virtq_create(&conf, &e->vq, &e->addrs);
	assert_int_equal(ret, 0);
	fd_init(&e->fd, flags & VDP_VIRTQ_F_PACKED, flags & VDP_VIRTQ_F_EVENT_IDX, num, e->mem,
		VE_IOVA_BASE, e->addrs.desc, e->addrs.driver, e->addrs.device);
	e->ncookies = VE_MAX_COOKIES;
	e->state = calloc(e->ncookies + 1, 1);
	e->cap = calloc(e->ncookies + 1, sizeof(*e->cap));
	assert_non_null(e->state);
	assert_non_null(e->cap);
	e->next_cookie = 1;
	e->rng = 0x9e3779b97f4a7c15ULL ^ flags ^ ((uint64_t)num << 32);
}

void
ve_close(struct ve *e)
{
	vdp_virtq_free(e->vq);
	free(e->mem);
	free(e->state);
	free(e->cap);
	memset(e, 0, sizeof(*e));
}

uint64_t
ve_rand(struct ve *e)
{
	/* xorshift64*: reproducible per configuration */
	e->rng ^= e->rng >> 12;
	e->rng ^= e->rng << 25;
	e->rng ^= e->rng >> 27;
	return e->rng * 0x2545f4914f6cdd1dULL;
}

uint16_t
ve_add(struct ve *e, bool in, uint16_t n, uint16_t nseg, uint32_t len)
{
	struct vdp_virtq_seg *segs = calloc((size_t)n * nseg + 1, sizeof(*segs));
	uint16_t *nsegs = calloc((size_t)n + 1, sizeof(*nsegs));
	void **cookies = calloc((size_t)n + 1, sizeof(*cookies));
	uint16_t i, j, got;

	assert_non_null(segs);
	assert_non_null(nsegs);
	assert_non_null(cookies);
	assert_true(e->next_cookie + n < e->ncookies);
	for (i = 0; i < n; i++) {
		uint32_t c = e->next_cookie + i;

		for (j = 0; j < nseg; j++) {
			segs[i * nseg + j].iova = VE_BUF_IOVA(c, j);
			segs[i * nseg + j].len = len;
		}
		nsegs[i] = nseg;
		cookies[i] = (void *)(uintptr_t)c;
	}
	if (in)
		got = vdp_virtq_add_in(e->vq, segs, nseg == 1 ? NULL : nsegs, cookies, n);
	else
		got = vdp_virtq_add_out(e->vq, segs, nseg == 1 ? NULL : nsegs, cookies, n);
	for (i = 0; i < got; i++) {
		e->state[e->next_cookie + i] = VE_OUT;
		e->cap[e->next_cookie + i] = in ? len * nseg : 0;
	}
	e->next_cookie += got;
	free(segs);
	free(nsegs);
	free(cookies);
	return got;
}

void
ve_returned(struct ve *e, void *cookie)
{
	uintptr_t c = (uintptr_t)cookie;

	if (c == 0 || c >= e->next_cookie)
		fail_msg("cookie %p was never added", cookie);
	if (e->state[c] != VE_OUT)
		fail_msg("cookie %lu returned while %s", (unsigned long)c,
			 e->state[c] == VE_BACK ? "already returned" : "never added");
	e->state[c] = VE_BACK;
	e->returned++;
}

uint32_t
ve_get(struct ve *e, uint32_t max, void **cookies, uint32_t *lens)
{
	uint32_t total = 0;

	while (total < max) {
		uint16_t want = max - total > 32 ? 32 : (uint16_t)(max - total);
		uint16_t got = vdp_virtq_get_used(e->vq, cookies + total,
						  lens != NULL ? lens + total : NULL, want);
		uint16_t i;

		for (i = 0; i < got; i++)
			ve_returned(e, cookies[total + i]);
		total += got;
		if (got < want)
			break;
	}
	return total;
}

uint32_t
ve_outstanding(const struct ve *e)
{
	uint32_t c, n = 0;

	for (c = 1; c < e->next_cookie; c++)
		n += e->state[c] == VE_OUT;
	return n;
}

void
ve_drain_all(struct ve *e)
{
	void *cookies[16];
	uint32_t want = ve_outstanding(e), got = 0;
	uint16_t n, i;

	while ((n = vdp_virtq_drain(e->vq, cookies, 16)) > 0) {
		for (i = 0; i < n; i++)
			ve_returned(e, cookies[i]);
		got += n;
	}
	assert_int_equal(got, want);
	assert_int_equal(ve_outstanding(e), 0);
	assert_int_equal(vdp_virtq_outstanding(e->vq), 0);
	assert_int_equal(vdp_virtq_free_count(e->vq), e->num);
}

uint32_t
ve_dev_pop(struct ve *e, struct fd_chain *out, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && fd_pop(&e->fd, &out[n]))
		n++;
	return n;
}

void
ve_dev_push(struct ve *e, const struct fd_chain *c, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		fd_push(&e->fd, c[i].id, c[i].ndesc, c[i].write_len);
	fd_publish(&e->fd);
}

uint32_t
ve_dev_complete_some(struct ve *e, struct fd_chain *pool, uint32_t *npool)
{
	uint32_t k = *npool == 0 ? 0 : 1 + ve_rand(e) % *npool, i;

	if (!ve_in_order(e)) {
		for (i = 0; i < k; i++) {
			uint32_t j = i + ve_rand(e) % (*npool - i);
			struct fd_chain t = pool[i];

			pool[i] = pool[j];
			pool[j] = t;
		}
	}
	for (i = 0; i < k; i++)
		pool[i].write_len = pool[i].write_len ? 1 + pool[i].write_len / 2 : 0;
	ve_dev_push(e, pool, k);
	memmove(pool, pool + k, (*npool - k) * sizeof(pool[0]));
	*npool -= k;
	return k;
}

void
ve_finish_clean(struct ve *e)
{
	struct vdp_virtq_stats st = ve_stats(e);

	assert_int_equal(e->fd.errors, 0);
	assert_true(st.bad_used_id + st.bad_used_len + st.bad_wrap + st.bad_used_idx == 0);
	assert_false(vdp_virtq_broken(e->vq));
	ve_drain_all(e);
	ve_close(e);
}

struct vdp_virtq_stats
ve_stats(const struct ve *e)
{
	struct vdp_virtq_stats st;

	vdp_virtq_stats_get(e->vq, &st);
	return st;
}

int
ve_run_matrix(const char *group, const struct ve_case *cases, size_t ncases,
	      const struct ve_cfg *cfgs, size_t ncfg)
{
	struct CMUnitTest *tests = calloc(ncases * ncfg, sizeof(*tests));
	char **names = calloc(ncases * ncfg, sizeof(*names));
	size_t i, j, k = 0;
	int ret;

	assert_non_null(tests);
	assert_non_null(names);
	for (i = 0; i < ncases; i++) {
		for (j = 0; j < ncfg; j++) {
			size_t len;

			if ((cfgs[j].flags & cases[i].need) != cases[i].need ||
			    (cfgs[j].flags & cases[i].reject) != 0)
				continue;
			len = strlen(cases[i].name) + strlen(cfgs[j].name) + 2;

			names[k] = malloc(len);
			assert_non_null(names[k]);
			snprintf(names[k], len, "%s/%s", cases[i].name, cfgs[j].name);
			tests[k].name = names[k];
			tests[k].test_func = cases[i].fn;
			tests[k].initial_state = (void *)(uintptr_t)&cfgs[j];
			k++;
		}
	}
	ret = _cmocka_run_group_tests(group, tests, k, NULL, NULL);
	while (k-- > 0)
		free(names[k]);
	free(names);
	free(tests);
	return ret;
}
