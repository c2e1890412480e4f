//! One household member (世帯員), as typed: added, edited or removed one at
//! a time, so that each edit merges on its own.

use super::{FormErrors, non_blank};
use crate::app::text as t;
use crate::shared::*;

/// A household member as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInput {
    pub relation: Option<Relation>,
    /// How the worker refers to them (「母」「長男」).
    pub alias: String,
    /// 「1944」「昭和19」; empty for unknown.
    pub birth_year: String,
    pub approximate: bool,
    pub lives_together: bool,
    pub note: String,
    /// The member's own person record on this tablet, when they are a
    /// person of their own (each with their own consent); `None` records
    /// the relationship only.
    pub person: Option<PersonId>,
}

impl Default for MemberInput {
    fn default() -> Self {
        MemberInput {
            relation: None,
            alias: String::new(),
            birth_year: String::new(),
            approximate: false,
            // Most members a worker records live in the same home.
            lives_together: true,
            note: String::new(),
            person: None,
        }
    }
}

impl MemberInput {
    /// The input of a member as recorded (to edit it).
    pub fn from_member(m: &HouseholdMember) -> MemberInput {
        MemberInput {
            relation: Some(m.relation),
            alias: m.alias.clone().unwrap_or_default(),
            birth_year: m.birth_year.map(|b| b.year.to_string()).unwrap_or_default(),
            approximate: m.birth_year.is_some_and(|b| b.approximate),
            lives_together: m.lives_together,
            note: m.note.clone().unwrap_or_default(),
            person: m.person,
        }
    }

    /// The birth year as typed, in words beside the field, or why it does
    /// not read.
    pub fn birth_year_hint(&self) -> Option<Result<String, String>> {
        super::person::year_hint(&self.birth_year, self.approximate)
    }

    /// The member with this id, or every problem at once.
    pub fn parse(&self, id: HouseholdMemberId) -> Result<HouseholdMember, FormErrors> {
        let mut errors = FormErrors::new();
        if self.relation.is_none() {
            errors.push(("member.relation".into(), t::ERR_CHOOSE_RELATION.into()));
        }
        let birth_year = if self.birth_year.trim().is_empty() {
            None
        } else {
            match ja::parse_birth_year(&self.birth_year) {
                Ok(b) => Some(BirthYear {
                    year: b.year,
                    approximate: b.approximate || self.approximate,
                }),
                Err(e) => {
                    errors.push(("member.birth_year".into(), e.message_ja()));
                    None
                }
            }
        };
        match self.relation {
            Some(relation) if errors.is_empty() => Ok(HouseholdMember {
                id,
                relation,
                alias: non_blank(&self.alias),
                birth_year,
                lives_together: self.lives_together,
                note: non_blank(self.note.trim_end()),
                person: self.person,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_needs_a_relation_and_reads_back() {
        let id = HouseholdMemberId::new_v7(1, [1; 10]);
        let mut f = MemberInput {
            alias: "母".into(),
            birth_year: "S19ごろ".into(),
            ..MemberInput::default()
        };
        let e = f.parse(id).unwrap_err();
        assert_eq!(e[0].0, "member.relation");
        f.relation = Some(Relation::Parent);
        let m = f.parse(id).unwrap();
        assert_eq!(
            m.birth_year,
            Some(BirthYear {
                year: 1944,
                approximate: true
            })
        );
        assert!(m.lives_together);
        let back = MemberInput::from_member(&m);
        assert_eq!(back.parse(id).unwrap(), m);
        // A member who is a person of their own keeps the link through an
        // edit.
        let own = PersonId::new_v7(1, [2; 10]);
        f.person = Some(own);
        let linked = f.parse(id).unwrap();
        assert_eq!(linked.person, Some(own));
        assert_eq!(MemberInput::from_member(&linked).person, Some(own));
        f.birth_year = "大昔".into();
        assert_eq!(f.parse(id).unwrap_err()[0].0, "member.birth_year");
    }
}
