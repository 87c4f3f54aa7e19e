/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The harness of the tests that run xenplmd on the simulated host
 * (daemon_test.h): every test runs the very loop xenplmd runs, step by
 * step, and every step is followed by the invariant checks of dt_check.
 *
 * The daemon logs only warnings and worse, to stderr, and the simulator's
 * own messages are dropped: tests assert on state, not on log lines.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "core/error.h"
#include "daemon_test.h"
#include "policy/policy.h"
#include "protocol/grant.h"

static const char *top_srcdir(void)
{
    const char *top = getenv("top_srcdir");
    return top && *top ? top : ".";
}

static void copy_file(const char *from, const char *to)
{
    char buf[8192];
    size_t n;
    FILE *in = fopen(from, "rb");
    ck_assert_msg(in != NULL, "cannot open %s: %s", from, strerror(errno));
    FILE *out = fopen(to, "wb");
    ck_assert_msg(out != NULL, "cannot create %s: %s", to, strerror(errno));
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    ck_assert_int_eq(fclose(out), 0);
}

void dt_install_policy(struct dt *t, const char *file)
{
    char from[512];
    snprintf(from, sizeof(from), "%s/tests/daemon/%s", top_srcdir(), file);
    copy_file(from, t->policy);
}

void dt_write_policy(struct dt *t, const char *text)
{
    FILE *out = fopen(t->policy, "wb");
    ck_assert_ptr_nonnull(out);
    fputs(text, out);
    ck_assert_int_eq(fclose(out), 0);
}

/*
 * One temporary directory per test case, made and removed by the parent
 * (an unchecked fixture): a test that fails in fork mode leaves its child
 * at once, so only the parent can be trusted to clean up.  The tests of a
 * case run one after the other and share it.
 */
static char case_dir[256];

void dt_fixture_setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(case_dir, sizeof(case_dir), "%s/check_daemon.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(case_dir)) {
        perror("check_daemon: mkdtemp");
        exit(EXIT_FAILURE);
    }
}

void dt_fixture_teardown(void)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/policy.xml", case_dir);
    unlink(path);
    rmdir(case_dir);
}

static uint64_t headroom_kib(const struct dmn *d)
{
    return (uint64_t)(d->st.policy.host.share[POL_MEMORY].pool.headroom / PLM_SCALE) * MIB;
}

static void start(struct dt *t)
{
    ck_assert_int_eq(dmn_init(&t->d, &t->opt, t->p), 0);
    t->up = true;
    t->headroom_kib = headroom_kib(&t->d);
}

void dt_open(struct dt *t, const char *policy_file, const char *scenario)
{
    dt_open_ex(t, policy_file, scenario, 0, false);
}

void dt_open_ex(struct dt *t, const char *policy_file, const char *scenario, double speed,
                bool control)
{
    char err[256];

    memset(t, 0, sizeof(*t));
    if (control) {
        snprintf(t->socket, sizeof(t->socket), "%s/control", case_dir);
        t->opt.socket_path = t->socket;
    }
    snprintf(t->policy, sizeof(t->policy), "%s/policy.xml", case_dir);
    snprintf(t->schema, sizeof(t->schema), "%s/policies/xenplm-policy.xsd", top_srcdir());
    dt_install_policy(t, policy_file);
    ck_assert_msg(port_sim_open_text("test.scn", scenario, speed, &t->p, err, sizeof(err)) == 0,
                  "scenario: %s", err);
    port_sim_set_log(t->p, NULL, NULL);
    t->opt.policy_path = t->policy;
    t->opt.schema_path = t->schema;
    /* DT_VERBOSE=1: the daemon's allocation tables and info log, to debug. */
    t->opt.print_table = getenv("DT_VERBOSE") != NULL;
    if (t->opt.print_table)
        log_set_priority(LOG_DEBUG);
    start(t);
    dt_check(t);
}

void dt_restart(struct dt *t)
{
    dmn_fini(&t->d);
    t->up = false;
    start(t);
    dt_check(t);
}

void dt_close(struct dt *t)
{
    if (t->up)
        dmn_fini(&t->d);
    t->up = false;
    if (t->p)
        port_destroy(t->p);
    t->p = NULL;
    unlink(t->policy);
}

uint64_t dt_now(struct dt *t)
{
    return port_now_ms(t->p);
}

struct port_sim_stats dt_stats(struct dt *t)
{
    struct port_sim_stats st;
    ck_assert_int_eq(port_sim_stats(t->p, &st), 0);
    return st;
}

