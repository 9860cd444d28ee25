//! How the search is going: the best score so far against trials and against time, and every
//! trial's learning curve with the running ones highlighted and halving's rungs marked.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{failed, message, padded, score_label, shown, ChartStyle, BEST, HIGHLIGHT, MUTED};
use crate::nas::view::{SearchView, TrialStatus};

const NOTHING_YET: &str = "No finished trials yet";

/// Each finished trial's (x, shown score), and the best so far as a step line.
fn best_so_far<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    view: &SearchView,
    style: &ChartStyle,
    x_of: impl Fn(usize) -> f64,
    x_label: &str,
) -> Result<(), String> {
    let objective = view.objective();
    let best = view.best_so_far();
    let records = view.records();
    let points: Vec<(f64, f64)> = records.iter().filter_map(|r| objective.score(r).map(|s| (x_of(r.id), shown(objective, s)))).collect();
    if points.is_empty() {
        return message(area, NOTHING_YET, style);
    }
    area.fill(&WHITE).map_err(failed)?;
    let x_range = padded(points.iter().map(|p| p.0).chain([0.0]));
    let y_range = padded(points.iter().map(|p| p.1));
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(style.font() * 3)
        .y_label_area_size(style.font() * 4)
        .build_cartesian_2d(x_range, y_range)
        .map_err(failed)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .x_labels(style.labels())
        .y_labels(style.labels())
        .x_desc(x_label)
        .y_desc(score_label(objective))
        .label_style(("sans-serif", style.font()))
        .draw()
        .map_err(failed)?;
    chart.draw_series(points.iter().map(|&p| Circle::new(p, style.dot(), MUTED.filled()))).map_err(failed)?;
    let mut steps = Vec::new();
    for (id, score) in best.iter().filter_map(|(id, s)| s.map(|s| (*id, shown(objective, s)))) {
        if let Some(&(_, previous)) = steps.last() {
            steps.push((x_of(id), previous));
        }
        steps.push((x_of(id), score));
    }
    chart.draw_series(LineSeries::new(steps, BEST.stroke_width(style.thick()))).map_err(failed)?;
    area.present().map_err(failed)
}

/// The best score so far after each finished trial.
pub fn best_so_far_by_trial<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    view: &SearchView,
    style: &ChartStyle,
) -> Result<(), String> {
    best_so_far(area, view, style, |id| (id + 1) as f64, "trials")
}

/// The best score so far against the training seconds spent (trials added up in id order, as
/// one worker would have spent them).
pub fn best_so_far_by_time<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, view: &SearchView, style: &ChartStyle) -> Result<(), String> {
    let mut elapsed = std::collections::BTreeMap::new();
    let mut total = 0.0;
    for record in view.records() {
        total += record.result.seconds;
        elapsed.insert(record.id, total);
    }
    best_so_far(area, view, style, |id| elapsed.get(&id).copied().unwrap_or(0.0), "seconds of training")
}

/// A trial's curve: its id, status and (epoch, value) points.
type Curve = (usize, TrialStatus, Vec<(f64, f64)>);

/// Every trial's validation curve (accuracy, or loss for regression) by epoch: finished trials
/// thin and grey, running ones thick and blue, the chosen one in vermillion; a dashed mark at
/// each of halving's rung epochs.
pub fn learning_curves<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    view: &SearchView,
    selected: Option<usize>,
    style: &ChartStyle,
) -> Result<(), String> {
    let objective = view.objective();
    let value = |m: &crate::nn::EpochMetrics| super::epoch_value(objective, m);
    let curves: Vec<Curve> = view
        .trials
        .values()
        .map(|t| (t.id, t.status, t.curve.iter().filter_map(|m| value(m).map(|v| (m.epoch as f64, v))).collect::<Vec<_>>()))
        .filter(|(_, _, c)| !c.is_empty())
        .collect();
    if curves.is_empty() {
        return message(area, "No epochs trained yet", style);
    }
    area.fill(&WHITE).map_err(failed)?;
    let epochs = curves.iter().flat_map(|c| c.2.iter().map(|p| p.0)).fold(1.0, f64::max);
    let y_range = padded(curves.iter().flat_map(|c| c.2.iter().map(|p| p.1)));
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(style.font() * 3)
        .y_label_area_size(style.font() * 4)
        .build_cartesian_2d(0.5..epochs + 0.5, y_range.clone())
        .map_err(failed)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .x_labels(style.labels())
        .y_labels(style.labels())
        .x_desc("epoch")
        .y_desc(super::score_label(objective))
        .label_style(("sans-serif", style.font()))
        .draw()
        .map_err(failed)?;
    for rung in view.rungs() {
        let x = rung.epochs as f64;
        // A dashed vertical line: short segments.
        let (lo, hi) = (y_range.start, y_range.end);
        let dashes = (0..20).map(|i| {
            let a = lo + (hi - lo) * i as f64 / 20.0;
            PathElement::new(vec![(x, a), (x, a + (hi - lo) / 40.0)], MUTED.stroke_width(style.line()))
        });
        chart.draw_series(dashes).map_err(failed)?;
    }
    let order = |s: TrialStatus, id: usize| (s == TrialStatus::Running) as u8 + 2 * (Some(id) == selected) as u8;
    let mut sorted = curves;
    sorted.sort_by_key(|(id, status, _)| order(*status, *id));
    for (id, status, points) in sorted {
        let stroke = match (Some(id) == selected, status) {
            (true, _) => BEST.stroke_width(style.thick()),
            (false, TrialStatus::Running) => HIGHLIGHT.stroke_width(style.thick()),
            (false, TrialStatus::Failed) => RGBColor(0xD5, 0x5E, 0x00).mix(0.4).stroke_width(style.line()),
            (false, TrialStatus::Finished) => MUTED.mix(0.8).stroke_width(style.line()),
        };
        if points.len() == 1 {
            chart.draw_series(std::iter::once(Circle::new(points[0], style.dot(), stroke.filled()))).map_err(failed)?;
        } else {
            chart.draw_series(LineSeries::new(points, stroke)).map_err(failed)?;
        }
    }
    area.present().map_err(failed)
}

