#!/usr/bin/env bash
# Training-throughput figures, side by side in one table: the native engines (`nas bench`), with
# KERAS=1 Keras 3 / TensorFlow 2.21 on this CPU (a virtual environment of its own, made once), then
# this page's engines and TF.js 4.22 / ConvNetJS in the same headless Chromium (tests/bench/run.mjs).
# Then K = 1, 4 and 16 fused MLP candidates against the same K one after another, natively and in the page.
# Figures only, no pass/fail; run it on an otherwise idle machine. SECONDS_PER_RUN sets each run's
# length. The native and the browser runs are repeated ROUNDS times (default 2), ours and the
# references one after another in each round, and the table keeps each engine's best round: on a
# shared machine a neighbour's load can halve one run of any engine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
# Mesa's Vulkan loader complains on every device open when this is unset.
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "$XDG_RUNTIME_DIR" ]; then
  XDG_RUNTIME_DIR="$(mktemp -d)"; chmod 700 "$XDG_RUNTIME_DIR"; export XDG_RUNTIME_DIR
fi
seconds="${SECONDS_PER_RUN:-3}"
out=target/bench
mkdir -p "$out"

if [ ! -d tests/bench/node_modules/@tensorflow/tfjs ]; then
  echo "[bench] installing the reference libraries (npm ci in tests/bench)"
  (cd tests/bench && npm ci --no-audit --no-fund --loglevel=error)
fi

rounds="${ROUNDS:-2}"
cargo build --quiet --release --bin nas
venv=target/bench-venv
if [ "${KERAS:-0}" = 1 ] && ! "$venv/bin/python" -c "import keras, tensorflow" 2>/dev/null; then
  echo "[bench] making $venv with TensorFlow 2.21 and Keras 3.15 (a large download, once)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q tensorflow-cpu==2.21.0 keras==3.15.1 numpy
fi
[ "${KERAS:-0}" = 1 ] || echo "[bench] Keras left out (KERAS=1 adds it)"
rm -f "$out"/native-round*.json "$out"/keras-round*.jsonl "$out"/dist-round*.json "$out"/tfjs-round*.json
for round in $(seq "$rounds"); do
  echo "=== round $round of $rounds, native: nas bench, with the GPU engine's per-op profile"
  target/release/nas bench --seconds "$seconds" --profile --json > "$out/native-round$round.json"
  if [ "${KERAS:-0}" = 1 ]; then
    echo "=== round $round of $rounds, native: Keras 3 / TensorFlow on this CPU"
    TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" scripts/keras_bench.py "$seconds" 2>/dev/null | tee "$out/keras-round$round.jsonl"
  fi
done

echo
trunk build --release
for round in $(seq "$rounds"); do
  echo "=== round $round of $rounds, browser: this page's engines, then TF.js and ConvNetJS, in one headless Chromium"
  node tests/bench/run.mjs --name "dist-round$round" --page "dist/index.html?bench=mlp,cnn,cnn-seed&seconds=$seconds&profile" \
    --name "tfjs-round$round" --page tests/bench/tfjs.html
done

echo
echo "=== samples/s (higher is better), each engine's best of $rounds rounds"
files=()
for round in $(seq "$rounds"); do
  files+=(native="$out/native-round$round.json" browser="$out/dist-round$round.json" browser="$out/tfjs-round$round.json")
  [ "${KERAS:-0}" = 1 ] && files+=(native="$out/keras-round$round.jsonl")
done
node tests/bench/table.mjs "${files[@]}"
echo
echo "=== fused candidates: K = 1, 4, 16 MLPs trained as one stack against one after another"
target/release/nas bench --fused --seconds "$seconds" --json > "$out/native-fused.json"
node tests/bench/run.mjs --name dist-fused --page "dist/index.html?bench=fused&seconds=$seconds"
node -e '
  const rows = require(process.argv[1]);
  console.log("native:");
  for (const r of rows) console.log(`  ${r.engine.padEnd(10)} ${r.model.padEnd(10)} x${String(r.members).padEnd(3)} ${r.fused_samples_per_sec.toFixed(0).padStart(9)} fused ${r.sequential_samples_per_sec.toFixed(0).padStart(9)} one by one  ${(r.fused_samples_per_sec / r.sequential_samples_per_sec).toFixed(2)}x`);
' "$root/$out/native-fused.json"
echo "[bench] JSON in $out/"
