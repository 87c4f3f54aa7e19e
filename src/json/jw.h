/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one JSON writer of xenplm's dom0 side: the daemon's -j replies and
 * `xenplm arbitrate --json`.  A thin layer over yajl's generator (Xen's
 * own libraries depend on yajl too) writing to a stdio stream, with the
 * value kinds xenplm has: amounts (exact thousandths, printed as
 * plm_amt_format does), counters, optional integers, names.
 *
 * Strings are any bytes: invalid UTF-8 is written as U+FFFD, so that a
 * domain name a guest chose cannot make the document invalid.  Errors are
 * sticky: the first one (out of memory, a call out of order) makes every
 * later call a no-op and jw_end return PLM_EIO, as does an error on the
 * stream.
 */
#ifndef XENPLM_JSON_JW_H
#define XENPLM_JSON_JW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/amount.h"

struct jw {
    void *gen; /* yajl_gen */
    FILE *f;
    bool failed;
};

/*
 * Start a document on f.  It is written compact, on one line, ended by a
 * newline: a stream of documents is one per line, and `jq .` shows one to
 * people.  Returns 0 or PLM_ENOMEM.
 */
int jw_begin(struct jw *w, FILE *f);
/* Finish: 0, or PLM_EIO when anything failed.  Releases the generator. */
int jw_end(struct jw *w);

void jw_object(struct jw *w);
void jw_object_end(struct jw *w);
void jw_array(struct jw *w);
void jw_array_end(struct jw *w);
/* A member's name, inside an object; the value follows. */
void jw_key(struct jw *w, const char *key);

void jw_string(struct jw *w, const char *s);
/* A string, or null when s is NULL. */
void jw_string_or_null(struct jw *w, const char *s);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_int(struct jw *w, int64_t v);
void jw_uint(struct jw *w, uint64_t v);
/* An amount as plm_amt_format writes it: 6.5, 24, 0.125. */
void jw_amt(struct jw *w, plm_amt_t v);

/* A member and its value, in one call: jw_key then the value's writer. */
void jw_kstring(struct jw *w, const char *key, const char *s);
void jw_kbool(struct jw *w, const char *key, bool v);
void jw_kint(struct jw *w, const char *key, int64_t v);
void jw_kuint(struct jw *w, const char *key, uint64_t v);
void jw_kamt(struct jw *w, const char *key, plm_amt_t v);

#endif
