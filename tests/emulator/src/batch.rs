//! Graph JSON batching (`POST /$batch`): up to 20 sub-requests, `dependsOn` ordering with 424 for
//! failed dependencies, base64 binary bodies both ways, per-item status and `Retry-After`.
//! Items run up to 4 at a time, as Outlook does (spec §12); photo items each take the added
//! latency while holding their Outlook concurrency slot. An item body without a
//! `Content-Type` is read by its shape: a JSON object or array is JSON, a string is base64.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use base64::Engine;
use serde_json::{Map, Value, json};

use crate::graph::{GraphRequest, handle as graph_handle};
use crate::respond::{RouteLabel, graph_error};
use crate::state::{LogEntry, State};

pub const MAX_BATCH: usize = 20;
/// Items of one batch in progress at once.
const PARALLEL_ITEMS: usize = 4;

fn decode_b64(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
    let t = s.trim();
    STANDARD
        .decode(t)
        .or_else(|_| URL_SAFE.decode(t))
        .or_else(|_| URL_SAFE_NO_PAD.decode(t))
        .ok()
}

struct Item {
    id: String,
    method: Method,
    url: String,
    headers: Map<String, Value>,
    body: Option<Value>,
    depends_on: Vec<String>,
}

fn parse_items(body: &[u8]) -> Result<Vec<Item>, String> {
    let v: Value =
        serde_json::from_slice(body).map_err(|_| "Invalid batch payload format.".to_string())?;
    let requests = v
        .get("requests")
        .and_then(Value::as_array)
        .ok_or("Invalid batch payload format: 'requests' is required.")?;
    if requests.is_empty() {
        return Err("Invalid batch payload format: 'requests' is empty.".into());
    }
    if requests.len() > MAX_BATCH {
        return Err(format!(
            "Number of requests {} exceeds the allowed maximum of {MAX_BATCH}.",
            requests.len()
        ));
    }
    let mut items = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in requests {
        let id = match r.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err("Each request must have an 'id'.".into()),
        };
        if !seen.insert(id.to_lowercase()) {
            return Err(format!("Request id '{id}' is duplicated in the batch."));
        }
        let method = r
            .get("method")
            .and_then(Value::as_str)
            .and_then(|m| Method::from_bytes(m.to_uppercase().as_bytes()).ok())
            .ok_or(format!("Request '{id}' has no valid 'method'."))?;
        let url = r
            .get("url")
            .and_then(Value::as_str)
            .ok_or(format!("Request '{id}' has no 'url'."))?
            .to_string();
        if url.starts_with("http://") || url.starts_with("https://") {
            return Err(format!("Request '{id}': the url must be relative."));
        }
        let headers = r
            .get("headers")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let body = r.get("body").cloned();
        let depends_on = r
            .get("dependsOn")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        items.push(Item {
            id,
            method,
            url,
            headers,
            body,
            depends_on,
        });
    }
    for it in &items {
        for d in &it.depends_on {
            if !items.iter().any(|o| o.id.eq_ignore_ascii_case(d)) {
                return Err(format!("Request '{}' depends on unknown id '{d}'.", it.id));
            }
        }
    }
    Ok(items)
}

