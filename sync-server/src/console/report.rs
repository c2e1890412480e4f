//! The evaluation report for the 推進会議: for a chosen period, anonymised
//! counts on the four viewpoints of the plan's chapter 4 (重層的な支援,
//! 制度の狭間, 支援者支援, 伴走支援), with SVG charts drawn by `plotters`
//! (SVG backend only, no text drawn by it: labels are HTML) and a CSV export.
//!
//! Where the case queue has structured records it reads them: the agencies
//! that took on a role come from the プラン's tasks and the 支援会議's role
//! split (not from who sat at the meeting), meetings count only those held,
//! and 伴走支援 adds the monitoring held, plans with goals in the person's
//! own words, plans past their review date, and closures by outcome.
//!
//! No person is identifiable: only counts and medians; workers are shown as
//! 支援員A, B… ordered by caseload (not by name or id); no alias, no id.
//! Figures drawn from workers' reflections (strain) follow
//! [`records::disclose_strain`]: counts under 5 are shown as "5未満", and
//! none over a period shorter than 28 days.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use maud::{Markup, PreEscaped, html};
use outreach_shared::ja;
use outreach_shared::ja::Label;
use outreach_shared::{
    Accompaniment, AgencyId, ClosureOutcome, CrossTag, LifeField, PersonId, Route, Stage, UserId,
    Viewpoint,
};
use plotters::prelude::*;
use std::collections::{BTreeSet, HashMap};

use super::layout::{self, day};
use super::session::{Form, Session, query};
use super::{PageError, PageResult, report_excerpts, report_narrative, report_needs, text};
use crate::engine::records::{self, ReportRecords, TeamRecords};
use crate::state::AppState;

/// One line of the report: viewpoint, metric, value (text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub viewpoint: &'static str,
    pub metric: &'static str,
    pub value: String,
}

