//! The tenant's photo policy: beta `admin/people/photoUpdateSettings` (Microsoft Graph
//! `photoupdatesettings`; `concepts/profilephoto-configure-settings.md`). `source` says where
//! photos may change — `cloud`, `onPremises` (cloud changes blocked for everyone), or unset
//! (the default: both AD, through Entra Connect, and Microsoft 365 write, and the last writer
//! wins) — and `allowedRoles` which Entra roles may change photos in the cloud (empty: every
//! user may change their own). It replaces Outlook on the web's `SetPhotoEnabled`
//! (Set-OwaMailboxPolicy), which no longer controls photo changes.
//!
//! Read by the Graph store to explain blocked writes and AD changes that never arrive, and by
//! `photosync policy` to show and set it (GET, PATCH; DELETE resets it).

use serde_json::Value;

use super::errors;
use crate::auth::TokenSource;
use crate::error::{Error, ErrorClass, Result};
use crate::http::{HttpClient, Request};
use crate::schema::{ErrorCode, PolicySettings};

/// Where photos may be changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicySource {
    Cloud,
    OnPremises,
    /// No source set: the tenant's default.
    Unset,
}

impl PolicySource {
    /// As Graph spells it, `unset` for none.
    pub fn name(self) -> &'static str {
        match self {
            PolicySource::Cloud => "cloud",
            PolicySource::OnPremises => "onPremises",
            PolicySource::Unset => "unset",
        }
    }

    /// `cloud`, `onPremises` (any case) or `unset`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "cloud" => Some(PolicySource::Cloud),
            "onpremises" | "on-premises" => Some(PolicySource::OnPremises),
            "unset" => Some(PolicySource::Unset),
            _ => None,
        }
    }
}

/// The tenant's `photoUpdateSettings`, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoUpdateSettings {
    pub source: PolicySource,
    /// Entra role template ids, lower-cased.
    pub allowed_roles: Vec<String>,
}

/// Entra roles admins name in `allowedRoles`, by a name that can be typed (role template ids:
/// Microsoft Entra `permissions-reference.md`).
pub const KNOWN_ROLES: [(&str, &str, &str); 3] = [
    (
        "people-administrator",
        "024906de-61e5-49c8-8572-40335f1e0e10",
        "People Administrator",
    ),
    (
        "user-administrator",
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        "User Administrator",
    ),
    (
        "global-administrator",
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
    ),
];

/// A role for `allowedRoles`: a known name (`people-administrator`, any case, spaces or
/// hyphens) or a role template id.
pub fn parse_role(text: &str) -> Result<String> {
    let t = text.trim();
    let key = t.to_ascii_lowercase().replace([' ', '_'], "-");
    if let Some((_, id, _)) = KNOWN_ROLES.iter().find(|(name, _, _)| *name == key) {
        return Ok((*id).to_string());
    }
    if uuid::Uuid::parse_str(t).is_ok() {
        return Ok(key);
    }
    let names: Vec<&str> = KNOWN_ROLES.iter().map(|(name, _, _)| *name).collect();
    Err(Error::config(format!(
        "`{t}` is neither a role template id nor a role photosync knows by name"
    ))
    .with_hint(format!(
        "use {} or an Entra role template id (a GUID); `none` lets every user change their own photo",
        names.join(", ")
    )))
}

/// A role id as people know it.
fn role_name(id: &str) -> String {
    KNOWN_ROLES
        .iter()
        .find(|(_, known, _)| known.eq_ignore_ascii_case(id.trim()))
        .map(|(_, _, name)| (*name).to_string())
        .unwrap_or_else(|| format!("role {}", id.trim()))
}

