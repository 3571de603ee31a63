//! `storyhash cluster`: one JSON line per input document.

use crate::cli::CommonArgs;
use crate::cmd::{Output, finish, run_copy_tier};
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
    let mut out = Output::open(args.output.as_deref())?;
    let ran = run_copy_tier(&args.common, &[args.output.as_deref()])?;
    let stories = ran.stories(&args.common)?;
    let name = out.name().to_owned();
    output::write_cluster_lines(&ran.run, stories.as_ref(), &ran.inputs, &mut out, &name)?;
    out.finish()?;
    Ok(finish(&ran, &args.common))
}
