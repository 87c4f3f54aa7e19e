/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What list, show and status print, for a small hand-built state: the
 * exact text and JSON, so that any change to the operator's view shows up
 * here as a diff.  Then the pieces: JSON string escaping, durations,
 * variations of the state (paused, empty, never arbitrated, starved) and a
 * stream that fails.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "daemon/render.h"
#include "json/jw.h"
#include "tests/unit/suite_run.h"

#define U(x) PLM_UNITS(x)
#define NOW 100000 /* ms on the daemon's clock */

/* ------------------------------------------------------------------------ */
/* The state                                                                */

static char web_glob[] = "web*";
static struct pol_domain rule_web, rule_none;
static struct dmn_domain doms[3];

static void set_levels(plm_amt_t *dst, unsigned *n, const int *v, unsigned count)
{
    for (unsigned i = 0; i < count; i++)
        dst[i] = U(v[i]);
    *n = count;
}

/* A small host: three domains, each showing other features. */
static void build_state(struct dmn_state *s)
{
    static const int cpu_req[] = {50, 120, 200}, mem_req[] = {512, 768, 1024};
    static const int agentless[] = {80};
    struct dmn_domain *d;

    memset(s, 0, sizeof(*s));
    memset(doms, 0, sizeof(doms));
    memset(&rule_web, 0, sizeof(rule_web));
    memset(&rule_none, 0, sizeof(rule_none));
    rule_web.kind = POL_MATCH_NAME;
    rule_web.name = web_glob;
    rule_web.line = 42;
    rule_none.kind = POL_MATCH_NONE;
    /* The maxima: web's memory and db's CPU by the policy, the rest by
     * what the domain can hold (its vcpus x 100, its maxmem). */
    rule_web.max[POL_CPU] = PLM_AMT_MAX;
    rule_web.max[POL_MEMORY] = PLM_UNITS(1536);
    rule_none.max[POL_CPU] = PLM_UNITS(300);
    rule_none.max[POL_MEMORY] = PLM_AMT_MAX;

    snprintf(s->policy_path, sizeof(s->policy_path), "/etc/xenplm/policy.xml");
    s->policy.host.tick_ms = 10000;
    s->policy.host.share[POL_CPU].trigger.nrules = 3;
    s->policy.host.share[POL_MEMORY].trigger.nrules = 2;
    s->started_ms = 1000;
    s->eng.last_arbitration_ms = 96000;
    s->eng.facts.pcpus = 8;
    s->eng.facts.mem_total = U(16384);
    s->eng.facts.mem_free = U(2048);
    s->eng.facts.mem_domu = U(12000);
    s->eng.pool[POL_CPU] = U(700);
    s->eng.pool[POL_MEMORY] = U(13000);
    s->eng.summary[POL_CPU] = (struct plm_summary){.total = U(700),
                                                   .allocated = U(690),
                                                   .reserve = U(10),
                                                   .rounded_allocated = U(690),
                                                   .water = 6500,
                                                   .levelled = 3};
    s->eng.summary[POL_MEMORY] = (struct plm_summary){
        .total = U(12992), .allocated = U(4096), .reserve = U(8896), .rounded_allocated = U(4096)};
    s->stats = (struct dmn_stats){.events = 120,
                                  .arbitrations = 14,
                                  .reallocations = 3,
                                  .xs_reads = 40,
                                  .xs_writes = 22,
                                  .watch_missed = 2,
                                  .enforce_calls = 9,
                                  .enforce_errors = 1};

    /* web1: an agent with three levels, levelled at its third. */
    d = &doms[0];
    d->info.domid = 3;
    snprintf(d->info.name, sizeof(d->info.name), "web1");
    snprintf(d->info.uuid, sizeof(d->info.uuid), "00000000-0000-0000-0000-000000000003");
    d->info.max_vcpus = 4;
    d->info.online_vcpus = 2;
    d->info.mem_max_kib = 2048 * 1024;
    d->info.mem_target_kib = 1024 * 1024;
    d->info.mem_actual_kib = 1000 * 1024 + 300;
    d->rule = &rule_web;
    d->present = true;
    d->eng.balloon = true;
    d->have_req = true;
    d->req.seq = 42;
    d->req.flags = PROTO_REQ_HAS(PROTO_RES_CPU) | PROTO_REQ_HAS(PROTO_RES_MEM);
    set_levels(d->req.res[PROTO_RES_CPU].level, &d->req.res[PROTO_RES_CPU].nlevels, cpu_req, 3);
    set_levels(d->req.res[PROTO_RES_MEM].level, &d->req.res[PROTO_RES_MEM].nlevels, mem_req, 3);
    d->req_at_ms = 88000;
    d->requests = 17;
    d->rejected = 2;
    snprintf(d->status, sizeof(d->status), "ok");
    d->eng.source = ENG_SRC_AGENT;
    set_levels(d->eng.plm[POL_CPU].level, &d->eng.plm[POL_CPU].nlevels, cpu_req, 3);
    d->eng.plm[POL_CPU].min = U(10);
    d->eng.plm[POL_CPU].max = PLM_AMT_MAX;
    set_levels(d->eng.plm[POL_MEMORY].level, &d->eng.plm[POL_MEMORY].nlevels, mem_req, 3);
    d->eng.plm[POL_MEMORY].min = U(512);
    d->eng.plm[POL_MEMORY].max = U(4096);
    d->eng.outcome[POL_CPU] = (struct plm_outcome){.raw = 150500,
                                                   .rounded = U(150),
                                                   .floor = U(10),
                                                   .water = 150500,
                                                   .satisfied = 2,
                                                   .levelled = 3,
                                                   .why = PLM_WHY_LEVELLED};
    d->eng.outcome[POL_MEMORY] = (struct plm_outcome){.raw = U(1024),
                                                      .rounded = U(1024),
                                                      .floor = U(512),
                                                      .satisfied = 3,
                                                      .why = PLM_WHY_SATISFIED};
    d->eng.granted[POL_CPU] = U(150);
    d->eng.granted[POL_MEMORY] = U(1024);
    d->eng.trig[POL_CPU].streak[0] = 1;
    d->eng.trig[POL_CPU].direction = 1;
    snprintf(d->eng.why[POL_CPU], sizeof(d->eng.why[POL_CPU]), "levelled at level 3 (was 120)");
    d->eng.weight = 256;
    d->eng.cap = 0;
    d->eng.vcpus = 2;
    d->eng.mem = (struct bal_dom){.actual_kib = 1000 * 1024,
                                  .target_kib = 1024 * 1024,
                                  .want_kib = 1024 * 1024,
                                  .floor_kib = 512 * 1024,
                                  .rate_kib_s = 8192};
    d->eng.cpu_used_pct = U(95);

    /* db-main: no agent, measured; memory overridden; a refused request. */
    d = &doms[1];
    d->info.domid = 7;
    snprintf(d->info.name, sizeof(d->info.name), "db-main");
    d->info.max_vcpus = 8;
    d->info.online_vcpus = 8;
    d->info.mem_max_kib = 8192 * 1024;
    d->info.mem_target_kib = 2048 * 1024;
    d->info.mem_actual_kib = 3000 * 1024;
    d->rule = &rule_none;
    d->present = true;
    d->eng.balloon = true;
    d->requests = 1;
    d->rejected = 1;
    d->pending_read = true;
    snprintf(d->status, sizeof(d->status), "rejected: line 2: \"cpu\" needs a unit");
    d->eng.source = ENG_SRC_AGENTLESS;
    set_levels(d->eng.plm[POL_CPU].level, &d->eng.plm[POL_CPU].nlevels, agentless, 1);
    d->eng.plm[POL_MEMORY].max = PLM_AMT_MAX;
    d->eng.plm[POL_CPU].max = PLM_AMT_MAX;
    d->eng.outcome[POL_CPU] = (struct plm_outcome){
        .raw = U(80), .rounded = U(80), .floor = U(10), .satisfied = 1, .why = PLM_WHY_SATISFIED};
    d->eng.outcome[POL_MEMORY] = (struct plm_outcome){.raw = U(512),
                                                      .rounded = U(512),
                                                      .floor = U(512),
                                                      .flags = PLM_OUT_AT_MIN,
                                                      .why = PLM_WHY_FLOOR};
    d->eng.granted[POL_CPU] = U(80);
    d->eng.granted[POL_MEMORY] = U(2048);
    d->eng.override.active[POL_MEMORY] = true;
    d->eng.override.amount[POL_MEMORY] = U(2048);
    d->eng.override.until_ms = 400000;
    d->eng.trig[POL_MEMORY].streak[0] = 2;
    d->eng.trig[POL_MEMORY].streak[1] = 1;
    d->eng.trig[POL_MEMORY].direction = -1;
    d->eng.weight = 512;
    d->eng.cap = -1;
    d->eng.vcpus = 8;
    d->eng.mem = (struct bal_dom){.actual_kib = 3000 * 1024,
                                  .target_kib = 2048 * 1024,
                                  .want_kib = 2048 * 1024,
                                  .floor_kib = 512 * 1024,
                                  .rate_kib_s = 100,
                                  .uncooperative = true};
    d->eng.cpu_used_pct = 60500;
    d->errors = 3;

    /* A domain going away, with a name no terminal should see raw. */
    d = &doms[2];
    d->info.domid = 12;
    snprintf(d->info.name, sizeof(d->info.name), "old\x1b[2Jvm");
    d->info.dying = true;
    d->eng.balloon = true;
    d->rule = &rule_none;
    d->eng.weight = -1;
    d->eng.cap = -1;

    s->dom = doms;
    s->ndom = 3;
    s->cap = 3;
}

