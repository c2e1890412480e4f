//! Office login for the console: password (Argon2id, the server's user
//! table), lockout after repeated failures, optional TOTP, cookie sessions
//! stored hashed with an expiry (the server's `sessions` table), CSRF tokens
//! derived from the session secret, logout.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use outreach_shared::access::Role;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::{PageError, PageResult, layout, same, see_other, text};
use crate::crypto;
use crate::engine::sessions::{self, Channel, ConsoleTotp, Credentials, LoginOutcome};
use crate::engine::{Caller, actor_of};
use crate::state::{AppState, check_client};
use crate::store::UserRow;

/// The session cookie (its name on plain HTTP on loopback; over HTTPS it
/// is [`SECURE_PREFIX`] + this: see [`cookie_name`]).
pub const SESSION_COOKIE: &str = "hamura_console";
/// The prefix of every console cookie over HTTPS: the browser then takes
/// the cookie only with `Secure`, `Path=/` and no `Domain`, so no other
/// host of the city's domain (a sibling subdomain) can plant or shadow it.
/// (Browsers refuse `Secure` cookies on plain HTTP, so the loopback
/// development server uses the bare names.)
pub const SECURE_PREFIX: &str = "__Host-";
/// The login form's CSRF cookie (double submit, before a session exists).
pub const LOGIN_COOKIE: &str = "hamura_login";
/// The cookie of a login waiting for its TOTP code.
pub const TOTP_COOKIE: &str = "hamura_2fa";

/// Sessions extended in the last minute (so a burst of requests does not
/// write the expiry each time).
fn recently_extended() -> &'static Mutex<HashMap<[u8; 32], DateTime<Utc>>> {
    static M: OnceLock<Mutex<HashMap<[u8; 32], DateTime<Utc>>>> = OnceLock::new();
    M.get_or_init(|| Mutex::new(HashMap::new()))
}

fn extension_due(hash: &[u8; 32], now: DateTime<Utc>) -> bool {
    let mut m = match recently_extended().lock() {
        Ok(m) => m,
        Err(p) => p.into_inner(),
    };
    if m.len() > 10_000 {
        m.retain(|_, at| now - *at < Duration::minutes(1));
    }
    match m.get(hash) {
        Some(at) if now - *at < Duration::minutes(1) => false,
        _ => {
            m.insert(*hash, now);
            true
        }
    }
}

/// The logged-in user of a console request.
pub struct Session {
    pub user: UserRow,
    pub caller: Caller,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
    pub token_hash: [u8; 32],
}

impl Session {
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// Parses a form body and checks its CSRF token.
    pub fn form(&self, body: &[u8]) -> Result<Form, PageError> {
        let f = Form::parse(body)?;
        match f.get("csrf") {
            Some(t) if same(t, &self.csrf) => Ok(f),
            _ => {
                tracing::info!("console form refused: CSRF token missing or wrong");
                Err(PageError::csrf())
            }
        }
    }

    /// Refuses unless the user has one of `roles` (a 403 page).
    pub fn require(&self, roles: &[Role]) -> Result<(), PageError> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(PageError::forbidden())
        }
    }
}

/// A parsed `application/x-www-form-urlencoded` body.
#[derive(Debug, Default)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Result<Self, PageError> {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .map(Form)
            .map_err(|_| PageError::bad_request(text::BAD_REQUEST))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated key (checkboxes), in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A trimmed, non-empty value.
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }
}

/// A query string parsed like a form.
pub fn query(q: &Option<String>) -> Form {
    q.as_deref()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .map(Form)
        .unwrap_or_default()
}

/// The value of a cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 200)
}

/// Whether the browser reached us over HTTPS: behind a TLS proxy or with
/// the server's own TLS, the host is not a loopback name (plain HTTP is
/// only served on loopback; see `cli`).
pub fn is_secure(headers: &HeaderMap) -> bool {
    if let Some(p) = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
    {
        return p.eq_ignore_ascii_case("https");
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let name = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default().to_owned()
    };
    !(name == "localhost"
        || name.ends_with(".localhost")
        || name == "[::1]"
        || name.starts_with("127."))
}

/// A console cookie's name for a request over HTTPS (`secure`) or not.
pub fn cookie_name(base: &str, secure: bool) -> String {
    if secure {
        format!("{SECURE_PREFIX}{base}")
    } else {
        base.to_owned()
    }
}

/// The value of the console cookie `base` under the name this request's
/// scheme uses.
fn console_cookie(headers: &HeaderMap, base: &str) -> Option<String> {
    cookie(headers, &cookie_name(base, is_secure(headers)))
}

fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let s = format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        cookie_name(name, secure),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("x=; Max-Age=0"))
}

fn csrf_of(secret: &str, purpose: &str) -> String {
    crypto::hex(&crypto::sha256(
        format!("hamura-console-csrf\n{purpose}\n{secret}").as_bytes(),
    ))
}

fn login_redirect(message: &str) -> Response {
    see_other(&format!("/console/login?m={message}"))
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Response> {
        let Some(token) =
            console_cookie(&parts.headers, SESSION_COOKIE).map(zeroize::Zeroizing::new)
        else {
            return Err(login_redirect("login"));
        };
        let hash = crypto::token_hash(&token);
        let now = Utc::now();
        // Past the absolute lifetime, the session is over however recently
        // it was used.
        let absolute = sessions::console_session_created(&token)
            .map(|c| c + st.limits.session_ttl)
            .filter(|end| *end > now);
        let user = st
            .read(move |tx| sessions::console_session_user(tx, &hash, now))
            .await
            .map_err(|e| PageError::from(e).into_response())?;
        let (Some(user), Some(absolute)) = (user, absolute) else {
            let mut r = login_redirect("expired");
            r.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, "", 0, is_secure(&parts.headers)),
            );
            return Err(r);
        };
        if extension_due(&hash, now) {
            let until = (now + Duration::minutes(sessions::IDLE_MINUTES)).min(absolute);
            st.write(move |tx| sessions::extend_console_session(tx, &hash, until))
                .await
                .map_err(|e| PageError::from(e).into_response())?;
        }
        Ok(Session {
            caller: Caller {
                actor: actor_of(&user),
                device: None,
            },
            user,
            csrf: csrf_of(&token, "session"),
            token_hash: hash,
        })
    }
}

/// `/console`: each role's first page.
pub async fn home(session: Session) -> Response {
    match session.role() {
        Role::Supervisor => see_other("/console/reviews"),
        Role::Coordinator | Role::AgencyMember => see_other("/console/cases"),
        Role::OutreachWorker => layout::page(
            &session,
            text::HOME_TITLE,
            "",
            None,
            maud::html! { p.lead { (text::HOME_WORKER) } },
        ),
    }
}

fn message_of(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "expired" => Some(text::SESSION_EXPIRED),
        "out" => Some(text::LOGGED_OUT),
        "totp" => Some(text::TOTP_RESTART),
        _ => None,
    }
}

/// `GET /console/login`.
pub async fn login_page(headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let q = query(&q);
    render_login(&headers, message_of(q.get("m")), StatusCode::OK)
}

fn render_login(headers: &HeaderMap, message: Option<&str>, status: StatusCode) -> Response {
    let secure = is_secure(headers);
    let (secret, fresh) = match console_cookie(headers, LOGIN_COOKIE) {
        Some(s) => (zeroize::Zeroizing::new(s), false),
        None => (crypto::new_token().0, true),
    };
    let csrf = csrf_of(&secret, "login");
    let mut r = layout::login_page(&csrf, message);
    *r.status_mut() = status;
    if fresh {
        r.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(LOGIN_COOKIE, &secret, 3600, secure),
        );
    }
    r
}

