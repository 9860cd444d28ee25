//! Activation functions and their derivatives, as the CPU computes them; the WGSL kernel
//! (gpu/shaders/activation.wgsl) implements the same formulas.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

/// Written as a plain name (`"relu"`, `"leaky_relu"`) or, for leaky ReLU with its own slope, as
/// `{"leaky_relu": {"slope": 0.1}}`; it serialises in the second form, which reads back the same.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    Identity,
    Relu,
    /// max(x, slope * x), slope usually 0.01 or 0.2.
    LeakyRelu {
        slope: f32,
    },
    Sigmoid,
    Tanh,
    /// The tanh approximation of GELU (as in GPT-2 and TF's `approximate=True`).
    Gelu,
}

/// The slope of a leaky ReLU named without one.
pub const DEFAULT_LEAKY_SLOPE: f32 = 0.01;

const NAMES: &[&str] = &["identity", "relu", "leaky_relu", "sigmoid", "tanh", "gelu"];

fn default_slope() -> f32 {
    DEFAULT_LEAKY_SLOPE
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LeakySettings {
    #[serde(default = "default_slope")]
    slope: f32,
}

impl Activation {
    /// The activation a plain name stands for (leaky ReLU with the default slope).
    pub fn from_name(name: &str) -> Option<Activation> {
        Some(match name {
            "identity" => Activation::Identity,
            "relu" => Activation::Relu,
            "leaky_relu" => Activation::LeakyRelu { slope: DEFAULT_LEAKY_SLOPE },
            "sigmoid" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            "gelu" => Activation::Gelu,
            _ => return None,
        })
    }
}

impl<'de> Deserialize<'de> for Activation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ActivationVisitor;

        impl<'de> Visitor<'de> for ActivationVisitor {
            type Value = Activation;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an activation name such as \"relu\", or {\"leaky_relu\": {\"slope\": 0.1}}")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Activation, E> {
                Activation::from_name(name).ok_or_else(|| E::unknown_variant(name, NAMES))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Activation, A::Error> {
                let Some(name) = map.next_key::<String>()? else {
                    return Err(de::Error::invalid_length(0, &"one activation name as the key"));
                };
                let activation = if name == "leaky_relu" {
                    Activation::LeakyRelu { slope: map.next_value::<LeakySettings>()?.slope }
                } else {
                    let activation = Activation::from_name(&name).ok_or_else(|| de::Error::unknown_variant(&name, NAMES))?;
                    // `{"relu": null}` is how serde writes a plain variant in map form.
                    map.next_value::<()>()?;
                    activation
                };
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom("an activation is one name; this object has more than one key"));
                }
                Ok(activation)
            }
        }

        deserializer.deserialize_any(ActivationVisitor)
    }
}

const GELU_SCALE: f32 = 0.797_884_6; // sqrt(2 / pi)
const GELU_CUBIC: f32 = 0.044_715;

pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

impl Activation {
    /// The code the WGSL kernels switch on.
    pub fn code(self) -> u32 {
        match self {
            Activation::Identity => 0,
            Activation::Relu => 1,
            Activation::LeakyRelu { .. } => 2,
            Activation::Sigmoid => 3,
            Activation::Tanh => 4,
            Activation::Gelu => 5,
        }
    }

    pub fn slope(self) -> f32 {
        match self {
            Activation::LeakyRelu { slope } => slope,
            _ => 0.0,
        }
    }

    pub fn forward(self, x: f32) -> f32 {
        match self {
            Activation::Identity => x,
            Activation::Relu => x.max(0.0),
            Activation::LeakyRelu { slope } => {
                if x > 0.0 {
                    x
                } else {
                    slope * x
                }
            }
            Activation::Sigmoid => sigmoid(x),
            Activation::Tanh => x.tanh(),
            Activation::Gelu => 0.5 * x * (1.0 + (GELU_SCALE * (x + GELU_CUBIC * x * x * x)).tanh()),
        }
    }

    /// dy/dx at input `x` whose output was `y`.
    pub fn derivative(self, x: f32, y: f32) -> f32 {
        match self {
            Activation::Identity => 1.0,
            Activation::Relu => {
                if x > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::LeakyRelu { slope } => {
                if x > 0.0 {
                    1.0
                } else {
                    slope
                }
            }
            Activation::Sigmoid => y * (1.0 - y),
            Activation::Tanh => 1.0 - y * y,
            Activation::Gelu => {
                let inner = GELU_SCALE * (x + GELU_CUBIC * x * x * x);
                let t = inner.tanh();
                0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_SCALE * (1.0 + 3.0 * GELU_CUBIC * x * x)
            }
        }
    }

    /// Whether the output alone gives the derivative: then `derivative(y, y)` equals
    /// `derivative(x, y)` for every x. True where f keeps its input's sign (ReLU, leaky ReLU with a
    /// slope of at least 0) or f' is written in y (sigmoid, tanh); not for GELU.
    pub fn derivative_from_output(self) -> bool {
        match self {
            Activation::Identity | Activation::Relu | Activation::Sigmoid | Activation::Tanh => true,
            Activation::LeakyRelu { slope } => slope >= 0.0,
            Activation::Gelu => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaky_relu_reads_as_a_plain_name_or_with_a_slope_and_round_trips() {
        let plain: Vec<Activation> = serde_json::from_str(r#"["relu", "leaky_relu", {"leaky_relu": {"slope": 0.2}}]"#).unwrap();
        assert_eq!(plain, vec![Activation::Relu, Activation::LeakyRelu { slope: 0.01 }, Activation::LeakyRelu { slope: 0.2 }]);
        for activation in plain {
            let json = serde_json::to_string(&activation).unwrap();
            assert_eq!(serde_json::from_str::<Activation>(&json).unwrap(), activation, "{json}");
        }
        assert_eq!(serde_json::from_str::<Activation>(r#"{"tanh": null}"#).unwrap(), Activation::Tanh);
    }

    #[test]
    fn unknown_names_and_fields_are_refused_by_name() {
        let error = serde_json::from_str::<Activation>(r#""swish""#).unwrap_err().to_string();
        assert!(error.contains("unknown variant `swish`") && error.contains("`leaky_relu`"), "{error}");
        let error = serde_json::from_str::<Activation>(r#"{"leaky_relu": {"slop": 0.1}}"#).unwrap_err().to_string();
        assert!(error.contains("unknown field `slop`"), "{error}");
    }

    #[test]
    fn the_output_gives_the_derivative_exactly_where_it_says_so() {
        let inputs = [-3.0, -0.5, -1e-30, -0.0, 0.0, 1e-30, 0.25, 2.0, 40.0, f32::NAN];
        let all = [
            Activation::Identity,
            Activation::Relu,
            Activation::LeakyRelu { slope: 0.0 },
            Activation::LeakyRelu { slope: 0.2 },
            Activation::LeakyRelu { slope: -0.2 },
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Gelu,
        ];
        for activation in all {
            let same = |x: f32| {
                let y = activation.forward(x);
                activation.derivative(y, y).to_bits() == activation.derivative(x, y).to_bits()
            };
            if activation.derivative_from_output() {
                assert!(inputs.iter().all(|x| same(*x)), "{activation:?}");
            } else {
                assert!(!inputs.iter().all(|x| same(*x)), "{activation:?} could read f' from y");
            }
        }
    }
}
