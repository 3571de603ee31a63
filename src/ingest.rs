//! Ingest stage: files in, raw records and parsed documents out.
//!
//! Inputs are JSONL files, plain-text files, folders of either (walked in sorted
//! path order), and `-` for standard input, which is spooled to a temporary file
//! because the pipeline reads its input more than once (a boilerplate pass, a
//! signature pass, and for `dedup` a pass that copies kept lines). gzip and zstd
//! are recognized by their magic bytes, whatever the file is called.
//!
//! Records are read in batches of whole lines into one buffer, so a batch costs
//! two allocations, not one per line. A line longer than `max_doc_bytes` is not
//! held: it is skipped to its end and reported as too large. A plain-text file is
//! one record whose id is its path; one with a NUL byte in its first 8 KiB is
//! rejected as binary.
//!
//! Parsing reads only the configured fields and ignores the others without
//! building them. The fields are taken as serde_json's raw (validated) text and
//! unescaped here, the document text into a buffer the caller shares between
//! documents ([`parse_record_into`]); anything this fast reading cannot vouch
//! for (lone surrogates, numbers out of range, any error) is read again by
//! serde_json itself, whose answer stands.

use crate::error::{Error, Location, RejectReason, Result};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// JSON field names of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldNames {
    /// Id field; when absent, the id is `file:line`.
    pub id: String,
    /// Text field (required).
    pub text: String,
    /// Title field (optional).
    pub title: String,
    /// Date fields, tried in order (optional).
    pub date: Vec<String>,
    /// Source (outlet) field (optional).
    pub source: String,
    /// A label field read for `storyhash eval` (optional).
    pub truth: Option<String>,
}

impl Default for FieldNames {
    fn default() -> Self {
        Self {
            id: "id".into(),
            text: "text".into(),
            title: "title".into(),
            date: vec!["date".into(), "published".into()],
            source: "source".into(),
            truth: None,
        }
    }
}

/// How to read an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// By extension (`.jsonl`, `.ndjson`, `.json` are JSONL; `.txt`, `.text`, `.md`
    /// are text), else JSONL when the first non-blank byte is `{`.
    Auto,
    /// One JSON object per line.
    Jsonl,
    /// Each file is one document.
    Text,
}

/// Configuration of the ingest stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestConfig {
    /// Field names.
    pub fields: FieldNames,
    /// Input format.
    pub format: InputFormat,
    /// Largest record accepted, in bytes.
    pub max_doc_bytes: u64,
    /// Target size of a batch of records, in bytes.
    pub batch_bytes: usize,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            fields: FieldNames::default(),
            format: InputFormat::Auto,
            // News articles are kilobytes; 16 MiB leaves room for whole books
            // while keeping one stray multi-gigabyte line from filling memory.
            max_doc_bytes: 16 << 20,
            // Large enough that rayon's per-batch overhead is negligible, small
            // enough that two batches in flight stay far below the memory budget.
            batch_bytes: 8 << 20,
        }
    }
}

/// One input file, resolved.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// The name shown in messages (`-` for standard input).
    pub name: Arc<str>,
    /// Where to read it.
    pub path: PathBuf,
    /// The id of the document when the file is plain text: the path as given, or
    /// the path relative to the folder that was given.
    pub text_id: String,
}

/// What an input file looked like when the first pass began: a later pass
/// that reads it by offset (the copy of kept lines) refuses a file whose
/// stamp moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    /// Length in bytes.
    pub len: u64,
    /// Modification time, where the file system keeps one.
    pub modified: Option<std::time::SystemTime>,
}

/// The resolved inputs of a run; holds the spooled copy of standard input.
#[derive(Debug)]
pub struct Inputs {
    /// Files in reading order.
    pub files: Vec<InputFile>,
    _spools: Vec<tempfile::NamedTempFile>,
}

/// Copies a read-once input to a temporary file.
fn spool(source: &mut impl Read, name: &str) -> Result<tempfile::NamedTempFile> {
    let mut temp = tempfile::NamedTempFile::new().map_err(|e| Error::io(name, e))?;
    io::copy(source, &mut temp).map_err(|e| Error::io(name, e))?;
    Ok(temp)
}

impl Inputs {
    /// Resolves paths: folders are walked in sorted order (following symbolic
    /// links, each folder once), `-` is standard input. Standard input and any
    /// other input that can be read only once (a pipe, a FIFO, process
    /// substitution) is spooled to a temporary file, because the pipeline reads
    /// its input more than once.
    pub fn resolve(paths: &[String]) -> Result<Self> {
        let mut files = Vec::new();
        let mut spools = Vec::new();
        let mut stdin_seen = false;
        for given in paths {
            if given == "-" {
                if stdin_seen {
                    return Err(Error::Config("`-` (stdin) given twice".into()));
                }
                stdin_seen = true;
                let spool = spool(&mut io::stdin().lock(), "-")?;
                files.push(InputFile {
                    name: Arc::from("-"),
                    path: spool.path().to_path_buf(),
                    text_id: "-".into(),
                });
                spools.push(spool);
                continue;
            }
            let path = PathBuf::from(given);
            let meta = std::fs::metadata(&path).map_err(|e| Error::io(given.as_str(), e))?;
            if meta.is_dir() {
                let mut found = Vec::new();
                let mut visited = Vec::new();
                walk(&path, &mut found, &mut visited)?;
                found.sort();
                for file in found {
                    let relative = file.strip_prefix(&path).unwrap_or(&file);
                    files.push(InputFile {
                        name: Arc::from(file.to_string_lossy().as_ref()),
                        text_id: relative.to_string_lossy().into_owned(),
                        path: file,
                    });
                }
            } else if meta.is_file() {
                files.push(InputFile {
                    name: Arc::from(given.as_str()),
                    path,
                    text_id: given.clone(),
                });
            } else {
                let mut source = File::open(&path).map_err(|e| Error::io(given.as_str(), e))?;
                let spool = spool(&mut source, given)?;
                files.push(InputFile {
                    name: Arc::from(given.as_str()),
                    path: spool.path().to_path_buf(),
                    text_id: given.clone(),
                });
                spools.push(spool);
            }
        }
        Ok(Self {
            files,
            _spools: spools,
        })
    }

