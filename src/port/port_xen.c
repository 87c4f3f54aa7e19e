/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The real host behind port.h's three interfaces: libxl for domains and the
 * toolstack's knobs, libxenstore for the guest protocol and the watches.
 * This is the only file that includes Xen's headers; everything leaves it
 * translated into port.h's types and PLM_E* codes, and every failure is
 * logged here with the domain id, as port.h promises.  A missing domain
 * or node is an everyday answer and goes to the debug or info level.
 *
 * Memory is counted in the units libxl_set_memory_target takes: libxl
 * subtracts the HVM video RAM from the target it writes to
 * memory/target and checks that result against memory/static-max, and
 * the domain's pages (current_memkb) include that video RAM.  So the
 * target and the ceiling reported here are memory/target and
 * memory/static-max plus memory/videoram.  The ceiling is not
 * libxl_dominfo.max_memkb: setting a target with enforce lowers the
 * hypervisor's limit to the target, so max_memkb would stop the balloon
 * from ever growing back.
 *
 * As on the simulated host, no event of a watch is delivered after
 * xs_unwatch: events are checked against the watches registered now (see
 * xu_event_fill).  libxenstore's XS_UNWATCH_FILTER would do the same, but
 * in Xen 4.17 it leaks every event it drops.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* configure pins libxl's API (XEN_CFLAGS): see configure.ac. */
#ifndef LIBXL_API_VERSION
#error "LIBXL_API_VERSION is not set: build with configure's XEN_CFLAGS"
#endif
#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

#include "common/clock.h"
#include "common/errbuf.h"
#include "common/walltime.h"
#include "core/error.h"
#include "common/log.h"
#include "port/port.h"
#include "port/port_xlmig.h"
#include "port/xen_stat.h"
#include "port/xen_watch.h"

/* Xen's pages are 4 KiB wherever libxl runs; libxl_get_free_memory counts
 * them that way too, so total and free memory agree. */
#define XEN_PAGE_KIB 4

/* Attempts at a transaction that xenstored keeps failing with EAGAIN
 * because others wrote the same nodes meanwhile. */
#define TXN_TRIES 10

/* The longest wait() sleeps between looks at the xenstore connection:
 * libxenstore's watch pipe stays silent when the connection breaks. */
#define HEALTH_CHECK_MS 5000

/* While xenstore is unreachable, wait() sleeps this long before telling
 * the daemon again, so that its reconnect attempts do not spin. */
#define RETRY_MS 1000

/* Cpupools whose scheduler sched_set remembers. */
#define POOL_CACHE 8

struct xen {
    struct port port;
    libxl_ctx *ctx;
    /* The scheduler of each cpupool seen: fixed when a pool is made, and
     * costly to ask libxl for (it reads the pool's name from xenstore). */
    struct {
        uint32_t poolid;
        int sched;
    } pools[POOL_CACHE];
    unsigned npools, next_pool;
    /* Cpupool 0's scheduler (host_info), once read. */
    int host_sched;
    bool host_sched_known;
    struct xs_handle *xs; /* NULL after a failed reconnect, until the next */
    bool broken;          /* the connection failed: only reconnect helps */
    char **stash;         /* an event taken from libxenstore, not yet delivered */
    struct xu_watches watches;
    struct pollfd *pfd;
    size_t pfd_cap;
    /* The live migration running (one at a time): its child, its domain
     * and handle. */
    struct port_xlmig mig;
    uint32_t mig_domid, mig_handle, mig_next;
    struct xen_stat *stat; /* libxenstat, opened at the first dom_io */
    bool stat_partial;     /* it reads the network or the disks alone (logged) */
};

static const struct port_host_ops xen_host_ops;

/* --- libxl's log, forwarded ------------------------------------------------ */

/* libxl reports the detail of its failures (which hypercall, which node)
 * only to its logger: warnings and worse go to ours, the chatter below
 * them nowhere. */
__attribute__((format(printf, 5, 0))) static void fwd_vmessage(struct xentoollog_logger *lg,
                                                               xentoollog_level level, int errnoval,
                                                               const char *context,
                                                               const char *format, va_list al)
{
    char msg[512];
    size_t n;
    int saved = errno; /* libxl logs on its way out of a failure */

    (void)lg;
    if (level < XTL_WARN)
        return;
    vsnprintf(msg, sizeof(msg), format, al);
    n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    if (errnoval >= 0)
        log_warnx("%s: %s: %s", context ? context : "libxl", msg, strerror(errnoval));
    else
        log_warnx("%s: %s", context ? context : "libxl", msg);
    errno = saved;
}

static void fwd_progress(struct xentoollog_logger *lg, const char *context, const char *doing_what,
                         int percent, unsigned long done, unsigned long total)
{
    /* libxl reports no progress for the calls made here. */
    (void)lg;
    (void)context;
    (void)doing_what;
    (void)percent;
    (void)done;
    (void)total;
}

static void fwd_destroy(struct xentoollog_logger *lg)
{
    (void)lg; /* static: nothing to free */
}

static xentoollog_logger xtl_forwarder = {
    .vmessage = fwd_vmessage,
    .progress = fwd_progress,
    .destroy = fwd_destroy,
};

/* --- error translation ------------------------------------------------------ */

/* The PLM_E* code for a libxl error. */
static int from_libxl(int r)
{
    switch (r) {
    case 0:
        return 0;
    case ERROR_NOMEM:
        return PLM_ENOMEM;
    case ERROR_INVAL:
    case ERROR_NI:
    case ERROR_FEATURE_REMOVED:
        return PLM_EINVAL;
    case ERROR_DOMAIN_NOTFOUND:
    case ERROR_DOMAIN_DESTROYED:
    case ERROR_NOTFOUND:
        return PLM_ENOENT;
    default:
        return PLM_EIO;
    }
}

static const char *libxl_err_name(int r)
{
    const char *s = libxl_error_to_string((libxl_error)r);

    return s ? s : "unknown error";
}

/*
 * Whether the domain's xenstore area is gone.  `xl destroy` removes it
 * first, then the domain's stored configuration, and only then asks Xen to
 * destroy the domain: a call in between fails (on Xen 4.20, setting a
 * memory target: "unable to retrieve domain configuration") while Xen
 * still reports the domain alive and not dying (seen in the 4.20 rig).
 */
static bool xs_area_gone(struct xen *x, uint32_t domid)
{
    char path[PORT_PATH_MAX];
    unsigned int len = 0;
    char *val;

    if (!x->xs || x->broken)
        return false;
    snprintf(path, sizeof(path), "/local/domain/%u", (unsigned)domid);
    val = xs_read(x->xs, XBT_NULL, path, &len);
    if (val) {
        free(val);
        return false;
    }
    return errno == ENOENT;
}

