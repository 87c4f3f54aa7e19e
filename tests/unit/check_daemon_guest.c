/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hostile and careless guests: a flood of requests, values the decoder
 * refuses, and writes outside the guest's own area.  None of it may cost
 * the daemon more than its rate limit, change an allocation, or reach
 * another guest.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_test.h"
#include "core/error.h"
#include "protocol/grant.h"

/* Text with its length, so that values may hold NUL bytes. */
#define T(s) s, sizeof(s) - 1

static const char two_guests_scn[] = "host pcpus=4 memory=8192 dom0=1024\n"
                                     "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"
                                     "domain b memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"
                                     "at 1s a request cpu=50\n"
                                     "at 1s b request cpu=50\n";

/* The seq the daemon acknowledged to the guest, from xenplm/seq. */
static unsigned long long acked_seq(struct dt *t, const char *name)
{
    char buf[PROTO_SEQ_MAX + 1];
    ck_assert_int_eq(dt_guest_read(t, name, "seq", buf, sizeof(buf)), 0);
    return strtoull(buf, NULL, 10);
}

/*
 * "a" rewrites its request 500 times, 25 writes at a time, each batch
 * followed by one turn of the daemon's loop (it wakes at once for the
 * watch events, so the whole flood takes about a virtual second); every
 * write asks a different CPU amount.  "b" writes once in the middle of
 * it.  The policy's bucket holds 3 tokens and refills at one a second:
 * the daemon may read a's key at most 3 times plus once a second, must
 * read b's at once, and must end up with a's last value, read once more
 * when the flood is over.  (Reads counted: the guests', not the periodic
 * check's, which the daemon makes of its own accord once a minute.)
 */
START_TEST(guest_flood)
{
    struct dt t;
    char buf[32];

    dt_open(&t, "base.xml", two_guests_scn);
    dt_run_until(&t, 2000);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 50);
#define GUEST_READS() (dt_stats(&t).op[PORT_SIM_OP_XS_READ].calls - t.d.st.stats.xs_rechecks)
    uint64_t reads0 = GUEST_READS(), t0 = dt_now(&t);

    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 25; i++) {
            snprintf(buf, sizeof(buf), "%d", 100 + round * 5 + i % 5);
            dt_request(&t, "a", buf, NULL);
        }
        if (round == 10) {
            dt_request(&t, "b", "80", NULL);
            dt_step(&t);
            /* b's one write went through at once, flood or no flood. */
            ck_assert_uint_eq(dt_dom(&t, "b")->req.seq, dt_sim(&t, "b").guest_seq);
            ck_assert_uint_eq(acked_seq(&t, "b"), dt_sim(&t, "b").guest_seq);
            ck_assert_int_eq(dt_alloc(&t, "b", POL_CPU), 80);
        }
        dt_step(&t);
    }
    uint64_t elapsed_s = (dt_now(&t) - t0 + 999) / 1000;
    uint64_t reads = GUEST_READS() - reads0;
    /* a: the burst, then one a second; b: one. */
    ck_assert_msg(reads <= 3 + elapsed_s + 1, "%llu reads in %llu s", (unsigned long long)reads,
                  (unsigned long long)elapsed_s);

    /* The latest value is read once a token is due, with no new write. */
    dt_run_for(&t, 3000);
    ck_assert_uint_le(GUEST_READS() - reads0, reads + 1);
#undef GUEST_READS
    ck_assert_uint_eq(dt_sim(&t, "a").guest_seq, 501);
    ck_assert_uint_eq(dt_dom(&t, "a")->req.seq, 501);
    ck_assert_uint_eq(acked_seq(&t, "a"), 501);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 199);
    ck_assert_int_eq(dt_alloc(&t, "b", POL_CPU), 80);
    dt_close(&t);
}
END_TEST

/* One hostile value and the reason the guest must read back. */
struct hostile {
    const char *value;
    size_t len;
    const char *status;
};

static const struct hostile hostile[] = {
    /* Grammar. */
    {T("xenplm-request 1\nseq 10\ncpu pct -5\n"), "rejected: line 3: cpu level 1: not a number\n"},
    {T("xenplm-request 1\nseq 11\ncpu pct 50"), "rejected: line 3: missing final newline\n"},
    {T("xenplm-request 2\nseq 12\ncpu pct 50\n"),
     "rejected: line 1: unsupported version 2 (want 1)\n"},
    /* 17 levels. */
    {T("xenplm-request 1\nseq 13\ncpu pct 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"),
     "rejected: line 3: cpu level 17: too many levels (max 16)\n"},
    /* Bytes that have no business in a value. */
    {T("xenplm-request 1\nseq 14\ncpu pct 50\0\n"), "rejected: line 3: NUL byte at offset 34\n"},
    {T("xenplm-request 1\nseq 15\r\ncpu pct 50\n"),
     "rejected: line 2: carriage return at offset 23 (lines end in LF alone)\n"},
    {T("xenplm-request 1\nseq 16\ncpu pct 5\x80\n"),
     "rejected: line 3: byte 0x80 at offset 33: not printable ASCII\n"},
    /* More than a 4-vcpu domain could ever use. */
    {T("xenplm-request 1\nseq 17\ncpu pct 401\n"),
     "rejected: line 3: cpu level 1: above the limit (max 400)\n"},
    {T("xenplm-request 1\nseq 18\nmem mib 2049\n"),
     "rejected: line 3: mem level 1: above the limit (max 2048)\n"},
};

