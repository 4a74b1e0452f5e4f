//! Certificate credentials: load a PEM or PFX, and sign the JWT client assertion the
//! identity platform accepts instead of a secret.
//!
//! RS256 with an `x5t` (SHA-1) thumbprint is the default: it is what MSAL libraries still send,
//! and an `x5t#S256` assertion has failed with AADSTS700027 in customer tests (spec §12,
//! entra-docs PR #1301). PS256 with `x5t#S256` (Microsoft's newer guidance) is one setting
//! away (`PHOTOSYNC_CERTIFICATE_ALGORITHM=ps256`). Signing uses aws-lc-rs through `jsonwebtoken` (no
//! OpenSSL, no `rsa` crate). The key never leaves this module except as a signature.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorClass, Result};
use crate::schema::ErrorCode;
use crate::settings::Secret;

/// Which signature and thumbprint header the assertion carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssertionAlgorithm {
    /// RSASSA-PSS with SHA-256 and an `x5t#S256` header (newer Microsoft guidance, opt-in).
    Ps256,
    /// PKCS#1 v1.5 with SHA-256 and an `x5t` (SHA-1) header (what MSAL sends; the default).
    Rs256,
}

impl AssertionAlgorithm {
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ps256" => Ok(AssertionAlgorithm::Ps256),
            "rs256" | "" => Ok(AssertionAlgorithm::Rs256),
            other => Err(
                Error::config(format!("unknown client assertion algorithm `{other}`"))
                    .with_hint("use rs256 (default) or ps256"),
            ),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AssertionAlgorithm::Ps256 => "PS256",
            AssertionAlgorithm::Rs256 => "RS256",
        }
    }
}

/// A loaded certificate and its private key.
pub struct Certificate {
    key: EncodingKey,
    /// base64url SHA-256 of the DER certificate (`x5t#S256`).
    pub x5t_s256: String,
    /// base64url SHA-1 of the DER certificate (`x5t`).
    pub x5t: String,
    /// SHA-1 thumbprint in upper-case hex, as the Entra portal shows it.
    pub thumbprint: String,
    pub algorithm: AssertionAlgorithm,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("thumbprint", &self.thumbprint)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: u64,
    iat: u64,
    exp: u64,
}

fn cert_error(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::Config,
        ErrorClass::Config,
        format!("cannot use the certificate {}: {what}", path.display()),
    )
    .with_hint("give a PEM file with the certificate and its unencrypted RSA private key, or a PFX (password in PHOTOSYNC_CERTIFICATE_PASSWORD)")
}

impl Certificate {
    /// Load a PEM (certificate + private key, in one file) or a PFX/PKCS#12 file.
    pub fn load(
        path: &Path,
        password: Option<&Secret>,
        algorithm: AssertionAlgorithm,
    ) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| cert_error(path, e))?;
        let (certs, keys) = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            from_pem(path, &bytes)?
        } else {
            from_pfx(path, &bytes, password)?
        };
        let (key_pem, cert_der) = key_and_certificate(path, certs, keys)?;
        refuse_expired(path, &cert_der, now_secs())?;
        let key = EncodingKey::from_rsa_pem(pem::encode(&key_pem).as_bytes())
            .map_err(|e| cert_error(path, format!("the private key is not an RSA key ({e})")))?;
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let cert = Certificate {
            key,
            x5t_s256: enc.encode(Sha256::digest(&cert_der)),
            x5t: enc.encode(Sha1::digest(&cert_der)),
            thumbprint: thumbprint(&cert_der),
            algorithm,
        };
        // Sign once now: a key that cannot sign should fail at startup, not per user.
        cert.assertion("https://login.invalid/t/oauth2/v2.0/token", "probe")
            .map_err(|e| cert_error(path, e.message))?;
        Ok(cert)
    }

    /// A signed client assertion for `audience` (the token endpoint URL), valid 10 minutes.
    pub fn assertion(&self, audience: &str, client_id: &str) -> Result<String> {
        let mut header = Header::new(match self.algorithm {
            AssertionAlgorithm::Ps256 => Algorithm::PS256,
            AssertionAlgorithm::Rs256 => Algorithm::RS256,
        });
        match self.algorithm {
            AssertionAlgorithm::Ps256 => header.x5t_s256 = Some(self.x5t_s256.clone()),
            AssertionAlgorithm::Rs256 => header.x5t = Some(self.x5t.clone()),
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let claims = AssertionClaims {
            aud: audience,
            iss: client_id,
            sub: client_id,
            jti: uuid::Uuid::new_v4().to_string(),
            nbf: now.saturating_sub(60),
            iat: now,
            exp: now + 600,
        };
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| {
            Error::new(
                ErrorCode::AuthFailed,
                ErrorClass::Auth,
                format!("cannot sign the client assertion: {e}"),
            )
        })
    }
}

