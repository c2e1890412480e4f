//! JSON Schemas of the types whose JSON is written by hand (a string in a
//! fixed format), for the server's OpenAPI document. Only with the `schema`
//! feature; every other wire type derives `schemars::JsonSchema` next to
//! its `Serialize` (`#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]`),
//! so its schema follows its serde attributes.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use std::borrow::Cow;

use crate::domain::AreaCode;
use crate::hlc::Hlc;
use crate::protocol::ProtocolVersion;

impl JsonSchema for ProtocolVersion {
    fn schema_name() -> Cow<'static, str> {
        "ProtocolVersion".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]+\\.[0-9]+$",
            "description": "The protocol version, `major.minor`. A server refuses another major with `unsupported_protocol` and the action `update_app`.",
            "examples": [ProtocolVersion::CURRENT.to_string()]
        })
    }
}

impl JsonSchema for Hlc {
    fn schema_name() -> Cow<'static, str> {
        "Hlc".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]{15}-[0-9]{5}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
            "description": "A hybrid logical clock timestamp: wall time in Unix milliseconds (15 digits), a counter (5 digits) and the node (the device id)."
        })
    }
}

impl JsonSchema for AreaCode {
    fn schema_name() -> Cow<'static, str> {
        "AreaCode".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let codes: Vec<String> = AreaCode::all().iter().map(ToString::to_string).collect();
        json_schema!({
            "type": "string",
            "enum": codes,
            "description": "A 町丁 of Hamura: the town's code, and `-N` for its N丁目 (a town without 丁目 has none)."
        })
    }
}
