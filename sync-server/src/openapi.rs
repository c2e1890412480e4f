//! The OpenAPI 3.1 document served at `/api/openapi.json`, generated from
//! the route table below, which a test checks against the router. Request
//! and response bodies are `shared::protocol` types, named by their Rust
//! type; the golden files in `shared/tests/golden/` pin their JSON.

use serde_json::{Value, json};

/// One endpoint.
pub struct RouteDoc {
    pub method: &'static str,
    /// axum path syntax (`{id}`), same as OpenAPI's.
    pub path: &'static str,
    pub summary: &'static str,
    /// `device`, `office`, `any` (device or office), `office_or_service`
    /// (an office session or a service credential: the feed) or `none`.
    pub auth: &'static str,
    pub request: Option<&'static str>,
    pub response: &'static str,
}

/// Every endpoint of [`crate::api::app`].
pub const ROUTES: &[RouteDoc] = &[
    RouteDoc {
        method: "get",
        path: "/healthz",
        summary: "Liveness and storage check",
        auth: "none",
        request: None,
        response: "Health",
    },
    RouteDoc {
        method: "get",
        path: "/api/openapi.json",
        summary: "This document",
        auth: "none",
        request: None,
        response: "OpenAPI",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/enroll",
        summary: "Enrol a tablet with a one-time code",
        auth: "none",
        request: Some("EnrollRequest"),
        response: "EnrollResponse",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/login",
        summary: "Office login (username, password, and the TOTP code of an account that requires one); locked after repeated failures",
        auth: "none",
        request: Some("LoginRequest"),
        response: "LoginResponse",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/logout",
        summary: "End an office session",
        auth: "office",
        request: None,
        response: "NoContent",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/sync/push",
        summary: "Push a batch of operations (exactly once each)",
        auth: "device",
        request: Some("PushRequest"),
        response: "PushResponse",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/sync/pull",
        summary: "Pull changes after a cursor, filtered by the visibility rule",
        auth: "any",
        request: Some("PullRequest"),
        response: "PullResponse",
    },
    RouteDoc {
        method: "get",
        path: "/api/v1/persons/{id}",
        summary: "Read one person's record (audited); an agency member gets the alias and consent only",
        auth: "office",
        request: None,
        response: "PersonSnapshot",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/persons/{id}/handover",
        summary: "Hand the person over to another outreach worker of the team, with a note (supervisors of the team; audited)",
        auth: "office",
        request: Some("HandOverRequest"),
        response: "HandOver",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/reviews",
        summary: "Approve or return a contact log (supervisors)",
        auth: "office",
        request: Some("ReviewRequest"),
        response: "ReviewResponse",
    },
    RouteDoc {
        method: "get",
        path: "/api/v1/cases",
        summary: "The 多機関協働 case queue, emergencies first (coordinators and roster members; workers and supervisors follow statuses only and are refused)",
        auth: "office",
        request: None,
        response: "CaseList",
    },
    RouteDoc {
        method: "get",
        path: "/api/v1/cases/{id}",
        summary: "One case with every recorded move (audited; coordinators and roster members)",
        auth: "office",
        request: None,
        response: "CaseDetail",
    },
    RouteDoc {
        method: "get",
        path: "/api/v1/cases/{id}/status",
        summary: "A case's status as the escalating team follows it (audited): route, status, next meeting date, the 社協's tasks",
        auth: "office",
        request: None,
        response: "CaseStatusView",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/cases/{id}/move",
        summary: "Move a case through its lifecycle (coordinators)",
        auth: "office",
        request: Some("CaseMoveRequest"),
        response: "CaseDetail",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/cases/{id}/roster",
        summary: "Add or update a meeting member (coordinators)",
        auth: "office",
        request: Some("RosterRequest"),
        response: "CaseDetail",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/cases/{id}/roster/remove",
        summary: "Remove a meeting member; their access ends at once (coordinators)",
        auth: "office",
        request: Some("RosterRemoveRequest"),
        response: "CaseDetail",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/cases/{id}/route",
        summary: "Consent given later: move a 支援会議 case to the 重層的支援会議, re-confirming the roster (coordinators)",
        auth: "office",
        request: Some("RouteChangeRequest"),
        response: "CaseDetail",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/cases/{id}/find",
        summary: "Ask outreach to find the person: the person joins a team's caseload at 把握 (coordinators)",
        auth: "office",
        request: Some("FindRequestRequest"),
        response: "CaseDetail",
    },
    RouteDoc {
        method: "get",
        path: "/api/v1/cases/{id}/records",
        summary: "A case's plan, monitoring, closure evaluation, 支援会議 record and meetings, as the caller may see them (audited)",
        auth: "office",
        request: None,
        response: "CaseRecords",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/cases/{id}/plan",
        summary: "Record a new version of the プラン (coordinators)",
        auth: "office",
        request: Some("PlanRequest"),
        response: "CaseRecords",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/cases/{id}/monitoring",
        summary: "Record a monitoring of the current プラン (coordinators)",
        auth: "office",
        request: Some("MonitoringRequest"),
        response: "CaseRecords",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/cases/{id}/closure",
        summary: "Record the evaluation at closure; 終結 is refused without one (coordinators)",
        auth: "office",
        request: Some("ClosureRequest"),
        response: "CaseRecords",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/cases/{id}/support-record",
        summary: "Record the 支援会議's roles and direction (coordinators)",
        auth: "office",
        request: Some("SupportRecordRequest"),
        response: "CaseRecords",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/cases/{id}/meetings",
        summary: "Schedule a meeting ahead or record one that was held (coordinators)",
        auth: "office",
        request: Some("MeetingRequest"),
        response: "Meeting",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/cases/{id}/meetings/{meeting}",
        summary: "Edit a meeting; earlier versions are kept (coordinators)",
        auth: "office",
        request: Some("MeetingRequest"),
        response: "Meeting",
    },
    RouteDoc {
        method: "post",
        path: "/api/v1/referrals",
        summary: "Refer a case to 多機関協働 (coordinators and agency members)",
        auth: "office",
        request: Some("ReferralRequest"),
        response: "ReferralReceipt",
    },
    RouteDoc {
        method: "get",
        path: "/api/v1/feed/cases",
        summary: "LGWAN feed: case-queue items changed after ?after=SEQ (coordinators, or a service credential); a 支援会議 case as its status only",
        auth: "office_or_service",
        request: None,
        response: "FeedPage",
    },
    RouteDoc {
        method: "get",
        path: "/api/v1/feed/key",
        summary: "The feed's ed25519 verifying key",
        auth: "none",
        request: None,
        response: "FeedKey",
    },
];

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The document.
pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    let mut names: Vec<&str> = vec!["ErrorBody"];
    for r in ROUTES {
        let ok = if r.response == "NoContent" {
            json!({ "204": { "description": "No content" } })
        } else {
            json!({ "200": { "description": "OK", "content": { "application/json": { "schema": schema_ref(r.response) } } } })
        };
        let mut op = json!({
            "summary": r.summary,
            "responses": {
                "4XX": { "description": "Client error", "content": { "application/json": { "schema": schema_ref("ErrorBody") } } }
            }
        });
        if let (Some(responses), Some(ok)) = (op["responses"].as_object_mut(), ok.as_object()) {
            responses.extend(ok.clone());
        }
        if r.auth != "none" {
            op["security"] = json!([{ "bearer": [] }]);
            op["x-auth"] = json!(r.auth);
        }
        if let Some(req) = r.request {
            op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": schema_ref(req) } } });
            names.push(req);
        }
        let params: Vec<Value> = ["id", "meeting"]
            .into_iter()
            .filter(|p| r.path.contains(&format!("{{{p}}}")))
            .map(|p| json!({ "name": p, "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }))
            .collect();
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if r.response != "NoContent" {
            names.push(r.response);
        }
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        entry[r.method] = op;
    }
    names.sort_unstable();
    names.dedup();
    let schemas: serde_json::Map<String, Value> = names
        .into_iter()
        .map(|n| {
            (n.to_owned(), json!({
                "type": "object",
                "description": format!("outreach_shared::protocol::{n} (JSON as serde writes it; see shared/src/protocol.rs)")
            }))
        })
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Hamura Outreach sync server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!("Protocol {}. Errors are ErrorBody with a machine-readable code.", outreach_shared::protocol::ProtocolVersion::CURRENT)
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } }
        }
    })
}
