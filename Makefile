# The README's two commands: `make demo` and `make test`. Both install missing Debian
# packages first (root), configure and build in build/, then run.
PYTHON ?= /usr/bin/python3
BUILD  ?= build
JOBS   ?= $(shell nproc)

.PHONY: all deps build demo test clean

all: build

deps:
	scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE=$(PYTHON)
	cmake --build $(BUILD) --parallel $(JOBS)

demo: build
	$(BUILD)/apps/medimg demo --out report
	$(BUILD)/apps/medimg info data/ct_small.dcm

test: build
	cd $(BUILD) && ctest --output-on-failure --parallel $(JOBS)

clean:
	rm -rf $(BUILD) build-pip report python/medimg.egg-info
