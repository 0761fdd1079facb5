#!/usr/bin/env bash
# Installs every build and test dependency of socmesh from Debian 12 packages.
# Idempotent: packages already present are left alone; safe to run again.
# Versions are pinned to Debian 12 (bookworm) by the distribution itself; the list below is the
# single source of truth used by the README commands and by CI.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config clang-14 libclang-rt-14-dev clang-format clang-tidy
  # libraries
  libsimdjson-dev libsqlite3-dev libssl-dev libcli11-dev libspdlog-dev libfmt-dev
  libtomlplusplus-dev
  libboost-dev  # net/: Boost.Beast + Asio (header-only in 1.74)
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev openssl sqlite3 python3 curl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
