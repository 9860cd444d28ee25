//! Where the good networks are: score against parameter count with the Pareto front, and
//! parallel coordinates of every decision against the score.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{failed, message, padded, score_label, shown, ChartStyle, BEST, HIGHLIGHT, INK, MUTED};
use crate::nas::candidate::{activation_name, optimizer_name};
use crate::nas::trial::TrialRecord;
use crate::nas::view::SearchView;

const NOTHING_YET: &str = "No finished trials yet";

/// Each finished trial's score against its parameter count (log scale); the front joined.
pub fn pareto<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    view: &SearchView,
    selected: Option<usize>,
    style: &ChartStyle,
) -> Result<(), String> {
    let objective = view.objective();
    let points: Vec<(usize, f64, f64)> = view
        .records()
        .iter()
        .filter(|r| r.result.parameters > 0)
        .filter_map(|r| objective.score(r).map(|s| (r.id, r.result.parameters as f64, shown(objective, s))))
        .collect();
    if points.is_empty() {
        return message(area, NOTHING_YET, style);
    }
    area.fill(&WHITE).map_err(failed)?;
    let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let y_range = padded(points.iter().map(|p| p.2));
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(style.font() * 3)
        .y_label_area_size(style.font() * 4)
        .build_cartesian_2d((lo * 0.8..hi * 1.25).log_scale(), y_range)
        .map_err(failed)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .x_desc("parameters (log scale)")
        .x_labels(style.labels())
        .y_labels(style.labels())
        .y_desc(score_label(objective))
        .x_label_formatter(&|v| crate::nas::space::format_count(v.round() as u128))
        .label_style(("sans-serif", style.font()))
        .draw()
        .map_err(failed)?;
    let front = view.pareto_front();
    chart
        .draw_series(
            points
                .iter()
                .filter(|p| !front.contains(&p.0) && Some(p.0) != selected)
                .map(|p| Circle::new((p.1, p.2), style.dot(), MUTED.filled())),
        )
        .map_err(failed)?;
    let on_front: Vec<(f64, f64)> = front.iter().filter_map(|id| points.iter().find(|p| p.0 == *id)).map(|p| (p.1, p.2)).collect();
    chart.draw_series(LineSeries::new(on_front.clone(), HIGHLIGHT.stroke_width(style.line() * 2))).map_err(failed)?;
    chart.draw_series(on_front.iter().map(|&p| Circle::new(p, style.dot() + 1, HIGHLIGHT.filled()))).map_err(failed)?;
    if let Some(p) = points.iter().find(|p| Some(p.0) == selected) {
        chart
            .draw_series(std::iter::once(Circle::new((p.1, p.2), style.dot() + 3, BEST.stroke_width(style.line() * 2))))
            .map_err(failed)?;
    }
    area.present().map_err(failed)
}

/// One decision as an axis of the parallel coordinates (and of a slice plot).
pub(super) struct Axis {
    pub name: &'static str,
    /// Each trial's position on the axis, 0 (bottom) to 1 (top).
    pub position: Box<dyn Fn(&TrialRecord) -> f64>,
    /// Tick labels at positions.
    pub ticks: Vec<(f64, String)>,
}

/// A numeric axis over `values`, on a log scale when asked.
fn numeric(name: &'static str, records: &[TrialRecord], value: fn(&TrialRecord) -> f64, log: bool) -> Axis {
    let scale = move |v: f64| if log { v.max(1e-12).ln() } else { v };
    let (lo, hi) = records.iter().map(|r| scale(value(r))).fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let at = move |v: f64| if hi > lo { (scale(v) - lo) / span } else { 0.5 };
    let unscale = move |s: f64| if log { s.exp() } else { s };
    let ticks = if hi > lo { vec![(0.0, unscale(lo)), (1.0, unscale(hi))] } else { vec![(0.5, unscale(lo))] }
        .into_iter()
        .map(|(p, v)| (p, if v.fract() == 0.0 && v.abs() < 1e9 { format!("{v}") } else { format!("{v:.2e}") }))
        .collect();
    Axis { name, position: Box::new(move |r| at(value(r))), ticks }
}

