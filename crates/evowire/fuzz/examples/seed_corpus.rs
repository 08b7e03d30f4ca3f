//! Writes valid messages of every fuzzed type into `corpus/<target>/` (ignored by git), so
//! a short fuzzing run starts from well-formed input: `cargo run --example seed_corpus`.

use std::fs;
use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for target in ["decode_value", "roundtrip"] {
        let dir = root.join(target);
        fs::create_dir_all(&dir)?;
        for (name, bytes) in evowire_fuzz::seeds() {
            fs::write(dir.join(format!("seed-{name}")), bytes)?;
        }
    }
    println!("seeded {}", root.display());
    Ok(())
}
