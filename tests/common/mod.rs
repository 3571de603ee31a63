//! Helpers shared by the end-to-end tests.

/// The path of a shipped fixture (not every test file needs one).
#[allow(dead_code)]
pub fn fixture(path: &str) -> String {
    format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// The `storyhash` binary, ready for arguments.
pub fn storyhash() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("storyhash").expect("binary is built")
}
