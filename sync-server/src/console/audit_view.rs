//! The audit viewer: entries filtered by person (id), user and date, with
//! the chain's verification status ([`crate::audit::verify`]).

use axum::extract::{RawQuery, State};
use chrono::{NaiveDate, Utc};
use maud::html;
use outreach_shared::access::{Action, Resource, decide};
use outreach_shared::{PersonId, UserId, ja};
use std::collections::HashMap;

use super::layout::{self, when};
use super::session::{Session, query};
use super::{PageError, PageResult, audit_console, text};
use crate::audit;
use crate::state::AppState;
use crate::store::AuditRow;

const LIMIT: usize = 500;
const PAGE: u64 = 5000;

/// `GET /console/audit`.
pub async fn viewer(
    State(st): State<AppState>,
    session: Session,
    RawQuery(q): RawQuery,
) -> PageResult {
    if !decide(&session.caller.actor, Action::Read, Resource::Audit).is_allowed() {
        return Err(PageError::forbidden());
    }
    let q = query(&q);
    let person = match q.text("person") {
        Some(p) => Some(PersonId::parse(&p).map_err(|_| PageError::bad_request(text::BAD_ID))?),
        None => None,
    };
    let user = match q.text("user") {
        Some(u) => Some(UserId::parse(&u).map_err(|_| PageError::bad_request(text::BAD_ID))?),
        None => None,
    };
    let date = |k: &str| -> Result<Option<NaiveDate>, PageError> {
        q.text(k)
            .map(|d| {
                NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|_| PageError::bad_request(text::BAD_DATE))
            })
            .transpose()
    };
    let (from, to) = (date("from")?, date("to")?);
    let caller = session.caller.clone();
    let now = Utc::now();
    let (entries, users) = st
        .write(move |tx| {
            // A person's entries name the person or one of their cases.
            let mut tags: Vec<String> = Vec::new();
            if let Some(p) = person {
                tags.push(format!("person:{p}"));
                for c in tx.cases_of_person(p)? {
                    tags.push(format!("case:{}", c.item.escalation.case_id));
                }
            }
            let user_tag = user.map(|u| u.to_string());
            // Newest first: walk back from the head in pages, and stop at
            // the limit or before the start date (entries are appended in
            // time order), so a long log is not read whole.
            let mut out: Vec<AuditRow> = Vec::new();
            let mut hi = tx.audit_head()?.map(|(s, _)| s).unwrap_or(0);
            'walk: while hi > 0 && out.len() < LIMIT {
                let lo = hi.saturating_sub(PAGE);
                let page = tx.audit_entries(lo, (hi - lo) as u32)?;
                hi = lo;
                for e in page.into_iter().rev() {
                    let day = ja::local_date(e.at);
                    if from.is_some_and(|f| day < f) {
                        break 'walk;
                    }
                    if (tags.is_empty() || tags.iter().any(|t| e.entity.contains(t.as_str())))
                        && user_tag.as_ref().is_none_or(|u| &e.actor == u)
                        && to.is_none_or(|t| day <= t)
                    {
                        out.push(e);
                        if out.len() >= LIMIT {
                            break 'walk;
                        }
                    }
                }
            }
            let users: HashMap<String, String> = tx
                .users()?
                .into_iter()
                .map(|u| {
                    (
                        u.id.to_string(),
                        format!("{}（{}）", u.display_name, u.username),
                    )
                })
                .collect();
            audit_console(
                tx,
                &caller,
                "read.audit",
                match person {
                    Some(p) => format!("audit person:{p}"),
                    None => "audit".into(),
                },
                "audit viewer (shared::access)",
                now,
            )?;
            Ok((out, users))
        })
        .await?;
    let store = st.store.clone();
    let verified = tokio::task::spawn_blocking(move || audit::verify(&*store))
        .await
        .map_err(|_| PageError::from(crate::error::ApiError::internal()))?;
    let mut user_list: Vec<(&String, &String)> = users.iter().collect();
    user_list.sort_by(|a, b| a.1.cmp(b.1));
    let sel_user = user.map(|u| u.to_string()).unwrap_or_default();
    let body = html! {
        p.lead { (text::AUDIT_LEAD) }
        @match &verified {
            Ok(n) => p.chain.ok #chain { "✔ " (text::CHAIN_OK) "（" (n) (text::ENTRIES_VERIFIED) "）" },
            Err(e) => p.chain.broken #chain role="alert" { "✖ " (text::CHAIN_BROKEN) "：" (e.to_string()) },
        }
        form.filters method="get" action="/console/audit" {
            label { (text::FILTER_PERSON) input type="text" name="person" value=(person.map(|p| p.to_string()).unwrap_or_default()) size="38"; }
            label { (text::FILTER_USER)
                select name="user" {
                    option value="" { (text::ALL) }
                    @for (id, n) in &user_list {
                        option value=(id) selected[**id == sel_user] { (n) }
                    }
                }
            }
            label { (text::FILTER_FROM) input type="date" name="from" value=(from.map(|d| d.to_string()).unwrap_or_default()); }
            label { (text::FILTER_TO) input type="date" name="to" value=(to.map(|d| d.to_string()).unwrap_or_default()); }
            button.secondary type="submit" { (text::FILTER) }
        }
        p.small { (text::SHOWING_LATEST) }
        @if entries.is_empty() { p.empty { (text::NO_ENTRIES) } } @else {
            table.data.audit #audit {
                thead { tr { th.num { "#" } th { (text::AT) } th { (text::ACTOR) } th { (text::ACTION) } th { (text::ENTITY) } th { (text::BASIS) } } }
                tbody { @for e in &entries {
                    tr {
                        td.num { (e.seq) }
                        td.nowrap { (when(e.at)) }
                        td { (users.get(&e.actor).cloned().unwrap_or_else(|| e.actor.clone())) }
                        td { (text::audit_action(&e.action)) br; code.small { (e.action) } }
                        td.ids { (e.entity) }
                        td.small { (e.basis) }
                    }
                } }
            }
        }
    };
    Ok(layout::page(
        &session,
        text::AUDIT_TITLE,
        "audit",
        None,
        body,
    ))
}
