#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
# Assemble what tests/xen/boot.sh boots, from the staging tree that
# tests/xen/fetch.sh unpacked:
#   OUT/xen          the hypervisor (Debian's xen-4.17-amd64.gz or
#                    xen-4.20-amd64.gz, gunzipped:
#                    a multiboot ELF that qemu -kernel loads)
#   OUT/vmlinux      the dom0 kernel (Debian's, decompressed by fetch.sh), also
#                    the domUs' kernel
#   OUT/domu.cpio    the domU initramfs: busybox, domu-init.sh as /init,
#                    guest-cmd.sh, the xenstore client, and with --xenplm
#                    the guest agent, its goals files and their schema
#   OUT/dom0.cpio    the dom0 initramfs: busybox, dom0-init.sh as /init, the
#                    Xen modules, the toolstack (xl, xenstored, xenconsoled,
#                    xen-init-dom0), the domU kernel and initramfs under
#                    /domu/, lib-dom0.sh and the scenarios under /xenplm/,
#                    and optionally xenplm's programs and policies.
# The images are plain (uncompressed) cpio archives: under TCG the kernel
# unpacks them faster than it would gunzip them.
#
#   tests/xen/mkinitrd.sh [options] STAGE OUT
#     --scenario FILE   run FILE (see scenario-xl.sh) in dom0; repeatable,
#                       the scenarios run in the order given
#     --xenplm BUILDDIR SRCDIR
#                       put BUILDDIR's src/xenplmd and src/xenplm in dom0's
#                       /usr/sbin, SRCDIR's policies in /etc/xenplm and
#                       /usr/share/xenplm, tests/xen/policy.xml in
#                       /xenplm/policy.xml, BUILDDIR's
#                       tests/xen/xenplm-xenprobe and xenplm-xenfloor, if
#                       built, and BUILDDIR's
#                       guest-agent/xenplm-agent, if built, in the domUs'
#                       /usr/bin, with tests/xen/goals-*.xml in their
#                       /etc/xenplm and SRCDIR's policies/xenplm-goals.xsd
#                       in their /usr/share/xenplm
#     --debs DIR        take xenplmd, xenplm, xenplm-agent, the shipped
#                       policy and goals and their schemas from the Debian
#                       packages in DIR (xenplm_*.deb, xenplm-agent_*.deb,
#                       as tests/package/build.sh leaves them), unpacked
#                       with dpkg-deb -x, instead of BUILDDIR and SRCDIR,
#                       so that the packaged files are the ones proven on
#                       Xen; without packages there, the build tree.  The
#                       console says which.
#     --net             for the two-host rig (tests/xen/rig2.sh): the
#                       virtio-net and e1000 drivers in dom0 (rig2.sh's
#                       XENPLM_XEN2_NIC picks the NIC; dom0-init.sh loads them
#                       with the Xen drivers and, given XENPLM_NET_ADDR,
#                       brings the link up), and xl's migration transport
#                       and its listener, migrate-nc.sh and
#                       migrate-listen.sh, in /xenplm/; without it, dom0
#                       has no network driver at all
#     --extra DIR       copy DIR (its contents) to dom0's /xenplm/extra
#                       (the pool scenario's certificates: rig2.sh --pool)
#
# The agent's libxml2 pulls in ICU, whose data library (libicudata, 31 MB)
# would be three quarters of the domU image, copied into every guest at
# every `xl create` and then held in its memory.  libxml2 asks ICU only
# for character encodings it lacks itself, and the goals files are UTF-8:
# the data is never read.  So the domUs get an empty libicudata of the
# same soname instead, built here with $CC (cc by default); where that
# cannot be built, the real one.
#
# Shared libraries come from the staging tree first, then from the host,
# as ldd finds them; a library found nowhere is an error.  With
# XENPLM_XEN_SYSROOT=DIR (the Xen 4.20 rig: a Debian 13 chroot, whose libc
# the programs built there need), they come from the staging tree, then
# from DIR, as DIR's own dynamic loader finds them, never from the host.
#
# Kernel modules may be compressed (Debian 13's are .ko.xz): they are put
# in the image decompressed, for busybox's insmod.
set -eu

me=mkinitrd.sh
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

