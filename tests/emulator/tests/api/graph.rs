//! Graph users and profile-photo endpoints: success and error paths.

use photosync_emulator::{
    Faults, MailboxMode, NoPhotoVariant, PhotoUpdateSettings, RunningEmulator,
};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

use crate::common::*;

struct Graph {
    emu: photosync_emulator::RunningEmulator,
    token: String,
}

impl Graph {
    async fn new() -> Graph {
        Graph::on(start()).await
    }
    /// The example tenant with Exchange Online's HD size ladder (`photoModel: exchange`).
    async fn exchange() -> Graph {
        let seed = photosync_emulator::Seed::example()
            .expect("example seed loads")
            .photo_model(photosync_emulator::PhotoModel::Exchange);
        Graph::on(photosync_emulator::Emulator::start(seed, Default::default()).expect("starts"))
            .await
    }
    async fn on(emu: RunningEmulator) -> Graph {
        let token = graph_token(&emu).await;
        Graph { emu, token }
    }
    fn url(&self, path: &str) -> String {
        format!("{}/v1.0{path}", self.emu.graph_url())
    }
    /// A request to a v1.0 path as the default (client-secret) app.
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        as_app(&self.token, method, self.url(path))
    }
    async fn get(&self, path: &str) -> Response {
        send(self.request(Method::GET, path)).await
    }
    async fn json(&self, path: &str) -> (u16, Value) {
        let r = self.get(path).await;
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }
    async fn delete(&self, path: &str) -> Response {
        send(self.request(Method::DELETE, path)).await
    }
    /// Sends `body` with its Content-Type: uploads differ only in verb, type and bytes.
    async fn upload(&self, method: Method, path: &str, body: Vec<u8>, ct: &str) -> Response {
        send(
            self.request(method, path)
                .header("Content-Type", ct)
                .body(body),
        )
        .await
    }
    async fn put(&self, path: &str, body: Vec<u8>, ct: &str) -> Response {
        self.upload(Method::PUT, path, body, ct).await
    }
    /// PUTs a JPEG as `user`'s photo: most write tests vary only who and which picture.
    async fn put_jpeg(&self, user: &str, jpeg: Vec<u8>) -> Response {
        self.put(&format!("/users/{user}/photo/$value"), jpeg, "image/jpeg")
            .await
    }
}

/// A request as the app `token` was issued to: the permission tests vary the caller.
fn as_app(token: &str, method: Method, url: impl reqwest::IntoUrl) -> RequestBuilder {
    client().request(method, url).bearer_auth(token)
}

/// Sends a request; a transport failure fails the test (only HTTP answers are under test).
async fn send(request: RequestBuilder) -> Response {
    request.send().await.unwrap()
}

/// The Graph error code of an error body, if it has one.
fn error_code(body: &Value) -> Option<&str> {
    body["error"]["code"].as_str()
}

/// The tenant-wide photo policy; beta only.
fn photo_update_settings_url(emu: &RunningEmulator) -> String {
    format!("{}/beta/admin/people/photoUpdateSettings", emu.graph_url())
}

/// PATCHes the photo policy as the app `token` was issued to.
async fn patch_photo_update_settings(emu: &RunningEmulator, token: &str, body: Value) -> Response {
    send(as_app(token, Method::PATCH, photo_update_settings_url(emu)).json(&body)).await
}

