#!/bin/bash
# Build, once, the Debian 13 (trixie) root that the x86_64 test guest runs
# QEMU 10 from (guest/qemu10-iommufd: QEMU's iommufd backend, which Debian
# 12's QEMU 7.2 lacks).  scripts/guest.sh shares it into the guest over 9p,
# read-only, as it does the host root.
#   scripts/qemu10-root.sh           build it unless it is there
#   scripts/qemu10-root.sh --path    print where it is (or would be)
# Where: build/cache/trixie-qemu10 (QEMU10_ROOT overrides).  Mirror:
# QEMU10_MIRROR (http://deb.debian.org/debian).  Needs root (or sudo) and
# about 400 MB; takes a few minutes, mostly downloading and unpacking.
#
# A root counts as built only when it holds .qemu10-root-complete, which is
# written last, after QEMU in it has run; the root is built in a temporary
# directory next to it and renamed into place, so an interrupted build
# leaves nothing that looks finished (its leftovers are removed next time).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
root=${QEMU10_ROOT:-$top/build/cache/trixie-qemu10}
mirror=${QEMU10_MIRROR:-http://deb.debian.org/debian}
suite=trixie
stamp=.qemu10-root-complete

if [ "${1:-}" = --path ]; then
	echo "$root"
	exit 0
fi
if [ -f "$root/$stamp" ]; then
	echo "qemu10-root: cached: $root ($(head -n 1 "$root/$stamp"))"
	exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
start=$(date +%s)
parent=$(dirname "$root")
name=$(basename "$root")
mkdir -p "$parent"

# unmount_below DIR: whatever debootstrap left mounted under DIR (it mounts
# proc and sys in the target while packages configure).
unmount_below() {
	local m
	awk -v d="$1" 'index($2, d "/") == 1 { print $2 }' /proc/mounts |
		sort -r | while read -r m; do
			$SUDO umount -l "$m" || true
		done
}

# Leftovers of an interrupted build, and a root without its stamp.
for old in "$parent/$name".tmp.* "$root"; do
	[ -e "$old" ] || continue
	echo "qemu10-root: removing unfinished $old"
	unmount_below "$old"
	$SUDO rm -rf --one-file-system "$old"
done

if ! command -v debootstrap >/dev/null 2>&1; then
	echo "qemu10-root: installing debootstrap"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		--no-install-recommends debootstrap >/dev/null
fi
if [ ! -e "/usr/share/debootstrap/scripts/$suite" ]; then
	echo "qemu10-root: this debootstrap does not know $suite" >&2
	exit 1
fi

tmp=$(mktemp -d "$parent/$name.tmp.XXXXXX")
chmod 755 "$tmp"
cleanup() {
	unmount_below "$tmp"
	$SUDO rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
log=$parent/$name.log

echo "qemu10-root: debootstrap $suite + qemu-system-x86 into $tmp" \
	"(log: ${log#$top/})"
if ! $SUDO nice -n 19 debootstrap --variant=minbase \
	--include=qemu-system-x86 "$suite" "$tmp" "$mirror" > "$log" 2>&1; then
	echo "qemu10-root: debootstrap failed; last lines of $log:" >&2
	tail -n 20 "$log" >&2
	exit 1
fi
# The downloaded packages are not needed once unpacked (about 100 MB).
$SUDO rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*

# QEMU must run from the root and have its iommufd backend.
qemu=(chroot "$tmp" /usr/bin/qemu-system-x86_64)
version=$($SUDO "${qemu[@]}" --version | head -n 1)
if ! $SUDO "${qemu[@]}" -object help | grep -qw iommufd; then
	echo "qemu10-root: $version has no '-object iommufd'" >&2
	exit 1
fi
size=$($SUDO du -sm "$tmp" | cut -f1)
echo "$version" | $SUDO tee "$tmp/$stamp" >/dev/null
$SUDO mv "$tmp" "$root"
trap - EXIT
echo "qemu10-root: built $root: $version, $size MB," \
	"in $(( $(date +%s) - start )) s"
