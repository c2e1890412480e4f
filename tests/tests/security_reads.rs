//! Issue 14, items 5 and 6, against the real server process (on the
//! backend `OUTREACH_TEST_BACKEND` names: SQLite, and PostgreSQL in
//! `scripts/test`'s second pass): the escalating team follows a 支援会議
//! case as its status only on every path (API list, detail, status,
//! records, pull, feed; console board, case page, agenda, meeting pages,
//! report), and an agency member on the roster reads the person's alias
//! and consent only on every path (API person, pull, case detail,
//! records; console case page and agenda). All data fictitious.

use outreach_mobile::NewPerson;
use outreach_shared::ja::Label;
use outreach_shared::protocol::*;
use outreach_shared::*;
use outreach_tests::ServerProcess;
use outreach_tests::office::*;
use outreach_tests::world::{Device, PASSWORD, seed_users};
use serde_json::{Value, json};
use sync_server::store;

const V: ProtocolVersion = ProtocolVersion::CURRENT;
/// The 支援会議's minutes (a fictitious decision).
const MINUTES: &str = "（架空）支援会議だけの決定事項：家計の立て直しを優先";
/// The person's summary and a household member, which agency members
/// never read.
const SUMMARY: &str = "（架空）母と二人暮らし、家計が苦しい";
const MEMBER: &str = "（架空）同居の母";
/// The agency member's display name (on the roster).
const KIKAN_NAME: &str = "架空 相談員";

/// A server with one 支援会議 case of team A (no consent), an agency
/// member pledged on its roster, and a held meeting with minutes.
struct Scene {
    s: ServerProcess,
    http: reqwest::Client,
    coord: String,
    case: CaseId,
    person: PersonId,
    kikan: UserId,
}

