#!/bin/bash
# Build the code the IOMMU core changes reach with allmodconfig, which
# turns on every driver and in-tree user the test kernels leave out (AMD
# and Intel IOMMU, SMMUv3 with SVA, idxd, uacce and the HiSilicon
# accelerators on it, every VFIO driver) and CONFIG_WERROR:
#   scripts/allmod-check.sh x86_64|arm64 [REV...]
# Each REV (default: HEAD of build/linux) is checked out in a work tree of
# its own, build/allmod-src, so build/linux is left alone; objects go to
# build/allmod-<arch> (ccache makes later revisions cheap).  Only the
# directories and files below are built, not vmlinux: a whole allmodconfig
# kernel takes hours on two cores.  Logs: build/allmod-<arch>/<rev>.log.
# Exits non-zero if any revision fails to build.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
arch=$1
shift
revs=("$@")
[ ${#revs[@]} -gt 0 ] || revs=(HEAD)
tree=$top/build/linux
src=$top/build/allmod-src
obj=$top/build/allmod-$arch
jobs=${JOBS:-$(($(nproc) + 1))}

common=(drivers/iommu/ drivers/vfio/ drivers/misc/uacce/
	drivers/crypto/hisilicon/ kernel/fork.o mm/gup.o mm/init-mm.o)
case "$arch" in
x86_64) karch=x86_64; cross=
	dirs=("${common[@]}" drivers/dma/idxd/ arch/x86/kernel/traps.o) ;;
arm64)  karch=arm64; cross=aarch64-linux-gnu-
	dirs=("${common[@]}") ;;
*) echo "allmod: unknown arch $arch" >&2; exit 1 ;;
esac
cc=${cross}gcc
command -v ccache >/dev/null && cc="ccache $cc"

# "make tree" remakes build/linux, and with it the git directory this work
# tree belonged to: start a new one then.
if [ -d "$src" ] && ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	rm -rf "$src"
fi
if [ ! -d "$src" ]; then
	git -C "$tree" worktree prune
	git -C "$tree" worktree add --detach "$src" HEAD >/dev/null
fi
mkdir -p "$obj"
mk=(make -C "$src" O="$obj" ARCH="$karch" CROSS_COMPILE="$cross" CC="$cc"
    HOSTCC=gcc -j"$jobs" -s)

fail=0
for rev in "${revs[@]}"; do
	id=$(git -C "$tree" rev-parse --short=12 "$rev")
	git -C "$src" checkout -q --detach "$id"
	log=$obj/$id.log
	subject=$(git -C "$tree" log -1 --format=%s "$id")
	# Again for each revision: patches add and remove Kconfig symbols.
	"${mk[@]}" allmodconfig >/dev/null
	if "${mk[@]}" "${dirs[@]}" >"$log" 2>&1; then
		echo "allmod $arch: ok   $id $subject"
	else
		echo "allmod $arch: FAIL $id $subject (log: $log)"
		grep -E 'error|warning' "$log" | head -20
		fail=1
	fi
done
exit $fail