#[tokio::test]
async fn get_user_by_id_upn_guest_key_form_and_apostrophe() {
    let g = Graph::new().await;
    let (s, alice) = g.json("/users/alice@contoso.test").await;
    assert_eq!(s, 200);
    let id = alice["id"].as_str().unwrap().to_string();
    assert!(
        alice.get("onPremisesImmutableId").is_none(),
        "not in the v1.0 default set"
    );
    let (s, by_id) = g.json(&format!("/users/{id}")).await;
    assert_eq!(
        (s, by_id["userPrincipalName"].as_str()),
        (200, Some("alice@contoso.test"))
    );
    let (s, _) = g.json("/users/alice%40contoso.test").await;
    assert_eq!(s, 200, "percent-encoded @");
    let (s, guest) = g
        .json("/users/bob_fabrikam.test%23EXT%23@contoso.test")
        .await;
    assert_eq!(
        (s, guest["mail"].as_str()),
        (200, Some("bob@fabrikam.test"))
    );
    // Unencoded '#' is a fragment: the request reaches /users/bob_fabrikam.test → not found.
    let (s, body) = g.json("/users/bob_fabrikam.test").await;
    assert_eq!(
        (s, error_code(&body)),
        (404, Some("Request_ResourceNotFound"))
    );
    let (s, _) = g.json("/users/o'neil@contoso.test").await;
    assert_eq!(s, 200, "raw apostrophe in a plain segment");
    let (s, _) = g.json("/users/o%27neil@contoso.test").await;
    assert_eq!(s, 200);
    let (s, _) = g.json("/users/o''neil@contoso.test").await;
    assert_eq!(s, 404, "doubled quote in a plain segment is literal");
    let (s, _) = g.json("/users('o''neil@contoso.test')").await;
    assert_eq!(s, 200, "key form un-doubles");
    let (s, body) = g.json("/users/$adele@contoso.test").await;
    assert_eq!((s, error_code(&body)), (400, Some("BadRequest")));
    let (s, _) = g.json("/users('$adele@contoso.test')").await;
    assert_eq!(s, 200);
    let (s, sel) = g
        .json("/users/alice@contoso.test?$select=id,onPremisesImmutableId,onPremisesSamAccountName")
        .await;
    assert_eq!(s, 200);
    assert_eq!(sel["onPremisesSamAccountName"], "alice");
    assert!(sel.get("displayName").is_none());
    let (s, _) = g.json("/users/alice@contoso.test?$select=nosuchprop").await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn list_users_filter_select_top_and_paging() {
    let g = Graph::new().await;
    let (s, page) = g
        .json("/users?$filter=userPrincipalName%20eq%20'o''neil@contoso.test'")
        .await;
    assert_eq!(s, 200);
    assert_eq!(page["value"].as_array().unwrap().len(), 1);
    let (_, page) = g
        .json("/users?$filter=mail%20eq%20'BOB@fabrikam.test'")
        .await;
    assert_eq!(
        page["value"][0]["userPrincipalName"],
        "bob_fabrikam.test#EXT#@contoso.test"
    );
    let (_, page) = g.json("/users?$filter=onPremisesImmutableId%20eq%20'b25wcmVtMQ=='&$select=id,userPrincipalName").await;
    assert_eq!(
        page["value"][0]["userPrincipalName"],
        "onprem.one@contoso.test"
    );
    // `in` and `or` across properties: each user once, in directory order, whichever clause
    // (or both) matched.
    let (_, page) = g
        .json("/users?$filter=userPrincipalName%20in%20('ONPREM.ONE@contoso.test','o''neil@contoso.test')%20or%20onPremisesImmutableId%20eq%20'b25wcmVtMQ=='&$select=userPrincipalName")
        .await;
    let upns: Vec<&str> = page["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userPrincipalName"].as_str().unwrap())
        .collect();
    let (_, all) = g.json("/users?$top=999&$select=userPrincipalName").await;
    let directory_order: Vec<&str> = all["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userPrincipalName"].as_str().unwrap())
        .filter(|u| ["onprem.one@contoso.test", "o'neil@contoso.test"].contains(u))
        .collect();
    assert_eq!(upns, directory_order);
    assert_eq!(upns.len(), 2);
    let (s, _) = g.json("/users?$filter=startswith(mail,'a')").await;
    assert_eq!(s, 400);
    // Paging: collect everything 7 at a time through nextLink.
    let mut url = g.url("/users?$top=7&$select=id");
    let mut seen = 0;
    let mut pages = 0;
    loop {
        let body: Value = send(as_app(&g.token, Method::GET, &url))
            .await
            .json()
            .await
            .unwrap();
        seen += body["value"].as_array().unwrap().len();
        pages += 1;
        match body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
        assert!(pages < 20, "paging must terminate");
    }
    assert_eq!(seen, g.emu.admin().users().len());
    assert_eq!(pages, seen.div_ceil(7));
    let (s, _) = g.json("/users?$top=0").await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn photo_metadata_value_sizes_and_ladder() {
    let g = Graph::exchange().await;
    // fatima has a 648x648 seed photo → full ladder.
    let (s, meta) = g.json("/users/chen@contoso.test/photo").await;
    assert_eq!(s, 200);
    assert_eq!(meta["id"], "648X648");
    assert_eq!(meta["@odata.mediaContentType"], "image/jpeg");
    let etag = meta["@odata.mediaEtag"].as_str().unwrap().to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    let r = g.get("/users/chen@contoso.test/photo/$value").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let bytes = r.bytes().await.unwrap();
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (648, 648));
    let (s, list) = g.json("/users/chen@contoso.test/photos").await;
    assert_eq!(s, 200);
    assert_eq!(list["value"].as_array().unwrap().len(), 9);
    let (s, m48) = g.json("/users/chen@contoso.test/photos/48x48").await;
    assert_eq!((s, m48["width"].as_u64()), (200, Some(48)));
    let small = g.get("/users/chen@contoso.test/photos/96x96/$value").await;
    assert_eq!(small.status(), 200);
    let img = image::load_from_memory(&small.bytes().await.unwrap()).unwrap();
    assert_eq!(img.width(), 96);
    // alice: 96x96 → 48, 64, 96 only; larger sizes are 404.
    let (s, _) = g.json("/users/alice@contoso.test/photos/240x240").await;
    assert_eq!(s, 404);
    let (s, _) = g
        .json("/users/alice@contoso.test/photos/240x240/$value")
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn upload_is_reencoded_gets_new_etag_and_can_be_deleted() {
    let g = Graph::exchange().await;
    let upload = png(300, 300);
    let r = g
        .put(
            "/users/bruno@contoso.test/photo/$value",
            upload.clone(),
            "image/png",
        )
        .await;
    assert_eq!(r.status(), 200);
    let stored = g.emu.admin().photo_of("bruno@contoso.test").unwrap();
    assert_ne!(stored, upload, "stored bytes are re-encoded");
    assert_eq!(&stored[..2], &[0xFF, 0xD8], "stored as JPEG");
    let (_, m1) = g.json("/users/bruno@contoso.test/photo").await;
    assert_eq!(m1["id"], "240X240", "never upsized beyond the upload");
    let r = g
        .put(
            "/users/bruno@contoso.test/photo/$value",
            jpeg(120, 120, 10),
            "application/octet-stream",
        )
        .await;
    assert_eq!(r.status(), 200);
    let (_, m2) = g.json("/users/bruno@contoso.test/photo").await;
    assert_ne!(m1["@odata.mediaEtag"], m2["@odata.mediaEtag"]);
    let patch = g
        .upload(
            Method::PATCH,
            "/users/bruno@contoso.test/photo/$value",
            jpeg(64, 64, 99),
            "image/jpeg",
        )
        .await;
    assert_eq!(patch.status(), 200);
    assert_eq!(
        g.emu
            .admin()
            .counters()
            .writes_per_user
            .values()
            .sum::<u64>(),
        3
    );
    let del = g.delete("/users/bruno@contoso.test/photo/$value").await;
    assert!(del.status().is_success());
    let (s, body) = g.json("/users/bruno@contoso.test/photo").await;
    assert_eq!((s, error_code(&body)), (404, Some("ErrorEntityNotFound")));
    let again = g.delete("/users/bruno@contoso.test/photo/$value").await;
    assert_eq!(again.status(), 404);
}

