# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# What the build matrix's tests share (tests/matrix/deb13.sh and
# tests/xen/rig-4.20.sh): whether a row runs, and what a row that cannot run
# says.  Sourced, never run; the caller sets `me` first.
#
# `make check` runs one row, Debian 12 (the host), unless asked for more:
#   XENPLM_MATRIX=all          every row: Debian 13 and the Xen 4.20 rig too
#   XENPLM_MATRIX="deb13 ..."  the rows named (deb13, xen4.20)
#   XENPLM_MATRIX=none         the host's row alone, even under CI
#   unset                      every row when CI=true, the host's alone else
# A row that cannot run here (no debootstrap, the mirror out of reach, not
# root...) is a TAP skip with the reason, or a failure under CI=true or
# XENPLM_MATRIX_REQUIRE=1.
: "${me:=tests/matrix}"

# matrix_wants ROW: whether ROW is asked for.
matrix_wants() {
    case " ${XENPLM_MATRIX-unset} " in
    " unset ") [ "${CI:-}" = true ] ;;
    *" none "*) return 1 ;;
    *" all "* | *" $1 "*) return 0 ;;
    *) return 1 ;;
    esac
}

# matrix_required: whether a row that cannot run is a failure.
matrix_required() {
    [ "${CI:-}" = true ] || [ "${XENPLM_MATRIX_REQUIRE:-0}" = 1 ]
}

# matrix_skip_default ROW WHAT: the TAP skip of a row not asked for.
matrix_skip_default() {
    echo "1..0 # SKIP one matrix row (Debian 12) by default: XENPLM_MATRIX=all runs $2 too"
    exit 0
}

# matrix_cannot REASON: this row cannot run here: a skip, or a failure when
# required.  Exits.
matrix_cannot() {
    if matrix_required; then
        echo "Bail out! $1 (and CI=true or XENPLM_MATRIX_REQUIRE=1)"
        printf '%s: %s (a failure: CI=true or XENPLM_MATRIX_REQUIRE=1)\n' "$me" "$1" >&2
        exit 1
    fi
    echo "1..0 # SKIP $1"
    exit 0
}
