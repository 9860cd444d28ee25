//! The search-space editor: every field of the space as a form control, and a JSON tab over the
//! same text, so the two stay in sync both ways. A mistake shows at the field it is about (the
//! core's `SpaceError.field`), with the number of members and the estimated cost beside it.

use std::collections::BTreeMap;

use serde_json::Value;
use yew::prelude::*;

use crate::nas::experiment::EXAMPLE_SPACES;
use crate::nas::space_form::{self, FieldKind, FormField, FORM_FIELDS};
use crate::nas::SpaceError;

/// The editor's text and the mistakes typed into form fields that could not be written back.
#[derive(Clone, PartialEq, Default)]
pub struct SpaceText {
    pub text: String,
    /// Field path to (what was typed, why it does not read).
    pub typed: BTreeMap<&'static str, (String, String)>,
}

impl SpaceText {
    pub fn new(text: String) -> Self {
        SpaceText { text, typed: BTreeMap::new() }
    }

    /// The first mistake: a typed one, or the space's own; none when the space can run.
    pub fn problem(&self) -> Option<(String, String)> {
        if let Some((path, (_, why))) = self.typed.iter().next() {
            return Some((path.to_string(), why.clone()));
        }
        space_form::check(&self.text).err().map(|SpaceError { field, message }| (field, message))
    }
}

#[derive(Properties, PartialEq)]
pub struct SpaceEditorProps {
    pub space: SpaceText,
    pub on_change: Callback<SpaceText>,
    /// While a search runs, its space cannot change.
    pub disabled: bool,
    /// "1,512 members; 30 trials, at most 600 epochs, about 40 s".
    pub summary: String,
}

