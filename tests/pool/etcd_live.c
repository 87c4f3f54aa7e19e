/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The etcd client against a real cluster, one check per command, driven
 * by tests/pool/etcd.sh (which starts the cluster, stops members and
 * cross-checks with etcdctl):
 *
 *   etcd_live ENDPOINTS get KEY            print KEY's value
 *   etcd_live ENDPOINTS put KEY VALUE
 *   etcd_live ENDPOINTS kv                 put, range, prefix, limit, delete
 *   etcd_live ENDPOINTS txn                create-if-absent, fencing on mod_revision
 *   etcd_live ENDPOINTS lease              keepalive holds a key, expiry drops it, revoke
 *   etcd_live ENDPOINTS watch              puts and deletes delivered in order
 *   etcd_live ENDPOINTS election           campaign, wait, proclaim, fencing, resign
 *   etcd_live ENDPOINTS failover DEAD      a call succeeds with the dead member first
 *   etcd_live ENDPOINTS down MS            every call fails, clearly, within MS
 *   etcd_live ENDPOINTS bounds SILENT      the caller's bounds: a hook, paged ranges, a deadline
 *                                          and its own calls, a cancel flag set
 *                                          while a call waits at SILENT (a
 *                                          member that never answers)
 *
 * ENDPOINTS is comma-separated.  Exit 0 when the check holds, 1 (saying
 * what failed) otherwise.
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "core/error.h"
#include "pool/etcd.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "etcd_live: %s:%d: ", __func__, __LINE__);                             \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static struct etcd_client *connect_to(char *endpoints, unsigned timeout_ms)
{
    struct etcd_config cfg;
    struct etcd_client *c;
    char err[ETCD_ERR_MAX];

    etcd_config_init(&cfg);
    for (char *tok = strtok(endpoints, ","); tok && cfg.nendpoints < ETCD_MAX_ENDPOINTS;
         tok = strtok(NULL, ","))
        cfg.endpoints[cfg.nendpoints++] = tok;
    if (timeout_ms) {
        cfg.request_timeout_ms = timeout_ms;
        cfg.connect_timeout_ms = timeout_ms / 3 ? timeout_ms / 3 : 1;
    }
    if (etcd_client_new(&cfg, &c, err, sizeof(err))) {
        fprintf(stderr, "etcd_live: %s\n", err);
        exit(1);
    }
    return c;
}

static int put(struct etcd_client *c, const char *k, const char *v, int64_t lease)
{
    return etcd_put(c, k, strlen(k), v, strlen(v), lease, NULL);
}

