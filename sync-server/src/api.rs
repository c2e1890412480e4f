//! The HTTP API: the router, the extractors that turn bad input into a 4xx
//! with `shared`'s `ErrorBody`, and thin handlers over [`crate::engine`].
//!
//! Handlers never touch SQLite on an async worker: every store call runs
//! through [`AppState::write`] / [`AppState::read`] (`spawn_blocking`).
//! A push is answered only after its transaction has committed.
//!
//! Every route is registered and documented in one table,
//! [`routes::table`]; the router is built from it.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Path, RawQuery, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use chrono::Utc;
use outreach_shared::access::Role;
use outreach_shared::protocol::*;
use outreach_shared::{CaseId, Meeting, PersonId};
use serde::de::DeserializeOwned;
use std::time::Instant;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;

pub mod routes;

use crate::engine::{self, Caller};
use crate::error::ApiError;
use crate::state::AppState;

/// How the API answers an engine error: its code, status and action
/// (the statuses themselves are [`ApiError::status`]).
impl From<engine::Error> for ApiError {
    fn from(e: engine::Error) -> Self {
        use engine::Error as E;
        match e {
            E::Invalid(v) => ApiError::validation(v),
            E::Rule(r) => {
                let mut e = ApiError::new(ErrorCode::ValidationFailed, r.to_string());
                e.field_errors = r.field_errors();
                e
            }
            E::BadRequest(m) => ApiError::invalid(m),
            E::NotFound(m) => ApiError::not_found(m),
            E::Forbidden(m) => ApiError::forbidden(m),
            E::Conflict(m) => ApiError::new(ErrorCode::Conflict, m),
            E::Unauthorized(m) => ApiError::unauthorized(m),
            E::DeviceRevoked => ApiError::revoked(),
            E::Locked(secs) => {
                let mut a = ApiError::new(ErrorCode::RateLimited, e.to_string())
                    .with_action(ClientAction::RetryLater);
                a.retry_after = Some(secs);
                a
            }
            E::EnrolmentCodeInvalid => {
                ApiError::new(ErrorCode::EnrollmentCodeInvalid, e.to_string())
                    .with_action(ClientAction::Reenroll)
            }
            E::Store(s) => s.into(),
        }
    }
}

/// Request bodies that carry the protocol version.
pub trait HasProtocol {
    fn protocol(&self) -> ProtocolVersion;
}

macro_rules! has_protocol {
    ($($t:ty),*) => {$(
        impl HasProtocol for $t {
            fn protocol(&self) -> ProtocolVersion { self.protocol }
        }
    )*};
}
has_protocol!(
    PushRequest,
    PullRequest,
    EnrollRequest,
    LoginRequest,
    ReviewRequest,
    CaseMoveRequest,
    RosterRequest,
    RouteChangeRequest,
    RosterRemoveRequest,
    ReferralRequest,
    FindRequestRequest,
    PlanRequest,
    MonitoringRequest,
    ClosureRequest,
    SupportRecordRequest,
    MeetingRequest,
    HandOverRequest
);

/// A JSON body parsed strictly: malformed JSON, unknown fields, wrong types,
/// an unsupported protocol major and an oversized body each become a 4xx
/// with an `ErrorBody`.
pub struct ApiJson<T>(pub T);

impl<T> FromRequest<AppState> for ApiJson<T>
where
    T: DeserializeOwned + HasProtocol,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        // A body sent slowly holds a slot: it gets `body_timeout`, well
        // under the whole request's timeout.
        let read = Bytes::from_request(req, state);
        let bytes = match tokio::time::timeout(state.limits.body_timeout, read).await {
            Ok(r) => r.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(ErrorCode::PayloadTooLarge, "the request body is too large")
                } else {
                    ApiError::invalid("the request body could not be read")
                }
            })?,
            Err(_) => {
                tracing::info!("request body not received in time");
                let mut e = ApiError::new(
                    ErrorCode::Unavailable,
                    "the request body was not received in time; try again",
                )
                .with_action(ClientAction::RetryLater);
                e.retry_after = Some(5);
                return Err(e);
            }
        };
        parse_body(&bytes).map(ApiJson)
    }
}

