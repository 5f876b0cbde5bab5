//! `tx …`: one file per ledger module builds that module's messages (`tx/<module>.rs`: its
//! command enum and `build`); [`sign::sign_and_send`] signs them with a keyring key and
//! broadcasts them. The plumbing the module files share lies below them, in [`build`] and
//! [`sign`].

pub mod amm;
pub mod assets;
pub mod auctions;
pub mod bank;
pub mod build;
pub mod capacity;
pub mod carbon;
pub mod compliance;
pub mod delivery;
pub mod device;
pub mod gov;
pub mod green;
pub mod identity;
pub mod lease;
pub mod loans;
pub mod oracle;
pub mod passes;
pub mod registry;
pub mod reserve;
pub mod revenue;
pub mod shares;
pub mod sign;
pub mod vault;

use crate::output::{print, Format};
use clap::Subcommand;
use std::path::PathBuf;

/// Transaction commands.
#[derive(Subcommand)]
pub enum TxCmd {
    /// Balances and transfers.
    #[command(subcommand)]
    Bank(bank::BankCmd),
    /// Fungible assets.
    #[command(subcommand)]
    Assets(assets::AssetsCmd),
    /// Identity claims (claim issuers).
    #[command(subcommand)]
    Identity(identity::IdentityCmd),
    /// Transfer rules, freezes, forced transfers (issuers and controllers).
    #[command(subcommand)]
    Compliance(compliance::ComplianceCmd),
    /// Hardware titles.
    #[command(subcommand)]
    Registry(registry::RegistryCmd),
    /// Fractional shares of titles.
    #[command(subcommand)]
    Shares(shares::SharesCmd),
    /// Income of titles and vaults.
    #[command(subcommand)]
    Revenue(revenue::RevenueCmd),
    /// Capacity challenges of device-backed titles.
    #[command(subcommand)]
    Device(device::DeviceCmd),
    /// Constant-product pools: create, add and remove liquidity, swap.
    #[command(subcommand)]
    Amm(amm::AmmTxCmd),
    /// Capacity tokens of titles: issue GPU-hours or TH/s-days, redeem them.
    #[command(subcommand)]
    Capacity(capacity::CapacityCmd),
    /// Compute leases paid from escrow: order, bid, accept, top up, close.
    #[command(subcommand)]
    Lease(lease::LeaseCmd),
    /// Hashrate delivery contracts: offer, accept, cancel.
    #[command(subcommand)]
    Delivery(delivery::DeliveryCmd),
    /// Loans against a title or vault shares: offer, fund, cancel, repay, prepay, claim, liquidate.
    #[command(subcommand)]
    Loan(loans::LoanCmd),
    /// Auctions of liquidated collateral: bid.
    #[command(subcommand)]
    Auction(auctions::AuctionCmd),
    /// Oracle feeds: a feeder's value, a Bitcoin tip.
    #[command(subcommand)]
    Oracle(oracle::OracleCmd),
    /// The dollar unit: mint for a payment received (reserve minters), burn for a payout.
    #[command(subcommand)]
    Dollar(reserve::DollarCmd),
    /// The dollar's reserves: attest a report, mint a period's yield (reserve attestors).
    #[command(subcommand)]
    Reserve(reserve::ReserveCmd),
    /// Yield vaults of the dollar: create, set policy, deposit, mint, request a redemption,
    /// cancel it, service the queue, allocate to a loan tranche, collect.
    #[command(subcommand)]
    Vault(vault::VaultCmd),
    /// Granular certificates of green energy: issue a site's metered hour, split, transfer,
    /// cancel for a consuming title, claim, expire, withdraw (`computefi green` is the offline
    /// arithmetic).
    #[command(subcommand)]
    Green(green::GreenCmd),
    /// Carbon credits: immobilise a registry's serials (registry attestors), transfer, retire
    /// for a beneficiary, optionally against a lease's emissions.
    #[command(subcommand)]
    Carbon(carbon::CarbonCmd),
    /// Yield passes: lock vault shares until an expiry for passes that carry their income, claim
    /// that income, release an expired series, burn its passes.
    #[command(subcommand)]
    Pass(passes::PassCmd),
    /// Governance: lock CFI for voting power, submit proposals, deposit, vote, cancel, execute.
    #[command(subcommand)]
    Gov(gov::GovCmd),
}

