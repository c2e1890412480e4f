//! The fuzz pass of issue 14 ("zero 5xx, zero schema violations"), bounded
//! and deterministic, against the real server process with the demo data,
//! on the backend `OUTREACH_TEST_BACKEND` names.
//!
//! It walks every route `/api/openapi.json` documents (the same table the
//! router is built from) and sends, as no caller, a made-up token, a
//! tablet and each office role:
//! - malformed bodies (empty, `null`, wrong JSON types, truncated JSON,
//!   invalid UTF-8, nesting past the parser's limit, an unsupported
//!   protocol, the wrong content type);
//! - the route's golden request (`shared/tests/golden/`) mutated at random
//!   places (fields removed, nulled, given wrong types, huge numbers, long
//!   or NUL-holding strings, made-up ids and dates, unknown fields);
//! - malformed path ids and query parameters.
//!
//! Every answer must be below 500, have a status the document names for
//! the route, and match the document's JSON Schema for that status (the
//! route's answer type, or `ErrorBody` for a refusal), checked with the
//! `jsonschema` crate. The server must still be healthy afterwards.
//! `OUTREACH_FUZZ_CASES` sets the mutated bodies per route (default 40);
//! the seed is fixed, so a failure repeats.
//!
//! What it does not cover: bodies that are valid in shape but wrong in
//! meaning beyond what the mutations reach, and concurrency.

#[path = "support/contract.rs"]
mod contract;

use contract::Contract;
use outreach_tests::ServerProcess;
use outreach_tests::office::{api_login, token_of};
use outreach_tests::world::issue_code;
use serde_json::{Value, json};
use sync_server::demo::DEMO_PASSWORD;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The golden request bodies of a documented request type.
fn golden(name: &str) -> Vec<Value> {
    contract::golden(name).unwrap_or_else(|| panic!("no golden file for {name}"))
}

/// Every place in `v` (a path of keys and indices).
fn places(v: &Value, at: &mut Vec<Vec<Value>>, path: Vec<Value>) {
    at.push(path.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let mut p = path.clone();
                p.push(json!(k));
                places(c, at, p);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                let mut p = path.clone();
                p.push(json!(i));
                places(c, at, p);
            }
        }
        _ => {}
    }
}