    /// Whether `path` is one of the input files (same file on disk), so that
    /// an output never overwrites an input.
    pub fn contains_file(&self, path: &Path) -> bool {
        let Ok(target) = std::fs::canonicalize(path) else {
            return false;
        };
        self.files
            .iter()
            .any(|file| std::fs::canonicalize(&file.path).is_ok_and(|input| input == target))
    }

    /// Each file's length and modification time now (`None` where they
    /// cannot be read), to tell later whether it changed.
    pub fn stamps(&self) -> Vec<Option<FileStamp>> {
        self.files
            .iter()
            .map(|file| {
                let meta = std::fs::metadata(&file.path).ok()?;
                Some(FileStamp {
                    len: meta.len(),
                    modified: meta.modified().ok(),
                })
            })
            .collect()
    }

    /// Total size of the inputs on disk (compressed size for compressed files).
    pub fn total_bytes(&self) -> u64 {
        self.files
            .iter()
            .filter_map(|file| std::fs::metadata(&file.path).ok())
            .map(|meta| meta.len())
            .sum()
    }

    /// Total size when no input is compressed, so that it equals the decoded
    /// bytes a progress bar counts; `None` otherwise.
    pub fn total_bytes_if_uncompressed(&self) -> Option<u64> {
        let compressed = self.files.iter().any(|file| {
            let mut head = [0u8; 4];
            File::open(&file.path)
                .and_then(|mut f| f.read(&mut head))
                .map(|read| {
                    head[..read].starts_with(&[0x1f, 0x8b])
                        || head[..read].starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
                })
                .unwrap_or(false)
        });
        (!compressed).then(|| self.total_bytes())
    }
}

fn walk(folder: &Path, out: &mut Vec<PathBuf>, visited: &mut Vec<PathBuf>) -> Result<()> {
    let name = || folder.display().to_string();
    // A link back up the tree must not loop: each real folder is walked once.
    let real = std::fs::canonicalize(folder).map_err(|e| Error::io(name(), e))?;
    if visited.contains(&real) {
        return Ok(());
    }
    visited.push(real);
    let entries = std::fs::read_dir(folder).map_err(|e| Error::io(name(), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(name(), e))?;
        let path = entry.path();
        // Hidden files (editor swap files, .DS_Store) are not articles.
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        // `metadata` follows symbolic links; a broken link is an error that
        // names it rather than a file silently skipped.
        let meta =
            std::fs::metadata(&path).map_err(|e| Error::io(path.display().to_string(), e))?;
        if meta.is_dir() {
            walk(&path, out, visited)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Opens a file, decompressing gzip (all members) or zstd when its magic bytes
/// say so.
pub fn open_decoded(path: &Path, name: &str) -> Result<Box<dyn Read + Send>> {
    let file = File::open(path).map_err(|e| Error::io(name, e))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let head = reader.fill_buf().map_err(|e| Error::io(name, e))?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(reader))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(zstd::stream::read::Decoder::with_buffer(reader).map_err(|e| Error::io(name, e))?)
    } else {
        Box::new(reader)
    })
}

fn format_by_name(name: &str) -> Option<InputFormat> {
    let lower = name.to_ascii_lowercase();
    let stem = [".gz", ".zst", ".zstd"]
        .iter()
        .find_map(|suffix| lower.strip_suffix(suffix))
        .unwrap_or(&lower);
    let extension = stem.rsplit_once('.').map(|(_, ext)| ext)?;
    match extension {
        "jsonl" | "ndjson" | "json" => Some(InputFormat::Jsonl),
        "txt" | "text" | "md" => Some(InputFormat::Text),
        _ => None,
    }
}

/// A record as read: its bytes (a range of the batch buffer) and where it came from.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// Index of the file in [`Inputs::files`].
    pub file: u32,
    /// 1-based line for JSONL, `None` for plain text.
    pub line: Option<u64>,
    /// Offset of the record's first byte in the decoded stream.
    pub byte_offset: u64,
    /// The record's bytes in [`Batch::data`], without the line terminator.
    pub range: Range<usize>,
    /// Whether the record is a JSONL line (else a whole text file).
    pub is_jsonl: bool,
    /// Set when the record could not be read whole (too large, binary, truncated).
    pub problem: Option<RejectReason>,
}

