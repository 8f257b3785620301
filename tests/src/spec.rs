//! Checks responses against finAPI's OpenAPI file (`spec/finapi-access-openapi.yaml`, v1
//! 1.151.1): the status must be declared for the operation, a JSON body must match the
//! declared schema (OpenAPI `nullable` translated to JSON Schema, objects closed against
//! unknown fields), and an operation that declares no body must send none.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use bytes::Bytes;
use finapi_access_core::{Transport, TransportError};
use serde_json::{Map, Value, json};

const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../spec/finapi-access-openapi.yaml"
);

static SPEC: LazyLock<Value> = LazyLock::new(|| {
    let text =
        std::fs::read_to_string(SPEC_PATH).unwrap_or_else(|e| panic!("read {SPEC_PATH}: {e}"));
    let mut spec: Value =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("parse {SPEC_PATH}: {e}"));
    translate(&mut spec);
    spec
});

/// OpenAPI 3.0 schema dialect to JSON Schema: `nullable: true` becomes `anyOf [.., null]`,
/// and objects with `properties` reject fields the spec does not name.
pub(crate) fn translate(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(translate),
        Value::Object(map) => {
            for child in map.values_mut() {
                translate(child);
            }
            if map.contains_key("properties")
                && !map.contains_key("additionalProperties")
                && !map.contains_key("allOf")
            {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                map.remove("nullable");
                let inner = Value::Object(std::mem::take(map));
                let mut wrapped = Map::new();
                wrapped.insert("anyOf".into(), json!([inner, {"type": "null"}]));
                *map = wrapped;
            }
        }
        _ => {}
    }
}

/// The spec's path template for a request path: v2 paths map to their v1 twins, and
/// `{param}` segments match any segment (literal segments win).
fn spec_path(path: &str) -> String {
    let v1 = match path {
        "/api/v2/oauth/token" => "/oauth/token".to_owned(),
        "/api/v2/oauth/revoke" => "/oauth/revoke".to_owned(),
        other => other.replacen("/api/v2/", "/api/v1/", 1),
    };
    template(&SPEC, &v1)
}

/// The spec's path template for `path`: the path itself when the spec has it, else the
/// template whose `{param}` segments match (literal segments win).
pub(crate) fn template(spec: &Value, path: &str) -> String {
    let Some(paths) = spec["paths"].as_object() else {
        return path.to_owned();
    };
    if paths.contains_key(path) {
        return path.to_owned();
    }
    let segments: Vec<&str> = path.split('/').collect();
    // The shortest matching template: the spec declares both `/bankConnections/{id}` and
    // `/bankConnections/{ids}` for GET; one id is the `{id}` operation.
    paths
        .keys()
        .filter(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (t.starts_with('{') && t.ends_with('}')))
        })
        .min_by_key(|template| template.len())
        .cloned()
        .unwrap_or_else(|| path.to_owned())
}

static VALIDATORS: LazyLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> =
    LazyLock::new(Mutex::default);

/// The compiled validator for one response schema (compiled once per test binary).
fn validator(key: &str, schema: &Value) -> Result<Arc<jsonschema::Validator>, String> {
    validator_in(&SPEC, key, schema)
}

/// The compiled validator for one schema of `spec`, cached under `key`.
pub(crate) fn validator_in(
    spec: &Value,
    key: &str,
    schema: &Value,
) -> Result<Arc<jsonschema::Validator>, String> {
    let mut cache = VALIDATORS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(validator) = cache.get(key) {
        return Ok(validator.clone());
    }
    let document = json!({"components": spec["components"].clone(), "allOf": [schema.clone()]});
    let validator = Arc::new(
        jsonschema::validator_for(&document)
            .map_err(|e| format!("schema for {key} does not compile: {e}"))?,
    );
    cache.insert(key.to_owned(), validator.clone());
    Ok(validator)
}

