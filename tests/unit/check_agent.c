/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's I/O edges: probes (parsing, commands that fail, hang or
 * babble, files), the exchange with xenstore (through an in-memory store
 * that plays the daemon's side), onlining vcpus in a fake sysfs, and the
 * division of a grant among workloads.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "core/error.h"
#include "guest-agent/agent.h"
#include "guest-agent/apply.h"
#include "guest-agent/exchange.h"
#include "guest-agent/probe.h"
#include "tests/unit/suite_run.h"

/* --- an in-memory store ---------------------------------------------------- */

#define MEM_KEYS 8

struct mem_store {
    struct agent_store base;
    char key[MEM_KEYS][64];
    char val[MEM_KEYS][PROTO_VALUE_MAX];
    size_t len[MEM_KEYS];
    unsigned n;
    int fail_write; /* code returned by writes, 0 = succeed */
};

static int mem_find(struct mem_store *m, const char *path)
{
    for (unsigned i = 0; i < m->n; i++)
        if (strcmp(m->key[i], path) == 0)
            return (int)i;
    return -1;
}

static int mem_read(struct agent_store *s, const char *path, char *buf, size_t cap, size_t *len_out)
{
    struct mem_store *m = s->priv;
    int i = mem_find(m, path);

    if (i < 0)
        return PLM_ENOENT;
    *len_out = m->len[i];
    if (m->len[i] > cap)
        return PLM_ERANGE;
    memcpy(buf, m->val[i], m->len[i]);
    return 0;
}

static int mem_write(struct agent_store *s, const char *path, const char *value, size_t len)
{
    struct mem_store *m = s->priv;
    int i = mem_find(m, path);

    if (m->fail_write)
        return m->fail_write;
    if (i < 0) {
        ck_assert_uint_lt(m->n, MEM_KEYS);
        i = (int)m->n++;
        snprintf(m->key[i], sizeof(m->key[i]), "%s", path);
    }
    ck_assert_uint_le(len, sizeof(m->val[i]));
    memcpy(m->val[i], value, len);
    m->len[i] = len;
    return 0;
}

static void mem_close(struct agent_store *s)
{
    (void)s;
}

static const struct agent_store_ops mem_ops = {mem_read, mem_write, mem_close};

static void mem_init(struct mem_store *m)
{
    memset(m, 0, sizeof(*m));
    m->base.ops = &mem_ops;
    m->base.priv = m;
    m->base.domid = 7;
}

static void mem_put(struct mem_store *m, const char *path, const char *value)
{
    ck_assert_int_eq(mem_write(&m->base, path, value, strlen(value)), 0);
}

static const char *mem_get(struct mem_store *m, const char *path)
{
    static char buf[PROTO_VALUE_MAX + 1];
    int i = mem_find(m, path);

    ck_assert_int_ge(i, 0);
    memcpy(buf, m->val[i], m->len[i]);
    buf[m->len[i]] = '\0';
    return buf;
}

/* --- probes ------------------------------------------------------------------ */

static plm_amt_t parse_ok(const char *text)
{
    plm_amt_t v = -1;
    char err[160];

    ck_assert_msg(agent_probe_parse(text, strlen(text), &v, err, sizeof(err)) == 0, "%s: %s", text,
                  err);
    return v;
}

static void parse_bad(const char *text, int rc, const char *msg)
{
    plm_amt_t v = 12345;
    char err[160];

    ck_assert_int_eq(agent_probe_parse(text, strlen(text), &v, err, sizeof(err)), rc);
    ck_assert_str_eq(err, msg);
    ck_assert_int_eq(v, 12345);
}

START_TEST(probe_parse)
{
    ck_assert_int_eq(parse_ok("42\n"), 42000);
    ck_assert_int_eq(parse_ok("  0.5 \n"), 500);
    ck_assert_int_eq(parse_ok("187.25"), 187250);
    /* Past three decimals the digits are dropped, not rounded. */
    ck_assert_int_eq(parse_ok("1.23456\n"), 1234);
    ck_assert_int_eq(parse_ok("7."), 7000);
    ck_assert_int_eq(parse_ok(".5"), 500);
    ck_assert_int_eq(parse_ok("1000000000"), PLM_AMT_MAX);
    parse_bad("", PLM_EGRAMMAR, "no output");
    parse_bad(" \n\n", PLM_EGRAMMAR, "no output");
    parse_bad("-3\n", PLM_EGRAMMAR, "output is not one unsigned number");
    parse_bad("12 ms\n", PLM_EGRAMMAR, "output is not one unsigned number");
    parse_bad("1\n2\n", PLM_EGRAMMAR, "output is not one unsigned number");
    parse_bad(".", PLM_EGRAMMAR, "output is not one unsigned number");
    parse_bad("1e3", PLM_EGRAMMAR, "output is not one unsigned number");
    parse_bad("1000000001", PLM_ERANGE, "number too large");
}
END_TEST

static void probe_cmd(struct agent_probe *p, const char *cmd, uint32_t timeout_ms)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->name, sizeof(p->name), "t");
    snprintf(p->command, sizeof(p->command), "%s", cmd);
    p->interval_ms = 10000;
    p->timeout_ms = timeout_ms;
}

