//! Helpers shared by the end-to-end tests.

/// The path of a shipped fixture.
pub fn fixture(path: &str) -> String {
    format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}
