#!/usr/bin/env bash
# README command 1: install dependencies, build, and run socmesh's main job on its embedded default:
# ingest the sample STIX data shipped in samples/ into a fresh SQLite store and show what was stored.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh build
store=build/demo/store.db
rm -f "$store" "$store-wal" "$store-shm"
mkdir -p build/demo
echo "== ingest samples/stix into $store"
./build/socmesh --store "$store" ingest samples/stix
echo "== store statistics"
./build/socmesh --store "$store" stats
echo "== objects that carry the observable hugesoft.org (APT1 report indicator)"
./build/socmesh --store "$store" search --value hugesoft.org
echo "== current indicators"
./build/socmesh --store "$store" search --type indicator --limit 5
