/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A stand-in for xenplmd in the client tests: serves the control socket
 * with the real server code (daemon/control.c) and answers every request
 * with what it parsed, so a test sees exactly what `xenplm` sent.
 *
 *   ctl_stub SOCKET [SECONDS]
 *
 * prints "ready" once listening, and exits after SECONDS (default 60) so
 * that a test that dies cannot leave it behind.  Answers:
 *   a request with a "fail" word   "error: stub failure: COMMAND ARGS..."
 *   anything else                  "ok", then "COMMAND ARG... [--json]"
 */
#include "config.h"

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/control.h"

/* Whether the request names "fail" anywhere: the stub's way to fail. */
static bool asks_to_fail(const struct ctl_request *req)
{
    for (size_t i = 0; i < req->argc; i++) {
        if (strcmp(req->argv[i], "fail") == 0)
            return true;
    }
    return strcmp(req->command, "fail") == 0;
}

static int handler(void *arg, const struct ctl_request *req, FILE *out, char *err, size_t errlen)
{
    (void)arg;
    if (asks_to_fail(req)) {
        size_t len = (size_t)snprintf(err, errlen, "stub failure: %s", req->command);

        for (size_t i = 0; i < req->argc && len < errlen; i++)
            len += (size_t)snprintf(err + len, errlen - len, " %s", req->argv[i]);
        /* A body already written must not reach the client. */
        fputs("half a body\n", out);
        return -1;
    }
    fputs(req->command, out);
    for (size_t i = 0; i < req->argc; i++)
        fprintf(out, " %s", req->argv[i]);
    fputs(req->json ? " --json\n" : "\n", out);
    return 0;
}

int main(int argc, char **argv)
{
    struct ctl_server srv;
    char err[CTL_ERR_MAX];
    time_t end;

    if (argc < 2 || argc > 3) {
        fputs("usage: ctl_stub SOCKET [SECONDS]\n", stderr);
        return 2;
    }
    end = time(NULL) + (argc == 3 ? atoi(argv[2]) : 60);
    if (ctl_server_open(&srv, argv[1], handler, NULL, err, sizeof(err)) < 0) {
        fprintf(stderr, "ctl_stub: %s\n", err);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    while (time(NULL) < end) {
        struct pollfd pfd[CTL_MAX_CONN + 1];
        int fds[CTL_MAX_CONN + 1];
        size_t n = ctl_server_fds(&srv, fds, CTL_MAX_CONN + 1);
        uint64_t at = ctl_server_deadline(&srv), now = ctl_now_ms();
        int wait_ms = 200;

        for (size_t i = 0; i < n; i++)
            pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        if (at != UINT64_MAX && at < now + (uint64_t)wait_ms)
            wait_ms = at > now ? (int)(at - now) : 0;
        poll(pfd, (nfds_t)n, wait_ms);
        if (ctl_server_run(&srv) < 0) {
            perror("ctl_stub: accept");
            break;
        }
    }
    ctl_server_close(&srv);
    return 0;
}
