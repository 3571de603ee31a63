//! End-to-end tests of the `storyhash` binary on the shipped fixtures.

mod common;
use common::{fixture, storyhash, success_stdout};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Runs a subcommand quietly, asserts success, and returns its stdout.
fn stdout_of(subcommand: &str, args: &[&str]) -> Vec<u8> {
    success_stdout(storyhash().arg(subcommand).args(args).arg("--quiet"))
}

/// Runs `storyhash cluster` and returns its lines as JSON.
fn cluster_lines(args: &[&str]) -> Vec<Value> {
    String::from_utf8(stdout_of("cluster", args))
        .expect("UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON line"))
        .collect()
}

fn statuses(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|line| line["status"].as_str().unwrap_or("?").to_owned())
        .collect()
}

fn report_json(args: &[&str]) -> Value {
    serde_json::from_slice(&stdout_of("report", args)).expect("report is JSON")
}

#[test]
fn cluster_lines_have_exactly_the_documented_keys() {
    let lines = cluster_lines(&[&fixture("scenarios/wire_copy_new_header.jsonl")]);
    for line in &lines {
        let mut keys: Vec<&str> = line
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "copy_cluster",
                "duplicate_of",
                "id",
                "reason",
                "similarity",
                "status",
                "story_cluster"
            ]
        );
    }
}

#[test]
fn the_five_seeds_are_five_singletons_with_their_boilerplate_counted() {
    let lines = cluster_lines(&[&fixture("seeds.jsonl")]);
    assert_eq!(statuses(&lines), vec!["kept"; 5]);
    let clusters: std::collections::HashSet<&str> = lines
        .iter()
        .map(|line| line["copy_cluster"].as_str().expect("cluster id"))
        .collect();
    assert_eq!(clusters.len(), 5);
    let report = report_json(&[&fixture("seeds.jsonl")]);
    assert_eq!(report["clusters"].as_array().map(Vec::len), Some(0));
    assert!(
        report["totals"]["dropped_lines"]["edge"]
            .as_u64()
            .unwrap_or(0)
            >= 10
    );
}

#[test]
fn seeds_as_a_folder_of_text_files_are_five_singletons_named_by_path() {
    let lines = cluster_lines(&[&fixture("seeds")]);
    assert_eq!(statuses(&lines), vec!["kept"; 5]);
    assert_eq!(lines[0]["id"], "000_a4f892332a79ddcc.txt");
}

/// For each scenario, the documents with a `copy_of` label are duplicates of it
/// (or it of them) and the others are kept apart.
#[test]
fn each_copy_scenario_finds_its_copy_and_nothing_else() {
    for name in [
        "wire_copy_new_header",
        "edited_update",
        "truncated_rescrape",
        "chinese_summary_copy",
        "site_template",
    ] {
        let path = fixture(&format!("scenarios/{name}.jsonl"));
        let truth: Vec<Value> = std::fs::read_to_string(&path)
            .expect("fixture")
            .lines()
            .map(|line| serde_json::from_str(line).expect("JSON"))
            .collect();
        let lines = cluster_lines(&[&path]);
        for (i, a) in truth.iter().enumerate() {
            for (j, b) in truth.iter().enumerate().skip(i + 1) {
                let same_truth = a["copy_of"] == b["id"] || b["copy_of"] == a["id"];
                let same_found = lines[i]["copy_cluster"] == lines[j]["copy_cluster"];
                assert_eq!(same_truth, same_found, "{name}: {} vs {}", a["id"], b["id"]);
            }
        }
    }
}

#[test]
fn shared_site_template_is_not_a_copy_without_the_boilerplate_rules_it_would_be() {
    let path = fixture("scenarios/site_template.jsonl");
    let with_rules = cluster_lines(&[&path]);
    assert_eq!(
        statuses(&with_rules),
        ["kept", "kept", "kept", "kept", "duplicate"]
    );
    // The same input with the rules off: the four unrelated pages under one
    // template look like copies of each other, which is what the rules prevent.
    let without = cluster_lines(&[&path, "--no-boilerplate"]);
    let template_pages_merged = (0..4)
        .flat_map(|i| (i + 1..4).map(move |j| (i, j)))
        .any(|(i, j)| without[i]["copy_cluster"] == without[j]["copy_cluster"]);
    assert!(template_pages_merged);
}

