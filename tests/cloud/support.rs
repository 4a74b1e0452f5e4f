//! Shared helpers for the cloud end-to-end tests: a tenant in the project's emulator (started
//! by each test, never mocked), credentials for it, and running the real `photosync` binary
//! against it with a clean environment.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use photosync_emulator::{
    Emulator, Faults, LogEntry, Options, RunningEmulator, Seed, SeedApp, SeedUser,
};
use serde_json::Value;

pub use photosync_testkit::portrait::jpeg;
pub use photosync_testkit::run::{Photosync, Run};

pub const TENANT: &str = "11111111-2222-3333-4444-555555555555";
/// A client secret with characters that need form encoding; asserted never to leak.
pub const SECRET: &str = "Xq8~s3cr3t.V4lue_with+special&chars=";
pub const SECRET_APP: &str = "aaaaaaaa-0000-0000-0000-00000000000a";
pub const CERT_APP: &str = "cccccccc-0000-0000-0000-00000000000c";
pub const MI_APP: &str = "eeeeeeee-0000-0000-0000-00000000000e";
pub const READONLY_APP: &str = "bbbbbbbb-0000-0000-0000-00000000000b";
pub const READONLY_SECRET: &str = "read-only-secret-value";

pub const GRAPH_RW: &[&str] = &[
    "User.Read.All",
    "ProfilePhoto.ReadWrite.All",
    "PeopleSettings.Read.All",
];
pub const SP_RW: &[&str] = &["Sites.FullControl.All", "User.ReadWrite.All"];

/// The emulator's committed TEST-ONLY certificate and key (public test material).
pub fn test_cert_pem() -> String {
    std::fs::read_to_string(Seed::example_test_only_cert_path()).expect("emulator test cert")
}

pub fn test_key_pem() -> String {
    std::fs::read_to_string(Seed::example_test_only_key_path()).expect("emulator test key")
}

/// Apps for every credential kind, with roles for Graph and SharePoint.
pub fn apps(seed: Seed) -> Seed {
    seed.app(SeedApp::with_secret(SECRET_APP, SECRET).graph_roles(GRAPH_RW))
        .app(
            SeedApp::with_certificate(CERT_APP, &test_cert_pem())
                .graph_roles(GRAPH_RW)
                .share_point_roles(SP_RW),
        )
        .app(
            SeedApp::managed_identity(MI_APP)
                .graph_roles(GRAPH_RW)
                .share_point_roles(SP_RW),
        )
        .app(SeedApp::with_secret(READONLY_APP, READONLY_SECRET).graph_roles(&["User.Read.All"]))
}

/// A seed with `n` users `user{i}@contoso.test`; each given an objectGUID-derived
/// immutable id. `photo(i)` decides who already has which cloud photo.
pub fn tenant_with_users(n: usize, photo: impl Fn(usize) -> Option<u64>) -> Seed {
    let mut seed = apps(Seed::new());
    for i in 0..n {
        let mut u = SeedUser::new(&upn(i)).immutable_id(&immutable_id_of(i));
        if let Some(person) = photo(i) {
            u = u.photo_bytes(&jpeg(person, 300));
        }
        seed = seed.user(u);
    }
    seed
}

pub fn upn(i: usize) -> String {
    format!("user{i}@contoso.test")
}

/// The AD objectGUID of test user `i`.
pub fn guid_of(i: usize) -> String {
    format!("{:08x}-1234-4abc-8def-{:012x}", i + 1, i * 7919)
}

/// Entra Connect's immutable id for `guid_of(i)` (base64 of the GUID's little-endian bytes).
pub fn immutable_id_of(i: usize) -> String {
    use base64::Engine;
    let u = uuid::Uuid::parse_str(&guid_of(i)).expect("guid");
    base64::engine::general_purpose::STANDARD.encode(u.to_bytes_le())
}

pub fn start(seed: Seed, faults: Faults) -> RunningEmulator {
    Emulator::start(
        seed,
        Options {
            faults,
            ..Options::default()
        },
    )
    .expect("emulator starts")
}

