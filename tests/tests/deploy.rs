//! What `deploy/` ships works: the systemd unit passes `systemd-analyze
//! verify` without a warning, names only settings the server has, and the
//! server started with the unit's settings (its paths moved into a
//! temporary folder) answers `/healthz`.
//!
//! The container recipe (`deploy/Containerfile`) is checked for what can be
//! checked without a container runtime: it is multi-stage (a Rust image
//! builds, Debian slim runs), runs as a non-root user with the state folder
//! as a volume, builds and starts a binary and subcommand that exist, sets
//! `MALLOC_ARENA_MAX`, names only variables the server reads, and the
//! server starts with its settings (paths moved into a temporary folder, a
//! test certificate in place of the mounted one). The image itself is not
//! built here.

use outreach_tests::binary;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn unit() -> String {
    std::fs::read_to_string(deploy_dir().join("sync-server.service")).unwrap()
}

/// `KEY=VALUE` settings of the unit's `Environment=` lines.
fn unit_environment(unit: &str) -> Vec<(String, String)> {
    unit.lines()
        .filter_map(|l| l.strip_prefix("Environment="))
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

#[test]
fn the_systemd_unit_verifies_without_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    // `verify` checks that ExecStart is executable: point it at the binary
    // this build made.
    let server = binary("sync-server");
    let text = unit().replace("/usr/local/bin/sync-server", server.to_str().unwrap());
    let path = dir.path().join("sync-server.service");
    std::fs::write(&path, text).unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .expect("systemd-analyze (package systemd; scripts/setup installs it)");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "systemd-analyze verify failed:\n{err}"
    );
    assert!(
        err.trim().is_empty(),
        "systemd-analyze verify warned:\n{err}"
    );
    // The hardening the deploy guide promises is there.
    let u = unit();
    for line in [
        "DynamicUser=yes",
        "StateDirectory=outreach",
        "EnvironmentFile=/etc/outreach/sync-server.env",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "MemoryDenyWriteExecute=yes",
        "Environment=MALLOC_ARENA_MAX=2",
    ] {
        assert!(u.lines().any(|l| l == line), "the unit lacks {line}");
    }
}

