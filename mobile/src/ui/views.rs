//! The screens, drawn from [`AppState`] alone. Every tap sends a [`Msg`].
//! Here: the frame (header, sync bar, notices) and the screens that show
//! records (first run, PIN pad, caseload, a person, returned logs,
//! settings); the forms are in `forms.rs`, the 要修正 screen in `fixes.rs`,
//! a case's outcome on the person page in `case_outcome.rs`.

// The rsx! macro expands event handlers into qualified paths.
#![allow(unused_qualifications)]

use dioxus::prelude::*;

use super::case_outcome::{case_outcome, find_requests};
use super::fixes::fixes;
use super::forms::{contact_form, escalation, member_form, person_form, stage_consent};
use super::participation::participation;
use crate::app::state::*;
use crate::app::text as t;
use crate::model::*;
use crate::shared::access::MemberShown;
use crate::shared::ja::{self, Label};
use crate::shared::*;
use crate::sync::SyncPhase;

/// The whole app for one state.
#[component]
pub fn Shell(state: AppState, on: EventHandler<Msg>) -> Element {
    let s = &state;
    rsx! {
        div { class: "app",
            {header(s, on)}
            if s.shows_content() {
                {sync_bar(&s.sync, on)}
                {visit_banner(s, on)}
            }
            main {
                {notice(s, on)}
                {screen(s, on)}
            }
        }
    }
}

fn header(s: &AppState, on: EventHandler<Msg>) -> Element {
    let tab = |screen: Screen, label: &'static str| {
        let current = s.screen == screen
            || (screen == Screen::Caseload
                && matches!(
                    s.screen,
                    Screen::Person(_)
                        | Screen::PersonForm
                        | Screen::MemberForm
                        | Screen::LogContact
                        | Screen::Escalate
                        | Screen::StageConsent
                        | Screen::Participation
                ));
        rsx! {
            button {
                class: if current { "current" } else { "" },
                onclick: move |_| on.call(Msg::Go(screen)),
                "{label}"
            }
        }
    };
    rsx! {
        header { class: "top",
            h1 { "{t::APP_TITLE}" }
            if s.shows_content() {
                nav { class: "tabs",
                    {tab(Screen::Caseload, t::NAV_CASELOAD)}
                    {tab(Screen::Community, t::COMMUNITY)}
                    {tab(Screen::Returned, t::NAV_RETURNED)}
                    {tab(Screen::Settings, t::NAV_SETTINGS)}
                }
            }
        }
    }
}

fn sync_bar(b: &SyncBar, on: EventHandler<Msg>) -> Element {
    let last = b
        .last_success
        .map(|at| t::sync_last(&ja::local_datetime(at)))
        .unwrap_or_else(|| t::SYNC_NEVER.into());
    let state = match &b.progress {
        Some(p) => {
            let phase = match p.phase {
                SyncPhase::Waiting => t::SYNC_WAITING_RETRY,
                _ => t::SYNCING,
            };
            format!(
                "{phase} {}",
                t::sync_progress(p.pushed, p.to_push, p.pulled)
            )
        }
        None => last,
    };
    rsx! {
        div { class: "syncbar", role: "status",
            span { class: "state", "{state}" }
            if b.pending > 0 {
                span { class: "pending", "{t::sync_pending(b.pending)}" }
            } else {
                span { "{t::SYNC_ALL_SENT}" }
            }
            if b.rejected > 0 {
                button { class: "rejected", onclick: move |_| on.call(Msg::Go(Screen::Fixes)),
                    "{t::sync_rejected(b.rejected)}" }
            }
            if let Some(e) = &b.error {
                span { class: "error", "{e}" }
            }
            button {
                disabled: b.syncing(),
                onclick: move |_| on.call(Msg::SyncNow),
                "{t::SYNC_NOW}"
            }
        }
    }
}

