use std::io::Write;
use std::time::Duration;

use chrono::Utc;
use outreach_shared::protocol::{
    ClientAction, ErrorBody, ErrorCode, Outcome, ProtocolVersion, PullRequest, PullResponse,
    PushRequest, PushResponse, RejectCode, Rejection,
};
use reqwest::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::Store;

/// Operations per push request.
pub const PUSH_BATCH: usize = 1000;
/// Changes per pull page.
pub const PULL_PAGE: u32 = 1000;

/// Why a sync did not complete.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached or did not answer in time. Retryable.
    #[error("the server could not be reached")]
    Offline,
    /// The server is busy or failing (429, 5xx). Retryable.
    #[error("the server is temporarily unavailable (HTTP {0})")]
    Unavailable(u16),
    /// This device was revoked: the caller must wipe the store.
    #[error("this device was revoked and must be wiped")]
    Revoked,
    /// The token is not (or no longer) valid: enrol again.
    #[error("this device is not enrolled on the server")]
    NotEnrolled,
    /// The server speaks another protocol version: update the app.
    #[error("the app must be updated to talk to this server")]
    UpdateApp,
    /// The server refused the request itself (a bug on one side).
    #[error("the server refused the request: {0}")]
    Refused(String),
    /// The enrolment code is wrong, used or expired.
    #[error("the enrolment code is not valid")]
    CodeInvalid,
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] crate::error::StoreError),
}

impl SyncError {
    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, SyncError::Offline | SyncError::Unavailable(_))
    }

    /// The message for the worker, in Japanese, saying what to do.
    pub fn message_ja(&self) -> String {
        match self {
            SyncError::Offline => "サーバーにつながりません。電波のある場所で、もう一度同期してください。記録はこの端末に安全に保存されています。".into(),
            SyncError::Unavailable(_) => "サーバーが混み合っています。しばらくしてから自動で再試行します。記録はこの端末に保存されています。".into(),
            SyncError::Revoked => "この端末は利用停止になりました。端末内のデータを消去します。スーパーバイザーに連絡してください。".into(),
            SyncError::NotEnrolled => "この端末はサーバーに登録されていません。スーパーバイザーから新しい登録コードを受け取り、登録し直してください。".into(),
            SyncError::UpdateApp => "アプリが古いため同期できません。アプリを最新版に更新してください。記録はこの端末に保存されています。".into(),
            SyncError::Refused(_) => "サーバーが同期を受け付けませんでした。時間をおいても続く場合は、スーパーバイザーに連絡してください。".into(),
            SyncError::CodeInvalid => "登録コードが正しくないか、期限切れか、使用済みです。スーパーバイザーに新しいコードを発行してもらってください。".into(),
            SyncError::Store(e) => format!("端末内の記録を読み書きできませんでした（{e}）。アプリを再起動してください。"),
        }
    }
}

/// What a sync is doing, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPhase {
    Pushing,
    Pulling,
    Waiting,
    Done,
}

/// Progress of a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    /// Operations pushed (acknowledged or rejected) so far.
    pub pushed: u64,
    /// Operations that were waiting when the sync started.
    pub to_push: u64,
    /// Changes pulled so far.
    pub pulled: u64,
}

/// What one completed sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub acknowledged: u64,
    pub rejected: u64,
    pub pulled: u64,
    pub conflicts: u64,
    /// Server time minus device time, in milliseconds.
    pub clock_offset_ms: i64,
}

/// Retry policy for transient failures.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
    pub attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: Duration::from_millis(500),
            max: Duration::from_secs(60),
            attempts: 6,
        }
    }
}

impl Backoff {
    /// The wait before retry number `attempt` (0-based): a random duration up
    /// to `first * 2^attempt`, capped at `max` (full jitter).
    pub fn delay(&self, attempt: u32, random: u64) -> Duration {
        let cap = self
            .first
            .saturating_mul(1u32 << attempt.min(20))
            .min(self.max);
        let ms = cap.as_millis() as u64;
        Duration::from_millis(if ms == 0 { 0 } else { random % (ms + 1) })
    }
}

/// A client for one server and one enrolled device.
pub struct SyncClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl std::fmt::Debug for SyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncClient")
            .field("base", &self.base)
            .field("token", &"<hidden>")
            .finish()
    }
}

