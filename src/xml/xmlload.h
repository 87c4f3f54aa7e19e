/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the project's XML loaders share: the dom0 policy (src/policy/) and
 * the guest agent's goals (guest-agent/goals*.c).
 *
 * A load reads the file (bounded), parses it closed to the world (no
 * network, no DTD: a DOCTYPE is refused before a declaration is read),
 * checks the root element, validates the document against its schema,
 * and then lets the caller walk the tree.  While a load runs, libxml2's
 * error handlers are ours: they capture messages instead of printing
 * them, and the first problem found, from libxml2 or from the walk,
 * becomes the one-line error "FILE:LINE: problem" ("FILE: problem" when
 * no line applies).
 *
 * For the loaders' own .c files: this header names libxml2's types, which
 * the public headers (policy.h, goals.h) keep out.  Its names start with
 * px_ ("project XML"), not xl_, which a Xen reader takes for the xl
 * toolstack.
 *
 * libxml2 reports through callbacks; while a load runs, ours find it
 * through a thread-local pointer, not through the callback's data
 * argument: which pointer libxml2 passes there has varied between its
 * versions and error channels.
 */
#ifndef XENPLM_XML_XMLLOAD_H
#define XENPLM_XML_XMLLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "core/amount.h"
#include "xml/schemas.h"

/* Room for one problem, with its NUL (the loaders' messages are as large). */
#define PX_MSG_MAX 512

/*
 * What differs between the file formats: their size bound, and how their
 * values and libxml2's messages about them are put in words.
 */
struct px_format {
    size_t max_size; /* bytes; a larger file (or schema) is refused */
    int quote_max;   /* at most this many bytes of a value are quoted in a message */
    /* Durations (common/duration.h): examples for a message on a value
     * that is not one, "500ms, 5s, 15min or 2h". */
    const char *duration_examples;
    /* What a schema pattern (without quotes) stands for, "expected ..."; NULL for none. */
    const char *(*pattern_hint)(const char *pattern);
    /* A value over a maxLength facet: said how long it is, instead of quoted. */
    bool max_length_in_words;
    /* Trailing full stops of libxml2's messages: all of them, or only the last one. */
    bool trim_every_stop;
    /*
     * Bounds on the document's shape, checked by a linear scan before
     * libxml2 parses it (libxml2's duplicate-attribute check is quadratic
     * in the attributes of one element): each well above what a valid file
     * can hold, so that only hostile input meets them.
     */
    size_t max_elements;
    size_t max_attributes; /* on one element, namespace declarations included */
    size_t max_depth;
};

/* One load in progress; the first problem found wins. */
struct px_loader {
    const struct px_format *fmt;
    const char *file; /* named in messages: the document, or the schema while it loads */
    int rc;           /* 0 until the first problem */
    long line;        /* its line, 0 when none applies */
    char msg[PX_MSG_MAX];
};

/*
 * Record a problem with element n (and attribute attr), in the words of
 * libxml2's schema messages ("element 'x', attribute 'y': ..."); returns
 * rc.  n NULL: a problem with the whole file.
 */
int px_fail(struct px_loader *ld, const xmlNode *n, const char *attr, int rc, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * The walk of one document, called with our handlers installed: buf
 * holds the whole file.  Opens it with px_open, fills what arg points to
 * when everything passed; returns 0 or the code px_fail recorded.
 */
typedef int px_load_fn(struct px_loader *ld, const char *buf, size_t len, void *arg);

/*
 * A whole load, from memory (name is used in messages, "(memory)" when
 * NULL) or from the file at path: handlers installed, load run, handlers
 * restored, the outcome in err ("FILE: configuration OK" on success).
 */
int px_load_memory(const struct px_format *fmt, const char *buf, size_t len, const char *name,
                   px_load_fn *load, void *arg, char *err, size_t errlen);
int px_load_file(const struct px_format *fmt, const char *path, px_load_fn *load, void *arg,
                 char *err, size_t errlen);

/*
 * Check buf's shape against fmt's bounds, parse it, check that its root
 * element is <root_name> without a namespace, and validate it against the
 * schema at schema_path, or against the built-in one when schema_path is
 * NULL.  The document, or NULL after recording why; xmlFreeDoc it.
 */
xmlDoc *px_open(struct px_loader *ld, const char *buf, size_t len, const char *root_name,
                const char *schema_path, const struct px_builtin *builtin);

/* ------------------------------------------------------------------------ */
/* Walking the tree (xmlvalue.c)                                            */

bool px_is(const xmlNode *n, const char *name);
/* The first element child of n, the element after n; NULL when none. */
const xmlNode *px_first_child(const xmlNode *n);
const xmlNode *px_next_sibling(const xmlNode *n);

/*
 * The value of attribute attr of n, or n's own text when attr is NULL,
 * without surrounding white space, malloc'd in *out; *out is NULL when the
 * attribute is absent.
 */
int px_value(struct px_loader *ld, const xmlNode *n, const char *attr, char **out);

/*
 * Each px_get_* leaves *v alone when the value is absent, so defaults
 * survive, and sets *given (when not NULL) when it is present and good.
 */

/* An amount (see core/amount.h): s, already read from n's attr, into *v. */
int px_amount(struct px_loader *ld, const xmlNode *n, const char *attr, const char *s,
              plm_amt_t *v);
int px_get_amount(struct px_loader *ld, const xmlNode *n, const char *attr, plm_amt_t *v,
                  bool *given);
/* A duration (common/duration.h: "500ms", "2m", "15min", "2h") within lo..hi, in ms. */
int px_get_duration(struct px_loader *ld, const xmlNode *n, const char *attr, uint64_t lo,
                    uint64_t hi, uint64_t *v, bool *given);
/* One of words[], as its index. */
int px_get_choice(struct px_loader *ld, const xmlNode *n, const char *attr,
                  const char *const *words, size_t count, int *v);
/* "true" or "false". */
int px_get_switch(struct px_loader *ld, const xmlNode *n, const char *attr, bool *v);

/* The shortest exact spelling of a duration, for messages: "2h", "15min", "5s", "500ms". */
const char *px_duration_format(uint64_t ms, char *buf, size_t len);

#endif
