//! `ModelSpec`: a network as data (serde), with one `validate()` that infers every layer's shape,
//! counts parameters and FLOPs, and explains problems in words a student understands.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::engine::Activation;

/// A network: the shape of one input sample and the layers in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// `[features]` for vectors, `[channels, height, width]` for images.
    pub input: Vec<usize>,
    pub layers: Vec<LayerSpec>,
}

fn one() -> usize {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LayerSpec {
    /// A fully connected layer. An image input is flattened first.
    Dense { units: usize, activation: Activation },
    /// A square-kernel convolution with zero padding.
    Conv2d {
        filters: usize,
        kernel: usize,
        #[serde(default = "one")]
        stride: usize,
        #[serde(default)]
        padding: usize,
        activation: Activation,
    },
    /// Max pooling over size x size windows; the stride defaults to the size.
    MaxPool {
        size: usize,
        #[serde(default)]
        stride: Option<usize>,
    },
    /// Turns an image into a vector (no computation: the memory layout is already flat).
    Flatten,
    /// Zeroes a share `rate` of the values while training, scaling the rest up.
    Dropout { rate: f32 },
}

impl LayerSpec {
    pub fn kind(&self) -> &'static str {
        match self {
            LayerSpec::Dense { .. } => "dense",
            LayerSpec::Conv2d { .. } => "conv2d",
            LayerSpec::MaxPool { .. } => "max_pool",
            LayerSpec::Flatten => "flatten",
            LayerSpec::Dropout { .. } => "dropout",
        }
    }
}

/// The shape of the values between two layers, per sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Shape {
    Vector(usize),
    Image { channels: usize, height: usize, width: usize },
}

impl Shape {
    pub fn len(&self) -> usize {
        match *self {
            Shape::Vector(n) => n,
            Shape::Image { channels, height, width } => channels * height * width,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Shape::Vector(n) => write!(f, "{n} values"),
            Shape::Image { channels, height, width } => write!(f, "{height}x{width} image with {channels} channels"),
        }
    }
}

/// What `validate` learns about a valid spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub input: Shape,
    /// The output shape of each layer, in order.
    pub outputs: Vec<Shape>,
    pub parameters: usize,
    /// Floating-point operations of one forward pass of one sample (a multiply-add counts two).
    pub flops: u64,
}

impl ModelSummary {
    pub fn output(&self) -> Shape {
        *self.outputs.last().unwrap_or(&self.input)
    }
}

/// A problem with a spec, naming the layer (counted from 1) when it is about one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", .layer.map(|(i, kind)| format!("layer {i} ({kind}): ")).unwrap_or_default())]
pub struct SpecError {
    pub layer: Option<(usize, &'static str)>,
    pub message: String,
}

fn how_many_pools(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => " left after one pool".into(),
        2 => " left after two pools".into(),
        n => format!(" left after {n} pools"),
    }
}