/// Parses a request body (see [`ApiJson`]).
pub fn parse_body<T: DeserializeOwned + HasProtocol>(bytes: &[u8]) -> Result<T, ApiError> {
    match serde_json::from_slice::<T>(bytes) {
        Ok(v) => {
            let p = v.protocol();
            if p.is_supported() {
                Ok(v)
            } else {
                Err(ErrorBody::unsupported(p).into())
            }
        }
        Err(e) => {
            #[derive(serde::Deserialize)]
            struct Probe {
                protocol: Option<String>,
            }
            if let Ok(Probe { protocol: Some(p) }) = serde_json::from_slice::<Probe>(bytes)
                && let Ok(v) = p.parse::<ProtocolVersion>()
                && !v.is_supported()
            {
                return Err(ErrorBody::unsupported(v).into());
            }
            use serde_json::error::Category;
            Err(match e.classify() {
                Category::Syntax | Category::Eof => ApiError::new(
                    ErrorCode::MalformedJson,
                    format!("the body is not valid JSON: {e}"),
                ),
                Category::Data | Category::Io => {
                    ApiError::invalid(format!("the body does not match the request type: {e}"))
                }
            })
        }
    }
}

/// The authenticated caller (device token or office session token).
pub struct Auth(pub Caller);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = match parts.extensions.get::<Authenticated>() {
            // Already resolved before the sync slot was taken.
            Some(Authenticated(c)) => c.clone(),
            None => {
                let token = bearer_token(parts)?;
                let now = Utc::now();
                state
                    .read(move |tx| engine::authenticate(tx, &token, now))
                    .await?
            }
        };
        if let Some(d) = caller.device {
            state.rate.check(crate::state::device_key(d))?;
        }
        Ok(Auth(caller))
    }
}

/// The request's bearer token, present and well-formed but not yet checked.
fn bearer_token(parts: &Parts) -> Result<zeroize::Zeroizing<String>, ApiError> {
    let token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| zeroize::Zeroizing::new(t.trim().to_owned()))
        .ok_or_else(|| ApiError::unauthorized("a bearer token is required"))?;
    if token.is_empty() || token.len() > 200 {
        return Err(ApiError::unauthorized(
            "missing, unknown or expired bearer token",
        ));
    }
    Ok(token)
}

/// The caller resolved by [`sync_slot`] before it took a slot (a request
/// extension that [`Auth`] reuses).
#[derive(Clone)]
struct Authenticated(Caller);

fn office_only(c: &Caller) -> Result<(), ApiError> {
    if c.device.is_some() {
        Err(ApiError::forbidden(
            "this endpoint is for office sessions, not devices",
        ))
    } else {
        Ok(())
    }
}

/// Audits a read the engine refused (not found, not visible, not
/// allowed) by an authenticated caller, then gives the refusal back: a
/// denied read leaves a trace.
async fn denied<T>(
    st: &AppState,
    c: &Caller,
    action: &'static str,
    entity: String,
    r: Result<T, engine::Error>,
) -> Result<T, ApiError> {
    match r {
        Ok(v) => Ok(v),
        Err(e @ (engine::Error::NotFound(_) | engine::Error::Forbidden(_))) => {
            let (c, why, now) = (c.clone(), e.to_string(), Utc::now());
            let logged = st
                .write(move |tx| engine::audit_log::audit_denied(tx, &c, action, entity, &why, now))
                .await;
            if logged.is_err() {
                tracing::warn!("a refused read could not be audited");
            }
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// [`office_only`], with the refusal audited.
async fn office_read(
    st: &AppState,
    c: &Caller,
    action: &'static str,
    entity: impl FnOnce() -> String,
) -> Result<(), ApiError> {
    if c.device.is_some() {
        denied(
            st,
            c,
            action,
            entity(),
            Err::<(), _>(engine::Error::forbidden(
                "this endpoint is for office sessions, not devices",
            )),
        )
        .await
    } else {
        Ok(())
    }
}

fn parse_id<T>(s: &str, parse: fn(&str) -> Result<T, uuid::Error>) -> Result<T, ApiError> {
    parse(s).map_err(|_| ApiError::invalid("the id in the path is not a UUID"))
}

/// The answer of `GET /healthz`.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Health {
    /// `ok`, or `degraded` (with status 503) when the storage does not answer.
    pub status: HealthStatus,
    /// The protocol this server speaks.
    pub protocol: ProtocolVersion,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// The server's version.
    pub version: &'static str,
}

/// Whether the server can serve.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
    Degraded,
}

async fn healthz(State(st): State<AppState>) -> (StatusCode, Json<Health>) {
    let ok = st.read(engine::storage_ready).await.is_ok();
    let body = Health {
        status: if ok {
            HealthStatus::Ok
        } else {
            HealthStatus::Degraded
        },
        protocol: ProtocolVersion::CURRENT,
        backend: st.store.backend(),
        version: env!("CARGO_PKG_VERSION"),
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}

/// The client's address (see [`AppState::client_addr`]), for the limits of
/// unauthenticated requests. Never logged, never stored (the login's audit
/// keeps a short hash of it).
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        Ok(ClientAddr(
            st.client_addr(&parts.headers, &parts.extensions),
        ))
    }
}

