//! A small fault-injecting TCP proxy for end-to-end tests.
//!
//! It sits between a client and the real server on loopback and, per
//! connection, either passes bytes through or injects one fault: refuse the
//! connection, delay it, cut the request or the response after some bytes,
//! or — the hardest case for exactly-once — let the whole request reach the
//! server, wait for the server's complete answer (so the server has
//! committed), and then drop that answer instead of delivering it.
//!
//! Faults are queued: each new connection takes the next queued fault, and
//! connections pass through cleanly when the queue is empty.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

/// What to do to one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Pass everything through.
    Pass,
    /// Accept and close at once: the client sees a reset or an empty reply.
    Refuse,
    /// Wait before forwarding anything in either direction.
    Delay(Duration),
    /// Forward only the first `n` bytes sent by the client (over all requests
    /// on the connection), then close both ends; answers flow until then.
    CutRequestAfter(usize),
    /// Forward the request; forward only the first `n` bytes of the response,
    /// then close both ends.
    CutResponseAfter(usize),
    /// Forward the whole request, read the server's whole response (the
    /// server has committed by then), and close the client's connection
    /// without sending any of it.
    DropResponse,
}

/// A running proxy. Dropping it stops accepting new connections.
pub struct FaultProxy {
    addr: SocketAddr,
    faults: Arc<Mutex<VecDeque<Fault>>>,
    connections: Arc<AtomicUsize>,
    accept: JoinHandle<()>,
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port that forwards to `upstream`.
    pub async fn start(upstream: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let faults: Arc<Mutex<VecDeque<Fault>>> = Arc::default();
        let connections = Arc::new(AtomicUsize::new(0));
        let (f, c) = (faults.clone(), connections.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                c.fetch_add(1, Ordering::SeqCst);
                let fault = f.lock().await.pop_front().unwrap_or(Fault::Pass);
                tokio::spawn(async move {
                    // Errors on one connection are the point of the exercise.
                    let _ = handle(client, upstream, fault).await;
                });
            }
        });
        Ok(Self {
            addr,
            faults,
            connections,
            accept,
        })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues a fault for the next connection that has none queued before it.
    pub async fn inject(&self, fault: Fault) {
        self.faults.lock().await.push_back(fault);
    }

    /// Queues the same fault for the next `n` connections.
    pub async fn inject_n(&self, fault: Fault, n: usize) {
        let mut q = self.faults.lock().await;
        q.extend(std::iter::repeat_n(fault, n));
    }

    /// Forgets queued faults.
    pub async fn clear(&self) {
        self.faults.lock().await.clear();
    }

    /// How many faults are still queued.
    pub async fn pending(&self) -> usize {
        self.faults.lock().await.len()
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn handle(mut client: TcpStream, upstream: SocketAddr, fault: Fault) -> std::io::Result<()> {
    match fault {
        Fault::Refuse => {
            client.shutdown().await?;
            return Ok(());
        }
        Fault::Delay(d) => tokio::time::sleep(d).await,
        _ => {}
    }
    let mut server = TcpStream::connect(upstream).await?;
    let (mut cr, mut cw) = client.split();
    let (mut sr, mut sw) = server.split();
    match fault {
        Fault::Pass | Fault::Delay(_) | Fault::Refuse => {
            let up = tokio::io::copy(&mut cr, &mut sw);
            let down = tokio::io::copy(&mut sr, &mut cw);
            // Stop when either side closes.
            tokio::select! {
                r = up => { r?; }
                r = down => { r?; }
            }
        }
        Fault::CutRequestAfter(n) => {
            // Answers flow normally until `n` request bytes have passed.
            let up = copy_limited(&mut cr, &mut sw, n);
            let down = tokio::io::copy(&mut sr, &mut cw);
            tokio::select! {
                r = up => { r?; }
                r = down => { r?; }
            }
        }
        Fault::CutResponseAfter(n) => {
            let up = tokio::io::copy(&mut cr, &mut sw);
            let down = copy_limited(&mut sr, &mut cw, n);
            tokio::select! {
                r = up => { r?; }
                r = down => { r?; }
            }
        }
        Fault::DropResponse => {
            // Forward the request, swallow the response: wait until the server
            // has sent something and then gone quiet, so the whole answer is in.
            let up = tokio::io::copy(&mut cr, &mut sw);
            let swallow = async {
                let mut buf = vec![0u8; 64 * 1024];
                let first = sr.read(&mut buf).await?;
                if first == 0 {
                    return Ok::<_, std::io::Error>(());
                }
                loop {
                    match tokio::time::timeout(Duration::from_millis(200), sr.read(&mut buf)).await
                    {
                        Ok(Ok(0)) | Err(_) => return Ok(()),
                        Ok(Ok(_)) => continue,
                        Ok(Err(e)) => return Err(e),
                    }
                }
            };
            tokio::select! {
                r = up => { r?; }
                r = swallow => { r?; }
            }
        }
    }
    Ok(())
}

/// Copies at most `limit` bytes, then stops.
async fn copy_limited<R, W>(r: &mut R, w: &mut W, limit: usize) -> std::io::Result<()>
where
    R: AsyncReadExt + Unpin,
    W: AsyncWriteExt + Unpin,
{
    let mut left = limit;
    let mut buf = vec![0u8; 16 * 1024];
    while left > 0 {
        let want = left.min(buf.len());
        let n = r.read(&mut buf[..want]).await?;
        if n == 0 {
            break;
        }
        w.write_all(&buf[..n]).await?;
        left -= n;
    }
    w.flush().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny upstream that answers every request line with a fixed reply
    /// and counts the requests it received in full.
    async fn upstream(reply: &'static [u8]) -> (SocketAddr, Arc<AtomicUsize>) {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let seen = Arc::new(AtomicUsize::new(0));
        let s = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut c, _)) = l.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4];
                    if c.read_exact(&mut buf).await.is_ok() && &buf == b"PING" {
                        s.fetch_add(1, Ordering::SeqCst);
                        let _ = c.write_all(reply).await;
                    }
                    let _ = c.shutdown().await;
                });
            }
        });
        (addr, seen)
    }

    async fn ask(proxy: &FaultProxy) -> std::io::Result<Vec<u8>> {
        let mut c = TcpStream::connect(proxy.addr()).await?;
        c.write_all(b"PING").await?;
        let mut out = Vec::new();
        c.read_to_end(&mut out).await?;
        Ok(out)
    }

    #[tokio::test]
    async fn passes_through_by_default() {
        let (up, seen) = upstream(b"PONG").await;
        let p = FaultProxy::start(up).await.unwrap();
        assert_eq!(ask(&p).await.unwrap(), b"PONG");
        assert_eq!(seen.load(Ordering::SeqCst), 1);
        assert_eq!(p.connections(), 1);
    }

    #[tokio::test]
    async fn drop_response_reaches_the_server_but_not_the_client() {
        let (up, seen) = upstream(b"PONG").await;
        let p = FaultProxy::start(up).await.unwrap();
        p.inject(Fault::DropResponse).await;
        let got = ask(&p).await.unwrap_or_default();
        assert!(got.is_empty(), "the client must not see the answer");
        assert_eq!(seen.load(Ordering::SeqCst), 1, "the server got the request");
        // The next connection passes again.
        assert_eq!(ask(&p).await.unwrap(), b"PONG");
        assert_eq!(p.pending().await, 0);
    }

    #[tokio::test]
    async fn cuts_and_refusals() {
        let (up, seen) = upstream(b"PONG-LONG-ANSWER").await;
        let p = FaultProxy::start(up).await.unwrap();
        p.inject(Fault::CutResponseAfter(4)).await;
        assert_eq!(ask(&p).await.unwrap(), b"PONG");
        p.inject(Fault::CutRequestAfter(2)).await;
        let before = seen.load(Ordering::SeqCst);
        let _ = ask(&p).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            seen.load(Ordering::SeqCst),
            before,
            "a cut request never completes"
        );
        p.inject(Fault::Refuse).await;
        assert!(ask(&p).await.unwrap_or_default().is_empty());
    }

    #[tokio::test]
    async fn delays() {
        let (up, _) = upstream(b"PONG").await;
        let p = FaultProxy::start(up).await.unwrap();
        p.inject(Fault::Delay(Duration::from_millis(150))).await;
        let t = std::time::Instant::now();
        assert_eq!(ask(&p).await.unwrap(), b"PONG");
        assert!(t.elapsed() >= Duration::from_millis(150));
    }
}
