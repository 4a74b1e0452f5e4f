//! The legacy SharePoint profile store: refused early for a secret credential, read and
//! written with a certificate.

use photosync_emulator::Faults;

use super::support::*;

#[test]
fn a_client_secret_for_sharepoint_fails_early_with_a_hint() {
    let emu = start(tenant_with_users(1, |_| None), Faults::default());
    let creds = secret_creds(&emu);
    let run = status_json(
        &creds,
        "graph,sharepoint",
        &record(Some(&upn(0)), None, None),
    );
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    let err = run.of_type("error").pop().expect("error record");
    assert_eq!(err["code"], "credential-not-supported", "{err}");
    assert!(
        err["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("certificate"),
        "{err}"
    );
    assert!(
        run.of_type("status").is_empty(),
        "no user should be processed"
    );
    run.assert_never_shows(SECRET);
    // auth test says the same for the SharePoint token, and still gets the Graph one.
    let doc = creds.photosync().args(["auth", "test"]).run().document();
    assert_eq!(doc["tokens"][0]["obtained"], true, "{doc}");
    assert_eq!(
        doc["tokens"][1]["error"]["code"], "credential-not-supported",
        "{doc}"
    );
}

#[test]
fn certificate_reads_placeholders_and_writes_the_legacy_renditions() {
    let apostrophe = "o'neil@contoso.test";
    let seed = tenant_with_users(2, |i| Some(100 + i as u64))
        .user(photosync_emulator::SeedUser::new(apostrophe));
    // A tenant that still allows app-only profile writes (most deny them).
    let emu = start(
        seed,
        Faults {
            sharepoint_app_only_profile_writes: true,
            ..Faults::default()
        },
    );
    let creds = pem_creds(&emu, "ps256");
    let input = [
        record(Some(&upn(0)), None, Some(&jpeg(100, 240))),
        record(Some(&upn(1)), None, Some(&jpeg(101, 240))),
        record(Some(apostrophe), None, Some(&jpeg(7, 240))),
    ]
    .join("\n");

    let before = status_json(&creds, "graph,sharepoint", &input);
    assert_eq!(
        before.of_type("status").len(),
        3,
        "{}\n{}",
        before.stdout,
        before.stderr
    );
    for status in before.of_type("status") {
        assert_eq!(
            store_entry(&status, "sharepoint")["state"],
            "absent",
            "{status}"
        );
        assert!(has_finding(&status, "sharepoint-placeholder"), "{status}");
        // The hint leads with Graph, and never offers the SharePoint target as if any tenant
        // allowed app-only profile writes (most deny them: docs/diagnosis.md).
        let finding = status["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["code"] == "sharepoint-placeholder")
            .expect("placeholder finding");
        let hint = finding["hint"].as_str().expect("hint");
        assert!(hint.contains("--targets graph"), "{hint}");
        assert!(
            hint.contains("only where the tenant allows app-only"),
            "{hint}"
        );
    }

    let sync = sync_from_input(&creds, "sharepoint", &[], &input);
    assert_eq!(sync.code, 0, "{}\n{}", sync.stdout, sync.stderr);
    assert_eq!(sync.summary()["counts"]["updated"], 3, "{}", sync.summary());
    let admin = emu.admin();
    for upn in [upn(0), apostrophe.to_string()] {
        let url = admin
            .sharepoint_property(&upn, "PictureURL")
            .expect("PictureURL set");
        assert!(url.ends_with("_MThumb.jpg"), "{url}");
        assert_eq!(
            admin
                .sharepoint_property(&upn, "SPS-PicturePlaceholderState")
                .as_deref(),
            Some("0")
        );
    }
    for size in ["S", "M", "L"] {
        assert!(
            admin
                .sharepoint_file(&format!("user0_contoso_test_{size}Thumb.jpg"))
                .is_some(),
            "{size} missing"
        );
    }
    assert!(
        admin
            .sharepoint_file("o'neil_contoso_test_MThumb.jpg")
            .is_some()
    );

    let after = status_json(&creds, "graph,sharepoint", &input);
    for status in after.of_type("status") {
        let sp = store_entry(&status, "sharepoint");
        assert_eq!(sp["state"], "present", "{status}");
        assert_eq!(sp["matchesReference"], true, "{status}");
    }
    // A new HR photo: SharePoint's copy is now stale, and says so.
    let newer = record(Some(&upn(0)), None, Some(&jpeg(555, 240)));
    let stale = status_json(&creds, "graph,sharepoint", &newer);
    let status = &stale.of_type("status")[0];
    assert!(has_finding(status, "sharepoint-stale"), "{status}");
    // sharepoint is written only as an explicit target: a graph sync leaves it alone.
    admin.reset_counters();
    let graph_only = sync_from_input(&creds, "graph", &[], &input);
    assert_eq!(graph_only.code, 0, "{}", graph_only.stderr);
    assert!(
        graph_only
            .of_type("result")
            .iter()
            .all(|r| r["target"] == "graph")
    );
}

/// SharePoint checks the audience per host (spec §12, onedrive-api-docs#314): the emulator
/// refuses the admin site's token on the My Site host, as SharePoint does. photosync mints one
/// token per host and sends each only to its own: PeopleManager on the admin site, uploads and
/// picture reads on the My Site host, a PictureURL on the root site with the root's token. No
/// SharePoint request is answered 401.
#[test]
fn each_sharepoint_host_gets_a_token_minted_for_it() {
    let emu = start(
        tenant_with_users(2, |_| None),
        Faults {
            sharepoint_app_only_profile_writes: true,
            ..Faults::default()
        },
    );
    let creds = pem_creds(&emu, "rs256");
    let sync = creds
        .photosync()
        .args([
            "-vv",
            "sync",
            "--source",
            "input",
            "--targets",
            "sharepoint",
            "--format",
            "json",
        ])
        .stdin(record(Some(&upn(0)), None, Some(&jpeg(100, 240))))
        .run();
    assert_eq!(sync.code, 0, "{}\n{}", sync.stdout, sync.stderr);
    assert_eq!(sync.summary()["counts"]["updated"], 1, "{}", sync.summary());
    sync.assert_never_shows(JWT_PREFIX);
    let admin = emu.admin();
    // user1's PictureURL points at the root site (no picture library there).
    admin.set_sharepoint_property(
        &upn(1),
        "PictureURL",
        &format!(
            "{}/User%20Photos/Profile%20Pictures/user1_contoso_test_MThumb.jpg",
            emu.sharepoint_root_url()
        ),
    );
    admin.set_sharepoint_property(&upn(1), "SPS-PicturePlaceholderState", "0");
    let input = [
        record(Some(&upn(0)), None, None),
        record(Some(&upn(1)), None, None),
    ]
    .join("\n");
    let status = creds
        .photosync()
        .args(["status", "--stores", "sharepoint", "--format", "json"])
        .stdin(&input)
        .run();
    let records = status.of_type("status");
    assert_eq!(records.len(), 2, "{}\n{}", status.stdout, status.stderr);
    let of = |u: String| {
        records
            .iter()
            .find(|r| r["user"]["userPrincipalName"] == u.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("no status for {u}"))
    };
    assert_eq!(store_entry(&of(upn(0)), "sharepoint")["state"], "present");
    let on_root = of(upn(1));
    assert_eq!(
        store_entry(&on_root, "sharepoint")["state"],
        "absent",
        "{on_root}"
    );
    assert!(
        on_root["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["code"] != "sharepoint-foreign-picture-url"),
        "the root site is the tenant's own: {on_root}"
    );

    let log = admin.request_log();
    let sharepoint: Vec<_> = log
        .iter()
        .filter(|e| e.route.starts_with("sharepoint."))
        .collect();
    let refused: Vec<_> = sharepoint.iter().filter(|e| e.status == 401).collect();
    assert!(
        refused.is_empty(),
        "a token went to the wrong host: {refused:#?}"
    );
    let count = |origin: &str, route: &str| {
        sharepoint
            .iter()
            .filter(|e| e.origin == origin && e.route == route)
            .count()
    };
    let (admin_site, my_site, root) = (
        emu.sharepoint_url(),
        emu.sharepoint_my_site_url(),
        emu.sharepoint_root_url(),
    );
    assert!(count(&admin_site, "sharepoint.getpropertiesfor") >= 3);
    assert_eq!(
        count(&admin_site, "sharepoint.setsinglevalueprofileproperty"),
        2
    );
    assert_eq!(count(&my_site, "sharepoint.files.add"), 3);
    assert!(count(&my_site, "sharepoint.file.direct") >= 1);
    assert_eq!(count(&root, "sharepoint.file.direct"), 1);
    assert_eq!(count(&admin_site, "sharepoint.files.add"), 0);

    // auth test shows the admin site's and the My Site host's tokens, each with its audience.
    let doc = creds.photosync().args(["auth", "test"]).run().document();
    let tokens = doc["tokens"].as_array().expect("tokens");
    let sharepoint_audiences: Vec<&str> = tokens
        .iter()
        .filter(|t| t["resource"] == "sharepoint")
        .map(|t| t["audience"][0].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        sharepoint_audiences,
        vec![admin_site.as_str(), my_site.as_str()],
        "{doc}"
    );
}

// Regression (issue 18): `ann.lee@` and `ann_lee@` mapped to one picture file, so syncing one
// replaced the other's face. Each profile now points at a file of its own, holding its own
// picture.
#[test]
fn two_users_whose_upns_fold_alike_keep_their_own_pictures() {
    let (dot, underscore) = ("ann.lee@contoso.test", "ann_lee@contoso.test");
    let seed = apps(photosync_emulator::Seed::new())
        .user(photosync_emulator::SeedUser::new(dot))
        .user(photosync_emulator::SeedUser::new(underscore));
    let emu = start(
        seed,
        Faults {
            sharepoint_app_only_profile_writes: true,
            ..Faults::default()
        },
    );
    let creds = pem_creds(&emu, "rs256");
    let input = [
        record(Some(dot), None, Some(&jpeg(31, 240))),
        record(Some(underscore), None, Some(&jpeg(32, 240))),
    ]
    .join("\n");
    let sync = sync_from_input(&creds, "sharepoint", &["--concurrency", "1"], &input);
    assert_eq!(sync.code, 0, "{}\n{}", sync.stdout, sync.stderr);
    let admin = emu.admin();
    let file_of = |upn: &str| {
        let url = admin
            .sharepoint_property(upn, "PictureURL")
            .unwrap_or_else(|| panic!("{upn} has no PictureURL"));
        let name = url.rsplit('/').next().unwrap_or_default();
        let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
        admin
            .sharepoint_file(&name)
            .unwrap_or_else(|| panic!("{name} is missing"))
    };
    let limits = photosync::photo::DecodeLimits::default();
    for (upn, person) in [(dot, 31), (underscore, 32)] {
        let stored = photosync::photo::inspect(&file_of(upn), &limits).expect("stored picture");
        let own = photosync::photo::inspect(&jpeg(person, 240), &limits).expect("own picture");
        assert!(
            photosync::photo::same_picture(&stored, &own).is_some_and(|(same, _)| same),
            "{upn} shows another picture"
        );
    }
}
