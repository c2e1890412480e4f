//! Referrals to 多機関協働 from the console: a coordinator or an agency
//! member names a person (one they may already see, or someone new by a
//! descriptive alias), the reason, the fields, the urgency and the consent
//! as they know it; a coordinator may at once ask outreach to find a new
//! person. The form becomes a `ReferralRequest` for one engine call
//! ([`crate::engine::referrals::file_referral`]); the answer is a receipt,
//! since the referrer sees the case afterwards only if they join its
//! roster.

use axum::body::Bytes;
use axum::extract::State;
use chrono::{NaiveDate, Utc};
use maud::html;
use outreach_shared::access::Role;
use outreach_shared::ja::{self, Label};
use outreach_shared::protocol::*;
use outreach_shared::{
    ConsentRecord, ConsentScope, ConsentStatus, CrossTag, LifeField, PersonId, TeamId, Urgency,
};

use super::layout::{self, short_id};
use super::session::{Form, Session};
use super::{PageError, PageResult, parse_id, text};
use crate::engine::referrals;
use crate::state::AppState;

fn status_code(s: ConsentStatus) -> &'static str {
    match s {
        ConsentStatus::None => "none",
        ConsentStatus::Verbal => "verbal",
        ConsentStatus::Written => "written",
        ConsentStatus::Withdrawn => "withdrawn",
    }
}

fn scope_code(s: ConsentScope) -> &'static str {
    match s {
        ConsentScope::ShareWithAgencies => "share_with_agencies",
        ConsentScope::MultiLayeredMeeting => "multi_layered_meeting",
        ConsentScope::ContactFamily => "contact_family",
    }
}

fn urgency_code(u: Urgency) -> &'static str {
    match u {
        Urgency::Emergency => "emergency",
        Urgency::High => "high",
        Urgency::Normal => "normal",
    }
}

