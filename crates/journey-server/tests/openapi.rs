//! The OpenAPI document matches the API: every route is documented and answered, and (with
//! `--ignored`) schemathesis finds no server error and no response that breaks the schema.
//!
//! Schemathesis (from PyPI: `pip install schemathesis`):
//! ```sh
//! SCHEMATHESIS=$(command -v schemathesis) cargo test -p journey-server --test openapi -- --ignored --nocapture
//! ```
//! or against a running server:
//! ```sh
//! schemathesis run http://127.0.0.1:8080/api/openapi.json \
//!   --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
//! ```

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::Value;

#[tokio::test]
async fn every_route_is_documented_and_answered() {
    let h = Harness::start("2026-01-01T00:00:00Z").await;
    let spec = h.ok("/api/openapi.json").await;
    assert_eq!(spec, journey_server::openapi::spec());
    let mut documented = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            documented.insert((method.clone(), path.clone()));
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}");
        }
    }
    // The router's own table of routes (each declared with the role it needs, `app.rs`).
    let routes: BTreeSet<(String, String)> =
        h.server.routes().iter().map(|r| (r.method.as_str().to_lowercase(), format!("/api{}", r.path))).collect();
    assert_eq!(documented, routes);
    // Each documented operation is routed (not the API's unknown-path 404 or a 405).
    for (method, path) in &routes {
        let url = h.url(&path.replace("{id}", "1").replace("{key}", "j1%2Fg1%2Fi1%2Fc1%2Fwelcome"));
        let req = if method == "get" {
            h.http.get(url)
        } else {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            h.http.request(method, url).header("content-type", "application/json").body("{}")
        };
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let bytes = res.bytes().await.unwrap();
        let body: Value = if status == 204 { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
        assert_ne!(status, 405, "{method} {path}");
        assert_ne!(body["error"]["message"], "There is no such API endpoint.", "{method} {path}");
        // Every status an operation answers is documented for it.
        let op = &spec["paths"][path][method];
        assert!(op["responses"].get(status.to_string()).is_some(), "{method} {path} answered undocumented {status}: {body}");
    }
    h.server.shutdown().await;
}

#[tokio::test]
#[ignore = "needs schemathesis (pip install schemathesis); set SCHEMATHESIS to its path"]
async fn schemathesis_finds_no_server_error() {
    let program = std::env::var("SCHEMATHESIS").unwrap_or_else(|_| "schemathesis".into());
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start_in(dir, "2026-01-15T10:00:00Z", |mut c| {
        c.no_seed = false;
        c.demo_contacts = 1000;
        c
    })
    .await;
    let url = h.url("/api/openapi.json");
    // As an operator, through an API token (the admins' routes answer 403, as documented).
    let token = person(&h.server, journey_core::access::Role::Operator, "Schema Thesis").await;
    let auth = format!("Authorization: Bearer {token}");
    let out = tokio::process::Command::new(&program)
        .args([
            "run",
            &url,
            "--header",
            &auth,
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["--max-examples", "50", "--phases", "examples,coverage,fuzzing,stateful"])
        .env("NO_COLOR", "1")
        .output()
        .await
        .expect("schemathesis runs");
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "schemathesis found problems");
    h.server.shutdown().await;
}
