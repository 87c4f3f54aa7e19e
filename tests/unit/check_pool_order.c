/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Orders and their states (src/pool/pool_order.c): the keys, the values
 * as written, what the encoders refuse, every way the strict decoders
 * refuse a value somebody with write access to etcd wrote, and, over
 * random orders and states, that what is encoded decodes to what it was.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "pool/pool_order.h"
#include "tests/unit/suite_run.h"

#define UA "0b5c7a4e-1111-4c57-8e21-5a7b9c0d1e2f"

static void order(struct pord_order *o)
{
    memset(o, 0, sizeof(*o));
    snprintf(o->leader, sizeof(o->leader), "xen-c");
    o->revision = 4711;
    snprintf(o->name, sizeof(o->name), "web 1");
    snprintf(o->from, sizeof(o->from), "xen-a");
    snprintf(o->to, sizeof(o->to), "xen-b");
    snprintf(o->addr, sizeof(o->addr), "root@xen-b.example:22");
    o->reason = PORD_BALANCE;
    o->at_ms = 1765000000123ull;
}

static const char ORDER[] = "xenplm-order 1\nleader xen-c\nrevision 4711\nname web%201\n"
                            "from xen-a\nto xen-b\naddress root@xen-b.example:22\n"
                            "reason balance\nat 1765000000123\n";

START_TEST(keys)
{
    char k[PREC_KEY_MAX], src[PLM_POOL_NAME_MAX + 1], uuid[PREC_UUID_LEN + 1], err[256];
    enum pord_kind kind;

    ck_assert_int_eq(pord_prefix("rack-1", NULL, k, sizeof(k)), 0);
    ck_assert_str_eq(k, "/xenplm/rack-1/orders/");
    ck_assert_int_eq(pord_prefix("rack-1", "xen-a", k, sizeof(k)), 0);
    ck_assert_str_eq(k, "/xenplm/rack-1/orders/xen-a/");
    ck_assert_int_eq(pord_order_key("rack-1", "xen-a", UA, k, sizeof(k)), 0);
    ck_assert_str_eq(k, "/xenplm/rack-1/orders/xen-a/" UA);
    ck_assert_int_eq(pord_parse_key(k, strlen(k), "rack-1", src, uuid, &kind, err, sizeof(err)), 0);
    ck_assert_str_eq(src, "xen-a");
    ck_assert_str_eq(uuid, UA);
    ck_assert_int_eq(kind, PORD_ORDER);
    ck_assert_int_eq(pord_state_key("rack-1", "xen-a", UA, k, sizeof(k)), 0);
    ck_assert_str_eq(k, "/xenplm/rack-1/orders/xen-a/" UA "/state");
    ck_assert_int_eq(pord_parse_key(k, strlen(k), "rack-1", src, uuid, &kind, err, sizeof(err)), 0);
    ck_assert_int_eq(kind, PORD_STATE);
    /* Refused: bad names, a bad uuid, a short buffer. */
    ck_assert_int_eq(pord_prefix("rack 1", NULL, k, sizeof(k)), PLM_EINVAL);
    ck_assert_int_eq(pord_order_key("rack-1", "-a", UA, k, sizeof(k)), PLM_EINVAL);
    ck_assert_int_eq(
        pord_order_key("rack-1", "xen-a", "0B5C7A4E-1111-4c57-8e21-5a7b9c0d1e2f", k, sizeof(k)),
        PLM_EINVAL);
    ck_assert_int_eq(pord_state_key("rack-1", "xen-a", UA, k, 40), PLM_EINVAL);
    static const char *const badkeys[] = {
        "/xenplm/rack-2/orders/xen-a/" UA,
        "/xenplm/rack-1/orders/" UA,
        "/xenplm/rack-1/orders/xen-a/" UA "/stat",
        "/xenplm/rack-1/orders/xen-a/" UA "/statex",
        "/xenplm/rack-1/orders/xen-a/" UA "x",
        "/xenplm/rack-1/orders/xen-a/0b5c7a4e-1111-4c57-8e21-5a7b9c0d1e2F",
        "/xenplm/rack-1/orders/.xen/" UA,
        "/xenplm/rack-1/orders//" UA,
        "/xenplm/rack-1/orders/xen-a/" UA "/state/",
        "/xenplm/rack-1/orders/",
    };
    for (size_t i = 0; i < sizeof(badkeys) / sizeof(*badkeys); i++)
        ck_assert_msg(pord_parse_key(badkeys[i], strlen(badkeys[i]), "rack-1", src, uuid, &kind,
                                     err, sizeof(err)) == PLM_EINVAL,
                      "%s", badkeys[i]);
    /* A NUL inside the key. */
    char nul[] = "/xenplm/rack-1/orders/xen-a/" UA;
    nul[30] = '\0';
    ck_assert_int_eq(
        pord_parse_key(nul, sizeof(nul) - 1, "rack-1", src, uuid, &kind, err, sizeof(err)),
        PLM_EINVAL);
}
END_TEST

