/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The decision step on its own, without the simulator: each test builds a
 * table of domains and a host snapshot by hand, runs eng_decide turn by
 * turn and reads the plan.  A tiny host model (balloons that move a fixed
 * amount per turn toward their target, or not at all) closes the loop
 * where a test needs memory to move.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "suite_run.h"

#define MIB 1024
#define MAXD 6

/* The daemon tests' policy, in short: a 1 s tick, triggers on 1%, 512 MiB
 * headroom, 256 MiB/s steady balloons; guests CPU 10..300 by weight and
 * cap with hotplug, memory 512..3072. */
#define HOST_XML(cpu_pool, enforce)                                                                \
    "<xenplm-policy version=\"1\"><host><tick>1s</tick>"                                           \
    "<cpu><pool " cpu_pool "/><minimal>10</minimal><unit>1</unit>"                                 \
    "<trigger min-delta=\"1\"><rule pct=\"1\" samples=\"1\"/></trigger></cpu>"                     \
    "<memory><pool base=\"free+domu\" headroom=\"512\"/><minimal>256</minimal><unit>16</unit>"     \
    "<trigger min-delta=\"16\"><rule pct=\"1\" samples=\"1\"/></trigger></memory>"                 \
    "<balloon min-rate=\"64\" max-rate=\"256\" adaptive=\"false\"/>"                               \
    "<requests rate=\"1\" burst=\"3\"/></host>"                                                    \
    "<domain name=\"*\"><cpu><min>10</min><max>300</max><enforce>" enforce "</enforce>"            \
    "<vcpu-hotplug>true</vcpu-hotplug></cpu><memory><min>512</min><max>3072</max></memory>"        \
    "</domain></xenplm-policy>"

static const char *const base_xml = HOST_XML("reserve=\"0\"", "both");

struct eh {
    struct pol_policy pol;
    struct eng_state st;
    struct eng_dom dom[MAXD];
    struct proto_request req[MAXD];
    struct proto_boost boost[MAXD];
    char name[MAXD][16];
    bool stuck[MAXD];
    /* The guest's own online vcpus, and whether they follow what is set. */
    unsigned online[MAXD];
    bool nohotplug[MAXD];
    size_t n;
    struct eng_scratch scratch;
    struct eng_plan plan;
    struct eng_input in;
    int64_t total_kib, other_kib; /* the host, and what dom0 and others hold */
    uint64_t now;
    bool tod_ok; /* the local time of day, given to every turn */
    struct ant_clock tod;
};

static void eh_policy(struct eh *h, const char *xml)
{
    char err[POL_ERR_MAX], schema[512];
    const char *top = getenv("top_srcdir");

    snprintf(schema, sizeof(schema), "%s/policies/xenplm-policy.xsd", top ? top : ".");
    struct pol_policy p;
    memset(&p, 0, sizeof(p));
    int rc = pol_load_memory(xml, strlen(xml), "test.xml", schema, &p, err, sizeof(err));
    ck_assert_msg(rc == 0, "%s", err);
    pol_policy_dispose(&h->pol);
    h->pol = p;
    for (size_t i = 0; i < h->n; i++) {
        h->dom[i].in.rule = pol_match(&h->pol, h->name[i], NULL);
        h->dom[i].in.changed = true;
    }
}

static void eh_open(struct eh *h, const char *xml, int64_t total_mib, int64_t other_mib)
{
    memset(h, 0, sizeof(*h));
    eh_policy(h, xml);
    h->total_kib = total_mib * MIB;
    h->other_kib = other_mib * MIB;
    h->now = 1000;
    eng_state_init(&h->st, h->now);
}

static void eh_close(struct eh *h)
{
    eng_scratch_dispose(&h->scratch);
    eng_plan_dispose(&h->plan);
    pol_policy_dispose(&h->pol);
}

static size_t eh_add(struct eh *h, const char *name, unsigned vcpus, int64_t mem_mib,
                     int64_t maxmem_mib)
{
    size_t i = h->n++;
    snprintf(h->name[i], sizeof(h->name[i]), "%s", name);
    struct eng_view v = {
        .domid = (uint32_t)i + 1,
        .name = h->name[i],
        .rule = pol_match(&h->pol, name, NULL),
        .max_vcpus = vcpus,
        .mem_max_kib = maxmem_mib * MIB,
        .mem_actual_kib = mem_mib * MIB,
        .changed = true,
        .balloon_key = PROTO_FEATURE_ON,
    };
    eng_dom_init(&h->dom[i], &v, mem_mib * MIB, 1, 0, h->now);
    h->online[i] = 1;
    return i;
}

/* "L1,L2,..." in whole units into one resource's levels. */
static void levels(struct proto_request *r, enum proto_resource res, const char *spec)
{
    if (!spec)
        return;
    r->flags |= PROTO_REQ_HAS(res);
    const char *p = spec;
    while (*p) {
        r->res[res].level[r->res[res].nlevels++] = PLM_UNITS(strtoll(p, NULL, 10));
        p = strchr(p, ',');
        if (!p)
            break;
        p++;
    }
}

static void eh_ask(struct eh *h, size_t i, const char *cpu, const char *mem)
{
    memset(&h->req[i], 0, sizeof(h->req[i]));
    h->req[i].seq = 1;
    levels(&h->req[i], PROTO_RES_CPU, cpu);
    levels(&h->req[i], PROTO_RES_MEM, mem);
    h->dom[i].in.req = &h->req[i];
    h->dom[i].in.req_at_ms = h->now;
    h->dom[i].in.changed = true;
    h->dom[i].in.answer_due = true;
}

static struct eng_table eh_table(struct eh *h)
{
    struct eng_table t = {h->dom, sizeof(h->dom[0]), h->n};
    return t;
}

static int64_t held_kib(const struct eh *h)
{
    int64_t sum = h->other_kib;
    for (size_t i = 0; i < h->n; i++)
        sum += h->dom[i].in.mem_actual_kib;
    return sum;
}

/* One turn at h->now: snapshot, decide, and (confirm) every action
 * accepted.  Returns the plan. */
static const struct eng_plan *eh_turn_as(struct eh *h, bool confirm)
{
    for (size_t i = 0; i < h->n; i++) {
        if (eng_wants_memory(&h->dom[i]))
            eng_measured_memory(&h->dom[i], h->dom[i].in.mem_actual_kib);
        h->dom[i].in.online_read = eng_wants_vcpus(&h->dom[i], h->now);
        h->dom[i].in.online_vcpus = h->online[i];
    }
    h->in.policy = &h->pol;
    h->in.now_ms = h->now;
    h->in.tod_ok = h->tod_ok;
    h->in.tod = h->tod;
    h->in.host.ok = true;
    h->in.host.pcpus = 4;
    h->in.host.total_kib = h->total_kib;
    h->in.host.free_kib = h->total_kib - held_kib(h);
    ck_assert_int_eq(eng_reserve(&h->scratch, &h->plan, h->n), 0);
    eng_decide(&h->in, &h->st, eh_table(h), &h->scratch, &h->plan);
    for (size_t i = 0; i < h->n; i++)
        h->dom[i].in.changed = h->dom[i].in.answer_due = false;
    memset(&h->in, 0, sizeof(h->in));
    for (size_t k = 0; confirm && k < h->plan.nact; k++) {
        const struct eng_action *a = &h->plan.act[k];
        ck_assert_uint_lt(a->dom, h->n);
        eng_confirm(&h->dom[a->dom], a);
        /* A guest with vcpu hotplug follows at once. */
        if (a->kind == ENG_ACT_VCPUS && !h->nohotplug[a->dom])
            h->online[a->dom] = a->vcpus;
    }
    return &h->plan;
}

static const struct eng_plan *eh_turn(struct eh *h)
{
    return eh_turn_as(h, true);
}

/* Balloons move step_mib toward their target (the stuck ones do not),
 * then the clock moves on by ms. */
static void eh_wait(struct eh *h, int64_t step_mib, uint64_t ms)
{
    for (size_t i = 0; i < h->n; i++) {
        struct eng_view *v = &h->dom[i].in;
        int64_t t = h->dom[i].mem.target_kib, a = v->mem_actual_kib, s = step_mib * MIB;
        if (h->stuck[i])
            continue;
        v->mem_actual_kib = a < t ? (t - a < s ? t : a + s) : (a - t < s ? t : a - s);
    }
    h->now += ms;
}

static size_t count(const struct eng_plan *p, enum eng_act_kind kind, size_t dom)
{
    size_t c = 0;
    for (size_t k = 0; k < p->nact; k++)
        c += p->act[k].kind == kind && p->act[k].dom == dom;
    return c;
}

static const struct eng_action *find(const struct eng_plan *p, enum eng_act_kind kind, size_t dom)
{
    for (size_t k = 0; k < p->nact; k++)
        if (p->act[k].kind == kind && p->act[k].dom == dom)
            return &p->act[k];
    return NULL;
}

/* The action, which must be there. */
static const struct eng_action *must(const struct eng_action *a)
{
    ck_assert_ptr_nonnull(a);
    return a;
}

static bool noted(const struct eng_plan *p, const char *text)
{
    for (size_t k = 0; k < p->nnote; k++)
        if (strstr(p->note[k].text, text))
            return true;
    return false;
}

static long granted(const struct eh *h, size_t i, int r)
{
    return (long)(h->dom[i].granted[r] / PLM_SCALE);
}

/* ------------------------------------------------------------------ */

/* The CPU mapping, row by row. */
static const struct {
    enum pol_enforce enforce;
    bool hotplug;
    long pct;
    unsigned max_vcpus;
    int weight, cap, vcpus;
} cpu_rows[] = {
    {POL_ENFORCE_WEIGHT, false, 100, 4, 256, -1, -1},
    {POL_ENFORCE_CAP, false, 150, 4, -1, 150, -1},
    {POL_ENFORCE_BOTH, true, 150, 4, 384, 150, 2},
    {POL_ENFORCE_BOTH, true, 0, 4, 1, 1, 1},            /* no weight or cap of 0 */
    {POL_ENFORCE_BOTH, true, 900, 4, 2304, 400, 4},     /* cap and vcpus at all vcpus */
    {POL_ENFORCE_WEIGHT, true, 30000, 0, 65535, -1, 1}, /* weight saturates */
    {POL_ENFORCE_CAP, true, 101, 2, -1, 101, 2},
};

START_TEST(cpu_mapping)
{
    struct pol_domain rule;
    memset(&rule, 0, sizeof(rule));
    rule.cpu_enforce = cpu_rows[_i].enforce;
    rule.vcpu_hotplug = cpu_rows[_i].hotplug;
    struct eng_cpu m = eng_cpu_map(&rule, PLM_UNITS(cpu_rows[_i].pct), cpu_rows[_i].max_vcpus);
    ck_assert_int_eq(m.weight, cpu_rows[_i].weight);
    ck_assert_int_eq(m.cap, cpu_rows[_i].cap);
    ck_assert_int_eq(m.vcpus, cpu_rows[_i].vcpus);
}
END_TEST

/* Arbitration from a snapshot: two guests, what they ask, what they get. */
static const struct {
    const char *what;
    const char *cpu[2], *mem[2];
    int64_t other_mib;
    long cpu_out[2], mem_out[2];
} arb_rows[] = {
    {"both fit", {"100", "150"}, {"1024", "2048"}, 1024, {100, 150}, {1024, 2048}},
    {"cpu contended, levelled", {"300", "300"}, {NULL, NULL}, 1024, {100, 100}, {1024, 1024}},
    {"policy max", {"50,500", "50"}, {NULL, NULL}, 1024, {300, 50}, {1024, 1024}},
    /* maxmem 2048 below the policy's max of 3072: the guest's maxmem binds. */
    {"maxmem binds", {"10", "10"}, {"8192", "600"}, 1024, {10, 10}, {2048, 608}},
    /* 8192 host - 4096 other = 4096 free+held, - 512 headroom = 3584,
     * levelled: 1792 each (web's maxmem of 2048 does not bind). */
    {"memory contended", {"10", "10"}, {"3000", "3000"}, 4096, {10, 10}, {1792, 1792}},
    /* Silent on memory: each keeps what it holds (1024). */
    {"silence keeps memory", {"10", NULL}, {NULL, NULL}, 1024, {10, 10}, {1024, 1024}},
};

START_TEST(arbitration)
{
    struct eh h;
    eh_open(&h, base_xml, 8192, arb_rows[_i].other_mib);
    size_t a = eh_add(&h, "web", 4, 1024, 2048);
    size_t b = eh_add(&h, "db", 4, 1024, 8192);
    /* Two pCPUs' worth in the contended row: a reserve of 200. */
    if (strcmp(arb_rows[_i].what, "cpu contended, levelled") == 0)
        eh_policy(&h, HOST_XML("reserve=\"200\"", "both"));
    eh_ask(&h, a, arb_rows[_i].cpu[0], arb_rows[_i].mem[0]);
    eh_ask(&h, b, arb_rows[_i].cpu[1], arb_rows[_i].mem[1]);
    eh_turn(&h);
    ck_assert_msg(granted(&h, a, POL_CPU) == arb_rows[_i].cpu_out[0], "%s: web cpu %ld",
                  arb_rows[_i].what, granted(&h, a, POL_CPU));
    ck_assert_msg(granted(&h, b, POL_CPU) == arb_rows[_i].cpu_out[1], "%s: db cpu %ld",
                  arb_rows[_i].what, granted(&h, b, POL_CPU));
    ck_assert_msg(granted(&h, a, POL_MEMORY) == arb_rows[_i].mem_out[0], "%s: web mem %ld",
                  arb_rows[_i].what, granted(&h, a, POL_MEMORY));
    ck_assert_msg(granted(&h, b, POL_MEMORY) == arb_rows[_i].mem_out[1], "%s: db mem %ld",
                  arb_rows[_i].what, granted(&h, b, POL_MEMORY));
    eh_close(&h);
}
END_TEST

/* A level's cap holds back what a guest asks at that level; the rest is
 * asked at its next level, after every domain's capped levels, instead of
 * being dropped (the default policy's 4 GiB at level 1: a database that
 * wants 16 GiB at priority 1 gets them when the host has them). */
