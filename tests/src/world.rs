//! A small world for end-to-end scenarios: one real server with teams and
//! users set up through its admin commands, tablets (the real store and sync
//! client of `outreach-mobile`) enrolled with real one-time codes, and office
//! users talking to the real HTTP API.
//!
//! Every name in it is obviously fictitious.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{Duration, Utc};
use outreach_mobile::shared::enrolment::{EnrolmentQr, SpkiPin};
use outreach_mobile::sync::{Direct, SyncClient, SyncError, SyncReport, enroll_pinned};
use outreach_mobile::*;
use outreach_shared::protocol::*;
use outreach_shared::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::server::ServerProcess;

pub const PASSWORD: &str = "kakuu-password-2026";
pub const PIN: &str = "246813";

/// Users of the world: (login, display name, role, team).
pub const USERS: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "worker-a",
        "架空 支援員A",
        "outreach-worker",
        Some("架空班A"),
    ),
    (
        "worker-a2",
        "架空 支援員A2",
        "outreach-worker",
        Some("架空班A"),
    ),
    (
        "worker-a3",
        "架空 支援員A3",
        "outreach-worker",
        Some("架空班A"),
    ),
    ("supervisor-a", "架空 監督A", "supervisor", Some("架空班A")),
    (
        "worker-b",
        "架空 支援員B",
        "outreach-worker",
        Some("架空班B"),
    ),
    ("coordinator", "架空 調整員", "coordinator", None),
];