/// A batch of records sharing one buffer.
#[derive(Debug, Default)]
pub struct Batch {
    /// The bytes of all records.
    pub data: Vec<u8>,
    /// The records, in input order.
    pub records: Vec<RawRecord>,
    /// Decoded bytes consumed from the inputs for this batch (for progress).
    pub bytes_read: u64,
}

impl Batch {
    /// The bytes of a record.
    pub fn bytes(&self, record: &RawRecord) -> &[u8] {
        &self.data[record.range.clone()]
    }
}

/// The location of a record, for messages.
pub fn location(inputs: &Inputs, record: &RawRecord) -> Location {
    Location {
        file: inputs.files[record.file as usize].name.clone(),
        line: record.line,
        byte_offset: record.byte_offset,
    }
}

/// Reads every input in order, one batch of records at a time.
pub struct BatchReader<'a> {
    inputs: &'a Inputs,
    config: &'a IngestConfig,
    next_file: usize,
    current: Option<OpenFile<'a>>,
    spare: Option<Batch>,
    broken: Option<(FileReader<'a>, io::Error)>,
}

struct OpenFile<'a> {
    reader: BufReader<Box<dyn Read + Send>>,
    format: InputFormat,
    state: FileReader<'a>,
}

impl<'a> BatchReader<'a> {
    /// A reader positioned before the first record of the first input.
    pub fn new(inputs: &'a Inputs, config: &'a IngestConfig) -> Self {
        Self {
            inputs,
            config,
            next_file: 0,
            current: None,
            spare: None,
            broken: None,
        }
    }

    /// Gives a used batch back so that its buffers are reused.
    pub fn recycle(&mut self, mut batch: Batch) {
        batch.data.clear();
        batch.records.clear();
        batch.bytes_read = 0;
        self.spare = Some(batch);
    }

    /// The next batch (about `batch_bytes` of records), or `None` at the end.
    pub fn next_batch(&mut self) -> Result<Option<Batch>> {
        let limit = self.config.batch_bytes;
        let mut batch = self.spare.take().unwrap_or_else(|| Batch {
            // Room for a full batch plus the line that crosses the limit, so
            // the buffer rarely grows (each growth copies it).
            data: Vec::with_capacity(limit + (1 << 16)),
            ..Batch::default()
        });
        while batch.data.len() < limit && batch.records.len() < 65_536 {
            if let Some((mut state, error)) = self.broken.take() {
                state.line = 1;
                let start = batch.data.len();
                let is_jsonl = !matches!(self.config.format, InputFormat::Text);
                state.push(
                    &mut batch,
                    0,
                    start,
                    is_jsonl,
                    Some(RejectReason::Truncated {
                        detail: format!("{error} at the start of the stream"),
                    }),
                );
                continue;
            }
            let Some(open) = self.current.as_mut() else {
                if !self.open_next()? {
                    break;
                }
                continue;
            };
            let more = match open.format {
                InputFormat::Text => {
                    open.state.read_text(&mut open.reader, &mut batch);
                    false
                }
                _ => open.state.read_line(&mut open.reader, &mut batch),
            };
            if !more {
                self.current = None;
            }
        }
        Ok((!batch.records.is_empty()).then_some(batch))
    }

    /// Opens the next input; returns false when there is none.
    fn open_next(&mut self) -> Result<bool> {
        let Some(file) = self.inputs.files.get(self.next_file) else {
            return Ok(false);
        };
        let index = self.next_file;
        self.next_file += 1;
        let reader = open_decoded(&file.path, &file.name)?;
        let mut reader = BufReader::with_capacity(1 << 18, reader);
        let mut state = FileReader {
            file: index as u32,
            config: self.config,
            offset: 0,
            line: 0,
        };
        // A UTF-8 byte order mark is not part of the first record. Peeking also
        // surfaces a stream that is corrupt from its first bytes.
        let head = match reader.fill_buf() {
            Ok(head) => head,
            Err(error) => {
                self.broken = Some((state, error));
                return Ok(true);
            }
        };
        if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            reader.consume(3);
            state.offset = 3;
        }
        let format = match self.config.format {
            InputFormat::Auto => format_by_name(&file.name).unwrap_or_else(|| sniff(&mut reader)),
            other => other,
        };
        self.current = Some(OpenFile {
            reader,
            format,
            state,
        });
        Ok(true)
    }
}

/// JSONL when the first non-blank byte is `{`; a read error falls to text, whose
/// reader then reports it.
fn sniff(reader: &mut BufReader<Box<dyn Read + Send>>) -> InputFormat {
    match reader.fill_buf() {
        Ok(head) => match head.iter().find(|byte| !byte.is_ascii_whitespace()) {
            Some(b'{') => InputFormat::Jsonl,
            _ => InputFormat::Text,
        },
        Err(_) => InputFormat::Text,
    }
}

struct FileReader<'a> {
    file: u32,
    config: &'a IngestConfig,
    offset: u64,
    line: u64,
}

