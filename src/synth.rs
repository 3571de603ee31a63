//! Synthetic dumps for benchmarks: a deterministic, labelled, news-like JSONL
//! stream of any size, built from the 300 real BASIL articles that ship in
//! `fixtures/basil/docs.jsonl` (embedded in the binary, so `storyhash synth`
//! works anywhere).
//!
//! Each line is
//! `{"id","date","source","title","text","copy_of","story"}`: `copy_of` is the
//! id of the document a near-copy was made from (`null` for an original) and
//! `story` names the synthetic event, so `storyhash eval --copy-of copy_of
//! --tier copy` and `storyhash eval --truth story` can score a run on it.
//!
//! How a document is made (every choice drawn from a generator seeded by the
//! seed and the document's index, so document `i` is the same whatever the
//! size asked, the thread count, or the documents around it):
//!
//! * **Stories.** Indices come in blocks of six slots, cut into stories of one
//!   to three members. A story takes one BASIL triplet (three outlets on one
//!   event) and a *story cipher*: three in four content words of the corpus are
//!   mapped, the same way for the whole story, to words drawn from the corpus
//!   vocabulary (by frequency). Members of a story are different outlets'
//!   articles rewritten with the same cipher, so they relate as real same-event
//!   coverage does; two stories drawn from the same triplet share few words (a
//!   word survives both ciphers one time in sixteen). Story dates advance with
//!   the index (3,000 slots a day), so the time window matters.
//! * **Originals.** Paragraphs of the member's article (lead kept seven times
//!   in ten, the rest shuffled, some dropped), sometimes paragraphs of the other
//!   outlets, filled up to a log-normal length (median about 3 KB, from 300 bytes
//!   to 40 KB) with paragraphs of other articles; a site's header and footer
//!   lines (boilerplate shared by thousands of documents), an occasional
//!   "Advertisement" line, and in 2% of documents a Chinese or Russian paragraph.
//! * **Near-copies** (`copy_share`, default 0.2): an earlier original (nine
//!   times in ten from the last 2,048 documents) republished with the edit types
//!   the copy tier is built for: another site's header and footer, 5-20% of
//!   sentences dropped or reworded, typos, truncation to about 70%; never
//!   byte-identical.
//!
//! Generation is parallel (rayon, in chunks written in index order) and runs at
//! a few hundred MB/s, so a 10 GB dump takes about a minute.

use crate::error::{Error, Result};
use crate::minhash::splitmix64;
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::HashMap;
use std::io::Write;
use std::sync::OnceLock;

/// The BASIL articles, embedded (1.3 MB).
const BASIL: &str = include_str!("../fixtures/basil/docs.jsonl");

/// Stories are cut from blocks of this many consecutive indices.
const STORY_BLOCK: u64 = 6;
/// Slots per synthetic day.
const SLOTS_PER_DAY: u64 = 3_000;
/// Share of content words a story cipher replaces, in 1/1024.
const STORY_CIPHER_RATE: u64 = 768;
/// Share of content words a document's own cipher replaces, in 1/1024.
const DOC_CIPHER_RATE: u64 = 20;
/// Near-copies come from this many preceding documents nine times in ten.
const RECENT: u64 = 2_048;
/// Document length bounds (bytes of body), and the log-normal's parameters
/// (median e^8.07 = 3.2 KB).
const MIN_BODY: usize = 300;
const MAX_BODY: usize = 40_000;
const LENGTH_MU: f64 = 8.07;
const LENGTH_SIGMA: f64 = 0.8;
/// Day 0 of the synthetic calendar: 2021-01-01 as days since 1970-01-01.
const EPOCH_DAYS: i64 = 18_628;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Share of documents that are near-copies of an earlier one, in [0, 1).
    pub copy_share: f64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            copy_share: 0.2,
        }
    }
}

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub enum Amount {
    /// This many documents.
    Documents(u64),
    /// Documents until the output reaches this many (uncompressed) bytes; the
    /// line that crosses the limit is the last.
    Bytes(u64),
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct SynthStats {
    /// Documents written.
    pub documents: u64,
    /// Near-copies among them.
    pub copies: u64,
    /// Uncompressed bytes written.
    pub bytes: u64,
}

/// Parses a size such as `1G`, `500M`, `64KiB` or `1000`: K, M, G, T are powers
/// of 1000, Ki, Mi, Gi, Ti powers of 1024; a trailing `B` is allowed.
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, suffix) = trimmed.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("bad size {text:?} (use e.g. 500K, 20M, 1G)"))?;
    let suffix = suffix.trim().to_ascii_lowercase();
    let suffix = suffix.strip_suffix('b').unwrap_or(&suffix);
    let (power, base) = match suffix {
        "" => (0, 1000.0),
        "k" => (1, 1000.0),
        "m" => (2, 1000.0),
        "g" => (3, 1000.0),
        "t" => (4, 1000.0),
        "ki" => (1, 1024.0),
        "mi" => (2, 1024.0),
        "gi" => (3, 1024.0),
        "ti" => (4, 1024.0),
        _ => {
            return Err(format!(
                "bad size suffix in {text:?} (use K, M, G, T or Ki, Mi, Gi, Ti)"
            ));
        }
    };
    let value = number * f64::powi(base, power);
    if !(1.0..1e18).contains(&value) {
        return Err(format!("size {text:?} must be at least 1 byte"));
    }
    Ok(value as u64)
}

