/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A minimal JSON reader for vdpath-sim's stats file, and the fresh-snapshot protocol.
 *
 * The parser builds a flat node array (objects, arrays, strings, numbers, literals) pointing
 * into the source text; strings are compared raw, which is enough for the keys and values the
 * simulator writes (no escapes). Numbers are unsigned integers or "0x.." strings.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_common.h"
#include "test_stats.h"

#define TJ_MAX_NODES 4096
#define T_STATS_WAIT_MS 5000

enum tj_type {
	TJ_OBJECT,
	TJ_ARRAY,
	TJ_STRING,
	TJ_NUMBER,
	TJ_LITERAL,	/* true, false, null */
};

struct tj_node {
	enum tj_type type;
	const char *key;	/* member name inside an object, else NULL */
	size_t key_len;
	const char *val;	/* string contents, number or literal text */
	size_t val_len;
	int child;		/* first element or member, -1 */
	int next;		/* next sibling, -1 */
};

struct tj_doc {
	struct tj_node n[TJ_MAX_NODES];
	int count;
	const char *p;
	const char *end;
};

static void
tj_skip_ws(struct tj_doc *d)
{
	while (d->p < d->end && isspace((unsigned char)*d->p))
		d->p++;
}

/* A string token at d->p (opening quote); returns its contents without the quotes. */
static int
tj_string(struct tj_doc *d, const char **s, size_t *len)
{
	const char *start;

	if (d->p >= d->end || *d->p != '"')
		return -1;
	start = ++d->p;
	while (d->p < d->end && *d->p != '"') {
		if (*d->p == '\\')
			d->p++;
		d->p++;
	}
	if (d->p >= d->end)
		return -1;
	*s = start;
	*len = (size_t)(d->p - start);
	d->p++;
	return 0;
}

static int tj_value(struct tj_doc *d, const char *key, size_t key_len);

/* Members or elements up to the closing bracket, linked as children of node idx. */
static int
tj_container(struct tj_doc *d, int idx, char close, bool members)
{
	int prev = -1;

	d->p++;
	tj_skip_ws(d);
	if (d->p < d->end && *d->p == close) {
		d->p++;
		return 0;
	}
	for (;;) {
		const char *key = NULL;
		size_t key_len = 0;
		int child;

		tj_skip_ws(d);
		if (members) {
			if (tj_string(d, &key, &key_len) != 0)
				return -1;
			tj_skip_ws(d);
			if (d->p >= d->end || *d->p != ':')
				return -1;
			d->p++;
		}
		child = tj_value(d, key, key_len);
		if (child < 0)
			return -1;
		if (prev < 0)
			d->n[idx].child = child;
		else
			d->n[prev].next = child;
		prev = child;
		tj_skip_ws(d);
		if (d->p >= d->end)
			return -1;
		if (*d->p == ',') {
			d->p++;
			continue;
		}
		if (*d->p != close)
			return -1;
		d->p++;
		return 0;
	}
}

static int
tj_value(struct tj_doc *d, const char *key, size_t key_len)
{
	struct tj_node *node;
	int idx;

	tj_skip_ws(d);
	if (d->p >= d->end || d->count >= TJ_MAX_NODES)
		return -1;
	idx = d->count++;
	node = &d->n[idx];
	*node = (struct tj_node){ .key = key, .key_len = key_len, .child = -1, .next = -1 };
	switch (*d->p) {
	case '{':
		node->type = TJ_OBJECT;
		return tj_container(d, idx, '}', true) == 0 ? idx : -1;
	case '[':
		node->type = TJ_ARRAY;
		return tj_container(d, idx, ']', false) == 0 ? idx : -1;
	case '"':
		node->type = TJ_STRING;
		return tj_string(d, &node->val, &node->val_len) == 0 ? idx : -1;
	default:
		break;
	}
	node->type = (*d->p == '-' || isdigit((unsigned char)*d->p)) ? TJ_NUMBER : TJ_LITERAL;
	node->val = d->p;
	while (d->p < d->end && (isalnum((unsigned char)*d->p) || strchr("+-.", *d->p) != NULL))
		d->p++;
	node->val_len = (size_t)(d->p - node->val);
	return node->val_len > 0 ? idx : -1;
}

static int
tj_parse(struct tj_doc *d, const char *text)
{
	d->count = 0;
	d->p = text;
	d->end = text + strlen(text);
	if (tj_value(d, NULL, 0) != 0)
		return -1;
	tj_skip_ws(d);
	return d->p == d->end ? 0 : -1;
}

