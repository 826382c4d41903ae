#!/bin/bash
# "make test": build and boot every architecture, run every suite, print one
# line per suite and a final "N passed, N failed, N skipped" line.  Exits
# non-zero if anything failed.  After an architecture's default machine, the
# same kernel boots on its machines with other IOMMUs (scripts/machine.sh),
# which run the real-device suites; MACHINES=default boots only the default
# machines, MACHINES=others only the others ("make test-iommus").
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
arches=("$@")
start=$(date +%s)

if [ ! -d build/linux/.git ]; then
	scripts/tree.sh || exit 1
fi

. scripts/machine.sh
machines=${MACHINES:-all}
case "$machines" in
all | default | others) ;;
*) echo "test: MACHINES=$machines: want all, default or others" >&2; exit 2 ;;
esac

dirs=()
for arch in "${arches[@]}"; do
	iommus=$(machine_iommus "$arch")
	default=${iommus%% *}
	todo=()
	for iommu in $iommus; do
		case "$machines" in
		default) [ "$iommu" = "$default" ] || continue ;;
		others) [ "$iommu" != "$default" ] || continue ;;
		esac
		todo+=("$iommu")
	done
	for iommu in "${todo[@]}"; do
		d=build/$arch/results$(machine_suffix "$arch" "$iommu")
		dirs+=("$d")
		rm -f "$d/summary.json"
	done
	scripts/build-arch.sh "$arch" || continue
	for iommu in "${todo[@]}"; do
		if [ "$iommu" = "$default" ]; then
			echo "== $arch: booting"
			scripts/boot-and-check.sh "$arch"
		else
			echo "== $arch/$iommu: booting (suites ${machine_suites//,/, })"
			GUEST_IOMMU=$iommu GUEST_SUITES=$machine_suites \
				scripts/boot-and-check.sh "$arch"
		fi
	done
done

echo "== total ($(( $(date +%s) - start )) s)"
python3 scripts/results.py total "${dirs[@]}"
