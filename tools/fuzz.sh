#!/usr/bin/env bash
# Builds and runs the fuzz targets of fuzz/ (issue 16) on stable Rust, without cargo-fuzz.
#
#   tools/fuzz.sh build              build every target (instrumented, AddressSanitizer)
#   tools/fuzz.sh smoke              run each target over its corpus and regressions once
#   tools/fuzz.sh run SECONDS [T..]  fuzz each target (or the ones named) for SECONDS, then
#                                    print a table: executions, exec/s, coverage, corpus growth,
#                                    crashes
#   tools/fuzz.sh merge [T..]        minimise each corpus in place: the seeds and at most
#                                    MERGE_CAP (60) inputs more, by the coverage they add
#   tools/fuzz.sh list               the targets
#
# The flags are the ones cargo-fuzz passes (`cargo fuzz build` = these + `cargo build`):
# SanitizerCoverage (sancov-module with inline 8-bit counters, the PC table for -print_pcs
# and compare tracing, which lets libFuzzer solve magic bytes), `--cfg fuzzing`, and debug
# assertions and overflow checks in the release build. `-Zsanitizer=address` is a nightly
# flag: RUSTC_BOOTSTRAP=1 lets the stable 1.95 compiler accept it. It is worth that: the
# C-ABI targets pass raw pointers, lengths and returned strings through unsafe code, where a
# read past a buffer or a string never freed (LeakSanitizer, part of ASan) would go unseen
# without it. The standard library is not rebuilt with ASan (that needs -Zbuild-std and the
# rust-src of a nightly), so only our code and its dependencies are checked, as with
# cargo-fuzz's default. `--target` keeps the flags off build scripts and proc-macros, and
# target/fuzz keeps this build away from the main one.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
triple=x86_64-unknown-linux-gnu
target_dir=${FUZZ_TARGET_DIR:-target/fuzz}
bin_dir=$target_dir/$triple/release
results=${FUZZ_RESULTS:-$target_dir/results}

targets() {
    sed -n 's/^name = "\([a-z_]*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^ffibench_fuzz$'
}

build() {
    local flags=(
        -Cpasses=sancov-module
        -Cllvm-args=-sanitizer-coverage-level=4
        -Cllvm-args=-sanitizer-coverage-inline-8bit-counters
        -Cllvm-args=-sanitizer-coverage-pc-table
        -Cllvm-args=-sanitizer-coverage-trace-compares
        --cfg fuzzing
        -Cdebug-assertions
        -Coverflow-checks
        -Zsanitizer=address
    )
    RUSTC_BOOTSTRAP=1 RUSTFLAGS="${flags[*]}" \
        cargo build --manifest-path fuzz/Cargo.toml --release --bins \
        --target "$triple" --target-dir "$target_dir" "$@"
}

# ASan: leaks are failures (the C ABI's strings must be freed), and a symbolised stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:symbolize=1}

