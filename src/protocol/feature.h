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

/* Whether the value says the feature is there: exactly "1" (as Linux
 * writes it), with or without one final LF.  Anything else (empty, "0",
 * "1 ", "yes", a NUL, a longer value) says it is not. */
bool proto_feature_on(const char *buf, size_t len);

#endif
