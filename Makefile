# lightwaves: every setup step lives here, so a fresh machine needs only `make demo` / `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup setup-bench demo test test-fast bench bench-channels clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[all]"
	touch $@

setup: $(VENV)/.installed

# What the benchmarks against aeon's Hydra and MultiRocket-Hydra need on top (torch, CPU build).
setup-bench: setup
	$(PY) -m pip install -q -e ".[bench]"

# The main job: fit LightWaveS and MiniRocket on the bundled BasicMotions and JapaneseVowels.
demo: setup
	$(VENV)/bin/lightwaves demo --out demo-report

# Whole suite, real-data checks included (what CI runs).
test: setup
	$(PY) -m pytest -q

# Only the fast tests (seconds).
test-fast: setup
	$(PY) -m pytest -q -m "not slow and not distributed"

bench: setup
	$(PY) benchmarks/bench_peers.py

bench-channels: setup
	$(PY) benchmarks/bench_channels.py

clean:
	rm -rf $(VENV) demo-report .pytest_cache build src/*.egg-info
