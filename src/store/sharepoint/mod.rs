//! The legacy SharePoint Online user-profile store (UPA): `PictureURL`,
//! `SPS-PicturePlaceholderState` and the picture file in the My Site host's
//! `User Photos/Profile Pictures` library.
//!
//! Modern SharePoint shows the Graph photo, so this store is mostly read, to explain why a
//! classic page still shows a placeholder or an old picture. Writing (three renditions, then
//! `PictureURL` and the placeholder state, as PnP's ProfilePictureUploader does) happens only
//! when `sharepoint` is named as a sync target; real tenants usually deny such app-only profile
//! writes, which becomes `sharepoint-profile-write-denied`. SharePoint refuses app-only tokens
//! minted with a client secret, so opening this store with one fails before any request.
//!
//! SharePoint tokens carry Sites.FullControl.All, so they are sent only to the tenant's own
//! SharePoint origins (admin, root, My Site): a `PictureURL` elsewhere is reported, not
//! fetched. SharePoint checks the audience per host (spec §12), so each origin gets a token
//! minted for it (PeopleManager calls go to the admin site, uploads and picture reads to the My
//! Site host). A picture behind `SPS-PicturePlaceholderState` != 0 is not shown, so it counts as
//! absent.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use reqwest::header::ACCEPT;
use serde_json::Value;

use super::graph::Directory;
use super::identity::Binding;
use super::registry::{Backend, Need, Opening, Permissions};
use super::spec::StoreSpec;
use super::{
    Capabilities, PhotoRead, PhotoStore, RunContext, Service, StoreClass, StoreRole, StoreUser,
    StoredPhoto, state_key,
};
use crate::auth::{Authenticator, Resource, TokenClaims, TokenSource};
use crate::error::{Error, ErrorClass, Result};
use crate::http::{HttpClient, Request, Response, percent_encode};
use crate::photo::{self, RenditionSpec, SourcePhoto};
use crate::schema::{ErrorCode, Finding, FindingCode, Severity, UserRecord};
use crate::settings::env::{Group, SHAREPOINT_URL};

/// The `sharepoint` entry of the store registry.
pub const BACKEND: Backend = Backend {
    name: "sharepoint",
    syntax: "sharepoint",
    description: "the legacy SharePoint user-profile picture (written only when named in --targets)",
    settings: &[Group::Cloud, Group::SharePoint],
    rendition: Some(RENDITION),
    permissions: Some(&PERMISSIONS),
    parse_argument: None,
    open,
};

/// The legacy profile-picture file names are fixed per size (small, medium, large).
pub const SIZES: [u32; 3] = [48, 72, 200];

/// What the profile receives: one JPEG per size, scaled up when the source is smaller.
pub const RENDITION: RenditionSpec = RenditionSpec::fixed(&SIZES, photo::GRAPH_MAX_BYTES);

/// What the SharePoint tokens must allow (`auth test`).
pub const PERMISSIONS: Permissions = Permissions {
    resource: Resource::SharePoint,
    read: &[Need {
        what: "read user profiles and pictures",
        any_of: &[
            "Sites.Read.All",
            "Sites.ReadWrite.All",
            "Sites.Manage.All",
            "Sites.FullControl.All",
            "User.Read.All",
            "User.ReadWrite.All",
        ],
    }],
    write: &[Need {
        what: "upload pictures and set profile properties",
        any_of: &[
            "Sites.FullControl.All",
            "Sites.Manage.All",
            "Sites.ReadWrite.All",
            "User.ReadWrite.All",
        ],
    }],
    optional: &[],
};

fn open<'a>(_spec: &'a StoreSpec, role: StoreRole, ctx: &'a RunContext) -> Opening<'a> {
    Box::pin(async move {
        let urls = SharePointUrls::from_settings(ctx.sharepoint()).ok_or_else(|| {
            Error::config("the sharepoint store needs the SharePoint URL").with_hint(format!(
                "set {SHAREPOINT_URL}, e.g. https://contoso-admin.sharepoint.com"
            ))
        })?;
        let cloud = ctx.cloud()?;
        let store: Box<dyn PhotoStore> = Box::new(
            SharePointStore::open(
                cloud.http.clone(),
                &cloud.auth,
                &urls,
                role == StoreRole::Target,
                cloud.settings.tenant_id.as_deref(),
                &cloud.settings.graph_url,
            )
            .await?,
        );
        Ok(store)
    })
}

