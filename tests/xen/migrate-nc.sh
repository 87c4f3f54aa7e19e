#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xl's migration transport on the two-host rig (tests/xen/rig2.sh): TEST
# RIG ONLY.  In dom0 A, `xl migrate -s /xenplm/migrate-nc.sh DOMAIN HOST`
# has sh run
#     exec /xenplm/migrate-nc.sh HOST xl [-t] [-v...] migrate-receive [OPTIONS]
# with xl's end of the migration stream on stdin and stdout, where ssh
# would be.  The busybox dom0 has no ssh: this connects, with busybox nc,
# to HOST's port XENPLM_MIGRATE_PORT (default 8002), where
# migrate-listen.sh runs `xl migrate-receive` on the other end.  Nothing
# authenticates either side: HOST is the other dom0 on the virtual link
# that exists only between the rig's two QEMUs (QEMU's socket network
# backend on the host's loopback), never a real network.
#
# The listener always runs plain `xl migrate-receive`: the receiving xl
# stays in the background and watches the domain, as after `xl migrate`
# without -e.  So the options that would change what the receiver does
# (-e, -p, -d...) are refused here rather than dropped; -t, -T and -v
# only change what it logs.
me=migrate-nc.sh
[ $# -ge 3 ] || { echo "$me: usage: $me HOST xl [XL-OPTIONS] migrate-receive [OPTIONS]" >&2; exit 2; }
host=$1
shift
[ "$1" = xl ] || { echo "$me: the remote command must be xl, not $1" >&2; exit 2; }
shift
receive=no
for a in "$@"; do
    case "$a" in
    -t | -T | -v | -vv | -vvv | -vvvv) ;;
    migrate-receive) receive=yes ;;
    *)
        echo "$me: the rig's listener runs plain xl migrate-receive; refusing $a" >&2
        exit 2
        ;;
    esac
done
[ $receive = yes ] || { echo "$me: the remote command is not xl migrate-receive" >&2; exit 2; }
# HOST may be a name (the pool scenario's orders give the destination's
# name in the pool): looked up in /etc/hosts here, as busybox's nc,
# statically linked, may not.
addr=$(awk -v h="$host" '$1 !~ /^#/ { for (i = 2; i <= NF; i++) if ($i == h) { print $1; exit } }' \
    /etc/hosts 2>/dev/null)
exec nc -w 10 "${addr:-$host}" "${XENPLM_MIGRATE_PORT:-8002}"