/*
 * The code for a failed call on one domain.  libxl answers ERROR_INVAL or
 * ERROR_FAIL for a domain that vanished under it, or that is being
 * destroyed (its xenstore area already gone: seen on Xen 4.20, where
 * libxl_set_memory_target fails reading memory/target or the stored
 * configuration), so the domain is asked about: one that is gone, dying
 * or without its xenstore area counts as gone, which explains the failure
 * better.
 */
static int domain_rc(struct xen *x, uint32_t domid, int r)
{
    libxl_dominfo info;
    int gone;

    libxl_dominfo_init(&info);
    int q = libxl_domain_info(x->ctx, &info, domid);
    gone = q == ERROR_DOMAIN_NOTFOUND || (q == 0 && (info.dying || xs_area_gone(x, domid)));
    libxl_dominfo_dispose(&info);
    return gone ? PLM_ENOENT : from_libxl(r);
}

/*
 * Log a failed libxl call about a domain, at the debug level: the caller
 * (the apply step) reports the failure once, with what it was doing; this
 * line keeps libxl's own code for whoever debugs it.
 */
static void log_libxl(uint32_t domid, int rc, int r, const char *call, const char *what)
{
    const char *sep = what[0] ? " " : "";

    if (rc == PLM_ENOENT)
        log_debug("Domain %u: %s%s%s: the domain is gone", (unsigned)domid, call, sep, what);
    else
        log_debug("Domain %u: %s%s%s failed: libxl error %d (%s)", (unsigned)domid, call, sep, what,
                  r, libxl_err_name(r));
}

/* Whether xenstore can be used now; logs and sets errno when not. */
static bool connected(struct xen *x, const char *call, const char *path)
{
    if (x->xs && !x->broken)
        return true;
    log_warnx("Domain %u: %s %s: not connected to xenstore (reconnecting)", xu_path_domid(path),
              call, path);
    errno = ENOTCONN;
    return false;
}

/* Log a failed xenstore call with its errno, which is kept for the caller. */
static int xs_failed(int e, const char *call, const char *path)
{
    int rc = xu_from_errno(e);

    errno = e;
    if (rc == PLM_ENOENT)
        log_debug("Domain %u: %s %s: no such node", xu_path_domid(path), call, path);
    else
        log_warn("Domain %u: %s %s", xu_path_domid(path), call, path);
    errno = e;
    return rc;
}

/* --- domains and the host ----------------------------------------------------- */

/* A number of KiB under the domain's memory/ node: 0, or PLM_ENOENT when
 * there is none (a domain being built or torn down), or another failure. */
static int read_mem_kib(struct xen *x, uint32_t domid, const char *leaf, uint64_t *out)
{
    char path[PORT_PATH_MAX];
    unsigned int len = 0;
    char *val = NULL;
    int rc;

    snprintf(path, sizeof(path), "/local/domain/%u/memory/%s", (unsigned)domid, leaf);
    if (!x->xs || x->broken) {
        rc = PLM_EIO; /* connected() would log it once per node: the caller falls back */
        goto out;
    }
    val = xs_read(x->xs, XBT_NULL, path, &len);
    if (!val) {
        int e = errno;
        rc = xu_from_errno(e);
        if (rc != PLM_ENOENT)
            xs_failed(e, "xs_read", path);
        goto out;
    }
    rc = xu_parse_u64(val, len, out);
    if (rc)
        log_warnx("Domain %u: %s is not a number of KiB", (unsigned)domid, path);
out:
    free(val);
    return rc;
}

static void fill_domain(struct xen *x, const libxl_dominfo *info, struct port_domain *out)
{
    uint32_t id = info->domid;
    uint64_t video = 0, kib = 0;
    char *name;

    memset(out, 0, sizeof(*out));
    out->domid = id;
    xu_uuid_format(libxl_uuid_bytearray_const(&info->uuid), out->uuid);
    out->max_vcpus = info->vcpu_max_id + 1;
    out->online_vcpus = info->vcpu_online;
    out->mem_actual_kib = info->current_memkb;
    out->cpu_time_ns = info->cpu_time;
    /* A domain shut down (for reboot, poweroff or suspend) is on its way
     * out or in the toolstack's hands: leave it alone, as a dying one. */
    out->dying = info->dying || info->shutdown;
    out->type = info->domain_type == LIBXL_DOMAIN_TYPE_PV    ? PORT_DOM_PV
                : info->domain_type == LIBXL_DOMAIN_TYPE_PVH ? PORT_DOM_PVH
                : info->domain_type == LIBXL_DOMAIN_TYPE_HVM ? PORT_DOM_HVM
                                                             : PORT_DOM_UNKNOWN;

    name = libxl_domid_to_name(x->ctx, id);
    if (name && name[0]) {
        snprintf(out->name, sizeof(out->name), "%s", name);
    } else if (!out->dying) {
        /* Between the hypercall that creates a domain and the transaction
         * that writes its name, libxl lists it nameless; policies match
         * names, so it is left alone until @introduceDomain, which fires
         * once the name is there. */
        log_debug("Domain %u: no name in xenstore yet; left alone until it has one", (unsigned)id);
        out->dying = true;
    }
    free(name);

    if (read_mem_kib(x, id, "videoram", &video) != 0)
        video = 0; /* PV domains have none */
    if (read_mem_kib(x, id, "static-max", &kib) == 0 && kib <= UINT64_MAX - video)
        out->mem_max_kib = kib + video;
    else
        out->mem_max_kib = info->max_memkb;
    if (read_mem_kib(x, id, "target", &kib) == 0 && kib <= UINT64_MAX - video)
        out->mem_target_kib = kib + video;
    else
        out->mem_target_kib = info->current_memkb;
}

static int xen_list_domains(struct port *p, struct port_domain *out, size_t cap, size_t *n_out)
{
    struct xen *x = p->priv;
    libxl_dominfo *list = NULL;
    int nb = -1, rc;

    if (!n_out || (cap && !out)) {
        log_warnx("list_domains: no room for the answer");
        rc = PLM_EINVAL;
        goto out;
    }
    list = libxl_list_domain(x->ctx, &nb);
    /* NULL is also the answer for no domain at all, with a count of 0. */
    if (!list && nb != 0) {
        log_warnx("cannot list domains: libxl_list_domain failed");
        rc = PLM_EIO;
        goto out;
    }
    for (int i = 0; i < nb && (size_t)i < cap; i++)
        fill_domain(x, &list[i], &out[i]);
    *n_out = (size_t)nb;
    rc = 0;
out:
    if (list)
        libxl_dominfo_list_free(list, nb);
    return rc;
}

