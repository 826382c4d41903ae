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
