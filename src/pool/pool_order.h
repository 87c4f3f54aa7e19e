/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Orders (issue 14, automatic mode): what the leader tells a host to
 * migrate, and what that host says of it, as etcd keys and values, and
 * back.  Pure functions, no I/O, no clock.
 *
 * Keys, under /xenplm/<pool>/orders/<source>/ (<source>: the host that
 * holds the domain and is to send it):
 *   <uuid>         the order, written by the leader in a txn fenced on
 *                  its election revision, no lease (it outlives the
 *                  leader that wrote it; the revision in it says whose);
 *   <uuid>/state   its state, written by the source host only: accepted
 *                  (created only while absent, so an order is accepted
 *                  at most once), running with a percentage, then done,
 *                  failed or refused with the reason.
 * A value is text, one "word value..." line each, in a fixed order,
 * single spaces, each line ending in a newline, as the pool's records
 * have it (pool_record.h); names and reasons with bytes other than
 * letters, digits, '.', '_', '-' are written %XX.
 *
 * The decoders read what etcd holds as untrusted input (anybody with
 * write access to etcd may have written it): a value is accepted only
 * when it is exactly what the encoder writes for what it says.
 */
#ifndef XENPLM_POOL_POOL_ORDER_H
#define XENPLM_POOL_POOL_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/endpoint.h"
#include "pool/pool_record.h"

#define PORD_ADDR_MAX 255             /* the destination's address, bytes */
#define PORD_WHY_MAX 159              /* a reason, bytes before escaping (DMN_ORDER_WHY_MAX - 1) */
#define PORD_VALUE_MAX 2048           /* the longest value either side accepts */
#define PORD_MS_MAX 10000000000000ull /* Unix milliseconds: year 2286 */

enum pord_reason { PORD_BALANCE = 0, PORD_DRAIN, PORD_MANUAL };
#define PORD_REASONS 3
enum pord_phase { PORD_ACCEPTED = 0, PORD_RUNNING, PORD_DONE, PORD_FAILED, PORD_REFUSED };
#define PORD_PHASES 5

const char *pord_reason_name(enum pord_reason r);
const char *pord_phase_name(enum pord_phase p);
/* Done, failed and refused are final: nothing more is written of the order. */
bool pord_final(enum pord_phase p);

struct pord_order {
    char leader[PLM_POOL_NAME_MAX + 1]; /* the issuing leader's host */
    int64_t revision;                   /* its election revision (the fencing token), > 0 */
    char uuid[PREC_UUID_LEN + 1];       /* the key's: not in the value */
    char name[PREC_NAME_MAX + 1];       /* the domain's, a label */
    char from[PLM_POOL_NAME_MAX + 1];   /* the source: the key's host */
    char to[PLM_POOL_NAME_MAX + 1];     /* the destination host */
    char addr[PORD_ADDR_MAX + 1];       /* where the transport connects to reach it */
    enum pord_reason reason;
    uint64_t at_ms; /* when issued, Unix milliseconds (the leader's wall clock) */
};

struct pord_state {
    int64_t revision; /* the order's revision: which order this state is of */
    uint64_t at_ms;   /* when written, Unix milliseconds (the source's wall clock) */
    enum pord_phase phase;
    unsigned pct;               /* running: 0..100 */
    char why[PORD_WHY_MAX + 1]; /* failed, refused: why (not empty) */
};

/* Whether an address is one orders carry: 1 to PORD_ADDR_MAX bytes of
 * letters, digits and ". _ - : @ [ ]" (a name, user@name, [v6]:port). */
bool pord_addr_ok(const char *a);

/* "/xenplm/<pool>/orders/" (source NULL) or "/xenplm/<pool>/orders/<source>/";
 * 0, or PLM_EINVAL for a bad name or a short buffer. */
int pord_prefix(const char *pool, const char *source, char *buf, size_t len);
/* The order's key, and its state's. */
int pord_order_key(const char *pool, const char *source, const char *uuid, char *buf, size_t len);
int pord_state_key(const char *pool, const char *source, const char *uuid, char *buf, size_t len);

