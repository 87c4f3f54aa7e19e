#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
# Download the pinned Debian packages of tests/xen/versions into the cache
# (once: later runs find them there) and unpack them, with `dpkg -x`, into
# a staging tree, also cached, with the kernel's vmlinux extracted from its
# vmlinuz.  Prints the staging tree's path.
#
#   tests/xen/fetch.sh
#
# Environment: XENPLM_XEN_CACHE (default $XDG_CACHE_HOME/xenplm-xen, or
# ~/.cache/xenplm-xen), XENPLM_XEN_UNPINNED=1 to take apt's candidate
# versions instead of the pinned ones.
# Exits 77 when the packages cannot be had (no apt-get, no package lists,
# a pinned version that is no longer served...).
set -eu

me=fetch.sh
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
. "$here/versions"

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
                pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
                    awk '/Depends: linux-image-/ { print $2; exit }')
                [ -n "$pkg" ] || skip "apt-cache knows no linux-image-amd64 (run apt-get update)"
                ;;
            esac
            ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ { print $2 }')
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

if [ -n "$missing" ]; then
    command -v apt-get >/dev/null 2>&1 || skip "no apt-get to download:$missing"
    tmp=$(mktemp -d "$debs/.download.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    msg "downloading $(echo "$missing" | wc -w) packages into $debs"
    # apt-get download writes into the current directory.  As root it warns
    # that the _apt sandbox user cannot write there: harmless, so hidden.
    # shellcheck disable=SC2086
    if ! (cd "$tmp" && apt-get download -q $missing) >"$tmp/.log" 2>&1; then
        grep -v -e 'unsandboxed as root' "$tmp/.log" >&2 || true
        why=$(grep '^E:' "$tmp/.log" | head -n 1)
        skip "apt-get download failed: ${why:-see above} (a pinned version in tests/xen/versions may be superseded: update it, or set XENPLM_XEN_UNPINNED=1; or run apt-get update)"
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
    for vmlinuz in "$stage.tmp"/boot/vmlinuz-*; do
        vmlinux="$stage.tmp/boot/vmlinux-${vmlinuz##*/vmlinuz-}"
        off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n 1 | cut -d: -f1)
        [ -n "$off" ] || die "$vmlinuz holds no xz stream"
        tail -c +$((off + 1)) "$vmlinuz" | xz -dc --single-stream >"$vmlinux" ||
            die "cannot decompress $vmlinuz"
    done
    printf '%s\n' "$wanted" >"$stage.tmp/.complete"
    mv "$stage.tmp" "$stage"
    msg "unpacked into $stage"
fi

printf '%s\n' "$stage"
