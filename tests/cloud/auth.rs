//! Every credential kind gets real tokens from the emulator, tokens and secrets never show up
//! in output or logs, and misconfiguration is explained.

use photosync_emulator::{CredentialKind, Faults};

use super::support::*;

fn two_users() -> photosync_emulator::Seed {
    tenant_with_users(2, |i| (i == 0).then_some(7))
}

/// `auth test` at -vv and a status run with `creds`: both succeed and show nothing secret (nor
/// any token). Returns both runs (auth test first) for further checks.
fn check_credential(
    creds: &Creds,
    kind: &str,
    secrets: &[&str],
    with_sharepoint: bool,
) -> Vec<Run> {
    let run = creds.photosync().args(["-vv", "auth", "test"]).run();
    assert_eq!(
        run.code, 0,
        "auth test failed:\n{}\n{}",
        run.stdout, run.stderr
    );
    let doc = run.document();
    assert_eq!(doc["credential"]["kind"], kind, "{doc}");
    let graph = &doc["tokens"][0];
    assert_eq!(graph["resource"], "graph");
    assert_eq!(graph["obtained"], true, "{doc}");
    let roles: Vec<&str> = graph["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert!(roles.contains(&"ProfilePhoto.ReadWrite.All"), "{roles:?}");
    let sync = doc["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .find(|c| c["command"] == "sync --targets graph")
        .expect("sync row")
        .clone();
    assert_eq!(sync["verdict"], "ok", "{doc}");
    if with_sharepoint {
        let sp = &doc["tokens"][1];
        assert_eq!(sp["resource"], "sharepoint");
        assert_eq!(sp["obtained"], true, "{doc}");
    }
    for s in secrets {
        run.assert_never_shows(s);
    }
    run.assert_never_shows(JWT_PREFIX);
    let input = format!(
        "{}\n{}\n",
        record(Some(&upn(0)), None, None),
        record(Some(&upn(1)), None, None)
    );
    let status = creds
        .photosync()
        .args(["-vv", "status", "--stores", "graph", "--format", "json"])
        .stdin(&input)
        .run();
    assert_eq!(
        status.code, 0,
        "status failed:\n{}\n{}",
        status.stdout, status.stderr
    );
    let records = status.of_type("status");
    assert_eq!(records.len(), 2);
    let with_photo = records
        .iter()
        .find(|r| r["user"]["userPrincipalName"] == upn(0))
        .expect("user0");
    assert_eq!(
        store_entry(with_photo, "graph")["state"],
        "present",
        "{with_photo}"
    );
    for s in secrets {
        status.assert_never_shows(s);
    }
    status.assert_never_shows(JWT_PREFIX);
    vec![run, status]
}

#[test]
fn client_secret_gets_a_graph_token_and_never_shows() {
    let emu = start(two_users(), Faults::default());
    check_credential(&secret_creds_graph_only(&emu), "secret", &[SECRET], false);
}

#[test]
fn certificate_pem_signs_ps256_and_rs256_assertions() {
    let emu = start(two_users(), Faults::default());
    let key_body = test_key_pem();
    let key_line = key_body.lines().nth(1).expect("key body line").to_string();
    check_credential(&pem_creds(&emu, "ps256"), "certificate", &[&key_line], true);
    check_credential(&pem_creds(&emu, "rs256"), "certificate", &[&key_line], true);
}

// Regression: the first certificate of a PEM was taken as the app's, so a file holding its
// issuer first named the issuer's thumbprint and the token endpoint refused every assertion.
#[test]
fn a_pem_holding_its_issuer_first_signs_with_the_keys_own_certificate() {
    let emu = start(two_users(), Faults::default());
    let creds = pem_creds(&emu, "rs256");
    let (_, path) = creds
        .env
        .iter()
        .find(|(name, _)| name == "PHOTOSYNC_CERTIFICATE_PATH")
        .expect("certificate path");
    let issuer = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/emulator/seed/test-only-ca-cert.pem"),
    )
    .expect("test-only issuer certificate");
    let pem = format!("{issuer}{}\n{}", test_cert_pem(), test_key_pem());
    std::fs::write(path, pem).expect("rewrite pem");
    let key_body = test_key_pem();
    let key_line = key_body.lines().nth(1).expect("key body line").to_string();
    let runs = check_credential(&creds, "certificate", &[&key_line], true);
    let doc = runs[0].document();
    assert_eq!(
        doc["credential"]["thumbprint"], "14047DB38DBF43DB32C5C1CEE4DD0E8CCEA09717",
        "{doc}"
    );
}

#[test]
fn certificate_pfx_with_password_works() {
    let emu = start(two_users(), Faults::default());
    let password = "pfx-Pa55word!";
    check_credential(&pfx_creds(&emu, password), "certificate", &[password], true);
}

#[test]
fn managed_identity_from_automation_and_imds() {
    let emu = start(two_users(), Faults::default());
    let header = emu.managed_identity_header();
    check_credential(
        &automation_mi_creds(&emu),
        "managed-identity",
        &[&header],
        true,
    );
    check_credential(&imds_creds(&emu), "managed-identity", &[], true);
}

#[test]
fn ready_token_is_used_and_never_shown() {
    let emu = start(two_users(), Faults::default());
    let token = emu
        .admin()
        .issue_token(
            SECRET_APP,
            "https://graph.microsoft.com",
            CredentialKind::Secret,
        )
        .expect("token");
    check_credential(&token_creds(&emu, &token), "token", &[&token], false);
}

#[test]
fn wrong_secret_is_an_auth_failure_with_a_hint_and_no_echo() {
    let emu = start(two_users(), Faults::default());
    let mut creds = secret_creds_graph_only(&emu);
    let wrong = "wrong-secret-value-123";
    for (k, v) in creds.env.iter_mut() {
        if k == "PHOTOSYNC_CLIENT_SECRET" {
            *v = wrong.into();
        }
    }
    let run = creds.photosync().args(["-vv", "auth", "test"]).run();
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let doc = run.document();
    let err = &doc["tokens"][0]["error"];
    assert_eq!(err["code"], "auth-failed", "{doc}");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("AADSTS7000215"),
        "{doc}"
    );
    assert!(
        err["hint"].as_str().unwrap_or_default().contains("Value"),
        "{doc}"
    );
    run.assert_never_shows(wrong);
    // status stops before any user with the same explanation, exit 3.
    let status = creds
        .photosync()
        .args(["status", "--stores", "graph", "--format", "json"])
        .stdin(record(Some(&upn(0)), None, None))
        .run();
    assert_eq!(status.code, 3, "{}\n{}", status.stdout, status.stderr);
    status.assert_never_shows(wrong);
}

