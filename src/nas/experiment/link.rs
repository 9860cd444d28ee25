//! The share link: an experiment as query pairs (every setting its own pair, the space as
//! URL-safe base64 of zlib-compressed JSON), read back setting by setting. A link that is
//! tampered with, cut short or written by an older page keeps what reads; each setting that does
//! not is named with the reason.

use std::io::{Read, Write};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::{default_space_name, example_space, is_gan_data, is_image_data, strategy_key, Experiment, DATA_NAMES};
use crate::nas::config::Budget;
use crate::nas::space::SearchSpace;
use crate::nas::strategy::StrategyConfig;

/// The version of the link format `to_link` writes; links without one are read as the first
/// page's (`space` an example's name, `epochs` the epochs per trial).
const LINK_VERSION: &str = "2";

impl Experiment {
    /// The experiment as query pairs, in a fixed order; `from_link` reads them back.
    pub fn to_link(&self) -> Vec<(String, String)> {
        let mut pairs = vec![("v", LINK_VERSION.to_string()), ("data", self.data.clone())];
        if is_image_data(&self.data) {
            pairs.push(("images", self.images.to_string()));
        } else if is_gan_data(&self.data) {
            if let (Some(target), "gan") = (&self.gan_target, self.data.as_str()) {
                pairs.push(("target", pack_json(target)));
            }
        } else if self.data != "csv" {
            pairs.push(("points", self.points.to_string()));
            pairs.push(("noise", self.noise_percent.to_string()));
        }
        if let Some((name, _)) = &self.csv {
            pairs.push(("csv", name.clone()));
        }
        pairs.push(("validation", self.validation.to_string()));
        pairs.push(("space", encode_space(&self.space)));
        pairs.push(("strategy", strategy_key(&self.strategy).to_string()));
        match self.strategy {
            StrategyConfig::Evolution { population, sample } => {
                pairs.push(("population", population.to_string()));
                pairs.push(("sample", sample.to_string()));
            }
            StrategyConfig::Halving { eta, min_epochs, .. } => {
                pairs.push(("eta", eta.to_string()));
                pairs.push(("min_epochs", min_epochs.to_string()));
            }
            StrategyConfig::Grid | StrategyConfig::Random => {}
        }
        if let Some(trials) = self.budget.trials {
            pairs.push(("trials", trials.to_string()));
        }
        if let Some(seconds) = self.budget.seconds {
            pairs.push(("minutes", (seconds / 60.0).to_string()));
        }
        if let Some(epochs) = self.budget.epochs {
            pairs.push(("epoch_budget", epochs.to_string()));
        }
        pairs.push(("seed", self.seed.to_string()));
        pairs.push(("jobs", self.jobs.to_string()));
        if self.fuse > 1 {
            pairs.push(("fuse", self.fuse.to_string()));
        }
        pairs.push(("engine", self.engine.to_string()));
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    /// Reads a link's query pairs over `self` (the defaults). Every setting that reads replaces
    /// the default; each one that does not is left at the default and explained in the returned
    /// notes, so a damaged link loses only what is damaged.
    pub fn from_link(mut self, pairs: &[(String, String)]) -> (Experiment, Vec<String>) {
        let mut notes = Vec::new();
        let get = |key: &str| pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_string());
        let old_format = get("v").is_none();
        if let Some(version) = get("v").filter(|v| v != LINK_VERSION) {
            notes.push(format!("the link is from another version of the page (format {version}); read what could be read"));
        }
        let whole = |key: &str, min: u64, max: u64, notes: &mut Vec<String>| -> Option<u64> {
            let text = get(key)?;
            match text.parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Some(n),
                Ok(n) => {
                    notes.push(format!("the link's {key} is {n}, outside {min} to {max}; kept the default"));
                    None
                }
                Err(_) => {
                    notes.push(format!("the link's {key} ('{}') is not a whole number; kept the default", shorten(&text)));
                    None
                }
            }
        };