/// The report's figures.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub lines: Vec<Line>,
    /// Caseload per anonymised worker (A, B, …).
    pub caseloads: Vec<(String, usize)>,
    /// In-person contacts per month: (label, alone, not alone).
    pub visits: Vec<(String, usize, usize)>,
    /// Contact intervals by bucket: (label, count).
    pub intervals: Vec<(&'static str, usize)>,
    /// 参加支援: unmet needs, and 制度の狭間 by scheme.
    pub needs: report_needs::NeedsFigures,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn fmt_days(d: Option<f64>) -> String {
    d.map(|d| format!("{d:.1}{}", text::REPORT_DAYS))
        .unwrap_or_else(|| "—".into())
}

fn pct(n: usize, of: usize) -> String {
    if of == 0 {
        "—".into()
    } else {
        format!("{n}／{of}（{:.0}%）", n as f64 * 100.0 / of as f64)
    }
}

/// Computes the report over every team's records and the case queue's
/// structured records for `from..=to`.
pub fn compute(data: &ReportRecords, from: NaiveDate, to: NaiveDate) -> Report {
    let teams: &[TeamRecords] = &data.teams;
    let meetings = &data.meetings;
    let in_period = |at: DateTime<Utc>| {
        let d = ja::local_date(at);
        d >= from && d <= to
    };
    let mut r = Report {
        from: Some(from),
        to: Some(to),
        ..Report::default()
    };
    let mut push = |viewpoint, metric, value: String| {
        r.lines.push(Line {
            viewpoint,
            metric,
            value,
        })
    };
    // 1. 重層的な支援.
    let cases: Vec<_> = teams
        .iter()
        .flat_map(|t| t.cases.iter())
        .filter(|c| {
            ja::local_date(c.escalation.raised_at) <= to
                && (c.status.is_open() || ja::local_date(c.updated_at) >= from)
        })
        .collect();
    let multi_field: Vec<_> = cases
        .iter()
        .filter(|c| {
            let mut fields: BTreeSet<LifeField> = c.escalation.fields.clone();
            if let Some(p) = teams
                .iter()
                .find_map(|t| t.persons.get(&c.escalation.person_id))
            {
                fields.extend(p.fields.iter().copied());
            }
            fields.len() >= 2 || !c.escalation.tags.is_empty()
        })
        .collect();
    // The agencies that took on a role, from the structured records: the
    // プラン's tasks (重層的支援会議) or the 支援会議's role split. A case
    // without either has no roles on record yet and is not counted.
    let roles = |c: &outreach_shared::CaseQueueItem| -> Option<BTreeSet<AgencyId>> {
        let id = c.escalation.case_id;
        let from_plan: Option<BTreeSet<AgencyId>> = data
            .plans
            .get(&id)
            .map(|p| p.tasks.iter().map(|t| t.agency.clone()).collect());
        let from_sm: Option<BTreeSet<AgencyId>> = data
            .support_records
            .get(&id)
            .map(|r| r.roles.iter().map(|x| x.agency.clone()).collect());
        match (from_plan, from_sm) {
            (Some(a), Some(b)) => Some(a.union(&b).cloned().collect()),
            (a, b) => a.or(b),
        }
    };
    let with_roles: Vec<BTreeSet<AgencyId>> = multi_field.iter().filter_map(|c| roles(c)).collect();
    push(text::VP1, text::M_CASES, cases.len().to_string());
    push(
        text::VP1,
        text::M_MULTI_FIELD,
        multi_field.len().to_string(),
    );
    push(
        text::VP1,
        text::M_SEVERAL_AGENCIES,
        pct(
            with_roles.iter().filter(|a| a.len() >= 2).count(),
            with_roles.len(),
        ),
    );
    push(
        text::VP1,
        text::M_MEETINGS_ML,
        meetings
            .iter()
            .filter(|m| m.route == Route::MultiLayeredMeeting)
            .count()
            .to_string(),
    );
    push(
        text::VP1,
        text::M_MEETINGS_SM,
        meetings
            .iter()
            .filter(|m| m.route == Route::SupportMeeting)
            .count()
            .to_string(),
    );
    // 2. 制度の狭間.
    let gap: Vec<_> = teams
        .iter()
        .flat_map(|t| t.persons.values())
        .filter(|p| p.tags.contains(&CrossTag::SchemeGap))
        .collect();
    let supported = gap
        .iter()
        .filter(|p| matches!(p.stage, Stage::AcceptsSupport | Stage::HandedOn))
        .count();
    push(text::VP2, text::M_GAP_PERSONS, gap.len().to_string());
    push(text::VP2, text::M_GAP_SUPPORTED, pct(supported, gap.len()));
    // 3. 支援者支援.
    let contacts: Vec<_> = teams
        .iter()
        .flat_map(|t| t.contacts.iter())
        .filter(|c| in_period(c.occurred_at))
        .collect();
    let in_person: Vec<_> = contacts
        .iter()
        .filter(|c| c.method.is_in_person())
        .collect();
    let alone = in_person
        .iter()
        .filter(|c| c.safety.accompaniment == Accompaniment::Alone)
        .count();
    let strain = contacts
        .iter()
        .filter(|c| {
            c.reflection
                .as_ref()
                .is_some_and(|r| r.difficulty.signals_strain() || r.wants_to_talk)
        })
        .count();
    let feedback: Vec<f64> = teams
        .iter()
        .flat_map(|t| {
            t.contacts.iter().filter_map(|c| {
                let rv = t.reviews.get(&c.id)?;
                in_period(c.occurred_at)
                    .then(|| (rv.reviewed_at - c.occurred_at).num_minutes() as f64 / 1440.0)
            })
        })
        .filter(|d| *d >= 0.0)
        .collect();
    let mut loads: HashMap<UserId, usize> = HashMap::new();
    for p in teams.iter().flat_map(|t| t.persons.values()) {
        if let Some(w) = p.assigned_worker
            && p.stage.is_active()
        {
            *loads.entry(w).or_default() += 1;
        }
    }
    let mut loads: Vec<usize> = loads.into_values().collect();
    loads.sort_unstable_by(|a, b| b.cmp(a));
    r.caseloads = loads
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let letter = char::from(b'A' + (i % 26) as u8);
            (format!("{}{letter}", text::REPORT_WORKER), *n)
        })
        .collect();
    push(text::VP3, text::M_WORKERS, loads.len().to_string());
    push(
        text::VP3,
        text::M_CASELOAD_MEDIAN,
        median(loads.iter().map(|n| *n as f64).collect())
            .map(|m| format!("{m:.1}"))
            .unwrap_or_else(|| "—".into()),
    );
    push(text::VP3, text::M_CONTACTS, contacts.len().to_string());
    push(text::VP3, text::M_LONE, pct(alone, in_person.len()));
    push(
        text::VP3,
        text::M_STRAIN,
        match records::disclose_strain(strain, from, to) {
            records::Disclosed::Count(n) => n.to_string(),
            records::Disclosed::FewerThan(k) => text::fewer_than(k),
            records::Disclosed::PeriodTooShort => text::STRAIN_PERIOD_TOO_SHORT.to_owned(),
        },
    );
    push(text::VP3, text::M_FEEDBACK, fmt_days(median(feedback)));
    // Visits per month.
    let mut months: Vec<(i32, u32)> = Vec::new();
    let mut d = NaiveDate::from_ymd_opt(from.year(), from.month(), 1).unwrap_or(from);
    while d <= to && months.len() < 48 {
        months.push((d.year(), d.month()));
        d = if d.month() == 12 {
            NaiveDate::from_ymd_opt(d.year() + 1, 1, 1).unwrap_or(to)
        } else {
            NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1).unwrap_or(to)
        };
        if d == to {
            break;
        }
    }
    let long = months.len() > 12;
    r.visits = months
        .iter()
        .map(|(y, m)| {
            let of_month = in_person.iter().filter(|c| {
                let d = ja::local_date(c.occurred_at);
                d.year() == *y && d.month() == *m
            });
            let (a, b) = of_month.fold((0, 0), |(a, b), c| {
                if c.safety.accompaniment == Accompaniment::Alone {
                    (a + 1, b)
                } else {
                    (a, b + 1)
                }
            });
            // Over more than a year, the month says its year (「R9.4」).
            let label = match ja::era_year(NaiveDate::from_ymd_opt(*y, *m, 1).unwrap_or(from)) {
                Some((_, ey)) if long => format!("R{ey}.{m}"),
                _ => format!("{m}{}", text::REPORT_MONTH),
            };
            (label, a, b)
        })
        .collect();
    // 4. 伴走支援.
    let mut by_person: HashMap<PersonId, Vec<DateTime<Utc>>> = HashMap::new();
    for t in teams {
        for c in &t.contacts {
            by_person
                .entry(c.person_id)
                .or_default()
                .push(c.occurred_at);
        }
    }
    let mut intervals = Vec::new();
    for times in by_person.values_mut() {
        times.sort();
        for w in times.windows(2) {
            if in_period(w[1]) {
                intervals.push((w[1] - w[0]).num_minutes() as f64 / 1440.0);
            }
        }
    }
    let buckets: [(&'static str, f64); 5] = [
        (text::B_WEEK, 7.0),
        (text::B_TWO_WEEKS, 14.0),
        (text::B_MONTH, 31.0),
        (text::B_TWO_MONTHS, 62.0),
        (text::B_LONGER, f64::MAX),
    ];
    r.intervals = buckets
        .iter()
        .enumerate()
        .map(|(i, (label, hi))| {
            let lo = if i == 0 { -1.0 } else { buckets[i - 1].1 };
            (
                *label,
                intervals.iter().filter(|d| **d > lo && **d <= *hi).count(),
            )
        })
        .collect();
    let accept: Vec<f64> = teams
        .iter()
        .flat_map(|t| {
            t.persons.values().filter_map(|p| {
                if !matches!(p.stage, Stage::AcceptsSupport | Stage::HandedOn) {
                    return None;
                }
                let at = *t.stage_at.get(&p.id)?;
                let first = by_person.get(&p.id)?.first()?;
                in_period(at).then(|| (at - *first).num_minutes() as f64 / 1440.0)
            })
        })
        .filter(|d| *d >= 0.0)
        .collect();
    let end = to
        .and_hms_opt(23, 59, 59)
        .map(|t| t.and_utc())
        .unwrap_or_else(Utc::now);
    let active: Vec<_> = teams
        .iter()
        .flat_map(|t| t.persons.values())
        .filter(|p| p.stage.is_active() && p.created_at <= end)
        .collect();
    let lost = active
        .iter()
        .filter(|p| {
            by_person
                .get(&p.id)
                .and_then(|v| v.iter().filter(|t| **t <= end).max())
                .is_none_or(|last| end - *last > Duration::days(60))
        })
        .count();
    push(text::VP4, text::M_INTERVAL, fmt_days(median(intervals)));
    push(text::VP4, text::M_TO_ACCEPT, fmt_days(median(accept)));
    push(text::VP4, text::M_LOST, pct(lost, active.len()));
    // The case queue's own continuity, from its structured records.
    let monitored = data
        .monitoring
        .iter()
        .filter(|m| m.held_on >= from && m.held_on <= to)
        .count();
    push(text::VP4, text::M_MONITORING, monitored.to_string());
    let plans_open: Vec<_> = cases
        .iter()
        .filter(|c| c.status.is_open())
        .filter_map(|c| data.plans.get(&c.escalation.case_id))
        .collect();
    let own_words = plans_open
        .iter()
        .filter(|p| p.goals.iter().any(|g| g.own_words))
        .count();
    push(
        text::VP4,
        text::M_OWN_WORDS,
        pct(own_words, plans_open.len()),
    );
    let review_late = plans_open
        .iter()
        .filter(|p| {
            let m: Vec<_> = data
                .monitoring
                .iter()
                .filter(|m| m.case_id == p.case_id)
                .cloned()
                .collect();
            outreach_shared::plan::next_review(p, &m).is_some_and(|d| d < to)
        })
        .count();
    push(
        text::VP4,
        text::M_REVIEW_LATE,
        pct(review_late, plans_open.len()),
    );
    let closed: Vec<_> = data
        .closures
        .values()
        .filter(|c| c.evaluated_on >= from && c.evaluated_on <= to)
        .collect();
    push(text::VP4, text::M_CLOSED, closed.len().to_string());
    for o in ClosureOutcome::ALL {
        let n = closed.iter().filter(|c| c.outcome == o).count();
        push(text::VP4, o.ja(), pct(n, closed.len()));
    }
    r.needs = report_needs::compute(data, from, to, Utc::now());
    r
}

