//! Request bodies left unread are drained before the answer leaves.
//!
//! Many refusals are decided before the body is read (no or a wrong bearer
//! token, a device token on an office endpoint, a rate limit). If the
//! server then answered and closed the connection with the client's body
//! still arriving, the kernel would reset the connection and the client
//! could lose the answer: a tablet pushing a large batch with a revoked
//! token would see "network error" instead of "wipe". So the outermost
//! layer watches the body: when the request was refused without reading it
//! all, the rest is read and thrown away (never kept: no memory grows), at
//! most `max_body_bytes` and for at most [`DRAIN_TIME`], before the answer
//! is sent. A client that sends more, or
//! more slowly, is cut off as before. Nothing here takes a sync slot.

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::oneshot;

use crate::state::AppState;

/// The longest the server keeps reading a refused request's body.
pub const DRAIN_TIME: Duration = Duration::from_secs(2);

/// A request body that hands itself back, unfinished, when dropped.
struct Watched {
    inner: Option<Body>,
    done: bool,
    back: Option<oneshot::Sender<Body>>,
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let r = Pin::new(inner).poll_frame(cx);
        if matches!(r, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            this.done = true;
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map(HttpBody::size_hint)
            .unwrap_or_default()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let (Some(body), Some(back)) = (self.inner.take(), self.back.take())
            && !body.is_end_stream()
        {
            let _ = back.send(body);
        }
    }
}

/// Reads and discards the rest of `body`: at most `cap` bytes, for at most
/// [`DRAIN_TIME`].
async fn drain(mut body: Body, cap: usize) {
    let read = async {
        let mut seen = 0usize;
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        {
            match frame {
                Ok(f) => {
                    seen += f.data_ref().map_or(0, Bytes::len);
                    if seen > cap {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    };
    if tokio::time::timeout(DRAIN_TIME, read).await.is_err() {
        tracing::debug!("a refused request's body was still arriving: connection closed");
    }
}

/// The layer: runs the request with a watched body, and drains what the
/// answer left unread before sending it.
pub async fn drain_unread(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    if body.is_end_stream() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let (back, mut unread) = oneshot::channel();
    let watched = Watched {
        inner: Some(body),
        done: false,
        back: Some(back),
    };
    let resp = next
        .run(Request::from_parts(parts, Body::new(watched)))
        .await;
    if let Ok(rest) = unread.try_recv() {
        drain(rest, st.limits.max_body_bytes).await;
    }
    resp
}