/// A categorical axis: its names spread evenly.
fn categorical(name: &'static str, records: &[TrialRecord], value: fn(&TrialRecord) -> String) -> Axis {
    let mut names: Vec<String> = records.iter().map(value).collect();
    names.sort();
    names.dedup();
    let at = {
        let names = names.clone();
        move |n: &str| {
            let i = names.iter().position(|x| x == n).unwrap_or(0);
            if names.len() > 1 {
                i as f64 / (names.len() - 1) as f64
            } else {
                0.5
            }
        }
    };
    let ticks = names.iter().map(|n| (at(n), n.clone())).collect();
    Axis { name, position: Box::new(move |r| at(&value(r))), ticks }
}

/// One axis per decision the trials made (conv blocks and filters for a CNN, hidden layers, mean
/// width, activation, optimizer, learning rate on a log scale, batch size).
pub(super) fn decision_axes(records: &[TrialRecord]) -> Vec<Axis> {
    if !records.is_empty() && records.iter().all(|r| r.proposal.candidate.gan.is_some()) {
        return gan_axes(records);
    }
    let mut axes = Vec::new();
    if records.iter().any(|r| !r.proposal.candidate.conv.is_empty()) {
        axes.push(numeric("conv blocks", records, |r| r.proposal.candidate.conv.len() as f64, false));
        axes.push(numeric("filters", records, |r| r.proposal.candidate.conv.first().map_or(0, |b| b.filters) as f64, false));
    }
    axes.push(numeric("hidden layers", records, |r| r.proposal.candidate.dense.len() as f64, false));
    axes.push(numeric(
        "mean width",
        records,
        |r| {
            let d = &r.proposal.candidate.dense;
            if d.is_empty() {
                0.0
            } else {
                (d.iter().sum::<usize>() as f64 / d.len() as f64).round()
            }
        },
        false,
    ));
    axes.push(categorical("activation", records, |r| activation_name(r.proposal.candidate.activation)));
    axes.push(categorical("optimizer", records, |r| optimizer_name(r.proposal.candidate.optimizer)));
    axes.push(numeric("learning rate", records, |r| r.proposal.candidate.learning_rate as f64, true));
    axes.push(numeric("batch", records, |r| r.proposal.candidate.batch_size as f64, false));
    axes
}

/// The axes of a GAN search: each network's layers and width, D steps, loss, noise, both rates.
fn gan_axes(records: &[TrialRecord]) -> Vec<Axis> {
    fn gan(r: &TrialRecord) -> &crate::nas::GanChoice {
        r.proposal.candidate.gan.as_ref().expect("checked: every trial is a GAN's")
    }
    vec![
        numeric("G layers", records, |r| r.proposal.candidate.dense.len() as f64, false),
        numeric("G width", records, |r| r.proposal.candidate.dense.first().copied().unwrap_or(0) as f64, false),
        numeric("D layers", records, |r| gan(r).discriminator.len() as f64, false),
        numeric("D width", records, |r| gan(r).discriminator.first().copied().unwrap_or(0) as f64, false),
        numeric("D steps", records, |r| gan(r).d_steps as f64, false),
        categorical("loss", records, |r| crate::nas::gan_space::loss_name(gan(r).loss).to_string()),
        numeric("noise", records, |r| gan(r).noise_dim as f64, false),
        numeric("G rate", records, |r| r.proposal.candidate.learning_rate as f64, true),
        numeric("D rate", records, |r| gan(r).discriminator_learning_rate as f64, true),
    ]
}