/// Checks one response.
///
/// # Errors
///
/// What does not conform: an undeclared status, a body the schema refuses, or a body where
/// the spec declares none.
pub fn check(method: &str, path: &str, status: u16, body: &[u8]) -> Result<(), String> {
    let operation = &SPEC["paths"][spec_path(path)][method.to_ascii_lowercase()];
    if operation.is_null() {
        return Err(format!("{method} {path} is not in the spec"));
    }
    let declared = &operation["responses"][status.to_string()];
    let response = if declared.is_null() && status == 401 && operation.get("security").is_some() {
        // Every secured operation can answer 401; the spec omits it on /oauth/revoke.
        &SPEC["paths"]["/api/v1/users"]["get"]["responses"]["401"]
    } else {
        declared
    };
    if response.is_null() {
        return Err(format!("{method} {path}: status {status} is not declared"));
    }
    let schema = &response["content"]["application/json"]["schema"];
    if schema.is_null() {
        return if body.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{method} {path} {status}: the spec declares no body, got {} bytes",
                body.len()
            ))
        };
    }
    let instance: Value = serde_json::from_slice(body)
        .map_err(|e| format!("{method} {path} {status}: body is not JSON: {e}"))?;
    let validator = validator(&format!("{method} {path} {status}"), schema)?;
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{method} {path} {status}: {}\nbody: {instance}",
            errors.join("; ")
        ))
    }
}

/// Checks a request body against the operation's request schema: JSON bodies as they are,
/// form bodies as an object of their fields (strings). An empty body passes (v1 revocation
/// sends its fields in the query).
///
/// # Errors
///
/// What does not conform.
pub fn check_request(
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> Result<(), String> {
    if body.is_empty() {
        return Ok(());
    }
    let operation = &SPEC["paths"][spec_path(path)][method.to_ascii_lowercase()];
    if operation.is_null() {
        return Err(format!("{method} {path} is not in the spec"));
    }
    let media = content_type.split(';').next().unwrap_or("").trim();
    let mut schema = operation["requestBody"]["content"][media]["schema"].clone();
    if schema.is_null() && media == "application/x-www-form-urlencoded" {
        // v2 sends in a form what the v1 spec has as query parameters (revocation).
        let params: Vec<&Value> = operation["parameters"]
            .as_array()
            .map(|p| p.iter().filter(|p| p["in"] == "query").collect())
            .unwrap_or_default();
        if !params.is_empty() {
            let properties: Map<String, Value> = params
                .iter()
                .map(|p| {
                    (
                        p["name"].as_str().unwrap_or("").to_owned(),
                        p["schema"].clone(),
                    )
                })
                .collect();
            let required: Vec<&Value> = params
                .iter()
                .filter(|p| p["required"] == true)
                .map(|p| &p["name"])
                .collect();
            schema = json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false});
        }
    }
    if schema.is_null() {
        return Err(format!("{method} {path}: the spec takes no {media} body"));
    }
    let schema = &schema;
    let instance: Value = if media == "application/x-www-form-urlencoded" {
        Value::Object(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
        )
    } else {
        serde_json::from_slice(body)
            .map_err(|e| format!("{method} {path}: body is not JSON: {e}"))?
    };
    let validator = validator(&format!("{method} {path} request {media}"), schema)?;
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{method} {path} request: {}", errors.join("; ")))
    }
}

/// A transport that checks every response against the spec and panics on a violation, and
/// also checks that `X-Request-Id` is echoed.
#[derive(Debug)]
pub struct SpecChecked(pub Arc<dyn Transport>);

