//! Inside a trained trial, as pictures: the decision boundary over the plane with the training
//! points (filled) and validation points (rings) on it, each hidden unit's output as a small map
//! (TF Playground's neurons), the confusion matrix, and images such as misclassified digits.
//! Maps and images also come as RGBA pixels, for hosts that paint them as one image.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{failed, message, ChartStyle, INK, PALETTE};
use crate::nas::inspect::{Plane, PlaneMaps, PlanePoint, ValidationReport};

/// The colour of class `class` (the same as the data preview's).
pub fn class_colour(class: u32) -> RGBColor {
    PALETTE[class as usize % PALETTE.len()]
}

/// `colour` faded towards white: 0 is white, 1 the colour itself.
fn tint(colour: RGBColor, amount: f32) -> RGBColor {
    let a = amount.clamp(0.0, 1.0);
    let mix = |c: u8| (255.0 - (255.0 - c as f32) * a) as u8;
    RGBColor(mix(colour.0), mix(colour.1), mix(colour.2))
}

/// A value from -1 to 1 as TF Playground shades it: orange below zero, blue above.
fn diverging(value: f32) -> RGBColor {
    if value < 0.0 {
        tint(PALETTE[0], -value)
    } else {
        tint(PALETTE[1], value)
    }
}

/// The colour of one cell of the output map.
fn cell_colour(maps: &PlaneMaps, cell: usize, discrete: bool, value_range: f32) -> RGBColor {
    // The background stays pale, so the points on it stand out.
    const STRENGTH: f32 = 0.65;
    if maps.class.is_empty() {
        let v = maps.output[cell] / value_range;
        return diverging(if discrete { v.signum() } else { v } * STRENGTH);
    }
    let class = maps.class[cell];
    let confidence = maps.output[cell];
    let amount = match (discrete, maps.classes == 2) {
        (true, _) => 1.0,
        // Two classes: 0.5 is the boundary (white), 0 or 1 full colour.
        (false, true) => ((confidence - 0.5).abs() * 2.0).clamp(0.0, 1.0),
        (false, false) => confidence,
    };
    tint(class_colour(class), amount * STRENGTH)
}

/// Colours as RGBA bytes, one pixel each, for hosts that paint a map as an image (a canvas's
/// `ImageData`) instead of as rectangles.
fn rgba(colours: impl Iterator<Item = RGBColor>) -> Vec<u8> {
    colours.flat_map(|c| [c.0, c.1, c.2, 255]).collect()
}

/// The output map's colours, one pixel per cell row by row, as `decision_boundary` paints them.
pub fn boundary_rgba(maps: &PlaneMaps, discrete: bool) -> Vec<u8> {
    let range = maps.output.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
    rgba((0..maps.plane.cells()).map(|cell| cell_colour(maps, cell, discrete, range)))
}

/// A hidden unit's map, one pixel per cell: orange below zero, blue above, scaled by its largest magnitude.
pub fn neuron_rgba(values: &[f32]) -> Vec<u8> {
    let range = values.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
    rgba(values.iter().map(|v| diverging(v / range)))
}

/// A grey image (values 0 to 1) as dark ink on white, one pixel per value.
pub fn grey_rgba(pixels: &[f32]) -> Vec<u8> {
    rgba(pixels.iter().map(|v| {
        let shade = 255 - (v.clamp(0.0, 1.0) * 255.0) as u8;
        RGBColor(shade, shade, shade)
    }))
}

/// Fills `area` with a map of the plane, one rectangle per cell.
fn draw_cells<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, plane: &Plane, colour: impl Fn(usize) -> RGBColor) -> Result<(), String> {
    let (width, height) = area.dim_in_pixel();
    let n = plane.resolution as i32;
    for row in 0..n {
        for column in 0..n {
            let (x0, y0) = (column * width as i32 / n, row * height as i32 / n);
            let (x1, y1) = ((column + 1) * width as i32 / n, (row + 1) * height as i32 / n);
            let cell = (row * n + column) as usize;
            area.draw(&Rectangle::new([(x0, y0), (x1, y1)], colour(cell).filled())).map_err(failed)?;
        }
    }
    Ok(())
}

/// Where a point of the plane falls on an area of `size` pixels.
pub fn to_pixel(plane: &Plane, (width, height): (u32, u32), x: f32, y: f32) -> (i32, i32) {
    let px = (x - plane.x_min) / (plane.x_max - plane.x_min) * width as f32;
    let py = (plane.y_max - y) / (plane.y_max - plane.y_min) * height as f32;
    (px.round() as i32, py.round() as i32)
}

