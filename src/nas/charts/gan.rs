//! The GAN lab's charts: both networks' losses over the iterations, and how well the generator
//! imitates the target (modes covered and the high-quality share for mixtures, JS for the rest).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{failed, message, padded, ChartStyle, PALETTE};
use crate::gan::GanHistory;

/// The discriminator's colour (as the belief map's "real" green) and the generator's.
pub const DISCRIMINATOR: RGBColor = PALETTE[2];
pub const GENERATOR: RGBColor = PALETTE[6];

fn axes<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    y_label: &str,
    style: &ChartStyle,
) -> Result<ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>, String> {
    area.fill(&WHITE).map_err(failed)?;
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(style.font() * 3)
        .y_label_area_size(style.font() * 4)
        .build_cartesian_2d(x, y)
        .map_err(failed)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .x_labels(style.labels())
        .y_labels(style.labels())
        .x_label_formatter(&|v| format!("{v:.0}"))
        .x_desc("iterations")
        .y_desc(y_label)
        .label_style(("sans-serif", style.font()))
        .draw()
        .map_err(failed)?;
    Ok(chart)
}

/// The iterations axis: from 0 past the last iteration, and at least 10 wide, so that a first
/// measurement at iteration 0 reads 0, 1, 2, .. rather than ticks a hundred-thousandth apart.
fn iterations(values: impl Iterator<Item = usize>) -> std::ops::Range<f64> {
    let last = values.max().unwrap_or(0) as f64;
    0.0..(last * 1.04).max(10.0)
}

fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>,
    style: &ChartStyle,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(PALETTE[7].mix(0.2))
        .label_font(("sans-serif", style.font()))
        .draw()
        .map_err(failed)
}

/// Both losses against the iterations.
pub fn gan_losses<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, history: &GanHistory, style: &ChartStyle) -> Result<(), String> {
    if history.losses.is_empty() {
        return message(area, "No steps yet: press play, or step one network", style);
    }
    let x = iterations(history.losses.iter().map(|(i, _)| *i));
    let values = history.losses.iter().flat_map(|(_, l)| [l.discriminator as f64, l.generator as f64]);
    let mut chart = axes(area, x, padded(values), "loss", style)?;
    for (name, colour, pick) in [
        ("discriminator", DISCRIMINATOR, (|l: &crate::gan::GanLosses| l.discriminator) as fn(&crate::gan::GanLosses) -> f32),
        ("generator", GENERATOR, |l| l.generator),
    ] {
        let points = history.losses.iter().map(|(i, l)| (*i as f64, pick(l) as f64)).filter(|p| p.1.is_finite());
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(style.line() * 2)))
            .map_err(failed)?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(3)));
    }
    legend(&mut chart, style)?;
    area.present().map_err(failed)
}

/// Modes covered (as a share of all modes) and the high-quality share, or 1 - JS / ln 2 for
/// targets without modes, against the iterations; both in percent.
pub fn gan_quality<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, history: &GanHistory, style: &ChartStyle) -> Result<(), String> {
    if history.metrics.is_empty() {
        return message(area, "No measurements yet: the generator is measured every few hundred iterations", style);
    }
    let x = iterations(history.metrics.iter().map(|m| m.iteration));
    let mut chart = axes(area, x, -2.0..102.0, "percent", style)?;
    type Series = (String, RGBColor, Vec<(f64, f64)>);
    let series: Vec<Series> = match history.metrics[0].coverage.as_ref().map(|c| c.modes) {
        Some(modes) => vec![
            (
                format!("modes covered (of {modes})"),
                DISCRIMINATOR,
                history
                    .metrics
                    .iter()
                    .filter_map(|m| m.coverage.as_ref().map(|c| (m.iteration as f64, 100.0 * c.covered as f64 / c.modes as f64)))
                    .collect(),
            ),
            (
                "high-quality samples".into(),
                GENERATOR,
                history
                    .metrics
                    .iter()
                    .filter_map(|m| m.coverage.as_ref().map(|c| (m.iteration as f64, 100.0 * c.high_quality as f64)))
                    .collect(),
            ),
        ],
        None => vec![(
            "closeness (1 - JS / ln 2)".into(),
            GENERATOR,
            history.metrics.iter().map(|m| (m.iteration as f64, 100.0 * (1.0 - m.js as f64 / std::f64::consts::LN_2))).collect(),
        )],
    };
    for (name, colour, points) in series {
        chart
            .draw_series(LineSeries::new(points.clone(), colour.stroke_width(style.line() * 2)))
            .map_err(failed)?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(3)));
        chart.draw_series(points.into_iter().map(|p| Circle::new(p, style.dot(), colour.filled()))).map_err(failed)?;
    }
    legend(&mut chart, style)?;
    area.present().map_err(failed)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::gan::{GanLosses, GanMetrics, ModeCoverage};
    use crate::nas::charts::tests::{count, svg};

    #[test]
    fn the_charts_draw_what_the_history_holds() {
        let mut history = GanHistory::default();
        let style = ChartStyle::default();
        assert!(svg(|a| gan_losses(a, &history, &style)).contains("No steps yet"));
        assert!(svg(|a| gan_quality(a, &history, &style)).contains("No measurements yet"));
        for i in 1..=10 {
            history.push_losses(i * 50, GanLosses { discriminator: 1.3 - i as f32 * 0.01, generator: 0.8 + i as f32 * 0.02 });
        }
        for i in 1..=3 {
            let coverage = ModeCoverage { modes: 8, covered: 5 + i, high_quality: 0.2 * i as f32, reverse_kl: 0.1, per_mode: vec![1; 8] };
            history.push_metrics(GanMetrics { iteration: i * 200, coverage: Some(coverage), kl: 1.0, js: 0.2 });
        }
        let losses = svg(|a| gan_losses(a, &history, &style));
        assert!(losses.contains("discriminator") && losses.contains("generator"));
        assert!(count(&losses, "polyline") >= 2);
        let quality = svg(|a| gan_quality(a, &history, &style));
        assert!(quality.contains("modes covered (of 8)"));
        assert!(count(&quality, "circle") >= 6);
    }

    #[test]
    fn the_iterations_axis_starts_at_0_and_spans_at_least_10() {
        assert_eq!(iterations([0].into_iter()), 0.0..10.0);
        assert_eq!(iterations([0, 3].into_iter()), 0.0..10.0);
        assert_eq!(iterations([0, 250, 500].into_iter()), 0.0..520.0);
    }
}
