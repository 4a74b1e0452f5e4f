//! Beta `GET|PATCH /users/{id}/onPremisesSyncBehavior`: whether a synced user's source of
//! authority was converted to the cloud (`isCloudManaged`: updates from AD are then blocked in
//! the cloud). Microsoft's `onpremisessyncbehavior-get` / `-update` (beta, 2025): the only
//! permission, read or write, is `User-OnPremisesSyncBehavior.ReadWrite.All`.

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::graph::{denied_directory, method_not_allowed, user_not_found};
use crate::respond::{graph_error, json};
use crate::state::{State, read, write};
use crate::token::AccessClaims;

const ROLE: [&str; 1] = ["User-OnPremisesSyncBehavior.ReadWrite.All"];

pub(crate) fn handle(
    state: &State,
    claims: &AccessClaims,
    version: &str,
    method: &Method,
    key: &str,
    body: &Bytes,
) -> Response {
    if version != "beta" {
        return graph_error(
            400,
            "BadRequest",
            "Resource not found for the segment 'onPremisesSyncBehavior'.",
        );
    }
    if !claims.has_any_role(&ROLE) {
        return denied_directory();
    }
    let Some(user) = state.find_user(key) else {
        return user_not_found(key);
    };
    let id = user.id.to_lowercase();
    match *method {
        Method::GET => {
            let managed = read(&state.cloud_managed)
                .get(&id)
                .copied()
                .unwrap_or(false);
            json(
                200,
                json!({
                    "@odata.context": format!("{}/beta/$metadata#users('{}')/onPremisesSyncBehavior/$entity", state.base_url(), user.id),
                    "@odata.type": "#microsoft.graph.onPremisesSyncBehavior",
                    "id": user.id,
                    "isCloudManaged": managed,
                }),
            )
        }
        Method::PATCH => {
            let patch: Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(_) => {
                    return graph_error(400, "BadRequest", "The request body is not valid JSON.");
                }
            };
            let Some(managed) = patch.get("isCloudManaged").and_then(Value::as_bool) else {
                return graph_error(
                    400,
                    "BadRequest",
                    "The request body must set 'isCloudManaged' to true or false.",
                );
            };
            write(&state.cloud_managed).insert(id, managed);
            (StatusCode::NO_CONTENT, "").into_response()
        }
        _ => method_not_allowed(),
    }
}
