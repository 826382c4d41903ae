#!/bin/bash
# Boot the test kernel of one architecture under QEMU (TCG) and let the
# guest's /init do MODE (test, run, shell, bench or exec):
#   scripts/guest.sh x86_64|arm64 [test|run|shell|bench]
#   scripts/guest.sh x86_64|arm64 exec DIR
# exec copies DIR into the results share and runs its run.sh in the guest
# (for trying a program without repacking the initramfs); what run.sh
# leaves in /results is in build/<arch>/results afterwards.
# x86_64: q35 + VT-d (scalable mode, PASID, interrupt remapping), edu, nvme,
#         and a second nvme (serial bootdisk) that the qemu-passthrough suite
#         hands to an inner QEMU over vfio-pci; its disk, build/x86_64/boot.img,
#         is made by scripts/mkbootimg.py and boot.img.marker, the line the
#         inner guest prints, is copied into the results share.  Once
#         scripts/qemu10-root.sh has built its Debian 13 root, that is shared
#         too (tag qemu10root, at /qemu10 in the guest) for the QEMU 10 suite.
#         Suites (not run, bench) also get a root port with an NVMe and a
#         pci-testdev behind it, for the hot reset suite, and a pci-testdev
#         on an expander bus that bypasses VT-d, for the no-IOMMU suite.
# arm64:  virt + SMMUv3 + GICv3, nvme.
# GUEST_IOMMU picks another IOMMU for the same kernel (scripts/machine.sh
# lists them): on x86_64 "amd" (QEMU's AMD-Vi, with interrupt remapping) or
# "virtio" (virtio-iommu-pci, described by ACPI VIOT), on arm64 "virtio"
# (virtio-iommu-pci, described by the device tree, in place of the SMMUv3);
# the default is "vtd" on x86_64 and "smmuv3" on arm64.  Such a machine has
# edu (x86_64) and the NVMe controllers, not the root port and expander bus
# above, and keeps its results and console log apart:
# build/<arch>/results-<iommu>, build/<arch>/console-<iommu>.log.  The guest
# learns which IOMMU it has from harness.iommu= on its command line.
# The console goes to build/<arch>/console.log (and to the terminal for run
# and shell); results come back through a 9p share, build/<arch>/results.
# QEMU always runs under a timeout (GUEST_TIMEOUT seconds); the exit status
# is 124 if the guest had to be killed.  In run mode it is otherwise the
# demo's (guest/demo), and the last line says how long the guest ran.
# bench gets 3 GiB with 2 MiB hugepages reserved at boot, its own share
# (build/<arch>/bench) and console log (build/<arch>/bench-console.log), so
# it leaves the last test run's results alone, and boots the benchmark's
# kernel (build/<arch>/kernel-bench, no debugging options); BENCH_REPS sets the
# repetitions per row, BENCH_TABLES which tables (real, mock; see
# guest/bench.c).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
arch=$1
mode=${2:-test}
b=$top/build/$arch
timeout_s=${GUEST_TIMEOUT:-1500}

# test: room for 1 GiB of 2 MiB hugetlb pages (iommufd_mock's huge_iopte)
# and upstream's 128 MiB, reserved at boot, beside the KASAN kernel's needs.
mem=1G
[ "$mode" = test ] && mem=2560M
. "$top/scripts/machine.sh"
iommus=$(machine_iommus "$arch")
[ -n "$iommus" ] || { echo "guest: unknown arch $arch" >&2; exit 1; }
iommu=${GUEST_IOMMU:-${iommus%% *}}
case " $iommus " in
*" $iommu "*) ;;
*) echo "guest: GUEST_IOMMU=$iommu: $arch has $iommus" >&2; exit 2 ;;
esac
suffix=$(machine_suffix "$arch" "$iommu")
res=$b/results$suffix
log=$b/console$suffix.log
kernel=$b/kernel
if [ "$mode" = bench ]; then
	mem=3G
	kernel=$b/kernel-bench
	res=$b/bench
	log=$b/bench-console.log
fi
rm -rf "$res"
mkdir -p "$res"
if [ "$mode" = exec ]; then
	[ -f "${3:-}/run.sh" ] || { echo "guest: exec needs a DIR with run.sh" >&2; exit 2; }
	cp -r "$3"/. "$res"/
