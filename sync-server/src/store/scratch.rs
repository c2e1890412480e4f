//! Scratch databases: a fresh, empty database for one test or benchmark
//! run, on either backend, so that one scenario runs against both.
//!
//! The test convention: `OUTREACH_TEST_BACKEND=postgres` with
//! `OUTREACH_TEST_PG=<admin URL of a throw-away cluster>` (what
//! `scripts/test` sets for its second pass) makes [`ScratchDb::from_env`]
//! create a new database on that cluster; otherwise it is a SQLite file in
//! a temporary folder.

use super::{DatabaseUrl, Store};
use super::{StoreOptions, StoreResult};
use std::sync::Arc;

/// Which backend the tests run against, from the environment.
pub fn test_backend_is_postgres() -> bool {
    std::env::var("OUTREACH_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// The admin URL of the test cluster, if one is given.
pub fn test_cluster() -> Option<String> {
    std::env::var("OUTREACH_TEST_PG")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A fresh database that lives as long as this value (SQLite: the folder
/// is removed; PostgreSQL: the database stays on the throw-away cluster).
pub struct ScratchDb {
    url: String,
    postgres: bool,
    dir: Option<tempfile::TempDir>,
    /// PostgreSQL: a private folder for the server's key files.
    keys: Option<tempfile::TempDir>,
}

fn random_name(prefix: &str) -> String {
    format!(
        "{prefix}_{}",
        crate::crypto::hex(&crate::crypto::random::<8>())
    )
}

impl ScratchDb {
    /// The backend the environment names (see the module doc).
    ///
    /// # Panics
    /// If PostgreSQL is asked for but no cluster is given or reachable: a
    /// test run that meant to cover PostgreSQL must not pass on SQLite.
    pub fn from_env() -> Self {
        if test_backend_is_postgres() {
            let admin = test_cluster().expect(
                "OUTREACH_TEST_BACKEND=postgres needs OUTREACH_TEST_PG (scripts/test sets both)",
            );
            Self::postgres(&admin, None).expect("create a scratch database on the test cluster")
        } else {
            Self::sqlite()
        }
    }

    /// A SQLite file in a new temporary folder.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", dir.path().join("outreach.db").display());
        Self {
            url,
            postgres: false,
            dir: Some(dir),
            keys: None,
        }
    }

    /// A new database on the cluster behind `admin_url`, empty or a copy of
    /// `template`.
    pub fn postgres(admin_url: &str, template: Option<&str>) -> StoreResult<Self> {
        let url = super::postgres::create_database(admin_url, &random_name("t"), template)?;
        Ok(Self {
            url,
            postgres: true,
            dir: None,
            keys: Some(
                tempfile::tempdir()
                    .map_err(|e| super::StoreError::Database(format!("temporary folder: {e}")))?,
            ),
        })
    }

    /// The `--database` URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres
    }

    /// The SQLite file's folder (none for PostgreSQL).
    pub fn dir(&self) -> Option<&std::path::Path> {
        self.dir.as_ref().map(|d| d.path())
    }

    /// The folder of the server's key files (`--key-dir`): the SQLite
    /// file's folder (the default), or a folder of its own for PostgreSQL.
    pub fn key_dir(&self) -> &std::path::Path {
        self.dir
            .as_ref()
            .or(self.keys.as_ref())
            .map(|d| d.path())
            .unwrap_or_else(|| std::path::Path::new("."))
    }

    /// The server's keys for this database (made on first use).
    pub fn keys(&self, store: &dyn Store) -> Result<crate::keys::ServerKeys, String> {
        crate::keys::ServerKeys::load(store, &crate::keys::KeyFiles::in_dir(self.key_dir()))
    }

    /// Opens the store (a second `open` is a second handle on the same data,
    /// like a second server instance).
    pub fn open(&self, opts: &StoreOptions) -> StoreResult<Arc<dyn Store>> {
        let url: DatabaseUrl = self.url.parse()?;
        super::open(&url, opts)
    }

    /// Runs raw SQL on the database, outside the store's rules: for tests
    /// that tamper with stored data on purpose. The SQL must be valid on
    /// both backends.
    pub fn execute_raw(&self, sql: &str) -> StoreResult<u64> {
        let url: DatabaseUrl = self.url.parse()?;
        match url {
            DatabaseUrl::Sqlite(path) => {
                super::sqlite::SqliteStore::open(&path, &StoreOptions::default())?
                    .execute_raw(sql)
                    .map(|n| n as u64)
            }
            DatabaseUrl::Postgres(u) => super::postgres::execute_admin(&u, sql),
        }
    }
}
