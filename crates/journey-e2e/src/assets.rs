//! Sizes of the release build's assets, raw and gzipped (what a browser downloads).

use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;

/// One file of `dist/` that the browser downloads to run the console.
#[derive(Debug, Clone)]
pub struct Asset {
    pub name: String,
    pub raw: u64,
    pub gzipped: u64,
}

/// Measures every `.wasm`, `.js` and `.css` file in `dist`, gzipped at the best level (what a
/// server or CDN would send).
pub fn measure(dist: &Path) -> crate::Result<Vec<Asset>> {
    let mut assets = Vec::new();
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if !(name.ends_with(".wasm") || name.ends_with(".js") || name.ends_with(".css")) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&bytes)?;
        let gzipped = gz.finish()?.len() as u64;
        assets.push(Asset { name, raw: bytes.len() as u64, gzipped });
    }
    assets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(assets)
}