START_TEST(encodes)
{
    struct pord_order o;
    struct pord_state s = {.revision = 4711, .at_ms = 1765000000999ull};
    char buf[PORD_VALUE_MAX], err[256];
    size_t n;

    order(&o);
    ck_assert_int_eq(pord_encode_order(&o, buf, sizeof(buf), &n, err, sizeof(err)), 0);
    ck_assert_uint_eq(n, strlen(ORDER));
    ck_assert_str_eq(buf, ORDER);
    static const struct {
        enum pord_phase phase;
        unsigned pct;
        const char *why, *last;
    } st[] = {
        {PORD_ACCEPTED, 0, "", "state accepted\n"},
        {PORD_RUNNING, 0, "", "state running 0\n"},
        {PORD_RUNNING, 100, "", "state running 100\n"},
        {PORD_DONE, 0, "", "state done\n"},
        {PORD_FAILED, 0, "timed out after 600 s", "state failed timed%20out%20after%20600%20s\n"},
        {PORD_REFUSED, 0, "stale", "state refused stale\n"},
    };
    for (size_t i = 0; i < sizeof(st) / sizeof(*st); i++) {
        char want[256];
        s.phase = st[i].phase;
        s.pct = st[i].pct;
        snprintf(s.why, sizeof(s.why), "%s", st[i].why);
        ck_assert_int_eq(pord_encode_state(&s, buf, sizeof(buf), &n, err, sizeof(err)), 0);
        snprintf(want, sizeof(want), "xenplm-order-state 1\nrevision 4711\nat 1765000000999\n%s",
                 st[i].last);
        ck_assert_str_eq(buf, want);
        ck_assert_uint_eq(n, strlen(want));
    }
    ck_assert(pord_final(PORD_DONE) && pord_final(PORD_FAILED) && pord_final(PORD_REFUSED));
    ck_assert(!pord_final(PORD_ACCEPTED) && !pord_final(PORD_RUNNING));
    ck_assert_str_eq(pord_reason_name(PORD_MANUAL), "manual");
    ck_assert_str_eq(pord_phase_name(PORD_REFUSED), "refused");
}
END_TEST

START_TEST(encoders_refuse)
{
    struct pord_order o;
    struct pord_state s;
    char buf[PORD_VALUE_MAX], err[256];
    size_t n;

    for (int c = 0; c < 10; c++) {
        order(&o);
        switch (c) {
        case 0:
            o.leader[0] = '\0';
            break;
        case 1:
            o.revision = 0;
            break;
        case 2:
            o.name[0] = '\0';
            break;
        case 3:
            snprintf(o.to, sizeof(o.to), "xen-a");
            break;
        case 4:
            snprintf(o.from, sizeof(o.from), "xen a");
            break;
        case 5:
            snprintf(o.addr, sizeof(o.addr), "xen b");
            break;
        case 6:
            o.addr[0] = '\0';
            break;
        case 7:
            o.reason = (enum pord_reason)7;
            break;
        case 8:
            o.at_ms = PORD_MS_MAX + 1;
            break;
        case 9:
            memset(o.name, 'x', sizeof(o.name));
            break;
        }
        ck_assert_msg(pord_encode_order(&o, buf, sizeof(buf), &n, err, sizeof(err)) == PLM_EINVAL,
                      "case %d", c);
    }
    order(&o);
    ck_assert_int_eq(pord_encode_order(&o, buf, 40, &n, err, sizeof(err)), PLM_ERANGE);
    for (int c = 0; c < 6; c++) {
        s = (struct pord_state){.revision = 9, .at_ms = 1, .phase = PORD_FAILED};
        snprintf(s.why, sizeof(s.why), "why");
        switch (c) {
        case 0:
            s.revision = -1;
            break;
        case 1:
            s.at_ms = PORD_MS_MAX + 1;
            break;
        case 2:
            s.phase = (enum pord_phase)9;
            break;
        case 3:
            s.why[0] = '\0';
            break;
        case 4:
            s.phase = PORD_RUNNING, s.pct = 101;
            break;
        case 5:
            s.phase = PORD_REFUSED, s.why[0] = '\0';
            break;
        }
        ck_assert_msg(pord_encode_state(&s, buf, sizeof(buf), &n, err, sizeof(err)) == PLM_EINVAL,
                      "case %d", c);
    }
}
END_TEST

