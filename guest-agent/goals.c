/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The goals loader: from a validated document to struct agent_goals.
 *
 * A load goes: read the file (bounded), parse it closed to the world,
 * check the root, validate against the schema (src/xml/, shared with the
 * dom0 policy loader, so a guest admin and a host admin read errors of the
 * same shape), then walk the tree into a fresh struct and check what the
 * schema cannot say: ranges, the direction and resource each metric
 * allows, probes that exist, unique names, safe paths, sane windows.  The
 * first problem becomes the one-line error; the caller's struct is written
 * only when everything passed.
 */
#include "config.h"
#include "paths.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "common/duration.h"
#include "core/error.h"
#include "guest-agent/goals_int.h"
#include "xml/xmlload.h"

/* The schema spells these bounds out as numbers; keep the two in step. */
_Static_assert(AGENT_MAX_PRIORITY == 16, "update the priority range in xenplm-goals(5)");
_Static_assert(AGENT_NAME_MAX == 32, "update the name length in xenplm-goals(5)");

#define ROOT_NAME "xenplm-goals"

/* Bounds, in milliseconds (see xenplm-goals(5)). */
#define INTERVAL_MIN_MS 1000u
#define INTERVAL_MAX_MS (10u * 60 * 1000)
#define HEARTBEAT_MAX_MS (3600u * 1000)
#define PROBE_INTERVAL_MIN_MS 1000u
#define PROBE_INTERVAL_MAX_MS (3600u * 1000)
#define PROBE_TIMEOUT_MIN_MS 100u
#define BOOST_MIN_MS 100u
#define BOOST_MAX_MS (3600u * 1000) /* PROTO_BOOST_FOR_MAX_MS */

/* Defaults. */
#define DEF_INTERVAL_MS 5000u
#define DEF_HEARTBEAT_MS 60000u
#define DEF_PROBE_INTERVAL_MS 10000u
#define DEF_PROBE_TIMEOUT_MAX_MS 10000u

_Static_assert(AGENT_GOALS_ERR_MAX == PX_MSG_MAX, "messages are cut where they always were");

/*
 * The patterns of policies/xenplm-goals.xsd, and what each stands for.  A
 * schema message quotes the regular expression a value failed; the person
 * editing the file is better served by an example.
 */
static const char *pattern_hint(const char *pattern)
{
    static const struct {
        const char *pattern;
        const char *hint;
    } hints[] = {
        {"[0-9]+(\\.[0-9]+)?", "expected a number such as 12 or 6.5"},
        {"[0-9]+", "expected a whole number such as 1 or 12"},
        {"[0-9]+(ms|s|m|min|h|d)", "expected a duration such as " PLM_DURATION_EXAMPLES},
        {"[0-9]{2}:[0-9]{2}", "expected a time of day such as 08:00 or 17:30"},
        {"[a-z]+(-[a-z]+)?(,[a-z]+(-[a-z]+)?)*",
         "expected daily, or days such as mon-fri or sat,sun"},
        {"[A-Za-z0-9][A-Za-z0-9._\\-]*",
         "expected letters, digits, '.', '_' and '-', starting with a letter or digit"},
    };

    for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
        if (strcmp(hints[i].pattern, pattern) == 0)
            return hints[i].hint;
    return NULL;
}

static const struct px_format goals_format = {
    .max_size = AGENT_GOALS_MAX_FILE,
    .quote_max = 64,
    .duration_examples = PLM_DURATION_EXAMPLES,
    .pattern_hint = pattern_hint,
    .max_length_in_words = true,
    .trim_every_stop = true,
    /* Far above a valid file (at most 11 attributes on an element, 3 levels). */
    .max_elements = 4096,
    .max_attributes = 64,
    .max_depth = 16,
};

/* What each metric measures, and what a goal on it may say. */
enum target_kind {
    TARGET_PERCENT,  /* above 0, at most 100 */
    TARGET_POSITIVE, /* above 0 */
    TARGET_ANY,
};