#[test]
fn missing_roles_are_reported_per_command() {
    let emu = start(two_users(), Faults::default());
    let mut creds = secret_creds_graph_only(&emu);
    for (k, v) in creds.env.iter_mut() {
        match k.as_str() {
            "PHOTOSYNC_CLIENT_ID" => *v = READONLY_APP.into(),
            "PHOTOSYNC_CLIENT_SECRET" => *v = READONLY_SECRET.into(),
            _ => {}
        }
    }
    let run = creds.photosync().args(["auth", "test"]).run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let doc = run.document();
    let verdict = |cmd: &str| {
        doc["commands"]
            .as_array()
            .expect("commands")
            .iter()
            .find(|c| c["command"] == cmd)
            .map(|c| c["verdict"].clone())
    };
    assert_eq!(verdict("status --stores graph"), Some("ok".into()), "{doc}");
    assert_eq!(
        verdict("sync --targets graph"),
        Some("missing-roles".into()),
        "{doc}"
    );
}

// Regression: `auth test` said status could run for an app holding only User.ReadBasic.All,
// which cannot read the anchors matching needs; the real status then failed, exit 3.
#[test]
fn an_app_with_only_user_read_basic_cannot_find_users() {
    const BASIC_APP: &str = "babababa-0000-0000-0000-0000000000ba";
    const BASIC_SECRET: &str = "basic-app-secret-value";
    let seed = two_users().app(
        photosync_emulator::SeedApp::with_secret(BASIC_APP, BASIC_SECRET)
            .graph_roles(&["User.ReadBasic.All", "ProfilePhoto.Read.All"]),
    );
    let emu = start(seed, Faults::default());
    let mut creds = secret_creds_graph_only(&emu);
    for (k, v) in creds.env.iter_mut() {
        match k.as_str() {
            "PHOTOSYNC_CLIENT_ID" => *v = BASIC_APP.into(),
            "PHOTOSYNC_CLIENT_SECRET" => *v = BASIC_SECRET.into(),
            _ => {}
        }
    }
    let run = creds.photosync().args(["auth", "test"]).run();
    let doc = run.document();
    let status = doc["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .find(|c| c["command"] == "status --stores graph")
        .cloned()
        .expect("status row");
    assert_eq!(status["verdict"], "missing-roles", "{doc}");
    let real = creds
        .photosync()
        .args(["status", "--stores", "graph", "--format", "json"])
        .stdin(record(Some(&upn(0)), None, None))
        .run();
    assert_eq!(real.code, 3, "what auth test foretold: {}", real.stderr);
}

#[test]
fn no_credential_is_a_configuration_error() {
    let emu = start(two_users(), Faults::default());
    let mut creds = secret_creds_graph_only(&emu);
    creds.env.retain(|(k, _)| k != "PHOTOSYNC_CLIENT_SECRET");
    let run = creds.photosync().args(["auth", "test"]).run();
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
}

/// A Hybrid Runbook Worker on an Arc-enabled server: the endpoint answers 401 naming a key
/// file, photosync reads it (inside the allowed folder) and asks again with `Basic <key>`.
/// Neither the key nor a token shows up, even at -vv.
#[test]
fn managed_identity_on_an_arc_server_answers_the_key_file_challenge() {
    let emu = start(two_users(), Faults::default());
    let runs = check_credential(
        &arc_creds(&emu, &emu.arc_key_dir()),
        "managed-identity",
        &[],
        true,
    );
    assert_eq!(runs[0].document()["credential"]["source"], "azure-arc");
    let keys = emu.admin().arc_keys_issued();
    assert!(keys.len() >= 2, "one challenge per token: {keys:?}");
    for run in &runs {
        for key in &keys {
            run.assert_never_shows(key);
        }
    }
    // The test-only key folder is announced, never silent.
    assert!(
        runs[0].stderr.contains("PHOTOSYNC_TEST_ONLY_ARC_KEY_DIR"),
        "{}",
        runs[0].stderr
    );
}

/// msal-node's rule: a key file outside the agent's folder is never read (a rogue local
/// endpoint could otherwise make photosync send it any file). The refusal names the path and
/// the second request is never made.
#[test]
fn an_arc_key_file_outside_the_allowed_folder_is_refused() {
    let emu = start(two_users(), Faults::default());
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let creds = arc_creds(&emu, elsewhere.path());
    let run = creds.photosync().args(["-vv", "auth", "test"]).run();
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let err = &run.document()["tokens"][0]["error"];
    assert_eq!(err["code"], "auth-failed", "{err}");
    let message = err["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("refused to read the key file") && message.contains(".key"),
        "{err}"
    );
    let arc_calls: Vec<u16> = emu
        .admin()
        .request_log()
        .iter()
        .filter(|e| e.route == "identity.azure_arc")
        .map(|e| e.status)
        .collect();
    assert!(
        !arc_calls.is_empty() && arc_calls.iter().all(|s| *s == 401),
        "{arc_calls:?}"
    );
    for key in emu.admin().arc_keys_issued() {
        run.assert_never_shows(&key);
    }
    // Without the test-only switch the agent's own folder is the only one allowed.
    let mut production = arc_creds(&emu, elsewhere.path());
    production
        .env
        .retain(|(k, _)| k != "PHOTOSYNC_TEST_ONLY_ARC_KEY_DIR");
    let run = production.photosync().args(["auth", "test"]).run();
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.document()["tokens"][0]["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not directly inside"),
        "{}",
        run.stdout
    );
}

