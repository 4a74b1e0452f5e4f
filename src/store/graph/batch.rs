//! Graph JSON batching for reads: GETs from many users in flight are gathered into one
//! `POST /$batch` (up to 20 sub-requests), so a bulk status sends a twentieth of the HTTP
//! requests it otherwise would.
//!
//! A background task collects requests for a couple of milliseconds (or until 20 are
//! queued) and sends them together; each caller still gets its own `Response`. Graph answers a
//! batch with 200 even when sub-requests were throttled, so throttled or failed sub-requests
//! are retried here, each after its own `Retry-After` (or backoff), and fed to the shared
//! client's pacing and counters. Only GETs are batched: writes stay single requests, where a
//! lost answer can be checked before repeating.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::auth::TokenSource;
use crate::error::{Error, ErrorClass, Result};
use crate::http::{HttpClient, Request, Response};
use crate::schema::ErrorCode;

/// Graph's limit of sub-requests per batch.
pub const MAX_BATCH: usize = 20;
/// How long the first request of a batch waits for company.
const LINGER: Duration = Duration::from_millis(3);

struct Item {
    /// Relative to the version root, e.g. `/users/{id}/photo/$value`.
    url: String,
    reply: oneshot::Sender<Result<Response>>,
    attempt: u32,
}

#[derive(Clone)]
struct Shared {
    http: Arc<HttpClient>,
    token: TokenSource,
    /// `{graph_url}/v1.0/$batch`
    endpoint: String,
    requeue: mpsc::WeakUnboundedSender<Item>,
    /// Set when the service does not support `$batch`: callers then go direct.
    unsupported: Arc<AtomicBool>,
}

/// The handle stores use; dropping it ends the background task.
pub struct Batcher {
    tx: mpsc::UnboundedSender<Item>,
    unsupported: Arc<AtomicBool>,
}

#[derive(Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    responses: Vec<SubResponse>,
}

#[derive(Deserialize)]
struct SubResponse {
    id: String,
    status: u16,
    #[serde(default)]
    headers: HashMap<String, Value>,
    #[serde(default)]
    body: Option<Value>,
}

impl Batcher {
    /// Start the batching task on the current Tokio runtime.
    pub fn start(http: Arc<HttpClient>, token: TokenSource, v1: &str) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let unsupported = Arc::new(AtomicBool::new(false));
        let shared = Shared {
            http,
            token,
            endpoint: format!("{v1}/$batch"),
            requeue: tx.downgrade(),
            unsupported: Arc::clone(&unsupported),
        };
        tokio::spawn(collect(rx, shared));
        Batcher { tx, unsupported }
    }

    /// Whether batching is (still) in use.
    pub fn active(&self) -> bool {
        !self.unsupported.load(Ordering::Relaxed)
    }

    /// GET `url` (relative to the version root) as part of a batch. An `Err` with code
    /// `not-available` means the service refused batching: send the request directly.
    pub async fn get(&self, url: String) -> Result<Response> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Item {
                url,
                reply,
                attempt: 1,
            })
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

fn gone() -> Error {
    Error::new(
        ErrorCode::Transient,
        ErrorClass::Transient,
        "the batching task stopped before answering",
    )
}

async fn collect(mut rx: mpsc::UnboundedReceiver<Item>, shared: Shared) {
    while let Some(first) = rx.recv().await {
        let mut items = vec![first];
        let linger = tokio::time::sleep(LINGER);
        tokio::pin!(linger);
        while items.len() < MAX_BATCH {
            tokio::select! {
                item = rx.recv() => match item {
                    Some(i) => items.push(i),
                    None => break,
                },
                _ = &mut linger => break,
            }
        }
        tokio::spawn(send(shared.clone(), items));
    }
}

