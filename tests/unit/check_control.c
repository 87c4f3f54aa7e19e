/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket: the request grammar of protocol/ctl_wire.c (every
 * refusal, word for word), the client's formatter, the `set` arguments
 * and the command table's usage, then the server over real sockets in a
 * temporary directory, driven by a small poll loop as the daemon's:
 * opening, refusing a second daemon, stale sockets, hostile and silent
 * clients, a failing handler, bodies larger than the socket buffer,
 * clients that never read or hold a slot, accept failing, and the peer
 * credential check.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/duration.h"
#include "core/error.h"
#include "daemon/control.h"
#include "tests/unit/suite_run.h"

/* Whether the test runs under valgrind (CI runs every unit test there). */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#endif
#endif
#ifndef UNDER_VALGRIND
#define UNDER_VALGRIND() false
#endif

/* Text with its length, so that cases may hold NUL bytes. */
#define T(s) s, sizeof(s) - 1

/* ------------------------------------------------------------------------ */
/* The request grammar                                                      */

static const struct {
    const char *text;
    size_t len;
    const char *want; /* "COMMAND|ARG|ARG" and "+json" when json is set */
} good[] = {
    {T("XENPLM/1 list\n"), "list"},
    {T("XENPLM/1 list -j\n"), "list+json"},
    {T("XENPLM/1 list --json\n"), "list+json"},
    {T("XENPLM/1 show web1 --json\n"), "show|web1+json"},
    {T("XENPLM/1 show -j web1\n"), "show|web1+json"},
    {T("XENPLM/1 set web1 cpu=150 for=10min\n"), "set|web1|cpu=150|for=10min"},
    {T("XENPLM/1 x ~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./\n"), "x|~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./"},
    {T("XENPLM/1 a 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"),
     "a|1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16"},
};

static void dump(const struct ctl_request *r, char *out, size_t outsz)
{
    size_t o = (size_t)snprintf(out, outsz, "%s", r->command);

    for (size_t i = 0; i < r->argc; i++)
        o += (size_t)snprintf(out + o, outsz - o, "|%s", r->argv[i]);
    if (r->json)
        o += (size_t)snprintf(out + o, outsz - o, "+json");
    ck_assert_uint_lt(o, outsz);
    ck_assert_ptr_null(r->argv[r->argc]);
}

START_TEST(test_parse_good)
{
    struct ctl_request req;
    char err[CTL_ERR_MAX] = "junk";
    char got[1024];

    ck_assert_int_eq(ctl_request_parse(good[_i].text, good[_i].len, &req, err, sizeof(err)), 0);
    ck_assert_str_eq(err, "");
    ck_assert_uint_eq(req.version, 1);
    dump(&req, got, sizeof(got));
    ck_assert_str_eq(got, good[_i].want);
}
END_TEST

static const struct {
    const char *text;
    size_t len;
    int rc;
    const char *err;
} bad[] = {
    {T(""), PLM_EGRAMMAR, "empty request"},
    {T("XENPLM/1 list"), PLM_EGRAMMAR, "request does not end in a newline"},
    {T("XENPLM/1 li\0st\n"), PLM_EGRAMMAR, "NUL byte at offset 11"},
    {T("\0"), PLM_EGRAMMAR, "NUL byte at offset 0"},
    {T("XENPLM/1 list\t-j\n"), PLM_EGRAMMAR, "non-printable byte 0x09 at offset 13"},
    {T("XENPLM/1 list\r\n"), PLM_EGRAMMAR, "non-printable byte 0x0d at offset 13"},
    {T("XENPLM/1 sh\xc3\xa9\n"), PLM_EGRAMMAR, "non-printable byte 0xc3 at offset 11"},
    {T("XENPLM/1 list\x7f\n"), PLM_EGRAMMAR, "non-printable byte 0x7f at offset 13"},
    {T("XENPLM/1 \x1b[2Jlist\n"), PLM_EGRAMMAR, "non-printable byte 0x1b at offset 9"},
    {T("XENPLM/1 list\nXENPLM/1 list\n"), PLM_EGRAMMAR, "more than one line"},
    {T("\n\n"), PLM_EGRAMMAR, "more than one line"},
    {T("\n"), PLM_EGRAMMAR, "empty field at offset 0 (fields are separated by one space)"},
    {T(" XENPLM/1 list\n"), PLM_EGRAMMAR,
     "empty field at offset 0 (fields are separated by one space)"},
    {T("XENPLM/1  list\n"), PLM_EGRAMMAR,
     "empty field at offset 9 (fields are separated by one space)"},
    {T("XENPLM/1 list \n"), PLM_EGRAMMAR,
     "empty field at offset 14 (fields are separated by one space)"},
    {T("XENPLM/1\n"), PLM_EGRAMMAR, "missing command"},
    {T("XENPLM/2 list\n"), PLM_ERANGE,
     "unsupported protocol version 2 (this daemon speaks XENPLM/1)"},
    {T("XENPLM/10 list\n"), PLM_ERANGE,
     "unsupported protocol version 10 (this daemon speaks XENPLM/1)"},
    {T("XENPLM/0 list\n"), PLM_EGRAMMAR, "not a xenplm request (expected 'XENPLM/1 COMMAND ...')"},
    {T("XENPLM/01 list\n"), PLM_EGRAMMAR, "not a xenplm request (expected 'XENPLM/1 COMMAND ...')"},
    {T("XENPLM/1x list\n"), PLM_EGRAMMAR, "not a xenplm request (expected 'XENPLM/1 COMMAND ...')"},
    {T("XENPLM/ list\n"), PLM_EGRAMMAR, "not a xenplm request (expected 'XENPLM/1 COMMAND ...')"},
    {T("xenplm/1 list\n"), PLM_EGRAMMAR, "not a xenplm request (expected 'XENPLM/1 COMMAND ...')"},
    {T("list\n"), PLM_EGRAMMAR, "not a xenplm request (expected 'XENPLM/1 COMMAND ...')"},
    {T("GET / HTTP/1.0\n"), PLM_EGRAMMAR, "not a xenplm request (expected 'XENPLM/1 COMMAND ...')"},
    {T("XENPLM/1 a 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"), PLM_ERANGE,
     "too many arguments (at most 16)"},
    /* --json counts as an argument on the wire. */
    {T("XENPLM/1 a 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 -j\n"), PLM_ERANGE,
     "too many arguments (at most 16)"},
};