#[tokio::test]
async fn upload_limits_and_bad_bodies() {
    let g = Graph::new().await;
    let big = vec![0u8; 4 * 1024 * 1024 + 1];
    let r = g
        .put("/users/bruno@contoso.test/photo/$value", big, "image/jpeg")
        .await;
    assert_eq!(r.status(), 413);
    let r = g
        .put(
            "/users/bruno@contoso.test/photo/$value",
            b"not an image".to_vec(),
            "image/jpeg",
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = g.put_jpeg("nobody@contoso.test", jpeg(64, 64, 1)).await;
    assert_eq!(r.status(), 404);
    assert!(g.emu.admin().photo_of("bruno@contoso.test").is_none());
}

#[tokio::test]
async fn no_photo_variants_are_selectable() {
    let g = Graph::new().await;
    for (variant, code) in [
        (NoPhotoVariant::ErrorItemNotFound, "ErrorItemNotFound"),
        (NoPhotoVariant::GetUserPhoto, "GetUserPhoto"),
        (NoPhotoVariant::ImageNotFound, "ImageNotFound"),
        (NoPhotoVariant::ErrorEntityNotFound, "ErrorEntityNotFound"),
    ] {
        g.emu.admin().set_faults(Faults {
            no_photo: variant,
            ..Faults::default()
        });
        for path in [
            "/users/bruno@contoso.test/photo",
            "/users/bruno@contoso.test/photo/$value",
        ] {
            let (s, body) = g.json(path).await;
            assert_eq!(
                (s, error_code(&body)),
                (404, Some(code)),
                "{variant:?} {path}"
            );
        }
    }
    g.emu.admin().set_faults(Faults {
        no_photo: NoPhotoVariant::LegacyOneByOneGif,
        ..Faults::default()
    });
    let (s, body) = g.json("/users/bruno@contoso.test/photo").await;
    assert_eq!(
        (
            s,
            body["id"].as_str(),
            body["@odata.mediaContentType"].as_str()
        ),
        (200, Some("1x1"), Some("image/gif"))
    );
    let (s, _) = g.json("/users/bruno@contoso.test/photo/$value").await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn user_not_found_differs_from_photo_not_found() {
    let g = Graph::new().await;
    let (s, body) = g.json("/users/ghost@contoso.test/photo").await;
    assert_eq!(
        (s, error_code(&body)),
        (404, Some("Request_ResourceNotFound"))
    );
    let (s, body) = g.json("/users/ghost@contoso.test").await;
    assert_eq!(
        (s, error_code(&body)),
        (404, Some("Request_ResourceNotFound"))
    );
}

#[tokio::test]
async fn permissions_come_from_token_roles() {
    let g = Graph::new().await;
    let ro = secret_token(&g.emu, READONLY_APP, READONLY_SECRET, GRAPH_SCOPE).await;
    let none = secret_token(&g.emu, NOROLES_APP, NOROLES_SECRET, GRAPH_SCOPE).await;
    let get = |t: &str, p: &str| send(as_app(t, Method::GET, g.url(p)));
    assert_eq!(
        get(&ro, "/users/alice@contoso.test/photo/$value")
            .await
            .status(),
        200
    );
    let put = send(
        as_app(
            &ro,
            Method::PUT,
            g.url("/users/alice@contoso.test/photo/$value"),
        )
        .body(jpeg(64, 64, 3)),
    )
    .await;
    assert_eq!(put.status(), 403);
    let body: Value = put.json().await.unwrap();
    assert_eq!(body["error"]["code"], "ErrorAccessDenied");
    let r = get(&none, "/users/alice@contoso.test").await;
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "Authorization_RequestDenied");
    assert_eq!(
        get(&none, "/users/alice@contoso.test/photo").await.status(),
        403
    );
    assert_eq!(get(&none, "/users").await.status(), 403);
}

#[tokio::test]
async fn mailbox_modes() {
    let g = Graph::new().await;
    // Modern: Entra-stored photos for mailbox-less users, one "Default" rendition of any size.
    let (s, meta) = g.json("/users/nomail.two@contoso.test/photo").await;
    assert_eq!(
        (
            s,
            meta["id"].as_str(),
            meta["width"].as_u64(),
            meta["height"].as_u64()
        ),
        (200, Some("Default"), Some(300), Some(200))
    );
    let r = g
        .put_jpeg("nomail.one@contoso.test", jpeg(100, 80, 5))
        .await;
    assert_eq!(r.status(), 200);
    g.emu.admin().set_faults(Faults {
        mailbox_mode: MailboxMode::Legacy,
        ..Faults::default()
    });
    let (s, body) = g.json("/users/nomail.two@contoso.test/photo").await;
    assert_eq!(
        (s, error_code(&body)),
        (404, Some("ErrorNonExistentMailbox"))
    );
    let (s, body) = g.json("/users/onprem.two@contoso.test/photo/$value").await;
    assert_eq!(
        (s, error_code(&body)),
        (400, Some("MailboxNotHostedInExchangeOnline"))
    );
    let (s, _) = g.json("/users/alice@contoso.test/photo").await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn photo_update_settings_block_cloud_writes() {
    let emu = start();
    let cert = cert_token(&emu, GRAPH_SCOPE).await;
    let url = photo_update_settings_url(&emu);
    // The same upload (no Content-Type) before and after the policy changes.
    let alice_photo = format!(
        "{}/v1.0/users/alice@contoso.test/photo/$value",
        emu.graph_url()
    );
    let put_as_cert = || send(as_app(&cert, Method::PUT, &alice_photo).body(jpeg(64, 64, 1)));
    let get: Value = send(as_app(&cert, Method::GET, &url))
        .await
        .json()
        .await
        .unwrap();
    assert!(get["source"].is_null());
    assert_eq!(get["allowedRoles"], json!([]));
    let patch = patch_photo_update_settings(
        &emu,
        &cert,
        json!({"source": "onPremises", "allowedRoles": []}),
    )
    .await;
    assert_eq!(patch.status(), 200);
    assert_eq!(
        emu.admin().photo_update_settings().source.as_deref(),
        Some("onPremises")
    );
    let put = put_as_cert().await;
    assert_eq!(put.status(), 403);
    let body: Value = put.json().await.unwrap();
    assert_eq!(
        body["error"]["code"], "ErrorAccessDenied",
        "the code is undocumented"
    );
    // Reads still work; the secret app has only PeopleSettings.Read.All → PATCH denied.
    let secret = graph_token(&emu).await;
    assert_eq!(send(as_app(&secret, Method::GET, &url)).await.status(), 200);
    let denied = patch_photo_update_settings(&emu, &secret, json!({"source": "cloud"})).await;
    assert_eq!(denied.status(), 403);
    emu.admin().set_photo_update_settings(PhotoUpdateSettings {
        source: Some("cloud".into()),
        allowed_roles: vec![],
    });
    let put = put_as_cert().await;
    assert_eq!(put.status(), 200);
    let v1 = send(as_app(&cert, Method::GET, url.replace("/beta/", "/v1.0/"))).await;
    assert_eq!(v1.status(), 400, "photoUpdateSettings is beta-only");
}

/// Regression (issue 21): DELETE on photoUpdateSettings answered 405; Microsoft's beta
/// `Delete photoUpdateSettings` answers 204 and the tenant is back to its default, empty policy.
#[tokio::test]
async fn deleting_photo_update_settings_resets_them_with_204() {
    let emu = start();
    let cert = cert_token(&emu, GRAPH_SCOPE).await;
    let url = photo_update_settings_url(&emu);
    let patch = patch_photo_update_settings(
        &emu,
        &cert,
        json!({"source": "onPremises", "allowedRoles": ["fe930be7-5e62-47db-91af-98c3a49a38b1"]}),
    )
    .await;
    assert_eq!(patch.status(), 200);
    let secret = graph_token(&emu).await;
    let denied = send(as_app(&secret, Method::DELETE, &url)).await;
    assert_eq!(denied.status(), 403, "PeopleSettings.Read.All cannot reset");
    let del = send(as_app(&cert, Method::DELETE, &url)).await;
    assert_eq!(del.status(), 204);
    assert_eq!(
        emu.admin().photo_update_settings(),
        PhotoUpdateSettings::default()
    );
    let get: Value = send(as_app(&cert, Method::GET, &url))
        .await
        .json()
        .await
        .unwrap();
    assert!(get["source"].is_null());
    assert_eq!(get["allowedRoles"], json!([]));
    // Writes are allowed again.
    let put = send(
        as_app(
            &cert,
            Method::PUT,
            format!(
                "{}/v1.0/users/alice@contoso.test/photo/$value",
                emu.graph_url()
            ),
        )
        .body(jpeg(64, 64, 1)),
    )
    .await;
    assert_eq!(put.status(), 200);
}

#[tokio::test]
async fn request_log_and_counters_record_calls() {
    let g = Graph::new().await;
    g.get("/users/alice@contoso.test/photo/$value").await;
    g.get("/users/alice@contoso.test/photo/$value").await;
    let c = g.emu.admin().counters();
    assert_eq!(c.requests_per_route.get("graph.photo.value.get"), Some(&2));
    let log = g.emu.admin().request_log();
    let last = log.last().unwrap();
    assert_eq!(last.status, 200);
    assert_eq!(last.app_id.as_deref(), Some(SECRET_APP));
    // The HTTP admin API exposes the same.
    let counters: Value = send(client().get(format!("{}/_emulator/counters", g.emu.base_url())))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counters["requestsPerRoute"]["graph.photo.value.get"], 2);
}

/// `$value` answers as the service does (spec §12, msgraph-sdk-powershell#3438): a weak ETag of
/// 64 hex digits that changes with every upload, and `Cache-Control: max-age=21600, private`.
#[tokio::test]
async fn photo_value_has_a_weak_etag_and_cache_control() {
    let g = Graph::new().await;
    let etag_of = |r: &reqwest::Response| r.headers()["etag"].to_str().unwrap().to_string();
    let r = g.get("/users/chen@contoso.test/photo/$value").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "max-age=21600, private");
    let first = etag_of(&r);
    let hex = first
        .strip_prefix("W/\"")
        .and_then(|e| e.strip_suffix('"'))
        .expect("weak etag");
    assert!(
        hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()),
        "{first}"
    );
    let again = g.get("/users/chen@contoso.test/photo/$value").await;
    assert_eq!(
        etag_of(&again),
        first,
        "stable while the photo is unchanged"
    );
    let put = g.put_jpeg("chen@contoso.test", jpeg(200, 200, 3)).await;
    assert_eq!(put.status(), 200);
    let after = g.get("/users/chen@contoso.test/photo/$value").await;
    assert_ne!(etag_of(&after), first, "a new upload, a new ETag");
}

