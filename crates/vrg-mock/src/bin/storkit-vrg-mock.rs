//! `cargo xtask mock vrg` (being written).
fn main() {}
