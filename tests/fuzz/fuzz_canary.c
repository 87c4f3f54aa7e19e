/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fuzz runner's own test (tests/fuzz/fuzz.sh selftest): a target with
 * one planted defect per kind of finding the runner must fail on.  Each
 * input below, given as a seed, must make `fuzz.sh run` fail and print a
 * reproducer; any other input is harmless, so a clean seed must pass.
 *
 *   "overflow"  a heap buffer overflow (AddressSanitizer)
 *   "leak"      a leak (LeakSanitizer)
 *   "ub"        a signed integer overflow (UndefinedBehaviorSanitizer)
 *   "abort"     abort(), what the other targets do when a check fails
 *   "hang"      a loop with no end (libFuzzer's -timeout)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is(const uint8_t *data, size_t size, const char *word)
{
    return size == strlen(word) && memcmp(data, word, size) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    volatile int big = INT32_MAX;

    if (is(data, size, "overflow")) {
        char *p = malloc(size);

        if (!p)
            abort();
        memcpy(p, data, size + 1);
        big = p[0]; /* used, so that the copy is not optimised away */
        free(p);
    } else if (is(data, size, "leak")) {
        char *volatile lost = malloc(64);

        if (lost)
            lost[0] = 1;
    } else if (is(data, size, "ub")) {
        big = big + (int)size;
    } else if (is(data, size, "abort")) {
        abort();
    } else if (is(data, size, "hang")) {
        for (volatile unsigned i = 0;; i++)
            big = (int)(i & 1);
    }
    return 0;
}
