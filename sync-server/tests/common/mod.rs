//! Test fixtures: a real database (a SQLite file in a temp folder, or a
//! fresh database on the PostgreSQL test cluster when
//! `OUTREACH_TEST_BACKEND=postgres`: see `sync_server::store::scratch`),
//! users made with the admin functions, devices enrolled through the API.
//! All data fictitious.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, Utc};
use http_body_util::BodyExt;
use outreach_shared::access::Role;
use outreach_shared::protocol::*;
use outreach_shared::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;
use sync_server::admin::{self, NewUser};
use sync_server::store::scratch::ScratchDb;
use sync_server::store::{Store, StoreOptions};
use sync_server::{AppState, Limits};
use tower::ServiceExt;

pub const PASSWORD: &str = "fictitious-password-1";

pub struct World {
    pub db: ScratchDb,
    pub store: Arc<dyn Store>,
    pub state: AppState,
    pub app: Router,
    pub team_a: TeamId,
    pub team_b: TeamId,
}

pub struct Device {
    pub id: DeviceId,
    pub token: String,
    pub user: UserId,
    pub team: TeamId,
    pub counter: u16,
}

impl World {
    pub fn new() -> Self {
        Self::with_limits(Limits {
            rate_per_minute: 100_000,
            burst: 10_000,
            ..Limits::default()
        })
    }

    pub fn with_limits(limits: Limits) -> Self {
        let db = ScratchDb::from_env();
        let store = db
            .open(&StoreOptions {
                sync_full: false,
                ..StoreOptions::default()
            })
            .unwrap();
        let keys = db.keys(&*store).unwrap();
        let state = AppState::new(store.clone(), limits, keys).unwrap();
        let now = Utc::now();
        let team_a = admin::ensure_team(&*store, "班A（見本）", now).unwrap().id;
        let team_b = admin::ensure_team(&*store, "班B（見本）", now).unwrap().id;
        let app = sync_server::app(state.clone());
        World {
            db,
            store,
            state,
            app,
            team_a,
            team_b,
        }
    }

