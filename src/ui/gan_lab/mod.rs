//! The GAN lab: a toy GAN trained live on a 2D target, drawn as GAN Lab draws it (the
//! discriminator's belief over the plane, real and generated points, the pull on each generated
//! point, the noise mesh through G), with play, pause, single steps of either network, reset,
//! speed, a slow mode that says what each step did, and charts of the losses and of how many
//! modes the generator covers. It trains on the page's thread in short slices (small networks on
//! the CPU engine), so the page stays responsive; the core does every number.

mod form;
mod plane;
mod session;

use std::cell::RefCell;
use std::rc::Rc;

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use yew::prelude::*;

use super::charts_panel::{ChartCanvas, Draw};
use super::share;
use crate::gan::{gan_lessons, GanLoss, GanMetrics, GanSetup, GanSpec, StepKind, Target2d};
use crate::nas::charts::gan::{gan_losses, gan_quality};
use crate::nas::charts::ChartStyle;

use form::{target_of, Form, DRAWN_SIGMA, TARGETS};
use plane::{paint, DRAW_REACH, PLANE_ID, PLANE_SIZE};
use session::{Session, Speed, MEASURE_EVERY};

#[derive(Properties, PartialEq)]
pub struct GanLabProps {
    pub large: bool,
    /// "Search GAN settings": the target shown, for the page to open a search over GAN settings on.
    pub on_search: Callback<Target2d>,
    /// A GAN to show (a search's trial, to watch it train), and a count that changes with each ask.
    #[prop_or_default]
    pub open: Option<(GanSetup, u32)>,
}

