//! The drawing pad: draw a digit or a garment with the mouse, a pen or a finger, and see the
//! chosen network's class probabilities change as you draw. The ink is made into a 28 x 28
//! image as the image sets' were (`data::drawing`), and the network runs on the CPU engine.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::data::drawing::digit_from_ink;
use crate::engine::cpu::CpuBackend;
use crate::nas::trained::softmax;
use crate::nas::TrainedModel;

/// The pad's side in canvas pixels.
const PAD: u32 = 280;
/// The pen's width in canvas pixels (MNIST's strokes are about 2 to 3 of 28 pixels wide).
const PEN: f64 = 22.0;

#[derive(Properties, PartialEq)]
pub struct DrawingPadProps {
    pub trained: Rc<TrainedModel>,
}

fn context(canvas: &NodeRef) -> Option<web_sys::CanvasRenderingContext2d> {
    canvas.cast::<web_sys::HtmlCanvasElement>()?.get_context("2d").ok()??.dyn_into().ok()
}

/// The pointer's position in canvas pixels.
fn position(canvas: &NodeRef, e: &PointerEvent) -> Option<(f64, f64)> {
    let element = canvas.cast::<web_sys::HtmlCanvasElement>()?;
    let rect = element.get_bounding_client_rect();
    let scale = PAD as f64 / rect.width().max(1.0);
    Some(((e.client_x() as f64 - rect.left()) * scale, (e.client_y() as f64 - rect.top()) * scale))
}

/// The class probabilities for what is on the pad; None while it is empty.
fn predict(canvas: &NodeRef, trained: &TrainedModel) -> Option<Vec<f32>> {
    let pixels = context(canvas)?.get_image_data(0.0, 0.0, PAD as f64, PAD as f64).ok()?.data();
    // Ink is drawn opaque black on a transparent pad: its alpha is the ink.
    let ink: Vec<f32> = pixels.chunks_exact(4).map(|p| p[3] as f32 / 255.0).collect();
    let mut image = digit_from_ink(&ink, PAD as usize, PAD as usize)?;
    trained.input.normalizer.apply_sample(&mut image);
    let be = CpuBackend::new();
    let mut model = trained.build(&be).ok()?;
    let mut future = std::pin::pin!(model.predict(&be, 1, &image));
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match std::future::Future::poll(future.as_mut(), &mut context) {
        std::task::Poll::Ready(Ok(logits)) => Some(softmax(&logits)),
        _ => None,
    }
}

#[function_component(DrawingPad)]
pub fn drawing_pad(props: &DrawingPadProps) -> Html {
    let canvas = use_node_ref();
    let drawing = use_mut_ref(|| None::<(f64, f64)>);
    let probabilities = use_state(|| None::<Vec<f32>>);
    let last_prediction = use_mut_ref(|| 0.0f64);

    let refresh = {
        let (canvas, trained, probabilities) = (canvas.clone(), props.trained.clone(), probabilities.clone());
        Rc::new(move || probabilities.set(predict(&canvas, &trained)))
    };
    // A new network predicts for what is already drawn.
    {
        let refresh = refresh.clone();
        use_effect_with(Rc::as_ptr(&props.trained) as usize, move |_| refresh());
    }
    let stroke = {
        let canvas = canvas.clone();
        move |from: (f64, f64), to: (f64, f64)| {
            let Some(ctx) = context(&canvas) else { return };
            ctx.set_line_width(PEN);
            ctx.set_line_cap("round");
            ctx.set_line_join("round");
            ctx.set_stroke_style_str("#000");
            ctx.begin_path();
            ctx.move_to(from.0, from.1);
            ctx.line_to(to.0 + 0.01, to.1);
            ctx.stroke();
        }
    };
    let on_down = {
        let (canvas, drawing, stroke) = (canvas.clone(), drawing.clone(), stroke.clone());
        Callback::from(move |e: PointerEvent| {
            e.prevent_default();
            if let Some(at) = position(&canvas, &e) {
                if let Some(element) = canvas.cast::<web_sys::Element>() {
                    let _ = element.set_pointer_capture(e.pointer_id());
                }
                stroke(at, at);
                *drawing.borrow_mut() = Some(at);
            }
        })
    };
    let on_move = {
        let (canvas, drawing, refresh, last_prediction) = (canvas.clone(), drawing.clone(), refresh.clone(), last_prediction.clone());
        Callback::from(move |e: PointerEvent| {
            let Some(from) = *drawing.borrow() else { return };
            let Some(to) = position(&canvas, &e) else { return };
            stroke(from, to);
            *drawing.borrow_mut() = Some(to);
            // Predict as the ink goes down, at most every 80 ms.
            let now = web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now());
            if now - *last_prediction.borrow() > 80.0 {
                *last_prediction.borrow_mut() = now;
                refresh();
            }
        })
    };
    let on_up = {
        let (drawing, refresh) = (drawing.clone(), refresh.clone());
        Callback::from(move |_: PointerEvent| {
            if drawing.borrow_mut().take().is_some() {
                refresh();
            }
        })
    };
    let on_clear = {
        let (canvas, probabilities) = (canvas.clone(), probabilities.clone());
        Callback::from(move |_| {
            if let Some(ctx) = context(&canvas) {
                ctx.clear_rect(0.0, 0.0, PAD as f64, PAD as f64);
            }
            probabilities.set(None);
        })
    };
    let names = &props.trained.class_names;
    let best = probabilities.as_ref().map(|p| crate::nas::trained::argmax(p));
    html! {
        <figure class="pad">
            <figcaption>{ "Draw here: the network guesses as you draw" }</figcaption>
            <canvas ref={ canvas } id="pad" width={ PAD.to_string() } height={ PAD.to_string() } role="img" aria-label="A drawing pad"
                onpointerdown={ on_down } onpointermove={ on_move } onpointerup={ on_up.clone() } onpointerleave={ on_up } />
            <button id="pad-clear" onclick={ on_clear }>{ "Clear" }</button>
            { match (&*probabilities, best) {
                (Some(p), Some(best)) => html! {
                    <div id="pad-prediction">
                        <p>{ "It looks like " }<strong id="pad-guess">{ names.get(best).cloned().unwrap_or_else(|| best.to_string()) }</strong>{ format!(" ({:.0} %)", p[best] * 100.0) }</p>
                        <ol class="probabilities">
                            { for p.iter().enumerate().map(|(i, &v)| html! {
                                <li class={ classes!((i == best).then_some("best")) }>
                                    <span class="class-name">{ names.get(i).cloned().unwrap_or_else(|| i.to_string()) }</span>
                                    <span class="bar" style={ format!("width: {:.1}%", v * 100.0) }></span>
                                    <span class="value">{ format!("{:.1} %", v * 100.0) }</span>
                                </li>
                            }) }
                        </ol>
                    </div>
                },
                _ => html! { <p class="muted" id="pad-empty">{ "Nothing drawn yet." }</p> },
            } }
        </figure>
    }
}
