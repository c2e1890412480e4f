//! End to end in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`), driven over chromedriver's WebDriver JSON protocol
//! with reqwest: the real server on a real port with the demo data.
//!
//! Scenarios: log in; approve and return a log; a form posted without its
//! CSRF token is refused; revoke a device; triage a case with and without
//! consent (a 支援会議 needs a pledged roster); return a case to outreach;
//! an agency member refused a case outside their roster by URL; and one
//! case from an agency's referral to 終結 (a meeting scheduled and then
//! recorded, a プラン, two monitoring entries, 終結 refused without and
//! accepted with its evaluation, the printed agenda); a 地域資源 added to
//! the 参加支援 catalogue, the report's unmet needs, a viewpoint's
//! narrative and its anonymised excerpts chosen, and the report printed
//! (print media, and a PDF through the browser's print). A PNG of
//! each page is saved under the target folder's test temp dir
//! (`console-screenshots/`), never committed.
//!
//! Skips, with a notice, only when chromium or chromedriver is absent.
//! No fixed sleeps: every step waits for an element (WebDriver implicit
//! wait) or for chromedriver's status endpoint.

mod console_support;

use base64::Engine as _;
use console_support::*;
use outreach_shared::{CaseStatus, Route};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use sync_server::console::text;
use sync_server::store;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

