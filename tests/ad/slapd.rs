//! Against slapd: paging past the server's size limit, binary GUID lookups, transport rules.

use futures::StreamExt;
use ldap3::{LdapConnAsync, LdapConnSettings, Scope};
use photosync::error::ErrorClass;
use photosync::store::PhotoStore;
use photosync::store::ad::ObjectGuid;
use photosync_testkit::portrait;

use crate::support::{
    self, SLAPD_BRANCH_REFERRAL, SLAPD_READER_DN, SLAPD_READER_PASSWORD, SLAPD_SIZE_LIMIT,
    SLAPD_SUFFIX,
};
use crate::{connection, open};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paged_search_reads_more_users_than_the_server_limit() {
    let slapd = support::slapd();
    assert!(slapd.users > SLAPD_SIZE_LIMIT);
    let conn = slapd.reader_over_ldaps(connection);

    // The limit is real: an unpaged search as the same user is refused.
    let tls = photosync::store::ad::tls_config(Some(&slapd.certs.ca)).expect("tls");
    let settings = LdapConnSettings::new().set_config(std::sync::Arc::new(tls));
    let (c, mut raw) = LdapConnAsync::with_settings(settings, &slapd.ldaps_url())
        .await
        .expect("connect");
    ldap3::drive!(c);
    raw.simple_bind(SLAPD_READER_DN, SLAPD_READER_PASSWORD)
        .await
        .expect("bind")
        .success()
        .expect("bind ok");
    let unpaged = raw
        .search(
            SLAPD_SUFFIX,
            Scope::Subtree,
            "(objectClass=user)",
            vec!["uid"],
        )
        .await
        .expect("search");
    assert_eq!(
        unpaged.1.rc, 4,
        "slapd should refuse unpaged searches over its limit"
    );

    let store = open(&conn, Some(SLAPD_SUFFIX)).await.expect("open");
    let mut users = store
        .users(Some("(objectClass=user)"), true)
        .await
        .expect("filter ok");
    let (mut count, mut photos) = (0usize, 0usize);
    let mut seen = std::collections::HashSet::new();
    while let Some(user) = users.next().await {
        let user = user.expect("user");
        assert!(seen.insert(user.dn.clone()), "duplicate {}", user.dn);
        count += 1;
        photos += user.photo.is_some() as usize;
    }
    assert_eq!(count, slapd.users);
    assert_eq!(photos, slapd.users.div_ceil(3));
}

#[tokio::test]
async fn objectguid_lookup_escapes_binary_bytes_including_nul() {
    let slapd = support::slapd();
    let conn = slapd.reader_over_ldaps(connection);
    let store = open(&conn, Some(SLAPD_SUFFIX)).await.expect("open");
    // Index 0's GUID ends in eight NUL bytes; index 41 has bytes ≥ 0x80.
    for i in [0usize, 41, 999] {
        let guid = ObjectGuid::from_bytes(&support::slapd_guid(i)).expect("16 bytes");
        let record = photosync::schema::UserRecord {
            object_guid: Some(guid.to_string().to_uppercase()),
            ..Default::default()
        };
        let found = support::found(&store, &record).await;
        assert_eq!(
            found.key,
            format!("uid={},ou=people,{SLAPD_SUFFIX}", support::slapd_uid(i))
        );
        assert_eq!(found.details["matchedBy"], "objectGUID");
        assert_eq!(found.details["onPremisesImmutableId"], guid.immutable_id());
    }
}

