//! Where trials came from: evolution's family tree (each child joined to its parent, labelled with
//! its mutation) and successive halving's rungs (which trials went on and which stopped).

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{failed, message, padded, score_label, shown, ChartStyle, BEST, HIGHLIGHT, INK, MUTED};
use crate::nas::view::SearchView;

/// Trials by id (x) and score (y); a line from each parent to its child, with the mutation
/// written beside the child while there are few enough to read.
pub fn family_tree<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, view: &SearchView, style: &ChartStyle) -> Result<(), String> {
    let lineage: Vec<_> = view.lineage().into_iter().filter(|l| !l.change.is_empty()).collect();
    if lineage.is_empty() {
        let evolution = matches!(view.config.as_ref().map(|c| &c.strategy), Some(crate::nas::StrategyConfig::Evolution { .. }));
        let why = match (view.trials.is_empty(), evolution) {
            (true, _) => "No finished trials yet",
            (false, true) => "no children yet: evolution's first population is drawn at random",
            (false, false) => "no family tree: this search's trials have no parents (evolution's have)",
        };
        return message(area, why, style);
    }
    let objective = view.objective();
    let scores: BTreeMap<usize, f64> =
        view.records().iter().filter_map(|r| objective.score(r).map(|s| (r.id, shown(objective, s)))).collect();
    if scores.is_empty() {
        return message(area, "No finished trials yet", style);
    }
    area.fill(&WHITE).map_err(failed)?;
    let last = *scores.keys().last().unwrap_or(&0) as f64;
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(style.font() * 3)
        .y_label_area_size(style.font() * 4)
        .build_cartesian_2d(-0.5..last + 1.5, padded(scores.values().copied()))
        .map_err(failed)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .x_labels(style.labels())
        .y_labels(style.labels())
        .x_desc("trial")
        .y_desc(score_label(objective))
        .label_style(("sans-serif", style.font()))
        .draw()
        .map_err(failed)?;
    let edges: Vec<_> = lineage
        .iter()
        .filter_map(|l| Some((l, (l.parent as f64, *scores.get(&l.parent)?), (l.child as f64, *scores.get(&l.child)?))))
        .collect();
    chart
        .draw_series(edges.iter().map(|(_, from, to)| PathElement::new(vec![*from, *to], HIGHLIGHT.mix(0.6).stroke_width(style.line()))))
        .map_err(failed)?;
    let best = view.best().map(|(id, _)| id);
    chart
        .draw_series(scores.iter().map(|(&id, &s)| {
            let colour = if Some(id) == best { BEST } else { INK };
            Circle::new((id as f64, s), style.dot(), colour.filled())
        }))
        .map_err(failed)?;
    if edges.len() <= 40 {
        let small = ("sans-serif", (style.font() * 4 / 5).max(9)).into_font().color(&MUTED.mix(1.0));
        chart
            .draw_series(edges.iter().map(|(l, _, to)| Text::new(l.change.clone(), (to.0 + 0.15, to.1), small.clone())))
            .map_err(failed)?;
    }
    area.present().map_err(failed)
}

/// Halving's rungs side by side (bracket by bracket): each trial's score at its rung, promoted
/// trials filled and joined to where they went on, stopped ones as hollow rings.
pub fn rungs<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, view: &SearchView, style: &ChartStyle) -> Result<(), String> {
    let rungs = view.rungs();
    if rungs.is_empty() {
        return message(area, "no rungs: only successive halving and Hyperband have them", style);
    }
    let objective = view.objective();
    let scores: BTreeMap<usize, f64> =
        view.records().iter().filter_map(|r| objective.score(r).map(|s| (r.id, shown(objective, s)))).collect();
    if scores.is_empty() {
        return message(area, "No finished trials yet", style);
    }
    area.fill(&WHITE).map_err(failed)?;
    // Column of each (bracket, rung), in order.
    let columns: BTreeMap<(usize, usize), usize> = rungs.iter().enumerate().map(|(i, r)| ((r.bracket, r.rung), i)).collect();
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(style.font() * 3)
        .y_label_area_size(style.font() * 4)
        .build_cartesian_2d(-0.5..rungs.len() as f64 - 0.5, padded(scores.values().copied()))
        .map_err(failed)?;
    let labels: Vec<String> = rungs.iter().map(|r| format!("b{} r{}: {} ep", r.bracket, r.rung, r.epochs)).collect();
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .x_labels(rungs.len())
        .x_label_formatter(&|x| {
            labels.get(x.round().max(0.0) as usize).filter(|_| (x - x.round()).abs() < 1e-6).cloned().unwrap_or_default()
        })
        .x_desc("rung (bracket, rung, epochs)")
        .y_desc(score_label(objective))
        .label_style(("sans-serif", style.font()))
        .draw()
        .map_err(failed)?;
    // A promotion joins the trial below to the trial that went on from it.
    for (column, rung) in rungs.iter().enumerate() {
        for &id in &rung.trials {
            let Some(&score) = scores.get(&id) else { continue };
            if let Some(crate::nas::Origin::Rung { from: Some(from), .. }) = view.trials.get(&id).map(|t| &t.proposal.origin) {
                if let (Some(&below), Some(&below_column)) = (scores.get(from), columns.get(&(rung.bracket, rung.rung.wrapping_sub(1)))) {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(below_column as f64, below), (column as f64, score)],
                            HIGHLIGHT.mix(0.6).stroke_width(style.line()),
                        )))
                        .map_err(failed)?;
                }
            }
        }
    }
    for (column, rung) in rungs.iter().enumerate() {
        let last_rung = !columns.contains_key(&(rung.bracket, rung.rung + 1));
        chart
            .draw_series(rung.trials.iter().filter_map(|id| scores.get(id).map(|&s| (*id, s))).map(|(id, s)| {
                let went_on = rung.promoted.contains(&id);
                let style_of = if went_on || last_rung { BEST.filled() } else { MUTED.stroke_width(style.line() * 2) };
                Circle::new((column as f64, s), style.dot() + 1, style_of)
            }))
            .map_err(failed)?;
    }
    area.present().map_err(failed)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::super::tests::{count, lines_in, searched, svg};
    use super::*;
    use crate::nas::StrategyConfig;

    #[test]
    fn the_family_tree_joins_each_child_to_its_parent() {
        let view = searched(StrategyConfig::Evolution { population: 5, sample: 2 }, 16);
        let picture = svg(|a| family_tree(a, &view, &ChartStyle::default()));
        let children = view.lineage().len();
        assert!(children >= 10, "{children}");
        assert_eq!(lines_in(&picture, "#0072B2"), children);
        assert_eq!(count(&picture, "circle"), 16);
        assert!(picture.contains(&view.lineage()[0].change.replace('>', "&gt;")), "no mutation label");
        let random = searched(StrategyConfig::Random, 4);
        assert!(svg(|a| family_tree(a, &random, &ChartStyle::default())).contains("no family tree"));
    }

    #[test]
    fn rungs_mark_what_went_on() {
        let view = searched(StrategyConfig::halving(), 40);
        let picture = svg(|a| rungs(a, &view, &ChartStyle::default()));
        let promotions = view.lineage().len();
        assert!(promotions >= 3);
        assert_eq!(lines_in(&picture, "#0072B2"), promotions);
        assert_eq!(count(&picture, "circle"), view.records().len());
        assert!(picture.contains("b0 r1"));
    }
}
