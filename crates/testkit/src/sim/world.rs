//! What the generator knows of the ledger: every id it may name in a message, read again from
//! the committed state after each block (the generator keeps no model of its own that could
//! drift from the ledger's).

use super::check::{self, Broken};
use crate::fixtures::device;
use crate::TestChain;
use computefi_app::modules::amm::Pool;
use computefi_app::modules::assets::AssetInfo;
use computefi_app::modules::capacity::CapacityToken;
use computefi_app::modules::compliance::ComplianceRead;
use computefi_app::modules::delivery::Contract;
use computefi_app::modules::device::challenge::ChallengeRecord;
use computefi_app::modules::lease::{Lease, Order};
use computefi_app::modules::registry::Title;
use computefi_app::modules::shares::Vault;
use computefi_app::state::Committed;
use computefi_types::title::TitleClass;
use computefi_types::{Address, AssetId, Hash, TitleId};
use std::collections::BTreeMap;

/// The ledger as the generator sees it after the last block.
pub(crate) struct World {
    /// Last committed height.
    pub height: u64,
    /// Its block time.
    pub time_ms: u64,
    /// Every asset (the native one, issued ones, share tokens, liquidity shares, capacity tokens).
    pub assets: Vec<AssetInfo>,
    /// Every title.
    pub titles: Vec<Title>,
    /// Open vaults (share tokens and their titles).
    pub vaults: Vec<Vault>,
    /// Every pool.
    pub pools: Vec<Pool>,
    /// Every order.
    pub orders: Vec<Order>,
    /// Every lease.
    pub leases: Vec<Lease>,
    /// Every delivery contract.
    pub contracts: Vec<Contract>,
    /// Every capacity token.
    pub tokens: Vec<CapacityToken>,
    /// Open capacity challenges.
    pub challenges: Vec<ChallengeRecord>,
    /// The device key's last accepted envelope per title: sequence and hash.
    pub reports: BTreeMap<TitleId, (u64, Hash)>,
    /// Non-zero balances of the accounts the simulation signs for.
    pub balances: BTreeMap<Address, Vec<(AssetId, u128)>>,
    /// Assets whose transfer rules name a controller, with the controller.
    pub controllers: Vec<(AssetId, Address)>,
    /// Bitcoin height of the latest `btc_tip` reported.
    pub tip_height: Option<u64>,
    /// Every loan ever offered.
    pub loans: Vec<computefi_app::modules::loans::Loan>,
    /// Every auction ever started.
    pub auctions: Vec<computefi_app::modules::auctions::Auction>,
    /// Every yield vault.
    pub yield_vaults: Vec<computefi_app::modules::vault::Vault>,
    /// Every certificate bundle.
    pub bundles: Vec<computefi_app::modules::green::Bundle>,
    /// The last counter of each title's meter (its first device key), Wh.
    pub meters: BTreeMap<TitleId, u64>,
    /// The id of the latest reserve report, if any.
    pub reserve_report: Option<String>,
    /// Titles whose latest valuation is fresh (not stale): what a loan can be offered against.
    pub fresh_values: std::collections::BTreeSet<TitleId>,
}

fn read<T>(what: &str, r: Result<T, impl std::fmt::Display>) -> Result<T, Broken> {
    r.map_err(|e| format!("reading {what}: {e}"))
}

impl World {
    /// Reads the world from the chain's committed state; `actors` are the accounts whose
    /// balances the generator spends from.
    pub fn read(chain: &TestChain, actors: &[Address]) -> Result<World, Broken> {
        let app = chain.app();
        let assets = read("assets", app.assets())?;
        let mut vaults = Vec::new();
        let mut tokens = Vec::new();
        let mut controllers = Vec::new();
        let state = Committed(app.store());
        for a in &assets {
            if let Some(c) = read("transfer rules", state.rules(&a.id))?.and_then(|r| r.controller) {
                controllers.push((a.id, c));
            }
            if let Some(v) = read("a vault", app.vault(&a.id))?.filter(|v| v.open) {
                vaults.push(v);
            }
            if let Some(t) = read("a capacity token", app.capacity_token(&a.id))? {
                tokens.push(t);
            }
        }
        let titles = read("titles", app.titles())?;
        let mut challenges = Vec::new();
        let mut reports = BTreeMap::new();
        let mut fresh_values = std::collections::BTreeSet::new();
        for t in &titles {
            if read("a valuation", app.title_value(&t.id))?.is_some_and(|v| v.stale.is_none()) {
                fresh_values.insert(t.id);
            }
            if t.spec.class == TitleClass::GpuServer {
                challenges.extend(read("a challenge", app.open_challenge(&t.id))?);
            }
            if let Some(last) = read("a report", app.last_report(&t.id, &device().public_key()))? {
                reports.insert(t.id, (last.sequence, last.hash));
            }
        }
        let mut balances = BTreeMap::new();
        for who in actors {
            let view = read("an account", app.account(who))?;
            balances.insert(*who, view.balances.into_iter().map(|b| (b.asset, b.amount.0)).collect());
        }
        let (orders, leases) = check::orders_and_leases(app)?;
        let tip = read("the latest tip", computefi_app::modules::oracle::state::latest_tip(&state))?;
        let loans = check::loans(app)?;
        let auctions = check::auctions(app)?;
        let yield_vaults = check::vaults(app)?;
        let reserve_report = read("the reserve", app.reserve(1))?.report.map(|r| r.report.id);
        let bundles = check::bundles(app)?;
        let mut meters = BTreeMap::new();
        for t in &titles {
            if let Some(key) = t.spec.device_keys.first() {
                if let Some(m) = read("a meter", app.meter(&t.id, key))? {
                    meters.insert(t.id, m.counter_wh);
                }
            }
        }
        Ok(World {
            height: chain.height(),
            time_ms: chain.time_ms(),
            assets,
            titles,
            vaults,
            pools: check::pools(app)?,
            orders,
            leases,
            contracts: check::contracts(app)?,
            tokens,
            challenges,
            reports,
            balances,
            controllers,
            tip_height: tip.map(|t| t.height),
            loans,
            auctions,
            yield_vaults,
            reserve_report,
            bundles,
            meters,
            fresh_values,
        })
    }

    /// What `who` holds of `asset`.
    pub fn balance(&self, who: &Address, asset: &AssetId) -> u128 {
        self.balances.get(who).and_then(|b| b.iter().find(|(a, _)| a == asset)).map_or(0, |(_, n)| *n)
    }

    /// Whether `address` is a pool's account.
    pub fn is_pool_account(&self, address: &Address) -> bool {
        self.pools.iter().any(|p| p.account == *address)
    }
}
