use super::*;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Bitcoin's genesis block header.
const GENESIS: &str = "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";

fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

fn shares_in(cursors: &mut Cursors, path: &Path) -> usize {
    read_shares(cursors, path, Some(1), 16).batches.iter().map(|b| b.headers.len()).sum()
}

/// Log lines written while `f` runs, without colours.
fn logged<T>(f: impl FnOnce() -> T) -> (T, String) {
    #[derive(Clone, Default)]
    struct Logs(Arc<Mutex<Vec<u8>>>);
    impl Write for Logs {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
        type Writer = Logs;
        fn make_writer(&'a self) -> Logs {
            self.clone()
        }
    }
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt().with_writer(logs.clone()).with_ansi(false).finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    (out, text)
}

fn canonical(path: &Path) -> String {
    std::fs::canonicalize(path).unwrap().to_string_lossy().into_owned()
}

#[test]
fn reading_resumes_where_it_stopped_and_stops_at_a_line_still_being_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shares.txt");
    append(&path, &format!("{GENESIS}\n{GENESIS}\n{}", &GENESIS[..40]));
    let mut cursors = Cursors::default();
    assert_eq!(read_shares(&mut cursors, &path, Some(1), 1).batches[0].headers.len(), 2);
    append(&path, &format!("{}\nbad\n", &GENESIS[40..]));
    let read = read_shares(&mut cursors, &path, Some(1), 16);
    assert_eq!((read.batches[0].headers.len(), read.bad_lines), (1, 1));
    let cursor = cursors.get(&canonical(&path)).unwrap();
    assert_eq!((cursor.offset, cursor.lines), (3 * 161 + 4, 4));
}

#[test]
fn two_files_keep_their_own_positions() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
    append(&a, &format!("{GENESIS}\n{GENESIS}\n"));
    append(&b, &format!("{GENESIS}\n"));
    let mut cursors = Cursors::default();
    assert_eq!(shares_in(&mut cursors, &a), 2);
    // The second file is read from its own start, not from the first file's position.
    assert_eq!(shares_in(&mut cursors, &b), 1);
    append(&a, &format!("{GENESIS}\n"));
    assert_eq!(shares_in(&mut cursors, &a), 1, "only the line added since");
    assert_eq!(shares_in(&mut cursors, &b), 0);
}

#[test]
fn one_file_under_two_names_shares_one_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shares.txt");
    append(&path, &format!("{GENESIS}\n"));
    let mut cursors = Cursors::default();
    assert_eq!(shares_in(&mut cursors, &path), 1);
    let link = dir.path().join("current.txt");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    assert_eq!(shares_in(&mut cursors, &link), 0, "the same file, already read");
}

#[test]
fn a_file_replaced_under_the_same_name_is_read_from_its_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shares.txt");
    append(&path, &format!("{GENESIS}\n"));
    let mut cursors = Cursors::default();
    assert_eq!(shares_in(&mut cursors, &path), 1);
    // Rotation by rename: a new file, longer than the old position, takes the name.
    let next = dir.path().join("next.txt");
    append(&next, &format!("{GENESIS}\n{GENESIS}\n{GENESIS}\n"));
    std::fs::rename(&next, &path).unwrap();
    let new = read_new_lines(&path, &cursors).unwrap();
    assert!(new.restarted);
    assert_eq!(new.start.offset, 0);
    assert_eq!(shares_in(&mut cursors, &path), 3);
    // Truncation in place: shorter than the position.
    std::fs::write(&path, format!("{GENESIS}\n")).unwrap();
    assert_eq!(shares_in(&mut cursors, &path), 1);
}

#[test]
fn a_line_longer_than_the_read_limit_is_skipped_across_rounds_and_the_next_lines_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lines.txt");
    append(&path, "ok\n0123456789abcdefghij\nnext\n");
    let mut cursors = Cursors::default();
    let round = |cursors: &mut Cursors| {
        let new = read_new_lines_within(&path, cursors, 8).unwrap();
        // Everything read is consumed, as a caller that uses every whole line would.
        let whole = new.text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let lines = new.text[..whole].iter().filter(|&&b| b == b'\n').count() as u64;
        cursors.put(new.start.advanced(whole as u64, lines));
        (String::from_utf8(new.text[..whole].to_vec()).unwrap(), new.too_long)
    };
    assert_eq!(round(&mut cursors), ("ok\n".to_string(), None));
    assert_eq!(round(&mut cursors), (String::new(), Some(2)), "line 2 is over 8 bytes");
    assert_eq!(round(&mut cursors), (String::new(), None), "still inside line 2");
    assert_eq!(round(&mut cursors), (String::new(), None), "line 2 ended, line 3 not yet whole");
    assert_eq!(round(&mut cursors), ("next\n".to_string(), None), "line 3 is read");
    let cursor = cursors.get(&canonical(&path)).unwrap();
    assert_eq!((cursor.offset, cursor.lines, cursor.skipping), (29, 3, false));
}

#[test]
fn a_shares_line_over_4_mib_is_skipped_with_a_warning_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shares.txt");
    let huge = "f".repeat(READ_BYTES_MAX as usize + 1024);
    append(&path, &format!("{GENESIS}\n{huge}\n{GENESIS}\n"));
    let mut cursors = Cursors::default();
    assert_eq!(shares_in(&mut cursors, &path), 1);
    let (read, logs) = logged(|| read_shares(&mut cursors, &path, Some(1), 16));
    assert_eq!((read.batches.len(), read.bad_lines), (0, 1));
    assert!(logs.contains(&format!("line 2 of {}", path.display())), "{logs}");
    assert!(logs.contains("WARN"), "{logs}");
    assert_eq!(shares_in(&mut cursors, &path), 1, "the share after the long line is read");
    assert_eq!(cursors.get(&canonical(&path)).unwrap().lines, 3);
}

#[test]
fn a_challenges_line_over_4_mib_is_skipped_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("challenges.txt");
    let huge = "#".repeat(READ_BYTES_MAX as usize);
    let seed = "00".repeat(32);
    append(&path, &format!("{huge}\n{{\"challenge\": \"7\", \"seed\": \"{seed}\", \"n\": 4}}\n"));
    let mut cursors = Cursors::default();
    let (first, logs) = logged(|| read_challenges(&mut cursors, &path, 4));
    assert_eq!((first.answers.len(), first.bad_lines), (0, 1));
    assert!(logs.contains(&format!("line 1 of {}", path.display())), "{logs}");
    let second = read_challenges(&mut cursors, &path, 4);
    assert_eq!(second.answers.iter().map(|a| a.challenge).collect::<Vec<_>>(), [7]);
}

#[test]
fn a_missing_file_is_logged_and_leaves_no_position() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("absent.txt");
    let mut cursors = Cursors::default();
    let (read, logs) = logged(|| read_shares(&mut cursors, &path, Some(1), 16));
    assert_eq!(read, SharesRead::default());
    assert!(logs.contains("cannot read the shares file"), "{logs}");
    assert_eq!(cursors.iter().count(), 0);
}