/// Writes a synthetic dump to `out` (uncompressed JSONL; compress around it).
/// `progress` is called with the bytes written after each chunk.
pub fn generate(
    config: &SynthConfig,
    amount: Amount,
    out: &mut dyn Write,
    name: &str,
    mut progress: impl FnMut(u64),
) -> Result<SynthStats> {
    if !(0.0..1.0).contains(&config.copy_share) {
        return Err(Error::Config(format!(
            "copy share {} is outside [0, 1)",
            config.copy_share
        )));
    }
    let generator = Generator::new(config);
    let mut stats = SynthStats::default();
    // Chunks big enough to keep both threads busy, small enough that the
    // byte limit overshoots by at most one line.
    const CHUNK: u64 = 2_048;
    let mut next = 0u64;
    loop {
        let count = match amount {
            Amount::Documents(total) => CHUNK.min(total - next),
            Amount::Bytes(_) => CHUNK,
        };
        if count == 0 {
            break;
        }
        let lines: Vec<(Vec<u8>, bool)> = (next..next + count)
            .into_par_iter()
            .map(|index| generator.line(index))
            .collect();
        next += count;
        let mut done = false;
        for (line, is_copy) in &lines {
            out.write_all(line).map_err(|e| Error::io(name, e))?;
            stats.documents += 1;
            stats.copies += u64::from(*is_copy);
            stats.bytes += line.len() as u64;
            if let Amount::Bytes(limit) = amount
                && stats.bytes >= limit
            {
                done = true;
                break;
            }
        }
        progress(stats.bytes);
        if done {
            break;
        }
    }
    out.flush().map_err(|e| Error::io(name, e))?;
    Ok(stats)
}

/// A small, fast generator (SplitMix64), seeded per use.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64, index: u64) -> Self {
        let mut state = seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let first = splitmix64(&mut state);
        Self(first ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03))
    }

    fn next(&mut self) -> u64 {
        splitmix64(&mut self.0)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    /// Uniform in 0..bound (bound > 0).
    fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(bound)) >> 64) as u64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Streams of the per-index generators, so that the copy decision, the story
/// partition and the document body never share draws.
const STREAM_KIND: u64 = 1;
const STREAM_STORY: u64 = 2;
const STREAM_BODY: u64 = 3;
const STREAM_COPY: u64 = 4;

/// One piece of corpus text: a content word (with its id and case) or the text
/// between words.
#[derive(Debug, Clone, Copy)]
struct Piece {
    text: &'static str,
    word: u32,
    case: Case,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Lower,
    Capital,
    Upper,
}

const NOT_A_WORD: u32 = u32::MAX;

/// The corpus, split once: articles into paragraphs into sentences into pieces.
struct Corpus {
    pieces: Vec<Piece>,
    /// Sentences as ranges of `pieces`.
    sentences: Vec<std::ops::Range<u32>>,
    /// Paragraphs as ranges of `sentences`.
    paragraphs: Vec<std::ops::Range<u32>>,
    articles: Vec<Article>,
    /// Articles of each BASIL event (triplet).
    events: Vec<Vec<u32>>,
    /// Content words: lower-case, capitalized and upper-case forms.
    lower: Vec<String>,
    capital: Vec<String>,
    upper: Vec<String>,
    /// One entry per content-word occurrence, so a uniform pick follows the
    /// corpus' word frequencies.
    occurrences: Vec<u32>,
}

struct Article {
    title: u32,
    paragraphs: std::ops::Range<u32>,
}

#[derive(Deserialize)]
struct BasilArticle<'a> {
    #[serde(borrow)]
    cluster: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    title: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    text: std::borrow::Cow<'a, str>,
}

