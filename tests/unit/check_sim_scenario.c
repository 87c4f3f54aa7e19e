/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Scenario files: every broken file in tests/sim fails with exactly the
 * message in its .err file, files that cannot be read say why, and a
 * scenario using every statement and action plays each one as
 * xenplm-sim(5) says, the guest writing through xenstore's checks.
 */
#include "config.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_test.h"
#include "core/error.h"

#define CORPUS "tests/sim"

/* The first line of a file, without its newline. */
static void first_line(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");

    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_ptr_nonnull(fgets(buf, (int)size, f));
    buf[strcspn(buf, "\n")] = '\0';
    fclose(f);
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Call fn on every CORPUS file whose name starts with prefix and ends in suffix. */
static int each_file(const char *prefix, const char *suffix, void (*fn)(const char *path))
{
    DIR *dir = opendir(CORPUS);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(dir);
    while ((e = readdir(dir)) != NULL) {
        char path[512];
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || !has_suffix(e->d_name, suffix))
            continue;
        snprintf(path, sizeof(path), CORPUS "/%s", e->d_name);
        fn(path);
        n++;
    }
    closedir(dir);
    return n;
}

static void check_bad(const char *path)
{
    struct port_sim_options opt = {path, 0};
    struct port *p = NULL;
    char err[512], want[512], errfile[512];

    snprintf(errfile, sizeof(errfile), "%.*s.err", (int)(strlen(path) - 4), path);
    first_line(errfile, want, sizeof(want));
    ck_assert_msg(port_sim_open(&opt, &p, err, sizeof(err)) == PLM_EGRAMMAR, "%s loaded", path);
    ck_assert_msg(strcmp(err, want) == 0, "%s:\n  got  %s\n  want %s", path, err, want);
    ck_assert_ptr_null(p);
}

START_TEST(test_corpus_bad_files)
{
    ck_assert_int_ge(each_file("bad-", ".scn", check_bad), 60);
}
END_TEST

static void check_has_scn(const char *path)
{
    char scn[512];

    snprintf(scn, sizeof(scn), "%.*s.scn", (int)(strlen(path) - 4), path);
    ck_assert_msg(access(scn, R_OK) == 0, "%s has no .scn", path);
}

START_TEST(test_corpus_every_err_has_a_file)
{
    ck_assert_int_ge(each_file("bad-", ".err", check_has_scn), 60);
}
END_TEST

static void check_good(const char *path)
{
    struct port_sim_options opt = {path, 0};
    struct port *p = NULL;
    char err[512];

    ck_assert_msg(port_sim_open(&opt, &p, err, sizeof(err)) == 0, "%s: %s", path, err);
    port_sim_set_log(p, NULL, NULL);
    ck_assert_str_eq(port_name(p), "sim");
    ck_assert_int_eq(port_sim_advance(p, 3600 * 1000), 0);
    port_destroy(p);
}

START_TEST(test_good_files)
{
    ck_assert_int_ge(each_file("ok-", ".scn", check_good), 2);
    check_good("examples/demo.scn");
}
END_TEST

START_TEST(test_unreadable)
{
    struct port_sim_options opt = {CORPUS "/no-such-file.scn", 0};
    struct port *p = NULL;
    char err[256], path[] = "/tmp/check_sim_XXXXXX";
    FILE *f;
    int fd;

    ck_assert_int_eq(port_sim_open(&opt, &p, err, sizeof(err)), PLM_EIO);
    ck_assert_str_eq(err, CORPUS "/no-such-file.scn: cannot read: No such file or directory");
    opt.scenario = CORPUS;
    ck_assert_int_eq(port_sim_open(&opt, &p, err, sizeof(err)), PLM_EIO);
    ck_assert_str_eq(err, CORPUS ": cannot read: Is a directory");
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    f = fdopen(fd, "w");
    for (int i = 0; i <= 1024 * 1024; i++)
        fputc('#', f);
    fclose(f);
    opt.scenario = path;
    ck_assert_int_eq(port_sim_open(&opt, &p, err, sizeof(err)), PLM_ERANGE);
    ck_assert_ptr_nonnull(strstr(err, ": too large (max 1048576 bytes)"));
    unlink(path);
    ck_assert_ptr_null(p);
}
END_TEST

/* realloc, counted while counting is on (the program links with
 * -Wl,--wrap=realloc). */
void *__real_realloc(void *ptr, size_t size);
void *__wrap_realloc(void *ptr, size_t size);
static unsigned long reallocs;
static int counting;