static int xen_domain_info(struct port *p, uint32_t domid, struct port_domain *out)
{
    struct xen *x = p->priv;
    libxl_dominfo info;
    int rc, r;

    libxl_dominfo_init(&info);
    if (!out) {
        log_warnx("Domain %u: domain_info: no room for the answer", (unsigned)domid);
        rc = PLM_EINVAL;
        goto out;
    }
    r = libxl_domain_info(x->ctx, &info, domid);
    /* ERROR_INVAL is how libxl before 4.6 said ERROR_DOMAIN_NOTFOUND. */
    if (r == ERROR_DOMAIN_NOTFOUND || r == ERROR_INVAL) {
        log_debug("Domain %u: domain_info: no such domain", (unsigned)domid);
        rc = PLM_ENOENT;
        goto out;
    }
    if (r) {
        rc = from_libxl(r);
        log_warnx("Domain %u: libxl_domain_info failed: libxl error %d (%s)", (unsigned)domid, r,
                  libxl_err_name(r));
        goto out;
    }
    fill_domain(x, &info, out);
    rc = 0;
out:
    libxl_dominfo_dispose(&info);
    return rc;
}

static const char *sched_name(int sched)
{
    const char *s = libxl_scheduler_to_string((libxl_scheduler)sched);

    return s ? s : "unknown";
}

static int xen_host_info(struct port *p, struct port_host *out)
{
    struct xen *x = p->priv;
    libxl_physinfo pi;
    uint64_t free_kib = 0;
    int rc, r, sched;

    libxl_physinfo_init(&pi);
    if (!out) {
        log_warnx("host_info: no room for the answer");
        rc = PLM_EINVAL;
        goto out;
    }
    r = libxl_get_physinfo(x->ctx, &pi);
    if (r) {
        rc = from_libxl(r);
        log_warnx("libxl_get_physinfo failed: libxl error %d (%s)", r, libxl_err_name(r));
        goto out;
    }
    /* Free memory as libxl_get_free_memory counts it (4.17 to 4.20), from
     * the same reading: that call would read physinfo again (three more
     * hypercalls on every decision that moves memory or sizes pools). */
    free_kib = ((uint64_t)pi.free_pages + pi.scrub_pages) * XEN_PAGE_KIB;
    /* Xen's default scheduler, which is cpupool 0's: set at boot and never
     * changed (cpupool 0 cannot be made again), so read once. */
    if (!x->host_sched_known) {
        sched = libxl_get_scheduler(x->ctx);
        if (sched < 0) {
            rc = from_libxl(sched);
            log_warnx("libxl_get_scheduler failed: libxl error %d (%s)", sched,
                      libxl_err_name(sched));
            goto out;
        }
        x->host_sched = sched;
        x->host_sched_known = true;
    }
    sched = x->host_sched;
    memset(out, 0, sizeof(*out));
    out->pcpus = pi.nr_cpus;
    out->cpu_ids = pi.max_cpu_id + 1;
    out->total_kib = pi.total_pages * XEN_PAGE_KIB;
    out->free_kib = free_kib;
    snprintf(out->sched, sizeof(out->sched), "%s", sched_name(sched));
    rc = 0;
out:
    libxl_physinfo_dispose(&pi);
    return rc;
}

/* --- xenstore ------------------------------------------------------------------- */

static int xen_xs_read(struct port *p, const char *path, char *buf, size_t cap, size_t *len_out)
{
    struct xen *x = p->priv;
    unsigned int len = 0;
    char *val = NULL;
    int rc;

    if (!path || (cap && !buf)) {
        log_warnx("xs_read: no path or no buffer");
        rc = PLM_EINVAL;
        goto out;
    }
    if (!connected(x, "xs_read", path)) {
        rc = PLM_EIO;
        goto out;
    }
    /* xenstored caps a value at XENSTORE_PAYLOAD_MAX, so this is bounded. */
    val = xs_read(x->xs, XBT_NULL, path, &len);
    if (!val) {
        rc = xs_failed(errno, "xs_read", path);
        goto out;
    }
    if (len_out)
        *len_out = len;
    if (len > cap) {
        log_info("Domain %u: xs_read %s: %u bytes, more than the %zu expected", xu_path_domid(path),
                 path, len, cap);
        rc = PLM_ERANGE;
        goto out;
    }
    if (len)
        memcpy(buf, val, len);
    rc = 0;
out:
    free(val);
    return rc;
}

/* The writes of one transaction: false with errno set, and *failed the
 * path it was about, on failure. */
typedef bool txn_body(struct xen *x, xs_transaction_t t, const void *arg, const char **failed);

/*
 * Run body in a transaction, again while xenstored answers EAGAIN (others
 * changed what it touched meanwhile), at most TXN_TRIES times.  Either
 * everything body wrote is committed or nothing is.
 */
static int run_txn(struct xen *x, txn_body *body, const void *arg, const char *first)
{
    const char *failed = first;
    int e = EAGAIN;

    if (!connected(x, "xs_transaction_start", first))
        return PLM_EIO;
    for (int i = 0; i < TXN_TRIES && e == EAGAIN; i++) {
        xs_transaction_t t = xs_transaction_start(x->xs);
        if (t == XBT_NULL) {
            e = errno;
            failed = first;
            goto out;
        }
        if (!body(x, t, arg, &failed)) {
            e = errno;
            xs_transaction_end(x->xs, t, true);
            continue;
        }
        if (xs_transaction_end(x->xs, t, false)) {
            e = 0;
            goto out;
        }
        e = errno;
        failed = first;
    }
out:
    if (e == 0)
        return 0;
    if (e == EAGAIN) {
        log_warnx("Domain %u: xenstore transaction on %s: still conflicting after %d attempts",
                  xu_path_domid(failed), failed, TXN_TRIES);
        errno = e;
        return PLM_EIO;
    }
    return xs_failed(e, "xenstore transaction on", failed);
}

struct kv_arg {
    const struct port_kv *kv;
    size_t n;
};

static bool write_all(struct xen *x, xs_transaction_t t, const void *arg, const char **failed)
{
    const struct kv_arg *a = arg;

    for (size_t i = 0; i < a->n; i++) {
        const struct port_kv *kv = &a->kv[i];
        *failed = kv->path;
        if (!xs_write(x->xs, t, kv->path, kv->value ? kv->value : "", (unsigned int)kv->len))
            return false;
    }
    return true;
}

static int xen_xs_write_txn(struct port *p, const struct port_kv *kv, size_t n)
{
    struct xen *x = p->priv;
    struct kv_arg a = {kv, n};

    if (n && !kv) {
        log_warnx("xs_write_txn: no keys");
        return PLM_EINVAL;
    }
    if (n == 0)
        return 0;
    /* All or nothing: refuse before anything is written. */
    for (size_t i = 0; i < n; i++) {
        if (!kv[i].path || (!kv[i].value && kv[i].len)) {
            log_warnx("xs_write_txn: key %zu has no path or no value", i);
            return PLM_EINVAL;
        }
        if (kv[i].len > XENSTORE_PAYLOAD_MAX) {
            log_warnx("Domain %u: xs_write %s: %zu bytes, more than xenstore takes",
                      xu_path_domid(kv[i].path), kv[i].path, kv[i].len);
            return PLM_ERANGE;
        }
    }
    return run_txn(x, write_all, &a, kv[0].path);
}

