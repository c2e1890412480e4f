//! The household (世帯) merges member by member.
//!
//! Each member has its own version, under the key `household/<member id>`;
//! a change to one member ([`PersonField::HouseholdMember`]) is merged with
//! [`super::merge_field`] against that member's version only, so two devices
//! that edit two different members both keep their edit. A member without a
//! version of its own (added before protocol 2.0, or at registration) has the
//! version of the whole `household` field.
//!
//! Two more rules live here, so the server and the tablet apply them the
//! same way:
//! - [`legacy_list_changes`]: a whole-list change of protocol 1 (still in a
//!   tablet's outbox when the app was updated) becomes member changes; a
//!   member that another device changed since the author's view is kept,
//!   and the author's version is reported as a conflict, never written over
//!   the newer edit;
//! - [`keep_person_link`]: a member's link to a person of their own,
//!   once made, stays with the member: an edit without it (from a tablet
//!   before protocol 2.3, which does not know the link) keeps it; to unlink,
//!   the member is removed;
//! - [`merge_pulled`]: a tablet merges a pulled snapshot's household member
//!   by member, keeping its own changes the server has not seen yet.
//!
//! [`PersonField::HouseholdMember`]: crate::protocol::PersonField::HouseholdMember

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::{Household, HouseholdMember};
use crate::hlc::Hlc;
use crate::ids::HouseholdMemberId;

/// The version key of the whole household (protocol 1, and registration).
pub const LIST_KEY: &str = "household";
/// The start of a member's version key.
pub const MEMBER_PREFIX: &str = "household/";

/// Keeps the link of `current` (the member on record) to a person of
/// their own in an incoming edit of the same member that has none.
pub fn keep_person_link(current: Option<&HouseholdMember>, incoming: &mut Option<HouseholdMember>) {
    if let (Some(cur), Some(new)) = (current, incoming.as_mut())
        && new.person.is_none()
    {
        new.person = cur.person;
    }
}

/// The version key of one member: `household/<id>`.
pub fn member_key(id: HouseholdMemberId) -> String {
    format!("{MEMBER_PREFIX}{id}")
}

/// The member a version key names, if it is a member key.
pub fn member_of_key(key: &str) -> Option<HouseholdMemberId> {
    key.strip_prefix(MEMBER_PREFIX)?.parse().ok()
}

/// The version of one member: its own, or else the whole household's.
pub fn member_version(versions: &BTreeMap<String, Hlc>, id: HouseholdMemberId) -> Option<Hlc> {
    versions
        .get(&member_key(id))
        .or_else(|| versions.get(LIST_KEY))
        .copied()
}

/// The version under `key`, with a member key falling back to the whole
/// household's version.
pub fn version_of(versions: &BTreeMap<String, Hlc>, key: &str) -> Option<Hlc> {
    match member_of_key(key) {
        Some(id) => member_version(versions, id),
        None => versions.get(key).copied(),
    }
}

/// Every member id that the lists or the version maps mention, in order.
fn all_members<'a>(
    lists: impl IntoIterator<Item = &'a Household>,
    versions: impl IntoIterator<Item = &'a BTreeMap<String, Hlc>>,
) -> BTreeSet<HouseholdMemberId> {
    let mut ids: BTreeSet<HouseholdMemberId> = lists
        .into_iter()
        .flat_map(|h| h.members.iter().map(|m| m.id))
        .collect();
    for v in versions {
        ids.extend(v.keys().filter_map(|k| member_of_key(k)));
    }
    ids
}

/// What a protocol-1 whole-list change means for one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegacyMemberChange {
    /// The author had seen the member as it is now: apply the list's
    /// version of it (`None`: removed).
    Apply {
        id: HouseholdMemberId,
        member: Option<HouseholdMember>,
    },
    /// Someone changed the member after the author's view: the current
    /// member stays, and the list's version (`other`) is a conflict to keep
    /// and show.
    KeepCurrent {
        id: HouseholdMemberId,
        other: Option<HouseholdMember>,
    },
}

/// Turns a protocol-1 whole-list change, made by an author who had seen
/// the household at `base`, into member changes against `current`.
/// Members the list leaves as they are produce nothing.
pub fn legacy_list_changes(
    current: &Household,
    versions: &BTreeMap<String, Hlc>,
    incoming: &Household,
    base: Option<Hlc>,
) -> Vec<LegacyMemberChange> {
    let mut out = Vec::new();
    for id in all_members([current, incoming], []) {
        let now = current.member(id);
        let theirs = incoming.member(id);
        if now == theirs {
            continue;
        }
        let seen = match member_version(versions, id) {
            None => true,
            Some(v) => base.is_some_and(|b| b >= v),
        };
        let member = theirs.cloned();
        out.push(if seen {
            LegacyMemberChange::Apply { id, member }
        } else {
            LegacyMemberChange::KeepCurrent { id, other: member }
        });
    }
    out
}