void *__wrap_realloc(void *ptr, size_t size)
{
    if (counting)
        reallocs++;
    return __real_realloc(ptr, size);
}

/*
 * A long scenario loads in linear time: its arrays grow geometrically, so
 * loading 40,000 events takes a few dozen reallocations, not one per
 * event (which made 70,000 events take minutes under a sanitizer).
 */
START_TEST(test_long_scenario_grows_geometrically)
{
    struct port_sim_options opt = {NULL, 0};
    struct port *p = NULL;
    char err[256], path[] = "/tmp/check_sim_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "host pcpus=2 memory=4096 dom0=512\n");
    for (int i = 0; i < 20; i++)
        fprintf(f, "domain d%d memory=64 maxmem=128\n", i);
    for (int i = 0; i < 40000; i++)
        fprintf(f, "at %dms d%d cpu %d\n", i, i % 20, i % 100);
    fprintf(f, "at 60m end\n");
    fclose(f);
    opt.scenario = path;
    reallocs = 0;
    counting = 1;
    int rc = port_sim_open(&opt, &p, err, sizeof(err));
    counting = 0;
    unlink(path);
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_msg(reallocs < 200, "%lu reallocations loading 40,020 lines", reallocs);
    port_destroy(p);
}
END_TEST

START_TEST(test_bad_options)
{
    struct port_sim_options opt = {CORPUS "/ok-timing.scn", -1};
    struct port *p = NULL;
    char err[128];

    ck_assert_int_eq(port_sim_open(&opt, &p, err, sizeof(err)), PLM_EINVAL);
    ck_assert_str_eq(err, "speed must be 0 or a positive number");
    opt.speed = NAN;
    ck_assert_int_eq(port_sim_open(&opt, &p, err, sizeof(err)), PLM_EINVAL);
    opt.speed = INFINITY;
    ck_assert_int_eq(port_sim_open(&opt, &p, err, sizeof(err)), PLM_EINVAL);
    ck_assert_int_eq(port_sim_open(NULL, &p, err, sizeof(err)), PLM_EINVAL);
    ck_assert_str_eq(err, "no scenario file");
    ck_assert_int_eq(port_sim_open_text("x", HOST, 0, &p, NULL, 0), 0);
    port_destroy(p);
    ck_assert_int_eq(port_sim_open_text("x", "oops\n", 0, &p, NULL, 0), PLM_EGRAMMAR);
    ck_assert_int_eq(port_sim_stats(NULL, NULL), PLM_EINVAL);
}
END_TEST

static struct port *everything(void)
{
    struct port_sim_options opt = {CORPUS "/ok-everything.scn", 0};
    struct port *p = NULL;
    char err[256];

    ck_assert_msg(port_sim_open(&opt, &p, err, sizeof(err)) == 0, "%s", err);
    port_sim_set_log(p, NULL, NULL);
    return p;
}

