//! Microsoft Graph v1.0/beta as far as PhotoSync needs it: users, profile photos (metadata,
//! binary, size ladder, upload, delete), mailbox settings (`userPurpose`), photoUpdateSettings,
//! with token/role checks and the throttling model applied per request.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::directory::{self, UserKey};
use crate::identity::{GRAPH_APP_ID, GRAPH_AUDIENCE};
use crate::mailbox::Part;
use crate::respond::{self, form, graph_error, json, label, set_header, with_app};
use crate::seed::PhotoUpdateSettings;
use crate::state::{State, read};
use crate::throttle::Throttled;
use crate::token::AccessClaims;

const READ_USERS: [&str; 5] = [
    "User.Read.All",
    "User.ReadWrite.All",
    "User.ReadBasic.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(crate) const READ_PHOTO: [&str; 4] = [
    "ProfilePhoto.Read.All",
    "ProfilePhoto.ReadWrite.All",
    "User.Read.All",
    "User.ReadWrite.All",
];
pub(crate) const WRITE_PHOTO: [&str; 2] = ["ProfilePhoto.ReadWrite.All", "User.ReadWrite.All"];
pub(crate) const IMAGE_NOT_FOUND: &str =
    "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.";

/// One Graph request, already split into decoded path segments after `/v1.0` or `/beta`.
pub struct GraphRequest<'a> {
    pub version: &'a str,
    pub method: Method,
    pub segments: Vec<String>,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Verifies the bearer token for Graph; `Err` is the 401 to send.
pub fn authenticate(state: &State, headers: &HeaderMap) -> Result<AccessClaims, Response> {
    let token = respond::bearer(headers).unwrap_or_default();
    let claims = state
        .signer
        .verify(token, state.clock.unix_secs())
        .map_err(|e| graph_error(401, "InvalidAuthenticationToken", &e.message()))?;
    if claims.aud != GRAPH_AUDIENCE && claims.aud != GRAPH_APP_ID {
        return Err(graph_error(
            401,
            "InvalidAuthenticationToken",
            &crate::token::TokenError::WrongAudience(claims.aud.clone()).message(),
        ));
    }
    Ok(claims)
}

fn throttled(t: &Throttled) -> Response {
    let mut r = graph_error(429, t.code, t.message);
    set_header(&mut r, "retry-after", &t.retry_after_secs.to_string());
    set_header(&mut r, "x-ms-throttle-scope", &t.scope);
    set_header(&mut r, "x-ms-throttle-information", t.information);
    r
}

pub async fn handle(state: &Arc<State>, req: GraphRequest<'_>) -> Response {
    let (route, resp) = route(state, req).await;
    label(resp, &route)
}

async fn route(state: &Arc<State>, req: GraphRequest<'_>) -> (String, Response) {
    let claims = match authenticate(state, &req.headers) {
        Ok(c) => c,
        Err(resp) => return ("graph.unauthenticated".into(), resp),
    };
    let (route, resp) = route_authenticated(state, &claims, req).await;
    (route, with_app(resp, &claims.appid))
}

