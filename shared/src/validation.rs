//! Validation shared by the tablet, the server and the console.
//!
//! Every rule reports a [`FieldError`]: the path of the field at fault and a
//! typed [`Violation`]. Each carries a message in Japanese (for the UI) and in
//! English (for the API). Validation collects every error, so a form can mark
//! all fields at fault at once.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What validation needs to know about the world, passed in (no clock reads here).
#[derive(Debug, Clone, Copy)]
pub struct ValidationContext {
    /// The current time as the validating side knows it.
    pub now: DateTime<Utc>,
    /// How far into the future a timestamp may be before it counts as "in the
    /// future" (tablet clocks drift).
    pub future_tolerance: Duration,
}

impl ValidationContext {
    /// A context at `now` with the default tolerance of 10 minutes.
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            now,
            future_tolerance: Duration::minutes(10),
        }
    }

    /// The latest instant that is not "in the future".
    pub fn latest_allowed(&self) -> DateTime<Utc> {
        self.now + self.future_tolerance
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Violation {
    /// A required value is missing or blank.
    Required,
    /// Text longer than allowed, in characters.
    TooLong { max: usize, actual: usize },
    /// Text contains control characters (other than line breaks where allowed).
    ControlCharacter,
    /// A date or time later than now.
    InFuture,
    /// A date that should be today or later (a planned date).
    InPast,
    /// A due date earlier than the contact it follows.
    DueBeforeContact,
    /// A number outside its range.
    OutOfRange { min: i64, max: i64 },
    /// A relationship stage change that is not allowed.
    StageTransitionNotAllowed { from: String, to: String },
    /// A case-queue status change that is not allowed.
    CaseTransitionNotAllowed { from: String, to: String },
    /// The 重層的支援会議 route needs the person's consent.
    RouteNeedsConsent,
    /// With consent recorded, the case goes to 重層的支援会議, not 支援会議.
    RouteIgnoresConsent,
    /// A 支援会議 member has no confidentiality pledge recorded.
    PledgeMissing,
    /// Two fields that contradict each other; `other` names the second.
    Contradicts { other: String },
    /// A value that must not be repeated appears twice.
    Duplicate,
    /// A value not in the allowed list.
    Unknown,
    /// Free text that seems to name a resident (an honorific after a
    /// name, 「〇〇さん」): community records keep roles and counts only
    /// (protocol 2.3).
    LooksLikeName,
}

/// One validation error: the field path and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FieldError {
    /// Dotted path of the field, e.g. `next_action.due`.
    pub field: String,
    #[serde(flatten)]
    pub violation: Violation,
}

impl FieldError {
    pub fn new(field: impl Into<String>, violation: Violation) -> Self {
        Self {
            field: field.into(),
            violation,
        }
    }

