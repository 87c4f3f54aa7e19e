/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xenplm show DOM`: everything about one domain, as text or JSON; see
 * render.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/amount.h"
#include "core/arbiter.h"
#include "core/error.h"
#include "daemon/render.h"
#include "daemon/render_int.h"
#include "json/jw.h"
#include "json/jw_arbiter.h"
#include "policy/policy.h"

static void show_rule(FILE *f, const struct dmn_state *s, const struct pol_domain *rule)
{
    rnd_key(f, 0, "rule");
    if (!rule || rule->kind == POL_MATCH_NONE) {
        fputs("built-in rule for domains no entry matches\n", f);
        return;
    }
    rnd_put_safe(f, rnd_policy_file(s));
    fprintf(f, ":%u, ", rule->line);
    if (rule->kind == POL_MATCH_NAME) {
        fputs("name '", f);
        rnd_put_safe(f, rule->name ? rule->name : "");
        fputs("'\n", f);
    } else {
        fputs("uuid ", f);
        rnd_put_safe(f, rule->uuid);
        fputc('\n', f);
    }
}

static const char *const out_flag_names[] = {"at_min", "at_max", "leftover"};
static const unsigned out_flag_bits[] = {PLM_OUT_AT_MIN, PLM_OUT_AT_MAX, PLM_OUT_LEFTOVER};

static size_t outcome_flags(unsigned flags, const char *names[3])
{
    size_t n = 0;

    for (size_t i = 0; i < 3; i++) {
        if (flags & out_flag_bits[i])
            names[n++] = out_flag_names[i];
    }
    return n;
}

/* Rules in force for a resource's trigger: the streaks to show. */
static size_t trigger_rules(const struct dmn_state *s, int r)
{
    size_t n = s->policy.host.share[r].trigger.nrules;

    return n > PLM_TRIGGER_MAX_RULES ? PLM_TRIGGER_MAX_RULES : n;
}

static const char *direction_name(int dir)
{
    return dir > 0 ? "grow" : dir < 0 ? "shrink" : "none";
}

static void show_resource_text(FILE *f, const struct dmn_state *s, const struct dmn_domain *d,
                               int r, uint64_t now_ms)
{
    const struct plm_outcome *o = &d->eng.outcome[r];
    const struct plm_request *q = &d->eng.plm[r];
    const struct plm_trigger_state *t = &d->eng.trig[r];
    char cell[CELL_MAX], a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN], c[PLM_AMT_STRLEN];
    char dur[RENDER_DURATION_MAX];
    const char *names[3];
    const plm_amt_t *lv;
    unsigned n = rnd_requested(d, r, &lv);
    size_t nflags, nrules;

    fprintf(f, "  %s (%s)\n", rnd_res_name(r), rnd_res_unit[r]);
    rnd_levels_format(cell, sizeof(cell), lv, n);
    rnd_key(f, 1, "requested");
    fprintf(f, "%s\n", cell);
    rnd_levels_format(cell, sizeof(cell), q->level,
                      q->nlevels > PLM_MAX_LEVELS ? PLM_MAX_LEVELS : q->nlevels);
    rnd_key(f, 1, "arbitrated");
    fprintf(f, "levels %s, min %s, max %s\n", cell, plm_amt_format(q->min, a),
            q->max == PLM_AMT_MAX ? "none" : plm_amt_format(q->max, b));
    rnd_max_format(cell, sizeof(cell), d, r);
    rnd_key(f, 1, "max");
    fprintf(f, "%s\n", cell);
    rnd_key(f, 1, "outcome");
    fprintf(f, "raw %s, rounded %s, floor %s", plm_amt_format(o->raw, a),
            plm_amt_format(o->rounded, b), plm_amt_format(o->floor, c));
    if (o->extra)
        fprintf(f, ", leftover %s", plm_amt_format(o->extra, a));
    if (o->kept)
        fprintf(f, ", kept %s", plm_amt_format(o->kept, a));
    nflags = outcome_flags(o->flags, names);
    for (size_t i = 0; i < nflags; i++)
        fprintf(f, "%s%s", i ? "," : " (", names[i]);
    fputs(nflags ? ")\n" : "\n", f);
    rnd_key(f, 1, "levels");
    fprintf(f, "satisfied %u", o->satisfied);
    if (o->levelled)
        fprintf(f, ", levelled %u at water %s\n", o->levelled, plm_amt_format(o->water, a));
    else
        fputs(", not levelled\n", f);
    rnd_key(f, 1, "why");
    fprintf(f, "%s\n", plm_why_name(o->why));
    rnd_key(f, 1, "last change");
    rnd_put_safe(f, d->eng.why[r][0] ? d->eng.why[r] : "none");
    fputc('\n', f);
    rnd_key(f, 1, "granted");
    fprintf(f, "%s\n", plm_amt_format(d->eng.granted[r], a));
    rnd_key(f, 1, "trigger");
    nrules = trigger_rules(s, r);
    if (nrules == 0) {
        fputs("no rules\n", f);
    } else {
        fputs("streaks ", f);
        for (size_t i = 0; i < nrules; i++)
            fprintf(f, "%s%" PRIu32, i ? "/" : "", t->streak[i]);
        fprintf(f, ", direction %s\n", direction_name(t->direction));
    }
    if (d->rule->anticipate) {
        rnd_ahead_format(cell, sizeof(cell), d, r);
        rnd_key(f, 1, "anticipating");
        fprintf(f, "%s\n", cell);
    }
    rnd_key(f, 1, "override");
    if (!d->eng.override.active[r]) {
        fputs("none\n", f);
        return;
    }
    fprintf(f, "%s asked, %s in effect, ", plm_amt_format(d->eng.override.amount[r], a),
            plm_amt_format(rnd_override_effective(d, r), b));
    if (d->eng.override.until_ms == 0)
        fputs("until cleared\n", f);
    else
        fprintf(
            f, "for %s more\n",
            render_duration(
                d->eng.override.until_ms > now_ms ? d->eng.override.until_ms - now_ms : 0, dur));
}

/* Whether d is the domain this host is migrating. */
static bool migrating(const struct dmn_state *s, const struct dmn_domain *d)
{
    return s->mig.running && s->mig.domid == d->info.domid;
}

/* Whether the domain's host-side activity is watched: an agentless
 * rule with the I/O signal on (io.c).  Other domains show nothing of it. */
static bool io_watched(const struct dmn_domain *d)
{
    return d->rule && d->rule->agentless && d->rule->agentless_io_cpu > 0;
}

/* "net 2048 KiB/s, disk 50 req/s: busy with I/O (at least 100 cpu)". */
static void show_io_text(FILE *f, const struct dmn_domain *d)
{
    char a[PLM_AMT_STRLEN];

    rnd_key(f, 0, "activity");
    if (!d->eng.io_rated) {
        fputs("not measured yet\n", f);
        return;
    }
    fprintf(f, "net %" PRIu64 " KiB/s, disk %" PRIu64 " req/s: ", d->eng.net_kib_s,
            d->eng.disk_req_s);
    if (d->eng.io_busy)
        fprintf(f, "busy with I/O (at least %s cpu)\n",
                plm_amt_format(d->rule->agentless_io_cpu, a));
    else
        fputs("not busy with I/O\n", f);
}

static int show_text(FILE *f, const struct dmn_state *s, const struct dmn_domain *d,
                     uint64_t now_ms)
{
    char dur[RENDER_DURATION_MAX], a[PLM_AMT_STRLEN];
    const char *names[RND_NFLAGS];
    size_t nflags = rnd_domain_flags(s, d, names);

    rnd_put_safe(f, d->info.name);
    fprintf(f, " (domain %" PRIu32 ")\n", d->info.domid);
    rnd_key(f, 0, "uuid");
    rnd_put_safe(f, d->info.uuid[0] ? d->info.uuid : "-");
    fputc('\n', f);
    show_rule(f, s, d->rule);
    rnd_key(f, 0, "source");
    fprintf(f, "%s\n", eng_source_name(d->eng.source));
    rnd_key(f, 0, "flags");
    if (!nflags)
        fputc('-', f);
    for (size_t i = 0; i < nflags; i++)
        fprintf(f, "%s%s", i ? "," : "", names[i]);
    fputc('\n', f);
    rnd_key(f, 0, "request");
    if (d->have_req)
        fprintf(f, "seq %" PRIu64 ", %s ago\n", d->req.seq,
                render_duration(rnd_age_ms(now_ms, d->req_at_ms), dur));
    else
        fputs("none\n", f);
    rnd_key(f, 0, "status");
    rnd_put_safe(f, d->status[0] ? d->status : "-");
    fputc('\n', f);
    rnd_key(f, 0, "requests");
    fprintf(f, "%" PRIu64 " read, %" PRIu64 " rejected%s\n", d->requests, d->rejected,
            d->pending_read ? ", one waiting (rate-limited)" : "");
    if (migrating(s, d)) {
        rnd_key(f, 0, "migration");
        fputs("migrating to ", f);
        rnd_put_safe(f, s->mig.order.dest);
        if (s->mig.pct >= 0)
            fprintf(f, ", %d %%", s->mig.pct);
        fputs(" (order ", f);
        rnd_put_safe(f, s->mig.order.key);
        fprintf(f, ", %s so far)\n", render_duration(rnd_age_ms(now_ms, s->mig.started_ms), dur));
    }
    if (io_watched(d))
        show_io_text(f, d);
    if (d->rule->boost)
        rnd_boost_text(f, d, now_ms);
    for (int r = 0; r < DMN_NRES; r++)
        show_resource_text(f, s, d, r, now_ms);

    fputs("  enforcement\n", f);
    rnd_key(f, 1, "weight/cap");
    if (d->eng.weight < 0)
        fputs("-/", f);
    else
        fprintf(f, "%d/", d->eng.weight);
    if (d->eng.cap < 0)
        fputs("-\n", f);
    else
        fprintf(f, "%d\n", d->eng.cap);
    rnd_key(f, 1, "vcpus");
    fprintf(f, "%u set, %u online, %u max%s\n", d->eng.vcpus, d->info.online_vcpus,
            d->info.max_vcpus,
            d->eng.vcpus_fixed ? ", no vcpu hotplug (CPU through weight and cap only)" : "");
    if (rnd_affinity_shown(d))
        rnd_affinity_text(f, d);
    rnd_key(f, 1, "memory");
    fprintf(f, "target %" PRId64 ", actual %" PRId64 ", max %" PRId64 " MiB\n",
            rnd_mib_of_kib((int64_t)d->info.mem_target_kib),
            rnd_mib_of_kib((int64_t)d->info.mem_actual_kib),
            rnd_mib_of_kib((int64_t)d->info.mem_max_kib));
    rnd_key(f, 1, "balloon");
    if (!d->eng.balloon)
        fputs("no balloon (control/feature-balloon says none, or nothing in a non-PV guest): its "
              "memory stays as it is\n",
              f);
    else
        fprintf(f, "want %" PRId64 ", floor %" PRId64 " MiB, rate %s MiB/s%s\n",
                rnd_mib_of_kib(d->eng.mem.want_kib), rnd_mib_of_kib(d->eng.mem.floor_kib),
                plm_amt_format(rnd_mib_amt_of_kib(d->eng.mem.rate_kib_s), a),
                d->eng.mem.uncooperative ? ", uncooperative" : "");
    rnd_key(f, 1, "cpu used");
    fprintf(f, "%s\n", plm_amt_format(d->eng.cpu_used_pct, a));
    rnd_key(f, 1, "errors");
    fprintf(f, "%" PRIu64 "\n", d->errors);
    return rnd_finish(f);
}

static void json_rule(struct jw *w, const struct dmn_state *s, const struct pol_domain *rule)
{
    bool none = !rule || rule->kind == POL_MATCH_NONE;

    jw_object(w);
    jw_kstring(w, "match", none ? "none" : rule->kind == POL_MATCH_NAME ? "name" : "uuid");
    jw_key(w, "file");
    jw_string_or_null(w, none ? NULL : rnd_policy_file(s));
    jw_key(w, "line");
    if (none)
        jw_null(w);
    else
        jw_uint(w, rule->line);
    jw_key(w, "pattern");
    if (none)
        jw_null(w);
    else
        jw_string(w, rule->kind == POL_MATCH_NAME ? (rule->name ? rule->name : "") : rule->uuid);
    jw_object_end(w);
}

/* "max": {"amount": N or null, "set_by": "policy"|"vcpus"|"maxmem"|"none"}. */
static void json_max(struct jw *w, const struct dmn_domain *d, int r)
{
    enum eng_max_by by;
    plm_amt_t max = rnd_max(d, r, &by);

    jw_key(w, "max");
    jw_object(w);
    jw_key(w, "amount");
    rnd_json_amt_or_null(w, max);
    jw_kstring(w, "set_by", eng_max_by_name(by));
    jw_object_end(w);
}

static void json_resource(struct jw *w, const struct dmn_state *s, const struct dmn_domain *d,
                          int r, uint64_t now_ms)
{
    const struct plm_outcome *o = &d->eng.outcome[r];
    const struct plm_request *q = &d->eng.plm[r];
    const struct plm_trigger_state *t = &d->eng.trig[r];
    const char *names[3];
    const plm_amt_t *lv;
    unsigned n = rnd_requested(d, r, &lv);
    size_t nflags = outcome_flags(o->flags, names);
    size_t nrules = trigger_rules(s, r);

    jw_object(w);
    jw_key(w, "requested");
    rnd_json_levels(w, lv, n);
    jw_key(w, "arbitrated");
    jw_object(w);
    jw_key(w, "levels");
    rnd_json_levels(w, q->level, q->nlevels > PLM_MAX_LEVELS ? PLM_MAX_LEVELS : q->nlevels);
    jw_kamt(w, "min", q->min);
    jw_key(w, "max");
    rnd_json_amt_or_null(w, q->max);
    jw_object_end(w);
    json_max(w, d, r);
    jw_kamt(w, "raw", o->raw);
    jw_kamt(w, "rounded", o->rounded);
    jw_kamt(w, "floor", o->floor);
    jw_kamt(w, "kept", o->kept);
    jw_outcome_members(w, o, s->policy.host.share[r].mode == PLM_MODE_LEVELLING);
    jw_key(w, "outcome_flags");
    rnd_json_names(w, names, nflags);
    jw_key(w, "last_change");
    jw_string_or_null(w, d->eng.why[r][0] ? d->eng.why[r] : NULL);
    jw_kamt(w, "granted", d->eng.granted[r]);
    jw_key(w, "trigger");
    jw_object(w);
    jw_key(w, "streaks");
    jw_array(w);
    for (size_t i = 0; i < nrules; i++)
        jw_uint(w, t->streak[i]);
    jw_array_end(w);
    jw_kstring(w, "direction", direction_name(t->direction));
    jw_object_end(w);
    if (d->rule->anticipate) {
        jw_key(w, "anticipating");
        rnd_ahead_json(w, d, r);
    }
    jw_key(w, "override");
    if (!d->eng.override.active[r]) {
        jw_null(w);
    } else {
        jw_object(w);
        jw_kamt(w, "amount", d->eng.override.amount[r]);
        jw_kamt(w, "effective", rnd_override_effective(d, r));
        jw_key(w, "remaining_ms");
        if (d->eng.override.until_ms == 0)
            jw_null(w);
        else
            jw_uint(w, d->eng.override.until_ms > now_ms ? d->eng.override.until_ms - now_ms : 0);
        jw_object_end(w);
    }
    jw_object_end(w);
}

static int show_json(FILE *f, const struct dmn_state *s, const struct dmn_domain *d,
                     uint64_t now_ms)
{
    const char *names[RND_NFLAGS];
    size_t nflags = rnd_domain_flags(s, d, names);
    struct jw w;
    int rc = jw_begin(&w, f);

    if (rc)
        return rc;
    jw_object(&w);
    jw_key(&w, "name");
    jw_string(&w, d->info.name);
    jw_key(&w, "domid");
    jw_uint(&w, d->info.domid);
    jw_key(&w, "uuid");
    jw_string(&w, d->info.uuid);
    jw_key(&w, "present");
    jw_bool(&w, d->present);
    jw_key(&w, "dying");
    jw_bool(&w, d->info.dying);
    jw_key(&w, "rule");
    json_rule(&w, s, d->rule);
    jw_key(&w, "source");
    jw_string(&w, eng_source_name(d->eng.source));
    jw_key(&w, "flags");
    rnd_json_names(&w, names, nflags);
    jw_key(&w, "request");
    if (d->have_req) {
        jw_object(&w);
        jw_key(&w, "seq");
        jw_uint(&w, d->req.seq);
        jw_key(&w, "age_ms");
        jw_uint(&w, rnd_age_ms(now_ms, d->req_at_ms));
        jw_object_end(&w);
    } else {
        jw_null(&w);
    }
    jw_key(&w, "status");
    jw_string(&w, d->status);
    jw_key(&w, "requests");
    jw_uint(&w, d->requests);
    jw_key(&w, "rejected");
    jw_uint(&w, d->rejected);
    jw_key(&w, "pending_read");
    jw_bool(&w, d->pending_read);
    jw_key(&w, "migration");
    if (migrating(s, d)) {
        jw_object(&w);
        jw_key(&w, "to");
        jw_string(&w, s->mig.order.dest);
        jw_key(&w, "pct");
        if (s->mig.pct >= 0)
            jw_uint(&w, (uint64_t)s->mig.pct);
        else
            jw_null(&w);
        jw_key(&w, "order");
        jw_string(&w, s->mig.order.key);
        jw_key(&w, "elapsed_ms");
        jw_uint(&w, rnd_age_ms(now_ms, s->mig.started_ms));
        jw_object_end(&w);
    } else {
        jw_null(&w);
    }
    /* Host-side activity: null unless watched and measured. */
    jw_key(&w, "io");
    if (io_watched(d) && d->eng.io_rated) {
        jw_object(&w);
        jw_kuint(&w, "net_kib_s", d->eng.net_kib_s);
        jw_kuint(&w, "disk_req_s", d->eng.disk_req_s);
        jw_kbool(&w, "busy", d->eng.io_busy);
        jw_kamt(&w, "io_cpu", d->rule->agentless_io_cpu);
        jw_object_end(&w);
    } else {
        jw_null(&w);
    }
    if (d->rule->boost) {
        jw_key(&w, "boost");
        rnd_boost_json(&w, d, now_ms);
    }
    jw_key(&w, "resources");
    jw_object(&w);
    for (int r = 0; r < DMN_NRES; r++) {
        jw_key(&w, rnd_res_name(r));
        json_resource(&w, s, d, r, now_ms);
    }
    jw_object_end(&w);
    jw_key(&w, "enforcement");
    jw_object(&w);
    rnd_json_sched(&w, d);
    jw_key(&w, "vcpus");
    jw_uint(&w, d->eng.vcpus);
    jw_key(&w, "online_vcpus");
    jw_uint(&w, d->info.online_vcpus);
    jw_key(&w, "max_vcpus");
    jw_uint(&w, d->info.max_vcpus);
    if (rnd_affinity_shown(d)) {
        jw_key(&w, "affinity");
        rnd_affinity_json(&w, d);
    }
    jw_key(&w, "memory");
    jw_object(&w);
    jw_key(&w, "target");
    jw_int(&w, rnd_mib_of_kib((int64_t)d->info.mem_target_kib));
    jw_key(&w, "actual");
    jw_int(&w, rnd_mib_of_kib((int64_t)d->info.mem_actual_kib));
    jw_key(&w, "max");
    jw_int(&w, rnd_mib_of_kib((int64_t)d->info.mem_max_kib));
    jw_key(&w, "want");
    jw_int(&w, rnd_mib_of_kib(d->eng.mem.want_kib));
    jw_key(&w, "floor");
    jw_int(&w, rnd_mib_of_kib(d->eng.mem.floor_kib));
    jw_key(&w, "rate");
    jw_amt(&w, rnd_mib_amt_of_kib(d->eng.mem.rate_kib_s));
    jw_key(&w, "uncooperative");
    jw_bool(&w, d->eng.mem.uncooperative);
    jw_key(&w, "balloon");
    jw_bool(&w, d->eng.balloon);
    jw_object_end(&w);
    jw_key(&w, "vcpu_hotplug");
    jw_bool(&w, !d->eng.vcpus_fixed);
    jw_key(&w, "cpu_used");
    jw_amt(&w, d->eng.cpu_used_pct);
    jw_key(&w, "errors");
    jw_uint(&w, d->errors);
    jw_object_end(&w);
    jw_object_end(&w);
    rc = jw_end(&w);
    return rc ? rc : rnd_finish(f);
}

int render_show(FILE *f, const struct dmn_state *s, const struct dmn_domain *d, uint64_t now_ms,
                bool json)
{
    return json ? show_json(f, s, d, now_ms) : show_text(f, s, d, now_ms);
}
