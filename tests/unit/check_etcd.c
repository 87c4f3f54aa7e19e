/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The etcd client's pure parts, without a server: base64, which endpoints
 * are accepted, and every reply parser fed the gateway's real replies and
 * hostile ones (tests/pool/etcd.sh runs the client against a cluster).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "pool/etcd.h"
#include "pool/etcd_int.h"
#include "tests/unit/suite_run.h"

#define P(s) s, strlen(s)

START_TEST(b64_round_trip)
{
    static const struct {
        const char *plain;
        size_t n;
        const char *enc;
    } t[] = {{"", 0, ""},           {"f", 1, "Zg=="},        {"fo", 2, "Zm8="},
             {"foo", 3, "Zm9v"},    {"foob", 4, "Zm9vYg=="}, {"fooba", 5, "Zm9vYmE="},
             {"\0\xff", 2, "AP8="}, {"\xfb\xff", 2, "+/8="}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char enc[32], *dec;
        size_t n;
        ck_assert_uint_eq(etcd_b64_len(t[i].n), strlen(t[i].enc));
        etcd_b64_encode(t[i].plain, t[i].n, enc);
        ck_assert_str_eq(enc, t[i].enc);
        ck_assert_int_eq(etcd_b64_decode(P(t[i].enc), 64, &dec, &n), 0);
        ck_assert_uint_eq(n, t[i].n);
        ck_assert(memcmp(dec, t[i].plain, n) == 0);
        ck_assert_int_eq(dec[n], '\0');
        free(dec);
    }
}
END_TEST

START_TEST(b64_refuses)
{
    static const char *const bad[] = {
        "Zg=", "Zg===", "Z===", "====", "Zm9v!A==", "Zh==", "Zm9=", "Zg==Zg==", "Zm 9v", "=Zm9"};
    char *dec;
    size_t n;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(etcd_b64_decode(P(bad[i]), 64, &dec, &n) == PLM_EGRAMMAR, "%s", bad[i]);
    ck_assert_int_eq(etcd_b64_decode(P("Zm9vYmE="), 4, &dec, &n), PLM_ERANGE);
    ck_assert_ptr_null(dec);
}
END_TEST

START_TEST(endpoints)
{
    static const struct {
        const char *url;
        int rc;
    } t[] = {
        {"http://127.0.0.1:2379", 0},
        {"http://127.1.2.3:2379/", 0},
        {"http://localhost:2379", 0},
        {"http://[::1]:2379", 0},
        {"https://etcd1.example.org:2379", 0},
        {"https://10.0.0.5", 0},
        {"https://[fd00::5]:2379", 0},
        {"http://10.0.0.5:2379", PLM_EINVAL},      /* plain http off loopback */
        {"http://128.0.0.1:2379", PLM_EINVAL},     /* not 127/8 */
        {"http://127.0.0.1.evil.org", PLM_EINVAL}, /* looks like it */
        {"http://localhost.evil.org", PLM_EINVAL},
        {"http://[::2]:2379", PLM_EINVAL},
        {"http://127.0.0.256", PLM_EINVAL},
        {"https://user@etcd:2379", PLM_EINVAL},
        {"https://etcd:2379/v3", PLM_EINVAL},
        {"https://etcd:0", PLM_EINVAL},
        {"https://etcd:65536", PLM_EINVAL},
        {"https://etcd:", PLM_EINVAL},
        {"https://", PLM_EINVAL},
        {"ftp://127.0.0.1", PLM_EINVAL},
        {"127.0.0.1:2379", PLM_EINVAL},
        {"https://[::1", PLM_EINVAL},
    };
    char err[ETCD_ERR_MAX];
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        ck_assert_msg(etcd_endpoint_check(t[i].url, err, sizeof(err)) == t[i].rc, "%s: %s",
                      t[i].url, err);
    etcd_endpoint_check("http://10.0.0.5:2379", err, sizeof(err));
    ck_assert_ptr_nonnull(strstr(err, "plain http is allowed only to a loopback address"));
}
END_TEST

