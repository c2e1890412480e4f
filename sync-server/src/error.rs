//! The API's typed error: a machine-readable [`ErrorCode`], an English
//! message and, where the client must act, a [`ClientAction`]. Rendered as
//! `shared`'s [`ErrorBody`] with the fitting HTTP status.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use outreach_shared::FieldError;
use outreach_shared::protocol::{ClientAction, ErrorBody, ErrorCode};

use crate::store::StoreError;

/// An error answered to a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    /// English; never carries personal data.
    pub message: String,
    pub action: Option<ClientAction>,
    pub field_errors: Vec<FieldError>,
    /// Seconds, for `429` and `503`.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            action: None,
            field_errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn with_action(mut self, action: ClientAction) -> Self {
        self.action = Some(action);
        self
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }

    pub fn validation(errors: outreach_shared::ValidationErrors) -> Self {
        let mut e = Self::new(ErrorCode::ValidationFailed, errors.to_string());
        e.field_errors = errors.0;
        e
    }

    pub fn revoked() -> Self {
        Self::new(
            ErrorCode::DeviceRevoked,
            "this device was revoked: erase its keys and data",
        )
        .with_action(ClientAction::Wipe)
    }

    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "internal server error")
            .with_action(ClientAction::RetryLater)
    }

    /// The HTTP status of the code.
    pub fn status(&self) -> StatusCode {
        match self.code {
            ErrorCode::MalformedJson
            | ErrorCode::InvalidRequest
            | ErrorCode::UnsupportedProtocol => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized
            | ErrorCode::DeviceRevoked
            | ErrorCode::EnrollmentCodeInvalid => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::PayloadTooLarge | ErrorCode::BatchTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let mut b = ErrorBody::new(self.code, self.message.clone());
        b.action = self.action;
        b.field_errors = self.field_errors.clone();
        b
    }
}

impl From<ErrorBody> for ApiError {
    fn from(b: ErrorBody) -> Self {
        Self {
            code: b.code,
            message: b.message,
            action: b.action,
            field_errors: b.field_errors,
            retry_after: None,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Busy => {
                let mut e = ApiError::new(ErrorCode::Unavailable, "the server is busy; try again")
                    .with_action(ClientAction::RetryLater);
                e.retry_after = Some(2);
                e
            }
            StoreError::Saturated => {
                let mut e = ApiError::new(
                    ErrorCode::Unavailable,
                    "every connection to the database is in use; try again in a few seconds",
                )
                .with_action(ClientAction::RetryLater);
                e.retry_after = Some(2);
                e
            }
            other => {
                // The store's messages name statements, never row values.
                tracing::error!(error = %other, "storage failure");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut resp = (status, axum::Json(self.body())).into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}
