//! National clouds (issue 21 §6), tested without reaching them: the real binary runs with
//! `HTTPS_PROXY` pointing at a loopback proxy that records the host of every `CONNECT` and
//! refuses it. Each cloud's first request goes to that cloud's sign-in host (or, with a ready
//! token, its Graph host), and an explicit URL still wins.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use photosync_testkit::photosync;

/// A proxy that answers every `CONNECT` with 403 after sending its first line on.
fn refusing_proxy() -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (seen, requests) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
                match stream.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            let head = String::from_utf8_lossy(&head);
            let first = head.lines().next().unwrap_or_default().to_string();
            let _ = stream.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
            if seen.send(first).is_err() {
                return;
            }
        }
    });
    (url, requests)
}

/// Run photosync with `env` through a fresh refusing proxy; the `host:port` of its first
/// request. The run is stopped there: refused, it would only retry the same host.
fn first_host(env: &[(&str, &str)], args: &[&str], stdin: &str) -> String {
    let (proxy, requests) = refusing_proxy();
    let (mut child, input) = photosync!()
        .args(args)
        .clean_env()
        .inherit("PATH")
        .env("HTTPS_PROXY", &proxy)
        .envs(env.iter().copied())
        .stdin(stdin)
        .spawn();
    drop(input);
    // A hang guard, not a timing: the first request comes as soon as the binary starts.
    let first = requests.recv_timeout(Duration::from_secs(120));
    let _ = child.kill();
    let out = child.wait_with_output().expect("photosync ends");
    let first = first.unwrap_or_else(|_| {
        panic!(
            "nothing went through the proxy:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut words = first.split_whitespace();
    assert_eq!(words.next(), Some("CONNECT"), "not a tunnel: {first}");
    words.next().unwrap_or_default().to_string()
}

const SECRET_APP: [(&str, &str); 3] = [
    ("PHOTOSYNC_TENANT_ID", "contoso.onmicrosoft.us"),
    (
        "PHOTOSYNC_CLIENT_ID",
        "aaaaaaaa-0000-0000-0000-00000000000a",
    ),
    ("PHOTOSYNC_CLIENT_SECRET", "not-a-real-secret"),
];

/// A ready token (unsigned: nothing here checks signatures) for the Graph at `audience`: a
/// token for anything else is refused before any request is made.
fn ready_token(audience: &str) -> String {
    use base64::Engine;
    let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.sig",
        enc.encode(br#"{"typ":"JWT","alg":"none"}"#),
        enc.encode(serde_json::json!({ "aud": audience }).to_string())
    )
}

fn with<'a>(base: &[(&'a str, &'a str)], more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    base.iter().chain(more).copied().collect()
}

#[test]
fn each_cloud_signs_in_at_its_own_login_host() {
    for (cloud, login) in [
        ("global", "login.microsoftonline.com:443"),
        ("usgov", "login.microsoftonline.us:443"),
        ("usgovdod", "login.microsoftonline.us:443"),
        ("china", "login.chinacloudapi.cn:443"),
    ] {
        let env = with(&SECRET_APP, &[("PHOTOSYNC_CLOUD", cloud)]);
        assert_eq!(first_host(&env, &["auth", "test"], ""), login, "{cloud}");
    }
    // The flag does the same, and wins over the variable.
    let env = with(&SECRET_APP, &[("PHOTOSYNC_CLOUD", "global")]);
    let host = first_host(&env, &["auth", "test", "--cloud", "china"], "");
    assert_eq!(host, "login.chinacloudapi.cn:443");
}

#[test]
fn each_cloud_calls_its_own_graph_host() {
    let record = r#"{"userPrincipalName":"ann@contoso.onmicrosoft.us"}"#;
    for (cloud, graph) in [
        ("global", "graph.microsoft.com:443"),
        ("usgov", "graph.microsoft.us:443"),
        ("usgovdod", "dod-graph.microsoft.us:443"),
        ("china", "microsoftgraph.chinacloudapi.cn:443"),
    ] {
        let token = ready_token(&format!("https://{}", graph.trim_end_matches(":443")));
        let env = with(
            &[
                ("PHOTOSYNC_TENANT_ID", "contoso.onmicrosoft.us"),
                ("PHOTOSYNC_ACCESS_TOKEN", &token),
            ],
            &[("PHOTOSYNC_CLOUD", cloud)],
        );
        let args = ["status", "--stores", "graph", "--progress", "none"];
        assert_eq!(first_host(&env, &args, record), graph, "{cloud}");
    }
}

#[test]
fn explicit_urls_win_over_the_clouds_hosts() {
    let env = with(
        &SECRET_APP,
        &[
            ("PHOTOSYNC_CLOUD", "china"),
            ("PHOTOSYNC_LOGIN_URL", "https://login.example.test"),
        ],
    );
    assert_eq!(
        first_host(&env, &["auth", "test"], ""),
        "login.example.test:443"
    );
    let token = ready_token("https://graph.example.test");
    let env = with(
        &[
            ("PHOTOSYNC_TENANT_ID", "contoso.onmicrosoft.us"),
            ("PHOTOSYNC_ACCESS_TOKEN", &token),
        ],
        &[("PHOTOSYNC_CLOUD", "usgovdod")],
    );
    let host = first_host(
        &env,
        &[
            "status",
            "--stores",
            "graph",
            "--progress",
            "none",
            "--graph-url",
            "https://graph.example.test/v1.0",
        ],
        r#"{"userPrincipalName":"ann@contoso.onmicrosoft.us"}"#,
    );
    assert_eq!(host, "graph.example.test:443");
}
