/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated hypervisor: the domain list (Domain-0 included, as libxl
 * lists it), libxl's argument checks for scheduler parameters and vcpus,
 * what a destroyed domain answers, and CPU time as the credit scheduler
 * hands it out.
 */
#include "config.h"

#include <string.h>

#include "sim_test.h"
#include "core/error.h"

START_TEST(test_list_domains)
{
    struct port *p = sim_open(HOST "domain web memory=1024\ndomain db memory=512 maxvcpus=2\n");
    struct port_domain d[3];
    struct port_host h;
    size_t n = 0;

    ck_assert_int_eq(port_list_domains(p, d, 3, &n), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(d[0].domid, 0);
    ck_assert_str_eq(d[0].name, "Domain-0");
    ck_assert_str_eq(d[0].uuid, "00000000-0000-0000-0000-000000000000");
    ck_assert_uint_eq(d[0].mem_actual_kib, 1024 * MIB);
    ck_assert_uint_eq(d[1].domid, 1);
    ck_assert_str_eq(d[1].name, "web");
    ck_assert_uint_eq(d[2].domid, 2);
    ck_assert_uint_eq(d[2].max_vcpus, 2);
    ck_assert_uint_eq(d[2].online_vcpus, 2);
    ck_assert_uint_eq(d[2].mem_target_kib, 512 * MIB);
    ck_assert_uint_eq(d[2].mem_max_kib, 512 * MIB);
    ck_assert(!d[2].dying);
    /* Too little room: the count says how much is needed. */
    ck_assert_int_eq(port_list_domains(p, d, 1, &n), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(port_list_domains(p, NULL, 0, &n), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(port_list_domains(p, NULL, 2, &n), PLM_EINVAL);
    ck_assert_int_eq(port_host_info(p, &h), 0);
    ck_assert_uint_eq(h.pcpus, 4);
    ck_assert_uint_eq(h.total_kib, 8192 * MIB);
    ck_assert_uint_eq(h.free_kib, (8192 - 1024 - 1024 - 512) * MIB);
    ck_assert_str_eq(h.sched, "credit");
    port_destroy(p);
}
END_TEST

START_TEST(test_uuid_from_name)
{
    struct port *a = sim_open(HOST "domain web memory=64\ndomain db memory=64\n");
    struct port *b = sim_open(HOST "domain db memory=64\ndomain web memory=64\n");
    struct port_domain wa, wb, da;

    ck_assert_int_eq(port_domain_info(a, 1, &wa), 0);
    ck_assert_int_eq(port_domain_info(a, 2, &da), 0);
    ck_assert_int_eq(port_domain_info(b, 2, &wb), 0);
    ck_assert_str_eq(wa.name, "web");
    ck_assert_str_eq(wa.uuid, wb.uuid);
    ck_assert_str_ne(wa.uuid, da.uuid);
    ck_assert_uint_eq(strlen(wa.uuid), PORT_UUID_LEN - 1);
    ck_assert_int_eq(wa.uuid[14], '4');
    port_destroy(a);
    port_destroy(b);
}
END_TEST

static const struct {
    int weight, cap, rc;
    int want_weight, want_cap;
} scheds[] = {
    /* web: maxvcpus=2, so caps run 0..200 */
    {1, -1, 0, 1, 0},
    {65535, -1, 0, 65535, 0},
    {0, -1, PLM_EINVAL, 256, 0},
    {65536, -1, PLM_EINVAL, 256, 0},
    {-2, -1, PLM_EINVAL, 256, 0},
    {-1, 0, 0, 256, 0},
    {-1, 200, 0, 256, 200},
    {-1, 201, PLM_EINVAL, 256, 0},
    {-1, -2, PLM_EINVAL, 256, 0},
    {-1, -1, 0, 256, 0},
    {512, 50, 0, 512, 50},
    {512, 300, PLM_EINVAL, 256, 0}, /* nothing changes when one field is bad */
};

START_TEST(test_sched_set)
{
    struct port *p = sim_open(HOST "domain web memory=64 maxvcpus=2\n");
    struct port_sim_domain d;

    ck_assert_int_eq(port_sched_set(p, 1, scheds[_i].weight, scheds[_i].cap), scheds[_i].rc);
    d = sim_dom(p, "web");
    ck_assert_int_eq(d.weight, scheds[_i].want_weight);
    ck_assert_int_eq(d.cap, scheds[_i].want_cap);
    ck_assert_uint_eq(d.sched_calls, 1);
    ck_assert_int_eq(d.last_weight,
                     scheds[_i].rc == 0 && scheds[_i].weight != -1 ? scheds[_i].weight : -1);
    ck_assert_uint_eq(sim_stats(p).op[PORT_SIM_OP_SCHED_SET].failures, scheds[_i].rc != 0);
    port_destroy(p);
}
END_TEST

START_TEST(test_vcpus_set)
{
    struct port *p = sim_open(HOST "domain web memory=64 vcpus=1 maxvcpus=3\n");
    char buf[16];

    ck_assert_int_eq(port_vcpus_set(p, 1, 0), PLM_EINVAL);
    ck_assert_int_eq(port_vcpus_set(p, 1, 4), PLM_EINVAL);
    ck_assert_uint_eq(sim_dom(p, "web").info.online_vcpus, 1);
    ck_assert_int_eq(port_vcpus_set(p, 1, 3), 0);
    ck_assert_uint_eq(sim_dom(p, "web").info.online_vcpus, 3);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/cpu/2/availability", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "online");
    ck_assert_int_eq(port_vcpus_set(p, 1, 2), 0);
    ck_assert_int_eq(sim_read(p, "/local/domain/1/cpu/2/availability", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "offline");
    ck_assert_uint_eq(sim_dom(p, "web").vcpus_calls, 4);
    ck_assert_uint_eq(sim_dom(p, "web").last_vcpus, 2);
    ck_assert_int_eq(port_vcpus_set(p, 7, 1), PLM_ENOENT);
    port_destroy(p);
}
END_TEST

START_TEST(test_destroyed_domain)
{
    struct port *p = sim_open(HOST "domain web memory=2048\n");
    struct port_sim_domspec spec;
    struct port_domain info, list[4];
    struct port_host h;
    size_t n;
    uint32_t id = 0;

    ck_assert_int_eq(port_sim_destroy_domain(p, 1), 0);
    ck_assert_int_eq(port_sim_destroy_domain(p, 1), PLM_ENOENT);
    ck_assert_int_eq(port_sim_destroy_domain(p, 0), PLM_EINVAL);
    /* Dying: still listed, memory still held, every change refused. */
    ck_assert_int_eq(port_domain_info(p, 1, &info), 0);
    ck_assert(info.dying);
    ck_assert_int_eq(port_list_domains(p, list, 4, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(port_sched_set(p, 1, 100, -1), PLM_ENOENT);
    ck_assert_int_eq(port_vcpus_set(p, 1, 1), PLM_ENOENT);
    ck_assert_int_eq(sim_target(p, 1, 1024), PLM_ENOENT);
    ck_assert_int_eq(port_host_info(p, &h), 0);
    ck_assert_uint_eq(h.free_kib, (8192 - 1024 - 2048) * MIB);
    /* Gone: unknown, and its memory is free. */
    ck_assert_int_eq(port_sim_advance(p, 100), 0);
    ck_assert_int_eq(port_domain_info(p, 1, &info), PLM_ENOENT);
    ck_assert_int_eq(port_list_domains(p, list, 4, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(port_sched_set(p, 1, 100, -1), PLM_ENOENT);
    ck_assert_int_eq(port_host_info(p, &h), 0);
    ck_assert_uint_eq(h.free_kib, (8192 - 1024) * MIB);
    ck_assert_int_eq(sim_dom(p, "web").state, PORT_SIM_GONE);
    ck_assert_uint_eq(sim_dom(p, "web").sched_calls, 2);
    /* A domain of the same name comes back with a new domid. */
    port_sim_domspec_init(&spec, "web", 512 * MIB);
    ck_assert_int_eq(port_sim_create_domain(p, &spec, &id), 0);
    ck_assert_uint_eq(id, 2);
    ck_assert_int_eq(sim_dom(p, "web").state, PORT_SIM_RUNNING);
    ck_assert_uint_eq(sim_domid(p, "web"), 2);
    ck_assert_int_eq(port_sim_create_domain(p, &spec, &id), PLM_EINVAL); /* name in use */
    port_destroy(p);
}
END_TEST

START_TEST(test_create_checks)
{
    struct port *p = sim_open("host pcpus=2 memory=2048 dom0=1024\n");
    struct port_sim_domspec s;

    port_sim_domspec_init(&s, "big", 1025 * MIB);
    s.maxmem_kib = 2048 * MIB;
    ck_assert_int_eq(port_sim_create_domain(p, &s, NULL), PLM_ENOMEM);
    s.maxmem_kib = 4096 * MIB;
    ck_assert_int_eq(port_sim_create_domain(p, &s, NULL), PLM_EINVAL);
    port_sim_domspec_init(&s, "a/b", 64 * MIB);
    ck_assert_int_eq(port_sim_create_domain(p, &s, NULL), PLM_EINVAL);
    port_sim_domspec_init(&s, "Domain-0", 64 * MIB);
    ck_assert_int_eq(port_sim_create_domain(p, &s, NULL), PLM_EINVAL);
    port_sim_domspec_init(&s, "ok", 64 * MIB);
    s.vcpus = 2;
    ck_assert_int_eq(port_sim_create_domain(p, &s, NULL), PLM_EINVAL);
    s.max_vcpus = 2;
    s.cap = 201;
    ck_assert_int_eq(port_sim_create_domain(p, &s, NULL), PLM_EINVAL);
    s.cap = 200;
    ck_assert_int_eq(port_sim_create_domain(p, &s, NULL), 0);
    ck_assert_int_eq(port_sim_create_domain(NULL, &s, NULL), PLM_EINVAL);
    port_destroy(p);
}
END_TEST

/* CPU seconds a domain accumulates over one virtual second. */
static double cpu_per_second(struct port *p, const char *name)
{
    uint64_t before = sim_dom(p, name).info.cpu_time_ns;

    port_sim_advance(p, 1000);
    return (double)(sim_dom(p, name).info.cpu_time_ns - before) / 1e9;
}

START_TEST(test_cpu_time)
{
    struct port *p = sim_open("host pcpus=2 memory=4096 dom0=512\n"
                              "domain a memory=64 cpu=150\n"
                              "domain b memory=64 cpu=150 vcpus=2 cap=50\n");

    /* min(demand, cap, vcpus x 100) */
    ck_assert_double_eq_tol(cpu_per_second(p, "a"), 1.0, 1e-9);
    ck_assert_double_eq_tol(cpu_per_second(p, "b"), 0.5, 1e-9);
    ck_assert_uint_eq(sim_dom(p, "a").cpu_used, 100);
    ck_assert_int_eq(port_sched_set(p, 2, -1, 0), 0);
    ck_assert_double_eq_tol(cpu_per_second(p, "b"), 1.0, 1e-9); /* 2 pCPUs, a has one */
    port_destroy(p);
}
END_TEST

START_TEST(test_cpu_contention)
{
    struct port *p = sim_open("host pcpus=1 memory=4096 dom0=512\n"
                              "domain a memory=64 cpu=100 weight=256\n"
                              "domain b memory=64 cpu=100 weight=768\n");

    /* Oversubscribed: shares by weight ... */
    ck_assert_double_eq_tol(cpu_per_second(p, "a"), 0.25, 1e-6);
    ck_assert_double_eq_tol(cpu_per_second(p, "b"), 0.75, 1e-6);
    /* ... and what one leaves goes to the other (work-conserving). */
    ck_assert_int_eq(port_sim_set_demand(p, 1, 10), 0);
    ck_assert_double_eq_tol(cpu_per_second(p, "a"), 0.10, 1e-6);
    ck_assert_double_eq_tol(cpu_per_second(p, "b"), 0.90, 1e-6);
    ck_assert_int_eq(port_sim_set_demand(p, 0, 10), PLM_ENOENT); /* dom0 is not scripted */
    port_destroy(p);
}
END_TEST

/* libxl_set_vcpuaffinity_all as the simulator takes it: every vcpu up to
 * the count given, each side clamped to the host, NULL left alone. */
START_TEST(test_affinity_set)
{
    struct port *p = sim_open(HOST "domain a memory=64 vcpus=1 maxvcpus=3\n");
    struct plm_cpumap hard, soft, h2, s2;
    char b[PLM_CPUMAP_STRLEN];

    /* Never set: every pCPU, as xl leaves a domain without cpus=. */
    ck_assert_int_eq(port_sim_vcpu_affinity(p, 1, 2, &hard, &soft), 0);
    ck_assert_str_eq(plm_cpumap_format(&hard, b, sizeof(b)), "0-3");
    ck_assert_str_eq(plm_cpumap_format(&soft, b, sizeof(b)), "0-3");
    ck_assert_int_eq(plm_cpumap_parse("1-9", &hard, NULL, 0), 0);
    ck_assert_int_eq(plm_cpumap_parse("2", &soft, NULL, 0), 0);
    ck_assert_int_eq(port_affinity_set(p, 1, 2, &hard, &soft), 0);
    ck_assert_int_eq(port_sim_vcpu_affinity(p, 1, 1, &h2, &s2), 0);
    ck_assert_str_eq(plm_cpumap_format(&h2, b, sizeof(b)), "1-3");
    ck_assert_str_eq(plm_cpumap_format(&s2, b, sizeof(b)), "2");
    /* vcpu 2 was not in the call. */
    ck_assert_int_eq(port_sim_vcpu_affinity(p, 1, 2, &h2, &s2), 0);
    ck_assert_str_eq(plm_cpumap_format(&h2, b, sizeof(b)), "0-3");
    /* Soft alone; hard left as it was. */
    ck_assert_int_eq(port_affinity_set(p, 1, 3, NULL, &hard), 0);
    ck_assert_int_eq(port_sim_vcpu_affinity(p, 1, 0, &h2, &s2), 0);
    ck_assert_str_eq(plm_cpumap_format(&h2, b, sizeof(b)), "1-3");
    ck_assert_str_eq(plm_cpumap_format(&s2, b, sizeof(b)), "1-3");
    /* No pCPU of the host, a vcpu it lacks, a domain it lacks. */
    ck_assert_int_eq(plm_cpumap_parse("4-7", &hard, NULL, 0), 0);
    ck_assert_int_eq(port_affinity_set(p, 1, 3, &hard, NULL), PLM_EINVAL);
    ck_assert_int_eq(port_affinity_set(p, 1, 4, NULL, &soft), PLM_EINVAL);
    ck_assert_int_eq(port_affinity_set(p, 9, 1, NULL, &soft), PLM_ENOENT);
    ck_assert_int_eq(port_sim_vcpu_affinity(p, 1, 3, &h2, &s2), PLM_EINVAL);
    ck_assert_uint_eq(sim_dom(p, "a").affinity_calls, 4); /* the unknown domain is no call of a's */
    ck_assert_uint_eq(sim_stats(p).op[PORT_SIM_OP_AFFINITY_SET].failures, 3);
    port_destroy(p);
}
END_TEST

TCase *sim_tcase_host(void)
{
    TCase *tc = tcase_create("host");

    tcase_add_test(tc, test_list_domains);
    tcase_add_test(tc, test_uuid_from_name);
    tcase_add_loop_test(tc, test_sched_set, 0, (int)(sizeof(scheds) / sizeof(scheds[0])));
    tcase_add_test(tc, test_vcpus_set);
    tcase_add_test(tc, test_affinity_set);
    tcase_add_test(tc, test_destroyed_domain);
    tcase_add_test(tc, test_create_checks);
    tcase_add_test(tc, test_cpu_time);
    tcase_add_test(tc, test_cpu_contention);
    return tc;
}
