/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Time windows: reading "mon-fri" and "08:00", and telling whether a goal
 * is active at a given local time.  Pure: no clock, no libxml2.
 *
 * A window runs on each of its days from "from" to "to" (exclusive).
 * When "to" is earlier than "from" it runs past midnight into the next
 * day, and the day it belongs to is the day it starts: "fri 22:00-06:00"
 * covers Friday night and Saturday until six.  from == to is the whole of
 * each day.
 */
#include "config.h"

#include <string.h>

#include "guest-agent/goals_int.h"

static const char *const day_names[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

/* The weekday whose name is the len bytes at s, or -1. */
static int day_index(const char *s, size_t len)
{
    for (int d = 0; d < 7; d++)
        if (len == 3 && strncmp(s, day_names[d], 3) == 0)
            return d;
    return -1;
}

/*
 * "daily", or a comma-separated list of days and ranges of days:
 * "mon-fri", "sat,sun", "mon,wed-fri", "fri-mon" (a range may wrap
 * around the end of the week).
 */
int goals_days_parse(const char *s, uint8_t *days_out)
{
    uint8_t days = 0;

    if (strcmp(s, "daily") == 0) {
        *days_out = 0x7f;
        return 0;
    }
    for (;;) {
        size_t item = strcspn(s, ",");
        const char *dash = memchr(s, '-', item);
        int first = day_index(s, dash ? (size_t)(dash - s) : item);
        int last = dash ? day_index(dash + 1, item - (size_t)(dash + 1 - s)) : first;

        if (first < 0 || last < 0)
            return -1;
        for (int d = first;; d = (d + 1) % 7) {
            days |= (uint8_t)(1u << d);
            if (d == last)
                break;
        }
        if (s[item] == '\0')
            break;
        s += item + 1;
    }
    *days_out = days;
    return 0;
}

/* "HH:MM", 00:00 to 23:59, as minutes after midnight. */
int goals_time_parse(const char *s, uint16_t *min_out)
{
    for (int i = 0; i < 5; i++)
        if (i == 2 ? s[i] != ':' : (s[i] < '0' || s[i] > '9'))
            return -1;
    if (s[5] != '\0')
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59)
        return -1;
    *min_out = (uint16_t)(h * 60 + m);
    return 0;
}

static bool on_day(const struct agent_window *w, int wday)
{
    return (w->days >> wday) & 1u;
}

static bool window_covers(const struct agent_window *w, int wday, int minute)
{
    if (w->from_min == w->to_min)
        return on_day(w, wday);
    if (w->from_min < w->to_min)
        return on_day(w, wday) && minute >= w->from_min && minute < w->to_min;
    /* Past midnight: the evening of a listed day, or the morning after one. */
    return (on_day(w, wday) && minute >= w->from_min) ||
           (on_day(w, (wday + 6) % 7) && minute < w->to_min);
}

bool agent_goal_active(const struct agent_goal *g, const struct tm *now)
{
    if (g->nwindows == 0)
        return true;
    /*
     * A time we cannot place counts as inside: a goal the admin set stays
     * in force rather than vanish on a bad clock reading.
     */
    if (!now || now->tm_wday < 0 || now->tm_wday > 6 || now->tm_hour < 0 || now->tm_hour > 23 ||
        now->tm_min < 0 || now->tm_min > 59)
        return true;
    int minute = now->tm_hour * 60 + now->tm_min;
    for (unsigned i = 0; i < g->nwindows && i < AGENT_MAX_WINDOWS; i++)
        if (window_covers(&g->window[i], now->tm_wday, minute))
            return true;
    return false;
}
