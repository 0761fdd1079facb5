#!/usr/bin/env bash
# Builds every libFuzzer target (sanitized) and runs each for SECONDS (default 30) from its seed
# corpus. A crash fails the script and leaves the reproducer in fuzz/artifacts/: turn it into a
# corpus file under fuzz/corpus/<target>/ plus a named regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
# Every fuzz/<name>_fuzz.cpp is a target.
mapfile -t targets < <(find fuzz -maxdepth 1 -name '*_fuzz.cpp' -printf '%f\n' | sed 's/_fuzz\.cpp$//' | sort)
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOCMESH_FUZZ=ON \
  -DSOCMESH_BUILD_TESTS=OFF -DSOCMESH_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]/%/_fuzz}"
data=${SOCMESH_TEST_DATA:-$(cd .. && pwd)/shared/data}
[[ -d $data ]] || data=/work/shared/data
mkdir -p fuzz/artifacts
for name in "${targets[@]}"; do
  bin=build-fuzz/fuzz/${name}_fuzz
  work=$(mktemp -d)
  seeds=(fuzz/corpus/"$name")
  case $name in bundle | canonical_json) seeds+=("$data/stix") ;; esac
  echo "== fuzz $name for ${seconds}s"
  status=0
  ASAN_OPTIONS=detect_leaks=0 "$bin" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
    -artifact_prefix=fuzz/artifacts/"$name"- -print_final_stats=1 "$work" "${seeds[@]}" \
    >"$work.log" 2>&1 || status=$?
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::new_units_added)' "$work.log" || true
  if [[ $status -ne 0 ]]; then tail -40 "$work.log" >&2; fi
  rm -rf "$work" "$work.log"
  if [[ $status -ne 0 ]]; then
    echo "fuzz $name FAILED (exit $status); reproducer in fuzz/artifacts/" >&2
    exit 1
  fi
done
