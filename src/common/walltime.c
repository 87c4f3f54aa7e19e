/* SPDX-License-Identifier: GPL-2.0-only */
/* The local time of day (walltime.h); the one wall-clock read besides the
 * log's time stamps (tests/lint/monotonic.sh). */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "common/walltime.h"
#include "core/error.h"

int64_t plm_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Count years from March, so that a leap day ends its year. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int plm_local_time(int64_t *day, uint32_t *sec)
{
    struct tm tm;
    time_t now = time(NULL);

    if (now == (time_t)-1 || !localtime_r(&now, &tm))
        return PLM_EIO;
    *day = plm_days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                               (unsigned)tm.tm_mday);
    int s = tm.tm_hour * 3600 + tm.tm_min * 60 + (tm.tm_sec > 59 ? 59 : tm.tm_sec);
    *sec = (uint32_t)s;
    return 0;
}

uint64_t plm_wall_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void plm_format_utc(uint64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(buf, len, "%llu ms", (unsigned long long)ms);
}
