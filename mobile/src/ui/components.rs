//! Reusable pieces of the screens: text boxes that keep what they hold out
//! of the keyboard's memory, the date field (令和 or 西暦, with a picker and
//! the 和暦 beside it), choice buttons, and field errors.

// The rsx! macro expands event handlers into qualified paths.
#![allow(unused_qualifications)]

use dioxus::prelude::*;

use crate::app::state::Msg;
use crate::app::text as t;
use crate::forms;

/// A one-line text box for names or notes. `autocomplete`, `autocorrect`
/// and `spellcheck` are off, so the keyboard and the IME do not learn (and
/// later suggest) what it holds.
pub fn private_input(
    id: &'static str,
    value: &str,
    placeholder: &str,
    on: EventHandler<Msg>,
    msg: fn(String) -> Msg,
) -> Element {
    rsx! {
        input { id, r#type: "text", value: "{value}", placeholder: "{placeholder}",
            autocomplete: "off", autocorrect: "off", spellcheck: "false", autocapitalize: "off",
            oninput: move |e| on.call(msg(e.value())) }
    }
}

/// A text area for notes, with the same protections as [`private_input`].
pub fn private_area(
    id: &'static str,
    value: &str,
    placeholder: &str,
    on: EventHandler<Msg>,
    msg: fn(String) -> Msg,
) -> Element {
    rsx! {
        textarea { id, value: "{value}", placeholder: "{placeholder}",
            autocomplete: "off", autocorrect: "off", spellcheck: "false", autocapitalize: "off",
            oninput: move |e| on.call(msg(e.value())) }
    }
}

/// A date field: typed as people write dates (「R8.6.1」「令和8年6月1日」
/// 「2026-06-01」) or picked from a calendar, with the date in 和暦 beside
/// it (or why it does not read).
pub fn date_field(
    id: &'static str,
    label: &str,
    value: &str,
    on: EventHandler<Msg>,
    msg: fn(String) -> Msg,
) -> Element {
    let picker = forms::picker_value(value);
    let hint = forms::date_hint(value);
    rsx! {
        label { class: "field", r#for: id, "{label}" }
        div { class: "datefield",
            input { id, r#type: "text", value: "{value}", placeholder: "{t::DATE_PLACEHOLDER}",
                autocomplete: "off", autocorrect: "off", spellcheck: "false",
                oninput: move |e| on.call(msg(e.value())) }
            input { r#type: "date", aria_label: "{t::DATE_PICKER}", value: "{picker}",
                oninput: move |e| on.call(msg(e.value())) }
        }
        match hint {
            Some(Ok(era)) => rsx! { p { class: "hint era", "{era}" } },
            Some(Err(m)) => rsx! { p { class: "err", role: "alert", "{m}" } },
            None => rsx! {},
        }
    }
}

/// One of several choices, as a large button.
pub fn choice<T: Copy + PartialEq + 'static>(
    current: Option<T>,
    value: T,
    label: &str,
    on: EventHandler<Msg>,
    msg: fn(T) -> Msg,
) -> Element {
    let on_class = if current == Some(value) { "on" } else { "" };
    rsx! {
        button { class: on_class, aria_pressed: current == Some(value), onclick: move |_| on.call(msg(value)), "{label}" }
    }
}

/// A choice that can be switched on and off (a member of a set).
pub fn toggle<T: Copy + 'static>(
    on_now: bool,
    value: T,
    label: &str,
    on: EventHandler<Msg>,
    msg: fn(T) -> Msg,
) -> Element {
    rsx! {
        button { class: if on_now { "on" } else { "" }, aria_pressed: on_now,
            onclick: move |_| on.call(msg(value)), "{label}" }
    }
}

/// A field's error, if any.
pub fn field_error(message: Option<&str>) -> Element {
    match message {
        Some(m) => rsx! { p { class: "err", role: "alert", "{m}" } },
        None => rsx! {},
    }
}
