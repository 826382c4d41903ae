#!/bin/bash
# "make test-qemu": the slow QEMU-in-the-guest suites alone.  Builds the
# Debian 13 root with QEMU 10 if it is missing (scripts/qemu10-root.sh), the
# x86_64 kernel, selftests and initramfs as needed, boots the x86_64 guest
# running only 80-qemu-passthrough (Debian 12's QEMU 7.2 from the host root:
# type1 and iommufd's VFIO container compat) and 85-qemu10-iommufd (QEMU 10:
# -object iommufd, the VFIO device cdev), once on each machine of
# TEST_QEMU_IOMMUS (default "vtd amd": VT-d, then AMD-Vi; "virtio" works
# too, at twice the time), and prints the results as "make test" does
# (kernel log, kmemleak and guest included).  Exits non-zero if anything
# failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
arch=x86_64
suites=80-qemu-passthrough,85-qemu10-iommufd
start=$(date +%s)

if [ ! -d build/linux/.git ]; then
	scripts/tree.sh || exit 1
fi

echo "== QEMU 10 root"
scripts/qemu10-root.sh || { echo "== QEMU 10 root: FAILED"; exit 1; }

. scripts/machine.sh
dirs=()
for iommu in ${TEST_QEMU_IOMMUS:-vtd amd}; do
	d=build/$arch/results$(machine_suffix "$arch" "$iommu")
	dirs+=("$d")
	rm -f "$d/summary.json"
done
scripts/build-arch.sh "$arch" || exit 1
for iommu in ${TEST_QEMU_IOMMUS:-vtd amd}; do
	echo "== $arch/$iommu: booting (suites ${suites//,/, })"
	GUEST_IOMMU=$iommu GUEST_SUITES=$suites scripts/boot-and-check.sh "$arch"
done

echo "== total ($(( $(date +%s) - start )) s)"
python3 scripts/results.py total "${dirs[@]}"
