#!/usr/bin/env bash
# Training-throughput figures, side by side: the native engines (`nas bench`), then this page's
# engines and TF.js 4.22 / ConvNetJS in the same headless Chromium (tests/bench/run.mjs).
# Figures only, no pass/fail; run it on an otherwise idle machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
seconds="${SECONDS_PER_RUN:-3}"

if [ ! -d tests/bench/node_modules/@tensorflow/tfjs ]; then
  echo "[bench] installing the reference libraries (npm ci in tests/bench)"
  (cd tests/bench && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "=== native (cargo run --release --bin nas -- bench)"
cargo run --quiet --release --bin nas -- bench --seconds "$seconds" --profile

echo
echo "=== browser: this page's engines, then TF.js and ConvNetJS, in one headless Chromium"
trunk build --release
node tests/bench/run.mjs --page "dist/index.html?bench=mlp,cnn&seconds=$seconds&profile" --page tests/bench/tfjs.html
echo "[bench] JSON in target/bench/"
