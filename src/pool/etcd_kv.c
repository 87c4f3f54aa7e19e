/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The key-value calls: range, put, delete and txn (etcd.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "pool/etcd_int.h"

struct etcd_keys etcd_key(const char *key)
{
    struct etcd_keys k = {.key = key, .key_len = strlen(key)};
    return k;
}

struct etcd_keys etcd_prefix(const char *prefix)
{
    struct etcd_keys k = {.key = prefix, .key_len = strlen(prefix), .prefix = true};
    return k;
}

/* The end of a prefix's range into end (ETCD_KEY_MAX bytes): its last
 * byte below 0xff, plus one; its length, 1 for etcd's "\0" (every key
 * from the prefix on). */
static size_t prefix_end(const struct etcd_keys *k, unsigned char *end)
{
    const unsigned char *key = k->key;
    size_t n = k->key_len;

    while (n && key[n - 1] == 0xff)
        n--;
    if (n == 0) {
        end[0] = '\0';
        return 1;
    }
    memcpy(end, key, n);
    end[n - 1]++;
    return n;
}

void etcd_body_keys(struct ebuf *b, const struct etcd_keys *k)
{
    ebuf_str(b, "\"key\":");
    ebuf_b64(b, k->key, k->key_len);
    if (k->prefix) {
        unsigned char end[ETCD_KEY_MAX];
        size_t n = prefix_end(k, end);
        ebuf_str(b, ",\"range_end\":");
        ebuf_b64(b, end, n);
    } else if (k->range_end_len) {
        ebuf_str(b, ",\"range_end\":");
        ebuf_b64(b, k->range_end, k->range_end_len);
    }
}

static int check_keys(struct etcd_client *c, const struct etcd_keys *k)
{
    if (k->key_len > ETCD_KEY_MAX || k->range_end_len > ETCD_KEY_MAX)
        return etcd_fail(c, PLM_ERANGE, "etcd: a key longer than %d bytes", ETCD_KEY_MAX);
    if (k->key_len == 0 && !k->prefix && !k->range_end_len)
        return etcd_fail(c, PLM_EINVAL, "etcd: an empty key");
    return 0;
}

/* "revision":"N" and the like, after a comma, when set. */
static void opt_i64(struct ebuf *b, const char *name, int64_t v)
{
    if (!v)
        return;
    ebuf_str(b, ",\"");
    ebuf_str(b, name);
    ebuf_str(b, "\":");
    ebuf_i64(b, v);
}

static void body_range(struct ebuf *b, const struct etcd_keys *k, const struct etcd_range_opts *o)
{
    ebuf_str(b, "{");
    etcd_body_keys(b, k);
    if (o) {
        opt_i64(b, "limit", o->limit);
        opt_i64(b, "revision", o->revision);
        if (o->keys_only)
            ebuf_str(b, ",\"keys_only\":true");
        if (o->count_only)
            ebuf_str(b, ",\"count_only\":true");
    }
    ebuf_str(b, "}");
}

static void body_put(struct ebuf *b, const void *key, size_t key_len, const void *value,
                     size_t value_len, int64_t lease)
{
    ebuf_str(b, "{\"key\":");
    ebuf_b64(b, key, key_len);
    ebuf_str(b, ",\"value\":");
    ebuf_b64(b, value, value_len);
    opt_i64(b, "lease", lease);
    ebuf_str(b, "}");
}

static void body_delete(struct ebuf *b, const struct etcd_keys *k)
{
    ebuf_str(b, "{");
    etcd_body_keys(b, k);
    ebuf_str(b, "}");
}

static int range_one(struct etcd_client *c, const struct etcd_keys *k,
                     const struct etcd_range_opts *o, struct etcd_range *out);

/* Append page's pairs to out (taking them over). */
static int append(struct etcd_client *c, struct etcd_range *out, struct etcd_range *page)
{
    if (page->n > ETCD_KVS_MAX - out->n) {
        etcd_range_free(page);
        return etcd_fail(c, PLM_ETOOMANY, "etcd: a range of more than %d keys", ETCD_KVS_MAX);
    }
    struct etcd_kv *kvs = realloc(out->kvs, (out->n + page->n + 1) * sizeof(*kvs));
    if (!kvs) {
        etcd_range_free(page);
        return etcd_fail(c, PLM_ENOMEM, "etcd: out of memory");
    }
    if (page->n) /* an empty page may have no array at all */
        memcpy(kvs + out->n, page->kvs, page->n * sizeof(*kvs));
    out->kvs = kvs;
    out->n += page->n;
    free(page->kvs);
    page->kvs = NULL;
    page->n = 0;
    return 0;
}

/* The range in pages: each from just after the last key read, at the first page's revision. */
static int range_paged(struct etcd_client *c, const struct etcd_keys *k,
                       const struct etcd_range_opts *o, struct etcd_range *out)
{
    struct etcd_range_opts po = *o;
    struct etcd_keys pk = *k;
    unsigned char end[ETCD_KEY_MAX], from[ETCD_KEY_MAX + 1];
    struct etcd_range page;
    bool first = true;
    int rc;

    po.limit = o->page;
    po.page = 0;
    if (k->prefix) {
        pk.prefix = false;
        pk.range_end = end;
        pk.range_end_len = prefix_end(k, end);
    }
    for (;;) {
        if ((rc = range_one(c, &pk, &po, &page))) {
            etcd_range_free(out);
            return rc;
        }
        if (first) {
            /* Every page after the first at its revision: one view. */
            out->revision = page.revision;
            out->count = page.count;
            po.revision = page.revision;
            first = false;
        }
        bool more = page.more && page.n > 0;
        if (more) {
            /* The next page starts just after this one's last key: it with a NUL. */
            const struct etcd_kv *last = &page.kvs[page.n - 1];
            if (last->key_len >= ETCD_KEY_MAX) {
                etcd_range_free(&page);
                etcd_range_free(out);
                return etcd_fail(c, PLM_ERANGE, "etcd: a key too long to page after");
            }
            memcpy(from, last->key, last->key_len);
            from[last->key_len] = '\0';
            pk.key = from;
            pk.key_len = last->key_len + 1;
        }
        if ((rc = append(c, out, &page))) {
            etcd_range_free(out);
            return rc;
        }
        if (!more)
            return 0;
    }
}

int etcd_range(struct etcd_client *c, const struct etcd_keys *k, const struct etcd_range_opts *o,
               struct etcd_range *out)
{
    memset(out, 0, sizeof(*out));
    if (o && o->page < 0)
        return etcd_fail(c, PLM_EINVAL, "etcd: a negative page");
    /* Paged: a range (a single key is one page) without a limit of its own. */
    if (o && o->page > 0 && o->limit == 0 && !o->count_only && (k->prefix || k->range_end_len)) {
        int rc = check_keys(c, k);
        return rc ? rc : range_paged(c, k, o, out);
    }
    return range_one(c, k, o, out);
}

static int range_one(struct etcd_client *c, const struct etcd_keys *k,
                     const struct etcd_range_opts *o, struct etcd_range *out)
{
    struct ebuf b;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = check_keys(c, k)))
        return rc;
    if (o && (o->limit < 0 || o->revision < 0))
        return etcd_fail(c, PLM_EINVAL, "etcd: a negative limit or revision");
    ebuf_init(&b, 0);
    body_range(&b, k, o);
    rc = etcd_post(c, "kv/range", &b);
    ebuf_free(&b);
    if (rc == 0 && (rc = etcd_parse_range(c->reply.p, c->reply.len, out, c->err, sizeof(c->err))))
        return rc;
    if (rc == 0)
        etcd_count_keys(&c->count, ETCD_CALL_RANGE, out->n);
    return rc;
}