/// Runs a transaction command.
pub fn run(home: &Option<PathBuf>, cmd: TxCmd, format: Format) -> anyhow::Result<()> {
    let (args, build) = match cmd {
        TxCmd::Bank(cmd) => bank::build(cmd)?,
        TxCmd::Assets(cmd) => assets::build(cmd)?,
        TxCmd::Identity(cmd) => identity::build(cmd)?,
        TxCmd::Compliance(cmd) => compliance::build(cmd)?,
        TxCmd::Registry(cmd) => registry::build(cmd)?,
        TxCmd::Shares(cmd) => shares::build(cmd)?,
        TxCmd::Revenue(cmd) => revenue::build(cmd)?,
        TxCmd::Device(cmd) => device::build(cmd)?,
        TxCmd::Amm(cmd) => amm::build(cmd)?,
        TxCmd::Capacity(cmd) => capacity::build(cmd)?,
        TxCmd::Lease(cmd) => lease::build(cmd)?,
        TxCmd::Delivery(cmd) => delivery::build(cmd)?,
        TxCmd::Loan(cmd) => loans::build(cmd)?,
        TxCmd::Auction(cmd) => auctions::build(cmd)?,
        TxCmd::Oracle(cmd) => oracle::build(cmd)?,
        TxCmd::Dollar(cmd) => reserve::build_dollar(cmd)?,
        TxCmd::Reserve(cmd) => reserve::build(cmd)?,
        TxCmd::Vault(cmd) => vault::build(cmd)?,
        TxCmd::Green(cmd) => green::build(cmd)?,
        TxCmd::Carbon(cmd) => carbon::build(cmd)?,
        TxCmd::Pass(cmd) => passes::build(cmd)?,
        TxCmd::Gov(cmd) => gov::build(cmd)?,
    };
    let keyring = args.keyring.open(home)?;
    let msgs = build(&keyring)?;
    let result = sign::sign_and_send(&keyring, &args, msgs)?;
    print(format, &result);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Keyring;
    use clap::{CommandFactory, Parser};
    use computefi_types::{Address, Amount, AssetId, ComplianceMsg, Msg, PublicKey};

    /// `computefi tx …` as the binary parses it.
    #[derive(Parser)]
    struct TxLine {
        #[command(subcommand)]
        tx: TxCmd,
    }

    fn address(byte: u8) -> Address {
        Address::from_public_key(&PublicKey([byte; 32]))
    }

    #[test]
    fn no_tx_command_has_two_arguments_with_one_name() {
        // clap checks a command's arguments only when that command is parsed; this checks all.
        TxLine::command().debug_assert();
    }

    #[test]
    fn force_transfer_parses_the_holder_apart_from_the_signing_key() {
        let (asset, holder, to) = (AssetId::native(), address(1), address(2));
        let line = format!("computefi compliance force-transfer {asset} {holder} {to} 25 --from controller");
        let parsed = TxLine::try_parse_from(line.split(' ')).unwrap_or_else(|e| panic!("{e}"));
        let TxCmd::Compliance(cmd) = parsed.tx else { panic!("not a compliance command") };
        let (args, build) = compliance::build(cmd).unwrap();
        assert_eq!(args.from, "controller");
        let home = tempfile::tempdir().unwrap();
        let keyring = Keyring::open(
            home.path(),
            crate::keys::KeyringBackend::Test,
            crate::keys::passphrase_source(None),
        )
        .unwrap();
        let expected = ComplianceMsg::ForceTransfer { asset, from: holder, to, amount: Amount(25) };
        assert_eq!(build(&keyring).unwrap(), vec![Msg::Compliance(expected)]);
    }
}