#[test]
fn dedup_writes_kept_lines_byte_for_byte_and_accounts_for_every_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = fixture("neardup/dev.jsonl");
    let kept = dir.path().join("kept.jsonl");
    let duplicates = dir.path().join("dups.jsonl");
    let rejected = dir.path().join("rejected.jsonl");
    storyhash()
        .args(["dedup", &input, "-q", "-o"])
        .arg(&kept)
        .arg("--duplicates")
        .arg(&duplicates)
        .arg("--rejected")
        .arg(&rejected)
        .assert()
        .success();
    let original: Vec<String> = std::fs::read_to_string(&input)
        .expect("input")
        .lines()
        .map(str::to_owned)
        .collect();
    let kept_text = std::fs::read_to_string(&kept).expect("kept");
    let kept_lines: Vec<&str> = kept_text.lines().collect();
    for line in &kept_lines {
        assert!(
            original.iter().any(|o| o == line),
            "kept line is not an input line verbatim"
        );
    }
    let dup_count = std::fs::read_to_string(&duplicates)
        .expect("dups")
        .lines()
        .count();
    let rejected_count = std::fs::read_to_string(&rejected)
        .expect("rejected")
        .lines()
        .count();
    assert_eq!(
        kept_lines.len() + dup_count + rejected_count,
        original.len()
    );
    // Originals are kept or one of their copies is, never both.
    assert_eq!(kept_lines.len(), 150);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

fn run_with_threads(subcommand: &str, threads: &str, extra: &[&str]) -> Vec<u8> {
    let output = storyhash()
        .args([
            subcommand,
            &fixture("neardup/dev.jsonl"),
            &fixture("scenarios/site_template.jsonl"),
            &fixture("invalid/malformed_json.jsonl"),
        ])
        .args(["--threads", threads, "--quiet"])
        .args(extra)
        .output()
        .expect("runs");
    assert!(output.status.success());
    output.stdout
}

#[test]
fn one_thread_and_four_threads_give_identical_outputs() {
    for (subcommand, extra) in [
        ("cluster", vec![]),
        ("report", vec![]),
        ("report", vec!["--format", "md"]),
        ("dedup", vec!["-o", "-"]),
    ] {
        let one = run_with_threads(subcommand, "1", &extra);
        let two = run_with_threads(subcommand, "2", &extra);
        let four = run_with_threads(subcommand, "4", &extra);
        assert!(!one.is_empty());
        assert_eq!(one, two, "{subcommand} 1 vs 2 threads");
        assert_eq!(one, four, "{subcommand} 1 vs 4 threads");
    }
}

/// Runs `cluster` over one invalid fixture and returns (lines, stderr).
fn invalid(name: &str) -> (Vec<Value>, String) {
    let output = storyhash()
        .args(["cluster", &fixture(&format!("invalid/{name}"))])
        .output()
        .expect("runs");
    assert!(output.status.success(), "bad input must not stop the run");
    let lines = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON"))
        .collect();
    (lines, String::from_utf8_lossy(&output.stderr).into_owned())
}

fn assert_totals_add_up(lines: &[Value], stderr: &str) {
    let count = |status: &str| lines.iter().filter(|line| line["status"] == status).count();
    let expected = format!(
        "read {} = kept {} + duplicate {} + rejected {}",
        lines.len(),
        count("kept"),
        count("duplicate"),
        count("rejected")
    );
    assert!(stderr.contains(&expected), "summary missing: {stderr}");
}

