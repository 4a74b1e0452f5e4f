//! Graph profile-photo routes (`/photo`, `/photo/$value`, `/photos`, `/photos/{size}[/$value]`,
//! PUT/PATCH/DELETE): mailbox rules, the no-photo variants, photoUpdateSettings blocking and
//! re-encoding uploads off the async workers.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::graph::{
    IMAGE_NOT_FOUND, READ_PHOTO, WRITE_PHOTO, admit, decorate, denied_photo, user_not_found,
};
use crate::options::{MailboxMode, NoPhotoVariant};
use crate::photo::{MAX_UPLOAD_BYTES, PhotoError, Rendition};
use crate::respond::{graph_error, json};
use crate::seed::Mailbox;
use crate::state::{State, User};
use crate::token::AccessClaims;
use crate::user_faults::intercept;

/// Resolves the user and applies the legacy mailbox rules shared by all photo routes.
fn photo_user(state: &State, key: &str) -> Result<User, Response> {
    let user = state.find_user(key).ok_or_else(|| user_not_found(key))?;
    mailbox_rules(state, user)
}

/// For reads, a key that is some user's `mail` but not their id or UPN does not resolve in
/// the photo service, which then answers exactly as for a user without a photo (404
/// `ImageNotFound`, field report) — not with the directory's `Request_ResourceNotFound`.
fn photo_user_to_read(state: &State, key: &str) -> Result<User, Response> {
    match state.find_user(key) {
        Some(user) => mailbox_rules(state, user),
        None if state.find_by_mail_only(key).is_some() => {
            Err(graph_error(404, "ImageNotFound", IMAGE_NOT_FOUND))
        }
        None => Err(user_not_found(key)),
    }
}

fn mailbox_rules(state: &State, user: User) -> Result<User, Response> {
    if state.faults().mailbox_mode == MailboxMode::Legacy {
        match user.mailbox {
            Mailbox::None => {
                return Err(graph_error(
                    404,
                    "ErrorNonExistentMailbox",
                    "The SMTP address has no mailbox associated with it.",
                ));
            }
            Mailbox::OnPremises => {
                return Err(graph_error(
                    400,
                    "MailboxNotHostedInExchangeOnline",
                    "Mailbox is hosted by an on-premise or non-Exchange server, which is not supported.",
                ));
            }
            Mailbox::ExchangeOnline => {}
        }
    }
    Ok(user)
}

fn no_photo(variant: NoPhotoVariant, binary: bool) -> Response {
    match variant {
        NoPhotoVariant::ErrorItemNotFound => {
            graph_error(404, "ErrorItemNotFound", "The photo wasn't found.")
        }
        NoPhotoVariant::GetUserPhoto => graph_error(404, "GetUserPhoto", "The photo wasn't found."),
        NoPhotoVariant::ImageNotFound => graph_error(404, "ImageNotFound", IMAGE_NOT_FOUND),
        NoPhotoVariant::ErrorEntityNotFound => {
            graph_error(404, "ErrorEntityNotFound", IMAGE_NOT_FOUND)
        }
        NoPhotoVariant::LegacyOneByOneGif if binary => {
            graph_error(404, "ErrorItemNotFound", "The photo wasn't found.")
        }
        NoPhotoVariant::LegacyOneByOneGif => json(
            200,
            json!({"@odata.mediaContentType":"image/gif","@odata.mediaEtag":"","id":"1x1","width":1,"height":1}),
        ),
    }
}