scenarios=""
xenplm_build=""
xenplm_src=""
debs_dir=""
net=no
extra=""
while [ $# -gt 0 ]; do
    case "$1" in
    --scenario)
        [ $# -ge 2 ] || die "--scenario needs a file"
        [ -f "$2" ] || die "no scenario $2"
        scenarios="$scenarios $(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
        shift 2
        ;;
    --xenplm)
        [ $# -ge 3 ] || die "--xenplm needs BUILDDIR and SRCDIR"
        xenplm_build=$(cd "$2" && pwd)
        xenplm_src=$(cd "$3" && pwd)
        shift 3
        ;;
    --debs)
        [ $# -ge 2 ] || die "--debs needs a directory"
        debs_dir=$2
        shift 2
        ;;
    --net)
        net=yes
        shift
        ;;
    --extra)
        if [ $# -lt 2 ] || [ ! -d "$2" ]; then die "--extra needs a directory"; fi
        extra=$(cd "$2" && pwd)
        shift 2
        ;;
    -*) die "unknown option $1" ;;
    *) break ;;
    esac
done
[ $# -eq 2 ] || die "usage: $me [--scenario FILE]... [--xenplm BUILDDIR SRCDIR] [--debs DIR] [--net] [--extra DIR] STAGE OUT"
stage=$(cd "$1" && pwd) || die "no staging tree $1"
mkdir -p "$2"
out=$(cd "$2" && pwd)

# Where xenplm's files come from: the packages in --debs DIR, or the
# build tree.
if [ -n "$xenplm_build" ]; then
    x_xenplmd=$xenplm_build/src/xenplmd
    x_xenplm=$xenplm_build/src/xenplm
    x_agent=$xenplm_build/guest-agent/xenplm-agent
    x_policy=$xenplm_src/policies/default.xml
    x_goals=$xenplm_src/policies/goals/default.xml
    x_policy_xsd=$xenplm_src/policies/xenplm-policy.xsd
    x_goals_xsd=$xenplm_src/policies/xenplm-goals.xsd
    x_from="the build tree $xenplm_build"
    deb_d="" deb_a=""
    if [ -n "$debs_dir" ]; then
        for f in "$debs_dir"/xenplm_*.deb; do [ -f "$f" ] && deb_d=$f; done
        for f in "$debs_dir"/xenplm-agent_*.deb; do [ -f "$f" ] && deb_a=$f; done
    fi
    if [ -n "$deb_d" ] && [ -n "$deb_a" ]; then
        command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb is not installed"
        rm -rf "$out/debs.root"
        for deb in "$deb_d" "$deb_a"; do
            dpkg-deb -x "$deb" "$out/debs.root" || die "dpkg-deb -x $deb failed"
        done
        p=$out/debs.root
        x_xenplmd=$p/usr/sbin/xenplmd
        x_xenplm=$p/usr/sbin/xenplm
        x_agent=$p/usr/sbin/xenplm-agent
        x_policy=$p/etc/xenplm/default.xml
        x_goals=$p/etc/xenplm/goals.xml
        x_policy_xsd=$p/usr/share/xenplm/xenplm-policy.xsd
        x_goals_xsd=$p/usr/share/xenplm/xenplm-goals.xsd
        x_from="the packages $(basename "$deb_d") and $(basename "$deb_a")"
    elif [ -n "$debs_dir" ]; then
        x_from="$x_from (no xenplm and xenplm-agent packages in $debs_dir)"
    fi
    progress "xenplm's programs and files from $x_from"
fi

command -v cpio >/dev/null 2>&1 || skip "cpio is not installed (apt-get install cpio)"
command -v ldd >/dev/null 2>&1 || die "ldd is not installed"

for f in "$stage"/boot/vmlinux-*; do kernel=$f; done
for f in "$stage"/boot/xen-*.gz; do xengz=$f; done
# XENPLM_XEN_HYPERVISOR: another build of the hypervisor (gzipped), such
# as the two-host rig's (tests/xen/xen-shadow.sh).
xengz=${XENPLM_XEN_HYPERVISOR:-$xengz}
# Debian 12's kernel puts its modules in /lib/modules, Debian 13's in /usr/lib/modules.
for d in "$stage"/lib/modules/* "$stage"/usr/lib/modules/*; do
    if [ -d "$d" ]; then kmods=$d; fi
done
# The toolstack's directory: usr/lib/xen-4.17 or usr/lib/xen-4.20.
for d in "$stage"/usr/lib/xen-[0-9]*/bin; do
    if [ -d "$d" ]; then xenbin=$d; fi
done
if [ ! -f "${kernel:-}" ] || [ ! -f "${xengz:-}" ] || [ ! -d "${kmods:-}" ] ||
    [ ! -d "${xenbin:-}" ]; then
    die "$stage lacks a kernel, a hypervisor, kernel modules or Xen's tools: rerun fetch.sh"
fi
xenlib=${xenbin#"$stage"/}
xenlib=${xenlib%/bin}
# Debian 12's busybox-static is in /bin, Debian 13's in /usr/bin.
busybox="$stage/bin/busybox"
[ -x "$busybox" ] || busybox="$stage/usr/bin/busybox"
multiarch=lib/x86_64-linux-gnu

sysroot=""
if [ -n "${XENPLM_XEN_SYSROOT:-}" ]; then
    sysroot=$(cd "$XENPLM_XEN_SYSROOT" && pwd) || die "no sysroot $XENPLM_XEN_SYSROOT"
    [ "$sysroot" != / ] || sysroot=""
fi
libpath="$stage/usr/$multiarch:$stage/$multiarch"
if [ -n "$sysroot" ]; then
    loader="$sysroot/lib64/ld-linux-x86-64.so.2"
    [ -x "$loader" ] || die "$sysroot has no dynamic loader (lib64/ld-linux-x86-64.so.2)"
    libpath="$libpath:$sysroot/usr/$multiarch:$sysroot/$multiarch"
else
    LD_LIBRARY_PATH=$libpath
    export LD_LIBRARY_PATH
fi

# list_libs FILE: ldd's list of FILE's libraries: the host's ldd, or the
# sysroot's loader (told to ignore the host's ld.so.cache), which prints
# the same.
list_libs() {
    if [ -z "$sysroot" ]; then
        ldd "$1"
    else
        "$loader" --inhibit-cache --library-path "$libpath" --list "$1"
    fi
}

# add_libs ROOT FILE...: copy into ROOT the shared libraries FILEs need, all
# into /lib/x86_64-linux-gnu (dom0-init.sh points LD_LIBRARY_PATH there),
# and the dynamic loader into /lib64.
add_libs() {
    root=$1
    shift
    mkdir -p "$root/$multiarch" "$root/lib64"
    for f in "$@"; do
        list_libs "$f" >"$out/.ldd" 2>&1 || die "ldd $f failed: $(cat "$out/.ldd")"
        if grep -q 'not found' "$out/.ldd"; then
            die "$f needs libraries found neither in $stage nor in ${sysroot:-this host}:
$(grep 'not found' "$out/.ldd")"
        fi
        # The loader's own line: "/lib64/ld-linux-x86-64.so.2 (0x...)" from
        # ldd, "... => PATH (0x...)" from the loader run by hand.
        awk '$1 ~ /^\// { print "-", $1; next }
             $2 == "=>" && $3 ~ /^\// { print $1, $3 }' "$out/.ldd" |
            while read -r soname path; do
                if [ "$soname" = - ]; then
                    dest="$root/lib64/${path##*/}"
                    # The loader prints its own path as the program names it.
                    path="$sysroot$path"
                else
                    dest="$root/$multiarch/$soname"
                    case "$path" in
                    "$stage"/* | "$sysroot"/*) ;;
                    *) [ -z "$sysroot" ] || die "$f: $soname found only on this host ($path), not in $sysroot" ;;
                    esac
                fi
                [ -f "$dest" ] || cp -L "$path" "$dest"
            done
    done
    rm -f "$out/.ldd"
}

# host_lib SONAME: the host's (or the sysroot's) copy of a library that is
# loaded at run time (dlopen), so that ldd cannot see it.
host_lib() {
    for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64; do
        if [ -f "$sysroot$d/$1" ]; then
            printf '%s\n' "$sysroot$d/$1"
            return 0
        fi
    done
    [ -z "$sysroot" ] || die "cannot find $1 in $sysroot"
    /sbin/ldconfig -p 2>/dev/null | awk -v s="$1" '$1 == s { print $NF; exit }' | grep . ||
        die "cannot find $1 on this host"
}

# add_busybox ROOT: the static busybox and a link for each of its applets.
add_busybox() {
    mkdir -p "$1/bin" "$1/usr/bin"
    cp "$busybox" "$1/bin/busybox"
    for applet in $("$busybox" --list); do
        [ -e "$1/bin/$applet" ] || ln -s busybox "$1/bin/$applet"
    done
    ln -sf bin "$1/sbin"
}

# add_xenstore_client ROOT: xenstore-read and friends, all one program
# that looks at its name.
add_xenstore_client() {
    mkdir -p "$1/usr/bin"
    cp "$stage/usr/bin/xenstore" "$1/usr/bin/xenstore"
    for cmd in chmod exists list ls read rm watch write; do
        ln -sf xenstore "$1/usr/bin/xenstore-$cmd"
    done
    add_libs "$1" "$1/usr/bin/xenstore"
}

# stub_icudata ROOT: an empty libicudata in ROOT (see the top), unless it
# cannot be built; add_libs then leaves it there and copies the rest.
stub_icudata() {
    icudata=$(list_libs "$x_agent" 2>/dev/null |
        awk '$1 ~ /^libicudata\.so\.[0-9]+$/ { print $1 }')
    [ -n "$icudata" ] || return 0
    # libicudata.so.72 holds one symbol, icudt72_dat: the data's header.
    sym="icudt${icudata##*.so.}_dat"
    mkdir -p "$root_tmp" "$1/$multiarch"
    printf '/* empty ICU data: tests/xen/mkinitrd.sh */\nconst char %s[16] = {0};\n' \
        "$sym" >"$root_tmp/icudata.c"
    if ${CC:-cc} -shared -fPIC -nostdlib -Wl,-soname,"$icudata" \
        -o "$1/$multiarch/$icudata" "$root_tmp/icudata.c" 2>"$root_tmp/icudata.err"; then
        msg "domU: an empty $icudata (${CC:-cc} built it)"
    else
        msg "domU: the real $icudata (${CC:-cc} failed: $(head -n 1 "$root_tmp/icudata.err"))"
        rm -f "$1/$multiarch/$icudata"
    fi
}

# mkcpio ROOT FILE: a newc archive of ROOT, every file owned by root.
mkcpio() {
    (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$2.tmp"
    mv "$2.tmp" "$2"
}

root_tmp="$out/tmp"
rm -rf "$out/domu.root" "$out/dom0.root" "$root_tmp"

# --- the domU initramfs -------------------------------------------------------
r="$out/domu.root"
mkdir -p "$r/proc" "$r/sys" "$r/dev" "$r/tmp"
add_busybox "$r"
add_xenstore_client "$r"
cp "$here/domu-init.sh" "$r/init"
cp "$here/guest-cmd.sh" "$r/bin/guest-cmd.sh"
chmod 755 "$r/init" "$r/bin/guest-cmd.sh"
if [ -n "$xenplm_build" ] && [ -x "$x_agent" ]; then
    mkdir -p "$r/etc/xenplm" "$r/usr/share/xenplm" "$r/run"
    stub_icudata "$r"
    cp "$x_agent" "$r/usr/bin/"
    add_libs "$r" "$r/usr/bin/xenplm-agent"
    cp "$x_goals" "$r/etc/xenplm/goals.xml"
    cp "$here"/goals-*.xml "$r/etc/xenplm/"
    cp "$x_goals_xsd" "$r/usr/share/xenplm/"
fi
mkcpio "$r" "$out/domu.cpio"

# --- the dom0 initramfs -------------------------------------------------------
r="$out/dom0.root"
mkdir -p "$r/proc" "$r/sys" "$r/dev" "$r/run" "$r/tmp" "$r/var/lib" "$r/var/log" \
    "$r/etc/xen" "$r/lib/modules" "$r/$xenlib/bin" "$r/domu" \
    "$r/xenplm/scenarios"
ln -s ../run "$r/var/run"
add_busybox "$r"
add_xenstore_client "$r"

# The Xen drivers dom0 needs, and what they depend on, in an order that
# insmod can follow (the unpacked kernel has no modules.dep to tell modprobe).
# modinfo's `depends=` is read from the module's .modinfo strings.
# mod_cat FILE: the module, decompressed.
mod_cat() {
    case "$1" in
    *.ko.xz) xz -dc "$1" ;;
    *.ko.zst) zstd -dcq "$1" ;;
    *.ko.gz) gzip -dc "$1" ;;
    *) cat "$1" ;;
    esac
}
mod_deps() {
    mod_cat "$1" | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}
