/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Replacing a file whole: a temporary file beside it, then rename(2)
 * (textfile.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/textfile.h"

int textfile_set(struct textfile *t, const char *dir, const char *name)
{
    int n = snprintf(t->path, sizeof(t->path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(t->path) - 16) {
        t->path[0] = '\0';
        return -1;
    }
    return 0;
}

/* The temporary file beside t->path: "DIR/.NAME.XXXXXX". */
static int temp_name(const struct textfile *t, char *buf, size_t size)
{
    const char *slash = strrchr(t->path, '/');
    int dirlen = slash ? (int)(slash - t->path) : 0;
    const char *base = slash ? slash + 1 : t->path;
    int n = snprintf(buf, size, "%.*s%s.%s.XXXXXX", dirlen, t->path, slash ? "/" : "", base);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

void textfile_sweep(const struct textfile *t)
{
    char tmp[TEXTFILE_PATH_MAX], dir[TEXTFILE_PATH_MAX], path[TEXTFILE_PATH_MAX + 256];
    const char *slash = strrchr(t->path, '/');

    if (!slash || temp_name(t, tmp, sizeof(tmp)) != 0)
        return;
    snprintf(dir, sizeof(dir), "%.*s", slash == t->path ? 1 : (int)(slash - t->path), t->path);
    /* The name before mkstemp's six characters: ".NAME." */
    const char *prefix = strrchr(tmp, '/') + 1;
    size_t plen = strlen(prefix) - 6;
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, prefix, plen) != 0 || strlen(e->d_name) != plen + 6)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Make a rename in path's directory durable; a failure only means the old
 * file may come back after a crash, which the caller's format allows. */
static void sync_dir(const char *path)
{
    char dir[TEXTFILE_PATH_MAX];
    const char *slash = strrchr(path, '/');

    snprintf(dir, sizeof(dir), "%.*s",
             !slash          ? 1
             : slash == path ? 1
                             : (int)(slash - path),
             slash ? path : ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

static int replace(const struct textfile *t, const char *data, size_t len, const char **what)
{
    char tmp[TEXTFILE_PATH_MAX];
    int fd, saved;

    *what = "create a temporary file for";
    if (temp_name(t, tmp, sizeof(tmp)) != 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkstemp(tmp);
    if (fd < 0)
        return -1;
    /* mkstemp makes it 0600; a metrics collector may run as another user. */
    *what = "write";
    if (fchmod(fd, t->mode ? (mode_t)t->mode : 0644) != 0 || write_all(fd, data, len) != 0)
        goto fail;
    *what = "sync";
    if (t->durable && fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    *what = "rename a temporary file onto";
    if (rename(tmp, t->path) != 0)
        goto fail;
    if (t->durable)
        sync_dir(t->path);
    return 0;
fail:
    saved = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    errno = saved;
    return -1;
}

int textfile_write(struct textfile *t, const char *data, size_t len)
{
    const char *what = "write";

    if (!t->path[0]) {
        errno = EINVAL;
        return -1;
    }
    if (replace(t, data, len, &what) != 0) {
        int saved = errno;
        t->failures++;
        if (!t->failing)
            log_warn("cannot %s the %s %s (trying again at the next interval)", what,
                     t->kind ? t->kind : "metrics file", t->path);
        t->failing = true;
        errno = saved;
        return -1;
    }
    if (t->failing)
        log_info("the %s %s written again after %lu failed tries",
                 t->kind ? t->kind : "metrics file", t->path, t->failures);
    t->failing = false;
    t->failures = 0;
    return 0;
}
