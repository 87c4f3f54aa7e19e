/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the etcd client: the growing buffer requests and replies are
 * built in, base64, the reply parsers (pure: a buffer in, a result out,
 * so the unit tests and the fuzzer drive them without a server), and the
 * transport that posts a request with failover.
 */
#ifndef XENPLM_POOL_ETCD_INT_H
#define XENPLM_POOL_ETCD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pool/etcd.h"

/* A byte buffer, always NUL-terminated; errors are sticky. */
struct ebuf {
    char *p;
    size_t len, cap;
    size_t max; /* 0: no bound */
    bool failed;
};
void ebuf_init(struct ebuf *b, size_t max);
void ebuf_free(struct ebuf *b);
void ebuf_reset(struct ebuf *b);
void ebuf_add(struct ebuf *b, const void *data, size_t len);
void ebuf_str(struct ebuf *b, const char *s);
void ebuf_i64(struct ebuf *b, int64_t v);
/* The bytes as base64, between quotes: a JSON string. */
void ebuf_b64(struct ebuf *b, const void *data, size_t len);
/* Drop the first n bytes. */
void ebuf_consume(struct ebuf *b, size_t n);

/* Base64 (RFC 4648, with padding). */
size_t etcd_b64_len(size_t n);
void etcd_b64_encode(const void *data, size_t n, char *out); /* out: etcd_b64_len(n) + 1 */
/*
 * Decode s[0..n) into a new NUL-terminated buffer of at most max bytes.
 * 0, PLM_EGRAMMAR (not base64), PLM_ERANGE (longer than max), PLM_ENOMEM.
 */
int etcd_b64_decode(const char *s, size_t n, size_t max, char **out, size_t *out_len);

/* The deepest nesting of a reply the parsers accept. */
#define ETCD_JSON_DEPTH 32

/*
 * Reply parsers: buf[0..len) is one JSON document from the gateway.  They
 * fill the result and return 0, or PLM_EGRAMMAR / PLM_ERANGE / PLM_ENOMEM
 * with the reason in err.  An error document ({"error": ...}) gives
 * PLM_ENOENT for etcd's NotFound, PLM_EINVAL for InvalidArgument and
 * PLM_EIO otherwise; *unavailable is set for the codes that mean "try
 * another member" (Unavailable, DeadlineExceeded).
 */
int etcd_parse_error(const char *buf, size_t len, bool *unavailable, char *err, size_t errlen);
int etcd_parse_header(const char *buf, size_t len, int64_t *revision, char *err, size_t errlen);
int etcd_parse_range(const char *buf, size_t len, struct etcd_range *out, char *err, size_t errlen);
int etcd_parse_delete(const char *buf, size_t len, int64_t *deleted, int64_t *revision, char *err,
                      size_t errlen);
int etcd_parse_txn(const char *buf, size_t len, struct etcd_txn_result *out, char *err,
                   size_t errlen);
int etcd_parse_lease(const char *buf, size_t len, bool stream, int64_t *id, int64_t *ttl, char *err,
                     size_t errlen);
/*
 * One message of a watch stream.  *created when it confirms the watch,
 * *canceled when it ends it; events appended to ev (at most max: the
 * rest is an error, PLM_ETOOMANY, as the caller's array is full).
 */
int etcd_parse_watch(const char *buf, size_t len, bool *created, bool *canceled, int64_t *revision,
                     struct etcd_event *ev, size_t max, size_t *n, char *err, size_t errlen);

/* The client itself. */
struct etcd_client {
    char *endpoint[ETCD_MAX_ENDPOINTS];
    size_t nendpoints;
    size_t cur;         /* the endpoint tried first */
    const char *prefix; /* "v3" or "v3beta" */
    char *ca_file, *cert_file, *key_file;
    unsigned connect_timeout_ms, request_timeout_ms;
    size_t max_reply;
    void *curl; /* CURL *, reused between calls */
    /* The caller's bounds (etcd_client_bound), and whether its hook runs now. */
    const atomic_bool *cancel;
    etcd_before_fn before;
    void *before_arg;
    bool in_before;
    struct ebuf reply;
    char err[ETCD_ERR_MAX];
    struct etcd_counters count; /* the owning thread's: etcd.h */
};

/*
 * Post body to /<prefix>/<path> with failover; the reply's body (a 200,
 * parsed by the caller) in c->reply.  An error reply is parsed here and
 * returned as its code.  Fills c->err on failure.
 */
int etcd_post(struct etcd_client *c, const char *path, const struct ebuf *body);
/*
 * The same within timeout_ms; with waits, a call that may wait at the
 * member by design (an election campaign): the endpoint tried gets all the
 * time left, and running out of it once connected ends the call there
 * (PLM_EIO, "still waiting"), without going on to another member.
 */
int etcd_post_ex(struct etcd_client *c, const char *path, const struct ebuf *body,
                 unsigned timeout_ms, bool waits);
/* An election reply's leader: {"leader":{"name","key","rev","lease"}}. */
int etcd_parse_leader(const char *buf, size_t len, struct etcd_leader *out, char *err,
                      size_t errlen);
/* The leader query's reply: {"kv":{...}}; PLM_ENOENT without one. */
int etcd_parse_kv(const char *buf, size_t len, struct etcd_kv *out, char *err, size_t errlen);
/* Set one curl handle up for a post to url (timeouts, TLS, no proxy, no redirect). */
int etcd_curl_setup(struct etcd_client *c, void *curl, const char *url, const struct ebuf *body,
                    unsigned timeout_ms, unsigned connect_ms);
/* Fill c->err and return rc. */
int etcd_fail(struct etcd_client *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Bytes of a call of kind k counted, not the call (a watch's stream). */
void etcd_count_bytes(struct etcd_counters *s, enum etcd_call k, uint64_t sent_bytes,
                      uint64_t received_bytes);

/* Keys read or written by a call of kind k that succeeded (etcd.h). */
void etcd_count_keys(struct etcd_counters *s, enum etcd_call k, uint64_t n);

/* A request body's key selection: "key":..., and "range_end":... when a range. */
void etcd_body_keys(struct ebuf *b, const struct etcd_keys *k);

#endif
