//! The case's outcome on the person page (issue 13): for each case of the
//! person, what the city's 多機関協働 decided as the 社協's outreach may see
//! it — the route and status (labels of `shared::ja`), the next meeting's
//! date in 令和, the plan's tasks for the 社協 with their due date and
//! status (overdue by `shared`'s rule), and a coordinator's request to
//! find the person, shown at the top of the page ([`find_requests`]). The server never sends a meeting's
//! minutes or other agencies' tasks, and nothing here would show them.

// The rsx! macro expands event handlers into qualified paths.
#![allow(unused_qualifications)]

use chrono::NaiveDate;
use dioxus::prelude::*;

use crate::app::text as t;
use crate::model::CaseRecord;
use crate::shared::domain::plan::task_overdue;
use crate::shared::ja::{self, Label};
use crate::shared::protocol::{CaseStatusView, OutreachTask};

/// A coordinator's requests to find the person, one card each: shown at
/// the top of the person page, above the profile, because they are why the
/// person is on the caseload at all.
pub(super) fn find_requests(cases: &[CaseRecord]) -> Element {
    rsx! {
        for c in cases.iter() {
            if let Some(f) = c.status.as_ref().and_then(|v| v.find_request.as_ref()) {
                div { key: "find-{c.case_id}", class: "card find-request", role: "note",
                    h3 { "{t::OUTCOME_FIND_TITLE}" }
                    p { "{f.request}" }
                    p { class: "meta", "{t::OUTCOME_FIND_AT}：{ja::local_datetime(f.requested_at)}" }
                }
            }
        }
    }
}

/// The cases of a person, each with its outcome; nothing when there are
/// none. `today` is the local date (Asia/Tokyo) for overdue tasks.
pub(super) fn case_outcome(cases: &[CaseRecord], today: NaiveDate) -> Element {
    if cases.is_empty() {
        return rsx! {};
    }
    rsx! {
        h3 { "{t::CASES}" }
        for c in cases.iter() {
            div { key: "{c.case_id}", class: "card case-outcome",
                match &c.status {
                    Some(v) => status_view(v, today),
                    None => rsx! { p { "{t::CASE_STATUS_UNKNOWN}" } },
                }
            }
        }
    }
}

fn status_view(v: &CaseStatusView, today: NaiveDate) -> Element {
    let badge = if v.status.is_open() {
        "badge"
    } else {
        "badge closed"
    };
    rsx! {
        p {
            strong { "{v.route.ja()}" }
            span { class: "{badge}", "{v.status.ja()}" }
        }
        p { class: "meta", "{t::OUTCOME_UPDATED}：{ja::local_datetime(v.updated_at)}" }
        if let Some(r) = &v.return_reason {
            p { class: "meta", "{t::OUTCOME_RETURNED}：{r}" }
        }
        if v.status.is_open() {
            match v.next_meeting {
                Some(d) => rsx! { p { "{t::OUTCOME_NEXT_MEETING}：" strong { "{ja::era_date_weekday(d)}" } } },
                None => rsx! { p { class: "meta", "{t::OUTCOME_NO_MEETING}" } },
            }
        }
        h4 { "{t::OUTCOME_TASKS}" }
        if v.outreach_tasks.is_empty() {
            p { class: "meta", "{t::OUTCOME_NO_TASKS}" }
        } else {
            ul { class: "outcome-tasks",
                for task in v.outreach_tasks.iter() {
                    {task_row(task, today)}
                }
            }
        }
        if !v.followups.is_empty() {
            p { class: "meta", "{t::outcome_followups(v.followups.len())}" }
        }
        p { class: "meta", "{t::OUTCOME_MINUTES_NOTE}" }
    }
}

fn task_row(task: &OutreachTask, today: NaiveDate) -> Element {
    let overdue = task_overdue(task.due, task.status, today);
    let class = if overdue { "due overdue" } else { "due" };
    rsx! {
        li { key: "{task.id}",
            span { "{task.what}" }
            span { class: "badge", "{task.status.ja()}" }
            span { class: "{class}", "　{t::OUTCOME_DUE}：{ja::era_date(task.due)}" }
            if overdue { span { class: "badge danger", "{t::OUTCOME_OVERDUE}" } }
        }
    }
}
