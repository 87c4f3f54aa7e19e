/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the goals loader: what goals.c (the walk and the checks),
 * goals_xml.c (libxml2: reading, parsing, validating, messages) and
 * goals_window.c (days and times of day) share.  Not for other modules.
 */
#ifndef XENPLM_AGENT_GOALS_INT_H
#define XENPLM_AGENT_GOALS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "guest-agent/goals.h"

/* One load in progress; the first problem found wins. */
struct goals_loader {
    const char *file; /* named in messages: the goals file, or the schema while it loads */
    int rc;           /* 0 until the first problem */
    long line;        /* its line, 0 when none applies */
    char msg[AGENT_GOALS_ERR_MAX];
};

/* Record a problem with element n (and attribute attr), in the policy's words; returns rc. */
int goals_fail(struct goals_loader *ld, const xmlNode *n, const char *attr, int rc, const char *fmt,
               ...) __attribute__((format(printf, 5, 6)));

/* Install our libxml2 error handlers for one load, and put the old ones back. */
struct goals_saved_handlers {
    xmlStructuredErrorFunc serror;
    void *serror_ctx;
    xmlGenericErrorFunc generic;
    void *generic_ctx;
};
void goals_handlers_install(struct goals_loader *ld, struct goals_saved_handlers *saved);
void goals_handlers_restore(const struct goals_saved_handlers *saved);

/* A whole regular file of at most AGENT_GOALS_MAX_FILE bytes, malloc'd. */
int goals_read_bounded(struct goals_loader *ld, const char *path, char **buf_out, size_t *len_out);
/* Parse without network, DTD or entities; NULL after recording why. */
xmlDoc *goals_parse(struct goals_loader *ld, const char *buf, size_t len);
/* Validate doc against the schema at schema_path; 0 or the recorded code. */
int goals_validate(struct goals_loader *ld, const char *schema_path, xmlDoc *doc);

/* Days and times of day (goals_window.c); 0 or -1, *out untouched on error. */
int goals_days_parse(const char *s, uint8_t *days_out);
int goals_time_parse(const char *s, uint16_t *min_out);

#endif
