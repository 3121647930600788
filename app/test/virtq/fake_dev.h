/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fake virtio device for lib/virtq tests: it works on the ring memory exactly as a device
 * would (reads the descriptors and the driver area, writes used elements and the device
 * area), spelled out from the virtio 1.2 ring layouts with no help from lib/virtq. Ring
 * IOVAs are translated through (iova_base -> va_base), so a library that confused IOVA and VA
 * would make the fake device read the wrong place.
 */
#ifndef FAKE_DEV_H
#define FAKE_DEV_H

#include <stdbool.h>
#include <stdint.h>

#define FD_SEGS_MAX 64

struct fd_seg {
	uint64_t addr;
	uint32_t len;
	bool write;
	uint16_t flags;		/* the descriptor's flags as the device read them */
};

/* One buffer the device took from the ring. */
struct fd_chain {
	uint16_t id;		/* split: head index; packed: buffer id */
	uint16_t ndesc;		/* ring slots it occupied */
	uint16_t nseg;
	bool indirect;
	struct fd_seg seg[FD_SEGS_MAX];
	uint32_t write_len;	/* sum of device-writable segment lengths */
	uint32_t read_len;
};

struct fake_dev {
	bool packed;
	bool event_idx;
	uint32_t num;
	uint8_t *va_base;
	uint64_t iova_base;
	uint64_t desc, driver, device;	/* ring IOVAs */
	/* split */
	uint16_t last_avail;
	uint16_t used_idx;		/* next used elem to write; published with fd_publish */
	/* packed */
	uint16_t avail_pos;
	bool avail_wrap;
	uint16_t used_pos;
	bool used_wrap;
	/* what the device saw */
	uint64_t errors;		/* malformed chains (a readable segment after a writable
					 * one counts too: the spec puts writable after readable) */
};

void fd_init(struct fake_dev *fd, bool packed, bool event_idx, uint32_t num, void *va_base,
	     uint64_t iova_base, uint64_t desc, uint64_t driver, uint64_t device);
/* Take the next available buffer; false when there is none. */
bool fd_pop(struct fake_dev *fd, struct fd_chain *c);
/* Buffers available and not yet taken (split: avail->idx - last_avail). */
uint32_t fd_avail_count(const struct fake_dev *fd);

/* Complete a buffer: split writes used elem (visible at fd_publish), packed writes the used
 * descriptor now (flags last) and advances by ndesc. */
void fd_push(struct fake_dev *fd, uint32_t id, uint16_t ndesc, uint32_t len);
/* Split: store used->idx. Packed: nothing (each used desc is visible when written). */
void fd_publish(struct fake_dev *fd);
/* Split: move used->idx by delta without writing elements (in-order batches, faults). */
void fd_split_skip(struct fake_dev *fd, uint16_t delta);
/* Packed: write a used descriptor with explicit flags at the used position, advance by skip. */
void fd_packed_push_raw(struct fake_dev *fd, uint16_t id, uint32_t len, uint16_t flags,
			uint16_t skip);
/* Packed: flags meaning "used" in the current used lap. */
uint16_t fd_packed_used_flags(const struct fake_dev *fd);

/* Device-side notification suppression. */
void fd_split_set_no_notify(struct fake_dev *fd, bool no_notify);
void fd_split_set_avail_event(struct fake_dev *fd, uint16_t ev);
void fd_packed_set_event(struct fake_dev *fd, uint16_t flags, uint16_t off_wrap);

/* Driver-side: would the device notify now, after completing up to its used position, when
 * old was its used position at the previous notification decision? */
bool fd_split_need_call(struct fake_dev *fd, uint16_t old_used);
bool fd_packed_need_call(struct fake_dev *fd, uint16_t old_pos, bool old_wrap);

/* Raw views, for tests that look at the ring bytes. */
uint16_t fd_split_avail_idx(const struct fake_dev *fd);
uint16_t fd_split_avail_flags(const struct fake_dev *fd);
uint16_t fd_split_used_event(const struct fake_dev *fd);
void fd_packed_driver_event(const struct fake_dev *fd, uint16_t *flags, uint16_t *off_wrap);

#endif /* FAKE_DEV_H */
