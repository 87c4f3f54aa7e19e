/* SPDX-License-Identifier: GPL-2.0-only */
/* A guest's feature flag (feature.h). */
#include "config.h"

#include "protocol/feature.h"

bool proto_feature_on(const char *buf, size_t len)
{
    if (!buf || len == 0 || len > 2 || buf[0] != '1')
        return false;
    return len == 1 || buf[1] == '\n';
}