async fn enroll(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<Json<EnrollResponse>, ApiError> {
    // Guessing codes (about 59 bits each) is hopeless, but every attempt
    // takes the writer: wrong codes are limited per client address. A
    // limited client's valid code still passes (checked on a reader first),
    // and no client can use up anyone else's budget.
    let key = crate::state::hashed_key("enrol-client", &addr);
    let now = Utc::now();
    if let Err(limited) = st.guests.enrol_client.peek(key) {
        let code = req.code.clone();
        let valid = st
            .read(move |tx| engine::enrolment::code_is_valid(tx, &code, now))
            .await?;
        if !valid {
            return Err(limited);
        }
    }
    let resp = st.write(move |tx| engine::enroll(tx, &req, now)).await;
    if matches!(&resp, Err(engine::Error::EnrolmentCodeInvalid)) {
        let _ = st.guests.enrol_client.check(key);
    }
    let resp = resp?;
    tracing::info!(device = %resp.device_id, "device enrolled");
    Ok(Json(resp))
}

async fn login(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    // Before any work: per address, in memory.
    crate::state::check_client(&st.guests.login_client, "login-client", &addr)?;
    let client = engine::sessions::client_tag(&addr);
    // At most a few Argon2 runs at once (memory).
    let _slot = st
        .argon2_slots
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::internal())?;
    let ttl = st.limits.session_ttl;
    let (store, keys) = (st.store.clone(), st.keys.clone());
    let now = Utc::now();
    let password = zeroize::Zeroizing::new(req.password);
    let (username, code) = (req.username, req.totp);
    let res = tokio::task::spawn_blocking(move || {
        let creds = engine::sessions::Credentials {
            username: &username,
            password: &password,
            totp: code.as_deref(),
        };
        engine::sessions::api_login(&*store, &keys.totp, &creds, &client, ttl, now)
    })
    .await
    .map_err(|_| ApiError::internal())??;
    Ok(Json(res))
}

async fn logout(
    State(st): State<AppState>,
    Auth(c): Auth,
    parts: axum::http::HeaderMap,
) -> Result<StatusCode, ApiError> {
    office_only(&c)?;
    let token = parts
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| crate::crypto::token_hash(t.trim()))
        .ok_or_else(|| ApiError::unauthorized("a bearer token is required"))?;
    st.write(move |tx| engine::sessions::api_logout(tx, &token))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn push(
    State(st): State<AppState>,
    Auth(c): Auth,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    let Some(device) = c.device else {
        return Err(ApiError::forbidden("push is for enrolled devices"));
    };
    if req.device_id != device {
        return Err(ApiError::forbidden("the push names another device"));
    }
    if req.operations.len() > st.limits.max_batch {
        return Err(ApiError::new(
            ErrorCode::BatchTooLarge,
            format!("a push carries at most {} operations", st.limits.max_batch),
        ));
    }
    let clock = st.clock.clone();
    let now = Utc::now();
    let n = req.operations.len();
    // Hashing and encoding need no database: done here, in parallel with
    // the writer thread, which then does only the serial part.
    let prepared = engine::prepare_push(&req.operations, now);
    let results = st
        .write(move |tx| {
            Ok(engine::push_prepared(
                tx,
                &c,
                &clock,
                &req.operations,
                &prepared,
                now,
            )?)
        })
        .await?;
    let applied = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Applied { .. }))
        .count();
    let duplicates = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Duplicate { .. }))
        .count();
    crate::metrics::metrics().push(applied, duplicates, n - applied - duplicates);
    tracing::info!(device = %device, operations = n, applied, "push committed");
    Ok(Json(PushResponse {
        protocol: ProtocolVersion::CURRENT,
        results,
        server_time: Utc::now(),
    }))
}

