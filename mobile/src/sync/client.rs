use std::io::Write;
use std::time::Duration;

use chrono::Utc;
use outreach_shared::OperationId;
use outreach_shared::protocol::{
    ClientAction, ErrorBody, ErrorCode, MAX_PULL_LIMIT, Outcome, ProtocolVersion, PullRequest,
    PullResponse, PushRequest, PushResponse, RejectCode, Rejection,
};
use reqwest::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::Store;
use outreach_shared::enrolment::{QrError, SpkiPin};

use super::trust::{self, CertProblem};

/// Operations per push request.
pub const PUSH_BATCH: usize = 1000;
/// Changes in the first pull page: a morning sync fits in it. After a full
/// page the tablet is catching up on a lot, and asks for the server's
/// [`MAX_PULL_LIMIT`] (see [`SyncClient::pull`]).
pub const PULL_PAGE: u32 = 1000;

/// A push request read from the outbox and encoded, waiting to be sent.
struct PushBatch {
    /// The request as [`encode_body`] makes it (empty when there is nothing
    /// to push).
    body: Vec<u8>,
    ids: Vec<OperationId>,
    /// The outbox `seq` of its last operation: the next batch starts after.
    last: i64,
}

/// A request body as sent: JSON, gzip-compressed (fast: the link, not the
/// tablet's CPU, is what is short).
fn encode_body<T: Serialize>(body: &T) -> Result<Vec<u8>, SyncError> {
    let json = serde_json::to_vec(body).map_err(|e| SyncError::Refused(e.to_string()))?;
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(json.len() / 4),
        flate2::Compression::fast(),
    );
    gz.write_all(&json)
        .map_err(|e| SyncError::Refused(e.to_string()))?;
    gz.finish().map_err(|e| SyncError::Refused(e.to_string()))
}

/// Polls a request once, so it is handed to its connection, then lets the
/// connection's task write it (a yield) before the caller does work that
/// may hold this thread. Returns the answer if it is already there.
async fn send_first<F: Future + Unpin>(f: &mut F) -> Option<F::Output> {
    if let Some(v) = poll_once(f).await {
        return Some(v);
    }
    tokio::task::yield_now().await;
    poll_once(f).await
}

/// Polls `f` once: its output if ready.
async fn poll_once<F: Future + Unpin>(f: &mut F) -> Option<F::Output> {
    std::future::poll_fn(|cx| {
        std::task::Poll::Ready(match std::pin::Pin::new(&mut *f).poll(cx) {
            std::task::Poll::Ready(v) => Some(v),
            std::task::Poll::Pending => None,
        })
    })
    .await
}

/// Why a sync did not complete.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No network: the server's name did not resolve, the network is
    /// unreachable, or the server did not answer in time. Retryable.
    #[error("the server could not be reached")]
    Offline,
    /// The network works but nothing accepts connections at the server's
    /// address (server down, wrong address or port). Retryable.
    #[error("the server refused the connection")]
    ConnectionRefused,
    /// The server's certificate is not trusted, or its key is not the one
    /// pinned at enrolment. Never retried: someone must look.
    #[error("the server's certificate was refused ({0:?})")]
    Certificate(CertProblem),
    /// The server asks this device to slow down (429), for `retry_after`
    /// if it said. Retryable after that time.
    #[error("the server asks to retry later")]
    RateLimited { retry_after: Option<Duration> },
    /// The server is failing or overloaded (5xx). Retryable.
    #[error("the server is temporarily unavailable (HTTP {status})")]
    Unavailable {
        status: u16,
        retry_after: Option<Duration>,
    },
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
    /// The server's address is plain `http://` off this device's loopback
    /// (`shared::enrolment::check_server_address`): nothing is sent, and no
    /// answer (a "wipe" included) is read. Never retried.
    #[error("plain http:// is refused for a server off loopback")]
    InsecureServer,
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] crate::error::StoreError),
}

