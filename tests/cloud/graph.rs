//! Status and sync against Graph in the emulator: bulk sync through throttling, server errors,
//! dropped connections and token expiry; idempotent re-runs; dry-run; identity traps; users
//! missing in the cloud; policy-blocked writes.

use std::time::Duration;

use photosync_emulator::{Faults, PhotoUpdateSettings, SeedUser, ThrottleLimits};

use super::support::*;

const USERS: usize = 300;

fn input_for(users: impl Iterator<Item = usize>, person: impl Fn(usize) -> u64) -> String {
    users
        .map(|i| {
            record(
                Some(&upn(i)),
                Some(&guid_of(i)),
                Some(&jpeg(person(i), 240)),
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn bulk_sync_survives_faults_writes_each_user_once_and_reruns_write_nothing() {
    // A third of the users already hold their picture, a third hold an old one, a third none.
    let seed = tenant_with_users(USERS, |i| match i % 3 {
        0 => Some(1000 + i as u64),
        1 => Some(5000 + i as u64),
        _ => None,
    });
    let faults = Faults {
        error_503_rate: 0.04,
        error_504_rate: 0.02,
        drop_connection_rate: 0.03,
        retry_after_secs: 1,
        rng_seed: 7,
        // Which request draws which fault depends on how the workers interleave; bounded, no
        // request meets more faults in a row than the client's four failed attempts absorb,
        // so every order must end with every user written (unbounded, the odds of some read
        // meeting four failures in a row are about one run in a hundred).
        max_faults_in_a_row: 2,
        throttle: ThrottleLimits {
            resource_units: Some(60),
            resource_unit_window_ms: 1_000,
            ..ThrottleLimits::default()
        },
        ..Faults::default()
    };
    let emu = start(seed, faults);
    // Tokens expire every few seconds, so the run must refresh them mid-flight. Not fewer than
    // 8: the client refreshes a fifth of the lifetime early, and on a loaded machine a request
    // can take longer than 4 s's 0.8 s between taking its token and the emulator reading it.
    emu.admin().set_token_lifetime(Duration::from_secs(8));
    let creds = secret_creds_graph_only(&emu);
    let input = input_for(0..USERS, |i| 1000 + i as u64);

    let run = creds
        .photosync()
        .args([
            "-v",
            "sync",
            "--source",
            "input",
            "--targets",
            "graph",
            "--concurrency",
            "32",
            "--format",
            "json",
            // A write answered 5xx is watched for this long before it is sent again (it may
            // have landed); this emulator shows writes at once, so a short window will do.
            "--verify-window",
            "5",
        ])
        .stdin(&input)
        .run();
    assert_eq!(
        run.code,
        0,
        "sync failed:\n{}\n{}",
        run.stdout,
        run.stderr
            .lines()
            .rev()
            .take(30)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let summary = run.summary();
    assert_eq!(summary["users"], USERS as u64, "{summary}");
    assert_eq!(
        summary["counts"]["updated"],
        (USERS - USERS / 3) as u64,
        "{summary}"
    );
    assert_eq!(
        summary["counts"]["skipped"],
        (USERS / 3) as u64,
        "{summary}"
    );

    let counters = emu.admin().counters();
    assert!(
        counters.throttled_429 > 0,
        "no 429 was injected: {counters:?}"
    );
    assert!(
        counters.injected_5xx > 0,
        "no 5xx was injected: {counters:?}"
    );
    assert!(
        counters.dropped_connections > 0,
        "no connection was dropped: {counters:?}"
    );
    assert!(
        counters.tokens_issued > 1,
        "the token was never refreshed: {counters:?}"
    );
    for i in 0..USERS {
        let expected = jpeg(1000 + i as u64, 240);
        assert!(
            holds_picture(&emu, &upn(i), &expected),
            "user {i} does not hold its picture"
        );
        let writes = counters
            .writes_per_user
            .get(&graph_id_of(&emu, i))
            .copied()
            .unwrap_or(0);
        let want = if i % 3 == 0 { 0 } else { 1 };
        assert_eq!(writes, want, "user {i} written {writes} times");
    }

    // Re-running (faults off) finds everyone in sync and writes nothing.
    emu.admin().set_faults(Faults::default());
    emu.admin().reset_counters();
    let again = sync_from_input(&creds, "graph", &["--concurrency", "32"], &input);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        again.summary()["counts"]["skipped"],
        USERS as u64,
        "{}",
        again.summary()
    );
    assert!(emu.admin().counters().writes_per_user.is_empty());

    // A dry run with new pictures plans every user and writes nothing.
    let changed = input_for(0..50, |i| 9000 + i as u64);
    let dry = sync_from_input(&creds, "graph", &["--dry-run"], &changed);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert_eq!(
        dry.summary()["counts"]["would-update"],
        50,
        "{}",
        dry.summary()
    );
    assert!(emu.admin().counters().writes_per_user.is_empty());
    assert!(holds_picture(&emu, &upn(0), &jpeg(1000, 240)));
}

#[test]
fn guest_dollar_and_apostrophe_upns_and_guid_matching_work() {
    let guest = "ann_fabrikam.com#EXT#@contoso.test";
    let dollar = "$svc-photo@contoso.test";
    let apostrophe = "o'neil@contoso.test";
    let seed = apps(photosync_emulator::Seed::new())
        .user(SeedUser::new(guest).guest(true))
        .user(SeedUser::new(dollar))
        .user(SeedUser::new(apostrophe).photo_bytes(&jpeg(3, 200)))
        // Renamed in the cloud: only the objectGUID still matches.
        .user(SeedUser::new("renamed@contoso.test").immutable_id(&immutable_id_of(42)));
    let emu = start(seed, Faults::default());
    let creds = secret_creds_graph_only(&emu);
    let input = [
        record(Some(guest), None, Some(&jpeg(1, 200))),
        record(Some(dollar), None, Some(&jpeg(2, 200))),
        record(Some(apostrophe), None, Some(&jpeg(3, 200))),
        record(
            Some("old-name@contoso.test"),
            Some(&guid_of(42)),
            Some(&jpeg(4, 200)),
        ),
        record(Some("ghost@contoso.test"), None, Some(&jpeg(5, 200))),
    ]
    .join("\n");

    let status = status_json(&creds, "graph", &input);
    let by_upn = |upn: &str| {
        status
            .of_type("status")
            .into_iter()
            .find(|r| r["user"]["userPrincipalName"] == upn)
            .unwrap_or_else(|| panic!("no status for {upn}:\n{}", status.stdout))
    };
    assert_eq!(store_entry(&by_upn(guest), "graph")["state"], "absent");
    assert_eq!(by_upn(guest)["verdict"], "missing-in-cloud");
    assert_eq!(
        by_upn(apostrophe)["verdict"],
        "in-sync",
        "{}",
        by_upn(apostrophe)
    );
    let moved = by_upn("old-name@contoso.test");
    assert_eq!(
        store_entry(&moved, "graph")["details"]["matchedBy"],
        "objectGuid",
        "{moved}"
    );
    let ghost = by_upn("ghost@contoso.test");
    assert_eq!(store_entry(&ghost, "graph")["state"], "absent");
    assert!(has_finding(&ghost, "user-not-found"), "{ghost}");

    let sync = sync_from_input(&creds, "graph", &[], &input);
    assert_eq!(
        sync.code, 1,
        "the ghost fails, the rest succeed:\n{}\n{}",
        sync.stdout, sync.stderr
    );
    assert!(holds_picture(&emu, guest, &jpeg(1, 200)));
    assert!(holds_picture(&emu, dollar, &jpeg(2, 200)));
    assert!(holds_picture(&emu, apostrophe, &jpeg(3, 200)));
    assert!(holds_picture(&emu, "renamed@contoso.test", &jpeg(4, 200)));
    let results = sync.of_type("result");
    let ghost = results
        .iter()
        .find(|r| r["user"]["userPrincipalName"] == "ghost@contoso.test")
        .expect("ghost result");
    assert_eq!(ghost["action"], "failed");
    assert_eq!(ghost["error"]["code"], "user-not-found", "{ghost}");
    let apostrophe_result = results
        .iter()
        .find(|r| r["user"]["userPrincipalName"] == apostrophe)
        .expect("result");
    assert_eq!(
        apostrophe_result["action"], "skipped",
        "{apostrophe_result}"
    );
}

#[test]
fn policy_blocked_writes_are_explained() {
    let seed = tenant_with_users(2, |_| None).photo_update_settings(PhotoUpdateSettings {
        source: Some("onPremises".into()),
        allowed_roles: Vec::new(),
    });
    let emu = start(seed, Faults::default());
    let creds = secret_creds_graph_only(&emu);
    let input = input_for(0..2, |i| i as u64);

    let status = status_json(&creds, "graph", &input);
    let first = &status.of_type("status")[0];
    assert!(has_finding(first, "cloud-writes-blocked"), "{first}");

    let sync = sync_from_input(&creds, "graph", &[], &input);
    assert_eq!(sync.code, 3, "{}\n{}", sync.stdout, sync.stderr);
    for r in sync.of_type("result") {
        assert_eq!(r["action"], "failed", "{r}");
        assert_eq!(r["error"]["code"], "blocked-by-policy", "{r}");
        assert!(error_hint(&r).contains("AD"), "{r}");
    }
    assert!(emu.admin().counters().writes_per_user.is_empty());
}

#[test]
fn mailbox_less_users_and_missing_permissions_are_explained() {
    use photosync_emulator::{Mailbox, MailboxMode};
    let seed = tenant_with_users(1, |_| None)
        .user(SeedUser::new("nomailbox@contoso.test").mailbox(Mailbox::None))
        .user(SeedUser::new("onprem@contoso.test").mailbox(Mailbox::OnPremises));
    let emu = start(
        seed,
        Faults {
            mailbox_mode: MailboxMode::Legacy,
            ..Faults::default()
        },
    );
    let creds = secret_creds_graph_only(&emu);
    let input = [
        record(Some("nomailbox@contoso.test"), None, Some(&jpeg(1, 200))),
        record(Some("onprem@contoso.test"), None, Some(&jpeg(2, 200))),
    ]
    .join("\n");
    let status = status_json(&creds, "graph", &input);
    let no_mailbox = status
        .of_type("status")
        .into_iter()
        .find(|r| r["user"]["userPrincipalName"] == "nomailbox@contoso.test")
        .expect("status");
    assert!(has_finding(&no_mailbox, "no-cloud-mailbox"), "{no_mailbox}");
    let sync = sync_from_input(&creds, "graph", &[], &input);
    let results = sync.of_type("result");
    assert_eq!(results.len(), 2, "{}", sync.stdout);
    for r in &results {
        assert_eq!(r["error"]["code"], "no-mailbox", "{r}");
    }

    // An app without a write role: the write is refused with the role to grant.
    let mut readonly = secret_creds_graph_only(&emu);
    for (k, v) in readonly.env.iter_mut() {
        match k.as_str() {
            "PHOTOSYNC_CLIENT_ID" => *v = READONLY_APP.into(),
            "PHOTOSYNC_CLIENT_SECRET" => *v = READONLY_SECRET.into(),
            _ => {}
        }
    }
    let denied = sync_from_input(
        &readonly,
        "graph",
        &[],
        &record(Some(&upn(0)), None, Some(&jpeg(3, 200))),
    );
    assert_eq!(denied.code, 3, "{}\n{}", denied.stdout, denied.stderr);
    let r = &denied.of_type("result")[0];
    assert_eq!(r["error"]["code"], "permission-denied", "{r}");
    assert!(error_hint(r).contains("ProfilePhoto"), "{r}");
}

// Regression: the Graph state key took its tenant from PHOTOSYNC_TENANT_ID, which a managed
// identity (or a ready token) does not need, so entries were keyed `graph||<url>` and a run
// against another tenant on the same URL skipped every user as "unchanged since verified".
// The tenant now comes from the token's `tid` claim.
/// `sync --state` of one user to Graph with `creds` minus PHOTOSYNC_TENANT_ID: the run and
/// the state file's text.
fn sync_with_state_and_no_tenant_id(mut creds: Creds) -> (Run, String) {
    creds.env.retain(|(k, _)| k != "PHOTOSYNC_TENANT_ID");
    let dir = tempfile::tempdir().expect("tempdir");
    let state = temp_path(&dir, "state.jsonl");
    let input = record(Some(&upn(0)), Some(&guid_of(0)), Some(&jpeg(1, 200)));
    let state_arg = state.to_str().expect("utf-8 path");
    let run = sync_from_input(&creds, "graph", &["--state", state_arg], &input);
    let text = std::fs::read_to_string(&state).unwrap_or_default();
    (run, text)
}

#[test]
fn graph_state_entries_are_keyed_by_the_tenant_of_the_token() {
    let emu = start(tenant_with_users(1, |_| None), Faults::default());
    let (run, text) = sync_with_state_and_no_tenant_id(imds_creds(&emu));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let entry: serde_json::Value =
        serde_json::from_str(text.lines().next().expect("one entry")).expect("json");
    assert_eq!(
        entry["target"],
        photosync::store::graph::target_key(&emu.tenant_id(), &emu.graph_url()),
        "{text}"
    );
}

/// A target whose tenant cannot be told (a ready token for Graph that names no tenant, no
/// tenant id) cannot key its state entries apart from another tenant's: `--state` refuses it
/// before any user. (An opaque token is refused earlier still: it shows no audience.)
#[test]
fn state_refuses_a_graph_target_whose_tenant_is_unknown() {
    let emu = start(tenant_with_users(1, |_| None), Faults::default());
    // Graph's app id as audience, so the token passes the audience check; it has no `tid`.
    let token = jwt_for("00000003-0000-0000-c000-000000000000");
    let (run, text) = sync_with_state_and_no_tenant_id(token_creds(&emu, &token));
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(text.is_empty(), "no state entry: {text}");
    let errors = run.of_type("error");
    assert_eq!(errors.len(), 1, "{}", run.stdout);
    assert!(
        errors[0]["hint"]
            .as_str()
            .is_some_and(|h| h.contains("PHOTOSYNC_TENANT_ID")),
        "{}",
        run.stdout
    );
    assert!(run.of_type("result").is_empty());
    assert!(
        emu.admin().photo_of(&upn(0)).is_none(),
        "nothing was written"
    );
}
