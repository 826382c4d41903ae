#!/bin/bash
# Boot one architecture's test guest, then summarise its results.  The
# machine is the default one, or the one GUEST_IOMMU names
# (scripts/machine.sh).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
arch=$1
b=$top/build/$arch
. "$top/scripts/machine.sh"
iommus=$(machine_iommus "$arch")
iommu=${GUEST_IOMMU:-${iommus%% *}}
suffix=$(machine_suffix "$arch" "$iommu")
label=$arch${suffix:+/$iommu}
start=$(date +%s)
"$top/scripts/guest.sh" "$arch" test
rc=$?
extra=()
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	extra+=(--timed-out)
fi
echo "== $label: guest ran $(( $(date +%s) - start )) s (console: ${b#$top/}/console$suffix.log)"
allow=()
[ -f "$top/configs/allowed-splats" ] && allow=(--allow "$top/configs/allowed-splats")
# Expected failures: upstream's suites (conformance/expected-failures), and
# what the machine's emulated IOMMU cannot do (configs/xfail-<arch>-<iommu>).
xfail=()
for f in "$top/conformance/expected-failures" "$top/configs/xfail-$arch$suffix"; do
	[ -f "$f" ] && xfail+=(--xfail "$f")
done
python3 "$top/scripts/results.py" suite --arch "$label" --results "$b/results$suffix" \
	--console "$b/console$suffix.log" --require-kmemleak "${allow[@]}" "${xfail[@]}" "${extra[@]}"
