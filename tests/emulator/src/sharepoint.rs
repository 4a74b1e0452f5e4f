//! SharePoint Online as PhotoSync touches it: `/_api/contextinfo` form digests, the
//! `SP.UserProfiles.PeopleManager` read/set calls, and the My Site `User Photos/Profile
//! Pictures` library. Paths match case-insensitively; `odata=verbose`, `minimalmetadata` and
//! `nometadata` shapes are produced from the `Accept` header.
//!
//! The admin, root and My Site hosts are separate origins, and each checks that a token's
//! audience is itself: a token for the admin host is refused on the My Site host with 401
//! `x-ms-diagnostics: 3000003;reason="Invalid audience Uri '…'"` (spec §12, onedrive-api-docs#314).
//! App-only tokens obtained with a client secret are refused with 401 "Unsupported app only
//! token", as SharePoint does.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::identity::SHAREPOINT_APP_ID;
use crate::respond::{self, form, header_str, json, label, set_header, with_app};
use crate::state::{State, iso_utc, lock, read};
use crate::token::{AccessClaims, CredentialKind};

pub const PROFILE_PICTURES: &str = "/User Photos/Profile Pictures";
pub(crate) const READ_ROLES: [&str; 6] = [
    "Sites.Read.All",
    "Sites.ReadWrite.All",
    "Sites.Manage.All",
    "Sites.FullControl.All",
    "User.Read.All",
    "User.ReadWrite.All",
];
const WRITE_ROLES: [&str; 4] = [
    "Sites.ReadWrite.All",
    "Sites.Manage.All",
    "Sites.FullControl.All",
    "User.ReadWrite.All",
];

/// Which SharePoint host a listener plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SiteRole {
    /// `contoso.sharepoint.com`
    Root,
    /// `contoso-admin.sharepoint.com`
    Admin,
    /// `contoso-my.sharepoint.com`: personal sites and `User Photos/Profile Pictures`.
    MySite,
}

impl SiteRole {
    pub const ALL: [SiteRole; 3] = [SiteRole::Root, SiteRole::Admin, SiteRole::MySite];
}

/// The SharePoint host a request came in on.
#[derive(Clone, Copy, Debug)]
pub struct Site<'a> {
    pub role: SiteRole,
    /// `http://127.0.0.1:PORT`: the audience its tokens must carry.
    pub origin: &'a str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum OData {
    Verbose,
    Minimal,
    NoMetadata,
}

pub(crate) fn odata_mode(headers: &HeaderMap) -> OData {
    let accept = header_str(headers, "accept")
        .unwrap_or_default()
        .to_lowercase();
    if accept.contains("odata=verbose") {
        OData::Verbose
    } else if accept.contains("odata=nometadata") {
        OData::NoMetadata
    } else {
        OData::Minimal
    }
}

pub(crate) fn sp_error(status: u16, mode: OData, code: &str, message: &str) -> Response {
    let inner = json!({"code": code, "message": {"lang": "en-US", "value": message}});
    let body = if mode == OData::Verbose {
        json!({"error": inner})
    } else {
        json!({"odata.error": inner})
    };
    json(status, body)
}

pub(crate) fn access_denied(mode: OData) -> Response {
    sp_error(
        403,
        mode,
        "-2147024891, System.UnauthorizedAccessException",
        "Access denied. You do not have permission to perform this action or access this resource.",
    )
}

fn unauthorized(reason: &str, code: &str) -> Response {
    let mut r = json(401, json!({"error_description": reason}));
    set_header(
        &mut r,
        "x-ms-diagnostics",
        &format!("{code};reason=\"{reason}\";category=\"invalid_client\""),
    );
    set_header(
        &mut r,
        "www-authenticate",
        "Bearer realm=\"emulator\", client_id=\"00000003-0000-0ff1-ce00-000000000000\"",
    );
    r
}

