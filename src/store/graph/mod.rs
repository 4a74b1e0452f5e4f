//! The Microsoft Graph store: the one cloud write path, behind Entra ID, Exchange Online,
//! Outlook, Teams and modern SharePoint.
//!
//! Users are resolved once to their object id (see `directory`), then photos are read with
//! `GET /users/{id}/photo/$value` and written with `PUT` of the `graph` rendition. Once the
//! user is known to exist, any 404 on the photo means "no photo" — Graph has used at least
//! four error codes for it. A mailbox-less user, a missing permission and the tenant's
//! `photoUpdateSettings` each become their own explained error. A write that failed
//! ambiguously (connection lost after sending) is checked by reading the photo back before it
//! is repeated, so no user is written twice. Directory lookups of all users in flight are
//! gathered into `$batch` requests (`batch`). Photo calls are an Outlook resource with a small
//! per-app in-flight limit (spec §12): batching cannot beat that limit, so they go one by one
//! through the shared client's Outlook limiter. For `status`, a found user without a photo is
//! explained by the kind of mailbox where Graph tells it (`mailbox`).

pub mod batch;
pub mod directory;
pub mod errors;
pub mod mailbox;
pub mod policy;
pub mod sync_path;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::OnceCell;

use super::registry::{Backend, Need, Opening, Permissions};
use super::spec::StoreSpec;
use super::{
    Capabilities, PhotoRead, PhotoStore, Proofs, RunContext, Service, StoreClass, StoreRole,
    StoreUser, StoredPhoto, state_key,
};
use crate::auth::{Authenticator, Resource, TokenClaims, TokenSource};
use crate::error::{Error, ErrorClass, Result};
use crate::http::{HttpClient, Request, Response};
use crate::photo::{self, RenditionSpec, SourcePhoto};
use crate::schema::{ErrorCode, Finding, FindingCode, Severity, UserRecord};
use crate::settings::env::Group;
pub use directory::Directory;
use policy::{PhotoUpdateSettings, PolicySource};

/// The `graph` entry of the store registry.
pub const BACKEND: Backend = Backend {
    name: "graph",
    syntax: "graph",
    description: "the Microsoft Graph user photo (Entra, Exchange, Outlook, Teams, modern SharePoint)",
    settings: &[Group::Cloud],
    rendition: Some(RENDITION),
    permissions: Some(&PERMISSIONS),
    parse_argument: None,
    open,
};

/// What Graph receives: the source's size up to 648x648 (never upscaled), within its 4 MB
/// upload limit.
pub const RENDITION: RenditionSpec = RenditionSpec::up_to(
    photo::GRAPH_MAX_PX,
    photo::GRAPH_MAX_BYTES,
    photo::GRAPH_MAX_BYTES,
);

