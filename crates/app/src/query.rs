//! Read-only views of the committed state for the API and the CLI.

use crate::app::{read_block, App, AppError, StoredBlock};
use crate::genesis::{GenesisValidator, VALIDATORS_KEY};
use crate::modules::amm::AmmRead;
use crate::modules::assets::{AssetInfo, AssetsRead};
use crate::modules::bank::BankRead;
use crate::modules::capacity::{CapacityRead, CapacityToken, Reservation};
use crate::modules::delivery::{Contract, DeliveryRead, Penalty};
use crate::modules::identity::ClaimRecord;
use crate::modules::lease::{Lease, LeaseRead, Order};
use crate::modules::registry::{RegistryRead, Title};
use crate::modules::revenue::{self, state as income, IncomePool};
use crate::modules::shares::{SharesRead, Vault};
use crate::modules::valuation::{self, ValuationRead};
use crate::modules::{assets, bank, device, identity, oracle, registry};
use crate::state::{Committed, StateRead};
use computefi_types::loan::Collateral;
use computefi_types::{Address, Amount, AssetId, Hash, Receipt, TitleId};
use serde::{Deserialize, Serialize};

/// Most balances listed for one account.
pub const ACCOUNT_BALANCES_MAX: usize = 1_000;
/// Most assets listed at once.
pub const ASSETS_LISTED_MAX: usize = 1_000;
/// Most titles, holders, claims or checkpoints listed at once.
pub const LIST_ENTRIES_MAX: usize = 1_000;
/// Longest feed name, in bytes: no feed has a longer one, so no lookup needs one.
pub const FEED_NAME_BYTES_MAX: usize = crate::modules::oracle::state::FEED_NAME_BYTES_MAX;

/// The title's verified capacity in thousandths of its unit: GPUs for GPU servers, TH/s for
/// ASIC miners; `None` for other titles.
pub fn verified_capacity(title: &Title) -> Option<u64> {
    crate::modules::capacity::state::verified_capacity(title)
}

/// One balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceView {
    /// Asset id.
    pub asset: AssetId,
    /// Amount in base units.
    pub amount: Amount,
}

/// A holder and its balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderView {
    /// The holder.
    pub address: Address,
    /// Its balance.
    pub amount: Amount,
}

/// An account as a wallet shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// The account.
    pub address: Address,
    /// The nonce its next transaction must carry.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub next_nonce: u64,
    /// Non-zero balances, ordered by asset id.
    pub balances: Vec<BalanceView>,
    /// Height of the state read.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
}

impl App {
    /// The account's nonce and non-zero balances at the last committed height.
    pub fn account(&self, address: &Address) -> Result<AccountView, AppError> {
        let height = self.last().height;
        let rows = bank::query::balances(&Committed(self.store()), address, ACCOUNT_BALANCES_MAX)?;
        let mut balances = Vec::with_capacity(rows.len());
        for (asset, amount) in rows {
            if self.capacity_token(&asset)?.is_some_and(|t| t.expired) {
                continue; // an expired capacity token counts for nothing
            }
            balances.push(BalanceView { asset, amount });
        }
        Ok(AccountView { address: *address, next_nonce: self.next_nonce(address)?, balances, height })
    }

    /// One balance at the last committed height.
    pub fn balance(&self, address: &Address, asset: &AssetId) -> Result<Amount, AppError> {
        Ok(Committed(self.store()).balance(address, asset)?)
    }

    /// An asset's record.
    pub fn asset(&self, id: &AssetId) -> Result<Option<AssetInfo>, AppError> {
        Ok(Committed(self.store()).asset(id)?)
    }

    /// All assets, ordered by id, at most [`ASSETS_LISTED_MAX`].
    pub fn assets(&self) -> Result<Vec<AssetInfo>, AppError> {
        Ok(assets::query::assets(&Committed(self.store()), ASSETS_LISTED_MAX)?)
    }

    /// A hardware title.
    pub fn title(&self, id: &TitleId) -> Result<Option<Title>, AppError> {
        Ok(Committed(self.store()).title(id)?)
    }