START_TEST(client_config)
{
    struct etcd_config cfg;
    struct etcd_client *c;
    char err[ETCD_ERR_MAX];

    etcd_config_init(&cfg);
    ck_assert_int_eq(etcd_client_new(&cfg, &c, err, sizeof(err)), PLM_EINVAL);
    cfg.endpoints[cfg.nendpoints++] = "http://127.0.0.1:1";
    cfg.endpoints[cfg.nendpoints++] = "http://192.168.1.1:2379";
    ck_assert_int_eq(etcd_client_new(&cfg, &c, err, sizeof(err)), PLM_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "192.168.1.1"));
    cfg.nendpoints = 1;
    cfg.cert_file = "/etc/xenplm/host.crt";
    ck_assert_int_eq(etcd_client_new(&cfg, &c, err, sizeof(err)), PLM_EINVAL);
    cfg.cert_file = NULL;
    ck_assert_int_eq(etcd_client_new(&cfg, &c, err, sizeof(err)), 0);
    ck_assert_str_eq(etcd_client_endpoint(c), "http://127.0.0.1:1");
    etcd_client_free(c);
}
END_TEST

static const char range_reply[] =
    "{\"header\":{\"cluster_id\":\"14841639068965178418\",\"member_id\":\"1027\","
    "\"revision\":\"7\",\"raft_term\":\"2\"},\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":\"2\","
    "\"mod_revision\":\"5\",\"version\":\"3\",\"value\":\"YmFy\",\"lease\":\"-9\"},"
    "{\"key\":\"Zm9w\",\"create_revision\":\"6\",\"mod_revision\":\"6\",\"version\":\"1\"}],"
    "\"count\":\"2\",\"more\":true}";

START_TEST(parse_range_real)
{
    struct etcd_range r;
    char err[ETCD_ERR_MAX];

    ck_assert_int_eq(etcd_parse_range(P(range_reply), &r, err, sizeof(err)), 0);
    ck_assert_int_eq(r.revision, 7);
    ck_assert_int_eq(r.count, 2);
    ck_assert(r.more);
    ck_assert_uint_eq(r.n, 2);
    ck_assert_str_eq(r.kvs[0].key, "foo");
    ck_assert_str_eq(r.kvs[0].value, "bar");
    ck_assert_int_eq(r.kvs[0].create_revision, 2);
    ck_assert_int_eq(r.kvs[0].mod_revision, 5);
    ck_assert_int_eq(r.kvs[0].version, 3);
    ck_assert_int_eq(r.kvs[0].lease, -9);
    /* A value left out (empty) is an empty string, not NULL. */
    ck_assert_str_eq(r.kvs[1].value, "");
    ck_assert_uint_eq(r.kvs[1].value_len, 0);
    etcd_range_free(&r);
    /* Nothing found: no kvs at all. */
    ck_assert_int_eq(etcd_parse_range(P("{\"header\":{\"revision\":\"3\"}}"), &r, err, sizeof(err)),
                     0);
    ck_assert_uint_eq(r.n, 0);
    ck_assert_int_eq(r.revision, 3);
    etcd_range_free(&r);
}
END_TEST

