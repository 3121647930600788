/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the test_vdp_dev groups: device set-up and tear-down, raw syscalls that
 * bypass lib/vdpa (so the device itself is checked, not the library's own argument checks),
 * shared memory, log capture and eventfds.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "test_common.h"
#include "test_stats.h"

#define T_HUGEPAGE_SIZE (2UL << 20)

struct t_opts t_opts = {
	.dev_path = "/dev/vhost-vdpa-0",
	.mode = T_MODE_NOTIFY,
};

int
t_setup(void **state)
{
	struct t_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL)
		return -1;
	ctx->fd = -1;
	*state = ctx;
	return 0;
}

int
t_teardown(void **state)
{
	struct t_ctx *ctx = *state;

	if (ctx != NULL)
		t_close(ctx);
	free(ctx);
	*state = NULL;
	t_log_capture_stop();
	return 0;
}

void
t_open(struct t_ctx *ctx)
{
	int ret = vdp_dev_open(t_opts.dev_path, &ctx->dev);

	if (ret != 0)
		fail_msg("vdp_dev_open(%s) = %d (%s)", t_opts.dev_path, ret, strerror(-ret));
	assert_non_null(ctx->dev);
	ctx->fd = vdp_dev_fd(ctx->dev);
	assert_true(ctx->fd >= 0);
}

void
t_open_owned(struct t_ctx *ctx)
{
	t_open(ctx);
	assert_int_equal(vdp_dev_set_owner(ctx->dev), 0);
}

void
t_open_backend(struct t_ctx *ctx, uint64_t features)
{
	t_open_owned(ctx);
	assert_int_equal(vdp_dev_set_backend_features(ctx->dev, features), 0);
	assert_true(vdp_dev_backend_acked(ctx->dev) == features);
}

void
t_close(struct t_ctx *ctx)
{
	if (ctx->dev != NULL)
		vdp_dev_close(ctx->dev);
	ctx->dev = NULL;
	ctx->fd = -1;
}

void
t_asid1_quiesce(struct t_ctx *ctx)
{
	assert_int_equal(vdp_dev_iotlb_batch_begin(ctx->dev, 1), 0);
	assert_int_equal(vdp_dev_iotlb_batch_end(ctx->dev, 1), 0);
}

void
t_features_ok(struct t_ctx *ctx, uint64_t features)
{
	uint8_t status = 0xff;

	assert_int_equal(vdp_dev_set_status(ctx->dev, T_S_ACK), 0);
	assert_int_equal(vdp_dev_add_status(ctx->dev, T_S_DRIVER), 0);
	assert_int_equal(vdp_dev_set_features(ctx->dev, features), 0);
	assert_int_equal(vdp_dev_add_status(ctx->dev, T_S_FEATURES_OK), 0);
	assert_int_equal(vdp_dev_get_status(ctx->dev, &status), 0);
	assert_int_equal(status, T_S_ACK | T_S_DRIVER | T_S_FEATURES_OK);
}

int
t_ioctl(int fd, unsigned long req, void *arg)
{
	int ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

int
t_ioctl_state(int fd, unsigned long req, uint32_t index, uint32_t num, uint32_t *out)
{
	uint32_t s[2] = { index, num };
	int ret = t_ioctl(fd, req, s);

	if (out != NULL)
		*out = s[1];
	return ret;
}

int
t_ioctl_file(int fd, unsigned long req, uint32_t index, int file)
{
	int32_t s[2] = { (int32_t)index, file };

	return t_ioctl(fd, req, s);
}

int
t_ioctl_u64(int fd, unsigned long req, uint64_t val)
{
	return t_ioctl(fd, req, &val);
}

int
t_ioctl_u8(int fd, unsigned long req, uint8_t val)
{
	return t_ioctl(fd, req, &val);
}

ssize_t
t_write_msg(int fd, uint32_t msg_type, uint32_t asid, uint8_t type, uint64_t iova,
	    uint64_t size, uint64_t uaddr, uint8_t perm, size_t len)
{
	/* struct vhost_msg_v2 (§4.1): type, asid, then the 32-byte iotlb msg at offset 8 */
	uint8_t buf[T_MSG_SIZE];
	ssize_t ret;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &msg_type, 4);
	memcpy(buf + 4, &asid, 4);
	memcpy(buf + 8, &iova, 8);
	memcpy(buf + 16, &size, 8);
	memcpy(buf + 24, &uaddr, 8);
	buf[32] = perm;
	buf[33] = type;
	if (len > sizeof(buf))
		len = sizeof(buf);
	ret = write(fd, buf, len);
	return ret < 0 ? -errno : ret;
}

