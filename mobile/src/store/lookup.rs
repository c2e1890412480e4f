//! Session-scoped lookups that would otherwise open every record: which
//! persons' households list a person (the timeline's 世帯 links), and which
//! community activity brought a person up (the timeline's 地域づくり line).
//!
//! The answers are learned from the sealed records themselves, held in
//! memory only (never on disk: who links to whom reveals a household),
//! built on first use after an unlock, zeroized when dropped (the index
//! lives in the unlocked session, so a lock or a new key drops it), and
//! thrown away whenever the tables they come from may have changed:
//! - every row this connection inserts, updates or deletes in `persons`
//!   or `community`, whatever the path (a local edit, a pulled page, a
//!   discarded change, a record set aside, a re-key), bumps a counter
//!   through SQLite's update hook ([`watch`]);
//! - a commit by another connection to the same file changes
//!   `PRAGMA data_version`.
//!
//! A bump inside a transaction that is then rolled back only costs one
//! rebuild.

use outreach_shared::{CommunityActivityId, PersonId};
use rusqlite::Connection;
use rusqlite::hooks::Action;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::Result;

/// How many times each watched table has been written through this
/// connection.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    persons: AtomicU64,
    community: AtomicU64,
}

/// The write counters at one moment, with the file's `data_version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    persons: u64,
    community: u64,
    data_version: i64,
}

/// Installs the update hook that counts writes to the watched tables.
pub(crate) fn watch(conn: &mut Connection) -> Result<Arc<Changes>> {
    let changes = Arc::new(Changes::default());
    let seen = changes.clone();
    conn.update_hook(Some(move |_: Action, db: &str, table: &str, _: i64| {
        if db != "main" {
            return;
        }
        match table {
            "persons" => seen.persons.fetch_add(1, Ordering::Relaxed),
            "community" => seen.community.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
    }))?;
    Ok(changes)
}

/// The counters now.
pub(crate) fn stamp(conn: &Connection, changes: &Changes) -> Result<Stamp> {
    let data_version: i64 = conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))?;
    Ok(Stamp {
        persons: changes.persons.load(Ordering::Relaxed),
        community: changes.community.load(Ordering::Relaxed),
        data_version,
    })
}

/// Sorted `(key, value)` pairs of raw UUIDs, zeroized on drop. Filled to
/// a capacity counted first, so no copy is left behind by a reallocation.
struct Pairs(Zeroizing<Vec<[u128; 2]>>);

impl Pairs {
    fn new(mut pairs: Zeroizing<Vec<[u128; 2]>>) -> Pairs {
        pairs.sort_unstable();
        Pairs(pairs)
    }

    /// The values stored under `key`, in order.
    fn values(&self, key: Uuid) -> impl Iterator<Item = Uuid> + '_ {
        let k = key.as_u128();
        let start = self.0.partition_point(|p| p[0] < k);
        self.0[start..]
            .iter()
            .take_while(move |p| p[0] == k)
            .map(|p| Uuid::from_u128(p[1]))
    }
}

fn counted(n: usize) -> Zeroizing<Vec<[u128; 2]>> {
    Zeroizing::new(Vec::with_capacity(n))
}

/// Who lists whom: `(linked person, person whose household links them)`.
struct ListedBy {
    at: Stamp,
    pairs: Pairs,
}

/// Who was brought up by which activity: `(person, activity)`, one
/// activity per person (the newest, in the order the tablet lists them).
struct FoundBy {
    at: Stamp,
    pairs: Pairs,
}

/// The lookups of one unlocked session; empty until first used.
#[derive(Default)]
pub(crate) struct Lookups {
    listed_by: Option<ListedBy>,
    found_by: Option<FoundBy>,
}

impl std::fmt::Debug for Lookups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the pairs themselves.
        f.debug_struct("Lookups")
            .field("listed_by", &self.listed_by.is_some())
            .field("found_by", &self.found_by.is_some())
            .finish()
    }
}

impl Lookups {
    /// The persons whose household links `person`, in id order; `None`
    /// when the index is missing or `persons` may have changed since it
    /// was built.
    pub(crate) fn listed_by(&self, at: Stamp, person: PersonId) -> Option<Vec<PersonId>> {
        let l = self.listed_by.as_ref()?;
        if l.at.persons != at.persons || l.at.data_version != at.data_version {
            return None;
        }
        Some(l.pairs.values(person.0).map(PersonId).collect())
    }

    /// Indexes every person on the tablet with the persons its household
    /// links, as read at `at`.
    pub(crate) fn set_listed_by(&mut self, at: Stamp, links: &[(PersonId, Vec<PersonId>)]) {
        self.listed_by = None;
        let mut pairs = counted(links.iter().map(|(_, l)| l.len()).sum());
        for (id, linked) in links {
            for l in linked {
                pairs.push([l.0.as_u128(), id.0.as_u128()]);
            }
        }
        self.listed_by = Some(ListedBy {
            at,
            pairs: Pairs::new(pairs),
        });
    }

    /// The activity that brought `person` up (`Some(None)`: none); `None`
    /// when the index is missing or `community` may have changed since it
    /// was built.
    pub(crate) fn found_by(
        &self,
        at: Stamp,
        person: PersonId,
    ) -> Option<Option<CommunityActivityId>> {
        let l = self.found_by.as_ref()?;
        if l.at.community != at.community || l.at.data_version != at.data_version {
            return None;
        }
        Some(l.pairs.values(person.0).next().map(CommunityActivityId))
    }

    /// Indexes every activity with its persons to find, as read at `at`,
    /// in the order whose first match wins.
    pub(crate) fn set_found_by(
        &mut self,
        at: Stamp,
        activities: &[(CommunityActivityId, Vec<PersonId>)],
    ) {
        self.found_by = None;
        // `(person, position)`, sorted: each person's first activity
        // comes first.
        let mut named = counted(activities.iter().map(|(_, f)| f.len()).sum());
        for (pos, (_, found)) in activities.iter().enumerate() {
            for p in found {
                named.push([p.0.as_u128(), pos as u128]);
            }
        }
        let named = Pairs::new(named);
        let mut firsts = counted(named.0.len());
        for (i, p) in named.0.iter().enumerate() {
            if i == 0 || named.0[i - 1][0] != p[0] {
                firsts.push([p[0], activities[p[1] as usize].0.0.as_u128()]);
            }
        }
        self.found_by = Some(FoundBy {
            at,
            pairs: Pairs::new(firsts),
        });
    }
}
