//! The console's files compressed once, ahead of any request: `name.br` (Brotli, quality 11)
//! and `name.gz` (gzip, level 9) beside each text or wasm file of `--dist`, which ServeDir then
//! serves to a browser that accepts them. Compressing a 1 MB wasm file at Brotli's best takes
//! seconds, too slow for a request; once per build is nothing.
//!
//! A compressed copy carries its original's modification time, and is fresh when the two are
//! equal: a rebuild (which rewrites the originals, or names them anew) makes it stale and the
//! next run writes it again. The time is the one read before the original was, so a copy made
//! from an original rewritten meanwhile is stale at once, never passed off as fresh. Each copy
//! is written under a temporary name and renamed, so a server never serves half of one, even
//! with two runs on the same folder at once.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// File extensions worth compressing (images and fonts are compressed already).
const COMPRESSIBLE: [&str; 7] = ["wasm", "js", "css", "html", "svg", "json", "txt"];

/// What a run wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Precompressed {
    /// Compressed files written (a fresh one is not written again).
    pub written: usize,
    /// Compressible originals seen (wasm, JavaScript, CSS, HTML, SVG, JSON, text).
    pub files: usize,
}

/// The two encodings ServeDir looks for, by file suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    fn suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gz",
        }
    }

    fn encode(self, data: &[u8]) -> io::Result<Vec<u8>> {
        match self {
            Encoding::Brotli => {
                // Quality 11 with a 16 MB window: the whole wasm file is one window.
                let mut w = brotli::CompressorWriter::new(Vec::with_capacity(data.len() / 3), 64 * 1024, 11, 24);
                w.write_all(data)?;
                w.flush()?;
                Ok(w.into_inner())
            }
            Encoding::Gzip => {
                let mut w = flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 2), flate2::Compression::best());
                w.write_all(data)?;
                w.finish()
            }
        }
    }
}

/// Writes `.br` and `.gz` beside every compressible file under `dir` whose compressed files
/// are missing or older than it. A compressed file no smaller than its original is not kept.
pub fn precompress(dir: &Path) -> io::Result<Precompressed> {
    let mut report = Precompressed::default();
    for path in files(dir)? {
        let compressible = path.extension().and_then(|e| e.to_str()).is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible {
            continue;
        }
        report.files += 1;
        let modified = modified(&path)?;
        let mut data = None;
        for encoding in [Encoding::Brotli, Encoding::Gzip] {
            let target = with_suffix(&path, encoding.suffix());
            if modified_or_none(&target) == Some(modified) {
                continue;
            }
            let data = match &mut data {
                Some(d) => d,
                None => data.insert(std::fs::read(&path)?),
            };
            let encoded = encoding.encode(data)?;
            if encoded.len() >= data.len() {
                // Not worth it: the original goes as it is (and an older copy must not).
                let _ = std::fs::remove_file(&target);
                continue;
            }
            write_atomically(&target, &encoded, modified)?;
            report.written += 1;
        }
    }
    Ok(report)
}

/// Every regular file under `dir`, compressed ones and hidden ones left out.
fn files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_dir() {
                folders.push(path);
            } else if kind.is_file() && !name.ends_with(".br") && !name.ends_with(".gz") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn modified(path: &Path) -> io::Result<SystemTime> {
    std::fs::metadata(path)?.modified()
}

fn modified_or_none(path: &Path) -> Option<SystemTime> {
    modified(path).ok()
}

/// Writes under a hidden temporary name in the same folder, stamped `modified`, then renames
/// over `target`.
fn write_atomically(target: &Path, data: &[u8], modified: SystemTime) -> io::Result<()> {
    let folder = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let temp = folder.join(format!(".{name}.{}-{}.tmp", std::process::id(), fastrand::u64(..)));
    let written = std::fs::File::create(&temp)
        .and_then(|mut file| {
            file.write_all(data)?;
            file.set_modified(modified)
        })
        .and_then(|()| std::fs::rename(&temp, target));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_brotli_and_gzip_once_and_again_after_a_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let js = "export function hello() { return 'hello'; }\n".repeat(200);
        std::fs::write(dir.path().join("app-0123456789abcdef.js"), &js).unwrap();
        std::fs::write(dir.path().join("logo.png"), b"\x89PNG not compressible").unwrap();
        std::fs::write(dir.path().join("tiny.txt"), b"hi").unwrap();

        let first = precompress(dir.path()).unwrap();
        assert_eq!(first, Precompressed { written: 2, files: 2 }, "the script twice; the tiny file would grow");
        let br = std::fs::read(dir.path().join("app-0123456789abcdef.js.br")).unwrap();
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut decoded).unwrap();
        assert_eq!(decoded, js.as_bytes());
        let gz = std::fs::read(dir.path().join("app-0123456789abcdef.js.gz")).unwrap();
        let mut decoded = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut decoded).unwrap();
        assert_eq!(decoded, js);
        assert!(br.len() < gz.len() && gz.len() < js.len() / 10, "br {} gz {} of {}", br.len(), gz.len(), js.len());

        assert_eq!(precompress(dir.path()).unwrap().written, 0, "fresh files are not written again");

        // A copy whose time is not its original's (a copy of an older build kept by a deploy
        // that keeps times, or made from an original rewritten meanwhile) is written again.
        let br_path = dir.path().join("app-0123456789abcdef.js.br");
        let later = std::fs::metadata(&br_path).unwrap().modified().unwrap() + std::time::Duration::from_secs(60);
        std::fs::File::options().write(true).open(&br_path).unwrap().set_modified(later).unwrap();
        assert_eq!(precompress(dir.path()).unwrap().written, 1, "a copy newer than its original is not its copy");

        // A rebuild rewrites the original: its compressed files are written again.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.path().join("app-0123456789abcdef.js"), js.replace("hello", "goodbye")).unwrap();
        assert_eq!(precompress(dir.path()).unwrap().written, 2);
        let mut decoded = Vec::new();
        let br = std::fs::read(dir.path().join("app-0123456789abcdef.js.br")).unwrap();
        brotli::BrotliDecompress(&mut &br[..], &mut decoded).unwrap();
        assert!(String::from_utf8(decoded).unwrap().contains("goodbye"));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