static int t_kv(struct etcd_client *c)
{
    static const char bin[] = {'a', '\0', '\xff', '"', '\\', '\n', 'z'};
    struct etcd_keys k = etcd_key("/t/kv/bin");
    struct etcd_range r;
    struct etcd_range_opts lim = {.limit = 1};
    int64_t rev = 0, deleted = 0;
    int rc;

    CHECK(etcd_put(c, "/t/kv/bin", 9, bin, sizeof(bin), 0, &rev) == 0, "put: %s",
          etcd_client_error(c));
    CHECK(rev > 0, "put: no revision");
    CHECK(etcd_range(c, &k, NULL, &r) == 0, "range: %s", etcd_client_error(c));
    CHECK(r.n == 1 && r.kvs[0].value_len == sizeof(bin) &&
              !memcmp(r.kvs[0].value, bin, sizeof(bin)),
          "range: the value did not come back byte for byte");
    CHECK(r.kvs[0].mod_revision == rev && r.kvs[0].version == 1,
          "range: mod_revision %" PRId64 " (put said %" PRId64 "), version %" PRId64,
          r.kvs[0].mod_revision, rev, r.kvs[0].version);
    etcd_range_free(&r);
    CHECK(put(c, "/t/kv/p/b", "2", 0) == 0 && put(c, "/t/kv/p/a", "1", 0) == 0 &&
              put(c, "/t/kv/p/c", "3", 0) == 0 && put(c, "/t/kv/q", "no", 0) == 0,
          "puts: %s", etcd_client_error(c));
    k = etcd_prefix("/t/kv/p/");
    CHECK(etcd_range(c, &k, NULL, &r) == 0, "prefix: %s", etcd_client_error(c));
    CHECK(r.n == 3 && r.count == 3 && !strcmp(r.kvs[0].key, "/t/kv/p/a") &&
              !strcmp(r.kvs[2].value, "3"),
          "prefix: %zu keys, not a, b, c in order", r.n);
    etcd_range_free(&r);
    CHECK(etcd_range(c, &k, &lim, &r) == 0, "limit: %s", etcd_client_error(c));
    CHECK(r.n == 1 && r.more && r.count == 3, "limit 1: n %zu, more %d, count %" PRId64, r.n,
          r.more, r.count);
    etcd_range_free(&r);
    CHECK(etcd_delete(c, &k, &deleted, NULL) == 0 && deleted == 3, "delete prefix: %s, %" PRId64,
          etcd_client_error(c), deleted);
    CHECK(etcd_range(c, &k, NULL, &r) == 0 && r.n == 0, "after delete: %zu keys left", r.n);
    etcd_range_free(&r);
    k = etcd_key("/t/kv/q");
    CHECK(etcd_range(c, &k, NULL, &r) == 0 && r.n == 1, "a key outside the prefix was deleted");
    etcd_range_free(&r);
    /* An empty key is refused before anything is sent. */
    k = etcd_key("");
    rc = etcd_range(c, &k, NULL, &r);
    CHECK(rc == PLM_EINVAL, "an empty key: %d", rc);
    return 0;
}

static int t_txn(struct etcd_client *c)
{
    const char *key = "/t/txn/owner";
    struct etcd_keys kk = etcd_key(key);
    struct etcd_cmp absent = {.target = ETCD_CMP_CREATE,
                              .result = ETCD_CMP_EQUAL,
                              .key = key,
                              .key_len = strlen(key),
                              .number = 0};
    struct etcd_op put_a = {.kind = ETCD_OP_PUT, .keys = kk, .value = "a", .value_len = 1};
    struct etcd_op put_b = {.kind = ETCD_OP_PUT, .keys = kk, .value = "b", .value_len = 1};
    struct etcd_op get = {.kind = ETCD_OP_RANGE, .keys = kk};
    struct etcd_txn t = {.cmp = &absent,
                         .ncmp = 1,
                         .success = &put_a,
                         .nsuccess = 1,
                         .failure = &get,
                         .nfailure = 1};
    struct etcd_txn_result res;
    int64_t rev;

    etcd_delete(c, &kk, NULL, NULL);
    /* Create if absent: the first wins, the second reads the owner. */
    CHECK(etcd_txn(c, &t, &res) == 0, "txn: %s", etcd_client_error(c));
    CHECK(res.succeeded, "create-if-absent failed on an absent key");
    rev = res.revision;
    etcd_txn_result_free(&res);
    t.success = &put_b;
    CHECK(etcd_txn(c, &t, &res) == 0, "txn: %s", etcd_client_error(c));
    CHECK(!res.succeeded, "create-if-absent succeeded on a present key");
    CHECK(res.nranges == 1 && res.ranges[0].n == 1 && !strcmp(res.ranges[0].kvs[0].value, "a") &&
              res.ranges[0].kvs[0].mod_revision == rev,
          "the failure branch did not read the owner's value at its revision");
    etcd_txn_result_free(&res);
    /* Fencing: a put that holds only at the revision it read. */
    struct etcd_cmp fence = {.target = ETCD_CMP_MOD,
                             .result = ETCD_CMP_EQUAL,
                             .key = key,
                             .key_len = strlen(key),
                             .number = rev};
    struct etcd_txn f = {.cmp = &fence, .ncmp = 1, .success = &put_b, .nsuccess = 1};
    CHECK(etcd_txn(c, &f, &res) == 0 && res.succeeded, "fenced put at the right revision: %s",
          etcd_client_error(c));
    etcd_txn_result_free(&res);
    CHECK(etcd_txn(c, &f, &res) == 0 && !res.succeeded, "fenced put at a stale revision held");
    etcd_txn_result_free(&res);
    /* A value compare, and a delete in the success branch. */
    struct etcd_cmp is_b = {.target = ETCD_CMP_VALUE,
                            .result = ETCD_CMP_EQUAL,
                            .key = key,
                            .key_len = strlen(key),
                            .value = "b",
                            .value_len = 1};
    struct etcd_op del = {.kind = ETCD_OP_DELETE, .keys = kk};
    struct etcd_txn d = {.cmp = &is_b, .ncmp = 1, .success = &del, .nsuccess = 1};
    CHECK(etcd_txn(c, &d, &res) == 0 && res.succeeded, "value compare: %s", etcd_client_error(c));
    etcd_txn_result_free(&res);
    struct etcd_range r;
    CHECK(etcd_range(c, &kk, NULL, &r) == 0 && r.n == 0, "the txn's delete did not delete");
    etcd_range_free(&r);
    return 0;
}

