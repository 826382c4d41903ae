# iommufd for Linux 6.1: series workflow and test harness.
# "make help" lists the targets; README.md explains them.

ARCHES ?= x86_64 arm64
SHELL := /bin/bash
S := scripts

.PHONY: help deps base tree export check kernels kernel-% tests-% initrd-% \
	test run bench shell-% boot-% clean

help:
	@echo "make run          boot the x86_64 kernel (VT-d) and show /dev/iommu at work"
	@echo "make test         build both kernels, boot both, run every suite"
	@echo "make bench        time IOAS map+unmap into a mock domain (x86_64)"
	@echo "make tree         build/linux: base + one commit per patch"
	@echo "make export       write patches/ back from build/linux"
	@echo "make check        checkpatch --strict and sparse on the series"
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

bench: deps initrd-x86_64
	@$(S)/bench.sh x86_64

test: deps
	@$(S)/test.sh $(ARCHES)

clean:
	rm -rf build/x86_64 build/arm64
