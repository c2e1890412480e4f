//! What the console's case pages read, each load audited: the board
//! (every case the caller may see, with the person's alias where the
//! caller may read it and, for coordinators, what is overdue in each
//! plan) and one case's page (its detail, the records the caller may read,
//! and the lists its forms offer). The escalating team (workers and
//! supervisors) gets each case's status only (`CaseStatusView`, as the
//! tablet does): `shared::access::case_view` decides.

use chrono::{DateTime, Utc};
use outreach_shared::access::{Action, CaseView, Role};
use outreach_shared::protocol::{CaseDetail, CaseRecords, CaseStatusView};
use outreach_shared::{
    AgencyId, CaseId, CaseQueueItem, CaseStatus, ConsentRecord, Overdue, Route, TeamId, Urgency,
    UserId, ja,
};
use std::collections::HashMap;

use super::cases::{
    case_detail, case_for, case_status, console_may_read, list_cases, person_of_case, status_rows,
    view_of,
};
use super::{Caller, Error, audit_console};
use crate::store::Tx;

/// A case on the board: whole, or its status only.
pub enum BoardItem {
    Full(Box<CaseQueueItem>),
    Status(Box<CaseStatusView>),
}

/// One card of the board.
pub struct BoardCase {
    pub item: BoardItem,
    /// The person's alias, where the caller may read the person.
    pub alias: Option<String>,
    /// What is overdue in the case's plan (coordinators only).
    pub overdue: Option<Overdue>,
    /// The person consented since the case went to the 支援会議: the
    /// coordinator may move it (coordinators only).
    pub consent_arrived: bool,
}

impl BoardCase {
    pub fn case_id(&self) -> CaseId {
        match &self.item {
            BoardItem::Full(i) => i.escalation.case_id,
            BoardItem::Status(v) => v.case_id,
        }
    }
    pub fn status(&self) -> CaseStatus {
        match &self.item {
            BoardItem::Full(i) => i.status,
            BoardItem::Status(v) => v.status,
        }
    }
    pub fn route(&self) -> Route {
        match &self.item {
            BoardItem::Full(i) => i.route,
            BoardItem::Status(v) => v.route,
        }
    }
    pub fn urgency(&self) -> Urgency {
        match &self.item {
            BoardItem::Full(i) => i.urgency(),
            BoardItem::Status(v) => v.urgency,
        }
    }
}