/// `$value` carries a weak ETag of 64 hex digits that changes with every upload (spec §12).
fn value_etag(set_etag: &str, r: &Rendition) -> String {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update(set_etag.as_bytes());
    h.update(&r.bytes);
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

fn metadata(state: &State, user: &User, etag: &str, r: &Rendition, path: &str) -> Value {
    let base = state.base_url();
    json!({
        "@odata.context": format!("{base}/v1.0/$metadata#users('{}')/{path}/$entity", user.id),
        "@odata.mediaContentType": "image/jpeg",
        "@odata.mediaEtag": etag,
        "id": r.id,
        "height": r.height,
        "width": r.width,
    })
}

pub(crate) async fn photo_read(
    state: &Arc<State>,
    claims: &AccessClaims,
    key: &str,
    size: Option<&str>,
    binary: bool,
) -> Response {
    if !claims.has_any_role(&READ_PHOTO) {
        return denied_photo();
    }
    let user = match photo_user_to_read(state, key) {
        Ok(u) => u,
        Err(r) => return r,
    };
    if let Some(r) = intercept(state, &user.id).await {
        return r;
    }
    let admitted = match admit(state, claims, 1, false, Some(&user.id)) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let variant = state.faults().no_photo;
    let resp = match state.visible_photo(&user.id) {
        None => no_photo(variant, binary || size.is_some()),
        Some(set) => {
            let rendition = match size {
                None => set.largest(),
                Some(s) => set.size(s),
            };
            match rendition {
                None => no_photo(variant, true),
                Some(r) if binary => (
                    [
                        (header::CONTENT_TYPE, "image/jpeg".to_string()),
                        (header::ETAG, value_etag(&set.etag, r)),
                        (header::CACHE_CONTROL, "max-age=21600, private".to_string()),
                    ],
                    Body::from(r.bytes.clone()),
                )
                    .into_response(),
                Some(r) => json(
                    200,
                    metadata(
                        state,
                        &user,
                        &set.etag,
                        r,
                        if size.is_some() { "photos" } else { "photo" },
                    ),
                ),
            }
        }
    };
    decorate(resp, admitted)
}

pub(crate) async fn photos_list(state: &Arc<State>, claims: &AccessClaims, key: &str) -> Response {
    if !claims.has_any_role(&READ_PHOTO) {
        return denied_photo();
    }
    let user = match photo_user_to_read(state, key) {
        Ok(u) => u,
        Err(r) => return r,
    };
    if let Some(r) = intercept(state, &user.id).await {
        return r;
    }
    let admitted = match admit(state, claims, 1, false, Some(&user.id)) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let base = state.base_url();
    let value: Vec<Value> = state
        .visible_photo(&user.id)
        .map(|set| {
            set.renditions
                .iter()
                .map(|r| {
                    json!({"@odata.mediaEtag": set.etag, "@odata.mediaContentType": "image/jpeg",
                           "id": r.id, "width": r.width, "height": r.height})
                })
                .collect()
        })
        .unwrap_or_default();
    decorate(
        json(
            200,
            json!({"@odata.context": format!("{base}/v1.0/$metadata#users('{}')/photos", user.id), "value": value}),
        ),
        admitted,
    )
}

/// An upload narrower than the tenant's minimum: 400 `ValidationWidthTooSmall` with the
/// profile service's generic message (microsoft-graph-docs-contrib#423: a 23x23 upload).
fn too_narrow(state: &State, body: &Bytes) -> Option<Response> {
    let min = state.photo_min_width?;
    let (width, _) = crate::photo::dimensions(body)?;
    (width < min).then(|| {
        graph_error(
            400,
            "ValidationWidthTooSmall",
            "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ProfileBadRequestException' was thrown.",
        )
    })
}

/// Microsoft does not document what a policy-blocked write returns, so the emulator answers
/// with the plain access-denied a missing permission gets: a client must read the tenant's
/// settings to tell the two apart, not count on a helpful code.
fn policy_blocks_writes(state: &State) -> Option<Response> {
    let policy = state.enforced_policy();
    (policy.source.as_deref() == Some("onPremises")).then(denied_photo)
}

pub(crate) async fn photo_write(
    state: &Arc<State>,
    claims: &AccessClaims,
    key: &str,
    body: &Bytes,
) -> Response {
    if !claims.has_any_role(&WRITE_PHOTO) {
        return denied_photo();
    }
    let user = match photo_user(state, key) {
        Ok(u) => u,
        Err(r) => return r,
    };
    if let Some(r) = intercept(state, &user.id).await {
        return r;
    }
    if let Some(r) = policy_blocks_writes(state) {
        return r;
    }
    if body.len() > MAX_UPLOAD_BYTES {
        return graph_error(
            413,
            "RequestBodyTooLarge",
            "The request size exceeds the maximum limit. The size of the photo you can update to is limited to 4 MB.",
        );
    }
    if let Some(r) = too_narrow(state, body) {
        return r;
    }
    let admitted = match admit(state, claims, 1, true, Some(&user.id)) {
        Ok(a) => a,
        Err(r) => return r,
    };
    state.hide_write(&user.id);
    let st = state.clone();
    let bytes = body.clone();
    // Re-encoding is CPU work: keep it off the async workers.
    let result = tokio::task::spawn_blocking(move || st.set_photo(&user, &bytes)).await;
    let resp = match result {
        Ok(Ok(_)) => (axum::http::StatusCode::OK, "").into_response(),
        Ok(Err(PhotoError::TooLarge(_))) => graph_error(
            413,
            "RequestBodyTooLarge",
            "The request size exceeds the maximum limit.",
        ),
        Ok(Err(PhotoError::NotAnImage(e))) => graph_error(
            400,
            "ErrorInvalidImage",
            &format!("The photo could not be processed: {e}. [emulator-chosen code]"),
        ),
        Err(_) => graph_error(500, "InternalServerError", "Photo processing failed."),
    };
    decorate(resp, admitted)
}

pub(crate) async fn photo_delete(state: &Arc<State>, claims: &AccessClaims, key: &str) -> Response {
    if !claims.has_any_role(&WRITE_PHOTO) {
        return denied_photo();
    }
    let user = match photo_user(state, key) {
        Ok(u) => u,
        Err(r) => return r,
    };
    if let Some(r) = intercept(state, &user.id).await {
        return r;
    }
    if let Some(r) = policy_blocks_writes(state) {
        return r;
    }
    let admitted = match admit(state, claims, 1, true, Some(&user.id)) {
        Ok(a) => a,
        Err(r) => return r,
    };
    state.hide_write(&user.id);
    let resp = if state.delete_photo(&user) {
        (axum::http::StatusCode::OK, "").into_response()
    } else {
        no_photo(state.faults().no_photo, true)
    };
    decorate(resp, admitted)
}