fn body_bytes(body: Option<Value>, headers: &HeaderMap) -> Bytes {
    let json_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.contains("json"));
    match body {
        None | Some(Value::Null) => Bytes::new(),
        // Binary bodies (photos) come back base64-encoded in a JSON string.
        Some(Value::String(s)) if !json_type => {
            match base64::engine::general_purpose::STANDARD.decode(s.trim()) {
                Ok(b) => Bytes::from(b),
                Err(_) => Bytes::from(s.into_bytes()),
            }
        }
        Some(v) => Bytes::from(serde_json::to_vec(&v).unwrap_or_default()),
    }
}

fn header_map(raw: &HashMap<String, Value>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in raw {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()),
            HeaderValue::from_str(&text),
        ) {
            map.insert(name, value);
        }
    }
    map
}

async fn send(shared: Shared, items: Vec<Item>) {
    let requests: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, it)| json!({"id": i.to_string(), "method": "GET", "url": it.url}))
        .collect();
    let req = Request::new(reqwest::Method::POST, shared.endpoint.clone())
        .json_body(&json!({ "requests": requests }))
        .idempotent(true);
    let answer = match shared.http.send(&req, Some(&shared.token)).await {
        Ok(resp) if resp.is_success() => resp.json::<BatchAnswer>(),
        Ok(resp) if matches!(resp.status, 400 | 404 | 405 | 501) => {
            tracing::info!(
                status = resp.status,
                "Graph refused $batch; sending requests one by one"
            );
            shared.unsupported.store(true, Ordering::Relaxed);
            Err(Error::not_available("Graph $batch"))
        }
        Ok(resp) => Err(crate::http::unexpected_status(&resp)),
        Err(e) => Err(e),
    };
    let answer = match answer {
        Ok(a) => a,
        Err(e) => {
            for it in items {
                let _ = it.reply.send(Err(e.clone()));
            }
            return;
        }
    };
    let mut by_id: HashMap<String, SubResponse> = answer
        .responses
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let policy = shared.http.options().retry;
    for (i, item) in items.into_iter().enumerate() {
        let Some(sub) = by_id.remove(&i.to_string()) else {
            let _ = item.reply.send(Err(Error::new(
                ErrorCode::Transient,
                ErrorClass::Transient,
                "Graph left a request out of its batch answer",
            )));
            continue;
        };
        let headers = header_map(&sub.headers);
        let retryable = matches!(sub.status, 429 | 500 | 502 | 503 | 504);
        if retryable {
            let retry_after = headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(crate::http::retry::parse_retry_after);
            shared
                .http
                .note_retryable(&shared.endpoint, sub.status, retry_after);
            if item.attempt < policy.max_attempts {
                let delay = policy.delay(item.attempt, retry_after);
                let requeue = shared.requeue.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let next = Item {
                        attempt: item.attempt + 1,
                        ..item
                    };
                    if let Some(tx) = requeue.upgrade()
                        && let Err(mpsc::error::SendError(lost)) = tx.send(next)
                    {
                        let _ = lost.reply.send(Err(gone()));
                    }
                });
                continue;
            }
            let (code, class) = if sub.status == 429 {
                (ErrorCode::Throttled, ErrorClass::Throttled)
            } else {
                (ErrorCode::Transient, ErrorClass::Transient)
            };
            let _ = item.reply.send(Err(Error::new(
                code,
                class,
                format!(
                    "Graph kept answering {} after {} attempts",
                    sub.status, item.attempt
                ),
            )
            .with_hint("run again later, or lower --concurrency")));
            continue;
        }
        let body = body_bytes(sub.body, &headers);
        let _ = item.reply.send(Ok(Response {
            status: sub.status,
            headers,
            body,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_bodies_are_decoded_and_json_kept() {
        let mut jpeg = HeaderMap::new();
        jpeg.insert("content-type", HeaderValue::from_static("image/jpeg"));
        let b = body_bytes(Some(Value::String("/9j/4A==".into())), &jpeg);
        assert_eq!(&b[..], &[0xff, 0xd8, 0xff, 0xe0]);
        let j = body_bytes(Some(json!({"value": []})), &HeaderMap::new());
        assert_eq!(&j[..], br#"{"value":[]}"#);
    }
}