fi
# A small disk for the NVMe controller, with a recognisable first sector.
if [ ! -f "$b/nvme.img" ]; then
	truncate -s 16M "$b/nvme.img"
	printf 'iommufd-6.1 test disk\n' | dd of="$b/nvme.img" conv=notrunc status=none
fi
# run: the demo has the controller read LBA 0 and 1 by DMA and prints what
# arrived; LBA 1 gets a line written now, so it cannot come from elsewhere.
if [ "$mode" = run ]; then
	printf 'hello from the NVMe disk, written by the host at %s\n' \
		"$(date -u '+%F %T UTC')" |
		dd of="$b/nvme.img" bs=512 seek=1 conv=notrunc,sync status=none
fi

# x86_64: the disk of the second NVMe controller, a 1 MiB boot image with a
# random marker; remade when missing or older than its generator.
if [ "$arch" = x86_64 ]; then
	if [ ! -f "$b/boot.img.marker" ] ||
	   [ "$top/scripts/mkbootimg.py" -nt "$b/boot.img" ]; then
		python3 "$top/scripts/mkbootimg.py" "$b/boot.img" || exit 1
	fi
	cp "$b/boot.img.marker" "$res"/
fi

# A TCG guest on a busy host can stall for many seconds without any bug:
# report soft lockups only after a minute (2 * watchdog_thresh).
# On a busy host the boot-time check of the IO-APIC timer can miss TCG's
# ticks, and with interrupt remapping on the kernel then panics: no check.
append="panic=-1 harness.mode=$mode harness.iommu=$iommu watchdog_thresh=30 no_timer_check"
# kmemleak's bookkeeping would only add noise to the benchmark's timings,
# and time to the demo, which does not scan for leaks.
case "$mode" in
bench | run) ;;
*) append="$append kmemleak=on" ;;
esac
# "run" is for reading: keep the kernel's boot chatter off the console, and
# skip the KUnit suites at boot (make test runs them).
[ "$mode" = run ] && append="$append quiet kunit.enable=0"
# bench: 1 GiB of hugetlbfs buffer plus a little (520 x 2 MiB).
[ "$mode" = bench ] &&
	append="$append quiet hugepages=520${BENCH_REPS:+ harness.reps=$BENCH_REPS}${BENCH_TABLES:+ harness.tables=$BENCH_TABLES}"
# test: 1 GiB for iommufd_mock, 128 MiB for upstream's suites (576 x 2 MiB).
[ "$mode" = test ] && append="$append hugepages=576"
# GUEST_SUITES=80-qemu-passthrough,85-qemu10-iommufd: run only these suites
# of /tests (make test-qemu).
[ -n "${GUEST_SUITES:-}" ] && append="$append harness.suites=$GUEST_SUITES"
common=(-smp 2 -m "$mem" -no-reboot -net none -display none -monitor none
	-serial stdio
	-drive "file=$b/nvme.img,if=none,id=nv0,format=raw"
	-device nvme,serial=deadbeef,drive=nv0
	-virtfs "local,path=$res,mount_tag=results,security_model=none"
	-kernel "$kernel" -initrd "$b/initrd.cpio.gz")