struct ro_arg {
    const char *path;
    uint32_t reader;
};

static bool mkdir_ro(struct xen *x, xs_transaction_t t, const void *arg, const char **failed)
{
    const struct ro_arg *a = arg;
    /* Owned by dom0, nobody else may do anything but the reader read. */
    struct xs_permissions perms[2] = {
        {.id = 0, .perms = XS_PERM_NONE},
        {.id = a->reader, .perms = XS_PERM_READ},
    };

    *failed = a->path;
    /* dom0 reads everything anyway: a second entry for it would be noise. */
    return xs_mkdir(x->xs, t, a->path) &&
           xs_set_permissions(x->xs, t, a->path, perms, a->reader ? 2 : 1);
}

static int xen_xs_mkdir_ro(struct port *p, const char *path, uint32_t reader)
{
    struct xen *x = p->priv;
    struct ro_arg a = {path, reader};

    if (!path) {
        log_warnx("Domain %u: xs_mkdir_ro: no path", (unsigned)reader);
        return PLM_EINVAL;
    }
    /* One transaction, so that the node never exists with the permissions
     * it inherits from its parent. */
    return run_txn(x, mkdir_ro, &a, path);
}

static int xen_xs_rm(struct port *p, const char *path)
{
    struct xen *x = p->priv;

    if (!path) {
        log_warnx("xs_rm: no path");
        return PLM_EINVAL;
    }
    if (!connected(x, "xs_rm", path))
        return PLM_EIO;
    if (!xs_rm(x->xs, XBT_NULL, path)) {
        if (errno == ENOENT)
            return 0;
        return xs_failed(errno, "xs_rm", path);
    }
    return 0;
}

static void mark_broken(struct xen *x, int e, const char *how)
{
    if (!x->broken) {
        errno = e;
        log_warn("xenstore: the connection to xenstored is gone (%s)", how);
    }
    x->broken = true;
}

/* Whether a fired watch waits in libxenstore: 1 (then it is in the stash),
 * 0, or PLM_EIO when there is no working connection. */
static int peek_event(struct xen *x)
{
    if (x->stash)
        return 1;
    if (!x->xs || x->broken)
        return PLM_EIO;
    x->stash = xs_check_watch(x->xs);
    if (x->stash)
        return 1;
    if (errno == EAGAIN)
        return 0;
    /* libxenstore's reader thread closed the connection (EINVAL), or a read
     * failed outright: nothing more will come on it. */
    mark_broken(x, errno, "xs_check_watch");
    return PLM_EIO;
}

static int xen_xs_watch(struct port *p, const char *path, const char *token)
{
    struct xen *x = p->priv;
    int rc, added, e;

    /* A relative watch reports relative paths, which the daemon has no use
     * for; both limits are those of struct port_event. */
    if (!path || !token || (path[0] != '/' && path[0] != '@') || strlen(path) >= PORT_PATH_MAX ||
        strlen(token) >= PORT_TOKEN_MAX) {
        log_warnx("Domain %u: xs_watch %s: an absolute path or @name, and a token, that fit "
                  "%d and %d bytes, are needed",
                  xu_path_domid(path), path ? path : "(none)", PORT_PATH_MAX - 1,
                  PORT_TOKEN_MAX - 1);
        rc = PLM_EINVAL;
        goto out;
    }
    /* Remembered first: the next reconnect registers every watch it
     * knows, so one asked for while the connection is down (or as it
     * breaks) is not lost, though this call fails. */
    added = xu_watches_add(&x->watches, path, token);
    if (added < 0) {
        log_warnx("Domain %u: xs_watch %s: %s", xu_path_domid(path), path, plm_strerror(added));
        rc = added;
        goto out;
    }
    if (!x->xs || x->broken) {
        log_warnx("Domain %u: xs_watch %s: not connected to xenstore; registered on reconnect",
                  xu_path_domid(path), path);
        errno = ENOTCONN;
        rc = PLM_EIO;
        goto out;
    }
    if (!xs_watch(x->xs, path, token)) {
        e = errno;
        if (e == EEXIST) {
            /* Already registered on this connection, and so remembered. */
            log_debug("Domain %u: xs_watch %s: already watched with token %s", xu_path_domid(path),
                      path, token);
            rc = xu_from_errno(e);
        } else {
            rc = xs_failed(e, "xs_watch", path);
            /* Refused by xenstored on a connection still up: for good, so
             * a reconnect must not try it again.  (errno cannot tell:
             * libxenstore says EINVAL for a dead connection too.) */
            if (added == 0 && peek_event(x) >= 0)
                xu_watches_remove(&x->watches, path, token);
        }
        goto out;
    }
    rc = 0;
out:
    return rc;
}

static int xen_xs_unwatch(struct port *p, const char *path, const char *token)
{
    struct xen *x = p->priv;

    if (!path || !token) {
        log_warnx("xs_unwatch: no path or no token");
        return PLM_EINVAL;
    }
    /* Forgotten whatever happens next: a reconnect must not bring it back. */
    xu_watches_remove(&x->watches, path, token);
    if (!connected(x, "xs_unwatch", path))
        return PLM_EIO;
    if (!xs_unwatch(x->xs, path, token))
        return xs_failed(errno, "xs_unwatch", path);
    return 0;
}

static int xen_next_event(struct port *p, struct port_event *ev)
{
    struct xen *x = p->priv;
    int rc;

    if (!ev) {
        log_warnx("next_event: no room for the event");
        return PLM_EINVAL;
    }
    for (;;) {
        char **w;
        rc = peek_event(x);
        if (rc <= 0)
            return rc == 0 ? PLM_ENOENT : rc;
        w = x->stash;
        x->stash = NULL;
        rc = xu_event_fill(ev, w[XS_WATCH_PATH], w[XS_WATCH_TOKEN], &x->watches);
        if (rc != 0)
            log_debug("ignoring an event of a watch no longer registered: %s (token %s)",
                      w[XS_WATCH_PATH], w[XS_WATCH_TOKEN]);
        free(w);
        if (rc == 0)
            return 0;
    }
}

/* --- time and waiting ------------------------------------------------------------ */

static uint64_t xen_now_ms(struct port *p)
{
    (void)p;
    return plm_mono_ms();
}