/// Reads right after a write still show the previous state for `writeVisibilityDelayMs`.
// Regression (issue 22): the end of the delay was awaited in real time (300 ms, polled); the
// emulator's frozen clock is moved to it instead.
#[tokio::test]
async fn a_write_becomes_visible_only_after_the_visibility_delay() {
    let g = Graph::new().await;
    let admin = g.emu.admin();
    admin.freeze_clock();
    admin.set_faults(Faults {
        write_visibility_delay_ms: 120_000,
        ..Faults::default()
    });
    let old = g.get("/users/chen@contoso.test/photo/$value").await;
    let old = old.bytes().await.unwrap();
    let put = g.put_jpeg("chen@contoso.test", jpeg(200, 200, 7)).await;
    assert_eq!(put.status(), 200);
    let stored = admin.photo_of("chen@contoso.test").expect("stored at once");
    assert_ne!(stored, old.to_vec());
    let read = g.get("/users/chen@contoso.test/photo/$value").await;
    assert_eq!(
        read.bytes().await.unwrap(),
        old,
        "still the previous picture"
    );
    // A user without a photo: 404 until the delay is over.
    let put = g.put_jpeg("bruno@contoso.test", jpeg(200, 200, 8)).await;
    assert_eq!(put.status(), 200);
    let (s, _) = g.json("/users/bruno@contoso.test/photo").await;
    assert_eq!(s, 404, "not visible yet");
    let read_chen = || async {
        g.get("/users/chen@contoso.test/photo/$value")
            .await
            .bytes()
            .await
            .unwrap()
    };
    admin.advance_clock(std::time::Duration::from_millis(119_999));
    assert_eq!(
        read_chen().await,
        old,
        "a millisecond before the delay is over"
    );
    admin.advance_clock(std::time::Duration::from_millis(1));
    assert_eq!(read_chen().await, stored, "visible once the delay is over");
    let (s, _) = g.json("/users/bruno@contoso.test/photo").await;
    assert_eq!(s, 200, "the new photo of a user who had none shows too");
}

