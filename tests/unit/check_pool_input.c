/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The leader's pure steps (src/pool/pool_input.c): decoded records to the
 * planner's hosts and domains (fields, order, a domain listed by two
 * hosts, cooldowns from etcd and from the last migration, bounds), a
 * cooldown key's value, and the plan's published text.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "daemon/pool_input.h"
#include "daemon/pool_orderplan.h"
#include "daemon/pool_plantext.h"
#include "suite_run.h"

#define U1 "00000000-0000-4000-8000-000000000001"
#define U2 "00000000-0000-4000-8000-000000000002"
#define U3 "00000000-0000-4000-8000-000000000003"

static struct prec_domain dom(const char *uuid, const char *name, plm_amt_t c1, plm_amt_t c2,
                              plm_amt_t mem, uint64_t migrated)
{
    struct prec_domain d;
    memset(&d, 0, sizeof(d));
    snprintf(d.uuid, sizeof(d.uuid), "%s", uuid);
    snprintf(d.name, sizeof(d.name), "%s", name);
    d.cpu[0] = c1;
    d.cpu[1] = c2;
    d.ncpu = 2;
    d.mem[0] = mem;
    d.nmem = 1;
    d.memory = mem;
    d.migratable = true;
    d.migrated_at = migrated;
    return d;
}

START_TEST(builds_hosts_and_domains)
{
    struct prec_domain d[3] = {dom(U1, "db", PLM_UNITS(100), PLM_UNITS(200), PLM_UNITS(4096), 0),
                               dom(U2, "web", PLM_UNITS(50), PLM_UNITS(50), PLM_UNITS(1024), 0),
                               dom(U3, "idle", 0, 0, PLM_UNITS(512), 0)};
    snprintf(d[1].tags[0], sizeof(d[1].tags[0]), "web");
    d[1].ntags = 1;
    d[2].migratable = false;
    struct pin_host h[2] = {
        {.name = "xen-a",
         .rec = {.cpu = PLM_UNITS(300), .free = PLM_UNITS(1000), .headroom = PLM_UNITS(256)},
         .first = 0,
         .n = 2},
        {.name = "xen-b",
         .rec = {.cpu = PLM_UNITS(800), .free = PLM_UNITS(30000)},
         .first = 2,
         .n = 1},
    };
    struct pin_input in = {.hosts = h, .nhosts = 2, .doms = d, .ndoms = 3};
    struct pp_host oh[4];
    struct pp_domain od[4];
    size_t nh, nd, dups;

    ck_assert_int_eq(pin_build(&in, oh, 4, od, 4, &nh, &nd, &dups), 0);
    ck_assert_uint_eq(nh, 2);
    ck_assert_uint_eq(nd, 3);
    ck_assert_uint_eq(dups, 0);
    ck_assert_str_eq(oh[0].name, "xen-a");
    ck_assert_int_eq(oh[0].cpu, PLM_UNITS(300));
    ck_assert_int_eq(oh[0].free_mib, PLM_UNITS(1000));
    ck_assert_int_eq(oh[0].headroom_mib, PLM_UNITS(256));
    ck_assert(!oh[0].drain);
    ck_assert_str_eq(oh[1].name, "xen-b");
    static const struct {
        const char *uuid, *name;
        size_t host;
        plm_amt_t c1, c2, mem;
        bool migratable;
        unsigned ntags;
    } want[] = {
        {U1, "db", 0, PLM_UNITS(100), PLM_UNITS(200), PLM_UNITS(4096), true, 0},
        {U2, "web", 0, PLM_UNITS(50), PLM_UNITS(50), PLM_UNITS(1024), true, 1},
        {U3, "idle", 1, 0, 0, PLM_UNITS(512), false, 0},
    };
    for (size_t i = 0; i < 3; i++) {
        ck_assert_str_eq(od[i].uuid, want[i].uuid);
        ck_assert_str_eq(od[i].name, want[i].name);
        ck_assert_uint_eq(od[i].host, want[i].host);
        ck_assert_uint_eq(od[i].cpu.nlevels, 2);
        ck_assert_int_eq(plm_request_at(&od[i].cpu, 1), want[i].c1);
        ck_assert_int_eq(plm_request_at(&od[i].cpu, 2), want[i].c2);
        ck_assert_uint_eq(od[i].mem.nlevels, 1);
        ck_assert_int_eq(plm_request_at(&od[i].mem, 1), want[i].mem);
        ck_assert_int_eq(od[i].mem.max, PLM_AMT_MAX);
        ck_assert_int_eq(od[i].mem_mib, want[i].mem);
        ck_assert_int_eq(od[i].migratable, want[i].migratable);
        ck_assert_uint_eq(od[i].ntags, want[i].ntags);
        ck_assert(!od[i].migrating);
    }
    ck_assert_str_eq(od[1].tags[0], "web");

    /* Bounds: too many hosts or domains for the arrays; a run outside the domains. */
    ck_assert_int_eq(pin_build(&in, oh, 1, od, 4, &nh, &nd, &dups), PLM_ETOOMANY);
    ck_assert_int_eq(pin_build(&in, oh, 4, od, 2, &nh, &nd, &dups), PLM_ETOOMANY);
    h[1].n = 2;
    ck_assert_int_eq(pin_build(&in, oh, 4, od, 4, &nh, &nd, &dups), PLM_EINVAL);
    h[1].first = 4;
    h[1].n = 0;
    ck_assert_int_eq(pin_build(&in, oh, 4, od, 4, &nh, &nd, &dups), PLM_EINVAL);
}
END_TEST

/* A domain two hosts list (a migration's two ends): kept once, on the host read first. */
START_TEST(listed_twice)
{
    struct prec_domain d[4] = {dom(U2, "b", 0, 0, 16, 0), dom(U1, "a", 0, 0, 16, 0),
                               dom(U1, "a-again", 0, 0, 16, 0), dom(U3, "c", 0, 0, 16, 0)};
    struct pin_host h[2] = {{.name = "h0", .first = 0, .n = 2}, {.name = "h1", .first = 2, .n = 2}};
    struct pin_input in = {.hosts = h, .nhosts = 2, .doms = d, .ndoms = 4};
    struct pp_host oh[2];
    struct pp_domain od[4];
    size_t nh, nd, dups;

    ck_assert_int_eq(pin_build(&in, oh, 2, od, 4, &nh, &nd, &dups), 0);
    ck_assert_uint_eq(nd, 3);
    ck_assert_uint_eq(dups, 1);
    ck_assert_str_eq(od[0].name, "b");
    ck_assert_str_eq(od[1].name, "a");
    ck_assert_uint_eq(od[1].host, 0);
    ck_assert_str_eq(od[2].name, "c");
    ck_assert_uint_eq(od[2].host, 1);
}
END_TEST