/* As written in goals files, in enum agent_metric order. */
static const char *const metric_words[AGENT_NMETRICS] = {
    "cpu-util", "cpu-pressure", "runqueue", "mem-available", "mem-pressure", "swap-in", "probe",
};

static const struct metric_info {
    bool any_resource;        /* probe: the goal says which */
    enum agent_resource res;  /* otherwise, the one it acts on */
    bool any_direction;       /* probe: the goal says which */
    enum agent_direction dir; /* otherwise, the only sensible one */
    enum target_kind target;
    bool margin; /* takes a margin */
} metrics[AGENT_NMETRICS] = {
    [AGENT_M_CPU_UTIL] = {false, AGENT_RES_CPU, false, AGENT_AT_MOST, TARGET_PERCENT, true},
    [AGENT_M_CPU_PRESSURE] = {false, AGENT_RES_CPU, false, AGENT_AT_MOST, TARGET_PERCENT, true},
    [AGENT_M_RUNQUEUE] = {false, AGENT_RES_CPU, false, AGENT_AT_MOST, TARGET_POSITIVE, true},
    [AGENT_M_MEM_AVAILABLE] = {false, AGENT_RES_MEM, false, AGENT_AT_LEAST, TARGET_POSITIVE, false},
    [AGENT_M_MEM_PRESSURE] = {false, AGENT_RES_MEM, false, AGENT_AT_MOST, TARGET_PERCENT, true},
    [AGENT_M_SWAPIN] = {false, AGENT_RES_MEM, false, AGENT_AT_MOST, TARGET_ANY, true},
    [AGENT_M_PROBE] = {true, AGENT_RES_CPU, true, AGENT_AT_MOST, TARGET_ANY, true},
};

/* As written in goals files; agent_resource_name keeps the protocol's "mem". */
static const char *const resource_words[AGENT_NRES] = {"cpu", "memory"};
static const char *const direction_words[2] = {"le", "ge"};

/* Per load: where each probe was declared, for messages about repeats. */
struct walk {
    struct px_loader *ld;
    unsigned probe_line[AGENT_MAX_PROBES];
};

/* ------------------------------------------------------------------------ */
/* Values                                                                   */

/* A duration in milliseconds, within lo..hi, into a 32-bit field. */
static int get_ms(struct px_loader *ld, const xmlNode *n, const char *attr, uint32_t lo,
                  uint32_t hi, uint32_t *v, bool *given)
{
    uint64_t ms = *v;
    int rc = px_get_duration(ld, n, attr, lo, hi, &ms, given);

    *v = (uint32_t)ms;
    return rc;
}

/* A whole number within lo..hi. */
static int get_whole(struct px_loader *ld, const xmlNode *n, const char *attr, unsigned lo,
                     unsigned hi, unsigned *v)
{
    unsigned long x = 0;
    size_t i = 0;
    char *s;
    int rc = px_value(ld, n, attr, &s);

    if (rc < 0 || !s)
        return rc;
    for (; s[i] >= '0' && s[i] <= '9' && x <= hi; i++)
        x = x * 10 + (unsigned long)(s[i] - '0');
    if (i == 0 || (s[i] != '\0' && (s[i] < '0' || s[i] > '9')))
        rc = px_fail(ld, n, attr, PLM_EINVAL, "'%.64s' is not a whole number", s);
    else if (s[i] != '\0' || x < lo || x > hi)
        rc = px_fail(ld, n, attr, PLM_EINVAL, "'%.64s' is outside %u..%u", s, lo, hi);
    else
        *v = (unsigned)x;
    free(s);
    return rc;
}

/* A goal or probe name: the schema checks its letters, we its length. */
static int get_name(struct px_loader *ld, const xmlNode *n, char out[AGENT_NAME_MAX])
{
    char *s;
    int rc = px_value(ld, n, "name", &s);

    if (rc < 0)
        return rc;
    if (!s || s[0] == '\0')
        rc = px_fail(ld, n, "name", PLM_EINVAL, "must not be empty");
    else if (strlen(s) >= AGENT_NAME_MAX)
        rc = px_fail(ld, n, "name", PLM_EINVAL, "'%.64s' is longer than %d characters", s,
                     AGENT_NAME_MAX - 1);
    else
        snprintf(out, AGENT_NAME_MAX, "%s", s);
    free(s);
    return rc;
}

