//! "Inside the trial": the chosen trial's network as it predicts. For data on the plane, its
//! decision boundary with the points, each hidden unit's map, and a toggle for flat colours,
//! live while a trial trains; for images, the confusion matrix, the most confidently wrong
//! validation images and a drawing pad. Weights download as a file and load back here.
//! The workers send the weights; predictions over the plane run here on the CPU engine.

use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use yew::prelude::*;

use super::charts_panel::{ChartCanvas, Draw};
use super::drawing_pad::DrawingPad;
use super::run_panel::SharedView;
use crate::engine::cpu::CpuBackend;
use crate::nas::charts::inside::{boundary_rgba, confusion_matrix, draw_points, grey_rgba, neuron_rgba};
use crate::nas::charts::ChartStyle;
use crate::nas::inspect::{plane_maps, plane_points, Plane, PlaneMaps};
use crate::nas::{DataSpec, TrainedModel, TrialInspection};

/// The weights and reports the workers sent during this page's life, and a file loaded here.
#[derive(Clone, Default)]
pub struct Inspections {
    pub trials: HashMap<usize, Rc<TrialInspection>>,
    /// Each trial's weights, made once (the panel keys its drawings by their identity).
    weights: HashMap<usize, Rc<TrainedModel>>,
    /// The running trial's latest weights: trial, epoch, weights.
    pub live: Option<(usize, usize, Rc<TrainedModel>)>,
    pub loaded: Option<Rc<TrainedModel>>,
    /// Counts changes, so a render compares one number.
    version: u64,
}

impl PartialEq for Inspections {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
    }
}

pub enum InspectAction {
    Snapshot {
        trial: usize,
        epoch: usize,
        trained: Rc<TrainedModel>,
    },
    Inspected {
        trial: usize,
        inspection: Rc<TrialInspection>,
    },
    Loaded(Rc<TrainedModel>),
    /// A new search: what the last one's trials sent is gone.
    Reset,
}

impl Reducible for Inspections {
    type Action = InspectAction;

    fn reduce(self: Rc<Self>, action: InspectAction) -> Rc<Self> {
        let mut next = Rc::unwrap_or_clone(self);
        next.version += 1;
        match action {
            InspectAction::Snapshot { trial, epoch, trained } => next.live = Some((trial, epoch, trained)),
            InspectAction::Inspected { trial, inspection } => {
                if next.live.as_ref().is_some_and(|(t, _, _)| *t == trial) {
                    next.live = None;
                }
                next.weights.insert(trial, Rc::new(inspection.trained.clone()));
                next.trials.insert(trial, inspection);
            }
            InspectAction::Loaded(trained) => next.loaded = Some(trained),
            InspectAction::Reset => {
                next.trials.clear();
                next.weights.clear();
                next.live = None;
            }
        }
        Rc::new(next)
    }
}

/// Runs a future that never waits (the CPU engine's reads are ready at once) to its end.
pub(super) fn run_now<T>(future: impl Future<Output = T>) -> Option<T> {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(value) => Some(value),
        std::task::Poll::Pending => None,
    }
}

/// Cells per side of the boundary map.
const RESOLUTION: usize = 40;
/// Cells per side of a hidden unit's map.
const NEURON_RESOLUTION: usize = 12;
/// Hidden units drawn per layer, at most.
const UNITS_SHOWN: usize = 16;

/// The network's maps over `plane`, computed on the CPU engine.
fn maps_of(trained: &TrainedModel, plane: Plane) -> Option<PlaneMaps> {
    let be = CpuBackend::new();
    let mut model = trained.build(&be).ok()?;
    run_now(plane_maps(trained, &mut model, &be, plane))?.ok().flatten()
}

