//! Reading what people type: dates in the Japanese era or the Western
//! calendar (「R8.6.1」「令和8年6月1日」「2026-06-01」), birth years
//! (「昭和50」「S50年ごろ」「1975」), and text in any width (half-width
//! katakana, full-width digits) folded with Unicode NFKC.
//!
//! One parser for every front end: the tablet app, the CLI and the console
//! call these functions, so a date reads the same everywhere. Eras come from
//! ICU4X's Japanese calendar, width folding from ICU4X's normaliser; no
//! table is written by hand. No I/O.

use chrono::NaiveDate;
use icu_calendar::Date;
use icu_calendar::cal::{Iso, Japanese};
use icu_normalizer::ComposingNormalizerBorrowed;

use crate::domain::BirthYear;

/// Text folded with Unicode NFKC: half-width katakana become full-width
/// (「ｶｸｳ」→「カクウ」), full-width letters and digits become ASCII
/// (「Ｒ８」→「R8」), and the one-character era signs are spelled out
/// (「㋿」→「令和」).
pub fn nfkc(text: &str) -> String {
    ComposingNormalizerBorrowed::new_nfkc()
        .normalize(text)
        .into_owned()
}

/// Kana as a worker typed it, ready to store: NFKC (so half-width katakana
/// is stored full-width) and trimmed.
pub fn normalize_kana(text: &str) -> String {
    nfkc(text).trim().to_owned()
}

/// Why a typed date or year could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateInputError {
    /// Nothing was typed.
    #[error("no date was given")]
    Empty,
    /// The text is not a date in any accepted form.
    #[error("not a date: write it as R8.6.1, 令和8年6月1日 or 2026-06-01")]
    Unreadable,
    /// The numbers read, but no such day exists (e.g. 2月30日).
    #[error("no such day")]
    NoSuchDate,
    /// The day or year does not belong to the era named (e.g. 令和1年4月1日,
    /// which is still 平成).
    #[error("the date is outside the era {era}")]
    OutsideEra { era: &'static str },
    /// The text is not a year in any accepted form.
    #[error("not a year: write it as 1975, 昭和50 or S50")]
    UnreadableYear,
}

impl DateInputError {
    /// The message for a person, in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            DateInputError::Empty => "日付を入力してください。".into(),
            DateInputError::Unreadable => "日付として読めません。「R8.6.1」「令和8年6月1日」「2026-06-01」のように入力してください。".into(),
            DateInputError::NoSuchDate => "その日付はありません。月と日を確かめてください。".into(),
            DateInputError::OutsideEra { era } => {
                format!("その日付は{era}の期間にありません。元号と年を確かめてください。")
            }
            DateInputError::UnreadableYear => "生まれ年として読めません。「1975」「昭和50」「S50」のように入力してください。".into(),
        }
    }
}

/// The eras a person may write, with their ICU4X codes, names and initials.
const ERAS: [(&str, &str, char); 5] = [
    ("reiwa", "令和", 'R'),
    ("heisei", "平成", 'H'),
    ("showa", "昭和", 'S'),
    ("taisho", "大正", 'T'),
    ("meiji", "明治", 'M'),
];

/// Splits an era written at the start (「令和」「R」「r」) from the rest.
fn split_era(text: &str) -> Option<((&'static str, &'static str), &str)> {
    for (code, name, initial) in ERAS {
        if let Some(rest) = text.strip_prefix(name) {
            return Some(((code, name), rest));
        }
        let mut chars = text.chars();
        if chars
            .next()
            .is_some_and(|c| c.to_ascii_uppercase() == initial)
        {
            let rest = chars.as_str();
            // An initial must be followed by a year number (or 元).
            if rest.starts_with(|c: char| c.is_ascii_digit() || c == '元') {
                return Some(((code, name), rest));
            }
        }
    }
    None
}

