/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A host's pool records (src/pool/pool_record.c and _decode.c): the
 * encoding of a host and of a domain, key by key; the diff against what
 * was published; what the encoder refuses; every way the strict
 * decoders refuse a record another host (or anybody with write access
 * to etcd) wrote; the keys; and, over random hosts, that what is encoded
 * decodes to what it was.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "pool/etcd.h"
#include "pool/pool_record.h"
#include "tests/unit/suite_run.h"

#define U(x) PLM_UNITS(x)
#define UA "0b5c7a4e-1111-4c57-8e21-5a7b9c0d1e2f"
#define UB "6f1c2a9e-0d3b-4c57-8e21-5a7b9c0d1e2f"

static const struct prec_host host = {U(3100), U(65536), U(20480), U(2048), 0, ""};

static void dom(struct prec_domain *d, const char *uuid, const char *name)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->cpu[0] = U(50);
    d->cpu[1] = 120500;
    d->ncpu = 2;
    d->mem[0] = U(1024);
    d->nmem = 1;
    d->grant_cpu = U(100);
    d->grant_mem = U(1024);
    d->memory = U(1024);
    d->migratable = true;
    snprintf(d->tags[0], sizeof(d->tags[0]), "web");
    snprintf(d->tags[1], sizeof(d->tags[1]), "eu-1");
    d->ntags = 2;
    d->migrated_at = 1765000000;
}

START_TEST(encodes_keys_and_values)
{
    struct prec_domain d[2];
    struct prec_set s;
    char err[256];

    /* Given out of order: the set comes sorted by key. */
    dom(&d[0], UB, "web 1");
    dom(&d[1], UA, "db");
    d[1].ncpu = 0;
    d[1].migratable = false;
    d[1].ntags = 0;
    d[1].migrated_at = 0;
    ck_assert_int_eq(prec_encode("rack-1", "xen-a", &host, d, 2, &s, err, sizeof(err)), 0);
    ck_assert_uint_eq(s.n, 3);
    ck_assert_str_eq(s.kv[0].key, "/xenplm/rack-1/hosts/xen-a/domains/" UA);
    ck_assert_str_eq(s.kv[1].key, "/xenplm/rack-1/hosts/xen-a/domains/" UB);
    ck_assert_str_eq(s.kv[2].key, "/xenplm/rack-1/hosts/xen-a/host");
    ck_assert_str_eq(s.kv[0].value, "xenplm-domain 1\nname db\ncpu\nmem 1024\ngrant 100 1024\n"
                                    "memory 1024\nmigratable no\ntags\nmigrated 0\n");
    ck_assert_str_eq(s.kv[1].value,
                     "xenplm-domain 1\nname web%201\ncpu 50 120.5\nmem 1024\ngrant 100 1024\n"
                     "memory 1024\nmigratable yes\ntags web eu-1\nmigrated 1765000000\n");
    ck_assert_str_eq(s.kv[2].value, "xenplm-host 1\ncpu 3100\nmemory 65536\nfree 20480\n"
                                    "headroom 2048\ndomains 2\n");
    for (size_t i = 0; i < s.n; i++)
        ck_assert_uint_eq(s.kv[i].len, strlen(s.kv[i].value));
    prec_set_free(&s);
}
END_TEST

