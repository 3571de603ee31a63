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

/// Runs a command, asserts that it succeeded (showing its stderr when not), and
/// returns its stdout.
#[allow(dead_code)]
pub fn success_stdout(command: &mut assert_cmd::Command) -> Vec<u8> {
    let output = command.output().expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}