/* Hostile replies: each refused with the code, nothing leaked (valgrind, ASan). */
START_TEST(parse_range_hostile)
{
    static const struct {
        const char *json;
        int rc;
    } t[] = {
        {"", PLM_EGRAMMAR},
        {"[]", PLM_EGRAMMAR},
        {"\"text\"", PLM_EGRAMMAR},
        {"{\"header\":[]}", PLM_EGRAMMAR},
        {"{\"header\":{\"revision\":\"12a\"}}", PLM_EGRAMMAR},
        {"{\"header\":{\"revision\":\"99999999999999999999\"}}", PLM_ERANGE},
        {"{\"header\":{\"revision\":\"-1\"}}", PLM_ERANGE},
        {"{\"header\":{\"revision\":1.5}}", PLM_EGRAMMAR},
        {"{\"header\":{\"revision\":\"\"}}", PLM_EGRAMMAR},
        {"{\"count\":\"+3\"}", PLM_EGRAMMAR},
        {"{\"more\":\"yes\"}", PLM_EGRAMMAR},
        {"{\"kvs\":{}}", PLM_EGRAMMAR},
        {"{\"kvs\":[1]}", PLM_EGRAMMAR},
        {"{\"kvs\":[{\"key\":\"Zm9\"}]}", PLM_EGRAMMAR},
        {"{\"kvs\":[{\"key\":7}]}", PLM_EGRAMMAR},
        {"{\"kvs\":[{\"key\":\"Zm9v\",\"value\":\"YmFy\"},{\"key\":\"!!\"}]}", PLM_EGRAMMAR},
        {"{\"kvs\":[{\"key\":\"Zm9v\",\"mod_revision\":\"-5\"}]}", PLM_ERANGE},
        {"{\"kvs\":[{\"key\":\"Zm9v\"}", PLM_EGRAMMAR},
        {"{\"a\":\"}\"}}", PLM_EGRAMMAR},
    };
    struct etcd_range r;
    char err[ETCD_ERR_MAX];
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int rc = etcd_parse_range(P(t[i].json), &r, err, sizeof(err));
        ck_assert_msg(rc == t[i].rc, "%s: %d (%s)", t[i].json, rc, err);
        ck_assert_uint_eq(r.n, 0);
        ck_assert_ptr_null(r.kvs);
    }
    /* An embedded NUL. */
    ck_assert_int_eq(etcd_parse_range("{}\0{}", 5, &r, err, sizeof(err)), PLM_EGRAMMAR);
}
END_TEST

START_TEST(parse_bounds)
{
    struct etcd_range r;
    char err[ETCD_ERR_MAX];
    struct ebuf b;

    /* Nesting past the bound, refused before yajl builds (and recursively frees) a tree. */
    ebuf_init(&b, 0);
    ebuf_str(&b, "{\"x\":");
    for (int i = 0; i < 100000; i++)
        ebuf_str(&b, "[");
    ck_assert_int_eq(etcd_parse_range(b.p, b.len, &r, err, sizeof(err)), PLM_ERANGE);
    ck_assert_ptr_nonnull(strstr(err, "nested deeper"));
    /* A key over ETCD_KEY_MAX. */
    ebuf_reset(&b);
    ebuf_str(&b, "{\"kvs\":[{\"key\":\"");
    for (int i = 0; i < ETCD_KEY_MAX / 3 + 2; i++)
        ebuf_str(&b, "QUFB");
    ebuf_str(&b, "\"}]}");
    ck_assert_int_eq(etcd_parse_range(b.p, b.len, &r, err, sizeof(err)), PLM_ERANGE);
    /* Exactly ETCD_KEY_MAX is fine. */
    ebuf_reset(&b);
    ebuf_str(&b, "{\"kvs\":[{\"key\":\"");
    for (int i = 0; i < ETCD_KEY_MAX / 3; i++)
        ebuf_str(&b, "QUFB");
    ebuf_str(&b, "QQ==\"}]}"); /* 4095 + 1 bytes */
    ck_assert_int_eq(etcd_parse_range(b.p, b.len, &r, err, sizeof(err)), 0);
    ck_assert_uint_eq(r.kvs[0].key_len, ETCD_KEY_MAX);
    etcd_range_free(&r);
    ebuf_free(&b);
    /* A bounded buffer refuses to grow past its bound, and says so. */
    ebuf_init(&b, 8);
    ebuf_str(&b, "12345678");
    ck_assert(!b.failed);
    ebuf_str(&b, "9");
    ck_assert(b.failed);
    ck_assert_uint_eq(b.len, 8);
    ebuf_free(&b);
}
END_TEST

