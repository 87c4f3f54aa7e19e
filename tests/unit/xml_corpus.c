/* SPDX-License-Identifier: GPL-2.0-only */
/* The corpus harness of the XML loaders' tests; see xml_corpus.h. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/xml_corpus.h"

char *xc_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long len;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)len + 1);
        if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
            free(buf);
            buf = NULL;
        } else if (buf) {
            buf[len] = '\0';
        }
    }
    fclose(f);
    return buf;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t xc_list_dir(const char *dir, const char *prefix, const char *suffix, char ***out)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;

    ck_assert_msg(d != NULL, "cannot open %s", dir);
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), plen = strlen(prefix), slen = strlen(suffix);
        if (len < plen + slen || strncmp(e->d_name, prefix, plen) != 0 ||
            strcmp(e->d_name + len - slen, suffix) != 0)
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        ck_assert_ptr_nonnull(names);
        names[n] = strdup(e->d_name);
        ck_assert_ptr_nonnull(names[n]);
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_names);
    *out = names;
    return n;
}

void xc_free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

void xc_check_bad_files(const char *dir, size_t min, xc_load_fn *load, size_t errlen)
{
    char **names;
    size_t n = xc_list_dir(dir, "bad-", ".xml", &names);
    char *err = malloc(errlen);
    int mismatches = 0;

    ck_assert_ptr_nonnull(err);
    ck_assert_uint_ge(n, min);
    for (size_t i = 0; i < n; i++) {
        char path[512], errpath[512];
        char *want;
        size_t wlen;
        int rc;

        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        snprintf(errpath, sizeof(errpath), "%.*s.err", (int)(strlen(path) - 4), path);
        want = xc_slurp(errpath);
        ck_assert_msg(want != NULL, "%s has no %s", path, errpath);
        wlen = strlen(want);
        while (wlen && (want[wlen - 1] == '\n' || want[wlen - 1] == '\r'))
            want[--wlen] = '\0';
        rc = load(path, err, errlen);
        if (rc >= 0 || strcmp(err, want) != 0) {
            fprintf(stderr, "%s: rc %d\n  want: %s\n  got:  %s\n", path, rc, want, err);
            mismatches++;
        }
        /* One line, always. */
        ck_assert_msg(strchr(err, '\n') == NULL, "%s: multi-line message", path);
        free(want);
    }
    free(err);
    xc_free_list(names, n);
    ck_assert_int_eq(mismatches, 0);
}

void xc_check_every_err_has_a_file(const char *dir, size_t min, const char *what)
{
    char **names;
    size_t n = xc_list_dir(dir, "", ".err", &names);

    ck_assert_uint_ge(n, min);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%.*s.xml", dir, (int)(strlen(names[i]) - 4), names[i]);
        ck_assert_msg(stat(path, &st) == 0, "%s/%s has no %s file", dir, names[i], what);
    }
    xc_free_list(names, n);
}

void xc_write_padded(const char *path, const char *root, size_t size)
{
    static const char tail[] = "-->\n";
    char head[128];
    FILE *f = fopen(path, "wb");

    snprintf(head, sizeof(head), "<%s version=\"1\"/>\n<!--", root);
    ck_assert_ptr_nonnull(f);
    fputs(head, f);
    for (size_t i = strlen(head) + strlen(tail); i < size; i++)
        fputc('x', f);
    fputs(tail, f);
    ck_assert_int_eq(fclose(f), 0);
}

void xc_check_quiet(const char *const *files, size_t n, xc_load_fn *load, size_t errlen)
{
    char path[] = "/tmp/xml_corpus_stderr.XXXXXX";
    int fd = mkstemp(path), saved = dup(2);
    char *err = malloc(errlen);
    struct stat st;

    ck_assert_ptr_nonnull(err);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_ge(saved, 0);
    fflush(stderr);
    ck_assert_int_ge(dup2(fd, 2), 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_lt(load(files[i], err, errlen), 0);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    close(fd);
    unlink(path);
    free(err);
}
