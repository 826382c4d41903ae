#!/bin/bash
# Boot one architecture's test guest, then summarise its results.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
arch=$1
b=$top/build/$arch
start=$(date +%s)
"$top/scripts/guest.sh" "$arch" test
rc=$?
extra=()
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	extra+=(--timed-out)
fi
echo "== $arch: guest ran $(( $(date +%s) - start )) s (console: ${b#$top/}/console.log)"
allow=()
[ -f "$top/configs/allowed-splats" ] && allow=(--allow "$top/configs/allowed-splats")
xfail=()
[ -f "$top/conformance/expected-failures" ] &&
	xfail=(--xfail "$top/conformance/expected-failures")
python3 "$top/scripts/results.py" suite --arch "$arch" --results "$b/results" \
	--console "$b/console.log" --require-kmemleak "${allow[@]}" "${xfail[@]}" "${extra[@]}"
