/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libxml2's messages in our words.  A schema message quotes the regular
 * expression a value failed, which helps nobody editing a file: say what
 * was expected instead, so that a guest admin and a host admin read errors
 * of the same shape as the loaders' own.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "xml/xmlmsg.h"

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void lower_first(char *s)
{
    /* "The attribute ..." reads as "the attribute ..."; "XML declaration" keeps its case. */
    if (s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' && s[1] <= 'z')
        s[0] = (char)(s[0] - 'A' + 'a');
}

/* The part of a schema message after "element 'x': ", in out. */
static void tidy_body(const struct px_format *fmt, const char *in, char *out, size_t outlen)
{
    static const char pat[] = "[facet 'pattern'] The value '";
    static const char pat_mid[] = "' is not accepted by the pattern '";
    static const char en[] = "[facet 'enumeration'] The value '";
    static const char en_mid[] = "' is not an element of the set {";
    const char *mid;

    if (starts(in, pat) && (mid = strstr(in + sizeof(pat) - 1, pat_mid)) != NULL) {
        const char *v = in + sizeof(pat) - 1, *p = mid + sizeof(pat_mid) - 1;
        size_t plen = strlen(p);
        char pattern[PX_MSG_MAX];
        const char *hint;

        if (plen && p[plen - 1] == '\'')
            plen--;
        snprintf(pattern, sizeof(pattern), "%.*s", (int)plen, p);
        hint = fmt->pattern_hint ? fmt->pattern_hint(pattern) : NULL;
        snprintf(out, outlen, "'%.*s' is not a valid value%s%s%s", (int)(mid - v), v,
                 hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
        return;
    }
    if (starts(in, en) && (mid = strstr(in + sizeof(en) - 1, en_mid)) != NULL) {
        const char *v = in + sizeof(en) - 1, *set = mid + sizeof(en_mid) - 1;
        size_t slen = strlen(set);

        if (slen && set[slen - 1] == '}')
            slen--;
        snprintf(out, outlen, "'%.*s' is not one of %.*s", (int)(mid - v), v, (int)slen, set);
        return;
    }
    /* Quoting a value that is too long helps nobody: say how long it is. */
    if (fmt->max_length_in_words && starts(in, "[facet 'maxLength'] ") &&
        (mid = strstr(in, "' has a length of '")) != NULL) {
        const char *max = strstr(mid, "maximum length of '");
        snprintf(out, outlen, "the value is %.*s characters long, more than %.*s",
                 (int)strcspn(mid + 19, "'"), mid + 19, max ? (int)strcspn(max + 19, "'") : 1,
                 max ? max + 19 : "?");
        return;
    }
    if (starts(in, "[facet '") && strstr(in, "] "))
        in = strstr(in, "] ") + 2;
    snprintf(out, outlen, "%s", in);
    lower_first(out);
}

void px_tidy_message(const struct px_format *fmt, const char *in, char *out, size_t outlen)
{
    char line[PX_MSG_MAX], body[PX_MSG_MAX];
    size_t n = 0, plen = 0;

    for (; in && in[n] && n + 1 < sizeof(line); n++)
        line[n] = (in[n] == '\n' || in[n] == '\r' || in[n] == '\t') ? ' ' : in[n];
    if (fmt->trim_every_stop) {
        while (n && (line[n - 1] == ' ' || line[n - 1] == '.'))
            n--;
    } else {
        while (n && line[n - 1] == ' ')
            n--;
        if (n && line[n - 1] == '.')
            n--;
    }
    line[n] = '\0';
    if (starts(line, "Element '")) {
        const char *end = strstr(line + 9, "': ");
        if (end) {
            line[0] = 'e';
            plen = (size_t)(end + 3 - line);
        }
    }
    tidy_body(fmt, line + plen, body, sizeof(body));
    /* Prefix and body each fit; together they may not, and are cut short. */
    snprintf(out, outlen, "%.*s%s", (int)plen, line, body);
}