impl SyncError {
    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SyncError::Offline
                | SyncError::ConnectionRefused
                | SyncError::RateLimited { .. }
                | SyncError::Unavailable { .. }
        )
    }

    /// How long the server asked the client to wait (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SyncError::RateLimited { retry_after } | SyncError::Unavailable { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    fn with_retry_after(mut self, wait: Option<Duration>) -> SyncError {
        if let SyncError::RateLimited { retry_after } | SyncError::Unavailable { retry_after, .. } =
            &mut self
        {
            *retry_after = wait;
        }
        self
    }

    /// A stable code for scripts (`outreach --json`) and the app.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Offline => "offline",
            SyncError::ConnectionRefused => "connection_refused",
            SyncError::Certificate(CertProblem::Untrusted) => "certificate_untrusted",
            SyncError::Certificate(CertProblem::KeyChanged) => "server_key_changed",
            SyncError::RateLimited { .. } => "rate_limited",
            SyncError::Unavailable { .. } => "unavailable",
            SyncError::Revoked => "revoked",
            SyncError::NotEnrolled => "not_enrolled",
            SyncError::UpdateApp => "update_app",
            SyncError::Refused(_) => "refused",
            SyncError::CodeInvalid => "code_invalid",
            SyncError::InsecureServer => "insecure_server",
            SyncError::Store(_) => "store",
        }
    }

    /// Turns a failed request into what the worker is told: "offline" only
    /// when there is no network.
    pub fn from_request(e: &reqwest::Error) -> SyncError {
        if let Some(problem) = trust::certificate_problem(e) {
            return SyncError::Certificate(problem);
        }
        let refused = trust::error_chain(e).any(|err| {
            err.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
        });
        if refused {
            SyncError::ConnectionRefused
        } else {
            SyncError::Offline
        }
    }

    /// The message for the worker, in Japanese, saying what to do.
    pub fn message_ja(&self) -> String {
        match self {
            SyncError::Offline => "サーバーにつながりません。電波のある場所で、もう一度同期してください。記録はこの端末に安全に保存されています。".into(),
            SyncError::ConnectionRefused => "サーバーが接続を受け付けていません（サーバーが止まっているか、サーバーの住所が違います）。しばらくしてからもう一度同期し、続く場合はスーパーバイザーに連絡してください。記録はこの端末に保存されています。".into(),
            SyncError::Certificate(CertProblem::Untrusted) => "サーバーの証明書を確認できないため、接続を中止しました（なりすましのおそれがあります）。この場所のWi-Fiでは同期せず、スーパーバイザーに連絡してください。記録はこの端末に保存されています。".into(),
            SyncError::Certificate(CertProblem::KeyChanged) => "サーバーの鍵が登録したときと違うため、接続を中止しました。スーパーバイザーに連絡し、証明書の更新であれば新しい登録用QRコードで登録し直してください。記録はこの端末に保存されています。".into(),
            SyncError::RateLimited { retry_after } => match retry_after {
                Some(w) => format!("サーバーから、約{}秒待ってから送るよう求められました。そのままお待ちいただくか、時間をおいてから同期してください。記録はこの端末に保存されています。", w.as_secs().max(1)),
                None => "サーバーから、時間をおいて送るよう求められました。しばらくしてから同期してください。記録はこの端末に保存されています。".into(),
            },
            SyncError::Unavailable { .. } => "サーバーで一時的な障害が起きています。しばらくしてから自動で再試行します。続く場合はスーパーバイザーに連絡してください。記録はこの端末に保存されています。".into(),
            SyncError::Revoked => "この端末は利用停止になりました。端末内のデータを消去します。スーパーバイザーに連絡してください。".into(),
            SyncError::NotEnrolled => "この端末はサーバーに登録されていません。スーパーバイザーから新しい登録コードを受け取り、登録し直してください。".into(),
            SyncError::UpdateApp => "アプリが古いため同期できません。アプリを最新版に更新してください。記録はこの端末に保存されています。".into(),
            SyncError::Refused(_) => "サーバーが同期を受け付けませんでした。時間をおいても続く場合は、スーパーバイザーに連絡してください。".into(),
            SyncError::CodeInvalid => "登録コードが正しくないか、期限切れか、使用済みです。スーパーバイザーに新しいコードを発行してもらってください。".into(),
            SyncError::InsecureServer => format!("{}記録はこの端末に保存されています。", QrError::PlainHttp.message_ja()),
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

/// The longest `Retry-After` the client waits for inside one sync; a longer
/// one ends the sync with the error (the worker is told when to try again).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// A client for one server and one enrolled device.
pub struct SyncClient {
    /// `None` when the platform's certificate store could not be loaded.
    http: Option<reqwest::Client>,
    base: String,
    token: String,
    /// The protocol minor this client speaks: [`PROTOCOL_MINOR`], or an
    /// older app's ([`SyncClient::speaking_minor`], for upgrade tests).
    minor: u16,
}

impl std::fmt::Debug for SyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncClient")
            .field("base", &self.base)
            .field("token", &"<hidden>")
            .finish()
    }
}