const STOPWORDS: &[&str] = &[
    "about", "above", "after", "again", "against", "all", "also", "and", "any", "are", "because",
    "been", "before", "being", "below", "between", "both", "but", "can", "could", "did", "does",
    "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have",
    "having", "her", "here", "hers", "herself", "him", "himself", "his", "how", "into", "its",
    "itself", "just", "more", "most", "myself", "nor", "not", "now", "off", "once", "only",
    "other", "our", "ours", "out", "over", "own", "same", "she", "should", "some", "such", "than",
    "that", "the", "their", "theirs", "them", "then", "there", "these", "they", "this", "those",
    "through", "too", "under", "until", "very", "was", "were", "what", "when", "where", "which",
    "while", "who", "whom", "why", "will", "with", "would", "you", "your", "said", "says", "say",
    "one", "two", "new",
];

impl Corpus {
    fn load() -> Self {
        // Leaked once per process: the pieces borrow from these strings.
        let mut corpus = Corpus {
            pieces: Vec::new(),
            sentences: Vec::new(),
            paragraphs: Vec::new(),
            articles: Vec::new(),
            events: Vec::new(),
            lower: Vec::new(),
            capital: Vec::new(),
            upper: Vec::new(),
            occurrences: Vec::new(),
        };
        let mut word_ids: HashMap<String, u32> = HashMap::new();
        let mut event_ids: HashMap<String, u32> = HashMap::new();
        for line in BASIL.lines().filter(|line| !line.trim().is_empty()) {
            // The embedded file is ours and tested; a line that does not parse
            // is skipped rather than trusted.
            let Ok(article) = serde_json::from_str::<BasilArticle>(line) else {
                continue;
            };
            let title: &'static str = leak(&article.title);
            let text: &'static str = leak(&article.text);
            let event = *event_ids
                .entry(article.cluster.to_string())
                .or_insert_with(|| {
                    corpus.events.push(Vec::new());
                    corpus.events.len() as u32 - 1
                });
            let title_sentence = corpus.add_sentence(title, &mut word_ids);
            let first_paragraph = corpus.paragraphs.len() as u32;
            for paragraph in text.split('\n').map(str::trim).filter(|p| !p.is_empty()) {
                let first = corpus.sentences.len() as u32;
                for sentence in split_sentences(paragraph) {
                    corpus.add_sentence(sentence, &mut word_ids);
                }
                corpus.paragraphs.push(first..corpus.sentences.len() as u32);
            }
            if corpus.paragraphs.len() as u32 == first_paragraph {
                corpus.paragraphs.push(title_sentence..title_sentence + 1);
            }
            corpus.events[event as usize].push(corpus.articles.len() as u32);
            corpus.articles.push(Article {
                title: title_sentence,
                paragraphs: first_paragraph..corpus.paragraphs.len() as u32,
            });
        }
        corpus
    }

    fn add_sentence(&mut self, sentence: &'static str, ids: &mut HashMap<String, u32>) -> u32 {
        let first = self.pieces.len() as u32;
        let mut rest = sentence;
        while !rest.is_empty() {
            let start = rest.find(char::is_alphabetic).unwrap_or(rest.len());
            if start > 0 {
                self.pieces.push(Piece {
                    text: &rest[..start],
                    word: NOT_A_WORD,
                    case: Case::Lower,
                });
            }
            rest = &rest[start..];
            let end = rest
                .find(|c: char| !c.is_alphabetic())
                .unwrap_or(rest.len());
            if end == 0 {
                continue;
            }
            let word = &rest[..end];
            rest = &rest[end..];
            let lower = word.to_lowercase();
            let content = word.chars().count() >= 3 && !STOPWORDS.contains(&lower.as_str());
            let id = if content {
                let next = self.lower.len() as u32;
                let id = *ids.entry(lower.clone()).or_insert(next);
                if id == next {
                    let mut capital: String =
                        lower.chars().take(1).flat_map(char::to_uppercase).collect();
                    capital.extend(lower.chars().skip(1));
                    self.capital.push(capital);
                    self.upper.push(lower.to_uppercase());
                    self.lower.push(lower);
                }
                self.occurrences.push(id);
                id
            } else {
                NOT_A_WORD
            };
            let mut chars = word.chars();
            let first_upper = chars.next().is_some_and(char::is_uppercase);
            let case = if !first_upper {
                Case::Lower
            } else if word.chars().count() > 1 && word.chars().all(char::is_uppercase) {
                Case::Upper
            } else {
                Case::Capital
            };
            self.pieces.push(Piece {
                text: word,
                word: id,
                case,
            });
        }
        self.sentences.push(first..self.pieces.len() as u32);
        self.sentences.len() as u32 - 1
    }
}

fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