    /// Titles in id order, at most [`LIST_ENTRIES_MAX`].
    pub fn titles(&self) -> Result<Vec<Title>, AppError> {
        Ok(registry::query::titles(&Committed(self.store()), LIST_ENTRIES_MAX)?)
    }

    /// A title's status changes, oldest first (the latest
    /// [`computefi_types::title::STATUS_HISTORY_MAX`]).
    pub fn status_history(
        &self,
        id: &TitleId,
    ) -> Result<Vec<computefi_types::title::StatusChange>, AppError> {
        Ok(registry::query::status_history(&Committed(self.store()), id)?)
    }

    /// A title's latest valuation: model value, value for lending, every input and feed, and
    /// whether it is stale.
    pub fn title_value(&self, id: &TitleId) -> Result<Option<valuation::TitleValue>, AppError> {
        Ok(Committed(self.store()).title_value(id)?)
    }

    /// A loan: its terms, tranches, balance, schedule position and state.
    pub fn loan(&self, id: u64) -> Result<Option<crate::modules::loans::Loan>, AppError> {
        Ok(crate::modules::loans::LoansRead::loan(&Committed(self.store()), id)?)
    }

    /// An auction of liquidated collateral, if it exists.
    pub fn auction(&self, id: u64) -> Result<Option<crate::modules::auctions::Auction>, AppError> {
        Ok(crate::modules::auctions::AuctionsRead::auction(&Committed(self.store()), id)?)
    }

    /// How many auctions were ever started (their ids are `0 .. count`).
    pub fn auction_count(&self) -> Result<u64, AppError> {
        Ok(crate::modules::auctions::AuctionsRead::auction_count(&Committed(self.store()))?)
    }

    /// Proof of reserve: the dollar unit's supply, the latest attested reserves, their age at the
    /// last block's time and ratio, and up to `max` reports, latest first (at most
    /// `reserve::state::REPORTS_KEPT`).
    pub fn reserve(&self, max: u64) -> Result<crate::modules::reserve::ReserveView, AppError> {
        let max_age_ms = self.params().reserve.report_max_age_ms;
        let state = Committed(self.store());
        Ok(crate::modules::reserve::reserve_view(&state, self.last().time_ms, max_age_ms, max)?)
    }

    /// How many loans were ever offered (their ids are `0 .. count`).
    pub fn loan_count(&self) -> Result<u64, AppError> {
        Ok(crate::modules::loans::LoansRead::loan_count(&Committed(self.store()))?)
    }

    /// A governance proposal, if it exists.
    pub fn proposal(&self, id: u64) -> Result<Option<crate::modules::gov::Proposal>, AppError> {
        Ok(crate::modules::gov::GovRead::proposal(&Committed(self.store()), id)?)
    }

    /// How many proposals were ever submitted (their ids are `0 .. count`).
    pub fn proposal_count(&self) -> Result<u64, AppError> {
        Ok(crate::modules::gov::GovRead::proposal_count(&Committed(self.store()))?)
    }

    /// Ids of the open proposals.
    pub fn open_proposals(&self) -> Result<Vec<u64>, AppError> {
        Ok(crate::modules::gov::GovRead::open_proposals(&Committed(self.store()))?)
    }

    /// `voter`'s vote on a proposal, if any.
    pub fn vote(
        &self,
        id: u64,
        voter: &Address,
    ) -> Result<Option<computefi_types::gov::VoteOption>, AppError> {
        Ok(crate::modules::gov::GovRead::vote(&Committed(self.store()), id, voter)?)
    }

    /// CFI an account has locked in governance: its voting power.
    pub fn locked(&self, who: &Address) -> Result<Amount, AppError> {
        Ok(crate::modules::gov::GovRead::locked(&Committed(self.store()), who)?)
    }

    /// All CFI locked in governance.
    pub fn total_locked(&self) -> Result<Amount, AppError> {
        Ok(crate::modules::gov::GovRead::total_locked(&Committed(self.store()))?)
    }

    /// Unlocks waiting to return, soonest first.
    pub fn unbondings(&self) -> Result<Vec<crate::modules::gov::Unbonding>, AppError> {
        Ok(crate::modules::gov::GovRead::unbondings(&Committed(self.store()))?)
    }

