/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names of virtio feature bits, for logs, tools and option parsers.
 */
#ifndef VDP_NAMES_H
#define VDP_NAMES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "RING_PACKED" for bit 34; NULL for a bit with no name. Bit is a number, not a mask. */
const char *vdp_net_feature_name(unsigned int bit);
/* The bit number of a feature name (case-insensitive, with or without VIRTIO_[NET_]F_); -1. */
int vdp_net_feature_bit(const char *name);
/* "VERSION_1|ACCESS_PLATFORM|..." into buf (unknown bits as "bit N"); returns buf. */
char *vdp_net_features_str(uint64_t features, char *buf, size_t len);
/* The same for backend features ("IOTLB_MSG_V2|IOTLB_BATCH|..."). */
char *vdp_backend_features_str(uint64_t features, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* VDP_NAMES_H */
