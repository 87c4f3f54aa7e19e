/* SPDX-License-Identifier: GPL-2.0-only */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"

static bool log_stderr = true;
static int log_max = LOG_INFO;
static const char *log_ident = "xenplmd";
static bool log_plain;         /* stderr without time and level: for one-shot commands */
static log_clock_fn log_clock; /* NULL: the wall clock */
static void *log_clock_ctx;

static const char *prio_name(int priority)
{
    switch (priority) {
    case LOG_DEBUG:
        return "debug";
    case LOG_INFO:
    case LOG_NOTICE:
        return "info";
    case LOG_WARNING:
        return "warning";
    default:
        return "error";
    }
}

void log_open(const char *ident, bool to_stderr, int max_priority)
{
    log_ident = ident;
    log_stderr = to_stderr;
    log_max = max_priority;
    if (!to_stderr)
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_close(void)
{
    if (!log_stderr)
        closelog();
}

void log_set_priority(int max_priority)
{
    log_max = max_priority;
}

void log_set_plain(bool plain)
{
    log_plain = plain;
}

void log_set_clock(log_clock_fn fn, void *ctx)
{
    log_clock = fn;
    log_clock_ctx = ctx;
}

/* The time at the head of a line on stderr. */
static void stamp(char *buf, size_t size)
{
    if (log_clock) {
        uint64_t ms = log_clock(log_clock_ctx);
        snprintf(buf, size, "[%6llu.%03llus]", (unsigned long long)(ms / 1000),
                 (unsigned long long)(ms % 1000));
    } else {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        localtime_r(&ts.tv_sec, &tm);
        snprintf(buf, size, "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min, tm.tm_sec,
                 ts.tv_nsec / 1000000);
    }
}

static void log_v(int priority, const char *suffix, const char *fmt, va_list ap)
{
    char msg[1024];

    if (priority > log_max)
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (log_stderr && log_plain) {
        fprintf(stderr, "%s: %s%s%s\n", log_ident, msg, suffix ? ": " : "", suffix ? suffix : "");
    } else if (log_stderr) {
        char when[32];
        stamp(when, sizeof(when));
        fprintf(stderr, "%s %s %s: %s%s%s\n", when, log_ident, prio_name(priority), msg,
                suffix ? ": " : "", suffix ? suffix : "");
    } else {
        syslog(priority, "%s%s%s", msg, suffix ? ": " : "", suffix ? suffix : "");
    }
}

void log_msg(int priority, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_v(priority, NULL, fmt, ap);
    va_end(ap);
}

void log_errno(int priority, const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    log_v(priority, strerror(saved), fmt, ap);
    va_end(ap);
    errno = saved;
}
