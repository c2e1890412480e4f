//! Every endpoint of the API, registered and documented in one place.
//! [`super::app`] builds the router from [`table`] and [`crate::openapi`]
//! builds `/api/openapi.json` from it, so a route cannot be served without
//! being documented, nor documented without being served.
//!
//! Each entry names its handler, who may call it, its query (a type whose
//! fields are the parameters), its request and answer types (their JSON
//! Schemas come from the `shared` types through `schemars`) and the error
//! statuses it gives; the statuses every route of a kind gives (a body:
//! 400 and 413; a bearer token: 401, 403, 429; a path id: 400 and 404;
//! always 503) are added by the builder.
//!
//! To add a route: write the handler in `api.rs`, add one entry here, run
//! `UPDATE_GOLDEN=1 cargo test -p sync-server --test openapi` and review
//! the document's diff (see `sync-server/README.md`).

use axum::handler::Handler;
use axum::routing::{MethodRouter, get, post};
use outreach_shared::protocol::*;
use schemars::{JsonSchema, Schema, SchemaGenerator};

use super::*;

/// Makes a type's JSON Schema (a `$ref` to it among the document's
/// components, or the schema itself for a query).
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without a token.
    Open,
    /// An enrolled tablet's bearer token.
    Device,
    /// An office session's bearer token (`POST /api/v1/login`).
    Office,
    /// A tablet's or an office session's bearer token.
    DeviceOrOffice,
    /// An office session's token or a service credential of the feed
    /// (`sync-server admin issue-service-token`).
    OfficeOrService,
}

impl Access {
    /// The name in the document's `x-auth`.
    pub fn name(self) -> &'static str {
        match self {
            Access::Open => "none",
            Access::Device => "device",
            Access::Office => "office",
            Access::DeviceOrOffice => "device_or_office",
            Access::OfficeOrService => "office_or_service",
        }
    }
}

/// An answer other than the error body: its status, description and body.
pub struct Answer {
    pub status: u16,
    pub description: &'static str,
    /// `None`: no body (204).
    pub body: Option<SchemaFn>,
}

/// One endpoint: how it is served and how it is documented.
pub struct Route {
    /// `get` or `post`.
    pub method: &'static str,
    /// axum's path syntax (`{id}`), the same as OpenAPI's.
    pub path: &'static str,
    /// The handler's name, the operation's `operationId`.
    pub operation: &'static str,
    pub summary: &'static str,
    pub access: Access,
    /// A type whose fields are the query parameters.
    pub query: Option<SchemaFn>,
    pub request: Option<SchemaFn>,
    /// The answers with their own bodies (200, 204; the health check's 503).
    pub answers: Vec<Answer>,
    /// The statuses answered with an `ErrorBody`, ascending.
    pub errors: Vec<u16>,
    pub(super) handler: MethodRouter<AppState>,
    /// Authenticated and given a sync slot before the body is read
    /// ([`super::sync_slot`]).
    pub(super) sync_slot: bool,
}

impl Route {
    fn new<H, T>(
        method: &'static str,
        path: &'static str,
        summary: &'static str,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let operation = std::any::type_name::<H>()
            .rsplit("::")
            .next()
            .unwrap_or("handler");
        let handler = match method {
            "get" => get(handler),
            _ => post(handler),
        };
        let mut r = Route {
            method,
            path,
            operation,
            summary,
            access: Access::Open,
            query: None,
            request: None,
            answers: Vec::new(),
            errors: vec![503],
            handler,
            sync_slot: false,
        };
        if path.contains('{') {
            r = r.errors(&[400, 404]);
        }
        r
    }

