#!/usr/bin/env bash
# Search figures on the shipped 10,000 MNIST digits (8,000 train / 2,000 validation), next to the
# native references in shared/TOOLCHAIN.md: Keras's grid over one hidden layer (15 trials, 22.4 s,
# best 93.6 %) and Optuna + Keras over depth 1-3 (40 random trials 86 s, best 95.9 %; TPE with
# Hyperband pruning 62 s, best 95.5 %). Prints trials per minute and the best validation accuracy.
# Figures only, no pass/fail; run it on an otherwise idle machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --quiet --release --bin nas
out=target/bench
mkdir -p "$out"

run() {
  local name="$1" file="$2"; shift 2
  local start end
  start=$(date +%s.%N)
  ./target/release/nas run "$@" --data mnist --seed "${SEED:-1}" --log "$out/search-$file.jsonl" --force --quiet > "$out/search-$file.txt" 2> "$out/search-$file.err"
  end=$(date +%s.%N)
  local trials best
  trials=$(grep -c '"event":"trial_finished"' "$out/search-$file.jsonl")
  best=$(grep '^best:' "$out/search-$file.txt" | sed 's/^best: //')
  awk -v n="$name" -v t="$trials" -v s="$start" -v e="$end" -v b="$best" \
    'BEGIN { printf "%-28s %3d trials in %6.1f s = %6.1f trials/min; best %s\n", n, t, e - s, t * 60 / (e - s), b }'
}

run "keras grid (ref 40/min)" keras-grid www/spaces/keras-grid.json --strategy grid
run "keras grid, fused 15" keras-grid-fused www/spaces/keras-grid.json --strategy grid --fuse 15
run "random (ref 28/min)" random www/spaces/optuna-mnist.json --strategy random --trials 40
run "hyperband (ref 62 s)" hyperband www/spaces/optuna-mnist.json --strategy hyperband --eta 2 --epoch-budget 160
run "evolution" evolution www/spaces/optuna-mnist.json --strategy evolution --trials 40 --population 10 --sample 3
run "random, 2 jobs" random-2 www/spaces/optuna-mnist.json --strategy random --trials 40 --jobs 2
run "random, fused 8" random-fused www/spaces/optuna-mnist.json --strategy random --trials 40 --fuse 8
echo "[bench] logs and tables in $out/search-*"

# The same grid (one worker, then its 15 trials fused in stacks of 3) and 40 random trials (1 and 2
# workers) in the page's CPU engine, in Web Workers.
if [ -f dist/index.html ] && [ -d tests/e2e/node_modules/playwright-core ]; then
  grid='?data=mnist&samples=10000&space=keras-grid&strategy=grid&epochs=0&engine=cpu&seed=1&jobs=1'
  query='?data=mnist&samples=10000&space=optuna-mnist&strategy=random&trials=40&epochs=0&engine=cpu&seed=1'
  node tests/e2e/search-speed.mjs "$grid" "$grid&fuse=15" "$query&jobs=1" "$query&jobs=2"
else
  echo "[bench] no dist/ or no playwright-core: run 'bash scripts/test.sh' once for the browser figures"
fi
