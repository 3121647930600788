/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdpath-sim internals: a userspace /dev/vhost-vdpa-N served inside the client process.
 *
 * Rooms:
 *   sim_opts.c      options: one parser for the launcher's --long-options and the preloaded
 *                   library's VDPATH_SIM_* environment variables
 *   sim_intercept.c libc interposition (open/stat/fopen families, ioctl, write, read, mmap,
 *                   close ...): routes calls on simulated paths and fds to sim_vhost.c
 *   sim_vhost.c     the vhost-vdpa uAPI: ownership, ioctls, status, backend features,
 *                   personalities (reset and release semantics), doorbell pages
 *   sim_map.c       an IOTLB: sorted non-overlapping entries (vhost's copy and the device's)
 *   sim_iotlb.c     IOTLB message handling (write()), batches, set_map, fault injection
 *   sim_stats.c     the --stats JSON file (at exit and on SIGUSR1)
 *   sim_net.c       the virtio-net device: config space, control queue, traffic modes
 *   sim_ring.c      device side of split and packed rings through the device IOTLB
 *   sim_thread.c    the device thread (poll or notify mode)
 *   vdpath-sim.c    the launcher
 *
 * Locking: every struct sim_dev field is protected by dev->lock unless noted. The device
 * thread takes the lock around each processing pass; uAPI handlers take it per call.
 */
#ifndef VDPATH_SIM_H
#define VDPATH_SIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#define SIM_MAX_DEVICES 16
#define SIM_MAX_QUEUE_PAIRS 8
#define SIM_MAX_VQS (2 * SIM_MAX_QUEUE_PAIRS + 1)
#define SIM_MAX_AS 2
#define SIM_MAX_GROUPS 2
#define SIM_CONFIG_SIZE 24	/* struct virtio_net_config as vdpa_sim_net reports it */
#define SIM_MAX_FRAME 65562	/* largest frame + virtio-net header the device copies */

enum sim_personality {
	SIM_PERSONALITY_PERSIST,	/* 6.7+ parent with .reset_map (vdpa_sim on 6.12) */
	SIM_PERSONALITY_PLATFORM,	/* platform IOMMU: one map, survives reset */
	SIM_PERSONALITY_LEGACY61,	/* 6.1-era parent: no PERSIST, reset empties the device map */
};

enum sim_mode {
	SIM_MODE_NOTIFY,	/* the device works only when kicked (vdpa_sim) */
	SIM_MODE_POLL,		/* the device busy-polls its rings and suppresses kicks */
};

enum sim_traffic {
	SIM_TRAFFIC_LOOPBACK,	/* TX of queue pair i is received on RX of queue pair i */
	SIM_TRAFFIC_GENERATOR,	/* RX is filled with a fixed frame; TX is dropped */
	SIM_TRAFFIC_SINK,	/* TX is consumed and dropped; nothing is received */
};

enum sim_iommu {
	SIM_IOMMU_VA,		/* vdpa_sim use_va=1: entries are byte-granular user VAs */
	SIM_IOMMU_PA,		/* use_va=0: page rounding, pinning accounted, one entry per
				 * physically contiguous run (from /proc/self/pagemap) */
};

struct sim_opts {
	unsigned int devices;			/* --devices, default 1 */
	enum sim_personality personality;	/* --personality, default persist */
	enum sim_mode mode;			/* --mode, default notify */
	enum sim_traffic traffic;		/* --traffic, default loopback */
	enum sim_iommu iommu;			/* --iommu, default va */
	bool doorbell;				/* --doorbell on|off, default off (errno 524) */
	uint64_t iova_first, iova_last;		/* --iova-range FIRST-LAST, default 0-~0 */
	uint64_t features;			/* --features, default 0x308830028 */
	uint64_t backend_features;		/* derived from the personality; --backend-features */
	unsigned int queue_pairs;		/* --queue-pairs, default 1 (MQ offered when > 1) */
	unsigned int queue_size;		/* --queue-size: max ring size, default 256 */
	uint16_t mtu;				/* --mtu, default 1500 */
	uint32_t device_id;			/* --device-id, default 1 (virtio-net) */
	uint8_t mac[6];				/* --mac, default 00:00:00:00:00:00 (as vdpa_sim) */
	unsigned int frame_size;		/* --frame-size for the generator, default 64 */
	char stats_path[256];			/* --stats FILE, "" for none */
	char control_path[256];			/* --control FIFO, "" for none */
	/* fault injection */
	uint64_t fail_update;			/* --fail-update N: fail the Nth IOTLB update */
	uint32_t max_entries;			/* --max-entries N: per-ASID cap, 0 = none */
	uint64_t max_pinned;			/* --max-pinned BYTES: pinned-bytes cap, 0 = none */
	uint64_t bad_used_id;			/* --bad-used-id N: every Nth used elem, bad id */
	uint64_t bad_used_len;			/* --bad-used-len N: every Nth used elem, bad len */
	uint64_t needs_reset_after;		/* --needs-reset-after N packets */
	uint64_t link_flap_ms;			/* --link-flap MS: toggle link every MS ms */
	bool features_set;			/* --features given: keep it over the
						 * personality's default */
	bool backend_features_set;		/* --backend-features given: keep it over the
						 * personality's default */
	bool trace;				/* --trace on: log every uAPI call and result */
	bool vma_text;				/* --vma-lookup text: read /proc/self/maps */
};

