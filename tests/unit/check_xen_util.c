/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xenstore helpers that need no Xen (src/common/xs_util.c, src/port/xen_watch.c):
 * errno translation, number and path parsing, uuid text, the watch list
 * kept for reconnects, and how fired watches become port events.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "common/xs_util.h"
#include "port/xen_watch.h"
#include "tests/unit/suite_run.h"

START_TEST(test_from_errno)
{
    ck_assert_int_eq(xu_from_errno(ENOENT), PLM_ENOENT);
    ck_assert_int_eq(xu_from_errno(ENOMEM), PLM_ENOMEM);
    ck_assert_int_eq(xu_from_errno(EINVAL), PLM_EINVAL);
    ck_assert_int_eq(xu_from_errno(EEXIST), PLM_EEXIST);
    ck_assert_int_eq(xu_from_errno(E2BIG), PLM_ERANGE);
    ck_assert_int_eq(xu_from_errno(ENOSPC), PLM_ETOOMANY);
    ck_assert_int_eq(xu_from_errno(EACCES), PLM_EIO);
    ck_assert_int_eq(xu_from_errno(EPIPE), PLM_EIO);
    ck_assert_int_eq(xu_from_errno(EAGAIN), PLM_EIO);
    /* A failure without a reason is still a failure. */
    ck_assert_int_eq(xu_from_errno(0), PLM_EIO);
}
END_TEST

START_TEST(test_parse_u64)
{
    uint64_t v = 7;

    ck_assert_int_eq(xu_parse_u64("0", 1, &v), 0);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(xu_parse_u64("1048576", 7, &v), 0);
    ck_assert_uint_eq(v, 1048576);
    /* Only len bytes count: xs_read's values need no terminator. */
    ck_assert_int_eq(xu_parse_u64("12345", 3, &v), 0);
    ck_assert_uint_eq(v, 123);
    ck_assert_int_eq(xu_parse_u64("18446744073709551615", 20, &v), 0);
    ck_assert_uint_eq(v, UINT64_MAX);
    v = 7;
    ck_assert_int_eq(xu_parse_u64("18446744073709551616", 20, &v), PLM_ERANGE);
    ck_assert_int_eq(xu_parse_u64("99999999999999999999", 20, &v), PLM_ERANGE);
    ck_assert_int_eq(xu_parse_u64("", 0, &v), PLM_EGRAMMAR);
    ck_assert_int_eq(xu_parse_u64("-1", 2, &v), PLM_EGRAMMAR);
    ck_assert_int_eq(xu_parse_u64("+1", 2, &v), PLM_EGRAMMAR);
    ck_assert_int_eq(xu_parse_u64(" 1", 2, &v), PLM_EGRAMMAR);
    ck_assert_int_eq(xu_parse_u64("1\n", 2, &v), PLM_EGRAMMAR);
    ck_assert_int_eq(xu_parse_u64("0x10", 4, &v), PLM_EGRAMMAR);
    ck_assert_int_eq(xu_parse_u64(NULL, 1, &v), PLM_EGRAMMAR);
    /* Failures leave the output alone. */
    ck_assert_uint_eq(v, 7);
}
END_TEST

START_TEST(test_path_domid)
{
    ck_assert_uint_eq(xu_path_domid("/local/domain/7/data/xenplm/request"), 7);
    ck_assert_uint_eq(xu_path_domid("/local/domain/12"), 12);
    ck_assert_uint_eq(xu_path_domid("/local/domain/4294967295/x"), 4294967295u);
    ck_assert_uint_eq(xu_path_domid("/local/domain/4294967296/x"), 0);
    ck_assert_uint_eq(xu_path_domid("/local/domain/"), 0);
    ck_assert_uint_eq(xu_path_domid("/local/domain/x1/y"), 0);
    ck_assert_uint_eq(xu_path_domid("/local/domain/1x/y"), 0);
    ck_assert_uint_eq(xu_path_domid("/vm/1"), 0);
    ck_assert_uint_eq(xu_path_domid("@releaseDomain"), 0);
    ck_assert_uint_eq(xu_path_domid(NULL), 0);
}
END_TEST

START_TEST(test_is_subpath)
{
    ck_assert(xu_is_subpath("/a/b", "/a/b"));
    ck_assert(xu_is_subpath("/a/b", "/a/b/c"));
    ck_assert(!xu_is_subpath("/a/b", "/a/bc"));
    ck_assert(!xu_is_subpath("/a/b", "/a"));
    ck_assert(xu_is_subpath("/", "/a"));
    ck_assert(xu_is_subpath("@releaseDomain", "@releaseDomain"));
    ck_assert(!xu_is_subpath("@releaseDomain", "@introduceDomain"));
    ck_assert(!xu_is_subpath(NULL, "/a"));
}
END_TEST