static bool ensure_pfd(struct xen *x, size_t n)
{
    struct pollfd *pf;

    if (n <= x->pfd_cap)
        return true;
    pf = realloc(x->pfd, n * sizeof(*pf));
    if (!pf)
        return false;
    x->pfd = pf;
    x->pfd_cap = n;
    return true;
}

/* Poll the watch pipe (or nothing: fd -1) and the daemon's descriptors
 * once; the count ready, or -1 with errno set. */
static int poll_once(struct xen *x, int xfd, struct port_waitfd *fds, size_t nfds, int timeout)
{
    int r;

    x->pfd[0].fd = xfd;
    x->pfd[0].events = POLLIN;
    x->pfd[0].revents = 0;
    for (size_t i = 0; i < nfds; i++) {
        x->pfd[i + 1].fd = fds[i].fd;
        x->pfd[i + 1].events = POLLIN;
        x->pfd[i + 1].revents = 0;
    }
    r = poll(x->pfd, (nfds_t)(nfds + 1), timeout);
    for (size_t i = 0; i < nfds && r > 0; i++)
        fds[i].ready = (x->pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) != 0;
    return r;
}

static int xen_wait(struct port *p, struct port_waitfd *fds, size_t nfds, uint64_t deadline_ms)
{
    struct xen *x = p->priv;
    int rc;

    if (nfds && !fds) {
        log_warnx("wait: no descriptors");
        rc = PLM_EINVAL;
        goto out;
    }
    for (size_t i = 0; i < nfds; i++)
        fds[i].ready = false;
    if (!ensure_pfd(x, nfds + 1)) {
        log_warnx("wait: out of memory");
        rc = PLM_ENOMEM;
        goto out;
    }
    for (;;) {
        uint64_t now = plm_mono_ms(), left = deadline_ms > now ? deadline_ms - now : 0;
        int xfd = -1, r;

        if (!x->xs) {
            /* A reconnect failed: sleep a little (answering the daemon's
             * descriptors), then let it try again. */
            r = poll_once(x, -1, fds, nfds, (int)(left < RETRY_MS ? left : RETRY_MS));
            rc = r < 0 && errno == EINTR ? 0 : PLM_EIO;
            goto out;
        }
        /* Checked before sleeping: libxenstore may hold events without
         * its pipe being readable, and a broken connection is silent. */
        rc = peek_event(x);
        if (rc != 0) {
            poll_once(x, -1, fds, nfds, 0);
            rc = rc > 0 ? 0 : rc;
            goto out;
        }
        xfd = xs_fileno(x->xs);
        if (xfd < 0) {
            mark_broken(x, errno, "xs_fileno");
            rc = PLM_EIO;
            goto out;
        }
        r = poll_once(x, xfd, fds, nfds, (int)(left < HEALTH_CHECK_MS ? left : HEALTH_CHECK_MS));
        if (r < 0) {
            if (errno == EINTR) {
                rc = 0; /* a signal: the daemon looks at its flags */
                goto out;
            }
            log_warn("wait: poll");
            rc = PLM_EIO;
            goto out;
        }
        if (x->pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
            mark_broken(x, EPIPE, "the watch pipe hung up");
            rc = PLM_EIO;
            goto out;
        }
        if (r > 0 || plm_mono_ms() >= deadline_ms) {
            /* One more look, so that a break is reported now, not at the
             * next wait, after the daemon acted on stale knowledge. */
            rc = peek_event(x) < 0 ? PLM_EIO : 0;
            goto out;
        }
    }
out:
    return rc;
}

static int xen_reconnect(struct port *p)
{
    struct xen *x = p->priv;
    libxl_ctx *ctx = NULL;
    int rc, r;

    /* Nothing of the old connection's queue survives, as with xenstored. */
    free(x->stash);
    x->stash = NULL;
    xs_close(x->xs);
    x->broken = false;
    x->xs = xs_open(0);
    if (!x->xs) {
        log_warn("xenstore: cannot reconnect (xs_open)");
        rc = PLM_EIO;
        goto out;
    }
    /* Each watch fires once on registration, which tells the daemon to
     * re-read what it covers. */
    for (size_t i = 0; i < x->watches.n;) {
        const struct xu_watch *w = &x->watches.w[i];
        if (xs_watch(x->xs, w->path, w->token)) {
            i++;
            continue;
        }
        int e = errno;
        if (peek_event(x) < 0) {
            /* The new connection failed too: close it and start over on
             * the next reconnect. */
            xs_failed(e, "xs_watch", w->path);
            xs_close(x->xs);
            x->xs = NULL;
            x->broken = false;
            rc = PLM_EIO;
            goto out;
        }
        /* Refused for good (a quota, a path xenstored now rejects):
         * trying again would not help. */
        xs_failed(e, "xs_watch (lost in the reconnect)", w->path);
        /* Copies: the removal moves the entries w points into. */
        char path[PORT_PATH_MAX], token[PORT_TOKEN_MAX];
        snprintf(path, sizeof(path), "%s", w->path);
        snprintf(token, sizeof(token), "%s", w->token);
        xu_watches_remove(&x->watches, path, token);
    }
    /* libxl's own xenstore connection most likely went the same way (a
     * restarted xenstored): a new context brings a new one. */
    r = libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &xtl_forwarder);
    if (r) {
        log_warnx("cannot open a new libxl context (libxl error %d, %s); keeping the old one", r,
                  libxl_err_name(r));
    } else {
        libxl_ctx_free(x->ctx);
        x->ctx = ctx;
    }
    log_info("xenstore: reconnected, %zu watches registered again", x->watches.n);
    rc = 0;
out:
    return rc;
}

/* --- the toolstack's knobs ---------------------------------------------------------- */

/*
 * The scheduler of the cpupool domid is in.  The pool comes from
 * libxl_domain_info (one hypercall); its scheduler from the cache, or
 * libxl_cpupool_info the first time.  0, or a PLM_E* code (logged).
 */
static int domain_scheduler(struct xen *x, uint32_t domid, int *sched_out)
{
    libxl_dominfo info;
    libxl_cpupoolinfo pool;
    uint32_t poolid;
    int rc, r;

    libxl_dominfo_init(&info);
    r = libxl_domain_info(x->ctx, &info, domid);
    poolid = info.cpupool;
    libxl_dominfo_dispose(&info);
    if (r) {
        rc = r == ERROR_DOMAIN_NOTFOUND || r == ERROR_INVAL ? PLM_ENOENT : from_libxl(r);
        log_libxl(domid, rc, r, "libxl_domain_info", "");
        return rc;
    }
    for (unsigned i = 0; i < x->npools; i++)
        if (x->pools[i].poolid == poolid) {
            *sched_out = x->pools[i].sched;
            return 0;
        }
    libxl_cpupoolinfo_init(&pool);
    r = libxl_cpupool_info(x->ctx, &pool, poolid);
    if (r) {
        libxl_cpupoolinfo_dispose(&pool);
        rc = domain_rc(x, domid, r);
        log_libxl(domid, rc, r, "libxl_cpupool_info", "");
        return rc;
    }
    *sched_out = pool.sched;
    libxl_cpupoolinfo_dispose(&pool);
    x->pools[x->next_pool].poolid = poolid;
    x->pools[x->next_pool].sched = *sched_out;
    x->next_pool = (x->next_pool + 1) % POOL_CACHE;
    if (x->npools < POOL_CACHE)
        x->npools++;
    return 0;
}

