//! The console's 地域資源 catalogue (issue 18) and the report's 参加支援
//! figures, through the router over the demo data: coordinators and
//! supervisors list, add and edit resources (agency members may not), a
//! bad form is a Japanese page and writes nothing; the report counts
//! unmet needs and 制度の狭間 by scheme, small counts shown as 5未満, in
//! the page and the CSV.

mod console_support;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use console_support::*;
use outreach_shared::Viewpoint;
use sync_server::console::text;
use sync_server::store;

#[tokio::test]
async fn coordinators_and_supervisors_keep_the_resource_catalogue() {
    let w = World::demo();
    let mut c = w.login("coordinator").await;
    let list = c.get("/console/resources").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    // The demo's places named by the plan.
    for name in [
        "羽村市中央児童館",
        "地域活動支援センター「あおば」",
        "まいまいず健康教室",
    ] {
        assert!(list.body.contains(name), "{name}");
    }
    let before = store::read(&*w.store, |tx| tx.resources()).unwrap().len();
    let r = c
        .post_from(
            "/console/resources/new",
            "/console/resources",
            &[
                ("name", "架空の夜の居場所"),
                ("kind", "place_to_be"),
                ("area", "sakaecho-1"),
                ("area", "sakaecho-2"),
                ("for_whom", "若い世代の方"),
                ("days", "毎週金曜 17時〜20時"),
                ("contact", "架空の居場所（042-000-0000）"),
                ("accepts_new", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let all = store::read(&*w.store, |tx| tx.resources()).unwrap();
    assert_eq!(all.len(), before + 1);
    let added = all.iter().find(|r| r.name == "架空の夜の居場所").unwrap();
    assert_eq!(added.areas.len(), 2);
    assert!(added.accepts_new);
    let list = c.get("/console/resources").await;
    assert!(list.body.contains("栄町1丁目、栄町2丁目"));

    // A supervisor edits it: no longer takes new people.
    let mut sv = w.login("supervisor1").await;
    let page = format!("/console/resources/{}", added.id);
    let edit = sv.get(&page).await;
    assert!(edit.body.contains("架空の夜の居場所"));
    let r = sv
        .post_from(
            &page,
            &page,
            &[
                ("name", "架空の夜の居場所"),
                ("kind", "place_to_be"),
                ("for_whom", "若い世代の方"),
                ("days", "毎週金曜 17時〜20時"),
                ("contact", "架空の居場所（042-000-0000）"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let now = store::read(&*w.store, |tx| tx.resource(added.id))
        .unwrap()
        .unwrap();
    assert!(!now.accepts_new && now.areas.is_empty());
    assert!(
        sv.get("/console/resources")
            .await
            .body
            .contains(text::RESOURCE_FULL)
    );

    // A form without a name is a Japanese message, and nothing is written.
    let bad = c
        .post_from(
            "/console/resources/new",
            "/console/resources",
            &[
                ("name", " "),
                ("kind", "salon"),
                ("for_whom", "x"),
                ("days", "x"),
                ("contact", "x"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("資源の名称を入力してください"),
        "{}",
        bad.body
    );
    assert_eq!(
        store::read(&*w.store, |tx| tx.resources()).unwrap().len(),
        before + 1
    );
    // Agency members neither read nor keep the catalogue in the console.
    let mut agency = w.login("agency-shakyo").await;
    assert_eq!(
        agency.get("/console/resources").await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        w.audit_actions()
            .iter()
            .any(|(_, a, e)| a == "resource.edit" && e == &format!("resource:{}", added.id))
    );
}

#[tokio::test]
async fn the_report_counts_unmet_needs_and_schemes_not_fitting_with_small_counts_suppressed() {
    let w = World::demo();
    let today = outreach_shared::ja::local_date(Utc::now());
    let period = format!("from={}&to={today}", today - Duration::days(365));
    let mut c = w.login("coordinator").await;
    let r = c.get(&format!("/console/report?{period}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(text::REPORT_UNMET_TITLE));
    // The demo records three unmet needs: fewer than 5, suppressed.
    let total = between(&r.body, "<strong id=\"unmet-total\">", "<").unwrap();
    assert_eq!(total, text::fewer_than(5));
    assert!(r.body.contains("居場所がほしい") && r.body.contains("人の役に立ちたい"));
    // 制度の狭間 by scheme: five persons for two schemes, one for 介護保険.
    let schemes = between(&r.body, "id=\"report-schemes\"", "</table>").unwrap();
    assert!(
        schemes.contains("障害福祉サービス</td><td class=\"num\">5<"),
        "{schemes}"
    );
    assert!(
        schemes.contains(&format!(
            "介護保険</td><td class=\"num\">{}<",
            text::fewer_than(5)
        )),
        "{schemes}"
    );
    assert!(
        !r.body.contains("若者が夕方に行ける居場所がない"),
        "no description"
    );
    let csv = c.get(&format!("/console/report.csv?{period}")).await;
    assert!(csv.body.contains(text::REPORT_UNMET_TITLE));
    assert!(
        csv.body
            .contains(&format!("{}（障害福祉サービス）,5", text::REPORT_SCHEMES))
    );
}

/// 第4章: the report covers any period up to the whole plan period
/// (令和8年4月〜令和12年3月), and offers each 年度, the mid-term and the
/// whole period; a longer one is a Japanese refusal.
#[tokio::test]
async fn the_report_covers_the_whole_plan_period_and_offers_each_fiscal_year() {
    let w = World::demo();
    let mut c = w.login("coordinator").await;
    let r = c.get("/console/report?from=2026-04-01&to=2030-03-31").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("令和8年4月1日") && r.body.contains("令和12年3月31日"));
    let periods = between(&r.body, "id=\"report-periods\"", "</nav>").unwrap();
    for label in [
        "令和8年度",
        "令和9年度",
        "令和10年度",
        "令和11年度",
        text::REPORT_MIDTERM,
    ] {
        assert!(periods.contains(label), "{label}");
    }
    assert!(
        periods.contains("from=2027-04-01&amp;to=2028-03-31"),
        "{periods}"
    );
    assert!(
        periods.contains("from=2026-04-01&amp;to=2028-03-31"),
        "the mid-term"
    );
    let csv = c
        .get("/console/report.csv?from=2026-04-01&to=2030-03-31")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let long = c.get("/console/report?from=2025-04-01&to=2030-03-31").await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);
    assert!(long.body.contains(text::REPORT_BAD_PERIOD));
}

#[tokio::test]
async fn over_more_than_a_year_the_months_of_the_chart_name_their_year() {
    let w = World::demo();
    let mut c = w.login("coordinator").await;
    let r = c.get("/console/report?from=2026-04-01&to=2028-03-31").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("R8.4") && r.body.contains("R9.12"),
        "the months say their year"
    );
    let one = c.get("/console/report?from=2026-04-01&to=2027-03-31").await;
    assert!(!one.body.contains("R8.4"));
}

/// 第4章's qualitative evaluation: a coordinator writes the narrative of a
/// viewpoint for the period; a second save is a new version (the first
/// kept); it is in the page and the CSV; a supervisor reads it but cannot
/// write; an empty text is a Japanese refusal.
#[tokio::test]
async fn coordinators_write_versioned_narratives_beside_the_figures() {
    let w = World::demo();
    let period = "from=2026-04-01&to=2027-03-31";
    let page = format!("/console/report?{period}");
    let mut c = w.login("coordinator").await;
    let form = [
        ("viewpoint", "scheme_gap"),
        ("from", "2026-04-01"),
        ("to", "2027-03-31"),
    ];
    let post = |text: &'static str| {
        let mut f = form.to_vec();
        f.push(("text", text));
        f
    };
    let r = c
        .post_from(
            &page,
            "/console/report/narrative",
            &post("（見本）制度の狭間の世帯に複数の機関が関わり始めた。"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c
        .post_from(
            &page,
            "/console/report/narrative",
            &post("（見本）第2版：就労の場が足りない。"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let shown = c.get(&page).await;
    let section = between(&shown.body, "id=\"narrative-scheme_gap\"", "</form>").unwrap();
    assert!(section.contains("（見本）第2版：就労の場が足りない。"));
    assert!(section.contains("第2版・") && section.contains(&w.user("coordinator").display_name));
    assert!(
        section.contains(text::NARRATIVE_EARLIER) && section.contains("複数の機関が関わり始めた")
    );
    // Another period has none.
    let other = c.get("/console/report?from=2027-04-01&to=2028-03-31").await;
    assert!(!other.body.contains("就労の場が足りない"));
    let csv = c.get(&format!("/console/report.csv?{period}")).await;
    assert!(csv.body.contains("（見本）第2版：就労の場が足りない。"));
    // Empty: refused, nothing written.
    let bad = c
        .post_from(&page, "/console/report/narrative", &post("   "))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("評価の記述を入力してください"),
        "{}",
        bad.body
    );
    // A supervisor reads it, without the form, and may not write.
    let mut sv = w.login("supervisor1").await;
    let seen = sv.get(&page).await;
    assert!(seen.body.contains("就労の場が足りない"));
    assert!(!seen.body.contains("/console/report/narrative"));
    let refused = sv
        .post_from(&page, "/console/report/narrative", &post("x"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.audit_actions()
            .iter()
            .filter(|(_, a, _)| a == "report.narrative")
            .count(),
        2
    );
}

/// 第4章's anonymised excerpts: the demo's coordinator chose some of the
/// 制度の狭間 reasons; the report shows them with the known person's name
/// and the phone number masked, the CSV carries them, a choice is a new
/// version, a key not on offer is refused, and only coordinators choose.
#[tokio::test]
async fn the_report_shows_the_chosen_excerpts_anonymised_and_a_new_choice_is_a_new_version() {
    let w = World::demo();
    let mut c = w.login("coordinator").await;
    let r = c.get("/console/report").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let section = between(&r.body, "id=\"excerpts-scheme_gap\"", "</form>").unwrap();
    let chosen = between(&section, "<ul class=\"excerpt-list\">", "</ul>").unwrap();
    assert!(chosen.contains("〇〇さんは手帳も診断もなく"), "{chosen}");
    assert!(chosen.contains("（電話番号）"), "{chosen}");
    assert!(
        !r.body.contains("架空 一朗さんは") && !r.body.contains("042-555-0199"),
        "the person's name and number never reach the report"
    );
    assert!(section.contains("第1版"), "{section}");
    // Unmet needs: fewer than 5 in the demo, none offered.
    assert!(r.body.contains("5件未満のため"), "suppressed");
    let csv = c.get("/console/report.csv").await;
    assert!(csv.body.contains(text::EXCERPTS_TITLE));
    assert!(csv.body.contains("〇〇さんは手帳も診断もなく"));
    assert!(!csv.body.contains("架空 一朗さんは"));

    // A new choice: one key on offer → version 2 with that excerpt only.
    let key = between(&section, "name=\"key\" value=\"", "\"").unwrap();
    let today = outreach_shared::ja::local_date(Utc::now());
    let from = between(&section, "name=\"from\" value=\"", "\"").unwrap();
    let to = today.to_string();
    let r = c
        .post_from(
            "/console/report",
            "/console/report/excerpts",
            &[
                ("viewpoint", "scheme_gap"),
                ("from", &from),
                ("to", &to),
                ("key", &key),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let all = store::read(&*w.store, |tx| {
        tx.excerpt_choices(from.parse().unwrap(), today)
    })
    .unwrap();
    let latest = all
        .iter()
        .rfind(|c| c.viewpoint == Viewpoint::SchemeGap)
        .unwrap();
    assert_eq!(latest.version, 2);
    assert_eq!(latest.excerpts.len(), 1);
    assert_eq!(latest.excerpts[0].key, key);
    // A key not on offer: refused, nothing stored.
    let r = c
        .post_from(
            "/console/report",
            "/console/report/excerpts",
            &[
                ("viewpoint", "scheme_gap"),
                ("from", &from),
                ("to", &to),
                ("key", "gap:not-a-record"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // A supervisor reads the report but does not choose.
    let mut sv = w.login("supervisor1").await;
    let r = sv
        .post_from(
            "/console/report",
            "/console/report/excerpts",
            &[
                ("viewpoint", "scheme_gap"),
                ("from", &from),
                ("to", &to),
                ("key", &key),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        w.audit_actions()
            .iter()
            .any(|(_, a, _)| a == "report.excerpts")
    );
}