int etcd_put(struct etcd_client *c, const void *key, size_t key_len, const void *value,
             size_t value_len, int64_t lease, int64_t *revision_out)
{
    struct ebuf b;
    int64_t rev = 0;
    int rc;

    if (key_len == 0 || key_len > ETCD_KEY_MAX || value_len > ETCD_VALUE_MAX)
        return etcd_fail(c, PLM_ERANGE, "etcd: a key of 1 to %d bytes and a value of %d at most",
                         ETCD_KEY_MAX, ETCD_VALUE_MAX);
    ebuf_init(&b, 0);
    body_put(&b, key, key_len, value, value_len, lease);
    rc = etcd_post(c, "kv/put", &b);
    ebuf_free(&b);
    if (rc == 0)
        rc = etcd_parse_header(c->reply.p, c->reply.len, &rev, c->err, sizeof(c->err));
    if (rc == 0)
        etcd_count_keys(&c->count, ETCD_CALL_PUT, 1);
    if (revision_out)
        *revision_out = rev;
    return rc;
}

int etcd_delete(struct etcd_client *c, const struct etcd_keys *k, int64_t *deleted_out,
                int64_t *revision_out)
{
    struct ebuf b;
    int64_t deleted = 0, rev = 0;
    int rc;

    if ((rc = check_keys(c, k)))
        return rc;
    ebuf_init(&b, 0);
    body_delete(&b, k);
    rc = etcd_post(c, "kv/deleterange", &b);
    ebuf_free(&b);
    if (rc == 0)
        rc = etcd_parse_delete(c->reply.p, c->reply.len, &deleted, &rev, c->err, sizeof(c->err));
    if (rc == 0 && deleted > 0)
        etcd_count_keys(&c->count, ETCD_CALL_DELETE, (uint64_t)deleted);
    if (deleted_out)
        *deleted_out = deleted;
    if (revision_out)
        *revision_out = rev;
    return rc;
}

