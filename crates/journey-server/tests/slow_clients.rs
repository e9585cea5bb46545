//! Connections that stall are closed, and at most `--max-connections` are served at once.
//! Every wait here is bounded: a server that kept a stalled connection open fails the test
//! at the bound instead of hanging.

mod common;

use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const T0: &str = "2026-01-01T08:00:00Z";
const BOUND: Duration = Duration::from_secs(10);

async fn with_limits(header_timeout_ms: u64, body_timeout_ms: u64, max_connections: usize) -> Harness {
    Harness::start_in(tempfile::tempdir().unwrap(), T0, move |mut c| {
        c.header_timeout_ms = header_timeout_ms;
        c.body_timeout_ms = body_timeout_ms;
        c.max_connections = max_connections;
        c
    })
    .await
}

/// Reads until the server closes the connection; what it sent, or `None` past the bound.
async fn read_until_closed(stream: &mut TcpStream) -> Option<String> {
    let mut received = Vec::new();
    tokio::time::timeout(BOUND, stream.read_to_end(&mut received)).await.ok()?.ok()?;
    Some(String::from_utf8_lossy(&received).into_owned())
}

#[tokio::test]
async fn a_connection_that_stops_mid_header_is_closed_after_the_header_timeout() {
    let h = with_limits(300, 30_000, 64).await;
    let mut stream = TcpStream::connect(h.server.addr).await.unwrap();
    stream.write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nAccept: appl").await.unwrap();
    let answer = read_until_closed(&mut stream).await.expect("closed within the bound");
    assert!(!answer.contains("200 OK"), "{answer}");
}

#[tokio::test]
async fn a_connection_that_stops_mid_body_is_answered_and_closed_after_the_body_timeout() {
    let h = with_limits(30_000, 300, 64).await;
    let mut stream = TcpStream::connect(h.server.addr).await.unwrap();
    let head = "POST /api/datasets HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(b"{\"name\": \"Sign").await.unwrap();
    let answer = read_until_closed(&mut stream).await.expect("closed within the bound");
    // Nothing was created, and the answer (if the server had time to send one) is an error.
    assert!(!answer.contains("201"), "{answer}");
    let list = h.http.get(h.url("/api/journeys")).send().await.unwrap();
    assert_eq!(list.status(), 200);
}

#[tokio::test]
async fn no_more_than_max_connections_are_served_at_once() {
    let h = with_limits(30_000, 30_000, 2).await;
    let request = b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    // Two idle connections take both places.
    let first = TcpStream::connect(h.server.addr).await.unwrap();
    let _second = TcpStream::connect(h.server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = TcpStream::connect(h.server.addr).await.unwrap();
    third.write_all(request).await.unwrap();
    let mut buf = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(500), third.read(&mut buf)).await;
    assert!(early.is_err(), "the third connection was served while two were open");
    // One place frees: the waiting connection is served.
    drop(first);
    let answer = read_until_closed(&mut third).await.expect("served within the bound");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn a_too_long_address_or_too_large_headers_get_a_json_answer() {
    let h = with_limits(30_000, 30_000, 64).await;
    let long = format!("/api/journeys?q={}", "a".repeat(9 * 1024));
    let res = h.http.get(h.url(&long)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 414);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "uri_too_long");
    let res = h.http.get(h.url("/api/journeys")).header("x-padding", "p".repeat(17 * 1024)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 431);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "headers_too_large");
}