static bool present(struct etcd_client *c, const char *key)
{
    struct etcd_keys k = etcd_key(key);
    struct etcd_range r;
    bool there;

    if (etcd_range(c, &k, NULL, &r)) {
        fprintf(stderr, "etcd_live: range: %s\n", etcd_client_error(c));
        return true;
    }
    there = r.n > 0;
    etcd_range_free(&r);
    return there;
}

static int t_lease(struct etcd_client *c)
{
    int64_t id, ttl, id2;
    uint64_t t0;
    int rc;

    CHECK(etcd_lease_grant(c, 2, &id, &ttl) == 0, "grant: %s", etcd_client_error(c));
    CHECK(id != 0 && ttl >= 2, "grant: id %" PRId64 ", TTL %" PRId64, id, ttl);
    CHECK(put(c, "/t/lease/alive", "x", id) == 0, "put: %s", etcd_client_error(c));
    /* Kept alive for twice its TTL: still there. */
    for (int i = 0; i < 8; i++) {
        sleep_ms(500);
        CHECK(etcd_lease_keepalive(c, id, &ttl) == 0 && ttl > 0, "keepalive: %s",
              etcd_client_error(c));
    }
    CHECK(present(c, "/t/lease/alive"), "the key went while its lease was kept alive");
    /* Left alone: gone within its TTL (and a second's slack for the leader's check). */
    t0 = plm_mono_ms();
    while (present(c, "/t/lease/alive") && plm_mono_ms() - t0 < 3500)
        sleep_ms(100);
    CHECK(!present(c, "/t/lease/alive"), "the key outlived its lease by more than 1.5 s");
    printf("lease: the key went %" PRIu64 " ms after the last keepalive (TTL 2 s)\n",
           plm_mono_ms() - t0);
    rc = etcd_lease_keepalive(c, id, &ttl);
    CHECK(rc == PLM_ENOENT, "keepalive of an expired lease: %d (%s)", rc, etcd_client_error(c));
    /* Revoked: its key goes at once. */
    CHECK(etcd_lease_grant(c, 60, &id2, NULL) == 0, "grant: %s", etcd_client_error(c));
    CHECK(put(c, "/t/lease/revoked", "x", id2) == 0, "put: %s", etcd_client_error(c));
    CHECK(etcd_lease_revoke(c, id2) == 0, "revoke: %s", etcd_client_error(c));
    CHECK(!present(c, "/t/lease/revoked"), "a revoked lease's key is still there");
    rc = etcd_lease_revoke(c, id2);
    CHECK(rc == PLM_ENOENT, "revoking an unknown lease: %d (%s)", rc, etcd_client_error(c));
    return 0;
}