static const char *const cmp_target[] = {"VERSION", "CREATE", "MOD", "VALUE", "LEASE"};
static const char *const cmp_field[] = {"version", "create_revision", "mod_revision", "value",
                                        "lease"};
static const char *const cmp_result[] = {"EQUAL", "GREATER", "LESS", "NOT_EQUAL"};

static int body_ops(struct etcd_client *c, struct ebuf *b, const char *name,
                    const struct etcd_op *ops, size_t n)
{
    int rc;

    ebuf_str(b, ",\"");
    ebuf_str(b, name);
    ebuf_str(b, "\":[");
    for (size_t i = 0; i < n; i++) {
        const struct etcd_op *op = &ops[i];
        if ((rc = check_keys(c, &op->keys)))
            return rc;
        if (i)
            ebuf_str(b, ",");
        switch (op->kind) {
        case ETCD_OP_RANGE:
            ebuf_str(b, "{\"request_range\":");
            body_range(b, &op->keys, NULL);
            break;
        case ETCD_OP_PUT:
            if (op->keys.prefix || op->keys.range_end_len || op->value_len > ETCD_VALUE_MAX)
                return etcd_fail(c, PLM_EINVAL, "etcd: a txn put takes one key, a bounded value");
            ebuf_str(b, "{\"request_put\":");
            body_put(b, op->keys.key, op->keys.key_len, op->value, op->value_len, op->lease);
            break;
        case ETCD_OP_DELETE:
            ebuf_str(b, "{\"request_delete_range\":");
            body_delete(b, &op->keys);
            break;
        default:
            return etcd_fail(c, PLM_EINVAL, "etcd: an unknown txn op");
        }
        ebuf_str(b, "}");
    }
    ebuf_str(b, "]");
    return 0;
}

int etcd_txn(struct etcd_client *c, const struct etcd_txn *t, struct etcd_txn_result *out)
{
    struct ebuf b;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (t->ncmp > ETCD_TXN_MAX_OPS || t->nsuccess > ETCD_TXN_MAX_OPS ||
        t->nfailure > ETCD_TXN_MAX_OPS)
        return etcd_fail(c, PLM_ETOOMANY, "etcd: more than %d compares or ops", ETCD_TXN_MAX_OPS);
    ebuf_init(&b, 0);
    ebuf_str(&b, "{\"compare\":[");
    for (size_t i = 0; i < t->ncmp && !rc; i++) {
        const struct etcd_cmp *m = &t->cmp[i];
        if ((unsigned)m->target > ETCD_CMP_LEASE || (unsigned)m->result > ETCD_CMP_NOT_EQUAL ||
            m->key_len == 0 || m->key_len > ETCD_KEY_MAX || m->value_len > ETCD_VALUE_MAX) {
            rc = etcd_fail(c, PLM_EINVAL, "etcd: a bad compare");
            break;
        }
        ebuf_str(&b, i ? ",{\"target\":\"" : "{\"target\":\"");
        ebuf_str(&b, cmp_target[m->target]);
        ebuf_str(&b, "\",\"result\":\"");
        ebuf_str(&b, cmp_result[m->result]);
        ebuf_str(&b, "\",\"key\":");
        ebuf_b64(&b, m->key, m->key_len);
        ebuf_str(&b, ",\"");
        ebuf_str(&b, cmp_field[m->target]);
        ebuf_str(&b, "\":");
        if (m->target == ETCD_CMP_VALUE)
            ebuf_b64(&b, m->value, m->value_len);
        else
            ebuf_i64(&b, m->number);
        ebuf_str(&b, "}");
    }
    ebuf_str(&b, "]");
    if (!rc)
        rc = body_ops(c, &b, "success", t->success, t->nsuccess);
    if (!rc)
        rc = body_ops(c, &b, "failure", t->failure, t->nfailure);
    ebuf_str(&b, "}");
    if (!rc)
        rc = etcd_post(c, "kv/txn", &b);
    ebuf_free(&b);
    if (rc == 0)
        rc = etcd_parse_txn(c->reply.p, c->reply.len, out, c->err, sizeof(c->err));
    if (rc == 0) {
        /* The branch etcd took: its puts and deletes, and what its ranges read. */
        const struct etcd_op *ops = out->succeeded ? t->success : t->failure;
        size_t nops = out->succeeded ? t->nsuccess : t->nfailure;
        uint64_t keys = 0;
        for (size_t i = 0; i < nops; i++)
            keys += ops[i].kind != ETCD_OP_RANGE;
        for (size_t i = 0; i < out->nranges; i++)
            keys += out->ranges[i].n;
        etcd_count_keys(&c->count, ETCD_CALL_TXN, keys);
    }
    return rc;
}
