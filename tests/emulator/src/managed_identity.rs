//! The managed-identity endpoints, each in its own dialect: Azure Automation / App Service
//! (`X-IDENTITY-HEADER`), Azure Arc (a 401 challenge naming a key file it writes), the App
//! Service 2017 `MSI_ENDPOINT` (`secret` header, dated `expires_on`), and IMDS (`Metadata: true`,
//! with scripted 404/410/429/5xx answers before success). All mint tokens for the seed's
//! managed-identity app, which the rest of the emulator accepts like any other.

use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde_json::json;

use crate::identity::{Resource, classify_resource, mint};
use crate::respond::{form, header_str, json, label};
use crate::state::{App, State, iso_utc, lock};
use crate::token::CredentialKind;

/// The `resource` parameter every managed-identity flow takes (as asked, and what it names),
/// or the answer refusing it.
fn requested_resource<'a>(
    state: &State,
    params: &'a std::collections::HashMap<String, String>,
) -> Result<(&'a str, Resource), Response> {
    let Some(requested) = params.get("resource") else {
        return Err(mi_error(
            400,
            "invalid_request",
            "A resource must be passed along with the request.",
        ));
    };
    let resource = classify_resource(state, requested).ok_or_else(|| {
        mi_error(
            400,
            "invalid_resource",
            &format!(
                "AADSTS500011: The resource principal named {requested} was not found in the tenant."
            ),
        )
    })?;
    Ok((requested, resource))
}

fn mi_error(status: u16, error: &str, description: &str) -> Response {
    json(
        status,
        json!({"error": error, "error_description": description}),
    )
}

fn managed_identity_app<'a>(state: &'a State, client_id: Option<&String>) -> Option<&'a App> {
    state
        .apps
        .iter()
        .filter(|a| a.managed_identity)
        .find(|a| client_id.is_none_or(|c| a.client_id.eq_ignore_ascii_case(c)))
}

/// Azure Automation / App Service style: `{IDENTITY_ENDPOINT}?resource=…` + `X-IDENTITY-HEADER`.
pub fn app_service(
    state: &State,
    method: &Method,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let params = if *method == Method::POST {
        form(body)
    } else {
        form(query.unwrap_or_default().as_bytes())
    };
    let resp = (|| {
        if header_str(headers, "x-identity-header") != Some(state.identity_header.as_str()) {
            return mi_error(
                401,
                "invalid_request",
                "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.",
            );
        }
        let (requested, resource) = match requested_resource(state, &params) {
            Ok(found) => found,
            Err(answer) => return answer,
        };
        let Some(app) = managed_identity_app(state, params.get("client_id")) else {
            return mi_error(
                400,
                "invalid_request",
                "No managed identity is assigned to this resource (no seed app with managedIdentity: true matches).",
            );
        };
        let (token, lifetime) = mint(
            state,
            app,
            resource,
            requested,
            CredentialKind::ManagedIdentity,
        );
        json(
            200,
            json!({
                "access_token": token,
                "expires_on": (state.clock.unix_secs() + lifetime).to_string(),
                "resource": requested,
                "token_type": "Bearer",
                "client_id": app.client_id,
            }),
        )
    })();
    label(resp, "identity.managed_identity")
}

/// The next scripted IMDS answer, if any (IMDS "being updated", throttled, failing).
fn scripted_imds_answer(state: &State) -> Option<Response> {
    let status = lock(&state.imds_script).pop_front()?;
    let (error, description) = match status {
        404 => ("not_found", "The IMDS identity endpoint is being updated."),
        410 => (
            "gone",
            "IMDS is being updated; the endpoint will be available within 70 seconds.",
        ),
        429 => ("too_many_requests", "IMDS throttle limit reached."),
        500..=599 => ("unknown", "Transient IMDS failure."),
        _ => ("invalid_request", "Scripted IMDS answer."),
    };
    Some(mi_error(status, error, description))
}

/// IMDS-style token body (Arc answers the same way): every value a string.
fn imds_token_body(token: &str, lifetime: u64, requested: &str, now: u64) -> serde_json::Value {
    json!({
        "access_token": token,
        "refresh_token": "",
        "expires_in": lifetime.to_string(),
        "expires_on": (now + lifetime).to_string(),
        "not_before": now.to_string(),
        "resource": requested,
        "token_type": "Bearer",
    })
}