enum pord_kind { PORD_ORDER = 0, PORD_STATE };
/*
 * A key read under /xenplm/<pool>/orders/: its source host (at least
 * PLM_POOL_NAME_MAX + 1 bytes), the domain's uuid, and whether it is the
 * order or its state.  0, or PLM_EINVAL with the reason.
 */
int pord_parse_key(const char *key, size_t len, const char *pool, char *source,
                   char uuid[PREC_UUID_LEN + 1], enum pord_kind *kind, char *err, size_t errlen);

/*
 * An order's value:
 *   xenplm-order 1 / leader H / revision R / name NAME / from H / to H /
 *   address A / reason balance|drain|manual / at MS
 * 0, PLM_EINVAL (a field out of its grammar, from = to: the reason in
 * err), PLM_ERANGE (buf too small).
 */
int pord_encode_order(const struct pord_order *o, char *buf, size_t len, size_t *out_len, char *err,
                      size_t errlen);
/* The uuid is the key's: left empty. */
int pord_decode_order(const char *v, size_t len, struct pord_order *out, char *err, size_t errlen);

/*
 * A state's value:
 *   xenplm-order-state 1 / revision R / at MS /
 *   state accepted | state running PCT | state done |
 *   state failed WHY | state refused WHY
 */
int pord_encode_state(const struct pord_state *s, char *buf, size_t len, size_t *out_len, char *err,
                      size_t errlen);
int pord_decode_state(const char *v, size_t len, struct pord_state *out, char *err, size_t errlen);

/*
 * `xenplm pool drain` and `xenplm pool migrate`, as the pool thread of
 * the host asked writes them:
 *   /xenplm/<pool>/drain/<host>      the host is in maintenance: the
 *                                    leader moves everything off it
 *                                    (no lease; deleted by --off);
 *   /xenplm/<pool>/moves/<dom>       a manual move, <dom> a uuid or a
 *                                    name (plm_pool_name_ok), no lease;
 *                                    the leader turns it into an order
 *                                    (deleting it) or refuses it:
 *   /xenplm/<pool>/moves/<dom>/answer  why, as an order's state (refused).
 * Both values: "xenplm-drain 1" or "xenplm-move 1", then [to HOST for a
 * move], by HOST (the host asked), at MS.
 */
struct pord_request {
    bool move;                      /* a move, else a drain */
    char to[PLM_POOL_NAME_MAX + 1]; /* a move's destination */
    char by[PLM_POOL_NAME_MAX + 1]; /* the host whose daemon was asked */
    uint64_t at_ms;
};

/* Whether DOM can name a domain in a move's key: a uuid, or a name
 * as plm_pool_name_ok has it (so at most PORD_DOM_MAX bytes). */
#define PORD_DOM_MAX PLM_POOL_NAME_MAX
bool pord_dom_ok(const char *dom);
/* /xenplm/<pool>/drain/[<host>], /xenplm/<pool>/moves/[<dom>][/answer]
 * (what NULL leaves out); 0 or PLM_EINVAL. */
int pord_drain_key(const char *pool, const char *host, char *buf, size_t len);
int pord_move_key(const char *pool, const char *dom, bool answer, char *buf, size_t len);
/* A key under /xenplm/<pool>/drain/ or moves/: its last part (host or
 * at least PLM_POOL_NAME_MAX + 1 bytes; dom, PORD_DOM_MAX + 1) and, for moves, whether it is an
 * answer; 0 or PLM_EINVAL. */
int pord_parse_drain_key(const char *key, size_t len, const char *pool, char *host);
int pord_parse_move_key(const char *key, size_t len, const char *pool, char *dom, bool *answer);
int pord_encode_request(const struct pord_request *r, char *buf, size_t len, size_t *out_len,
                        char *err, size_t errlen);
int pord_decode_request(const char *v, size_t len, bool move, struct pord_request *out, char *err,
                        size_t errlen);

#endif