mod urls;

pub use urls::{SharePointUrls, my_site_url, tenant_origins};

pub const PROFILE_PICTURES: &str = "/User Photos/Profile Pictures";
const NOMETADATA: &str = "application/json;odata=nometadata";
const PLACEHOLDER_STATE: &str = "SPS-PicturePlaceholderState";
const PICTURE_URL: &str = "PictureURL";
/// The user-profile property holding the Entra object id the profile belongs to.
pub const OBJECT_ID: &str = "msOnline-ObjectId";

pub struct SharePointStore {
    http: Arc<HttpClient>,
    /// Where `_api/SP.UserProfiles.PeopleManager` is called (the admin site).
    admin_url: String,
    /// The My Site host, which holds the `User Photos` library.
    my_site_url: String,
    /// Every origin a SharePoint token may be sent to (`scheme://host:port`, as
    /// `http::host_key` writes it), each with its own token source.
    sites: Vec<(String, TokenSource)>,
    /// The tenant written to (the admin token's `tid`, else the configured tenant).
    tenant: Option<String>,
    writable: bool,
    /// Entra ID, where a record is resolved before its profile is bound to it.
    directory: Directory,
    /// Profile properties read by `resolve`, handed to the next `read_photo` of that account
    /// (saves a request); later reads (the engine's verify) fetch them fresh.
    just_resolved: Mutex<HashMap<String, BTreeMap<String, Value>>>,
}

impl std::fmt::Debug for SharePointStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharePointStore")
            .field("admin_url", &self.admin_url)
            .field("writable", &self.writable)
            .finish_non_exhaustive()
    }
}

/// The claims-encoded account name SharePoint keys profiles by.
pub fn account_name(upn: &str) -> String {
    format!("i:0#.f|membership|{upn}")
}

/// The picture file prefix: PnP's (the UPN lower-cased, `@` and `.` replaced by `_`) where
/// that folding can be undone, else PnP's with `-` and a short hash of the UPN, so `ann.lee@`
/// and `ann_lee@` (or `ann.lee@x.com` and `ann@lee.x.com`) never share a file. A PnP name
/// never holds `-` here, so no PnP name equals a hashed one.
pub fn file_prefix(upn: &str) -> String {
    let upn = upn.trim().to_lowercase();
    let folded = upn.replace(['@', '.'], "_");
    let local = upn.split_once('@').map_or(upn.as_str(), |(local, _)| local);
    if upn.contains(['_', '-']) || local.contains('.') {
        let hash = photo::sha256_hex(upn.as_bytes());
        format!("{folded}-{}", &hash[..8])
    } else {
        folded
    }
}

/// An OData string literal, percent-encoded for use inside a URL path or query.
fn literal(value: &str) -> String {
    percent_encode(&format!("'{}'", value.replace('\'', "''")))
}

/// Path segments encoded, `/` kept.
fn encode_path(path: &str) -> String {
    path.split('/')
        .map(percent_encode)
        .collect::<Vec<_>>()
        .join("/")
}