/// Which network the panel shows, and how it is described.
fn shown(
    inspections: &Inspections,
    view: &SharedView,
    selected: Option<usize>,
) -> Option<(Rc<TrainedModel>, Option<Rc<TrialInspection>>, String)> {
    let of_trial = |id: usize| {
        inspections.trials.get(&id).zip(inspections.weights.get(&id)).map(|(i, w)| (w.clone(), Some(i.clone()), format!("trial {id}")))
    };
    if let Some(id) = selected {
        if let Some(found) = of_trial(id) {
            return Some(found);
        }
        if let Some((trial, epoch, trained)) = inspections.live.as_ref().filter(|(t, _, _)| *t == id) {
            return Some((trained.clone(), None, format!("trial {trial} after epoch {epoch}, training")));
        }
    }
    if let Some(loaded) = &inspections.loaded {
        return Some((
            loaded.clone(),
            None,
            format!("loaded weights of {}", loaded.trial.map_or("a network".to_string(), |t| format!("trial {t}"))),
        ));
    }
    if let Some((trial, epoch, trained)) = &inspections.live {
        return Some((trained.clone(), None, format!("trial {trial} after epoch {epoch}, training")));
    }
    view.best().and_then(|(best, _)| of_trial(best)).map(|(t, i, d)| (t, i, format!("{d}, the best so far")))
}

#[derive(Properties, PartialEq)]
pub struct InsidePanelProps {
    pub view: SharedView,
    pub inspections: Inspections,
    pub on_load: Callback<Rc<TrainedModel>>,
    pub selected: Option<usize>,
    /// The data the search trains on (the shown network's points come from it).
    pub data: Option<DataSpec>,
    pub large: bool,
}