#define CAPPED_XML                                                                                 \
    "<xenplm-policy version=\"1\"><host><tick>1s</tick>"                                           \
    "<cpu><pool reserve=\"0\"/><minimal>10</minimal><unit>1</unit>"                                \
    "<trigger min-delta=\"1\"><rule pct=\"1\" samples=\"1\"/></trigger></cpu>"                     \
    "<memory><pool base=\"free+domu\" headroom=\"512\"/><minimal>256</minimal><unit>16</unit>"     \
    "<trigger min-delta=\"16\"><rule pct=\"1\" samples=\"1\"/></trigger></memory>"                 \
    "<balloon min-rate=\"64\" max-rate=\"256\" adaptive=\"false\"/>"                               \
    "<requests rate=\"1\" burst=\"3\"/></host>"                                                    \
    "<domain name=\"*\"><memory><min>512</min></memory>"                                           \
    "<levels><level guest=\"1\" cpu-cap=\"200\" memory-cap=\"4096\"/></levels>"                    \
    "</domain></xenplm-policy>"

static const struct {
    const char *what;
    const char *db_mem, *batch_mem; /* requests, MiB per level */
    long db_out, batch_out;         /* allocations, MiB */
} cap_rows[] = {
    /* 31232 MiB to share: db 4096 + batch 2048 at level 1, db's other
     * 12 GiB at level 2, batch's rest at level 3 from what is left. */
    {"carried past a priority-3 guest", "16384", "2048,2048,20480", 16384, 14848},
    {"carried, the other fits", "16384", "3072", 16384, 3072},
    {"asked at level 2 already", "2048,16384", "2048,2048,20480", 16384, 14848},
    {"under the cap: nothing to carry", "4000", "2048,2048,20480", 4000, 20480},
};

START_TEST(level_cap_carried)
{
    struct eh h;
    eh_open(&h, CAPPED_XML, 32768, 1024);
    size_t db = eh_add(&h, "db", 4, 1024, 20480);
    size_t batch = eh_add(&h, "batch", 4, 1024, 24576);
    eh_ask(&h, db, NULL, cap_rows[_i].db_mem);
    eh_ask(&h, batch, NULL, cap_rows[_i].batch_mem);
    eh_turn(&h);
    ck_assert_msg(granted(&h, db, POL_MEMORY) == cap_rows[_i].db_out, "%s: db mem %ld",
                  cap_rows[_i].what, granted(&h, db, POL_MEMORY));
    ck_assert_msg(granted(&h, batch, POL_MEMORY) == cap_rows[_i].batch_out, "%s: batch mem %ld",
                  cap_rows[_i].what, granted(&h, batch, POL_MEMORY));
    eh_close(&h);
}
END_TEST

/* A reallocation one domain's difference fires moves that domain; a
 * neighbour whose own difference is under every rule's threshold keeps
 * what it holds (CPU; memory shrinks), unless the pool needs what it
 * gives back.  A memory grow moves along.  Triggers: 10 % at once. */
#define DAMP_XML                                                                                   \
    "<xenplm-policy version=\"1\"><host><tick>1s</tick>"                                           \
    "<cpu><pool reserve=\"0\"/><minimal>10</minimal><unit>1</unit>"                                \
    "<trigger min-delta=\"1\"><rule pct=\"10\" samples=\"1\"/></trigger></cpu>"                    \
    "<memory><pool base=\"free+domu\" headroom=\"512\"/><minimal>256</minimal><unit>16</unit>"     \
    "<trigger min-delta=\"16\"><rule pct=\"10\" samples=\"1\"/></trigger></memory>"                \
    "<balloon min-rate=\"64\" max-rate=\"256\" adaptive=\"false\"/>"                               \
    "<requests rate=\"1\" burst=\"3\"/></host>"                                                    \
    "<domain name=\"*\"><memory><min>256</min></memory></domain></xenplm-policy>"

static const struct {
    const char *what;
    int res;
    const char *first[3], *then[3]; /* requests of a, b, c: one level */
    long out[3];                    /* their allocations after the second turn */
} damp_rows[] = {
    /* 400 to share: a 100, b and c levelled at 150; then a gives 20 back:
     * b and c would get 160 (+6.7 %), under the 10 % rule: kept. */
    {"cpu: neighbours' small grow kept",
     POL_CPU,
     {"100", "200", "200"},
     {"80", "200", "200"},
     {80, 150, 150}},
    /* 6656 MiB: a 1024, b and c at 2816; a gives 256 back: b and c grow
     * 4.5 % with it (a memory grow moves along). */
    {"memory: neighbours' grow moves along",
     POL_MEMORY,
     {"1024", "4096", "4096"},
     {"768", "4096", "4096"},
     {768, 2944, 2944}},
    /* Room in the pool: b's 4.7 % shrink waits while a's rise fires. */
    {"memory: small shrink kept",
     POL_MEMORY,
     {"1024", "2048", "2048"},
     {"1536", "1952", "2048"},
     {1536, 2048, 2048}},
    /* No room: b and c give way (-9 %) so that a's rise fits. */
    {"memory: shrink the pool needs",
     POL_MEMORY,
     {"1024", "2816", "2816"},
     {"1536", "2700", "2700"},
     {1536, 2560, 2560}},
};

START_TEST(trigger_moves_who_fired)
{
    struct eh h;
    size_t d[3];
    eh_open(&h, DAMP_XML, 8192, 1024);
    d[0] = eh_add(&h, "a", 4, 1024, 8192);
    d[1] = eh_add(&h, "b", 4, 1024, 8192);
    d[2] = eh_add(&h, "c", 4, 1024, 8192);
    bool cpu = damp_rows[_i].res == POL_CPU;
    for (int k = 0; k < 3; k++)
        eh_ask(&h, d[k], cpu ? damp_rows[_i].first[k] : NULL, cpu ? NULL : damp_rows[_i].first[k]);
    eh_turn(&h);
    h.now += 1000;
    for (int k = 0; k < 3; k++)
        eh_ask(&h, d[k], cpu ? damp_rows[_i].then[k] : NULL, cpu ? NULL : damp_rows[_i].then[k]);
    eh_turn(&h);
    for (int k = 0; k < 3; k++)
        ck_assert_msg(granted(&h, d[k], damp_rows[_i].res) == damp_rows[_i].out[k],
                      "%s: domain %c holds %ld, want %ld", damp_rows[_i].what, 'a' + k,
                      granted(&h, d[k], damp_rows[_i].res), damp_rows[_i].out[k]);
    eh_close(&h);
}
END_TEST

/* Only differences become actions: the first turn sets weight, cap, vcpus
 * and the grant; the same snapshot again asks nothing of Xen. */
START_TEST(actions_only_differences)
{
    struct eh h;
    eh_open(&h, base_xml, 8192, 1024);
    size_t a = eh_add(&h, "web", 4, 1024, 2048);
    size_t u = eh_add(&h, "idle", 2, 1024, 1024); /* no agent: unmanaged */
    eh_ask(&h, a, "150", NULL);
    const struct eng_plan *p = eh_turn(&h);
    const struct eng_action *s = find(p, ENG_ACT_SCHED, a);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->weight, 384);
    ck_assert_int_eq(s->cap, 150);
    ck_assert_uint_eq(must(find(p, ENG_ACT_VCPUS, a))->vcpus, 2);
    ck_assert_uint_eq(count(p, ENG_ACT_GRANT, a), 1);
    ck_assert_uint_eq(count(p, ENG_ACT_SCHED, u) + count(p, ENG_ACT_GRANT, u), 0);
    ck_assert(p->table_changed);
    ck_assert(noted(p, "cpu 0 -> 150 pct: satisfied through level 1"));
    /* The guest's answer comes last, once its request is enforced. */
    ck_assert_uint_eq(count(p, ENG_ACT_ANSWER, a), 1);
    ck_assert_int_eq(p->act[p->nact - 1].kind, ENG_ACT_ANSWER);

    h.now += 1000;
    p = eh_turn(&h);
    ck_assert_uint_eq(p->nact, 0);
    ck_assert(!p->table_changed);
    eh_close(&h);
}
END_TEST

/*
 * The plan's order: in a turn where the balloon mover steps and CPU
 * requests change, every CPU setting comes before any memory target,
 * the targets before the grants, the grants before the answers; the
 * mover's shrinks still come before its grows.  Rows: the CPU asked
 * anew in the second turn by donor, recv and web (NULL: nothing new).
 */
static const struct {
    const char *what;
    const char *cpu[3];
} order_rows[] = {
    {"the last domain's CPU", {NULL, NULL, "150"}},
    {"the first domain's CPU", {"40", NULL, NULL}},
    {"two domains' CPU", {"40", NULL, "150"}},
    {"every domain's CPU", {"40", "60", "150"}},
};

START_TEST(plan_order_cpu_first)
{
    static const char *const mem[3] = {"1024", "3072", "256"};
    struct eh h;
    size_t d[3];
    eh_open(&h, base_xml, 9400, 4704);
    d[0] = eh_add(&h, "donor", 2, 3072, 3072);
    d[1] = eh_add(&h, "recv", 2, 1024, 4096);
    d[2] = eh_add(&h, "web", 2, 256, 512);
    for (int k = 0; k < 3; k++)
        eh_ask(&h, d[k], "10", mem[k]);
    eh_turn(&h);
    eh_wait(&h, 256, 1000);
    for (int k = 0; k < 3; k++)
        if (order_rows[_i].cpu[k])
            eh_ask(&h, d[k], order_rows[_i].cpu[k], mem[k]);
    const struct eng_plan *p = eh_turn(&h);
    size_t sched = 0, targets = 0;
    int last = -1;
    bool grown = false;
    static const int rank[] = {[ENG_ACT_SCHED] = 0,  [ENG_ACT_VCPUS] = 0, [ENG_ACT_AFFINITY] = 0,
                               [ENG_ACT_TARGET] = 1, [ENG_ACT_GRANT] = 2, [ENG_ACT_ANSWER] = 3};
    for (size_t k = 0; k < p->nact; k++) {
        const struct eng_action *a = &p->act[k];
        ck_assert_msg(rank[a->kind] >= last, "%s: action %zu (kind %d) after a later class",
                      order_rows[_i].what, k, (int)a->kind);
        last = rank[a->kind];
        sched += a->kind == ENG_ACT_SCHED;
        if (a->kind == ENG_ACT_TARGET) {
            targets++;
            bool grow = a->target_kib > h.dom[a->dom].in.mem_actual_kib;
            ck_assert_msg(grow || !grown, "%s: a shrink after a grow", order_rows[_i].what);
            grown = grown || grow;
        }
    }
    ck_assert_msg(sched > 0 && targets > 0, "%s: %zu sched, %zu targets: not the turn meant",
                  order_rows[_i].what, sched, targets);
    eh_close(&h);
}
END_TEST

/* Shrink before grow: with little free memory the receiver grows only by
 * what the donor has actually released, and no target ever passes free
 * memory less the headroom, nor goes below a floor. */
START_TEST(memory_shrink_before_grow)
{
    struct eh h;
    /* 4704 + 3072 + 1024 held on a host of 9400: 600 MiB free, 88 above
     * the headroom; the pool is 600 + 4096 - 512 = 4184. */
    eh_open(&h, base_xml, 9400, 4704);
    size_t donor = eh_add(&h, "donor", 2, 3072, 3072);
    size_t recv = eh_add(&h, "recv", 2, 1024, 4096);
    eh_ask(&h, donor, "10", "1024");
    eh_ask(&h, recv, "10", "3072");
    eh_turn(&h);
    ck_assert_int_eq(granted(&h, donor, POL_MEMORY), 1024);
    ck_assert_int_eq(granted(&h, recv, POL_MEMORY), 3072);
    for (int turn = 0; turn < 40; turn++) {
        int64_t free_kib = h.total_kib - held_kib(&h);
        int64_t promised = 0;
        const struct eng_plan *p = eh_turn(&h);
        for (size_t i = 0; i < h.n; i++) {
            const struct eng_dom *e = &h.dom[i];
            ck_assert_int_ge(e->mem.target_kib, 512 * MIB);
            if (e->mem.target_kib > e->in.mem_actual_kib)
                promised += e->mem.target_kib - e->in.mem_actual_kib;
        }
        ck_assert_int_le(promised, free_kib - 512 * MIB + 0);
        /* Asleep only once everything is where it should be. */
        bool done = h.dom[donor].mem.target_kib == 1024 * MIB &&
                    h.dom[recv].mem.target_kib == 3072 * MIB &&
                    h.dom[donor].in.mem_actual_kib == 1024 * MIB &&
                    h.dom[recv].in.mem_actual_kib == 3072 * MIB;
        ck_assert(p->wake_at_ms != 0 || done);
        eh_wait(&h, 256, 1000);
    }
    ck_assert_int_eq(h.dom[donor].mem.target_kib, 1024 * MIB);
    ck_assert_int_eq(h.dom[recv].mem.target_kib, 3072 * MIB);
    ck_assert(!h.st.mem_moving);
    eh_close(&h);

    /* When a move ends, one more reading is asked for (what is shown must
     * be what Xen holds), and then none. */
    eh_open(&h, base_xml, 9400, 4704);
    recv = eh_add(&h, "recv", 2, 1024, 4096);
    eh_ask(&h, recv, "10", "1280");
    int rereads = 0, quiet = 0;
    for (int turn = 0; turn < 20; turn++) {
        eh_turn(&h);
        bool wants = eng_wants_memory(&h.dom[recv]);
        if (h.dom[recv].mem_reread) {
            ck_assert(wants);
            ck_assert_uint_ne(h.plan.wake_at_ms, 0);
            rereads++;
        } else if (!h.dom[recv].mem_moving && rereads) {
            ck_assert(!wants);
            quiet++;
        }
        eh_wait(&h, 100, 1000);
    }
    ck_assert_int_eq(rereads, 1);
    ck_assert_int_gt(quiet, 5);
    eh_close(&h);
}
END_TEST