/* ------------------------------------------------------------------------ */
/* What it must look like                                                   */

static const char list_text[] =
    "Name       ID  Source     Req cpu(pct)  Req mem(MiB)  CPU(pct)  VCPUs  Mem(MiB)  "
    "Target/Actual(MiB)  Weight/Cap  Flags\n"
    "web1        3  agent      50/120/200    512/768/1024       150      2      1024           "
    "1024/1000       256/0  -\n"
    "db-main     7  agentless  80            -                   80      8      2048           "
    "2048/3000       512/-  override,rejected,uncooperative,limited\n"
    "old?[2Jvm  12  none       -             -                    0      -         0               "
    "  "
    "0/0         -/-  dying,gone\n";

static const char list_json[] =
    "{\"paused\":false,\"domains\":["
    "{\"name\":\"web1\",\"domid\":3,\"source\":\"agent\",\"requested\":{\"cpu\":[50,120,200],"
    "\"mem\":[512,768,1024]},\"granted\":{\"cpu\":150,\"vcpus\":2,\"mem\":1024},"
    "\"balloon\":true,\"vcpu_hotplug\":true,\"memory\":{"
    "\"target\":1024,\"actual\":1000},\"weight\":256,\"cap\":0,\"flags\":[]},"
    "{\"name\":\"db-main\",\"domid\":7,\"source\":\"agentless\",\"requested\":{\"cpu\":[80],"
    "\"mem\":null},\"granted\":{\"cpu\":80,\"vcpus\":8,\"mem\":2048},"
    "\"balloon\":true,\"vcpu_hotplug\":true,\"memory\":{\"target\":2048,"
    "\"actual\":3000},\"weight\":512,\"cap\":null,\"flags\":[\"override\",\"rejected\","
    "\"uncooperative\",\"limited\"]},"
    "{\"name\":\"old\\u001B[2Jvm\",\"domid\":12,\"source\":\"none\",\"requested\":{\"cpu\":null,"
    "\"mem\":null},\"granted\":{\"cpu\":0,\"vcpus\":0,\"mem\":0},"
    "\"balloon\":true,\"vcpu_hotplug\":true,\"memory\":{\"target\":0,"
    "\"actual\":0},\"weight\":null,\"cap\":null,\"flags\":[\"dying\",\"gone\"]}"
    "]}\n";

static const char show_web1[] = "web1 (domain 3)\n"
                                "  uuid           00000000-0000-0000-0000-000000000003\n"
                                "  rule           /etc/xenplm/policy.xml:42, name 'web*'\n"
                                "  source         agent\n"
                                "  flags          -\n"
                                "  request        seq 42, 12s ago\n"
                                "  status         ok\n"
                                "  requests       17 read, 2 rejected\n"
                                "  cpu (hundredths of a pCPU)\n"
                                "    requested    50/120/200\n"
                                "    arbitrated   levels 50/120/200, min 10, max none\n"
                                "    max          400, its vcpus (4 x 100)\n"
                                "    outcome      raw 150.5, rounded 150, floor 10\n"
                                "    levels       satisfied 2, levelled 3 at water 150.5\n"
                                "    why          levelled\n"
                                "    last change  levelled at level 3 (was 120)\n"
                                "    granted      150\n"
                                "    trigger      streaks 1/0/0, direction grow\n"
                                "    override     none\n"
                                "  mem (MiB)\n"
                                "    requested    512/768/1024\n"
                                "    arbitrated   levels 512/768/1024, min 512, max 4096\n"
                                "    max          1536, its policy maximum\n"
                                "    outcome      raw 1024, rounded 1024, floor 512\n"
                                "    levels       satisfied 3, not levelled\n"
                                "    why          satisfied\n"
                                "    last change  none\n"
                                "    granted      1024\n"
                                "    trigger      streaks 0/0, direction none\n"
                                "    override     none\n"
                                "  enforcement\n"
                                "    weight/cap   256/0\n"
                                "    vcpus        2 set, 2 online, 4 max\n"
                                "    memory       target 1024, actual 1000, max 2048 MiB\n"
                                "    balloon      want 1024, floor 512 MiB, rate 8 MiB/s\n"
                                "    cpu used     95\n"
                                "    errors       0\n";

