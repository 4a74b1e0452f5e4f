//! A throw-away Samba 4 AD domain controller: a real AD implementation (schema limits on
//! thumbnailPhoto, strong-auth rules, objectGUIDs it generates itself), provisioned on
//! loopback with DNS off and a test CA whose certificate names 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use photosync_testkit::portrait::jpeg_at_quality;

use super::*;

/// A seeded Samba AD user: what the tests look for.
#[derive(Debug, Clone)]
pub struct SeedUser {
    pub cn: &'static str,
    pub sam: &'static str,
    pub upn: &'static str,
    pub mail: Option<&'static str>,
    pub photo: Option<Vec<u8>>,
    pub disabled: bool,
    /// The container the user lives in, below the domain: `USERS`, or `OUTSIDE`, an OU
    /// beside it that tests configure out of the base DN.
    pub container: &'static str,
    /// `mS-DS-ConsistencyGuid`, as Entra Connect or a forest migration sets it.
    pub consistency_guid: Option<[u8; 16]>,
}

/// Where Samba keeps users by default; the identity tests use it as the configured base DN.
pub const USERS: &str = "CN=Users";
/// An OU beside `USERS`: outside a base DN of `CN=Users,...`.
pub const OUTSIDE: &str = "OU=Outside";

impl SeedUser {
    pub fn dn(&self) -> String {
        format!("CN={},{},{SAMBA_BASE}", self.cn, self.container)
    }
}

/// The objectGUID the migrated account had in its old forest.
pub const MIGRATED_OLD_FOREST_GUID: &str = "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b";
/// The same for the migrated account the conformance suite writes.
pub const MIGRATED_WRITABLE_OLD_GUID: &str = "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0c";

