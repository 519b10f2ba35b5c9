#!/usr/bin/env bash
# Installs dependencies, then builds and runs every test twice: the `dev` preset, then `asan`
# (AddressSanitizer + UndefinedBehaviorSanitizer). Exits non-zero on any build or test failure.
#   ASYNCSCOPE_WERROR=ON   treat warnings as errors (CI sets it)
#   ASYNCSCOPE_JOBS=N      parallel build/test jobs (default: all cores)
#   ASYNCSCOPE_PRESETS="dev"  run only some presets
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh

jobs=${ASYNCSCOPE_JOBS:-$(nproc)}
presets=(${ASYNCSCOPE_PRESETS:-dev asan})
configure_args=()
if [ -n "${ASYNCSCOPE_WERROR:-}" ]; then
    configure_args+=("-DASYNCSCOPE_WERROR=${ASYNCSCOPE_WERROR}")
fi
# Qt warns on every GUI test start without it.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
    XDG_RUNTIME_DIR=$(mktemp -d)
    chmod 700 "$XDG_RUNTIME_DIR"
    export XDG_RUNTIME_DIR
fi

failed=()
summary=()
for preset in "${presets[@]}"; do
    echo "=== ${preset}: configure and build"
    cmake --preset "$preset" "${configure_args[@]}"
    cmake --build --preset "$preset" -j "$jobs"

    echo "=== ${preset}: test"
    log="build/${preset}/ctest-summary.log"
    if ctest --preset "$preset" -j "$jobs" | tee "$log"; then
        :
    else
        failed+=("$preset")
    fi
    summary+=("${preset}: $(grep -E 'tests passed|tests failed' "$log" | tail -n 1)")
done

echo "=== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
    echo "FAILED presets: ${failed[*]}"
    exit 1
fi
