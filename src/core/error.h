/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One error space for the whole project: functions return 0 on success or
 * one of these negative codes.  plm_strerror gives the text shown to
 * operators and reported back to guests.
 */
#ifndef XENPLM_CORE_ERROR_H
#define XENPLM_CORE_ERROR_H

enum plm_error {
    PLM_OK = 0,
    PLM_EINVAL = -1,     /* an argument outside its documented domain */
    PLM_EGRAMMAR = -2,   /* text that does not follow its grammar */
    PLM_ERANGE = -3,     /* a number too large or out of bounds */
    PLM_EPRECISION = -4, /* more fractional digits than an amount holds */
    PLM_ETOOMANY = -5,   /* more items than allowed (levels, domains) */
    PLM_ENOMEM = -6,     /* out of memory */
    PLM_EIO = -7,        /* an I/O error, errno holds the detail */
    PLM_ENOENT = -8,     /* no such item */
    PLM_EEXIST = -9,     /* already there (a watch registered twice) */
};

/* A short, static, human-readable description of a code. */
const char *plm_strerror(int rc);

#endif