        if let Some(data) = get("data") {
            if DATA_NAMES.contains(&data.as_str()) {
                self.data = data;
            } else {
                notes.push(format!("the link's data ('{}') is not a data set of this page; kept {}", shorten(&data), self.data));
            }
        }
        if self.data == "gan" {
            let target = get("target").map(|text| {
                unpack_json(&text)
                    .and_then(|json| serde_json::from_str::<crate::gan::Target2d>(&json).map_err(|e| format!("is not a target ({e})")))
                    .and_then(|t| t.validate().map(|()| t).map_err(|e| format!("is wrong: {e}")))
            });
            match target {
                Some(Ok(target)) => self.gan_target = Some(target),
                Some(Err(why)) => {
                    notes.push(format!("the link's GAN target {why}; opened the ring of 8 instead"));
                    self.data = "ring".into();
                }
                None => {
                    notes.push("the link names the GAN lab's target but does not carry it; opened the ring of 8 instead".into());
                    self.data = "ring".into();
                }
            }
        }
        if let Some(n) = whole("points", 20, 10_000, &mut notes) {
            self.points = n as usize;
        }
        if let Some(n) = whole("noise", 0, 50, &mut notes) {
            self.noise_percent = n as u32;
        }
        // The first page's links call the image count `samples`.
        if let Some(n) = whole("images", 100, 70_000, &mut notes).or_else(|| whole("samples", 100, 70_000, &mut notes)) {
            self.images = n as usize;
        }
        if let Some(text) = get("validation") {
            match text.parse::<f32>() {
                Ok(v) if v > 0.0 && v < 1.0 => self.validation = v,
                _ => notes.push(format!(
                    "the link's validation share ('{}') is not a number between 0 and 1; kept {}",
                    shorten(&text),
                    self.validation
                )),
            }
        }
        if let Some(name) = get("csv") {
            notes.push(format!(
                "this experiment trains on the CSV file '{}', which a link cannot carry: choose that file to run it",
                shorten(&name)
            ));
        }
        if let Some(text) = get("space") {
            if let Some(space) = example_space(&text) {
                self.space = space;
            } else if text == "auto" {
                self.space = example_space(default_space_name(&self.data)).expect("the example spaces are valid");
            } else {
                match decode_space(&text) {
                    Ok(space) => self.space = space,
                    Err(why) => notes.push(format!("the link's search space {why}; kept the example space")),
                }
            }
        } else if old_format {
            self.space = example_space(default_space_name(&self.data)).expect("the example spaces are valid");
        }
        if old_format {
            if let Some(epochs) = whole("epochs", 0, 1000, &mut notes).filter(|&e| e > 0) {
                self.space.epochs = epochs as usize;
            }
        }
        if let Some(name) = get("strategy") {
            let number = |key: &str, default: usize, notes: &mut Vec<String>| match get(key) {
                None => default,
                Some(text) => text.parse().unwrap_or_else(|_| {
                    notes.push(format!("the link's {key} ('{}') is not a whole number; kept {default}", shorten(&text)));
                    default
                }),
            };
            let strategy = match name.as_str() {
                "grid" => Some(StrategyConfig::Grid),
                "random" => Some(StrategyConfig::Random),
                "evolution" => Some(StrategyConfig::Evolution {
                    population: number("population", 10, &mut notes),
                    sample: number("sample", 3, &mut notes),
                }),
                "halving" | "hyperband" => Some(StrategyConfig::Halving {
                    eta: number("eta", 3, &mut notes),
                    min_epochs: number("min_epochs", 1, &mut notes),
                    hyperband: name == "hyperband",
                }),
                other => {
                    notes.push(format!(
                        "the link's strategy ('{}') is not one of grid, random, evolution, halving, hyperband; kept {}",
                        shorten(other),
                        self.strategy.name()
                    ));
                    None
                }
            };
            if let Some(strategy) = strategy {
                match strategy.validate(&self.space) {
                    Ok(()) => self.strategy = strategy,
                    Err(why) => notes.push(format!("the link's strategy settings do not hold ({why}); kept {}", self.strategy.name())),
                }
            }
        }
        let budget_given = ["trials", "minutes", "epoch_budget"].iter().any(|k| get(k).is_some());
        if budget_given {
            let mut budget = Budget {
                trials: whole("trials", 1, 100_000, &mut notes).map(|n| n as usize),
                epochs: whole("epoch_budget", 1, 10_000_000, &mut notes).map(|n| n as usize),
                ..Budget::default()
            };
            if let Some(text) = get("minutes") {
                match text.parse::<f64>() {
                    Ok(m) if m > 0.0 && m.is_finite() => budget.seconds = Some(m * 60.0),
                    _ => notes.push(format!("the link's minutes ('{}') is not a positive number; left out", shorten(&text))),
                }
            }
            if budget.is_unbounded() && !self.strategy.is_finite() {
                notes.push(format!("the link's budget did not read; kept {} trials", self.budget.trials.unwrap_or(30)));
            } else {
                self.budget = budget;
            }
        }
        if let Some(n) = whole("seed", 0, u64::MAX, &mut notes) {
            self.seed = n;
        }
        if let Some(n) = whole("jobs", 1, 8, &mut notes) {
            self.jobs = n as usize;
        }
        if let Some(n) = whole("fuse", 1, crate::engine::MAX_MEMBERS as u64, &mut notes) {
            self.fuse = n as usize;
        }
        if let Some(text) = get("engine") {
            match text.parse() {
                Ok(engine) => self.engine = engine,
                Err(_) => notes.push(format!("the link's engine ('{}') is not cpu, gpu or auto; kept {}", shorten(&text), self.engine)),
            }
        }
        let known = [
            "v",
            "data",
            "points",
            "noise",
            "images",
            "samples",
            "validation",
            "csv",
            "space",
            "epochs",
            "strategy",
            "population",
            "sample",
            "eta",
            "min_epochs",
            "trials",
            "minutes",
            "epoch_budget",
            "seed",
            "jobs",
            "fuse",
            "engine",
            "bench",
            "large",
        ];
        for (key, _) in pairs.iter().filter(|(k, _)| !known.contains(&k.as_str())) {
            notes.push(format!("the link has a setting '{}' that this page does not know; left out", shorten(key)));
        }
        (self, notes)
    }
}

