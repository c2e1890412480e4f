//! The documents tell the truth about the code: every file or folder that
//! ARCHITECTURE.md, SECURITY.md, the READMEs and `docs/` name exists, every
//! command-line flag they give for `sync-server` or `outreach` is accepted
//! by that binary (it is in the `--help` of the binary or of one of its
//! subcommands), and every `OUTREACH_*` variable they name is read
//! somewhere in the code or the scripts. A flag documented but never built
//! made the server refuse to start for anyone who copied it; this test
//! fails instead. `deploy/Containerfile` is read as a document too.

use outreach_tests::binary;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every file and folder of the project (relative, `/`-separated), outside
/// build output and version control.
fn tree(dir: &Path, rel: &str, out: &mut BTreeSet<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if rel.is_empty() && (name == "target" || name == ".git" || name == "data") {
            continue;
        }
        if name == "node_modules" {
            continue;
        }
        let path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if e.file_type().unwrap().is_dir() {
            tree(&e.path(), &path, out);
        }
        out.insert(path);
    }
}

/// The documents a reader of the project follows.
fn documents() -> Vec<PathBuf> {
    let r = root();
    let mut docs: Vec<PathBuf> = [
        "README.md",
        "ARCHITECTURE.md",
        "SECURITY.md",
        "sync-server/README.md",
        "mobile/README.md",
        "shared/README.md",
        "tests/README.md",
        // Not Markdown, but it names the server's flags and variables too.
        "deploy/Containerfile",
    ]
    .iter()
    .map(|d| r.join(d))
    .filter(|p| p.exists())
    .collect();
    if let Ok(rd) = std::fs::read_dir(r.join("docs")) {
        for e in rd {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "md") {
                docs.push(p);
            }
        }
    }
    assert!(docs.len() >= 4, "the documents are where this test expects");
    docs
}

/// The text between backticks on each line (inline code), with its line.
fn code_spans(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let parts: Vec<&str> = line.split('`').collect();
        for (i, p) in parts.iter().enumerate() {
            if i % 2 == 1 {
                out.push((n + 1, (*p).to_owned()));
            }
        }
    }
    out
}

/// Whether a code span reads as a path into this project.
fn is_path_claim(t: &str) -> bool {
    let t = t.trim_end_matches('/');
    if !t.contains('/')
        || t.starts_with(['/', '-', '.', '~'])
        || t.starts_with("http")
        || t.starts_with("data/")
        || !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c))
    {
        return false;
    }
    let roots = [
        "scripts/",
        "mobile/",
        "sync-server/",
        "shared/",
        "tests/",
        "docs/",
        "deploy/",
    ];
    let exts = [
        ".rs", ".md", ".toml", ".sh", ".json", ".txt", ".plist", ".service", ".png", ".sql",
    ];
    roots.iter().any(|r| t.starts_with(r)) || exts.iter().any(|e| t.ends_with(e))
}