impl FileReader<'_> {
    /// Reads one line into the batch; returns false at the end of the file.
    fn read_line(&mut self, reader: &mut impl BufRead, batch: &mut Batch) -> bool {
        self.line += 1;
        let start_offset = self.offset;
        let start = batch.data.len();
        let mut length: u64 = 0;
        let mut oversized = false;
        loop {
            let available = match reader.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    batch.data.truncate(start);
                    self.push(
                        batch,
                        start_offset,
                        start,
                        true,
                        Some(RejectReason::Truncated {
                            detail: format!("{error} after byte {}", self.offset),
                        }),
                    );
                    return false;
                }
            };
            if available.is_empty() {
                if length == 0 {
                    return false;
                }
                break;
            }
            let (take, found_newline) = match memchr::memchr(b'\n', available) {
                Some(at) => (at + 1, true),
                None => (available.len(), false),
            };
            let content = &available[..if found_newline { take - 1 } else { take }];
            length += content.len() as u64;
            if length > self.config.max_doc_bytes {
                oversized = true;
                batch.data.truncate(start);
            } else {
                batch.data.extend_from_slice(content);
            }
            reader.consume(take);
            self.offset += take as u64;
            batch.bytes_read += take as u64;
            if found_newline {
                break;
            }
        }
        if oversized {
            self.push(
                batch,
                start_offset,
                start,
                true,
                Some(RejectReason::TooLarge {
                    bytes: length,
                    limit: self.config.max_doc_bytes,
                }),
            );
        } else if batch.data[start..].iter().all(u8::is_ascii_whitespace) {
            // A blank line is not a document.
            batch.data.truncate(start);
        } else {
            self.push(batch, start_offset, start, true, None);
        }
        true
    }

    /// Reads a whole file as one record.
    fn read_text(&mut self, reader: &mut impl Read, batch: &mut Batch) {
        let start = batch.data.len();
        let limit = self.config.max_doc_bytes;
        let mut problem = None;
        let mut limited = reader.take(limit + 1);
        match limited.read_to_end(&mut batch.data) {
            Ok(read) => {
                batch.bytes_read += read as u64;
                if read as u64 > limit {
                    batch.data.truncate(start);
                    let rest = io::copy(limited.into_inner(), &mut io::sink()).unwrap_or(0);
                    problem = Some(RejectReason::TooLarge {
                        bytes: read as u64 + rest,
                        limit,
                    });
                } else {
                    let head = &batch.data[start..(start + 8192).min(batch.data.len())];
                    if let Some(at) = memchr::memchr(0, head) {
                        batch.data.truncate(start);
                        problem = Some(RejectReason::Binary { offset: at as u64 });
                    }
                }
            }
            Err(error) => {
                batch.data.truncate(start);
                problem = Some(RejectReason::Truncated {
                    detail: error.to_string(),
                });
            }
        }
        // After a byte order mark the text starts at byte 3: positioned
        // re-reads (the copy tier's fix-up) must find it there.
        self.push(batch, self.offset, start, false, problem);
    }

    fn push(
        &self,
        batch: &mut Batch,
        byte_offset: u64,
        start: usize,
        is_jsonl: bool,
        problem: Option<RejectReason>,
    ) {
        let end = batch.data.len();
        batch.records.push(RawRecord {
            file: self.file,
            line: is_jsonl.then_some(self.line),
            byte_offset,
            range: start..end,
            is_jsonl,
            problem,
        });
    }
}

/// A parsed document, borrowing from its record where it can. `Text` is the
/// text itself, or (from [`parse_record_into`]) its range in a caller's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedDoc<'a, Text = Cow<'a, str>> {
    /// The id, when the record has one.
    pub id: Option<Cow<'a, str>>,
    /// The text.
    pub text: Text,
    /// The title, when present.
    pub title: Option<Cow<'a, str>>,
    /// The date string, when present.
    pub date: Option<Cow<'a, str>>,
    /// The label of the truth field, when one is configured and present.
    pub truth: Option<Cow<'a, str>>,
    /// The source (outlet), when present.
    pub source: Option<Cow<'a, str>>,
}

/// Why a record could not be parsed, with its id when the id could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    /// Why.
    pub reason: RejectReason,
    /// The record's id, when it was readable.
    pub id: Option<String>,
}

impl From<RejectReason> for ParseFailure {
    fn from(reason: RejectReason) -> Self {
        Self { reason, id: None }
    }
}

/// Parses a record: a JSONL line by the field names, or a whole text file.
pub fn parse_record<'a>(
    bytes: &'a [u8],
    is_jsonl: bool,
    fields: &FieldNames,
) -> Result<ParsedDoc<'a>, ParseFailure> {
    let mut text = String::new();
    let parsed = parse_record_into(bytes, is_jsonl, fields, &mut text)?;
    Ok(ParsedDoc {
        id: parsed.id,
        text: Cow::Owned(text),
        title: parsed.title,
        date: parsed.date,
        truth: parsed.truth,
        source: parsed.source,
    })
}

/// Parses a record like [`parse_record`], appending its text (unescaped) to
/// `texts` and giving its range there: many documents' texts can share one
/// buffer, which saves an allocation per document. On an
/// error `texts` is as it was.
pub fn parse_record_into<'a>(
    bytes: &'a [u8],
    is_jsonl: bool,
    fields: &FieldNames,
    texts: &mut String,
) -> Result<ParsedDoc<'a, Range<usize>>, ParseFailure> {
    parse_record_with(bytes, is_jsonl, fields, texts, true)
}

