//! A busy ledger: open leases, active loans and proposals in their voting period, added through
//! real signed transactions in whole blocks on top of the chain the whole-ledger simulation left
//! ([`crate::sim::run_keeping_chain`]).
//!
//! The simulation exercises every message, but its random walk leaves little open at its end (no
//! open lease, no active loan, one open proposal), so the end-of-block work that walks what is
//! open is barely measured. `computefi bench`'s busy-ledger figure calls [`populate`] first, so
//! its blocks of transfers run over a ledger with the open work a ledger in service carries.
//!
//! What [`populate`] builds, in this order, each step in whole blocks of many transactions:
//! 0. every account it signs with brought up to [`FUNDS_FLOOR`] CFI base units by the richest
//!    simulation account (a random walk can leave an account without the fee);
//! 1. the market feeds (`btc_usd`, `network_difficulty`, `btc_fees_sats`, `gpu_hour_usd`) from
//!    `sim-0`, a feeder of every feed in the simulation's genesis;
//! 2. GPU titles of model [`MODEL`]: one of [`GPUS_PER_LEASE_TITLE`] GPUs for every
//!    [`GPUS_PER_LEASE_TITLE`] leases, registered by `sim-0`, and one of
//!    [`GPUS_PER_LOAN_TITLE`] GPUs per loan, registered by the simulation's accounts in turn;
//!    the auditor verifies them all;
//! 3. each title made active by a passed capacity challenge (requested, committed, opened as an
//!    honest device does), and each lease title's GPUs seen online by a telemetry report;
//! 4. the leases: one order of one GPU for [`LEASE_HOURS`] hours from `sim-1` to `sim-5` in turn,
//!    its deposit the whole lease at [`PRICE_PER_GPU_HOUR`], a bid from `sim-0` on a lease title,
//!    the renter's acceptance;
//! 5. the loans: once every loan title is valued, its holder offers a loan of a tenth of its
//!    value for lending in CFI (a dollar asset in the simulation's genesis) over a year of monthly
//!    payments, and the next account funds its one tranche, which opens it;
//! 6. the proposals: every simulation account locks [`VOTE_LOCK`] CFI, each proposal (text only)
//!    is submitted with the minimum deposit, so it is voted on at once, and every account votes.
//!
//! Every block also answers the capacity challenges of these titles (the ledger's own, which
//! come at random heights, included) and repeats their telemetry, through the reserve minter's
//! account (the device's relay), so the titles stay active while the population runs.
//!
//! # Invariants
//! - Deterministic: the same chain and the same [`Busy`] give the same blocks (no clock, no
//!   random numbers; the challenges' seeds come from the ledger).
//! - Nothing refused: a refused population transaction fails [`populate`] with its error, and
//!   what was opened before it stays on the chain.
//! - What is opened stays open for hundreds of blocks of one second: each lease's escrow pays
//!   its whole term of [`LEASE_HOURS`] hours, each loan's first payment is due in 30 days, and each
//!   proposal votes for the voting period of the chain's parameters (three hours in the
//!   simulation's genesis). The ledger's own challenges keep coming after [`populate`]: a title
//!   that misses one is degraded, which pauses its leases (they stay open) and margin-calls its
//!   loan (it stays active for the cure period of three days).
//!
//! # Bounds
//! At most [`LEASES_MAX`] leases (the ledger's limit of open leases, less those already open),
//! [`LOANS_MAX`] loans and [`PROPOSALS_MAX`] proposals (the ledger's limit, less those already
//! open); [`TXS_PER_BLOCK_MAX`] transactions per block; at most [`SETTLE_BLOCKS_MAX`] blocks
//! waiting for challenges and valuations to settle.

