//! How Microsoft 365 stores and serves photos today (issue 21): the two photo models, seeded
//! per-user faults, the no-photo answer for a key that does not resolve, a user changing their
//! own photo, directory-sync properties and the beta `onPremisesSyncBehavior` route.

use std::time::Duration;

use photosync_emulator::{
    CredentialKind, Faults, Mailbox, PhotoModel, RunningEmulator, Seed, SeedUser, UserPhotoFault,
};
use serde_json::Value;

use crate::common::*;

fn example() -> Seed {
    Seed::example().expect("example seed loads")
}

/// GET a path's bytes and decode them: (width, height).
async fn picture_size(emu: &RunningEmulator, token: &str, path: &str) -> (u32, u32) {
    let r = client()
        .get(format!("{}/v1.0{path}", emu.graph_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let img = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
    (img.width(), img.height())
}

async fn put_photo(emu: &RunningEmulator, token: &str, user: &str, body: Vec<u8>) -> u16 {
    client()
        .put(format!(
            "{}/v1.0/users/{user}/photo/$value",
            emu.graph_url()
        ))
        .bearer_auth(token)
        .header("Content-Type", "image/jpeg")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn code(body: &Value) -> Option<&str> {
    body["error"]["code"].as_str()
}

fn shape(meta: &Value) -> (Option<&str>, Option<u64>, Option<u64>) {
    (
        meta["id"].as_str(),
        meta["width"].as_u64(),
        meta["height"].as_u64(),
    )
}

#[tokio::test]
async fn entra_profile_photos_are_default_at_their_own_size_whatever_the_mailbox() {
    let emu = start_seed(example(), Faults::default());
    let token = graph_token(&emu).await;
    // An Exchange Online user's seeded 648 px photo: one `Default` picture, not `648X648`.
    let (s, meta) = get_json(&emu, &token, "/users/chen@contoso.test/photo").await;
    assert_eq!(
        (s, shape(&meta)),
        (200, (Some("Default"), Some(648), Some(648)))
    );
    // A large, oblong upload keeps its size (Exchange would cut it to a 648 px square).
    assert_eq!(
        put_photo(&emu, &token, "bruno@contoso.test", jpeg(1200, 900, 40)).await,
        200
    );
    let (_, meta) = get_json(&emu, &token, "/users/bruno@contoso.test/photo").await;
    assert_eq!(shape(&meta), (Some("Default"), Some(1200), Some(900)));
    assert_eq!(
        picture_size(&emu, &token, "/users/bruno@contoso.test/photo/$value").await,
        (1200, 900)
    );
    // Sized reads still work, as squares no larger than the picture.
    assert_eq!(
        picture_size(
            &emu,
            &token,
            "/users/bruno@contoso.test/photos/48x48/$value"
        )
        .await,
        (48, 48)
    );
    let (s, _) = get_json(&emu, &token, "/users/alice@contoso.test/photos/240x240").await;
    assert_eq!(s, 404, "alice's 96 px picture has no 240 px size");
}

#[tokio::test]
async fn the_exchange_model_keeps_the_hd_ladder_for_exchange_mailboxes_only() {
    let emu = start_seed(
        example().photo_model(PhotoModel::Exchange),
        Faults::default(),
    );
    let token = graph_token(&emu).await;
    assert_eq!(
        put_photo(&emu, &token, "bruno@contoso.test", jpeg(1200, 900, 40)).await,
        200
    );
    let (_, meta) = get_json(&emu, &token, "/users/bruno@contoso.test/photo").await;
    assert_eq!(shape(&meta), (Some("648X648"), Some(648), Some(648)));
    assert_eq!(
        picture_size(&emu, &token, "/users/bruno@contoso.test/photo/$value").await,
        (648, 648)
    );
    // A mailbox-less user's photo lives in Entra: `Default` at its own size.
    let (_, meta) = get_json(&emu, &token, "/users/nomail.two@contoso.test/photo").await;
    assert_eq!(shape(&meta), (Some("Default"), Some(300), Some(200)));
}

#[tokio::test]
async fn a_user_seeded_with_a_store_error_fails_every_photo_call_the_same_way() {
    let seed = example().user(
        SeedUser::new("bookings@contoso.test")
            .generated_photo(120, 120, 3)
            .photo_fault(UserPhotoFault::StoreInternalServerError),
    );
    let emu = start_seed(seed, Faults::default());
    let token = graph_token(&emu).await;
    for path in [
        "/users/bookings@contoso.test/photo",
        "/users/bookings@contoso.test/photo/$value",
        "/users/bookings@contoso.test/photo",
    ] {
        let (s, body) = get_json(&emu, &token, path).await;
        assert_eq!(
            (s, code(&body)),
            (500, Some("ErrorStoreInternalServerError"))
        );
    }
    assert_eq!(
        put_photo(&emu, &token, "bookings@contoso.test", jpeg(96, 96, 1)).await,
        500
    );
    // Not random: everyone else is served, and the user itself is still found.
    let (s, _) = get_json(&emu, &token, "/users/alice@contoso.test/photo").await;
    assert_eq!(s, 200);
    let (s, _) = get_json(&emu, &token, "/users/bookings@contoso.test").await;
    assert_eq!(s, 200);
    // Set and cleared at run time too.
    emu.admin()
        .set_user_photo_fault("bookings@contoso.test", None)
        .unwrap();
    let (s, _) = get_json(&emu, &token, "/users/bookings@contoso.test/photo").await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn a_stalled_user_hangs_past_the_clients_timeout_then_answers_504() {
    let seed = example().user(
        SeedUser::new("stuck@contoso.test")
            .generated_photo(120, 120, 3)
            .photo_fault(UserPhotoFault::Stall),
    );
    let emu = start_seed(seed, Faults::default());
    let token = graph_token(&emu).await;
    // The default stall (100 s) outlasts a client that waits a second.
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let err = impatient
        .get(format!(
            "{}/v1.0/users/stuck@contoso.test/photo/$value",
            emu.graph_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect_err("the stalled call never answers within the client's timeout");
    assert!(err.is_timeout(), "{err}");
    // Other users are answered meanwhile.
    let (s, _) = get_json(&emu, &token, "/users/alice@contoso.test/photo").await;
    assert_eq!(s, 200);
    // A short stall ends in a gateway timeout.
    emu.admin().set_faults(Faults {
        stall_ms: 10,
        ..Faults::default()
    });
    let (s, body) = get_json(&emu, &token, "/users/stuck@contoso.test/photo").await;
    assert_eq!((s, code(&body)), (504, Some("GatewayTimeout")));
}

#[tokio::test]
async fn uploads_narrower_than_the_seeded_minimum_are_refused_with_validation_width_too_small() {
    let emu = start_seed(example().photo_min_width(48), Faults::default());
    let token = graph_token(&emu).await;
    let r = client()
        .put(format!(
            "{}/v1.0/users/bruno@contoso.test/photo/$value",
            emu.graph_url()
        ))
        .bearer_auth(&token)
        .body(jpeg(23, 23, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(code(&body), Some("ValidationWidthTooSmall"));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ProfileBadRequestException")
    );
    assert_eq!(emu.admin().photo_of("bruno@contoso.test"), None);
    assert_eq!(
        put_photo(&emu, &token, "bruno@contoso.test", jpeg(48, 30, 1)).await,
        200
    );
    // Without a seeded minimum nothing is refused for its width.
    let open = start_seed(example(), Faults::default());
    let token = graph_token(&open).await;
    assert_eq!(
        put_photo(&open, &token, "bruno@contoso.test", jpeg(23, 23, 1)).await,
        200
    );
}

#[tokio::test]
async fn a_photo_read_by_a_mail_that_is_not_the_upn_looks_like_no_photo() {
    let seed = example().user(
        SeedUser::new("ana.lopez@contoso.test")
            .mail(Some("ana@contoso.test"))
            .generated_photo(200, 200, 9),
    );
    let emu = start_seed(seed, Faults::default());
    let token = graph_token(&emu).await;
    let (s, body) = get_json(&emu, &token, "/users/ana@contoso.test/photo/$value").await;
    assert_eq!((s, code(&body)), (404, Some("ImageNotFound")));
    let (s, body) = get_json(&emu, &token, "/users/ana@contoso.test/photo").await;
    assert_eq!((s, code(&body)), (404, Some("ImageNotFound")));
    // By UPN the photo is there; the directory does not resolve the mail either.
    let (s, _) = get_json(&emu, &token, "/users/ana.lopez@contoso.test/photo").await;
    assert_eq!(s, 200);
    let (s, body) = get_json(&emu, &token, "/users/ana@contoso.test").await;
    assert_eq!((s, code(&body)), (404, Some("Request_ResourceNotFound")));
    // A key nobody has is still "no such user".
    let (s, body) = get_json(&emu, &token, "/users/nobody@contoso.test/photo").await;
    assert_eq!((s, code(&body)), (404, Some("Request_ResourceNotFound")));
}

#[tokio::test]
async fn a_user_changing_their_photo_gets_a_new_etag_and_no_app_write() {
    let emu = start_seed(example(), Faults::default());
    let token = graph_token(&emu).await;
    let (_, before) = get_json(&emu, &token, "/users/alice@contoso.test/photo").await;
    let etag = emu
        .admin()
        .change_photo_as_user("alice@contoso.test", &jpeg(400, 400, 200))
        .unwrap();
    let (_, after) = get_json(&emu, &token, "/users/alice@contoso.test/photo").await;
    assert_ne!(before["@odata.mediaEtag"], after["@odata.mediaEtag"]);
    assert_eq!(after["@odata.mediaEtag"], etag.as_str());
    assert_eq!(shape(&after), (Some("Default"), Some(400), Some(400)));
    assert_eq!(emu.admin().user_photo_changes(), 1);
    assert!(emu.admin().counters().writes_per_user.is_empty());
}

#[tokio::test]
async fn directory_sync_properties_are_selectable_and_default_from_the_anchor() {
    let seed = example()
        .user(
            SeedUser::new("stale@contoso.test")
                .immutable_id("AAAAAAAAAAAAAAAAwP/u/w==")
                .on_premises_sync(Some(true), Some("2026-01-05T07:00:00Z")),
        )
        .user(SeedUser::new("converted@contoso.test").on_premises_sync(Some(false), None));
    let emu = start_seed(seed, Faults::default());
    let token = graph_token(&emu).await;
    let select = "?$select=id,onPremisesSyncEnabled,onPremisesLastSyncDateTime";
    let sync = |body: &Value| {
        (
            body["onPremisesSyncEnabled"].as_bool(),
            body["onPremisesLastSyncDateTime"]
                .as_str()
                .map(str::to_string),
        )
    };
    // alice carries an immutable id: synced, half an hour ago.
    let (s, alice) = get_json(&emu, &token, &format!("/users/alice@contoso.test{select}")).await;
    assert_eq!(s, 200);
    let (enabled, last) = sync(&alice);
    assert_eq!(enabled, Some(true));
    let last = last.expect("a last sync time");
    assert!(last.ends_with('Z') && last.len() == 20, "{last}");
    // chen is cloud-only: both null.
    let (_, chen) = get_json(&emu, &token, &format!("/users/chen@contoso.test{select}")).await;
    assert_eq!(sync(&chen), (None, None));
    let (_, stale) = get_json(&emu, &token, &format!("/users/stale@contoso.test{select}")).await;
    assert_eq!(
        sync(&stale),
        (Some(true), Some("2026-01-05T07:00:00Z".into()))
    );
    let (_, converted) = get_json(
        &emu,
        &token,
        &format!("/users/converted@contoso.test{select}"),
    )
    .await;
    assert_eq!(sync(&converted), (Some(false), None));
    // Not in the default property set, as in Graph v1.0.
    let (_, plain) = get_json(&emu, &token, "/users/alice@contoso.test").await;
    assert!(plain.get("onPremisesSyncEnabled").is_none());
}

#[tokio::test]
async fn on_premises_sync_behavior_is_beta_needs_its_role_and_can_be_switched() {
    let seed = example().user(
        SeedUser::new("soa@contoso.test")
            .immutable_id("AAAAAAAAAAAAAAAAwP/u/g==")
            .mailbox(Mailbox::None)
            .cloud_managed(true),
    );
    let emu = start_seed(seed, Faults::default());
    let admin = emu.admin();
    let with_role = admin
        .issue_token(
            CERT_APP,
            "https://graph.microsoft.com",
            CredentialKind::Certificate,
        )
        .unwrap();
    let without = graph_token(&emu).await;
    let url = |version: &str, user: &str| {
        format!(
            "{}/{version}/users/{user}/onPremisesSyncBehavior",
            emu.graph_url()
        )
    };
    let get = |version: &'static str, user: &'static str, token: String| {
        let url = url(version, user);
        async move {
            let r = client().get(url).bearer_auth(token).send().await.unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, body) = get("beta", "soa@contoso.test", with_role.clone()).await;
    assert_eq!((s, body["isCloudManaged"].as_bool()), (200, Some(true)));
    let (s, body) = get("beta", "alice@contoso.test", with_role.clone()).await;
    assert_eq!((s, body["isCloudManaged"].as_bool()), (200, Some(false)));
    let (s, body) = get("beta", "alice@contoso.test", without).await;
    assert_eq!((s, code(&body)), (403, Some("Authorization_RequestDenied")));
    let (s, _) = get("v1.0", "alice@contoso.test", with_role.clone()).await;
    assert_eq!(s, 400);
    let r = client()
        .patch(url("beta", "alice@contoso.test"))
        .bearer_auth(&with_role)
        .json(&serde_json::json!({"isCloudManaged": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(admin.cloud_managed("alice@contoso.test"));
}