/// Anything serialisable as URL-safe base64 of zlib-compressed JSON (zlib's checksum catches
/// tampering): how a link carries a search space or the GAN lab's settings.
pub fn pack_json(value: &impl serde::Serialize) -> String {
    let json = serde_json::to_string(value).expect("link settings serialise");
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(json.as_bytes()).expect("writing to memory");
    URL_SAFE_NO_PAD.encode(encoder.finish().expect("writing to memory"))
}

/// The JSON `pack_json` packed; the error completes a sentence such as "the link's search space ...".
pub fn unpack_json(text: &str) -> Result<String, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| "is damaged: cut short or altered, so it does not decode".to_string())?;
    let mut json = String::new();
    flate2::read::ZlibDecoder::new(&bytes[..])
        .take(1 << 20)
        .read_to_string(&mut json)
        .map_err(|_| "is damaged: cut short or altered, so it does not unpack".to_string())?;
    Ok(json)
}

/// The space as a link's text (`pack_json`).
pub fn encode_space(space: &SearchSpace) -> String {
    pack_json(space)
}

/// Reads `encode_space`'s text back; the error completes "the link's search space ...".
pub fn decode_space(text: &str) -> Result<SearchSpace, String> {
    let json = unpack_json(text)?;
    let space = SearchSpace::from_json(&json).map_err(|e| format!("does not read: {e}"))?;
    space.validate().map_err(|e| format!("cannot run: {e}"))?;
    Ok(space)
}