/// [`parse_record_into`], with the fast reading tried first or not (tests
/// compare the two).
fn parse_record_with<'a>(
    bytes: &'a [u8],
    is_jsonl: bool,
    fields: &FieldNames,
    texts: &mut String,
    try_fast: bool,
) -> Result<ParsedDoc<'a, Range<usize>>, ParseFailure> {
    // The whole record must be UTF-8 (JSON text is), not only the fields read:
    // `dedup` copies kept lines byte for byte. simdutf8 validates news JSONL at
    // about 8 GB/s here against 4 GB/s for the standard library (200 MB of
    // `storyhash synth`, one core); on failure the standard library finds the
    // offset.
    let record = simdutf8::basic::from_utf8(bytes).map_err(|_| {
        let offset = std::str::from_utf8(bytes)
            .err()
            .map_or(0, |e| e.valid_up_to());
        RejectReason::InvalidUtf8 {
            offset_in_record: offset as u64,
        }
    })?;
    let start = texts.len();
    if !is_jsonl {
        texts.push_str(record);
        return Ok(ParsedDoc {
            id: None,
            text: start..texts.len(),
            title: None,
            date: None,
            truth: None,
            source: None,
        });
    }
    // The fast reading first; on any error, serde_json's own reading of the
    // whole record decides, so the fast one only has to be right when it
    // succeeds (a test compares the two).
    let fast = try_fast
        .then(|| read_fields(record, fields, true).ok())
        .flatten()
        .and_then(|mut found| match found.text {
            FieldValue::Raw(body) => {
                if unescape_onto(body, texts) {
                    found.text = FieldValue::Appended;
                    Some(found)
                } else {
                    texts.truncate(start);
                    None
                }
            }
            _ => Some(found),
        });
    let found = match fast {
        Some(found) => found,
        None => read_fields(record, fields, false).map_err(|error| classify_json_error(&error))?,
    };
    let id = match found.id {
        FieldValue::Str(id) => Some(id),
        FieldValue::Absent => None,
        _ => {
            texts.truncate(start);
            return Err(RejectReason::WrongType {
                field: fields.id.clone(),
                expected: "a string or a number",
            }
            .into());
        }
    };
    match found.text {
        FieldValue::Appended => {}
        FieldValue::Str(text) => texts.push_str(&text),
        FieldValue::Absent => {
            texts.truncate(start);
            return Err(ParseFailure {
                reason: RejectReason::MissingText {
                    field: fields.text.clone(),
                },
                id: id.map(Cow::into_owned),
            });
        }
        // `Raw` was unescaped into `Appended` above; it cannot reach here.
        FieldValue::Wrong | FieldValue::Raw(_) => {
            texts.truncate(start);
            return Err(ParseFailure {
                reason: RejectReason::WrongType {
                    field: fields.text.clone(),
                    expected: "a string",
                },
                id: id.map(Cow::into_owned),
            });
        }
    }
    // Title and date are optional: one of another type counts as absent.
    let optional = |value: FieldValue<'a>| match value {
        FieldValue::Str(value) => Some(value),
        _ => None,
    };
    Ok(ParsedDoc {
        id,
        text: start..texts.len(),
        title: optional(found.title),
        date: optional(found.date),
        truth: optional(found.truth),
        source: optional(found.source),
    })
}

/// Reads the configured fields of a JSON record. `fast`: see [`DocSeed`].
fn read_fields<'a>(
    text: &'a str,
    fields: &FieldNames,
    fast: bool,
) -> Result<Found<'a>, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let found = DocSeed { fields, fast }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(found)
}

/// Turns serde_json's error into a reason; the document visitor marks a
/// non-object with a prefix of its own.
fn classify_json_error(error: &serde_json::Error) -> RejectReason {
    let message = error.to_string();
    if message.contains(NOT_AN_OBJECT) {
        RejectReason::NotAnObject
    } else {
        RejectReason::MalformedJson(message)
    }
}

const NOT_AN_OBJECT: &str = "storyhash: not an object";

/// The fast reading's way out: the record goes to serde_json's own reading.
const SLOW_PATH: &str = "storyhash: slow path";

/// What one field held.
enum FieldValue<'a> {
    Absent,
    Str(Cow<'a, str>),
    Wrong,
    /// The fast reading's text field: the inside of the JSON string, escapes
    /// and all, for the caller to unescape into its own buffer.
    Raw(&'a str),
    /// The text, unescaped into the caller's buffer.
    Appended,
}

struct Found<'a> {
    id: FieldValue<'a>,
    text: FieldValue<'a>,
    title: FieldValue<'a>,
    date: FieldValue<'a>,
    date_rank: usize,
    truth: FieldValue<'a>,
    source: FieldValue<'a>,
}