/*
 * "a" holds 150 by a good request; then each hostile value in turn.  Each
 * is refused with the decoder's reason in xenplm/status, the seq it
 * carried is not acknowledged, and the good request stays in force: the
 * allocation, the scheduler and the granted key do not move.
 */
START_TEST(guest_hostile_values)
{
    struct dt t;
    char status[PROTO_STATUS_MAX + 1], granted[PROTO_GRANT_ENCODED_MAX + 1];
    char now[PROTO_GRANT_ENCODED_MAX + 1];

    dt_open(&t, "base.xml",
            "host pcpus=4 memory=8192 dom0=1024\n"
            "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"
            "at 1s a request cpu=100,150\n");
    dt_run_until(&t, 2000);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 150);
    ck_assert_int_eq(dt_guest_read(&t, "a", "status", status, sizeof(status)), 0);
    ck_assert_str_eq(status, "ok\n");
    ck_assert_int_eq(dt_guest_read(&t, "a", "granted", granted, sizeof(granted)), 0);
    unsigned long long seq = acked_seq(&t, "a");
    struct port_sim_domain before = dt_sim(&t, "a");
    uint32_t a = dt_id(&t, "a");

    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        const struct hostile *h = &hostile[i];
        uint64_t rejected = dt_dom(&t, "a")->rejected;

        ck_assert_int_eq(port_sim_guest_write(t.p, a, "data/xenplm/request", h->value, h->len), 0);
        dt_run_for(&t, 2000);
        ck_assert_int_eq(dt_guest_read(&t, "a", "status", status, sizeof(status)), 0);
        ck_assert_str_eq(status, h->status);
        ck_assert_uint_eq(dt_dom(&t, "a")->rejected, rejected + 1);
        ck_assert_uint_eq(acked_seq(&t, "a"), seq);
        ck_assert_uint_eq(dt_dom(&t, "a")->req.seq, seq);
        ck_assert_int_eq(dt_dom(&t, "a")->eng.source, ENG_SRC_AGENT);
        ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 150);
        ck_assert_int_eq(dt_guest_read(&t, "a", "granted", now, sizeof(now)), 0);
        ck_assert_str_eq(now, granted);
    }

    /* 2048 bytes is within xenstore's limit, so the decoder sees it, and
     * quotes at most 16 bytes of the offending word. */
    char big[PORT_SIM_VALUE_MAX + 1];
    int n = snprintf(big, sizeof(big), "xenplm-request 1\nseq 19\ncpu pct 50\n");
    memset(big + n, 'x', sizeof(big) - 2 - (size_t)n);
    big[sizeof(big) - 2] = '\n';
    ck_assert_int_eq(port_sim_guest_write(t.p, a, "data/xenplm/request", big, sizeof(big) - 1), 0);
    dt_run_for(&t, 2000);
    ck_assert_int_eq(dt_guest_read(&t, "a", "status", status, sizeof(status)), 0);
    ck_assert_str_eq(status, "rejected: line 4: unknown keyword 'xxxxxxxxxxxxxxxx...'\n");

    /* One byte more never reaches the daemon: xenstore refuses it.  (The
     * periodic check's reads find the value read last, and do nothing.) */
    uint64_t reads = dt_stats(&t).op[PORT_SIM_OP_XS_READ].calls - t.d.st.stats.xs_rechecks;
    char huge[PORT_SIM_VALUE_MAX + 2];
    memcpy(huge, big, sizeof(big) - 1);
    huge[sizeof(huge) - 2] = 'x';
    huge[sizeof(huge) - 1] = '\n';
    ck_assert_int_eq(port_sim_guest_write(t.p, a, "data/xenplm/request", huge, sizeof(huge)),
                     PLM_ERANGE);
    ck_assert_uint_eq(dt_stats(&t).guest_too_large, 1);
    dt_run_for(&t, 2000);
    ck_assert_uint_eq(dt_stats(&t).op[PORT_SIM_OP_XS_READ].calls - t.d.st.stats.xs_rechecks, reads);

    /* Through it all the host saw nothing new for a. */
    struct port_sim_domain after = dt_sim(&t, "a");
    ck_assert_uint_eq(after.sched_calls, before.sched_calls);
    ck_assert_uint_eq(after.vcpus_calls, before.vcpus_calls);
    ck_assert_uint_eq(after.mem_calls, before.mem_calls);

    /* And a good request is taken again, and acknowledged. */
    dt_request(&t, "a", "60", NULL);
    dt_run_for(&t, 2000);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), 60);
    ck_assert_int_eq(dt_guest_read(&t, "a", "status", status, sizeof(status)), 0);
    ck_assert_str_eq(status, "ok\n");
    ck_assert_uint_eq(acked_seq(&t, "a"), dt_sim(&t, "a").guest_seq);
    dt_close(&t);
}
END_TEST

