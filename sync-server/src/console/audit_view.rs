//! The audit viewer: entries filtered by person (id), user and date (a
//! supervisor's scoped to their team), with the chain's verification
//! status, verified incrementally ([`crate::audit::verify_from`]).

use axum::extract::{RawQuery, State};
use chrono::{NaiveDate, Utc};
use maud::html;
use outreach_shared::{PersonId, UserId};

use super::layout::{self, when};
use super::session::{Session, query};
use super::{PageError, PageResult, text};
use crate::audit;
use crate::engine::audit_log::{self, AuditFilter};
use crate::state::AppState;

/// `GET /console/audit`.
pub async fn viewer(
    State(st): State<AppState>,
    session: Session,
    RawQuery(q): RawQuery,
) -> PageResult {
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
    let filter = AuditFilter {
        person,
        user,
        from,
        to,
    };
    // The search on a reader; only its audit entry is a (short) write.
    let (c, f) = (caller.clone(), filter.clone());
    let (entries, users) = st.read(move |tx| audit_log::search(tx, &c, &f)).await?;
    st.write(move |tx| audit_log::audit_search(tx, &caller, &filter, now))
        .await?;
    // The chain, verified incrementally: from where this server last got
    // to (the full walk is `sync-server audit verify`).
    let (store, checkpoint) = (st.store.clone(), st.audit_checkpoint.clone());
    let verified = tokio::task::spawn_blocking(move || {
        let from = checkpoint.lock().map(|c| c.clone()).unwrap_or_default();
        let r = audit::verify_from(&*store, &from);
        if let (Ok(to), Ok(mut c)) = (&r, checkpoint.lock()) {
            *c = to.clone();
        }
        r.map(|c| c.seq)
    })
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
