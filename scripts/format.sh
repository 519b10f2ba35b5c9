#!/usr/bin/env bash
# clang-format over the project's C++ sources (.clang-format at the top).
#   bash scripts/format.sh           reformat in place
#   bash scripts/format.sh --check   list files that differ, exit 1 if any
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cpp' '*.h')
if [ "${1:-}" = "--check" ]; then
    bad=0
    for f in "${files[@]}"; do
        if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
            echo "needs formatting: $f"
            bad=1
        fi
    done
    exit $bad
fi
clang-format -i "${files[@]}"
