//! The fixtures every ledger test, the simulation and the end-to-end tests share: the standard
//! accounts and their roles, title specs, the register/verify/KYC steps a test takes to get a
//! title or an eligible investor, and the device side (the test device key, signed report
//! envelopes, simulated telemetry, real Bitcoin block headers to use as mining shares, and a
//! device's answer to a capacity challenge).
//!
//! A test that needs another title adjusts a builder's spec with struct-update syntax
//! (`TitleSpec { green_bps: 9_000, ..gpu_title(model, &serials) }`), so what differs from the
//! usual title is what the test is about.

use crate::{auditor, issuer, msgs, run, TestAccount, TestChain};
use computefi_app::modules::device::challenge::rows_to_open;
use computefi_proofs::matmul;
use computefi_types::compliance::{Claim, ClaimType, Condition, Requirement, TransferRules};
use computefi_types::device::{Envelope, OpenedRow, Payload, ShareBatch, Telemetry};
use computefi_types::title::{CapacityItem, CapacityUnit, Location, TitleClass, TitleSpec, TitleStatus};
use computefi_types::{
    sha256, Address, AssetId, DeviceMsg, Hash, IdentityMsg, Msg, Receipt, RegistryMsg, TitleId,
};

// ---- accounts ----

/// `alice`, funded at genesis by [`TestChain::new`].
pub fn alice() -> TestAccount {
    TestAccount::named("alice")
}

/// `bob`, funded at genesis by [`TestChain::new`].
pub fn bob() -> TestAccount {
    TestAccount::named("bob")
}

/// `carol`, funded at genesis by [`TestChain::new`].
pub fn carol() -> TestAccount {
    TestAccount::named("carol")
}

/// The operator of the test titles: [`alice`], who registers, runs and first holds them.
pub fn operator() -> TestAccount {
    alice()
}

/// The investor who buys into a title: [`bob`].
pub fn investor() -> TestAccount {
    bob()
}

/// An account that holds no claims: [`carol`].
pub fn outsider() -> TestAccount {
    carol()
}

/// The native asset, CFI.
pub fn cfi() -> AssetId {
    AssetId::native()
}

// ---- title specs ----

/// A location from its ISO country code and site name.
pub fn location(country: &str, site: &str) -> Location {
    Location { country: country.into(), site: site.into() }
}

/// A GPU server title with one GPU per serial: a Supermicro `model` in Frankfurt (DE) kept by
/// Colo GmbH, reporting through [`device`], uninsured, without transfer rules or a green share.
pub fn gpu_title<S: AsRef<str>>(model: &str, serials: &[S]) -> TitleSpec {
    let count = u32::try_from(serials.len()).expect("a test title has few serials");
    TitleSpec {
        class: TitleClass::GpuServer,
        make: "Supermicro".into(),
        model: model.into(),
        serials: serials.iter().map(|s| s.as_ref().to_string()).collect(),
        count,
        capacity: vec![CapacityItem { milli: u64::from(count) * 1_000, unit: CapacityUnit::Gpu }],
        location: location("DE", "Frankfurt FRA-2"),
        custodian: "Colo GmbH".into(),
        insurance: None,
        device_keys: vec![device().public_key()],
        rules: TransferRules::default(),
        coinbase_tag: None,
        green_bps: 0,
    }
}

/// An ASIC miner title claiming `th_milli` thousandths of a TH/s: one Bitmain Antminer S21
/// (serial `S21-0001`) at Itaipu (PY) kept by Hydro Hosting, reporting through [`device`],
/// uninsured, without transfer rules, a coinbase tag or a green share.
pub fn asic_title(th_milli: u64) -> TitleSpec {
    TitleSpec {
        class: TitleClass::AsicMiner,
        make: "Bitmain".into(),
        model: "Antminer S21".into(),
        serials: vec!["S21-0001".into()],
        count: 1,
        capacity: vec![CapacityItem { milli: th_milli, unit: CapacityUnit::TerahashPerSecond }],
        location: location("PY", "Itaipu"),
        custodian: "Hydro Hosting".into(),
        insurance: None,
        device_keys: vec![device().public_key()],
        rules: TransferRules::default(),
        coinbase_tag: None,
        green_bps: 0,
    }
}

/// Transfer rules that let only accounts with a KYC claim from [`issuer`] receive.
pub fn kyc_rules() -> TransferRules {
    TransferRules {
        requirements: vec![Requirement {
            sender: vec![],
            receiver: vec![Condition::Has { claim: ClaimType::Kyc, issuer: issuer().address }],
        }],
        ..TransferRules::default()
    }
}

// ---- steps ----

/// `issuer` creates asset `symbol` (no supply cap) and mints each `(holder, amount)` of `mints`;
/// the asset's id.
pub fn issue(
    chain: &mut TestChain,
    issuer: &TestAccount,
    symbol: &str,
    decimals: u8,
    mints: &[(Address, u128)],
) -> AssetId {
    run(chain, issuer, msgs::create(symbol, decimals, None)).expect("the asset is created");
    let asset = AssetId::derive(&issuer.address, symbol);
    for (holder, amount) in mints {
        run(chain, issuer, msgs::mint(&asset, holder, *amount)).expect("the issuer mints");
    }
    asset
}

/// The title a `registry.register` receipt names.
pub fn registered_title(receipt: &Receipt) -> TitleId {
    let event = receipt.events.iter().find(|e| e.kind == "registry.registered").expect("a registered event");
    event.attr("title").expect("the event names the title").parse().expect("a title id")
}

/// The [`operator`] registers `spec`; the new title's id.
pub fn register(chain: &mut TestChain, spec: TitleSpec) -> TitleId {
    let msg = Msg::Registry(RegistryMsg::Register { spec: Box::new(spec) });
    registered_title(&run(chain, &operator(), msg).expect("the title registers"))
}

/// The [`auditor`] verifies `title` on a report whose hash is that of `document`.
pub fn verify(chain: &mut TestChain, title: TitleId, document: &str) {
    let msg = Msg::Registry(RegistryMsg::Verify { title, document_hash: sha256(document.as_bytes()) });
    run(chain, &auditor(), msg).expect("the auditor verifies");
}

/// The [`operator`] sets `title`'s status.
pub fn set_status(chain: &mut TestChain, title: TitleId, status: TitleStatus) {
    let msg = Msg::Registry(RegistryMsg::SetStatus { title, status });
    run(chain, &operator(), msg).expect("the operator sets the status");
}

/// The [`issuer`] grants `who` a claim of `claim_type` until `expires_at_ms`.
pub fn grant(
    chain: &mut TestChain,
    who: &Address,
    claim_type: ClaimType,
    jurisdiction: Option<&str>,
    expires_at_ms: u64,
) {
    let claim = Claim { claim_type, jurisdiction: jurisdiction.map(String::from) };
    run(chain, &issuer(), Msg::Identity(IdentityMsg::GrantClaim { subject: *who, claim, expires_at_ms }))
        .expect("granted");
}

/// The [`issuer`] grants `who` a KYC claim that never expires.
pub fn kyc(chain: &mut TestChain, who: &Address) {
    grant(chain, who, ClaimType::Kyc, None, u64::MAX);
}

// ---- devices ----

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
