/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An etcd v3 client over etcd's JSON gateway (libcurl and yajl): the
 * key-value store (range, put, delete, txn with compares for fencing and
 * create-if-absent), leases (grant, keepalive, revoke), elections
 * (campaign, leader, proclaim, resign) and streaming watches.  Keys and
 * values are byte strings, sent base64 as the gateway wants them.  An
 * election campaign waits at one member, by design, up to its own
 * timeout (etcd_campaign).
 *
 * The model of the calls: every call but the watch is synchronous and
 * bounded.  A call never takes longer than the configured request timeout
 * (a campaign: its own) in all (connection, TLS, request, reply, failover
 * included): the
 * daemon runs them on a thread of their own, off its loop, and a dead
 * cluster costs that thread one timeout per call, never a hang.  A watch
 * is a stream on a curl multi handle, read with etcd_watch_poll(), which
 * waits no longer than its timeout (0: does not wait at all), so it can be
 * read from a loop without blocking it.
 *
 * Endpoints: a list, tried in order from the one that last answered; a
 * member that cannot be reached, times out or says it is unavailable
 * makes the call go on with the next one, within the same deadline.
 * `/v3/` is used, and `/v3beta/` when an endpoint answers 404 there
 * (etcd 3.3).  https: with the operator's CA, client certificate and key
 * (etcd's own client authentication; peer and host are always verified).
 * Plain http is refused unless the endpoint is a loopback address (tests,
 * a local member).
 *
 * Every reply is untrusted input: its size is bounded (max_reply), its
 * nesting depth too, every number is checked for range and every key and
 * value for size and base64.  A client is used by one thread at a time.
 * Functions return 0 or a PLM_E* code; etcd_client_error() tells why.
 */
#ifndef XENPLM_POOL_ETCD_H
#define XENPLM_POOL_ETCD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/endpoint.h"

#define ETCD_MAX_ENDPOINTS 16
/* The largest key and value the client sends or accepts, in bytes. */
#define ETCD_KEY_MAX 4096
#define ETCD_VALUE_MAX (1536 * 1024)
/* The most key-value pairs one reply may carry. */
#define ETCD_KVS_MAX 100000
#define ETCD_ERR_MAX 256

struct etcd_config {
    const char *endpoints[ETCD_MAX_ENDPOINTS]; /* "https://host:port" */
    size_t nendpoints;
    const char *ca_file;         /* https: the CA that signed the members (NULL: the system's) */
    const char *cert_file;       /* https: this host's client certificate (NULL: none) */
    const char *key_file;        /* and its key: both or neither */
    unsigned connect_timeout_ms; /* per endpoint tried (default 1000) */
    unsigned request_timeout_ms; /* per call, failover included (default 3000) */
    size_t max_reply;            /* bytes of one reply or watch message (default 4 MiB) */
};

/* Defaults: no endpoint, no TLS files, the timeouts and bound above. */
void etcd_config_init(struct etcd_config *cfg);

/*
 * Check an endpoint URL: http or https, a host, an optional port, no
 * path, query or user.  http only to a loopback address (127.0.0.0/8,
 * ::1, localhost).  0, or PLM_EINVAL with the reason in err.  (The check
 * itself is common/endpoint.h's, shared with the policy loader.)
 */
static inline int etcd_endpoint_check(const char *url, char *err, size_t errlen)
{
    return plm_endpoint_check(url, err, errlen);
}

struct etcd_client;

/* A client for cfg (copied), every endpoint checked.  No connection yet. */
int etcd_client_new(const struct etcd_config *cfg, struct etcd_client **out, char *err,
                    size_t errlen);
void etcd_client_free(struct etcd_client *c);
/* The last failure's reason ("" when the last call succeeded). */
const char *etcd_client_error(const struct etcd_client *c);
/* The endpoint that answered last (or will be tried first). */
const char *etcd_client_endpoint(const struct etcd_client *c);

/*
 * What a client has sent and received, per kind of call: counted by the
 * thread that owns the client (plain increments, no lock: a client is
 * used by one thread at a time) and read by that thread, which hands a
 * copy to whoever else wants them.  A call is one etcd_*() function (a
 * txn of many operations is one call; a call that fails over to another
 * member is still one); bytes are HTTP's, headers and bodies, of every
 * attempt, failed ones included; a failure is a call that got no
 * successful reply (no member answered, an error reply, a reply over its
 * bound).  A watch counts its opening as a call and its stream's bytes as
 * they arrive (its events are not counted as keys).
 */
enum etcd_call {
    ETCD_CALL_RANGE = 0,
    ETCD_CALL_PUT,
    ETCD_CALL_DELETE,
    ETCD_CALL_TXN,
    ETCD_CALL_LEASE_GRANT,
    ETCD_CALL_LEASE_KEEPALIVE,
    ETCD_CALL_LEASE_REVOKE,
    ETCD_CALL_WATCH,
    ETCD_CALL_ELECTION, /* campaign, leader, proclaim, resign */
    ETCD_CALLS
};
struct etcd_count {
    uint64_t calls, failures, sent_bytes, received_bytes;
    /* Key-value pairs read (in the replies of ranges, a txn's included)
     * and written or deleted (the puts and deletes etcd applied). */
    uint64_t keys;
};
struct etcd_counters {
    struct etcd_count call[ETCD_CALLS];
};
/* "range", "put", "delete", "txn", "lease_grant", "lease_keepalive",
 * "lease_revoke", "watch", "election": also the metrics' label values.
 * (Inline: the daemon's renderers name them without linking the client.) */
static inline const char *etcd_call_name(enum etcd_call k)
{
    static const char *const names[ETCD_CALLS] = {
        [ETCD_CALL_RANGE] = "range",
        [ETCD_CALL_PUT] = "put",
        [ETCD_CALL_DELETE] = "delete",
        [ETCD_CALL_TXN] = "txn",
        [ETCD_CALL_LEASE_GRANT] = "lease_grant",
        [ETCD_CALL_LEASE_KEEPALIVE] = "lease_keepalive",
        [ETCD_CALL_LEASE_REVOKE] = "lease_revoke",
        [ETCD_CALL_WATCH] = "watch",
        [ETCD_CALL_ELECTION] = "election",
    };
    return (unsigned)k < ETCD_CALLS ? names[k] : "unknown";
}
/* The kind of a gateway path ("kv/range", "lease/keepalive", ...);
 * ETCD_CALLS for a path the client never posts. */
enum etcd_call etcd_call_of(const char *path);
/* One call of kind k counted: its bytes, and whether it failed. */
void etcd_count_call(struct etcd_counters *s, enum etcd_call k, uint64_t sent_bytes,
                     uint64_t received_bytes, bool failed);
/* a += b, kind by kind (a pool's total over its hosts' clients). */
void etcd_counters_add(struct etcd_counters *a, const struct etcd_counters *b);
/* Every kind summed, saturating.  (Inline, as etcd_call_name.) */
static inline uint64_t etcd_count_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}
static inline struct etcd_count etcd_counters_total(const struct etcd_counters *s)
{
    struct etcd_count t = {0, 0, 0, 0, 0};

    for (int k = 0; k < ETCD_CALLS; k++) {
        t.calls = etcd_count_sat(t.calls, s->call[k].calls);
        t.failures = etcd_count_sat(t.failures, s->call[k].failures);
        t.sent_bytes = etcd_count_sat(t.sent_bytes, s->call[k].sent_bytes);
        t.received_bytes = etcd_count_sat(t.received_bytes, s->call[k].received_bytes);
        t.keys = etcd_count_sat(t.keys, s->call[k].keys);
    }
    return t;
}
/* A copy of the client's counters (on the thread that owns it). */
void etcd_client_counters(const struct etcd_client *c, struct etcd_counters *out);