static int t_watch(struct etcd_client *c)
{
    struct etcd_keys k = etcd_prefix("/t/w/");
    struct etcd_watch *w;
    struct etcd_event ev[8];
    size_t n = 0, got = 0;
    char seen[4][32];
    int type[4];
    uint64_t t0;

    CHECK(etcd_watch_open(c, &k, 0, &w) == 0, "watch: %s", etcd_client_error(c));
    /* Nothing yet: a poll without wait returns at once. */
    t0 = plm_mono_ms();
    CHECK(etcd_watch_poll(w, 0, ev, 8, &n) == 0 && n == 0, "an empty poll: %s",
          etcd_watch_error(w));
    CHECK(plm_mono_ms() - t0 < 100, "a poll with timeout 0 waited %" PRIu64 " ms",
          plm_mono_ms() - t0);
    CHECK(put(c, "/t/w/1", "one", 0) == 0 && put(c, "/t/other", "no", 0) == 0 &&
              put(c, "/t/w/2", "two", 0) == 0,
          "puts: %s", etcd_client_error(c));
    struct etcd_keys one = etcd_key("/t/w/1");
    CHECK(etcd_delete(c, &one, NULL, NULL) == 0, "delete: %s", etcd_client_error(c));
    t0 = plm_mono_ms();
    while (got < 3 && plm_mono_ms() - t0 < 3000) {
        CHECK(etcd_watch_poll(w, 200, ev, 8, &n) == 0, "poll: %s", etcd_watch_error(w));
        for (size_t i = 0; i < n; i++) {
            if (got < 4) {
                snprintf(seen[got], sizeof(seen[got]), "%s=%s", ev[i].kv.key, ev[i].kv.value);
                type[got] = ev[i].type;
            }
            got++;
        }
        etcd_events_free(ev, n);
    }
    CHECK(got == 3, "%zu events, not 3", got);
    CHECK(!strcmp(seen[0], "/t/w/1=one") && type[0] == ETCD_EV_PUT, "first: %s", seen[0]);
    CHECK(!strcmp(seen[1], "/t/w/2=two") && type[1] == ETCD_EV_PUT, "second: %s", seen[1]);
    CHECK(!strcmp(seen[2], "/t/w/1=") && type[2] == ETCD_EV_DELETE, "third: %s", seen[2]);
    CHECK(etcd_watch_revision(w) > 0, "no revision");
    etcd_watch_close(w);
    return 0;
}

static int t_election(struct etcd_client *c, struct etcd_client *c2)
{
    const char *name = "/t/election";
    struct etcd_leader l1, l2;
    struct etcd_kv kv;
    int64_t la, lb;
    uint64_t t0, took;
    int rc;

    CHECK(etcd_lease_grant(c, 10, &la, NULL) == 0 && etcd_lease_grant(c2, 10, &lb, NULL) == 0,
          "grant: %s", etcd_client_error(c));
    CHECK(etcd_campaign(c, name, strlen(name), la, "A", 1, 2000, &l1) == 0, "campaign A: %s",
          etcd_client_error(c));
    CHECK(l1.rev > 0 && l1.lease == la && l1.key_len > strlen(name), "leader A: rev %" PRId64,
          l1.rev);
    CHECK(etcd_election_leader(c2, name, strlen(name), &kv) == 0, "leader: %s",
          etcd_client_error(c2));
    CHECK(!strcmp(kv.value, "A") && kv.create_revision == l1.rev, "the leader is not A at its rev");
    etcd_kv_free(&kv);
    /* B waits while A leads: its campaign runs out of time, once, at the member. */
    t0 = plm_mono_ms();
    rc = etcd_campaign(c2, name, strlen(name), lb, "B", 1, 1500, &l2);
    took = plm_mono_ms() - t0;
    CHECK(rc == PLM_EIO && strstr(etcd_client_error(c2), "still waiting"),
          "B's campaign while A leads: %d (%s)", rc, etcd_client_error(c2));
    CHECK(took >= 1400 && took <= 2500, "B's campaign took %" PRIu64 " ms, not its 1.5 s", took);
    CHECK(etcd_proclaim(c, &l1, "A2", 2) == 0, "proclaim: %s", etcd_client_error(c));
    CHECK(etcd_election_leader(c2, name, strlen(name), &kv) == 0 && !strcmp(kv.value, "A2"),
          "the proclaimed value did not show");
    etcd_kv_free(&kv);
    /* Fencing: a txn that holds only while A's leadership (its key at its rev) lasts. */
    struct etcd_cmp fence = {.target = ETCD_CMP_CREATE,
                             .result = ETCD_CMP_EQUAL,
                             .key = l1.key,
                             .key_len = l1.key_len,
                             .number = l1.rev};
    struct etcd_op order = {
        .kind = ETCD_OP_PUT, .keys = etcd_key("/t/order"), .value = "go", .value_len = 2};
    struct etcd_txn t = {.cmp = &fence, .ncmp = 1, .success = &order, .nsuccess = 1};
    struct etcd_txn_result res;
    CHECK(etcd_txn(c2, &t, &res) == 0 && res.succeeded, "a fenced order under A failed");
    etcd_txn_result_free(&res);
    CHECK(etcd_resign(c, &l1) == 0, "resign: %s", etcd_client_error(c));
    CHECK(etcd_campaign(c2, name, strlen(name), lb, "B", 1, 2000, &l2) == 0, "campaign B: %s",
          etcd_client_error(c2));
    CHECK(l2.rev > l1.rev, "B's rev %" PRId64 " is not after A's %" PRId64, l2.rev, l1.rev);
    CHECK(etcd_txn(c, &t, &res) == 0 && !res.succeeded, "A's stale order went through");
    etcd_txn_result_free(&res);
    CHECK(etcd_election_leader(c, name, strlen(name), &kv) == 0 && !strcmp(kv.value, "B"),
          "the leader is not B");
    etcd_kv_free(&kv);
    /* B's lease revoked: no leader. */
    CHECK(etcd_lease_revoke(c2, lb) == 0, "revoke: %s", etcd_client_error(c2));
    rc = etcd_election_leader(c, name, strlen(name), &kv);
    CHECK(rc == PLM_ENOENT, "no leader: %d (%s)", rc, etcd_client_error(c));
    etcd_leader_free(&l1);
    etcd_leader_free(&l2);
    etcd_lease_revoke(c, la);
    return 0;
}

