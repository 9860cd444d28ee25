//! The GAN lab's settings in a link, so a teacher can hand a class one GAN to train: the target
//! and the `GanSpec` as packed JSON (`?gan=...`), read back with what is wrong said in words.

use serde::{Deserialize, Serialize};

use super::spec::GanSpec;
use super::targets::Target2d;
use crate::nas::experiment::{pack_json, unpack_json};

/// What a GAN link carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GanSetup {
    pub target: Target2d,
    pub gan: GanSpec,
}

impl GanSetup {
    /// The text of the link's `gan` value.
    pub fn to_link(&self) -> String {
        pack_json(self)
    }

    /// Reads `to_link`'s text back; the error completes "the link's GAN settings ...".
    pub fn from_link(text: &str) -> Result<GanSetup, String> {
        let json = unpack_json(text).map_err(|why| why.replacen("is damaged", "are damaged", 1))?;
        let setup: GanSetup = serde_json::from_str(&json).map_err(|e| format!("do not read: {e}"))?;
        setup.target.validate().map_err(|e| format!("cannot run: {e}"))?;
        setup.gan.validate().map_err(|e| format!("cannot run: gan.{e}"))?;
        Ok(setup)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setup_survives_its_link_and_a_damaged_one_says_so() {
        let setup = GanSetup {
            target: Target2d::Drawn { points: vec![[0.5, -1.0], [1.25, 0.0]], sigma: 0.05 },
            gan: GanSpec { batch_size: 64, d_steps: 2, ..GanSpec::default() },
        };
        let text = setup.to_link();
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "URL-safe: {text}");
        assert_eq!(GanSetup::from_link(&text).unwrap(), setup);
        let cut = &text[..text.len() - 6];
        assert!(GanSetup::from_link(cut).unwrap_err().starts_with("are damaged"));
        let mut bad = setup.clone();
        bad.gan.noise.dim = 0;
        assert!(GanSetup::from_link(&bad.to_link()).unwrap_err().starts_with("cannot run: gan.noise.dim"));
    }
}
