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
  libxml2-dev libxml2-utils  # formats/iodef: XML, XSD validation; xmllint as test oracle
  libboost-dev  # net/: Boost.Beast + Asio (header-only in 1.74)
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev openssl sqlite3 python3 curl
  # keys in PKCS#11 tokens (crypto/, pki/): SoftHSM2 for tests, libp11 engine, pkcs11.h, pkcs11-tool
  softhsm2 libengine-pkcs11-openssl libp11-kit-dev opensc
  python3-jsonschema  # formats/misp tests validate exports against PyMISP schema-lax.json
  python3-cryptography  # store/ at-rest tests: an independent decryption of a sealed row
  libhyperscan-dev libpsl-dev publicsuffix  # formats/text: IOC scan engine, public-suffix list
  libre2-dev  # model/pattern: STIX MATCHES operator (linear-time regular expressions)
  libxxhash-dev  # detect/: XXH3 hashes the matcher index keys
  iso-codes  # identity tests: ISO 3166-1 country table checked against Debian's data
  libidn2-dev  # model/observable: IDNA A-label form of internationalised domain names
  libnats-dev nats-server  # detect/: JetStream scale-out; tests start a loopback nats-server
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