use crate::fixtures::{challenge_product, envelope, gpu_title, next_report, opened_rows, report, telemetry};
use crate::{auditor, minter, sim, TestAccount, TestChain};
use computefi_app::modules::device::challenge::{ChallengeRecord, ChallengeState};
use computefi_app::modules::loans::LoanState;
use computefi_app::modules::{gov, lease};
use computefi_proofs::matmul;
use computefi_types::device::{ChallengeAnswer, ChallengeOpening, Payload};
use computefi_types::gov::VoteOption;
use computefi_types::loan::{Collateral, RateModel, Tranche};
use computefi_types::title::TitleStatus;
use computefi_types::{
    sha256, Address, Amount, AssetId, DeviceMsg, GovMsg, Hash, LeaseMsg, LoanTerms, LoansMsg, Msg, OracleMsg,
    Receipt, RegistryMsg, TitleId,
};
use std::collections::BTreeSet;

/// Most leases [`populate`] opens: the ledger's limit of open leases.
pub const LEASES_MAX: usize = lease::state::LEASES_OPEN_MAX;
/// Most loans [`populate`] opens (one title each).
pub const LOANS_MAX: usize = 1_024;
/// Most proposals [`populate`] opens: the ledger's limit of open proposals.
pub const PROPOSALS_MAX: usize = gov::state::PROPOSALS_OPEN_MAX;
/// GPUs of each title the leases rent (one lease, one GPU).
pub const GPUS_PER_LEASE_TITLE: u32 = 64;
/// GPUs of each title pledged for a loan.
pub const GPUS_PER_LOAN_TITLE: u32 = 8;
/// The GPU model of every title (no attestation and the chain's default challenge size).
pub const MODEL: &str = "MI300X";
/// Price of a GPU-hour of every lease, CFI base units (2 CFI).
pub const PRICE_PER_GPU_HOUR: u128 = 2_000_000;
/// Term of every lease, hours; its deposit pays all of it.
pub const LEASE_HOURS: u32 = 24;
/// CFI base units each simulation account locks in governance to vote (1,000 CFI).
pub const VOTE_LOCK: u128 = 1_000_000_000;
/// Most population transactions in one block.
pub const TXS_PER_BLOCK_MAX: usize = 1_024;
/// CFI base units every signing account holds at least before the population (10 million CFI:
/// its deposits, locks and loans' principals with room to spare).
pub const FUNDS_FLOOR: u128 = 10_000_000_000_000;
/// Most blocks [`populate`] waits for challenges to pass or for valuations, each time.
pub const SETTLE_BLOCKS_MAX: u32 = 200;

/// Seconds of a loan's payment interval (30 days).
const MONTH_S: u64 = 2_592_000;
/// Market feed values: BTC at 42,000 USD, its difficulty and fees, a GPU-hour at 2.10 USD.
const FEEDS: [(&str, u128); 4] = [
    ("btc_usd", 42_000_000_000),
    ("network_difficulty", 67_957_790_298_897),
    ("btc_fees_sats", 25_000_000),
    ("gpu_hour_usd", 2_100_000),
];

/// How much open work to add.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Busy {
    /// Open leases (at most [`LEASES_MAX`] with those already open).
    pub leases: usize,
    /// Active loans (at most [`LOANS_MAX`]).
    pub loans: usize,
    /// Proposals in their voting period (at most [`PROPOSALS_MAX`] with those already open).
    pub proposals: usize,
}

impl Default for Busy {
    /// 250 leases, 200 loans and 15 proposals: near the ledger's limits of 256 open leases and 16
    /// open proposals, with room for a few the simulation left open.
    fn default() -> Self {
        Busy { leases: 250, loans: 200, proposals: 15 }
    }
}

/// What [`populate`] opened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Opened {
    /// The leases, by id.
    pub leases: Vec<u64>,
    /// The loans, by id.
    pub loans: Vec<u64>,
    /// The proposals, by id.
    pub proposals: Vec<u64>,
    /// The titles registered for them.
    pub titles: Vec<TitleId>,
    /// Blocks produced.
    pub blocks: u64,
    /// Transactions included.
    pub transactions: u64,
}

