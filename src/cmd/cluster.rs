//! `storyhash cluster`: one JSON line per input document.

use crate::cli::CommonArgs;
use crate::cmd::{finish, run_copy_tier, write_output};
use clap::Args;
use std::process::ExitCode;
use storyhash::error::Result;
use storyhash::output;

/// Flags of `cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output file (default: stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
}

/// Runs the copy tier and writes the per-document lines.
pub fn run(args: ClusterArgs) -> Result<ExitCode> {
    let ran = run_copy_tier(&args.common)?;
    write_output(args.output.as_deref(), |out, name| {
        output::write_cluster_lines(&ran.run, &ran.inputs, out, name)
    })?;
    Ok(finish(&ran, &args.common))
}