/// `POST /console/login`.
pub async fn login(
    State(st): State<AppState>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body)?;
    let ok_csrf = match (console_cookie(&headers, LOGIN_COOKIE), form.get("csrf")) {
        (Some(secret), Some(t)) => same(t, &csrf_of(&secret, "login")),
        _ => false,
    };
    if !ok_csrf {
        tracing::info!("console login refused: CSRF token missing or wrong");
        return Err(PageError::csrf());
    }
    let username = form.get("username").unwrap_or_default().trim().to_owned();
    let password = zeroize::Zeroizing::new(form.get("password").unwrap_or_default().to_owned());
    // Before any work: per address, in memory.
    let addr = st.client_addr(&headers, &ext);
    let limited = check_client(&st.guests.login_client, "login-client", &addr);
    if limited.is_err() {
        return Ok(render_login(
            &headers,
            Some(text::LOGIN_LOCKED),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let client = sessions::client_tag(&addr);
    let _slot = argon2_slot(&st).await?;
    let (store, keys) = (st.store.clone(), st.keys.clone());
    let (ttl, now) = (st.limits.session_ttl, Utc::now());
    let outcome = tokio::task::spawn_blocking(move || {
        let creds = Credentials {
            username: &username,
            password: &password,
            totp: None,
        };
        sessions::login(
            &*store,
            &keys.totp,
            Channel::Console,
            &creds,
            &client,
            ttl,
            now,
        )
    })
    .await
    .map_err(|_| PageError::from(crate::error::ApiError::internal()))??;
    match outcome {
        LoginOutcome::Locked => Ok(render_login(
            &headers,
            Some(text::LOGIN_LOCKED),
            StatusCode::TOO_MANY_REQUESTS,
        )),
        LoginOutcome::Failed { locked } => Ok(render_login(
            &headers,
            Some(if locked {
                text::LOGIN_LOCKED
            } else {
                text::LOGIN_FAILED
            }),
            StatusCode::UNAUTHORIZED,
        )),
        LoginOutcome::NeedsTotp(ticket) => {
            let ticket = ticket.unwrap_or_default();
            let mut r = see_other("/console/login/totp");
            r.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(TOTP_COOKIE, &ticket, 300, is_secure(&headers)),
            );
            Ok(r)
        }
        LoginOutcome::Session { token, .. } => Ok(session_started(&headers, &token, ttl)),
    }
}

/// A slot among the few Argon2 runs allowed at once.
async fn argon2_slot(st: &AppState) -> Result<tokio::sync::OwnedSemaphorePermit, PageError> {
    st.argon2_slots
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| PageError::from(crate::error::ApiError::internal()))
}

/// The answer to a finished login: the session cookie, and the TOTP
/// cookie cleared.
fn session_started(headers: &HeaderMap, token: &str, ttl: Duration) -> Response {
    let mut r = see_other("/console");
    let secure = is_secure(headers);
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, token, ttl.num_seconds(), secure),
    );
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(TOTP_COOKIE, "", 0, secure));
    r
}

/// `GET /console/login/totp`.
pub async fn totp_page(State(st): State<AppState>, headers: HeaderMap) -> PageResult {
    let Some(ticket) = console_cookie(&headers, TOTP_COOKIE) else {
        return Ok(login_redirect("totp"));
    };
    let (hash, now) = (crypto::token_hash(&ticket), Utc::now());
    if st
        .read(move |tx| sessions::pending_login_user(tx, &hash, now))
        .await?
        .is_none()
    {
        return Ok(login_redirect("totp"));
    }
    Ok(layout::totp_page(&csrf_of(&ticket, "totp"), None))
}

/// `POST /console/login/totp`.
pub async fn totp_submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
    body: Bytes,
) -> PageResult {
    let Some(ticket) = console_cookie(&headers, TOTP_COOKIE) else {
        return Ok(login_redirect("totp"));
    };
    let form = Form::parse(&body)?;
    let csrf = csrf_of(&ticket, "totp");
    if !form.get("csrf").is_some_and(|t| same(t, &csrf)) {
        return Err(PageError::csrf());
    }
    let hash = crypto::token_hash(&ticket);
    let code = form.get("code").unwrap_or_default().trim().to_owned();
    let addr = st.client_addr(&headers, &ext);
    if check_client(&st.guests.login_client, "login-client", &addr).is_err() {
        let mut r = layout::totp_page(&csrf, Some(text::LOGIN_LOCKED));
        *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return Ok(r);
    }
    let client = sessions::client_tag(&addr);
    let (store, keys) = (st.store.clone(), st.keys.clone());
    let (ttl, now) = (st.limits.session_ttl, Utc::now());
    let outcome = tokio::task::spawn_blocking(move || {
        sessions::console_totp(&*store, &keys.totp, &hash, &code, &client, ttl, now)
    })
    .await
    .map_err(|_| PageError::from(crate::error::ApiError::internal()))??;
    match outcome {
        ConsoleTotp::Restart => Ok(login_redirect("totp")),
        ConsoleTotp::Wrong => {
            let mut r = layout::totp_page(&csrf, Some(text::TOTP_FAILED));
            *r.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(r)
        }
        ConsoleTotp::Session(token) => Ok(session_started(&headers, &token, ttl)),
    }
}

/// `POST /console/logout`.
pub async fn logout(
    State(st): State<AppState>,
    session: Session,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    session.form(&body)?;
    let now = Utc::now();
    let hash = session.token_hash;
    let caller = session.caller.clone();
    st.write(move |tx| sessions::console_logout(tx, &caller, &hash, now))
        .await?;
    let mut r = login_redirect("out");
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, is_secure(&headers)),
    );
    Ok(r)
}
