#!/bin/bash
# Configure and build the test kernel for one architecture, out of tree:
#   scripts/kbuild.sh x86_64|arm64 [make arguments...]
# With make arguments, runs those instead of building the kernel image.
# Source: build/linux (override with SRC=).  Objects: build/<arch>/obj,
# image: build/<arch>/kernel.
# The configuration is tinyconfig + configs/common.config +
# configs/<arch>.config + configs/debug.config, and every symbol the
# fragments ask for must end up in .config with the value asked for (the
# last fragment that names a symbol wins).
# KVARIANT=bench builds the benchmark's kernel instead: configs/bench.config
# (no KASAN, lockdep, kmemleak or fault injection) in place of debug.config,
# objects in build/<arch>/obj-bench, image build/<arch>/kernel-bench.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
arch=$1
shift
src=${SRC:-$top/build/linux}
variant=${KVARIANT:-test}
case "$variant" in
test)  obj=$top/build/$arch/obj; out=$top/build/$arch/kernel
       extra=$top/configs/debug.config ;;
bench) obj=$top/build/$arch/obj-bench; out=$top/build/$arch/kernel-bench
       extra=$top/configs/bench.config ;;
*) echo "kbuild: unknown KVARIANT $variant" >&2; exit 1 ;;
esac
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

frags=("$top/configs/common.config" "$top/configs/$arch.config" "$extra")
mkdir -p "$obj"
sum=$(cat "${frags[@]}" | sha256sum | cut -d' ' -f1)

# The values the fragments ask for, the last one for each symbol:
# "CONFIG_FOO=y" lines ("# CONFIG_FOO is not set" only overrides).
wanted() {
	cat "${frags[@]}" | awk '
		/^CONFIG_[A-Za-z0-9_]+=/ { s = $0; sub(/=.*/, "", s); v[s] = $0; o[s] = ++n }
		/^# CONFIG_[A-Za-z0-9_]+ is not set/ { v[$2] = ""; o[$2] = ++n }
		END { for (s in v) if (v[s] != "") print o[s], v[s] }' |
		sort -n | cut -d' ' -f2-
}

# True if .config has every value the fragments ask for.  A build of an
# older tree (bisecting, say) can drop symbols that tree does not know.
config_complete() {
	local line
	while IFS= read -r line; do
		grep -qx -- "$line" "$obj/.config" || return 1
	done < <(wanted)
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
		if ! grep -qx -- "$line" "$obj/.config"; then
			sym=${line%%=*}
			got=$(grep -E "^$sym=|^# $sym is not set" "$obj/.config" || echo "(absent)")
			echo "kbuild: $arch: asked for $line, got $got" >&2
			bad=1
		fi
	done < <(wanted)
	[ "$bad" = 0 ] || exit 1
	echo "$sum" > "$obj/.config-frags"
fi

if [ $# -gt 0 ]; then
	"${mk[@]}" "$@"
	exit
fi
echo "kbuild: building $arch${KVARIANT:+ ($variant)}"
"${mk[@]}" "$target"
cp "$obj/$image" "$out"
