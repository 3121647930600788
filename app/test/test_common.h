/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared pieces of the lib/vdpa conformance test (test_vdp_dev).
 *
 * Every expected value below is taken from the Linux 6.12 vhost-vdpa uAPI as described in
 * /work/shared/spec/vhost-vdpa-uapi.md (section numbers in the comments). The constants are
 * spelled out here on purpose, with a T_ prefix, instead of being taken from lib/vdpa: the test
 * checks the library and the device against the spec, not against themselves.
 */
#ifndef TEST_COMMON_H
#define TEST_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sys/types.h>

#include <cmocka.h>

#include "vdp_dev.h"

/* §2.1: ioctl numbers on x86_64 */
#define T_VHOST_GET_FEATURES		0x8008af00UL
#define T_VHOST_SET_FEATURES		0x4008af00UL
#define T_VHOST_SET_OWNER		0x0000af01UL
#define T_VHOST_RESET_OWNER		0x0000af02UL
#define T_VHOST_SET_MEM_TABLE		0x4008af03UL
#define T_VHOST_SET_LOG_BASE		0x4008af04UL
#define T_VHOST_SET_LOG_FD		0x4004af07UL
#define T_VHOST_NEW_WORKER		0x8004af08UL
#define T_VHOST_FREE_WORKER		0x4004af09UL
#define T_VHOST_SET_VRING_NUM		0x4008af10UL
#define T_VHOST_SET_VRING_ADDR		0x4028af11UL
#define T_VHOST_SET_VRING_BASE		0x4008af12UL
#define T_VHOST_GET_VRING_BASE		0xc008af12UL
#define T_VHOST_SET_VRING_ENDIAN	0x4008af13UL
#define T_VHOST_GET_VRING_ENDIAN	0x4008af14UL
#define T_VHOST_ATTACH_VRING_WORKER	0x4008af15UL
#define T_VHOST_GET_VRING_WORKER	0xc008af16UL
#define T_VHOST_SET_VRING_KICK		0x4008af20UL
#define T_VHOST_SET_VRING_CALL		0x4008af21UL
#define T_VHOST_SET_VRING_ERR		0x4008af22UL
#define T_VHOST_SET_VRING_BUSYLOOP	0x4008af23UL
#define T_VHOST_SET_BACKEND_FEATURES	0x4008af25UL
#define T_VHOST_GET_BACKEND_FEATURES	0x8008af26UL
#define T_VDPA_GET_DEVICE_ID		0x8004af70UL
#define T_VDPA_GET_STATUS		0x8001af71UL
#define T_VDPA_SET_STATUS		0x4001af72UL
#define T_VDPA_GET_CONFIG		0x8008af73UL
#define T_VDPA_SET_CONFIG		0x4008af74UL
#define T_VDPA_SET_VRING_ENABLE		0x4008af75UL
#define T_VDPA_GET_VRING_NUM		0x8002af76UL
#define T_VDPA_SET_CONFIG_CALL		0x4004af77UL
#define T_VDPA_GET_IOVA_RANGE		0x8010af78UL
#define T_VDPA_GET_CONFIG_SIZE		0x8004af79UL
#define T_VDPA_GET_AS_NUM		0x8004af7aUL
#define T_VDPA_GET_VRING_GROUP		0xc008af7bUL
#define T_VDPA_SET_GROUP_ASID		0x4008af7cUL
#define T_VDPA_SUSPEND			0x0000af7dUL
#define T_VDPA_RESUME			0x0000af7eUL
#define T_VDPA_GET_VRING_DESC_GROUP	0xc008af7fUL
#define T_VDPA_GET_VQS_COUNT		0x8004af80UL
#define T_VDPA_GET_GROUP_NUM		0x8004af81UL
#define T_VDPA_GET_VRING_SIZE		0xc008af82UL
#define T_VHOST_SET_FORK_FROM_OWNER	0x4001af84UL
#define T_VHOST_GET_FORK_FROM_OWNER	0x8001af85UL

/* §3: backend feature masks */
#define T_BF(bit)		(1ULL << (bit))
#define T_BF_MSG_V2		T_BF(1)
#define T_BF_BATCH		T_BF(2)
#define T_BF_ASID		T_BF(3)
#define T_BF_SUSPEND		T_BF(4)
#define T_BF_RESUME		T_BF(5)
#define T_BF_ENABLE_AFTER_DOK	T_BF(6)
#define T_BF_DESC_ASID		T_BF(7)
#define T_BF_PERSIST		T_BF(8)
#define T_BACKEND_OFFERED_612	0x17eULL	/* §3.1 vdpa_sim on 6.12 */
#define T_BACKEND_OFFERED_61	0x1eULL		/* §3.1 vdpa_sim on 6.1 */

/* §8.2: virtio feature bits */
#define T_F_MTU			(1ULL << 3)
#define T_F_MAC			(1ULL << 5)
#define T_F_STATUS		(1ULL << 16)
#define T_F_CTRL_VQ		(1ULL << 17)
#define T_F_CTRL_MAC_ADDR	(1ULL << 23)
#define T_F_VERSION_1		(1ULL << 32)
#define T_F_ACCESS_PLATFORM	(1ULL << 33)
#define T_FEATURES_612		0x0000000308830028ULL
#define T_FEATURES_61		0x0000000308820028ULL
#define T_FEATURES_REQUIRED	(T_F_VERSION_1 | T_F_ACCESS_PLATFORM)

