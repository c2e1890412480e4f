//! The single writer: one dedicated thread runs every write job of the API
//! and commits them in groups (group commit). Concurrent pushes from many
//! tablets then share one transaction and one fsync instead of queueing for
//! one each, while each job stays atomic on its own (a savepoint per job:
//! a job that fails is rolled back alone). Every job's answer is sent only
//! after the group's commit, so an acknowledged push is durable.
//!
//! Backend-independent: it uses only [`Store::write_tx`] and the savepoint
//! primitives of [`Tx`].

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use crate::engine::Error;
use crate::store::{Store, StoreError, Tx};

type Output = Box<dyn Any + Send>;
type RunFn = Box<dyn FnOnce(&mut dyn Tx) -> Result<Output, Error> + Send>;

struct Job {
    run: Option<RunFn>,
    reply: tokio::sync::oneshot::Sender<Result<Output, Error>>,
}

/// Most jobs in one transaction.
const GROUP: usize = 256;
/// Jobs waiting beyond this get `503 unavailable` (back-pressure).
const QUEUE: usize = 4096;

/// A handle to the writer thread.
#[derive(Clone)]
pub struct Writer {
    jobs: SyncSender<Job>,
}

impl Writer {
    /// Starts the writer thread over `store`. It stops when every handle is
    /// dropped.
    pub fn start(store: Arc<dyn Store>) -> std::io::Result<Self> {
        let (jobs, rx) = sync_channel(QUEUE);
        std::thread::Builder::new()
            .name("outreach-writer".into())
            .spawn(move || run(store, rx))?;
        Ok(Self { jobs })
    }

    /// Runs `f` in the next group transaction; returns after its commit.
    pub async fn run<R, F>(&self, f: F) -> Result<R, Error>
    where
        R: Send + 'static,
        F: FnOnce(&mut dyn Tx) -> Result<R, Error> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let run: RunFn = Box::new(move |tx| f(tx).map(|r| Box::new(r) as Output));
        match self.jobs.try_send(Job {
            run: Some(run),
            reply,
        }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                // Back-pressure: answered as "busy, retry later".
                return Err(Error::Store(StoreError::Busy));
            }
            Err(TrySendError::Disconnected(_)) => return Err(failed()),
        }
        let out = answer.await.map_err(|_| failed())??;
        out.downcast::<R>().map(|b| *b).map_err(|_| failed())
    }
}

/// A job that could not run or answer (a panic, a stopped writer): a
/// server failure, never the client's.
fn failed() -> Error {
    Error::Store(StoreError::Database("a write job failed".into()))
}

fn run(store: Arc<dyn Store>, rx: Receiver<Job>) {
    // Waiting for work gives back what the last burst freed.
    while let Some(first) = crate::idle::recv_or_idle(&rx) {
        let mut jobs = vec![first];
        while jobs.len() < GROUP {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let mut results: Vec<Result<Output, Error>> = Vec::with_capacity(jobs.len());
        let single = jobs.len() == 1;
        let committed = store.write_tx(&mut |tx| {
            results.clear();
            if single {
                // One job: no savepoint needed; its failure rolls the whole
                // transaction back.
                let Some(f) = jobs[0].run.take() else {
                    results.push(Err(failed()));
                    return Err(StoreError::Aborted);
                };
                let r = catch_unwind(AssertUnwindSafe(|| f(tx))).unwrap_or_else(|_| {
                    tracing::error!("a write job panicked; it was rolled back");
                    Err(failed())
                });
                let failed = r.is_err();
                results.push(r);
                return if failed {
                    Err(StoreError::Aborted)
                } else {
                    Ok(())
                };
            }
            for job in jobs.iter_mut() {
                let Some(f) = job.run.take() else {
                    results.push(Err(failed()));
                    continue;
                };
                tx.savepoint()?;
                match catch_unwind(AssertUnwindSafe(|| f(tx))) {
                    Ok(Ok(v)) => {
                        tx.release_savepoint()?;
                        results.push(Ok(v));
                    }
                    Ok(Err(e)) => {
                        tx.rollback_savepoint()?;
                        results.push(Err(e));
                    }
                    Err(_) => {
                        tracing::error!("a write job panicked; it was rolled back");
                        tx.rollback_savepoint()?;
                        results.push(Err(failed()));
                    }
                }
            }
            Ok(())
        });
        match committed {
            Err(StoreError::Aborted) if single && results.len() == 1 => {
                for (job, r) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(r);
                }
            }
            Ok(()) => {
                for (job, r) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(r);
                }
            }
            Err(e) => {
                let e = Error::Store(e);
                for job in jobs {
                    let _ = job.reply.send(Err(e.clone()));
                }
            }
        }
    }
}