static int t_failover(struct etcd_client *c, const char *dead)
{
    struct etcd_keys k = etcd_key("/t/fo");
    struct etcd_range r;
    struct etcd_watch *w;
    uint64_t t0 = plm_mono_ms();

    CHECK(strcmp(etcd_client_endpoint(c), dead) == 0, "the dead member is not tried first");
    CHECK(put(c, "/t/fo", "still", 0) == 0, "put with a member down: %s", etcd_client_error(c));
    CHECK(strcmp(etcd_client_endpoint(c), dead) != 0, "the client stayed on the dead member");
    CHECK(etcd_range(c, &k, NULL, &r) == 0 && r.n == 1, "range with a member down: %s",
          etcd_client_error(c));
    etcd_range_free(&r);
    printf("failover: put and range in %" PRIu64 " ms with %s down\n", plm_mono_ms() - t0, dead);
    CHECK(etcd_watch_open(c, &k, 0, &w) == 0, "watch with a member down: %s", etcd_client_error(c));
    etcd_watch_close(w);
    return 0;
}

static int t_down(struct etcd_client *c, unsigned ms)
{
    struct etcd_keys k = etcd_key("/t/down");
    struct etcd_range r;
    struct etcd_watch *w;
    uint64_t t0 = plm_mono_ms(), took;
    int rc;

    rc = put(c, "/t/down", "x", 0);
    took = plm_mono_ms() - t0;
    CHECK(rc == PLM_EIO, "put with every member down: %d", rc);
    CHECK(strstr(etcd_client_error(c), "no endpoint answered") != NULL, "unclear error: %s",
          etcd_client_error(c));
    printf("down: put failed in %" PRIu64 " ms: %s\n", took, etcd_client_error(c));
    CHECK(took <= ms + 500, "put took %" PRIu64 " ms, past its %u ms timeout", took, ms);
    t0 = plm_mono_ms();
    CHECK(etcd_range(c, &k, NULL, &r) == PLM_EIO, "range with every member down did not fail");
    CHECK(etcd_watch_open(c, &k, 0, &w) == PLM_EIO, "watch with every member down did not fail");
    CHECK(etcd_lease_grant(c, 5, &(int64_t){0}, NULL) == PLM_EIO, "grant did not fail");
    took = plm_mono_ms() - t0;
    CHECK(took <= 3 * ms + 1000, "three calls took %" PRIu64 " ms", took);
    return 0;
}