/* The diff: what a round writes and deletes. */
START_TEST(diff_writes_only_changes)
{
    struct prec_domain d[3];
    struct prec_set empty = {NULL, 0}, a, b;
    size_t put[8], del[8], np, nd;
    char err[256];

    dom(&d[0], UA, "a");
    dom(&d[1], UB, "b");
    ck_assert_int_eq(prec_encode("p", "h", &host, d, 2, &a, err, sizeof(err)), 0);
    /* First round: everything. */
    ck_assert_int_eq(prec_diff(&empty, &a, put, &np, del, &nd), 0);
    ck_assert_uint_eq(np, 3);
    ck_assert_uint_eq(nd, 0);
    /* Nothing changed: nothing written. */
    ck_assert_int_eq(prec_encode("p", "h", &host, d, 2, &b, err, sizeof(err)), 0);
    ck_assert_int_eq(prec_diff(&a, &b, put, &np, del, &nd), 0);
    ck_assert_uint_eq(np + nd, 0);
    prec_set_free(&b);
    /* One grant changed: that domain's record alone. */
    d[1].grant_cpu = U(150);
    ck_assert_int_eq(prec_encode("p", "h", &host, d, 2, &b, err, sizeof(err)), 0);
    ck_assert_int_eq(prec_diff(&a, &b, put, &np, del, &nd), 0);
    ck_assert_uint_eq(np, 1);
    ck_assert_uint_eq(nd, 0);
    ck_assert_str_eq(b.kv[put[0]].key, "/xenplm/p/hosts/h/domains/" UB);
    prec_set_free(&b);
    /* A domain gone: its key deleted, the host's count written. */
    ck_assert_int_eq(prec_encode("p", "h", &host, d, 1, &b, err, sizeof(err)), 0);
    ck_assert_int_eq(prec_diff(&a, &b, put, &np, del, &nd), 0);
    ck_assert_uint_eq(np, 1);
    ck_assert_str_eq(b.kv[put[0]].key, "/xenplm/p/hosts/h/host");
    ck_assert_uint_eq(nd, 1);
    ck_assert_str_eq(a.kv[del[0]].key, "/xenplm/p/hosts/h/domains/" UB);
    prec_set_free(&b);
    /* A domain new (and b's grant as first published): its record and the host's. */
    d[1].grant_cpu = U(100);
    dom(&d[2], "ffffffff-0000-4000-8000-000000000000", "c");
    ck_assert_int_eq(prec_encode("p", "h", &host, d, 3, &b, err, sizeof(err)), 0);
    ck_assert_int_eq(prec_diff(&a, &b, put, &np, del, &nd), 0);
    ck_assert_uint_eq(np, 2);
    ck_assert_uint_eq(nd, 0);
    ck_assert_str_eq(b.kv[put[0]].key,
                     "/xenplm/p/hosts/h/domains/ffffffff-0000-4000-8000-000000000000");
    /* Unsorted input is refused. */
    struct prec_kv t = b.kv[0];
    b.kv[0] = b.kv[1];
    b.kv[1] = t;
    ck_assert_int_eq(prec_diff(&a, &b, put, &np, del, &nd), PLM_EINVAL);
    prec_set_free(&a);
    prec_set_free(&b);
}
END_TEST

/* The old side of a diff from the keys etcd holds: a key with a NUL
 * (etcd's keys are bytes), one too long and one out of order are left
 * out, counted, and the diff against the host's records stays whole. */
