//! A trained network as rows for the page's drawing: what each layer does, the shape it gives and
//! its parameters, read from the `ModelSpec` the trial trained.

use crate::nas::candidate::activation_name;
use crate::nn::{LayerSpec, ModelSpec, Shape};

/// One layer as the page draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerRow {
    /// "dense", "conv2d", "max_pool", "flatten", "dropout", or "input".
    pub kind: String,
    /// "dense 64, relu".
    pub description: String,
    /// "8 values", "14x14 image with 16 channels".
    pub output: String,
    pub parameters: usize,
}

/// The input and every layer of `spec`, with shapes and parameters; an invalid spec gives its
/// layers without shapes.
pub fn network_layers(spec: &ModelSpec) -> Vec<LayerRow> {
    let summary = spec.validate().ok();
    let input = summary.as_ref().map(|s| s.input);
    let mut rows = vec![LayerRow {
        kind: "input".into(),
        description: "input".into(),
        output: input.map_or_else(|| format!("{:?}", spec.input), |s| s.to_string()),
        parameters: 0,
    }];
    let mut previous = input;
    for (i, layer) in spec.layers.iter().enumerate() {
        let output = summary.as_ref().and_then(|s| s.outputs.get(i)).copied();
        let inputs = previous.map_or(0, |s| s.len());
        let (description, parameters) = match layer {
            LayerSpec::Dense { units, activation } => (format!("dense {units}, {}", activation_name(*activation)), inputs * units + units),
            LayerSpec::Conv2d { filters, kernel, stride, padding, activation } => {
                let channels = match previous {
                    Some(Shape::Image { channels, .. }) => channels,
                    _ => 1,
                };
                let extra = if *stride != 1 || *padding != 0 { format!(" (stride {stride}, pad {padding})") } else { String::new() };
                (
                    format!("conv {filters} of {kernel}x{kernel}{extra}, {}", activation_name(*activation)),
                    channels * kernel * kernel * filters + filters,
                )
            }
            LayerSpec::MaxPool { size, .. } => (format!("max pool {size}x{size}"), 0),
            LayerSpec::Flatten => ("flatten".into(), 0),
            LayerSpec::Dropout { rate } => (format!("dropout {rate}"), 0),
        };
        rows.push(LayerRow {
            kind: layer.kind().into(),
            description,
            output: output.map_or_else(String::new, |s| s.to_string()),
            parameters,
        });
        previous = output;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Activation;

    #[test]
    fn parameters_add_up_to_the_models_count() {
        let spec = ModelSpec {
            input: vec![1, 28, 28],
            layers: vec![
                LayerSpec::Conv2d { filters: 8, kernel: 3, stride: 1, padding: 1, activation: Activation::Relu },
                LayerSpec::MaxPool { size: 2, stride: None },
                LayerSpec::Flatten,
                LayerSpec::Dense { units: 32, activation: Activation::Relu },
                LayerSpec::Dropout { rate: 0.25 },
                LayerSpec::Dense { units: 10, activation: Activation::Identity },
            ],
        };
        let rows = network_layers(&spec);
        assert_eq!(rows.len(), 7);
        assert_eq!(rows.iter().map(|r| r.parameters).sum::<usize>(), spec.validate().unwrap().parameters);
        assert_eq!(rows[1].parameters, 8 * 9 + 8);
        assert_eq!(rows[2].output, "14x14 image with 8 channels");
        assert!(rows[4].description.starts_with("dense 32"));
    }
}
