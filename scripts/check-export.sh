#!/usr/bin/env bash
# Checks exported networks in the frameworks they are written for (not part of the test command:
# it installs TensorFlow 2.21 and Keras 3 in a virtual environment of its own, target/export-venv).
# A small CNN search on the shipped digits; its best trial's Keras code and weights loaded in
# Keras must give our outputs on 100 validation images within 1e-4. Prints the figures.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
venv=target/export-venv
work=target/export-check
if ! "$venv/bin/python" -c "import keras, tensorflow" 2>/dev/null; then
  echo "[check-export] making $venv with TensorFlow 2.21 and Keras 3.15 (a large download, once)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q tensorflow-cpu==2.21.0 keras==3.15.1 numpy
fi
cargo build --release --quiet --bin nas
nas=target/release/nas
mkdir -p "$work"
rm -f "$work/search.jsonl"
# The CNN example space, trained for a couple of epochs per trial.
python3 -c "import json,sys; s=json.load(open('www/spaces/mnist-cnn.json')); s['epochs']=int(sys.argv[1]); json.dump(s, open('$work/space.json','w'))" "${EPOCHS:-2}"
"$nas" run "$work/space.json" --data mnist --samples 2000 --strategy random --trials "${TRIALS:-2}" \
  --seed 1 --device cpu --log "$work/search.jsonl" >/dev/null
"$nas" export "$work/search.jsonl" --format keras --out "$work/model.py"
"$nas" export "$work/search.jsonl" --format weights --out "$work/weights.json"
"$nas" predict "$work/weights.json" --limit 100 --out "$work/predictions.json"
TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" scripts/check_keras_export.py "$work/model.py" "$work/weights.json" "$work/predictions.json"

# With OPTUNA=1: the search's Optuna study script (PyTorch objective) runs two trials on the
# search's training digits. PyTorch's wheel brings its CUDA libraries: several GB, once.
if [ "${OPTUNA:-0}" = 1 ]; then
  if ! "$venv/bin/python" -c "import optuna, torch" 2>/dev/null; then
    echo "[check-export] adding Optuna 5.0 and PyTorch 2.15 to $venv"
    "$venv/bin/pip" install -q optuna==5.0.0 torch==2.15.0
  fi
  "$nas" export "$work/search.jsonl" --format optuna --out "$work/optuna_study.py"
  "$nas" predict "$work/weights.json" --split train --out "$work/train.json" >/dev/null
  "$venv/bin/python" -c "
import json, sys
import numpy as np
d = json.load(open(sys.argv[1]))
x = np.array([s['input'] for s in d['samples']], dtype=np.float32).reshape([-1, *d['feature_shape']])
np.savez(sys.argv[2], x=x, y=np.array([s['target'] for s in d['samples']]))" "$work/train.json" "$work/digits.npz"
  "$venv/bin/python" "$work/optuna_study.py" --data "$work/digits.npz" --trials 2 2>&1 | grep -E "Trial [0-9]+ finished|^best"
fi
