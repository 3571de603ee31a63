//! The measured sweep behind the default copy threshold: pairwise precision,
//! recall and F1 of the copy tier on the labelled near-duplicate sets
//! (`fixtures/neardup/dev.jsonl` and `check.jsonl`), for thresholds from 0.30 to
//! 0.95, with and without containment. Not a criterion bench: it prints a table.
//!
//! Run: `cargo bench --bench threshold_sweep`

#![allow(clippy::print_stdout)]

use std::collections::HashMap;
use storyhash::config::Config;
use storyhash::ingest::Inputs;
use storyhash::pipeline::{NoProgress, Pipeline};

fn truth_of(path: &str) -> Vec<usize> {
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let index: HashMap<String, usize> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| line["id"].as_str().map(|id| (id.to_owned(), i)))
        .collect();
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            line["copy_of"]
                .as_str()
                .and_then(|original| index.get(original).copied())
                .unwrap_or(i)
        })
        .collect()
}

fn main() {
    println!("set    containment threshold precision recall  f1");
    for set in ["dev", "check"] {
        let path = format!(
            "{}/fixtures/neardup/{set}.jsonl",
            env!("CARGO_MANIFEST_DIR")
        );
        let truth = truth_of(&path);
        let Ok(inputs) = Inputs::resolve(std::slice::from_ref(&path)) else {
            println!("{set}: cannot read {path}");
            continue;
        };
        for containment in [true, false] {
            for step in 0..14 {
                let threshold = 0.30 + 0.05 * step as f64;
                let mut config = Config::default();
                config.copy.threshold = threshold;
                config.copy.containment = containment;
                let Ok(run) = Pipeline::new(config).and_then(|p| p.run(&inputs, &NoProgress))
                else {
                    continue;
                };
                let predicted: Vec<usize> = run
                    .records
                    .iter()
                    .enumerate()
                    .map(|(record, outcome)| {
                        outcome.doc.map_or(record, |doc| {
                            run.record_of[run.kept_of[doc as usize] as usize] as usize
                        })
                    })
                    .collect();
                let scores = storyhash::eval::score(&predicted, &truth);
                println!(
                    "{set:<6} {containment:<11} {threshold:>9.2} {:>9.4} {:>7.4} {:>6.4}",
                    scores.precision, scores.recall, scores.f1
                );
            }
        }
    }
}