START_TEST(cooldowns)
{
    static const struct {
        uint64_t migrated_s, key_ms, cooldown_ms;
        bool keyed;
        uint64_t want;
    } t[] = {
        {0, 0, 1800000, false, 0},              /* never moved, no key */
        {100, 0, 30000, false, 130000},         /* its last migration + the cooldown */
        {100, 500000, 30000, true, 500000},     /* the key's, later */
        {100, 1000, 30000, true, 130000},       /* the key's, earlier: the migration's */
        {0, 777, 30000, true, 777},             /* only the key */
        {UINT64_MAX / 1000, 5, 30000, true, 5}, /* a migration time past any sum: ignored */
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct prec_domain d = dom(U2, "x", 0, 0, 16, t[i].migrated_s);
        struct pin_host h = {.name = "h", .first = 0, .n = 1};
        struct pin_cooldown c[3] = {{U1, 1}, {U2, t[i].key_ms}, {U3, 2}};
        struct pin_input in = {.hosts = &h,
                               .nhosts = 1,
                               .doms = &d,
                               .ndoms = 1,
                               .cool = t[i].keyed ? c : c + 2,
                               .ncool = t[i].keyed ? 3 : 1,
                               .cooldown_ms = t[i].cooldown_ms};
        struct pp_host oh;
        struct pp_domain od;
        size_t nh, nd, dups;
        ck_assert_int_eq(pin_build(&in, &oh, 1, &od, 1, &nh, &nd, &dups), 0);
        ck_assert_msg(od.cooldown_until_ms == t[i].want, "row %zu: %llu", i,
                      (unsigned long long)od.cooldown_until_ms);
    }
}
END_TEST