/// Runs one invalid fixture; checks the statuses, that record `row` is
/// rejected with a reason containing `needle`, that stderr names it, and that
/// the totals add up. Returns the lines for further checks.
fn expect_rejection(name: &str, expected: &[&str], row: usize, needle: &str) -> Vec<Value> {
    let (lines, stderr) = invalid(name);
    assert_eq!(statuses(&lines), expected, "{name}");
    let reason = lines[row]["reason"].as_str().expect("reason");
    assert!(reason.contains(needle), "{name}: {reason}");
    assert!(stderr.contains(needle), "{name}: {stderr}");
    assert_totals_add_up(&lines, &stderr);
    lines
}

#[test]
fn malformed_line_is_rejected_with_its_line_number() {
    expect_rejection(
        "malformed_json.jsonl",
        &["kept", "kept", "rejected", "kept"],
        2,
        "malformed_json.jsonl:3: malformed JSON",
    );
}

#[test]
fn missing_text_field_is_rejected_by_name() {
    let lines = expect_rejection(
        "missing_text.jsonl",
        &["kept", "rejected", "kept"],
        1,
        "missing_text.jsonl:2: missing text field `text`",
    );
    assert_eq!(lines[1]["id"], "missing-2");
}

#[test]
fn duplicate_id_is_rejected_and_points_at_the_first() {
    expect_rejection(
        "duplicate_id.jsonl",
        &["kept", "kept", "rejected"],
        2,
        "duplicate_id.jsonl:3: duplicate id `dup-1`, first seen at",
    );
    let (lines, _) = invalid("duplicate_id.jsonl");
    let reason = lines[2]["reason"].as_str().expect("reason");
    assert!(reason.ends_with("duplicate_id.jsonl:1"), "{reason}");
}

#[test]
fn invalid_utf8_is_rejected_with_its_offset() {
    expect_rejection(
        "invalid_utf8.jsonl",
        &["kept", "rejected", "kept"],
        1,
        "invalid_utf8.jsonl:2: invalid UTF-8 at byte",
    );
}

#[test]
fn empty_and_whitespace_texts_are_rejected() {
    let (lines, stderr) = invalid("empty_text.jsonl");
    assert_eq!(statuses(&lines), ["kept", "rejected", "rejected", "kept"]);
    for line in &lines[1..3] {
        assert!(
            line["reason"]
                .as_str()
                .expect("reason")
                .contains("empty text")
        );
    }
    assert_totals_add_up(&lines, &stderr);
}

#[test]
fn truncated_gzip_keeps_what_was_read_and_rejects_the_rest() {
    let (lines, stderr) = invalid("truncated.jsonl.gz");
    let rejected: Vec<&Value> = lines
        .iter()
        .filter(|line| line["status"] == "rejected")
        .collect();
    assert_eq!(rejected.len(), 1);
    assert!(
        rejected[0]["reason"]
            .as_str()
            .expect("reason")
            .contains("truncated or corrupt compressed input")
    );
    assert!(lines.iter().filter(|line| line["status"] == "kept").count() >= 1);
    assert_totals_add_up(&lines, &stderr);
}

#[test]
fn binary_file_passed_as_text_is_rejected_as_binary() {
    let (lines, stderr) = invalid("binary.txt");
    assert_eq!(statuses(&lines), ["rejected"]);
    assert!(
        lines[0]["reason"]
            .as_str()
            .expect("reason")
            .contains("binary file: NUL byte at offset")
    );
    assert_totals_add_up(&lines, &stderr);
}

fn write_big_document(path: &Path, bytes: usize) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let sentence = "The committee met again on Tuesday to review the budget. ";
    write!(file, "{{\"id\":\"small-1\",\"text\":\"A short first article about the harbour reopening after the storm damage was repaired.\"}}\n{{\"id\":\"huge\",\"text\":\"").expect("write");
    let mut written = 0;
    while written < bytes {
        file.write_all(sentence.as_bytes()).expect("write");
        written += sentence.len();
    }
    write!(file, "\"}}\n{{\"id\":\"small-2\",\"text\":\"Another article entirely, on the city council vote to expand the tram network next year.\"}}\n").expect("write");
}

