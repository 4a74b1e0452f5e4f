//! Response builders shared by the emulated services: the Graph error envelope, JSON bodies,
//! and the labels the request log uses.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::state::{iso_utc, now_secs};

/// Route label attached to a response so the logger can count per route.
#[derive(Debug, Clone)]
pub struct RouteLabel(pub String);

/// The calling app (from the bearer token), for the request log.
#[derive(Debug, Clone)]
pub struct CallerApp(pub String);

pub fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

pub fn json(code: u16, body: Value) -> Response {
    (
        status(code),
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Graph's `{"error":{"code","message","innerError"}}` envelope.
pub fn graph_error(code: u16, error_code: &str, message: &str) -> Response {
    json(
        code,
        json!({
            "error": {
                "code": error_code,
                "message": message,
                "innerError": {
                    "date": iso_utc(now_secs()),
                    "request-id": uuid::Uuid::new_v4().to_string(),
                    "client-request-id": uuid::Uuid::new_v4().to_string(),
                }
            }
        }),
    )
}

pub fn label(mut resp: Response, route: &str) -> Response {
    resp.extensions_mut().insert(RouteLabel(route.to_string()));
    resp
}

pub fn with_app(mut resp: Response, app: &str) -> Response {
    resp.extensions_mut().insert(CallerApp(app.to_string()));
    resp
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub fn set_header(resp: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

/// Parses an `application/x-www-form-urlencoded` body or query string.
pub fn form(bytes: &[u8]) -> std::collections::HashMap<String, String> {
    form_urlencoded::parse(bytes).into_owned().collect()
}