static const char show_db[] =
    "db-main (domain 7)\n"
    "  uuid           -\n"
    "  rule           built-in rule for domains no entry matches\n"
    "  source         agentless\n"
    "  flags          override,rejected,uncooperative,limited\n"
    "  request        none\n"
    "  status         rejected: line 2: \"cpu\" needs a unit\n"
    "  requests       1 read, 1 rejected, one waiting (rate-limited)\n"
    "  cpu (hundredths of a pCPU)\n"
    "    requested    80\n"
    "    arbitrated   levels 80, min 0, max none\n"
    "    max          300, its policy maximum\n"
    "    outcome      raw 80, rounded 80, floor 10\n"
    "    levels       satisfied 1, not levelled\n"
    "    why          satisfied\n"
    "    last change  none\n"
    "    granted      80\n"
    "    trigger      streaks 0/0/0, direction none\n"
    "    override     none\n"
    "  mem (MiB)\n"
    "    requested    -\n"
    "    arbitrated   levels -, min 0, max none\n"
    "    max          8192, its maxmem\n"
    "    outcome      raw 512, rounded 512, floor 512 (at_min)\n"
    "    levels       satisfied 0, not levelled\n"
    "    why          floor\n"
    "    last change  none\n"
    "    granted      2048\n"
    "    trigger      streaks 2/1, direction shrink\n"
    "    override     2048 asked, 2048 in effect, for 5m00s more\n"
    "  enforcement\n"
    "    weight/cap   512/-\n"
    "    vcpus        8 set, 8 online, 8 max\n"
    "    memory       target 2048, actual 3000, max 8192 MiB\n"
    "    balloon      want 2048, floor 512 MiB, rate 0.098 MiB/s, uncooperative\n"
    "    cpu used     60.5\n"
    "    errors       3\n";

static const char show_old[] = "old?[2Jvm (domain 12)\n"
                               "  uuid           -\n"
                               "  rule           built-in rule for domains no entry matches\n"
                               "  source         none\n"
                               "  flags          dying,gone\n"
                               "  request        none\n"
                               "  status         -\n"
                               "  requests       0 read, 0 rejected\n"
                               "  cpu (hundredths of a pCPU)\n"
                               "    requested    -\n"
                               "    arbitrated   levels -, min 0, max 0\n"
                               "    max          100, its vcpus (1 x 100)\n"
                               "    outcome      raw 0, rounded 0, floor 0\n"
                               "    levels       satisfied 0, not levelled\n"
                               "    why          satisfied\n"
                               "    last change  none\n"
                               "    granted      0\n"
                               "    trigger      streaks 0/0/0, direction none\n"
                               "    override     none\n"
                               "  mem (MiB)\n"
                               "    requested    -\n"
                               "    arbitrated   levels -, min 0, max 0\n"
                               "    max          none\n"
                               "    outcome      raw 0, rounded 0, floor 0\n"
                               "    levels       satisfied 0, not levelled\n"
                               "    why          satisfied\n"
                               "    last change  none\n"
                               "    granted      0\n"
                               "    trigger      streaks 0/0, direction none\n"
                               "    override     none\n"
                               "  enforcement\n"
                               "    weight/cap   -/-\n"
                               "    vcpus        0 set, 0 online, 0 max\n"
                               "    memory       target 0, actual 0, max 0 MiB\n"
                               "    balloon      want 0, floor 0 MiB, rate 0 MiB/s\n"
                               "    cpu used     0\n"
                               "    errors       0\n";

static const char show_web1_json[] =
    "{\"name\":\"web1\",\"domid\":3,\"uuid\":\"00000000-0000-0000-0000-000000000003\",\"present\":"
    "true,\"dying\":false,\"rule\":{\"match\":\"name\",\"file\":\"/etc/xenplm/"
    "policy.xml\",\"line\":42,\"pattern\":\"web*\"},\"source\":\"agent\",\"flags\":[],"
    "\"request\":{\"seq\":42,\"age_ms\":12000},\"status\":\"ok\",\"requests\":17,\"rejected\":2,"
    "\"pending_read\":false,\"migration\":null,\"io\":null,"
    "\"resources\":{"
    "\"cpu\":{\"requested\":[50,120,200],\"arbitrated\":{\"levels\":[50,120,200],\"min\":10,"
    "\"max\":null},\"max\":{\"amount\":400,\"set_by\":\"vcpus\"},\"raw\":150.5,\"rounded\":150,"
    "\"floor\":10,\"kept\":0,\"extra\":0,\"satisfied\":2,"
    "\"levelled\":3,\"water\":150.5,\"why\":\"levelled\",\"outcome_flags\":[],\"last_change\":"
    "\"levelled at level 3 (was "
    "120)\",\"granted\":150,\"trigger\":{\"streaks\":[1,0,0],\"direction\":\"grow\"},\"override\":"
    "null},"
    "\"mem\":{\"requested\":[512,768,1024],\"arbitrated\":{\"levels\":[512,768,1024],\"min\":512,"
    "\"max\":4096},\"max\":{\"amount\":1536,\"set_by\":\"policy\"},\"raw\":1024,\"rounded\":1024,"
    "\"floor\":512,\"kept\":0,\"extra\":0,\"satisfied\":3,"
    "\"levelled\":0,\"water\":null,\"why\":\"satisfied\",\"outcome_flags\":[],\"last_change\":null,"
    "\"granted\":1024,\"trigger\":{\"streaks\":[0,0],\"direction\":\"none\"},\"override\":null}},"
    "\"enforcement\":{\"weight\":256,\"cap\":0,\"vcpus\":2,\"online_vcpus\":2,\"max_vcpus\":4,"
    "\"memory\":{\"target\":1024,\"actual\":1000,\"max\":2048,\"want\":1024,\"floor\":512,\"rate\":"
    "8,\"uncooperative\":false,\"balloon\":true},\"vcpu_hotplug\":true,\"cpu_used\":95,"
    "\"errors\":0}}\n";

