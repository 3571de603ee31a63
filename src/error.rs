//! Errors of the library, and the reasons a document is rejected.
//!
//! Two kinds of failure exist. An [`Error`] stops a run: a file that cannot be
//! opened, an invalid configuration, or (with `--strict`) the first rejected
//! document. A [`RejectReason`] does not: the document is written to the rejected
//! output with its [`Location`] and the run goes on, so that every input document
//! ends as kept, duplicate or rejected.

use std::fmt;
use std::sync::Arc;

/// Where a document came from: the input's display name, its 1-based line (for
/// JSONL) and the byte offset of the line's first byte in the decoded stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The input's name as given on the command line (or a path below a folder).
    pub file: Arc<str>,
    /// 1-based line number for JSONL input; `None` for a whole plain-text file.
    pub line: Option<u64>,
    /// Byte offset of the record's first byte in the decoded (decompressed) stream.
    pub byte_offset: u64,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.file, line),
            None => write!(f, "{}", self.file),
        }
    }
}

/// Why a document was rejected. Every variant's message names what is wrong in
/// words a user can act on; the [`Location`] travels beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    /// The line is not valid JSON (serde_json's message, with its column).
    MalformedJson(String),
    /// The line is JSON but not an object.
    NotAnObject,
    /// The configured text field is absent or null.
    MissingText {
        /// The field name that was looked for.
        field: String,
    },
    /// A field has the wrong JSON type.
    WrongType {
        /// The field name.
        field: String,
        /// What was expected ("a string", "a string or a number").
        expected: &'static str,
    },
    /// The bytes are not UTF-8.
    InvalidUtf8 {
        /// Offset of the first invalid byte from the record's start.
        offset_in_record: u64,
    },
    /// The text is empty, or holds no word once normalized.
    EmptyText,
    /// The record is larger than `--max-doc-bytes`.
    TooLarge {
        /// Size of the record in bytes.
        bytes: u64,
        /// The configured limit.
        limit: u64,
    },
    /// The id was already used by an earlier document.
    DuplicateId {
        /// The id.
        id: String,
        /// Where it was first seen.
        first_seen: String,
    },
    /// A plain-text input holds binary data (a NUL byte).
    Binary {
        /// Offset of the first NUL byte in the file.
        offset: u64,
    },
    /// The compressed stream ended early or is corrupt; what was read before is kept.
    Truncated {
        /// The decoder's message.
        detail: String,
    },
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedJson(msg) => write!(f, "malformed JSON: {msg}"),
            Self::NotAnObject => write!(f, "malformed JSON: the line is not a JSON object"),
            Self::MissingText { field } => write!(f, "missing text field `{field}`"),
            Self::WrongType { field, expected } => {
                write!(f, "field `{field}` must be {expected}")
            }
            Self::InvalidUtf8 { offset_in_record } => {
                write!(f, "invalid UTF-8 at byte {offset_in_record} of the record")
            }
            Self::EmptyText => write!(f, "empty text: no words after normalization"),
            Self::TooLarge { bytes, limit } => write!(
                f,
                "document too large: {bytes} bytes, over the limit of {limit} (--max-doc-bytes)"
            ),
            Self::DuplicateId { id, first_seen } => {
                write!(f, "duplicate id `{id}`, first seen at {first_seen}")
            }
            Self::Binary { offset } => {
                write!(f, "binary file: NUL byte at offset {offset}, not text")
            }
            Self::Truncated { detail } => {
                write!(f, "truncated or corrupt compressed input: {detail}")
            }
        }
    }
}

impl RejectReason {
    /// A short stable code for the reason, for machine consumers of the rejected output.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedJson(_) | Self::NotAnObject => "malformed_json",
            Self::MissingText { .. } => "missing_text",
            Self::WrongType { .. } => "wrong_type",
            Self::InvalidUtf8 { .. } => "invalid_utf8",
            Self::EmptyText => "empty_text",
            Self::TooLarge { .. } => "too_large",
            Self::DuplicateId { .. } => "duplicate_id",
            Self::Binary { .. } => "binary",
            Self::Truncated { .. } => "truncated",
        }
    }
}

/// An error that stops the run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A flag or a combination of flags is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// An input read again gave other records than the first time (a file
    /// written to during the run).
    #[error("the input changed while it was being read: {detail}")]
    InputChanged {
        /// What differed, and where.
        detail: String,
    },
    /// `--strict` is set and a document was rejected.
    #[error("{location}: {reason}")]
    Rejected {
        /// Where.
        location: Location,
        /// Why.
        reason: RejectReason,
    },
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