mod_file() {
    for n in "$1" "$(echo "$1" | tr _ -)"; do
        f=$(find "$kmods" \( -name "$n.ko" -o -name "$n.ko.xz" -o -name "$n.ko.zst" \
            -o -name "$n.ko.gz" \) | head -n 1)
        [ -z "$f" ] || break
    done
    [ -n "$f" ] || die "no module $1 in $kmods"
    printf '%s\n' "$f"
}
pending="xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc"
# The two-host rig's link: QEMU's e1000 or virtio-net-pci (virtio_pci
# finds the device, virtio_net drives it; their dependencies follow below).
[ $net = no ] || pending="$pending e1000 virtio_pci virtio_net"
# Add the dependencies (two levels are plenty for these drivers).
for m in $pending; do
    for d in $(mod_deps "$(mod_file "$m")"); do
        for dd in $(mod_deps "$(mod_file "$d")"); do
            case " $pending " in *" $dd "*) ;; *) pending="$dd $pending" ;; esac
        done
        case " $pending " in *" $d "*) ;; *) pending="$d $pending" ;; esac
    done
done
order=""
while [ -n "$pending" ]; do
    left=""
    for m in $pending; do
        ready=yes
        for d in $(mod_deps "$(mod_file "$m")"); do
            case " $order " in *" $d "*) ;; *) ready=no ;; esac
        done
        if [ $ready = yes ]; then
            order="$order $m"
        else
            left="$left $m"
        fi
    done
    [ "$left" != "$pending" ] || die "cannot order the modules:$left"
    pending=$left
