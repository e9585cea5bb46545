//! Serving the built console: files, the client-route fallback to index.html, the CSP with the
//! hash of Trunk's inline module script, security headers, JSON 404s under /api, and a plain
//! 503 when the console has not been built.

mod common;

use common::*;

const INDEX: &str = r#"<!DOCTYPE html><html><head><title>Journeys</title>
<link rel="modulepreload" href="/journey-console-abc.js" crossorigin="anonymous" integrity="sha384-x">
<script type="module">
import init, * as bindings from '/journey-console-abc.js';
const wasm = await init({ module_or_path: '/journey-console-abc_bg.wasm' });
window.wasmBindings = bindings;
dispatchEvent(new CustomEvent("TrunkApplicationStarted", {detail: {wasm}}));
</script></head><body></body></html>"#;

#[tokio::test]
async fn serves_console_with_fallback_and_headers() {
    let h = Harness::start("2026-01-01T00:00:00Z").await;
    // Not built yet: a plain sentence, 503; the API still answers JSON.
    let res = h.http.get(h.url("/engage/journeys")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 503);
    assert!(res.text().await.unwrap().contains("has not been built"));
    assert_eq!(h.ok("/api/health").await["console_built"], false);

    let dist = h.dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), INDEX).unwrap();
    std::fs::write(dist.join("journey-console-abc.js"), "export default function init() {}").unwrap();
    std::fs::write(dist.join("journey-console-abc_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();

    for path in ["/", "/engage/journeys", "/engage/journeys/42/activate?mode=resume"] {
        let res = h.http.get(h.url(path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert_eq!(res.text().await.unwrap(), INDEX, "{path}");
        assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("'sha256-"), "inline module script allowed by its hash: {csp}");
        assert!(!csp.contains("unsafe-inline"));
    }
    let res = h.http.get(h.url("/journey-console-abc_bg.wasm")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/wasm");
    assert!(res.headers().contains_key("content-security-policy"));
    // A missing asset is a 404, not the console's HTML under a script's name.
    for path in ["/missing.js", "/journey-console-old_bg.wasm"] {
        let res = h.http.get(h.url(path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 404, "{path}");
        assert!(!res.text().await.unwrap().contains("<html"), "{path}");
    }
    // Every path under /api, the bare ones too, answers JSON.
    for path in ["/api/journeys/1/nothing", "/api", "/api/"] {
        let res = h.http.get(h.url(path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 404, "{path}");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"), "{path}");
    }
    // Path traversal does not escape dist.
    let res = h.http.get(h.url("/..%2f..%2fetc/passwd")).send().await.unwrap();
    assert!(!res.text().await.unwrap().contains("root:"));
    assert_eq!(h.ok("/api/health").await["console_built"], true);
    h.server.shutdown().await;
}
