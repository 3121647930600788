/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdpath-sim options: one parser shared by the launcher (--long-options) and the preloaded
 * library (VDPATH_SIM_<NAME> environment variables), so both accept exactly the same values and
 * print the same one-line messages.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"
#include "vdp_names.h"
#include "vdp_uapi.h"

#define BIT(n) (1ULL << (n))

/* What vdpa_sim_net offers on 6.12 (spec §8.2) and vhost-vdpa reports for it (§3.1). */
#define SIM_DEFAULT_FEATURES 0x308830028ULL
#define SIM_BACKEND_612 0x17eULL
#define SIM_BACKEND_61 0x1eULL

struct sim_opts sim_opts;

const struct sim_opt_desc sim_opt_table[] = {
	{ "devices", "N", "1", "number of /dev/vhost-vdpa-N devices (1..16)" },
	{ "personality", "persist|platform|legacy61", "persist",
	  "parent behaviour at reset and close" },
	{ "mode", "poll|notify", "notify", "device works on kicks, or busy-polls its rings" },
	{ "traffic", "loopback|generator|sink", "loopback", "what the device does with frames" },
	{ "iommu", "va|pa", "va", "vdpa_sim use_va=1 (VA) or use_va=0 (PA, pinned, page runs)" },
	{ "doorbell", "on|off", "off", "doorbell page mmap (off: errno 524 as vdpa_sim)" },
	{ "iova-range", "FIRST-LAST", "0-0xffffffffffffffff", "VHOST_VDPA_GET_IOVA_RANGE" },
	{ "features", "HEX|+NAME,-NAME,...", "0x308830028",
	  "offered virtio features, or changes to the default" },
	{ "backend-features", "HEX", "personality's (0x17e, 6.1: 0x1e)",
	  "offered backend features (override)" },
	{ "queue-pairs", "N", "1", "queue pairs (1..8); >1 offers MQ and CTRL_VQ" },
	{ "queue-size", "N", "256", "largest ring (power of two, 1..32768)" },
	{ "mtu", "N", "1500", "config space MTU (68..65535)" },
	{ "device-id", "N", "1", "VHOST_VDPA_GET_DEVICE_ID (1 virtio-net; others test drivers)" },
	{ "mac", "XX:XX:XX:XX:XX:XX", "00:00:00:00:00:00", "config space MAC" },
	{ "frame-size", "N", "64", "generator frame size in bytes (14..65535)" },
	{ "stats", "FILE", "none", "JSON statistics written at exit and on SIGUSR1" },
	{ "control", "FIFO", "none", "control FIFO for run-time commands" },
	{ "fail-update", "N", "0 (off)", "fail the Nth IOTLB UPDATE of the process" },
	{ "max-entries", "N", "0 (no cap)", "IOTLB entries per ASID (6.12.115+ caps at 2048)" },
	{ "max-pinned", "BYTES", "0 (no cap)", "PA mode pinned-bytes cap (k/m/g suffixes)" },
	{ "bad-used-id", "N", "0 (off)", "every Nth used element carries a bad id" },
	{ "bad-used-len", "N", "0 (off)", "every Nth used element carries a bad length" },
	{ "needs-reset-after", "N", "0 (off)", "set NEEDS_RESET after N packets" },
	{ "link-flap", "MS", "0 (off)", "toggle the link every MS milliseconds" },
	{ "trace", "on|off", "off", "log every ioctl, IOTLB message and mmap with its result" },
	{ "vma-lookup", "auto|text", "auto",
	  "how UPDATE finds VMAs: PROCMAP_QUERY (Linux 6.11+) or /proc/self/maps text" },
	{ NULL, NULL, NULL, NULL },
};


void
sim_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "vdpath-sim: ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write(2) per line so lines from several threads do not interleave. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

const char *
sim_personality_name(enum sim_personality p)
{
	switch (p) {
	case SIM_PERSONALITY_PERSIST:
		return "persist";
	case SIM_PERSONALITY_PLATFORM:
		return "platform";
	case SIM_PERSONALITY_LEGACY61:
		return "legacy61";
	}
	return "?";
}

void
sim_opts_defaults(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->devices = 1;
	o->personality = SIM_PERSONALITY_PERSIST;
	o->mode = SIM_MODE_NOTIFY;
	o->traffic = SIM_TRAFFIC_LOOPBACK;
	o->iommu = SIM_IOMMU_VA;
	o->doorbell = false;
	o->iova_first = 0;
	o->iova_last = UINT64_MAX;
	o->features = SIM_DEFAULT_FEATURES;
	o->backend_features = SIM_BACKEND_612;
	o->queue_pairs = 1;
	o->queue_size = 256;
	o->mtu = 1500;
	o->device_id = 1;
	o->frame_size = 64;
}

