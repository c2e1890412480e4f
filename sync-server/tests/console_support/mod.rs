//! Fixtures for the console tests: the demo data (`sync-server demo`) in a
//! real database (a SQLite file, or a database on the PostgreSQL test
//! cluster when `OUTREACH_TEST_BACKEND=postgres`), seeded once per test
//! binary and copied per test, and a tiny cookie-keeping client over the
//! router.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::Utc;
use http_body_util::BodyExt;
use outreach_shared::CaseQueueItem;
use outreach_shared::access::{Actor, Role};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use sync_server::engine::{self, Caller, ServerClock};
use sync_server::store::scratch::{self, ScratchDb};
use sync_server::store::sqlite::SqliteStore;
use sync_server::store::{self, Store, StoreOptions, UserRow, postgres};
use sync_server::{AppState, Limits};
use tower::ServiceExt;

pub use sync_server::demo::DEMO_PASSWORD;

fn stamp() -> String {
    let build = std::env::current_exe()
        .and_then(std::fs::metadata)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
        .unwrap_or_default();
    format!("{build}_{}", Utc::now().date_naive().format("%Y%m%d"))
}

fn seed(store: &dyn Store) {
    let node = store::write(store, ServerClock::load_node).unwrap();
    let clock = ServerClock::new(node);
    sync_server::demo::seed(store, &clock, Utc::now()).unwrap();
}

/// The seeded demo database as a SQLite file, shared by the tests of this
/// build and day (nextest runs each test in its own process; seeding costs
/// seconds).
fn sqlite_template() -> &'static PathBuf {
    static T: OnceLock<PathBuf> = OnceLock::new();
    T.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        std::fs::create_dir_all(&dir).unwrap();
        let shared = dir.join(format!("console-demo-{}.db", stamp()));
        if shared.is_file() {
            return shared;
        }
        let path = dir.join(format!(
            "console-demo-seeding-{}-{}.db",
            std::process::id(),
            sync_server::crypto::hex(&sync_server::crypto::random::<4>())
        ));
        {
            let store = SqliteStore::open(
                &path,
                &StoreOptions {
                    sync_full: false,
                    ..StoreOptions::default()
                },
            )
            .unwrap();
            seed(&store);
            store.execute_raw("PRAGMA wal_checkpoint(TRUNCATE)").ok();
        }
        // Publish atomically; another process may have done the same.
        match std::fs::rename(&path, &shared) {
            Ok(()) => shared,
            Err(_) => path,
        }
    })
}

/// The same on the PostgreSQL test cluster: a database that later ones are
/// copied from (`CREATE DATABASE ... TEMPLATE`).
fn postgres_template(admin: &str) -> String {
    let name = format!("demo_{}", stamp());
    let exists = postgres::execute_admin(
        admin,
        &format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
    )
    .unwrap();
    if exists == 0 {
        let seeding = ScratchDb::postgres(admin, None).unwrap();
        {
            let store = seeding
                .open(&StoreOptions {
                    sync_full: false,
                    ..StoreOptions::default()
                })
                .unwrap();
            seed(&*store);
        }
        let seeding_name = seeding.url().rsplit('/').next().unwrap().to_owned();
        // Another process may have published first; then its copy is used.
        let _ = postgres::execute_admin(
            admin,
            &format!("ALTER DATABASE {seeding_name} RENAME TO {name}"),
        );
    }
    name
}

/// A server state over a fresh copy of the demo data.
pub struct World {
    pub db: ScratchDb,
    pub store: Arc<dyn Store>,
    pub state: AppState,
    pub app: Router,
}

impl World {
    pub fn demo() -> Self {
        let db = if scratch::test_backend_is_postgres() {
            let admin = scratch::test_cluster().expect("OUTREACH_TEST_PG");
            let template = postgres_template(&admin);
            ScratchDb::postgres(&admin, Some(&template)).unwrap()
        } else {
            let db = ScratchDb::sqlite();
            std::fs::copy(sqlite_template(), db.dir().unwrap().join("outreach.db")).unwrap();
            db
        };
        let store = db
            .open(&StoreOptions {
                sync_full: false,
                ..StoreOptions::default()
            })
            .unwrap();
        let keys = db.keys(&*store).unwrap();
        let state = AppState::new(store.clone(), Limits::default(), keys).unwrap();
        let app = sync_server::app(state.clone());
        World {
            db,
            store,
            state,
            app,
        }
    }

