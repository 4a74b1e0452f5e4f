//! What one run shares between its stores, passed to every backend's `open` (no process-wide
//! state): the settings groups each backend reads, and for the cloud stores one HTTP client
//! (so pacing and connection reuse span Graph, SharePoint and the token endpoints) and one
//! authenticator (so each resource's token is fetched once and refreshed in one place),
//! created when the first cloud store opens.

use std::sync::{Arc, Mutex};

use crate::auth::Authenticator;
use crate::error::Result;
use crate::http::{HttpClient, HttpOptions, HttpStatsSnapshot};
use crate::settings::{CloudSettings, DirectorySettings, Settings, SharePointSettings};

/// Requests in flight across the whole run; the engine's `--concurrency` bounds users, this
/// bounds sockets.
pub const MAX_IN_FLIGHT: usize = 256;

/// The cloud stores' shared client and credential.
#[derive(Debug)]
pub struct CloudContext {
    pub http: Arc<HttpClient>,
    pub auth: Arc<Authenticator>,
    pub settings: CloudSettings,
}

/// One run's context.
#[derive(Debug)]
pub struct RunContext {
    cloud_settings: CloudSettings,
    sharepoint: SharePointSettings,
    directory: DirectorySettings,
    cloud: Mutex<Option<Arc<CloudContext>>>,
}

impl RunContext {
    pub fn new(settings: &Settings) -> Self {
        RunContext {
            cloud_settings: settings.cloud.clone(),
            sharepoint: settings.sharepoint.clone(),
            directory: settings.directory.clone(),
            cloud: Mutex::new(None),
        }
    }

    /// The Active Directory connection settings.
    pub fn directory(&self) -> &DirectorySettings {
        &self.directory
    }

    /// Where the tenant's SharePoint lives.
    pub fn sharepoint(&self) -> &SharePointSettings {
        &self.sharepoint
    }

    /// The cloud stores' client and credential, created on first use.
    pub fn cloud(&self) -> Result<Arc<CloudContext>> {
        let mut cloud = self.cloud.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ctx) = cloud.as_ref() {
            return Ok(Arc::clone(ctx));
        }
        let http = HttpClient::new(HttpOptions {
            max_in_flight: MAX_IN_FLIGHT,
            ..HttpOptions::default()
        })?;
        let auth = Authenticator::from_settings(
            &self.cloud_settings,
            &self.sharepoint,
            Arc::clone(&http),
        )?;
        let ctx = Arc::new(CloudContext {
            http,
            auth,
            settings: self.cloud_settings.clone(),
        });
        *cloud = Some(Arc::clone(&ctx));
        Ok(ctx)
    }

    /// The cloud stores' client and credential if a cloud store was opened (never creates them).
    pub fn opened_cloud(&self) -> Option<Arc<CloudContext>> {
        self.cloud.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Request counters of the run's cloud client, if a cloud store was opened.
    pub fn http_stats(&self) -> Option<HttpStatsSnapshot> {
        let cloud = self.cloud.lock().unwrap_or_else(|e| e.into_inner());
        cloud.as_ref().map(|c| c.http.stats())
    }
}