/// Reads a record's fields. With `fast`, each field the caller wants is taken
/// as serde_json's raw (validated, still escaped) text and unescaped here: the
/// text into the caller's shared buffer (see [`parse_record_into`]), the other
/// fields into a string of at most their raw length (see [`fast_field`]);
/// without, serde_json builds each string itself.
///
/// Why: serde_json unescapes into a scratch buffer that starts empty for every
/// record and doubles as it goes, and a visitor handed that scratch must copy it
/// again. News text always has escapes (`\n`, quotes), so every article took
/// about ten reallocations and two copies: 9% of the copy tier's samples on
/// 1 GB at one thread (perf), shared with the floor.
struct DocSeed<'f> {
    fields: &'f FieldNames,
    fast: bool,
}

impl DocSeed<'_> {
    fn field<'de, M: MapAccess<'de>>(
        &self,
        map: &mut M,
        numbers: bool,
    ) -> Result<FieldValue<'de>, M::Error> {
        if !self.fast {
            return map.next_value_seed(Field { numbers });
        }
        let raw: &'de RawValue = map.next_value()?;
        // Anything the fast reading cannot vouch for sends the whole record to
        // serde_json's reading (see `parse_record_into`).
        fast_field(raw.get(), numbers).ok_or_else(|| de::Error::custom(SLOW_PATH))
    }

    /// The text field: left raw by the fast reading (see [`FieldValue::Raw`]).
    fn text_field<'de, M: MapAccess<'de>>(&self, map: &mut M) -> Result<FieldValue<'de>, M::Error> {
        if !self.fast {
            return map.next_value_seed(Field { numbers: false });
        }
        let raw: &'de RawValue = map.next_value()?;
        let raw = raw.get();
        match string_body(raw) {
            Some(body) => Ok(FieldValue::Raw(body)),
            None => fast_field(raw, false).ok_or_else(|| de::Error::custom(SLOW_PATH)),
        }
    }
}

/// The value of one field from its raw JSON text, as [`Field`] would give it,
/// or `None` when only serde_json's own reading can say (lone surrogates, which
/// it rejects, and numbers out of range).
fn fast_field(raw: &str, numbers: bool) -> Option<FieldValue<'_>> {
    if let Some(body) = string_body(raw) {
        return unescape(body).map(FieldValue::Str);
    }
    match raw.as_bytes().first()? {
        b'n' => Some(FieldValue::Absent),
        _ => {
            // Numbers, booleans, objects, arrays: rare in these fields, and
            // serde_json's visitor on the raw text gives exactly its answer.
            let mut deserializer = serde_json::Deserializer::from_str(raw);
            Field { numbers }.deserialize(&mut deserializer).ok()
        }
    }
}

/// The inside of a raw JSON string value (between its quotes), or `None` for
/// a value of another type.
fn string_body(raw: &str) -> Option<&str> {
    raw.strip_prefix('"')?.strip_suffix('"')
}

/// Unescapes the inside of a JSON string: borrowed when it has no escape, else
/// one allocation of its raw length (unescaping never lengthens). `None` where
/// [`unescape_onto`] fails.
fn unescape(body: &str) -> Option<Cow<'_, str>> {
    if memchr::memchr(b'\\', body.as_bytes()).is_none() {
        return Some(Cow::Borrowed(body));
    }
    let mut out = String::with_capacity(body.len());
    unescape_onto(body, &mut out).then_some(Cow::Owned(out))
}

/// Appends the inside of a JSON string that serde_json has validated (escapes
/// well formed, no control characters) to `out`, unescaped. False, with part
/// of it appended, for a surrogate escape that is not a proper pair, which
/// serde_json rejects when it reads into a `str`.
fn unescape_onto(body: &str, out: &mut String) -> bool {
    let bytes = body.as_bytes();
    let mut at = 0;
    // Slices start and end at ASCII bytes ('\\' or an escape's end), which are
    // always character boundaries.
    loop {
        let Some(rest) = body.get(at..) else {
            return false;
        };
        let Some(run) = memchr::memchr(b'\\', rest.as_bytes()) else {
            out.push_str(rest);
            return true;
        };
        out.push_str(&rest[..run]);
        at += run;
        let Some(&escape) = bytes.get(at + 1) else {
            return false;
        };
        at += 2;
        match escape {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let Some(first) = bytes.get(at..at + 4).and_then(hex4) else {
                    return false;
                };
                at += 4;
                let code = match first {
                    0xD800..=0xDBFF => {
                        if bytes.get(at..at + 2) != Some(b"\\u") {
                            return false;
                        }
                        let Some(second) = bytes.get(at + 2..at + 6).and_then(hex4) else {
                            return false;
                        };
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return false;
                        }
                        at += 6;
                        0x1_0000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return false,
                    _ => first,
                };
                match char::from_u32(code) {
                    Some(c) => out.push(c),
                    None => return false,
                }
            }
            _ => return false,
        }
    }
}

