//! The fixtures every ledger test, the simulation and the end-to-end tests share: the standard
//! accounts and their roles, title specs, the register/verify/KYC steps a test takes to get a
//! title or an eligible investor, and the device side (the test device key, signed report
//! envelopes, telemetry (real or simulated), real Bitcoin block headers to use as mining shares, and a
//! device's answer to a capacity challenge).
//!
//! A test that needs another title adjusts a builder's spec with struct-update syntax
//! (`TitleSpec { green_bps: 9_000, ..gpu_title(model, &serials) }`), so what differs from the
//! usual title is what the test is about.

use crate::{auditor, issuer, msgs, run, TestAccount, TestChain};
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
    Location { country: country.into(), site: site.into(), zone: String::new(), pue_micro: None }
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
        commissioned_ms: None,
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
        commissioned_ms: None,
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

/// The [`operator`] declares `title`'s status: only `Maintenance` is accepted (every other
/// status comes from evidence: [`pass_challenge`], [`activate_asic`]).
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

/// Telemetry that sees `gpus` GPUs, as an agent reading real hardware through NVML sends it (test
/// chains keep the default parameters, which refuse simulated devices).
pub fn telemetry(gpus: u32) -> Payload {
    Payload::Telemetry(Telemetry {
        gpus_seen: gpus,
        utilisation_bps: 9_500,
        energy_mj: 3_600_000,
        temperature_c: 64,
        xid_errors: 0,
        simulated: false,
    })
}

