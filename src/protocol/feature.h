/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest's feature flag, such as control/feature-balloon (keys.h): a
 * value the guest writes in its own area, so hostile like any other.
 * Pure; never reads past len.
 */
#ifndef XENPLM_PROTOCOL_FEATURE_H
#define XENPLM_PROTOCOL_FEATURE_H

#include <stdbool.h>
#include <stddef.h>

/* What a feature key says. */
enum proto_feature {
    PROTO_FEATURE_UNSAID = 0, /* no key, or an empty one (a toolstack's initial "") */
    PROTO_FEATURE_ON,         /* exactly "1", with or without one final LF */
    PROTO_FEATURE_OFF,        /* anything else: "0", "1 ", "yes", a NUL, too long */
};

/* What the len bytes at buf (a value read) say. */
enum proto_feature proto_feature_parse(const char *buf, size_t len);

#endif
