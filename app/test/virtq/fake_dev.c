/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake device of the lib/virtq unit tests. Layouts from virtio 1.2, 2.7.5-2.7.8 (split)
 * and 2.8.13-2.8.14 (packed), written out here independently of lib/virtq.
 */
#include <stddef.h>
#include <string.h>

#include "fake_dev.h"

#define F_NEXT		1u
#define F_WRITE		2u
#define F_INDIRECT	4u
#define F_AVAIL		(1u << 7)
#define F_USED		(1u << 15)

struct f_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct f_pdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

static void *
fd_va(const struct fake_dev *fd, uint64_t iova)
{
	return fd->va_base + (iova - fd->iova_base);
}

static uint16_t *
fd_avail(const struct fake_dev *fd)
{
	/* [0] flags, [1] idx, [2 + i] ring, [2 + num] used_event */
	return fd_va(fd, fd->driver);
}

static uint16_t *
fd_used16(const struct fake_dev *fd)
{
	return fd_va(fd, fd->device);	/* [0] flags, [1] idx */
}

static uint32_t *
fd_used_ring(const struct fake_dev *fd)
{
	return (uint32_t *)(fd_used16(fd) + 2);	/* pairs of id, len */
}

static uint16_t *
fd_avail_event(const struct fake_dev *fd)
{
	return (uint16_t *)(fd_used_ring(fd) + 2 * fd->num);
}

void
fd_init(struct fake_dev *fd, bool packed, bool event_idx, uint32_t num, void *va_base,
	uint64_t iova_base, uint64_t desc, uint64_t driver, uint64_t device)
{
	memset(fd, 0, sizeof(*fd));
	fd->packed = packed;
	fd->event_idx = event_idx;
	fd->num = num;
	fd->va_base = va_base;
	fd->iova_base = iova_base;
	fd->desc = desc;
	fd->driver = driver;
	fd->device = device;
	fd->avail_wrap = true;
	fd->used_wrap = true;
}

/* Record one segment; a device-readable one after a device-writable one is malformed. */
static bool
fd_add_seg(struct fake_dev *fd, struct fd_chain *c, uint64_t addr, uint32_t len, uint16_t flags)
{
	bool write = (flags & F_WRITE) != 0;

	if (c->nseg >= FD_SEGS_MAX)
		return false;
	if (!write && c->nseg > 0 && c->seg[c->nseg - 1].write)
		fd->errors++;
	c->seg[c->nseg].addr = addr;
	c->seg[c->nseg].len = len;
	c->seg[c->nseg].write = write;
	c->seg[c->nseg].flags = flags;
	c->nseg++;
	if (write)
		c->write_len += len;
	else
		c->read_len += len;
	return true;
}

static bool
fd_pop_split(struct fake_dev *fd, struct fd_chain *c)
{
	uint16_t *avail = fd_avail(fd);
	const struct f_desc *table = fd_va(fd, fd->desc);
	uint32_t tnum = fd->num, i, count = 0;
	uint16_t head;

	if (__atomic_load_n(&avail[1], __ATOMIC_ACQUIRE) == fd->last_avail)
		return false;
	head = avail[2 + (fd->last_avail % fd->num)];
	fd->last_avail++;
	memset(c, 0, sizeof(*c));
	c->id = head;
	c->ndesc = 0;
	if (head >= fd->num) {
		fd->errors++;
		return false;
	}
	i = head;
	for (;;) {
		struct f_desc d = table[i];

		if (++count > 2 * fd->num) {
			fd->errors++;
			return false;
		}
		if (table == fd_va(fd, fd->desc))
			c->ndesc++;
		if (d.flags & F_INDIRECT) {
			/* 2.7.5.3.1: never with NEXT, never inside a table */
			if ((d.flags & F_NEXT) || c->indirect)
				fd->errors++;
			table = fd_va(fd, d.addr);
			tnum = d.len / sizeof(struct f_desc);
			c->indirect = true;
			i = 0;
			continue;
		}
		fd_add_seg(fd, c, d.addr, d.len, d.flags);
		if (!(d.flags & F_NEXT))
			return true;
		i = d.next;
		if (i >= tnum) {
			fd->errors++;
			return false;
		}
	}
}

static bool
fd_pop_packed(struct fake_dev *fd, struct fd_chain *c)
{
	struct f_pdesc *ring = fd_va(fd, fd->desc);
	uint16_t flags = __atomic_load_n(&ring[fd->avail_pos].flags, __ATOMIC_ACQUIRE);
	bool avail = flags & F_AVAIL, used = flags & F_USED;

	if (avail != fd->avail_wrap || used == fd->avail_wrap)
		return false;
	memset(c, 0, sizeof(*c));
	for (;;) {
		struct f_pdesc d = ring[fd->avail_pos];

		c->ndesc++;
		if (++fd->avail_pos == fd->num) {
			fd->avail_pos = 0;
			fd->avail_wrap = !fd->avail_wrap;
		}
		c->id = d.id;
		if (d.flags & F_INDIRECT) {
			const struct f_pdesc *t = fd_va(fd, d.addr);
			uint32_t j;

			c->indirect = true;
			for (j = 0; j < d.len / sizeof(*t); j++)
				fd_add_seg(fd, c, t[j].addr, t[j].len, t[j].flags);
		} else {
			fd_add_seg(fd, c, d.addr, d.len, d.flags);
		}
		if (!(d.flags & F_NEXT))
			return true;
		if (c->ndesc > fd->num) {
			fd->errors++;
			return false;
		}
	}
}

