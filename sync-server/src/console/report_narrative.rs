//! The report's qualitative evaluation (第4章): beside each viewpoint's
//! figures, the narrative the coordinators wrote for the period — its
//! latest version with who wrote it and when, earlier versions folded
//! away — and, for coordinators, the form that saves a new version. The
//! rules and the audit are [`crate::engine::evaluation`].

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use maud::{Markup, html};
use outreach_shared::access::Role;
use outreach_shared::{Narrative, Viewpoint};

use super::layout::when;
use super::session::Session;
use super::{PageError, see_other, text};
use crate::engine::evaluation;
use crate::state::AppState;

/// Every version of the period's narratives.
pub async fn load(
    st: &AppState,
    session: &Session,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Narrative>, PageError> {
    let caller = session.caller.clone();
    Ok(st
        .read(move |tx| evaluation::narratives(tx, &caller, from, to))
        .await?)
}

/// The narrative of one viewpoint, and the form for coordinators.
pub fn section(
    session: &Session,
    vp: Viewpoint,
    all: &[Narrative],
    from: NaiveDate,
    to: NaiveDate,
) -> Markup {
    let mine: Vec<&Narrative> = all.iter().filter(|n| n.viewpoint == vp).collect();
    let latest = mine.last();
    html! {
        div.narrative id=(format!("narrative-{}", vp.code())) {
            h3 { (text::NARRATIVE_TITLE) }
            @match latest {
                Some(n) => {
                    p.narrative-text { (n.text) }
                    p.small { (text::narrative_by(n.version, &n.author_name, &when(n.written_at))) }
                    @if mine.len() > 1 {
                        details.noprint {
                            summary { (text::NARRATIVE_EARLIER) }
                            @for e in mine.iter().rev().skip(1) {
                                p.small { (text::narrative_by(e.version, &e.author_name, &when(e.written_at))) }
                                p { (e.text) }
                            }
                        }
                    }
                }
                None => p.empty { (text::NARRATIVE_NONE) }
            }
            @if session.role() == Role::Coordinator {
                form.noprint method="post" action="/console/report/narrative" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="viewpoint" value=(vp.code());
                    input type="hidden" name="from" value=(from.to_string());
                    input type="hidden" name="to" value=(to.to_string());
                    textarea name="text" rows="4" maxlength="4000" aria-label=(text::NARRATIVE_TITLE) {
                        @if let Some(n) = latest { (n.text) }
                    }
                    button.secondary type="submit" { (text::NARRATIVE_SAVE) }
                }
            }
        }
    }
}

/// `POST /console/report/narrative`: a new version, then back to the
/// report of the same period.
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
    let body_text = form.get("text").unwrap_or_default().to_owned();
    let (caller, now) = (session.caller.clone(), Utc::now());
    st.write(move |tx| evaluation::write_narrative(tx, &caller, vp, from, to, &body_text, now))
        .await?;
    Ok(see_other(&format!(
        "/console/report?from={from}&to={to}#narrative-{}",
        vp.code()
    )))
}

/// The CSV lines: (viewpoint, metric, value) of each latest narrative.
pub fn csv_lines(all: &[Narrative]) -> Vec<(String, String, String)> {
    Viewpoint::ALL
        .iter()
        .filter_map(|vp| all.iter().rfind(|n| n.viewpoint == *vp))
        .map(|n| {
            (
                outreach_shared::ja::Label::ja(&n.viewpoint).to_owned(),
                text::narrative_by(n.version, &n.author_name, &when(n.written_at)),
                n.text.clone(),
            )
        })
        .collect()
}
