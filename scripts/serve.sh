#!/usr/bin/env bash
# Installs what is missing, then builds the playground and serves it on loopback with live reload.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
port="${PORT:-8080}"
echo
echo "[serve] building, then serving NAS Playground at http://127.0.0.1:$port/  (open it in Chromium; Ctrl-C stops)"
echo
exec trunk serve --release --address 127.0.0.1 --port "$port"