async fn scene() -> Scene {
    let s = ServerProcess::start();
    seed_users(&s);
    let out = s.command(&[
        "admin",
        "add-user",
        "--username",
        "kikan",
        "--display-name",
        KIKAN_NAME,
        "--role",
        "agency-member",
        "--agency",
        "kikan-soudan",
        "--password",
        PASSWORD,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kikan = store::read(&*store_of(&s), |tx| tx.users())
        .unwrap()
        .into_iter()
        .find(|u| u.username == "kikan")
        .unwrap()
        .id;
    let mut d = Device::enroll(&s, "worker-a").await;
    let member_id = d.store.new_household_member_id().unwrap();
    let p = d
        .store
        .create_person(NewPerson {
            alias: "架空 一郎".into(),
            kana: Some("カクウ イチロウ".into()),
            area: "sakaecho-2".parse().ok(),
            summary: Some(SUMMARY.into()),
            household: Household {
                members: vec![HouseholdMember {
                    id: member_id,
                    relation: Relation::Parent,
                    alias: Some(MEMBER.into()),
                    birth_year: None,
                    lives_together: true,
                    note: None,
                    person: None,
                }],
            },
            fields: [LifeField::Elderly].into(),
            tags: [CrossTag::EightyFifty].into(),
            ..NewPerson::default()
        })
        .unwrap();
    d.escalate(p.id, Urgency::High);
    d.sync().await.expect("sync");
    let http = reqwest::Client::new();
    let (_, body) = api_login(&http, &s.url(), "coordinator", PASSWORD, None, None).await;
    let coord = token_of(&body);
    let mut sc = Scene {
        s,
        http,
        coord,
        case: CaseId::new_v7(0, [0; 10]),
        person: p.id,
        kikan,
    };
    let (st, list) = sc.get(&sc.coord.clone(), "/api/v1/cases").await;
    assert_eq!(st, 200, "{list}");
    sc.case = serde_json::from_value(list["items"][0]["escalation"]["case_id"].clone()).unwrap();
    let case = sc.case;
    let coord = sc.coord.clone();
    let mv = |to: CaseStatus| CaseMoveRequest {
        protocol: V,
        to,
        return_reason: None,
    };
    sc.post_ok(
        &coord,
        &format!("/api/v1/cases/{case}/move"),
        &mv(CaseStatus::Triage),
    )
    .await;
    sc.post_ok(
        &coord,
        &format!("/api/v1/cases/{case}/roster"),
        &RosterRequest {
            protocol: V,
            user: kikan,
            agency: AgencyId::new("kikan-soudan"),
            pledge_recorded_at: Some(chrono::Utc::now()),
        },
    )
    .await;
    sc.post_ok(
        &coord,
        &format!("/api/v1/cases/{case}/move"),
        &mv(CaseStatus::MeetingScheduled),
    )
    .await;
    sc.post_ok(
        &coord,
        &format!("/api/v1/cases/{case}/meetings"),
        &MeetingRequest {
            protocol: V,
            base_version: None,
            state: MeetingState::Held,
            purpose: MeetingPurpose::Planning,
            held_on: ja::local_date(chrono::Utc::now()),
            place: None,
            invitees: Vec::new(),
            attendees: vec![Attendance {
                user: kikan,
                role: "（架空）相談の窓口".into(),
            }],
            decisions: MINUTES.into(),
        },
    )
    .await;
    sc
}

impl Scene {
    async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let (st, text) = self.get_text(token, path).await;
        (st, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get_text(&self, token: &str, path: &str) -> (u16, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.s.url()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn post_text<T: serde::Serialize>(
        &self,
        token: &str,
        path: &str,
        body: &T,
    ) -> (u16, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.s.url()))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn post_ok<T: serde::Serialize>(&self, token: &str, path: &str, body: &T) {
        let (st, text) = self.post_text(token, path, body).await;
        assert_eq!(st, 200, "{path}: {text}");
    }

    async fn login(&self, username: &str) -> String {
        let (st, body) = api_login(&self.http, &self.s.url(), username, PASSWORD, None, None).await;
        assert_eq!(st, 200, "{username}: {body}");
        token_of(&body)
    }

    async fn pull(&self, token: &str) -> String {
        let (st, text) = self
            .post_text(
                token,
                "/api/v1/sync/pull",
                &PullRequest {
                    protocol: V,
                    cursor: 0,
                    limit: 500,
                },
            )
            .await;
        assert_eq!(st, 200, "{text}");
        text
    }

    async fn console(&self, username: &str) -> Console {
        let mut c = Console::new(&self.s.url());
        let p = c.login(username, PASSWORD).await;
        assert_eq!(p.status, 303, "{username}: {}", p.body);
        c
    }
}

/// Nothing of the meeting's content in `text`: no minutes, no roster
/// member (by id or name).
fn no_meeting_content(what: &str, text: &str, kikan: UserId) {
    assert!(
        !text.contains(MINUTES),
        "{what}: the minutes leaked: {text}"
    );
    assert!(
        !text.contains(&kikan.to_string()),
        "{what}: the roster leaked: {text}"
    );
    assert!(
        !text.contains(KIKAN_NAME),
        "{what}: the roster leaked: {text}"
    );
}

#[tokio::test]
async fn the_escalating_team_reads_a_support_meeting_case_as_its_status_only_through_the_api() {
    let sc = scene().await;
    let case = sc.case;
    // The coordinator and the pledged member read the case and its minutes.
    let (st, detail) = sc
        .get_text(&sc.coord, &format!("/api/v1/cases/{case}"))
        .await;
    assert_eq!(st, 200);
    assert!(detail.contains(&sc.kikan.to_string()), "{detail}");
    let kikan = sc.login("kikan").await;
    let (st, records) = sc
        .get_text(&kikan, &format!("/api/v1/cases/{case}/records"))
        .await;
    assert_eq!(st, 200);
    assert!(records.contains(MINUTES), "{records}");

    for who in ["supervisor-a", "worker-a"] {
        let t = sc.login(who).await;
        // Every whole-case path is refused, with a message to act on.
        for path in [
            "/api/v1/cases".to_owned(),
            format!("/api/v1/cases/{case}"),
            format!("/api/v1/cases/{case}/records"),
        ] {
            let (st, text) = sc.get_text(&t, &path).await;
            assert_eq!(st, 403, "{who} {path}: {text}");
            assert!(text.contains("status only"), "{text}");
            no_meeting_content(&path, &text, sc.kikan);
        }
        // The feed is the city's.
        let (st, text) = sc.get_text(&t, "/api/v1/feed/cases").await;
        assert_eq!(st, 403, "{text}");
        // The status: the same view the tablet gets.
        let (st, text) = sc
            .get_text(&t, &format!("/api/v1/cases/{case}/status"))
            .await;
        assert_eq!(st, 200, "{text}");
        no_meeting_content("status", &text, sc.kikan);
        let v: CaseStatusView = serde_json::from_str(&text).unwrap();
        assert_eq!(v.case_id, case);
        assert_eq!(v.route, Route::SupportMeeting);
        assert_eq!(v.status, CaseStatus::MeetingScheduled);
        // The pull (an office session may pull): statuses only.
        let pulled = sc.pull(&t).await;
        no_meeting_content("pull", &pulled, sc.kikan);
        let page: PullResponse = serde_json::from_str(&pulled).unwrap();
        assert!(
            page.changes
                .iter()
                .any(|c| matches!(&c.body, ChangeBody::Case(v) if v.case_id == case)),
            "{pulled}"
        );
    }
    // Another team does not even learn the case exists.
    let other = sc.login("worker-b").await;
    let (st, _) = sc
        .get_text(&other, &format!("/api/v1/cases/{case}/status"))
        .await;
    assert_eq!(st, 404);
    // The status read and the refusals are audited.
    let audit = audit_entries(&sc.s);
    assert!(
        audit
            .iter()
            .any(|e| e.1 == "read.case_status" && e.2.contains(&case.to_string())),
        "{audit:?}"
    );
    assert!(
        audit.iter().any(|e| e.1 == "api.denied"
            && e.2 == format!("case:{case}")
            && e.3.contains("read.case_records")),
        "{audit:?}"
    );
}

#[tokio::test]
async fn the_escalating_team_reads_a_support_meeting_case_as_its_status_only_in_the_console() {
    let sc = scene().await;
    let case = sc.case;
    // The coordinator's page has the roster and the minutes.
    let mut coord = sc.console("coordinator").await;
    let page = coord.get(&format!("/console/cases/{case}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(MINUTES) && page.body.contains(KIKAN_NAME));
    let page = coord.get(&format!("/console/cases/{case}/agenda")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(KIKAN_NAME));

    let mut sv = sc.console("supervisor-a").await;
    let board = sv.get("/console/cases").await;
    assert_eq!(board.status, 200, "{}", board.body);
    assert!(
        board.body.contains("架空 一郎"),
        "the team's case is listed"
    );
    assert!(board.body.contains(&format!("/console/cases/{case}")));
    no_meeting_content("board", &board.body, sc.kikan);
    let page = sv.get(&format!("/console/cases/{case}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("case-status-only"), "{}", page.body);
    assert!(page.body.contains(CaseStatus::MeetingScheduled.ja()));
    no_meeting_content("case page", &page.body, sc.kikan);
    assert!(
        !page.body.contains("id=\"roster\""),
        "no roster table: {}",
        page.body
    );
    // The printable agenda and the meeting pages are refused.
    let agenda = sv.get(&format!("/console/cases/{case}/agenda")).await;
    assert_eq!(agenda.status, 403);
    no_meeting_content("agenda", &agenda.body, sc.kikan);
    let meetings = store::read(&*store_of(&sc.s), |tx| {
        sync_server::engine::meetings::meetings_of(tx, case)
    });
    let meeting = meetings.unwrap().into_iter().next().expect("a meeting").id;
    let edit = sv
        .get(&format!("/console/cases/{case}/meetings/{meeting}"))
        .await;
    assert_eq!(edit.status, 403);
    no_meeting_content("meeting page", &edit.body, sc.kikan);
    // The report counts, it does not quote.
    let report = sv.get("/console/report").await;
    assert_eq!(report.status, 200);
    no_meeting_content("report", &report.body, sc.kikan);
    // The refusal of the agenda is audited.
    let audit = audit_entries(&sc.s);
    assert!(
        audit
            .iter()
            .any(|e| e.1 == "console.denied" && e.2 == format!("case:{case} agenda")),
        "{audit:?}"
    );
}

/// What an agency member must not read of the person in `text`.
fn alias_and_consent_only(what: &str, text: &str) {
    assert!(
        !text.contains(SUMMARY),
        "{what}: the summary leaked: {text}"
    );
    assert!(
        !text.contains(MEMBER),
        "{what}: the household leaked: {text}"
    );
    assert!(
        !text.contains("sakaecho-2"),
        "{what}: the area leaked: {text}"
    );
    assert!(!text.contains("カクウ イチロウ"), "{what}: the kana leaked");
}

#[tokio::test]
async fn an_agency_member_reads_the_alias_and_consent_only_on_every_path() {
    let sc = scene().await;
    let (case, p) = (sc.case, sc.person);
    // The coordinator reads the whole record.
    let (st, text) = sc
        .get_text(&sc.coord, &format!("/api/v1/persons/{p}"))
        .await;
    assert_eq!(st, 200);
    assert!(text.contains(SUMMARY) && text.contains(MEMBER), "{text}");

    let kikan = sc.login("kikan").await;
    let (st, text) = sc.get_text(&kikan, &format!("/api/v1/persons/{p}")).await;
    assert_eq!(st, 200, "{text}");
    alias_and_consent_only("API person", &text);
    let snap: PersonSnapshot = serde_json::from_str(&text).unwrap();
    assert_eq!(snap.person.alias, "架空 一郎");
    assert!(snap.person.household.members.is_empty());
    assert!(snap.person.tags.is_empty() && snap.person.area.is_none());
    assert!(
        snap.versions
            .keys()
            .all(|k| ["alias", "consent", "stage"].contains(&k.as_str())),
        "{:?}",
        snap.versions
    );
    // The pull carries the same projection, and no kept conflict.
    let pulled = sc.pull(&kikan).await;
    alias_and_consent_only("pull", &pulled);
    let page: PullResponse = serde_json::from_str(&pulled).unwrap();
    let persons: Vec<&PersonSnapshot> = page
        .changes
        .iter()
        .filter_map(|c| match &c.body {
            ChangeBody::Person(s) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(persons.len(), 1, "{pulled}");
    assert_eq!(persons[0].person.alias, "架空 一郎");
    for path in [
        format!("/api/v1/cases/{case}"),
        format!("/api/v1/cases/{case}/records"),
    ] {
        let (st, text) = sc.get_text(&kikan, &path).await;
        assert_eq!(st, 200, "{path}: {text}");
        alias_and_consent_only(&path, &text);
    }
    // The console: alias and consent on the case page and the agenda.
    let mut c = sc.console("kikan").await;
    for path in [
        format!("/console/cases/{case}"),
        format!("/console/cases/{case}/agenda"),
        "/console/cases".to_owned(),
    ] {
        let page = c.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(page.body.contains("架空 一郎"), "{path}");
        alias_and_consent_only(&path, &page.body);
    }
    let page = c.get(&format!("/console/cases/{case}")).await;
    assert!(
        page.body.contains(ConsentStatus::None.ja()),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn openapi_names_the_status_route() {
    let s = ServerProcess::start();
    let v: Value = reqwest::get(format!("{}/api/openapi.json", s.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["paths"]["/api/v1/cases/{id}/status"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"],
        json!({"$ref": "#/components/schemas/CaseStatusView"})
    );
}