static bool
tj_eq(const char *s, size_t len, const char *want)
{
	return s != NULL && strlen(want) == len && memcmp(s, want, len) == 0;
}

static int
tj_member(const struct tj_doc *d, int obj, const char *key)
{
	int i;

	if (obj < 0 || d->n[obj].type != TJ_OBJECT)
		return -1;
	for (i = d->n[obj].child; i >= 0; i = d->n[i].next)
		if (tj_eq(d->n[i].key, d->n[i].key_len, key))
			return i;
	return -1;
}

/* A number, or a string holding a number ("0x17e"); missing keys are an error. */
static int
tj_u64(const struct tj_doc *d, int obj, const char *key, uint64_t *out)
{
	int i = tj_member(d, obj, key);
	char buf[32];
	char *end;

	if (i < 0 || (d->n[i].type != TJ_NUMBER && d->n[i].type != TJ_STRING) ||
	    d->n[i].val_len == 0 || d->n[i].val_len >= sizeof(buf)) {
		fprintf(stderr, "stats: key \"%s\" missing or not a number\n", key);
		return -1;
	}
	memcpy(buf, d->n[i].val, d->n[i].val_len);
	buf[d->n[i].val_len] = '\0';
	errno = 0;
	*out = strtoull(buf, &end, 0);
	if (errno != 0 || *end != '\0') {
		fprintf(stderr, "stats: key \"%s\" has value \"%s\", not a number\n", key, buf);
		return -1;
	}
	return 0;
}

static int
tj_bool(const struct tj_doc *d, int obj, const char *key, bool *out)
{
	int i = tj_member(d, obj, key);

	if (i >= 0 && d->n[i].type == TJ_LITERAL && tj_eq(d->n[i].val, d->n[i].val_len, "true")) {
		*out = true;
		return 0;
	}
	if (i >= 0 && d->n[i].type == TJ_LITERAL && tj_eq(d->n[i].val, d->n[i].val_len, "false")) {
		*out = false;
		return 0;
	}
	fprintf(stderr, "stats: key \"%s\" missing or not a boolean\n", key);
	return -1;
}

static int
tj_str(const struct tj_doc *d, int obj, const char *key, char *out, size_t outlen)
{
	int i = tj_member(d, obj, key);

	if (i < 0 || d->n[i].type != TJ_STRING || d->n[i].val_len >= outlen) {
		fprintf(stderr, "stats: key \"%s\" missing or not a short string\n", key);
		return -1;
	}
	memcpy(out, d->n[i].val, d->n[i].val_len);
	out[d->n[i].val_len] = '\0';
	return 0;
}

static int
t_stats_parse_queues(const struct tj_doc *d, int dev, struct t_stats *st)
{
	int arr = tj_member(d, dev, "queues");
	int i;

	if (arr < 0 || d->n[arr].type != TJ_ARRAY) {
		fprintf(stderr, "stats: \"queues\" missing or not an array\n");
		return -1;
	}
	st->nqueues = 0;
	for (i = d->n[arr].child; i >= 0 && st->nqueues < T_STATS_MAX_QUEUES; i = d->n[i].next) {
		struct t_stats_queue *q = &st->q[st->nqueues++];
		uint64_t index;

		if (tj_u64(d, i, "index", &index) != 0 || tj_u64(d, i, "packets", &q->packets) != 0 ||
		    tj_u64(d, i, "bytes", &q->bytes) != 0 || tj_u64(d, i, "kicks", &q->kicks) != 0)
			return -1;
		q->index = (uint32_t)index;
	}
	return 0;
}

