/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A token bucket, to keep a guest that rewrites its request too often from
 * making the daemon re-read and re-arbitrate on every write.
 *
 * The bucket holds up to `burst` tokens and gains `rate` tokens per
 * second; reading a request costs one token.  The rate is an amount in
 * thousandths (plm_amt_t: 1000 is one token a second, 200 one every five
 * seconds), so a configuration file reads it with plm_amt_parse.  Tokens
 * are counted in millionths, which makes refills exact: rate thousandths
 * per second is rate millionths per millisecond, so no fraction is ever
 * lost however the calls are spaced.
 *
 * The module is pure: the caller passes the time, in milliseconds of a
 * monotonic clock.  A time earlier than the last one seen gains nothing
 * and restarts the count from there.
 */
#ifndef XENPLM_PROTOCOL_RATELIMIT_H
#define XENPLM_PROTOCOL_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/amount.h"

/* Largest burst, in tokens. */
#define PROTO_RL_BURST_MAX 1000000u
/* One token, in the bucket's unit. */
#define PROTO_RL_TOKEN ((uint64_t)1000000)

struct proto_ratelimit {
    uint64_t level;   /* millionths of a token held */
    uint64_t cap;     /* burst, in millionths */
    uint64_t rate;    /* millionths gained per millisecond */
    uint64_t last_ms; /* time of the last refill */
};

/*
 * A full bucket at now_ms.  0, or PLM_EINVAL for a burst outside
 * 1..PROTO_RL_BURST_MAX or a rate outside 0..PLM_AMT_MAX (rate 0: the
 * burst is never refilled).
 */
int proto_rl_init(struct proto_ratelimit *rl, unsigned burst, plm_amt_t rate, uint64_t now_ms);

/* Take one token if there is one at now_ms: true when the guest may be served. */
bool proto_rl_allow(struct proto_ratelimit *rl, uint64_t now_ms);

/*
 * Milliseconds from now_ms until a token is available: 0 when one is
 * already, UINT64_MAX when none will ever be (rate 0).  The daemon uses it
 * to come back to a limited guest's latest value instead of dropping it.
 */
uint64_t proto_rl_wait_ms(const struct proto_ratelimit *rl, uint64_t now_ms);

#endif
