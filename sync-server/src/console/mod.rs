//! The web console (issue 7): server-rendered pages for supervisors (社協),
//! coordinators (社会福祉課) and agency members, served under `/console`.
//!
//! It owns: the office login's cookies and CSRF tokens ([`session`]; the
//! login rules themselves — password, lockout, TOTP, session lifetimes —
//! are [`crate::engine::sessions`]); the supervisors' review queue, team
//! overview and devices ([`review`], [`team`], [`devices`]); the
//! coordinators' case board and triage ([`cases`]), the プラン, monitoring,
//! closure evaluation and 支援会議 record ([`plans`]), meetings and printable
//! agendas ([`meetings`]), referrals from agencies ([`referrals`]); the
//! evaluation report ([`report`]); the 地域資源 catalogue of 参加支援
//! ([`resources`]); the audit
//! viewer ([`audit_view`]). Pages are HTML from `maud` templates with one
//! small CSS file and no JavaScript; every Japanese string lives in
//! [`text`], and engine errors become Japanese pages here
//! (`From<engine::Error> for PageError`).
//!
//! A page gathers its input (path, form, query), calls one engine function
//! (which decides with `shared::access::decide`, writes, and audits in the
//! same transaction) and renders the answer. It must never: call a store
//! primitive itself; skip the engine's rules; put a name or other personal
//! data in a URL or a log line (URLs carry opaque ids only); store a
//! session token or TOTP secret in clear.

pub mod audit_view;
pub mod cases;
pub mod community;
pub mod devices;
pub mod layout;
pub mod meetings;
pub mod plans;
pub mod referrals;
pub mod report;
pub mod report_excerpts;
pub mod report_narrative;
pub mod report_needs;
pub mod resources;
pub mod review;
pub mod session;
pub mod team;
pub mod text;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use outreach_shared::protocol::ErrorCode;

use crate::engine;
pub use crate::engine::audit_console;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::StoreError;

/// The console's stylesheet (print styles included).
pub const CSS: &str = include_str!("console.css");

/// The console's routes (merged into [`crate::api::app`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console", get(session::home))
        .route("/console/", get(session::home))
        .route("/console/static/console.css", get(css))
        .route(
            "/console/login",
            get(session::login_page).post(session::login),
        )
        .route(
            "/console/login/totp",
            get(session::totp_page).post(session::totp_submit),
        )
        .route("/console/logout", post(session::logout))
        .route("/console/reviews", get(review::queue))
        .route("/console/reviews/{id}/approve", post(review::approve))
        .route("/console/reviews/{id}/return", post(review::return_log))
        .route("/console/team", get(team::overview))
        .route("/console/team/handover", post(team::handover))
        .route("/console/devices", get(devices::list))
        .route("/console/devices/code", post(devices::issue_code))
        .route("/console/devices/{id}/revoke", post(devices::revoke))
        .route(
            "/console/users/{id}/deactivate",
            post(devices::deactivate_user),
        )
        .route("/console/cases", get(cases::board))
        .route("/console/cases/{id}", get(cases::detail))
        .route("/console/cases/{id}/move", post(cases::move_case))
        .route("/console/cases/{id}/roster", post(cases::roster))
        .route(
            "/console/cases/{id}/roster/remove",
            post(cases::roster_remove),
        )
        .route("/console/cases/{id}/route", post(cases::change_route))
        .route("/console/cases/{id}/find", post(cases::find_request))
        .route(
            "/console/cases/{id}/plan",
            get(plans::plan_form).post(plans::plan_submit),
        )
        .route(
            "/console/cases/{id}/monitoring",
            get(plans::monitoring_form).post(plans::monitoring_submit),
        )
        .route(
            "/console/cases/{id}/closure",
            get(plans::closure_form).post(plans::closure_submit),
        )
        .route(
            "/console/cases/{id}/support-record",
            get(plans::support_record_form).post(plans::support_record_submit),
        )
        .route("/console/cases/{id}/meetings", post(meetings::record))
        .route(
            "/console/cases/{id}/meetings/{meeting}",
            get(meetings::edit_form).post(meetings::edit_submit),
        )
        .route("/console/cases/{id}/agenda", get(meetings::agenda))
        .route(
            "/console/referrals",
            get(referrals::form).post(referrals::submit),
        )
        .route("/console/audit", get(audit_view::viewer))
        .route(
            "/console/resources",
            get(resources::list).post(resources::add),
        )
        .route("/console/resources/new", get(resources::new_form))
        .route(
            "/console/resources/{id}",
            get(resources::edit_form).post(resources::edit),
        )
        .route("/console/community", get(community::list))
        .route("/console/report", get(report::page))
        .route("/console/report.csv", get(report::csv))
        .route("/console/report/narrative", post(report_narrative::save))
        .route("/console/report/excerpts", post(report_excerpts::save))
        .route("/console/{*rest}", any(not_found))
}

/// Any other path under `/console`: an HTML 404 page, not the API's JSON.
async fn not_found() -> PageError {
    PageError::not_found()
}