static const char show_db_json[] =
    "{\"name\":\"db-main\",\"domid\":7,\"uuid\":\"\",\"present\":true,\"dying\":false,\"rule\":{"
    "\"match\":\"none\",\"file\":null,\"line\":null,\"pattern\":null},\"source\":\"agentless\","
    "\"flags\":[\"override\",\"rejected\",\"uncooperative\",\"limited\"],"
    "\"request\":null,\"status\":\"rejected: line 2: \\\"cpu\\\" needs a "
    "unit\",\"requests\":1,\"rejected\":1,\"pending_read\":true,\"migration\":null,\"io\":null,"
    "\"resources\":{"
    "\"cpu\":{\"requested\":[80],\"arbitrated\":{\"levels\":[80],\"min\":0,\"max\":null},"
    "\"max\":{\"amount\":300,\"set_by\":\"policy\"},\"raw\":"
    "80,\"rounded\":80,\"floor\":10,\"kept\":0,\"extra\":0,\"satisfied\":1,\"levelled\":0,"
    "\"water\":null,"
    "\"why\":"
    "\"satisfied\",\"outcome_flags\":[],\"last_change\":null,\"granted\":80,\"trigger\":{"
    "\"streaks\":[0,0,0],\"direction\":\"none\"},\"override\":null},"
    "\"mem\":{\"requested\":null,\"arbitrated\":{\"levels\":[],\"min\":0,\"max\":null},"
    "\"max\":{\"amount\":8192,\"set_by\":\"maxmem\"},\"raw\":512,"
    "\"rounded\":512,\"floor\":512,\"kept\":0,\"extra\":0,\"satisfied\":0,\"levelled\":0,\"water\":"
    "null,"
    "\"why\":"
    "\"floor\",\"outcome_flags\":[\"at_min\"],\"last_change\":null,\"granted\":2048,\"trigger\":{"
    "\"streaks\":[2,1],\"direction\":\"shrink\"},\"override\":{\"amount\":2048,\"effective\":2048,"
    "\"remaining_ms\":"
    "300000}}},"
    "\"enforcement\":{\"weight\":512,\"cap\":null,\"vcpus\":8,\"online_vcpus\":8,\"max_vcpus\":8,"
    "\"memory\":{\"target\":2048,\"actual\":3000,\"max\":8192,\"want\":2048,\"floor\":512,\"rate\":"
    "0.098,\"uncooperative\":true,\"balloon\":true},\"vcpu_hotplug\":true,\"cpu_used\":60.5,"
    "\"errors\":3}}\n";

static const char status_text[] =
    "xenplmd " PACKAGE_VERSION "\n"
    "  policy         /etc/xenplm/policy.xml\n"
    "  enforcement    on\n"
    "  uptime         1m39s\n"
    "  arbitrated     4s ago\n"
    "  tick           10s\n"
    "  host           8 pCPUs, 16384 MiB, 2048 MiB free, 12000 MiB held by guests\n"
    "  domains        3 known, 2 present\n"
    "  cpu pool       700: allocated 690 (rounded 690), reserve 10, ran out at level 3, water 6.5\n"
    "  mem pool       13000: allocated 4096 (rounded 4096), reserve 8896, every level met\n"
    "  activity       120 events, 14 arbitrations, 3 reallocations\n"
    "  xenstore       40 reads, 22 writes, 2 watch events lost\n"
    "  enforce calls  9, 1 failed\n";

static const char status_json[] =
    "{\"version\":\"" PACKAGE_VERSION "\",\"policy\":\"/etc/xenplm/"
    "policy.xml\",\"paused\":false,\"uptime_ms\":99000,\"last_"
    "arbitration_ms_ago\":4000,\"tick_ms\":10000,"
    "\"host\":{\"pcpus\":8,\"mem_total\":16384,\"mem_free\":2048,\"mem_domu\":12000},"
    "\"domains\":{\"known\":3,\"present\":2},"
    "\"pools\":{\"cpu\":{\"pool\":700,\"usable\":700,\"allocated\":690,\"rounded_allocated\":690,"
    "\"reserve\":10,\"levelled\":3,\"water\":6.5,\"starved\":false},\"mem\":{\"pool\":13000,"
    "\"usable\":12992,\"allocated\":4096,\"rounded_allocated\":4096,\"reserve\":8896,\"levelled\":"
    "0,\"water\":0,\"starved\":false}},\"pool_mode\":null,"
    "\"stats\":{\"events\":120,\"arbitrations\":14,\"reallocations\":3,\"xs_reads\":40,\"xs_"
    "writes\":22,\"watch_missed\":2,\"enforce_calls\":9,\"enforce_errors\":1}}\n";

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

enum what { LIST, SHOW, STATUS, TABLE };

/* Render into memory and return the text (to free). */
static char *render(const struct dmn_state *s, enum what w, size_t dom, bool json)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc;

    ck_assert_ptr_nonnull(f);
    if (w == LIST)
        rc = render_list(f, s, json);
    else if (w == SHOW)
        rc = render_show(f, s, &s->dom[dom], NOW, json);
    else if (w == TABLE)
        rc = render_table(f, s, NOW);
    else
        rc = render_status(f, s, NOW, json);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(strlen(buf), len); /* no NUL byte in the output */
    return buf;
}

static void expect(const struct dmn_state *s, enum what w, size_t dom, bool json, const char *want)
{
    char *got = render(s, w, dom, json);

    ck_assert_str_eq(got, want);
    free(got);
}

