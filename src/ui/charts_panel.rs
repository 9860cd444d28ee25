//! The live views: the core's plotters charts (src/nas/charts) drawn on canvases as the search's
//! events arrive. A chart redraws only when what it shows changes (a finished epoch or trial,
//! the selection, the type size), not on every step's progress, so the page stays smooth.

use std::rc::Rc;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use yew::prelude::*;

use super::run_panel::SharedView;

use crate::nas::charts::{self, ChartStyle};
use crate::nas::{SearchView, StrategyConfig, TrialStatus};

pub type Draw = Rc<dyn Fn(&DrawingArea<CanvasBackend, Shift>) -> Result<(), String>>;

/// The least time between two drawings of one chart: a fast search finishes many epochs a second.
const MIN_GAP_MS: f64 = 500.0;

#[derive(Properties, Clone)]
pub struct ChartCanvasProps {
    pub id: AttrValue,
    /// What the chart shows, for screen readers.
    pub label: AttrValue,
    pub draw: Draw,
    /// Changes whenever the drawing would.
    pub version: u64,
    /// Milliseconds to wait before drawing, so the charts draw in tasks of their own.
    pub stagger: u32,
}

impl PartialEq for ChartCanvasProps {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.version == other.version && self.label == other.label
    }
}

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// One chart on a canvas, sized to its box at the screen's pixel density. A change is drawn in
/// a task of its own at most every `MIN_GAP_MS`; changes in between are drawn together.
#[function_component(ChartCanvas)]
pub fn chart_canvas(props: &ChartCanvasProps) -> Html {
    let canvas = use_node_ref();
    let latest = use_mut_ref(|| None::<Draw>);
    let pending = use_mut_ref(|| false);
    let last_drawn = use_mut_ref(|| f64::NEG_INFINITY);
    let timer = use_mut_ref(|| None::<gloo::timers::callback::Timeout>);
    {
        let (canvas, draw, stagger) = (canvas.clone(), props.draw.clone(), props.stagger);
        use_effect_with(props.version, move |_| {
            *latest.borrow_mut() = Some(draw);
            if !*pending.borrow() {
                *pending.borrow_mut() = true;
                let wait = (*last_drawn.borrow() + MIN_GAP_MS - now()).max(0.0) as u32 + stagger;
                let (latest, pending, last_drawn) = (latest.clone(), pending.clone(), last_drawn.clone());
                // The handle kept here has fired (or is this one) whenever it is replaced.
                *timer.borrow_mut() = Some(gloo::timers::callback::Timeout::new(wait, move || {
                    *pending.borrow_mut() = false;
                    *last_drawn.borrow_mut() = now();
                    let Some(draw) = latest.borrow().clone() else { return };
                    paint(&canvas, &draw);
                }));
            }
        });
    }
    html! { <canvas ref={ canvas } id={ props.id.clone() } class="chart" role="img" aria-label={ props.label.clone() } /> }
}

