//! The data panel: a generated 2D set (kind, noise, points), MNIST or Fashion-MNIST, or a CSV file
//! chosen or dropped on the page; the validation share; and a preview of the points, coloured by
//! class, drawn from the same data the search will train on. A CSV that does not read says where.

use std::rc::Rc;

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use yew::prelude::*;

use crate::data::{Dataset, Targets};
use crate::nas::charts::PALETTE;
use crate::nas::experiment::{default_space_name, is_gan_data, is_image_data};
use crate::nas::inspect::{points_csv, starting_points, DRAWN_POINTS};
use crate::nas::Experiment;

#[derive(Properties, PartialEq)]
pub struct DataPanelProps {
    pub experiment: Experiment,
    pub on_change: Callback<Experiment>,
    /// A new data kind (points or images) suggests its example space.
    pub on_space_suggestion: Callback<&'static str>,
    pub disabled: bool,
}

/// An edit of the experiment from a control's new value.
type ExperimentEdit = dyn Fn(&mut Experiment, String);

/// Compares previews by identity: `use_memo` makes a new one only when its inputs change.
struct PreviewKey(Rc<Preview>);

impl PartialEq for PreviewKey {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// What the preview shows: the training and validation points, or why there are none.
enum Preview {
    Points { train: Rc<Dataset>, validation: Rc<Dataset> },
    Note(String),
    Error(String),
}

fn preview(experiment: &Experiment) -> Preview {
    if is_image_data(&experiment.data) {
        return Preview::Note(format!(
            "{} images of 28x28 pixels in 10 classes; the workers fetch them when the search starts (about 2 MB compressed).",
            experiment.images
        ));
    }
    let config = match experiment.config() {
        Ok(config) => config,
        Err(message) if message.starts_with("data") => return Preview::Error(message),
        // Other settings' mistakes show at their own fields; the data itself still previews.
        Err(_) => match (Experiment { space: crate::nas::experiment::example_space("spiral-mlp").expect("valid"), ..experiment.clone() })
            .config()
        {
            Ok(config) => config,
            Err(message) => return Preview::Error(message),
        },
    };
    match config.data.dataset_from(None).and_then(|set| config.data.prepare(set)) {
        Ok(splits) if splits.train.feature_len() == 2 => {
            Preview::Points { train: Rc::new(splits.train), validation: Rc::new(splits.validation) }
        }
        Ok(splits) => Preview::Note(format!(
            "{} training and {} validation rows of {} columns{}",
            splits.train.len(),
            splits.validation.len(),
            splits.train.feature_len(),
            splits.train.warnings.iter().map(|w| format!("; {w}")).collect::<String>()
        )),
        Err(e) => Preview::Error(e.to_string()),
    }
}

#[function_component(DataPanel)]
pub fn data_panel(props: &DataPanelProps) -> Html {
    let experiment = &props.experiment;
    let set = |f: Rc<ExperimentEdit>| {
        let (experiment, on_change) = (experiment.clone(), props.on_change.clone());
        Callback::from(move |e: Event| {
            let value = super::form::event_value(&e);
            let mut next = experiment.clone();
            f(&mut next, value);
            on_change.emit(next);
        })
    };
    let on_data = {
        let (experiment, on_change, suggest) = (experiment.clone(), props.on_change.clone(), props.on_space_suggestion.clone());
        Callback::from(move |e: Event| {
            let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() else { return };
            let mut next = experiment.clone();
            let kind = |data: &str| (is_image_data(data), is_gan_data(data));
            let was = kind(&next.data);
            next.data = select.value();
            if next.data == "draw" {
                next.data = "csv".into();
                next.csv = Some((DRAWN_POINTS.into(), points_csv(&starting_points())));
            }
            if kind(&next.data) != was {
                suggest.emit(default_space_name(&next.data));
            }
            on_change.emit(next);
        })
    };
    let read_file = {
        let (experiment, on_change) = (experiment.clone(), props.on_change.clone());
        Rc::new(move |file: web_sys::File| {
            let (experiment, on_change) = (experiment.clone(), on_change.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|t| t.as_string()).unwrap_or_default();
                let mut next = experiment;
                (next.data, next.csv) = ("csv".into(), Some((file.name(), text)));
                on_change.emit(next);
            });
        })
    };
    let on_file = {
        let read_file = read_file.clone();
        Callback::from(move |e: Event| {
            if let Some(file) = e.target_dyn_into::<web_sys::HtmlInputElement>().and_then(|i| i.files()).and_then(|f| f.get(0)) {
                read_file(file);
            }
        })
    };
    let on_drop = {
        let (read_file, disabled) = (read_file.clone(), props.disabled);
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if let Some(file) = e.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)).filter(|_| !disabled) {
                read_file(file);
            }
        })
    };
    let on_drag_over = Callback::from(|e: DragEvent| e.prevent_default());

    let preview = use_memo(
        (
            experiment.data.clone(),
            experiment.points,
            experiment.noise_percent,
            experiment.seed,
            experiment.validation,
            experiment.images,
            experiment.csv.clone(),
        ),
        {
            let experiment = experiment.clone();
            move |_| preview(&experiment)
        },
    );
    let canvas = use_node_ref();
    {
        let (canvas, preview) = (canvas.clone(), preview.clone());
        // The memo's pointer changes exactly when the preview is made again.
        use_effect_with(PreviewKey(preview), move |PreviewKey(preview)| {
            if let (Preview::Points { train, validation }, Some(element)) = (&**preview, canvas.cast::<web_sys::HtmlCanvasElement>()) {
                if let Some(backend) = CanvasBackend::with_canvas_object(element) {
                    let _ = draw_points(backend.into_drawing_area(), train, validation);
                }
            }
        });
    }

    // Sample images are fetched only when asked for: the set is megabytes, and the workers
    // fetch it themselves for a search.
    let samples = use_state(|| None::<Result<(String, Rc<Dataset>), String>>);
    let show_samples = {
        let (samples, data) = (samples.clone(), experiment.data.clone());
        Callback::from(move |_| {
            let Ok(crate::nas::DataSource::Images { set, .. }) = data.parse::<crate::nas::DataSource>() else { return };
            let samples = samples.clone();
            let data = data.clone();
            samples.set(Some(Err("fetching the images...".into())));
            wasm_bindgen_futures::spawn_local(async move {
                samples.set(Some(fetch_images(&set.url()).await.map(|d| (data, Rc::new(d)))));
            });
        })
    };
    let samples_canvas = use_node_ref();
    {
        let canvas = samples_canvas.clone();
        let shown = (*samples).clone().and_then(|s| s.ok());
        use_effect_with(shown.as_ref().map(|(name, d)| (name.clone(), d.len())), move |_| {
            if let (Some((_, set)), Some(element)) = (shown, canvas.cast::<web_sys::HtmlCanvasElement>()) {
                if let Some(backend) = CanvasBackend::with_canvas_object(element) {
                    let _ = draw_images(backend.into_drawing_area(), &set);
                }
            }
        });
    }

    let images = is_image_data(&experiment.data);
    let toy = !images && experiment.data != "csv" && !is_gan_data(&experiment.data);
    let drawn = experiment.data == "csv" && experiment.csv.as_ref().is_some_and(|(name, _)| name == DRAWN_POINTS);
    let on_points = {
        let (experiment, on_change) = (experiment.clone(), props.on_change.clone());
        Callback::from(move |text: String| {
            let mut next = experiment.clone();
            next.csv = Some((DRAWN_POINTS.into(), text));
            on_change.emit(next);
        })
    };
    let disabled = props.disabled;
    html! {
        <section class="panel" id="data" aria-labelledby="data-title" ondrop={ on_drop } ondragover={ on_drag_over }>
            <h2 id="data-title">{ "Data" }</h2>
            <div class="settings">
                <label>{ "Data set " }
                    <select id="data-set" onchange={ on_data } {disabled}>
                        { for [("spiral", "Spiral"), ("circle", "Circle"), ("xor", "XOR"), ("gaussians", "Gaussians"), ("moons", "Two moons"),
                               ("regress-plane", "Plane (regression)"), ("regress-gaussian", "Gaussians (regression)"),
                               ("mnist", "MNIST digits"), ("fashion-mnist", "Fashion-MNIST"), ("csv", "Your CSV file"), ("draw", "Draw your own points"),
                               ("ring", "GAN target: ring of 8"), ("grid", "GAN target: 5x5 grid")].iter()
                            .map(|(v, l)| html! { <option value={ *v } selected={ if drawn { *v == "draw" } else { experiment.data == *v } }>{ *l }</option> }) }
                        if experiment.data == "gan" {
                            <option value="gan" selected=true>{ format!("GAN target: the GAN lab's {}", experiment.gan_target.as_ref().map_or(String::new(), |t| t.label())) }</option>
                        }
                    </select>
                </label>
                if toy {
                    <label>{ "Noise % " }<input type="number" id="data-noise" min="0" max="50" value={ experiment.noise_percent.to_string() } {disabled}
                        onchange={ set(Rc::new(|e, v| e.noise_percent = v.parse::<u32>().map_or(e.noise_percent, |n| n.min(50)))) } /></label>
                    <label>{ "Points " }<input type="number" id="data-points" min="20" max="10000" step="10" value={ experiment.points.to_string() } {disabled}
                        onchange={ set(Rc::new(|e, v| e.points = v.parse::<usize>().map_or(e.points, |n| n.clamp(20, 10_000)))) } /></label>
                }
                if images {
                    <label>{ "Images " }<input type="number" id="data-images" min="100" max="10000" step="100" value={ experiment.images.to_string() } {disabled}
                        onchange={ set(Rc::new(|e, v| e.images = v.parse::<usize>().map_or(e.images, |n| n.clamp(100, 10_000)))) } /></label>
                }
                <label>{ "Validation share " }<input type="number" id="data-validation" min="0.05" max="0.5" step="0.05" value={ experiment.validation.to_string() } {disabled}
                    onchange={ set(Rc::new(|e, v| e.validation = v.parse::<f32>().map_or(e.validation, |n| n.clamp(0.05, 0.5)))) } /></label>
                <label class="file">{ "CSV file (or drop one here) " }
                    <input type="file" id="csv-file" accept=".csv,text/csv,text/plain" onchange={ on_file } {disabled} /></label>
                if let Some((name, _)) = &experiment.csv { <span class="csv-name">{ format!("chosen: {name}") }</span> }
            </div>
            { match &*preview {
                _ if drawn => html! {
                    <>
                        <super::point_editor::PointEditor text={ experiment.csv.clone().map(|(_, t)| t).unwrap_or_default() } on_change={ on_points } disabled={ disabled } />
                        if let Preview::Error(message) = &*preview { <p class="field-error" id="data-error" role="alert">{ message }</p> }
                        if let Preview::Points { train, .. } = &*preview { { for train.warnings.iter().map(|w| html! { <p class="run-note">{ w }</p> }) } }
                    </>
                },
                Preview::Points { train, validation } => html! {
                    <figure class="preview">
                        <canvas ref={ canvas } id="data-preview" width="360" height="360" role="img"
                            aria-label={ format!("{} training points (filled) and {} validation points (rings), coloured by class", train.len(), validation.len()) } />
                        { for train.warnings.iter().map(|w| html! { <p class="run-note">{ w }</p> }) }
                    </figure>
                },
                Preview::Note(note) if images => html! {
                    <div class="preview">
                        <p class="preview-note" id="data-note">{ note }</p>
                        { match &*samples {
                            Some(Ok((name, set))) if *name == experiment.data => html! {
                                <canvas ref={ samples_canvas.clone() } id="data-samples" width="320" height="160" role="img"
                                    aria-label={ format!("The first 32 of {} images", set.len()) } />
                            },
                            Some(Err(message)) => html! { <p class="muted" id="data-samples-status">{ message }</p> },
                            _ => html! { <button id="show-samples" onclick={ show_samples }>{ "Show sample images" }</button> },
                        } }
                    </div>
                },
                Preview::Note(note) => html! { <p class="preview-note" id="data-note">{ note }</p> },
                Preview::Error(message) => html! { <p class="field-error" id="data-error" role="alert">{ message }</p> },
            } }
        </section>
    }
}