    pub fn user(&self, username: &str) -> UserRow {
        store::read(&*self.store, |tx| tx.user_by_name(username))
            .unwrap()
            .unwrap()
    }

    pub fn caller(&self, username: &str) -> Caller {
        let u = self.user(username);
        Caller {
            actor: engine::actor_of(&u),
            device: None,
        }
    }

    pub fn coordinator_actor(&self) -> Actor {
        self.caller("coordinator").actor
    }

    /// Every case as the coordinator sees it.
    pub fn cases(&self) -> Vec<CaseQueueItem> {
        let c = self.caller("coordinator");
        store::read(&*self.store, |tx| engine::list_cases(tx, &c)).unwrap()
    }

    pub fn audit_actions(&self) -> Vec<(String, String, String)> {
        store::read(&*self.store, |tx| tx.audit_entries(0, 1_000_000))
            .unwrap()
            .into_iter()
            .map(|e| (e.actor, e.action, e.entity))
            .collect()
    }

    pub fn client(&self) -> Client {
        Client {
            app: self.app.clone(),
            cookies: Vec::new(),
            host: "localhost:8080".into(),
        }
    }

    /// A client logged in as `username` (demo password).
    pub async fn login(&self, username: &str) -> Client {
        let mut c = self.client();
        let r = c.login(username, DEMO_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), Some("/console"));
        c
    }

    pub fn role_of(&self, username: &str) -> Role {
        self.user(username).role
    }
}

/// A response, read in full.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The first CSRF token in the page.
    pub fn csrf(&self) -> Option<String> {
        between(&self.body, "name=\"csrf\" value=\"", "\"")
    }
}

pub fn between(s: &str, start: &str, end: &str) -> Option<String> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(s[i..j].to_owned())
}

/// A client that keeps cookies like a browser.
pub struct Client {
    pub app: Router,
    pub cookies: Vec<(String, String)>,
    pub host: String,
}

impl Client {
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub async fn send(&mut self, method: &str, uri: &str, form: Option<&[(&str, &str)]>) -> Resp {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, &self.host);
        if !self.cookies.is_empty() {
            req = req.header(header::COOKIE, self.cookie_header());
        }
        let body = match form {
            Some(f) => {
                req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(serde_urlencoded::to_string(f).unwrap())
            }
            None => Body::empty(),
        };
        let resp = self
            .app
            .clone()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let r = Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        for c in r.set_cookies() {
            let first = c.split(';').next().unwrap_or_default();
            if let Some((k, v)) = first.split_once('=') {
                self.cookies.retain(|(n, _)| n != k);
                if !v.is_empty() && !c.contains("Max-Age=0") {
                    self.cookies.push((k.to_owned(), v.to_owned()));
                }
            }
        }
        r
    }

    pub async fn get(&mut self, uri: &str) -> Resp {
        self.send("GET", uri, None).await
    }

    pub async fn post(&mut self, uri: &str, form: &[(&str, &str)]) -> Resp {
        self.send("POST", uri, Some(form)).await
    }

    /// Posts a form with the CSRF token of the page at `page`.
    pub async fn post_from(&mut self, page: &str, uri: &str, form: &[(&str, &str)]) -> Resp {
        let p = self.get(page).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        let csrf = p.csrf().expect("the page has a form");
        let mut f: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        f.extend_from_slice(form);
        self.post(uri, &f).await
    }

    pub async fn login(&mut self, username: &str, password: &str) -> Resp {
        let page = self.get("/console/login").await;
        assert_eq!(page.status, StatusCode::OK);
        let csrf = page.csrf().unwrap();
        self.post(
            "/console/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }
}
