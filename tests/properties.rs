//! Property tests of the whole copy tier on generated inputs: whatever mix of
//! valid, broken and duplicated records comes in, every record ends in exactly
//! one state, totals add up, no id is lost, and the result does not depend on
//! the number of threads.

use proptest::prelude::*;
use storyhash::config::Config;
use storyhash::ingest::Inputs;
use storyhash::pipeline::{CopyRun, NoProgress, Pipeline, Status};

const SENTENCES: [&str; 6] = [
    "The council approved the harbour budget after a long debate on Tuesday night.",
    "Rescue teams reached the village once the flood waters began to recede.",
    "The minister said the talks would continue in Geneva next month.",
    "Shares in the airline fell sharply after it cut its forecast for the year.",
    "Scientists reported a new species of frog in the cloud forests of Ecuador.",
    "The museum reopened with an exhibition of early photographs of the city.",
];

/// One generated record: a valid article (some copies of others), or one of the
/// broken forms the ingest stage must reject.
fn record() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (prop::collection::vec(0..SENTENCES.len(), 3..9), 0..4u32).prop_map(|(picks, id)| {
            let text: Vec<&str> = picks.iter().map(|&i| SENTENCES[i]).collect();
            format!("{{\"id\":\"doc-{id}-{}\",\"text\":{}}}", picks.len(), serde_json::json!(text.join("\n")))
        }),
        1 => Just("{\"id\":\"broken\",\"text\":".to_owned()),
        1 => Just("{\"id\":\"no-text\"}".to_owned()),
        1 => Just("{\"id\":\"empty\",\"text\":\"  \"}".to_owned()),
        1 => Just("[1,2,3]".to_owned()),
        1 => Just("{\"text\":\"An article without an id, about the new tram line to the airport.\"}".to_owned()),
    ]
}

/// Runs the copy tier on the lines at each thread count, over one file.
fn run_on(lines: &[String], thread_counts: &[usize]) -> Vec<CopyRun> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("input.jsonl");
    std::fs::write(&path, lines.join("\n")).expect("write");
    let inputs = Inputs::resolve(&[path.display().to_string()]).expect("inputs");
    let pipeline = Pipeline::new(Config::default()).expect("config");
    thread_counts
        .iter()
        .map(|&threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            pool.install(|| pipeline.run(&inputs, &NoProgress))
                .expect("run")
        })
        .collect()
}

proptest! {
    // A fixed seed: CI runs the same cases every time (and a failure reproduces).
    #![proptest_config(ProptestConfig {
        cases: 48,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_123),
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_record_ends_in_exactly_one_state_and_totals_add_up(
        lines in prop::collection::vec(record(), 1..40)
    ) {
        let count = lines.len();
        let run = run_on(&lines, &[2]).remove(0);
        prop_assert_eq!(run.records.len(), count);
        let statuses: Vec<Status> = (0..count).map(|i| run.status(i)).collect();
        let kept = statuses.iter().filter(|s| **s == Status::Kept).count() as u64;
        let duplicates = statuses.iter().filter(|s| **s == Status::Duplicate).count() as u64;
        let rejected = statuses.iter().filter(|s| **s == Status::Rejected).count() as u64;
        prop_assert_eq!(run.totals.records, count as u64);
        prop_assert_eq!((run.totals.kept, run.totals.duplicates, run.totals.rejected), (kept, duplicates, rejected));
        for (index, status) in statuses.iter().enumerate() {
            // A rejected record has a reason; the others do not, and point at a kept document.
            prop_assert_eq!(*status == Status::Rejected, run.reason(index).is_some());
            if let (Status::Duplicate, Some(doc)) = (status, run.records[index].doc) {
                let kept_doc = run.kept_of[doc as usize];
                prop_assert_eq!(run.kept_of[kept_doc as usize], kept_doc);
            }
            // Every record that became a document kept its id.
            if run.records[index].doc.is_some() {
                prop_assert!(run.records[index].id.is_some());
            }
        }
    }

    #[test]
    fn one_and_three_threads_agree(lines in prop::collection::vec(record(), 1..30)) {
        let runs = run_on(&lines, &[1, 3]);
        let (one, three) = (&runs[0], &runs[1]);
        prop_assert_eq!(&one.kept_of, &three.kept_of);
        prop_assert_eq!(&one.similarity_to_kept, &three.similarity_to_kept);
        let reasons = |run: &CopyRun| (0..run.records.len()).map(|i| run.reason(i).map(|r| r.to_string())).collect::<Vec<_>>();
        prop_assert_eq!(reasons(one), reasons(three));
    }
}

