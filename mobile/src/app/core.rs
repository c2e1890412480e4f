//! The store thread: one thread owns the [`Store`] (which is `Send` but not
//! `Sync`) and runs the jobs the UI sends it, one at a time. The UI awaits
//! the answers, so no tap ever blocks on SQLite, Argon2 or the network.

use std::sync::mpsc;

use crate::error::StoreError;
use crate::store::{Store, StoreConfig};
use crate::sync::{StoreAccess, SyncError};

/// What the store thread owns.
pub struct AppCore {
    pub cfg: StoreConfig,
    /// `None` before set-up and after a wipe.
    pub store: Option<Store>,
}

impl AppCore {
    /// Opens the store in `cfg.data_dir` if there is one (locked).
    pub fn open(cfg: StoreConfig) -> AppCore {
        let store = if Store::exists(&cfg) {
            Store::open(cfg.clone()).ok()
        } else {
            None
        };
        AppCore { cfg, store }
    }

    /// The store, or `NotInitialized`.
    pub fn store(&mut self) -> Result<&mut Store, StoreError> {
        self.store.as_mut().ok_or(StoreError::NotInitialized)
    }
}

type Job = Box<dyn FnOnce(&mut AppCore) + Send>;

/// A handle to the store thread. Cheap to clone; the thread ends when the
/// last handle is dropped.
#[derive(Clone)]
pub struct CoreHandle {
    tx: mpsc::Sender<Job>,
}

impl std::fmt::Debug for CoreHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CoreHandle")
    }
}

impl PartialEq for CoreHandle {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl CoreHandle {
    /// Starts the store thread with `core`.
    pub fn spawn(core: AppCore) -> CoreHandle {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("outreach-store".into())
            .spawn(move || {
                let mut core = core;
                while let Ok(job) = rx.recv() {
                    job(&mut core);
                }
                if let Some(s) = core.store.as_mut() {
                    s.lock();
                }
            })
            .expect("the store thread starts");
        CoreHandle { tx }
    }

    /// Runs `f` on the store thread and returns its result.
    pub async fn call<R, F>(&self, f: F) -> R
    where
        R: Send + 'static,
        F: FnOnce(&mut AppCore) -> R + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |core| {
            let _ = tx.send(f(core));
        });
        if self.tx.send(job).is_err() {
            panic!("the store thread has stopped");
        }
        rx.await.expect("the store thread answers")
    }

    /// Runs `f` with the store (an error if there is none).
    pub async fn with_store<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> Result<R, StoreError> + Send + 'static,
    {
        self.call(move |c| f(c.store()?)).await
    }
}

impl StoreAccess for CoreHandle {
    fn with<R, F>(&self, f: F) -> impl Future<Output = Result<R, SyncError>>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> crate::Result<R> + Send + 'static,
    {
        let h = self.clone();
        async move { h.with_store(f).await.map_err(SyncError::from) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KdfParams, Pin};

    #[tokio::test]
    async fn jobs_run_on_the_store_thread_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let cfg =
            StoreConfig::new(dir.path().join("d")).with_device_secret_path(dir.path().join("k"));
        let h = CoreHandle::spawn(AppCore::open(cfg.clone()));
        assert!(
            h.call(|c| c.store.is_none()).await,
            "no store before set-up"
        );
        let main = std::thread::current().id();
        let (thread, ok) = h
            .call(move |c| {
                let s = Store::init(
                    c.cfg.clone(),
                    &Pin::new("135790".into()).unwrap(),
                    None,
                    KdfParams::insecure_fast_for_tests(),
                );
                let ok = s.is_ok();
                c.store = s.ok();
                (std::thread::current().id(), ok)
            })
            .await;
        assert!(ok);
        assert_ne!(thread, main, "store work runs off the calling thread");
        let n = h
            .with_store(|s| Ok(s.persons()?.items.len()))
            .await
            .unwrap();
        assert_eq!(n, 0);
    }
}
