//! The OpenAPI 3.1 document served at `/api/openapi.json`, built from the
//! route table ([`crate::api::routes::table`], the same table the router is
//! built from) with the JSON Schemas of the `shared` wire types, generated
//! by `schemars` from the types themselves and their serde attributes.
//! `sync-server/tests/golden/openapi.json` pins the whole document.
//!
//! A type has two contracts: what the server reads (requests, query) and
//! what it writes (answers). They differ where a field has a default (it
//! may be left out of a request, but every answer has it) or is left out
//! when empty. Each type is one schema under `#/components/schemas` when
//! both agree, and `Name` (as written) plus `NameInput` (as read) when
//! they do not.

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::transform::ReplaceBoolSchemas;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

use crate::api::routes::{Access, Route, table};
use outreach_shared::protocol::{ErrorBody, ProtocolVersion};

/// Where the request side's schemas are put while the document is built.
const INPUT: &str = "#/components/x-input/";
/// Where every schema ends up.
const SCHEMAS: &str = "#/components/schemas/";

fn generator(path: &'static str, read: bool) -> SchemaGenerator {
    // `true` as a schema (any JSON: a conflict's values) is valid in 3.1,
    // but client generators expect an object: `{}` says the same.
    let mut any = ReplaceBoolSchemas::default();
    any.skip_additional_properties = true;
    let settings = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = path.into();
            s.meta_schema = None;
        })
        .with_transform(any);
    if read {
        settings.for_deserialize()
    } else {
        settings.for_serialize()
    }
    .into_generator()
}

/// What a status means, for every route that gives it.
fn error_description(status: u16) -> &'static str {
    match status {
        400 => {
            "The request is malformed: JSON that does not parse or does not match the request type, an id in the path that is not a UUID, a bad query, or an unsupported protocol major (code `unsupported_protocol`, action `update_app`)"
        }
        401 => {
            "No valid credentials: a missing, unknown or expired bearer token, a revoked device (code `device_revoked`, action `wipe`), a wrong enrolment code or a failed login"
        }
        403 => "The caller may not do this (another kind of caller, or another role)",
        404 => "No such record, or not one the caller may see (never told apart)",
        409 => "The record changed meanwhile: reload it and edit again",
        413 => {
            "The body is larger than the server accepts (`payload_too_large`), or a push carries too many operations (`batch_too_large`)"
        }
        422 => "The request breaks a rule; `field_errors` names each field at fault",
        429 => "Too many requests or failed logins: retry after `Retry-After` seconds",
        503 => {
            "The server is busy, or the request took too long: retry after `Retry-After` seconds"
        }
        _ => "Error",
    }
}

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

/// The parameters of a route: its path ids, then its query's fields.
fn parameters(r: &Route, input: &mut SchemaGenerator) -> Vec<Value> {
    let mut out = Vec::new();
    for name in r
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
    {
        let what = match (name, r.path.starts_with("/api/v1/persons")) {
            ("id", true) => "The person's id",
            ("id", false) => "The case's id",
            _ => "The meeting's id",
        };
        out.push(json!({
            "name": name,
            "in": "path",
            "required": true,
            "description": what,
            "schema": { "type": "string", "format": "uuid" }
        }));
    }
    if let Some(query) = r.query {
        let schema = query(input).to_value();
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
            let mut prop = prop.clone();
            let description = prop
                .as_object_mut()
                .and_then(|p| p.remove("description"))
                .unwrap_or(Value::Null);
            out.push(json!({
                "name": name,
                "in": "query",
                "required": required.contains(name.as_str()),
                "description": description,
                "schema": prop
            }));
        }
    }
    out
}

fn operation(r: &Route, input: &mut SchemaGenerator, output: &mut SchemaGenerator) -> Value {
    let mut op = Map::new();
    op.insert("operationId".into(), json!(r.operation));
    op.insert("summary".into(), json!(r.summary));
    if r.access != Access::Open {
        op.insert("security".into(), json!([{ "bearer": [] }]));
        op.insert("x-auth".into(), json!(r.access.name()));
    }
    let params = parameters(r, input);
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    if let Some(body) = r.request {
        op.insert(
            "requestBody".into(),
            json!({ "required": true, "content": json_content(body(input).to_value()) }),
        );
    }
    let mut responses = Map::new();
    for a in &r.answers {
        let mut resp = json!({ "description": a.description });
        if let Some(body) = a.body {
            resp["content"] = json_content(body(output).to_value());
        }
        responses.insert(a.status.to_string(), resp);
    }
    let error = output.subschema_for::<ErrorBody>().to_value();
    for &status in &r.errors {
        let mut resp = json!({
            "description": error_description(status),
            "content": json_content(error.clone())
        });
        if status == 429 || status == 503 {
            resp["headers"] = json!({ "Retry-After": {
                "description": "Seconds to wait before trying again",
                "schema": { "type": "integer", "minimum": 0 }
            }});
        }
        responses.insert(status.to_string(), resp);
    }
    op.insert("responses".into(), Value::Object(responses));
    Value::Object(op)
}

