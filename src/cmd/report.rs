//! `storyhash report`: parameters, totals, copy clusters, stories with their
//! claims, and rejects.

use crate::cli::CommonArgs;
use crate::cmd::{Output, finish, run_copy_tier};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::process::ExitCode;
use storyhash::error::{Error, Result};
use storyhash::report;

/// Report formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    /// JSON with a `schema_version`.
    Json,
    /// Markdown, for a CI step summary.
    Md,
    /// One self-contained HTML file to read in a browser.
    Html,
}

/// Flags of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: ReportFormat,
    /// Output file (default: stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
    /// Do not extract the claims of each story.
    #[arg(long)]
    pub no_claims: bool,
}

/// Runs the copy tier and writes the report.
pub fn run(args: ReportArgs) -> Result<ExitCode> {
    let mut out = Output::open(args.output.as_deref())?;
    let ran = run_copy_tier(&args.common, &[args.output.as_deref()])?;
    let stories = ran.stories(&args.common)?;
    let claims = match (&stories, args.no_claims) {
        (Some(stories), false) => Some(
            ran.pool
                .install(|| ran.pipeline.run_claims(&ran.inputs, &ran.run, stories))?,
        ),
        _ => None,
    };
    let built = report::build(
        &ran.run,
        stories.as_ref().map(|s| (s, claims.as_ref())),
        &ran.inputs,
        ran.pipeline.config(),
        ran.pipeline.lsh_params(),
    );
    let text = match args.format {
        ReportFormat::Json => {
            let mut json = serde_json::to_string_pretty(&built)
                .map_err(|e| Error::io(out.name(), e.into()))?;
            json.push('\n');
            json
        }
        ReportFormat::Md => report::to_markdown(&built),
        ReportFormat::Html => report::to_html(&built),
    };
    out.write_all(text.as_bytes())
        .map_err(|e| Error::io(out.name(), e))?;
    out.finish()?;
    Ok(finish(&ran, &args.common))
}