/*
 * Bounds the caller puts on every call but the watch, for a client that
 * serves a thread of its own:
 * - cancel (may be NULL): a flag another thread sets to end the call
 *   under way within about a second (curl's progress callback reads it;
 *   a member that accepts and never answers included), and to make
 *   every call after it fail at once, PLM_EIO, without failover;
 * - before (may be NULL): run at the start of each call, except the
 *   calls it makes itself on the client (a lease's keepalive that is
 *   due, sent before the call rather than after it); it returns 0, or a
 *   PLM_E* code that the call returns without being made, and sets
 *   *deadline_ms (monotonic milliseconds, 0: none) by which the call,
 *   failover included, must end whatever its own timeout.
 * Set again to change them (the thread's last calls at its stop).
 */
typedef int (*etcd_before_fn)(void *arg, uint64_t *deadline_ms);
void etcd_client_bound(struct etcd_client *c, const atomic_bool *cancel, etcd_before_fn before,
                       void *arg);

/* One key-value pair; key and value are NUL-terminated for convenience. */
struct etcd_kv {
    char *key;
    size_t key_len;
    char *value;
    size_t value_len;
    int64_t create_revision, mod_revision, version, lease;
};

struct etcd_range {
    int64_t revision; /* the store's, when the reply was made */
    int64_t count;    /* keys in the range (may exceed n with a limit) */
    bool more;
    struct etcd_kv *kvs;
    size_t n;
};
void etcd_range_free(struct etcd_range *r);

