/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated host's clock, and wait().
 *
 * Time is virtual milliseconds from the start of the scenario.  At speed 0
 * it moves only inside wait() (and port_sim_advance): wait() jumps straight
 * to the earlier of its deadline and the next scripted event, running the
 * physics over the interval in steps of at most SIM_STEP_MS so that
 * balloons and CPU time move as they would have, and stops as soon as a
 * played event leaves a watch pending.  Extra descriptors are polled
 * without blocking, so a control socket still answers.
 *
 * At speed > 0 virtual time follows the real monotonic clock, scaled; the
 * physics catches up whenever the port is used, and wait() sleeps in
 * poll() on the descriptors until the next thing due.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "core/error.h"
#include "sim/sim.h"

uint64_t sim_real_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t min3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t m = a < b ? a : b;
    return m < c ? m : c;
}

static bool must_stop(const struct sim *s)
{
    return s->finished || s->disconnected || sim_xs_pending(&s->xs);
}

void sim_run(struct sim *s, uint64_t target_ms, bool stop)
{
    uint64_t reap = sim_ts_reap(s);

    sim_play_due(s);
    while (s->now_ms < target_ms && !(stop && must_stop(s))) {
        uint64_t next = min3(target_ms, sim_next_event_ms(s), s->now_ms + SIM_STEP_MS);
        next = reap < next ? reap : next;
        if (next <= s->now_ms)
            next = s->now_ms + 1;
        sim_host_step(&s->host, next - s->now_ms);
        s->now_ms = next;
        reap = sim_ts_reap(s);
        sim_play_due(s);
    }
}

static uint64_t virtual_now(const struct sim *s)
{
    double real_ms = (double)(sim_real_ns() - s->real_base_ns) / 1e6;

    return s->virt_base_ms + (uint64_t)(real_ms * s->speed);
}

void sim_sync(struct sim *s)
{
    if (s->speed > 0) {
        uint64_t t = virtual_now(s);
        if (t > s->now_ms)
            sim_run(s, t, false);
    }
}

/* Poll the descriptors: how many are ready, 1 when a signal interrupted
 * (the caller should return and let the daemon look), or PLM_EIO. */
static int poll_fds(struct port_waitfd *fds, size_t n, int timeout_ms)
{
    struct pollfd *pf;
    int r;

    if (n == 0) {
        if (timeout_ms > 0 && poll(NULL, 0, timeout_ms) < 0 && errno == EINTR)
            return 1;
        return 0;
    }
    pf = calloc(n, sizeof(*pf));
    if (!pf)
        return PLM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        pf[i].fd = fds[i].fd;
        pf[i].events = POLLIN;
    }
    r = poll(pf, (nfds_t)n, timeout_ms);
    for (size_t i = 0; i < n && r > 0; i++)
        fds[i].ready = (pf[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) != 0;
    free(pf);
    if (r < 0)
        return errno == EINTR ? 1 : PLM_EIO;
    return r;
}

static int wait_fast(struct sim *s, struct port_waitfd *fds, size_t nfds, uint64_t deadline_ms)
{
    uint64_t target;
    int r;

    sim_run(s, s->now_ms, false); /* what is due now: the t=0 events, dying domains */
    if (must_stop(s))
        return poll_fds(fds, nfds, 0);
    r = poll_fds(fds, nfds, 0);
    if (r != 0)
        return r;
    /* Nothing at all may be scheduled: return now and then, as a spurious
     * wakeup, rather than spin the clock forever. */
    target = deadline_ms < s->now_ms + PORT_SIM_MAX_JUMP_MS ? deadline_ms
                                                            : s->now_ms + PORT_SIM_MAX_JUMP_MS;
    if (s->wake_ms > s->now_ms && s->wake_ms < target)
        target = s->wake_ms;
    sim_run(s, target, true);
    if (s->wake_ms && s->now_ms >= s->wake_ms)
        s->wake_ms = 0;
    return poll_fds(fds, nfds, 0);
}

static int wait_real(struct sim *s, struct port_waitfd *fds, size_t nfds, uint64_t deadline_ms)
{
    for (;;) {
        uint64_t wake, reap;
        double ms;
        int r;

        sim_sync(s);
        reap = sim_ts_reap(s);
        if (s->wake_ms && s->now_ms >= s->wake_ms) {
            s->wake_ms = 0;
            return poll_fds(fds, nfds, 0);
        }
        if (must_stop(s) || s->now_ms >= deadline_ms)
            return poll_fds(fds, nfds, 0);
        wake = min3(deadline_ms, sim_next_event_ms(s), reap);
        if (s->wake_ms > s->now_ms && s->wake_ms < wake)
            wake = s->wake_ms;
        /* Round up so that the clock has reached wake on return; wake up at
         * least every second of real time all the same. */
        ms = (double)(wake - s->now_ms) / s->speed + 1;
        r = poll_fds(fds, nfds, ms > 1000 ? 1000 : (int)ms);
        if (r != 0) {
            sim_sync(s);
            return r;
        }
    }
}

int sim_wait(struct sim *s, struct port_waitfd *fds, size_t nfds, uint64_t deadline_ms)
{
    int r;

    if (nfds && !fds)
        return PLM_EINVAL;
    for (size_t i = 0; i < nfds; i++)
        fds[i].ready = false;
    if (s->disconnected)
        return PLM_EIO;
    if (s->finished)
        return PLM_ENOENT;
    r = s->speed > 0 ? wait_real(s, fds, nfds, deadline_ms) : wait_fast(s, fds, nfds, deadline_ms);
    if (s->disconnected)
        return PLM_EIO;
    if (s->finished)
        return PLM_ENOENT;
    return r < 0 ? r : 0;
}