    fn get<H: Handler<T, AppState>, T: 'static>(
        path: &'static str,
        summary: &'static str,
        handler: H,
    ) -> Self {
        Self::new("get", path, summary, handler)
    }

    fn post<H: Handler<T, AppState>, T: 'static>(
        path: &'static str,
        summary: &'static str,
        handler: H,
    ) -> Self {
        Self::new("post", path, summary, handler)
    }

    /// Who may call it; adds the statuses of a refused token (401), of a
    /// caller of the wrong kind (403) and of a device over its rate (429).
    fn access(mut self, access: Access) -> Self {
        self.access = access;
        match access {
            Access::Open => self,
            Access::OfficeOrService => self.errors(&[401, 403]),
            _ => self.errors(&[401, 403, 429]),
        }
    }

    /// The JSON request body: malformed or mistyped (400), too large (413).
    fn body<T: JsonSchema>(mut self) -> Self {
        self.request = Some(SchemaGenerator::subschema_for::<T>);
        self.errors(&[400, 413])
    }

    /// The query parameters: the fields of `T`.
    fn query<T: JsonSchema>(mut self) -> Self {
        self.query = Some(<T as JsonSchema>::json_schema);
        self.errors(&[400])
    }

    /// The answer, `200` with a `T`.
    fn ok<T: JsonSchema>(self) -> Self {
        self.answer::<T>(200, "OK")
    }

    /// Another answer with its own body.
    fn answer<T: JsonSchema>(mut self, status: u16, description: &'static str) -> Self {
        self.answers.push(Answer {
            status,
            description,
            body: Some(SchemaGenerator::subschema_for::<T>),
        });
        self
    }

    /// The answer `204` without a body.
    fn no_content(mut self) -> Self {
        self.answers.push(Answer {
            status: 204,
            description: "Done",
            body: None,
        });
        self
    }

    /// More statuses answered with an `ErrorBody`.
    fn errors(mut self, statuses: &[u16]) -> Self {
        self.errors.extend_from_slice(statuses);
        self.errors.sort_unstable();
        self.errors.dedup();
        self
    }

    /// Authenticated and given a sync slot before its body is read.
    fn sync_slot(mut self) -> Self {
        self.sync_slot = true;
        self
    }
}

