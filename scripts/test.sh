#!/usr/bin/env bash
# README command 2: install dependencies, build, and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh build
ctest --test-dir build --output-on-failure -j "$(nproc)"
