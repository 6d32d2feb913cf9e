#!/usr/bin/env bash
# Installs what vanban needs on Debian 12 (only the packages that are missing) and
# builds it into build/ (the binary is build/bin/vanban). Run as root, or with sudo.
#   bash scripts/setup.sh            # release build
#   VANBAN_BUILD_TESTS=OFF bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost-dev             # Boost.Asio (header-only): the sync channel's TCP and coroutines
  libsodium-dev            # Ed25519 signatures, BLAKE2b, Argon2id, XChaCha20-Poly1305
  libssl-dev               # X.509 certificates, RSA and CMS of the standard PDF signatures (OpenSSL 3 libcrypto)
  libp11-dev               # signing keys on PKCS#11 tokens (USB tokens), through OpenSSL: the key stays on the token
  softhsm2 opensc          # a software PKCS#11 token and pkcs11-tool, for the token tests
  libsqlite3-dev sqlite3   # the node's store (and the sqlite3 tool the tamper tests use)
  libcli11-dev             # command-line parsing
  nlohmann-json3-dev       # JSON output
  libyaml-cpp-dev          # document front matter
  libutf8proc-dev          # NFC normalisation and search folding
  libgtest-dev libgmock-dev # unit tests
  libpodofo-dev            # PDF writing (PoDoFo 0.9.8): the page layout and signatures
  fonts-liberation2        # Liberation Serif, embedded (subset) in every PDF page
  icc-profiles-free        # sRGB.icc: the PDF/A output intent (/usr/share/color/icc/sRGB.icc)
  libqrencode-dev          # the QR code on an issued document's seal stamp
  libpng-dev               # the signature and seal images (PNG) are checked and decoded with libpng
  gnutls-bin               # certtool: the tests check each PDF signature with an independent verifier
  poppler-utils qpdf       # tests read the PDFs back (pdftotext, pdffonts, pdfinfo; qpdf --check) and pdfsig checks the standard signatures
  libnss3-tools            # certutil: the NSS database pdfsig trusts the organisations' authorities from
  jq                       # end-to-end tests read JSON output
  util-linux mount         # unshare and mount: the storage tests put a home on a small tmpfs of their own
  openssl xxd              # an independent Ed25519 check of the archive manifest's seal signature
  clang libclang-rt-14-dev # the libFuzzer targets (scripts/fuzz.sh): clang 14 and its libclang_rt.fuzzer (only a Recommends)
  chromium                 # the browser tests (tests/browser): Debian's headless Chromium, /usr/bin/chromium
)
# The browser tests drive Chromium with playwright-core (npm), which needs node >= 18 and
# npm. Debian's nodejs and npm only when there is none: a newer node already installed
# (it brings its own npm, which Debian's npm package would conflict with) is kept.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# playwright-core exactly as tests/browser/package-lock.json pins it, into
# tests/browser/node_modules (git-ignored); only when missing or when the lock changed.
# It downloads no browser (Debian's chromium is the one used).
lock=tests/browser/package-lock.json
stamp=tests/browser/node_modules/.vanban-lock.sha256
want=$(sha256sum "$lock" | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "setup: npm ci in tests/browser (playwright-core)"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVANBAN_TESTS="${VANBAN_BUILD_TESTS:-ON}" >/dev/null
ninja -C build
