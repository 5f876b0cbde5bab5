//! `computefi demo`: the confirm → split → financialise spine on a running devnet, step by step:
//! register a GPU server title → verify → the device reports (simulated) telemetry → the GPU-hour
//! feed the title will be valued from has a fresh value (the dev account submits a SIMULATED one
//! if not) → the device passes a capacity challenge, which makes the title active → split into
//! 1,000 shares → the ledger values the title from the oracle feeds and publishes the shares'
//! NAV, shown with a stress line ([`valuation`]) → sell shares to a KYC'd investor → a transfer
//! to an account without KYC is refused → deposit a month of rental income net of power → the
//! investor claims pro rata. Then the market on the same title ([`circulate`]): shares traded in
//! a pool, GPU-hour capacity tokens issued, traded and redeemed for a prepaid lease, and an
//! order → bid → accept lease streamed from escrow to the title and closed. Last, credit
//! ([`credit`]): the operator borrows demo dollars against some of its shares, sized from the
//! published valuation, from a senior and a junior lender, pays an instalment, and the senior
//! lender claims what it was paid; a second loan on more of its shares goes unpaid, is
//! liquidated, its shares auctioned and the price shared out by the waterfall
//! (`credit.default` in the summary). Then the dollar ([`dollar`]): the dev account attests the
//! reserves behind CUSD and mints the investor CUSD for a SIMULATED wire, the investor deposits
//! it in a yield vault that lends to a loan against more of the operator's shares, the loan's
//! interest and the reserves' yield raise the vault's NAV, and the investor's redemption is
//! served from the queue once its window begins (`dollar` in the summary). Then green compute
//! ([`green`]): a solar park's metered generation is issued as certificates, 80 % of the GPU
//! title's metered consumption in the hour is matched by cancelling them, and a lease that asked
//! a 90 % green share has the premium of its hours below it refunded; the renter retires carbon
//! credits against the lease (`green` in the summary). Then yield passes ([`passes`]): the
//! investor and the operator lock shares for a minute's series of passes, the operator pools its
//! passes against DUSD, the outsider (no KYC for the shares) buys some and claims their part of
//! the title's next income, and the shares return at expiry (`passes` in the summary). Last,
//! governance ([`gov`]): the investor and the operator lock CFI, vote a proposal that makes a new
//! account a claim issuer and raises an auction parameter, and the demo waits for it to run
//! (`gov` in the summary).
//!
//! The spine prints the same number of steps on a fast or a slow devnet: the feed step says
//! whether the feed was fresh or the dev account fed it, and the valuation's steps say why
//! anything was not published in time ([`valuation`]), and the credit part says why it made no
//! loan (a stale valuation) in as many steps as a loan takes ([`credit`]), as does the dollar
//! part ([`dollar`]).
//!
//! With no node answering at its address the demo starts a devnet of its own ([`own_devnet`]) and
//! stops it at the end unless `--keep`; `--until PART` stops after that part.
//!
//! The devnet's dev account is its claim issuer, auditor and a feeder of every feed; the demo's
//! own accounts live in the test keyring (`demo-operator`, `demo-investor`, `demo-outsider`,
//! `demo-renter`).

mod circulate;
mod credit;
mod dollar;
mod gov;
mod green;
mod own_devnet;
mod passes;
mod session;
mod valuation;

use crate::client::{Client, NodeArg};
use crate::keys::{Keyring, KeyringBackend, PassphraseSource};
use crate::output::Format;
use anyhow::Context;
use clap::Args;
use computefi_types::compliance::{ClaimType, Condition, Requirement, TransferRules};
use computefi_types::device;
use computefi_types::title::*;
use computefi_types::*;
use serde_json::{json, Value};
use session::{attr, device_report, simulated_telemetry, Demo, CFI};
use std::path::PathBuf;

/// Options of `demo`.
#[derive(Args)]
pub struct DemoArgs {
    /// Key that funds the demo and acts as claim issuer, auditor and feeder (the devnet's dev key).
    #[arg(long, default_value = "dev")]
    from: String,
    /// The last part to run: spine, market, credit, dollar, green, passes or gov (all).
    #[arg(long, value_enum, default_value_t = DemoPart::Gov)]
    until: DemoPart,
    /// When no node answered and the demo started a devnet of its own, leave it running.
    #[arg(long)]
    keep: bool,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

/// The demo's parts, in the order they run (each needs the ones before it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum DemoPart {
    /// Title, proof, shares, KYC, income.
    Spine,
    /// Pools, capacity tokens, leases.
    Market,
    /// Loans, a default, an auction.
    Credit,
    /// The dollar unit and its yield vault.
    Dollar,
    /// Meters, certificates, a green lease, carbon credits.
    Green,
    /// Yield passes.
    Passes,
    /// Governance.
    Gov,
}