#[test]
fn every_file_the_documents_name_exists() {
    let mut all = BTreeSet::new();
    tree(&root(), "", &mut all);
    let mut missing = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        for (line, span) in code_spans(&text) {
            if !is_path_claim(&span) {
                continue;
            }
            checked += 1;
            let t = span.trim_end_matches('/');
            // A path is named from the root, or from inside a crate or
            // module it is listed under: its ending must exist.
            if !all.iter().any(|p| p == t || p.ends_with(&format!("/{t}"))) {
                missing.push(format!(
                    "{}:{line}: `{span}`",
                    doc.strip_prefix(root()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} paths found: is the parser broken?"
    );
    assert!(
        missing.is_empty(),
        "documents name files that do not exist:\n{}",
        missing.join("\n")
    );
}

/// The `--help` of a binary and of every subcommand, recursively.
fn help_texts(bin: &Path, path: &[String], out: &mut String) {
    let o = Command::new(bin).args(path).arg("--help").output().unwrap();
    assert!(o.status.success(), "{} {path:?} --help", bin.display());
    let text = String::from_utf8(o.stdout).unwrap();
    out.push_str(&text);
    if let Some(start) = text.find("Commands:\n") {
        for line in text[start + 10..].lines() {
            if line.trim().is_empty() {
                break;
            }
            // "  name  description": a subcommand (not a wrapped description).
            if let Some(rest) = line.strip_prefix("  ")
                && !rest.starts_with(' ')
            {
                let name = rest.split_whitespace().next().unwrap().to_owned();
                if name != "help" {
                    let mut sub = path.to_vec();
                    sub.push(name);
                    help_texts(bin, &sub, out);
                }
            }
        }
    }
}

/// The `--flags` in a line.
fn flags_in(line: &str) -> Vec<String> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < b.len() {
        let before_ok = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'-');
        if before_ok && b[i] == b'-' && b[i + 1] == b'-' && b[i + 2].is_ascii_lowercase() {
            let mut j = i + 2;
            while j < b.len()
                && (b[j].is_ascii_lowercase() || b[j].is_ascii_digit() || b[j] == b'-')
            {
                j += 1;
            }
            out.push(line[i..j].trim_end_matches('-').to_owned());
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn every_flag_the_documents_give_is_accepted_by_its_binary() {
    let mut help = String::new();
    help_texts(&binary("sync-server"), &[], &mut help);
    help_texts(&binary("outreach"), &[], &mut help);
    let mut known: BTreeSet<String> = flags_in(&help).into_iter().collect();
    known.insert("--help".into());
    known.insert("--version".into());
    let mut unknown = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        let rel = doc.strip_prefix(root()).unwrap().display().to_string();
        let server_doc = rel == "sync-server/README.md" || rel.starts_with("docs/");
        for (n, line) in text.lines().enumerate() {
            // Lines about another tool (cargo, dx, curl, nginx, psql, npm…)
            // give that tool's flags.
            let other_tool = [
                "cargo ",
                "dx ",
                "curl ",
                "psql",
                "npm ",
                "node ",
                "systemd",
                "rustup ",
                "apt",
                "git ",
                "openssl ",
                "pg_",
                "initdb",
                "docker ",
                "podman ",
                "chromium",
                "systemctl",
                "install ",
                "journalctl",
                "useradd ",
            ]
            .iter()
            .any(|t| line.contains(t));
            let about_ours = line.contains("sync-server") || line.contains("outreach ");
            if other_tool || !(about_ours || server_doc) {
                continue;
            }
            for f in flags_in(line) {
                checked += 1;
                if !known.contains(&f) {
                    unknown.push(format!("{rel}:{}: {f}", n + 1));
                }
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} flags found: is the parser broken?"
    );
    assert!(
        unknown.is_empty(),
        "documents give flags no binary accepts:\n{}",
        unknown.join("\n")
    );
}

#[test]
fn every_environment_variable_the_documents_name_is_read() {
    // Where a variable can be read: the code of every crate and the scripts.
    let mut code = String::new();
    let mut all = BTreeSet::new();
    tree(&root(), "", &mut all);
    for p in &all {
        let read = p.ends_with(".rs") || p.starts_with("scripts/") || p.starts_with(".ci/");
        if read && let Ok(t) = std::fs::read_to_string(root().join(p)) {
            code.push_str(&t);
        }
    }
    let mut unread = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        let rel = doc.strip_prefix(root()).unwrap().display().to_string();
        for (n, line) in text.lines().enumerate() {
            for (i, _) in line.match_indices("OUTREACH_") {
                let name: String = line[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                let name = name.trim_end_matches('_');
                if name == "OUTREACH" {
                    continue;
                }
                checked += 1;
                // Read by name: a string literal, a clap `env = "…"`, or a
                // shell script's `$NAME` / `NAME=`.
                let quoted = format!("\"{name}\"");
                let shell = format!("${name}");
                let shell_braced = format!("${{{name}");
                if !(code.contains(&quoted)
                    || code.contains(&shell)
                    || code.contains(&shell_braced))
                {
                    unread.push(format!("{rel}:{}: {name}", n + 1));
                }
            }
        }
    }
    assert!(
        checked > 10,
        "only {checked} variables found: is the parser broken?"
    );
    assert!(
        unread.is_empty(),
        "documents name variables nothing reads:\n{}",
        unread.join("\n")
    );
}

#[test]
fn the_parsers_find_what_they_should() {
    assert_eq!(
        flags_in("sync-server --listen 0.0.0.0:443 --tls-cert a.pem x--no"),
        ["--listen", "--tls-cert"]
    );
    assert!(is_path_claim("sync-server/src/engine/push.rs"));
    assert!(is_path_claim("app/state/tests/mod.rs"));
    assert!(!is_path_claim("server"));
    assert!(!is_path_claim("GET /api/v1/cases"));
    assert!(!is_path_claim("data/demo-users.txt"));
    assert_eq!(
        code_spans("a `x/y.rs` b `c`"),
        [(1, "x/y.rs".to_owned()), (1, "c".to_owned())]
    );
}