/// What the Graph token must allow (`auth test`).
pub const PERMISSIONS: Permissions = Permissions {
    resource: Resource::Graph,
    read: &[
        Need {
            what: "find users",
            // Not User.ReadBasic.All: it cannot read onPremisesImmutableId or userType, which
            // matching needs (`errors::read_permission_denied`).
            any_of: &[
                "User.Read.All",
                "User.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ],
        },
        Need {
            what: "read photos",
            any_of: &[
                "ProfilePhoto.Read.All",
                "ProfilePhoto.ReadWrite.All",
                "User.Read.All",
                "User.ReadWrite.All",
            ],
        },
    ],
    write: &[Need {
        what: "write photos",
        any_of: &["ProfilePhoto.ReadWrite.All", "User.ReadWrite.All"],
    }],
    optional: &[Need {
        what: "read photoUpdateSettings (optional: explains blocked writes)",
        any_of: &["PeopleSettings.Read.All", "PeopleSettings.ReadWrite.All"],
    }],
};

/// The state key of Graph writes to `tenant` (an id or domain) through `graph_url`.
pub fn target_key(tenant: &str, graph_url: &str) -> String {
    state_key::join(&[
        BACKEND.name,
        &tenant.trim().to_lowercase(),
        &state_key::normalise_url(graph_url),
    ])
}

/// What Entra lookups need proven (the SharePoint store, which binds to them, too).
pub const PROOFS: Proofs = Proofs {
    anchors: true,
    by_mail: true,
    by_dn: false,
    named_files: false,
};

/// What to check when Entra does not know a user (the SharePoint store says the same).
pub const NOT_FOUND_HINT: &str = "include ObjectGUID in the input so the user can be matched by onPremisesImmutableId, or check the UPN in Entra";

/// Opens the store and fails before the first user when the credential does not work at all.
fn open<'a>(_spec: &'a StoreSpec, _role: StoreRole, ctx: &'a RunContext) -> Opening<'a> {
    Box::pin(async move {
        let cloud = ctx.cloud()?;
        let token = cloud.auth.token(Resource::Graph).await?;
        // The tenant the token is for: what the state file keys Graph writes by.
        let tenant = TokenClaims::read(&token.value)
            .and_then(|claims| claims.tid)
            .or_else(|| cloud.settings.tenant_id.clone());
        let store: Box<dyn PhotoStore> = Box::new(GraphStore::new(
            cloud.http.clone(),
            &cloud.auth,
            &cloud.settings.graph_url,
            tenant,
        ));
        Ok(store)
    })
}

pub struct GraphStore {
    http: Arc<HttpClient>,
    /// The tenant written to (the token's `tid`, else the configured tenant).
    tenant: Option<String>,
    token: TokenSource,
    /// `{graph_url}/v1.0`
    v1: String,
    /// `{graph_url}/beta`
    beta: String,
    /// The tenant's photo policy, read once (`None`: not readable, e.g. no
    /// PeopleSettings.Read.All).
    policy: OnceCell<Option<PhotoUpdateSettings>>,
    /// User lookups, through `$batch` (many users per HTTP request).
    directory: Directory,
    /// `userPurpose` reads, and whether the token may make them.
    mailbox_settings: mailbox::MailboxSettings,
    /// The tenant's directory-sync pace and `onPremisesSyncBehavior` reads.
    sync_path: sync_path::SyncPath,
}

impl std::fmt::Debug for GraphStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphStore")
            .field("v1", &self.v1)
            .finish_non_exhaustive()
    }
}

impl GraphStore {
    pub fn new(
        http: Arc<HttpClient>,
        auth: &Arc<Authenticator>,
        graph_url: &str,
        tenant: Option<String>,
    ) -> Self {
        let root = graph_url.trim_end_matches('/');
        let v1 = format!("{root}/v1.0");
        let token = auth.source(Resource::Graph);
        GraphStore {
            directory: Directory::new(Arc::clone(&http), token.clone(), &v1),
            http,
            tenant: tenant
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty()),
            token,
            v1,
            beta: format!("{root}/beta"),
            policy: OnceCell::new(),
            mailbox_settings: mailbox::MailboxSettings::default(),
            sync_path: sync_path::SyncPath::default(),
        }
    }

    fn photo_url(&self, id: &str) -> String {
        format!(
            "{}/users/{}/photo/$value",
            self.v1,
            crate::http::percent_encode(id)
        )
    }
    /// The tenant's photo policy, read once per run; `None` when it cannot be read.
    async fn policy(&self) -> Option<PhotoUpdateSettings> {
        self.policy
            .get_or_init(|| async {
                match policy::read(&self.http, &self.token, &self.beta).await {
                    Ok(settings) => Some(settings),
                    Err(e) => {
                        tracing::info!(error = %e, "cannot read photoUpdateSettings (PeopleSettings.Read.All missing?)");
                        None
                    }
                }
            })
            .await
            .clone()
    }

    async fn read_bytes(&self, id: &str) -> Result<ReadOutcome> {
        let req = Request::get(self.photo_url(id)).outlook();
        let resp = self.http.send(&req, Some(&self.token)).await?;
        photo_answer(resp)
    }

    async fn put_photo(&self, id: &str, bytes: &[u8]) -> Result<Response> {
        let req = Request::new(reqwest::Method::PUT, self.photo_url(id))
            .body("image/jpeg", bytes.to_vec())
            .idempotent(false)
            .outlook();
        self.http.send(&req, Some(&self.token)).await
    }

    fn policy_finding(&self) -> Finding {
        Finding {
            code: FindingCode::CloudWritesBlocked,
            severity: Severity::Warning,
            store: Some(BACKEND.name.into()),
            message: "The tenant's photo policy (photoUpdateSettings source = onPremises) disables photo changes through Microsoft 365 for admins and users; cloud photos change only when on-premises AD changes.".into(),
            hint: "Update thumbnailPhoto in AD and let Entra Connect sync it, or set the source to cloud with `photosync policy set --source cloud` (PeopleSettings.ReadWrite.All; changes take up to 24 hours).".into(),
        }
    }
}