impl ModelSpec {
    /// Infers every layer's output shape and counts parameters and FLOPs, or says what is wrong.
    pub fn validate(&self) -> Result<ModelSummary, SpecError> {
        let general = |message: String| SpecError { layer: None, message };
        let input = match self.input.as_slice() {
            [n] if *n > 0 => Shape::Vector(*n),
            [c, h, w] if *c > 0 && *h > 0 && *w > 0 => Shape::Image { channels: *c, height: *h, width: *w },
            other => {
                return Err(general(format!("the input shape {other:?} should be [features] or [channels, height, width], all above zero")))
            }
        };
        if self.layers.is_empty() {
            return Err(general("the network has no layers".into()));
        }
        let (mut shape, mut outputs, mut parameters, mut flops, mut pools) = (input, Vec::new(), 0usize, 0u64, 0usize);
        for (index, layer) in self.layers.iter().enumerate() {
            let fail = |message: String| SpecError { layer: Some((index + 1, layer.kind())), message };
            shape = match *layer {
                LayerSpec::Dense { units, .. } => {
                    if units == 0 {
                        return Err(fail("a dense layer needs at least one unit".into()));
                    }
                    let inputs = shape.len();
                    parameters += inputs * units + units;
                    flops += 2 * (inputs * units) as u64;
                    Shape::Vector(units)
                }
                LayerSpec::Conv2d { filters, kernel, stride, padding, .. } => {
                    let Shape::Image { channels, height, width } = shape else {
                        return Err(fail(format!(
                            "a convolution needs an image, but it gets {shape}; give the input as [channels, height, width] and put convolutions before any dense layer"
                        )));
                    };
                    if filters == 0 || kernel == 0 || stride == 0 {
                        return Err(fail("filters, kernel and stride must all be at least 1".into()));
                    }
                    if kernel > height + 2 * padding || kernel > width + 2 * padding {
                        let padded = if padding > 0 { format!(" (with padding {padding})") } else { String::new() };
                        return Err(fail(format!(
                            "a {kernel}x{kernel} kernel does not fit the {height}x{width} input{}{padded}",
                            how_many_pools(pools)
                        )));
                    }
                    let out_h = (height + 2 * padding - kernel) / stride + 1;
                    let out_w = (width + 2 * padding - kernel) / stride + 1;
                    parameters += filters * channels * kernel * kernel + filters;
                    flops += 2 * (filters * out_h * out_w * channels * kernel * kernel) as u64;
                    Shape::Image { channels: filters, height: out_h, width: out_w }
                }
                LayerSpec::MaxPool { size, stride } => {
                    let Shape::Image { channels, height, width } = shape else {
                        return Err(fail(format!("pooling needs an image, but it gets {shape}")));
                    };
                    let stride = stride.unwrap_or(size);
                    if size == 0 || stride == 0 {
                        return Err(fail("the pool size and stride must be at least 1".into()));
                    }
                    if size > height || size > width {
                        return Err(fail(format!("a {size}x{size} pool does not fit the {height}x{width} input{}", how_many_pools(pools))));
                    }
                    pools += 1;
                    Shape::Image { channels, height: (height - size) / stride + 1, width: (width - size) / stride + 1 }
                }
                LayerSpec::Flatten => Shape::Vector(shape.len()),
                LayerSpec::Dropout { rate } => {
                    if !(0.0..1.0).contains(&rate) {
                        return Err(fail(format!("the dropout rate {rate} must be at least 0 and below 1")));
                    }
                    shape
                }
            };
            outputs.push(shape);
        }
        Ok(ModelSummary { input, outputs, parameters, flops })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(filters: usize, kernel: usize) -> LayerSpec {
        LayerSpec::Conv2d { filters, kernel, stride: 1, padding: 0, activation: Activation::Relu }
    }

    fn pool() -> LayerSpec {
        LayerSpec::MaxPool { size: 2, stride: None }
    }

    fn dense(units: usize) -> LayerSpec {
        LayerSpec::Dense { units, activation: Activation::Identity }
    }

    #[test]
    fn the_benchmark_cnn_has_the_expected_shapes_parameters_and_flops() {
        let spec = ModelSpec { input: vec![1, 28, 28], layers: vec![conv(8, 3), pool(), conv(16, 3), pool(), dense(10)] };
        let summary = spec.validate().unwrap();
        assert_eq!(summary.outputs[0], Shape::Image { channels: 8, height: 26, width: 26 });
        assert_eq!(summary.outputs[3], Shape::Image { channels: 16, height: 5, width: 5 });
        assert_eq!(summary.output(), Shape::Vector(10));
        assert_eq!(summary.parameters, (8 * 9 + 8) + (16 * 8 * 9 + 16) + (400 * 10 + 10));
        assert_eq!(summary.flops, 2 * (8 * 26 * 26 * 9 + 16 * 11 * 11 * 72 + 4000) as u64);
    }

    #[test]
    fn the_mlp_counts_its_parameters() {
        let spec = ModelSpec { input: vec![784], layers: vec![dense(128), dense(10)] };
        assert_eq!(spec.validate().unwrap().parameters, 784 * 128 + 128 + 128 * 10 + 10);
    }

    #[test]
    fn a_kernel_too_big_for_what_the_pools_left_is_explained() {
        let spec = ModelSpec { input: vec![1, 16, 16], layers: vec![pool(), pool(), conv(4, 5), dense(2)] };
        let error = spec.validate().unwrap_err();
        assert_eq!(error.to_string(), "layer 3 (conv2d): a 5x5 kernel does not fit the 4x4 input left after two pools");
    }

    #[test]
    fn other_mistakes_name_their_layer() {
        let cases = [
            (
                ModelSpec { input: vec![784], layers: vec![conv(4, 3)] },
                "layer 1 (conv2d): a convolution needs an image, but it gets 784 values",
            ),
            (ModelSpec { input: vec![2], layers: vec![dense(0)] }, "layer 1 (dense): a dense layer needs at least one unit"),
            (
                ModelSpec { input: vec![2], layers: vec![dense(4), LayerSpec::Dropout { rate: 1.0 }] },
                "layer 2 (dropout): the dropout rate 1 must be at least 0 and below 1",
            ),
            (ModelSpec { input: vec![3, 2], layers: vec![dense(1)] }, "the input shape [3, 2] should be"),
            (ModelSpec { input: vec![2], layers: vec![] }, "the network has no layers"),
            (
                ModelSpec { input: vec![1, 8, 8], layers: vec![dense(3), pool()] },
                "layer 2 (max_pool): pooling needs an image, but it gets 3 values",
            ),
        ];
        for (spec, start) in cases {
            let message = spec.validate().unwrap_err().to_string();
            assert!(message.starts_with(start), "{message}");
        }
    }

    #[test]
    fn specs_read_from_hand_written_json_with_defaults() {
        let json = r#"{"input": [1, 28, 28], "layers": [
            {"type": "conv2d", "filters": 8, "kernel": 3, "activation": "relu"},
            {"type": "max_pool", "size": 2},
            {"type": "flatten"},
            {"type": "dropout", "rate": 0.25},
            {"type": "dense", "units": 10, "activation": "identity"},
            {"type": "dense", "units": 3, "activation": {"leaky_relu": {"slope": 0.1}}}
        ]}"#;
        let spec: ModelSpec = serde_json::from_str(json).unwrap();
        assert_eq!(spec.layers[0], conv(8, 3));
        assert_eq!(spec.validate().unwrap().outputs[2], Shape::Vector(8 * 13 * 13));
    }
}
