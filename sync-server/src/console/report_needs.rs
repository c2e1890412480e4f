//! The report's 参加支援 figures (issue 18): unmet needs — which needs, in
//! which 町丁, how many recorded in the period, how many still open at its
//! end and the longest wait — summed by
//! `shared::domain::participation::summarise_unmet`, and 制度の狭間 counted
//! by the scheme that did not fit (`schemes_not_fitting`). Only counts:
//! no person, no description; counts under 5 are shown as "5未満"
//! ([`records::disclose_count`]).

use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};
use outreach_shared::ja::Label;
use outreach_shared::participation::summarise_unmet;
use outreach_shared::{NeedKind, Scheme};

use super::text;
use crate::engine::records::{self, Disclosed, ReportRecords};

/// One line of unmet needs: a need in a 町丁.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmetRow {
    pub need: NeedKind,
    pub area: String,
    pub recorded: Disclosed,
    pub open: Disclosed,
    /// The longest an open one had waited at the end of the period, days
    /// (shown only with the count it belongs to).
    pub longest_open_days: Option<i64>,
}

/// The 参加支援 figures of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NeedsFigures {
    pub unmet: Vec<UnmetRow>,
    /// All unmet needs recorded in the period, and still open at its end.
    pub unmet_total: Option<(Disclosed, Disclosed)>,
    /// Persons at 制度の狭間 by the scheme that did not fit.
    pub schemes: Vec<(Scheme, Disclosed)>,
}

fn start_of(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default()
}

/// Computes the figures for `from..=to` (UTC days; the end of the period
/// stands for "now", or the present moment if it is earlier).
pub fn compute(
    data: &ReportRecords,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> NeedsFigures {
    let end = start_of(to + chrono::Duration::days(1));
    let as_of = end.min(now);
    let lines = summarise_unmet(
        data.teams
            .iter()
            .flat_map(|t| t.participation.values().map(Vec::as_slice)),
        start_of(from),
        end,
        as_of,
    );
    // The total counts each record once (a record naming two needs is one
    // unmet need in the total).
    let mut recorded = 0;
    let mut open = 0;
    for t in &data.teams {
        for recs in t.participation.values() {
            for r in recs.iter().filter(|r| r.unmet().is_some()) {
                if r.recorded_at >= start_of(from) && r.recorded_at < end {
                    recorded += 1;
                    let met = outreach_shared::participation::met_at(recs, r.id)
                        .is_some_and(|m| m <= as_of);
                    if !met {
                        open += 1;
                    }
                }
            }
        }
    }
    let unmet = lines
        .into_iter()
        .map(|l| {
            let open = records::disclose_count(l.open);
            UnmetRow {
                need: l.need,
                area: l.area.name_ja(),
                recorded: records::disclose_count(l.recorded),
                longest_open_days: match open {
                    Disclosed::Count(n) if n > 0 => l.longest_open_days,
                    _ => None,
                },
                open,
            }
        })
        .collect();
    let gap_persons: Vec<_> = data
        .teams
        .iter()
        .flat_map(|t| t.persons.values())
        .filter(|p| p.created_at < end)
        .filter_map(|p| p.scheme_gap.as_ref())
        .collect();
    let schemes = Scheme::ALL
        .into_iter()
        .map(|s| {
            let n = gap_persons
                .iter()
                .filter(|g| g.schemes_not_fitting.contains(&s))
                .count();
            (s, records::disclose_count(n))
        })
        .collect();
    NeedsFigures {
        unmet,
        unmet_total: Some((
            records::disclose_count(recorded),
            records::disclose_count(open),
        )),
        schemes,
    }
}

/// A disclosed count as text.
pub fn shown(d: Disclosed) -> String {
    match d {
        Disclosed::Count(n) => n.to_string(),
        Disclosed::FewerThan(k) => text::fewer_than(k),
        Disclosed::PeriodTooShort => text::STRAIN_PERIOD_TOO_SHORT.to_owned(),
    }
}

/// The 制度の狭間 by scheme, for viewpoint 2's card.
pub fn schemes_html(f: &NeedsFigures) -> Markup {
    html! {
        h3 { (text::REPORT_SCHEMES) }
        table.data #report-schemes {
            thead { tr { th { (text::REPORT_SCHEME) } th { (text::REPORT_PERSONS) } } }
            tbody { @for (s, n) in &f.schemes { tr { td { (s.ja()) } td.num { (shown(*n)) } } } }
        }
    }
}

/// The unmet needs section (its own card, after the four viewpoints).
pub fn unmet_html(f: &NeedsFigures) -> Markup {
    html! {
        section.card #report-unmet {
            h2 { (text::REPORT_UNMET_TITLE) }
            p.small { (text::REPORT_UNMET_LEAD) }
            @if let Some((rec, open)) = f.unmet_total {
                dl.grid {
                    dt { (text::REPORT_UNMET_RECORDED) } dd { strong #unmet-total { (shown(rec)) } }
                    dt { (text::REPORT_UNMET_OPEN) } dd { strong { (shown(open)) } }
                }
            }
            @if f.unmet.is_empty() { p.empty { (text::REPORT_UNMET_NONE) } } @else {
                table.data #unmet-needs {
                    thead { tr {
                        th { (text::REPORT_NEED) } th { (text::REPORT_AREA) }
                        th { (text::REPORT_UNMET_RECORDED) } th { (text::REPORT_UNMET_OPEN) } th { (text::REPORT_UNMET_LONGEST) }
                    } }
                    tbody { @for u in &f.unmet { tr {
                        td { (u.need.ja()) } td { (u.area) }
                        td.num { (shown(u.recorded)) } td.num { (shown(u.open)) }
                        td.num { (u.longest_open_days.map(|d| format!("{d}{}", text::REPORT_DAYS)).unwrap_or_else(|| "—".into())) }
                    } } }
                }
            }
        }
    }
}

/// The CSV lines: (viewpoint, metric, value).
pub fn csv_lines(f: &NeedsFigures) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (s, n) in &f.schemes {
        out.push((
            text::VP2.to_owned(),
            format!("{}（{}）", text::REPORT_SCHEMES, s.ja()),
            shown(*n),
        ));
    }
    if let Some((rec, open)) = f.unmet_total {
        out.push((
            text::REPORT_UNMET_TITLE.to_owned(),
            text::REPORT_UNMET_RECORDED.to_owned(),
            shown(rec),
        ));
        out.push((
            text::REPORT_UNMET_TITLE.to_owned(),
            text::REPORT_UNMET_OPEN.to_owned(),
            shown(open),
        ));
    }
    for u in &f.unmet {
        let what = format!("{}・{}", u.need.ja(), u.area);
        out.push((
            text::REPORT_UNMET_TITLE.to_owned(),
            format!("{}（{what}）", text::REPORT_UNMET_RECORDED),
            shown(u.recorded),
        ));
        out.push((
            text::REPORT_UNMET_TITLE.to_owned(),
            format!("{}（{what}）", text::REPORT_UNMET_OPEN),
            shown(u.open),
        ));
    }
    out
}
