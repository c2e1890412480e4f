//! The report's anonymised excerpts (第4章), beside each viewpoint's
//! figures: the excerpts the coordinator chose for the period (latest
//! version, who chose, when) — printed with the report and written to the
//! CSV — and, for coordinators, the excerpts on offer to choose from; a
//! source with fewer than 5 records in the period offers none (5未満).
//! The rules and the audit are [`crate::engine::excerpts`].

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use maud::{Markup, html};
use outreach_shared::access::Role;
use outreach_shared::domain::evaluation::MIN_EXCERPT_RECORDS;
use outreach_shared::ja::Label;
use outreach_shared::{ExcerptChoice, Viewpoint};

use super::layout::when;
use super::session::Session;
use super::{PageError, see_other, text};
use crate::engine::excerpts::{self, Offer};
use crate::engine::records;
use crate::state::AppState;

/// What the report needs: the choices, and (for coordinators) the offers.
pub struct Excerpts {
    pub choices: Vec<ExcerptChoice>,
    pub offers: Vec<Offer>,
}

/// The period's choices, and the offers for a coordinator.
pub async fn load(
    st: &AppState,
    session: &Session,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Excerpts, PageError> {
    let caller = session.caller.clone();
    let coordinator = session.role() == Role::Coordinator;
    Ok(st
        .read(move |tx| {
            let choices = excerpts::choices(tx, &caller, from, to)?;
            let offers = if coordinator {
                let recs = records::report_records(tx, &caller, from, to)?;
                let users = excerpts::user_names(tx)?;
                excerpts::offers(&recs, &users, from, to)
            } else {
                Vec::new()
            };
            Ok::<_, crate::engine::Error>(Excerpts { choices, offers })
        })
        .await?)
}

fn latest(all: &[ExcerptChoice], vp: Viewpoint) -> Option<&ExcerptChoice> {
    all.iter().rfind(|c| c.viewpoint == vp)
}

/// The chosen excerpts of one viewpoint, and the choosing form.
pub fn section(
    session: &Session,
    vp: Viewpoint,
    ex: &Excerpts,
    from: NaiveDate,
    to: NaiveDate,
) -> Markup {
    let chosen = latest(&ex.choices, vp);
    let offers: Vec<&Offer> = ex
        .offers
        .iter()
        .filter(|o| o.source.viewpoint() == vp)
        .collect();
    let is_chosen = |k: &str| chosen.is_some_and(|c| c.excerpts.iter().any(|e| e.key == k));
    html! {
        div.excerpts id=(format!("excerpts-{}", vp.code())) {
            h3 { (text::EXCERPTS_TITLE) }
            @match chosen.filter(|c| !c.excerpts.is_empty()) {
                Some(c) => {
                    ul.excerpt-list {
                        @for e in &c.excerpts {
                            li { span.badge { (e.source.ja()) } " " (e.text) }
                        }
                    }
                    p.small { (text::excerpts_by(c.version, &c.author_name, &when(c.chosen_at))) }
                }
                None => p.empty { (text::EXCERPTS_NONE) }
            }
            @if session.role() == Role::Coordinator && !offers.is_empty() {
                form.noprint.excerpt-choice method="post" action="/console/report/excerpts" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="viewpoint" value=(vp.code());
                    input type="hidden" name="from" value=(from.to_string());
                    input type="hidden" name="to" value=(to.to_string());
                    @for o in &offers {
                        fieldset {
                            legend { (o.source.ja()) }
                            @if o.excerpts.is_empty() {
                                p.small.suppressed { (text::excerpts_suppressed(o.count, MIN_EXCERPT_RECORDS)) }
                            }
                            @for e in &o.excerpts {
                                label.check {
                                    input type="checkbox" name="key" value=(e.key) checked[is_chosen(&e.key)];
                                    " " (e.text)
                                }
                            }
                        }
                    }
                    button.secondary type="submit" { (text::EXCERPTS_SAVE) }
                }
            }
        }
    }
}

/// `POST /console/report/excerpts`: a new version of the choice, then back
/// to the report of the same period.
pub async fn save(
    State(st): State<AppState>,
    session: Session,
    body: Bytes,
) -> Result<Response, PageError> {
    session.require(&[Role::Coordinator])?;
    let form = session.form(&body)?;
    let vp = form
        .get("viewpoint")
        .and_then(Viewpoint::from_code)
        .ok_or_else(|| PageError::bad_request(text::BAD_REQUEST))?;
    let date = |k: &str| {
        form.get(k)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .ok_or_else(|| PageError::bad_request(text::BAD_DATE))
    };
    let (from, to) = (date("from")?, date("to")?);
    let keys: Vec<String> = form.all("key").into_iter().map(str::to_owned).collect();
    let (caller, now) = (session.caller.clone(), Utc::now());
    st.write(move |tx| excerpts::choose(tx, &caller, vp, from, to, &keys, now))
        .await?;
    Ok(see_other(&format!(
        "/console/report?from={from}&to={to}#excerpts-{}",
        vp.code()
    )))
}

/// The CSV lines: (viewpoint, metric, value), one per chosen excerpt.
pub fn csv_lines(all: &[ExcerptChoice]) -> Vec<(String, String, String)> {
    Viewpoint::ALL
        .iter()
        .filter_map(|vp| latest(all, *vp))
        .flat_map(|c| {
            c.excerpts.iter().map(|e| {
                (
                    c.viewpoint.ja().to_owned(),
                    format!("{}（{}）", text::EXCERPTS_TITLE, e.source.ja()),
                    e.text.clone(),
                )
            })
        })
        .collect()
}
