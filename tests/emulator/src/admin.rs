//! Introspection and control, kept apart from the emulated APIs: the in-process `Admin` handle
//! for Rust tests and the `/_emulator/...` HTTP API for the binary. Neither is part of what
//! Microsoft serves; no token is needed (the emulator listens on loopback only).

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::identity::{Resource, classify_resource, mint};
use crate::options::Faults;
use crate::respond::{json, label};
use crate::seed::{PhotoUpdateSettings, UserPhotoFault};
use crate::state::{Counters, LogEntry, State, User, lock, read, write};
use crate::token::CredentialKind;

/// In-process handle on a running emulator's state.
#[derive(Clone)]
pub struct Admin {
    pub(crate) state: Arc<State>,
}

impl Admin {
    /// The stored (re-encoded) largest photo of a user (id or UPN).
    pub fn photo_of(&self, user: &str) -> Option<Vec<u8>> {
        let u = self.state.find_user(user)?;
        let set = self.state.photo(&u.id)?;
        set.largest().map(|r| r.bytes.to_vec())
    }

    /// ETag of the user's current photo.
    pub fn photo_etag(&self, user: &str) -> Option<String> {
        let u = self.state.find_user(user)?;
        self.state.photo(&u.id).map(|s| s.etag.clone())
    }

    /// `(id, width, height)` of every stored rendition, smallest first.
    pub fn photo_sizes(&self, user: &str) -> Vec<(String, u32, u32)> {
        self.state
            .find_user(user)
            .and_then(|u| self.state.photo(&u.id))
            .map(|s| {
                s.renditions
                    .iter()
                    .map(|r| (r.id.clone(), r.width, r.height))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Stores a photo as if uploaded through Graph (re-encoded; not counted as an API request).
    pub fn set_photo(&self, user: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let u = self
            .state
            .find_user(user)
            .ok_or_else(|| anyhow::anyhow!("no such user: {user}"))?;
        self.state
            .set_photo(&u, bytes)
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("photo for {user} refused: {e}"))
    }

    /// The user changes their own photo (in Teams, Outlook or the profile page): stored as the
    /// service keeps it, with a new ETag, shown to Graph reads after the visibility delay like
    /// any write, and not counted as the app's write. Returns the new ETag.
    pub fn change_photo_as_user(&self, user: &str, bytes: &[u8]) -> anyhow::Result<String> {
        let u = self
            .state
            .find_user(user)
            .ok_or_else(|| anyhow::anyhow!("no such user: {user}"))?;
        self.state.hide_write(&u.id);
        let set = self
            .state
            .store_photo(&u, bytes)
            .map_err(|e| anyhow::anyhow!("photo for {user} refused: {e}"))?;
        *lock(&self.state.user_photo_changes) += 1;
        Ok(set.etag.clone())
    }

    /// Photo changes users made themselves (`change_photo_as_user`).
    pub fn user_photo_changes(&self) -> u64 {
        *lock(&self.state.user_photo_changes)
    }

    /// Gives a user a deterministic photo fault (or clears it with `None`).
    pub fn set_user_photo_fault(
        &self,
        user: &str,
        fault: Option<UserPhotoFault>,
    ) -> anyhow::Result<()> {
        let u = self
            .state
            .find_user(user)
            .ok_or_else(|| anyhow::anyhow!("no such user: {user}"))?;
        let mut faults = write(&self.state.user_faults);
        match fault {
            Some(f) => faults.insert(u.id.to_lowercase(), f),
            None => faults.remove(&u.id.to_lowercase()),
        };
        Ok(())
    }

    /// Beta `onPremisesSyncBehavior.isCloudManaged` of a user.
    pub fn cloud_managed(&self, user: &str) -> bool {
        self.state.find_user(user).is_some_and(|u| {
            read(&self.state.cloud_managed)
                .get(&u.id.to_lowercase())
                .copied()
                .unwrap_or(false)
        })
    }

    pub fn delete_photo(&self, user: &str) -> bool {
        self.state
            .find_user(user)
            .is_some_and(|u| self.state.delete_photo(&u))
    }

    pub fn user(&self, key: &str) -> Option<User> {
        self.state.find_user(key)
    }

    pub fn users(&self) -> Vec<User> {
        read(&self.state.directory).users.clone()
    }

    pub fn request_log(&self) -> Vec<LogEntry> {
        lock(&self.state.log).iter().cloned().collect()
    }

    pub fn clear_request_log(&self) {
        lock(&self.state.log).clear();
    }

    pub fn counters(&self) -> Counters {
        lock(&self.state.counters).clone()
    }

    pub fn reset_counters(&self) {
        *lock(&self.state.counters) = Counters::default();
    }

    pub fn faults(&self) -> Faults {
        self.state.faults()
    }

    /// Replaces the run-time faults (also resets the fault RNG to `faults.rng_seed`).
    pub fn set_faults(&self, faults: Faults) {
        self.state.set_faults(faults);
    }

    /// Forgets throttling budgets so a new phase starts with full buckets.
    pub fn reset_throttling(&self) {
        self.state.throttle.reset();
    }

    /// Stops the emulator's clock: tokens, digests, visibility and policy delays, throttling
    /// budgets and added latency then see time pass only through `advance_clock` (a request
    /// held by latency waits until the clock passes its deadline).
    pub fn freeze_clock(&self) {
        self.state.clock.freeze();
    }

    /// Lets the emulator's clock flow with the wall clock again, from where it stands.
    pub fn resume_clock(&self) {
        self.state.clock.resume();
    }

    /// Moves the emulator's clock ahead: whatever was due by then is due now (a token with
    /// less left expires, a hidden write shows, a throttling budget refills, held requests go).
    pub fn advance_clock(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// Requests held by added latency until the clock passes their deadline, right now: with a
    /// frozen clock, the requests in flight a test waits for before it advances.
    pub fn requests_waiting_for_clock(&self) -> usize {
        self.state.clock.waiting()
    }

    /// Lifetime of tokens issued from now on.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        *write(&self.state.token_lifetime) = lifetime;
    }

    /// Lifetime of form digests issued from now on.
    pub fn set_digest_lifetime(&self, lifetime: Duration) {
        *write(&self.state.digest_lifetime) = lifetime;
    }

    pub fn photo_update_settings(&self) -> PhotoUpdateSettings {
        read(&self.state.policy).clone()
    }

    pub fn set_photo_update_settings(&self, settings: PhotoUpdateSettings) {
        *write(&self.state.policy) = settings;
    }

    /// A valid access token for a seeded app without going through the token endpoint.
    /// `resource` as in a scope without `/.default` (e.g. `https://graph.microsoft.com`).
    pub fn issue_token(
        &self,
        client_id: &str,
        resource: &str,
        kind: CredentialKind,
    ) -> anyhow::Result<String> {
        let app = self
            .state
            .app(client_id)
            .ok_or_else(|| anyhow::anyhow!("no such app: {client_id}"))?;
        let res: Resource = classify_resource(&self.state, resource)
            .ok_or_else(|| anyhow::anyhow!("unknown resource: {resource}"))?;
        Ok(mint(&self.state, app, res, resource, kind).0)
    }

    /// A SharePoint user-profile property as last set (None if never set through the API).
    pub fn sharepoint_property(&self, upn: &str, property: &str) -> Option<String> {
        let account = format!("i:0#.f|membership|{}", upn.to_lowercase());
        lock(&self.state.sharepoint)
            .profiles
            .get(&account)?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(property))
            .map(|(_, v)| v.clone())
    }

    /// Sets a SharePoint user-profile property directly (test setup: a profile as a tenant
    /// left it, e.g. a placeholder state or a PictureURL on another host).
    pub fn set_sharepoint_property(&self, upn: &str, property: &str, value: &str) {
        let account = format!("i:0#.f|membership|{}", upn.to_lowercase());
        lock(&self.state.sharepoint)
            .profiles
            .entry(account)
            .or_default()
            .insert(property.to_string(), value.to_string());
    }

    /// IMDS answers these statuses, one per request and in order, before serving tokens
    /// again (replaces any script not yet used up).
    pub fn script_imds(&self, statuses: &[u16]) {
        *lock(&self.state.imds_script) = statuses.iter().copied().collect();
    }

    /// Every key the Azure Arc endpoint has written to a key file (to check that a client
    /// never shows one).
    pub fn arc_keys_issued(&self) -> Vec<String> {
        lock(&self.state.arc_keys).issued.clone()
    }

    /// A file in `User Photos/Profile Pictures` (as uploaded; SharePoint keeps bytes as sent).
    pub fn sharepoint_file(&self, name: &str) -> Option<Vec<u8>> {
        lock(&self.state.sharepoint)
            .files
            .get(&name.to_lowercase())
            .map(|f| f.bytes.to_vec())
    }
}

/// `POST /_emulator/clock`: freeze or resume, then advance.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockRequest {
    frozen: Option<bool>,
    #[serde(default)]
    advance_ms: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenRequest {
    client_id: String,
    resource: String,
    #[serde(default)]
    credential: Option<CredentialKind>,
}

/// `/_emulator/...` for the binary and for tests in other languages.
pub fn handle_http(
    state: &Arc<State>,
    method: &Method,
    segs: &[String],
    _headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let admin = Admin {
        state: state.clone(),
    };
    let seg: Vec<&str> = segs.iter().map(String::as_str).collect();
    let resp = match (method.clone(), seg.as_slice()) {
        (Method::GET, ["requests"]) => json(200, json!(admin.request_log())),
        (Method::DELETE, ["requests"]) => {
            admin.clear_request_log();
            json(200, json!({}))
        }
        (Method::GET, ["counters"]) => json(200, json!(admin.counters())),
        (Method::DELETE, ["counters"]) => {
            admin.reset_counters();
            json(200, json!({}))
        }
        (Method::GET, ["faults"]) => json(200, json!(admin.faults())),
        (Method::PUT, ["faults"]) => match serde_json::from_slice::<Faults>(body) {
            Ok(f) => {
                admin.set_faults(f.clone());
                json(200, json!(f))
            }
            Err(e) => json(400, json!({"error": format!("faults JSON not valid: {e}")})),
        },
        (Method::GET, ["clock"]) => json(200, clock_json(state)),
        (Method::POST, ["clock"]) => match serde_json::from_slice::<ClockRequest>(body) {
            Ok(c) => {
                match c.frozen {
                    Some(true) => admin.freeze_clock(),
                    Some(false) => admin.resume_clock(),
                    None => {}
                }
                admin.advance_clock(Duration::from_millis(c.advance_ms));
                json(200, clock_json(state))
            }
            Err(e) => json(
                400,
                json!({"error": format!("clock JSON not valid: {e}"), "hint": r#"e.g. {"frozen": true} or {"advanceMs": 1500}"#}),
            ),
        },
        (Method::POST, ["reset-throttling"]) => {
            admin.reset_throttling();
            json(200, json!({}))
        }
        (Method::GET, ["users"]) => json(200, json!(admin.users())),
        (Method::GET, ["photos", user]) => match admin.photo_of(user) {
            Some(b) => ([(header::CONTENT_TYPE, "image/jpeg")], Body::from(b)).into_response(),
            None => json(404, json!({"error": "no photo"})),
        },
        (Method::PUT, ["photos", user]) => match admin.set_photo(user, body) {
            Ok(()) => json(200, json!({"etag": admin.photo_etag(user)})),
            Err(e) => json(400, json!({"error": e.to_string()})),
        },
        (Method::DELETE, ["photos", user]) => {
            json(200, json!({"deleted": admin.delete_photo(user)}))
        }
        (Method::PUT, ["photos", user, "as-user"]) => {
            match admin.change_photo_as_user(user, body) {
                Ok(etag) => json(200, json!({"etag": etag})),
                Err(e) => json(400, json!({"error": e.to_string()})),
            }
        }
        (Method::PUT, ["users", user, "photo-fault"]) => {
            match serde_json::from_slice::<Option<UserPhotoFault>>(body) {
                Ok(fault) => match admin.set_user_photo_fault(user, fault) {
                    Ok(()) => json(200, json!({"photoFault": fault})),
                    Err(e) => json(404, json!({"error": e.to_string()})),
                },
                Err(e) => json(
                    400,
                    json!({"error": format!("body must be \"storeInternalServerError\", \"stall\" or null: {e}")}),
                ),
            }
        }
        (Method::POST, ["token"]) => match serde_json::from_slice::<TokenRequest>(body) {
            Ok(t) => match admin.issue_token(
                &t.client_id,
                &t.resource,
                t.credential.unwrap_or(CredentialKind::Certificate),
            ) {
                Ok(token) => json(200, json!({"access_token": token, "token_type": "Bearer"})),
                Err(e) => json(400, json!({"error": e.to_string()})),
            },
            Err(e) => json(
                400,
                json!({"error": format!("token request not valid: {e}")}),
            ),
        },
        (Method::PUT, ["imds-script"]) => match serde_json::from_slice::<Vec<u16>>(body) {
            Ok(statuses) => {
                admin.script_imds(&statuses);
                json(200, json!({"imdsScript": statuses}))
            }
            Err(e) => json(
                400,
                json!({"error": format!("body must be a JSON array of statuses: {e}")}),
            ),
        },
        (Method::GET, ["sharepoint", "properties", upn, prop]) => {
            json(200, json!({"value": admin.sharepoint_property(upn, prop)}))
        }
        (Method::PUT, ["token-lifetime-secs"]) => match std::str::from_utf8(body)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
        {
            Some(n) => {
                admin.set_token_lifetime(Duration::from_secs(n));
                json(200, json!({"tokenLifetimeSecs": n}))
            }
            None => json(400, json!({"error": "body must be a number of seconds"})),
        },
        _ => json(
            404,
            json!({"error": "unknown admin route", "routes": [
            "GET/DELETE /_emulator/requests", "GET/DELETE /_emulator/counters", "GET/PUT /_emulator/faults",
            "POST /_emulator/reset-throttling", "GET /_emulator/users", "GET/PUT/DELETE /_emulator/photos/{user}",
            "PUT /_emulator/photos/{user}/as-user", "PUT /_emulator/users/{user}/photo-fault",
            "POST /_emulator/token", "PUT /_emulator/imds-script", "GET /_emulator/sharepoint/properties/{upn}/{property}",
            "PUT /_emulator/token-lifetime-secs", "GET/POST /_emulator/clock"]}),
        ),
    };
    label(resp, "admin")
}

/// The clock as the admin API shows it.
fn clock_json(state: &State) -> serde_json::Value {
    json!({
        "unixMs": state.clock.unix_ms(),
        "frozen": state.clock.is_frozen(),
        "requestsWaiting": state.clock.waiting(),
    })
}
