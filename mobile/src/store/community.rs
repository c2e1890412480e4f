//! 地域づくり on the tablet (issue 18): the team's community activities
//! (a 民生委員 meeting attended, a サロン visit, a patrol...), each sealed
//! in its row (`community`; only the id and when it was held in clear)
//! and written with its outbox operation in one transaction. A "possible
//! person to find" becomes a person at 把握 by the store's one rule for a
//! new person ([`Store::create_person`]'s), in the same transaction and
//! queued before the activity, so the server has the person when the
//! activity names it. Activities are append-only.

use outreach_shared::protocol::{EntityRef, Payload};
use outreach_shared::{
    CommunityActivity, CommunityActivityId, FieldError, NoticedBy, Person, Violation,
};
use rusqlite::{Connection, TransactionBehavior, params};

use super::records::{ctx, open_rows, push_op, read_one, write_new_person};
use super::{Store, seal_value, ts, unix_ms};
use crate::crypto::{Sealer, random_array};
use crate::error::{Result, StoreError};
use crate::model::{NewCommunityActivity, NewPerson};

/// Stores a community activity (pulled, or made here) unless it is there
/// already: append-only.
pub(crate) fn put_activity(
    conn: &Connection,
    sealer: &Sealer,
    a: &CommunityActivity,
) -> Result<bool> {
    let id = a.id.to_string();
    let exists: i64 =
        conn.query_row("SELECT count(*) FROM community WHERE id = ?1", [&id], |x| {
            x.get(0)
        })?;
    if exists > 0 {
        return Ok(false);
    }
    let sealed = seal_value(sealer, "community", &id, 1, a)?;
    conn.execute(
        "INSERT INTO community (id, held_at, version, sealed) VALUES (?1, ?2, 1, ?3)",
        params![id, ts(a.held_at), sealed],
    )?;
    Ok(true)
}

impl Store {
    /// The team's community activities this tablet holds, newest first.
    pub fn community_activities(&mut self) -> Result<Vec<CommunityActivity>> {
        let (conn, sealer) = self.unlocked_parts()?;
        let mut damaged = Vec::new();
        let out = open_rows(
            conn,
            sealer,
            "community",
            "SELECT id, version, sealed FROM community ORDER BY held_at DESC, id DESC",
            &[],
            &mut damaged,
        )?;
        self.set_aside_all(damaged)?;
        Ok(out)
    }

    /// Records a community activity by this tablet's worker, with its
    /// persons to find: each is made a person at 把握 (alias only, the
    /// activity's 町丁, noticed by アウトリーチ) first, then the activity
    /// naming them; all validated by `shared`, sealed and queued in one
    /// transaction. Returns the activity and the new persons.
    pub fn log_community_activity(
        &mut self,
        new: NewCommunityActivity,
    ) -> Result<(CommunityActivity, Vec<Person>)> {
        self.require_unlocked()?;
        let now = self.now();
        let identity = self.identity;
        let mut persons = Vec::new();
        for (i, p) in new.persons_to_find.into_iter().enumerate() {
            if outreach_shared::domain::community::looks_like_name(&p.alias) {
                return Err(StoreError::invalid_one(FieldError::new(
                    format!("community.find_alias.{i}"),
                    Violation::LooksLikeName,
                )));
            }
            let np = NewPerson {
                alias: p.alias,
                sex: p.sex,
                area: Some(new.area.clone()),
                noticed_by: Some(NoticedBy::Outreach),
                ..NewPerson::default()
            };
            persons.push(self.new_person_record(np, now)?);
        }
        let activity = CommunityActivity {
            id: CommunityActivityId::new_v7(unix_ms(now), random_array()?),
            team: identity.team_id,
            author: identity.user_id,
            kind: new.kind,
            area: new.area,
            held_at: new.held_at,
            participants: new.participants,
            learned: new.learned,
            follow_up: new.follow_up,
            persons_to_find: persons.iter().map(|(r, _)| r.person.id).collect(),
            recorded_at: now,
        };
        activity.validate(&ctx(now)).map_err(StoreError::Invalid)?;
        let hlc = self.stamp(now);
        let (conn, sealer) = self.unlocked_parts()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (rec, phlc) in &persons {
            write_new_person(&tx, sealer, &identity, rec, *phlc, now)?;
        }
        put_activity(&tx, sealer, &activity)?;
        push_op(
            &tx,
            sealer,
            &identity,
            hlc,
            now,
            EntityRef::community_activity(activity.id),
            Payload::RecordCommunityActivity(activity.clone()),
            None,
        )?;
        tx.commit()?;
        Ok((
            activity,
            persons.into_iter().map(|(r, _)| r.person).collect(),
        ))
    }

    /// The community activity that brought up `person`, if any: the
    /// newest that names it. Looked up in the session's in-memory index
    /// (see `lookup.rs`), so a person page opens one activity, not all.
    pub fn found_by(
        &mut self,
        person: outreach_shared::PersonId,
    ) -> Result<Option<CommunityActivity>> {
        let at = self.lookup_stamp()?;
        match self.lookups()?.found_by(at, person) {
            Some(None) => return Ok(None),
            Some(Some(id)) => {
                let now = self.now();
                let (conn, sealer) = self.unlocked_parts()?;
                // Damaged (now set aside) or gone: look again from the rows.
                if let Ok(Some((a, _))) =
                    read_one::<CommunityActivity>(conn, sealer, "community", &id.to_string(), now)
                {
                    return Ok(Some(a));
                }
            }
            None => {}
        }
        let at = self.lookup_stamp()?;
        let all = self.community_activities()?;
        let named: Vec<_> = all
            .iter()
            .map(|a| (a.id, a.persons_to_find.clone()))
            .collect();
        self.lookups()?.set_found_by(at, &named);
        Ok(all
            .into_iter()
            .find(|a| a.persons_to_find.contains(&person)))
    }
}
