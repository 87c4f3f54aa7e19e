#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# In a test domU: run each command dom0 writes to data/xenplm-test/cmd, then
# write its sequence number to data/xenplm-test/ack.  This is the guest side
# of the scenarios until the guest agent takes over.  A command is
#     SEQ write KEY VALUE
# which writes VALUE to KEY, relative to the guest's home
# (/local/domain/<domid>/), as the guest.  VALUE is as xenstore-read shows
# it, and as xenstore-write takes it: \n for a line feed, \x00 for a NUL...
# (so what dom0 writes with xenstore-write reaches the guest unchanged), or
#     SEQ sh COMMAND
# which runs COMMAND with sh -c and puts what it printed (stdout and
# stderr, its first 2000 bytes) in data/xenplm-test/out.
# The outcome is put in data/xenplm-test/result ("ok", or "fail: ...").
base=data/xenplm-test
last=""

xenstore-watch "$base/cmd" | while read -r _path; do
    cmd=$(xenstore-read "$base/cmd" 2>/dev/null) || continue
    seq=${cmd%% *}
    [ "$seq" = "$last" ] && continue
    last=$seq
    rest=${cmd#* }
    op=${rest%% *}
    rest=${rest#* }
    case "$op" in
    write)
        key=${rest%% *}
        if err=$(xenstore-write "$key" "${rest#* }" 2>&1); then
            result=ok
        else
            result="fail: $err"
        fi
        ;;
    sh)
        if sh -c "$rest" >/tmp/guest-cmd.out 2>&1; then
            result=ok
        else
            result="fail: status $?"
        fi
        xenstore-write "$base/out" "$(head -c 2000 /tmp/guest-cmd.out)"
        ;;
    *) result="fail: unknown command $op" ;;
    esac
    xenstore-write "$base/result" "$result"
    xenstore-write "$base/ack" "$seq"
done