#[function_component(SpaceEditor)]
pub fn space_editor(props: &SpaceEditorProps) -> Html {
    let json_tab = use_state(|| false);
    let value: Option<Value> = serde_json::from_str(&props.space.text).ok();
    let problem = props.space.problem();
    let problem_field = problem.as_ref().and_then(|(field, _)| space_form::form_field_of(field)).map(|f| f.path);

    let edit = {
        let (space, on_change) = (props.space.clone(), props.on_change.clone());
        move |field: &'static FormField, typed: String| {
            let mut next = space.clone();
            let Ok(mut value) = serde_json::from_str::<Value>(&next.text) else { return };
            match space_form::set_text(&mut value, field, &typed) {
                Ok(()) => {
                    next.typed.remove(field.path);
                    next.text = space_form::pretty(&value);
                }
                Err(why) => {
                    next.typed.insert(field.path, (typed, why));
                }
            }
            on_change.emit(next);
        }
    };
    let toggle = {
        let (space, on_change) = (props.space.clone(), props.on_change.clone());
        move |path: &'static str, name: &'static str, on: bool| {
            let Ok(mut value) = serde_json::from_str::<Value>(&space.text) else { return };
            space_form::toggle_name(&mut value, path, name, on);
            on_change.emit(SpaceText { text: space_form::pretty(&value), typed: space.typed.clone() });
        }
    };
    let load_example = {
        let on_change = props.on_change.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                if let Some((_, text)) = EXAMPLE_SPACES.iter().find(|(n, _)| *n == select.value()) {
                    let value: Value = serde_json::from_str(text).unwrap_or_default();
                    on_change.emit(SpaceText::new(space_form::pretty(&value)));
                }
                select.set_value("");
            }
        })
    };
    let on_json = {
        let (space, on_change) = (props.space.clone(), props.on_change.clone());
        Callback::from(move |e: InputEvent| {
            if let Some(area) = e.target_dyn_into::<web_sys::HtmlTextAreaElement>() {
                // The JSON tab replaces the whole text; typed form mistakes no longer apply.
                let _ = &space;
                on_change.emit(SpaceText::new(area.value()));
            }
        })
    };

    let family = value.as_ref().and_then(|v| v.get("family")).and_then(Value::as_str).unwrap_or("mlp").to_string();
    let control = |field: &'static FormField| -> Html {
        let value = value.as_ref().expect("form shown only over JSON that reads");
        let id = field.id();
        let error = (problem_field == Some(field.path)).then(|| problem.as_ref().map(|(_, m)| m.clone())).flatten();
        let error_id = format!("{id}-error");
        let described = if error.is_some() { format!("{id}-help {error_id}") } else { format!("{id}-help") };
        let input = match field.kind {
            FieldKind::Names(names) => {
                let checked = space_form::names_checked(value, field.path);
                html! {
                    <span class="names" role="group" aria-labelledby={ format!("{id}-label") } aria-describedby={ described.clone() } aria-invalid={ error.is_some().to_string() }>
                        { for names.iter().map(|&name| {
                            let toggle = toggle.clone();
                            let on = checked.iter().any(|c| c == name);
                            let onchange = Callback::from(move |e: Event| {
                                if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                                    toggle(field.path, name, input.checked());
                                }
                            });
                            html! { <label class="name"><input type="checkbox" id={ format!("{id}-{name}") } checked={ on } {onchange} disabled={ props.disabled } />{ name }</label> }
                        }) }
                    </span>
                }
            }
            FieldKind::OneOf(names) => {
                let edit = edit.clone();
                let current = space_form::field_text(value, field.path);
                let onchange = Callback::from(move |e: Event| {
                    if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                        edit(field, select.value());
                    }
                });
                html! {
                    <select id={ id.clone() } {onchange} disabled={ props.disabled } aria-describedby={ described.clone() } aria-invalid={ error.is_some().to_string() }>
                        { for names.iter().map(|&n| html! { <option value={ n } selected={ current == n }>{ n }</option> }) }
                    </select>
                }
            }
            _ => {
                let edit = edit.clone();
                let shown = props
                    .space
                    .typed
                    .get(field.path)
                    .map(|(typed, _)| typed.clone())
                    .unwrap_or_else(|| space_form::field_text(value, field.path));
                let onchange = Callback::from(move |e: Event| {
                    if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                        edit(field, input.value());
                    }
                });
                let wide = matches!(field.kind, FieldKind::WholeChoices | FieldKind::WholeList | FieldKind::RealList);
                html! {
                    <input type="text" id={ id.clone() } class={ if wide { "wide" } else { "narrow" } } value={ shown } {onchange} disabled={ props.disabled }
                        inputmode={ if wide { "text" } else { "decimal" } } aria-describedby={ described.clone() } aria-invalid={ error.is_some().to_string() } />
                }
            }
        };
        html! {
            <div class={ classes!("field", error.is_some().then_some("invalid")) } data-field={ field.path }>
                <label for={ id.clone() } id={ format!("{id}-label") }>{ field.label_for(&family) }</label>
                { input }
                <small id={ format!("{id}-help") } class="help">{ field.help }</small>
                if let Some(message) = error { <small id={ error_id } class="field-error" role="alert">{ message }</small> }
            </div>
        }
    };

    let tabs = {
        let shown_json = *json_tab;
        let json_tab = json_tab.clone();
        let pick = move |json: bool| {
            let json_tab = json_tab.clone();
            Callback::from(move |_| json_tab.set(json))
        };
        html! {
            <div class="tabs" role="tablist" aria-label="Edit the space as">
                <button role="tab" id="space-tab-form" aria-selected={ (!shown_json).to_string() } onclick={ pick(false) }>{ "Form" }</button>
                <button role="tab" id="space-tab-json" aria-selected={ shown_json.to_string() } onclick={ pick(true) }>{ "JSON" }</button>
            </div>
        }
    };
    let body = if *json_tab {
        let message =
            problem.as_ref().map(|(field, message)| if field.is_empty() { message.clone() } else { format!("{field}: {message}") });
        html! {
            <div class="json-tab">
                <label for="space-json" class="visually-hidden">{ "The search space as JSON" }</label>
                <textarea id="space-json" spellcheck="false" rows="18" value={ props.space.text.clone() } oninput={ on_json } disabled={ props.disabled }
                    aria-invalid={ problem.is_some().to_string() } aria-describedby="space-json-error" />
                if let Some(message) = message { <p id="space-json-error" class="field-error" role="alert">{ message }</p> }
            </div>
        }
    } else if value.is_none() {
        html! { <p class="field-error" role="alert">{ "The JSON has a syntax mistake; fix it in the JSON tab to use the form again." }</p> }
    } else {
        html! {
            <div class="space-form">
                { for FORM_FIELDS.iter().filter(|f| f.shown_for(&family)).map(control) }
            </div>
        }
    };
    html! {
        <div class="space-editor">
            <div class="editor-head">
                { tabs }
                <label>{ "Load an example " }
                    <select id="space-example" onchange={ load_example } disabled={ props.disabled }>
                        <option value="" selected=true>{ "choose..." }</option>
                        { for EXAMPLE_SPACES.iter().map(|(n, _)| html! { <option value={ *n }>{ *n }</option> }) }
                    </select>
                </label>
            </div>
            { body }
            <p id="space-summary" class={ classes!("space-summary", problem.is_some().then_some("invalid")) } aria-live="polite">
                { if problem.is_some() { "This space cannot run yet: see the field marked above.".to_string() } else { props.summary.clone() } }
            </p>
        </div>
    }
}
