#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
# Download the pinned Debian packages of tests/xen/versions (or of the file
# XENPLM_XEN_VERSIONS names: tests/xen/versions-4.20) into the cache
# (once: later runs find them there) and unpack them, with `dpkg -x`, into
# a staging tree, also cached, with the kernel's vmlinux extracted from its
# vmlinuz.  Prints the staging tree's path.
#
#   tests/xen/fetch.sh
#
# Environment: XENPLM_XEN_CACHE (default $XDG_CACHE_HOME/xenplm-xen, or
# ~/.cache/xenplm-xen), XENPLM_XEN_UNPINNED=1 to take apt's candidate
# versions instead of the pinned ones, XENPLM_XEN_VERSIONS (the versions
# file), XENPLM_XEN_CHROOT (a chroot made by tests/matrix/chroot.sh of the
# release the versions file names: apt-get and apt-cache run in it, so that
# a Debian 12 host downloads Debian 13's packages with Debian 13's apt).
# Exits 77 when the packages cannot be had (no apt-get, no package lists,
# a pinned version that is no longer served...).
set -eu

me=fetch.sh
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
versions=${XENPLM_XEN_VERSIONS:-$here/versions}
[ -f "$versions" ] || die "no versions file $versions"
# shellcheck source=versions
. "$versions"
chroot_dir=${XENPLM_XEN_CHROOT:-}

# apt_do COMMAND...: COMMAND on this host, or in the chroot.
apt_do() {
    if [ -n "$chroot_dir" ]; then
        "$here/../matrix/chroot.sh" run "$chroot_dir" "$@"
    else
        "$@"
    fi
}

cache=$(xen_cache_dir)
debs="$cache/debs"
mkdir -p "$debs" || die "cannot create the cache $debs"

# The list of package=version to use, one a line.
resolve() {
    for entry in $XEN_RIG_PACKAGES; do
        pkg=${entry%%=*}
        if [ "${XENPLM_XEN_UNPINNED:-0}" = 1 ]; then
            case "$pkg" in
            linux-image-*)
                pkg=$(apt_do apt-cache depends linux-image-amd64 2>/dev/null |
                    awk '/Depends: linux-image-/ { print $2; exit }')
                [ -n "$pkg" ] || skip "apt-cache knows no linux-image-amd64 (run apt-get update)"
                ;;
            esac
            ver=$(apt_do apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ { print $2 }')
            case "$ver" in
            "" | "(none)") skip "apt-cache has no candidate for $pkg (run apt-get update)" ;;
            esac
            printf '%s=%s\n' "$pkg" "$ver"
        else
            printf '%s\n' "$entry"
        fi
    done
}

# cached PKG VERSION: the cached .deb's path, if there is one.
cached() {
    enc=$(printf '%s' "$2" | sed 's/:/%3a/g')
    for f in "$debs/$1_${enc}_"*.deb; do
        if [ -f "$f" ]; then
            printf '%s\n' "$f"
            return 0
        fi
    done
    return 1
}

wanted=$(resolve)

missing=""
for entry in $wanted; do
    cached "${entry%%=*}" "${entry#*=}" >/dev/null || missing="$missing $entry"
done