/// Merges a pulled household into the local one, member by member: a member
/// whose local version is newer than the server's (a change still waiting
/// to be sent) stays as it is; every other member takes the server's value
/// and version. Returns how many members kept their local value.
pub fn merge_pulled(
    local: &mut Household,
    local_versions: &mut BTreeMap<String, Hlc>,
    remote: &Household,
    remote_versions: &BTreeMap<String, Hlc>,
) -> usize {
    let mut kept = 0;
    let ids = all_members([&*local, remote], [&*local_versions, remote_versions]);
    for id in ids {
        let Some(theirs) = member_version(remote_versions, id) else {
            continue;
        };
        match member_version(local_versions, id) {
            Some(mine) if mine > theirs => {
                if local.member(id) != remote.member(id) {
                    kept += 1;
                }
            }
            _ => {
                local.set_member(id, remote.member(id).cloned());
                local_versions.insert(member_key(id), theirs);
            }
        }
    }
    if let Some(theirs) = remote_versions.get(LIST_KEY).copied()
        && local_versions
            .get(LIST_KEY)
            .is_none_or(|mine| *mine < theirs)
    {
        local_versions.insert(LIST_KEY.to_owned(), theirs);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Relation;
    use crate::ids::DeviceId;
    use crate::merge::{FieldMerge, Versioned, merge_field};

    fn h(ms: u64, n: u8) -> Hlc {
        Hlc::new(ms, 0, DeviceId::new_v7(1, [n; 10]))
    }

    fn id(n: u8) -> HouseholdMemberId {
        HouseholdMemberId::new_v7(u64::from(n), [n; 10])
    }

    fn m(n: u8, alias: &str) -> HouseholdMember {
        HouseholdMember {
            id: id(n),
            relation: Relation::Parent,
            alias: Some(alias.into()),
            birth_year: None,
            lives_together: true,
            note: None,
            person: None,
        }
    }

    #[test]
    fn an_edit_without_the_link_keeps_it() {
        let mut linked = m(1, "母");
        linked.person = Some(crate::ids::PersonId::new_v7(3, [3; 10]));
        let mut old_tablet = Some(m(1, "母（要介護3）"));
        keep_person_link(Some(&linked), &mut old_tablet);
        assert_eq!(old_tablet.as_ref().unwrap().person, linked.person);
        assert_eq!(old_tablet.unwrap().alias.as_deref(), Some("母（要介護3）"));
        let mut removed = None;
        keep_person_link(Some(&linked), &mut removed);
        assert!(removed.is_none(), "a removal stays a removal");
    }

    fn hh(members: &[HouseholdMember]) -> Household {
        let mut h = Household::default();
        for x in members {
            h.set_member(x.id, Some(x.clone()));
        }
        h
    }

    #[test]
    fn keys_and_fallback_versions() {
        let key = member_key(id(3));
        assert!(key.starts_with("household/"));
        assert_eq!(member_of_key(&key), Some(id(3)));
        assert_eq!(member_of_key("household"), None);
        assert_eq!(member_of_key("alias"), None);
        let mut v = BTreeMap::from([(LIST_KEY.to_owned(), h(1, 1))]);
        assert_eq!(member_version(&v, id(3)), Some(h(1, 1)));
        v.insert(key.clone(), h(5, 2));
        assert_eq!(version_of(&v, &key), Some(h(5, 2)));
        assert_eq!(version_of(&v, &member_key(id(4))), Some(h(1, 1)));
        assert_eq!(version_of(&v, "alias"), None);
    }

    #[test]
    fn members_stay_in_id_order() {
        let mut list = hh(&[m(5, "父"), m(2, "母")]);
        assert_eq!(list.members[0].id, id(2));
        list.set_member(id(3), Some(m(3, "兄")));
        let ids: Vec<_> = list.members.iter().map(|x| x.id).collect();
        assert_eq!(ids, vec![id(2), id(3), id(5)]);
        list.set_member(id(3), None);
        assert_eq!(list.members.len(), 2);
    }

    /// Two devices edit two different members concurrently: each member's
    /// own version decides, so both edits stay whatever the order.
    #[test]
    fn concurrent_edits_of_different_members_both_stay() {
        let base = h(1, 1);
        let start = hh(&[m(1, "母"), m(2, "兄")]);
        let a = (id(1), Some(m(1, "母（要介護2）")), h(10, 2));
        let b = (id(2), Some(m(2, "兄（別居）")), h(11, 3));
        let apply = |order: [&(HouseholdMemberId, Option<HouseholdMember>, Hlc); 2]| {
            let mut list = start.clone();
            let mut versions = BTreeMap::from([(LIST_KEY.to_owned(), base)]);
            for (id, member, hlc) in order {
                let key = member_key(*id);
                let mut cur = version_of(&versions, &key).map(|v| Versioned {
                    value: list.member(*id).cloned(),
                    hlc: v,
                    base: None,
                });
                let r = merge_field(
                    &mut cur,
                    Versioned {
                        value: member.clone(),
                        hlc: *hlc,
                        base: Some(base),
                    },
                );
                assert_eq!(r, FieldMerge::Applied);
                list.set_member(*id, member.clone());
                versions.insert(key, *hlc);
            }
            list
        };
        let one = apply([&a, &b]);
        let two = apply([&b, &a]);
        assert_eq!(one, two);
        assert_eq!(
            one.member(id(1)).unwrap().alias.as_deref(),
            Some("母（要介護2）")
        );
        assert_eq!(
            one.member(id(2)).unwrap().alias.as_deref(),
            Some("兄（別居）")
        );
    }

    #[test]
    fn a_legacy_list_applies_only_what_its_author_saw() {
        let base = h(1, 1);
        let current = hh(&[m(1, "母"), m(2, "兄（別居）"), m(4, "妹")]);
        let versions = BTreeMap::from([
            (LIST_KEY.to_owned(), base),
            // Another device changed member 2 after the author's view.
            (member_key(id(2)), h(5, 2)),
            // ... and added member 4.
            (member_key(id(4)), h(6, 2)),
        ]);
        // The author edited member 1, added member 3, and carries an old
        // member 2; member 4 is missing from their list.
        let incoming = hh(&[m(1, "母（要介護2）"), m(2, "兄"), m(3, "父")]);
        let changes = legacy_list_changes(&current, &versions, &incoming, Some(base));
        assert_eq!(
            changes,
            vec![
                LegacyMemberChange::Apply {
                    id: id(1),
                    member: Some(m(1, "母（要介護2）"))
                },
                LegacyMemberChange::KeepCurrent {
                    id: id(2),
                    other: Some(m(2, "兄"))
                },
                LegacyMemberChange::Apply {
                    id: id(3),
                    member: Some(m(3, "父"))
                },
                LegacyMemberChange::KeepCurrent {
                    id: id(4),
                    other: None
                },
            ]
        );
        // An author who had seen everything removes what their list lacks.
        let removed = legacy_list_changes(&current, &versions, &hh(&[]), Some(h(9, 1)));
        assert!(
            removed
                .iter()
                .all(|c| matches!(c, LegacyMemberChange::Apply { member: None, .. }))
        );
        assert_eq!(removed.len(), 3);
    }

    #[test]
    fn a_pull_keeps_local_pending_members_and_takes_the_rest() {
        let mut local = hh(&[m(1, "母（端末で修正）"), m(2, "兄")]);
        let mut lv = BTreeMap::from([
            (LIST_KEY.to_owned(), h(1, 1)),
            (member_key(id(1)), h(20, 9)),
        ]);
        let remote = hh(&[m(1, "母"), m(2, "兄（別居）"), m(3, "父")]);
        let rv = BTreeMap::from([
            (LIST_KEY.to_owned(), h(1, 1)),
            (member_key(id(2)), h(10, 2)),
            (member_key(id(3)), h(11, 2)),
        ]);
        let kept = merge_pulled(&mut local, &mut lv, &remote, &rv);
        assert_eq!(kept, 1);
        assert_eq!(
            local.member(id(1)).unwrap().alias.as_deref(),
            Some("母（端末で修正）")
        );
        assert_eq!(
            local.member(id(2)).unwrap().alias.as_deref(),
            Some("兄（別居）")
        );
        assert!(local.member(id(3)).is_some());
        assert_eq!(lv.get(&member_key(id(3))), Some(&h(11, 2)));
        // The server removed member 3 later: the tablet follows.
        let remote = hh(&[m(1, "母"), m(2, "兄（別居）")]);
        let mut rv2 = rv.clone();
        rv2.insert(member_key(id(3)), h(30, 2));
        merge_pulled(&mut local, &mut lv, &remote, &rv2);
        assert!(local.member(id(3)).is_none());
        assert_eq!(local.members.len(), 2);
    }
}
