//! `photosync-emulator`: a local Microsoft 365 tenant (Entra token endpoints, Graph users and
//! profile photos, `$batch`, SharePoint user profiles and the My Site photo library) that
//! behaves like the documented service, including its throttling and failure modes, so
//! PhotoSync's cloud code can be tested and benchmarked without a tenant.
//!
//! ```no_run
//! use photosync_emulator::{Emulator, Options, Seed};
//! let emu = Emulator::start(Seed::example()?, Options::default())?;
//! println!("{}", emu.graph_url());
//! # anyhow::Ok(())
//! ```

// Handlers return `Result<_, Response>` so an early error is the ready HTTP answer; the
// Response is large but these are per-request, not hot inner loops.
#![allow(clippy::result_large_err)]

mod admin;
mod batch;
mod clock;
mod directory;
mod graph;
mod identity;
mod latency;
mod mailbox;
mod managed_identity;
mod mysite;
mod options;
mod photo;
mod photos;
mod respond;
mod seed;
mod server;
mod sharepoint;
mod state;
mod sync_behavior;
mod throttle;
mod tls;
mod token;
mod user_faults;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use serde::Serialize;
use tokio::sync::watch;

pub use admin::Admin;
pub use options::{
    Faults, MailboxMode, NoPhotoVariant, Options, OutlookScope, ThrottleLimits, TlsOptions,
};
pub use photo::{MAX_UPLOAD_BYTES, SIZE_LADDER};
pub use seed::{
    GeneratedPhoto, Mailbox, PhotoModel, PhotoUpdateSettings, Seed, SeedApp, SeedPhoto, SeedTenant,
    SeedUser, UserPhotoFault, UserPurpose,
};
pub use sharepoint::{PROFILE_PICTURES, SiteRole};
pub use state::{Counters, LogEntry, User};
pub use token::CredentialKind;

/// Entry point: `Emulator::start(seed, options)`.
pub struct Emulator;

/// The URLs a client needs, as printed by the binary.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub base_url: String,
    pub graph_url: String,
    pub login_url: String,
    /// The SharePoint admin site (`contoso-admin.sharepoint.com`): what `PHOTOSYNC_SHAREPOINT_URL` takes.
    pub sharepoint_url: String,
    /// The tenant root site (`contoso.sharepoint.com`), an origin of its own.
    pub sharepoint_root_url: String,
    /// The My Site host (`contoso-my.sharepoint.com`), which holds `User Photos/Profile Pictures`.
    pub sharepoint_my_site_url: String,
    pub managed_identity_endpoint: String,
    pub managed_identity_header: String,
    pub imds_url: String,
    /// Azure Arc: `IDENTITY_ENDPOINT` (the 401 key-file challenge flow).
    pub arc_identity_endpoint: String,
    /// Azure Arc: `IMDS_ENDPOINT` (its presence marks an Arc machine).
    pub arc_imds_endpoint: String,
    /// Where the Arc endpoint writes its key files.
    pub arc_key_dir: PathBuf,
    /// App Service 2017 API: `MSI_ENDPOINT` and the `MSI_SECRET` it expects.
    pub msi_endpoint: String,
    pub msi_secret: String,
    pub admin_url: String,
    pub tenant_id: String,
    pub tenant_domain: String,
    /// HTTPS base (same routes) when TLS is on.
    pub https_base_url: Option<String>,
    /// PEM file of the test CA that signed the HTTPS certificate.
    pub ca_cert_path: Option<PathBuf>,
}

/// A running emulator on its own thread and Tokio runtime; dropping it shuts it down.
pub struct RunningEmulator {
    state: Arc<State>,
    endpoints: Endpoints,
    shutdown: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// A TLS directory the emulator created itself (removed on drop).
    owned_tls_dir: Option<PathBuf>,
    /// An Arc key folder the emulator created itself (removed on drop).
    owned_arc_dir: Option<PathBuf>,
}

use state::State;

/// What the server thread reports once every listener is bound.
struct Bound {
    base: String,
    https: Option<String>,
    ca: Option<PathBuf>,
    sharepoint: state::SharePointOrigins,
}