/// The certificates a PEM holds (the app's, and perhaps its issuers, in any order) and its
/// private keys.
fn from_pem(path: &Path, bytes: &[u8]) -> Result<(Vec<Vec<u8>>, Vec<pem::Pem>)> {
    let blocks = pem::parse_many(bytes).map_err(|e| cert_error(path, e))?;
    let certs: Vec<Vec<u8>> = blocks
        .iter()
        .filter(|b| b.tag() == "CERTIFICATE")
        .map(|b| b.contents().to_vec())
        .collect();
    if certs.is_empty() {
        return Err(cert_error(path, "no CERTIFICATE block in the PEM file"));
    }
    // PKCS#8's encrypted block, or a traditional key with `Proc-Type: 4,ENCRYPTED`.
    let encrypted = blocks.iter().any(|b| {
        b.tag() == "ENCRYPTED PRIVATE KEY"
            || b.headers()
                .get("Proc-Type")
                .is_some_and(|v| v.contains("ENCRYPTED"))
    });
    if encrypted {
        return Err(cert_error(path, "the private key is encrypted")
            .with_hint("decrypt it (openssl pkey -in key.pem -out plain.pem) or use a PFX with PHOTOSYNC_CERTIFICATE_PASSWORD"));
    }
    let keys: Vec<pem::Pem> = blocks
        .into_iter()
        .filter(|b| b.tag() == "PRIVATE KEY" || b.tag() == "RSA PRIVATE KEY")
        .collect();
    if keys.is_empty() {
        return Err(cert_error(path, "no PRIVATE KEY block in the PEM file"));
    }
    Ok((certs, keys))
}

/// The certificates of the PFX's key entry (the app's and its chain) and the private key.
fn from_pfx(
    path: &Path,
    bytes: &[u8],
    password: Option<&Secret>,
) -> Result<(Vec<Vec<u8>>, Vec<pem::Pem>)> {
    let pass = password.map(Secret::expose).unwrap_or("");
    let store =
        p12_keystore::KeyStore::from_pkcs12(bytes, pass, Default::default()).map_err(|e| {
            cert_error(
                path,
                format!("not a readable PFX (wrong password or not PKCS#12: {e})"),
            )
        })?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or_else(|| cert_error(path, "the PFX holds no private key with its certificate"))?;
    let certs: Vec<Vec<u8>> = chain.certs().iter().map(|c| c.as_der().to_vec()).collect();
    if certs.is_empty() {
        return Err(cert_error(path, "the PFX holds no certificate"));
    }
    let key = pem::Pem::new("PRIVATE KEY", chain.key().as_der().to_vec());
    Ok((certs, vec![key]))
}

/// The private key and the certificate it belongs to (the same RSA modulus), of those the
/// file holds. A file may hold the issuing chain too, in any order, an old certificate beside
/// its renewal, or a stray key; Entra ID finds the app's certificate by the thumbprint the
/// assertion names, and the wrong one, or a certificate beside another's key, fails every token
/// request with an error that does not say why. Of several certificates of one key, the latest
/// to expire. Keys that are not RSA are left to the key loader's own error.
fn key_and_certificate(
    path: &Path,
    certs: Vec<Vec<u8>>,
    keys: Vec<pem::Pem>,
) -> Result<(pem::Pem, Vec<u8>)> {
    let rsa: Vec<(&pem::Pem, &[u8])> = keys
        .iter()
        .filter_map(|key| Some((key, rsa_key_modulus(key)?)))
        .collect();
    if rsa.is_empty() {
        let none = |what: &str| cert_error(path, format!("no {what} in the file"));
        let key = keys.first().ok_or_else(|| none("private key"))?;
        let cert = certs.first().ok_or_else(|| none("certificate"))?;
        return Ok((key.clone(), cert.clone()));
    }
    let pairs = rsa.iter().flat_map(|&(key, modulus)| {
        certs
            .iter()
            .filter(move |cert| certificate_modulus(cert) == Some(modulus))
            .map(move |cert| (key, cert))
    });
    if let Some((key, cert)) = pairs.max_by_key(|(_, cert)| not_after(cert).unwrap_or(0)) {
        return Ok((key.clone(), cert.clone()));
    }
    let thumbprints: Vec<String> = certs.iter().map(|c| thumbprint(c)).collect();
    let keys = match rsa.len() {
        1 => "the private key belongs to none".to_string(),
        n => format!("none of the file's {n} private keys belongs to any"),
    };
    let label = if thumbprints.len() == 1 {
        "thumbprint"
    } else {
        "thumbprints"
    };
    Err(cert_error(
        path,
        format!(
            "{keys} of the file's certificates ({label} {})",
            thumbprints.join(", ")
        ),
    )
    .with_hint("put the certificate and the private key made with it in one file (a renewed certificate comes with a new key), or export both together as a PFX"))
}

