/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplm-agent: the guest side of xenplm.  Measures the guest, holds it
 * against its administrator's goals and publishes the prioritized request
 * xenplmd arbitrates; see xenplm-agent(8).
 */
#include "config.h"
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/textfile.h"
#include "core/error.h"
#include "guest-agent/agent.h"
#include "guest-agent/render_prom.h"
#include "guest-agent/util.h"

#define DEFAULT_GOALS XENPLM_SYSCONFDIR "/xenplm/goals.xml"
#define DEFAULT_STATE "/run/xenplm-agent.state"

struct options {
    const char *goals;
    const char *schema;
    const char *root;
    const char *state;
    const char *pidfile;
    const char *metrics_dir; /* --metrics-dir (NULL: the goals' <metrics dir>) */
    bool foreground;
    bool once;
    bool dry_run;
    int verbose;
};

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
}

static void usage(FILE *f)
{
    fprintf(
        f, "Usage: xenplm-agent [OPTION]...         run the agent\n"
           "       xenplm-agent [OPTION]... status  show the last request and the daemon's answer\n"
           "\n"
           "Measures this guest, compares it with the goals in the goals file and\n"
           "publishes the prioritized resource request that xenplmd arbitrates.\n"
           "\n"
           "  -f, --goals FILE    goals file (default " DEFAULT_GOALS ")\n"
           "      --schema FILE   schema to validate it with (default: the built-in one)\n"
           "  -F, --foreground    stay in the foreground and log to stderr\n"
           "      --once          run one period, print the report and exit\n"
           "  -n, --dry-run       compute and print, write nothing (no Xen needed)\n"
           "      --root DIR      read /proc, /sys and probe files below DIR; without\n"
           "                      DIR/proc, DIR/0 and DIR/1 are two recorded snapshots\n"
           "                      (or DIR/0 alone, one)\n"
           "      --state FILE    where the report of each period goes\n"
           "                      (default " DEFAULT_STATE ")\n"
           "  -p, --pidfile FILE  write the process id to FILE\n"
           "      --metrics-dir DIR  write Prometheus metrics to DIR/" AGENT_METRICS_FILE "\n"
           "                      after every period, for node_exporter's textfile\n"
           "                      collector (default: the goals' <metrics dir>, which\n"
           "                      a dry run ignores)\n"
           "  -v, --verbose       log more (repeat for debug)\n"
           "  -h, --help          show this help and exit\n"
           "  -V, --version       show the version and exit\n"
           "\n"
           "Signals: SIGHUP reloads the goals file (a bad file keeps the last good\n"
           "goals), SIGTERM and SIGINT stop the agent.  See xenplm-agent(8) and\n"
           "xenplm-goals(5).\n");
}

static void local_now(struct tm *out)
{
    time_t t = time(NULL);

    localtime_r(&t, out);
}

static bool is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Sleep ms, cut short by a signal. */
static void nap(uint64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};

    if (!stop_requested && !reload_requested)
        nanosleep(&ts, NULL);
}

/* Write the report where `xenplm-agent status` finds it: whole or not at all. */
static void write_state(const struct agent *a, const char *path)
{
    char tmp[4096];
    FILE *f;

    if (!path || !*path)
        return;
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f) {
        log_debug("cannot write %s: %s", tmp, strerror(errno));
        return;
    }
    agent_report(a, f);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        log_debug("cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
}

/*
 * The metrics file, after every period: DIR/xenplm-agent.prom, DIR from
 * --metrics-dir, else the goals' <metrics dir> (but not in a dry run,
 * which writes only what its command line names).  A write that fails is
 * logged once (common/textfile.c) and tried again at the next period.
 */
static void write_metrics(const struct options *o, const struct agent *a)
{
    static struct textfile file;
    static bool bad_dir;
    const char *dir = o->metrics_dir ? o->metrics_dir : o->dry_run ? "" : a->goals.metrics_dir;
    struct textfile t;
    char *buf = NULL;
    size_t len = 0;

    if (!dir[0])
        return;
    memset(&t, 0, sizeof(t));
    if (textfile_set(&t, dir, AGENT_METRICS_FILE) != 0) {
        if (!bad_dir)
            log_errx("the metrics directory %.200s... is too long: writing no metrics", dir);
        bad_dir = true;
        return;
    }
    bad_dir = false;
    if (strcmp(t.path, file.path) != 0) {
        file = t;
        textfile_sweep(&file); /* what an agent killed mid-write left */
    }
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        log_warn("cannot render the metrics");
        return;
    }
    int rc = agent_render_prom(f, a);
    if (fclose(f) != 0 || rc != 0)
        log_warnx("cannot render the metrics: out of memory");
    else
        textfile_write(&file, buf, len);
    free(buf);
}

