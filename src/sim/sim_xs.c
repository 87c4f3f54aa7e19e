/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulator's xenstore tree: nodes, values, permissions and the
 * per-owner node count behind the quota, with the access rules of C
 * xenstored for unprivileged connections:
 *   - reading a node needs read permission on it, writing an existing
 *     node write permission on it, and creating a node write permission
 *     on its nearest existing ancestor;
 *   - a new node inherits its parent's permissions, except that a node an
 *     unprivileged domain creates is owned by that domain;
 *   - an unprivileged domain may own at most PORT_SIM_QUOTA nodes.
 * Values are limited to PORT_SIM_VALUE_MAX bytes for every caller, dom0
 * included: stricter than xenstored, which exempts dom0 from its quotas,
 * so that nothing the daemon writes depends on that exemption.
 * Watches and their queue live in sim_xs_watch.c.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sim/port_sim.h"
#include "sim/sim_xs.h"

struct sim_xs_node {
    char *name; /* last path component; "" for the root */
    char *value;
    size_t len;
    struct sim_xs_perms perms;
    struct sim_xs_node *parent;
    struct sim_xs_node **child; /* creation order, as xenstore lists them */
    size_t nchild, capchild;
};

/* Relative paths are relative to the caller's home, as in xenstored. */
static int resolve(uint32_t caller, const char *path, char out[PORT_PATH_MAX])
{
    int n;

    if (!path || !*path)
        return PLM_EINVAL;
    if (path[0] == '/')
        n = snprintf(out, PORT_PATH_MAX, "%s", path);
    else
        n = snprintf(out, PORT_PATH_MAX, "/local/domain/%u/%s", (unsigned)caller, path);
    if (n < 0 || n >= PORT_PATH_MAX || !sim_xs_path_valid(out))
        return PLM_EINVAL;
    return 0;
}

static unsigned perm_for(const struct sim_xs_node *node, uint32_t caller)
{
    if (caller == 0 || node->perms.e[0].id == caller)
        return SIM_XS_BOTH;
    for (unsigned i = 1; i < node->perms.n; i++)
        if (node->perms.e[i].id == caller)
            return node->perms.e[i].perm;
    return node->perms.e[0].perm;
}

static int denied(void)
{
    errno = EACCES;
    return PLM_EIO;
}

static int owned_add(struct sim_xs *xs, uint32_t domid, long delta)
{
    if (domid >= xs->nowned) {
        size_t n = (size_t)domid + 16;
        size_t *o = realloc(xs->owned, n * sizeof(*o));
        if (!o)
            return PLM_ENOMEM;
        memset(o + xs->nowned, 0, (n - xs->nowned) * sizeof(*o));
        xs->owned = o;
        xs->nowned = n;
    }
    xs->owned[domid] = (size_t)((long)xs->owned[domid] + delta);
    return 0;
}

size_t sim_xs_owned(const struct sim_xs *xs, uint32_t domid)
{
    return domid < xs->nowned ? xs->owned[domid] : 0;
}

static struct sim_xs_node *child_named(const struct sim_xs_node *n, const char *name, size_t len)
{
    for (size_t i = 0; i < n->nchild; i++)
        if (strncmp(n->child[i]->name, name, len) == 0 && n->child[i]->name[len] == '\0')
            return n->child[i];
    return NULL;
}

/* The node at abs, or NULL with *deepest its nearest existing ancestor
 * and *rest the components still missing ("b/c"). */
static struct sim_xs_node *lookup(const struct sim_xs *xs, const char *abs,
                                  struct sim_xs_node **deepest, const char **rest)
{
    struct sim_xs_node *n = xs->root;
    const char *p = abs + 1;

    while (*p) {
        size_t len = strcspn(p, "/");
        struct sim_xs_node *c = child_named(n, p, len);
        if (!c) {
            if (deepest)
                *deepest = n;
            if (rest)
                *rest = p;
            return NULL;
        }
        n = c;
        p += len;
        if (*p == '/')
            p++;
    }
    return n;
}

static unsigned count_components(const char *rest)
{
    unsigned k = 1;
    for (; *rest; rest++)
        k += *rest == '/';
    return k;
}

static void free_node(struct sim_xs *xs, struct sim_xs_node *n)
{
    for (size_t i = 0; i < n->nchild; i++)
        free_node(xs, n->child[i]);
    owned_add(xs, n->perms.e[0].id, -1);
    free(n->child);
    free(n->name);
    free(n->value);
    free(n);
}