#[function_component(InsidePanel)]
pub fn inside_panel(props: &InsidePanelProps) -> Html {
    let discrete = use_state(|| false);
    let load_error = use_state(|| None::<String>);
    let chosen = shown(&props.inspections, &props.view, props.selected);
    let style = ChartStyle { large_type: props.large };

    let points = use_memo(props.data.clone(), |data| data.as_ref().and_then(|d| plane_points(d).ok().flatten()).unwrap_or_default());
    let model_key = chosen.as_ref().map(|(t, _, _)| Rc::as_ptr(t) as usize).unwrap_or(0);
    let maps = {
        let (trained, points) = (chosen.as_ref().map(|(t, _, _)| t.clone()), points.clone());
        use_memo(model_key, move |_| {
            let trained = trained?;
            trained.input.plane_features.as_ref()?;
            let plane = Plane::around(&points, RESOLUTION);
            let maps = maps_of(&trained, plane)?;
            let neurons = maps_of(&trained, Plane { resolution: NEURON_RESOLUTION, ..plane });
            Some((Rc::new(maps), neurons.map(Rc::new)))
        })
    };

    let on_load = {
        let (on_load, load_error) = (props.on_load.clone(), load_error.clone());
        Callback::from(move |e: Event| {
            let Some(file) = e.target_dyn_into::<web_sys::HtmlInputElement>().and_then(|i| i.files()).and_then(|f| f.get(0)) else {
                return;
            };
            let (on_load, load_error) = (on_load.clone(), load_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|t| t.as_string()).unwrap_or_default();
                match TrainedModel::from_json(&text) {
                    Ok(trained) => {
                        load_error.set(None);
                        on_load.emit(Rc::new(trained));
                    }
                    Err(error) => load_error.set(Some(format!("{}: {error}; the network shown is unchanged", file.name()))),
                }
            });
        })
    };
    let on_download = {
        let (trained, data) = (chosen.as_ref().map(|(t, _, _)| t.clone()), props.data.clone());
        Callback::from(move |_| {
            let Some(trained) = &trained else { return };
            let mut file = (**trained).clone();
            if let (None, Some(data)) = (&file.source, &data) {
                file = file.with_source(data);
            }
            let name = file.trial.map_or("weights.json".to_string(), |t| format!("trial_{t}_weights.json"));
            let _ = super::worker_pool::download(&name, &file.to_json());
        })
    };

    let controls = html! {
        <div class="run-controls">
            <button id="download-weights" onclick={ on_download } disabled={ chosen.is_none() }>{ "Download weights (JSON)" }</button>
            <label class="file">{ "Load weights " }<input type="file" id="weights-file" accept=".json,application/json" onchange={ on_load } /></label>
        </div>
    };
    let error = (*load_error).clone().map(|m| html! { <p class="field-error" id="weights-error" role="alert">{ m }</p> });

    let body = match (&chosen, &*maps) {
        (None, _) => {
            html! { <p class="muted" id="inside-empty">{ "Once a trial has trained, its network shows here as it predicts: choose one in the leaderboard, or load a weights file." }</p> }
        }
        (Some((_, _, description)), Some((maps, neurons))) => {
            let toggle = {
                let discrete = discrete.clone();
                Callback::from(move |_| discrete.set(!*discrete))
            };
            let draw: Draw = {
                let (maps, points, discrete) = (maps.clone(), points.clone(), *discrete);
                let cells = Rc::new(boundary_rgba(&maps, discrete));
                Rc::new(move |area| {
                    // The cells go down as one image; the points are drawn over it.
                    paint_image(BOUNDARY_ID, &cells, maps.plane.resolution);
                    draw_points(area, &maps.plane, &points, &style)?;
                    area.present().map_err(|e| e.to_string())
                })
            };
            let version = (model_key as u64).wrapping_mul(31).wrapping_add(*discrete as u64 * 2 + props.large as u64);
            html! {
                <>
                    <p id="inside-what">{ format!("Showing {description}.") }</p>
                    <div class="inside-plane">
                        <figure class="boundary">
                            <ChartCanvas id={ BOUNDARY_ID } label={ format!("The decision boundary of {description} over the plane, with {} points", points.len()) } draw={ draw } version={ version } stagger={ 0 } />
                            <label><input type="checkbox" id="discrete" checked={ *discrete } onchange={ toggle } />{ " Discretize output" }</label>
                        </figure>
                        <div class="neurons" id="neurons">
                            { for neurons.iter().flat_map(|n| n.hidden.iter().enumerate().map(|(depth, layer)| {
                                let side = n.plane.resolution;
                                html! {
                                    <div class="neuron-layer">
                                        <span class="muted">{ format!("hidden layer {}: {} units", depth + 1, layer.units) }</span>
                                        <div class="neuron-row">
                                            { for (0..layer.units.min(UNITS_SHOWN)).map(|unit| {
                                                let values: Vec<f32> = layer.unit(unit).collect();
                                                html! { <SmallImage key={ format!("{depth}-{unit}") } class="neuron" label={ format!("layer {} unit {}", depth + 1, unit + 1) } version={ version }
                                                    rgba={ Rc::new(neuron_rgba(&values)) } side={ side } /> }
                                            }) }
                                        </div>
                                    </div>
                                }
                            })) }
                        </div>
                    </div>
                </>
            }
        }
        (Some((trained, inspection, description)), None) => {
            let report = inspection.as_ref().and_then(|i| i.report.clone());
            let images = trained.model.input.len() == 3;
            html! {
                <>
                    <p id="inside-what">{ format!("Showing {description}.") }</p>
                    <div class="inside-images">
                        if let Some(report) = report.clone() {
                            <figure class="confusion">
                                <figcaption>{ format!("Confusion on the validation split: {:.2} % right", report.accuracy() * 100.0) }</figcaption>
                                <ChartCanvas id="confusion" label="The confusion matrix: rows are the actual classes, columns the predicted ones" version={ model_key as u64 + props.large as u64 } stagger={ 0 }
                                    draw={ { let report = report.clone(); Rc::new(move |area: &DrawingArea<CanvasBackend, plotters::coord::Shift>| confusion_matrix(area, &report, &style)) as Draw } } />
                            </figure>
                        }
                        if images {
                            <DrawingPad trained={ trained.clone() } />
                        }
                    </div>
                    if let Some(report) = report.clone().filter(|r| !r.misclassified.is_empty()) {
                        <h3>{ "The most confidently wrong validation images" }</h3>
                        <ul class="mistakes" id="mistakes">
                            { for report.misclassified.iter().map(|m| {
                                let pixels = Rc::new(m.features.clone());
                                let side = trained.model.input.last().copied().unwrap_or(28);
                                let name = |c: u32| report.class_names.get(c as usize).cloned().unwrap_or_else(|| c.to_string());
                                html! {
                                    <li key={ m.index }>
                                        <SmallImage class="mistake" label={ format!("validation image {}", m.index) } version={ model_key as u64 }
                                            rgba={ Rc::new(grey_rgba(&pixels)) } side={ side } />
                                        <span>{ format!("{} taken for {} ({:.0} %)", name(m.label), name(m.predicted), m.confidence * 100.0) }</span>
                                    </li>
                                }
                            }) }
                        </ul>
                    }
                    if !images && report.is_none() {
                        <p class="muted">{ "This network's data is neither on the plane nor images: its figures are in the leaderboard." }</p>
                    }
                </>
            }
        }
    };
    html! {
        <section class="panel" id="inside" aria-labelledby="inside-title">
            <h2 id="inside-title">{ "Inside the trial" }</h2>
            { body }
            { controls }
            { error.unwrap_or_default() }
        </section>
    }
}

