/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated host's wait() (the port adapter's, see sim.h).
 *
 * At speed 0, wait() jumps straight to the earlier of its deadline and
 * the next scripted event, running the physics over the interval in steps
 * of at most SIM_STEP_MS so that balloons and CPU time move as they would
 * have, and stops as soon as a played event leaves a watch pending, or
 * a watch event held back (watch delay) is due.  Extra
 * descriptors are polled without blocking, so a control socket still
 * answers.
 *
 * At speed > 0 virtual time follows the real monotonic clock, scaled;
 * wait() sleeps in poll() on the descriptors until the next thing due.
 *
 * Once the scenario has ended, wait() returns PLM_ENOENT: the host is
 * gone for good, and the daemon stops.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "core/error.h"
#include "sim/sim.h"

static uint64_t min3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t m = a < b ? a : b;
    return m < c ? m : c;
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
    struct sim_player *pl = &s->pl;
    uint64_t now, target;
    int r;

    sim_run(pl, pl->m.clock.now_ms, false); /* what is due now: the t=0 events, dying domains */
    if (sim_must_stop(pl) || sim_late_due(s) <= pl->m.clock.now_ms)
        return poll_fds(fds, nfds, 0);
    r = poll_fds(fds, nfds, 0);
    if (r != 0)
        return r;
    /* Nothing at all may be scheduled: return now and then, as a spurious
     * wakeup, rather than spin the clock forever. */
    now = pl->m.clock.now_ms;
    target = deadline_ms < now + PORT_SIM_MAX_JUMP_MS ? deadline_ms : now + PORT_SIM_MAX_JUMP_MS;
    if (s->wake_ms > now && s->wake_ms < target)
        target = s->wake_ms;
    if (sim_late_due(s) < target)
        target = sim_late_due(s); /* a held watch event is handed over then */
    sim_run(pl, target, true);
    if (s->wake_ms && pl->m.clock.now_ms >= s->wake_ms)
        s->wake_ms = 0;
    return poll_fds(fds, nfds, 0);
}

static int wait_real(struct sim *s, struct port_waitfd *fds, size_t nfds, uint64_t deadline_ms)
{
    struct sim_player *pl = &s->pl;
    const struct sim_clock *c = &pl->m.clock;

    for (;;) {
        uint64_t wake, reap;
        double ms;
        int r;

        sim_sync(pl);
        reap = sim_ts_reap(&pl->m);
        if (s->wake_ms && c->now_ms >= s->wake_ms) {
            s->wake_ms = 0;
            return poll_fds(fds, nfds, 0);
        }
        if (sim_must_stop(pl) || c->now_ms >= deadline_ms || sim_late_due(s) <= c->now_ms)
            return poll_fds(fds, nfds, 0);
        wake = min3(deadline_ms, sim_next_event_ms(pl), reap);
        if (sim_late_due(s) < wake)
            wake = sim_late_due(s);
        if (s->wake_ms > c->now_ms && s->wake_ms < wake)
            wake = s->wake_ms;
        /* Round up so that the clock has reached wake on return; wake up at
         * least every second of real time all the same. */
        ms = (double)(wake - c->now_ms) / c->speed + 1;
        r = poll_fds(fds, nfds, ms > 1000 ? 1000 : (int)ms);
        if (r != 0) {
            sim_sync(pl);
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
    if (s->pl.disconnected)
        return PLM_EIO;
    if (s->pl.finished)
        return PLM_ENOENT;
    r = s->pl.m.clock.speed > 0 ? wait_real(s, fds, nfds, deadline_ms)
                                : wait_fast(s, fds, nfds, deadline_ms);
    if (s->pl.disconnected)
        return PLM_EIO;
    if (s->pl.finished)
        return PLM_ENOENT;
    return r < 0 ? r : 0;
}
