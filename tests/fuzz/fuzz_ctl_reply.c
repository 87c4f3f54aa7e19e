/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the control socket's reply side, as the xenplm
 * command reads xenplmd's answer: cli/client.c's read_answer, which is
 * static, so this file includes client.c itself.  The input is written to
 * a pipe whose read end stands for the socket (the input is never larger
 * than the pipe's buffer: run with -max_len at most 65536).  The body of
 * an "ok" answer goes to /dev/null; the client's messages go to stderr
 * (run with -close_fd_mask=2 to keep them out of the log).
 * Built and run by tests/fuzz/fuzz.sh (`make fuzz`).
 */
#include "../../src/cli/client.c"

#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* cli/xenplm.c's, which come with the command's main(): client.c's
 * option parsing, never called here, needs them to link. */
int xenplm_usage_error(const struct xenplm_command *cmd, const char *fmt, ...)
{
    (void)cmd;
    (void)fmt;
    return XENPLM_EXIT_USAGE;
}

void xenplm_command_help(FILE *fp, const struct xenplm_command *cmd)
{
    (void)fp;
    (void)cmd;
}

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fds[2];
    int rc;

    if (size > 65536)
        return 0;
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        abort();
    if (pipe(fds) != 0)
        abort();
    if (size > 0 && write(fds[1], data, size) != (ssize_t)size)
        abort();
    close(fds[1]);
    rc = read_answer(fds[0], "fuzz", devnull);
    close(fds[0]);
    if (rc != XENPLM_EXIT_OK && rc != XENPLM_EXIT_FAILURE)
        abort();
    /* "ok\n" opens every successful answer, and only those. */
    if ((rc == XENPLM_EXIT_OK) != (size >= 3 && memcmp(data, "ok\n", 3) == 0))
        abort();
    return 0;
}
