/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Decimal text <-> fixed-point amounts.  Parsing is strict on purpose: the
 * same routine reads operator files and values written by untrusted guests,
 * so it accepts only [0-9]+(\.[0-9]{1,3})? and checks the range digit by
 * digit, before anything can overflow.
 */
#include "config.h"

#include <string.h>

#include "amount.h"
#include "error.h"

int plm_amt_parse_n(const char *s, size_t len, plm_amt_t *amt_out)
{
    plm_amt_t whole = 0, frac = 0;
    size_t i = 0, nfrac = 0;

    if (!s || len == 0)
        return PLM_EGRAMMAR;
    if (s[0] < '0' || s[0] > '9')
        return PLM_EGRAMMAR;

    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        whole = whole * 10 + (s[i] - '0');
        /* PLM_AMT_MAX / PLM_SCALE whole units; stop before overflow. */
        if (whole > PLM_AMT_MAX / PLM_SCALE)
            return PLM_ERANGE;
    }
    if (i < len && s[i] == '.') {
        i++;
        if (i == len || s[i] < '0' || s[i] > '9')
            return PLM_EGRAMMAR;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            if (++nfrac > 3) {
                /* Trailing zeros are harmless ("1.5000"). */
                if (s[i] != '0')
                    return PLM_EPRECISION;
                continue;
            }
            frac = frac * 10 + (s[i] - '0');
        }
    }
    if (i != len)
        return PLM_EGRAMMAR;
    for (; nfrac < 3; nfrac++)
        frac *= 10;

    plm_amt_t v = whole * PLM_SCALE + frac;
    if (v > PLM_AMT_MAX)
        return PLM_ERANGE;
    *amt_out = v;
    return 0;
}

int plm_amt_parse(const char *s, plm_amt_t *amt_out)
{
    if (!s)
        return PLM_EGRAMMAR;
    return plm_amt_parse_n(s, strlen(s), amt_out);
}

char *plm_amt_format(plm_amt_t amt, char buf[PLM_AMT_STRLEN])
{
    char tmp[PLM_AMT_STRLEN];
    size_t n = 0, o = 0;
    /* Work on the magnitude as unsigned so INT64_MIN is representable. */
    uint64_t mag = amt < 0 ? (uint64_t)0 - (uint64_t)amt : (uint64_t)amt;
    uint64_t whole = mag / (uint64_t)PLM_SCALE;
    unsigned frac = (unsigned)(mag % (uint64_t)PLM_SCALE);

    do {
        tmp[n++] = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole);

    if (amt < 0)
        buf[o++] = '-';
    while (n)
        buf[o++] = tmp[--n];
    if (frac) {
        unsigned div = 100;
        buf[o++] = '.';
        while (frac) {
            buf[o++] = (char)('0' + frac / div);
            frac %= div;
            div /= 10;
        }
    }
    buf[o] = '\0';
    return buf;
}