async fn css() -> Response {
    let mut r = CSS.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

/// An error shown as a page: a status, a title and a Japanese message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageError {
    pub status: StatusCode,
    pub title: &'static str,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, title: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            title,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, text::BAD_REQUEST_TITLE, message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            text::BAD_REQUEST_TITLE,
            message,
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            text::FORBIDDEN_TITLE,
            text::FORBIDDEN,
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            text::NOT_FOUND_TITLE,
            text::NOT_FOUND,
        )
    }

    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            text::FORBIDDEN_TITLE,
            text::CSRF_REFUSED,
        )
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        match e.code {
            ErrorCode::ValidationFailed => {
                let msg = e
                    .field_errors
                    .iter()
                    .map(|f| f.message_ja())
                    .collect::<Vec<_>>()
                    .join(" ");
                PageError::invalid(if msg.is_empty() {
                    text::BAD_REQUEST.to_owned()
                } else {
                    msg
                })
            }
            ErrorCode::Forbidden => PageError::forbidden(),
            ErrorCode::NotFound => PageError::not_found(),
            ErrorCode::Unauthorized | ErrorCode::DeviceRevoked => PageError::new(
                StatusCode::UNAUTHORIZED,
                text::LOGIN_TITLE,
                text::SESSION_EXPIRED,
            ),
            ErrorCode::RateLimited => PageError::new(
                StatusCode::TOO_MANY_REQUESTS,
                text::SERVER_ERROR_TITLE,
                text::TOO_MANY,
            ),
            ErrorCode::Conflict => PageError::new(
                StatusCode::CONFLICT,
                text::SERVER_ERROR_TITLE,
                text::CONFLICT,
            ),
            ErrorCode::Unavailable => PageError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                text::SERVER_ERROR_TITLE,
                text::BUSY,
            ),
            ErrorCode::Internal => PageError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                text::SERVER_ERROR_TITLE,
                text::SERVER_ERROR,
            ),
            ErrorCode::MalformedJson
            | ErrorCode::InvalidRequest
            | ErrorCode::UnsupportedProtocol
            | ErrorCode::PayloadTooLarge
            | ErrorCode::BatchTooLarge
            | ErrorCode::EnrollmentCodeInvalid => PageError::bad_request(text::BAD_REQUEST),
        }
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        ApiError::from(e).into()
    }
}

/// How the console shows an engine error: a Japanese page.
impl From<engine::Error> for PageError {
    fn from(e: engine::Error) -> Self {
        use engine::Error as E;
        match e {
            E::Invalid(v) => {
                let msg =
                    v.0.iter()
                        .map(|f| f.message_ja())
                        .collect::<Vec<_>>()
                        .join(" ");
                PageError::invalid(if msg.is_empty() {
                    text::BAD_REQUEST.to_owned()
                } else {
                    msg
                })
            }
            E::Rule(r) => {
                use outreach_shared::case_rules::CaseRuleError as R;
                PageError::invalid(match r {
                    R::SupportMeetingNeedsPledgedRoster => text::SM_NEEDS_ROSTER,
                    R::PlanRequired => text::PLAN_REQUIRED,
                    R::SupportRecordRequired => text::SUPPORT_RECORD_REQUIRED,
                    R::ClosureNeedsEvaluation => text::CLOSURE_REQUIRED,
                    R::CaseNotOpen => text::CASE_NOT_OPEN,
                    R::AlreadyMultiLayered => text::ALREADY_ML,
                    R::PlanNeedsMultiLayeredRoute => text::PLAN_ML_ONLY,
                    R::SupportRecordNeedsSupportMeeting => text::SUPPORT_RECORD_SM_ONLY,
                    R::NotYetAtMeeting => text::NOT_YET_AT_MEETING,
                    R::NoPlanToMonitor => text::NO_PLAN_TO_MONITOR,
                    R::PlanVersionStale => text::PLAN_STALE,
                    R::ScheduleInPast => text::SCHEDULE_IN_PAST,
                    R::MeetingNeedsInvitee => text::MEETING_NEEDS_INVITEE,
                    R::InviteeNotOnRoster => text::INVITEE_NOT_ON_ROSTER,
                    R::MeetingDateInFuture => text::MEETING_DATE_FUTURE,
                    R::MeetingNeedsDecisions => text::MEETING_NEEDS_DECISIONS,
                    R::MeetingNeedsAttendee => text::MEETING_NEEDS_ATTENDEE,
                    R::AttendeeWithoutPledge => text::MEETING_PLEDGE,
                    R::MeetingAlreadyHeld => text::MEETING_ALREADY_HELD,
                    R::AlreadyOnCaseload => text::ALREADY_ON_CASELOAD,
                    R::MeetingText(_) => text::MEETING_TEXT_TOO_LONG,
                    R::AttendeeNotOnRoster | R::Invalid(_) => text::BAD_REQUEST,
                })
            }
            E::Forbidden(_) => PageError::forbidden(),
            E::NotFound(_) => PageError::not_found(),
            E::Unauthorized(_) | E::DeviceRevoked => PageError::new(
                StatusCode::UNAUTHORIZED,
                text::LOGIN_TITLE,
                text::SESSION_EXPIRED,
            ),
            E::Conflict(m) if m.contains("meeting") => PageError::new(
                StatusCode::CONFLICT,
                text::SERVER_ERROR_TITLE,
                text::MEETING_CHANGED,
            ),
            E::Locked(_) => PageError::new(
                StatusCode::TOO_MANY_REQUESTS,
                text::LOGIN_TITLE,
                text::LOGIN_LOCKED,
            ),
            E::Conflict(_) => PageError::new(
                StatusCode::CONFLICT,
                text::SERVER_ERROR_TITLE,
                text::CONFLICT,
            ),
            E::BadRequest(_) | E::EnrolmentCodeInvalid => PageError::bad_request(text::BAD_REQUEST),
            E::Store(s) => s.into(),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        layout::error_page(&self)
    }
}

/// Result of a page handler.
pub type PageResult = Result<Response, PageError>;

/// Parses an id from the path, or a 400 page.
pub fn parse_id<T>(s: &str, parse: fn(&str) -> Result<T, uuid::Error>) -> Result<T, PageError> {
    parse(s).map_err(|_| PageError::bad_request(text::BAD_ID))
}

/// A 303 redirect (after a POST).
pub fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

pub use crate::crypto::same;