/// Bars as SVG (no text: labels are in the HTML beside the chart). Each
/// bar is a stack of values with the given colours.
pub fn bars_svg(values: &[Vec<usize>], colors: &[RGBColor]) -> String {
    let mut svg = String::new();
    {
        let n = values.len().max(1);
        let max = values
            .iter()
            .map(|v| v.iter().sum::<usize>())
            .max()
            .unwrap_or(0)
            .max(1);
        let root = SVGBackend::with_string(&mut svg, (640, 220)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let area = root.margin(10, 10, 10, 10);
        let (w, h) = area.dim_in_pixel();
        let w = w as i32;
        let h = h as i32;
        let grid = RGBColor(0xd8, 0xde, 0xe3);
        for i in 0..=4 {
            let y = h - h * i / 4;
            let _ = area.draw(&PathElement::new(vec![(0, y), (w, y)], grid));
        }
        let slot = w / n as i32;
        let bar = (slot * 6 / 10).max(2);
        for (i, stack) in values.iter().enumerate() {
            let x0 = slot * i as i32 + (slot - bar) / 2;
            let mut base = h;
            for (k, v) in stack.iter().enumerate() {
                let height = (h as f64 * *v as f64 / max as f64).round() as i32;
                let color = colors.get(k).copied().unwrap_or(BLACK);
                let _ = area.draw(&Rectangle::new(
                    [(x0, base - height), (x0 + bar, base)],
                    color.filled(),
                ));
                base -= height;
            }
        }
        let _ = root.present();
    }
    svg
}

const TEAL: RGBColor = RGBColor(0x1d, 0x6b, 0x63);
const AMBER: RGBColor = RGBColor(0xd0, 0x8a, 0x00);

/// The plan's period (令和8年4月〜令和12年3月), its length in days, and
/// the periods the report offers: each 年度, the mid-term (the first two
/// 年度) and the whole plan period.
const PLAN_FIRST_FY: i32 = 2026;
const PLAN_YEARS: i32 = 4;
const PLAN_DAYS: i64 = 366 * 4;

/// (label, from, to) of each period offered.
pub fn plan_periods() -> Vec<(String, NaiveDate, NaiveDate)> {
    let fy = |y: i32| {
        (
            NaiveDate::from_ymd_opt(y, 4, 1).unwrap_or_default(),
            NaiveDate::from_ymd_opt(y + 1, 3, 31).unwrap_or_default(),
        )
    };
    let mut out: Vec<(String, NaiveDate, NaiveDate)> = (0..PLAN_YEARS)
        .map(|i| {
            let (from, to) = fy(PLAN_FIRST_FY + i);
            let era = ja::era_year(from).map(|(e, y)| format!("{e}{y}年度"));
            (era.unwrap_or_else(|| from.year().to_string()), from, to)
        })
        .collect();
    out.push((
        text::REPORT_MIDTERM.to_owned(),
        fy(PLAN_FIRST_FY).0,
        fy(PLAN_FIRST_FY + 1).1,
    ));
    out.push((
        text::REPORT_PLAN_PERIOD.to_owned(),
        fy(PLAN_FIRST_FY).0,
        fy(PLAN_FIRST_FY + PLAN_YEARS - 1).1,
    ));
    out
}

fn period(q: &Form, now: DateTime<Utc>) -> Result<(NaiveDate, NaiveDate), PageError> {
    let today = ja::local_date(now);
    let fy_start = if today.month() >= 4 {
        NaiveDate::from_ymd_opt(today.year(), 4, 1)
    } else {
        NaiveDate::from_ymd_opt(today.year() - 1, 4, 1)
    }
    .unwrap_or(today);
    let date = |k: &str, default: NaiveDate| -> Result<NaiveDate, PageError> {
        match q.text(k) {
            None => Ok(default),
            Some(d) => NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|_| PageError::bad_request(text::BAD_DATE)),
        }
    };
    let (from, to) = (date("from", fy_start)?, date("to", today)?);
    // Up to the plan's whole period (4 years; 第4章).
    if from > to || (to - from).num_days() > PLAN_DAYS {
        return Err(PageError::bad_request(text::REPORT_BAD_PERIOD));
    }
    Ok((from, to))
}

