/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What `xenplm pool status` and `xenplm pool plan` print (issue 14), as
 * text or JSON, from what the pool thread last read (pool.h): pure
 * renderers of the copies the control command takes, no clock read (the
 * age of the read is passed in).
 */
#ifndef XENPLM_DAEMON_RENDER_POOL_H
#define XENPLM_DAEMON_RENDER_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/pool.h"

struct render_pool_who {
    const char *pool, *host, *mode;
};

/* read_age_ms: how long ago the view was read (ignored when it never was). */
int render_pool_status(FILE *f, const struct render_pool_who *who, const struct dmn_pool_leader *l,
                       const struct dmn_pool_view *v, uint64_t read_age_ms, bool json);
int render_pool_plan(FILE *f, const struct render_pool_who *who, const struct dmn_pool_view *v,
                     bool json);

/* What `pool drain` and `pool migrate` answer: what was asked
 * ("drain", "drain-off", "migrate"), of what (a host, a domain), to where. */
int render_pool_asked(FILE *f, const char *what, const char *of, const char *to, bool json);

#endif
