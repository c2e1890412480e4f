//! How concurrent changes to a mutable record merge: field by field, the
//! change with the greater HLC wins (last writer wins), and a *real* conflict
//! — two edits to the same field made without seeing each other, with
//! different values — is reported so it can be kept and shown, never dropped.
//!
//! The rule is order-independent: applying the same set of changes in any
//! order gives the same value and the same conflicts.
//!
//! The household is not one field but one field per member
//! ([`household`]): an edit of one member never overwrites another device's
//! edit of a different member.

pub mod household;

use serde::{Deserialize, Serialize};

use crate::hlc::Hlc;

/// A field value with the timestamp of the change that set it, and the
/// version of the field its author had seen (`None`: none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Versioned<T> {
    pub value: T,
    pub hlc: Hlc,
    pub base: Option<Hlc>,
}

impl<T> Versioned<T> {
    /// Whether the author of `self` had seen the change stamped `other`.
    pub fn saw(&self, other: Hlc) -> bool {
        self.base.is_some_and(|b| b >= other)
    }
}

/// What merging one incoming change into a field did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldMerge<T> {
    /// The incoming value is now the field's value.
    Applied,
    /// The incoming value lost to a newer one whose author had seen it, or is
    /// the same change delivered again: nothing to do.
    Superseded,
    /// The two values were made without either author seeing the other, and
    /// differ. `winner` (greater HLC) is the field's value now; `loser` is to
    /// be kept and shown.
    Conflict {
        winner: Versioned<T>,
        loser: Versioned<T>,
    },
}

/// Merges `incoming` into `current`.
///
/// Two changes X (older) and Y (newer) conflict when their values differ and
/// Y's author had not seen X. The newer always wins the field.
pub fn merge_field<T: Clone + PartialEq>(
    current: &mut Option<Versioned<T>>,
    incoming: Versioned<T>,
) -> FieldMerge<T> {
    let Some(cur) = current.as_ref() else {
        *current = Some(incoming);
        return FieldMerge::Applied;
    };
    if incoming.hlc == cur.hlc {
        return FieldMerge::Superseded;
    }
    let (older, newer) = if incoming.hlc > cur.hlc {
        (cur.clone(), incoming.clone())
    } else {
        (incoming.clone(), cur.clone())
    };
    let conflict = older.value != newer.value && !newer.saw(older.hlc);
    let applied = incoming.hlc > cur.hlc;
    if applied {
        *current = Some(incoming);
    }
    match (conflict, applied) {
        (true, _) => FieldMerge::Conflict {
            winner: newer,
            loser: older,
        },
        (false, true) => FieldMerge::Applied,
        (false, false) => FieldMerge::Superseded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::DeviceId;

    fn h(ms: u64, n: u8) -> Hlc {
        Hlc::new(ms, 0, DeviceId::new_v7(1, [n; 10]))
    }

    fn v(value: &'static str, hlc: Hlc, base: Option<Hlc>) -> Versioned<&'static str> {
        Versioned { value, hlc, base }
    }

    #[test]
    fn sequential_edits_never_conflict() {
        let mut f = None;
        assert_eq!(
            merge_field(&mut f, v("a", h(1, 1), None)),
            FieldMerge::Applied
        );
        assert_eq!(
            merge_field(&mut f, v("b", h(2, 2), Some(h(1, 1)))),
            FieldMerge::Applied
        );
        assert_eq!(f.unwrap().value, "b");
    }

    #[test]
    fn concurrent_edits_conflict_in_either_order_with_the_same_result() {
        let base = h(1, 1);
        let a = v("a", h(10, 2), Some(base));
        let b = v("b", h(12, 3), Some(base));
        let mut f1 = Some(v("orig", base, None));
        assert_eq!(merge_field(&mut f1, a.clone()), FieldMerge::Applied);
        let r1 = merge_field(&mut f1, b.clone());
        let mut f2 = Some(v("orig", base, None));
        assert_eq!(merge_field(&mut f2, b.clone()), FieldMerge::Applied);
        let r2 = merge_field(&mut f2, a.clone());
        assert_eq!(f1, f2);
        assert_eq!(f1.unwrap().value, "b");
        let expected = FieldMerge::Conflict {
            winner: b,
            loser: a,
        };
        assert_eq!(r1, expected);
        assert_eq!(r2, expected);
    }

    #[test]
    fn concurrent_equal_values_do_not_conflict() {
        let base = h(1, 1);
        let mut f = Some(v("orig", base, None));
        merge_field(&mut f, v("same", h(10, 2), Some(base)));
        assert_eq!(
            merge_field(&mut f, v("same", h(12, 3), Some(base))),
            FieldMerge::Applied
        );
    }

    #[test]
    fn redelivery_is_harmless() {
        let mut f = Some(v("a", h(5, 1), None));
        assert_eq!(
            merge_field(&mut f, v("a", h(5, 1), None)),
            FieldMerge::Superseded
        );
        assert_eq!(f.unwrap().value, "a");
    }

    #[test]
    fn an_older_edit_that_the_newer_one_saw_is_superseded() {
        let mut f = Some(v("b", h(20, 2), Some(h(10, 1))));
        assert_eq!(
            merge_field(&mut f, v("a", h(10, 1), None)),
            FieldMerge::Superseded
        );
        assert_eq!(f.unwrap().value, "b");
    }
}