START_TEST(probe_commands)
{
    struct agent_probe p;
    plm_amt_t v = 0;
    char err[160];

    probe_cmd(&p, "echo 17.5", 2000);
    ck_assert_int_eq(agent_probe_run(&p, "/", NULL, &v, err, sizeof(err)), 0);
    ck_assert_int_eq(v, 17500);

    probe_cmd(&p, "echo 3; exit 4", 2000);
    ck_assert_int_eq(agent_probe_run(&p, "/", NULL, &v, err, sizeof(err)), PLM_EIO);
    ck_assert_str_eq(err, "command exited with status 4");

    probe_cmd(&p, "echo soon", 2000);
    ck_assert_int_eq(agent_probe_run(&p, "/", NULL, &v, err, sizeof(err)), PLM_EGRAMMAR);
    ck_assert_str_eq(err, "output is not one unsigned number");

    /* A hung probe is killed with everything it started. */
    probe_cmd(&p, "sleep 30 & sleep 30", 200);
    ck_assert_int_eq(agent_probe_run(&p, "/", NULL, &v, err, sizeof(err)), PLM_EIO);
    ck_assert_str_eq(err, "command timed out after 200 ms");

    probe_cmd(&p, "yes 1", 2000);
    ck_assert_int_eq(agent_probe_run(&p, "/", NULL, &v, err, sizeof(err)), PLM_ERANGE);
    ck_assert_str_eq(err, "command printed more than 256 bytes");

    probe_cmd(&p, "kill -9 $$", 2000);
    ck_assert_int_eq(agent_probe_run(&p, "/", NULL, &v, err, sizeof(err)), PLM_EIO);
    ck_assert_str_eq(err, "command killed by signal 9");
}
END_TEST

/* A probe's timeout holds after it closes its output; a stop flag cuts it
 * short; either way the agent is back within a fraction of the wait. */
START_TEST(probe_deadline_and_stop)
{
    static volatile sig_atomic_t stop;
    struct agent_probe_ctl ctl = {.stop = &stop, .no_cgroup = _i == 1};
    struct agent_probe p;
    plm_amt_t v = 0;
    char err[160];
    uint64_t t0;

    probe_cmd(&p, "exec >&-; sleep 20; echo 5", 300);
    t0 = plm_mono_ms();
    ck_assert_int_eq(agent_probe_run(&p, "/", &ctl, &v, err, sizeof(err)), PLM_EIO);
    ck_assert_str_eq(err, "command timed out after 300 ms");
    ck_assert_uint_lt(plm_mono_ms() - t0, 2000);

    /* Exiting with output while a background child holds the pipe open:
     * the value counts, and it does not wait for the child. */
    probe_cmd(&p, "sleep 20 & echo 42", 5000);
    t0 = plm_mono_ms();
    ck_assert_int_eq(agent_probe_run(&p, "/", &ctl, &v, err, sizeof(err)), 0);
    ck_assert_int_eq(v, 42000);
    ck_assert_uint_lt(plm_mono_ms() - t0, 2000);

    stop = 1;
    probe_cmd(&p, "sleep 20; echo 5", 30000);
    t0 = plm_mono_ms();
    ck_assert_int_eq(agent_probe_run(&p, "/", &ctl, &v, err, sizeof(err)), PLM_EIO);
    ck_assert_str_eq(err, "command stopped: the agent is stopping");
    ck_assert_uint_lt(plm_mono_ms() - t0, 2000);
    stop = 0;
}
END_TEST

/* Whether pid is a live (not zombie) process. */
static bool alive(long pid)
{
    char path[64], buf[256];
    FILE *f;
    char *rp;
    bool live;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (!f)
        return false;
    live = fgets(buf, sizeof(buf), f) != NULL && (rp = strrchr(buf, ')')) != NULL && rp[2] != 'Z';
    fclose(f);
    return live;
}

/* The pid a probe wrote to file. */
static long read_pid(const char *file)
{
    FILE *f = fopen(file, "r");
    long pid = 0;

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%ld", &pid), 1);
    fclose(f);
    return pid;
}

static bool gone_soon(long pid)
{
    for (int i = 0; i < 100 && alive(pid); i++)
        usleep(10000);
    return !alive(pid);
}

