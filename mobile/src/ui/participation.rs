//! The 参加支援 screen of a person (issue 18): the trials at 地域資源 with
//! where each stands, the needs no resource meets, and one form (needs,
//! a trial, a follow-up). The catalogue is what the server sent; nothing
//! here changes it.

// The rsx! macro expands event handlers into qualified paths.
#![allow(unused_qualifications)]

use dioxus::prelude::*;

use super::components::{choice, private_area, private_input, toggle};
use crate::app::state::*;
use crate::app::text as t;
use crate::shared::ja::{self, Label};
use crate::shared::participation::{open_unmet, trials};
use crate::shared::*;

fn areas_text(r: &LocalResource) -> String {
    if r.areas.is_empty() {
        t::PA_CITYWIDE.to_owned()
    } else {
        r.areas
            .iter()
            .map(AreaCode::name_ja)
            .collect::<Vec<_>>()
            .join("・")
    }
}

pub(super) fn participation(f: &ParticipationForm, on: EventHandler<Msg>) -> Element {
    let empty = ParticipationData::default();
    let d = f.data.as_ref().unwrap_or(&empty);
    let states = trials(&d.records);
    let unmet = open_unmet(&d.records);
    let errors: Vec<String> = f.errors.iter().map(|(_, m)| m.clone()).collect();
    let person = f.person_id;
    let mode = f.mode;
    let resource_value = f.resource.map(|r| r.to_string()).unwrap_or_default();
    let meets_value = f.meets.map(|r| r.to_string()).unwrap_or_default();
    let trial_value = f.trial.map(|r| r.to_string()).unwrap_or_default();
    let chosen = f
        .resource
        .and_then(|id| d.resources.iter().find(|r| r.id == id));
    rsx! {
        section {
            h2 { "{t::PA_TITLE}：{f.alias}" }
            div { class: "row",
                div { class: "card", id: "pa-trials",
                    h3 { "{t::PA_TRIALS}" }
                    if states.is_empty() { p { class: "meta", "{t::PA_NO_TRIALS}" } }
                    ul { class: "trials",
                        for st in states.iter() {
                            if let ParticipationEntry::Trial { resource_name, .. } = &st.trial.entry {
                                li {
                                    strong { "{resource_name}" }
                                    " "
                                    span { class: "badge", "{st.outcome().map(|o| o.ja()).unwrap_or(t::PA_PROPOSED)}" }
                                    span { class: "meta", " {ja::era_date(ja::local_date(st.trial.recorded_at))}" }
                                    if let Some(ParticipationEntry::FollowUp { reason: Some(r), .. }) = st.latest.map(|l| &l.entry) {
                                        p { class: "meta", "{t::PA_REASON}：{r}" }
                                    }
                                }
                            }
                        }
                    }
                }
                div { class: "card", id: "pa-unmet",
                    h3 { "{t::PA_UNMET_OPEN}" }
                    if unmet.is_empty() { p { class: "meta", "—" } }
                    ul {
                        for u in unmet.iter() {
                            if let Some(n) = u.unmet() {
                                li { "{n.description}" span { class: "meta", "（{n.area.name_ja()}）" } }
                            }
                        }
                    }
                }
            }
            div { class: "card", id: "pa-form",
                div { class: "choices",
                    {choice(Some(mode), ParticipationMode::Needs, t::PA_MODE_NEEDS, on, Msg::PaMode)}
                    {choice(Some(mode), ParticipationMode::Trial, t::PA_MODE_TRIAL, on, Msg::PaMode)}
                    {choice(Some(mode), ParticipationMode::FollowUp, t::PA_MODE_FOLLOW, on, Msg::PaMode)}
                }
                match mode {
                    ParticipationMode::Needs => rsx! {
                        label { class: "field", "{t::PA_NEEDS}" }
                        div { class: "choices",
                            for n in NeedKind::ALL { {toggle(f.needs.contains(&n), n, n.ja(), on, Msg::PaToggleNeed)} }
                        }
                        label { class: "field", r#for: "panote", "{t::PA_NOTE}" }
                        {private_area("panote", &f.note, "", on, Msg::PaNote)}
                        label { class: "check",
                            input { r#type: "checkbox", id: "paunmet", checked: f.unmet, onchange: move |_| on.call(Msg::PaToggleUnmet) }
                            " {t::PA_UNMET}"
                        }
                        if f.unmet {
                            label { class: "field", r#for: "paarea", "{t::PA_UNMET_AREA}" }
                            select { id: "paarea", value: "{f.unmet_area}",
                                onchange: move |e| on.call(Msg::PaUnmetArea(e.value())),
                                option { value: "", "—" }
                                for a in AreaCode::all() {
                                    option { value: "{a}", selected: f.unmet_area == a.to_string(), "{a.name_ja()}" }
                                }
                            }
                            label { class: "field", r#for: "paunmettext", "{t::PA_UNMET_TEXT}" }
                            {private_input("paunmettext", &f.unmet_text, t::PA_UNMET_HINT, on, Msg::PaUnmetText)}
                        }
                    },
                    ParticipationMode::Trial => rsx! {
                        label { class: "field", r#for: "paresource", "{t::PA_RESOURCE}" }
                        if d.resources.is_empty() { p { class: "hint", "{t::PA_NO_RESOURCES}" } }
                        select { id: "paresource", value: "{resource_value}",
                            onchange: move |e| on.call(Msg::PaResource(ResourceId::parse(&e.value()).ok())),
                            option { value: "", "—" }
                            for r in d.resources.iter() {
                                option { value: "{r.id}", selected: resource_value == r.id.to_string(),
                                    "{r.name}（{r.kind.ja()}）" }
                            }
                        }
                        if let Some(r) = chosen {
                            p { class: "meta", "{areas_text(r)}／{r.for_whom}／{r.days}／{r.contact}" }
                            if !r.accepts_new { p { class: "err", "{t::PA_FULL}" } }
                        }
                        label { class: "check",
                            input { r#type: "checkbox", id: "pastarted", checked: f.started, onchange: move |_| on.call(Msg::PaToggleStarted) }
                            " {t::PA_STARTED}"
                        }
                        if !unmet.is_empty() {
                            label { class: "field", r#for: "pameets", "{t::PA_MEETS}" }
                            select { id: "pameets", value: "{meets_value}",
                                onchange: move |e| on.call(Msg::PaMeets(ParticipationId::parse(&e.value()).ok())),
                                option { value: "", "{t::PA_MEETS_NONE}" }
                                for u in unmet.iter() {
                                    if let Some(n) = u.unmet() {
                                        option { value: "{u.id}", selected: meets_value == u.id.to_string(), "{n.description}" }
                                    }
                                }
                            }
                        }
                        label { class: "field", r#for: "panote", "{t::PA_NOTE}" }
                        {private_area("panote", &f.note, "", on, Msg::PaNote)}
                    },
                    ParticipationMode::FollowUp => rsx! {
                        label { class: "field", r#for: "patrial", "{t::PA_TRIAL}" }
                        select { id: "patrial", value: "{trial_value}",
                            onchange: move |e| on.call(Msg::PaTrial(ParticipationId::parse(&e.value()).ok())),
                            option { value: "", "—" }
                            for st in states.iter() {
                                if let ParticipationEntry::Trial { resource_name, .. } = &st.trial.entry {
                                    option { value: "{st.trial.id}", selected: trial_value == st.trial.id.to_string(), "{resource_name}" }
                                }
                            }
                        }
                        label { class: "field", "{t::PA_OUTCOME}" }
                        div { class: "choices",
                            for o in TrialOutcome::ALL { {choice(f.outcome, o, o.ja(), on, Msg::PaOutcome)} }
                        }
                        if f.outcome == Some(TrialOutcome::Stopped) {
                            label { class: "field", r#for: "pareason", "{t::PA_REASON}" }
                            {private_area("pareason", &f.reason, "", on, Msg::PaReason)}
                        }
                    },
                }
                for m in errors { p { class: "err", role: "alert", "{m}" } }
                div { class: "actions",
                    button { class: "primary", id: "pasave", disabled: f.busy, onclick: move |_| on.call(Msg::SaveParticipation), "{t::PA_SAVE}" }
                    button { onclick: move |_| on.call(Msg::OpenPerson(person)), "{t::BACK}" }
                }
            }
        }
    }
}