#[derive(Debug)]
enum ReadOutcome {
    Photo(Response),
    NoPhoto,
    NoMailbox(Response),
}

/// What a photo read's answer means. The user exists (it was resolved), so a 404 in Graph's
/// error envelope means "no photo" whatever its code (Graph has used at least four). A 404
/// without the envelope (a gateway's page, an empty body) is not Graph's answer: the photo
/// was not read, so nothing may be concluded (`--only-missing` would overwrite a real photo).
/// `Request_ResourceNotFound` is the user gone since the lookup.
fn photo_answer(resp: Response) -> Result<ReadOutcome> {
    match resp.status {
        200 => Ok(ReadOutcome::Photo(resp)),
        403 => Err(errors::permission_denied(&resp, "ProfilePhoto.Read.All")),
        _ if errors::is_no_mailbox(&resp) => Ok(ReadOutcome::NoMailbox(resp)),
        404 => match resp.service_error() {
            Some(e) if e.code == "Request_ResourceNotFound" => Err(errors::user_gone(&resp)),
            Some(_) => Ok(ReadOutcome::NoPhoto),
            None => Err(Error::new(
                ErrorCode::StoreRejected,
                ErrorClass::Transient,
                "the photo read answered 404 without Graph's error body (a proxy or gateway on the way?); the photo could not be read, so nothing was concluded or written",
            )),
        },
        _ => Err(errors::rejected(&resp, "read the photo")),
    }
}

fn no_mailbox_finding(resp: &Response) -> Finding {
    let e = errors::no_mailbox(resp);
    Finding {
        code: FindingCode::NoCloudMailbox,
        severity: Severity::Warning,
        store: Some(BACKEND.name.into()),
        message: e.message,
        hint: e.hint.unwrap_or_default(),
    }
}