pub async fn handle(
    state: &Arc<State>,
    version: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> axum::response::Response {
    let items = match parse_items(body) {
        Ok(i) => i,
        Err(msg) => return graph_error(400, "BadRequest", &msg),
    };
    let mut status_of: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::new();
    let mut pending: Vec<&Item> = items.iter().collect();
    // Run items whose dependencies are done; a cycle leaves items that fail with 424.
    while !pending.is_empty() {
        let ready: Vec<usize> = (0..pending.len())
            .filter(|i| {
                pending[*i]
                    .depends_on
                    .iter()
                    .all(|d| status_of.contains_key(&d.to_lowercase()))
            })
            .collect();
        if ready.is_empty() {
            for it in pending.drain(..) {
                status_of.insert(it.id.to_lowercase(), 424);
                responses.push(failed_dependency(&it.id));
            }
            break;
        }
        let mut wave = Vec::new();
        for idx in ready.into_iter().rev() {
            let it = pending.remove(idx);
            let dep_failed = it.depends_on.iter().any(|d| {
                status_of
                    .get(&d.to_lowercase())
                    .is_none_or(|s| !(200..300).contains(s))
            });
            if dep_failed {
                status_of.insert(it.id.to_lowercase(), 424);
                responses.push(failed_dependency(&it.id));
            } else {
                wave.push(it);
            }
        }
        wave.reverse();
        let mut done = Vec::new();
        for group in wave.chunks(PARALLEL_ITEMS) {
            let answers = futures_util::future::join_all(
                group.iter().map(|it| run_item(state, version, headers, it)),
            )
            .await;
            for (it, (status, resp)) in group.iter().zip(answers) {
                done.push((it.id.to_lowercase(), status, resp));
            }
        }
        for (id, status, resp) in done {
            status_of.insert(id, status);
            responses.push(resp);
        }
    }
    crate::respond::json(200, json!({ "responses": responses }))
}

fn failed_dependency(id: &str) -> Value {
    json!({"id": id, "status": 424, "headers": {"Content-Type": "application/json"},
           "body": {"error": {"code": "FailedDependency", "message": "A dependency of this request failed."}}})
}

async fn run_item(state: &Arc<State>, version: &str, outer: &HeaderMap, it: &Item) -> (u16, Value) {
    let url = it.url.trim_start_matches('/');
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (url, None),
    };
    let segments: Vec<String> = path.split('/').map(crate::server::decode_segment).collect();
    let mut headers = HeaderMap::new();
    if let Some(auth) = outer.get("authorization") {
        headers.insert("authorization", auth.clone());
    }
    let mut content_type = String::new();
    for (k, v) in &it.headers {
        if let (Ok(name), Some(Ok(val))) = (
            HeaderName::from_bytes(k.as_bytes()),
            v.as_str().map(HeaderValue::from_str),
        ) {
            if name.as_str() == "content-type" {
                content_type = v.as_str().unwrap_or_default().to_lowercase();
            }
            headers.insert(name, val);
        }
    }
    let body = match &it.body {
        None => Bytes::new(),
        // With a JSON type the string is JSON; with another type or none it is base64.
        Some(Value::String(s)) if !content_type.contains("json") => match decode_b64(s) {
            Some(b) => Bytes::from(b),
            None => {
                return (
                    400,
                    json!({"id": it.id, "status": 400, "body": {"error": {"code": "BadRequest", "message": "The body is not valid base64."}}}),
                );
            }
        },
        Some(v) => Bytes::from(v.to_string()),
    };
    if segments.first().is_some_and(|s| s == "$batch") {
        return (
            400,
            json!({"id": it.id, "status": 400, "body": {"error": {"code": "BadRequest", "message": "A batch cannot contain another batch."}}}),
        );
    }
    // Boxed: a sub-request goes back through the Graph router, which also routes `$batch`.
    let resp = Box::pin(graph_handle(
        state,
        GraphRequest {
            version,
            method: it.method.clone(),
            segments,
            query: query.clone(),
            headers,
            body,
        },
    ))
    .await;
    let status = resp.status().as_u16();
    let is_outlook = resp
        .extensions()
        .get::<RouteLabel>()
        .is_some_and(|r| crate::graph::is_outlook_route(&r.0));
    let latency = state.faults().latency_ms;
    if is_outlook && latency > 0 {
        // The response holds the item's Outlook slot: keep it for the item's duration.
        state
            .clock
            .sleep_until(state.clock.now() + std::time::Duration::from_millis(latency))
            .await;
    }
    let route = resp
        .extensions()
        .get::<RouteLabel>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| "graph.unknown".into());
    let mut out_headers = Map::new();
    for (k, v) in resp.headers() {
        if let Ok(s) = v.to_str() {
            let name = match k.as_str() {
                "content-type" => "Content-Type".to_string(),
                "retry-after" => "Retry-After".to_string(),
                "etag" => "ETag".to_string(),
                other => other.to_string(),
            };
            out_headers.insert(name, json!(s));
        }
    }
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_lowercase();
    let app = resp
        .extensions()
        .get::<crate::respond::CallerApp>()
        .map(|a| a.0.clone());
    let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .unwrap_or_default();
    state.record(LogEntry {
        method: it.method.to_string(),
        path: format!("/{version}/{path}"),
        query,
        route: format!("batch:{route}"),
        status,
        origin: state.base_url(),
        app_id: app,
        at_unix_ms: state.clock.unix_ms(),
    });
    let body = if bytes.is_empty() {
        Value::Null
    } else if ct.contains("json") {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    } else {
        json!(base64::engine::general_purpose::STANDARD.encode(&bytes))
    };
    let mut item = json!({"id": it.id, "status": status, "headers": out_headers});
    if !body.is_null() {
        item["body"] = body;
    }
    (status, item)
}
