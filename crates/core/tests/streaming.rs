//! A 1 GiB upload and a 1 GiB download stream through the transport without ever sitting
//! in memory. Its own test binary, so the peak-memory reading is this test's alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use storkit_core::{Body, Client, Request};
use storkit_mock::demo::DemoApp;
use storkit_mock::{MockServer, ServerConfig};

const GIB: u64 = 1 << 30;
const CHUNK: usize = 256 * 1024;

/// Peak resident set size of this process, from /proc (Linux).
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_gib_each_way_never_sits_in_memory() {
    let server = MockServer::start(
        ServerConfig::new().ips([[127, 0, 0, 91].into()]),
        DemoApp::new(),
    )
    .await
    .unwrap();
    let client = Client::builder(server.urls()[0].clone()).build().unwrap();
    let before = peak_rss_bytes();

    // Upload: a generated stream, hashed on the way out, checked against the server.
    let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(4);
    let producer = tokio::spawn(async move {
        let mut hasher = Sha256::new();
        let chunk: Vec<u8> = (0..CHUNK).map(|i| (i % 251) as u8).collect();
        let chunk = Bytes::from(chunk);
        for _ in 0..(GIB / CHUNK as u64) {
            hasher.update(&chunk);
            if tx.send(Ok(chunk.clone())).await.is_err() {
                break;
            }
        }
        hasher.finalize()
    });
    let stream = support::ReceiverStream(rx);
    let r = client
        .send(Request::put("/sink").body(Body::from_stream(stream, Some(GIB))))
        .await
        .unwrap();
    assert!(r.is_success(), "{:?}", r.text());
    let answer: serde_json::Value = r.json().unwrap();
    let digest = producer.await.unwrap();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(answer["len"], GIB);
    assert_eq!(answer["sha256"], hex.as_str());

    // Download: read chunk by chunk, checking the deterministic pattern as it comes.
    let mut response = client
        .send_streaming(Request::get(format!("/bytes/{GIB}")))
        .await
        .unwrap();
    assert!(response.status().is_success());
    let body = response.body_mut();
    let mut offset: u64 = 0;
    while let Some(chunk) = body.chunk().await.unwrap() {
        for (i, b) in chunk.iter().enumerate().step_by(4093) {
            assert_eq!(*b, ((offset + i as u64) % 251) as u8);
        }
        offset += chunk.len() as u64;
    }
    assert_eq!(offset, GIB);
    assert!(body.total().is_some());

    let grown = peak_rss_bytes().saturating_sub(before);
    eprintln!(
        "streamed {offset} bytes down and {GIB} up; peak memory grew by {} KiB",
        grown >> 10
    );
    assert!(
        grown < 128 * 1024 * 1024,
        "peak memory grew by {} MiB while streaming 2 GiB",
        grown >> 20
    );
}
