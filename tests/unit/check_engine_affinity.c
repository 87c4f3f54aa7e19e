/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vcpu affinity in the decision step (src/engine/affinity.c), without the
 * simulator: a policy with one <domain name="a"> rule, one domain, the
 * host's pCPUs, and eng_decide turn by turn.  First a table of rules and
 * hosts against the one action (or note) each should give a new domain;
 * then the turns after it: nothing while nothing changed, again after a
 * rule change, a hotplug, a refusal, a resync.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "suite_run.h"

struct ah {
    struct pol_policy pol;
    struct eng_state st;
    struct eng_dom dom;
    struct eng_scratch scratch;
    struct eng_plan plan;
    struct eng_input in;
    unsigned pcpus;
    bool host_ok, paused, resync;
    uint64_t now;
};

static void ah_policy(struct ah *h, const char *affinity)
{
    char xml[2048], err[POL_ERR_MAX], schema[512];
    const char *top = getenv("top_srcdir");

    snprintf(schema, sizeof(schema), "%s/policies/xenplm-policy.xsd", top ? top : ".");
    snprintf(xml, sizeof(xml),
             "<xenplm-policy version=\"1\"><domain name=\"a\">%s</domain></xenplm-policy>",
             affinity);
    struct pol_policy p;
    memset(&p, 0, sizeof(p));
    int rc = pol_load_memory(xml, strlen(xml), "test.xml", schema, &p, err, sizeof(err));
    ck_assert_msg(rc == 0, "%s", err);
    pol_policy_dispose(&h->pol);
    h->pol = p;
    h->dom.in.rule = pol_match(&h->pol, "a", NULL);
}

static void ah_open(struct ah *h, const char *affinity, unsigned pcpus, unsigned max_vcpus)
{
    memset(h, 0, sizeof(*h));
    ah_policy(h, affinity);
    h->pcpus = pcpus;
    h->host_ok = true;
    h->now = 1000;
    eng_state_init(&h->st, h->now);
    struct eng_view v = {
        .domid = 7,
        .name = "a",
        .rule = h->dom.in.rule,
        .max_vcpus = max_vcpus,
        .mem_max_kib = 1 << 20,
        .mem_actual_kib = 1 << 20,
    };
    eng_dom_init(&h->dom, &v, 1 << 20, 1, 0, h->now);
}

static void ah_close(struct ah *h)
{
    eng_scratch_dispose(&h->scratch);
    eng_plan_dispose(&h->plan);
    pol_policy_dispose(&h->pol);
}

/* One turn; the affinity action it gives (NULL: none), confirmed when
 * confirm says so, as apply does once Xen accepted it. */
static const struct eng_action *ah_turn(struct ah *h, bool confirm)
{
    struct eng_table t = {&h->dom, sizeof(h->dom), 1};
    const struct eng_action *aff = NULL;

    h->in.policy = &h->pol;
    h->in.now_ms = h->now;
    h->in.host.ok = h->host_ok;
    h->in.host.pcpus = h->pcpus;
    h->in.host.total_kib = 16 << 20;
    h->in.host.free_kib = 8 << 20;
    h->in.paused = h->paused;
    h->in.resync_cpu = h->resync;
    ck_assert_int_eq(eng_reserve(&h->scratch, &h->plan, 1), 0);
    eng_decide(&h->in, &h->st, t, &h->scratch, &h->plan);
    for (size_t k = 0; k < h->plan.nact; k++) {
        if (h->plan.act[k].kind != ENG_ACT_AFFINITY)
            continue;
        ck_assert_msg(!aff, "two affinity actions in one plan");
        aff = &h->plan.act[k];
        ck_assert_uint_eq(aff->dom, 0);
        if (confirm)
            eng_confirm(&h->dom, aff);
    }
    h->now += 1000;
    return aff;
}

static const char *side(const struct plm_cpumap *m, char *buf, size_t len)
{
    return m ? plm_cpumap_format(m, buf, len) : "-";
}

static bool noted(const struct ah *h, const char *text)
{
    for (size_t k = 0; k < h->plan.nnote; k++)
        if (strstr(h->plan.note[k].text, text))
            return true;
    return false;
}

struct acase {
    const char *name;
    const char *rule; /* inside <domain name="a"> */
    unsigned pcpus;   /* the host's */
    unsigned vcpus;   /* the domain's max_vcpus */
    const char *hard; /* the action's, "-" for NULL; NULL: no action */
    const char *soft;
    const char *note; /* a warning that must be in the plan, or NULL */
};