static int
opt_fail(char *err, size_t errlen, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
opt_fail(char *err, size_t errlen, const char *name, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "vdpath-sim: --%s: ", name);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Unsigned integer, decimal or 0x-hex, the whole string. */
static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (s == NULL || *s == '\0' || *s == '-' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

static int
parse_uint_range(const char *name, const char *value, uint64_t min, uint64_t max,
		 uint64_t *out, char *err, size_t errlen)
{
	if (parse_u64(value, out) < 0)
		return opt_fail(err, errlen, name, "'%s' is not a number", value);
	if (*out < min || *out > max)
		return opt_fail(err, errlen, name, "'%s' is out of range %" PRIu64 "..%" PRIu64,
				value, min, max);
	return 0;
}

static int
parse_choice(const char *name, const char *value, const char *const *choices,
	     const char *list, int *out, char *err, size_t errlen)
{
	int i;

	for (i = 0; choices[i] != NULL; i++) {
		if (strcmp(value, choices[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return opt_fail(err, errlen, name, "'%s' is not one of %s", value, list);
}

/* BYTES with an optional k/m/g (KiB/MiB/GiB) suffix. */
static int
parse_bytes(const char *name, const char *value, uint64_t *out, char *err, size_t errlen)
{
	char num[32];
	size_t len = strlen(value);
	unsigned int shift = 0;

	if (len == 0 || len >= sizeof(num))
		return opt_fail(err, errlen, name, "'%s' is not a byte count", value);
	memcpy(num, value, len + 1);
	switch (tolower((unsigned char)num[len - 1])) {
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	default:
		break;
	}
	if (shift != 0)
		num[len - 1] = '\0';
	if (parse_u64(num, out) < 0)
		return opt_fail(err, errlen, name, "'%s' is not a byte count", value);
	if (shift != 0 && *out > (UINT64_MAX >> shift))
		return opt_fail(err, errlen, name, "'%s' is too large", value);
	*out <<= shift;
	return 0;
}

static int
parse_mac(const char *name, const char *value, uint8_t mac[6], char *err, size_t errlen)
{
	unsigned int b[6];
	char tail;
	int i;

	if (strlen(value) != 17 ||
	    sscanf(value, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &tail) != 6)
		return opt_fail(err, errlen, name, "'%s' is not a MAC address XX:XX:XX:XX:XX:XX",
				value);
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

static int
parse_iova_range(const char *name, const char *value, uint64_t *first, uint64_t *last,
		 char *err, size_t errlen)
{
	char buf[80];
	char *dash;

	if (strlen(value) >= sizeof(buf))
		return opt_fail(err, errlen, name, "'%s' is not FIRST-LAST", value);
	strcpy(buf, value);
	dash = strchr(buf, '-');
	if (dash == NULL)
		return opt_fail(err, errlen, name, "'%s' is not FIRST-LAST", value);
	*dash = '\0';
	if (parse_u64(buf, first) < 0)
		return opt_fail(err, errlen, name, "'%s': FIRST '%s' is not a number", value, buf);
	if (strcmp(dash + 1, "~0") == 0)
		*last = UINT64_MAX;
	else if (parse_u64(dash + 1, last) < 0)
		return opt_fail(err, errlen, name, "'%s': LAST '%s' is not a number", value,
				dash + 1);
	if (*first > *last)
		return opt_fail(err, errlen, name, "'%s': FIRST is above LAST", value);
	return 0;
}

/* A feature bit from the name at name[0..len) (VIRTIO_NET_F_ etc. prefixes accepted); -1. */
static int
feature_lookup(const char *name, size_t len)
{
	char buf[64];

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return vdp_net_feature_bit(buf);
}

/* HEX replaces the set; a comma list of +NAME / -NAME edits it. */
static int
parse_features(const char *name, const char *value, uint64_t *features, char *err,
	       size_t errlen)
{
	const char *p = value, *end;
	int bit;
	uint64_t v = *features;
	char *hexend;

	if (value[0] != '+' && value[0] != '-') {
		errno = 0;
		v = strtoull(value, &hexend, 16);
		if (value[0] == '\0' || errno != 0 || *hexend != '\0')
			return opt_fail(err, errlen, name,
					"'%s' is neither HEX nor a list of +NAME/-NAME", value);
		*features = v;
		return 0;
	}
	while (*p != '\0') {
		bool add = (*p == '+');

		if (*p != '+' && *p != '-')
			return opt_fail(err, errlen, name, "'%s': each item must start with + or -",
					value);
		p++;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		bit = feature_lookup(p, end - p);
		if (bit < 0)
			return opt_fail(err, errlen, name, "'%.*s' is not a feature name (e.g. "
					"MRG_RXBUF, MQ, CTRL_VQ, RING_PACKED, EVENT_IDX)",
					(int)(end - p), p);
		if (add)
			v |= BIT(bit);
		else
			v &= ~BIT(bit);
		p = *end == ',' ? end + 1 : end;
	}
	*features = v;
	return 0;
}

static int
parse_path(const char *name, const char *value, char *dst, size_t dstlen, char *err,
	   size_t errlen)
{
	if (value[0] == '\0' || strlen(value) >= dstlen)
		return opt_fail(err, errlen, name, "path is empty or longer than %zu bytes",
				dstlen - 1);
	strcpy(dst, value);
	return 0;
}

static int
opts_set_choice(struct sim_opts *o, const char *name, const char *value, char *err,
		size_t errlen)
{
	static const char *const personalities[] = { "persist", "platform", "legacy61", NULL };
	static const char *const modes[] = { "notify", "poll", NULL };
	static const char *const traffics[] = { "loopback", "generator", "sink", NULL };
	static const char *const iommus[] = { "va", "pa", NULL };
	static const char *const onoff[] = { "off", "on", NULL };
	static const char *const vma_lookups[] = { "auto", "text", NULL };
	int c = 0;

	if (strcmp(name, "personality") == 0) {
		if (parse_choice(name, value, personalities, "persist, platform, legacy61", &c,
				 err, errlen) < 0)
			return -1;
		o->personality = (enum sim_personality)c;
	} else if (strcmp(name, "mode") == 0) {
		if (parse_choice(name, value, modes, "poll, notify", &c, err, errlen) < 0)
			return -1;
		o->mode = c == 0 ? SIM_MODE_NOTIFY : SIM_MODE_POLL;
	} else if (strcmp(name, "traffic") == 0) {
		if (parse_choice(name, value, traffics, "loopback, generator, sink", &c, err,
				 errlen) < 0)
			return -1;
		o->traffic = (enum sim_traffic)c;
	} else if (strcmp(name, "iommu") == 0) {
		if (parse_choice(name, value, iommus, "va, pa", &c, err, errlen) < 0)
			return -1;
		o->iommu = c == 0 ? SIM_IOMMU_VA : SIM_IOMMU_PA;
	} else if (strcmp(name, "doorbell") == 0) {
		if (parse_choice(name, value, onoff, "on, off", &c, err, errlen) < 0)
			return -1;
		o->doorbell = c == 1;
	} else if (strcmp(name, "trace") == 0) {
		if (parse_choice(name, value, onoff, "on, off", &c, err, errlen) < 0)
			return -1;
		o->trace = c == 1;
	} else if (strcmp(name, "vma-lookup") == 0) {
		if (parse_choice(name, value, vma_lookups, "auto, text", &c, err, errlen) < 0)
			return -1;
		o->vma_text = c == 1;
	} else {
		return 1;
	}
	return 0;
}

static int
opts_set_number(struct sim_opts *o, const char *name, const char *value, char *err,
		size_t errlen)
{
	uint64_t v;

	if (strcmp(name, "devices") == 0) {
		if (parse_uint_range(name, value, 1, SIM_MAX_DEVICES, &v, err, errlen) < 0)
			return -1;
		o->devices = v;
	} else if (strcmp(name, "queue-pairs") == 0) {
		if (parse_uint_range(name, value, 1, SIM_MAX_QUEUE_PAIRS, &v, err, errlen) < 0)
			return -1;
		o->queue_pairs = v;
	} else if (strcmp(name, "queue-size") == 0) {
		if (parse_uint_range(name, value, 1, 32768, &v, err, errlen) < 0)
			return -1;
		if ((v & (v - 1)) != 0)
			return opt_fail(err, errlen, name, "'%s' is not a power of two", value);
		o->queue_size = v;
	} else if (strcmp(name, "mtu") == 0) {
		if (parse_uint_range(name, value, 68, 65535, &v, err, errlen) < 0)
			return -1;
		o->mtu = v;
	} else if (strcmp(name, "device-id") == 0) {
		if (parse_uint_range(name, value, 1, 63, &v, err, errlen) < 0)
			return -1;
		o->device_id = v;
	} else if (strcmp(name, "frame-size") == 0) {
		if (parse_uint_range(name, value, 14, 65535, &v, err, errlen) < 0)
			return -1;
		o->frame_size = v;
	} else if (strcmp(name, "fail-update") == 0) {
		return parse_uint_range(name, value, 0, UINT64_MAX, &o->fail_update, err, errlen);
	} else if (strcmp(name, "max-entries") == 0) {
		if (parse_uint_range(name, value, 0, UINT32_MAX, &v, err, errlen) < 0)
			return -1;
		o->max_entries = v;
	} else if (strcmp(name, "bad-used-id") == 0) {
		return parse_uint_range(name, value, 0, UINT64_MAX, &o->bad_used_id, err, errlen);
	} else if (strcmp(name, "bad-used-len") == 0) {
		return parse_uint_range(name, value, 0, UINT64_MAX, &o->bad_used_len, err,
					errlen);
	} else if (strcmp(name, "needs-reset-after") == 0) {
		return parse_uint_range(name, value, 0, UINT64_MAX, &o->needs_reset_after, err,
					errlen);
	} else if (strcmp(name, "link-flap") == 0) {
		return parse_uint_range(name, value, 0, UINT64_MAX, &o->link_flap_ms, err,
					errlen);
	} else {
		return 1;
	}
	return 0;
}

int
sim_opts_set(struct sim_opts *o, const char *name, const char *value, char *err, size_t errlen)
{
	int ret;

	if (value == NULL)
		return opt_fail(err, errlen, name, "needs a value");
	ret = opts_set_choice(o, name, value, err, errlen);
	if (ret <= 0)
		return ret;
	ret = opts_set_number(o, name, value, err, errlen);
	if (ret <= 0)
		return ret;
	if (strcmp(name, "iova-range") == 0)
		return parse_iova_range(name, value, &o->iova_first, &o->iova_last, err, errlen);
	if (strcmp(name, "features") == 0) {
		o->features_set = true;
		return parse_features(name, value, &o->features, err, errlen);
	}
	if (strcmp(name, "backend-features") == 0) {
		char *end;

		errno = 0;
		o->backend_features = strtoull(value, &end, 16);
		if (value[0] == '\0' || value[0] == '-' || errno != 0 || *end != '\0')
			return opt_fail(err, errlen, name, "'%s' is not HEX", value);
		o->backend_features_set = true;
		return 0;
	}
	if (strcmp(name, "mac") == 0)
		return parse_mac(name, value, o->mac, err, errlen);
	if (strcmp(name, "max-pinned") == 0)
		return parse_bytes(name, value, &o->max_pinned, err, errlen);
	if (strcmp(name, "stats") == 0)
		return parse_path(name, value, o->stats_path, sizeof(o->stats_path), err, errlen);
	if (strcmp(name, "control") == 0)
		return parse_path(name, value, o->control_path, sizeof(o->control_path), err,
				  errlen);
	snprintf(err, errlen, "vdpath-sim: unknown option '--%s' (see vdpath-sim --help)", name);
	return -1;
}

int
sim_opts_finalize(struct sim_opts *o, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	/* 6.1's vdpa_sim_net did not offer STATUS yet (0x308820028, spec §8.2). */
	if (o->personality == SIM_PERSONALITY_LEGACY61 && !o->features_set)
		o->features &= ~BIT(VIRTIO_NET_F_STATUS);
	if (o->queue_pairs > 1)
		o->features |= BIT(VIRTIO_NET_F_MQ) | BIT(VIRTIO_NET_F_CTRL_VQ);
	if (!o->backend_features_set)
		o->backend_features = o->personality == SIM_PERSONALITY_LEGACY61 ?
				      SIM_BACKEND_61 : SIM_BACKEND_612;
	return 0;
}

/* "iova-range" -> "VDPATH_SIM_IOVA_RANGE" */
void
sim_opts_env_name(const char *name, char *buf, size_t len)
{
	size_t i, n = snprintf(buf, len, "VDPATH_SIM_");

	for (i = 0; name[i] != '\0' && n + 1 < len; i++, n++)
		buf[n] = name[i] == '-' ? '_' : toupper((unsigned char)name[i]);
	buf[n] = '\0';
}

int
sim_opts_from_env(struct sim_opts *o, char *err, size_t errlen)
{
	const struct sim_opt_desc *d;
	char var[64];
	const char *value;

	for (d = sim_opt_table; d->name != NULL; d++) {
		sim_opts_env_name(d->name, var, sizeof(var));
		value = getenv(var);
		if (value == NULL)
			continue;
		if (sim_opts_set(o, d->name, value, err, errlen) < 0) {
			/* Name the variable the value came from, not the long option. */
			char msg[256];

			snprintf(msg, sizeof(msg), "%s", err);
			if (strncmp(msg, "vdpath-sim: --", 14) == 0)
				snprintf(err, errlen, "vdpath-sim: %s (from %s)", msg + 12, var);
			return -1;
		}
	}
	return sim_opts_finalize(o, err, errlen);
}
