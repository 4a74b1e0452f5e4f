//! OpenLDAP slapd with a small AD-like schema and AD-like limits: starts in well under a
//! second, refuses unpaged searches over 500 entries (like AD's MaxPageSize) and simple binds
//! without TLS, so paging and transport rules are tested for real.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use photosync_testkit::portrait::jpeg_at_quality;

use super::*;

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
             dn: ou=people,{SLAPD_SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\n\
             dn: ou=branch,{SLAPD_SUFFIX}\nobjectClass: referral\nobjectClass: extensibleObject\n\
             ou: branch\nref: {SLAPD_BRANCH_REFERRAL}\n\n"
        )
        .expect("seed");
        for i in 0..users {
            let uid = slapd_uid(i);
            let mut entry = format!(
                "dn: uid={uid},ou=people,{SLAPD_SUFFIX}\nobjectClass: inetOrgPerson\nobjectClass: user\n\
                 uid: {uid}\ncn: User {i}\nsn: {i}\nuserPrincipalName: {uid}@example.test\n\
                 sAMAccountName: {uid}\nmail: {uid}@mail.example.test\nuserAccountControl: 512\n\
                 objectCategory: person\n"
            );
            entry.push_str(&ldif_value("objectGUID", &slapd_guid(i)));
            if photo_every > 0 && i % photo_every == 0 {
                entry.push_str(&ldif_value(
                    "thumbnailPhoto",
                    &jpeg_at_quality(i as u64, 96, 80),
                ));
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
        wait_until("slapd", Duration::from_secs(120), &log, || {
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

/// Where the seed's `ou=branch` refers searches to: a part of the tree another server holds, as
/// a child domain is in AD. A subtree search answers it as a continuation reference.
pub const SLAPD_BRANCH_REFERRAL: &str = "ldap://branch.example.test/ou=branch,dc=example,dc=test";

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
attributetype ( 1.2.840.113556.1.4.782 NAME 'objectCategory'
\tDESC 'AD: a DN whose short name (person) filters match; here the short name itself'
\tEQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
\tEQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.2.840.113556.1.5.9 NAME 'user' SUP inetOrgPerson STRUCTURAL
\tMAY ( thumbnailPhoto $ userPrincipalName $ sAMAccountName $ objectGUID $ userAccountControl $
\t\tobjectCategory ) )
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
