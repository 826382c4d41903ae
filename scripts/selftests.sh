#!/bin/bash
# Build the guest programs for one architecture, statically linked against
# the series' uAPI headers: every program in tools/testing/selftests/iommu
# plus the demo and the benchmark.  Output: build/<arch>/tests/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
arch=$1
src=${SRC:-$top/build/linux}
obj=$top/build/$arch/obj
out=$top/build/$arch/tests
hdr=$top/build/$arch/hdr

case "$arch" in
x86_64) karch=x86_64; cc=gcc ;;
arm64)  karch=arm64; cc=aarch64-linux-gnu-gcc ;;
*) echo "selftests: unknown arch $arch" >&2; exit 1 ;;
esac

make -C "$src" O="$obj" ARCH="$karch" -s headers_install INSTALL_HDR_PATH="$hdr"
mkdir -p "$out"

# A program is compiled again only when something it is made from changed
# (make run would otherwise spend half a minute on it): $out/.sums keeps,
# for each, a checksum of its source and compiler command, of every header
# it can include (the uAPI just installed, the selftests' and iommufd's
# own), of the compiler and of this script.
sums=$out/.sums
mkdir -p "$sums"
deps=$( { $cc --version; cat "$0"
	  find "$hdr/include" "$src/drivers/iommu/iommufd" \
	       "$src/tools/testing/selftests/iommu" -name '*.h' -print0 |
		sort -z | xargs -0 sha256sum
	  sha256sum "$src"/tools/testing/selftests/*.h; } | sha256sum)

# build PROG SOURCE CFLAGS...: $out/PROG from SOURCE, unless up to date.
build() {
	local prog=$1 c=$2 sum
	shift 2
	sum=$( { echo "$deps $cc $*"; cat "$c"; } | sha256sum)
	if [ -x "$out/$prog" ] && [ "$(cat "$sums/$prog" 2>/dev/null)" = "$sum" ]; then
		return 0
	fi
	rm -f "$sums/$prog"
	$cc "$@" -o "$out/$prog" "$c"
	echo "$sum" > "$sums/$prog"
}

cflags=(-static -O2 -Wall -pthread -isystem "$hdr/include"
	-I "$src/tools/testing/selftests")
for c in "$src"/tools/testing/selftests/iommu/*.c; do
	[ -e "$c" ] || continue
	build "$(basename "$c" .c)" "$c" "${cflags[@]}"
done
# The demo drives the NVMe controller with the selftests' polled driver
# (nvme_lib.h on vfio_pci_lib.h: static functions, of which it uses some).
build iommufd-demo "$top/guest/demo.c" "${cflags[@]}" \
	-I "$src/tools/testing/selftests/iommu" -Wno-unused-function
# The benchmark drives the mock IOMMU (the test interface's header) and
# real devices through VFIO (the selftests' vfio_pci_lib.h).
build iommufd-bench "$top/guest/bench.c" "${cflags[@]}" \
	-I "$src/tools/testing/selftests/iommu" \
	-iquote "$src/drivers/iommu/iommufd"
# Upstream 6.12's own iommufd selftests, as the conformance suites.  They
# take about 8 minutes in a debug guest, so by default only x86_64 runs
# them (CI's time budget); CONFORMANCE_ARCHES="x86_64 arm64" runs both,
# CONFORMANCE_ARCHES= none.  Built again, like the programs above, only
# when their inputs changed and the last build gave both of them.
case " ${CONFORMANCE_ARCHES-x86_64} " in
*" $arch "*)
	sum=$( { echo "$deps"; cat "$top/scripts/conformance.sh" \
		 "$top"/conformance/*
		 stat -c '%n %s %Y' /usr/src/linux-source-6.12.tar.xz 2>&1; } |
		sha256sum)
	if [ -x "$out/upstream-iommufd" ] &&
	   [ -x "$out/upstream-iommufd_fail_nth" ] &&
	   ! grep -qs 'did not compile' "$out"/upstream-* &&
	   [ "$(cat "$sums/upstream" 2>/dev/null)" = "$sum" ]; then
		exit 0
	fi
	rm -f "$out"/upstream-* "$sums/upstream"
	"$top/scripts/conformance.sh" "$arch"
	echo "$sum" > "$sums/upstream" ;;
*)
	rm -f "$out"/upstream-* "$sums/upstream" ;;
esac
