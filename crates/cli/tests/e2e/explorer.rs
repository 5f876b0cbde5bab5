//! The explorer in a real browser, after the whole demo: the browser test
//! (`tests/browser/explorer.mjs`, the distribution's Chromium driven by playwright-core) run
//! against the spine test's devnet. It needs Chromium and the test's npm package, which
//! `.ci/run` installs; without them this fails and says how to install them (or set
//! `COMPUTEFI_SKIP_BROWSER=1` to skip it on purpose, which it then says).

use super::support::Node;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Longest the browser test may run, in seconds (it stops itself a little earlier).
const BROWSER_TEST_S: u64 = 300;

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the browser test against `node`: every page loads without console errors, key figures
/// equal the API's, search finds each kind of id, empty states show; screenshots are saved
/// under the target directory's `tmp/explorer`.
pub(crate) fn the_explorer_shows_the_demo_in_a_real_browser(node: &Node) {
    if std::env::var("COMPUTEFI_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("SKIPPED: the explorer's browser test (COMPUTEFI_SKIP_BROWSER=1)");
        return;
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let driver = root().join("tests/browser/node_modules/playwright-core");
    assert!(
        Path::new(&chromium).exists() && driver.exists(),
        "the explorer's browser test needs Chromium at {chromium} and its npm package at {}: install them \
         with `apt-get install chromium` and `npm ci --prefix tests/browser` (as .ci/run does), or set \
         COMPUTEFI_SKIP_BROWSER=1 to skip this check",
        driver.display()
    );
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorer");
    let mut child = Command::new("node")
        .current_dir(root())
        .args(["tests/browser/explorer.mjs", "--api", &node.api, "--out", out.to_str().unwrap()])
        .args(["--timeout-s", &(BROWSER_TEST_S - 10).to_string()])
        .env("CHROMIUM", &chromium)
        .spawn()
        .expect("node runs the browser test");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the browser test's status") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(BROWSER_TEST_S) {
            let _ = child.kill();
            panic!("the browser test ran past {BROWSER_TEST_S} s");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(status.success(), "the explorer's browser test failed (its lines above say what); screenshots in {}", out.display());
    assert!(out.join("title.png").exists(), "the test saved the title page's screenshot");
}