/// User.ReadBasic.All alone cannot `$select`/`$filter` onPremisesImmutableId or userType
/// (Yvand/EntraCP#265); basic properties still work.
#[tokio::test]
async fn read_basic_cannot_select_or_filter_non_basic_properties() {
    let app = "aaaaaaaa-0000-4000-8000-0000000000bb";
    let seed = photosync_emulator::Seed::example().unwrap().app(
        photosync_emulator::SeedApp::with_secret(app, "basic-secret")
            .graph_roles(&["User.ReadBasic.All"]),
    );
    let emu =
        photosync_emulator::Emulator::start(seed, photosync_emulator::Options::default()).unwrap();
    let token = secret_token(&emu, app, "basic-secret", GRAPH_SCOPE).await;
    let get = |path: String| {
        let request = as_app(&token, Method::GET, path);
        async move { send(request).await.status().as_u16() }
    };
    let base = format!("{}/v1.0", emu.graph_url());
    assert_eq!(
        get(format!(
            "{base}/users/alice@contoso.test?$select=id,displayName,mail"
        ))
        .await,
        200
    );
    assert_eq!(
        get(format!(
            "{base}/users/alice@contoso.test?$select=id,onPremisesImmutableId"
        ))
        .await,
        403
    );
    assert_eq!(get(format!("{base}/users?$select=id,userType")).await, 403);
    assert_eq!(
        get(format!(
            "{base}/users?$filter=onPremisesImmutableId%20eq%20'x'&$select=id"
        ))
        .await,
        403
    );
}