/// The value of four hex digits.
fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &digit| {
        Some(value << 4 | char::from(digit).to_digit(16)?)
    })
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_> {
    type Value = Found<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_> {
    type Value = Found<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut found = Found {
            id: FieldValue::Absent,
            text: FieldValue::Absent,
            title: FieldValue::Absent,
            date: FieldValue::Absent,
            date_rank: usize::MAX,
            truth: FieldValue::Absent,
            source: FieldValue::Absent,
        };
        let fields = self.fields;
        while let Some(key) = map.next_key_seed(Key)? {
            let key = key.as_ref();
            // A repeated key: the last value wins, as in most JSON readers.
            if key == fields.text {
                // A text given twice: the first is still raw, its escapes
                // unchecked, and serde_json would reject a lone surrogate in
                // it; only serde_json's reading can say.
                if matches!(found.text, FieldValue::Raw(_)) {
                    return Err(de::Error::custom(SLOW_PATH));
                }
                found.text = self.text_field(&mut map)?;
            } else if key == fields.id {
                found.id = self.field(&mut map, true)?;
            } else if key == fields.title {
                found.title = self.field(&mut map, false)?;
            } else if key == fields.source {
                found.source = self.field(&mut map, true)?;
            } else if fields.truth.as_deref() == Some(key) {
                found.truth = self.field(&mut map, true)?;
            } else if let Some(rank) = fields.date.iter().position(|name| name == key) {
                let value = self.field(&mut map, false)?;
                // The first listed date field that holds a string wins.
                if matches!(value, FieldValue::Str(_)) && rank <= found.date_rank {
                    found.date = value;
                    found.date_rank = rank;
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom(NOT_AN_OBJECT))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_OBJECT))
    }
}

/// A key of a record's object, borrowed from the input where it has no
/// escape. Serde's own `Cow<str>` always deserializes to an owned `String`:
/// one allocation and free a key, seven a `synth` record (callgrind, 20 MB),
/// in the floor and the copy tier alike.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(value))
    }
}

/// One field: a string (or, for ids, a number, kept as its decimal text); null
/// is absent; anything else is the wrong type, decided by the caller.
struct Field {
    numbers: bool,
}

impl<'de> DeserializeSeed<'de> for Field {
    type Value = FieldValue<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Field {
    fn number<E>(&self, text: String) -> Result<FieldValue<'static>, E> {
        Ok(if self.numbers {
            FieldValue::Str(Cow::Owned(text))
        } else {
            FieldValue::Wrong
        })
    }
}