static int xen_sched_set(struct port *p, uint32_t domid, int weight, int cap)
{
    struct xen *x = p->priv;
    libxl_domain_sched_params sp;
    char what[48];
    int rc, r, sched = 0;

    libxl_domain_sched_params_init(&sp);
    snprintf(what, sizeof(what), "weight %d cap %d", weight, cap);
    if ((weight != -1 && (weight < PORT_WEIGHT_MIN || weight > PORT_WEIGHT_MAX)) || cap < -1) {
        log_warnx("Domain %u: sched_set %s: out of range", (unsigned)domid, what);
        rc = PLM_EINVAL;
        goto out;
    }
    if (weight == -1 && cap == -1) {
        rc = 0;
        goto out;
    }
    /* The scheduler of the domain's cpupool decides what the parameters
     * mean; naming it spares libxl its own, slower, lookup. */
    rc = domain_scheduler(x, domid, &sched);
    if (rc)
        goto out;
    if (sched != LIBXL_SCHEDULER_CREDIT && sched != LIBXL_SCHEDULER_CREDIT2) {
        log_warnx("Domain %u: cannot set %s: its cpupool runs the %s scheduler, and only credit "
                  "and credit2 have weights and caps",
                  (unsigned)domid, what, sched_name(sched));
        rc = PLM_EINVAL;
        goto out;
    }
    /* Only what changes is sent: a field at its default keeps Xen's value
     * (libxl reads the rest from Xen in the same call). */
    sp.sched = (libxl_scheduler)sched;
    sp.weight = weight == -1 ? LIBXL_DOMAIN_SCHED_PARAM_WEIGHT_DEFAULT : weight;
    sp.cap = cap == -1 ? LIBXL_DOMAIN_SCHED_PARAM_CAP_DEFAULT : cap;
    r = libxl_domain_sched_params_set(x->ctx, domid, &sp);
    if (r && x->npools > 0) {
        /* A pool destroyed and made again under the same id with another
         * scheduler: forget what was remembered and look once more. */
        x->npools = x->next_pool = 0;
        rc = domain_scheduler(x, domid, &sched);
        if (rc)
            goto out;
        sp.sched = (libxl_scheduler)sched;
        r = libxl_domain_sched_params_set(x->ctx, domid, &sp);
    }
    if (r) {
        rc = domain_rc(x, domid, r);
        log_libxl(domid, rc, r, "libxl_domain_sched_params_set", what);
        goto out;
    }
    rc = 0;
out:
    libxl_domain_sched_params_dispose(&sp);
    return rc;
}

static int xen_vcpus_set(struct port *p, uint32_t domid, unsigned online)
{
    struct xen *x = p->priv;
    libxl_dominfo info;
    libxl_bitmap map;
    char what[32];
    unsigned max;
    int rc, r;

    libxl_dominfo_init(&info);
    libxl_bitmap_init(&map);
    snprintf(what, sizeof(what), "%u online", online);
    r = libxl_domain_info(x->ctx, &info, domid);
    if (r) {
        rc = r == ERROR_DOMAIN_NOTFOUND || r == ERROR_INVAL ? PLM_ENOENT : from_libxl(r);
        log_libxl(domid, rc, r, "libxl_domain_info", "");
        goto out;
    }
    /* libxl would refuse too, but only with ERROR_FAIL. */
    max = info.vcpu_max_id + 1;
    if (online < 1 || online > max) {
        log_warnx("Domain %u: cannot set %u vcpus online: it has %u", (unsigned)domid, online, max);
        rc = PLM_EINVAL;
        goto out;
    }
    r = libxl_cpu_bitmap_alloc(x->ctx, &map, (int)max);
    if (r) {
        rc = from_libxl(r);
        log_libxl(domid, rc, r, "libxl_cpu_bitmap_alloc", what);
        goto out;
    }
    for (unsigned i = 0; i < online; i++)
        libxl_bitmap_set(&map, (int)i);
    /* No ao_how: the call completes before returning. */
    r = libxl_set_vcpuonline(x->ctx, domid, &map, NULL);
    if (r) {
        rc = domain_rc(x, domid, r);
        log_libxl(domid, rc, r, "libxl_set_vcpuonline", what);
        goto out;
    }
    rc = 0;
out:
    libxl_bitmap_dispose(&map);
    libxl_dominfo_dispose(&info);
    return rc;
}

/* Hard and soft affinity in one call came with libxl 4.5; configure asks
 * for far later. */
#ifndef LIBXL_HAVE_VCPUINFO_SOFT_AFFINITY
#error "libxl without soft vcpu affinity (before Xen 4.5)"
#endif

/* One side of an affinity as libxl's bitmap, sized for the host's pCPUs
 * (libxl_get_max_cpus); CPUs beyond it are left out.  0 or a PLM_E* code. */
static int xen_cpumap(struct xen *x, const struct plm_cpumap *m, libxl_bitmap *out, bool *any)
{
    int r = libxl_cpu_bitmap_alloc(x->ctx, out, 0);

    *any = false;
    if (r)
        return from_libxl(r);
    for (unsigned c = 0; c < PLM_CPUMAP_BITS && c < (unsigned)out->size * 8; c++) {
        if (plm_cpumap_test(m, c)) {
            libxl_bitmap_set(out, (int)c);
            *any = true;
        }
    }
    return 0;
}

/*
 * libxl_set_vcpuaffinity_all (hard and soft, libxl 4.5 on: the 4.17 and
 * 4.20 we build against both have it) over every vcpu up to max_vcpus:
 * Xen keeps an offline vcpu's affinity, so one brought online later runs
 * where its siblings do.  libxl fails the whole call (ERROR_FAIL) when
 * one vcpu's failed, having set the others: the caller sets it again.
 */
