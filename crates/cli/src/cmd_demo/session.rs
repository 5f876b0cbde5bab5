//! What both parts of `computefi demo` act through: the [`Demo`] session (test keyring, node,
//! step records), reports signed with the demo's device key, and the attributes of receipts'
//! events.

use crate::client::Client;
use crate::keys::Keyring;
use crate::output::Format;
use crate::tx::sign::{sign_and_send, TxArgs};
use anyhow::Context;
use computefi_types::{device, Address, DeviceMsg, Hash, Msg, PublicKey, TitleId};
use serde_json::{json, Value};

/// CFI base units per CFI.
pub(super) const CFI: u128 = 1_000_000;

/// A running demo: where it signs and sends, and the records of its steps.
pub(super) struct Demo {
    /// The test keyring the demo's accounts live in.
    pub(super) keyring: Keyring,
    /// The node's API URL.
    pub(super) node: String,
    /// How steps are printed.
    pub(super) format: Format,
    /// Records of the steps so far.
    pub(super) steps: Vec<Value>,
    /// Steps printed by earlier parts of the demo (their records were taken out of `steps`).
    pub(super) numbered: usize,
}

#[cfg(test)]
impl Demo {
    /// A demo in the test keyring at `home` whose node nobody serves, for the parts' offline
    /// tests (every call to the node fails).
    pub(super) fn offline(home: &std::path::Path) -> Demo {
        use crate::keys::{KeyringBackend, PassphraseSource};
        let keyring =
            Keyring::open(home, KeyringBackend::Test, PassphraseSource::Env).expect("a test keyring");
        Demo {
            keyring,
            node: "http://127.0.0.1:1".into(),
            format: Format::Json,
            steps: Vec::new(),
            numbered: 0,
        }
    }
}

impl Demo {
    /// Signs `msgs` with key `from` and waits for the commit.
    pub(super) fn send(&self, from: &str, msgs: Vec<Msg>) -> anyhow::Result<Value> {
        sign_and_send(&self.keyring, &TxArgs::commit_with_test_key(from, &self.node), msgs)
    }

    /// Prints and records a step.
    pub(super) fn step(&mut self, what: String, result: &Value) {
        let n = self.numbered + self.steps.len() + 1;
        let at = match (result["hash"].as_str(), result["height"].as_str()) {
            (Some(h), Some(height)) => format!(" (tx {}… at height {height})", &h[..12]),
            _ => String::new(),
        };
        if self.format == Format::Text {
            println!("{n:>2}. {what}{at}");
        }
        self.steps.push(json!({ "step": n, "what": what, "result": result }));
    }

    /// The address of key `name`, made on first use.
    pub(super) fn key(&self, name: &str) -> anyhow::Result<Address> {
        Ok(match self.keyring.show(name) {
            Ok(k) => k.address,
            Err(_) => self.keyring.add(name)?.0.address,
        })
    }
}

/// Signs `payload` as the next envelope of the demo device and relays it as the operator.
pub(super) fn device_report(
    demo: &Demo,
    title: TitleId,
    sequence: u64,
    prev: Hash,
    payload: device::Payload,
) -> anyhow::Result<(Value, Hash)> {
    signed_report(demo, "demo-device", title, sequence, prev, payload)
}

/// Signs `payload` with the test-keyring key `key_name` as envelope `sequence` of that device
/// key's chain on `title` (valid for 100 blocks from the node's height) and relays it as the
/// operator: the receipt and the envelope's hash.
pub(super) fn signed_report(
    demo: &Demo,
    key_name: &str,
    title: TitleId,
    sequence: u64,
    prev: Hash,
    payload: device::Payload,
) -> anyhow::Result<(Value, Hash)> {
    let key = demo.keyring.signing_key(key_name)?;
    let status = Client::new(&demo.node).get("/status")?;
    let height: u64 = status["height"].as_str().unwrap_or("0").parse()?;
    let envelope = device::Envelope {
        title,
        device_key: PublicKey::from_signing_key(&key),
        sequence,
        prev_hash: prev,
        window_start: height,
        window_end: height + 100,
        payload,
    };
    let hash = envelope.hash();
    let result =
        demo.send("demo-operator", vec![Msg::Device(DeviceMsg::Report(Box::new(envelope.sign(&key))))])?;
    Ok((result, hash))
}

/// Attribute `key` of the first `kind` event in a transaction's receipt.
pub(super) fn attr(result: &Value, kind: &str, key: &str) -> anyhow::Result<String> {
    result["receipt"]["events"]
        .as_array()
        .and_then(|events| events.iter().find(|e| e["kind"] == kind))
        .and_then(|e| e["attrs"][key].as_str())
        .map(String::from)
        .with_context(|| format!("the receipt has no {kind} event with {key}"))
}

/// A reading of the demo's made-up 8-GPU server, labelled simulated.
pub(super) fn simulated_telemetry() -> device::Payload {
    device::Payload::Telemetry(device::Telemetry {
        gpus_seen: 8,
        utilisation_bps: 9_400,
        energy_mj: 18_000_000_000,
        temperature_c: 67,
        xid_errors: 0,
        simulated: true,
    })
}

/// Milliseconds between reads of the node while a part waits for the chain.
pub(super) const POLL_MS: u64 = 100;

/// Reads the node every [`POLL_MS`] until `done` says what it waited for, at most `polls_max`
/// times; `what` names it in the error.
pub(super) fn poll<T>(
    what: &str,
    polls_max: u32,
    mut done: impl FnMut() -> anyhow::Result<Option<T>>,
) -> anyhow::Result<T> {
    // A wait longer than a second shows a spinner on a terminal.
    let mut spinner: Option<indicatif::ProgressBar> = None;
    for polled in 0..polls_max {
        if let Some(found) = done()? {
            if let Some(s) = spinner {
                s.finish_and_clear();
            }
            return Ok(found);
        }
        if u64::from(polled) * POLL_MS >= 1_000 && spinner.is_none() {
            spinner = Some(crate::progress::spinner(&format!("waiting for {what}")));
        }
        std::thread::sleep(std::time::Duration::from_millis(POLL_MS));
    }
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let waited_s = u64::from(polls_max) * POLL_MS / 1_000;
    anyhow::bail!("{what} did not happen within {waited_s} s: is the devnet still making blocks?")
}

/// A decimal amount of a node's answer (`field` names it in errors).
pub(super) fn amount_of(value: &Value, field: &str) -> anyhow::Result<u128> {
    value
        .as_str()
        .with_context(|| format!("the node's answer has no {field}"))?
        .parse()
        .with_context(|| format!("the node's {field} is not an amount"))
}

/// A `u64` of a node's answer, a decimal string (`field` names it in errors).
pub(super) fn u64_of(value: &Value, field: &str) -> anyhow::Result<u64> {
    value
        .as_str()
        .with_context(|| format!("the node's answer has no {field}"))?
        .parse()
        .with_context(|| format!("the node's {field} is not a number"))
}

/// `account`'s balance of `asset`.
pub(super) fn balance(
    demo: &Demo,
    account: &Address,
    asset: &computefi_types::AssetId,
) -> anyhow::Result<u128> {
    let body = Client::new(&demo.node).get(&format!("/accounts/{account}"))?;
    let asset = asset.to_string();
    let held = body["balances"].as_array().and_then(|b| b.iter().find(|b| b["asset"] == asset.as_str()));
    held.map_or(Ok(0), |b| amount_of(&b["amount"], "balance"))
}
