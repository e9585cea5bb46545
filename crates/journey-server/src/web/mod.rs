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
//!
//! ## On the wire
//!
//! - **Compressed.** Each file is sent Brotli- or gzip-compressed when the request's
//!   `Accept-Encoding` allows it (`Vary: Accept-Encoding`), from `.br` and `.gz` files written
//!   once per build beside the originals ([`precompress`], at start and when `index.html`
//!   changes). `index.html` and the API's JSON are compressed as they are sent (`app.rs`).
//! - **Cached for good, or checked every time.** A file whose name carries its content hash
//!   (Trunk's `name-<16 hex digits>.wasm|js|css`) is [`IMMUTABLE`]: a browser keeps it a year
//!   and never asks again, since a new build has new names. `index.html` (every client route)
//!   is [`REVALIDATE`]: the browser asks each time, with the `ETag` it holds, and gets `304 Not
//!   Modified` with no body when nothing changed. So a second visit downloads only the page's
//!   headers and the API's answers.

pub mod precompress;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// The policy on every response (`index.html` adds its inline scripts' hashes to `script-src`).
pub const BASE_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// `Cache-Control` of a file named by its content hash: kept a year, never asked for again.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `Cache-Control` of `index.html` and of files without a hash in their name: the browser
/// asks every time, with its validator (`ETag` or `Last-Modified`).
pub const REVALIDATE: &str = "no-cache";

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
    etag: String,
}

impl Console {
    pub fn new(dist: PathBuf) -> Console {
        Console { dist, index: Arc::new(Mutex::new(None)) }
    }

    /// Writes the compressed files of a build that lacks them (see [`precompress`]); nothing
    /// when the console is not built. Runs on a blocking thread. Two runs at once (a rebuild
    /// seen while one runs) are safe: each copy is written whole, stamped with its original's
    /// modification time, so a copy of an older original never passes for fresh.
    pub async fn precompress(&self) {
        if !self.is_built() {
            return;
        }
        let dist = self.dist.clone();
        let started = std::time::Instant::now();
        let done = tokio::task::spawn_blocking(move || precompress::precompress(&dist)).await;
        match done {
            Ok(Ok(report)) if report.written > 0 => {
                tracing::info!(files = report.written, elapsed = ?started.elapsed(), "compressed the console's files for the wire");
            }
            Ok(Ok(_)) => {}
            // A read-only folder still serves: JS and CSS compressed as they go (`app.rs`), the
            // wasm as it is; `journey-server precompress` can write the copies at build time.
            Ok(Err(error)) => {
                tracing::warn!(%error, "could not write the console's compressed files; the wasm goes uncompressed")
            }
            Err(error) => tracing::warn!(%error, "compressing the console's files stopped"),
        }
    }

    /// Whether `dist/index.html` exists.
    pub fn is_built(&self) -> bool {
        self.index_path().is_file()
    }

    fn index_path(&self) -> PathBuf {
        self.dist.join("index.html")
    }

    /// `index.html`, its policy and its `ETag`, re-read when the file changed (a rebuild, whose
    /// files are then compressed in the background).
    fn index(&self) -> Option<(axum::body::Bytes, String, String)> {
        let path = self.index_path();
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
        let mut cache = self.index.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.as_ref().filter(|c| c.modified == modified) {
            return Some((c.html.clone(), c.csp.clone(), c.etag.clone()));
        }
        let html = std::fs::read(&path).ok()?;
        let csp = csp_for_html(&String::from_utf8_lossy(&html));
        let etag = etag_for(&html);
        let entry = CachedIndex { modified, html: html.into(), csp, etag };
        let out = (entry.html.clone(), entry.csp.clone(), entry.etag.clone());
        *cache = Some(entry);
        // A build seen for the first time since the start (a check that finds the copies
        // fresh: the start wrote them) or made while the server runs (its copies are written
        // in the background; until then the wasm goes uncompressed).
        let console = self.clone();
        tokio::spawn(async move { console.precompress().await });
        Some(out)
    }
}

/// A weak validator for `index.html`: weak because the bytes on the wire differ with the
/// encoding while the page is the same.
fn etag_for(html: &[u8]) -> String {
    let digest = Sha256::digest(html);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

/// Whether `If-None-Match` names `etag` (weak comparison, as for a GET), or is `*`.
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|tag| {
        let tag = tag.trim();
        tag == "*" || bare(tag) == bare(etag)
    })
}

/// Whether a file name carries Trunk's content hash: `<name>-<16 hex digits>[_bg].<ext>`.
pub fn is_hashed(file_name: &str) -> bool {
    let Some((stem, _ext)) = file_name.rsplit_once('.') else { return false };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
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
    let Some((html, csp, etag)) = console.index() else {
        return (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], NOT_BUILT)
            .into_response();
    };
    let path = req.uri().path();
    if path != "/index.html" && looks_like_file(path, &console.dist) {
        let hashed = path.rsplit('/').next().is_some_and(is_hashed);
        let files = ServeDir::new(&console.dist).append_index_html_on_directories(false).precompressed_br().precompressed_gzip();
        let Ok(mut res) = files.oneshot(req).await;
        if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
            let cache = if hashed { IMMUTABLE } else { REVALIDATE };
            let headers = res.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            // A 304 names what the 200 varies on too (ServeDir's 304 does not).
            headers.entry(header::VARY).or_insert(HeaderValue::from_static("accept-encoding"));
        }
        return res.map(Body::new);
    }
    if names_a_file(path) && path != "/index.html" {
        // A missing asset (an old hashed name after a rebuild): not the console's HTML under a
        // script's name.
        return (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "No such file.").into_response();
    }
    let unchanged = not_modified(req.headers(), &etag);
    let mut res = if unchanged {
        let mut res = Response::new(Body::empty());
        *res.status_mut() = StatusCode::NOT_MODIFIED;
        res
    } else {
        Response::new(Body::from(html))
    };
    let headers = res.headers_mut();
    if !unchanged {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
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

    #[test]
    fn hashed_names_are_trunks_sixteen_hex_digits() {
        for name in
            ["journey-console-cada139b0339f11f_bg.wasm", "journey-console-cada139b0339f11f.js", "main-b06ce48d150a7c6b.css"]
        {
            assert!(is_hashed(name), "{name}");
        }
        for name in ["index.html", "favicon.ico", "main.css", "app-1234.js", "app-cada139b0339f11g.js", "cada139b0339f11f"] {
            assert!(!is_hashed(name), "{name}");
        }
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_a_list() {
        let etag = etag_for(b"<html></html>");
        assert!(etag.starts_with("W/\"") && etag.len() == 2 + 1 + 24 + 1, "{etag}");
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
            headers
        };
        assert!(not_modified(&with(&etag), &etag));
        assert!(not_modified(&with(etag.trim_start_matches("W/")), &etag), "a strong tag matches weakly");
        assert!(not_modified(&with(&format!("\"other\", {etag}")), &etag));
        assert!(not_modified(&with("*"), &etag));
        assert!(!not_modified(&with("W/\"other\""), &etag));
        assert!(!not_modified(&HeaderMap::new(), &etag));
    }
}
