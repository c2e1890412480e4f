//! The form screens: a person (register, edit), a household member, a
//! contact, an escalation, the stage and consent. Each draws its form's
//! state and sends a [`Msg`] per tap; every free-text field that can hold a
//! name or a note keeps it out of the keyboard's memory.

// The rsx! macro expands event handlers into qualified paths.
#![allow(unused_qualifications)]

use dioxus::prelude::*;

use super::components::{choice, date_field, field_error, private_area, private_input, toggle};
use crate::app::state::*;
use crate::app::text as t;
use crate::shared::ja::{self, Label};
use crate::shared::*;

fn title_of(f: &PersonForm) -> &'static str {
    match f.mode {
        PersonFormMode::Register => t::REGISTER_TITLE,
        PersonFormMode::Edit(_) => t::EDIT_PROFILE_TITLE,
        PersonFormMode::Correct { .. } => t::CORRECT_TITLE,
    }
}

pub(super) fn person_form(f: &PersonForm, on: EventHandler<Msg>) -> Element {
    let i = &f.input;
    let back = match f.mode {
        PersonFormMode::Register => Msg::Go(Screen::Caseload),
        PersonFormMode::Edit(id) => Msg::OpenPerson(id),
        PersonFormMode::Correct { .. } => Msg::Go(Screen::Fixes),
    };
    let save = match f.mode {
        PersonFormMode::Register => t::REGISTER_SAVE,
        _ => t::SAVE,
    };
    let year_hint = i.birth_year_hint();
    let town = i.area.clone();
    let shown: Vec<String> = f
        .errors
        .iter()
        .filter(|(k, _)| !["birth_year", "area", "alias", "kana"].contains(&k.as_str()))
        .map(|(_, m)| m.clone())
        .collect();
    rsx! {
        section {
            h2 { "{title_of(f)}" }
            if f.mode == PersonFormMode::Register { p { class: "hint", "{t::REGISTER_LEAD}" } }
            if matches!(f.mode, PersonFormMode::Correct { .. }) { p { class: "notice error", "{t::FIX_CORRECTING}" } }
            div { class: "row",
                div {
                    label { class: "field", r#for: "alias", "{t::PF_ALIAS}" }
                    {private_input("alias", &i.alias, t::PF_ALIAS_HINT, on, Msg::PfAlias)}
                    {field_error(f.error("alias"))}
                }
                div {
                    label { class: "field", r#for: "kana", "{t::PF_KANA}" }
                    {private_input("kana", &i.kana, t::PF_KANA_HINT, on, Msg::PfKana)}
                    {field_error(f.error("kana"))}
                }
            }
            label { class: "field", "{t::PF_NOTICED_BY}" }
            div { class: "choices",
                for n in NoticedBy::ALL {
                    button { class: if i.noticed_by == Some(n) { "on" } else { "" }, aria_pressed: i.noticed_by == Some(n),
                        onclick: move |_| on.call(Msg::PfNoticedBy(Some(n))), "{n.ja()}" }
                }
            }
            div { class: "row",
                div {
                    label { class: "field", r#for: "area", "{t::PF_AREA}" }
                    select { id: "area", value: "{town}",
                        onchange: move |e| on.call(Msg::PfArea(e.value())),
                        option { value: "", "{t::PF_AREA_NONE}" }
                        for a in AreaCode::all() {
                            option { value: "{a}", selected: town == a.to_string(), "{a.name_ja()}" }
                        }
                    }
                    {field_error(f.error("area"))}
                }
                div {
                    label { class: "field", r#for: "birth", "{t::PF_BIRTH_YEAR}" }
                    input { id: "birth", r#type: "text", value: "{i.birth_year}", placeholder: "{t::PF_BIRTH_YEAR_HINT}",
                        autocomplete: "off", autocorrect: "off", spellcheck: "false",
                        oninput: move |e| on.call(Msg::PfBirthYear(e.value())) }
                    div { class: "choices",
                        button { class: if i.approximate { "on" } else { "" }, aria_pressed: i.approximate,
                            onclick: move |_| on.call(Msg::PfToggleApproximate), "{t::PF_APPROXIMATE}" }
                    }
                    match year_hint {
                        Some(Ok(words)) => rsx! { p { class: "hint era", "{words}" } },
                        Some(Err(m)) => rsx! { p { class: "err", role: "alert", "{m}" } },
                        None => rsx! {},
                    }
                    {field_error(f.error("birth_year"))}
                }
            }
            label { class: "field", "{t::PF_SEX}" }
            div { class: "choices",
                for x in Sex::ALL {
                    button { class: if i.sex == Some(x) { "on" } else { "" }, aria_pressed: i.sex == Some(x),
                        onclick: move |_| on.call(Msg::PfSex(Some(x))), "{x.ja()}" }
                }
            }
            label { class: "field", "{t::PF_FIELDS}" }
            div { class: "choices",
                for x in LifeField::ALL { {toggle(i.fields.contains(&x), x, x.ja(), on, Msg::PfToggleField)} }
            }
            label { class: "field", "{t::PF_TAGS}" }
            div { class: "choices",
                for x in CrossTag::ALL { {toggle(i.tags.contains(&x), x, x.ja(), on, Msg::PfToggleTag)} }
            }
            if i.tags.contains(&CrossTag::SchemeGap) {
                div { class: "card",
                    label { class: "field", "{t::PF_GAP_SCHEMES}" }
                    div { class: "choices",
                        for x in Scheme::ALL { {toggle(i.gap_schemes.contains(&x), x, x.ja(), on, Msg::PfToggleGapScheme)} }
                    }
                    label { class: "field", r#for: "gapwhy", "{t::PF_GAP_WHY}" }
                    {private_area("gapwhy", &i.gap_why, "", on, Msg::PfGapWhy)}
                }
            }
            label { class: "field", r#for: "summary", "{t::PF_SUMMARY}" }
            {private_area("summary", &i.summary, "", on, Msg::PfSummary)}
            for m in shown { p { class: "err", role: "alert", "{m}" } }
            div { class: "actions sticky-save",
                button { class: "primary", disabled: f.busy, onclick: move |_| on.call(Msg::SavePerson), "{save}" }
                button { onclick: move |_| on.call(back.clone()), "{t::CANCEL}" }
            }
        }
    }
}

pub(super) fn member_form(f: &MemberForm, on: EventHandler<Msg>) -> Element {
    let i = &f.input;
    let title = if f.member_id.is_some() {
        t::MEMBER_TITLE_EDIT
    } else {
        t::MEMBER_TITLE_NEW
    };
    let back = match f.replaces {
        Some(_) => Msg::Go(Screen::Fixes),
        None => Msg::OpenPerson(f.person_id),
    };
    let year = i.birth_year_hint();
    let others: Vec<String> = f
        .errors
        .iter()
        .filter(|(k, _)| !["member.relation", "member.birth_year"].contains(&k.as_str()))
        .map(|(_, m)| m.clone())
        .collect();
    rsx! {
        section {
            h2 { "{title}：{f.alias}" }
            if f.replaces.is_some() { p { class: "notice error", "{t::FIX_CORRECTING}" } }
            label { class: "field", "{t::MF_RELATION}" }
            div { class: "choices",
                for r in Relation::ALL { {choice(i.relation, r, r.ja(), on, Msg::MfRelation)} }
            }
            {field_error(f.error("member.relation"))}
            div { class: "row",
                div {
                    label { class: "field", r#for: "malias", "{t::MF_ALIAS}" }
                    {private_input("malias", &i.alias, "", on, Msg::MfAlias)}
                }
                div {
                    label { class: "field", r#for: "mbirth", "{t::MF_BIRTH_YEAR}" }
                    input { id: "mbirth", r#type: "text", value: "{i.birth_year}", placeholder: "{t::PF_BIRTH_YEAR_HINT}",
                        autocomplete: "off", autocorrect: "off", spellcheck: "false",
                        oninput: move |e| on.call(Msg::MfBirthYear(e.value())) }
                    div { class: "choices",
                        button { class: if i.approximate { "on" } else { "" }, aria_pressed: i.approximate,
                            onclick: move |_| on.call(Msg::MfToggleApproximate), "{t::PF_APPROXIMATE}" }
                    }
                    match year {
                        Some(Ok(words)) => rsx! { p { class: "hint era", "{words}" } },
                        Some(Err(m)) => rsx! { p { class: "err", role: "alert", "{m}" } },
                        None => rsx! {},
                    }
                    {field_error(f.error("member.birth_year"))}
                }
            }
            div { class: "choices",
                button { class: if i.lives_together { "on" } else { "" }, aria_pressed: i.lives_together,
                    onclick: move |_| on.call(Msg::MfToggleLivesTogether), "{t::MF_LIVES_TOGETHER}" }
            }
            if !f.persons.is_empty() || i.person.is_some() {
                label { class: "field", r#for: "mperson", "{t::MF_PERSON}" }
                select { id: "mperson",
                    onchange: move |e| on.call(Msg::MfPerson(e.value().parse().ok())),
                    option { value: "", selected: i.person.is_none(), "{t::MF_PERSON_NONE}" }
                    for (id, alias) in f.persons.iter() {
                        option { value: "{id}", selected: i.person == Some(*id), "{alias}" }
                    }
                    // Linked to a person this tablet does not hold.
                    if let Some(other) = i.person.filter(|p| !f.persons.iter().any(|(id, _)| id == p)) {
                        option { value: "{other}", selected: true, "{crate::shared::access::MemberShown::OtherTeam.ja()}" }
                    }
                }
                p { class: "hint", "{t::MF_PERSON_HINT}" }
            }
            label { class: "field", r#for: "mnote", "{t::MF_NOTE}" }
            {private_area("mnote", &i.note, "", on, Msg::MfNote)}
            for m in others { p { class: "err", role: "alert", "{m}" } }
            if f.confirm_remove {
                div { class: "card",
                    p { class: "err", role: "alert", "{t::REMOVE_MEMBER_CONFIRM}" }
                    div { class: "actions",
                        button { class: "danger primary", disabled: f.busy, onclick: move |_| on.call(Msg::RemoveMemberConfirmed), "{t::REMOVE_YES}" }
                        button { onclick: move |_| on.call(Msg::RemoveMemberCancelled), "{t::CANCEL}" }
                    }
                }
            }
            div { class: "actions sticky-save",
                button { class: "primary", disabled: f.busy, onclick: move |_| on.call(Msg::SaveMember), "{t::SAVE}" }
                button { onclick: move |_| on.call(back.clone()), "{t::CANCEL}" }
                if f.member_id.is_some() && !f.confirm_remove {
                    button { class: "danger", onclick: move |_| on.call(Msg::RemoveMemberRequested), "{t::REMOVE_MEMBER}" }
                }
            }
        }
    }
}

pub(super) fn contact_form(f: &ContactForm, on: EventHandler<Msg>) -> Element {
    let i = &f.input;
    let other_errors: Vec<String> = f
        .errors
        .iter()
        .filter(|(k, _)| {
            ![
                "met",
                "response",
                "safety.accompaniment",
                "occurred_at",
                "next_action.due",
                "duration_minutes",
            ]
            .contains(&k.as_str())
        })
        .map(|(_, m)| m.clone())
        .collect();
    let back = match f.replaces {
        Some(_) => Msg::Go(Screen::Fixes),
        None => Msg::OpenPerson(f.person_id),
    };
    rsx! {
        section {
            h2 { "{t::CONTACT_TITLE}：{f.alias}" }
            if f.replaces.is_some() { p { class: "notice error", "{t::FIX_CORRECTING}" } }
            div { class: "row",
                div {
                    {date_field("when", t::WHEN, &i.date, on, Msg::ContactDate)}
                    {field_error(f.error("occurred_at"))}
                }
                div {
                    label { class: "field", r#for: "time", "{t::TIME}" }
                    input { id: "time", r#type: "time", value: "{i.time}", oninput: move |e| on.call(Msg::ContactTime(e.value())) }
                }
                div {
                    label { class: "field", r#for: "minutes", "{t::DURATION}" }
                    input { id: "minutes", r#type: "number", inputmode: "numeric", value: "{i.duration}", oninput: move |e| on.call(Msg::ContactDuration(e.value())) }
                    {field_error(f.error("duration_minutes"))}
                }
            }
            label { class: "field", "{t::HOW}" }
            div { class: "choices",
                for m in ContactMethod::ALL { {choice(Some(i.method), m, m.ja(), on, Msg::ContactHow)} }
            }
            label { class: "field", "{t::MET}" }
            div { class: "choices",
                for m in MetWhom::ALL { {choice(i.met, m, m.ja(), on, Msg::ContactMet)} }
            }
            {field_error(f.error("met"))}
            if i.met == Some(MetWhom::Person) {
                label { class: "field", "{t::RESPONSE}" }
                div { class: "choices",
                    for r in PersonResponse::ALL { {choice(i.response, r, r.ja(), on, Msg::ContactResponse)} }
                }
                {field_error(f.error("response"))}
            }
            label { class: "field", "{t::ACCOMPANIMENT}" }
            div { class: "choices",
                for a in Accompaniment::ALL { {choice(i.accompaniment, a, a.ja(), on, Msg::ContactAccompaniment)} }
            }
            {field_error(f.error("safety.accompaniment"))}
            label { class: "field", r#for: "obs", "{t::OBSERVATION}" }
            {private_area("obs", &i.observation, t::OBSERVATION_HINT, on, Msg::ContactObservation)}
            {field_error(f.error("observation"))}
            label { class: "field", "{t::DANGER}" }
            div { class: "choices",
                for d in DangerSign::ALL { {toggle(i.danger_signs.contains(&d), d, d.ja(), on, Msg::ToggleDanger)} }
                button { class: if i.life_threatening { "on danger" } else { "danger" }, aria_pressed: i.life_threatening,
                    onclick: move |_| on.call(Msg::ToggleLifeThreatening), "{t::LIFE_THREATENING}" }
            }
            if i.life_threatening { div { class: "emergency", role: "alert", "{t::LIFE_THREATENING_WARNING}" } }
            div { class: "row",
                div {
                    label { class: "field", r#for: "next", "{t::NEXT}" }
                    {private_input("next", &i.next_what, "", on, Msg::ContactNextWhat)}
                    {field_error(f.error("next_action.what"))}
                }
                div {
                    {date_field("due", t::NEXT_DUE_LABEL, &i.next_due, on, Msg::ContactNextDue)}
                    {field_error(f.error("next_action.due"))}
                }
            }
            details {
                summary { "{t::REFLECTION}" }
                label { class: "field", "{t::DIFFICULTY}" }
                div { class: "choices",
                    for d in 1u8..=5 {
                        button { class: if i.difficulty == Some(d) { "on" } else { "" }, onclick: move |_| on.call(Msg::ContactDifficulty(d)), "{d}" }
                    }
                }
                textarea { aria_label: "{t::REFLECTION}", value: "{i.reflection}",
                    autocomplete: "off", autocorrect: "off", spellcheck: "false", autocapitalize: "off",
                    oninput: move |e| on.call(Msg::ContactReflection(e.value())) }
                div { class: "choices",
                    button { class: if i.wants_to_talk { "on" } else { "" }, onclick: move |_| on.call(Msg::ToggleWantsToTalk), "{t::WANTS_TO_TALK}" }
                }
            }
            for m in other_errors { p { class: "err", role: "alert", "{m}" } }
            div { class: "actions sticky-save",
                button { class: "primary", disabled: f.busy, onclick: move |_| on.call(Msg::SaveContact), "{t::SAVE}" }
                button { onclick: move |_| on.call(back.clone()), "{t::CANCEL}" }
            }
        }
    }
}

pub(super) fn escalation(f: &EscalationForm, on: EventHandler<Msg>) -> Element {
    let route = f.route();
    let back = match f.replaces {
        Some(_) => Msg::Go(Screen::Fixes),
        None => Msg::OpenPerson(f.person_id),
    };
    rsx! {
        section {
            h2 { "{t::ESCALATE_TITLE}：{f.alias}" }
            if f.replaces.is_some() { p { class: "notice error", "{t::FIX_CORRECTING}" } }
            if f.urgency == Urgency::Emergency { div { class: "emergency", role: "alert", "{t::EMERGENCY_BANNER}" } }
            div { class: "route",
                p { "{t::ROUTE}：" strong { "{route.ja()}" } }
                p { "{f.route_reason()}" }
            }
            if f.household_offered {
                div { class: "choices",
                    {
                        let on_now = f.for_household;
                        rsx! {
                            button { id: "for-household", class: if on_now { "on" } else { "" }, aria_pressed: on_now,
                                onclick: move |_| on.call(Msg::EscForHousehold(!on_now)), "{t::FOR_HOUSEHOLD}" }
                        }
                    }
                }
            }
            label { class: "field", "{t::URGENCY}" }
            div { class: "choices",
                for u in Urgency::ALL {
                    button { class: match (f.urgency == u, u) { (true, Urgency::Emergency) => "on danger", (true, _) => "on", (false, Urgency::Emergency) => "danger", _ => "" },
                        aria_pressed: f.urgency == u, onclick: move |_| on.call(Msg::EscUrgency(u)), "{u.ja()}" }
                }
            }
            label { class: "field", r#for: "reason", "{t::REASON}" }
            {private_area("reason", &f.reason, t::REASON_HINT, on, Msg::EscReason)}
            label { class: "field", "{t::FIELDS}" }
            div { class: "choices",
                for x in LifeField::ALL { {toggle(f.fields.contains(&x), x, x.ja(), on, Msg::EscToggleField)} }
            }
            label { class: "field", "{t::TAGS}" }
            div { class: "choices",
                for x in CrossTag::ALL { {toggle(f.tags.contains(&x), x, x.ja(), on, Msg::EscToggleTag)} }
            }
            label { class: "field", "{t::AGENCIES}" }
            div { class: "choices",
                for a in AGENCIES {
                    button { class: if f.agencies.contains(&AgencyId::new(a.id)) { "on" } else { "" },
                        onclick: move |_| on.call(Msg::EscToggleAgency(AgencyId::new(a.id))), "{a.name}" }
                }
            }
            for (_, m) in f.errors.iter() { p { class: "err", role: "alert", "{m}" } }
            div { class: "actions sticky-save",
                button { class: if f.urgency == Urgency::Emergency { "primary danger" } else { "primary" }, disabled: f.busy,
                    onclick: move |_| on.call(Msg::SubmitEscalation), "{t::SEND_ESCALATION}" }
                button { onclick: move |_| on.call(back.clone()), "{t::CANCEL}" }
            }
        }
    }
}

pub(super) fn stage_consent(f: &StageConsentForm, on: EventHandler<Msg>) -> Element {
    let next = f.stage.next_stages();
    let back = match f.replaces {
        Some(_) => Msg::Go(Screen::Fixes),
        None => Msg::OpenPerson(f.person_id),
    };
    let agency_value = f
        .handed_agency
        .as_ref()
        .map(|a| a.0.clone())
        .unwrap_or_default();
    let consent_now = match f.consent.date {
        Some(d) => format!("{}（{}）", f.consent.status.ja(), ja::era_date(d)),
        None => f.consent.status.ja().to_owned(),
    };
    let errors: Vec<String> = f.errors.iter().map(|(_, m)| m.clone()).collect();
    rsx! {
        section {
            h2 { "{t::STAGE_TITLE}：{f.alias}" }
            if f.replaces.is_some() { p { class: "notice error", "{t::FIX_CORRECTING}" } }
            div { class: "card",
                h3 { "{t::STAGE}：{ja::stage_with_note(f.stage, f.stage_note.as_ref())}" }
                if f.stage == Stage::Closed { p { class: "hint", "{t::REOPEN_NOTE}" } }
                label { class: "field", "{t::NEXT_STAGES}" }
                if next.is_empty() { p { class: "hint", "{t::NO_NEXT_STAGES}" } }
                div { class: "choices",
                    for st in next {
                        button { class: if f.chosen == Some(st) { "on" } else { "" }, disabled: f.busy,
                            onclick: move |_| on.call(Msg::ChooseStage(st)), "{st.ja()}" }
                    }
                }
                if let Some(to) = f.chosen {
                    div { class: "card stage-note",
                        label { class: "field", r#for: "stagereason", "{t::STAGE_REASON}" }
                        {private_area("stagereason", &f.reason,
                            if to == Stage::HandedOn { t::STAGE_REASON_HANDED_HINT } else { t::STAGE_REASON_CLOSED_HINT },
                            on, Msg::StageReason)}
                        if to == Stage::HandedOn {
                            label { class: "field", r#for: "handedagency", "{t::HANDED_TO}" }
                            select { id: "handedagency", aria_label: "{t::HANDED_AGENCY}", value: "{agency_value}",
                                onchange: move |e| { let v = e.value(); on.call(Msg::StageHandedAgency((!v.is_empty()).then_some(AgencyId(v)))) },
                                option { value: "", "{t::HANDED_AGENCY}" }
                                for a in AGENCIES {
                                    option { value: "{a.id}", selected: agency_value == a.id, "{a.name}" }
                                }
                            }
                            if !f.resource_names.is_empty() {
                                select { id: "handedcatalogue", aria_label: "{t::HANDED_CATALOGUE}",
                                    onchange: move |e| on.call(Msg::StageHandedResource(e.value())),
                                    option { value: "", "{t::HANDED_CATALOGUE}" }
                                    for n in f.resource_names.iter() {
                                        option { value: "{n}", selected: f.handed_resource == *n, "{n}" }
                                    }
                                }
                            }
                            label { class: "field", r#for: "handedres", "{t::HANDED_RESOURCE}" }
                            {private_input("handedres", &f.handed_resource, "", on, Msg::StageHandedResource)}
                        }
                        div { class: "actions",
                            button { class: "primary", disabled: f.busy, onclick: move |_| on.call(Msg::ConfirmStage), "{t::stage_to(to.ja())}" }
                            button { onclick: move |_| on.call(Msg::CancelStage), "{t::CANCEL}" }
                        }
                    }
                }
            }
            div { class: "card",
                h3 { "{t::CONSENT}：{consent_now}" }
                {date_field("consentdate", t::CONSENT_DATE, &f.consent_date, on, Msg::ConsentDate)}
                label { class: "field", "{t::CONSENT_SCOPE}" }
                div { class: "choices",
                    for x in ConsentScope::ALL { {toggle(f.scope.contains(&x), x, x.ja(), on, Msg::ToggleScope)} }
                }
                div { class: "actions",
                    button { disabled: f.busy, onclick: move |_| on.call(Msg::GiveConsent(ConsentStatus::Verbal)), "{t::CONSENT_VERBAL}" }
                    button { disabled: f.busy, onclick: move |_| on.call(Msg::GiveConsent(ConsentStatus::Written)), "{t::CONSENT_WRITTEN}" }
                    if f.consent.status.is_given() {
                        button { class: "danger", disabled: f.busy, onclick: move |_| on.call(Msg::WithdrawConsent), "{t::CONSENT_WITHDRAW}" }
                    }
                }
            }
            for m in errors { p { class: "err", role: "alert", "{m}" } }
            div { class: "actions",
                button { onclick: move |_| on.call(back.clone()), "{t::BACK}" }
            }
        }
    }
}
