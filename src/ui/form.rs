//! Reading a form control's value from its change event, whichever kind of control it is.

use yew::prelude::*;

/// The value of the input or select that sent `event`; empty for anything else.
pub fn event_value(event: &Event) -> String {
    event
        .target_dyn_into::<web_sys::HtmlInputElement>()
        .map(|input| input.value())
        .or_else(|| event.target_dyn_into::<web_sys::HtmlSelectElement>().map(|select| select.value()))
        .unwrap_or_default()
}
