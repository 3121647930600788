/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOTLB messages written to a vhost-vdpa fd (spec §4): parsing, the per-ASID vhost IOTLBs, VA
 * and PA mapping, batches, the parent's set_map copy, the personalities' reset and release
 * behaviour, and fault injection (--fail-update, --max-entries, --max-pinned).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sim.h"
#include "vdp_uapi.h"
#include "sim_vhost.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define IOTLB_MSG_LEN 72	/* sizeof(struct vhost_msg) == sizeof(struct vhost_msg_v2) */
#define IOTLB_MIN_LEN 40	/* type + asid/hole + struct vhost_iotlb_msg */
#define PAGEMAP_PFN_MASK ((1ULL << 55) - 1)
#define PAGEMAP_PRESENT (1ULL << 63)

/* Process-wide, like mm->pinned_vm and the module-wide failure counter. */
static uint64_t sim_pinned_total;
static uint64_t sim_update_seq;
static bool sim_pfn_warned;
static pthread_mutex_t sim_iotlb_global = PTHREAD_MUTEX_INITIALIZER;

struct iotlb_msg {
	uint64_t iova;
	uint64_t size;
	uint64_t uaddr;
	uint8_t perm;
	uint8_t type;
};

uint64_t
sim_iotlb_entries(const struct sim_map *m)
{
	return m->identity ? 2 : m->n;
}

const struct sim_map *
sim_iotlb_dev_map(const struct sim_dev *dev, uint32_t asid)
{
	/* A platform IOMMU parent translates through vhost's own domain. */
	if (sim_opts.personality == SIM_PERSONALITY_PLATFORM)
		return &dev->vhost_map[asid];
	return &dev->dev_map[asid];
}

/* Whether a vq group's address space is an identity passthrough: the device lost the map. */
bool
sim_iotlb_dev_identity(const struct sim_dev *dev)
{
	uint32_t i;

	for (i = 0; i < SIM_MAX_GROUPS; i++)
		if (dev->group_asid[i] < SIM_NAS &&
		    sim_iotlb_dev_map(dev, dev->group_asid[i])->identity)
			return true;
	return false;
}

static void
dev_map_initial(struct sim_dev *dev, uint32_t asid)
{
	sim_map_clear(&dev->dev_map[asid]);
	/* vdpa_sim on 6.7+ starts (and reset_map returns) in 1:1 passthrough; 6.1 starts empty. */
	if (sim_opts.personality == SIM_PERSONALITY_PERSIST)
		dev->dev_map[asid].identity = true;
}

void
sim_iotlb_init(struct sim_dev *dev)
{
	uint32_t i;

	for (i = 0; i < SIM_NAS; i++) {
		memset(&dev->vhost_map[i], 0, sizeof(dev->vhost_map[i]));
		memset(&dev->dev_map[i], 0, sizeof(dev->dev_map[i]));
		dev_map_initial(dev, i);
		dev->as_exists[i] = false;
	}
	dev->in_batch = false;
	dev->batch_asid = 0;
}

/* The parent's set_map: its copy of the ASID becomes vhost's (identity dropped). */
static void
iotlb_set_map(struct sim_dev *dev, uint32_t asid)
{
	if (sim_opts.personality == SIM_PERSONALITY_PLATFORM)
		return;
	if (sim_map_copy(&dev->dev_map[asid], &dev->vhost_map[asid]) < 0)
		sim_log("%s: out of memory copying %u IOTLB entries of ASID %u to the device; "
			"the device keeps its previous map", dev->path, dev->vhost_map[asid].n,
			asid);
}

static void
pinned_sub(struct sim_dev *dev, uint64_t bytes)
{
	if (sim_opts.iommu != SIM_IOMMU_PA || bytes == 0)
		return;
	dev->stats.pinned_bytes -= bytes < dev->stats.pinned_bytes ? bytes :
				   dev->stats.pinned_bytes;
	pthread_mutex_lock(&sim_iotlb_global);
	sim_pinned_total -= bytes < sim_pinned_total ? bytes : sim_pinned_total;
	pthread_mutex_unlock(&sim_iotlb_global);
}

