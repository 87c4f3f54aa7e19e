/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The caller's error buffer: functions that can fail for a reason worth
 * telling take (char *err, size_t errlen) and return a PLM_E* code.  These
 * fill the buffer and return the code, so a failure is one line:
 *
 *     return plm_errf(err, errlen, PLM_EINVAL, "no such domain '%s'", name);
 *
 * A NULL buffer or a zero length is allowed: the code is still returned.
 * The message is truncated to fit and always NUL-terminated.
 */
#ifndef XENPLM_COMMON_ERRBUF_H
#define XENPLM_COMMON_ERRBUF_H

#include <stdarg.h>
#include <stddef.h>

int plm_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int plm_verrf(char *err, size_t errlen, int rc, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* The same, with "line N: " before the message when line is not 0. */
int plm_errf_line(char *err, size_t errlen, int rc, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int plm_verrf_line(char *err, size_t errlen, int rc, unsigned line, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

#endif