/// Rewrites every `$ref` to a request-side schema to its final name.
fn rewrite_refs(v: &mut Value, renamed: &BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref")
                && let Some(name) = r.strip_prefix(INPUT)
            {
                let name = name.to_owned();
                *r = if renamed.contains(&name) {
                    format!("{SCHEMAS}{name}Input")
                } else {
                    format!("{SCHEMAS}{name}")
                };
            }
            m.values_mut().for_each(|c| rewrite_refs(c, renamed));
        }
        Value::Array(a) => a.iter_mut().for_each(|c| rewrite_refs(c, renamed)),
        _ => {}
    }
}

/// An enum of documented unit variants is a `oneOf` of `const`s, each with
/// its description: valid, but client generators read `enum` better. This
/// makes it `enum`, the variants' descriptions kept in
/// `x-enum-descriptions`.
fn simple_enums(v: &mut Value) {
    match v {
        Value::Object(m) => {
            let consts: Option<Vec<(String, Value)>> = m
                .get("oneOf")
                .and_then(Value::as_array)
                .and_then(|branches| {
                    branches
                        .iter()
                        .map(|b| {
                            let b = b.as_object()?;
                            let c = b.get("const")?.as_str()?;
                            let only = b
                                .keys()
                                .all(|k| ["const", "type", "description"].contains(&k.as_str()));
                            (only && b.get("type")? == "string").then(|| {
                                (
                                    c.to_owned(),
                                    b.get("description").cloned().unwrap_or(Value::Null),
                                )
                            })
                        })
                        .collect()
                });
            if let Some(consts) = consts {
                m.remove("oneOf");
                m.insert("type".into(), json!("string"));
                m.insert(
                    "enum".into(),
                    consts.iter().map(|(c, _)| json!(c)).collect(),
                );
                let described: Map<String, Value> =
                    consts.into_iter().filter(|(_, d)| !d.is_null()).collect();
                if !described.is_empty() {
                    m.insert("x-enum-descriptions".into(), Value::Object(described));
                }
            }
            m.values_mut().for_each(simple_enums);
        }
        Value::Array(a) => a.iter_mut().for_each(simple_enums),
        _ => {}
    }
}

/// The request side's and the answer side's schemas as one set: one schema
/// per type where both agree, `NameInput` for the request side where they
/// do not. Returns the names given an `Input` twin.
fn merge_schemas(input: Map<String, Value>, output: &mut Map<String, Value>) -> BTreeSet<String> {
    let mut renamed = BTreeSet::new();
    // A type differs if its own schema does, or if it refers to one that
    // does: repeat until nothing more changes.
    loop {
        let before = renamed.len();
        for (name, schema) in &input {
            let mut s = schema.clone();
            rewrite_refs(&mut s, &renamed);
            if output.get(name).is_some_and(|o| *o != s) {
                renamed.insert(name.clone());
            }
        }
        if renamed.len() == before {
            break;
        }
    }
    for (name, mut schema) in input {
        rewrite_refs(&mut schema, &renamed);
        let key = if renamed.contains(&name) {
            format!("{name}Input")
        } else {
            name
        };
        let clash = output.insert(key.clone(), schema.clone());
        assert!(clash.is_none_or(|c| c == schema), "two schemas named {key}");
    }
    renamed
}

/// The document.
pub fn document() -> Value {
    let mut input = generator("/components/x-input", true);
    let mut output = generator("/components/schemas", false);
    let mut paths = Map::new();
    for r in table() {
        let op = operation(&r, &mut input, &mut output);
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        entry[r.method] = op;
    }
    let mut schemas = output.take_definitions(true);
    let renamed = merge_schemas(input.take_definitions(true), &mut schemas);
    schemas.values_mut().for_each(simple_enums);
    let mut paths = Value::Object(paths);
    rewrite_refs(&mut paths, &renamed);
    schemas.sort_keys();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Hamura Outreach sync server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "Protocol {}: every request and answer carries `protocol`; a server refuses another major with `unsupported_protocol` and the action `update_app`. Every error is an `ErrorBody` with a machine-readable `code`, an English `message` and, where the client must act, an `action`. `x-auth` names who may call a route: `device` (an enrolled tablet's token), `office` (an office session's token from `/api/v1/login`), `device_or_office`, or `office_or_service` (an office session or a service credential of the feed).",
                ProtocolVersion::CURRENT
            )
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } }
        }
    })
}
