/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live migration between simulated hosts through a shared directory
 * (sim_fabric.h).  The description a domain travels as is a few
 * "key value" lines, read back by a strict parser: a file that does not
 * parse is set aside as NAME.bad and said once, never a crash.
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

#include "core/error.h"
#include "protocol/keys.h"
#include "sim/sim_play.h"

/* The guest's request, kept across the move (bytes). */
#define REQ_MAX PORT_SIM_VALUE_MAX

static int mkdir_p(const char *dir)
{
    return mkdir(dir, 0755) == 0 || errno == EEXIST ? 0 : PLM_EIO;
}

int sim_fabric_init(struct sim_player *pl, char *err, size_t errlen)
{
    struct sim_fabric *f = &pl->fab;
    const struct sim_scenario *s = &pl->scn;

    memset(f, 0, sizeof(*f));
    if (!s->fabric_dir)
        return 0;
    snprintf(f->mydir, sizeof(f->mydir), "%s/%s", s->fabric_dir, s->fabric_host);
    if (mkdir_p(s->fabric_dir) != 0 || mkdir_p(f->mydir) != 0) {
        snprintf(err, errlen, "%s: fabric: cannot make %s: %s", s->name, f->mydir, strerror(errno));
        return PLM_EIO;
    }
    f->on = true;
    return 0;
}

/* ---- the description ---------------------------------------------------- */

static void hex(const char *s, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[(unsigned char)s[i] >> 4];
        out[2 * i + 1] = digits[(unsigned char)s[i] & 15];
    }
    out[2 * n] = '\0';
}

static int unhex(const char *s, char *out, size_t cap, size_t *n_out)
{
    size_t n = strlen(s);

    if (n % 2 || n / 2 > cap)
        return PLM_EGRAMMAR;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = s[2 * i + (size_t)k];
            unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                         : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                                                : 16;
            if (d == 16)
                return PLM_EGRAMMAR;
            v = v * 16 + d;
        }
        out[i] = (char)v;
    }
    *n_out = n / 2;
    return 0;
}

/* What the destination needs to build the domain again: its spec as it
 * stands now, its uuid and its guest's request. */
static int describe(struct sim_player *pl, const struct sim_dom *d, FILE *out)
{
    char path[PORT_PATH_MAX], req[REQ_MAX], reqhex[2 * REQ_MAX + 1];
    size_t len = 0;

    snprintf(path, sizeof(path), "/local/domain/%u/%s", (unsigned)d->domid, PROTO_KEY_REQUEST);
    if (sim_xs_read(&pl->m.xs, 0, path, req, sizeof(req), &len) != 0)
        len = 0;
    hex(req, len, reqhex);
    fprintf(out,
            "xenplm-sim-domain 1\nname %s\nuuid %s\nmem_kib %llu\nmaxmem_kib %llu\n"
            "floor_kib %llu\nballoon_kib_s %llu\nvcpus %u\nmax_vcpus %u\ncpu_demand %u\n"
            "weight %d\ncap %d\ntype %d\nstuck %d\nno_balloon %d\nno_hotplug %d\nrequest %s\n",
            d->name, d->uuid, (unsigned long long)d->actual_kib, (unsigned long long)d->maxmem_kib,
            (unsigned long long)d->floor_kib, (unsigned long long)d->balloon_kib_s, d->online_vcpus,
            d->max_vcpus, d->cpu_demand, d->weight, d->cap, (int)d->type, d->stuck, d->no_balloon,
            d->no_hotplug, reqhex);
    return ferror(out) ? PLM_EIO : 0;
}

struct arrival {
    struct port_sim_domspec spec;
    char uuid[PORT_UUID_LEN];
    char req[REQ_MAX];
    size_t reqlen;
};

static int number(const char *v, uint64_t max, uint64_t *out)
{
    char *end;

    if (!*v || *v == '-' || *v == '+')
        return PLM_EGRAMMAR;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end || errno || n > max)
        return PLM_EGRAMMAR;
    *out = n;
    return 0;
}

/* One description: every key once, in any order; nothing else.  Memory
 * (keys 2 to 5) in KiB up to 4 TiB, the other numbers 32-bit; the spec's
 * own checks (sim_host_check_spec) come after. */