/* A domain leaving by live migration (eng_view.migrating): its memory
 * target is not moved, whatever it was granted; the other's goes on. */
static const struct {
    bool donor, recv; /* migrating */
} mig_rows[] = {{false, false}, {true, false}, {false, true}, {true, true}};

START_TEST(migrating_target_held)
{
    struct eh h;
    size_t targets[2] = {0, 0};

    eh_open(&h, base_xml, 9400, 4704);
    size_t donor = eh_add(&h, "donor", 2, 3072, 3072);
    size_t recv = eh_add(&h, "recv", 2, 1024, 4096);
    eh_ask(&h, donor, "10", "1024");
    eh_ask(&h, recv, "10", "3072");
    h.dom[donor].in.migrating = mig_rows[_i].donor;
    h.dom[recv].in.migrating = mig_rows[_i].recv;
    int64_t t0[2] = {h.dom[donor].mem.target_kib, h.dom[recv].mem.target_kib};
    for (int turn = 0; turn < 10; turn++) {
        const struct eng_plan *p = eh_turn(&h);
        targets[0] += count(p, ENG_ACT_TARGET, donor);
        targets[1] += count(p, ENG_ACT_TARGET, recv);
        eh_wait(&h, 256, 1000);
    }
    /* Granted as ever: only the target is held. */
    ck_assert_int_eq(granted(&h, donor, POL_MEMORY), 1024);
    ck_assert_int_eq(granted(&h, recv, POL_MEMORY), 3072);
    ck_assert_uint_eq(targets[0] == 0, mig_rows[_i].donor);
    ck_assert_uint_eq(targets[1] == 0, mig_rows[_i].recv);
    if (mig_rows[_i].donor)
        ck_assert_int_eq(h.dom[donor].mem.target_kib, t0[0]);
    if (mig_rows[_i].recv)
        ck_assert_int_eq(h.dom[recv].mem.target_kib, t0[1]);
    eh_close(&h);
}
END_TEST

/* A balloon sticks mid-move while the pool shrinks: the donor is marked
 * uncooperative, what it holds stays its own, the receiver is given only
 * what is really there, and when another domain takes memory the pool's
 * shrinking reallocates at once; growth stops while free memory is short. */
/* A domain whose memory could not be read this turn (its domain info
 * refused) keeps its target: a stale reading could set one below what it
 * has grown to since.  The mover tries again at the next tick, and the
 * others never grow into what it was promised meanwhile. */
START_TEST(memory_unread_left_alone)
{
    struct eh h;
    eh_open(&h, base_xml, 9400, 4704);
    size_t g = eh_add(&h, "g", 2, 1024, 4096);
    size_t o = eh_add(&h, "o", 2, 1024, 4096);
    eh_ask(&h, g, "10", "1024");
    eh_ask(&h, o, "10", "1024");
    eh_turn(&h);
    h.now += 1000;
    eh_turn(&h);
    ck_assert_int_eq(h.dom[g].mem.target_kib, 1024 * MIB);

    /* g asks more while its reading fails: granted, not enforced, for
     * as many turns as the reading fails. */
    eh_ask(&h, g, "10", "2048");
    for (int turn = 0; turn < 3; turn++) {
        h.dom[g].in.mem_unread = true;
        h.now += 1000;
        const struct eng_plan *p = eh_turn(&h);
        ck_assert_int_eq(granted(&h, g, POL_MEMORY), 2048);
        ck_assert_uint_eq(count(p, ENG_ACT_TARGET, g), 0);
        ck_assert_int_eq(h.dom[g].mem.target_kib, 1024 * MIB);
        ck_assert(h.st.mem_moving);
        ck_assert(p->wake_at_ms != 0);
    }

    /* Read again: the move starts. */
    h.dom[g].in.mem_unread = false;
    h.now += 1000;
    const struct eng_plan *p = eh_turn(&h);
    ck_assert_uint_eq(count(p, ENG_ACT_TARGET, g), 1);
    ck_assert_int_gt(h.dom[g].mem.target_kib, 1024 * MIB);

    /* Unread while growing: o, asking more, is not given what g was
     * promised (600 MiB free, 88 above the 512 MiB headroom). */
    int64_t owed = h.dom[g].mem.target_kib - h.dom[g].in.mem_actual_kib;
    ck_assert_int_gt(owed, 0);
    h.dom[g].in.mem_unread = true;
    eh_ask(&h, o, "10", "2048");
    h.now += 1000;
    eh_turn(&h);
    int64_t o_growth = h.dom[o].mem.target_kib - h.dom[o].in.mem_actual_kib;
    ck_assert_int_le(o_growth + owed, h.total_kib - held_kib(&h) - 512 * MIB);
    eh_close(&h);
}
END_TEST

START_TEST(memory_stuck_while_pool_shrinks)
{
    struct eh h;
    eh_open(&h, base_xml, 9400, 4704);
    size_t donor = eh_add(&h, "donor", 2, 3072, 3072);
    size_t recv = eh_add(&h, "recv", 2, 1024, 4096);
    eh_ask(&h, donor, "10", "1024");
    eh_ask(&h, recv, "10", "3072");
    eh_turn(&h);
    /* It moves a little, then sticks. */
    for (int turn = 0; turn < 3; turn++) {
        eh_turn(&h);
        eh_wait(&h, 256, 1000);
    }
    ck_assert_int_lt(h.dom[donor].in.mem_actual_kib, 3072 * MIB);
    h.stuck[donor] = true;
    bool marked = false;
    for (int turn = 0; turn < 20 && !marked; turn++) {
        eh_wait(&h, 256, 1000);
        marked = noted(eh_turn(&h), "balloon does not move");
    }
    ck_assert(marked);
    ck_assert(h.dom[donor].mem.uncooperative);
    int64_t held = h.dom[donor].in.mem_actual_kib / MIB;
    ck_assert_int_eq(granted(&h, donor, POL_MEMORY), held / 16 * 16);
    long before = granted(&h, recv, POL_MEMORY);
    ck_assert_int_lt(before, 3072);

    /* Another toolstack creates a domain (adopted, unmanaged, by the
     * scan, which forces a reallocation): the pool shrinks. */
    size_t intruder = eh_add(&h, "intruder", 1, 300, 300);
    h.in.force = "domains, overrides or policy changed";
    h.now += 1000;
    const struct eng_plan *p = eh_turn(&h);
    ck_assert_int_eq(h.dom[intruder].source, ENG_SRC_NONE);
    ck_assert_uint_eq(count(p, ENG_ACT_TARGET, intruder), 0);
    ck_assert_int_lt(granted(&h, recv, POL_MEMORY), before);
    ck_assert_int_le(h.dom[donor].granted[POL_MEMORY] + h.dom[recv].granted[POL_MEMORY],
                     h.st.pool[POL_MEMORY]);
    /* No target is raised while the host is short. */
    ck_assert_uint_eq(count(p, ENG_ACT_TARGET, recv) == 0 ||
                          must(find(p, ENG_ACT_TARGET, recv))->target_kib <=
                              h.dom[recv].mem.target_kib,
                      1);
    eh_close(&h);
}
END_TEST

/* A balloon that does not move while holding more than its maximum: its
 * allocation is pinned at the maximum, the rest of what it holds stays
 * out of the pool, nothing reallocates while the inputs hold still, and
 * it is asked again after 30 s, then 60 s, 120 s... after each refusal. */
START_TEST(stuck_above_max_pinned)
{
    struct eh h;
    eh_open(&h, base_xml, 12288, 1024);
    size_t hog = eh_add(&h, "hog", 2, 4096, 4096);
    size_t by = eh_add(&h, "by", 2, 2048, 4096);
    eh_ask(&h, hog, "10", "1024");
    eh_ask(&h, by, "10", "3072");
    h.stuck[hog] = true;
    uint64_t marked_at = 0, asks[4] = {0};
    unsigned nasks = 0;
    unsigned long long reallocs = 0;
    long by_mem = -1;
    for (int turn = 0; turn < 400; turn++) {
        const struct eng_plan *p = eh_turn(&h);
        if (!marked_at && noted(p, "balloon does not move")) {
            marked_at = h.now;
            reallocs = h.st.reallocations;
            by_mem = granted(&h, by, POL_MEMORY);
        }
        if (noted(p, "asking its balloon") && nasks < 4)
            asks[nasks++] = h.now;
        ck_assert_int_le(granted(&h, hog, POL_MEMORY), 3072);
        if (marked_at)
            ck_assert_int_eq(granted(&h, by, POL_MEMORY), by_mem);
        eh_wait(&h, 256, 1000);
    }
    ck_assert_uint_ne(marked_at, 0);
    ck_assert(h.dom[hog].mem.uncooperative);
    ck_assert_int_eq(granted(&h, hog, POL_MEMORY), 3072);
    ck_assert_int_eq(by_mem, 3072);
    /* Pool: 12288 - 1024 - 512 headroom, less the 1024 the hog holds
     * above its allocation. */
    ck_assert_int_eq(h.st.pool[POL_MEMORY] / PLM_SCALE, 12288 - 1024 - 512 - 1024);
    ck_assert_uint_le(h.st.reallocations - reallocs, 1);
    ck_assert_uint_eq(nasks, 3);
    ck_assert_uint_eq(asks[0] - marked_at, 30000);
    ck_assert_uint_eq(asks[1] - asks[0], 10000 + 60000);
    ck_assert_uint_eq(asks[2] - asks[1], 10000 + 120000);
    ck_assert_int_eq(h.dom[hog].in.mem_actual_kib, 4096 * MIB);
    eh_close(&h);
}
END_TEST

/* A domain destroyed between snapshot and apply: its actions fail and are
 * not confirmed; once the table no longer holds it, the next turn
 * reallocates among the others and no action names it. */
START_TEST(domain_gone_before_apply)
{
    struct eh h;
    eh_open(&h, HOST_XML("reserve=\"200\"", "both"), 8192, 1024);
    size_t a = eh_add(&h, "a", 4, 1024, 2048);
    size_t b = eh_add(&h, "b", 4, 1024, 2048);
    eh_ask(&h, a, "200", NULL);
    eh_ask(&h, b, "200", NULL);
    const struct eng_plan *p = eh_turn_as(&h, false);
    ck_assert_int_eq(granted(&h, a, POL_CPU), 100);
    /* Apply: a's calls succeed, b is gone, its calls fail. */
    for (size_t k = 0; k < p->nact; k++)
        if (p->act[k].dom == a)
            eng_confirm(&h.dom[a], &p->act[k]);
    ck_assert_int_eq(h.dom[b].weight, -1);
    /* The scan drops b. */
    h.n = 1;
    h.now += 10;
    h.in.force = "domains, overrides or policy changed";
    p = eh_turn(&h);
    ck_assert_int_eq(granted(&h, a, POL_CPU), 200);
    for (size_t k = 0; k < p->nact; k++)
        ck_assert_uint_eq(p->act[k].dom, a);
    ck_assert_int_eq(must(find(p, ENG_ACT_SCHED, a))->cap, 200);
    eh_close(&h);
}
END_TEST

/* A reload that changes the CPU mode and the pool at once: one turn
 * arbitrates against the new pool and sends the new mode's settings. */
START_TEST(reload_mode_and_pool)
{
    struct eh h;
    eh_open(&h, HOST_XML("reserve=\"0\"", "weight"), 8192, 1024);
    size_t a = eh_add(&h, "a", 4, 1024, 2048);
    size_t b = eh_add(&h, "b", 4, 1024, 2048);
    eh_ask(&h, a, "300", NULL);
    eh_ask(&h, b, "300", NULL);
    const struct eng_plan *p = eh_turn(&h);
    ck_assert_int_eq(granted(&h, a, POL_CPU), 200);
    ck_assert_int_eq(must(find(p, ENG_ACT_SCHED, a))->weight, 512);
    ck_assert_int_eq(must(find(p, ENG_ACT_SCHED, a))->cap, -1);

    eh_policy(&h, HOST_XML("reserve=\"200\"", "cap"));
    for (size_t i = 0; i < h.n; i++)
        eng_forget_cpu(&h.dom[i]);
    h.now += 10;
    h.in.force = "domains, overrides or policy changed";
    h.in.resync_cpu = true;
    p = eh_turn(&h);
    ck_assert_int_eq(h.st.pool[POL_CPU] / PLM_SCALE, 200);
    ck_assert_int_eq(granted(&h, a, POL_CPU), 100);
    ck_assert_int_eq(granted(&h, b, POL_CPU), 100);
    for (size_t i = 0; i < h.n; i++) {
        const struct eng_action *s = find(p, ENG_ACT_SCHED, i);
        ck_assert_ptr_nonnull(s);
        ck_assert_int_eq(s->weight, -1);
        ck_assert_int_eq(s->cap, 100);
        ck_assert_uint_eq(count(p, ENG_ACT_SCHED, i), 1);
    }
    eh_close(&h);
}
END_TEST

/* A host with no domain still sizes its pools when it reads its facts
 * (pool mode publishes them: an empty host must not look full), and
 * leaves them as they were on a turn that read none. */
START_TEST(empty_host_sizes_pools)
{
    struct eh h;
    eh_open(&h, HOST_XML("reserve=\"100\"", "weight"), 8192, 1024);
    const struct eng_plan *p = eh_turn(&h);
    ck_assert_uint_eq(p->nact, 0);
    /* 4 pCPUs less the reserve; free memory (8192 - 1024) less the headroom. */
    ck_assert_int_eq(h.st.pool[POL_CPU] / PLM_SCALE, 300);
    ck_assert_int_eq(h.st.pool[POL_MEMORY] / PLM_SCALE, 8192 - 1024 - 512);

    h.other_kib = 2048 * MIB;
    h.now += 1000;
    eh_turn(&h);
    ck_assert_int_eq(h.st.pool[POL_MEMORY] / PLM_SCALE, 8192 - 2048 - 512);

    h.now += 1000;
    h.in.policy = &h.pol;
    h.in.now_ms = h.now;
    h.in.host.ok = false; /* facts unread: the last sizes stand */
    ck_assert_int_eq(eng_reserve(&h.scratch, &h.plan, 0), 0);
    eng_decide(&h.in, &h.st, eh_table(&h), &h.scratch, &h.plan);
    ck_assert_int_eq(h.st.pool[POL_CPU] / PLM_SCALE, 300);
    ck_assert_int_eq(h.st.pool[POL_MEMORY] / PLM_SCALE, 8192 - 2048 - 512);
    eh_close(&h);
}
END_TEST