/* Whatever a probe leaves behind dies with it: a background child by its
 * process group (with or without a cgroup), the rest by its cgroup. */
START_TEST(probe_containment)
{
    struct agent_probe_ctl ctl = {.no_cgroup = true};
    struct agent_probe p;
    plm_amt_t v = 0;
    char err[160], cmd[256], file[64];
    long pid;

    snprintf(file, sizeof(file), "%s/check_agent_pid.%ld",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
    snprintf(cmd, sizeof(cmd), "sleep 30 </dev/null >/dev/null 2>&1 & echo $! >%s; echo 7", file);
    probe_cmd(&p, cmd, 2000);
    ck_assert_int_eq(agent_probe_run(&p, "/", &ctl, &v, err, sizeof(err)), 0);
    ck_assert_int_eq(v, 7000);
    pid = read_pid(file);
    ck_assert_msg(gone_soon(pid), "background child %ld survived its probe", pid);

    /* The limit of a process group: a setsid child escapes it.  The
     * child writes its pid once it has left the group, and the probe
     * waits for that, so the kill cannot come first. */
    unlink(file);
    snprintf(cmd, sizeof(cmd),
             "setsid sh -c 'echo $$ >%s; exec sleep 30' </dev/null >/dev/null 2>&1 & "
             "until [ -s %s ]; do sleep 0.01; done; echo 7",
             file, file);
    probe_cmd(&p, cmd, 2000);
    ck_assert_int_eq(agent_probe_run(&p, "/", &ctl, &v, err, sizeof(err)), 0);
    pid = read_pid(file);
    ck_assert(alive(pid));
    kill((pid_t)pid, SIGKILL);
    unlink(file);
}
END_TEST

static char tmpdir[256];

static void make_tmpdir(void)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(tmpdir, sizeof(tmpdir), "%s/check_agent.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void put_file(const char *rel, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void remove_tree(void)
{
    char cmd[600];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(probe_file_and_staleness)
{
    struct agent_goals g;
    struct agent_probe_state st[AGENT_MAX_PROBES];
    plm_amt_t v = 0;

    make_tmpdir();
    memset(&g, 0, sizeof(g));
    memset(st, 0, sizeof(st));
    g.nprobes = 1;
    snprintf(g.probe[0].name, sizeof(g.probe[0].name), "q");
    snprintf(g.probe[0].file, sizeof(g.probe[0].file), "/queue");
    g.probe[0].interval_ms = 1000;
    g.probe[0].timeout_ms = 500;

    /* Missing file: no value, and the reason names the file. */
    agent_probes_poll(&g, tmpdir, NULL, 0, st);
    ck_assert(!agent_probe_value(&g.probe[0], &st[0], 0, &v));
    ck_assert_ptr_nonnull(strstr(st[0].err, "/queue: No such file or directory"));

    put_file("queue", "12\n");
    agent_probes_poll(&g, tmpdir, NULL, 500, st); /* not due yet */
    ck_assert(!agent_probe_value(&g.probe[0], &st[0], 500, &v));
    agent_probes_poll(&g, tmpdir, NULL, 1000, st);
    ck_assert(agent_probe_value(&g.probe[0], &st[0], 1000, &v));
    ck_assert_int_eq(v, 12000);
    /* Fresh for three intervals, stale after. */
    ck_assert(agent_probe_value(&g.probe[0], &st[0], 4000, &v));
    ck_assert(!agent_probe_value(&g.probe[0], &st[0], 4001, &v));

    /* A failing run hides the old value at once. */
    put_file("queue", "twelve\n");
    agent_probes_poll(&g, tmpdir, NULL, 2000, st);
    ck_assert(!agent_probe_value(&g.probe[0], &st[0], 2000, &v));
    ck_assert_str_eq(st[0].err, "output is not one unsigned number");
    put_file("queue", "9\n");
    agent_probes_poll(&g, tmpdir, NULL, 3000, st);
    ck_assert(agent_probe_value(&g.probe[0], &st[0], 3000, &v));
    ck_assert_int_eq(v, 9000);
    remove_tree();
}
END_TEST

/* --- the exchange ------------------------------------------------------------- */

static void output_two(struct agent_ctl_output *o)
{
    memset(o, 0, sizeof(*o));
    o->present[AGENT_RES_CPU] = true;
    o->nlevels[AGENT_RES_CPU] = 2;
    o->level[AGENT_RES_CPU][0] = PLM_UNITS(50);
    o->level[AGENT_RES_CPU][1] = 120500;
    o->present[AGENT_RES_MEM] = true;
    o->nlevels[AGENT_RES_MEM] = 1;
    o->level[AGENT_RES_MEM][0] = PLM_UNITS(768);
}

START_TEST(exchange_publish)
{
    struct mem_store m;
    struct agent_ctl_output o;
    struct proto_request r;
    char text[PROTO_REQUEST_ENCODED_MAX + 1];

    mem_init(&m);
    output_two(&o);
    ck_assert_int_eq(agent_request_build(&o, 41, &r), 0);
    ck_assert_int_eq(agent_publish(&m.base, &r, text, sizeof(text)), 0);
    ck_assert_str_eq(text, "xenplm-request 1\nseq 41\ncpu pct 50 120.5\nmem mib 768\n");
    ck_assert_str_eq(mem_get(&m, PROTO_KEY_REQUEST), text);

    /* No resource: nothing to build. */
    memset(&o, 0, sizeof(o));
    ck_assert_int_eq(agent_request_build(&o, 42, &r), PLM_EINVAL);
    /* A refused write is reported. */
    output_two(&o);
    ck_assert_int_eq(agent_request_build(&o, 42, &r), 0);
    m.fail_write = PLM_EIO;
    ck_assert_int_eq(agent_publish(&m.base, &r, NULL, 0), PLM_EIO);
}
END_TEST

START_TEST(exchange_answers)
{
    struct mem_store m;
    struct agent_answer a;
    plm_amt_t mib = 0;

    mem_init(&m);
    agent_read_answer(&m.base, &a);
    ck_assert(!a.have_grant && !a.have_status && !a.have_seq);
    ck_assert_str_eq(a.bad, "");
    ck_assert_uint_eq(agent_next_seq(&m.base), 1);

    mem_put(&m, PROTO_KEY_GRANTED, "cpu 150 vcpus 2 mem 1024\n");
    mem_put(&m, PROTO_KEY_STATUS, "rejected: line 3: missing final newline\n");
    mem_put(&m, PROTO_KEY_SEQ, "9\n");
    agent_read_answer(&m.base, &a);
    ck_assert(a.have_grant && a.have_status && a.have_seq);
    ck_assert_int_eq(a.grant.cpu, PLM_UNITS(150));
    ck_assert_uint_eq(a.grant.vcpus, 2);
    ck_assert_int_eq(a.grant.mem, PLM_UNITS(1024));
    ck_assert(!a.ok);
    ck_assert_str_eq(a.reason, "line 3: missing final newline");
    ck_assert_uint_eq(a.seq, 9);
    ck_assert_uint_eq(agent_next_seq(&m.base), 10);

    /* A restarted agent continues past its own last request. */
    mem_put(&m, PROTO_KEY_REQUEST, "xenplm-request 1\nseq 25\ncpu pct 10\n");
    ck_assert_uint_eq(agent_next_seq(&m.base), 26);

    /* Answers that do not decode are ignored, and the first one is named. */
    mem_put(&m, PROTO_KEY_GRANTED, "cpu lots\n");
    mem_put(&m, PROTO_KEY_SEQ, "9");
    agent_read_answer(&m.base, &a);
    ck_assert(!a.have_grant && a.have_status && !a.have_seq);
    ck_assert_ptr_nonnull(strstr(a.bad, "xenplm/granted: "));

    ck_assert_int_eq(agent_read_maxmem(&m.base, &mib), PLM_ENOENT);
    mem_put(&m, AGENT_KEY_MAXMEM, "2097152");
    ck_assert_int_eq(agent_read_maxmem(&m.base, &mib), 0);
    ck_assert_int_eq(mib, PLM_UNITS(2048));
    mem_put(&m, AGENT_KEY_MAXMEM, "1000");
    ck_assert_int_eq(agent_read_maxmem(&m.base, &mib), 0);
    ck_assert_int_eq(mib, 976); /* 1000 KiB = 0.976 MiB, rounded down */
    mem_put(&m, AGENT_KEY_MAXMEM, "-5");
    ck_assert_int_eq(agent_read_maxmem(&m.base, &mib), PLM_EGRAMMAR);
}
END_TEST

/* --- applying the grant ------------------------------------------------------ */

static void make_cpu(unsigned n, const char *online)
{
    char rel[512];

    snprintf(rel, sizeof(rel), "%s/sys/devices/system/cpu/cpu%u", tmpdir, n);
    ck_assert_int_eq(mkdir(rel, 0755) == 0 || errno == EEXIST, 1);
    if (online) {
        snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%u/online", n);
        put_file(rel, online);
    }
}

static char *cpu_online(unsigned n)
{
    static char buf[8];
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/cpu%u/online", tmpdir, n);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
    fclose(f);
    return buf;
}

START_TEST(vcpus_online)
{
    char path[512], err[256];
    struct agent_vcpus_result n;

    make_tmpdir();
    snprintf(path, sizeof(path), "mkdir -p '%s/sys/devices/system/cpu'", tmpdir);
    ck_assert_int_eq(system(path), 0);
    make_cpu(0, NULL);  /* cpu0: no online file */
    make_cpu(1, "1\n"); /* already online */
    make_cpu(2, "0\n"); /* hot-plugged, offline */
    make_cpu(3, "0\n"); /* beyond the grant */

    ck_assert_int_eq(agent_vcpus_online(tmpdir, 3, &n, err, sizeof(err)), 0);
    ck_assert_uint_eq(n.onlined, 1);
    ck_assert_str_eq(cpu_online(1), "1\n");
    ck_assert_str_eq(cpu_online(2), "1\n");
    ck_assert_str_eq(cpu_online(3), "0\n"); /* never more than granted */

    /* Nothing left to do; a vcpu not present yet is skipped. */
    ck_assert_int_eq(agent_vcpus_online(tmpdir, 6, &n, err, sizeof(err)), 0);
    ck_assert_uint_eq(n.onlined, 1);
    ck_assert_str_eq(cpu_online(3), "1\n");
    ck_assert_int_eq(agent_vcpus_online(tmpdir, 6, &n, err, sizeof(err)), 0);
    ck_assert_uint_eq(n.onlined, 0);
    ck_assert_uint_eq(n.pending, 0);
    remove_tree();
}
END_TEST

/*
 * The agent asks no more than the guest can hold, whatever its /proc
 * says: the vcpus the toolstack lists in xenstore (cpu/N/availability)
 * and memory/static-max bound a guest claiming 512 vcpus and 16 TiB.
 */
START_TEST(asks_no_more_than_the_guest_can_hold)
{
    static struct agent a;
    struct mem_store m;
    struct agent_goals g;
    struct agent_metrics met;
    struct tm now;

    mem_init(&m);
    mem_put(&m, "memory/static-max", "1048576"); /* 1 GiB */
    mem_put(&m, "cpu/0/availability", "online");
    mem_put(&m, "cpu/1/availability", "offline");

    agent_goals_init(&g);
    g.ngoals = 2;
    snprintf(g.goal[0].name, sizeof(g.goal[0].name), "cpu");
    g.goal[0].priority = 1;
    g.goal[0].res = AGENT_RES_CPU;
    g.goal[0].metric = AGENT_M_CPU_UTIL;
    g.goal[0].dir = AGENT_AT_MOST;
    g.goal[0].target = PLM_UNITS(50);
    g.goal[0].max = -1;
    snprintf(g.goal[1].name, sizeof(g.goal[1].name), "mem");
    g.goal[1].priority = 1;
    g.goal[1].res = AGENT_RES_MEM;
    g.goal[1].metric = AGENT_M_MEM_AVAILABLE;
    g.goal[1].dir = AGENT_AT_LEAST;
    g.goal[1].target = PLM_UNITS(512);
    g.goal[1].max = -1;

    /* What agent_metrics_derive makes of a tree claiming 65536 CPUs, all
     * busy, and a MemTotal of 2^64 - 1 KiB with little available. */
    memset(&met, 0, sizeof(met));
    met.interval_ms = 1000;
    met.vcpus_online = 512;
    met.vcpus_max = 512;
    met.cpu_used = PLM_UNITS(51200);
    met.cpu_util = PLM_UNITS(100);
    met.mem_total = PLM_UNITS(16777216);
    met.mem_available = PLM_UNITS(100);
    met.mem_used = PLM_UNITS(16777116);
    memset(&now, 0, sizeof(now));

    agent_init(&a, &g, &m.base, "/", false);
    a.apply = false;
    ck_assert_int_eq(agent_period(&a, &met, &now, 1000), 1);
    ck_assert(a.out.present[AGENT_RES_CPU] && a.out.present[AGENT_RES_MEM]);
    ck_assert_int_eq(a.out.level[AGENT_RES_CPU][0], PLM_UNITS(200));
    ck_assert_int_eq(a.out.level[AGENT_RES_MEM][0], PLM_UNITS(1024));
    ck_assert_str_eq(mem_get(&m, "data/xenplm/request"),
                     "xenplm-request 1\nseq 1\ncpu pct 200\nmem mib 1024\n");

    /* Without static-max, only the absolute bound: what it holds is no
     * limit, its balloon may grow past it (4096 held, 3996 used, 512 to
     * keep available: 4508). */
    mem_init(&m);
    agent_init(&a, &g, &m.base, "/", false);
    a.apply = false;
    met.mem_total = PLM_UNITS(4096);
    met.mem_used = PLM_UNITS(3996);
    ck_assert_int_eq(agent_period(&a, &met, &now, 1000), 1);
    ck_assert_int_eq(a.out.level[AGENT_RES_MEM][0], PLM_UNITS(4508));
    ck_assert_int_eq(a.in.ceiling[AGENT_RES_MEM], PLM_UNITS(AGENT_MAX_MEM_KIB / 1024));
    /* and without the vcpus listed, AGENT_MAX_VCPUS: never 65536. */
    ck_assert_int_eq(a.in.ceiling[AGENT_RES_CPU], PLM_UNITS(51200));
    {
        unsigned n = 0;
        plm_amt_t mib = 0;

        ck_assert_int_eq(agent_read_maxvcpus(&m.base, 8, &n), PLM_ENOENT);
        for (unsigned i = 0; i < 3; i++) {
            char key[32];
            snprintf(key, sizeof(key), "cpu/%u/availability", i);
            mem_put(&m, key, "online");
        }
        ck_assert_int_eq(agent_read_maxvcpus(&m.base, 512, &n), 0);
        ck_assert_uint_eq(n, 3);
        ck_assert_int_eq(agent_read_maxvcpus(&m.base, 2, &n), 0);
        ck_assert_uint_eq(n, 2);
        /* A static-max past 16 TiB counts as 16 TiB. */
        mem_put(&m, "memory/static-max", "40000000000");
        ck_assert_int_eq(agent_read_maxmem(&m.base, &mib), 0);
        ck_assert_int_eq(mib, PLM_UNITS(16777216));
    }
}
END_TEST

/*
 * A cpu goal with boost=5s: the period that finds it missed writes the
 * boost (all the guest's CPU, 200, the request's seq) before the
 * request, whose CPU list has one more level asking it; while it stays
 * missed no new boost is asked, and the extra level goes once the 5 s
 * are over; met, then missed again, another one with the new request's
 * seq.  A goal without boost= never writes one.
 */
START_TEST(boost_on_miss)
{
    static struct agent a;
    struct mem_store m;
    struct agent_goals g;
    struct agent_metrics met;
    struct tm now;

    mem_init(&m);
    mem_put(&m, "memory/static-max", "1048576");
    mem_put(&m, "cpu/0/availability", "online");
    mem_put(&m, "cpu/1/availability", "online");
    agent_goals_init(&g);
    g.ngoals = 1;
    snprintf(g.goal[0].name, sizeof(g.goal[0].name), "rt");
    g.goal[0].priority = 1;
    g.goal[0].res = AGENT_RES_CPU;
    g.goal[0].metric = AGENT_M_CPU_UTIL;
    g.goal[0].dir = AGENT_AT_MOST;
    g.goal[0].target = PLM_UNITS(50);
    g.goal[0].max = -1;
    g.goal[0].boost_ms = 5000;
    memset(&met, 0, sizeof(met));
    met.interval_ms = 1000;
    met.vcpus_online = 1;
    met.vcpus_max = 2;
    met.cpu_used = PLM_UNITS(100);
    met.cpu_util = PLM_UNITS(100);
    met.mem_total = PLM_UNITS(1024);
    met.mem_available = PLM_UNITS(512);
    met.mem_used = PLM_UNITS(512);
    memset(&now, 0, sizeof(now));

    agent_init(&a, &g, &m.base, "/", false);
    a.apply = false;
    ck_assert_int_eq(agent_period(&a, &met, &now, 1000), 1);
    ck_assert(a.boost_due);
    ck_assert_str_eq(mem_get(&m, PROTO_KEY_BOOST),
                     "xenplm-boost 1\nseq 1\ncpu pct 200\nfor ms 5000\n");
    ck_assert_uint_eq(a.out.nlevels[AGENT_RES_CPU], 2);
    ck_assert_int_eq(a.out.level[AGENT_RES_CPU][1], PLM_UNITS(200));
    ck_assert_ptr_nonnull(strstr(mem_get(&m, PROTO_KEY_REQUEST), "seq 1\ncpu pct "));
    ck_assert_ptr_nonnull(strstr(mem_get(&m, PROTO_KEY_REQUEST), " 200\n"));

    /* Still missed: no new boost, and the extra level is gone at 6 s. */
    agent_period(&a, &met, &now, 6000);
    ck_assert(!a.boost_due);
    ck_assert_uint_eq(a.out.nlevels[AGENT_RES_CPU], 1);
    ck_assert_ptr_nonnull(strstr(mem_get(&m, PROTO_KEY_BOOST), "seq 1\n"));

    /* Met (well under its target) for a while, then missed again. */
    met.cpu_used = PLM_UNITS(5);
    met.cpu_util = PLM_UNITS(5);
    for (uint64_t t = 11000; t < 60000; t += 5000)
        agent_period(&a, &met, &now, t);
    ck_assert(a.boost_st.last[0] != AGENT_GOAL_MISSED);
    met.cpu_used = PLM_UNITS(100);
    met.cpu_util = PLM_UNITS(100);
    ck_assert_int_eq(agent_period(&a, &met, &now, 65000), 1);
    ck_assert(a.boost_due);
    char seq[32];
    snprintf(seq, sizeof(seq), "seq %llu\n", (unsigned long long)a.request.seq);
    ck_assert_uint_gt(a.request.seq, 1);
    ck_assert_ptr_nonnull(strstr(mem_get(&m, PROTO_KEY_BOOST), seq));
    ck_assert_ptr_nonnull(strstr(mem_get(&m, PROTO_KEY_REQUEST), seq));

    /* Without boost=: no boost key at all. */
    mem_init(&m);
    mem_put(&m, "memory/static-max", "1048576");
    g.goal[0].boost_ms = 0;
    agent_init(&a, &g, &m.base, "/", false);
    a.apply = false;
    ck_assert_int_eq(agent_period(&a, &met, &now, 1000), 1);
    ck_assert(!a.boost_due);
    ck_assert_int_lt(mem_find(&m, PROTO_KEY_BOOST), 0);
}
END_TEST

/* A kernel still plugging cpu1 answers ENODEV; cpu2's write is refused. */
static int write_plugging(const char *path)
{
    if (strstr(path, "/cpu1/"))
        return ENODEV;
    if (strstr(path, "/cpu2/"))
        return EACCES;
    return 0;
}

/* The rig saw "cpu1/online: No such device" while the hot-plug was still
 * arriving in the guest: that vcpu is pending, not a failure; a refusal
 * still is one. */
START_TEST(vcpus_not_plugged_yet)
{
    char path[512], err[256] = "";
    struct agent_vcpus_result r;

    make_tmpdir();
    snprintf(path, sizeof(path), "mkdir -p '%s/sys/devices/system/cpu'", tmpdir);
    ck_assert_int_eq(system(path), 0);
    make_cpu(1, "0\n");
    make_cpu(2, "0\n");
    make_cpu(3, "0\n");

    ck_assert_int_eq(agent_vcpus_online_with(tmpdir, 2, write_plugging, &r, err, sizeof(err)), 0);
    ck_assert_uint_eq(r.pending, 1);
    ck_assert_uint_eq(r.onlined, 0);
    ck_assert_str_eq(err, "");

    ck_assert_int_eq(agent_vcpus_online_with(tmpdir, 4, write_plugging, &r, err, sizeof(err)),
                     PLM_EIO);
    ck_assert_uint_eq(r.pending, 1);
    ck_assert_uint_eq(r.onlined, 1);
    ck_assert_ptr_nonnull(strstr(err, "/cpu2/online: Permission denied"));

    ck_assert(agent_vcpu_not_plugged_yet(ENODEV));
    ck_assert(agent_vcpu_not_plugged_yet(ENOENT));
    ck_assert(!agent_vcpu_not_plugged_yet(EINVAL));
    ck_assert(!agent_vcpu_not_plugged_yet(EACCES));
    remove_tree();
}
END_TEST

static void add_goal(struct agent_goals *g, struct agent_ctl_output *o, const char *workload,
                     unsigned prio, enum agent_resource res, long need)
{
    unsigned i = g->ngoals++;

    snprintf(g->goal[i].name, sizeof(g->goal[i].name), "g%u", i);
    snprintf(g->goal[i].workload, sizeof(g->goal[i].workload), "%s", workload);
    g->goal[i].priority = prio;
    g->goal[i].res = res;
    o->state[i] = AGENT_GOAL_MET;
    o->need[i] = PLM_UNITS(need);
}

START_TEST(shares_by_priority)
{
    struct agent_goals g;
    struct agent_ctl_output o;
    struct agent_share sh[AGENT_MAX_GOALS];
    plm_amt_t granted[AGENT_NRES] = {PLM_UNITS(150), PLM_UNITS(1024)};
    int n;

    memset(&g, 0, sizeof(g));
    memset(&o, 0, sizeof(o));
    /* The database's priority-1 goal needs 100, the web server's priority-2
     * goal 80 and the batch job's priority-3 goal 60: 150 covers the first
     * and leaves 50 for the second; the third gets nothing. */
    add_goal(&g, &o, "db.slice", 1, AGENT_RES_CPU, 100);
    add_goal(&g, &o, "web.slice", 2, AGENT_RES_CPU, 80);
    add_goal(&g, &o, "batch.slice", 3, AGENT_RES_CPU, 60);
    add_goal(&g, &o, "", 1, AGENT_RES_CPU, 500);         /* whole guest: not a workload */
    add_goal(&g, &o, "db.slice", 2, AGENT_RES_MEM, 700); /* memory for the database */
    n = agent_shares(&g, &o, granted, sh, AGENT_MAX_GOALS);
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(sh[0].workload, "db.slice");
    ck_assert_int_eq(sh[0].amount[AGENT_RES_CPU], PLM_UNITS(100));
    ck_assert(sh[0].has[AGENT_RES_CPU] && sh[0].has[AGENT_RES_MEM]);
    ck_assert_int_eq(sh[0].amount[AGENT_RES_MEM], PLM_UNITS(700));
    ck_assert_str_eq(sh[1].workload, "web.slice");
    ck_assert_int_eq(sh[1].amount[AGENT_RES_CPU], PLM_UNITS(50));
    ck_assert(!sh[1].has[AGENT_RES_MEM]);
    ck_assert_str_eq(sh[2].workload, "batch.slice");
    ck_assert_int_eq(sh[2].amount[AGENT_RES_CPU], 0);

    /* Two equal priority-1 workloads short of CPU share it evenly. */
    memset(&g, 0, sizeof(g));
    memset(&o, 0, sizeof(o));
    add_goal(&g, &o, "a", 1, AGENT_RES_CPU, 120);
    add_goal(&g, &o, "b", 1, AGENT_RES_CPU, 120);
    n = agent_shares(&g, &o, granted, sh, AGENT_MAX_GOALS);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(sh[0].amount[AGENT_RES_CPU], PLM_UNITS(75));
    ck_assert_int_eq(sh[1].amount[AGENT_RES_CPU], PLM_UNITS(75));

    /* Inactive goals take no share. */
    o.state[1] = AGENT_GOAL_INACTIVE;
    n = agent_shares(&g, &o, granted, sh, AGENT_MAX_GOALS);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(sh[0].amount[AGENT_RES_CPU], PLM_UNITS(120));
}
END_TEST

START_TEST(shares_written_to_cgroups)
{
    struct agent_share sh[2];
    char path[1024], err[256];
    FILE *f;
    char buf[64];

    make_tmpdir();
    snprintf(path, sizeof(path),
             "mkdir -p '%s/sys/fs/cgroup/db.slice' '%s/sys/fs/cgroup/web.slice'", tmpdir, tmpdir);
    ck_assert_int_eq(system(path), 0);
    put_file("sys/fs/cgroup/db.slice/cpu.weight", "100\n");
    put_file("sys/fs/cgroup/db.slice/memory.high", "max\n");
    put_file("sys/fs/cgroup/web.slice/cpu.weight", "100\n");
    memset(sh, 0, sizeof(sh));
    sh[0].workload = "db.slice";
    sh[0].has[AGENT_RES_CPU] = sh[0].has[AGENT_RES_MEM] = true;
    sh[0].amount[AGENT_RES_CPU] = PLM_UNITS(100);
    sh[0].amount[AGENT_RES_MEM] = PLM_UNITS(700);
    sh[1].workload = "web.slice";
    sh[1].has[AGENT_RES_CPU] = true;
    sh[1].amount[AGENT_RES_CPU] = 0; /* nothing left: the smallest weight */
    ck_assert_int_eq(agent_shares_apply(tmpdir, sh, 2, err, sizeof(err)), 0);

    snprintf(path, sizeof(path), "%s/sys/fs/cgroup/db.slice/memory.high", tmpdir);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
    fclose(f);
    ck_assert_str_eq(buf, "734003200\n");
    snprintf(path, sizeof(path), "%s/sys/fs/cgroup/web.slice/cpu.weight", tmpdir);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
    fclose(f);
    ck_assert_str_eq(buf, "1\n");

    /* A workload whose cgroup does not exist is reported by path. */
    sh[1].workload = "gone.slice";
    ck_assert_int_eq(agent_shares_apply(tmpdir, sh, 2, err, sizeof(err)), PLM_EIO);
    ck_assert_ptr_nonnull(strstr(err, "gone.slice/cpu.weight: No such file or directory"));
    remove_tree();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("agent");
    TCase *tc = tcase_create("edges");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, probe_parse);
    tcase_add_test(tc, probe_commands);
    tcase_add_loop_test(tc, probe_deadline_and_stop, 0, 2);
    tcase_add_test(tc, probe_containment);
    tcase_add_test(tc, probe_file_and_staleness);
    tcase_add_test(tc, exchange_publish);
    tcase_add_test(tc, exchange_answers);
    tcase_add_test(tc, vcpus_online);
    tcase_add_test(tc, vcpus_not_plugged_yet);
    tcase_add_test(tc, asks_no_more_than_the_guest_can_hold);
    tcase_add_test(tc, boost_on_miss);
    tcase_add_test(tc, shares_by_priority);
    tcase_add_test(tc, shares_written_to_cgroups);
    suite_add_tcase(s, tc);
    return check_run(s);
}