/* Each is the good order with one thing changed. */
static const char *const bad_orders[] = {
    "",
    "xenplm-order 2\nleader xen-c\nrevision 4711\nname web%201\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\n",
    "xenplm-order 1\nleader xen c\nrevision 4711\nname web%201\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\n",
    "xenplm-order 1\nleader xen-c\nrevision 04711\nname web%201\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\n",
    "xenplm-order 1\nleader xen-c\nrevision 0\nname web%201\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\n",
    "xenplm-order 1\nleader xen-c\nrevision -4711\nname web%201\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\n",
    "xenplm-order 1\nleader xen-c\nrevision 99999999999999999999\nname web%201\nfrom xen-a\n"
    "to xen-b\naddress root@xen-b.example:22\nreason balance\nat 1765000000123\n",
    "xenplm-order 1\nleader xen-c\nrevision 4711\nname web 1\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\n",
    "xenplm-order 1\nleader xen-c\nrevision 4711\nname web%2x1\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\n",
    "xenplm-order 1\nleader xen-c\nrevision 4711\nname web%61\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\n",
    "xenplm-order 1\nleader xen-c\nrevision 4711\nname web%00\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\n",
    "xenplm-order 1\nleader xen-c\nrevision 4711\nname web%2a\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\n",
    "xenplm-order 1\nleader xen-c\nrevision 4711\nname web%201\nfrom xen-a\nto xen-a\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\n",
    "xenplm-order 1\nleader xen-c\nrevision 4711\nname web%201\nto xen-b\nfrom xen-a\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\n",
    "xenplm-order 1\nleader xen-c\nrevision 4711\nname web%201\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22;rm\nreason balance\nat 1765000000123\n",
    "xenplm-order 1\nleader xen-c\nrevision 4711\nname web%201\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason whim\nat 1765000000123\n",
    "xenplm-order 1\nleader xen-c\nrevision 4711\nname web%201\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 99999999999999\n",
    "xenplm-order 1\nleader xen-c\nrevision 4711\nname web%201\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123",
    "xenplm-order 1\nleader xen-c\nrevision 4711\nname web%201\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\n\n",
    "xenplm-order 1\nleader xen-c\nrevision 4711\nname web%201\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\nextra 1\n",
    "xenplm-order 1\nleader  xen-c\nrevision 4711\nname web%201\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\n",
    "xenplm-order 1\nleader xen-c\nrevision 4711\nname web%201\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance \nat 1765000000123\n",
    "xenplm-order 1\r\nleader xen-c\nrevision 4711\nname web%201\nfrom xen-a\nto xen-b\n"
    "address root@xen-b.example:22\nreason balance\nat 1765000000123\n",
};