# TCG only: KVM guests hang after SeaBIOS on the machines this runs on.
# "after" comes after "common", so the first nvme keeps its PCI address.
after=()
case "$arch" in
x86_64)
	after=(-drive "file=$b/boot.img,if=none,id=nv1,format=raw,readonly=on"
	       -device nvme,serial=bootdisk,drive=nv1)
	# The IOMMU comes first: QEMU wants it created before the devices
	# it translates.
	case "$iommu" in
	vtd) viommu=(-device intel-iommu,intremap=on,x-scalable-mode=on,x-pasid-mode=on)
	     append="intel_iommu=on $append" ;;
	amd) viommu=(-device amd-iommu,intremap=on) ;;
	# No interrupt remapping behind virtio-iommu on x86: VFIO and
	# iommufd refuse such devices unless told that is acceptable.
	virtio) viommu=(-device virtio-iommu-pci)
		append="vfio_iommu_type1.allow_unsafe_interrupts=1 iommufd.allow_unsafe_interrupts=1 $append" ;;
	esac
	qemu=(qemu-system-x86_64
	      -machine q35,accel=tcg,kernel-irqchip=split -cpu max
	      "${viommu[@]}"
	      -device edu
	      -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap")
	append="console=ttyS0 $append"
	# The Debian 13 root with QEMU 10 (scripts/qemu10-root.sh) for
	# guest/qemu10-iommufd, shared like the host root, but only once it is
	# built and only for the modes that run suites; last, so the devices
	# before it keep their PCI addresses.
	q10=$("$top/scripts/qemu10-root.sh" --path)
	case "$mode" in
	test | exec | shell)
		[ -f "$q10/.qemu10-root-complete" ] &&
			after+=(-virtfs "local,path=$q10,mount_tag=qemu10root,security_model=none,readonly=on,multidevs=remap")
		# Only on the default machine: the suites that use them run there.
		if [ "$iommu" = vtd ]; then
			# For iommufd_vfio_reset: a PCIe root port whose
			# secondary bus holds an NVMe (function 0, on a null
			# disk) and a pci-testdev (function 1), so that a bus
			# reset resets two devices of one IOMMU group.  At
			# 5 GT/s: after a bus reset of a faster port Linux waits
			# for Data Link Layer Link Active, which QEMU 7.2's root
			# port never reports again.
			after+=(-device pcie-root-port,id=rpreset,chassis=9,slot=9,x-speed=5
				-blockdev null-co,node-name=nvreset,size=16777216
				-device nvme,serial=hotreset,drive=nvreset,bus=rpreset,addr=0.0,multifunction=on
				-device pci-testdev,bus=rpreset,addr=0.1)
			# For iommufd_vfio_noiommu: a pci-testdev that VT-d
			# does not translate, behind a PCI bridge on a PCIe
			# expander bus that bypasses the IOMMU (only bridges go
			# on the expander bus itself).
			after+=(-device pxb-pcie,id=pxbnoiommu,bus_nr=128,bypass_iommu=on
				-device pci-bridge,id=brnoiommu,bus=pxbnoiommu,chassis_nr=10,addr=0.0,shpc=off
				-device pci-testdev,bus=brnoiommu,addr=1.0)
		fi ;;
	esac ;;
arm64)
	case "$iommu" in
	smmuv3) machine=virt,iommu=smmuv3; viommu=() ;;
	virtio) machine=virt; viommu=(-device virtio-iommu-pci) ;;
	esac
	qemu=(qemu-system-aarch64
	      -machine "$machine,gic-version=3,accel=tcg"
	      -cpu max,pauth-impdef=on "${viommu[@]}")
	append="console=ttyAMA0 $append" ;;
esac

# GUEST_QEMU_ARGS: more QEMU arguments, for debugging (say, "-trace amdvi_*").
read -r -a extra_args <<< "${GUEST_QEMU_ARGS:-}"
cmd=(timeout -k 10 "$timeout_s" "${qemu[@]}" "${common[@]}" "${after[@]}"
     "${extra_args[@]}" -append "$append")
start=$SECONDS
if [ "$mode" = test ]; then
	"${cmd[@]}" < /dev/null > "$log" 2>&1
elif [ "$mode" = run ]; then
	# QEMU's VT-d reports the fault the demo provokes on its stderr too:
	# that goes to the log only.
	"${cmd[@]}" 2>&1 | tee "$log" |
		{ grep --line-buffered -Ev '^qemu-system-x86_64: (vtd_|New fault is not recorded)' || true; }
else
	"${cmd[@]}" 2>&1 | tee "$log"
fi
rc=$?
# run: the exit status is the demo's (guest/init leaves it in demo.rc).
if [ "$mode" = run ]; then
	took=$((SECONDS - start))
	if [ $rc != 0 ]; then
		echo "run: QEMU exited with $rc after $took s (console: $log)" >&2
	elif [ ! -s "$res/demo.rc" ]; then
		echo "run: the demo did not finish (console: $log)" >&2
		rc=1
	else
		rc=$(cat "$res/demo.rc")
		echo "run: guest ran $took s, demo exit status $rc (console: $log)"
	fi
fi
exit $rc