static const struct acase acases[] = {
    {"no rule: nothing", "", 8, 2, NULL, NULL, NULL},
    {"hard only", "<affinity hard=\"0-3,6\"/>", 8, 2, "0-3,6", "-", NULL},
    {"soft only", "<affinity soft=\"4-7\"/>", 8, 4, "-", "4-7", NULL},
    {"both", "<affinity hard=\"0-3,6\" soft=\"4-7\"/>", 8, 1, "0-3,6", "4-7", NULL},
    {"all is the host's pCPUs", "<affinity hard=\"all\" soft=\"all,^0\"/>", 6, 2, "0-5", "1-5",
     NULL},
    {"clamped to the host", "<affinity hard=\"2-15\"/>", 4, 2, "2-3", "-", NULL},
    {"hard beyond the host: not applied", "<affinity hard=\"8-15\" soft=\"0-1\"/>", 8, 2, "-",
     "0-1", "hard affinity 8-15 names no pCPU this host has (0-7)"},
    {"both beyond the host: no action, the hard side said", "<affinity hard=\"8-15\" soft=\"9\"/>",
     8, 2, NULL, NULL, "hard affinity 8-15 names no pCPU"},
    {"a host larger than a map: not applied", "<affinity hard=\"0-3\"/>", PLM_CPUMAP_BITS + 1, 2,
     NULL, NULL, "beyond the 1024 affinity can name"},
};

/* A new domain gets its rule's maps at once, clamped to the host. */
START_TEST(test_new_domain)
{
    const struct acase *c = &acases[_i];
    struct ah h;
    char hb[PLM_CPUMAP_STRLEN], sb[PLM_CPUMAP_STRLEN];

    ah_open(&h, c->rule, c->pcpus, c->vcpus);
    const struct eng_action *a = ah_turn(&h, true);
    if (!c->hard) {
        ck_assert_msg(!a, "%s: an action", c->name);
    } else {
        ck_assert_msg(a != NULL, "%s: no action", c->name);
        ck_assert_str_eq(side(a->hard, hb, sizeof(hb)), c->hard);
        ck_assert_str_eq(side(a->soft, sb, sizeof(sb)), c->soft);
        ck_assert_uint_eq(a->vcpus, c->vcpus);
        ck_assert_ptr_nonnull(a->why);
    }
    if (c->note) {
        ck_assert_msg(noted(&h, c->note), "%s: no note '%s'", c->name, c->note);
        ck_assert_msg(strstr(h.dom.aff_problem, c->note), "%s: problem '%s'", c->name,
                      h.dom.aff_problem);
    } else {
        ck_assert_str_eq(h.dom.aff_problem, "");
    }
    /* The next turn, nothing changed: nothing to do, nothing noted again. */
    ck_assert_msg(!ah_turn(&h, true), "%s: an action again", c->name);
    if (c->note)
        ck_assert_msg(!noted(&h, c->note), "%s: noted again", c->name);
    ah_close(&h);
}
END_TEST

/* Not confirmed (Xen refused it): wanted again at every turn. */
START_TEST(test_refused_again)
{
    struct ah h;

    ah_open(&h, "<affinity hard=\"1\"/>", 4, 2);
    ck_assert_ptr_nonnull(ah_turn(&h, false));
    ck_assert_ptr_nonnull(ah_turn(&h, false));
    ck_assert_ptr_nonnull(ah_turn(&h, true));
    ck_assert_ptr_null(ah_turn(&h, true));
    ah_close(&h);
}
END_TEST

/* A rule change sets what differs; a rule gone puts back every pCPU on
 * the sides xenplm set, and leaves the others alone. */
