//! A titled panel of the page layout.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    pub id: AttrValue,
    pub title: AttrValue,
    #[prop_or_default]
    pub children: Html,
}

#[function_component(Panel)]
pub fn panel(props: &PanelProps) -> Html {
    html! {
        <section class="panel" id={ props.id.clone() }>
            <h2>{ props.title.clone() }</h2>
            <div class="panel-body empty">{ props.children.clone() }</div>
        </section>
    }
}