/// SHA-1 thumbprint in upper-case hex, as the Entra portal shows it.
fn thumbprint(cert_der: &[u8]) -> String {
    Sha1::digest(cert_der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// An expired certificate is refused at startup: Entra ID would refuse every assertion it
/// signs, with an error that does not say why. One expiring within 30 days is warned about.
fn refuse_expired(path: &Path, cert_der: &[u8], now: u64) -> Result<()> {
    let Some(not_after) = not_after(cert_der) else {
        return Ok(());
    };
    let date = civil_date(not_after);
    if not_after < now {
        return Err(cert_error(path, format!("the certificate expired on {date}"))
            .with_hint("create a new certificate, upload its public part to the app registration, and point PHOTOSYNC_CERTIFICATE_PATH at it"));
    }
    if not_after - now < 30 * 86_400 {
        tracing::warn!(expires = %date, "the certificate expires within 30 days: renew it in the app registration");
    }
    Ok(())
}

/// The `n`th field of a certificate's tbsCertificate after its version, read from its DER:
/// Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serial, signature,
/// issuer, validity, subject, subjectPublicKeyInfo, ... }, ... }; 0 is the serial. `None` when
/// the bytes do not read that way.
fn tbs_field(der: &[u8], n: usize) -> Option<&[u8]> {
    let (_, cert, _) = der_item(der)?;
    let (_, tbs, _) = der_item(cert)?;
    let (tag, _, mut rest) = der_item(tbs)?;
    if tag != 0xa0 {
        rest = tbs; // no explicit version: the serial comes first
    }
    for _ in 0..n {
        rest = der_item(rest)?.2;
    }
    Some(der_item(rest)?.1)
}

/// The RSA modulus of a certificate's key: subjectPublicKeyInfo ::= SEQUENCE { algorithm,
/// BIT STRING holding RSAPublicKey ::= SEQUENCE { modulus, publicExponent } }.
fn certificate_modulus(der: &[u8]) -> Option<&[u8]> {
    let spki = tbs_field(der, 5)?;
    let (_, bits, _) = der_item(der_item(spki)?.2)?;
    let (_, public_key, _) = der_item(bits.get(1..)?)?; // after the unused-bits byte
    integer(der_item(public_key)?)
}

/// The RSA modulus of a private key: PKCS#8's PrivateKeyInfo ::= SEQUENCE { version,
/// algorithm, OCTET STRING holding an RSAPrivateKey }, or a bare RSAPrivateKey ::= SEQUENCE {
/// version, modulus, ... }. `None` for any other key.
fn rsa_key_modulus(key: &pem::Pem) -> Option<&[u8]> {
    let mut der = key.contents();
    if key.tag() == "PRIVATE KEY" {
        let (_, info, _) = der_item(der)?;
        let after_version = der_item(info)?.2;
        der = der_item(der_item(after_version)?.2)?.1;
    }
    let (_, rsa, _) = der_item(der)?;
    integer(der_item(der_item(rsa)?.2)?)
}

/// A DER INTEGER's magnitude, without the leading zero that keeps it positive; `None` for
/// anything but an INTEGER (an EC key holds an OCTET STRING there) and for an empty one.
fn integer<'a>((tag, value, _): (u8, &'a [u8], &[u8])) -> Option<&'a [u8]> {
    let zeros = value.iter().take_while(|&&b| b == 0).count();
    (tag == 0x02 && !value.is_empty()).then(|| &value[zeros.min(value.len() - 1)..])
}

/// The certificate's notAfter (Unix seconds): validity ::= SEQUENCE { notBefore, notAfter }.
fn not_after(der: &[u8]) -> Option<u64> {
    let validity = tbs_field(der, 3)?;
    let (_, _, after) = der_item(validity)?; // notBefore
    let (tag, time, _) = der_item(after)?;
    let text = std::str::from_utf8(time).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 => {
            let yy: u64 = text.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &text[2..])
        }
        0x18 => (text.get(..4)?.parse().ok()?, &text[4..]),
        _ => return None,
    };
    let field = |i: usize| -> Option<u64> { rest.get(i..i + 2)?.parse().ok() };
    let (month, day) = (field(0)?, field(2)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = super::token::days_from_civil(year as i64, month as i64, day as i64);
    let secs = days * 86_400 + (field(4)? * 3600 + field(6)? * 60 + field(8)?) as i64;
    u64::try_from(secs).ok()
}