struct Driver {
    child: Child,
    _profile: tempfile::TempDir,
    http: reqwest::Client,
    base: String,
    session: String,
    shots: PathBuf,
    shot_no: u32,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start(chromium: &Path, chromedriver: &Path) -> Driver {
        // Port 0: chromedriver picks a free port and says which.
        let mut child = Command::new(chromedriver)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            let mut tx = Some(tx);
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(p) = line.split("successfully on port ").nth(1)
                    && let Some(t) = tx.take()
                {
                    let _ = t.send(p.trim_end_matches('.').trim().parse::<u16>().ok());
                }
                // Keep draining so chromedriver never blocks on a full pipe.
            }
        });
        let port = rx
            .recv_timeout(Duration::from_secs(30))
            .ok()
            .flatten()
            .expect("chromedriver did not say its port");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = http.get(format!("{base}/status")).send().await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == true
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1366,1100",
                    "--lang=ja-JP",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            },
            "timeouts": {"implicit": 10000, "pageLoad": 30000, "script": 10000}
        }}});
        let v: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {v}"))
            .to_owned();
        let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        Driver {
            child,
            _profile: profile,
            http,
            base,
            session,
            shots,
            shot_no: 0,
        }
    }

    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or(json!({}))),
        };
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        if let Some(e) = v["value"]["error"].as_str() {
            panic!("WebDriver {method} {path}: {e}: {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    /// A command that may fail (e.g. a stale element during navigation).
    async fn try_cmd(&self, method: &str, path: &str, body: Option<Value>) -> Option<Value> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let req = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url).json(&body.unwrap_or(json!({}))),
        };
        let v: Value = req.send().await.ok()?.json().await.ok()?;
        if v["value"]["error"].is_string() {
            None
        } else {
            Some(v["value"].clone())
        }
    }

    /// Waits until the element `css` shows `needle` (the page after a
    /// submit may still be loading): polls the DOM, at most 15 seconds.
    async fn wait_text(&self, css: &str, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Some(v) = self
                .try_cmd(
                    "POST",
                    "/element",
                    Some(json!({"using": "css selector", "value": css})),
                )
                .await
                && let Some(e) = v[ELEMENT].as_str()
                && let Some(t) = self
                    .try_cmd("GET", &format!("/element/{e}/text"), None)
                    .await
            {
                last = t.as_str().unwrap_or_default().to_owned();
                if last.contains(needle) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{css} never showed {needle:?} (last: {last:?}) at {}",
            self.url().await
        );
    }

    /// Waits until no element matches `css` (the page after a submit may
    /// still be the old one): polls the DOM, at most 15 seconds.
    async fn wait_gone(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            // A script, not find-elements: that one would wait out the
            // implicit wait when nothing matches.
            let found = self
                .try_cmd(
                    "POST",
                    "/execute/sync",
                    Some(json!({
                        "script": "return document.querySelectorAll(arguments[0]).length;",
                        "args": [css],
                    })),
                )
                .await;
            if found.as_ref().and_then(Value::as_u64) == Some(0) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{css} is still on the page at {}", self.url().await);
    }

    async fn go(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url }))).await;
    }

    /// Finds an element, waiting for it (implicit wait).
    async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_owned()
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd("POST", &format!("/element/{e}/click"), None).await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    async fn text_of(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.cmd("GET", &format!("/element/{e}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn source(&self) -> String {
        self.cmd("GET", "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn url(&self) -> String {
        self.cmd("GET", "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn script(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Saves a PNG of the page (the window grown to the page's height).
    async fn shot(&mut self, name: &str) {
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({"width": 1366, "height": 800})),
        )
        .await;
        let h = self
            .script(
                "return Math.min(4000, Math.ceil(document.body.getBoundingClientRect().height));",
            )
            .await
            .as_u64()
            .unwrap_or(1100);
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({"width": 1366, "height": h.max(700) + 140})),
        )
        .await;
        let b64 = self.cmd("GET", "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        self.shot_no += 1;
        let path = self.shots.join(format!("{:02}-{name}.png", self.shot_no));
        std::fs::write(&path, png).unwrap();
        println!("screenshot: {}", path.display());
    }

    async fn login(&self, site: &str, username: &str) {
        self.go(&format!("{site}/console/login")).await;
        self.type_into("#username", username).await;
        self.type_into("#password", DEMO_PASSWORD).await;
        self.click("#login").await;
        self.find("header.top").await;
    }

    async fn logout(&self, site: &str) {
        self.click("header.top button.link").await;
        self.find("#username").await;
        assert!(
            self.url()
                .await
                .starts_with(&format!("{site}/console/login"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_in_a_real_browser() {
    let (Some(chromium), Some(chromedriver)) = (
        find_program(&["chromium", "chromium-browser"]),
        find_program(&["chromedriver"]),
    ) else {
        println!(
            "NOTICE: console browser tests skipped: chromium and chromedriver are not installed (Debian: apt-get install chromium chromium-driver)"
        );
        return;
    };
    let w = World::demo();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site = format!("http://{}", listener.local_addr().unwrap());
    let app = w.app.clone();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut d = Driver::start(&chromium, &chromedriver).await;

    // Log in as a supervisor: the review queue.
    d.go(&format!("{site}/console/login")).await;
    d.find("#username").await;
    d.shot("login").await;
    d.type_into("#username", "supervisor1").await;
    d.type_into("#password", "wrong-password").await;
    d.click("#login").await;
    d.wait_text("p.notice", text::LOGIN_FAILED).await;
    d.login(&site, "supervisor1").await;
    assert!(d.url().await.ends_with("/console/reviews"));
    d.wait_text("main h1", text::REVIEWS_TITLE).await;
    d.shot("review-queue").await;

    // Approve the first log, return the next one with a comment.
    let first = d
        .script("return document.querySelector('article.review').id;")
        .await;
    d.click("article.review button[name=approve]").await;
    d.wait_text("p.flash", text::DONE_APPROVED).await;
    assert!(!d.source().await.contains(first.as_str().unwrap()));
    d.type_into(
        "article.review textarea[name=comment]",
        "（見本）次回は二人で訪問してください。",
    )
    .await;
    d.click("article.review button[name=return]").await;
    d.wait_text("p.flash", text::DONE_RETURNED).await;

    // A form posted without its CSRF token is refused.
    d.script("document.querySelectorAll('article.review form input[name=csrf]').forEach(e => e.remove()); return 1;")
        .await;
    d.click("article.review button[name=approve]").await;
    d.wait_text("p.notice", text::CSRF_REFUSED).await;
    d.shot("csrf-refused").await;

    // Team overview.
    d.go(&format!("{site}/console/team")).await;
    d.find("#workers").await;
    d.shot("team-overview").await;

    // 帰着未確認: a worker's visit past its expected end and the grace
    // (as a tablet's 訪問開始 stores it) tops the team page.
    let worker1 = w.user("worker1");
    let recs = store::read(&*w.store, |tx| {
        sync_server::engine::records::TeamRecords::load(tx, worker1.team.unwrap())
    })
    .unwrap();
    let p = recs
        .persons
        .values()
        .find(|p| p.assigned_worker == Some(worker1.id) && p.stage.is_active())
        .cloned()
        .expect("a person of worker1");
    let now = chrono::Utc::now();
    store::write(&*w.store, |tx| {
        tx.put_visit(&store::VisitRow {
            id: outreach_shared::VisitId::new_v7(1, [8; 10]),
            team: worker1.team.unwrap(),
            worker: worker1.id,
            person: p.id,
            started_at: now - chrono::Duration::hours(2),
            expected_end: now - chrono::Duration::hours(1),
            ended_at: None,
        })
    })
    .unwrap();
    d.go(&format!("{site}/console/team")).await;
    d.wait_text("#unconfirmed h2", text::UNCONFIRMED_TITLE)
        .await;
    assert!(
        d.text_of("#unconfirmed")
            .await
            .contains(&worker1.display_name)
    );
    d.shot("team-unconfirmed").await;

    // The hand-over: the person goes to worker2, with a note.
    let worker2 = w.user("worker2");
    d.script(&format!(
        "document.querySelector('#handover-person').value='{}'; document.querySelector('#handover-worker').value='{}'; return 1;",
        p.id, worker2.id
    ))
    .await;
    d.type_into(
        "#handover-note",
        "（見本）母親の通院日に合わせて訪問してください。",
    )
    .await;
    d.shot("team-handover").await;
    d.click("#handover-submit").await;
    d.wait_text("p.flash", text::DONE_HANDOVER).await;
    let row = store::read(&*w.store, |tx| tx.person(p.id))
        .unwrap()
        .unwrap();
    assert_eq!(row.snapshot.person.assigned_worker, Some(worker2.id));

    // Devices: issue a code (text and QR), enrol a tablet with it, revoke it.
    d.go(&format!("{site}/console/devices")).await;
    d.click("#issue").await;
    let code = d.text_of("#enrol-code").await;
    assert_eq!(code.len(), 14, "{code}");
    d.find(".qr svg").await;
    d.shot("enrolment-code").await;
    let enrolled: Value = reqwest::Client::new()
        .post(format!("{site}/api/v1/enroll"))
        .json(&json!({"protocol":"2.0","code":code,"device_label":"タブレット（見本）","platform":"linux"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let device = enrolled["device_id"].as_str().expect("enrolled").to_owned();
    d.go(&format!("{site}/console/devices")).await;
    d.shot("devices").await;
    d.click(&format!("tr#d-{device} button.danger")).await;
    d.click("#confirm-revoke").await;
    d.wait_text("p.flash", text::DONE_REVOKED).await;
    assert!(
        d.text_of(&format!("tr#d-{device}"))
            .await
            .contains(text::REVOKED)
    );
    d.go(&format!("{site}/console/audit")).await;
    d.wait_text("#chain", text::CHAIN_OK).await;
    d.shot("audit").await;
    // The team's cases: their status only (no roster, minutes or agenda).
    d.go(&format!("{site}/console/cases")).await;
    d.wait_text("p.lead", text::CASES_TEAM_LEAD).await;
    d.shot("case-board-team").await;
    d.click("div.board a.case").await;
    d.find("#case-status-only").await;
    let page = d.source().await;
    assert!(!page.contains("id=\"roster\""), "no roster for the team");
    assert!(!page.contains("/agenda"), "no agenda for the team");
    d.shot("case-status-team").await;
    d.logout(&site).await;

    // The coordinator: the board, triage with and without consent.
    d.login(&site, "coordinator").await;
    d.find("div.board").await;
    d.shot("case-board").await;
    let cases = w.cases();
    let sm = cases
        .iter()
        .find(|c| c.status == CaseStatus::Received && c.route == Route::SupportMeeting)
        .expect("a received 支援会議 case in the demo")
        .escalation
        .case_id;
    d.go(&format!("{site}/console/cases/{sm}")).await;
    d.click("#triage button[value=triage]").await;
    d.wait_text("p.flash", text::DONE_MOVED).await;
    d.click("#triage button[value=meeting_scheduled]").await;
    d.wait_text("p.notice", text::SM_NEEDS_ROSTER).await;
    d.shot("support-meeting-refused").await;
    d.go(&format!("{site}/console/cases/{sm}")).await;
    let member = w.user("agency-kikan-soudan").id;
    d.click(&format!("#member option[value=\"{member}\"]"))
        .await;
    d.click("#pledge").await;
    d.click("#roster-form button").await;
    d.wait_text("p.flash", text::DONE_ROSTER).await;
    d.click("#triage button[value=meeting_scheduled]").await;
    d.wait_text("p.flash", text::DONE_MOVED).await;
    // Record the meeting and print its agenda.
    let today = outreach_shared::ja::local_date(chrono::Utc::now()).to_string();
    d.script(&format!(
        "document.querySelector('#held_on').value = '{today}'; return 1;"
    ))
    .await;
    d.click(&format!("input[name=attend_{member}]")).await;
    d.type_into(
        &format!("input[name=role_{member}]"),
        "（見本）障害福祉サービスの調整",
    )
    .await;
    d.type_into(
        "textarea[name=decisions]",
        "（見本）2週間以内に同行訪問を行う",
    )
    .await;
    d.click("#meeting-form button[type=submit]").await;
    d.wait_text("p.flash", text::DONE_MEETING).await;
    d.shot("case-detail").await;
    d.click("#agenda-link").await;
    d.wait_text("main", "2週間以内に同行訪問").await;
    assert!(!d.source().await.contains("架空の記録"));
    d.shot("agenda").await;
    // As printed: no navigation, no forms (print CSS), via Chrome's media
    // emulation.
    d.cmd(
        "POST",
        "/goog/cdp/execute",
        Some(json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": "print"}})),
    )
    .await;
    let hidden = d
        .script("return getComputedStyle(document.querySelector('header.top')).display;")
        .await;
    assert_eq!(hidden, "none", "the print CSS hides the navigation");
    d.shot("agenda-print").await;
    d.cmd(
        "POST",
        "/goog/cdp/execute",
        Some(json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": ""}})),
    )
    .await;
    let status = |id| {
        store::read(&*w.store, |tx| tx.case(id))
            .unwrap()
            .unwrap()
            .item
            .status
    };
    assert_eq!(status(sm), CaseStatus::MeetingScheduled);
    let ml = cases
        .iter()
        .find(|c| {
            c.route == Route::MultiLayeredMeeting
                && matches!(c.status, CaseStatus::Received | CaseStatus::Triage)
        })
        .expect("a 重層的支援会議 case (the person consented) in the demo");
    let id = ml.escalation.case_id;
    d.go(&format!("{site}/console/cases/{id}")).await;
    d.wait_text("p.rule", text::ROUTE_RULE_ML).await;
    if ml.status == CaseStatus::Received {
        d.click("#triage button[value=triage]").await;
        d.wait_text("p.flash", text::DONE_MOVED).await;
        d.go(&format!("{site}/console/cases/{id}")).await;
    }
    d.click("#triage button[value=meeting_scheduled]").await;
    d.wait_text("p.flash", text::DONE_MOVED).await;
    assert_eq!(status(id), CaseStatus::MeetingScheduled);
    let back = cases
        .iter()
        .find(|c| {
            c.status == CaseStatus::Received
                && c.escalation.case_id != sm
                && c.escalation.case_id != id
        })
        .expect("another received case")
        .escalation
        .case_id;
    d.go(&format!("{site}/console/report")).await;
    d.find(".chart svg").await;
    d.shot("report").await;
    d.go(&format!("{site}/console/cases/{back}")).await;
    d.type_into("#reason", "（見本）単一の機関で対応できるため")
        .await;
    d.click("#triage form.return button").await;
    d.wait_text("p.flash", text::DONE_MOVED).await;
    assert_eq!(status(back), CaseStatus::ReturnedToOutreach);
    d.logout(&site).await;

    // An agency member: only their roster, even by URL.
    d.login(&site, "agency-kikan-soudan").await;
    d.find("div.board").await;
    let board = d.source().await;
    assert!(board.contains(&sm.to_string()));
    d.shot("agency-board").await;
    let outside = cases
        .iter()
        .find(|c| !c.is_on_roster(member) && c.escalation.case_id != sm)
        .expect("a case outside the roster")
        .escalation
        .case_id;
    d.go(&format!("{site}/console/cases/{outside}")).await;
    d.wait_text("p.notice", text::FORBIDDEN).await;
    d.shot("agency-refused").await;
    assert!(
        w.audit_actions()
            .iter()
            .any(|(_, a, e)| a == "console.denied" && e == &format!("case:{outside}"))
    );
    d.go(&format!("{site}/console/cases")).await;
    d.logout(&site).await;

    referral_to_closure(&mut d, &w, &site).await;
    resource_catalogue(&mut d, &w, &site).await;
    community_activity(&mut d, &w, &site).await;
    d.cmd("DELETE", "", None).await;
}

/// 地域づくり (issue 18): a community activity with a person to find,
/// pushed as worker1's tablet pushes it (the person first, at 把握), is in
/// the supervisor's list with the person; the filter by 町丁 narrows it;
/// the coordinator sees the activity, not the never-escalated person.
async fn community_activity(d: &mut Driver, w: &World, site: &str) {
    use outreach_shared::protocol::{EntityRef, Operation, Outcome, Payload};
    use outreach_shared::*;
    let worker = w.user("worker1");
    let team = worker.team.expect("worker1's team");
    let now = chrono::Utc::now();
    let ms = now.timestamp_millis() as u64;
    let device = DeviceId::new_v7(ms, [0xb7; 10]);
    let caller = sync_server::engine::Caller {
        actor: sync_server::engine::actor_of(&worker),
        device: Some(device),
    };
    let alias = "羽西3丁目 高齢男性（ブラウザ）";
    let p = Person {
        id: PersonId::new_v7(ms, [0xb1; 10]),
        alias: alias.into(),
        kana: None,
        birth_year: None,
        sex: Some(Sex::Male),
        area: "hanenishi-3".parse().ok(),
        noticed_by: Some(NoticedBy::Outreach),
        summary: None,
        household: Household::default(),
        fields: Default::default(),
        tags: Default::default(),
        scheme_gap: None,
        stage: Stage::Identified,
        stage_note: None,
        consent: ConsentRecord::none(),
        team,
        assigned_worker: Some(worker.id),
        created_at: now,
    };
    let a = CommunityActivity {
        id: CommunityActivityId::new_v7(ms, [0xb2; 10]),
        team,
        author: worker.id,
        kind: ActivityKind::Patrol,
        area: "hanenishi-3".parse().unwrap(),
        held_at: now - chrono::Duration::hours(2),
        participants: vec![Participants {
            role: ParticipantRole::CouncilStaff,
            count: 2,
        }],
        learned: "（見本）雨戸が閉まったままの家がある".into(),
        follow_up: Some("（見本）民生委員に様子を聞く".into()),
        persons_to_find: vec![p.id],
        recorded_at: now,
    };
    let ops = [
        Operation {
            id: OperationId::new_v7(ms, [0xb3; 10]),
            device_id: device,
            hlc: Hlc::new(ms, 1, device),
            entity: EntityRef::person(p.id),
            payload: Payload::CreatePerson(p.clone()),
        },
        Operation {
            id: OperationId::new_v7(ms, [0xb4; 10]),
            device_id: device,
            hlc: Hlc::new(ms, 2, device),
            entity: EntityRef::community_activity(a.id),
            payload: Payload::RecordCommunityActivity(a.clone()),
        },
    ];
    let results = store::write(&*w.store, |tx| {
        sync_server::engine::push(tx, &caller, &w.state.clock, &ops, now)
    })
    .unwrap();
    assert!(
        results
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Applied { .. })),
        "{results:?}"
    );

    d.login(site, "supervisor1").await;
    d.click("nav.main a[href='/console/community']").await;
    d.wait_text("p.lead", text::CO_LEAD).await;
    let row = format!("#activity-{}", a.id);
    d.wait_text(&row, &format!("{alias}（把握）")).await;
    d.wait_text(&row, "社協の職員 2人").await;
    d.shot("community").await;
    // By 町丁: another one hides it, its own shows it.
    d.click("#community-area option[value=sakaecho-1]").await;
    d.click("#community-filter button").await;
    // The summary is on the page before and after the submit: wait for
    // the filtered page (its URL), then for the row to be gone from it.
    let deadline = Instant::now() + Duration::from_secs(15);
    while !d.url().await.contains("area=sakaecho-1") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    d.find("#community-summary").await;
    d.wait_gone(&row).await;
    assert!(!d.source().await.contains(&format!("activity-{}", a.id)));
    d.click("#community-area option[value=hanenishi-3]").await;
    d.click("#community-filter button").await;
    d.wait_text(&row, alias).await;
    d.logout(site).await;

    d.login(site, "coordinator").await;
    d.go(&format!("{site}/console/community")).await;
    d.find(&row).await;
    let page = d.source().await;
    assert!(
        !page.contains(alias),
        "not escalated: not the coordinator's"
    );
    d.shot("community-coordinator").await;
    d.logout(site).await;
}

/// 参加支援 (issue 18): the coordinator adds a 地域資源 through the form,
/// sees it in the catalogue, and the report's unmet needs.
async fn resource_catalogue(d: &mut Driver, w: &World, site: &str) {
    d.login(site, "coordinator").await;
    d.click("nav.main a[href='/console/resources']").await;
    d.wait_text("p.lead", text::RESOURCES_LEAD).await;
    d.shot("resources").await;
    d.click("#resource-new").await;
    d.type_into("#resource-name", "架空の夜の居場所（ブラウザ）")
        .await;
    d.click("#resource-kind option[value=place_to_be]").await;
    d.click("#resource-areas option[value=sakaecho-1]").await;
    d.type_into("#resource-for", "若い世代の方").await;
    d.type_into("#resource-days", "毎週金曜 17時〜20時").await;
    d.type_into("#resource-contact", "架空の居場所（042-000-0000）")
        .await;
    d.shot("resource-form").await;
    d.click("#resource-save").await;
    d.wait_text("#resources", "架空の夜の居場所（ブラウザ）")
        .await;
    let saved = store::read(&*w.store, |tx| tx.resources())
        .unwrap()
        .into_iter()
        .find(|r| r.name == "架空の夜の居場所（ブラウザ）")
        .expect("the resource is stored");
    assert_eq!(
        saved.areas.iter().map(|a| a.name_ja()).collect::<Vec<_>>(),
        ["栄町1丁目"]
    );
    d.go(&format!("{site}/console/report")).await;
    d.wait_text("#report-unmet h2", text::REPORT_UNMET_TITLE)
        .await;
    d.find("#report-schemes").await;
    d.shot("report-unmet").await;
    // 第4章: the narrative of a viewpoint, written beside its figures.
    d.type_into(
        "#narrative-scheme_gap textarea",
        "（見本）制度の狭間の世帯に複数の機関が関わり始めた。",
    )
    .await;
    d.click("#narrative-scheme_gap button").await;
    d.wait_text("#narrative-scheme_gap", "第1版").await;
    d.shot("report-narrative").await;
    // The anonymised excerpts the demo's coordinator chose, and a new
    // choice saved as the next version.
    d.wait_text("#excerpts-scheme_gap ul.excerpt-list", "〇〇さん")
        .await;
    assert!(
        !d.text_of("#excerpts-scheme_gap")
            .await
            .contains("架空 一朗さんは")
    );
    d.click("#excerpts-scheme_gap form input[type=checkbox]")
        .await;
    d.click("#excerpts-scheme_gap form button").await;
    d.wait_text("#excerpts-scheme_gap", "第2版").await;
    d.shot("report-excerpts").await;
    // Printed for the 推進会議: with print media the forms are gone and
    // the excerpts and narratives stay; the browser prints it to a PDF.
    d.cmd(
        "POST",
        "/goog/cdp/execute",
        Some(json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": "print"}})),
    )
    .await;
    let shown = |css: &str| {
        format!(
            "var e = document.querySelector('{css}'); return e ? getComputedStyle(e).display : 'absent';"
        )
    };
    assert_eq!(d.script(&shown("#excerpts-scheme_gap form")).await, "none");
    assert_eq!(d.script(&shown("#narrative-scheme_gap form")).await, "none");
    assert_ne!(
        d.script(&shown("#excerpts-scheme_gap ul.excerpt-list"))
            .await,
        "none"
    );
    d.shot("report-print").await;
    let pdf = d
        .cmd(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": "Page.printToPDF", "params": {"printBackground": false}})),
        )
        .await;
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(pdf["data"].as_str().expect("a PDF"))
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"), "the report prints to a PDF");
    std::fs::write(d.shots.join("report.pdf"), &pdf).unwrap();
    d.cmd(
        "POST",
        "/goog/cdp/execute",
        Some(json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": ""}})),
    )
    .await;
    d.logout(site).await;
}

/// Sets a date field (the browser's date picker takes no typing in every
/// locale).
async fn set_date(d: &Driver, css: &str, day: chrono::NaiveDate) {
    d.script(&format!(
        "document.querySelector('{css}').value = '{day}'; return 1;"
    ))
    .await;
}

/// One case from an agency's referral to 終結: the referral, triage, the
/// roster, a meeting scheduled ahead and recorded afterwards, a プラン,
/// two monitoring entries, 終結 refused without its evaluation, the
/// evaluation, 終結, and the printed agenda.
async fn referral_to_closure(d: &mut Driver, w: &World, site: &str) {
    let today = outreach_shared::ja::local_date(chrono::Utc::now());
    let reason = "（見本）ブラウザからの紹介：介護と子の就労の相談が重なっている";
    // The agency refers someone new, with the consent it knows of.
    d.login(site, "agency-houkatsu-asahi").await;
    d.click("nav.main a[href='/console/referrals']").await;
    d.type_into("#alias", "見本 紹介（ブラウザ）").await;
    d.type_into("#referral-reason", reason).await;
    d.click("input[name=field_elderly]").await;
    d.click("input[name=field_disability]").await;
    d.click("#urgency option[value=high]").await;
    d.click("#consent option[value=written]").await;
    d.click("input[name=scope_multi_layered_meeting]").await;
    set_date(d, "#consent-date", today).await;
    d.shot("referral-form").await;
    d.click("#refer").await;
    d.wait_text("#receipt", text::REFERRAL_DONE).await;
    d.shot("referral-receipt").await;
    d.logout(site).await;

    let case = w
        .cases()
        .into_iter()
        .find(|c| c.escalation.reason == reason)
        .expect("the referral is in the queue");
    let id = case.escalation.case_id;
    assert_eq!(case.route, Route::MultiLayeredMeeting, "consent as known");
    let member = w.user("agency-houkatsu-asahi").id;
    d.login(site, "coordinator").await;
    d.find("#overdue").await;
    d.go(&format!("{site}/console/cases/{id}")).await;
    d.click("#triage button[value=triage]").await;
    d.wait_text("p.flash", text::DONE_MOVED).await;
    d.click(&format!("#member option[value=\"{member}\"]"))
        .await;
    d.click("#roster-form button").await;
    d.wait_text("p.flash", text::DONE_ROSTER).await;
    d.click("#triage button[value=meeting_scheduled]").await;
    d.wait_text("p.flash", text::DONE_MOVED).await;
    // A meeting scheduled ahead, recorded after it was held.
    d.click("#schedule summary").await;
    set_date(d, "#schedule_on", today + chrono::Duration::days(7)).await;
    d.type_into("#place", "（見本）市役所 会議室").await;
    d.click("#schedule-form button[type=submit]").await;
    d.wait_text("p.flash", text::DONE_SCHEDULED).await;
    d.click("article.meeting a.edit").await;
    d.find("#meeting-edit-form").await;
    set_date(d, "#held_on", today).await;
    d.type_into(
        &format!("input[name=role_{member}]"),
        "（見本）介護保険の申請の支援",
    )
    .await;
    d.type_into(
        "textarea[name=decisions]",
        "（見本）本人の希望を中心にプランを作る",
    )
    .await;
    d.click("#meeting-edit-form button[type=submit]").await;
    d.wait_text("p.flash", text::DONE_MEETING_EDITED).await;
    // Not to the plan without a plan.
    d.click("#triage button[value=plan]").await;
    d.wait_text("p.notice", text::PLAN_REQUIRED).await;
    d.shot("plan-required").await;
    d.go(&format!("{site}/console/cases/{id}")).await;
    d.click("#plan-link").await;
    d.type_into(
        "input[name=goal_0]",
        "（見本）また近所を散歩できるようになりたい",
    )
    .await;
    d.click("input[name=own_0]").await;
    d.type_into("input[name=task_0_what]", "（見本）月2回の訪問で様子を見る")
        .await;
    d.click("select[name=task_0_agency] option[value=shakyo]")
        .await;
    set_date(
        d,
        "input[name=task_0_due]",
        today + chrono::Duration::days(30),
    )
    .await;
    d.type_into("input[name=task_1_what]", "（見本）介護保険の申請を手伝う")
        .await;
    d.click(&format!(
        "select[name=task_1_owner] option[value=\"{member}\"]"
    ))
    .await;
    set_date(
        d,
        "input[name=task_1_due]",
        today + chrono::Duration::days(14),
    )
    .await;
    set_date(d, "#next_review", today + chrono::Duration::days(21)).await;
    d.shot("plan-form").await;
    d.click("#plan-form button[type=submit]").await;
    d.wait_text("p.flash", text::DONE_PLAN).await;
    d.click("#triage button[value=plan]").await;
    d.wait_text("p.flash", text::DONE_MOVED).await;
    // Two monitoring entries.
    for (k, judgement) in ["on_track", "ready_to_close"].into_iter().enumerate() {
        d.click("#monitoring-link").await;
        d.find("#monitoring-form").await;
        d.click(&format!("#judgement option[value={judgement}]"))
            .await;
        if k == 1 {
            d.script("document.querySelectorAll('#monitoring-form select[name^=status_]').forEach(s => s.value = 'done'); return 1;")
                .await;
        } else {
            set_date(d, "#monitoring-next", today + chrono::Duration::days(14)).await;
        }
        d.type_into(
            "#assessment",
            &format!("（見本）{}回目のモニタリング：関係はできてきている", k + 1),
        )
        .await;
        if k == 1 {
            d.shot("monitoring-form").await;
        }
        d.click("#monitoring-form button[type=submit]").await;
        d.wait_text("p.flash", text::DONE_MONITORING).await;
        if k == 0 {
            d.click("#triage button[value=monitoring]").await;
            d.wait_text("p.flash", text::DONE_MOVED).await;
        }
    }
    d.shot("case-with-plan").await;
    // 終結 needs its evaluation.
    d.click("#triage button[value=closed]").await;
    d.wait_text("p.notice", text::CLOSURE_REQUIRED).await;
    d.shot("closure-refused").await;
    d.go(&format!("{site}/console/cases/{id}/closure")).await;
    d.click("#outcome option[value=stabilised]").await;
    d.type_into(
        "#closure-reason",
        "（見本）散歩に出られるようになり、申請も済んだ",
    )
    .await;
    d.type_into("#continuing", "（見本）社協の見守り訪問（月1回）")
        .await;
    d.click("#closure-form button[type=submit]").await;
    d.wait_text("p.flash", text::DONE_CLOSURE).await;
    d.click("#triage button[value=closed]").await;
    d.wait_text("p.flash", text::DONE_MOVED).await;
    d.wait_text("#case-status", "終結").await;
    d.shot("case-closed").await;
    let item = w
        .cases()
        .into_iter()
        .find(|c| c.escalation.case_id == id)
        .unwrap();
    assert_eq!(item.status, CaseStatus::Closed);
    // The printed agenda carries the plan, the monitoring and the closure.
    d.click("#agenda-link").await;
    d.wait_text("main", "また近所を散歩できるようになりたい")
        .await;
    let agenda = d.text_of("main").await;
    for shown in [
        "2回目のモニタリング",
        "社協の見守り訪問",
        "本人の希望を中心にプランを作る",
    ] {
        assert!(agenda.contains(shown), "{shown} missing from the agenda");
    }
    d.cmd(
        "POST",
        "/goog/cdp/execute",
        Some(json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": "print"}})),
    )
    .await;
    d.shot("closure-agenda-print").await;
    d.cmd(
        "POST",
        "/goog/cdp/execute",
        Some(json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": ""}})),
    )
    .await;
    // The agency that referred it no longer sees it: closed.
    d.logout(site).await;
    d.login(site, "agency-houkatsu-asahi").await;
    d.go(&format!("{site}/console/cases/{id}")).await;
    d.wait_text("p.notice", text::FORBIDDEN).await;
}
