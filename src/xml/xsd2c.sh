#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xsd2c.sh SYMBOL NAME FILE: write to stdout a C file that holds FILE as the
# built-in schema SYMBOL (struct px_builtin, src/xml/schemas.h), named
# "built-in NAME" in messages.  Plain sh, awk and sed (no xxd, od or
# ld -b binary), so that the build works wherever the rest does.  The
# schemas are printable ASCII and tabs: any other byte fails the build
# rather than be escaped wrong.
set -eu
sym=$1
name=$2
file=$3
LC_ALL=C
export LC_ALL
tab=$(printf '\t')
awk '/[^\t -~]/ { printf "%s:%d: not printable ASCII\n", FILENAME, NR > "/dev/stderr"; bad = 1 }
END { exit bad }' "$file"
printf '/* Generated from %s by src/xml/xsd2c.sh: do not edit. */\n' "$name"
printf '#include "config.h"\n\n#include "xml/schemas.h"\n\n'
printf 'static const char data[] =\n'
# Backslashes, quotes, question marks (no trigraphs) and tabs escaped; one
# string literal per line, concatenated by the compiler.
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e "s/$tab/\\\\t/g" \
    -e 's/^/    "/' -e 's/$/\\n"/' "$file"
printf '    "";\n\n'
printf 'const struct px_builtin %s = {"built-in %s", data, sizeof(data) - 1};\n' "$sym" "$name"