smoke() {
    local failed=0 target dirs
    for target in $(targets); do
        dirs=()
        [[ -d fuzz/corpus/$target ]] && dirs+=("fuzz/corpus/$target")
        [[ -d fuzz/regressions/$target ]] && dirs+=("fuzz/regressions/$target")
        if [[ ${#dirs[@]} -eq 0 ]]; then
            echo "$target: no corpus" >&2
            failed=1
            continue
        fi
        # -runs=0 over directories: each input once, then stop (no mutation).
        if "$bin_dir/$target" -runs=0 -rss_limit_mb=4096 -artifact_prefix="$results/" "${dirs[@]}" \
            >"$results/$target.smoke.log" 2>&1; then
            echo "$target: ok ($(find "${dirs[@]}" -type f | wc -l) inputs)"
        else
            echo "$target: FAILED" >&2
            tail -40 "$results/$target.smoke.log" >&2
            failed=1
        fi
    done
    return $failed
}

run() {
    local seconds=$1
    shift
    local list=("$@")
    [[ ${#list[@]} -eq 0 ]] && mapfile -t list < <(targets)
    local summary=$results/summary.tsv
    printf 'target\tseconds\texecutions\texec/s\tcov\tft\tcorpus_before\tcorpus_after\tnew\tcrashes\n' >"$summary"
    local target corpus before after log crashes last execs cov ft rate
    for target in "${list[@]}"; do
        corpus=fuzz/corpus/$target
        mkdir -p "$corpus" "$results/artifacts/$target"
        before=$(find "$corpus" -type f | wc -l)
        log=$results/$target.log
        echo "== $target: ${seconds}s from $before corpus inputs"
        # New inputs go to the corpus directory (minimise it with `merge` before a commit);
        # a crash stops the run and lands in artifacts/.
        "$bin_dir/$target" -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=10 \
            -print_final_stats=1 -artifact_prefix="$results/artifacts/$target/" \
            "$corpus" >"$log" 2>&1 || true
        after=$(find "$corpus" -type f | wc -l)
        crashes=$(find "$results/artifacts/$target" -type f | wc -l)
        last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
        cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
        ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$seconds" "${execs:-?}" \
            "${rate:-?}" "${cov:-?}" "${ft:-?}" "$before" "$after" "$((after - before))" \
            "$crashes" | tee -a "$summary"
        if grep -qE '^==[0-9]+==ERROR|panicked at|^SUMMARY: ' "$log"; then
            grep -E -m5 -A3 'ERROR|panicked at|SUMMARY' "$log" || true
        fi
    done
    echo
    column -t -s $'\t' "$summary"
    # A crash fails the run.
    ! awk -F'\t' 'NR > 1 && $10 > 0 { found = 1 } END { exit !found }' "$summary"
}

# Keeps of each corpus its hand-written seeds and at most MERGE_CAP more inputs, picked
# greedily by the coverage edges each adds (libFuzzer's own merge keeps every input with a
# new edge: hundreds for a JSON reader, where a few dozen cover nearly as much).
merge() {
    local list=("$@") target
    [[ ${#list[@]} -eq 0 ]] && mapfile -t list < <(targets)
    for target in "${list[@]}"; do
        local corpus=fuzz/corpus/$target control=$results/$target.control
        rm -rf "$control" "$results/merge-out"
        mkdir -p "$results/merge-out"
        # -use_counters=0: edges, not hit counts.
        "$bin_dir/$target" -merge=1 -use_counters=0 -rss_limit_mb=4096 \
            -merge_control_file="$control" "$results/merge-out" "$corpus" \
            >"$results/$target.merge.log" 2>&1
        python3 - "$control" "${MERGE_CAP:-60}" <<'PYTHON' >"$results/$target.keep"
import os, sys
lines = open(sys.argv[1]).read().splitlines()
count = int(lines[0])
files = lines[2 : 2 + count]
features = {}
for line in lines[2 + count :]:
    if line.startswith("FT "):
        index, *found = line.split()[1:]
        features[int(index)] = set(found)
seeds = [i for i, f in enumerate(files) if os.path.basename(f).startswith("seed-")]
covered = set().union(*(features.get(i, set()) for i in seeds))
keep = list(seeds)
left = [i for i in range(count) if i not in seeds]
for _ in range(int(sys.argv[2])):
    best = max(left, key=lambda i: (len(features.get(i, set()) - covered), -os.path.getsize(files[i])), default=None)
    if best is None or not features.get(best, set()) - covered:
        break
    covered |= features[best]
    keep.append(best)
    left.remove(best)
print("\n".join(files[i] for i in keep))
PYTHON
        find "$corpus" -type f | { grep -vxFf "$results/$target.keep" || true; } | xargs -r rm -f
        echo "$target: $(find "$corpus" -type f | wc -l) inputs, $(cat "$corpus"/* | wc -c) bytes"
    done
}

mkdir -p "$results"
command=${1:-}
shift || true
case $command in
build) build "$@" ;;
smoke) smoke ;;
run) run "${1:-60}" "${@:2}" ;;
merge) merge "$@" ;;
list) targets ;;
*)
    sed -n '2,10p' "$0" >&2
    exit 2
    ;;
esac