/// A photoUpdateSettings change shows at once but binds writes only after the change delay;
/// a blocked write gets the same plain access-denied as a missing permission.
#[tokio::test]
async fn a_policy_change_takes_effect_after_its_delay() {
    let g = Graph::new().await;
    let admin = g.emu.admin();
    admin.freeze_clock();
    admin.set_faults(Faults {
        policy_change_delay_ms: 120_000,
        ..Faults::default()
    });
    let admin_token = cert_token(&g.emu, GRAPH_SCOPE).await;
    let patch =
        patch_photo_update_settings(&g.emu, &admin_token, json!({"source": "onPremises"})).await;
    assert_eq!(patch.status(), 200, "{:?}", patch.text().await);
    assert_eq!(
        admin.photo_update_settings().source.as_deref(),
        Some("onPremises")
    );
    let put = g.put_jpeg("bruno@contoso.test", jpeg(100, 100, 1)).await;
    assert_eq!(put.status(), 200, "not enforced yet");
    admin.advance_clock(std::time::Duration::from_millis(119_999));
    let put = g.put_jpeg("bruno@contoso.test", jpeg(100, 100, 2)).await;
    assert_eq!(put.status(), 200, "a millisecond before the change binds");
    // Once in force: 403 with the code a missing permission gets.
    admin.advance_clock(std::time::Duration::from_millis(1));
    let put = g.put_jpeg("bruno@contoso.test", jpeg(100, 100, 3)).await;
    assert_eq!(put.status(), 403);
    let body: Value = put.json().await.unwrap();
    assert_eq!(body["error"]["code"], "ErrorAccessDenied");
}
