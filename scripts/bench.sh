#!/usr/bin/env bash
# Runs the benchmarks. --smoke: tiny sizes, to check they still run (CI). Figures for
# docs/benchmarks.md come from a full run on a quiet machine: scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh build
# Benchmarks that take --smoke (tiny sizes) and otherwise run their documented full size.
benches=(atrest audit crypto csv curate detect events identity iodef misp node_load pattern replication sign taxii text)
if [[ ${1:-} == --smoke ]]; then
  ./build/bench/ingest_bench --smoke
  ./build/bench/parse_bench --benchmark_min_time=0.05
  for b in "${benches[@]}"; do ./build/bench/"${b}"_bench --smoke; done
else
  ./build/bench/ingest_bench --objects 1000000 --reps 3
  ./build/bench/parse_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
  for b in "${benches[@]}"; do ./build/bench/"${b}"_bench; done
fi
