//! Prints the raw, gzip and Brotli size of each file of the release build (`dist/`), and
//! their totals. Asserts nothing: the budget is a test on what Chromium receives
//! (`tests/wire_budget.rs`).
//!
//! Run: `trunk build --release --offline && cargo bench -p journey-e2e --bench assets`

fn main() -> journey_e2e::Result<()> {
    let assets = journey_e2e::assets::measure(&journey_e2e::dist_dir()?)?;
    println!("{:<48} {:>12} {:>12} {:>12}", "asset", "raw bytes", "gzip bytes", "brotli bytes");
    for a in &assets {
        println!("{:<48} {:>12} {:>12} {:>12}", a.name, a.raw, a.gzipped, a.brotli);
    }
    let total = |f: fn(&journey_e2e::assets::Asset) -> u64| assets.iter().map(f).sum::<u64>();
    println!("{:<48} {:>12} {:>12} {:>12}", "total", total(|a| a.raw), total(|a| a.gzipped), total(|a| a.brotli));
    Ok(())
}