    /// Accounts with CFI locked, at most `max`.
    pub fn locks(&self, max: usize) -> Result<Vec<(Address, Amount)>, AppError> {
        Ok(crate::modules::gov::query::locks(&Committed(self.store()), max)?)
    }

    /// Validator changes waiting for their height.
    pub fn validator_changes(&self) -> Result<Vec<crate::modules::gov::ValidatorChange>, AppError> {
        Ok(crate::modules::gov::GovRead::validator_changes(&Committed(self.store()))?)
    }

    /// A certificate bundle, if it exists.
    pub fn bundle(&self, id: u64) -> Result<Option<crate::modules::green::Bundle>, AppError> {
        Ok(crate::modules::green::GreenRead::bundle(&Committed(self.store()), id)?)
    }

    /// How many certificate bundles exist (their ids are `0 .. count`).
    pub fn bundle_count(&self) -> Result<u64, AppError> {
        Ok(crate::modules::green::GreenRead::bundle_count(&Committed(self.store()))?)
    }

    /// Energy a title's meters measured in `hour` (hours since the Unix epoch), Wh.
    pub fn energy_wh(&self, title: &TitleId, hour: u64) -> Result<u64, AppError> {
        Ok(crate::modules::green::GreenRead::energy_wh(&Committed(self.store()), title, hour)?)
    }

    /// A title's energy over the `hours` hours from `first_hour` on, one row per hour
    /// (`green::energy_window`).
    pub fn energy_window(
        &self,
        title: &TitleId,
        first_hour: u64,
        hours: u64,
    ) -> Result<Vec<crate::modules::green::EnergyHour>, AppError> {
        Ok(crate::modules::green::energy_window(&Committed(self.store()), title, first_hour, hours)?)
    }

    /// Certificates cancelled for a title's consumption in `hour`, Wh.
    pub fn certified_wh(&self, title: &TitleId, hour: u64) -> Result<u64, AppError> {
        Ok(crate::modules::green::GreenRead::certified_wh(&Committed(self.store()), title, hour)?)
    }

    /// The last reading of a title's meter (one of its device keys).
    pub fn meter(
        &self,
        title: &TitleId,
        key: &computefi_types::PublicKey,
    ) -> Result<Option<crate::modules::green::Meter>, AppError> {
        Ok(crate::modules::green::GreenRead::meter(&Committed(self.store()), title, key)?)
    }

    /// A yield vault, if it exists.
    pub fn vault_record(&self, id: u64) -> Result<Option<crate::modules::vault::Vault>, AppError> {
        Ok(crate::modules::vault::VaultRead::vault_record(&Committed(self.store()), id)?)
    }

    /// How many yield vaults were ever created (their ids are `0 .. count`).
    pub fn vault_count(&self) -> Result<u64, AppError> {
        Ok(crate::modules::vault::VaultRead::vault_count(&Committed(self.store()))?)
    }

    /// A yield vault's NAV both ways at the last block's time, if the vault exists.
    pub fn vault_nav(&self, id: u64) -> Result<Option<crate::modules::vault::Nav>, AppError> {
        let state = Committed(self.store());
        let Some(vault) = crate::modules::vault::VaultRead::vault_record(&state, id)? else {
            return Ok(None);
        };
        let share = self.params().loans.insurance_share_bps;
        Ok(Some(crate::modules::vault::nav_at(&state, self.last().time_ms, share, &vault)?))
    }

    /// A waiting redemption request of a vault, if it exists.
    pub fn vault_request(
        &self,
        vault: u64,
        request: u64,
    ) -> Result<Option<crate::modules::vault::Request>, AppError> {
        Ok(crate::modules::vault::VaultRead::request(&Committed(self.store()), vault, request)?)
    }

    /// A share token's latest NAV.
    pub fn nav(&self, shares: &AssetId) -> Result<Option<valuation::NavRecord>, AppError> {
        Ok(Committed(self.store()).nav(shares)?)
    }

    /// A share token's NAV history, oldest first, at most `max` entries (the ledger keeps a year).
    pub fn nav_history(&self, shares: &AssetId, max: u64) -> Result<Vec<valuation::NavRecord>, AppError> {
        Ok(valuation::query::nav_history(&Committed(self.store()), shares, max)?)
    }

