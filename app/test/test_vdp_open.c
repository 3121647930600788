/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Groups "unit" (library helpers, no device) and "open": open errors, the single opener,
 * ownership (§1, §2.3), read(), unknown ioctls and the doorbell mmap (§9).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_common.h"

/* --- unit --------------------------------------------------------------------------------- */

static void
test_unit_packed_base(void **state)
{
	(void)state;
	/* §2.4 SET_VRING_BASE packed: avail idx | wrap << 15 in the low half, used in the high */
	assert_int_equal(vdp_vring_base_packed(5, true, 3, false), 0x00038005);
	assert_int_equal(vdp_vring_base_packed(0, false, 0, true), 0x80000000);
	assert_int_equal(vdp_vring_base_packed(0x7fff, true, 0x7fff, true), 0xffffffff);
	/* a 16-bit index with the wrap bit set in it must not leak into the other field */
	assert_int_equal(vdp_vring_base_packed(0x8001, false, 0x8002, false), 0x00020001);
}

static void
test_unit_feature_names(void **state)
{
	unsigned int bit;

	(void)state;
	assert_string_equal(vdp_backend_feature_name(8), "IOTLB_PERSIST");
	assert_string_equal(vdp_backend_feature_name(42), "bit 42");
	for (bit = 1; bit <= 8; bit++) {
		const char *name = vdp_backend_feature_name(bit);

		assert_non_null(name);
		assert_true(strncmp(name, "bit ", 4) != 0);
	}
}

static void
test_unit_log_handler(void **state)
{
	(void)state;
	t_log_capture_start();
	vdp_log(VDP_LOG_ERR, "unit %d %s", 42, "check");
	assert_non_null(strstr(t_log_text(), "unit 42 check"));
	t_log_capture_stop();
	vdp_log_set_level(VDP_LOG_NOTICE);
}

int
t_run_unit(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unit_packed_base),
		cmocka_unit_test(test_unit_feature_names),
		cmocka_unit_test(test_unit_log_handler),
	};

	return cmocka_run_group_tests_name("unit", tests, NULL, NULL);
}

/* --- open --------------------------------------------------------------------------------- */

static void
test_open_missing(void **state)
{
	const char *missing = "/dev/vhost-vdpa-97";
	struct vdp_dev *dev = NULL;

	(void)state;
	t_log_capture_start();
	assert_int_equal(vdp_dev_open(missing, &dev), -ENOENT);
	/* the message names the device and both fixes (vdp_dev.h) */
	assert_non_null(strstr(t_log_text(), missing));
	assert_non_null(strstr(t_log_text(), "vhost_vdpa"));
	assert_non_null(strstr(t_log_text(), "vdpath-sim"));
	t_log_capture_stop();
}

static void
test_open_second_opener(void **state)
{
	struct t_ctx *ctx = *state;
	struct vdp_dev *second = NULL;
	int fd;

	t_open(ctx);
	assert_string_equal(vdp_dev_path(ctx->dev), t_opts.dev_path);
	/* §1: atomic_cmpxchg(&v->opened, 0, 1) - a second open is EBUSY, even in-process */
	assert_int_equal(vdp_dev_open(t_opts.dev_path, &second), -EBUSY);
	fd = open(t_opts.dev_path, O_RDWR | O_CLOEXEC);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EBUSY);
	/* closing releases the device for the next opener */
	t_close(ctx);
	t_open(ctx);
}

static void
test_open_set_owner_twice(void **state)
{
	struct t_ctx *ctx = *state;

	t_open_owned(ctx);
	assert_int_equal(vdp_dev_set_owner(ctx->dev), -EBUSY);
	assert_int_equal(t_ioctl(ctx->fd, T_VHOST_SET_OWNER, NULL), -EBUSY);
}

/* §2.3: the ioctls that go through vhost_dev_ioctl's owner check, with a valid argument. */
static const unsigned long t_owner_state_ioctls[] = {
	T_VHOST_SET_VRING_NUM, T_VHOST_SET_VRING_BASE, T_VHOST_GET_VRING_BASE,
	T_VDPA_SET_VRING_ENABLE, T_VDPA_GET_VRING_GROUP, T_VDPA_SET_GROUP_ASID,
	T_VDPA_GET_VRING_DESC_GROUP, T_VDPA_GET_VRING_SIZE, T_VHOST_SET_VRING_BUSYLOOP,
};