/// The DER element at the start of `bytes`: its tag, its contents, and the bytes after it.
fn der_item(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |l, b| (l << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    let (contents, after) = rest.split_at(len);
    Some((tag, contents, after))
}

/// `YYYY-MM-DD` of Unix seconds, for messages.
fn civil_date(secs: u64) -> String {
    let z = secs / 86_400 + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate's skeleton: version, serial, signature, issuer, and the validity.
    fn cert_with_validity(not_before: &[u8], not_after: &[u8]) -> Vec<u8> {
        let wrap = |tag: u8, inner: &[u8]| {
            let mut out = vec![tag, inner.len() as u8];
            out.extend_from_slice(inner);
            out
        };
        let validity = wrap(0x30, &[not_before, not_after].concat());
        let tbs = [
            wrap(0xa0, &wrap(0x02, &[2])),
            wrap(0x02, &[1]),
            wrap(0x30, &[]),
            wrap(0x30, &[]),
            validity,
        ]
        .concat();
        wrap(0x30, &wrap(0x30, &tbs))
    }

    // Regression: an expired certificate was loaded and used without a word; Entra ID then
    // refused every assertion with an error that does not say why.
    #[test]
    fn an_expired_certificate_is_refused_at_startup_naming_the_date() {
        let utc = |t: &str| [&[0x17, t.len() as u8][..], t.as_bytes()].concat();
        let der = cert_with_validity(&utc("250101000000Z"), &utc("261106093719Z"));
        assert_eq!(civil_date(not_after(&der).expect("notAfter")), "2026-11-06");
        let now = not_after(&der).expect("notAfter") + 86_400;
        let err = refuse_expired(Path::new("app.pem"), &der, now).expect_err("expired");
        assert!(
            err.message.contains("expired on 2026-11-06"),
            "{}",
            err.message
        );
        assert!(refuse_expired(Path::new("app.pem"), &der, now - 2 * 86_400).is_ok());
        // The emulator's committed test certificate: GeneralizedTime, valid until 2126.
        let pem = include_str!("../../tests/emulator/seed/test-only-app-cert.pem");
        let der = pem::parse(pem).expect("pem").into_contents();
        assert_eq!(civil_date(not_after(&der).expect("notAfter")), "2126-10-30");
    }

    fn seed_file(name: &str) -> String {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/emulator/seed")
                .join(name),
        )
        .expect("test-only seed file")
    }

    fn load_pem(text: &str) -> Result<Certificate> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("app.pem");
        std::fs::write(&path, text).expect("write pem");
        Certificate::load(&path, None, AssertionAlgorithm::Rs256)
    }

    /// The emulator's app certificate, as the Entra portal shows its thumbprint.
    const APP_THUMBPRINT: &str = "14047DB38DBF43DB32C5C1CEE4DD0E8CCEA09717";
    /// The test-only issuing certificate's.
    const ISSUER_THUMBPRINT: &str = "8D16813AC38E65F517224650B61F1D1CA64541FD";

    // Regression: the first CERTIFICATE block was taken as the app's. A PEM holding its issuer
    // first named the issuer's thumbprint, and Entra ID refused every assertion.
    #[test]
    fn the_keys_own_certificate_is_used_whatever_the_chain_order() {
        let (app, issuer, key) = (
            seed_file("test-only-app-cert.pem"),
            seed_file("test-only-ca-cert.pem"),
            seed_file("test-only-app-key.pem"),
        );
        for text in [format!("{issuer}{app}{key}"), format!("{key}{app}{issuer}")] {
            let cert = load_pem(&text).expect("the key's certificate is in the file");
            assert_eq!(cert.thumbprint, APP_THUMBPRINT);
        }
        // A stray key before the app's (review): the pair that belongs together is used.
        let stray = seed_file("test-only-ca-key.pem");
        let cert = load_pem(&format!("{app}{stray}{key}")).expect("the app's key is there too");
        assert_eq!(cert.thumbprint, APP_THUMBPRINT);
        // A renewal that kept its key, beside the expired certificate it replaced (review:
        // the first of the key's certificates was taken, and refused as expired).
        let der = pem::parse(&app).expect("pem").into_contents();
        let (valid, expired) = (b"21261030093719Z", b"20211030093719Z");
        let at = der
            .windows(valid.len())
            .position(|w| w == valid)
            .expect("notAfter");
        let mut old = der.clone();
        old[at..at + valid.len()].copy_from_slice(expired);
        let old = pem::encode(&pem::Pem::new("CERTIFICATE", old));
        let cert = load_pem(&format!("{old}{app}{key}")).expect("the renewal is used");
        assert_eq!(cert.thumbprint, APP_THUMBPRINT);
        let err = load_pem(&format!("{old}{key}")).expect_err("only the expired one");
        assert!(
            err.message.contains("expired on 2021-10-30"),
            "{}",
            err.message
        );
    }

    // Regression: a certificate with another certificate's key (a renewal that kept the old
    // key file) loaded, and every token request then failed without saying why.
    #[test]
    fn a_key_that_is_not_the_certificates_is_refused_naming_the_thumbprint() {
        let text = format!(
            "{}{}",
            seed_file("test-only-app-cert.pem"),
            seed_file("test-only-ca-key.pem")
        );
        let err = load_pem(&text).expect_err("another certificate's key");
        assert_eq!(err.code, ErrorCode::Config);
        assert!(
            err.message
                .contains("belongs to none of the file's certificates")
                && err.message.contains(APP_THUMBPRINT),
            "{}",
            err.message
        );
        assert!(err.hint.as_deref().is_some_and(|h| h.contains("renewed")));
        // A PFX whose key entry carries another certificate is refused the same way.
        let der = |file: &str| pem::parse(seed_file(file)).expect("pem").into_contents();
        let chain = p12_keystore::PrivateKeyChain::new(
            b"photosync-test".to_vec(),
            p12_keystore::PrivateKey::from_der(&der("test-only-app-key.pem")).expect("key"),
            [p12_keystore::Certificate::from_der(&der("test-only-ca-cert.pem")).expect("der")],
        );
        let mut store = p12_keystore::KeyStore::new();
        store.add_entry("app", p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("app.pfx");
        std::fs::write(&path, store.writer("pw").write().expect("pfx")).expect("write pfx");
        let err = Certificate::load(&path, Some(&Secret::new("pw")), AssertionAlgorithm::Rs256)
            .expect_err("a PFX with another certificate's key");
        assert!(
            err.message.contains("belongs to none") && err.message.contains(ISSUER_THUMBPRINT),
            "{}",
            err.message
        );
        // A truncated key, whose modulus is empty, is no RSA key to match (review: it was
        // called another certificate's key).
        assert_eq!(integer((0x02, &[], &[])), None);
        // Two keys, neither the certificate's.
        let err = load_pem(&format!("{text}{}", seed_file("test-only-ca-key.pem")))
            .expect_err("two keys of another certificate");
        assert!(
            err.message
                .contains("none of the file's 2 private keys belongs to any"),
            "{}",
            err.message
        );
        // A key in its traditional form (`RSA PRIVATE KEY`, the RSAPrivateKey that PKCS#8
        // wraps) is matched too: its own certificate loads, another's is refused.
        let traditional = |file: &str| {
            let pkcs8 = pem::parse(seed_file(file)).expect("pem").into_contents();
            let (_, info, _) = der_item(&pkcs8).expect("PrivateKeyInfo");
            let after_algorithm = der_item(der_item(info).expect("version").2).expect("alg").2;
            let rsa = der_item(after_algorithm).expect("octet string").1.to_vec();
            pem::encode(&pem::Pem::new("RSA PRIVATE KEY", rsa))
        };
        let app = seed_file("test-only-app-cert.pem");
        let cert = load_pem(&format!("{app}{}", traditional("test-only-app-key.pem")))
            .expect("its own key, traditional");
        assert_eq!(cert.thumbprint, APP_THUMBPRINT);
        let err = load_pem(&format!("{app}{}", traditional("test-only-ca-key.pem")))
            .expect_err("another's key, traditional");
        assert!(err.message.contains("belongs to none"), "{}", err.message);
    }

    // Regression: a traditional key encrypted in place (`Proc-Type: 4,ENCRYPTED`) was "not an
    // RSA key" instead of "encrypted", with the hint to decrypt it.
    #[test]
    fn a_traditional_encrypted_key_is_said_to_be_encrypted() {
        let cert = include_str!("../../tests/emulator/seed/test-only-app-cert.pem");
        let key = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAECAwQFBgcICQoLDA0ODw==\n-----END RSA PRIVATE KEY-----\n";
        let err = from_pem(Path::new("app.pem"), format!("{cert}{key}").as_bytes())
            .expect_err("encrypted");
        assert!(err.message.contains("encrypted"), "{}", err.message);
    }
}