/// The chosen trials' validation curves together, each in its own colour with a legend.
pub fn compare_curves<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    view: &SearchView,
    trials: &[usize],
    style: &ChartStyle,
) -> Result<(), String> {
    let objective = view.objective();
    let value = |m: &crate::nn::EpochMetrics| super::epoch_value(objective, m);
    let curves: Vec<(usize, Vec<(f64, f64)>)> = trials
        .iter()
        .filter_map(|id| view.trials.get(id))
        .map(|t| (t.id, t.curve.iter().filter_map(|m| value(m).map(|v| (m.epoch as f64, v))).collect::<Vec<_>>()))
        .filter(|(_, c)| !c.is_empty())
        .collect();
    if curves.len() < 2 {
        return message(area, "Choose two or more trials in the leaderboard to compare them", style);
    }
    area.fill(&WHITE).map_err(failed)?;
    let epochs = curves.iter().flat_map(|c| c.1.iter().map(|p| p.0)).fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(style.font() * 3)
        .y_label_area_size(style.font() * 4)
        .build_cartesian_2d(0.5..epochs + 0.5, padded(curves.iter().flat_map(|c| c.1.iter().map(|p| p.1))))
        .map_err(failed)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .x_labels(style.labels())
        .y_labels(style.labels())
        .x_desc("epoch")
        .y_desc(score_label(objective))
        .label_style(("sans-serif", style.font()))
        .draw()
        .map_err(failed)?;
    for (i, (id, points)) in curves.into_iter().enumerate() {
        // Yellow is hard to see on white: it is left out.
        let colour = [
            super::PALETTE[4],
            super::PALETTE[5],
            super::PALETTE[2],
            super::PALETTE[6],
            super::PALETTE[0],
            super::PALETTE[1],
            super::PALETTE[7],
        ][i % 7];
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(style.thick())))
            .map_err(failed)?
            .label(format!("trial {id}"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(3)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(MUTED)
        .label_font(("sans-serif", style.font()))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(failed)?;
    area.present().map_err(failed)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::super::tests::{count, lines_in, searched, svg};
    use super::*;
    use crate::nas::StrategyConfig;

    #[test]
    fn best_so_far_has_a_point_per_trial_and_one_step_line() {
        let view = searched(StrategyConfig::Random, 12);
        let style = ChartStyle::default();
        for picture in [svg(|a| best_so_far_by_trial(a, &view, &style)), svg(|a| best_so_far_by_time(a, &view, &style))] {
            assert_eq!(count(&picture, "circle"), 12);
            assert_eq!(lines_in(&picture, "#D55E00"), 1, "{picture}");
            assert!(picture.contains("validation accuracy"));
        }
    }

    #[test]
    fn compared_trials_get_a_line_and_a_legend_entry_each() {
        let view = searched(StrategyConfig::Random, 6);
        let style = ChartStyle::default();
        let picture = svg(|a| compare_curves(a, &view, &[1, 4, 5], &style));
        for id in [1, 4, 5] {
            assert!(picture.contains(&format!("trial {id}")), "no legend for trial {id}");
        }
        assert_eq!(
            lines_in(&picture, "#0072B2") + lines_in(&picture, "#D55E00") + lines_in(&picture, "#009E73"),
            6,
            "a line and a legend mark each"
        );
        assert!(svg(|a| compare_curves(a, &view, &[2], &style)).contains("Choose two or more"));
    }

    #[test]
    fn learning_curves_draw_one_line_per_trial_and_mark_rungs() {
        let view = searched(StrategyConfig::halving(), 40);
        let style = ChartStyle::default();
        let picture = svg(|a| learning_curves(a, &view, Some(3), &style));
        let lines = ["#A8AEBA", "#0072B2", "#D55E00"].iter().map(|c| lines_in(&picture, c)).sum::<usize>();
        let multi_epoch = view.trials.values().filter(|t| t.curve.len() > 1).count();
        let rungs = view.rungs().len();
        assert!(rungs >= 2);
        // One line per curve of two or more epochs, 20 dashes per rung.
        assert_eq!(lines, multi_epoch + 20 * rungs, "{lines} lines for {multi_epoch} curves and {rungs} rungs");
        // The chosen trial is drawn in vermillion.
        assert_eq!(lines_in(&picture, "#D55E00"), (view.trials[&3].curve.len() > 1) as usize);
    }
}