/// Polls of a challenge while waiting for the ledger to choose its rows (every 100 ms: at most
/// a minute).
const ROWS_POLLS_MAX: u32 = 600;

/// A challenge answered by the demo's device: the commitment's receipt, the rows the ledger chose
/// after it, the opening's receipt, and the device's next sequence number and last envelope hash.
struct Answered {
    committed: Value,
    rows: String,
    opened: Value,
    device: (u64, Hash),
}

/// Answers capacity challenge `id` as an honest GPU would: expand the seed, multiply, commit to
/// C, wait until the ledger chooses the rows from the hash of the block that holds the
/// commitment, then open them. The device's reports continue from `device` (next sequence
/// number, hash of its last envelope).
fn answer_challenge(demo: &Demo, title: TitleId, id: u64, device: (u64, Hash)) -> anyhow::Result<Answered> {
    use computefi_proofs::matmul;
    let record = Client::new(&demo.node).get(&format!("/challenges/{id}"))?;
    let seed: Hash = record["seed"].as_str().context("the challenge has no seed")?.parse()?;
    let n: u32 = record["n"].as_u64().context("the challenge has no size")?.try_into()?;
    let c = matmul::Challenge::new(seed.0, n)?;
    let product = matmul::multiply(n as usize, &c.matrix_a()?, &c.matrix_b()?)?;
    let commitment = Hash(matmul::commit_product(n as usize, &product)?);
    let answer = device::Payload::ChallengeAnswer(device::ChallengeAnswer { challenge: id, commitment });
    let (sequence, prev) = device;
    let (committed, hash) = device_report(demo, title, sequence, prev, answer)?;
    let rows = chosen_rows(demo, id)?;
    let mut opened = Vec::new();
    for index in &rows {
        let o = matmul::open_row(n as usize, &product, *index as usize)?;
        opened.push(device::OpenedRow {
            index: o.index,
            row: o.row,
            path: o.path.into_iter().map(Hash).collect(),
        });
    }
    let opening = device::Payload::ChallengeOpening(device::ChallengeOpening { challenge: id, rows: opened });
    let (result, last) = device_report(demo, title, sequence + 1, hash, opening)?;
    let rows = rows.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    Ok(Answered { committed, rows, opened: result, device: (sequence + 2, last) })
}