START_TEST(test_parse_bad)
{
    struct ctl_request req;
    char err[CTL_ERR_MAX];

    ck_assert_int_eq(ctl_request_parse(bad[_i].text, bad[_i].len, &req, err, sizeof(err)),
                     bad[_i].rc);
    ck_assert_str_eq(err, bad[_i].err);
}
END_TEST

/* "XENPLM/1 " + a field of n bytes ('c') + tail, built at run time. */
static char *line_with(const char *head, size_t n, const char *tail, size_t *len)
{
    size_t hl = strlen(head), tl = strlen(tail);
    char *buf = malloc(hl + n + tl + 1);

    ck_assert_ptr_nonnull(buf);
    memcpy(buf, head, hl);
    memset(buf + hl, 'c', n);
    memcpy(buf + hl + n, tail, tl + 1);
    *len = hl + n + tl;
    return buf;
}

START_TEST(test_parse_limits)
{
    struct ctl_request req;
    char err[CTL_ERR_MAX];
    size_t len;
    char *buf;

    /* A command and an argument of exactly CTL_ARG_MAX bytes pass... */
    buf = line_with("XENPLM/1 ", 128, " x\n", &len);
    ck_assert_int_eq(ctl_request_parse(buf, len, &req, err, sizeof(err)), 0);
    ck_assert_uint_eq(strlen(req.command), 128);
    free(buf);
    buf = line_with("XENPLM/1 show ", 128, "\n", &len);
    ck_assert_int_eq(ctl_request_parse(buf, len, &req, err, sizeof(err)), 0);
    ck_assert_uint_eq(strlen(req.argv[0]), 128);
    free(buf);
    /* ...one more byte does not. */
    buf = line_with("XENPLM/1 ", 129, " x\n", &len);
    ck_assert_int_eq(ctl_request_parse(buf, len, &req, err, sizeof(err)), PLM_ERANGE);
    ck_assert_str_eq(err, "command longer than 128 bytes");
    free(buf);
    buf = line_with("XENPLM/1 show a ", 129, "\n", &len);
    ck_assert_int_eq(ctl_request_parse(buf, len, &req, err, sizeof(err)), PLM_ERANGE);
    ck_assert_str_eq(err, "argument 2 longer than 128 bytes");
    free(buf);

    /* The whole line: 4096 bytes with its newline, and no more.  The size
     * is refused before anything else is looked at. */
    buf = line_with("", 4095, "\n", &len);
    ck_assert_int_eq(ctl_request_parse(buf, len, &req, err, sizeof(err)), PLM_EGRAMMAR);
    ck_assert_str_eq(err, "not a xenplm request (expected 'XENPLM/1 COMMAND ...')");
    free(buf);
    buf = line_with("", 4096, "\n", &len);
    ck_assert_int_eq(ctl_request_parse(buf, len, &req, err, sizeof(err)), PLM_ERANGE);
    ck_assert_str_eq(err, "request longer than 4096 bytes");
    buf[5] = '\0'; /* even with a NUL in it */
    ck_assert_int_eq(ctl_request_parse(buf, len, &req, err, sizeof(err)), PLM_ERANGE);
    ck_assert_str_eq(err, "request longer than 4096 bytes");
    free(buf);

    /* 16 arguments of 128 bytes, the longest request that can parse. */
    {
        char line[CTL_REQUEST_MAX + 1];
        size_t o = (size_t)snprintf(line, sizeof(line), "XENPLM/1 x");

        for (int i = 0; i < CTL_MAX_ARGS; i++) {
            line[o++] = ' ';
            memset(line + o, 'a' + i, CTL_ARG_MAX);
            o += CTL_ARG_MAX;
        }
        line[o++] = '\n';
        ck_assert_int_eq(ctl_request_parse(line, o, &req, err, sizeof(err)), 0);
        ck_assert_uint_eq(req.argc, 16);
        ck_assert_int_eq(req.argv[15][0], 'p');
    }

    /* A NULL or tiny err buffer is fine. */
    ck_assert_int_eq(ctl_request_parse(T("x"), &req, NULL, 0), PLM_EGRAMMAR);
    ck_assert_int_eq(ctl_request_parse(T("x"), &req, err, 4), PLM_EGRAMMAR);
    ck_assert_str_eq(err, "req");
}
END_TEST

START_TEST(test_format)
{
    const char *args[CTL_MAX_ARGS + 1];
    char buf[CTL_REQUEST_MAX + 1], err[CTL_ERR_MAX];
    char big[CTL_ARG_MAX + 2];
    struct ctl_request req;
    int len;

    args[0] = "web1";
    args[1] = "--json";
    len = ctl_request_format(buf, sizeof(buf), "show", 2, args, err, sizeof(err));
    ck_assert_int_eq(len, (int)strlen("XENPLM/1 show web1 --json\n"));
    ck_assert_str_eq(buf, "XENPLM/1 show web1 --json\n");
    ck_assert_int_eq(ctl_request_parse(buf, (size_t)len, &req, err, sizeof(err)), 0);
    ck_assert(req.json);
    ck_assert_str_eq(req.argv[0], "web1");

    len = ctl_request_format(buf, sizeof(buf), "list", 0, NULL, err, sizeof(err));
    ck_assert_str_eq(buf, "XENPLM/1 list\n");

    args[0] = "a b";
    ck_assert_int_eq(ctl_request_format(buf, sizeof(buf), "show", 1, args, err, sizeof(err)),
                     PLM_EGRAMMAR);
    ck_assert_str_eq(err, "argument with a space");
    args[0] = "";
    ck_assert_int_eq(ctl_request_format(buf, sizeof(buf), "show", 1, args, err, sizeof(err)),
                     PLM_EGRAMMAR);
    ck_assert_str_eq(err, "empty argument");
    args[0] = "caf\xc3\xa9";
    ck_assert_int_eq(ctl_request_format(buf, sizeof(buf), "show", 1, args, err, sizeof(err)),
                     PLM_EGRAMMAR);
    ck_assert_str_eq(err, "argument with a non-printable byte 0xc3");
    ck_assert_int_eq(ctl_request_format(buf, sizeof(buf), "", 0, NULL, err, sizeof(err)),
                     PLM_EINVAL);
    ck_assert_str_eq(err, "missing command");
    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    args[0] = big;
    ck_assert_int_eq(ctl_request_format(buf, sizeof(buf), "show", 1, args, err, sizeof(err)),
                     PLM_ERANGE);
    ck_assert_str_eq(err, "argument longer than 128 bytes");
    for (int i = 0; i < CTL_MAX_ARGS + 1; i++)
        args[i] = "x";
    ck_assert_int_eq(
        ctl_request_format(buf, sizeof(buf), "a", CTL_MAX_ARGS + 1, args, err, sizeof(err)),
        PLM_ERANGE);
    ck_assert_str_eq(err, "too many arguments (at most 16)");
    ck_assert_int_gt(
        ctl_request_format(buf, sizeof(buf), "a", CTL_MAX_ARGS, args, err, sizeof(err)), 0);
    /* A buffer too small for the line. */
    ck_assert_int_eq(ctl_request_format(buf, 10, "list", 0, NULL, err, sizeof(err)), PLM_ERANGE);
    ck_assert_str_eq(err, "request longer than 4096 bytes");
}
END_TEST