static int parse(char *text, struct arrival *a)
{
    static const char *const keys[] = {
        "name",  "uuid",       "mem_kib",    "maxmem_kib", "floor_kib", "balloon_kib_s",
        "vcpus", "max_vcpus",  "cpu_demand", "weight",     "cap",       "type",
        "stuck", "no_balloon", "no_hotplug", "request",
    };
    enum { NKEYS = sizeof(keys) / sizeof(keys[0]) };
    uint64_t num[NKEYS] = {0};
    bool seen[NKEYS] = {false};
    char *save = NULL, *line = strtok_r(text, "\n", &save);

    memset(a, 0, sizeof(*a));
    if (!line || strcmp(line, "xenplm-sim-domain 1") != 0)
        return PLM_EGRAMMAR;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        char *sp = strchr(line, ' ');
        size_t k;
        if (!sp)
            return PLM_EGRAMMAR;
        *sp++ = '\0';
        for (k = 0; k < NKEYS && strcmp(keys[k], line) != 0; k++)
            ;
        if (k == NKEYS || seen[k])
            return PLM_EGRAMMAR;
        seen[k] = true;
        if (k == 0) {
            if (!sim_host_name_valid(sp))
                return PLM_EGRAMMAR;
            snprintf(a->spec.name, sizeof(a->spec.name), "%s", sp);
        } else if (k == 1) {
            if (strlen(sp) != PORT_UUID_LEN - 1)
                return PLM_EGRAMMAR;
            snprintf(a->uuid, sizeof(a->uuid), "%s", sp);
        } else if (k == NKEYS - 1) {
            if (unhex(sp, a->req, sizeof(a->req), &a->reqlen) != 0)
                return PLM_EGRAMMAR;
        } else if (number(sp, k <= 5 ? UINT32_MAX * 1024ull : UINT32_MAX, &num[k]) != 0) {
            return PLM_EGRAMMAR;
        }
    }
    for (size_t k = 0; k < NKEYS; k++)
        if (!seen[k])
            return PLM_EGRAMMAR;
    a->spec.mem_kib = num[2];
    a->spec.maxmem_kib = num[3];
    a->spec.floor_kib = num[4];
    a->spec.balloon_kib_s = num[5];
    a->spec.vcpus = (unsigned)num[6];
    a->spec.max_vcpus = (unsigned)num[7];
    a->spec.cpu_demand = (unsigned)num[8];
    a->spec.weight = (unsigned)num[9];
    a->spec.cap = (unsigned)num[10];
    if (num[11] > PORT_DOM_HVM || num[12] > 1 || num[13] > 1 || num[14] > 1)
        return PLM_EGRAMMAR;
    a->spec.type = (enum port_dom_type)num[11];
    a->spec.stuck = num[12];
    a->spec.no_balloon = num[13];
    a->spec.no_hotplug = num[14];
    return 0;
}

/* ---- arrivals ------------------------------------------------------------- */

static void refuse_once(struct sim_player *pl, const char *file, const char *why)
{
    struct sim_fabric *f = &pl->fab;

    if (strcmp(f->refused, file) == 0)
        return;
    snprintf(f->refused, sizeof(f->refused), "%s", file);
    sim_log(&pl->m.clock, PORT_SIM_LOG_ERROR, "fabric: %s/%s: %s", f->mydir, file, why);
}

static void set_aside(struct sim_player *pl, const char *path, const char *file, const char *why)
{
    char bad[sizeof(pl->fab.mydir) + 160];

    /* A name with no room for ".bad" is removed instead of set aside. */
    int n = snprintf(bad, sizeof(bad), "%s.bad", path);
    if (n < 0 || (size_t)n >= sizeof(bad) || rename(path, bad) != 0)
        unlink(path);
    refuse_once(pl, file, why);
}

