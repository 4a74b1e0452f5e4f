//! HTTP plumbing: the accept loops (plain and TLS), fault injection around every emulated API
//! call (latency, 503/504 and dropped connections before the handler; a connection dropped or
//! a 503 after the handler acted on a write), the request log, and routing of a request by the listener it came
//! in on (the main origin: identity, Graph, admin API; one origin per SharePoint host) and its
//! first path segment.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::Method;
use axum::response::Response;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

use crate::respond::{CallerApp, RouteLabel, graph_error, label, set_header};
use crate::sharepoint::SiteRole;
use crate::state::{LogEntry, State, lock};

/// Largest request body read (uploads above 4 MB are refused by the handlers with 413).
const BODY_LIMIT: usize = 64 << 20;

/// Marks a response whose connection must be dropped instead of answered.
#[derive(Clone, Copy)]
struct DropConnection;

pub fn decode_segment(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// What a listener serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Identity, Graph, the managed-identity endpoints and the admin API.
    Main,
    /// One SharePoint host: its `_api` and, on the My Site host, the picture library.
    SharePoint(SiteRole),
}

#[derive(Clone)]
struct Ctx {
    state: Arc<State>,
    /// Base URL of the listener this request came in on (discovery documents, SharePoint's
    /// audience check, the request log).
    base: String,
    role: Role,
}

pub fn router(state: Arc<State>, base: String, role: Role) -> axum::Router {
    axum::Router::new()
        .fallback(entry)
        .with_state(Ctx { state, base, role })
}

async fn entry(axum::extract::State(ctx): axum::extract::State<Ctx>, req: Request) -> Response {
    // Added latency is a floor on the time to answer, counted from arrival: the emulator's own
    // work (decoding an upload, rendering its size ladder) happens inside it, as a service's
    // does, instead of adding to it.
    let state = ctx.state.clone();
    let arrived = state.clock.now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let emulated = !path.starts_with("/_emulator");
    if emulated {
        let faults = state.faults();
        let fault_rate = faults.drop_connection_rate
            + faults.error_503_rate
            + faults.error_504_rate
            + faults.error_429_rate;
        let mut roll = if fault_rate > 0.0 {
            state.random_unit()
        } else {
            1.0
        };
        if faults.max_faults_in_a_row > 0 {
            let request = format!("{method} {path}?{}", query.as_deref().unwrap_or_default());
            if !state.may_fault(&request, roll < fault_rate, faults.max_faults_in_a_row) {
                roll = 1.0;
            }
        }
        let mut injected = None;
        if roll < faults.drop_connection_rate {
            lock(&state.counters).dropped_connections += 1;
            let mut r = label(Response::new(Body::empty()), "fault.drop");
            r.extensions_mut().insert(DropConnection);
            injected = Some(r);
        } else if roll < faults.drop_connection_rate + faults.error_503_rate {
            let mut r = graph_error(
                503,
                "serviceNotAvailable",
                "The service is temporarily unavailable. [injected]",
            );
            set_header(&mut r, "retry-after", &faults.retry_after_secs.to_string());
            injected = Some(label(r, "fault.503"));
        } else if roll < faults.drop_connection_rate + faults.error_503_rate + faults.error_504_rate
        {
            let mut r = graph_error(504, "gatewayTimeout", "The gateway timed out. [injected]");
            set_header(&mut r, "retry-after", &faults.retry_after_secs.to_string());
            injected = Some(label(r, "fault.504"));
        } else if roll < fault_rate {
            // Graph's throttling answer (docs: throttling, "Best practices to handle throttling").
            let mut r = graph_error(
                429,
                "TooManyRequests",
                "Too many requests. Please retry again later. [injected]",
            );
            set_header(&mut r, "retry-after", &faults.retry_after_secs.to_string());
            lock(&state.counters).throttled_429 += 1;
            injected = Some(label(r, "fault.429"));
        }
        if let Some(r) = injected {
            if faults.latency_ms > 0 {
                state
                    .clock
                    .sleep_until(arrived + Duration::from_millis(faults.latency_ms))
                    .await;
            }
            if r.status().is_server_error() {
                lock(&state.counters).injected_5xx += 1;
            }
            record(&state, &ctx.base, &method, &path, query, &r);
            return r;
        }
    }
    let mut resp = dispatch(&ctx, req).await;
    if emulated {
        // The handler has acted (a write is stored); now lose the answer, or answer 503, so a
        // client that repeats writes blindly is caught writing twice.
        let faults = state.faults();
        let is_write = matches!(method, Method::PUT | Method::PATCH | Method::DELETE)
            || (method == Method::POST && path.starts_with("/_api/"));
        let (drop_rate, error_rate) = (
            faults.drop_after_processing_rate,
            faults.error_503_after_processing_rate,
        );
        if is_write && drop_rate + error_rate > 0.0 {
            let roll = state.random_unit();
            if roll < drop_rate {
                lock(&state.counters).dropped_after_processing += 1;
                resp.extensions_mut().insert(DropConnection);
            } else if roll < drop_rate + error_rate {
                lock(&state.counters).failed_after_processing += 1;
                let mut r = graph_error(
                    503,
                    "serviceNotAvailable",
                    "The service is temporarily unavailable. [injected after processing]",
                );
                set_header(&mut r, "retry-after", &faults.retry_after_secs.to_string());
                resp = label(r, "fault.503-after-processing");
            }
        }
        // The rest of the latency after processing, while the response (and any concurrency
        // slot it holds) is alive — so concurrency limits are observable with added latency.
        let latency = state.faults().latency_ms;
        if latency > 0 {
            state
                .clock
                .sleep_until(arrived + Duration::from_millis(latency))
                .await;
        }
        // The slot is free before the answer leaves, as the service frees it when it answers:
        // a client that sends its next call on reading this answer never finds it still taken
        // (left in the response, the guard lived until hyper dropped it, which could be after
        // the client had read the answer).
        resp.extensions_mut()
            .remove::<Arc<crate::throttle::ConcurrencyGuard>>();
        record(&state, &ctx.base, &method, &path, query, &resp);
    }
    resp
}

