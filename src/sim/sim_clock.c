/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated host's clock and log (the bottom layer, see sim.h).
 *
 * At speed 0 virtual time moves only when the scenario player runs it on
 * (inside wait() and port_sim_advance): it jumps straight to the next
 * thing that happens.  At speed > 0 it follows the real monotonic clock,
 * scaled; the player catches up with it whenever the port is used.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "sim/sim_clock.h"

static void log_stderr(void *ctx, enum port_sim_log_level level, const char *msg)
{
    (void)ctx;
    if (level == PORT_SIM_LOG_ERROR)
        fprintf(stderr, "xenplm-sim: %s\n", msg);
}

uint64_t sim_real_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sim_clock_init(struct sim_clock *c, double speed)
{
    c->now_ms = 0;
    c->speed = speed;
    c->real_base_ns = sim_real_ns();
    c->virt_base_ms = 0;
    c->log = log_stderr;
    c->log_ctx = NULL;
}

uint64_t sim_clock_real_now(const struct sim_clock *c)
{
    double real_ms;

    if (!(c->speed > 0))
        return c->now_ms;
    real_ms = (double)(sim_real_ns() - c->real_base_ns) / 1e6;
    return c->virt_base_ms + (uint64_t)(real_ms * c->speed);
}

void sim_clock_skip(struct sim_clock *c, uint64_t ms)
{
    c->virt_base_ms += ms;
}

void sim_log(const struct sim_clock *c, enum port_sim_log_level level, const char *fmt, ...)
{
    char msg[512];
    int n, saved = errno; /* callers return PLM_EIO with errno telling why */
    va_list ap;

    if (!c->log)
        return;
    n = snprintf(msg, sizeof(msg), "[%llu.%03llus] ", (unsigned long long)(c->now_ms / 1000),
                 (unsigned long long)(c->now_ms % 1000));
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
    va_end(ap);
    c->log(c->log_ctx, level, msg);
    errno = saved;
}
