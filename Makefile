# lightwaves: every setup step lives here, so a fresh machine needs only `make demo` / `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup setup-bench setup-edge demo test test-fast bench bench-channels bench-edge clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[all]"
	touch $@

setup: $(VENV)/.installed

# What the benchmarks against aeon's Hydra and MultiRocket-Hydra need on top (torch, CPU build).
setup-bench: setup
	$(PY) -m pip install -q -e ".[bench]"

# The Cortex-M4F toolchain and emulator of the edge tests (tests/test_edge.py, docs/deploy.md) and
# benchmarks/bench_edge.py: Debian's arm-none-eabi GCC, newlib and QEMU. Nothing to do when they are there;
# installed with apt-get when run as root (CI); otherwise a note, and those tests skip.
EDGE_PACKAGES := gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
setup-edge:
	@if dpkg-query -W -f='$${Status}\n' $(EDGE_PACKAGES) 2>/dev/null | grep -c '^install ok installed$$' | \
	    grep -qx 3; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "setup-edge: installing $(EDGE_PACKAGES)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	        $(EDGE_PACKAGES) >/dev/null; } || \
	    echo "setup-edge: WARNING: apt-get could not install $(EDGE_PACKAGES); the edge tests will skip"; \
	else \
	    echo "setup-edge: $(EDGE_PACKAGES) not installed (needs root and apt-get); the edge tests will skip"; \
	fi

# The main job: fit LightWaveS and MiniRocket on the bundled BasicMotions and JapaneseVowels.
demo: setup
	$(VENV)/bin/lightwaves demo --out demo-report

# Whole suite, real-data checks included (what CI runs).
test: setup setup-edge
	$(PY) -m pytest -q

# Only the fast tests (seconds).
test-fast: setup
	$(PY) -m pytest -q -m "not slow and not distributed"

bench: setup
	$(PY) benchmarks/bench_peers.py

bench-channels: setup
	$(PY) benchmarks/bench_channels.py

bench-edge: setup setup-edge
	$(PY) benchmarks/bench_edge.py

clean:
	rm -rf $(VENV) demo-report .pytest_cache build src/*.egg-info