/// Every endpoint of the API (the console's pages are
/// [`crate::console::router`]'s, all under `/console`).
pub fn table() -> Vec<Route> {
    use Access::*;
    vec![
        Route::get("/healthz", "Liveness and storage check", healthz)
            .ok::<Health>()
            .answer::<Health>(503, "The storage does not answer (status `degraded`)"),
        Route::get("/api/openapi.json", "This document", openapi)
            .ok::<serde_json::Map<String, serde_json::Value>>(),
        Route::post(
            "/api/v1/enroll",
            "Enrol a tablet with a one-time code (wrong codes are limited per client address)",
            enroll,
        )
        .body::<EnrollRequest>()
        .ok::<EnrollResponse>()
        .errors(&[401, 422, 429]),
        Route::post(
            "/api/v1/login",
            "Office login (username, password, and the TOTP code of an account that requires one); locked after repeated failures",
            login,
        )
        .body::<LoginRequest>()
        .ok::<LoginResponse>()
        .errors(&[401, 429]),
        Route::post("/api/v1/logout", "End an office session", logout)
            .access(Office)
            .no_content(),
        Route::post(
            "/api/v1/sync/push",
            "Push a batch of operations (exactly once each), answered one by one after the commit",
            push,
        )
        .access(Device)
        .sync_slot()
        .body::<PushRequest>()
        .ok::<PushResponse>(),
        Route::post(
            "/api/v1/sync/pull",
            "Pull changes after a cursor, filtered by the visibility rule",
            pull,
        )
        .access(DeviceOrOffice)
        .sync_slot()
        .body::<PullRequest>()
        .ok::<PullResponse>(),
        Route::get(
            "/api/v1/persons/{id}",
            "Read one person's record (audited); an agency member gets the alias and consent only, other fields empty",
            get_person,
        )
        .access(Office)
        .ok::<PersonSnapshot>(),
        Route::post(
            "/api/v1/persons/{id}/handover",
            "Hand the person over to another outreach worker of the team, with a note (supervisors of the team; audited)",
            post_handover,
        )
        .access(Office)
        .body::<HandOverRequest>()
        .ok::<outreach_shared::HandOver>()
        .errors(&[422]),
        Route::post(
            "/api/v1/reviews",
            "Approve or return a contact log (supervisors)",
            post_review,
        )
        .access(Office)
        .body::<ReviewRequest>()
        .ok::<ReviewResponse>()
        .errors(&[404, 422]),
        Route::get(
            "/api/v1/cases",
            "The 多機関協働 case queue, emergencies first (coordinators and roster members; workers and supervisors follow statuses only and are refused)",
            list_cases,
        )
        .access(Office)
        .ok::<CaseList>(),
        Route::get(
            "/api/v1/cases/{id}",
            "One case with every recorded move (audited; coordinators and roster members)",
            get_case,
        )
        .access(Office)
        .ok::<CaseDetail>(),
        Route::get(
            "/api/v1/cases/{id}/status",
            "A case's status as the escalating team follows it (audited): route, status, next meeting date, the 社協's tasks",
            get_case_status,
        )
        .access(Office)
        .ok::<CaseStatusView>(),
        Route::post(
            "/api/v1/cases/{id}/move",
            "Move a case through its lifecycle (coordinators)",
            move_case,
        )
        .access(Office)
        .body::<CaseMoveRequest>()
        .ok::<CaseDetail>()
        .errors(&[422]),
        Route::post(
            "/api/v1/cases/{id}/roster",
            "Add or update a meeting member (coordinators)",
            roster,
        )
        .access(Office)
        .body::<RosterRequest>()
        .ok::<CaseDetail>()
        .errors(&[422]),
        Route::post(
            "/api/v1/cases/{id}/roster/remove",
            "Remove a meeting member; their access ends at once (coordinators)",
            roster_remove,
        )
        .access(Office)
        .body::<RosterRemoveRequest>()
        .ok::<CaseDetail>()
        .errors(&[422]),
        Route::post(
            "/api/v1/cases/{id}/route",
            "Consent given later: move a 支援会議 case to the 重層的支援会議, re-confirming the roster (coordinators)",
            change_route,
        )
        .access(Office)
        .body::<RouteChangeRequest>()
        .ok::<CaseDetail>()
        .errors(&[422]),
        Route::post(
            "/api/v1/cases/{id}/find",
            "Ask outreach to find the person: the person joins a team's caseload at 把握 (coordinators)",
            find_request,
        )
        .access(Office)
        .body::<FindRequestRequest>()
        .ok::<CaseDetail>()
        .errors(&[422]),
        Route::get(
            "/api/v1/cases/{id}/records",
            "A case's plan, monitoring, closure evaluation, 支援会議 record and meetings, as the caller may see them (audited)",
            case_records,
        )
        .access(Office)
        .ok::<CaseRecords>(),
        Route::post(
            "/api/v1/cases/{id}/plan",
            "Record a new version of the プラン (coordinators)",
            plan,
        )
        .access(Office)
        .body::<PlanRequest>()
        .ok::<CaseRecords>()
        .errors(&[422]),
        Route::post(
            "/api/v1/cases/{id}/monitoring",
            "Record a monitoring of the current プラン (coordinators)",
            monitoring,
        )
        .access(Office)
        .body::<MonitoringRequest>()
        .ok::<CaseRecords>()
        .errors(&[422]),
        Route::post(
            "/api/v1/cases/{id}/closure",
            "Record the evaluation at closure; 終結 is refused without one (coordinators)",
            closure,
        )
        .access(Office)
        .body::<ClosureRequest>()
        .ok::<CaseRecords>()
        .errors(&[422]),
        Route::post(
            "/api/v1/cases/{id}/support-record",
            "Record the 支援会議's roles and direction (coordinators)",
            support_record,
        )
        .access(Office)
        .body::<SupportRecordRequest>()
        .ok::<CaseRecords>()
        .errors(&[422]),
        Route::post(
            "/api/v1/cases/{id}/meetings",
            "Schedule a meeting ahead or record one that was held (coordinators)",
            new_meeting,
        )
        .access(Office)
        .body::<MeetingRequest>()
        .ok::<Meeting>()
        .errors(&[422]),
        Route::post(
            "/api/v1/cases/{id}/meetings/{meeting}",
            "Edit a meeting from the version named in base_version; earlier versions are kept, an edit of an older version is refused with 409 (coordinators)",
            edit_meeting,
        )
        .access(Office)
        .body::<MeetingRequest>()
        .ok::<Meeting>()
        .errors(&[409, 422]),
        Route::post(
            "/api/v1/referrals",
            "Refer a case to 多機関協働 (coordinators and agency members)",
            referral,
        )
        .access(Office)
        .body::<ReferralRequest>()
        .ok::<ReferralReceipt>()
        .errors(&[404, 422]),
        Route::get(
            "/api/v1/feed/cases",
            "LGWAN feed: case-queue items changed after a sequence number (coordinators, or a service credential); a 支援会議 case as its status only",
            feed_cases,
        )
        .access(OfficeOrService)
        .query::<FeedQuery>()
        .ok::<FeedPage>(),
        Route::get(
            "/api/v1/feed/key",
            "The feed's ed25519 verifying key",
            feed_key,
        )
        .ok::<FeedKey>(),
    ]
}
