//! Serving the built console from `--dist`: files as they are, every other path (a client-side
//! route such as `/engage/journeys/42/activate?mode=resume`) answered with `index.html`, and a
//! plain 503 sentence when the console has not been built.
//!
//! ## Content-Security-Policy
//!
//! Every response carries [`BASE_CSP`]: only this origin, and `'wasm-unsafe-eval'` so the
//! browser may compile the console's WebAssembly. Trunk 0.21 starts the app with an *inline*
//! `<script type="module">` in `dist/index.html` (it imports the wasm-bindgen glue and calls
//! `init`). Rather than allowing every inline script (`'unsafe-inline'`), the server reads the
//! `index.html` it serves, computes the SHA-256 of each inline script's exact text, and adds
//! those hashes (`'sha256-…'`) to `script-src` on the `index.html` response. Only the scripts
//! Trunk wrote can run; an injected one cannot. The hashes are recomputed whenever the file's
//! modification time changes, so a rebuild while the server runs stays allowed.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// The policy on every response (`index.html` adds its inline scripts' hashes to `script-src`).
pub const BASE_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The console's files.
#[derive(Clone, Debug)]
pub struct Console {
    dist: PathBuf,
    index: Arc<Mutex<Option<CachedIndex>>>,
}

#[derive(Debug)]
struct CachedIndex {
    modified: SystemTime,
    html: axum::body::Bytes,
    csp: String,
}

impl Console {
    pub fn new(dist: PathBuf) -> Console {
        Console { dist, index: Arc::new(Mutex::new(None)) }
    }

    /// Whether `dist/index.html` exists.
    pub fn is_built(&self) -> bool {
        self.index_path().is_file()
    }

    fn index_path(&self) -> PathBuf {
        self.dist.join("index.html")
    }

    /// `index.html` and its policy, re-read when the file changed.
    fn index(&self) -> Option<(axum::body::Bytes, String)> {
        let path = self.index_path();
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
        let mut cache = self.index.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.as_ref().filter(|c| c.modified == modified) {
            return Some((c.html.clone(), c.csp.clone()));
        }
        let html = std::fs::read(&path).ok()?;
        let csp = csp_for_html(&String::from_utf8_lossy(&html));
        let entry = CachedIndex { modified, html: html.into(), csp };
        let out = (entry.html.clone(), entry.csp.clone());
        *cache = Some(entry);
        Some(out)
    }
}

/// [`BASE_CSP`] with the hashes of the inline scripts of `html` added to `script-src`.
pub fn csp_for_html(html: &str) -> String {
    let hashes: Vec<String> = inline_scripts(html)
        .into_iter()
        .map(|s| format!("'sha256-{}'", journey_core::zone::base64::encode(&Sha256::digest(s.as_bytes()))))
        .collect();
    if hashes.is_empty() {
        return BASE_CSP.to_string();
    }
    BASE_CSP.replacen("'wasm-unsafe-eval'", &format!("'wasm-unsafe-eval' {}", hashes.join(" ")), 1)
}

/// The text of every `<script>` element without a `src` attribute.
fn inline_scripts(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = lower[from..].find("<script") {
        let start = from + start;
        let Some(tag_end) = lower[start..].find('>').map(|i| start + i + 1) else { break };
        let Some(close) = lower[tag_end..].find("</script").map(|i| tag_end + i) else { break };
        let tag = &lower[start..tag_end];
        if !tag.contains(" src=") && !tag.contains(" src =") {
            out.push(&html[tag_end..close]);
        }
        from = close;
    }
    out
}

const NOT_BUILT: &str = "The console has not been built: run the README's run command (scripts/demo.sh), \
or build it with `trunk build --release` and start the server with `--dist dist`.";

/// The fallback for every path outside `/api`.
pub async fn serve_console(State(console): State<Console>, req: Request) -> Response {
    let Some((html, csp)) = console.index() else {
        return (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], NOT_BUILT)
            .into_response();
    };
    let path = req.uri().path();
    if looks_like_file(path, &console.dist) {
        let Ok(res) = ServeDir::new(&console.dist).append_index_html_on_directories(false).oneshot(req).await;
        return res.map(Body::new);
    }
    if names_a_file(path) && path != "/index.html" {
        // A missing asset (an old hashed name after a rebuild): not the console's HTML under a
        // script's name.
        return (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "No such file.").into_response();
    }
    let mut res = Response::new(Body::from(html));
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}

/// Whether the path's last segment has a file extension (`/app-1a2b.wasm`); client routes
/// (`/engage/journeys/42/summary`) never do.
fn names_a_file(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

/// Whether the path names an existing file under `dist` (client routes do not).
fn looks_like_file(path: &str, dist: &Path) -> bool {
    let rel = path.trim_start_matches('/');
    if rel.is_empty() || rel.split('/').any(|seg| seg == ".." || seg.starts_with('.')) {
        return false;
    }
    dist.join(rel).is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_module_script_only() {
        let html = r#"<html><head><script type="module">import init from '/a.js';
init();</script><script src="/x.js"></script></head></html>"#;
        let csp = csp_for_html(html);
        let digest = Sha256::digest(b"import init from '/a.js';\ninit();");
        let expected = format!("'sha256-{}'", journey_core::zone::base64::encode(&digest));
        assert!(csp.contains(&expected), "{csp}");
        assert_eq!(csp.matches("sha256-").count(), 1);
        assert!(csp_for_html("<p>no scripts</p>") == BASE_CSP);
    }
}
