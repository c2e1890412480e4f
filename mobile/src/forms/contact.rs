//! The contact form (接触記録), made for speed at the door: everything has a
//! default except who was met and who went, which a worker must choose.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;

use super::{FormErrors, non_blank, optional_date};
use crate::app::text as t;
use crate::model::NewContact;
use crate::shared::*;

/// Days until the default next visit.
pub const DEFAULT_NEXT_DAYS: i64 = 7;
/// The difficulty recorded when the worker writes a reflection without
/// choosing one.
pub const DEFAULT_DIFFICULTY: u8 = 3;

/// A contact as typed. Dates are text (「R8.6.1」 or 「2026-06-01」), the
/// time `HH:MM`, both in Tokyo time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactInput {
    pub date: String,
    pub time: String,
    /// Minutes, as typed; empty for none.
    pub duration: String,
    pub method: ContactMethod,
    pub met: Option<MetWhom>,
    pub response: Option<PersonResponse>,
    pub observation: String,
    pub accompaniment: Option<Accompaniment>,
    pub danger_signs: BTreeSet<DangerSign>,
    pub life_threatening: bool,
    /// The next step; with `next_due` empty too, there is none.
    pub next_what: String,
    pub next_due: String,
    pub difficulty: Option<u8>,
    pub reflection: String,
    pub wants_to_talk: bool,
}

impl ContactInput {
    /// The defaults at `now`: a home visit, now, the next visit in a week.
    pub fn new(now: DateTime<Utc>) -> ContactInput {
        let local = now.with_timezone(&Tokyo);
        ContactInput {
            date: local.format("%Y-%m-%d").to_string(),
            time: local.format("%H:%M").to_string(),
            duration: String::new(),
            method: ContactMethod::HomeVisit,
            met: None,
            response: None,
            observation: String::new(),
            accompaniment: None,
            danger_signs: BTreeSet::new(),
            life_threatening: false,
            next_what: t::DEFAULT_NEXT.into(),
            next_due: ja::date_input_text(ja::local_date(now) + Duration::days(DEFAULT_NEXT_DAYS)),
            difficulty: None,
            reflection: String::new(),
            wants_to_talk: false,
        }
    }

    /// The input a logged contact was made from (to correct it).
    pub fn from_log(c: &ContactLog) -> ContactInput {
        let local = c.occurred_at.with_timezone(&Tokyo);
        ContactInput {
            date: local.format("%Y-%m-%d").to_string(),
            time: local.format("%H:%M").to_string(),
            duration: c
                .duration_minutes
                .map(|d| d.to_string())
                .unwrap_or_default(),
            method: c.method,
            met: Some(c.met),
            response: c.response,
            observation: c.observation.clone(),
            accompaniment: Some(c.safety.accompaniment),
            danger_signs: c.safety.danger_signs.clone(),
            life_threatening: c.safety.life_threatening,
            next_what: c
                .next_action
                .as_ref()
                .map(|n| n.what.clone())
                .unwrap_or_default(),
            next_due: c
                .next_action
                .as_ref()
                .map(|n| ja::date_input_text(n.due))
                .unwrap_or_default(),
            difficulty: c.reflection.as_ref().map(|r| r.difficulty.level()),
            reflection: c
                .reflection
                .as_ref()
                .and_then(|r| r.note.clone())
                .unwrap_or_default(),
            wants_to_talk: c.reflection.as_ref().is_some_and(|r| r.wants_to_talk),
        }
    }

