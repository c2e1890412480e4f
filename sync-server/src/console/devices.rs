//! Devices for supervisors: issue a one-time enrolment code (as text and as
//! a QR code), list the team's tablets with their last sync, revoke one.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use chrono::Utc;
use maud::{PreEscaped, html};
use outreach_shared::access::Role;
use outreach_shared::{DeviceId, UserId};

use super::layout::{self, when};
use super::session::{Session, query};
use super::{PageError, PageResult, parse_id, see_other, text};
use crate::engine::devices::{self, TeamDevices};
use crate::state::AppState;
use crate::store::UserRow;

/// `GET /console/devices`.
pub async fn list(
    State(st): State<AppState>,
    session: Session,
    RawQuery(q): RawQuery,
) -> PageResult {
    session.require(&[Role::Supervisor])?;
    let team = session.user.team.ok_or_else(PageError::forbidden)?;
    let caller = session.caller.clone();
    let now = Utc::now();
    let TeamDevices {
        users,
        devices,
        last_seen: seen,
    } = st
        .write(move |tx| devices::team_devices(tx, &caller, team, now))
        .await?;
    let name = |u: UserId| {
        users
            .iter()
            .find(|x| x.id == u)
            .map(|x| x.display_name.clone())
            .unwrap_or_default()
    };
    let workers: Vec<&UserRow> = users
        .iter()
        .filter(|u| u.role == Role::OutreachWorker && u.active)
        .collect();
    let flash = match query(&q).get("done") {
        Some("revoked") => Some(text::DONE_REVOKED),
        _ => None,
    };
    let body = html! {
        p.lead { (text::DEVICES_LEAD) }
        section.card {
            h2 { (text::ISSUE_CODE) }
            @if workers.is_empty() { p.empty { (text::NO_WORKERS) } } @else {
                form.row method="post" action="/console/devices/code" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    label for="user" { (text::ISSUE_FOR) }
                    select #user name="user" {
                        @for w in &workers { option value=(w.id) { (w.display_name) } }
                    }
                    button.primary #issue type="submit" { (text::ISSUE_CODE) }
                }
            }
        }
        @if devices.is_empty() { p.empty { (text::NO_DEVICES) } } @else {
            table.data #devices {
                thead { tr {
                    th { (text::DEVICE_LABEL) } th { (text::DEVICE_USER) } th { (text::ENROLLED_AT) }
                    th { (text::LAST_SYNC) } th { (text::STATUS) } th {}
                } }
                tbody {
                    @for d in &devices {
                        tr id=(format!("d-{}", d.id)) {
                            td { (d.label) " " span.small { "(" (d.platform) ")" } }
                            td { (name(d.user)) }
                            td { (when(d.enrolled_at)) }
                            td { @match seen.get(&d.id) { Some(t) => (when(*t)), None => (text::NEVER) } }
                            td {
                                @match d.revoked_at {
                                    Some(t) => { span.badge { (text::REVOKED) } " " span.small { (when(t)) } }
                                    None => span.badge.ok { (text::ACTIVE) },
                                }
                            }
                            td {
                                @if d.revoked_at.is_none() {
                                    form method="post" action=(format!("/console/devices/{}/revoke", d.id)) {
                                        input type="hidden" name="csrf" value=(session.csrf);
                                        button.danger type="submit" title=(text::REVOKE_CONFIRM) { (text::REVOKE) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(
        &session,
        text::DEVICES_TITLE,
        "devices",
        flash,
        body,
    ))
}

/// The QR code of an enrolment code, as inline SVG.
pub fn qr_svg(code: &str) -> Option<String> {
    let qr = qrcode::QrCode::new(code.as_bytes()).ok()?;
    Some(
        qr.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

/// `POST /console/devices/code`: issues a code and shows it once.
pub async fn issue_code(State(st): State<AppState>, session: Session, body: Bytes) -> PageResult {
    session.require(&[Role::Supervisor])?;
    let form = session.form(&body)?;
    let user = parse_id(form.get("user").unwrap_or_default(), UserId::parse)?;
    let caller = session.caller.clone();
    let now = Utc::now();
    let (code, worker) = st
        .write(move |tx| devices::issue_code_for(tx, &caller, user, now))
        .await?;
    let svg = qr_svg(&code).unwrap_or_default();
    let body = html! {
        section.card.code {
            p { (text::ISSUE_FOR) "：" strong { (worker) } }
            p.code #enrol-code { (code.as_str()) }
            div.qr { (PreEscaped(svg)) }
            p.small { (text::CODE_LEAD) }
            p { a href="/console/devices" { (text::BACK) } }
        }
    };
    Ok(layout::page(
        &session,
        text::CODE_TITLE,
        "devices",
        None,
        body,
    ))
}

/// `POST /console/devices/{id}/revoke`.
pub async fn revoke(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    session.require(&[Role::Supervisor])?;
    let form = session.form(&body)?;
    let id = parse_id(&id, DeviceId::parse)?;
    let caller = session.caller.clone();
    let now = Utc::now();
    let confirmed = form.get("confirm") == Some("1");
    if !confirmed {
        // A revocation wipes the tablet: ask once more, without JavaScript.
        let (d, user) = st
            .write(move |tx| devices::revoke_preview(tx, &caller, id, now))
            .await?
            .ok_or_else(PageError::forbidden)?;
        let body = html! {
            section.card {
                p.notice { (text::REVOKE_CONFIRM) }
                dl.grid {
                    dt { (text::DEVICE_LABEL) } dd { (d.label) }
                    dt { (text::DEVICE_USER) } dd { (user.map(|u| u.display_name).unwrap_or_default()) }
                    dt { (text::ENROLLED_AT) } dd { (when(d.enrolled_at)) }
                }
                div.actions {
                    form method="post" action=(format!("/console/devices/{id}/revoke")) {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="confirm" value="1";
                        button.danger #confirm-revoke type="submit" { (text::REVOKE) }
                    }
                    a href="/console/devices" { (text::CANCEL) }
                }
            }
        };
        return Ok(layout::page(
            &session,
            text::REVOKE_TITLE,
            "devices",
            None,
            body,
        ));
    }
    st.write(move |tx| devices::revoke_by_supervisor(tx, &caller, id, now))
        .await?
        .then_some(())
        .ok_or_else(PageError::forbidden)?;
    tracing::info!(device = %id, "device revoked from the console");
    Ok(see_other("/console/devices?done=revoked"))
}