#[test]
fn the_unit_and_the_example_settings_name_only_what_the_server_reads() {
    let help = Command::new(binary("sync-server"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let example = std::fs::read_to_string(deploy_dir().join("sync-server.env.example")).unwrap();
    let mut names: Vec<String> = unit_environment(&unit())
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    for l in example.lines() {
        let l = l.trim_start_matches("# ");
        if let Some((k, _)) = l.split_once('=')
            && k.starts_with("OUTREACH_")
            && !k.contains(' ')
        {
            names.push(k.to_owned());
        }
    }
    assert!(names.len() >= 8, "{names:?}");
    for n in names {
        // OUTREACH_LOG is the log filter, read by the logger, not a flag.
        if n.starts_with("OUTREACH_") && n != "OUTREACH_LOG" {
            assert!(
                help.contains(&format!("[env: {n}")),
                "{n} is no setting of the server"
            );
        }
    }
}

#[test]
fn the_server_starts_with_the_units_settings() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("var-lib-outreach");
    std::fs::create_dir(&state).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cmd = Command::new(binary("sync-server"));
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("OUTREACH_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in unit_environment(&unit()) {
        cmd.env(k, v.replace("/var/lib/outreach", state.to_str().unwrap()));
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut answer = String::new();
    while Instant::now() < deadline {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            answer.clear();
            let _ = s.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                break;
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("the server stopped ({status}):\n{err}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(answer.starts_with("HTTP/1.1 200"), "no healthz: {answer}");
    assert!(
        state.join("outreach.db").exists(),
        "the database is in the state folder"
    );
    assert!(
        state.join("keys").is_dir(),
        "the keys are in the state folder"
    );
}

fn containerfile() -> String {
    std::fs::read_to_string(deploy_dir().join("Containerfile")).unwrap()
}

/// `KEY=VALUE` settings of the recipe's `ENV` instruction (with its
/// continuation lines).
fn container_environment(recipe: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_env = false;
    for line in recipe.lines() {
        let l = line.trim();
        let body = if let Some(rest) = l.strip_prefix("ENV ") {
            rest
        } else if in_env {
            l
        } else {
            continue;
        };
        let cont = body.ends_with('\\');
        let kv = body.trim_end_matches('\\').trim();
        if let Some((k, v)) = kv.split_once('=') {
            out.push((k.to_owned(), v.to_owned()));
        }
        in_env = cont;
    }
    out
}

#[test]
fn the_container_recipe_names_only_what_exists() {
    let r = containerfile();
    let froms: Vec<&str> = r.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "multi-stage: {froms:?}");
    assert!(froms[0].contains("/rust:") && froms[0].ends_with(" AS build"));
    assert!(froms[1].contains("/debian:") && froms[1].ends_with("-slim"));
    // The build names the package and binary the workspace has.
    assert!(r.contains("cargo build --release --locked -p sync-server --bin sync-server"));
    let manifest = std::fs::read_to_string(deploy_dir().join("../sync-server/Cargo.toml")).unwrap();
    assert!(manifest.contains("[[bin]]\nname = \"sync-server\""));
    assert!(r.contains("COPY --from=build /usr/local/bin/sync-server /usr/local/bin/sync-server"));
    assert!(r.contains("ENTRYPOINT [\"/usr/local/bin/sync-server\"]"));
    // The subcommand of CMD exists.
    let cmd = r.lines().find_map(|l| l.strip_prefix("CMD [\"")).unwrap();
    let sub = cmd.split('"').next().unwrap();
    let help = Command::new(binary("sync-server"))
        .args([sub, "--help"])
        .output()
        .unwrap();
    assert!(help.status.success(), "sync-server {sub} is no subcommand");
    // A non-root user of its own, the state folder a volume.
    assert!(r.lines().any(|l| l == "USER outreach"));
    assert!(r.contains("useradd --system --uid 10001"));
    assert!(r.lines().any(|l| l == "VOLUME [\"/var/lib/outreach\"]"));
    let env = container_environment(&r);
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("MALLOC_ARENA_MAX").as_deref(), Some("2"));
    assert!(
        get("OUTREACH_DATABASE")
            .unwrap()
            .starts_with("sqlite:///var/lib/outreach/")
    );
    assert!(
        get("OUTREACH_KEY_DIR")
            .unwrap()
            .starts_with("/var/lib/outreach/")
    );
    // Every variable is a setting of the server.
    let help = Command::new(binary("sync-server"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let mut named = 0;
    for (k, _) in &env {
        if k.starts_with("OUTREACH_") && k != "OUTREACH_LOG" {
            named += 1;
            assert!(
                help.contains(&format!("[env: {k}")),
                "{k} is no setting of the server"
            );
        }
    }
    assert!(named >= 5, "{env:?}");
}

#[test]
fn the_server_starts_with_the_container_recipes_settings() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("var-lib-outreach");
    std::fs::create_dir(&state).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    // The certificate an operator mounts at /etc/outreach/tls.
    let ca = outreach_tests::ca::TestCa::new();
    let cert = ca.issue("container");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let r = containerfile();
    let sub = r
        .lines()
        .find_map(|l| l.strip_prefix("CMD [\""))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let mut cmd = Command::new(binary("sync-server"));
    cmd.arg(sub)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in container_environment(&r) {
        let v = match k.as_str() {
            // The image listens on every address; here on loopback.
            "OUTREACH_LISTEN" => format!("127.0.0.1:{port}"),
            "OUTREACH_TLS_CERT" => cert.cert.display().to_string(),
            "OUTREACH_TLS_KEY" => cert.key.display().to_string(),
            _ => v.replace("/var/lib/outreach", state.to_str().unwrap()),
        };
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut up = false;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("the server stopped ({status}):\n{err}");
        }
        // Serving TLS: it accepts connections once it is up.
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            && state.join("outreach.db").exists()
        {
            up = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(up, "the server did not start with the recipe's settings");
    assert!(state.join("keys").is_dir(), "the keys are in the volume");
}
