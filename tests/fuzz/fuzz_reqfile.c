/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for request files, the input of `xenplm arbitrate`
 * (cli/reqfile.c).  Built and run by tests/fuzz/fuzz.sh (`make fuzz`).
 *
 * A parse that succeeds must hold what reqfile.h promises: at least one
 * domain, each found again by its name, with 1..PLM_MAX_LEVELS levels and
 * positive line numbers; an error must name a message.  A violation aborts,
 * which libFuzzer reports as a crash with its input.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/reqfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct plm_reqfile f;
    char msg[PLM_REQFILE_MSG_MAX];
    size_t line = 0, idx;
    int rc;

    plm_reqfile_init(&f);
    msg[0] = '\0';
    rc = plm_reqfile_parse(&f, (const char *)data, size, &line, msg, sizeof(msg));
    if (rc != 0) {
        if (rc > 0 || msg[0] == '\0')
            abort();
    } else {
        if (f.n == 0)
            abort();
        for (size_t i = 0; i < f.n; i++) {
            const char *name = plm_reqfile_name(&f, i);
            size_t nlen = strlen(name);

            if (nlen == 0 || nlen > PLM_REQFILE_NAME_MAX)
                abort();
            if (plm_reqfile_find(&f, name, &idx) != 0 || idx != i)
                abort();
            if (f.req[i].nlevels > PLM_MAX_LEVELS || f.line[i] == 0)
                abort();
        }
    }
    plm_reqfile_dispose(&f);
    return 0;
}
