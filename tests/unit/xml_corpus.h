/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The corpus harness of the XML loaders' tests (check_policy,
 * check_agent_goals): a directory of bad-*.xml files, each with the one
 * message its load must fail with in a .err file next to it.  Paths are
 * relative to $top_srcdir, where make check runs the tests.
 */
#ifndef XENPLM_TESTS_XML_CORPUS_H
#define XENPLM_TESTS_XML_CORPUS_H

#include <stddef.h>

/* A whole file, NUL-terminated, or NULL. */
char *xc_slurp(const char *path);

/* Sorted names in dir that start with prefix and end with suffix; returns the count. */
size_t xc_list_dir(const char *dir, const char *prefix, const char *suffix, char ***out);
void xc_free_list(char **names, size_t n);

/* One load of the file at path, its outcome in err; 0 or a negative code. */
typedef int xc_load_fn(const char *path, char *err, size_t errlen);

/*
 * Every bad-*.xml in dir (at least min of them) fails to load with
 * exactly the message of its .err file (less the final newline), in one
 * line; each mismatch is printed before the test fails.  errlen: the size
 * of the loader's message buffer.
 */
void xc_check_bad_files(const char *dir, size_t min, xc_load_fn *load, size_t errlen);

/* Every .err in dir (at least min of them) has its .xml: a "what" file. */
void xc_check_every_err_has_a_file(const char *dir, size_t min, const char *what);

/* A good document, <root version="1"/>, padded with a comment to exactly size bytes, at path. */
void xc_write_padded(const char *path, const char *root, size_t size);

/* Loading each of files[] fails, and nothing (libxml2 included) is written to stderr. */
void xc_check_quiet(const char *const *files, size_t n, xc_load_fn *load, size_t errlen);

#endif