#[test]
fn a_fifty_megabyte_document_is_rejected_as_too_large_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.jsonl");
    write_big_document(&path, 50 << 20);
    let path_text = path.display().to_string();
    let lines = cluster_lines(&[&path_text]);
    assert_eq!(statuses(&lines), ["kept", "rejected", "kept"]);
    assert!(
        lines[1]["reason"]
            .as_str()
            .expect("reason")
            .contains("document too large")
    );
    // Raising the limit accepts it.
    let lines = cluster_lines(&[&path_text, "--max-doc-bytes", "100000000"]);
    assert_eq!(statuses(&lines), ["kept", "kept", "kept"]);
}

#[test]
fn strict_makes_the_first_rejection_fatal_with_exit_code_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.jsonl");
    storyhash()
        .args([
            "dedup",
            &fixture("invalid/malformed_json.jsonl"),
            "--strict",
            "-o",
        ])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("malformed_json.jsonl:3"));
    assert!(!out.exists(), "a failed run must not leave an output file");
}

#[test]
fn ci_gates_exit_with_code_1() {
    let input = fixture("scenarios/truncated_rescrape.jsonl");
    storyhash()
        .args(["report", &input, "-q", "--fail-on-duplicates"])
        .assert()
        .code(1);
    storyhash()
        .args(["report", &input, "-q", "--max-duplicate-rate", "0.4"])
        .assert()
        .code(1);
    storyhash()
        .args(["report", &input, "-q", "--max-duplicate-rate", "0.5"])
        .assert()
        .success();
    storyhash()
        .args([
            "report",
            &fixture("seeds.jsonl"),
            "-q",
            "--fail-on-duplicates",
        ])
        .assert()
        .success();
}

