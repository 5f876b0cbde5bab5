//! `verify proof`: check a state proof saved from `computefi query proof -o json` against an app
//! hash, offline.

use crate::output::{print, Format};
use anyhow::Context;
use clap::Subcommand;
use computefi_store::StateProof;
use computefi_types::{Amount, Hash};
use serde_json::{json, Value};
use std::path::PathBuf;

/// Offline checks.
#[derive(Subcommand)]
pub enum VerifyCmd {
    /// Check a proof saved from `computefi query proof -o json` against an app hash, offline.
    Proof {
        /// The saved proof (JSON).
        #[arg(long)]
        file: PathBuf,
        /// The app hash you trust (from a block header you have checked). Without it the app hash
        /// in the file is used, which only shows the proof is consistent with itself.
        #[arg(long)]
        app_hash: Option<Hash>,
    },
}

/// Runs an offline check.
pub fn run(cmd: VerifyCmd, format: Format) -> anyhow::Result<()> {
    let VerifyCmd::Proof { file, app_hash } = cmd;
    let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let doc: Value = serde_json::from_str(&text).with_context(|| {
        format!("{} is not JSON; save it with `computefi query proof … -o json`", file.display())
    })?;
    let proof: StateProof = serde_json::from_value(doc["proof"].clone())
        .with_context(|| format!("{} holds no proof under \"proof\"", file.display()))?;
    let (anchor, trusted) = match app_hash {
        Some(h) => (h, true),
        None => {
            (doc["app_hash"].as_str().context("the file has no app_hash; pass --app-hash")?.parse()?, false)
        }
    };
    computefi_store::verify_proof(&proof, &anchor.0)
        .map_err(|e| anyhow::anyhow!("the proof does NOT verify against app hash {anchor}: {e}"))?;
    let key = String::from_utf8_lossy(&proof.key).to_string();
    let decoded = proof.value.as_ref().and_then(|v| {
        key.starts_with("bank/balance/")
            .then(|| borsh::from_slice::<Amount>(v).ok().map(|a| a.to_string()))
            .flatten()
    });
    print(
        format,
        &json!({
            "valid": true,
            "key": key,
            "present": proof.value.is_some(),
            "value_hex": proof.value.as_ref().map(hex::encode),
            "value_decoded": decoded,
            "height": proof.version.to_string(),
            "app_hash": anchor,
            "anchor": if trusted { "the app hash you passed" } else { "the app hash inside the file (pass --app-hash to check against a header you trust)" },
        }),
    );
    Ok(())
}