struct port_sim_domain dt_sim(struct dt *t, const char *name)
{
    struct port_sim_domain sd;
    ck_assert_msg(port_sim_domain_by_name(t->p, name, &sd) == 0, "no domain %s", name);
    return sd;
}

uint32_t dt_id(struct dt *t, const char *name)
{
    return dt_sim(t, name).info.domid;
}

bool dt_known(struct dt *t, const char *name)
{
    struct port_sim_domain sd;
    return port_sim_domain_by_name(t->p, name, &sd) == 0 && dmn_find(&t->d.st, sd.info.domid);
}

struct dmn_domain *dt_dom(struct dt *t, const char *name)
{
    struct dmn_domain *dom = dmn_find(&t->d.st, dt_id(t, name));
    ck_assert_msg(dom != NULL, "the daemon does not know %s", name);
    return dom;
}

long dt_alloc(struct dt *t, const char *name, int res)
{
    return (long)(dt_dom(t, name)->eng.granted[res] / PLM_SCALE);
}

/* "L1,L2,..." in whole units into levels. */
static void parse_levels(const char *text, struct proto_levels *lv)
{
    const char *s = text;
    char *end;

    lv->nlevels = 0;
    while (*s) {
        long v = strtol(s, &end, 10);
        ck_assert_msg(end != s && v >= 0 && lv->nlevels < PLM_MAX_LEVELS, "levels '%s'", text);
        lv->level[lv->nlevels++] = PLM_UNITS(v);
        s = *end == ',' ? end + 1 : end;
        ck_assert_msg(*end == ',' || *end == '\0', "levels '%s'", text);
    }
}

void dt_request(struct dt *t, const char *name, const char *cpu, const char *mem)
{
    struct proto_request r;

    memset(&r, 0, sizeof(r));
    if (cpu) {
        r.flags |= PROTO_REQ_HAS(PROTO_RES_CPU);
        parse_levels(cpu, &r.res[PROTO_RES_CPU]);
    }
    if (mem) {
        r.flags |= PROTO_REQ_HAS(PROTO_RES_MEM);
        parse_levels(mem, &r.res[PROTO_RES_MEM]);
    }
    ck_assert_int_eq(port_sim_guest_request(t->p, dt_id(t, name), &r), 0);
}

int dt_guest_read(struct dt *t, const char *name, const char *key, char *buf, size_t cap)
{
    char path[64];
    size_t len = 0;

    snprintf(path, sizeof(path), "xenplm/%s", key);
    int rc = port_sim_guest_read(t->p, dt_id(t, name), path, buf, cap - 1, &len);
    buf[rc == 0 ? len : 0] = '\0';
    return rc;
}

void dt_granted(struct dt *t, const char *name, plm_amt_t *cpu, unsigned *vcpus, plm_amt_t *mem)
{
    char buf[PROTO_GRANT_ENCODED_MAX + 1];
    struct proto_grant g;

    ck_assert_int_eq(dt_guest_read(t, name, "granted", buf, sizeof(buf)), 0);
    ck_assert_msg(proto_grant_decode(buf, strlen(buf), &g, NULL) == 0, "granted '%s'", buf);
    *cpu = g.cpu;
    *vcpus = g.vcpus;
    *mem = g.mem;
}

/* The memory floor the daemon must respect: the rule's min, at least the
 * host's minimal allotment, as the policy defines it. */
static uint64_t floor_kib(const struct dmn *d, const struct dmn_domain *dom)
{
    plm_amt_t min = dom->rule->min[POL_MEMORY];
    plm_amt_t minimal = d->st.policy.host.share[POL_MEMORY].minimal;
    return (uint64_t)((min > minimal ? min : minimal) / PLM_SCALE) * MIB;
}