#[async_trait::async_trait]
impl Transport for SpecChecked {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let method = request.method().to_string();
        let path = request.uri().path().to_owned();
        let sent_id = request.headers().get("x-request-id").cloned();
        let webform = [
            "/api/webForms",
            "/api/tasks",
            "/api/profiles",
            "/api/translations",
        ]
        .iter()
        .any(|prefix| path.starts_with(prefix));
        let content_type = request
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let request_checked = if request.body().is_empty() {
            Ok(())
        } else if webform {
            crate::webform_spec::check_request(&method, &path, request.body())
        } else {
            check_request(&method, &path, &content_type, request.body())
        };
        if let Err(violation) = request_checked {
            panic!("the request does not conform to the finAPI spec: {violation}");
        }
        let response = self.0.send(request).await?;
        let status = response.status().as_u16();
        let checked = if webform {
            crate::webform_spec::check_response(&method, &path, status, response.body())
        } else {
            check(&method, &path, status, response.body())
        };
        if let Err(violation) = checked {
            panic!("emulator response does not conform to the finAPI spec: {violation}");
        }
        let echoed = response.headers().get("x-request-id");
        assert!(
            echoed.is_some(),
            "{method} {path}: no X-Request-Id in the response"
        );
        if let Some(sent) = sent_id {
            assert_eq!(
                echoed,
                Some(&sent),
                "{method} {path}: X-Request-Id not echoed"
            );
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conforming_token_body_passes() {
        let body = br#"{"access_token":"a","token_type":"bearer","expires_in":5,"scope":"all"}"#;
        check("POST", "/api/v2/oauth/token", 200, body).unwrap();
    }

    #[test]
    fn request_violations_are_caught() {
        let form = "application/x-www-form-urlencoded";
        check_request(
            "POST",
            "/api/v2/oauth/token",
            form,
            b"grant_type=client_credentials&client_id=a&client_secret=b",
        )
        .unwrap();
        assert!(
            check_request(
                "POST",
                "/api/v2/oauth/token",
                form,
                b"grant_type=magic&client_id=a&client_secret=b"
            )
            .is_err(),
            "not a grant type"
        );
        assert!(
            check_request(
                "POST",
                "/api/v2/oauth/token",
                form,
                b"grant_type=client_credentials&client_id=a&client_secret=b&scope2=x"
            )
            .is_err(),
            "unknown field"
        );
        check_request(
            "POST",
            "/api/v2/oauth/revoke",
            form,
            b"token=t&token_type_hint=access_token",
        )
        .unwrap();
        assert!(
            check_request("POST", "/api/v2/oauth/revoke", form, b"token=t&hint=x").is_err(),
            "unknown field"
        );
        assert!(
            check_request(
                "POST",
                "/api/v2/oauth/revoke",
                form,
                b"token_type_hint=access_token"
            )
            .is_err(),
            "token is required"
        );
        let json = "application/json";
        check_request(
            "POST",
            "/api/v2/users",
            json,
            br#"{"id":"a","password":"secret1","isAutoUpdateEnabled":true}"#,
        )
        .unwrap();
        assert!(
            check_request(
                "POST",
                "/api/v2/users",
                json,
                br#"{"id":"a","nickname":"x"}"#
            )
            .is_err(),
            "unknown field"
        );
        assert!(
            check_request(
                "POST",
                "/api/v2/users",
                json,
                br#"{"isAutoUpdateEnabled":"yes"}"#
            )
            .is_err(),
            "not a boolean"
        );
        check_request("POST", "/oauth/revoke", form, b"").unwrap();
    }

    #[test]
    fn violations_are_caught() {
        let missing = br#"{"access_token":"a","token_type":"bearer","scope":"all"}"#;
        assert!(
            check("POST", "/oauth/token", 200, missing).is_err(),
            "missing expires_in"
        );
        let extra =
            br#"{"access_token":"a","token_type":"bearer","expires_in":5,"scope":"all","x":1}"#;
        assert!(
            check("POST", "/oauth/token", 200, extra).is_err(),
            "unknown field"
        );
        assert!(
            check("POST", "/oauth/token", 418, b"").is_err(),
            "undeclared status"
        );
        let user = br#"{"id":"u","password":"XXXXX","email":null,"phone":null,"isAutoUpdateEnabled":false}"#;
        check("GET", "/api/v2/users", 200, user).unwrap();
        check("DELETE", "/api/v2/users/some-user", 200, b"").unwrap();
        check("POST", "/api/v2/users/verify/some-user", 422, b"{}").unwrap_err();
        let no_phone = br#"{"id":"u","password":"XXXXX","email":null,"isAutoUpdateEnabled":false}"#;
        assert!(
            check("GET", "/api/v1/users", 200, no_phone).is_err(),
            "phone is required"
        );
        assert!(
            check("POST", "/oauth/revoke", 200, b"{}").is_err(),
            "revoke has no body"
        );
    }
}