/// Where a pixel of an area of `size` pixels lies on the plane (the inverse of `to_pixel`).
pub fn from_pixel(plane: &Plane, (width, height): (u32, u32), px: f64, py: f64) -> (f32, f32) {
    let x = plane.x_min + (px as f32 / width.max(1) as f32) * (plane.x_max - plane.x_min);
    let y = plane.y_max - (py as f32 / height.max(1) as f32) * (plane.y_max - plane.y_min);
    (x, y)
}

/// The points alone on an empty plane (data being drawn), or over a map.
pub fn draw_points<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    plane: &Plane,
    points: &[PlanePoint],
    style: &ChartStyle,
) -> Result<(), String> {
    let size = area.dim_in_pixel();
    let radius = style.dot() + 1;
    for point in points {
        let at = to_pixel(plane, size, point.x, point.y);
        let colour = class_colour(point.class);
        if point.validation {
            area.draw(&Circle::new(at, radius, colour.stroke_width(2))).map_err(failed)?;
        } else {
            area.draw(&Circle::new(at, radius, colour.filled())).map_err(failed)?;
            area.draw(&Circle::new(at, radius, WHITE.stroke_width(1))).map_err(failed)?;
        }
    }
    // The axes through the origin, faint, as a frame of reference.
    let (w, h) = (size.0 as i32, size.1 as i32);
    let origin = to_pixel(plane, size, 0.0, 0.0);
    let axis = RGBColor(0xC8, 0xCC, 0xD4);
    area.draw(&PathElement::new(vec![(0, origin.1), (w, origin.1)], axis)).map_err(failed)?;
    area.draw(&PathElement::new(vec![(origin.0, 0), (origin.0, h)], axis)).map_err(failed)?;
    Ok(())
}

/// The decision boundary: the network's output over the plane, shaded by its confidence (or
/// in flat colours when `discrete`), with the data's points on it.
pub fn decision_boundary<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    maps: Option<&PlaneMaps>,
    points: &[PlanePoint],
    discrete: bool,
    style: &ChartStyle,
) -> Result<(), String> {
    let Some(maps) = maps else {
        return message(area, "No trained network to draw yet: a boundary appears once a trial has trained an epoch.", style);
    };
    area.fill(&WHITE).map_err(failed)?;
    let range = maps.output.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
    draw_cells(area, &maps.plane, |cell| cell_colour(maps, cell, discrete, range))?;
    draw_points(area, &maps.plane, points, style)?;
    area.present().map_err(failed)
}