fn record(
    state: &State,
    origin: &str,
    method: &Method,
    path: &str,
    query: Option<String>,
    resp: &Response,
) {
    let route = resp
        .extensions()
        .get::<RouteLabel>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| "unknown".into());
    state.record(LogEntry {
        method: method.to_string(),
        path: path.to_string(),
        query,
        route,
        status: resp.status().as_u16(),
        origin: origin.to_string(),
        app_id: resp.extensions().get::<CallerApp>().map(|a| a.0.clone()),
        at_unix_ms: state.clock.unix_ms(),
    });
}

async fn dispatch(ctx: &Ctx, req: Request) -> Response {
    let state = &ctx.state;
    let (parts, body) = req.into_parts();
    let body: Bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return label(
                graph_error(
                    413,
                    "RequestBodyTooLarge",
                    "The request size exceeds the maximum limit.",
                ),
                "too_large",
            );
        }
    };
    let raw_path = parts.uri.path();
    let query = parts.uri.query();
    let segs: Vec<String> = raw_path.split('/').skip(1).map(decode_segment).collect();
    let s = |i: usize| segs.get(i).map(|x| x.to_lowercase()).unwrap_or_default();
    let first = s(0);
    if let Role::SharePoint(role) = ctx.role {
        let site = crate::sharepoint::Site {
            role,
            origin: &ctx.base,
        };
        return match first.as_str() {
            "_api" => {
                let decoded = decode_segment(raw_path);
                let api_path = decoded
                    .get(6..)
                    .unwrap_or_default()
                    .trim_start_matches('/')
                    .to_string();
                crate::sharepoint::handle_api(
                    state,
                    site,
                    crate::sharepoint::SpRequest {
                        method: parts.method,
                        api_path: &api_path,
                        query,
                        headers: &parts.headers,
                        body: &body,
                    },
                )
            }
            "user photos" if parts.method == Method::GET => {
                crate::mysite::handle_file(state, site, &decode_segment(raw_path), &parts.headers)
            }
            _ => label(
                graph_error(
                    404,
                    "NotFound",
                    &format!("The emulated SharePoint host has no route for {raw_path}."),
                ),
                "unknown",
            ),
        };
    }
    match first.as_str() {
        "v1.0" | "beta" => {
            let version = if first == "beta" { "beta" } else { "v1.0" };
            crate::graph::handle(
                state,
                crate::graph::GraphRequest {
                    version,
                    method: parts.method,
                    segments: segs[1..].to_vec(),
                    query: query.map(str::to_string),
                    headers: parts.headers,
                    body,
                },
            )
            .await
        }
        "_api" | "user photos" => label(
            graph_error(
                404,
                "NotFound",
                "SharePoint is served on its own origins (sharepointUrl, sharepointRootUrl, sharepointMySiteUrl), not on the main one.",
            ),
            "unknown",
        ),
        "_emulator" => {
            crate::admin::handle_http(state, &parts.method, &segs[1..], &parts.headers, &body)
        }
        "msi" if s(1) == "token" => {
            crate::managed_identity::app_service(state, &parts.method, query, &parts.headers, &body)
        }
        "metadata" if s(1) == "identity" && s(2) == "oauth2" && s(3) == "token" => {
            crate::managed_identity::imds(state, query, &parts.headers)
        }
        "arc"
            if s(1) == "metadata" && s(2) == "identity" && s(3) == "oauth2" && s(4) == "token" =>
        {
            crate::managed_identity::azure_arc(state, query, &parts.headers)
        }
        "legacy-msi" if s(1) == "token" => {
            crate::managed_identity::legacy_msi(state, query, &parts.headers)
        }
        _ if s(1) == "oauth2" && s(2) == "v2.0" && s(3) == "token" => {
            if parts.method != Method::POST {
                return label(crate::graph::method_not_allowed(), "identity.token");
            }
            crate::identity::token(state, &segs[0], &parts.headers, &body)
        }
        _ if s(1) == "v2.0" && s(2) == ".well-known" && s(3) == "openid-configuration" => {
            crate::identity::openid_configuration(state, &segs[0], &ctx.base)
        }
        _ if s(1) == "discovery" && s(2) == "v2.0" && s(3) == "keys" => label(
            crate::respond::json(200, serde_json::json!({"keys": []})),
            "identity.keys",
        ),
        _ => label(
            graph_error(
                404,
                "NotFound",
                &format!("The emulator has no route for {raw_path}."),
            ),
            "unknown",
        ),
    }
}

/// Serves one listener until `shutdown` flips; TLS when `tls` is given.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.changed() => break,
            a = listener.accept() => a,
        };
        let Ok((stream, _)) = accepted else {
            // Transient accept errors (e.g. EMFILE): back off briefly instead of spinning.
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let svc =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let app = app.clone();
                    async move {
                        let resp = match app.oneshot(req.map(Body::new)).await {
                            Ok(r) => r,
                            Err(never) => match never {},
                        };
                        if resp.extensions().get::<DropConnection>().is_some() {
                            return Err(std::io::Error::other(
                                "emulator: injected dropped connection",
                            ));
                        }
                        Ok::<_, std::io::Error>(resp)
                    }
                });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            match tls {
                Some(acceptor) => {
                    if let Ok(tls_stream) = acceptor.accept(stream).await {
                        let _ = builder
                            .serve_connection(TokioIo::new(tls_stream), svc)
                            .await;
                    }
                }
                None => {
                    let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                }
            }
        });
    }
}
