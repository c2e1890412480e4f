//! Referrals to 多機関協働 from the agencies and the coordinator
//! (「支援関係機関からつながれた…事案」), and the coordinator's requests that
//! outreach find someone.
//!
//! A referral names a person on record (whom the referrer may read) or a
//! new one known only by an alias. A new person belongs to no outreach
//! team yet: they are kept on the server's own referral team (a team no
//! worker or supervisor is on, so no tablet pulls them) until the
//! coordinator asks an outreach team to find them; then the person moves
//! to that team's caseload at 把握 and reaches its tablets with the
//! request, carried by the case's status. A person with an open case gets
//! the referral folded into it (`shared::case_rules::fold_followup`).
//!
//! Who may refer is `shared::access::decide` (`Resource::Referral`); the
//! find-request's rule is `shared::case_rules::check_find_request`.

use chrono::{DateTime, Utc};
use outreach_shared::access::{Action, Resource, Role, decide};
use outreach_shared::case_rules;
use outreach_shared::protocol::*;
use outreach_shared::validation::{Lines, check_text, limits};
use outreach_shared::{
    CaseId, CaseQueueItem, CaseStatus, ConsentRecord, Escalation, FindRequest, Household,
    NoticedBy, Person, PersonId, Referral, Route, Stage, TeamId, ValidationContext,
    ValidationErrors, Violation,
};
use std::collections::BTreeMap;

use super::cases::{case_for, detail_of, fold_followup, open_case, save_case};
use super::persons::{FIELD_NAMES, person_changed};
use super::{Caller, Error, ServerClock, latest_case};
use crate::audit::{self, AuditEvent};
use crate::crypto;
use crate::store::*;

/// The settings key of the referral team's id.
pub const REFERRAL_TEAM_KEY: &str = "referral_team";
/// The referral team's name, as the team list shows it.
pub const REFERRAL_TEAM_NAME: &str = "多機関協働（紹介・アウトリーチ未担当）";

/// The referral team, if it was made.
pub fn referral_team(tx: &mut dyn Tx) -> StoreResult<Option<TeamId>> {
    Ok(tx
        .meta(REFERRAL_TEAM_KEY)?
        .and_then(|s| TeamId::parse(&s).ok()))
}

/// The referral team, made on first use.
fn ensure_referral_team(tx: &mut dyn Tx, now: DateTime<Utc>) -> StoreResult<TeamId> {
    if let Some(t) = referral_team(tx)? {
        return Ok(t);
    }
    let t = TeamRow {
        id: crypto::new_id(TeamId::new_v7),
        name: REFERRAL_TEAM_NAME.into(),
    };
    tx.insert_team(&t)?;
    tx.set_meta(REFERRAL_TEAM_KEY, &t.id.to_string())?;
    audit::append(
        tx,
        AuditEvent {
            actor: "server".into(),
            device: None,
            device_hlc: None,
            action: "team.referral".into(),
            entity: format!("team:{}", t.id),
            basis: "referred persons not yet on an outreach caseload".into(),
        },
        now,
    )?;
    Ok(t.id)
}

