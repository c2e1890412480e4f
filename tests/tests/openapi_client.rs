//! A client that knows the server only from `/api/openapi.json` can talk to
//! it: against the real server process with the demo data, every answer of
//! the main routes (enrol, push, pull, login, the office's reads, the feed,
//! and refusals) has a status the document names for the route and a body
//! that matches the document's JSON Schema for it; every golden request and
//! answer of `shared/tests/golden/` matches its schema, and a broken one
//! does not.

#[path = "support/contract.rs"]
mod contract;

use chrono::Utc;
use contract::{Contract, golden};
use outreach_tests::ServerProcess;
use outreach_tests::office::api_login;
use outreach_tests::world::issue_code;
use serde_json::{Value, json};
use sync_server::demo::DEMO_PASSWORD;

async fn document(http: &reqwest::Client, url: &str) -> Contract {
    let doc: Value = http
        .get(format!("{url}/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Contract::new(doc)
}

#[tokio::test]
async fn golden_requests_and_answers_match_the_documents_schemas() {
    let s = ServerProcess::start();
    let http = reqwest::Client::new();
    let mut c = document(&http, &s.url()).await;
    // Every request body the document names has golden examples, and each
    // matches its schema.
    let mut checked = 0;
    for (path, method, _) in c.operations() {
        let Some(schema) = c.request_schema(&method, &path) else {
            continue;
        };
        let name = schema["$ref"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let examples = golden(&name).unwrap_or_else(|| panic!("no golden example of {name}"));
        for g in &examples {
            c.check(&schema, g)
                .unwrap_or_else(|e| panic!("golden {name} ({method} {path}): {e}"));
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} golden requests");
    // The golden answers, as the server writes them.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/tests/golden/");
    let mut answers = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        let Some(stem) = file.strip_suffix(".json") else {
            continue;
        };
        if stem.ends_with("request") || stem.ends_with("requests") {
            continue;
        }
        let name = match stem {
            "error_bodies" => "ErrorBody".to_owned(),
            "case_list_referred" => "CaseList".to_owned(),
            s => s
                .split('_')
                .map(|w| w[..1].to_uppercase() + &w[1..])
                .collect(),
        };
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{dir}{file}")).unwrap())
                .unwrap();
        let items = match v {
            // Files that hold several examples of one type.
            Value::Array(a) if name == "ErrorBody" || name == "ParticipationRecord" => a,
            v => vec![v],
        };
        for item in items {
            c.check(&Contract::named(&name), &item)
                .unwrap_or_else(|e| panic!("golden {file}: {e}"));
            answers += 1;
        }
    }
    assert!(answers >= 10, "{answers} golden answers");
    // The validator does refuse what serde refuses: an unknown field, a
    // missing one, a wrong tag, a malformed HLC, an unknown area.
    let push = c.request_schema("post", "/api/v1/sync/push").unwrap();
    let good = golden("PushRequest").unwrap().remove(0);
    for (what, path, value) in [
        ("unknown field", "/extra", json!(1)),
        (
            "wrong type",
            "/operations/0/payload/type",
            json!("delete_person"),
        ),
        ("bad HLC", "/operations/0/hlc", json!("yesterday")),
        (
            "bad area",
            "/operations/0/payload/data/area",
            json!("shibuya-1"),
        ),
        ("bad id", "/device_id", json!("not-a-uuid")),
    ] {
        let mut bad = good.clone();
        let (parent, key) = path.rsplit_once('/').unwrap();
        bad.pointer_mut(if parent.is_empty() { "" } else { parent })
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert(key.to_owned(), value);
        assert!(c.check(&push, &bad).is_err(), "{what} passed the schema");
        assert!(
            serde_json::from_value::<outreach_shared::protocol::PushRequest>(bad).is_err(),
            "{what}: serde reads it, the schema should not refuse it"
        );
    }
    // And an answer the document does not name, or of another shape.
    assert!(
        c.check_answer("get", "/api/v1/feed/key", 404, "{}")
            .is_err()
    );
    assert!(
        c.check_answer("get", "/healthz", 200, r#"{"status":"fine"}"#)
            .is_err()
    );
    assert!(c.check_answer("post", "/api/v1/logout", 204, "{}").is_err());
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("protocol");
    assert!(
        c.check(&push, &missing).is_err(),
        "a missing protocol passed"
    );
}

/// One exchange, checked against the document: the status is one the
/// operation names and the body matches its schema.
struct Client {
    http: reqwest::Client,
    url: String,
    contract: Contract,
    checked: usize,
}

impl Client {
    async fn call(
        &mut self,
        method: &str,
        template: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut req = self.http.request(m, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        // Whether our request matches the document's schema for it.
        let mut request_ok = Ok(());
        if let Some(b) = &body {
            if let Some(schema) = self.contract.request_schema(method, template) {
                request_ok = self.contract.check(&schema, b);
            }
            req = req.json(b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        self.contract
            .check_answer(method, template, status, &text)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", &text[..text.len().min(600)]));
        // What the document refuses, the server refuses.
        if let Err(e) = request_ok {
            assert!(
                (400..500).contains(&status),
                "{method} {path}: the server accepted ({status}) a request the document refuses: {e}"
            );
        }
        self.checked += 1;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn uuid_v7(n: u8) -> String {
    let ms = Utc::now().timestamp_millis() as u64;
    outreach_shared::PersonId::new_v7(ms, [n, 7, 1, 2, 3, 4, 5, 6, 7, 8]).to_string()
}

#[tokio::test]
async fn real_answers_of_the_main_routes_match_the_document() {
    let s = ServerProcess::start_with(&["--demo"]);
    let http = reqwest::Client::new();
    let url = s.url();
    let contract = document(&http, &url).await;
    let mut c = Client {
        http: http.clone(),
        url: url.clone(),
        contract,
        checked: 0,
    };
    let p = outreach_shared::protocol::ProtocolVersion::CURRENT.to_string();

    c.call("get", "/healthz", "/healthz", None, None).await;
    c.call("get", "/api/v1/feed/key", "/api/v1/feed/key", None, None)
        .await;

    // Enrol a tablet.
    let code = issue_code(&s, "worker1");
    let (st, wrong) = c
        .call("post", "/api/v1/enroll", "/api/v1/enroll", None,
            Some(json!({"protocol": p, "code": "WRONG-CODE", "device_label": "架空 端末", "platform": "linux"})))
        .await;
    assert_eq!(st, 401, "{wrong}");
    let (st, enrolled) = c
        .call("post", "/api/v1/enroll", "/api/v1/enroll", None,
            Some(json!({"protocol": p, "code": code, "device_label": "架空 端末", "platform": "linux"})))
        .await;
    assert_eq!(st, 200, "{enrolled}");
    let device = enrolled["device_id"].as_str().unwrap().to_owned();
    let token = enrolled["token"].as_str().unwrap().to_owned();

    // Push: applied, then the same again (duplicate), and one refused.
    let mut op = golden("PushRequest").unwrap()[0]["operations"][0].clone();
    let person = uuid_v7(1);
    let now = Utc::now();
    op["id"] = json!(uuid_v7(2));
    op["device_id"] = json!(device);
    op["hlc"] = json!(format!("{:015}-{:05}-{device}", now.timestamp_millis(), 0));
    op["entity"]["id"] = json!(person);
    op["payload"]["data"]["id"] = json!(person);
    op["payload"]["data"]["team"] = enrolled["team_id"].clone();
    op["payload"]["data"]["assigned_worker"] = enrolled["user_id"].clone();
    op["payload"]["data"]["created_at"] = json!(now);
    let mut refused = op.clone();
    refused["id"] = json!(uuid_v7(3));
    refused["payload"]["data"]["alias"] = json!("");
    let push = json!({"protocol": p, "device_id": device, "operations": [op, refused]});
    for expect in ["applied", "duplicate"] {
        let (st, v) = c
            .call(
                "post",
                "/api/v1/sync/push",
                "/api/v1/sync/push",
                Some(&token),
                Some(push.clone()),
            )
            .await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["results"][0]["status"], expect, "{v}");
        assert_eq!(v["results"][1]["status"], "rejected", "{v}");
    }
    // Pull, as the tablet.
    let (st, v) = c
        .call(
            "post",
            "/api/v1/sync/pull",
            "/api/v1/sync/pull",
            Some(&token),
            Some(json!({"protocol": p, "cursor": 0, "limit": 500})),
        )
        .await;
    assert_eq!(st, 200);
    assert!(!v["changes"].as_array().unwrap().is_empty());
    let (st, _) = c
        .call(
            "post",
            "/api/v1/sync/pull",
            "/api/v1/sync/pull",
            Some(&token),
            Some(json!({"protocol": p, "cursor": 0, "limit": 0})),
        )
        .await;
    assert_eq!(st, 400);
    let (st, _) = c
        .call(
            "post",
            "/api/v1/sync/pull",
            "/api/v1/sync/pull",
            Some("made-up-token"),
            Some(json!({"protocol": p, "cursor": 0, "limit": 10})),
        )
        .await;
    assert_eq!(st, 401);

    // The office: login, the case queue and its reads, a person, the feed.
    let (st, body) = api_login(&http, &url, "coordinator", DEMO_PASSWORD, None, None).await;
    assert_eq!(st, 200, "{body}");
    let (st, login) = c
        .call(
            "post",
            "/api/v1/login",
            "/api/v1/login",
            None,
            Some(json!({"protocol": p, "username": "coordinator", "password": DEMO_PASSWORD})),
        )
        .await;
    assert_eq!(st, 200);
    let coord = login["token"].as_str().unwrap().to_owned();
    let (st, _) = c
        .call(
            "post",
            "/api/v1/login",
            "/api/v1/login",
            None,
            Some(json!({"protocol": p, "username": "coordinator", "password": "wrong"})),
        )
        .await;
    assert_eq!(st, 401);
    let (st, list) = c
        .call("get", "/api/v1/cases", "/api/v1/cases", Some(&coord), None)
        .await;
    assert_eq!(st, 200);
    let items = list["items"].as_array().unwrap().clone();
    assert!(items.len() >= 2);
    for item in &items {
        let case = item["escalation"]["case_id"].as_str().unwrap();
        for (t, suffix) in [
            ("/api/v1/cases/{id}", ""),
            ("/api/v1/cases/{id}/status", "/status"),
            ("/api/v1/cases/{id}/records", "/records"),
        ] {
            let (st, v) = c
                .call(
                    "get",
                    t,
                    &format!("/api/v1/cases/{case}{suffix}"),
                    Some(&coord),
                    None,
                )
                .await;
            assert_eq!(st, 200, "{v}");
        }
        let person = item["escalation"]["person_id"].as_str().unwrap();
        c.call(
            "get",
            "/api/v1/persons/{id}",
            &format!("/api/v1/persons/{person}"),
            Some(&coord),
            None,
        )
        .await;
    }
    let (st, _) = c
        .call(
            "get",
            "/api/v1/cases/{id}",
            "/api/v1/cases/not-a-uuid",
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(st, 400);
    let (st, _) = c
        .call(
            "get",
            "/api/v1/cases/{id}",
            &format!("/api/v1/cases/{}", uuid_v7(9)),
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(st, 404);
    let (st, _) = c
        .call("get", "/api/v1/cases", "/api/v1/cases", Some(&token), None)
        .await;
    assert_eq!(st, 403, "a tablet on an office route");
    let (st, v) = c
        .call(
            "post",
            "/api/v1/sync/pull",
            "/api/v1/sync/pull",
            Some(&coord),
            Some(json!({"protocol": p, "cursor": 0, "limit": 500})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, feed) = c
        .call(
            "get",
            "/api/v1/feed/cases",
            "/api/v1/feed/cases?after=0&limit=50",
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(st, 200);
    assert!(!feed["items"].as_array().unwrap().is_empty());
    let (st, _) = c
        .call(
            "get",
            "/api/v1/feed/cases",
            "/api/v1/feed/cases?limit=0",
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(st, 400);
    let (st, _) = c
        .call(
            "get",
            "/api/v1/feed/cases",
            "/api/v1/feed/cases?after=abc",
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(st, 400);
    // A refused write: a rule broken (422) with its field errors.
    let case = items[0]["escalation"]["case_id"].as_str().unwrap();
    let (st, v) = c
        .call(
            "post",
            "/api/v1/cases/{id}/find",
            &format!("/api/v1/cases/{case}/find"),
            Some(&coord),
            Some(json!({"protocol": p, "team": uuid_v7(4), "request": ""})),
        )
        .await;
    assert!((400..500).contains(&st), "{st} {v}");
    c.call(
        "post",
        "/api/v1/logout",
        "/api/v1/logout",
        Some(&coord),
        None,
    )
    .await;
    println!("{} answers checked against the document", c.checked);
    assert!(c.checked >= 25);
    assert!(!s.log().contains("panicked"));
}
