//! Criterion benches of the hot kernels, on fixture text (the first seed article
//! and BASIL articles): tokenizing, shingle hashing, signatures (both MinHash
//! schemes side by side), band keys and union-find.
//!
//! Run: `cargo bench --bench kernels` (add a filter such as `signature`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use storyhash::boilerplate::{BoilerplateConfig, short_line_hashes};
use storyhash::cluster::UnionFind;
use storyhash::lsh::band_key;
use storyhash::minhash::{MinHashConfig, MinHasher, Scheme};
use storyhash::normalize::{Normalizer, word_count_up_to};
use storyhash::shingle::{ShingleConfig, Shingler};
use xxhash_rust::xxh3::xxh3_64;

const SEED_ARTICLE: &str = include_str!("../fixtures/seeds/000_a4f892332a79ddcc.txt");

fn basil_texts() -> Vec<String> {
    include_str!("../fixtures/basil/docs.jsonl")
        .lines()
        .take(50)
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|value| value["text"].as_str().map(str::to_owned))
        .collect()
}

fn tokenize(c: &mut Criterion) {
    let texts = basil_texts();
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut group = c.benchmark_group("tokenize");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("basil_50_articles", |b| {
        let mut normalizer = Normalizer::new();
        b.iter(|| {
            let mut count = 0usize;
            for text in &texts {
                normalizer.tokens(text, |token| count += token.len());
            }
            black_box(count)
        })
    });
    group.bench_function("seed_000_mixed_scripts", |b| {
        let mut normalizer = Normalizer::new();
        b.iter(|| {
            let mut count = 0usize;
            normalizer.tokens(SEED_ARTICLE, |token| count += token.len());
            black_box(count)
        })
    });
    // What the shingler uses: each token's xxh3 hash, ASCII runs hashed in
    // place; against `tokens` followed by hashing each token.
    group.bench_function("basil_50_articles_token_hashes", |b| {
        let mut normalizer = Normalizer::new();
        let mut hashes = Vec::new();
        b.iter(|| {
            for text in &texts {
                hashes.clear();
                normalizer.token_hashes(text, &mut hashes);
            }
            black_box(hashes.len())
        })
    });
    group.bench_function("basil_50_articles_tokens_then_xxh3", |b| {
        let mut normalizer = Normalizer::new();
        let mut hashes = Vec::new();
        b.iter(|| {
            for text in &texts {
                hashes.clear();
                normalizer.tokens(text, |token| hashes.push(xxh3_64(token.as_bytes())));
            }
            black_box(hashes.len())
        })
    });
    group.finish();
}

fn shingle(c: &mut Criterion) {
    let texts = basil_texts();
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut group = c.benchmark_group("shingle");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("word_5grams_basil_50", |b| {
        let mut shingler = Shingler::new(ShingleConfig::default());
        let mut out = Vec::new();
        b.iter(|| {
            for text in &texts {
                out.clear();
                shingler.shingles([text.as_str()], &mut out);
            }
            black_box(out.len())
        })
    });
    group.finish();
}

fn boilerplate_lines(c: &mut Criterion) {
    let texts = basil_texts();
    let bytes: usize = texts.iter().map(String::len).sum();
    let config = BoilerplateConfig::default();
    let mut group = c.benchmark_group("boilerplate");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("short_line_hashes_basil_50", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            out.clear();
            for text in &texts {
                short_line_hashes(text, &config, &mut out);
            }
            black_box(out.len())
        })
    });
    group.bench_function("word_count_basil_50", |b| {
        b.iter(|| {
            let mut total = 0;
            for text in &texts {
                for line in text.lines() {
                    total += word_count_up_to(line, 20);
                }
            }
            black_box(total)
        })
    });
    group.finish();
}

fn signature(c: &mut Criterion) {
    let mut shingles = Vec::new();
    Shingler::new(ShingleConfig::default()).shingles([SEED_ARTICLE], &mut shingles);
    let mut group = c.benchmark_group("signature");
    group.throughput(Throughput::Elements(shingles.len() as u64));
    for (name, scheme) in [
        ("one_permutation_128", Scheme::OnePermutation),
        ("classic_128", Scheme::Classic),
    ] {
        let hasher = MinHasher::new(MinHashConfig {
            scheme,
            ..MinHashConfig::default()
        });
        let mut out = vec![0u32; 128];
        group.bench_function(name, |b| {
            b.iter(|| {
                hasher.sign(black_box(&shingles), &mut out);
                black_box(out[0])
            })
        });
    }
    group.finish();
}

fn bands(c: &mut Criterion) {
    let mut shingles = Vec::new();
    Shingler::new(ShingleConfig::default()).shingles([SEED_ARTICLE], &mut shingles);
    let mut signature = vec![0u32; 128];
    MinHasher::new(MinHashConfig::default()).sign(&shingles, &mut signature);
    // 28 x 2: the story tier's shape; 42 x 3: the copy tier's at 0.6.
    for (bands, rows) in [(28, 2), (42, 3)] {
        c.bench_function(&format!("band_keys_{bands}x{rows}"), |b| {
            b.iter(|| {
                let mut acc = 0u64;
                for band in 0..bands {
                    acc ^= band_key(black_box(&signature), band, rows);
                }
                black_box(acc)
            })
        });
    }
}

fn union_find(c: &mut Criterion) {
    let pairs: Vec<(u32, u32)> = (0..100_000u32)
        .map(|i| (i, (i.wrapping_mul(2_654_435_761) >> 8) % 100_000))
        .collect();
    c.bench_function("union_find_100k_pairs", |b| {
        b.iter(|| {
            let mut sets = UnionFind::new(100_000);
            for &(a, b) in &pairs {
                sets.union(a, b);
            }
            black_box(sets.find(0))
        })
    });
}

criterion_group!(
    benches,
    tokenize,
    shingle,
    boilerplate_lines,
    signature,
    bands,
    union_find
);
criterion_main!(benches);
