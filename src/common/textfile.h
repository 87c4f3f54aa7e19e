/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A metrics file for node_exporter's textfile collector, replaced whole:
 * written to a temporary file in the same directory (a name starting
 * with '.' and not ending in .prom, which the collector skips), then
 * renamed over DIR/NAME, so that a scrape sees the old file or the new
 * one, never half of one.  No fsync by default: a crash leaves the old
 * file or the new one, and waiting for the disk would hold up the
 * caller's loop; a file that is state rather than a figure (durable) is
 * synced before the rename, and its directory after.
 *
 * A failed write is logged once, with the path and the reason; the
 * next write that succeeds says so; the caller goes on either way.
 */
#ifndef XENPLM_COMMON_TEXTFILE_H
#define XENPLM_COMMON_TEXTFILE_H

#include <stdbool.h>
#include <stddef.h>

#define TEXTFILE_PATH_MAX 4096

struct textfile {
    char path[TEXTFILE_PATH_MAX]; /* DIR/NAME, "" when not set */
    bool failing;                 /* the last write failed (and was logged) */
    unsigned long failures;       /* writes that failed in a row */
    /* Set by the caller before writing; zero means a metrics file. */
    unsigned mode;    /* the file's permissions (0: 0644, for the collector) */
    bool durable;     /* fsync the file before the rename, the directory after */
    const char *kind; /* what the log calls it (NULL: "metrics file") */
};

/* Aim t at dir/name (both non-empty): 0, or -1 when the path is too long. */
int textfile_set(struct textfile *t, const char *dir, const char *name);

/* Remove the temporary files a writer killed in the middle of a write
 * left beside t->path (".NAME.XXXXXX"); call it once, before the first
 * write.  Nothing is said of what cannot be removed. */
void textfile_sweep(const struct textfile *t);

/* Replace the file with len bytes of data: 0, or -1 with errno set (and
 * logged as above). */
int textfile_write(struct textfile *t, const char *data, size_t len);

#endif
