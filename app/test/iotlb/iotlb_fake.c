/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake device of the lib/iotlb unit tests (see iotlb_fake.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotlb_fake.h"

static void *
grow(void *p, size_t *cap, size_t need, size_t esz)
{
	if (need <= *cap)
		return p;
	*cap = *cap ? *cap * 2 : 64;
	if (*cap < need)
		*cap = need;
	p = realloc(p, *cap * esz);
	assert_non_null(p);
	return p;
}

void
fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->fail_at = -1;
	f->fail_update_at = -1;
	f->fail_err = -EFAULT;
}

void
fake_free(struct fake *f)
{
	free(f->msgs);
	free(f->ents);
	memset(f, 0, sizeof(*f));
}

void
fake_clear_msgs(struct fake *f)
{
	f->n_msgs = 0;
	f->updates_seen = 0;
}

size_t
fake_count(const struct fake *f, enum fake_type type)
{
	size_t i, n = 0;

	for (i = 0; i < f->n_msgs; i++)
		n += f->msgs[i].type == type && f->msgs[i].ret == 0;
	return n;
}

static size_t
fake_asid_count(const struct fake *f, uint32_t asid)
{
	size_t i, n = 0;

	for (i = 0; i < f->n_ents; i++)
		n += f->ents[i].asid == asid;
	return n;
}

static void
fake_insert(struct fake *f, const struct vdp_iotlb_entry *e)
{
	size_t i;

	f->ents = grow(f->ents, &f->cap_ents, f->n_ents + 1, sizeof(*f->ents));
	for (i = 0; i < f->n_ents; i++) {
		if (f->ents[i].asid > e->asid ||
		    (f->ents[i].asid == e->asid && f->ents[i].iova > e->iova))
			break;
	}
	memmove(&f->ents[i + 1], &f->ents[i], (f->n_ents - i) * sizeof(*f->ents));
	f->ents[i] = *e;
	f->n_ents++;
}

void
fake_hold(struct fake *f, uint32_t asid, uint64_t iova, uint64_t size)
{
	struct vdp_iotlb_entry e = {
		.iova = iova, .size = size, .uaddr = iova, .asid = asid,
		.perm = VDP_IOTLB_PERM_RW,
	};

	fake_insert(f, &e);
}

/* Record a message; returns the injected failure for it, or 0. */
static int
fake_record(struct fake *f, enum fake_type type, uint32_t asid, uint64_t iova, uint64_t size,
	    uint64_t uaddr, uint8_t perm)
{
	struct fake_msg *m;
	int ret = 0;

	if ((long)f->n_msgs == f->fail_at)
		ret = f->fail_err;
	if (type == FAKE_UPDATE && f->updates_seen++ == f->fail_update_at)
		ret = f->fail_err;
	/* The kernel rejects a message for another ASID while a batch is open (spec §4.3). */
	if (ret == 0 && f->in_batch && asid != f->batch_asid) {
		f->protocol_errors++;
		ret = -EFAULT;
	}
	f->msgs = grow(f->msgs, &f->cap_msgs, f->n_msgs + 1, sizeof(*f->msgs));
	m = &f->msgs[f->n_msgs++];
	m->type = type;
	m->asid = asid;
	m->iova = iova;
	m->size = size;
	m->uaddr = uaddr;
	m->perm = perm;
	m->ret = ret;
	return ret;
}

static int
fake_update(void *ctx, uint32_t asid, uint64_t iova, uint64_t size, uint64_t uaddr, uint8_t perm)
{
	struct fake *f = ctx;
	struct vdp_iotlb_entry e = {
		.iova = iova, .size = size, .uaddr = uaddr, .asid = asid, .perm = perm,
	};
	size_t i;
	int ret;

	ret = fake_record(f, FAKE_UPDATE, asid, iova, size, uaddr, perm);
	if (ret != 0)
		return ret;
	if (size == 0)
		return f->msgs[f->n_msgs - 1].ret = -EINVAL;
	for (i = 0; i < f->n_ents; i++) {
		if (f->ents[i].asid == asid && f->ents[i].iova < iova + size &&
		    iova < f->ents[i].iova + f->ents[i].size)
			return f->msgs[f->n_msgs - 1].ret = -EFAULT;	/* EEXIST, seen as EFAULT */
	}
	if (f->cap != 0 && fake_asid_count(f, asid) >= f->cap)
		return f->msgs[f->n_msgs - 1].ret = -EFAULT;		/* ENOSPC, seen as EFAULT */
	fake_insert(f, &e);
	return 0;
}

static int
fake_invalidate(void *ctx, uint32_t asid, uint64_t iova, uint64_t size)
{
	struct fake *f = ctx;
	size_t i;
	int ret;

	ret = fake_record(f, FAKE_INVALIDATE, asid, iova, size, 0, 0);
	if (ret != 0)
		return ret;
	/* Whole entries go, including their parts outside the range (spec §4.5). */
	for (i = 0; i < f->n_ents;) {
		if (f->ents[i].asid == asid && f->ents[i].iova <= iova + size - 1 &&
		    iova <= f->ents[i].iova + f->ents[i].size - 1) {
			memmove(&f->ents[i], &f->ents[i + 1],
				(f->n_ents - i - 1) * sizeof(*f->ents));
			f->n_ents--;
			continue;
		}
		i++;
	}
	return 0;
}