async fn pull(
    State(st): State<AppState>,
    Auth(c): Auth,
    ApiJson(req): ApiJson<PullRequest>,
) -> Result<Json<engine::PullBody>, ApiError> {
    if req.limit == 0 || req.limit > MAX_PULL_LIMIT {
        return Err(ApiError::invalid(format!(
            "limit must be between 1 and {MAX_PULL_LIMIT}"
        )));
    }
    let caller = c.clone();
    let page = st
        .read(move |tx| {
            Ok(engine::pull(
                tx,
                &caller,
                req.cursor,
                req.limit,
                req.protocol.minor,
            )?)
        })
        .await?;
    if !page.persons_read.is_empty() {
        let persons = page.persons_read.clone();
        let now = Utc::now();
        st.write(move |tx| Ok(engine::audit_pull(tx, &c, &persons, now)?))
            .await?;
    }
    crate::metrics::metrics().pull(page.response.changes.len());
    Ok(Json(page.response))
}

async fn get_person(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
) -> Result<Json<PersonSnapshot>, ApiError> {
    let id = parse_id(&id, PersonId::parse)?;
    office_read(&st, &c, "read.person", || format!("person:{id}")).await?;
    let now = Utc::now();
    let caller = c.clone();
    let r = st
        .write(move |tx| engine::read_person(tx, &caller, id, now))
        .await;
    Ok(Json(
        denied(&st, &c, "read.person", format!("person:{id}"), r).await?,
    ))
}

/// `POST /api/v1/persons/{id}/handover`: a supervisor gives the person to
/// another worker of the team (`engine::handover`; the rule and its audit
/// are the engine's, as for the console).
async fn post_handover(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<HandOverRequest>,
) -> Result<Json<outreach_shared::HandOver>, ApiError> {
    let id = parse_id(&id, PersonId::parse)?;
    office_only(&c)?;
    let clock = st.clock.clone();
    let now = Utc::now();
    let r = st
        .write(move |tx| {
            engine::handover::reassign_audited(tx, &c, &clock, id, req.worker, &req.note, now)
        })
        .await?;
    Ok(Json(r?))
}

async fn post_review(
    State(st): State<AppState>,
    Auth(c): Auth,
    ApiJson(req): ApiJson<ReviewRequest>,
) -> Result<Json<ReviewResponse>, ApiError> {
    office_only(&c)?;
    if c.actor.role != Role::Supervisor {
        return Err(ApiError::forbidden("reviews are written by supervisors"));
    }
    let clock = st.clock.clone();
    let now = Utc::now();
    Ok(Json(
        st.write(move |tx| engine::review(tx, &c, &clock, &req, now))
            .await?,
    ))
}

async fn list_cases(State(st): State<AppState>, Auth(c): Auth) -> Result<Json<CaseList>, ApiError> {
    office_read(&st, &c, "read.case_list", || "cases".into()).await?;
    let caller = c.clone();
    let r = st.read(move |tx| engine::list_cases(tx, &caller)).await;
    let items = denied(&st, &c, "read.case_list", "cases".into(), r).await?;
    // One entry per case (and its person) listed.
    let shown: Vec<String> = items
        .iter()
        .map(|i| {
            format!(
                "case:{} person:{}",
                i.escalation.case_id, i.escalation.person_id
            )
        })
        .collect();
    let now = Utc::now();
    st.write(move |tx| {
        engine::audit_log::audit_shown(tx, &c, "read.case_list", &shown, "API case list", now)
    })
    .await?;
    Ok(Json(CaseList {
        protocol: ProtocolVersion::CURRENT,
        items,
    }))
}

async fn get_case(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
) -> Result<Json<CaseDetail>, ApiError> {
    let id = parse_id(&id, CaseId::parse)?;
    office_read(&st, &c, "read.case", || format!("case:{id}")).await?;
    let now = Utc::now();
    let caller = c.clone();
    let r = st
        .write(move |tx| engine::case_detail(tx, &caller, id, now))
        .await;
    Ok(Json(
        denied(&st, &c, "read.case", format!("case:{id}"), r).await?,
    ))
}