static void expect_has(const struct dmn_state *s, enum what w, size_t dom, bool json,
                       const char *part)
{
    char *got = render(s, w, dom, json);

    ck_assert_msg(strstr(got, part) != NULL, "'%s' not in:\n%s", part, got);
    free(got);
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */

START_TEST(test_list)
{
    struct dmn_state s;

    build_state(&s);
    expect(&s, LIST, 0, false, list_text);
    expect(&s, LIST, 0, true, list_json);
}
END_TEST

/* The daemon's allocation table: the list's printer, units in the titles. */
START_TEST(test_table)
{
    struct dmn_state s;
    char *got;

    build_state(&s);
    got = render(&s, TABLE, 0, false);
    ck_assert_msg(strstr(got, "\n  Name       ID  CPU(pct)  VCPUs  Mem(MiB)  Target/Actual(MiB)  "
                              "Why (cpu)\n") != NULL,
                  "%s", got);
    /* Numbers to the right, under their titles; unmanaged domains say so. */
    ck_assert_msg(strstr(got, "\n  old?[2Jvm  12         -      ") != NULL, "%s", got);
    ck_assert_msg(strstr(got, "  unmanaged\n") != NULL, "%s", got);
    free(got);
}
END_TEST

/* The reply to set: a line for each amount above the domain's maximum. */
static void expect_override(struct dmn_domain *d, plm_amt_t cpu, plm_amt_t mem, const char *want)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    ck_assert_ptr_nonnull(f);
    memset(&d->eng.override, 0, sizeof(d->eng.override));
    d->eng.override.active[POL_CPU] = cpu != 0;
    d->eng.override.amount[POL_CPU] = cpu;
    d->eng.override.active[POL_MEMORY] = mem != 0;
    d->eng.override.amount[POL_MEMORY] = mem;
    ck_assert_int_eq(render_override(f, d), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_str_eq(buf, want);
    free(buf);
}

START_TEST(test_override_reply)
{
    struct dmn_state s;

    build_state(&s);
    /* web1: 4 vcpus, maxmem 2048, its rule's memory max 1536. */
    expect_override(&s.dom[0], U(1000000000), U(1000000000),
                    "web1: override set\n"
                    "  cpu=1000000000 clamped to 400, its vcpus (4 x 100)\n"
                    "  mem=1000000000 clamped to 1536, its policy maximum\n");
    expect_override(&s.dom[0], U(400), U(1536), "web1: override set\n");
    expect_override(&s.dom[0], U(400) + 1, 0,
                    "web1: override set\n"
                    "  cpu=400.001 clamped to 400, its vcpus (4 x 100)\n");
    expect_override(&s.dom[0], 0, 0, "web1: override cleared\n");
    /* Its vcpus did not follow hotplug: the two online are all it can use,
     * as the arbiter holds it. */
    s.dom[0].eng.vcpus_fixed = true;
    s.dom[0].eng.vcpus_online = 2;
    expect_override(&s.dom[0], U(300), 0,
                    "web1: override set\n"
                    "  cpu=300 clamped to 200, its online vcpus (2 x 100; no vcpu hotplug)\n");
    s.dom[0].eng.vcpus_fixed = false;
    /* db-main: 8 vcpus and its rule's CPU max 300; maxmem 8192, no memory max. */
    expect_override(&s.dom[1], U(800), U(9000),
                    "db-main: override set\n"
                    "  cpu=800 clamped to 300, its policy maximum\n"
                    "  mem=9000 clamped to 8192, its maxmem\n");
}
END_TEST

START_TEST(test_show)
{
    struct dmn_state s;

    build_state(&s);
    expect(&s, SHOW, 0, false, show_web1);
    expect(&s, SHOW, 1, false, show_db);
    expect(&s, SHOW, 2, false, show_old);
    expect(&s, SHOW, 0, true, show_web1_json);
    expect(&s, SHOW, 1, true, show_db_json);
}
END_TEST

START_TEST(test_status)
{
    struct dmn_state s;

    build_state(&s);
    expect(&s, STATUS, 0, false, status_text);
    expect(&s, STATUS, 0, true, status_json);
}
END_TEST

/* A domain leaving by live migration: where to, how far, which order. */
START_TEST(test_show_migrating)
{
    struct dmn_state s;

    build_state(&s);
    s.mig.running = true;
    s.mig.domid = 3;
    s.mig.pct = 40;
    s.mig.started_ms = NOW - 12000;
    snprintf(s.mig.order.dest, sizeof(s.mig.order.dest), "xen-b");
    snprintf(s.mig.order.key, sizeof(s.mig.order.key), "/xenplm/p/orders/xen-a/9");
    expect_has(&s, SHOW, 0, false,
               "  migration      migrating to xen-b, 40 % (order /xenplm/p/orders/xen-a/9, 12s "
               "so far)\n");
    expect_has(&s, SHOW, 0, true,
               "\"migration\":{\"to\":\"xen-b\",\"pct\":40,\"order\":\"/xenplm/p/orders/"
               "xen-a/9\",\"elapsed_ms\":12000}");
    /* Another domain is not the one migrating; a progress not known is null. */
    expect_has(&s, SHOW, 1, true, "\"migration\":null");
    s.mig.pct = -1;
    expect_has(&s, SHOW, 0, true, "\"pct\":null");
}
END_TEST

/* Paused: every row says so, and so do status and the JSON. */
START_TEST(test_paused)
{
    struct dmn_state s;

    build_state(&s);
    s.paused = true;
    expect_has(&s, LIST, 0, false, "256/0  paused\n");
    expect_has(&s, LIST, 0, false, "override,rejected,uncooperative,limited,paused\n");
    expect_has(&s, LIST, 0, false, "-/-  dying,gone,paused\n");
    expect_has(&s, LIST, 0, true, "{\"paused\":true,");
    expect_has(&s, LIST, 0, true, "\"flags\":[\"paused\"]}");
    expect_has(&s, STATUS, 0, false, "  enforcement    paused (arbitrating, not enforcing)\n");
    expect_has(&s, STATUS, 0, true, "\"paused\":true,");
    expect_has(&s, SHOW, 0, false, "  flags          paused\n");
}
END_TEST

/* Guest kinds: a guest without a balloon driver and one whose vcpus do
 * not follow hotplug say so in list, show and their JSON. */
START_TEST(test_kinds)
{
    struct dmn_state s;

    build_state(&s);
    s.dom[0].eng.balloon = false;
    s.dom[0].eng.vcpus_fixed = true;
    s.dom[0].eng.vcpus_online = 1;
    expect_has(&s, LIST, 0, false, "256/0  no balloon,no vcpu hotplug\n");
    /* The VCPUs column is what the guest holds: its own count. */
    expect_has(&s, LIST, 0, false, "150      1      1024");
    expect_has(&s, LIST, 0, true,
               "\"granted\":{\"cpu\":150,\"vcpus\":1,\"mem\":1024},\"balloon\":false,"
               "\"vcpu_hotplug\":false,");
    expect_has(&s, LIST, 0, true, "\"flags\":[\"no balloon\",\"no vcpu hotplug\"]}");
    expect_has(&s, SHOW, 0, false, "  flags          no balloon,no vcpu hotplug\n");
    expect_has(&s, SHOW, 0, false,
               "    balloon      no balloon (control/feature-balloon says none, or nothing in a "
               "non-PV guest): its memory stays as it is\n");
    expect_has(&s, SHOW, 0, false,
               "    vcpus        2 set, 2 online, 4 max, no vcpu hotplug (CPU through weight and "
               "cap only)\n");
    expect_has(&s, SHOW, 0, true, "\"balloon\":false},\"vcpu_hotplug\":false,");
}
END_TEST

/* Anticipation: shown for a domain whose rule anticipates, nowhere else. */
START_TEST(test_anticipation)
{
    struct dmn_state s;
    static struct ant_hist hist;

    build_state(&s);
    /* Without <anticipate>: not a word of it. */
    char *got = render(&s, SHOW, 0, false);
    ck_assert_ptr_null(strstr(got, "anticipat"));
    free(got);
    got = render(&s, STATUS, 0, false);
    ck_assert_ptr_null(strstr(got, "anticipat"));
    free(got);

    rule_web.anticipate = true;
    s.dom[0].eng.hist = &hist;
    expect_has(&s, SHOW, 0, false, "    anticipating nothing due\n");
    expect_has(&s, SHOW, 0, true, "\"anticipating\":null,");
    expect_has(&s, STATUS, 0, false, "  anticipation   1 domain, 0 anticipating now\n");
    expect_has(&s, STATUS, 0, true, "\"anticipating\":[],");

    s.dom[0].eng.ahead[POL_MEMORY] =
        (struct ant_need){.found = true, .total = 3072, .level = 2, .peak_sec = 9 * 3600};
    s.dom[0].eng.ahead_from_sec[POL_MEMORY] = 8 * 3600 + 52 * 60;
    expect_has(&s, SHOW, 0, false,
               "  mem (MiB)\n"
               "    requested    512/768/1024\n");
    expect_has(&s, SHOW, 0, false, "    anticipating the 09:00 peak: 3072 from 08:52, level 2\n");
    expect_has(
        &s, SHOW, 0, true,
        "\"anticipating\":{\"peak\":\"09:00\",\"amount\":3072,\"level\":2,\"from\":\"08:52\","
        "\"days_without\":0}");
    expect_has(&s, STATUS, 0, false,
               "  anticipation   1 domain, 1 anticipating now\n"
               "    web1 mem the 09:00 peak: 3072 from 08:52, level 2\n");
    expect_has(&s, STATUS, 0, true,
               "\"anticipating\":[{\"domain\":\"web1\",\"resource\":\"mem\",\"what\":{\"peak\":"
               "\"09:00\"");
    s.dom[0].eng.ahead[POL_MEMORY].misses = 2;
    expect_has(&s, SHOW, 0, false, "from 08:52, level 2, 2 days without it\n");
    rule_web.anticipate = false;
}
END_TEST

/* vcpu affinity: shown for a domain whose rule has it (or whose affinity
 * xenplm set), nowhere else; what Xen accepted, what is still owed, what
 * is wrong. */
START_TEST(test_affinity)
{
    struct dmn_state s;
    struct eng_dom *e;

    build_state(&s);
    e = &s.dom[0].eng;
    char *got = render(&s, SHOW, 0, false);
    ck_assert_ptr_null(strstr(got, "affinity"));
    free(got);
    got = render(&s, SHOW, 0, true);
    ck_assert_ptr_null(strstr(got, "affinity"));
    free(got);

    /* The rule's hard list, not set yet (refused, say). */
    rule_web.affinity_hard = true;
    ck_assert_int_eq(plm_cpumap_parse("0-3,6", &rule_web.hard, NULL, 0), 0);
    expect_has(&s, SHOW, 0, false,
               "    affinity     hard as Xen has it, soft as Xen has it; the rule's not set yet\n");
    expect_has(&s, SHOW, 0, true,
               "\"affinity\":{\"hard\":null,\"soft\":null,\"soft_outside_hard\":false,"
               "\"pending\":true,\"problem\":null},");
    /* Accepted. */
    e->aff_set[ENG_AFF_HARD] = true;
    e->aff_want[ENG_AFF_HARD] = e->aff_done[ENG_AFF_HARD] = rule_web.hard;
    expect_has(&s, SHOW, 0, false, "    affinity     hard 0-3,6, soft as Xen has it\n");
    expect_has(&s, SHOW, 0, true, "\"affinity\":{\"hard\":\"0-3,6\",\"soft\":null,");
    /* A soft set outside the hard one; a problem with the rule. */
    e->aff_set[ENG_AFF_SOFT] = true;
    ck_assert_int_eq(plm_cpumap_parse("4-5", &e->aff_done[ENG_AFF_SOFT], NULL, 0), 0);
    e->aff_want[ENG_AFF_SOFT] = e->aff_done[ENG_AFF_SOFT];
    snprintf(e->aff_problem, sizeof(e->aff_problem), "soft affinity 9 names no pCPU");
    expect_has(&s, SHOW, 0, false,
               "    affinity     hard 0-3,6, soft 4-5 (no soft pCPU is in the hard set: Xen uses "
               "the hard set)\n"
               "                 soft affinity 9 names no pCPU\n");
    expect_has(&s, SHOW, 0, true,
               "\"soft\":\"4-5\",\"soft_outside_hard\":true,\"pending\":false,\"problem\":"
               "\"soft affinity 9 names no pCPU\"}");
    rule_web.affinity_hard = false;
}
END_TEST

/* Host-side activity: only for a rule that watches it (agentless with
 * io-cpu), measured or not yet, busy or not. */
START_TEST(test_io_activity)
{
    struct dmn_state s;

    build_state(&s);
    char *got = render(&s, SHOW, 1, false);
    ck_assert_ptr_null(strstr(got, "activity"));
    free(got);

    struct pol_domain rule = rule_none;
    rule.agentless = true;
    rule.agentless_level = 1;
    rule.agentless_io_cpu = U(100);
    s.dom[1].rule = &rule;
    expect_has(&s, SHOW, 1, false,
               "  requests       1 read, 1 rejected, one waiting (rate-limited)\n"
               "  activity       not measured yet\n"
               "  cpu (hundredths of a pCPU)\n");
    expect_has(&s, SHOW, 1, true, "\"pending_read\":true,\"migration\":null,\"io\":null,");
    s.dom[1].eng.io_rated = s.dom[1].eng.io_busy = true;
    s.dom[1].eng.net_kib_s = 2048;
    s.dom[1].eng.disk_req_s = 50;
    expect_has(&s, SHOW, 1, false,
               "  activity       net 2048 KiB/s, disk 50 req/s: busy with I/O (at least 100 "
               "cpu)\n");
    expect_has(&s, SHOW, 1, true,
               "\"io\":{\"net_kib_s\":2048,\"disk_req_s\":50,\"busy\":true,\"io_cpu\":100},");
    s.dom[1].eng.io_busy = false;
    s.dom[1].eng.net_kib_s = 3;
    expect_has(&s, SHOW, 1, false,
               "  activity       net 3 KiB/s, disk 50 req/s: not busy with I/O\n");
    /* The signal off: nothing shown. */
    rule.agentless_io_cpu = 0;
    got = render(&s, SHOW, 1, false);
    ck_assert_ptr_null(strstr(got, "activity"));
    free(got);
    expect_has(&s, SHOW, 1, true, "\"pending_read\":true,\"migration\":null,\"io\":null,");
}
END_TEST

/* The boost: shown for a domain whose rule says <boost>, nowhere else. */
START_TEST(test_boost)
{
    struct dmn_state s;

    build_state(&s);
    char *got = render(&s, SHOW, 0, false);
    ck_assert_ptr_null(strstr(got, "boost"));
    free(got);

    rule_web.boost = true;
    rule_web.boost_per_hour_ms = 120000;
    expect_has(&s, SHOW, 0, false,
               "  boost          none; 0ms of 2m00s used this hour; 0 granted, "
               "0 refused\n");
    struct eng_boost *b = &s.dom[0].eng.boost;
    b->since_ms = NOW - 1000;
    b->until_ms = NOW + 2000;
    b->cpu = PLM_UNITS(150);
    b->slot_at_ms[0] = NOW - 1000;
    b->slot_ms[0] = 3000;
    b->granted = 1;
    b->refused = 4;
    expect_has(&s, SHOW, 0, false,
               "  boost          cpu 150 for 2s more; 3s of 2m00s used this hour; 1 granted, "
               "4 refused\n");
    expect_has(&s, SHOW, 0, true,
               "\"boost\":{\"running\":true,\"cpu\":150,\"remaining_ms\":2000,\"cooldown_ms\":0,"
               "\"used_ms\":3000,\"per_hour_ms\":120000,\"granted\":1,\"refused\":4},");
    b->until_ms = 0;
    b->cooldown_until_ms = NOW + 60000;
    expect_has(&s, SHOW, 0, false, "  boost          none, cooldown 1m00s more; 3s of 2m00s");
    expect_has(&s, SHOW, 0, true,
               "\"boost\":{\"running\":false,\"cpu\":null,\"remaining_ms\":null,"
               "\"cooldown_ms\":60000,");
    rule_web.boost = false;
}
END_TEST

START_TEST(test_empty)
{
    struct dmn_state s;

    memset(&s, 0, sizeof(s));
    expect(&s, LIST, 0, false,
           "Name  ID  Source  Req cpu(pct)  Req mem(MiB)  CPU(pct)  VCPUs  Mem(MiB)  "
           "Target/Actual(MiB)  "
           "Weight/Cap  Flags\n");
    expect(&s, LIST, 0, true, "{\"paused\":false,\"domains\":[]}\n");
    /* A daemon that has not arbitrated yet, with no policy path. */
    expect_has(&s, STATUS, 0, false, "  policy         -\n");
    expect_has(&s, STATUS, 0, false, "  arbitrated     never\n");
    expect_has(&s, STATUS, 0, false, "  domains        0 known, 0 present\n");
    expect_has(&s, STATUS, 0, true, "\"policy\":\"\",");
    expect_has(&s, STATUS, 0, true, "\"last_arbitration_ms_ago\":null,");
}
END_TEST

START_TEST(test_variations)
{
    struct dmn_state s;

    build_state(&s);
    /* A starved pool, and a uuid rule. */
    s.eng.summary[POL_MEMORY].starved = true;
    expect_has(&s, STATUS, 0, false, "reserve 8896, starved: floors not covered\n");
    expect_has(&s, STATUS, 0, true, "\"starved\":true}}");
    rule_web.kind = POL_MATCH_UUID;
    snprintf(rule_web.uuid, sizeof(rule_web.uuid), "%s", "00000000-0000-0000-0000-00000000000a");
    expect_has(&s, SHOW, 0, false,
               "  rule           /etc/xenplm/policy.xml:42, uuid "
               "00000000-0000-0000-0000-00000000000a\n");
    expect_has(&s, SHOW, 0, true,
               "\"rule\":{\"match\":\"uuid\",\"file\":\"/etc/xenplm/policy.xml\",\"line\":42,"
               "\"pattern\":\"00000000-0000-0000-0000-00000000000a\"}");
    /* An override until cleared, one expired but not yet dropped, extras. */
    s.dom[0].eng.override.active[POL_CPU] = true;
    s.dom[0].eng.override.amount[POL_CPU] = U(300);
    expect_has(&s, SHOW, 0, false, "    override     300 asked, 300 in effect, until cleared\n");
    expect_has(&s, SHOW, 0, true,
               "\"override\":{\"amount\":300,\"effective\":300,\"remaining_ms\":null}");
    expect_has(&s, LIST, 0, false, "256/0  override\n");
    s.dom[1].eng.override.until_ms = NOW - 1;
    expect_has(&s, SHOW, 1, false, "    override     2048 asked, 2048 in effect, for 0ms more\n");
    s.dom[0].eng.outcome[POL_CPU].extra = 2500;
    s.dom[0].eng.outcome[POL_CPU].flags = PLM_OUT_AT_MAX | PLM_OUT_LEFTOVER;
    expect_has(&s, SHOW, 0, false,
               "    outcome      raw 150.5, rounded 150, floor 10, leftover 2.5 "
               "(at_max,leftover)\n");
    expect_has(&s, SHOW, 0, true, "\"extra\":2.5,");
    expect_has(&s, SHOW, 0, true, "\"outcome_flags\":[\"at_max\",\"leftover\"]");
    /* A request time in the future (clock trouble) reads as now. */
    s.dom[0].req_at_ms = NOW + 5000;
    expect_has(&s, SHOW, 0, false, "  request        seq 42, 0ms ago\n");
    /* A policy that lost its path falls back to the policy's own source. */
    s.policy_path[0] = '\0';
    s.policy.source = web_glob;
    expect_has(&s, STATUS, 0, false, "  policy         web*\n");
    /* An agent that sent only cpu: its memory column is empty. */
    s.dom[0].req.flags = PROTO_REQ_HAS(PROTO_RES_CPU);
    expect_has(&s, LIST, 0, false, "web1        3  agent      50/120/200    -             ");
}
END_TEST

/* Long cells widen their column; every row stays aligned. */
START_TEST(test_wide_columns)
{
    static const char *const titles[] = {"Source", "Req mem", "Flags"};
    struct dmn_state s;
    char *got;

    build_state(&s);
    snprintf(s.dom[1].info.name, sizeof(s.dom[1].info.name), "%s",
             "a-very-long-domain-name-for-the-table");
    s.dom[0].req.res[PROTO_RES_CPU].nlevels = PLM_MAX_LEVELS;
    for (unsigned i = 0; i < PLM_MAX_LEVELS; i++)
        s.dom[0].req.res[PROTO_RES_CPU].level[i] = PLM_AMT_MAX - 1;
    got = render(&s, LIST, 0, false);
    ck_assert_ptr_nonnull(strstr(got, "  999999999.999/999999999.999/"));
    /* Left-aligned columns start at the title's offset on every line. */
    for (size_t t = 0; t < sizeof(titles) / sizeof(titles[0]); t++) {
        size_t col = (size_t)(strstr(got, titles[t]) - got);
        int lines = 0;

        for (const char *line = got; *line; line = strchr(line, '\n') + 1, lines++) {
            ck_assert_uint_gt(strcspn(line, "\n"), col);
            ck_assert_msg(line[col - 2] == ' ' && line[col - 1] == ' ' && line[col] != ' ',
                          "column %s misaligned in:\n%s", titles[t], got);
        }
        ck_assert_int_eq(lines, 4);
    }
    free(got);
}
END_TEST

/* Strings through the JSON writer (jw_string, yajl): what JSON requires is
 * escaped, and invalid UTF-8 becomes U+FFFD. */
#define FFFD "\xef\xbf\xbd"
static const struct {
    const char *in, *out;
} json_strings[] = {
    {"", "\"\""},
    {"plain", "\"plain\""},
    {"a\"b\\c", "\"a\\\"b\\\\c\""},
    {"tab\there\nnl", "\"tab\\there\\nnl\""},
    {"\x01\x1b\x1f\x7f", "\"\\u0001\\u001B\\u001F\x7f\""},
    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
    {"bad\xff", "\"bad" FFFD "\""},
    {"\xc3", "\"" FFFD "\""},          /* cut short */
    {"\xc3(", "\"" FFFD "(\""},        /* bad continuation */
    {"\xc0\xaf", "\"" FFFD FFFD "\""}, /* overlong '/' */
    {"\xe0\x80\xaf", "\"" FFFD FFFD FFFD "\""},
    {"\xed\xa0\x80", "\"" FFFD FFFD FFFD "\""},          /* a surrogate */
    {"\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\""}, /* past U+10FFFF */
};

START_TEST(test_json_string)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct jw w;

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(jw_begin(&w, f), 0);
    jw_array(&w);
    jw_string(&w, json_strings[_i].in);
    jw_array_end(&w);
    ck_assert_int_eq(jw_end(&w), 0);
    ck_assert_int_eq(fclose(f), 0);
    /* The string alone, without the array around it and the newline. */
    ck_assert_uint_ge(len, 3);
    buf[len - 2] = '\0';
    ck_assert_str_eq(buf + 1, json_strings[_i].out);
    free(buf);
}
END_TEST