static int xen_affinity_set(struct port *p, uint32_t domid, unsigned max_vcpus,
                            const struct plm_cpumap *hard, const struct plm_cpumap *soft)
{
    struct xen *x = p->priv;
    libxl_bitmap map[2];
    const struct plm_cpumap *side[2] = {hard, soft};
    bool any = false;
    int rc = 0, r;

    libxl_bitmap_init(&map[0]);
    libxl_bitmap_init(&map[1]);
    for (int k = 0; k < 2 && rc == 0; k++) {
        if (!side[k])
            continue;
        rc = xen_cpumap(x, side[k], &map[k], &any);
        if (rc == 0 && !any && k == 0) {
            log_warnx("Domain %u: cannot set hard affinity: no pCPU of this host in it",
                      (unsigned)domid);
            rc = PLM_EINVAL;
        }
    }
    if (rc)
        goto out;
    r = libxl_set_vcpuaffinity_all(x->ctx, domid, max_vcpus, hard ? &map[0] : NULL,
                                   soft ? &map[1] : NULL);
    if (r) {
        rc = domain_rc(x, domid, r);
        log_libxl(domid, rc, r, "libxl_set_vcpuaffinity_all", "");
    }
out:
    libxl_bitmap_dispose(&map[0]);
    libxl_bitmap_dispose(&map[1]);
    return rc;
}

static int xen_mem_target_set(struct port *p, uint32_t domid, uint64_t target_kib)
{
    struct xen *x = p->priv;
    char what[48];
    int rc, r;

    snprintf(what, sizeof(what), "%" PRIu64 " KiB", target_kib);
    if (target_kib > INT64_MAX) {
        log_warnx("Domain %u: cannot set a memory target of %s", (unsigned)domid, what);
        rc = PLM_ERANGE;
        goto out;
    }
    /* Absolute (relative = 0), and enforced: Xen's limit follows, so the
     * guest cannot take more than its target meanwhile. */
    r = libxl_set_memory_target(x->ctx, domid, (int64_t)target_kib, 0, 1);
    if (r) {
        rc = domain_rc(x, domid, r);
        log_libxl(domid, rc, r, "libxl_set_memory_target", what);
        goto out;
    }
    rc = 0;
out:
    return rc;
}

/* --- live migration ------------------------------------------------------------- */

/* xl as the operator runs it; a test rig may put another first in PATH. */
#define XL_COMMAND "xl"

static int xen_mig_start(struct port *p, uint32_t domid, const char *dest, const char *addr,
                         const char *transport, uint32_t *handle_out)
{
    struct xen *x = p->priv;
    struct port_domain info;
    char err[PORT_MIG_WHY_MAX];
    int rc;

    if (x->mig.pid > 0) {
        log_warnx("Domain %u: not migrating to %s: domain %u is migrating", (unsigned)domid, dest,
                  (unsigned)x->mig_domid);
        return PLM_EEXIST;
    }
    rc = xen_domain_info(p, domid, &info);
    if (rc)
        return rc;
    rc = port_xlmig_start(&x->mig, XL_COMMAND, domid, addr, transport, err, sizeof(err));
    if (rc) {
        log_warnx("Domain %u: cannot migrate to %s: %s", (unsigned)domid, dest, err);
        return rc;
    }
    x->mig_domid = domid;
    x->mig_handle = ++x->mig_next;
    *handle_out = x->mig_handle;
    log_info("Domain %u: migrating to %s: xl migrate%s%s %u %s (pid %ld)", (unsigned)domid, dest,
             transport ? " -s " : "", transport ? transport : "", (unsigned)domid, addr,
             (long)x->mig.pid);
    return 0;
}

/* Where the migrating domain stands here: its name says whether xl has
 * renamed it away (it does so just before telling the destination to
 * start it), libxl whether it runs or is suspended. */
static enum port_mig_stage xen_mig_stage(struct xen *x, uint32_t domid)
{
    static const char away[] = "--migratedaway";
    libxl_dominfo info;
    enum port_mig_stage st;
    char *name = NULL;

    libxl_dominfo_init(&info);
    int r = libxl_domain_info(x->ctx, &info, domid);
    if (r == ERROR_DOMAIN_NOTFOUND || r == ERROR_INVAL) {
        st = PORT_MIG_GONE;
        goto out;
    }
    if (r) {
        st = PORT_MIG_UNSURE;
        goto out;
    }
    if (info.dying) {
        st = PORT_MIG_GONE;
        goto out;
    }
    name = libxl_domid_to_name(x->ctx, domid);
    size_t n = name ? strlen(name) : 0;
    if (n >= sizeof(away) && strcmp(name + n - (sizeof(away) - 1), away) == 0)
        st = PORT_MIG_HANDED;
    else if (!n)
        st = PORT_MIG_UNSURE;
    else if (!info.shutdown && !info.paused)
        st = PORT_MIG_LIVE; /* also after xl took it back from a destination that failed */
    else if (x->mig.go_said)
        st = PORT_MIG_HANDED; /* "go" said, then renamed back: not ours to judge */
    else if (info.shutdown && info.shutdown_reason != LIBXL_SHUTDOWN_REASON_SUSPEND)
        st = PORT_MIG_UNSURE; /* crashed or shut down: not the migration's doing */
    else
        st = PORT_MIG_SUSPENDED;
out:
    free(name);
    libxl_dominfo_dispose(&info);
    return st;
}

static int xen_mig_poll(struct port *p, uint32_t handle, struct port_mig_status *out)
{
    struct xen *x = p->priv;
    bool ok;
    int pct;

    memset(out, 0, sizeof(*out));
    if (x->mig.pid <= 0 || handle != x->mig_handle)
        return PLM_ENOENT;
    if (port_xlmig_poll(&x->mig, xen_now_ms(p), &pct, &ok, out->why, sizeof(out->why))) {
        out->phase = PORT_MIG_RUNNING;
        out->pct = pct;
        out->stage = xen_mig_stage(x, x->mig_domid);
        return 0;
    }
    /* xl destroys the domain here once the destination has it: success is
     * its exit status and the domain gone.  Otherwise the stage says
     * where it was left (the daemon decides what to make of it). */
    out->stage = xen_mig_stage(x, x->mig_domid);
    x->mig.go_said = false;
    if (ok && out->stage == PORT_MIG_GONE) {
        out->phase = PORT_MIG_DONE;
        out->pct = 100;
    } else {
        out->phase = PORT_MIG_FAILED;
        out->pct = -1;
        if (ok)
            snprintf(out->why, sizeof(out->why),
                     "xl migrate exited 0 but the domain is still here");
    }
    return 0;
}

static int xen_mig_abort(struct port *p, uint32_t handle, const char *why)
{
    struct xen *x = p->priv;

    if (x->mig.pid <= 0 || handle != x->mig_handle)
        return PLM_ENOENT;
    log_warnx("Domain %u: stopping xl migrate (pid %ld): %s", (unsigned)x->mig_domid,
              (long)x->mig.pid, why);
    port_xlmig_abort(&x->mig, xen_now_ms(p), why);
    return 0;
}

