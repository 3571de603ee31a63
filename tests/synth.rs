//! `storyhash synth` end to end: compressed output, thread-count independence,
//! and labels that `eval` can score.

#![allow(clippy::print_stdout)]

mod common;

use common::{storyhash, success_stdout};
use serde_json::Value;

fn synth(dir: &std::path::Path, name: &str, args: &[&str]) -> std::path::PathBuf {
    let path = dir.join(name);
    storyhash()
        .args(["synth", "--quiet", "--output"])
        .arg(&path)
        .args(args)
        .assert()
        .success();
    path
}

#[test]
fn synth_output_does_not_depend_on_threads_or_compression() {
    let dir = tempfile::tempdir().expect("temp dir");
    let one = synth(
        dir.path(),
        "one.jsonl",
        &["--docs", "3000", "--threads", "1"],
    );
    let two = synth(
        dir.path(),
        "two.jsonl",
        &["--docs", "3000", "--threads", "2"],
    );
    let plain = std::fs::read(&one).expect("read");
    assert_eq!(plain, std::fs::read(&two).expect("read"));
    assert_eq!(plain.iter().filter(|&&b| b == b'\n').count(), 3000);

    let zst = synth(dir.path(), "dump.jsonl.zst", &["--docs", "3000"]);
    let gz = synth(dir.path(), "dump.jsonl.gz", &["--docs", "3000"]);
    let zst_bytes = std::fs::read(&zst).expect("read");
    assert_eq!(&zst_bytes[..4], &[0x28, 0xb5, 0x2f, 0xfd]);
    assert!(zst_bytes.len() < plain.len() / 2);
    let unzst = zstd::decode_all(zst_bytes.as_slice()).expect("zstd");
    assert_eq!(unzst, plain);
    let gz_bytes = std::fs::read(&gz).expect("read");
    assert_eq!(&gz_bytes[..2], &[0x1f, 0x8b]);
}

#[test]
fn synth_labels_score_the_copy_tier_through_eval() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dump = synth(
        dir.path(),
        "dump.jsonl.zst",
        &["--bytes", "20M", "--seed", "7"],
    );
    let stdout = success_stdout(storyhash().arg("eval").arg(&dump).args([
        "--copy-of",
        "copy_of",
        "--tier",
        "copy",
        "--json",
        "--quiet",
    ]));
    let evaluation: Value = serde_json::from_slice(&stdout).expect("json");
    let scores = &evaluation["scores"];
    let (precision, recall) = (
        scores["precision"].as_f64().expect("precision"),
        scores["recall"].as_f64().expect("recall"),
    );
    println!("synth 20 MB, copy tier: precision {precision:.4} recall {recall:.4}");
    assert!(evaluation["scored"].as_u64().expect("scored") > 3000);
    assert_eq!(evaluation["unlabelled"], 0);
    assert!(precision > 0.98 && recall > 0.98, "{scores}");
}

#[test]
fn bench_on_a_synthetic_dump_reports_every_stage_and_the_floor() {
    let stdout = success_stdout(storyhash().args([
        "bench",
        "--synth",
        "1M",
        "--threads",
        "1,2",
        "--json",
        "--quiet",
    ]));
    let rows: Vec<Value> = serde_json::from_slice(&stdout).expect("json");
    for threads in [1, 2] {
        let names: Vec<&str> = rows
            .iter()
            .filter(|row| row["threads"] == threads && row["kind"] == "stage")
            .filter_map(|row| row["name"].as_str())
            .collect();
        assert_eq!(
            names,
            [
                "read+parse",
                "normalize",
                "shingle",
                "signature",
                "lsh",
                "cluster",
                "write",
                "story",
                "claims"
            ]
        );
        let copy = rows
            .iter()
            .find(|row| row["threads"] == threads && row["name"] == "copy tier")
            .expect("copy tier row");
        assert!(copy["bytes"].as_u64().expect("bytes") >= 1_000_000);
        assert!(copy["fraction_of_floor"].as_f64().expect("fraction") > 0.0);
        assert!(copy["detail"]["duplicates"].as_u64().expect("duplicates") > 0);
    }
}
