/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Split virtqueue layout (virtio 1.x, 2.7): 16-byte descriptors; avail = flags, idx,
 * ring[num], used_event; used = flags, idx, {id, len}[num], avail_event. Little-endian
 * (VERSION_1 on x86), so plain stores are right here.
 */
#include <string.h>

#include "test_ring.h"

#define T_VRING_DESC_F_WRITE	2
#define T_VRING_USED_F_NO_NOTIFY 1
#define T_VRING_ALIGN		4096

struct t_vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct t_vring_used_elem {
	uint32_t id;
	uint32_t len;
};

static size_t
t_vring_used_off(uint16_t num)
{
	size_t end = 16 * (size_t)num + 6 + 2 * (size_t)num;

	return (end + T_VRING_ALIGN - 1) & ~(size_t)(T_VRING_ALIGN - 1);
}

size_t
t_vring_size(uint16_t num)
{
	return t_vring_used_off(num) + 6 + 8 * (size_t)num;
}

void
t_vring_init(struct t_vring *vr, void *mem, uint16_t num)
{
	memset(mem, 0, t_vring_size(num));
	vr->num = num;
	vr->desc = mem;
	vr->avail = (uint8_t *)mem + 16 * (size_t)num;
	vr->used = (uint8_t *)mem + t_vring_used_off(num);
	vr->avail_idx = 0;
	vr->last_used = 0;
}

uint64_t
t_vring_desc_addr(const struct t_vring *vr)
{
	return (uint64_t)(uintptr_t)vr->desc;
}

uint64_t
t_vring_avail_addr(const struct t_vring *vr)
{
	return (uint64_t)(uintptr_t)vr->avail;
}

uint64_t
t_vring_used_addr(const struct t_vring *vr)
{
	return (uint64_t)(uintptr_t)vr->used;
}

void
t_vring_post(struct t_vring *vr, uint16_t slot, uint64_t addr, uint32_t len, bool write)
{
	struct t_vring_desc *d = (struct t_vring_desc *)vr->desc + slot % vr->num;
	uint16_t *avail = vr->avail;

	d->addr = addr;
	d->len = len;
	d->flags = write ? T_VRING_DESC_F_WRITE : 0;
	d->next = 0;
	avail[2 + vr->avail_idx % vr->num] = slot % vr->num;
	vr->avail_idx++;
	/* the device must see the descriptor and ring entry before the new index */
	__atomic_store_n(&avail[1], vr->avail_idx, __ATOMIC_RELEASE);
}

uint16_t
t_vring_used_idx(const struct t_vring *vr)
{
	return __atomic_load_n((uint16_t *)vr->used + 1, __ATOMIC_ACQUIRE);
}

uint16_t
t_vring_used_flags(const struct t_vring *vr)
{
	return __atomic_load_n((uint16_t *)vr->used, __ATOMIC_ACQUIRE);
}

bool
t_vring_take_used(struct t_vring *vr, uint32_t *id, uint32_t *len)
{
	const struct t_vring_used_elem *ring =
		(const struct t_vring_used_elem *)((uint8_t *)vr->used + 4);
	const struct t_vring_used_elem *e;

	if (t_vring_used_idx(vr) == vr->last_used)
		return false;
	e = &ring[vr->last_used % vr->num];
	*id = e->id;
	*len = e->len;
	vr->last_used++;
	return true;
}

bool
t_vring_needs_kick(const struct t_vring *vr)
{
	/* pairs with the release store of avail->idx: read the flag after publishing */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(t_vring_used_flags(vr) & T_VRING_USED_F_NO_NOTIFY);
}