/* Build the domain a file describes; the file goes once it runs here. */
static void take(struct sim_player *pl, const char *file)
{
    struct sim_fabric *f = &pl->fab;
    char path[sizeof(f->mydir) + 160], text[SIM_FABRIC_FILE_MAX + 1], why[128];
    struct arrival a;
    struct sim_dom *d;
    uint32_t domid;
    size_t n = 0;
    int fd, rc;

    snprintf(path, sizeof(path), "%s/%s", f->mydir, file);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return;
    for (ssize_t r; n < sizeof(text) && (r = read(fd, text + n, sizeof(text) - n)) != 0;) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > SIM_FABRIC_FILE_MAX || memchr(text, '\0', n)) {
        set_aside(pl, path, file, "not a domain description (too large or binary)");
        return;
    }
    text[n] = '\0';
    if (parse(text, &a) != 0) {
        set_aside(pl, path, file, "not a domain description: set aside as .bad");
        return;
    }
    if (sim_host_check_spec(&pl->m.host, &a.spec, why, sizeof(why)) != 0) {
        set_aside(pl, path, file, why);
        return;
    }
    rc = sim_ts_create(&pl->m, &a.spec, &domid);
    if (rc != 0) {
        /* Kept: taken once memory is free here. */
        refuse_once(pl, file,
                    rc == PLM_ENOMEM ? "does not fit in free memory yet: waiting"
                                     : plm_strerror(rc));
        return;
    }
    d = sim_host_find(&pl->m.host, domid);
    snprintf(d->uuid, sizeof(d->uuid), "%s", a.uuid);
    unlink(path);
    f->arrived++;
    if (a.reqlen) {
        char rpath[PORT_PATH_MAX];
        snprintf(rpath, sizeof(rpath), "/local/domain/%u/%s", (unsigned)domid, PROTO_KEY_REQUEST);
        sim_guest_write(pl, domid, rpath, a.req, a.reqlen);
    }
    sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "dom %u (%s): arrived by migration, %llu MiB",
            (unsigned)domid, d->name, (unsigned long long)d->actual_kib / 1024);
}

static void arrivals(struct sim_player *pl)
{
    DIR *dir = opendir(pl->fab.mydir);
    struct dirent *e;
    size_t sl = strlen(SIM_FABRIC_SUFFIX);

    if (!dir)
        return;
    while ((e = readdir(dir)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n <= sl || n >= 128 ||
            strcmp(e->d_name + n - sl, SIM_FABRIC_SUFFIX) != 0)
            continue;
        take(pl, e->d_name);
    }
    closedir(dir);
}

/* ---- departures ------------------------------------------------------------ */

static void end(struct sim_fabric *f, enum port_mig_phase phase, const char *why)
{
    f->running = false;
    f->ended = !f->left; /* one left is told to nobody */
    f->outcome.phase = phase;
    f->outcome.pct = phase == PORT_MIG_DONE ? 100 : -1;
    f->outcome.stage = phase == PORT_MIG_DONE ? PORT_MIG_GONE : f->stage;
    snprintf(f->outcome.why, sizeof(f->outcome.why), "%s", why ? why : "");
}

/* The copy here renamed, as xl renames it before its "go". */
static void rename_away(struct sim_player *pl, struct sim_dom *d)
{
    char name[sizeof(d->name)], path[PORT_PATH_MAX];

    snprintf(name, sizeof(name), "%.*s--migratedaway", (int)(sizeof(name) - 15), d->name);
    snprintf(d->name, sizeof(d->name), "%s", name);
    snprintf(path, sizeof(path), "/local/domain/%u/name", (unsigned)d->domid);
    sim_xs_write(&pl->m.xs, 0, path, name, strlen(name));
}

/* Hand the domain over: its description renamed into the destination's
 * directory (the "go"), the copy here renamed away, still suspended. */