async fn load(
    st: &AppState,
    session: &Session,
    q: &Option<String>,
    what: &'static str,
) -> Result<Report, PageError> {
    let now = Utc::now();
    let (from, to) = period(&query(q), now)?;
    let caller = session.caller.clone();
    let c = caller.clone();
    let data = st
        .read(move |tx| records::report_records(tx, &c, from, to))
        .await?;
    st.write(move |tx| records::audit_report(tx, &caller, what, from, to, now))
        .await?;
    Ok(compute(&data, from, to))
}

fn legend_table(rows: &[(String, Vec<usize>)], heads: &[&str]) -> Markup {
    html! {
        table.data.legend {
            thead { tr { @for h in heads { th { (h) } } } }
            tbody { @for (label, vals) in rows {
                tr { td { (label) } @for v in vals { td.num { (v) } } }
            } }
        }
    }
}

/// `GET /console/report`.
pub async fn page(
    State(st): State<AppState>,
    session: Session,
    RawQuery(q): RawQuery,
) -> PageResult {
    let r = load(&st, &session, &q, "read.report").await?;
    let (from, to) = (r.from.unwrap_or_default(), r.to.unwrap_or_default());
    let narratives = report_narrative::load(&st, &session, from, to).await?;
    let excerpts = report_excerpts::load(&st, &session, from, to).await?;
    let vps = [text::VP1, text::VP2, text::VP3, text::VP4];
    let caseload_svg = bars_svg(
        &r.caseloads
            .iter()
            .map(|(_, n)| vec![*n])
            .collect::<Vec<_>>(),
        &[TEAL],
    );
    let visits_svg = bars_svg(
        &r.visits
            .iter()
            .map(|(_, a, b)| vec![*b, *a])
            .collect::<Vec<_>>(),
        &[TEAL, AMBER],
    );
    let interval_svg = bars_svg(
        &r.intervals
            .iter()
            .map(|(_, n)| vec![*n])
            .collect::<Vec<_>>(),
        &[TEAL],
    );
    let body = html! {
        p.lead { (text::REPORT_LEAD) }
        form.filters.noprint method="get" action="/console/report" {
            label { (text::FILTER_FROM) input type="date" name="from" value=(from.to_string()); }
            label { (text::FILTER_TO) input type="date" name="to" value=(to.to_string()); }
            button.secondary type="submit" { (text::REPORT_SHOW) }
            a #csv href=(format!("/console/report.csv?from={from}&to={to}")) { (text::REPORT_CSV) }
        }
        nav.periods.noprint #report-periods aria-label=(text::REPORT_PERIODS) {
            (text::REPORT_PERIODS) "："
            @for (label, f, t) in plan_periods() {
                " " a href=(format!("/console/report?from={f}&to={t}")) { (label) }
            }
        }
        p { strong { (text::REPORT_PERIOD) "：" (day(from)) "〜" (day(to)) } }
        @for (i, vp) in vps.into_iter().enumerate() {
            section.card {
                h2 { (vp) }
                (report_narrative::section(&session, Viewpoint::ALL[i], &narratives, from, to))
                (report_excerpts::section(&session, Viewpoint::ALL[i], &excerpts, from, to))
                dl.grid {
                    @for l in r.lines.iter().filter(|l| l.viewpoint == vp) {
                        dt { (l.metric) } dd { strong { (l.value) } }
                    }
                }
                @if vp == text::VP2 { (report_needs::schemes_html(&r.needs)) }
                @if vp == text::VP3 {
                    div.chart {
                        figure {
                            figcaption { (text::CHART_CASELOAD) }
                            (PreEscaped(&caseload_svg))
                        }
                        (legend_table(&r.caseloads.iter().map(|(l, n)| (l.clone(), vec![*n])).collect::<Vec<_>>(), &[text::REPORT_WORKER, text::CASELOAD]))
                    }
                    div.chart {
                        figure {
                            figcaption { (text::CHART_VISITS) " " span.key.teal { (text::NOT_ALONE) } " " span.key.amber { (text::LONE_VISITS) } }
                            (PreEscaped(&visits_svg))
                        }
                        (legend_table(&r.visits.iter().map(|(l, a, b)| (l.clone(), vec![*b, *a])).collect::<Vec<_>>(), &[text::REPORT_MONTH_HEAD, text::NOT_ALONE, text::LONE_VISITS]))
                    }
                }
                @if vp == text::VP4 {
                    div.chart {
                        figure {
                            figcaption { (text::CHART_INTERVALS) }
                            (PreEscaped(&interval_svg))
                        }
                        (legend_table(&r.intervals.iter().map(|(l, n)| (l.to_string(), vec![*n])).collect::<Vec<_>>(), &[text::REPORT_INTERVAL_HEAD, text::COUNT_SUFFIX]))
                    }
                }
            }
        }
        (report_needs::unmet_html(&r.needs))
        p.small { (text::REPORT_NOTES) }
    };
    Ok(layout::page(
        &session,
        text::REPORT_TITLE,
        "report",
        None,
        body,
    ))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// `GET /console/report.csv`.
