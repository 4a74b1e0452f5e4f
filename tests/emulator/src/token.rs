//! Access tokens the emulator issues (HS256 JWTs with Entra v1-style app claims) and the
//! verification of client-assertion JWTs against registered certificates (RS256 and PS256).

use aws_lc_rs::{hmac, signature};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::{Deserialize, Serialize};
use sha1::Digest as _;

/// How the app proved its identity; drives SharePoint's "Unsupported app only token".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CredentialKind {
    Secret,
    Certificate,
    ManagedIdentity,
}

impl CredentialKind {
    /// Entra's `appidacr`: 1 = client secret, 2 = certificate (managed identity tokens carry 2).
    pub fn appidacr(self) -> &'static str {
        match self {
            CredentialKind::Secret => "1",
            CredentialKind::Certificate | CredentialKind::ManagedIdentity => "2",
        }
    }
}

/// Claims of an issued access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub aud: String,
    pub iss: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub appid: String,
    pub azp: String,
    pub tid: String,
    pub oid: String,
    pub sub: String,
    #[serde(default)]
    pub roles: Vec<String>,
    pub idtyp: String,
    pub ver: String,
    pub appidacr: String,
    /// Emulator extension: `secret` / `certificate` / `managedIdentity`.
    pub xms_emu_cred: CredentialKind,
    pub uti: String,
}

impl AccessClaims {
    pub fn has_any_role(&self, wanted: &[&str]) -> bool {
        self.roles
            .iter()
            .any(|r| wanted.iter().any(|w| w.eq_ignore_ascii_case(r)))
    }
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    Missing,
    Malformed,
    BadSignature,
    Expired,
    WrongAudience(String),
}

impl TokenError {
    pub fn message(&self) -> String {
        match self {
            TokenError::Missing => "Access token is empty.".into(),
            TokenError::Malformed => "IDX14100: JWT is not well formed.".into(),
            TokenError::BadSignature => {
                "Access token validation failure. Invalid signature.".into()
            }
            TokenError::Expired => "Lifetime validation failed, the token is expired.".into(),
            TokenError::WrongAudience(aud) => {
                format!("Access token validation failure. Invalid audience '{aud}'.")
            }
        }
    }
}

/// Signs and verifies the emulator's own tokens with a per-run random key.
pub struct TokenSigner {
    key: hmac::Key,
}

impl TokenSigner {
    pub fn new() -> Self {
        let mut secret = [0u8; 32];
        let random = uuid::Uuid::new_v4();
        secret[..16].copy_from_slice(random.as_bytes());
        secret[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        TokenSigner {
            key: hmac::Key::new(hmac::HMAC_SHA256, &secret),
        }
    }

    pub fn issue(&self, claims: &AccessClaims) -> String {
        let header = B64URL.encode(br#"{"typ":"JWT","alg":"HS256","kid":"emulator"}"#);
        let body = B64URL.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signing_input = format!("{header}.{body}");
        let sig = hmac::sign(&self.key, signing_input.as_bytes());
        format!("{signing_input}.{}", B64URL.encode(sig.as_ref()))
    }

    pub fn verify(&self, token: &str, now: u64) -> Result<AccessClaims, TokenError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(TokenError::Missing);
        }
        let mut parts = token.rsplitn(2, '.');
        let (sig, signing_input) = match (parts.next(), parts.next()) {
            (Some(s), Some(i)) => (s, i),
            _ => return Err(TokenError::Malformed),
        };
        let sig = B64URL.decode(sig).map_err(|_| TokenError::Malformed)?;
        let body = signing_input
            .split('.')
            .nth(1)
            .ok_or(TokenError::Malformed)?;
        hmac::verify(&self.key, signing_input.as_bytes(), &sig)
            .map_err(|_| TokenError::BadSignature)?;
        let claims: AccessClaims = B64URL
            .decode(body)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(TokenError::Malformed)?;
        if now >= claims.exp {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

impl Default for TokenSigner {
    fn default() -> Self {
        Self::new()
    }
}

/// A registered app certificate, with the thumbprints assertions may name.
#[derive(Debug, Clone)]
pub struct RegisteredCert {
    /// PKCS#1 RSAPublicKey DER from the certificate's SubjectPublicKeyInfo.
    pub rsa_public_key: Vec<u8>,
    /// base64url SHA-1 of the DER certificate (`x5t`).
    pub x5t: String,
    /// base64url SHA-256 of the DER certificate (`x5t#S256`).
    pub x5t_s256: String,
}

impl RegisteredCert {
    pub fn from_pem(pem: &str) -> anyhow::Result<RegisteredCert> {
        let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes())
            .map_err(|e| anyhow::anyhow!("certificate PEM is not valid: {e}"))?;
        let (_, cert) = x509_parser::parse_x509_certificate(&pem.contents)
            .map_err(|e| anyhow::anyhow!("certificate DER is not valid: {e}"))?;
        let rsa_public_key = cert.public_key().subject_public_key.data.to_vec();
        Ok(RegisteredCert {
            rsa_public_key,
            x5t: B64URL.encode(sha1::Sha1::digest(&pem.contents)),
            x5t_s256: B64URL.encode(sha2::Sha256::digest(&pem.contents)),
        })
    }
}

/// An Entra token-endpoint failure (`AADSTSnnnn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AadError {
    pub status: u16,
    pub error: &'static str,
    pub code: u32,
    pub description: String,
}

impl AadError {
    pub fn new(
        status: u16,
        error: &'static str,
        code: u32,
        description: impl Into<String>,
    ) -> Self {
        AadError {
            status,
            error,
            code,
            description: description.into(),
        }
    }
}

#[derive(Deserialize)]
struct AssertionHeader {
    alg: String,
    #[serde(default)]
    x5t: Option<String>,
    #[serde(rename = "x5t#S256", default)]
    x5t_s256: Option<String>,
}

#[derive(Deserialize)]
struct AssertionClaims {
    #[serde(default)]
    aud: Option<serde_json::Value>,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default, deserialize_with = "numeric_date")]
    exp: Option<u64>,
    #[serde(default, deserialize_with = "numeric_date")]
    nbf: Option<u64>,
}