/// Builds the HTTP client every request of the app uses.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5).min(timeout))
        .timeout(timeout)
        .user_agent(concat!("hamura-outreach/", env!("CARGO_PKG_VERSION")))
        .gzip(true)
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

impl SyncClient {
    /// A client for `base` (e.g. `https://outreach.example.jp`) with the
    /// device's bearer token.
    pub fn new(base: &str, token: &str) -> Self {
        Self::with_timeout(base, token, Duration::from_secs(30))
    }

    pub fn with_timeout(base: &str, token: &str, timeout: Duration) -> Self {
        Self {
            http: http_client(timeout),
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        }
    }

    async fn post<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        path: &str,
        body: &Req,
    ) -> Result<Resp, SyncError> {
        let json = serde_json::to_vec(body).map_err(|e| SyncError::Refused(e.to_string()))?;
        let mut gz = flate2::write::GzEncoder::new(
            Vec::with_capacity(json.len() / 4),
            flate2::Compression::fast(),
        );
        gz.write_all(&json)
            .map_err(|e| SyncError::Refused(e.to_string()))?;
        let body = gz.finish().map_err(|e| SyncError::Refused(e.to_string()))?;
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_ENCODING, "gzip")
            .body(body)
            .send()
            .await
            .map_err(|_| SyncError::Offline)?;
        read_response(resp, path).await
    }

    /// Pushes every pending operation, in batches, until the outbox holds
    /// only rejected ones.
    pub async fn push<S: StoreAccess>(
        &self,
        store: &S,
        progress: &mut dyn FnMut(SyncProgress),
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let to_push = store.with(|s| Ok(s.outbox_status()?.pending)).await?;
        let mut pushed = 0u64;
        loop {
            let request = store
                .with(|s| {
                    let batch = s.outbox_batch(PUSH_BATCH)?;
                    let ids: Vec<_> = batch.items.iter().map(|e| e.op.id).collect();
                    s.note_push_attempt(&ids)?;
                    let request = PushRequest {
                        protocol: ProtocolVersion::CURRENT,
                        device_id: s.identity().device_id,
                        operations: batch.items.into_iter().map(|e| e.op).collect(),
                    };
                    Ok((request, s.device_clock()))
                })
                .await?;
            let (request, sent_at) = request;
            if request.operations.is_empty() {
                break;
            }
            let response: PushResponse = self.post("/api/v1/sync/push", &request).await?;
            let offset = offset_ms(sent_at, response.server_time);
            report.clock_offset_ms = offset;
            let answered = response.results.len() as u64;
            let (acked, rejected) = store
                .with(move |s| {
                    s.set_clock_offset(offset)?;
                    let mut acked = Vec::new();
                    let mut rejected = 0u64;
                    for r in &response.results {
                        match &r.outcome {
                            Outcome::Applied { .. } | Outcome::Duplicate { .. } => acked.push(r.id),
                            Outcome::Rejected(rej) => {
                                s.record_rejection(r.id, rej)?;
                                rejected += 1;
                            }
                            Outcome::Conflict { message } => {
                                s.record_rejection(
                                    r.id,
                                    &Rejection {
                                        code: RejectCode::StaleState,
                                        message: message.clone(),
                                        field_errors: Vec::new(),
                                    },
                                )?;
                                rejected += 1;
                            }
                        }
                    }
                    Ok((s.acknowledge(&acked)? as u64, rejected))
                })
                .await?;
            report.acknowledged += acked;
            report.rejected += rejected;
            pushed += answered;
            progress(SyncProgress {
                phase: SyncPhase::Pushing,
                pushed,
                to_push,
                pulled: report.pulled,
            });
            if answered == 0 {
                return Err(SyncError::Refused("push answered no operation".into()));
            }
        }
        Ok(())
    }

    /// Pulls every page after the stored cursor, applying each page in one
    /// transaction with its cursor.
    pub async fn pull<S: StoreAccess>(
        &self,
        store: &S,
        progress: &mut dyn FnMut(SyncProgress),
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        loop {
            let (cursor, sent_at) = store
                .with(|s| Ok((s.pull_cursor()?, s.device_clock())))
                .await?;
            let request = PullRequest {
                protocol: ProtocolVersion::CURRENT,
                cursor,
                limit: PULL_PAGE,
            };
            let page: PullResponse = self.post("/api/v1/sync/pull", &request).await?;
            let offset = offset_ms(sent_at, page.server_time);
            report.clock_offset_ms = offset;
            let more = page.has_more && !page.changes.is_empty();
            let n = page.changes.len() as u64;
            let applied = store
                .with(move |s| {
                    s.set_clock_offset(offset)?;
                    s.apply_pull_page(&page)
                })
                .await?;
            report.pulled += n;
            report.conflicts += applied.conflicts as u64;
            progress(SyncProgress {
                phase: SyncPhase::Pulling,
                pushed: report.acknowledged + report.rejected,
                to_push: 0,
                pulled: report.pulled,
            });
            if !more {
                break;
            }
        }
        Ok(())
    }

    /// One sync: push everything, then pull everything. Records the outcome
    /// for the sync bar.
    pub async fn sync_once<S: StoreAccess>(
        &self,
        store: &S,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        let result = async {
            self.push(store, progress, &mut report).await?;
            self.pull(store, progress, &mut report).await
        }
        .await;
        if matches!(result, Err(SyncError::Revoked)) {
            // The server says this device was revoked: destroy the data key
            // now, so nothing on the tablet can be read any more. The front
            // end then removes the files (`Store::wipe`).
            store.with(|s| s.destroy_keys()).await?;
            return Err(SyncError::Revoked);
        }
        let note = result.as_ref().err().map(SyncError::message_ja);
        store
            .with(move |s| s.note_sync_result(note.as_deref()))
            .await?;
        result?;
        progress(SyncProgress {
            phase: SyncPhase::Done,
            pushed: report.acknowledged + report.rejected,
            to_push: 0,
            pulled: report.pulled,
        });
        Ok(report)
    }

    /// Syncs, retrying transient failures with exponential backoff and full
    /// jitter. On [`SyncError::Revoked`] the caller wipes the store.
    pub async fn sync<S: StoreAccess>(
        &self,
        store: &S,
        backoff: Backoff,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncReport, SyncError> {
        let mut attempt = 0;
        loop {
            match self.sync_once(store, progress).await {
                Err(e) if e.is_transient() && attempt + 1 < backoff.attempts => {
                    let wait = backoff.delay(attempt, random_u64());
                    progress(SyncProgress {
                        phase: SyncPhase::Waiting,
                        pushed: 0,
                        to_push: 0,
                        pulled: 0,
                    });
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// How the sync client reaches the store. The CLI owns the store on its own
/// thread ([`Direct`]); the app reaches it through the store thread, so that
/// no tap waits for the network.
pub trait StoreAccess {
    /// Runs `f` with the store and returns its result.
    fn with<R, F>(&self, f: F) -> impl Future<Output = Result<R, SyncError>>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> crate::Result<R> + Send + 'static;
}

/// Direct access to a store owned by the calling thread.
pub struct Direct<'a>(std::cell::RefCell<&'a mut Store>);

impl<'a> Direct<'a> {
    pub fn new(store: &'a mut Store) -> Self {
        Self(std::cell::RefCell::new(store))
    }
}

impl StoreAccess for Direct<'_> {
    fn with<R, F>(&self, f: F) -> impl Future<Output = Result<R, SyncError>>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> crate::Result<R> + Send + 'static,
    {
        let r = f(&mut self.0.borrow_mut()).map_err(SyncError::from);
        std::future::ready(r)
    }
}

/// Enrols this device with a one-time code a supervisor issued. Returns the
/// device's identity and token; the caller creates (or updates) the store
/// with them and keeps the token sealed ([`Store::set_server_link`]).
pub async fn enroll(
    server: &str,
    code: &str,
    device_label: &str,
) -> Result<outreach_shared::protocol::EnrollResponse, SyncError> {
    let request = outreach_shared::protocol::EnrollRequest {
        protocol: ProtocolVersion::CURRENT,
        code: code.trim().to_owned(),
        device_label: device_label.to_owned(),
        platform: std::env::consts::OS.to_owned(),
    };
    let base = server.trim_end_matches('/');
    let resp = http_client(Duration::from_secs(20))
        .post(format!("{base}/api/v1/enroll"))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(&request).map_err(|e| SyncError::Refused(e.to_string()))?)
        .send()
        .await
        .map_err(|_| SyncError::Offline)?;
    read_response(resp, "/api/v1/enroll").await
}

/// Reads a JSON answer, or turns an error answer into what the client does
/// about it.
async fn read_response<T: DeserializeOwned>(
    resp: reqwest::Response,
    path: &str,
) -> Result<T, SyncError> {
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|_| SyncError::Offline)?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map_err(|_| SyncError::Refused(format!("unreadable {path} response")));
    }
    let err: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
    Err(classify(status, err.as_ref()))
}

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}