/* Which keys: one key, every key with the prefix, or [key, range_end). */
struct etcd_keys {
    const void *key;
    size_t key_len;
    bool prefix;
    const void *range_end; /* used when not prefix and range_end_len > 0 */
    size_t range_end_len;
};
/* A single key given as a C string. */
struct etcd_keys etcd_key(const char *key);
/* Every key starting with prefix. */
struct etcd_keys etcd_prefix(const char *prefix);

struct etcd_range_opts {
    int64_t limit;    /* 0: no limit */
    int64_t revision; /* 0: the latest */
    bool keys_only;
    bool count_only;
    /* Without a limit: read in calls of at most page keys each (0: one
     * call), every page at the first one's revision (one consistent
     * view, as one call would give), concatenated.  Each page is a call
     * of its own, with its own timeout and the caller's hook before it
     * (etcd_client_bound): a large range is no one long call. */
    int64_t page;
};

int etcd_range(struct etcd_client *c, const struct etcd_keys *k, const struct etcd_range_opts *o,
               struct etcd_range *out);
/* Put one key; lease 0 for none.  *revision_out (may be NULL): the put's revision. */
int etcd_put(struct etcd_client *c, const void *key, size_t key_len, const void *value,
             size_t value_len, int64_t lease, int64_t *revision_out);
int etcd_delete(struct etcd_client *c, const struct etcd_keys *k, int64_t *deleted_out,
                int64_t *revision_out);

/* A transaction: if every compare holds, the success ops, else the failure ops. */
enum etcd_cmp_target {
    ETCD_CMP_VERSION = 0,
    ETCD_CMP_CREATE, /* create_revision: 0 when the key does not exist */
    ETCD_CMP_MOD,    /* mod_revision */
    ETCD_CMP_VALUE,
    ETCD_CMP_LEASE,
};
enum etcd_cmp_result { ETCD_CMP_EQUAL = 0, ETCD_CMP_GREATER, ETCD_CMP_LESS, ETCD_CMP_NOT_EQUAL };
struct etcd_cmp {
    enum etcd_cmp_target target;
    enum etcd_cmp_result result;
    const void *key;
    size_t key_len;
    int64_t number; /* VERSION, CREATE, MOD, LEASE */
    const void *value;
    size_t value_len; /* VALUE */
};
enum etcd_op_kind { ETCD_OP_RANGE = 0, ETCD_OP_PUT, ETCD_OP_DELETE };
struct etcd_op {
    enum etcd_op_kind kind;
    struct etcd_keys keys; /* PUT: keys.key alone */
    const void *value;
    size_t value_len;
    int64_t lease;
};
#define ETCD_TXN_MAX_OPS 128
struct etcd_txn {
    const struct etcd_cmp *cmp;
    size_t ncmp;
    const struct etcd_op *success;
    size_t nsuccess;
    const struct etcd_op *failure;
    size_t nfailure;
};
struct etcd_txn_result {
    bool succeeded;
    int64_t revision;
    /* One per op of the branch taken, in order; empty for puts and deletes. */
    struct etcd_range *ranges;
    size_t nranges;
};
int etcd_txn(struct etcd_client *c, const struct etcd_txn *t, struct etcd_txn_result *out);
void etcd_txn_result_free(struct etcd_txn_result *r);

