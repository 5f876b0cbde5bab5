//! Reading the input files (mining shares, challenges) that other programs append to, one line
//! at a time, from where the last round stopped.
//!
//! Each file has its own read position ([`FileCursor`]), keyed by its canonical path, so two files
//! or a file named in place of another never share one. Only whole lines (ending in `\n`) are
//! read, so a line still being written waits for the next round. A file that is not the one the
//! position was for (another inode: rotated by rename) or that is shorter than the position
//! (truncated) is read from its start.
//!
//! A round reads at most [`READ_BYTES_MAX`] bytes. A line longer than that could never be read
//! whole, so it is skipped up to its end, with a warning naming the file and the line, and the
//! lines after it are read as usual.
//!
//! # Invariants
//! - A position only moves forward over bytes of the file it names, and only past whole lines
//!   (or the part of an over-long line skipped so far).

use crate::challenge;
use crate::shares;
use crate::state::{Cursors, FileCursor, FileId};
use computefi_types::device::{ChallengeAnswer, ShareBatch, SHARES_PER_BATCH_MAX};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Most bytes read from one input file in one round; a longer line is skipped.
pub const READ_BYTES_MAX: u64 = 4 * 1024 * 1024;

/// New bytes of an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLines {
    /// The position `text` starts at; advance it by what is consumed and record it.
    pub start: FileCursor,
    /// Bytes from `start`: whole lines, perhaps followed by a line still being written.
    pub text: Vec<u8>,
    /// The file is not the one read before (replaced or truncated) and is read from its start.
    pub restarted: bool,
    /// Number of a line found longer than [`READ_BYTES_MAX`] this round; it is being skipped.
    pub too_long: Option<u64>,
}

/// Reads the new bytes of the file at `path` from its position in `cursors`.
pub fn read_new_lines(path: &Path, cursors: &Cursors) -> std::io::Result<NewLines> {
    read_new_lines_within(path, cursors, READ_BYTES_MAX)
}

fn read_new_lines_within(path: &Path, cursors: &Cursors, bytes_max: u64) -> std::io::Result<NewLines> {
    let canonical = std::fs::canonicalize(path)?;
    let mut file = std::fs::File::open(&canonical)?;
    let meta = file.metadata()?;
    let id = FileId::of(&meta);
    let key = canonical.to_string_lossy().into_owned();
    let known = cursors.get(&key).cloned().unwrap_or_default();
    let other_file = known.file.is_some_and(|f| f != id) || meta.len() < known.offset;
    let restarted = other_file && known != FileCursor::default();
    let mut start = if other_file { FileCursor::default() } else { known };
    start.path = Some(key);
    start.file = Some(id);

    file.seek(SeekFrom::Start(start.offset))?;
    let mut bytes = Vec::new();
    file.take(bytes_max).read_to_end(&mut bytes)?;
    let newline = bytes.iter().position(|&b| b == b'\n');
    let mut too_long = None;
    let text = match (start.skipping, newline) {
        (true, Some(end)) => {
            start = start.advanced(end as u64 + 1, 1);
            start.skipping = false;
            bytes.split_off(end + 1)
        }
        (true, None) => {
            start = start.advanced(bytes.len() as u64, 0);
            Vec::new()
        }
        (false, None) if bytes.len() as u64 >= bytes_max => {
            too_long = Some(start.lines.saturating_add(1));
            start = start.advanced(bytes.len() as u64, 0);
            start.skipping = true;
            Vec::new()
        }
        (false, _) => bytes,
    };
    Ok(NewLines { start, text, restarted, too_long })
}

/// What one round read from the shares file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SharesRead {
    /// Batches to report, at most the number asked for.
    pub batches: Vec<ShareBatch>,
    /// Lines that were not shares (each logged).
    pub bad_lines: u64,
}