/// Adds `want`'s open leases, active loans and open proposals to `chain`, which must be one the
/// simulation left (its accounts `sim-0` to `sim-5` sign). Fails, naming what was refused or
/// did not settle, when a population transaction is refused or the counts exceed the bounds.
pub fn populate(chain: &mut TestChain, want: Busy) -> Result<Opened, String> {
    check_room(chain, want)?;
    let accounts = (0..sim::ACCOUNTS).map(|i| TestAccount::named(&format!("sim-{i}"))).collect();
    let mut p = Population {
        chain,
        accounts,
        titles: Vec::new(),
        lease_titles: Vec::new(),
        opened: Opened::default(),
    };
    p.fund()?;
    p.feed()?;
    let lease_titles = want.leases.div_ceil(GPUS_PER_LEASE_TITLE as usize);
    p.lease_titles = p.register("lease", lease_titles, GPUS_PER_LEASE_TITLE, |_| 0)?;
    let loan_titles = p.register("loan", want.loans, GPUS_PER_LOAN_TITLE, |i| i % sim::ACCOUNTS)?;
    p.verify()?;
    p.activate()?;
    p.open_leases(want.leases)?;
    p.open_loans(&loan_titles)?;
    p.open_proposals(want.proposals)?;
    p.check_open()?;
    Ok(p.opened)
}

/// Refuses counts above the bounds, counting what the chain already holds open.
fn check_room(chain: &TestChain, want: Busy) -> Result<(), String> {
    let app = chain.app();
    let read = |e: computefi_app::AppError| format!("reading the chain: {e}");
    let leases = app.open_leases().map_err(read)?.len();
    let proposals = app.open_proposals().map_err(read)?.len();
    if leases.saturating_add(want.leases) > LEASES_MAX {
        return Err(format!(
            "{} leases asked with {leases} open: the ledger keeps at most {LEASES_MAX} open; ask for fewer",
            want.leases
        ));
    }
    if proposals.saturating_add(want.proposals) > PROPOSALS_MAX {
        return Err(format!(
            "{} proposals asked with {proposals} open: the ledger keeps at most {PROPOSALS_MAX} open; ask for fewer",
            want.proposals
        ));
    }
    if want.loans > LOANS_MAX {
        return Err(format!("{} loans asked: at most {LOANS_MAX}", want.loans));
    }
    Ok(())
}

/// A population in progress.
struct Population<'a> {
    chain: &'a mut TestChain,
    /// The simulation's accounts.
    accounts: Vec<TestAccount>,
    /// Every title registered here (their challenges are answered in every block).
    titles: Vec<TitleId>,
    /// The titles the leases rent (their telemetry is repeated).
    lease_titles: Vec<TitleId>,
    opened: Opened,
}

/// Messages one account signs in one transaction.
type Intent = (TestAccount, Vec<Msg>);

