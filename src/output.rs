//! Writing results: per-document lines, kept input lines, duplicates, rejects;
//! and [`AtomicFile`], so a killed run never leaves a half-written file that looks
//! whole.
//!
//! Kept lines are copied from the input byte for byte (a final line without a
//! newline gets one, so the output stays JSONL): from uncompressed files at the
//! offsets the first pass recorded, a group of windows at a time in parallel;
//! from compressed ones by reading them again. A plain-text input document,
//! having no line of its own, is written as `{"id": ..., "text": ...}`.

use crate::cluster::cluster_id;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest::{self, Inputs};
use crate::pipeline::{CopyRun, Status, StoryRun, for_each_batch};
use crate::story::story_id;
#[cfg(unix)]
use rayon::prelude::*;
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file written to a temporary name beside its target and renamed over it by
/// [`AtomicFile::commit`]. Dropped without commit, the temporary file is removed
/// and the target is untouched.
///
/// A target that is a symbolic link is followed (the link stays, the file it
/// points to is replaced). A target that exists but is not a regular file (a
/// device such as `/dev/null`, a FIFO) cannot be replaced by a rename and is
/// written in place instead. A new file gets mode 0644; a replaced file keeps its
/// mode.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Temporary(BufWriter<tempfile::NamedTempFile>),
    InPlace(BufWriter<std::fs::File>),
}

impl AtomicFile {
    /// Opens a temporary file in the target's folder (or the target itself when
    /// it is not a regular file).
    pub fn create(target: &Path) -> Result<Self> {
        let name = || target.display().to_string();
        let resolved = std::fs::canonicalize(target).unwrap_or_else(|_| target.to_path_buf());
        let existing = std::fs::metadata(&resolved).ok();
        if let Some(meta) = &existing {
            if !meta.is_file() {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&resolved)
                    .map_err(|e| Error::io(name(), e))?;
                return Ok(Self {
                    target: resolved,
                    inner: Inner::InPlace(BufWriter::with_capacity(1 << 20, file)),
                });
            }
        }
        let folder = match resolved.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".storyhash-")
            .suffix(".part")
            .tempfile_in(folder)
            .map_err(|e| Error::io(name(), e))?;
        let permissions = match existing {
            Some(meta) => meta.permissions(),
            None => default_permissions(temp.as_file()).map_err(|e| Error::io(name(), e))?,
        };
        temp.as_file()
            .set_permissions(permissions)
            .map_err(|e| Error::io(name(), e))?;
        Ok(Self {
            target: resolved,
            inner: Inner::Temporary(BufWriter::with_capacity(1 << 20, temp)),
        })
    }

    /// Flushes and renames the file to its target.
    pub fn commit(self) -> Result<()> {
        let name = self.target.display().to_string();
        match self.inner {
            Inner::InPlace(mut writer) => writer.flush().map_err(|e| Error::io(name, e)),
            Inner::Temporary(writer) => {
                let temp = writer
                    .into_inner()
                    .map_err(|e| Error::io(name.clone(), e.into_error()))?;
                temp.as_file()
                    .sync_all()
                    .map_err(|e| Error::io(name.clone(), e))?;
                temp.persist(&self.target)
                    .map_err(|e| Error::io(name, e.error))?;
                Ok(())
            }
        }
    }
}

#[cfg(unix)]
fn default_permissions(file: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = file.metadata()?.permissions();
    permissions.set_mode(0o644);
    Ok(permissions)
}

#[cfg(not(unix))]
fn default_permissions(file: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    Ok(file.metadata()?.permissions())
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.inner {
            Inner::Temporary(writer) => writer.write(buf),
            Inner::InPlace(writer) => writer.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.inner {
            Inner::Temporary(writer) => writer.flush(),
            Inner::InPlace(writer) => writer.flush(),
        }
    }
}

/// Rounds a similarity for output: four decimals are more than MinHash resolves.
pub fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

#[derive(Serialize)]
struct ClusterLine<'a> {
    id: Option<&'a str>,
    status: Status,
    copy_cluster: Option<String>,
    story_cluster: Option<String>,
    duplicate_of: Option<&'a str>,
    similarity: Option<f64>,
    reason: Option<String>,
}