    pub fn user(
        &self,
        username: &str,
        role: Role,
        team: Option<&str>,
        agency: Option<&str>,
    ) -> UserId {
        admin::add_user(
            &*self.store,
            NewUser {
                username: username.into(),
                display_name: format!("架空 {username}"),
                role,
                team: team.map(str::to_owned),
                agency: agency.map(str::to_owned),
                password: Some(zeroize::Zeroizing::new(PASSWORD.into())),
            },
            Utc::now(),
        )
        .unwrap()
        .id
    }

    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let bytes = body
            .map(|b| serde_json::to_vec(&b).unwrap())
            .unwrap_or_default();
        self.call_raw(method, uri, token, bytes).await
    }

    pub async fn call_raw(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        self.call_raw_from(None, method, uri, token, body).await
    }

    /// [`World::call`] from a client address (as the real listener gives
    /// it to the per-address limits).
    pub async fn call_from(
        &self,
        addr: &str,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let bytes = body
            .map(|b| serde_json::to_vec(&b).unwrap())
            .unwrap_or_default();
        self.call_raw_from(Some(addr.parse().unwrap()), method, uri, token, bytes)
            .await
    }

    async fn call_raw_from(
        &self,
        addr: Option<std::net::SocketAddr>,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let mut req = req.body(Body::from(body)).unwrap();
        if let Some(a) = addr {
            req.extensions_mut().insert(axum::extract::ConnectInfo(a));
        }
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let v = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        (status, v)
    }

    /// Adds a worker and enrols a tablet for them through the API.
    pub async fn worker_device(&self, username: &str, team: &str) -> Device {
        let user = self.user(username, Role::OutreachWorker, Some(team), None);
        self.enrol(username, user).await
    }

    pub async fn enrol(&self, username: &str, user: UserId) -> Device {
        let code =
            admin::issue_code(&*self.store, username, Duration::minutes(15), Utc::now()).unwrap();
        let (s, v) = self
            .call(
                "POST",
                "/api/v1/enroll",
                None,
                Some(serde_json::json!({"protocol":"2.0","code": code.as_str(),"device_label":"タブレット1","platform":"linux"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let r: EnrollResponse = serde_json::from_value(v).unwrap();
        assert_eq!(r.user_id, user);
        Device {
            id: r.device_id,
            token: r.token,
            user,
            team: r.team_id,
            counter: 0,
        }
    }

    pub async fn login(&self, username: &str) -> String {
        let (s, v) = self
            .call(
                "POST",
                "/api/v1/login",
                None,
                Some(serde_json::json!({"protocol":"2.0","username":username,"password":PASSWORD})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["token"].as_str().unwrap().to_owned()
    }

    pub async fn push(&self, d: &Device, ops: &[Operation]) -> (StatusCode, Value) {
        let req = PushRequest {
            protocol: ProtocolVersion::CURRENT,
            device_id: d.id,
            operations: ops.to_vec(),
        };
        self.call(
            "POST",
            "/api/v1/sync/push",
            Some(&d.token),
            Some(serde_json::to_value(&req).unwrap()),
        )
        .await
    }

    pub async fn push_ok(&self, d: &Device, ops: &[Operation]) -> Vec<OperationResult> {
        let (s, v) = self.push(d, ops).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let r: PushResponse = serde_json::from_value(v).unwrap();
        r.results
    }

    pub async fn pull_all(&self, token: &str) -> Vec<Change> {
        let mut cursor = 0;
        let mut out = Vec::new();
        loop {
            let (s, v) = self
                .call(
                    "POST",
                    "/api/v1/sync/pull",
                    Some(token),
                    Some(serde_json::json!({"protocol":"2.0","cursor":cursor,"limit":1000})),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let r: PullResponse = serde_json::from_value(v).unwrap();
            out.extend(r.changes);
            cursor = r.next_cursor;
            if !r.has_more {
                return out;
            }
        }
    }
}

pub fn rnd() -> [u8; 10] {
    sync_server::crypto::random()
}

pub fn now_ms() -> u64 {
    Utc::now().timestamp_millis() as u64
}

impl Device {
    pub fn hlc(&mut self) -> Hlc {
        self.counter += 1;
        Hlc::new(now_ms(), self.counter, self.id)
    }

    pub fn op(&mut self, entity: EntityRef, payload: Payload) -> Operation {
        Operation {
            id: OperationId::new_v7(now_ms(), rnd()),
            device_id: self.id,
            hlc: self.hlc(),
            entity,
            payload,
        }
    }

    pub fn create_person(&mut self, alias: &str) -> (PersonId, Operation) {
        let p = person(alias, self.team);
        (
            p.id,
            self.op(EntityRef::person(p.id), Payload::CreatePerson(p)),
        )
    }

    pub fn log_contact(&mut self, person: PersonId, observation: &str) -> (ContactId, Operation) {
        let c = contact(person, self.user, observation);
        (
            c.id,
            self.op(EntityRef::contact(c.id), Payload::LogContact(c)),
        )
    }
}

pub fn person(alias: &str, team: TeamId) -> Person {
    Person {
        id: PersonId::new_v7(now_ms(), rnd()),
        alias: alias.into(),
        kana: None,
        birth_year: Some(BirthYear {
            year: 1970,
            approximate: true,
        }),
        sex: Some(Sex::Male),
        area: None,
        noticed_by: Some(NoticedBy::WelfareCommissioner),
        summary: None,
        household: Household::default(),
        fields: [LifeField::Elderly].into(),
        tags: [CrossTag::EightyFifty].into(),
        scheme_gap: None,
        stage: Stage::Identified,
        stage_note: None,
        consent: ConsentRecord::none(),
        team,
        assigned_worker: None,
        created_at: Utc::now() - Duration::days(30),
    }
}

pub fn contact(person: PersonId, author: UserId, observation: &str) -> ContactLog {
    ContactLog {
        id: ContactId::new_v7(now_ms(), rnd()),
        person_id: person,
        revises: None,
        author,
        occurred_at: Utc::now() - Duration::hours(2),
        duration_minutes: Some(20),
        method: ContactMethod::HomeVisit,
        met: MetWhom::FamilyOnly,
        response: None,
        observation: observation.into(),
        safety: Safety {
            accompaniment: Accompaniment::Pair,
            danger_signs: BTreeSet::new(),
            life_threatening: false,
        },
        reflection: None,
        next_action: None,
    }
}

pub fn consent_given(by: UserId) -> ConsentRecord {
    ConsentRecord {
        status: ConsentStatus::Written,
        scope: [
            ConsentScope::MultiLayeredMeeting,
            ConsentScope::ShareWithAgencies,
        ]
        .into(),
        date: Some(ja::local_date(Utc::now() - Duration::days(1))),
        recorded_by: Some(by),
    }
}

pub fn escalation(
    person: PersonId,
    by: UserId,
    route: Route,
    urgency: Urgency,
    at: DateTime<Utc>,
) -> Escalation {
    Escalation {
        case_id: CaseId::new_v7(now_ms(), rnd()),
        person_id: person,
        raised_by: by,
        raised_at: at,
        reason: "（架空）介護とひきこもりが重なっている".into(),
        fields: [LifeField::Elderly].into(),
        tags: BTreeSet::new(),
        agencies_involved: BTreeSet::new(),
        urgency,
        route,
        household: Vec::new(),
    }
}

pub fn status(v: &Value) -> &str {
    v["status"].as_str().unwrap_or("")
}