impl SharePointStore {
    /// Open the store; fails early when the credential cannot reach SharePoint (the admin
    /// site's token, and for writes the My Site host's, are fetched now).
    pub async fn open(
        http: Arc<HttpClient>,
        auth: &Arc<Authenticator>,
        urls: &SharePointUrls,
        writable: bool,
        configured_tenant: Option<&str>,
        graph_url: &str,
    ) -> Result<Self> {
        auth.check_sharepoint_supported()?;
        // Records are resolved in Entra ID first: a credential Graph refuses fails now.
        auth.token(Resource::Graph).await?;
        let v1 = format!("{}/v1.0", graph_url.trim_end_matches('/'));
        let directory = Directory::new(Arc::clone(&http), auth.source(Resource::Graph), &v1);
        let token = auth.token(Resource::SharePoint).await?;
        let tenant = TokenClaims::read(&token.value)
            .and_then(|claims| claims.tid)
            .or_else(|| configured_tenant.map(str::to_string))
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty());
        if writable {
            auth.sharepoint_token(&crate::auth::sharepoint_resource(&urls.my_site)?)
                .await?;
        }
        let mut sites = Vec::new();
        for origin in urls.origins() {
            sites.push((
                crate::http::host_key(&origin),
                auth.sharepoint_source(&origin)?,
            ));
        }
        Ok(SharePointStore {
            http,
            admin_url: urls.admin.clone(),
            my_site_url: urls.my_site.clone(),
            sites,
            tenant,
            writable,
            directory,
            just_resolved: Mutex::new(HashMap::new()),
        })
    }

    /// The token source for `url`'s origin; `None` outside the tenant's SharePoint.
    fn token_for(&self, url: &str) -> Option<&TokenSource> {
        let key = crate::http::host_key(url);
        self.sites.iter().find(|(k, _)| *k == key).map(|(_, t)| t)
    }

    /// Send with the token minted for the request's own origin (never another host's).
    async fn send(&self, req: Request) -> Result<Response> {
        let token = self.token_for(&req.url).ok_or_else(|| {
            Error::new(
                ErrorCode::StoreRejected,
                ErrorClass::Failed,
                format!(
                    "refusing to send the SharePoint token to {}, which is not one of the tenant's SharePoint hosts",
                    crate::http::host_key(&req.url)
                ),
            )
        })?;
        self.http
            .send(&req.header(ACCEPT, NOMETADATA), Some(token))
            .await
    }

    /// The photo-related profile properties of `account`; `None` when it has no profile.
    async fn profile(&self, account: &str) -> Result<Option<BTreeMap<String, Value>>> {
        let url = format!(
            "{}/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v={}",
            self.admin_url,
            literal(account)
        );
        let resp = self.send(Request::get(url)).await?;
        if !resp.is_success() {
            return Err(refused(&resp, "read the user profile"));
        }
        let body: Value = resp.json()?;
        let entity = body.get("d").unwrap_or(&body);
        if entity.get("AccountName").is_none_or(Value::is_null) {
            return Ok(None);
        }
        let props = profile_properties(&body);
        let mut details = BTreeMap::new();
        details.insert("accountName".into(), account.into());
        for key in [
            PICTURE_URL,
            PLACEHOLDER_STATE,
            "SPS-PictureExchangeSyncState",
            "SPS-PictureTimestamp",
            OBJECT_ID,
        ] {
            if let Some(v) = props.get(key) {
                details.insert(key.to_string(), v.clone().into());
            }
        }
        Ok(Some(details))
    }

    async fn set_property(&self, account: &str, name: &str, value: &str) -> Result<()> {
        let url = format!(
            "{}/_api/SP.UserProfiles.PeopleManager/SetSingleValueProfileProperty",
            self.admin_url
        );
        let body = serde_json::json!({
            "accountName": account,
            "propertyName": name,
            "propertyValue": value,
        });
        let req = Request::new(reqwest::Method::POST, url)
            .json_body(&body)
            .idempotent(true);
        let resp = self.send(req).await?;
        match resp.status {
            200..=299 => Ok(()),
            401 | 403 => Err(profile_write_denied(&resp, &format!("set {name}"))),
            _ => Err(refused(&resp, &format!("set {name}"))),
        }
    }

    async fn upload(&self, name: &str, bytes: Vec<u8>) -> Result<()> {
        let url = format!(
            "{}/_api/web/GetFolderByServerRelativeUrl({})/Files/add(url={},overwrite=true)",
            self.my_site_url,
            literal(PROFILE_PICTURES),
            literal(name)
        );
        // Overwriting the same file is harmless, so a lost answer may be retried.
        let req = Request::new(reqwest::Method::POST, url)
            .body("image/jpeg", bytes)
            .idempotent(true);
        let resp = self.send(req).await?;
        if resp.is_success() {
            Ok(())
        } else {
            Err(refused(&resp, &format!("upload {name}")))
        }
    }
}

fn refused(resp: &Response, what: &str) -> Error {
    let detail = match resp.service_error() {
        Some(e) => format!("{} {}: {}", resp.status, e.code, e.message),
        None => format!("HTTP {}", resp.status),
    };
    match resp.status {
        401 | 403 => Error::new(
            ErrorCode::PermissionDenied,
            ErrorClass::Permission,
            format!("SharePoint refused to {what} ({detail})"),
        )
        .with_hint("grant the app Sites.FullControl.All (SharePoint) and use a certificate or managed identity; `photosync auth test` shows the roles"),
        _ => Error::new(
            ErrorCode::StoreRejected,
            ErrorClass::Failed,
            format!("SharePoint refused to {what} ({detail})"),
        ),
    }
}

