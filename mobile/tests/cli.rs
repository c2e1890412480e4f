//! The `outreach` CLI as a worker's script would use it: a real binary, real
//! files. The fictitious person and notes written through it must appear
//! nowhere in any file, in any encoding; bad input gives a clear message and
//! a non-zero exit, never a panic.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

const ALIAS: &str = "架空 花子";
const KANA: &str = "カクウ ハナコ";
const NOTE: &str = "架空の観察メモ：玄関先の鉢植えが枯れていた";
const SUMMARY: &str = "架空の概要：母と二人暮らしで外出していない";
const REASON: &str = "架空のつなぎ理由：介護と就労の課題が重なる";
const SUMMARY2: &str = "架空の概要その二：兄が時々様子を見に来る";
const MEMBER: &str = "架空 母";
const MEMBER_NOTE: &str = "架空の世帯員メモ：膝が悪く買い物がつらい";
const NEXT: &str = "架空の次回予定：置き手紙を持って再訪";
const MEMBER_NOTE2: &str = "架空の世帯員メモ二：デイサービスに通い始めた";
const STAGE_REASON: &str = "架空のつなぎ理由：週一回の居場所に通えている";
const RESOURCE: &str = "架空の居場所ひだまり";

fn outreach(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outreach"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--device-secret")
        .arg(dir.join("config").join("device.key"))
        .args(args)
        .env("OUTREACH_PIN", "246813")
        .env("OUTREACH_NEW_PIN", "246813")
        .env_remove("OUTREACH_DATA_DIR")
        .env_remove("OUTREACH_DEVICE_SECRET")
        .output()
        .expect("run outreach")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = outreach(dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    serde_json::from_str(&ok(dir, &a)).unwrap()
}

fn fails(dir: &Path, args: &[&str], code: i32) -> String {
    let out = outreach(dir, args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert!(!err.trim().is_empty(), "{args:?} gave no message");
    err
}

#[test]
fn a_fictitious_name_and_notes_appear_in_no_file_in_any_encoding() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["init"]);
    let p = json(
        dir,
        &[
            "person",
            "add",
            "--alias",
            ALIAS,
            "--kana",
            KANA,
            "--summary",
            SUMMARY,
            "--field",
            "elderly",
            "--tag",
            "8050",
            "--area",
            "sakaecho-2",
        ],
    );
    let id = p["person"]["id"].as_str().unwrap().to_string();
    // Keep a connection open so that the WAL and shared-memory files stay
    // on disk (SQLite removes them when the last connection closes).
    let db = dir.join("data").join(outreach_mobile::DB_FILE);
    let keep = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = keep
        .query_row("SELECT count(*) FROM persons", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    ok(
        dir,
        &[
            "contact",
            "add",
            "--person",
            &id,
            "--method",
            "home_visit",
            "--met",
            "family_only",
            "--observation",
            NOTE,
            "--next",
            NEXT,
            "--due",
            "2099-01-01",
            "--difficulty",
            "3",
            "--reflection",
            NOTE,
            "--accompaniment",
            "with_welfare_commissioner",
        ],
    );
    ok(
        dir,
        &[
            "person",
            "member-add",
            &id,
            "--relation",
            "parent",
            "--alias",
            MEMBER,
            "--birth-year",
            "1944",
            "--lives-together",
            "--note",
            MEMBER_NOTE,
        ],
    );
    let shown = json(dir, &["person", "show", &id]);
    let member_id = shown["person"]["household"]["members"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        dir,
        &[
            "person",
            "member-edit",
            &id,
            &member_id,
            "--note",
            MEMBER_NOTE2,
        ],
    );
    ok(
        dir,
        &[
            "person",
            "member-add",
            &id,
            "--relation",
            "sibling",
            "--alias",
            MEMBER,
            "--lives-apart",
        ],
    );
    ok(dir, &["stage", &id, "trying_to_reach"]);
    ok(
        dir,
        &[
            "consent",
            &id,
            "--status",
            "verbal",
            "--scope",
            "multi_layered_meeting",
        ],
    );
    ok(
        dir,
        &["escalate", &id, "--reason", REASON, "--field", "elderly"],
    );
    for to in ["first_contact", "relationship_forming", "accepts_support"] {
        ok(dir, &["stage", &id, to]);
    }
    ok(
        dir,
        &[
            "stage",
            &id,
            "handed_on",
            "--reason",
            STAGE_REASON,
            "--to-resource",
            RESOURCE,
        ],
    );
    ok(dir, &["person", "update", &id, "--summary", SUMMARY2]);
    // The same value again changes nothing and writes no operation.
    ok(dir, &["person", "update", &id, "--summary", SUMMARY2]);
    // The data is really there and readable with the PIN.
    let shown = ok(dir, &["person", "show", &id]);
    assert!(shown.contains(ALIAS) && shown.contains(KANA) && shown.contains(SUMMARY2));
    assert!(shown.contains(MEMBER) && shown.contains(MEMBER_NOTE2));
    assert!(shown.contains(RESOURCE) && shown.contains(STAGE_REASON));
    let tl = ok(dir, &["timeline", &id]);
    assert!(tl.contains(NOTE) && tl.contains(NEXT));
    let found = json(dir, &["search", "かくう"]);
    assert_eq!(found["persons"][0]["id"], id.as_str());
    let status = json(dir, &["outbox", "status"]);
    assert_eq!(status["pending"], 13);

    let files = all_files(dir);
    let names: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
    assert!(
        names.iter().any(|n| n.ends_with("-wal")),
        "the WAL is scanned too: {names:?}"
    );
    assert!(names.iter().any(|n| n.ends_with("device.key")));
    let wal_len = files
        .iter()
        .find(|(p, _)| p.to_string_lossy().ends_with("-wal"))
        .map(|(_, b)| b.len());
    assert!(wal_len.unwrap_or(0) > 0, "the WAL holds the recent writes");
    let mut needles = vec![
        ALIAS,
        KANA,
        NOTE,
        SUMMARY,
        SUMMARY2,
        REASON,
        NEXT,
        MEMBER_NOTE,
        MEMBER_NOTE2,
        STAGE_REASON,
        RESOURCE,
        "架空",
        "カクウ",
        "鉢植え",
    ];
    needles.extend([
        "sakaecho",
        // The 8050 tag as it appears in a record's JSON (with its quotes):
        // the bare digits also occur by chance in clear timestamps and ids.
        "\"8050\"",
        "trying_to_reach",
        "verbal",
        "family_only",
        "elderly",
        "with_welfare_commissioner",
        "handed_on",
        "ひだまり",
    ]);
    for needle in needles {
        for (enc, bytes) in encodings(needle) {
            for (path, content) in &files {
                assert!(
                    !contains(content, &bytes),
                    "{needle:?} found as {enc} in {}",
                    path.display()
                );
            }
        }
        for name in &names {
            assert!(!name.contains(needle), "{needle:?} in a file name");
        }
    }
    drop(keep);
}

