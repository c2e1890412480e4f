//! The 要修正 screen: every change the server refused, in words — what,
//! when, why — with 「直して送り直す」 and 「破棄する」 (after a
//! confirmation).

// The rsx! macro expands event handlers into qualified paths.
#![allow(unused_qualifications)]

use dioxus::prelude::*;

use crate::app::state::{FixesView, Msg, fixes_what, fixes_why};
use crate::app::text as t;
use crate::model::RejectedChange;
use crate::shared::ja;
use crate::shared::protocol::Payload;

pub(super) fn fixes(v: &FixesView, on: EventHandler<Msg>) -> Element {
    rsx! {
        section {
            h2 { "{t::FIXES_TITLE}" }
            if v.loaded && v.items.is_empty() {
                p { class: "hint", "{t::FIXES_EMPTY}" }
            } else {
                p { "{t::FIXES_LEAD}" }
            }
            for c in v.items.iter() {
                {item(c, v, on)}
            }
        }
    }
}

fn item(c: &RejectedChange, v: &FixesView, on: EventHandler<Msg>) -> Element {
    let op = c.op_id;
    let confirming = v.confirm_discard == Some(op);
    let confirm_text = match c.payload {
        Payload::CreatePerson(_) => t::FIX_DISCARD_CREATE_CONFIRM,
        _ => t::FIX_DISCARD_CONFIRM,
    };
    let reasons = fixes_why(c);
    rsx! {
        div { key: "{op}", class: "card fix",
            p { strong { "{fixes_what(c)}" } }
            p { class: "meta", "{t::FIX_WHEN}：{ja::local_datetime(c.created_at)}" }
            div { class: "review returned",
                p { strong { "{t::FIX_WHY}" } }
                for r in reasons { p { "{r}" } }
            }
            if confirming {
                p { class: "err", role: "alert", "{confirm_text}" }
                div { class: "actions",
                    button { class: "danger primary", disabled: v.busy, onclick: move |_| on.call(Msg::DiscardConfirmed), "{t::FIX_DISCARD_YES}" }
                    button { onclick: move |_| on.call(Msg::DiscardCancelled), "{t::CANCEL}" }
                }
            } else {
                div { class: "actions",
                    button { class: "primary", onclick: move |_| on.call(Msg::CorrectRejected(op)), "{t::FIX_CORRECT}" }
                    button { class: "danger", onclick: move |_| on.call(Msg::DiscardRequested(op)), "{t::FIX_DISCARD}" }
                }
            }
        }
    }
}