/// Older Automation hybrid jobs: `MSI_ENDPOINT` + `MSI_SECRET` (header `secret`). The 2017 API
/// sends `expires_on` as a date; some hosts send epoch seconds: both give the real lifetime.
#[test]
fn managed_identity_from_msi_endpoint_reads_date_and_epoch_expiry() {
    for epoch in [false, true] {
        let emu = start(
            two_users(),
            Faults {
                msi_expires_on_epoch: epoch,
                ..Faults::default()
            },
        );
        let secret = emu.msi_secret();
        let runs = check_credential(
            &legacy_msi_creds(&emu),
            "managed-identity",
            &[&secret],
            true,
        );
        let doc = runs[0].document();
        assert_eq!(doc["credential"]["source"], "msi-endpoint");
        let left = doc["tokens"][0]["expiresInSeconds"].as_u64().unwrap_or(0);
        assert!(left > 3000, "epoch={epoch}: expires_on misread: {doc}");
    }
}

/// IMDS answers 404/410 while it is being updated and 429/5xx under load: photosync waits
/// and asks again (a bounded number of times) instead of failing the run.
#[test]
fn imds_is_retried_through_updates_and_throttling() {
    let emu = start(two_users(), Faults::default());
    emu.admin().script_imds(&[410, 404, 429, 500, 503, 410]);
    let mut creds = fast_imds_creds(&emu);
    creds.env.retain(|(k, _)| k != "PHOTOSYNC_SHAREPOINT_URL");
    let run = creds.photosync().args(["-vv", "auth", "test"]).run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.document()["tokens"][0]["obtained"], true);
    let statuses: Vec<u16> = emu
        .admin()
        .request_log()
        .iter()
        .filter(|e| e.route == "identity.imds")
        .map(|e| e.status)
        .collect();
    assert_eq!(statuses, vec![410, 404, 429, 500, 503, 410, 200]);
    run.assert_never_shows(JWT_PREFIX);
}