impl Emulator {
    pub fn start(seed: Seed, mut options: Options) -> anyhow::Result<RunningEmulator> {
        let owned_arc_dir = match &options.arc_key_dir {
            Some(_) => None,
            None => {
                let dir = std::env::temp_dir().join(format!(
                    "photosync-emulator-arc-{}",
                    uuid::Uuid::new_v4().simple()
                ));
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                options.arc_key_dir = Some(dir.clone());
                Some(dir)
            }
        };
        let arc_key_dir = options.arc_key_dir.clone().unwrap_or_default();
        let state = Arc::new(State::new(&seed, &options)?);
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<anyhow::Result<Bound>>();
        let thread_state = state.clone();
        let tls_opts = options.tls.clone();
        let owns_tls_dir = options.tls.as_ref().is_some_and(|t| t.dir.is_none());
        let listen = options.listen;
        let thread = std::thread::Builder::new()
            .name("photosync-emulator".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.into()));
                        return;
                    }
                };
                rt.block_on(async move {
                    let setup = async {
                        let plain = tokio::net::TcpListener::bind(listen)
                            .await
                            .with_context(|| format!("cannot listen on {listen}"))?;
                        let base = format!("http://{}", plain.local_addr()?);
                        // SharePoint's admin, root and My Site hosts are separate origins
                        // (a token is good for one of them only): one loopback port each.
                        let mut sites = Vec::new();
                        for role in SiteRole::ALL {
                            let l = tokio::net::TcpListener::bind(std::net::SocketAddr::new(
                                listen.ip(),
                                0,
                            ))
                            .await
                            .with_context(|| {
                                format!("cannot listen on {} for SharePoint", listen.ip())
                            })?;
                            let url = format!("http://{}", l.local_addr()?);
                            sites.push((role, l, url));
                        }
                        let tls = match tls_opts {
                            None => None,
                            Some(t) => {
                                let dir = t.dir.clone().unwrap_or_else(|| {
                                    std::env::temp_dir().join(format!(
                                        "photosync-emulator-tls-{}",
                                        uuid::Uuid::new_v4().simple()
                                    ))
                                });
                                let material = tls::generate(&dir)?;
                                let l = tokio::net::TcpListener::bind(std::net::SocketAddr::new(
                                    listen.ip(),
                                    0,
                                ))
                                .await?;
                                let https = format!("https://{}", l.local_addr()?);
                                Some((l, https, material))
                            }
                        };
                        anyhow::Ok((plain, base, sites, tls))
                    };
                    let (plain, base, sites, tls) = match setup.await {
                        Ok(x) => x,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let site_url = |wanted: SiteRole| {
                        sites
                            .iter()
                            .find(|(role, _, _)| *role == wanted)
                            .map(|(_, _, url)| url.clone())
                            .unwrap_or_default()
                    };
                    let sharepoint = state::SharePointOrigins {
                        root: site_url(SiteRole::Root),
                        admin: site_url(SiteRole::Admin),
                        my_site: site_url(SiteRole::MySite),
                    };
                    let _ = thread_state.urls.set(state::Urls {
                        base: base.clone(),
                        https_base: tls.as_ref().map(|t| t.1.clone()),
                        sharepoint: sharepoint.clone(),
                    });
                    let mut tasks = Vec::new();
                    tasks.push(tokio::spawn(server::serve(
                        plain,
                        server::router(thread_state.clone(), base.clone(), server::Role::Main),
                        None,
                        shutdown_rx.clone(),
                    )));
                    for (role, listener, url) in sites {
                        tasks.push(tokio::spawn(server::serve(
                            listener,
                            server::router(
                                thread_state.clone(),
                                url,
                                server::Role::SharePoint(role),
                            ),
                            None,
                            shutdown_rx.clone(),
                        )));
                    }
                    let (https, ca) = match tls {
                        Some((l, https, material)) => {
                            tasks.push(tokio::spawn(server::serve(
                                l,
                                server::router(
                                    thread_state.clone(),
                                    https.clone(),
                                    server::Role::Main,
                                ),
                                Some(tokio_rustls::TlsAcceptor::from(material.config)),
                                shutdown_rx.clone(),
                            )));
                            (Some(https), Some(material.ca_path))
                        }
                        None => (None, None),
                    };
                    let _ = ready_tx.send(Ok(Bound {
                        base,
                        https,
                        ca,
                        sharepoint,
                    }));
                    for t in tasks {
                        let _ = t.await;
                    }
                });
                rt.shutdown_timeout(std::time::Duration::from_millis(200));
            })
            .context("cannot spawn the emulator thread")?;
        let Bound {
            base,
            https,
            ca,
            sharepoint,
        } = ready_rx
            .recv()
            .context("emulator thread ended before it was ready")??;
        let endpoints = Endpoints {
            graph_url: base.clone(),
            login_url: base.clone(),
            sharepoint_url: sharepoint.admin,
            sharepoint_root_url: sharepoint.root,
            sharepoint_my_site_url: sharepoint.my_site,
            managed_identity_endpoint: format!("{base}/msi/token"),
            managed_identity_header: options.identity_header.clone(),
            imds_url: format!("{base}/metadata/identity/oauth2/token"),
            arc_identity_endpoint: format!("{base}/arc/metadata/identity/oauth2/token"),
            arc_imds_endpoint: format!("{base}/arc"),
            arc_key_dir,
            msi_endpoint: format!("{base}/legacy-msi/token"),
            msi_secret: options.msi_secret.clone(),
            admin_url: format!("{base}/_emulator"),
            tenant_id: seed.tenant.id.clone(),
            tenant_domain: seed.tenant.domain.clone(),
            https_base_url: https,
            ca_cert_path: ca.clone(),
            base_url: base,
        };
        Ok(RunningEmulator {
            state,
            endpoints,
            shutdown: shutdown_tx,
            thread: Some(thread),
            owned_tls_dir: ca
                .filter(|_| owns_tls_dir)
                .and_then(|p| p.parent().map(PathBuf::from)),
            owned_arc_dir,
        })
    }
}