START_TEST(parse_txn_lease_delete)
{
    static const char txn[] =
        "{\"header\":{\"revision\":\"2\"},\"responses\":[{\"response_range\":{\"header\":"
        "{\"revision\":\"2\"},\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":\"2\","
        "\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"YmFy\"}],\"count\":\"1\"}},"
        "{\"response_put\":{\"header\":{\"revision\":\"2\"}}}]}";
    struct etcd_txn_result t;
    int64_t id, ttl, del, rev;
    bool unavailable;
    char err[ETCD_ERR_MAX];

    ck_assert_int_eq(etcd_parse_txn(P(txn), &t, err, sizeof(err)), 0);
    ck_assert(!t.succeeded);
    ck_assert_uint_eq(t.nranges, 2);
    ck_assert_str_eq(t.ranges[0].kvs[0].value, "bar");
    ck_assert_uint_eq(t.ranges[1].n, 0);
    etcd_txn_result_free(&t);
    ck_assert_int_eq(etcd_parse_txn(P("{\"succeeded\":true}"), &t, err, sizeof(err)), 0);
    ck_assert(t.succeeded);
    etcd_txn_result_free(&t);
    ck_assert_int_eq(
        etcd_parse_txn(P("{\"responses\":[{\"response_range\":[]}]}"), &t, err, sizeof(err)),
        PLM_EGRAMMAR);
    ck_assert_int_eq(etcd_parse_lease(P("{\"ID\":\"7587899398616146696\",\"TTL\":\"2\"}"), false,
                                      &id, &ttl, err, sizeof(err)),
                     0);
    ck_assert_int_eq(id, 7587899398616146696LL);
    ck_assert_int_eq(ttl, 2);
    /* A keepalive of an expired lease: the ID, no TTL. */
    ck_assert_int_eq(
        etcd_parse_lease(P("{\"result\":{\"ID\":\"123\"}}"), true, &id, &ttl, err, sizeof(err)), 0);
    ck_assert_int_eq(ttl, 0);
    ck_assert_int_eq(etcd_parse_lease(P("{\"ID\":\"1\"}"), true, &id, &ttl, err, sizeof(err)),
                     PLM_EGRAMMAR);
    ck_assert_int_eq(etcd_parse_delete(P("{\"header\":{\"revision\":\"4\"},\"deleted\":\"3\"}"),
                                       &del, &rev, err, sizeof(err)),
                     0);
    ck_assert_int_eq(del, 3);
    ck_assert_int_eq(rev, 4);
    /* Errors: NotFound, InvalidArgument, Unavailable; etcd's text, made printable. */
    ck_assert_int_eq(
        etcd_parse_error(P("{\"error\":\"etcdserver: requested lease not found\",\"message\":"
                           "\"etcdserver: requested lease not found\",\"code\":5}"),
                         &unavailable, err, sizeof(err)),
        PLM_ENOENT);
    ck_assert(!unavailable);
    ck_assert_str_eq(err, "etcd: etcdserver: requested lease not found (code 5)");
    ck_assert_int_eq(etcd_parse_error(P("{\"message\":\"bad\\u0007\",\"code\":3}"), &unavailable,
                                      err, sizeof(err)),
                     PLM_EINVAL);
    ck_assert_str_eq(err, "etcd: bad? (code 3)");
    ck_assert_int_eq(etcd_parse_error(P("{\"error\":{\"grpc_code\":14,\"http_code\":503,"
                                        "\"message\":\"etcdserver: no leader\",\"code\":14}}"),
                                      &unavailable, err, sizeof(err)),
                     PLM_EIO);
    ck_assert(unavailable);
    ck_assert_int_eq(etcd_parse_error(P("Not Found\n"), &unavailable, err, sizeof(err)),
                     PLM_EGRAMMAR);
}
END_TEST