    /// Sets the date and time from one text: `2026-06-01 14:30`,
    /// `R8.6.1 14:30`, `2026-06-01T14:30` (Tokyo time) or an RFC 3339
    /// instant. `Err` carries the Japanese message.
    pub fn set_when(&mut self, text: &str) -> Result<(), String> {
        let text = ja::nfkc(text);
        let text = text.trim();
        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
            let local = at.with_timezone(&Tokyo);
            self.date = local.format("%Y-%m-%d").to_string();
            self.time = local.format("%H:%M").to_string();
            return Ok(());
        }
        let (date, time) = text
            .rsplit_once([' ', 'T'])
            .ok_or_else(|| t::ERR_BAD_WHEN.to_owned())?;
        ja::parse_date(date).map_err(|e| e.message_ja())?;
        parse_time(time).ok_or_else(|| t::ERR_BAD_TIME.to_owned())?;
        self.date = date.trim().to_owned();
        self.time = time.trim().to_owned();
        Ok(())
    }

    /// When the contact happened, if the date and time read.
    pub fn occurred_at(&self) -> Option<DateTime<Utc>> {
        let date = ja::parse_date(&self.date).ok()?;
        let time = parse_time(&self.time)?;
        Tokyo
            .from_local_datetime(&NaiveDateTime::new(date, time))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The contact to save, or every problem of the form at once.
    pub fn parse(&self, person_id: PersonId) -> Result<NewContact, FormErrors> {
        let mut errors = FormErrors::new();
        let date = match ja::parse_date(&self.date) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(("occurred_at".into(), e.message_ja()));
                None
            }
        };
        let time = parse_time(&self.time);
        if date.is_some() && time.is_none() {
            errors.push(("occurred_at".into(), t::ERR_BAD_TIME.into()));
        }
        let duration = if self.duration.trim().is_empty() {
            None
        } else {
            match ja::nfkc(&self.duration).trim().parse::<u16>() {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(("duration_minutes".into(), t::ERR_BAD_NUMBER.into()));
                    None
                }
            }
        };
        if self.met.is_none() {
            errors.push(("met".into(), t::ERR_CHOOSE_MET.into()));
        }
        match (self.met, self.response) {
            (Some(MetWhom::Person), None) => {
                errors.push(("response".into(), t::ERR_CHOOSE_RESPONSE.into()))
            }
            (Some(MetWhom::FamilyOnly | MetWhom::Nobody), Some(_)) => {
                errors.push(("response".into(), t::ERR_RESPONSE_NOT_MET.into()))
            }
            _ => {}
        }
        if self.accompaniment.is_none() {
            errors.push((
                "safety.accompaniment".into(),
                t::ERR_CHOOSE_ACCOMPANIMENT.into(),
            ));
        }
        let next_action = if self.next_what.trim().is_empty() && self.next_due.trim().is_empty() {
            None
        } else {
            let due = if self.next_due.trim().is_empty() {
                errors.push(("next_action.due".into(), t::ERR_NEXT_DUE_MISSING.into()));
                None
            } else {
                optional_date(&mut errors, "next_action.due", &self.next_due)
            };
            due.map(|due| NextAction {
                what: non_blank(&self.next_what).unwrap_or_else(|| t::DEFAULT_NEXT.into()),
                due,
            })
        };
        let difficulty = match self.difficulty {
            Some(d) => match Difficulty::new(d) {
                Some(d) => Some(d),
                None => {
                    errors.push(("reflection.difficulty".into(), t::ERR_DIFFICULTY.into()));
                    None
                }
            },
            None => None,
        };
        let (Some(date), Some(time), Some(met), Some(accompaniment)) =
            (date, time, self.met, self.accompaniment)
        else {
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let occurred_at = Tokyo
            .from_local_datetime(&NaiveDateTime::new(date, time))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| vec![("occurred_at".to_owned(), t::ERR_BAD_TIME.to_owned())])?;
        let note = non_blank(&self.reflection);
        let wants_reflection = difficulty.is_some() || note.is_some() || self.wants_to_talk;
        let reflection = difficulty
            .or(Difficulty::new(DEFAULT_DIFFICULTY))
            .filter(|_| wants_reflection)
            .map(|difficulty| Reflection {
                difficulty,
                note,
                wants_to_talk: self.wants_to_talk,
            });
        Ok(NewContact {
            person_id,
            occurred_at,
            duration_minutes: duration,
            method: self.method,
            met,
            response: self.response,
            observation: self.observation.trim_end().to_owned(),
            safety: Safety {
                accompaniment,
                danger_signs: self.danger_signs.clone(),
                life_threatening: self.life_threatening,
            },
            reflection,
            next_action,
        })
    }
}

