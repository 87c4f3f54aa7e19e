/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The etcd client's traffic counters (etcd.h): which kind each gateway
 * path is, the sums, and the bytes a real call counts against what a
 * server on a loopback port read and wrote, to the byte (the server
 * here is a canned HTTP/1.1 responder, not etcd: tests/pool/ run the
 * client against etcd itself).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"
#include "pool/etcd.h"
#include "pool/etcd_int.h"
#include "tests/unit/suite_run.h"

START_TEST(kinds)
{
    static const struct {
        const char *path;
        enum etcd_call kind;
        const char *name;
    } t[] = {
        {"kv/range", ETCD_CALL_RANGE, "range"},
        {"kv/put", ETCD_CALL_PUT, "put"},
        {"kv/deleterange", ETCD_CALL_DELETE, "delete"},
        {"kv/txn", ETCD_CALL_TXN, "txn"},
        {"lease/grant", ETCD_CALL_LEASE_GRANT, "lease_grant"},
        {"lease/keepalive", ETCD_CALL_LEASE_KEEPALIVE, "lease_keepalive"},
        {"lease/revoke", ETCD_CALL_LEASE_REVOKE, "lease_revoke"},
        {"watch", ETCD_CALL_WATCH, "watch"},
        {"election/campaign", ETCD_CALL_ELECTION, "election"},
        {"election/leader", ETCD_CALL_ELECTION, "election"},
        {"election/proclaim", ETCD_CALL_ELECTION, "election"},
        {"election/resign", ETCD_CALL_ELECTION, "election"},
        {"election/", ETCD_CALLS, "unknown"},
        {"kv/compact", ETCD_CALLS, "unknown"},
        {"", ETCD_CALLS, "unknown"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        ck_assert_msg(etcd_call_of(t[i].path) == t[i].kind, "%s", t[i].path);
        ck_assert_str_eq(etcd_call_name(etcd_call_of(t[i].path)), t[i].name);
    }
}
END_TEST

START_TEST(sums)
{
    struct etcd_counters a, b;

    memset(&a, 0, sizeof(a));
    etcd_count_call(&a, ETCD_CALL_RANGE, 100, 2000, false);
    etcd_count_call(&a, ETCD_CALL_RANGE, 50, 0, true);
    etcd_count_call(&a, ETCD_CALL_TXN, 7, 9, false);
    etcd_count_keys(&a, ETCD_CALL_TXN, 51);
    etcd_count_keys(&a, ETCD_CALLS, 5);          /* not counted */
    etcd_count_call(&a, ETCD_CALLS, 1, 1, true); /* no such kind: not counted */
    ck_assert_uint_eq(a.call[ETCD_CALL_RANGE].calls, 2);
    ck_assert_uint_eq(a.call[ETCD_CALL_RANGE].failures, 1);
    ck_assert_uint_eq(a.call[ETCD_CALL_RANGE].sent_bytes, 150);
    ck_assert_uint_eq(a.call[ETCD_CALL_RANGE].received_bytes, 2000);
    etcd_count_bytes(&a, ETCD_CALL_WATCH, 3, 40);
    ck_assert_uint_eq(a.call[ETCD_CALL_WATCH].calls, 0);
    ck_assert_uint_eq(a.call[ETCD_CALL_WATCH].received_bytes, 40);
    struct etcd_count t = etcd_counters_total(&a);
    ck_assert_uint_eq(t.calls, 3);
    ck_assert_uint_eq(t.failures, 1);
    ck_assert_uint_eq(t.sent_bytes, 160);
    ck_assert_uint_eq(t.received_bytes, 2049);
    ck_assert_uint_eq(t.keys, 51);
    b = a;
    etcd_counters_add(&b, &a);
    ck_assert_uint_eq(b.call[ETCD_CALL_TXN].calls, 2);
    ck_assert_uint_eq(b.call[ETCD_CALL_RANGE].received_bytes, 4000);
    /* Saturates rather than wraps. */
    b.call[ETCD_CALL_PUT].sent_bytes = UINT64_MAX - 1;
    etcd_count_call(&b, ETCD_CALL_PUT, 10, 0, false);
    ck_assert_uint_eq(b.call[ETCD_CALL_PUT].sent_bytes, UINT64_MAX);
}
END_TEST

/* A canned server: answers each request on one connection with the
 * next reply, counting the bytes it read and wrote. */
struct canned {
    int lfd;
    const char *const *replies;
    size_t nreplies;
    size_t read_bytes, written_bytes;
};

static size_t content_length(const char *hdr)
{
    const char *p = strcasestr(hdr, "\r\ncontent-length:");
    return p ? (size_t)strtoul(p + 17, NULL, 10) : 0;
}

static void *serve(void *arg)
{
    struct canned *s = arg;
    int fd = accept(s->lfd, NULL, NULL);
    char buf[65536] = "";

    for (size_t r = 0; fd >= 0 && r < s->nreplies; r++) {
        size_t len = 0;
        char *end = NULL;
        while (!(end = strstr(buf, "\r\n\r\n"))) {
            ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
            if (n <= 0)
                goto out;
            len += (size_t)n;
            buf[len] = '\0';
        }
        size_t want = (size_t)(end + 4 - buf) + content_length(buf);
        while (len < want) {
            ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
            if (n <= 0)
                goto out;
            len += (size_t)n;
        }
        s->read_bytes += len;
        if (write(fd, s->replies[r], strlen(s->replies[r])) < 0)
            break;
        s->written_bytes += strlen(s->replies[r]);
        buf[0] = '\0';
    }
out:
    if (fd >= 0)
        close(fd);
    return NULL;
}

static int listen_loopback(int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(fd, 1), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

#define OK_PUT "{\"header\":{\"revision\":\"5\"}}"
#define ERR_RANGE "{\"error\":\"bad\",\"message\":\"etcdserver: bad\",\"code\":3}"
#define REPLY(status, body)                                                                        \
    "HTTP/1.1 " status "\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n" body

START_TEST(bytes_of_real_calls)
{
    char r1[256], r2[256], url[64], err[ETCD_ERR_MAX];
    snprintf(r1, sizeof(r1), REPLY("200 OK", OK_PUT), strlen(OK_PUT));
    snprintf(r2, sizeof(r2), REPLY("400 Bad Request", ERR_RANGE), strlen(ERR_RANGE));
    const char *replies[] = {r1, r2};
    struct canned s = {.replies = replies, .nreplies = 2};
    struct etcd_config cfg;
    struct etcd_client *c;
    struct etcd_counters k;
    struct etcd_range r;
    struct etcd_keys keys = etcd_prefix("/p/");
    struct etcd_range_opts o = {0};
    pthread_t th;
    int port;
    int64_t rev = 0;

    s.lfd = listen_loopback(&port);
    ck_assert_int_eq(pthread_create(&th, NULL, serve, &s), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    etcd_config_init(&cfg);
    cfg.endpoints[0] = url;
    cfg.nendpoints = 1;
    ck_assert_int_eq(etcd_client_new(&cfg, &c, err, sizeof(err)), 0);
    ck_assert_int_eq(etcd_put(c, "/p/a", 4, "value", 5, 0, &rev), 0);
    ck_assert_int_eq(rev, 5);
    ck_assert_int_eq(etcd_range(c, &keys, &o, &r), PLM_EINVAL);
    ck_assert_int_eq(pthread_join(th, NULL), 0);
    close(s.lfd);
    etcd_client_counters(c, &k);
    ck_assert_uint_eq(k.call[ETCD_CALL_PUT].calls, 1);
    ck_assert_uint_eq(k.call[ETCD_CALL_PUT].failures, 0);
    ck_assert_uint_eq(k.call[ETCD_CALL_RANGE].calls, 1);
    ck_assert_uint_eq(k.call[ETCD_CALL_RANGE].failures, 1); /* an error reply */
    /* Every byte on the wire, headers and bodies, both ways. */
    struct etcd_count t = etcd_counters_total(&k);
    ck_assert_uint_eq(t.sent_bytes, s.read_bytes);
    ck_assert_uint_eq(t.received_bytes, s.written_bytes);
    ck_assert_uint_eq(k.call[ETCD_CALL_PUT].received_bytes, strlen(r1));
    ck_assert_uint_eq(k.call[ETCD_CALL_RANGE].received_bytes, strlen(r2));
    ck_assert_uint_gt(k.call[ETCD_CALL_PUT].sent_bytes, 0);
    /* The put wrote one key; the range failed and read none. */
    ck_assert_uint_eq(k.call[ETCD_CALL_PUT].keys, 1);
    ck_assert_uint_eq(k.call[ETCD_CALL_RANGE].keys, 0);

    /* Nobody listens any more: a failure, and nothing sent or received. */
    ck_assert_int_eq(etcd_lease_grant(c, 5, &rev, &rev), PLM_EIO);
    etcd_client_counters(c, &k);
    ck_assert_uint_eq(k.call[ETCD_CALL_LEASE_GRANT].calls, 1);
    ck_assert_uint_eq(k.call[ETCD_CALL_LEASE_GRANT].failures, 1);
    ck_assert_uint_eq(k.call[ETCD_CALL_LEASE_GRANT].sent_bytes, 0);
    ck_assert_uint_eq(k.call[ETCD_CALL_LEASE_GRANT].received_bytes, 0);
    etcd_client_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("etcd_count");
    TCase *tc = tcase_create("count");
    tcase_add_test(tc, kinds);
    tcase_add_test(tc, sums);
    tcase_add_test(tc, bytes_of_real_calls);
    suite_add_tcase(s, tc);
    return check_run(s);
}