START_TEST(test_nargs)
{
    struct ctl_request req;
    char err[CTL_ERR_MAX];

    ck_assert_int_eq(ctl_request_parse(T("XENPLM/1 show a b -j\n"), &req, err, sizeof(err)), 0);
    ck_assert_int_eq(ctl_request_check(&req, ctl_command_find("show"), err, sizeof(err)),
                     PLM_EINVAL);
    ck_assert_str_eq(err, "usage: show DOM [-j|--json]");
    ck_assert_int_eq(ctl_request_parse(T("XENPLM/1 show a -j\n"), &req, err, sizeof(err)), 0);
    ck_assert_int_eq(ctl_request_check(&req, ctl_command_find("show"), err, sizeof(err)), 0);
    ck_assert_int_eq(ctl_request_parse(T("XENPLM/1 set\n"), &req, err, sizeof(err)), 0);
    ck_assert_int_eq(ctl_request_check(&req, ctl_command_find("set"), err, sizeof(err)),
                     PLM_EINVAL);
    /* Alternative forms on one line, for the daemon's one-line errors. */
    ck_assert_str_eq(err, "usage: set DOM [cpu=N] [mem=N] [for=DURATION] | set DOM clear");
}
END_TEST

/* The usage the CLI prints from the same table (xenplm help). */
START_TEST(test_usage)
{
    char buf[256];

    ck_assert_int_eq(ctl_command_usage(ctl_command_find("pause"), "xenplm ", " [-s SOCKET]", "\n",
                                       buf, sizeof(buf)),
                     (int)strlen("xenplm pause [-s SOCKET]"));
    ck_assert_str_eq(buf, "xenplm pause [-s SOCKET]");
    ck_assert_int_ge(ctl_command_usage(ctl_command_find("set"), "xenplm ", " [-s SOCKET]", "\n",
                                       buf, sizeof(buf)),
                     0);
    ck_assert_str_eq(buf, "xenplm set DOM [cpu=N] [mem=N] [for=DURATION] [-s SOCKET]\n"
                          "xenplm set DOM clear [-s SOCKET]");
    ck_assert_int_eq(ctl_command_usage(ctl_command_find("set"), "", "", " | ", buf, 10),
                     PLM_ERANGE);
    ck_assert_ptr_null(ctl_command_find("nosuch"));
    for (size_t i = 0; i < ctl_ncommands; i++)
        ck_assert_ptr_eq(ctl_command_find(ctl_commands[i].name), &ctl_commands[i]);
}
END_TEST

static const struct {
    const char *args; /* space-separated, DOM first */
    int rc;
    const char *want; /* "dom cpu=X mem=Y for=Z clear" or the error */
} sets[] = {
    {"web1 cpu=150", 0, "web1 cpu=150000 mem=- for=0"},
    {"web1 mem=1024 cpu=1.5 for=10min", 0, "web1 cpu=1500 mem=1024000 for=600000"},
    {"7 mem=512 for=500ms", 0, "7 cpu=- mem=512000 for=500"},
    {"web1 cpu=1 for=30d", 0, "web1 cpu=1000 mem=- for=2592000000"},
    {"web1 cpu=1 for=2h", 0, "web1 cpu=1000 mem=- for=7200000"},
    {"web1 clear", 0, "web1 clear"},
    {"web1", PLM_EINVAL, "nothing to set (give cpu=N, mem=N or clear)"},
    {"web1 for=1h", PLM_EINVAL, "nothing to set (give cpu=N, mem=N or clear)"},
    {"web1 clear cpu=1", PLM_EINVAL, "clear takes no other argument"},
    {"web1 cpu=1 clear", PLM_EINVAL, "clear takes no other argument"},
    {"web1 cpu=1 cpu=2", PLM_EINVAL, "cpu= given twice"},
    {"web1 mem=1 mem=2", PLM_EINVAL, "mem= given twice"},
    {"web1 cpu=1 for=1s for=2s", PLM_EINVAL, "for= given twice"},
    {"web1 cpu=0", PLM_EINVAL, "cpu=0: must be greater than 0"},
    {"web1 cpu=-1", PLM_EGRAMMAR, "cpu=-1: not an amount (such as 150 or 1.5)"},
    {"web1 mem=1.0001", PLM_EPRECISION, "mem=1.0001: not an amount (such as 150 or 1.5)"},
    {"web1 mem=", PLM_EGRAMMAR, "mem=: not an amount (such as 150 or 1.5)"},
    {"web1 cpu=1 for=31d", PLM_ERANGE, "for=31d: not between 1ms and 30d"},
    {"web1 cpu=1 for=0s", PLM_ERANGE, "for=0s: not between 1ms and 30d"},
    {"web1 cpu=1 for=99999999999999999999999h", PLM_ERANGE,
     "for=99999999999999999999999h: not between 1ms and 30d"},
    {"web1 cpu=1 for=10", PLM_EGRAMMAR,
     "for=10: not a duration (such as " PLM_DURATION_EXAMPLES ")"},
    {"web1 cpu=1 for=2m", 0, "web1 cpu=1000 mem=- for=120000"},
    {"web1 cpu=1 for=120s", 0, "web1 cpu=1000 mem=- for=120000"},
    {"web1 cpu=1 for=2min", 0, "web1 cpu=1000 mem=- for=120000"},
    {"web1 cpu=1 for=1mn", PLM_EGRAMMAR,
     "for=1mn: not a duration (such as " PLM_DURATION_EXAMPLES ")"},
    {"web1 cpu=1 for=h", PLM_EGRAMMAR, "for=h: not a duration (such as " PLM_DURATION_EXAMPLES ")"},
    {"web1 vcpus=2", PLM_EGRAMMAR, "'vcpus=2' is not cpu=N, mem=N, for=DURATION or clear"},
};

