//! A trial's network as PyTorch or Keras code: the same layers in the same order with the same
//! shapes, the same optimizer, learning rate, L2 penalty, per-epoch decay, batch size and epochs.

use crate::engine::Activation;
use crate::nas::trial::TrialRecord;
use crate::nas::SearchSpace;
use crate::nn::{LayerSpec, ModelSpec, Optimizer, Shape, TrainConfig};

/// The shape before each layer (the input's, then each layer's output).
fn shapes_before(spec: &ModelSpec) -> Vec<Option<Shape>> {
    let summary = spec.validate().ok();
    let mut before = vec![summary.as_ref().map(|s| s.input)];
    before.extend(
        summary.as_ref().map(|s| s.outputs.iter().map(|o| Some(*o)).collect::<Vec<_>>()).unwrap_or_else(|| vec![None; spec.layers.len()]),
    );
    before
}

fn train_of(record: &TrialRecord, space: &SearchSpace) -> TrainConfig {
    let c = &record.proposal.candidate;
    TrainConfig {
        epochs: record.proposal.epochs,
        batch_size: c.batch_size,
        optimizer: c.optimizer,
        learning_rate: c.learning_rate,
        l2: space.l2,
        lr_decay: space.lr_decay,
        seed: 0,
    }
}

fn header(record: &TrialRecord, framework: &str) -> String {
    format!(
        "# Trial {} of a NAS Playground search, as {framework} code: {}\n# {} parameters; trained {} epochs.\n",
        record.id,
        record.proposal.candidate.label(),
        record.result.parameters,
        record.proposal.epochs
    )
}

fn torch_activation(activation: Activation) -> Option<String> {
    match activation {
        Activation::Identity => None,
        Activation::Relu => Some("nn.ReLU()".into()),
        Activation::LeakyRelu { slope } => Some(format!("nn.LeakyReLU({slope})")),
        Activation::Sigmoid => Some("nn.Sigmoid()".into()),
        Activation::Tanh => Some("nn.Tanh()".into()),
        // The tanh approximation, as this engine computes it.
        Activation::Gelu => Some("nn.GELU(approximate=\"tanh\")".into()),
    }
}

/// PyTorch: an `nn.Sequential` model, its optimizer and a training loop over tensors `x`, `y`.
/// The L2 penalty is the optimizer's weight decay (added to every gradient, as here).
pub fn pytorch_model(record: &TrialRecord, space: &SearchSpace, classification: bool) -> String {
    let spec = record.result.model.as_ref().expect("checked by the caller");
    let train = train_of(record, space);
    let before = shapes_before(spec);
    let mut layers = Vec::new();
    for (i, layer) in spec.layers.iter().enumerate() {
        let input = before[i];
        match *layer {
            LayerSpec::Dense { units, activation } => {
                if matches!(input, Some(Shape::Image { .. })) {
                    layers.push("nn.Flatten()".to_string());
                }
                layers.push(format!("nn.Linear({}, {units})", input.map_or(0, |s| s.len())));
                layers.extend(torch_activation(activation));
            }
            LayerSpec::Conv2d { filters, kernel, stride, padding, activation } => {
                let channels = match input {
                    Some(Shape::Image { channels, .. }) => channels,
                    _ => 1,
                };
                layers.push(format!("nn.Conv2d({channels}, {filters}, kernel_size={kernel}, stride={stride}, padding={padding})"));
                layers.extend(torch_activation(activation));
            }
            LayerSpec::MaxPool { size, stride } => layers.push(format!("nn.MaxPool2d({size}, stride={})", stride.unwrap_or(size))),
            LayerSpec::Flatten => layers.push("nn.Flatten()".into()),
            LayerSpec::Dropout { rate } => layers.push(format!("nn.Dropout({rate})")),
        }
    }
    let input_shape = spec.input.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
    let decay = if train.l2 > 0.0 { format!(", weight_decay={}", train.l2) } else { String::new() };
    let optimizer = match train.optimizer {
        Optimizer::Sgd => format!("torch.optim.SGD(model.parameters(), lr={}{decay})", train.learning_rate),
        Optimizer::Momentum { momentum } => {
            format!("torch.optim.SGD(model.parameters(), lr={}, momentum={momentum}{decay})", train.learning_rate)
        }
        Optimizer::Adam => format!("torch.optim.Adam(model.parameters(), lr={}{decay})", train.learning_rate),
    };
    let loss = if classification { "nn.CrossEntropyLoss()" } else { "nn.MSELoss()" };
    let gamma = train.lr_decay;
    format!(
        r#"{header}import torch
from torch import nn

INPUT_SHAPE = ({input_shape},)  # one sample: features, or channels x height x width
EPOCHS = {epochs}
BATCH_SIZE = {batch}

model = nn.Sequential(
{layers}
)
loss_fn = {loss}  # on the last layer's outputs ({targets})
optimizer = {optimizer}
# The learning rate is multiplied by this after every epoch.
scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma={gamma})


def train(x, y):
    """Trains on tensors x of shape (samples, *INPUT_SHAPE) and y ({y_kind})."""
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(x))
        for start in range(0, len(x), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            optimizer.zero_grad()
            loss = loss_fn(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
        scheduler.step()
        print(f"epoch {{epoch + 1}}: loss {{loss.item():.4f}}")


if __name__ == "__main__":
    print(model)
    print(sum(p.numel() for p in model.parameters()), "parameters")
"#,
        header = header(record, "PyTorch"),
        epochs = train.epochs,
        batch = train.batch_size,
        layers = layers.iter().map(|l| format!("    {l},")).collect::<Vec<_>>().join("\n"),
        targets = if classification { "logits; targets are class indices" } else { "values" },
        y_kind = if classification { "class indices, int64" } else { "values, float32" },
    )
}

