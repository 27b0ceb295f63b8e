# ffibench: one entry point. Every target installs what it needs first, so `make test` and
# `make bench` work on a fresh machine: Debian packages, the virtualenv, the Rust build.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.ffibench-installed
RUST_SOURCES := Cargo.toml Cargo.lock $(shell find crates -name '*.rs' -o -name '*.toml' -o -name '*.h')
# Extra arguments for `ffibench run`, e.g. `make bench RUN_ARGS="--scenario basic"`.
RUN_ARGS ?=

.PHONY: all install system-deps test test-rust test-python fuzz-python bench bench-quick bench-native lint format clean

all: test

system-deps:
	@command -v cargo >/dev/null || { echo "error: cargo is required (Rust 1.86 or newer)" >&2; exit 1; }
	@command -v gcc >/dev/null || { apt-get update -qq && apt-get install -y -qq gcc; }
	@# wrk drives the servers of load measurements (and their tests)
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	@# the tests open the HTML report in a real headless browser
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; }

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Editable install: maturin builds the PyO3 module, the build backend the C-ABI library, the
# http server binary (which embeds openapi.json) and cffi's API-mode extension (which needs
# gcc: system-deps).
$(STAMP): $(BIN)/python pyproject.toml build_backend/ffibench_build.py python/ffibench/backends/_capi/header.py python/ffibench/web/openapi.json $(RUST_SOURCES)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: system-deps $(STAMP)

test: test-rust test-python

test-rust: install
	cargo test --workspace --exclude ffibench-python

# FFIBENCH_REQUIRE_BROWSER: the report's browser test fails instead of skipping without Chromium.
test-python: install
	FFIBENCH_REQUIRE_BROWSER=1 $(BIN)/python -m pytest

# Differential fuzzing for about SECONDS seconds: every public function and method of every
# scenario, called with generated arguments of every type on every backend, must give the
# spec's answer or raise its exception class (tests/test_differential*.py). Coverage-guided
# by atheris when it installs (PyPI wheels for CPython 3.11), else random inputs.
# FUZZ_ARGS: more options of the driver, e.g. FUZZ_ARGS="--json fuzz.json --only words".
SECONDS ?= 600
FUZZ_ARGS ?=
fuzz-python: install
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check 'atheris>=2.3' \
		|| echo "atheris did not install: random inputs instead"
	nice -n 10 $(BIN)/python tools/fuzz_python.py --seconds $(SECONDS) $(FUZZ_ARGS)

# The full reference run, with the Rust-native (criterion) times beside the boundaries'.
bench: bench-native
	$(BIN)/ffibench run --criterion target/criterion $(RUN_ARGS)

# A quick look: fewer samples and sizes, no criterion.
bench-quick: install
	$(BIN)/ffibench run --quick $(RUN_ARGS)

bench-native: install
	cargo bench -p ffibench-core

lint: install
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(BIN)/ruff check python tests tools build_backend
	$(BIN)/ruff format --check python tests tools build_backend
	$(BIN)/mypy
	$(BIN)/python -m mypy.stubtest ffibench._native

format: install
	cargo fmt --all
	$(BIN)/ruff format python tests tools build_backend
	$(BIN)/ruff check --fix python tests tools build_backend

clean:
	rm -rf $(VENV) target python/ffibench/_lib python/ffibench/*.so results
