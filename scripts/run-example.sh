#!/usr/bin/env bash
# Installs dependencies, builds the `release` preset and opens the app on a bundled example.
# Extra arguments go to the app. Without a display it saves a screenshot instead of hanging.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release --target asyncscope -j "${ASYNCSCOPE_JOBS:-$(nproc)}"

app=build/release/app/asyncscope
example=resources/examples/taskgroup-cancel-child.json
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
    shot=build/release/taskgroup-cancel-child.png
    "$app" "$example" --run --screenshot "$shot" "$@"
    echo "No display: ran $example and saved the window to $shot"
    echo "(for a real window: xvfb-run -a $app $example, or run this script on a desktop)"
    exit 0
fi
exec "$app" "$example" "$@"