fn keras_activation(activation: Activation) -> String {
    match activation {
        Activation::Identity => "None".into(),
        Activation::Relu => "\"relu\"".into(),
        Activation::LeakyRelu { slope } => format!("lambda t: keras.activations.leaky_relu(t, negative_slope={slope})"),
        Activation::Sigmoid => "\"sigmoid\"".into(),
        Activation::Tanh => "\"tanh\"".into(),
        Activation::Gelu => "lambda t: keras.activations.gelu(t, approximate=True)".into(),
    }
}

/// The Keras layers with weights, in order, as `WEIGHTED` lists them for `load_weights`.
fn keras_weight_map(spec: &ModelSpec, before: &[Option<Shape>]) -> String {
    let mut entries = Vec::new();
    let mut flattened: Option<(usize, usize, usize)> = None;
    let image = |shape: Option<Shape>| match shape {
        Some(Shape::Image { channels, height, width }) => Some((channels, height, width)),
        _ => None,
    };
    for (i, layer) in spec.layers.iter().enumerate() {
        match layer {
            LayerSpec::Flatten => flattened = image(before[i]).or(flattened),
            LayerSpec::Conv2d { .. } => {
                flattened = None;
                entries.push(format!("(\"conv\", \"layer{i}\", None)"));
            }
            LayerSpec::Dense { .. } => {
                let from = image(before[i]).or(flattened.take());
                let from = from.map_or("None".to_string(), |(c, h, w)| format!("({c}, {h}, {w})"));
                entries.push(format!("(\"dense\", \"layer{i}\", {from})"));
            }
            LayerSpec::MaxPool { .. } | LayerSpec::Dropout { .. } => {}
        }
    }
    entries.join(", ")
}

