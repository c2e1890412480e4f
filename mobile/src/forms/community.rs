//! A community activity as the worker types it (地域づくり, issue 18): the
//! kind, the 町丁, the date and time (日本時間, 令和 or 西暦), the count of
//! each role that took part, what was learned, the follow-ups and the
//! aliases of persons to find (one a line). Read into a
//! [`NewCommunityActivity`] for `Store::log_community_activity`; the
//! domain's rules (no names in free text, counts in range) are `shared`'s.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;
use std::collections::BTreeMap;

use super::FormErrors;
use super::contact::parse_time;
use crate::app::text as t;
use crate::model::{NewCommunityActivity, PersonToFind};
use crate::shared::*;

/// The community activity form's text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommunityInput {
    pub kind: Option<ActivityKind>,
    /// The 町丁's code (`sakaecho-3`).
    pub area: String,
    pub date: String,
    pub time: String,
    /// Count of each role, as typed.
    pub counts: BTreeMap<ParticipantRole, String>,
    pub learned: String,
    pub follow_up: String,
    /// Aliases of persons to find, one a line.
    pub finds: String,
}

impl CommunityInput {
    /// An empty form for an activity held now.
    pub fn new(now: DateTime<Utc>) -> CommunityInput {
        let local = now.with_timezone(&Tokyo);
        CommunityInput {
            date: local.format("%Y-%m-%d").to_string(),
            time: local.format("%H:%M").to_string(),
            ..CommunityInput::default()
        }
    }

    /// Reads the form; each problem as (field, Japanese message).
    pub fn parse(&self) -> Result<NewCommunityActivity, FormErrors> {
        let mut errors = FormErrors::new();
        if self.kind.is_none() {
            errors.push(("community.kind".into(), t::ERR_CHOOSE_ACTIVITY_KIND.into()));
        }
        let area: Option<AreaCode> = self.area.trim().parse().ok();
        if area.is_none() {
            errors.push(("community.area".into(), t::ERR_CHOOSE_AREA.into()));
        }
        let held_at = match (ja::parse_date(&self.date), parse_time(&self.time)) {
            (Ok(d), Some(tm)) => Tokyo
                .from_local_datetime(&NaiveDateTime::new(d, tm))
                .earliest()
                .map(|x| x.with_timezone(&Utc)),
            (Err(e), _) => {
                errors.push(("community.held_at".into(), e.message_ja()));
                None
            }
            (Ok(_), None) => {
                errors.push(("community.held_at".into(), t::ERR_BAD_TIME.into()));
                None
            }
        };
        let mut participants = Vec::new();
        for (role, text) in &self.counts {
            let text = ja::nfkc(text);
            let text = text.trim();
            if text.is_empty() || text == "0" {
                continue;
            }
            match text.parse::<u16>() {
                Ok(count) => participants.push(Participants { role: *role, count }),
                Err(_) => errors.push((
                    format!("community.participants.{}", role.code()),
                    t::ERR_BAD_NUMBER.into(),
                )),
            }
        }
        let persons_to_find = self
            .finds
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|alias| PersonToFind {
                alias: alias.to_owned(),
                sex: None,
            })
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        let (Some(kind), Some(area), Some(held_at)) = (self.kind, area, held_at) else {
            return Err(errors);
        };
        Ok(NewCommunityActivity {
            kind,
            area,
            held_at,
            participants,
            learned: self.learned.trim().to_owned(),
            follow_up: super::non_blank(&self.follow_up),
            persons_to_find,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filled_form_reads_in_tokyo_time() {
        let mut f = CommunityInput::new(Utc.with_ymd_and_hms(2026, 6, 1, 1, 30, 0).unwrap());
        f.kind = Some(ActivityKind::SalonVisit);
        f.area = "sakaecho-3".into();
        f.date = "R8.5.20".into();
        f.time = "１４:００".into();
        f.counts.insert(ParticipantRole::Resident, "１２".into());
        f.counts.insert(ParticipantRole::Volunteer, "".into());
        f.learned = "一人暮らしの方の話題が多かった".into();
        f.finds = "栄町3丁目 高齢男性\n\n".into();
        let n = f.parse().unwrap();
        assert_eq!(
            n.held_at,
            Utc.with_ymd_and_hms(2026, 5, 20, 5, 0, 0).unwrap()
        );
        assert_eq!(
            n.participants,
            vec![Participants {
                role: ParticipantRole::Resident,
                count: 12
            }]
        );
        assert_eq!(n.persons_to_find.len(), 1);
        assert_eq!(n.follow_up, None);
    }

    #[test]
    fn missing_choices_and_bad_numbers_are_named() {
        let mut f = CommunityInput::default();
        f.counts
            .insert(ParticipantRole::Resident, "たくさん".into());
        let e = f.parse().unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| f.as_str()).collect();
        assert!(fields.contains(&"community.kind"));
        assert!(fields.contains(&"community.area"));
        assert!(fields.contains(&"community.held_at"));
        assert!(fields.contains(&"community.participants.resident"));
    }
}