/// Runs the copy tier on the lines in batches of about `batch_bytes`.
fn run_in_batches(path: &std::path::Path, batch_bytes: usize) -> CopyRun {
    let inputs = Inputs::resolve(&[path.display().to_string()]).expect("inputs");
    let mut config = Config::default();
    config.ingest.batch_bytes = batch_bytes;
    // Four, not the default three: with one file a batch and each batch
    // signed once the next two are counted, a line in a.txt and three later
    // files is only known after a.txt is signed when four documents are
    // needed (the tests below).
    config.boilerplate.min_docs = 4;
    Pipeline::new(config)
        .expect("config")
        .run(&inputs, &NoProgress)
        .expect("run")
}

/// What must not depend on where batches end.
fn outcome(run: &CopyRun) -> impl PartialEq + std::fmt::Debug {
    (
        run.kept_of.clone(),
        run.similarity_to_kept.clone(),
        run.late_rejected.clone(),
        serde_json::to_string(&run.totals).expect("totals"),
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_124),
        ..ProptestConfig::default()
    })]

    /// One record a batch signs every document (one batch late) before most
    /// of its short lines are known to recur, so the fix-up does the most
    /// work; one batch for all knows every count first. Both must give the
    /// two-pass result.
    #[test]
    fn one_pass_with_fix_ups_equals_knowing_every_count_first(
        lines in prop::collection::vec(record(), 1..40)
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("input.jsonl");
        std::fs::write(&path, lines.join("\n")).expect("write");
        let small = run_in_batches(&path, 1);
        let whole = run_in_batches(&path, 64 << 20);
        prop_assert_eq!(whole.fixed_up, 0);
        prop_assert_eq!(outcome(&small), outcome(&whole));
    }
}

#[test]
fn fix_up_rereads_a_text_file_after_its_byte_order_mark() {
    // a.txt (with a BOM) keeps a middle line that recurs only in later files,
    // so in batches of one file it is signed early and read again by offset.
    let dir = tempfile::tempdir().expect("tempdir");
    let middle = "Read more at our site";
    let bodies = [
        "First body sentence is long enough to count here.",
        "The ferry timetable changes on Monday for the summer season.",
        "Fishermen asked the ministry for help with the cost of fuel.",
        "The museum will reopen in May with a larger gallery.",
    ];
    for (i, body) in bodies.iter().enumerate() {
        let bom = if i == 0 { "\u{feff}" } else { "" };
        let text =
            format!("{bom}{body}\n{middle}\nSecond body sentence is also long enough to count.\n");
        std::fs::write(
            dir.path().join(format!("{}.txt", (b'a' + i as u8) as char)),
            text,
        )
        .expect("write");
    }
    let small = run_in_batches(dir.path(), 1);
    let whole = run_in_batches(dir.path(), 64 << 20);
    assert!(small.fixed_up > 0, "a.txt must be signed again");
    assert_eq!(
        format!("{:?}", outcome(&small)),
        format!("{:?}", outcome(&whole))
    );
}

#[test]
fn a_document_shingled_whole_is_signed_again_when_its_lines_turn_out_to_recur() {
    // The first document is only site furniture: no line is kept, so its
    // whole text is shingled, and its lines are not yet known to recur when
    // it is signed (one record a batch). They recur later; the document
    // counts as having kept them (its shingles held them), so it is signed
    // again and its dropped-line counts are not moved from edge to recurring.
    let furniture = "Menu\nShare this";
    let bodies = [
        "The ferry timetable changes on Monday for the summer season.\nThe harbour office said more boats would run at weekends.",
        "Fishermen asked the ministry for help with the cost of fuel.\nThe ministry said it would answer before the end of the month.",
        "The museum will reopen in May with a larger gallery.\nIts director said the works had cost less than planned.",
    ];
    let mut lines = vec![format!(
        "{{\"id\":\"furniture\",\"text\":{}}}",
        serde_json::json!(furniture)
    )];
    for (index, body) in bodies.iter().enumerate() {
        let text = format!("Menu\n{body}\nShare this");
        lines.push(format!(
            "{{\"id\":\"doc-{index}\",\"text\":{}}}",
            serde_json::json!(text)
        ));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("input.jsonl");
    std::fs::write(&path, lines.join("\n")).expect("write");
    let small = run_in_batches(&path, 1);
    let whole = run_in_batches(&path, 64 << 20);
    assert!(
        small.fixed_up > 0,
        "the furniture page must be signed again"
    );
    assert_eq!(
        format!("{:?}", outcome(&small)),
        format!("{:?}", outcome(&whole))
    );
}