/// Keras 3: a `keras.Sequential` model compiled with the same optimizer and loss. Images are
/// channels-last in Keras, so an image input is given as (height, width, channels). The L2
/// penalty is a regularizer of l2 / 2 on kernels and biases, whose gradient is l2 times the weight.
pub fn keras_model(record: &TrialRecord, space: &SearchSpace, classification: bool) -> String {
    let spec = record.result.model.as_ref().expect("checked by the caller");
    let train = train_of(record, space);
    let penalty = if train.l2 > 0.0 {
        format!(", kernel_regularizer=keras.regularizers.L2({0}), bias_regularizer=keras.regularizers.L2({0})", train.l2 / 2.0)
    } else {
        String::new()
    };
    let before = shapes_before(spec);
    let input = match spec.input[..] {
        [channels, height, width] => format!("({height}, {width}, {channels})"),
        ref other => format!("({},)", other.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")),
    };
    let mut layers = vec![format!("keras.Input(shape={input})")];
    for (i, layer) in spec.layers.iter().enumerate() {
        match *layer {
            LayerSpec::Dense { units, activation } => {
                if matches!(before[i], Some(Shape::Image { .. })) {
                    layers.push("layers.Flatten()".into());
                }
                layers.push(format!("layers.Dense({units}, activation={}{penalty})", keras_activation(activation)));
            }
            LayerSpec::Conv2d { filters, kernel, stride, padding, activation } => {
                if padding > 0 {
                    layers.push(format!("layers.ZeroPadding2D({padding})"));
                }
                layers.push(format!(
                    "layers.Conv2D({filters}, {kernel}, strides={stride}, padding=\"valid\", activation={}{penalty})",
                    keras_activation(activation)
                ));
            }
            LayerSpec::MaxPool { size, stride } => layers.push(format!("layers.MaxPooling2D({size}, strides={})", stride.unwrap_or(size))),
            LayerSpec::Flatten => layers.push("layers.Flatten()".into()),
            LayerSpec::Dropout { rate } => layers.push(format!("layers.Dropout({rate})")),
        }
    }
    let weighted = keras_weight_map(spec, &before);
    let optimizer = match train.optimizer {
        Optimizer::Sgd => format!("keras.optimizers.SGD(learning_rate={})", train.learning_rate),
        Optimizer::Momentum { momentum } => format!("keras.optimizers.SGD(learning_rate={}, momentum={momentum})", train.learning_rate),
        Optimizer::Adam => format!("keras.optimizers.Adam(learning_rate={})", train.learning_rate),
    };
    let (loss, metrics) =
        if classification { ("keras.losses.SparseCategoricalCrossentropy(from_logits=True)", "[\"accuracy\"]") } else { ("\"mse\"", "[]") };
    format!(
        r#"{header}import keras
from keras import layers

EPOCHS = {epochs}
BATCH_SIZE = {batch}
LEARNING_RATE = {rate}
LR_DECAY = {gamma}

model = keras.Sequential([
{layers}
])
model.compile(optimizer={optimizer}, loss={loss}, metrics={metrics})

# The trained weights of a NAS Playground weights file map onto the layers that have weights, in
# order: (kind, the file's name for the layer, and for a dense layer after a flatten the
# (channels, height, width) it flattens, which are channels-first there and channels-last here).
WEIGHTED = [{weighted}]


def load_weights(path):
    """Sets the weights from a NAS Playground weights file (`nas export --format weights`, or
    the page's "Download weights"), so this model predicts as the trained trial does."""
    import json

    import numpy as np

    with open(path) as f:
        tensors = {{t["name"]: np.array(t["values"], dtype="float32").reshape(t["shape"]) for t in json.load(f)["parameters"]}}
    layers = [layer for layer in model.layers if layer.weights]
    for layer, (kind, name, flattened) in zip(layers, WEIGHTED, strict=True):
        kernel, bias = tensors[name + ".weight"], tensors[name + ".bias"]
        if kind == "conv":
            kernel = kernel.transpose(2, 3, 1, 0)  # [filters, channels, k, k] -> [k, k, channels, filters]
        elif flattened is not None:
            channels, height, width = flattened
            kernel = kernel.reshape(channels, height, width, -1).transpose(1, 2, 0, 3).reshape(channels * height * width, -1)
        layer.set_weights([kernel, bias])


def train(x, y, validation=None):
    """Trains on x of shape (samples, *model.input_shape[1:]) and y ({y_kind})."""
    # The learning rate is multiplied by LR_DECAY after every epoch.
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch: LEARNING_RATE * LR_DECAY**epoch)
    return model.fit(x, y, batch_size=BATCH_SIZE, epochs=EPOCHS, shuffle=True, validation_data=validation, callbacks=[schedule])


if __name__ == "__main__":
    model.summary()
"#,
        header = header(record, "Keras"),
        rate = train.learning_rate,
        gamma = train.lr_decay,
        epochs = train.epochs,
        batch = train.batch_size,
        layers = layers.iter().map(|l| format!("    {l},")).collect::<Vec<_>>().join("\n"),
        y_kind = if classification { "class indices" } else { "values" },
    )
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod tests {
    use super::*;
    use crate::nas::candidate::Candidate;
    use crate::nas::trial::{Origin, Proposal, TrialResult};
    use crate::nas::{ConvBlock, Pooling};
    use crate::nn::Task;

    /// Whether Python reads `code` (a syntax check; the frameworks are not needed for it).
    pub fn python_parses(code: &str) -> Result<(), String> {
        use std::io::Write;
        let Ok(mut child) = std::process::Command::new("python3")
            .args(["-c", "import ast, sys; ast.parse(sys.stdin.read())"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
        else {
            return Ok(()); // no Python on this machine: nothing to check with
        };
        child.stdin.take().unwrap().write_all(code.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into())
        }
    }

    fn cnn_record() -> TrialRecord {
        let space = crate::nas::experiment::example_space("mnist-cnn").unwrap();
        let candidate = Candidate {
            conv: vec![
                ConvBlock { filters: 8, kernel: 5, pooling: Pooling::Max },
                ConvBlock { filters: 16, kernel: 3, pooling: Pooling::None },
            ],
            dense: vec![32],
            activation: Activation::LeakyRelu { slope: 0.1 },
            dropout: 0.25,
            optimizer: Optimizer::Momentum { momentum: 0.9 },
            learning_rate: 0.003,
            batch_size: 64,
            gan: None,
        };
        let built = candidate.build(&space, &[1, 28, 28], Task::Classification { classes: 10 }, 3, 1);
        let parameters = built.model.validate().unwrap().parameters;
        TrialRecord {
            id: 4,
            proposal: Proposal::fresh(candidate, 3, Origin::Random),
            result: TrialResult {
                parameters,
                model: Some(built.model),
                ..TrialResult::failed(crate::nas::FailureKind::Engine, String::new())
            },
        }
    }

    #[test]
    fn pytorch_code_has_every_layer_with_its_shapes() {
        let mut space = crate::nas::experiment::example_space("mnist-cnn").unwrap();
        space.l2 = 0.0005;
        let code = pytorch_model(&cnn_record(), &space, true);
        python_parses(&code).unwrap();
        assert!(code.contains("nn.Conv2d(1, 8, kernel_size=5, stride=1, padding=2)"), "{code}");
        assert!(code.contains("nn.Conv2d(8, 16, kernel_size=3, stride=1, padding=1)"), "{code}");
        assert!(code.contains("nn.MaxPool2d(2, stride=2)"));
        assert!(code.contains("nn.LeakyReLU(0.1)"));
        // 16 channels of 14x14 after the second block, flattened into the dense layer.
        assert!(code.contains(&format!("nn.Linear({}, 32)", 16 * 14 * 14)), "{code}");
        assert!(code.contains("nn.Linear(32, 10)"));
        assert!(code.contains("torch.optim.SGD(model.parameters(), lr=0.003, momentum=0.9, weight_decay=0.0005)"), "{code}");
        assert!(code.contains("nn.CrossEntropyLoss()"));
    }

    #[test]
    fn keras_code_pads_as_the_network_does() {
        let space = crate::nas::experiment::example_space("mnist-cnn").unwrap();
        let code = keras_model(&cnn_record(), &space, true);
        python_parses(&code).unwrap();
        assert!(code.contains("keras.Input(shape=(28, 28, 1))"));
        assert!(code.contains("layers.ZeroPadding2D(2)"));
        assert!(code.contains("layers.Conv2D(8, 5, strides=1, padding=\"valid\""));
        assert!(code.contains("layers.Dense(10, activation=None)"));
        assert!(code.contains("SparseCategoricalCrossentropy(from_logits=True)"));
        // The weights file's layers in order; the dense layer after the flatten is told its shape.
        let names: Vec<String> = cnn_record()
            .result
            .model
            .unwrap()
            .layers
            .iter()
            .enumerate()
            .filter(|(_, l)| matches!(l, LayerSpec::Dense { .. } | LayerSpec::Conv2d { .. }))
            .map(|(i, _)| format!("layer{i}"))
            .collect();
        assert!(code.contains(&format!("(\"conv\", \"{}\", None)", names[0])), "{code}");
        assert!(code.contains(&format!("(\"dense\", \"{}\", (16, 14, 14))", names[2])), "{code}");
        assert!(code.contains(&format!("(\"dense\", \"{}\", None)", names[3])), "{code}");
        assert!(code.contains("def load_weights(path):"));
    }
}
