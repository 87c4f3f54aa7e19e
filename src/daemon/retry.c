/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The backoff every refused host call follows, the enforcements of
 * apply.c and the readings of snapshot.c alike: tried again after 1 s,
 * then twice as long each time, up to a minute; a streak of failures is
 * reported by its first one, and ended by the first success.
 */
#include "config.h"

#include <string.h>

#include "daemon/daemon.h"

#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 60000

bool dmn_retry_due(const struct dmn_retry *r, uint64_t now)
{
    return !r->fails || now >= r->at_ms;
}

bool dmn_retry_failed(struct dmn_retry *r, uint64_t now)
{
    if (r->fails < UINT32_MAX)
        r->fails++;
    r->wait_ms = r->wait_ms ? 2 * r->wait_ms : RETRY_FIRST_MS;
    if (r->wait_ms > RETRY_MAX_MS)
        r->wait_ms = RETRY_MAX_MS;
    r->at_ms = now + r->wait_ms;
    return r->fails == 1;
}

bool dmn_retry_ok(struct dmn_retry *r)
{
    bool streak = r->fails > 0;

    memset(r, 0, sizeof(*r));
    return streak;
}