impl PhotoUpdateSettings {
    /// From Graph's answer. `allowedRoles` comes as an array, or (in Microsoft's own examples)
    /// as `{}` or `null` for none.
    pub fn from_json(v: &Value) -> Self {
        let source = match v.get("source").and_then(Value::as_str) {
            Some(s) if s.eq_ignore_ascii_case("onPremises") => PolicySource::OnPremises,
            Some(s) if s.eq_ignore_ascii_case("cloud") => PolicySource::Cloud,
            _ => PolicySource::Unset,
        };
        let allowed_roles = v
            .get("allowedRoles")
            .and_then(Value::as_array)
            .map(|roles| {
                roles
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|r| r.trim().to_ascii_lowercase())
                    .filter(|r| !r.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        PhotoUpdateSettings {
            source,
            allowed_roles,
        }
    }

    /// Whether people can change their own photo in Teams, Outlook or their profile.
    pub fn users_can_change_own_photo(&self) -> bool {
        self.source != PolicySource::OnPremises && self.allowed_roles.is_empty()
    }

    /// What the policy does, in plain words.
    pub fn effect(&self) -> String {
        let who = if self.allowed_roles.is_empty() {
            "every user can change their own photo (Teams, Outlook, their profile)".to_string()
        } else {
            let roles: Vec<String> = self.allowed_roles.iter().map(|r| role_name(r)).collect();
            format!(
                "only {} can change photos in Microsoft 365; users cannot change their own",
                roles.join(", ")
            )
        };
        match self.source {
            PolicySource::OnPremises => "photos change only in on-premises AD (Entra Connect carries thumbnailPhoto to the cloud); changes through Microsoft 365 are blocked for admins and users".to_string(),
            PolicySource::Cloud => format!("photos are managed in Microsoft 365, and a photo set there wins over AD's; {who}"),
            PolicySource::Unset => format!("no source is set: both AD (through Entra Connect) and Microsoft 365 write photos, and when both change within one sync interval the latest is not guaranteed to win; {who}"),
        }
    }

    /// The record `photosync policy` prints.
    pub fn record(&self) -> PolicySettings {
        PolicySettings {
            source: self.source.name().to_string(),
            allowed_roles: self.allowed_roles.clone(),
            cloud_photo_changes: self.source != PolicySource::OnPremises,
            users_can_change_own_photo: self.users_can_change_own_photo(),
            effect: self.effect(),
        }
    }

    /// The settings as Graph showed them, for an error's evidence.
    pub fn evidence(&self) -> String {
        serde_json::json!({
            "source": self.source.name(),
            "allowedRoles": self.allowed_roles,
        })
        .to_string()
    }
}

/// A change `photosync policy set` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyChange {
    /// PATCH the fields given, keep the others.
    Set {
        source: Option<PolicySource>,
        allowed_roles: Option<Vec<String>>,
    },
    /// DELETE: back to the tenant's default, empty policy.
    Reset,
}

impl PolicyChange {
    /// The settings after the change, from the settings before it.
    pub fn apply(&self, before: &PhotoUpdateSettings) -> PhotoUpdateSettings {
        match self {
            PolicyChange::Reset => PhotoUpdateSettings {
                source: PolicySource::Unset,
                allowed_roles: Vec::new(),
            },
            PolicyChange::Set {
                source,
                allowed_roles,
            } => PhotoUpdateSettings {
                source: source.unwrap_or(before.source),
                allowed_roles: allowed_roles
                    .clone()
                    .unwrap_or_else(|| before.allowed_roles.clone()),
            },
        }
    }