static int load_goals(const struct options *o, struct agent_goals *g)
{
    char err[AGENT_GOALS_ERR_MAX];
    int rc = agent_goals_load(o->goals, o->schema, g, err, sizeof(err));

    /* A schema that cannot be read is one given by --schema (the
     * built-in one always can be): the loader's message says so. */
    if (rc != 0)
        log_errx("%s", err);
    return rc;
}

/*
 * Where the snapshots below --root DIR are: DIR itself when it has a
 * proc/ (a live-like tree), else the recorded snapshots DIR/0 and, when
 * there, DIR/1 (a fixture of one snapshot has only DIR/0).  d0 and d1 get
 * the recorded ones ("" when absent); false when DIR is a plain tree.
 */
static bool recorded(const char *root, char *d0, char *d1, size_t cap)
{
    char p[4096];

    d0[0] = d1[0] = '\0';
    snprintf(p, sizeof(p), "%s/proc", root);
    if (is_dir(p))
        return false;
    snprintf(d0, cap, "%s/0", root);
    if (!is_dir(d0)) {
        d0[0] = '\0';
        return false;
    }
    snprintf(d1, cap, "%s/1", root);
    if (!is_dir(d1))
        d1[0] = '\0';
    return true;
}

/* The tree the loop reads every period: the latest recorded snapshot
 * under a recorded --root, else the root itself. */
static const char *loop_root(const struct options *o, char *buf, size_t cap)
{
    char d0[4096], d1[4096];

    if (!o->root)
        return "/";
    if (!recorded(o->root, d0, d1, sizeof(d0)))
        return o->root;
    snprintf(buf, cap, "%s", d1[0] ? d1 : d0);
    return buf;
}

/* The snapshots of one period: the recorded pair (or single snapshot), or
 * two live ones.  *have_prev is false with a single snapshot: no CPU
 * figures then.  probe_root gets the tree probe files and vcpus are
 * looked up in (d1 holds it when recorded). */
static int take_pair(const struct options *o, struct agent_snapshot *s0, struct agent_snapshot *s1,
                     bool *have_prev, const char **probe_root, char *d1, uint64_t gap_ms)
{
    char err[AGENT_ERR_MAX];
    char d0[4096];

    *probe_root = o->root ? o->root : "/";
    *have_prev = true;
    if (o->root && recorded(o->root, d0, d1, 4096)) {
        if (!d1[0]) {
            *have_prev = false;
            snprintf(d1, 4096, "%s", d0);
        } else if (agent_snapshot_read(d0, s0, err, sizeof(err)) != 0) {
            log_errx("%s", err);
            return PLM_EIO;
        }
        if (agent_snapshot_read(d1, s1, err, sizeof(err)) != 0) {
            log_errx("%s", err);
            return PLM_EIO;
        }
        /* Probe files and vcpu states are those of the later snapshot. */
        *probe_root = d1;
        return 0;
    }
    if (agent_snapshot_read(*probe_root, s0, err, sizeof(err)) != 0) {
        log_errx("%s", err);
        return PLM_EIO;
    }
    nap(gap_ms);
    if (agent_snapshot_read(*probe_root, s1, err, sizeof(err)) != 0) {
        log_errx("%s", err);
        return PLM_EIO;
    }
    return 0;
}