struct hook {
    struct etcd_client *c;
    unsigned runs, deadline_in_ms;
    int rc;
    bool nested;     /* make a call of its own */
    unsigned put_at; /* at this run, put a key under the paged prefix */
};

static int before(void *arg, uint64_t *deadline_ms)
{
    struct hook *h = arg;
    h->runs++;
    if (h->nested && put(h->c, "/t/hook", "from the hook", 0))
        return PLM_EIO;
    if (h->put_at == h->runs && put(h->c, "/t/pg/k9", "late", 0))
        return PLM_EIO;
    *deadline_ms = h->deadline_in_ms ? plm_mono_ms() + h->deadline_in_ms : 0;
    return h->rc;
}

static void *cancel_later(void *arg)
{
    sleep_ms(300);
    atomic_store((atomic_bool *)arg, true);
    return NULL;
}

static int t_bounds(struct etcd_client *c, struct etcd_client *silent)
{
    struct etcd_keys k = etcd_key("/t/hook");
    struct etcd_range r;
    struct hook h = {.c = c, .nested = true};
    atomic_bool stop = false;
    pthread_t t;
    uint64_t t0, took;
    int rc;

    /* The hook runs once per call, its own calls unhooked, before the call. */
    etcd_client_bound(c, NULL, before, &h);
    CHECK(etcd_range(c, &k, NULL, &r) == 0, "range: %s", etcd_client_error(c));
    CHECK(h.runs == 1, "the hook ran %u times for one call", h.runs);
    CHECK(r.n == 1, "the hook's own put is not seen by the call after it");
    etcd_range_free(&r);
    /* A paged range: every key once, in order (a key with a NUL byte
     * right after a page's last key included), at the first page's
     * revision (a key put between two pages is not in it), one hooked
     * call per page. */
    static const char nul[] = "/t/pg/k3\0b";
    CHECK(etcd_put(c, nul, sizeof(nul) - 1, "n", 1, 0, NULL) == 0, "put: %s", etcd_client_error(c));
    for (int i = 0; i < 7; i++) {
        char key[16];
        snprintf(key, sizeof(key), "/t/pg/k%d", i);
        CHECK(put(c, key, key + 6, 0) == 0, "put: %s", etcd_client_error(c));
    }
    h = (struct hook){.c = c, .put_at = 2};
    struct etcd_keys pg = etcd_prefix("/t/pg/");
    struct etcd_range_opts paged = {.page = 3};
    CHECK(etcd_range(c, &pg, &paged, &r) == 0, "paged: %s", etcd_client_error(c));
    CHECK(h.runs == 3, "8 keys in pages of 3 made %u calls", h.runs);
    CHECK(r.n == 8 && r.count == 8 && !r.more, "paged: %zu keys (count %" PRId64 ")", r.n, r.count);
    CHECK(r.kvs[3].key_len == 8 && r.kvs[4].key_len == sizeof(nul) - 1 &&
              !memcmp(r.kvs[4].key, nul, sizeof(nul) - 1) && !strcmp(r.kvs[7].value, "k6"),
          "paged: not k0..k3, k3\\0b, k4..k6 in order");
    etcd_range_free(&r);
    CHECK(etcd_range(c, &pg, NULL, &r) == 0 && r.n == 9, "the key put between pages is not there");
    etcd_range_free(&r);
    /* An empty range, paged: no keys, no error. */
    struct etcd_keys none = etcd_prefix("/t/none/");
    CHECK(etcd_range(c, &none, &paged, &r) == 0 && r.n == 0 && r.count == 0,
          "an empty paged range: %s", etcd_client_error(c));
    etcd_range_free(&r);
    /* A hook's error: the call is not made. */
    h.nested = false;
    h.rc = PLM_ENOENT;
    CHECK(etcd_range(c, &k, NULL, &r) == PLM_ENOENT, "the hook's error is not the call's");
    etcd_client_bound(c, NULL, NULL, NULL);
    /* Its deadline: a call waiting at a member that never answers ends
     * then, not at the 3 s request timeout. */
    h = (struct hook){.c = silent, .deadline_in_ms = 400};
    etcd_client_bound(silent, NULL, before, &h);
    t0 = plm_mono_ms();
    rc = etcd_range(silent, &k, NULL, &r);
    took = plm_mono_ms() - t0;
    printf("bounds: a 400 ms deadline ended the call in %" PRIu64 " ms: %s\n", took,
           etcd_client_error(silent));
    CHECK(rc == PLM_EIO && took < 900, "rc %d after %" PRIu64 " ms", rc, took);
    /* The cancel flag, set from another thread while the call waits. */
    etcd_client_bound(silent, &stop, NULL, NULL);
    CHECK(pthread_create(&t, NULL, cancel_later, &stop) == 0, "no thread");
    t0 = plm_mono_ms();
    rc = etcd_range(silent, &k, NULL, &r);
    took = plm_mono_ms() - t0;
    pthread_join(t, NULL);
    printf("bounds: cancelled after 300 ms, the call ended in %" PRIu64 " ms: %s\n", took,
           etcd_client_error(silent));
    CHECK(rc == PLM_EIO && strstr(etcd_client_error(silent), "cancelled"), "rc %d, %s", rc,
          etcd_client_error(silent));
    CHECK(took < 1600, "the cancelled call took %" PRIu64 " ms", took);
    /* And every call after it fails at once. */
    t0 = plm_mono_ms();
    CHECK(etcd_range(silent, &k, NULL, &r) == PLM_EIO && plm_mono_ms() - t0 < 100,
          "a call after the cancel was made");
    return 0;
}