impl<'de> Visitor<'de> for Field {
    type Value = FieldValue<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(FieldValue::Str(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(FieldValue::Str(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(FieldValue::Str(Cow::Owned(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        self.number(value.to_string())
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        self.number(value.to_string())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        self.number(value.to_string())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(FieldValue::Wrong)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(FieldValue::Absent)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(FieldValue::Wrong)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(FieldValue::Wrong)
    }
}

/// Parses the leading ISO 8601 date (and time, if given) of a date string into
/// seconds since the Unix epoch, UTC; an offset such as `+02:00` is applied.
/// Anything else gives `None`, and the keep policy treats the document as undated.
pub fn parse_date(value: &str) -> Option<i64> {
    let value = value.trim();
    let bytes = value.as_bytes();
    let number = |range: Range<usize>| -> Option<i64> {
        let part = value.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let year = number(0..4)?;
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let month = number(5..7)?;
    let day = number(8..10)?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=12).contains(&month) || !(1..=month_days).contains(&day) {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) * 86_400;
    if matches!(bytes.get(10), Some(b'T' | b't' | b' ')) {
        let hour = number(11..13)?;
        let minute = number(14..16)?;
        let second = if bytes.get(16) == Some(&b':') {
            number(17..19).unwrap_or(0)
        } else {
            0
        };
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        seconds += hour * 3600 + minute * 60 + second;
        let rest = &value[value.len().min(16)..];
        if let Some(at) = rest.rfind(['+', '-']) {
            let zone = &rest[at..];
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
            if digits.len() == 4 {
                let hours: i64 = digits[..2].parse().ok()?;
                let minutes: i64 = digits[2..].parse().ok()?;
                seconds -= sign * (hours * 3600 + minutes * 60);
            }
        }
    }
    Some(seconds)
}

/// `YYYY-MM-DD` of a day count since 1970-01-01 (proleptic Gregorian;
/// Howard Hinnant's `civil_from_days`, the inverse of `days_from_civil`).
pub fn format_day(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<ParsedDoc<'_>, RejectReason> {
        parse_record(line.as_bytes(), true, &FieldNames::default()).map_err(|f| f.reason)
    }

    #[test]
    fn fields_are_read_and_others_ignored() {
        let doc = parse(
            r#"{"x":[1,{"a":2}],"id":7,"text":"a \"b\"","published":"2020-01-02","title":null}"#,
        )
        .unwrap();
        assert_eq!(doc.id.as_deref(), Some("7"));
        assert_eq!(doc.text, "a \"b\"");
        assert_eq!(doc.date.as_deref(), Some("2020-01-02"));
        assert_eq!(doc.title, None);
    }

    #[test]
    fn keys_with_escapes_name_their_fields() {
        // Keys without an escape are borrowed, those with one decoded: both
        // must name the field (and an unknown escaped key stays unknown).
        let doc = parse(r#"{"\u0069d":"a","te\u0078t":"body","t\u0069tle":"t","x\n":1}"#).unwrap();
        assert_eq!(doc.id.as_deref(), Some("a"));
        assert_eq!(doc.text, "body");
        assert_eq!(doc.title.as_deref(), Some("t"));
        assert_eq!(
            parse(r#"{"te\u0078":"body"}"#),
            Err(RejectReason::MissingText {
                field: "text".into()
            })
        );
    }

    #[test]
    fn date_prefers_the_first_named_field() {
        let doc = parse(r#"{"published":"2020-01-02","text":"t","date":"2021-05-06"}"#).unwrap();
        assert_eq!(doc.date.as_deref(), Some("2021-05-06"));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert!(matches!(
            parse(r#"{"id":"a","text":"x""#),
            Err(RejectReason::MalformedJson(_))
        ));
        assert_eq!(parse(r#"[1,2]"#), Err(RejectReason::NotAnObject));
        assert_eq!(
            parse(r#"{"id":"a"}"#),
            Err(RejectReason::MissingText {
                field: "text".into()
            })
        );
        assert_eq!(
            parse(r#"{"text":5}"#),
            Err(RejectReason::WrongType {
                field: "text".into(),
                expected: "a string"
            })
        );
        assert_eq!(
            parse(r#"{"text":"a","id":[1]}"#),
            Err(RejectReason::WrongType {
                field: "id".into(),
                expected: "a string or a number"
            })
        );
        assert!(matches!(
            parse(r#"{"text":"a"} x"#),
            Err(RejectReason::MalformedJson(_))
        ));
        assert_eq!(
            parse_record(b"{\"text\":\"a\xff\"}", true, &FieldNames::default())
                .map_err(|f| f.reason),
            Err(RejectReason::InvalidUtf8 {
                offset_in_record: 10
            })
        );
    }

    #[test]
    fn dates_parse_to_epoch_seconds() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(951_868_800));
        assert_eq!(parse_date("2023-09-18T10:30:00Z"), Some(1_695_033_000));
        assert_eq!(parse_date("2023-09-18T12:30:00+02:00"), Some(1_695_033_000));
        assert_eq!(parse_date("September 18, 2023"), None);
        assert_eq!(parse_date("2023-13-01"), None);
        assert_eq!(parse_date("2023-02-30"), None);
        assert_eq!(parse_date("2024-02-29"), Some(1_709_164_800));
        assert_eq!(parse_date("2023-09-18T99:99:99"), None);
    }

    #[test]
    fn format_follows_the_extension_under_compression() {
        assert_eq!(format_by_name("a/b.jsonl.zst"), Some(InputFormat::Jsonl));
        assert_eq!(format_by_name("b.TXT"), Some(InputFormat::Text));
        assert_eq!(format_by_name("noext"), None);
    }

    #[test]
    fn surrogate_escapes_read_as_serde_json_reads_them() {
        let text_of = |line: &str| parse(line).map(|doc| doc.text.into_owned());
        assert_eq!(
            text_of(r#"{"text":"\ud83d\ude00 ok"}"#),
            Ok("\u{1F600} ok".into())
        );
        assert_eq!(
            text_of(r#"{"text":"caf\u00e9 \"q\" \/ \\"}"#),
            Ok("café \"q\" / \\".into())
        );
        for lone in [
            r#"{"text":"\ud83d"}"#,
            r#"{"text":"\ude00 x"}"#,
            r#"{"text":"\ud83d\n"}"#,
            // The first of two texts is checked too, as serde_json checks it.
            r#"{"text":"\ud800","text":"ok"}"#,
        ] {
            assert!(
                matches!(text_of(lone), Err(RejectReason::MalformedJson(ref m)) if m.contains("surrogate") || m.contains("hex escape")),
                "{lone}: {:?}",
                text_of(lone)
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(crate::proptest_config())]
        /// The fast reading (raw values, own unescaping into the caller's
        /// buffer) gives exactly what serde_json's reading gives: the same
        /// fields and text, or the same rejection.
        #[test]
        fn the_fast_reading_agrees_with_serde_json(
            text in r#"([a-z é\t"/\\]|\\[nrtbf"/\\x]|\\u[0-9a-fA-F]{4}|\\u[dD][89abAB][0-9a-f]{2}|\\u[dD][c-fC-F][0-9a-f]{2}){0,12}"#,
            title in r#"([a-z "\\]|\\[n"\\]|\\u[dD][89a-f]00){0,4}"#,
            id in r#"("[a-z\\]{0,3}"|[0-9]{1,3}|-?1e[0-9]{1,3}|null|true|\{\}|\[1\])"#,
            shape in 0..3u8,
        ) {
            let record = match shape {
                0 => format!(r#"{{"id":{id},"title":"{title}","text":"{text}"}}"#),
                1 => format!(r#"{{"text":"{text}","id":{id},"title":"{title}","x":[1,"\u0041"]}}"#),
                // A repeated key: the last value wins, but serde_json checks both.
                _ => format!(r#"{{"text":"{title}","id":{id},"te\u0078t":"{text}"}}"#),
            };
            let fields = FieldNames::default();
            let (mut fast_texts, mut slow_texts) = (String::from("kept"), String::from("kept"));
            let fast = parse_record_with(record.as_bytes(), true, &fields, &mut fast_texts, true);
            let slow = parse_record_with(record.as_bytes(), true, &fields, &mut slow_texts, false);
            proptest::prop_assert_eq!(&fast, &slow, "{}", record);
            proptest::prop_assert_eq!(fast_texts, slow_texts);
        }
    }
}