static int
fake_batch_begin(void *ctx, uint32_t asid)
{
	struct fake *f = ctx;
	int ret;

	if (f->in_batch)
		f->protocol_errors++;	/* the library never nests batches */
	ret = fake_record(f, FAKE_BEGIN, asid, 0, 0, 0, 0);
	if (ret != 0)
		return ret;
	f->in_batch = true;
	f->batch_asid = asid;
	return 0;
}

static int
fake_batch_end(void *ctx, uint32_t asid)
{
	struct fake *f = ctx;
	int ret;

	if (!f->in_batch)
		f->protocol_errors++;	/* an END without BEGIN is legal but never ours */
	ret = fake_record(f, FAKE_END, asid, 0, 0, 0, 0);
	/* Even a failing BATCH_END leaves the batch closed: the kernel clears in_batch. */
	f->in_batch = false;
	return ret;
}

const struct vdp_iotlb_ops fake_ops = {
	.update = fake_update,
	.invalidate = fake_invalidate,
	.batch_begin = fake_batch_begin,
	.batch_end = fake_batch_end,
};

void
fake_assert_same(const struct fake *f, const struct vdp_iotlb *map)
{
	struct vdp_iotlb_entry *ents;
	size_t n, i;

	n = vdp_iotlb_entries(map, NULL, 0);
	ents = calloc(n + 1, sizeof(*ents));
	assert_non_null(ents);
	vdp_iotlb_entries(map, ents, n);
	if (n != f->n_ents)
		fprintf(stderr, "fake holds %zu entries, the map %zu\n", f->n_ents, n);
	assert_int_equal(n, f->n_ents);
	for (i = 0; i < n; i++) {
		assert_int_equal(ents[i].asid, f->ents[i].asid);
		assert_int_equal(ents[i].iova, f->ents[i].iova);
		assert_int_equal(ents[i].size, f->ents[i].size);
		assert_int_equal(ents[i].uaddr, f->ents[i].uaddr);
		assert_int_equal(ents[i].perm, f->ents[i].perm);
	}
	free(ents);
}

void
map_assert_entries(const struct vdp_iotlb *map, const struct vdp_iotlb_entry *want, size_t n)
{
	struct vdp_iotlb_entry *ents;
	size_t got, i;

	got = vdp_iotlb_entries(map, NULL, 0);
	assert_int_equal(got, n);
	ents = calloc(n + 1, sizeof(*ents));
	assert_non_null(ents);
	vdp_iotlb_entries(map, ents, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(ents[i].asid, want[i].asid);
		assert_int_equal(ents[i].iova, want[i].iova);
		assert_int_equal(ents[i].size, want[i].size);
	}
	free(ents);
}

/* --- log capture ----------------------------------------------------------------------------- */

static char *log_buf;
static size_t log_len;

static void
log_capture_fn(enum vdp_log_level level, const char *msg, void *arg)
{
	size_t n = strlen(msg);
	char *p;

	(void)level;
	(void)arg;
	p = realloc(log_buf, log_len + n + 2);
	if (p == NULL)
		return;
	log_buf = p;
	memcpy(log_buf + log_len, msg, n);
	log_len += n;
	log_buf[log_len++] = '\n';
	log_buf[log_len] = '\0';
	if (getenv("IOTLB_TEST_VERBOSE") != NULL)
		fprintf(stderr, "log: %s\n", msg);
}

void
log_capture_start(void)
{
	free(log_buf);
	log_buf = NULL;
	log_len = 0;
	vdp_log_set_handler(log_capture_fn, NULL);
}

void
log_capture_stop(void)
{
	vdp_log_set_handler(NULL, NULL);
	free(log_buf);
	log_buf = NULL;
	log_len = 0;
}

const char *
log_captured(void)
{
	return log_buf != NULL ? log_buf : "";
}

bool
log_contains(const char *needle)
{
	return strstr(log_captured(), needle) != NULL;
}

int
fake_map_setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	fake_init(&t->f);
	if (vdp_iotlb_create(&fake_ops, &t->f, &t->map) != 0)
		return -1;
	vdp_iotlb_set_batch(t->map, true);
	log_capture_start();
	*state = t;
	return 0;
}

int
fake_map_teardown(void **state)
{
	struct t *t = *state;

	log_capture_stop();
	vdp_iotlb_destroy(t->map);
	fake_free(&t->f);
	free(t);
	return 0;
}

void
fake_map_reinit(struct t *t)
{
	vdp_iotlb_destroy(t->map);
	fake_free(&t->f);
	fake_init(&t->f);
	assert_int_equal(vdp_iotlb_create(&fake_ops, &t->f, &t->map), 0);
	vdp_iotlb_set_batch(t->map, true);
}