/* One translation: [iova, iova + size) -> uaddr. */
struct sim_map_entry {
	uint64_t iova;
	uint64_t size;
	uint64_t uaddr;
	uint8_t perm;		/* VHOST_ACCESS_RO 1, WO 2, RW 3 */
};

/* An IOTLB: sorted by iova, entries never overlap. identity: passthrough of everything. */
#define SIM_MAP_HINTS	64u	/* a power of two */
#define SIM_MAP_HINT_SHIFT	21

/* One entry's range as a translation saw it (gen: the map's generation then, 0: never). */
struct sim_map_hint {
	uint64_t iova;
	uint64_t last;
	uint64_t uaddr;
	uint32_t gen;
	uint8_t perm;
};

struct sim_map {
	struct sim_map_entry *e;
	uint32_t n;
	uint32_t cap;
	/* recent translations by 2 MiB of IOVA: a lookup cache, valid while gen is unchanged */
	uint32_t gen;
	struct sim_map_hint hint[SIM_MAP_HINTS];
	bool identity;
};

int sim_map_add(struct sim_map *m, uint64_t iova, uint64_t size, uint64_t uaddr, uint8_t perm);
/* Remove every entry intersecting [iova, last]; returns the number removed. */
uint32_t sim_map_remove(struct sim_map *m, uint64_t iova, uint64_t last);
bool sim_map_overlaps(const struct sim_map *m, uint64_t iova, uint64_t last);
void sim_map_clear(struct sim_map *m);
int sim_map_copy(struct sim_map *dst, const struct sim_map *src);
/* Host pointer for [iova, iova + len) if one entry covers it with perm; NULL otherwise. */
void *sim_map_translate(const struct sim_map *m, uint64_t iova, uint64_t len, uint8_t perm);

/* A virtqueue as the uAPI programmed it, plus the device's running ring state. */
struct sim_vq {
	uint32_t num;			/* SET_VRING_NUM; kept across reset */
	uint64_t desc, avail, used;	/* SET_VRING_ADDR: IOVAs (avail = driver area,
					 * used = device area for packed) */
	uint32_t base;			/* SET_VRING_BASE, raw */
	bool ready;			/* SET_VRING_ENABLE */
	int kick_fd;			/* -1 when unbound */
	int call_fd;			/* -1 when unbound (the device then never signals) */
	volatile uint16_t *doorbell;	/* mmapped doorbell page, NULL when not mapped */
					/* the device thread writes 0xffff back after each
					 * kick it sees, so repeated writes of the same
					 * value (the vq index) are all seen as kicks */
	uint16_t doorbell_seen;		/* last value the device read from the doorbell */

	/* device-side ring state, owned by sim_ring.c / sim_net.c */
	bool running;			/* queue_ready succeeded and the ring is live */
	bool packed;
	uint16_t last_avail;		/* next avail index (split) / next desc slot (packed) */
	uint16_t last_used;		/* next used index (split) / next used slot (packed) */
	bool avail_wrap, used_wrap;	/* packed wrap counters */
	uint16_t signalled_used;	/* event idx bookkeeping */
	bool signalled_used_valid;

	/* statistics (kept across reset) */
	uint64_t packets, bytes;
	uint64_t kicks;
	uint64_t kick_binds;		/* SET_VRING_KICK accepted */
	uint64_t errors;		/* chains the device could not process */
};

struct sim_dev_stats {
	uint64_t iotlb_updates;		/* UPDATE messages accepted */
	uint64_t iotlb_invalidates;	/* INVALIDATE messages accepted */
	uint64_t iotlb_batches;		/* BATCH_END messages that closed a batch */
	uint64_t iotlb_failed;		/* IOTLB messages that failed */
	uint64_t resets;		/* SET_STATUS(0), open and release resets excluded */
	uint64_t dma_faults;		/* device accesses to IOVAs it does not hold */
	uint64_t opens;
	uint64_t cvq_commands, cvq_ok, cvq_err;
	uint64_t rx_overruns, rx_drops, tx_errors;
	uint64_t link_down_drops;	/* TX frames dropped because the link was down */
	uint64_t config_interrupts;
	uint64_t bad_used_injected;
	uint64_t pinned_bytes;		/* PA mode: bytes the vhost map pins */
	uint64_t busy_ns;		/* device thread passes that moved something */
};

struct sim_net;

struct sim_dev {
	pthread_mutex_t lock;
	unsigned int index;		/* N of /dev/vhost-vdpa-N */
	char path[64];
	int fd;				/* the client's fd, -1 when closed */
	pid_t owner;			/* 0 before SET_OWNER */

	uint64_t backend_offered, backend_acked;
	uint64_t dev_features;		/* offered */
	uint64_t drv_features;		/* negotiated (SET_FEATURES & offered) */
	bool features_valid;
	uint8_t status;
	bool suspended;

