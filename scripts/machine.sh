# Sourced by the scripts that boot guests: the test machines.  Each
# architecture has a default machine, which runs every suite, and machines
# with another IOMMU (GUEST_IOMMU), which boot the same kernel and run the
# suites that drive real devices through it (machine_suites).  A new
# machine: its name here, its QEMU arguments in scripts/guest.sh, its
# checks in guest/platform-<arch>, and a line in the README's table.

# machine_iommus ARCH: the IOMMUs of ARCH's machines, the default first.
machine_iommus() {
	case "$1" in
	x86_64) echo "vtd amd virtio" ;;
	arm64) echo "smmuv3 virtio" ;;
	esac
}

# machine_suffix ARCH IOMMU: what the machine's results directory and
# console log are named with (results<suffix>, console<suffix>.log in
# build/<arch>): nothing for the default machine, "-IOMMU" for the others.
machine_suffix() {
	local iommus
	iommus=$(machine_iommus "$1")
	[ "$2" = "${iommus%% *}" ] || echo "-$2"
}

# The suites the other machines run (guest/init's harness.suites).
machine_suites=platform,iommufd_vfio_dma