/// The numbers of a date or year, split on 年月日 . - / and spaces;
/// 「元」 (the first year of an era) reads as 1.
fn numbers(text: &str) -> Option<Vec<u32>> {
    let text = text
        .strip_prefix('元')
        .map_or_else(|| text.to_owned(), |rest| format!("1{rest}"));
    let parts: Vec<&str> = text
        .split(['年', '月', '日', '.', '-', '/', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    parts
        .iter()
        .map(|p| {
            if p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit()) {
                p.parse().ok()
            } else {
                None
            }
        })
        .collect()
}

/// A day in the Japanese era `code`, checked against the era's span.
fn era_day(
    (code, name): (&'static str, &'static str),
    year: u32,
    month: u32,
    day: u32,
) -> Result<NaiveDate, DateInputError> {
    let (Ok(y), Ok(m), Ok(d)) = (i32::try_from(year), u8::try_from(month), u8::try_from(day))
    else {
        return Err(DateInputError::NoSuchDate);
    };
    if y < 1 || !(1..=12).contains(&m) || d < 1 {
        return Err(DateInputError::NoSuchDate);
    }
    let jp = Date::try_new_japanese_with_calendar(code, y, m, d, Japanese::new())
        .map_err(|_| DateInputError::NoSuchDate)?;
    let iso = jp.to_calendar(Iso);
    let date = NaiveDate::from_ymd_opt(
        iso.year().extended_year(),
        u32::from(iso.month().ordinal),
        u32::from(iso.day_of_month().0),
    )
    .ok_or(DateInputError::NoSuchDate)?;
    // ICU4X counts era years on past the era's end and before its start:
    // the day must read back as the same era and year.
    match super::era_year(date) {
        Some((era, ey)) if era == name && ey == y => Ok(date),
        _ => Err(DateInputError::OutsideEra { era: name }),
    }
}

/// Reads a date as people write it: 「R8.6.1」「令和8年6月1日」「令和元年5月1日」
/// 「H31.4.30」「2026-06-01」「2026/6/1」「2026年6月1日」, in any width.
/// A Western year needs its four digits (「8.6.1」 is ambiguous).
pub fn parse_date(text: &str) -> Result<NaiveDate, DateInputError> {
    let text = nfkc(text);
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if text.is_empty() {
        return Err(DateInputError::Empty);
    }
    if let Some((era, rest)) = split_era(&text) {
        let rest = rest.trim_start_matches(['.', '/', '-']);
        return match numbers(rest).as_deref() {
            Some(&[y, m, d]) => era_day(era, y, m, d),
            _ => Err(DateInputError::Unreadable),
        };
    }
    let four_digit_year = text.chars().take_while(char::is_ascii_digit).count() == 4;
    match numbers(&text).as_deref() {
        Some(&[y, m, d]) if four_digit_year => {
            NaiveDate::from_ymd_opt(y as i32, m, d).ok_or(DateInputError::NoSuchDate)
        }
        _ => Err(DateInputError::Unreadable),
    }
}

/// Reads a birth year: 「1975」「1975年」「昭和50」「昭和50年」「S50」「令和元年」,
/// with 「ごろ」「頃」「くらい」 after it for an approximate year.
pub fn parse_birth_year(text: &str) -> Result<BirthYear, DateInputError> {
    let text = nfkc(text);
    let mut text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if text.is_empty() {
        return Err(DateInputError::Empty);
    }
    let mut approximate = false;
    for suffix in ["ごろ", "頃", "くらい", "位"] {
        if let Some(rest) = text.strip_suffix(suffix) {
            text = rest.to_owned();
            approximate = true;
            break;
        }
    }
    if let Some((era, rest)) = split_era(&text) {
        let Some(&[y]) = numbers(rest).as_deref() else {
            return Err(DateInputError::UnreadableYear);
        };
        // The era year exists if its first or its last day is in the era
        // (an era's first year starts mid-year, its last ends mid-year).
        let year = era_day(era, y, 12, 31)
            .or_else(|_| era_day(era, y, 1, 1))
            .map_err(|e| match e {
                DateInputError::NoSuchDate => DateInputError::UnreadableYear,
                other => other,
            })?;
        return Ok(BirthYear {
            year: chrono::Datelike::year(&year),
            approximate,
        });
    }
    match numbers(&text).as_deref() {
        Some(&[y]) if (1000..=9999).contains(&y) => Ok(BirthYear {
            year: y as i32,
            approximate,
        }),
        _ => Err(DateInputError::UnreadableYear),
    }
}

/// A date for a form's text box: `2026-06-01`, which every parser here and
/// an `<input type=date>` read back.
pub fn date_input_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn era_dates_as_people_write_them() {
        for text in [
            "R8.6.1",
            "r8.6.1",
            "R8/6/1",
            "R08.06.01",
            "令和8年6月1日",
            "令和８年６月１日",
            "Ｒ８．６．１",
            "㋿8年6月1日",
            " 令和 8年 6月 1日 ",
            "2026-06-01",
            "2026/6/1",
            "2026.6.1",
            "2026年6月1日",
            "２０２６－０６－０１",
        ] {
            assert_eq!(parse_date(text), Ok(d(2026, 6, 1)), "{text}");
        }
        assert_eq!(parse_date("令和元年5月1日"), Ok(d(2019, 5, 1)));
        assert_eq!(parse_date("R1.5.1"), Ok(d(2019, 5, 1)));
        assert_eq!(parse_date("H31.4.30"), Ok(d(2019, 4, 30)));
        assert_eq!(parse_date("平成元年1月8日"), Ok(d(1989, 1, 8)));
        assert_eq!(parse_date("昭和64年1月7日"), Ok(d(1989, 1, 7)));
        assert_eq!(parse_date("S50.1.15"), Ok(d(1975, 1, 15)));
    }

    #[test]
    fn dates_outside_their_era_or_the_calendar_are_refused() {
        assert_eq!(
            parse_date("令和1年4月30日"),
            Err(DateInputError::OutsideEra { era: "令和" })
        );
        assert_eq!(
            parse_date("H31.5.1"),
            Err(DateInputError::OutsideEra { era: "平成" })
        );
        assert_eq!(
            parse_date("昭和64年1月8日"),
            Err(DateInputError::OutsideEra { era: "昭和" })
        );
        assert_eq!(parse_date("R8.2.30"), Err(DateInputError::NoSuchDate));
        assert_eq!(parse_date("2026-13-01"), Err(DateInputError::NoSuchDate));
        assert_eq!(parse_date("R8.0.1"), Err(DateInputError::NoSuchDate));
        for text in [
            "8.6.1", "明日", "R8", "R8.6", "2026-06", "X8.6.1", "R8.6.1.2",
        ] {
            assert_eq!(parse_date(text), Err(DateInputError::Unreadable), "{text}");
        }
        assert_eq!(parse_date("  "), Err(DateInputError::Empty));
        assert!(
            DateInputError::Unreadable
                .message_ja()
                .contains("令和8年6月1日")
        );
    }

    #[test]
    fn birth_years_in_either_calendar() {
        let y = |year, approximate| Ok(BirthYear { year, approximate });
        assert_eq!(parse_birth_year("1975"), y(1975, false));
        assert_eq!(parse_birth_year("１９７５年"), y(1975, false));
        assert_eq!(parse_birth_year("昭和50"), y(1975, false));
        assert_eq!(parse_birth_year("昭和50年ごろ"), y(1975, true));
        assert_eq!(parse_birth_year("S50頃"), y(1975, true));
        assert_eq!(parse_birth_year("ｓ５０"), y(1975, false));
        assert_eq!(parse_birth_year("令和元年"), y(2019, false));
        assert_eq!(parse_birth_year("平成31"), y(2019, false));
        assert_eq!(parse_birth_year("昭和64"), y(1989, false));
        assert_eq!(
            parse_birth_year("昭和65"),
            Err(DateInputError::OutsideEra { era: "昭和" })
        );
        assert_eq!(parse_birth_year("75"), Err(DateInputError::UnreadableYear));
        assert_eq!(
            parse_birth_year("昭和"),
            Err(DateInputError::UnreadableYear)
        );
        assert_eq!(parse_birth_year(""), Err(DateInputError::Empty));
    }

    #[test]
    fn width_variants_fold() {
        assert_eq!(nfkc("ｶｸｳ ｲﾁﾛｳ"), "カクウ イチロウ");
        assert_eq!(nfkc("ｶﾞｯｺｳ"), "ガッコウ");
        assert_eq!(normalize_kana("　ｶｸｳ "), "カクウ");
        assert_eq!(date_input_text(d(2026, 6, 1)), "2026-06-01");
    }
}
