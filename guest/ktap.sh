# Helpers for KTAP suites written in shell (sourced).
ktap_n=0
ktap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

# check NAME CMD...: one test case, passing when CMD succeeds.
check() {
	name=$1
	shift
	ktap_n=$((ktap_n + 1))
	if "$@" >/dev/null 2>&1; then
		echo "ok $ktap_n $name"
	else
		echo "not ok $ktap_n $name"
	fi
}

# For suites that work out a case's outcome themselves:
# result ok|fail|skip NAME [REASON...] prints the case; failures are
# counted in ktap_fails, so the suite can end with [ $ktap_fails = 0 ].
ktap_fails=0
result() {
	local r=$1 case_name=$2
	shift 2
	ktap_n=$((ktap_n + 1))
	case "$r" in
	ok)   echo "ok $ktap_n $case_name" ;;
	skip) echo "ok $ktap_n $case_name # SKIP $*" ;;
	*)    echo "not ok $ktap_n $case_name"; ktap_fails=$((ktap_fails + 1)) ;;
	esac
}

# diag TEXT...: a KTAP comment line.
diag() {
	echo "# $*"
}

# diag_file TITLE FILE [LINES]: the last LINES (40) lines of FILE, as
# comment lines.
diag_file() {
	diag "--- $1 ---"
	if [ -s "$2" ]; then
		tr -d '\r' < "$2" | tail -n "${3:-40}" | sed 's/^/# | /'
	else
		diag "| (empty)"
	fi
}

# now_cs: centiseconds since boot; fmt_cs CS prints them as seconds.
now_cs() {
	awk '{ printf "%d\n", $1 * 100 + 0.5 }' /proc/uptime
}
fmt_cs() {
	printf '%d.%02d' $(($1 / 100)) $(($1 % 100))
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_for() {
	local tries=$(($1 * 5))
	shift
	while ! "$@" 2>/dev/null; do
		tries=$((tries - 1))
		[ $tries -gt 0 ] || return 1
		sleep 0.2
	done
}

# pci_link VENDOR DEVICE LINK: where the sysfs link LINK of the first such
# device that has one points.
pci_link() {
	local d l=
	ktap_glob_on
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat $d/vendor)" = "0x$1" ] || continue
		[ "$(cat $d/device)" = "0x$2" ] || continue
		[ -e $d/$3 ] || continue
		l=$(readlink $d/$3)
		break
	done
	ktap_glob_restore
	[ -n "$l" ] && echo "$l"
}

# pci_group VENDOR DEVICE: iommu group number of the first such device.
pci_group() {
	local g
	g=$(pci_link "$1" "$2" iommu_group) && echo "${g##*/}"
}

# pci_iommu VENDOR DEVICE: where the "iommu" link of the first such device
# points, the sysfs directory of the IOMMU that translates it: its name is
# dmar0 (VT-d), ivhd0 (AMD-Vi), smmu3.0x<base> (SMMUv3), or a virtio-iommu's
# PCI address in a .../virtioN/iommu/ directory.
pci_iommu() {
	pci_link "$1" "$2" iommu
}

# iommu_fault_lines FILE: the lines of a kernel log in FILE in which an
# IOMMU driver reports a fault: VT-d ("DMAR: [DMA Read ...", "DMAR: DRHD:
# handling fault"), AMD-Vi ("Event logged [IO_PAGE_FAULT"), SMMUv3
# ("arm-smmu-v3 ...: event 0x.. received"), virtio-iommu ("... fault from
# EP").  Nothing (and status 1) if there is none.
iommu_fault_lines() {
	grep -iE 'DMAR.*fault|DMAR: \[DMA|DMAR: DRHD|IO_PAGE_FAULT|arm-smmu-v3.*event 0x.* received|virtio_iommu.* fault from EP' "$1"
}

# harness_iommu: the machine's IOMMU as scripts/guest.sh names it on the
# kernel command line (harness.iommu=vtd, amd, virtio or smmuv3).
harness_iommu() {
	local cmdline arg
	read -r cmdline < /proc/cmdline
	for arg in $cmdline; do
		case "$arg" in
		harness.iommu=*) echo "${arg#harness.iommu=}"; return 0 ;;
		esac
	done
	return 1
}

# The helpers below use shell builtins only where they can: in a debug
# kernel under TCG each new process costs a noticeable fraction of a second.
# Those that expand pathnames do so also in suites that turned it off
# (set -f): ktap_glob_on / ktap_glob_restore around the expansion.
ktap_glob_on() {
	case $- in
	*f*) ktap_noglob=1; set +f ;;
	*) ktap_noglob=0 ;;
	esac
}
ktap_glob_restore() {
	[ "$ktap_noglob" = 1 ] && set -f
	return 0
}

# pci_driver DEV: the driver bound to the PCI device DEV (its sysfs
# directory), or "none".
pci_driver() {
	local drv
	ktap_glob_on
	for drv in /sys/bus/pci/drivers/*; do
		[ -e "$drv/${1##*/}" ] && break
		drv=
	done
	ktap_glob_restore
	if [ -n "$drv" ]; then
		echo "${drv##*/}"
	else
		echo none
	fi
}

# nvme_serial DEV: the serial number of the NVMe controller DEV (its sysfs
# directory), while the nvme driver has it.
nvme_serial() {
	local f s
	ktap_glob_on
	for f in "$1"/nvme/nvme*/serial; do
		[ -r "$f" ] && read -r s < "$f" && echo "$s"
	done
	ktap_glob_restore
}

# nvme_bdf SERIAL: the PCI address of the NVMe controller with that serial
# number, while the nvme driver has it.
nvme_bdf() {
	local d f s
	ktap_glob_on
	for d in /sys/bus/pci/devices/*; do
		for f in "$d"/nvme/nvme*/serial; do
			[ -r "$f" ] && read -r s < "$f" || continue
			[ "$s" = "$1" ] || continue
			ktap_glob_restore
			echo "${d##*/}"
			return 0
		done
	done
	ktap_glob_restore
	return 1
}

# VT-d (x86_64): vtd_ecap_bit N prints bit N of dmar0's extended capability
# register (43: scalable mode, 40: PASID); vtd_scalable_in_use succeeds when
# the root table in use is a scalable-mode one (RTADDR.TTM = 01b).
vtd_ecap_bit() {
	local ecap=0
	read -r ecap 2>/dev/null < /sys/class/iommu/dmar0/intel-iommu/ecap
	echo $(( (0x$ecap >> $1) & 1 ))
}
vtd_scalable_in_use() {
	local reg _ val
	while read -r reg _ val _; do
		[ "$reg" = RTADDR ] && break
	done 2>/dev/null < /sys/kernel/debug/iommu/intel/iommu_regset
	[ "$reg" = RTADDR ] && [ $(( (val >> 10) & 3 )) = 1 ]
}

# Kernel log lines that mean the kernel went wrong (an extended regular
# expression; scripts/results.py has the full list the host uses).
KERNEL_SPLAT='BUG:|WARNING:|Oops|Kernel panic|KASAN:|UBSAN:'
KERNEL_SPLAT="$KERNEL_SPLAT|general protection fault|soft lockup|hard LOCKUP"
KERNEL_SPLAT="$KERNEL_SPLAT|possible (circular|recursive) locking"
KERNEL_SPLAT="$KERNEL_SPLAT|inconsistent lock state|suspicious RCU usage"
KERNEL_SPLAT="$KERNEL_SPLAT|list_(add|del) corruption"
