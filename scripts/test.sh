#!/bin/bash
# "make test": build and boot every architecture, run every suite, print one
# line per suite and a final "N passed, N failed, N skipped" line.  Exits
# non-zero if anything failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
arches=("$@")
start=$(date +%s)

if [ ! -d build/linux/.git ]; then
	scripts/tree.sh || exit 1
fi

dirs=()
for arch in "${arches[@]}"; do
	dirs+=("build/$arch/results")
	rm -f "build/$arch/results/summary.json"
	scripts/build-arch.sh "$arch" || continue
	echo "== $arch: booting"
	scripts/boot-and-check.sh "$arch"
done

echo "== total ($(( $(date +%s) - start )) s)"
python3 scripts/results.py total "${dirs[@]}"