/// The visit in progress (lone-worker check): who and until when, with
/// 「訪問終了」; past the expected end, a red reminder.
fn visit_banner(s: &AppState, on: EventHandler<Msg>) -> Element {
    let Some(v) = &s.visit.open else {
        return rsx! {};
    };
    let alias = s.visit_alias().unwrap_or(t::VISIT_SOMEONE);
    let end = ja::local_time(v.expected_end);
    let (class, text) = if s.visit.due {
        ("visitbar due", t::visit_due(alias, &end))
    } else {
        ("visitbar", t::visit_in_progress(alias, &end))
    };
    let busy = s.visit.busy;
    rsx! {
        div { class: "{class}", role: if s.visit.due { "alert" } else { "status" },
            p { "{text}" }
            button { class: "primary", disabled: busy, onclick: move |_| on.call(Msg::FinishVisit), "{t::VISIT_FINISH}" }
        }
    }
}

fn notice(s: &AppState, on: EventHandler<Msg>) -> Element {
    let Some(n) = &s.notice else { return rsx! {} };
    rsx! {
        div { class: if n.error { "notice error" } else { "notice" }, role: "alert",
            p { "{n.text}" }
            button { aria_label: "閉じる", onclick: move |_| on.call(Msg::DismissNotice), "×" }
        }
    }
}

fn screen(s: &AppState, on: EventHandler<Msg>) -> Element {
    match s.screen {
        Screen::Setup => setup(&s.setup, on),
        Screen::Unlock => unlock(&s.pin, on),
        Screen::Caseload => caseload(s, on),
        Screen::Person(_) => person(s, on),
        Screen::LogContact => match &s.contact {
            Some(f) => contact_form(f, on),
            None => rsx! {},
        },
        Screen::Escalate => match &s.escalation {
            Some(f) => escalation(f, on),
            None => rsx! {},
        },
        Screen::StageConsent => match &s.stage_form {
            Some(f) => stage_consent(f, on),
            None => rsx! {},
        },
        Screen::PersonForm => match &s.person_form {
            Some(f) => person_form(f, on),
            None => rsx! {},
        },
        Screen::MemberForm => match &s.member_form {
            Some(f) => member_form(f, on),
            None => rsx! {},
        },
        Screen::Participation => match &s.participation {
            Some(f) => participation(f, on),
            None => rsx! {},
        },
        Screen::Community => super::community::community(&s.community, on),
        Screen::Fixes => fixes(&s.fixes, on),
        Screen::Returned => returned(s, on),
        Screen::Settings => settings(s, on),
    }
}

