//! Choosing the engine a search trains on by measuring it: a short training burst of the
//! search's own kind of network (the space's middle member, built for the data) on each engine
//! there is, and the faster one wins. A software GPU adapter loses to the CPU engine this way,
//! where "a GPU opened" alone would pick it.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::config::SearchConfig;
use crate::bench::time_training;
use crate::engine::Backend;
use crate::nn::{LayerSpec, ModelSpec, Task};

/// Which engine to train on: one named, or the faster by measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineChoice {
    Cpu,
    Gpu,
    #[default]
    Auto,
}

impl FromStr for EngineChoice {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "cpu" => Ok(EngineChoice::Cpu),
            "gpu" => Ok(EngineChoice::Gpu),
            "auto" => Ok(EngineChoice::Auto),
            other => Err(format!("'{other}' is not an engine: choose cpu, gpu or auto")),
        }
    }
}

impl std::fmt::Display for EngineChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EngineChoice::Cpu => "cpu",
            EngineChoice::Gpu => "gpu",
            EngineChoice::Auto => "auto",
        })
    }
}

/// One engine's burst: samples per second, or why it could not train.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineTiming {
    /// "cpu" or "gpu".
    pub engine: String,
    /// The adapter or processor, for people.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples_per_sec: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What was measured, what was chosen and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnginePick {
    pub timings: Vec<EngineTiming>,
    /// "cpu" or "gpu".
    pub chosen: String,
    pub reason: String,
}

impl EnginePick {
    /// Picks the faster of the timed engines; `choice` other than auto forces one.
    pub fn decide(choice: EngineChoice, timings: Vec<EngineTiming>) -> EnginePick {
        let speed = |engine: &str| timings.iter().find(|t| t.engine == engine).and_then(|t| t.samples_per_sec);
        let rate = |v: Option<f64>| v.map_or("not measured".to_string(), |v| format!("{v:.0} samples/s"));
        let (cpu, gpu) = (speed("cpu"), speed("gpu"));
        let (chosen, reason) = match choice {
            EngineChoice::Cpu => ("cpu", "chosen by hand".to_string()),
            EngineChoice::Gpu => ("gpu", "chosen by hand".to_string()),
            EngineChoice::Auto => match (cpu, gpu) {
                (Some(c), Some(g)) if g > c => {
                    ("gpu", format!("the GPU trained this network {:.1}x faster ({} against {})", g / c, rate(gpu), rate(cpu)))
                }
                (Some(c), Some(g)) => {
                    ("cpu", format!("the CPU trained this network {:.1}x faster ({} against {})", c / g.max(1e-9), rate(cpu), rate(gpu)))
                }
                (_, None) => {
                    let why = timings.iter().find(|t| t.engine == "gpu").and_then(|t| t.error.clone()).unwrap_or_else(|| "no GPU".into());
                    ("cpu", format!("the GPU could not train ({why})"))
                }
                (None, Some(_)) => ("gpu", "the CPU engine could not train this network".to_string()),
            },
        };
        EnginePick { timings, chosen: chosen.to_string(), reason }
    }

    /// One line for people: "cpu: the CPU trained this network 12.3x faster (...)".
    pub fn headline(&self) -> String {
        format!("{}: {}", self.chosen, self.reason)
    }
}

/// The network an engine is timed on: the space's middle member, built for data of
/// `feature_shape`, with its own batch size.
pub fn probe_network(config: &SearchConfig, feature_shape: &[usize], task: Task) -> (ModelSpec, usize) {
    let space = &config.space;
    let member = space.member(space.size() / 2);
    if let Some(gan) = member.gan_spec(0) {
        // A GAN step trains its discriminator on a batch of 2D points: time that network.
        let d = &gan.discriminator;
        let mut layers: Vec<LayerSpec> = (0..d.depth).map(|_| LayerSpec::Dense { units: d.width, activation: d.activation }).collect();
        layers.push(LayerSpec::Dense { units: task.outputs(), activation: crate::engine::Activation::Identity });
        return (ModelSpec { input: feature_shape.to_vec(), layers }, gan.batch_size);
    }
    let built = member.build(space, feature_shape, task, 1, 0);
    (built.model, built.train.batch_size.max(1))
}

/// Samples per second of a short burst (about `seconds`) of training `network` on `backend`.
pub async fn time_engine<B: Backend>(
    backend: &B,
    network: &(ModelSpec, usize),
    task: Task,
    seconds: f64,
    clock: &dyn Fn() -> f64,
) -> Result<f64, String> {
    let (spec, batch) = network;
    let (steps, elapsed, _) = time_training(backend, spec, task, *batch, seconds, clock).await.map_err(|e| e.to_string())?;
    Ok((steps * batch) as f64 / elapsed.max(1e-9))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(engine: &str, speed: Option<f64>) -> EngineTiming {
        EngineTiming { engine: engine.into(), name: String::new(), samples_per_sec: speed, error: speed.is_none().then(|| "lost".into()) }
    }

    #[test]
    fn the_faster_engine_wins_and_a_hand_choice_overrides() {
        let pick = EnginePick::decide(EngineChoice::Auto, vec![timing("cpu", Some(30_000.0)), timing("gpu", Some(1_500.0))]);
        assert_eq!(pick.chosen, "cpu");
        assert!(pick.reason.contains("20.0x faster"), "{}", pick.reason);
        let pick = EnginePick::decide(EngineChoice::Auto, vec![timing("cpu", Some(1_000.0)), timing("gpu", Some(9_000.0))]);
        assert_eq!(pick.chosen, "gpu");
        let pick = EnginePick::decide(EngineChoice::Auto, vec![timing("cpu", Some(1_000.0)), timing("gpu", None)]);
        assert_eq!((pick.chosen.as_str(), pick.reason.as_str()), ("cpu", "the GPU could not train (lost)"));
        let pick = EnginePick::decide(EngineChoice::Gpu, vec![timing("cpu", Some(30_000.0)), timing("gpu", Some(1_500.0))]);
        assert_eq!(pick.chosen, "gpu");
        assert_eq!("auto".parse::<EngineChoice>(), Ok(EngineChoice::Auto));
        assert!("all".parse::<EngineChoice>().unwrap_err().contains("cpu, gpu or auto"));
    }
}