fn paint(canvas: &NodeRef, draw: &Draw) {
    let Some(element) = canvas.cast::<web_sys::HtmlCanvasElement>() else { return };
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).clamp(1.0, 2.0);
    let width = (element.client_width().max(300) as f64 * ratio) as u32;
    let height = (element.client_height().max(200) as f64 * ratio) as u32;
    if element.width() != width || element.height() != height {
        element.set_width(width);
        element.set_height(height);
    }
    if let Some(backend) = CanvasBackend::with_canvas_object(element) {
        if let Err(message) = draw(&backend.into_drawing_area()) {
            gloo::console::warn!(format!("a chart could not be drawn: {message}"));
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct ChartsProps {
    pub view: SharedView,
    pub selected: Option<usize>,
    pub large: bool,
}

/// A number that changes whenever a chart's picture would: the trials and their statuses, the
/// selection, the type size, and (for charts of epochs) every finished epoch. Charts of finished
/// trials only redraw when a trial finishes.
fn version(view: &SearchView, selected: Option<usize>, large: bool, epochs: bool) -> u64 {
    let finished = view.count(TrialStatus::Finished) + view.count(TrialStatus::Failed);
    let epochs: usize = if epochs { view.trials.values().map(|t| t.curve.len()).sum() } else { 0 };
    let mut key = (view.trials.len() as u64) << 40 ^ (epochs as u64) << 20 ^ finished as u64;
    key = key.wrapping_mul(31).wrapping_add(selected.map_or(0, |s| s as u64 + 1));
    key.wrapping_mul(31).wrapping_add(large as u64)
}

#[function_component(Charts)]
pub fn charts(props: &ChartsProps) -> Html {
    let (of_trials, of_epochs) =
        (version(&props.view, props.selected, props.large, false), version(&props.view, props.selected, props.large, true));
    let style = ChartStyle { large_type: props.large };
    let view = props.view.0.clone();
    let selected = props.selected;
    let stagger = std::cell::Cell::new(0);
    let chart = |id: &'static str, title: &'static str, label: &'static str, draw: Draw| {
        stagger.set(stagger.get() + 30);
        html! {
            <figure class="chart-box" aria-labelledby={ format!("{id}-title") }>
                <figcaption id={ format!("{id}-title") }>{ title }</figcaption>
                <ChartCanvas id={ id } label={ label } draw={ draw } version={ if id == "chart-curves" { of_epochs } else { of_trials } } stagger={ stagger.get() } />
            </figure>
        }
    };
    let strategy = props.view.config.as_ref().map(|c| c.strategy.clone());
    let halving = matches!(strategy, Some(StrategyConfig::Halving { .. }));
    let evolution = matches!(strategy, Some(StrategyConfig::Evolution { .. }));
    macro_rules! draw {
        ($body:expr) => {{
            let view = view.clone();
            Rc::new(move |area: &DrawingArea<CanvasBackend, Shift>| $body(area, &*view)) as Draw
        }};
    }
    html! {
        <section class="panel" id="charts" aria-labelledby="charts-title">
            <h2 id="charts-title">{ "Live views" }</h2>
            <div class="chart-grid">
                { chart("chart-best-trials", "Best so far, by trial", "The best score found so far against the number of trials, with every trial's score as a point",
                    draw!(|a, v| charts::best_so_far_by_trial(a, v, &style))) }
                { chart("chart-best-time", "Best so far, by time", "The best score found so far against seconds of training",
                    draw!(|a, v| charts::best_so_far_by_time(a, v, &style))) }
                { chart("chart-curves", "Learning curves", "Every trial's validation curve by epoch; running trials drawn thick; halving's rungs marked",
                    draw!(|a, v| charts::learning_curves(a, v, selected, &style))) }
                { chart("chart-pareto", "Score against size", "Each finished trial's score against its parameter count, the Pareto front joined",
                    draw!(|a, v| charts::pareto(a, v, selected, &style))) }
                if halving {
                    { chart("chart-rungs", "Rungs", "Halving's rungs: the trials that went on (filled) and the ones stopped (hollow)",
                        draw!(|a, v| charts::rungs(a, v, &style))) }
                } else {
                    { chart("chart-family", "Family tree", if evolution { "Each child joined to its parent, labelled with its mutation" } else { "This strategy has no parents: the family tree is for evolution" },
                        draw!(|a, v| charts::family_tree(a, v, &style))) }
                }
                { chart("chart-parallel", "Decisions against score", "Parallel coordinates: one line per finished trial across its decisions, coloured by score",
                    draw!(|a, v| charts::parallel_coordinates(a, v, &style))) }
                { chart("chart-importance", "Why this winner: what mattered", "Each decision's importance to the score, from a random forest fitted to the finished trials",
                    draw!(|a, v| charts::importance(a, v, &style))) }
                { chart("chart-slices", "Score against each decision", "Slice plots: every finished trial's score against each decision, the best in vermillion",
                    draw!(|a, v| charts::slices(a, v, &style))) }
            </div>
        </section>
    }
}