/* vhost_vdpa_unmap(): whole entries go; a set_map parent sees the rest unless batching. */
static void
iotlb_unmap(struct sim_dev *dev, uint32_t asid, uint64_t iova, uint64_t last)
{
	pinned_sub(dev, sim_map_bytes(&dev->vhost_map[asid], iova, last));
	sim_map_remove(&dev->vhost_map[asid], iova, last);
	if (!dev->in_batch)
		iotlb_set_map(dev, asid);
}

/* Undo a failed UPDATE: its entries never counted as pinned. */
static void
iotlb_rollback(struct sim_dev *dev, uint32_t asid, uint64_t iova, uint64_t last)
{
	if (sim_map_remove(&dev->vhost_map[asid], iova, last) != 0 && !dev->in_batch)
		iotlb_set_map(dev, asid);
}

/* vhost_vdpa_map(): one vhost entry, then the parent. */
static int
iotlb_map_one(struct sim_dev *dev, uint32_t asid, uint64_t iova, uint64_t size,
	      uint64_t uaddr, uint8_t perm)
{
	int ret;

	if (sim_opts.max_entries != 0 && dev->vhost_map[asid].n >= sim_opts.max_entries)
		return -ENOSPC;
	ret = sim_map_add(&dev->vhost_map[asid], iova, size, uaddr, perm);
	if (ret < 0)
		return ret;
	if (!dev->in_batch)
		iotlb_set_map(dev, asid);
	return 0;
}

struct vma {
	uint64_t start, end;
	bool shared, writable, file;
};

#define SIM_USER_VA_END 0x800000000000ULL

/*
 * PROCMAP_QUERY (Linux 6.11+, linux/fs.h; bookworm's headers predate it): the VMA covering an
 * address, or the next one, in one ioctl on /proc/self/maps instead of reading every line
 * below it. A process with thousands of hugepage VMAs (one per 2 MiB page: 4 GiB of DPDK
 * memory) took milliseconds per UPDATE reading the text; the kernel's find_vma() does not.
 */
struct sim_procmap_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};

#define SIM_PROCMAP_QUERY	_IOWR('f', 17, struct sim_procmap_query)
_Static_assert(sizeof(struct sim_procmap_query) == 104, "PROCMAP_QUERY is 0xc0686611");
#define SIM_PROCMAP_WRITABLE	0x02u
#define SIM_PROCMAP_SHARED	0x08u
#define SIM_PROCMAP_COVERING_OR_NEXT 0x10u

/* Older kernels answer ENOTTY once; every walk after that reads the text. */
static bool procmap_query_works = true;

/* The VMAs of this process in address order, from /proc/self/maps. */
struct vma_walk {
	FILE *f;
	bool text;	/* reading lines (no PROCMAP_QUERY) */
};

static int
vma_walk_open(struct vma_walk *w)
{
	w->f = fopen("/proc/self/maps", "re");
	w->text = sim_opts.vma_text || !procmap_query_works;
	return w->f != NULL ? 0 : -errno;
}

static void
vma_walk_close(struct vma_walk *w)
{
	fclose(w->f);
}

static bool
vma_text_next(FILE *f, struct vma *v)
{
	char line[512], perms[8], path[256];
	unsigned long long start, end;
	int n;

	while (fgets(line, sizeof(line), f) != NULL) {
		path[0] = '\0';
		n = sscanf(line, "%llx-%llx %7s %*s %*s %*s %255s", &start, &end, perms, path);
		/* The vsyscall gate page is listed but is no VMA of the mm (find_vma skips it). */
		if (n < 3 || start >= SIM_USER_VA_END)
			continue;
		v->start = start;
		v->end = end;
		v->shared = perms[3] == 's';
		v->writable = perms[1] == 'w';
		/* Named mappings (hugetlbfs, memfd, shmem "/dev/zero (deleted)") have a file. */
		v->file = path[0] == '/';
		return true;
	}
	return false;
}

