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
    tune_allocator();
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

/// glibc's malloc by default gives freed memory at the top of the heap back
/// to the system once 128 KiB are free, and moves its mmap threshold as large
/// blocks come and go; this pipeline frees and allocates a batch's worth of
/// text (8 MiB) every few milliseconds, so the kernel spent about a tenth of
/// the run handing the same pages back and forth. Trimming only past 256 MiB
/// and a fixed 32 MiB mmap threshold halve that time: `sys` 1.21 s -> 0.57 s
/// and 65,578 -> 52,825 page faults on 1 GB at one thread, for 12 MB more
/// peak RSS there. glibc applies the threshold per arena, one per worker
/// thread, so more threads can keep more: at 16 threads on 1 GB the peak went
/// from 355 to 419 MB (this change together with the batches in flight).
/// Measured with `/usr/bin/time` on `storyhash dedup dump1g.jsonl -o /dev/null
/// -q`, the settings first given as `GLIBC_TUNABLES` (which these override).
/// Also tried: a 64 MiB top pad (no better, 100 MB more for 1 M documents) and
/// mimalloc (faster, but 1 M documents peaked at 980-1,030 MB, over the 1 GB
/// goal).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    const MIB: libc::c_int = 1 << 20;
    for (parameter, value) in [
        (libc::M_TRIM_THRESHOLD, 256 * MIB),
        (libc::M_MMAP_THRESHOLD, 32 * MIB),
    ] {
        // SAFETY: glibc marks mallopt MT-Unsafe; this is the first statement
        // of `main`, before any thread (rayon's pool, the progress bar)
        // starts. A refused setting (return 0) leaves the default, which is
        // only slower.
        unsafe {
            libc::mallopt(parameter, value);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}