/// Sentence ends: `.`, `!` or `?` (and a closing quote) followed by a space and
/// an upper-case letter, digit or opening quote.
fn split_sentences(paragraph: &str) -> impl Iterator<Item = &str> {
    let bytes = paragraph.as_bytes();
    let mut start = 0;
    let mut cuts = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        if b != b' ' || i == 0 {
            continue;
        }
        let before = paragraph[..i].trim_end_matches(['"', '\u{201d}', '\'']);
        let ends = before.ends_with(['.', '!', '?']);
        let next = paragraph[i + 1..].chars().next();
        let starts = next
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || "\"\u{201c}".contains(c));
        if ends && starts {
            cuts.push(&paragraph[start..i]);
            start = i + 1;
        }
    }
    cuts.push(&paragraph[start..]);
    cuts.into_iter().filter(|s| !s.trim().is_empty())
}

struct Site {
    name: String,
    header: Vec<String>,
    footer: Vec<String>,
}

const SITE_NAMES: &[&str] = &[
    "The Daily Ledger",
    "Metro Tribune",
    "Capitol Dispatch",
    "Harbor Gazette",
    "Evening Courier",
    "National Observer",
    "Valley Herald",
    "Coastal Post",
    "Midwest Chronicle",
    "The Morning Sentinel",
    "Pacific Record",
    "Northern Star",
    "City Wire",
    "Sunbelt Times",
    "The Union Journal",
    "Riverside Examiner",
    "Frontier Press",
    "Lakeshore News",
    "Atlantic Monitor",
    "The Plains Register",
    "Summit Daily",
    "Bay Area Bulletin",
    "Heartland Report",
    "Global Affairs Review",
];
const HEADERS: &[&str] = &[
    "{site} | Breaking News, Politics, Business and World Headlines",
    "Skip to main content",
    "Subscribe to {site} for unlimited digital access",
    "Home > Politics > National",
    "Menu Search Sign In Subscribe",
    "You have reached your limit of free articles this month.",
];
const FOOTERS: &[&str] = &[
    "\u{a9} {year} {site}. All rights reserved.",
    "Sign up for the morning newsletter from {site} to get the day's top stories in your inbox.",
    "Follow {site} on Twitter and Facebook for the latest updates.",
    "This material may not be published, broadcast, rewritten or redistributed.",
    "Have a news tip? Email us at tips@{domain}.com",
    "Related Coverage",
    "The Associated Press contributed to this report.",
    "Comments are closed for this article.",
];
const AD_LINE: &str = "Advertisement";
const CHINESE: &[&str] = &[
    "国务院新闻办公室周二举行发布会，介绍今年前三季度经济运行情况。",
    "当地政府表示，将加大对中小企业的扶持力度，稳定就业市场。",
    "据新华社报道，暴雨导致多条高速公路临时封闭，数千名旅客滞留。",
    "专家认为，房地产市场的调整仍将持续一段时间。",
    "外交部发言人在例行记者会上回答了有关贸易谈判的提问。",
    "这项新政策预计将于明年一月一日起正式实施。",
];
const RUSSIAN: &[&str] = &[
    "Министерство финансов опубликовало предварительные данные об исполнении бюджета.",
    "По словам представителя мэрии, ремонт моста завершится до конца года.",
    "Центральный банк сохранил ключевую ставку на прежнем уровне.",
    "Эксперты ожидают, что цены на нефть останутся волатильными в ближайшие месяцы.",
    "Пресс-секретарь президента отказался комментировать эти сообщения.",
    "Депутаты приняли законопроект в первом чтении.",
];

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(Corpus::load)
}

/// An original's parts, kept apart so a copy can change each.
struct Parts {
    date: i64,
    story: u64,
    site: usize,
    title: String,
    header: Vec<String>,
    body: String,
    footer: Vec<String>,
}

struct Generator {
    seed: u64,
    copy_share: f64,
    corpus: &'static Corpus,
    sites: Vec<Site>,
}

impl Generator {
    fn new(config: &SynthConfig) -> Self {
        let mut rng = Rng::new(config.seed, 0, 0);
        let sites = SITE_NAMES
            .iter()
            .map(|&name| {
                let domain: String = name
                    .chars()
                    .filter(char::is_ascii_alphabetic)
                    .map(|c| c.to_ascii_lowercase())
                    .collect();
                let year = (2012 + rng.below(9)).to_string();
                let fill = |template: &str| {
                    template
                        .replace("{site}", name)
                        .replace("{domain}", &domain)
                        .replace("{year}", &year)
                };
                let mut header: Vec<&str> = HEADERS.to_vec();
                rng.shuffle(&mut header);
                header.truncate(1 + rng.below(2) as usize);
                let mut footer: Vec<&str> = FOOTERS.to_vec();
                rng.shuffle(&mut footer);
                footer.truncate(1 + rng.below(3) as usize);
                Site {
                    name: name.to_owned(),
                    header: header.into_iter().map(fill).collect(),
                    footer: footer.into_iter().map(fill).collect(),
                }
            })
            .collect();
        Self {
            seed: config.seed,
            copy_share: config.copy_share,
            corpus: corpus(),
            sites,
        }
    }