/* Answer of PROCMAP_QUERY: 1 found, 0 none at or above addr, -1 no such ioctl here. */
static int
vma_query(FILE *f, uint64_t addr, struct vma *v)
{
	struct sim_procmap_query q = {
		.size = sizeof(q),
		.query_flags = SIM_PROCMAP_COVERING_OR_NEXT,
		.query_addr = addr,
	};

	if (ioctl(fileno(f), SIM_PROCMAP_QUERY, &q) != 0)
		return errno == ENOENT ? 0 : -1;
	if (q.vma_start >= SIM_USER_VA_END)
		return 0;
	v->start = q.vma_start;
	v->end = q.vma_end;
	v->shared = (q.vma_flags & SIM_PROCMAP_SHARED) != 0;
	v->writable = (q.vma_flags & SIM_PROCMAP_WRITABLE) != 0;
	/* vm_file set: an inode (hugetlbfs, memfd, shmem), as the text's path says */
	v->file = q.inode != 0;
	return 1;
}

/* The first VMA ending above addr, in address order; false when there is none. */
static bool
vma_walk_at(struct vma_walk *w, uint64_t addr, struct vma *v)
{
	if (!w->text) {
		int rc = vma_query(w->f, addr, v);

		if (rc >= 0)
			return rc == 1;
		procmap_query_works = false;
		w->text = true;
	}
	while (vma_text_next(w->f, v))
		if (v->end > addr)
			return true;
	return false;
}

/*
 * vhost_vdpa_va_map(): only shared, file-backed VMAs get entries (uaddr = user VA); anything
 * else is skipped and the UPDATE still succeeds, as in the kernel.
 */
static int
iotlb_va_map(struct sim_dev *dev, uint32_t asid, uint64_t iova, uint64_t size,
	     uint64_t uaddr, uint8_t perm)
{
	uint64_t cur = uaddr, left = size, skipped = 0;
	struct vma_walk w;
	struct vma v;
	int ret = 0;

	ret = vma_walk_open(&w);
	if (ret < 0) {
		sim_log("%s: cannot read /proc/self/maps to map VA 0x%" PRIx64 ": %s", dev->path,
			uaddr, strerror(-ret));
		return -ENOMEM;
	}
	while (left != 0) {
		uint64_t chunk;

		if (!vma_walk_at(&w, cur, &v)) {
			ret = -EINVAL;
			break;
		}
		if (v.start > cur) {
			/*
			 * A hole with a VMA above it: the kernel's find_vma() returns that VMA
			 * and the hole is decided by its type (anonymous: skipped, UPDATE
			 * succeeds); only a hole with nothing above fails (EINVAL, above).
			 * The hole itself is never handed to the device.
			 */
			chunk = v.start - cur < left ? v.start - cur : left;
			skipped += chunk;
			left -= chunk;
			cur += chunk;
			if (left == 0)
				break;
		}
		chunk = v.end - cur < left ? v.end - cur : left;
		if (v.shared && v.file)
			ret = iotlb_map_one(dev, asid, iova + (cur - uaddr), chunk, cur, perm);
		else
			skipped += chunk;
		if (ret < 0)
			break;
		left -= chunk;
		cur += chunk;
	}
	vma_walk_close(&w);
	if (ret == 0 && skipped != 0)
		sim_log("%s: IOTLB UPDATE iova 0x%" PRIx64 " size 0x%" PRIx64 ": 0x%" PRIx64
			" bytes of VA 0x%" PRIx64 " are not shared file-backed memory and were "
			"skipped (vhost-vdpa VA mode maps only MAP_SHARED hugetlbfs/memfd/shmem); "
			"device accesses there will fault", dev->path, iova, size, skipped, uaddr);
	return ret;
}

/* pin_user_pages() fails on holes and on writes to read-only memory. */
static int
pa_check_vmas(uint64_t start, uint64_t end, bool write)
{
	uint64_t cur = start;
	struct vma_walk w;
	struct vma v;

	if (vma_walk_open(&w) < 0)
		return -ENOMEM;
	while (cur < end && vma_walk_at(&w, cur, &v)) {
		if (v.start > cur || (write && !v.writable))
			break;
		cur = v.end;
	}
	vma_walk_close(&w);
	return cur >= end ? 0 : -EFAULT;
}