#[test]
fn bad_input_gives_a_clear_message_and_a_non_zero_exit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let e = fails(dir, &["person", "list"], 1);
    assert!(e.contains("outreach init"), "{e}");
    ok(dir, &["init"]);
    let e = fails(dir, &["init"], 1);
    assert!(e.contains("既にストアがあります"), "{e}");
    let id = json(dir, &["person", "add", "--alias", ALIAS])["person"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let e = fails(dir, &["person", "add", "--kana", "kakuu"], 5);
    assert!(
        e.contains("呼び名を入力してください") && e.contains("ふりがな"),
        "{e}"
    );
    let e = fails(dir, &["person", "show", "not-an-id"], 2);
    assert!(e.contains("形式が正しくありません"), "{e}");
    let e = fails(
        dir,
        &["person", "show", "01a21b7c-51c4-7aa0-9471-bc1b4f497eb2"],
        6,
    );
    assert!(e.contains("見つかりません"), "{e}");
    let e = fails(dir, &["stage", &id, "closed"], 5);
    assert!(e.contains("「把握」から「終結」"), "{e}");
    let e = fails(dir, &["stage", &id, "flying"], 2);
    assert!(e.contains("trying_to_reach"), "{e}");
    let e = fails(
        dir,
        &[
            "contact", "add", "--person", &id, "--method", "teleport", "--met", "nobody",
        ],
        2,
    );
    assert!(e.contains("home_visit"), "{e}");
    let e = fails(
        dir,
        &[
            "contact", "add", "--person", &id, "--method", "phone", "--met", "person",
        ],
        5,
    );
    assert!(e.contains("本人の反応"), "{e}");
    let e = fails(
        dir,
        &[
            "contact",
            "add",
            "--person",
            &id,
            "--method",
            "phone",
            "--met",
            "nobody",
            "--at",
            "yesterday",
        ],
        2,
    );
    assert!(e.contains("日時"), "{e}");
    // The contact form's own parser: a due date that does not read, and who
    // went, which must be given (as on the tablet).
    let e = fails(
        dir,
        &[
            "contact",
            "add",
            "--person",
            &id,
            "--method",
            "phone",
            "--met",
            "nobody",
            "--due",
            "あした",
        ],
        5,
    );
    assert!(
        e.contains("日付として読めません") && e.contains("訪問体制"),
        "{e}"
    );
    let e = fails(
        dir,
        &[
            "contact",
            "add",
            "--person",
            &id,
            "--method",
            "phone",
            "--met",
            "nobody",
            "--difficulty",
            "9",
            "--accompaniment",
            "alone",
        ],
        5,
    );
    assert!(e.contains("1から5"), "{e}");
    // Closing says why; dates are read in 令和 too.
    ok(dir, &["stage", &id, "paused:refused"]);
    let e = fails(dir, &["stage", &id, "closed"], 5);
    assert!(e.contains("理由を入力してください"), "{e}");
    ok(dir, &["stage", &id, "closed", "--reason", "架空の終結理由"]);
    let e = fails(
        dir,
        &[
            "consent",
            &id,
            "--status",
            "verbal",
            "--scope",
            "contact_family",
            "--date",
            "R8.2.30",
        ],
        2,
    );
    assert!(e.contains("その日付はありません"), "{e}");
    let e = fails(dir, &["escalate", &id, "--reason", ""], 5);
    assert!(e.contains("入力してください"), "{e}");
    fails(dir, &["no-such-command"], 2);
    let e = fails(dir, &["wipe"], 2);
    assert!(e.contains("--yes"), "{e}");
    // JSON errors for scripts.
    let out = outreach(dir, &["--json", "person", "add", "--alias", ""]);
    assert_eq!(out.status.code(), Some(5));
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(v["error"], "invalid");
    assert_eq!(v["field_errors"][0]["field"], "alias");
    // A wrong PIN: counted, and clear.
    let out = Command::new(env!("CARGO_BIN_EXE_outreach"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--device-secret")
        .arg(dir.join("config").join("device.key"))
        .args(["person", "list"])
        .env("OUTREACH_PIN", "000000")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("あと9回"));
    // An empty PIN (a script bug) is refused without costing an attempt.
    let out = Command::new(env!("CARGO_BIN_EXE_outreach"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--device-secret")
        .arg(dir.join("config").join("device.key"))
        .args(["person", "list"])
        .env("OUTREACH_PIN", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PINが空です"));
    let st = json(dir, &["status"]);
    assert_eq!(st["wrong_pins"], 1);
    // Nothing personal in any error message.
    assert!(!String::from_utf8_lossy(&out.stderr).contains(ALIAS));
    // Wipe needs no PIN and removes everything.
    ok(dir, &["wipe", "--yes"]);
    assert!(!dir.join("data").exists());
    assert!(!dir.join("config").join("device.key").exists());
}

#[test]
fn pin_change_lock_and_status_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["init"]);
    json(dir, &["person", "add", "--alias", ALIAS]);
    let run = |args: &[&str], pin: &str, new_pin: &str| {
        Command::new(env!("CARGO_BIN_EXE_outreach"))
            .arg("--data-dir")
            .arg(dir.join("data"))
            .arg("--device-secret")
            .arg(dir.join("config").join("device.key"))
            .args(args)
            .env("OUTREACH_PIN", pin)
            .env("OUTREACH_NEW_PIN", new_pin)
            .output()
            .unwrap()
    };
    // Too short a new PIN is refused with the rule.
    let out = run(&["change-pin"], "246813", "123");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("6文字以上"));
    let out = run(&["change-pin"], "246813", "はむらのそら");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["person", "list"], "246813", "");
    assert_eq!(out.status.code(), Some(3), "the old PIN no longer opens");
    let out = run(&["--json", "person", "list"], "はむらのそら", "");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["persons"][0]["alias"], ALIAS);
    // Lock folds the WAL in and needs no PIN; status reads without the key.
    let out = run(&["lock"], "", "");
    assert!(out.status.success());
    let out = run(&["--json", "status"], "", "");
    let st: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(st["unlocked"], false);
    assert_eq!(st["wrong_pins"], 0, "reset by the right PIN");
    assert_eq!(
        st["schema_version"],
        outreach_mobile::store::schema::LATEST_VERSION
    );
    assert_eq!(st["outbox"]["pending"], 1);
}

