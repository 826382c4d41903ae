#!/bin/bash
# Install what the harness needs on a Debian 12 host.  Idempotent: it only
# calls apt-get when a package is missing, and only runs "apt-get update"
# when it has to install something.  Optional packages may fail to install
# (with a warning): linux-source-6.12 only feeds the upstream conformance
# suites, which scripts/conformance.sh then skips.
set -euo pipefail

pkgs=(
	build-essential bc bison flex libelf-dev libssl-dev cpio kmod rsync
	python3 python3-ply python3-git git ccache sparse
	qemu-system-x86 qemu-system-arm
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	busybox-static
)
optional=(linux-source-6.12)

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done
missing_opt=()
for p in "${optional[@]}"; do
	installed "$p" || missing_opt+=("$p")
done

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
apt_install() {
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		--no-install-recommends "$@" >/dev/null
}
if [ "${#missing[@]}" -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	$SUDO apt-get update -qq
	apt_install "${missing[@]}"
fi
for p in "${missing_opt[@]}"; do
	echo "deps: installing $p"
	{ [ "${#missing[@]}" -gt 0 ] || $SUDO apt-get update -qq; } &&
		apt_install "$p" ||
		echo "deps: WARNING: cannot install $p (optional)" >&2
done
