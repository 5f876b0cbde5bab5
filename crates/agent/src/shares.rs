//! Mining shares from a file that a miner or a Stratum proxy appends to, batched into
//! [`ShareBatch`] payloads of at most [`SHARES_PER_BATCH_MAX`] headers.
//!
//! One share a line: the 80-byte block header as 160 hex characters, optionally followed by
//! whitespace and the share difficulty the pool set (otherwise `--share-difficulty`). Blank lines
//! and lines starting with `#` are skipped. A bad line is reported with its number and skipped; it
//! never stops the lines after it.
//!
//! Reading the file (whole lines only, a position per file, over-long lines skipped) is
//! [`crate::input`]'s; this module parses what it read.

use computefi_types::device::{ShareBatch, SHARES_PER_BATCH_MAX};

/// One share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    /// The 80-byte header.
    pub header: [u8; 80],
    /// Its share difficulty.
    pub difficulty: u64,
    /// Bytes and lines read, from where reading started, up to and including this share's line.
    pub through: (u64, u64),
}

/// A line that is not a share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// Line number in the file, from 1.
    pub line: u64,
    /// What is wrong with it.
    pub reason: String,
}

/// What one read found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Shares, in file order.
    pub shares: Vec<Share>,
    /// Lines that were not shares.
    pub bad: Vec<BadLine>,
    /// Bytes of whole lines consumed.
    pub consumed_bytes: u64,
    /// Lines consumed.
    pub consumed_lines: u64,
}

/// Parses whole lines of `text` (a trailing line without `\n` is left unread), stopping after
/// `shares_max` shares. `first_line` is the number of the first line in the file.
pub fn parse(text: &[u8], first_line: u64, default_difficulty: Option<u64>, shares_max: usize) -> Parsed {
    let mut parsed = Parsed::default();
    let mut rest = text;
    while parsed.shares.len() < shares_max {
        let Some(end) = rest.iter().position(|&b| b == b'\n') else { break };
        let (line, tail) = rest.split_at(end);
        rest = &tail[1..];
        let number = first_line.saturating_add(parsed.consumed_lines);
        parsed.consumed_bytes = parsed.consumed_bytes.saturating_add(end as u64 + 1);
        parsed.consumed_lines = parsed.consumed_lines.saturating_add(1);
        match parse_line(line, default_difficulty) {
            Ok(Some((header, difficulty))) => {
                let through = (parsed.consumed_bytes, parsed.consumed_lines);
                parsed.shares.push(Share { header, difficulty, through })
            }
            Ok(None) => {}
            Err(reason) => parsed.bad.push(BadLine { line: number, reason }),
        }
    }
    parsed
}

fn parse_line(line: &[u8], default_difficulty: Option<u64>) -> Result<Option<([u8; 80], u64)>, String> {
    let line = std::str::from_utf8(line).map_err(|_| "not UTF-8 text".to_string())?.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let mut fields = line.split_whitespace();
    let hex_header = fields.next().unwrap_or_default();
    let mut header = [0u8; 80];
    if hex_header.len() != 160 {
        return Err(format!(
            "a header is 160 hex characters (80 bytes), this one has {} characters",
            hex_header.len()
        ));
    }
    hex::decode_to_slice(hex_header, &mut header).map_err(|_| "the header is not hex".to_string())?;
    let difficulty = match fields.next() {
        Some(d) => d.parse::<u64>().map_err(|_| format!("difficulty {d:?} is not a whole number"))?,
        None => default_difficulty
            .ok_or("no share difficulty: write it after the header or pass --share-difficulty")?,
    };
    if difficulty == 0 {
        return Err("share difficulty 0: a share has difficulty 1 or more".into());
    }
    if let Some(extra) = fields.next() {
        return Err(format!("unexpected {extra:?} after the difficulty"));
    }
    Ok(Some((header, difficulty)))
}

/// Groups shares into batches: consecutive shares of one difficulty, at most
/// [`SHARES_PER_BATCH_MAX`] each, in file order.
pub fn batches(shares: &[Share]) -> Vec<ShareBatch> {
    let mut out: Vec<ShareBatch> = Vec::new();
    for share in shares {
        match out.last_mut() {
            Some(b) if b.difficulty == share.difficulty && b.headers.len() < SHARES_PER_BATCH_MAX => {
                b.headers.push(share.header)
            }
            _ => out.push(ShareBatch {
                headers: vec![share.header],
                difficulty: share.difficulty,
                proofs: Vec::new(),
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bitcoin's genesis block header.
    const GENESIS: &str = "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";

    #[test]
    fn good_lines_become_shares_and_bad_lines_are_reported_by_number() {
        let text = format!(
            "# shares from the proxy\n{GENESIS}\n\n{GENESIS} 4096\nzz{}\n{} 8\n{GENESIS} 0\n{GENESIS} 5 extra\n{GENESIS} abc\n",
            &GENESIS[2..],
            &GENESIS[..158]
        );
        let parsed = parse(text.as_bytes(), 1, Some(1024), usize::MAX);
        let difficulties: Vec<u64> = parsed.shares.iter().map(|s| s.difficulty).collect();
        assert_eq!(difficulties, [1024, 4096]);
        assert_eq!(hex::encode(parsed.shares[0].header), GENESIS);
        let bad: Vec<u64> = parsed.bad.iter().map(|b| b.line).collect();
        assert_eq!(bad, [5, 6, 7, 8, 9]);
        assert_eq!(parsed.bad[0].reason, "the header is not hex");
        assert!(parsed.bad[1].reason.contains("158 characters"), "{:?}", parsed.bad[1]);
        assert!(parsed.bad[2].reason.contains("difficulty 0"));
        assert_eq!((parsed.consumed_lines, parsed.consumed_bytes), (9, text.len() as u64));
    }

    #[test]
    fn without_a_default_a_line_needs_its_own_difficulty() {
        let parsed = parse(format!("{GENESIS}\n").as_bytes(), 12, None, usize::MAX);
        assert!(parsed.shares.is_empty());
        assert_eq!(parsed.bad[0].line, 12);
        assert!(parsed.bad[0].reason.contains("--share-difficulty"));
    }

    #[test]
    fn a_line_still_being_written_is_left_for_later() {
        let text = format!("{GENESIS}\n{}", &GENESIS[..40]);
        let parsed = parse(text.as_bytes(), 1, Some(1), usize::MAX);
        assert_eq!((parsed.shares.len(), parsed.consumed_bytes), (1, 161));
    }

    #[test]
    fn batches_hold_at_most_256_shares_of_one_difficulty() {
        let mut header = [0u8; 80];
        let mut shares = Vec::new();
        for i in 0..600u32 {
            header[76..80].copy_from_slice(&i.to_le_bytes());
            shares.push(Share { header, difficulty: if i < 300 { 64 } else { 128 }, through: (0, 0) });
        }
        let sizes: Vec<(usize, u64)> =
            batches(&shares).iter().map(|b| (b.headers.len(), b.difficulty)).collect();
        assert_eq!(sizes, [(256, 64), (44, 64), (256, 128), (44, 128)]);
    }
}
