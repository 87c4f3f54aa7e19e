/* SPDX-License-Identifier: GPL-2.0-only */
/* A guest's feature flag (feature.h). */
#include "config.h"

#include "protocol/feature.h"

enum proto_feature proto_feature_parse(const char *buf, size_t len)
{
    if (!buf || len == 0)
        return PROTO_FEATURE_UNSAID;
    if (len <= 2 && buf[0] == '1' && (len == 1 || buf[1] == '\n'))
        return PROTO_FEATURE_ON;
    return PROTO_FEATURE_OFF;
}