    /// The original that document `index` copies, if it is a near-copy.
    fn copy_source(&self, index: u64) -> Option<u64> {
        if index == 0 {
            return None;
        }
        let mut rng = Rng::new(self.seed, STREAM_KIND, index);
        if !rng.chance(self.copy_share) {
            return None;
        }
        let source = if rng.chance(0.9) {
            index - 1 - rng.below(index.min(RECENT))
        } else {
            rng.below(index)
        };
        // A copy of a copy is a copy of its original (one step: originals are
        // never copies).
        Some(self.copy_source(source).unwrap_or(source))
    }

    /// The story of original `index`: the first slot of its group in its block.
    fn story_of(&self, index: u64) -> (u64, usize) {
        let block = index / STORY_BLOCK;
        let slot = index % STORY_BLOCK;
        let mut rng = Rng::new(self.seed, STREAM_STORY, block);
        let mut start = 0;
        loop {
            let size = match rng.below(20) {
                0..=5 => 1,
                6..=12 => 2,
                _ => 3,
            };
            if slot < start + size || start + size >= STORY_BLOCK {
                return (block * STORY_BLOCK + start, (slot - start) as usize);
            }
            start += size;
        }
    }

    fn line(&self, index: u64) -> (Vec<u8>, bool) {
        let id = doc_id(index);
        let mut line = Vec::with_capacity(8 * 1024);
        match self.copy_source(index) {
            None => {
                let parts = self.original(index);
                self.write_line(&mut line, &id, &parts, None);
                (line, false)
            }
            Some(source) => {
                let parts = self.copy(index, self.original(source));
                self.write_line(&mut line, &id, &parts, Some(&doc_id(source)));
                (line, true)
            }
        }
    }

    fn write_line(&self, line: &mut Vec<u8>, id: &str, parts: &Parts, copy_of: Option<&str>) {
        let mut text = String::with_capacity(parts.body.len() + 512);
        for header in &parts.header {
            text.push_str(header);
            text.push('\n');
        }
        text.push_str(&parts.body);
        for footer in &parts.footer {
            text.push('\n');
            text.push_str(footer);
        }
        let quoted = |value: &str| serde_json::to_string(value).unwrap_or_default();
        // Writing into a Vec cannot fail.
        let _ = writeln!(
            line,
            "{{\"id\":\"{id}\",\"date\":\"{}\",\"source\":{},\"title\":{},\"text\":{},\"copy_of\":{},\"story\":\"s{:09}\"}}",
            crate::ingest::format_day(EPOCH_DAYS + parts.date),
            quoted(&self.sites[parts.site].name),
            quoted(&parts.title),
            quoted(&text),
            copy_of.map_or("null".to_owned(), |id| format!("\"{id}\"")),
            parts.story,
        );
    }