START_TEST(test_set)
{
    char copy[256], err[CTL_ERR_MAX], got[256];
    const char *argv[CTL_MAX_ARGS];
    struct ctl_set set;
    size_t argc = 0;
    int rc;

    snprintf(copy, sizeof(copy), "%s", sets[_i].args);
    for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    rc = ctl_set_parse(argc, argv, &set, err, sizeof(err));
    ck_assert_int_eq(rc, sets[_i].rc);
    if (rc < 0) {
        ck_assert_str_eq(err, sets[_i].want);
        return;
    }
    if (set.clear) {
        snprintf(got, sizeof(got), "%s clear", set.domain);
    } else {
        char c[32] = "-", m[32] = "-";
        if (set.has_cpu)
            snprintf(c, sizeof(c), "%lld", (long long)set.cpu);
        if (set.has_mem)
            snprintf(m, sizeof(m), "%lld", (long long)set.mem);
        snprintf(got, sizeof(got), "%s cpu=%s mem=%s for=%llu", set.domain, c, m,
                 (unsigned long long)set.for_ms);
    }
    ck_assert_str_eq(got, sets[_i].want);
}
END_TEST

START_TEST(test_set_no_domain)
{
    struct ctl_set set;
    char err[CTL_ERR_MAX];

    ck_assert_int_eq(ctl_set_parse(0, NULL, &set, err, sizeof(err)), PLM_EINVAL);
    ck_assert_str_eq(err, "missing domain");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* The server, over real sockets                                            */

struct tmp {
    char dir[256];
    char run[300];  /* dir/run, created by the server */
    char path[320]; /* dir/run/control */
};

static void tmp_make(struct tmp *t)
{
    const char *base = getenv("TMPDIR");

    snprintf(t->dir, sizeof(t->dir), "%s/check_control.XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(t->dir));
    snprintf(t->run, sizeof(t->run), "%s/run", t->dir);
    snprintf(t->path, sizeof(t->path), "%s/control", t->run);
}

static void tmp_clean(struct tmp *t)
{
    unlink(t->path);
    rmdir(t->run);
    rmdir(t->dir);
}

/* What the test handler saw, and what it should do. */
struct ctx {
    int calls;
    size_t big;                /* bytes of body for the "big" command */
    int ended;                 /* connections reported to done */
    struct ctl_conn_info last; /* the last one */
};

static int handler(void *arg, const struct ctl_request *req, FILE *out, char *err, size_t errlen)
{
    struct ctx *c = arg;

    c->calls++;
    if (strcmp(req->command, "fail") == 0) {
        fputs("half a body that must never be sent\n", out);
        snprintf(err, errlen, "it broke");
        return PLM_EINVAL;
    }
    if (strcmp(req->command, "failsilent") == 0)
        return -1;
    if (strcmp(req->command, "failnl") == 0) {
        snprintf(err, errlen, "two\nlines\x01");
        return -1;
    }
    if (strcmp(req->command, "empty") == 0)
        return 0;
    if (strcmp(req->command, "big") == 0) {
        for (size_t i = 0; i < c->big; i++)
            fputc(i % 64 == 63 ? '\n' : 'a' + (int)(i % 26), out);
        return 0;
    }
    fputs(req->command, out);
    for (size_t i = 0; i < req->argc; i++)
        fprintf(out, " %s", req->argv[i]);
    fputs(req->json ? " +json\n" : "\n", out);
    return 0;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void done(void *arg, const struct ctl_conn_info *info)
{
    struct ctx *c = arg;

    c->ended++;
    c->last = *info;
}

/*
 * The daemon's loop in small: wait for the server's descriptors or its
 * next deadline, let it run, until a connection has ended (1, and info
 * filled when not NULL) or timeout_ms has passed (0).
 */
static int serve_for(struct ctl_server *srv, int timeout_ms, struct ctl_conn_info *info)
{
    struct ctx *c = srv->arg;
    int before = c->ended;
    uint64_t end = mono_ms() + (uint64_t)timeout_ms;

    for (;;) {
        struct pollfd pfd[CTL_MAX_CONN + 1];
        int fds[CTL_MAX_CONN + 1];
        size_t n = ctl_server_fds(srv, fds, CTL_MAX_CONN + 1);
        uint64_t at = ctl_server_deadline(srv), now = mono_ms();

        if (at > end)
            at = end;
        for (size_t i = 0; i < n; i++)
            pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        ck_assert_int_ge(poll(pfd, (nfds_t)n, at > now ? (int)(at - now) : 0), 0);
        ck_assert_int_ge(ctl_server_run(srv), 0);
        if (c->ended > before) {
            if (info)
                *info = c->last;
            return 1;
        }
        if (mono_ms() >= end)
            return 0;
    }
}

/* One connection served to its end (within 20 s, or the test fails). */
static void serve_one(struct ctl_server *srv, struct ctl_conn_info *info)
{
    ck_assert_int_eq(serve_for(srv, 20000, info), 1);
}

/* A unix address for path; the temporary paths are short enough. */
static struct sockaddr_un addr_of(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len = strlen(path);

    if (len >= sizeof(sa.sun_path))
        abort();
    memcpy(sa.sun_path, path, len + 1);
    return sa;
}

static int client_connect(const char *path)
{
    struct sockaddr_un sa = addr_of(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (const struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

/* Everything the server sent, NUL-terminated; *len_out its length. */
static char *read_all(int fd, size_t *len_out)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap + 1);
    ssize_t n;

    if (!buf)
        return NULL;
    for (;;) {
        if (len == cap) {
            char *p = realloc(buf, cap * 2 + 1);
            if (!p) {
                free(buf);
                return NULL;
            }
            buf = p;
            cap *= 2;
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

/*
 * Connect, send data (then end the stream when close_write), let the
 * server serve, and return what came back.  The response must fit the
 * socket buffer: client and server run in this one thread.
 */
static char *exchange(struct ctl_server *srv, const char *data, size_t len, bool close_write,
                      struct ctl_conn_info *info)
{
    int fd = client_connect(srv->path);
    char *got;

    if (len)
        ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    if (close_write)
        shutdown(fd, SHUT_WR);
    serve_one(srv, info);
    got = read_all(fd, NULL);
    close(fd);
    ck_assert_ptr_nonnull(got);
    return got;
}

static void open_server(struct ctl_server *srv, struct tmp *t, struct ctx *c)
{
    char err[CTL_ERR_MAX];

    tmp_make(t);
    memset(c, 0, sizeof(*c));
    ck_assert_msg(ctl_server_open(srv, t->path, handler, c, err, sizeof(err)) == 0, "%s", err);
    srv->done = done;
}

START_TEST(test_open_and_close)
{
    struct ctl_server srv, second;
    struct tmp t;
    struct ctx c;
    struct stat st;
    char err[CTL_ERR_MAX], want[512];
    mode_t old = umask(077);

    /* The directory is made 0755 whatever the umask: clients must reach in. */
    open_server(&srv, &t, &c);
    umask(old);
    ck_assert_int_eq(stat(t.run, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0755);
    ck_assert_int_eq(lstat(t.path, &st), 0);
    ck_assert(S_ISSOCK(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 07777, 0600);

    /* Nothing pending: run returns at once, with nothing to wait for. */
    ck_assert_int_eq(ctl_server_run(&srv), 0);
    ck_assert_uint_eq(ctl_server_deadline(&srv), UINT64_MAX);

    /* A second daemon is refused, and leaves the first one's socket alone. */
    ck_assert_int_eq(ctl_server_open(&second, t.path, handler, &c, err, sizeof(err)), PLM_EINVAL);
    snprintf(want, sizeof(want), "%s: another xenplmd is already listening there", t.path);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(second.fd, -1);
    ctl_server_close(&second);
    ck_assert_int_eq(lstat(t.path, &st), 0);
    /* Its probe was a connection that said nothing... */
    {
        struct ctl_conn_info info;

        serve_one(&srv, &info);
        ck_assert_str_eq(info.error, "empty request");
    }
    /* ...and the first daemon goes on serving. */
    free(exchange(&srv, T("XENPLM/1 ping\n"), true, NULL));
    ck_assert_int_eq(c.calls, 1);

    ctl_server_close(&srv);
    ck_assert_int_eq(lstat(t.path, &st), -1);
    ck_assert_int_eq(errno, ENOENT);
    ctl_server_close(&srv); /* twice is fine */
    tmp_clean(&t);
}
END_TEST

START_TEST(test_stale_socket)
{
    struct sockaddr_un sa;
    struct ctl_server srv;
    struct tmp t;
    struct ctx c = {0};
    char err[CTL_ERR_MAX];
    int fd;

    /* A socket file nobody listens on: what a crashed daemon leaves. */
    tmp_make(&t);
    ck_assert_int_eq(mkdir(t.run, 0755), 0);
    sa = addr_of(t.path);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_eq(bind(fd, (const struct sockaddr *)&sa, sizeof(sa)), 0);
    close(fd);
    ck_assert_msg(ctl_server_open(&srv, t.path, handler, &c, err, sizeof(err)) == 0, "%s", err);
    srv.done = done;
    free(exchange(&srv, T("XENPLM/1 ping\n"), true, NULL));
    ck_assert_int_eq(c.calls, 1);
    ctl_server_close(&srv);
    tmp_clean(&t);
}
END_TEST

START_TEST(test_open_refusals)
{
    struct ctl_server srv, other;
    struct tmp t;
    struct ctx c = {0};
    char err[CTL_ERR_MAX], want[1024], path[400];
    struct stat st;
    FILE *f;

    tmp_make(&t);
    ck_assert_int_eq(mkdir(t.run, 0755), 0);
    f = fopen(t.path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_int_eq(ctl_server_open(&srv, t.path, handler, &c, err, sizeof(err)), PLM_EINVAL);
    snprintf(want, sizeof(want), "%s exists and is not a socket", t.path);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(lstat(t.path, &st), 0); /* not removed */
    unlink(t.path);

    snprintf(path, sizeof(path), "%s/no/such/control", t.dir);
    ck_assert_int_eq(ctl_server_open(&srv, path, handler, &c, err, sizeof(err)), PLM_EIO);
    snprintf(want, sizeof(want), "cannot create %s/no/such: No such file or directory", t.dir);
    ck_assert_str_eq(err, want);

    memset(path, 'p', 108);
    path[108] = '\0';
    ck_assert_int_eq(ctl_server_open(&srv, path, handler, &c, err, sizeof(err)), PLM_ERANGE);
    ck_assert_ptr_nonnull(strstr(err, ": socket path empty or longer than 107 bytes"));

    /* close removes only the file it bound: not a newer daemon's socket. */
    ck_assert_int_eq(ctl_server_open(&srv, t.path, handler, &c, err, sizeof(err)), 0);
    unlink(t.path);
    ck_assert_int_eq(ctl_server_open(&other, t.path, handler, &c, err, sizeof(err)), 0);
    ctl_server_close(&srv);
    ck_assert_int_eq(lstat(t.path, &st), 0);
    ctl_server_close(&other);
    ck_assert_int_eq(lstat(t.path, &st), -1);
    tmp_clean(&t);
}
END_TEST

START_TEST(test_round_trip)
{
    struct ctl_server srv;
    struct ctl_conn_info info;
    struct tmp t;
    struct ctx c;
    char *got;

    open_server(&srv, &t, &c);
    got = exchange(&srv, T("XENPLM/1 show web1 -j\n"), true, &info);
    ck_assert_str_eq(got, "ok\nshow web1 +json\n");
    ck_assert_str_eq(info.command, "show");
    ck_assert(info.ok);
    ck_assert(!info.write_failed);
    ck_assert_str_eq(info.error, "");
    ck_assert_int_eq(info.pid, getpid());
    ck_assert_int_eq(info.uid, geteuid());
    free(got);

    /* The client need not end its stream: the newline ends the request. */
    got = exchange(&srv, T("XENPLM/1 list\n"), false, NULL);
    ck_assert_str_eq(got, "ok\nlist\n");
    free(got);

    got = exchange(&srv, T("XENPLM/1 empty\n"), true, NULL);
    ck_assert_str_eq(got, "ok\n");
    free(got);
    ck_assert_int_eq(c.calls, 3);
    ctl_server_close(&srv);
    tmp_clean(&t);
}
END_TEST

START_TEST(test_handler_failure)
{
    struct ctl_server srv;
    struct ctl_conn_info info;
    struct tmp t;
    struct ctx c;
    char *got;

    open_server(&srv, &t, &c);
    /* Whatever the handler wrote before failing stays behind. */
    got = exchange(&srv, T("XENPLM/1 fail\n"), true, &info);
    ck_assert_str_eq(got, "error: it broke\n");
    ck_assert(!info.ok);
    ck_assert_str_eq(info.error, "it broke");
    ck_assert_str_eq(info.command, "fail");
    free(got);
    got = exchange(&srv, T("XENPLM/1 failsilent\n"), true, NULL);
    ck_assert_str_eq(got, "error: command 'failsilent' failed\n");
    free(got);
    got = exchange(&srv, T("XENPLM/1 failnl\n"), true, NULL);
    ck_assert_str_eq(got, "error: two?lines?\n");
    free(got);
    ctl_server_close(&srv);
    tmp_clean(&t);
}
END_TEST

/* Hostile and broken clients: each gets one error line and is closed,
 * and the handler is never called. */
START_TEST(test_hostile_clients)
{
    struct ctl_server srv;
    struct ctl_conn_info info;
    struct tmp t;
    struct ctx c;
    char *got, *big;
    uint64_t t0;

    open_server(&srv, &t, &c);
    srv.timeout_ms = 150;

    got = exchange(&srv, T("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), true, &info);
    ck_assert_str_eq(got, "error: non-printable byte 0x0d at offset 14\n");
    ck_assert_str_eq(info.command, "");
    ck_assert_str_eq(info.error, "non-printable byte 0x0d at offset 14");
    free(got);
    got = exchange(&srv, T("XENPLM/1 list\0\n"), true, NULL);
    ck_assert_str_eq(got, "error: NUL byte at offset 13\n");
    free(got);
    got = exchange(&srv, T("XENPLM/9 list\n"), true, NULL);
    ck_assert_str_eq(got, "error: unsupported protocol version 9 (this daemon speaks XENPLM/1)\n");
    free(got);
    got = exchange(&srv, T("XENPLM/1 list"), true, NULL);
    ck_assert_str_eq(got, "error: request does not end in a newline\n");
    free(got);
    got = exchange(&srv, "", 0, true, NULL);
    ck_assert_str_eq(got, "error: empty request\n");
    free(got);
    got = exchange(&srv, T("XENPLM/1 list\nXENPLM/1 pause\n"), true, NULL);
    ck_assert_str_eq(got, "error: more than one line\n");
    free(got);

    /* Oversize: refused after 4097 bytes, never read to the end. */
    big = malloc(100000);
    ck_assert_ptr_nonnull(big);
    memset(big, 'a', 100000);
    got = exchange(&srv, big, 100000, true, NULL);
    ck_assert_str_eq(got, "error: request longer than 4096 bytes\n");
    free(got);
    free(big);

    /* Silence, and half a line then silence: the timeout, then out. */
    t0 = mono_ms();
    got = exchange(&srv, "", 0, false, NULL);
    ck_assert_str_eq(got, "error: timed out waiting for the request\n");
    free(got);
    got = exchange(&srv, T("XENPLM/1 li"), false, NULL);
    ck_assert_str_eq(got, "error: timed out waiting for the request\n");
    free(got);
    ck_assert_uint_lt(mono_ms() - t0, 2000);

    ck_assert_int_eq(c.calls, 0);
    ctl_server_close(&srv);
    tmp_clean(&t);
}
END_TEST

/* The request split over many writes is still one request. */
START_TEST(test_split_writes)
{
    static const char req[] = "XENPLM/1 show web1\n";
    struct ctl_server srv;
    struct tmp t;
    struct ctx c;
    pid_t pid;
    int status;
    char *got;
    int fd;

    open_server(&srv, &t, &c);
    fd = client_connect(srv.path);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        for (size_t i = 0; i < sizeof(req) - 1; i++) {
            if (write(fd, req + i, 1) != 1)
                _exit(1);
            usleep(2000);
        }
        _exit(0);
    }
    serve_one(&srv, NULL);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    got = read_all(fd, NULL);
    close(fd);
    ck_assert_str_eq(got, "ok\nshow web1\n");
    free(got);
    ctl_server_close(&srv);
    tmp_clean(&t);
}
END_TEST

/* A body far larger than the socket buffer reaches a reading client whole. */
START_TEST(test_big_body)
{
    const size_t n = CTL_REPLY_MAX - 3;
    struct ctl_server srv;
    struct ctl_conn_info info;
    struct tmp t;
    struct ctx c;
    pid_t pid;
    int status;

    open_server(&srv, &t, &c);
    c.big = n;
    srv.timeout_ms = 10000;
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* The child is the client; it reports by its exit status only. */
        struct sockaddr_un sa = addr_of(srv.path);
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        size_t len = 0;
        char *got;

        if (fd < 0 || connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0)
            _exit(2);
        if (write(fd, "XENPLM/1 big\n", 13) != 13)
            _exit(3);
        got = read_all(fd, &len);
        if (!got || len != n + 3 || memcmp(got, "ok\nabc", 6) != 0 || got[3 + 63] != '\n')
            _exit(4);
        free(got);
        _exit(0);
    }
    serve_one(&srv, &info);
    ck_assert(info.ok && !info.write_failed);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "client status %d", status);
    ctl_server_close(&srv);
    tmp_clean(&t);
}
END_TEST

/* A reply longer than CTL_REPLY_MAX is an error, not a memory hog. */
START_TEST(test_reply_too_long)
{
    struct ctl_server srv;
    struct ctl_conn_info info;
    struct tmp t;
    struct ctx c;
    char *got;

    open_server(&srv, &t, &c);
    c.big = CTL_REPLY_MAX;
    got = exchange(&srv, T("XENPLM/1 big\n"), true, &info);
    ck_assert_str_eq(got, "error: reply too long (1048579 bytes, at most 1048576)\n");
    ck_assert(!info.ok);
    free(got);
    ctl_server_close(&srv);
    tmp_clean(&t);
}
END_TEST

/* A client that asks and never reads holds its slot until the deadline,
 * and the server no time at all. */
START_TEST(test_client_never_reads)
{
    struct ctl_server srv;
    struct ctl_conn_info info;
    struct tmp t;
    struct ctx c;
    uint64_t t0;
    int fd;

    open_server(&srv, &t, &c);
    c.big = (size_t)512 << 10;
    srv.timeout_ms = 200;
    fd = client_connect(srv.path);
    ck_assert_int_eq(write(fd, "XENPLM/1 big\n", 13), 13);
    /* The reply is rendered and what fits is sent; the rest waits. */
    t0 = mono_ms();
    ck_assert_int_eq(ctl_server_run(&srv), 0);
    ck_assert_uint_lt(mono_ms() - t0, 2000); /* rendering 512 KiB, under valgrind */
    ck_assert_int_eq(c.calls, 1);
    ck_assert_uint_le(ctl_server_deadline(&srv), mono_ms() + CTL_RETRY_MS);
    serve_one(&srv, &info);
    ck_assert_uint_ge(mono_ms() - t0, 150);
    ck_assert(info.ok);
    ck_assert(info.write_failed);
    close(fd);
    ctl_server_close(&srv);
    tmp_clean(&t);
}
END_TEST

/*
 * Slow and silent clients hold a slot each, never the server: with clients
 * that said nothing, half a line, or asked and never read, a good client is
 * answered at once, and the others are dropped at their deadline with the
 * reason.  Clients beyond CTL_MAX_CONN wait in the backlog.
 */
START_TEST(test_slow_clients_cost_nothing)
{
    enum { SILENT = 6, HALF = 6, DEAF = CTL_MAX_CONN - SILENT - HALF + 8 };
    int silent[SILENT], half[HALF], deaf[DEAF];
    struct ctl_server srv;
    struct tmp t;
    struct ctx c;
    uint64_t t0;
    char *got;
    int fd;

    open_server(&srv, &t, &c);
    c.big = (size_t)512 << 10;
    srv.timeout_ms = 1000;
    for (int i = 0; i < SILENT; i++)
        silent[i] = client_connect(srv.path);
    for (int i = 0; i < HALF; i++) {
        half[i] = client_connect(srv.path);
        ck_assert_int_eq(write(half[i], "XENPLM/1 li", 11), 11);
    }
    ck_assert_int_eq(ctl_server_run(&srv), 0);
    ck_assert_uint_eq(srv.nconn, SILENT + HALF);

    /* A good client, answered at once: nothing above made it wait. */
    t0 = mono_ms();
    fd = client_connect(srv.path);
    ck_assert_int_eq(write(fd, "XENPLM/1 list\n", 14), 14);
    serve_one(&srv, NULL);
    ck_assert_uint_lt(mono_ms() - t0, 500);
    got = read_all(fd, NULL);
    ck_assert_str_eq(got, "ok\nlist\n");
    free(got);
    close(fd);

    /* Deaf clients: big replies nobody reads fill the remaining slots,
     * and the rest wait in the backlog (16 deep), unserved. */
    for (int i = 0; i < DEAF; i++) {
        deaf[i] = client_connect(srv.path);
        ck_assert_int_eq(write(deaf[i], "XENPLM/1 big\n", 13), 13);
    }
    t0 = mono_ms();
    ck_assert_int_eq(ctl_server_run(&srv), 0);
    ck_assert_uint_lt(mono_ms() - t0, 5000); /* rendering, under valgrind */
    ck_assert_uint_eq(srv.nconn, CTL_MAX_CONN);
    ck_assert_int_eq(c.calls, 1 + CTL_MAX_CONN - SILENT - HALF);

    /* At the deadline the silent and the half-spoken are told and dropped. */
    while (c.ended < 1 + SILENT + HALF)
        serve_one(&srv, NULL);
    for (int i = 0; i < SILENT; i++) {
        got = read_all(silent[i], NULL);
        ck_assert_str_eq(got, "error: timed out waiting for the request\n");
        free(got);
        close(silent[i]);
    }
    for (int i = 0; i < HALF; i++) {
        got = read_all(half[i], NULL);
        ck_assert_str_eq(got, "error: timed out waiting for the request\n");
        free(got);
        close(half[i]);
    }
    /* Then every deaf client is served in turn, each dropped at its own
     * deadline. */
    while (c.ended < 1 + SILENT + HALF + DEAF) {
        serve_one(&srv, NULL);
        ck_assert(c.last.ok && c.last.write_failed);
    }
    ck_assert_int_eq(c.calls, 1 + DEAF);
    for (int i = 0; i < DEAF; i++)
        close(deaf[i]);
    ck_assert_uint_eq(srv.nconn, 0);
    ctl_server_close(&srv);
    tmp_clean(&t);
}
END_TEST

/* When accept fails for want of descriptors, the server stops listening
 * for a while instead of making its caller spin, then takes the client. */
START_TEST(test_accept_failure)
{
    struct ctl_server srv;
    struct ctl_conn_info info;
    struct rlimit old, low;
    struct tmp t;
    struct ctx c;
    int fd, probe, fds[CTL_MAX_CONN + 1];
    char *got;

    /* Valgrind emulates the descriptor limit after the fact: its accept()
     * takes the connection, sees a descriptor over the limit, closes it
     * and returns EMFILE, so the waiting client is gone, which a kernel
     * never does.  What this test shows cannot be seen there. */
    if (UNDER_VALGRIND()) {
        fprintf(stderr, "test_accept_failure: skipped under valgrind (its accept() closes "
                        "the connection it refuses for EMFILE)\n");
        return;
    }
    open_server(&srv, &t, &c);
    fd = client_connect(srv.path);
    ck_assert_int_eq(write(fd, "XENPLM/1 list\n", 14), 14);
    /* No descriptor left for accept. */
    probe = dup(0);
    ck_assert_int_ge(probe, 0);
    close(probe);
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)probe;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    ck_assert_int_eq(ctl_server_run(&srv), PLM_EIO);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
    ck_assert_uint_eq(ctl_server_fds(&srv, fds, CTL_MAX_CONN + 1), 0);
    ck_assert_uint_gt(ctl_server_deadline(&srv), mono_ms() + CTL_ACCEPT_PAUSE_MS / 2);
    ck_assert_int_eq(ctl_server_run(&srv), 0);
    ck_assert_int_eq(c.calls, 0);
    serve_one(&srv, &info);
    ck_assert(info.ok);
    got = read_all(fd, NULL);
    ck_assert_str_eq(got, "ok\nlist\n");
    free(got);
    close(fd);
    ctl_server_close(&srv);
    tmp_clean(&t);
}
END_TEST

/* A client that went away before its answer does not kill the daemon
 * (no SIGPIPE) and does not count as an accept error. */
START_TEST(test_client_gone)
{
    struct ctl_server srv;
    struct ctl_conn_info info;
    struct tmp t;
    struct ctx c;
    int fd;

    open_server(&srv, &t, &c);
    fd = client_connect(srv.path);
    ck_assert_int_eq(write(fd, "XENPLM/1 list\n", 14), 14);
    close(fd);
    serve_one(&srv, &info);
    ck_assert_int_eq(c.calls, 1);
    ctl_server_close(&srv);
    tmp_clean(&t);
}
END_TEST

/* Only root and the daemon's own user get in. */
START_TEST(test_peer_credentials)
{
    struct ctl_server srv;
    struct ctl_conn_info info;
    struct tmp t;
    struct ctx c;
    char want[128];
    char *got;

    open_server(&srv, &t, &c);
    if (geteuid() != 0) {
        /* Pretend the daemon runs as another user: this one is a stranger. */
        srv.owner_uid = geteuid() + 1;
        got = exchange(&srv, T("XENPLM/1 list\n"), true, &info);
        snprintf(want, sizeof(want), "error: permission denied (uid %ld)\n", (long)geteuid());
        ck_assert_str_eq(got, want);
        free(got);
    } else {
        /* As root, a child turns into nobody; the socket is opened up to
         * let it reach the credential check at all. */
        const uid_t nobody = 65534;
        pid_t pid;
        int status;

        ck_assert_int_eq(chmod(t.dir, 0755), 0);
        ck_assert_int_eq(chmod(t.path, 0666), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            struct sockaddr_un sa = addr_of(t.path);
            int fd;
            char *answer;

            if (setgid(nobody) != 0 || setuid(nobody) != 0)
                _exit(2);
            fd = socket(AF_UNIX, SOCK_STREAM, 0);
            if (fd < 0 || connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0)
                _exit(3);
            /* The server refuses a stranger before reading anything, so
             * this write may find the connection closed (EPIPE): what
             * matters is the answer already waiting to be read. */
            signal(SIGPIPE, SIG_IGN);
            if (write(fd, "XENPLM/1 list\n", 14) < 0 && errno != EPIPE)
                _exit(4);
            answer = read_all(fd, NULL);
            status = answer && strcmp(answer, "error: permission denied (uid 65534)\n") == 0;
            free(answer); /* valgrind checks the child too */
            _exit(status ? 0 : 5);
        }
        serve_one(&srv, &info);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "client status %d", status);
        ck_assert_int_eq(info.uid, nobody);
    }
    snprintf(want, sizeof(want), "permission denied (uid %ld)", (long)info.uid);
    ck_assert_str_eq(info.error, want);
    ck_assert_str_eq(info.command, "");
    ck_assert(!info.ok);
    ck_assert_int_eq(c.calls, 0);
    ctl_server_close(&srv);
    tmp_clean(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("control");
    TCase *grammar = tcase_create("grammar");
    TCase *server = tcase_create("server");

    /* A closed peer must show up as EPIPE in the tests too, not kill them. */
    signal(SIGPIPE, SIG_IGN);
    tcase_add_loop_test(grammar, test_parse_good, 0, (int)(sizeof(good) / sizeof(good[0])));
    tcase_add_loop_test(grammar, test_parse_bad, 0, (int)(sizeof(bad) / sizeof(bad[0])));
    tcase_add_test(grammar, test_parse_limits);
    tcase_add_test(grammar, test_format);
    tcase_add_test(grammar, test_nargs);
    tcase_add_test(grammar, test_usage);
    tcase_add_loop_test(grammar, test_set, 0, (int)(sizeof(sets) / sizeof(sets[0])));
    tcase_add_test(grammar, test_set_no_domain);
    tcase_set_timeout(server, 60);
    tcase_add_test(server, test_open_and_close);
    tcase_add_test(server, test_stale_socket);
    tcase_add_test(server, test_open_refusals);
    tcase_add_test(server, test_round_trip);
    tcase_add_test(server, test_handler_failure);
    tcase_add_test(server, test_hostile_clients);
    tcase_add_test(server, test_split_writes);
    tcase_add_test(server, test_big_body);
    tcase_add_test(server, test_reply_too_long);
    tcase_add_test(server, test_client_never_reads);
    tcase_add_test(server, test_slow_clients_cost_nothing);
    tcase_add_test(server, test_client_gone);
    tcase_add_test(server, test_accept_failure);
    tcase_add_test(server, test_peer_credentials);
    suite_add_tcase(s, grammar);
    suite_add_tcase(s, server);

    return check_run(s);
}