#[async_trait]
impl PhotoStore for GraphStore {
    fn name(&self) -> &str {
        BACKEND.name
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            class: StoreClass::Cloud,
            service: Some(Service::Graph),
            can_write: true,
            can_delete: true,
            refreshed_copy: false,
            rendition: Some(RENDITION),
            not_found_hint: NOT_FOUND_HINT,
            proofs: PROOFS,
        }
    }

    /// The tenant and the Graph URL: another tenant on the same URL is another target.
    fn state_key(&self) -> Option<String> {
        let tenant = self.tenant.as_deref()?;
        Some(target_key(tenant, self.v1.trim_end_matches("/v1.0")))
    }

    async fn resolve(&self, user: &UserRecord) -> Result<Option<StoreUser>> {
        let Some(found) = self.directory.find(user).await? else {
            return Ok(None);
        };
        let entra = found.user;
        let mut details = BTreeMap::new();
        details.insert("graphId".into(), entra.id.clone().into());
        details.insert("matchedBy".into(), found.lookup.matched_by.into());
        if let Some(upn) = entra.user_principal_name {
            details.insert("userPrincipalName".into(), upn.into());
        }
        if let Some(anchor) = entra.on_premises_immutable_id.filter(|a| !a.is_empty()) {
            details.insert("onPremisesImmutableId".into(), anchor.into());
        }
        // Absent (null) for a cloud-only user, as `false` after a sync was turned off.
        details.insert(
            "onPremisesSyncEnabled".into(),
            entra.on_premises_sync_enabled.unwrap_or(false).into(),
        );
        let last_sync = entra
            .on_premises_last_sync_date_time
            .filter(|t| !t.is_empty());
        self.sync_path.saw(last_sync.as_deref());
        if let Some(at) = last_sync {
            details.insert("onPremisesLastSyncDateTime".into(), at.into());
        }
        if entra.user_type.as_deref() == Some("Guest") {
            details.insert("userType".into(), "Guest".into());
        }
        Ok(Some(StoreUser {
            key: entra.id,
            details,
            identity: found.identity,
        }))
    }

    async fn read_photo(&self, user: &StoreUser) -> Result<PhotoRead> {
        let mut read = PhotoRead {
            details: user.details.clone(),
            ..PhotoRead::default()
        };
        if let Some(settings) = self.policy().await {
            if settings.source == PolicySource::OnPremises {
                read.findings.push(self.policy_finding());
            }
            // Status explains AD changes that never arrive by these (diagnose.rs).
            read.details
                .insert("photoUpdateSource".into(), settings.source.name().into());
            read.details.insert(
                "usersCanChangeOwnPhoto".into(),
                settings.users_can_change_own_photo().into(),
            );
        }
        match self.read_bytes(&user.key).await? {
            ReadOutcome::NoPhoto => {}
            ReadOutcome::NoMailbox(resp) => read.findings.push(no_mailbox_finding(&resp)),
            ReadOutcome::Photo(resp) => {
                if let Some(etag) = resp.header("etag") {
                    read.details.insert("etag".into(), etag.into());
                }
                let stored = StoredPhoto::fingerprint(resp.body.to_vec())
                    .await
                    .map_err(|e| {
                        Error::new(
                            ErrorCode::PhotoUnreadable,
                            ErrorClass::Failed,
                            format!("the photo stored in Graph cannot be decoded: {}", e.message),
                        )
                        .with_hint("sync a new photo to replace it")
                    })?;
                read.photo = Some(stored);
            }
        }
        Ok(read)
    }

    /// A shared, room or equipment mailbox explains a missing photo (diagnose.rs). Not asked
    /// for guests (no mailbox in this tenant; `userType` already explains them) nor for users
    /// the photo service found mailbox-less.
    async fn explain_no_photo(
        &self,
        user: &StoreUser,
        read: &PhotoRead,
    ) -> BTreeMap<String, serde_json::Value> {
        let mut details = BTreeMap::new();
        let guest = user.details.get("userType").and_then(|t| t.as_str()) == Some("Guest");
        let no_mailbox = read
            .findings
            .iter()
            .any(|f| f.code == FindingCode::NoCloudMailbox);
        if read.photo.is_some() || guest || no_mailbox {
            return details;
        }
        if let Some(purpose) = self
            .mailbox_settings
            .user_purpose(&self.http, &self.token, &self.v1, &user.key)
            .await
        {
            details.insert("userPurpose".into(), purpose.into());
        }
        details
    }

    /// Why Graph does not show the directory's picture: the user's lag behind the tenant's
    /// newest directory sync, and whether its source of authority moved to the cloud
    /// (`sync_path`; diagnose.rs turns them into findings).
    async fn explain_difference(&self, user: &StoreUser) -> BTreeMap<String, serde_json::Value> {
        let mut details = BTreeMap::new();
        let synced = user.details.get("onPremisesSyncEnabled") == Some(&true.into());
        if !synced {
            return details;
        }
        if let Some(lag) = user
            .details
            .get("onPremisesLastSyncDateTime")
            .and_then(|t| t.as_str())
            .and_then(|t| self.sync_path.lag_hours(t))
        {
            details.insert("onPremisesSyncLagHours".into(), lag.into());
        }
        if let Some(managed) = self
            .sync_path
            .cloud_managed(&self.http, &self.token, &self.beta, &user.key)
            .await
        {
            details.insert("isCloudManaged".into(), managed.into());
        }
        details
    }

    async fn write_photo(&self, user: &StoreUser, photo: &SourcePhoto) -> Result<()> {
        let rendition =
            photo::render_off_thread(photo, |photo| photo::render_one(photo, &RENDITION)).await?;
        // A lost answer comes back as a transient error: sync watches whether it landed.
        match self.put_photo(&user.key, &rendition.bytes).await? {
            resp if resp.is_success() => Ok(()),
            resp => Err(self.write_refused(&resp).await),
        }
    }

    async fn delete_photo(&self, user: &StoreUser) -> Result<()> {
        let req = Request::new(reqwest::Method::DELETE, self.photo_url(&user.key))
            .idempotent(true)
            .outlook();
        let resp = self.http.send(&req, Some(&self.token)).await?;
        match resp.status {
            200..=299 | 404 => Ok(()),
            _ => Err(self.write_refused(&resp).await),
        }
    }
}