fn draw_points<DB: DrawingBackend>(
    area: DrawingArea<DB, plotters::coord::Shift>,
    train: &Dataset,
    validation: &Dataset,
) -> Result<(), String> {
    area.fill(&WHITE).map_err(|e| e.to_string())?;
    let bounds = |set: &Dataset, axis: usize| {
        set.features.iter().skip(axis).step_by(2).copied().fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)))
    };
    let ((x0, x1), (y0, y1)) = (bounds(train, 0), bounds(train, 1));
    let mut chart = ChartBuilder::on(&area)
        .margin(8)
        .x_label_area_size(20)
        .y_label_area_size(28)
        .build_cartesian_2d(x0 - 0.1..x1 + 0.1, y0 - 0.1..y1 + 0.1)
        .map_err(|e| e.to_string())?;
    chart.configure_mesh().disable_mesh().draw().map_err(|e| e.to_string())?;
    let colour = |set: &Dataset, i: usize| -> RGBColor {
        match &set.targets {
            Targets::Classes { labels, .. } => PALETTE[labels[i] as usize % PALETTE.len()],
            // Values: below the middle one colour, above it another, as TF Playground shades them.
            Targets::Values { values, outputs } => PALETTE[if values[i * outputs] < 0.0 { 5 } else { 4 }],
        }
    };
    for (set, filled) in [(train, true), (validation, false)] {
        chart
            .draw_series((0..set.len()).map(|i| {
                let style = if filled { colour(set, i).filled() } else { colour(set, i).stroke_width(2) };
                Circle::new((set.features[2 * i], set.features[2 * i + 1]), 3, style)
            }))
            .map_err(|e| e.to_string())?;
    }
    area.present().map_err(|e| e.to_string())
}