/* Leases.  keepalive: PLM_ENOENT when the lease has expired or is unknown. */
int etcd_lease_grant(struct etcd_client *c, int64_t ttl_s, int64_t *id_out, int64_t *ttl_out);
int etcd_lease_keepalive(struct etcd_client *c, int64_t id, int64_t *ttl_out);
int etcd_lease_revoke(struct etcd_client *c, int64_t id);

/*
 * Elections (etcd's concurrency API through the gateway's
 * /v3/election/): a campaign waits until it is the leader of name, under
 * its lease (the lease's expiry ends the leadership), at most timeout_ms.
 * A timeout is PLM_EIO, and is not "still waiting": the member cancels a
 * campaign whose client went away and deletes its candidate key, which
 * with one key per lease may be a leader's key of the same lease
 * (xenplmd stands through a txn instead: src/daemon/pool_lead.c).  The leader's
 * rev, the creation revision of its key, is the fencing token: an order
 * carries it, and a txn comparing the key's create_revision with it
 * holds only while that leadership lasts.
 */
struct etcd_leader {
    char *name;
    size_t name_len;
    char *key;
    size_t key_len;
    int64_t rev, lease;
};
void etcd_leader_free(struct etcd_leader *l);
int etcd_campaign(struct etcd_client *c, const void *name, size_t name_len, int64_t lease,
                  const void *value, size_t value_len, unsigned timeout_ms,
                  struct etcd_leader *out);
/* The current leader's key and value; PLM_ENOENT when there is none. */
int etcd_election_leader(struct etcd_client *c, const void *name, size_t name_len,
                         struct etcd_kv *out);
void etcd_kv_free(struct etcd_kv *kv);
int etcd_proclaim(struct etcd_client *c, const struct etcd_leader *l, const void *value,
                  size_t value_len);
int etcd_resign(struct etcd_client *c, const struct etcd_leader *l);

/* Watches. */
enum etcd_event_type { ETCD_EV_PUT = 0, ETCD_EV_DELETE };
struct etcd_event {
    enum etcd_event_type type;
    struct etcd_kv kv;
};
void etcd_events_free(struct etcd_event *ev, size_t n);

struct etcd_watch;
/*
 * Watch the keys from start_revision (0: from now), on the first endpoint
 * that confirms the watch within the request timeout.
 */
int etcd_watch_open(struct etcd_client *c, const struct etcd_keys *k, int64_t start_revision,
                    struct etcd_watch **out);
/*
 * Up to max events into ev (*n_out of them, each to be freed with
 * etcd_events_free), waiting at most timeout_ms for the first (0: not at
 * all).  0 with *n_out 0 on a timeout; PLM_EIO when the stream ended or
 * failed (reopen from etcd_watch_revision() + 1), with the reason in
 * etcd_watch_error().
 */
int etcd_watch_poll(struct etcd_watch *w, int timeout_ms, struct etcd_event *ev, size_t max,
                    size_t *n_out);
/* The highest revision the watch has reported (its header's). */
int64_t etcd_watch_revision(const struct etcd_watch *w);
const char *etcd_watch_error(const struct etcd_watch *w);
void etcd_watch_close(struct etcd_watch *w);

#endif
