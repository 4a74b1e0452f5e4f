//! What Graph's photo and directory answers mean, as errors a person can act on.
//!
//! Graph's photo service has changed its error codes over the years (m365-contract §1.6,
//! §9): decisions here rest on the status first and the code only to tell apart cases that
//! share a status (no mailbox vs. no user, policy vs. missing permission).

use crate::error::{Error, ErrorClass};
use crate::http::Response;
use crate::schema::ErrorCode;

/// The service's error code, or "".
pub fn code_of(resp: &Response) -> String {
    resp.service_error().map(|e| e.code).unwrap_or_default()
}

pub fn detail(resp: &Response) -> String {
    match resp.service_error() {
        Some(e) if !e.message.is_empty() => format!("{} {}: {}", resp.status, e.code, e.message),
        Some(e) => format!("{} {}", resp.status, e.code),
        None => format!("HTTP {}", resp.status),
    }
}

/// A 403 / 400 / 404 that says the user has no Exchange Online mailbox.
pub fn is_no_mailbox(resp: &Response) -> bool {
    matches!(
        code_of(resp).as_str(),
        "ErrorNonExistentMailbox" | "MailboxNotHostedInExchangeOnline"
    ) || (resp.status == 400 && code_of(resp) == "AuthenticationError")
}

/// Whether a 403 on a photo write is the tenant's photoUpdateSettings policy.
pub fn is_blocked_by_policy(resp: &Response) -> bool {
    if resp.status != 403 {
        return false;
    }
    let e = resp.service_error();
    let code = e
        .as_ref()
        .map(|e| e.code.to_ascii_lowercase())
        .unwrap_or_default();
    let message = e
        .map(|e| e.message.to_ascii_lowercase())
        .unwrap_or_default();
    code.contains("policy")
        || code.contains("photoupdate")
        || message.contains("photoupdatesettings")
        || message.contains("blocked by policy")
}

pub fn no_mailbox(resp: &Response) -> Error {
    let on_prem = code_of(resp) == "MailboxNotHostedInExchangeOnline";
    let message = if on_prem {
        "the user's mailbox is on-premises, so the Graph photo service cannot serve this user"
    } else {
        "the user has no Exchange Online mailbox, so the Graph photo service cannot serve this user"
    };
    Error::new(
        ErrorCode::NoMailbox,
        ErrorClass::Failed,
        format!("{message} ({})", detail(resp)),
    )
    .with_hint(if on_prem {
        "set the photo in on-prem AD/Exchange (thumbnailPhoto); Entra Connect carries it to the cloud"
    } else {
        "license the user for Exchange Online, or manage the photo in on-prem AD (thumbnailPhoto)"
    })
}

/// A write refused while the tenant's photoUpdateSettings (`evidence`, as read) say the
/// source is on-premises: the policy, whatever code the service chose (it is undocumented).
pub fn blocked_by_policy(resp: &Response, evidence: &str) -> Error {
    let settings = if evidence.is_empty() {
        String::new()
    } else {
        format!("; photoUpdateSettings: {evidence}")
    };
    Error::new(
        ErrorCode::BlockedByPolicy,
        ErrorClass::Permission,
        format!(
            "cloud-writes-blocked: the tenant's photo policy blocks photo changes through the cloud ({}{settings})",
            detail(resp)
        ),
    )
    .with_hint("photoUpdateSettings source is onPremises: change the photo in AD (sync --targets ad) and let Entra Connect carry it, or set the source to cloud with `photosync policy set --source cloud` (takes up to 24 h)")
}

pub fn permission_denied(resp: &Response, needed: &str) -> Error {
    Error::new(
        ErrorCode::PermissionDenied,
        ErrorClass::Permission,
        format!("Graph refused: the app lacks a permission ({})", detail(resp)),
    )
    .with_hint(format!(
        "grant the application permission {needed} and admin consent; `photosync auth test` lists the roles the token carries"
    ))
}

/// Permissions that allow an app-only photo write (spec §12).
pub const WRITE_PERMISSIONS: [&str; 2] = ["ProfilePhoto.ReadWrite.All", "User.ReadWrite.All"];

/// A 403 on a photo write. `held` are the token's roles: when one already allows the write,
/// recommending it again would send the admin in a circle.
pub fn write_permission_denied(resp: &Response, held: &[String]) -> Error {
    let has = WRITE_PERMISSIONS
        .iter()
        .find(|p| held.iter().any(|h| h.eq_ignore_ascii_case(p)));
    match has {
        None => permission_denied(resp, "ProfilePhoto.ReadWrite.All"),
        Some(role) => Error::new(
            ErrorCode::PermissionDenied,
            ErrorClass::Permission,
            format!(
                "Graph refused the photo write although the token carries {role} ({})",
                detail(resp)
            ),
        )
        .with_hint("the permission is there: check the tenant's photoUpdateSettings (PeopleSettings.Read.All lets photosync read it) and any admin-unit or Conditional Access restriction on the app"),
    }
}

/// A 403 on a directory read. `held` are the token's roles: User.ReadBasic.All alone cannot
/// `$select` or `$filter` onPremisesImmutableId or userType (spec §12).
pub fn read_permission_denied(resp: &Response, held: &[String]) -> Error {
    let full = [
        "User.Read.All",
        "User.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ];
    let basic_only = held
        .iter()
        .any(|h| h.eq_ignore_ascii_case("User.ReadBasic.All"))
        && !held
            .iter()
            .any(|h| full.iter().any(|f| h.eq_ignore_ascii_case(f)));
    if !basic_only {
        return permission_denied(resp, "User.Read.All");
    }
    Error::new(
        ErrorCode::PermissionDenied,
        ErrorClass::Permission,
        format!(
            "Graph refused the user lookup: User.ReadBasic.All cannot read onPremisesImmutableId or userType, which matching needs ({})",
            detail(resp)
        ),
    )
    .with_hint("grant the application permission User.Read.All (and admin consent) instead of User.ReadBasic.All")
}

pub fn user_gone(resp: &Response) -> Error {
    Error::new(
        ErrorCode::UserNotFound,
        ErrorClass::NotFound,
        format!("the user no longer exists in Entra ID ({})", detail(resp)),
    )
}

pub fn too_large(resp: &Response) -> Error {
    Error::new(
        ErrorCode::PhotoTooLarge,
        ErrorClass::Input,
        format!("Graph refused the photo as too large ({})", detail(resp)),
    )
    .with_hint("Graph accepts photos up to 4 MB")
}

/// A 400 `ValidationWidthTooSmall`: the profile service refuses narrow pictures (a 23 px
/// upload was refused, microsoft-graph-docs-contrib#423; the minimum is undocumented).
pub fn is_too_narrow(resp: &Response) -> bool {
    resp.status == 400 && code_of(resp) == "ValidationWidthTooSmall"
}

pub fn too_narrow(resp: &Response) -> Error {
    Error::new(
        ErrorCode::StoreRejected,
        ErrorClass::Input,
        format!("Graph refused the photo as too small ({})", detail(resp)),
    )
    .with_hint("Microsoft 365 refuses very small pictures (its minimum width is undocumented): use a source photo of at least 96x96 pixels")
}

/// Any other refusal.
pub fn rejected(resp: &Response, what: &str) -> Error {
    Error::new(
        ErrorCode::StoreRejected,
        ErrorClass::Failed,
        format!("Graph refused to {what} ({})", detail(resp)),
    )
}
