//! Why this winner: each decision's importance to the score (a random forest's share of the
//! score's variance it explains) as bars, and slice plots of the score against each decision.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::space::decision_axes;
use super::{failed, message, padded, shown, ChartStyle, BEST, HIGHLIGHT, INK, MUTED};
use crate::nas::importance::decision_importance;
use crate::nas::trial::TrialRecord;
use crate::nas::view::SearchView;

/// Each decision's importance as a horizontal bar, largest first, with its share in percent.
pub fn importance<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, view: &SearchView, style: &ChartStyle) -> Result<(), String> {
    let shares = decision_importance(view);
    if shares.is_empty() {
        return message(area, "No importance yet: it needs at least four finished trials whose scores differ", style);
    }
    area.fill(&WHITE).map_err(failed)?;
    let font = style.font() as i32;
    let (width, height) = area.dim_in_pixel();
    let (left, right, top) = (font * 9, font * 4, font);
    let row = ((height as i32 - 2 * top) / shares.len() as i32).max(font + 4);
    let label = ("sans-serif", font).into_font().color(&INK);
    for (i, (name, share)) in shares.iter().enumerate() {
        let y = top + row * i as i32;
        let bar = ((width as i32 - left - right) as f64 * share) as i32;
        let colour = if i == 0 { BEST } else { HIGHLIGHT };
        area.draw(&Rectangle::new([(left, y + 2), (left + bar.max(1), y + row - 2)], colour.filled())).map_err(failed)?;
        area.draw(&Text::new(name.to_string(), (left - 6, y + row / 2), label.pos(Pos::new(HPos::Right, VPos::Center)))).map_err(failed)?;
        area.draw(&Text::new(
            format!("{:.0} %", share * 100.0),
            (left + bar + 6, y + row / 2),
            label.pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(failed)?;
    }
    area.present().map_err(failed)
}

/// The score against each decision, one small plot per decision: where each choice's trials
/// landed, the best in vermillion.
pub fn slices<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, view: &SearchView, style: &ChartStyle) -> Result<(), String> {
    let objective = view.objective();
    let records: Vec<TrialRecord> = view.records().into_iter().filter(|r| objective.score(r).is_some()).collect();
    if records.is_empty() {
        return message(area, "No finished trials yet", style);
    }
    area.fill(&WHITE).map_err(failed)?;
    let axes = decision_axes(&records);
    let columns = if style.large_type { 2 } else { 4 };
    let panels = area.split_evenly((axes.len().div_ceil(columns), columns));
    let y_range = padded(records.iter().filter_map(|r| objective.score(r)).map(|s| shown(objective, s)));
    let best = view.best().map(|(id, _)| id);
    let small = (style.font() * 4 / 5).max(9);
    for (axis, panel) in axes.iter().zip(panels.iter()) {
        let mut chart = ChartBuilder::on(panel)
            .margin(4)
            .caption(axis.name, ("sans-serif", style.font()))
            .x_label_area_size(small * 2)
            .y_label_area_size(small * 3)
            .build_cartesian_2d(-0.1..1.1, y_range.clone())
            .map_err(failed)?;
        let ticks = axis.ticks.clone();
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(ticks.len().max(2))
            .x_label_formatter(&|x| ticks.iter().find(|(p, _)| (p - x).abs() < 0.02).map(|(_, t)| t.clone()).unwrap_or_default())
            .y_labels(3)
            .label_style(("sans-serif", small))
            .draw()
            .map_err(failed)?;
        chart
            .draw_series(records.iter().map(|r| {
                let point = ((axis.position)(r), shown(objective, objective.score(r).unwrap_or(0.0)));
                let colour = if Some(r.id) == best { BEST.filled() } else { MUTED.mix(0.8).filled() };
                Circle::new(point, style.dot(), colour)
            }))
            .map_err(failed)?;
    }
    area.present().map_err(failed)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::super::tests::{count, searched, svg};
    use super::*;
    use crate::nas::StrategyConfig;

    #[test]
    fn importance_draws_a_bar_per_decision_and_slices_a_point_per_trial_each() {
        let view = searched(StrategyConfig::Random, 20);
        let style = ChartStyle::default();
        let bars = svg(|a| importance(a, &view, &style));
        let shares = decision_importance(&view);
        assert_eq!(shares.len(), 7, "an MLP space's seven decisions");
        assert!((shares.iter().map(|s| s.1).sum::<f64>() - 1.0).abs() < 1e-9);
        assert_eq!(count(&bars, "rect") - 1, 7, "one bar per decision after the background");
        assert!(bars.contains(shares[0].0));
        let picture = svg(|a| slices(a, &view, &style));
        // Six axes for an MLP (hidden layers, width, activation, optimizer, rate, batch), 20 points each.
        assert_eq!(count(&picture, "circle"), 6 * 20);
        assert!(picture.contains("learning rate"));
    }
}
