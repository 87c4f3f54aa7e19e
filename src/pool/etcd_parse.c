/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The gateway's replies, parsed as untrusted input (etcd_int.h): a
 * bounded nesting depth checked before yajl builds its tree (its tree is
 * freed recursively), every int64 (sent as a decimal string) checked for
 * syntax and range, every key and value for base64 and size, every array
 * for length.  Fields the gateway leaves out are zero, as in protobuf.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "common/errbuf.h"
#include "core/error.h"
#include "pool/etcd_int.h"

/* The deepest nesting outside strings; -1 for a NUL or unbalanced input. */
static int json_depth(const char *buf, size_t len)
{
    int depth = 0, deepest = 0;
    bool in_str = false, esc = false;

    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '\0')
            return -1;
        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > deepest)
                deepest = depth;
            if (deepest > ETCD_JSON_DEPTH)
                return deepest;
        } else if (c == '}' || c == ']') {
            if (--depth < 0)
                return -1;
        }
    }
    return deepest;
}

static int parse_doc(const char *buf, size_t len, yajl_val *out, char *err, size_t errlen)
{
    char yerr[128] = "";
    char *copy;
    int depth = json_depth(buf, len);

    *out = NULL;
    if (depth < 0)
        return plm_errf(err, errlen, PLM_EGRAMMAR, "reply: not JSON (a NUL byte or unbalanced)");
    if (depth > ETCD_JSON_DEPTH)
        return plm_errf(err, errlen, PLM_ERANGE, "reply: nested deeper than %d", ETCD_JSON_DEPTH);
    /* yajl_tree_parse wants a C string. */
    if (!(copy = malloc(len + 1)))
        return plm_errf(err, errlen, PLM_ENOMEM, "reply: out of memory");
    memcpy(copy, buf, len);
    copy[len] = '\0';
    *out = yajl_tree_parse(copy, yerr, sizeof(yerr));
    free(copy);
    if (!*out) {
        /* yajl's message spans lines: keep the first. */
        yerr[strcspn(yerr, "\n")] = '\0';
        return plm_errf(err, errlen, PLM_EGRAMMAR, "reply: not JSON: %s", yerr);
    }
    if (!YAJL_IS_OBJECT(*out)) {
        yajl_tree_free(*out);
        *out = NULL;
        return plm_errf(err, errlen, PLM_EGRAMMAR, "reply: not a JSON object");
    }
    return 0;
}

/* The member name of object o, or NULL. */
static yajl_val member(yajl_val o, const char *name)
{
    if (!o || !YAJL_IS_OBJECT(o))
        return NULL;
    for (size_t i = 0; i < o->u.object.len; i++)
        if (strcmp(o->u.object.keys[i], name) == 0)
            return o->u.object.values[i];
    return NULL;
}

/* An int64 member: a decimal string or a JSON integer; absent is 0. */
static int get_i64(yajl_val o, const char *name, int64_t *out, char *err, size_t errlen)
{
    yajl_val v = member(o, name);

    *out = 0;
    if (!v || YAJL_IS_NULL(v))
        return 0;
    if (YAJL_IS_INTEGER(v)) {
        *out = YAJL_GET_INTEGER(v);
        return 0;
    }
    if (YAJL_IS_STRING(v)) {
        const char *s = YAJL_GET_STRING(v);
        char *end;
        size_t n = strlen(s);
        if (n == 0 || n > 20 || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
            return plm_errf(err, errlen, PLM_EGRAMMAR, "reply: %s: not an integer", name);
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (*end != '\0')
            return plm_errf(err, errlen, PLM_EGRAMMAR, "reply: %s: not an integer", name);
        if (errno == ERANGE)
            return plm_errf(err, errlen, PLM_ERANGE, "reply: %s: out of range", name);
        *out = x;
        return 0;
    }
    return plm_errf(err, errlen, PLM_EGRAMMAR, "reply: %s: not an integer", name);
}

/* A non-negative int64 member. */
static int get_u63(yajl_val o, const char *name, int64_t *out, char *err, size_t errlen)
{
    int rc = get_i64(o, name, out, err, errlen);
    if (rc == 0 && *out < 0)
        return plm_errf(err, errlen, PLM_ERANGE, "reply: %s: negative", name);
    return rc;
}

static int get_bool(yajl_val o, const char *name, bool *out, char *err, size_t errlen)
{
    yajl_val v = member(o, name);

    *out = false;
    if (!v || YAJL_IS_NULL(v))
        return 0;
    if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
        *out = YAJL_IS_TRUE(v);
        return 0;
    }
    return plm_errf(err, errlen, PLM_EGRAMMAR, "reply: %s: not a boolean", name);
}

