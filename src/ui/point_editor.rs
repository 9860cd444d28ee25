//! Drawing your own data, as ConvNetJS lets you: click the plane to add a point of the blue
//! class, shift-click for the orange class, alt-click (or ctrl-click) to remove the nearest
//! point. The points are kept as the contents of a CSV, so a search, its log and its share of
//! the saved searches treat them as any file of the person's own.

use plotters_canvas::CanvasBackend;
use yew::prelude::*;

use crate::nas::charts::inside::{draw_points, from_pixel};
use crate::nas::charts::ChartStyle;
use crate::nas::inspect::{nearest_point, points_csv, points_of_csv, Plane, PlanePoint};

#[derive(Properties, PartialEq)]
pub struct PointEditorProps {
    /// The drawn set's CSV text.
    pub text: String,
    pub on_change: Callback<String>,
    pub disabled: bool,
}

/// The editor's canvas side in pixels.
const SIDE: u32 = 360;

#[function_component(PointEditor)]
pub fn point_editor(props: &PointEditorProps) -> Html {
    let canvas = use_node_ref();
    let points = points_of_csv(&props.text);
    let plane = Plane::playground(1);
    {
        let (canvas, points) = (canvas.clone(), points.clone());
        use_effect_with(props.text.clone(), move |_| {
            if let Some(backend) = canvas.cast::<web_sys::HtmlCanvasElement>().and_then(CanvasBackend::with_canvas_object) {
                let area = plotters::prelude::IntoDrawingArea::into_drawing_area(backend);
                let _ = area.fill(&plotters::prelude::WHITE);
                let _ = draw_points(&area, &plane, &points, &ChartStyle::default());
            }
        });
    }
    let on_click = {
        let (canvas, on_change, disabled, points) = (canvas.clone(), props.on_change.clone(), props.disabled, points.clone());
        Callback::from(move |e: MouseEvent| {
            let Some(element) = canvas.cast::<web_sys::HtmlCanvasElement>().filter(|_| !disabled) else { return };
            let rect = element.get_bounding_client_rect();
            let (px, py) = (e.client_x() as f64 - rect.left(), e.client_y() as f64 - rect.top());
            let (x, y) = from_pixel(&plane, (rect.width() as u32, rect.height() as u32), px, py);
            let mut next = points.clone();
            if e.alt_key() || e.ctrl_key() || e.meta_key() {
                match nearest_point(&next, x, y, 0.6) {
                    Some(i) => {
                        next.remove(i);
                    }
                    None => return,
                }
            } else {
                next.push(PlanePoint { x, y, class: if e.shift_key() { 0 } else { 1 }, validation: false });
            }
            on_change.emit(points_csv(&next));
        })
    };
    let counts = (points.iter().filter(|p| p.class == 1).count(), points.iter().filter(|p| p.class == 0).count());
    html! {
        <figure class="preview">
            <canvas ref={ canvas } id="point-editor" width={ SIDE.to_string() } height={ SIDE.to_string() } onclick={ on_click } role="img"
                aria-label={ format!("Your points: {} blue and {} orange; click to add a blue point, shift-click an orange one, alt-click to remove one", counts.0, counts.1) } />
            <figcaption id="point-counts">
                { format!("{} blue and {} orange points. Click to add a blue point, shift-click for orange, alt-click to remove the nearest.", counts.0, counts.1) }
            </figcaption>
        </figure>
    }
}
