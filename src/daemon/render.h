/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What `xenplm list`, `show` and `status` print: the daemon's state
 * (state.h) rendered as text for people or as JSON for programs.
 *
 * Pure functions of the state: nothing here reads a clock (the caller
 * passes now_ms, on the same clock as the state's timestamps), changes the
 * state or does I/O beyond writing to the given stream.  The daemon's
 * control handler calls them on a memory stream (control.h).
 *
 * Units follow the policy: CPU in hundredths of a physical CPU, memory in
 * MiB (the port's KiB figures are rounded to the nearest MiB).  Text from
 * outside the daemon (domain names, status and reason texts, paths) is
 * written with every byte that is not printable ASCII replaced by '?', so
 * that nothing can reach the operator's terminal as a control sequence.
 * JSON is written by the one JSON writer (json/jw.h, yajl), compact, one
 * document on one line; invalid UTF-8 in a string becomes U+FFFD.
 *
 * One file per view: render_list.c, render_show.c, render_status.c,
 * render_table.c; render.c holds what they share (render_int.h).
 */
#ifndef XENPLM_DAEMON_RENDER_H
#define XENPLM_DAEMON_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/state.h"

/*
 * Every return 0, or PLM_EIO when the stream reports an error (a memory
 * stream that ran out of memory).
 */

/*
 * A table like `xl list`, a row per domain in the state's order: name, id,
 * where the request comes from, the levels asked for each resource
 * ("100/200/400"), what is granted (CPU, vcpus, memory), the memory
 * target and the memory the domain actually holds, the scheduler weight
 * and cap, and flags (override, rejected, uncooperative, limited, dying,
 * gone, paused).  JSON: {"paused": ..., "domains": [...]}.
 */
int render_list(FILE *f, const struct dmn_state *s, bool json);

/*
 * Everything about one domain of s: the policy rule it matched, its last
 * request (seq, age, status), and for each resource what it asked, what
 * the arbiter saw and decided (raw, rounded, floor, satisfied and levelled
 * levels, water, why), the reason of the last change, the trigger's
 * streaks and any override; then what is enforced and its counters.
 */
int render_show(FILE *f, const struct dmn_state *s, const struct dmn_domain *d, uint64_t now_ms,
                bool json);

/* Daemon-wide: policy, pause, uptime, host facts, pools and counters. */
int render_status(FILE *f, const struct dmn_state *s, uint64_t now_ms, bool json);

/*
 * The allocation table xenplmd prints when allocations change (--table,
 * and on the simulated host): the pools, then per domain the grants, the
 * memory target and actual (MiB, rounded to the nearest) and why the CPU
 * grant last changed.  now_ms dates it from the daemon's start; it is
 * numbered by s->stats.allocations (1 for the first allocation in force).
 */
int render_table(FILE *f, const struct dmn_state *s, uint64_t now_ms);

/*
 * The reply to `xenplm set`: "NAME: override set" (or cleared), then a
 * line for each resource whose amount is above what the domain may be
 * granted, "  cpu=1000 clamped to 200, its vcpus (2 x 100)": an
 * override is held to the policy's maximum, the domain's maxmem and its
 * vcpus x 100, whatever was asked.
 */
int render_override(FILE *f, const struct dmn_domain *d);

/*
 * The state as Prometheus metrics, in the text exposition format that
 * node_exporter's textfile collector reads (render_metrics.c; every
 * family is listed in xenplmd(8), PROMETHEUS METRICS).  Label values (domain names)
 * are escaped as the format says, and anything but printable ASCII in
 * them becomes '?'.
 */
int render_metrics(FILE *f, const struct dmn_state *s);

/* A duration as the shortest readable text: "850ms", "12s", "5m07s",
 * "2h03m", "3d04h".  Returns buf. */
#define RENDER_DURATION_MAX 32
char *render_duration(uint64_t ms, char buf[RENDER_DURATION_MAX]);

#endif
