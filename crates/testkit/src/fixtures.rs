//! Device-side fixtures shared by the ledger tests and the simulation: the test device key,
//! signed report envelopes, simulated telemetry, real Bitcoin block headers to use as mining
//! shares, and a device's answer to a capacity challenge.

use crate::{TestAccount, TestChain};
use computefi_app::modules::device::challenge::rows_to_open;
use computefi_proofs::matmul;
use computefi_types::device::{Envelope, OpenedRow, Payload, ShareBatch, Telemetry};
use computefi_types::{DeviceMsg, Hash, Msg, TitleId};

/// Real mainnet header of block 100,000 (meets share difficulty 14,484).
pub const BLOCK_100000: &str = "0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0b2940996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710";
/// Real mainnet header of block 100,001 (meets share difficulty 14,484; builds on 100,000).
pub const BLOCK_100001: &str = "0100000006e533fd1ada86391f3f6c343204b0d278d4aaec1c0b20aa27ba0300000000006abbb3eb3d733a9fe18967fd7d4c117e4ccbbac5bec4d910d900b3ae0793e77f54241b4d4c86041b4089cc9b";
/// Real mainnet header of block 1 (difficulty about 1: too weak for a share of difficulty 14,000).
pub const BLOCK_1: &str = "010000006fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000982051fd1e4ba744bbbe680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e61bc6649ffff001d01e36299";

/// The device key the test titles list (`device-1`).
pub fn device() -> TestAccount {
    TestAccount::named("device-1")
}

/// Simulated telemetry that sees `gpus` GPUs.
pub fn telemetry(gpus: u32) -> Payload {
    Payload::Telemetry(Telemetry {
        gpus_seen: gpus,
        utilisation_bps: 9_500,
        energy_mj: 3_600_000,
        temperature_c: 64,
        xid_errors: 0,
        simulated: true,
    })
}

/// An envelope from [`device`] for `title`, valid for the next ten blocks.
pub fn envelope(
    chain: &TestChain,
    title: TitleId,
    sequence: u64,
    prev_hash: Hash,
    payload: Payload,
) -> Envelope {
    let h = chain.height();
    Envelope {
        title,
        device_key: device().public_key(),
        sequence,
        prev_hash,
        window_start: h,
        window_end: h + 10,
        payload,
    }
}

/// The `device.report` message carrying `env` signed by [`device`].
pub fn report(env: Envelope) -> Msg {
    Msg::Device(DeviceMsg::Report(Box::new(env.sign(&device().key))))
}

/// An 80-byte header from its hex text.
pub fn header(hex_text: &str) -> [u8; 80] {
    let bytes = hex::decode(hex_text).expect("a fixture header is hex");
    bytes.try_into().expect("a fixture header is 80 bytes")
}

/// A batch of mining shares: the given headers at one share difficulty, without coinbase proofs.
pub fn shares(headers: &[&str], difficulty: u64) -> Payload {
    Payload::Shares(ShareBatch {
        headers: headers.iter().map(|h| header(h)).collect(),
        difficulty,
        proofs: Vec::new(),
    })
}

/// The product C = A·B a device computes for a capacity challenge of seed `seed` and size `n`
/// (`None` when the size is not a valid challenge size).
pub fn challenge_product(seed: &Hash, n: u32) -> Option<Vec<i32>> {
    let challenge = matmul::Challenge::new(seed.0, n).ok()?;
    matmul::multiply(n as usize, &challenge.matrix_a().ok()?, &challenge.matrix_b().ok()?).ok()
}

/// The rows of `c` the ledger asks to open for `commitment`, each with its Merkle path (rows
/// that do not open are left out).
pub fn opened_rows(seed: &Hash, commitment: &Hash, c: &[i32], n: u32) -> Vec<OpenedRow> {
    rows_to_open(seed, commitment, n)
        .into_iter()
        .filter_map(|i| matmul::open_row(n as usize, c, i as usize).ok())
        .map(|o| OpenedRow { index: o.index, row: o.row, path: o.path.into_iter().map(Hash).collect() })
        .collect()
}
