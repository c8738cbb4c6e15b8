//! cargo xtask run | test | bench | bundle
fn main() {}
