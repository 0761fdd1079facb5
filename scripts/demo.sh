#!/usr/bin/env bash
# README command 1: install dependencies, build, and run socmesh's main job on its embedded default:
# ingest the sample STIX data shipped in samples/ into a fresh SQLite store, show what was stored, and
# match a few sample Suricata EVE events against the indicators (alerts and STIX sightings).
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
echo "== detect: match samples/events/eve-sample.json against the stored indicators"
./build/socmesh --store "$store" detect samples/events/eve-sample.json --format eve \
  --organisation CERT-EXAMPLE --country FR
echo "== sightings stored by detect"
./build/socmesh --store "$store" search --type sighting
