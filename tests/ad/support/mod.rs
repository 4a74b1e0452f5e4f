//! Throw-away directory servers for the AD tests and benchmark, started by the tests.
//!
//! Each server runs under a watchdog (`sh`) that kills it and removes its directory as soon
//! as the test process is gone — even after a panic or a kill — so nothing outlives a run.
//! Servers are provisioned once per test binary (`OnceLock`) under `target/tmp/`.
//! A missing server binary fails loudly: these tests never skip.

#![allow(dead_code)] // shared with benches/ad.rs, which uses only part of it

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use photosync::schema::UserRecord;
use photosync::store::ad::AdStore;
use photosync::store::{PhotoStore, StoreUser};

pub const SLAPD_SUFFIX: &str = "dc=example,dc=test";
pub const SLAPD_READER_DN: &str = "cn=reader,dc=example,dc=test";
pub const SLAPD_READER_PASSWORD: &str = "reader-pass";
pub const SLAPD_ADMIN_DN: &str = "cn=admin,dc=example,dc=test";
pub const SLAPD_ADMIN_PASSWORD: &str = "secret";
/// slapd refuses unpaged searches over this many entries (like AD's MaxPageSize).
pub const SLAPD_SIZE_LIMIT: usize = 500;

pub const SAMBA_BASE: &str = "DC=example,DC=test";
pub const SAMBA_ADMIN: &str = "Administrator@example.test";
pub const SAMBA_ADMIN_PASSWORD: &str = "Passw0rd!Test";
pub const SAMBA_USER: &str = "jdoe@example.test";
pub const SAMBA_USER_PASSWORD: &str = "Passw0rd!User";

mod samba_server;
mod slapd_server;

#[allow(unused_imports)] // the benchmark uses only slapd
pub use samba_server::*;
pub use slapd_server::*;

// The binds most tests repeat. `connect` is the test binary's `connection` (URL, bind DN,
// password, CA to trust); it is passed in because benches/ad.rs includes this file too and
// has no such function.

impl Samba {
    /// Administrator over LDAPS, trusting the test CA: how most Samba tests bind.
    pub fn admin_over_ldaps<C>(
        &self,
        connect: impl FnOnce(&str, &str, &str, Option<&Path>) -> C,
    ) -> C {
        connect(
            &self.ldaps_url(),
            SAMBA_ADMIN,
            SAMBA_ADMIN_PASSWORD,
            Some(&self.certs.ca),
        )
    }
}

impl Slapd {
    /// The read-only account over LDAPS, trusting the test CA: how most slapd tests bind.
    pub fn reader_over_ldaps<C>(
        &self,
        connect: impl FnOnce(&str, &str, &str, Option<&Path>) -> C,
    ) -> C {
        connect(
            &self.ldaps_url(),
            SLAPD_READER_DN,
            SLAPD_READER_PASSWORD,
            Some(&self.certs.ca),
        )
    }
}

/// The user `record` names, which the test expects to exist: a failed lookup or no match fails
/// the test.
pub async fn found(store: &AdStore, record: &UserRecord) -> StoreUser {
    store.resolve(record).await.expect("lookup").expect("found")
}

pub(crate) const SETUP_HINT: &str =
    "run scripts/setup.d/ad.sh (or scripts/test) to install Samba and slapd";

/// Fail (never skip) when a server tool is missing.
/// The `store` entry of a status record.
pub fn store_of<'a>(record: &'a serde_json::Value, store: &str) -> &'a serde_json::Value {
    record["stores"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["store"] == store))
        .unwrap_or_else(|| panic!("no {store} store in {record}"))
}

pub fn require(tool: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] {
        let path = Path::new(dir).join(tool);
        if path.exists() {
            return path;
        }
    }
    panic!("`{tool}` is not installed: {SETUP_HINT}");
}

pub(crate) fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}; {SETUP_HINT}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A test CA, a server certificate for 127.0.0.1 / localhost / dc1.example.test signed by it,
/// and an unrelated CA for "wrong CA" tests.
#[derive(Debug, Clone)]
pub struct Certs {
    pub ca: PathBuf,
    pub server_crt: PathBuf,
    pub server_key: PathBuf,
    pub wrong_ca: PathBuf,
}