START_TEST(cooldown_values)
{
    static const struct {
        const char *v;
        int rc;
        uint64_t want;
    } t[] = {
        {"1765000000000", 0, 1765000000000ull},
        {"0", 0, 0},
        {"9999999999999999", 0, 9999999999999999ull},
        {"10000000000000000", PLM_EINVAL, 0}, /* 17 digits */
        {"", PLM_EINVAL, 0},
        {"-1", PLM_EINVAL, 0},
        {"12 ", PLM_EINVAL, 0},
        {"1e9", PLM_EINVAL, 0},
        {"0x10", PLM_EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint64_t got = 42;
        ck_assert_msg(pin_decode_cooldown(t[i].v, strlen(t[i].v), &got) == t[i].rc, "row %zu", i);
        if (t[i].rc == 0)
            ck_assert_uint_eq(got, t[i].want);
    }
    ck_assert_int_eq(pin_decode_cooldown(NULL, 0, NULL), PLM_EINVAL);
}
END_TEST

START_TEST(plan_text)
{
    struct pp_host h[2] = {{.name = "xen-a"}, {.name = "xen-b"}};
    struct pp_domain d[2] = {{.uuid = U1, .name = "web 1", .host = 0},
                             {.uuid = U2, .name = "db", .host = 0}};
    struct pp_plan p;
    memset(&p, 0, sizeof(p));
    p.nmoves = 1;
    p.move[0] = (struct pp_move){
        .dom = 1, .from = 0, .to = 1, .reason = PP_BALANCE, .level = 2, .gain = 750};
    p.work = 12;
    p.held = 1;
    struct pin_plan_meta m = {.leader = "xen-c", .revision = 42, .at_ms = 1765000000123ull};
    char buf[1024];
    size_t n;
    const char *want = "xenplm-plan 1\nleader xen-c\nrevision 42\nat 1765000000123\nhosts 2\n"
                       "domains 2\nwork 12\ncut no\nheld 1\nstuck 0\nmoves 1\n"
                       "move " U2 " db xen-a xen-b balance 2 750";
    ck_assert_int_eq(pin_encode_plan(&m, &p, h, 2, d, 2, buf, sizeof(buf), &n), 0);
    ck_assert_str_eq(buf, want);
    ck_assert_uint_eq(n, strlen(want));
    /* A name with a space is escaped; a cut plan says so. */
    p.move[0].dom = 0;
    p.cut = true;
    ck_assert_int_eq(pin_encode_plan(&m, &p, h, 2, d, 2, buf, sizeof(buf), &n), 0);
    ck_assert_ptr_nonnull(strstr(buf, "\ncut yes\n"));
    ck_assert_ptr_nonnull(strstr(buf, "move " U1 " web%201 xen-a xen-b balance 2 750"));
    /* Too small a buffer, a move naming what is not there. */
    ck_assert_int_eq(pin_encode_plan(&m, &p, h, 2, d, 2, buf, 40, &n), PLM_ERANGE);
    p.move[0].to = 2;
    ck_assert_int_eq(pin_encode_plan(&m, &p, h, 2, d, 2, buf, sizeof(buf), &n), PLM_EINVAL);
}
END_TEST

/* What the encoder writes reads back; anything else is refused. */
START_TEST(plan_read_back)
{
    struct pp_host h[3] = {{.name = "xen-a"}, {.name = "xen-b"}, {.name = "xen-c"}};
    struct pp_domain d[2] = {{.uuid = U1, .name = "web 1/\xc3\xa9", .host = 0},
                             {.uuid = U2, .name = "db", .host = 2}};
    static struct pp_plan p;
    memset(&p, 0, sizeof(p));
    p.nmoves = 2;
    p.move[0] = (struct pp_move){
        .dom = 0, .from = 0, .to = 1, .reason = PP_BALANCE, .level = 3, .gain = 1002};
    p.move[1] = (struct pp_move){.dom = 1, .from = 2, .to = 1, .reason = PP_DRAIN, .gain = -5};
    p.work = 40000;
    p.cut = true;
    p.stuck = 1;
    struct pin_plan_meta m = {.leader = "xen-c", .revision = 7, .at_ms = 99};
    static char buf[PIN_PLAN_MAX];
    static struct pin_plan_read r;
    size_t n;
    ck_assert_int_eq(pin_encode_plan(&m, &p, h, 3, d, 2, buf, sizeof(buf), &n), 0);
    ck_assert_int_eq(pin_decode_plan(buf, n, &r), 0);
    ck_assert_str_eq(r.leader, "xen-c");
    ck_assert_int_eq(r.revision, 7);
    ck_assert_uint_eq(r.at_ms, 99);
    ck_assert_uint_eq(r.hosts, 3);
    ck_assert_uint_eq(r.domains, 2);
    ck_assert_uint_eq(r.work, 40000);
    ck_assert(r.cut);
    ck_assert_uint_eq(r.stuck, 1);
    ck_assert_uint_eq(r.nmoves, 2);
    ck_assert_str_eq(r.move[0].uuid, U1);
    ck_assert_str_eq(r.move[0].name, "web%201%2F%C3%A9");
    ck_assert_str_eq(r.move[0].from, "xen-a");
    ck_assert_str_eq(r.move[0].to, "xen-b");
    ck_assert_int_eq(r.move[0].reason, PP_BALANCE);
    ck_assert_uint_eq(r.move[0].level, 3);
    ck_assert_int_eq(r.move[0].gain, 1002);
    ck_assert_int_eq(r.move[1].reason, PP_DRAIN);
    ck_assert_int_eq(r.move[1].gain, -5);

    static const char *const bad[] = {
        "",
        "xenplm-plan 2\nleader a\nrevision 1\nat 1\nhosts 1\ndomains 0\nwork 0\ncut no\nheld "
        "0\nstuck 0\nmoves 0",
        "xenplm-plan 1\nleader a\nrevision 1\nat 1\nhosts 1\ndomains 0\nwork 0\ncut no\nheld "
        "0\nstuck 0\nmoves 0\n", /* a newline after the last line */
        "xenplm-plan 1\nleader a/b\nrevision 1\nat 1\nhosts 1\ndomains 0\nwork 0\ncut "
        "no\nheld 0\nstuck 0\nmoves 0",
        "xenplm-plan 1\nleader a\nrevision 0\nat 1\nhosts 1\ndomains 0\nwork 0\ncut no\nheld "
        "0\nstuck 0\nmoves 0", /* no leader has revision 0 */
        "xenplm-plan 1\nleader a\nrevision 1\nat 1\nhosts 1\ndomains 0\nwork 0\ncut "
        "maybe\nheld 0\nstuck 0\nmoves 0",
        "xenplm-plan 1\nleader a\nrevision 1\nat 1\nhosts 1\ndomains 0\nwork 0\ncut no\nheld "
        "2\nstuck 0\nmoves 0", /* more held than hosts */
        "xenplm-plan 1\nleader a\nrevision 1\nat 1\nhosts 1\ndomains 0\nwork 0\ncut no\nheld "
        "0\nstuck 0\nmoves 1", /* a move missing */
        "xenplm-plan 1\nleader a\nrevision 1\nat 1\nhosts 1\ndomains 0\nwork 0\ncut no\nheld "
        "0\nstuck 0\nmoves 0\nmove " U1 " x a b balance 1 5", /* one too many */
        "xenplm-plan 1\nleader a\nrevision 1\nat 1\nhosts 2\ndomains 1\nwork 0\ncut no\nheld "
        "0\nstuck 0\nmoves 1\nmove " U1 " x a b teleport 1 5",
        "xenplm-plan 1\nleader a\nrevision 1\nat 1\nhosts 2\ndomains 1\nwork 0\ncut no\nheld "
        "0\nstuck 0\nmoves 1\nmove " U1 " x%2 a b balance 1 5", /* a cut escape */
        "xenplm-plan 1\nleader a\nrevision 1\nat 1\nhosts 2\ndomains 1\nwork 0\ncut no\nheld "
        "0\nstuck 0\nmoves 1\nmove " U1 " x a  b balance 1 5", /* two spaces */
        "xenplm-plan 1\nleader a\nrevision 1\nat 1\nhosts 2\ndomains 1\nwork 0\ncut no\nheld "
        "0\nstuck 0\nmoves 1\nmove " U1 " x a b balance 17 5", /* no level 17 */
        "xenplm-plan 1\nleader a\nrevision 1\nat 1\nhosts 2\ndomains 1\nwork 0\ncut no\nheld "
        "0\nstuck 0\nmoves 1\nmove 00000000-0000-4000-8000-00000000000G x a b balance 1 5",
        "xenplm-plan 1\nleader a\nrevision 1\nat 1\nhosts 2\ndomains 1\nwork 0\ncut no\nheld "
        "0\nstuck 0\nmoves 1\nmove " U1 " x a b balance 1 +5",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(pin_decode_plan(bad[i], strlen(bad[i]), &r) == PLM_EINVAL, "bad %zu", i);
    /* The good form of the last rows reads. */
    const char *good = "xenplm-plan 1\nleader a\nrevision 1\nat 1\nhosts 2\ndomains 1\nwork "
                       "0\ncut no\nheld 0\nstuck 0\nmoves 1\nmove " U1 " x a b balance 1 5";
    ck_assert_int_eq(pin_decode_plan(good, strlen(good), &r), 0);
    /* A NUL inside is refused. */
    ck_assert_int_eq(pin_decode_plan(good, strlen(good) + 1, &r), PLM_EINVAL);
}
END_TEST

START_TEST(demand)
{
    struct prec_domain d[3];
    memset(d, 0, sizeof(d));
    /* 100, 200 | 50 (one level: counted again at level 2) | none */
    d[0].cpu[0] = PLM_UNITS(100);
    d[0].cpu[1] = PLM_UNITS(200);
    d[0].ncpu = 2;
    d[0].mem[0] = PLM_UNITS(1024);
    d[0].nmem = 1;
    d[1].cpu[0] = PLM_UNITS(50);
    d[1].ncpu = 1;
    plm_amt_t cpu[PREC_LEVELS], mem[PREC_LEVELS];
    unsigned nl;
    pin_demand(d, 3, cpu, mem, &nl);
    ck_assert_uint_eq(nl, 2);
    ck_assert_int_eq(cpu[0], PLM_UNITS(150));
    ck_assert_int_eq(cpu[1], PLM_UNITS(250));
    ck_assert_int_eq(mem[0], PLM_UNITS(1024));
    ck_assert_int_eq(mem[1], PLM_UNITS(1024));
    ck_assert_int_eq(cpu[2], 0);
    pin_demand(d, 0, cpu, mem, &nl);
    ck_assert_uint_eq(nl, 0);
    /* Saturates. */
    d[0].cpu[0] = d[1].cpu[0] = PLM_AMT_MAX;
    pin_demand(d, 2, cpu, mem, &nl);
    ck_assert_int_eq(cpu[0], PLM_AMT_MAX);
}
END_TEST

/* A domain with an order not finished is planned as migrating. */
START_TEST(busy_is_migrating)
{
    struct prec_domain d[3] = {dom(U1, "a", 0, 0, 16, 0), dom(U2, "b", 0, 0, 16, 0),
                               dom(U3, "c", 0, 0, 16, 0)};
    struct pin_host h = {.name = "h", .first = 0, .n = 3};
    char busy[2][PREC_UUID_LEN + 1] = {U1, U3};
    struct pin_input in = {
        .hosts = &h, .nhosts = 1, .doms = d, .ndoms = 3, .busy = busy, .nbusy = 2};
    struct pp_host oh;
    struct pp_domain od[3];
    size_t nh, nd, dups;
    ck_assert_int_eq(pin_build(&in, &oh, 1, od, 3, &nh, &nd, &dups), 0);
    ck_assert(od[0].migrating && !od[1].migrating && od[2].migrating);
    in.nbusy = 0;
    ck_assert_int_eq(pin_build(&in, &oh, 1, od, 3, &nh, &nd, &dups), 0);
    ck_assert(!od[0].migrating && !od[1].migrating && !od[2].migrating);
}
END_TEST

static struct pop_known known(const char *uuid, int phase, uint64_t at_ms)
{
    struct pop_known k;
    memset(&k, 0, sizeof(k));
    snprintf(k.uuid, sizeof(k.uuid), "%s", uuid);
    snprintf(k.source, sizeof(k.source), "xen-a");
    k.have_state = phase >= 0;
    if (phase >= 0) {
        k.state.phase = (enum pord_phase)phase;
        k.state.revision = 7;
        k.state.at_ms = at_ms;
    }
    return k;
}

/* Which moves become orders: a live, failed or refused order of the
 * domain holds its move; a done one only when done from the move's own
 * source within the settle time (its records may be stale). */
START_TEST(new_orders)
{
    struct pp_domain d[3];
    memset(d, 0, sizeof(d));
    snprintf(d[0].uuid, sizeof(d[0].uuid), U1);
    snprintf(d[1].uuid, sizeof(d[1].uuid), U2);
    snprintf(d[2].uuid, sizeof(d[2].uuid), U3);
    struct pp_host h[2];
    memset(h, 0, sizeof(h));
    snprintf(h[0].name, sizeof(h[0].name), "xen-a");
    snprintf(h[1].name, sizeof(h[1].name), "xen-b");
    static struct pp_plan plan;
    memset(&plan, 0, sizeof(plan));
    plan.nmoves = 3;
    plan.move[0].dom = 2; /* U3 from xen-a */
    plan.move[1].dom = 0; /* U1 from xen-b */
    plan.move[1].from = 1;
    plan.move[2].dom = 1; /* U2 from xen-a */
    const uint64_t now = 1000000, settle = 20000;
    static const struct {
        /* -2: no order; -1: an order without a state; else its phase */
        int u1, u2, u3;
        const char *u1_source; /* U1's order's source */
        uint64_t u1_age_ms;    /* its state's age at now */
        size_t n;
        size_t want[3];
    } t[] = {
        {-2, -2, -2, "xen-a", 0, 3, {0, 1, 2}},
        {-1, -2, -2, "xen-a", 0, 2, {0, 2}},
        /* Done from another host than the move's: the drain goes now. */
        {PORD_DONE, PORD_RUNNING, -2, "xen-a", 0, 2, {0, 1}},
        {PORD_REFUSED, PORD_FAILED, PORD_ACCEPTED, "xen-a", 600000, 0, {0}},
        /* Done from the move's own source: held while its records settle. */
        {PORD_DONE, -2, -2, "xen-b", 0, 2, {0, 2}},
        {PORD_DONE, -2, -2, "xen-b", 19999, 2, {0, 2}},
        {PORD_DONE, -2, -2, "xen-b", 20000, 3, {0, 1, 2}},
        /* Failed or refused from anywhere: held until cleared. */
        {PORD_FAILED, -2, -2, "xen-a", 200000, 2, {0, 2}},
        {PORD_REFUSED, -2, -2, "xen-b", 200000, 2, {0, 2}},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct pop_known k[3];
        size_t nk = 0, pick[PP_MAX_MOVES];
        if (t[i].u1 != -2) {
            k[nk] = known(U1, t[i].u1, now - t[i].u1_age_ms);
            snprintf(k[nk].source, sizeof(k[nk].source), "%s", t[i].u1_source);
            nk++;
        }
        if (t[i].u2 != -2)
            k[nk++] = known(U2, t[i].u2, now);
        if (t[i].u3 != -2)
            k[nk++] = known(U3, t[i].u3, now);
        size_t n = pop_new(&plan, h, 2, d, 3, k, nk, now, settle, pick);
        ck_assert_msg(n == t[i].n, "row %zu: %zu", i, n);
        for (size_t j = 0; j < n; j++)
            ck_assert_uint_eq(pick[j], t[i].want[j]);
    }
    /* A move naming a domain or a host past the arrays is never ordered. */
    plan.move[0].dom = 9;
    plan.move[2].from = 2;
    size_t pick[PP_MAX_MOVES];
    ck_assert_uint_eq(pop_new(&plan, h, 2, d, 3, NULL, 0, now, settle, pick), 1);
}
END_TEST

START_TEST(live_and_expired)
{
    static const struct {
        int phase;
        uint64_t at, now;
        bool live, expired;
    } t[] = {
        {-1, 0, 1000000, true, false},
        {PORD_ACCEPTED, 1, 1000000, true, false},
        {PORD_RUNNING, 1, 1000000, true, false},
        {PORD_DONE, 1000, 1000 + POP_KEEP_MS, false, false},
        {PORD_DONE, 1000, 1001 + POP_KEEP_MS, false, true},
        {PORD_FAILED, 1000, 2000 + POP_KEEP_MS, false, true},
        {PORD_REFUSED, 1000, 2000, false, false},
        {PORD_REFUSED, 5000000, 1000, false, false}, /* written "after" now: kept */
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct pop_known k = known(U1, t[i].phase, t[i].at);
        ck_assert_msg(pop_live(&k) == t[i].live, "row %zu", i);
        ck_assert_msg(pop_expired(&k, t[i].now) == t[i].expired, "row %zu", i);
    }
}
END_TEST

START_TEST(cooldown_over)
{
    struct pop_known k = known(U2, PORD_DONE, 0);
    ck_assert(!pop_cooldown_over(U1, 1000, 1000 + POP_KEEP_MS, &k, 1));
    ck_assert(pop_cooldown_over(U1, 1000, 1001 + POP_KEEP_MS, &k, 1));
    ck_assert(!pop_cooldown_over(U2, 1000, 1001 + POP_KEEP_MS, &k, 1)); /* its order is there */
    ck_assert(!pop_cooldown_over(U1, 5000000, 1000, NULL, 0));          /* in the future */
    ck_assert(pop_cooldown_over(U1, 0, 1 + POP_KEEP_MS, NULL, 0));
}
END_TEST

/* Whether a host takes an order. */
START_TEST(host_checks)
{
    static const struct {
        const char *from, *to, *key_source, *self;
        int64_t rev, leader_rev;
        bool known, automatic, holds;
        int want;
        const char *why;
    } t[] = {
        {"xen-a", "xen-b", "xen-a", "xen-a", 7, 7, true, true, true, 0, ""},
        {"xen-a", "xen-b", "xen-a", "xen-a", 6, 7, true, true, true, PLM_EINVAL, "stale"},
        {"xen-a", "xen-b", "xen-a", "xen-a", 8, 7, true, true, true, PLM_EINVAL, "stale"},
        {"xen-a", "xen-b", "xen-a", "xen-a", 7, 7, false, true, true, PLM_ENOENT, "no leader"},
        {"xen-a", "xen-b", "xen-a", "xen-a", 7, 7, true, false, true, PLM_EINVAL, "automatic"},
        {"xen-a", "xen-b", "xen-a", "xen-a", 7, 7, true, true, false, PLM_EINVAL, "does not hold"},
        {"xen-c", "xen-b", "xen-a", "xen-a", 7, 7, true, true, true, PLM_EINVAL, "key's host"},
        {"xen-c", "xen-b", "xen-c", "xen-a", 7, 7, true, true, true, PLM_EINVAL, "not this host"},
        {"xen-a", "xen-a", "xen-a", "xen-a", 7, 7, true, true, true, PLM_EINVAL, "destination"},
        /* Rows past this one change the order's leader, destination or address. */
        {"xen-a", "xen-z", "xen-a", "xen-a", 7, 7, true, true, true, PLM_EINVAL,
         "'xen-z' is not a host of the pool"},
    };
    /* Sorted by name; xen-c publishes an address for migrations. */
    static const struct pop_dest hosts[] = {
        {"xen-a", ""}, {"xen-b", ""}, {"xen-c", "10.0.0.3"}, {"xen-l", ""}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct pord_order o;
        memset(&o, 0, sizeof(o));
        snprintf(o.from, sizeof(o.from), "%s", t[i].from);
        snprintf(o.to, sizeof(o.to), "%s", t[i].to);
        snprintf(o.addr, sizeof(o.addr), "%s", t[i].to);
        snprintf(o.leader, sizeof(o.leader), "xen-l");
        o.revision = t[i].rev;
        struct pop_host h = {.self = t[i].self,
                             .automatic = t[i].automatic,
                             .leader_known = t[i].known,
                             .leader_rev = t[i].leader_rev,
                             .leader_host = "xen-l",
                             .holds = t[i].holds,
                             .hosts = hosts,
                             .nhosts = 4};
        char why[160] = "";
        ck_assert_msg(pop_check(&o, t[i].key_source, &h, why, sizeof(why)) == t[i].want, "row %zu",
                      i);
        ck_assert_msg(strstr(why, t[i].why), "row %zu: '%s'", i, why);
    }
    /* Whoever may write to etcd may write an order: not the leader's, or
     * to an address other than the one the destination publishes (its
     * name when it publishes none), it is refused. */
    struct pord_order o;
    memset(&o, 0, sizeof(o));
    snprintf(o.from, sizeof(o.from), "xen-a");
    snprintf(o.to, sizeof(o.to), "xen-b");
    snprintf(o.addr, sizeof(o.addr), "xen-b");
    snprintf(o.leader, sizeof(o.leader), "xen-c");
    o.revision = 7;
    struct pop_host h = {.self = "xen-a",
                         .automatic = true,
                         .leader_known = true,
                         .leader_rev = 7,
                         .leader_host = "xen-l",
                         .holds = true,
                         .hosts = hosts,
                         .nhosts = 4};
    char why[160] = "";
    ck_assert_int_eq(pop_check(&o, "xen-a", &h, why, sizeof(why)), PLM_EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "issued by 'xen-c', not the leader 'xen-l'"));
    snprintf(o.leader, sizeof(o.leader), "xen-l");
    snprintf(o.addr, sizeof(o.addr), "attacker.example");
    ck_assert_int_eq(pop_check(&o, "xen-a", &h, why, sizeof(why)), PLM_EINVAL);
    ck_assert_ptr_nonnull(strstr(
        why, "address 'attacker.example' is not the one its destination publishes ('xen-b')"));
    snprintf(o.addr, sizeof(o.addr), "xen-b");
    ck_assert_int_eq(pop_check(&o, "xen-a", &h, why, sizeof(why)), 0);
    /* To xen-c, which publishes 10.0.0.3: that address, not its name. */
    snprintf(o.to, sizeof(o.to), "xen-c");
    ck_assert_int_eq(pop_check(&o, "xen-a", &h, why, sizeof(why)), PLM_EINVAL);
    ck_assert_ptr_nonnull(
        strstr(why, "address 'xen-b' is not the one its destination publishes ('10.0.0.3')"));
    snprintf(o.addr, sizeof(o.addr), "xen-c");
    ck_assert_int_eq(pop_check(&o, "xen-a", &h, why, sizeof(why)), PLM_EINVAL);
    snprintf(o.addr, sizeof(o.addr), "10.0.0.3");
    ck_assert_int_eq(pop_check(&o, "xen-a", &h, why, sizeof(why)), 0);
}
END_TEST

/* A manual move: which are ordered, which refused and why. */
START_TEST(manual_moves)
{
    struct pp_host h[3];
    struct pp_domain d[4];
    memset(h, 0, sizeof(h));
    memset(d, 0, sizeof(d));
    static const char *const hn[3] = {"xen-a", "xen-b", "xen-c"};
    for (int i = 0; i < 3; i++) {
        snprintf(h[i].name, sizeof(h[i].name), "%s", hn[i]);
        h[i].free_mib = PLM_UNITS(8192);
        h[i].headroom_mib = PLM_UNITS(1024);
    }
    h[2].drain = true;
    static const char *const dn[4] = {"web", "db", "twin", "twin"};
    static const char *const du[4] = {U1, U2, U3, "00000000-0000-4000-8000-000000000004"};
    for (int i = 0; i < 4; i++) {
        snprintf(d[i].name, sizeof(d[i].name), "%s", dn[i]);
        snprintf(d[i].uuid, sizeof(d[i].uuid), "%s", du[i]);
        d[i].migratable = true;
        d[i].mem_mib = PLM_UNITS(2048);
    }
    d[1].host = 1;
    d[1].mem_mib = PLM_UNITS(7169); /* more than xen-a's 8192 - 1024 */
    static const struct {
        const char *dom, *to;
        bool unmigratable;
        int ordered; /* 0: no order; else the phase of web's order from xen-a */
        int want;
        size_t dom_out, to_out;
        const char *why;
    } t[] = {
        {"web", "xen-b", false, false, 0, 0, 1, ""},
        {U1, "xen-b", false, false, 0, 0, 1, ""},
        {"web", "xen-a", false, false, PLM_EINVAL, 0, 0, "already runs"},
        {"web", "xen-z", false, false, PLM_ENOENT, 0, 0, "no host"},
        {"www", "xen-b", false, false, PLM_ENOENT, 0, 0, "no domain"},
        {"twin", "xen-b", false, false, PLM_EINVAL, 0, 0, "2 domains"},
        {U3, "xen-b", false, false, 0, 2, 1, ""},
        {"web", "xen-c", false, false, PLM_EINVAL, 0, 0, "draining"},
        {"db", "xen-a", false, false, PLM_EINVAL, 0, 0, "room for 7168 MiB"},
        {"web", "xen-b", true, false, PLM_EINVAL, 0, 0, "cannot be migrated"},
        /* An order not finished holds it; a finished one, not yet cleared, does not. */
        {"web", "xen-b", false, 1 + PORD_RUNNING, PLM_EINVAL, 0, 0,
         "being moved already (from 'xen-a')"},
        {"web", "xen-b", false, 1 + PORD_ACCEPTED, PLM_EINVAL, 0, 0, "being moved already"},
        {"web", "xen-b", false, 1 + PORD_DONE, 0, 0, 1, ""},
        {"web", "xen-b", false, 1 + PORD_FAILED, 0, 0, 1, ""},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct pop_known k = known(U1, t[i].ordered ? t[i].ordered - 1 : PORD_DONE, 0);
        size_t dom = 99, to = 99;
        char why[160] = "";
        d[0].migratable = !t[i].unmigratable;
        int rc = pop_manual(h, 3, d, 4, &k, t[i].ordered ? 1 : 0, NULL, t[i].dom, t[i].to, &dom,
                            &to, why, sizeof(why));
        ck_assert_msg(rc == t[i].want, "row %zu: %d (%s)", i, rc, why);
        ck_assert_msg(strstr(why, t[i].why), "row %zu: '%s'", i, why);
        if (rc == 0)
            ck_assert_msg(dom == t[i].dom_out && to == t[i].to_out, "row %zu: %zu to %zu", i, dom,
                          to);
    }
    /* An order is orphaned while not finished and its source is no host
     * read this round. */
    struct pp_host ph[2];
    memset(ph, 0, sizeof(ph));
    snprintf(ph[0].name, sizeof(ph[0].name), "xen-b");
    snprintf(ph[1].name, sizeof(ph[1].name), "xen-c");
    static const struct {
        int phase; /* -1: no state yet */
        const char *source;
        size_t nhosts;
        bool orphan;
    } orph[] = {
        {PORD_RUNNING, "xen-a", 2, true},
        {PORD_ACCEPTED, "xen-a", 2, true},
        {-1, "xen-a", 2, true},
        {PORD_RUNNING, "xen-b", 2, false},
        {PORD_RUNNING, "xen-c", 2, false},
        {PORD_RUNNING, "xen-c", 1, true},
        {PORD_DONE, "xen-a", 2, false},
        {PORD_FAILED, "xen-a", 0, false},
    };
    for (size_t i = 0; i < sizeof(orph) / sizeof(orph[0]); i++) {
        struct pop_known ok = known(U1, orph[i].phase, 0);
        snprintf(ok.source, sizeof(ok.source), "%s", orph[i].source);
        ck_assert_msg(pop_orphan(&ok, ph, orph[i].nhosts) == orph[i].orphan, "row %zu", i);
    }
    /* The finished order a manual move's key would collide with: by uuid
     * and source, among several of the same uuid, never a live one. */
    struct pop_known k[4] = {known(U1, PORD_RUNNING, 0), known(U1, PORD_DONE, 0),
                             known(U1, PORD_FAILED, 0), known(U2, PORD_REFUSED, 0)};
    snprintf(k[0].source, sizeof(k[0].source), "xen-b");
    snprintf(k[2].source, sizeof(k[2].source), "xen-c");
    ck_assert_ptr_eq(pop_finished_at(k, 4, U1, "xen-a"), &k[1]);
    ck_assert_ptr_eq(pop_finished_at(k, 4, U1, "xen-c"), &k[2]);
    ck_assert_ptr_null(pop_finished_at(k, 4, U1, "xen-b")); /* running */
    ck_assert_ptr_eq(pop_finished_at(k, 4, U2, "xen-a"), &k[3]);
    ck_assert_ptr_null(pop_finished_at(k, 4, U3, "xen-a"));
    ck_assert_ptr_null(pop_finished_at(NULL, 0, U1, "xen-a"));
}
END_TEST

/* What the source does with its loop's report, by the state and order
 * etcd hold: written over its own accepted or running, over a state that
 * does not decode, over a final state another wrote (said: OVER), and
 * again when the state alone was deleted; never again once the order is
 * cleared. */
START_TEST(report_over_state)
{
    static const struct {
        bool state, decoded;
        enum pord_phase phase;
        bool order;
        enum pop_report want;
    } t[] = {
        {true, true, PORD_ACCEPTED, true, POP_REPORT_WRITE},
        {true, true, PORD_RUNNING, true, POP_REPORT_WRITE},
        {true, false, PORD_RUNNING, true, POP_REPORT_WRITE},
        {true, false, PORD_FAILED, true, POP_REPORT_WRITE},
        {true, true, PORD_FAILED, true, POP_REPORT_OVER},
        {true, true, PORD_DONE, true, POP_REPORT_OVER},
        {true, true, PORD_REFUSED, true, POP_REPORT_OVER},
        {false, false, PORD_RUNNING, true, POP_REPORT_WRITE},
        {false, false, PORD_RUNNING, false, POP_REPORT_GONE},
        {false, true, PORD_FAILED, false, POP_REPORT_GONE},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        ck_assert_msg(pop_report_to(t[i].state, t[i].decoded, t[i].phase, t[i].order) == t[i].want,
                      "row %zu", i);
}
END_TEST

/*
 * The grace before an orphaned order fails, round after round (the
 * leader's state carried from one to the next): a source missing since
 * the round it was first missed, counted once however many orders it
 * holds; due once missing for the grace; its clock started again when it
 * came back and left again; a host whose orders are all final is never
 * missing; a source not tracked (over the cap) is due at once.
 */
START_TEST(orphan_grace)
{
    struct pop_known k[4] = {known(U1, PORD_RUNNING, 0), known(U2, PORD_ACCEPTED, 0),
                             known(U3, PORD_RUNNING, 0), known(U3, PORD_DONE, 0)};
    snprintf(k[2].source, sizeof(k[2].source), "xen-b");
    snprintf(k[3].source, sizeof(k[3].source), "xen-c");
    struct pp_host h[2];
    memset(h, 0, sizeof(h));
    static const struct {
        uint64_t now;
        const char *hosts[2];
        size_t nmissing;
        uint64_t a_since, b_since; /* 0: not missing */
        bool a_due, b_due;         /* with a grace of 6000 ms */
        size_t nback;              /* last round's missing sources back this round */
    } t[] = {
        {1000, {"xen-b", NULL}, 1, 1000, 0, false, false, 0},
        {5000, {"xen-b", NULL}, 1, 1000, 0, false, false, 0},
        {7000, {NULL, NULL}, 2, 1000, 7000, true, false, 0},
        {8000, {"xen-a", "xen-b"}, 0, 0, 0, false, false, 2},
        {9000, {"xen-b", NULL}, 1, 9000, 0, false, false, 0},
        {14999, {"xen-b", NULL}, 1, 9000, 0, false, false, 0},
        {15000, {"xen-b", "xen-c"}, 1, 9000, 0, true, false, 0},
    };
    struct pop_missing prev[POP_MISSING_MAX], next[POP_MISSING_MAX];
    size_t nprev = 0;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        size_t nh = 0;
        for (size_t j = 0; j < 2 && t[i].hosts[j]; j++)
            snprintf(h[nh++].name, sizeof(h[0].name), "%s", t[i].hosts[j]);
        size_t n = pop_missing_update(k, 4, h, nh, prev, nprev, t[i].now, next);
        ck_assert_msg(n == t[i].nmissing, "row %zu: %zu missing", i, n);
        uint64_t a = 0, b = 0;
        for (size_t j = 0; j < n; j++) {
            ck_assert_msg(strcmp(next[j].name, "xen-c") != 0, "row %zu: xen-c missing", i);
            if (strcmp(next[j].name, "xen-a") == 0)
                a = next[j].since_ms;
            if (strcmp(next[j].name, "xen-b") == 0)
                b = next[j].since_ms;
        }
        ck_assert_msg(a == t[i].a_since && b == t[i].b_since, "row %zu: since %llu, %llu", i,
                      (unsigned long long)a, (unsigned long long)b);
        if (t[i].a_since) {
            ck_assert_msg(pop_orphan_due(&k[0], next, n, t[i].now, 6000) == t[i].a_due,
                          "row %zu: xen-a", i);
            ck_assert_msg(pop_orphan_due(&k[1], next, n, t[i].now, 6000) == t[i].a_due,
                          "row %zu: xen-a's second order", i);
        }
        if (t[i].b_since)
            ck_assert_msg(pop_orphan_due(&k[2], next, n, t[i].now, 6000) == t[i].b_due,
                          "row %zu: xen-b", i);
        size_t back = 0;
        for (size_t j = 0; j < nprev; j++)
            back += pop_missing_back(&prev[j], next, n, h, nh);
        ck_assert_msg(back == t[i].nback, "row %zu: %zu back", i, back);
        memcpy(prev, next, n * sizeof(*next));
        nprev = n;
    }
    /* No longer missing but not listed either (its orders failed, the
     * host still gone): not back. */
    ck_assert(!pop_missing_back(&prev[0], NULL, 0, h, 0));
    /* A clock gone back: not due.  Not tracked: due at once. */
    struct pop_missing m = {.name = "xen-a", .since_ms = 9000};
    ck_assert(!pop_orphan_due(&k[0], &m, 1, 8000, 0));
    ck_assert(pop_orphan_due(&k[2], &m, 1, 9000, 6000));
    /* More orphaned sources than the cap: POP_MISSING_MAX tracked, the
     * rest not (due at once). */
    enum { N = POP_MISSING_MAX + 3 };
    struct pop_known *many = calloc(N, sizeof(*many));
    ck_assert_ptr_nonnull(many);
    for (size_t i = 0; i < N; i++) {
        many[i] = known(U1, PORD_RUNNING, 0);
        snprintf(many[i].source, sizeof(many[i].source), "host-%03zu", i);
    }
    size_t n = pop_missing_update(many, N, NULL, 0, NULL, 0, 100, next);
    ck_assert_uint_eq(n, POP_MISSING_MAX);
    ck_assert(!pop_orphan_due(&many[0], next, n, 100, 6000));
    ck_assert(pop_orphan_due(&many[N - 1], next, n, 100, 6000));
    free(many);
}
END_TEST

/*
 * Manual moves to one host in one round: each is checked against the
 * destination's free memory past its headroom less what the plan's moves
 * this round, the orders in flight and the round's earlier manual moves
 * bind for it (as the leader's round does: pop_incoming, then each move
 * ordered adds its domain).  xen-b has 7168 MiB free and 1024 of
 * headroom: 6144 of room.
 */
START_TEST(manual_room_per_round)
{
#define U4 "00000000-0000-4000-8000-000000000004"
#define U5 "00000000-0000-4000-8000-000000000005"
    static const char *const dn[5] = {"web", "db", "mail", "big", "far"};
    static const char *const du[5] = {U1, U2, U3, U4, U5};
    static const int dmib[5] = {3072, 3072, 1024, 4096, 2048};
    static const struct {
        const char *what;
        size_t plan_to_b;    /* planned moves to xen-b picked this round: big (4096) */
        int far_order;       /* far's order (to xen-b): -1 none, else its phase */
        bool far_arrived;    /* the records already place far on xen-b */
        const char *ask[3];  /* manual moves to xen-b, in the round's order */
        int want[3];         /* 0: ordered, else refused */
        plm_amt_t bound_mib; /* bound for xen-b at the end */
    } t[] = {
        {"two fit alone, not together",
         0,
         -1,
         false,
         {"web", "db", "mail"},
         {0, 0, PLM_EINVAL},
         6144},
        {"the second refused", 0, -1, false, {"big", "web"}, {0, PLM_EINVAL}, 4096},
        {"the plan's move first", 1, -1, false, {"web", "mail"}, {PLM_EINVAL, 0}, 5120},
        {"an order running", 0, PORD_RUNNING, false, {"big", "mail"}, {0, PLM_EINVAL}, 6144},
        {"an order accepted", 0, PORD_ACCEPTED, false, {"big", "mail"}, {0, PLM_EINVAL}, 6144},
        {"an order finished", 0, PORD_DONE, false, {"big", "mail"}, {0, 0}, 5120},
        {"an order whose domain arrived", 0, PORD_RUNNING, true, {"big", "mail"}, {0, 0}, 5120},
    };
    struct pp_host h[3];
    struct pp_domain d[5];
    memset(h, 0, sizeof(h));
    static const char *const hn[3] = {"xen-a", "xen-b", "xen-c"};
    for (int i = 0; i < 3; i++) {
        snprintf(h[i].name, sizeof(h[i].name), "%s", hn[i]);
        h[i].free_mib = PLM_UNITS(8192);
        h[i].headroom_mib = PLM_UNITS(1024);
    }
    h[1].free_mib = PLM_UNITS(7168);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct pp_plan plan;
        size_t pick[1] = {0};
        plm_amt_t incoming[3];
        memset(d, 0, sizeof(d));
        memset(&plan, 0, sizeof(plan));
        for (int j = 0; j < 5; j++) {
            snprintf(d[j].name, sizeof(d[j].name), "%s", dn[j]);
            snprintf(d[j].uuid, sizeof(d[j].uuid), "%s", du[j]);
            d[j].migratable = true;
            d[j].mem_mib = PLM_UNITS(dmib[j]);
        }
        d[4].host = t[i].far_arrived ? 1 : 2;
        plan.move[0] = (struct pp_move){.dom = 3, .from = 0, .to = 1};
        plan.nmoves = 1;
        struct pop_known k = known(U5, t[i].far_order, 0);
        k.have_order = true;
        snprintf(k.source, sizeof(k.source), "xen-c");
        snprintf(k.order.to, sizeof(k.order.to), "xen-b");
        pop_incoming(&plan, pick, t[i].plan_to_b, 3, d, 5, &k, t[i].far_order >= 0 ? 1 : 0, h,
                     incoming);
        for (size_t a = 0; a < 3 && t[i].ask[a]; a++) {
            size_t dom = 99, to = 99;
            char why[200] = "";
            int rc = pop_manual(h, 3, d, 5, NULL, 0, incoming, t[i].ask[a], "xen-b", &dom, &to, why,
                                sizeof(why));
            ck_assert_msg(rc == t[i].want[a], "%s, move %zu (%s): %d (%s)", t[i].what, a,
                          t[i].ask[a], rc, why);
            if (rc == 0)
                incoming[to] += d[dom].mem_mib;
            else
                ck_assert_msg(strstr(why, "MiB of moves bound for it"), "%s: '%s'", t[i].what, why);
        }
        ck_assert_msg(incoming[1] == PLM_UNITS(t[i].bound_mib), "%s: %lld MiB bound", t[i].what,
                      (long long)(incoming[1] / PLM_UNITS(1)));
        ck_assert_msg(incoming[0] == 0 && incoming[2] == 0, "%s", t[i].what);
    }
#undef U4
#undef U5
}
END_TEST