async fn get_case_status(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
) -> Result<Json<CaseStatusView>, ApiError> {
    let id = parse_id(&id, CaseId::parse)?;
    office_read(&st, &c, "read.case_status", || format!("case:{id}")).await?;
    let now = Utc::now();
    let caller = c.clone();
    let r = st
        .write(move |tx| engine::cases::case_status(tx, &caller, id, now))
        .await;
    Ok(Json(
        denied(&st, &c, "read.case_status", format!("case:{id}"), r).await?,
    ))
}

async fn move_case(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CaseMoveRequest>,
) -> Result<Json<CaseDetail>, ApiError> {
    office_only(&c)?;
    let id = parse_id(&id, CaseId::parse)?;
    let clock = st.clock.clone();
    let now = Utc::now();
    let detail = st
        .write(move |tx| engine::move_case(tx, &c, &clock, id, &req, now))
        .await?;
    tracing::info!(case = %id, to = detail.item.status.code(), "case moved");
    Ok(Json(detail))
}

async fn roster(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RosterRequest>,
) -> Result<Json<CaseDetail>, ApiError> {
    office_only(&c)?;
    let id = parse_id(&id, CaseId::parse)?;
    let clock = st.clock.clone();
    let now = Utc::now();
    Ok(Json(
        st.write(move |tx| engine::set_roster(tx, &c, &clock, id, &req, now))
            .await?,
    ))
}

async fn roster_remove(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RosterRemoveRequest>,
) -> Result<Json<CaseDetail>, ApiError> {
    office_only(&c)?;
    let id = parse_id(&id, CaseId::parse)?;
    let clock = st.clock.clone();
    let now = Utc::now();
    Ok(Json(
        st.write(move |tx| engine::remove_roster_member(tx, &c, &clock, id, req.user, now))
            .await?,
    ))
}

async fn change_route(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RouteChangeRequest>,
) -> Result<Json<CaseDetail>, ApiError> {
    office_only(&c)?;
    let id = parse_id(&id, CaseId::parse)?;
    let clock = st.clock.clone();
    let now = Utc::now();
    Ok(Json(
        st.write(move |tx| engine::change_route(tx, &c, &clock, id, &req, now))
            .await?,
    ))
}

async fn referral(
    State(st): State<AppState>,
    Auth(c): Auth,
    ApiJson(req): ApiJson<ReferralRequest>,
) -> Result<Json<ReferralReceipt>, ApiError> {
    office_only(&c)?;
    let clock = st.clock.clone();
    let now = Utc::now();
    Ok(Json(
        st.write(move |tx| engine::referrals::file_referral(tx, &c, &clock, &req, now))
            .await?,
    ))
}

async fn find_request(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<FindRequestRequest>,
) -> Result<Json<CaseDetail>, ApiError> {
    office_only(&c)?;
    let id = parse_id(&id, CaseId::parse)?;
    let clock = st.clock.clone();
    let now = Utc::now();
    Ok(Json(
        st.write(move |tx| engine::referrals::request_find(tx, &c, &clock, id, &req, now))
            .await?,
    ))
}

async fn case_records(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
) -> Result<Json<CaseRecords>, ApiError> {
    let id = parse_id(&id, CaseId::parse)?;
    office_read(&st, &c, "read.case_records", || format!("case:{id}")).await?;
    let now = Utc::now();
    let caller = c.clone();
    let r = st
        .write(move |tx| engine::plans::case_records(tx, &caller, id, now))
        .await;
    Ok(Json(
        denied(&st, &c, "read.case_records", format!("case:{id}"), r).await?,
    ))
}

/// An engine call that writes one of a case's records.
type RecordWrite<R> = fn(
    &mut dyn crate::store::Tx,
    &Caller,
    &engine::ServerClock,
    CaseId,
    &R,
    chrono::DateTime<Utc>,
) -> engine::Result<CaseRecords>;

/// A write of one of a case's records: the handler's common part.
async fn record<R: Send + 'static>(
    st: AppState,
    c: Caller,
    id: String,
    req: R,
    f: RecordWrite<R>,
) -> Result<Json<CaseRecords>, ApiError> {
    office_only(&c)?;
    let id = parse_id(&id, CaseId::parse)?;
    let clock = st.clock.clone();
    let now = Utc::now();
    Ok(Json(
        st.write(move |tx| f(tx, &c, &clock, id, &req, now)).await?,
    ))
}

