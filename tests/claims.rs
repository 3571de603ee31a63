//! Claims on real text: the seeds' known divergences, noise kept out, and the
//! recall and precision of conflicts injected into copies of BASIL articles.

#![allow(clippy::print_stdout)]

mod common;
use common::{fixture, storyhash};
use serde_json::Value;
use storyhash::claims::{ClaimClass, Member, story_claims};

fn seeds_report() -> Value {
    let output = storyhash()
        .args(["report", &fixture("seeds.jsonl"), "-q"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn conflicts(report: &Value) -> Vec<Value> {
    report["stories"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|story| story["claims"].as_array().cloned().unwrap_or_default())
        .filter(|claim| claim["class"] == "conflicting")
        .collect()
}

#[test]
fn the_seeds_disagree_on_when_putin_visits_and_what_wang_yi_is() {
    let report = seeds_report();
    let conflicts = conflicts(&report);
    let values = |claim: &Value| -> Vec<String> {
        claim["evidence"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["value"].as_str().map(str::to_owned))
            .collect()
    };
    let when = conflicts
        .iter()
        .find(|claim| claim["fact_type"] == "time" && values(claim).contains(&"october".to_owned()))
        .expect("a time conflict about October");
    for value in ["soon", "next month", "october"] {
        assert!(
            values(when).contains(&value.to_owned()),
            "{value} in {:?}",
            values(when)
        );
    }
    let role = conflicts
        .iter()
        .find(|claim| claim["fact_type"] == "role" && claim["subject"] == "wang yi")
        .expect("a role conflict about Wang Yi");
    for value in ["foreign minister", "top diplomat", "ambassador"] {
        assert!(values(role).contains(&value.to_owned()), "{value}");
    }
    // The ambassador comes from a caption, and says so.
    let ambassador = role["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["value"] == "ambassador")
        .expect("ambassador evidence");
    assert_eq!(ambassador["kind"], "caption");
    // Every claim is pinned to its sentence: the range points at the text.
    let text = std::fs::read_to_string(fixture("seeds/001_46ca93c80c411b91.txt")).expect("seed");
    let [start, end] =
        [0, 1].map(|i| ambassador["sentence_chars"][i].as_u64().expect("range") as usize);
    let sentence: String = text.chars().skip(start).take(end - start).collect();
    assert_eq!(sentence, ambassador["sentence"].as_str().expect("sentence"));
}

#[test]
fn noise_gives_no_claims() {
    let report = seeds_report();
    for story in report["stories"].as_array().into_iter().flatten() {
        for claim in story["claims"].as_array().into_iter().flatten() {
            for evidence in claim["evidence"].as_array().into_iter().flatten() {
                let sentence = evidence["sentence"].as_str().unwrap_or("");
                assert!(
                    !sentence.contains("Poker") && !sentence.contains("Togel"),
                    "spam: {sentence}"
                );
                assert!(
                    !sentence
                        .chars()
                        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "Chinese: {sentence}"
                );
            }
        }
    }
}

/// Whether a reported value names an injected one: equal, or a longer role
/// holding it ("house speaker" for "speaker").
fn names(value: &str, injected: &str) -> bool {
    value == injected || value.split(' ').any(|word| word == injected)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const TITLES: [(&str, &str); 4] = [
    ("President ", "Governor "),
    ("Senator ", "Representative "),
    ("Gov. ", "Sen. "),
    ("Speaker ", "Senator "),
];

/// The first whole-word occurrence of `word` in `text`.
fn whole_word(text: &str, word: &str) -> Option<usize> {
    text.match_indices(word).map(|(at, _)| at).find(|&at| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// One change of the given kind, if the text allows it: the edited text and
/// the (old, new) values the claims stage should report.
fn change(text: &str, kind: usize) -> Option<(String, (String, String))> {
    let mut out = text.to_owned();
    match kind {
        // A count: "12 states" becomes "15 states".
        0 => {
            let words: Vec<&str> = text.split(' ').collect();
            let index = (0..words.len().saturating_sub(1)).find(|&i| {
                let w = words[i];
                (1..=3).contains(&w.len())
                    && w.bytes().all(|b| b.is_ascii_digit())
                    && words[i + 1].chars().all(|c| c.is_ascii_lowercase())
                    && words[i + 1].len() > 2
            })?;
            let old: u64 = words[index].parse().ok()?;
            let at = whole_word(text, &format!("{} {}", words[index], words[index + 1]))?;
            out.replace_range(at..at + words[index].len(), &(old + 3).to_string());
            let unit = words[index + 1].trim_end_matches('s');
            Some((
                out,
                (format!("{old} {unit}"), format!("{} {unit}", old + 3)),
            ))
        }
        // A weekday.
        1 => {
            let day = WEEKDAYS.iter().find(|d| whole_word(text, d).is_some())?;
            let other = WEEKDAYS[(WEEKDAYS.iter().position(|d| d == day)? + 3) % 7];
            let at = whole_word(text, day)?;
            out.replace_range(at..at + day.len(), other);
            Some((out, (day.to_lowercase(), other.to_lowercase())))
        }
        // A month.
        2 => {
            let month = MONTHS
                .iter()
                .find(|m| **m != "May" && whole_word(text, m).is_some())?;
            let mut other = MONTHS[(MONTHS.iter().position(|m| m == month)? + 5) % 12];
            if other == "May" {
                other = "June";
            }
            let at = whole_word(text, month)?;
            out.replace_range(at..at + month.len(), other);
            Some((out, (month.to_lowercase(), other.to_lowercase())))
        }
        // A title before a name, or (kind 4) the name after a title.
        _ => {
            for (old, new) in TITLES {
                let at = text.match_indices(old).map(|(at, _)| at).find(|&at| {
                    !text[..at].ends_with("Vice ") && !text[..at].ends_with("Deputy ")
                })?;
                let rest: Vec<&str> = text[at + old.len()..].splitn(3, ' ').take(2).collect();
                let proper = |w: &str| {
                    w.len() > 1
                        && w.chars().all(char::is_alphabetic)
                        && w.chars().next().is_some_and(char::is_uppercase)
                };
                if rest.len() != 2 || !rest.iter().all(|w| proper(w)) {
                    continue;
                }
                // Titles as the claims stage names them (abbreviations expanded).
                let full = |title: &str| match title.trim().trim_end_matches('.') {
                    "Gov" => "governor".to_owned(),
                    "Sen" => "senator".to_owned(),
                    other => other.to_lowercase(),
                };
                let role = full(old);
                if kind == 3 {
                    out.replace_range(at..at + old.len(), new);
                    return Some((out, (role, full(new))));
                }
                let name_at = at + old.len();
                let name = format!("{} {}", rest[0], rest[1]);
                out.replace_range(name_at..name_at + name.len(), "Pat Morgan");
                return Some((out, (name.to_lowercase(), "pat morgan".to_owned())));
            }
            None
        }
    }
}

/// Up to two changes of different kinds, the kinds rotating with the article.
fn inject(text: &str, serial: usize) -> (String, Vec<(String, String)>) {
    let mut out = text.to_owned();
    let mut injected = Vec::new();
    for step in 0..5 {
        if injected.len() == 2 {
            break;
        }
        if let Some((edited, values)) = change(&out, (serial + step) % 5) {
            out = edited;
            injected.push(values);
        }
    }
    (out, injected)
}

#[test]
fn injected_conflicts_are_found_with_recall_0_9_and_precision_0_8() {
    let lines = std::fs::read_to_string(fixture("basil/docs.jsonl")).expect("BASIL");
    let (mut injected_total, mut injected_found, mut conflicts_total, mut conflicts_matching) =
        (0, 0, 0, 0);
    let mut kinds = [0usize; 5];
    for (serial, line) in lines.lines().enumerate() {
        let value: Value = serde_json::from_str(line).expect("JSON");
        let text = value["text"].as_str().expect("text");
        let (modified, injected) = inject(text, serial);
        if injected.is_empty() {
            continue;
        }
        let whole = |t: &str| std::iter::once(0..t.len()).collect::<Vec<_>>();
        let members = [
            Member {
                id: "original",
                text,
                lines: whole(text),
            },
            Member {
                id: "modified",
                text: &modified,
                lines: whole(&modified),
            },
        ];
        let claims = story_claims(&members);
        let found: Vec<Vec<String>> = claims
            .iter()
            .filter(|claim| claim.class == ClaimClass::Conflicting)
            .map(|claim| claim.evidence.iter().map(|e| e.value.clone()).collect())
            .collect();
        injected_total += injected.len();
        for (old, _) in &injected {
            let kind = if old.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                0
            } else if WEEKDAYS.iter().any(|d| d.to_lowercase() == *old) {
                1
            } else if MONTHS.iter().any(|m| m.to_lowercase() == *old) {
                2
            } else if old.contains(' ') {
                4
            } else {
                3
            };
            kinds[kind] += 1;
        }
        for (old, new) in &injected {
            if found.iter().any(|values| {
                values.iter().any(|v| names(v, old)) && values.iter().any(|v| names(v, new))
            }) {
                injected_found += 1;
            }
        }
        conflicts_total += found.len();
        conflicts_matching += found
            .iter()
            .filter(|values| {
                injected.iter().any(|(old, new)| {
                    values.iter().any(|v| names(v, old)) && values.iter().any(|v| names(v, new))
                })
            })
            .count();
    }
    let recall = injected_found as f64 / injected_total as f64;
    let precision = conflicts_matching as f64 / conflicts_total.max(1) as f64;
    println!(
        "injected {injected_total}, found {injected_found} (recall {recall:.3}); conflicts reported {conflicts_total}, matching an injection {conflicts_matching} (precision {precision:.3})"
    );
    assert!(
        injected_total >= 200,
        "only {injected_total} injected changes"
    );
    println!("injected by kind (number, weekday, month, title, name): {kinds:?}");
    assert!(recall >= 0.9, "recall {recall}");
    assert!(precision >= 0.8, "precision {precision}");
}

fn seeds_html(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("seeds.html");
    storyhash()
        .args([
            "report",
            &fixture("seeds.jsonl"),
            "-q",
            "--format",
            "html",
            "-o",
        ])
        .arg(&path)
        .assert()
        .success();
    path
}

#[test]
fn the_html_report_is_self_contained_and_marks_the_differing_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let html = std::fs::read_to_string(seeds_html(dir.path())).expect("html");
    // Nothing to fetch: no script, no stylesheet link, no external address.
    for forbidden in [
        "<script", "<link", "src=", "http://", "https://", "@import", "url(",
    ] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
    // Conflicting claims come first and their values are marked.
    let conflicts = html.find("Conflicting claims").expect("conflicts section");
    let unique = html
        .find("Said by one source only")
        .expect("unique section");
    assert!(conflicts < unique);
    for value in [
        "<mark>soon</mark>",
        "<mark>next month</mark>",
        "<mark>October</mark>",
        "<mark>Ambassador Wang Yi</mark>",
    ] {
        assert!(html.contains(value), "{value}");
    }
}

/// Renders the seeds' HTML report in headless Chromium and checks that it made
/// a screenshot. CI installs Debian's chromium (`.ci/run`); on a machine
/// without it the test says so and checks nothing else.
#[test]
fn the_html_report_renders_in_headless_chromium() {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|path| std::path::Path::new(path).exists());
    let Some(chromium) = chromium else {
        println!("chromium is not installed: the rendering check did not run");
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (.ci/run)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let page = seeds_html(dir.path());
    let shot = dir.path().join("seeds.png");
    let profile = dir.path().join("profile");
    let status = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1200,1600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        // Chromium logs its missing desktop services (D-Bus) on stderr.
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("chromium runs");
    assert!(status.success());
    let png = std::fs::read(&shot).expect("screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    if let Some(keep) = std::env::var_os("STORYHASH_SCREENSHOT") {
        std::fs::copy(&shot, keep).expect("copy screenshot");
    }
}
