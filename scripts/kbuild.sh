#!/bin/bash
# Configure and build the test kernel for one architecture, out of tree:
#   scripts/kbuild.sh x86_64|arm64 [make arguments...]
# With make arguments, runs those instead of building the kernel image.
# Source: build/linux (override with SRC=).  Objects: build/<arch>/obj.
# The configuration is tinyconfig + configs/common.config +
# configs/<arch>.config + configs/debug.config, and every symbol the
# fragments ask for must end up in .config with the value asked for.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
arch=$1
shift
src=${SRC:-$top/build/linux}
obj=$top/build/$arch/obj
jobs=${JOBS:-$(($(nproc) + 1))}

case "$arch" in
x86_64) karch=x86_64; cross=; image=arch/x86/boot/bzImage; target=bzImage ;;
arm64)  karch=arm64; cross=aarch64-linux-gnu-; image=arch/arm64/boot/Image; target=Image ;;
*) echo "kbuild: unknown arch $arch" >&2; exit 1 ;;
esac

cc=${cross}gcc
if command -v ccache >/dev/null; then
	cc="ccache $cc"
fi
mk=(make -C "$src" O="$obj" ARCH="$karch" CROSS_COMPILE="$cross" CC="$cc"
    HOSTCC="${HOSTCC:-gcc}" -j"$jobs" -s)

frags=("$top/configs/common.config" "$top/configs/$arch.config"
       "$top/configs/debug.config")
mkdir -p "$obj"
sum=$(cat "${frags[@]}" | sha256sum | cut -d' ' -f1)

# True if .config has every value the fragments ask for.  A build of an
# older tree (bisecting, say) can drop symbols that tree does not know.
config_complete() {
	local line
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) grep -qx -- "$line" "$obj/.config" || return 1 ;;
		esac
	done < <(cat "${frags[@]}")
}

if [ ! -f "$obj/.config" ] || [ "$(cat "$obj/.config-frags" 2>/dev/null)" != "$sum" ] ||
   ! config_complete; then
	echo "kbuild: configuring $arch"
	"${mk[@]}" tinyconfig >/dev/null
	KCONFIG_CONFIG="$obj/.config" "$src/scripts/kconfig/merge_config.sh" \
		-m -O "$obj" "$obj/.config" "${frags[@]}" >/dev/null
	"${mk[@]}" olddefconfig >/dev/null
	bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			if ! grep -qx -- "$line" "$obj/.config"; then
				sym=${line%%=*}
				got=$(grep -E "^$sym=|^# $sym is not set" "$obj/.config" || echo "(absent)")
				echo "kbuild: $arch: asked for $line, got $got" >&2
				bad=1
			fi ;;
		esac
	done < <(cat "${frags[@]}")
	[ "$bad" = 0 ] || exit 1
	echo "$sum" > "$obj/.config-frags"
fi

if [ $# -gt 0 ]; then
	"${mk[@]}" "$@"
	exit
fi
echo "kbuild: building $arch"
"${mk[@]}" "$target"
cp "$obj/$image" "$top/build/$arch/kernel"
