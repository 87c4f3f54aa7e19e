/* SPDX-License-Identifier: GPL-2.0-only */
#include "config.h"

#include "error.h"

const char *plm_strerror(int rc)
{
    switch (rc) {
    case PLM_OK:
        return "success";
    case PLM_EINVAL:
        return "invalid argument";
    case PLM_EGRAMMAR:
        return "not well-formed";
    case PLM_ERANGE:
        return "number out of range";
    case PLM_EPRECISION:
        return "more than three decimal places";
    case PLM_ETOOMANY:
        return "too many items";
    case PLM_ENOMEM:
        return "out of memory";
    case PLM_EIO:
        return "input/output error";
    case PLM_ENOENT:
        return "no such item";
    case PLM_EEXIST:
        return "already exists";
    }
    return "unknown error";
}