/* An override holds until it expires, then the request speaks again. */
START_TEST(override_expires)
{
    struct eh h;
    eh_open(&h, base_xml, 8192, 1024);
    size_t a = eh_add(&h, "a", 4, 1024, 2048);
    eh_ask(&h, a, "100", NULL);
    eh_turn(&h);
    h.dom[a].override.active[POL_CPU] = true;
    h.dom[a].override.amount[POL_CPU] = PLM_UNITS(250);
    h.dom[a].override.until_ms = h.now + 5000;
    h.dom[a].in.changed = true;
    h.in.force = "domains, overrides or policy changed";
    h.now += 1000;
    const struct eng_plan *p = eh_turn(&h);
    ck_assert_int_eq(h.dom[a].source, ENG_SRC_OVERRIDE);
    ck_assert_int_eq(granted(&h, a, POL_CPU), 250);
    ck_assert_uint_eq(p->wake_at_ms, h.st.next_tick_ms);
    bool expired = false;
    for (int i = 0; i < 8 && !expired; i++) {
        h.now += 1000;
        expired = noted(eh_turn(&h), "manual override expired");
    }
    ck_assert(expired);
    ck_assert_int_eq(h.dom[a].source, ENG_SRC_AGENT);
    ck_assert_int_eq(granted(&h, a, POL_CPU), 100);
    eh_close(&h);
}
END_TEST

/* The most a domain may be granted, and what sets it (xenplm-policy(5),
 * "the implicit maximum"): base_xml's rule caps CPU at 300, memory at 3072. */
static const struct {
    bool rule;
    unsigned vcpus;
    int64_t maxmem_mib;
    int64_t cpu, mem;
    enum eng_max_by cpu_by, mem_by;
} max_cases[] = {
    {true, 4, 2048, 300, 2048, ENG_MAX_POLICY, ENG_MAX_MAXMEM},
    {true, 2, 4096, 200, 3072, ENG_MAX_VCPUS, ENG_MAX_POLICY},
    {true, 3, 3072, 300, 3072, ENG_MAX_POLICY, ENG_MAX_POLICY}, /* a tie names the policy */
    {false, 1, 0, 100, -1, ENG_MAX_VCPUS, ENG_MAX_NONE},        /* maxmem unknown */
    {false, 0, 512, 100, 512, ENG_MAX_VCPUS, ENG_MAX_MAXMEM},   /* no vcpus known: one */
};

START_TEST(max_and_what_sets_it)
{
    struct eh h;
    eh_open(&h, base_xml, 8192, 1024);
    struct eng_view v = {
        .rule = max_cases[_i].rule ? pol_match(&h.pol, "x", NULL) : NULL,
        .max_vcpus = max_cases[_i].vcpus,
        .mem_max_kib = max_cases[_i].maxmem_mib * MIB,
    };
    enum eng_max_by cby, mby;
    plm_amt_t cpu = eng_max(&v, POL_CPU, &cby), mem = eng_max(&v, POL_MEMORY, &mby);
    ck_assert_int_eq(cpu, PLM_UNITS(max_cases[_i].cpu));
    ck_assert_int_eq(mem, max_cases[_i].mem < 0 ? PLM_AMT_MAX : PLM_UNITS(max_cases[_i].mem));
    ck_assert_str_eq(eng_max_by_name(cby), eng_max_by_name(max_cases[_i].cpu_by));
    ck_assert_str_eq(eng_max_by_name(mby), eng_max_by_name(max_cases[_i].mem_by));
    eh_close(&h);
}
END_TEST

/* An override far above what the domain can hold is granted only that
 * (issue 10: 14,320 MiB went to a domain whose maxmem was 4096). */
START_TEST(override_clamped)
{
    struct eh h;
    eh_open(&h, base_xml, 8192, 1024);
    size_t a = eh_add(&h, "a", 2, 1024, 2048);
    size_t b = eh_add(&h, "b", 4, 1024, 4096);
    eh_ask(&h, a, "100", "1024");
    eh_ask(&h, b, "100", "1024");
    eh_turn(&h);
    h.dom[a].override.active[POL_CPU] = h.dom[a].override.active[POL_MEMORY] = true;
    h.dom[a].override.amount[POL_CPU] = PLM_UNITS(1000000000);
    h.dom[a].override.amount[POL_MEMORY] = PLM_UNITS(1000000000);
    h.dom[a].in.changed = true;
    h.in.force = "domains, overrides or policy changed";
    h.now += 1000;
    eh_turn(&h);
    ck_assert_int_eq(h.dom[a].source, ENG_SRC_OVERRIDE);
    ck_assert_int_eq(granted(&h, a, POL_CPU), 200);     /* 2 vcpus */
    ck_assert_int_eq(granted(&h, a, POL_MEMORY), 2048); /* its maxmem */
    ck_assert_int_ge(granted(&h, b, POL_MEMORY), 1024); /* the other is not squeezed */
    eh_close(&h);
}
END_TEST

/* Paused: allocations and grants go on, Xen is not touched; when the host
 * cannot be read, the arbitration is owed and tried at the next tick. */
START_TEST(paused_and_host_unreadable)
{
    struct eh h;
    eh_open(&h, base_xml, 8192, 1024);
    size_t a = eh_add(&h, "a", 4, 1024, 2048);
    eh_ask(&h, a, "100", "1536");
    h.in.paused = true;
    const struct eng_plan *p = eh_turn(&h);
    ck_assert_uint_eq(count(p, ENG_ACT_GRANT, a), 1);
    ck_assert_uint_eq(count(p, ENG_ACT_SCHED, a) + count(p, ENG_ACT_VCPUS, a), 0);
    h.in.paused = true;
    p = eh_turn(&h);
    ck_assert_uint_eq(count(p, ENG_ACT_TARGET, a), 0);

    /* Unreadable host: nothing arbitrated, owed for later. */
    eh_ask(&h, a, "200", "1536");
    h.now += 1000;
    struct eng_input in = {.policy = &h.pol, .now_ms = h.now};
    eng_decide(&in, &h.st, eh_table(&h), &h.scratch, &h.plan);
    h.dom[a].in.changed = false;
    ck_assert(h.plan.host_unreadable);
    ck_assert(h.st.rearbitrate);
    ck_assert_int_eq(granted(&h, a, POL_CPU), 100);
    ck_assert_uint_ne(h.plan.wake_at_ms, 0);
    h.now = h.plan.wake_at_ms;
    eh_turn(&h);
    ck_assert(!h.st.rearbitrate);
    ck_assert_int_eq(granted(&h, a, POL_CPU), 200);
    eh_close(&h);
}
END_TEST

/* What a domain can hold falls (its vcpus, its maxmem) while the host
 * cannot be read to arbitrate: its grants are lowered to it at once, and
 * (the CPU) enforced, the others left as they are; the arbitration is
 * still owed. */
START_TEST(limits_fall_while_host_unreadable)
{
    static const struct {
        const char *name;
        unsigned vcpus;       /* its vcpus afterwards */
        int64_t maxmem_mib;   /* its maxmem afterwards */
        long cpu, mem;        /* its grants afterwards */
        bool sched, mem_down; /* its CPU enforced, its memory lowered */
    } rows[] = {
        {"vcpus fall", 2, 2048, 200, 1536, true, false},
        {"maxmem falls", 4, 1024, 300, 1024, false, true},
        {"both fall", 1, 1280, 100, 1280, true, true},
        {"nothing falls", 4, 2048, 300, 1536, false, false},
    };
    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        struct eh h;
        eh_open(&h, base_xml, 8192, 1024);
        size_t a = eh_add(&h, "a", 4, 1024, 2048);
        size_t b = eh_add(&h, "b", 4, 1024, 2048);
        eh_ask(&h, a, "300", "1536");
        eh_ask(&h, b, "100", "1024");
        eh_turn(&h);
        ck_assert_int_eq(granted(&h, a, POL_CPU), 300);
        ck_assert_int_eq(granted(&h, a, POL_MEMORY), 1536);
        eh_wait(&h, 1024, 1000);
        h.dom[a].in.max_vcpus = rows[k].vcpus;
        h.dom[a].in.mem_max_kib = rows[k].maxmem_mib * MIB;
        h.dom[a].in.changed = true;
        h.now += 1000;
        struct eng_input in = {.policy = &h.pol, .now_ms = h.now};
        eng_decide(&in, &h.st, eh_table(&h), &h.scratch, &h.plan);
        ck_assert_msg(h.plan.host_unreadable && h.st.rearbitrate, "%s", rows[k].name);
        ck_assert_msg(granted(&h, a, POL_CPU) == rows[k].cpu, "%s: cpu %ld", rows[k].name,
                      granted(&h, a, POL_CPU));
        ck_assert_msg(granted(&h, a, POL_MEMORY) == rows[k].mem, "%s: mem %ld", rows[k].name,
                      granted(&h, a, POL_MEMORY));
        ck_assert_int_eq(granted(&h, b, POL_CPU), 100);
        ck_assert_int_eq(granted(&h, b, POL_MEMORY), 1024);
        bool changed = rows[k].sched || rows[k].mem_down;
        ck_assert_msg((count(&h.plan, ENG_ACT_SCHED, a) > 0) == rows[k].sched, "%s", rows[k].name);
        ck_assert_msg(count(&h.plan, ENG_ACT_GRANT, a) == (changed ? 1u : 0u), "%s", rows[k].name);
        ck_assert_uint_eq(count(&h.plan, ENG_ACT_GRANT, b), 0);
        eh_close(&h);
    }
}
END_TEST

/* The same inputs and state give the same plan: nothing but its
 * arguments shapes the decision. */
START_TEST(deterministic)
{
    struct eh h;
    eh_open(&h, base_xml, 8800, 4704);
    size_t donor = eh_add(&h, "donor", 2, 3072, 3072);
    size_t recv = eh_add(&h, "recv", 2, 1024, 4096);
    eh_ask(&h, donor, "120,200", "1024");
    eh_ask(&h, recv, "90,300", "3072");
    eh_turn(&h);
    eh_wait(&h, 100, 1000);

    static struct eng_state st0;
    static struct eng_dom dom0[MAXD];
    st0 = h.st;
    memcpy(dom0, h.dom, sizeof(dom0));
    eh_turn_as(&h, false);
    size_t nact = h.plan.nact, nnote = h.plan.nnote;
    struct eng_action act[4 * MAXD + 4];
    memcpy(act, h.plan.act, nact * sizeof(act[0]));
    ck_assert_uint_gt(nact, 0);

    h.st = st0;
    memcpy(h.dom, dom0, sizeof(dom0));
    eh_turn_as(&h, false);
    ck_assert_uint_eq(h.plan.nact, nact);
    ck_assert_uint_eq(h.plan.nnote, nnote);
    ck_assert_int_eq(memcmp(act, h.plan.act, nact * sizeof(act[0])), 0);
    eh_close(&h);
}
END_TEST

