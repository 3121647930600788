# SPDX-License-Identifier: BSD-3-Clause
# The two commands of the README, and the developer's build.
#   make demo   set up the machine, build, run the forwarding demo on vdpath-sim
#   make test   set up the machine, build (plain and ASan+UBSan), run the whole test suite
#   make build  set up the machine and build into build/ only
BUILD ?= build
ASAN_BUILD ?= build/asan

.PHONY: all setup build build-asan demo test clean

all: build

setup:
	@bash buildtools/setup.sh

build: setup
	@bash buildtools/build.sh $(BUILD)

build-asan: setup
	@bash buildtools/build.sh $(ASAN_BUILD) -Dsanitize=true

demo: build
	@bash buildtools/demo.sh $(BUILD)

test: setup
	@bash buildtools/run-tests.sh $(BUILD) $(ASAN_BUILD)

clean:
	rm -rf $(BUILD)