START_TEST(keys_read_back)
{
    static char ka[] = "/xenplm/p/hosts/h/domains/" UA,
                kn[] = "/xenplm/p/hosts/h/domains/" UA "\0/x",
                kb[] = "/xenplm/p/hosts/h/domains/" UB, k0[] = "/xenplm/p/hosts/h/domains/00",
                kh[] = "/xenplm/p/hosts/h/host";
    char long_key[PREC_KEY_MAX + 8];
    memset(long_key, 'k', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    /* In etcd's (byte) order but for k0, which comes after kb. */
    struct etcd_kv kvs[] = {
        {.key = ka, .key_len = sizeof(ka) - 1}, {.key = kn, .key_len = sizeof(kn) - 1},
        {.key = kb, .key_len = sizeof(kb) - 1}, {.key = long_key, .key_len = sizeof(long_key) - 1},
        {.key = k0, .key_len = sizeof(k0) - 1}, {.key = kh, .key_len = sizeof(kh) - 1},
    };
    struct prec_domain d[1];
    struct prec_set old, cur;
    size_t put[8], del[8], np, nd, skipped;
    char err[256];

    ck_assert_int_eq(prec_set_from_keys(kvs, 6, &old, &skipped), 0);
    ck_assert_uint_eq(skipped, 3);
    ck_assert_uint_eq(old.n, 3);
    ck_assert_str_eq(old.kv[0].key, "/xenplm/p/hosts/h/domains/" UA);
    ck_assert_str_eq(old.kv[1].key, "/xenplm/p/hosts/h/domains/" UB);
    ck_assert_str_eq(old.kv[2].key, "/xenplm/p/hosts/h/host");
    /* The host has UA alone now: both of its records rewritten (values
     * unknown), UB deleted, and the odd keys neither deleted nor put. */
    dom(&d[0], UA, "a");
    ck_assert_int_eq(prec_encode("p", "h", &host, d, 1, &cur, err, sizeof(err)), 0);
    ck_assert_int_eq(prec_diff(&old, &cur, put, &np, del, &nd), 0);
    ck_assert_uint_eq(np, 2);
    ck_assert_uint_eq(nd, 1);
    ck_assert_str_eq(old.kv[del[0]].key, "/xenplm/p/hosts/h/domains/" UB);
    prec_set_free(&old);
    prec_set_free(&cur);
    /* Nothing there: an empty set. */
    ck_assert_int_eq(prec_set_from_keys(NULL, 0, &old, &skipped), 0);
    ck_assert_uint_eq(old.n + skipped, 0);
    prec_set_free(&old);
}
END_TEST

/* What the encoder refuses: each row one change to a good domain. */
START_TEST(encoder_refuses)
{
    static const struct {
        const char *what;
        int change;
        int rc;
        const char *err;
    } t[] = {
        {"upper-case uuid", 1, PLM_EINVAL, "not a lower-case uuid"},
        {"short uuid", 2, PLM_EINVAL, "not a lower-case uuid"},
        {"no name", 3, PLM_EINVAL, "no name"},
        {"decreasing levels", 4, PLM_EINVAL, "asking less"},
        {"17 levels", 5, PLM_EINVAL, "more than 16 levels"},
        {"negative grant", 6, PLM_EINVAL, "out of range"},
        {"a tag with a slash", 7, PLM_EINVAL, "tag 'a/b'"},
        {"9 tags", 8, PLM_EINVAL, "more than 8 tags"},
        {"migrated in year 5138", 9, PLM_EINVAL, "migration time"},
        {"two domains, one uuid", 10, PLM_EINVAL, "two domains with uuid"},
        {"a bad pool name", 11, PLM_EINVAL, "not a name"},
        {"a bad host name", 12, PLM_EINVAL, "not a name"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct prec_domain d[2];
        struct prec_set s;
        char err[256] = "";
        const char *pool = "p", *hostname = "h";
        size_t n = 1;
        dom(&d[0], UA, "a");
        switch (t[i].change) {
        case 1:
            d[0].uuid[0] = 'B';
            break;
        case 2:
            d[0].uuid[35] = '\0';
            break;
        case 3:
            d[0].name[0] = '\0';
            break;
        case 4:
            d[0].cpu[1] = U(10);
            break;
        case 5:
            d[0].ncpu = 17;
            break;
        case 6:
            d[0].grant_mem = -1;
            break;
        case 7:
            snprintf(d[0].tags[1], sizeof(d[0].tags[1]), "a/b");
            break;
        case 8:
            d[0].ntags = 9;
            break;
        case 9:
            d[0].migrated_at = PREC_MIGRATED_MAX + 1;
            break;
        case 10:
            dom(&d[1], UA, "b");
            n = 2;
            break;
        case 11:
            pool = "rack 1";
            break;
        case 12:
            hostname = "";
            break;
        }
        ck_assert_msg(prec_encode(pool, hostname, &host, d, n, &s, err, sizeof(err)) == t[i].rc,
                      "%s", t[i].what);
        ck_assert_msg(strstr(err, t[i].err), "%s: '%s'", t[i].what, err);
        ck_assert(s.kv == NULL && s.n == 0);
    }
    static struct prec_domain many[PREC_MAX_DOMAINS + 1];
    struct prec_set s;
    char err[256];
    ck_assert_int_eq(prec_encode("p", "h", &host, many, PREC_MAX_DOMAINS + 1, &s, err, sizeof(err)),
                     PLM_ETOOMANY);
}
END_TEST

#define GOOD_DOM                                                                                   \
    "xenplm-domain 1\nname web%201\ncpu 50 120.5\nmem 1024\ngrant 100 1024\nmemory 1024\n"         \
    "migratable yes\ntags web eu-1\nmigrated 1765000000\n"
#define GOOD_HOST "xenplm-host 1\ncpu 3100\nmemory 65536\nfree 20480\nheadroom 2048\ndomains 2\n"

/* Records another host wrote: the good ones read, every bad one refused, saying why. */
START_TEST(decoders_refuse)
{
    static const struct {
        bool host;
        const char *v;
        const char *err; /* NULL: good */
    } t[] = {
        {false, GOOD_DOM, NULL},
        {true, GOOD_HOST, NULL},
        {false,
         "xenplm-domain 1\nname %01%FF\ncpu\nmem\ngrant 0 0\nmemory 0\nmigratable no\n"
         "tags\nmigrated 0\n",
         NULL},
        {false, "xenplm-domain 2\n", "not version 1"},
        {false, "xenplm-domain 1\nname a\n", "'cpu': missing"},
        {false, GOOD_DOM "x\n", "more after the last line"},
        {false, "xenplm-domain 1\nname a\ncpu  50\n", "two spaces"},
        {false, "xenplm-domain 1\nname a\ncpu 50 \n", "two spaces, or one at the end"},
        {false, "xenplm-domain 1\nname a\ncpu 050\n", "plain spelling"},
        {false, "xenplm-domain 1\nname a\ncpu 6.50\n", "plain spelling"},
        {false, "xenplm-domain 1\nname a\ncpu 6.1234\n", "not an amount"},
        {false, "xenplm-domain 1\nname a\ncpu -1\n", "not an amount"},
        {false, "xenplm-domain 1\nname a\ncpu 2000000000\n", "not an amount"},
        {false, "xenplm-domain 1\nname a\ncpu 5 4\n", "asking less"},
        {false, "xenplm-domain 1\nname a\ncpu 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n",
         "too many values"},
        {false, "xenplm-domain 1\nname a b\n", "too many values"},
        {false, "xenplm-domain 1\nname\n", "too few values"},
        {false, "xenplm-domain 1\nname a%2\n", "neither plain nor %XX"},
        {false, "xenplm-domain 1\nname a%2g\n", "a bad %XX"},
        {false, "xenplm-domain 1\nname a%2f\n", "a bad %XX"},
        {false, "xenplm-domain 1\nname %41\n", "stands for NUL or for a plain byte"},
        {false, "xenplm-domain 1\nname %00\n", "stands for NUL or for a plain byte"},
        {false, "xenplm-domain 1\nname a/b\n", "neither plain nor %XX"},
        {false, "xenplm-domain 1\ncpu 1\n", "'name': expected here"},
        {false, "xenplm-domain 1\nname a\ncpu\nmem\ngrant 1\n", "'grant': too few values"},
        {false, "xenplm-domain 1\nname a\ncpu\nmem\ngrant 1 1\nmemory 1\nmigratable maybe\n",
         "neither yes nor no"},
        {false, "xenplm-domain 1\nname a\ncpu\nmem\ngrant 1 1\nmemory 1\nmigratable no\ntags a a\n",
         "a tag given twice"},
        {false, "xenplm-domain 1\nname a\ncpu\nmem\ngrant 1 1\nmemory 1\nmigratable no\ntags -a\n",
         "not a name"},
        {false,
         "xenplm-domain 1\nname a\ncpu\nmem\ngrant 1 1\nmemory 1\nmigratable no\n"
         "tags a b c d e f g h i\n",
         "too many values"},
        {false,
         "xenplm-domain 1\nname a\ncpu\nmem\ngrant 1 1\nmemory 1\nmigratable no\ntags\n"
         "migrated 01\n",
         "plain spelling"},
        {false,
         "xenplm-domain 1\nname a\ncpu\nmem\ngrant 1 1\nmemory 1\nmigratable no\ntags\n"
         "migrated 100000000001\n",
         "out of range"},
        {false,
         "xenplm-domain 1\nname a\ncpu\nmem\ngrant 1 1\nmemory 1\nmigratable no\ntags\n"
         "migrated 99999999999999999999999\n",
         "plain spelling"},
        {false,
         "xenplm-domain 1\nname a\ncpu\nmem\ngrant 1 1\nmemory 1\nmigratable no\ntags\n"
         "migrated 0",
         "no end"},
        {true, "xenplm-host 1\ncpu 1\nmemory 1\nfree 1\nheadroom 1\ndomains 1025\n",
         "out of range"},
        {true, "xenplm-host 1\nmemory 1\n", "'cpu': expected here"},
        {true, "xenplm-host 1\ncpu 1\r\nmemory 1\n", "not an amount"},
        {true, "xenplm-host 1\ncpu 1\nmemory 1\nfree 1\nheadroom 1\ndomains 1\n\n",
         "'address': expected here"},
        {true, GOOD_HOST "address 10.0.0.1\n", NULL},
        {true, GOOD_HOST "address fd00::5\n", NULL},
        {true, GOOD_HOST "address xen-b.example.org\n", NULL},
        {true, GOOD_HOST "address root@xen-b\n", "not a host name or an IP address"},
        {true, GOOD_HOST "address 1.2.3\n", "not a host name or an IP address"},
        {true, GOOD_HOST "address [fd00::5]\n", "not a host name or an IP address"},
        {true, GOOD_HOST "address a b\n", "too many values"},
        {true, GOOD_HOST "address\n", "too few values"},
        {true, GOOD_HOST "address a\naddress b\n", "more after"},
        {true, GOOD_HOST "address a", "no end"},
        {true, "", "missing"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char err[256] = "";
        struct prec_domain d;
        struct prec_host h;
        size_t len = strlen(t[i].v);
        int rc = t[i].host ? prec_decode_host(t[i].v, len, &h, err, sizeof(err))
                           : prec_decode_domain(t[i].v, len, &d, err, sizeof(err));
        if (!t[i].err) {
            ck_assert_msg(rc == 0, "row %zu: %s", i, err);
            continue;
        }
        ck_assert_msg(rc == PLM_EINVAL, "row %zu: accepted", i);
        ck_assert_msg(strstr(err, t[i].err), "row %zu: '%s', not '%s'", i, err, t[i].err);
    }
    /* The good ones, read. */
    struct prec_domain d;
    struct prec_host h;
    char err[256];
    ck_assert_int_eq(prec_decode_domain(GOOD_DOM, strlen(GOOD_DOM), &d, err, sizeof(err)), 0);
    ck_assert_str_eq(d.name, "web 1");
    ck_assert_uint_eq(d.ncpu, 2);
    ck_assert_int_eq(d.cpu[1], 120500);
    ck_assert_str_eq(d.tags[1], "eu-1");
    ck_assert_uint_eq(d.migrated_at, 1765000000);
    ck_assert_int_eq(prec_decode_host(GOOD_HOST, strlen(GOOD_HOST), &h, err, sizeof(err)), 0);
    ck_assert_int_eq(h.free, U(20480));
    ck_assert_uint_eq(h.ndomains, 2);
    /* A NUL inside (found by the fuzz target: a tag "e\0...u-1" read as "e"), and a record
     * over the bound. */
    ck_assert_int_eq(prec_decode_host(GOOD_HOST, strlen(GOOD_HOST) + 1, &h, err, sizeof(err)),
                     PLM_EINVAL);
    static const char nul_tag[] = "xenplm-domain 1\nname a\ncpu\nmem\ngrant 1 1\nmemory 1\n"
                                  "migratable no\ntags e\0u-1\nmigrated 0\n";
    ck_assert_int_eq(prec_decode_domain(nul_tag, sizeof(nul_tag) - 1, &d, err, sizeof(err)),
                     PLM_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "a domain record holding a NUL byte"));
    static char big[PREC_VALUE_MAX + 2];
    memset(big, 'x', sizeof(big) - 1);
    ck_assert_int_eq(prec_decode_domain(big, sizeof(big) - 1, &d, err, sizeof(err)), PLM_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "at most 4096"));
}
END_TEST

START_TEST(keys)
{
    static const struct {
        const char *key;
        int kind; /* -1: refused */
        const char *host, *uuid;
    } t[] = {
        {"/xenplm/p/hosts/xen-a/host", PREC_HOST, "xen-a", ""},
        {"/xenplm/p/hosts/xen-a/domains/" UA, PREC_DOMAIN, "xen-a", UA},
        {"/xenplm/q/hosts/xen-a/host", -1, NULL, NULL},
        {"/xenplm/pp/hosts/xen-a/host", -1, NULL, NULL},
        {"/xenplm/p/hosts//host", -1, NULL, NULL},
        {"/xenplm/p/hosts/-a/host", -1, NULL, NULL},
        {"/xenplm/p/hosts/xen-a", -1, NULL, NULL},
        {"/xenplm/p/hosts/xen-a/hostx", -1, NULL, NULL},
        {"/xenplm/p/hosts/xen-a/domains/0B5C7A4E-1111-4c57-8e21-5a7b9c0d1e2f", -1, NULL, NULL},
        {"/xenplm/p/hosts/xen-a/domains/" UA "/x", -1, NULL, NULL},
        {"/xenplm/p/hosts/xen-a/leader", -1, NULL, NULL},
        {"/xenplm/p/hosts/a234567890123456789012345678901234567890123456789012345678901234/host",
         -1, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char host_[PLM_POOL_NAME_MAX + 1], uuid[PREC_UUID_LEN + 1], err[256];
        enum prec_kind kind;
        int rc =
            prec_parse_key(t[i].key, strlen(t[i].key), "p", host_, &kind, uuid, err, sizeof(err));
        if (t[i].kind < 0) {
            ck_assert_msg(rc == PLM_EINVAL, "%s: accepted", t[i].key);
            continue;
        }
        ck_assert_msg(rc == 0, "%s: %s", t[i].key, err);
        ck_assert_int_eq(kind, t[i].kind);
        ck_assert_str_eq(host_, t[i].host);
        ck_assert_str_eq(uuid, t[i].uuid);
    }
    char buf[PREC_KEY_MAX];
    ck_assert_int_eq(prec_prefix("p", "h", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "/xenplm/p/hosts/h/");
}
END_TEST

static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* Random hosts: each record decodes to what was encoded; keys parse back. */
START_TEST(round_trip)
{
    for (uint32_t seed = 1; seed <= 200; seed++) {
        static struct prec_domain d[40];
        struct prec_set s;
        char err[256];
        size_t n = rnd(&seed) % 40;
        for (size_t i = 0; i < n; i++) {
            struct prec_domain *x = &d[i];
            memset(x, 0, sizeof(*x));
            snprintf(x->uuid, sizeof(x->uuid), "%08x-0000-4000-8000-%012zx", seed, i);
            size_t nl = 1 + rnd(&seed) % PREC_NAME_MAX;
            for (size_t k = 0; k < nl; k++)
                x->name[k] = (char)(1 + rnd(&seed) % 255);
            x->ncpu = rnd(&seed) % (PREC_LEVELS + 1);
            x->nmem = rnd(&seed) % (PREC_LEVELS + 1);
            for (unsigned l = 0; l < x->ncpu; l++)
                x->cpu[l] = (l ? x->cpu[l - 1] : 0) + (plm_amt_t)(rnd(&seed) % 100000);
            for (unsigned l = 0; l < x->nmem; l++)
                x->mem[l] = (l ? x->mem[l - 1] : 0) + (plm_amt_t)(rnd(&seed) % 10000000);
            x->grant_cpu = (plm_amt_t)(rnd(&seed) % 1000000);
            x->grant_mem = PLM_AMT_MAX;
            x->memory = (plm_amt_t)(rnd(&seed) % 100000);
            x->migratable = rnd(&seed) % 2;
            x->ntags = rnd(&seed) % (PREC_MAX_TAGS + 1);
            for (unsigned t = 0; t < x->ntags; t++)
                snprintf(x->tags[t], sizeof(x->tags[t]), "t%u-%u", t, rnd(&seed) % 1000);
            x->migrated_at = rnd(&seed) % 2 ? 0 : PREC_MIGRATED_MAX - rnd(&seed);
        }
        ck_assert_int_eq(prec_encode("pool.a", "host_b", &host, d, n, &s, err, sizeof(err)), 0);
        ck_assert_uint_eq(s.n, n + 1);
        for (size_t k = 0; k < s.n; k++) {
            char hn[PLM_POOL_NAME_MAX + 1], uuid[PREC_UUID_LEN + 1];
            enum prec_kind kind;
            ck_assert_int_le(s.kv[k].len, PREC_VALUE_MAX);
            ck_assert_int_eq(prec_parse_key(s.kv[k].key, strlen(s.kv[k].key), "pool.a", hn, &kind,
                                            uuid, err, sizeof(err)),
                             0);
            ck_assert_str_eq(hn, "host_b");
            if (kind == PREC_HOST) {
                struct prec_host h;
                ck_assert_int_eq(prec_decode_host(s.kv[k].value, s.kv[k].len, &h, err, sizeof(err)),
                                 0);
                ck_assert_uint_eq(h.ndomains, n);
                ck_assert_int_eq(h.headroom, host.headroom);
                continue;
            }
            struct prec_domain got;
            const struct prec_domain *want = NULL;
            for (size_t i = 0; i < n; i++)
                if (strcmp(d[i].uuid, uuid) == 0)
                    want = &d[i];
            ck_assert_ptr_nonnull(want);
            ck_assert_msg(prec_decode_domain(s.kv[k].value, s.kv[k].len, &got, err, sizeof(err)) ==
                              0,
                          "seed %u: %s", seed, err);
            snprintf(got.uuid, sizeof(got.uuid), "%s", uuid);
            ck_assert_str_eq(got.name, want->name);
            ck_assert(memcmp(got.cpu, want->cpu, sizeof(got.cpu)) == 0);
            ck_assert(memcmp(got.mem, want->mem, sizeof(got.mem)) == 0);
            ck_assert_uint_eq(got.ncpu, want->ncpu);
            ck_assert_uint_eq(got.nmem, want->nmem);
            ck_assert_int_eq(got.grant_cpu, want->grant_cpu);
            ck_assert_int_eq(got.grant_mem, want->grant_mem);
            ck_assert_int_eq(got.memory, want->memory);
            ck_assert_int_eq(got.migratable, want->migratable);
            ck_assert_uint_eq(got.ntags, want->ntags);
            for (unsigned t = 0; t < got.ntags; t++)
                ck_assert_str_eq(got.tags[t], want->tags[t]);
            ck_assert_uint_eq(got.migrated_at, want->migrated_at);
        }
        prec_set_free(&s);
    }
}
END_TEST

/* A host's address for migrations: what passes, what is refused, and
 * how the host record carries it (a last line only when there is one). */
START_TEST(addresses)
{
    static const struct {
        const char *a;
        bool ok;
    } t[] = {
        {"xen-b", true},
        {"xen-b.example.org", true},
        {"10.0.0.5", true},
        {"fd00::5", true},
        {"::1", true},
        {"a1.b2", true},
        {"", false},
        {"xen b", false},
        {"root@xen-b", false},
        {"xen-b:22", false},
        {"[fd00::5]", false},
        {"fd00:::5", false},
        {"-xen", false},
        {"xen-.example", false},
        {"xen..example", false},
        {"xen.", false},
        {"1.2.3", false},
        {"1.2.3.256", false},
        {"xen_b", false},
        {"a;reboot", false},
    };
    char err[512], long_label[80], long_name[300];

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        ck_assert_msg((plm_mig_address_check(t[i].a, err, sizeof(err)) == 0) == t[i].ok, "'%s'",
                      t[i].a);
    memset(long_label, 'a', 64);
    long_label[64] = '\0';
    ck_assert_int_eq(plm_mig_address_check(long_label, err, sizeof(err)), PLM_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "longer than 63"));
    for (size_t i = 0; i < sizeof(long_name) - 1; i++)
        long_name[i] = i % 10 == 9 ? '.' : 'a';
    long_name[sizeof(long_name) - 1] = '\0';
    ck_assert_int_eq(plm_mig_address_check(long_name, err, sizeof(err)), PLM_EINVAL);
    ck_assert_int_eq(plm_mig_address_check(NULL, err, sizeof(err)), PLM_EINVAL);

    /* In the host record, and back. */
    struct prec_host h = host, back;
    struct prec_set s;
    snprintf(h.address, sizeof(h.address), "10.1.2.3");
    ck_assert_int_eq(prec_encode("p", "h", &h, NULL, 0, &s, err, sizeof(err)), 0);
    ck_assert_str_eq(s.kv[0].value, "xenplm-host 1\ncpu 3100\nmemory 65536\nfree 20480\n"
                                    "headroom 2048\ndomains 0\naddress 10.1.2.3\n");
    ck_assert_int_eq(prec_decode_host(s.kv[0].value, s.kv[0].len, &back, err, sizeof(err)), 0);
    ck_assert_str_eq(back.address, "10.1.2.3");
    prec_set_free(&s);
    /* None given: no line, and none read back. */
    ck_assert_int_eq(prec_encode("p", "h", &host, NULL, 0, &s, err, sizeof(err)), 0);
    ck_assert_int_eq(prec_decode_host(s.kv[0].value, s.kv[0].len, &back, err, sizeof(err)), 0);
    ck_assert_str_eq(back.address, "");
    prec_set_free(&s);
    /* A bad one is not published. */
    snprintf(h.address, sizeof(h.address), "xen b");
    ck_assert_int_eq(prec_encode("p", "h", &h, NULL, 0, &s, err, sizeof(err)), PLM_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "address 'xen b'"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pool_record");
    TCase *tc = tcase_create("records");
    tcase_add_test(tc, encodes_keys_and_values);
    tcase_add_test(tc, diff_writes_only_changes);
    tcase_add_test(tc, keys_read_back);
    tcase_add_test(tc, addresses);
    tcase_add_test(tc, encoder_refuses);
    tcase_add_test(tc, decoders_refuse);
    tcase_add_test(tc, keys);
    tcase_add_test(tc, round_trip);
    suite_add_tcase(s, tc);
    return check_run(s);
}
