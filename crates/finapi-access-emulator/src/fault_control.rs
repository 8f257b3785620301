//! The test-control endpoints for fault rules, for tests in any language:
//! `GET /emulator/faults` (the rules in force), `POST /emulator/faults` (add one, a
//! [`FaultRule`] as JSON), `DELETE /emulator/faults` (remove all), `PUT
//! /emulator/faults/callbacks` (what web form callbacks suffer, [`CallbackFaults`] as JSON).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::faults::{CallbackFaults, FaultRule};
use crate::state::State;

fn refused(reason: impl std::fmt::Display) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": reason.to_string()})),
    )
        .into_response()
}

pub(crate) async fn list(AxumState(state): AxumState<Arc<State>>) -> Response {
    Json(json!({"faults": state.faults.list()})).into_response()
}

pub(crate) async fn add(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    let rule: FaultRule = match serde_json::from_slice(&body) {
        Ok(rule) => rule,
        Err(e) => return refused(format!("not a fault rule: {e}")),
    };
    if let Err(e) = rule.validate() {
        return refused(e);
    }
    state.faults.add(rule);
    (
        StatusCode::CREATED,
        Json(json!({"faults": state.faults.list()})),
    )
        .into_response()
}

pub(crate) async fn clear(AxumState(state): AxumState<Arc<State>>) -> Response {
    state.faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn callbacks(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    match serde_json::from_slice::<CallbackFaults>(&body) {
        Ok(faults) => {
            state.faults.set_callbacks(faults.clone());
            Json(json!({"callbacks": faults})).into_response()
        }
        Err(e) => refused(format!("not callback faults: {e}")),
    }
}