/// `GET /console/referrals`: the referral form.
pub async fn form(State(st): State<AppState>, session: Session) -> PageResult {
    session.require(&[Role::Coordinator, Role::AgencyMember])?;
    let (caller, now) = (session.caller.clone(), Utc::now());
    let f = st
        .write(move |tx| referrals::referral_form(tx, &caller, now))
        .await?;
    let coordinator = session.role() == Role::Coordinator;
    let today = ja::local_date(now);
    let body = html! {
        p.lead { (text::REFERRAL_LEAD) }
        form #referral-form method="post" action="/console/referrals" {
            input type="hidden" name="csrf" value=(session.csrf);
            fieldset {
                legend { (text::REFERRAL_PERSON) }
                label.check.block { input #kind-new type="radio" name="person_kind" value="new" checked; " " (text::REFERRAL_NEW) }
                label.block { (text::REFERRAL_ALIAS) " " input #alias type="text" name="alias" maxlength="40" size="40"; }
                label.check.block { input #kind-existing type="radio" name="person_kind" value="existing"; " " (text::REFERRAL_EXISTING) }
                @if f.persons.is_empty() { p.small { (text::REFERRAL_NONE_EXISTING) } } @else {
                    select #person name="person" { @for (p, a) in &f.persons { option value=(p) { (a) } } }
                }
            }
            label.block { (text::REASON) textarea #referral-reason name="reason" rows="4" maxlength="2000" required {} }
            fieldset {
                legend { (text::FIELDS) }
                @for x in LifeField::ALL {
                    label.check { input type="checkbox" name=(format!("field_{}", serde_code(&x))) value="1"; " " (x.ja()) } " "
                }
                br;
                @for x in CrossTag::ALL {
                    label.check { input type="checkbox" name=(format!("tag_{}", serde_code(&x))) value="1"; " " (x.ja()) } " "
                }
            }
            label.block { (text::URGENCY) " "
                select #urgency name="urgency" {
                    @for u in Urgency::ALL { option value=(urgency_code(u)) selected[u == Urgency::Normal] { (u.ja()) } }
                }
            }
            fieldset {
                legend { (text::REFERRAL_CONSENT) }
                select #consent name="consent" { @for s in ConsentStatus::ALL { option value=(status_code(s)) { (s.ja()) } } }
                " "
                @for s in ConsentScope::ALL {
                    label.check { input type="checkbox" name=(format!("scope_{}", scope_code(s))) value="1"; " " (s.ja()) } " "
                }
                label.block { (text::REFERRAL_CONSENT_DATE) " " input #consent-date type="date" name="consent_date" max=(today.to_string()); }
            }
            @if coordinator && !f.teams.is_empty() {
                fieldset #referral-find {
                    legend { label.check { input #find type="checkbox" name="find" value="1"; " " (text::REFERRAL_FIND) } }
                    label.block { (text::FIND_TEAM) " " select name="team" { @for (t, n) in &f.teams { option value=(t) { (n) } } } }
                    label.block { (text::FIND_REQUEST) textarea name="request" rows="2" maxlength="2000" {} }
                }
            }
            button.primary #refer type="submit" { (text::REFERRAL_SUBMIT) }
        }
    };
    Ok(layout::page(
        &session,
        text::REFERRAL_TITLE,
        "referral",
        None,
        body,
    ))
}

/// A unit enum's serde name.
fn serde_code<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|x| x.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Reads the referral form (the rules are the engine's).
fn request(form: &Form, session: &Session) -> Result<ReferralRequest, PageError> {
    let person = match form.get("person_kind") {
        Some("existing") => ReferredPerson::Existing {
            id: parse_id(form.get("person").unwrap_or_default(), PersonId::parse)?,
        },
        _ => ReferredPerson::New {
            alias: form
                .text("alias")
                .ok_or_else(|| PageError::invalid(text::REFERRAL_PICK_PERSON))?,
        },
    };
    let fields = LifeField::ALL
        .into_iter()
        .filter(|x| form.get(&format!("field_{}", serde_code(x))).is_some())
        .collect();
    let tags = CrossTag::ALL
        .into_iter()
        .filter(|x| form.get(&format!("tag_{}", serde_code(x))).is_some())
        .collect();
    let urgency = Urgency::ALL
        .into_iter()
        .find(|u| Some(urgency_code(*u)) == form.get("urgency"))
        .ok_or_else(|| PageError::bad_request(text::BAD_REQUEST))?;
    let status = ConsentStatus::ALL
        .into_iter()
        .find(|s| Some(status_code(*s)) == form.get("consent"))
        .unwrap_or(ConsentStatus::None);
    let consent = (status != ConsentStatus::None)
        .then(|| -> Result<ConsentRecord, PageError> {
            Ok(ConsentRecord {
                status,
                scope: ConsentScope::ALL
                    .into_iter()
                    .filter(|s| form.get(&format!("scope_{}", scope_code(*s))).is_some())
                    .collect(),
                date: form
                    .text("consent_date")
                    .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d"))
                    .transpose()
                    .map_err(|_| PageError::invalid(text::BAD_DATE))?,
                recorded_by: Some(session.user.id),
            })
        })
        .transpose()?;
    let find = if form.get("find").is_some() {
        Some(FindSpec {
            team: parse_id(form.get("team").unwrap_or_default(), TeamId::parse)?,
            request: form.text("request").unwrap_or_default(),
        })
    } else {
        None
    };
    Ok(ReferralRequest {
        protocol: ProtocolVersion::CURRENT,
        person,
        reason: form.text("reason").unwrap_or_default(),
        fields,
        tags,
        agencies_involved: Default::default(),
        urgency,
        consent,
        find,
    })
}

/// `POST /console/referrals`.
pub async fn submit(State(st): State<AppState>, session: Session, body: Bytes) -> PageResult {
    session.require(&[Role::Coordinator, Role::AgencyMember])?;
    let form = session.form(&body)?;
    let req = request(&form, &session)?;
    let (caller, clock, now) = (session.caller.clone(), st.clock.clone(), Utc::now());
    let r = st
        .write(move |tx| referrals::file_referral(tx, &caller, &clock, &req, now))
        .await?;
    tracing::info!(case = %r.case_id, folded = r.folded, "referral filed from the console");
    let body = html! {
        section.card #receipt {
            p { (text::REFERRAL_DONE) }
            @if r.folded { p.notice-box { (text::REFERRAL_FOLDED) } }
            dl.grid {
                dt { (text::CASE_NO_LABEL) } dd #receipt-case { (short_id(&r.case_id)) }
                dt { (text::ROUTE) } dd { (r.route.ja()) }
            }
            @if session.role() == Role::Coordinator {
                p { a #receipt-link href=(format!("/console/cases/{}", r.case_id)) { (text::CASE_TITLE) } }
            }
        }
    };
    Ok(layout::page(
        &session,
        text::REFERRAL_DONE_TITLE,
        "referral",
        None,
        body,
    ))
}
