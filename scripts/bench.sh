#!/bin/bash
# "make bench": boot the x86_64 test kernel in bench mode, where the guest
# times IOMMU_IOAS_MAP + IOMMU_IOAS_UNMAP of 1 MiB, 64 MiB and 1 GiB buffers
# (4 KiB pages and 2 MiB hugetlbfs pages) into a mock IOMMU domain
# (guest/bench.c), then print its table from the results share:
#   scripts/bench.sh [x86_64|arm64]
# BENCH_REPS sets the repetitions per row (default 7).  Expects the kernel
# and the initramfs built (make initrd-<arch>).  Output: build/<arch>/bench/
# (bench.txt, bench.rc) and build/<arch>/bench-console.log.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-x86_64}
b=$top/build/$arch

echo "== $arch: booting in bench mode (3 GiB, 2 MiB hugepages)"
start=$(date +%s)
rc=0
GUEST_TIMEOUT=${GUEST_TIMEOUT:-1800} "$top/scripts/guest.sh" "$arch" bench > /dev/null ||
	rc=$?
echo "== $arch: guest ran $(( $(date +%s) - start )) s (console: $b/bench-console.log)"
if [ "$rc" -eq 124 ]; then
	echo "bench: the guest timed out" >&2
	exit 1
fi
if [ ! -s "$b/bench/bench.txt" ]; then
	echo "bench: no results (see $b/bench-console.log)" >&2
	exit 1
fi

echo
echo "Kernel: $(sed -n 's/^# kernel //p' "$b/bench/bench.txt")"
echo "QEMU TCG (no KVM), debug kernel (KASAN, lockdep): absolute numbers say"
echo "little; only ratios between rows (and between kernels) mean anything."
echo
grep -v '^# kernel ' "$b/bench/bench.txt"
brc=$(cat "$b/bench/bench.rc" 2>/dev/null || echo 1)
if [ "$brc" != 0 ]; then
	echo "bench: iommufd-bench exited with status $brc" >&2
	exit 1
fi
