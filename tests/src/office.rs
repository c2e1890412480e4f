//! Office users against the real server, as an attacker or a person would
//! reach it: the API's login with raw answers, the web console over HTTP
//! with its cookies and CSRF tokens handled by hand, and a look at the
//! server's audit log and settings through its store.
//!
//! A client can claim an address in `X-Forwarded-For` (for servers started
//! with `--forwarded-for`); only loopback addresses are used.

use chrono::Utc;
use outreach_shared::protocol::{LoginRequest, ProtocolVersion};
use std::sync::Arc;
use sync_server::store::{self, DatabaseUrl, Store, StoreOptions};

use crate::server::ServerProcess;

/// `POST /api/v1/login`; the status and the body as text.
pub async fn api_login(
    http: &reqwest::Client,
    url: &str,
    username: &str,
    password: &str,
    totp: Option<&str>,
    client: Option<&str>,
) -> (u16, String) {
    let mut req = http
        .post(format!("{url}/api/v1/login"))
        .json(&LoginRequest {
            protocol: ProtocolVersion::CURRENT,
            username: username.into(),
            password: password.into(),
            totp: totp.map(str::to_owned),
        });
    if let Some(c) = client {
        req = req.header("x-forwarded-for", c);
    }
    let resp = req.send().await.expect("login request");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

/// The bearer token of a successful API login body.
pub fn token_of(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).expect("login JSON");
    v["token"].as_str().expect("token").to_owned()
}

/// A browser on the console: cookies kept by hand, no redirects followed.
#[derive(Clone)]
pub struct Console {
    pub http: reqwest::Client,
    pub url: String,
    pub cookies: Vec<(String, String)>,
    /// Headers sent with every request (`X-Forwarded-For`, `-Proto`).
    pub headers: Vec<(String, String)>,
}

/// One answer of the console.
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Console {
    pub fn new(url: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            url: url.to_owned(),
            cookies: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// Claims to come from `addr` (a server with `--forwarded-for`).
    pub fn from_addr(mut self, addr: &str) -> Self {
        self.headers.push(("x-forwarded-for".into(), addr.into()));
        self
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let mut req = req;
        if !self.cookies.is_empty() {
            let c = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req = req.header("cookie", c);
        }
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let resp = req.send().await.expect("console request");
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let set_cookies: Vec<String> = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        for sc in &set_cookies {
            let Some((k, rest)) = sc.split_once('=') else {
                continue;
            };
            let v = rest.split(';').next().unwrap_or_default().to_owned();
            self.cookies.retain(|(n, _)| n != k);
            if !v.is_empty() && !sc.contains("Max-Age=0") {
                self.cookies.push((k.to_owned(), v));
            }
        }
        let body = resp.text().await.unwrap_or_default();
        Page {
            status,
            location,
            set_cookies,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.url));
        self.send(req).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.http.post(format!("{}{path}", self.url)).form(form);
        self.send(req).await
    }

    /// The login form, then its post.
    pub async fn login(&mut self, username: &str, password: &str) -> Page {
        let page = self.get("/console/login").await;
        let csrf = csrf_of(&page.body).expect("the login form has a CSRF token");
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

/// The CSRF token of the first form of a page.
pub fn csrf_of(body: &str) -> Option<String> {
    let i = body.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(body[i..].split('"').next()?.to_owned())
}

/// Opens the server's store (a second handle, as an administrator would).
pub fn store_of(server: &ServerProcess) -> Arc<dyn Store> {
    let url: DatabaseUrl = server.database_url().parse().expect("database URL");
    store::open(&url, &StoreOptions::default()).expect("open the server's store")
}

/// Every audit entry's (actor, action, entity, basis).
pub fn audit_entries(server: &ServerProcess) -> Vec<(String, String, String, String)> {
    let s = store_of(server);
    store::read(&*s, |tx| tx.audit_entries(0, 1_000_000))
        .expect("audit entries")
        .into_iter()
        .map(|e| (e.actor, e.action, e.entity, e.basis))
        .collect()
}

/// Requires TOTP for `username` through the admin command; the current
/// code's maker.
pub fn totp_enrol(server: &ServerProcess, username: &str) -> String {
    let out = server.command(&["admin", "totp-enrol", "--username", username]);
    assert!(
        out.status.success(),
        "totp-enrol: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let i = text.find("secret: ").expect("the secret is printed") + "secret: ".len();
    text[i..]
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The TOTP code of a base32 secret now.
pub fn totp_now(secret: &str) -> String {
    sync_server::engine::totp::code_for_base32(secret, Utc::now()).expect("base32 secret")
}
