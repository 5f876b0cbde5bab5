//! Whole-ledger simulation (after Cosmos SDK's simulation and TigerBeetle's VOPR): random
//! operations of every module from random accounts, valid and hostile, driven through the real
//! app and store block by block with [`TestChain`], and the ledger's invariants checked after
//! every block. A seed fixes every choice, so `run(seed, blocks)` replays exactly.
//!
//! What it generates (`msgs.rs`, `gen.rs`): every message of every module, naming what exists
//! (assets, titles, vaults, pools, orders, leases, contracts, capacity tokens, challenges) and
//! usually signed by the account allowed to send it, otherwise by anyone; amounts around the
//! balance or reserve they draw on, zero, one too many and at the edges of `u128` (pools with
//! reserves near 2^127 included); device reports chained or replayed, gapped, stale, signed by
//! the wrong key, and answers to capacity challenges right and wrong; transactions with another
//! key's signature, reused and future nonces, too low or unpayable fees, another chain id, no
//! messages or too many, duplicated and out of nonce order; block time jumps of up to a day.
//!
//! # Invariants (checked after every block, in this order)
//! - [`Invariant::Admission`]: the admission check (`App::dry_run`) the generator runs on the
//!   first transaction of each account never panics.
//! - [`Invariant::BlockBuilt`]: `execute_block` never fails and never panics for any mix of
//!   transactions, its block verifies and commits, and the height advances by one.
//! - [`Invariant::RefusalChangesNothing`]: the block re-executed with only its included
//!   transactions (as a validator does) gives the same block and root, so a refused
//!   transaction changed nothing.
//! - [`Invariant::NoContainedBug`]: no transaction is refused as `invariant_broken` and no
//!   end-of-block work is refused — the ledger's own net under a bug caught nothing.
//! - [`Invariant::Supply`]: every asset's supply equals the sum of its holders' balances, and
//!   its holder count the holders listed.
//! - [`Invariant::Escrow`]: the lease and delivery module accounts hold at least what open
//!   orders, leases and contracts still owe, and each of them conserves its deposit; the loans
//!   account holds funded tranches, unclaimed repayments, pledged shares and unclaimed shares of
//!   unsold collateral, and the titles of live loans carry its lien; the auctions account holds
//!   the highest bids and the lots of open auctions, and a liquidated loan's auction is settled.
//! - [`Invariant::Income`]: no income pool promises (claimed + claimable) more than its net
//!   deposits, and the revenue account holds what is deposited and unclaimed.
//! - [`Invariant::Reservations`]: a title's reservations never exceed its verified capacity.
//! - [`Invariant::PoolReserves`]: pool reserves equal the pool account's balances (less gifts
//!   sent to it directly).
//! - [`Invariant::Valuation`]: every valuation can be recomputed from its recorded inputs, its
//!   value for lending is at most its model value and appraisal, and every NAV per share is its
//!   net value over the supply.
//!
//! # Bounds
//! [`ACCOUNTS`] accounts, [`TXS_PER_BLOCK_MAX`] transactions per block, at most
//! [`BLOCKS_MAX`] blocks per run.
//!
//! # Replay
//! A failure names its seed, block and invariant and prints
//! `cargo run --bin computefi -- sim --seed S --blocks M`, which replays it exactly.

mod block;
pub mod check;
mod gen;
mod msgs;
mod world;

use crate::{ProduceError, TestAccount, TestChain};
use computefi_app::modules::oracle::FeedConfig;
use computefi_app::Genesis;
use computefi_types::{
    Address, Amount, AssetId, BankMsg, ComplianceMsg, Hash, Msg, Receipt, ReserveMsg, SignedTx,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use world::World;

pub use block::{MSGS_PER_TX_MAX, TXS_PER_BLOCK_MAX};

/// Funded accounts the simulation signs for (besides the claim issuer, the auditor and one
/// unfunded account).
pub const ACCOUNTS: usize = 6;
/// Most blocks of one run.
pub const BLOCKS_MAX: u32 = 100_000;
/// CFI each account holds at genesis (2^100: the sum of all of them still fits `u128`).
pub const GENESIS_CFI: u128 = 1 << 100;

/// An invariant of the ledger, in the order they are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Invariant {
    /// Checking a transaction for admission (`App::dry_run`, as the mempool does) gives a
    /// verdict and never panics.
    Admission,
    /// Blocks are always built, verified and committed; the height advances by one.
    BlockBuilt,
    /// A refused transaction changes nothing.
    RefusalChangesNothing,
    /// The ledger's net under bugs (refusal `invariant_broken`, refused end-of-block work)
    /// caught nothing.
    NoContainedBug,
    /// Supply equals the sum of holders' balances.
    Supply,
    /// Escrow accounts hold what open leases and contracts owe.
    Escrow,
    /// Income pools never promise more than was deposited.
    Income,
    /// Reservations never exceed a title's verified capacity.
    Reservations,
    /// Pool reserves equal the pool account's balances.
    PoolReserves,
    /// Valuations are recomputable and NAVs add up.
    Valuation,
}