static int
pa_populate(uint64_t start, uint64_t len, bool write)
{
	volatile const uint8_t *p;
	uint64_t off;

	if (madvise((void *)(uintptr_t)start, len,
		    write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0)
		return 0;
	if (errno != EINVAL)
		return -EFAULT;
	/* Kernels before 5.14: a read fault per page is enough for pagemap to show it. */
	for (off = 0; off < len; off += SIM_PAGE_SIZE) {
		p = (volatile const uint8_t *)(uintptr_t)(start + off);
		(void)*p;
	}
	return 0;
}

/* Map one physically contiguous run after another, as vhost_vdpa_pa_map() merges PFNs. */
static int
pa_map_runs(struct sim_dev *dev, uint32_t asid, uint64_t iova, uint64_t base,
	    uint64_t npages, uint8_t perm)
{
	uint64_t pfns[512], run_start = 0, prev_pfn = 0, i;
	bool zero_pfn = false;
	int fd, ret = 0;

	fd = sim_real_open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		sim_log("%s: cannot open /proc/self/pagemap (%s): PA mode needs it", dev->path,
			strerror(errno));
		return -ENOMEM;
	}
	for (i = 0; i < npages; i++) {
		uint64_t pfn;

		if (i % 512 == 0) {
			size_t want = (npages - i < 512 ? npages - i : 512) * sizeof(pfns[0]);
			off_t off = (off_t)((base / SIM_PAGE_SIZE + i) * sizeof(pfns[0]));

			if (pread(fd, pfns, want, off) != (ssize_t)want) {
				ret = -EFAULT;
				break;
			}
		}
		pfn = (pfns[i % 512] & PAGEMAP_PRESENT) ? pfns[i % 512] & PAGEMAP_PFN_MASK : 0;
		if (pfn == 0)
			zero_pfn = true;
		if (i != 0 && (pfn == 0 || pfn != prev_pfn + 1)) {
			ret = iotlb_map_one(dev, asid, iova + run_start * SIM_PAGE_SIZE,
					    (i - run_start) * SIM_PAGE_SIZE,
					    base + run_start * SIM_PAGE_SIZE, perm);
			if (ret < 0)
				break;
			run_start = i;
		}
		prev_pfn = pfn;
	}
	if (ret == 0)
		ret = iotlb_map_one(dev, asid, iova + run_start * SIM_PAGE_SIZE,
				    (npages - run_start) * SIM_PAGE_SIZE,
				    base + run_start * SIM_PAGE_SIZE, perm);
	sim_real_close(fd);
	if (zero_pfn && !sim_pfn_warned) {
		sim_pfn_warned = true;
		sim_log("PA mode: /proc/self/pagemap shows no PFNs (needs root/CAP_SYS_ADMIN); "
			"each 4 KiB page becomes its own IOTLB entry");
	}
	return ret;
}

/* vhost_vdpa_pa_map(): page rounding, memlock accounting, one entry per contiguous run. */
static int
iotlb_pa_map(struct sim_dev *dev, uint32_t asid, uint64_t iova, uint64_t size,
	     uint64_t uaddr, uint8_t perm)
{
	uint64_t npages = (size + (iova & (SIM_PAGE_SIZE - 1)) + SIM_PAGE_SIZE - 1) /
			  SIM_PAGE_SIZE;
	uint64_t base = uaddr & ~(SIM_PAGE_SIZE - 1), bytes = npages * SIM_PAGE_SIZE;
	uint64_t map_iova = iova & ~(SIM_PAGE_SIZE - 1);
	bool write = (perm & VHOST_ACCESS_WO) != 0;
	struct rlimit rl;
	int ret;

	/* The kernel would stack a page-rounded entry over a neighbour; sim_map cannot. */
	if (sim_map_overlaps(&dev->vhost_map[asid], map_iova, map_iova + bytes - 1))
		return -EEXIST;
	if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0)
		rl.rlim_cur = RLIM_INFINITY;
	pthread_mutex_lock(&sim_iotlb_global);
	ret = 0;
	if (rl.rlim_cur != RLIM_INFINITY &&
	    npages + sim_pinned_total / SIM_PAGE_SIZE > rl.rlim_cur / SIM_PAGE_SIZE)
		ret = -ENOMEM;
	if (sim_opts.max_pinned != 0 && sim_pinned_total + bytes > sim_opts.max_pinned)
		ret = -ENOMEM;
	pthread_mutex_unlock(&sim_iotlb_global);
	if (ret < 0) {
		sim_log("%s: IOTLB UPDATE iova 0x%" PRIx64 " size 0x%" PRIx64 ": pinning 0x%"
			PRIx64 " more bytes exceeds RLIMIT_MEMLOCK or --max-pinned (0x%" PRIx64
			" pinned); raise 'ulimit -l'", dev->path, iova, size, bytes,
			sim_pinned_total);
		return ret;
	}
	ret = pa_check_vmas(base, base + bytes, write);
	if (ret == 0)
		ret = pa_populate(base, bytes, write);
	if (ret == 0)
		ret = pa_map_runs(dev, asid, map_iova, base, npages, perm);
	if (ret < 0) {
		iotlb_rollback(dev, asid, map_iova, map_iova + bytes - 1);
		return ret;
	}
	dev->stats.pinned_bytes += bytes;
	pthread_mutex_lock(&sim_iotlb_global);
	sim_pinned_total += bytes;
	pthread_mutex_unlock(&sim_iotlb_global);
	return 0;
}