    /// A title's value under `shock`, from its latest valuation's inputs, with the health of the
    /// active loans it secures: `None` for no valuation record, `Some(Err)` when the shock cannot
    /// be applied (never valued, a limit).
    pub fn stress_title(
        &self,
        id: &TitleId,
        shock: &valuation::math::Shock,
    ) -> Result<Option<Result<valuation::stress::StressedTitle, computefi_types::TxError>>, AppError> {
        let haircuts = self.params().valuation.haircuts;
        let Some(record) = Committed(self.store()).title_value(id)? else { return Ok(None) };
        let mut stressed = match valuation::stress::stress_title(&record, shock, &haircuts) {
            Ok(s) => s,
            Err(e) => return Ok(Some(Err(e))),
        };
        let (base, under) = (stressed.base_lending_value.0, stressed.lending_value.0);
        stressed.loans = self.loan_health(|c| match c {
            Collateral::Title(t) if t == id => Some((base, under)),
            _ => None,
        })?;
        Ok(Some(Ok(stressed)))
    }

    /// A share token's NAV under `shock`, with the health of the active loans its shares secure:
    /// `None` when no NAV was published for it.
    pub fn stress_shares(
        &self,
        shares: &AssetId,
        shock: &valuation::math::Shock,
    ) -> Result<Option<Result<valuation::stress::StressedShares, computefi_types::TxError>>, AppError> {
        let haircuts = self.params().valuation.haircuts;
        let answer = valuation::stress::stress_shares(&Committed(self.store()), shares, shock, &haircuts)?;
        let Some(Ok(mut stressed)) = answer else { return Ok(answer) };
        let sum = |f: fn(&valuation::stress::StressedTitle) -> u128| {
            stressed.titles.iter().map(f).fold(0u128, u128::saturating_add)
        };
        let (base, under) = (sum(|t| t.base_lending_value.0), sum(|t| t.lending_value.0));
        let supply = stressed.base.supply.0;
        let part = |value: u128, amount: Amount| {
            computefi_types::mul_div_floor(value, amount.0, supply).unwrap_or(0)
        };
        stressed.loans = self.loan_health(|c| match c {
            Collateral::Shares { asset, amount } if asset == shares => {
                Some((part(base, *amount), part(under, *amount)))
            }
            _ => None,
        })?;
        Ok(Some(Ok(stressed)))
    }

    /// The health of the active loans whose collateral `value_of` values (its value for lending
    /// now and under a shock, micro-USD), at most [`LIST_ENTRIES_MAX`] loans looked at.
    fn loan_health(
        &self,
        value_of: impl Fn(&Collateral) -> Option<(u128, u128)>,
    ) -> Result<Vec<valuation::stress::LoanHealth>, AppError> {
        use crate::modules::loans::{collateral::ltv_of, LoanState, LoansRead};
        let state = Committed(self.store());
        let margin = self.params().loans.margin_ltv_bps;
        let count = state.loan_count()?.min(LIST_ENTRIES_MAX as u64);
        let mut health = Vec::new();
        for id in 0..count {
            let Some(loan) = state.loan(id)? else { continue };
            let Some((now, under)) = value_of(&loan.terms.collateral) else { continue };
            if loan.state != LoanState::Active {
                continue;
            }
            let decimals = state.asset(&loan.terms.currency)?.map_or(0, |a| a.decimals);
            let stressed_ltv_bps = ltv_of(loan.balance, decimals, under);
            health.push(valuation::stress::LoanHealth {
                loan: id,
                balance: loan.balance,
                ltv_bps: ltv_of(loan.balance, decimals, now),
                stressed_ltv_bps,
                margin_ltv_bps: margin,
                called_under_stress: stressed_ltv_bps > margin,
            });
        }
        Ok(health)
    }

    /// Claims held by an account (expired ones included; each says its expiry).
    pub fn claims(&self, subject: &Address) -> Result<Vec<ClaimRecord>, AppError> {
        Ok(identity::query::claims(&Committed(self.store()), subject, LIST_ENTRIES_MAX)?)
    }

