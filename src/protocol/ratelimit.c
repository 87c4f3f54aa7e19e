/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The token bucket.  The only arithmetic hazard is rate * elapsed on a
 * long gap; it is avoided by first asking how long the bucket needs to
 * fill, and filling it outright when at least that much time has passed.
 */
#include "config.h"

#include "core/error.h"
#include "protocol/ratelimit.h"

int proto_rl_init(struct proto_ratelimit *rl, unsigned burst, plm_amt_t rate, uint64_t now_ms)
{
    if (!rl || burst == 0 || burst > PROTO_RL_BURST_MAX || rate < 0 || rate > PLM_AMT_MAX)
        return PLM_EINVAL;
    rl->cap = (uint64_t)burst * PROTO_RL_TOKEN;
    rl->level = rl->cap;
    rl->rate = (uint64_t)rate;
    rl->last_ms = now_ms;
    return 0;
}

static void refill(struct proto_ratelimit *rl, uint64_t now_ms)
{
    uint64_t dt, need;

    if (now_ms <= rl->last_ms) {
        /* A clock that went back grants nothing; count from the new time. */
        rl->last_ms = now_ms;
        return;
    }
    dt = now_ms - rl->last_ms;
    rl->last_ms = now_ms;
    if (rl->level >= rl->cap || rl->rate == 0)
        return;
    need = rl->cap - rl->level;
    /* rate * dt < need here, so it cannot overflow (need <= 10^12). */
    if (dt >= (need + rl->rate - 1) / rl->rate)
        rl->level = rl->cap;
    else
        rl->level += rl->rate * dt;
}

bool proto_rl_allow(struct proto_ratelimit *rl, uint64_t now_ms)
{
    refill(rl, now_ms);
    if (rl->level < PROTO_RL_TOKEN)
        return false;
    rl->level -= PROTO_RL_TOKEN;
    return true;
}

uint64_t proto_rl_wait_ms(const struct proto_ratelimit *rl, uint64_t now_ms)
{
    struct proto_ratelimit tmp = *rl;

    refill(&tmp, now_ms);
    if (tmp.level >= PROTO_RL_TOKEN)
        return 0;
    if (tmp.rate == 0)
        return UINT64_MAX;
    return (PROTO_RL_TOKEN - tmp.level + tmp.rate - 1) / tmp.rate;
}