done
for m in $order; do
    mod_cat "$(mod_file "$m")" >"$r/lib/modules/$m.ko"
    echo "$m" >>"$r/lib/modules/xenplm.order"
done

for b in xl xenstored xenconsoled xen-init-dom0 libxl-save-helper; do
    cp "$xenbin/$b" "$r/$xenlib/bin/$b"
    add_libs "$r" "$r/$xenlib/bin/$b"
done
cp "$stage/etc/xen/xl.conf" "$r/etc/xen/xl.conf"
# glibc dlopens libgcc_s for pthread_cancel, which xs_watch users call.
cp -L "$(host_lib libgcc_s.so.1)" "$r/$multiarch/libgcc_s.so.1"

if [ -n "$xenplm_build" ]; then
    mkdir -p "$r/usr/sbin" "$r/etc/xenplm" "$r/usr/share/xenplm"
    for f in "$x_xenplmd" "$x_xenplm"; do
        [ -x "$f" ] || die "$f is not built"
        cp "$f" "$r/usr/sbin/"
        add_libs "$r" "$r/usr/sbin/${f##*/}"
    done
    cp "$x_policy" "$r/etc/xenplm/default.xml"
    cp "$x_policy_xsd" "$r/usr/share/xenplm/"
    cp "$here/policy.xml" "$r/xenplm/policy.xml"
    # The host port's smoke test, the floor timer and the meter, when built (make
    # builds them when it finds Xen's libraries).
    for p in xenplm-xenprobe xenplm-xenfloor xenplm-xenmeter; do
        if [ -x "$xenplm_build/tests/xen/$p" ]; then
            cp "$xenplm_build/tests/xen/$p" "$r/usr/sbin/"
            add_libs "$r" "$r/usr/sbin/$p"
        fi
    done
