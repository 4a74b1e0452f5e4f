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
    let (c, sp) = (&s.cloud, &s.sharepoint);
    format!(
        "{:?}|{:?}|{:?}|{:?}|{}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
        c.auth,
        c.tenant_id,
        c.client_id,
        c.certificate_path,
        c.graph_url,
        c.login_url,
        sp.url,
        sp.my_site_url,
        sp.root_url,
        c.identity_endpoint,
        c.imds_endpoint,
        c.msi_endpoint,
        c.imds_url,
        c.access_token
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
    let auth =
        Authenticator::from_settings(&settings.cloud, &settings.sharepoint, Arc::clone(&http))?;
    let ctx = Arc::new(CloudContext { http, auth });
    *shared = Some((key, Arc::clone(&ctx)));
    Ok(ctx)
}

/// Request counters of the current run's client, if one was created.
pub fn stats() -> Option<crate::http::HttpStatsSnapshot> {
    let shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    shared.as_ref().map(|(_, c)| c.http.stats())
}
