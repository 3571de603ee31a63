//! `storyhash dedup`: the input without its copies.

use crate::cli::CommonArgs;
use crate::cmd::{finish, run_copy_tier, write_output};
use clap::Args;
use std::process::ExitCode;
use storyhash::error::Result;
use storyhash::output;

/// Flags of `dedup`.
#[derive(Debug, Args)]
pub struct DedupArgs {
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Where the kept lines go (`-` for stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: String,
    /// Also write one JSON line per duplicate (id, duplicate_of, similarity, copy_cluster, location).
    #[arg(long, value_name = "FILE")]
    pub duplicates: Option<String>,
    /// Also write one JSON line per rejected record (id, file, line, byte_offset, code, reason).
    #[arg(long, value_name = "FILE")]
    pub rejected: Option<String>,
}

/// Runs the copy tier and writes the kept lines.
pub fn run(args: DedupArgs) -> Result<ExitCode> {
    let ran = run_copy_tier(&args.common)?;
    write_output(Some(&args.output), |out, name| {
        output::write_kept(&ran.run, &ran.inputs, ran.pipeline.config(), out, name)
    })?;
    if let Some(path) = &args.duplicates {
        write_output(Some(path), |out, name| {
            output::write_duplicates(&ran.run, &ran.inputs, out, name)
        })?;
    }
    if let Some(path) = &args.rejected {
        write_output(Some(path), |out, name| {
            output::write_rejected(&ran.run, &ran.inputs, out, name)
        })?;
    }
    Ok(finish(&ran, &args.common))
}
