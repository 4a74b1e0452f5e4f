//! `photosync policy show|set` (issue 21 §4) against the emulator's beta
//! `admin/people/photoUpdateSettings`: what the tenant's photo policy says and means, changing
//! it (PATCH), resetting it (DELETE), a dry run that changes nothing, and the refusal of an app
//! without PeopleSettings.ReadWrite.All.

use photosync_emulator::{Faults, PhotoUpdateSettings, SeedApp};
use serde_json::Value;

use super::support::*;

/// An app that may change the policy.
const ADMIN_APP: &str = "dddddddd-0000-0000-0000-00000000000d";
const ADMIN_SECRET: &str = "people-admin-secret";
const PEOPLE_ADMINISTRATOR: &str = "024906de-61e5-49c8-8572-40335f1e0e10";

fn tenant(policy: PhotoUpdateSettings) -> photosync_emulator::RunningEmulator {
    let seed = tenant_with_users(1, |_| None)
        .app(
            SeedApp::with_secret(ADMIN_APP, ADMIN_SECRET)
                .graph_roles(&["PeopleSettings.ReadWrite.All"]),
        )
        .photo_update_settings(policy);
    start(seed, Faults::default())
}

fn admin_creds(emu: &photosync_emulator::RunningEmulator) -> Creds {
    let mut creds = secret_creds_graph_only(emu);
    for (key, value) in creds.env.iter_mut() {
        match key.as_str() {
            "PHOTOSYNC_CLIENT_ID" => *value = ADMIN_APP.into(),
            "PHOTOSYNC_CLIENT_SECRET" => *value = ADMIN_SECRET.into(),
            _ => {}
        }
    }
    creds
}

/// The one `policy` record of a run that succeeded.
fn policy_record(run: &Run) -> Value {
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let mut records = run.records();
    assert_eq!(records.len(), 1, "{}", run.stdout);
    let record = records.remove(0);
    assert_eq!(record["type"], "policy", "{record}");
    record
}

fn policy_calls(emu: &photosync_emulator::RunningEmulator, method: &str) -> usize {
    emu.admin()
        .request_log()
        .iter()
        .filter(|e| e.route == "graph.photoUpdateSettings" && e.method == method)
        .count()
}

#[test]
fn policy_show_says_what_the_tenants_photo_policy_means() {
    // The default tenant: no source, no roles.
    let emu = tenant(PhotoUpdateSettings::default());
    let shown = policy_record(
        &secret_creds_graph_only(&emu)
            .photosync()
            .args(["policy", "show"])
            .run(),
    );
    assert_eq!(shown["action"], "shown");
    assert_eq!(shown["source"], "unset");
    assert_eq!(shown["usersCanChangeOwnPhoto"], true);
    assert_eq!(shown["cloudPhotoChanges"], true);
    let effect = shown["effect"].as_str().unwrap_or_default();
    assert!(effect.contains("both AD"), "{effect}");
    // allowedRoles replaced Outlook on the web's own switch.
    let hint = shown["hint"].as_str().unwrap_or_default();
    assert!(hint.contains("SetPhotoEnabled"), "{hint}");

    let emu = tenant(PhotoUpdateSettings {
        source: Some("cloud".into()),
        allowed_roles: vec![PEOPLE_ADMINISTRATOR.into()],
    });
    let shown = policy_record(
        &secret_creds_graph_only(&emu)
            .photosync()
            .args(["policy", "show"])
            .run(),
    );
    assert_eq!(shown["source"], "cloud");
    assert_eq!(shown["allowedRoles"][0], PEOPLE_ADMINISTRATOR);
    assert_eq!(shown["usersCanChangeOwnPhoto"], false);
    let effect = shown["effect"].as_str().unwrap_or_default();
    assert!(
        effect.contains("only People Administrator") && effect.contains("cannot change their own"),
        "{effect}"
    );
    assert_eq!(
        policy_calls(&emu, "PATCH") + policy_calls(&emu, "DELETE"),
        0
    );
}