/// A JWT NumericDate as a JSON number, or as a string of digits: MSAL.NET writes its
/// assertion's `nbf` and `exp` as strings (`JsonWebToken.cs`, `"nbf":"{validFrom}"`), and Entra
/// accepts what Microsoft's own library sends.
fn numeric_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    use serde::de::Error as _;
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            .map(Some)
            .ok_or_else(|| D::Error::custom("a NumericDate must not be negative")),
        Some(serde_json::Value::String(s)) => s
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| D::Error::custom("a NumericDate string must be digits")),
        Some(_) => Err(D::Error::custom("a NumericDate is a number")),
    }
}

/// Allowed clock skew for assertion `exp`/`nbf` (UNVERIFIED; 5 minutes is the usual default).
pub const ASSERTION_SKEW_SECS: u64 = 300;

/// Verifies a `client_assertion` exactly as far as the documentation describes.
pub fn verify_assertion(
    jwt: &str,
    client_id: &str,
    certs: &[RegisteredCert],
    accepted_audiences: &[String],
    now: u64,
    reject_x5t_s256: bool,
) -> Result<(), AadError> {
    let malformed = |what: &str| {
        AadError::new(
            400,
            "invalid_client",
            50027,
            format!("AADSTS50027: JWT token is invalid or malformed. {what}"),
        )
    };
    let parts: Vec<&str> = jwt.trim().split('.').collect();
    if parts.len() != 3 {
        return Err(malformed("The assertion does not have three parts."));
    }
    let header: AssertionHeader = B64URL
        .decode(parts[0])
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| malformed("The header is not valid JSON."))?;
    let claims: AssertionClaims = B64URL
        .decode(parts[1])
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| malformed("The payload is not valid JSON."))?;
    let sig = B64URL
        .decode(parts[2])
        .map_err(|_| malformed("The signature is not base64url."))?;

    // With the switch on, only the SHA-1 `x5t` identifies a certificate, as in the customer
    // tests where an `x5t#S256` assertion failed with AADSTS700027 (spec §12).
    let cert = certs
        .iter()
        .find(|c| {
            (!reject_x5t_s256 && header.x5t_s256.as_deref() == Some(c.x5t_s256.as_str()))
                || header.x5t.as_deref() == Some(c.x5t.as_str())
        })
        .ok_or_else(|| {
            AadError::new(
                401,
                "invalid_client",
                700027,
                format!(
                    "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{}']",
                    header.x5t_s256.clone().or(header.x5t.clone()).unwrap_or_default()
                ),
            )
        })?;
    let algorithm: &dyn signature::VerificationAlgorithm = match header.alg.as_str() {
        "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
        "PS256" => &signature::RSA_PSS_2048_8192_SHA256,
        other => {
            return Err(malformed(&format!(
                "Unsupported signing algorithm '{other}'."
            )));
        }
    };
    let signing_input = format!("{}.{}", parts[0], parts[1]);
    signature::UnparsedPublicKey::new(algorithm, &cert.rsa_public_key)
        .verify(signing_input.as_bytes(), &sig)
        .map_err(|_| {
            AadError::new(
                401,
                "invalid_client",
                700027,
                "AADSTS700027: Client assertion failed signature validation.",
            )
        })?;

    let aud_ok = match &claims.aud {
        Some(serde_json::Value::String(a)) => accepted_audiences.iter().any(|x| x == a),
        Some(serde_json::Value::Array(list)) => list
            .iter()
            .filter_map(|v| v.as_str())
            .any(|a| accepted_audiences.iter().any(|x| x == a)),
        _ => false,
    };
    if !aud_ok {
        return Err(AadError::new(
            400,
            "invalid_client",
            700023,
            format!(
                "AADSTS700023: Client assertion audience claim does not match Realm issuer. Audience {:?}; expected the token endpoint URL.",
                claims.aud
            ),
        ));
    }
    if claims.iss.as_deref() != Some(client_id) || claims.sub.as_deref() != Some(client_id) {
        return Err(AadError::new(
            400,
            "invalid_client",
            700021,
            "AADSTS700021: Client assertion application identifier doesn't match 'client_id' parameter.",
        ));
    }
    let exp = claims
        .exp
        .ok_or_else(|| malformed("The assertion has no 'exp'."))?;
    if now > exp + ASSERTION_SKEW_SECS {
        return Err(AadError::new(
            400,
            "invalid_client",
            700024,
            "AADSTS700024: Client assertion is not within its valid time range (expired).",
        ));
    }
    if let Some(nbf) = claims.nbf
        && nbf > now + ASSERTION_SKEW_SECS
    {
        return Err(AadError::new(
            400,
            "invalid_client",
            700024,
            "AADSTS700024: Client assertion is not within its valid time range (not yet valid).",
        ));
    }
    Ok(())
}