/// The boundary chart's canvas.
const BOUNDARY_ID: &str = "boundary";

/// Paints `rgba` (`side` x `side` pixels) over the whole canvas `id`, scaled up without
/// smoothing: one image instead of a rectangle per cell.
fn paint_image(id: &str, rgba: &[u8], side: usize) {
    use wasm_bindgen::JsCast;
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Some(canvas) = document.get_element_by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlCanvasElement>().ok()) else { return };
    let Some(image) = image_canvas(&document, rgba, side) else { return };
    let Some(ctx) = canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok()) else {
        return;
    };
    ctx.set_image_smoothing_enabled(false);
    let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&image, 0.0, 0.0, canvas.width() as f64, canvas.height() as f64);
}

/// A canvas of `side` x `side` pixels holding `rgba`.
fn image_canvas(document: &web_sys::Document, rgba: &[u8], side: usize) -> Option<web_sys::HtmlCanvasElement> {
    use wasm_bindgen::JsCast;
    let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(side as u32);
    canvas.set_height(side as u32);
    let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let data = web_sys::ImageData::new_with_u8_clamped_array_and_sh(wasm_bindgen::Clamped(rgba), side as u32, side as u32).ok()?;
    ctx.put_image_data(&data, 0.0, 0.0).ok()?;
    Some(canvas)
}

#[derive(Properties, Clone)]
pub struct SmallImageProps {
    pub class: AttrValue,
    pub label: AttrValue,
    /// `side` x `side` RGBA pixels.
    pub rgba: Rc<Vec<u8>>,
    pub side: usize,
    pub version: u64,
}

impl PartialEq for SmallImageProps {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && self.label == other.label
    }
}

/// A small picture: a canvas of one pixel per value, scaled up by its style.
#[function_component(SmallImage)]
pub fn small_image(props: &SmallImageProps) -> Html {
    use wasm_bindgen::JsCast;
    let canvas = use_node_ref();
    {
        let (canvas, rgba, side) = (canvas.clone(), props.rgba.clone(), props.side);
        use_effect_with(props.version, move |_| {
            let Some(element) = canvas.cast::<web_sys::HtmlCanvasElement>() else { return };
            let Some(ctx) = element.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
            else {
                return;
            };
            if let Ok(data) = web_sys::ImageData::new_with_u8_clamped_array_and_sh(wasm_bindgen::Clamped(&rgba), side as u32, side as u32) {
                let _ = ctx.put_image_data(&data, 0.0, 0.0);
            }
        });
    }
    html! { <canvas ref={ canvas } class={ props.class.clone() } width={ props.side.to_string() } height={ props.side.to_string() } role="img" aria-label={ props.label.clone() } /> }
}