bool
fd_pop(struct fake_dev *fd, struct fd_chain *c)
{
	return fd->packed ? fd_pop_packed(fd, c) : fd_pop_split(fd, c);
}

uint32_t
fd_avail_count(const struct fake_dev *fd)
{
	if (!fd->packed)
		return (uint16_t)(fd_avail(fd)[1] - fd->last_avail);
	return 0;
}

uint16_t
fd_packed_used_flags(const struct fake_dev *fd)
{
	return fd->used_wrap ? (F_AVAIL | F_USED) : 0;
}

void
fd_packed_push_raw(struct fake_dev *fd, uint16_t id, uint32_t len, uint16_t flags, uint16_t skip)
{
	struct f_pdesc *d = (struct f_pdesc *)fd_va(fd, fd->desc) + fd->used_pos;
	uint32_t pos;

	d->id = id;
	d->len = len;
	__atomic_store_n(&d->flags, flags, __ATOMIC_RELEASE);
	pos = fd->used_pos + skip;
	if (pos >= fd->num) {
		pos -= fd->num;
		fd->used_wrap = !fd->used_wrap;
	}
	fd->used_pos = (uint16_t)pos;
}

void
fd_push(struct fake_dev *fd, uint32_t id, uint16_t ndesc, uint32_t len)
{
	uint32_t *e;

	if (fd->packed) {
		fd_packed_push_raw(fd, (uint16_t)id, len, fd_packed_used_flags(fd), ndesc);
		return;
	}
	e = fd_used_ring(fd) + 2 * (fd->used_idx % fd->num);
	e[0] = id;
	e[1] = len;
	fd->used_idx++;
}

void
fd_publish(struct fake_dev *fd)
{
	if (!fd->packed)
		__atomic_store_n(&fd_used16(fd)[1], fd->used_idx, __ATOMIC_RELEASE);
}

void
fd_split_skip(struct fake_dev *fd, uint16_t delta)
{
	fd->used_idx += delta;
}

void
fd_split_set_no_notify(struct fake_dev *fd, bool no_notify)
{
	fd_used16(fd)[0] = no_notify ? 1 : 0;
}

void
fd_split_set_avail_event(struct fake_dev *fd, uint16_t ev)
{
	*fd_avail_event(fd) = ev;
}

void
fd_packed_set_event(struct fake_dev *fd, uint16_t flags, uint16_t off_wrap)
{
	uint16_t *ev = fd_va(fd, fd->device);

	ev[0] = off_wrap;
	ev[1] = flags;
}

static bool
fd_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

bool
fd_split_need_call(struct fake_dev *fd, uint16_t old_used)
{
	if (fd->event_idx)
		return fd_need_event(fd_avail(fd)[2 + fd->num], fd->used_idx, old_used);
	return !(fd_avail(fd)[0] & 1);
}

bool
fd_packed_need_call(struct fake_dev *fd, uint16_t old_pos, bool old_wrap)
{
	uint16_t flags, off_wrap;
	uint32_t span = 2 * fd->num, ev, new_lin, old_lin;

	fd_packed_driver_event(fd, &flags, &off_wrap);
	if (flags == 1)
		return false;
	if (flags != 2 || !fd->event_idx)
		return true;
	ev = ((off_wrap >> 15) ? (off_wrap & 0x7fffu) : (off_wrap & 0x7fffu) + fd->num) % span;
	new_lin = fd->used_wrap ? fd->used_pos : fd->used_pos + fd->num;
	old_lin = old_wrap ? old_pos : old_pos + fd->num;
	return (new_lin + span - ev - 1) % span < (new_lin + span - old_lin) % span;
}

uint16_t
fd_split_avail_idx(const struct fake_dev *fd)
{
	return fd_avail(fd)[1];
}

uint16_t
fd_split_avail_flags(const struct fake_dev *fd)
{
	return fd_avail(fd)[0];
}

uint16_t
fd_split_used_event(const struct fake_dev *fd)
{
	return fd_avail(fd)[2 + fd->num];
}

void
fd_packed_driver_event(const struct fake_dev *fd, uint16_t *flags, uint16_t *off_wrap)
{
	uint16_t *ev = fd_va(fd, fd->driver);

	*off_wrap = ev[0];
	*flags = ev[1];
}