	struct sim_map vhost_map[SIM_MAX_AS];	/* vhost-vdpa's copy (what the uAPI holds) */
	struct sim_map dev_map[SIM_MAX_AS];	/* the parent's copy (what DMA goes through) */
	bool as_exists[SIM_MAX_AS];
	bool in_batch;
	uint32_t batch_asid;
	uint32_t group_asid[SIM_MAX_GROUPS];

	uint32_t nvqs;			/* 2 * queue_pairs + 1 (the last is the control vq) */
	struct sim_vq vq[SIM_MAX_VQS];
	uint8_t config[SIM_CONFIG_SIZE];
	int config_call_fd;

	struct sim_dev_stats stats;
	struct sim_net *net;		/* sim_net.c state */

	pthread_t thread;
	bool thread_started;
	volatile bool thread_stop;
	int wake_fd;			/* eventfd that wakes the device thread */
};

extern struct sim_opts sim_opts;
extern struct sim_dev sim_devs[SIM_MAX_DEVICES];

/* sim_opts.c: set one option from its long name (no dashes) and value; on a bad name or value
 * returns -1 and writes a one-line message to err. */
void sim_opts_defaults(struct sim_opts *o);
int sim_opts_set(struct sim_opts *o, const char *name, const char *value, char *err,
		 size_t errlen);
/* Read every VDPATH_SIM_<NAME> variable (name upper-cased, '-' as '_'). */
int sim_opts_from_env(struct sim_opts *o, char *err, size_t errlen);

/* sim_vhost.c: translate a device access through the vq's address space. Counts a dma_fault
 * and returns NULL when the device does not hold [iova, iova + len) with perm, or the map is an
 * identity passthrough (a device that lost the user's map: never touch that memory). */
void *sim_dma(struct sim_dev *dev, uint32_t vq_idx, uint64_t iova, uint64_t len, uint8_t perm);
/* Signal the call eventfd of vq idx (if bound), honouring nothing: callers decide. */
void sim_vq_call(struct sim_dev *dev, uint32_t idx);
/* Raise the config interrupt (config_call_fd) for link changes. */
void sim_config_interrupt(struct sim_dev *dev);

/* sim_net.c / sim_ring.c / sim_thread.c: the device, called by sim_vhost.c under dev->lock. */
void sim_net_init(struct sim_dev *dev);			/* at library load: config, nvqs */
void sim_net_reset(struct sim_dev *dev);		/* device reset: vq ring state cleared */
int sim_net_queue_ready(struct sim_dev *dev, uint32_t idx, bool ready);
void sim_net_status_changed(struct sim_dev *dev, uint8_t old_status);
int sim_net_get_vq_state(struct sim_dev *dev, uint32_t idx, uint32_t *base);
void sim_net_config_read(struct sim_dev *dev);		/* before a config read */
void sim_net_config_written(struct sim_dev *dev);	/* after VHOST_VDPA_SET_CONFIG */
int sim_thread_start(struct sim_dev *dev);		/* at open */
void sim_thread_stop(struct sim_dev *dev);		/* at close (called without the lock) */
void sim_thread_wake(struct sim_dev *dev);		/* kick fds or doorbells changed */
void sim_thread_kicks_changed(struct sim_dev *dev);	/* VHOST_SET_VRING_KICK */
/* sim_control.c: serve the --control FIFO from a thread (no-op without --control). Call once
 * from the library constructor after the devices are initialised; 0 or -errno (logged). */
int sim_control_start(void);

/* sim_stats.c */
int sim_stats_write(const char *path);
void sim_stats_init(void);	/* SIGUSR1 handler and atexit */

/* sim_opts.c: the option table (launcher --help and argument parsing), ends with name NULL. */
struct sim_opt_desc {
	const char *name;	/* long option name, also VDPATH_SIM_<NAME> upper-cased */
	const char *arg;	/* argument shown in --help */
	const char *def;	/* default shown in --help */
	const char *help;
};
extern const struct sim_opt_desc sim_opt_table[];
/* Derive what depends on several options (MQ/CTRL_VQ for queue pairs > 1, backend features
 * from the personality unless --backend-features) and check the combination. Idempotent. */
int sim_opts_finalize(struct sim_opts *o, char *err, size_t errlen);
const char *sim_personality_name(enum sim_personality p);
/* The environment variable of a long option: "iova-range" -> "VDPATH_SIM_IOVA_RANGE". */
void sim_opts_env_name(const char *name, char *buf, size_t len);
/* One "vdpath-sim: ..." line on stderr (no malloc, usable from any thread). */
void sim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* sim_vhost.c: keep the simulator's own descriptors (eventfds, memfds) at the top of the fd
 * table, out of the application's way. dup_high returns a new CLOEXEC descriptor (or -1);
 * move_high replaces fd by one (closing fd) and returns it, or fd itself when that fails. */
int sim_fd_dup_high(int fd);
int sim_fd_move_high(int fd);

/* sim_map.c: total bytes of the entries intersecting [iova, last] (what a remove drops). */
uint64_t sim_map_bytes(const struct sim_map *m, uint64_t iova, uint64_t last);

#endif /* VDPATH_SIM_H */