fn setup(f: &SetupForm, on: EventHandler<Msg>) -> Element {
    let err = f.error.clone();
    if !f.pin_step {
        let qr_text = f.qr.clone();
        return rsx! {
            section { class: "card", id: "setup-qr",
                h2 { "{t::SETUP_TITLE}" }
                h3 { "{t::SETUP_QR_TITLE}" }
                p { "{t::SETUP_QR_LEAD}" }
                if super::scanner::CAMERA {
                    super::scanner::QrScanner { on_text: move |text| on.call(Msg::SetupQrRead(text)) }
                }
                label { class: "field", r#for: "qr", "{t::SETUP_QR_TEXT}" }
                input { id: "qr", r#type: "text", value: "{f.qr}", placeholder: "hamura-outreach://enrol?…",
                    autocomplete: "off", autocorrect: "off", spellcheck: "false", autocapitalize: "off",
                    oninput: move |e| on.call(Msg::SetupQr(e.value())) }
                div { class: "actions",
                    button { id: "qr-use", onclick: move |_| on.call(Msg::SetupQrRead(qr_text.clone())), "{t::SETUP_QR_USE}" }
                }
            }
            section { class: "card",
                h3 { "{t::SETUP_MANUAL_TITLE}" }
                p { "{t::SETUP_LEAD}" }
                label { class: "field", r#for: "server", "{t::SETUP_SERVER}" }
                input { id: "server", r#type: "text", inputmode: "url", value: "{f.server}", placeholder: "https://",
                    oninput: move |e| on.call(Msg::SetupServer(e.value())) }
                label { class: "field", r#for: "code", "{t::SETUP_CODE}" }
                input { id: "code", r#type: "text", value: "{f.code}", autocomplete: "off",
                    oninput: move |e| on.call(Msg::SetupCode(e.value())) }
                if let Some(e) = err { p { class: "err", role: "alert", "{e}" } }
                div { class: "actions",
                    button { class: "primary", onclick: move |_| on.call(Msg::SetupNext), "{t::SETUP_NEXT}" }
                }
            }
        };
    }
    rsx! {
        section { class: "card",
            h2 { "{t::SETUP_PIN_TITLE}" }
            p { "{t::SETUP_PIN_LEAD}" }
            label { class: "field", r#for: "pin", "{t::SETUP_PIN}" }
            input { id: "pin", r#type: "password", inputmode: "numeric", value: "{f.pin}", autocomplete: "new-password",
                oninput: move |e| on.call(Msg::SetupPin(e.value())) }
            label { class: "field", r#for: "pin2", "{t::SETUP_PIN_CONFIRM}" }
            input { id: "pin2", r#type: "password", inputmode: "numeric", value: "{f.pin_confirm}", autocomplete: "new-password",
                oninput: move |e| on.call(Msg::SetupPinConfirm(e.value())) }
            if let Some(e) = err { p { class: "err", role: "alert", "{e}" } }
            div { class: "actions",
                button { class: "primary", disabled: f.busy, onclick: move |_| on.call(Msg::SetupSubmit),
                    if f.busy { "{t::SETUP_BUSY}" } else { "{t::SETUP_SUBMIT}" }
                }
            }
        }
    }
}

fn unlock(p: &PinPad, on: EventHandler<Msg>) -> Element {
    let dots = "●".repeat(p.digits.chars().count());
    let disabled = p.busy || p.destroyed;
    let key = |d: char| {
        rsx! {
            button { disabled, onclick: move |_| on.call(Msg::PinDigit(d)), "{d}" }
        }
    };
    rsx! {
        section { class: "pinpad",
            h2 { "{t::UNLOCK_TITLE}" }
            div { class: "dots", aria_label: "入力した桁数", "{dots}" }
            if let Some(e) = &p.error { p { class: "err", role: "alert", "{e}" } }
            if p.wait_secs > 0 { p { class: "hint", role: "status", {t::unlock_wait(p.wait_secs)} } }
            if p.busy { p { class: "hint", "{t::UNLOCK_BUSY}" } }
            div { class: "keys",
                {key('1')} {key('2')} {key('3')}
                {key('4')} {key('5')} {key('6')}
                {key('7')} {key('8')} {key('9')}
                button { disabled, onclick: move |_| on.call(Msg::PinClear), "{t::UNLOCK_CLEAR}" }
                {key('0')}
                button { class: "primary", disabled, onclick: move |_| on.call(Msg::PinSubmit), "{t::UNLOCK_BUTTON}" }
            }
        }
    }
}

pub(super) fn stage_badge(stage: Stage) -> Element {
    let class = match stage {
        Stage::Paused(_) => "badge paused",
        Stage::Closed => "badge closed",
        _ => "badge",
    };
    rsx! { span { class, "{stage.ja()}" } }
}

fn caseload(s: &AppState, on: EventHandler<Msg>) -> Element {
    let f = &s.filter;
    let entries = s.visible_caseload();
    let overdue = s.caseload.as_ref().map(|c| c.overdue).unwrap_or(0);
    let stage_value = f.stage.clone().unwrap_or_default();
    let field_value = f.field.map(|x| code_of(&x)).unwrap_or_default();
    let town_value = f.town.clone().unwrap_or_default();
    rsx! {
        section {
            h2 { "{t::CASELOAD_TITLE}"
                if overdue > 0 { span { class: "badge danger", "{t::overdue_count(overdue)}" } }
            }
            div { class: "actions",
                button { class: "primary", onclick: move |_| on.call(Msg::StartRegister), "{t::REGISTER}" }
            }
            div { class: "filters",
                input { r#type: "search", placeholder: "{t::SEARCH_PLACEHOLDER}", aria_label: "{t::SEARCH_PLACEHOLDER}", value: "{f.query}",
                    autocomplete: "off", autocorrect: "off", spellcheck: "false", autocapitalize: "off",
                    oninput: move |e| on.call(Msg::Search(e.value())) }
                select { aria_label: "段階", value: "{stage_value}",
                    onchange: move |e| { let v = e.value(); on.call(Msg::FilterStage((!v.is_empty()).then_some(v))) },
                    option { value: "", "{t::FILTER_ALL_STAGES}" }
                    for st in Stage::PATH {
                        option { value: "{st.code()}", selected: stage_value == st.code(), "{st.ja()}" }
                    }
                    option { value: "paused", selected: stage_value == "paused", "{t::FILTER_PAUSED}" }
                }
                select { aria_label: "分野", value: "{field_value}",
                    onchange: move |e| { let v = e.value(); on.call(Msg::FilterField(LifeField::ALL.into_iter().find(|x| code_of(x) == v))) },
                    option { value: "", "{t::FILTER_ALL_FIELDS}" }
                    for lf in LifeField::ALL {
                        option { value: "{code_of(&lf)}", selected: field_value == code_of(&lf), "{lf.ja()}" }
                    }
                }
                select { aria_label: "地区", value: "{town_value}",
                    onchange: move |e| { let v = e.value(); on.call(Msg::FilterTown((!v.is_empty()).then_some(v))) },
                    option { value: "", "{t::FILTER_ALL_AREAS}" }
                    for a in AREAS {
                        option { value: "{a.code}", selected: town_value == a.code, "{a.name}" }
                    }
                }
                div { class: "choices",
                    button { class: if f.overdue_only { "on" } else { "" }, onclick: move |_| on.call(Msg::ToggleOverdue), "{t::FILTER_OVERDUE}" }
                    button { class: if f.whole_team { "on" } else { "" }, onclick: move |_| on.call(Msg::ToggleWholeTeam), "{t::FILTER_WHOLE_TEAM}" }
                }
            }
            if s.caseload.is_some() && entries.is_empty() {
                p { class: "hint", "{t::CASELOAD_EMPTY}" }
            }
            if f.stage.is_none() && f.query.trim().is_empty() {
                p { class: "hint", "{t::CLOSED_HINT}" }
            }
            ul { class: "caseload",
                for e in entries {
                    {caseload_row(e, on)}
                }
            }
        }
    }
}

fn caseload_row(e: &CaseloadEntry, on: EventHandler<Msg>) -> Element {
    let id = e.person.id;
    let last = e
        .last_contact_at
        .map(|at| format!("{} {}", t::LAST_CONTACT, ja::era_date(ja::local_date(at))))
        .unwrap_or_else(|| t::NO_CONTACT_YET.into());
    let due = match &e.next_action {
        Some(n) if e.overdue => format!(
            "{} {}（{}）",
            t::NEXT_DUE,
            ja::era_date(n.due),
            t::overdue(e.days_overdue)
        ),
        Some(n) => format!("{} {}", t::NEXT_DUE, ja::era_date(n.due)),
        None => t::NO_NEXT.into(),
    };
    let area = e
        .person
        .area
        .as_ref()
        .map(|a| a.name_ja())
        .unwrap_or_default();
    let fields: Vec<&str> = e
        .person
        .fields
        .iter()
        .map(|f| f.ja())
        .chain(e.person.tags.iter().map(|x| x.ja()))
        .collect();
    let fields = fields.join("・");
    let cases: Vec<String> = e
        .open_cases
        .iter()
        .map(|c| {
            c.status
                .as_ref()
                .map(|v| format!("{}：{}", v.route.ja(), v.status.ja()))
                .unwrap_or_else(|| t::CASE_STATUS_UNKNOWN.into())
        })
        .collect();
    rsx! {
        li { key: "{id}", class: if e.overdue { "overdue" } else { "" },
            button { class: "person", onclick: move |_| on.call(Msg::OpenPerson(id)),
                span { span { class: "alias", "{e.person.alias}" } {stage_badge(e.person.stage)}
                    if let Some(to) = e.person.stage_note.as_ref().and_then(|n| n.handed_to.as_ref()) {
                        span { class: "meta", "→ {ja::handed_to(to)}" }
                    }
                    if e.safety_concern { span { class: "badge danger", "{t::SAFETY_MARK}" } }
                }
                span { class: if e.overdue { "due overdue" } else { "due" }, "{due}" }
                span { class: "meta", "{area}　{fields}" }
                span { class: "meta", "{last}" }
                for c in cases { span { class: "meta", "多機関協働 {c}" } }
            }
        }
    }
}

fn code_of<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|x| x.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn or_not_set(v: Option<String>) -> String {
    v.unwrap_or_else(|| t::NOT_SET.into())
}

fn person(s: &AppState, on: EventHandler<Msg>) -> Element {
    let Some(tl) = &s.timeline else {
        return rsx! { p { class: "hint", "読み込んでいます…" } };
    };
    let p = &tl.person;
    let consent = &p.consent;
    let consent_text = match consent.date {
        Some(d) => format!("{}（{}）", consent.status.ja(), ja::era_date(d)),
        None => consent.status.ja().to_owned(),
    };
    let scope: Vec<&str> = consent.scope.iter().map(|x| x.ja()).collect();
    let fields: Vec<&str> = p.fields.iter().map(|f| f.ja()).collect();
    let tags: Vec<&str> = p.tags.iter().map(|f| f.ja()).collect();
    let label = ja::field_label;
    let a = &tl.assignment;
    let assigned = if a.to_me {
        t::ASSIGNED_ME.to_owned()
    } else if p.assigned_worker.is_none() {
        t::ASSIGNED_NOBODY.to_owned()
    } else {
        a.name
            .clone()
            .unwrap_or_else(|| t::ASSIGNED_TEAMMATE.into())
    };
    let visiting_here = s.visit.open.as_ref().is_some_and(|v| v.person_id == p.id);
    let finished_here = s
        .visit
        .just_finished
        .as_ref()
        .is_some_and(|(v, _)| v.person_id == p.id);
    let minutes = s.visit.minutes;
    let visit_busy = s.visit.busy;
    rsx! {
        section {
            if let Some(h) = &a.handover {
                div { class: "card handover", role: "note",
                    h3 { "{t::HANDOVER_TITLE}" }
                    p { class: "meta", "{t::handover_line(h.from_name.as_deref().unwrap_or(t::ASSIGNED_NOBODY), &h.to_name, &ja::local_datetime(h.at))}" }
                    p { strong { "{t::HANDOVER_NOTE}：" } "{h.note}" }
                }
            }
            {find_requests(&tl.cases)}
            h2 { "{p.alias}" {stage_badge(p.stage)} span { class: "meta assigned", "{t::ASSIGNED}：{assigned}" } }
            div { class: "actions",
                button { class: "primary", onclick: move |_| on.call(Msg::StartContact), "{t::LOG_CONTACT}" }
                button { onclick: move |_| on.call(Msg::StartStageConsent), "{t::CHANGE_STAGE_CONSENT}" }
                button { id: "participation", onclick: move |_| on.call(Msg::StartParticipation), "{t::PARTICIPATION}" }
                button { class: "danger", onclick: move |_| on.call(Msg::StartEscalation), "{t::ESCALATE}" }
            }
            if let Some(a) = &tl.found_by {
                div { class: "card", id: "found-by",
                    h3 { "{t::CO_FOUND_AT}" }
                    p { class: "meta", "{a.kind.ja()}　{ja::local_datetime(a.held_at)}　{a.area.name_ja()}" }
                    p { "{a.learned}" }
                }
            }
            if finished_here {
                div { class: "card visit-done",
                    button { class: "primary", onclick: move |_| on.call(Msg::LogFinishedVisit), "{t::VISIT_LOG_IT}" }
                }
            }
            div { class: "actions visit",
                if visiting_here {
                    button { class: "primary", disabled: visit_busy, onclick: move |_| on.call(Msg::FinishVisit), "{t::VISIT_FINISH}" }
                } else if s.visit.open.is_none() {
                    button { disabled: visit_busy, onclick: move |_| on.call(Msg::StartVisit), "{t::VISIT_START}" }
                    span { class: "meta", "{t::VISIT_LENGTH}" }
                    div { class: "choices",
                        for m in VISIT_CHOICES {
                            button { class: if m == minutes { "on" } else { "" }, onclick: move |_| on.call(Msg::VisitMinutes(m)), "{t::visit_minutes(m)}" }
                        }
                    }
                }
            }
            if let Some(n) = &p.stage_note {
                div { class: "card stage-note",
                    p { strong { "{p.stage.ja()}" } }
                    if let Some(to) = &n.handed_to { p { "{t::HANDED_TO_SHOWN}：{ja::handed_to(to)}" } }
                    p { class: "meta", "{t::STAGE_REASON_SHOWN}：{n.reason}" }
                }
            }
            div { class: "row",
                div { class: "card",
                    h3 { "{t::PROFILE}"
                        button { class: "small", onclick: move |_| on.call(Msg::StartEditProfile), "{t::EDIT_PROFILE}" }
                    }
                    dl { class: "profile",
                        dt { "{label(\"kana\")}" } dd { "{or_not_set(p.kana.clone())}" }
                        dt { "{label(\"birth_year\")}" } dd { "{or_not_set(p.birth_year.map(ja::birth_year))}" }
                        dt { "{label(\"sex\")}" } dd { "{or_not_set(p.sex.map(|x| x.ja().to_owned()))}" }
                        dt { "{label(\"area\")}" } dd { "{or_not_set(p.area.as_ref().map(|a| a.name_ja()))}" }
                        dt { "{label(\"noticed_by\")}" } dd { "{or_not_set(p.noticed_by.map(|x| x.ja().to_owned()))}" }
                        dt { "{label(\"summary\")}" } dd { "{or_not_set(p.summary.clone())}" }
                    }
                }
                div { class: "card",
                    h3 { "{t::FIELDS_TAGS}" }
                    p { "{fields.join(\"・\")}" }
                    p { "{tags.join(\"・\")}" }
                    if let Some(g) = &p.scheme_gap {
                        p { class: "meta", "制度の狭間：{g.why}" }
                    }
                    h3 { "{t::CONSENT}" }
                    p { "{consent_text}" }
                    if !scope.is_empty() { p { class: "meta", "{scope.join(\"・\")}" } }
                    h3 { "{t::HOUSEHOLD}"
                        button { class: "small", onclick: move |_| on.call(Msg::StartAddMember), "{t::ADD_MEMBER}" }
                    }
                    if p.household.members.is_empty() { p { class: "meta", "{t::NOBODY_IN_HOUSEHOLD}" } }
                    ul { class: "members",
                        for m in p.household.members.iter() {
                            {member_row(m, on)}
                        }
                    }
                    if !tl.household.is_empty() {
                        h3 { "{t::HOUSEHOLD_PERSONS}" }
                        ul { class: "members linked",
                            for l in tl.household.iter() {
                                {link_row(l)}
                            }
                        }
                    }
                }
            }
            {case_outcome(&tl.cases, ja::local_date(chrono::Utc::now()))}
            if !tl.conflicts.is_empty() {
                h3 { "{t::CONFLICTS}" }
                for c in tl.conflicts.iter() {
                    p { class: "card", "{t::conflict_line(&ja::field_label(&c.field), &conflict_value(&c.field, &c.kept), &conflict_value(&c.field, &c.other))}" }
                }
            }
            h3 { "{t::TIMELINE}" }
            div { class: "timeline",
                for e in tl.entries.iter() {
                    {timeline_entry(e, on)}
                }
            }
        }
    }
}

fn member_row(m: &HouseholdMember, on: EventHandler<Msg>) -> Element {
    let id = m.id;
    let year = m.birth_year.map(ja::birth_year).unwrap_or_default();
    let home = if m.lives_together {
        t::LIVES_TOGETHER
    } else {
        t::LIVES_APART
    };
    rsx! {
        li { key: "{id}",
            div { class: "who",
                p { strong { "{m.relation.ja()}" } "　{m.alias.clone().unwrap_or_default()}　{year}　{home}" }
                if let Some(n) = &m.note { p { class: "meta", "{n}" } }
            }
            button { class: "small", onclick: move |_| on.call(Msg::StartEditMember(id)), "{t::EDIT}" }
        }
    }
}

/// A household member who is a person of their own: on this tablet's
/// caseload (alias and their own consent), or 「他チームの担当」 only.
fn link_row(l: &HouseholdLink) -> Element {
    let id = l.person;
    let who = match (&l.relation, l.lists_this_person) {
        (_, true) => t::LISTS_THIS_PERSON.to_owned(),
        (Some(r), false) => r.ja().to_owned(),
        (None, false) => String::new(),
    };
    rsx! {
        li { key: "link-{id}",
            div { class: "who",
                match &l.on_caseload {
                    Some((alias, consent)) => rsx! {
                        p { strong { "{who}" } "　{alias}　" span { class: "badge", "{t::OWN_RECORD}" } }
                        p { class: "meta", "{t::MEMBER_OWN_CONSENT}：{consent.ja()}" }
                    },
                    None => rsx! {
                        p { strong { "{who}" } "　" span { class: "badge other-team", "{MemberShown::OtherTeam.ja()}" } }
                    },
                }
            }
        }
    }
}

/// A household member in words, for a conflict.
fn member_words(m: Option<&HouseholdMember>) -> String {
    match m {
        Some(m) => format!(
            "{} {}",
            m.relation.ja(),
            m.alias.clone().unwrap_or_default()
        )
        .trim()
        .to_owned(),
        None => t::FIX_MEMBER_REMOVED.to_owned(),
    }
}

/// A field value of a conflict, in words.
fn conflict_value(field: &str, v: &serde_json::Value) -> String {
    use serde_json::{Value, from_value};
    let v = v.clone();
    if field.starts_with(crate::shared::merge::household::MEMBER_PREFIX) {
        #[derive(serde::Deserialize)]
        struct One {
            member: Option<HouseholdMember>,
        }
        if let Ok(one) = from_value::<One>(v.clone()) {
            return member_words(one.member.as_ref());
        }
    }
    let label = match field {
        "stage" => from_value::<Stage>(v.clone())
            .ok()
            .map(|x| x.ja().to_owned()),
        "area" => from_value::<Option<AreaCode>>(v.clone())
            .ok()
            .map(|x| x.map(|a| a.name_ja()).unwrap_or_else(|| t::NOT_SET.into())),
        "consent" => from_value::<ConsentRecord>(v.clone())
            .ok()
            .map(|x| x.status.ja().to_owned()),
        "sex" => from_value::<Option<Sex>>(v.clone()).ok().map(|x| {
            x.map(|s| s.ja().to_owned())
                .unwrap_or_else(|| t::NOT_SET.into())
        }),
        "noticed_by" => from_value::<Option<NoticedBy>>(v.clone()).ok().map(|x| {
            x.map(|s| s.ja().to_owned())
                .unwrap_or_else(|| t::NOT_SET.into())
        }),
        _ => None,
    };
    label.unwrap_or_else(|| match v {
        Value::Null => t::NOT_SET.into(),
        Value::String(s) => s,
        other => other.to_string(),
    })
}

fn timeline_entry(e: &TimelineEntry, on: EventHandler<Msg>) -> Element {
    let c = &e.contact;
    let id = c.id;
    let met = match c.response {
        Some(r) => format!("{}（{}）", c.met.ja(), r.ja()),
        None => c.met.ja().to_owned(),
    };
    let dangers: Vec<&str> = c.safety.danger_signs.iter().map(|d| d.ja()).collect();
    rsx! {
        div { key: "{id}", class: if e.current { "entry" } else { "entry old" },
            p { strong { "{ja::local_datetime(c.occurred_at)}" } "　{c.method.ja()}　{met}　{c.safety.accompaniment.ja()}" }
            if c.safety.life_threatening { p { class: "err", "{t::LIFE_THREATENING}" } }
            if !dangers.is_empty() { p { class: "badge warn", "{t::DANGER}：{dangers.join(\"・\")}" } }
            if !c.observation.is_empty() { p { "{c.observation}" } }
            if let Some(n) = &c.next_action { p { class: "meta", "{t::NEXT}：{n.what}（{ja::era_date(n.due)}）" } }
            if !e.current { p { class: "meta", "{t::CORRECTED}" } }
            match &e.review {
                Some(r) if r.status == ReviewStatus::Returned => rsx! {
                    div { class: "review returned",
                        p { strong { "{r.status.ja()}" } "　{t::SUPERVISOR_SAYS}：{r.comment.clone().unwrap_or_default()}" }
                        if e.current { button { onclick: move |_| on.call(Msg::Revise(id)), "{t::REVISE}" } }
                    }
                },
                Some(r) => rsx! { p { class: "review approved", "{r.status.ja()}" } },
                None => rsx! { p { class: "meta", "{t::REVIEW_PENDING}" } },
            }
        }
    }
}

fn returned(s: &AppState, on: EventHandler<Msg>) -> Element {
    rsx! {
        section {
            h2 { "{t::RETURNED_TITLE}" }
            if s.returned.is_empty() { p { class: "hint", "{t::RETURNED_EMPTY}" } }
            for r in s.returned.iter() {
                div { key: "{r.contact.id}", class: "card",
                    p { strong { "{r.person.alias}" } "　{ja::local_datetime(r.contact.occurred_at)}　{r.contact.method.ja()}" }
                    div { class: "review returned",
                        p { strong { "{t::SUPERVISOR_SAYS}" } "（{ja::local_datetime(r.reviewed_at)}）" }
                        p { "{r.comment}" }
                    }
                    if !r.contact.observation.is_empty() { p { class: "meta", "{r.contact.observation}" } }
                    div { class: "actions",
                        button { class: "primary", onclick: { let id = r.contact.id; let pid = r.person.id; move |_| { on.call(Msg::OpenPerson(pid)); on.call(Msg::Revise(id)); } }, "{t::REVISE}" }
                    }
                }
            }
        }
    }
}

fn settings(s: &AppState, on: EventHandler<Msg>) -> Element {
    rsx! {
        section {
            h2 { "{t::SETTINGS_TITLE}" }
            div { class: "card",
                h3 { "{t::SERVER}" }
                p { "{s.server.clone().unwrap_or_default()}" }
            }
            div { class: "card",
                h3 { "{t::IDLE_LOCK}" }
                div { class: "choices",
                    for m in [1u32, 3, 5, 10, 15] {
                        button { class: if s.idle_minutes == m { "on" } else { "" }, onclick: move |_| on.call(Msg::SetIdleMinutes(m)), "{t::minutes(m)}" }
                    }
                }
                div { class: "actions",
                    button { class: "primary", onclick: move |_| on.call(Msg::LockNow), "{t::LOCK_NOW}" }
                }
            }
            div { class: "card", id: "reenrol",
                h3 { "{t::REENROL_TITLE}" }
                p { "{t::REENROL_LEAD}" }
                if super::scanner::CAMERA {
                    super::scanner::QrScanner { on_text: move |text| on.call(Msg::ReenrolRead(text)) }
                }
                label { class: "field", r#for: "reenrol-qr", "{t::SETUP_QR_TEXT}" }
                input { id: "reenrol-qr", r#type: "text", value: "{s.reenrol_qr}", placeholder: "hamura-outreach://enrol?…",
                    autocomplete: "off", autocorrect: "off", spellcheck: "false", autocapitalize: "off",
                    oninput: move |e| on.call(Msg::ReenrolQr(e.value())) }
                div { class: "actions",
                    button { onclick: {
                            let text = s.reenrol_qr.clone();
                            move |_| on.call(Msg::ReenrolRead(text.clone()))
                        },
                        "{t::SETUP_QR_USE}"
                    }
                }
            }
            div { class: "card",
                h3 { "{t::WIPE}" }
                if s.confirm_wipe {
                    p { class: "err", role: "alert", "{t::WIPE_CONFIRM}" }
                    div { class: "actions",
                        button { class: "danger primary", onclick: move |_| on.call(Msg::WipeConfirmed), "{t::WIPE_YES}" }
                        button { onclick: move |_| on.call(Msg::WipeCancelled), "{t::CANCEL}" }
                    }
                } else {
                    button { class: "danger", onclick: move |_| on.call(Msg::WipeRequested), "{t::WIPE}" }
                }
            }
        }
    }
}
