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
    let key = demo.keyring.signing_key("demo-device")?;
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
