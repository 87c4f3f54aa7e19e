/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a host publishes of itself in a pool (issue 14), as etcd keys and
 * values, and back: pure functions, no I/O, no clock.
 *
 * Keys, under the host's prefix /xenplm/<pool>/hosts/<host>/:
 *   host             the host: what its guests share, its free memory,
 *                    its headroom, how many domain records it has;
 *   domains/<uuid>   one per domain: its name, its per-level requests,
 *                    its grant, the memory it holds, whether it may be
 *                    migrated, its tags, when it was last migrated.
 * A value is text, one "word value..." line each, in a fixed order,
 * single spaces, each line ending in a newline, nothing after the last
 * (xenplmd(8), POOL RECORDS, shows both).  The host record's last line,
 * "address A", is there only when the host gives an address for
 * migrations (the policy's pool address): a record without it reads as
 * a host reached by its name.  Amounts are decimals with at
 * most three places (core/amount.h): hundredths of a pCPU, MiB.  The
 * last migration is a time (Unix seconds, 0: not known), not an age, so
 * that a record changes only when the domain does.
 *
 * The encoder writes a host's whole set, sorted by key; the diff says
 * which of them to write and which earlier keys to delete, so that a
 * round publishes only what changed.  The decoders read what other hosts
 * wrote, as untrusted input: every size, word, number, order and name is
 * checked, and anything else is refused with the reason.
 */
#ifndef XENPLM_POOL_POOL_RECORD_H
#define XENPLM_POOL_POOL_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/endpoint.h"
#include "core/amount.h"

#define PREC_MAX_DOMAINS 1024 /* domain records of one host */
#define PREC_LEVELS 16        /* PLM_MAX_LEVELS */
#define PREC_MAX_TAGS 8
#define PREC_TAG_MAX 31                   /* bytes, a name as plm_pool_name_ok has it */
#define PREC_NAME_MAX 256                 /* a domain's name, bytes before escaping */
#define PREC_UUID_LEN 36                  /* lower case, 8-4-4-4-12 */
#define PREC_KEY_MAX 256                  /* the longest key, with its NUL */
#define PREC_VALUE_MAX 4096               /* the longest value either side accepts */
#define PREC_MIGRATED_MAX 100000000000ull /* Unix seconds: year 5138 */

struct prec_host {
    plm_amt_t cpu;      /* what its guests share: hundredths of a pCPU */
    plm_amt_t memory;   /* and MiB */
    plm_amt_t free;     /* MiB free in Xen */
    plm_amt_t headroom; /* MiB kept free */
    size_t ndomains;    /* domain records (written by the encoder, read by the decoder) */
    /* Its address for migrations (plm_mig_address_check), "" when it
     * gives none: it is then reached by its name in the pool. */
    char address[PLM_MIG_ADDR_MAX + 1];
};

struct prec_domain {
    char uuid[PREC_UUID_LEN + 1];
    char name[PREC_NAME_MAX + 1];
    /* Cumulative requests, level by level from 1 (never decreasing). */
    plm_amt_t cpu[PREC_LEVELS], mem[PREC_LEVELS];
    unsigned ncpu, nmem;
    plm_amt_t grant_cpu, grant_mem; /* what it is granted now */
    plm_amt_t memory;               /* MiB it holds: what a migration moves */
    bool migratable;
    char tags[PREC_MAX_TAGS][PREC_TAG_MAX + 1];
    unsigned ntags;
    uint64_t migrated_at; /* Unix seconds of its last migration, 0: not known */
};

struct prec_kv {
    char key[PREC_KEY_MAX];
    char *value; /* malloc'd, NUL-terminated */
    size_t len;
};

/* A host's records, sorted by key. */
struct prec_set {
    struct prec_kv *kv;
    size_t n;
};

/* "/xenplm/<pool>/hosts/<host>/" into buf; PLM_EINVAL for a bad name. */
int prec_prefix(const char *pool, const char *host, char *buf, size_t len);

/* A bounded text being written (values, keys' parts): what does not fit
 * sets full, which sticks; the writers of records, orders and plans. */
struct prec_out {
    char *buf;
    size_t len, at; /* its size, and what is written (NUL-terminated) */
    bool full;
};
void prec_put(struct prec_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A name's bytes, with every byte but [A-Za-z0-9._-] as %XX. */
void prec_put_name(struct prec_out *o, const char *s);

/* Whether u is a uuid as records hold it: 36 bytes, lower-case hex, 8-4-4-4-12. */
bool prec_uuid_ok(const char *u);

/* Whether a name's byte is written as it is ([A-Za-z0-9._-]); every other
 * byte is written %XX. */
bool prec_plain_byte(unsigned char c);

/*
 * The records of host in pool: its host record and one per domain.
 * out is overwritten (free it with prec_set_free).  0, PLM_EINVAL (a bad
 * name, uuid, tag, level or amount, or two domains with one uuid: the
 * reason in err), PLM_ETOOMANY (more than PREC_MAX_DOMAINS), PLM_ENOMEM.
 */
int prec_encode(const char *pool, const char *host, const struct prec_host *h,
                const struct prec_domain *doms, size_t ndoms, struct prec_set *out, char *err,
                size_t errlen);
void prec_set_free(struct prec_set *s);

/*
 * What to publish to go from old (what was last written, maybe empty) to
 * cur: put[] receives the indices in cur of the records that are new or
 * changed, del[] the indices in old of the keys cur no longer has (each
 * array as large as its set).  Both sets sorted by key, or PLM_EINVAL.
 */
int prec_diff(const struct prec_set *old, const struct prec_set *cur, size_t *put, size_t *nput,
              size_t *del, size_t *ndel);

/*
 * The old side of a diff from the keys etcd holds under our prefix, as a
 * keys-only range read returns them (values unknown: each of them is
 * rewritten).  A key that cannot be one of ours is left out and counted
 * in *skipped: one holding a NUL (etcd's keys are bytes, and any writer
 * may put one there; as a C string it would name another key, and break
 * the set's order), one too long, or one out of order (a reply that is
 * not what etcd sends).  out is overwritten.  0 or PLM_ENOMEM.
 */
struct etcd_kv;
int prec_set_from_keys(const struct etcd_kv *kvs, size_t n, struct prec_set *out, size_t *skipped);

enum prec_kind { PREC_HOST = 0, PREC_DOMAIN };

/*
 * A key read under /xenplm/<pool>/hosts/: whose it is (host, at least
 * PLM_POOL_NAME_MAX + 1 bytes) and what (the host record, or a domain's,
 * whose uuid is filled).  0, or PLM_EINVAL with the reason.
 */
int prec_parse_key(const char *key, size_t len, const char *pool, char *host, enum prec_kind *kind,
                   char uuid[PREC_UUID_LEN + 1], char *err, size_t errlen);

/* A value read back, strictly; 0, or PLM_EINVAL with the reason (*out undefined). */
int prec_decode_host(const char *v, size_t len, struct prec_host *out, char *err, size_t errlen);
/* The uuid is the key's: not in the value, left empty. */
int prec_decode_domain(const char *v, size_t len, struct prec_domain *out, char *err,
                       size_t errlen);

#endif
