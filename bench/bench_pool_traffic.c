/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_pool_traffic: what a pool costs etcd (issue 14), measured on the
 * real code paths.  It starts a single-member etcd (Debian's etcd-server)
 * on loopback ports of its own, then 100 pool threads in this process,
 * each the one xenplmd runs (src/daemon/pool.c: dmn_pool_start, with the
 * policy's default lease, publish and plan intervals, mode advise), each
 * its own host of 50 domains offered every second as the daemon's loop
 * offers them (dmn_pool_offer): the records encoded by the real encoder,
 * the diff, the transactions, the keepalives, the election, every host's
 * pool read each plan interval and the leader's plan.  Each second a
 * seeded 2 % of the domains change their requests (so about one per host
 * per second).  After a warm-up (every host joined, a leader elected and
 * planning) it takes each thread's etcd counters (etcd.h, as the daemon
 * shows them in xenplm status) and again at the end of the window, and
 * prints calls, keys and bytes per second per follower, for the leader
 * and in total, by kind of call, the size of the largest reply (the pool
 * read) and etcd's database size.
 *
 * Not measured: orders and migrations (advise mode writes none; in
 * automatic mode they are bounded by the cap on concurrent migrations),
 * TLS (plain http on loopback), and a cluster of three members (a write
 * is replicated to each: the leader member's traffic grows with them).
 * The planner's time is bench_pool_plan's.
 *
 * Skipped, saying why, without an etcd binary in PATH (exit 0: make bench
 * goes on).  --quick (CI's smoke run): 20 hosts, a shorter warm-up and
 * window.  --hosts N: another pool size.  It is not a test: it has no
 * goal to meet, and a pool that etcd (or the machine) could not serve --
 * calls failed, a host lost its lease, the leader changed -- is reported
 * as such in its output, not as the benchmark's failure.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bench_machine.h"
#include "common/log.h"
#include "core/amount.h"
#include "daemon/pool.h"
#include "policy/policy.h"
#include "pool/etcd.h"
#include "pool/pool_record.h"

#define HOSTS 100
#define QUICK_HOSTS 20 /* --quick: CI's smoke run, on a machine shared with the rest */
#define MAX_HOSTS 400
#define PER_HOST 50
#define CHANGE_PERMILLE 20 /* of the domains, each second */
#define SEED 14

struct host {
    char name[16];
    struct dmn_pool *pool;
    struct prec_host rec;
    struct prec_domain doms[PER_HOST];
};

/* One moment's figures of every host. */
struct snap {
    double t_ns;
    struct etcd_counters k[MAX_HOSTS];
    struct dmn_pool_stats st[MAX_HOSTS];
    struct dmn_pool_summary sum[MAX_HOSTS];
};

static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* A domain's requests: four cumulative CPU levels, its memory as one,
 * granted what level 2 asks (a host about half full). */
static void demand(struct prec_domain *d, uint32_t *seed)
{
    plm_amt_t level = 0;

    d->ncpu = 4;
    for (unsigned l = 0; l < d->ncpu; l++) {
        level += PLM_UNITS((int)(rnd(seed) % 16) + 1);
        d->cpu[l] = level;
    }
    d->grant_cpu = d->cpu[1];
}

static void build(struct host *h, size_t i, uint32_t *seed)
{
    snprintf(h->name, sizeof(h->name), "h%03zu", i);
    h->rec.cpu = PLM_UNITS(3200); /* 32 pCPUs */
    h->rec.memory = PLM_UNITS(126976);
    h->rec.free = PLM_UNITS(16384);
    h->rec.headroom = PLM_UNITS(2048);
    for (size_t j = 0; j < PER_HOST; j++) {
        struct prec_domain *d = &h->doms[j];
        memset(d, 0, sizeof(*d));
        snprintf(d->uuid, sizeof(d->uuid), "%08zx-0000-4000-8000-%012zx", i, j);
        snprintf(d->name, sizeof(d->name), "h%03zu-vm%02zu", i, j);
        demand(d, seed);
        d->memory = PLM_UNITS(512 * (1 + (int)(rnd(seed) % 8)));
        d->nmem = 1;
        d->mem[0] = d->memory;
        d->grant_mem = d->memory;
        d->migratable = true;
    }
}

/* --- the etcd member ------------------------------------------------------ */

static char workdir[64];
static pid_t etcd_pid = -1;

static const char *find_etcd(void)
{
    static char path[512];
    const char *env = getenv("PATH");
    char *copy = strdup(env ? env : "/usr/bin:/bin"), *save = NULL;

    for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
        snprintf(path, sizeof(path), "%s/etcd", d);
        if (access(path, X_OK) == 0) {
            free(copy);
            return path;
        }
    }
    free(copy);
    return NULL;
}

/* Two distinct free loopback ports (both bound at once, then let go). */
static int free_ports(int *a, int *b)
{
    int fd[2] = {-1, -1}, port[2] = {0, 0}, rc = -1;

    for (int i = 0; i < 2; i++) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(sa);
        if ((fd[i] = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
            bind(fd[i], (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
            getsockname(fd[i], (struct sockaddr *)&sa, &len) != 0)
            goto out;
        port[i] = ntohs(sa.sin_port);
    }
    *a = port[0];
    *b = port[1];
    rc = 0;
out:
    for (int i = 0; i < 2; i++)
        if (fd[i] >= 0)
            close(fd[i]);
    return rc;
}

static int etcd_start(const char *bin, char *url, size_t urlsize)
{
    char data[128], log[128], purl[64], cluster[96];
    int cport, pport;

    /* In memory where there is a tmpfs: the traffic does not depend on
     * the disk, and a slow fsync on a loaded machine would make etcd time
     * calls out and the figures those of a failing pool. */
    snprintf(workdir, sizeof(workdir), "%s/xenplm-bench-etcd.XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(workdir) || free_ports(&cport, &pport))
        return -1;
    snprintf(data, sizeof(data), "%s/data", workdir);
    snprintf(log, sizeof(log), "%s/etcd.log", workdir);
    snprintf(url, urlsize, "http://127.0.0.1:%d", cport);
    snprintf(purl, sizeof(purl), "http://127.0.0.1:%d", pport);
    snprintf(cluster, sizeof(cluster), "bench=%s", purl);
    fflush(NULL);
    etcd_pid = fork();
    if (etcd_pid < 0)
        return -1;
    if (etcd_pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(bin, "etcd", "--name", "bench", "--data-dir", data, "--listen-client-urls", url,
              "--advertise-client-urls", url, "--listen-peer-urls", purl,
              "--initial-advertise-peer-urls", purl, "--initial-cluster", cluster,
              "--initial-cluster-state", "new", (char *)NULL);
        _exit(127);
    }
    return 0;
}

/* Wait until the member answers a range, at most 15 s. */
static int etcd_ready(const char *url)
{
    struct etcd_config cfg;
    struct etcd_client *c;
    char err[ETCD_ERR_MAX];
    int rc = -1;

    etcd_config_init(&cfg);
    cfg.endpoints[0] = url;
    cfg.nendpoints = 1;
    if (etcd_client_new(&cfg, &c, err, sizeof(err)))
        return -1;
    for (int i = 0; i < 150 && rc; i++) {
        struct etcd_keys k = etcd_key("/xenplm");
        struct etcd_range r;
        if (etcd_range(c, &k, NULL, &r) == 0) {
            etcd_range_free(&r);
            rc = 0;
        } else
            usleep(100 * 1000);
    }
    etcd_client_free(c);
    return rc;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void etcd_stop(void)
{
    if (etcd_pid > 0) {
        kill(etcd_pid, SIGTERM);
        waitpid(etcd_pid, NULL, 0);
        etcd_pid = -1;
    }
    if (workdir[0])
        nftw(workdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    char *buf = arg;
    size_t have = strlen(buf), n = size * nmemb;
    if (have + n < 4096) {
        memcpy(buf + have, data, n);
        buf[have + n] = '\0';
    }
    return n;
}

/* etcd's own word on itself (maintenance/status): its version and
 * database size; false when it would not say. */
static bool etcd_status(const char *url, char *version, size_t vsize, long long *db_bytes)
{
    char full[128], body[4096] = "";
    CURL *h = curl_easy_init();
    bool ok = false;

    if (!h)
        return false;
    snprintf(full, sizeof(full), "%s/v3/maintenance/status", url);
    curl_easy_setopt(h, CURLOPT_URL, full);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "{}");
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 3000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    if (curl_easy_perform(h) == CURLE_OK) {
        const char *v = strstr(body, "\"version\":\""), *d = strstr(body, "\"dbSize\":\"");
        if (v && d) {
            v += 11;
            size_t n = strcspn(v, "\"");
            snprintf(version, vsize, "%.*s", (int)(n < vsize ? n : vsize - 1), v);
            *db_bytes = atoll(d + 10);
            ok = true;
        }
    }
    curl_easy_cleanup(h);
    return ok;
}

/* --- the pool ------------------------------------------------------------- */

static void take(struct snap *s, struct host *h, size_t n)
{
    s->t_ns = bench_mono_ns();
    for (size_t i = 0; i < n; i++) {
        dmn_pool_summary(h[i].pool, &s->sum[i]);
        s->k[i] = s->sum[i].etcd;
        dmn_pool_stats(h[i].pool, &s->st[i]);
    }
}

/* Every second: 2 % of the domains change their requests; every host offers. */
static void tick(struct host *h, size_t n, uint32_t *seed)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < PER_HOST; j++)
            if (rnd(seed) % 1000 < CHANGE_PERMILLE)
                demand(&h[i].doms[j], seed);
        dmn_pool_offer(h[i].pool, &h[i].rec, h[i].doms, PER_HOST);
    }
}

static void sleep_until(double t_ns)
{
    double now = bench_mono_ns();
    if (t_ns > now) {
        struct timespec ts = {.tv_sec = (time_t)((t_ns - now) / 1e9),
                              .tv_nsec = (long)((uint64_t)(t_ns - now) % 1000000000u)};
        nanosleep(&ts, NULL);
    }
}

/* Per second over the window: a host's (or a sum's) figures. */
struct rate {
    double calls, keys, sent, received, written; /* written: records put and deleted */
};

static struct rate rate_of(const struct snap *a, const struct snap *b, size_t i)
{
    struct etcd_count x = etcd_counters_total(&a->k[i]), y = etcd_counters_total(&b->k[i]);
    double s = (b->t_ns - a->t_ns) / 1e9;
    return (struct rate){
        .calls = (double)(y.calls - x.calls) / s,
        .keys = (double)(y.keys - x.keys) / s,
        .sent = (double)(y.sent_bytes - x.sent_bytes) / s,
        .received = (double)(y.received_bytes - x.received_bytes) / s,
        .written = (double)(b->st[i].keys_put + b->st[i].keys_deleted - a->st[i].keys_put -
                            a->st[i].keys_deleted) /
                   s,
    };
}

static void add(struct rate *t, const struct rate *r)
{
    t->calls += r->calls;
    t->keys += r->keys;
    t->sent += r->sent;
    t->received += r->received;
    t->written += r->written;
}

static void print_rate(const char *who, const struct rate *r)
{
    printf("  %-22s %8.1f %9.1f %9.1f %11.0f %13.0f\n", who, r->calls, r->written, r->keys, r->sent,
           r->received);
}

static int measure(struct host *h, size_t n, const char *url, bool quick)
{
    static struct snap a, b;
    uint32_t seed = SEED;
    int warm_s = quick ? 12 : 25, window_s = quick ? 15 : 60;
    double t = bench_mono_ns();
    char version[32] = "?";
    long long db0 = -1, db1 = -1;

    for (int s = 0; s < warm_s + window_s; s++) {
        if (s == warm_s) {
            take(&a, h, n);
            etcd_status(url, version, sizeof(version), &db0);
        }
        tick(h, n, &seed);
        t += 1e9;
        sleep_until(t);
    }
    take(&b, h, n);
    etcd_status(url, version, sizeof(version), &db1);

    size_t leader = n, joined = 0;
    for (size_t i = 0; i < n; i++) {
        joined += a.sum[i].member && b.sum[i].member;
        if (a.sum[i].leader && b.sum[i].leader && a.sum[i].leader_rev == b.sum[i].leader_rev)
            leader = i;
    }
    printf("  etcd %s, one member; %zu hosts x %d domains, %zu members throughout; leader %s; "
           "window %.1f s after %d s of warm-up\n",
           version, n, PER_HOST, joined, leader < n ? h[leader].name : "(none held the window)",
           (b.t_ns - a.t_ns) / 1e9, warm_s);
    printf("  intervals: the policy's defaults (lease 10 s, publish 5 s, plan 10 s); %d.%d %% of "
           "the domains change their requests each second (seed %d)\n",
           CHANGE_PERMILLE / 10, CHANGE_PERMILLE % 10, SEED);
    printf("  %-22s %8s %9s %9s %11s %13s\n", "per second", "calls", "written", "keys",
           "bytes sent", "bytes received");
    struct rate total = {0}, fol = {0}, fmax = {0};
    size_t nf = 0;
    for (size_t i = 0; i < n; i++) {
        struct rate r = rate_of(&a, &b, i);
        add(&total, &r);
        if (i == leader)
            continue;
        add(&fol, &r);
        nf++;
        if (r.received > fmax.received)
            fmax = r;
    }
    if (nf) {
        fol.calls /= (double)nf;
        fol.keys /= (double)nf;
        fol.sent /= (double)nf;
        fol.received /= (double)nf;
        fol.written /= (double)nf;
        print_rate("a follower (mean)", &fol);
        print_rate("a follower (busiest)", &fmax);
    }
    if (leader < n) {
        struct rate r = rate_of(&a, &b, leader);
        print_rate("the leader", &r);
    }
    print_rate("the pool, at etcd", &total);
    /* By kind, in total. */
    struct etcd_counters ka = {0}, kb = {0};
    for (size_t i = 0; i < n; i++) {
        etcd_counters_add(&ka, &a.k[i]);
        etcd_counters_add(&kb, &b.k[i]);
    }
    double s = (b.t_ns - a.t_ns) / 1e9;
    printf("  by kind, the pool:");
    for (int k = 0; k < ETCD_CALLS; k++) {
        uint64_t calls = kb.call[k].calls - ka.call[k].calls;
        if (!calls)
            continue;
        printf(" %s %.1f calls/s %.0f B/s;", etcd_call_name((enum etcd_call)k), (double)calls / s,
               (double)(kb.call[k].sent_bytes + kb.call[k].received_bytes - ka.call[k].sent_bytes -
                        ka.call[k].received_bytes) /
                   s);
    }
    printf("\n");
    uint64_t rkeys = kb.call[ETCD_CALL_RANGE].keys - ka.call[ETCD_CALL_RANGE].keys;
    uint64_t rbytes =
        kb.call[ETCD_CALL_RANGE].received_bytes - ka.call[ETCD_CALL_RANGE].received_bytes;
    uint64_t failures = etcd_counters_total(&kb).failures;
    if (rkeys)
        printf("  a key read costs %.0f bytes received (its JSON, base64 and share of headers): "
               "the pool read of %zu x %d records is about %.2f MiB\n",
               (double)rbytes / (double)rkeys, n, PER_HOST,
               (double)rbytes / (double)rkeys * (double)(n * (PER_HOST + 1)) / (1024.0 * 1024));
    printf("  etcd's database: %.1f MiB at the window's start, %.1f MiB at its end (no "
           "compaction); calls failed since the start: %llu\n",
           (double)db0 / (1024.0 * 1024), (double)db1 / (1024.0 * 1024),
           (unsigned long long)failures);
    /* Not a failure of the benchmark: figures of a pool etcd could not
     * serve, which say where it breaks, and are labelled so. */
    if (joined != n || leader == n || failures)
        printf("  NOT A HEALTHY POOL: %s%s%llu calls failed: etcd (or this machine) did not keep "
               "up; the figures are those of an overloaded member\n",
               joined != n ? "not every host stayed a member; " : "",
               leader == n ? "no leader held the window; " : "", (unsigned long long)failures);
    return 0;
}

static void *stop_one(void *pool)
{
    dmn_pool_stop(pool, NULL);
    return NULL;
}

int main(int argc, char **argv)
{
    static struct host hosts[MAX_HOSTS];
    bool quick = false, sized = false;
    size_t n = HOSTS;
    char url[64];
    const char *bin;
    int rc = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[i], "--hosts") == 0 && i + 1 < argc) {
            n = (size_t)strtoul(argv[++i], NULL, 10);
            sized = true;
            if (n < 2 || n > MAX_HOSTS) {
                fprintf(stderr, "bench_pool_traffic: --hosts 2 to %d\n", MAX_HOSTS);
                return 2;
            }
        } else {
            fprintf(stderr, "usage: bench_pool_traffic [--quick] [--hosts N]\n");
            return 2;
        }
    }
    if (quick && !sized)
        n = QUICK_HOSTS;
    printf("bench_pool_traffic: etcd's traffic for a pool of %zu hosts x %d domains (the pool "
           "threads of xenplmd, a real etcd on loopback)\n",
           n, PER_HOST);
    if (!(bin = find_etcd())) {
        printf("  skipped: no etcd in PATH (Debian: etcd-server)\n");
        return 0;
    }
    bench_print_machine(true);
    log_open("bench_pool_traffic", true, LOG_WARNING);
    signal(SIGPIPE, SIG_IGN);
    if (etcd_start(bin, url, sizeof(url)) || etcd_ready(url)) {
        fprintf(stderr, "bench_pool_traffic: etcd did not start (its log: %s/etcd.log)\n", workdir);
        if (etcd_pid > 0) {
            kill(etcd_pid, SIGTERM);
            waitpid(etcd_pid, NULL, 0);
        }
        return 1;
    }
    uint32_t seed = SEED;
    size_t started = 0;
    for (size_t i = 0; i < n; i++) {
        /* Each host's policy through the real loader: the pool section's
         * defaults are the policy's. */
        char xml[512], err[512];
        struct pol_policy pol;
        build(&hosts[i], i, &seed);
        snprintf(xml, sizeof(xml),
                 "<xenplm-policy version=\"1\"><pool name=\"bench\" host=\"%.15s\" "
                 "mode=\"advise\"><endpoint>%s</endpoint></pool></xenplm-policy>",
                 hosts[i].name, url);
        if (pol_load_memory(xml, strlen(xml), hosts[i].name, NULL, &pol, err, sizeof(err))) {
            fprintf(stderr, "bench_pool_traffic: %s\n", err);
            rc = 1;
            break;
        }
        int started_rc = dmn_pool_start(&hosts[i].pool, &pol.pool, NULL);
        pol_policy_dispose(&pol);
        if (started_rc) {
            fprintf(stderr, "bench_pool_traffic: host %zu did not start\n", i);
            rc = 1;
            break;
        }
        started++;
    }
    if (!rc)
        rc = measure(hosts, n, url, quick);
    /* Stopped together: each revokes its lease, bounded by the request
     * timeout, and one after the other that could take minutes. */
    pthread_t stopper[MAX_HOSTS];
    for (size_t i = 0; i < started; i++)
        if (pthread_create(&stopper[i], NULL, stop_one, hosts[i].pool) != 0) {
            dmn_pool_stop(hosts[i].pool, NULL);
            hosts[i].pool = NULL;
        }
    for (size_t i = 0; i < started; i++)
        if (hosts[i].pool)
            pthread_join(stopper[i], NULL);
    etcd_stop();
    log_close();
    pol_cleanup();
    return rc;
}
