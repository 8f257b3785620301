//! Checks Web Form 2.0 requests and responses against finAPI's spec
//! (`spec/finapi-webform2-openapi.yaml`, 2.430.0), as `spec.rs` does for Access: the
//! operation exists, the request body matches its schema (objects closed, `nullable`
//! translated), a response status is declared and its body matches.
//!
//! One reading of the spec is applied: its "Type Coercion" section lets an amount's `value`
//! be sent as a string (to avoid floats), so `Amount.value` accepts a number or a decimal
//! string with at most two decimals.

use std::sync::LazyLock;

use serde_json::{Value, json};

use crate::spec::{template, translate, validator_in};

const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../spec/finapi-webform2-openapi.yaml"
);

static SPEC: LazyLock<Value> = LazyLock::new(|| {
    let text =
        std::fs::read_to_string(SPEC_PATH).unwrap_or_else(|e| panic!("read {SPEC_PATH}: {e}"));
    let mut spec: Value =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("parse {SPEC_PATH}: {e}"));
    // The Type Coercion section: amounts may travel as strings.
    spec["components"]["schemas"]["Amount"]["properties"]["value"] = json!({
        "anyOf": [
            {"type": "number", "exclusiveMinimum": 0},
            {"type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$"}
        ]
    });
    translate(&mut spec);
    spec
});

fn operation(method: &str, path: &str) -> Result<&'static Value, String> {
    let operation = &SPEC["paths"][template(&SPEC, path)][method.to_ascii_lowercase()];
    if operation.is_null() {
        return Err(format!("{method} {path} is not in the Web Form spec"));
    }
    Ok(operation)
}

fn validate(key: &str, schema: &Value, instance: &Value) -> Result<(), String> {
    let validator = validator_in(&SPEC, &format!("webform {key}"), schema)?;
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{key}: {}\nbody: {instance}", errors.join("; ")))
    }
}

/// Checks a request body against the operation's request schema.
///
/// # Errors
///
/// What does not conform.
pub fn check_request(method: &str, path: &str, body: &[u8]) -> Result<(), String> {
    let operation = operation(method, path)?;
    let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
    if schema.is_null() {
        return if body.is_empty() {
            Ok(())
        } else {
            Err(format!("{method} {path}: the spec takes no body"))
        };
    }
    let instance: Value = serde_json::from_slice(body)
        .map_err(|e| format!("{method} {path}: body is not JSON: {e}"))?;
    validate(&format!("{method} {path} request"), schema, &instance)
}

/// Checks a response against the operation's declared statuses and schemas.
///
/// # Errors
///
/// What does not conform.
pub fn check_response(method: &str, path: &str, status: u16, body: &[u8]) -> Result<(), String> {
    let operation = operation(method, path)?;
    let response = &operation["responses"][status.to_string()];
    if response.is_null() {
        return Err(format!("{method} {path}: status {status} is not declared"));
    }
    let schema = &response["content"]["application/json"]["schema"];
    if schema.is_null() {
        return if body.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{method} {path} {status}: the spec declares no body"
            ))
        };
    }
    let instance: Value = serde_json::from_slice(body)
        .map_err(|e| format!("{method} {path} {status}: body is not JSON: {e}"))?;
    validate(&format!("{method} {path} {status}"), schema, &instance)
}

/// The error statuses the spec declares for an operation.
pub fn declared_error_statuses(method: &str, path: &str) -> Vec<u16> {
    let Ok(operation) = operation(method, path) else {
        return Vec::new();
    };
    operation["responses"]
        .as_object()
        .map(|responses| {
            responses
                .keys()
                .filter_map(|k| k.parse::<u16>().ok())
                .filter(|s| *s >= 400)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checker_catches_what_it_should() {
        check_request("POST", "/api/webForms/bankConnectionImport", b"{}").unwrap();
        assert!(
            check_request(
                "POST",
                "/api/webForms/bankConnectionImport",
                br#"{"bank":{"id":1},"unknown":true}"#
            )
            .is_err(),
            "unknown field"
        );
        assert!(
            check_request(
                "POST",
                "/api/webForms/bankConnectionImport",
                br#"{"maxDaysForDownload":3651}"#
            )
            .is_err(),
            "over the maximum"
        );
        let amount = br#"{"amount":{"value":"10.00","currency":"EUR"},"recipient":{"iban":"DE89370400440532013000","name":"Ann"},"startDate":"2030-01-01","frequency":"MONTHLY"}"#;
        check_request("POST", "/api/webForms/standingOrder", amount).unwrap();
        let three = br#"{"amount":{"value":"10.001","currency":"EUR"},"recipient":{"iban":"DE89370400440532013000","name":"Ann"},"startDate":"2030-01-01","frequency":"MONTHLY"}"#;
        assert!(check_request("POST", "/api/webForms/standingOrder", three).is_err());
        assert!(check_response("GET", "/api/webForms/abc", 418, b"").is_err());
        check_response("DELETE", "/api/webForms/abc", 200, b"").unwrap();
        assert_eq!(
            {
                let mut s = declared_error_statuses("POST", "/api/tasks/backgroundUpdate");
                s.sort_unstable();
                s
            },
            [400, 401, 403, 404, 422, 423, 500]
        );
    }
}