START_TEST(test_rule_changes)
{
    struct ah h;
    char b[PLM_CPUMAP_STRLEN];

    ah_open(&h, "<affinity hard=\"0-1\"/>", 4, 2);
    ck_assert_ptr_nonnull(ah_turn(&h, true));
    ah_policy(&h, "<affinity hard=\"0-1\"/>"); /* reloaded, the same */
    ck_assert_ptr_null(ah_turn(&h, true));
    ah_policy(&h, "<affinity hard=\"2-3\" soft=\"3\"/>");
    const struct eng_action *a = ah_turn(&h, true);
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(side(a->hard, b, sizeof(b)), "2-3");
    ck_assert_str_eq(side(a->soft, b, sizeof(b)), "3");
    ck_assert_str_eq(a->why, "its affinity rule changed");
    ah_policy(&h, "<affinity soft=\"3\"/>");
    a = ah_turn(&h, true);
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(side(a->hard, b, sizeof(b)), "0-3");
    ck_assert_str_eq(side(a->soft, b, sizeof(b)), "3");
    ah_policy(&h, "");
    a = ah_turn(&h, true);
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(side(a->hard, b, sizeof(b)), "0-3");
    ck_assert_str_eq(side(a->soft, b, sizeof(b)), "0-3");
    ck_assert_ptr_null(ah_turn(&h, true));
    ah_close(&h);
}
END_TEST

/* vcpus hot-plugged since the affinity was set: set again, on every vcpu
 * up to max_vcpus; in the same plan as the vcpus, after them. */
START_TEST(test_hotplug)
{
    struct ah h;

    ah_open(&h, "<affinity hard=\"0-1\"/>", 4, 4);
    ck_assert_ptr_nonnull(ah_turn(&h, true));
    struct eng_action v = {.kind = ENG_ACT_VCPUS, .vcpus = 3};
    eng_confirm(&h.dom, &v);
    const struct eng_action *a = ah_turn(&h, true);
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(a->why, "its vcpus were hot-plugged");
    ck_assert_uint_eq(a->vcpus, 4);
    ck_assert_ptr_null(ah_turn(&h, true));
    ah_close(&h);
}
END_TEST

/* A reload or a resync (eng_forget_cpu, resync_cpu) sets it again even
 * though nothing differs; paused, or before the host was ever read,
 * nothing is sent. */
START_TEST(test_resync_pause_unknown_host)
{
    struct ah h;

    ah_open(&h, "<affinity hard=\"0-1\"/>", 4, 2);
    h.host_ok = false;
    ck_assert_ptr_null(ah_turn(&h, true));
    h.host_ok = true;
    h.paused = true;
    ck_assert_ptr_null(ah_turn(&h, true));
    h.paused = false;
    ck_assert_ptr_nonnull(ah_turn(&h, true));
    /* The host's pCPUs as last read serve a turn that did not read them. */
    h.host_ok = false;
    eng_forget_cpu(&h.dom);
    const struct eng_action *a = ah_turn(&h, true);
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(a->why, "its affinity is set again");
    ck_assert_ptr_null(ah_turn(&h, true));
    h.resync = true;
    ck_assert_ptr_nonnull(ah_turn(&h, true));
    h.resync = false;
    ck_assert_ptr_null(ah_turn(&h, true));
    ah_close(&h);
}
END_TEST

/* A host that shrinks below the hard list: clamped again, and once it
 * names none of them, the note comes once and nothing is sent. */
START_TEST(test_host_shrinks)
{
    struct ah h;
    char b[PLM_CPUMAP_STRLEN];

    ah_open(&h, "<affinity hard=\"4-7\"/>", 8, 2);
    ck_assert_ptr_nonnull(ah_turn(&h, true));
    h.pcpus = 6;
    const struct eng_action *a = ah_turn(&h, true);
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(side(a->hard, b, sizeof(b)), "4-5");
    h.pcpus = 4;
    ck_assert_ptr_null(ah_turn(&h, true));
    ck_assert(noted(&h, "names no pCPU"));
    ck_assert_ptr_null(ah_turn(&h, true));
    ck_assert(!noted(&h, "names no pCPU"));
    ck_assert_str_eq(plm_cpumap_format(&h.dom.aff_done[ENG_AFF_HARD], b, sizeof(b)), "4-5");
    ah_close(&h);
}
END_TEST

static Suite *affinity_suite(void)
{
    Suite *s = suite_create("engine_affinity");
    TCase *tc = tcase_create("affinity");
    tcase_add_loop_test(tc, test_new_domain, 0, (int)(sizeof(acases) / sizeof(acases[0])));
    tcase_add_test(tc, test_refused_again);
    tcase_add_test(tc, test_rule_changes);
    tcase_add_test(tc, test_hotplug);
    tcase_add_test(tc, test_resync_pause_unknown_host);
    tcase_add_test(tc, test_host_shrinks);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(affinity_suite());
}