    fn original(&self, index: u64) -> Parts {
        let corpus = self.corpus;
        let (story, member) = self.story_of(index);
        let mut story_rng = Rng::new(self.seed, STREAM_STORY ^ 0x5707, story);
        let event = &corpus.events[story_rng.below(corpus.events.len() as u64) as usize];
        let offset = story_rng.below(event.len() as u64) as usize;
        let article = &corpus.articles[event[(offset + member) % event.len()] as usize];
        let story_key = self.seed ^ story.wrapping_mul(0x2545_f491_4f6c_dd1d);
        let doc_key = self.seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xd0c;

        let mut rng = Rng::new(self.seed, STREAM_BODY, index);
        let mut paragraphs: Vec<u32> = article.paragraphs.clone().collect();
        let keep_lead = paragraphs.len() > 1 && rng.chance(0.7);
        let shuffled = if keep_lead {
            &mut paragraphs[1..]
        } else {
            &mut paragraphs[..]
        };
        rng.shuffle(shuffled);
        let drop = 0.1 + 0.15 * rng.unit();
        let first = paragraphs[0];
        paragraphs.retain(|_| !rng.chance(drop));
        if paragraphs.is_empty() {
            paragraphs.push(first);
        }
        if rng.chance(0.4) {
            for _ in 0..1 + rng.below(2) {
                let other = &corpus.articles[*rng.pick(event) as usize];
                let paragraph = other.paragraphs.start
                    + rng.below(u64::from(other.paragraphs.len() as u32)) as u32;
                let at = rng.below(paragraphs.len() as u64 + 1) as usize;
                paragraphs.insert(at, paragraph);
            }
        }
        let target = (LENGTH_MU + LENGTH_SIGMA * rng.normal()).exp() as usize;
        let target = target.clamp(MIN_BODY, MAX_BODY);

        let mut rendered: Vec<String> = Vec::new();
        let mut length = 0;
        let render = |paragraph: u32, rendered: &mut Vec<String>, length: &mut usize| {
            let mut out = String::new();
            for sentence in corpus.paragraphs[paragraph as usize].clone() {
                if !out.is_empty() {
                    out.push(' ');
                }
                self.render_sentence(sentence, story_key, doc_key, &mut out);
            }
            *length += out.len() + 1;
            rendered.push(out);
        };
        for &paragraph in &paragraphs {
            if length >= target {
                break;
            }
            render(paragraph, &mut rendered, &mut length);
        }
        let mut guard = 0;
        while length < target && guard < 40 {
            guard += 1;
            let other = &corpus.articles[rng.below(corpus.articles.len() as u64) as usize];
            let paragraph =
                other.paragraphs.start + rng.below(u64::from(other.paragraphs.len() as u32)) as u32;
            render(paragraph, &mut rendered, &mut length);
        }
        if rendered.len() == 1 && rendered[0].len() > target * 3 / 2 {
            let cut = floor_char_boundary(&rendered[0], target);
            let cut = rendered[0][..cut].rfind(' ').unwrap_or(cut);
            rendered[0].truncate(cut);
        }
        if rng.chance(0.02) {
            let sentences = if rng.chance(0.5) { CHINESE } else { RUSSIAN };
            let separator = if sentences == CHINESE { "" } else { " " };
            let count = 2 + rng.below(3);
            let paragraph: Vec<&str> = (0..count).map(|_| *rng.pick(sentences)).collect();
            let at = rng.below(rendered.len() as u64 + 1) as usize;
            rendered.insert(at, paragraph.join(separator));
        }
        if rendered.len() > 2 && rng.chance(0.15) {
            let at = 1 + rng.below(rendered.len() as u64 - 1) as usize;
            rendered.insert(at, AD_LINE.to_owned());
        }
        let mut title = String::new();
        self.render_sentence(article.title, story_key, doc_key, &mut title);
        let site = rng.below(self.sites.len() as u64) as usize;
        let header = if rng.chance(0.45) {
            self.sites[site].header.clone()
        } else {
            Vec::new()
        };
        let footer = if rng.chance(0.55) {
            self.sites[site].footer.clone()
        } else {
            Vec::new()
        };
        Parts {
            date: (story / SLOTS_PER_DAY) as i64 + rng.below(2) as i64,
            story,
            site,
            title,
            header,
            body: rendered.join("\n"),
            footer,
        }
    }

    /// A sentence through the story cipher and the document's own small cipher.
    fn render_sentence(&self, sentence: u32, story_key: u64, doc_key: u64, out: &mut String) {
        let corpus = self.corpus;
        let range = corpus.sentences[sentence as usize].clone();
        for piece in &corpus.pieces[range.start as usize..range.end as usize] {
            if piece.word == NOT_A_WORD {
                out.push_str(piece.text);
                continue;
            }
            let replacement = [story_key, doc_key]
                .into_iter()
                .zip([STORY_CIPHER_RATE, DOC_CIPHER_RATE])
                .fold(None, |found, (key, rate)| {
                    let word = found.unwrap_or(piece.word);
                    let mut state = key ^ u64::from(word).wrapping_mul(0xff51_afd7_ed55_8ccd);
                    let hash = splitmix64(&mut state);
                    if hash & 1023 < rate {
                        let pick = ((hash >> 10) % corpus.occurrences.len() as u64) as usize;
                        Some(corpus.occurrences[pick])
                    } else {
                        found
                    }
                });
            match replacement {
                None => out.push_str(piece.text),
                Some(word) => out.push_str(match piece.case {
                    Case::Lower => &corpus.lower[word as usize],
                    Case::Capital => &corpus.capital[word as usize],
                    Case::Upper => &corpus.upper[word as usize],
                }),
            }
        }
    }