    /// Holders of an asset with their balances, by address, at most [`LIST_ENTRIES_MAX`].
    pub fn holders(&self, asset: &AssetId) -> Result<Vec<HolderView>, AppError> {
        let state = Committed(self.store());
        bank::query::holders(&state, asset, LIST_ENTRIES_MAX)?
            .into_iter()
            .map(|address| Ok(HolderView { address, amount: state.balance(&address, asset)? }))
            .collect()
    }

    /// The vault behind a share token.
    pub fn vault(&self, shares: &AssetId) -> Result<Option<Vault>, AppError> {
        Ok(Committed(self.store()).vault(shares)?)
    }

    /// The income pool of a share token in one asset (empty when nothing was deposited).
    pub fn income_pool(&self, shares: &AssetId, asset: &AssetId) -> Result<IncomePool, AppError> {
        Ok(revenue::query::pool(&Committed(self.store()), shares, asset)?)
    }

    /// The assets a share token has been paid income in.
    pub fn income_assets(&self, shares: &AssetId) -> Result<Vec<AssetId>, AppError> {
        Ok(revenue::query::income_assets(&Committed(self.store()), shares)?)
    }

    /// Record-date checkpoints of a pool, oldest first, at most [`LIST_ENTRIES_MAX`].
    pub fn income_history(
        &self,
        shares: &AssetId,
        asset: &AssetId,
    ) -> Result<Vec<income::Checkpoint>, AppError> {
        Ok(revenue::query::checkpoints(&Committed(self.store()), shares, asset, LIST_ENTRIES_MAX)?)
    }

    /// What `holder` could claim now from a pool.
    pub fn claimable(&self, shares: &AssetId, asset: &AssetId, holder: &Address) -> Result<Amount, AppError> {
        let state = Committed(self.store());
        let balance = state.balance(holder, shares)?;
        Ok(revenue::claimable(&state, shares, asset, holder, balance)?)
    }

    /// A device key's last accepted envelope on a title.
    pub fn last_report(
        &self,
        title: &TitleId,
        key: &computefi_types::PublicKey,
    ) -> Result<Option<crate::modules::device::LastReport>, AppError> {
        use crate::modules::device::DeviceRead;
        Ok(Committed(self.store()).last_report(title, key)?)
    }

    /// Equivocation evidence recorded against a title, oldest first.
    pub fn evidence(&self, title: &TitleId) -> Result<Vec<crate::modules::device::Evidence>, AppError> {
        Ok(device::query::evidence(&Committed(self.store()), title, LIST_ENTRIES_MAX)?)
    }

    /// The latest telemetry of a title.
    pub fn telemetry(
        &self,
        title: &TitleId,
    ) -> Result<Option<crate::modules::device::state::TelemetryRecord>, AppError> {
        use crate::modules::device::DeviceRead;
        Ok(Committed(self.store()).telemetry(title)?)
    }

    /// The open capacity challenge of a title, if any.
    pub fn open_challenge(
        &self,
        title: &TitleId,
    ) -> Result<Option<crate::modules::device::challenge::ChallengeRecord>, AppError> {
        Ok(crate::modules::device::challenge::open_challenge(&Committed(self.store()), title)?)
    }

    /// A capacity challenge by id, open or settled.
    pub fn challenge(
        &self,
        id: u64,
    ) -> Result<Option<crate::modules::device::challenge::ChallengeRecord>, AppError> {
        Ok(crate::modules::device::challenge::challenge(&Committed(self.store()), id)?)
    }

    /// The last hashrate judgement of an ASIC title, if a window has closed.
    pub fn hashrate(
        &self,
        title: &TitleId,
    ) -> Result<Option<crate::modules::device::hashrate::HashrateRecord>, AppError> {
        Ok(device::query::hashrate(&Committed(self.store()), title)?)
    }

    /// A title's pending attestation nonce and its last verified attestation.
    pub fn attestation(
        &self,
        title: &TitleId,
    ) -> Result<
        (
            Option<crate::modules::device::attestation::PendingAttestation>,
            Option<crate::modules::device::attestation::AttestationRecord>,
        ),
        AppError,
    > {
        Ok(device::query::attestation(&Committed(self.store()), title)?)
    }

