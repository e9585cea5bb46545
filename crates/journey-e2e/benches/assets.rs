//! Prints the raw and gzipped size of each asset of the release build (`dist/`), and their
//! total. Asserts nothing: the budget is a test (`tests/size_budget.rs`).
//!
//! Run: `trunk build --release --offline && cargo bench -p journey-e2e --bench assets`

fn main() -> journey_e2e::Result<()> {
    let assets = journey_e2e::assets::measure(&journey_e2e::dist_dir()?)?;
    println!("{:<48} {:>12} {:>12}", "asset", "raw bytes", "gzip bytes");
    for a in &assets {
        println!("{:<48} {:>12} {:>12}", a.name, a.raw, a.gzipped);
    }
    let raw: u64 = assets.iter().map(|a| a.raw).sum();
    let gz: u64 = assets.iter().map(|a| a.gzipped).sum();
    println!("{:<48} {:>12} {:>12}", "total", raw, gz);
    Ok(())
}