async fn plan(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<PlanRequest>,
) -> Result<Json<CaseRecords>, ApiError> {
    record(st, c, id, req, engine::plans::record_plan).await
}

async fn monitoring(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<MonitoringRequest>,
) -> Result<Json<CaseRecords>, ApiError> {
    record(st, c, id, req, engine::plans::record_monitoring).await
}

async fn closure(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ClosureRequest>,
) -> Result<Json<CaseRecords>, ApiError> {
    record(st, c, id, req, engine::plans::record_closure).await
}

async fn support_record(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SupportRecordRequest>,
) -> Result<Json<CaseRecords>, ApiError> {
    record(st, c, id, req, engine::plans::record_support_record).await
}

/// The engine's meeting draft from an API request.
fn meeting_draft(req: &MeetingRequest) -> engine::meetings::MeetingDraft {
    engine::meetings::MeetingDraft {
        state: req.state,
        held_on: req.held_on,
        purpose: req.purpose,
        place: req.place.clone(),
        invitees: req.invitees.clone(),
        attended: req
            .attendees
            .iter()
            .map(|a| (a.user, a.role.clone()))
            .collect(),
        decisions: req.decisions.clone(),
    }
}

async fn new_meeting(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<MeetingRequest>,
) -> Result<Json<Meeting>, ApiError> {
    office_only(&c)?;
    let id = parse_id(&id, CaseId::parse)?;
    if req.base_version.is_some() {
        return Err(ApiError::invalid(
            "base_version is for an edit: POST to /api/v1/cases/{id}/meetings/{meeting}",
        ));
    }
    let clock = st.clock.clone();
    let now = Utc::now();
    let draft = meeting_draft(&req);
    Ok(Json(
        st.write(move |tx| engine::meetings::save_meeting(tx, &c, &clock, id, None, draft, now))
            .await?,
    ))
}

async fn edit_meeting(
    State(st): State<AppState>,
    Auth(c): Auth,
    Path((id, meeting)): Path<(String, String)>,
    ApiJson(req): ApiJson<MeetingRequest>,
) -> Result<Json<Meeting>, ApiError> {
    office_only(&c)?;
    let id = parse_id(&id, CaseId::parse)?;
    let meeting = parse_id(&meeting, uuid::Uuid::parse_str)?;
    let Some(base) = req.base_version else {
        return Err(ApiError::invalid(
            "an edit names the version it starts from (base_version)",
        ));
    };
    let clock = st.clock.clone();
    let now = Utc::now();
    let draft = meeting_draft(&req);
    Ok(Json(
        st.write(move |tx| {
            engine::meetings::save_meeting(tx, &c, &clock, id, Some((meeting, base)), draft, now)
        })
        .await?,
    ))
}

async fn feed_cases(
    State(st): State<AppState>,
    headers: axum::http::HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Json<FeedPage>, ApiError> {
    let FeedQuery { after, limit } = serde_urlencoded::from_str(q.as_deref().unwrap_or(""))
        .map_err(|e| {
            ApiError::invalid(format!(
                "the query must be after=<number>&limit=<number>: {e}"
            ))
        })?;
    // A coordinator's session or a service credential (scope: the feed).
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| zeroize::Zeroizing::new(t.trim().to_owned()))
        .filter(|t| !t.is_empty() && t.len() <= 200)
        .ok_or_else(|| ApiError::unauthorized("a bearer token is required"))?;
    let now = Utc::now();
    let reader = st
        .read(move |tx| engine::sessions::authenticate_feed_reader(tx, &token, now))
        .await?;
    if let engine::feed::FeedReader::Office(c) = &reader {
        office_read(&st, c, "read.feed", || "feed".into()).await?;
    }
    if limit == 0 || limit > MAX_PULL_LIMIT {
        return Err(ApiError::invalid(format!(
            "limit must be between 1 and {MAX_PULL_LIMIT}"
        )));
    }
    let r2 = reader.clone();
    let r = st
        .write(move |tx| engine::feed(tx, &r2, after, limit, now))
        .await;
    match &reader {
        engine::feed::FeedReader::Office(c) => Ok(Json(
            denied(&st, c, "read.feed", format!("feed after:{after}"), r).await?,
        )),
        engine::feed::FeedReader::Service(_) => Ok(Json(r?)),
    }
}

