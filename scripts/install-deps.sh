#!/usr/bin/env bash
# Installs what asyncscope needs to build and run its tests on Debian 12, and nothing else.
# Fast when everything is already there: apt is not touched at all then.
set -euo pipefail

packages=(
    cmake ninja-build g++                               # toolchain (g++ 12 brings libasan/libubsan)
    qt6-base-dev qt6-charts-dev qt6-svg-dev             # Qt 6.4: Core Gui Widgets Test, Charts, Svg
    qcoro-qt6-dev                                       # QCoro 0.8 (coroutines on the Qt event loop)
    python3                                             # the reference oracle used by conformance
    clang-format                                        # .clang-format is checked in CI
    clang-14 libclang-rt-14-dev                         # libFuzzer (scripts/fuzz.sh)
    xvfb xauth                                          # a real window on a headless machine
    poppler-utils                                       # pdftotext/pdftoppm: the report tests read PDFs
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages already installed"
    exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "install-deps: missing ${missing[*]}; run as root or install sudo" >&2
        exit 1
    fi
    sudo=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
