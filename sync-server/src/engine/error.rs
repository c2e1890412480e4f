//! The engine's error: what went wrong, typed, with no HTTP in it. Each
//! front end says it its own way: the API as JSON with a status
//! (`From<engine::Error> for ApiError` in [`crate::api`]), the console as a
//! Japanese page (`From<engine::Error> for PageError` in
//! [`crate::console`]), the admin commands as a line of text.
//!
//! `StoreError → engine::Error → ApiError / PageError`.

use outreach_shared::ValidationErrors;
use outreach_shared::case_rules::CaseRuleError;

use crate::store::StoreError;

/// Why an engine call did not do what was asked. Messages are English,
/// for the API and the logs, and never carry personal data.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The input breaks a rule of `shared`, field by field.
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// A rule of the case queue refuses the change
    /// (`shared::case_rules`; field errors are [`Error::Invalid`]).
    #[error("{0}")]
    Rule(CaseRuleError),
    /// The request is wrong in a way no field rule names.
    #[error("{0}")]
    BadRequest(String),
    /// Not there, or not visible to the caller (never told apart).
    #[error("{0}")]
    NotFound(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// It already exists.
    #[error("{0}")]
    Conflict(String),
    /// No valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Too many failed logins: the account is locked for this client for
    /// up to this many seconds.
    #[error(
        "too many failed logins: this account is locked for a while; try again later or ask the administrator to unlock it"
    )]
    Locked(u64),
    /// The device was revoked (or its worker deactivated): it must wipe.
    #[error("this device was revoked: erase its keys and data")]
    DeviceRevoked,
    /// The enrolment code is wrong, used or expired.
    #[error("the enrolment code is wrong, used or expired: ask your supervisor for a new one")]
    EnrolmentCodeInvalid,
    /// The store failed or is busy (never the client's fault).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The result of an engine call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::NotFound(message.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::Forbidden(message.into())
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Error::Unauthorized(message.into())
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Error::BadRequest(message.into())
    }

    /// One field at fault.
    pub fn field(field: &str, violation: outreach_shared::Violation) -> Self {
        let mut e = ValidationErrors::default();
        e.push(field, violation);
        Error::Invalid(e)
    }
}

impl From<ValidationErrors> for Error {
    fn from(e: ValidationErrors) -> Self {
        Error::Invalid(e)
    }
}

impl From<CaseRuleError> for Error {
    fn from(e: CaseRuleError) -> Self {
        match e {
            CaseRuleError::Invalid(v) => Error::Invalid(v),
            other => Error::Rule(other),
        }
    }
}