/// Sets up teams and users on a server through `sync-server admin`.
pub fn seed_users(server: &ServerProcess) {
    for team in ["架空班A", "架空班B"] {
        let out = server.command(&["admin", "add-team", team]);
        assert!(
            out.status.success(),
            "add-team: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for (login, name, role, team) in USERS {
        let mut args = vec![
            "admin",
            "add-user",
            "--username",
            login,
            "--display-name",
            name,
            "--role",
            role,
            "--password",
            PASSWORD,
        ];
        if let Some(t) = team {
            args.extend(["--team", t]);
        }
        let out = server.command(&args);
        assert!(
            out.status.success(),
            "add-user {login}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Issues a one-time enrolment code for `login` through the admin command.
pub fn issue_code(server: &ServerProcess, login: &str) -> String {
    let out = server.command(&["admin", "issue-code", "--username", login]);
    assert!(
        out.status.success(),
        "issue-code: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.trim().rsplit(": ").next().unwrap().trim().to_owned()
}

/// The device id of every device the server lists.
pub fn revoke_all_devices_of(server: &ServerProcess, login: &str) {
    let out = server.command(&["admin", "list-devices"]);
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines().filter(|l| l.split('\t').nth(1) == Some(login)) {
        let id = line.split('\t').next().unwrap();
        let out = server.command(&["admin", "revoke-device", id]);
        assert!(out.status.success());
    }
}

/// A tablet: the real encrypted store in a temporary folder and the real
/// sync client.
pub struct Device {
    pub store: Store,
    pub url: String,
    token: String,
    /// The server key pins from the enrolment QR (empty: the platform's
    /// trust store decides).
    pub pins: Vec<SpkiPin>,
    /// Added to the device's clock (to simulate a wrong clock).
    pub skew_ms: Arc<AtomicI64>,
    _dir: tempfile::TempDir,
}

impl Device {
    /// Enrols a new tablet for `login` at `url` (the server or a proxy in
    /// front of it), with the device clock off by `skew`.
    pub async fn enroll_with_skew(
        server: &ServerProcess,
        url: &str,
        login: &str,
        skew: Duration,
    ) -> Device {
        let code = issue_code(server, login);
        let qr = EnrolmentQr {
            server: url.to_owned(),
            code,
            pins: Vec::new(),
        };
        Self::enroll_qr(&qr, skew).await.expect("enrol")
    }

    /// Enrols a new tablet with an enrolment QR (address, code, pins).
    pub async fn enroll_qr(qr: &EnrolmentQr, skew: Duration) -> Result<Device, SyncError> {
        let url = qr.server.as_str();
        let resp = enroll_pinned(url, &qr.code, &qr.pins, "架空タブレット").await?;
        let dir = tempfile::tempdir().unwrap();
        let skew_ms = Arc::new(AtomicI64::new(skew.num_milliseconds()));
        let s = skew_ms.clone();
        let clock =
            Clock::from_fn(move || Utc::now() + Duration::milliseconds(s.load(Ordering::SeqCst)));
        let cfg = StoreConfig::new(dir.path().join("data"))
            .with_device_secret_path(dir.path().join("device.key"))
            .with_clock(clock);
        let identity = Identity {
            device_id: resp.device_id,
            user_id: resp.user_id,
            team_id: resp.team_id,
        };
        let mut store = Store::init(
            cfg,
            &Pin::new(PIN.into()).unwrap(),
            Some(identity),
            KdfParams::insecure_fast_for_tests(),
        )
        .unwrap();
        store
            .set_server_link_pinned(url, &resp.token, &qr.pins)
            .unwrap();
        let offset = (resp.server_time - (Utc::now() + skew)).num_milliseconds();
        if offset.abs() > 2_000 {
            store.set_clock_offset(offset).unwrap();
        }
        Ok(Device {
            store,
            url: url.to_owned(),
            token: resp.token,
            pins: qr.pins.clone(),
            skew_ms,
            _dir: dir,
        })
    }

    /// A sync client for this device (its address, token and pins).
    pub fn client(&self) -> SyncClient {
        SyncClient::pinned(
            &self.url,
            &self.token,
            &self.pins,
            std::time::Duration::from_secs(10),
        )
    }

    pub async fn enroll(server: &ServerProcess, login: &str) -> Device {
        Self::enroll_with_skew(server, &server.url(), login, Duration::zero()).await
    }

    /// Points the device at another address (e.g. a fault proxy).
    pub fn via(&mut self, url: &str) {
        self.url = url.to_owned();
    }

    /// One sync: push everything, pull everything.
    pub async fn sync(&mut self) -> Result<SyncReport, SyncError> {
        self.client()
            .sync_once(&Direct::new(&mut self.store), &mut |_| {})
            .await
    }

    /// Syncs until it succeeds (for after faults), at most `tries` times.
    pub async fn sync_until_ok(&mut self, tries: usize) -> SyncReport {
        let mut last = None;
        for _ in 0..tries {
            match self.sync().await {
                Ok(r) => return r,
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("sync never succeeded: {last:?}");
    }

    /// The device's bearer token (the store keeps it sealed too).
    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn identity(&self) -> Identity {
        self.store.identity()
    }

    /// Adds a person with a fictitious alias.
    pub fn add_person(&mut self, alias: &str) -> Person {
        self.store
            .create_person(NewPerson {
                alias: alias.into(),
                kana: Some("カクウ".into()),
                fields: [LifeField::Elderly].into(),
                tags: [CrossTag::EightyFifty].into(),
                ..NewPerson::default()
            })
            .unwrap()
    }

    /// Logs a home visit now.
    pub fn visit(&mut self, person: PersonId, note: &str) -> ContactLog {
        let now = self.store.now();
        self.store
            .log_contact(NewContact {
                person_id: person,
                occurred_at: now - Duration::minutes(5),
                duration_minutes: Some(20),
                method: ContactMethod::HomeVisit,
                met: MetWhom::FamilyOnly,
                response: None,
                observation: note.into(),
                safety: Safety {
                    accompaniment: Accompaniment::Pair,
                    danger_signs: Default::default(),
                    life_threatening: false,
                },
                reflection: None,
                next_action: Some(NextAction {
                    what: "再訪".into(),
                    due: ja::local_date(now) + Duration::days(7),
                }),
            })
            .unwrap()
    }

    /// Records the person's consent to the 重層的支援会議.
    pub fn consent(&mut self, person: PersonId) {
        let today = ja::local_date(self.store.now());
        let user = self.identity().user_id;
        self.store
            .record_consent(
                person,
                ConsentRecord {
                    status: ConsentStatus::Written,
                    scope: [
                        ConsentScope::MultiLayeredMeeting,
                        ConsentScope::ShareWithAgencies,
                    ]
                    .into(),
                    date: Some(today),
                    recorded_by: Some(user),
                },
            )
            .unwrap();
    }

    pub fn escalate(&mut self, person: PersonId, urgency: Urgency) -> Escalation {
        self.store
            .escalate(NewEscalation {
                person_id: person,
                reason: "介護と本人の困りごとが重なり、複数機関での支援が必要".into(),
                fields: [LifeField::Elderly, LifeField::Poverty].into(),
                tags: Default::default(),
                agencies_involved: [AgencyId::new("houkatsu-asahi")].into(),
                urgency,
                for_household: false,
            })
            .unwrap()
    }

    /// Every contact revision on this device, over all persons.
    pub fn all_contacts(&mut self) -> Vec<ContactLog> {
        let persons = self.store.persons().unwrap().items;
        let mut out = Vec::new();
        for p in persons {
            out.extend(
                self.store
                    .timeline(p.id)
                    .unwrap()
                    .entries
                    .into_iter()
                    .map(|e| e.contact),
            );
        }
        out.sort_by_key(|c| c.id);
        out
    }

    pub fn pending(&self) -> u64 {
        self.store.outbox_status().unwrap().pending
    }
}

/// An office user (supervisor, coordinator) on the real HTTP API.
pub struct Office {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Office {
    pub async fn login(url: &str, login: &str) -> Office {
        let http = reqwest::Client::new();
        let resp: LoginResponse = post_json(
            &http,
            &format!("{url}/api/v1/login"),
            None,
            &LoginRequest {
                protocol: ProtocolVersion::CURRENT,
                username: login.into(),
                password: PASSWORD.into(),
                totp: None,
            },
        )
        .await
        .expect("login");
        Office {
            http,
            url: url.to_owned(),
            token: resp.token,
        }
    }

    pub async fn cases(&self) -> Vec<CaseQueueItem> {
        let resp = self
            .http
            .get(format!("{}/api/v1/cases", self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "cases: {}", resp.status());
        resp.json::<CaseList>().await.unwrap().items
    }

    pub async fn review(
        &self,
        contact: ContactId,
        status: ReviewStatus,
        comment: Option<&str>,
    ) -> ReviewResponse {
        post_json(
            &self.http,
            &format!("{}/api/v1/reviews", self.url),
            Some(&self.token),
            &ReviewRequest {
                protocol: ProtocolVersion::CURRENT,
                contact_id: contact,
                status,
                comment: comment.map(str::to_owned),
            },
        )
        .await
        .expect("review")
    }

    pub async fn person(&self, id: PersonId) -> PersonSnapshot {
        let resp = self
            .http
            .get(format!("{}/api/v1/persons/{id}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "person: {}", resp.status());
        resp.json().await.unwrap()
    }
}

/// POSTs JSON and reads JSON, or the API's error body as text.
pub async fn post_json<Req: Serialize, Resp: DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: &Req,
) -> Result<Resp, String> {
    let mut req = http.post(url).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let text = resp.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))
}

/// Sentences of (fictitious) outreach notes. A benchmark contact's note
/// is 300 characters of them, drawn by a small generator seeded by the
/// contact's number, so the notes compress on the wire about as much as
/// real field notes do (the PouchDB peer's documents are built the same
/// way) rather than as one text repeated.
const BENCH_SENTENCES: [&str; 16] = [
    "夕方に訪問。",
    "父親が応対し、本人は居間でテレビを見ているとのこと。",
    "前回渡した手紙は読んだようで、今度は少し話してもよいと言っていた。",
    "父親は最近物忘れが増えたと話し、通院の付き添いに困っている。",
    "台所には食器がたまり、冷蔵庫の中身は少ない様子。",
    "本人の昼夜逆転は続いているが、週に一度は近所のコンビニに出かけている。",
    "地域包括支援センターに父親のことを相談することを提案し、了承を得た。",
    "次回は平日の午後に再訪し、本人と直接会えるよう声をかけてもらう。",
    "玄関先で母親と十分ほど話した。",
    "本人は二階の自室におり、ドア越しにあいさつをしたが返事はなかった。",
    "郵便受けに市からの通知がたまっていたため、一緒に中身を確認した。",
    "民生委員から、夜に物音がするとの情報があったことを伝えた。",
    "電気料金の督促状があり、生活費の相談先を案内した。",
    "本人が好きなゲームの話になると、少し表情が和らいだ。",
    "姉が月に一度様子を見に来ているが、仕事が忙しく負担を感じている。",
    "体調を崩して寝込んでいる日が多いと聞き、受診を勧めた。",
];

/// 300 characters of [`BENCH_SENTENCES`] for the `i`-th contact.
fn bench_note(i: usize) -> String {
    // xorshift64*, seeded by the contact's number: the same note for the
    // same `i` in every run.
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut note = String::new();
    while note.chars().count() < 300 {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        note.push_str(BENCH_SENTENCES[(r >> 60) as usize]);
    }
    note.chars().take(300).collect()
}

/// The `i`-th contact of a benchmark: about 1.3 KB, with 300 characters of
/// (fictitious) Japanese notes, varied by `i`.
pub fn long_contact(person: PersonId, i: usize, now: chrono::DateTime<Utc>) -> NewContact {
    let observation = bench_note(i);
    NewContact {
        person_id: person,
        occurred_at: now - Duration::minutes(10 + (i % 600) as i64),
        duration_minutes: Some(20 + (i % 30) as u16),
        method: ContactMethod::ALL[i % ContactMethod::ALL.len()],
        met: MetWhom::FamilyOnly,
        response: None,
        observation: format!("{observation}（{i}）"),
        safety: Safety {
            accompaniment: Accompaniment::Pair,
            danger_signs: Default::default(),
            life_threatening: false,
        },
        reflection: Some(Reflection {
            difficulty: Difficulty::new(1 + (i % 5) as u8).unwrap(),
            note: Some("父親の疲れが目立ち、こちらも気持ちが重くなった。".into()),
            wants_to_talk: false,
        }),
        next_action: Some(NextAction {
            what: "平日午後に再訪し、本人と会えるよう父親に依頼".into(),
            due: ja::local_date(now) + Duration::days(7),
        }),
    }
}

#[cfg(test)]
mod bench_note_tests {
    use super::bench_note;

    #[test]
    fn notes_are_300_characters_the_same_each_run_and_vary_by_contact() {
        let notes: Vec<String> = (0..50).map(bench_note).collect();
        assert!(notes.iter().all(|n| n.chars().count() == 300));
        assert_eq!(notes[7], bench_note(7));
        let distinct: std::collections::BTreeSet<_> = notes.iter().collect();
        assert_eq!(distinct.len(), 50);
        // Drawn from every part of the bank, not one sentence repeated.
        let first_sentences: std::collections::BTreeSet<_> = notes
            .iter()
            .map(|n| n.chars().take(6).collect::<String>())
            .collect();
        assert!(first_sentences.len() > 8, "{first_sentences:?}");
    }
}