/// The confusion matrix: a row per actual class, a column per predicted one, each cell shaded by
/// its share of the row and labelled with its count; the diagonal in blue, mistakes in vermillion.
pub fn confusion_matrix<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    report: &ValidationReport,
    style: &ChartStyle,
) -> Result<(), String> {
    area.fill(&WHITE).map_err(failed)?;
    let classes = report.confusion.len();
    if classes == 0 {
        return message(area, "No classes.", style);
    }
    let (width, height) = area.dim_in_pixel();
    let label_room = style.font() as i32 * 5;
    let top_room = style.font() as i32 * 2;
    let cell = ((width as i32 - label_room).min(height as i32 - top_room - style.font() as i32 * 2) / classes as i32).max(4);
    let text = style.text();
    let small = ("sans-serif", (style.font() as f64 * 0.85) as u32).into_font().color(&INK);
    let name = |i: usize| {
        let n = &report.class_names[i];
        if n.chars().count() > 8 {
            format!("{}.", n.chars().take(7).collect::<String>())
        } else {
            n.clone()
        }
    };
    area.draw(&Text::new("predicted →", (label_room, 2), text.clone())).map_err(failed)?;
    for (actual, row) in report.confusion.iter().enumerate() {
        let total = row.iter().sum::<u32>().max(1) as f32;
        let y = top_room + actual as i32 * cell;
        area.draw(&Text::new(name(actual), (4, y + cell / 3), small.clone())).map_err(failed)?;
        for (predicted, &count) in row.iter().enumerate() {
            let x = label_room + predicted as i32 * cell;
            let colour = if actual == predicted { PALETTE[4] } else { PALETTE[5] };
            let fill = tint(colour, count as f32 / total);
            area.draw(&Rectangle::new([(x, y), (x + cell - 1, y + cell - 1)], fill.filled())).map_err(failed)?;
            if count > 0 && cell >= style.font() as i32 + 4 {
                let ink = if count as f32 / total > 0.55 { WHITE } else { INK };
                let label = ("sans-serif", (cell as f64 * 0.36).min(style.font() as f64) as u32).into_font().color(&ink);
                area.draw(&Text::new(count.to_string(), (x + 2, y + cell / 3), label)).map_err(failed)?;
            }
        }
    }
    let bottom = top_room + classes as i32 * cell + 4;
    area.draw(&Text::new("rows: actual class", (label_room, bottom), small)).map_err(failed)?;
    area.present().map_err(failed)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::super::tests::{count, svg};
    use super::*;
    use crate::nas::inspect::NeuronMaps;

    fn maps() -> PlaneMaps {
        let plane = Plane::playground(10);
        let output: Vec<f32> = (0..100).map(|i| (i % 10) as f32 / 9.0).collect();
        let class = output.iter().map(|&p| (p > 0.5) as u32).collect();
        PlaneMaps {
            plane,
            classes: 2,
            output,
            class,
            hidden: vec![NeuronMaps { layer: 0, units: 1, values: (0..100).map(|i| i as f32 - 50.0).collect() }],
        }
    }

    #[test]
    fn the_boundary_draws_every_cell_and_every_point() {
        let points =
            [PlanePoint { x: 1.0, y: 1.0, class: 1, validation: false }, PlanePoint { x: -1.0, y: 2.0, class: 0, validation: true }];
        let style = ChartStyle::default();
        let picture = svg(|a| decision_boundary(a, Some(&maps()), &points, false, &style));
        assert_eq!(count(&picture, "rect"), 100 + 1, "a rectangle per cell and the background");
        assert_eq!(count(&picture, "circle"), 3, "a filled point with its white edge, and a ring");
        // Discrete colours use only two fills for the cells.
        let discrete = svg(|a| decision_boundary(a, Some(&maps()), &points, true, &style));
        let fills: std::collections::HashSet<&str> =
            discrete.lines().filter(|l| l.starts_with("<rect")).filter_map(|l| l.split("fill=\"").nth(1)).collect();
        assert_eq!(fills.len(), 3, "white background and the two classes: {fills:?}");
        assert!(svg(|a| decision_boundary(a, None, &points, false, &style)).contains("No trained network"));
    }

    #[test]
    fn the_image_forms_hold_the_same_colours_as_the_drawings() {
        let maps = maps();
        let image = boundary_rgba(&maps, false);
        assert_eq!(image.len(), 100 * 4);
        let range = maps.output.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
        let c = cell_colour(&maps, 9, false, range);
        assert_eq!(&image[36..40], &[c.0, c.1, c.2, 255]);
        // Cell 0 is confidently class 0 (orange), the boundary cells pale.
        assert!(image[0] > image[2], "orange has more red than blue");
        let neuron = neuron_rgba(&[-1.0, 0.0, 1.0]);
        assert_eq!(&neuron[4..8], &[255, 255, 255, 255], "zero is white");
        assert_eq!(&neuron[8..11], &[PALETTE[1].0, PALETTE[1].1, PALETTE[1].2]);
        assert_eq!(grey_rgba(&[0.0, 1.0]), vec![255, 255, 255, 255, 0, 0, 0, 255]);
    }

    #[test]
    fn pixels_and_plane_points_map_back_and_forth() {
        let plane = Plane::playground(10);
        assert_eq!(to_pixel(&plane, (120, 120), 0.0, 0.0), (60, 60));
        assert_eq!(to_pixel(&plane, (120, 120), -6.0, 6.0), (0, 0));
        assert_eq!(from_pixel(&plane, (120, 120), 120.0, 120.0), (6.0, -6.0));
    }

    #[test]
    fn the_confusion_matrix_labels_every_non_empty_cell() {
        let report = ValidationReport {
            class_names: vec!["zero".into(), "one".into(), "two".into()],
            confusion: vec![vec![5, 1, 0], vec![0, 7, 0], vec![2, 0, 4]],
            misclassified: Vec::new(),
        };
        let picture = svg(|a| confusion_matrix(a, &report, &ChartStyle::default()));
        assert_eq!(count(&picture, "rect"), 9 + 1);
        // SVG text sits on a line of its own between its tags.
        let texts: Vec<&str> = picture.lines().map(str::trim).collect();
        for label in ["zero", "one", "two", "5", "7", "4", "2", "1"] {
            assert!(texts.contains(&label), "{label} missing");
        }
        assert!(!texts.contains(&"0"), "empty cells carry no count");
    }
}
