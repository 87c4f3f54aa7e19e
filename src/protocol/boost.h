/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's boost: part of its CPU request marked time-critical for a
 * bounded time (xenplm-protocol(7), BOOST), in a key of its own,
 * /local/domain/<domid>/data/xenplm/boost, next to the request:
 *
 *     xenplm-boost 1
 *     seq 42
 *     cpu pct 150
 *     for ms 5000
 *
 * every line ending in LF, in this order: a version header; the seq of
 * the request it goes with; the CPU, counted from 0, that is
 * time-critical (served at the guest's first level while the boost
 * lasts, never more than the request's own highest CPU level); and for
 * how long, in milliseconds (0 ends a running boost).
 *
 * Why a key of its own: the request decoder of a daemon that predates
 * the boost refuses a line it does not know, so a boost line inside the
 * request would have an old daemon refuse the whole request.  An old
 * daemon never reads this key; a new daemon watches it, reads it with
 * the next request when it was written since its last read (so the guest
 * writes it before the request), and takes it only when its seq is the
 * request's, so an old agent (that
 * never writes it) and a stale boost change nothing.
 *
 * Decoding is strict, never allocates, never reads past the given length
 * and explains every refusal in a short text fit for the guest.  Pure.
 */
#ifndef XENPLM_PROTOCOL_BOOST_H
#define XENPLM_PROTOCOL_BOOST_H

#include <stddef.h>
#include <stdint.h>

#include "core/amount.h"
#include "protocol/text.h"

#define PROTO_BOOST_VERSION 1
/* Longest boost value read: more is refused (far above the longest
 * valid one, which PROTO_BOOST_ENCODED_MAX bounds). */
#define PROTO_BOOST_VALUE_MAX 128
/* Longest value proto_boost_encode writes. */
#define PROTO_BOOST_ENCODED_MAX 96
/* Longest boost a guest may ask for, in ms: an hour (a policy's budget
 * holds it to much less). */
#define PROTO_BOOST_FOR_MAX_MS 3600000u

struct proto_boost {
    uint64_t seq;    /* the request it goes with */
    plm_amt_t cpu;   /* the time-critical CPU, hundredths of a pCPU, ticks */
    uint64_t for_ms; /* 0: end a running boost */
};

/*
 * Decode a boost value of len bytes (not NUL-terminated).  Returns 0 and
 * fills *out, or a negative PLM_E* code with *out untouched and the
 * refusal in *err_out (may be NULL): PLM_EGRAMMAR, PLM_ERANGE (too large
 * a value, an unsupported version, a number out of range, an amount above
 * max_cpu, a duration above PROTO_BOOST_FOR_MAX_MS), PLM_EPRECISION, or
 * PLM_EINVAL (a NULL out, a NULL buf with len > 0, a negative max_cpu).
 * max_cpu is the ceiling on the amount (PLM_AMT_MAX for none).
 */
int proto_boost_decode(const char *buf, size_t len, plm_amt_t max_cpu, struct proto_boost *out,
                       struct proto_error *err_out);

/* Write b into buf, NUL-terminated: its length, PLM_EINVAL for a boost
 * the decoder could not return, PLM_ERANGE when bufsz is too small
 * (PROTO_BOOST_ENCODED_MAX + 1 always suffices). */
int proto_boost_encode(const struct proto_boost *b, char *buf, size_t bufsz);

#endif