async fn route_authenticated(
    state: &Arc<State>,
    claims: &AccessClaims,
    req: GraphRequest<'_>,
) -> (String, Response) {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let params = form(req.query.as_deref().unwrap_or_default().as_bytes());
    let first = segs.first().copied().unwrap_or_default();
    if first == "$batch" && segs.len() == 1 {
        if req.method != Method::POST {
            return ("graph.batch".into(), method_not_allowed());
        }
        return (
            "graph.batch".into(),
            crate::batch::handle(state, req.version, &req.headers, &req.body).await,
        );
    }
    if first.eq_ignore_ascii_case("me") {
        return (
            "graph.me".into(),
            graph_error(
                400,
                "BadRequest",
                "/me request is only valid with delegated authentication flow.",
            ),
        );
    }
    if segs.len() == 3
        && first.eq_ignore_ascii_case("admin")
        && segs[1].eq_ignore_ascii_case("people")
        && segs[2].eq_ignore_ascii_case("photoUpdateSettings")
    {
        let resp = if req.version != "beta" {
            graph_error(
                400,
                "BadRequest",
                "Resource not found for the segment 'people'.",
            )
        } else {
            photo_update_settings(state, claims, &req)
        };
        return ("graph.photoUpdateSettings".into(), resp);
    }
    // `users` collection, `users/{key}/…` or `users('key')/…`.
    let (key, rest): (Option<UserKey>, &[&str]) = if first == "users" {
        match segs.get(1) {
            None => (None, &[]),
            Some(k) => (Some(directory::classify_plain(k)), &segs[2..]),
        }
    } else if let Some(inner) = first.strip_prefix("users")
        && inner.starts_with('(')
    {
        match directory::parse_key_form(inner) {
            Some(k) => (Some(UserKey::Key(k)), &segs[1..]),
            None => {
                return (
                    "graph.users".into(),
                    graph_error(400, "BadRequest", "Bad Request - Error in query syntax."),
                );
            }
        }
    } else {
        return (
            "graph.unknown".into(),
            graph_error(
                400,
                "BadRequest",
                &format!("Resource not found for the segment '{first}'."),
            ),
        );
    };
    let Some(key) = key else {
        if req.method != Method::GET {
            return ("graph.users.list".into(), method_not_allowed());
        }
        return (
            "graph.users.list".into(),
            list_users(state, claims, &req, &params),
        );
    };
    let key = match key {
        UserKey::Key(k) => k,
        UserKey::DollarInPlainSegment(k) => {
            return (
                "graph.user".into(),
                graph_error(
                    400,
                    "BadRequest",
                    &format!(
                        "The request URI is not valid. Since the segment 'users' refers to a collection, this must be the last segment in the request URI or it must be followed by an function or action that can be bound to it otherwise all intermediate segments must refer to a single resource. (segment '{k}')"
                    ),
                ),
            );
        }
    };
    let lower: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    match lower.as_slice() {
        [] => {
            let resp = if req.method == Method::GET {
                get_user(state, claims, &key, &params)
            } else {
                method_not_allowed()
            };
            ("graph.user".into(), resp)
        }
        ["photo"] => match req.method {
            Method::GET => (
                "graph.photo.get".into(),
                crate::photos::photo_read(state, claims, &key, None, false).await,
            ),
            Method::DELETE => (
                "graph.photo.delete".into(),
                crate::photos::photo_delete(state, claims, &key).await,
            ),
            _ => ("graph.photo".into(), method_not_allowed()),
        },
        ["photo", "$value"] => match req.method {
            Method::GET => (
                "graph.photo.value.get".into(),
                crate::photos::photo_read(state, claims, &key, None, true).await,
            ),
            Method::PUT | Method::PATCH => (
                "graph.photo.value.put".into(),
                crate::photos::photo_write(state, claims, &key, &req.body).await,
            ),
            Method::DELETE => (
                "graph.photo.delete".into(),
                crate::photos::photo_delete(state, claims, &key).await,
            ),
            _ => ("graph.photo.value".into(), method_not_allowed()),
        },
        ["photos"] if req.method == Method::GET => (
            "graph.photos.list".into(),
            crate::photos::photos_list(state, claims, &key).await,
        ),
        // `/photo/{size}/$value` is a doc typo in G-GET; accepted as an alias (UNVERIFIED).
        ["photos", size] | ["photo", size] if req.method == Method::GET && *size != "$value" => (
            "graph.photos.size.get".into(),
            crate::photos::photo_read(state, claims, &key, Some(size), false).await,
        ),
        ["photos", size, "$value"] | ["photo", size, "$value"] if req.method == Method::GET => (
            "graph.photos.size.value.get".into(),
            crate::photos::photo_read(state, claims, &key, Some(size), true).await,
        ),
        ["onpremisessyncbehavior"] => (
            "graph.onPremisesSyncBehavior".into(),
            crate::sync_behavior::handle(state, claims, req.version, &req.method, &key, &req.body),
        ),
        ["mailboxsettings"] => match req.method {
            Method::GET => (
                "graph.mailboxSettings.get".into(),
                crate::mailbox::mailbox_settings(state, claims, req.version, &key, Part::All).await,
            ),
            _ => ("graph.mailboxSettings".into(), method_not_allowed()),
        },
        ["mailboxsettings", "userpurpose"] => match req.method {
            Method::GET => (
                "graph.mailboxSettings.userPurpose.get".into(),
                crate::mailbox::mailbox_settings(
                    state,
                    claims,
                    req.version,
                    &key,
                    Part::UserPurpose,
                )
                .await,
            ),
            _ => (
                "graph.mailboxSettings.userPurpose".into(),
                method_not_allowed(),
            ),
        },
        _ => (
            "graph.unknown".into(),
            graph_error(
                400,
                "BadRequest",
                &format!(
                    "Resource not found for the segment '{}'.",
                    rest.first().copied().unwrap_or_default()
                ),
            ),
        ),
    }
}