/// `UserProfileProperties` as a map, from either OData shape.
fn profile_properties(v: &Value) -> BTreeMap<String, String> {
    let props = v.get("d").unwrap_or(v).get("UserProfileProperties");
    let items = match props {
        Some(Value::Array(a)) => a.clone(),
        Some(o) => o
            .get("results")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        None => Vec::new(),
    };
    items
        .iter()
        .filter_map(|kv| {
            Some((
                kv.get("Key")?.as_str()?.to_string(),
                kv.get("Value")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            ))
        })
        .collect()
}

fn foreign_picture_finding(url: &str) -> Finding {
    let origin = crate::http::host_key(url);
    Finding {
        code: FindingCode::SharepointForeignPictureUrl,
        severity: Severity::Warning,
        store: Some(BACKEND.name.into()),
        message: format!("The profile's PictureURL points outside the tenant's SharePoint ({origin}); it was not fetched, so the SharePoint token is not sent there."),
        hint: "Check who set PictureURL; `photosync sync --targets sharepoint` replaces it with the tenant's own My Site picture where the tenant allows app-only profile writes (most deny them: then clear it as a SharePoint admin).".into(),
    }
}

/// SharePoint refused an app-only profile write or upload: the usual answer in real tenants.
fn profile_write_denied(resp: &Response, what: &str) -> Error {
    let detail = match resp.service_error() {
        Some(e) => format!("{} {}: {}", resp.status, e.code, e.message),
        None => format!("HTTP {}", resp.status),
    };
    Error::new(
        ErrorCode::SharepointProfileWriteDenied,
        ErrorClass::Permission,
        format!("SharePoint denied the app-only profile write ({what}: {detail})"),
    )
    .with_hint("modern SharePoint shows the photo from Exchange/Graph (MC653734): sync the graph target and let SharePoint take it from there; app-only profile writes are denied in most tenants")
}

fn placeholder_finding(reason: &str) -> Finding {
    Finding {
        code: FindingCode::SharepointPlaceholder,
        severity: Severity::Warning,
        store: Some(BACKEND.name.into()),
        message: format!("Classic SharePoint pages show a placeholder for this user: {reason}."),
        hint: "SharePoint copies the Exchange/Graph photo when the user next opens their own profile (allow 24–72 hours after a Graph update), so make sure Graph holds it (`photosync sync --targets graph`); `--targets sharepoint` sets it at once only where the tenant allows app-only profile writes (most deny them).".into(),
    }
}