fi

cp "$kernel" "$r/domu/vmlinux"
cp "$out/domu.cpio" "$r/domu/initrd.cpio"
cp "$here/dom0-init.sh" "$r/init"
chmod 755 "$r/init"
cp "$here/lib-dom0.sh" "$r/xenplm/lib.sh"
if [ $net = yes ]; then
    cp "$here/migrate-nc.sh" "$here/migrate-listen.sh" "$r/xenplm/"
    chmod 755 "$r/xenplm/migrate-nc.sh" "$r/xenplm/migrate-listen.sh"
fi
if [ -n "$extra" ]; then
    mkdir -p "$r/xenplm/extra"
    cp -R "$extra/." "$r/xenplm/extra/"
fi
n=10
for s in $scenarios; do
    cp "$s" "$r/xenplm/scenarios/$n-$(basename "$s")"
    n=$((n + 10))
done
mkcpio "$r" "$out/dom0.cpio"

# --- the hypervisor and the kernel ------------------------------------------
gzip -dc "$xengz" >"$out/xen.tmp"
mv "$out/xen.tmp" "$out/xen"
cp "$kernel" "$out/vmlinux"
rm -rf "$out/domu.root" "$out/dom0.root" "$root_tmp" "$out/debs.root"
msg "dom0.cpio $(du -k "$out/dom0.cpio" | cut -f1) KiB, domu.cpio $(du -k "$out/domu.cpio" | cut -f1) KiB, in $out"