/// Routes served by Exchange Online: each request holds one of the app's Outlook concurrency
/// slots (also as a `$batch` item).
pub(crate) fn is_outlook_route(route: &str) -> bool {
    route.starts_with("graph.photo") || route.starts_with("graph.mailboxSettings")
}

pub fn method_not_allowed() -> Response {
    graph_error(
        405,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    )
}

/// Properties User.ReadBasic.All may read (Microsoft's permissions reference).
const BASIC_PROPERTIES: [&str; 7] = [
    "id",
    "displayName",
    "givenName",
    "surname",
    "mail",
    "userPrincipalName",
    "photo",
];

/// User.ReadBasic.All alone cannot `$select` or `$filter` other properties such as
/// onPremisesImmutableId or userType (Yvand/EntraCP#265): 403 like any missing permission.
fn basic_only_violation(
    claims: &AccessClaims,
    params: &std::collections::HashMap<String, String>,
) -> Option<Response> {
    let full = [
        "User.Read.All",
        "User.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ];
    let basic_only = claims.has_any_role(&["User.ReadBasic.All"]) && !claims.has_any_role(&full);
    if !basic_only {
        return None;
    }
    let select = params
        .get("$select")
        .map(String::as_str)
        .unwrap_or_default();
    let filter = params
        .get("$filter")
        .map(|f| f.to_ascii_lowercase())
        .unwrap_or_default();
    let selects_more = select
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .any(|p| !BASIC_PROPERTIES.iter().any(|b| b.eq_ignore_ascii_case(p)));
    let filters_more = [
        "onpremisesimmutableid",
        "usertype",
        "onpremisessamaccountname",
        "employeeid",
    ]
    .iter()
    .any(|p| filter.contains(p));
    (selects_more || filters_more).then(denied_directory)
}

pub(crate) fn denied_directory() -> Response {
    graph_error(
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

/// Outlook's answer to a missing permission (photos, mailbox settings).
pub(crate) fn denied_photo() -> Response {
    graph_error(
        403,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
    )
}

pub(crate) fn user_not_found(key: &str) -> Response {
    graph_error(
        404,
        "Request_ResourceNotFound",
        &format!(
            "Resource '{key}' does not exist or one of its queried reference-property objects are not present."
        ),
    )
}

/// Directory RU cost (G-THR): base 1 (2 for the users list), `$select` −1, `$top`<20 −1, min 1.
fn cost(base: u32, params: &std::collections::HashMap<String, String>) -> u32 {
    let mut c = base as i32;
    if params.contains_key("$select") {
        c -= 1;
    }
    if params
        .get("$top")
        .and_then(|t| t.parse::<u32>().ok())
        .is_some_and(|t| t < 20)
    {
        c -= 1;
    }
    c.max(1) as u32
}

pub(crate) fn admit(
    state: &State,
    claims: &AccessClaims,
    cost: u32,
    write: bool,
    mailbox: Option<&str>,
) -> Result<crate::throttle::Admitted, Response> {
    let faults = read(&state.faults);
    let limits = faults.throttle.clone();
    drop(faults);
    state
        .throttle
        .admit(&limits, &claims.appid, &claims.tid, cost, write, mailbox)
        .map_err(|t| {
            crate::state::lock(&state.counters).throttled_429 += 1;
            throttled(&t)
        })
}

/// Adds the throttling headers and keeps the mailbox concurrency slot alive with the response:
/// the server holds it through any injected latency and frees it before the answer leaves.
pub(crate) fn decorate(mut resp: Response, admitted: crate::throttle::Admitted) -> Response {
    set_header(
        &mut resp,
        "x-ms-resource-unit",
        &admitted.resource_units.to_string(),
    );
    if let Some(p) = admitted.limit_percentage {
        set_header(
            &mut resp,
            "x-ms-throttle-limit-percentage",
            &format!("{p:.1}"),
        );
    }
    if let Some(guard) = admitted.guard {
        resp.extensions_mut().insert(std::sync::Arc::new(guard));
    }
    resp
}

fn list_users(
    state: &State,
    claims: &AccessClaims,
    req: &GraphRequest<'_>,
    params: &std::collections::HashMap<String, String>,
) -> Response {
    if !claims.has_any_role(&READ_USERS) {
        return denied_directory();
    }
    if let Some(r) = basic_only_violation(claims, params) {
        return r;
    }
    let admitted = match admit(state, claims, cost(2, params), false, None) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let resp = match directory::list_users(state, req.version, params) {
        Ok(body) => json(200, body),
        Err((status, code, msg)) => graph_error(status, code, &msg),
    };
    decorate(resp, admitted)
}

fn get_user(
    state: &State,
    claims: &AccessClaims,
    key: &str,
    params: &std::collections::HashMap<String, String>,
) -> Response {
    if !claims.has_any_role(&READ_USERS) {
        return denied_directory();
    }
    if let Some(r) = basic_only_violation(claims, params) {
        return r;
    }
    let admitted = match admit(state, claims, cost(1, params), false, None) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let resp = (|| {
        let select = match directory::parse_select(params.get("$select").map(String::as_str)) {
            Ok(s) => s,
            Err(name) => {
                return graph_error(
                    400,
                    "Request_BadRequest",
                    &format!(
                        "Could not find a property named '{name}' on type 'microsoft.graph.user'."
                    ),
                );
            }
        };
        let Some(user) = state.find_user(key) else {
            return user_not_found(key);
        };
        let mut body = directory::project(&user, select.as_deref());
        body.insert(
            "@odata.context".into(),
            json!(format!("{}/v1.0/$metadata#users/$entity", state.base_url())),
        );
        json(200, Value::Object(body))
    })();
    decorate(resp, admitted)
}

fn photo_update_settings(state: &State, claims: &AccessClaims, req: &GraphRequest<'_>) -> Response {
    let body_of = |p: &PhotoUpdateSettings| {
        json!({
            "@odata.context": format!("{}/beta/$metadata#admin/people/photoUpdateSettings/$entity", state.base_url()),
            "id": "photoUpdateSettings",
            "source": p.source,
            "allowedRoles": p.allowed_roles,
        })
    };
    match req.method {
        Method::GET => {
            if !claims.has_any_role(&["PeopleSettings.Read.All", "PeopleSettings.ReadWrite.All"]) {
                return denied_directory();
            }
            json(200, body_of(&read(&state.policy)))
        }
        Method::PATCH => {
            if !claims.has_any_role(&["PeopleSettings.ReadWrite.All"]) {
                return denied_directory();
            }
            let Ok(patch) = serde_json::from_slice::<Value>(&req.body) else {
                return graph_error(400, "BadRequest", "The request body is not valid JSON.");
            };
            let mut policy = read(&state.policy).clone();
            if let Some(src) = patch.get("source") {
                match src.as_str() {
                    Some(s @ ("cloud" | "onPremises")) => policy.source = Some(s.to_string()),
                    None if src.is_null() => policy.source = None,
                    _ => {
                        return graph_error(
                            400,
                            "BadRequest",
                            "Invalid value for 'source'; expected 'cloud' or 'onPremises'.",
                        );
                    }
                }
            }
            if let Some(roles) = patch.get("allowedRoles") {
                policy.allowed_roles = roles
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
            }
            state.change_policy(policy.clone());
            json(200, body_of(&policy))
        }
        // Resets the tenant to its default, empty policy (beta
        // `peopleadminsettings-delete-photoupdatesettings`: 204 No Content).
        Method::DELETE => {
            if !claims.has_any_role(&["PeopleSettings.ReadWrite.All"]) {
                return denied_directory();
            }
            state.change_policy(PhotoUpdateSettings::default());
            (axum::http::StatusCode::NO_CONTENT, "").into_response()
        }
        _ => method_not_allowed(),
    }
}