static int xen_mig_leave(struct port *p, uint32_t handle)
{
    struct xen *x = p->priv;

    if (x->mig.pid <= 0 || handle != x->mig_handle)
        return PLM_ENOENT;
    log_warnx("Domain %u: leaving xl migrate (pid %ld) to end by itself", (unsigned)x->mig_domid,
              (long)x->mig.pid);
    port_xlmig_leave(&x->mig);
    return 0;
}

static int xen_mig_resume(struct port *p, uint32_t domid)
{
    struct xen *x = p->priv;
    int r = libxl_domain_resume(x->ctx, domid, 1, NULL);

    if (r) {
        log_warnx("Domain %u: libxl_domain_resume failed: libxl error %d (%s)", (unsigned)domid, r,
                  libxl_err_name(r));
        return from_libxl(r);
    }
    return 0;
}

static bool xen_mig_busy(struct port *p, char *why, size_t whylen)
{
    char dom[32];
    pid_t pid;

    (void)p;
    if (!(pid = port_xlmig_find("/proc", dom, sizeof(dom))))
        return false;
    snprintf(why, whylen, "xl migrate (pid %ld, domain %s) runs on this host", (long)pid,
             dom[0] ? dom : "?");
    return true;
}

static const struct port_mig_ops xen_mig_ops = {
    .start = xen_mig_start,
    .poll = xen_mig_poll,
    .abort = xen_mig_abort,
    .leave = xen_mig_leave,
    .resume = xen_mig_resume,
    .busy = xen_mig_busy,
};

/* --- host-side activity ----------------------------------------------------------- */

/* libxenstat (xen_stat.c), opened at the first call.  Its failures go to
 * the debug level: the daemon reports them once (port.h). */
static int xen_dom_io(struct port *p, struct port_io *out, size_t cap, size_t *n_out)
{
    struct xen *x = p->priv;
    char err[160] = "";

    if (!n_out || (cap && !out))
        return PLM_EINVAL;
    int rc = xen_stat_read(&x->stat, out, cap, n_out, err, sizeof(err));
    if (rc)
        log_debug("libxenstat: %s", err[0] ? err : plm_strerror(rc));
    else if (err[0] && !x->stat_partial)
        log_info("libxenstat: %s (the guests' activity is judged by that alone)", err);
    x->stat_partial = rc == 0 && err[0];
    return rc;
}

/* --- life cycle ------------------------------------------------------------------- */

static void xen_destroy(struct port *p)
{
    struct xen *x = p && p->host == &xen_host_ops ? p->priv : NULL;

    if (!x)
        return;
    port_xlmig_dispose(&x->mig);
    free(x->stash);
    xen_stat_close(&x->stat);
    xs_close(x->xs);
    libxl_ctx_free(x->ctx);
    xu_watches_free(&x->watches);
    free(x->pfd);
    free(x);
}

static const struct port_host_ops xen_host_ops = {
    .list_domains = xen_list_domains,
    .domain_info = xen_domain_info,
    .host_info = xen_host_info,
    .sched_set = xen_sched_set,
    .vcpus_set = xen_vcpus_set,
    .mem_target_set = xen_mem_target_set,
    .affinity_set = xen_affinity_set,
    .dom_io = xen_dom_io,
};

static const struct port_xs_ops xen_xs_ops = {
    .xs_read = xen_xs_read,
    .xs_write_txn = xen_xs_write_txn,
    .xs_mkdir_ro = xen_xs_mkdir_ro,
    .xs_rm = xen_xs_rm,
    .xs_watch = xen_xs_watch,
    .xs_unwatch = xen_xs_unwatch,
};

static int xen_local_time(struct port *p, int64_t *day, uint32_t *sec)
{
    (void)p;
    return plm_local_time(day, sec);
}

static const struct port_event_ops xen_event_ops = {
    .next_event = xen_next_event,
    .now_ms = xen_now_ms,
    .local_time = xen_local_time,
    .wait = xen_wait,
    .reconnect = xen_reconnect,
};

/* Where a failed xs_open leaves us, in words an operator can act on. */
static int explain_xs_open(int e, char *err, size_t errlen)
{
    if (access("/proc/xen", F_OK) != 0 && access("/dev/xen", F_OK) != 0)
        return plm_errf(err, errlen, PLM_EIO,
                        "not running on Xen: neither /proc/xen nor /dev/xen exists, so this is "
                        "no Xen dom0 (xenplmd-sim runs the same loop on a simulated host)");
    return plm_errf(err, errlen, PLM_EIO,
                    "cannot connect to xenstore: %s (is xenstored running, and xenplmd running "
                    "as root in dom0?)",
                    strerror(e));
}

/* A guest has Xen's devices too, but no right to manage domains. */
static bool is_guest(void)
{
    char caps[128] = "";
    FILE *f = fopen("/proc/xen/capabilities", "r");

    if (!f)
        return false; /* xenfs not mounted: libxl will tell */
    if (!fgets(caps, sizeof(caps), f))
        caps[0] = '\0';
    fclose(f);
    return strstr(caps, "control_d") == NULL;
}

int port_xen_open(struct port **out, char *err, size_t errlen)
{
    struct xen *x = NULL;
    int rc, r;

    if (err && errlen)
        err[0] = '\0';
    if (!out) {
        rc = plm_errf(err, errlen, PLM_EINVAL, "port_xen_open: nowhere to put the port");
        goto out;
    }
    x = calloc(1, sizeof(*x));
    if (!x) {
        rc = plm_errf(err, errlen, PLM_ENOMEM, "out of memory");
        goto out;
    }
    x->port.name = "xen";
    x->port.host = &xen_host_ops;
    x->port.xs = &xen_xs_ops;
    x->port.events = &xen_event_ops;
    x->port.mig = &xen_mig_ops;
    port_xlmig_init(&x->mig);
    x->port.destroy = xen_destroy;
    x->port.priv = x;
    /* xenstore first: off Xen, this is the call that fails, and its
     * failure says the most. */
    x->xs = xs_open(0);
    if (!x->xs) {
        rc = explain_xs_open(errno, err, errlen);
        goto out;
    }
    if (is_guest()) {
        rc = plm_errf(err, errlen, PLM_EIO,
                      "this is a Xen guest, not dom0 (/proc/xen/capabilities has no "
                      "control_d): xenplmd runs in dom0");
        goto out;
    }
    r = libxl_ctx_alloc(&x->ctx, LIBXL_VERSION, 0, &xtl_forwarder);
    if (r) {
        rc = plm_errf(err, errlen, PLM_EIO,
                      "cannot open a libxl context (libxl error %d, %s): xenplmd must run as "
                      "root in dom0",
                      r, libxl_err_name(r));
        goto out;
    }
    *out = &x->port;
    x = NULL;
    rc = 0;
out:
    if (x)
        xen_destroy(&x->port);
    return rc;
}