/// A broken invariant, with what is needed to replay it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimFailure {
    /// The run's seed.
    pub seed: u64,
    /// The block of the run (from 1) after which the invariant was broken.
    pub block: u32,
    /// The chain height then.
    pub height: u64,
    /// Which invariant.
    pub invariant: Invariant,
    /// What was found, with the values involved.
    pub detail: String,
    /// The transactions of that block, one line each, with what became of them.
    pub block_txs: Vec<String>,
}

impl SimFailure {
    /// The command that replays this failure.
    pub fn replay(&self) -> String {
        format!("cargo run --bin computefi -- sim --seed {} --blocks {}", self.seed, self.block)
    }
}

impl std::fmt::Display for SimFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "seed {} block {} (height {}): invariant {:?} broken: {}\nreplay: {}",
            self.seed,
            self.block,
            self.height,
            self.invariant,
            self.detail,
            self.replay()
        )?;
        for line in &self.block_txs {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SimFailure {}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimReport {
    /// The seed.
    pub seed: u64,
    /// Blocks run.
    pub blocks: u32,
    /// Final height.
    pub height: u64,
    /// State root after the last block (the same for the same seed and blocks, always).
    pub app_hash: Hash,
    /// Transactions included in blocks.
    pub included: u64,
    /// Transactions refused.
    pub refused: u64,
    /// Included messages by module and kind (`bank.Send`).
    pub messages: BTreeMap<String, u64>,
    /// Refusals by error name.
    pub refusals: BTreeMap<String, u64>,
    /// Events by kind, transactions' and blocks' together.
    pub events: BTreeMap<String, u64>,
    /// The largest reserve any pool held after any block.
    pub largest_reserve: u128,
}

/// Runs `blocks` blocks (at most [`BLOCKS_MAX`]) of seed `seed`, checking every invariant after
/// each block.
pub fn run(seed: u64, blocks: u32) -> Result<SimReport, SimFailure> {
    run_keeping_chain(seed, blocks).map(|(report, _)| report)
}

/// [`run`] that also hands back the chain the run left (its store still on disk), so a
/// measurement can run over a ledger in which every module holds state. The accounts the run
/// signed for are `TestAccount::named("sim-0")` to `"sim-5"`.
pub fn run_keeping_chain(seed: u64, blocks: u32) -> Result<(SimReport, TestChain), SimFailure> {
    let mut sim = Sim::new(seed)?;
    for block in 1..=blocks.min(BLOCKS_MAX) {
        sim.step(block)?;
    }
    Ok((sim.report, sim.chain))
}

fn account_names() -> Vec<String> {
    (0..ACCOUNTS).map(|i| format!("sim-{i}")).collect()
}

/// The simulation's genesis: the funded accounts, small capacity challenges with short
/// deadlines, the ledger's own challenges, short hashrate windows, one-minute valuation epochs,
/// the market feeds (BTC price, GPU-hour rate, difficulty, fees: quorum 1, ten minutes old at
/// most) and the `btc_tip` feed fed by the first three accounts. Odd seeds take old and archival headers as
/// shares (no tip needed, as on a test chain); even seeds count only shares on the tips the
/// feeders report.
pub fn genesis(seed: u64) -> Genesis {
    let names = account_names();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut genesis = TestChain::genesis(&refs);
    for b in &mut genesis.balances {
        b.amount = Amount(GENESIS_CFI); // enough that spending most of it leaves fees
    }
    genesis.params.challenge_n = 16;
    genesis.params.challenge_answer_blocks = 3;
    genesis.params.challenge_open_blocks = 3;
    genesis.params.hashrate_window_ms = 60_000;
    genesis.params.shares_offline_ms = 600_000;
    // The ledger's own challenges, often enough that the runs see them issued, answered and
    // missed.
    genesis.params.auto_challenge_interval_blocks = 200;
    genesis.params.allow_archival_headers = seed % 2 == 1;
    let feeders: Vec<Address> = refs[..3].iter().map(|n| TestAccount::named(n).address).collect();
    // Epochs of a minute, so the runs value titles many times, from fresh feeds and stale ones.
    genesis.params.valuation.epoch_ms = 60_000;
    // Loans lend in a dollar asset: the simulation counts its native asset as one, so that
    // funded accounts can lend.
    // Auctions of three hours, so liquidated loans' auctions settle within a run, some with bids.
    genesis.params.auctions.duration_ms = 3 * 3_600_000;
    genesis.params.auctions.extension_ms = 15 * 60_000;
    // Governance in hours, so proposals are voted on, counted and run within a run.
    let gov = &mut genesis.params.gov;
    gov.deposit_period_ms = 6 * 3_600_000;
    gov.voting_period_ms = 3 * 3_600_000;
    gov.execution_delay_ms = 3_600_000;
    gov.unbonding_ms = 6 * 3_600_000;
    genesis.params.valuation.dollar_assets =
        vec![crate::fixtures::cfi(), computefi_app::modules::reserve::dollar_asset()];
    genesis.oracle_feeds =
        [("btc_usd", 6), ("gpu_hour_usd", 6), ("network_difficulty", 0), ("btc_fees_sats", 0)]
            .into_iter()
            .map(|(name, decimals)| FeedConfig {
                name: name.into(),
                decimals,
                feeders: feeders.clone(),
                quorum: 1,
                max_age_ms: 600_000,
            })
            .collect();
    // Tips of recent mainnet blocks, so shares count only on what the feeders reported.
    genesis.oracle_feeds.push(FeedConfig { feeders, quorum: 1, ..crate::fixtures::tip_feed() });
    genesis
}

struct Sim {
    seed: u64,
    rng: StdRng,
    chain: TestChain,
    actors: Vec<TestAccount>,
    world: World,
    counter: u64,
    /// What was sent directly to pool accounts (by pool account and asset).
    donated: BTreeMap<(Address, AssetId), u128>,
    /// The transactions of the current block, described.
    block_txs: Vec<String>,
    report: SimReport,
}

impl Sim {
    fn new(seed: u64) -> Result<Sim, SimFailure> {
        let chain = TestChain::from_genesis(&genesis(seed));
        let mut actors: Vec<TestAccount> = account_names().iter().map(|n| TestAccount::named(n)).collect();
        actors.extend([
            crate::issuer(),
            crate::auditor(),
            crate::attestor(),
            crate::minter(),
            TestAccount::named("sim-unfunded"),
        ]);
        let addresses: Vec<Address> = actors.iter().map(|a| a.address).collect();
        let world = World::read(&chain, &addresses).map_err(|detail| SimFailure {
            seed,
            block: 0,
            height: 0,
            invariant: Invariant::BlockBuilt,
            detail,
            block_txs: Vec::new(),
        })?;
        let report = SimReport { seed, ..SimReport::default() };
        Ok(Sim {
            seed,
            rng: StdRng::seed_from_u64(seed),
            chain,
            actors,
            world,
            counter: 0,
            donated: BTreeMap::new(),
            block_txs: Vec::new(),
            report,
        })
    }

    fn fail(&self, block: u32, invariant: Invariant, detail: String) -> SimFailure {
        let (seed, height, block_txs) = (self.seed, self.chain.height(), self.block_txs.clone());
        SimFailure { seed, block, height, invariant, detail, block_txs }
    }

    fn step(&mut self, block: u32) -> Result<(), SimFailure> {
        let txs = self.generate(block)?;
        self.skip_time();
        let outcome = self.produce(block, txs)?;
        self.record(&outcome).map_err(|detail| self.fail(block, Invariant::NoContainedBug, detail))?;
        let actors = self.addresses();
        self.world =
            World::read(&self.chain, &actors).map_err(|d| self.fail(block, Invariant::BlockBuilt, d))?;
        let largest = self.world.pools.iter().map(|p| p.reserve_a.0.max(p.reserve_b.0)).max().unwrap_or(0);
        self.report.largest_reserve = self.report.largest_reserve.max(largest);
        self.check(&actors).map_err(|(invariant, detail)| self.fail(block, invariant, detail))
    }

    fn addresses(&self) -> Vec<Address> {
        self.actors.iter().map(|a| a.address).collect()
    }

    /// The block's transactions; the generator dry-runs some of them as admission would.
    fn generate(&mut self, block: u32) -> Result<Vec<SignedTx>, SimFailure> {
        let generated = catch_unwind(AssertUnwindSafe(|| {
            gen::Gen::new(&mut self.rng, &self.world, &self.chain, &self.actors, &mut self.counter).block()
        }));
        let txs = generated.map_err(|panic| {
            let detail = format!("a dry run of a generated transaction panicked: {}", panic_text(&panic));
            self.fail(block, Invariant::Admission, detail)
        })?;
        self.block_txs = txs.iter().map(|tx| self.describe(tx)).collect();
        Ok(txs)
    }

    /// Builds, verifies and commits the block as [`TestChain::try_produce`] does, and marks
    /// each transaction's line with what became of it.
    fn produce(&mut self, block: u32, txs: Vec<SignedTx>) -> Result<crate::BlockOutcome, SimFailure> {
        let hashes: Vec<Hash> = txs.iter().map(SignedTx::hash).collect();
        let before = self.chain.height();
        let outcome = match catch_unwind(AssertUnwindSafe(|| self.chain.try_produce(txs))) {
            Err(panic) => Err((Invariant::BlockBuilt, format!("panicked: {}", panic_text(&panic)))),
            Ok(Err(e @ (ProduceError::Build(_) | ProduceError::Commit(_)))) => {
                Err((Invariant::BlockBuilt, e.to_string()))
            }
            Ok(Err(e)) => Err((Invariant::RefusalChangesNothing, e.to_string())),
            Ok(Ok(outcome)) => Ok(outcome),
        }
        .map_err(|(invariant, detail)| self.fail(block, invariant, detail))?;
        for (line, hash) in self.block_txs.iter_mut().zip(&hashes) {
            match outcome.rejected.iter().find(|(h, _)| h == hash) {
                Some((_, e)) => line.insert_str(0, &format!("refused ({}: {}): ", e.name, e.detail)),
                None => line.insert_str(0, "included: "),
            }
        }
        if self.chain.height() != before + 1 {
            let detail = format!("height {} after a block on {before}", self.chain.height());
            return Err(self.fail(block, Invariant::BlockBuilt, detail));
        }
        Ok(outcome)
    }

    /// Usually one second between blocks; sometimes minutes, hours or a day.
    fn skip_time(&mut self) {
        let extra = match self.rng.gen_range(0..100) {
            0..=79 => 0,
            80..=91 => self.rng.gen_range(1_000..=600_000),
            92..=97 => self.rng.gen_range(600_000..=3 * 3_600_000),
            _ => self.rng.gen_range(3 * 3_600_000..=26 * 3_600_000),
        };
        self.chain.skip_time(extra);
    }

    /// Counts what the block did, remembers gifts to pool accounts, and fails when the ledger's
    /// own net caught a bug.
    fn record(&mut self, outcome: &crate::BlockOutcome) -> Result<(), String> {
        let r = &mut self.report;
        r.blocks += 1;
        r.height = self.chain.height();
        r.app_hash = self.chain.app_hash();
        r.included += outcome.receipts.len() as u64;
        r.refused += outcome.rejected.len() as u64;
        for (_, e) in &outcome.rejected {
            *r.refusals.entry(e.name.clone()).or_default() += 1;
        }
        for tx in &outcome.block.txs {
            for m in &tx.tx.msgs {
                *r.messages.entry(kind(m)).or_default() += 1;
                note_gift(&mut self.donated, &self.world, m);
            }
        }
        let block_events =
            self.chain.app().block(r.height).ok().flatten().map(|b| b.events).unwrap_or_default();
        for e in outcome.receipts.iter().flat_map(|x: &Receipt| &x.events).chain(&block_events) {
            *r.events.entry(e.kind.clone()).or_default() += 1;
        }
        if let Some((hash, e)) = outcome.rejected.iter().find(|(_, e)| e.name == "invariant_broken") {
            return Err(format!("transaction {hash} refused by the ledger's net under bugs: {e}"));
        }
        let stalled = ["valuation.stalled", "loans.stalled", "auctions.stalled"];
        if let Some(e) = block_events.iter().find(|e| stalled.contains(&e.kind.as_str())) {
            return Err(format!("{} refused: {:?}", e.kind, e.attrs));
        }
        // A block that minted dollars (for payments or as yield) leaves the supply within the
        // latest attested reserves.
        let minted = outcome
            .receipts
            .iter()
            .flat_map(|x: &Receipt| &x.events)
            .any(|e| e.kind == "reserve.minted" || e.kind == "reserve.yield");
        if minted {
            let view = self.chain.app().reserve(1).map_err(|e| format!("reading the reserve: {e}"))?;
            if view.reserves.is_none_or(|r| view.supply > r) {
                return Err(format!(
                    "dollars minted above the reserves: supply {} of {:?}",
                    view.supply, view.reserves
                ));
            }
        }
        if let Some(e) = block_events.iter().find(|e| e.kind == "ledger.end_block_refused") {
            return Err(format!("end-of-block work refused: {:?}", e.attrs));
        }
        Ok(())
    }

    /// One line: signer, nonce, fee and messages (long messages cut short).
    fn describe(&self, tx: &SignedTx) -> String {
        let sender = tx.tx.sender();
        let who =
            self.actors.iter().find(|a| a.address == sender).map_or(sender.to_string(), |a| a.name.clone());
        let mut msgs = format!("{:?}", tx.tx.msgs);
        if msgs.len() > 600 {
            let cut = (0..=600).rev().find(|i| msgs.is_char_boundary(*i)).unwrap_or(0);
            msgs.truncate(cut);
            msgs.push('…');
        }
        format!("{who} nonce {} fee {}: {msgs}", tx.tx.nonce, tx.tx.fee)
    }

    fn check(&self, actors: &[Address]) -> Result<(), (Invariant, String)> {
        let app = self.chain.app();
        check::supply_equals_holders(app).map_err(|d| (Invariant::Supply, d))?;
        check::escrow_is_backed(app).map_err(|d| (Invariant::Escrow, d))?;
        check::income_is_backed(app, actors).map_err(|d| (Invariant::Income, d))?;
        check::reservations_within_capacity(app).map_err(|d| (Invariant::Reservations, d))?;
        check::reservation_counts_are_exact(app).map_err(|d| (Invariant::Reservations, d))?;
        check::pool_reserves(app, &self.donated).map_err(|d| (Invariant::PoolReserves, d))?;
        check::loans_are_backed(app).map_err(|d| (Invariant::Escrow, d))?;
        check::auctions_are_backed(app).map_err(|d| (Invariant::Escrow, d))?;
        check::vaults_add_up(app).map_err(|d| (Invariant::Escrow, d))?;
        check::dollar_supply_adds_up(app).map_err(|d| (Invariant::Supply, d))?;
        check::certificates_add_up(app).map_err(|d| (Invariant::Supply, d))?;
        check::credits_add_up(app).map_err(|d| (Invariant::Supply, d))?;
        check::gov_is_backed(app).map_err(|d| (Invariant::Escrow, d))?;
        check::passes_add_up(app, actors).map_err(|d| (Invariant::Income, d))?;
        check::valuations_add_up(app).map_err(|d| (Invariant::Valuation, d))
    }
}

/// Adds what an included message sent straight to a pool's account to `donated`.
fn note_gift(donated: &mut BTreeMap<(Address, AssetId), u128>, world: &World, msg: &Msg) {
    let mut gift = |to: &Address, asset: &AssetId, amount: u128| {
        if world.is_pool_account(to) {
            let slot = donated.entry((*to, *asset)).or_default();
            *slot = slot.saturating_add(amount);
        }
    };
    match msg {
        Msg::Bank(BankMsg::Send { to, asset, amount }) => gift(to, asset, amount.0),
        Msg::Bank(BankMsg::MultiSend { outputs }) => {
            outputs.iter().for_each(|o| gift(&o.to, &o.asset, o.amount.0))
        }
        Msg::Compliance(ComplianceMsg::ForceTransfer { to, asset, amount, .. }) => gift(to, asset, amount.0),
        Msg::Reserve(ReserveMsg::Mint { to, amount, .. } | ReserveMsg::Yield { to, amount, .. }) => {
            gift(to, &computefi_app::modules::reserve::dollar_asset(), amount.0)
        }
        _ => {}
    }
}

/// `module.Variant` of a message, for the report.
fn kind(msg: &Msg) -> String {
    let debug = format!("{msg:?}");
    let inner = debug.split_once('(').map_or("", |(_, rest)| rest);
    let variant: String = inner.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    format!("{}.{variant}", msg.module())
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic without a message".into())
}