    /// The message for a person using the app or console, in Japanese.
    pub fn message_ja(&self) -> String {
        let name = crate::ja::field_label(&self.field);
        match &self.violation {
            Violation::Required => format!("{name}を入力してください。"),
            Violation::TooLong { max, actual } => format!(
                "{name}が長すぎます（{actual}文字）。{max}文字以内にまとめてください。"
            ),
            Violation::ControlCharacter => {
                format!("{name}に使えない制御文字が含まれています。文字を入力し直してください。")
            }
            Violation::InFuture => {
                format!("{name}が未来の日時になっています。実際の日時を入力してください。")
            }
            Violation::InPast => {
                format!("{name}が過去の日付になっています。今日以降の日付を選んでください。")
            }
            Violation::DueBeforeContact => {
                format!("{name}が接触日より前です。接触日以降の日付を選んでください。")
            }
            Violation::OutOfRange { min, max } => {
                format!("{name}は{min}から{max}の範囲で入力してください。")
            }
            Violation::StageTransitionNotAllowed { from, to } => format!(
                "関係の段階を「{}」から「{}」へは変更できません。段階を順に進めるか、休止・再開を選んでください。",
                crate::ja::stage_code_label(from),
                crate::ja::stage_code_label(to)
            ),
            Violation::CaseTransitionNotAllowed { from, to } => format!(
                "ケースの状況を「{}」から「{}」へは変更できません。",
                crate::ja::case_status_code_label(from),
                crate::ja::case_status_code_label(to)
            ),
            Violation::RouteNeedsConsent => "本人同意が記録されていないため、重層的支援会議には付議できません。支援会議を選ぶか、先に本人同意を記録してください。".to_owned(),
            Violation::RouteIgnoresConsent => "本人同意が記録されているため、支援会議ではなく重層的支援会議に付議してください。".to_owned(),
            Violation::PledgeMissing => format!(
                "{name}：支援会議の構成員には守秘義務の誓約の記録が必要です。誓約を記録してから追加してください。"
            ),
            Violation::Contradicts { other } => format!(
                "{name}と{}の内容が食い違っています。どちらかを直してください。",
                crate::ja::field_label(other)
            ),
            Violation::Duplicate => format!("{name}に同じものが重複しています。"),
            Violation::Unknown => format!("{name}の値が一覧にありません。一覧から選んでください。"),
            Violation::LooksLikeName => format!(
                "{name}に住民の名前のような書き方（「〇〇さん」など）があります。名前は書かず、役割（民生委員、自治会役員など）や「高齢の男性」のように書いてください。"
            ),
        }
    }

    /// The message for an API client, in English.
    pub fn message_en(&self) -> String {
        let f = &self.field;
        match &self.violation {
            Violation::Required => format!("{f} is required"),
            Violation::TooLong { max, actual } => {
                format!("{f} is too long ({actual} characters, at most {max})")
            }
            Violation::ControlCharacter => format!("{f} contains control characters"),
            Violation::InFuture => format!("{f} is in the future"),
            Violation::InPast => format!("{f} is in the past: give today or a later date"),
            Violation::DueBeforeContact => format!("{f} is before the date of the contact"),
            Violation::OutOfRange { min, max } => format!("{f} must be between {min} and {max}"),
            Violation::StageTransitionNotAllowed { from, to } => {
                format!("{f}: stage cannot change from {from} to {to}")
            }
            Violation::CaseTransitionNotAllowed { from, to } => {
                format!("{f}: case status cannot change from {from} to {to}")
            }
            Violation::RouteNeedsConsent => format!(
                "{f}: the multi-layered support meeting requires the person's recorded consent"
            ),
            Violation::RouteIgnoresConsent => format!(
                "{f}: consent is recorded, so the case goes to the multi-layered support meeting, not the support meeting"
            ),
            Violation::PledgeMissing => {
                format!("{f}: a support meeting member needs a recorded confidentiality pledge")
            }
            Violation::Contradicts { other } => format!("{f} contradicts {other}"),
            Violation::Duplicate => format!("{f} contains a duplicate"),
            Violation::Unknown => format!("{f} is not a known value"),
            Violation::LooksLikeName => format!(
                "{f} seems to name a resident (a name with an honorific such as さん or 様): record roles and counts, never names"
            ),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_en())
    }
}

/// All validation errors of one value. Never empty when returned as an error.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
#[error("{}", display_all(.0))]
pub struct ValidationErrors(pub Vec<FieldError>);

