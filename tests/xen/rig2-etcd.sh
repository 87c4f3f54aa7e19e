# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# etcd for the two-host rig's pool scenario (tests/xen/rig2.sh --pool):
# one etcd member on the host's loopback, reached from both dom0s through
# QEMU.  Sourced by rig2.sh, never run.
#
#   rig2_etcd_pki DIR        a throw-away CA, etcd's server certificate
#                            (for 127.0.0.1 and 10.0.2.100; a client's
#                            too: etcd's JSON gateway calls etcd with it)
#                            and client
#                            certificates for xen-a, xen-b and the host's
#                            etcdctl (host), in DIR (EC P-256: cheap
#                            handshakes under TCG)
#   rig2_etcd_start DIR PKI  etcd on 127.0.0.1:<free port>, TLS only, with
#                            client certificates required; sets
#                            RIG2_ETCD_PORT and RIG2_ETCD_PID
#   rig2_etcd_relay FILE BUSYBOX LOG
#                            FILE: the program QEMU runs for each
#                            connection a dom0 opens to 10.0.2.100:2379
#                            (busybox nc to etcd's port); each
#                            connection's start and end go to LOG
#   rig2_etcd_qemu_args MAC FILE
#                            QEMU's arguments for a dom0's second NIC:
#                            user-mode networking, restrict=on, and
#                            guestfwd to FILE
#   rig2_etcdctl ARGS...     etcdctl against it, as "host"
#   rig2_etcdctl_exec ARGS...  the same in place of the (sub)shell
#   rig2_etcd_stop
#
# Why this way: the issue allows etcd on the host's loopback reached
# through QEMU, with nothing sent anywhere but to the host's loopback.
# QEMU's user-mode network with restrict=on lets a dom0 reach nothing
# outside, and its guestfwd rule (the one exception restrict=on keeps)
# hands each TCP connection to 10.0.2.100:2379 to a program of ours
# (the -cmd: form runs one per connection, so the daemon's connections
# may overlap; the -chardev form would carry one connection only), which
# connects to etcd on 127.0.0.1.  The daemon refuses plain http but to
# loopback, and 10.0.2.100 is not one: the dom0s speak TLS to etcd with
# client certificates, as an operator's hosts would.

# rig2_etcd_pki DIR
rig2_etcd_pki() {
    _d=$1
    mkdir -p "$_d"
    _ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    # shellcheck disable=SC2086 # $_ec: split on purpose
    openssl req -x509 $_ec -keyout "$_d/ca.key" -out "$_d/ca.crt" -days 2 \
        -subj "/CN=xenplm rig2 throw-away CA" 2>"$_d/openssl.log" || return 1
    printf 'subjectAltName=IP:127.0.0.1,IP:10.0.2.100\nextendedKeyUsage=serverAuth,clientAuth\n' >"$_d/server.ext"
    printf 'extendedKeyUsage=clientAuth\n' >"$_d/client.ext"
    for _n in etcd xen-a xen-b host; do
        _ext=client.ext
        [ "$_n" = etcd ] && _ext=server.ext
        # shellcheck disable=SC2086
        openssl req $_ec -keyout "$_d/$_n.key" -out "$_d/$_n.csr" -subj "/CN=$_n" \
            2>>"$_d/openssl.log" &&
            openssl x509 -req -in "$_d/$_n.csr" -CA "$_d/ca.crt" -CAkey "$_d/ca.key" \
                -CAcreateserial -days 2 -extfile "$_d/$_ext" -out "$_d/$_n.crt" \
                2>>"$_d/openssl.log" || return 1
        rm -f "$_d/$_n.csr"
    done
    chmod 644 "$_d"/*.key
}

# rig2_etcdctl ARGS...; rig2_etcdctl_exec ARGS... replaces the shell
# (a subshell's) with it, so that the subshell's pid is etcdctl's.
rig2_etcdctl() {
    (rig2_etcdctl_exec "$@")
}
rig2_etcdctl_exec() {
    exec etcdctl --endpoints="https://127.0.0.1:$RIG2_ETCD_PORT" --cacert="$RIG2_PKI/ca.crt" \
        --cert="$RIG2_PKI/host.crt" --key="$RIG2_PKI/host.key" \
        --dial-timeout=2s --command-timeout=5s "$@"
}

# rig2_etcd_start DIR PKI
rig2_etcd_start() {
    RIG2_PKI=$2
    # shellcheck disable=SC2046
    set -- "$1" $(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))
for x in s:
    x.close()')
    RIG2_ETCD_PORT=$2
    mkdir -p "$1"
    etcd --name rig2 --data-dir "$1/data" \
        --listen-client-urls "https://127.0.0.1:$2" \
        --advertise-client-urls "https://127.0.0.1:$2" \
        --listen-peer-urls "http://127.0.0.1:$3" \
        --initial-advertise-peer-urls "http://127.0.0.1:$3" \
        --initial-cluster "rig2=http://127.0.0.1:$3" --initial-cluster-state new \
        --cert-file "$RIG2_PKI/etcd.crt" --key-file "$RIG2_PKI/etcd.key" \
        --trusted-ca-file "$RIG2_PKI/ca.crt" --client-cert-auth \
        </dev/null >"$1/etcd.log" 2>&1 &
    RIG2_ETCD_PID=$!
    _i=0
    while [ $_i -lt 100 ]; do
        kill -0 "$RIG2_ETCD_PID" 2>/dev/null || return 1
        rig2_etcdctl endpoint health >/dev/null 2>&1 && return 0
        sleep 0.2
        _i=$((_i + 1))
    done
    return 1
}

rig2_etcd_stop() {
    [ -n "${RIG2_ETCD_PID:-}" ] || return 0
    kill "$RIG2_ETCD_PID" 2>/dev/null
    # Its status is 143 (TERM): no failure, under set -e either.
    wait "$RIG2_ETCD_PID" 2>/dev/null || :
    RIG2_ETCD_PID=
}

# rig2_etcd_relay FILE BUSYBOX LOG
rig2_etcd_relay() {
    {
        printf '#!/bin/sh\n# One dom0 connection to 10.0.2.100:2379 (QEMU guestfwd), to etcd;\n'
        printf '# its start and end, by the host'"'"'s clock, in %s.\n' "$3"
        printf 'echo "$(date +%%s.%%N) $$ open" >>%s\n' "$3"
        printf '%s nc 127.0.0.1 %s\n' "$2" "$RIG2_ETCD_PORT"
        printf 'echo "$(date +%%s.%%N) $$ closed $?" >>%s\n' "$3"
    } >"$1"
    chmod 755 "$1"
}

# rig2_etcd_qemu_args MAC FILE: no blank inside an argument (boot.sh
# splits XENPLM_XEN_QEMU_ARGS on blanks), no comma in FILE.
rig2_etcd_qemu_args() {
    echo "-netdev user,id=etcd,restrict=on,net=10.0.2.0/24,guestfwd=tcp:10.0.2.100:2379-cmd:$2" \
        "-device ${XENPLM_XEN2_NIC:-virtio-net-pci},netdev=etcd,mac=$1"
}
