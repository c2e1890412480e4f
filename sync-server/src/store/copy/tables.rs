//! The tables [`super`] copies, with their columns as the SQLite backend
//! stores them (a test compares the list with the SQLite schema here, and
//! `sync-server/tests/postgres.rs` with the PostgreSQL one).

use Kind::*;

/// How a column is stored: its SQLite form and its PostgreSQL type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// TEXT on both.
    Text,
    /// TEXT (hyphenated) → UUID.
    Uuid,
    /// BLOB → BYTEA.
    Bytes,
    /// RFC 3339 TEXT → TIMESTAMPTZ.
    Time,
    /// Unix seconds INTEGER → TIMESTAMPTZ.
    Epoch,
    /// INTEGER → BIGINT.
    Int8,
    /// INTEGER → INTEGER.
    Int4,
    /// INTEGER 0/1 → BOOLEAN.
    Bool,
    /// `YYYY-MM-DD` TEXT → DATE.
    Date,
}

/// One column: name, kind, whether it may be NULL.
pub type Column = (&'static str, Kind, bool);

/// One table to copy, in copy order.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// PostgreSQL makes this column's values itself (an identity column):
    /// the copy gives them explicitly (`OVERRIDING SYSTEM VALUE`), and the
    /// identity's sequence is then set past them.
    pub identity: Option<&'static str>,
}