static bool
fail_update_due(void)
{
	uint64_t seq;

	if (sim_opts.fail_update == 0)
		return false;
	seq = __atomic_add_fetch(&sim_update_seq, 1, __ATOMIC_RELAXED);
	return seq == sim_opts.fail_update;
}

/* vhost_vdpa_process_iotlb_update() */
static int
iotlb_update(struct sim_dev *dev, uint32_t asid, const struct iotlb_msg *m)
{
	int ret;

	if (m->iova < sim_opts.iova_first || m->size == 0 ||
	    m->iova > UINT64_MAX - m->size + 1 || m->iova + m->size - 1 > sim_opts.iova_last)
		return -EINVAL;
	if (sim_map_overlaps(&dev->vhost_map[asid], m->iova, m->iova + m->size - 1))
		return -EEXIST;
	if (sim_opts.iommu == SIM_IOMMU_PA)
		return iotlb_pa_map(dev, asid, m->iova, m->size, m->uaddr, m->perm);
	ret = iotlb_va_map(dev, asid, m->iova, m->size, m->uaddr, m->perm);
	if (ret < 0)
		iotlb_rollback(dev, asid, m->iova, m->iova + m->size - 1);
	return ret;
}

/* The client only sees EFAULT; say what the kernel's real error was. */
static void
iotlb_update_explain(const struct sim_dev *dev, uint32_t asid, const struct iotlb_msg *m,
		     int err)
{
	const char *why;

	switch (err) {
	case -EEXIST:
		why = "EEXIST: overlaps an entry vhost already holds (invalidate it first; after a "
		      "reset without IOTLB_PERSIST vhost keeps its entries)";
		break;
	case -EINVAL:
		why = "EINVAL: outside the IOVA range, wrapping, or not mapped in this process";
		break;
	case -ENOSPC:
		why = "ENOSPC: the ASID would exceed --max-entries (6.12.115+ kernels cap at 2048)";
		break;
	case -ENOMEM:
		why = "ENOMEM: RLIMIT_MEMLOCK or --max-pinned";
		break;
	default:
		why = strerror(-err);
		break;
	}
	sim_log("%s: IOTLB UPDATE asid %u iova 0x%" PRIx64 " size 0x%" PRIx64 " uaddr 0x%" PRIx64
		" failed (write returns EFAULT): %s", dev->path, asid, m->iova, m->size, m->uaddr,
		why);
}