/* Owner-only operations all refused; returns the number of wrong answers (printed). */
static int
t_check_not_owner(struct vdp_dev *dev, int fd)
{
	uint32_t addr[10] = { 0 };
	uint32_t group;
	int bad = 0;
	size_t i;
	int ret;

#define T_EXPECT(expr, want) do { \
		ret = (expr); \
		if (ret != (want)) { \
			fprintf(stderr, "%s:%d: %s = %d, want %d\n", __FILE__, __LINE__, #expr, \
				ret, (want)); \
			bad++; \
		} \
	} while (0)

	for (i = 0; i < sizeof(t_owner_state_ioctls) / sizeof(t_owner_state_ioctls[0]); i++)
		T_EXPECT(t_ioctl_state(fd, t_owner_state_ioctls[i], 0, 64, NULL), -EPERM);
	T_EXPECT(t_ioctl(fd, T_VHOST_SET_VRING_ADDR, addr), -EPERM);
	T_EXPECT(t_ioctl_file(fd, T_VHOST_SET_VRING_KICK, 0, -1), -EPERM);
	T_EXPECT(t_ioctl_file(fd, T_VHOST_SET_VRING_CALL, 0, -1), -EPERM);
	T_EXPECT(t_ioctl_file(fd, T_VHOST_SET_VRING_ERR, 0, -1), -EPERM);
	T_EXPECT(vdp_dev_set_vring_num(dev, 0, 64), -EPERM);
	T_EXPECT(vdp_dev_get_vring_group(dev, 0, &group), -EPERM);
	/* §4.3: the handler's EPERM reaches userspace as EFAULT */
	T_EXPECT((int)t_write_msg(fd, T_IOTLB_MSG_V2, 0, T_IOTLB_BATCH_BEGIN, 0, 0, 0, 0,
				  T_MSG_SIZE), -EFAULT);
	T_EXPECT(vdp_dev_iotlb_batch_begin(dev, 0), -EFAULT);
#undef T_EXPECT
	return bad;
}

static void
test_open_owner_required(void **state)
{
	struct t_ctx *ctx = *state;
	uint64_t backend = 0, features = 0, first, last;
	uint32_t u32, addr[10] = { 0 };
	uint8_t cfg[T_CONFIG_SIZE];
	uint16_t num;
	uint8_t status;

	t_open(ctx);
	assert_int_equal(t_check_not_owner(ctx->dev, ctx->fd), 0);
	/* §2.3: handled by vhost-vdpa itself, without an owner check */
	assert_int_equal(vdp_dev_get_device_id(ctx->dev, &u32), 0);
	assert_int_equal(vdp_dev_get_status(ctx->dev, &status), 0);
	assert_int_equal(vdp_dev_get_config(ctx->dev, 0, cfg, sizeof(cfg)), 0);
	assert_int_equal(vdp_dev_get_features(ctx->dev, &features), 0);
	assert_int_equal(vdp_dev_get_vring_num_max(ctx->dev, &num), 0);
	assert_int_equal(vdp_dev_get_group_num(ctx->dev, &u32), 0);
	assert_int_equal(vdp_dev_get_as_num(ctx->dev, &u32), 0);
	assert_int_equal(vdp_dev_get_iova_range(ctx->dev, &first, &last), 0);
	assert_int_equal(vdp_dev_get_config_size(ctx->dev, &u32), 0);
	assert_int_equal(vdp_dev_get_vqs_count(ctx->dev, &u32), 0);
	assert_int_equal(vdp_dev_get_backend_features(ctx->dev, &backend), 0);
	assert_int_equal(vdp_dev_set_backend_features(ctx->dev, T_BF_MSG_V2 | T_BF_BATCH), 0);
	assert_int_equal(vdp_dev_set_config_call(ctx->dev, -1), 0);
	assert_int_equal(vdp_dev_suspend(ctx->dev), 0);
	assert_int_equal(vdp_dev_resume(ctx->dev), 0);
	assert_int_equal(vdp_dev_set_status(ctx->dev, T_S_ACK), 0);
	assert_int_equal(vdp_dev_set_features(ctx->dev, T_FEATURES_REQUIRED), 0);
	assert_int_equal(vdp_dev_set_status(ctx->dev, 0), 0);
	/* SET_LOG_* return -ENOIOCTLCMD before any owner check: ENOTTY */
	assert_int_equal(t_ioctl_u64(ctx->fd, T_VHOST_SET_LOG_BASE, 0), -ENOTTY);
	assert_int_equal(t_ioctl(ctx->fd, T_VHOST_SET_LOG_FD, &(int){ -1 }), -ENOTTY);

	/* the same calls succeed once we own the device */
	assert_int_equal(vdp_dev_set_owner(ctx->dev), 0);
	assert_int_equal(vdp_dev_set_vring_num(ctx->dev, 0, 64), 0);
	assert_int_equal(vdp_dev_get_vring_group(ctx->dev, 0, &u32), 0);
	assert_int_equal(t_ioctl(ctx->fd, T_VHOST_SET_VRING_ADDR, addr), 0);
	assert_int_equal(vdp_dev_iotlb_batch_begin(ctx->dev, 0), 0);
	assert_int_equal(vdp_dev_iotlb_batch_end(ctx->dev, 0), 0);
}