/* §7.1 */
#define T_S_ACK			0x01
#define T_S_DRIVER		0x02
#define T_S_DRIVER_OK		0x04
#define T_S_FEATURES_OK		0x08
#define T_S_FAILED		0x80

/* §4.1 */
#define T_IOTLB_MSG		1
#define T_IOTLB_MSG_V2		2
#define T_IOTLB_MISS		1
#define T_IOTLB_UPDATE		2
#define T_IOTLB_INVALIDATE	3
#define T_IOTLB_ACCESS_FAIL	4
#define T_IOTLB_BATCH_BEGIN	5
#define T_IOTLB_BATCH_END	6
#define T_ACCESS_RO		1
#define T_ACCESS_WO		2
#define T_ACCESS_RW		3
#define T_MSG_SIZE		72

/* §8.1, §8.3 */
#define T_DEVICE_ID_NET		1
#define T_NVQS			3
#define T_VRING_NUM_MAX		256
/* The top user page on x86_64: no VMA lies at or above it. */
#define T_USER_VA_TOP_PAGE	0x7ffffffff000ULL
#define T_CONFIG_SIZE		24
#define T_NGROUPS		2
#define T_NAS			2
#define T_MTU_DEFAULT		1500

/* §2.4: the kernel-internal ENOTSUPP that leaks from mmap */
#define T_ENOTSUPP		524

enum t_mode {
	T_MODE_NOTIFY,
	T_MODE_POLL,
};

/* What the test was told about the device it runs against (command line). */
struct t_opts {
	const char *dev_path;		/* positional, default /dev/vhost-vdpa-0 */
	const char *stats_path;		/* --stats or $VDP_TEST_STATS; NULL: stats checks skip */
	const char *personality;	/* --personality; NULL: read it from the stats file */
	enum t_mode mode;		/* --mode, default notify */
	bool mac_known;			/* --mac given */
	uint8_t mac[6];
	bool iova_known;		/* --iova-range given */
	uint64_t iova_first, iova_last;
	uint64_t fail_update;		/* --fail-update N (0: not injected) */
	uint32_t max_entries;		/* --max-entries N (0: not injected) */
	bool doorbell;			/* --doorbell: the device has doorbell pages */
	bool iommu_pa;			/* --iommu pa: PA-mode device (no VA-mode skips) */
};

extern struct t_opts t_opts;

/* A test's device, closed by t_teardown whatever happened in the test. */
struct t_ctx {
	struct vdp_dev *dev;
	int fd;
};

int t_setup(void **state);
int t_teardown(void **state);

/* Open t_opts.dev_path into ctx (asserts). */
void t_open(struct t_ctx *ctx);
/* Open and SET_OWNER. */
void t_open_owned(struct t_ctx *ctx);
/* Open, SET_OWNER, SET_BACKEND_FEATURES(features). */
void t_open_backend(struct t_ctx *ctx, uint64_t features);
void t_close(struct t_ctx *ctx);
/*
 * Take ASID 1 out of vdpa_sim's initial identity passthrough with an empty batch (the
 * parent's set_map copies vhost's empty IOTLB, §4.6, §6.2), so that the device counts in the
 * stats file (summed over both ASIDs) show ASID 0 alone. Needs IOTLB_ASID acked.
 */
void t_asid1_quiesce(struct t_ctx *ctx);

/* ACK, DRIVER, SET_FEATURES(features), FEATURES_OK; asserts each step. */
void t_features_ok(struct t_ctx *ctx, uint64_t features);

/* Raw syscalls on the fd: 0 or a non-negative result, -errno on failure. */
int t_ioctl(int fd, unsigned long req, void *arg);
int t_ioctl_state(int fd, unsigned long req, uint32_t index, uint32_t num, uint32_t *out);
int t_ioctl_file(int fd, unsigned long req, uint32_t index, int file);
int t_ioctl_u64(int fd, unsigned long req, uint64_t val);
int t_ioctl_u8(int fd, unsigned long req, uint8_t val);
/* One IOTLB message of len bytes (72 normally); msg_type 1 (V1) or 2 (V2). */
ssize_t t_write_msg(int fd, uint32_t msg_type, uint32_t asid, uint8_t type, uint64_t iova,
		    uint64_t size, uint64_t uaddr, uint8_t perm, size_t len);

/*
 * File-backed MAP_SHARED memory (a hugetlb memfd when a hugepage is free, a plain memfd
 * otherwise): the only kind a VA-mode vhost-vdpa maps (§4.4).
 */
struct t_region {
	uint8_t *va;
	size_t len;
	int fd;
};

void t_region_alloc(struct t_region *r, size_t len);
void t_region_free(struct t_region *r);

/* Capture the library's log lines; t_log_text() is everything since the last start. */
void t_log_capture_start(void);
void t_log_capture_stop(void);
const char *t_log_text(void);

/* Kick a vq through its eventfd: an 8-byte write of 1 (§9). */
void t_eventfd_kick(int efd);
/* Wait up to ms for an eventfd to become readable and drain it; true when it fired. */
bool t_eventfd_wait(int efd, int ms);

/* Monotonic milliseconds. */
uint64_t t_now_ms(void);
void t_sleep_ms(unsigned int ms);

/* The personality under test: --personality, else the stats file's, else "persist". */
const char *t_personality(void);

/* Test groups (one per file), each a cmocka group run by test_vdp_main.c. */
int t_run_unit(void);
int t_run_open(void);
int t_run_ioctl(void);
int t_run_iotlb(void);
int t_run_fault(void);
int t_run_reset(void);
int t_run_datapath(void);

#endif /* TEST_COMMON_H */