/// Builds the HTTP client every request of the app uses: the platform's
/// certificate store plus the server key pins from enrolment
/// ([`trust`](super::trust)). `None` if the platform's store cannot be
/// loaded.
pub fn http_client(timeout: Duration, pins: &[SpkiPin]) -> Option<reqwest::Client> {
    let tls = trust::tls_config(pins).ok()?;
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5).min(timeout))
        .timeout(timeout)
        .user_agent(concat!("hamura-outreach/", env!("CARGO_PKG_VERSION")))
        .gzip(true)
        // The API never redirects; following one could lead from https://
        // to plain http:// (and a forged "wipe").
        .redirect(reqwest::redirect::Policy::none())
        .use_preconfigured_tls(tls)
        .build()
        .ok()
}

impl SyncClient {
    /// A client for `base` (e.g. `https://outreach.example.jp`) with the
    /// device's bearer token.
    pub fn new(base: &str, token: &str) -> Self {
        Self::with_timeout(base, token, Duration::from_secs(30))
    }

    pub fn with_timeout(base: &str, token: &str, timeout: Duration) -> Self {
        Self::pinned(base, token, &[], timeout)
    }

    /// A client that accepts the server only with one of `pins` (the keys
    /// pinned at enrolment; none: the platform's store decides).
    pub fn pinned(base: &str, token: &str, pins: &[SpkiPin], timeout: Duration) -> Self {
        Self {
            http: http_client(timeout, pins),
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            minor: outreach_shared::protocol::PROTOCOL_MINOR,
        }
    }

    /// This client as an older app of the same major that speaks protocol
    /// minor `minor` (its pulls skip the kinds of change that minor cannot
    /// read): for tests of an app upgrade, never for the field.
    pub fn speaking_minor(mut self, minor: u16) -> Self {
        self.minor = minor.min(outreach_shared::protocol::PROTOCOL_MINOR);
        self
    }

    /// The protocol version this client sends.
    fn protocol(&self) -> ProtocolVersion {
        ProtocolVersion {
            major: outreach_shared::protocol::PROTOCOL_MAJOR,
            minor: self.minor,
        }
    }