START_TEST(parse_watch)
{
    static const char created[] = "{\"result\":{\"header\":{\"revision\":\"2\"},\"created\":true}}";
    static const char events[] =
        "{\"result\":{\"header\":{\"revision\":\"4\"},\"events\":[{\"kv\":{\"key\":\"Zm9v\","
        "\"create_revision\":\"2\",\"mod_revision\":\"3\",\"version\":\"2\",\"value\":\"YmFy\"}},"
        "{\"type\":\"DELETE\",\"kv\":{\"key\":\"Zm9v\",\"mod_revision\":\"4\"}}]}}";
    struct etcd_event ev[2];
    size_t n = 0;
    bool cr, ca;
    int64_t rev;
    char err[ETCD_ERR_MAX];

    ck_assert_int_eq(etcd_parse_watch(P(created), &cr, &ca, &rev, ev, 2, &n, err, sizeof(err)), 0);
    ck_assert(cr && !ca);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(etcd_parse_watch(P(events), &cr, &ca, &rev, ev, 2, &n, err, sizeof(err)), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rev, 4);
    ck_assert_int_eq(ev[0].type, ETCD_EV_PUT);
    ck_assert_str_eq(ev[0].kv.value, "bar");
    ck_assert_int_eq(ev[1].type, ETCD_EV_DELETE);
    etcd_events_free(ev, n);
    /* More events than room: refused, nothing kept. */
    n = 1;
    ev[0].kv.key = ev[0].kv.value = NULL;
    ck_assert_int_eq(etcd_parse_watch(P(events), &cr, &ca, &rev, ev, 2, &n, err, sizeof(err)),
                     PLM_ETOOMANY);
    ck_assert_uint_eq(n, 1);
    n = 0;
    ck_assert_int_eq(etcd_parse_watch(P("{\"result\":{\"events\":[{\"type\":\"EXPLODE\","
                                        "\"kv\":{}}]}}"),
                                      &cr, &ca, &rev, ev, 2, &n, err, sizeof(err)),
                     PLM_EGRAMMAR);
    ck_assert_int_eq(etcd_parse_watch(P("{\"error\":{\"message\":\"no leader\",\"code\":14}}"), &cr,
                                      &ca, &rev, ev, 2, &n, err, sizeof(err)),
                     PLM_EIO);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(parse_election)
{
    struct etcd_leader l;
    struct etcd_kv kv;
    char err[ETCD_ERR_MAX];

    ck_assert_int_eq(etcd_parse_leader(P("{\"header\":{\"revision\":\"9\"},\"leader\":{\"name\":"
                                         "\"ZWw=\",\"key\":\"ZWwvNjk=\",\"rev\":\"9\","
                                         "\"lease\":\"105\"}}"),
                                       &l, err, sizeof(err)),
                     0);
    ck_assert_str_eq(l.name, "el");
    ck_assert_str_eq(l.key, "el/69");
    ck_assert_int_eq(l.rev, 9);
    ck_assert_int_eq(l.lease, 105);
    etcd_leader_free(&l);
    /* A leader without a key or a revision is no leader; nothing is kept. */
    ck_assert_int_eq(etcd_parse_leader(P("{\"leader\":{\"name\":\"ZWw=\",\"rev\":\"9\"}}"), &l, err,
                                       sizeof(err)),
                     PLM_EGRAMMAR);
    ck_assert_ptr_null(l.name);
    ck_assert_int_eq(etcd_parse_leader(P("{\"leader\":{\"key\":\"ZWw=\"}}"), &l, err, sizeof(err)),
                     PLM_EGRAMMAR);
    ck_assert_int_eq(etcd_parse_leader(P("{\"leader\":[]}"), &l, err, sizeof(err)), PLM_EGRAMMAR);
    ck_assert_int_eq(etcd_parse_kv(P("{\"kv\":{\"key\":\"ZWwvNjk=\",\"value\":\"QQ==\","
                                     "\"create_revision\":\"9\"}}"),
                                   &kv, err, sizeof(err)),
                     0);
    ck_assert_str_eq(kv.value, "A");
    ck_assert_int_eq(kv.create_revision, 9);
    etcd_kv_free(&kv);
    ck_assert_int_eq(etcd_parse_kv(P("{\"header\":{}}"), &kv, err, sizeof(err)), PLM_ENOENT);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("etcd");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, b64_round_trip);
    tcase_add_test(tc, b64_refuses);
    tcase_add_test(tc, endpoints);
    tcase_add_test(tc, client_config);
    tcase_add_test(tc, parse_range_real);
    tcase_add_test(tc, parse_range_hostile);
    tcase_add_test(tc, parse_bounds);
    tcase_add_test(tc, parse_txn_lease_delete);
    tcase_add_test(tc, parse_watch);
    tcase_add_test(tc, parse_election);
    suite_add_tcase(s, tc);
    return check_run(s);
}