static const char *const bad_states[] = {
    "",
    "xenplm-order-state 1\nrevision 4711\nat 1\nstate\n",
    "xenplm-order-state 1\nrevision 4711\nat 1\nstate accepted 5\n",
    "xenplm-order-state 1\nrevision 4711\nat 1\nstate running\n",
    "xenplm-order-state 1\nrevision 4711\nat 1\nstate running 101\n",
    "xenplm-order-state 1\nrevision 4711\nat 1\nstate running 050\n",
    "xenplm-order-state 1\nrevision 4711\nat 1\nstate running 50 \n",
    "xenplm-order-state 1\nrevision 4711\nat 1\nstate failed\n",
    "xenplm-order-state 1\nrevision 4711\nat 1\nstate failed \n",
    "xenplm-order-state 1\nrevision 4711\nat 1\nstate failed out of time\n",
    "xenplm-order-state 1\nrevision 4711\nat 1\nstate refused %41\n",
    "xenplm-order-state 1\nrevision 4711\nat 1\nstate done\nstate done\n",
    "xenplm-order-state 1\nrevision 4711\nat 1\nstate finished\n",
    "xenplm-order-state 1\nrevision 0\nat 1\nstate done\n",
    "xenplm-order-state 1\nat 1\nrevision 4711\nstate done\n",
    "xenplm-order-state 1\nrevision 4711\nat 01\nstate done\n",
    "xenplm-order-state 1\nrevision 4711\nat 1\nstate done",
    "xenplm-order-state 2\nrevision 4711\nat 1\nstate done\n",
};

START_TEST(decoders_refuse)
{
    struct pord_order o;
    struct pord_state s;
    char err[256];

    ck_assert_int_eq(pord_decode_order(ORDER, strlen(ORDER), &o, err, sizeof(err)), 0);
    ck_assert_str_eq(o.name, "web 1");
    ck_assert_str_eq(o.addr, "root@xen-b.example:22");
    ck_assert_int_eq(o.revision, 4711);
    ck_assert_uint_eq(o.at_ms, 1765000000123ull);
    for (size_t i = 0; i < sizeof(bad_orders) / sizeof(*bad_orders); i++) {
        err[0] = '\0';
        ck_assert_msg(pord_decode_order(bad_orders[i], strlen(bad_orders[i]), &o, err,
                                        sizeof(err)) == PLM_EINVAL,
                      "order %zu accepted", i);
        ck_assert_msg(err[0], "order %zu refused without a reason", i);
    }
    /* A NUL inside, and a value past the bound. */
    ck_assert_int_eq(pord_decode_order(ORDER, sizeof(ORDER), &o, err, sizeof(err)), PLM_EINVAL);
    static char big[PORD_VALUE_MAX + 2];
    memset(big, 'x', sizeof(big) - 1);
    ck_assert_int_eq(pord_decode_order(big, strlen(big), &o, err, sizeof(err)), PLM_EINVAL);
    ck_assert_int_eq(pord_decode_state(big, strlen(big), &s, err, sizeof(err)), PLM_EINVAL);
    ck_assert_int_eq(pord_decode_order(NULL, 0, &o, err, sizeof(err)), PLM_EINVAL);
    for (size_t i = 0; i < sizeof(bad_states) / sizeof(*bad_states); i++) {
        err[0] = '\0';
        ck_assert_msg(pord_decode_state(bad_states[i], strlen(bad_states[i]), &s, err,
                                        sizeof(err)) == PLM_EINVAL,
                      "state %zu accepted", i);
        ck_assert_msg(err[0], "state %zu refused without a reason", i);
    }
}
END_TEST

static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* Random orders and states decode to what was encoded; one damaged byte
 * is refused or decodes to something that encodes to the damaged bytes. */