/*
 * "a" tries to set its own memory target, forge its grant, status and
 * seq, write into b's area and remove the daemon's subtree.  xenstore
 * refuses every one (the grant subtree is dom0's, readable by the guest
 * alone), and nothing the daemon holds or has set moves.
 */
START_TEST(guest_outside_its_area)
{
    struct dt t;
    char path[PORT_PATH_MAX], perms[64], want[64];
    char granted[PROTO_GRANT_ENCODED_MAX + 1], now[PROTO_GRANT_ENCODED_MAX + 1];

    dt_open(&t, "base.xml",
            "host pcpus=4 memory=8192 dom0=1024\n"
            "domain a memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"
            "domain b memory=1024 maxmem=2048 vcpus=1 maxvcpus=4\n"
            "at 1s a request cpu=100 mem=1024\n"
            "at 1s b request cpu=50\n");
    dt_run_until(&t, 2000);
    uint32_t a = dt_id(&t, "a"), b = dt_id(&t, "b");

    /* The grant subtree and every key in it: dom0's, read by the guest. */
    static const char *const keys[] = {"", "/granted", "/status", "/seq"};
    snprintf(want, sizeof(want), "n0,r%u", a);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        snprintf(path, sizeof(path), PROTO_GRANT_DIR_PATH_FMT "%s", a, keys[i]);
        ck_assert_int_eq(port_sim_xs_perms(t.p, path, perms, sizeof(perms)), 0);
        ck_assert_str_eq(perms, want);
    }
    ck_assert_int_eq(dt_guest_read(&t, "a", "granted", granted, sizeof(granted)), 0);
    struct port_sim_domain before = dt_sim(&t, "a"), b_before = dt_sim(&t, "b");
    long cpu = dt_alloc(&t, "a", POL_CPU), mem = dt_alloc(&t, "a", POL_MEMORY);
    uint64_t denied = dt_stats(&t).guest_denied;

    ck_assert_int_eq(port_sim_guest_write(t.p, a, "memory/target", T("999999")), PLM_EIO);
    ck_assert_int_eq(
        port_sim_guest_write(t.p, a, "xenplm/granted", T("cpu 400 vcpus 4 mem 2048\n")), PLM_EIO);
    ck_assert_int_eq(port_sim_guest_write(t.p, a, "xenplm/status", T("ok\n")), PLM_EIO);
    ck_assert_int_eq(port_sim_guest_write(t.p, a, "xenplm/seq", T("99\n")), PLM_EIO);
    ck_assert_int_eq(port_sim_guest_write(t.p, a, "xenplm/extra", T("x")), PLM_EIO);
    snprintf(path, sizeof(path), PROTO_GRANTED_PATH_FMT, a);
    ck_assert_int_eq(port_sim_guest_write(t.p, a, path, T("cpu 400\n")), PLM_EIO);
    snprintf(path, sizeof(path), PROTO_REQUEST_PATH_FMT, b);
    ck_assert_int_eq(port_sim_guest_write(t.p, a, path, T("xenplm-request 1\nseq 1\ncpu pct 1\n")),
                     PLM_EIO);
    ck_assert_int_eq(port_sim_guest_rm(t.p, a, "xenplm"), PLM_EIO);
    ck_assert_uint_eq(dt_stats(&t).guest_denied, denied + 8);

    dt_run_for(&t, 5000);
    ck_assert_int_eq(dt_guest_read(&t, "a", "granted", now, sizeof(now)), 0);
    ck_assert_str_eq(now, granted);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_CPU), cpu);
    ck_assert_int_eq(dt_alloc(&t, "a", POL_MEMORY), mem);
    struct port_sim_domain after = dt_sim(&t, "a"), b_after = dt_sim(&t, "b");
    ck_assert_uint_eq(after.info.mem_target_kib, before.info.mem_target_kib);
    ck_assert_uint_eq(after.mem_calls, before.mem_calls);
    ck_assert_uint_eq(after.sched_calls, before.sched_calls);
    ck_assert_uint_eq(b_after.guest_seq, b_before.guest_seq);
    ck_assert_uint_eq(dt_dom(&t, "b")->req.seq, b_before.guest_seq);
    dt_close(&t);
}
END_TEST

TCase *dt_tcase_guest(void)
{
    TCase *tc = tcase_create("guest");
    tcase_add_test(tc, guest_flood);
    tcase_add_test(tc, guest_hostile_values);
    tcase_add_test(tc, guest_outside_its_area);
    return tc;
}
