//! Progress for work longer than a second (replay, bench, the demo's waits): a bar or a spinner on
//! stderr when it is a terminal, nothing otherwise (indicatif hides its bars when nobody watches),
//! so pipes, files and `-o json` stay clean.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// Whether progress is drawn: stderr is a terminal.
pub fn shown() -> bool {
    std::io::stderr().is_terminal()
}

/// A bar of `len` steps, `what` in front.
pub fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), target());
    let style = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta} left)")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar
}

/// A spinner that says `what` and ticks by itself until finished.
pub fn spinner(what: &str) -> ProgressBar {
    let spinner = ProgressBar::with_draw_target(None, target());
    spinner.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.set_message(what.to_string());
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}

fn target() -> ProgressDrawTarget {
    if shown() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_off_a_terminal_is_hidden_and_still_counts() {
        // Tests run with stderr captured: nothing is drawn, the count still moves.
        let b = bar(3, "replaying");
        b.inc(2);
        assert_eq!(b.position(), 2);
        if !shown() {
            assert!(b.is_hidden(), "nothing drawn into a pipe");
        }
        b.finish_and_clear();
        let s = spinner("waiting");
        s.finish_and_clear();
    }
}