    /// A near-copy of `parts`, with the edits of the copy tier; never identical.
    fn copy(&self, index: u64, mut parts: Parts) -> Parts {
        let mut rng = Rng::new(self.seed, STREAM_COPY, index);
        let corpus = self.corpus;
        let original_body = parts.body.clone();
        let mut reheader = rng.chance(0.6);
        let reword = rng.chance(0.6);
        let typos = rng.chance(0.5);
        let truncate = rng.chance(0.25);
        if !(reheader || reword || typos || truncate) {
            reheader = true;
        }
        if reheader {
            let other = rng.below(self.sites.len() as u64) as usize;
            let choice = rng.unit();
            if choice < 0.4 {
                parts.site = other;
                parts.header = self.sites[other].header.clone();
                parts.footer = self.sites[other].footer.clone();
            } else if choice < 0.6 {
                parts.header.pop();
            } else if choice < 0.8 {
                parts.footer.push(format!(
                    "Updated {}:{:02} {} ET",
                    1 + rng.below(12),
                    rng.below(60),
                    if rng.chance(0.5) { "a.m." } else { "p.m." }
                ));
            } else {
                parts.footer = self.sites[other].footer.iter().take(1).cloned().collect();
            }
            if rng.chance(0.2) {
                parts.title.push_str(" | ");
                parts.title.push_str(&self.sites[other].name);
            }
        }
        if reword {
            let share = 0.05 + 0.15 * rng.unit();
            let mut paragraphs = Vec::new();
            for paragraph in parts.body.split('\n') {
                let mut kept: Vec<String> = Vec::new();
                for sentence in split_sentences(paragraph) {
                    if !rng.chance(share) {
                        kept.push(sentence.to_owned());
                        continue;
                    }
                    if rng.chance(0.5) {
                        continue;
                    }
                    let mut words: Vec<&str> = sentence.split(' ').collect();
                    for _ in 0..1 + rng.below(3) {
                        let at = rng.below(words.len() as u64) as usize;
                        let choice = rng.unit();
                        if choice < 0.5 {
                            let word = *rng.pick(&corpus.occurrences);
                            words[at] = &corpus.lower[word as usize];
                        } else if choice < 0.75 && words.len() > 3 {
                            words.remove(at);
                        } else if at + 1 < words.len() {
                            words.swap(at, at + 1);
                        }
                    }
                    kept.push(words.join(" "));
                }
                if !kept.is_empty() {
                    paragraphs.push(kept.join(" "));
                }
            }
            if !paragraphs.is_empty() {
                parts.body = paragraphs.join("\n");
            }
        }
        if truncate {
            let at = floor_char_boundary(
                &parts.body,
                (parts.body.len() as f64 * (0.65 + 0.1 * rng.unit())) as usize,
            );
            if let Some(cut) = parts.body[..at].rfind(' ') {
                parts.body.truncate(cut);
            }
        }
        if typos {
            let mut chars: Vec<char> = parts.body.chars().collect();
            let mut todo = 1 + rng.below(5);
            let mut tries = 0;
            while todo > 0 && tries < 50 && chars.len() >= 4 {
                tries += 1;
                let at = rng.below(chars.len() as u64 - 2) as usize;
                let (a, b) = (chars[at], chars[at + 1]);
                if !(a.is_alphabetic() && b.is_alphabetic() && a != b) {
                    continue;
                }
                todo -= 1;
                let choice = rng.unit();
                if choice < 0.4 {
                    chars.swap(at, at + 1);
                } else if choice < 0.7 {
                    chars.remove(at);
                } else {
                    chars.insert(at, a);
                }
            }
            parts.body = chars.into_iter().collect();
        }
        if parts.body == original_body {
            // Nothing changed the body: drop its last word, so a copy is never
            // byte-identical (exact copies are the easy case).
            match parts.body.rfind(' ') {
                Some(cut) => parts.body.truncate(cut),
                None => parts.body.push_str(" Advertisement"),
            }
        }
        if rng.chance(0.3) {
            parts.date += rng.below(3) as i64;
        }
        parts
    }
}

