//! The household (世帯) of a case as a reader may see it: the members of
//! the person's household (relationship-only members and persons of their
//! own) and the members the case lists, each shown by
//! `shared::access::household_member_shown` (another team's member as
//! 「他チームの担当」, never their record) and, for a member the case lists,
//! whether the case's meeting discusses them (`CaseQueueItem::discusses`:
//! their own consent). The rules are in `shared`; this only loads.

use outreach_shared::access::{Actor, MemberShown, household_member_shown, person_view};
use outreach_shared::{CaseQueueItem, ConsentStatus, PersonId, Relation, Route};

use crate::store::*;

/// One member of the household on a case page.
#[derive(Debug, Clone)]
pub struct HouseholdLine {
    /// The relation to the case's person, where the person's record says.
    pub relation: Option<Relation>,
    /// What the reader may see of the member's name: the alias of a
    /// visible person, or the relationship-only member's label.
    pub alias: Option<String>,
    /// Whether the member is a person of their own.
    pub own_record: bool,
    pub shown: MemberShown,
    /// The member's own consent, where the member is visible.
    pub consent: Option<ConsentStatus>,
    /// For a member the case lists: whether its meeting discusses them,
    /// and their route.
    pub in_case: Option<(bool, Route)>,
}

/// The household of `item`'s person as `actor` sees it (the case is
/// already readable by `actor`; `item` is its view, `case_item_view`).
pub fn household_lines(
    tx: &mut dyn Tx,
    actor: &Actor,
    item: &CaseQueueItem,
) -> StoreResult<Vec<HouseholdLine>> {
    let mut lines = Vec::new();
    let mut listed: Vec<PersonId> = Vec::new();
    let members = match tx.person(item.escalation.person_id)? {
        Some(p) => person_view(actor, p.snapshot.person).household.members,
        None => Vec::new(),
    };
    for m in members {
        match m.person {
            None => lines.push(HouseholdLine {
                relation: Some(m.relation),
                alias: m.alias.clone(),
                own_record: false,
                shown: MemberShown::Visible,
                consent: None,
                in_case: None,
            }),
            Some(pid) => {
                listed.push(pid);
                if let Some(l) = linked_line(tx, actor, item, pid, Some(m.relation))? {
                    lines.push(l);
                }
            }
        }
    }
    for m in &item.household {
        if !listed.contains(&m.person_id)
            && let Some(l) = linked_line(tx, actor, item, m.person_id, None)?
        {
            lines.push(l);
        }
    }
    Ok(lines)
}

fn linked_line(
    tx: &mut dyn Tx,
    actor: &Actor,
    item: &CaseQueueItem,
    pid: PersonId,
    relation: Option<Relation>,
) -> StoreResult<Option<HouseholdLine>> {
    let Some(row) = tx.person(pid)? else {
        return Ok(None);
    };
    let case_member = item.household_member(pid);
    let shown = household_member_shown(
        actor,
        row.snapshot.person.team,
        pid,
        case_member.map(|_| item),
    );
    if shown == MemberShown::Hidden {
        return Ok(None);
    }
    let visible = shown == MemberShown::Visible;
    let p = person_view(actor, row.snapshot.person);
    Ok(Some(HouseholdLine {
        relation,
        alias: visible.then_some(p.alias),
        own_record: true,
        shown,
        consent: visible.then_some(p.consent.status),
        in_case: case_member.map(|m| (item.discusses(pid), m.route)),
    }))
}