pub async fn csv(
    State(st): State<AppState>,
    session: Session,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let r = load(&st, &session, &q, "read.report_csv").await?;
    let (from, to) = (r.from.unwrap_or_default(), r.to.unwrap_or_default());
    // A byte-order mark so spreadsheet software reads UTF-8 Japanese.
    let mut out = String::from("\u{feff}");
    out.push_str(&format!(
        "{},{},{}\r\n",
        text::CSV_VIEWPOINT,
        text::CSV_METRIC,
        text::CSV_VALUE
    ));
    out.push_str(&format!(
        "{},{},{}〜{}\r\n",
        csv_field(text::REPORT_PERIOD),
        "",
        from,
        to
    ));
    for l in &r.lines {
        out.push_str(&format!(
            "{},{},{}\r\n",
            csv_field(l.viewpoint),
            csv_field(l.metric),
            csv_field(&l.value)
        ));
    }
    for (w, n) in &r.caseloads {
        out.push_str(&format!(
            "{},{},{n}\r\n",
            csv_field(text::VP3),
            csv_field(&format!("{}（{w}）", text::CASELOAD))
        ));
    }
    for (m, a, b) in &r.visits {
        out.push_str(&format!(
            "{},{},{b}\r\n",
            csv_field(text::VP3),
            csv_field(&format!("{}（{m}）", text::NOT_ALONE))
        ));
        out.push_str(&format!(
            "{},{},{a}\r\n",
            csv_field(text::VP3),
            csv_field(&format!("{}（{m}）", text::LONE_VISITS))
        ));
    }
    for (b, n) in &r.intervals {
        out.push_str(&format!(
            "{},{},{n}\r\n",
            csv_field(text::VP4),
            csv_field(&format!("{}（{b}）", text::REPORT_INTERVAL_HEAD))
        ));
    }
    let narratives = report_narrative::load(&st, &session, from, to).await?;
    let excerpts = report_excerpts::load(&st, &session, from, to).await?;
    for (vp, metric, value) in report_needs::csv_lines(&r.needs)
        .into_iter()
        .chain(report_narrative::csv_lines(&narratives))
        .chain(report_excerpts::csv_lines(&excerpts.choices))
    {
        out.push_str(&format!(
            "{},{},{}\r\n",
            csv_field(&vp),
            csv_field(&metric),
            csv_field(&value)
        ));
    }
    let mut resp = out.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"evaluation-{from}-{to}.csv\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use outreach_shared::*;

    fn line<'a>(r: &'a Report, metric: &str) -> &'a str {
        r.lines
            .iter()
            .find(|l| l.metric == metric)
            .map(|l| l.value.as_str())
            .unwrap_or_else(|| panic!("no line {metric}"))
    }

    /// The report reads the structured records: the agencies that took on
    /// a role come from the plan's tasks, not from who sat on the roster;
    /// monitoring and closures are counted in the period.
    #[test]
    fn roles_come_from_the_plan_not_the_roster() {
        let at = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let user = UserId::new_v7(1, [1; 10]);
        let case_id = CaseId::new_v7(2, [2; 10]);
        let mut item = CaseQueueItem::received(
            Escalation {
                case_id,
                person_id: PersonId::new_v7(3, [3; 10]),
                raised_by: user,
                raised_at: at,
                reason: "（架空）".into(),
                fields: [LifeField::Elderly, LifeField::Disability].into(),
                tags: Default::default(),
                agencies_involved: Default::default(),
                urgency: Urgency::Normal,
                route: Route::MultiLayeredMeeting,
                household: Vec::new(),
            },
            at,
        );
        item.status = CaseStatus::Monitoring;
        // Two agencies sat at the meeting...
        for a in ["kikan-soudan", "houkatsu-asahi"] {
            item.roster.push(RosterMember {
                user,
                agency: AgencyId::new(a),
                pledge_recorded_at: None,
            });
        }
        let mut data = ReportRecords {
            teams: vec![TeamRecords {
                cases: vec![item],
                ..TeamRecords::default()
            }],
            ..ReportRecords::default()
        };
        let (from, to) = (day(4, 1), day(9, 30));
        // ...but with no plan, no roles are on record yet.
        let r = compute(&data, from, to);
        assert_eq!(line(&r, text::M_SEVERAL_AGENCIES), "—");
        let task = |a: &str, n: u128| PlanTask {
            id: uuid::Uuid::from_u128(n),
            what: "（架空）".into(),
            agency: AgencyId::new(a),
            owner: None,
            due: day(7, 1),
            status: TaskStatus::InProgress,
        };
        data.plans.insert(
            case_id,
            Plan {
                case_id,
                version: 1,
                goals: vec![PlanGoal {
                    text: "（架空）".into(),
                    own_words: true,
                }],
                tasks: vec![task("shakyo", 1), task("kikan-soudan", 2)],
                next_review: day(6, 15),
                recorded_by: user,
                recorded_at: at,
            },
        );
        data.monitoring.push(MonitoringEntry {
            id: uuid::Uuid::from_u128(3),
            case_id,
            plan_version: 1,
            held_on: day(6, 10),
            progress: Vec::new(),
            judgement: Judgement::OnTrack,
            assessment: "（架空）".into(),
            next_review: Some(day(7, 10)),
            recorded_by: user,
            recorded_at: at + Duration::days(9),
        });
        data.closures.insert(
            case_id,
            ClosureEvaluation {
                case_id,
                route: Route::MultiLayeredMeeting,
                outcome: ClosureOutcome::Stabilised,
                reason: "（架空）".into(),
                continuing: "（架空）".into(),
                watched_by: AgencyId::new("shakyo"),
                watcher: None,
                evaluated_on: day(9, 1),
                recorded_by: user,
                recorded_at: at,
            },
        );
        let r = compute(&data, from, to);
        assert_eq!(line(&r, text::M_SEVERAL_AGENCIES), "1／1（100%）");
        assert_eq!(line(&r, text::M_MONITORING), "1");
        assert_eq!(line(&r, text::M_OWN_WORDS), "1／1（100%）");
        // The review moved to 10 July by the monitoring: past by 30 September.
        assert_eq!(line(&r, text::M_REVIEW_LATE), "1／1（100%）");
        assert_eq!(line(&r, text::M_CLOSED), "1");
        assert_eq!(line(&r, ClosureOutcome::Stabilised.ja()), "1／1（100%）");
        assert_eq!(line(&r, ClosureOutcome::Resolved.ja()), "0／1（0%）");
    }
}