# download DIR PACKAGE=VERSION...: apt-get download into DIR (a path on this
# host), here or in the chroot (then through a directory inside it).
download() {
    d_dir=$1
    shift
    if [ -z "$chroot_dir" ]; then
        (cd "$d_dir" && apt-get download -q "$@")
        return
    fi
    d_in=/tmp/xenplm-download
    rm -rf "${chroot_dir:?}$d_in"
    mkdir -p "$chroot_dir$d_in"
    # The chroot's package lists are those of its cached tarball (a week
    # old at most): when they lack a pinned version, update them once.
    d_rc=0
    # shellcheck disable=SC2016 # for the shell in the chroot
    apt_do sh -c 'cd "$1" && shift && { apt-get download -q "$@" ||
        { apt-get update -q >/dev/null && apt-get download -q "$@"; }; }' sh "$d_in" "$@" ||
        d_rc=$?
    for f in "$chroot_dir$d_in"/*.deb; do
        [ -f "$f" ] && mv "$f" "$d_dir/"
    done
    rm -rf "${chroot_dir:?}$d_in"
    return $d_rc
}

if [ -n "$missing" ]; then
    if [ -n "$chroot_dir" ]; then
        [ -x "$chroot_dir/usr/bin/apt-get" ] || skip "no apt-get in the chroot $chroot_dir"
    else
        command -v apt-get >/dev/null 2>&1 || skip "no apt-get to download:$missing"
    fi
    tmp=$(mktemp -d "$debs/.download.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    msg "downloading $(echo "$missing" | wc -w) packages into $debs${chroot_dir:+ (with the apt of $chroot_dir)}"
    # apt-get download writes into the current directory.  As root it warns
    # that the _apt sandbox user cannot write there: harmless, so hidden.
    # shellcheck disable=SC2086
    if ! download "$tmp" $missing >"$tmp/.log" 2>&1; then
        grep -v -e 'unsandboxed as root' "$tmp/.log" >&2 || true
        why=$(grep '^E:' "$tmp/.log" | head -n 1)
        skip "apt-get download failed: ${why:-see above} (a pinned version in ${versions##*/} may be superseded: update it, or set XENPLM_XEN_UNPINNED=1; or run apt-get update)"
    fi
    for f in "$tmp"/*.deb; do
        mv "$f" "$debs/"
    done
    rm -rf "$tmp"
    trap - EXIT
fi

# The staging tree is named after the exact list, so that a change of
# versions unpacks afresh and never mixes two versions.
key=$(printf '%s\n' "$wanted" | cksum | awk '{ print $1 }')
stage="$cache/stage-$key"
if [ ! -f "$stage/.complete" ]; then
    rm -rf "$stage" "$stage.tmp"
    mkdir -p "$stage.tmp"
    for entry in $wanted; do
        deb=$(cached "${entry%%=*}" "${entry#*=}") || die "$entry vanished from $debs"
        dpkg-deb -x "$deb" "$stage.tmp" || die "cannot unpack $deb"
    done
    # The kernel, decompressed once here: libxenguest (in dom0, for every
    # domU) and Xen (for dom0) would otherwise undo its xz under TCG, which
    # costs seconds each time.
    # Debian 12's kernel is compressed with xz, Debian 13's with zstd.
    for vmlinuz in "$stage.tmp"/boot/vmlinuz-*; do
        vmlinux="$stage.tmp/boot/vmlinux-${vmlinuz##*/vmlinuz-}"
        off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n 1 | cut -d: -f1)
        if [ -n "$off" ]; then
            tail -c +$((off + 1)) "$vmlinuz" | xz -dc --single-stream >"$vmlinux" ||
                die "cannot decompress $vmlinuz"
            continue
        fi
        # The payload, as the boot protocol's header places it: after the
        # setup sectors, at payload_offset (0x248), payload_length (0x24c)
        # bytes long, the last 4 of which are the uncompressed size.
        le() { od -An -tu"$2" -j "$1" -N "$2" "$vmlinuz" | tr -d ' '; }
        setup=$(le $((0x1f1)) 1)
        [ "$setup" -ne 0 ] || setup=4
        start=$(((setup + 1) * 512 + $(le $((0x248)) 4)))
        len=$(le $((0x24c)) 4)
        magic=$(od -An -tx1 -j "$start" -N 4 "$vmlinuz" | tr -d ' ')
        [ "$magic" = 28b52ffd ] || die "$vmlinuz holds no xz or zstd payload"
        command -v zstd >/dev/null 2>&1 ||
            skip "no zstd to decompress the kernel (scripts/install-deps --matrix)"
        tail -c +$((start + 1)) "$vmlinuz" | head -c $((len - 4)) | zstd -dcq >"$vmlinux" ||
            die "cannot decompress $vmlinuz"
    done
    printf '%s\n' "$wanted" >"$stage.tmp/.complete"
    mv "$stage.tmp" "$stage"
    msg "unpacked into $stage"
fi

printf '%s\n' "$stage"