/* A base64 member decoded (absent: empty), at most max bytes. */
static int get_b64(yajl_val o, const char *name, size_t max, char **out, size_t *out_len, char *err,
                   size_t errlen)
{
    yajl_val v = member(o, name);
    int rc;

    if (!v || YAJL_IS_NULL(v))
        return etcd_b64_decode("", 0, max, out, out_len);
    if (!YAJL_IS_STRING(v))
        return plm_errf(err, errlen, PLM_EGRAMMAR, "reply: %s: not a string", name);
    rc = etcd_b64_decode(v->u.string, strlen(v->u.string), max, out, out_len);
    if (rc == PLM_ERANGE)
        return plm_errf(err, errlen, rc, "reply: %s: longer than %zu bytes", name, max);
    if (rc)
        return plm_errf(err, errlen, rc, "reply: %s: not base64", name);
    return 0;
}

void etcd_kv_free(struct etcd_kv *kv)
{
    free(kv->key);
    free(kv->value);
    memset(kv, 0, sizeof(*kv));
}

static int parse_kv(yajl_val o, struct etcd_kv *kv, char *err, size_t errlen)
{
    int rc;

    memset(kv, 0, sizeof(*kv));
    if (!YAJL_IS_OBJECT(o))
        return plm_errf(err, errlen, PLM_EGRAMMAR, "reply: a kv is not an object");
    if ((rc = get_b64(o, "key", ETCD_KEY_MAX, &kv->key, &kv->key_len, err, errlen)) ||
        (rc = get_b64(o, "value", ETCD_VALUE_MAX, &kv->value, &kv->value_len, err, errlen)) ||
        (rc = get_u63(o, "create_revision", &kv->create_revision, err, errlen)) ||
        (rc = get_u63(o, "mod_revision", &kv->mod_revision, err, errlen)) ||
        (rc = get_u63(o, "version", &kv->version, err, errlen)) ||
        (rc = get_i64(o, "lease", &kv->lease, err, errlen))) {
        etcd_kv_free(kv);
        return rc;
    }
    return 0;
}

static int header_revision(yajl_val doc, int64_t *revision, char *err, size_t errlen)
{
    yajl_val h = member(doc, "header");

    *revision = 0;
    if (h && !YAJL_IS_OBJECT(h))
        return plm_errf(err, errlen, PLM_EGRAMMAR, "reply: header is not an object");
    return get_u63(h, "revision", revision, err, errlen);
}

void etcd_range_free(struct etcd_range *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        etcd_kv_free(&r->kvs[i]);
    free(r->kvs);
    memset(r, 0, sizeof(*r));
}

static int range_from(yajl_val o, struct etcd_range *out, char *err, size_t errlen)
{
    yajl_val kvs = member(o, "kvs");
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = header_revision(o, &out->revision, err, errlen)) ||
        (rc = get_u63(o, "count", &out->count, err, errlen)) ||
        (rc = get_bool(o, "more", &out->more, err, errlen)))
        return rc;
    if (!kvs || YAJL_IS_NULL(kvs))
        return 0;
    if (!YAJL_IS_ARRAY(kvs))
        return plm_errf(err, errlen, PLM_EGRAMMAR, "reply: kvs is not an array");
    if (kvs->u.array.len > ETCD_KVS_MAX)
        return plm_errf(err, errlen, PLM_ETOOMANY, "reply: more than %d kvs", ETCD_KVS_MAX);
    if (kvs->u.array.len == 0)
        return 0;
    if (!(out->kvs = calloc(kvs->u.array.len, sizeof(*out->kvs))))
        return plm_errf(err, errlen, PLM_ENOMEM, "reply: out of memory");
    for (size_t i = 0; i < kvs->u.array.len; i++) {
        if ((rc = parse_kv(kvs->u.array.values[i], &out->kvs[i], err, errlen))) {
            etcd_range_free(out);
            return rc;
        }
        out->n++;
    }
    return 0;
}