/// Reads new shares of the file at `path` into at most `batches_max` batches, moving its position
/// in `cursors` past the lines used. Problems are logged; a file that cannot be read gives nothing.
pub fn read_shares(
    cursors: &mut Cursors,
    path: &Path,
    default_difficulty: Option<u64>,
    batches_max: usize,
) -> SharesRead {
    let Some(new) = read_logged(cursors, path, "shares") else { return SharesRead::default() };
    let shares_max = batches_max.saturating_mul(SHARES_PER_BATCH_MAX);
    let parsed = shares::parse(&new.text, new.start.lines.saturating_add(1), default_difficulty, shares_max);
    let mut batches = shares::batches(&parsed.shares);
    // Batches past the queue's room wait, with their lines, for a later round.
    let (bytes, lines) = if batches.len() > batches_max {
        batches.truncate(batches_max);
        let kept: usize = batches.iter().map(|b| b.headers.len()).sum();
        kept.checked_sub(1).map(|last| parsed.shares[last].through).unwrap_or((0, 0))
    } else {
        (parsed.consumed_bytes, parsed.consumed_lines)
    };
    let mut bad_lines = u64::from(new.too_long.is_some());
    for bad in parsed.bad.iter().filter(|b| b.line <= new.start.lines.saturating_add(lines)) {
        tracing::warn!(file = %path.display(), line = bad.line, "not a share, skipped: {}", bad.reason);
        bad_lines = bad_lines.saturating_add(1);
    }
    cursors.put(new.start.advanced(bytes, lines));
    let shares: usize = batches.iter().map(|b| b.headers.len()).sum();
    if shares > 0 {
        tracing::info!(shares, batches = batches.len(), "mining shares batched");
    }
    SharesRead { batches, bad_lines }
}

/// What one round read from the challenges file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChallengesRead {
    /// Answers, at most the number asked for.
    pub answers: Vec<ChallengeAnswer>,
    /// Lines that were not challenges or could not be answered (each logged).
    pub bad_lines: u64,
}

/// Answers up to `max` new challenges of the file at `path`, moving its position in `cursors`
/// past the lines used. Problems are logged; a file that cannot be read gives nothing.
pub fn read_challenges(cursors: &mut Cursors, path: &Path, max: usize) -> ChallengesRead {
    let Some(new) = read_logged(cursors, path, "challenges") else { return ChallengesRead::default() };
    let mut read = ChallengesRead { answers: Vec::new(), bad_lines: u64::from(new.too_long.is_some()) };
    let mut cursor = new.start;
    let mut rest = new.text.as_slice();
    while read.answers.len() < max {
        let Some(end) = rest.iter().position(|&b| b == b'\n') else { break };
        let line = String::from_utf8_lossy(&rest[..end]).into_owned();
        rest = &rest[end + 1..];
        cursor = cursor.advanced(end as u64 + 1, 1);
        let solved = challenge::parse_line(&line)
            .and_then(|c| c.map(|c| challenge::solve(&c).map_err(|e| e.to_string())).transpose());
        match solved {
            Ok(Some(solved)) => {
                tracing::info!(challenge = solved.answer.challenge, commitment = %solved.answer.commitment, "challenge answered");
                read.answers.push(solved.answer);
            }
            Ok(None) => {}
            Err(reason) => {
                tracing::warn!(file = %path.display(), line = cursor.lines, "not a challenge, skipped: {reason}");
                read.bad_lines = read.bad_lines.saturating_add(1);
            }
        }
    }
    cursors.put(cursor);
    read
}

/// [`read_new_lines`], with its problems logged: `None` when the file cannot be read.
fn read_logged(cursors: &Cursors, path: &Path, what: &str) -> Option<NewLines> {
    let new = match read_new_lines(path, cursors) {
        Ok(new) => new,
        Err(e) => {
            tracing::warn!(file = %path.display(), "cannot read the {what} file: {e}");
            return None;
        }
    };
    if new.restarted {
        tracing::warn!(file = %path.display(), "the {what} file was replaced or truncated; reading it from the start");
    }
    if let Some(line) = new.too_long {
        tracing::warn!(
            file = %path.display(),
            line,
            "line {line} of {} is longer than {READ_BYTES_MAX} bytes, so it cannot be a {what} line; skipped",
            path.display()
        );
    }
    Some(new)
}

#[cfg(test)]
mod tests;
