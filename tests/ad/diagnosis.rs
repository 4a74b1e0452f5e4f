//! Diagnoses that need AD and the cloud side by side: the Samba DC as AD, the project's
//! emulator as the tenant, the real binary between them (docs/diagnosis.md).

use std::process::{Command, Output};

use photosync_emulator::{Emulator, Options, PhotoUpdateSettings, Seed, SeedApp, SeedUser};
use serde_json::Value;

use crate::support::{self, SAMBA_ADMIN, SAMBA_ADMIN_PASSWORD};

const APP: &str = "aaaaaaaa-0000-0000-0000-0000000000d1";
const SECRET: &str = "diagnosis-test-secret";

/// `status --stores ad,graph` for photo.user (a 96 px AD thumbnail), with Graph holding
/// another picture under the given photo policy.
fn status_of_photo_user(policy: Option<&str>) -> Value {
    status_under(policy, &[])
}

/// The same, with the policy's `allowedRoles` too.
fn status_under(policy: Option<&str>, allowed_roles: &[&str]) -> Value {
    let samba = support::samba();
    let seed = Seed::new()
        .app(SeedApp::with_secret(APP, SECRET).graph_roles(&[
            "User.Read.All",
            "ProfilePhoto.Read.All",
            "PeopleSettings.Read.All",
        ]))
        .user(SeedUser::new("photo.user@example.test").photo_bytes(&support::jpeg(400, 77, 90)))
        .photo_update_settings(PhotoUpdateSettings {
            source: policy.map(str::to_string),
            allowed_roles: allowed_roles.iter().map(|r| r.to_string()).collect(),
        });
    let emu = Emulator::start(seed, Options::default()).expect("emulator starts");
    let out: Output = Command::new(env!("CARGO_BIN_EXE_photosync"))
        .args([
            "status",
            "--ad-filter",
            "(sAMAccountName=photo.user)",
            "--stores",
            "ad,graph",
            "--format",
            "json",
            "--progress",
            "none",
        ])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PHOTOSYNC_LDAP_URL", samba.ldaps_url())
        .env("PHOTOSYNC_LDAP_BIND_DN", SAMBA_ADMIN)
        .env("PHOTOSYNC_LDAP_PASSWORD", SAMBA_ADMIN_PASSWORD)
        .env("PHOTOSYNC_LDAP_CA_FILE", &samba.certs.ca)
        .env("PHOTOSYNC_GRAPH_URL", emu.graph_url())
        .env("PHOTOSYNC_LOGIN_URL", emu.login_url())
        .env("PHOTOSYNC_TENANT_ID", emu.tenant_id())
        .env("PHOTOSYNC_CLIENT_ID", APP)
        .env("PHOTOSYNC_CLIENT_SECRET", SECRET)
        .output()
        .expect("run photosync");
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["type"] == "status")
        .unwrap_or_else(|| {
            panic!(
                "no status record:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
}

fn finding<'a>(status: &'a Value, code: &str) -> Option<&'a Value> {
    status["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["code"] == code))
}

#[test]
fn ad_change_under_cloud_policy_names_the_command_that_fixes_it() {
    let status = status_of_photo_user(Some("cloud"));
    assert_eq!(status["verdict"], "differs", "{status}");
    let overrides = finding(&status, "cloud-photo-overrides-ad").expect("finding");
    assert!(
        overrides["hint"]
            .as_str()
            .is_some_and(|h| h.contains("photosync sync --source ad --targets graph")),
        "{overrides}"
    );
    // AD's 96 px thumbnail is the only source Graph would get.
    let low = finding(&status, "low-resolution-source").expect("low-resolution finding");
    assert_eq!(low["store"], "ad");
    assert!(low["message"].as_str().is_some_and(|m| m.contains("96x96")));

    // With the policy at onPremises, AD does win: the explanation is the blocked cloud side.
    let status = status_of_photo_user(Some("onPremises"));
    assert!(
        finding(&status, "cloud-photo-overrides-ad").is_none(),
        "{status}"
    );
    assert!(
        finding(&status, "cloud-writes-blocked").is_some(),
        "{status}"
    );
}

/// Issue 21: the default policy is unset, and then both Entra Connect and Microsoft 365 write
/// the photo; AD ≠ Graph was explained only for `cloud` and `onPremises`.
#[test]
fn ad_change_under_an_unset_policy_explains_the_last_writer_race_and_the_fix() {
    let status = status_under(None, &[]);
    assert_eq!(status["verdict"], "differs", "{status}");
    let graph = status["stores"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["store"] == "graph"))
        .expect("graph entry");
    assert_eq!(graph["details"]["photoUpdateSource"], "unset", "{graph}");
    assert_eq!(graph["details"]["usersCanChangeOwnPhoto"], true, "{graph}");
    let race = finding(&status, "photo-policy-unset").expect("the race is explained");
    let message = race["message"].as_str().unwrap_or_default();
    assert!(message.contains("whichever wrote last wins"), "{message}");
    // Users may change their own photo here, and Outlook's old switch does not stop them.
    assert!(message.contains("SetPhotoEnabled no longer"), "{message}");
    let hint = race["hint"].as_str().unwrap_or_default();
    assert!(
        hint.contains("photosync policy set --source onPremises"),
        "{hint}"
    );
    assert!(
        hint.contains("photosync sync --source ad --targets graph"),
        "{hint}"
    );
    assert!(
        finding(&status, "cloud-photo-overrides-ad").is_none(),
        "{status}"
    );

    // Where only an admin role may change photos, users are not named as a cause.
    let status = status_under(None, &["024906de-61e5-49c8-8572-40335f1e0e10"]);
    let race = finding(&status, "photo-policy-unset").expect("the race is explained");
    assert!(
        !race["message"]
            .as_str()
            .unwrap_or_default()
            .contains("SetPhotoEnabled"),
        "{race}"
    );
}
