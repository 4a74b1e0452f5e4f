//! What the cloud stores share within one run: one HTTP client (so pacing and connection
//! reuse span Graph, SharePoint and the token endpoints) and one authenticator (so each
//! resource's token is fetched once and refreshed in one place).

use std::sync::{Arc, Mutex};

use crate::auth::Authenticator;
use crate::error::Result;
use crate::http::{HttpClient, HttpOptions};
use crate::settings::Settings;

/// Requests in flight across the whole run; the engine's `--concurrency` bounds users, this
/// bounds sockets.
pub const MAX_IN_FLIGHT: usize = 256;

#[derive(Debug)]
pub struct CloudContext {
    pub http: Arc<HttpClient>,
    pub auth: Arc<Authenticator>,
}

/// The settings that decide which context a store gets (secrets compared by value, never
/// printed).
fn identity(s: &Settings) -> String {
    format!(
        "{:?}|{:?}|{:?}|{:?}|{}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
        s.auth,
        s.tenant_id,
        s.client_id,
        s.certificate_path,
        s.graph_url,
        s.login_url,
        s.sharepoint_url,
        s.sharepoint_my_site_url,
        s.sharepoint_root_url,
        s.identity_endpoint,
        s.imds_endpoint,
        s.msi_endpoint,
        s.imds_url,
        s.access_token
            .as_ref()
            .map(|t| t.expose().len())
            .unwrap_or(0)
    )
}

static SHARED: Mutex<Option<(String, Arc<CloudContext>)>> = Mutex::new(None);

/// The run's shared context, created on first use.
pub fn context(settings: &Settings) -> Result<Arc<CloudContext>> {
    let key = identity(settings);
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((k, ctx)) = shared.as_ref()
        && *k == key
    {
        return Ok(Arc::clone(ctx));
    }
    let http = HttpClient::new(HttpOptions {
        max_in_flight: MAX_IN_FLIGHT,
        ..HttpOptions::default()
    })?;
    let auth = Authenticator::from_settings(settings, Arc::clone(&http))?;
    let ctx = Arc::new(CloudContext { http, auth });
    *shared = Some((key, Arc::clone(&ctx)));
    Ok(ctx)
}

/// The run's shared context, if a cloud store created one.
pub fn current() -> Option<Arc<CloudContext>> {
    let shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    shared.as_ref().map(|(_, c)| Arc::clone(c))
}

/// Request counters of the current run's client, if one was created.
pub fn stats() -> Option<crate::http::HttpStatsSnapshot> {
    let shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    shared.as_ref().map(|(_, c)| c.http.stats())
}