/// [`telemetry`] from a simulated device (`simulated: true`), which counts only on a chain whose
/// genesis allows simulated devices.
pub fn simulated_telemetry(gpus: u32) -> Payload {
    let Payload::Telemetry(t) = telemetry(gpus) else { unreachable!("telemetry() makes telemetry") };
    Payload::Telemetry(Telemetry { simulated: true, ..t })
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

/// Rows `rows` of the commitment to `c`, each with its Merkle path (rows that do not open are
/// left out).
pub fn opened_rows(rows: &[u32], c: &[i32], n: u32) -> Vec<OpenedRow> {
    rows.iter()
        .filter_map(|i| matmul::open_row(n as usize, c, *i as usize).ok())
        .map(|o| OpenedRow { index: o.index, row: o.row, path: o.path.into_iter().map(Hash).collect() })
        .collect()
}

// ---- hashrate evidence ----

/// Real, consecutive mainnet headers of blocks 822,528 to 822,558 (22–23 December 2023, network
/// difficulty about 7.2·10^13, so each meets any share difficulty up to that): each builds on the
/// one before and hashes below its own `bits`. Used as recent shares and tips: a test that
/// needs fresh shares reports the earlier ones as `btc_tip`s.
pub const MAINNET_822528: [&str; 31] = [
    "00e0ff3f82f7aacf60fac3873b0beade61d0701639090ae5f47800000000000000000000acbc1b3381c671b2b7753bb2252d3ebd6900486ec8153ceb10e954a86e3f9e1468788665b3e80317f5171649",
    "0060e0253ae9974ddddbf9a518560823a99bc640cbf923cdaa1d0000000000000000000010b02cb2a00a5e1ace0bf5dd115fa44fb9d92f126f9567c41f5da91a8cca0d0c657a8665b3e8031781781507",
    "0000002cea1ce261e182d4569a062d8907b9eff8d3fabd5b371c00000000000000000000fe684bad1f19cfbc9c21e0b08726599c507d2bea652e82a464f0304daba01f86e67b8665b3e8031755e9ba82",
    "0040f92d72066085e4c705170b1998d418b1c442b105070635c3030000000000000000005e3a8e93d6fb8f9191328ea0798a002261dbbdb162e4e42c6b4e7517801fe434f77b8665b3e803176380152c",
    "00e0d8285fcbae254e28c51b3747af6451f70155bd43e074aa3e0300000000000000000003ad22cad850ca3186cc9be428b483790acda5748783c966da3ede658cdbbeda48808665b3e80317719c4e96",
    "00400020153a9a23ef1a7a4363b78ba08056befe253461af4d0a00000000000000000000c05ffe24810ab53e44863945ba2fd28cbdd1e00c30e242925025a85397fb99c4d0818665b3e8031754958631",
    "002001208516cb6a8539f27baade38af1a0ff771fc8986640c4f01000000000000000000a9b36dde3cfef0924e72b078ba157676814624d4e6ce8f3c81b40facfa0a810914828665b3e80317ce00b195",
    "00a04623e0001175ae7b16d8013a139f7906874120a734564d71000000000000000000001a4b675d1e706c773ecb49e25bcf3f2f60e204ccc26375652391bd9009f62a0b16838665b3e8031784540758",
    "0020c72de37f3b18435d802dcf8135195eab5752d6a0db90ceea0100000000000000000016d8840ccb956d2391c92188841dee490aaf4964872c1ab0c44e7f55a6af5baf7b878665b3e803174c1f02c0",
    "00e00120e1339a21ce68356aa0a583da5c3c3ff312efca288d0100000000000000000000b42fca506ca25ba9ded64ae06e182960f451a21d3fa97954261fabc0851e2404a9878665b3e80317142a9149",
    "0000dd29b6c2c0d537c43692d0532fb42d29073c0771d3230b5001000000000000000000fb0e1be5029157cc4437b91ab57c0d09b8a2d3e2fad07774b6439576fcd9bac551898665b3e80317c6d13000",
    "00c0f421dc485dc41f050b96481c7b499a08ed236bcd87ed6e7101000000000000000000343c0827943f34634b8abd09007afacfcbe62c4e484c43fe323eb39589355aa6f98c8665b3e8031734400369",
    "00e0002044f31bcb5d9deb44dffcd0a4af879cb53191e1b7d69f01000000000000000000a1f76467d7b982d6ce31a34a4025753442f849b0b58c5962081f17da58d59e48b3928665b3e8031736b717ae",
    "00800c2076f0ab04e90f66e4ddba8a35f2af1503e839c3fb20b20300000000000000000025b6cdf80ba74ba20cd1be54f8ed626c333200b39fd5c5b34aa7aaeb2abfab7984948665b3e8031710b40738",
    "0080dd2f23f9667feacb61b0019f2a8bca1218d17b1621d08628030000000000000000009e8e14fc4a1b978c71f63bc8c771ac6293ee6cbf4b5ebba278492db325feca468d948665b3e8031710995f5b",
    "0020332cddb8a3a9ffa0df8e1042c512c09b6453722e069eed220200000000000000000086b056b65642117644759d461f6b0712b1bc3badcbefe41fd1f89957c53eedf61c968665b3e8031751207396",
    "0000742ac22db479f5a01d5247e9e487c072af00be3c87f296e101000000000000000000321611b10172611f73ad734f0de1575c89d961d60e4fc9b35918fd0c5a9d0e98ae968665b3e803172b265b17",
    "00000020958a1989698b7634bc613b53b29c0d40084df6798c7e010000000000000000001e68aaee9aaaa119d1458524b8dcd8dd46d5ed2b2bf23d38fe01da5be53fdc05a39b8665b3e80317ed43be5c",
    "00000020636308898eb0105c3552606019902655033bd592ab020100000000000000000024d44dce7c68b6a51fe9805984e25398ea67084fe8aa57fe9ee95a28b78b04ef0da08665b3e803175d108fca",
    "00a030338b4ce3a14b4a73cd03aeb205fced666b28e0edf2d0400100000000000000000074902a94152d56f3ddf023bb661a49c8f50ad56f6e1af1cc20054ed9d0ea316d4ea18665b3e8031736dc6406",
    "00600120d166a18b13e8f0dd09f43aa51ca6b84035d41eda739d03000000000000000000e953b52cad9984963d3d436686c7a3ad94f34d507427d8948cb40054e0bf0bc3faa38665b3e8031708138043",
    "0000c02017552ce75cef8aa22fc9f82ee697e61d5533c2d49ae3020000000000000000008d8e38ecbc31413670e9b8873ecf1f8b7f56293b65f2ef1ab82e9c933e1effa833a68665b3e803176a5cf139",
    "00808a2f66fa836fe6c9b8eae5e674f1139e5e43ddaf3906c55402000000000000000000586bd3163d208ffe09f0beb9b2eea1362187ebb8f4d2acc6e43792c2fd1517a2b6a68665b3e803172c5c0fe7",
    "0060002045c76efd2723477774dd832eddc68f4cdc9d8d77bbc503000000000000000000306bb3f9527f1dad4422c63a25f193ca71b271a54fe66ec0d6c8c208cacbc8ac66b08665b3e80317c5192aa6",
    "0000c020ce7856f57b3688cb28a0cad02521ecbe32107c688d79020000000000000000009f4addfaf8dc751495f7a125606d65b3afc7ec7769e277b3f053acda84f9f0a080b28665b3e803178e2e285c",
    "0020e121758e607a9083de44f81ea28dd417f3df0f04d5e2225a020000000000000000002404cfd6edbedb9bedf5e4df9b66e7c650546ff9b2e09cd67c3e45d25554831201b58665b3e8031721529c47",
    "00e04d2ae7c24d7f2ae71770bee110c6441ed610863061e11e3d0100000000000000000063662286231cf20e0dc7d28f43da0cf5ec701403b20204a3a23a94be1101bcb654b58665b3e803171c2255f8",
    "000078329900419bcaef2e8bb8935512fa8e150130b4bc0d08da010000000000000000002e14e6a90fc3f712675e19d5175943c6b0ee6eae2337384b112422387be3ded408b98665b3e803171fde01ef",
    "00c001208db611ad39943750f686fc525e145e83174ab857b37601000000000000000000df0fae29b97c5e6caa2e4a091f8e3cff7e0efe48e4121d8318c7d10dcfd6b1731eba8665b3e80317093117b5",
    "00401a20949673bec08bf739dbcfa16d9ae81fec63596e236206010000000000000000009425bdc8eb61de578290f850aaa0698ad7a3a19fb2aae35ec3dd98b8ac8bf33a2abb8665b3e803172270083c",
    "0040ec23ec979c22e602822465af09bec4754540bb21c6c6085f00000000000000000000b4c7f6f37622bd1c620393b4eb3b9219043f45a3e5142e089395737791d74d4fe2bb8665b3e80317372d78be",
];

/// Bitcoin height of `MAINNET_822528[0]`.
pub const MAINNET_822528_HEIGHT: u64 = 822_528;

/// Shares per window that [`activate_asic`] sends.
pub const ACTIVATION_SHARES: usize = 6;

/// The `btc_tip` feed, fed by the [`operator`] alone (quorum 1, one hour maximum age).
pub fn tip_feed() -> computefi_app::modules::oracle::FeedConfig {
    computefi_app::modules::oracle::FeedConfig {
        name: "btc_tip".into(),
        decimals: 0,
        feeders: vec![operator().address],
        quorum: 1,
        max_age_ms: 3_600_000,
    }
}

/// Genesis tweak of a chain whose ASIC tests take their tips from the [`operator`] (shares need a
/// fresh `btc_tip`: the default parameters do not allow archival headers).
pub fn with_tip_feed(genesis: &mut computefi_app::Genesis) {
    genesis.oracle_feeds.push(tip_feed());
}

/// The `oracle.submit_tip_header` message for one of the fixture headers at Bitcoin `height`.
pub fn tip(height: u64, header_hex: &str) -> Msg {
    Msg::Oracle(computefi_types::OracleMsg::SubmitTipHeader { height, header: header(header_hex).to_vec() })
}

/// The next sequence number and previous hash of [`device`]'s reports for `title`.
pub fn next_report(chain: &TestChain, title: TitleId) -> (u64, Hash) {
    match chain.app().last_report(&title, &device().public_key()).expect("the test store reads") {
        Some(last) => (last.sequence + 1, last.hash),
        None => (1, Hash::ZERO),
    }
}

/// The share difficulty at which `count` shares over `window_s` seconds estimate `claimed_hs` ×
/// `count − 1` (the first share marks the window's start): `claimed · T / 2^32`, at least 1.
pub fn difficulty_for(claimed_hs: u128, window_s: u64) -> u64 {
    u64::try_from(claimed_hs * u128::from(window_s) / (1u128 << 32)).unwrap_or(u64::MAX).max(1)
}

/// The share difficulty at which `headers` (real ones, hex) estimate the ASIC `title`'s claim
/// times their count less one, over the span of their header times ([`difficulty_for`]).
pub fn claim_difficulty(title: &computefi_app::modules::registry::Title, headers: &[&str]) -> u64 {
    let times: Vec<u64> = headers
        .iter()
        .map(|h| u64::from(computefi_proofs::pow::Header::from_hex(h).expect("a real header").time()))
        .collect();
    let span_s = times.iter().max().copied().unwrap_or(0) - times.iter().min().copied().unwrap_or(0);
    let claimed_hs = computefi_app::modules::device::hashrate::claimed_hs(title).unwrap_or(0);
    difficulty_for(claimed_hs, span_s.max(1))
}

/// Makes the ASIC `title` (verified, degraded, offline or in maintenance) active by a real share
/// window: window `set` (0 to 4) of [`MAINNET_822528`], six consecutive headers found 29 to 73
/// minutes apart, sent by [`device`] in one batch at a difficulty that puts the window's 95 %
/// lower bound above the title's claim. Where the chain does not allow archival headers, the
/// [`operator`] (a feeder of [`tip_feed`]) first reports the blocks they build on as tips. Each
/// header counts once on a chain, so each set serves one window per chain. Returns the receipt of
/// the shares.
pub fn prove_hashrate(chain: &mut TestChain, title: TitleId, set: usize) -> Receipt {
    let first = 1 + set * ACTIVATION_SHARES;
    let headers = &MAINNET_822528[first..first + ACTIVATION_SHARES];
    if !chain.app().params().allow_archival_headers {
        for (i, h) in MAINNET_822528[first - 1..first - 1 + ACTIVATION_SHARES].iter().enumerate() {
            let height = MAINNET_822528_HEIGHT + (first - 1 + i) as u64;
            run(chain, &operator(), tip(height, h)).expect("the operator feeds btc_tip on this chain");
        }
    }
    let record = chain.app().title(&title).expect("reads").expect("the title exists");
    let difficulty = claim_difficulty(&record, headers);
    let (sequence, prev) = next_report(chain, title);
    let env = envelope(chain, title, sequence, prev, shares(headers, difficulty));
    run(chain, &operator(), report(env)).expect("a real share window is accepted")
}

/// [`prove_hashrate`] with the first set of headers; checks the title became active.
pub fn activate_asic(chain: &mut TestChain, title: TitleId) -> Receipt {
    let receipt = prove_hashrate(chain, title, 0);
    let status = chain.app().title(&title).expect("reads").expect("exists").status;
    assert_eq!(status, TitleStatus::Active, "a window reaching the claim makes the title active");
    receipt
}

/// The open capacity challenge of `title` (panics when it has none).
pub fn open_challenge_of(
    chain: &TestChain,
    title: TitleId,
) -> computefi_app::modules::device::challenge::ChallengeRecord {
    chain
        .app()
        .open_challenge(&title)
        .expect("the test store reads")
        .expect("the title has an open challenge")
}

/// [`device`]'s commitment to `c` for challenge `id` of `title`, as the next report.
pub fn commit_challenge(
    chain: &mut TestChain,
    title: TitleId,
    id: u64,
    c: &[i32],
    n: u32,
) -> Result<Receipt, computefi_types::TxError> {
    let commitment = Hash(matmul::commit_product(n as usize, c).expect("C fits its size"));
    let (sequence, prev) = next_report(chain, title);
    let answer =
        Payload::ChallengeAnswer(computefi_types::device::ChallengeAnswer { challenge: id, commitment });
    run(chain, &operator(), report(envelope(chain, title, sequence, prev, answer)))
}

/// [`device`]'s opening of rows `rows` of `c` for challenge `id` of `title`, as the next report.
pub fn open_challenge_rows(
    chain: &mut TestChain,
    title: TitleId,
    id: u64,
    rows: &[u32],
    c: &[i32],
    n: u32,
) -> Result<Receipt, computefi_types::TxError> {
    let rows = opened_rows(rows, c, n);
    let (sequence, prev) = next_report(chain, title);
    let opening =
        Payload::ChallengeOpening(computefi_types::device::ChallengeOpening { challenge: id, rows });
    run(chain, &operator(), report(envelope(chain, title, sequence, prev, opening)))
}

/// The rows the ledger chose for challenge `id`, once chosen.
pub fn chosen_rows(chain: &TestChain, id: u64) -> Option<Vec<u32>> {
    use computefi_app::modules::device::challenge::ChallengeState;
    match chain.app().challenge(id).expect("the test store reads")?.state {
        ChallengeState::RowsChosen { rows, .. } => Some(rows),
        _ => None,
    }
}

/// Runs a capacity challenge of GPU title `title` to a pass, as an honest device does: asks for
/// one (as [`carol`]) unless the title already has one open, commits to the true product C = A·B
/// through [`device`], waits the block the ledger takes to choose the rows and opens them. The
/// title becomes active by this evidence (unless its model needs a fresh attestation). Returns
/// the opening's receipt, whose events say `device.challenge_passed`.
pub fn pass_challenge(chain: &mut TestChain, title: TitleId) -> Receipt {
    if chain.app().open_challenge(&title).expect("the test store reads").is_none() {
        run(chain, &carol(), Msg::Device(DeviceMsg::RequestChallenge { title }))
            .expect("the title can be challenged");
    }
    let record = open_challenge_of(chain, title);
    let c = challenge_product(&record.seed, record.n).expect("the challenge size is valid");
    if record.state == computefi_app::modules::device::challenge::ChallengeState::Open {
        commit_challenge(chain, title, record.id, &c, record.n).expect("the commitment is accepted");
    }
    let rows = match chosen_rows(chain, record.id) {
        Some(rows) => rows,
        None => {
            chain.produce(vec![]);
            chosen_rows(chain, record.id).expect("the rows are chosen one block after the commitment")
        }
    };
    let receipt =
        open_challenge_rows(chain, title, record.id, &rows, &c, record.n).expect("the opening is accepted");
    assert!(
        receipt.events.iter().any(|e| e.kind == "device.challenge_passed"),
        "the challenge passes: {:?}",
        receipt.events
    );
    receipt
}
