/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket inside the daemon's loop: clients that send half a
 * request and go silent, say nothing at all, or never read their reply
 * cost the daemon nothing.  The host's clock runs at real speed here, so
 * a loop that waited on a client would show in the reaction to a guest.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "daemon_test.h"

static const char scn[] = "host pcpus=2 memory=8192 dom0=1024\n"
                          "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4 cpu=20\n"
                          "domain b memory=1024 maxmem=2048 vcpus=1 maxvcpus=4 cpu=20\n";

static uint64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int client(struct dt *t, const char *send)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ck_assert_int_ge(fd, 0);
    memcpy(sa.sun_path, t->socket, strlen(t->socket) + 1);
    ck_assert_int_eq(connect(fd, (const struct sockaddr *)&sa, sizeof(sa)), 0);
    if (send)
        ck_assert_int_eq(write(fd, send, strlen(send)), (ssize_t)strlen(send));
    return fd;
}

/* Whether the daemon has closed its end (its reply, if any, all sent). */
static bool answered(int fd)
{
    char buf[4096];
    ssize_t n;

    while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_PEEK)) > 0) {
        /* Only the end of the stream matters: look past what is there. */
        if (recv(fd, buf, (size_t)n, MSG_DONTWAIT) != n)
            return false;
    }
    return n == 0;
}

/* What the daemon sent, to the end of the stream (the daemon must have
 * closed its end already). */
static void expect_reply(int fd, const char *want)
{
    char buf[4096];
    size_t len = 0;
    ssize_t n;

    while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    ck_assert_str_eq(buf, want);
}

/*
 * Real milliseconds from a guest's request to its new credit weight; when
 * hold is given, it runs between the request and the daemon's next turn
 * (to open clients the daemon will find along with the request).
 */
static uint64_t reaction(struct dt *t, const char *name, const char *cpu,
                         void (*hold)(struct dt *t, void *ctx), void *ctx)
{
    int before = dt_sim(t, name).weight;
    uint64_t t0 = mono_ms();

    dt_request(t, name, cpu, NULL);
    if (hold)
        hold(t, ctx);
    while (dt_sim(t, name).weight == before) {
        dt_step(t);
        ck_assert_uint_lt(mono_ms() - t0, 5000);
    }
    return mono_ms() - t0;
}

enum { SILENT = 4, HALF = 4, DEAF = 4 };

struct slow {
    int silent[SILENT], half[HALF], deaf[DEAF];
};

/* Clients that will hold their slots: nothing said, half a request, and a
 * request whose reply nobody reads (it fits in the socket's buffer). */
static void open_slow(struct dt *t, void *ctx)
{
    struct slow *c = ctx;

    for (int i = 0; i < SILENT; i++)
        c->silent[i] = client(t, NULL);
    for (int i = 0; i < HALF; i++)
        c->half[i] = client(t, "XENPLM/1 sta");
    for (int i = 0; i < DEAF; i++)
        c->deaf[i] = client(t, "XENPLM/1 status -j\n");
}

START_TEST(control_slow_clients)
{
    uint64_t quiet, busy, t0;
    struct slow c;
    struct dt t;
    int fd;

    dt_open_ex(&t, "base.xml", scn, 1.0, true);
    dt_request(&t, "a", "30", NULL);
    dt_request(&t, "b", "30", NULL);
    /* Let the first requests through (the clock runs: no exact stop). */
    port_sim_wake_at(t.p, dt_now(&t) + 200);
    dt_run_until(&t, dt_now(&t) + 200);
    /* Each guest's second request, so that neither waits on the rate limit. */
    quiet = reaction(&t, "a", "100", NULL, NULL);

    /* The clients arrive with the request and stay: the guest is served as
     * fast as before.  A server that waited for a request to be complete
     * would add a second per silent client. */
    busy = reaction(&t, "b", "100", open_slow, &c);
    ck_assert_msg(busy < quiet + 200 && busy < 500, "reaction %llu ms, %llu ms without clients",
                  (unsigned long long)busy, (unsigned long long)quiet);
    ck_assert_uint_eq(t.d.srv.nconn, SILENT + HALF);

    /* A good client is answered at once all the same. */
    fd = client(&t, "XENPLM/1 pause\n");
    t0 = mono_ms();
    while (!answered(fd)) {
        dt_step(&t);
        ck_assert_uint_lt(mono_ms() - t0, 500);
    }
    ck_assert(t.d.st.paused);
    close(fd);

    /* At their deadline the silent and the half-spoken are told and let go. */
    t0 = mono_ms();
    while (t.d.srv.nconn > 0) {
        dt_step(&t);
        ck_assert_uint_lt(mono_ms() - t0, 3000);
    }
    for (int i = 0; i < SILENT; i++) {
        expect_reply(c.silent[i], "error: timed out waiting for the request\n");
        close(c.silent[i]);
    }
    for (int i = 0; i < HALF; i++) {
        expect_reply(c.half[i], "error: timed out waiting for the request\n");
        close(c.half[i]);
    }
    for (int i = 0; i < DEAF; i++) {
        char head[4] = "";

        ck_assert_int_eq(read(c.deaf[i], head, 3), 3);
        ck_assert_str_eq(head, "ok\n");
        close(c.deaf[i]);
    }
    dt_close(&t);
}
END_TEST