/// The retries are bounded (410: 35 units, MSAL's 70 s; others: four), and what is left is a
/// transient failure (exit 4) naming the endpoint. Any other status is final at once.
#[test]
fn imds_retries_end_and_other_statuses_are_final() {
    let emu = start(two_users(), Faults::default());
    emu.admin().script_imds(&[410; 20]);
    let mut creds = fast_imds_creds(&emu);
    creds.env.retain(|(k, _)| k != "PHOTOSYNC_SHAREPOINT_URL");
    let input = record(Some(&upn(0)), None, None);
    let run = creds
        .photosync()
        .args(["status", "--stores", "graph", "--format", "json"])
        .stdin(&input)
        .run();
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    let imds_calls = |emu: &photosync_emulator::RunningEmulator| {
        emu.admin()
            .request_log()
            .iter()
            .filter(|e| e.route == "identity.imds")
            .count()
    };
    assert_eq!(imds_calls(&emu), 8, "one try and seven 410 retries");
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(
        text.contains("/metadata/identity/oauth2/token") && text.contains("410"),
        "{text}"
    );

    let emu = start(two_users(), Faults::default());
    emu.admin().script_imds(&[400]);
    let run = creds_for(&emu).photosync().args(["auth", "test"]).run();
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let message = run.document()["tokens"][0]["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains("IMDS") && message.contains(&emu.base_url()),
        "{message}"
    );
    assert_eq!(imds_calls(&emu), 1);
}

fn creds_for(emu: &photosync_emulator::RunningEmulator) -> Creds {
    let mut creds = fast_imds_creds(emu);
    creds.env.retain(|(k, _)| k != "PHOTOSYNC_SHAREPOINT_URL");
    creds
}

const STATUS_OF_USERS: &[&str] = &[
    "status",
    "--stores",
    "graph",
    "--format",
    "json",
    "--concurrency",
    "2",
];

fn user_lines(users: std::ops::Range<usize>) -> String {
    users
        .map(|i| record(Some(&upn(i)), None, None) + "\n")
        .collect()
}

/// The run stopped early, with exit 3 and one error record about no user, before the summary.
fn assert_stopped_for_the_credential(run: &Run, why: &str) {
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let records = run.records();
    let users = run.of_type("status").len();
    assert!(
        users < 10,
        "{users} of 40 users were still read after the credential died:\n{}",
        run.stdout
    );
    let errors: Vec<_> = run
        .of_type("error")
        .into_iter()
        .filter(|e| e["user"].is_null() && e["line"].is_null())
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stdout);
    assert_eq!(errors[0]["code"], "auth-failed", "{}", errors[0]);
    let message = errors[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(why), "{message}");
    assert!(
        message.contains("no further users"),
        "{message}\n{}",
        run.stdout
    );
    assert!(
        errors[0]["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("managed identity"),
        "{}",
        errors[0]
    );
    assert_eq!(
        records[records.len() - 2],
        errors[0],
        "the error comes just before the summary"
    );
    assert_eq!(run.summary()["exitCode"], 3);
}

// Regression (issue 20): a ready token that expired mid-run failed every remaining user one by
// one (17 of 22 in a 4-second test) and the run went on. Nothing can renew a ready token, so the
// run now stops taking users, lets those in flight finish, and exits 3 saying why.
#[test]
fn an_expired_ready_token_stops_the_run_with_exit_3_instead_of_failing_every_user() {
    let emu = start(tenant_with_users(40, |_| None), Faults::default());
    emu.admin()
        .set_token_lifetime(std::time::Duration::from_secs(2));
    let token = emu
        .admin()
        .issue_token(
            SECRET_APP,
            "https://graph.microsoft.com",
            CredentialKind::Secret,
        )
        .expect("token");
    let expires = std::time::SystemTime::now() + std::time::Duration::from_secs(3);
    // Two users while the token is good, the rest once it has expired (waited for, not timed).
    let run = token_creds(&emu, &token)
        .photosync()
        .args(STATUS_OF_USERS)
        .stdin(user_lines(0..2))
        .run_fed_in_two_parts(
            move || {
                while std::time::SystemTime::now() < expires {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
            },
            user_lines(2..40),
        );
    assert_stopped_for_the_credential(&run, "expired at");
    run.assert_never_shows(&token);
}

// Regression (issue 20): a ready token the service refuses (401) is refused for every later
// user too; the run stops instead of failing them one by one.
#[test]
fn a_refused_ready_token_stops_the_run_with_exit_3() {
    let emu = start(tenant_with_users(40, |_| None), Faults::default());
    // Well-formed and unexpired, but not signed by the tenant.
    let token =
        "eyJhbGciOiJub25lIn0.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.bm90LXNpZ25lZA";
    let run = token_creds(&emu, token)
        .photosync()
        .args(STATUS_OF_USERS)
        .stdin(user_lines(0..40))
        .run();
    assert_stopped_for_the_credential(&run, "refused the ready access token");
}
