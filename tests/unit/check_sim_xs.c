/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated xenstore: what a guest may and may not write or read (as
 * C xenstored decides for an unprivileged domain), the permissions the
 * toolstack and the daemon leave on each node, transactions that write
 * all or nothing, the per-domain node quota and the value size limit.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim_test.h"
#include "core/error.h"

/* web is domain 1, db domain 2; the daemon has made both xenplm/ dirs. */
static struct port *two_guests(void)
{
    struct port *p = sim_open(HOST "domain web memory=1024\ndomain db memory=1024\n");
    struct port_kv kv = {"/local/domain/1/xenplm/granted", "cpu 100\n", 8};

    ck_assert_int_eq(port_xs_mkdir_ro(p, "/local/domain/1/xenplm", 1), 0);
    ck_assert_int_eq(port_xs_mkdir_ro(p, "/local/domain/2/xenplm", 2), 0);
    ck_assert_int_eq(port_xs_mkdir_ro(p, "/local/domain/0/xenplm", 0), 0);
    ck_assert_int_eq(port_xs_write_txn(p, &kv, 1), 0);
    return p;
}

static const struct {
    const char *path;
    int rc;
} writes[] = {
    /* its own data/ is the guest's */
    {"data/x", 0},
    {"data/xenplm/request", 0},
    {"/local/domain/1/data/y", 0},
    /* the toolstack's nodes are dom0's, read-only to the guest */
    {"memory/target", PLM_EIO},
    {"memory/new", PLM_EIO},
    {"control/shutdown", PLM_EIO},
    {"control", PLM_EIO},
    {"name", PLM_EIO},
    {"cpu/0/availability", PLM_EIO},
    {"newtop", PLM_EIO},
    {"/local/domain/1", PLM_EIO},
    /* the daemon's answers */
    {"xenplm/granted", PLM_EIO},
    {"xenplm/status", PLM_EIO},
    /* other domains, dom0, the rest of the tree */
    {"/local/domain/2/data/x", PLM_EIO},
    {"/local/domain/2/xenplm/granted", PLM_EIO},
    {"/local/domain/0/xenplm/x", PLM_EIO},
    {"/local/domain/3/data/x", PLM_EIO},
    {"/tool/x", PLM_EIO},
    {"/", PLM_EIO},
    /* not paths */
    {"", PLM_EINVAL},
    {"data//x", PLM_EINVAL},
    {"data/x/", PLM_EINVAL},
    {"data/x y", PLM_EINVAL},
    {"data/x\x01", PLM_EINVAL},
    {"data/../memory/target", PLM_EINVAL},
};

START_TEST(test_guest_writes)
{
    struct port *p = two_guests();
    struct port_sim_stats st;
    char before[64], after[64];
    int rc;

    sim_read(p, "/local/domain/1/memory/target", before, sizeof(before));
    errno = 0;
    rc = port_sim_guest_write(p, 1, writes[_i].path, "v", 1);
    ck_assert_msg(rc == writes[_i].rc, "%s: rc %d, want %d", writes[_i].path, rc, writes[_i].rc);
    if (rc == PLM_EIO)
        ck_assert_int_eq(errno, EACCES);
    st = sim_stats(p);
    ck_assert_uint_eq(st.guest_writes, 1);
    ck_assert_uint_eq(st.guest_denied, rc == PLM_EIO);
    ck_assert_uint_eq(st.guest_invalid, rc == PLM_EINVAL);
    ck_assert_uint_eq(sim_dom(p, "web").guest_refused, rc != 0);
    sim_read(p, "/local/domain/1/memory/target", after, sizeof(after));
    ck_assert_str_eq(before, after);
    port_destroy(p);
}
END_TEST