START_TEST(round_trip)
{
    static const char addr_bytes[] = "abcXYZ019._-:@[]";
    for (uint32_t seed = 1; seed <= 500; seed++) {
        struct pord_order o, got;
        struct pord_state s, sgot;
        char buf[PORD_VALUE_MAX], again[PORD_VALUE_MAX], err[256];
        size_t n, m;

        order(&o);
        o.revision = 1 + (int64_t)rnd(&seed) * rnd(&seed);
        size_t nl = 1 + rnd(&seed) % PREC_NAME_MAX;
        for (size_t k = 0; k < nl; k++)
            o.name[k] = (char)(1 + rnd(&seed) % 255);
        o.name[nl] = '\0';
        size_t al = 1 + rnd(&seed) % 40;
        for (size_t k = 0; k < al; k++)
            o.addr[k] = addr_bytes[rnd(&seed) % (sizeof(addr_bytes) - 1)];
        o.addr[al] = '\0';
        o.reason = (enum pord_reason)(rnd(&seed) % PORD_REASONS);
        o.at_ms = rnd(&seed) % 2 ? 0 : PORD_MS_MAX - rnd(&seed);
        ck_assert_int_eq(pord_encode_order(&o, buf, sizeof(buf), &n, err, sizeof(err)), 0);
        ck_assert_msg(pord_decode_order(buf, n, &got, err, sizeof(err)) == 0, "seed %u: %s", seed,
                      err);
        ck_assert_str_eq(got.name, o.name);
        ck_assert_str_eq(got.addr, o.addr);
        ck_assert_str_eq(got.leader, o.leader);
        ck_assert_int_eq(got.revision, o.revision);
        ck_assert_int_eq(got.reason, o.reason);
        ck_assert_uint_eq(got.at_ms, o.at_ms);
        /* Damage one byte. */
        size_t at = rnd(&seed) % n;
        buf[at] = (char)(rnd(&seed) % 256);
        if (pord_decode_order(buf, n, &got, err, sizeof(err)) == 0) {
            ck_assert_int_eq(pord_encode_order(&got, again, sizeof(again), &m, err, sizeof(err)),
                             0);
            ck_assert(m == n && memcmp(again, buf, n) == 0);
        }

        memset(&s, 0, sizeof(s));
        s.revision = o.revision;
        s.at_ms = rnd(&seed);
        s.phase = (enum pord_phase)(rnd(&seed) % PORD_PHASES);
        if (s.phase == PORD_RUNNING)
            s.pct = rnd(&seed) % 101;
        if (s.phase == PORD_FAILED || s.phase == PORD_REFUSED) {
            size_t wl = 1 + rnd(&seed) % PORD_WHY_MAX;
            for (size_t k = 0; k < wl; k++)
                s.why[k] = (char)(1 + rnd(&seed) % 255);
        }
        ck_assert_int_eq(pord_encode_state(&s, buf, sizeof(buf), &n, err, sizeof(err)), 0);
        ck_assert_msg(pord_decode_state(buf, n, &sgot, err, sizeof(err)) == 0, "seed %u: %s", seed,
                      err);
        ck_assert_int_eq(sgot.phase, s.phase);
        ck_assert_uint_eq(sgot.pct, s.pct);
        ck_assert_str_eq(sgot.why, s.why);
        ck_assert_uint_eq(sgot.at_ms, s.at_ms);
    }
}
END_TEST