impl Population<'_> {
    fn app(&self) -> &computefi_app::App {
        self.chain.app()
    }

    fn account(&self, who: &Address) -> Result<TestAccount, String> {
        self.accounts
            .iter()
            .find(|a| a.address == *who)
            .cloned()
            .ok_or_else(|| format!("{who} is not one of the simulation's accounts"))
    }

    /// Produces blocks of `intents` (at most [`TXS_PER_BLOCK_MAX`] each, signed just before),
    /// each with this block's device work; the receipts of `intents`' transactions.
    fn run(&mut self, what: &str, intents: Vec<Intent>) -> Result<Vec<Receipt>, String> {
        let mut receipts = Vec::new();
        let mut rest = intents;
        loop {
            let later = rest.split_off(rest.len().min(TXS_PER_BLOCK_MAX));
            let mut txs: Vec<_> = rest.iter().map(|(who, msgs)| self.chain.tx(who, msgs.clone())).collect();
            let ours: BTreeSet<Hash> = txs.iter().map(computefi_types::SignedTx::hash).collect();
            let device = self.device_work()?;
            txs.extend(device.into_iter().map(|(who, msgs)| self.chain.tx(&who, msgs)));
            let out = self.chain.try_produce(txs).map_err(|e| format!("{what}: {e}"))?;
            if let Some((_, e)) = out.rejected.first() {
                return Err(format!(
                    "{what}: {} transactions refused at height {}, the first: {e}",
                    out.rejected.len(),
                    self.chain.height()
                ));
            }
            self.opened.blocks += 1;
            self.opened.transactions += out.receipts.len() as u64;
            receipts.extend(out.receipts.into_iter().filter(|r| ours.contains(&r.tx_hash)));
            if later.is_empty() {
                return Ok(receipts);
            }
            rest = later;
        }
    }

    /// This block's work of the titles' device, sent by the reserve minter's account: a
    /// challenge requested for a verified title that is not active, answered (committed, then
    /// opened once its rows are chosen), and telemetry of the lease titles when the last is
    /// older than half its freshness. One report per title a block, so sequences stay chained.
    fn device_work(&self) -> Result<Vec<Intent>, String> {
        let read = |e: computefi_app::AppError| format!("reading the chain: {e}");
        let mut msgs = Vec::new();
        for title in &self.titles {
            let record =
                self.app().title(title).map_err(read)?.ok_or_else(|| format!("title {title} is gone"))?;
            match self.app().open_challenge(title).map_err(read)? {
                Some(challenge) => msgs.extend(self.answer(*title, &challenge)?),
                None if record.status != TitleStatus::Active && record.status.is_verified() => {
                    msgs.push(Msg::Device(DeviceMsg::RequestChallenge { title: *title }));
                }
                None if self.lease_titles.contains(title) && self.telemetry_due(title)? => {
                    let (sequence, prev) = next_report(self.chain, *title);
                    let payload = telemetry(GPUS_PER_LEASE_TITLE);
                    msgs.push(report(envelope(self.chain, *title, sequence, prev, payload)));
                }
                None => {}
            }
        }
        let limit = computefi_types::limits::TX_MSGS_MAX;
        Ok(msgs.chunks(limit).map(|c| (minter(), c.to_vec())).collect())
    }

    fn telemetry_due(&self, title: &TitleId) -> Result<bool, String> {
        let last = self.app().telemetry(title).map_err(|e| format!("reading telemetry: {e}"))?;
        let fresh_blocks = lease::state::REPORT_FRESH_BLOCKS / 2;
        Ok(last.is_none_or(|r| r.height.saturating_add(fresh_blocks) <= self.chain.height()))
    }

    /// The device's next step in `challenge`: its commitment to the true product, or its opening
    /// of the rows chosen; nothing while the ledger chooses or checks.
    fn answer(&self, title: TitleId, challenge: &ChallengeRecord) -> Result<Option<Msg>, String> {
        let n = challenge.n;
        let product = || {
            challenge_product(&challenge.seed, n)
                .ok_or_else(|| format!("challenge {} of title {title} has no valid size {n}", challenge.id))
        };
        let payload = match &challenge.state {
            ChallengeState::Open => {
                let c = product()?;
                let root = matmul::commit_product(n as usize, &c)
                    .map_err(|e| format!("committing to challenge {}: {e}", challenge.id))?;
                Payload::ChallengeAnswer(ChallengeAnswer { challenge: challenge.id, commitment: Hash(root) })
            }
            ChallengeState::RowsChosen { rows, .. } => {
                let rows = opened_rows(rows, &product()?, n);
                Payload::ChallengeOpening(ChallengeOpening { challenge: challenge.id, rows })
            }
            _ => return Ok(None),
        };
        let (sequence, prev) = next_report(self.chain, title);
        Ok(Some(report(envelope(self.chain, title, sequence, prev, payload))))
    }

    /// The richest simulation account brings every signing account up to [`FUNDS_FLOOR`].
    fn fund(&mut self) -> Result<(), String> {
        let signers: Vec<Address> =
            self.accounts.iter().map(|a| a.address).chain([auditor().address, minter().address]).collect();
        let balance = |p: &Self, a: &Address| p.chain.native_balance(a).0;
        let richest = self
            .accounts
            .iter()
            .max_by_key(|a| balance(self, &a.address))
            .cloned()
            .ok_or("the simulation has no accounts")?;
        let short: Vec<(Address, u128)> = signers
            .iter()
            .map(|a| (*a, FUNDS_FLOOR.saturating_sub(balance(self, a))))
            .filter(|(_, need)| *need > 0)
            .collect();
        let total = short.iter().map(|(_, need)| need).sum::<u128>();
        if balance(self, &richest.address) < total.saturating_add(FUNDS_FLOOR) {
            return Err(format!("no simulation account holds the {total} CFI base units the others lack"));
        }
        if short.is_empty() {
            return Ok(());
        }
        let native = AssetId::native();
        let outputs: Vec<(&Address, &AssetId, u128)> =
            short.iter().map(|(a, need)| (a, &native, *need)).collect();
        self.run("funding the signing accounts", vec![(richest, vec![crate::msgs::multi_send(&outputs)])])
            .map(drop)
    }

    /// `sim-0` feeds the market, so that the titles are valued when they become active.
    fn feed(&mut self) -> Result<(), String> {
        let msgs = FEEDS
            .iter()
            .map(|(feed, value)| {
                Msg::Oracle(OracleMsg::Submit { feed: (*feed).into(), value: Amount(*value) })
            })
            .collect();
        let feeder = self.accounts[0].clone();
        self.run("feeding the market", vec![(feeder, msgs)]).map(drop)
    }

    /// Registers `count` titles of `gpus` GPUs each, title `i` by account `by(i)`.
    fn register(
        &mut self,
        kind: &str,
        count: usize,
        gpus: u32,
        by: impl Fn(usize) -> usize,
    ) -> Result<Vec<TitleId>, String> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let start = self.chain.height();
        let intents = (0..count)
            .map(|i| {
                let serials: Vec<String> =
                    (0..gpus).map(|g| format!("busy-{start}-{kind}-{i}-{g}")).collect();
                let spec = Box::new(gpu_title(MODEL, &serials));
                (
                    self.accounts[by(i) % self.accounts.len()].clone(),
                    vec![Msg::Registry(RegistryMsg::Register { spec })],
                )
            })
            .collect();
        let receipts = self.run(&format!("registering {count} {kind} titles"), intents)?;
        let titles: Vec<TitleId> = attrs(&receipts, "registry.registered", "title")?;
        if titles.len() != count {
            return Err(format!("registering {count} {kind} titles registered {}", titles.len()));
        }
        self.titles.extend(&titles);
        self.opened.titles.extend(&titles);
        Ok(titles)
    }

    /// The auditor verifies every title registered here.
    fn verify(&mut self) -> Result<(), String> {
        if self.titles.is_empty() {
            return Ok(());
        }
        let msgs: Vec<Msg> = self
            .titles
            .iter()
            .map(|t| {
                Msg::Registry(RegistryMsg::Verify { title: *t, document_hash: sha256(b"busy-ledger audit") })
            })
            .collect();
        let limit = computefi_types::limits::TX_MSGS_MAX;
        let intents = msgs.chunks(limit).map(|c| (auditor(), c.to_vec())).collect();
        self.run("verifying the titles", intents).map(drop)
    }

    /// Produces blocks until every title is active and every lease title's telemetry is fresh.
    fn activate(&mut self) -> Result<(), String> {
        self.settle("the titles' challenges", |p| {
            for t in &p.titles {
                let title = p.app().title(t).map_err(|e| e.to_string())?;
                if title.is_none_or(|t| t.status != TitleStatus::Active) {
                    return Ok(false);
                }
            }
            for t in &p.lease_titles {
                if p.telemetry_due(t)? {
                    return Ok(false);
                }
            }
            Ok(true)
        })
    }

    /// Produces blocks of device work until `done`, at most [`SETTLE_BLOCKS_MAX`].
    fn settle(&mut self, what: &str, done: impl Fn(&Self) -> Result<bool, String>) -> Result<(), String> {
        for _ in 0..SETTLE_BLOCKS_MAX {
            if done(self)? {
                return Ok(());
            }
            self.run(&format!("waiting for {what}"), Vec::new())?;
        }
        Err(format!("{what} did not settle within {SETTLE_BLOCKS_MAX} blocks"))
    }

    /// `count` orders of one GPU from `sim-1` to `sim-5` in turn, a bid on each from `sim-0` on
    /// the lease titles in turn, and each renter's acceptance.
    fn open_leases(&mut self, count: usize) -> Result<(), String> {
        if count == 0 {
            return Ok(());
        }
        let renters = self.accounts.len() - 1;
        let order = |_: usize| LeaseMsg::PostOrder {
            model: MODEL.into(),
            gpus: 1,
            hours: LEASE_HOURS,
            price_max: Amount(PRICE_PER_GPU_HOUR),
            green_bps_min: 0,
            green_premium: Amount::ZERO,
            asset: AssetId::native(),
            deposit: Amount(PRICE_PER_GPU_HOUR * u128::from(LEASE_HOURS)),
            auto_accept_height: None,
        };
        let intents = (0..count)
            .map(|i| (self.accounts[1 + i % renters].clone(), vec![Msg::Lease(order(i))]))
            .collect();
        let orders: Vec<u64> =
            attrs(&self.run("posting the lease orders", intents)?, "lease.order_posted", "order")?;
        let provider = self.accounts[0].clone();
        let per_title = GPUS_PER_LEASE_TITLE as usize;
        let bids = orders
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let title = self.lease_titles[i / per_title];
                let bid = LeaseMsg::Bid { order: *id, title, price: Amount(PRICE_PER_GPU_HOUR) };
                (provider.clone(), vec![Msg::Lease(bid)])
            })
            .collect();
        self.run("bidding on the lease orders", bids)?;
        let mut accepts = Vec::new();
        for id in &orders {
            let order =
                self.app().order(*id).map_err(|e| e.to_string())?.ok_or(format!("order {id} is gone"))?;
            accepts.push((
                self.account(&order.renter)?,
                vec![Msg::Lease(LeaseMsg::Accept { order: *id, bid: 0 })],
            ));
        }
        let receipts = self.run("accepting the lease bids", accepts)?;
        self.opened.leases = attrs(&receipts, "lease.opened", "lease")?;
        Ok(())
    }

    /// Once every title in `titles` is valued, its holder offers a loan of a tenth of its value
    /// for lending and the next account funds it.
    fn open_loans(&mut self, titles: &[TitleId]) -> Result<(), String> {
        if titles.is_empty() {
            return Ok(());
        }
        let valued = titles.to_vec();
        self.settle("the loan titles' valuations", move |p| {
            for t in &valued {
                if lending_value(p, t)? == 0 {
                    return Ok(false);
                }
            }
            Ok(true)
        })?;
        let mut offers = Vec::new();
        for (i, t) in titles.iter().enumerate() {
            let holder =
                self.app().title(t).map_err(|e| e.to_string())?.ok_or(format!("title {t} is gone"))?.holder;
            let borrower = self.account(&holder)?;
            let lender = self.accounts[(i + 1) % self.accounts.len()].address;
            let terms = self.terms(*t, lending_value(self, t)? / 10, lender);
            offers.push((borrower, vec![Msg::Loans(LoansMsg::Offer { terms: Box::new(terms) })]));
        }
        let loans: Vec<u64> = attrs(&self.run("offering the loans", offers)?, "loans.offered", "loan")?;
        let mut funds = Vec::new();
        for id in &loans {
            let loan =
                self.app().loan(*id).map_err(|e| e.to_string())?.ok_or(format!("loan {id} is gone"))?;
            let lender =
                loan.terms.tranches.first().map(|t| t.lender).ok_or(format!("loan {id} has no tranche"))?;
            funds.push((self.account(&lender)?, vec![Msg::Loans(LoansMsg::Fund { loan: *id, tranche: 0 })]));
        }
        self.run("funding the loans", funds)?;
        self.opened.loans = loans;
        Ok(())
    }

    /// A year of monthly payments of `principal` CFI base units against `title`, from `lender`.
    fn terms(&self, title: TitleId, principal: u128, lender: Address) -> LoanTerms {
        let principal = principal.max(100);
        LoanTerms {
            collateral: Collateral::Title(title),
            currency: AssetId::native(),
            principal: Amount(principal),
            duration_s: 12 * MONTH_S,
            interval_s: MONTH_S,
            model: RateModel::Amortized,
            grace_rate_bps: 2_400,
            grace_s: 7 * 86_400,
            origination_fee: Amount(principal / 100),
            exit_fee: Amount::ZERO,
            expires_ms: self.chain.time_ms() + 86_400_000,
            tranches: vec![Tranche { lender, amount: Amount(principal), rate_bps: 900 }],
        }
    }

    /// Every account locks [`VOTE_LOCK`]; `count` text proposals with the minimum deposit, from
    /// the accounts in turn; then every account votes on each.
    fn open_proposals(&mut self, count: usize) -> Result<(), String> {
        if count == 0 {
            return Ok(());
        }
        let g = self.app().params().gov;
        let deposit = g.min_deposit.max(g.min_initial_deposit);
        let mut intents: Vec<Intent> = self
            .accounts
            .iter()
            .map(|a| (a.clone(), vec![Msg::Gov(GovMsg::Lock { amount: Amount(VOTE_LOCK) })]))
            .collect();
        for i in 0..count {
            let submit = GovMsg::Submit {
                title: format!("Busy ledger proposal {i}"),
                summary: "A text proposal that keeps the voting period busy.".into(),
                actions: Vec::new(),
                deposit,
            };
            intents.push((self.accounts[i % self.accounts.len()].clone(), vec![Msg::Gov(submit)]));
        }
        let proposals: Vec<u64> =
            attrs(&self.run("submitting the proposals", intents)?, "gov.submitted", "proposal")?;
        let options = [VoteOption::Yes, VoteOption::No, VoteOption::Abstain];
        let votes = self
            .accounts
            .iter()
            .enumerate()
            .map(|(j, a)| {
                let msgs = proposals
                    .iter()
                    .enumerate()
                    .map(|(i, id)| {
                        Msg::Gov(GovMsg::Vote { proposal: *id, option: options[(i + j) % options.len()] })
                    })
                    .collect();
                (a.clone(), msgs)
            })
            .collect();
        self.run("voting on the proposals", votes)?;
        self.opened.proposals = proposals;
        Ok(())
    }

    /// Checks that everything opened is still open after the last block.
    fn check_open(&self) -> Result<(), String> {
        let app = self.app();
        let open = app.open_leases().map_err(|e| e.to_string())?;
        if let Some(id) = self.opened.leases.iter().find(|id| !open.contains(id)) {
            return Err(format!("lease {id} closed during the population"));
        }
        for id in &self.opened.loans {
            let state = app.loan(*id).map_err(|e| e.to_string())?.map(|l| l.state);
            if state != Some(LoanState::Active) {
                return Err(format!("loan {id} is {state:?}, not active, after funding"));
            }
        }
        let open = app.open_proposals().map_err(|e| e.to_string())?;
        if let Some(id) = self.opened.proposals.iter().find(|id| !open.contains(id)) {
            return Err(format!("proposal {id} is not open after the votes"));
        }
        Ok(())
    }
}

/// A title's value for lending, micro-USD (0 while it has no valuation).
fn lending_value(p: &Population<'_>, title: &TitleId) -> Result<u128, String> {
    let value = p.app().title_value(title).map_err(|e| format!("reading a valuation: {e}"))?;
    Ok(value.map_or(0, |v| v.lending_value.0))
}

/// Attribute `key` of every event `kind` of `receipts`, in order, parsed.
fn attrs<T: std::str::FromStr>(receipts: &[Receipt], kind: &str, key: &str) -> Result<Vec<T>, String> {
    receipts
        .iter()
        .flat_map(|r| &r.events)
        .filter(|e| e.kind == kind)
        .map(|e| {
            e.attr(key)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("event {kind} has no readable {key}: {:?}", e.attrs))
        })
        .collect()
}
