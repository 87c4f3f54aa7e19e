/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's request: the one value a guest agent writes, at
 * /local/domain/<domid>/data/xenplm/request.
 *
 * A whole request lives in a single key so that every update is atomic:
 * the daemon never sees the CPU line of one request next to the memory line
 * of another.  The value (documented in xenplm-protocol(7)) is
 *
 *     xenplm-request 1
 *     seq 42
 *     cpu pct 50 120 200
 *     mem mib 512 768 1024
 *
 * with every line ending in LF: a version header, a sequence number the
 * daemon acknowledges, and one line per resource naming its unit and the
 * cumulative amount wanted for priority levels 1, 2, ... in turn.  CPU is
 * counted in hundredths of a physical CPU ("pct": 150 is one and a half
 * pCPUs), memory in MiB.  Amounts take up to three decimal places and are
 * decoded to plm_amt_t ticks, so a decoded resource is exactly the level
 * table of a struct plm_request.
 *
 * Decoding is strict, never allocates, never reads past the given length
 * and explains every refusal in a short text fit to hand back to the guest.
 * Nothing here knows about Xen or does I/O.
 */
#ifndef XENPLM_PROTOCOL_REQUEST_H
#define XENPLM_PROTOCOL_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/amount.h"
#include "core/arbiter.h"
#include "protocol/text.h"

/* The version this code reads and writes. */
#define PROTO_REQUEST_VERSION 1

/* Longest value proto_request_encode can produce (well under PROTO_VALUE_MAX). */
#define PROTO_REQUEST_ENCODED_MAX 600

enum proto_resource {
    PROTO_RES_CPU = 0, /* "cpu", unit "pct": hundredths of a physical CPU */
    PROTO_RES_MEM = 1, /* "mem", unit "mib": MiB */
};
#define PROTO_NRES 2

/* Bits of proto_request.flags. */
#define PROTO_REQ_HAS(res) (1u << (res))      /* the resource's line is present */
#define PROTO_REQ_NORM(res) (0x100u << (res)) /* its levels were normalised */
#define PROTO_REQ_HAS_ANY (PROTO_REQ_HAS(PROTO_RES_CPU) | PROTO_REQ_HAS(PROTO_RES_MEM))
#define PROTO_REQ_NORMALISED (PROTO_REQ_NORM(PROTO_RES_CPU) | PROTO_REQ_NORM(PROTO_RES_MEM))

/* The levels asked for one resource: the level table of a struct plm_request. */
struct proto_levels {
    plm_amt_t level[PLM_MAX_LEVELS]; /* cumulative, level 1 first; ticks */
    unsigned nlevels;                /* 1..PLM_MAX_LEVELS when present */
};

struct proto_request {
    uint64_t seq;
    unsigned flags;                      /* PROTO_REQ_HAS(res), PROTO_REQ_NORM(res) */
    struct proto_levels res[PROTO_NRES]; /* indexed by enum proto_resource */
};

/* Per-resource ceilings for the decoder: anything above is refused. */
struct proto_limits {
    plm_amt_t max[PROTO_NRES]; /* ticks; values above PLM_AMT_MAX mean PLM_AMT_MAX */
};

/*
 * Decode a request value of len bytes (not NUL-terminated).  Returns 0 and
 * fills *out, or returns a negative PLM_E* code, leaves *out untouched and
 * describes the refusal in *err_out (which may be NULL):
 *
 *   PLM_EGRAMMAR   the value does not follow the grammar
 *   PLM_ERANGE     too large a value, a number out of range, an amount above
 *                  its ceiling, or an unsupported version
 *   PLM_EPRECISION an amount with more than three decimal places
 *   PLM_ETOOMANY   more than PLM_MAX_LEVELS levels
 *   PLM_EINVAL     a NULL out, or a NULL buf with len > 0
 *
 * A level asking less than an earlier one is accepted and raised to the
 * earlier amount, which the arbiter would do anyway; the resource's
 * PROTO_REQ_NORM bit says so, so the daemon can tell the guest.  On success
 * the levels are therefore non-decreasing, absent resources and unused
 * levels are zero, and err_out holds rc 0 and an empty text.
 *
 * proto_request_decode applies no ceiling but PLM_AMT_MAX;
 * proto_request_decode_limited also refuses amounts above lim->max (lim
 * may be NULL; a negative ceiling is PLM_EINVAL).
 */
int proto_request_decode(const char *buf, size_t len, struct proto_request *out,
                         struct proto_error *err_out);
int proto_request_decode_limited(const char *buf, size_t len, const struct proto_limits *lim,
                                 struct proto_request *out, struct proto_error *err_out);

/*
 * Write r as a value into buf, NUL-terminated.  Returns its length (without
 * the NUL), PLM_EINVAL when r is not a request the decoder could return
 * (no resource, unknown flags, 0 or too many levels, an amount outside
 * 0..PLM_AMT_MAX, or levels that decrease: normalise first), or PLM_ERANGE
 * when bufsz is too small (PROTO_REQUEST_ENCODED_MAX + 1 always suffices).
 * The PROTO_REQ_NORM bits are ignored: they describe how a text was read,
 * so for every r encoded, proto_request_equal(decode(encode(r)), r).
 */
int proto_request_encode(const struct proto_request *r, char *buf, size_t bufsz);

/*
 * Raise every level that asks less than an earlier one to that amount, for
 * each present resource.  Sets and returns the PROTO_REQ_NORM bits of the
 * resources it changed.
 */
unsigned proto_request_normalise(struct proto_request *r);

/*
 * Same seq, same resources present and the same levels for each; the
 * PROTO_REQ_NORM bits and anything past nlevels are not compared.
 */
bool proto_request_equal(const struct proto_request *a, const struct proto_request *b);

/*
 * The arbiter's view of one resource: out gets the levels, no policy
 * minimum and no maximum (plm_request_init).  0, or PLM_ENOENT when the
 * resource is absent from r (out is then initialised with no levels), or
 * PLM_EINVAL for a bad argument.
 */
int proto_request_to_plm(const struct proto_request *r, enum proto_resource res,
                         struct plm_request *out);

/* "cpu", "mem"; and their units "pct", "mib".  NULL for an unknown resource. */
const char *proto_resource_name(enum proto_resource res);
const char *proto_resource_unit(enum proto_resource res);

#endif
