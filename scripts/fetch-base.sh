#!/bin/bash
# Install the pinned base kernel source package (base.conf), verify the
# tarball and unpack it into $1 (default build/base).
#
# If the archive no longer carries the pinned version, the newest available
# linux-source-6.1 is used instead and a loud warning is printed: the series
# is meant to keep applying on any recent 6.1.y.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/base.conf"
dest=${1:-$top/build/base}

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

warn() {
	printf '\n%s\n' "************************************************************"
	printf 'WARNING: %s\n' "$@"
	printf '%s\n\n' "************************************************************"
}

# True if the archive (as apt knows it) has the pinned version.  The output
# is captured first: "grep -q" in a pipeline would close the pipe early and,
# under pipefail, turn a match into a failure.
pinned_available() {
	local versions
	versions=$(apt-cache madison "$BASE_PKG" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}')
	grep -qxF -- "$BASE_VERSION" <<< "$versions"
}

installed=$(dpkg-query -W -f='${Version}' "$BASE_PKG" 2>/dev/null || true)
if [ "$installed" != "$BASE_VERSION" ]; then
	if ! pinned_available; then
		$SUDO apt-get update -qq
	fi
	if pinned_available; then
		echo "base: installing $BASE_PKG=$BASE_VERSION"
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
			--allow-downgrades "$BASE_PKG=$BASE_VERSION" >/dev/null
	else
		warn "$BASE_PKG $BASE_VERSION is no longer in the archive;" \
		     "falling back to the newest $BASE_PKG.  Update base.conf."
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$BASE_PKG" >/dev/null
	fi
	installed=$(dpkg-query -W -f='${Version}' "$BASE_PKG")
fi

if [ "$installed" = "$BASE_VERSION" ]; then
	echo "$BASE_SHA256  $BASE_TARBALL" | sha256sum --quiet -c - || {
		echo "base: $BASE_TARBALL does not match BASE_SHA256" >&2
		exit 1
	}
else
	warn "using $BASE_PKG $installed instead of the pinned $BASE_VERSION"
fi

stamp="$dest/.version"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$installed" ]; then
	exit 0
fi
rm -rf "$dest"
mkdir -p "$dest"
echo "base: unpacking $BASE_TARBALL ($installed)"
tar -C "$dest" --strip-components=1 -xf "$BASE_TARBALL"
echo "$installed" > "$stamp"