/* A call out of order makes the document fail as a whole, and what
 * follows it is ignored; amounts are written as plm_amt_format does. */
START_TEST(test_json_writer)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct jw w;

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(jw_begin(&w, f), 0);
    jw_object(&w);
    jw_key(&w, "a");
    jw_amt(&w, 6500);
    jw_key(&w, "b");
    jw_int(&w, -3);
    jw_key(&w, "c");
    jw_uint(&w, UINT64_MAX);
    jw_key(&w, "d");
    jw_string_or_null(&w, NULL);
    jw_object_end(&w);
    ck_assert_int_eq(jw_end(&w), 0);
    ck_assert_int_eq(jw_begin(&w, f), 0);
    jw_array_end(&w); /* nothing open */
    jw_bool(&w, true);
    ck_assert_int_eq(jw_end(&w), PLM_EIO);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_str_eq(buf, "{\"a\":6.5,\"b\":-3,\"c\":18446744073709551615,\"d\":null}\n");
    free(buf);
}
END_TEST

static const struct {
    uint64_t ms;
    const char *text;
} durations[] = {
    {0, "0ms"},
    {999, "999ms"},
    {1000, "1s"},
    {59999, "59s"},
    {60000, "1m00s"},
    {307000, "5m07s"},
    {3599999, "59m59s"},
    {3600000, "1h00m"},
    {7380000, "2h03m"},
    {86399999, "23h59m"},
    {86400000, "1d00h"},
    {277200000, "3d05h"},
    {UINT64_MAX, "213503982334d14h"},
};

