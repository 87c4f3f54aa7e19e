/* SPDX-License-Identifier: GPL-2.0-only */
#include "config.h"

#include <time.h>

#include "common/clock.h"

uint64_t plm_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
