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
//!
//! Started with [`FaultProxy::start_link`] it is instead a slow field link
//! for the benchmarks: every byte waits for the link's bandwidth and then
//! half its round-trip time, in each direction, and the proxy counts
//! connections, requests (each new burst from the client after an answer)
//! and bytes each way ([`LinkStats`]).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tokio::time::Instant;

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

/// A slow link: its round-trip time and its bandwidth (each direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub rtt: Duration,
    pub bits_per_sec: u64,
}

impl Link {
    /// A weak mobile signal in a concrete building: 150 ms round trip,
    /// 1 Mbit/s.
    pub const FIELD: Link = Link {
        rtt: Duration::from_millis(150),
        bits_per_sec: 1_000_000,
    };

    /// How long `bytes` take on the wire at this bandwidth.
    pub fn transfer(&self, bytes: u64) -> Duration {
        Duration::from_secs_f64(bytes as f64 * 8.0 / self.bits_per_sec as f64)
    }
}

/// What went over a slow link so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    pub connections: usize,
    /// Requests: bursts from the client that follow an answer (or open a
    /// connection). With HTTP/1.1 that is one per request.
    pub requests: usize,
    pub bytes_up: u64,
    pub bytes_down: u64,
}

impl LinkStats {
    /// Round trips: one per connection set up (the TCP handshake) and one
    /// per request.
    pub fn round_trips(&self) -> usize {
        self.connections + self.requests
    }

    /// What happened between `before` and now.
    pub fn since(&self, before: &LinkStats) -> LinkStats {
        LinkStats {
            connections: self.connections - before.connections,
            requests: self.requests - before.requests,
            bytes_up: self.bytes_up - before.bytes_up,
            bytes_down: self.bytes_down - before.bytes_down,
        }
    }
}

#[derive(Default)]
struct Counters {
    requests: AtomicUsize,
    bytes_up: std::sync::atomic::AtomicU64,
    bytes_down: std::sync::atomic::AtomicU64,
}

/// A running proxy. Dropping it stops accepting new connections.
pub struct FaultProxy {
    addr: SocketAddr,
    faults: Arc<Mutex<VecDeque<Fault>>>,
    connections: Arc<AtomicUsize>,
    counters: Arc<Counters>,
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
            counters: Arc::default(),
            accept,
        })
    }

    /// Starts a proxy on a free loopback port that forwards to `upstream`
    /// through a slow `link` (no faults).
    pub async fn start_link(upstream: SocketAddr, link: Link) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let connections = Arc::new(AtomicUsize::new(0));
        let counters: Arc<Counters> = Arc::default();
        let (c, k) = (connections.clone(), counters.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                c.fetch_add(1, Ordering::SeqCst);
                let k = k.clone();
                tokio::spawn(async move {
                    let _ = shaped(client, upstream, link, k).await;
                });
            }
        });
        Ok(Self {
            addr,
            faults: Arc::default(),
            connections,
            counters,
            accept,
        })
    }

    /// What went over the link so far (zeros but connections when not
    /// started with [`FaultProxy::start_link`]).
    pub fn stats(&self) -> LinkStats {
        LinkStats {
            connections: self.connections(),
            requests: self.counters.requests.load(Ordering::SeqCst),
            bytes_up: self.counters.bytes_up.load(Ordering::SeqCst),
            bytes_down: self.counters.bytes_down.load(Ordering::SeqCst),
        }
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

/// One connection through a slow link: both directions shaped.
async fn shaped(
    client: TcpStream,
    upstream: SocketAddr,
    link: Link,
    counters: Arc<Counters>,
) -> std::io::Result<()> {
    client.set_nodelay(true)?;
    let server = TcpStream::connect(upstream).await?;
    server.set_nodelay(true)?;
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    // Whether the last bytes seen went down (an answer): the next bytes up
    // start a new request. A new connection starts with one.
    let answered = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let up = shaped_copy(cr, sw, link, counters.clone(), true, answered.clone());
    let down = shaped_copy(sr, cw, link, counters, false, answered);
    // Stop when either side closes.
    tokio::select! {
        r = up => r,
        r = down => r,
    }
}

/// Copies `r` to `w`, each chunk leaving at the link's bandwidth and
/// arriving half a round trip later. Going `up` (from the client), a chunk
/// after an answer counts as a new request; going down marks the answer.
async fn shaped_copy(
    mut r: tokio::net::tcp::OwnedReadHalf,
    mut w: tokio::net::tcp::OwnedWriteHalf,
    link: Link,
    counters: Arc<Counters>,
    up: bool,
    answered: Arc<std::sync::atomic::AtomicBool>,
) -> std::io::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let reader = async move {
        loop {
            let mut buf = vec![0u8; 16 * 1024];
            let n = r.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            buf.truncate(n);
            if up {
                if answered.swap(false, Ordering::SeqCst) {
                    counters.requests.fetch_add(1, Ordering::SeqCst);
                }
                counters.bytes_up.fetch_add(n as u64, Ordering::SeqCst);
            } else {
                answered.store(true, Ordering::SeqCst);
                counters.bytes_down.fetch_add(n as u64, Ordering::SeqCst);
            }
            if tx.send((Instant::now(), buf)).is_err() {
                break;
            }
        }
        Ok::<_, std::io::Error>(())
    };
    let writer = async move {
        let one_way = link.rtt / 2;
        let mut free = Instant::now();
        while let Some((at, buf)) = rx.recv().await {
            let start = free.max(at);
            free = start + link.transfer(buf.len() as u64);
            tokio::time::sleep_until(free + one_way).await;
            w.write_all(&buf).await?;
        }
        w.shutdown().await
    };
    let (a, b) = tokio::join!(reader, writer);
    a.and(b)
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
    async fn a_slow_link_takes_its_round_trip_and_bandwidth_and_counts_requests() {
        let (up, _) = upstream(b"PONG").await;
        let link = Link {
            rtt: Duration::from_millis(100),
            bits_per_sec: 80_000, // 10 kB/s
        };
        let p = FaultProxy::start_link(up, link).await.unwrap();
        let t = std::time::Instant::now();
        assert_eq!(ask(&p).await.unwrap(), b"PONG");
        // Up and down: half a round trip each, plus 8 bytes at 10 kB/s.
        assert!(
            t.elapsed() >= Duration::from_millis(100),
            "{:?}",
            t.elapsed()
        );
        let s = p.stats();
        assert_eq!(
            (s.connections, s.requests, s.bytes_up, s.bytes_down),
            (1, 1, 4, 4)
        );
        assert_eq!(s.round_trips(), 2);
        assert_eq!(link.transfer(10_000), Duration::from_secs(1));
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
