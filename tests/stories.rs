//! The story tier on labelled real news: BASIL (100 events, three outlets
//! each) scored by `storyhash eval`, on the dev half the default threshold was
//! read from, the check half, and the whole; copies nesting inside stories; and
//! the seeds, which need dates to be told apart.

mod common;
use common::{fixture, storyhash, success_stdout};
use serde_json::Value;
use std::collections::HashMap;

fn eval(args: &[&str]) -> Value {
    let stdout = success_stdout(
        storyhash()
            .arg("eval")
            .args(args)
            .args(["--json", "--quiet"]),
    );
    serde_json::from_slice(&stdout).expect("JSON")
}

#[test]
fn basil_stories_reach_ari_and_f1_of_0_85_on_every_split() {
    for set in ["dev", "check", "docs", "early", "late"] {
        let result = eval(&[
            &fixture(&format!("basil/{set}.jsonl")),
            "--truth",
            "cluster",
        ]);
        let ari = result["scores"]["adjusted_rand_index"]
            .as_f64()
            .expect("ari");
        let f1 = result["scores"]["f1"].as_f64().expect("f1");
        assert!(ari >= 0.85 && f1 >= 0.85, "{set}: ARI {ari}, F1 {f1}");
    }
}

#[test]
fn the_time_window_keeps_same_topic_events_apart() {
    // Without the window, articles about the same people weeks apart merge.
    let with = eval(&[&fixture("basil/docs.jsonl"), "--truth", "cluster"]);
    let without = eval(&[
        &fixture("basil/docs.jsonl"),
        "--truth",
        "cluster",
        "--window",
        "none",
    ]);
    let precision = |v: &Value| v["scores"]["precision"].as_f64().expect("precision");
    assert!(precision(&with) > precision(&without));
}

#[test]
fn every_copy_cluster_lies_inside_one_story() {
    let output = storyhash()
        .args(["cluster", &fixture("neardup/dev.jsonl"), "-q"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let mut story_of_copy: HashMap<String, String> = HashMap::new();
    let mut copies_in_stories = 0;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let line: Value = serde_json::from_str(line).expect("JSON");
        let copy = line["copy_cluster"].as_str().expect("copy").to_owned();
        let story = line["story_cluster"].as_str().expect("story").to_owned();
        if let Some(previous) = story_of_copy.insert(copy, story.clone()) {
            assert_eq!(previous, story);
            copies_in_stories += 1;
        }
    }
    assert!(copies_in_stories > 100, "the set has hundreds of copies");
}

#[test]
fn the_seeds_need_dates_to_be_told_apart() {
    // Five documents, one with a date: not enough for the story tier to split
    // the two visits (see README, "Story clusters").
    let undated = eval(&[&fixture("seeds.jsonl"), "--truth", "event"]);
    assert!(
        undated["scores"]["adjusted_rand_index"]
            .as_f64()
            .expect("ari")
            < 1.0
    );
    // With publication dates, as feeds carry them, the window separates the
    // February and September visits and the content groups each.
    let dir = tempfile::tempdir().expect("tempdir");
    let dated = dir.path().join("seeds.jsonl");
    let dates = [
        ("000", "2023-09-18"),
        ("001", "2023-02-22"),
        ("002", "2023-09-18"),
        ("003", "2023-09-19"),
        ("004", "2023-02-23"),
    ];
    let lines: Vec<String> = std::fs::read_to_string(fixture("seeds.jsonl"))
        .expect("seeds")
        .lines()
        .map(|line| {
            let mut value: Value = serde_json::from_str(line).expect("JSON");
            let id = value["id"].as_str().expect("id")[..3].to_owned();
            let date = dates
                .iter()
                .find(|(prefix, _)| *prefix == id)
                .expect("date")
                .1;
            value["date"] = Value::from(date);
            value.to_string()
        })
        .collect();
    std::fs::write(&dated, lines.join("\n")).expect("write");
    let result = eval(&[&dated.display().to_string(), "--truth", "event"]);
    assert_eq!(result["scores"]["adjusted_rand_index"].as_f64(), Some(1.0));
}
