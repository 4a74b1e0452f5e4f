//! Every credential kind gets real tokens from the emulator, tokens and secrets never show up
//! in output or logs, and misconfiguration is explained.

use photosync_emulator::{CredentialKind, Faults};

use super::support::*;

fn two_users() -> photosync_emulator::Seed {
    tenant_with_users(2, |i| (i == 0).then_some(7))
}

/// `auth test` at -vv and a status run with `creds`: both succeed and show nothing secret.
fn check_credential(creds: &Creds, kind: &str, secrets: &[&str], with_sharepoint: bool) {
    let run = photosync(creds, &["-vv", "auth", "test"], "");
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
    let input = format!(
        "{}\n{}\n",
        record(Some(&upn(0)), None, None),
        record(Some(&upn(1)), None, None)
    );
    let status = photosync(
        creds,
        &["-vv", "status", "--stores", "graph", "--format", "json"],
        &input,
    );
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
    let run = photosync(&creds, &["-vv", "auth", "test"], "");
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
    let status = photosync(
        &creds,
        &["status", "--stores", "graph", "--format", "json"],
        &record(Some(&upn(0)), None, None),
    );
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
    let run = photosync(&creds, &["auth", "test"], "");
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

#[test]
fn no_credential_is_a_configuration_error() {
    let emu = start(two_users(), Faults::default());
    let mut creds = secret_creds_graph_only(&emu);
    creds.env.retain(|(k, _)| k != "PHOTOSYNC_CLIENT_SECRET");
    let run = photosync(&creds, &["auth", "test"], "");
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
}