void dt_check(struct dt *t)
{
    const struct dmn_state *s = &t->d.st;
    struct port_sim_stats st = dt_stats(t);
    plm_amt_t sum[DMN_NRES] = {0};

    /* The host refuses a target above maxmem, or for a domain on its way
     * out: the daemon must never ask for either. */
    ck_assert_msg(st.op[PORT_SIM_OP_MEM_TARGET_SET].failures ==
                      st.op[PORT_SIM_OP_MEM_TARGET_SET].injected,
                  "t=%llums: the host refused %llu memory targets", (unsigned long long)st.now_ms,
                  (unsigned long long)(st.op[PORT_SIM_OP_MEM_TARGET_SET].failures -
                                       st.op[PORT_SIM_OP_MEM_TARGET_SET].injected));
    ck_assert_msg(st.min_free_kib >= t->headroom_kib,
                  "step %llu (t=%llums): free memory fell to %llu KiB, below the %llu KiB "
                  "headroom",
                  (unsigned long long)t->steps, (unsigned long long)st.now_ms,
                  (unsigned long long)st.min_free_kib, (unsigned long long)t->headroom_kib);
    for (size_t i = 0; i < s->ndom; i++) {
        const struct dmn_domain *dom = &s->dom[i];
        struct port_sim_domain sd;

        for (int r = 0; r < DMN_NRES; r++) {
            ck_assert_msg(dom->eng.granted[r] <= dom->rule->max[r],
                          "t=%llums: domain %u holds %lld of resource %d, above its max %lld",
                          (unsigned long long)st.now_ms, dom->info.domid,
                          (long long)dom->eng.granted[r], r, (long long)dom->rule->max[r]);
            if (dmn_managed(dom))
                sum[r] += dom->eng.granted[r];
        }
        if (port_sim_domain_by_id(t->p, dom->info.domid, &sd) != 0 || sd.mem_calls == 0 ||
            sd.state != PORT_SIM_RUNNING)
            continue;
        /* A floor above maxmem cannot be honoured: maxmem wins, as in the mover. */
        uint64_t floor = floor_kib(&t->d, dom);
        if (floor > sd.info.mem_max_kib)
            floor = sd.info.mem_max_kib;
        ck_assert_msg(sd.info.mem_target_kib >= floor,
                      "t=%llums: domain %u target %llu KiB below its floor %llu KiB",
                      (unsigned long long)st.now_ms, dom->info.domid,
                      (unsigned long long)sd.info.mem_target_kib, (unsigned long long)floor);
        ck_assert_msg(sd.info.mem_target_kib <= sd.info.mem_max_kib,
                      "t=%llums: domain %u target %llu KiB above its maxmem %llu KiB",
                      (unsigned long long)st.now_ms, dom->info.domid,
                      (unsigned long long)sd.info.mem_target_kib,
                      (unsigned long long)sd.info.mem_max_kib);
    }
    for (int r = 0; r < DMN_NRES; r++)
        ck_assert_msg(
            sum[r] <= s->eng.pool[r], "t=%llums: resource %d: %lld allocated out of a pool of %lld",
            (unsigned long long)st.now_ms, r, (long long)sum[r], (long long)s->eng.pool[r]);
}

int dt_step(struct dt *t)
{
    int rc = dmn_step(&t->d);
    t->steps++;
    dt_check(t);
    if (t->observe)
        t->observe(t, t->observe_ctx);
    return rc;
}

void dt_run_until(struct dt *t, uint64_t ms)
{
    for (unsigned n = 0; dt_now(t) < ms; n++) {
        ck_assert_msg(n < DT_MAX_STEPS, "the daemon took %u steps without reaching t=%llums", n,
                      (unsigned long long)ms);
        if (dt_step(t))
            return;
    }
}

void dt_run_for(struct dt *t, uint64_t ms)
{
    dt_run_until(t, dt_now(t) + ms);
}

void dt_run_exactly(struct dt *t, uint64_t ms)
{
    uint64_t until = dt_now(t) + ms;

    port_sim_wake_at(t->p, until);
    dt_run_until(t, until);
    ck_assert_uint_eq(dt_now(t), until);
}

void dt_cap_start(struct dt_logcap *c)
{
    fflush(stderr);
    c->f = tmpfile();
    ck_assert_ptr_nonnull(c->f);
    c->saved = dup(STDERR_FILENO);
    ck_assert_int_ge(c->saved, 0);
    ck_assert_int_ge(dup2(fileno(c->f), STDERR_FILENO), 0);
}

void dt_cap_end(struct dt_logcap *c)
{
    fflush(stderr);
    ck_assert_int_ge(dup2(c->saved, STDERR_FILENO), 0);
    close(c->saved);
}

unsigned dt_cap_count(struct dt_logcap *c, const char *needle)
{
    char line[1024];
    unsigned n = 0;

    rewind(c->f);
    while (fgets(line, sizeof(line), c->f))
        if (strstr(line, needle))
            n++;
    return n;
}

unsigned dt_cap_stop(struct dt_logcap *c, const char *needle)
{
    dt_cap_end(c);
    unsigned n = dt_cap_count(c, needle);
    fclose(c->f);
    return n;
}
