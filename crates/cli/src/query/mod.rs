//! `query …` and `status`: reads of a running node. Each ledger module's queries live in
//! `query/<module>.rs` (an argument struct per query, with `get`); [`chain`] holds what every
//! node keeps whatever the modules: transactions, blocks, state proofs. [`QueryCmd`] lists them
//! in the order `computefi query --help` shows them.

pub mod amm;
pub mod assets;
pub mod auctions;
pub mod bank;
pub mod capacity;
pub mod carbon;
pub mod chain;
pub mod delivery;
pub mod gov;
pub mod green;
pub mod identity;
pub mod lease;
pub mod loans;
pub mod passes;
pub mod registry;
pub mod reserve;
pub mod revenue;
pub mod shares;
pub mod valuation;
pub mod vault;

use crate::client::NodeArg;
use crate::output::{print, Format};
use clap::Subcommand;

/// Query commands.
#[derive(Subcommand)]
pub enum QueryCmd {
    /// An account's balances and next nonce.
    Account(bank::AccountQuery),
    /// One balance (CFI unless --asset).
    Balance(bank::BalanceQuery),
    /// A transaction by hash.
    Tx(chain::TxQuery),
    /// A block by height, or `latest`.
    Block(chain::BlockQuery),
    /// An asset by id.
    Asset(assets::AssetQuery),
    /// All assets.
    Assets(assets::AssetsQuery),
    /// A hardware title.
    Title(registry::TitleQuery),
    /// A hardware title's status and what moved it (challenges, share windows, attestations).
    TitleStatus(registry::TitleStatusQuery),
    /// All hardware titles.
    Titles(registry::TitlesQuery),
    /// Claims an account holds.
    Claims(identity::ClaimsQuery),
    /// Holders of an asset.
    Holders(bank::HoldersQuery),
    /// The vault behind a share token.
    Vault(shares::VaultQuery),
    /// Income of a share token: totals and every deposit (record-date checkpoints).
    Income(revenue::IncomeQuery),
    /// What a holder could claim now.
    Claimable(revenue::ClaimableQuery),
    /// The pool of a pair (assets in either order).
    Pool(amm::PoolQuery),
    /// A capacity token: title, window, rate, expiry, and its asset.
    Capacity(capacity::CapacityQuery),
    /// What holds a title's capacity: live capacity tokens, leases, delivery contracts.
    Reservations(capacity::ReservationsQuery),
    /// Penalties of a title for broken delivery contracts.
    Penalties(delivery::PenaltiesQuery),
    /// A lease order with its bids.
    Order(lease::OrderQuery),
    /// Lease orders by id, a page at a time.
    Orders(lease::OrdersQuery),
    /// A lease: escrow, owed, paid, refunded, state.
    Lease(lease::LeaseQuery),
    /// Ids of the leases that stream now.
    Leases(lease::LeasesQuery),
    /// A hashrate delivery contract.
    Contract(delivery::ContractQuery),
    /// Delivery contracts by id, a page at a time.
    Contracts(delivery::ContractsQuery),
    /// A loan: terms, tranches, balance, state, and the next instalment of an active loan.
    Loan(loans::LoanQuery),
    /// Loans by id with their state, a page at a time.
    Loans(loans::LoansQuery),
    /// What a loan has left to pay: its schedule (an offer's whole schedule at its blended rate).
    LoanSchedule(loans::LoanScheduleQuery),
    /// An auction of liquidated collateral: lot, reserve, end, highest bid, state, and what a bid
    /// must reach now.
    Auction(auctions::AuctionQuery),
    /// Auctions by id with their state, a page at a time.
    Auctions(auctions::AuctionsQuery),
    /// A title's latest valuation: model value, value for lending, inputs and feeds.
    Value(valuation::ValueQuery),
    /// A share token's latest NAV, and with --history N its last N NAVs.
    Nav(valuation::NavQuery),
    /// A title or share token under a stress scenario (halving, btc-50, difficulty+30, rental-40, custom).
    Stress(valuation::StressQuery),
    /// Proof of reserve of the dollar unit: supply, attested reserves, their age and ratio, and
    /// the reports kept, latest first.
    Reserve(reserve::ReserveQuery),
    /// A yield vault of the dollar: terms, policy, NAV both ways, share price both ways, loan
    /// positions with their loans' state, queue, next window, and what its account holds.
    YieldVault(vault::YieldVaultQuery),
    /// Yield vaults by id, a page at a time.
    YieldVaults(vault::YieldVaultsQuery),
    /// A yield vault's waiting redemption requests in order, and whether each is due.
    YieldVaultQueue(vault::YieldVaultQueueQuery),
    /// A bundle of granular certificates: site, production hour, id range and quantity (Wh),
    /// holder, status, expiry, beneficiary.
    Certificate(green::CertificateQuery),
    /// Certificate bundles by id with their site, hour, quantity, status and holder, a page at a
    /// time.
    Certificates(green::CertificatesQuery),
    /// A title's metered energy and the certificates cancelled for it, hour by hour, their hourly
    /// match, and its meters' last readings.
    Energy(green::EnergyQuery),
    /// The green compute index: each epoch's volume-weighted price of GPU-hours leased that were
    /// matched by cancelled certificates, published once its hours are checked.
    GreenIndex(green::GreenIndexQuery),
    /// A carbon credit batch: registry, project, vintage, serials and quantity (tonnes), holder,
    /// status and, once retired, its retirement (beneficiary, lease offset and its emissions).
    CreditBatch(carbon::CreditBatchQuery),
    /// Carbon credit batches by id with their registry, project, vintage, serials, quantity,
    /// status and holder, a page at a time.
    CreditBatches(carbon::CreditBatchesQuery),
    /// A series of yield passes: share token, start, expiry, shares locked, passes minted,
    /// lockers, income received and claimed, and its value per pass.
    PassSeries(passes::PassSeriesQuery),
    /// Series of yield passes in the order they were opened, a page at a time.
    PassSeriesList(passes::PassSeriesListQuery),
    /// What a holder of a series' passes could claim now, by income asset.
    PassClaimable(passes::PassClaimableQuery),
    /// Governance proposals by id with their status, a page at a time.
    Proposals(gov::ProposalsQuery),
    /// A proposal: actions, status, times, deposits, voters, its count once voting ended.
    Proposal(gov::ProposalQuery),
    /// A proposal's count as it stands (while voting: the outcome if voting ended now).
    Tally(gov::ProposalQuery),
    /// Governance's parameters, and every governable parameter with its bounds and value.
    GovParams(gov::GovParamsQuery),
    /// What an account has locked in governance and its unlocks waiting to return.
    GovLock(gov::GovLockQuery),
    /// A proof of a state key's value at a height; save it with `-o json > proof.json` and check
    /// it offline with `computefi verify proof --file proof.json`.
    Proof(chain::StateProofQuery),
}