#[test]
fn usage_and_input_errors_exit_with_code_2() {
    storyhash().args(["report"]).assert().code(2);
    storyhash()
        .args(["report", &fixture("seeds.jsonl"), "--threshold", "1.5"])
        .assert()
        .code(2);
    storyhash()
        .args(["report", "no/such/file.jsonl"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no/such/file.jsonl"));
}

#[test]
fn stdin_gzip_and_zstd_inputs_give_the_same_result_as_the_plain_file() {
    let input = fixture("neardup/check.jsonl");
    let plain = std::fs::read(&input).expect("fixture");
    let expected = cluster_lines(&[&input]);
    let dir = tempfile::tempdir().expect("tempdir");
    let gz: PathBuf = dir.path().join("check.jsonl.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).expect("create"),
        flate2::Compression::fast(),
    );
    encoder.write_all(&plain).expect("gzip");
    encoder.finish().expect("gzip");
    // A zstd file with a misleading name: detection goes by magic bytes.
    let zst: PathBuf = dir.path().join("check.data");
    std::fs::write(&zst, zstd::encode_all(plain.as_slice(), 3).expect("zstd")).expect("write");
    let strip = |lines: Vec<Value>| -> Vec<Value> {
        lines
            .into_iter()
            .map(|mut line| {
                line["reason"] = Value::Null;
                line
            })
            .collect()
    };
    assert_eq!(
        strip(cluster_lines(&[&gz.display().to_string()])),
        strip(expected.clone())
    );
    assert_eq!(
        strip(cluster_lines(&[
            &zst.display().to_string(),
            "--input-format",
            "jsonl"
        ])),
        strip(expected.clone())
    );
    let output = storyhash()
        .args(["cluster", "-", "-q"])
        .write_stdin(plain)
        .output()
        .expect("runs");
    let from_stdin: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(strip(from_stdin), strip(expected));
}

#[test]
fn kept_lines_copied_at_their_offsets_match_a_second_reading_pass() {
    // Plain files are copied from the offsets of the first pass, compressed
    // ones by reading them again: the kept lines must come out the same, with
    // a byte order mark, CRLF line ends, blank and rejected lines between kept
    // ones, copies removed and a last line without its newline.
    let lines: Vec<String> = std::fs::read_to_string(fixture("neardup/check.jsonl"))
        .expect("fixture")
        .lines()
        .map(str::to_owned)
        .collect();
    let (first, second) = lines.split_at(lines.len() / 2);
    let mut a = b"\xEF\xBB\xBF".to_vec();
    for (index, line) in first.iter().enumerate() {
        a.extend_from_slice(line.as_bytes());
        a.extend_from_slice(match index % 4 {
            0 => b"\r\n",
            1 => b"\n\n  \n",
            2 => b"\n{not json\n",
            _ => b"\n",
        });
    }
    // The last line, kept (nothing else is like it), has no newline.
    let b = format!(
        "{}\n{}",
        second.join("\n"),
        r#"{"id": "last", "text": "A closing line unlike any other article, with no newline after it."}"#
    )
    .into_bytes();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut plain = Vec::new();
    let mut compressed = Vec::new();
    for (name, bytes) in [("a.jsonl", &a), ("b.jsonl", &b)] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        plain.push(path.display().to_string());
        let gz = dir.path().join(format!("{name}.gz"));
        let mut encoder = flate2::write::GzEncoder::new(
            std::fs::File::create(&gz).expect("create"),
            flate2::Compression::fast(),
        );
        encoder.write_all(bytes).expect("gzip");
        encoder.finish().expect("gzip");
        compressed.push(gz.display().to_string());
    }
    let kept = |inputs: &[String], threads: &str| -> Vec<u8> {
        let out = dir.path().join("kept.jsonl");
        let mut args: Vec<&str> = vec!["dedup"];
        args.extend(inputs.iter().map(String::as_str));
        args.extend([
            "-o",
            out.to_str().expect("path"),
            "-q",
            "--threads",
            threads,
        ]);
        storyhash().args(&args).assert().success();
        std::fs::read(&out).expect("kept")
    };
    let expected = kept(&compressed, "1");
    let kept_lines = expected
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert!(
        kept_lines > 0 && kept_lines < lines.len(),
        "{kept_lines} of {}",
        lines.len()
    );
    assert!(expected.ends_with(b"\n"));
    for threads in ["1", "2"] {
        assert_eq!(kept(&plain, threads), expected, "{threads} threads");
    }
}

#[test]
fn report_states_parameters_and_lsh_bands() {
    let report = report_json(&[&fixture("scenarios/truncated_rescrape.jsonl")]);
    assert_eq!(report["schema_version"], 1);
    let lsh = &report["parameters"]["lsh"];
    assert!(
        lsh["num_bands"].as_u64().unwrap_or(0) * lsh["rows_per_band"].as_u64().unwrap_or(0) <= 128
    );
    assert_eq!(report["clusters"][0]["size"], 2);
    assert_eq!(report["totals"]["records"], 2);
    let markdown = storyhash()
        .args([
            "report",
            &fixture("scenarios/truncated_rescrape.jsonl"),
            "--format",
            "md",
            "-q",
        ])
        .output()
        .expect("runs");
    let markdown = String::from_utf8_lossy(&markdown.stdout);
    assert!(markdown.contains("# storyhash report") && markdown.contains("bands x"));
}

#[test]
fn a_missing_id_becomes_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("noid.jsonl");
    std::fs::write(
        &path,
        "{\"text\":\"An article without an id field, but with words in it.\"}\n",
    )
    .expect("write");
    let lines = cluster_lines(&[&path.display().to_string()]);
    assert_eq!(lines[0]["id"], format!("{}:1", path.display()));
}

#[test]
fn a_pipe_given_by_path_is_read_like_a_file() {
    let input = fixture("scenarios/truncated_rescrape.jsonl");
    let expected = cluster_lines(&[&input]);
    let output = storyhash()
        .args(["cluster", "/dev/stdin", "-q"])
        .write_stdin(std::fs::read(&input).expect("fixture"))
        .output()
        .expect("runs");
    assert!(output.status.success());
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON"))
        .collect();
    assert_eq!(statuses(&lines), statuses(&expected));
}