/* Drains and manual moves: keys and values, both ways, and refusals. */
START_TEST(requests)
{
    char k[PREC_KEY_MAX], part[PORD_DOM_MAX + 1], buf[PORD_VALUE_MAX], err[256];
    struct pord_request r = {.move = true, .to = "xen-b", .by = "xen-a", .at_ms = 42}, got;
    bool answer;
    size_t n;

    ck_assert_int_eq(pord_drain_key("rack-1", "xen-a", k, sizeof(k)), 0);
    ck_assert_str_eq(k, "/xenplm/rack-1/drain/xen-a");
    ck_assert_int_eq(pord_parse_drain_key(k, strlen(k), "rack-1", part), 0);
    ck_assert_str_eq(part, "xen-a");
    ck_assert_int_eq(pord_move_key("rack-1", "web1", false, k, sizeof(k)), 0);
    ck_assert_str_eq(k, "/xenplm/rack-1/moves/web1");
    ck_assert_int_eq(pord_parse_move_key(k, strlen(k), "rack-1", part, &answer), 0);
    ck_assert_str_eq(part, "web1");
    ck_assert(!answer);
    ck_assert_int_eq(pord_move_key("rack-1", UA, true, k, sizeof(k)), 0);
    ck_assert_str_eq(k, "/xenplm/rack-1/moves/" UA "/answer");
    ck_assert_int_eq(pord_parse_move_key(k, strlen(k), "rack-1", part, &answer), 0);
    ck_assert_str_eq(part, UA);
    ck_assert(answer);
    /* A name as long as a pool name may be (63 bytes), longer than a
     * uuid: whole both ways; one byte more is not a name. */
    char longname[PORD_DOM_MAX + 2];
    memset(longname, 'w', PORD_DOM_MAX);
    longname[PORD_DOM_MAX] = '\0';
    ck_assert_int_eq(pord_move_key("rack-1", longname, false, k, sizeof(k)), 0);
    ck_assert_int_eq(pord_parse_move_key(k, strlen(k), "rack-1", part, &answer), 0);
    ck_assert_str_eq(part, longname);
    longname[PORD_DOM_MAX] = 'w';
    longname[PORD_DOM_MAX + 1] = '\0';
    ck_assert_int_eq(pord_move_key("rack-1", longname, false, k, sizeof(k)), PLM_EINVAL);
    ck_assert_int_eq(pord_move_key("rack-1", "web 1", false, k, sizeof(k)), PLM_EINVAL);
    ck_assert_int_eq(pord_drain_key("rack-1", "xen/a", k, sizeof(k)), PLM_EINVAL);
    static const char *const badkeys[] = {
        "/xenplm/rack-1/moves/",   "/xenplm/rack-1/moves/a/b", "/xenplm/rack-1/moves/a/answerx",
        "/xenplm/rack-1/moves/-a", "/xenplm/rack-2/moves/a",   "/xenplm/rack-1/moves//answer",
    };
    for (size_t i = 0; i < sizeof(badkeys) / sizeof(*badkeys); i++)
        ck_assert_msg(pord_parse_move_key(badkeys[i], strlen(badkeys[i]), "rack-1", part,
                                          &answer) == PLM_EINVAL,
                      "%s", badkeys[i]);
    ck_assert_int_eq(pord_parse_drain_key("/xenplm/rack-1/drain/", 21, "rack-1", part), PLM_EINVAL);
    ck_assert_int_eq(pord_parse_drain_key("/xenplm/rack-1/drain/a/b", 24, "rack-1", part),
                     PLM_EINVAL);

    ck_assert_int_eq(pord_encode_request(&r, buf, sizeof(buf), &n, err, sizeof(err)), 0);
    ck_assert_str_eq(buf, "xenplm-move 1\nto xen-b\nby xen-a\nat 42\n");
    ck_assert_int_eq(pord_decode_request(buf, n, true, &got, err, sizeof(err)), 0);
    ck_assert_str_eq(got.to, "xen-b");
    ck_assert_str_eq(got.by, "xen-a");
    ck_assert_uint_eq(got.at_ms, 42);
    ck_assert_int_eq(pord_decode_request(buf, n, false, &got, err, sizeof(err)), PLM_EINVAL);
    r.move = false;
    ck_assert_int_eq(pord_encode_request(&r, buf, sizeof(buf), &n, err, sizeof(err)), 0);
    ck_assert_str_eq(buf, "xenplm-drain 1\nby xen-a\nat 42\n");
    ck_assert_int_eq(pord_decode_request(buf, n, false, &got, err, sizeof(err)), 0);
    static const char *const bad[] = {
        "xenplm-move 1\nto xen-b\nby xen-a\nat 42",
        "xenplm-move 1\nto xen b\nby xen-a\nat 42\n",
        "xenplm-move 1\nby xen-a\nto xen-b\nat 42\n",
        "xenplm-move 1\nto xen-b\nby xen-a\nat 042\n",
        "xenplm-move 1\nto xen-b\nby xen-a\nat 42\nat 42\n",
        "xenplm-move 2\nto xen-b\nby xen-a\nat 42\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        ck_assert_msg(pord_decode_request(bad[i], strlen(bad[i]), true, &got, err, sizeof(err)) ==
                          PLM_EINVAL,
                      "request %zu accepted", i);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pool_order");
    TCase *tc = tcase_create("orders");
    tcase_add_test(tc, keys);
    tcase_add_test(tc, encodes);
    tcase_add_test(tc, encoders_refuse);
    tcase_add_test(tc, decoders_refuse);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, requests);
    suite_add_tcase(s, tc);
    return check_run(s);
}