static struct sim_xs_node *new_child(struct sim_xs *xs, struct sim_xs_node *parent,
                                     const char *name, size_t len, uint32_t caller)
{
    struct sim_xs_node *n = calloc(1, sizeof(*n));

    if (!n || !(n->name = strndup(name, len)))
        goto fail;
    n->perms = parent->perms;
    if (caller != 0)
        n->perms.e[0].id = caller;
    if (parent->nchild == parent->capchild) {
        size_t cap = parent->capchild ? parent->capchild * 2 : 4;
        struct sim_xs_node **c = realloc(parent->child, cap * sizeof(*c));
        if (!c)
            goto fail;
        parent->child = c;
        parent->capchild = cap;
    }
    if (owned_add(xs, n->perms.e[0].id, 1) != 0)
        goto fail;
    n->parent = parent;
    parent->child[parent->nchild++] = n;
    return n;
fail:
    if (n)
        free(n->name);
    free(n);
    return NULL;
}

/*
 * Everything a write or mkdir checks before it changes anything: the
 * path, the size, the permissions and the quota.  Sets *node when the
 * node exists, else *anc and *rest for create().
 */
static int check_write(struct sim_xs *xs, uint32_t caller, const char *path, size_t len,
                       char abs[PORT_PATH_MAX], struct sim_xs_node **node, struct sim_xs_node **anc,
                       const char **rest)
{
    int rc = resolve(caller, path, abs);

    if (rc != 0)
        return rc;
    if (len > PORT_SIM_VALUE_MAX) {
        errno = E2BIG;
        return PLM_ERANGE;
    }
    *node = lookup(xs, abs, anc, rest);
    if (*node)
        return (perm_for(*node, caller) & SIM_XS_WRITE) ? 0 : denied();
    if (!(perm_for(*anc, caller) & SIM_XS_WRITE))
        return denied();
    if (caller != 0 && sim_xs_owned(xs, caller) + count_components(*rest) > PORT_SIM_QUOTA) {
        errno = ENOSPC;
        return PLM_ETOOMANY;
    }
    return 0;
}

static int create(struct sim_xs *xs, uint32_t caller, struct sim_xs_node *anc, const char *rest,
                  struct sim_xs_node **out)
{
    struct sim_xs_node *n = anc;

    while (*rest) {
        size_t len = strcspn(rest, "/");
        n = new_child(xs, n, rest, len, caller);
        if (!n)
            return PLM_ENOMEM;
        rest += len;
        if (*rest == '/')
            rest++;
    }
    *out = n;
    return 0;
}

static int set_value(struct sim_xs_node *n, const char *val, size_t len)
{
    /* One spare byte so an empty value is still a valid allocation. */
    char *v = malloc(len + 1);

    if (!v)
        return PLM_ENOMEM;
    if (len)
        memcpy(v, val, len);
    free(n->value);
    n->value = v;
    n->len = len;
    return 0;
}

static int write_node(struct sim_xs *xs, uint32_t caller, const char *path, const char *val,
                      size_t len, char abs[PORT_PATH_MAX])
{
    struct sim_xs_node *node, *anc = NULL;
    const char *rest = NULL;
    int rc;

    if (!val && len)
        return PLM_EINVAL;
    rc = check_write(xs, caller, path, len, abs, &node, &anc, &rest);
    if (rc == 0 && !node)
        rc = create(xs, caller, anc, rest, &node);
    return rc ? rc : set_value(node, val, len);
}

int sim_xs_write(struct sim_xs *xs, uint32_t caller, const char *path, const char *val, size_t len)
{
    char abs[PORT_PATH_MAX];
    int rc = write_node(xs, caller, path, val, len, abs);

    if (rc == 0)
        sim_xs_fire(xs, abs, false);
    return rc;
}

int sim_xs_write_txn(struct sim_xs *xs, uint32_t caller, const struct port_kv *kv, size_t n)
{
    char abs[PORT_PATH_MAX];
    struct sim_xs_node *node, *anc;
    const char *rest;
    int rc;

    if (n && !kv)
        return PLM_EINVAL;
    /* All or nothing: refuse before anything is written. */
    for (size_t i = 0; i < n; i++) {
        if (!kv[i].value && kv[i].len)
            return PLM_EINVAL;
        rc = check_write(xs, caller, kv[i].path, kv[i].len, abs, &node, &anc, &rest);
        if (rc != 0)
            return rc;
    }
    for (size_t i = 0; i < n; i++) {
        rc = write_node(xs, caller, kv[i].path, kv[i].value, kv[i].len, abs);
        if (rc != 0)
            return rc; /* PLM_ENOMEM only */
    }
    /* Watches fire at commit, once per key, in the order written. */
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        resolve(caller, kv[i].path, abs);
        for (size_t j = 0; j < i && !seen; j++) {
            char other[PORT_PATH_MAX];
            resolve(caller, kv[j].path, other);
            seen = strcmp(abs, other) == 0;
        }
        if (!seen)
            sim_xs_fire(xs, abs, false);
    }
    return 0;
}

int sim_xs_mkdir(struct sim_xs *xs, uint32_t caller, const char *path)
{
    char abs[PORT_PATH_MAX];
    struct sim_xs_node *node, *anc = NULL;
    const char *rest = NULL;
    int rc = resolve(caller, path, abs);

    if (rc != 0)
        return rc;
    if (lookup(xs, abs, NULL, NULL))
        return 0;
    rc = check_write(xs, caller, path, 0, abs, &node, &anc, &rest);
    if (rc == 0)
        rc = create(xs, caller, anc, rest, &node);
    if (rc == 0)
        rc = set_value(node, "", 0);
    if (rc == 0)
        sim_xs_fire(xs, abs, false);
    return rc;
}

