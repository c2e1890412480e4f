//! Every type of `shared` that serde writes has a JSON Schema for the
//! server's OpenAPI document: each `#[derive(.., Serialize, ..)]` is
//! followed by `#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]`,
//! and each hand-written `impl Serialize for X` has its schema in
//! `src/schema.rs`. A new wire type without it fails here (the server's
//! build fails too, if the type is on a route).

use std::path::Path;

const DERIVE: &str = r#"#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]"#;

/// Hand-serialized types that never travel as JSON on the API.
const NOT_ON_THE_API: &[&str] = &[
    // The enrolment QR's text format, not a JSON message.
    "SpkiPin",
];

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
}

#[test]
fn every_serialized_type_derives_its_schema() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut derives = 0;
    let mut missing = Vec::new();
    for (path, text) in &files {
        // Types of test modules are not on the wire.
        let text = text.split("#[cfg(test)]").next().unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let t = l.trim();
            if t.starts_with("#[derive(") && t.split(['(', ',', ')', ' ']).any(|w| w == "Serialize")
            {
                derives += 1;
                if lines.get(i + 1).map(|n| n.trim()) != Some(DERIVE) {
                    missing.push(format!("{path}:{}: {t}", i + 1));
                }
            }
        }
    }
    assert!(derives > 100, "only {derives} derives found");
    assert!(
        missing.is_empty(),
        "add `{DERIVE}` on the line after:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_hand_serialized_type_has_its_schema() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let schema =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/schema.rs"))
            .unwrap();
    let mut found = 0;
    for (path, text) in &files {
        for l in text.lines() {
            let Some(rest) = l.trim().strip_prefix("impl Serialize for ") else {
                continue;
            };
            let name = rest.trim_end_matches(" {").trim();
            found += 1;
            if NOT_ON_THE_API.contains(&name) {
                continue;
            }
            assert!(
                schema.contains(&format!("impl JsonSchema for {name} {{")),
                "{path}: {name} is serialized by hand but has no schema in src/schema.rs"
            );
        }
    }
    assert!(found >= 4, "{found} hand-written Serialize impls");
}
