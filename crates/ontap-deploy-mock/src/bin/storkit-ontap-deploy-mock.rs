//! `cargo xtask mock ontap-deploy` (being written).
fn main() {}