/// Server time minus device time; the request's round trip is small against
/// the skews that matter (minutes to days), so the send time is used.
fn offset_ms(sent_at: chrono::DateTime<Utc>, server: chrono::DateTime<Utc>) -> i64 {
    let offset = (server - sent_at).num_milliseconds();
    // Under two seconds is network latency, not skew.
    if offset.abs() < 2_000 { 0 } else { offset }
}

/// Maps an HTTP error status and body to what the client does about it.
pub fn classify(status: StatusCode, body: Option<&ErrorBody>) -> SyncError {
    let action = body.and_then(|b| b.action);
    let code = body.map(|b| b.code);
    match (status, action, code) {
        (_, Some(ClientAction::Wipe), _) | (_, _, Some(ErrorCode::DeviceRevoked)) => {
            SyncError::Revoked
        }
        (_, Some(ClientAction::UpdateApp), _) | (_, _, Some(ErrorCode::UnsupportedProtocol)) => {
            SyncError::UpdateApp
        }
        (_, _, Some(ErrorCode::EnrollmentCodeInvalid)) => SyncError::CodeInvalid,
        (StatusCode::UNAUTHORIZED, _, _) | (_, Some(ClientAction::Reenroll), _) => {
            SyncError::NotEnrolled
        }
        (s, _, _) if s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error() => {
            SyncError::Unavailable(s.as_u16())
        }
        (s, _, _) => SyncError::Refused(
            body.map(|b| b.message.clone())
                .unwrap_or_else(|| format!("HTTP {s}")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = Backoff {
            first: Duration::from_millis(100),
            max: Duration::from_secs(2),
            attempts: 10,
        };
        assert!(b.delay(0, u64::MAX) <= Duration::from_millis(100));
        assert!(b.delay(3, u64::MAX) <= Duration::from_millis(800));
        assert!(b.delay(30, u64::MAX) <= Duration::from_secs(2));
        assert_eq!(b.delay(5, 0), Duration::ZERO);
        // Full jitter spreads the waits.
        let waits: std::collections::BTreeSet<_> =
            (0..50u64).map(|r| b.delay(4, r * 7919)).collect();
        assert!(waits.len() > 10);
    }

    #[test]
    fn errors_are_classified() {
        let revoked =
            ErrorBody::new(ErrorCode::DeviceRevoked, "revoked").with_action(ClientAction::Wipe);
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, Some(&revoked)),
            SyncError::Revoked
        ));
        let old = ErrorBody::unsupported("2.0".parse().unwrap());
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, Some(&old)),
            SyncError::UpdateApp
        ));
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, None),
            SyncError::NotEnrolled
        ));
        let bad_code = ErrorBody::new(ErrorCode::EnrollmentCodeInvalid, "code");
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, Some(&bad_code)),
            SyncError::CodeInvalid
        ));
        assert!(matches!(
            classify(StatusCode::SERVICE_UNAVAILABLE, None),
            SyncError::Unavailable(503)
        ));
        assert!(matches!(
            classify(StatusCode::TOO_MANY_REQUESTS, None),
            SyncError::Unavailable(429)
        ));
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, None),
            SyncError::Refused(_)
        ));
        assert!(SyncError::Offline.is_transient());
        assert!(!SyncError::Revoked.is_transient());
        assert!(SyncError::UpdateApp.message_ja().contains("更新"));
    }

    #[test]
    fn small_offsets_are_latency() {
        let t = Utc::now();
        assert_eq!(offset_ms(t, t + chrono::Duration::milliseconds(800)), 0);
        let days = chrono::Duration::days(3);
        assert_eq!(offset_ms(t, t + days), days.num_milliseconds());
    }
}