fn display_all(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(FieldError::message_en)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationErrors {
    pub fn push(&mut self, field: impl Into<String>, violation: Violation) {
        self.0.push(FieldError::new(field, violation));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether some error concerns `field`.
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    /// The first error on `field`, if any.
    pub fn get(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }

    /// Adds the errors of a nested value under `prefix.`.
    pub fn nest(&mut self, prefix: &str, inner: Result<(), ValidationErrors>) {
        if let Err(inner) = inner {
            for e in inner.0 {
                self.0.push(FieldError::new(
                    format!("{prefix}.{}", e.field),
                    e.violation,
                ));
            }
        }
    }

    /// `Ok(())` when there are no errors.
    pub fn finish(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// Limits on free text, in characters (not bytes).
pub mod limits {
    pub const ALIAS: usize = 40;
    pub const KANA: usize = 60;
    pub const SHORT_TEXT: usize = 200;
    pub const OBSERVATION: usize = 4000;
    pub const REFLECTION: usize = 2000;
    pub const REASON: usize = 2000;
    pub const COMMENT: usize = 2000;
    pub const HOUSEHOLD_MEMBERS: usize = 20;
}

/// Whether a text may span several lines (notes) or is one line (names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    Single,
    Multi,
}

/// Checks one piece of free text: required, length in characters, and control
/// characters (tab and line breaks are allowed in multi-line text only).
pub fn check_text(
    errors: &mut ValidationErrors,
    field: &str,
    value: &str,
    max: usize,
    required: bool,
    lines: Lines,
) {
    if required && value.trim().is_empty() {
        errors.push(field, Violation::Required);
        return;
    }
    let actual = value.chars().count();
    if actual > max {
        errors.push(field, Violation::TooLong { max, actual });
    }
    let bad = value.chars().any(|c| {
        let allowed = lines == Lines::Multi && matches!(c, '\n' | '\r' | '\t');
        (c.is_control() && !allowed) || is_invisible_format(c)
    });
    if bad {
        errors.push(field, Violation::ControlCharacter);
    }
}

/// Bidirectional overrides and similar format characters that make text
/// display differently from what it contains.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{200B}')
}

/// Checks an optional text: absent is fine, present must pass [`check_text`]
/// as a required value (an empty string is a mistake, not an absence).
pub fn check_opt_text(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
    max: usize,
    lines: Lines,
) {
    if let Some(v) = value {
        check_text(errors, field, v, max, true, lines);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        let mut e = ValidationErrors::default();
        check_text(&mut e, "a", "  ", 10, true, Lines::Single);
        check_text(
            &mut e,
            "b",
            "あいうえおかきくけこさ",
            10,
            true,
            Lines::Single,
        );
        check_text(&mut e, "c", "x\u{0007}y", 10, true, Lines::Single);
        check_text(&mut e, "d", "one\ntwo", 10, true, Lines::Single);
        check_text(&mut e, "e", "one\ntwo", 10, true, Lines::Multi);
        check_text(&mut e, "f", "evil\u{202E}txt", 20, true, Lines::Multi);
        check_text(&mut e, "g", "", 10, false, Lines::Single);
        assert_eq!(e.get("a").unwrap().violation, Violation::Required);
        assert_eq!(
            e.get("b").unwrap().violation,
            Violation::TooLong {
                max: 10,
                actual: 11
            }
        );
        assert_eq!(e.get("c").unwrap().violation, Violation::ControlCharacter);
        assert_eq!(e.get("d").unwrap().violation, Violation::ControlCharacter);
        assert!(!e.has("e"));
        assert_eq!(e.get("f").unwrap().violation, Violation::ControlCharacter);
        assert!(!e.has("g"));
    }

    #[test]
    fn messages_in_both_languages() {
        let e = FieldError::new("alias", Violation::Required);
        assert_eq!(e.message_ja(), "呼び名を入力してください。");
        assert_eq!(e.message_en(), "alias is required");
        let e = FieldError::new(
            "observation",
            Violation::TooLong {
                max: 4000,
                actual: 5000,
            },
        );
        assert!(e.message_ja().contains("4000文字以内"));
        assert!(e.message_en().contains("at most 4000"));
    }

    #[test]
    fn nesting_prefixes_paths() {
        let mut inner = ValidationErrors::default();
        inner.push("due", Violation::DueBeforeContact);
        let mut outer = ValidationErrors::default();
        outer.nest("next_action", Err(inner));
        assert!(outer.has("next_action.due"));
        assert!(outer.finish().is_err());
    }
}
