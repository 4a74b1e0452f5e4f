//! Token endpoint (secret and certificate assertion), discovery, managed identity, IMDS, and
//! token expiry as Graph sees it.

use std::time::Duration;

use photosync_emulator::Options;

use crate::common::*;

fn code_of(body: &serde_json::Value) -> u64 {
    body["error_codes"][0].as_u64().unwrap_or_default()
}

#[tokio::test]
async fn secret_token_carries_roles_and_credential_kind() {
    let emu = start();
    let (status, body) = token_request(
        &emu,
        &[
            ("client_id", SECRET_APP),
            ("client_secret", SECRET),
            ("grant_type", "client_credentials"),
            ("scope", GRAPH_SCOPE),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "Bearer");
    assert!(
        body["expires_in"].is_number(),
        "v2 expires_in must be a number"
    );
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["aud"], "https://graph.microsoft.com");
    assert_eq!(c["appid"], SECRET_APP);
    assert_eq!(c["tid"], TENANT);
    assert_eq!(c["appidacr"], "1");
    assert_eq!(c["xms_emu_cred"], "secret");
    assert!(
        c["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "ProfilePhoto.ReadWrite.All")
    );
    assert!(c["exp"].as_u64().unwrap() > now());
}

#[tokio::test]
async fn basic_auth_and_tenant_domain_are_accepted() {
    let emu = start();
    let resp = client()
        .post(format!(
            "{}/contoso.test/oauth2/v2.0/token",
            emu.login_url()
        ))
        .basic_auth(SECRET_APP, Some(SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", GRAPH_SCOPE)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn secret_rejections_use_documented_codes() {
    let emu = start();
    let base = |extra: &[(&'static str, &'static str)]| {
        let mut f = vec![("grant_type", "client_credentials"), ("scope", GRAPH_SCOPE)];
        f.extend_from_slice(extra);
        f
    };
    // (form, expected status, expected `error`, expected AADSTS code)
    type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str, u64);
    let cases: Vec<Case> = vec![
        (
            base(&[("client_id", SECRET_APP), ("client_secret", "wrong")]),
            401,
            "invalid_client",
            7000215,
        ),
        (
            base(&[
                ("client_id", "ffffffff-0000-0000-0000-000000000000"),
                ("client_secret", "x"),
            ]),
            400,
            "unauthorized_client",
            700016,
        ),
        (
            base(&[("client_id", SECRET_APP)]),
            400,
            "invalid_client",
            7000218,
        ),
        (
            base(&[("client_secret", SECRET)]),
            400,
            "invalid_request",
            900144,
        ),
        (
            vec![
                ("client_id", SECRET_APP),
                ("client_secret", SECRET),
                ("grant_type", "password"),
                ("scope", GRAPH_SCOPE),
            ],
            400,
            "unsupported_grant_type",
            70003,
        ),
        (
            vec![
                ("client_id", SECRET_APP),
                ("client_secret", SECRET),
                ("grant_type", "client_credentials"),
                ("scope", "User.Read"),
            ],
            400,
            "invalid_scope",
            1002012,
        ),
        (
            vec![
                ("client_id", SECRET_APP),
                ("client_secret", SECRET),
                ("grant_type", "client_credentials"),
                (
                    "scope",
                    "https://graph.microsoft.com/.default https://contoso.sharepoint.com/.default",
                ),
            ],
            400,
            "invalid_scope",
            700022,
        ),
        (
            vec![
                ("client_id", SECRET_APP),
                ("client_secret", SECRET),
                ("grant_type", "client_credentials"),
                ("scope", "https://vault.azure.net/.default"),
            ],
            400,
            "invalid_resource",
            500011,
        ),
    ];
    for (form, status, error, code) in cases {
        let (s, body) = token_request(&emu, &form).await;
        assert_eq!(
            (s, body["error"].as_str().unwrap()),
            (status, error),
            "case {form:?}: {body}"
        );
        assert_eq!(code_of(&body), code, "case {form:?}");
        let desc = body["error_description"].as_str().unwrap();
        assert!(desc.starts_with(&format!("AADSTS{code}")), "{desc}");
        assert!(desc.contains("Trace ID:") && body["correlation_id"].is_string());
    }
    let (s, body) = token_request(&emu, &[("client_id", SECRET_APP)]).await;
    assert_eq!(s, 400, "{body}");
    let resp = client()
        .post(format!(
            "{}/nosuch.tenant/oauth2/v2.0/token",
            emu.login_url()
        ))
        .form(&[
            ("client_id", SECRET_APP),
            ("client_secret", SECRET),
            ("grant_type", "client_credentials"),
            ("scope", GRAPH_SCOPE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(code_of(&body), 90002);
}

async fn assertion_result(
    emu: &photosync_emulator::RunningEmulator,
    a: &Assertion,
) -> (u16, serde_json::Value) {
    let jwt = a.sign();
    token_request(
        emu,
        &[
            ("client_id", CERT_APP),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &jwt),
            ("grant_type", "client_credentials"),
            ("scope", GRAPH_SCOPE),
        ],
    )
    .await
}

#[tokio::test]
async fn certificate_assertions_ps256_and_rs256_are_accepted() {
    let emu = start();
    let (s, body) = assertion_result(&emu, &Assertion::valid(&emu)).await;
    assert_eq!(s, 200, "{body}");
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["appidacr"], "2");
    assert_eq!(c["xms_emu_cred"], "certificate");
    let mut rs = Assertion::valid(&emu);
    rs.alg = "RS256";
    rs.sha256_thumbprint = false;
    rs.aud = format!("https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token");
    let (s, body) = assertion_result(&emu, &rs).await;
    assert_eq!(s, 200, "{body}");
}

/// Some tenants identified the certificate by `x5t` only (AADSTS700027 for an `x5t#S256`
/// assertion, entra-docs PR #1301); the switch models them, and RS256 + `x5t` still works.
#[tokio::test]
async fn x5t_s256_can_be_refused_as_some_tenants_did() {
    let emu = start();
    emu.admin().set_faults(photosync_emulator::Faults {
        reject_x5t_s256: true,
        ..photosync_emulator::Faults::default()
    });
    let (s, body) = assertion_result(&emu, &Assertion::valid(&emu)).await;
    assert_eq!((s, code_of(&body)), (401, 700027), "{body}");
    let mut rs = Assertion::valid(&emu);
    rs.alg = "RS256";
    rs.sha256_thumbprint = false;
    let (s, body) = assertion_result(&emu, &rs).await;
    assert_eq!(s, 200, "{body}");
}

/// Regression (issue 21): MSAL.NET, under Azure.Identity's ClientCertificateCredential, writes
/// `nbf` and `exp` as JSON strings (`JsonWebToken.cs`) and signs PS256 with `x5t#S256`; the
/// emulator answered AADSTS50027 "The payload is not valid JSON" where Entra issues a token.
#[tokio::test]
async fn msal_net_assertions_with_string_dates_are_accepted() {
    let emu = start();
    let mut msal_net = Assertion::valid(&emu);
    msal_net.string_dates = true;
    assert_eq!((msal_net.alg, msal_net.sha256_thumbprint), ("PS256", true));
    let (s, body) = assertion_result(&emu, &msal_net).await;
    assert_eq!(s, 200, "{body}");
    // Still checked: an expired string date is expired, a non-number is malformed.
    let n = now();
    msal_net.nbf = n - 7200;
    msal_net.exp = n - 3600;
    let (s, body) = assertion_result(&emu, &msal_net).await;
    assert_eq!((s, code_of(&body)), (400, 700024), "{body}");
}

#[tokio::test]
async fn certificate_assertion_rejections() {
    let emu = start();
    let n = now();
    let mut cases: Vec<(&str, Assertion, u64)> = Vec::new();
    let mut a = Assertion::valid(&emu);
    a.key = Some(aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap());
    cases.push(("signed with another key", a, 700027));
    let mut a = Assertion::valid(&emu);
    a.thumbprint_of = b"some other certificate".to_vec();
    cases.push(("unregistered thumbprint", a, 700027));
    let mut a = Assertion::valid(&emu);
    a.aud = "https://example.test/token".into();
    cases.push(("wrong audience", a, 700023));
    let mut a = Assertion::valid(&emu);
    a.iss = SECRET_APP.into();
    cases.push(("iss is another app", a, 700021));
    let mut a = Assertion::valid(&emu);
    a.sub = "someone".into();
    cases.push(("sub mismatch", a, 700021));
    let mut a = Assertion::valid(&emu);
    a.nbf = n - 7200;
    a.exp = n - 3600;
    cases.push(("expired", a, 700024));
    let mut a = Assertion::valid(&emu);
    a.nbf = n + 3600;
    a.exp = n + 4000;
    cases.push(("not yet valid", a, 700024));
    for (name, a, code) in cases {
        let (s, body) = assertion_result(&emu, &a).await;
        assert!(s == 400 || s == 401, "{name}: status {s} {body}");
        assert_eq!(body["error"], "invalid_client", "{name}: {body}");
        assert_eq!(code_of(&body), code, "{name}: {body}");
    }
    // A malformed assertion and a wrong assertion type.
    let (s, body) = token_request(
        &emu,
        &[
            ("client_id", CERT_APP),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", "not.a.jwt"),
            ("grant_type", "client_credentials"),
            ("scope", GRAPH_SCOPE),
        ],
    )
    .await;
    assert_eq!((s, code_of(&body)), (400, 50027), "{body}");
}

#[tokio::test]
async fn openid_configuration_points_at_the_emulator() {
    let emu = start();
    let body: serde_json::Value = client()
        .get(format!(
            "{}/{TENANT}/v2.0/.well-known/openid-configuration",
            emu.login_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["token_endpoint"], token_url(&emu));
    assert!(body["issuer"].as_str().unwrap().contains(TENANT));
    assert!(body["authorization_endpoint"].is_string());
}

#[tokio::test]
async fn managed_identity_endpoint_requires_identity_header() {
    let emu = start();
    let url = emu.managed_identity_endpoint();
    let ok = client()
        .get(&url)
        .query(&[
            ("resource", "https://graph.microsoft.com/"),
            ("api-version", "2019-08-01"),
        ])
        .header("X-IDENTITY-HEADER", emu.managed_identity_header())
        .header("Metadata", "True")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.unwrap();
    assert!(body["expires_on"].is_string());
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["appid"], MI_APP);
    assert_eq!(c["xms_emu_cred"], "managedIdentity");
    // POST with form data works too.
    let post = client()
        .post(&url)
        .header("X-IDENTITY-HEADER", emu.managed_identity_header())
        .form(&[("resource", "https://graph.microsoft.com/")])
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 200);
    let bad = client()
        .get(&url)
        .query(&[("resource", "https://graph.microsoft.com/")])
        .header("X-IDENTITY-HEADER", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let no_resource = client()
        .get(&url)
        .header("X-IDENTITY-HEADER", emu.managed_identity_header())
        .send()
        .await
        .unwrap();
    assert_eq!(no_resource.status(), 400);
}

#[tokio::test]
async fn imds_requires_lowercase_metadata_true_and_returns_strings() {
    let emu = start();
    let q = [
        ("api-version", "2018-02-01"),
        ("resource", "https://graph.microsoft.com/"),
    ];
    let ok = client()
        .get(emu.imds_url())
        .query(&q)
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.unwrap();
    assert!(
        body["expires_in"].is_string()
            && body["expires_on"].is_string()
            && body["not_before"].is_string()
    );
    let missing = client().get(emu.imds_url()).query(&q).send().await.unwrap();
    assert_eq!(missing.status(), 400);
    let body: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(body["error"], "bad_request_102");
    let wrong_case = client()
        .get(emu.imds_url())
        .query(&q)
        .header("Metadata", "True")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_case.status(), 400);
}

// Regression (issue 22): the token lived 1 s and the test slept 2.1 s; on a loaded machine the
// first request arrived after the token had expired (401 where 200 was due). The emulator's
// clock is frozen and moved instead, so the token is good up to its `exp` and not after.
#[tokio::test]
async fn expired_token_gets_invalid_authentication_token() {
    let emu = start();
    let admin = emu.admin();
    admin.freeze_clock();
    let token = graph_token(&emu).await;
    let lifetime =
        claims(&token)["exp"].as_u64().unwrap() - claims(&token)["iat"].as_u64().unwrap();
    let url = format!("{}/v1.0/users/alice@contoso.test", emu.graph_url());
    let first = client().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(first.status(), 200);
    admin.advance_clock(Duration::from_secs(lifetime - 1));
    let last_second = client().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(last_second.status(), 200, "still inside its lifetime");
    admin.advance_clock(Duration::from_secs(1));
    let later = client().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(later.status(), 401);
    let body: serde_json::Value = later.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    // Missing and forged tokens too.
    let none = client().get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let forged = format!("{}x", &token[..token.len() - 1]);
    let forged = client().get(&url).bearer_auth(forged).send().await.unwrap();
    assert_eq!(forged.status(), 401);
}

#[tokio::test]
async fn sharepoint_token_is_not_accepted_by_graph() {
    let emu = start();
    let sp = cert_token(&emu, &format!("{}/.default", emu.sharepoint_url())).await;
    let resp = client()
        .get(format!("{}/v1.0/users/alice@contoso.test", emu.graph_url()))
        .bearer_auth(sp)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

/// Azure Arc: 401 with `WWW-Authenticate: Basic realm=<key file>` (the file written into the
/// key folder), then a token for `Authorization: Basic <key>`; each key works once. Metadata,
/// api-version and system-assigned only are enforced (spec §12; msal-node `AzureArc.ts`).
#[tokio::test]
async fn azure_arc_challenges_with_a_key_file_then_issues_a_token() {
    let emu = start();
    let url = emu.arc_identity_endpoint();
    let q = [
        ("api-version", "2020-06-01"),
        ("resource", "https://graph.microsoft.com"),
    ];
    let challenge = client()
        .get(&url)
        .query(&q)
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(challenge.status(), 401);
    let realm = challenge.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .strip_prefix("Basic realm=")
        .expect("Basic realm challenge")
        .to_string();
    let path = std::path::PathBuf::from(&realm);
    assert_eq!(path.parent(), Some(emu.arc_key_dir().as_path()));
    assert!(realm.ends_with(".key"), "{realm}");
    let key = std::fs::read_to_string(&path).expect("key file written");
    assert_eq!(emu.admin().arc_keys_issued(), vec![key.clone()]);

    let ok = client()
        .get(&url)
        .query(&q)
        .header("Metadata", "true")
        .header("Authorization", format!("Basic {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.unwrap();
    assert!(body["expires_in"].is_string() && body["expires_on"].is_string());
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["appid"], MI_APP);
    assert_eq!(c["aud"], "https://graph.microsoft.com");
    assert_eq!(c["xms_emu_cred"], "managedIdentity");

    // A key is good once; a made-up one never.
    for used in [key.as_str(), "made-up"] {
        let again = client()
            .get(&url)
            .query(&q)
            .header("Metadata", "true")
            .header("Authorization", format!("Basic {used}"))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 401, "{used}");
        assert!(again.headers().get("www-authenticate").is_none());
    }
    // No Metadata header, an unknown api-version, or a user-assigned identity: 400.
    let status = |req: reqwest::RequestBuilder| async move { req.send().await.unwrap().status() };
    assert_eq!(status(client().get(&url).query(&q)).await, 400);
    assert_eq!(
        status(
            client()
                .get(&url)
                .query(&[
                    ("api-version", "2018-02-01"),
                    ("resource", "https://graph.microsoft.com")
                ])
                .header("Metadata", "true")
        )
        .await,
        400
    );
    assert_eq!(
        status(
            client()
                .get(&url)
                .query(&q)
                .query(&[("client_id", MI_APP)])
                .header("Metadata", "true")
        )
        .await,
        400
    );
}

/// The App Service 2017-09-01 API (`MSI_ENDPOINT`): header `secret`, `clientid`, and
/// `expires_on` as `MM/DD/YYYY hh:mm:ss AM +00:00` (or epoch seconds when switched).
#[tokio::test]
async fn msi_endpoint_checks_its_secret_and_dates_its_expiry() {
    let emu = start();
    let url = emu.msi_endpoint();
    let q = [
        ("api-version", "2017-09-01"),
        ("resource", "https://graph.microsoft.com"),
    ];
    let ok = client()
        .get(&url)
        .query(&q)
        .query(&[("clientid", MI_APP)])
        .header("secret", emu.msi_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.unwrap();
    let expires_on = body["expires_on"].as_str().unwrap();
    let parts: Vec<&str> = expires_on.split_whitespace().collect();
    assert_eq!(parts.len(), 4, "{expires_on}");
    assert!(parts[0].split('/').count() == 3 && ["AM", "PM"].contains(&parts[2]));
    assert_eq!(parts[3], "+00:00");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["appid"],
        MI_APP
    );

    let wrong = client()
        .get(&url)
        .query(&q)
        .header("secret", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let old_version = client()
        .get(&url)
        .query(&[
            ("api-version", "2019-08-01"),
            ("resource", "https://graph.microsoft.com"),
        ])
        .header("secret", emu.msi_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(old_version.status(), 400);

    let admin = emu.admin();
    admin.set_faults(photosync_emulator::Faults {
        msi_expires_on_epoch: true,
        ..admin.faults()
    });
    let epoch: serde_json::Value = client()
        .get(&url)
        .query(&q)
        .header("secret", emu.msi_secret())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let on: u64 = epoch["expires_on"].as_str().unwrap().parse().unwrap();
    assert!(on > now());
}

/// Scripted IMDS answers (set in-process or over `PUT /_emulator/imds-script`) come one per
/// request before tokens are served again.
#[tokio::test]
async fn imds_answers_scripted_statuses_before_success() {
    let emu = start_with(Options {
        imds_script: vec![410],
        ..Options::default()
    });
    let get = || {
        client()
            .get(emu.imds_url())
            .query(&[
                ("api-version", "2018-02-01"),
                ("resource", "https://graph.microsoft.com"),
            ])
            .header("Metadata", "true")
            .send()
    };
    assert_eq!(get().await.unwrap().status(), 410);
    assert_eq!(get().await.unwrap().status(), 200);
    let set = client()
        .put(format!("{}/_emulator/imds-script", emu.base_url()))
        .json(&[429, 500, 404])
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(get().await.unwrap().status().as_u16());
    }
    assert_eq!(seen, vec![429, 500, 404, 200]);
}
