# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# Helpers shared by the host-side scripts of the real-Xen rig (tests/xen/).
# Sourced, never run.  Each script sets `me` to its name before sourcing.
: "${me:=tests/xen}"

# Where downloaded .debs and their unpacked trees are kept between runs.
xen_cache_dir() {
    if [ -n "${XENPLM_XEN_CACHE:-}" ]; then
        printf '%s\n' "$XENPLM_XEN_CACHE"
    else
        printf '%s/xenplm-xen\n' "${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}"
    fi
}

msg() {
    printf '%s: %s\n' "$me" "$*" >&2
}

die() {
    msg "error: $*"
    exit 1
}

# skip REASON: the rig cannot run here; 77 is automake's "skipped".
skip() {
    msg "SKIP: $*"
    exit 77
}

# now: seconds since the epoch, with a fraction.
now() {
    date +%s.%N
}

# elapsed SINCE: seconds from SINCE (a `now` value) to now, 0.1 s precision.
elapsed() {
    awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f\n", b - a }'
}

# progress TEXT: one line of the rig's progress on the console, with the
# seconds since the rig started (XENPLM_RIG_T0, a `now` value, set by the
# first script that prints one), on stderr and, when file descriptor 9 is
# open, there too.  `make check` captures a test's stdout and stderr into
# its .log, so the Makefile hands the console over as descriptor 9
# (AM_TESTS_FD_REDIRECT = 9>&2); under `make check-xen` stderr is the
# console already.
progress() {
    : "${XENPLM_RIG_T0:=$(now)}"
    export XENPLM_RIG_T0
    p_line=$(printf 'xen rig%s [%6s s] %s' "${XENPLM_XEN_ROW:+ $XENPLM_XEN_ROW}" \
        "$(elapsed "$XENPLM_RIG_T0")" "$*")
    printf '%s\n' "$p_line" >&2
    if { true >&9; } 2>/dev/null; then
        printf '%s\n' "$p_line" >&9
    fi
}

# serial_text LOG OUT: the serial log LOG as text into OUT: carriage
# returns dropped, and each line of dom0's that a message of Xen's own
# ("(XEN) ...", a line of its own, or more, found right after a character
# of dom0's that is not a blank: dom0 quotes Xen's lines after "| ", as
# from xl dmesg) cut in two joined again.  dom0 and Xen
# share the console, and Xen's line can land inside one of dom0's (seen
# once: "(XEN) uart interrupt taking more than 4ms, switched to polling"
# inside a metrics line).  Xen's message stays, on a line of its own;
# each join is said on the console (progress).
serial_text() {
    tr -d '\r' <"$1" | awk -v notes="$2.joined" '
        held != "" && index($0, "(XEN) ") == 1 { print; next }
        held != "" { print held $0; held = ""; next }
        { i = index($0, "(XEN) ") }
        i > 1 && substr($0, i - 1, 1) != " " {
            held = substr($0, 1, i - 1)
            print substr($0, i)
            printf "a message of Xen cut a line of dom0 in two on the console; joined again: %.60s\n", held >notes
            next
        }
        { print }
        END { if (held != "") print held }' >"$2"
    if [ -s "$2.joined" ]; then
        while IFS= read -r st_line; do progress "$st_line"; done <"$2.joined"
    fi
    rm -f "$2.joined"
}

# serial_tap FILE PREFIX: hand each TAP result that dom0 printed in FILE
# (its serial log, carriage returns taken out) to the caller's
# `result ok|"not ok" DESC`, DESC behind PREFIX; a bail-out is a failed
# result, TAP comments are printed as they are.  Sets dom0_results to the
# number of results, and dom0_plan to dom0's last plan line's count.
serial_tap() {
    # shellcheck disable=SC2034 # for the caller
    dom0_plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$1" | tail -n 1)
    dom0_results=0
    while IFS= read -r st_line; do
        case "$st_line" in
        "ok "[0-9]* | "not ok "[0-9]*)
            dom0_results=$((dom0_results + 1))
            st_status=ok
            case "$st_line" in "not ok"*) st_status="not ok" ;; esac
            result "$st_status" "$2$(printf '%s\n' "$st_line" | sed 's/^\(not \)*ok [0-9]* *-* *//')"
            ;;
        "Bail out!"*) result "not ok" "${2}dom0: ${st_line#Bail out! }" ;;
        "# "*) printf '%s\n' "$st_line" ;; # as it is: echo would expand backslashes
        esac
    done <"$1"
}

# --- the two-host rig's etcd watches (rig2.sh, rig2-tap.sh) -----------------
# rig2.sh stamps each line `etcdctl watch` prints ("PUT" or "DELETE", the
# key, then a PUT's value, line by line) with the host's clock in front.
#
# order_events FILE: from such a watch of the pool's orders, one line an
# event, the domain by name:
#   SECONDS order NAME REASON FROM TO   (the order written)
#   SECONDS state NAME STATE [WHY]      (its state written)
#   SECONDS delete NAME                 (the order deleted)
order_events() {
    awk '{ t = $1; sub(/^[^ ]* /, "") }
        $0 == "PUT" || $0 == "DELETE" { ev = $0; want = 1; next }
        want {
            want = 0
            n = split($0, p, "/")
            u = p[6]
            st = (n == 7 && p[7] == "state")
            if (ev == "DELETE" && !st)
                print t, "delete", (u in nm ? nm[u] : u)
            next
        }
        ev != "PUT" { next }
        !st && $1 == "name" { nm[u] = $2 }
        !st && $1 == "from" { from[u] = $2 }
        !st && $1 == "to" { to[u] = $2 }
        !st && $1 == "reason" { print t, "order", nm[u], $2, from[u], to[u] }
        st && $1 == "state" { $1 = ""; print t, "state", (u in nm ? nm[u] : u) $0 }' "$1" 2>/dev/null
}

# leader_events FILE: from such a watch of the pool's election, one line
# an event: "SECONDS put KEY HOST" (a candidate's key and its host) or
# "SECONDS delete KEY".
leader_events() {
    awk '{ t = $1; sub(/^[^ ]* /, "") }
        $0 == "PUT" || $0 == "DELETE" { ev = $0; want = 1; next }
        want { want = 0; key = $0; if (ev == "DELETE") print t, "delete", key; next }
        ev == "PUT" { print t, "put", key, $0; ev = "" }' "$1" 2>/dev/null
}
