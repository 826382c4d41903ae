#!/bin/bash
# Build the "upstream conformance" suites of one architecture: upstream Linux
# 6.12's iommufd selftests, taken from Debian's linux-source-6.12 at build
# time (never kept in the repo) and compiled statically against the series'
# uAPI headers and iommufd_test.h, with conformance/uapi-compat.h standing
# in for the uAPI the series does not have yet, and the harness' per-case
# timeout raised for slow guests.  Called by selftests.sh.
# Output: build/<arch>/tests/upstream-iommufd, upstream-iommufd_fail_nth.
# Without linux-source-6.12 it warns and builds nothing; if a program does
# not compile, it stands in a suite that reports one failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
arch=$1
src=${SRC:-$top/build/linux}
hdr=$top/build/$arch/hdr
out=$top/build/$arch/tests
dir=$top/build/$arch/conformance
pkg=linux-source-6.12
tarball=/usr/src/$pkg.tar.xz
progs=(iommufd iommufd_fail_nth)
# What to extract, relative to the top of the tarball.
files=(tools/testing/selftests/iommu/iommufd.c
       tools/testing/selftests/iommu/iommufd_fail_nth.c
       tools/testing/selftests/iommu/iommufd_utils.h
       tools/testing/selftests/kselftest_harness.h
       tools/testing/selftests/kselftest.h)

case "$arch" in
x86_64) cc=gcc ;;
arm64)  cc=aarch64-linux-gnu-gcc ;;
*) echo "conformance: unknown arch $arch" >&2; exit 1 ;;
esac

skip() {
	echo "conformance: WARNING: $*" >&2
	echo "conformance: WARNING: the upstream conformance suites are SKIPPED" >&2
	rm -f "${progs[@]/#/$out/upstream-}"
	exit 0
}

# Installed like scripts/deps.sh does it: apt-get only when missing.
if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
	echo "conformance: installing $pkg"
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	{ $SUDO apt-get update -qq &&
	  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		--no-install-recommends "$pkg" >/dev/null; } ||
		skip "cannot install $pkg"
fi
[ -r "$tarball" ] || skip "$pkg is installed but $tarball is missing"

# Extract once per tarball: the stamp names the one we extracted from.
stamp="$tarball $(stat -c '%s %Y' "$tarball")"
if [ "$(cat "$dir/.extracted" 2>/dev/null)" != "$stamp" ]; then
	echo "conformance: extracting upstream selftests from $tarball"
	rm -rf "$dir"
	mkdir -p "$dir.tmp"
	tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1 --wildcards \
		"${files[@]/#/*/}" || { rm -rf "$dir.tmp"; skip "cannot extract from $tarball"; }
	mv "$dir.tmp" "$dir"
	echo "$stamp" > "$dir/.extracted"
fi

# The harness kills a case after 30 s.  Under TCG with KASAN and lockdep the
# fault-injection sweeps (basic_fail_nth.map_domain, map_two_domains) need
# 40-80 s: allow 300 s.  Nothing else in the upstream files is changed.
harness=$dir/tools/testing/selftests/kselftest_harness.h
sed -i 's/^#define TEST_TIMEOUT_DEFAULT 30$/#define TEST_TIMEOUT_DEFAULT 300/' "$harness"
grep -q '^#define TEST_TIMEOUT_DEFAULT 300$' "$harness" ||
	echo "conformance: WARNING: could not raise the harness' case timeout" >&2

# The upstream sources include ../../../../drivers/iommu/iommufd/iommufd_test.h
# from their directory: that must be the series' file.
mkdir -p "$dir/drivers/iommu/iommufd"
ln -sfn "$src/drivers/iommu/iommufd/iommufd_test.h" \
	"$dir/drivers/iommu/iommufd/iommufd_test.h"

mkdir -p "$out"
cflags=(-static -O2 -pthread -D_GNU_SOURCE -isystem "$hdr/include"
	-include "$top/conformance/uapi-compat.h")
for p in "${progs[@]}"; do
	bin=$out/upstream-$p
	if ! $cc "${cflags[@]}" -o "$bin" "$dir/tools/testing/selftests/iommu/$p.c"; then
		echo "conformance: ERROR: upstream $p.c does not compile against" \
		     "the series' headers; fix conformance/uapi-compat.h" >&2
		# A suite that says so in the guest, so the run fails visibly.
		printf '#!/bin/sh\necho "TAP version 13"\necho "1..1"\n%s\n' \
			"echo 'not ok 1 build # upstream $p.c did not compile, see the build log'" > "$bin"
		chmod 755 "$bin"
	fi
done
