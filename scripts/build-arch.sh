#!/bin/bash
# Build what a guest of one architecture boots: the kernel, the selftests
# and the initramfs, reporting as make test does:
#   scripts/build-arch.sh x86_64|arm64
# Exits non-zero, after "BUILD FAILED", if a step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
arch=$1

echo "== $arch: building"
t0=$(date +%s)
if ! { scripts/kbuild.sh "$arch" && scripts/selftests.sh "$arch" &&
       scripts/initrd.sh "$arch"; }; then
	echo "== $arch: BUILD FAILED"
	exit 1
fi
echo "== $arch: built in $(( $(date +%s) - t0 )) s"