fn io_error(name: &str) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(name, e)
}

/// The rejection message of record `index`, with its location.
pub fn reject_message(run: &CopyRun, inputs: &Inputs, index: usize) -> Option<String> {
    let reason = run.reason(index)?;
    Some(format!("{}: {reason}", run.records[index].location(inputs)))
}

/// One JSON line per input record, in input order: `id`, `status`,
/// `copy_cluster`, `story_cluster` (null without the story tier), `duplicate_of`,
/// `similarity`, `reason`.
pub fn write_cluster_lines(
    run: &CopyRun,
    stories: Option<&StoryRun>,
    inputs: &Inputs,
    out: &mut dyn Write,
    name: &str,
) -> Result<()> {
    // Each line is serialized into this buffer and written in one call:
    // serde_json writing straight into `out` made a dynamic call per token.
    let mut buffer = Vec::with_capacity(256);
    for (index, record) in run.records.iter().enumerate() {
        let status = run.status(index);
        let (copy_cluster, duplicate_of, similarity) = match (status, record.doc) {
            (Status::Rejected, _) | (_, None) => (None, None, None),
            (_, Some(doc)) => {
                let kept = run.kept_of[doc as usize];
                let kept_id = run.doc_id(kept);
                (
                    Some(cluster_id(kept_id)),
                    (kept != doc).then_some(kept_id),
                    run.similarity_to_kept[doc as usize].map(round4),
                )
            }
        };
        let story_cluster = match (status, record.doc, stories) {
            (Status::Kept | Status::Duplicate, Some(doc), Some(stories)) => {
                Some(story_id(run.doc_id(stories.story_of[doc as usize])))
            }
            _ => None,
        };
        let line = ClusterLine {
            id: record.id.as_deref(),
            status,
            copy_cluster,
            story_cluster,
            duplicate_of,
            similarity,
            reason: reject_message(run, inputs, index),
        };
        write_json_line(&line, &mut buffer, out, name)?;
    }
    Ok(())
}

/// Writes `value` as one JSON line, serialized into `buffer` first.
fn write_json_line(
    value: &impl Serialize,
    buffer: &mut Vec<u8>,
    out: &mut dyn Write,
    name: &str,
) -> Result<()> {
    buffer.clear();
    serde_json::to_writer(&mut *buffer, value).map_err(|e| Error::io(name, e.into()))?;
    buffer.push(b'\n');
    out.write_all(buffer).map_err(io_error(name))
}

#[derive(Serialize)]
struct DuplicateLine<'a> {
    id: &'a str,
    duplicate_of: &'a str,
    similarity: Option<f64>,
    copy_cluster: String,
    location: String,
}

/// One JSON line per duplicate: its id, the kept id, similarity, cluster and location.
pub fn write_duplicates(
    run: &CopyRun,
    inputs: &Inputs,
    out: &mut dyn Write,
    name: &str,
) -> Result<()> {
    let mut buffer = Vec::with_capacity(256);
    for (index, record) in run.records.iter().enumerate() {
        let (Status::Duplicate, Some(doc)) = (run.status(index), record.doc) else {
            continue;
        };
        let kept = run.kept_of[doc as usize];
        let line = DuplicateLine {
            id: run.doc_id(doc),
            duplicate_of: run.doc_id(kept),
            similarity: run.similarity_to_kept[doc as usize].map(round4),
            copy_cluster: cluster_id(run.doc_id(kept)),
            location: location_text(inputs, record.file, record.line),
        };
        write_json_line(&line, &mut buffer, out, name)?;
    }
    Ok(())
}

fn location_text(inputs: &Inputs, file: u32, line: Option<u64>) -> String {
    let name = &inputs.files[file as usize].name;
    match line {
        Some(line) => format!("{name}:{line}"),
        None => name.to_string(),
    }
}

#[derive(Serialize)]
struct RejectedLine<'a> {
    id: Option<&'a str>,
    file: &'a str,
    line: Option<u64>,
    byte_offset: u64,
    code: &'static str,
    reason: String,
}