static const struct {
    const char *path;
    int rc;
} reads[] = {
    {"data/x", 0},
    {"xenplm/granted", 0},
    {"memory/target", 0},
    {"name", 0},
    {"/local/domain/1/cpu/0/availability", 0},
    {"data/missing", PLM_ENOENT},
    {"/local/domain/2/data/missing", PLM_EIO}, /* not even whether it exists */
    {"/local/domain/2/data", PLM_EIO},
    {"/local/domain/2/name", PLM_EIO},
    {"/local/domain/2/xenplm/granted", PLM_EIO},
    {"/local/domain/0/name", PLM_EIO},
    {"/local/domain", PLM_EIO},
    {"data/", PLM_EINVAL},
};

START_TEST(test_guest_reads)
{
    struct port *p = two_guests();
    char buf[64];
    size_t len = 0;
    int rc;

    ck_assert_int_eq(port_sim_guest_write(p, 1, "data/x", "v", 1), 0);
    rc = port_sim_guest_read(p, 1, reads[_i].path, buf, sizeof(buf), &len);
    ck_assert_msg(rc == reads[_i].rc, "%s: rc %d, want %d", reads[_i].path, rc, reads[_i].rc);
    port_destroy(p);
}
END_TEST

static const struct {
    const char *path, *perms;
} layout[] = {
    {"/", "n0"},
    {"/local/domain", "n0"},
    {"/local/domain/0", "n0"},
    {"/local/domain/1", "n0,r1"},
    {"/local/domain/1/name", "n0,r1"},
    {"/local/domain/1/memory/target", "n0,r1"},
    {"/local/domain/1/memory/static-max", "n0,r1"},
    {"/local/domain/1/control", "n0,r1"},
    {"/local/domain/1/data", "n1"},
    {"/local/domain/1/data/x", "n1"},        /* created by the guest: its own */
    {"/local/domain/1/data/fromdom0", "n1"}, /* created by dom0: inherited */
    {"/local/domain/1/xenplm", "n0,r1"},
    {"/local/domain/1/xenplm/granted", "n0,r1"},
    {"/local/domain/2/xenplm", "n0,r2"},
    {"/local/domain/0/xenplm", "n0"},
};

START_TEST(test_layout_perms)
{
    struct port *p = two_guests();
    struct port_kv kv = {"/local/domain/1/data/fromdom0", "", 0};
    char buf[32];

    ck_assert_int_eq(port_sim_guest_write(p, 1, "data/x", "v", 1), 0);
    ck_assert_int_eq(port_xs_write_txn(p, &kv, 1), 0);
    ck_assert_int_eq(port_sim_xs_perms(p, layout[_i].path, buf, sizeof(buf)), 0);
    ck_assert_msg(strcmp(buf, layout[_i].perms) == 0, "%s: %s, want %s", layout[_i].path, buf,
                  layout[_i].perms);
    ck_assert_int_eq(port_sim_xs_perms(p, "/local/domain/1", buf, 3), PLM_ERANGE);
    ck_assert_int_eq(port_sim_xs_perms(p, "/nothing", buf, sizeof(buf)), PLM_ENOENT);
    port_destroy(p);
}
END_TEST

