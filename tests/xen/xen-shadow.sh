#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
# The two-host rig's hypervisor: Xen 4.17 built from Debian's source with
# shadow paging, which Debian's own build leaves out.
#
# Why: a live migration tracks the pages the guest dirties (log-dirty
# paging).  For a PV guest Xen does that with shadow paging; for a PVH or
# HVM guest with HAP, which under TCG is QEMU's emulated SVM.  Debian's
# Xen 4.17 and 4.20 are built without CONFIG_SHADOW_PAGING ("Failed to
# enable logdirty: 95" for a PV guest), so the rig migrated PVH guests,
# and under QEMU 7.2's emulated SVM those crashed in about half of its
# runs (triple faults, a lost GS base, a hung dom0; QEMU 10.0 from
# bookworm-backports booted no PVH guest in two tries).  A PV guest runs on TCG
# without nested SVM, as every guest of the single-host rig does.  Only the
# hypervisor is rebuilt: dom0's kernel and the toolstack (xl, libxl,
# libxenctrl) stay Debian's packages, as fetch.sh stages them.  The
# hypercall interfaces are fixed within a release line, so a 4.17
# hypervisor runs the 4.17 toolstack.
#
# The source is the orig tarball of Debian's xen package in bookworm's
# main archive, pinned with its SHA-256 in tests/xen/versions
# (XEN_SHADOW_SOURCE, XEN_SHADOW_SHA256): the security archive's newer
# source is not always reachable from the mirror, and the hypervisor's
# version does not need to match the tools' to the patch level.  The
# configuration is Debian's own (the .config its package ships, from
# fetch.sh's staging tree STAGE), with CONFIG_SHADOW_PAGING=y.
#
#     tests/xen/xen-shadow.sh STAGE
#
# Prints the path of the gzipped hypervisor, cached in the rig's cache
# (~/.cache/xenplm-xen/xen-shadow-VERSION-KEY/xen.gz, KEY from the config)
# after the first build: about 3 minutes on 2 cores, 7 under load.  Needs
# curl (or wget), xz, make, gcc, flex, bison and python3
# (scripts/install-deps --xen-rig).  Exits 77, saying why, when the source
# cannot be had or a tool is missing; 1 when the build fails.
set -eu

me=xen-shadow.sh
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
# shellcheck source=versions
. "${XENPLM_XEN_VERSIONS:-$here/versions}"

[ $# -eq 1 ] || die "usage: $me STAGE"
stage=$1
: "${XEN_SHADOW_SOURCE:?tests/xen/versions names no XEN_SHADOW_SOURCE}"
: "${XEN_SHADOW_SHA256:?tests/xen/versions names no XEN_SHADOW_SHA256}"

config=""
for f in "$stage"/boot/xen-*-amd64.config; do
    [ -f "$f" ] && config=$f
done
[ -n "$config" ] || die "no Xen configuration in $stage/boot (fetch.sh stages it)"

missing=""
for t in make gcc flex bison python3 xz sha256sum; do
    command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if command -v curl >/dev/null 2>&1; then
    get() { curl -fsS -o "$1" "$2"; }
elif command -v wget >/dev/null 2>&1; then
    get() { wget -q -O "$1" "$2"; }
else
    missing="$missing curl"
fi
[ -z "$missing" ] || skip "cannot build the rig's hypervisor: missing$missing (scripts/install-deps --xen-rig)"

cache=$(xen_cache_dir)
# Debian's configuration with shadow paging: what is built, and the
# cache's key.
shadow_config=$(sed 's/^# CONFIG_SHADOW_PAGING is not set$/CONFIG_SHADOW_PAGING=y/' "$config") ||
    die "cannot read $config"
key=$(printf '%s\n' "$shadow_config" | sha256sum | cut -c1-12)
out="$cache/xen-shadow-$XEN_SHADOW_SOURCE-$key"
if [ -s "$out/xen.gz" ]; then
    printf '%s\n' "$out/xen.gz"
    exit 0
fi
mkdir -p "$cache/src" || die "cannot create $cache/src"

# The source tarball, checked against its pinned digest.
tarball="$cache/src/xen_$XEN_SHADOW_SOURCE.orig.tar.xz"
if ! printf '%s  %s\n' "$XEN_SHADOW_SHA256" "$tarball" | sha256sum -c --status 2>/dev/null; then
    url="${XENPLM_DEBIAN_MIRROR:-http://deb.debian.org/debian}/pool/main/x/xen/xen_$(printf %s "$XEN_SHADOW_SOURCE" | sed 's/+/%2b/g').orig.tar.xz"
    msg "downloading $url"
    get "$tarball.part" "$url" ||
        skip "cannot download Xen's source $url (superseded in Debian? update XEN_SHADOW_SOURCE and XEN_SHADOW_SHA256 in tests/xen/versions: 'apt-cache showsrc xen' with a deb-src line gives both)"
    printf '%s  %s\n' "$XEN_SHADOW_SHA256" "$tarball.part" | sha256sum -c --status ||
        die "$url does not match the SHA-256 in tests/xen/versions"
    mv "$tarball.part" "$tarball"
fi

build=$(mktemp -d "${TMPDIR:-/tmp}/xenplm-xen-shadow.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$build"' EXIT
trap 'exit 130' INT TERM
msg "building Xen $XEN_SHADOW_SOURCE's hypervisor with shadow paging (a few minutes, once)"
t0=$(now)
xz -dc "$tarball" | tar -x -C "$build" || die "cannot unpack $tarball"
src=""
for d in "$build"/xen-*; do
    [ -d "$d/xen" ] && src=$d
done
[ -n "$src" ] || die "no xen/ directory in $tarball"
printf '%s\n' "$shadow_config" >"$src/xen/.config"
log="$build/build.log"
if ! make -C "$src/xen" olddefconfig >"$log" 2>&1 ||
    ! grep -q '^CONFIG_SHADOW_PAGING=y$' "$src/xen/.config" ||
    ! make -C "$src/xen" -j"${XENPLM_XEN_SHADOW_JOBS:-2}" >>"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "the hypervisor's build failed (the log's tail above)"
fi
mkdir -p "$out"
cp "$src/xen/xen.gz" "$out/xen.gz.part"
cp "$src/xen/.config" "$out/config"
mv "$out/xen.gz.part" "$out/xen.gz"
msg "built in $(elapsed "$t0") s: $out/xen.gz"
printf '%s\n' "$out/xen.gz"