/// Parallel coordinates: an axis per decision (depth, widths, activation, optimizer, learning
/// rate, batch; conv blocks and filters for a CNN) and one for the score; each finished trial is
/// a line across them, coloured from grey (worst) to vermillion (best), the best drawn last.
pub fn parallel_coordinates<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    view: &SearchView,
    style: &ChartStyle,
) -> Result<(), String> {
    let objective = view.objective();
    let records: Vec<TrialRecord> = view.records().into_iter().filter(|r| objective.score(r).is_some()).collect();
    if records.is_empty() {
        return message(area, NOTHING_YET, style);
    }
    area.fill(&WHITE).map_err(failed)?;
    let mut axes = decision_axes(&records);
    let score_of = move |r: &TrialRecord| objective.score(r).map_or(0.0, |s| shown(objective, s));
    let scores: Vec<f64> = records.iter().map(score_of).collect();
    let (lo, hi) = scores.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    // Higher is better for accuracy; for loss, lower is, so the axis runs the other way.
    let goodness = move |v: f64| {
        let t = if hi > lo { (v - lo) / (hi - lo) } else { 1.0 };
        if matches!(objective, super::Objective::ValidationLoss) {
            1.0 - t
        } else {
            t
        }
    };
    axes.push(Axis {
        name: match objective {
            super::Objective::ValidationAccuracy => "accuracy (%)",
            super::Objective::ValidationLoss => "loss",
            super::Objective::ModesThenQuality { .. } => "modes + HQ",
        },
        position: Box::new(move |r| goodness(score_of(r))),
        ticks: vec![(goodness(lo), format!("{lo:.3}")), (goodness(hi), format!("{hi:.3}"))],
    });

    let (width, height) = area.dim_in_pixel();
    let font = style.font() as i32;
    let (left, right, top, bottom) = (font * 4, font * 4, font * 2, font * 4);
    let x_of = |i: usize| left + (width as i32 - left - right) * i as i32 / (axes.len() as i32 - 1).max(1);
    let y_of = |p: f64| top + ((1.0 - p) * (height as i32 - top - bottom) as f64) as i32;
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by(|&a, &b| goodness(scores[a]).total_cmp(&goodness(scores[b])));
    for i in order {
        let t = goodness(scores[i]);
        let colour = RGBColor(
            (MUTED.0 as f64 + (BEST.0 as f64 - MUTED.0 as f64) * t) as u8,
            (MUTED.1 as f64 + (BEST.1 as f64 - MUTED.1 as f64) * t) as u8,
            (MUTED.2 as f64 + (BEST.2 as f64 - MUTED.2 as f64) * t) as u8,
        );
        let line: Vec<(i32, i32)> = axes.iter().enumerate().map(|(a, axis)| (x_of(a), y_of((axis.position)(&records[i])))).collect();
        let width = if t >= 0.999 { style.thick() } else { style.line() };
        area.draw(&PathElement::new(line, colour.mix(0.35 + 0.65 * t).stroke_width(width))).map_err(failed)?;
    }
    let label = ("sans-serif", font).into_font().color(&INK);
    let small = ("sans-serif", (font * 4 / 5).max(9)).into_font().color(&INK);
    for (a, axis) in axes.iter().enumerate() {
        let x = x_of(a);
        area.draw(&PathElement::new(vec![(x, y_of(1.0)), (x, y_of(0.0))], INK.stroke_width(style.line()))).map_err(failed)?;
        // Names alternate between two rows, so neighbours do not overlap.
        let row = if a % 2 == 0 { font * 3 } else { font * 3 / 2 };
        area.draw(&Text::new(axis.name.to_string(), (x, height as i32 - row), label.pos(Pos::new(HPos::Center, VPos::Top))))
            .map_err(failed)?;
        for (p, text) in &axis.ticks {
            area.draw(&Text::new(text.clone(), (x + 4, y_of(*p)), small.pos(Pos::new(HPos::Left, VPos::Center)))).map_err(failed)?;
        }
    }
    area.present().map_err(failed)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::super::tests::{count, lines_in, searched, svg};
    use super::*;
    use crate::nas::StrategyConfig;

    #[test]
    fn pareto_joins_the_front_and_rings_the_chosen_trial() {
        let view = searched(StrategyConfig::Random, 15);
        let style = ChartStyle::default();
        let picture = svg(|a| pareto(a, &view, Some(2), &style));
        let front = view.pareto_front().len();
        assert!(front >= 1);
        assert_eq!(lines_in(&picture, "#0072B2"), 1);
        // Every trial off the front once, the front's points, and a ring around the chosen trial.
        let on_front_chosen = view.pareto_front().contains(&2) as usize;
        assert_eq!(count(&picture, "circle"), 15 - front - (1 - on_front_chosen) + front + 1);
    }

    #[test]
    fn parallel_coordinates_draw_a_line_per_trial_and_name_the_categories() {
        let view = searched(StrategyConfig::Random, 15);
        let picture = svg(|a| parallel_coordinates(a, &view, &ChartStyle::default()));
        // One path per finished trial plus one per axis (7 for an MLP space).
        assert_eq!(count(&picture, "polyline"), 15 + 7);
        assert_eq!(lines_in(&picture, "#1D2330"), 7);
        for name in ["activation", "optimizer", "learning rate", "accuracy (%)"] {
            assert!(picture.contains(name), "no axis {name}");
        }
        let record = &view.records()[0];
        assert!(picture.contains(&activation_name(record.proposal.candidate.activation)));
    }
}