    fn patch_body(&self) -> Value {
        let mut body = serde_json::Map::new();
        if let PolicyChange::Set {
            source,
            allowed_roles,
        } = self
        {
            match source {
                Some(PolicySource::Unset) => {
                    body.insert("source".into(), Value::Null);
                }
                Some(s) => {
                    body.insert("source".into(), s.name().into());
                }
                None => {}
            }
            if let Some(roles) = allowed_roles {
                body.insert("allowedRoles".into(), roles.clone().into());
            }
        }
        Value::Object(body)
    }
}

fn url(beta: &str) -> String {
    format!("{beta}/admin/people/photoUpdateSettings")
}

/// GET the tenant's settings. A refusal is a permission error naming what to grant.
pub async fn read(
    http: &HttpClient,
    token: &TokenSource,
    beta: &str,
) -> Result<PhotoUpdateSettings> {
    let resp = http.send(&Request::get(url(beta)), Some(token)).await?;
    match resp.status {
        200 => Ok(PhotoUpdateSettings::from_json(
            &resp.json::<Value>().unwrap_or_default(),
        )),
        401 | 403 => Err(denied(&resp, "read", "PeopleSettings.Read.All")),
        _ => Err(errors::rejected(&resp, "read photoUpdateSettings")),
    }
}

/// Carry out `change` (PATCH or DELETE).
pub async fn write(
    http: &HttpClient,
    token: &TokenSource,
    beta: &str,
    change: &PolicyChange,
) -> Result<()> {
    let req = match change {
        PolicyChange::Reset => Request::new(reqwest::Method::DELETE, url(beta)).idempotent(true),
        set => Request::new(reqwest::Method::PATCH, url(beta))
            .body(
                "application/json",
                set.patch_body().to_string().into_bytes(),
            )
            .idempotent(true),
    };
    let resp = http.send(&req, Some(token)).await?;
    match resp.status {
        200..=299 => Ok(()),
        401 | 403 => Err(denied(&resp, "change", "PeopleSettings.ReadWrite.All")),
        _ => Err(errors::rejected(&resp, "change photoUpdateSettings")),
    }
}

fn denied(resp: &crate::http::Response, what: &str, permission: &str) -> Error {
    let detail = errors::detail(resp);
    Error::new(
        ErrorCode::PermissionDenied,
        ErrorClass::Permission,
        format!("Graph refused to {what} the tenant's photo policy ({detail})"),
    )
    .with_hint(format!(
        "grant the application permission {permission} (and admin consent); a person signing in needs the People Administrator role (or higher); `photosync auth test` lists the roles the token carries"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_answers_read_as_cloud_on_premises_or_unset() {
        let read = |v: Value| PhotoUpdateSettings::from_json(&v);
        let unset = read(serde_json::json!({"source": null, "allowedRoles": {}}));
        assert_eq!(unset.source, PolicySource::Unset);
        assert!(unset.users_can_change_own_photo());
        assert!(unset.effect().contains("latest is not guaranteed"));
        let blocked = read(serde_json::json!({"source": "onpremises", "allowedRoles": null}));
        assert_eq!(blocked.source, PolicySource::OnPremises);
        assert!(!blocked.users_can_change_own_photo());
        let roles = read(serde_json::json!({
            "source": "cloud",
            "allowedRoles": [" FE930BE7-5E62-47DB-91AF-98C3A49A38B1"]
        }));
        assert_eq!(
            roles.allowed_roles,
            ["fe930be7-5e62-47db-91af-98c3a49a38b1"]
        );
        assert!(!roles.users_can_change_own_photo());
        assert!(
            roles.effect().contains("only User Administrator"),
            "{}",
            roles.effect()
        );
    }

    #[test]
    fn roles_are_taken_by_name_or_template_id() {
        assert_eq!(
            parse_role("People Administrator").expect("name"),
            "024906de-61e5-49c8-8572-40335f1e0e10"
        );
        assert_eq!(
            parse_role("62E90394-69F5-4237-9190-012177145E10").expect("id"),
            "62e90394-69f5-4237-9190-012177145e10"
        );
        let err = parse_role("helpdesk").expect_err("unknown");
        assert!(err.hint.is_some_and(|h| h.contains("people-administrator")));
    }

    #[test]
    fn a_change_keeps_what_it_does_not_name_and_a_reset_clears_all() {
        let before = PhotoUpdateSettings {
            source: PolicySource::Cloud,
            allowed_roles: vec!["a".into()],
        };
        let only_source = PolicyChange::Set {
            source: Some(PolicySource::OnPremises),
            allowed_roles: None,
        };
        assert_eq!(
            only_source.apply(&before).allowed_roles,
            ["a"],
            "roles kept"
        );
        assert_eq!(
            only_source.patch_body(),
            serde_json::json!({"source": "onPremises"})
        );
        let unset = PolicyChange::Set {
            source: Some(PolicySource::Unset),
            allowed_roles: Some(Vec::new()),
        };
        assert_eq!(
            unset.patch_body(),
            serde_json::json!({"source": null, "allowedRoles": []})
        );
        let reset = PolicyChange::Reset.apply(&before);
        assert_eq!(reset.source, PolicySource::Unset);
        assert!(reset.allowed_roles.is_empty());
    }
}