fn doc_id(index: u64) -> String {
    format!("d{index:09}")
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump(config: &SynthConfig, amount: Amount) -> (Vec<u8>, SynthStats) {
        let mut out = Vec::new();
        let stats = generate(config, amount, &mut out, "mem", |_| {}).expect("generates");
        (out, stats)
    }

    #[test]
    fn same_seed_gives_the_same_bytes_and_a_prefix_for_a_smaller_size() {
        let config = SynthConfig::default();
        let (first, stats) = dump(&config, Amount::Documents(3_000));
        let (second, _) = dump(&config, Amount::Documents(3_000));
        assert_eq!(first, second);
        assert_eq!(stats.documents, 3_000);
        let (smaller, _) = dump(&config, Amount::Documents(1_000));
        assert!(first.starts_with(&smaller));
        let other = SynthConfig {
            seed: 2,
            ..SynthConfig::default()
        };
        assert_ne!(
            dump(&other, Amount::Documents(100)).0,
            smaller[..smaller.len() / 10]
        );
    }

    #[test]
    fn byte_limit_stops_at_the_first_line_past_it() {
        let (out, stats) = dump(&SynthConfig::default(), Amount::Bytes(200_000));
        assert_eq!(out.len() as u64, stats.bytes);
        assert!(stats.bytes >= 200_000);
        let last_line = out[..out.len() - 1]
            .rsplit(|&b| b == b'\n')
            .next()
            .map_or(0, <[u8]>::len);
        assert!(stats.bytes - 200_000 <= last_line as u64 + 1);
    }

    #[test]
    fn lines_are_json_with_labels_lengths_and_noise() {
        let (out, stats) = dump(&SynthConfig::default(), Amount::Documents(5_000));
        let mut copies = 0;
        let mut lengths = Vec::new();
        let mut stories: HashMap<String, usize> = HashMap::new();
        let mut non_latin = 0;
        let mut ids = std::collections::HashSet::new();
        for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let value: serde_json::Value = serde_json::from_slice(line).expect("valid JSON");
            let id = value["id"].as_str().expect("id").to_owned();
            if let Some(original) = value["copy_of"].as_str() {
                assert!(
                    ids.contains(original),
                    "{id} copies a later or unknown {original}"
                );
                copies += 1;
            }
            ids.insert(id);
            let text = value["text"].as_str().expect("text");
            lengths.push(text.len());
            non_latin += usize::from(text.chars().any(|c| {
                ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{400}'..='\u{4ff}').contains(&c)
            }));
            *stories
                .entry(value["story"].as_str().expect("story").to_owned())
                .or_default() += 1;
            assert!(value["date"].as_str().is_some_and(|d| d.len() == 10));
        }
        assert_eq!(copies, stats.copies);
        let share = copies as f64 / stats.documents as f64;
        assert!((0.17..0.23).contains(&share), "copy share {share}");
        lengths.sort_unstable();
        assert!(lengths[0] < 1_000, "shortest {}", lengths[0]);
        assert!(
            lengths[lengths.len() - 1] > 20_000,
            "longest {}",
            lengths[lengths.len() - 1]
        );
        assert!(
            non_latin > 20,
            "{non_latin} documents with Chinese or Russian"
        );
        let multi = stories.values().filter(|&&n| n > 1).count();
        assert!(
            multi > stories.len() / 3,
            "{multi} of {} stories have several members",
            stories.len()
        );
    }

    #[test]
    fn a_copy_is_similar_to_its_original_and_stories_differ() {
        let (out, _) = dump(&SynthConfig::default(), Amount::Documents(2_000));
        let docs: Vec<serde_json::Value> = out
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).expect("json"))
            .collect();
        let by_id: HashMap<&str, &serde_json::Value> = docs
            .iter()
            .map(|d| (d["id"].as_str().expect("id"), d))
            .collect();
        let grams = |text: &str| -> std::collections::HashSet<Vec<String>> {
            let words: Vec<String> = crate::normalize::reference_tokens(text);
            words.windows(5).map(<[String]>::to_vec).collect()
        };
        let mut checked = 0;
        for doc in docs.iter().filter(|d| d["copy_of"].is_string()).take(50) {
            let original = by_id[doc["copy_of"].as_str().expect("copy_of")];
            assert_eq!(doc["story"], original["story"]);
            let (a, b) = (
                grams(doc["text"].as_str().expect("t")),
                grams(original["text"].as_str().expect("t")),
            );
            let shared = a.intersection(&b).count() as f64;
            let containment = shared / a.len().min(b.len()).max(1) as f64;
            assert!(
                containment > 0.5,
                "copy {} shares {containment:.2}",
                doc["id"]
            );
            assert_ne!(doc["text"], original["text"]);
            checked += 1;
        }
        assert_eq!(checked, 50);
        // Originals of different stories share few 5-grams.
        let originals: Vec<&serde_json::Value> = docs
            .iter()
            .filter(|d| d["copy_of"].is_null())
            .take(60)
            .collect();
        let mut worst: f64 = 0.0;
        for (i, a) in originals.iter().enumerate() {
            for b in &originals[i + 1..] {
                if a["story"] == b["story"] {
                    continue;
                }
                let (x, y) = (
                    grams(a["text"].as_str().expect("t")),
                    grams(b["text"].as_str().expect("t")),
                );
                let jaccard = x.intersection(&y).count() as f64 / x.union(&y).count().max(1) as f64;
                worst = worst.max(jaccard);
            }
        }
        assert!(worst < 0.3, "two stories share {worst:.2} of their 5-grams");
    }

    #[test]
    fn sizes_parse_with_decimal_and_binary_suffixes() {
        assert_eq!(parse_size("1G"), Ok(1_000_000_000));
        assert_eq!(parse_size("1.5M"), Ok(1_500_000));
        assert_eq!(parse_size("64KiB"), Ok(65_536));
        assert_eq!(parse_size("10gb"), Ok(10_000_000_000));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn dates_format_as_iso_days() {
        use crate::ingest::format_day;
        assert_eq!(format_day(0), "1970-01-01");
        assert_eq!(format_day(EPOCH_DAYS), "2021-01-01");
        assert_eq!(format_day(EPOCH_DAYS + 59), "2021-03-01");
        assert_eq!(format_day(11_016), "2000-02-29");
    }
}
