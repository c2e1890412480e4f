//! The case's outcome on the person page (issue 13): route and status in
//! Japanese, the next meeting in 令和, the 社協's tasks with due date,
//! status and overdue mark, a find-request shown first, and nothing that
//! the server does not send (no minutes).

use super::*;
use crate::shared::protocol::{CaseStatusView, FindRequestView, OutreachTask};
use chrono::NaiveDate;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn task(n: u8, what: &str, due: NaiveDate, status: TaskStatus) -> OutreachTask {
    OutreachTask {
        id: uuid::Uuid::from_bytes([n; 16]),
        what: what.into(),
        due,
        status,
        owner: None,
    }
}

fn case(p: &Person, n: u8, status: Option<CaseStatusView>) -> CaseRecord {
    CaseRecord {
        case_id: CaseId::new_v7(1_780_000_000_000, [n; 10]),
        person_id: p.id,
        escalation: None,
        status,
    }
}

fn view(p: &Person, n: u8, status: CaseStatus) -> CaseStatusView {
    CaseStatusView {
        case_id: CaseId::new_v7(1_780_000_000_000, [n; 10]),
        person_id: p.id,
        status,
        route: Route::MultiLayeredMeeting,
        urgency: Urgency::Normal,
        return_reason: None,
        updated_at: now(),
        next_meeting: None,
        outreach_tasks: Vec::new(),
        find_request: None,
        followups: Vec::new(),
    }
}

fn with_cases(p: &Person, cases: Vec<CaseRecord>) -> AppState {
    let mut s = on_person(p, vec![]);
    if let Some(tl) = s.timeline.as_mut() {
        tl.cases = cases;
    }
    s
}

#[component]
fn Outcome(cases: Vec<CaseRecord>, today: NaiveDate) -> Element {
    crate::ui::case_outcome::case_outcome(&cases, today)
}

fn render_outcome(cases: Vec<CaseRecord>, today: NaiveDate) -> String {
    let mut dom = VirtualDom::new_with_props(Outcome, OutcomeProps { cases, today });
    dom.rebuild_in_place();
    dioxus_ssr::render(&dom)
}

#[test]
fn the_person_page_shows_route_status_next_meeting_and_the_outreach_tasks() {
    let p = person("架空 結果", 31);
    let mut v = view(&p, 1, CaseStatus::Plan);
    v.next_meeting = Some(day(2026, 6, 10));
    v.outreach_tasks = vec![
        task(
            1,
            "（架空）月2回の訪問を続ける",
            day(2026, 6, 30),
            TaskStatus::InProgress,
        ),
        task(
            2,
            "（架空）母の介護保険の申請に同行",
            day(2026, 5, 20),
            TaskStatus::NotStarted,
        ),
        task(3, "（架空）兄に連絡する", day(2026, 5, 1), TaskStatus::Done),
    ];
    v.followups = vec![CaseId::new_v7(1_780_000_000_001, [9; 10])];
    let html = render(with_cases(&p, vec![case(&p, 1, Some(v.clone()))]));
    assert!(html.contains(t::CASES));
    assert!(html.contains("重層的支援会議") && html.contains("支援プラン"));
    assert!(
        html.contains("令和8年6月10日（水）"),
        "the next meeting in 令和"
    );
    assert!(html.contains(t::OUTCOME_TASKS));
    for what in [
        "月2回の訪問を続ける",
        "介護保険の申請に同行",
        "兄に連絡する",
    ] {
        assert!(html.contains(what), "{what}");
    }
    assert!(html.contains("実施中") && html.contains("未着手") && html.contains("完了"));
    assert!(html.contains("令和8年6月30日") && html.contains("令和8年5月20日"));
    assert!(html.contains(&t::outcome_followups(1)));
    assert!(html.contains(t::OUTCOME_MINUTES_NOTE));

    // Overdue by shared's rule, on a given day: open and past due only.
    let on_june_1 = render_outcome(vec![case(&p, 1, Some(v.clone()))], day(2026, 6, 1));
    assert_eq!(
        on_june_1.matches(t::OUTCOME_OVERDUE).count(),
        1,
        "only the open task past due"
    );
    let on_july_1 = render_outcome(vec![case(&p, 1, Some(v))], day(2026, 7, 1));
    assert_eq!(
        on_july_1.matches(t::OUTCOME_OVERDUE).count(),
        2,
        "the done task never"
    );
}

#[test]
fn a_find_request_is_shown_first_on_the_person_it_created() {
    let mut p = person("架空 探索", 32);
    p.stage = Stage::Identified;
    let mut v = view(&p, 2, CaseStatus::Received);
    v.route = Route::SupportMeeting;
    v.find_request = Some(FindRequestView {
        request: "（架空）地域包括から、最近見かけないとの連絡。様子を見てほしい。".into(),
        requested_at: now(),
    });
    let html = render(with_cases(&p, vec![case(&p, 2, Some(v))]));
    let find = html
        .find(t::OUTCOME_FIND_TITLE)
        .expect("the request is shown");
    assert!(
        find < html.find(&format!(">{}<", t::CASES)).unwrap(),
        "before the cases"
    );
    assert!(
        find < html.find(t::PROFILE).unwrap() && find < html.find(t::LOG_CONTACT).unwrap(),
        "at the top of the page, above the profile and the actions"
    );
    assert_eq!(html.matches(t::OUTCOME_FIND_TITLE).count(), 1, "shown once");
    assert!(html.contains("最近見かけないとの連絡"));
    assert!(
        html.contains("令和8年6月1日 10:30"),
        "asked at, in Tokyo time"
    );
    assert!(html.contains("支援会議") && html.contains("受付"));
    assert!(html.contains(t::OUTCOME_NO_MEETING) && html.contains(t::OUTCOME_NO_TASKS));
}

#[test]
fn a_closed_case_a_returned_one_and_one_not_yet_sent() {
    let p = person("架空 終結", 33);
    let mut closed = view(&p, 3, CaseStatus::Closed);
    closed.next_meeting = Some(day(2026, 6, 10));
    let mut returned = view(&p, 4, CaseStatus::ReturnedToOutreach);
    returned.return_reason = Some("（架空）まずアウトリーチで関係づくりを".into());
    let html = render(with_cases(
        &p,
        vec![
            case(&p, 3, Some(closed)),
            case(&p, 4, Some(returned)),
            case(&p, 5, None),
        ],
    ));
    assert!(html.contains("終結") && html.contains("badge closed"));
    assert!(
        !html.contains("令和8年6月10日"),
        "no next meeting for a closed case"
    );
    assert!(
        html.contains("アウトリーチへ差し戻し") && html.contains("まずアウトリーチで関係づくりを")
    );
    assert!(html.contains(t::CASE_STATUS_UNKNOWN));
    assert!(!html.contains(t::OUTCOME_FIND_TITLE));
}

#[test]
fn a_person_without_cases_shows_no_case_section() {
    let p = person("架空 なし", 34);
    let html = render(with_cases(&p, vec![]));
    assert!(!html.contains(t::OUTCOME_TASKS) && !html.contains(t::OUTCOME_MINUTES_NOTE));
}
