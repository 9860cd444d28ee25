//! The GAN lab's settings as a person edits them: the target menu and the fields as text, so a
//! half-typed value loses nothing, read into a `GanSpec` with what is wrong said where.

use crate::gan::{GanLoss, GanSpec, Target2d};

/// The targets offered, by id.
pub(super) const TARGETS: [(&str, &str); 5] = [
    ("ring", "Ring of 8 (PacGAN)"),
    ("grid", "Grid of 25 (PacGAN)"),
    ("spiral", "Spiral"),
    ("moons", "Two moons"),
    ("drawn", "Points I draw"),
];

/// How far a drawn point's real samples spread.
pub(super) const DRAWN_SIGMA: f32 = 0.05;

/// The id of a target's kind, as the target menu lists it.
pub(super) fn target_id(target: &Target2d) -> &'static str {
    match target {
        Target2d::Ring { .. } => "ring",
        Target2d::Grid { .. } => "grid",
        Target2d::Spiral => "spiral",
        Target2d::Moons => "moons",
        Target2d::Drawn { .. } => "drawn",
    }
}

/// The target the menu's `id` names: `base` when it is of that kind (a link's own ring or grid),
/// the drawn points for "drawn", else the standard one.
pub(super) fn target_of(id: &str, base: &Target2d, drawn: &[[f32; 2]]) -> Target2d {
    if target_id(base) == id && id != "drawn" {
        return base.clone();
    }
    match id {
        "grid" => Target2d::grid(),
        "spiral" => Target2d::Spiral,
        "moons" => Target2d::Moons,
        "drawn" => Target2d::Drawn { points: drawn.to_vec(), sigma: DRAWN_SIGMA },
        _ => Target2d::ring(),
    }
}

/// The settings a person edits, as text, so a half-typed value loses nothing.
#[derive(Clone, PartialEq)]
pub(super) struct Form {
    /// The settings the fields start from (the defaults, or a link's); what no field shows stays.
    pub(super) base: GanSpec,
    pub(super) base_target: Target2d,
    pub(super) target: String,
    pub(super) loss: GanLoss,
    pub(super) g_depth: String,
    pub(super) g_width: String,
    pub(super) d_depth: String,
    pub(super) d_width: String,
    pub(super) learning_rate: String,
    pub(super) d_steps: String,
    pub(super) noise_dim: String,
}

impl Form {
    pub(super) fn of(spec: &GanSpec, target: &Target2d) -> Self {
        Form {
            base: spec.clone(),
            base_target: target.clone(),
            target: target_id(target).into(),
            loss: spec.loss,
            g_depth: spec.generator.depth.to_string(),
            g_width: spec.generator.width.to_string(),
            d_depth: spec.discriminator.depth.to_string(),
            d_width: spec.discriminator.width.to_string(),
            learning_rate: spec.generator_optimizer.learning_rate.to_string(),
            d_steps: spec.d_steps.to_string(),
            noise_dim: spec.noise.dim.to_string(),
        }
    }

    /// The spec these fields describe, or what is wrong and where.
    pub(super) fn spec(&self) -> Result<GanSpec, String> {
        fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, String> {
            text.trim().parse().map_err(|_| format!("{what}: \"{text}\" is not a number"))
        }
        let mut spec = self.base.clone();
        spec.loss = self.loss;
        spec.generator.depth = number(&self.g_depth, "generator layers")?;
        spec.generator.width = number(&self.g_width, "generator width")?;
        spec.discriminator.depth = number(&self.d_depth, "discriminator layers")?;
        spec.discriminator.width = number(&self.d_width, "discriminator width")?;
        let learning_rate: f32 = number(&self.learning_rate, "learning rate")?;
        spec.generator_optimizer.learning_rate = learning_rate;
        spec.discriminator_optimizer.learning_rate = learning_rate;
        spec.d_steps = number(&self.d_steps, "D steps per G step")?;
        spec.noise.dim = number(&self.noise_dim, "noise dimensions")?;
        spec.validate().map_err(|e| e.to_string())?;
        Ok(spec)
    }
}
