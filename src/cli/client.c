/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One request to xenplmd and its answer; see client.h.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "protocol/ctl_wire.h"

const char *client_socket(const char *opt)
{
    const char *env = getenv(CLIENT_SOCKET_ENV);

    if (opt)
        return opt;
    if (env && *env)
        return env;
    return CTL_DEFAULT_SOCKET;
}

/* Connect, or print why not and return -1. */
static int connect_to(const char *path)
{
    struct sockaddr_un sa;
    struct timeval tv = {.tv_sec = CLIENT_TIMEOUT_S};
    const char *hint = "";
    int fd, saved;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "xenplm: socket path longer than %zu bytes: %s\n", sizeof(sa.sun_path) - 1,
                path);
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("xenplm: socket");
        return -1;
    }
    /* A wedged daemon must not hang the command (or a script) for ever. */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0)
        return fd;
    saved = errno;
    close(fd);
    if (saved == ENOENT || saved == ECONNREFUSED)
        hint = " (is xenplmd running?)";
    else if (saved == EACCES || saved == EPERM)
        hint = " (only root may talk to xenplmd)";
    fprintf(stderr, "xenplm: cannot reach xenplmd at %s: %s%s\n", path, strerror(saved), hint);
    return -1;
}

static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* read(2), retried on EINTR; a timeout is reported as such. */
static ssize_t read_some(int fd, char *buf, size_t cap, const char *path)
{
    for (;;) {
        ssize_t n = read(fd, buf, cap);

        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            fprintf(stderr, "xenplm: no answer from xenplmd at %s within %d s\n", path,
                    CLIENT_TIMEOUT_S);
        else
            fprintf(stderr, "xenplm: reading from xenplmd: %s\n", strerror(errno));
        return -1;
    }
}

/* Printable ASCII as is, the rest as '?': the daemon's words reach a terminal. */
static void print_safe(FILE *fp, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        fputc(c >= 0x20 && c <= 0x7e ? c : '?', fp);
    }
}

/*
 * Read the status line, then copy the body to out.  The status line is at
 * most "error: " and CTL_ERR_MAX bytes; anything longer is not xenplmd.
 */
static int read_answer(int fd, const char *path, FILE *out)
{
    char buf[8192];
    size_t len = 0;
    char *nl = NULL;
    ssize_t n;

    while (!nl) {
        if (len == sizeof(buf))
            break;
        n = read_some(fd, buf + len, sizeof(buf) - len, path);
        if (n < 0)
            return XENPLM_EXIT_FAILURE;
        if (n == 0)
            break;
        nl = memchr(buf + len, '\n', (size_t)n);
        len += (size_t)n;
    }
    if (!nl) {
        if (len == 0)
            fprintf(stderr, "xenplm: xenplmd at %s closed the connection without answering\n",
                    path);
        else
            fputs("xenplm: unexpected answer from xenplmd (no status line)\n", stderr);
        return XENPLM_EXIT_FAILURE;
    }
    if ((size_t)(nl - buf) == 2 && memcmp(buf, "ok", 2) == 0) {
        size_t off = (size_t)(nl + 1 - buf);

        fwrite(buf + off, 1, len - off, out);
        while ((n = read_some(fd, buf, sizeof(buf), path)) > 0)
            fwrite(buf, 1, (size_t)n, out);
        return n < 0 ? XENPLM_EXIT_FAILURE : XENPLM_EXIT_OK;
    }
    if (nl - buf >= 7 && memcmp(buf, "error: ", 7) == 0) {
        fputs("xenplm: ", stderr);
        print_safe(stderr, buf + 7, (size_t)(nl - buf) - 7);
        fputc('\n', stderr);
        return XENPLM_EXIT_FAILURE;
    }
    fputs("xenplm: unexpected answer from xenplmd: '", stderr);
    print_safe(stderr, buf, (size_t)(nl - buf) > 60 ? 60 : (size_t)(nl - buf));
    fputs("'\n", stderr);
    return XENPLM_EXIT_FAILURE;
}

int client_call(const struct xenplm_command *cmd, const char *socket, const char *command,
                size_t argc, const char *const *argv, FILE *out)
{
    char line[CTL_REQUEST_MAX + 1];
    char err[CTL_ERR_MAX];
    int fd, len, rc;

    len = ctl_request_format(line, sizeof(line), command, argc, argv, err, sizeof(err));
    if (len < 0)
        return xenplm_usage_error(cmd, "%s", err);
    fd = connect_to(socket);
    if (fd < 0)
        return XENPLM_EXIT_FAILURE;
    if (send_all(fd, line, (size_t)len) < 0) {
        fprintf(stderr, "xenplm: sending to xenplmd at %s: %s\n", socket, strerror(errno));
        rc = XENPLM_EXIT_FAILURE;
        goto out;
    }
    /* The request is complete: tell the server no more is coming. */
    shutdown(fd, SHUT_WR);
    rc = read_answer(fd, socket, out);
out:
    close(fd);
    return rc;
}

/* -s and -j into a struct client_opts (an xenplm_option_fn). */
static int take_option(void *ctx, int opt, const char *arg)
{
    struct client_opts *o = ctx;

    if (opt == 's')
        o->socket = arg;
    else if (opt == 'j')
        o->json = true;
    return 0;
}

int client_options(const struct xenplm_command *cmd, int argc, char **argv, bool allow_json,
                   int min, int max, struct client_opts *o, int *first)
{
    static const struct option with_json[] = {
        {"socket", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const struct option without_json[] = {
        {"socket", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int rc, n;

    memset(o, 0, sizeof(*o));
    rc = xenplm_options(cmd, argc, argv, allow_json ? ":s:jh" : ":s:h",
                        allow_json ? with_json : without_json, take_option, o);
    if (rc != -1)
        return rc;
    n = argc - optind;
    if (n < min)
        return xenplm_usage_error(cmd, "missing DOM"); /* show, set: DOM comes first */
    if (n > max)
        return xenplm_usage_error(cmd, "too many arguments");
    *first = optind;
    return -1;
}

int client_simple(const struct xenplm_command *cmd, int argc, char **argv)
{
    const struct ctl_command_spec *spec = ctl_command_find(cmd->name);
    const char *args[CTL_MAX_ARGS + 1];
    struct client_opts o;
    size_t n = 0;
    int first, rc;

    if (!spec) {
        fprintf(stderr, "xenplm %s: not a command of the daemon\n", cmd->name);
        return XENPLM_EXIT_FAILURE;
    }
    rc = client_options(cmd, argc, argv, spec->json, (int)spec->min_args, (int)spec->max_args, &o,
                        &first);
    if (rc >= 0)
        return rc;
    for (int i = first; i < argc && n < CTL_MAX_ARGS; i++)
        args[n++] = argv[i];
    if (o.json && n < CTL_MAX_ARGS)
        args[n++] = "--json";
    return client_call(cmd, client_socket(o.socket), cmd->name, n, args, stdout);
}
