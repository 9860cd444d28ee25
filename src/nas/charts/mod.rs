//! The search's live views as plotters charts, drawn from a `SearchView` on any plotters backend:
//! a canvas on the page, SVG in tests. Everything a chart computes (ranges, positions, colours,
//! the parallel coordinates' scaling) lives here, so the page only hands over a canvas.

pub mod gan;
pub mod inside;
mod lineage;
mod network;
mod progress;
mod space;
mod why;

use plotters::coord::Shift;
use plotters::prelude::*;

pub use lineage::{family_tree, rungs};
pub use network::{network_layers, LayerRow};
pub use progress::{best_so_far_by_time, best_so_far_by_trial, compare_curves, learning_curves};
pub use space::{parallel_coordinates, pareto};
pub use why::{importance, slices};

use super::objective::Objective;

/// The Okabe-Ito colours, told apart by people with the common colour-vision deficiencies.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xF0, 0xE4, 0x42),
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x00, 0x00, 0x00),
];

/// Blue for what is highlighted, vermillion for the best, grey for the rest.
pub const HIGHLIGHT: RGBColor = PALETTE[4];
pub const BEST: RGBColor = PALETTE[5];
pub const MUTED: RGBColor = RGBColor(0xA8, 0xAE, 0xBA);
pub const INK: RGBColor = RGBColor(0x1D, 0x23, 0x30);

/// How large the type and lines are: normal, or projector size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChartStyle {
    pub large_type: bool,
}

impl ChartStyle {
    pub fn font(&self) -> u32 {
        if self.large_type {
            22
        } else {
            13
        }
    }

    pub fn line(&self) -> u32 {
        if self.large_type {
            2
        } else {
            1
        }
    }

    pub fn thick(&self) -> u32 {
        self.line() * 3
    }

    /// How many labels an axis gets: fewer when the type is large, so they do not run together.
    pub fn labels(&self) -> usize {
        if self.large_type {
            4
        } else {
            8
        }
    }

    pub fn dot(&self) -> u32 {
        if self.large_type {
            5
        } else {
            3
        }
    }

    fn text(&self) -> TextStyle<'static> {
        ("sans-serif", self.font()).into_font().color(&INK)
    }
}

/// A score in the units people read: accuracy in percent, or the loss itself.
pub fn shown(objective: Objective, score: f64) -> f64 {
    match objective {
        Objective::ValidationAccuracy => score * 100.0,
        Objective::ValidationLoss => -score,
        Objective::ModesThenQuality { .. } => score,
    }
}

/// An epoch's figure on the objective's axis.
pub fn epoch_value(objective: Objective, epoch: &crate::nn::EpochMetrics) -> Option<f64> {
    objective.epoch_score(epoch).map(|score| shown(objective, score))
}

/// The axis name of the objective.
pub fn score_label(objective: Objective) -> &'static str {
    match objective {
        Objective::ValidationAccuracy => "validation accuracy (%)",
        Objective::ValidationLoss => "validation loss",
        Objective::ModesThenQuality { modes: 0 } => "closeness (1 - JS / ln 2)",
        Objective::ModesThenQuality { .. } => "modes covered + high-quality share",
    }
}

/// A range around `values` with a little room, never empty.
pub(crate) fn padded(values: impl IntoIterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values.into_iter().filter(|v| v.is_finite()).fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return 0.0..1.0;
    }
    let room = ((hi - lo) * 0.06).max(hi.abs().max(1e-3) * 0.01);
    lo - room..hi + room
}

pub(crate) fn failed<E: std::error::Error + Send + Sync>(error: DrawingAreaErrorKind<E>) -> String {
    error.to_string()
}

/// Clears the area and writes `message` in its middle (a chart with nothing to show yet),
/// broken into lines that fit its width.
pub fn message<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, message: &str, style: &ChartStyle) -> Result<(), String> {
    area.fill(&WHITE).map_err(failed)?;
    let (width, height) = area.dim_in_pixel();
    let text = style.text().color(&RGBColor(0x6B, 0x73, 0x85)).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Center,
    ));
    // About 0.55 em a character in a sans-serif face.
    let fits = ((width as f64 * 0.9) / (style.font() as f64 * 0.55)).max(10.0) as usize;
    let mut lines: Vec<String> = Vec::new();
    for word in message.split(' ') {
        match lines.last_mut() {
            Some(line) if line.len() + 1 + word.len() <= fits => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    let step = style.font() as i32 * 3 / 2;
    let top = height as i32 / 2 - step * (lines.len() as i32 - 1) / 2;
    for (i, line) in lines.into_iter().enumerate() {
        area.draw(&Text::new(line, (width as i32 / 2, top + step * i as i32), text.clone())).map_err(failed)?;
    }
    area.present().map_err(failed)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod tests {
    use super::*;
    use crate::nas::parallel::run_search_parallel;
    use crate::nas::{Budget, RecordingHost, Search, SearchView, StrategyConfig, TabularBenchmark, TabularEvaluator};

    /// A real search's view on the shipped tabular benchmark (the same events as training, at once).
    pub fn searched(strategy: StrategyConfig, trials: usize) -> SearchView {
        let table = TabularBenchmark::parse(include_bytes!("../../../www/data/tabular-spiral.json.gz")).unwrap();
        let mut config = table.config.clone();
        (config.strategy, config.budget, config.seed) = (strategy, Budget::trials(trials), 5);
        let mut search = Search::new(config, table.objective).unwrap();
        let mut host = RecordingHost::default();
        run_search_parallel(&mut search, 1, || Ok(TabularEvaluator { table: &table }), &mut host);
        SearchView::of_events(&host.events)
    }

    pub fn svg(draw: impl Fn(&DrawingArea<SVGBackend, Shift>) -> Result<(), String>) -> String {
        let mut text = String::new();
        {
            let area = SVGBackend::with_string(&mut text, (640, 360)).into_drawing_area();
            draw(&area).unwrap();
        }
        text
    }

    pub fn count(svg: &str, element: &str) -> usize {
        svg.matches(&format!("<{element}")).count()
    }

    /// Lines (polylines) drawn in `colour`, e.g. "#0072B2" (axes and ticks are drawn in others).
    pub fn lines_in(svg: &str, colour: &str) -> usize {
        svg.lines().filter(|l| l.starts_with("<polyline") && l.contains(&format!("stroke=\"{colour}\""))).count()
    }

    #[test]
    fn an_empty_view_draws_a_message_in_every_chart() {
        let view = SearchView::new();
        let style = ChartStyle::default();
        for picture in [
            svg(|a| best_so_far_by_trial(a, &view, &style)),
            svg(|a| best_so_far_by_time(a, &view, &style)),
            svg(|a| learning_curves(a, &view, None, &style)),
            svg(|a| pareto(a, &view, None, &style)),
            svg(|a| family_tree(a, &view, &style)),
            svg(|a| rungs(a, &view, &style)),
            svg(|a| parallel_coordinates(a, &view, &style)),
            svg(|a| importance(a, &view, &style)),
            svg(|a| slices(a, &view, &style)),
        ] {
            assert!(picture.to_lowercase().contains("\nno "), "{picture}");
            assert_eq!(count(&picture, "polyline"), 0);
        }
    }
}