/// IMDS style: `GET /metadata/identity/oauth2/token?api-version=…&resource=…` + `Metadata: true`.
pub fn imds(state: &State, query: Option<&str>, headers: &HeaderMap) -> Response {
    let params = form(query.unwrap_or_default().as_bytes());
    let resp = (|| {
        if let Some(scripted) = scripted_imds_answer(state) {
            return scripted;
        }
        if header_str(headers, "metadata") != Some("true") {
            return mi_error(
                400,
                "bad_request_102",
                "Required metadata header not specified",
            );
        }
        let Some(requested) = params.get("resource") else {
            return mi_error(
                400,
                "invalid_request",
                "Required query variable 'resource' is missing",
            );
        };
        let Some(resource) = classify_resource(state, requested) else {
            return mi_error(
                400,
                "invalid_resource",
                &format!(
                    "AADSTS50001: The application named {requested} was not found in the tenant."
                ),
            );
        };
        let client_id = params.get("client_id");
        let Some(app) = managed_identity_app(state, client_id) else {
            return mi_error(400, "invalid_request", "Identity not found");
        };
        let (token, lifetime) = mint(
            state,
            app,
            resource,
            requested,
            CredentialKind::ManagedIdentity,
        );
        json(
            200,
            imds_token_body(&token, lifetime, requested, state.clock.unix_secs()),
        )
    })();
    label(resp, "identity.imds")
}

/// How long an Arc challenge key is accepted (UNVERIFIED; the agent's own value is not documented).
const ARC_KEY_LIFETIME: std::time::Duration = std::time::Duration::from_secs(60);

/// Azure Arc: `GET {IDENTITY_ENDPOINT}?api-version=2020-06-01&resource=…` + `Metadata: true`.
/// Without `Authorization` the answer is 401 `WWW-Authenticate: Basic realm=<path>` naming a
/// fresh key file; with `Authorization: Basic <key>` (a live, unused key) a token. System-assigned
/// identity only.
pub fn azure_arc(state: &State, query: Option<&str>, headers: &HeaderMap) -> Response {
    let params = form(query.unwrap_or_default().as_bytes());
    let resp = (|| {
        if header_str(headers, "metadata") != Some("true") {
            return mi_error(
                400,
                "bad_request_102",
                "Required metadata header not specified",
            );
        }
        match params.get("api-version").map(String::as_str) {
            Some("2019-11-01" | "2020-06-01") => {}
            _ => {
                return mi_error(
                    400,
                    "invalid_request",
                    "Azure Arc needs api-version 2019-11-01 or 2020-06-01.",
                );
            }
        }
        let Some(requested) = params.get("resource") else {
            return mi_error(
                400,
                "invalid_request",
                "Required query variable 'resource' is missing",
            );
        };
        if ["client_id", "object_id", "msi_res_id"]
            .iter()
            .any(|k| params.contains_key(*k))
        {
            return mi_error(
                400,
                "invalid_request",
                "User-assigned identities are not supported on Azure Arc.",
            );
        }
        let presented = header_str(headers, "authorization").and_then(|v| {
            v.split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
                .map(|(_, key)| key.trim().to_string())
        });
        let Some(key) = presented else {
            return arc_challenge(state);
        };
        let accepted = {
            let mut keys = lock(&state.arc_keys);
            let now = state.clock.now();
            keys.live.retain(|_, until| *until > now);
            keys.live.remove(&key).is_some()
        };
        if !accepted {
            return mi_error(
                401,
                "invalid_client",
                "The key is not valid, or was used or expired: ask again for a new challenge.",
            );
        }
        let Some(resource) = classify_resource(state, requested) else {
            return mi_error(
                400,
                "invalid_resource",
                &format!(
                    "AADSTS50001: The application named {requested} was not found in the tenant."
                ),
            );
        };
        let Some(app) = managed_identity_app(state, None) else {
            return mi_error(400, "invalid_request", "Identity not found");
        };
        let (token, lifetime) = mint(
            state,
            app,
            resource,
            requested,
            CredentialKind::ManagedIdentity,
        );
        json(
            200,
            imds_token_body(&token, lifetime, requested, state.clock.unix_secs()),
        )
    })();
    label(resp, "identity.azure_arc")
}

