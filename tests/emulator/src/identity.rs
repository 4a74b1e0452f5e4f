//! The Microsoft identity platform side: the v2 client-credentials token endpoint (secret or
//! certificate assertion), OpenID discovery, and minting the tokens every endpoint issues (the
//! managed-identity endpoints are in `managed_identity`).

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine;
use serde_json::json;

use crate::respond::{form, header_str, json, label};
use crate::state::{App, State, iso_utc, lock, now_secs, read};
use crate::token::{AadError, AccessClaims, CredentialKind, verify_assertion};

pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
pub const SHAREPOINT_APP_ID: &str = "00000003-0000-0ff1-ce00-000000000000";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Which emulated API a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Graph,
    SharePoint,
}

/// Maps a requested resource (scope without `/.default`, or MI `resource`) to an API.
pub fn classify_resource(state: &State, resource: &str) -> Option<Resource> {
    let r = resource.trim_end_matches('/').to_lowercase();
    if r == GRAPH_AUDIENCE || r == GRAPH_APP_ID || r == "https://graph.microsoft.com/beta" {
        return Some(Resource::Graph);
    }
    if r == SHAREPOINT_APP_ID {
        return Some(Resource::SharePoint);
    }
    let host = r
        .strip_prefix("https://")
        .or_else(|| r.strip_prefix("http://"))
        .map(|rest| rest.split('/').next().unwrap_or_default().to_string());
    if let Some(h) = &host
        && (h.ends_with(".sharepoint.com") || h.ends_with(".sharepoint.test"))
    {
        return Some(Resource::SharePoint);
    }
    let urls = state.urls.get()?;
    urls.sharepoint
        .all()
        .iter()
        .any(|u| u.trim_end_matches('/').eq_ignore_ascii_case(&r))
        .then_some(Resource::SharePoint)
}

/// The `aud` a token for `resource` carries.
pub fn audience(resource: Resource, requested: &str) -> String {
    match resource {
        Resource::Graph => GRAPH_AUDIENCE.to_string(),
        Resource::SharePoint => requested.trim_end_matches('/').to_string(),
    }
}