/// A coordinator or an agency member refers a case to 多機関協働.
pub fn file_referral(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    req: &ReferralRequest,
    now: DateTime<Utc>,
) -> Result<ReferralReceipt, Error> {
    let actor = &caller.actor;
    if caller.device.is_some() || !decide(actor, Action::Write, Resource::Referral).is_allowed() {
        return Err(Error::forbidden(
            "referrals are filed by coordinators and agency members",
        ));
    }
    if req.find.is_some() && actor.role != Role::Coordinator {
        return Err(Error::forbidden(
            "only a coordinator asks outreach to find someone",
        ));
    }
    let ctx = ValidationContext::at(now);
    if let Some(c) = &req.consent {
        let mut e = ValidationErrors::default();
        e.nest("consent", c.validate(&ctx));
        e.finish()?;
    }
    let hlc = clock.now();
    let (person_id, consent) = match &req.person {
        ReferredPerson::Existing { id } => {
            let hidden = || Error::not_found("no such person, or not visible to you");
            let row = tx.person(*id)?.ok_or_else(hidden)?;
            let case = latest_case(tx, *id)?;
            let d = decide(
                actor,
                Action::Read,
                Resource::Person {
                    team: row.snapshot.person.team,
                    case: case.as_ref(),
                },
            );
            if !d.is_allowed() {
                return Err(hidden());
            }
            (*id, row.snapshot.person.consent)
        }
        ReferredPerson::New { alias } => {
            let mut e = ValidationErrors::default();
            check_text(
                &mut e,
                "person.alias",
                alias,
                limits::ALIAS,
                true,
                Lines::Single,
            );
            e.finish()?;
            let team = ensure_referral_team(tx, now)?;
            let person = Person {
                id: crypto::new_id(PersonId::new_v7),
                alias: alias.trim().to_owned(),
                kana: None,
                birth_year: None,
                sex: None,
                area: None,
                noticed_by: Some(NoticedBy::Agency),
                summary: None,
                household: Household::default(),
                fields: req.fields.clone(),
                tags: Default::default(),
                scheme_gap: None,
                stage: Stage::Identified,
                stage_note: None,
                consent: req.consent.clone().unwrap_or_else(ConsentRecord::none),
                team,
                assigned_worker: None,
                created_at: now,
            };
            let mut e = ValidationErrors::default();
            e.nest("person", person.validate(&ctx));
            e.finish()?;
            tx.put_person(&PersonRow {
                snapshot: PersonSnapshot::new(
                    person.clone(),
                    FIELD_NAMES.iter().map(|n| (n.to_string(), hlc)).collect(),
                ),
                bases: BTreeMap::new(),
            })?;
            person_changed(tx, &person, hlc)?;
            audit::append(
                tx,
                caller.event(
                    "referral.person",
                    format!("person:{}", person.id),
                    caller.basis("referral of someone new (alias only)"),
                    None,
                ),
                now,
            )?;
            (person.id, person.consent)
        }
    };
    let mut agencies = req.agencies_involved.clone();
    if let Some(a) = &actor.agency {
        agencies.insert(a.clone());
    }
    let e = Escalation {
        case_id: crypto::new_id(CaseId::new_v7),
        person_id,
        raised_by: actor.user,
        raised_at: now,
        reason: req.reason.clone(),
        fields: req.fields.clone(),
        tags: req.tags.clone(),
        agencies_involved: agencies,
        urgency: req.urgency,
        route: Route::for_consent(&consent),
        household: Vec::new(),
    };
    e.validate(&ctx, &consent)?;
    if let Some(open) = open_case(tx, person_id)? {
        let id = open.item.escalation.case_id;
        let route = open.item.route;
        fold_followup(tx, caller, open, e, hlc, now)?;
        audit::append(
            tx,
            caller.event(
                "case.referral_followup",
                format!("case:{id} person:{person_id}"),
                caller.basis("referral folded into the open case"),
                None,
            ),
            now,
        )?;
        if let Some(f) = &req.find {
            apply_find(tx, caller, clock, id, f, now)?;
        }
        return Ok(ReferralReceipt {
            protocol: ProtocolVersion::CURRENT,
            case_id: id,
            person_id,
            route,
            folded: true,
        });
    }
    let mut item = CaseQueueItem::received(e, now);
    item.referral = Some(Referral {
        agency: actor.agency.clone(),
        consent_as_known: req.consent.clone(),
    });
    let team = tx
        .person(person_id)?
        .map(|p| p.snapshot.person.team)
        .ok_or_else(|| Error::not_found("no such person"))?;
    let id = item.escalation.case_id;
    let route = item.route;
    save_case(tx, &item, team, hlc)?;
    tx.insert_case_move(&CaseMove {
        case_id: id,
        from: None,
        to: CaseStatus::Received,
        route,
        cause: CaseMoveCause::Referred,
        by: Some(actor.user),
        at: now,
    })?;
    audit::append(
        tx,
        caller.event(
            "case.referral",
            format!("case:{id} person:{person_id}"),
            caller.basis("referral (shared::access); route by consent"),
            None,
        ),
        now,
    )?;
    if let Some(f) = &req.find {
        apply_find(tx, caller, clock, id, f, now)?;
    }
    Ok(ReferralReceipt {
        protocol: ProtocolVersion::CURRENT,
        case_id: id,
        person_id,
        route,
        folded: false,
    })
}

