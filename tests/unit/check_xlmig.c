/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The real host's migration runner (src/port/port_xlmig.c) against a
 * stand-in for xl, a shell script written here: the arguments xl gets,
 * success and failure with the reason from its output, its progress, an
 * abort that ends its whole process group (SIGTERM, then SIGKILL for one
 * that ignores it), a refused address, and no child left unreaped.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "core/error.h"
#include "port/port_xlmig.h"
#include "tests/unit/suite_run.h"

static char dir[64];
static char xl[128];

/* A fake xl whose body is body; its arguments go to DIR/args. */
static void fake_xl(const char *body)
{
    FILE *f;

    snprintf(dir, sizeof(dir), "/tmp/xlmig.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(xl, sizeof(xl), "%s/xl", dir);
    f = fopen(xl, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#!/bin/sh\nprintf '%%s|' \"$@\" >%s/args\n%s\n", dir, body);
    fclose(f);
    ck_assert_int_eq(chmod(xl, 0755), 0);
}

static void cleanup(void)
{
    char cmd[160];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void read_file(const char *name, char *buf, size_t cap)
{
    char path[160];
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s missing", path);
    n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static void nap(void)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 10000000L};
    nanosleep(&ts, NULL);
}

/* Poll until it ends (at most 10 s); the percentages it saw, last first. */
static void run_out(struct port_xlmig *m, uint64_t now_ms, bool *ok, char *why, size_t whylen,
                    int *last_pct)
{
    int pct = -1;

    *last_pct = -1;
    for (int i = 0; i < 1000; i++) {
        bool running = port_xlmig_poll(m, now_ms, &pct, ok, why, whylen);
        if (pct >= 0)
            *last_pct = pct;
        if (!running)
            return;
        nap();
    }
    ck_abort_msg("the runner never ended");
}

/* No child of this process is left, reaped or not. */
static void assert_no_child(void)
{
    ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
    ck_assert_int_eq(errno, ECHILD);
}

START_TEST(test_success)
{
    struct port_xlmig m;
    char why[160], args[256];
    bool ok = false;
    int pct;

    fake_xl("echo 'Memory: 40%'; sleep 0.1; echo 'Memory: 100%'; exit 0");
    port_xlmig_init(&m);
    ck_assert_int_eq(port_xlmig_start(&m, xl, 7, "xen-b.example", NULL, why, sizeof(why)), 0);
    run_out(&m, plm_mono_ms(), &ok, why, sizeof(why), &pct);
    ck_assert(ok);
    ck_assert_int_eq(pct, 100);
    read_file("args", args, sizeof(args));
    ck_assert_str_eq(args, "migrate|7|xen-b.example|");
    assert_no_child();
    port_xlmig_dispose(&m);
    cleanup();
}
END_TEST

START_TEST(test_transport)
{
    struct port_xlmig m;
    char why[160], args[256];
    bool ok = false;
    int pct;

    char path[512];

    fake_xl("exit 0");
    port_xlmig_init(&m);
    /* Found in PATH, as the daemon names it. */
    snprintf(path, sizeof(path), "%s:%s", dir, getenv("PATH") ? getenv("PATH") : "/bin");
    ck_assert_int_eq(setenv("PATH", path, 1), 0);
    ck_assert_int_eq(
        port_xlmig_start(&m, "xl", 12, "root@[fd00::2]", "ssh -p 2222", why, sizeof(why)), 0);
    run_out(&m, plm_mono_ms(), &ok, why, sizeof(why), &pct);
    ck_assert(ok);
    ck_assert_int_eq(pct, -1);
    read_file("args", args, sizeof(args));
    ck_assert_str_eq(args, "migrate|-s|ssh -p 2222|12|root@[fd00::2]|");
    port_xlmig_dispose(&m);
    cleanup();
}
END_TEST

START_TEST(test_failure_reason)
{
    struct port_xlmig m;
    char why[160];
    bool ok = true;
    int pct;

    fake_xl("echo 'migration sender: Target has acknowledged transfer.' >&2\n"
            "printf 'ssh: connect to host xen-b port 22: Connection refused\\n\\n'; exit 3");
    port_xlmig_init(&m);
    ck_assert_int_eq(port_xlmig_start(&m, xl, 7, "xen-b", NULL, why, sizeof(why)), 0);
    run_out(&m, plm_mono_ms(), &ok, why, sizeof(why), &pct);
    ck_assert(!ok);
    ck_assert_str_eq(why, "xl migrate exited with 3: ssh: connect to host xen-b port 22: "
                          "Connection refused");
    assert_no_child();
    port_xlmig_dispose(&m);
    cleanup();
}
END_TEST

START_TEST(test_missing_xl)
{
    struct port_xlmig m;
    char why[160];
    bool ok = true;
    int pct;

    fake_xl("exit 0");
    port_xlmig_init(&m);
    snprintf(xl, sizeof(xl), "%s/no-such-xl", dir);
    ck_assert_int_eq(port_xlmig_start(&m, xl, 7, "xen-b", NULL, why, sizeof(why)), 0);
    run_out(&m, plm_mono_ms(), &ok, why, sizeof(why), &pct);
    ck_assert(!ok);
    ck_assert_msg(strstr(why, "exited with 127") && strstr(why, "cannot run"), "%s", why);
    /* Not in PATH: said at once. */
    ck_assert_int_eq(port_xlmig_start(&m, "no-such-xl-here", 7, "xen-b", NULL, why, sizeof(why)),
                     PLM_EINVAL);
    ck_assert_str_eq(why, "cannot find no-such-xl-here in PATH");
    port_xlmig_dispose(&m);
    cleanup();
}
END_TEST

/* Whether pid is still a live process (a zombie counts as gone). */
static bool alive(long pid)
{
    char path[64], stat[256];
    FILE *f;
    bool live;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (!f)
        return false;
    live = fgets(stat, sizeof(stat), f) && !strstr(stat, ") Z ");
    fclose(f);
    return live;
}

/* The transport xl started (a background sleep here) dies with it. */
START_TEST(test_abort_kills_group)
{
    struct port_xlmig m;
    char why[160], pidtext[32];
    bool ok = true;
    int pct;
    long grandchild;

    fake_xl("sleep 30 & echo $! >\"$(dirname \"$0\")/pid\"; wait");
    port_xlmig_init(&m);
    ck_assert_int_eq(port_xlmig_start(&m, xl, 7, "xen-b", NULL, why, sizeof(why)), 0);
    for (int i = 0; i < 500 && access(strcat(strcpy(why, dir), "/pid"), F_OK) != 0; i++)
        nap();
    nap();
    read_file("pid", pidtext, sizeof(pidtext));
    grandchild = atol(pidtext);
    ck_assert(grandchild > 0 && alive(grandchild));
    ck_assert(port_xlmig_poll(&m, plm_mono_ms(), &pct, &ok, why, sizeof(why)));
    port_xlmig_abort(&m, plm_mono_ms(), "timed out after 10 min");
    run_out(&m, plm_mono_ms(), &ok, why, sizeof(why), &pct);
    ck_assert(!ok);
    ck_assert_str_eq(why, "timed out after 10 min");
    for (int i = 0; i < 200 && alive(grandchild); i++)
        nap();
    ck_assert(!alive(grandchild));
    assert_no_child();
    port_xlmig_dispose(&m);
    cleanup();
}
END_TEST

/* A child that ignores SIGTERM is killed once the grace has passed. */
START_TEST(test_abort_escalates)
{
    struct port_xlmig m;
    char why[160];
    bool ok = true;
    int pct;
    uint64_t now = plm_mono_ms();

    fake_xl("trap '' TERM; touch \"$(dirname \"$0\")/ready\"; sleep 30");
    port_xlmig_init(&m);
    ck_assert_int_eq(port_xlmig_start(&m, xl, 7, "xen-b", NULL, why, sizeof(why)), 0);
    /* Abort only once it ignores SIGTERM. */
    for (int i = 0; i < 500 && access(strcat(strcpy(why, dir), "/ready"), F_OK) != 0; i++)
        nap();
    port_xlmig_abort(&m, now, "aborted");
    for (int i = 0; i < 30; i++) {
        ck_assert(port_xlmig_poll(&m, now + 10, &pct, &ok, why, sizeof(why)));
        nap();
    }
    run_out(&m, now + XLMIG_KILL_GRACE_MS, &ok, why, sizeof(why), &pct);
    ck_assert(!ok);
    ck_assert_str_eq(why, "aborted");
    assert_no_child();
    port_xlmig_dispose(&m);
    cleanup();
}
END_TEST

/* Disposing of a runner with its child running leaves nothing behind. */
START_TEST(test_dispose_running)
{
    struct port_xlmig m;
    char why[160];

    fake_xl("sleep 30");
    port_xlmig_init(&m);
    ck_assert_int_eq(port_xlmig_start(&m, xl, 7, "xen-b", NULL, why, sizeof(why)), 0);
    ck_assert_int_eq(port_xlmig_start(&m, xl, 8, "xen-b", NULL, why, sizeof(why)), PLM_EINVAL);
    port_xlmig_dispose(&m);
    assert_no_child();
    cleanup();
}
END_TEST

/*
 * Left to run on (the daemon stops): never killed, not even by the pipe
 * closed under it (it ignores SIGPIPE, and writes on), and reaped by a
 * later call once it ends.  What it printed before "go" is noted.
 */
START_TEST(test_leave)
{
    struct port_xlmig m;
    char why[160], done[160];
    bool ok = true;
    int pct;

    fake_xl("d=\"$(dirname \"$0\")\"\n"
            "echo 'migration sender: Giving target permission to start.' >&2\n"
            "touch \"$d/ready\"\n"
            "while [ ! -e \"$d/go\" ]; do sleep 0.02; done\n"
            "i=0; while [ $i -lt 50 ]; do echo 'Memory: 99%' || true; i=$((i+1)); done\n"
            "touch \"$d/done\"");
    port_xlmig_init(&m);
    ck_assert_int_eq(port_xlmig_start(&m, xl, 7, "xen-b", NULL, why, sizeof(why)), 0);
    for (int i = 0; i < 500 && access(strcat(strcpy(why, dir), "/ready"), F_OK) != 0; i++)
        nap();
    nap();
    ck_assert(port_xlmig_poll(&m, plm_mono_ms(), &pct, &ok, why, sizeof(why)));
    ck_assert(m.go_said);
    pid_t child = m.pid;
    port_xlmig_leave(&m);
    ck_assert_int_eq(m.pid, 0);
    ck_assert_int_eq(m.fd, -1);
    ck_assert(alive(child));
    /* Now it writes into the closed pipe, and ends by itself. */
    snprintf(why, sizeof(why), "%s/go", dir);
    fclose(fopen(why, "w"));
    snprintf(done, sizeof(done), "%s/done", dir);
    for (int i = 0; i < 500 && access(done, F_OK) != 0; i++)
        nap();
    ck_assert_msg(access(done, F_OK) == 0, "the child left did not run to its end");
    for (int i = 0; i < 100 && alive(child); i++)
        nap();
    /* Reaped at the next call. */
    ck_assert(!port_xlmig_poll(&m, plm_mono_ms(), &pct, &ok, why, sizeof(why)));
    assert_no_child();
    port_xlmig_dispose(&m);
    cleanup();
}
END_TEST

START_TEST(test_addr)
{
    static const struct {
        const char *addr;
        bool ok;
    } cases[] = {
        {"xen-b", true},
        {"10.0.0.2", true},
        {"root@xen-b.example.org", true},
        {"[fd00::2]", true},
        {"", false},
        {"-oProxyCommand=touch", false},
        {"xen-b;reboot", false},
        {"xen-b reboot", false},
        {"$(reboot)", false},
        {"a`b`", false},
        {"xen-b\n", false},
    };
    struct port_xlmig m;
    char why[160];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(port_xlmig_addr_ok(cases[i].addr) == cases[i].ok, "%s", cases[i].addr);
    port_xlmig_init(&m);
    ck_assert_int_eq(port_xlmig_start(&m, "/bin/true", 7, "-oX", NULL, why, sizeof(why)),
                     PLM_EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "refusing destination address"));
    assert_no_child();
}
END_TEST

/* An `xl migrate` already on the host, from its argv (NUL-separated). */
START_TEST(test_cmdline)
{
#define ARGV(s) s, sizeof(s) /* with its final NUL */
    static const struct {
        const char *buf;
        size_t len;
        bool is;
        const char *dom;
    } t[] = {
        {ARGV("xl\0migrate\0"
              "7\0xen-b"),
         true, "7"},
        {ARGV("/usr/sbin/xl\0migrate\0-s\0ssh -p 22\0web\0xen-b"), true, "web"},
        {ARGV("xl\0-vvv\0migrate\0--debug\0-C\0/etc/xen/w.cfg\0web\0[fd00::2]"), true, "web"},
        {ARGV("xl\0migrate"), true, ""},
        {ARGV("xl\0migrate-receive"), false, ""},
        {ARGV("xl\0list"), false, ""},
        {ARGV("xl\0create\0migrate"), false, ""},
        {ARGV("/usr/lib/xen/bin/xl-wrapper\0migrate\0"
              "7\0b"),
         false, ""},
        {ARGV("sh\0-c\0xl migrate 7 b"), false, ""},
        {ARGV("vim\0xl\0migrate"), false, ""},
        {"", 0, false, ""},
        {"xl\0migrate", 10, false, ""}, /* cut short: no final NUL */
    };
    char dom[16];

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        bool is = port_xlmig_cmdline(t[i].buf, t[i].len, dom, sizeof(dom));
        ck_assert_msg(is == t[i].is, "row %zu", i);
        ck_assert_msg(strcmp(dom, t[i].dom) == 0, "row %zu: '%s'", i, dom);
    }
#undef ARGV
}
END_TEST

