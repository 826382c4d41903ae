# iommufd for Linux 6.1: series workflow and test harness.
# "make help" lists the targets; README.md explains them.

ARCHES ?= x86_64 arm64
SHELL := /bin/bash
S := scripts

.PHONY: help deps base tree export check allmod kernels kernel-% tests-% initrd-% \
	test test-iommus test-qemu qemu10-root run bench shell-% boot-% clean

help:
	@echo "make run          boot the x86_64 kernel (VT-d) and show /dev/iommu at work"
	@echo "make test         build both kernels, boot both, run every suite"
	@echo "make test-iommus  only the machines with other IOMMUs (AMD-Vi, virtio-iommu)"
	@echo "make test-qemu    x86_64: only the QEMU passthrough suites (QEMU 7.2 and 10; VT-d, AMD-Vi)"
	@echo "make bench        time map+unmap: iommufd vs VFIO type1 on VT-d, mock (x86_64)"
	@echo "make tree         build/linux: base + one commit per patch"
	@echo "make export       write patches/ back from build/linux"
	@echo "make check        checkpatch --strict and sparse on the series"
	@echo "make allmod       allmodconfig builds of the code the IOMMU core changes reach"
	@echo "make kernel-ARCH  build one kernel (x86_64, arm64)"
	@echo "make boot-ARCH    boot one kernel and run its suites"
	@echo "make shell-ARCH   boot one kernel to a shell"

deps:
	@$(S)/deps.sh

base: deps
	@$(S)/fetch-base.sh

# build/linux is made from patches/ when missing; "make tree" remakes it.
build/linux/.git/iommufd-exported-head:
	@$(MAKE) --no-print-directory deps
	@$(S)/tree.sh

tree: deps
	@$(S)/tree.sh

export:
	@$(S)/export.sh

check: build/linux/.git/iommufd-exported-head
	@$(S)/check.sh

# ALLMOD_REVS="rev..." checks those commits of build/linux (default HEAD).
allmod: build/linux/.git/iommufd-exported-head
	@for a in $(ARCHES); do $(S)/allmod-check.sh $$a $(ALLMOD_REVS) || exit 1; done

kernel-%: build/linux/.git/iommufd-exported-head
	@$(S)/kbuild.sh $*

tests-%: kernel-%
	@$(S)/selftests.sh $*

initrd-%: tests-%
	@$(S)/initrd.sh $*

kernels: $(addprefix kernel-,$(ARCHES))

boot-%: initrd-%
	@$(S)/boot-and-check.sh $*

shell-%: initrd-%
	@$(S)/guest.sh $* shell

run: deps initrd-x86_64
	@$(S)/guest.sh x86_64 run

# The benchmark boots a kernel without debugging options (KVARIANT=bench)
# with the test initramfs.
bench: deps initrd-x86_64
	@KVARIANT=bench $(S)/kbuild.sh x86_64
	@$(S)/bench.sh x86_64

test: deps
	@$(S)/test.sh $(ARCHES)

# The machines with another IOMMU than the default one (scripts/machine.sh),
# which make test boots too.
test-iommus: deps
	@MACHINES=others $(S)/test.sh $(ARCHES)

# The slow QEMU suites alone, with the Debian 13 root that QEMU 10 runs from
# (built once under build/cache); "make test" runs them too once it exists.
test-qemu: deps
	@$(S)/test-qemu.sh

qemu10-root:
	@$(S)/qemu10-root.sh

clean:
	rm -rf build/x86_64 build/arm64
