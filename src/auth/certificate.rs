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
        let (cert_der, key_pem) = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            from_pem(path, &bytes)?
        } else {
            from_pfx(path, &bytes, password)?
        };
        let key = EncodingKey::from_rsa_pem(key_pem.as_bytes())
            .map_err(|e| cert_error(path, format!("the private key is not an RSA key ({e})")))?;
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let sha1 = Sha1::digest(&cert_der);
        let cert = Certificate {
            key,
            x5t_s256: enc.encode(Sha256::digest(&cert_der)),
            x5t: enc.encode(sha1),
            thumbprint: sha1.iter().map(|b| format!("{b:02X}")).collect(),
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

fn from_pem(path: &Path, bytes: &[u8]) -> Result<(Vec<u8>, String)> {
    let blocks = pem::parse_many(bytes).map_err(|e| cert_error(path, e))?;
    let cert = blocks
        .iter()
        .find(|b| b.tag() == "CERTIFICATE")
        .ok_or_else(|| cert_error(path, "no CERTIFICATE block in the PEM file"))?;
    if blocks.iter().any(|b| b.tag() == "ENCRYPTED PRIVATE KEY") {
        return Err(cert_error(path, "the private key is encrypted")
            .with_hint("decrypt it (openssl pkey -in key.pem -out plain.pem) or use a PFX with PHOTOSYNC_CERTIFICATE_PASSWORD"));
    }
    let key = blocks
        .iter()
        .find(|b| b.tag() == "PRIVATE KEY" || b.tag() == "RSA PRIVATE KEY")
        .ok_or_else(|| cert_error(path, "no PRIVATE KEY block in the PEM file"))?;
    Ok((cert.contents().to_vec(), pem::encode(key)))
}

fn from_pfx(path: &Path, bytes: &[u8], password: Option<&Secret>) -> Result<(Vec<u8>, String)> {
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
    let cert = chain
        .certs()
        .first()
        .ok_or_else(|| cert_error(path, "the PFX holds no certificate"))?;
    let key_pem = pem::encode(&pem::Pem::new("PRIVATE KEY", chain.key().as_der().to_vec()));
    Ok((cert.as_der().to_vec(), key_pem))
}