/// One JSON line per rejected record: where it is, a reason code and message.
pub fn write_rejected(
    run: &CopyRun,
    inputs: &Inputs,
    out: &mut dyn Write,
    name: &str,
) -> Result<()> {
    let mut buffer = Vec::with_capacity(256);
    for (index, record) in run.records.iter().enumerate() {
        let Some(reason) = run.reason(index) else {
            continue;
        };
        let line = RejectedLine {
            id: record.id.as_deref(),
            file: &inputs.files[record.file as usize].name,
            line: record.line,
            byte_offset: record.byte_offset,
            code: reason.code(),
            reason: reject_message(run, inputs, index).unwrap_or_default(),
        };
        write_json_line(&line, &mut buffer, out, name)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct TextDocLine<'a> {
    id: &'a str,
    text: &'a str,
}

/// Copies the kept records from the input to `out`, in input order: one more
/// pass over the input, since texts are not held in memory.
pub fn write_kept(
    run: &CopyRun,
    inputs: &Inputs,
    config: &Config,
    out: &mut (dyn Write + Send),
    name: &str,
) -> Result<()> {
    #[cfg(unix)]
    if let Some(windows) = offset_windows(run, inputs)? {
        return write_windows(run, inputs, &windows, out, name);
    }
    let mut next_record = 0usize;
    for_each_batch(inputs, config, |batch| {
        for record in &batch.records {
            let index = next_record;
            next_record += 1;
            if index >= run.records.len() || run.status(index) != Status::Kept {
                continue;
            }
            let bytes = batch.bytes(record);
            if record.is_jsonl {
                out.write_all(bytes).map_err(io_error(name))?;
            } else {
                let text = std::str::from_utf8(bytes).map_err(|_| Error::InputChanged {
                    detail: ingest::location(inputs, record).to_string(),
                })?;
                let id = run.records[index].id.as_deref().unwrap_or("");
                serde_json::to_writer(&mut *out, &TextDocLine { id, text })
                    .map_err(|e| Error::io(name, e.into()))?;
            }
            out.write_all(b"\n").map_err(io_error(name))?;
        }
        Ok(())
    })?;
    if next_record != run.records.len() {
        return Err(Error::InputChanged {
            detail: format!(
                "{} records on the last pass, {} on the first",
                next_record,
                run.records.len()
            ),
        });
    }
    Ok(())
}

/// A stretch of one input file holding kept records, read in one go.
#[cfg(unix)]
#[derive(Debug)]
struct Window {
    file: u32,
    /// Byte range in the file: from the first kept record to the byte after
    /// the last one (its newline), or the file's end.
    start: u64,
    end: u64,
    /// The records (kept or not) from the first kept one to the last.
    records: std::ops::Range<usize>,
}

/// Bytes read at a time by [`write_windows`], per thread.
#[cfg(unix)]
const WINDOW_BYTES: u64 = 2 << 20;

/// Records apart by more than this start a new window, so that long runs of
/// duplicates are not read at all.
#[cfg(unix)]
const WINDOW_GAP: u64 = 64 << 10;

/// The windows to copy the kept records from, when every input is an
/// uncompressed file and every kept record is a JSONL line; `None` sends the
/// copy through a second reading pass. A file whose length or modification
/// time moved since the first pass began is an error: its offsets are no
/// longer the records'.
///
/// Reading the kept records at their recorded offsets skips what that pass
/// spent on every byte (splitting lines, checking UTF-8) and the bytes of
/// duplicates and rejected records: on 1 GB of `synth` the write stage took
/// 0.28-0.36 s with the second pass and 0.09-0.16 s this way (bench, one and
/// two threads).
#[cfg(unix)]
fn offset_windows(run: &CopyRun, inputs: &Inputs) -> Result<Option<Vec<Window>>> {
    if inputs.total_bytes_if_uncompressed().is_none()
        || run.input_stamps.len() != inputs.files.len()
    {
        return Ok(None);
    }
    let mut sizes = Vec::with_capacity(inputs.files.len());
    for ((file, then), now) in inputs
        .files
        .iter()
        .zip(&run.input_stamps)
        .zip(inputs.stamps())
    {
        match (then, now) {
            (Some(then), Some(now)) if *then == now => sizes.push(then.len),
            (None, None) => return Ok(None),
            _ => {
                return Err(Error::InputChanged {
                    detail: format!(
                        "{} changed after it was read (its size or modification time)",
                        file.name
                    ),
                });
            }
        }
    }
    let mut windows: Vec<Window> = Vec::new();
    for (index, record) in run.records.iter().enumerate() {
        if run.status(index) != Status::Kept {
            continue;
        }
        if record.line.is_none() {
            return Ok(None);
        }
        let size = sizes.get(record.file as usize).copied().unwrap_or(0);
        let record_end = record.byte_offset.saturating_add(record.length);
        if record_end > size {
            return Err(Error::InputChanged {
                detail: format!("{} now ends before it", record.location(inputs)),
            });
        }
        // The newline after the record, unless it ends the file.
        let end = (record_end + 1).min(size);
        match windows.last_mut() {
            Some(window)
                if window.file == record.file
                    && record.byte_offset <= window.end + WINDOW_GAP
                    && end - window.start <= WINDOW_BYTES =>
            {
                window.end = end;
                window.records.end = index + 1;
            }
            _ => windows.push(Window {
                file: record.file,
                start: record.byte_offset,
                end,
                records: index..index + 1,
            }),
        }
    }
    Ok(Some(windows))
}

/// Copies the kept records of each window, reading the next windows while the
/// current ones are written (in turn with one thread). Adjacent kept lines go
/// out in one write; each must still end where the first pass found its end
/// (a newline or the end of the file), or the input changed.
#[cfg(unix)]
fn write_windows(
    run: &CopyRun,
    inputs: &Inputs,
    windows: &[Window],
    out: &mut (dyn Write + Send),
    name: &str,
) -> Result<()> {
    use std::os::unix::fs::FileExt;
    let read = |window: &Window, buffer: &mut Vec<u8>| -> Result<()> {
        let input = &inputs.files[window.file as usize];
        let file =
            std::fs::File::open(&input.path).map_err(|e| Error::io(input.name.as_ref(), e))?;
        buffer.resize((window.end - window.start) as usize, 0);
        file.read_exact_at(buffer, window.start).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                Error::InputChanged {
                    detail: format!("{} is shorter than on the first pass", input.name),
                }
            } else {
                Error::io(input.name.as_ref(), e)
            }
        })
    };
    let write = |window: &Window, buffer: &[u8], out: &mut (dyn Write + Send)| -> Result<()> {
        // The bytes of kept lines not yet written: [from, to).
        let (mut from, mut to) = (0usize, 0usize);
        for index in window.records.clone() {
            if run.status(index) != Status::Kept {
                continue;
            }
            let record = &run.records[index];
            let start = (record.byte_offset - window.start) as usize;
            let end = start + record.length as usize;
            let newline = match buffer.get(end) {
                Some(b'\n') => true,
                None if window.end == record.byte_offset + record.length => false,
                _ => {
                    return Err(Error::InputChanged {
                        detail: format!("{} no longer ends there", record.location(inputs)),
                    });
                }
            };
            if start != to {
                out.write_all(&buffer[from..to]).map_err(io_error(name))?;
                from = start;
            }
            to = end + usize::from(newline);
            if !newline {
                out.write_all(&buffer[from..to]).map_err(io_error(name))?;
                out.write_all(b"\n").map_err(io_error(name))?;
                from = to;
            }
        }
        out.write_all(&buffer[from..to]).map_err(io_error(name))
    };
    // Groups of windows, one per thread, are read at once while the group
    // before is written: one thread alone copied about 0.2 s per GB out of
    // the page cache, the largest serial step left at two threads.
    let group = rayon::current_num_threads().max(1);
    let read_group = |windows: &[Window], buffers: &mut Vec<Vec<u8>>| -> Result<()> {
        buffers.resize_with(windows.len(), Vec::new);
        windows
            .par_iter()
            .zip(buffers.par_iter_mut())
            .try_for_each(|(window, buffer)| read(window, buffer))
    };
    let groups: Vec<&[Window]> = windows.chunks(group).collect();
    let (mut current, mut next) = (Vec::new(), Vec::new());
    let Some(first) = groups.first() else {
        return Ok(());
    };
    read_group(first, &mut current)?;
    for (index, windows) in groups.iter().enumerate() {
        let following = groups.get(index + 1);
        let (read_next, written) = rayon::join(
            || following.map_or(Ok(()), |following| read_group(following, &mut next)),
            || -> Result<()> {
                for (window, buffer) in windows.iter().zip(&current) {
                    write(window, buffer, out)?;
                }
                Ok(())
            },
        );
        written?;
        read_next?;
        std::mem::swap(&mut current, &mut next);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy run over `lines` written to a file, and the file.
    #[cfg(unix)]
    fn run_over(dir: &Path, lines: &[String]) -> (CopyRun, Inputs, Config, PathBuf) {
        let path = dir.join("in.jsonl");
        std::fs::write(&path, lines.join("\n") + "\n").expect("write");
        let inputs = Inputs::resolve(&[path.display().to_string()]).expect("inputs");
        let pipeline = crate::pipeline::Pipeline::new(Config::default()).expect("pipeline");
        let run = pipeline
            .run(&inputs, &crate::pipeline::NoProgress)
            .expect("run");
        (run, inputs, pipeline.config().clone(), path)
    }

    #[cfg(unix)]
    #[test]
    fn an_input_that_changed_before_the_copy_of_kept_lines_is_an_error() {
        let lines: Vec<String> = (0..40)
            .map(|i| {
                format!(r#"{{"id": "d{i:02}", "text": "Article {i} says something of its own about topic {i}, in words {i} alone."}}"#)
            })
            .collect();
        let dir = tempfile::tempdir().expect("tempdir");
        type Edit = fn(&Path);
        let edits: [(&str, Edit); 3] = [
            ("truncated", |path| {
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .and_then(|file| file.set_len(100))
                    .expect("truncate");
            }),
            ("first line removed", |path| {
                let text = std::fs::read_to_string(path).expect("read");
                let rest = text.split_once('\n').map_or("", |(_, rest)| rest);
                std::fs::write(path, rest).expect("rewrite");
            }),
            ("grown", |path| {
                let mut file = std::fs::OpenOptions::new()
                    .append(true)
                    .open(path)
                    .expect("open");
                file.write_all(b"{\"id\": \"new\", \"text\": \"more\"}\n")
                    .expect("append");
            }),
        ];
        for (what, edit) in edits {
            let (run, inputs, config, path) = run_over(dir.path(), &lines);
            let mut unchanged = Vec::new();
            write_kept(&run, &inputs, &config, &mut unchanged, "out").expect("unchanged input");
            assert_eq!(unchanged.split(|&b| b == b'\n').count(), 41, "{what}");
            edit(&path);
            let mut out = Vec::new();
            let result = write_kept(&run, &inputs, &config, &mut out, "out");
            assert!(
                matches!(result, Err(Error::InputChanged { .. })),
                "{what}: {result:?}"
            );
        }
    }

    #[test]
    fn an_uncommitted_file_leaves_neither_target_nor_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("out.jsonl");
        {
            let mut file = AtomicFile::create(&target).expect("create");
            file.write_all(b"half a line").expect("write");
            // Dropped here without commit, as when a run fails midway.
        }
        assert!(!target.exists());
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
    }

    #[test]
    fn a_committed_file_replaces_the_target_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("out.jsonl");
        std::fs::write(&target, "old content\n").expect("seed");
        let mut file = AtomicFile::create(&target).expect("create");
        file.write_all(b"new\n").expect("write");
        // Until the commit, readers still see the old file.
        assert_eq!(
            std::fs::read_to_string(&target).expect("read"),
            "old content\n"
        );
        file.commit().expect("commit");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "new\n");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_target_keeps_the_link_and_devices_are_written_in_place() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real.jsonl");
        let link = dir.path().join("link.jsonl");
        std::fs::write(&real, "old\n").expect("seed");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let mut file = AtomicFile::create(&link).expect("create");
        file.write_all(b"new\n").expect("write");
        file.commit().expect("commit");
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("link")
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).expect("read"), "new\n");
        // /dev/null is a device: it must stay one.
        let mut null = AtomicFile::create(Path::new("/dev/null")).expect("create");
        null.write_all(b"discarded").expect("write");
        null.commit().expect("commit");
        assert!(!std::fs::metadata("/dev/null").expect("null").is_file());
    }
}