/* Agentless: a CPU reading becomes a request at the rule's level. */
START_TEST(agentless_sampling)
{
    struct eh h;
    eh_open(&h,
            "<xenplm-policy version=\"1\"><host><tick>1s</tick>"
            "<cpu><pool reserve=\"0\"/><minimal>10</minimal><unit>1</unit></cpu></host>"
            "<domain name=\"*\"><cpu><min>10</min><max>300</max><enforce>cap</enforce></cpu>"
            "<agentless level=\"1\" headroom=\"20\" after=\"2s\"/></domain></xenplm-policy>",
            8192, 1024);
    size_t a = eh_add(&h, "legacy", 1, 1024, 1024);
    eh_turn(&h);
    ck_assert_int_eq(h.dom[a].source, ENG_SRC_NONE);
    h.now += 2000;
    ck_assert(eng_wants_cpu_time(&h.dom[a], h.now));
    h.dom[a].in.cpu_read = true;
    h.dom[a].in.cpu_time_ns = 1600000000ull; /* 1.6 s busy in 2 s: 80% */
    const struct eng_plan *p = eh_turn(&h);
    ck_assert_int_eq(h.dom[a].source, ENG_SRC_AGENTLESS);
    ck_assert_int_eq(h.dom[a].cpu_used_pct, PLM_UNITS(80));
    ck_assert_int_eq(granted(&h, a, POL_CPU), 96);
    ck_assert_int_eq(must(find(p, ENG_ACT_SCHED, a))->cap, 96);
    eh_close(&h);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Host-side activity of agentless guests (io.c) */

/* The rates from two readings of the counters, row by row. */
static const struct {
    const char *what;
    uint64_t net0, disk0, net1, disk1, dt_ms;
    bool rated;   /* rates were measured before this reading (100 KiB/s, 5 req/s) */
    long net_out; /* KiB/s after the reading */
    long disk_out;
    bool busy, changed;
} rate_rows[] = {
    {"first period", 0, 0, 1024 * 1024, 40, 1000, false, 1024, 40, true, true},
    {"over two seconds", 1000, 10, 1000 + 512 * 1024, 50, 2000, false, 256, 20, true, true},
    {"quiet", 5000, 7, 5000, 7, 1000, false, 0, 0, false, false},
    {"under both thresholds", 0, 0, 255 * 1024, 19, 1000, false, 255, 19, false, false},
    /* A counter that goes down was reset: the last rates stand. */
    {"net reset", 1u << 30, 100, 4096, 300, 1000, true, 100, 5, false, false},
    {"disk reset", 0, 1000, 300 * 1024, 3, 1000, true, 100, 5, false, false},
    /* A 64-bit wrap looks the same as a reset. */
    {"wrap", UINT64_MAX - 10, 0, 5, 0, 1000, true, 100, 5, false, false},
    /* -1: saturated at UINT64_MAX / 1024 KiB/s rather than overflowing. */
    {"huge counts saturate", 0, 0, UINT64_MAX - 1, 0, 1, false, -1, 0, true, true},
};

START_TEST(io_rates)
{
    struct eh h;
    eh_open(&h,
            "<xenplm-policy version=\"1\"><domain name=\"*\"><agentless level=\"1\" "
            "net-busy=\"256\" disk-busy=\"20\"/></domain></xenplm-policy>",
            8192, 1024);
    size_t a = eh_add(&h, "legacy", 1, 1024, 1024);
    struct eng_dom *e = &h.dom[a];
    struct eng_input in = {.policy = &h.pol, .now_ms = h.now};
    ck_assert(eng_wants_io(e, h.now)); /* no baseline yet */
    e->in.io_read = true;
    e->in.io_net_bytes = rate_rows[_i].net0;
    e->in.io_disk_reqs = rate_rows[_i].disk0;
    ck_assert(!eng_sample_io(&in, e)); /* a baseline, no rate */
    ck_assert(!e->io_rated);
    if (rate_rows[_i].rated) {
        e->io_rated = true;
        e->net_kib_s = 100;
        e->disk_req_s = 5;
    }
    ck_assert(!eng_wants_io(e, h.now + 999));
    in.now_ms = h.now + rate_rows[_i].dt_ms;
    e->in.io_net_bytes = rate_rows[_i].net1;
    e->in.io_disk_reqs = rate_rows[_i].disk1;
    bool changed = eng_sample_io(&in, e);
    ck_assert_msg(changed == rate_rows[_i].changed, "%s: changed", rate_rows[_i].what);
    ck_assert_msg(e->io_busy == rate_rows[_i].busy, "%s: busy", rate_rows[_i].what);
    if (rate_rows[_i].net_out >= 0)
        ck_assert_msg(e->net_kib_s == (uint64_t)rate_rows[_i].net_out, "%s: net %llu",
                      rate_rows[_i].what, (unsigned long long)e->net_kib_s);
    else
        ck_assert_uint_eq(e->net_kib_s, UINT64_MAX / 1024);
    ck_assert_msg(e->disk_req_s == (uint64_t)rate_rows[_i].disk_out, "%s: disk %llu",
                  rate_rows[_i].what, (unsigned long long)e->disk_req_s);
    /* The next period starts at this reading. */
    ck_assert_uint_eq(e->io_prev_net_bytes, rate_rows[_i].net1);
    ck_assert_uint_eq(e->io_sample_ms, in.now_ms);
    /* Not read this turn: nothing changes. */
    e->in.io_read = false;
    in.now_ms += 1000;
    ck_assert(!eng_sample_io(&in, e));
    ck_assert_uint_eq(e->io_sample_ms, in.now_ms - 1000);
    /* Unread for ENG_IO_STALE_MS: forgotten, judged by CPU alone. */
    in.now_ms = e->io_sample_ms + ENG_IO_STALE_MS;
    ck_assert_int_eq(eng_sample_io(&in, e), rate_rows[_i].busy);
    ck_assert(!e->io_busy && !e->io_rated && !e->io_based);
    ck_assert(eng_wants_io(e, in.now_ms));
    eh_close(&h);
}
END_TEST

/* What an agentless guest asks of the CPU. */
static const struct {
    long io_cpu, used, headroom_pct;
    bool busy;
    long want;
} want_rows[] = {
    {50, 5, 20, false, 6},  /* idle: measured plus headroom */
    {50, 5, 20, true, 50},  /* busy: at least io-cpu */
    {50, 80, 20, true, 96}, /* already above it: unchanged */
    {0, 5, 20, true, 6},    /* the signal off */
    {50, 0, 0, true, 50},
};

START_TEST(io_agentless_cpu)
{
    struct eh h;
    eh_open(&h,
            "<xenplm-policy version=\"1\"><domain name=\"*\"><agentless level=\"1\"/>"
            "</domain></xenplm-policy>",
            8192, 1024);
    struct pol_domain d = *pol_match(&h.pol, "legacy", NULL);
    eh_close(&h);
    ck_assert(d.agentless);
    d.agentless_io_cpu = PLM_UNITS(want_rows[_i].io_cpu);
    d.agentless_headroom_pct100 = (uint32_t)want_rows[_i].headroom_pct * 100;
    plm_amt_t w = eng_agentless_cpu(&d, PLM_UNITS(want_rows[_i].used), want_rows[_i].busy);
    ck_assert_int_eq(w, PLM_UNITS(want_rows[_i].want));
    ck_assert_int_eq(eng_io_busy(&d, d.agentless_net_busy_kib_s, 0), want_rows[_i].io_cpu > 0);
    ck_assert_int_eq(eng_io_busy(&d, 0, d.agentless_disk_busy_req_s), want_rows[_i].io_cpu > 0);
    ck_assert(!eng_io_busy(&d, d.agentless_net_busy_kib_s - 1, d.agentless_disk_busy_req_s - 1));
}
END_TEST

/*
 * Two agentless guests using 5 % of a pCPU each; "busy" moves data on its
 * network or disks, "idle" does not.  Through eng_decide: busy keeps the
 * rule's io-cpu while idle is trimmed to what it used plus headroom; with
 * "db", an agent's guest whose minimum is 370 of the 400 there are, the
 * I/O signal takes nothing of it (busy gets what is left above the
 * minimums).
 */
static const struct {
    const char *what;
    const char *io_cpu;
    uint64_t net_kib_s, disk_req_s, used_pct;
    bool db;
    long busy_out, idle_out;
    bool noted;
} io_rows[] = {
    {"network busy", "50", 512, 0, 5, false, 50, 6, true},
    {"disk busy", "50", 0, 40, 5, false, 50, 6, true},
    {"under the thresholds", "50", 255, 19, 5, false, 6, 6, false},
    {"signal off", "0", 4096, 400, 5, false, 6, 6, false},
    {"using more than io-cpu", "50", 512, 0, 80, false, 96, 96, true},
    {"a neighbour's minimum", "50", 512, 0, 5, true, 24, 6, true},
};

START_TEST(io_keeps_busy_guest)
{
    char xml[1024];
    struct eh h;
    snprintf(xml, sizeof(xml),
             "<xenplm-policy version=\"1\"><host><tick>1s</tick>"
             "<cpu><pool reserve=\"0\"/><minimal>1</minimal><unit>1</unit>"
             "<trigger min-delta=\"1\"><rule pct=\"1\" samples=\"1\"/></trigger></cpu></host>"
             "<domain name=\"db\"><cpu><min>370</min><max>400</max><enforce>cap</enforce></cpu>"
             "</domain>"
             "<domain name=\"*\"><cpu><min>1</min><max>300</max><enforce>cap</enforce></cpu>"
             "<agentless level=\"1\" headroom=\"20\" after=\"2s\" io-cpu=\"%s\" net-busy=\"256\" "
             "disk-busy=\"20\"/></domain></xenplm-policy>",
             io_rows[_i].io_cpu);
    eh_open(&h, xml, 8192, 1024);
    size_t busy = eh_add(&h, "busy", 4, 1024, 1024);
    size_t idle = eh_add(&h, "idle", 4, 1024, 1024);
    size_t db = 0;
    if (io_rows[_i].db) {
        db = eh_add(&h, "db", 4, 1024, 1024);
        eh_ask(&h, db, "370", NULL);
    }
    eh_turn(&h);
    uint64_t cpu_ns = 0, net = 0, disk = 0;
    bool seen = false;
    for (int k = 0; k < 4; k++) {
        h.now += 1000;
        cpu_ns += io_rows[_i].used_pct * 10000000ull; /* pct of 1 s */
        net += io_rows[_i].net_kib_s * 1024;
        disk += io_rows[_i].disk_req_s;
        for (size_t i = 0; i < 2; i++) {
            struct eng_view *v = &h.dom[i].in;
            v->cpu_read = eng_wants_cpu_time(&h.dom[i], h.now);
            v->cpu_time_ns = cpu_ns;
            v->io_read = eng_wants_io(&h.dom[i], h.now);
            v->io_net_bytes = i == busy ? net : 0;
            v->io_disk_reqs = i == busy ? disk : 0;
        }
        const struct eng_plan *p = eh_turn(&h);
        seen = seen || noted(p, "busy with I/O");
    }
    ck_assert_int_eq(h.dom[busy].source, ENG_SRC_AGENTLESS);
    ck_assert_msg(granted(&h, busy, POL_CPU) == io_rows[_i].busy_out, "%s: busy got %ld",
                  io_rows[_i].what, granted(&h, busy, POL_CPU));
    ck_assert_msg(granted(&h, idle, POL_CPU) == io_rows[_i].idle_out, "%s: idle got %ld",
                  io_rows[_i].what, granted(&h, idle, POL_CPU));
    if (io_rows[_i].db)
        ck_assert_int_eq(granted(&h, db, POL_CPU), 370);
    ck_assert_int_eq(seen, io_rows[_i].noted);
    /* Its I/O stops: trimmed like the other at the next sample. */
    if (io_rows[_i].busy_out == 50) {
        h.now += 1000;
        cpu_ns += io_rows[_i].used_pct * 10000000ull;
        for (size_t i = 0; i < 2; i++) {
            struct eng_view *v = &h.dom[i].in;
            v->cpu_read = v->io_read = true;
            v->cpu_time_ns = cpu_ns;
            v->io_net_bytes = i == busy ? net : 0;
            v->io_disk_reqs = i == busy ? disk : 0;
        }
        ck_assert(noted(eh_turn(&h), "no longer busy with I/O"));
        ck_assert_int_eq(granted(&h, busy, POL_CPU), 6);
    }
    eh_close(&h);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Guest kinds (kinds.c) */

static const struct eng_action *answer_of(const struct eng_plan *p, size_t dom)
{
    return find(p, ENG_ACT_ANSWER, dom);
}

/*
 * A guest without a balloon driver ("fix") beside one with ("bal"): its
 * memory is what it holds, whatever it asks or an operator sets; its
 * target is never set; what it holds above its maximum stays out of the
 * pool; the other is given only what is left, and a memory request is
 * answered "ok: no balloon ...".  Host 8192 MiB, headroom 512, policy
 * memory 512..3072 in units of 16.
 */
static const struct {
    const char *what;
    int64_t held, maxmem; /* fix: what it holds, its maxmem (MiB) */
    const char *ask;      /* fix's memory request (NULL: none) */
    long override;        /* an operator's memory override for fix (0: none) */
    int64_t other;        /* dom0 and the rest */
    long fix_out, bal_out;
} nobal_rows[] = {
    /* free 2048, pool 2048 + 2048 - 512 = 3584: bal gets 3584 - 1024. */
    {"asks more, keeps what it has", 1024, 4096, "3000", 0, 4096, 1024, 2560},
    /* free 1024, pool 1024 + 3072 - 512: never asked to shrink. */
    {"asks less, not shrunk", 2048, 4096, "512", 0, 4096, 2048, 1536},
    /* 4000 held, pinned at the policy's 3072; the 928 above stays out of
     * the pool: free 1120, pool 1120 + 3072 + 1024 - 512 = 4704. */
    {"holds above its maximum", 4000, 4096, NULL, 0, 2048, 3072, 1632},
    /* An override moves no memory that has no balloon. */
    {"override", 1024, 4096, "1024", 2048, 4096, 1024, 2560},
};

/* Whether a guest has a balloon driver, from its key and its type. */
static const struct {
    enum proto_feature key;
    bool pv, balloon;
} balloon_rows[] = {
    {PROTO_FEATURE_ON, true, true},       {PROTO_FEATURE_ON, false, true},
    {PROTO_FEATURE_OFF, true, false},     {PROTO_FEATURE_OFF, false, false},
    {PROTO_FEATURE_UNSAID, true, true},   /* a PV kernel carries one */
    {PROTO_FEATURE_UNSAID, false, false}, /* PVH/HVM: cannot be told, not counted on */
};

START_TEST(balloon_rule)
{
    struct eng_view v = {.balloon_key = balloon_rows[_i].key, .pv = balloon_rows[_i].pv};
    ck_assert(eng_balloon_in(&v) == balloon_rows[_i].balloon);
}
END_TEST

START_TEST(no_balloon)
{
    struct eh h;
    eh_open(&h, base_xml, 8192, nobal_rows[_i].other);
    size_t fix = eh_add(&h, "fix", 2, nobal_rows[_i].held, nobal_rows[_i].maxmem);
    size_t bal = eh_add(&h, "bal", 2, 1024, 4096);
    h.dom[fix].in.balloon_key = PROTO_FEATURE_OFF;
    eh_ask(&h, fix, "10", nobal_rows[_i].ask);
    eh_ask(&h, bal, "10", "3000");
    if (nobal_rows[_i].override) {
        h.dom[fix].override.active[POL_MEMORY] = true;
        h.dom[fix].override.amount[POL_MEMORY] = PLM_UNITS(nobal_rows[_i].override);
    }
    const struct eng_plan *p = eh_turn(&h);
    ck_assert(noted(p, "no balloon driver"));
    const struct eng_action *ans = must(answer_of(p, fix));
    if (nobal_rows[_i].ask) {
        ck_assert_ptr_nonnull(ans->note);
        ck_assert(strncmp(ans->note, "no balloon", 10) == 0);
    } else {
        ck_assert_ptr_null(ans->note); /* it asked nothing of its memory */
    }
    ck_assert_ptr_null(must(answer_of(p, bal))->note);
    ck_assert(eng_mem_fixed(&h.dom[fix]));
    ck_assert(!h.dom[fix].mem.uncooperative);
    for (int turn = 0; turn < 60; turn++) {
        ck_assert_msg(granted(&h, fix, POL_MEMORY) == nobal_rows[_i].fix_out, "%s: fix mem %ld",
                      nobal_rows[_i].what, granted(&h, fix, POL_MEMORY));
        ck_assert_msg(granted(&h, bal, POL_MEMORY) == nobal_rows[_i].bal_out, "%s: bal mem %ld",
                      nobal_rows[_i].what, granted(&h, bal, POL_MEMORY));
        ck_assert_uint_eq(count(&h.plan, ENG_ACT_TARGET, fix), 0);
        ck_assert(!eng_wants_memory(&h.dom[fix]));
        ck_assert_int_le(h.dom[fix].granted[POL_MEMORY] + h.dom[bal].granted[POL_MEMORY],
                         h.st.pool[POL_MEMORY]);
        eh_wait(&h, 256, 1000);
        p = eh_turn(&h);
    }
    /* Its target is where it was; bal reached what it was given. */
    ck_assert_int_eq(h.dom[fix].mem.target_kib, nobal_rows[_i].held * MIB);
    ck_assert_int_eq(h.dom[bal].mem.target_kib, nobal_rows[_i].bal_out * MIB);
    eh_close(&h);
}
END_TEST

/* The driver loaded late: the guest's memory moves from the next turn;
 * the key gone in the middle of a move: no target is set any more and
 * the guest keeps what it holds then, and its status says so again. */
START_TEST(balloon_comes_and_goes)
{
    struct eh h;
    eh_open(&h, base_xml, 8192, 2048);
    size_t late = eh_add(&h, "late", 2, 1024, 4096);
    size_t bal = eh_add(&h, "bal", 2, 1024, 4096);
    h.dom[late].in.balloon_key = PROTO_FEATURE_OFF;
    eh_ask(&h, late, "10", "2048");
    eh_ask(&h, bal, "10", "1024");
    for (int turn = 0; turn < 5; turn++) {
        eh_turn(&h);
        ck_assert_uint_eq(count(&h.plan, ENG_ACT_TARGET, late), 0);
        eh_wait(&h, 256, 1000);
    }
    ck_assert_int_eq(granted(&h, late, POL_MEMORY), 1024);

    h.dom[late].in.balloon_key = PROTO_FEATURE_ON;
    const struct eng_plan *p = eh_turn(&h);
    ck_assert(noted(p, "balloon driver appeared"));
    ck_assert_int_eq(granted(&h, late, POL_MEMORY), 2048);
    ck_assert_ptr_null(must(answer_of(p, late))->note);
    ck_assert(eng_wants_memory(&h.dom[late]));
    size_t targets = 0;
    for (int turn = 0; turn < 3; turn++) {
        eh_wait(&h, 256, 1000);
        targets += count(eh_turn(&h), ENG_ACT_TARGET, late);
    }
    ck_assert_uint_gt(targets, 0);
    int64_t mid = h.dom[late].in.mem_actual_kib;
    ck_assert_int_gt(mid, 1024 * MIB);
    ck_assert_int_lt(mid, 2048 * MIB);

    h.dom[late].in.balloon_key = PROTO_FEATURE_OFF;
    p = eh_turn(&h);
    ck_assert(noted(p, "no balloon driver"));
    ck_assert(strncmp(must(answer_of(p, late))->note, "no balloon", 10) == 0);
    ck_assert_int_eq(granted(&h, late, POL_MEMORY), mid / MIB / 16 * 16);
    for (int turn = 0; turn < 20; turn++) {
        eh_wait(&h, 256, 1000);
        ck_assert_uint_eq(count(eh_turn(&h), ENG_ACT_TARGET, late), 0);
    }
    eh_close(&h);
}
END_TEST

/* A balloon marked as not moving whose driver then goes: the mark is
 * dropped and it is never probed (there is nothing to ask); when the
 * driver comes back the mover starts afresh, unmarked. */
START_TEST(uncooperative_then_no_balloon)
{
    struct eh h;
    eh_open(&h, base_xml, 12288, 1024);
    size_t hog = eh_add(&h, "hog", 2, 3072, 4096);
    size_t by = eh_add(&h, "by", 2, 2048, 4096);
    eh_ask(&h, hog, "10", "1024");
    eh_ask(&h, by, "10", "3072");
    h.stuck[hog] = true;
    bool marked = false;
    for (int turn = 0; turn < 30 && !marked; turn++) {
        marked = noted(eh_turn(&h), "balloon does not move");
        eh_wait(&h, 256, 1000);
    }
    ck_assert(marked);
    h.dom[hog].in.balloon_key = PROTO_FEATURE_OFF;
    eh_turn(&h);
    ck_assert(!h.dom[hog].mem.uncooperative);
    ck_assert(eng_mem_fixed(&h.dom[hog]));
    for (int turn = 0; turn < 300; turn++) {
        eh_wait(&h, 256, 1000);
        const struct eng_plan *p = eh_turn(&h);
        ck_assert(!noted(p, "asking its balloon"));
        ck_assert_uint_eq(count(p, ENG_ACT_TARGET, hog), 0);
        ck_assert_int_eq(granted(&h, hog, POL_MEMORY), 3072);
    }
    h.stuck[hog] = false;
    h.dom[hog].in.balloon_key = PROTO_FEATURE_ON;
    eh_turn(&h);
    ck_assert(!h.dom[hog].mem.uncooperative);
    ck_assert_int_eq(granted(&h, hog, POL_MEMORY), 1024);
    for (int turn = 0; turn < 20; turn++) {
        eh_wait(&h, 256, 1000);
        eh_turn(&h);
    }
    ck_assert_int_eq(h.dom[hog].in.mem_actual_kib, 1024 * MIB);
    eh_close(&h);
}
END_TEST

/*
 * Vcpu hotplug: a guest that asks 250 (3 vcpus) on 4 pCPUs.  One that
 * follows keeps its 3 vcpus and 250; one whose count stays at 1 is found
 * fixed 30 s after the change was set: no vcpus change is asked again,
 * its allocation drops to what 1 vcpu can use, its grant says the 1 it
 * holds and its status "no vcpu hotplug"; a change Xen refused is no
 * evidence.
 */
static const struct {
    const char *what;
    bool nohotplug, refuse;
    bool fixed;
    long cpu_out;
    unsigned vcpus_held;
} hotplug_rows[] = {
    {"follows", false, false, false, 250, 3},
    {"does not follow", true, false, true, 100, 1},
    {"refused by Xen", true, true, false, 250, 1},
};

START_TEST(vcpu_hotplug)
{
    struct eh h;
    eh_open(&h, base_xml, 8192, 1024);
    size_t g = eh_add(&h, "guest", 4, 1024, 1024);
    h.nohotplug[g] = hotplug_rows[_i].nohotplug;
    eh_ask(&h, g, "250", NULL);
    bool fixed_noted = false;
    size_t vcpus_asks = 0, after_fixed = 0;
    for (int turn = 0; turn < 45; turn++) {
        const struct eng_plan *p = eh_turn_as(&h, !hotplug_rows[_i].refuse);
        for (size_t k = 0; hotplug_rows[_i].refuse && k < p->nact; k++) {
            if (p->act[k].kind == ENG_ACT_VCPUS)
                eng_refused(&h.st, &h.dom[g], &p->act[k]);
            else
                eng_confirm(&h.dom[g], &p->act[k]);
        }
        vcpus_asks += count(p, ENG_ACT_VCPUS, g);
        if (fixed_noted)
            after_fixed += count(p, ENG_ACT_VCPUS, g);
        if (noted(p, "do not follow hotplug")) {
            fixed_noted = true;
            ck_assert_uint_ge(h.now, 1000 + 30000);
            const struct eng_action *a = must(answer_of(p, g));
            ck_assert_str_eq(a->note, "no vcpu hotplug (CPU through weight and cap only)");
        }
        /* Past the first turns (a new memory allocation starts the mover
         * at once), nothing wakes the loop at once again. */
        ck_assert(turn < 2 || p->wake_at_ms == 0 || p->wake_at_ms > h.now);
        h.now += 1000;
    }
    ck_assert(fixed_noted == hotplug_rows[_i].fixed);
    ck_assert(h.dom[g].vcpus_fixed == hotplug_rows[_i].fixed);
    ck_assert_uint_eq(after_fixed, 0);
    ck_assert_uint_ge(vcpus_asks, 1);
    ck_assert_msg(granted(&h, g, POL_CPU) == hotplug_rows[_i].cpu_out, "%s: cpu %ld",
                  hotplug_rows[_i].what, granted(&h, g, POL_CPU));
    ck_assert_uint_eq(eng_vcpus_held(&h.dom[g]), hotplug_rows[_i].vcpus_held);
    eh_close(&h);
}
END_TEST

/* A fixed guest that catches up late (its agent started): read again
 * every 10 s, hotplug is used again once its count reaches what was set. */
START_TEST(vcpu_hotplug_catches_up)
{
    struct eh h;
    eh_open(&h, base_xml, 8192, 1024);
    size_t g = eh_add(&h, "guest", 4, 1024, 1024);
    h.nohotplug[g] = true;
    eh_ask(&h, g, "250", NULL);
    for (int turn = 0; turn < 35; turn++) {
        eh_turn(&h);
        h.now += 1000;
    }
    ck_assert(h.dom[g].vcpus_fixed);
    ck_assert_int_eq(granted(&h, g, POL_CPU), 100);
    /* Not read again before its time. */
    ck_assert(!eng_wants_vcpus(&h.dom[g], h.dom[g].vcpus_recheck_ms - 1));
    h.online[g] = 3;
    h.nohotplug[g] = false;
    bool again = false;
    for (int turn = 0; turn < 12 && !again; turn++) {
        again = noted(eh_turn(&h), "follow hotplug again");
        h.now += 1000;
    }
    ck_assert(again);
    ck_assert(!h.dom[g].vcpus_fixed);
    ck_assert_int_eq(granted(&h, g, POL_CPU), 250);
    eh_close(&h);
}
END_TEST

/* ---- anticipation (ahead.c) ------------------------------------------- */

#define ADAY 20000
#define AT(h, m) ((uint32_t)((h)*3600 + (m)*60))

/* base_xml with <anticipate .../> (attrs) in its domain rule, and the
 * memory maximum max_mib. */
static void ahead_policy(struct eh *h, const char *attrs, int max_mib)
{
    char xml[4096], tail[256];
    const char *cut = strstr(base_xml, "<memory><min>512</min><max>3072</max>");
    ck_assert_ptr_nonnull(cut);
    snprintf(tail, sizeof(tail), "<memory><min>512</min><max>%d</max></memory></domain>%s", max_mib,
             attrs ? "" : "</xenplm-policy>");
    int k = snprintf(xml, sizeof(xml), "%.*s%s", (int)(cut - base_xml), base_xml, tail);
    if (attrs) {
        /* Put <anticipate> inside the rule, before its end. */
        char *end = strstr(xml, "</domain>");
        snprintf(end, sizeof(xml) - (size_t)(end - xml),
                 "<anticipate %s/></domain></xenplm-policy>", attrs);
    }
    (void)k;
    eh_policy(h, xml);
}

/* Days before ADAY on which the guest asked peak MiB from 09:00 to 10:59
 * (and 1024 the rest of the day): a bit per day, bit 0 = yesterday. */
static void ahead_history(struct ant_hist *hist, unsigned days, int64_t peak)
{
    ant_init(hist);
    for (int back = 14; back >= 1; back--)
        for (uint32_t s = 0; s < 86400; s += ANT_SLOT_S) {
            bool in = (days >> (back - 1)) & 1u && s >= AT(9, 0) && s < AT(11, 0);
            ant_record(hist, (struct ant_clock){ADAY - back, s}, POL_MEMORY,
                       PLM_UNITS(in ? peak : 1024), 1);
        }
}

static const struct {
    const char *name;
    const char *attrs; /* NULL: anticipation off */
    int max_mib;       /* the rule's memory maximum */
    unsigned days;     /* the peak's days (bit 0: yesterday) */
    uint32_t at;       /* the time of day asked about */
    long expect;       /* MiB granted */
    const char *note;  /* the note expected (NULL: none anticipating) */
} ahead_rows[] = {
    {"off: what it asks", NULL, 3072, 0x7f, AT(8, 59), 1024, NULL},
    {"on: the recurring peak a minute before", "margin=\"1m\"", 3072, 0x7f, AT(8, 59), 3072,
     "anticipating the 09:00 memory peak: 3072 MiB"},
    {"on: not yet ten minutes before", "margin=\"1m\"", 3072, 0x7f, AT(8, 50), 1024, NULL},
    {"on: a longer margin starts earlier", "margin=\"15min\"", 3072, 0x7f, AT(8, 50), 3072,
     "anticipating the 09:00 memory peak: 3072 MiB"},
    {"on: held through the peak", "margin=\"1m\"", 3072, 0x7f, AT(10, 30), 3072,
     "anticipating the 10:30 memory peak: 3072 MiB"},
    {"on: let go once it is over", "margin=\"1m\"", 3072, 0x7f, AT(11, 1), 1024, NULL},
    {"on: a one-off spike is no pattern", "margin=\"1m\"", 3072, 0x04, AT(8, 59), 1024, NULL},
    {"on: clamped by the policy's maximum", "margin=\"1m\"", 2048, 0x7f, AT(8, 59), 2048,
     "anticipating the 09:00 memory peak: 3072 MiB"},
    {"on: two days without it quarter the raise", "margin=\"1m\"", 3072, 0x7c, AT(8, 59), 1536,
     "anticipating the 09:00 memory peak: 3072 MiB"},
    {"on: weekly, the same weekday two weeks running", "margin=\"1m\"", 3072,
     (1u << 6) | (1u << 13), AT(8, 59), 3072, "anticipating the 09:00 memory peak: 3072 MiB"},
};

START_TEST(anticipation)
{
    struct eh h;
    static struct ant_hist hist;
    eh_open(&h, base_xml, 16384, 1024);
    ahead_policy(&h, ahead_rows[_i].attrs, ahead_rows[_i].max_mib);
    size_t i = eh_add(&h, "rep", 2, 1024, 4096);
    ahead_history(&hist, ahead_rows[_i].days, 3072);
    h.dom[i].hist = &hist;
    h.tod_ok = true;
    h.tod = (struct ant_clock){ADAY, ahead_rows[_i].at};
    eh_ask(&h, i, "100", "1024");
    const struct eng_plan *p = eh_turn(&h);
    ck_assert_msg(granted(&h, i, POL_MEMORY) == ahead_rows[_i].expect, "%s: %ld",
                  ahead_rows[_i].name, granted(&h, i, POL_MEMORY));
    if (ahead_rows[_i].note)
        ck_assert_msg(noted(p, ahead_rows[_i].note), "%s: note %s", ahead_rows[_i].name,
                      p->nnote ? p->note[p->nnote - 1].text : "");
    else
        ck_assert_msg(!noted(p, "anticipating"), "%s: note", ahead_rows[_i].name);
    /* Whenever it anticipates, a turn is due within the minute. */
    if (ahead_rows[_i].attrs)
        ck_assert(p->wake_at_ms && p->wake_at_ms <= h.now + 60000);
    /* Without the time of day, nothing is anticipated. */
    h.now += 1000;
    h.tod_ok = false;
    eh_turn(&h);
    ck_assert_int_eq(granted(&h, i, POL_MEMORY),
                     ahead_rows[_i].max_mib < 1024 ? ahead_rows[_i].max_mib : 1024);
    ck_assert(!h.dom[i].ahead[POL_MEMORY].found);
    eh_close(&h);
}
END_TEST

/* The lead is measured on the balloon: one seen growing at 32 MiB/s needs
 * 2048 / 32 + 60 = 124 s for its peak, so it is raised two minutes
 * before; one never seen growing is taken at the policy's slowest rate
 * (64 MiB/s: 92 s), so it is not yet. */
START_TEST(anticipation_lead_measured)
{
    static const struct {
        int64_t grow_mib_s; /* 0: never asked to grow */
        long expect;
        int64_t rate_kib;
    } rows[] = {{32, 3072, 32 * MIB}, {0, 1024, 0}};
    static struct ant_hist hist;
    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        struct eh h;
        eh_open(&h, base_xml, 16384, 1024);
        ahead_policy(&h, "margin=\"1m\"", 3072);
        size_t i = eh_add(&h, "rep", 2, 1024, 4096);
        ahead_history(&hist, 0x7f, 3072);
        h.dom[i].hist = &hist;
        h.tod_ok = true;
        h.tod = (struct ant_clock){ADAY, AT(7, 0)};
        eh_ask(&h, i, "100", rows[k].grow_mib_s ? "2048" : "1024");
        eh_turn(&h);
        for (int s = 0; s < 25; s++) { /* 800 of its 1024 MiB: still growing */
            eh_wait(&h, rows[k].grow_mib_s, 1000);
            eh_turn(&h);
        }
        ck_assert_int_eq(h.dom[i].bal_rate_kib_s, rows[k].rate_kib);
        eh_ask(&h, i, "100", "1024");
        h.tod = (struct ant_clock){ADAY, AT(8, 58)};
        h.now += 1000;
        eh_turn(&h);
        ck_assert_msg(granted(&h, i, POL_MEMORY) == rows[k].expect, "row %zu: %ld", k,
                      granted(&h, i, POL_MEMORY));
        eh_close(&h);
    }
}
END_TEST

/* A guest with a recurring peak gets, through anticipation, what asking
 * for it outright would give, and its neighbour no less: on a host too
 * small for both. */
START_TEST(anticipation_gives_no_more_than_asking)
{
    long other[2], self[2];
    static struct ant_hist hist;
    for (int way = 0; way < 2; way++) {
        struct eh h;
        eh_open(&h, base_xml, 6144, 1024);
        ahead_policy(&h, "margin=\"1m\"", 3072);
        size_t a = eh_add(&h, "hostile", 2, 1024, 4096);
        size_t b = eh_add(&h, "other", 2, 1024, 4096);
        ahead_history(&hist, 0x7f, 3072);
        h.tod_ok = true;
        h.tod = (struct ant_clock){ADAY, AT(9, 5)};
        if (way == 0) {
            h.dom[a].hist = &hist; /* anticipated */
            eh_ask(&h, a, "100", "1024");
        } else {
            eh_ask(&h, a, "100", "3072"); /* asked outright */
        }
        eh_ask(&h, b, "100", "3072");
        eh_turn(&h);
        self[way] = granted(&h, a, POL_MEMORY);
        other[way] = granted(&h, b, POL_MEMORY);
        eh_close(&h);
    }
    ck_assert_int_gt(self[0], 1024); /* it did anticipate */
    ck_assert_int_eq(self[0], self[1]);
    ck_assert_int_eq(other[0], other[1]);
}
END_TEST

/* ---- the time-critical boost (boost.c) ---------------------------- */

/* rt: CPU 10..400, a boost budget (BOOST_BUDGET); batch: floor 150, its
 * first guest level served at host level 3 (lower priority than rt's
 * first); other: no <boost>.  4 pCPUs: a pool of 400. */
#define BOOST_HOST                                                                                 \
    "<xenplm-policy version=\"1\"><host><tick>1s</tick>"                                           \
    "<cpu><pool reserve=\"0\"/><minimal>10</minimal><unit>1</unit>"                                \
    "<trigger min-delta=\"1\"><rule pct=\"1\" samples=\"1\"/></trigger></cpu>"                     \
    "<memory><pool base=\"free+domu\" headroom=\"512\"/><minimal>256</minimal><unit>16</unit>"     \
    "</memory><requests rate=\"1\" burst=\"3\"/></host>"
#define BOOST_RULE(name, min, extra)                                                               \
    "<domain name=\"" name "\"><cpu><min>" min "</min><max>400</max><enforce>both</enforce>"       \
    "</cpu>" extra "</domain>"
#define BOOST_BUDGET "<boost max=\"5s\" cooldown=\"10s\" per-hour=\"12s\"/>"
static const char *const boost_xml = BOOST_HOST BOOST_RULE("rt", "10", BOOST_BUDGET)
    BOOST_RULE("batch", "150", "<levels><level guest=\"1\" host=\"3\"/></levels>")
        BOOST_RULE("*", "10", "") "</xenplm-policy>";

/* A new request (seq + 1, same levels) with a boost beside it. */
static void eh_boost(struct eh *h, size_t i, long cpu, uint64_t for_ms)
{
    h->req[i].seq++;
    h->boost[i] = (struct proto_boost){h->req[i].seq, PLM_UNITS(cpu), for_ms};
    h->dom[i].in.boost = &h->boost[i];
    h->dom[i].in.changed = h->dom[i].in.answer_due = true;
}

static const char *answer_note_of(const struct eng_plan *p, size_t i)
{
    const struct eng_action *a = find(p, ENG_ACT_ANSWER, i);
    return a && a->note ? a->note : "";
}

/* rt asks 100 at level 1 and 380 at level 4; batch 400 at its level 1
 * (host 3).  Without a boost: rt 100, batch 300. */
static void boost_open(struct eh *h, size_t *rt, size_t *batch)
{
    eh_open(h, boost_xml, 8192, 1024);
    *rt = eh_add(h, "rt", 4, 1024, 2048);
    *batch = eh_add(h, "batch", 4, 1024, 2048);
    eh_ask(h, *rt, "100,100,100,380", NULL);
    eh_ask(h, *batch, "400", NULL);
    eh_turn(h);
    ck_assert_int_eq(granted(h, *rt, POL_CPU), 100);
    ck_assert_int_eq(granted(h, *batch, POL_CPU), 300);
}

/*
 * One boost asked at 0 (cpu, for_ms), then the clock: each row says what
 * rt and batch hold while it runs, the answer's note, and when it is
 * taken back (no write from the guest in between).
 */
static const struct {
    long cpu;
    uint64_t for_ms;
    long rt_during, batch_during;
    const char *note;
    uint64_t ends_after_ms; /* 0: not granted */
} boost_rows[] = {
    /* Granted from batch's lower level, at once. */
    {200, 3000, 200, 200, "boost: cpu 200 for 3000 ms", 3000},
    /* Longer than max: held to 5 s. */
    {200, 60000, 200, 200, "boost: cpu 200 for 5000 ms (held to the budget)", 5000},
    /* More than it asks at all: held to its top level (380), and batch
     * kept at its floor (150) rather than at 20. */
    {400, 1000, 250, 150, "(held to its cpu request)", 1000},
    /* for 0 with none running: nothing happens, nothing said. */
    {200, 0, 100, 300, "", 0},
};

START_TEST(boost_granted_and_taken_back)
{
    struct eh h;
    size_t rt, batch;
    boost_open(&h, &rt, &batch);
    h.now += 1000;
    eh_boost(&h, rt, boost_rows[_i].cpu, boost_rows[_i].for_ms);
    const struct eng_plan *p = eh_turn(&h);
    uint64_t start = h.now;
    ck_assert_int_eq(granted(&h, rt, POL_CPU), boost_rows[_i].rt_during);
    ck_assert_int_eq(granted(&h, batch, POL_CPU), boost_rows[_i].batch_during);
    ck_assert_ptr_nonnull(strstr(answer_note_of(p, rt), boost_rows[_i].note));
    if (!boost_rows[_i].ends_after_ms) {
        ck_assert(!eng_boost_running(&h.dom[rt], h.now));
        eh_close(&h);
        return;
    }
    /* The loop is woken for its end at the latest, and it holds until then. */
    ck_assert_uint_gt(p->wake_at_ms, 0);
    ck_assert_uint_le(p->wake_at_ms, start + boost_rows[_i].ends_after_ms);
    while (h.now + 1000 < start + boost_rows[_i].ends_after_ms) {
        h.now += 1000;
        p = eh_turn(&h);
        ck_assert_int_eq(granted(&h, rt, POL_CPU), boost_rows[_i].rt_during);
        ck_assert_uint_le(p->wake_at_ms, start + boost_rows[_i].ends_after_ms);
    }
    h.now = start + boost_rows[_i].ends_after_ms;
    p = eh_turn(&h);
    ck_assert(noted(p, "boost over"));
    ck_assert_int_eq(granted(&h, rt, POL_CPU), 100);
    ck_assert_int_eq(granted(&h, batch, POL_CPU), 300);
    /* What it ran is what it used of the hour. */
    ck_assert_uint_eq(eng_boost_used_ms(&h.dom[rt].boost, h.now), boost_rows[_i].ends_after_ms);
    eh_close(&h);
}
END_TEST

/*
 * The budget, ask by ask (5 s max, 10 s cooldown, 12 s an hour): each
 * row a time from the start and what the answer says.
 */
static const struct {
    uint64_t at_ms;
    uint64_t for_ms;
    const char *note;
    long rt;
} budget_steps[] = {
    {0, 5000, "boost: cpu 250 for 5000 ms", 250},
    {2000, 5000, "boost refused: one runs (3000 ms left)", 250},
    {5000, 0, NULL, 100}, /* no ask: its time is up */
    {9000, 5000, "boost refused: cooldown (6000 ms left)", 100},
    {15000, 5000, "boost: cpu 250 for 5000 ms", 250},
    {30000, 5000, "boost: cpu 250 for 2000 ms (held to the budget)", 250},
    {32000, 0, NULL, 100},
    {50000, 5000, "boost refused: the hour's budget is spent (12000 of 12000 ms)", 100},
    /* An hour after the first, its 5 s are free again. */
    {3600000, 5000, "boost: cpu 250 for 5000 ms", 250},
};

START_TEST(boost_budget)
{
    struct eh h;
    size_t rt, batch;
    boost_open(&h, &rt, &batch);
    uint64_t t0 = h.now + 1000;
    for (size_t k = 0; k < sizeof(budget_steps) / sizeof(budget_steps[0]); k++) {
        h.now = t0 + budget_steps[k].at_ms;
        if (budget_steps[k].note)
            eh_boost(&h, rt, 250, budget_steps[k].for_ms);
        const struct eng_plan *p = eh_turn(&h);
        if (budget_steps[k].note)
            ck_assert_msg(strstr(answer_note_of(p, rt), budget_steps[k].note), "step %zu: '%s'", k,
                          answer_note_of(p, rt));
        ck_assert_msg(granted(&h, rt, POL_CPU) == budget_steps[k].rt, "step %zu: rt %ld", k,
                      granted(&h, rt, POL_CPU));
    }
    eh_close(&h);
}
END_TEST

/*
 * A hostile guest: a new request with a boost of everything for an hour
 * every 100 ms for two hours.  It never holds a boost longer than max,
 * never two less than cooldown apart, never more than per-hour in the
 * boosts begun within any hour, and batch never goes below its floor.
 */
START_TEST(boost_hostile)
{
    struct eh h;
    size_t rt, batch;
    boost_open(&h, &rt, &batch);
    uint64_t boosted = 0, run = 0, last_end = 0, t0 = h.now;
    uint64_t begun[64] = {0}, len[64] = {0};
    size_t nbegun = 0;
    bool was = false;
    for (uint64_t t = 0; t < 2 * 3600000ull; t += 100) {
        h.now = t0 + 100 + t;
        eh_boost(&h, rt, 1000000, PROTO_BOOST_FOR_MAX_MS);
        eh_turn(&h);
        bool on = eng_boost_running(&h.dom[rt], h.now);
        ck_assert_int_ge(granted(&h, batch, POL_CPU), 150);
        ck_assert_int_le(granted(&h, rt, POL_CPU) + granted(&h, batch, POL_CPU), 400);
        if (on && !was) {
            ck_assert(last_end == 0 || h.now - last_end >= 10000);
            ck_assert_uint_lt(nbegun, 64);
            begun[nbegun] = h.now;
            run = 0;
        }
        if (on) {
            run += 100;
            boosted += 100;
            ck_assert_uint_le(run, 5000);
            len[nbegun] = run;
        }
        if (!on && was) {
            last_end = h.now;
            nbegun++;
        }
        was = on;
    }
    for (size_t a = 0; a < nbegun; a++) {
        uint64_t sum = 0;
        for (size_t b = a; b < nbegun && begun[b] - begun[a] < 3600000; b++)
            sum += len[b];
        ck_assert_uint_le(sum, 12000);
    }
    ck_assert_uint_gt(boosted, 0);
    ck_assert_uint_le(boosted, 2 * 12000 + 5000);
    eh_close(&h);
}
END_TEST

/* Refused outright: a rule without <boost>, a bad value (the intake's
 * text passed on), a stale seq (no answer about it), an override. */
START_TEST(boost_refused)
{
    struct eh h;
    size_t rt, batch;
    boost_open(&h, &rt, &batch);
    size_t other = eh_add(&h, "other", 4, 1024, 2048);
    eh_ask(&h, other, "50", NULL);
    eh_turn(&h);
    h.now += 1000;
    eh_boost(&h, other, 100, 1000);
    const struct eng_plan *p = eh_turn(&h);
    ck_assert_str_eq(answer_note_of(p, other), "boost refused: the policy allows none");
    ck_assert_int_eq(granted(&h, other, POL_CPU), 50);

    h.now += 1000;
    eh_boost(&h, rt, 200, 1000);
    h.dom[rt].in.boost_err = "line 3: mem: only cpu can be boosted";
    p = eh_turn(&h);
    ck_assert_str_eq(answer_note_of(p, rt), "boost refused: line 3: mem: only cpu can be boosted");
    ck_assert(!eng_boost_running(&h.dom[rt], h.now));
    h.dom[rt].in.boost_err = NULL;

    h.now += 1000;
    eh_boost(&h, rt, 200, 1000);
    h.boost[rt].seq--; /* written for the last request, not this one */
    p = eh_turn(&h);
    ck_assert_str_eq(answer_note_of(p, rt), "");
    ck_assert(!eng_boost_running(&h.dom[rt], h.now));

    /* Ended at once when an override takes over. */
    h.now += 1000;
    eh_boost(&h, rt, 200, 5000);
    eh_turn(&h);
    ck_assert(eng_boost_running(&h.dom[rt], h.now));
    h.dom[rt].override.active[POL_CPU] = true;
    h.dom[rt].override.amount[POL_CPU] = PLM_UNITS(50);
    h.dom[rt].in.changed = true;
    h.now += 100;
    eh_turn(&h);
    ck_assert(!eng_boost_running(&h.dom[rt], h.now));
    ck_assert_int_eq(granted(&h, rt, POL_CPU), 50);
    eh_close(&h);
}
END_TEST

/* The guest ends its boost early: taken back at once, only what ran
 * counts against the hour, and the cooldown runs from then. */
START_TEST(boost_ended_early)
{
    struct eh h;
    size_t rt, batch;
    boost_open(&h, &rt, &batch);
    h.now += 1000;
    eh_boost(&h, rt, 250, 5000);
    eh_turn(&h);
    ck_assert_int_eq(granted(&h, rt, POL_CPU), 250);
    h.now += 1500;
    eh_boost(&h, rt, 0, 0);
    const struct eng_plan *p = eh_turn(&h);
    ck_assert_str_eq(answer_note_of(p, rt), "boost ended");
    ck_assert_int_eq(granted(&h, rt, POL_CPU), 100);
    ck_assert_uint_eq(eng_boost_used_ms(&h.dom[rt].boost, h.now), 1500);
    ck_assert_uint_eq(h.dom[rt].boost.cooldown_until_ms, h.now + 10000);
    eh_close(&h);
}
END_TEST

/* A guest that asks less while its boost runs has less of it served
 * first: the boost is part of the request in force. */
START_TEST(boost_follows_the_request)
{
    struct eh h;
    size_t rt, batch;
    boost_open(&h, &rt, &batch);
    h.now += 1000;
    eh_boost(&h, rt, 250, 5000);
    eh_turn(&h);
    ck_assert_int_eq(granted(&h, rt, POL_CPU), 250);
    h.now += 1000;
    eh_ask(&h, rt, "100,100,100,180", NULL);
    h.req[rt].seq = 9;
    eh_turn(&h);
    ck_assert(eng_boost_running(&h.dom[rt], h.now));
    ck_assert_int_eq(granted(&h, rt, POL_CPU), 180);
    ck_assert_int_eq(granted(&h, batch, POL_CPU), 220);
    eh_close(&h);
}
END_TEST

/* Lazy reclaim (<leftover reclaim="needed"/>, core/keep.h), in the
 * decision step: the donor holds 3072 MiB and asks 1024; what it keeps is
 * what the receiver's request leaves of the pool (600 free + 4096 held -
 * 512 headroom = 4184), in whole units of 16; with the default (at once)
 * it is 0.  Then the mover runs: shrink before grow, and no target above
 * what is free less the headroom. */
static const char *const keep_xml =
    "<xenplm-policy version=\"1\"><host><tick>1s</tick>"
    "<cpu><pool reserve=\"0\"/><minimal>10</minimal><unit>1</unit>"
    "<trigger min-delta=\"1\"><rule pct=\"1\" samples=\"1\"/></trigger></cpu>"
    "<memory><pool base=\"free+domu\" headroom=\"512\"/><minimal>256</minimal><unit>16</unit>"
    "<leftover rule=\"reserve\" reclaim=\"needed\"/>"
    "<trigger min-delta=\"16\"><rule pct=\"1\" samples=\"1\"/></trigger></memory>"
    "<balloon min-rate=\"64\" max-rate=\"256\" adaptive=\"false\"/>"
    "<requests rate=\"1\" burst=\"3\"/></host>"
    "<domain name=\"*\"><cpu><min>10</min><max>300</max></cpu>"
    "<memory><min>512</min><max>3072</max></memory></domain></xenplm-policy>";

static const struct {
    const char *what;
    bool keep;
    const char *recv_asks;
    long donor, recv; /* MiB granted, first turn and once the balloons are there */
} keep_rows[] = {
    {"nobody needs it: the donor keeps all it holds", true, "1024", 3072, 1024},
    {"the receiver grows: the donor keeps what is left", true, "2048", 2128, 2048},
    {"the receiver takes all the room: 88 MiB left, 80 in units", true, "3072", 1104, 3072},
    {"reclaim at once (the default): the donor's request alone", false, "1024", 1024, 1024},
};

START_TEST(memory_kept_until_needed)
{
    struct eh h;
    eh_open(&h, keep_rows[_i].keep ? keep_xml : base_xml, 9400, 4704);
    size_t donor = eh_add(&h, "donor", 2, 3072, 3072);
    size_t recv = eh_add(&h, "recv", 2, 1024, 4096);
    eh_ask(&h, donor, "10", "1024");
    eh_ask(&h, recv, "10", keep_rows[_i].recv_asks);
    const struct eng_plan *p = eh_turn(&h);
    ck_assert_msg(granted(&h, donor, POL_MEMORY) == keep_rows[_i].donor, "%s: donor %ld",
                  keep_rows[_i].what, granted(&h, donor, POL_MEMORY));
    ck_assert_int_eq(granted(&h, recv, POL_MEMORY), keep_rows[_i].recv);
    /* Why it holds more than it asked is said. */
    ck_assert(noted(p, "keeps") == (keep_rows[_i].donor > 1024));
    for (int turn = 0; turn < 40; turn++) {
        int64_t free_kib = h.total_kib - held_kib(&h), promised = 0;
        eh_turn(&h);
        for (size_t i = 0; i < h.n; i++)
            if (h.dom[i].mem.target_kib > h.dom[i].in.mem_actual_kib)
                promised += h.dom[i].mem.target_kib - h.dom[i].in.mem_actual_kib;
        ck_assert_int_le(promised, free_kib - 512 * MIB);
        eh_wait(&h, 256, 1000);
    }
    ck_assert_int_eq(h.dom[donor].mem.target_kib, keep_rows[_i].donor * MIB);
    ck_assert_int_eq(h.dom[recv].mem.target_kib, keep_rows[_i].recv * MIB);
    ck_assert_int_le(held_kib(&h), h.total_kib - 512 * MIB);
    eh_close(&h);
}
END_TEST

/* Kept memory goes back as a need comes: the donor keeps all it holds
 * while the receiver asks little, gives back what the receiver's raise
 * needs (and no more) when it comes, and keeps that when the raise is
 * dropped again; the receiver is never kept below its request. */
START_TEST(memory_kept_then_taken_back)
{
    struct eh h;
    eh_open(&h, keep_xml, 9400, 4704);
    size_t donor = eh_add(&h, "donor", 2, 3072, 3072);
    size_t recv = eh_add(&h, "recv", 2, 1024, 4096);
    eh_ask(&h, donor, "10", "1024");
    eh_ask(&h, recv, "10", "1024");
    eh_turn(&h);
    ck_assert_int_eq(granted(&h, donor, POL_MEMORY), 3072);
    for (int turn = 0; turn < 5; turn++) {
        eh_wait(&h, 256, 1000);
        eh_turn(&h);
    }
    ck_assert_int_eq(granted(&h, donor, POL_MEMORY), 3072);
    ck_assert_int_eq(h.dom[donor].mem.target_kib, 3072 * MIB);

    eh_ask(&h, recv, "10", "2560");
    eh_turn(&h);
    ck_assert_int_eq(granted(&h, recv, POL_MEMORY), 2560);
    ck_assert_int_eq(granted(&h, donor, POL_MEMORY), 1616); /* 4184 - 2560, in units */
    for (int turn = 0; turn < 20; turn++) {
        eh_wait(&h, 256, 1000);
        eh_turn(&h);
    }
    ck_assert_int_eq(h.dom[recv].in.mem_actual_kib, 2560 * MIB);
    ck_assert_int_eq(h.dom[donor].in.mem_actual_kib, 1616 * MIB);

    /* The raise dropped: the receiver now keeps it, the donor what it has. */
    eh_ask(&h, recv, "10", "1024");
    eh_turn(&h);
    ck_assert_int_eq(granted(&h, recv, POL_MEMORY), 2560);
    ck_assert_int_eq(granted(&h, donor, POL_MEMORY), 1616);
    /* The donor asks more again: the receiver gives way, down to its request at most. */
    eh_ask(&h, donor, "10", "3072");
    eh_turn(&h);
    ck_assert_int_eq(granted(&h, donor, POL_MEMORY), 3072);
    ck_assert_int_eq(granted(&h, recv, POL_MEMORY), 1104);
    eh_close(&h);
}
END_TEST

static Suite *engine_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("decide");
    tcase_add_loop_test(tc, cpu_mapping, 0, (int)(sizeof(cpu_rows) / sizeof(cpu_rows[0])));
    tcase_add_loop_test(tc, arbitration, 0, (int)(sizeof(arb_rows) / sizeof(arb_rows[0])));
    tcase_add_test(tc, actions_only_differences);
    tcase_add_test(tc, memory_shrink_before_grow);
    tcase_add_loop_test(tc, plan_order_cpu_first, 0,
                        (int)(sizeof(order_rows) / sizeof(order_rows[0])));
    tcase_add_loop_test(tc, memory_kept_until_needed, 0,
                        (int)(sizeof(keep_rows) / sizeof(keep_rows[0])));
    tcase_add_test(tc, memory_kept_then_taken_back);
    tcase_add_test(tc, memory_unread_left_alone);
    tcase_add_test(tc, memory_stuck_while_pool_shrinks);
    tcase_add_loop_test(tc, migrating_target_held, 0,
                        (int)(sizeof(mig_rows) / sizeof(mig_rows[0])));
    tcase_add_test(tc, stuck_above_max_pinned);
    tcase_add_test(tc, domain_gone_before_apply);
    tcase_add_test(tc, reload_mode_and_pool);
    tcase_add_test(tc, empty_host_sizes_pools);
    tcase_add_test(tc, override_expires);
    tcase_add_loop_test(tc, max_and_what_sets_it, 0,
                        (int)(sizeof(max_cases) / sizeof(max_cases[0])));
    tcase_add_test(tc, override_clamped);
    tcase_add_test(tc, paused_and_host_unreadable);
    tcase_add_test(tc, limits_fall_while_host_unreadable);
    tcase_add_test(tc, deterministic);
    tcase_add_test(tc, agentless_sampling);
    tcase_add_loop_test(tc, io_rates, 0, (int)(sizeof(rate_rows) / sizeof(rate_rows[0])));
    tcase_add_loop_test(tc, io_agentless_cpu, 0, (int)(sizeof(want_rows) / sizeof(want_rows[0])));
    tcase_add_loop_test(tc, io_keeps_busy_guest, 0, (int)(sizeof(io_rows) / sizeof(io_rows[0])));
    tcase_add_loop_test(tc, trigger_moves_who_fired, 0,
                        (int)(sizeof(damp_rows) / sizeof(damp_rows[0])));
    tcase_add_loop_test(tc, level_cap_carried, 0, (int)(sizeof(cap_rows) / sizeof(cap_rows[0])));
    tcase_add_loop_test(tc, balloon_rule, 0, (int)(sizeof(balloon_rows) / sizeof(balloon_rows[0])));
    tcase_add_loop_test(tc, no_balloon, 0, (int)(sizeof(nobal_rows) / sizeof(nobal_rows[0])));
    tcase_add_test(tc, balloon_comes_and_goes);
    tcase_add_test(tc, uncooperative_then_no_balloon);
    tcase_add_loop_test(tc, vcpu_hotplug, 0, (int)(sizeof(hotplug_rows) / sizeof(hotplug_rows[0])));
    tcase_add_test(tc, vcpu_hotplug_catches_up);
    tcase_add_loop_test(tc, anticipation, 0, (int)(sizeof(ahead_rows) / sizeof(ahead_rows[0])));
    tcase_add_test(tc, anticipation_gives_no_more_than_asking);
    tcase_add_test(tc, anticipation_lead_measured);
    tcase_add_loop_test(tc, boost_granted_and_taken_back, 0,
                        (int)(sizeof(boost_rows) / sizeof(boost_rows[0])));
    tcase_add_test(tc, boost_budget);
    tcase_add_test(tc, boost_hostile);
    tcase_add_test(tc, boost_refused);
    tcase_add_test(tc, boost_ended_early);
    tcase_add_test(tc, boost_follows_the_request);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(engine_suite());
}
