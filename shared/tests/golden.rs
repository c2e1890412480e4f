//! Golden wire-format tests: a frozen example of every protocol message is
//! checked in under `tests/golden/`. The code must keep reading each file into
//! the same value and writing that value back byte for byte.
//!
//! To change the wire format on purpose, bump the protocol version, then
//! regenerate with `UPDATE_GOLDEN=1 cargo test -p outreach-shared --test golden`
//! and review the diff.

mod fixtures;

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;
use std::path::PathBuf;

fn golden<T: Serialize + DeserializeOwned + PartialEq + Debug>(name: &str, value: &T) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.json"));
    let mut written = serde_json::to_string_pretty(value).unwrap();
    written.push('\n');
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &written).unwrap();
    }
    let frozen = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("missing golden file {}: {e}", path.display()));
    assert_eq!(written, frozen, "{name}: writing changed the wire format");
    let read: T = serde_json::from_str(&frozen).unwrap();
    assert_eq!(
        &read, value,
        "{name}: reading the frozen file gave a different value"
    );
}

#[test]
fn push_request() {
    golden("push_request", &fixtures::push_request());
}

#[test]
fn push_response() {
    golden("push_response", &fixtures::push_response());
}

#[test]
fn pull_request() {
    golden("pull_request", &fixtures::pull_request());
}

#[test]
fn pull_response() {
    golden("pull_response", &fixtures::pull_response());
}

#[test]
fn enroll_request() {
    golden("enroll_request", &fixtures::enroll_request());
}

#[test]
fn enroll_response() {
    golden("enroll_response", &fixtures::enroll_response());
}

#[test]
fn error_bodies() {
    golden("error_bodies", &fixtures::error_bodies());
}

#[test]
fn golden_examples_are_valid_domain_values() {
    use outreach_shared::ValidationContext;
    let ctx = ValidationContext::at(fixtures::at(2026, 6, 1, 0, 0));
    for op in fixtures::push_request().operations {
        op.validate(&ctx)
            .unwrap_or_else(|e| panic!("{}: {e}", op.payload.type_name()));
    }
    fixtures::escalation()
        .validate(&ctx, &fixtures::consent())
        .unwrap();
}

#[test]
fn every_payload_and_change_kind_is_in_the_golden_files() {
    let kinds: std::collections::BTreeSet<_> = fixtures::push_request()
        .operations
        .iter()
        .map(|o| o.payload.type_name())
        .collect();
    assert_eq!(kinds.len(), 10, "one operation of every payload type");
    let bodies: std::collections::HashSet<_> = fixtures::pull_response()
        .changes
        .iter()
        .map(|c| std::mem::discriminant(&c.body))
        .collect();
    assert_eq!(bodies.len(), 9, "one change of every body type");
    let outcomes: std::collections::HashSet<_> = fixtures::push_response()
        .results
        .iter()
        .map(|r| std::mem::discriminant(&r.outcome))
        .collect();
    assert_eq!(outcomes.len(), 4, "one result of every outcome");
}

#[test]
fn office_api_messages() {
    golden("login_request", &fixtures::login_request());
    golden("login_response", &fixtures::login_response());
    golden("review_request", &fixtures::review_request());
    golden("review_response", &fixtures::review_response());
    golden("case_move_request", &fixtures::case_move_request());
    golden("roster_request", &fixtures::roster_request());
    golden("case_detail", &fixtures::case_detail());
    golden("case_list", &fixtures::case_list());
    golden("feed_page", &fixtures::feed_page());
    golden("hand_over_request", &fixtures::handover_request());
}

/// The 参加支援 records and the 地域資源 catalogue (protocol 2.2), one file
/// per type, named as the type.
#[test]
fn participation() {
    golden("local_resource", &fixtures::local_resource());
    let mut all = fixtures::participation_entries();
    all.push(fixtures::participation_record());
    golden("participation_record", &all);
    let ctx = outreach_shared::ValidationContext::at(fixtures::at(2026, 6, 1, 0, 0));
    fixtures::local_resource().validate().unwrap();
    for r in &all {
        r.validate(&ctx).unwrap();
    }
}

