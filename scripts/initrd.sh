#!/bin/bash
# Pack the guest's initramfs for one architecture: busybox, the harness'
# /init, the platform suite and every program scripts/selftests.sh built.
# Output: build/<arch>/initrd.cpio.gz.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
arch=$1
b=$top/build/$arch
src=${SRC:-$top/build/linux}
cache=$top/build/cache
mkdir -p "$cache"

case "$arch" in
x86_64) busybox=/bin/busybox ;;
arm64)
	# Debian's static busybox for arm64, fetched once.
	busybox=$cache/busybox-arm64
	if [ ! -x "$busybox" ]; then
		dpkg --print-foreign-architectures | grep -qx arm64 || {
			dpkg --add-architecture arm64
			apt-get update -qq
		}
		tmp=$(mktemp -d)
		(cd "$tmp" && apt-get download -q busybox-static:arm64 >/dev/null 2>&1) ||
			{ apt-get update -qq && (cd "$tmp" && apt-get download -q busybox-static:arm64 >/dev/null 2>&1); }
		dpkg-deb -x "$tmp"/busybox-static_*_arm64.deb "$tmp/x"
		cp "$tmp/x/bin/busybox" "$busybox"
		rm -rf "$tmp"
	fi ;;
esac

gen=$cache/gen_init_cpio
if [ ! -x "$gen" ] || [ "$src/usr/gen_init_cpio.c" -nt "$gen" ]; then
	gcc -O2 -o "$gen" "$src/usr/gen_init_cpio.c"
fi

list=$b/initrd.list
{
	for d in /dev /proc /sys /tmp /results /host /qemu10 /bin /sbin /usr \
		 /usr/bin /usr/sbin /tests /tests/bin /tests/lib; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /bin/busybox $busybox 0755 0 0"
	for app in sh ash mount umount mkdir cat echo sleep sync poweroff ls \
		   grep awk sed readlink dmesg test setsid cttyhack uname head \
		   tail chroot find cp rm wc tr cut seq printf kill ps timeout \
		   env dd hexdump od tee; do
		echo "slink /bin/$app busybox 0777 0 0"
	done
	echo "file /init $top/guest/init 0755 0 0"
	echo "file /tests/lib/ktap.sh $top/guest/ktap.sh 0644 0 0"
	echo "file /tests/05-platform $top/guest/platform-$arch 0755 0 0"
	# x86_64: QEMU from the host root passes the second NVMe through
	# (guest/qemu-passthrough, scripts/mkbootimg.py, scripts/guest.sh).
	if [ "$arch" = x86_64 ]; then
		echo "file /tests/80-qemu-passthrough $top/guest/qemu-passthrough 0755 0 0"
		# QEMU 10 from the Debian 13 root, when shared: its iommufd
		# backend through the VFIO device cdev (guest/qemu10-iommufd).
		echo "file /tests/85-qemu10-iommufd $top/guest/qemu10-iommufd 0755 0 0"
	fi
	echo "file /tests/demo $top/guest/demo 0755 0 0"
	n=10
	for p in "$b"/tests/*; do
		name=$(basename "$p")
		case "$name" in
		iommufd-demo | iommufd-bench) echo "file /tests/bin/$name $p 0755 0 0" ;;
		*) echo "file /tests/$n-$name $p 0755 0 0"; n=$((n + 1)) ;;
		esac
	done
} > "$list"
"$gen" "$list" | gzip -1 > "$b/initrd.cpio.gz"