pub fn make_certs(dir: &Path) -> Certs {
    require("openssl");
    std::fs::create_dir_all(dir).expect("cert dir");
    let p = |name: &str| dir.join(name);
    for (key, crt, cn) in [
        ("ca.key", "ca.crt", "PhotoSync Test CA"),
        ("wrong.key", "wrong-ca.crt", "Unrelated CA"),
    ] {
        run(
            Command::new("openssl")
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                ])
                .arg("-keyout")
                .arg(p(key))
                .arg("-out")
                .arg(p(crt))
                .args(["-subj", &format!("/CN={cn}")])
                .args(["-addext", "basicConstraints=critical,CA:TRUE"])
                .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]),
            "openssl (CA)",
        );
    }
    run(
        Command::new("openssl")
            .args([
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=dc1.example.test",
            ])
            .arg("-keyout")
            .arg(p("server.key"))
            .arg("-out")
            .arg(p("server.csr")),
        "openssl (server key)",
    );
    std::fs::write(
        p("ext.cnf"),
        "subjectAltName=DNS:localhost,DNS:dc1.example.test,IP:127.0.0.1\n\
         extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
    )
    .expect("ext.cnf");
    run(
        Command::new("openssl")
            .args(["x509", "-req", "-days", "2", "-CAcreateserial"])
            .arg("-in")
            .arg(p("server.csr"))
            .arg("-CA")
            .arg(p("ca.crt"))
            .arg("-CAkey")
            .arg(p("ca.key"))
            .arg("-out")
            .arg(p("server.crt"))
            .arg("-extfile")
            .arg(p("ext.cnf")),
        "openssl (server cert)",
    );
    Certs {
        ca: p("ca.crt"),
        server_crt: p("server.crt"),
        server_key: p("server.key"),
        wrong_ca: p("wrong-ca.crt"),
    }
}

const WATCHDOG: &str = r#"#!/bin/sh
# watchdog PARENT_PID REMOVE_DIR CMD...: run CMD in its own process group; when the parent
# (the test process) is gone or CMD exits, stop the whole group and remove REMOVE_DIR.
parent=$1; remove=$2; shift 2
setsid "$@" &
child=$!
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.2; done
kill -s TERM -- "-$child" 2>/dev/null
i=0
while kill -0 "$child" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.2; i=$((i+1)); done
kill -s KILL -- "-$child" 2>/dev/null
rm -rf "$remove"
"#;

/// Longest wait for a fixed-port server's lock: another test run on the machine (another
/// developer's, or the benchmark) may hold the server for minutes.
pub(crate) const LOCK_WAIT: Duration = Duration::from_secs(600);

/// Start `cmd` under the watchdog; `lock` serialises servers that need fixed ports.
pub(crate) fn spawn_watched(dir: &Path, lock: Option<&Path>, cmd: &[&str], log: &Path) {
    let script = dir.join("watchdog.sh");
    std::fs::write(&script, WATCHDOG).expect("watchdog script");
    let mut command = match lock {
        Some(lock) => {
            let mut c = Command::new(require("flock"));
            c.args(["-w", &LOCK_WAIT.as_secs().to_string()])
                .arg(lock)
                .arg("sh");
            c
        }
        None => Command::new("sh"),
    };
    let log = std::fs::File::create(log).expect("server log");
    let mut child = command
        .arg(&script)
        .arg(std::process::id().to_string())
        .arg(dir)
        .args(cmd)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log)
        .spawn()
        .expect("start watchdog");
    // Reap the watchdog if it ends while the tests still run (the server died).
    std::thread::spawn(move || child.wait());
}

/// Waits for a server to answer: `timeout` is a hang guard, not a timing claim, so it is
/// generous (a loaded machine starts servers slowly).
pub(crate) fn wait_until(
    what: &str,
    timeout: Duration,
    log: &Path,
    mut ready: impl FnMut() -> bool,
) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if ready() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = std::fs::read_to_string(log).unwrap_or_default();
    panic!("{what} did not become ready within {timeout:?}; log:\n{log}");
}

pub(crate) fn ldif_value(attr: &str, value: &[u8]) -> String {
    format!("{attr}:: {}\n", STANDARD.encode(value))
}