/* vhost_vdpa_process_iotlb_msg() */
static int
iotlb_handle(struct sim_dev *dev, uint32_t asid, const struct iotlb_msg *m)
{
	int ret = 0;

	if (!sim_vhost_owner_ok(dev))
		return -EPERM;
	if (m->type == VHOST_IOTLB_UPDATE && fail_update_due()) {
		sim_log("%s: --fail-update: failing IOTLB UPDATE number %" PRIu64 " (iova 0x%"
			PRIx64 " size 0x%" PRIx64 ")", dev->path, sim_opts.fail_update, m->iova,
			m->size);
		return -EIO;
	}
	if (m->type == VHOST_IOTLB_UPDATE || m->type == VHOST_IOTLB_BATCH_BEGIN) {
		if (asid >= SIM_NAS)
			return -EINVAL;
		dev->as_exists[asid] = true;
	} else if (asid >= SIM_NAS || !dev->as_exists[asid]) {
		return -EINVAL;
	}
	if (dev->in_batch && dev->batch_asid != asid)
		return -EINVAL;
	switch (m->type) {
	case VHOST_IOTLB_UPDATE:
		ret = iotlb_update(dev, asid, m);
		if (ret == 0)
			dev->stats.iotlb_updates++;
		else
			iotlb_update_explain(dev, asid, m, ret);
		break;
	case VHOST_IOTLB_INVALIDATE:
		/* size 0 gives last = iova - 1: from iova 0 that is everything (§4.5). */
		iotlb_unmap(dev, asid, m->iova, m->iova + m->size - 1);
		dev->stats.iotlb_invalidates++;
		break;
	case VHOST_IOTLB_BATCH_BEGIN:
		dev->batch_asid = asid;
		dev->in_batch = true;
		break;
	case VHOST_IOTLB_BATCH_END:
		if (dev->in_batch) {
			iotlb_set_map(dev, asid);
			dev->stats.iotlb_batches++;
		}
		dev->in_batch = false;
		break;
	default:
		ret = -EINVAL;
		break;
	}
	return ret;
}

/* vhost_chr_write_iter(): one message per write, 72 returned, handler errors are EFAULT. */
ssize_t
sim_iotlb_write(struct sim_dev *dev, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	struct iotlb_msg m;
	uint32_t type, asid = 0;
	ssize_t ret = IOTLB_MSG_LEN;

	if (buf == NULL && len != 0)
		return -EFAULT;
	pthread_mutex_lock(&dev->lock);
	if (len < 4) {
		ret = -EINVAL;
		goto out;
	}
	memcpy(&type, p, sizeof(type));
	if (type != VHOST_IOTLB_MSG && type != VHOST_IOTLB_MSG_V2) {
		ret = -EINVAL;
		goto out;
	}
	if (len < IOTLB_MIN_LEN) {
		ret = -EINVAL;
		goto out;
	}
	if (type == VHOST_IOTLB_MSG_V2 && sim_backend_acked(dev, VHOST_BACKEND_F_IOTLB_ASID))
		memcpy(&asid, p + 4, sizeof(asid));
	memcpy(&m.iova, p + 8, 8);
	memcpy(&m.size, p + 16, 8);
	memcpy(&m.uaddr, p + 24, 8);
	m.perm = p[32];
	m.type = p[33];
	if (m.type == VHOST_IOTLB_UPDATE && m.size == 0) {
		ret = -EINVAL;
		goto out;
	}
	if (iotlb_handle(dev, asid, &m) != 0)
		ret = -EFAULT;
out:
	if (ret < 0)
		dev->stats.iotlb_failed++;
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

/* SET_STATUS(0): what the parent does to its maps; vhost's maps are never touched here. */
void
sim_iotlb_dev_reset(struct sim_dev *dev)
{
	uint32_t i;

	switch (sim_opts.personality) {
	case SIM_PERSONALITY_PERSIST:
		/* compat_reset(CLEAN_MAP) unless PERSIST is acked: identity, vhost diverges. */
		if (sim_backend_acked(dev, VHOST_BACKEND_F_IOTLB_PERSIST))
			break;
		for (i = 0; i < SIM_NAS; i++) {
			sim_map_clear(&dev->dev_map[i]);
			dev->dev_map[i].identity = true;
		}
		break;
	case SIM_PERSONALITY_LEGACY61:
		for (i = 0; i < SIM_NAS; i++)
			sim_map_clear(&dev->dev_map[i]);
		break;
	case SIM_PERSONALITY_PLATFORM:
		break;
	}
}

/* Release (§6.4): vhost unmaps every ASID, the parent's maps go back to the initial state. */
void
sim_iotlb_release(struct sim_dev *dev)
{
	uint32_t i;

	dev->in_batch = false;
	dev->batch_asid = 0;
	for (i = 0; i < SIM_NAS; i++) {
		pinned_sub(dev, sim_map_bytes(&dev->vhost_map[i], 0, UINT64_MAX));
		sim_map_clear(&dev->vhost_map[i]);
		dev->as_exists[i] = false;
		dev_map_initial(dev, i);
	}
}