fn shorten(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}...", text.chars().take(40).collect::<String>())
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::edited;
    use super::*;
    use crate::nas::EngineChoice;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_link_reads_back_to_the_same_experiment() {
        let experiment = edited();
        let (read, notes) = Experiment::new(1).from_link(&experiment.to_link());
        assert_eq!(notes, Vec::<String>::new());
        assert_eq!(read, experiment);
        assert_eq!(read.config().unwrap(), experiment.config().unwrap());
    }

    #[test]
    fn a_damaged_space_is_named_and_the_rest_is_kept() {
        let experiment = edited();
        let mut link = experiment.to_link();
        let space = link.iter_mut().find(|(k, _)| k == "space").unwrap();
        // Cut short, as a link pasted without its end.
        space.1.truncate(space.1.len() / 2);
        let (read, notes) = Experiment::new(1).from_link(&link);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("search space") && notes[0].contains("damaged"), "{}", notes[0]);
        assert_eq!(read.space, Experiment::new(1).space);
        assert_eq!((read.data.as_str(), read.seed, read.budget), ("moons", 42, experiment.budget));

        // One character changed: the checksum catches it, or the JSON no longer reads.
        let mut link = experiment.to_link();
        let space = link.iter_mut().find(|(k, _)| k == "space").unwrap();
        let middle = space.1.len() / 2;
        let swapped = if &space.1[middle..=middle] == "A" { "B" } else { "A" };
        space.1.replace_range(middle..=middle, swapped);
        let (read, notes) = Experiment::new(1).from_link(&link);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(read.space, Experiment::new(1).space);
    }

    #[test]
    fn bad_settings_are_each_named_and_left_at_the_default() {
        let defaults = Experiment::new(2);
        let link = pairs(&[
            ("v", "2"),
            ("data", "moonz"),
            ("trials", "ten"),
            ("seed", "7"),
            ("noise", "80"),
            ("engine", "tpu"),
            ("colour", "red"),
        ]);
        let (read, notes) = defaults.clone().from_link(&link);
        assert_eq!(read.seed, 7);
        assert_eq!((read.data.as_str(), read.budget, read.noise_percent, read.engine), ("spiral", defaults.budget, 0, EngineChoice::Auto));
        let all = notes.join("\n");
        for word in ["data ('moonz')", "trials ('ten')", "noise is 80", "engine ('tpu')", "'colour'"] {
            assert!(all.contains(word), "no note about {word}: {all}");
        }
    }

    #[test]
    fn the_first_pages_links_still_read() {
        let link = pairs(&[("data", "mnist"), ("space", "mnist-cnn"), ("samples", "600"), ("epochs", "2"), ("trials", "4"), ("jobs", "2")]);
        let (read, notes) = Experiment::new(1).from_link(&link);
        assert_eq!(notes, Vec::<String>::new());
        assert_eq!((read.data.as_str(), read.images, read.space.epochs, read.budget.trials, read.jobs), ("mnist", 600, 2, Some(4), 2));
        assert_eq!(read.fuse, 1);
        let (fused, notes) = Experiment::new(1).from_link(&pairs(&[("fuse", "8")]));
        assert_eq!((fused.fuse, notes.len()), (8, 0));
        assert!(fused.to_link().contains(&("fuse".to_string(), "8".to_string())));
        let (kept, notes) = Experiment::new(1).from_link(&pairs(&[("fuse", "40")]));
        assert_eq!(kept.fuse, 1);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(read.space.family, crate::nas::Family::Cnn);
    }

    #[test]
    fn a_csv_link_asks_for_its_file() {
        let mut experiment = Experiment::new(1);
        experiment.data = "csv".into();
        experiment.csv = Some(("iris.csv".into(), "a,b,c\n1,2,x\n".into()));
        let (read, notes) = Experiment::new(1).from_link(&experiment.to_link());
        assert!(notes.len() == 1 && notes[0].contains("iris.csv") && notes[0].contains("choose that file"), "{notes:?}");
        assert_eq!(read.csv, None);
        assert_eq!(read.config().unwrap_err(), "data: choose a CSV file first");
    }
}