static void
test_open_forked_child(void **state)
{
	struct t_ctx *ctx = *state;
	uint32_t id;
	int status;
	pid_t pid;

	t_open_backend(ctx, T_BF_MSG_V2 | T_BF_BATCH);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* §1: ownership is the owner's mm; a forked child is not the owner */
		int bad = t_check_not_owner(ctx->dev, ctx->fd);

		if (vdp_dev_get_device_id(ctx->dev, &id) != 0 || id != T_DEVICE_ID_NET) {
			fprintf(stderr, "child: GET_DEVICE_ID failed\n");
			bad++;
		}
		if (t_ioctl(ctx->fd, T_VHOST_SET_OWNER, NULL) != -EBUSY) {
			fprintf(stderr, "child: SET_OWNER on an owned device did not fail EBUSY\n");
			bad++;
		}
		/* never run atexit handlers here: they belong to the parent */
		_exit(bad > 100 ? 100 : bad);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* the parent is still the owner */
	assert_int_equal(vdp_dev_set_vring_num(ctx->dev, 0, 64), 0);
}

static void
test_open_read_einval(void **state)
{
	struct t_ctx *ctx = *state;
	uint8_t buf[T_MSG_SIZE];

	t_open_owned(ctx);
	/* §1: no read op; on an O_RDWR fd vfs_read says EINVAL */
	assert_int_equal(read(ctx->fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_open_unknown_ioctls(void **state)
{
	/* §2.3: no vhost-vdpa handler: EFAULT (NULL arg), ENOBUFS (u32 at arg >= nvqs), ENOTTY */
	static const unsigned long unhandled[] = {
		T_VHOST_RESET_OWNER, T_VHOST_NEW_WORKER, T_VHOST_FREE_WORKER,
		T_VHOST_ATTACH_VRING_WORKER, T_VHOST_GET_VRING_WORKER, T_VHOST_SET_VRING_ENDIAN,
		T_VHOST_GET_VRING_ENDIAN, 0x4008af5fUL /* an unassigned number */,
	};
	struct t_ctx *ctx = *state;
	size_t i;

	t_open(ctx);
	for (i = 0; i < sizeof(unhandled) / sizeof(unhandled[0]); i++)
		assert_int_equal(t_ioctl_state(ctx->fd, unhandled[i], 0, 0, NULL), -EPERM);
	assert_int_equal(vdp_dev_set_owner(ctx->dev), 0);
	for (i = 0; i < sizeof(unhandled) / sizeof(unhandled[0]); i++) {
		assert_int_equal(t_ioctl_state(ctx->fd, unhandled[i], 0, 0, NULL), -ENOTTY);
		assert_int_equal(t_ioctl_state(ctx->fd, unhandled[i], T_NVQS, 0, NULL), -ENOBUFS);
		assert_int_equal(t_ioctl(ctx->fd, unhandled[i], NULL), -EFAULT);
	}
	assert_int_equal(t_ioctl_u64(ctx->fd, T_VHOST_SET_LOG_BASE, 0), -ENOTTY);
}

static void
test_open_fork_owner_ioctls(void **state)
{
	struct t_ctx *ctx = *state;
	uint8_t val = 0xff;

	/* §2.3: handled before the owner check; EINVAL for values other than 0/1 */
	t_open(ctx);
	assert_int_equal(t_ioctl_u8(ctx->fd, T_VHOST_SET_FORK_FROM_OWNER, 2), -EINVAL);
	assert_int_equal(t_ioctl_u8(ctx->fd, T_VHOST_SET_FORK_FROM_OWNER, 0), 0);
	assert_int_equal(t_ioctl(ctx->fd, T_VHOST_GET_FORK_FROM_OWNER, &val), 0);
	assert_int_equal(val, 0);
	assert_int_equal(t_ioctl_u8(ctx->fd, T_VHOST_SET_FORK_FROM_OWNER, 1), 0);
	assert_int_equal(t_ioctl(ctx->fd, T_VHOST_GET_FORK_FROM_OWNER, &val), 0);
	assert_int_equal(val, 1);
	/* ... and EBUSY once an owner exists */
	assert_int_equal(vdp_dev_set_owner(ctx->dev), 0);
	assert_int_equal(t_ioctl_u8(ctx->fd, T_VHOST_SET_FORK_FROM_OWNER, 0), -EBUSY);
}

static int
t_mmap_errno(int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

/* §9 checks 1-4, which come before the parent is asked for a notification area. */
static void
t_check_mmap_rules(int fd)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	assert_int_equal(t_mmap_errno(fd, 2 * page, PROT_WRITE, MAP_SHARED, 0), -EINVAL);
	assert_int_equal(t_mmap_errno(fd, page, PROT_WRITE, MAP_PRIVATE, 0), -EINVAL);
	assert_int_equal(t_mmap_errno(fd, page, PROT_READ | PROT_WRITE, MAP_SHARED, 0), -EINVAL);
	assert_int_equal(t_mmap_errno(fd, page, PROT_WRITE, MAP_SHARED, (off_t)65536 * page),
			 -EINVAL);
}

static void
test_open_doorbell_refused(void **state)
{
	struct t_ctx *ctx = *state;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	volatile uint16_t *db = NULL;

	if (t_opts.doorbell)
		skip();
	t_open_owned(ctx);
	t_check_mmap_rules(ctx->fd);
	/* §9: vdpa_sim has no get_vq_notification - errno 524, which the library calls ENOTSUP */
	assert_int_equal(t_mmap_errno(ctx->fd, page, PROT_WRITE, MAP_SHARED, 0), -T_ENOTSUPP);
	assert_int_equal(vdp_dev_doorbell_map(ctx->dev, 0, &db), -ENOTSUP);
	assert_null(db);
}

static void
test_open_doorbell_mapped(void **state)
{
	struct t_ctx *ctx = *state;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	volatile uint16_t *db = NULL;
	uint32_t i;

	if (!t_opts.doorbell)
		skip();
	t_open_owned(ctx);
	t_check_mmap_rules(ctx->fd);
	assert_int_equal(t_mmap_errno(ctx->fd, page, PROT_WRITE, MAP_SHARED, (off_t)page), 0);
	for (i = 0; i < T_NVQS; i++) {
		assert_int_equal(vdp_dev_doorbell_map(ctx->dev, i, &db), 0);
		assert_non_null(db);
		vdp_dev_doorbell_unmap(ctx->dev, i);
	}
}

int
t_run_open(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_missing, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_open_second_opener, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_open_set_owner_twice, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_open_owner_required, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_open_forked_child, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_open_read_einval, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_open_unknown_ioctls, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_open_fork_owner_ioctls, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_open_doorbell_refused, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_open_doorbell_mapped, t_setup, t_teardown),
	};

	return cmocka_run_group_tests_name("open", tests, NULL, NULL);
}
