/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulator's bottom layer: the virtual clock, and the log that stamps
 * every message with it.  Time is virtual milliseconds from the start of
 * the scenario.  At speed 0 it moves only when a layer above runs it on;
 * at speed > 0 it follows the real monotonic clock, scaled, and
 * sim_clock_real_now says where real time has taken it.  Calls nothing
 * else of the simulator.
 */
#ifndef XENPLM_SIM_SIM_CLOCK_H
#define XENPLM_SIM_SIM_CLOCK_H

#include <stdint.h>

#include "sim/port_sim.h"

struct sim_clock {
    uint64_t now_ms;       /* virtual time: the host model has run up to here */
    double speed;          /* virtual ms per real ms; 0 = as fast as possible */
    uint64_t real_base_ns; /* speed > 0: CLOCK_MONOTONIC when virtual time was virt_base_ms */
    uint64_t virt_base_ms;

    port_sim_log_fn log; /* NULL: messages are dropped */
    void *log_ctx;
};

/* At 0 ms, speed as given, errors to stderr. */
void sim_clock_init(struct sim_clock *c, double speed);
/* CLOCK_MONOTONIC in ns. */
uint64_t sim_real_ns(void);
/* Where virtual time stands on the real clock (speed > 0); now_ms at speed 0. */
uint64_t sim_clock_real_now(const struct sim_clock *c);
/* Virtual time was moved on by ms by hand: keep the real clock from pulling it back. */
void sim_clock_skip(struct sim_clock *c, uint64_t ms);

/* "[s.mmm] message" to the log; errno is preserved. */
#if defined(__GNUC__)
void sim_log(const struct sim_clock *c, enum port_sim_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#endif
void sim_log(const struct sim_clock *c, enum port_sim_log_level level, const char *fmt, ...);

#endif
