//! 地域づくり (issue 18): the community activities the tablets logged —
//! 民生委員 meetings attended, サロン visits, talks at 自治会, patrols,
//! meetings with agencies — for the coordinators (every team's) and the
//! 社協's supervisors (their team's), by 町丁 and period, with the persons
//! each brought up (now on the caseload, at their current stage). Read by
//! [`crate::engine::community::list`] (access by `shared::access`,
//! audited).

use axum::extract::{Query, State};
use chrono::{Duration, NaiveDate, Utc};
use maud::html;
use outreach_shared::AreaCode;
use outreach_shared::access::Role;
use outreach_shared::ja::{self, Label};

use super::layout::{self, when};
use super::session::Session;
use super::{PageError, PageResult, text};
use crate::engine::community;
use crate::state::AppState;

const READERS: &[Role] = &[Role::Coordinator, Role::Supervisor];

/// The list's filters, as the form sends them.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Filter {
    #[serde(default)]
    area: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// `GET /console/community`: the community activities of a period (the
/// last 90 days unless asked), in one 町丁 or all, newest first.
pub async fn list(
    State(st): State<AppState>,
    session: Session,
    Query(f): Query<Filter>,
) -> PageResult {
    session.require(READERS)?;
    let today = ja::local_date(Utc::now());
    let date = |v: &Option<String>, default: NaiveDate| -> Result<NaiveDate, PageError> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => ja::parse_date(s).map_err(|e| {
                PageError::invalid(format!("{}{}", text::CO_FILTER_BAD, e.message_ja()))
            }),
        }
    };
    let from = date(&f.from, today - Duration::days(90))?;
    let to = date(&f.to, today)?;
    if to < from {
        return Err(PageError::invalid(text::CO_FILTER_ORDER));
    }
    let area: Option<AreaCode> = match f.area.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(a) => Some(
            a.parse()
                .map_err(|_| PageError::invalid(text::CO_FILTER_AREA))?,
        ),
    };
    let (t0, t1) = (
        ja::local_day_start(from),
        ja::local_day_start(to + Duration::days(1)),
    );
    let caller = session.caller.clone();
    let a2 = area.clone();
    let lines = st
        .write(move |tx| {
            community::list(tx, &caller, a2.as_ref(), t0, t1, Utc::now()).map_err(Into::into)
        })
        .await?;
    let found: usize = lines.iter().map(|l| l.persons.len()).sum();
    let body = html! {
        p.lead { (text::CO_LEAD) }
        form.filters #community-filter method="get" action="/console/community" {
            label { (text::CO_AREA) " "
                select #community-area name="area" {
                    option value="" { (text::CO_ALL_AREAS) }
                    @for a in AreaCode::all() {
                        option value=(a.to_string()) selected[area.as_ref() == Some(&a)] { (a.name_ja()) }
                    }
                }
            }
            label { (text::FILTER_FROM) input type="date" name="from" value=(from.to_string()); }
            label { (text::FILTER_TO) input type="date" name="to" value=(to.to_string()); }
            button.secondary type="submit" { (text::REPORT_SHOW) }
        }
        p #community-summary { (text::co_summary(&ja::era_date(from), &ja::era_date(to), lines.len(), found)) }
        @if lines.is_empty() { p.empty { (text::CO_NONE) } } @else {
            table.data #community {
                thead { tr {
                    th { (text::CO_WHEN) } th { (text::CO_AREA) } th { (text::CO_KIND) }
                    th { (text::CO_PARTICIPANTS) } th { (text::CO_LEARNED) } th { (text::CO_FOLLOW_UP) }
                    th { (text::CO_FOUND) } th { (text::CO_TEAM) }
                } }
                tbody {
                    @for l in &lines {
                        @let a = &l.activity;
                        tr id=(format!("activity-{}", a.id)) {
                            td { (when(a.held_at)) }
                            td { (a.area.name_ja()) }
                            td { (a.kind.ja()) }
                            td { @for p in &a.participants { span.chip { (p.role.ja()) " " (p.count) (text::CO_PEOPLE) } " " } }
                            td { (a.learned) }
                            td { (a.follow_up.as_deref().unwrap_or("")) }
                            td.found {
                                @for p in &l.persons {
                                    div.person-found { (p.alias) "（" (p.stage.ja()) "）" }
                                }
                                @if l.persons.len() < a.persons_to_find.len() {
                                    div { (text::CO_FOUND_ELSEWHERE) }
                                }
                            }
                            td { (l.team_name) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(
        &session,
        text::CO_TITLE,
        "community",
        None,
        body,
    ))
}
