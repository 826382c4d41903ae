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
cflags=(-static -O2 -Wall -pthread -isystem "$hdr/include"
	-I "$src/tools/testing/selftests")
for c in "$src"/tools/testing/selftests/iommu/*.c; do
	[ -e "$c" ] || continue
	prog=$(basename "$c" .c)
	$cc "${cflags[@]}" -o "$out/$prog" "$c"
done
$cc "${cflags[@]}" -o "$out/iommufd-demo" "$top/guest/demo.c"
# The benchmark drives the mock IOMMU (the test interface's header) and
# real devices through VFIO (the selftests' vfio_pci_lib.h).
$cc "${cflags[@]}" -I "$src/tools/testing/selftests/iommu" \
	-iquote "$src/drivers/iommu/iommufd" \
	-o "$out/iommufd-bench" "$top/guest/bench.c"
# Upstream 6.12's own iommufd selftests, as the conformance suites.  They
# take about 8 minutes in a debug guest, so by default only x86_64 runs
# them (CI's time budget); CONFORMANCE_ARCHES="x86_64 arm64" runs both,
# CONFORMANCE_ARCHES= none.
rm -f "$out"/upstream-*
case " ${CONFORMANCE_ARCHES-x86_64} " in
*" $arch "*) "$top/scripts/conformance.sh" "$arch" ;;
esac
