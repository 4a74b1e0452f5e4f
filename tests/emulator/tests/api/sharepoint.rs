//! SharePoint: secret-token rejection, digests (and their expiry), PeopleManager, photo library.

use std::time::Duration;

use photosync_emulator::{Faults, Options, RunningEmulator};
use serde_json::{Value, json};

use crate::common::*;

const VERBOSE: &str = "application/json;odata=verbose";
const NOMETA: &str = "application/json;odata=nometadata";
const ALICE: &str = "i:0#.f|membership|alice@contoso.test";

async fn sp_token(emu: &RunningEmulator) -> String {
    cert_token(emu, &format!("{}/.default", emu.sharepoint_url())).await
}

async fn digest(emu: &RunningEmulator, token: &str) -> String {
    let r = client()
        .post(format!("{}/_api/contextInfo", emu.sharepoint_url()))
        .bearer_auth(token)
        .header("Accept", VERBOSE)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let info = &body["d"]["GetContextWebInformation"];
    assert!(info["FormDigestTimeoutSeconds"].as_u64().unwrap() > 0);
    info["FormDigestValue"].as_str().unwrap().to_string()
}

async fn set_prop(
    emu: &RunningEmulator,
    token: &str,
    digest: Option<&str>,
    prop: &str,
    value: &str,
) -> reqwest::Response {
    let mut req = client()
        .post(format!(
            "{}/_api/SP.UserProfiles.PeopleManager/SetSingleValueProfileProperty",
            emu.sharepoint_url()
        ))
        .bearer_auth(token)
        .header("Accept", VERBOSE)
        .header("Content-Type", VERBOSE)
        .body(
            json!({"accountName": ALICE, "propertyName": prop, "propertyValue": value}).to_string(),
        );
    if let Some(d) = digest {
        req = req.header("X-RequestDigest", d);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn secret_based_app_only_token_is_rejected() {
    let emu = start();
    let secret = secret_token(
        &emu,
        SECRET_APP,
        SECRET,
        &format!("{}/.default", emu.sharepoint_url()),
    )
    .await;
    let r = client()
        .post(format!("{}/_api/contextinfo", emu.sharepoint_url()))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["x-ms-diagnostics"]
            .to_str()
            .unwrap()
            .contains("Unsupported app only token")
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error_description"], "Unsupported app only token.");
    // A Graph token is not a SharePoint token either.
    let graph = cert_token(&emu, GRAPH_SCOPE).await;
    let r = client()
        .post(format!("{}/_api/contextinfo", emu.sharepoint_url()))
        .bearer_auth(graph)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn managed_identity_token_is_accepted() {
    let emu = start();
    let r = client()
        .get(emu.managed_identity_endpoint())
        .query(&[("resource", emu.sharepoint_url())])
        .header("X-IDENTITY-HEADER", emu.managed_identity_header())
        .send()
        .await
        .unwrap();
    let token = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let d = digest(&emu, &token).await;
    assert!(d.starts_with("0x"));
}

/// Profile writes for the tests of what happens when a tenant does allow them.
fn profile_writes_allowed(options: Options) -> RunningEmulator {
    start_with(Options {
        faults: Faults {
            sharepoint_app_only_profile_writes: true,
            ..options.faults.clone()
        },
        ..options
    })
}

/// Real tenants answer app-only SetSingleValueProfileProperty with "Access denied"
/// (pnp/powershell#277, sp-dev-docs#3718); the emulator does so unless told otherwise.
#[tokio::test]
async fn app_only_profile_writes_are_denied_by_default() {
    let emu = start();
    let token = sp_token(&emu).await;
    let d = digest(&emu, &token).await;
    let r = set_prop(&emu, &token, Some(&d), "PictureURL", "x").await;
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    let message = body["error"]["message"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(message.starts_with("Access denied"), "{body}");
    assert_eq!(
        emu.admin()
            .sharepoint_property("alice@contoso.test", "PictureURL"),
        None
    );
    emu.admin().set_faults(Faults {
        sharepoint_app_only_profile_writes: true,
        ..Faults::default()
    });
    let r = set_prop(&emu, &token, Some(&d), "PictureURL", "x").await;
    assert_eq!(r.status(), 200, "switchable at run time");
}

#[tokio::test]
async fn set_and_get_profile_properties_in_all_forms() {
    let emu = profile_writes_allowed(Options::default());
    let token = sp_token(&emu).await;
    let d = digest(&emu, &token).await;
    let url = format!(
        "{}/User%20Photos/Profile%20Pictures/alice_contoso_test_MThumb.jpg",
        emu.sharepoint_url()
    );
    assert_eq!(
        set_prop(&emu, &token, Some(&d), "PictureURL", &url)
            .await
            .status(),
        200
    );
    assert_eq!(
        set_prop(&emu, &token, None, "SPS-PicturePlaceholderState", "0")
            .await
            .status(),
        200
    );
    assert_eq!(
        emu.admin()
            .sharepoint_property("alice@contoso.test", "PictureURL")
            .as_deref(),
        Some(url.as_str())
    );

    // POST with the inline argument, as Office365-REST-Python-Client sends it (verbose).
    let r = client()
        .post(format!(
            "{}/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName='i:0%23.f%7Cmembership%7Calice@contoso.test')",
            emu.sharepoint_url()
        ))
        .bearer_auth(&token)
        .header("Accept", VERBOSE)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["d"]["AccountName"], ALICE);
    assert_eq!(v["d"]["PictureUrl"], url);
    let props = v["d"]["UserProfileProperties"]["results"]
        .as_array()
        .unwrap();
    assert!(
        props
            .iter()
            .any(|p| p["Key"] == "SPS-PicturePlaceholderState" && p["Value"] == "0")
    );

    // GET with the @v alias, nometadata.
    let r = client()
        .get(format!(
            "{}/_api/sp.userprofiles.peoplemanager/getpropertiesfor(accountName=@v)?@v='i%3A0%23.f%7Cmembership%7Calice%40contoso.test'",
            emu.sharepoint_url()
        ))
        .bearer_auth(&token)
        .header("Accept", NOMETA)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["AccountName"], ALICE);
    assert!(
        v["UserProfileProperties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["Key"] == "PictureURL" && p["Value"] == url)
    );
    assert!(v.get("d").is_none() && v.get("__metadata").is_none());

    let r = client()
        .get(format!(
            "{}/_api/SP.UserProfiles.PeopleManager/GetUserProfilePropertyFor(accountName=@v,propertyName='PictureURL')?@v='i%3A0%23.f%7Cmembership%7Calice%40contoso.test'",
            emu.sharepoint_url()
        ))
        .bearer_auth(&token)
        .header("Accept", NOMETA)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["value"], url);

    // Unknown account: empty person, and setting a property fails.
    let r = client()
        .get(format!("{}/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v='i%3A0%23.f%7Cmembership%7Cghost%40contoso.test'", emu.sharepoint_url()))
        .bearer_auth(&token)
        .header("Accept", NOMETA)
        .send()
        .await
        .unwrap();
    assert!(r.json::<Value>().await.unwrap()["AccountName"].is_null());
}

// Regression (issue 22): a 1-second digest and a real sleep raced the first write on a busy
// machine; the emulator's frozen clock is moved past the digest's lifetime instead.
#[tokio::test]
async fn expired_digest_is_refused() {
    let emu = profile_writes_allowed(Options {
        digest_lifetime: Duration::from_secs(1800),
        ..Options::default()
    });
    emu.admin().freeze_clock();
    let token = sp_token(&emu).await;
    let d = digest(&emu, &token).await;
    assert_eq!(
        set_prop(&emu, &token, Some(&d), "PictureURL", "x")
            .await
            .status(),
        200
    );
    emu.admin().advance_clock(Duration::from_secs(1799));
    assert_eq!(
        set_prop(&emu, &token, Some(&d), "PictureURL", "x2")
            .await
            .status(),
        200,
        "still inside FormDigestTimeoutSeconds"
    );
    emu.admin().advance_clock(Duration::from_secs(1));
    let r = set_prop(&emu, &token, Some(&d), "PictureURL", "y").await;
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["code"]
            .as_str()
            .unwrap()
            .contains("SPException")
    );
    let fresh = digest(&emu, &token).await;
    assert_eq!(
        set_prop(&emu, &token, Some(&fresh), "PictureURL", "z")
            .await
            .status(),
        200
    );
    let r = set_prop(&emu, &token, Some("0xBOGUS,2020"), "PictureURL", "w").await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn profile_pictures_library_add_and_get() {
    let emu = start();
    let token = cert_token(&emu, &format!("{}/.default", emu.sharepoint_my_site_url())).await;
    let bytes = jpeg(72, 72, 7);
    let add = format!(
        "{}/_api/web/GetFolderByServerRelativeUrl('/User%20Photos/Profile%20Pictures')/Files/add(url='alice_contoso_test_MThumb.jpg',overwrite=true)",
        emu.sharepoint_my_site_url()
    );
    let r = client()
        .post(&add)
        .bearer_auth(&token)
        .header("Accept", NOMETA)
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let file: Value = r.json().await.unwrap();
    assert_eq!(file["Name"], "alice_contoso_test_MThumb.jpg");
    assert_eq!(
        file["ServerRelativeUrl"],
        "/User Photos/Profile Pictures/alice_contoso_test_MThumb.jpg"
    );
    let direct = client()
        .get(format!(
            "{}/User%20Photos/Profile%20Pictures/alice_contoso_test_MThumb.jpg",
            emu.sharepoint_my_site_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), 200);
    assert_eq!(direct.bytes().await.unwrap().to_vec(), bytes);
    let via_api = client()
        .get(format!(
            "{}/_api/web/GetFileByServerRelativeUrl('/User%20Photos/Profile%20Pictures/alice_contoso_test_MThumb.jpg')/$value",
            emu.sharepoint_my_site_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(via_api.bytes().await.unwrap().to_vec(), bytes);
    let no_overwrite = add.replace("overwrite=true", "overwrite=false");
    let r = client()
        .post(&no_overwrite)
        .bearer_auth(&token)
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let missing = client()
        .get(format!(
            "{}/User%20Photos/Profile%20Pictures/nobody_MThumb.jpg",
            emu.sharepoint_my_site_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(
        emu.admin().sharepoint_file("alice_contoso_test_MThumb.jpg"),
        Some(bytes)
    );
}

#[tokio::test]
async fn read_only_sharepoint_role_cannot_write() {
    let emu = start();
    // The read-only app has a secret only, so it cannot even authenticate; use an admin-minted
    // certificate-class token for it to check the role gate on its own.
    let token = emu
        .admin()
        .issue_token(
            READONLY_APP,
            &emu.sharepoint_url(),
            photosync_emulator::CredentialKind::Certificate,
        )
        .unwrap();
    let r = set_prop(&emu, &token, None, "PictureURL", "x").await;
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["code"]
            .as_str()
            .unwrap()
            .contains("UnauthorizedAccessException")
    );
}

/// SharePoint validates a token's audience per host (spec §12, onedrive-api-docs#314): the
/// admin, root and My Site hosts are separate origins, each accepting only tokens minted for
/// itself and refusing others with 401 `x-ms-diagnostics: 3000003;reason="Invalid audience Uri
/// '…'"`. The main origin serves no SharePoint; the picture library is on the My Site host only.
#[tokio::test]
async fn each_sharepoint_host_accepts_only_tokens_minted_for_it() {
    let emu = start();
    let hosts = [
        emu.sharepoint_url(),
        emu.sharepoint_root_url(),
        emu.sharepoint_my_site_url(),
    ];
    assert!(hosts[0] != hosts[1] && hosts[1] != hosts[2] && hosts[0] != hosts[2]);
    for minted_for in &hosts {
        let token = cert_token(&emu, &format!("{minted_for}/.default")).await;
        assert_eq!(claims(&token)["aud"], minted_for.as_str());
        for host in &hosts {
            let r = client()
                .post(format!("{host}/_api/contextinfo"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            if host == minted_for {
                assert_eq!(r.status(), 200, "{host}");
                continue;
            }
            assert_eq!(r.status(), 401, "token for {minted_for} on {host}");
            let diag = r.headers()["x-ms-diagnostics"]
                .to_str()
                .unwrap()
                .to_string();
            assert!(
                diag.starts_with("3000003;")
                    && diag.contains(&format!("Invalid audience Uri '{minted_for}'")),
                "{diag}"
            );
        }
    }
    // A token for a real tenant's host is a SharePoint token, but for none of these hosts.
    let foreign = cert_token(&emu, "https://contoso-admin.sharepoint.com/.default").await;
    let r = client()
        .post(format!("{}/_api/contextinfo", emu.sharepoint_url()))
        .bearer_auth(&foreign)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // SharePoint lives on its own origins only.
    let admin_token = sp_token(&emu).await;
    let r = client()
        .post(format!("{}/_api/contextinfo", emu.base_url()))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // The picture library exists on the My Site host, not on the admin site.
    let r = client()
        .post(format!(
            "{}/_api/web/GetFolderByServerRelativeUrl('/User%20Photos/Profile%20Pictures')/Files/add(url='x_MThumb.jpg',overwrite=true)",
            emu.sharepoint_url()
        ))
        .bearer_auth(&admin_token)
        .body(jpeg(48, 48, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // PersonProperties name the My Site host for personal sites.
    let props: Value = client()
        .get(format!(
            "{}/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v='i%3A0%23.f%7Cmembership%7Calice%40contoso.test'",
            emu.sharepoint_url()
        ))
        .bearer_auth(&admin_token)
        .header("Accept", NOMETA)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        props["PersonalSiteHostUrl"],
        format!("{}/", emu.sharepoint_my_site_url())
    );
}