START_TEST(test_duration)
{
    char buf[RENDER_DURATION_MAX];

    ck_assert_str_eq(render_duration(durations[_i].ms, buf), durations[_i].text);
}
END_TEST

/* A stream that cannot be written: every renderer says so. */
START_TEST(test_stream_error)
{
    struct dmn_state s;
    FILE *f = fopen("/dev/null", "r");

    ck_assert_ptr_nonnull(f);
    build_state(&s);
    for (int json = 0; json < 2; json++) {
        ck_assert_int_eq(render_list(f, &s, json), PLM_EIO);
        ck_assert_int_eq(render_show(f, &s, &s.dom[0], NOW, json), PLM_EIO);
        ck_assert_int_eq(render_status(f, &s, NOW, json), PLM_EIO);
    }
    fclose(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("render");
    TCase *tc = tcase_create("render");

    tcase_add_test(tc, test_list);
    tcase_add_test(tc, test_table);
    tcase_add_test(tc, test_override_reply);
    tcase_add_test(tc, test_show);
    tcase_add_test(tc, test_affinity);
    tcase_add_test(tc, test_show_migrating);
    tcase_add_test(tc, test_status);
    tcase_add_test(tc, test_paused);
    tcase_add_test(tc, test_kinds);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_variations);
    tcase_add_test(tc, test_wide_columns);
    tcase_add_test(tc, test_json_writer);
    tcase_add_loop_test(tc, test_json_string, 0,
                        (int)(sizeof(json_strings) / sizeof(json_strings[0])));
    tcase_add_loop_test(tc, test_duration, 0, (int)(sizeof(durations) / sizeof(durations[0])));
    tcase_add_test(tc, test_stream_error);
    tcase_add_test(tc, test_anticipation);
    tcase_add_test(tc, test_io_activity);
    tcase_add_test(tc, test_boost);
    suite_add_tcase(s, tc);

    return check_run(s);
}