/// The emulator's object id of test user `i`, lower-case, as its write counters key users.
pub fn graph_id_of(emu: &RunningEmulator, i: usize) -> String {
    emu.admin()
        .user(&upn(i))
        .expect("seeded user")
        .id
        .to_lowercase()
}

/// One input record as JSON Lines, with an inline photo when given.
pub fn record(upn: Option<&str>, guid: Option<&str>, photo: Option<&[u8]>) -> String {
    use base64::Engine;
    let mut v = serde_json::Map::new();
    if let Some(u) = upn {
        v.insert("userPrincipalName".into(), u.into());
    }
    if let Some(g) = guid {
        v.insert("objectGuid".into(), g.into());
    }
    if let Some(p) = photo {
        v.insert(
            "thumbnailPhoto".into(),
            base64::engine::general_purpose::STANDARD.encode(p).into(),
        );
    }
    Value::Object(v).to_string()
}

/// Settings for using the stores as a library against `emu`, with the client-secret app.
pub fn secret_settings(emu: &RunningEmulator) -> photosync::settings::Settings {
    photosync::settings::Settings {
        cloud: photosync::settings::CloudSettings {
            tenant_id: Some(emu.tenant_id()),
            client_id: Some(SECRET_APP.to_string()),
            client_secret: Some(photosync::settings::Secret::new(SECRET)),
            graph_url: emu.graph_url(),
            login_url: emu.login_url(),
            ..photosync::settings::CloudSettings::default()
        },
        ..photosync::settings::Settings::default()
    }
}