/// Every table of the schema (after [`super::SCHEMA_STEPS`] migrations),
/// with its columns as the SQLite backend stores them. PostgreSQL's
/// generated `ord` columns of `meetings` and `case_docs` are not listed:
/// the rows are inserted in the SQLite file's order (`rowid`), so the
/// order they keep is the same.
pub const TABLES: &[Table] = &[
    Table {
        name: "meta",
        columns: &[("key", Text, false), ("value", Text, false)],
        identity: None,
    },
    Table {
        name: "teams",
        columns: &[("id", Uuid, false), ("name", Text, false)],
        identity: None,
    },
    Table {
        name: "users",
        columns: &[
            ("id", Uuid, false),
            ("username", Text, false),
            ("display_name", Text, false),
            ("role", Text, false),
            ("team_id", Uuid, true),
            ("agency", Text, true),
            ("password_hash", Text, true),
            ("active", Bool, false),
            ("created_at", Time, false),
        ],
        identity: None,
    },
    Table {
        name: "enrol_codes",
        columns: &[
            ("code_hash", Bytes, false),
            ("user_id", Uuid, false),
            ("expires_at", Epoch, false),
            ("used_at", Epoch, true),
        ],
        identity: None,
    },
    Table {
        name: "devices",
        columns: &[
            ("id", Uuid, false),
            ("user_id", Uuid, false),
            ("label", Text, false),
            ("platform", Text, false),
            ("token_hash", Bytes, false),
            ("enrolled_at", Time, false),
            ("revoked_at", Time, true),
        ],
        identity: None,
    },
    Table {
        name: "sessions",
        columns: &[
            ("token_hash", Bytes, false),
            ("user_id", Uuid, false),
            ("expires_at", Epoch, false),
        ],
        identity: None,
    },
    Table {
        name: "operations",
        columns: &[
            ("id", Uuid, false),
            ("device_id", Uuid, false),
            ("content_hash", Bytes, false),
            ("seq", Int8, false),
            ("received_at", Time, false),
        ],
        identity: None,
    },
    Table {
        name: "persons",
        columns: &[
            ("id", Uuid, false),
            ("team_id", Uuid, false),
            ("body", Text, false),
            ("bases", Text, false),
        ],
        identity: None,
    },
    Table {
        name: "contacts",
        columns: &[
            ("id", Uuid, false),
            ("person_id", Uuid, false),
            ("team_id", Uuid, false),
            ("revises", Uuid, true),
            ("body", Text, false),
        ],
        identity: None,
    },
    Table {
        name: "reviews",
        columns: &[
            ("contact_id", Uuid, false),
            ("team_id", Uuid, false),
            ("body", Text, false),
        ],
        identity: None,
    },
    Table {
        name: "cases",
        columns: &[
            ("id", Uuid, false),
            ("person_id", Uuid, false),
            ("team_id", Uuid, false),
            ("urgency", Int4, false),
            ("received_at", Time, false),
            ("seq", Int8, false),
            ("body", Text, false),
        ],
        identity: None,
    },
    Table {
        name: "case_moves",
        columns: &[
            ("id", Int8, false),
            ("case_id", Uuid, false),
            ("body", Text, false),
        ],
        identity: Some("id"),
    },
    Table {
        name: "conflicts",
        columns: &[
            ("id", Uuid, false),
            ("team_id", Uuid, false),
            ("body", Text, false),
        ],
        identity: None,
    },
    Table {
        name: "changes",
        columns: &[
            ("seq", Int8, false),
            ("kind", Text, false),
            ("entity_id", Uuid, false),
            ("person_id", Uuid, false),
            ("team_id", Uuid, false),
            ("hlc", Text, false),
        ],
        identity: None,
    },
    Table {
        name: "meetings",
        columns: &[
            ("id", Uuid, false),
            ("case_id", Uuid, false),
            ("held_on", Date, false),
            ("body", Text, false),
        ],
        identity: None,
    },
    Table {
        name: "audit",
        columns: &[
            ("seq", Int8, false),
            ("at", Time, false),
            ("actor", Text, false),
            ("device_id", Uuid, true),
            ("device_hlc", Text, true),
            ("action", Text, false),
            ("entity", Text, false),
            ("basis", Text, false),
            ("prev_hash", Text, false),
            ("hash", Text, false),
        ],
        identity: None,
    },
    Table {
        name: "pending_logins",
        columns: &[
            ("ticket_hash", Bytes, false),
            ("user_id", Uuid, false),
            ("expires_at", Epoch, false),
            ("failures", Int4, false),
        ],
        identity: None,
    },
    Table {
        name: "case_docs",
        columns: &[
            ("kind", Text, false),
            ("doc_id", Uuid, false),
            ("version", Int4, false),
            ("case_id", Uuid, false),
            ("recorded_at", Time, false),
            ("body", Text, false),
        ],
        identity: None,
    },
    Table {
        name: "visits",
        columns: &[
            ("id", Uuid, false),
            ("team_id", Uuid, false),
            ("open", Bool, false),
            ("body", Text, false),
        ],
        identity: None,
    },
    Table {
        name: "resources",
        columns: &[("id", Uuid, false), ("body", Text, false)],
        identity: None,
    },
    Table {
        name: "participation",
        columns: &[
            ("id", Uuid, false),
            ("person_id", Uuid, false),
            ("team_id", Uuid, false),
            ("recorded_at", Time, false),
            ("body", Text, false),
        ],
        identity: None,
    },
    Table {
        name: "community_activities",
        columns: &[
            ("id", Uuid, false),
            ("team_id", Uuid, false),
            ("held_at", Time, false),
            ("body", Text, false),
        ],
        identity: None,
    },
    Table {
        name: "narratives",
        columns: &[
            ("viewpoint", Text, false),
            ("period_from", Date, false),
            ("period_to", Date, false),
            ("version", Int4, false),
            ("body", Text, false),
        ],
        identity: None,
    },
    Table {
        name: "case_household",
        columns: &[("case_id", Uuid, false), ("person_id", Uuid, false)],
        identity: None,
    },
    Table {
        name: "excerpt_choices",
        columns: &[
            ("viewpoint", Text, false),
            ("period_from", Date, false),
            ("period_to", Date, false),
            ("version", Int4, false),
            ("body", Text, false),
        ],
        identity: None,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    /// [`TABLES`] names every table and column of the SQLite schema, with
    /// a kind that fits the declared type: a migration that adds a table or
    /// a column fails here until the copy knows it.
    #[test]
    fn the_copy_knows_every_sqlite_table_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outreach.db");
        drop(
            crate::store::sqlite::SqliteStore::open(&path, &crate::store::StoreOptions::default())
                .unwrap(),
        );
        let c = rusqlite::Connection::open(&path).unwrap();
        let mut names: Vec<String> = c
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        names.sort();
        let mut known: Vec<String> = TABLES.iter().map(|t| t.name.to_owned()).collect();
        known.sort();
        assert_eq!(names, known);
        for t in TABLES {
            let cols: Vec<(String, String)> = c
                .prepare(&format!("PRAGMA table_info({})", t.name))
                .unwrap()
                .query_map([], |r| Ok((r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let listed: Vec<&str> = t.columns.iter().map(|c| c.0).collect();
            let stored: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
            assert_eq!(stored, listed, "columns of {}", t.name);
            for ((name, ty), col) in cols.iter().zip(t.columns) {
                let fits = match col.1 {
                    Text | Uuid | Time | Date => ty == "TEXT",
                    Bytes => ty == "BLOB",
                    Epoch | Int8 | Int4 | Bool => ty == "INTEGER",
                };
                assert!(fits, "{}.{name} is {ty}, listed as {:?}", t.name, col.1);
            }
        }
    }
}