impl GraphStore {
    /// Why a write was refused. A 403 while the tenant's settings say `onPremises` is the
    /// policy whatever the (undocumented) code; otherwise the token's own roles decide whether
    /// a missing permission is the likely cause.
    async fn write_refused(&self, resp: &Response) -> Error {
        if resp.status != 403 {
            return write_refused(resp);
        }
        let settings = self.policy().await;
        let on_premises = settings
            .as_ref()
            .is_some_and(|p| p.source == PolicySource::OnPremises);
        if on_premises || errors::is_blocked_by_policy(resp) {
            let evidence = settings.map(|p| p.evidence()).unwrap_or_default();
            return errors::blocked_by_policy(resp, &evidence);
        }
        let held = self.token.permissions().await;
        errors::write_permission_denied(resp, &held)
    }
}

fn write_refused(resp: &Response) -> Error {
    match resp.status {
        413 => errors::too_large(resp),
        _ if errors::is_too_narrow(resp) => errors::too_narrow(resp),
        _ if errors::is_no_mailbox(resp) => errors::no_mailbox(resp),
        404 => errors::user_gone(resp),
        _ => errors::rejected(resp, "store the photo"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &'static str) -> Response {
        Response {
            status,
            headers: Default::default(),
            body: bytes::Bytes::from_static(body.as_bytes()),
        }
    }

    // Regression: any 404 on a photo read meant "no photo", so a gateway's 404 page made
    // `--only-missing` overwrite a real photo.
    #[test]
    fn only_graphs_own_404_means_no_photo() {
        for code in [
            "ErrorItemNotFound",
            "ImageNotFound",
            "ErrorEntityNotFound",
            "Future",
        ] {
            let body = format!(r#"{{"error":{{"code":"{code}","message":"x"}}}}"#).leak();
            let outcome = photo_answer(answer(404, body)).expect(code);
            assert!(
                matches!(outcome, ReadOutcome::NoPhoto),
                "{code}: {outcome:?}"
            );
        }
        for body in [
            "",
            "<html><body>404 Not Found</body></html>",
            "{\"value\":[]}",
        ] {
            let err = photo_answer(answer(404, body)).expect_err(body);
            assert_eq!(err.class, ErrorClass::Transient, "{body}");
        }
        let gone = r#"{"error":{"code":"Request_ResourceNotFound","message":"gone"}}"#;
        let err = photo_answer(answer(404, gone)).expect_err("gone");
        assert_eq!(err.code, ErrorCode::UserNotFound);
    }

    // Regression: the Graph state key took the tenant from PHOTOSYNC_TENANT_ID, empty under
    // a ready token or a managed identity, so a run against another tenant on the same URL
    // skipped every user as "unchanged since verified". It is the token's tenant now.
    #[test]
    fn another_tenant_on_the_same_url_is_another_target() {
        let url = "https://graph.microsoft.com";
        let key = target_key("72f988bf-86f1-41af-91ab-2d7cd011db47", url);
        assert_ne!(key, target_key("d0d0c5e6-1111-4222-8333-444455556666", url));
        assert_eq!(
            key,
            target_key(
                " 72F988BF-86F1-41AF-91AB-2D7CD011DB47",
                "https://Graph.Microsoft.com/"
            )
        );
        assert_ne!(
            key,
            target_key(
                "72f988bf-86f1-41af-91ab-2d7cd011db47",
                "https://graph.microsoft.us"
            )
        );
    }
}