/// The console's case board (audited as a view).
pub fn board(
    tx: &mut dyn Tx,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<Vec<BoardCase>, Error> {
    if caller.actor.role.reads_case_status_only() {
        return status_board(tx, caller, now);
    }
    let items = list_cases(tx, caller)?;
    let coordinator = caller.actor.role == Role::Coordinator;
    let overdue = if coordinator {
        let open: Vec<CaseId> = items
            .iter()
            .filter(|i| i.status.is_open())
            .map(|i| i.escalation.case_id)
            .collect();
        super::plans::overdue_by_case(tx, &open, ja::local_date(now))?
    } else {
        HashMap::new()
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let person = person_of_case(tx, &caller.actor, &item)?;
        let consent_arrived = coordinator
            && item.status.is_open()
            && item.route == Route::SupportMeeting
            && person
                .as_ref()
                .is_some_and(|(_, c)| c.allows_multi_layered_meeting());
        out.push(BoardCase {
            overdue: overdue.get(&item.escalation.case_id).cloned(),
            alias: person.map(|(a, _)| a),
            consent_arrived,
            item: BoardItem::Full(Box::new(item)),
        });
    }
    audit_console(
        tx,
        caller,
        "console.view.cases",
        format!("cases:{}", out.len()),
        "visibility rule (shared::access)",
        now,
    )?;
    Ok(out)
}

/// The escalating team's board: each case's status only.
fn status_board(
    tx: &mut dyn Tx,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<Vec<BoardCase>, Error> {
    let mut out = Vec::new();
    for (item, view) in status_rows(tx, caller)? {
        let alias = person_of_case(tx, &caller.actor, &item)?.map(|(a, _)| a);
        out.push(BoardCase {
            item: BoardItem::Status(Box::new(view)),
            alias,
            overdue: None,
            consent_arrived: false,
        });
    }
    audit_console(
        tx,
        caller,
        "console.view.cases",
        format!("case statuses:{}", out.len()),
        "visibility rule (shared::access): status",
        now,
    )?;
    Ok(out)
}

/// A user the case page's forms may name.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub agency: Option<AgencyId>,
}

/// Everything the console's case page shows.
pub struct CasePage {
    pub detail: CaseDetail,
    pub alias: Option<String>,
    pub consent: Option<ConsentRecord>,
    /// Display names of every user (for the history and the roster).
    pub names: HashMap<UserId, String>,
    /// Active agency members, who may be added to the roster.
    pub members: Vec<(UserId, String)>,
    /// Active agency members and outreach staff, who may own a task.
    pub staff: Vec<Staff>,
    /// The outreach teams a find-request may go to.
    pub teams: Vec<(TeamId, String)>,
    /// Whether the person is on an outreach team's caseload already.
    pub on_caseload: bool,
    /// The records the caller may read.
    pub records: CaseRecords,
    /// What is overdue in the plan today.
    pub overdue: Overdue,
    /// The person's household as the caller may see it.
    pub household: Vec<super::household::HouseholdLine>,
}

/// What the escalating team's case page shows: the status and the
/// person's alias.
pub struct StatusPage {
    pub status: CaseStatusView,
    pub alias: Option<String>,
}

/// A case page: whole, or the status only.
pub enum CaseScreen {
    Full(Box<CasePage>),
    Status(StatusPage),
}

/// A case as its console page shows it (audited as a read): whole for
/// those who read the case, its status for the escalating team. `Ok(None)`
/// when the case exists but the caller may not see it: the refusal is
/// audited, so the caller commits it.
pub fn case_page(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: CaseId,
    now: DateTime<Utc>,
) -> Result<Option<CaseScreen>, Error> {
    let row = tx
        .case(id)?
        .ok_or_else(|| Error::not_found("no such case, or not visible to you"))?;
    match view_of(caller, &row) {
        None => {
            console_may_read(tx, caller, id, &format!("case:{id}"), now)?;
            Ok(None)
        }
        Some(CaseView::Status) => {
            let status = case_status(tx, caller, id, now)?;
            let alias = person_of_case(tx, &caller.actor, &row.item)?.map(|(a, _)| a);
            Ok(Some(CaseScreen::Status(StatusPage { status, alias })))
        }
        Some(CaseView::Full) => {
            Ok(full_page(tx, caller, id, now)?.map(|p| CaseScreen::Full(Box::new(p))))
        }
    }
}

/// The whole case page ([`case_page`]); `Ok(None)` when not visible.
pub fn full_page(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: CaseId,
    now: DateTime<Utc>,
) -> Result<Option<CasePage>, Error> {
    if !console_may_read(tx, caller, id, &format!("case:{id}"), now)? {
        return Ok(None);
    }
    let detail = case_detail(tx, caller, id, now)?;
    let (alias, consent) = person_of_case(tx, &caller.actor, &detail.item)?.unzip();
    let row = case_for(tx, caller, id, Action::Read)?;
    let records = super::plans::visible_records(tx, &caller.actor, &row)?;
    let users = tx.users()?;
    let names = users
        .iter()
        .map(|u| (u.id, u.display_name.clone()))
        .collect();
    let members = users
        .iter()
        .filter(|u| u.role == Role::AgencyMember && u.active)
        .map(|u| (u.id, u.display_name.clone()))
        .collect();
    let staff = users
        .iter()
        .filter(|u| u.active && u.role != Role::Coordinator)
        .map(|u| Staff {
            id: u.id,
            name: u.display_name.clone(),
            role: u.role,
            agency: u.agency.clone(),
        })
        .collect();
    let referral = super::referrals::referral_team(tx)?;
    let teams = tx
        .teams()?
        .into_iter()
        .filter(|t| Some(t.id) != referral)
        .map(|t| (t.id, t.name))
        .collect();
    let on_caseload = referral != Some(row.team);
    let overdue = match records.plans.iter().max_by_key(|p| p.version) {
        Some(p) => Overdue::of(p, &records.monitoring, ja::local_date(now)),
        None => Overdue::default(),
    };
    let household = super::household::household_lines(tx, &caller.actor, &detail.item)?;
    Ok(Some(CasePage {
        household,
        detail,
        alias,
        consent,
        names,
        members,
        staff,
        teams,
        on_caseload,
        records,
        overdue,
    }))
}
