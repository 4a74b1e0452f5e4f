//! The My Site host's `User Photos/Profile Pictures` library: `Files/add(url=…,overwrite=…)`,
//! `GetFileByServerRelativeUrl(…)/$value` and direct file GETs. Bytes are kept as uploaded.
//! The library exists on the My Site host only: the admin and root hosts answer 404.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::respond::{json, label, with_app};
use crate::sharepoint::{
    OData, PROFILE_PICTURES, READ_ROLES, Site, SiteRole, access_denied, authenticate, bad_request,
    odata_mode, sp_error, wrap,
};
use crate::state::{SpFile, State, iso_utc, lock};

/// The library: `/User Photos/Profile Pictures` on the My Site host, nowhere else.
fn in_profile_pictures(site: Site<'_>, folder: &str) -> bool {
    let f = folder.trim_end_matches('/').to_lowercase();
    site.role == SiteRole::MySite && f.ends_with(&PROFILE_PICTURES.to_lowercase())
}

fn file_entity(state: &State, mode: OData, f: &SpFile) -> Value {
    let mut e = Map::new();
    e.insert("Name".into(), json!(f.name));
    e.insert(
        "ServerRelativeUrl".into(),
        json!(format!("{PROFILE_PICTURES}/{}", f.name)),
    );
    e.insert("Length".into(), json!(f.bytes.len().to_string()));
    e.insert(
        "TimeLastModified".into(),
        json!(format!("{}Z", iso_utc(f.modified))),
    );
    e.insert("ETag".into(), json!(f.etag));
    e.insert("UniqueId".into(), json!(uuid::Uuid::new_v4().to_string()));
    e.insert(
        "LinkingUri".into(),
        json!(format!(
            "{}{}/{}",
            state.my_site_url(),
            PROFILE_PICTURES,
            f.name
        )),
    );
    wrap(mode, "SP.File", e)
}

pub(crate) fn add_file(
    state: &State,
    site: Site<'_>,
    mode: OData,
    folder: &str,
    args: &Map<String, Value>,
    body: &Bytes,
) -> Response {
    if !in_profile_pictures(site, folder) {
        return sp_error(
            404,
            mode,
            "-2147024894, System.IO.FileNotFoundException",
            &format!(
                "File Not Found. Folder '{folder}' does not exist on this site (the emulator has only {PROFILE_PICTURES} on the My Site host)."
            ),
        );
    }
    let Some(name) = args
        .get("url")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        return bad_request(mode, "url is required.");
    };
    let name = name.rsplit('/').next().unwrap_or(name).to_string();
    let overwrite = args
        .get("overwrite")
        .and_then(Value::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let key = name.to_lowercase();
    let file = SpFile {
        name: name.clone(),
        bytes: body.clone(),
        etag: format!(
            "\"{{{}}},1\"",
            uuid::Uuid::new_v4().to_string().to_uppercase()
        ),
        modified: state.clock.unix_secs(),
    };
    {
        let mut sp = lock(&state.sharepoint);
        if !overwrite && sp.files.contains_key(&key) {
            drop(sp);
            return sp_error(
                400,
                mode,
                "-2130575257, Microsoft.SharePoint.SPException",
                &format!("A file with the name {PROFILE_PICTURES}/{name} already exists."),
            );
        }
        sp.files.insert(key.clone(), file.clone());
    }
    state.count_write(&key);
    json(200, file_entity(state, mode, &file))
}

fn file_bytes(state: &State, name: &str) -> Option<SpFile> {
    lock(&state.sharepoint)
        .files
        .get(&name.to_lowercase())
        .cloned()
}

pub(crate) fn get_file(state: &State, site: Site<'_>, mode: OData, path: &str) -> Response {
    let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
    match file_bytes(state, name).filter(|_| in_profile_pictures(site, folder)) {
        Some(f) => binary(&f),
        None => file_not_found(mode),
    }
}

fn file_not_found(mode: OData) -> Response {
    sp_error(
        404,
        mode,
        "-2147024894, System.IO.FileNotFoundException",
        "File Not Found.",
    )
}

fn binary(f: &SpFile) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/jpeg".to_string()),
            (header::ETAG, f.etag.clone()),
        ],
        Body::from(f.bytes.clone()),
    )
        .into_response()
}

/// Direct GET of `/User Photos/Profile Pictures/{name}` on the My Site host.
pub fn handle_file(
    state: &Arc<State>,
    site: Site<'_>,
    decoded_path: &str,
    headers: &HeaderMap,
) -> Response {
    let mode = odata_mode(headers);
    let resp = match authenticate(state, site, headers) {
        Err(r) => r,
        Ok(claims) if !claims.has_any_role(&READ_ROLES) => {
            with_app(access_denied(mode), &claims.appid)
        }
        Ok(claims) => {
            let (folder, name) = decoded_path.rsplit_once('/').unwrap_or(("", decoded_path));
            let r = match file_bytes(state, name).filter(|_| in_profile_pictures(site, folder)) {
                Some(f) => binary(&f),
                None => file_not_found(mode),
            };
            with_app(r, &claims.appid)
        }
    };
    label(resp, "sharepoint.file.direct")
}