static uint8_t *
t_region_map(int fd, size_t len)
{
	void *va;

	if (ftruncate(fd, (off_t)len) != 0)
		return NULL;
	va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	return va == MAP_FAILED ? NULL : va;
}

void
t_region_alloc(struct t_region *r, size_t len)
{
	size_t huge_len = (len + T_HUGEPAGE_SIZE - 1) & ~(T_HUGEPAGE_SIZE - 1);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	/* Hugepages keep a PA-mode device at one entry per region, as DPDK memory would. */
	r->fd = memfd_create("vdp-test-huge", MFD_CLOEXEC | MFD_HUGETLB);
	if (r->fd >= 0) {
		r->va = t_region_map(r->fd, huge_len);
		if (r->va != NULL) {
			r->len = huge_len;
			memset(r->va, 0, r->len);
			return;
		}
		close(r->fd);
	}
	r->len = (len + page - 1) & ~(page - 1);
	r->fd = memfd_create("vdp-test", MFD_CLOEXEC);
	if (r->fd < 0)
		fail_msg("memfd_create: %s", strerror(errno));
	r->va = t_region_map(r->fd, r->len);
	if (r->va == NULL)
		fail_msg("mmap of a %zu-byte memfd: %s", r->len, strerror(errno));
	memset(r->va, 0, r->len);
}

void
t_region_free(struct t_region *r)
{
	if (r->va != NULL)
		munmap(r->va, r->len);
	if (r->fd >= 0)
		close(r->fd);
	r->va = NULL;
	r->fd = -1;
}

static char t_log_buf[16384];
static size_t t_log_used;

static void
t_log_handler(enum vdp_log_level level, const char *msg, void *arg)
{
	size_t n = strlen(msg);

	(void)level;
	(void)arg;
	if (t_log_used + n + 2 > sizeof(t_log_buf))
		return;
	memcpy(t_log_buf + t_log_used, msg, n);
	t_log_used += n;
	t_log_buf[t_log_used++] = '\n';
	t_log_buf[t_log_used] = '\0';
}

void
t_log_capture_start(void)
{
	t_log_used = 0;
	t_log_buf[0] = '\0';
	vdp_log_set_handler(t_log_handler, NULL);
}

void
t_log_capture_stop(void)
{
	vdp_log_set_handler(NULL, NULL);
}

const char *
t_log_text(void)
{
	return t_log_buf;
}

void
t_eventfd_kick(int efd)
{
	uint64_t one = 1;

	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
}

bool
t_eventfd_wait(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t cnt;

	if (poll(&p, 1, ms) != 1)
		return false;
	return read(efd, &cnt, sizeof(cnt)) == sizeof(cnt);
}

uint64_t
t_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
t_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

const char *
t_personality(void)
{
	static char from_stats[32];
	struct t_stats st;

	if (t_opts.personality != NULL)
		return t_opts.personality;
	if (from_stats[0] != '\0')
		return from_stats;
	if (t_stats_enabled() && t_stats_read(&st) == 0 && st.personality[0] != '\0') {
		snprintf(from_stats, sizeof(from_stats), "%s", st.personality);
		return from_stats;
	}
	return "persist";
}