enum path_kind {
    PATH_COMMAND,  /* a shell command line */
    PATH_FILE,     /* an absolute file name */
    PATH_WORKLOAD, /* a cgroup below /sys/fs/cgroup */
};

/* What is wrong with s as a path of this kind, or NULL. */
static const char *path_problem(const char *s, enum path_kind kind)
{
    if (s[0] == '\0')
        return "must not be empty";
    if (strlen(s) >= AGENT_PATH_MAX)
        return "is longer than 255 bytes";
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f)
            return "must not contain control characters";
        if (kind == PATH_WORKLOAD && (c == ' ' || c > 0x7e))
            return "must be printable ASCII, without spaces";
    }
    if (kind == PATH_FILE && s[0] != '/')
        return "must be an absolute path";
    if (kind != PATH_WORKLOAD)
        return NULL;
    if (s[0] == '/')
        return "must be relative to /sys/fs/cgroup, without a leading '/'";
    /* Component by component: no empty ones, and never "." or "..". */
    for (const char *p = s;;) {
        size_t len = strcspn(p, "/");
        if (len == 0)
            return "must not have empty components ('//' or a trailing '/')";
        if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return "must not have '.' or '..' components";
        if (p[len] == '\0')
            return NULL;
        p += len + 1;
    }
}

static int get_path(struct px_loader *ld, const xmlNode *n, const char *attr, enum path_kind kind,
                    char out[AGENT_PATH_MAX], bool *given)
{
    char *s;
    int rc = px_value(ld, n, attr, &s);
    const char *problem;

    if (rc < 0 || !s)
        return rc;
    problem = path_problem(s, kind);
    if (problem) {
        rc = px_fail(ld, n, attr, PLM_EINVAL, "'%.100s' %s", s, problem);
    } else {
        snprintf(out, AGENT_PATH_MAX, "%s", s);
        *given = true;
    }
    free(s);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* <agent>                                                                  */

static int get_per_resource(struct px_loader *ld, const xmlNode *n, plm_amt_t v[AGENT_NRES])
{
    int rc = 0;

    for (int r = 0; r < AGENT_NRES && rc == 0; r++)
        rc = px_get_amount(ld, n, resource_words[r], &v[r], NULL);
    return rc;
}

static int load_agent(struct px_loader *ld, const xmlNode *n, struct agent_goals *g)
{
    char a[32], b[32];
    bool has_heartbeat = false, has_metrics = false;
    int rc = get_ms(ld, n, "interval", INTERVAL_MIN_MS, INTERVAL_MAX_MS, &g->interval_ms, NULL);

    if (rc == 0)
        rc = get_ms(ld, n, "heartbeat", INTERVAL_MIN_MS, HEARTBEAT_MAX_MS, &g->heartbeat_ms,
                    &has_heartbeat);
    if (rc == 0)
        rc = px_get_switch(ld, n, "apply-cgroups", &g->apply_cgroups);
    /* The default heartbeat follows a long interval; one given must not be shorter. */
    if (rc == 0 && g->heartbeat_ms < g->interval_ms && !has_heartbeat)
        g->heartbeat_ms = g->interval_ms;
    if (rc == 0 && g->heartbeat_ms < g->interval_ms)
        rc = px_fail(ld, n, "heartbeat", PLM_EINVAL, "%s is shorter than the interval %s",
                     px_duration_format(g->heartbeat_ms, a, sizeof(a)),
                     px_duration_format(g->interval_ms, b, sizeof(b)));
    for (const xmlNode *c = px_first_child(n); c && rc == 0; c = px_next_sibling(c)) {
        if (px_is(c, "deadband"))
            rc = get_per_resource(ld, c, g->deadband);
        else if (px_is(c, "idle"))
            rc = get_per_resource(ld, c, g->idle);
        else if (px_is(c, "metrics"))
            rc = get_path(ld, c, "dir", PATH_FILE, g->metrics_dir, &has_metrics);
        else
            rc = px_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* <probe>                                                                  */

static int load_probe(struct walk *w, const xmlNode *n, struct agent_goals *g)
{
    struct px_loader *ld = w->ld;
    struct agent_probe *p = &g->probe[g->nprobes];
    bool has_command = false, has_file = false, has_timeout = false;
    char a[32], b[32];
    int rc;

    memset(p, 0, sizeof(*p));
    p->interval_ms = DEF_PROBE_INTERVAL_MS;
    rc = get_name(ld, n, p->name);
    if (rc == 0)
        rc = get_path(ld, n, "command", PATH_COMMAND, p->command, &has_command);
    if (rc == 0)
        rc = get_path(ld, n, "file", PATH_FILE, p->file, &has_file);
    if (rc == 0)
        rc = get_ms(ld, n, "interval", PROBE_INTERVAL_MIN_MS, PROBE_INTERVAL_MAX_MS,
                    &p->interval_ms, NULL);
    if (rc == 0)
        rc = get_ms(ld, n, "timeout", PROBE_TIMEOUT_MIN_MS, PROBE_INTERVAL_MAX_MS, &p->timeout_ms,
                    &has_timeout);
    if (rc < 0)
        return rc;
    if (has_command == has_file)
        return px_fail(ld, n, NULL, PLM_EINVAL,
                       "needs exactly one of the attributes 'command' and 'file'");
    if (has_file && has_timeout)
        return px_fail(ld, n, "timeout", PLM_EINVAL, "only meaningful with 'command'");
    if (has_timeout && p->timeout_ms >= p->interval_ms)
        return px_fail(ld, n, "timeout", PLM_EINVAL, "%s is not shorter than the interval %s",
                       px_duration_format(p->timeout_ms, a, sizeof(a)),
                       px_duration_format(p->interval_ms, b, sizeof(b)));
    if (has_command && !has_timeout)
        p->timeout_ms = p->interval_ms / 2 < DEF_PROBE_TIMEOUT_MAX_MS ? p->interval_ms / 2
                                                                      : DEF_PROBE_TIMEOUT_MAX_MS;
    for (unsigned i = 0; i < g->nprobes; i++)
        if (strcmp(g->probe[i].name, p->name) == 0)
            return px_fail(ld, n, "name", PLM_EINVAL, "'%s' repeats the probe at line %u", p->name,
                           w->probe_line[i]);
    w->probe_line[g->nprobes++] = (unsigned)xmlGetLineNo(n);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* <goal> and <window>                                                      */

static int load_window(struct px_loader *ld, const xmlNode *n, struct agent_window *w)
{
    char *days = NULL, *from = NULL, *to = NULL;
    int rc = px_value(ld, n, "days", &days);

    w->days = 0x7f;
    w->from_min = 0;
    w->to_min = 0;
    if (rc == 0)
        rc = px_value(ld, n, "from", &from);
    if (rc == 0)
        rc = px_value(ld, n, "to", &to);
    if (rc < 0)
        goto out;
    if (days && goals_days_parse(days, &w->days) < 0)
        rc = px_fail(ld, n, "days", PLM_EINVAL,
                     "'%.64s' is not a list of days (expected daily, or days such as mon-fri "
                     "or sat,sun)",
                     days);
    else if (from && goals_time_parse(from, &w->from_min) < 0)
        rc = px_fail(ld, n, "from", PLM_EINVAL,
                     "'%.64s' is not a time of day (expected 00:00 to 23:59)", from);
    else if (to && goals_time_parse(to, &w->to_min) < 0)
        rc = px_fail(ld, n, "to", PLM_EINVAL,
                     "'%.64s' is not a time of day (expected 00:00 to 23:59)", to);
out:
    free(days);
    free(from);
    free(to);
    return rc;
}

/* The target: exactly one of le and ge, in the direction the metric allows. */
static int load_target(struct px_loader *ld, const xmlNode *n, const struct metric_info *mi,
                       struct agent_goal *goal)
{
    bool has[2] = {false, false};
    plm_amt_t v[2] = {0, 0};
    int rc = 0;

    for (int d = 0; d < 2 && rc == 0; d++)
        rc = px_get_amount(ld, n, direction_words[d], &v[d], &has[d]);
    if (rc < 0)
        return rc;
    if (has[0] == has[1])
        return px_fail(ld, n, NULL, PLM_EINVAL,
                       "needs exactly one of the attributes 'le' and 'ge'");
    goal->dir = has[AGENT_AT_LEAST] ? AGENT_AT_LEAST : AGENT_AT_MOST;
    goal->target = v[goal->dir];
    if (!mi->any_direction && goal->dir != mi->dir)
        return px_fail(ld, n, direction_words[goal->dir], PLM_EINVAL,
                       "metric '%s' is kept %s its target: use '%s'", metric_words[goal->metric],
                       mi->dir == AGENT_AT_MOST ? "at most" : "at least", direction_words[mi->dir]);
    if (mi->target == TARGET_PERCENT && (goal->target <= 0 || goal->target > PLM_UNITS(100)))
        return px_fail(ld, n, direction_words[goal->dir], PLM_EINVAL,
                       "metric '%s' is a percentage: the target must be above 0 and at most 100",
                       metric_words[goal->metric]);
    if (mi->target == TARGET_POSITIVE && goal->target <= 0)
        return px_fail(ld, n, direction_words[goal->dir], PLM_EINVAL,
                       "the target of metric '%s' must be above 0", metric_words[goal->metric]);
    return 0;
}

/* Resource, metric and probe: what is measured and what is asked for. */
static int load_metric(struct px_loader *ld, const xmlNode *n, const struct agent_goals *g,
                       struct agent_goal *goal, const struct metric_info **mi_out)
{
    const struct metric_info *mi;
    char *probe = NULL;
    int metric = -1, res = -1;
    int rc;

    *mi_out = &metrics[0];
    rc = px_get_choice(ld, n, "metric", metric_words, AGENT_NMETRICS, &metric);
    if (rc < 0)
        return rc;
    if (metric < 0 || metric >= AGENT_NMETRICS)
        return px_fail(ld, n, NULL, PLM_EINVAL, "the attribute 'metric' is required");
    *mi_out = mi = &metrics[metric];
    rc = px_get_choice(ld, n, "resource", resource_words, AGENT_NRES, &res);
    if (rc == 0)
        rc = px_value(ld, n, "probe", &probe);
    if (rc < 0)
        goto out;
    goal->metric = (enum agent_metric)metric;
    if (mi->any_resource && res < 0) {
        rc = px_fail(ld, n, NULL, PLM_EINVAL,
                     "metric '%s' needs the attribute 'resource' (cpu or memory)",
                     metric_words[goal->metric]);
        goto out;
    }
    if (!mi->any_resource && res >= 0 && res != (int)mi->res) {
        rc = px_fail(ld, n, "resource", PLM_EINVAL, "metric '%s' is met with %s, not %s",
                     metric_words[goal->metric], resource_words[mi->res], resource_words[res]);
        goto out;
    }
    goal->res = mi->any_resource ? (enum agent_resource)res : mi->res;
    if (goal->metric != AGENT_M_PROBE) {
        if (probe)
            rc = px_fail(ld, n, "probe", PLM_EINVAL, "only meaningful with metric 'probe'");
        goto out;
    }
    if (!probe) {
        rc = px_fail(ld, n, NULL, PLM_EINVAL,
                     "metric 'probe' needs the attribute 'probe' naming a <probe>");
        goto out;
    }
    for (goal->probe = 0; goal->probe < g->nprobes; goal->probe++)
        if (strcmp(g->probe[goal->probe].name, probe) == 0)
            break;
    if (goal->probe == g->nprobes)
        rc = px_fail(ld, n, "probe", PLM_EINVAL, "no <probe name=\"%.64s\"> is declared", probe);
out:
    free(probe);
    return rc;
}

/* Margin, min and max. */
static int load_bounds(struct px_loader *ld, const xmlNode *n, const struct metric_info *mi,
                       struct agent_goal *goal)
{
    char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN];
    bool has_margin = false, has_max = false;
    int rc = px_get_amount(ld, n, "margin", &goal->margin, &has_margin);

    if (rc == 0)
        rc = px_get_amount(ld, n, "min", &goal->min, NULL);
    if (rc == 0)
        rc = px_get_amount(ld, n, "max", &goal->max, &has_max);
    if (rc < 0)
        return rc;
    if (has_margin && !mi->margin)
        return px_fail(ld, n, "margin", PLM_EINVAL, "not used with metric '%s'",
                       metric_words[goal->metric]);
    if (has_margin && goal->margin >= goal->target)
        return px_fail(ld, n, "margin", PLM_EINVAL, "%s is not below the target %s",
                       plm_amt_format(goal->margin, a), plm_amt_format(goal->target, b));
    if (has_max && goal->max == 0)
        return px_fail(ld, n, "max", PLM_EINVAL, "must be above 0");
    if (has_max && goal->min > goal->max)
        return px_fail(ld, n, NULL, PLM_EINVAL, "min %s is above max %s",
                       plm_amt_format(goal->min, a), plm_amt_format(goal->max, b));
    return 0;
}

/* A time-critical boost (xenplm-protocol(7), BOOST): cpu only, for the
 * daemon does not boost memory. */
static int load_boost(struct px_loader *ld, const xmlNode *n, struct agent_goal *goal)
{
    bool given = false;
    int rc = get_ms(ld, n, "boost", BOOST_MIN_MS, BOOST_MAX_MS, &goal->boost_ms, &given);

    if (rc == 0 && given && goal->res != AGENT_RES_CPU)
        rc = px_fail(ld, n, "boost", PLM_EINVAL, "only a cpu goal can boost");
    return rc;
}

static int load_goal(struct px_loader *ld, const xmlNode *n, const struct agent_goals *g,
                     struct agent_goal *goal)
{
    const struct metric_info *mi = NULL;
    bool has_workload = false;
    int rc;

    memset(goal, 0, sizeof(*goal));
    goal->line = (unsigned)xmlGetLineNo(n);
    goal->max = -1;
    rc = get_name(ld, n, goal->name);
    if (rc == 0)
        rc = get_whole(ld, n, "priority", 1, AGENT_MAX_PRIORITY, &goal->priority);
    if (rc == 0 && goal->priority == 0)
        rc = px_fail(ld, n, NULL, PLM_EINVAL, "the attribute 'priority' is required");
    if (rc == 0)
        rc = load_metric(ld, n, g, goal, &mi);
    if (rc == 0)
        rc = load_target(ld, n, mi, goal);
    if (rc == 0)
        rc = load_bounds(ld, n, mi, goal);
    if (rc == 0)
        rc = get_path(ld, n, "workload", PATH_WORKLOAD, goal->workload, &has_workload);
    if (rc == 0)
        rc = load_boost(ld, n, goal);
    for (const xmlNode *c = px_first_child(n); c && rc == 0; c = px_next_sibling(c)) {
        if (!px_is(c, "window"))
            rc = px_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        else if (goal->nwindows == AGENT_MAX_WINDOWS)
            rc = px_fail(ld, c, NULL, PLM_EINVAL, "too many <window> elements (at most %d)",
                         AGENT_MAX_WINDOWS);
        else
            rc = load_window(ld, c, &goal->window[goal->nwindows++]);
    }
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < g->ngoals; i++)
        if (strcmp(g->goal[i].name, goal->name) == 0)
            return px_fail(ld, n, "name", PLM_EINVAL, "'%s' repeats the goal at line %u",
                           goal->name, g->goal[i].line);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The document                                                             */

static int load_root(struct walk *w, const xmlNode *root, struct agent_goals *g)
{
    struct px_loader *ld = w->ld;
    int rc = 0;

    for (const xmlNode *c = px_first_child(root); c && rc == 0; c = px_next_sibling(c)) {
        if (px_is(c, "agent")) {
            rc = load_agent(ld, c, g);
        } else if (px_is(c, "probe")) {
            if (g->nprobes == AGENT_MAX_PROBES)
                rc = px_fail(ld, c, NULL, PLM_EINVAL, "too many <probe> elements (at most %d)",
                             AGENT_MAX_PROBES);
            else
                rc = load_probe(w, c, g);
        } else if (px_is(c, "goal")) {
            if (g->ngoals == AGENT_MAX_GOALS)
                rc = px_fail(ld, c, NULL, PLM_EINVAL, "too many <goal> elements (at most %d)",
                             AGENT_MAX_GOALS);
            else if ((rc = load_goal(ld, c, g, &g->goal[g->ngoals])) == 0)
                g->ngoals++;
        } else {
            rc = px_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        }
    }
    return rc;
}

struct load_args {
    const char *schema_path;
    struct agent_goals *out;
};

/* The whole load of a document in memory, inside installed handlers. */
static int load(struct px_loader *ld, const char *buf, size_t len, void *arg)
{
    const struct load_args *a = arg;
    struct agent_goals *fresh = malloc(sizeof(*fresh));
    struct walk w = {.ld = ld};
    xmlDoc *doc = NULL;

    if (!fresh)
        return px_fail(ld, NULL, NULL, PLM_ENOMEM, "out of memory");
    agent_goals_init(fresh);
    doc = px_open(ld, buf, len, ROOT_NAME, a->schema_path, &px_goals_xsd);
    if (doc)
        load_root(&w, xmlDocGetRootElement(doc), fresh);
    if (ld->rc == 0)
        *a->out = *fresh;
    free(fresh);
    xmlFreeDoc(doc);
    return ld->rc;
}

/* ------------------------------------------------------------------------ */
/* The API                                                                  */

void agent_goals_init(struct agent_goals *g)
{
    memset(g, 0, sizeof(*g));
    g->interval_ms = DEF_INTERVAL_MS;
    g->heartbeat_ms = DEF_HEARTBEAT_MS;
    g->deadband[AGENT_RES_CPU] = PLM_UNITS(10);
    g->deadband[AGENT_RES_MEM] = PLM_UNITS(32);
    g->idle[AGENT_RES_CPU] = PLM_UNITS(10);
    g->idle[AGENT_RES_MEM] = PLM_UNITS(512);
}

int agent_goals_load_memory(const char *buf, size_t len, const char *name, const char *schema_path,
                            struct agent_goals *out, char *err, size_t errlen)
{
    struct load_args a = {schema_path, out};

    return px_load_memory(&goals_format, buf, len, name, load, &a, err, errlen);
}

int agent_goals_load(const char *path, const char *schema_path, struct agent_goals *out, char *err,
                     size_t errlen)
{
    struct load_args a = {schema_path, out};

    return px_load_file(&goals_format, path, load, &a, err, errlen);
}

const char *agent_goals_default_schema(void)
{
    return XENPLM_PKGDATADIR "/xenplm-goals.xsd";
}

void agent_goals_cleanup(void)
{
    xmlCleanupParser();
}

const char *agent_metric_name(enum agent_metric m)
{
    return (unsigned)m < AGENT_NMETRICS ? metric_words[m] : NULL;
}

const char *agent_resource_name(enum agent_resource r)
{
    static const char *const names[AGENT_NRES] = {"cpu", "mem"};
    return (unsigned)r < AGENT_NRES ? names[r] : NULL;
}