static int run_once(const struct options *o, struct agent_store *store)
{
    static struct agent_snapshot s0, s1;
    static struct agent a;
    struct agent_goals g;
    struct agent_metrics m;
    struct tm now;
    const char *probe_root;
    static char d1[4096];
    bool have_prev;
    int rc;

    if (load_goals(o, &g) != 0)
        return 2;
    if (take_pair(o, &s0, &s1, &have_prev, &probe_root, d1, 1000) != 0)
        return 1;
    agent_metrics_derive(have_prev ? &s0 : NULL, &s1, &m);
    agent_init(&a, &g, store, probe_root, o->dry_run);
    a.probe_ctl.stop = &stop_requested;
    local_now(&now);
    rc = agent_period(&a, &m, &now, plm_mono_ms());
    write_metrics(o, &a);
    agent_report(&a, stdout);
    if (a.have_request)
        printf("%s:\n%s", o->dry_run ? "would publish" : (rc == 1 ? "published" : "unchanged"),
               a.request_text);
    else
        printf("nothing to publish: the goals name no resource\n");
    return rc < 0 ? 1 : 0;
}

static int run_loop(const struct options *o, struct agent_store *store)
{
    static struct agent_snapshot snap[2];
    static struct agent a;
    struct agent_goals g;
    struct agent_metrics m;
    static char rootbuf[4096];
    const char *root = loop_root(o, rootbuf, sizeof(rootbuf));
    char err[AGENT_ERR_MAX];
    unsigned cur = 0;
    bool have_prev = false;

    if (load_goals(o, &g) != 0)
        return 2;
    agent_init(&a, &g, store, root, o->dry_run);
    a.probe_ctl.stop = &stop_requested;
    log_notice("started: %u goal%s, %u probe%s, interval %u ms, domain %u%s", g.ngoals,
               g.ngoals == 1 ? "" : "s", g.nprobes, g.nprobes == 1 ? "" : "s",
               (unsigned)g.interval_ms, store ? (unsigned)store->domid : 0,
               o->dry_run ? " (dry run)" : "");
    while (!stop_requested) {
        struct tm now;
        uint64_t t0 = plm_mono_ms();

        if (reload_requested) {
            struct agent_goals ng;
            reload_requested = 0;
            if (load_goals(o, &ng) == 0) {
                agent_set_goals(&a, &ng);
                log_notice("goals reloaded: %u goal%s", ng.ngoals, ng.ngoals == 1 ? "" : "s");
            } else {
                log_warnx("keeping the last good goals");
            }
        }
        if (agent_snapshot_read(root, &snap[cur], err, sizeof(err)) != 0) {
            log_errx("%s", err);
        } else {
            agent_metrics_derive(have_prev ? &snap[cur ^ 1] : NULL, &snap[cur], &m);
            local_now(&now);
            agent_period(&a, &m, &now, plm_mono_ms());
            write_state(&a, o->state);
            write_metrics(o, &a);
            if (o->dry_run && a.have_request)
                printf("%s", a.request_text);
            have_prev = true;
            cur ^= 1;
        }
        /* The first period has no CPU figures: take the second one soon. */
        {
            uint64_t period = a.goals.interval_ms;
            uint64_t spent = plm_mono_ms() - t0;
            if (!have_prev || (a.in.m && a.in.m->interval_ms == 0))
                period = period < 1000 ? period : 1000;
            nap(spent < period ? period - spent : 0);
        }
    }
    log_notice("stopping");
    return 0;
}

static int show_status(const struct options *o, struct agent_store *store)
{
    char buf[PROTO_VALUE_MAX + 1];
    struct agent_answer ans;
    size_t len = 0;
    FILE *f;

    printf("domain: %u\n", (unsigned)store->domid);
    if (agent_store_read(store, PROTO_KEY_REQUEST, buf, PROTO_VALUE_MAX, &len) == 0) {
        buf[len] = '\0';
        printf("request (%s):\n%s", PROTO_KEY_REQUEST, buf);
        if (len == 0 || buf[len - 1] != '\n')
            printf("\n");
    } else {
        printf("request: none published\n");
    }
    agent_read_answer(store, &ans);
    if (ans.have_seq)
        printf("seq read by the daemon: %" PRIu64 "\n", ans.seq);
    if (ans.have_status)
        printf("status: %s%s\n",
               ans.ok ? (ans.reason[0] ? "ok: " : "ok") : "rejected: ", ans.reason);
    else
        printf("status: none (is xenplmd running in dom0?)\n");
    if (ans.have_grant) {
        char g[PROTO_GRANT_ENCODED_MAX + 1];
        if (proto_grant_encode(&ans.grant, g, sizeof(g)) > 0)
            printf("granted: %s", g);
    }
    if (ans.bad[0])
        printf("warning: %s\n", ans.bad);
    f = fopen(o->state, "r");
    if (f) {
        size_t n;
        printf("last period (%s):\n", o->state);
        while ((n = fread(buf, 1, sizeof(buf) - 1, f)) > 0)
            fwrite(buf, 1, n, stdout);
        fclose(f);
    }
    return 0;
}

