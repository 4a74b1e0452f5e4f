//! Throw-away directory servers for the AD tests and benchmark, started by the tests.
//!
//! Each server runs under a watchdog (`sh`) that kills it and removes its directory as soon
//! as the test process is gone — even after a panic or a kill — so nothing outlives a run.
//! Servers are provisioned once per test binary (`OnceLock`) under `target/tmp/`.
//! A missing server binary fails loudly: these tests never skip.

#![allow(dead_code)] // shared with benches/ad.rs, which uses only part of it

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

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

const SETUP_HINT: &str = "run scripts/setup.d/ad.sh (or scripts/test) to install Samba and slapd";

/// Fail (never skip) when a server tool is missing.
pub fn require(tool: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] {
        let path = Path::new(dir).join(tool);
        if path.exists() {
            return path;
        }
    }
    panic!("`{tool}` is not installed: {SETUP_HINT}");
}

fn run(cmd: &mut Command, what: &str) -> String {
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

fn free_port() -> u16 {
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

/// Start `cmd` under the watchdog; `lock` serialises servers that need fixed ports.
fn spawn_watched(dir: &Path, lock: Option<&Path>, cmd: &[&str], log: &Path) {
    let script = dir.join("watchdog.sh");
    std::fs::write(&script, WATCHDOG).expect("watchdog script");
    let mut command = match lock {
        Some(lock) => {
            let mut c = Command::new(require("flock"));
            c.args(["-w", "300"]).arg(lock).arg("sh");
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

fn wait_until(what: &str, timeout: Duration, log: &Path, mut ready: impl FnMut() -> bool) {
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

/// A small JPEG whose picture depends on `seed` (different seeds look different).
pub fn jpeg(side: u32, seed: u32, quality: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(side, side, |x, y| {
        let s = seed.wrapping_mul(2654435761);
        let band = ((x * 4 / side.max(1)) + (y * 3 / side.max(1)) + s % 7) % 5;
        let base = [(s >> 3) as u8, (s >> 11) as u8, (s >> 19) as u8];
        image::Rgb([
            base[0].wrapping_add((band * 50) as u8),
            base[1].wrapping_add((x * 255 / side.max(1)) as u8 / 2),
            base[2].wrapping_add((y * 255 / side.max(1)) as u8 / 2),
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&img)
        .expect("encode test jpeg");
    out
}

/// 16 raw objectGUID bytes derived from an index (slapd does not make GUIDs).
pub fn slapd_guid(i: usize) -> [u8; 16] {
    let mut g = [0u8; 16];
    let x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xA5A5_5A5A_0F0F_F0F0;
    g[..8].copy_from_slice(&x.to_le_bytes());
    g[8..].copy_from_slice(&(i as u64).to_be_bytes());
    g
}

pub fn slapd_uid(i: usize) -> String {
    format!("user{i:05}")
}

fn ldif_value(attr: &str, value: &[u8]) -> String {
    format!("{attr}:: {}\n", STANDARD.encode(value))
}

pub struct Slapd {
    pub dir: PathBuf,
    pub port: u16,
    pub tls_port: u16,
    pub certs: Certs,
    pub users: usize,
}

impl Slapd {
    pub fn ldap_url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }
    pub fn ldaps_url(&self) -> String {
        format!("ldaps://127.0.0.1:{}", self.tls_port)
    }

    /// Start slapd with `users` users; every `photo_every`-th has a thumbnailPhoto (0 = none).
    pub fn start(name: &str, users: usize, photo_every: usize) -> Slapd {
        let slapd = require("slapd");
        require("slapadd");
        require("ldapsearch");
        let dir = scratch_dir(name);
        let certs = make_certs(&dir.join("tls"));
        std::fs::create_dir_all(dir.join("data")).expect("data dir");
        std::fs::write(dir.join("ad-lite.schema"), AD_LITE_SCHEMA).expect("schema");
        let conf = SLAPD_CONF
            .replace("@DIR@", &dir.display().to_string())
            .replace("@SIZE@", &SLAPD_SIZE_LIMIT.to_string());
        std::fs::write(dir.join("slapd.conf"), conf).expect("slapd.conf");

        let seed = dir.join("seed.ldif");
        let mut f = std::io::BufWriter::new(std::fs::File::create(&seed).expect("seed file"));
        write!(
            f,
            "dn: {SLAPD_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n\
             dn: {SLAPD_READER_DN}\nobjectClass: person\ncn: reader\nsn: reader\nuserPassword: {SLAPD_READER_PASSWORD}\n\n\
             dn: ou=people,{SLAPD_SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\n"
        )
        .expect("seed");
        for i in 0..users {
            let uid = slapd_uid(i);
            let mut entry = format!(
                "dn: uid={uid},ou=people,{SLAPD_SUFFIX}\nobjectClass: inetOrgPerson\nobjectClass: user\n\
                 uid: {uid}\ncn: User {i}\nsn: {i}\nuserPrincipalName: {uid}@example.test\n\
                 sAMAccountName: {uid}\nmail: {uid}@mail.example.test\nuserAccountControl: 512\n"
            );
            entry.push_str(&ldif_value("objectGUID", &slapd_guid(i)));
            if photo_every > 0 && i % photo_every == 0 {
                entry.push_str(&ldif_value("thumbnailPhoto", &jpeg(96, i as u32, 80)));
            }
            entry.push('\n');
            f.write_all(entry.as_bytes()).expect("seed");
        }
        drop(f);
        let conf = dir.join("slapd.conf");
        run(
            Command::new(require("slapadd"))
                .args(["-q", "-f"])
                .arg(&conf)
                .arg("-l")
                .arg(&seed),
            "slapadd",
        );
        let (port, tls_port) = (free_port(), free_port());
        let urls = format!("ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/");
        let log = dir.join("slapd.log");
        spawn_watched(
            &dir,
            None,
            &[
                &slapd.display().to_string(),
                "-d",
                "0",
                "-f",
                &conf.display().to_string(),
                "-h",
                &urls,
            ],
            &log,
        );
        let probe_url = format!("ldap://127.0.0.1:{port}");
        wait_until("slapd", Duration::from_secs(30), &log, || {
            Command::new("ldapsearch")
                .args(["-x", "-H", &probe_url, "-b", "", "-s", "base"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
        });
        Slapd {
            dir,
            port,
            tls_port,
            certs,
            users,
        }
    }
}

/// The shared slapd of the test binary: 1200 users (more than its 500 limit), a third with
/// photos.
pub fn slapd() -> &'static Slapd {
    static SLAPD: OnceLock<Slapd> = OnceLock::new();
    SLAPD.get_or_init(|| Slapd::start("slapd", 1200, 3))
}

const AD_LITE_SCHEMA: &str = "\
attributetype ( 2.16.840.1.113730.3.1.35 NAME 'thumbnailPhoto'
\tDESC 'AD: picture, max 100 KB (rangeUpper 102400)'
\tEQUALITY octetStringMatch
\tSYNTAX 1.3.6.1.4.1.1466.115.121.1.40{102400} SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName'
\tEQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
\tSYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
\tEQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
\tSYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.2 NAME 'objectGUID'
\tEQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
\tEQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.2.840.113556.1.5.9 NAME 'user' SUP inetOrgPerson STRUCTURAL
\tMAY ( thumbnailPhoto $ userPrincipalName $ sAMAccountName $ objectGUID $ userAccountControl ) )
";

// `security simple_bind=128`: like AD's LDAP signing policy, a simple bind needs TLS.
const SLAPD_CONF: &str = "\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include @DIR@/ad-lite.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile @DIR@/slapd.pid
argsfile @DIR@/slapd.args
TLSCertificateFile @DIR@/tls/server.crt
TLSCertificateKeyFile @DIR@/tls/server.key
TLSCACertificateFile @DIR@/tls/ca.crt
security simple_bind=128
sizelimit size.soft=@SIZE@ size.hard=@SIZE@ size.pr=1000 size.prtotal=unlimited
database mdb
maxsize 1073741824
suffix \"dc=example,dc=test\"
rootdn \"cn=admin,dc=example,dc=test\"
rootpw secret
directory @DIR@/data
index objectClass eq
index userPrincipalName eq
index sAMAccountName eq
index mail eq
index objectGUID eq
access to attrs=userPassword by self write by anonymous auth by * none
access to attrs=thumbnailPhoto by self write by users read by * none
access to * by users read by * none
";

/// A seeded Samba AD user: what the tests look for.
#[derive(Debug, Clone)]
pub struct SeedUser {
    pub cn: &'static str,
    pub sam: &'static str,
    pub upn: &'static str,
    pub mail: Option<&'static str>,
    pub photo: Option<Vec<u8>>,
    pub disabled: bool,
}

impl SeedUser {
    pub fn dn(&self) -> String {
        format!("CN={},CN=Users,{SAMBA_BASE}", self.cn)
    }
}

pub fn samba_seed_users() -> Vec<SeedUser> {
    vec![
        SeedUser {
            cn: "Photo User",
            sam: "photo.user",
            upn: "photo.user@example.test",
            mail: Some("photo.user@example.test"),
            photo: Some(jpeg(96, 1, 85)),
            disabled: false,
        },
        SeedUser {
            cn: "No Photo",
            sam: "no.photo",
            upn: "no.photo@example.test",
            mail: Some("no.photo@example.test"),
            photo: None,
            disabled: false,
        },
        SeedUser {
            cn: "Jürgen Ørsted",
            sam: "jorsted",
            upn: "jürgen.ørsted@example.test",
            mail: Some("jurgen.orsted@example.test"),
            photo: Some(jpeg(120, 2, 85)),
            disabled: false,
        },
        SeedUser {
            cn: "Anna Berg",
            sam: "anna",
            upn: "anna@corp.example.test",
            mail: Some("anna.berg@example.test"),
            photo: Some(jpeg(96, 3, 85)),
            disabled: false,
        },
        SeedUser {
            cn: "Old Account",
            sam: "old.account",
            upn: "old.account@example.test",
            mail: None,
            photo: Some(jpeg(96, 4, 85)),
            disabled: true,
        },
        SeedUser {
            cn: "Paren (Contractor)",
            sam: "paren(1)",
            upn: "paren@example.test",
            mail: None,
            photo: None,
            disabled: false,
        },
        SeedUser {
            cn: "Writable User",
            sam: "writable",
            upn: "writable@example.test",
            mail: None,
            photo: None,
            disabled: false,
        },
    ]
}

pub struct Samba {
    pub dir: PathBuf,
    pub certs: Certs,
    pub users: Vec<SeedUser>,
}

impl Samba {
    pub fn ldaps_url(&self) -> String {
        "ldaps://127.0.0.1:636".to_string()
    }
    pub fn ldap_url(&self) -> String {
        "ldap://127.0.0.1:389".to_string()
    }
    pub fn sam_ldb(&self) -> PathBuf {
        self.dir.join("private/sam.ldb")
    }
    pub fn user(&self, sam: &str) -> &SeedUser {
        self.users
            .iter()
            .find(|u| u.sam == sam)
            .unwrap_or_else(|| panic!("no seeded user {sam}"))
    }

    /// Samba's own rendering of an attribute (`ldbsearch` prints objectGUID as a string).
    pub fn ldbsearch(&self, filter: &str, attr: &str) -> Option<String> {
        let out = run(
            Command::new(require("ldbsearch"))
                .arg("-H")
                .arg(self.sam_ldb())
                .arg(filter)
                .arg(attr),
            "ldbsearch",
        );
        let prefix = format!("{attr}: ");
        out.lines()
            .find_map(|l| l.strip_prefix(&prefix).map(str::to_string))
    }

    fn start() -> Samba {
        let samba = require("samba");
        require("samba-tool");
        require("ldbadd");
        require("ldapsearch");
        let dir = scratch_dir("samba");
        let certs = make_certs(&dir.join("tls"));
        let d = dir.display().to_string();
        let tls = |f: &Path| f.display().to_string();
        let provision = Command::new(require("samba-tool"))
            .args([
                "domain",
                "provision",
                "--realm=EXAMPLE.TEST",
                "--domain=EXAMPLE",
            ])
            .args(["--server-role=dc", "--dns-backend=NONE", "--host-name=dc1"])
            .args([
                "--host-ip=127.0.0.1",
                &format!("--adminpass={SAMBA_ADMIN_PASSWORD}"),
            ])
            .arg(format!("--targetdir={d}"))
            .args([
                "--option=interfaces=lo",
                "--option=bind interfaces only=yes",
            ])
            .args(["--option=server services=-dns", "--option=dns forwarder="])
            .arg(format!("--option=log file={d}/log.%m"))
            .arg("--option=tls enabled=yes")
            .arg(format!("--option=tls keyfile={}", tls(&certs.server_key)))
            .arg(format!("--option=tls certfile={}", tls(&certs.server_crt)))
            .arg(format!("--option=tls cafile={}", tls(&certs.ca)))
            .output()
            .unwrap_or_else(|e| panic!("cannot run samba-tool: {e}; {SETUP_HINT}"));
        assert!(
            provision.status.success(),
            "samba-tool domain provision failed (it needs root):\n{}\n{}",
            String::from_utf8_lossy(&provision.stdout),
            String::from_utf8_lossy(&provision.stderr)
        );
        let smb_conf = dir.join("etc/smb.conf");
        // jdoe has a password: binds as a normal (non-admin) user.
        run(
            Command::new(require("samba-tool"))
                .args(["user", "add", "jdoe", SAMBA_USER_PASSWORD])
                .args([
                    "--given-name=John",
                    "--surname=Doe",
                    "--mail-address=jdoe@example.test",
                ])
                .arg("-s")
                .arg(&smb_conf),
            "samba-tool user add",
        );
        let users = samba_seed_users();
        let mut ldif = String::new();
        for u in &users {
            ldif.push_str(&ldif_value("dn", u.dn().as_bytes()));
            ldif.push_str("objectClass: user\n");
            ldif.push_str(&ldif_value("sAMAccountName", u.sam.as_bytes()));
            ldif.push_str(&ldif_value("userPrincipalName", u.upn.as_bytes()));
            ldif.push_str(&ldif_value("displayName", u.cn.as_bytes()));
            if let Some(mail) = u.mail {
                ldif.push_str(&ldif_value("mail", mail.as_bytes()));
            }
            // 0x220 normal account, no password required; | 0x2 disabled.
            let uac = if u.disabled { 546 } else { 544 };
            ldif.push_str(&format!("userAccountControl: {uac}\n"));
            if let Some(photo) = &u.photo {
                ldif.push_str(&ldif_value("thumbnailPhoto", photo));
            }
            ldif.push('\n');
        }
        let ldif_path = dir.join("seed.ldif");
        std::fs::write(&ldif_path, ldif).expect("seed ldif");
        run(
            Command::new(require("ldbadd"))
                .arg("-H")
                .arg(dir.join("private/sam.ldb"))
                .arg(&ldif_path),
            "ldbadd (seed users)",
        );
        let log = dir.join("samba.out");
        let lock = std::env::temp_dir().join("photosync-samba.lock");
        spawn_watched(
            &dir,
            Some(&lock),
            &[
                &samba.display().to_string(),
                "-i",
                "-s",
                &smb_conf.display().to_string(),
            ],
            &log,
        );
        let ca = certs.ca.display().to_string();
        wait_until("samba", Duration::from_secs(120), &log, || {
            Command::new("ldapsearch")
                .env("LDAPTLS_CACERT", &ca)
                .args([
                    "-x",
                    "-H",
                    "ldaps://127.0.0.1",
                    "-D",
                    SAMBA_ADMIN,
                    "-w",
                    SAMBA_ADMIN_PASSWORD,
                ])
                .args(["-b", "", "-s", "base"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
        });
        Samba { dir, certs, users }
    }
}

/// The shared Samba AD DC of the test binary.
pub fn samba() -> &'static Samba {
    static SAMBA: OnceLock<Samba> = OnceLock::new();
    SAMBA.get_or_init(Samba::start)
}