/// A team of outreach workers (not the referral team).
fn outreach_team(tx: &mut dyn Tx, team: TeamId) -> Result<TeamId, Error> {
    let known = tx.team(team)?.is_some();
    if !known || referral_team(tx)? == Some(team) {
        return Err(Error::field("team", Violation::Unknown));
    }
    Ok(team)
}

/// A coordinator asks outreach to find the person of case `id`: the person
/// moves to `req.team`'s caseload at 把握 and the request reaches its
/// tablets with the case's status.
pub fn request_find(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    id: CaseId,
    req: &FindRequestRequest,
    now: DateTime<Utc>,
) -> Result<CaseDetail, Error> {
    let spec = FindSpec {
        team: req.team,
        request: req.request.clone(),
    };
    let seq = apply_find(tx, caller, clock, id, &spec, now)?;
    let item = tx
        .case(id)?
        .ok_or_else(|| Error::not_found("no such case"))?
        .item;
    Ok(detail_of(tx, item, seq)?)
}

/// The find-request itself: the rule, the person's move to the team (the
/// person's change first, so a tablet has the person before the case), the
/// case's request, its history and the audit.
fn apply_find(
    tx: &mut dyn Tx,
    caller: &Caller,
    clock: &ServerClock,
    id: CaseId,
    f: &FindSpec,
    now: DateTime<Utc>,
) -> Result<u64, Error> {
    let mut row = case_for(tx, caller, id, Action::Write)?;
    let mut person = tx
        .person(row.item.escalation.person_id)?
        .ok_or_else(|| Error::not_found("no such person"))?;
    let on_caseload = referral_team(tx)? != Some(person.snapshot.person.team);
    case_rules::check_find_request(&row.item, on_caseload, &f.request)?;
    let team = outreach_team(tx, f.team)?;
    person.snapshot.person.team = team;
    tx.put_person(&person)?;
    person_changed(tx, &person.snapshot.person, clock.now())?;
    row.item.find_request = Some(FindRequest {
        team,
        request: f.request.trim().to_owned(),
        requested_by: caller.actor.user,
        requested_at: now,
    });
    row.item.updated_at = now;
    let seq = save_case(tx, &row.item, team, clock.now())?;
    tx.insert_case_move(&CaseMove {
        case_id: id,
        from: Some(row.item.status),
        to: row.item.status,
        route: row.item.route,
        cause: CaseMoveCause::FindRequested,
        by: Some(caller.actor.user),
        at: now,
    })?;
    audit::append(
        tx,
        caller.event(
            "case.find_request",
            format!("case:{id} team:{team}"),
            caller.basis("coordinator asks outreach to find the person"),
            None,
        ),
        now,
    )?;
    Ok(seq)
}

/// What the console's referral form offers: the persons the caller may
/// refer (those they may read: for a coordinator the persons of the case
/// queue, for an agency member those of the open cases on whose roster
/// they are), and for a coordinator the outreach teams (audited as a view).
pub struct ReferralForm {
    pub persons: Vec<(PersonId, String)>,
    pub teams: Vec<(TeamId, String)>,
}

/// The referral form's lists.
pub fn referral_form(
    tx: &mut dyn Tx,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<ReferralForm, Error> {
    if caller.device.is_some()
        || !decide(&caller.actor, Action::Write, Resource::Referral).is_allowed()
    {
        return Err(Error::forbidden(
            "referrals are filed by coordinators and agency members",
        ));
    }
    let mut persons: Vec<(PersonId, String)> = Vec::new();
    for item in super::cases::list_cases(tx, caller)? {
        let pid = item.escalation.person_id;
        if persons.iter().any(|(p, _)| *p == pid) {
            continue;
        }
        if let Some((alias, _)) = super::cases::person_of_case(tx, &caller.actor, &item)? {
            persons.push((pid, alias));
        }
    }
    persons.sort_by(|a, b| a.1.cmp(&b.1));
    let teams = if caller.actor.role == Role::Coordinator {
        let referral = referral_team(tx)?;
        tx.teams()?
            .into_iter()
            .filter(|t| Some(t.id) != referral)
            .map(|t| (t.id, t.name))
            .collect()
    } else {
        Vec::new()
    };
    super::audit_console(
        tx,
        caller,
        "console.view.referral_form",
        format!("persons:{}", persons.len()),
        "referral (shared::access)",
        now,
    )?;
    Ok(ReferralForm { persons, teams })
}