#[test]
fn a_household_is_linked_and_escalated_each_member_by_their_own_consent() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["init"]);
    let add = |alias: &str| {
        json(dir, &["person", "add", "--alias", alias])["person"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mother = add("架空 母子A");
    let son = add("架空 母子B");
    let daughter = add("架空 母子C");
    for id in [&mother, &daughter] {
        ok(
            dir,
            &[
                "consent",
                id,
                "--status",
                "verbal",
                "--scope",
                "multi_layered_meeting",
            ],
        );
    }
    for (relation, id) in [("child", &son), ("child", &daughter)] {
        ok(
            dir,
            &[
                "person",
                "member-add",
                &mother,
                "--relation",
                relation,
                "--linked-person",
                id,
            ],
        );
    }
    // The person herself can't be her own member; a bad id is a clear
    // error.
    fails(
        dir,
        &[
            "person",
            "member-add",
            &mother,
            "--relation",
            "other_relative",
            "--linked-person",
            &mother,
        ],
        5,
    );
    fails(
        dir,
        &[
            "person",
            "member-add",
            &mother,
            "--relation",
            "other_relative",
            "--linked-person",
            "not-an-id",
        ],
        2,
    );
    let shown = json(dir, &["person", "show", &mother]);
    let linked: BTreeSet<String> = shown["person"]["household"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["person"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(linked, BTreeSet::from([son.clone(), daughter.clone()]));

    let e = json(
        dir,
        &[
            "escalate",
            &mother,
            "--reason",
            REASON,
            "--field",
            "elderly",
            "--household",
        ],
    );
    let routes: BTreeMap<String, String> = e["escalation"]["household"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["person_id"].as_str().unwrap().to_owned(),
                m["route"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // One member's consent never covers another.
    assert_eq!(routes[&daughter], "multi_layered_meeting");
    assert_eq!(routes[&son], "support_meeting");
    assert_eq!(routes.len(), 2);
}