    /// A feed as read at the last block's time.
    pub fn feed(&self, name: &str) -> Result<Option<crate::modules::oracle::FeedValue>, AppError> {
        Ok(crate::modules::oracle::read(&Committed(self.store()), name, self.last().time_ms)?)
    }

    /// All feeds, read at the last block's time.
    pub fn feeds(&self) -> Result<Vec<crate::modules::oracle::FeedValue>, AppError> {
        let configs = oracle::query::feed_configs(&Committed(self.store()), LIST_ENTRIES_MAX)?;
        configs.iter().filter_map(|c| self.feed(&c.name).transpose()).collect()
    }

    /// The validator set.
    pub fn validators(&self) -> Result<Vec<GenesisValidator>, AppError> {
        Ok(Committed(self.store()).get(VALIDATORS_KEY)?.unwrap_or_default())
    }

    /// A committed block with its block events.
    pub fn block(&self, height: u64) -> Result<Option<StoredBlock>, AppError> {
        read_block(self.store(), height)
    }

    /// The receipt of a committed transaction.
    pub fn receipt(&self, tx_hash: &Hash) -> Result<Option<Receipt>, AppError> {
        match self.store().receipt(&tx_hash.0)? {
            None => Ok(None),
            Some((_, bytes)) => borsh::from_slice(&bytes)
                .map(Some)
                .map_err(|e| AppError::Corrupt(format!("receipt {tx_hash}: {e}"))),
        }
    }

    /// A proof of the value (or absence) of `key` at `height` (the last committed height when
    /// `None`), checkable against that block's app hash.
    pub fn prove(&self, key: &str, height: Option<u64>) -> Result<computefi_store::StateProof, AppError> {
        let version = height.unwrap_or_else(|| self.last().height);
        Ok(self.store().prove(key.as_bytes(), version)?)
    }

    /// A capacity token's record.
    pub fn capacity_token(&self, asset: &AssetId) -> Result<Option<CapacityToken>, AppError> {
        Ok(Committed(self.store()).capacity_token(asset)?)
    }

    /// The reservations of a title's capacity (live tokens, leases, contracts).
    pub fn reservations(&self, title: &TitleId) -> Result<Vec<Reservation>, AppError> {
        Ok(Committed(self.store()).reservations(title)?)
    }

    /// How many reservations (live capacity tokens, leases, delivery contracts) keep a title from
    /// retiring or being redeemed.
    pub fn reservation_count(&self, title: &TitleId) -> Result<u64, AppError> {
        Ok(Committed(self.store()).reservation_count(title)?)
    }

    /// An order.
    pub fn order(&self, id: u64) -> Result<Option<Order>, AppError> {
        Ok(Committed(self.store()).order(id)?)
    }

    /// A lease.
    pub fn lease(&self, id: u64) -> Result<Option<Lease>, AppError> {
        Ok(Committed(self.store()).lease(id)?)
    }

    /// One epoch of the green compute index.
    pub fn green_index(&self, epoch: u64) -> Result<crate::modules::lease::GreenIndex, AppError> {
        Ok(Committed(self.store()).green_index(epoch)?)
    }

    /// The last epoch of the green compute index published.
    pub fn green_index_published(&self) -> Result<Option<u64>, AppError> {
        Ok(Committed(self.store()).green_index_published()?)
    }

    /// Ids of the leases that stream now.
    pub fn open_leases(&self) -> Result<Vec<u64>, AppError> {
        Ok(Committed(self.store()).open_leases()?)
    }

    /// A delivery contract.
    pub fn contract(&self, id: u64) -> Result<Option<Contract>, AppError> {
        Ok(Committed(self.store()).contract(id)?)
    }

    /// Penalties recorded on a title for broken delivery contracts.
    pub fn penalties(&self, title: &TitleId) -> Result<Vec<Penalty>, AppError> {
        Ok(crate::modules::delivery::query::penalties(&Committed(self.store()), title, LIST_ENTRIES_MAX)?)
    }

    /// A pool, by its pair in either order.
    pub fn pool(&self, x: &AssetId, y: &AssetId) -> Result<Option<crate::modules::amm::Pool>, AppError> {
        Ok(Committed(self.store()).pool(x, y)?)
    }
}
