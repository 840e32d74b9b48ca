//! Large bodies stream both ways without being buffered.

use http::{Method, Request};
use http_body_util::BodyExt;
use storkit_mock::demo::DemoApp;
use storkit_mock::{MockServer, ServerConfig, body};

use crate::support::{NODE_A, json_field, plain_client, send};

const LEN: u64 = 64 * 1024 * 1024;
/// `sha256` of the first 64 MiB of the pattern, computed outside Rust.
const PATTERN_64_MIB_SHA256: &str =
    "98dc891b284e4d84ac25b0c0a24fdbe39a7f0dbd643ad5e8aa06e02fc6258254";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_64_mib_streams_the_pattern() {
    let server = MockServer::start(ServerConfig::new().ips([NODE_A]), DemoApp::new())
        .await
        .unwrap();
    let client = plain_client();
    let request = Request::get(format!("{}/bytes/{LEN}", server.url()))
        .body(body::empty())
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], LEN.to_string());

    let mut body = response.into_body();
    let mut offset = 0u64;
    let mut largest = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.unwrap();
        let Some(data) = frame.data_ref() else {
            continue;
        };
        largest = largest.max(data.len());
        let mut checked = 0;
        while checked < data.len() {
            let expected = body::pattern_chunk(offset + checked as u64, data.len() - checked);
            assert_eq!(
                data[checked..checked + expected.len()],
                expected[..],
                "at {offset}"
            );
            checked += expected.len();
        }
        offset += data.len() as u64;
    }
    assert_eq!(offset, LEN);
    // Chunks stay small: the body was never gathered in one piece on either side.
    assert!(largest <= 1024 * 1024, "{largest}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_64_mib_is_hashed_chunk_by_chunk() {
    let server = MockServer::start(ServerConfig::new().ips([NODE_A]), DemoApp::new())
        .await
        .unwrap();
    let reply = send(
        &plain_client(),
        Method::PUT,
        &format!("{}/sink", server.url()),
        body::pattern(LEN),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(json_field(reply.text(), "len"), Some(LEN.to_string()));
    assert_eq!(
        json_field(reply.text(), "sha256").as_deref(),
        Some(PATTERN_64_MIB_SHA256)
    );
}