/* Every command of the protocol's table has a handler in the daemon, and
 * the daemon's usage errors are the table's. */
START_TEST(control_every_command)
{
    static const char scn1[] = "host pcpus=2 memory=8192 dom0=1024\n"
                               "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4 cpu=20\n";
    struct ctl_request req;
    char line[CTL_REQUEST_MAX], err[CTL_ERR_MAX], *body = NULL;
    size_t len = 0;
    struct dt t;

    dt_open(&t, "base.xml", scn1);
    for (size_t i = 0; i < ctl_ncommands; i++) {
        const struct ctl_command_spec *spec = &ctl_commands[i];
        bool pool = strcmp(spec->name, "pool") == 0;
        const char *argv[] = {pool ? "status" : "a", "cpu=50", "x", "x", "x", "x"};
        /* set DOM alone is refused by ctl_set_parse: "nothing to set". */
        size_t argc = strcmp(spec->name, "set") == 0 ? 2 : spec->min_args;
        int n = ctl_request_format(line, sizeof(line), spec->name, argc, argv, err, sizeof(err));
        FILE *out = open_memstream(&body, &len);

        ck_assert_int_gt(n, 0);
        ck_assert_int_eq(ctl_request_parse(line, (size_t)n, &req, err, sizeof(err)), 0);
        err[0] = '\0';
        /* pool: this daemon is in none (or built without pool support), and says so. */
        if (pool) {
            ck_assert_int_eq(dmn_control(&t.d, &req, out, err, sizeof(err)), PLM_ENOENT);
            ck_assert_msg(strstr(err, "not in a pool") || strstr(err, "without pool support"), "%s",
                          err);
#ifdef HAVE_POOL
            /* Neither status nor plan: the table's usage. */
            const char *bogus[] = {"bogus"};
            char want[CTL_ERR_MAX];
            n = ctl_request_format(line, sizeof(line), "pool", 1, bogus, err, sizeof(err));
            ck_assert_int_eq(ctl_request_parse(line, (size_t)n, &req, err, sizeof(err)), 0);
            ck_assert_int_eq(dmn_control(&t.d, &req, out, err, sizeof(err)), PLM_EINVAL);
            ck_assert_int_eq(ctl_command_usage(spec, "", "", " | ", want, sizeof(want)) > 0, 1);
            ck_assert_str_eq(err + strlen("usage: "), want);
#endif
        } else {
            ck_assert_msg(dmn_control(&t.d, &req, out, err, sizeof(err)) == 0, "%s: %s", spec->name,
                          err);
        }
        fclose(out);
        free(body);
        body = NULL;

        /* One argument too many: the usage, as the table has it. */
        if (spec->max_args < 6) {
            char want[CTL_ERR_MAX];

            n = ctl_request_format(line, sizeof(line), spec->name, spec->max_args + 1, argv, err,
                                   sizeof(err));
            ck_assert_int_gt(n, 0);
            ck_assert_int_eq(ctl_request_parse(line, (size_t)n, &req, err, sizeof(err)), 0);
            out = open_memstream(&body, &len);
            err[0] = '\0';
            ck_assert_int_eq(dmn_control(&t.d, &req, out, err, sizeof(err)), PLM_EINVAL);
            fclose(out);
            free(body);
            body = NULL;
            ck_assert_int_eq(ctl_request_check(&req, spec, want, sizeof(want)), PLM_EINVAL);
            ck_assert_str_eq(err, want);
        }
    }
    dt_close(&t);
}
END_TEST

TCase *dt_tcase_control(void)
{
    TCase *tc = tcase_create("control");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, control_slow_clients);
    tcase_add_test(tc, control_every_command);
    return tc;
}