int sim_xs_read(struct sim_xs *xs, uint32_t caller, const char *path, char *buf, size_t cap,
                size_t *len_out)
{
    char abs[PORT_PATH_MAX];
    struct sim_xs_node *n, *anc = NULL;
    int rc = resolve(caller, path, abs);

    if (rc != 0)
        return rc;
    if (!buf && cap)
        return PLM_EINVAL;
    n = lookup(xs, abs, &anc, NULL);
    /* Like xenstored, do not tell a domain that a node it could not read
     * is missing: the answer comes from the nearest existing ancestor. */
    if (!(perm_for(n ? n : anc, caller) & SIM_XS_READ))
        return denied();
    if (!n)
        return PLM_ENOENT;
    if (len_out)
        *len_out = n->len;
    if (n->len > cap)
        return PLM_ERANGE;
    if (n->len)
        memcpy(buf, n->value, n->len);
    return 0;
}

int sim_xs_rm(struct sim_xs *xs, uint32_t caller, const char *path)
{
    char abs[PORT_PATH_MAX];
    struct sim_xs_node *n, *parent;
    int rc = resolve(caller, path, abs);

    if (rc != 0)
        return rc;
    if (strcmp(abs, "/") == 0)
        return PLM_EINVAL;
    n = lookup(xs, abs, NULL, NULL);
    if (!n)
        return 0;
    if (!(perm_for(n, caller) & SIM_XS_WRITE))
        return denied();
    parent = n->parent;
    for (size_t i = 0; i < parent->nchild; i++) {
        if (parent->child[i] == n) {
            memmove(&parent->child[i], &parent->child[i + 1],
                    (parent->nchild - i - 1) * sizeof(parent->child[0]));
            parent->nchild--;
            break;
        }
    }
    free_node(xs, n);
    sim_xs_fire(xs, abs, true);
    return 0;
}

int sim_xs_set_perms(struct sim_xs *xs, uint32_t caller, const char *path,
                     const struct sim_xs_perms *perms)
{
    char abs[PORT_PATH_MAX];
    struct sim_xs_node *n;
    int rc = resolve(caller, path, abs);

    if (rc != 0)
        return rc;
    if (!perms || perms->n == 0 || perms->n > SIM_XS_ACL_MAX)
        return PLM_EINVAL;
    n = lookup(xs, abs, NULL, NULL);
    if (!n)
        return PLM_ENOENT;
    /* Only dom0 may give a node away; an owner may only change the list. */
    if (caller != 0 && (n->perms.e[0].id != caller || perms->e[0].id != caller))
        return denied();
    rc = owned_add(xs, perms->e[0].id, 1);
    if (rc != 0)
        return rc;
    owned_add(xs, n->perms.e[0].id, -1);
    n->perms = *perms;
    sim_xs_fire(xs, abs, false);
    return 0;
}

int sim_xs_perms_string(struct sim_xs *xs, const char *path, char *buf, size_t size)
{
    static const char letter[] = "nrwb";
    char abs[PORT_PATH_MAX];
    const struct sim_xs_node *n;
    size_t used = 0;
    int rc = resolve(0, path, abs);

    if (rc != 0)
        return rc;
    if (!buf || size == 0)
        return PLM_EINVAL;
    n = lookup(xs, abs, NULL, NULL);
    if (!n)
        return PLM_ENOENT;
    buf[0] = '\0';
    for (unsigned i = 0; i < n->perms.n; i++) {
        int w = snprintf(buf + used, size - used, "%s%c%u", i ? "," : "",
                         letter[n->perms.e[i].perm & 3], (unsigned)n->perms.e[i].id);
        if (w < 0 || (size_t)w >= size - used)
            return PLM_ERANGE;
        used += (size_t)w;
    }
    return 0;
}

int sim_xs_init(struct sim_xs *xs)
{
    memset(xs, 0, sizeof(*xs));
    xs->root = calloc(1, sizeof(*xs->root));
    xs->q = calloc(PORT_SIM_EVQ_MAX, sizeof(*xs->q));
    if (!xs->root || !xs->q || !(xs->root->name = strdup("")) || set_value(xs->root, "", 0)) {
        sim_xs_dispose(xs);
        return PLM_ENOMEM;
    }
    /* The root is dom0's, and nobody else's (n0). */
    xs->root->perms.n = 1;
    return owned_add(xs, 0, 1);
}

void sim_xs_dispose(struct sim_xs *xs)
{
    if (xs->root)
        free_node(xs, xs->root);
    free(xs->owned);
    free(xs->watch);
    free(xs->q);
    memset(xs, 0, sizeof(*xs));
}