/// Credential environment for one kind, against `emu`.
pub struct Creds {
    pub env: Vec<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Creds {
    /// `photosync` with only these credentials in its environment.
    pub fn photosync(&self) -> Photosync {
        photosync_testkit::photosync!()
            .clean_env()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
    }
}

fn base_env(emu: &RunningEmulator) -> Vec<(String, String)> {
    vec![
        ("PHOTOSYNC_GRAPH_URL".into(), emu.graph_url()),
        ("PHOTOSYNC_LOGIN_URL".into(), emu.login_url()),
        ("PHOTOSYNC_SHAREPOINT_URL".into(), emu.sharepoint_url()),
        // Loopback ports cannot be derived from the admin URL as `-my`/root hosts can.
        (
            "PHOTOSYNC_SHAREPOINT_MY_SITE_URL".into(),
            emu.sharepoint_my_site_url(),
        ),
        (
            "PHOTOSYNC_SHAREPOINT_ROOT_URL".into(),
            emu.sharepoint_root_url(),
        ),
        ("PHOTOSYNC_TENANT_ID".into(), emu.tenant_id()),
    ]
}

pub fn secret_creds(emu: &RunningEmulator) -> Creds {
    let mut env = base_env(emu);
    env.push(("PHOTOSYNC_CLIENT_ID".into(), SECRET_APP.into()));
    env.push(("PHOTOSYNC_CLIENT_SECRET".into(), SECRET.into()));
    Creds { env, _dir: None }
}

/// Graph only: no SharePoint URL (a secret cannot reach SharePoint).
pub fn secret_creds_graph_only(emu: &RunningEmulator) -> Creds {
    let mut c = secret_creds(emu);
    c.env.retain(|(k, _)| k != "PHOTOSYNC_SHAREPOINT_URL");
    c
}

pub fn pem_creds(emu: &RunningEmulator, algorithm: &str) -> Creds {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("app.pem");
    std::fs::write(&path, format!("{}\n{}", test_cert_pem(), test_key_pem())).expect("pem");
    let mut env = base_env(emu);
    env.push(("PHOTOSYNC_CLIENT_ID".into(), CERT_APP.into()));
    env.push(("PHOTOSYNC_CERTIFICATE_PATH".into(), path_str(&path)));
    env.push(("PHOTOSYNC_CERTIFICATE_ALGORITHM".into(), algorithm.into()));
    Creds {
        env,
        _dir: Some(dir),
    }
}

/// A PFX built in the test from the emulator's test certificate and key.
pub fn pfx_creds(emu: &RunningEmulator, password: &str) -> Creds {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("app.pfx");
    let cert_der = pem::parse(test_cert_pem())
        .expect("cert pem")
        .into_contents();
    let key_der = pem::parse(test_key_pem()).expect("key pem").into_contents();
    let chain = p12_keystore::PrivateKeyChain::new(
        b"photosync-test".to_vec(),
        p12_keystore::PrivateKey::from_der(&key_der).expect("pkcs8 key"),
        [p12_keystore::Certificate::from_der(&cert_der).expect("cert der")],
    );
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry("app", p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
    let bytes = store.writer(password).write().expect("pfx");
    std::fs::write(&path, bytes).expect("write pfx");
    let mut env = base_env(emu);
    env.push(("PHOTOSYNC_CLIENT_ID".into(), CERT_APP.into()));
    env.push(("PHOTOSYNC_CERTIFICATE_PATH".into(), path_str(&path)));
    env.push(("PHOTOSYNC_CERTIFICATE_PASSWORD".into(), password.into()));
    Creds {
        env,
        _dir: Some(dir),
    }
}

pub fn automation_mi_creds(emu: &RunningEmulator) -> Creds {
    let mut env = base_env(emu);
    env.push(("IDENTITY_ENDPOINT".into(), emu.managed_identity_endpoint()));
    env.push(("IDENTITY_HEADER".into(), emu.managed_identity_header()));
    Creds { env, _dir: None }
}

pub fn imds_creds(emu: &RunningEmulator) -> Creds {
    let mut env = base_env(emu);
    env.push(("PHOTOSYNC_AUTH".into(), "managed-identity".into()));
    env.push(("PHOTOSYNC_IMDS_URL".into(), emu.imds_url()));
    Creds { env, _dir: None }
}

/// An Azure Arc-enabled server: `IDENTITY_ENDPOINT` + `IMDS_ENDPOINT`, with photosync allowed
/// (test-only switch) to read challenge keys from `key_dir` instead of the agent's folder.
pub fn arc_creds(emu: &RunningEmulator, key_dir: &Path) -> Creds {
    let mut env = base_env(emu);
    env.push(("IDENTITY_ENDPOINT".into(), emu.arc_identity_endpoint()));
    env.push(("IMDS_ENDPOINT".into(), emu.arc_imds_endpoint()));
    env.push(("PHOTOSYNC_TEST_ONLY_ARC_KEY_DIR".into(), path_str(key_dir)));
    Creds { env, _dir: None }
}

/// An older Automation hybrid job: `MSI_ENDPOINT` + `MSI_SECRET` (App Service 2017 API).
pub fn legacy_msi_creds(emu: &RunningEmulator) -> Creds {
    let mut env = base_env(emu);
    env.push(("MSI_ENDPOINT".into(), emu.msi_endpoint()));
    env.push(("MSI_SECRET".into(), emu.msi_secret()));
    Creds { env, _dir: None }
}

/// IMDS with a retry unit of a few milliseconds, so scripted 410/429/5xx answers pass quickly.
pub fn fast_imds_creds(emu: &RunningEmulator) -> Creds {
    let mut c = imds_creds(emu);
    c.env.push(("PHOTOSYNC_IMDS_RETRY_MS".into(), "5".into()));
    c
}

/// The start of every JWT the emulator issues (`{"typ":"JWT",…` in base64url): no token may
/// show up in any output.
pub const JWT_PREFIX: &str = "eyJ0eXAiOiJKV1Qi";

pub fn token_creds(emu: &RunningEmulator, token: &str) -> Creds {
    let mut env = base_env(emu);
    env.retain(|(k, _)| k != "PHOTOSYNC_SHAREPOINT_URL");
    env.push(("PHOTOSYNC_ACCESS_TOKEN".into(), token.into()));
    Creds { env, _dir: None }
}

/// A JWT (unsigned: only the claims matter to the client) with this audience and no tenant.
pub fn jwt_for(audience: &str) -> String {
    use base64::Engine;
    let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.sig",
        enc.encode(br#"{"typ":"JWT","alg":"none"}"#),
        enc.encode(serde_json::json!({ "aud": audience, "roles": ["User.Read.All"] }).to_string())
    )
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `photosync sync --source input --targets TARGETS --format json EXTRA…` with `records` on
/// stdin: the sync nearly every test runs, so each call shows only what it varies.
pub fn sync_from_input(creds: &Creds, targets: &str, extra: &[&str], records: &str) -> Run {
    let mut args = vec![
        "sync",
        "--source",
        "input",
        "--targets",
        targets,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    creds.photosync().args(args).stdin(records).run()
}

/// `photosync status --stores STORES --format json` with `records` on stdin.
pub fn status_json(creds: &Creds, stores: &str, records: &str) -> Run {
    creds
        .photosync()
        .args(["status", "--stores", stores, "--format", "json"])
        .stdin(records)
        .run()
}

/// The graph store's entry of a status record.
pub fn store_entry<'a>(status: &'a Value, store: &str) -> &'a Value {
    status["stores"]
        .as_array()
        .and_then(|s| s.iter().find(|e| e["store"] == store))
        .unwrap_or_else(|| panic!("no {store} entry in {status}"))
}

/// Whether a status record carries the finding `code` (it must have a findings list).
pub fn has_finding(status: &Value, code: &str) -> bool {
    status["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["code"] == code)
}

/// The hint of a result record's error; empty when there is none.
pub fn error_hint(result: &Value) -> &str {
    result["error"]["hint"].as_str().unwrap_or_default()
}

/// Whether the emulator holds the same picture as `expected` for `user`.
pub fn holds_picture(emu: &RunningEmulator, user: &str, expected: &[u8]) -> bool {
    let Some(stored) = emu.admin().photo_of(user) else {
        return false;
    };
    let limits = photosync::photo::DecodeLimits::default();
    let a = photosync::photo::inspect(&stored, &limits).expect("stored photo decodes");
    let b = photosync::photo::inspect(expected, &limits).expect("expected photo decodes");
    photosync::photo::same_picture(&a, &b).is_some_and(|(same, _)| same)
}

pub fn temp_path(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// Moves the emulator's (frozen) clock by `by` once its request log shows `event`, from a thread
/// that watches the log while a run goes on: time passes at a point the run reached, never after
/// a duration, so a busy machine cannot change what the run sees (issue 22).
pub struct ClockMover {
    stop: mpsc::Sender<()>,
    watcher: std::thread::JoinHandle<bool>,
}

impl ClockMover {
    pub fn start(
        emu: &RunningEmulator,
        by: Duration,
        event: impl Fn(&[LogEntry]) -> bool + Send + 'static,
    ) -> ClockMover {
        let admin = emu.admin();
        let (stop, stopped) = mpsc::channel();
        let watcher = std::thread::spawn(move || {
            loop {
                if event(&admin.request_log()) {
                    admin.advance_clock(by);
                    return true;
                }
                // A poll of the log, not a wait for time to pass: stop when told.
                match stopped.recv_timeout(Duration::from_millis(5)) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    _ => return false,
                }
            }
        });
        ClockMover { stop, watcher }
    }

    /// Stops watching; whether the clock was moved.
    pub fn moved(self) -> bool {
        let _ = self.stop.send(());
        self.watcher.join().expect("clock mover")
    }
}

/// The user a Graph photo request addresses (`/v1.0/users/{key}/photo…`), lower-case.
fn photo_user(entry: &LogEntry) -> Option<String> {
    let mut segments = entry.path.split('/').skip_while(|s| *s != "users").skip(1);
    let user = segments.next()?;
    segments
        .next()
        .is_some_and(|s| s.starts_with("photo"))
        .then(|| user.to_lowercase())
}

/// Every user whose photo was written (`writes` of them) has since been read and not found
/// (404): the run looked for its write and saw that it was not visible yet.
pub fn writes_read_back_unseen(log: &[LogEntry], writes: usize) -> bool {
    let mut written: Vec<String> = Vec::new();
    let mut unseen: Vec<String> = Vec::new();
    for entry in log {
        let Some(user) = photo_user(entry) else {
            continue;
        };
        if entry.method == "PUT" && !written.contains(&user) {
            written.push(user);
        } else if entry.method == "GET"
            && entry.status == 404
            && written.contains(&user)
            && !unseen.contains(&user)
        {
            unseen.push(user);
        }
    }
    written.len() == writes && unseen.len() == writes
}
