//! The GAN lab's plane on a canvas: the discriminator's belief, the noise mesh, the real and
//! generated points, the pull arrows, and the points being drawn for a drawn target.

use wasm_bindgen::JsCast;

use crate::gan::view::{arrow_segments, belief_rgba, to_pixel};
use crate::gan::GanFrame;

/// The plane's canvas, in pixels.
pub(super) const PLANE_SIZE: u32 = 440;
pub(super) const PLANE_ID: &str = "gan-plane";
/// Points are drawn on [-2, 2]², the plane a drawn target trains on (`Target2d::reach`), whatever
/// target is shown while drawing; they stay 4 sigma inside its edge.
pub(super) const DRAW_REACH: f32 = 2.0;

/// Paints a frame on the plane's canvas: the belief map, the mesh, the real and generated
/// points and the arrows.
pub(super) fn paint(frame: &GanFrame, show_mesh: bool, drawn: Option<&[[f32; 2]]>) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Some(canvas) = document.get_element_by_id(PLANE_ID).and_then(|e| e.dyn_into::<web_sys::HtmlCanvasElement>().ok()) else { return };
    let Some(ctx) = canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok()) else {
        return;
    };
    let size = canvas.width() as f64;
    let side = frame.resolution as u32;
    let rgba = belief_rgba(&frame.belief);
    if let Some(image) = document.create_element("canvas").ok().and_then(|e| e.dyn_into::<web_sys::HtmlCanvasElement>().ok()) {
        image.set_width(side);
        image.set_height(side);
        if let Some(image_ctx) = image.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
        {
            if let Ok(data) = web_sys::ImageData::new_with_u8_clamped_array_and_sh(wasm_bindgen::Clamped(&rgba), side, side) {
                let _ = image_ctx.put_image_data(&data, 0.0, 0.0);
            }
        }
        ctx.set_image_smoothing_enabled(true);
        let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&image, 0.0, 0.0, size, size);
    }
    if show_mesh {
        ctx.set_stroke_style_str("rgba(80, 80, 80, 0.35)");
        ctx.set_line_width(1.0);
        for line in &frame.mesh {
            ctx.begin_path();
            for (i, p) in line.iter().enumerate() {
                let (x, y) = to_pixel(*p, frame.reach, size);
                if i == 0 {
                    ctx.move_to(x, y)
                } else {
                    ctx.line_to(x, y)
                }
            }
            ctx.stroke();
        }
    }
    let dots = |points: &[[f32; 2]], colour: &str| {
        ctx.set_fill_style_str(colour);
        for p in points {
            let (x, y) = to_pixel(*p, frame.reach, size);
            ctx.fill_rect(x - 1.5, y - 1.5, 3.0, 3.0);
        }
    };
    // Real points last: a generator that covers a mode hides none of it.
    dots(&frame.generated, "#7570b3");
    dots(&frame.real, "#1b9e77");
    ctx.set_stroke_style_str("rgba(40, 30, 80, 0.8)");
    ctx.begin_path();
    for (from, to) in arrow_segments(frame, size) {
        ctx.move_to(from.0, from.1);
        ctx.line_to(to.0, to.1);
    }
    ctx.stroke();
    // Points being drawn for the next Reset: rings, so they read apart from the samples.
    ctx.set_stroke_style_str("#d55e00");
    ctx.set_line_width(2.0);
    for p in drawn.unwrap_or_default() {
        let (x, y) = to_pixel(*p, DRAW_REACH, size);
        ctx.begin_path();
        let _ = ctx.arc(x, y, 5.0, 0.0, std::f64::consts::TAU);
        ctx.stroke();
    }
}
