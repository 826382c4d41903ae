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

# pci_group VENDOR DEVICE: iommu group number of the first such device.
pci_group() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat $d/vendor)" = "0x$1" ] || continue
		[ "$(cat $d/device)" = "0x$2" ] || continue
		[ -e $d/iommu_group ] || continue
		g=$(readlink $d/iommu_group)
		echo ${g##*/}
		return
	done
}

# The helpers below use shell builtins only where they can: in a debug
# kernel under TCG each new process costs a noticeable fraction of a second.

# pci_driver DEV: the driver bound to the PCI device DEV (its sysfs
# directory), or "none".
pci_driver() {
	local drv
	for drv in /sys/bus/pci/drivers/*; do
		[ -e "$drv/${1##*/}" ] && { echo "${drv##*/}"; return; }
	done
	echo none
}

# nvme_serial DEV: the serial number of the NVMe controller DEV (its sysfs
# directory), while the nvme driver has it.
nvme_serial() {
	local f s
	for f in "$1"/nvme/nvme*/serial; do
		[ -r "$f" ] && read -r s < "$f" && echo "$s"
	done
}

# nvme_bdf SERIAL: the PCI address of the NVMe controller with that serial
# number, while the nvme driver has it.
nvme_bdf() {
	local d f s
	for d in /sys/bus/pci/devices/*; do
		for f in "$d"/nvme/nvme*/serial; do
			[ -r "$f" ] && read -r s < "$f" || continue
			[ "$s" = "$1" ] && { echo "${d##*/}"; return 0; }
		done
	done
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