/// A community activity of 地域づくり (protocol 2.3).
#[test]
fn community_activity() {
    golden("community_activity", &fixtures::community_activity());
    let ctx = outreach_shared::ValidationContext::at(fixtures::at(2026, 6, 1, 0, 0));
    fixtures::community_activity().validate(&ctx).unwrap();
}

/// A tablet of protocol 2.0 reads a person snapshot of 2.1 (with the 担当's
/// name and a hand-over) and ignores what it does not know: additive.
#[test]
fn an_older_tablet_reads_a_person_with_a_handover() {
    #[allow(dead_code)]
    #[derive(serde::Deserialize)]
    struct SnapshotBefore {
        person: outreach_shared::Person,
        versions: std::collections::BTreeMap<String, outreach_shared::Hlc>,
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/pull_response.json");
    let page: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let snap = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["body"]["type"] == "person")
        .unwrap()["body"]["data"]
        .clone();
    assert!(snap.get("handover").is_some(), "the golden file carries it");
    let old: SnapshotBefore = serde_json::from_value(snap).unwrap();
    assert_eq!(old.person.id, fixtures::person_id());
}

#[test]
fn case_life_messages() {
    golden("case_list_referred", &fixtures::case_list_referred());
    golden("route_change_request", &fixtures::route_change_request());
    golden("roster_remove_request", &fixtures::roster_remove_request());
    golden("referral_requests", &fixtures::referral_requests());
    golden("referral_receipt", &fixtures::referral_receipt());
    golden("find_request_request", &fixtures::find_request_request());
    golden("plan_request", &fixtures::plan_request());
    golden("monitoring_request", &fixtures::monitoring_request());
    golden("closure_request", &fixtures::closure_request());
    golden(
        "support_record_request",
        &fixtures::support_record_request(),
    );
    golden("meeting_requests", &fixtures::meeting_requests());
    golden("case_records", &fixtures::case_records());
}

/// A tablet of the previous minor version reads the case's status it knew
/// and ignores the fields added since (next meeting, the 社協's tasks, the
/// find-request, folded escalations): additive, so no "update the app".
#[test]
fn an_older_tablet_reads_the_new_case_status() {
    #[allow(dead_code)]
    #[derive(serde::Deserialize)]
    struct CaseStatusViewBefore {
        case_id: outreach_shared::CaseId,
        person_id: outreach_shared::PersonId,
        status: outreach_shared::CaseStatus,
        route: outreach_shared::Route,
        urgency: outreach_shared::Urgency,
        return_reason: Option<String>,
        updated_at: chrono::DateTime<chrono::Utc>,
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/pull_response.json");
    let page: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let case = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["body"]["type"] == "case")
        .unwrap()["body"]["data"]
        .clone();
    for new in [
        "next_meeting",
        "outreach_tasks",
        "find_request",
        "followups",
    ] {
        assert!(case.get(new).is_some(), "the golden file carries {new}");
    }
    let old: CaseStatusViewBefore = serde_json::from_value(case).unwrap();
    assert_eq!(old.case_id, fixtures::case_id());
}

/// The enrolment QR code's text (not JSON: a URI, `shared::enrolment`). The
/// console writes it, the tablet reads it; tablets in the field read QR codes
/// of any console version, so the text is frozen like the wire format.
#[test]
fn enrolment_qr() {
    use outreach_shared::enrolment::{EnrolmentQr, SpkiPin};
    let qr = EnrolmentQr {
        server: "https://outreach.example.invalid:8443".into(),
        code: "ABCD-EFGH-JKLM".into(),
        pins: vec![
            SpkiPin::of_spki_der(b"fictitious current server key"),
            SpkiPin::of_spki_der(b"fictitious next server key"),
        ],
    };
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/enrolment_qr.txt");
    let written = format!("{}\n", qr.to_text());
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &written).unwrap();
    }
    let frozen = std::fs::read_to_string(&path).expect("missing golden file enrolment_qr.txt");
    assert_eq!(written, frozen, "writing changed the enrolment QR format");
    assert_eq!(EnrolmentQr::parse(&frozen).unwrap(), qr);
}