pub fn samba_seed_users() -> Vec<SeedUser> {
    vec![
        SeedUser {
            cn: "Photo User",
            sam: "photo.user",
            upn: "photo.user@example.test",
            mail: Some("photo.user@example.test"),
            photo: Some(jpeg_at_quality(1, 96, 85)),
            disabled: false,
            container: USERS,
            consistency_guid: None,
        },
        SeedUser {
            cn: "No Photo",
            sam: "no.photo",
            upn: "no.photo@example.test",
            mail: Some("no.photo@example.test"),
            photo: None,
            disabled: false,
            container: USERS,
            consistency_guid: None,
        },
        SeedUser {
            cn: "Jürgen Ørsted",
            sam: "jorsted",
            upn: "jürgen.ørsted@example.test",
            mail: Some("jurgen.orsted@example.test"),
            photo: Some(jpeg_at_quality(2, 120, 85)),
            disabled: false,
            container: USERS,
            consistency_guid: None,
        },
        SeedUser {
            cn: "Anna Berg",
            sam: "anna",
            upn: "anna@corp.example.test",
            mail: Some("anna.berg@example.test"),
            photo: Some(jpeg_at_quality(3, 96, 85)),
            disabled: false,
            container: USERS,
            consistency_guid: None,
        },
        SeedUser {
            cn: "Old Account",
            sam: "old.account",
            upn: "old.account@example.test",
            mail: None,
            photo: Some(jpeg_at_quality(4, 96, 85)),
            disabled: true,
            container: USERS,
            consistency_guid: None,
        },
        SeedUser {
            cn: "Paren (Contractor)",
            sam: "paren(1)",
            upn: "paren@example.test",
            mail: None,
            photo: None,
            disabled: false,
            container: USERS,
            consistency_guid: None,
        },
        SeedUser {
            cn: "Conformance User",
            sam: "conform",
            upn: "conform@example.test",
            mail: None,
            photo: None,
            disabled: false,
            container: USERS,
            consistency_guid: None,
        },
        SeedUser {
            cn: "Sync Target",
            sam: "sync.target",
            upn: "sync.target@example.test",
            mail: None,
            photo: None,
            disabled: false,
            container: USERS,
            consistency_guid: None,
        },
        SeedUser {
            cn: "Writable User",
            sam: "writable",
            upn: "writable@example.test",
            mail: None,
            photo: None,
            disabled: false,
            container: USERS,
            consistency_guid: None,
        },
        // The identity gate (tests/ad/identity.rs): an account outside the base DN, two
        // accounts sharing one mail (AD does not make mail unique), an account whose DN a
        // record names beside keys of its own, and one the same run may write.
        SeedUser {
            cn: "Outside Base",
            sam: "outside.base",
            upn: "outside.base@example.test",
            mail: Some("outside.base@example.test"),
            photo: Some(jpeg_at_quality(5, 96, 85)),
            disabled: false,
            container: OUTSIDE,
            consistency_guid: None,
        },
        SeedUser {
            cn: "Shared Mail One",
            sam: "shared.one",
            upn: "shared.one@example.test",
            mail: Some("shared.mail@example.test"),
            photo: Some(jpeg_at_quality(6, 96, 85)),
            disabled: false,
            container: USERS,
            consistency_guid: None,
        },
        SeedUser {
            cn: "Shared Mail Two",
            sam: "shared.two",
            upn: "shared.two@example.test",
            mail: Some("shared.mail@example.test"),
            photo: Some(jpeg_at_quality(7, 96, 85)),
            disabled: false,
            container: USERS,
            consistency_guid: None,
        },
        SeedUser {
            cn: "Named By Dn",
            sam: "named.by.dn",
            upn: "named.by.dn@example.test",
            mail: Some("named.by.dn@example.test"),
            photo: Some(jpeg_at_quality(8, 96, 85)),
            disabled: false,
            container: USERS,
            consistency_guid: None,
        },
        // The conformance suite's reused UPN: the new hire who holds it now.
        SeedUser {
            cn: "New Hire",
            sam: "new.hire",
            upn: "new.hire@example.test",
            mail: None,
            photo: Some(jpeg_at_quality(9, 96, 85)),
            disabled: false,
            container: USERS,
            consistency_guid: None,
        },
        SeedUser {
            cn: "Gate Control",
            sam: "gate.control",
            upn: "gate.control@example.test",
            mail: None,
            photo: None,
            disabled: false,
            container: USERS,
            consistency_guid: None,
        },
        // Migrated from another forest: Entra Connect anchors it by mS-DS-ConsistencyGuid,
        // which keeps the old forest's objectGUID (`MIGRATED_OLD_FOREST_GUID`).
        SeedUser {
            cn: "Migrated User",
            sam: "migrated.user",
            upn: "migrated.user@example.test",
            mail: None,
            photo: Some(jpeg_at_quality(11, 96, 85)),
            disabled: false,
            container: USERS,
            consistency_guid: Some(
                *photosync::store::ad::ObjectGuid::parse(MIGRATED_OLD_FOREST_GUID)
                    .expect("guid")
                    .as_bytes(),
            ),
        },
        SeedUser {
            cn: "Migrated Writable",
            sam: "migrated.writable",
            upn: "migrated.writable@example.test",
            mail: None,
            photo: None,
            disabled: false,
            container: USERS,
            consistency_guid: Some(
                *photosync::store::ad::ObjectGuid::parse(MIGRATED_WRITABLE_OLD_GUID)
                    .expect("guid")
                    .as_bytes(),
            ),
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

    /// A binary attribute as OpenLDAP's `ldapsearch` reads it over LDAPS, independently of
    /// photosync: the base64 of its bytes (what Entra Connect makes an immutableId of).
    pub fn ldapsearch_base64(&self, filter: &str, attr: &str) -> Option<String> {
        let out = run(
            Command::new(require("ldapsearch"))
                .env("LDAPTLS_CACERT", &self.certs.ca)
                .args([
                    "-x",
                    "-LLL",
                    "-o",
                    "ldif-wrap=no",
                    "-H",
                    "ldaps://127.0.0.1",
                ])
                .args([
                    "-D",
                    SAMBA_ADMIN,
                    "-w",
                    SAMBA_ADMIN_PASSWORD,
                    "-b",
                    SAMBA_BASE,
                ])
                .args([filter, attr]),
            "ldapsearch",
        );
        let prefix = format!("{attr}:: ");
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
        let mut ldif = format!("dn: {OUTSIDE},{SAMBA_BASE}\nobjectClass: organizationalUnit\n\n");
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
            if let Some(guid) = &u.consistency_guid {
                ldif.push_str(&ldif_value("mS-DS-ConsistencyGuid", guid));
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
        // Waiting includes the wait for the port lock, then Samba's start (a minute or more on
        // a loaded machine).
        wait_until("samba", LOCK_WAIT + Duration::from_secs(300), &log, || {
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
