#!/usr/bin/env bash
# Builds the libFuzzer target (clang++-14, build/fuzz, -DASYNCSCOPE_FUZZ=ON) and runs it for a
# bounded time over loader + runner, seeded with tests/conformance/*.json and tests/hostile/.
#   ASYNCSCOPE_FUZZ_SECONDS=60   how long to fuzz (-max_total_time)
#   ASYNCSCOPE_JOBS=N            build jobs (default: all cores)
# New inputs go to build/fuzz/corpus (kept between runs); a crash, leak or timeout is written to
# build/fuzz/artifacts/ and fails the script: add the input to tests/hostile/ with its fix.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${ASYNCSCOPE_FUZZ_SECONDS:-60}
jobs=${ASYNCSCOPE_JOBS:-$(nproc)}
dir=build/fuzz
cxx=${ASYNCSCOPE_FUZZ_CXX:-clang++-14}
if ! command -v "$cxx" >/dev/null 2>&1; then
    echo "fuzz: $cxx not found (scripts/install-deps.sh installs clang-14 and libclang-rt-14-dev)" >&2
    exit 1
fi

echo "=== fuzz: configure and build ($dir)"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" -DASYNCSCOPE_FUZZ=ON \
    ${ASYNCSCOPE_WERROR:+-DASYNCSCOPE_WERROR=$ASYNCSCOPE_WERROR} >/dev/null
cmake --build "$dir" -j "$jobs" --target fuzz_run

mkdir -p "$dir/corpus" "$dir/artifacts"
seeds=("$dir/corpus")
for s in tests/conformance tests/hostile; do
    [ -d "$s" ] && seeds+=("$s")
done

echo "=== fuzz: ${seconds} s"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/cmake/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# New inputs are written to the first directory only (build/fuzz/corpus); the seeds stay as they are.
"$dir/fuzz/fuzz_run" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -dict=fuzz/asyncgraph.dict -artifact_prefix="$dir/artifacts/" -print_final_stats=1 "${seeds[@]}"