START_TEST(test_toolstack_values)
{
    struct port *p = sim_open(HOST "domain web memory=1024 maxmem=2048 vcpus=1 maxvcpus=2\n");
    char buf[64];

    ck_assert_int_eq(sim_read(p, "/local/domain/1/name", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "web");
    ck_assert_int_eq(sim_read(p, "/local/domain/1/domid", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "1");
    ck_assert_int_eq(sim_read(p, "/local/domain/1/memory/target", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "1048576");
    ck_assert_int_eq(sim_read(p, "/local/domain/1/memory/static-max", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "2097152");
    ck_assert_int_eq(sim_read(p, "/local/domain/1/cpu/0/availability", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "online");
    ck_assert_int_eq(sim_read(p, "/local/domain/1/cpu/1/availability", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "offline");
    ck_assert_int_eq(sim_read(p, "/local/domain/0/name", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "Domain-0");
    port_destroy(p);
}
END_TEST

START_TEST(test_txn_all_or_nothing)
{
    struct port *p = two_guests();
    char big[PORT_SIM_VALUE_MAX + 1], buf[16];
    struct port_kv good[] = {
        {"/local/domain/1/xenplm/status", "ok\n", 3},
        {"/local/domain/1/xenplm/seq", "7\n", 2},
    };
    struct port_kv bad_path[] = {good[0], {"/local/domain/1/xenplm//seq", "7\n", 2}, good[1]};
    struct port_kv bad_size[] = {good[0], {"/local/domain/1/xenplm/big", big, sizeof(big)}};
    struct port_kv bad_value[] = {good[0], {"/local/domain/1/xenplm/seq", NULL, 2}};

    memset(big, 'x', sizeof(big));
    ck_assert_int_eq(port_xs_write_txn(p, bad_path, 3), PLM_EINVAL);
    ck_assert_int_eq(port_xs_write_txn(p, bad_size, 2), PLM_ERANGE);
    ck_assert_int_eq(port_xs_write_txn(p, bad_value, 2), PLM_EINVAL);
    ck_assert_int_eq(port_xs_write_txn(p, NULL, 1), PLM_EINVAL);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/xenplm/status", buf, sizeof(buf)), PLM_ENOENT);
    ck_assert_uint_eq(sim_stats(p).xs_keys_written, 1); /* two_guests' granted */
    ck_assert_int_eq(port_xs_write_txn(p, good, 2), 0);
    ck_assert_int_eq(port_xs_write_txn(p, good, 0), 0);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/xenplm/seq", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "7\n");
    ck_assert_uint_eq(sim_stats(p).xs_keys_written, 3);
    ck_assert_uint_eq(sim_stats(p).op[PORT_SIM_OP_XS_WRITE_TXN].failures, 4);
    port_destroy(p);
}
END_TEST

START_TEST(test_quota)
{
    struct port *p = two_guests();
    struct port_kv kv = {"/local/domain/1/data/fromdom0", "", 0};
    char path[32];

    /* data/ and control/feature-balloon are the guest's first nodes. */
    for (int i = 0; i < PORT_SIM_QUOTA - 2; i++) {
        snprintf(path, sizeof(path), "data/q%d", i);
        ck_assert_int_eq(port_sim_guest_write(p, 1, path, "", 0), 0);
    }
    errno = 0;
    ck_assert_int_eq(port_sim_guest_write(p, 1, "data/one-too-many", "", 0), PLM_ETOOMANY);
    ck_assert_int_eq(errno, ENOSPC);
    /* Rewriting an existing node creates nothing. */
    ck_assert_int_eq(port_sim_guest_write(p, 1, "data/q0", "again", 5), 0);
    ck_assert_int_eq(port_sim_guest_rm(p, 1, "data/q0"), 0);
    ck_assert_int_eq(port_sim_guest_write(p, 1, "data/a/b", "", 0), PLM_ETOOMANY);
    ck_assert_int_eq(port_sim_guest_write(p, 1, "data/a", "", 0), 0);
    /* The other guest has a quota of its own; dom0 has none. */
    ck_assert_int_eq(port_sim_guest_write(p, 2, "data/x", "", 0), 0);
    ck_assert_int_eq(port_xs_write_txn(p, &kv, 1), 0);
    ck_assert_uint_eq(sim_stats(p).guest_quota, 2);
    port_destroy(p);
}
END_TEST

START_TEST(test_value_size)
{
    struct port *p = two_guests();
    static char big[PORT_SIM_VALUE_MAX + 1], buf[PORT_SIM_VALUE_MAX + 1];
    size_t len = 0;

    memset(big, 'v', sizeof(big));
    ck_assert_int_eq(port_sim_guest_write(p, 1, "data/max", big, PORT_SIM_VALUE_MAX), 0);
    errno = 0;
    ck_assert_int_eq(port_sim_guest_write(p, 1, "data/over", big, sizeof(big)), PLM_ERANGE);
    ck_assert_int_eq(errno, E2BIG);
    ck_assert_uint_eq(sim_stats(p).guest_too_large, 1);
    ck_assert_int_eq(port_xs_read(p, "/local/domain/1/data/max", buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, PORT_SIM_VALUE_MAX);
    len = 0;
    ck_assert_int_eq(port_xs_read(p, "/local/domain/1/data/max", buf, 10, &len), PLM_ERANGE);
    ck_assert_uint_eq(len, PORT_SIM_VALUE_MAX);
    ck_assert_int_eq(port_xs_read(p, "/local/domain/1/data/over", buf, 10, &len), PLM_ENOENT);
    /* Values are bytes: NULs and all. */
    ck_assert_int_eq(port_sim_guest_write(p, 1, "data/bin", "a\0b\n", 4), 0);
    ck_assert_int_eq(port_xs_read(p, "/local/domain/1/data/bin", buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, 4);
    ck_assert_int_eq(memcmp(buf, "a\0b\n", 4), 0);
    ck_assert_int_eq(port_sim_guest_write(p, 1, "data/empty", NULL, 0), 0);
    ck_assert_int_eq(port_xs_read(p, "/local/domain/1/data/empty", buf, 0, &len), 0);
    ck_assert_uint_eq(len, 0);
    port_destroy(p);
}
END_TEST

START_TEST(test_rm)
{
    struct port *p = two_guests();
    char buf[16];

    ck_assert_int_eq(port_xs_rm(p, "/local/domain/1/xenplm/nothing"), 0);
    ck_assert_int_eq(port_xs_rm(p, "/"), PLM_EINVAL);
    ck_assert_int_eq(port_xs_rm(p, "relative/../x"), PLM_EINVAL);
    ck_assert_int_eq(port_xs_rm(p, "/local/domain/1/xenplm"), 0);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/xenplm/granted", buf, sizeof(buf)), PLM_ENOENT);
    ck_assert_int_eq(port_sim_guest_rm(p, 1, "memory/target"), PLM_EIO);
    ck_assert_int_eq(port_sim_guest_rm(p, 1, "/local/domain/2/data"), PLM_EIO);
    ck_assert_int_eq(port_sim_guest_write(p, 1, "data/x/y", "", 0), 0);
    ck_assert_int_eq(port_sim_guest_rm(p, 1, "data/x"), 0);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/data/x/y", buf, sizeof(buf)), PLM_ENOENT);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/data", buf, sizeof(buf)), 0);
    port_destroy(p);
}
END_TEST

START_TEST(test_not_a_guest)
{
    struct port *p = two_guests();
    char buf[8];
    size_t len;

    /* dom0 is not scripted, and a domain that is not running writes nothing. */
    ck_assert_int_eq(port_sim_guest_write(p, 0, "data/x", "", 0), PLM_ENOENT);
    ck_assert_int_eq(port_sim_guest_write(p, 9, "data/x", "", 0), PLM_ENOENT);
    ck_assert_int_eq(port_sim_guest_read(p, 9, "data", buf, sizeof(buf), &len), PLM_ENOENT);
    ck_assert_int_eq(port_sim_destroy_domain(p, 1), 0);
    ck_assert_int_eq(port_sim_guest_write(p, 1, "data/x", "", 0), PLM_ENOENT);
    ck_assert_uint_eq(sim_stats(p).guest_invalid, 3);
    port_destroy(p);
}
END_TEST

TCase *sim_tcase_xs(void)
{
    TCase *tc = tcase_create("xenstore");

    tcase_add_loop_test(tc, test_guest_writes, 0, (int)(sizeof(writes) / sizeof(writes[0])));
    tcase_add_loop_test(tc, test_guest_reads, 0, (int)(sizeof(reads) / sizeof(reads[0])));
    tcase_add_loop_test(tc, test_layout_perms, 0, (int)(sizeof(layout) / sizeof(layout[0])));
    tcase_add_test(tc, test_toolstack_values);
    tcase_add_test(tc, test_txn_all_or_nothing);
    tcase_add_test(tc, test_quota);
    tcase_add_test(tc, test_value_size);
    tcase_add_test(tc, test_rm);
    tcase_add_test(tc, test_not_a_guest);
    return tc;
}
