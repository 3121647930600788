/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver side of a split virtqueue, as small as a test can make it: one descriptor per
 * buffer, descriptor index == buffer slot, IOVA == VA. Not a library (lib/virtq is that).
 */
#ifndef TEST_RING_H
#define TEST_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct t_vring {
	uint16_t num;
	void *desc;
	void *avail;
	void *used;
	uint16_t avail_idx;	/* next avail->idx to publish */
	uint16_t last_used;	/* next used elem to read */
};

/* Bytes a ring of num entries needs (desc, avail, then used on its own page). */
size_t t_vring_size(uint16_t num);
/* Lay a zeroed ring out in mem (at least t_vring_size(num) bytes, 4 KiB aligned). */
void t_vring_init(struct t_vring *vr, void *mem, uint16_t num);
uint64_t t_vring_desc_addr(const struct t_vring *vr);
uint64_t t_vring_avail_addr(const struct t_vring *vr);
uint64_t t_vring_used_addr(const struct t_vring *vr);
/* Put one buffer (device-writable when write) in descriptor slot and publish it. */
void t_vring_post(struct t_vring *vr, uint16_t slot, uint64_t addr, uint32_t len, bool write);
/* Take the next used element; false when the device has not returned one. */
bool t_vring_take_used(struct t_vring *vr, uint32_t *id, uint32_t *len);
/* The device's used->idx. */
uint16_t t_vring_used_idx(const struct t_vring *vr);
/* The device did not set VRING_USED_F_NO_NOTIFY: a kick is needed. */
bool t_vring_needs_kick(const struct t_vring *vr);
uint16_t t_vring_used_flags(const struct t_vring *vr);

#endif /* TEST_RING_H */