fn at_mut<'a>(v: &'a mut Value, path: &[Value]) -> Option<&'a mut Value> {
    let mut cur = v;
    for k in path {
        cur = match k {
            Value::String(s) => cur.get_mut(s.as_str())?,
            Value::Number(n) => cur.get_mut(n.as_u64()? as usize)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// One to three random mutations of `v`.
fn mutate(rng: &mut Rng, mut v: Value) -> Value {
    for _ in 0..=rng.below(3) {
        let mut all = Vec::new();
        places(&v, &mut all, Vec::new());
        let path = all[rng.below(all.len())].clone();
        let replacement = match rng.below(14) {
            0 => Value::Null,
            1 => json!(true),
            2 => json!(-1),
            3 => json!(1e308),
            4 => serde_json::from_str("18446744073709551616").unwrap(),
            5 => json!(""),
            6 => json!("字".repeat(20_000)),
            7 => json!("a\u{0}b"),
            8 => json!("not-a-uuid"),
            9 => json!("0190a0a0-0000-7000-8000-00000000ffff"),
            10 => json!("9999-99-99"),
            11 => json!({}),
            12 => json!([]),
            _ => {
                // Remove the field, or add an unknown one.
                if let (Some(last), Some(parent)) = (
                    path.last(),
                    at_mut(&mut v, &path[..path.len().saturating_sub(1)]),
                ) {
                    match (parent, last) {
                        (Value::Object(m), Value::String(k)) => {
                            m.remove(k);
                        }
                        (Value::Array(a), Value::Number(i)) => {
                            let i = i.as_u64().unwrap_or(0) as usize;
                            if i < a.len() {
                                a.remove(i);
                            }
                        }
                        _ => {}
                    }
                } else if let Value::Object(m) = &mut v {
                    m.insert("unknown_field".into(), json!(1));
                }
                continue;
            }
        };
        if let Some(slot) = at_mut(&mut v, &path) {
            *slot = replacement;
        }
    }
    v
}

/// Bodies that are not the request at all.
fn malformed() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty", Vec::new()),
        ("null", b"null".to_vec()),
        ("array", b"[]".to_vec()),
        ("empty object", b"{}".to_vec()),
        ("protocol only", br#"{"protocol":"2.0"}"#.to_vec()),
        ("future protocol", br#"{"protocol":"9.0"}"#.to_vec()),
        ("protocol as number", br#"{"protocol":2}"#.to_vec()),
        ("truncated", br#"{"protocol":"2.0","#.to_vec()),
        ("invalid UTF-8", vec![b'{', b'"', 0xff, 0xfe, b'"', b'}']),
        ("deep nesting", "[".repeat(5_000).into_bytes()),
        ("huge exponent", b"1e999999".to_vec()),
        ("string", br#""{}""#.to_vec()),
    ]
}

struct Fuzz {
    http: reqwest::Client,
    contract: Contract,
    url: String,
    sent: usize,
    failures: Vec<String>,
}

impl Fuzz {
    #[allow(clippy::too_many_arguments)]
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        content_type: Option<&str>,
        template: &str,
        what: &str,
    ) {
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut req = self.http.request(m, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let len = body.as_ref().map_or(0, Vec::len);
        let what = format!(
            "{what}, {len} bytes, token {}",
            token.map_or("none", |t| &t[..t.len().min(6)])
        );
        if let Some(b) = body {
            req = req.body(b);
        }
        self.sent += 1;
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                self.failures
                    .push(format!("{method} {path} ({what}): no answer: {e:?}"));
                return;
            }
        };
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let short: String = text.chars().take(300).collect();
        let problem = if status >= 500 {
            Some(format!("{status}"))
        } else {
            self.contract
                .check_answer(method, template, status, &text)
                .err()
        };
        if let Some(p) = problem {
            self.failures
                .push(format!("{method} {path} ({what}): {p}: {short}"));
        }
    }
}

async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> Value {
    http.get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_documented_route_answers_malformed_input_with_a_4xx_error_body() {
    let s = ServerProcess::start_with(&[
        "--demo",
        "--rate-per-minute",
        "1000000",
        "--rate-burst",
        "1000000",
    ]);
    let http = reqwest::Client::new();
    let url = s.url();
    let mut tokens: Vec<(&str, Option<String>)> =
        vec![("none", None), ("made-up", Some("x".repeat(43)))];
    for who in [
        "worker1",
        "supervisor1",
        "coordinator",
        "agency-kikan-soudan",
    ] {
        let (st, body) = api_login(&http, &url, who, DEMO_PASSWORD, None, None).await;
        assert_eq!(st, 200, "{who}: {body}");
        tokens.push((who, Some(token_of(&body))));
    }
    let code = issue_code(&s, "worker2");
    let enrolled: Value = http
        .post(format!("{url}/api/v1/enroll"))
        .json(&json!({"protocol":"2.0","code":code,"device_label":"架空 端末","platform":"linux"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let device = enrolled["token"].as_str().expect("enrolled").to_owned();
    tokens.push(("device", Some(device)));
    let token = |name: &str| {
        tokens
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, t)| t.clone())
    };
    // Real ids from the demo data.
    let coord = token("coordinator").unwrap();
    let list = get_json(&http, &format!("{url}/api/v1/cases"), &coord).await;
    let first = &list["items"][0]["escalation"];
    let case = first["case_id"].as_str().expect("a demo case").to_owned();
    let person = first["person_id"].as_str().unwrap().to_owned();
    let mut meeting = "0190a0a0-0000-7000-8000-000000000001".to_owned();
    for item in list["items"].as_array().unwrap() {
        let id = item["escalation"]["case_id"].as_str().unwrap();
        let records = get_json(&http, &format!("{url}/api/v1/cases/{id}/records"), &coord).await;
        if let Some(m) = records["meetings"][0]["id"].as_str() {
            meeting = m.to_owned();
            break;
        }
    }

    let doc: Value = http
        .get(format!("{url}/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cases: usize = std::env::var("OUTREACH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut f = Fuzz {
        http: http.clone(),
        contract: Contract::new(doc.clone()),
        url: url.clone(),
        sent: 0,
        failures: Vec::new(),
    };
    let mut routes = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            routes += 1;
            let request = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .map(|r| r.rsplit('/').next().unwrap().to_owned());
            let id = if path.starts_with("/api/v1/persons") {
                &person
            } else {
                &case
            };
            let real = path.replace("{id}", id).replace("{meeting}", &meeting);
            // Malformed ids in the path.
            if path.contains('{') {
                for bad in [
                    "not-a-uuid",
                    "0",
                    "%F0%9F%92%A9",
                    "..%2F..",
                    "0190a0a0-0000-7000-8000-00000000ffff",
                    &"9".repeat(300),
                ] {
                    let p = path.replace("{id}", bad).replace("{meeting}", bad);
                    for who in ["coordinator", "supervisor1"] {
                        let body = request
                            .as_ref()
                            .map(|r| serde_json::to_vec(&golden(r)[0]).unwrap());
                        f.send(
                            method,
                            &p,
                            token(who).as_deref(),
                            body,
                            Some("application/json"),
                            path,
                            "bad id",
                        )
                        .await;
                    }
                }
            }
            // Malformed query parameters.
            if path.contains("feed") && method == "get" {
                for q in [
                    "?after=-1",
                    "?after=abc",
                    "?after=18446744073709551616",
                    "?after=1&limit=0",
                    "?limit=99999999",
                    "?after=%00",
                ] {
                    f.send(
                        method,
                        &format!("{real}{q}"),
                        Some(&coord),
                        None,
                        None,
                        path,
                        "bad query",
                    )
                    .await;
                }
            }
            // Malformed bodies, as every caller.
            let bodies: Vec<(&str, Vec<u8>)> = if method == "post" {
                malformed()
            } else {
                vec![("no body", Vec::new())]
            };
            for (_, t) in &tokens {
                for (what, b) in &bodies {
                    f.send(
                        method,
                        &real,
                        t.as_deref(),
                        Some(b.clone()),
                        Some("application/json"),
                        path,
                        what,
                    )
                    .await;
                }
            }
            let Some(req) = request else {
                continue;
            };
            // The golden request as text/plain, and without a content type.
            let seed = serde_json::to_vec(&golden(&req)[0]).unwrap();
            for ct in [Some("text/plain"), None] {
                f.send(
                    method,
                    &real,
                    Some(&coord),
                    Some(seed.clone()),
                    ct,
                    path,
                    "content type",
                )
                .await;
            }
            // Mutated golden requests, as a caller who may make the call and
            // one picked at random.
            let right = match path.as_str() {
                "/api/v1/sync/push" | "/api/v1/sync/pull" => "device",
                "/api/v1/reviews" => "supervisor1",
                "/api/v1/login" | "/api/v1/enroll" => "none",
                _ => "coordinator",
            };
            let seeds = golden(&req);
            for i in 0..cases {
                let seed = seeds[i % seeds.len()].clone();
                let body = serde_json::to_vec(&mutate(&mut rng, seed)).unwrap();
                let other = tokens[rng.below(tokens.len())].0;
                for who in [right, other] {
                    f.send(
                        method,
                        &real,
                        token(who).as_deref(),
                        Some(body.clone()),
                        Some("application/json"),
                        path,
                        "mutated",
                    )
                    .await;
                }
            }
        }
    }
    assert!(routes >= 20, "the document lists {routes} routes");
    // Still healthy after it all.
    let health = http.get(format!("{url}/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    println!(
        "api fuzz: {} requests over {routes} routes, {} problems",
        f.sent,
        f.failures.len()
    );
    assert!(
        f.failures.is_empty(),
        "{} of {} answers broke the contract:\n{}",
        f.failures.len(),
        f.sent,
        f.failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        !s.log().contains("panicked"),
        "the server panicked:\n{}",
        s.log()
    );
}
