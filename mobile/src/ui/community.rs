//! The 地域活動 screen (地域づくり, issue 18): the team's community
//! activities, newest first, and the form to log one — kind, 町丁, when,
//! the count of each role (never names), what was learned, follow-ups and
//! persons to find (aliases, one a line; each joins the caseload at 把握).

// The rsx! macro expands event handlers into qualified paths.
#![allow(unused_qualifications)]

use dioxus::prelude::*;

use super::components::{choice, private_area};
use crate::app::state::*;
use crate::app::text as t;
use crate::shared::ja::{self, Label};
use crate::shared::*;

fn err(f: &CommunityScreen, field: &str) -> Element {
    match f.error(field) {
        Some(m) => rsx! { p { class: "err", role: "alert", "{m}" } },
        None => rsx! {},
    }
}

pub(super) fn community(f: &CommunityScreen, on: EventHandler<Msg>) -> Element {
    let i = &f.input;
    let others: Vec<String> = f
        .errors
        .iter()
        .filter(|(p, _)| {
            ![
                "community.kind",
                "community.area",
                "community.held_at",
                "community.participants",
            ]
            .iter()
            .any(|k| p.starts_with(k))
        })
        .map(|(_, m)| m.clone())
        .collect();
    let list = f.activities.clone().unwrap_or_default();
    rsx! {
        section {
            h2 { "{t::CO_TITLE}" }
            p { class: "hint", "{t::CO_LEAD}" }
            div { class: "row",
                div { class: "card", id: "co-form",
                    h3 { "{t::CO_NEW}" }
                    label { class: "field", "{t::CO_KIND}" }
                    div { class: "choices",
                        for k in ActivityKind::ALL { {choice(i.kind, k, k.ja(), on, Msg::CoKind)} }
                    }
                    {err(f, "community.kind")}
                    label { class: "field", r#for: "coarea", "{t::CO_AREA}" }
                    select { id: "coarea", value: "{i.area}",
                        onchange: move |e| on.call(Msg::CoArea(e.value())),
                        option { value: "", "—" }
                        for a in AreaCode::all() {
                            option { value: "{a}", selected: i.area == a.to_string(), "{a.name_ja()}" }
                        }
                    }
                    {err(f, "community.area")}
                    label { class: "field", r#for: "codate", "{t::CO_WHEN}" }
                    div { class: "inline",
                        input { id: "codate", r#type: "text", value: "{i.date}", oninput: move |e| on.call(Msg::CoDate(e.value())) }
                        input { id: "cotime", r#type: "text", value: "{i.time}", oninput: move |e| on.call(Msg::CoTime(e.value())) }
                    }
                    {err(f, "community.held_at")}
                    label { class: "field", "{t::CO_PARTICIPANTS}" }
                    div { class: "counts",
                        for role in ParticipantRole::ALL {
                            label { class: "count",
                                span { "{role.ja()}" }
                                input { r#type: "text", inputmode: "numeric", size: "3",
                                    id: "co-{role.code()}",
                                    value: "{i.counts.get(&role).cloned().unwrap_or_default()}",
                                    oninput: move |e| on.call(Msg::CoCount(role, e.value())) }
                                span { "{t::CO_PEOPLE}" }
                            }
                        }
                    }
                    {err(f, "community.participants")}
                    label { class: "field", r#for: "colearned", "{t::CO_LEARNED}" }
                    {private_area("colearned", &i.learned, t::CO_LEARNED_HINT, on, Msg::CoLearned)}
                    label { class: "field", r#for: "cofollow", "{t::CO_FOLLOW_UP}" }
                    {private_area("cofollow", &i.follow_up, "", on, Msg::CoFollowUp)}
                    label { class: "field", r#for: "cofinds", "{t::CO_FINDS}" }
                    {private_area("cofinds", &i.finds, t::CO_FINDS_HINT, on, Msg::CoFinds)}
                    p { class: "hint", "{t::CO_FINDS_NOTE}" }
                    for m in others { p { class: "err", role: "alert", "{m}" } }
                    div { class: "actions",
                        button { class: "primary", id: "cosave", disabled: f.busy, onclick: move |_| on.call(Msg::SaveCommunity), "{t::CO_SAVE}" }
                    }
                }
                div { class: "card", id: "co-list",
                    if list.is_empty() { p { class: "meta", "{t::CO_NONE}" } }
                    ul { class: "activities",
                        for a in list.iter() {
                            li {
                                strong { "{a.kind.ja()}" }
                                if !a.persons_to_find.is_empty() {
                                    " "
                                    span { class: "badge", "{t::co_found_count(a.persons_to_find.len())}" }
                                }
                                span { class: "meta", " {ja::local_datetime(a.held_at)}　{a.area.name_ja()}" }
                                p { class: "meta",
                                    {a.participants.iter().map(|p| format!("{} {}{}", p.role.ja(), p.count, t::CO_PEOPLE)).collect::<Vec<_>>().join("・")}
                                }
                                p { "{a.learned}" }
                                if let Some(fu) = &a.follow_up { p { class: "meta", "{t::CO_FOLLOW_UP_SHORT}：{fu}" } }
                            }
                        }
                    }
                }
            }
        }
    }
}