/// SharePoint's own token rules: an audience of this very host (or SharePoint's app id) and a
/// certificate-class credential.
pub(crate) fn authenticate(
    state: &State,
    site: Site<'_>,
    headers: &HeaderMap,
) -> Result<AccessClaims, Response> {
    let token = respond::bearer(headers).unwrap_or_default();
    let claims = state
        .signer
        .verify(token, state.clock.unix_secs())
        .map_err(|e| unauthorized(&e.message(), "3000006"))?;
    let aud = claims.aud.trim_end_matches('/');
    let for_this_host = aud.eq_ignore_ascii_case(site.origin.trim_end_matches('/'))
        || aud.eq_ignore_ascii_case(SHAREPOINT_APP_ID);
    if !for_this_host {
        return Err(unauthorized(
            &format!("Invalid audience Uri '{}'.", claims.aud),
            "3000003",
        ));
    }
    if claims.xms_emu_cred == CredentialKind::Secret {
        return Err(unauthorized("Unsupported app only token.", "3000003"));
    }
    Ok(claims)
}

/// Splits on `/` outside `(…)` and `'…'`, so `GetFolderByServerRelativeUrl('/a/b')` stays whole.
fn split_path(path: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for c in path.chars() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            '/' if !quoted && depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

/// `Name(a='x',b=true)` → ("name", {a: "x", b: "true"}); `@v` aliases resolved from the query;
/// a lone positional argument is returned under key "".
fn call(
    segment: &str,
    query: &std::collections::HashMap<String, String>,
) -> (String, Map<String, Value>) {
    let Some((name, rest)) = segment.split_once('(') else {
        return (segment.to_lowercase(), Map::new());
    };
    let args = rest.strip_suffix(')').unwrap_or(rest);
    let mut map = Map::new();
    let mut parts = Vec::new();
    let (mut cur, mut quoted) = (String::new(), false);
    for c in args.chars() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == ',' && !quoted {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    for p in parts {
        let (k, v) = match p.split_once('=') {
            Some((k, v)) if !k.starts_with('\'') => (k.trim().to_lowercase(), v.trim().to_string()),
            _ => (String::new(), p.trim().to_string()),
        };
        let v = if let Some(alias) = v.strip_prefix('@') {
            query.get(&format!("@{alias}")).cloned().unwrap_or_default()
        } else {
            v
        };
        let v = match v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            Some(inner) => inner.replace("''", "'"),
            None => v,
        };
        map.insert(k, Value::String(v));
    }
    (name.to_lowercase(), map)
}

fn account_of(upn: &str) -> String {
    format!("i:0#.f|membership|{}", upn.to_lowercase())
}

/// Finds the directory user behind `i:0#.f|membership|upn` (or a bare UPN).
fn profile_user(state: &State, account: &str) -> Option<crate::state::User> {
    let upn = account.rsplit('|').next().unwrap_or(account);
    state.find_user(upn)
}

fn profile_properties(state: &State, user: &crate::state::User) -> Vec<(String, String)> {
    let account = account_of(&user.user_principal_name);
    let mut props: Vec<(String, String)> = vec![
        ("AccountName".into(), account.clone()),
        ("UserName".into(), user.user_principal_name.clone()),
        ("PreferredName".into(), user.display_name.clone()),
        ("WorkEmail".into(), user.mail.clone().unwrap_or_default()),
        ("PictureURL".into(), String::new()),
        ("SPS-PicturePlaceholderState".into(), "1".into()),
        (
            "SPS-PictureExchangeSyncState".into(),
            if user.mailbox == crate::seed::Mailbox::ExchangeOnline {
                "1"
            } else {
                "0"
            }
            .into(),
        ),
        ("SPS-PictureTimestamp".into(), String::new()),
    ];
    let sp = lock(&state.sharepoint);
    if let Some(stored) = sp.profiles.get(&account) {
        for (k, v) in stored {
            match props.iter_mut().find(|(pk, _)| pk.eq_ignore_ascii_case(k)) {
                Some(slot) => slot.1 = v.clone(),
                None => props.push((k.clone(), v.clone())),
            }
        }
    }
    props
}

pub(crate) fn wrap(mode: OData, ty: &str, mut entity: Map<String, Value>) -> Value {
    match mode {
        OData::Verbose => {
            entity.insert("__metadata".into(), json!({"type": ty}));
            json!({"d": entity})
        }
        OData::Minimal => {
            entity.insert("odata.metadata".into(), json!(format!("$metadata#{ty}")));
            Value::Object(entity)
        }
        OData::NoMetadata => Value::Object(entity),
    }
}

fn collection(mode: OData, items: Vec<Value>) -> Value {
    if mode == OData::Verbose {
        json!({"results": items})
    } else {
        Value::Array(items)
    }
}

fn person_properties(state: &State, mode: OData, account: &str) -> Value {
    let mut e = Map::new();
    let Some(user) = profile_user(state, account) else {
        // Unknown account: an entity with null fields (UNVERIFIED; see docs/emulator.md).
        e.insert("AccountName".into(), Value::Null);
        e.insert("UserProfileProperties".into(), collection(mode, Vec::new()));
        return wrap(mode, "SP.UserProfiles.PersonProperties", e);
    };
    let props = profile_properties(state, &user);
    let get = |k: &str| {
        props
            .iter()
            .find(|(pk, _)| pk == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let base = state.my_site_url();
    let picture = get("PictureURL");
    e.insert("AccountName".into(), json!(get("AccountName")));
    e.insert("DirectReports".into(), collection(mode, Vec::new()));
    e.insert("DisplayName".into(), json!(user.display_name));
    e.insert("Email".into(), json!(user.mail));
    e.insert("ExtendedManagers".into(), collection(mode, Vec::new()));
    e.insert(
        "ExtendedReports".into(),
        collection(mode, vec![json!(get("AccountName"))]),
    );
    e.insert("IsFollowed".into(), json!(false));
    e.insert("LatestPost".into(), Value::Null);
    e.insert("Peers".into(), collection(mode, Vec::new()));
    e.insert("PersonalSiteHostUrl".into(), json!(format!("{base}/")));
    e.insert(
        "PersonalUrl".into(),
        json!(format!(
            "{base}/personal/{}/",
            user.user_principal_name.replace(['@', '.'], "_")
        )),
    );
    e.insert(
        "PictureUrl".into(),
        if picture.is_empty() {
            Value::Null
        } else {
            json!(picture)
        },
    );
    e.insert("Title".into(), Value::Null);
    let kv: Vec<Value> = props
        .iter()
        .map(|(k, v)| {
            let mut o = json!({"Key": k, "Value": v, "ValueType": "Edm.String"});
            if mode == OData::Verbose {
                o["__metadata"] = json!({"type": "SP.KeyValue"});
            }
            o
        })
        .collect();
    e.insert("UserProfileProperties".into(), collection(mode, kv));
    e.insert(
        "UserUrl".into(),
        json!(format!(
            "{base}/Person.aspx?accountname={}",
            get("AccountName")
        )),
    );
    wrap(mode, "SP.UserProfiles.PersonProperties", e)
}

fn scalar(mode: OData, function: &str, value: Value) -> Value {
    match mode {
        OData::Verbose => json!({"d": {function: value}}),
        _ if value.is_null() => json!({"odata.null": true}),
        _ => json!({"value": value}),
    }
}

/// Checks `X-RequestDigest` when a client sends one (bearer calls may omit it).
fn digest_ok(state: &State, headers: &HeaderMap) -> bool {
    let Some(d) = header_str(headers, "x-requestdigest") else {
        return true;
    };
    lock(&state.sharepoint)
        .digests
        .get(d)
        .is_some_and(|exp| state.clock.now() < *exp)
}

pub struct SpRequest<'a> {
    pub method: Method,
    /// Decoded path after `/_api/`.
    pub api_path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a Bytes,
}

pub fn handle_api(state: &Arc<State>, site: Site<'_>, req: SpRequest<'_>) -> Response {
    let mode = odata_mode(req.headers);
    let claims = match authenticate(state, site, req.headers) {
        Ok(c) => c,
        Err(r) => return label(r, "sharepoint.unauthenticated"),
    };
    let (route, resp) = api_inner(state, site, &claims, mode, &req);
    label(with_app(resp, &claims.appid), &route)
}

fn api_inner(
    state: &State,
    site: Site<'_>,
    claims: &AccessClaims,
    mode: OData,
    req: &SpRequest<'_>,
) -> (String, Response) {
    let query = form(req.query.unwrap_or_default().as_bytes());
    let segs = split_path(req.api_path);
    let lower: Vec<String> = segs.iter().map(|s| s.to_lowercase()).collect();
    let is_write = req.method == Method::POST
        && lower.first().map(String::as_str) != Some("contextinfo")
        && !lower.iter().any(|s| {
            s.starts_with("getpropertiesfor") || s.starts_with("getuserprofilepropertyfor")
        });
    if !claims.has_any_role(if is_write { &WRITE_ROLES } else { &READ_ROLES }) {
        return ("sharepoint.denied".into(), access_denied(mode));
    }
    if is_write && !digest_ok(state, req.headers) {
        return (
            "sharepoint.digest".into(),
            sp_error(
                403,
                mode,
                "-2130575251, Microsoft.SharePoint.SPException",
                "The security validation for this page is invalid and might be corrupted. Please use your web browser's Back button to try your operation again.",
            ),
        );
    }
    match lower.first().map(String::as_str) {
        Some("contextinfo") if req.method == Method::POST => (
            "sharepoint.contextinfo".into(),
            context_info(state, site, mode),
        ),
        Some("sp.userprofiles.peoplemanager") if segs.len() == 2 => {
            let (func, args) = call(&segs[1], &query);
            let account_arg = |args: &Map<String, Value>| {
                args.get("accountname")
                    .or_else(|| args.get(""))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            match func.as_str() {
                "getpropertiesfor" => {
                    let Some(account) = account_arg(&args) else {
                        return (
                            "sharepoint.getpropertiesfor".into(),
                            bad_request(mode, "accountName is required."),
                        );
                    };
                    (
                        "sharepoint.getpropertiesfor".into(),
                        json(200, person_properties(state, mode, &account)),
                    )
                }
                "getuserprofilepropertyfor" => {
                    let (Some(account), Some(prop)) = (
                        account_arg(&args),
                        args.get("propertyname").and_then(Value::as_str),
                    ) else {
                        return (
                            "sharepoint.getuserprofilepropertyfor".into(),
                            bad_request(mode, "accountName and propertyName are required."),
                        );
                    };
                    let value = profile_user(state, &account).and_then(|u| {
                        profile_properties(state, &u)
                            .into_iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(prop))
                            .map(|(_, v)| v)
                    });
                    (
                        "sharepoint.getuserprofilepropertyfor".into(),
                        json(
                            200,
                            scalar(
                                mode,
                                "GetUserProfilePropertyFor",
                                value.map(Value::String).unwrap_or(Value::Null),
                            ),
                        ),
                    )
                }
                "setsinglevalueprofileproperty" if req.method == Method::POST => (
                    "sharepoint.setsinglevalueprofileproperty".into(),
                    // Every emulator token is app-only, which real tenants refuse here.
                    if state.faults().sharepoint_app_only_profile_writes {
                        set_property(state, mode, req.body)
                    } else {
                        sp_error(
                            403,
                            mode,
                            "-2147024891, System.UnauthorizedAccessException",
                            "Access denied. You do not have permission to perform this action or access this resource.",
                        )
                    },
                ),
                _ => ("sharepoint.unknown".into(), not_found(mode, &segs[1])),
            }
        }
        Some("web") if segs.len() >= 3 => {
            let (func, args) = call(&segs[1], &query);
            let folder_or_file = args
                .values()
                .next()
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            match (func.as_str(), lower[2].as_str()) {
                ("getfolderbyserverrelativeurl" | "getfolderbyserverrelativepath", "files")
                    if segs.len() == 4 =>
                {
                    let (add, add_args) = call(&segs[3], &query);
                    if add != "add" || req.method != Method::POST {
                        return ("sharepoint.unknown".into(), not_found(mode, &segs[3]));
                    }
                    (
                        "sharepoint.files.add".into(),
                        crate::mysite::add_file(
                            state,
                            site,
                            mode,
                            &folder_or_file,
                            &add_args,
                            req.body,
                        ),
                    )
                }
                ("getfilebyserverrelativeurl" | "getfilebyserverrelativepath", "$value")
                    if req.method == Method::GET =>
                {
                    (
                        "sharepoint.file.get".into(),
                        crate::mysite::get_file(state, site, mode, &folder_or_file),
                    )
                }
                _ => ("sharepoint.unknown".into(), not_found(mode, &segs[1])),
            }
        }
        _ => ("sharepoint.unknown".into(), not_found(mode, req.api_path)),
    }
}

pub(crate) fn bad_request(mode: OData, msg: &str) -> Response {
    sp_error(
        400,
        mode,
        "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
        msg,
    )
}

fn not_found(mode: OData, what: &str) -> Response {
    sp_error(
        404,
        mode,
        "-1, Microsoft.SharePoint.Client.ResourceNotFoundException",
        &format!("Cannot find resource for the request {what}."),
    )
}

fn context_info(state: &State, site: Site<'_>, mode: OData) -> Response {
    let lifetime = *read(&state.digest_lifetime);
    let digest = format!(
        "0x{},{} -0000",
        uuid::Uuid::new_v4().simple().to_string().to_uppercase(),
        iso_utc(state.clock.unix_secs()).replace('T', " ")
    );
    {
        let mut sp = lock(&state.sharepoint);
        let now = state.clock.now();
        sp.digests.retain(|_, exp| *exp > now);
        sp.digests.insert(digest.clone(), now + lifetime);
    }
    let base = site.origin;
    let mut e = Map::new();
    e.insert("FormDigestTimeoutSeconds".into(), json!(lifetime.as_secs()));
    e.insert("FormDigestValue".into(), json!(digest));
    e.insert("LibraryVersion".into(), json!("16.0.0.0"));
    e.insert("SiteFullUrl".into(), json!(base));
    e.insert(
        "SupportedSchemaVersions".into(),
        collection(mode, vec![json!("14.0.0.0"), json!("15.0.0.0")]),
    );
    e.insert("WebFullUrl".into(), json!(base));
    let body = match mode {
        OData::Verbose => {
            e.insert(
                "__metadata".into(),
                json!({"type": "SP.ContextWebInformation"}),
            );
            json!({"d": {"GetContextWebInformation": e}})
        }
        _ => Value::Object(e),
    };
    json(200, body)
}

fn set_property(state: &State, mode: OData, body: &Bytes) -> Response {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return bad_request(mode, "The request body is not valid JSON.");
    };
    let field = |name: &str| {
        v.as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            .and_then(|(_, v)| v.as_str().map(str::to_string))
    };
    let (Some(account), Some(prop)) = (field("accountName"), field("propertyName")) else {
        return bad_request(mode, "accountName and propertyName are required.");
    };
    let value = field("propertyValue").unwrap_or_default();
    let Some(user) = profile_user(state, &account) else {
        return sp_error(
            500,
            mode,
            "-1, Microsoft.Office.Server.UserProfiles.UserNotFoundException",
            "User Profile Error 1000: User Not Found: Could not load profile data from the database.",
        );
    };
    let key = account_of(&user.user_principal_name);
    lock(&state.sharepoint)
        .profiles
        .entry(key.clone())
        .or_default()
        .insert(prop, value);
    state.count_write(&key);
    json(
        200,
        scalar(mode, "SetSingleValueProfileProperty", Value::Null),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_quoted_slashes() {
        let s = split_path(
            "web/GetFolderByServerRelativeUrl('/User Photos/Profile Pictures')/Files/add(url='a_b_MThumb.jpg',overwrite=true)",
        );
        assert_eq!(s.len(), 4);
        assert_eq!(
            s[1],
            "GetFolderByServerRelativeUrl('/User Photos/Profile Pictures')"
        );
    }

    #[test]
    fn call_resolves_alias_and_inline() {
        let mut q = std::collections::HashMap::new();
        q.insert(
            "@v".to_string(),
            "'i:0#.f|membership|o''neil@x'".to_string(),
        );
        let (f, a) = call("GetPropertiesFor(accountName=@v)", &q);
        assert_eq!(f, "getpropertiesfor");
        assert_eq!(a["accountname"], "i:0#.f|membership|o'neil@x");
        let (_, a) = call(
            "GetUserProfilePropertyFor(accountName='x',propertyName='PictureURL')",
            &q,
        );
        assert_eq!(a["propertyname"], "PictureURL");
    }
}
