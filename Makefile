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

.PHONY: all install system-deps test test-rust test-python test-fuzz fuzz fuzz-rust fuzz-python \
	fuzz-deps fuzz-build bench bench-quick bench-native reference lint format clean memcheck soak

all: test

system-deps:
	@command -v cargo >/dev/null || { echo "error: cargo is required (Rust 1.86 or newer)" >&2; exit 1; }
	@command -v gcc >/dev/null || { apt-get update -qq && apt-get install -y -qq gcc; }
	@# wrk drives the servers of load measurements (and their tests)
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	@# valgrind checks the C ABI for memory errors and leaks (tests/test_memory.py)
	@command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
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

test: test-rust test-python test-fuzz

test-rust: install
	cargo test --workspace --exclude ffibench-python

# FFIBENCH_REQUIRE_BROWSER: the report's browser test fails instead of skipping without Chromium.
test-python: install
	FFIBENCH_REQUIRE_BROWSER=1 $(BIN)/python -m pytest

# Fuzzing (issue 16). `make fuzz SECONDS=N` runs both fuzzers: every Rust target for N seconds,
# then the Python differential properties for 10 x N seconds in all.
#
# fuzz-rust: the libFuzzer targets of fuzz/, built on stable Rust with AddressSanitizer by
# tools/fuzz.sh (it says how and why), in target/fuzz; it prints executions, coverage, corpus
# growth and crashes per target. `make test-fuzz` runs each over its corpus and
# fuzz/regressions once.
SECONDS ?= 60
PYTHON_FUZZ_SECONDS ?= $(shell echo $$(( $(SECONDS) * 10 )))

fuzz: fuzz-rust fuzz-python

fuzz-deps:
	@# libfuzzer-sys compiles libFuzzer's C++ with the system g++
	@command -v g++ >/dev/null || { apt-get update -qq && apt-get install -y -qq g++; }

fuzz-build: fuzz-deps
	tools/fuzz.sh build

test-fuzz: fuzz-build
	tools/fuzz.sh smoke

fuzz-rust: fuzz-build
	tools/fuzz.sh run $(SECONDS)

# fuzz-python: differential fuzzing for PYTHON_FUZZ_SECONDS: every public function and method
# of every scenario, called with generated arguments of every type on every backend, must give
# the spec's answer or raise its exception class (tests/test_differential*.py). Coverage-guided
# by atheris when it installs (PyPI wheels for CPython 3.11), else random inputs.
# FUZZ_ARGS: more options of the driver, e.g. FUZZ_ARGS="--json fuzz.json --only words".
FUZZ_ARGS ?=
fuzz-python: install
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check 'atheris>=2.3' \
		|| echo "atheris did not install: random inputs instead"
	nice -n 10 $(BIN)/python tools/fuzz_python.py --seconds $(PYTHON_FUZZ_SECONDS) $(FUZZ_ARGS)

# The full reference run, with the Rust-native (criterion) times beside the boundaries'.
bench: bench-native
	$(BIN)/ffibench run --criterion target/criterion $(RUN_ARGS)

# The reference run behind docs/RESULTS.md: `make bench` written to docs/results/reference.json,
# with its report as markdown (docs/results/reference/report.md and its plots) and as one HTML
# page (docs/results/reference.html). REFERENCE=name writes docs/results/name.json instead (a
# second run to compare with: `ffibench compare docs/results/reference.json docs/results/name.json`).
REFERENCE ?= reference
reference: bench-native
	$(BIN)/ffibench run --criterion target/criterion -o docs/results/$(REFERENCE).json $(RUN_ARGS)
	$(BIN)/ffibench report docs/results/$(REFERENCE).json --format markdown -o docs/results/$(REFERENCE)
	$(BIN)/ffibench report docs/results/$(REFERENCE).json --format html -o docs/results/$(REFERENCE).html

# A quick look: fewer samples and sizes, no criterion.
bench-quick: install
	$(BIN)/ffibench run --quick $(RUN_ARGS)

bench-native: install
	cargo bench -p ffibench-core

# The full memory checks (tests/test_memory.py runs the short ones): valgrind over the C
# smoke program and over a probe of every C-ABI function (three rounds, origins tracked),
# LeakSanitizer, RSS over 10^6 calls and 8 threads per object and backend. About 25 minutes.
memcheck: install
	$(BIN)/python tools/memcheck.py valgrind --full
	$(BIN)/python tools/memcheck.py lsan
	$(BIN)/python tools/memcheck.py threads --seconds 3
	$(BIN)/python tools/memcheck.py rss --calls 1000000

# Soak runs, not part of `make test`: the events stream at 100k events/s and the axum server
# under wrk at 64 connections, MINUTES each, on 127.0.0.1.
MINUTES ?= 10
soak: install
	$(BIN)/python tools/soak.py events --minutes $(MINUTES)
	$(BIN)/python tools/soak.py http --minutes $(MINUTES)

lint: install
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	@# the fuzz crate is a workspace of its own (fuzz/), checked with the cfg its targets need
	cargo fmt --manifest-path fuzz/Cargo.toml --all --check
	RUSTFLAGS="--cfg fuzzing" cargo clippy --manifest-path fuzz/Cargo.toml --all-targets \
		--target-dir target/fuzz-lint -- -D warnings
	$(BIN)/ruff check python tests tools build_backend
	$(BIN)/ruff format --check python tests tools build_backend
	$(BIN)/mypy
	$(BIN)/python -m mypy.stubtest ffibench._native

format: install
	cargo fmt --all
	cargo fmt --manifest-path fuzz/Cargo.toml --all
	$(BIN)/ruff format python tests tools build_backend
	$(BIN)/ruff check --fix python tests tools build_backend

clean:
	rm -rf $(VENV) target python/ffibench/_lib python/ffibench/*.so results