/// `computefi status`.
pub fn status(node: NodeArg, format: Format) -> anyhow::Result<()> {
    print(format, &node.client().get("/status")?);
    Ok(())
}

/// Runs a query.
pub fn run(cmd: QueryCmd, format: Format) -> anyhow::Result<()> {
    let value = match cmd {
        QueryCmd::Account(q) => q.get(),
        QueryCmd::Balance(q) => q.get(),
        QueryCmd::Tx(q) => q.get(),
        QueryCmd::Block(q) => q.get(),
        QueryCmd::Asset(q) => q.get(),
        QueryCmd::Assets(q) => q.get(),
        QueryCmd::Title(q) => q.get(),
        QueryCmd::TitleStatus(q) => q.get(),
        QueryCmd::Titles(q) => q.get(),
        QueryCmd::Claims(q) => q.get(),
        QueryCmd::Holders(q) => q.get(),
        QueryCmd::Vault(q) => q.get(),
        QueryCmd::Income(q) => q.get(),
        QueryCmd::Claimable(q) => q.get(),
        QueryCmd::Pool(q) => q.get(),
        QueryCmd::Capacity(q) => q.get(),
        QueryCmd::Reservations(q) => q.get(),
        QueryCmd::Penalties(q) => q.get(),
        QueryCmd::Order(q) => q.get(),
        QueryCmd::Orders(q) => q.get(),
        QueryCmd::Lease(q) => q.get(),
        QueryCmd::Leases(q) => q.get(),
        QueryCmd::Contract(q) => q.get(),
        QueryCmd::Contracts(q) => q.get(),
        QueryCmd::Loan(q) => q.get(),
        QueryCmd::Loans(q) => q.get(),
        QueryCmd::LoanSchedule(q) => q.get(),
        QueryCmd::Auction(q) => q.get(),
        QueryCmd::Auctions(q) => q.get(),
        QueryCmd::Value(q) => q.get(format),
        QueryCmd::Nav(q) => q.get(format),
        QueryCmd::Stress(q) => q.get(format),
        QueryCmd::Reserve(q) => q.get(),
        QueryCmd::YieldVault(q) => q.get(),
        QueryCmd::YieldVaults(q) => q.get(),
        QueryCmd::YieldVaultQueue(q) => q.get(),
        QueryCmd::Certificate(q) => q.get(),
        QueryCmd::Certificates(q) => q.get(),
        QueryCmd::Energy(q) => q.get(),
        QueryCmd::GreenIndex(q) => q.get(),
        QueryCmd::CreditBatch(q) => q.get(),
        QueryCmd::CreditBatches(q) => q.get(),
        QueryCmd::PassSeries(q) => q.get(),
        QueryCmd::PassSeriesList(q) => q.get(),
        QueryCmd::PassClaimable(q) => q.get(),
        QueryCmd::Proposals(q) => q.get(),
        QueryCmd::Proposal(q) => q.get(),
        QueryCmd::Tally(q) => q.tally(),
        QueryCmd::GovParams(q) => q.get(),
        QueryCmd::GovLock(q) => q.get(),
        QueryCmd::Proof(q) => q.get(),
    }?;
    print(format, &value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// `computefi query …` as the binary parses it.
    #[derive(clap::Parser)]
    struct QueryLine {
        #[command(subcommand)]
        query: QueryCmd,
    }

    #[test]
    fn no_query_has_two_arguments_with_one_name() {
        // clap checks a command's arguments only when that command is parsed; this checks all.
        QueryLine::command().debug_assert();
    }
}