/// Writes a fresh key file and answers 401 naming it, as the Connected Machine agent does.
fn arc_challenge(state: &State) -> Response {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let key = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let mut keys = lock(&state.arc_keys);
    let path = keys.dir.join(format!("{id}.key"));
    if let Err(e) = std::fs::write(&path, &key) {
        return mi_error(
            500,
            "unknown",
            &format!("the emulator cannot write its Arc key file: {e}"),
        );
    }
    keys.live
        .insert(key.clone(), state.clock.now() + ARC_KEY_LIFETIME);
    keys.issued.push(key);
    drop(keys);
    let mut r = mi_error(
        401,
        "unauthorized_client",
        "Use the key in the file named by WWW-Authenticate.",
    );
    crate::respond::set_header(
        &mut r,
        "www-authenticate",
        &format!("Basic realm={}", path.display()),
    );
    r
}

/// The App Service 2017-09-01 API (`MSI_ENDPOINT` + `MSI_SECRET`, older Automation hybrid
/// jobs): header `secret`, `clientid` for a user-assigned identity, `expires_on` a date string
/// (`MM/DD/YYYY hh:mm:ss AM +00:00`) unless `msiExpiresOnEpoch`.
pub fn legacy_msi(state: &State, query: Option<&str>, headers: &HeaderMap) -> Response {
    let params = form(query.unwrap_or_default().as_bytes());
    let resp = (|| {
        if header_str(headers, "secret") != Some(state.msi_secret.as_str()) {
            return mi_error(
                401,
                "invalid_request",
                "The secret header is missing or does not match MSI_SECRET.",
            );
        }
        if params.get("api-version").map(String::as_str) != Some("2017-09-01") {
            return mi_error(
                400,
                "invalid_request",
                "MSI_ENDPOINT needs api-version 2017-09-01.",
            );
        }
        let (requested, resource) = match requested_resource(state, &params) {
            Ok(found) => found,
            Err(answer) => return answer,
        };
        let Some(app) = managed_identity_app(state, params.get("clientid")) else {
            return mi_error(400, "invalid_request", "Identity not found");
        };
        let (token, lifetime) = mint(
            state,
            app,
            resource,
            requested,
            CredentialKind::ManagedIdentity,
        );
        let expires = state.clock.unix_secs() + lifetime;
        let expires_on = if state.faults().msi_expires_on_epoch {
            expires.to_string()
        } else {
            app_service_date(expires)
        };
        json(
            200,
            json!({
                "access_token": token,
                "expires_on": expires_on,
                "resource": requested,
                "token_type": "Bearer",
            }),
        )
    })();
    label(resp, "identity.msi_legacy")
}

/// `09/14/2017 01:02:03 PM +00:00`: the 2017 API's `expires_on`.
fn app_service_date(secs: u64) -> String {
    let iso = iso_utc(secs);
    let (date, time) = iso.split_once('T').unwrap_or((&iso, "00:00:00"));
    let mut d = date.split('-');
    let (year, month, day) = (
        d.next().unwrap_or("1970"),
        d.next().unwrap_or("01"),
        d.next().unwrap_or("01"),
    );
    let mut t = time.split(':');
    let hour: u32 = t.next().and_then(|h| h.parse().ok()).unwrap_or(0);
    let rest: Vec<&str> = t.collect();
    let (h12, meridiem) = match hour {
        0 => (12, "AM"),
        1..=11 => (hour, "AM"),
        12 => (12, "PM"),
        _ => (hour - 12, "PM"),
    };
    format!(
        "{month}/{day}/{year} {h12:02}:{} {meridiem} +00:00",
        rest.join(":")
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn app_service_dates_use_twelve_hours() {
        assert_eq!(super::app_service_date(0), "01/01/1970 12:00:00 AM +00:00");
        assert_eq!(
            super::app_service_date(1_505_394_123),
            "09/14/2017 01:02:03 PM +00:00"
        );
    }
}