int etcd_parse_error(const char *buf, size_t len, bool *unavailable, char *err, size_t errlen)
{
    yajl_val doc, e, o, msg;
    int64_t code = 0;
    char text[160] = "no message";
    int rc;

    *unavailable = false;
    if ((rc = parse_doc(buf, len, &doc, err, errlen)))
        return rc;
    /* {"error":"text","message":"text","code":N}, or a stream's {"error":{...}}. */
    e = member(doc, "error");
    o = e && YAJL_IS_OBJECT(e) ? e : doc;
    msg = member(o, "message");
    if (!msg || !YAJL_IS_STRING(msg))
        msg = e && YAJL_IS_STRING(e) ? e : NULL;
    if (get_i64(o, "code", &code, NULL, 0))
        code = 0;
    /* gRPC codes: 3 InvalidArgument, 4 DeadlineExceeded, 5 NotFound, 14 Unavailable. */
    rc = code == 5 ? PLM_ENOENT : code == 3 ? PLM_EINVAL : PLM_EIO;
    *unavailable = code == 14 || code == 4;
    /* The text is etcd's, shown to operators: printable ASCII only, bounded. */
    if (msg) {
        size_t i = 0;
        for (const char *s = msg->u.string; *s && i + 1 < sizeof(text); s++)
            text[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
        text[i] = '\0';
    }
    yajl_tree_free(doc);
    return plm_errf(err, errlen, rc, "etcd: %s (code %lld)", text, (long long)code);
}

int etcd_parse_header(const char *buf, size_t len, int64_t *revision, char *err, size_t errlen)
{
    yajl_val doc;
    int rc;

    if ((rc = parse_doc(buf, len, &doc, err, errlen)))
        return rc;
    rc = header_revision(doc, revision, err, errlen);
    yajl_tree_free(doc);
    return rc;
}

int etcd_parse_range(const char *buf, size_t len, struct etcd_range *out, char *err, size_t errlen)
{
    yajl_val doc;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = parse_doc(buf, len, &doc, err, errlen)))
        return rc;
    rc = range_from(doc, out, err, errlen);
    yajl_tree_free(doc);
    return rc;
}

int etcd_parse_delete(const char *buf, size_t len, int64_t *deleted, int64_t *revision, char *err,
                      size_t errlen)
{
    yajl_val doc;
    int rc;

    if ((rc = parse_doc(buf, len, &doc, err, errlen)))
        return rc;
    if (!(rc = header_revision(doc, revision, err, errlen)))
        rc = get_u63(doc, "deleted", deleted, err, errlen);
    yajl_tree_free(doc);
    return rc;
}

void etcd_txn_result_free(struct etcd_txn_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nranges; i++)
        etcd_range_free(&r->ranges[i]);
    free(r->ranges);
    memset(r, 0, sizeof(*r));
}

int etcd_parse_txn(const char *buf, size_t len, struct etcd_txn_result *out, char *err,
                   size_t errlen)
{
    yajl_val doc, resp;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = parse_doc(buf, len, &doc, err, errlen)))
        return rc;
    if ((rc = header_revision(doc, &out->revision, err, errlen)) ||
        (rc = get_bool(doc, "succeeded", &out->succeeded, err, errlen)))
        goto out;
    resp = member(doc, "responses");
    if (!resp || YAJL_IS_NULL(resp))
        goto out;
    if (!YAJL_IS_ARRAY(resp)) {
        rc = plm_errf(err, errlen, PLM_EGRAMMAR, "reply: responses is not an array");
        goto out;
    }
    if (resp->u.array.len > ETCD_TXN_MAX_OPS) {
        rc = plm_errf(err, errlen, PLM_ETOOMANY, "reply: more than %d responses", ETCD_TXN_MAX_OPS);
        goto out;
    }
    if (resp->u.array.len && !(out->ranges = calloc(resp->u.array.len, sizeof(*out->ranges)))) {
        rc = plm_errf(err, errlen, PLM_ENOMEM, "reply: out of memory");
        goto out;
    }
    for (size_t i = 0; i < resp->u.array.len; i++) {
        yajl_val r = member(resp->u.array.values[i], "response_range");
        if (r && !YAJL_IS_OBJECT(r)) {
            rc = plm_errf(err, errlen, PLM_EGRAMMAR, "reply: response_range is not an object");
            goto out;
        }
        if (r && (rc = range_from(r, &out->ranges[i], err, errlen)))
            goto out;
        out->nranges++;
    }
out:
    if (rc)
        etcd_txn_result_free(out);
    yajl_tree_free(doc);
    return rc;
}

int etcd_parse_lease(const char *buf, size_t len, bool stream, int64_t *id, int64_t *ttl, char *err,
                     size_t errlen)
{
    yajl_val doc, o;
    int rc;

    *id = *ttl = 0;
    if ((rc = parse_doc(buf, len, &doc, err, errlen)))
        return rc;
    o = stream ? member(doc, "result") : doc;
    if (!o || !YAJL_IS_OBJECT(o))
        rc = plm_errf(err, errlen, PLM_EGRAMMAR, "reply: no result");
    else if (!(rc = get_i64(o, "ID", id, err, errlen)))
        rc = get_i64(o, "TTL", ttl, err, errlen);
    if (!rc && *ttl < 0)
        *ttl = 0;
    yajl_tree_free(doc);
    return rc;
}

