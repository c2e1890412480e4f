//! The 地域資源 catalogue of 参加支援 (issue 18), kept by coordinators and
//! the 社協's supervisors: the list, and one form to add or edit a
//! resource. Each form becomes one engine call
//! ([`crate::engine::resources::save`]: validated, audited, sent to every
//! team's tablets in the pull).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Utc;
use maud::{Markup, html};
use outreach_shared::access::Role;
use outreach_shared::ja::Label;
use outreach_shared::{AreaCode, LocalResource, ResourceId, ResourceKind};

use super::layout::{self, when};
use super::session::{Form, Session};
use super::{PageError, PageResult, parse_id, see_other, text};
use crate::engine::resources::{self, ResourceDraft};
use crate::state::AppState;

const KEEPERS: &[Role] = &[Role::Coordinator, Role::Supervisor];

/// `GET /console/resources`: the catalogue.
pub async fn list(State(st): State<AppState>, session: Session) -> PageResult {
    session.require(KEEPERS)?;
    let caller = session.caller.clone();
    let all = st.read(move |tx| resources::list(tx, &caller)).await?;
    let body = html! {
        p.lead { (text::RESOURCES_LEAD) }
        p { a.button #resource-new href="/console/resources/new" { (text::RESOURCE_ADD) } }
        @if all.is_empty() { p.empty { (text::RESOURCES_NONE) } } @else {
            table.data #resources {
                thead { tr {
                    th { (text::RESOURCE_NAME) } th { (text::RESOURCE_KIND) } th { (text::RESOURCE_AREAS) }
                    th { (text::RESOURCE_FOR_WHOM) } th { (text::RESOURCE_DAYS) } th { (text::RESOURCE_CONTACT) }
                    th { (text::RESOURCE_ACCEPTS) } th { (text::RESOURCE_UPDATED) }
                } }
                tbody {
                    @for r in &all {
                        tr {
                            td { a href=(format!("/console/resources/{}", r.id)) { (r.name) } }
                            td { (r.kind.ja()) }
                            td { (areas_text(r)) }
                            td { (r.for_whom) } td { (r.days) } td { (r.contact) }
                            td { (if r.accepts_new { text::RESOURCE_OPEN } else { text::RESOURCE_FULL }) }
                            td { (when(r.updated_at)) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(
        &session,
        text::RESOURCES_TITLE,
        "resources",
        None,
        body,
    ))
}

fn areas_text(r: &LocalResource) -> String {
    if r.areas.is_empty() {
        text::RESOURCE_CITYWIDE.to_owned()
    } else {
        r.areas
            .iter()
            .map(AreaCode::name_ja)
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// The add/edit form, filled with `r` when editing.
fn form_page(session: &Session, r: Option<&LocalResource>) -> Markup {
    let action = match r {
        Some(r) => format!("/console/resources/{}", r.id),
        None => "/console/resources".to_owned(),
    };
    let kind = r.map(|r| r.kind);
    html! {
        form #resource-form method="post" action=(action) {
            input type="hidden" name="csrf" value=(session.csrf);
            label.block { (text::RESOURCE_NAME) " "
                input #resource-name type="text" name="name" maxlength="80" size="50" required value=[r.map(|r| r.name.as_str())]; }
            label.block { (text::RESOURCE_KIND) " "
                select #resource-kind name="kind" {
                    @for k in ResourceKind::ALL { option value=(k.code()) selected[kind == Some(k)] { (k.ja()) } }
                }
            }
            label.block { (text::RESOURCE_AREAS) " " span.small { (text::RESOURCE_AREAS_HINT) }
                select #resource-areas name="area" multiple size="8" {
                    @for a in AreaCode::all() {
                        option value=(a.to_string()) selected[r.is_some_and(|r| r.areas.contains(&a))] { (a.name_ja()) }
                    }
                }
            }
            label.block { (text::RESOURCE_FOR_WHOM) " "
                input #resource-for type="text" name="for_whom" maxlength="200" size="50" required value=[r.map(|r| r.for_whom.as_str())]; }
            label.block { (text::RESOURCE_DAYS) " "
                input #resource-days type="text" name="days" maxlength="200" size="50" required value=[r.map(|r| r.days.as_str())]; }
            label.block { (text::RESOURCE_CONTACT) " "
                input #resource-contact type="text" name="contact" maxlength="200" size="50" required value=[r.map(|r| r.contact.as_str())]; }
            label.check.block { input #resource-accepts type="checkbox" name="accepts_new" value="1" checked[r.is_none_or(|r| r.accepts_new)]; " " (text::RESOURCE_ACCEPTS) }
            button.primary #resource-save type="submit" { (text::RESOURCE_SAVE) }
        }
        p { a href="/console/resources" { (text::RESOURCES_BACK) } }
    }
}

/// `GET /console/resources/new`.
pub async fn new_form(session: Session) -> PageResult {
    session.require(KEEPERS)?;
    let body = form_page(&session, None);
    Ok(layout::page(
        &session,
        text::RESOURCE_ADD,
        "resources",
        None,
        body,
    ))
}

/// `GET /console/resources/{id}`: the edit form.
pub async fn edit_form(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> PageResult {
    session.require(KEEPERS)?;
    let id = parse_id(&id, ResourceId::parse)?;
    let caller = session.caller.clone();
    let r = st.read(move |tx| resources::get(tx, &caller, id)).await?;
    let body = form_page(&session, Some(&r));
    Ok(layout::page(
        &session,
        text::RESOURCE_EDIT,
        "resources",
        None,
        body,
    ))
}

/// Reads the form (the rules are `shared`'s, through the engine).
fn draft(form: &Form) -> Result<ResourceDraft, PageError> {
    let kind = form
        .get("kind")
        .and_then(ResourceKind::from_code)
        .ok_or_else(|| PageError::bad_request(text::BAD_REQUEST))?;
    let areas = form
        .0
        .iter()
        .filter(|(k, _)| k == "area")
        .map(|(_, v)| v.parse::<AreaCode>())
        .collect::<Result<_, _>>()
        .map_err(|_| PageError::bad_request(text::BAD_REQUEST))?;
    Ok(ResourceDraft {
        name: form.get("name").unwrap_or_default().to_owned(),
        kind,
        areas,
        for_whom: form.get("for_whom").unwrap_or_default().to_owned(),
        days: form.get("days").unwrap_or_default().to_owned(),
        contact: form.get("contact").unwrap_or_default().to_owned(),
        accepts_new: form.get("accepts_new").is_some(),
    })
}

async fn save(
    st: AppState,
    session: Session,
    id: Option<ResourceId>,
    body: Bytes,
) -> Result<Response, PageError> {
    session.require(KEEPERS)?;
    let form = session.form(&body)?;
    let d = draft(&form)?;
    let (caller, clock, now) = (session.caller.clone(), st.clock.clone(), Utc::now());
    st.write(move |tx| resources::save(tx, &caller, &clock, id, d, now))
        .await?;
    Ok(see_other("/console/resources"))
}

/// `POST /console/resources`: adds a resource.
pub async fn add(
    State(st): State<AppState>,
    session: Session,
    body: Bytes,
) -> Result<Response, PageError> {
    save(st, session, None, body).await
}

/// `POST /console/resources/{id}`: saves an edit.
pub async fn edit(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let id = parse_id(&id, ResourceId::parse)?;
    save(st, session, Some(id), body).await
}