#[test]
fn policy_set_changes_resets_and_dry_runs_the_tenants_photo_policy() {
    let emu = tenant(PhotoUpdateSettings::default());
    let creds = admin_creds(&emu);

    // A dry run says what would change and sends no change.
    let planned = policy_record(
        &creds
            .photosync()
            .args(["policy", "set", "--source", "onPremises", "--dry-run"])
            .run(),
    );
    assert_eq!(planned["action"], "would-update");
    assert_eq!(planned["source"], "onPremises");
    assert_eq!(planned["previous"]["source"], "unset");
    assert_eq!(policy_calls(&emu, "PATCH"), 0);
    assert_eq!(
        emu.admin().photo_update_settings(),
        PhotoUpdateSettings::default()
    );

    // A change is sent, read back and shown with what it replaced.
    let changed = policy_record(
        &creds
            .photosync()
            .args([
                "policy",
                "set",
                "--source",
                "cloud",
                "--allowed-roles",
                "People Administrator",
            ])
            .run(),
    );
    assert_eq!(changed["action"], "updated");
    assert_eq!(changed["source"], "cloud");
    assert_eq!(changed["usersCanChangeOwnPhoto"], false);
    assert_eq!(changed["previous"]["usersCanChangeOwnPhoto"], true);
    assert!(
        changed["hint"]
            .as_str()
            .is_some_and(|h| h.contains("24 hours"))
    );
    assert_eq!(
        emu.admin().photo_update_settings(),
        PhotoUpdateSettings {
            source: Some("cloud".into()),
            allowed_roles: vec![PEOPLE_ADMINISTRATOR.into()],
        }
    );

    // Asking for what is already there sends nothing.
    let same = policy_record(
        &creds
            .photosync()
            .args(["policy", "set", "--source", "cloud"])
            .run(),
    );
    assert_eq!(same["action"], "unchanged");
    assert_eq!(policy_calls(&emu, "PATCH"), 1);

    // `unset` is Graph's DELETE: back to the default, roles included.
    let reset = policy_record(
        &creds
            .photosync()
            .args(["policy", "set", "--source", "unset"])
            .run(),
    );
    assert_eq!(reset["action"], "reset");
    assert_eq!(reset["source"], "unset");
    assert_eq!(reset["previous"]["source"], "cloud");
    assert_eq!(policy_calls(&emu, "DELETE"), 1);
    assert_eq!(
        emu.admin().photo_update_settings(),
        PhotoUpdateSettings::default()
    );
}

#[test]
fn policy_set_without_people_settings_write_is_refused_with_the_permission_to_grant() {
    let emu = tenant(PhotoUpdateSettings::default());
    // The usual photo app reads the policy but may not change it.
    let run = secret_creds_graph_only(&emu)
        .photosync()
        .args(["policy", "set", "--source", "onPremises"])
        .run();
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let error = run.of_type("error").pop().expect("an error record");
    assert_eq!(error["code"], "permission-denied", "{error}");
    let hint = error["hint"].as_str().unwrap_or_default();
    assert!(
        hint.contains("PeopleSettings.ReadWrite.All") && hint.contains("People Administrator"),
        "{hint}"
    );
    assert_eq!(
        emu.admin().photo_update_settings(),
        PhotoUpdateSettings::default()
    );
    run.assert_never_shows(SECRET);

    // A usage error names what is missing, before any call.
    let run = admin_creds(&emu).photosync().args(["policy", "set"]).run();
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    let run = admin_creds(&emu)
        .photosync()
        .args(["policy", "set", "--allowed-roles", "helpdesk"])
        .run();
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("people-administrator"),
        "{}",
        run.stdout
    );
    // Only the refused attempt above reached Graph.
    assert_eq!(policy_calls(&emu, "PATCH"), 1);
}
