/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging for xenplmd and xenplm-agent: to stderr when in the foreground
 * (-F), to syslog otherwise.  log_warn/log_err append strerror(errno) like warn(3);
 * log_warnx/log_errx do not.  Messages about one domain start with
 * "Domain N:" so that grepping a log for a guest finds everything.
 */
#ifndef XENPLM_COMMON_LOG_H
#define XENPLM_COMMON_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

void log_open(const char *ident, bool to_stderr, int max_priority);
void log_close(void);
/* Raise or lower what is logged (LOG_DEBUG .. LOG_ERR). */
void log_set_priority(int max_priority);
/* On stderr, "IDENT: message" alone, as a command prints its errors,
 * instead of the time, IDENT and the level. */
void log_set_plain(bool plain);

/*
 * Under simulation: stamp stderr lines with fn's milliseconds (simulated
 * time from the start), as "[     1.500s]" like the allocation table,
 * instead of the wall clock's time of day.  fn NULL: the wall clock again.
 * fn must not log.
 */
typedef uint64_t (*log_clock_fn)(void *ctx);
void log_set_clock(log_clock_fn fn, void *ctx);

void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_errno(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warnx(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_errx(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_errno(LOG_WARNING, __VA_ARGS__)
#define log_err(...) log_errno(LOG_ERR, __VA_ARGS__)

#endif