static void write_pidfile(const char *path)
{
    FILE *f = fopen(path, "w");

    if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0)
        log_warn("cannot write %s", path);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"goals", required_argument, NULL, 'f'},
        {"schema", required_argument, NULL, 's'},
        {"foreground", no_argument, NULL, 'F'},
        {"once", no_argument, NULL, 'o'},
        {"dry-run", no_argument, NULL, 'n'},
        {"root", required_argument, NULL, 'r'},
        {"state", required_argument, NULL, 'S'},
        {"pidfile", required_argument, NULL, 'p'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"metrics-dir", required_argument, NULL, 'M'},
        {NULL, 0, NULL, 0},
    };
    struct options o = {.goals = DEFAULT_GOALS, .state = DEFAULT_STATE};
    struct agent_store *store = NULL;
    struct sigaction sa;
    bool status = false;
    char err[256];
    int c, rc;

    opterr = 0; /* our own message: getopt's names the program by its path */
    while ((c = getopt_long(argc, argv, "f:Fnp:vhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            o.goals = optarg;
            break;
        case 's':
            o.schema = optarg;
            break;
        case 'F':
            o.foreground = true;
            break;
        case 'o':
            o.once = true;
            break;
        case 'n':
            o.dry_run = true;
            break;
        case 'r':
            o.root = optarg;
            break;
        case 'S':
            o.state = optarg;
            break;
        case 'p':
            o.pidfile = optarg;
            break;
        case 'M':
            if (!*optarg) {
                fprintf(stderr, "xenplm-agent: --metrics-dir: an empty directory name\n");
                return 2;
            }
            o.metrics_dir = optarg;
            break;
        case 'v':
            o.verbose++;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("xenplm-agent %s\n", PACKAGE_VERSION);
            return 0;
        default:
            fprintf(stderr, "xenplm-agent: unknown option or missing argument: '%s'\n",
                    argv[optind - 1]);
            fprintf(stderr, "Try 'xenplm-agent --help' for more information.\n");
            return 2;
        }
    }
    if (optind < argc) {
        if (strcmp(argv[optind], "status") == 0 && optind + 1 == argc) {
            status = true;
        } else {
            fprintf(stderr, "xenplm-agent: unexpected argument '%s'\n", argv[optind]);
            fprintf(stderr, "Try 'xenplm-agent --help' for more information.\n");
            return 2;
        }
    }
    if (o.dry_run)
        o.state = ""; /* a dry run writes nothing, not even its report */

    log_open("xenplm-agent", o.foreground || o.once || status,
             o.verbose >= 2   ? LOG_DEBUG
             : o.verbose == 1 ? LOG_INFO
                              : LOG_NOTICE);
    log_set_plain(o.once || status);

    if (!o.dry_run || status) {
        if (agent_store_xen_open(&store, err, sizeof(err)) != 0) {
            fprintf(stderr, "xenplm-agent: %s%s\n", err,
                    status ? "" : " (--dry-run works without Xen)");
            log_close();
            return 1;
        }
    }
    if (status) {
        if (o.state == NULL || !*o.state)
            o.state = DEFAULT_STATE;
        rc = show_status(&o, store);
        agent_store_close(store);
        log_close();
        return rc;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (o.once) {
        rc = run_once(&o, store);
    } else {
        if (!o.foreground && daemon(0, 0) != 0) {
            fprintf(stderr, "xenplm-agent: cannot detach: %s\n", strerror(errno));
            agent_store_close(store);
            return 1;
        }
        if (o.pidfile)
            write_pidfile(o.pidfile);
        rc = run_loop(&o, store);
        if (o.pidfile)
            unlink(o.pidfile);
    }
    agent_store_close(store);
    log_close();
    agent_goals_cleanup();
    return rc;
}
