//! Devices for supervisors: issue a one-time enrolment code (as text and as
//! the enrolment QR code of `shared::enrolment`: server address, code and
//! server key pins), list the team's tablets with their last sync, revoke
//! one.

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
use crate::state::{AppState, EnrolmentInfo};
use crate::store::UserRow;
use axum::http::{HeaderMap, header};
use outreach_shared::enrolment::EnrolmentQr;

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
    } = {
        let c = caller.clone();
        st.read(move |tx| devices::team_devices(tx, &c, team))
            .await?
    };
    st.write(move |tx| devices::audit_team_devices(tx, &caller, team, now))
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
        Some("deactivated") => Some(text::DONE_DEACTIVATED),
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
        section.card #accounts {
            h2 { (text::ACCOUNTS) }
            p.small { (text::DEACTIVATE_LEAD) }
            @if workers.is_empty() { p.empty { (text::NO_WORKERS) } } @else {
                ul {
                    @for w in &workers {
                        li id=(format!("u-{}", w.id)) {
                            (w.display_name) " "
                            form.inline method="post" action=(format!("/console/users/{}/deactivate", w.id)) {
                                input type="hidden" name="csrf" value=(session.csrf);
                                button.danger type="submit" title=(text::DEACTIVATE_CONFIRM) { (text::DEACTIVATE) }
                            }
                        }
                    }
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

/// The enrolment QR of `code` for this server: the public address (or the
/// one the supervisor's browser used), the code and the server key pins.
pub fn enrolment_qr(info: &EnrolmentInfo, headers: &HeaderMap, code: &str) -> EnrolmentQr {
    let server = info.public_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let scheme = if info.tls || !info.pins.is_empty() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{host}")
    });
    // Pins only mean something over TLS (the format refuses them otherwise).
    let pins = if server.starts_with("https://") {
        info.pins.clone()
    } else {
        Vec::new()
    };
    EnrolmentQr {
        server,
        code: code.to_owned(),
        pins,
    }
}

/// A QR code of `text`, as inline SVG.
/// The warning the code page shows when tablets would refuse the QR's
/// server address (`shared::enrolment::check_server_address`: plain
/// `http://` off loopback), so the supervisor does not hand out a QR that
/// cannot work.
pub fn qr_warning(qr: &EnrolmentQr) -> Option<&'static str> {
    outreach_shared::enrolment::check_server_address(&qr.server)
        .err()
        .map(|_| text::QR_ADDRESS_REFUSED)
}

pub fn qr_svg(text: &str) -> Option<String> {
    let qr = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        qr.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

/// `POST /console/devices/code`: issues a code and shows it once.
pub async fn issue_code(
    State(st): State<AppState>,
    session: Session,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.require(&[Role::Supervisor])?;
    let form = session.form(&body)?;
    let user = parse_id(form.get("user").unwrap_or_default(), UserId::parse)?;
    let caller = session.caller.clone();
    let now = Utc::now();
    let (code, worker) = st
        .write(move |tx| devices::issue_code_for(tx, &caller, user, now))
        .await?;
    let qr = enrolment_qr(&st.enrolment, &headers, &code);
    let qr_text = zeroize::Zeroizing::new(qr.to_text());
    let svg = qr_svg(&qr_text).unwrap_or_default();
    let body = html! {
        section.card.code {
            p { (text::ISSUE_FOR) "：" strong { (worker) } }
            p.code #enrol-code { (code.as_str()) }
            @if let Some(w) = qr_warning(&qr) { p.notice #enrol-warning role="alert" { (w) } }
            div.qr #enrol-qr data-qr=(qr_text.as_str()) { (PreEscaped(svg)) }
            p.small { (text::CODE_LEAD) }
            dl.grid.small {
                dt { (text::QR_SERVER) } dd #enrol-server { (qr.server) }
                dt { (text::QR_PINS) }
                dd #enrol-pins {
                    @if qr.pins.is_empty() { (text::QR_NO_PIN) }
                    @for p in &qr.pins { code { (p.to_string()) } " " }
                }
            }
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

/// `POST /console/users/{id}/deactivate`: a supervisor ends the account of
/// a worker of the team (asked once more first, without JavaScript).
pub async fn deactivate_user(
    State(st): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    session.require(&[Role::Supervisor])?;
    let form = session.form(&body)?;
    let id = parse_id(&id, UserId::parse)?;
    if form.get("confirm") != Some("1") {
        let body = html! {
            section.card {
                p.notice { (text::DEACTIVATE_CONFIRM) }
                div.actions {
                    form method="post" action=(format!("/console/users/{id}/deactivate")) {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="confirm" value="1";
                        button.danger #confirm-deactivate type="submit" { (text::DEACTIVATE) }
                    }
                    a href="/console/devices" { (text::CANCEL) }
                }
            }
        };
        return Ok(layout::page(
            &session,
            text::DEACTIVATE_TITLE,
            "devices",
            None,
            body,
        ));
    }
    let caller = session.caller.clone();
    let now = Utc::now();
    st.write(move |tx| crate::engine::users::deactivate_by_supervisor(tx, &caller, id, now))
        .await?
        .then_some(())
        .ok_or_else(PageError::forbidden)?;
    tracing::info!("account deactivated from the console");
    Ok(see_other("/console/devices?done=deactivated"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use outreach_shared::enrolment::SpkiPin;

    #[test]
    fn the_qr_names_the_public_address_and_the_pins() {
        let pin = SpkiPin::from_sha256([3; 32]);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::HOST,
            "console.example.invalid:8443".parse().unwrap(),
        );
        let tls = EnrolmentInfo {
            public_url: None,
            pins: vec![pin],
            tls: true,
        };
        let qr = enrolment_qr(&tls, &headers, "ABCD-EFGH-JKLM");
        assert_eq!(qr.server, "https://console.example.invalid:8443");
        assert_eq!(qr.pins, vec![pin]);
        assert_eq!(EnrolmentQr::parse(&qr.to_text()).unwrap(), qr);
        let public = EnrolmentInfo {
            public_url: Some("https://outreach.example.invalid".into()),
            ..tls
        };
        let qr = enrolment_qr(&public, &headers, "ABCD-EFGH-JKLM");
        assert_eq!(qr.server, "https://outreach.example.invalid");
        assert_eq!(qr_warning(&qr), None);
        // A plain-HTTP address off loopback: tablets refuse it, the page
        // says so.
        let lan = EnrolmentInfo {
            public_url: Some("http://192.0.2.10:8080".into()),
            pins: vec![],
            tls: false,
        };
        let qr = enrolment_qr(&lan, &headers, "ABCD-EFGH-JKLM");
        assert_eq!(qr_warning(&qr), Some(text::QR_ADDRESS_REFUSED));
        // A plain-HTTP address (test server behind nothing) carries no pin.
        let plain = EnrolmentInfo {
            public_url: Some("http://127.0.0.1:8080".into()),
            pins: vec![pin],
            tls: false,
        };
        let qr = enrolment_qr(&plain, &headers, "X");
        assert!(qr.pins.is_empty());
        assert_eq!(qr_warning(&qr), None, "loopback is fine (a test, the demo)");
    }
}
