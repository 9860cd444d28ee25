"""Loads a network exported by `nas export --format keras` with the weights of
`nas export --format weights` into Keras, and compares its outputs with ours on the samples
`nas predict --out` wrote. Prints the largest difference; exits 1 above the tolerance."""
import importlib.util
import json
import sys

import numpy as np

TOLERANCE = 1e-4


def main(code_path, weights_path, predictions_path):
    spec = importlib.util.spec_from_file_location("exported", code_path)
    exported = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(exported)
    exported.load_weights(weights_path)
    with open(predictions_path) as f:
        predictions = json.load(f)
    shape = predictions["feature_shape"]
    x = np.array([s["input"] for s in predictions["samples"]], dtype=np.float32).reshape([-1, *shape])
    if len(shape) == 3:  # ours are channels-first, Keras's channels-last
        x = x.transpose(0, 2, 3, 1)
    ours = np.array([s["output"] for s in predictions["samples"]], dtype=np.float32)
    theirs = exported.model.predict(x, batch_size=100, verbose=0)
    gap = float(np.max(np.abs(ours - theirs)))
    agree = int(np.sum(np.argmax(ours, 1) == np.argmax(theirs, 1)))
    print(f"{len(x)} samples: largest output difference {gap:.2e} (tolerance {TOLERANCE:g}); "
          f"the same predicted class for {agree} of {len(x)}")
    return 0 if gap <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
