//! What a person types into a form, read once for both front ends: the
//! tablet app's forms and the `outreach` CLI's options fill the same input
//! types and call the same parsers, so a contact, a person or a household
//! member reads the same, with the same defaults, whichever way it came in.
//!
//! Parsing here turns text into typed values (dates in 令和 or 西暦 through
//! `shared::ja`, kana in any width, choices that must be made) and reports
//! each problem as a field path with a Japanese message. The rules of the
//! domain itself (lengths, consistency, dates not in the future) are checked
//! by `shared`'s validation when the store writes the record. No I/O here.

mod community;
mod contact;
mod member;
mod person;

pub use community::CommunityInput;
pub use contact::{ContactInput, DEFAULT_DIFFICULTY, DEFAULT_NEXT_DAYS};
pub use member::MemberInput;
pub use person::PersonInput;

use chrono::NaiveDate;

use crate::shared::ja;

/// A form's problems: (field path, message in Japanese).
pub type FormErrors = Vec<(String, String)>;

/// Reads an optional date field: empty is `None`, anything else must read
/// as a date.
pub fn optional_date(errors: &mut FormErrors, field: &str, text: &str) -> Option<NaiveDate> {
    if text.trim().is_empty() {
        return None;
    }
    match ja::parse_date(text) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.push((field.to_owned(), e.message_ja()));
            None
        }
    }
}

/// Text with its ends trimmed, or `None` when blank.
pub fn non_blank(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The date typed into a date field, in words beside it: the 和暦 when it
/// reads as a date, the reason when it does not, nothing when empty.
pub fn date_hint(text: &str) -> Option<Result<String, String>> {
    if text.trim().is_empty() {
        return None;
    }
    Some(
        ja::parse_date(text)
            .map(ja::era_date_weekday)
            .map_err(|e| e.message_ja()),
    )
}

/// The date typed, as `YYYY-MM-DD` for a date picker (empty when it does
/// not read).
pub fn picker_value(text: &str) -> String {
    ja::parse_date(text)
        .map(ja::date_input_text)
        .unwrap_or_default()
}
