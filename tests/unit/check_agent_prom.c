/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's metrics (guest-agent/render_prom.c) for a hand-built
 * period: goals met and missed with their priorities, the request last
 * published level by level, the grant and verdict last read, in base
 * units; a goal name with quotes and a backslash stays inside its label;
 * what the agent has not read (no grant yet) is left out.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-agent/render_prom.h"
#include "tests/unit/suite_run.h"
#include "tests/unit/prom_check.h"

#define U(x) PLM_UNITS(x)

static struct agent a;

static void build(void)
{
    memset(&a, 0, sizeof(a));
    agent_goals_init(&a.goals);
    a.goals.ngoals = 3;
    snprintf(a.goals.goal[0].name, AGENT_NAME_MAX, "latency");
    a.goals.goal[0].priority = 1;
    a.goals.goal[0].res = AGENT_RES_CPU;
    snprintf(a.goals.goal[1].name, AGENT_NAME_MAX, "q\"uo\\te");
    a.goals.goal[1].priority = 2;
    a.goals.goal[1].res = AGENT_RES_CPU;
    snprintf(a.goals.goal[2].name, AGENT_NAME_MAX, "memory");
    a.goals.goal[2].priority = 1;
    a.goals.goal[2].res = AGENT_RES_MEM;
    a.out.state[0] = AGENT_GOAL_MISSED;
    a.out.state[1] = AGENT_GOAL_OVER;
    a.out.state[2] = AGENT_GOAL_MET;
    a.out.need[0] = U(150);
    a.out.need[1] = 25500; /* 25.5 hundredths */
    a.out.need[2] = U(512);
    /* The request published: cpu 150/175.5, memory 512. */
    a.published = true;
    a.published_seq = 9;
    a.published_out.present[AGENT_RES_CPU] = a.published_out.present[AGENT_RES_MEM] = true;
    a.published_out.nlevels[AGENT_RES_CPU] = 2;
    a.published_out.level[AGENT_RES_CPU][0] = U(150);
    a.published_out.level[AGENT_RES_CPU][1] = 175500;
    a.published_out.nlevels[AGENT_RES_MEM] = 1;
    a.published_out.level[AGENT_RES_MEM][0] = U(512);
    /* Computed since, not published: not what the metrics show. */
    a.out.present[AGENT_RES_CPU] = true;
    a.out.nlevels[AGENT_RES_CPU] = 1;
    a.out.level[AGENT_RES_CPU][0] = U(999);
    a.answer.have_status = a.answer.ok = true;
    a.answer.have_grant = true;
    a.answer.grant =
        (struct proto_grant){.flags = PROTO_GRANT_CPU | PROTO_GRANT_MEM | PROTO_GRANT_VCPUS,
                             .cpu = U(120),
                             .vcpus = 2,
                             .mem = U(768)};
}

static char *render(void)
{
    char *buf = NULL;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(agent_render_prom(f, &a), 0);
    ck_assert_int_eq(fclose(f), 0);
    return buf;
}

START_TEST(test_values)
{
    build();
    char *t = render();
    static const char *const want[] = {
        "# TYPE xenplm_agent_goal_met gauge",
        "xenplm_agent_goal_met{goal=\"latency\",priority=\"1\",resource=\"cpu\"} 0",
        "xenplm_agent_goal_met{goal=\"q\\\"uo\\\\te\",priority=\"2\",resource=\"cpu\"} 1",
        "xenplm_agent_goal_met{goal=\"memory\",priority=\"1\",resource=\"memory\"} 1",
        "xenplm_agent_goal_state{goal=\"latency\",priority=\"1\",resource=\"cpu\",state=\"missed\"}"
        " 1",
        "xenplm_agent_goal_state{goal=\"latency\",priority=\"1\",resource=\"cpu\",state=\"met\"} 0",
        "xenplm_agent_goal_state{goal=\"q\\\"uo\\\\te\",priority=\"2\",resource=\"cpu\","
        "state=\"over\"} 1",
        "xenplm_agent_goal_need_cpus{goal=\"latency\",priority=\"1\",resource=\"cpu\"} 1.5",
        "xenplm_agent_goal_need_cpus{goal=\"q\\\"uo\\\\te\",priority=\"2\",resource=\"cpu\"} 0.255",
        "xenplm_agent_goal_need_bytes{goal=\"memory\",priority=\"1\",resource=\"memory\"} "
        "536870912",
        "xenplm_agent_cpu_requested_cpus{level=\"1\"} 1.5",
        "xenplm_agent_cpu_requested_cpus{level=\"2\"} 1.755",
        "xenplm_agent_memory_requested_bytes{level=\"1\"} 536870912",
        "xenplm_agent_request_seq 9",
        "xenplm_agent_cpu_granted_cpus 1.2",
        "xenplm_agent_memory_granted_bytes 805306368",
        "xenplm_agent_vcpus_granted 2",
        "xenplm_agent_request_status{status=\"ok\"} 1",
        "xenplm_agent_request_status{status=\"rejected\"} 0",
        "xenplm_agent_request_status{status=\"none\"} 0",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        ck_assert_msg(has_line(t, want[i]), "missing: %s\n--- in:\n%s", want[i], t);
    /* The computed request is not the published one. */
    ck_assert_ptr_null(strstr(t, " 9.99\n"));
    /* A need is listed under its own resource only. */
    ck_assert_ptr_null(strstr(t, "xenplm_agent_goal_need_bytes{goal=\"latency\""));
    free(t);
}
END_TEST

START_TEST(test_nothing_yet)
{
    build();
    a.published = false;
    a.answer.have_grant = a.answer.have_status = false;
    char *t = render();
    /* Declared, without a sample: nothing is made up. */
    ck_assert(has_line(t, "# TYPE xenplm_agent_cpu_granted_cpus gauge"));
    ck_assert_ptr_null(strstr(t, "\nxenplm_agent_cpu_granted_cpus "));
    ck_assert_ptr_null(strstr(t, "\nxenplm_agent_vcpus_granted "));
    ck_assert_ptr_null(strstr(t, "xenplm_agent_cpu_requested_cpus{"));
    ck_assert(has_line(t, "xenplm_agent_request_seq 0"));
    ck_assert(has_line(t, "xenplm_agent_request_status{status=\"none\"} 1"));
    free(t);
}
END_TEST

START_TEST(test_rejected)
{
    build();
    a.answer.ok = false;
    snprintf(a.answer.reason, sizeof(a.answer.reason), "line 3: bad");
    char *t = render();
    ck_assert(has_line(t, "xenplm_agent_request_status{status=\"rejected\"} 1"));
    ck_assert(has_line(t, "xenplm_agent_request_status{status=\"ok\"} 0"));
    free(t);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("agent_prom");
    TCase *tc = tcase_create("render");
    tcase_add_test(tc, test_values);
    tcase_add_test(tc, test_nothing_yet);
    tcase_add_test(tc, test_rejected);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(suite());
}
