#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Debian chroots for the build matrix and the package tests: a minimal
# system of one release with a given package set, made once with
# debootstrap and kept as a tarball in the cache, then unpacked fresh for
# each use.
#
#   tests/matrix/chroot.sh make RELEASE DIR [PACKAGE...]
#       DIR becomes a fresh chroot of RELEASE (bookworm, trixie) with the
#       packages installed (no recommends), its apt lists current.
#   tests/matrix/chroot.sh run DIR COMMAND [ARG...]
#       runs COMMAND inside DIR as root, with /proc, /sys, /dev, /dev/pts
#       and a tmpfs /dev/shm mounted for the time of the command, a clean
#       environment (PATH, HOME=/root, LANG=C.UTF-8, TERM=dumb) and apt
#       non-interactive.  Its exit status is COMMAND's.
#   tests/matrix/chroot.sh remove DIR
#       unmounts whatever is left mounted under DIR and deletes it.
#
# Environment: XENPLM_CHROOT_CACHE (default $XDG_CACHE_HOME/xenplm-chroot,
# or ~/.cache/xenplm-chroot), XENPLM_DEBIAN_MIRROR (default
# http://deb.debian.org/debian; security updates come from the matching
# debian-security).  A cached tarball older than a week is made again, so
# that its package lists do not go stale.
#
# Exits 77, saying why, where a chroot cannot be made here: not root, no
# debootstrap or no script of it for RELEASE, no keyring, the mirror out
# of reach.  Callers turn that into a failure under CI.
set -eu

me=tests/matrix/chroot.sh

msg() { printf '%s: %s\n' "$me" "$*" >&2; }
die() {
    msg "error: $*"
    exit 1
}
skip() {
    msg "SKIP: $*"
    exit 77
}

cache_dir() {
    if [ -n "${XENPLM_CHROOT_CACHE:-}" ]; then
        printf '%s\n' "$XENPLM_CHROOT_CACHE"
    else
        printf '%s/xenplm-chroot\n' "${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}"
    fi
}

mirror=${XENPLM_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# The mounts a command inside needs; unmounted innermost first.
mounts="proc sys dev dev/pts dev/shm"

unmount_all() {
    root=$1
    for m in dev/shm dev/pts dev sys proc; do
        if mountpoint -q "$root/$m" 2>/dev/null; then
            umount "$root/$m" 2>/dev/null || umount -l "$root/$m" 2>/dev/null || true
        fi
    done
}

mount_all() {
    root=$1
    for m in $mounts; do
        mkdir -p "$root/$m"
    done
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    mount --bind /dev "$root/dev"
    mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" 2>/dev/null ||
        mount --bind /dev/pts "$root/dev/pts"
    mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
}

# inside DIR COMMAND...: run COMMAND in DIR with the mounts, then unmount.
inside() {
    root=$1
    shift
    mount_all "$root"
    rc=0
    chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive \
        ${CI:+CI="$CI"} "$@" || rc=$?
    unmount_all "$root"
    return "$rc"
}

# sources RELEASE: the apt sources of a chroot of RELEASE.
sources() {
    printf 'deb %s %s main\n' "$mirror" "$1"
    printf 'deb %s %s-updates main\n' "$mirror" "$1"
    printf 'deb %s %s-security main\n' "${mirror%/debian}/debian-security" "$1"
}

check_can() {
    release=$1
    [ "$(id -u)" -eq 0 ] || skip "making a chroot needs root"
    command -v debootstrap >/dev/null 2>&1 ||
        skip "debootstrap is not installed (scripts/install-deps --matrix)"
    [ -e "/usr/share/debootstrap/scripts/$release" ] ||
        skip "this debootstrap has no script for $release"
    [ -e "/usr/share/keyrings/debian-archive-$release-stable.gpg" ] ||
        [ -e /usr/share/keyrings/debian-archive-keyring.gpg ] ||
        skip "no Debian archive keyring (apt-get install debian-archive-keyring)"
}

# make_base RELEASE TARBALL PACKAGES: debootstrap, install, pack.
make_base() {
    release=$1
    tarball=$2
    shift 2
    work=$(mktemp -d "$(dirname "$tarball")/.make.XXXXXX")
    trap 'unmount_all "$work/root"; rm -rf "$work"' EXIT INT TERM
    msg "debootstrap $release from $mirror (once; later runs use $tarball)"
    if ! debootstrap --variant=minbase "$release" "$work/root" "$mirror" >"$work/log" 2>&1; then
        tail -n 5 "$work/log" >&2
        if grep -q -e 'Failed getting release file' -e 'Couldn.t download' -e 'Could not resolve' \
            "$work/log"; then
            skip "debootstrap could not reach $mirror"
        fi
        die "debootstrap $release failed (log above)"
    fi
    sources "$release" >"$work/root/etc/apt/sources.list"
    # Keep what apt downloads out of the tarball; policy-rc.d stops
    # maintainer scripts from starting services inside the chroot.
    printf '#!/bin/sh\nexit 101\n' >"$work/root/usr/sbin/policy-rc.d"
    chmod 755 "$work/root/usr/sbin/policy-rc.d"
    if ! inside "$work/root" sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends "$@" && apt-get clean' \
        sh "$@" >"$work/log" 2>&1; then
        tail -n 20 "$work/log" >&2
        die "installing packages into the $release chroot failed (log above)"
    fi
    tar -C "$work/root" --numeric-owner -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    unmount_all "$work/root"
    rm -rf "$work"
    trap - EXIT INT TERM
}

cmd_make() {
    [ $# -ge 2 ] || die "usage: $me make RELEASE DIR [PACKAGE...]"
    release=$1
    dir=$2
    shift 2
    check_can "$release"
    cache=$(cache_dir)
    mkdir -p "$cache" || die "cannot create the cache $cache"
    key=$(printf '%s\n' "$mirror" "$@" | sort | cksum | cut -d' ' -f1)
    tarball="$cache/$release-$key.tar"
    if [ -f "$tarball" ] && [ -n "$(find "$tarball" -mtime +7)" ]; then
        msg "$tarball is older than a week: making it again"
        rm -f "$tarball"
    fi
    [ -f "$tarball" ] || make_base "$release" "$tarball" "$@"
    unmount_all "$dir"
    rm -rf "$dir"
    mkdir -p "$dir"
    tar -C "$dir" --numeric-owner -xf "$tarball"
}

cmd_run() {
    [ $# -ge 2 ] || die "usage: $me run DIR COMMAND [ARG...]"
    dir=$1
    shift
    [ -x "$dir/bin/sh" ] || die "$dir is not a chroot (no /bin/sh)"
    [ "$(id -u)" -eq 0 ] || skip "entering a chroot needs root"
    trap 'unmount_all "$dir"' EXIT INT TERM
    inside "$dir" "$@"
}

cmd_remove() {
    [ $# -eq 1 ] || die "usage: $me remove DIR"
    [ -d "$1" ] || exit 0
    unmount_all "$1"
    rm -rf "$1"
}

[ $# -ge 1 ] || die "usage: $me make|run|remove ..."
verb=$1
shift
case "$verb" in
make) cmd_make "$@" ;;
run) cmd_run "$@" ;;
remove) cmd_remove "$@" ;;
*) die "unknown verb $verb (make, run, remove)" ;;
esac