impl RunningEmulator {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.endpoints.base_url.clone()
    }
    /// Graph root; clients append `/v1.0` or `/beta`.
    pub fn graph_url(&self) -> String {
        self.endpoints.graph_url.clone()
    }
    /// Authority host: `{login_url}/{tenant}/oauth2/v2.0/token`.
    pub fn login_url(&self) -> String {
        self.endpoints.login_url.clone()
    }
    /// The SharePoint admin site's origin (`PHOTOSYNC_SHAREPOINT_URL`); clients append `/_api/...`.
    /// Admin, root and My Site are separate origins, and each accepts only tokens minted for it.
    pub fn sharepoint_url(&self) -> String {
        self.endpoints.sharepoint_url.clone()
    }
    /// The SharePoint root site's origin (`contoso.sharepoint.com`).
    pub fn sharepoint_root_url(&self) -> String {
        self.endpoints.sharepoint_root_url.clone()
    }
    /// The My Site host's origin (`contoso-my.sharepoint.com`): the profile picture library.
    pub fn sharepoint_my_site_url(&self) -> String {
        self.endpoints.sharepoint_my_site_url.clone()
    }
    /// Full URL for `IDENTITY_ENDPOINT` (Azure Automation / App Service style).
    pub fn managed_identity_endpoint(&self) -> String {
        self.endpoints.managed_identity_endpoint.clone()
    }
    /// Value for `IDENTITY_HEADER` (sent back as `X-IDENTITY-HEADER`).
    pub fn managed_identity_header(&self) -> String {
        self.endpoints.managed_identity_header.clone()
    }
    /// Full IMDS token URL (`.../metadata/identity/oauth2/token`).
    pub fn imds_url(&self) -> String {
        self.endpoints.imds_url.clone()
    }
    /// Azure Arc `IDENTITY_ENDPOINT` (answers 401 naming a key file first).
    pub fn arc_identity_endpoint(&self) -> String {
        self.endpoints.arc_identity_endpoint.clone()
    }
    /// Azure Arc `IMDS_ENDPOINT`.
    pub fn arc_imds_endpoint(&self) -> String {
        self.endpoints.arc_imds_endpoint.clone()
    }
    /// The folder the Arc endpoint writes its key files to.
    pub fn arc_key_dir(&self) -> PathBuf {
        self.endpoints.arc_key_dir.clone()
    }
    /// `MSI_ENDPOINT` (App Service 2017-09-01 API).
    pub fn msi_endpoint(&self) -> String {
        self.endpoints.msi_endpoint.clone()
    }
    /// The `MSI_SECRET` value the `MSI_ENDPOINT` expects.
    pub fn msi_secret(&self) -> String {
        self.endpoints.msi_secret.clone()
    }
    /// HTTPS base URL when started with TLS.
    pub fn https_base_url(&self) -> Option<String> {
        self.endpoints.https_base_url.clone()
    }
    /// The test CA certificate (PEM) when started with TLS.
    pub fn ca_cert_path(&self) -> Option<PathBuf> {
        self.endpoints.ca_cert_path.clone()
    }
    pub fn tenant_id(&self) -> String {
        self.endpoints.tenant_id.clone()
    }
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }
    pub fn admin(&self) -> Admin {
        Admin {
            state: self.state.clone(),
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(dir) = self.owned_tls_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(dir) = self.owned_arc_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