static void proc_entry(const char *pid, const char *argv, size_t len)
{
    char path[160];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, pid);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/%s/cmdline", dir, pid);
    ck_assert_ptr_nonnull(f = fopen(path, "w"));
    ck_assert_uint_eq(fwrite(argv, 1, len, f), len);
    fclose(f);
}

/* The scan of a procfs tree: processes, kernel threads (no argv), files
 * that are not processes; the xl migrate among them found. */
START_TEST(test_find)
{
    char dom[16];

    snprintf(dir, sizeof(dir), "/tmp/xlmig.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
#define PROC(pid, argv) proc_entry(pid, argv, sizeof(argv) - 1)
    PROC("1", "/sbin/init\0");
    PROC("2", ""); /* a kernel thread */
    PROC("300", "xl\0migrate-receive\0");
    PROC("self", "xl\0migrate\0"
                 "9\0b\0");
    ck_assert_int_eq(port_xlmig_find(dir, dom, sizeof(dom)), 0);
    PROC("4242", "/usr/sbin/xl\0migrate\0-s\0nc\0"
                 "12\0xen-b\0");
#undef PROC
    ck_assert_int_eq(port_xlmig_find(dir, dom, sizeof(dom)), 4242);
    ck_assert_str_eq(dom, "12");
    ck_assert_int_eq(port_xlmig_find("/nonexistent-proc", dom, sizeof(dom)), 0);
    /* This machine's own /proc: the scan runs, and finds no xl migrate
     * started by this test. */
    (void)port_xlmig_find("/proc", dom, sizeof(dom));
    cleanup();
}
END_TEST

static Suite *xlmig_suite(void)
{
    Suite *s = suite_create("xlmig");
    TCase *tc = tcase_create("runner");

    tcase_add_test(tc, test_success);
    tcase_add_test(tc, test_transport);
    tcase_add_test(tc, test_failure_reason);
    tcase_add_test(tc, test_missing_xl);
    tcase_add_test(tc, test_abort_kills_group);
    tcase_add_test(tc, test_abort_escalates);
    tcase_add_test(tc, test_dispose_running);
    tcase_add_test(tc, test_leave);
    tcase_add_test(tc, test_addr);
    tcase_add_test(tc, test_cmdline);
    tcase_add_test(tc, test_find);
    tcase_set_timeout(tc, 20);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(xlmig_suite());
}