#[function_component(GanLab)]
pub fn gan_lab(props: &GanLabProps) -> Html {
    // What the page opens with: a link's GAN (`?gan=`), or the default one.
    let opened = use_memo((), |_| match share::query_value("gan").map(|text| GanSetup::from_link(&text)) {
        Some(Ok(setup)) => (Some(setup), None),
        Some(Err(why)) => (None, Some(format!("The link's GAN settings {why}; the default GAN is shown."))),
        None => (None, None),
    });
    let start = opened.0.clone().unwrap_or(GanSetup { target: Target2d::ring(), gan: GanSpec::default() });
    let form = use_state(|| Form::of(&start.gan, &start.target));
    // The settings in use, and how many times they were applied (Reset starts afresh even unchanged).
    let applied = use_state(|| (start.gan.clone(), start.target.clone(), 0u32));
    let session = use_mut_ref(|| None::<Session>);
    let playing = use_state(|| false);
    let speed = use_state(|| Speed::Normal);
    let show_mesh = use_mut_ref(|| true);
    let explanation = use_state(|| None::<String>);
    let problem = use_state(|| opened.1.clone());
    let link = use_state(|| None::<String>);
    // Bumped whenever the figures shown in text or charts change; a forced render shows them.
    let version = use_mut_ref(|| 0u64);
    let rerender = use_force_update();
    let status = use_mut_ref(|| (0usize, (0usize, 0usize), None::<GanMetrics>));
    // Points drawn on the plane for the "Points I draw" target, and whether that target is chosen.
    let drawn = use_mut_ref(|| match &start.target {
        Target2d::Drawn { points, .. } => points.clone(),
        _ => Vec::new(),
    });
    let drawing = use_mut_ref(|| matches!(start.target, Target2d::Drawn { .. }));
    // A GAN link opens on the lab.
    use_effect_with((), {
        let linked = opened.0.is_some() || opened.1.is_some();
        move |_| {
            if linked {
                if let Some(lab) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("gan")) {
                    lab.scroll_into_view();
                }
            }
        }
    });

    // Painting after a render keeps the canvas's picture when Yew touches the element.
    let refresh = {
        let (session, status, version, show_mesh, rerender) =
            (session.clone(), status.clone(), version.clone(), show_mesh.clone(), rerender.clone());
        let (drawn, drawing) = (drawn.clone(), drawing.clone());
        Rc::new(move || {
            let mut guard = session.borrow_mut();
            let Some(s) = guard.as_mut() else { return };
            if s.trainer.iterations() != s.last_measured && s.trainer.iterations() % MEASURE_EVERY == 0 {
                s.measure();
            }
            if let Some(frame) = s.frame() {
                let drawn = drawn.borrow();
                paint(&frame, *show_mesh.borrow(), drawing.borrow().then_some(drawn.as_slice()));
                *status.borrow_mut() = (frame.iteration, frame.steps, s.history.metrics.last().cloned());
            }
            *version.borrow_mut() += 1;
            rerender.force_update();
        })
    };

    // A fresh session whenever the applied settings change, painted with the page's toggles.
    {
        let (session, explanation, refresh, problem) = (session.clone(), explanation.clone(), refresh.clone(), problem.clone());
        use_effect_with((*applied).clone(), move |(spec, target, _)| {
            match Session::new(spec, target) {
                Ok(mut fresh) => {
                    fresh.measure();
                    *session.borrow_mut() = Some(fresh);
                }
                Err(message) => problem.set(Some(format!("{message}. The GAN shown keeps its settings."))),
            }
            explanation.set(None);
            refresh();
        });
    }

    // The clock: a tick trains a slice (or, explained, takes one step) and repaints.
    {
        let (session, refresh, explanation, playing_state, problem) =
            (session.clone(), refresh.clone(), explanation.clone(), playing.clone(), problem.clone());
        use_effect_with((*playing, *speed), move |&(playing, speed)| {
            let interval = playing.then(|| {
                let (period, budget) = speed.timing();
                gloo::timers::callback::Interval::new(period, move || {
                    let outcome = {
                        let mut guard = session.borrow_mut();
                        let Some(s) = guard.as_mut() else { return };
                        if speed == Speed::Explained {
                            s.scheduled_step().map(Some)
                        } else {
                            s.train_for(budget).map(|_| None)
                        }
                    };
                    match outcome {
                        Ok(Some(words)) => explanation.set(Some(words)),
                        Ok(None) => {}
                        Err(message) => {
                            problem.set(Some(format!("Training stopped: {message}")));
                            playing_state.set(false);
                        }
                    }
                    refresh();
                })
            });
            move || drop(interval)
        });
    }

    let step_one = |kind: StepKind| {
        let (session, refresh, explanation, playing) = (session.clone(), refresh.clone(), explanation.clone(), playing.clone());
        Callback::from(move |_| {
            playing.set(false);
            let words = session.borrow_mut().as_mut().map(|s| s.step(kind));
            match words {
                Some(Ok(words)) => explanation.set(Some(words)),
                Some(Err(message)) => explanation.set(Some(message)),
                None => {}
            }
            refresh();
        })
    };
    let toggle_play = {
        let (playing, explanation, speed) = (playing.clone(), explanation.clone(), speed.clone());
        Callback::from(move |_| {
            if !*playing && *speed != Speed::Explained {
                // Training in slices says nothing step by step: last step's words would mislead.
                explanation.set(None);
            }
            playing.set(!*playing)
        })
    };
    let reset = {
        let (form, applied, problem, playing, drawn) = (form.clone(), applied.clone(), problem.clone(), playing.clone(), drawn.clone());
        Callback::from(move |_| match form.spec() {
            Ok(_) if form.target == "drawn" && drawn.borrow().is_empty() => problem
                .set(Some("No points drawn yet: click on the plane to add some, then Reset. The GAN shown keeps its settings.".into())),
            Ok(spec) => {
                problem.set(None);
                playing.set(false);
                applied.set((spec, target_of(&form.target, &form.base_target, &drawn.borrow()), applied.2 + 1));
            }
            Err(message) => problem.set(Some(format!("{message}. The GAN shown keeps its settings."))),
        })
    };
    let lesson = use_state(|| None::<&'static str>);
    let on_lesson = {
        let (form, applied, lesson, problem, playing, drawn, drawing) =
            (form.clone(), applied.clone(), lesson.clone(), problem.clone(), playing.clone(), drawn.clone(), drawing.clone());
        Callback::from(move |e: Event| {
            let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() else { return };
            let Some(chosen) = gan_lessons().into_iter().find(|l| l.id == select.value()) else { return };
            let GanSetup { target, gan } = chosen.setup;
            drawn.borrow_mut().clear();
            *drawing.borrow_mut() = false;
            form.set(Form::of(&gan, &target));
            problem.set(None);
            playing.set(false);
            applied.set((gan, target, applied.2 + 1));
            lesson.set(Some(chosen.id));
        })
    };
    {
        let (form, applied, lesson, problem, playing, drawn, drawing) =
            (form.clone(), applied.clone(), lesson.clone(), problem.clone(), playing.clone(), drawn.clone(), drawing.clone());
        use_effect_with(props.open.clone(), move |open| {
            if let Some((GanSetup { target, gan }, _)) = open.clone() {
                *drawn.borrow_mut() = match &target {
                    Target2d::Drawn { points, .. } => points.clone(),
                    _ => Vec::new(),
                };
                *drawing.borrow_mut() = matches!(target, Target2d::Drawn { .. });
                form.set(Form::of(&gan, &target));
                problem.set(None);
                playing.set(false);
                applied.set((gan, target, applied.2 + 1));
                lesson.set(None);
                if let Some(lab) = gloo::utils::document().get_element_by_id("gan") {
                    lab.scroll_into_view();
                }
            }
        });
    }
    let copy_link = {
        let (applied, link) = (applied.clone(), link.clone());
        Callback::from(move |_| {
            let (gan, target, _) = (*applied).clone();
            let url = format!("{}?gan={}", share::page_address(), GanSetup { target, gan }.to_link());
            share::copy_to_clipboard(&url);
            link.set(Some(url));
        })
    };
    let search_settings = {
        let (applied, on_search) = (applied.clone(), props.on_search.clone());
        Callback::from(move |_| on_search.emit(applied.1.clone()))
    };
    let on_speed = {
        let speed = speed.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                speed.set(Speed::of(&select.value()));
            }
        })
    };
    let on_mesh = {
        let (show_mesh, refresh) = (show_mesh.clone(), refresh.clone());
        Callback::from(move |_| {
            let on = !*show_mesh.borrow();
            *show_mesh.borrow_mut() = on;
            refresh();
        })
    };
    let field = |id: &'static str, label: &'static str, value: String, set: fn(&mut Form, String)| {
        let form = form.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                let mut next = (*form).clone();
                set(&mut next, input.value());
                form.set(next);
            }
        });
        html! { <label>{ label }<input id={ id } type="text" inputmode="decimal" size="6" value={ value } oninput={ oninput } /></label> }
    };
    let on_target = {
        let (form, drawing, refresh) = (form.clone(), drawing.clone(), refresh.clone());
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                *drawing.borrow_mut() = select.value() == "drawn";
                form.set(Form { target: select.value(), ..(*form).clone() });
                refresh();
            }
        })
    };
    // With "Points I draw" chosen, a click adds a point where it lands; shift-click removes the nearest.
    let on_plane_click = {
        let (drawn, drawing, refresh) = (drawn.clone(), drawing.clone(), refresh.clone());
        Callback::from(move |e: MouseEvent| {
            if !*drawing.borrow() {
                return;
            }
            let Some(canvas) = e.target_dyn_into::<web_sys::Element>() else { return };
            let rect = canvas.get_bounding_client_rect();
            let inside = (DRAW_REACH - 4.0 * DRAWN_SIGMA) as f64;
            let x = (((e.client_x() as f64 - rect.left()) / rect.width() * 2.0 - 1.0) * DRAW_REACH as f64).clamp(-inside, inside);
            let y = ((1.0 - (e.client_y() as f64 - rect.top()) / rect.height() * 2.0) * DRAW_REACH as f64).clamp(-inside, inside);
            let point = [x as f32, y as f32];
            let mut points = drawn.borrow_mut();
            if e.shift_key() {
                let nearest = points.iter().enumerate().min_by(|a, b| {
                    let d = |p: &[f32; 2]| (p[0] - point[0]).hypot(p[1] - point[1]);
                    d(a.1).total_cmp(&d(b.1))
                });
                if let Some((i, _)) = nearest {
                    points.remove(i);
                }
            } else {
                points.push(point);
            }
            drop(points);
            refresh();
        })
    };
    let on_loss = {
        let form = form.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                let loss = if select.value() == "least_squares" { GanLoss::LeastSquares } else { GanLoss::NonSaturating };
                form.set(Form { loss, ..(*form).clone() });
            }
        })
    };

    let style = ChartStyle { large_type: props.large };
    let (iteration, (d_steps, g_steps), metrics) = status.borrow().clone();
    let history = Rc::new(RefCell::new(session.borrow().as_ref().map(|s| s.history.clone()).unwrap_or_default()));
    let draw_losses: Draw = {
        let history = history.clone();
        Rc::new(move |area: &DrawingArea<CanvasBackend, plotters::coord::Shift>| gan_losses(area, &history.borrow(), &style))
    };
    let draw_quality: Draw = {
        let history = history.clone();
        Rc::new(move |area: &DrawingArea<CanvasBackend, plotters::coord::Shift>| gan_quality(area, &history.borrow(), &style))
    };
    let figures = metrics.as_ref().map(|m| match &m.coverage {
        Some(c) => format!(
            "After {} iterations: {} of {} modes covered, {:.1} % of samples high quality, reverse KL {:.3}, JS {:.3}.",
            m.iteration,
            c.covered,
            c.modes,
            100.0 * c.high_quality,
            c.reverse_kl,
            m.js
        ),
        None => format!("After {} iterations: KL {:.3}, JS {:.3} between the real and generated densities.", m.iteration, m.kl, m.js),
    });
    // ChartCanvas draws at most twice a second, whatever the version does.
    let chart_version = *version.borrow() + props.large as u64 * (1 << 40);
    let f = &*form;
    html! {
        <section class="panel" id="gan" aria-labelledby="gan-title">
            <h2 id="gan-title">{ "GAN lab" }</h2>
            <p class="muted">{ "A generator (G) turns noise into points; a discriminator (D) learns to tell them from the real ones, and G learns from D's gradient to fool it. Green is where D believes real, purple where it believes generated; the arrows show where each generated point is pulled; the grey mesh is the noise plane as G bends it." }</p>
            <div class="gan-body">
                <figure class="gan-plane">
                    <canvas id={ PLANE_ID } width={ PLANE_SIZE.to_string() } height={ PLANE_SIZE.to_string() } role="img" onclick={ on_plane_click }
                        class={ classes!(f.target.eq("drawn").then_some("drawing")) }
                        aria-label="Real points in green, generated points in purple, over the discriminator's belief" />
                    <figcaption id="gan-status" data-iteration={ iteration.to_string() }>
                        { format!("Iteration {iteration}: {d_steps} discriminator and {g_steps} generator steps.") }
                    </figcaption>
                </figure>
                <div class="gan-side">
                    <label class="gan-lesson">{ "Lesson " }
                        <select id="gan-lesson" onchange={ on_lesson }>
                            <option value="" selected={ lesson.is_none() } disabled=true>{ "Choose one to try..." }</option>
                            { for gan_lessons().iter().map(|l| html! { <option value={ l.id } selected={ *lesson == Some(l.id) }>{ l.title }</option> }) }
                        </select>
                    </label>
                    if let Some(guide) = lesson.and_then(|id| gan_lessons().into_iter().find(|l| l.id == id)).map(|l| l.guide) {
                        <p id="gan-guide" class="guide">{ guide }</p>
                    }
                    <div class="run-controls">
                        <button id="gan-play" onclick={ toggle_play } aria-pressed={ playing.to_string() }>{ if *playing { "Pause" } else { "Play" } }</button>
                        <button id="gan-step-d" onclick={ step_one(StepKind::Discriminator) }>{ "Step D" }</button>
                        <button id="gan-step-g" onclick={ step_one(StepKind::Generator) }>{ "Step G" }</button>
                        <button id="gan-reset" onclick={ reset.clone() }>{ "Reset" }</button>
                        <label>{ "Speed " }
                            <select id="gan-speed" onchange={ on_speed }>
                                <option value="explained" selected={ *speed == Speed::Explained }>{ "Slow, explained" }</option>
                                <option value="normal" selected={ *speed == Speed::Normal }>{ "Normal" }</option>
                                <option value="fast" selected={ *speed == Speed::Fast }>{ "Fast" }</option>
                            </select>
                        </label>
                        <button id="gan-link" onclick={ copy_link } title="A link that opens this page with the GAN now shown">{ "Copy GAN link" }</button>
                        <button id="gan-search" onclick={ search_settings }
                            title="Search depths, widths, learning rates, D steps, losses and noise dimensions on this target, ranked by modes covered">
                            { "Search GAN settings" }</button>
                        <label><input type="checkbox" id="gan-mesh" checked={ *show_mesh.borrow() } onchange={ on_mesh } />{ " Noise mesh" }</label>
                    </div>
                    if let Some(url) = &*link {
                        <p class="muted">{ "Copied (where the browser allows): " }<input id="gan-link-url" readonly=true value={ url.clone() } size="40" /></p>
                    }
                    <p id="gan-figures">{ figures.unwrap_or_default() }</p>
                    if let Some(words) = &*explanation {
                        <p id="gan-explained" class="guide" aria-live="polite">{ words }</p>
                    }
                    <fieldset class="gan-settings">
                        <legend>{ "Settings (Reset applies them)" }</legend>
                        <label>{ "Target " }
                            <select id="gan-target" onchange={ on_target }>
                                { for TARGETS.iter().map(|(id, name)| html! { <option value={ *id } selected={ f.target == *id }>{ *name }</option> }) }
                            </select>
                        </label>
                        if f.target == "drawn" {
                            <span id="gan-drawn" class="muted">{ format!("{} points drawn: click on the plane to add one, shift-click to remove the nearest; Reset trains on them.", drawn.borrow().len()) }</span>
                        }
                        <label>{ "Loss " }
                            <select id="gan-loss" onchange={ on_loss }>
                                <option value="non_saturating" selected={ f.loss == GanLoss::NonSaturating }>{ "Non-saturating" }</option>
                                <option value="least_squares" selected={ f.loss == GanLoss::LeastSquares }>{ "Least squares" }</option>
                            </select>
                        </label>
                        { field("gan-g-depth", "G layers ", f.g_depth.clone(), |f, v| f.g_depth = v) }
                        { field("gan-g-width", "G width ", f.g_width.clone(), |f, v| f.g_width = v) }
                        { field("gan-d-depth", "D layers ", f.d_depth.clone(), |f, v| f.d_depth = v) }
                        { field("gan-d-width", "D width ", f.d_width.clone(), |f, v| f.d_width = v) }
                        { field("gan-lr", "Learning rate ", f.learning_rate.clone(), |f, v| f.learning_rate = v) }
                        { field("gan-d-steps", "D steps per G step ", f.d_steps.clone(), |f, v| f.d_steps = v) }
                        { field("gan-noise", "Noise dimensions ", f.noise_dim.clone(), |f, v| f.noise_dim = v) }
                    </fieldset>
                    if let Some(message) = &*problem {
                        <p class="field-error" id="gan-error" role="alert">{ message }</p>
                    }
                </div>
            </div>
            <div class="gan-charts">
                <ChartCanvas id="gan-losses" label="Both networks' losses over the iterations" draw={ draw_losses } version={ chart_version } stagger={ 0 } />
                <ChartCanvas id="gan-quality" label="Modes covered and the share of high-quality samples over the iterations" draw={ draw_quality } version={ chart_version } stagger={ 120 } />
            </div>
        </section>
    }
}