#[async_trait]
impl PhotoStore for SharePointStore {
    fn name(&self) -> &str {
        BACKEND.name
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            class: StoreClass::Cloud,
            service: Some(Service::SharePointProfile),
            can_write: self.writable,
            can_delete: false,
            refreshed_copy: true,
            rendition: Some(RENDITION),
            not_found_hint: super::graph::NOT_FOUND_HINT,
            proofs: super::Proofs {
                named_files: true,
                ..super::graph::PROOFS
            },
        }
    }

    /// The SharePoint host and the tenant.
    fn state_key(&self) -> Option<String> {
        let tenant = self.tenant.as_deref()?;
        Some(state_key::join(&[
            self.name(),
            &state_key::origin(&self.admin_url),
            tenant,
        ]))
    }

    /// The profile of the Entra user the record resolves to, bound to it for the gate.
    async fn resolve(&self, user: &UserRecord) -> Result<Option<StoreUser>> {
        let Some(entra) = self.directory.find(user).await? else {
            return Ok(None);
        };
        let Some(upn) = entra.user.user_principal_name.clone() else {
            return Ok(None);
        };
        let account = account_name(&upn);
        let Some(mut details) = self.profile(&account).await? else {
            return Ok(None);
        };
        self.just_resolved
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(account.clone(), details.clone());
        details.insert("userPrincipalName".into(), upn.into());
        details.insert("graphId".into(), entra.user.id.clone().into());
        let mut identity = entra.identity;
        identity.binding = Some(Binding {
            property: OBJECT_ID,
            resolved: entra.user.id,
            bound: details
                .get(OBJECT_ID)
                .and_then(Value::as_str)
                .map(str::to_string),
        });
        Ok(Some(StoreUser {
            key: account,
            details,
            identity,
        }))
    }

    async fn read_photo(&self, user: &StoreUser) -> Result<PhotoRead> {
        let cached = self
            .just_resolved
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&user.key);
        let details = match cached {
            Some(d) => d,
            None => self.profile(&user.key).await?.ok_or_else(|| {
                Error::new(
                    ErrorCode::UserNotFound,
                    ErrorClass::NotFound,
                    "the user's SharePoint profile is gone",
                )
            })?,
        };
        let text = |k: &str| {
            details
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let mut read = PhotoRead {
            details: details.clone(),
            ..PhotoRead::default()
        };
        let picture_url = text(PICTURE_URL);
        let placeholder = text(PLACEHOLDER_STATE);
        if picture_url.is_empty() {
            read.findings
                .push(placeholder_finding("its PictureURL is empty"));
            return Ok(read);
        }
        if !placeholder.is_empty() && placeholder != "0" {
            // SharePoint shows the placeholder, not the file: for sync the picture is absent.
            read.findings.push(placeholder_finding(&format!(
                "{PLACEHOLDER_STATE} is {placeholder} (0 shows the picture)"
            )));
            return Ok(read);
        }
        // PictureURL often carries a `?t=` cache buster; the file itself is what counts.
        let path = picture_url.split('?').next().unwrap_or(&picture_url);
        let file_url = if path.starts_with('/') {
            format!("{}{path}", self.my_site_url)
        } else {
            path.to_string()
        };
        if self.token_for(&file_url).is_none() {
            read.findings.push(foreign_picture_finding(&file_url));
            return Ok(read);
        }
        let resp = self.send(Request::get(file_url)).await?;
        match resp.status {
            200 => {
                let stored = StoredPhoto::fingerprint(resp.body.to_vec())
                    .await
                    .map_err(|e| {
                        Error::new(
                            ErrorCode::PhotoUnreadable,
                            ErrorClass::Failed,
                            format!("the SharePoint picture cannot be decoded: {}", e.message),
                        )
                    })?;
                read.photo = Some(stored);
            }
            404 => read.findings.push(placeholder_finding(
                "its PictureURL points at a file that does not exist",
            )),
            _ => return Err(refused(&resp, "read the profile picture")),
        }
        Ok(read)
    }

    async fn write_photo(&self, user: &StoreUser, photo: &SourcePhoto) -> Result<()> {
        if !self.writable {
            return Err(Error::config(
                "the sharepoint store is written only when named in --targets",
            ));
        }
        let upn = user
            .details
            .get("userPrincipalName")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| user.key.rsplit('|').next().unwrap_or(&user.key).to_string());
        let prefix = file_prefix(&upn);
        // Regression (found by the conformance suite's writes_read_back_as_same_picture): a
        // read right after resolve and write gave the profile as resolved, before the write,
        // so the picture just written read back as none. The write outdates that copy.
        self.just_resolved
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&user.key);
        let renditions =
            photo::render_off_thread(photo, |photo| photo::render(photo, &RENDITION)).await?;
        for (rendition, size) in renditions.into_iter().zip(["S", "M", "L"]) {
            self.upload(&format!("{prefix}_{size}Thumb.jpg"), rendition.bytes)
                .await?;
        }
        let picture_url = format!(
            "{}{}/{}",
            self.my_site_url,
            encode_path(PROFILE_PICTURES),
            percent_encode(&format!("{prefix}_MThumb.jpg"))
        );
        self.set_property(&user.key, PICTURE_URL, &picture_url)
            .await?;
        self.set_property(&user.key, PLACEHOLDER_STATE, "0").await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{CloudSettings, Secret, SharePointSettings};

    /// The state key of a SharePoint target at `admin_url` writing to `tenant`, as `open`
    /// would build the store (no request is made: only where it writes is asked).
    fn key(admin_url: &str, tenant: Option<&str>) -> Option<String> {
        let http = HttpClient::new(crate::http::HttpOptions::default()).expect("http client");
        let cloud = CloudSettings {
            access_token: Some(Secret::new("opaque-ready-token")),
            ..CloudSettings::default()
        };
        let sharepoint = SharePointSettings {
            url: Some(admin_url.to_string()),
            ..SharePointSettings::default()
        };
        let auth = Authenticator::from_settings(&cloud, &sharepoint, Arc::clone(&http))
            .expect("authenticator");
        let directory = Directory::new(
            Arc::clone(&http),
            auth.source(Resource::Graph),
            "http://127.0.0.1:9/v1.0",
        );
        let store = SharePointStore {
            http,
            admin_url: admin_url.to_string(),
            my_site_url: admin_url.to_string(),
            sites: Vec::new(),
            tenant: tenant.map(str::to_string),
            writable: true,
            directory,
            just_resolved: Mutex::new(HashMap::new()),
        };
        store.state_key()
    }

    // Issue 18, item 7: state entries are keyed by where a target writes, so a run against
    // another SharePoint host or another tenant never skips its users as "unchanged since
    // verified" on the strength of a write to the first.
    // (A tokio test: the Entra directory's batcher starts on the runtime.)
    #[tokio::test]
    async fn another_host_or_tenant_is_another_target() {
        const CONTOSO: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        const FABRIKAM: &str = "d0d0c5e6-1111-4222-8333-444455556666";
        let admin = "https://contoso-admin.sharepoint.com";
        let contoso = key(admin, Some(CONTOSO)).expect("a key");
        // Another tenant at the same URL (an emulator or proxy reused), another host of the
        // same tenant: other targets.
        assert_ne!(Some(&contoso), key(admin, Some(FABRIKAM)).as_ref());
        let other_host = key("https://fabrikam-admin.sharepoint.com", Some(CONTOSO));
        assert_ne!(Some(&contoso), other_host.as_ref());
        let other_port = key("http://127.0.0.1:8081", Some(CONTOSO));
        assert_ne!(other_port, key("http://127.0.0.1:8082", Some(CONTOSO)));
        // The same target however its URL is spelled.
        let spelled = key(
            "https://Contoso-Admin.SharePoint.com/sites/x/",
            Some(CONTOSO),
        );
        assert_eq!(Some(contoso), spelled);
        // A tenant that cannot be told has no key: `--state` refuses it rather than share one.
        assert_eq!(key(admin, None), None);
    }

    // Regression (issue 18): `ann.lee@` and `ann_lee@` folded to one file, so syncing one
    // replaced the other's face. Where PnP's folding loses information, a hash of the UPN
    // tells them apart.
    #[test]
    fn picture_names_are_unique_per_user() {
        let names: Vec<String> = [
            "ann.lee@contoso.com",
            "ann_lee@contoso.com",
            "ann@lee.contoso.com",
            "ann_lee_contoso_com@x",
            "ann-lee@contoso.com",
            "annlee@contoso.com",
        ]
        .iter()
        .map(|upn| file_prefix(upn))
        .collect();
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert!(names[0].starts_with("ann_lee_contoso_com-"), "{}", names[0]);
        // The same user, however the UPN is cased, keeps one file.
        assert_eq!(file_prefix("Ann.Lee@Contoso.com"), names[0]);
    }

    #[test]
    fn names_follow_pnp_conventions() {
        assert_eq!(file_prefix("Ann@Contoso.com"), "ann_contoso_com");
        assert_eq!(
            literal("i:0#.f|membership|o'neil@x"),
            "%27i%3A0%23.f%7Cmembership%7Co%27%27neil%40x%27"
        );
    }

    #[test]
    fn profile_properties_are_read_from_both_odata_shapes() {
        let plain = serde_json::json!({"AccountName":"a","UserProfileProperties":[{"Key":"PictureURL","Value":"u"}]});
        assert_eq!(
            profile_properties(&plain)
                .get("PictureURL")
                .map(String::as_str),
            Some("u")
        );
        let verbose = serde_json::json!({"d":{"AccountName":"a","UserProfileProperties":{"results":[{"Key":"SPS-PicturePlaceholderState","Value":"1"}]}}});
        assert_eq!(
            profile_properties(&verbose)
                .get(PLACEHOLDER_STATE)
                .map(String::as_str),
            Some("1")
        );
    }
}