#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_survives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    std::fs::copy(fixture("scenarios/edited_update.jsonl"), &input).expect("copy");
    let before = std::fs::read(&input).expect("read");
    storyhash()
        .args(["dedup", "-q", "-o"])
        .arg(dir.path().join("out.jsonl"))
        .arg("--rejected")
        .arg(&input)
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is also an input"));
    assert_eq!(std::fs::read(&input).expect("read"), before);
    assert!(!dir.path().join("out.jsonl").exists());
}

#[test]
fn a_byte_order_mark_does_not_break_the_first_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bom");
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(std::fs::read(fixture("scenarios/edited_update.jsonl")).expect("fixture"));
    std::fs::write(&path, bytes).expect("write");
    let lines = cluster_lines(&[&path.display().to_string()]);
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|line| line["status"] != "rejected"));
}

#[test]
fn strict_also_stops_on_a_text_that_normalizes_to_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("marks.jsonl");
    std::fs::write(&path, "{\"id\":\"x\",\"text\":\"\u{ff9e}\u{ff9f}\"}\n").expect("write");
    storyhash()
        .args(["cluster", "--strict", "-q"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("empty text"));
}

#[cfg(unix)]
#[test]
fn folders_follow_symbolic_links_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("feed");
    std::fs::create_dir(&folder).expect("mkdir");
    std::os::unix::fs::symlink(
        fixture("scenarios/edited_update.jsonl"),
        folder.join("linked.jsonl"),
    )
    .expect("link");
    // A link back to the folder itself must not loop.
    std::os::unix::fs::symlink(&folder, folder.join("loop")).expect("link");
    let lines = cluster_lines(&[&folder.display().to_string()]);
    assert_eq!(lines.len(), 2);
}

#[test]
fn a_boilerplate_line_learned_after_its_first_document_is_still_dropped_there() {
    // The first document's header recurs only in later documents, so the one
    // pass signs it before the line is known to recur; the fix-up must give
    // the result of knowing it from the start: once the header is dropped, the
    // first document and its header-less copy are identical.
    let body = "The council approved the new harbour budget on Tuesday after a long debate \
                about dredging, pier repairs and the ferry timetable for the coming summer season.";
    let others = [
        "Fishermen said the catch was the smallest in a decade and asked the ministry for help with fuel costs.",
        "The museum will reopen in May with a larger gallery for the maritime collection and a new cafe.",
        "Schools across the district will close early on Friday because of the forecast storm and flooding.",
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("feed.jsonl");
    let mut lines = vec![
        serde_json::json!({"id": "first", "text": format!("Harbour Daily Newsletter\n{body}")}),
    ];
    for (i, other) in others.iter().enumerate() {
        lines.push(serde_json::json!({"id": format!("other{i}"), "text": format!("Harbour Daily Newsletter\n{other}")}));
    }
    lines.push(serde_json::json!({"id": "copy", "text": body}));
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, text).expect("write");
    for extra in [&[][..], &["--threads", "1"][..]] {
        let mut args = vec![path.to_str().expect("path")];
        args.extend_from_slice(extra);
        let out = cluster_lines(&args);
        let copy = out.iter().find(|l| l["id"] == "copy").expect("copy line");
        let first = out.iter().find(|l| l["id"] == "first").expect("first line");
        assert_eq!(copy["copy_cluster"], first["copy_cluster"]);
        let similarity = copy["similarity"]
            .as_f64()
            .or_else(|| first["similarity"].as_f64())
            .expect("a similarity");
        assert_eq!(similarity, 1.0, "{out:?}");
    }
    let report = report_json(&[path.to_str().expect("path"), "--no-stories"]);
    assert_eq!(
        report["totals"]["dropped_lines"]["recurring"], 4,
        "{}",
        report["totals"]
    );
}
