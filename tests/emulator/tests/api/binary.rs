//! The `photosync-emulator` binary: one JSON line of URLs on stdout, serving until killed,
//! `--fault` JSON applied, bad arguments reported with exit code 2.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::common::client;

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn prints_endpoints_and_serves_with_faults_and_tls() {
    let tls = std::env::temp_dir().join(format!("emu-bin-tls-{}", std::process::id()));
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_photosync-emulator"))
            .args(["--listen", "127.0.0.1:0", "--latency-ms", "1"])
            .args(["--fault", r#"{"noPhoto":"imageNotFound"}"#])
            .arg("--tls-dir")
            .arg(&tls)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("binary starts"),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let urls: Value = serde_json::from_str(&line).expect("one JSON line");
    assert!(tls.join("ca.crt").exists());
    assert_eq!(
        urls["caCertPath"].as_str().unwrap(),
        tls.join("ca.crt").to_str().unwrap()
    );
    let faults: Value = client()
        .get(format!("{}/faults", urls["adminUrl"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(faults["noPhoto"], "imageNotFound");
    assert_eq!(faults["latencyMs"], 1);
    let ca = reqwest::Certificate::from_pem(&std::fs::read(tls.join("ca.crt")).unwrap()).unwrap();
    let https = reqwest::Client::builder()
        .add_root_certificate(ca)
        .no_proxy()
        .build()
        .unwrap();
    let r = https
        .get(format!(
            "{}/{}/v2.0/.well-known/openid-configuration",
            urls["httpsBaseUrl"].as_str().unwrap(),
            urls["tenantId"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let _ = std::fs::remove_dir_all(&tls);
}

#[test]
fn bad_fault_json_exits_2_with_a_hint() {
    let out = Command::new(env!("CARGO_BIN_EXE_photosync-emulator"))
        .args(["--fault", "{not json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("hint:"));
}