pub fn aad_error(e: &AadError) -> Response {
    let trace = uuid::Uuid::new_v4().to_string();
    let corr = uuid::Uuid::new_v4().to_string();
    let ts = iso_utc(now_secs()).replace('T', " ") + "Z";
    json(
        e.status,
        json!({
            "error": e.error,
            "error_description": format!("{}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {ts}", e.description),
            "error_codes": [e.code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", e.code),
        }),
    )
}

/// Mints a token for `app` (also used by the in-process admin API).
pub fn mint(
    state: &State,
    app: &App,
    resource: Resource,
    requested: &str,
    kind: CredentialKind,
) -> (String, u64) {
    let now = state.clock.unix_secs();
    let lifetime = read(&state.token_lifetime).as_secs();
    let roles = match resource {
        Resource::Graph => app.graph_roles.clone(),
        Resource::SharePoint => app.share_point_roles.clone(),
    };
    let claims = AccessClaims {
        aud: audience(resource, requested),
        iss: format!("https://sts.windows.net/{}/", state.tenant.id),
        iat: now,
        nbf: now,
        exp: now + lifetime,
        appid: app.client_id.clone(),
        azp: app.client_id.clone(),
        tid: state.tenant.id.clone(),
        oid: app.object_id.clone(),
        sub: app.object_id.clone(),
        roles,
        idtyp: "app".into(),
        ver: "1.0".into(),
        appidacr: kind.appidacr().into(),
        xms_emu_cred: kind,
        uti: uuid::Uuid::new_v4().simple().to_string(),
    };
    lock(&state.counters).tokens_issued += 1;
    (state.signer.issue(&claims), lifetime)
}

fn tenant_known(state: &State, tenant: &str) -> bool {
    tenant.eq_ignore_ascii_case(&state.tenant.id)
        || tenant.eq_ignore_ascii_case(&state.tenant.domain)
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub fn token(state: &Arc<State>, tenant: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    let resp = match token_inner(state, tenant, headers, body) {
        Ok((token, lifetime)) => json(
            200,
            json!({"token_type":"Bearer","expires_in":lifetime,"ext_expires_in":lifetime,"access_token":token}),
        ),
        Err(e) => aad_error(&e),
    };
    label(resp, "identity.token")
}

fn token_inner(
    state: &State,
    tenant: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(String, u64), AadError> {
    if !tenant_known(state, tenant) {
        return Err(AadError::new(
            400,
            "invalid_tenant",
            90002,
            format!(
                "AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        ));
    }
    let mut params = form(body);
    // RFC 6749 §2.3.1 HTTP Basic client authentication.
    if let Some(basic) = header_str(headers, "authorization").and_then(|v| v.strip_prefix("Basic "))
        && let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(basic.trim())
        && let Ok(pair) = String::from_utf8(decoded)
        && let Some((id, secret)) = pair.split_once(':')
    {
        params
            .entry("client_id".into())
            .or_insert_with(|| id.to_string());
        params
            .entry("client_secret".into())
            .or_insert_with(|| secret.to_string());
    }
    let missing = |p: &str| {
        AadError::new(
            400,
            "invalid_request",
            900144,
            format!("AADSTS900144: The request body must contain the following parameter: '{p}'."),
        )
    };
    let grant = params
        .get("grant_type")
        .ok_or_else(|| missing("grant_type"))?;
    if grant != "client_credentials" {
        return Err(AadError::new(
            400,
            "unsupported_grant_type",
            70003,
            format!("AADSTS70003: The app requested an unsupported grant type '{grant}'."),
        ));
    }
    let client_id = params
        .get("client_id")
        .ok_or_else(|| missing("client_id"))?;
    let app = state.app(client_id).ok_or_else(|| {
        AadError::new(
            400,
            "unauthorized_client",
            700016,
            format!("AADSTS700016: Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
        )
    })?;
    let scope = params.get("scope").ok_or_else(|| missing("scope"))?;
    let mut resources: Vec<String> = Vec::new();
    for s in scope.split_whitespace() {
        let Some(res) = s.strip_suffix("/.default") else {
            return Err(AadError::new(
                400,
                "invalid_scope",
                1002012,
                format!(
                    "AADSTS1002012: The provided value for scope {s} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                ),
            ));
        };
        if !resources.iter().any(|r| r.eq_ignore_ascii_case(res)) {
            resources.push(res.to_string());
        }
    }
    if resources.len() != 1 {
        return Err(AadError::new(
            400,
            "invalid_scope",
            if resources.is_empty() { 70011 } else { 700022 },
            if resources.is_empty() {
                format!(
                    "AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
                )
            } else {
                format!(
                    "AADSTS700022: The provided value for the input parameter scope is not valid because it contains more than one resource. The scope {scope} is not valid."
                )
            },
        ));
    }
    let requested = &resources[0];
    let resource = classify_resource(state, requested).ok_or_else(|| {
        AadError::new(
            400,
            "invalid_resource",
            500011,
            format!("AADSTS500011: The resource principal named {requested} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."),
        )
    })?;
    let kind = if let Some(assertion) = params.get("client_assertion") {
        if params.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER) {
            return Err(AadError::new(
                400,
                "invalid_request",
                50027,
                "AADSTS50027: client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
            ));
        }
        verify_assertion(
            assertion,
            &app.client_id,
            &app.certs,
            &token_audiences(state, tenant),
            state.clock.unix_secs(),
            state.faults().reject_x5t_s256,
        )?;
        CredentialKind::Certificate
    } else if let Some(secret) = params.get("client_secret") {
        if app.secret.as_deref() != Some(secret.as_str()) {
            return Err(AadError::new(
                401,
                "invalid_client",
                7000215,
                format!(
                    "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                    app.client_id
                ),
            ));
        }
        CredentialKind::Secret
    } else {
        return Err(AadError::new(
            400,
            "invalid_client",
            7000218,
            "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ));
    };
    Ok(mint(state, app, resource, requested, kind))
}

/// Audiences a client assertion may name: Microsoft's token URL and the emulator's own.
fn token_audiences(state: &State, tenant: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in [
        tenant,
        state.tenant.id.as_str(),
        state.tenant.domain.as_str(),
    ] {
        out.push(format!(
            "https://login.microsoftonline.com/{t}/oauth2/v2.0/token"
        ));
        if let Some(urls) = state.urls.get() {
            out.push(format!("{}/{t}/oauth2/v2.0/token", urls.base));
            if let Some(h) = &urls.https_base {
                out.push(format!("{h}/{t}/oauth2/v2.0/token"));
            }
        }
    }
    out
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
pub fn openid_configuration(state: &State, tenant: &str, base: &str) -> Response {
    if !tenant_known(state, tenant) {
        return label(
            aad_error(&AadError::new(
                400,
                "invalid_tenant",
                90002,
                format!("AADSTS90002: Tenant '{tenant}' not found."),
            )),
            "identity.openid",
        );
    }
    let tid = &state.tenant.id;
    label(
        json(
            200,
            json!({
                "token_endpoint": format!("{base}/{tenant}/oauth2/v2.0/token"),
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                "jwks_uri": format!("{base}/{tenant}/discovery/v2.0/keys"),
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": format!("{base}/{tid}/v2.0"),
                "request_uri_parameter_supported": false,
                "authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/authorize"),
                "device_authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/devicecode"),
                "end_session_endpoint": format!("{base}/{tenant}/oauth2/v2.0/logout"),
                "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
            }),
        ),
        "identity.openid",
    )
}
