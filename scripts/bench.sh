#!/bin/bash
# "make bench": boot the x86_64 benchmark kernel in bench mode, where the guest
# (guest/bench.c) times map + unmap of 1 MiB, 64 MiB and 1 GiB buffers
# (4 KiB pages and 2 MiB hugetlbfs pages) in two tables: iommufd against
# VFIO type1 in real VT-d domains (two NVMe controllers handed to vfio-pci),
# and iommufd into a mock IOMMU domain; then print them from the results
# share:
#   scripts/bench.sh [x86_64|arm64]
# BENCH_REPS sets the repetitions per row (default 5), BENCH_TABLES the
# tables (default real,mock; "real" alone takes about 5 minutes less).
# Expects build/<arch>/kernel-bench (KVARIANT=bench scripts/kbuild.sh) and
# the initramfs (make initrd-<arch>).  Output:
# build/<arch>/bench/ (bench.txt, bench.rc) and build/<arch>/bench-console.log.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-x86_64}
b=$top/build/$arch

echo "== $arch: booting in bench mode (3 GiB, 2 MiB hugepages; tables ${BENCH_TABLES:-real,mock})"
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
echo "QEMU TCG (no KVM), kernel without debugging options (configs/bench.config):"
echo "absolute numbers say little; only ratios (type1/iommufd, between rows,"
echo "between kernels) mean anything."
echo
grep -v '^# kernel ' "$b/bench/bench.txt"
brc=$(cat "$b/bench/bench.rc" 2>/dev/null || echo 1)
if [ "$brc" != 0 ]; then
	echo "bench: iommufd-bench exited with status $brc" >&2
	exit 1
fi
