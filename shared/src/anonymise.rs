//! The one rule that makes a text the system holds fit for the evaluation
//! report (第4章's anonymised excerpts): no name, no alias, no address, no
//! phone number, no e-mail address. Every excerpt the report offers passes
//! through [`Anonymiser::apply`] before a coordinator sees it, and again
//! when it is stored as chosen.
//!
//! - known names (the aliases and kana of every person on record, their
//!   household members' aliases, the users' display names) are masked as
//!   「〇〇」, whole and part by part (a surname alone is masked too);
//!   a parenthesised note after an alias (「架空 ハル（母・80代）」) is not
//!   part of the name;
//! - runs of digits that read as a phone number (10 or more digits, with
//!   or without hyphens) become 「（電話番号）」;
//! - a lot number after a 町丁 (「3丁目12番5号」「3丁目12-5」) or a bare
//!   「12-5」 becomes 「（番地）」;
//! - an e-mail address becomes 「（メール）」.
//!
//! Texts are read in NFKC first (full-width digits are digits), so the
//! width a worker typed in does not matter.

use crate::ja::nfkc;

/// What a masked name reads as.
pub const MASK_NAME: &str = "〇〇";
/// What a masked phone number reads as.
pub const MASK_PHONE: &str = "（電話番号）";
/// What a masked lot number reads as.
pub const MASK_ADDRESS: &str = "（番地）";
/// What a masked e-mail address reads as.
pub const MASK_EMAIL: &str = "（メール）";

/// The anonymiser with the names it knows.
#[derive(Debug, Clone, Default)]
pub struct Anonymiser {
    /// Longest first, so a full name is masked before its parts.
    names: Vec<String>,
}

impl Anonymiser {
    /// An anonymiser that masks `names` (aliases, kana, display names).
    pub fn new<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut all = Vec::new();
        for n in names {
            let n = nfkc(n.as_ref());
            // A note in brackets after the name is not the name.
            let core = n.split(['(', '（']).next().unwrap_or_default().trim();
            if core.chars().count() >= 2 {
                all.push(core.to_owned());
                let joined: String = core.split_whitespace().collect();
                all.push(joined);
            }
            for part in core.split_whitespace() {
                if part.chars().count() >= 2 {
                    all.push(part.to_owned());
                }
            }
        }
        all.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
        all.dedup();
        Self { names: all }
    }

    /// `text` without names, phone numbers, lot numbers or e-mail
    /// addresses.
    pub fn apply(&self, text: &str) -> String {
        let mut t = nfkc(text);
        for n in &self.names {
            if t.contains(n.as_str()) {
                t = t.replace(n.as_str(), MASK_NAME);
            }
        }
        mask_emails(&mask_numbers(&t))
    }

    /// Whether `text` still holds something [`apply`](Self::apply) masks.
    pub fn is_clean(&self, text: &str) -> bool {
        self.apply(text) == nfkc(text)
    }
}

/// Phone numbers and lot numbers: runs of ASCII digits and hyphens.
fn mask_numbers(t: &str) -> String {
    let chars: Vec<char> = t.chars().collect();
    let mut out = String::with_capacity(t.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || (matches!(chars[i], '-' | '−' | 'ー' | '‐')
                    && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        let digits = run.chars().filter(char::is_ascii_digit).count();
        let hyphens = run.chars().count() - digits;
        let after = chars.get(i).copied();
        let before_chome = out.ends_with("丁目");
        if digits >= 10 {
            out.push_str(MASK_PHONE);
        } else if hyphens >= 1 || before_chome || matches!(after, Some('番')) {
            out.push_str(MASK_ADDRESS);
            // 「12番5号」「12番地」: the rest of the lot number goes too.
            while i < chars.len() && (chars[i].is_ascii_digit() || "番地号".contains(chars[i])) {
                i += 1;
            }
        } else {
            out.push_str(&run);
        }
    }
    out
}

fn mask_emails(t: &str) -> String {
    t.split_inclusive(char::is_whitespace)
        .map(|w| {
            let core = w.trim_end();
            if core.contains('@') && core.contains('.') {
                format!("{MASK_EMAIL}{}", &w[core.len()..])
            } else {
                w.to_owned()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a() -> Anonymiser {
        Anonymiser::new([
            "架空 ハル（母・80代）",
            "カクウ ハル",
            "見本 一朗",
            "試験 調整（社会福祉課・見本）",
        ])
    }

    #[test]
    fn a_known_persons_name_is_masked_whole_and_in_parts() {
        let t = a().apply("架空ハルさんと長男の見本 一朗さん。一朗さんは玄関越しに話した。");
        assert!(
            !t.contains("ハル") && !t.contains("一朗") && !t.contains("架空"),
            "{t}"
        );
        assert!(t.contains("〇〇さんと長男の〇〇さん"), "{t}");
        let t = a().apply("カクウ ハル様より");
        assert_eq!(t, "〇〇様より");
        // The coordinator's own name too.
        assert_eq!(a().apply("試験 調整が記録"), "〇〇が記録");
        // Full-width input is read the same.
        assert!(!a().apply("見本　一朗").contains("一朗"));
    }

    #[test]
    fn phone_numbers_lot_numbers_and_mail_are_masked() {
        let t = a().apply("連絡先は042-555-0123、携帯０９０１２３４５６７８。");
        assert_eq!(t, "連絡先は（電話番号）、携帯（電話番号）。");
        let t = a().apply("栄町3丁目12番5号の2階、緑ヶ丘1丁目4-7に転居");
        assert_eq!(t, "栄町3丁目（番地）の2階、緑ヶ丘1丁目（番地）に転居");
        assert_eq!(a().apply("kakuu@example.jp に送付"), "（メール） に送付");
        // Counts and ages stay.
        let t = a().apply("80代の母と50代の長男、週2回、3か月");
        assert_eq!(t, "80代の母と50代の長男、週2回、3か月");
        assert!(a().is_clean("夜に行ける居場所がない"));
        assert!(!a().is_clean("架空さんの件"));
    }

    #[test]
    fn a_name_of_one_character_is_not_a_name_to_mask() {
        let an = Anonymiser::new(["母", "  "]);
        assert_eq!(an.apply("母の介護"), "母の介護");
    }
}
