//! The story tier next to the baseline DESIGN.md names: exact Jaccard of word
//! unigram (or 3-gram) sets with single-link clustering, at its best threshold,
//! on BASIL (dev half, check half, all). Also the recall of the story tier's
//! candidate generation: the share of true same-event pairs that end up as
//! verified edges. Not a criterion bench: it prints tables.
//!
//! Run: `cargo bench --bench story_baseline`

#![allow(clippy::print_stdout)]

use std::collections::HashSet;
use storyhash::cluster::UnionFind;
use storyhash::config::Config;
use storyhash::eval::score;
use storyhash::ingest::Inputs;
use storyhash::normalize::Normalizer;
use storyhash::pipeline::{NoProgress, Pipeline};

struct Doc {
    text: String,
    event: String,
}

fn load(path: &str) -> Vec<Doc> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|value| Doc {
            text: format!(
                "{}\n{}",
                value["title"].as_str().unwrap_or(""),
                value["text"].as_str().unwrap_or("")
            ),
            event: value["cluster"].as_str().unwrap_or("").to_owned(),
        })
        .collect()
}

fn ngram_sets(docs: &[Doc], n: usize) -> Vec<HashSet<String>> {
    let mut normalizer = Normalizer::new();
    docs.iter()
        .map(|doc| {
            let mut tokens = Vec::new();
            normalizer.tokens(&doc.text, |token| tokens.push(token.to_owned()));
            tokens.windows(n).map(|window| window.join(" ")).collect()
        })
        .collect()
}

/// Best ARI of single-link over exact Jaccard, thresholds 0.01 to 0.50.
fn baseline(docs: &[Doc], n: usize) -> (f64, f64, f64) {
    let sets = ngram_sets(docs, n);
    let mut pairs = Vec::new();
    for a in 0..sets.len() {
        for b in a + 1..sets.len() {
            let shared = sets[a].intersection(&sets[b]).count() as f64;
            let union = (sets[a].len() + sets[b].len()) as f64 - shared;
            pairs.push((a, b, if union > 0.0 { shared / union } else { 0.0 }));
        }
    }
    let truth: Vec<&str> = docs.iter().map(|doc| doc.event.as_str()).collect();
    let mut best = (0.0, 0.0, 0.0);
    for step in 1..=50 {
        let threshold = f64::from(step) / 100.0;
        let mut sets = UnionFind::new(docs.len());
        for &(a, b, jaccard) in &pairs {
            if jaccard >= threshold {
                sets.union(a as u32, b as u32);
            }
        }
        let labels: Vec<u32> = (0..docs.len() as u32).map(|i| sets.find(i)).collect();
        let scores = score(&labels, &truth);
        if scores.adjusted_rand_index > best.1 {
            best = (threshold, scores.adjusted_rand_index, scores.f1);
        }
    }
    best
}

fn main() {
    println!(
        "set    method                                   threshold     ARI      F1  edge recall"
    );
    for set in ["dev", "check", "docs"] {
        let path = format!("{}/fixtures/basil/{set}.jsonl", env!("CARGO_MANIFEST_DIR"));
        let docs = load(&path);
        for (name, n) in [
            ("exact unigram Jaccard, single link (best)", 1),
            ("exact 3-gram Jaccard, single link (best)", 3),
        ] {
            let (threshold, ari, f1) = baseline(&docs, n);
            println!("{set:<6} {name:<40} {threshold:>9.2} {ari:>7.4} {f1:>7.4}");
        }
        let Ok(inputs) = Inputs::resolve(std::slice::from_ref(&path)) else {
            continue;
        };
        let mut config = Config::default();
        config.ingest.fields.truth = Some("cluster".into());
        let Ok(pipeline) = Pipeline::new(config) else {
            continue;
        };
        let Ok(copy) = pipeline.run(&inputs, &NoProgress) else {
            continue;
        };
        let Ok(stories) = pipeline.run_stories(&inputs, &copy, &NoProgress) else {
            continue;
        };
        let labels: Vec<u32> = (0..copy.records.len())
            .map(|r| stories.story_of[copy.records[r].doc.unwrap_or(0) as usize])
            .collect();
        let truth: Vec<&str> = copy
            .records
            .iter()
            .map(|r| r.truth.as_deref().unwrap_or(""))
            .collect();
        let scores = score(&labels, &truth);
        // Edge recall: true same-event pairs among kept documents that are edges.
        let event_of =
            |item: u32| truth[copy.record_of[stories.items[item as usize] as usize] as usize];
        let true_edges = stories
            .edges
            .iter()
            .filter(|e| event_of(e.a) == event_of(e.b))
            .count();
        let mut true_pairs = 0;
        for a in 0..stories.items.len() as u32 {
            for b in a + 1..stories.items.len() as u32 {
                true_pairs += usize::from(event_of(a) == event_of(b));
            }
        }
        println!(
            "{set:<6} {:<40} {:>9.2} {:>7.4} {:>7.4}  {true_edges}/{true_pairs} ({} candidates, {} edges)",
            "storyhash story tier (defaults)",
            pipeline.config().story.threshold,
            scores.adjusted_rand_index,
            scores.f1,
            stories.candidate_pairs,
            stories.edges.len()
        );
    }
}
