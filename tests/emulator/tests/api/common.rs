//! Shared helpers: start the example tenant, obtain tokens, build client assertions.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use photosync_emulator::{Emulator, Options, RunningEmulator, Seed};
use serde_json::{Value, json};
use sha1::Digest as _;

pub const TENANT: &str = "11111111-2222-3333-4444-555555555555";
pub const SECRET_APP: &str = "aaaaaaaa-0000-4000-8000-000000000001";
pub const SECRET: &str = "test-only-secret-not-real";
pub const CERT_APP: &str = "aaaaaaaa-0000-4000-8000-000000000002";
pub const READONLY_APP: &str = "aaaaaaaa-0000-4000-8000-000000000003";
pub const READONLY_SECRET: &str = "test-only-readonly-secret";
pub const NOROLES_APP: &str = "aaaaaaaa-0000-4000-8000-000000000004";
pub const NOROLES_SECRET: &str = "test-only-noroles-secret";
pub const MI_APP: &str = "aaaaaaaa-0000-4000-8000-000000000005";
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

pub fn start() -> RunningEmulator {
    start_with(Options::default())
}

pub fn start_with(options: Options) -> RunningEmulator {
    Emulator::start(Seed::example().expect("example seed loads"), options).expect("emulator starts")
}

/// A tenant of the test's own with `faults`.
pub fn start_seed(seed: Seed, faults: photosync_emulator::Faults) -> RunningEmulator {
    Emulator::start(
        seed,
        Options {
            faults,
            ..Options::default()
        },
    )
    .expect("emulator starts")
}

/// GET a v1.0 path as the app `token` was issued to: (status, JSON body or Null).
pub async fn get_json(emu: &RunningEmulator, token: &str, path: &str) -> (u16, Value) {
    let r = client()
        .get(format!("{}/v1.0{path}", emu.graph_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client")
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn token_url(emu: &RunningEmulator) -> String {
    format!("{}/{TENANT}/oauth2/v2.0/token", emu.login_url())
}

/// POSTs a token request; returns (status, JSON body).
pub async fn token_request(emu: &RunningEmulator, form: &[(&str, &str)]) -> (u16, Value) {
    let resp = client()
        .post(token_url(emu))
        .form(form)
        .send()
        .await
        .expect("token request sent");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("token response is JSON"))
}

pub async fn secret_token(emu: &RunningEmulator, app: &str, secret: &str, scope: &str) -> String {
    let (status, body) = token_request(
        emu,
        &[
            ("client_id", app),
            ("client_secret", secret),
            ("grant_type", "client_credentials"),
            ("scope", scope),
        ],
    )
    .await;
    assert_eq!(status, 200, "token request failed: {body}");
    body["access_token"].as_str().unwrap().to_string()
}

pub async fn graph_token(emu: &RunningEmulator) -> String {
    secret_token(emu, SECRET_APP, SECRET, GRAPH_SCOPE).await
}

fn pem_der(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap()
}

pub fn test_key() -> KeyPair {
    let pem = std::fs::read_to_string(Seed::example_test_only_key_path()).unwrap();
    KeyPair::from_pkcs8(&pem_der(&pem)).unwrap()
}

pub fn cert_der() -> Vec<u8> {
    pem_der(&std::fs::read_to_string(Seed::example_test_only_cert_path()).unwrap())
}

/// Knobs for building a (possibly deliberately broken) client assertion.
pub struct Assertion {
    pub alg: &'static str,
    pub sha256_thumbprint: bool,
    pub aud: String,
    pub iss: String,
    pub sub: String,
    pub nbf: u64,
    pub exp: u64,
    pub key: Option<KeyPair>,
    pub thumbprint_of: Vec<u8>,
    /// Write `nbf` and `exp` as JSON strings, as MSAL.NET does.
    pub string_dates: bool,
}

impl Assertion {
    pub fn valid(emu: &RunningEmulator) -> Assertion {
        let n = now();
        Assertion {
            alg: "PS256",
            sha256_thumbprint: true,
            aud: token_url(emu),
            iss: CERT_APP.into(),
            sub: CERT_APP.into(),
            nbf: n,
            exp: n + 600,
            key: None,
            thumbprint_of: cert_der(),
            string_dates: false,
        }
    }

    pub fn sign(&self) -> String {
        let mut header = json!({"alg": self.alg, "typ": "JWT"});
        if self.sha256_thumbprint {
            header["x5t#S256"] = json!(B64URL.encode(sha2::Sha256::digest(&self.thumbprint_of)));
        } else {
            header["x5t"] = json!(B64URL.encode(sha1::Sha1::digest(&self.thumbprint_of)));
        }
        let mut claims = json!({"aud": self.aud, "iss": self.iss, "sub": self.sub, "jti": uuid::Uuid::new_v4().to_string(),
                            "nbf": self.nbf, "exp": self.exp, "iat": self.nbf});
        if self.string_dates {
            claims["nbf"] = json!(self.nbf.to_string());
            claims["exp"] = json!(self.exp.to_string());
        }
        let input = format!(
            "{}.{}",
            B64URL.encode(header.to_string()),
            B64URL.encode(claims.to_string())
        );
        let owned;
        let key = match &self.key {
            Some(k) => k,
            None => {
                owned = test_key();
                &owned
            }
        };
        let alg: &'static dyn signature::RsaEncoding = if self.alg == "PS256" {
            &signature::RSA_PSS_SHA256
        } else {
            &signature::RSA_PKCS1_SHA256
        };
        let mut sig = vec![0u8; key.public_modulus_len()];
        key.sign(
            alg,
            &aws_lc_rs::rand::SystemRandom::new(),
            input.as_bytes(),
            &mut sig,
        )
        .unwrap();
        format!("{input}.{}", B64URL.encode(sig))
    }
}

pub async fn cert_token(emu: &RunningEmulator, scope: &str) -> String {
    let assertion = Assertion::valid(emu).sign();
    let (status, body) = token_request(
        emu,
        &[
            ("client_id", CERT_APP),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
            ("grant_type", "client_credentials"),
            ("scope", scope),
        ],
    )
    .await;
    assert_eq!(status, 200, "certificate token request failed: {body}");
    body["access_token"].as_str().unwrap().to_string()
}

/// Claims of a JWT (no verification; for asserting what the emulator put in).
pub fn claims(token: &str) -> Value {
    let body = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64URL.decode(body).unwrap()).unwrap()
}

/// A small JPEG for uploads.
pub fn jpeg(width: u32, height: u32, shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([shade, (x % 256) as u8, (y % 256) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, 90, (y % 256) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// Waits for an event (never for a duration): polls `ready`, failing only as a hang guard.
pub async fn wait_for(what: &str, ready: impl Fn() -> bool) {
    let guard = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !ready() {
        assert!(
            std::time::Instant::now() < guard,
            "hang guard: still waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// Waits until `n` requests are held by added latency on the frozen clock: all of them are in
/// the emulator at once, admitted or refused, and stay there until the clock moves.
pub async fn wait_until_held(emu: &RunningEmulator, n: usize) {
    let admin = emu.admin();
    wait_for(&format!("{n} requests held by the clock"), || {
        admin.requests_waiting_for_clock() == n
    })
    .await;
}