START_TEST(test_everything_plays)
{
    struct port *p = everything();
    struct port_sim_domain web, db;
    struct port_sim_stats st;
    struct port_host h;
    char buf[128];
    size_t len;

    ck_assert_int_eq(port_host_info(p, &h), 0);
    ck_assert_str_eq(h.sched, "credit2");
    ck_assert_uint_eq(h.pcpus, 8);
    web = sim_dom(p, "web");
    ck_assert_uint_eq(web.info.max_vcpus, 4);
    ck_assert_int_eq(web.weight, 512);
    ck_assert_int_eq(web.cap, 300);
    ck_assert_uint_eq(web.floor_kib, 256 * MIB);
    ck_assert_uint_eq(web.balloon_kib_s, 512 * MIB);
    ck_assert_uint_eq(web.cpu_demand, 50);
    ck_assert_uint_eq(sim_dom(p, "db").info.mem_actual_kib, 2048 * MIB);

    port_sim_advance(p, 0); /* the events at 0s */
    ck_assert_int_eq(sim_read(p, "/local/domain/1/data/xenplm/request", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "xenplm-request 1\nseq 1\ncpu pct 25 100.5\nmem mib 1024 2048\n");
    port_sim_advance(p, 1500);
    ck_assert_int_eq(port_xs_read(p, "/local/domain/1/data/raw", buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, 9);
    ck_assert_int_eq(memcmp(buf, "a\tb\\c\"d\0\n", 9), 0);
    port_sim_advance(p, 500);
    st = sim_stats(p);
    ck_assert_uint_eq(st.guest_denied, 1);
    ck_assert_uint_eq(st.guest_too_large, 1);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/memory/target", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "1048576");
    port_sim_advance(p, 1000);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/data/raw", buf, sizeof(buf)), PLM_ENOENT);
    port_sim_advance(p, 4000);
    web = sim_dom(p, "web");
    ck_assert_uint_eq(web.cpu_demand, 250);
    ck_assert(web.stuck);
    ck_assert_uint_eq(web.floor_kib, 900 * MIB);
    ck_assert_uint_eq(web.balloon_kib_s, 64 * MIB);
    port_sim_advance(p, 1000);
    db = sim_dom(p, "db");
    ck_assert_uint_eq(db.guest_seq, 200);
    ck_assert_int_eq(sim_read(p, "/local/domain/2/data/xenplm/request", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "xenplm-request 1\nseq 200\ncpu pct 0\n");
    port_sim_advance(p, 1000);
    ck_assert_int_eq(sim_dom(p, "web").state, PORT_SIM_DYING);
    port_sim_advance(p, 1000);
    web = sim_dom(p, "web");
    ck_assert_uint_eq(web.info.domid, 3);
    ck_assert_uint_eq(web.info.mem_actual_kib, 512 * MIB);
    port_sim_advance(p, 2000);
    st = sim_stats(p);
    ck_assert_uint_eq(st.creates_failed, 1);
    ck_assert_uint_eq(st.scenario_skipped, 1);
    ck_assert_int_eq(port_sim_domain_by_name(p, "huge", &db), PLM_ENOENT);
    ck_assert(!port_sim_finished(p));
    port_sim_advance(p, 1000);
    ck_assert_int_eq(sim_read(p, "/local/domain/0/name", buf, sizeof(buf)), PLM_EIO);
    ck_assert_int_eq(port_reconnect(p), 0);
    port_sim_advance(p, 1000);
    ck_assert_int_eq(port_sched_set(p, 3, 100, -1), PLM_EINVAL);
    ck_assert_int_eq(port_sched_set(p, 3, 100, -1), PLM_EINVAL);
    ck_assert_int_eq(port_sched_set(p, 3, 100, -1), 0);
    ck_assert_int_eq(sim_dom(p, "web").weight, 100);
    ck_assert_uint_eq(sim_dom(p, "web").sched_calls, 3);
    ck_assert_int_eq(port_host_info(p, &h), PLM_EIO);
    struct port_domain info;
    ck_assert_int_eq(port_domain_info(p, 2, &info), PLM_ENOMEM);
    ck_assert_int_eq(port_domain_info(p, 2, &info), 0);
    st = sim_stats(p);
    ck_assert_uint_eq(st.op[PORT_SIM_OP_SCHED_SET].injected, 2);
    ck_assert_uint_eq(st.op[PORT_SIM_OP_SCHED_SET].failures, 2);
    ck_assert_uint_eq(st.op[PORT_SIM_OP_HOST_INFO].injected, 1);
    port_sim_advance(p, 4999);
    ck_assert_int_eq(port_host_info(p, &h), PLM_EIO);
    port_sim_advance(p, 1);
    ck_assert_int_eq(port_host_info(p, &h), 0);
    ck_assert_uint_eq(sim_stats(p).op[PORT_SIM_OP_HOST_INFO].injected, 2);
    port_sim_advance(p, 60000);
    ck_assert(port_sim_finished(p));
    ck_assert_uint_eq(sim_stats(p).scenario_played, 19);
    port_destroy(p);
}
END_TEST

START_TEST(test_guest_request_api)
{
    struct port *p = sim_open(HOST "domain web memory=1024\n");
    struct proto_request r;
    char buf[128];

    memset(&r, 0, sizeof(r));
    r.seq = 77; /* ignored: the guest counts its own */
    r.flags = PROTO_REQ_HAS(PROTO_RES_MEM);
    r.res[PROTO_RES_MEM].nlevels = 2;
    r.res[PROTO_RES_MEM].level[0] = PLM_UNITS(512);
    r.res[PROTO_RES_MEM].level[1] = PLM_UNITS(768);
    ck_assert_int_eq(port_sim_guest_request(p, 1, &r), 0);
    ck_assert_int_eq(port_sim_guest_request(p, 1, &r), 0);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/data/xenplm/request", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "xenplm-request 1\nseq 2\nmem mib 512 768\n");
    r.res[PROTO_RES_MEM].level[1] = PLM_UNITS(100); /* decreasing: no agent writes that */
    ck_assert_int_eq(port_sim_guest_request(p, 1, &r), PLM_EINVAL);
    ck_assert_int_eq(port_sim_guest_request(p, 5, &r), PLM_ENOENT);
    ck_assert_int_eq(port_sim_guest_request(p, 1, NULL), PLM_EINVAL);
    ck_assert_uint_eq(sim_dom(p, "web").guest_seq, 2);
    port_destroy(p);
}
END_TEST

static int logged;

static void count_log(void *ctx, enum port_sim_log_level level, const char *msg)
{
    (void)ctx;
    ck_assert_ptr_nonnull(msg);
    logged += level == PORT_SIM_LOG_ERROR ? 1000 : 1;
}

START_TEST(test_log)
{
    struct port *p = sim_open(HOST "domain web memory=1024 maxmem=1024\n");

    logged = 0;
    ck_assert_int_eq(port_sim_set_log(p, count_log, NULL), 0);
    ck_assert_int_eq(sim_target(p, 1, 4096), PLM_EINVAL); /* an error, with the domain id */
    ck_assert_int_eq(logged, 1000);
    ck_assert_int_eq(port_sim_destroy_domain(p, 1), 0); /* info */
    ck_assert_int_eq(logged, 1001);
    ck_assert_int_eq(port_sim_set_log(NULL, count_log, NULL), PLM_EINVAL);
    port_destroy(p);
}
END_TEST

/* The workload's network and disk activity (net, disk), read as
 * libxenstat would: cumulative, for every domain, dom0 included; nothing
 * while paused; a dom-io fault fails the reading. */
START_TEST(test_io_counters)
{
    static const char scn[] = "host pcpus=4 memory=8192 dom0=1024\n"
                              "domain files memory=1024 maxmem=2048\n"
                              "domain idle memory=1024 maxmem=2048\n"
                              "at 1s files net 100\n"
                              "at 1s files disk 7\n"
                              "at 11s files pause\n"
                              "at 21s files unpause\n"
                              "at 25s fail dom-io 2\n";
    struct port *p = NULL;
    struct port_io io[4];
    size_t n = 0;

    ck_assert_int_eq(port_sim_open_text("io", scn, 0, &p, NULL, 0), 0);
    port_sim_set_log(p, NULL, NULL);
    port_sim_advance(p, 11000);
    ck_assert_int_eq(port_dom_io(p, io, 4, &n), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(io[0].domid, 0);
    ck_assert_uint_eq(io[1].net_bytes, 100 * 1024 * 10);
    ck_assert_uint_eq(io[1].disk_reqs, 70);
    ck_assert_uint_eq(io[2].net_bytes + io[2].disk_reqs, 0);
    /* Paused for 10 s: nothing moves. */
    port_sim_advance(p, 10000);
    ck_assert_int_eq(port_dom_io(p, io, 4, &n), 0);
    ck_assert_uint_eq(io[1].net_bytes, 100 * 1024 * 10);
    /* Too little room: the count, nothing written past it. */
    ck_assert_int_eq(port_dom_io(p, io, 1, &n), 0);
    ck_assert_uint_eq(n, 3);
    port_sim_advance(p, 4000);
    ck_assert_int_eq(port_dom_io(p, io, 4, &n), PLM_EIO);
    ck_assert_int_eq(port_dom_io(p, io, 4, &n), PLM_EIO);
    ck_assert_int_eq(port_dom_io(p, io, 4, &n), 0);
    ck_assert_uint_eq(io[1].net_bytes, 100 * 1024 * 14);
    ck_assert_uint_eq(io[1].disk_reqs, 98);
    struct port_sim_stats st;
    ck_assert_int_eq(port_sim_stats(p, &st), 0);
    ck_assert_uint_eq(st.op[PORT_SIM_OP_DOM_IO].injected, 2);
    ck_assert_uint_eq(st.op[PORT_SIM_OP_DOM_IO].calls, 6);
    port_destroy(p);
}
END_TEST

TCase *sim_tcase_scenario(void)
{
    TCase *tc = tcase_create("scenario");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_corpus_bad_files);
    tcase_add_test(tc, test_corpus_every_err_has_a_file);
    tcase_add_test(tc, test_good_files);
    tcase_add_test(tc, test_unreadable);
    tcase_add_test(tc, test_bad_options);
    tcase_add_test(tc, test_long_scenario_grows_geometrically);
    tcase_add_test(tc, test_everything_plays);
    tcase_add_test(tc, test_io_counters);
    tcase_add_test(tc, test_guest_request_api);
    tcase_add_test(tc, test_log);
    return tc;
}
