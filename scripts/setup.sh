#!/usr/bin/env bash
# Installs what NAS Playground needs to build, serve and test, skipping whatever is already present
# at the right version. Safe to run again: a second run takes seconds.
set -euo pipefail

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen crate pinned in Cargo.toml
WASM_PACK_VERSION=0.15.1
APT_PACKAGES=(chromium chromium-driver mesa-vulkan-drivers)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '[setup] %s\n' "$*"; }

export PATH="$HOME/.cargo/bin:$PATH"

# Debian packages: headless Chromium with its driver (browser and end-to-end tests) and Mesa's
# Vulkan drivers, whose llvmpipe lets the WGSL kernels run natively on a machine with no GPU.
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  say "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "Debian packages present: ${APT_PACKAGES[*]}"
fi

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rust target wasm32-unknown-unknown present"
else
  say "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# cargo_tool BINARY VERSION CRATE [cargo install flags...]
cargo_tool() {
  local bin=$1 version=$2 crate=$3; shift 3
  if command -v "$bin" >/dev/null 2>&1 && "$bin" --version 2>/dev/null | grep -qF " $version"; then
    say "$crate $version present"
  else
    say "installing $crate $version (cargo install, several minutes on first run)"
    cargo install --quiet "$crate" --version "$version" "$@"
  fi
}
cargo_tool wasm-bindgen "$WASM_BINDGEN_VERSION" wasm-bindgen-cli   # no --locked: its lock names a yanked crate
cargo_tool wasm-pack "$WASM_PACK_VERSION" wasm-pack --locked
cargo_tool trunk "$TRUNK_VERSION" trunk --locked

# playwright-core drives Debian's Chromium in the end-to-end test; it never downloads a browser.
if [ -f "$root/tests/e2e/package-lock.json" ]; then
  if [ -d "$root/tests/e2e/node_modules/playwright-core" ]; then
    say "end-to-end test packages present"
  else
    say "installing end-to-end test packages (npm ci)"
    (cd "$root/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

say "ready"