static void hand_over(struct sim_player *pl, struct sim_dom *d)
{
    struct sim_fabric *f = &pl->fab;
    char tmp[sizeof(f->mydir) + 200], why[PORT_MIG_WHY_MAX];
    FILE *out;
    int rc;

    snprintf(tmp, sizeof(tmp), "%s/%s/.in.%s.%ld", pl->scn.fabric_dir, f->dest, d->uuid,
             (long)getpid());
    snprintf(f->handed, sizeof(f->handed), "%s/%s/%s%s", pl->scn.fabric_dir, f->dest, d->uuid,
             SIM_FABRIC_SUFFIX);
    out = fopen(tmp, "we");
    rc = out ? describe(pl, d, out) : PLM_EIO;
    if (out && (fflush(out) != 0 || fsync(fileno(out)) != 0))
        rc = PLM_EIO;
    if (out && fclose(out) != 0)
        rc = PLM_EIO;
    if (rc == 0 && rename(tmp, f->handed) != 0)
        rc = PLM_EIO;
    if (rc != 0) {
        /* As xl before its "go": the guest resumed here. */
        snprintf(why, sizeof(why), "cannot hand the domain over to %s: %s", f->dest,
                 strerror(errno));
        unlink(tmp);
        d->paused = false;
        f->stage = PORT_MIG_LIVE;
        end(f, PORT_MIG_FAILED, why);
        return;
    }
    rename_away(pl, d);
    f->stage = PORT_MIG_HANDED;
    sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "dom %u (%s): handed over to %s", (unsigned)d->domid,
            d->name, f->dest);
}

static void departure(struct sim_player *pl)
{
    struct sim_fabric *f = &pl->fab;
    struct sim_dom *d;
    struct stat st;
    uint64_t now = pl->m.clock.now_ms;

    if (!f->running)
        return;
    if (sim_host_live(&pl->m.host, f->domid, &d) != 0) {
        f->stage = PORT_MIG_GONE;
        end(f, PORT_MIG_FAILED, "the domain went away during the migration");
        return;
    }
    switch (f->stage) {
    case PORT_MIG_LIVE:
        if (f->stall || now < f->end_ms)
            return;
        if (f->fault == SIM_MIG_FAIL) {
            end(f, PORT_MIG_FAILED, "the destination refused the domain (scenario migrate-fault)");
            return;
        }
        d->paused = true;
        f->stage = PORT_MIG_SUSPENDED;
        f->resume_by_ms = now + PORT_SIM_MIG_SUSPEND_MS;
        sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "dom %u (%s): suspended for its last pages",
                (unsigned)d->domid, d->name);
        return;
    case PORT_MIG_SUSPENDED:
        if (f->fault == SIM_MIG_STALL_SUSPENDED || now < f->resume_by_ms)
            return;
        hand_over(pl, d);
        return;
    case PORT_MIG_HANDED:
        /* The destination's word: it took the file (runs the domain). */
        if (f->fault == SIM_MIG_STALL_HANDED || stat(f->handed, &st) == 0)
            return;
        sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "dom %u (%s): migrated to %s", (unsigned)d->domid,
                d->name, f->dest);
        sim_ts_destroy(&pl->m, d->domid);
        f->departed++;
        end(f, PORT_MIG_DONE, NULL);
        return;
    default:
        return;
    }
}

void sim_fabric_step(struct sim_player *pl)
{
    if (!pl->fab.on)
        return;
    departure(pl);
    arrivals(pl);
}

/* ---- the port's calls -------------------------------------------------------- */

static const char *stage_name(enum port_mig_stage s)
{
    return s == PORT_MIG_LIVE        ? "live"
           : s == PORT_MIG_SUSPENDED ? "suspended"
           : s == PORT_MIG_HANDED    ? "handed over"
                                     : "gone";
}

