//! Sizes of the release build's files as they are stored and as the server sends them: raw,
//! gzip and Brotli, the compressed ones being the very files the server serves (written by
//! `journey_server::web::precompress`, which this runs first).

use std::path::Path;

/// One file of `dist/` that the browser downloads to run the console.
#[derive(Debug, Clone)]
pub struct Asset {
    pub name: String,
    pub raw: u64,
    pub gzipped: u64,
    pub brotli: u64,
}

/// Measures every `.wasm`, `.js` and `.css` file in `dist` and its compressed copies (made
/// if missing or stale).
pub fn measure(dist: &Path) -> crate::Result<Vec<Asset>> {
    journey_server::web::precompress::precompress(dist)?;
    let size = |name: &str| std::fs::metadata(dist.join(name)).map(|m| m.len());
    let mut assets = Vec::new();
    for entry in std::fs::read_dir(dist)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !(name.ends_with(".wasm") || name.ends_with(".js") || name.ends_with(".css")) {
            continue;
        }
        let raw = size(&name)?;
        // A file too small to gain from compression has no compressed copy: sent as it is.
        let gzipped = size(&format!("{name}.gz")).unwrap_or(raw);
        let brotli = size(&format!("{name}.br")).unwrap_or(raw);
        assets.push(Asset { name, raw, gzipped, brotli });
    }
    assets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(assets)
}