int main(int argc, char **argv)
{
    struct etcd_client *c;
    const char *cmd;
    unsigned timeout = 0;
    int rc = 2;

    if (argc < 3) {
        fprintf(stderr, "usage: etcd_live ENDPOINTS COMMAND [ARGS]\n");
        return 2;
    }
    cmd = argv[2];
    if (!strcmp(cmd, "down") && argc > 3)
        timeout = (unsigned)strtoul(argv[3], NULL, 10);
    char *again = strdup(argv[1]);
    c = connect_to(argv[1], timeout);
    if (!strcmp(cmd, "get") && argc == 4) {
        struct etcd_keys k = etcd_key(argv[3]);
        struct etcd_range r;
        if ((rc = etcd_range(c, &k, NULL, &r)) == 0) {
            if (r.n)
                printf("%s\n", r.kvs[0].value);
            else
                rc = 1;
            etcd_range_free(&r);
        }
    } else if (!strcmp(cmd, "put") && argc == 5) {
        rc = put(c, argv[3], argv[4], 0);
    } else if (!strcmp(cmd, "kv")) {
        rc = t_kv(c);
    } else if (!strcmp(cmd, "txn")) {
        rc = t_txn(c);
    } else if (!strcmp(cmd, "lease")) {
        rc = t_lease(c);
    } else if (!strcmp(cmd, "election")) {
        struct etcd_client *c2 = connect_to(again, 0);
        rc = t_election(c, c2);
        etcd_client_free(c2);
    } else if (!strcmp(cmd, "watch")) {
        rc = t_watch(c);
    } else if (!strcmp(cmd, "failover") && argc == 4) {
        rc = t_failover(c, argv[3]);
    } else if (!strcmp(cmd, "bounds") && argc == 4) {
        struct etcd_client *s = connect_to(argv[3], 0);
        rc = t_bounds(c, s);
        etcd_client_free(s);
    } else if (!strcmp(cmd, "down") && argc == 4) {
        rc = t_down(c, timeout);
    } else {
        fprintf(stderr, "etcd_live: unknown command or arguments: %s\n", cmd);
    }
    if (rc < 0)
        fprintf(stderr, "etcd_live: %s: %s\n", cmd, etcd_client_error(c));
    etcd_client_free(c);
    free(again);
    return rc == 0 && failures == 0 ? 0 : 1;
}
