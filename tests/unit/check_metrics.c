/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Prometheus text: the exposition helpers (common/prom.c: numbers,
 * label escaping, the histogram) and the daemon's renderer
 * (render_metrics) on a small hand-built state: values in base units, a
 * hostile domain name that stays inside its label, counters that only
 * grow, and every line well formed.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/prom.h"
#include "daemon/render.h"
#include "tests/unit/suite_run.h"
#include "tests/unit/prom_check.h"

#define U(x) PLM_UNITS(x)

/* What fn wrote to a memory stream, malloc'd. */
#define CAPTURE(buf, stmt)                                                                         \
    do {                                                                                           \
        size_t len_;                                                                               \
        FILE *f = open_memstream(&(buf), &len_);                                                   \
        ck_assert_ptr_nonnull(f);                                                                  \
        stmt;                                                                                      \
        ck_assert_int_eq(fclose(f), 0);                                                            \
    } while (0)

START_TEST(test_ratio)
{
    static const struct {
        int64_t v, div;
        const char *want;
    } t[] = {
        {1500, 1000, "x 1.5\n"},   {7, 1, "x 7\n"},           {0, 1000, "x 0\n"},
        {-1500, 1000, "x -1.5\n"}, {1, 3, "x 0.333333333\n"}, {118000, 100000, "x 1.18\n"},
        {5, 0, "x NaN\n"},         {-1, 1000, "x -0.001\n"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char *buf = NULL;
        CAPTURE(buf, prom_ratio(f, "x", NULL, t[i].v, t[i].div));
        ck_assert_str_eq(buf, t[i].want);
        free(buf);
    }
}
END_TEST

START_TEST(test_label_escape)
{
    static const struct {
        const char *value, *want;
    } t[] = {
        {"web1", "domain=\"web1\""},
        {"a\"b", "domain=\"a\\\"b\""},
        {"a\\b", "domain=\"a\\\\b\""},
        {"a\nb", "domain=\"a\\nb\""},
        {"\x1b[2J\xc3\xa9\t", "domain=\"?[2J???\""},
        {"", "domain=\"\""},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char buf[PROM_LABELS_MAX] = "";
        prom_label(buf, sizeof(buf), "domain", t[i].value);
        ck_assert_str_eq(buf, t[i].want);
    }
    /* A second label after a comma; a number. */
    char buf[64] = "";
    prom_label(buf, sizeof(buf), "a", "x");
    prom_label_u(buf, sizeof(buf), "domid", 42);
    ck_assert_str_eq(buf, "a=\"x\",domid=\"42\"");
    /* Cut short, never in the middle of an escape, always closed. */
    char small[12] = "";
    prom_label(small, sizeof(small), "d", "\"\"\"\"\"\"");
    ck_assert_str_eq(small, "d=\"\\\"\\\"\\\"\"");
}
END_TEST

START_TEST(test_histogram)
{
    struct prom_hist h;
    char *buf = NULL;

    memset(&h, 0, sizeof(h));
    prom_hist_observe(&h, 0);
    prom_hist_observe(&h, 3);
    prom_hist_observe(&h, 10);
    prom_hist_observe(&h, 1200);
    prom_hist_observe(&h, 60000);
    CAPTURE(buf, prom_hist_write(f, "r_seconds", "", &h));
    ck_assert_str_eq(buf, "r_seconds_bucket{le=\"0.001\"} 1\n"
                          "r_seconds_bucket{le=\"0.005\"} 2\n"
                          "r_seconds_bucket{le=\"0.01\"} 3\n"
                          "r_seconds_bucket{le=\"0.025\"} 3\n"
                          "r_seconds_bucket{le=\"0.05\"} 3\n"
                          "r_seconds_bucket{le=\"0.1\"} 3\n"
                          "r_seconds_bucket{le=\"0.25\"} 3\n"
                          "r_seconds_bucket{le=\"0.5\"} 3\n"
                          "r_seconds_bucket{le=\"1\"} 3\n"
                          "r_seconds_bucket{le=\"2.5\"} 4\n"
                          "r_seconds_bucket{le=\"5\"} 4\n"
                          "r_seconds_bucket{le=\"10\"} 4\n"
                          "r_seconds_bucket{le=\"30\"} 4\n"
                          "r_seconds_bucket{le=\"+Inf\"} 5\n"
                          "r_seconds_sum 61.213\n"
                          "r_seconds_count 5\n");
    free(buf);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* The daemon's state                                                       */

static struct dmn_domain doms[2];
static struct pol_domain rule;

static void build_state(struct dmn_state *s)
{
    struct dmn_domain *d;

    memset(s, 0, sizeof(*s));
    memset(doms, 0, sizeof(doms));
    memset(&rule, 0, sizeof(rule));
    s->policy.host.share[POL_CPU].pool.headroom = U(50);
    s->policy.host.share[POL_MEMORY].pool.headroom = U(512);
    s->eng.facts = (struct pol_host_facts){
        .pcpus = 8, .mem_total = U(16384), .mem_free = U(2048), .mem_domu = U(12000)};
    s->host = (struct eng_host){.ok = true, .pcpus = 8, .free_kib = 1000 * 1024};
    s->eng.pool[POL_CPU] = U(700);
    s->eng.pool[POL_MEMORY] = U(13000);
    s->eng.arbitrations = 14;
    s->eng.reallocations = 3;
    s->stats.enforce_calls = 9;
    s->stats.enforce_errors = 1;
    prom_hist_observe(&s->stats.reaction, 4);

    d = &doms[0];
    d->info.domid = 3;
    snprintf(d->info.name, sizeof(d->info.name), "web1");
    d->info.mem_target_kib = 1024 * 1024;
    d->info.mem_actual_kib = 1000 * 1024 + 300;
    d->rule = &rule;
    d->present = true;
    d->have_req = true;
    d->req.flags = PROTO_REQ_HAS(PROTO_RES_CPU) | PROTO_REQ_HAS(PROTO_RES_MEM);
    d->req.res[PROTO_RES_CPU].nlevels = 2;
    d->req.res[PROTO_RES_CPU].level[0] = U(50);
    d->req.res[PROTO_RES_CPU].level[1] = 120500; /* 120.5 hundredths */
    d->req.res[PROTO_RES_MEM].nlevels = 1;
    d->req.res[PROTO_RES_MEM].level[0] = 512500; /* 512.5 MiB */
    d->requests = 17;
    d->rejected = 2;
    snprintf(d->status, sizeof(d->status), "ok");
    d->eng.source = ENG_SRC_AGENT;
    d->eng.granted[POL_CPU] = U(150);
    d->eng.granted[POL_MEMORY] = U(1024);
    d->eng.weight = 384;
    d->eng.cap = 150;
    d->eng.vcpus = 2;
    d->eng.balloon = true;

    /* A hostile name: quotes, backslashes, a newline that would start a
     * sample of its own, a control sequence.  Rejected, weight unknown. */
    d = &doms[1];
    d->info.domid = 7;
    snprintf(d->info.name, sizeof(d->info.name), "ev\"il\\\nxenplm_paused 1\x1b");
    d->rule = &rule;
    d->present = true;
    d->rejected = 5;
    snprintf(d->status, sizeof(d->status), "rejected: too long");
    d->eng.source = ENG_SRC_AGENT;
    d->eng.weight = d->eng.cap = -1;
    d->eng.mem.uncooperative = true;
    d->eng.balloon = true;

    s->dom = doms;
    s->ndom = s->cap = 2;
}

static char *render(const struct dmn_state *s)
{
    char *buf = NULL;
    CAPTURE(buf, ck_assert_int_eq(render_metrics(f, s), 0));
    return buf;
}

/* The value of the sample "series" (name and labels as written), or -1. */
static double value_of(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; (p = strstr(p, series)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    return -1;
}

START_TEST(test_render_values)
{
    struct dmn_state s;
    build_state(&s);
    char *t = render(&s);
    static const char *const want[] = {
        "# TYPE xenplm_domain_cpu_granted_cpus gauge",
        "xenplm_domain_cpu_granted_cpus{domain=\"web1\",domid=\"3\"} 1.5",
        "xenplm_domain_memory_granted_bytes{domain=\"web1\",domid=\"3\"} 1073741824",
        "xenplm_domain_cpu_requested_cpus{domain=\"web1\",domid=\"3\",level=\"1\"} 0.5",
        "xenplm_domain_cpu_requested_cpus{domain=\"web1\",domid=\"3\",level=\"2\"} 1.205",
        "xenplm_domain_memory_requested_bytes{domain=\"web1\",domid=\"3\",level=\"1\"} 537395200",
        "xenplm_domain_credit_weight{domain=\"web1\",domid=\"3\"} 384",
        "xenplm_domain_cpu_cap_cpus{domain=\"web1\",domid=\"3\"} 1.5",
        "xenplm_domain_vcpus_online{domain=\"web1\",domid=\"3\"} 2",
        "xenplm_domain_memory_target_bytes{domain=\"web1\",domid=\"3\"} 1073741824",
        "xenplm_domain_memory_actual_bytes{domain=\"web1\",domid=\"3\"} 1048883200",
        "xenplm_domain_status{domain=\"web1\",domid=\"3\",status=\"ok\"} 1",
        "xenplm_domain_status{domain=\"web1\",domid=\"3\",status=\"rejected\"} 0",
        "xenplm_domain_info{domain=\"web1\",domid=\"3\",source=\"agent\"} 1",
        "# TYPE xenplm_domain_requests_accepted_total counter",
        "xenplm_domain_requests_accepted_total{domain=\"web1\",domid=\"3\"} 17",
        "xenplm_domain_requests_rejected_total{domain=\"web1\",domid=\"3\"} 2",
        "xenplm_pool_cpus 7",
        "xenplm_pool_memory_bytes 13631488000",
        "xenplm_pool_headroom_cpus 0.5",
        "xenplm_pool_headroom_bytes 536870912",
        "xenplm_host_memory_free_bytes 1048576000",
        "xenplm_host_cpus 8",
        "# TYPE xenplm_reallocations_total counter",
        "xenplm_reallocations_total 3",
        "# TYPE xenplm_reaction_seconds histogram",
        "xenplm_reaction_seconds_bucket{le=\"0.005\"} 1",
        "xenplm_reaction_seconds_sum 0.004",
        "xenplm_reaction_seconds_count 1",
        "xenplm_paused 0",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        ck_assert_msg(has_line(t, want[i]), "missing line: %s\n--- in:\n%s", want[i], t);
    free(t);
}
END_TEST

START_TEST(test_render_hostile_name)
{
    struct dmn_state s;
    build_state(&s);
    char *t = render(&s);
    const char *lab = "domain=\"ev\\\"il\\\\\\nxenplm_paused 1?\",domid=\"7\"";
    char line[256];

    snprintf(line, sizeof(line), "xenplm_domain_status{%s,status=\"rejected\"} 1", lab);
    ck_assert_msg(has_line(t, line), "missing %s in\n%s", line, t);
    snprintf(line, sizeof(line), "xenplm_domain_status{%s,status=\"uncooperative\"} 0", lab);
    ck_assert_msg(has_line(t, line), "missing %s", line);
    snprintf(line, sizeof(line), "xenplm_domain_status{%s,status=\"no_balloon\"} 0", lab);
    ck_assert_msg(has_line(t, line), "missing %s", line);
    snprintf(line, sizeof(line), "xenplm_domain_requests_rejected_total{%s} 5", lab);
    ck_assert_msg(has_line(t, line), "missing %s", line);
    /* What Xen has not accepted is not made up. */
    snprintf(line, sizeof(line), "xenplm_domain_credit_weight{%s}", lab);
    ck_assert_ptr_null(strstr(t, line));
    /* The name started no line of its own, and nothing but printable
     * ASCII is written. */
    ck_assert(has_line(t, "xenplm_paused 0"));
    ck_assert(!has_line(t, "xenplm_paused 1"));
    for (const unsigned char *p = (const unsigned char *)t; *p; p++)
        ck_assert_msg(*p == '\n' || (*p >= 0x20 && *p < 0x7f), "byte 0x%02x", *p);
    /* Every line a comment or "name{...} value" / "name value", the label
     * set closed on a quote. */
    for (char *l = t, *nl; *l; l = nl + 1) {
        nl = strchr(l, '\n');
        ck_assert_ptr_nonnull(nl);
        *nl = '\0';
        if (l[0] == '#') {
            ck_assert(strncmp(l, "# HELP xenplm_", 14) == 0 ||
                      strncmp(l, "# TYPE xenplm_", 14) == 0);
            continue;
        }
        ck_assert_msg(strncmp(l, "xenplm_", 7) == 0, "line: %s", l);
        char *brace = strchr(l, '{'), *sp = strrchr(l, ' ');
        ck_assert_ptr_nonnull(sp);
        if (brace && brace < sp)
            ck_assert_msg(sp[-1] == '}' && sp[-2] == '"', "line: %s", l);
    }
    free(t);
}
END_TEST

/* Host-side activity: only for a domain whose rates are measured. */
START_TEST(test_render_io)
{
    struct dmn_state s;
    build_state(&s);
    char *t = render(&s);
    ck_assert(has_line(t, "# TYPE xenplm_domain_network_bytes_per_second gauge"));
    ck_assert_ptr_null(strstr(t, "xenplm_domain_network_bytes_per_second{"));
    ck_assert_ptr_null(strstr(t, "xenplm_domain_disk_requests_per_second{"));
    free(t);
    s.dom[0].eng.io_rated = true;
    s.dom[0].eng.net_kib_s = 2048;
    s.dom[0].eng.disk_req_s = 50;
    t = render(&s);
    ck_assert(
        has_line(t, "xenplm_domain_network_bytes_per_second{domain=\"web1\",domid=\"3\"} 2097152"));
    ck_assert(
        has_line(t, "xenplm_domain_disk_requests_per_second{domain=\"web1\",domid=\"3\"} 50"));
    ck_assert_ptr_null(strstr(t, "xenplm_domain_disk_requests_per_second{domain=\"ev"));
    free(t);
}
END_TEST

/* A guest without a balloon driver: status no_balloon (above
 * uncooperative, below rejected). */
START_TEST(test_render_no_balloon)
{
    struct dmn_state s;
    build_state(&s);
    s.dom[0].eng.balloon = false;
    s.dom[0].eng.mem.uncooperative = true;
    char *t = render(&s);
    ck_assert(
        has_line(t, "xenplm_domain_status{domain=\"web1\",domid=\"3\",status=\"no_balloon\"} 1"));
    ck_assert(has_line(
        t, "xenplm_domain_status{domain=\"web1\",domid=\"3\",status=\"uncooperative\"} 0"));
    ck_assert(has_line(t, "xenplm_domain_status{domain=\"web1\",domid=\"3\",status=\"ok\"} 0"));
    free(t);
}
END_TEST

START_TEST(test_render_counters_grow)
{
    struct dmn_state s;
    build_state(&s);
    static const char *const counters[] = {
        "xenplm_domain_requests_accepted_total{domain=\"web1\",domid=\"3\"}",
        "xenplm_domain_requests_rejected_total{domain=\"web1\",domid=\"3\"}",
        "xenplm_reallocations_total",
        "xenplm_arbitrations_total",
        "xenplm_reaction_seconds_count",
        "xenplm_reaction_seconds_sum",
        "xenplm_reaction_seconds_bucket{le=\"+Inf\"}",
    };
    double before[sizeof(counters) / sizeof(counters[0])];
    char *t = render(&s);
    for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
        before[i] = value_of(t, counters[i]);
        ck_assert_msg(before[i] >= 0, "no %s", counters[i]);
    }
    free(t);
    /* What a turn of the daemon adds. */
    doms[0].requests++;
    doms[0].rejected++;
    s.eng.arbitrations++;
    s.eng.reallocations++;
    prom_hist_observe(&s.stats.reaction, 250);
    t = render(&s);
    for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
        ck_assert_msg(value_of(t, counters[i]) > before[i], "%s did not grow", counters[i]);
    free(t);
}
END_TEST

/* Pool mode's families: none outside a pool; inside, each with its HELP
 * and TYPE, the summary's figures, one series per kind of etcd call. */
START_TEST(test_render_pool_mode)
{
    struct dmn_state s;
    build_state(&s);
    char *t = render(&s);
    ck_assert_msg(!strstr(t, "xenplm_pool_member") && !strstr(t, "xenplm_pool_etcd"),
                  "pool families outside a pool:\n%s", t);
    free(t);

    s.pool.on = true;
    snprintf(s.pool.pool, sizeof(s.pool.pool), "lab");
    snprintf(s.pool.host, sizeof(s.pool.host), "h1");
    s.pool.member = true;
    s.pool.leader = true;
    s.pool.leader_rev = 4242;
    s.pool.hosts = 3;
    s.pool.orders_accepted = 5;
    s.pool.orders_refused = 1;
    s.pool.orders_done = 4;
    s.pool.orders_failed = 1;
    s.pool.migrating = true;
    s.pool.published = true;
    s.pool.publish_age_ms = 1250;
    s.pool.etcd.call[ETCD_CALL_RANGE] = (struct etcd_count){10, 1, 2000, 350000, 1500};
    s.pool.etcd.call[ETCD_CALL_TXN] = (struct etcd_count){3, 0, 9000, 600, 51};
    t = render(&s);
    static const char *const want[] = {
        "# HELP xenplm_pool_member 1 while this host holds its lease in the pool's etcd (its "
        "records are there).",
        "# TYPE xenplm_pool_member gauge",
        "xenplm_pool_member 1",
        "# TYPE xenplm_pool_leader gauge",
        "xenplm_pool_leader 1",
        "xenplm_pool_leader_revision 4242",
        "xenplm_pool_hosts 3",
        "# TYPE xenplm_pool_orders_total counter",
        "xenplm_pool_orders_total{outcome=\"accepted\"} 5",
        "xenplm_pool_orders_total{outcome=\"refused\"} 1",
        "xenplm_pool_orders_total{outcome=\"done\"} 4",
        "xenplm_pool_orders_total{outcome=\"failed\"} 1",
        "xenplm_pool_migration_running 1",
        "xenplm_pool_publish_age_seconds 1.25",
        "# TYPE xenplm_pool_etcd_calls_total counter",
        "xenplm_pool_etcd_calls_total{call=\"range\"} 10",
        "xenplm_pool_etcd_calls_total{call=\"txn\"} 3",
        "xenplm_pool_etcd_calls_total{call=\"lease_keepalive\"} 0",
        "xenplm_pool_etcd_failures_total{call=\"range\"} 1",
        "# TYPE xenplm_pool_etcd_sent_bytes_total counter",
        "xenplm_pool_etcd_sent_bytes_total{call=\"txn\"} 9000",
        "# TYPE xenplm_pool_etcd_received_bytes_total counter",
        "xenplm_pool_etcd_received_bytes_total{call=\"range\"} 350000",
        "xenplm_pool_etcd_received_bytes_total{call=\"election\"} 0",
        "# TYPE xenplm_pool_etcd_keys_total counter",
        "xenplm_pool_etcd_keys_total{call=\"range\"} 1500",
        "xenplm_pool_etcd_keys_total{call=\"txn\"} 51",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        ck_assert_msg(has_line(t, want[i]), "missing line: %s\n--- in:\n%s", want[i], t);
    /* Every counter family's name ends in _total, every sample has its family. */
    for (const char *p = t; (p = strstr(p, "# TYPE xenplm_pool_")) != NULL; p++) {
        const char *e = strchr(p, '\n');
        if (e - p > 8 && strncmp(e - 8, " counter", 8) == 0)
            ck_assert_msg(strncmp(e - 14, "_total", 6) == 0, "%.*s", (int)(e - p), p);
    }
    free(t);

    /* Not a member, no leader known, never published: 0, and no sample
     * for what is not known. */
    memset(&s.pool, 0, sizeof(s.pool));
    s.pool.on = true;
    t = render(&s);
    ck_assert(has_line(t, "xenplm_pool_member 0"));
    ck_assert(has_line(t, "xenplm_pool_leader 0"));
    ck_assert(has_line(t, "# TYPE xenplm_pool_leader_revision gauge"));
    ck_assert(!strstr(t, "\nxenplm_pool_leader_revision "));
    ck_assert(!strstr(t, "\nxenplm_pool_publish_age_seconds "));
    free(t);
}
END_TEST

START_TEST(test_render_empty)
{
    struct dmn_state s;
    memset(&s, 0, sizeof(s));
    char *t = render(&s);
    /* Every family is declared, even without a domain. */
    ck_assert(has_line(t, "# TYPE xenplm_domain_cpu_granted_cpus gauge"));
    ck_assert(has_line(t, "xenplm_reaction_seconds_count 0"));
    ck_assert(has_line(t, "xenplm_pool_cpus 0"));
    free(t);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("prom");
    tcase_add_test(tc, test_ratio);
    tcase_add_test(tc, test_label_escape);
    tcase_add_test(tc, test_histogram);
    tcase_add_test(tc, test_render_no_balloon);
    tcase_add_test(tc, test_render_io);
    suite_add_tcase(s, tc);
    tc = tcase_create("render");
    tcase_add_test(tc, test_render_values);
    tcase_add_test(tc, test_render_hostile_name);
    tcase_add_test(tc, test_render_counters_grow);
    tcase_add_test(tc, test_render_empty);
    tcase_add_test(tc, test_render_pool_mode);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(suite());
}
