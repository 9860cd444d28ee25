"""Keras 3 / TensorFlow training throughput on the benchmark networks of `nas bench`, on random
data, Adam 1e-3: the native reference `scripts/bench.sh` puts beside our engines.

Prints one JSON object per network: {"engine": "keras", "model", "batch", "samples_per_sec"}.
Run with the virtual environment that scripts/bench.sh makes (KERAS=1).
"""
import json
import sys
import time

import numpy as np
import keras
from keras import layers


def network(name):
    if name == "mlp":
        body = [layers.Input((784,)), layers.Dense(128, activation="relu")]
    else:
        filters = (8, 16) if name == "cnn" else (32, 64)
        body = [layers.Input((28, 28, 1))]
        for f in filters:
            body += [layers.Conv2D(f, 3, activation="relu"), layers.MaxPooling2D(2)]
        body.append(layers.Flatten())
    model = keras.Sequential(body + [layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def measure(name, batch, seconds):
    rng = np.random.default_rng(1)
    shape = (784,) if name == "mlp" else (28, 28, 1)
    samples = batch * 64
    x = rng.random((samples,) + shape, dtype=np.float32)
    y = rng.integers(0, 10, samples)
    model = network(name)
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # builds and traces the step
    start, epochs = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        epochs += 1
    elapsed = time.perf_counter() - start
    return samples * epochs / elapsed


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    for name, batch in (("mlp", 256), ("cnn", 64), ("cnn-seed", 64)):
        rate = measure(name, batch, seconds)
        print(json.dumps({"engine": "keras", "model": name, "batch": batch, "samples_per_sec": round(rate, 1)}), flush=True)
