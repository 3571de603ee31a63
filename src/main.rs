//! The `storyhash` binary: parses flags, runs one command, maps the outcome to an
//! exit code. The only code that prints or exits.
//!
//! Exit codes: 0 success; 1 a CI gate was crossed (`--fail-on-duplicates`,
//! `--max-duplicate-rate`); 2 usage or input error (bad flags, unreadable file,
//! a rejected document under `--strict`).

#![allow(clippy::print_stderr, clippy::print_stdout, clippy::exit)]

mod cli;
mod cmd;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let outcome = match cli.command {
        cli::Command::Dedup(args) => cmd::dedup::run(args),
        cli::Command::Cluster(args) => cmd::cluster::run(args),
        cli::Command::Report(args) => cmd::report::run(args),
        cli::Command::Bench(args) => cmd::bench::run(args),
        cli::Command::Eval(args) => cmd::eval::run(args),
        cli::Command::Synth(args) => cmd::synth::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("storyhash: error: {error}");
            ExitCode::from(cmd::EXIT_ERROR)
        }
    }
}