int sim_fabric_start(struct sim_player *pl, uint32_t domid, const char *dest, uint32_t *handle_out)
{
    struct sim_fabric *f = &pl->fab;
    char ddir[sizeof(f->mydir) + PORT_NAME_MAX];
    struct stat st;
    struct sim_dom *d;
    int rc;

    if (!f->on)
        return PLM_EINVAL;
    if (f->running)
        return PLM_EEXIST;
    rc = sim_host_live(&pl->m.host, domid, &d);
    if (rc != 0 || domid == 0)
        return rc ? rc : PLM_EINVAL;
    if (!dest || !sim_host_name_valid(dest) || strcmp(dest, pl->scn.fabric_host) == 0)
        return PLM_EINVAL;
    snprintf(ddir, sizeof(ddir), "%s/%s", pl->scn.fabric_dir, dest);
    if (stat(ddir, &st) != 0 || !S_ISDIR(st.st_mode))
        return PLM_ENOENT;
    f->running = true;
    f->ended = false;
    f->left = false;
    f->stage = PORT_MIG_LIVE;
    f->handed[0] = '\0';
    f->domid = domid;
    snprintf(f->dest, sizeof(f->dest), "%s", dest);
    f->start_ms = pl->m.clock.now_ms;
    /* Its memory at the rate, at least one step. */
    uint64_t ms = d->actual_kib * 1000 / (pl->scn.mig_rate_kib_s ? pl->scn.mig_rate_kib_s : 1);
    f->end_ms = f->start_ms + (ms ? ms : 1);
    f->fault =
        f->faults_used < pl->scn.nmig_fault ? (int)pl->scn.mig_fault[f->faults_used++] : SIM_MIG_OK;
    f->stall = f->fault == SIM_MIG_STALL;
    f->handle = ++f->next_handle;
    *handle_out = f->handle;
    sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "dom %u (%s): migrating to %s, %llu ms%s",
            (unsigned)domid, d->name, dest, (unsigned long long)(f->end_ms - f->start_ms),
            f->fault == SIM_MIG_FAIL              ? " (will fail)"
            : f->stall                            ? " (will stall)"
            : f->fault == SIM_MIG_STALL_SUSPENDED ? " (will stall suspended)"
            : f->fault == SIM_MIG_STALL_HANDED    ? " (will stall handed over)"
                                                  : "");
    return 0;
}

int sim_fabric_poll(struct sim_player *pl, uint32_t handle, struct port_mig_status *out)
{
    struct sim_fabric *f = &pl->fab;

    memset(out, 0, sizeof(*out));
    if (handle == 0 || handle != f->handle || f->left || (!f->running && !f->ended))
        return PLM_ENOENT;
    if (f->ended) {
        *out = f->outcome;
        f->ended = false; /* said once: the handle is released */
        return 0;
    }
    out->phase = PORT_MIG_RUNNING;
    out->stage = f->stage;
    uint64_t span = f->end_ms - f->start_ms, done = pl->m.clock.now_ms - f->start_ms;
    if (f->stall)
        done = span / 2;
    out->pct = done >= span ? 99 : (int)(done * 100 / span);
    return 0;
}

int sim_fabric_abort(struct sim_player *pl, uint32_t handle, const char *why)
{
    struct sim_fabric *f = &pl->fab;

    if (handle == 0 || handle != f->handle || !f->running || f->left)
        return PLM_ENOENT;
    sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "dom %u: migration to %s aborted (%s): %s",
            (unsigned)f->domid, f->dest, stage_name(f->stage), why);
    /* xl killed: the domain stays as this phase left it. */
    end(f, PORT_MIG_FAILED, why);
    return 0;
}

int sim_fabric_leave(struct sim_player *pl, uint32_t handle)
{
    struct sim_fabric *f = &pl->fab;

    if (handle == 0 || handle != f->handle || !f->running || f->left)
        return PLM_ENOENT;
    sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "dom %u: migration to %s left to go on (%s)",
            (unsigned)f->domid, f->dest, stage_name(f->stage));
    f->left = true;
    return 0;
}

bool sim_fabric_busy(struct sim_player *pl, char *why, size_t whylen)
{
    const struct sim_fabric *f = &pl->fab;

    if (!f->on || !f->running || !f->left)
        return false;
    snprintf(why, whylen, "a migration of domain %u to %s, left to go on, is still %s",
             (unsigned)f->domid, f->dest, stage_name(f->stage));
    return true;
}

int sim_fabric_resume(struct sim_player *pl, uint32_t domid)
{
    struct sim_dom *d;

    if (sim_host_live(&pl->m.host, domid, &d) != 0)
        return PLM_ENOENT;
    if (!d->paused || (pl->fab.running && pl->fab.domid == domid))
        return PLM_EINVAL; /* not suspended, or still in a migration's hands */
    d->paused = false;
    sim_log(&pl->m.clock, PORT_SIM_LOG_INFO, "dom %u (%s): resumed here", (unsigned)domid, d->name);
    return 0;
}
