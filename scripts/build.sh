#!/usr/bin/env bash
# Configures and builds socmesh. Usage: scripts/build.sh [BUILD_DIR] [extra cmake -D options…]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
