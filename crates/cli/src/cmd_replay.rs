//! `computefi replay`: re-execute every stored block from genesis and check every app hash.

use crate::output::{print, Format};
use clap::Args;
use computefi_node::home::Home;
use serde_json::json;
use std::path::PathBuf;

/// Options of `replay`.
#[derive(Args)]
pub struct ReplayArgs {}

/// Runs `computefi replay`: exits non-zero naming the first differing height.
pub fn run(home: &Option<PathBuf>, _args: ReplayArgs, format: Format) -> anyhow::Result<()> {
    let home = Home::new(crate::home::home_dir(home)?);
    let scratch = std::env::temp_dir().join(format!("computefi-replay-{}", std::process::id()));
    let bar = crate::progress::bar(0, "replaying blocks");
    let report = computefi_node::replay::replay_with(&home, &scratch, |height, latest| {
        bar.set_length(latest);
        bar.set_position(height);
    });
    bar.finish_and_clear();
    let report = report?;
    print(
        format,
        &json!({ "ok": true, "heights": report.heights.to_string(), "app_hash": report.app_hash,
                 "home": home.root().display().to_string() }),
    );
    Ok(())
}
