//! The OpenAPI document: pinned by a golden file, valid as OpenAPI 3.1
//! (every `$ref` resolves inside it, no schema left as a bare "object"),
//! and in step with the router both ways.
//!
//! To change the document on purpose (a route, or a wire type of
//! `shared`), regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p sync-server --test openapi` and review
//! the diff.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use sync_server::api::routes::table;

#[test]
fn the_document_is_pinned_by_its_golden_file() {
    let path =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/openapi.json");
    let mut written = serde_json::to_string_pretty(&sync_server::openapi::document()).unwrap();
    written.push('\n');
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &written).unwrap();
    }
    let frozen = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("missing golden file {}: {e}", path.display()));
    assert!(
        written == frozen,
        "the OpenAPI document changed: regenerate with UPDATE_GOLDEN=1 cargo test -p sync-server --test openapi and review the diff"
    );
}

/// Every `$ref` in `v`.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r);
            }
            m.values().for_each(|c| refs(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| refs(c, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves_and_every_schema_is_spelled_out() {
    let doc = sync_server::openapi::document();
    assert_eq!(doc["openapi"], "3.1.0");
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 50, "only {} references", all.len());
    let mut used = BTreeSet::new();
    for r in all {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{r} is not local"));
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
        assert!(
            r.starts_with("#/components/schemas/"),
            "{r} is outside the components"
        );
        used.insert(r.rsplit('/').next().unwrap().to_owned());
    }
    assert!(doc["components"]["x-input"].is_null());
    for (name, s) in schemas {
        // Each schema says what it holds: properties, variants, a format or
        // a pattern, never a bare "object" (the document before issue 16).
        let keys: BTreeSet<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
        assert!(
            [
                "properties",
                "oneOf",
                "anyOf",
                "enum",
                "const",
                "pattern",
                "format",
                "items",
                "$ref",
                "additionalProperties"
            ]
            .iter()
            .any(|k| keys.contains(k))
                || s["type"] != "object",
            "{name} is not spelled out: {s}"
        );
        assert!(
            used.contains(name),
            "{name} is in the components but nothing refers to it"
        );
    }
    // What serde writes: tags, renames, flattening.
    let person_field = schemas
        .get("PersonFieldInput")
        .unwrap_or(&schemas["PersonField"])
        .to_string();
    assert!(
        person_field.contains(r#""field""#) && person_field.contains("household_member"),
        "{person_field}"
    );
    let result = schemas["OperationResult"].to_string();
    assert!(
        result.contains("applied") && result.contains(r#""seq""#),
        "flattened outcome: {result}"
    );
}

#[test]
fn every_route_has_its_parameters_bodies_and_errors() {
    let doc = sync_server::openapi::document();
    let mut ids = BTreeSet::new();
    for r in table() {
        let op = &doc["paths"][r.path][r.method];
        assert!(op.is_object(), "{} {} is not documented", r.method, r.path);
        assert!(
            ids.insert(op["operationId"].as_str().unwrap().to_owned()),
            "operationId twice"
        );
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        for p in r
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        {
            assert!(
                params.iter().any(|x| x["name"] == p && x["in"] == "path"),
                "{}: path parameter {p}",
                r.path
            );
        }
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.contains_key("200") || responses.contains_key("204"),
            "{}",
            r.path
        );
        if op["requestBody"].is_object() {
            assert!(
                responses.contains_key("400") && responses.contains_key("413"),
                "{}",
                r.path
            );
        } else {
            assert!(!responses.contains_key("413"), "{}", r.path);
        }
        if op["security"].is_array() {
            assert!(responses.contains_key("401"), "{}", r.path);
        }
        assert!(responses.contains_key("503"), "{}", r.path);
    }
    // The feed's query, typed.
    let feed = doc["paths"]["/api/v1/feed/cases"]["get"]["parameters"].clone();
    assert_eq!(
        feed,
        json!([
            {"name":"after","in":"query","required":false,"description":feed[0]["description"],"schema":{"type":"integer","format":"uint64","minimum":0,"default":0}},
            {"name":"limit","in":"query","required":false,"description":feed[1]["description"],"schema":{"type":"integer","format":"uint32","minimum":1,"maximum":5000,"default":500}}
        ])
    );
    // Who may call what.
    assert_eq!(
        doc["paths"]["/api/v1/sync/push"]["post"]["x-auth"],
        "device"
    );
    assert!(doc["paths"]["/api/v1/enroll"]["post"]["security"].is_null());
    assert_eq!(
        doc["paths"]["/api/v1/cases/{id}/meetings/{meeting}"]["post"]["responses"]["409"]["content"]
            ["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
}

#[tokio::test]
async fn every_documented_route_is_served_and_every_served_route_is_documented() {
    let w = World::new();
    let (s, doc) = w.call("GET", "/api/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc, sync_server::openapi::document(), "served document");
    let mut documented = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented += 1;
            let uri = path
                .replace("{id}", "0190a0a0-0000-7000-8000-000000000000")
                .replace("{meeting}", "0190a0a0-0000-7000-8000-000000000001");
            let (s, v) = w
                .call(&method.to_uppercase(), &uri, None, Some(json!({})))
                .await;
            assert!(
                !(s == StatusCode::NOT_FOUND && v["message"] == "no such endpoint")
                    && s != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is documented but not served: {s} {v}"
            );
            // The other method of a documented path is not served.
            let other = if method == "get" { "POST" } else { "GET" };
            if !ops.as_object().unwrap().contains_key(&other.to_lowercase()) {
                let (s, _) = w.call(other, &uri, None, Some(json!({}))).await;
                assert_eq!(
                    s,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{other} {path} is served but not documented"
                );
            }
        }
    }
    assert_eq!(documented, table().len());
    // The router registers routes only from the table: `api.rs` has one
    // `.route(` call, in the loop over it (the console's are its own,
    // all under /console).
    let api = include_str!("../src/api.rs");
    let calls: Vec<&str> = api.lines().filter(|l| l.contains(".route(")).collect();
    assert_eq!(
        calls,
        vec!["        api = api.route(r.path, handler);"],
        "a route outside the table"
    );
    for l in include_str!("../src/console/mod.rs")
        .lines()
        .filter(|l| l.contains(".route(\""))
    {
        assert!(
            l.contains(".route(\"/console"),
            "a console route outside /console: {l}"
        );
    }
}