START_TEST(test_uuid_format)
{
    static const uint8_t b[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    char out[PORT_UUID_LEN];

    memset(out, 'x', sizeof(out));
    xu_uuid_format(b, out);
    ck_assert_str_eq(out, "00112233-4455-6677-8899-aabbccddeeff");
    ck_assert_uint_eq(strlen(out), PORT_UUID_LEN - 1);
}
END_TEST

START_TEST(test_watches)
{
    struct xu_watches ws = {0};
    char longpath[PORT_PATH_MAX + 1], longtoken[PORT_TOKEN_MAX + 1];

    ck_assert_int_eq(xu_watches_add(&ws, "@introduceDomain", "domains"), 0);
    ck_assert_int_eq(xu_watches_add(&ws, "@releaseDomain", "domains"), 0);
    ck_assert_int_eq(xu_watches_add(&ws, "@releaseDomain", "domains"), 1);
    ck_assert_uint_eq(ws.n, 2);
    /* Enough to make the list grow. */
    for (unsigned i = 0; i < 40; i++) {
        char path[PORT_PATH_MAX], token[PORT_TOKEN_MAX];
        snprintf(path, sizeof(path), "/local/domain/%u/data/xenplm/request", i + 1);
        snprintf(token, sizeof(token), "req:%u", i + 1);
        ck_assert_int_eq(xu_watches_add(&ws, path, token), 0);
    }
    ck_assert_uint_eq(ws.n, 42);
    ck_assert(xu_watches_remove(&ws, "/local/domain/5/data/xenplm/request", "req:5"));
    ck_assert(!xu_watches_remove(&ws, "/local/domain/5/data/xenplm/request", "req:5"));
    ck_assert(!xu_watches_remove(&ws, "@releaseDomain", "other"));
    ck_assert_uint_eq(ws.n, 41);
    /* Order is kept, for registering again in the order given. */
    ck_assert_str_eq(ws.w[0].path, "@introduceDomain");
    ck_assert_str_eq(ws.w[1].path, "@releaseDomain");
    ck_assert_str_eq(ws.w[5].token, "req:4");
    ck_assert_str_eq(ws.w[6].token, "req:6");

    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[0] = '/';
    longpath[sizeof(longpath) - 1] = '\0';
    memset(longtoken, 't', sizeof(longtoken) - 1);
    longtoken[sizeof(longtoken) - 1] = '\0';
    ck_assert_int_eq(xu_watches_add(&ws, longpath, "t"), PLM_EINVAL);
    ck_assert_int_eq(xu_watches_add(&ws, "/a", longtoken), PLM_EINVAL);
    ck_assert_int_eq(xu_watches_add(&ws, NULL, "t"), PLM_EINVAL);
    xu_watches_free(&ws);
    ck_assert_uint_eq(ws.n, 0);
    ck_assert_ptr_null(ws.w);
    xu_watches_free(&ws);
}
END_TEST

START_TEST(test_event_fill)
{
    struct xu_watches ws = {0};
    struct port_event ev;
    char longpath[PORT_PATH_MAX + 32];

    ck_assert_int_eq(xu_watches_add(&ws, "@releaseDomain", "domains"), 0);
    ck_assert_int_eq(xu_watches_add(&ws, "/local/domain/3/data/xenplm/request", "req:3"), 0);

    ck_assert_int_eq(xu_event_fill(&ev, "@releaseDomain", "domains", &ws), 0);
    ck_assert_str_eq(ev.path, "@releaseDomain");
    ck_assert_str_eq(ev.token, "domains");
    ck_assert_int_eq(xu_event_fill(&ev, "/local/domain/3/data/xenplm/request", "req:3", &ws), 0);
    ck_assert_str_eq(ev.path, "/local/domain/3/data/xenplm/request");
    ck_assert_int_eq(xu_event_fill(&ev, "/local/domain/3/data/xenplm/request/x", "req:3", &ws), 0);
    ck_assert_str_eq(ev.path, "/local/domain/3/data/xenplm/request/x");
    /* A watch no longer registered, or a path its token does not cover. */
    ck_assert_int_eq(xu_event_fill(&ev, "@introduceDomain", "domains", &ws), PLM_ENOENT);
    ck_assert_int_eq(xu_event_fill(&ev, "/local/domain/4/data/xenplm/request", "req:4", &ws),
                     PLM_ENOENT);
    ck_assert_int_eq(xu_event_fill(&ev, "/local/domain/3/data/xenplm/requests", "req:3", &ws),
                     PLM_ENOENT);
    /* A path too long for the event: the watch's own path stands for it. */
    snprintf(longpath, sizeof(longpath), "/local/domain/3/data/xenplm/request/");
    size_t n = strlen(longpath);
    memset(longpath + n, 'z', sizeof(longpath) - n - 1);
    longpath[sizeof(longpath) - 1] = '\0';
    ck_assert_int_eq(xu_event_fill(&ev, longpath, "req:3", &ws), 0);
    ck_assert_str_eq(ev.path, "/local/domain/3/data/xenplm/request");
    ck_assert_str_eq(ev.token, "req:3");
    ck_assert_int_eq(xu_event_fill(NULL, "@releaseDomain", "domains", &ws), PLM_ENOENT);
    xu_watches_free(&ws);
}
END_TEST

static Suite *xen_util_suite(void)
{
    Suite *s = suite_create("xen_util");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_from_errno);
    tcase_add_test(tc, test_parse_u64);
    tcase_add_test(tc, test_path_domid);
    tcase_add_test(tc, test_is_subpath);
    tcase_add_test(tc, test_uuid_format);
    tcase_add_test(tc, test_watches);
    tcase_add_test(tc, test_event_fill);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(xen_util_suite());
}