void etcd_events_free(struct etcd_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++)
        etcd_kv_free(&ev[i].kv);
}

int etcd_parse_watch(const char *buf, size_t len, bool *created, bool *canceled, int64_t *revision,
                     struct etcd_event *ev, size_t max, size_t *n, char *err, size_t errlen)
{
    yajl_val doc, o, evs;
    size_t first = *n;
    int rc;

    *created = *canceled = false;
    if ((rc = parse_doc(buf, len, &doc, err, errlen)))
        return rc;
    o = member(doc, "result");
    if (!o || !YAJL_IS_OBJECT(o)) {
        bool unavailable, is_error = member(doc, "error") != NULL;
        yajl_tree_free(doc);
        if (is_error)
            return etcd_parse_error(buf, len, &unavailable, err, errlen);
        return plm_errf(err, errlen, PLM_EGRAMMAR, "watch: a message without result");
    }
    if ((rc = header_revision(o, revision, err, errlen)) ||
        (rc = get_bool(o, "created", created, err, errlen)) ||
        (rc = get_bool(o, "canceled", canceled, err, errlen)))
        goto out;
    evs = member(o, "events");
    if (!evs || YAJL_IS_NULL(evs))
        goto out;
    if (!YAJL_IS_ARRAY(evs)) {
        rc = plm_errf(err, errlen, PLM_EGRAMMAR, "watch: events is not an array");
        goto out;
    }
    for (size_t i = 0; i < evs->u.array.len; i++) {
        yajl_val e = evs->u.array.values[i], type = member(e, "type"), kv = member(e, "kv");
        if (*n >= max) {
            rc = plm_errf(err, errlen, PLM_ETOOMANY, "watch: more than %zu events", max);
            goto out;
        }
        if (!kv) {
            rc = plm_errf(err, errlen, PLM_EGRAMMAR, "watch: an event without kv");
            goto out;
        }
        if (type && !(YAJL_IS_STRING(type) && (strcmp(type->u.string, "PUT") == 0 ||
                                               strcmp(type->u.string, "DELETE") == 0))) {
            rc = plm_errf(err, errlen, PLM_EGRAMMAR, "watch: an event of unknown type");
            goto out;
        }
        ev[*n].type = type && strcmp(type->u.string, "DELETE") == 0 ? ETCD_EV_DELETE : ETCD_EV_PUT;
        if ((rc = parse_kv(kv, &ev[*n].kv, err, errlen)))
            goto out;
        (*n)++;
    }
out:
    if (rc) {
        etcd_events_free(ev + first, *n - first);
        *n = first;
    }
    yajl_tree_free(doc);
    return rc;
}

void etcd_leader_free(struct etcd_leader *l)
{
    if (!l)
        return;
    free(l->name);
    free(l->key);
    memset(l, 0, sizeof(*l));
}

int etcd_parse_leader(const char *buf, size_t len, struct etcd_leader *out, char *err,
                      size_t errlen)
{
    yajl_val doc, l;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = parse_doc(buf, len, &doc, err, errlen)))
        return rc;
    l = member(doc, "leader");
    if (!l || !YAJL_IS_OBJECT(l))
        rc = plm_errf(err, errlen, PLM_EGRAMMAR, "reply: no leader");
    else if (!(rc = get_b64(l, "name", ETCD_KEY_MAX, &out->name, &out->name_len, err, errlen)) &&
             !(rc = get_b64(l, "key", ETCD_KEY_MAX, &out->key, &out->key_len, err, errlen)) &&
             !(rc = get_u63(l, "rev", &out->rev, err, errlen)))
        rc = get_i64(l, "lease", &out->lease, err, errlen);
    if (!rc && (out->key_len == 0 || out->rev == 0))
        rc = plm_errf(err, errlen, PLM_EGRAMMAR, "reply: a leader without a key or a revision");
    if (rc)
        etcd_leader_free(out);
    yajl_tree_free(doc);
    return rc;
}

int etcd_parse_kv(const char *buf, size_t len, struct etcd_kv *out, char *err, size_t errlen)
{
    yajl_val doc, kv;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = parse_doc(buf, len, &doc, err, errlen)))
        return rc;
    kv = member(doc, "kv");
    if (!kv || YAJL_IS_NULL(kv))
        rc = plm_errf(err, errlen, PLM_ENOENT, "no leader");
    else
        rc = parse_kv(kv, out, err, errlen);
    yajl_tree_free(doc);
    return rc;
}
