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

/// Decodes a response body by its `Content-Encoding` (none, `br` or `gzip`).
fn decoded(encoding: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        None => out.extend_from_slice(body),
        Some("br") => brotli::BrotliDecompress(&mut &body[..], &mut out).unwrap(),
        Some("gzip") => std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(body), &mut out).map(|_| ()).unwrap(),
        Some(other) => panic!("unexpected encoding {other}"),
    }
    out
}

/// GETs `path` with these request headers: (status, the response's headers, the body decoded).
async fn get(h: &Harness, path: &str, headers: &[(&str, &str)]) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = h.http.get(h.url(path));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = req.send().await.unwrap();
    let (status, head) = (res.status().as_u16(), res.headers().clone());
    let body = res.bytes().await.unwrap();
    let encoding = head.get("content-encoding").map(|v| v.to_str().unwrap().to_string());
    (status, head, decoded(encoding.as_deref(), &body))
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn the_console_goes_compressed_and_hashed_files_are_cached_for_a_year() {
    let h = Harness::start("2026-01-01T00:00:00Z").await;
    let dist = h.dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    // Something like the glue Trunk writes: text that compresses well.
    let js = "export function __wbg_call(a, b) { return a.call(b); }\n".repeat(300);
    let wasm: Vec<u8> = b"\0asm\x01\0\0\0".iter().copied().chain((0..60_000u32).map(|i| (i % 7) as u8)).collect();
    std::fs::write(dist.join("index.html"), INDEX).unwrap();
    std::fs::write(dist.join("journey-console-0123456789abcdef.js"), &js).unwrap();
    std::fs::write(dist.join("journey-console-0123456789abcdef_bg.wasm"), &wasm).unwrap();
    std::fs::write(dist.join("notes.txt"), "Unhashed: checked on every use. ".repeat(20)).unwrap();

    // The first page load finds the new build and compresses it in the background.
    assert_eq!(get(&h, "/engage/journeys", &[]).await.0, 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let copies = ["journey-console-0123456789abcdef_bg.wasm.gz", "journey-console-0123456789abcdef.js.gz", "notes.txt.gz"];
    while !copies.iter().all(|copy| dist.join(copy).exists()) {
        assert!(std::time::Instant::now() < deadline, "the build was not compressed");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let immutable = "public, max-age=31536000, immutable";
    for (path, original) in
        [("/journey-console-0123456789abcdef.js", js.as_bytes()), ("/journey-console-0123456789abcdef_bg.wasm", &wasm[..])]
    {
        for (accept, expected) in [
            (Some("gzip, deflate, br"), Some("br")),
            (Some("gzip"), Some("gzip")),
            (Some("br;q=0, gzip"), Some("gzip")),
            (None, None),
            (Some("identity"), None),
        ] {
            let headers: Vec<(&str, &str)> = accept.map(|a| ("accept-encoding", a)).into_iter().collect();
            let (status, head, body) = get(&h, path, &headers).await;
            assert_eq!(status, 200, "{path} {accept:?}");
            assert_eq!(header(&head, "content-encoding"), expected, "{path} {accept:?}");
            assert_eq!(body, original, "{path} {accept:?}: the same bytes once decoded");
            assert_eq!(header(&head, "cache-control"), Some(immutable), "{path}");
            // The original's type, whatever the encoding: the browser compiles the wasm as it
            // streams in only when it is `application/wasm`.
            let kind = if path.ends_with(".wasm") { "application/wasm" } else { "text/javascript" };
            assert_eq!(header(&head, "content-type"), Some(kind), "{path} {accept:?}");
            assert!(
                header(&head, "vary").is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")),
                "{path}: {head:?}"
            );
            if expected == Some("br") {
                let sent: usize = head["content-length"].to_str().unwrap().parse().unwrap();
                assert!(sent * 4 < original.len(), "{path}: {sent} bytes sent for {}", original.len());
            }
        }
    }

    // index.html, under any client route: compressed as it goes, checked every time, and a
    // browser holding the current ETag gets 304 with no body.
    let (status, head, body) = get(&h, "/engage/journeys/42", &[("accept-encoding", "br, gzip")]).await;
    assert_eq!((status, header(&head, "content-encoding")), (200, Some("br")));
    assert_eq!(body, INDEX.as_bytes());
    assert_eq!(header(&head, "cache-control"), Some("no-cache"));
    let etag = header(&head, "etag").expect("an ETag on index.html").to_string();
    for path in ["/engage/journeys", "/", "/index.html"] {
        let (status, again, body) = get(&h, path, &[("accept-encoding", "br, gzip"), ("if-none-match", &etag)]).await;
        assert_eq!(status, 304, "{path}");
        assert!(body.is_empty(), "{path}");
        assert_eq!(header(&again, "etag"), Some(etag.as_str()), "{path}");
        assert_eq!(header(&again, "vary"), Some("accept-encoding"), "{path}: a 304 names what the page varies on");
        assert!(header(&again, "content-security-policy").is_some_and(|c| c.contains("'sha256-")), "{path}");
    }
    assert_eq!(get(&h, "/", &[("if-none-match", "W/\"older\"")]).await.0, 200, "another ETag: the page again");

    // A file without a hash in its name is checked every time (its Last-Modified answers).
    let (status, head, _) = get(&h, "/notes.txt", &[("accept-encoding", "gzip")]).await;
    assert_eq!(
        (status, header(&head, "cache-control"), header(&head, "content-encoding")),
        (200, Some("no-cache"), Some("gzip"))
    );
    let sent: u64 = header(&head, "content-length").unwrap().parse().unwrap();
    assert_eq!(sent, std::fs::metadata(dist.join("notes.txt.gz")).unwrap().len(), "the copy written once, not gzip per request");
    let modified = header(&head, "last-modified").expect("Last-Modified").to_string();
    let (status, head, _) = get(&h, "/notes.txt", &[("if-modified-since", &modified), ("accept-encoding", "gzip")]).await;
    assert_eq!((status, header(&head, "vary")), (304, Some("accept-encoding")));

    // The API's JSON is compressed too, and still never stored.
    let (status, head, body) = get(&h, "/api/health", &[("accept-encoding", "br")]).await;
    assert_eq!((status, header(&head, "content-encoding"), header(&head, "cache-control")), (200, Some("br"), Some("no-store")));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&body).unwrap()["console_built"], true);
    // A change is answered as it was made, never 406 for want of an acceptable encoding.
    let res = h
        .http
        .post(h.url("/api/sign-in"))
        .header("accept-encoding", "identity;q=0")
        .header("x-journey-console", "1")
        .json(&serde_json::json!({ "email": "nobody@example.com", "password": "not this one" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401, "the sign-in's own answer");
    assert!(res.headers().get("content-encoding").is_none());

    // A rebuild (a new index.html naming new files): its files are compressed in turn and the
    // page's ETag changes.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let rebuilt = INDEX.replace("journey-console-abc", "journey-console-fedcba9876543210");
    std::fs::write(dist.join("journey-console-fedcba9876543210.js"), js.replace("call", "apply")).unwrap();
    std::fs::write(dist.join("index.html"), &rebuilt).unwrap();
    let (status, head, body) = get(&h, "/", &[("if-none-match", &etag)]).await;
    assert_eq!((status, body), (200, rebuilt.clone().into_bytes()), "the new page, not 304");
    assert_ne!(header(&head, "etag"), Some(etag.as_str()));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !dist.join("journey-console-fedcba9876543210.js.gz").exists() {
        assert!(std::time::Instant::now() < deadline, "the rebuild was not compressed");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (_, head, body) = get(&h, "/journey-console-fedcba9876543210.js", &[("accept-encoding", "br")]).await;
    assert_eq!(header(&head, "content-encoding"), Some("br"));
    assert!(String::from_utf8(body).unwrap().contains("apply"));
    h.server.shutdown().await;
}

#[test]
fn journey_server_precompress_writes_the_copies_of_a_build_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("site");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("app-0123456789abcdef.js"), "export const x = 1;\n".repeat(500)).unwrap();
    std::fs::write(dist.join("app-0123456789abcdef.css"), "body { margin: 0 }\n".repeat(500)).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_journey-server")).args(args).output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
    };
    let dist_arg = dist.to_str().unwrap();
    // `--dist` before or after the command, as the README writes it.
    let (ok, said) = run(&["precompress", "--dist", dist_arg]);
    assert!(ok, "{said}");
    assert!(said.contains("Wrote 4 compressed copies for the 2 compressible files"), "{said}");
    for copy in
        ["app-0123456789abcdef.js.br", "app-0123456789abcdef.js.gz", "app-0123456789abcdef.css.br", "app-0123456789abcdef.css.gz"]
    {
        assert!(dist.join(copy).is_file(), "{copy}");
    }
    let (ok, said) = run(&["--dist", dist_arg, "precompress"]);
    assert!(ok && said.contains("Wrote 0 compressed copies"), "fresh copies are kept: {said}");
    assert!(!dir.path().join("data").exists(), "no database was opened");
    let (ok, said) = run(&["precompress", "--dist", dir.path().join("missing").to_str().unwrap()]);
    assert!(!ok && said.contains("could not compress"), "{said}");
}