/// Fetches and reads an image set on the page (only when a person asks to see samples).
async fn fetch_images(url: &str) -> Result<Dataset, String> {
    use wasm_bindgen::JsCast;
    let failed = |e: wasm_bindgen::JsValue| format!("could not fetch {url}: {e:?}");
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url)).await.map_err(failed)?.unchecked_into();
    if !response.ok() {
        return Err(format!("could not fetch {url}: the server answered {}", response.status()));
    }
    let buffer = wasm_bindgen_futures::JsFuture::from(response.array_buffer().map_err(failed)?).await.map_err(failed)?;
    crate::data::parse_image_set(&js_sys::Uint8Array::new(&buffer).to_vec()).map_err(|e| e.to_string())
}

/// The first 32 images in a grid of 8 by 4, grey on white.
fn draw_images<DB: DrawingBackend>(area: DrawingArea<DB, plotters::coord::Shift>, set: &Dataset) -> Result<(), String> {
    area.fill(&WHITE).map_err(|e| e.to_string())?;
    let (rows, cols) = match set.feature_shape[..] {
        [_, rows, cols] => (rows, cols),
        _ => return Ok(()),
    };
    let (width, height) = area.dim_in_pixel();
    let scale = ((width as usize / (8 * (cols + 2))).min(height as usize / (4 * (rows + 2)))).max(1);
    for image in 0..32.min(set.len()) {
        let (ox, oy) = ((image % 8) * (cols + 2) * scale, (image / 8) * (rows + 2) * scale);
        let pixels = &set.features[image * rows * cols..(image + 1) * rows * cols];
        for (i, &v) in pixels.iter().enumerate().filter(|(_, v)| **v > 0.05) {
            let shade = 255 - (v.clamp(0.0, 1.0) * 255.0) as u8;
            let (x, y) = ((ox + (i % cols) * scale) as i32, (oy + (i / cols) * scale) as i32);
            area.draw(&Rectangle::new([(x, y), (x + scale as i32, y + scale as i32)], RGBColor(shade, shade, shade).filled()))
                .map_err(|e| e.to_string())?;
        }
    }
    area.present().map_err(|e| e.to_string())
}