/* Drained hosts, by name, are the planner's draining hosts. */
START_TEST(drains)
{
    struct prec_domain d = dom(U1, "a", 0, 0, 16, 0);
    struct pin_host h[3] = {{.name = "xen-a", .first = 0, .n = 1},
                            {.name = "xen-b", .first = 1, .n = 0},
                            {.name = "xen-c", .first = 1, .n = 0}};
    char dr[2][PLM_POOL_NAME_MAX + 1] = {"xen-a", "xen-c"};
    struct pin_input in = {
        .hosts = h, .nhosts = 3, .doms = &d, .ndoms = 1, .drains = dr, .ndrains = 2};
    struct pp_host oh[3];
    struct pp_domain od;
    size_t nh, nd, dups;
    ck_assert_int_eq(pin_build(&in, oh, 3, &od, 1, &nh, &nd, &dups), 0);
    ck_assert(oh[0].drain && !oh[1].drain && oh[2].drain);
}
END_TEST

/* The hosts said once: added and removed once each, bounded, and pruned
 * to the hosts that still have keys (a host gone is forgotten). */
START_TEST(said_once)
{
    pin_name_t names[3], seen[4];
    struct pin_said s = {.name = names, .max = 3};

    ck_assert(pin_said_add(&s, "a"));
    ck_assert(!pin_said_add(&s, "a"));
    ck_assert(pin_said_add(&s, "b"));
    ck_assert(pin_said_add(&s, "c"));
    /* Full: said every time, never stored. */
    ck_assert(pin_said_add(&s, "d"));
    ck_assert(pin_said_add(&s, "d"));
    ck_assert_uint_eq(s.n, 3);
    ck_assert(pin_said_del(&s, "b"));
    ck_assert(!pin_said_del(&s, "b"));
    ck_assert_uint_eq(s.n, 2);
    /* The pool now has keys of c, x and y (in etcd's order, not sorted): a is gone. */
    snprintf(seen[0], sizeof(seen[0]), "y");
    snprintf(seen[1], sizeof(seen[1]), "c");
    snprintf(seen[2], sizeof(seen[2]), "x");
    ck_assert_uint_eq(pin_said_prune(&s, seen, 3), 1);
    ck_assert_uint_eq(s.n, 1);
    ck_assert_str_eq(s.name[0], "c");
    /* a, bad again when it comes back, is said again. */
    ck_assert(pin_said_add(&s, "a"));
    /* No host left: nothing kept. */
    ck_assert_uint_eq(pin_said_prune(&s, seen, 0), 2);
    ck_assert_uint_eq(s.n, 0);
    ck_assert_uint_eq(pin_said_prune(&s, seen, 0), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pool_input");
    TCase *tc = tcase_create("input");
    tcase_add_test(tc, builds_hosts_and_domains);
    tcase_add_test(tc, listed_twice);
    tcase_add_test(tc, cooldowns);
    tcase_add_test(tc, cooldown_values);
    tcase_add_test(tc, plan_text);
    tcase_add_test(tc, plan_read_back);
    tcase_add_test(tc, demand);
    tcase_add_test(tc, busy_is_migrating);
    tcase_add_test(tc, new_orders);
    tcase_add_test(tc, live_and_expired);
    tcase_add_test(tc, host_checks);
    tcase_add_test(tc, manual_moves);
    tcase_add_test(tc, manual_room_per_round);
    tcase_add_test(tc, orphan_grace);
    tcase_add_test(tc, report_over_state);
    tcase_add_test(tc, drains);
    tcase_add_test(tc, cooldown_over);
    tcase_add_test(tc, said_once);
    suite_add_tcase(s, tc);
    return check_run(s);
}