#[tokio::test]
async fn starttls_is_used_for_ldap_urls_and_plaintext_is_refused() {
    let slapd = support::slapd();
    // slapd demands TLS for simple binds (`security simple_bind=128`): StartTLS satisfies it.
    let conn = connection(
        &slapd.ldap_url(),
        SLAPD_READER_DN,
        SLAPD_READER_PASSWORD,
        Some(&slapd.certs.ca),
    );
    let store = open(&conn, Some(SLAPD_SUFFIX))
        .await
        .expect("StartTLS bind");
    let record = photosync::schema::UserRecord {
        sam_account_name: Some("user00003".into()),
        ..Default::default()
    };
    let user = support::found(&store, &record).await;
    let read = store.read_photo(&user).await.expect("read");
    assert!(read.photo.is_some(), "user 3 has a photo");

    // Opting into plaintext sends the bind in clear; this server refuses it, clearly.
    let mut plain = connection(
        &slapd.ldap_url(),
        SLAPD_READER_DN,
        SLAPD_READER_PASSWORD,
        None,
    );
    plain.allow_plaintext = true;
    let err = open(&plain, Some(SLAPD_SUFFIX)).await.expect_err("refused");
    assert_eq!(err.class, ErrorClass::Auth);
    assert!(
        err.message.contains("encrypted connection"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn wrong_ca_fails_ldaps_and_starttls_with_a_clear_message() {
    let slapd = support::slapd();
    for url in [slapd.ldaps_url(), slapd.ldap_url()] {
        let conn = connection(
            &url,
            SLAPD_READER_DN,
            SLAPD_READER_PASSWORD,
            Some(&slapd.certs.wrong_ca),
        );
        let err = open(&conn, Some(SLAPD_SUFFIX))
            .await
            .expect_err("must fail");
        assert_eq!(err.class, ErrorClass::Config, "{url}: {}", err.message);
        assert!(
            err.message.contains("could not be verified"),
            "{url}: {}",
            err.message
        );
        assert!(
            err.hint
                .as_deref()
                .unwrap_or("")
                .contains("PHOTOSYNC_LDAP_CA_FILE")
        );
    }
}

#[tokio::test]
async fn a_ca_file_that_is_not_pem_is_a_config_error() {
    let dir = support::scratch_dir("bad-ca");
    let bad = dir.join("bad.pem");
    std::fs::write(&bad, "not a certificate").expect("write");
    let err = photosync::store::ad::tls_config(Some(&bad)).expect_err("rejected");
    assert_eq!(err.class, ErrorClass::Config);
    assert!(
        err.message.contains("no PEM certificate"),
        "{}",
        err.message
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_unreachable_directory_is_a_transient_error() {
    // Port 1 on loopback: nothing listens there.
    let conn = connection("ldaps://127.0.0.1:1", SLAPD_READER_DN, "x", None);
    let err = open(&conn, Some(SLAPD_SUFFIX))
        .await
        .expect_err("nothing listens");
    assert_eq!(err.class, ErrorClass::Transient);
    assert!(
        err.message.contains("cannot reach the directory"),
        "{}",
        err.message
    );
}

// A malformed objectGUID used to be skipped silently in favour of the UPN; now the record is
// refused loudly, since that UPN match could not be cross-checked (issue 9). The other case
// lives in `identity.rs`.
#[tokio::test]
async fn a_malformed_guid_alone_is_reported_as_such() {
    let slapd = support::slapd();
    let conn = slapd.reader_over_ldaps(connection);
    let store = open(&conn, Some(SLAPD_SUFFIX)).await.expect("open");
    let only_guid = photosync::schema::UserRecord {
        object_guid: Some("not-a-guid".into()),
        ..Default::default()
    };
    let err = store
        .resolve(&only_guid)
        .await
        .expect_err("bad guid reported");
    assert!(
        err.message
            .contains("`not-a-guid` is neither a GUID nor its base64 immutable id"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn jpeg_photo_is_used_when_asked_for() {
    use photosync::store::ad::{AdOptions, AdStore, PhotoAttribute};
    let slapd = support::slapd();
    let conn = connection(
        &slapd.ldaps_url(),
        support::SLAPD_ADMIN_DN,
        support::SLAPD_ADMIN_PASSWORD,
        Some(&slapd.certs.ca),
    );
    let options = AdOptions {
        base_dn: Some(SLAPD_SUFFIX.to_string()),
        photo_attribute: PhotoAttribute::JpegPhoto,
        ..AdOptions::default()
    };
    let jpeg_store = AdStore::connect(&conn, options).await.expect("open");
    // user 5 has no thumbnailPhoto (only every third user has one).
    let record = photosync::schema::UserRecord {
        sam_account_name: Some(support::slapd_uid(5)),
        ..Default::default()
    };
    let user = support::found(&jpeg_store, &record).await;
    assert!(
        jpeg_store
            .read_photo(&user)
            .await
            .expect("read")
            .photo
            .is_none()
    );
    let source = photosync::photo::load(
        &portrait::jpeg_at_quality(5, 300, 90),
        &photosync::photo::DecodeLimits::default(),
    )
    .expect("source");
    jpeg_store
        .write_photo(&user, &source)
        .await
        .expect("write jpegPhoto");
    let read = jpeg_store.read_photo(&user).await.expect("read");
    assert_eq!(read.details["photoAttribute"], "jpegPhoto");
    assert!(read.photo.is_some(), "jpegPhoto written and read back");

    // thumbnailPhoto was left alone.
    let thumb_store = open(&conn, Some(SLAPD_SUFFIX)).await.expect("open");
    let user = support::found(&thumb_store, &record).await;
    assert!(
        thumb_store
            .read_photo(&user)
            .await
            .expect("read")
            .photo
            .is_none()
    );
}

/// A TCP proxy in front of `target` (a port on loopback) that cuts every connection once the
/// server has sent `cut_after` bytes: a directory that goes away in the middle of a search.
fn cutting_proxy(target: u16, cut_after: usize) -> u16 {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").expect("proxy listens");
    let port = listener.local_addr().expect("proxy address").port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                continue;
            };
            let (mut client_in, mut server_out) = (
                client.try_clone().expect("clone"),
                server.try_clone().expect("clone"),
            );
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut client_in, &mut server_out);
            });
            std::thread::spawn(move || {
                let (mut server, mut client) = (server, client);
                let (mut sent, mut buf) = (0usize, [0u8; 4096]);
                while let Ok(n) = server.read(&mut buf) {
                    let n = n.min(cut_after - sent);
                    if n == 0 || client.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    sent += n;
                    if sent >= cut_after {
                        break;
                    }
                }
                let _ = client.shutdown(Shutdown::Both);
                let _ = server.shutdown(Shutdown::Both);
            });
        }
    });
    port
}

// Regression (issue 19, item 7): a `--ad-filter` search that failed part-way became an input
// error (exit 1) and the run ended on a partial user list without saying so. It is the
// failure's own class now (a lost connection: transient, exit 4), and says the list is partial.
#[test]
fn an_ad_filter_search_cut_off_mid_run_is_transient_and_says_the_list_is_partial() {
    let slapd = support::slapd();
    let proxy = cutting_proxy(slapd.tls_port, 40_000);
    let empty = support::scratch_dir("cut-search");
    let out = photosync_testkit::photosync!()
        .args([
            "status",
            "--ad-filter",
            "(objectClass=user)",
            "--format",
            "json",
        ])
        .args([
            "--stores".to_string(),
            format!("folder:{}", empty.display()),
        ])
        .clean_env()
        .env("PHOTOSYNC_LDAP_URL", format!("ldaps://127.0.0.1:{proxy}"))
        .env("PHOTOSYNC_LDAP_BIND_DN", SLAPD_READER_DN)
        .env("PHOTOSYNC_LDAP_PASSWORD", SLAPD_READER_PASSWORD)
        .env("PHOTOSYNC_LDAP_CA_FILE", &slapd.certs.ca)
        .env("PHOTOSYNC_LDAP_BASE_DN", SLAPD_SUFFIX)
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let records: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let statuses = records.iter().filter(|r| r["type"] == "status").count();
    assert!(
        (1..slapd.users).contains(&statuses),
        "{statuses} users before the cut\n{stderr}"
    );
    let partial: Vec<&serde_json::Value> = records
        .iter()
        .filter(|r| {
            r["type"] == "error" && r["message"].as_str().is_some_and(|m| m.contains("partial"))
        })
        .collect();
    assert_eq!(partial.len(), 1, "{records:#?}\n{stderr}");
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    let _ = std::fs::remove_dir_all(empty);
}

// Regression (issue 18, hostile review): continuation references (a part of the tree another
// server holds, as a child domain) were dropped without a word, so a run looked complete while
// the users there were never read. The run says which parts it did not read.
#[test]
fn a_search_referred_in_part_to_another_server_says_what_it_did_not_read() {
    let slapd = support::slapd();
    let empty = support::scratch_dir("referred-search");
    let out = photosync_testkit::photosync!()
        .args(["status", "--ad-filter", "(sn=7)", "--format", "json"])
        .args([
            "--stores".to_string(),
            format!("folder:{}", empty.display()),
        ])
        .clean_env()
        .env("PHOTOSYNC_LDAP_URL", slapd.ldaps_url())
        .env("PHOTOSYNC_LDAP_BIND_DN", SLAPD_READER_DN)
        .env("PHOTOSYNC_LDAP_PASSWORD", SLAPD_READER_PASSWORD)
        .env("PHOTOSYNC_LDAP_CA_FILE", &slapd.certs.ca)
        .env("PHOTOSYNC_LDAP_BASE_DN", SLAPD_SUFFIX)
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let statuses = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(r#""type":"status""#))
        .count();
    assert_eq!(statuses, 1, "{stderr}");
    assert!(
        stderr.contains(SLAPD_BRANCH_REFERRAL) && stderr.contains("users there were not read"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let _ = std::fs::remove_dir_all(empty);
}

// Regression (issue 19, item 13): the AD store decoded the thumbnailPhoto it read and rendered
// the one it wrote on the async worker, stalling the other users' directory calls on that
// thread meanwhile. Photo work runs on blocking threads.
#[tokio::test]
async fn the_ad_store_decodes_and_renders_off_the_async_workers() {
    let slapd = support::slapd();
    let conn = connection(
        &slapd.ldaps_url(),
        support::SLAPD_ADMIN_DN,
        support::SLAPD_ADMIN_PASSWORD,
        Some(&slapd.certs.ca),
    );
    let store = open(&conn, Some(SLAPD_SUFFIX)).await.expect("open");
    // User 999 has a thumbnailPhoto (every third user does); replacing it keeps the count the
    // paging test expects.
    let record = photosync::schema::UserRecord {
        sam_account_name: Some(support::slapd_uid(999)),
        ..Default::default()
    };
    let source = photosync::photo::load(
        &portrait::jpeg_at_quality(999, 300, 90),
        &photosync::photo::DecodeLimits::default(),
    )
    .expect("source");
    let ((), on_task) = photosync::photo::photo_work_on_task(async {
        let user = support::found(&store, &record).await;
        let read = store.read_photo(&user).await.expect("read");
        assert!(read.photo.is_some(), "user 999 has a photo");
        store.write_photo(&user, &source).await.expect("write");
    })
    .await;
    assert_eq!(on_task, 0);
}