    async fn post<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        path: &str,
        body: &Req,
    ) -> Result<Resp, SyncError> {
        let body = encode_body(body)?;
        self.post_encoded(path, body).await
    }

    /// [`SyncClient::post`] of a body already encoded by [`encode_body`].
    async fn post_encoded<Resp: DeserializeOwned>(
        &self,
        path: &str,
        body: Vec<u8>,
    ) -> Result<Resp, SyncError> {
        check_base(&self.base)?;
        let http = self
            .http
            .as_ref()
            .ok_or(SyncError::Certificate(CertProblem::Untrusted))?;
        let resp = http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_ENCODING, "gzip")
            .body(body)
            .send()
            .await
            .map_err(|e| SyncError::from_request(&e))?;
        read_response(resp, path).await
    }

    /// Pushes every pending operation, in batches, until the outbox holds
    /// only rejected ones. The server answers one batch before the next
    /// leaves (it applies them in order), but the next batch is read from
    /// the outbox and encoded while the server works on this one.
    pub async fn push<S: StoreAccess>(
        &self,
        store: &S,
        progress: &mut dyn FnMut(SyncProgress),
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let to_push = store.with(|s| Ok(s.outbox_status()?.pending)).await?;
        let mut pushed = 0u64;
        let protocol = self.protocol();
        let first_clock = store.with(|s| Ok(s.device_clock())).await?;
        // The device clock when a request leaves (the store may be busy
        // reading the next batch then).
        let started = std::time::Instant::now();
        let clock =
            move || first_clock + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
        // The batch after outbox entry `after` (0: from the start).
        let read = |after: i64| async move {
            let (request, ids, last) = store
                .with(move |s| {
                    let batch = s.outbox_batch_after(after, PUSH_BATCH)?;
                    let ids: Vec<OperationId> = batch.items.iter().map(|e| e.op.id).collect();
                    let last = batch.items.last().map_or(after, |e| e.seq);
                    let request = PushRequest {
                        protocol,
                        device_id: s.identity().device_id,
                        operations: batch.items.into_iter().map(|e| e.op).collect(),
                    };
                    Ok((request, ids, last))
                })
                .await?;
            let body = if ids.is_empty() {
                Vec::new()
            } else {
                encode_body(&request)?
            };
            Ok::<_, SyncError>(PushBatch { body, ids, last })
        };
        let mut batch = read(0).await?;
        if !batch.ids.is_empty() {
            let ids = batch.ids.clone();
            store.with(move |s| s.note_push_attempt(&ids)).await?;
        }
        while !batch.ids.is_empty() {
            let sent_at = clock();
            let mut sending = Box::pin(self.post_encoded::<PushResponse>(
                "/api/v1/sync/push",
                std::mem::take(&mut batch.body),
            ));
            let early = send_first(&mut sending).await;
            // The next batch, read while this one is on its way.
            let after = batch.last;
            let (next, response) = match early {
                Some(answer) => (read(after).await, answer),
                None => tokio::join!(read(after), sending),
            };
            let response = response?;
            let next = next?;
            let offset = offset_ms(sent_at, response.server_time);
            report.clock_offset_ms = offset;
            let answered = response.results.len() as u64;
            let sent = std::mem::take(&mut batch.ids);
            let next_ids = next.ids.clone();
            let (acked, rejected, all_answered) = store
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
                    let answered: std::collections::HashSet<OperationId> =
                        response.results.iter().map(|r| r.id).collect();
                    let all_answered = sent.iter().all(|id| answered.contains(id));
                    if all_answered && !next_ids.is_empty() {
                        s.note_push_attempt(&next_ids)?;
                    }
                    Ok((s.acknowledge(&acked)? as u64, rejected, all_answered))
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
            batch = if all_answered {
                next
            } else {
                // Some of this batch is still pending: read again from the
                // start, as the next batch was read after them.
                let again = read(0).await?;
                if !again.ids.is_empty() {
                    let ids = again.ids.clone();
                    store.with(move |s| s.note_push_attempt(&ids)).await?;
                }
                again
            };
        }
        Ok(())
    }

    /// Pulls every page after the stored cursor, applying each page in one
    /// transaction with its cursor. On a slow link the time between pages
    /// is what costs, so:
    /// - pages grow: the first is [`PULL_PAGE`] changes (a morning sync
    ///   stays one small request), the next ones the server's
    ///   [`MAX_PULL_LIMIT`] (a first caseload pull of 10,500 changes takes
    ///   3 requests, not 11);
    /// - the next page is asked for before this one is written: the
    ///   request leaves first, so the round trip and the server's work
    ///   overlap the store's (also when the store is reached directly and
    ///   its work holds this thread, as in the CLI).
    pub async fn pull<S: StoreAccess>(
        &self,
        store: &S,
        progress: &mut dyn FnMut(SyncProgress),
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let self_minor = self.minor;
        let (cursor, first_sent) = store
            .with(move |s| Ok((s.begin_pull(self_minor)?, s.device_clock())))
            .await?;
        // The device clock when a request leaves: the first reading plus the
        // time since (the store thread may be busy applying a page then).
        let started = std::time::Instant::now();
        let clock =
            move || first_sent + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
        let fetch = |cursor: u64, limit: u32| {
            let sent_at = clock();
            let request = PullRequest {
                protocol: self.protocol(),
                cursor,
                limit,
            };
            async move {
                let page: PullResponse = self.post("/api/v1/sync/pull", &request).await?;
                Ok::<_, SyncError>((page, sent_at))
            }
        };
        let mut next = Some(fetch(cursor, PULL_PAGE).await);
        while let Some(fetched) = next.take() {
            let (page, sent_at) = fetched?;
            let offset = offset_ms(sent_at, page.server_time);
            report.clock_offset_ms = offset;
            let more = page.has_more && !page.changes.is_empty();
            let n = page.changes.len() as u64;
            let next_cursor = page.next_cursor;
            // Each page's cursor is stored with it, so a failure of either
            // the request or the write resumes from the last page written.
            let mut fetching = more.then(|| Box::pin(fetch(next_cursor, MAX_PULL_LIMIT)));
            let mut early = None;
            if let Some(f) = fetching.as_mut() {
                early = send_first(f).await;
            }
            let apply = store.with(move |s| {
                s.set_clock_offset(offset)?;
                s.apply_pull_page(&page)
            });
            // The answer is read while the store works (on the store
            // thread in the app; a store reached directly has done its
            // work by now, and the answer waited in the socket).
            let (applied, fetched) = match (early, fetching) {
                (None, Some(f)) => {
                    let (applied, fetched) = tokio::join!(apply, f);
                    (applied, Some(fetched))
                }
                (early, _) => (apply.await, early),
            };
            let applied = applied?;
            next = fetched;
            report.pulled += n;
            report.conflicts += applied.conflicts as u64;
            progress(SyncProgress {
                phase: SyncPhase::Pulling,
                pushed: report.acknowledged + report.rejected,
                to_push: 0,
                pulled: report.pulled,
            });
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
    /// jitter, never sooner than the server's `Retry-After` (one longer than
    /// [`MAX_RETRY_AFTER`] ends the sync). On [`SyncError::Revoked`] the
    /// caller wipes the store.
    pub async fn sync<S: StoreAccess>(
        &self,
        store: &S,
        backoff: Backoff,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncReport, SyncError> {
        let mut attempt = 0;
        loop {
            match self.sync_once(store, progress).await {
                Err(e)
                    if e.is_transient()
                        && attempt + 1 < backoff.attempts
                        && e.retry_after().is_none_or(|w| w <= MAX_RETRY_AFTER) =>
                {
                    let jitter = backoff.delay(attempt, random_u64());
                    let wait = e.retry_after().map_or(jitter, |w| w.max(jitter));
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
    enroll_pinned(server, code, &[], device_label).await
}

/// Enrols with the server key pinned (from the enrolment QR): a server
/// whose certificate has another key is refused before the code is sent.
pub async fn enroll_pinned(
    server: &str,
    code: &str,
    pins: &[SpkiPin],
    device_label: &str,
) -> Result<outreach_shared::protocol::EnrollResponse, SyncError> {
    let request = outreach_shared::protocol::EnrollRequest {
        protocol: ProtocolVersion::CURRENT,
        code: code.trim().to_owned(),
        device_label: device_label.to_owned(),
        platform: std::env::consts::OS.to_owned(),
    };
    let base = server.trim_end_matches('/');
    check_base(base)?;
    let resp = http_client(Duration::from_secs(20), pins)
        .ok_or(SyncError::Certificate(CertProblem::Untrusted))?
        .post(format!("{base}/api/v1/enroll"))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(&request).map_err(|e| SyncError::Refused(e.to_string()))?)
        .send()
        .await
        .map_err(|e| SyncError::from_request(&e))?;
    read_response(resp, "/api/v1/enroll").await
}

/// Refuses a server address the tablet must not talk to (plain `http://`
/// off loopback), before anything is sent.
fn check_base(base: &str) -> Result<(), SyncError> {
    match outreach_shared::enrolment::check_server_address(base) {
        Ok(()) => Ok(()),
        Err(QrError::PlainHttp) => Err(SyncError::InsecureServer),
        Err(_) => Err(SyncError::Refused("the server address is malformed".into())),
    }
}

/// Reads a JSON answer, or turns an error answer into what the client does
/// about it.
async fn read_response<T: DeserializeOwned>(
    resp: reqwest::Response,
    path: &str,
) -> Result<T, SyncError> {
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, Utc::now()));
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| SyncError::from_request(&e))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map_err(|_| SyncError::Refused(format!("unreadable {path} response")));
    }
    let err: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
    Err(classify(status, err.as_ref()).with_retry_after(retry_after))
}

/// Reads a `Retry-After` header: seconds, or an HTTP date (RFC 9110).
pub fn parse_retry_after(value: &str, now: chrono::DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
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
        (StatusCode::TOO_MANY_REQUESTS, _, _) => SyncError::RateLimited { retry_after: None },
        (s, _, _) if s.is_server_error() => SyncError::Unavailable {
            status: s.as_u16(),
            retry_after: None,
        },
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
            SyncError::Unavailable { status: 503, .. }
        ));
        assert!(matches!(
            classify(StatusCode::TOO_MANY_REQUESTS, None),
            SyncError::RateLimited { .. }
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
    fn retry_after_is_read_as_seconds_or_a_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-30T06:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Mon, 30 Nov 2026 06:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Mon, 30 Nov 2026 05:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        let e = SyncError::RateLimited { retry_after: None }
            .with_retry_after(Some(Duration::from_secs(42)));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(42)));
        assert!(e.message_ja().contains("42"));
    }

    #[test]
    fn each_failure_has_its_own_message() {
        let all = [
            SyncError::Offline,
            SyncError::ConnectionRefused,
            SyncError::Certificate(CertProblem::Untrusted),
            SyncError::Certificate(CertProblem::KeyChanged),
            SyncError::RateLimited { retry_after: None },
            SyncError::Unavailable {
                status: 500,
                retry_after: None,
            },
        ];
        let texts: std::collections::BTreeSet<_> = all.iter().map(|e| e.message_ja()).collect();
        assert_eq!(texts.len(), all.len());
        assert!(
            all[2..4]
                .iter()
                .all(|e| e.message_ja().contains("証明書") || e.message_ja().contains("鍵"))
        );
        assert!(!all[2].is_transient() && !all[3].is_transient());
        assert!(all[1].is_transient() && all[4].is_transient());
    }

    #[test]
    fn small_offsets_are_latency() {
        let t = Utc::now();
        assert_eq!(offset_ms(t, t + chrono::Duration::milliseconds(800)), 0);
        let days = chrono::Duration::days(3);
        assert_eq!(offset_ms(t, t + days), days.num_milliseconds());
    }
}