/// `HH:MM` (any width).
pub(super) fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(ja::nfkc(text).trim(), "%H:%M").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        // 10:30 in Tokyo on 令和8年6月1日.
        Utc.with_ymd_and_hms(2026, 6, 1, 1, 30, 0).unwrap()
    }

    fn pid() -> PersonId {
        PersonId::new_v7(1, [1; 10])
    }

    #[test]
    fn defaults_and_the_two_choices_a_worker_must_make() {
        let mut f = ContactInput::new(now());
        assert_eq!((f.date.as_str(), f.time.as_str()), ("2026-06-01", "10:30"));
        assert_eq!(f.next_due, "2026-06-08");
        assert_eq!(f.method, ContactMethod::HomeVisit);
        let e = f.parse(pid()).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["met", "safety.accompaniment"]);
        f.met = Some(MetWhom::Nobody);
        f.accompaniment = Some(Accompaniment::WithWelfareCommissioner);
        let c = f.parse(pid()).unwrap();
        assert_eq!(c.occurred_at, now());
        assert_eq!(c.next_action.unwrap().what, t::DEFAULT_NEXT);
        assert!(c.reflection.is_none() && c.duration_minutes.is_none());
    }

    #[test]
    fn dates_in_the_era_and_times_in_any_width() {
        let mut f = ContactInput::new(now());
        f.met = Some(MetWhom::Person);
        f.response = Some(PersonResponse::Open);
        f.accompaniment = Some(Accompaniment::Alone);
        f.date = "R8.5.31".into();
        f.time = "１４：０５".into();
        f.next_due = "令和8年6月7日".into();
        f.duration = "２５".into();
        let c = f.parse(pid()).unwrap();
        assert_eq!(ja::local_datetime(c.occurred_at), "令和8年5月31日 14:05");
        assert_eq!(c.next_action.unwrap().due.to_string(), "2026-06-07");
        assert_eq!(c.duration_minutes, Some(25));
        f.date = "R8.2.30".into();
        f.next_due = "あした".into();
        let e = f.parse(pid()).unwrap_err();
        assert!(
            e.iter()
                .any(|(k, m)| k == "occurred_at" && m.contains("ありません"))
        );
        assert!(
            e.iter()
                .any(|(k, m)| k == "next_action.due" && m.contains("R8.6.1"))
        );
    }

    #[test]
    fn one_text_for_date_and_time_as_scripts_write_it() {
        let mut f = ContactInput::new(now());
        f.set_when("R8.5.30 09:15").unwrap();
        assert_eq!((f.date.as_str(), f.time.as_str()), ("R8.5.30", "09:15"));
        f.set_when("2026-05-29T23:00").unwrap();
        f.set_when("2026-05-29T14:00:00Z").unwrap();
        assert_eq!((f.date.as_str(), f.time.as_str()), ("2026-05-29", "23:00"));
        assert!(f.set_when("yesterday").is_err());
        assert!(f.set_when("2026-05-29 25:00").is_err());
    }

    #[test]
    fn reflection_and_response_rules() {
        let mut f = ContactInput::new(now());
        f.met = Some(MetWhom::FamilyOnly);
        f.accompaniment = Some(Accompaniment::Pair);
        f.response = Some(PersonResponse::Brief);
        assert!(
            f.parse(pid())
                .unwrap_err()
                .iter()
                .any(|(k, _)| k == "response")
        );
        f.response = None;
        f.wants_to_talk = true;
        let r = f.parse(pid()).unwrap().reflection.unwrap();
        assert_eq!(r.difficulty.level(), DEFAULT_DIFFICULTY);
        f.difficulty = Some(9);
        assert!(
            f.parse(pid())
                .unwrap_err()
                .iter()
                .any(|(k, _)| k == "reflection.difficulty")
        );
        // A next step without its date, or a date alone.
        f.difficulty = None;
        f.next_due = String::new();
        assert!(
            f.parse(pid())
                .unwrap_err()
                .iter()
                .any(|(k, _)| k == "next_action.due")
        );
        f.next_what = String::new();
        assert!(f.parse(pid()).unwrap().next_action.is_none());
        f.next_due = "R8.6.3".into();
        assert_eq!(
            f.parse(pid()).unwrap().next_action.unwrap().what,
            t::DEFAULT_NEXT
        );
    }

    #[test]
    fn a_logged_contact_reads_back_into_the_same_input() {
        let mut f = ContactInput::new(now());
        f.met = Some(MetWhom::Person);
        f.response = Some(PersonResponse::Brief);
        f.accompaniment = Some(Accompaniment::Pair);
        f.observation = "玄関先で話した".into();
        f.difficulty = Some(4);
        let c = f.parse(pid()).unwrap();
        let log = ContactLog {
            id: ContactId::new_v7(1, [2; 10]),
            person_id: pid(),
            revises: None,
            author: UserId::new_v7(1, [3; 10]),
            occurred_at: c.occurred_at,
            duration_minutes: c.duration_minutes,
            method: c.method,
            met: c.met,
            response: c.response,
            observation: c.observation.clone(),
            safety: c.safety.clone(),
            reflection: c.reflection.clone(),
            next_action: c.next_action.clone(),
        };
        let back = ContactInput::from_log(&log);
        assert_eq!(back.parse(pid()).unwrap(), c);
    }
}