/// The answer of `GET /api/v1/feed/key`: the key that verifies the feed's
/// signatures.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct FeedKey {
    /// Always `ed25519`.
    pub algorithm: &'static str,
    /// The verifying key, base64.
    pub key: String,
    /// The key's short id, as the feed's signatures name it.
    pub key_id: String,
}

async fn feed_key(State(st): State<AppState>) -> Json<FeedKey> {
    let key = st.keys.feed.verifying_key();
    Json(FeedKey {
        algorithm: "ed25519",
        key: crate::feed::verifying_key_b64(&key),
        key_id: crate::feed::key_id(&key),
    })
}

async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}

async fn method_not_allowed() -> Response {
    let body = ErrorBody::new(
        ErrorCode::InvalidRequest,
        "method not allowed for this endpoint",
    );
    (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response()
}

/// The request's id: the client's `X-Request-Id` when it is a short token
/// of letters, digits and dashes (a proxy's or the tablet's), else a new
/// random one.
fn request_id(headers: &axum::http::HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| crate::crypto::hex(&crate::crypto::random::<8>()))
}

/// Logs each request by its route template (never the URL's ids, never a
/// body, never a token), under a span with the request's id so that every
/// log line of the request carries it; echoes the id in `X-Request-Id`;
/// counts the request in the metrics.
async fn log_requests(req: Request, next: Next) -> Response {
    use tracing::Instrument;
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let id = request_id(req.headers());
    let span = tracing::info_span!("request", id = %id);
    async move {
        let mut resp = next.run(req).await;
        let status = resp.status().as_u16();
        let took = started.elapsed();
        tracing::info!(
            %method,
            route,
            status,
            ms = took.as_millis() as u64,
            "request"
        );
        crate::metrics::metrics().request(&route, method.as_str(), status, took);
        if let Ok(v) = axum::http::HeaderValue::from_str(&id) {
            resp.headers_mut().insert("x-request-id", v);
        }
        resp
    }
    .instrument(span)
    .await
}

/// Authenticates the bearer token, then waits for a sync slot before the
/// body is read (bounds memory under a burst of tablets). Without a valid
/// token no slot is taken: requests from nobody cannot queue up in front
/// of the tablets.
async fn sync_slot(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let token = match bearer_token(&parts) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let now = Utc::now();
    let caller = match st
        .read(move |tx| engine::authenticate(tx, &token, now))
        .await
    {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if let Some(d) = caller.device {
        crate::metrics::metrics().device_seen(crate::state::hashed_key("metrics", &d.to_string()));
    }
    parts.extensions.insert(Authenticated(caller));
    let req = Request::from_parts(parts, body);
    match st.sync_slots.clone().acquire_owned().await {
        Ok(_permit) => next.run(req).await,
        Err(_) => ApiError::internal().into_response(),
    }
}

/// Answers `503 unavailable` (retry later) when a request takes longer
/// than [`crate::state::Limits::request_timeout`]: a tablet sending its body
/// slowly, or a request stuck behind the others, does not hold the server.
async fn request_timeout(State(st): State<AppState>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(st.limits.request_timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            tracing::warn!("request timed out");
            let mut e = ApiError::new(
                ErrorCode::Unavailable,
                "the request took too long; try again",
            )
            .with_action(ClientAction::RetryLater);
            e.retry_after = Some(5);
            e.into_response()
        }
    }
}

/// The application: every endpoint of [`routes::table`], the console,
/// limits, compression and logging.
pub fn app(state: AppState) -> Router {
    let limit = state.limits.max_body_bytes;
    let mut api = Router::new();
    for r in routes::table() {
        let handler = if r.sync_slot {
            r.handler
                .route_layer(middleware::from_fn_with_state(state.clone(), sync_slot))
        } else {
            r.handler
        };
        api = api.route(r.path, handler);
    }
    api.merge(crate::console::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_timeout,
        ))
        .layer(middleware::from_fn(log_requests))
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(RequestDecompressionLayer::new())
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::drain::drain_unread,
        ))
        .with_state(state)
}
