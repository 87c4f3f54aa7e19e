/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The plan the leader publishes under /xenplm/<pool>/plan (issue 14), as
 * text, and back: every host reads it for `xenplm pool plan`, as
 * untrusted input (each line, word, number and name checked, in order,
 * nothing else accepted).  Pure: no I/O, no clock.
 */
#ifndef XENPLM_DAEMON_POOL_PLANTEXT_H
#define XENPLM_DAEMON_POOL_PLANTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/endpoint.h"
#include "engine/pool_plan.h"

/* What a published plan says besides its moves. */
struct pin_plan_meta {
    const char *leader; /* the host that planned */
    int64_t revision;   /* its election revision (the fencing token) */
    uint64_t at_ms;     /* when, Unix milliseconds */
};

#define PIN_PLAN_MAX                                                                               \
    (512 + PP_MAX_MOVES * (PP_UUID_MAX + 3 * PP_NAME_MAX + 2 * (PLM_POOL_NAME_MAX + 1) + 64))

/*
 * The plan as text, one "word value..." line each:
 *   xenplm-plan 1 / leader H / revision R / at MS / hosts N / domains N /
 *   work N / cut yes|no / held N / stuck N / moves N /
 *   then per move: move UUID NAME FROM TO REASON LEVEL GAIN
 * (NAME with bytes other than letters, digits, '.', '_', '-' as %XX).
 * 0, or PLM_ERANGE when buf is too small.
 */
int pin_encode_plan(const struct pin_plan_meta *m, const struct pp_plan *plan,
                    const struct pp_host *hosts, size_t nhosts, const struct pp_domain *doms,
                    size_t ndoms, char *buf, size_t len, size_t *out_len);

/* A plan read back. */
struct pin_plan_move {
    char uuid[PP_UUID_MAX];
    char name[3 * PP_NAME_MAX]; /* as published: %XX escaped */
    char from[PLM_POOL_NAME_MAX + 1], to[PLM_POOL_NAME_MAX + 1];
    enum pp_reason reason;
    unsigned level;
    int64_t gain;
};
struct pin_plan_read {
    char leader[PLM_POOL_NAME_MAX + 1];
    int64_t revision;
    uint64_t at_ms;
    size_t hosts, domains, work, held, stuck, nmoves;
    bool cut;
    struct pin_plan_move move[PP_MAX_MOVES];
};

/* 0, or PLM_EINVAL (anything but what pin_encode_plan writes, within bounds). */
int pin_decode_plan(const char *v, size_t len, struct pin_plan_read *out);

#endif