static int
t_stats_parse_device(const struct tj_doc *d, int dev, struct t_stats *st)
{
	int iotlb = tj_member(d, dev, "iotlb");
	int cvq = tj_member(d, dev, "cvq");
	int rc = 0;

	rc |= tj_str(d, dev, "personality", st->personality, sizeof(st->personality));
	rc |= tj_u64(d, dev, "opens", &st->opens);
	rc |= tj_u64(d, dev, "backend_acked", &st->backend_acked);
	rc |= tj_u64(d, dev, "features", &st->features);
	rc |= tj_u64(d, dev, "status", &st->status);
	rc |= tj_u64(d, iotlb, "updates", &st->iotlb_updates);
	rc |= tj_u64(d, iotlb, "invalidates", &st->iotlb_invalidates);
	rc |= tj_u64(d, iotlb, "batches", &st->iotlb_batches);
	rc |= tj_u64(d, iotlb, "failed", &st->iotlb_failed);
	rc |= tj_u64(d, iotlb, "vhost_entries", &st->vhost_entries);
	rc |= tj_u64(d, iotlb, "device_entries", &st->device_entries);
	rc |= tj_bool(d, iotlb, "device_identity", &st->device_identity);
	rc |= tj_u64(d, iotlb, "pinned_bytes", &st->pinned_bytes);
	rc |= tj_u64(d, dev, "resets", &st->resets);
	rc |= tj_u64(d, dev, "kicks", &st->kicks);
	rc |= tj_u64(d, dev, "dma_faults", &st->dma_faults);
	rc |= tj_u64(d, cvq, "commands", &st->cvq_commands);
	rc |= tj_u64(d, cvq, "ok", &st->cvq_ok);
	rc |= tj_u64(d, cvq, "err", &st->cvq_err);
	if (rc != 0)
		return -1;
	return t_stats_parse_queues(d, dev, st);
}

int
t_stats_parse(const char *text, const char *path, struct t_stats *st)
{
	static struct tj_doc doc;
	char dev_path[256];
	int devs, i;

	memset(st, 0, sizeof(*st));
	if (tj_parse(&doc, text) != 0) {
		fprintf(stderr, "stats: not valid JSON (or more than %d values)\n", TJ_MAX_NODES);
		return -1;
	}
	devs = tj_member(&doc, 0, "devices");
	if (devs < 0 || doc.n[devs].type != TJ_ARRAY) {
		fprintf(stderr, "stats: \"devices\" missing or not an array\n");
		return -1;
	}
	for (i = doc.n[devs].child; i >= 0; i = doc.n[i].next) {
		if (tj_str(&doc, i, "path", dev_path, sizeof(dev_path)) != 0)
			return -1;
		if (strcmp(dev_path, path) == 0)
			return t_stats_parse_device(&doc, i, st);
	}
	fprintf(stderr, "stats: no device with path %s\n", path);
	return -1;
}

static char *
t_stats_slurp(const char *file)
{
	FILE *f = fopen(file, "re");
	size_t cap = 65536, len = 0, n;
	char *buf;

	if (f == NULL)
		return NULL;
	buf = malloc(cap);
	while (buf != NULL && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *bigger = realloc(buf, cap * 2);

			if (bigger == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf != NULL)
		buf[len] = '\0';
	return buf;
}

int
t_stats_parse_file(const char *file, const char *path, struct t_stats *st)
{
	char *text = t_stats_slurp(file);
	int ret;

	if (text == NULL)
		return -1;
	ret = t_stats_parse(text, path, st);
	free(text);
	return ret;
}

bool
t_stats_enabled(void)
{
	const char *off = getenv("VDP_TEST_NO_STATS");

	if (off != NULL && *off != '\0' && strcmp(off, "0") != 0)
		return false;
	return t_opts.stats_path != NULL && *t_opts.stats_path != '\0';
}

int
t_stats_read(struct t_stats *st)
{
	uint64_t deadline = t_now_ms() + T_STATS_WAIT_MS;
	const char *file = t_opts.stats_path;
	struct stat sb;

	if (!t_stats_enabled())
		return -1;
	/* A new file must appear: removing the old one makes a stale read impossible. */
	if (unlink(file) != 0 && errno != ENOENT) {
		fprintf(stderr, "stats: cannot remove %s: %s\n", file, strerror(errno));
		return -1;
	}
	/* Process-directed, so the simulator may take it on whichever thread it likes. */
	kill(getpid(), SIGUSR1);
	while (t_now_ms() < deadline) {
		if (stat(file, &sb) == 0 && t_stats_parse_file(file, t_opts.dev_path, st) == 0)
			return 0;
		t_sleep_ms(10);
	}
	fprintf(stderr, "stats: no new complete %s within %d ms of SIGUSR1: is the test running "
		"under vdpath-sim --stats %s?\n", file, T_STATS_WAIT_MS, file);
	return -1;
}

uint64_t
t_stats_queue_packets(const struct t_stats *st, uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < st->nqueues; i++)
		if (st->q[i].index == idx)
			return st->q[i].packets;
	return 0;
}
