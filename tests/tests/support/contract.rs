//! The OpenAPI document as a contract a client checks the server against:
//! which statuses an operation may answer, and whether a body matches the
//! JSON Schema the document gives for it (validated by `jsonschema`, draft
//! 2020-12, formats such as `uuid` and `date-time` checked).

// Each test uses part of it.
#![allow(dead_code)]

use jsonschema::{Draft, Validator};
use serde_json::{Value, json};
use std::collections::HashMap;

pub struct Contract {
    pub doc: Value,
    validators: HashMap<String, Validator>,
}

impl Contract {
    pub fn new(doc: Value) -> Self {
        assert_eq!(doc["openapi"], "3.1.0");
        Self {
            doc,
            validators: HashMap::new(),
        }
    }

    /// Every documented operation: (path template, method, operation).
    pub fn operations(&self) -> Vec<(String, String, Value)> {
        let mut out = Vec::new();
        for (path, ops) in self.doc["paths"].as_object().expect("paths") {
            for (method, op) in ops.as_object().expect("operations") {
                out.push((path.clone(), method.clone(), op.clone()));
            }
        }
        out
    }

    pub fn operation(&self, method: &str, path: &str) -> &Value {
        let op = &self.doc["paths"][path][method.to_lowercase()];
        assert!(op.is_object(), "{method} {path} is not documented");
        op
    }

    /// The schema (a `$ref`) of the operation's request body.
    pub fn request_schema(&self, method: &str, path: &str) -> Option<Value> {
        let s =
            &self.operation(method, path)["requestBody"]["content"]["application/json"]["schema"];
        (!s.is_null()).then(|| s.clone())
    }

    /// The schema of an answer, `None` for an answer without a body; panics
    /// if the operation does not document the status.
    pub fn response_schema(&self, method: &str, path: &str, status: u16) -> Option<Value> {
        let r = &self.operation(method, path)["responses"][status.to_string()];
        assert!(
            r.is_object(),
            "{method} {path} answered {status}, which the document does not name for it"
        );
        let s = &r["content"]["application/json"]["schema"];
        (!s.is_null()).then(|| s.clone())
    }

    /// The schema named `name` among the components.
    pub fn named(name: &str) -> Value {
        json!({ "$ref": format!("#/components/schemas/{name}") })
    }

    /// Checks `instance` against `schema` (usually a `$ref` into the
    /// document's components).
    pub fn check(&mut self, schema: &Value, instance: &Value) -> Result<(), String> {
        let key = schema.to_string();
        if !self.validators.contains_key(&key) {
            let mut root = schema.as_object().cloned().unwrap_or_default();
            root.insert("components".into(), self.doc["components"].clone());
            let v = jsonschema::options()
                .with_draft(Draft::Draft202012)
                .should_validate_formats(true)
                .build(&Value::Object(root))
                .map_err(|e| format!("the schema {schema} does not build: {e}"))?;
            self.validators.insert(key.clone(), v);
        }
        let errors: Vec<String> = self.validators[&key]
            .iter_errors(instance)
            .take(5)
            .map(|e| format!("at {}: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!("does not match {schema}: {}", errors.join("; ")))
        }
    }

    /// Checks an answer the server gave: its status is one the operation
    /// documents, and its body matches that status's schema.
    pub fn check_answer(
        &mut self,
        method: &str,
        path: &str,
        status: u16,
        body: &str,
    ) -> Result<(), String> {
        let r = &self.operation(method, path)["responses"][status.to_string()];
        if !r.is_object() {
            return Err(format!("{status} is not documented for {method} {path}"));
        }
        match self.response_schema(method, path, status) {
            None if body.is_empty() => Ok(()),
            None => Err(format!("{status}: a body where none is documented")),
            Some(schema) => {
                let v: Value =
                    serde_json::from_str(body).map_err(|e| format!("{status}: not JSON: {e}"))?;
                self.check(&schema, &v)
                    .map_err(|e| format!("{status}: {e}"))
            }
        }
    }
}

/// `PushRequest` → `push_request`.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The golden examples (`shared/tests/golden/`) of a type named in the
/// document: `<snake>.json`, or a list in `<snake>s.json`.
pub fn golden(name: &str) -> Option<Vec<Value>> {
    let snake = snake(name);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/tests/golden/");
    for file in [format!("{snake}.json"), format!("{snake}s.json")] {
        if let Ok(text) = std::fs::read_to_string(format!("{dir}{file}")) {
            let v: Value = serde_json::from_str(&text).expect("golden JSON");
            return Some(match v {
                Value::Array(items) => items,
                v => vec![v],
            });
        }
    }
    None
}