/// The rows the ledger chose for challenge `id`, once it has (the end of the block after the
/// commitment).
fn chosen_rows(demo: &Demo, id: u64) -> anyhow::Result<Vec<u32>> {
    for _ in 0..ROWS_POLLS_MAX {
        let record = Client::new(&demo.node).get(&format!("/challenges/{id}"))?;
        if let Some(rows) = record["state"]["rows_chosen"]["rows"].as_array() {
            return rows
                .iter()
                .map(|r| r.as_u64().and_then(|r| u32::try_from(r).ok()).context("a row index"))
                .collect();
        }
        anyhow::ensure!(
            record["state"].get("failed").is_none(),
            "challenge {id} failed before its rows were chosen: {}",
            record["state"]
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    anyhow::bail!("the ledger chose no rows for challenge {id} within a minute")
}

fn gpu_server(tag: &str, issuer: Address, device_key: PublicKey) -> TitleSpec {
    let serials: Vec<String> = (1..=8).map(|i| format!("GPU-{tag}-{i}")).collect();
    TitleSpec {
        class: TitleClass::GpuServer,
        make: "Supermicro".into(),
        model: "SYS-821GE-TNHR, 8x NVIDIA H100 SXM 80GB".into(),
        count: serials.len() as u32,
        serials,
        capacity: vec![
            CapacityItem { milli: 8_000, unit: CapacityUnit::Gpu },
            CapacityItem { milli: 10_200, unit: CapacityUnit::Kilowatt },
        ],
        location: Location {
            country: "DE".into(),
            site: "Frankfurt, FRA-2 hall 3".into(),
            zone: "DE".into(),
            pue_micro: None,
        },
        custodian: "Demo Colocation GmbH".into(),
        insurance: Some(Insurance {
            insurer: "Demo Insurance AG".into(),
            cover: Amount(300_000 * CFI),
            expires_at_ms: u64::MAX,
        }),
        device_keys: vec![device_key],
        rules: TransferRules {
            requirements: vec![Requirement {
                sender: vec![],
                receiver: vec![Condition::Has { claim: ClaimType::Kyc, issuer }],
            }],
            ..TransferRules::default()
        },
        coinbase_tag: None,
        green_bps: 0,
        commissioned_ms: None,
    }
}

/// Runs the demo against the node; when none answers, against a devnet of its own, stopped at the
/// end unless `--keep`.
pub fn run(home: &Option<PathBuf>, args: DemoArgs, format: Format) -> anyhow::Result<()> {
    if Client::new(&args.node.node).get("/status").is_ok() {
        return walk(home, &args, format, Value::Null);
    }
    let dir = crate::home::home_dir(home)?;
    let own = own_devnet::start(&args.node.node, &dir)?;
    eprintln!(
        "No node answered at {}: the demo started a devnet of its own (home {}, log {}); it stops at the end{}.",
        args.node.node,
        dir.display(),
        own.ready["log"].as_str().unwrap_or("in the home"),
        if args.keep { " unless --keep (given: it keeps running)" } else { " (--keep leaves it running)" }
    );
    let mut started = json!({ "started": true, "home": dir.display().to_string(), "api": own.ready["api"] });
    if args.keep {
        let pid = own.keep();
        started["kept_pid"] = json!(pid);
        eprintln!("The devnet keeps running as process {pid}: stop it with `kill {pid}`.");
    }
    // Dropping `own` (at the end, or on an error) stops the devnet.
    walk(home, &args, format, started)
}

/// The demo's steps, part by part up to `--until`; `devnet` says whether it started its own.
fn walk(home: &Option<PathBuf>, args: &DemoArgs, format: Format, devnet: Value) -> anyhow::Result<()> {
    let keyring = Keyring::open(&crate::home::home_dir(home)?, KeyringBackend::Test, PassphraseSource::Env)?;
    let mut demo = Demo { keyring, node: args.node.node.clone(), format, steps: Vec::new(), numbered: 0 };
    let dev = demo.keyring.show(&args.from).with_context(|| {
        format!(
            "the demo signs with the test-keyring key {:?}; start a devnet with `computefi devnet` first",
            args.from
        )
    })?;
    let (operator, investor, outsider) =
        (demo.key("demo-operator")?, demo.key("demo-investor")?, demo.key("demo-outsider")?);
    let native = AssetId::native();

    let fund = |to: Address, cfi: u128| Output { to, asset: native, amount: Amount(cfi * CFI) };
    let r = demo.send(
        &args.from,
        vec![Msg::Bank(BankMsg::MultiSend {
            outputs: vec![fund(operator, 20_000), fund(investor, 5_000), fund(outsider, 100)],
        })],
    )?;
    demo.step(format!("funded operator {operator}, investor {investor} and outsider {outsider}"), &r);

    let mut tag = [0u8; 4];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut tag);
    demo.key("demo-device")?;
    let device_key = PublicKey::from_signing_key(&demo.keyring.signing_key("demo-device")?);
    let spec = gpu_server(&hex::encode(tag), dev.address, device_key);
    let model = spec.model.clone();
    let r =
        demo.send("demo-operator", vec![Msg::Registry(RegistryMsg::Register { spec: Box::new(spec) })])?;
    let title: TitleId = attr(&r, "registry.registered", "title")?.parse()?;
    demo.step(format!("operator registered GPU server title {title} (8x H100, Frankfurt)"), &r);

    let document_hash =
        sha256(b"Demo audit report: 8 GPUs inspected, serials match, power and network checked.");
    let r =
        demo.send(&args.from, vec![Msg::Registry(RegistryMsg::Verify { title, document_hash })]).context(
            "verification needs an approved auditor: the demo expects a devnet made by `computefi devnet`",
        )?;
    demo.step(format!("auditor verified the title (audit document sha256 {document_hash})"), &r);

    let (r, first) = device_report(&demo, title, 1, Hash::ZERO, simulated_telemetry())?;
    demo.step("the server's device key reported telemetry (SIMULATED: this demo has no GPU)".into(), &r);
    valuation::ensure_gpu_feed(&mut demo, &args.from, &model)?;

    let challenge = demo.send("demo-investor", vec![Msg::Device(DeviceMsg::RequestChallenge { title })])?;
    let n = attr(&challenge, "device.challenge", "n")?;
    demo.step(
        format!(
            "the investor challenged the title: multiply two {n}x{n} int8 matrices seeded by a block hash"
        ),
        &challenge,
    );
    let id: u64 = attr(&challenge, "device.challenge", "challenge")?.parse()?;
    let answered = answer_challenge(&demo, title, id, (2, first))?;
    demo.step(
        format!(
            "the device committed to C = A*B; in the next block the ledger chose rows {} from that block's hash",
            answered.rows
        ),
        &answered.committed,
    );
    let r = answered.opened;
    let status = attr(&r, "device.challenge_passed", "status").context("the challenge did not pass")?;
    demo.step(
        format!(
            "the opened rows checked out exactly: the title is {status} on proof, not on the operator's word"
        ),
        &r,
    );

    let split = SharesMsg::Fractionalise {
        titles: vec![title],
        shares: Amount(1_000),
        symbol: "H100FRA".into(),
        name: "H100 Frankfurt rack shares".into(),
    };
    let r = demo.send("demo-operator", vec![Msg::Shares(split)])?;
    let shares: AssetId = attr(&r, "shares.fractionalised", "asset")?.parse()?;
    demo.step(format!("operator split it into 1,000 shares {shares} (holders need KYC)"), &r);
    let valued = valuation::run(&mut demo, title, shares)?;

    let claim = compliance::Claim { claim_type: ClaimType::Kyc, jurisdiction: None };
    let grant = IdentityMsg::GrantClaim { subject: investor, claim, expires_at_ms: u64::MAX };
    let r = demo
        .send(&args.from, vec![Msg::Identity(grant)])
        .context("granting KYC needs a claim issuer: the demo expects a devnet made by `computefi devnet`")?;
    demo.step("claim issuer granted the investor a KYC claim".into(), &r);

    let r = demo.send(
        "demo-investor",
        vec![Msg::Bank(BankMsg::Send { to: operator, asset: native, amount: Amount(2_500 * CFI) })],
    )?;
    demo.step("investor paid the operator 2,500 CFI for 250 shares".into(), &r);
    let r = demo.send(
        "demo-operator",
        vec![Msg::Bank(BankMsg::Send { to: investor, asset: shares, amount: Amount(250) })],
    )?;
    demo.step("operator delivered 250 shares to the investor".into(), &r);

    let refused = demo.send(
        "demo-operator",
        vec![Msg::Bank(BankMsg::Send { to: outsider, asset: shares, amount: Amount(10) })],
    );
    let Err(why) = refused else {
        anyhow::bail!("a transfer of shares to an account without KYC went through; the rules failed")
    };
    demo.step(
        format!("a transfer of 10 shares to the outsider (no KYC) was refused: {why}"),
        &json!({ "refused": why.to_string() }),
    );

    let income = RevenueMsg::Deposit {
        target: RevenueTarget::Title(title),
        asset: native,
        gross: Amount(10_000 * CFI),
        costs: OperatingCosts { power: Amount(2_000 * CFI), ..OperatingCosts::default() },
        period: "one month of H100 rental".into(),
    };
    let r = demo.send("demo-operator", vec![Msg::Revenue(income)])?;
    demo.step(
        "operator deposited a month of rental income: 10,000 CFI gross - 2,000 CFI power = 8,000 CFI net"
            .into(),
        &r,
    );

    let r = demo.send("demo-investor", vec![Msg::Revenue(RevenueMsg::Claim { shares, asset: native })])?;
    let paid: u128 = attr(&r, "revenue.claimed", "amount")?.parse()?;
    demo.step(format!("investor claimed {} CFI: 250/1,000 of the 8,000 CFI net", paid / CFI), &r);

    let spine_steps = std::mem::take(&mut demo.steps);
    demo.numbered = spine_steps.len();
    let spine = circulate::Spine {
        dev_key: args.from.clone(),
        issuer: dev.address,
        title,
        model,
        shares,
        operator,
        investor,
        device: answered.device,
    };
    // Each part runs when `--until` reaches it; a part not run is null in the summary.
    let mut parts = serde_json::Map::new();
    let order = [
        DemoPart::Market,
        DemoPart::Credit,
        DemoPart::Dollar,
        DemoPart::Green,
        DemoPart::Passes,
        DemoPart::Gov,
    ];
    for part in order.into_iter().filter(|p| *p <= args.until) {
        let (name, value) = match part {
            DemoPart::Market => ("market", circulate::run(&mut demo, &spine)?),
            DemoPart::Credit => ("credit", credit::run(&mut demo, &spine)?),
            DemoPart::Dollar => ("dollar", dollar::run(&mut demo, &spine)?),
            DemoPart::Green => ("green", green::run(&mut demo, &spine)?),
            DemoPart::Passes => ("passes", passes::run(&mut demo, &spine)?),
            DemoPart::Gov => ("gov", gov::run(&mut demo, &args.from)?),
            DemoPart::Spine => continue,
        };
        parts.insert(name.to_string(), value);
        demo.numbered += demo.steps.len();
        demo.steps.clear();
    }
    let part = |name: &str| parts.get(name).cloned().unwrap_or(Value::Null);

    if format == Format::Json {
        let summary = json!({ "title": title, "shares": shares, "claimed": paid.to_string(),
            "valuation": valued, "steps": spine_steps, "market": part("market"), "credit": part("credit"),
            "dollar": part("dollar"), "green": part("green"), "passes": part("passes"), "gov": part("gov"),
            "devnet": devnet });
        println!("{}", serde_json::to_string_pretty(&summary)?);
    }
    Ok(())
}
