//! Keys, records, limits and the settle step of `passes`.

use crate::modules::assets::AssetsRead;
use crate::modules::bank::{BankRead, BankWrite};
use crate::modules::revenue;
use crate::state::{ExecError, StateRead, StateWrite};
use computefi_types::{mul_div_floor, Address, Amount, AssetId, ErrorCode, TxError};
use serde::{Deserialize, Serialize};

use borsh::{BorshDeserialize, BorshSerialize};

/// How far ahead of the block time a lock's expiry may be: two years of 365 days.
pub const EXPIRY_AHEAD_MS_MAX: u64 = 730 * 24 * 3_600_000;
/// Most live (unreleased) series of one share token.
pub const SERIES_PER_SHARES_MAX: usize = 8;
/// Most live (unreleased) series on the ledger, which the end of the block walks by expiry.
pub const SERIES_LIVE_MAX: usize = 256;
/// Most lockers of one series (each gets its shares back at release).
pub const LOCKERS_PER_SERIES_MAX: usize = 64;
/// Most series the end of a block releases.
pub const RELEASES_PER_BLOCK_MAX: usize = 4;
/// Decimals of every pass asset: a share locked for a series' whole term mints
/// [`PASS_UNITS_PER_SHARE`] pass units, so a lock later in the term mints a fraction of a share's
/// units that is still a whole number of them.
pub const PASS_DECIMALS: u8 = 6;
/// Pass units minted per share locked for a series' whole term (`10^PASS_DECIMALS`).
pub const PASS_UNITS_PER_SHARE: u128 = 1_000_000;
/// Scale of the income-per-pass-unit accumulator.
pub const PRECISION: u128 = 1_000_000_000_000;

/// The module's own account: the issuer of every pass asset, and the holder of income collected
/// for pass holders until they claim it.
pub fn module_account() -> Address {
    Address::module("passes")
}

/// The account that holds a series' locked shares. It is deliberately not marked as a module's
/// account, so `revenue` pays it the shares' income like any holder's; only this module moves
/// what it holds.
pub fn series_account(series: &AssetId) -> Address {
    Address::module(&format!("passes/{series}"))
}

/// The pass asset of the series (share token, expiry).
pub fn series_asset(shares: &AssetId, expiry_ms: u64) -> AssetId {
    AssetId::derive(&module_account(), &format!("{shares}/{expiry_ms}"))
}

/// One locker's shares in a series.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Lock {
    /// The locker, to whom the shares return.
    pub locker: Address,
    /// Shares locked.
    pub shares: Amount,
    /// Pass units minted to it.
    pub passes: Amount,
}

/// A series of yield passes: one per (share token, expiry).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Series {
    /// The pass asset (the series' id).
    pub asset: AssetId,
    /// Index in the order series were opened, from 0.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub index: u64,
    /// The share token locked.
    pub shares: AssetId,
    /// Block time of the series' first lock (ms).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub start_ms: u64,
    /// Expiry (ms): from here the passes earn nothing.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub expiry_ms: u64,
    /// Shares locked now (zero once released).
    pub locked: Amount,
    /// Pass units minted in all.
    pub minted: Amount,
    /// The lockers, in the order they first locked.
    pub locks: Vec<Lock>,
    /// Whether the shares went back to the lockers (the series earns nothing more).
    pub released: bool,
}

/// A series' income in one asset.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct SeriesIncome {
    /// Income per pass unit × [`PRECISION`], summed over collections.
    pub acc: Amount,
    /// Numerator left over by the last division (scaled units), carried to the next collection.
    pub remainder: Amount,
    /// Income collected from `revenue` for the series.
    pub received: Amount,
    /// Income paid to pass holders.
    pub claimed: Amount,
}

/// One pass holder's position in a series' income in one asset.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct HolderIncome {
    /// `acc` when last settled.
    pub snapshot: Amount,
    /// Settled and not yet claimed.
    pub owed: Amount,
}

pub(super) fn series_key(series: &AssetId) -> String {
    crate::state_key!("passes/series/{series}")
}

pub(super) fn index_key(index: u64) -> String {
    crate::state_key!("passes/index/{index:020}")
}

pub(super) const COUNT_KEY: &str = "passes/count";

/// Live series of one share token, `(expiry, series)`.
pub(super) fn of_shares_key(shares: &AssetId) -> String {
    crate::state_key!("passes/of/{shares}")
}

/// Live series of the ledger, `(expiry, series)` sorted by expiry.
pub(super) const LIVE_KEY: &str = "passes/live";

pub(super) fn income_key(series: &AssetId, asset: &AssetId) -> String {
    crate::state_key!("passes/income/{series}/{asset}")
}

pub(super) fn holder_key(series: &AssetId, asset: &AssetId, holder: &Address) -> String {
    crate::state_key!("passes/holder/{series}/{asset}/{holder}")
}

/// Passes of a series that modules' accounts (pools) hold: they earn nothing, so a collection
/// divides over the pass supply less this.
pub(super) fn module_held_key(series: &AssetId) -> String {
    crate::state_key!("passes/module_held/{series}")
}

/// One module account's part of [`module_held_key`], as last counted.
pub(super) fn module_position_key(series: &AssetId, account: &Address) -> String {
    crate::state_key!("passes/module_position/{series}/{account}")
}

/// Passes of `series` that modules' accounts hold (pools), which earn no income.
pub fn module_held<S: StateRead + Sized>(state: &S, series: &AssetId) -> Result<Amount, ExecError> {
    Ok(state.get(&module_held_key(series))?.unwrap_or_default())
}

/// The passes of `series` that earn: the supply less what modules' accounts hold.
fn earning<S: StateRead + Sized>(state: &S, series: &AssetId) -> Result<Amount, ExecError> {
    let supply = state.require_asset(series)?.supply;
    supply
        .checked_sub(module_held(state, series)?)
        .ok_or_else(|| ExecError::invariant(format!("{series}: modules hold more passes than the supply")))
}

fn overflow(what: &str) -> ExecError {
    TxError::new(ErrorCode::AmountOverflow, format!("pass income arithmetic overflows: {what}")).into()
}

/// Reading passes.
pub trait PassesRead: StateRead + Sized {
    /// The series whose pass asset is `series`, if any.
    fn pass_series(&self, series: &AssetId) -> Result<Option<Series>, ExecError> {
        self.get(&series_key(series))
    }

    /// The series, or `UnknownPassSeries`.
    fn require_pass_series(&self, series: &AssetId) -> Result<Series, ExecError> {
        self.pass_series(series)?.ok_or_else(|| {
            TxError::new(ErrorCode::UnknownPassSeries, format!("no series has pass asset {series}")).into()
        })
    }

    /// The series opened `index`-th (from 0), if any.
    fn pass_series_at(&self, index: u64) -> Result<Option<Series>, ExecError> {
        match self.get::<AssetId>(&index_key(index))? {
            Some(asset) => self.pass_series(&asset),
            None => Ok(None),
        }
    }

    /// How many series were opened.
    fn pass_series_count(&self) -> Result<u64, ExecError> {
        Ok(self.get(COUNT_KEY)?.unwrap_or(0))
    }

    /// The series' income in `asset` (empty when none was collected).
    fn series_income(&self, series: &AssetId, asset: &AssetId) -> Result<SeriesIncome, ExecError> {
        Ok(self.get(&income_key(series, asset))?.unwrap_or_default())
    }
}
impl<T: StateRead + Sized> PassesRead for T {}

/// `balance × (acc − snapshot) / PRECISION`, rounded down.
fn earned(balance: Amount, acc: Amount, snapshot: Amount) -> Result<Amount, ExecError> {
    let delta = acc
        .0
        .checked_sub(snapshot.0)
        .ok_or_else(|| ExecError::invariant("pass income snapshot ahead of the series".into()))?;
    mul_div_floor(balance.0, delta, PRECISION)
        .map(Amount)
        .ok_or_else(|| overflow("balance × income per pass"))
}

/// Collects the income `revenue` owes the series' locked shares into this module's account and
/// adds it to the series' accumulators over the pass supply now. Nothing once released.
pub fn collect<S: StateWrite + Sized>(state: &mut S, series: &Series) -> Result<(), ExecError> {
    if series.released {
        return Ok(());
    }
    let supply = earning(&*state, &series.asset)?;
    let holder = series_account(&series.asset);
    for asset in revenue::query::income_assets(&*state, &series.shares)? {
        let got = revenue::state::collect(state, &series.shares, &asset, &holder, &module_account())?;
        if got.is_zero() {
            continue;
        }
        let key = income_key(&series.asset, &asset);
        let mut line: SeriesIncome = state.get(&key)?.unwrap_or_default();
        let numerator = got
            .0
            .checked_mul(PRECISION)
            .and_then(|x| x.checked_add(line.remainder.0))
            .ok_or_else(|| overflow("income × precision"))?;
        if supply.is_zero() {
            line.remainder = Amount(numerator);
        } else {
            let per_unit = numerator.checked_div(supply.0).ok_or_else(|| overflow("income per pass"))?;
            line.acc = line.acc.checked_add(Amount(per_unit)).ok_or_else(|| overflow("accumulator"))?;
            line.remainder =
                Amount(numerator.checked_rem(supply.0).ok_or_else(|| overflow("income per pass"))?);
        }
        line.received = line.received.checked_add(got).ok_or_else(|| overflow("received"))?;
        state.put(key, &line);
    }
    Ok(())
}

/// Settles `holder`'s pass income of `series_id` on `before`, the balance it held up to now,
/// before it becomes `after` (called by `bank` through the wiring's `balance_changing` before any
/// balance of any asset changes; a no-op for assets that are not passes). The series' income is
/// collected first, so income paid before a transfer stays with the sender. A module's account
/// (a pool) earns nothing: its passes are counted apart ([`module_held`]) and left out of every
/// collection's per-pass figure, so the other holders get all of it.
pub fn settle<S: StateWrite + Sized>(
    state: &mut S,
    series_id: &AssetId,
    holder: &Address,
    before: Amount,
    after: Amount,
) -> Result<(), ExecError> {
    let Some(series) = state.pass_series(series_id)? else { return Ok(()) };
    if state.is_module_account(holder)? {
        // No collection here: a collection moves income between the revenue and passes
        // accounts, which may be this very balance (passes paid as income of their own share
        // token) while its change is under way. Income not yet collected is shared over the
        // passes that earn when it is.
        return count_module_position(state, series_id, holder, before, after);
    }
    collect(state, &series)?;
    for asset in revenue::query::income_assets(&*state, &series.shares)? {
        let line = state.series_income(series_id, &asset)?;
        let key = holder_key(series_id, &asset, holder);
        let rec = match state.get::<HolderIncome>(&key)? {
            Some(rec) => rec,
            // A new holder starts at the accumulator now; one that held before the income asset's
            // first collection starts at zero, as the accumulator did.
            None if before.is_zero() => HolderIncome { snapshot: line.acc, owed: Amount::ZERO },
            None => HolderIncome::default(),
        };
        let more = earned(before, line.acc, rec.snapshot)?;
        let owed = rec.owed.checked_add(more).ok_or_else(|| overflow("owed"))?;
        let next = HolderIncome { snapshot: line.acc, owed };
        if state.get::<HolderIncome>(&key)?.as_ref() != Some(&next) {
            state.put(key, &next);
        }
    }
    Ok(())
}

/// Keeps [`module_held`] exact as a module account's passes of `series` change from `before` to
/// `after`. Passes an account held before it became a module's were counted with the holders:
/// what they earned until now stays owed to it (no key can claim it, so it stays in this
/// module's account), and from now on they are counted apart.
fn count_module_position<S: StateWrite + Sized>(
    state: &mut S,
    series: &AssetId,
    account: &Address,
    before: Amount,
    after: Amount,
) -> Result<(), ExecError> {
    let position_key = module_position_key(series, account);
    let counted: Amount = state.get(&position_key)?.unwrap_or_default();
    let held = module_held(&*state, series)?
        .checked_sub(counted)
        .ok_or_else(|| ExecError::invariant(format!("{series}: module-held passes below one account's")))?
        .checked_add(after)
        .ok_or_else(|| overflow("module-held passes"))?;
    if before < counted {
        return Err(ExecError::invariant(format!("{account} holds fewer passes of {series} than counted")));
    }
    if after.is_zero() {
        state.delete(position_key);
    } else {
        state.put(position_key, &after);
    }
    if held.is_zero() {
        state.delete(module_held_key(series));
    } else {
        state.put(module_held_key(series), &held);
    }
    Ok(())
}

/// The series' accumulator in `asset` as a collection now would leave it: with the income
/// `revenue` holds for the series' locked shares added over the pass supply.
fn acc_now<S: StateRead + Sized>(state: &S, series: &Series, asset: &AssetId) -> Result<Amount, ExecError> {
    let line = state.series_income(&series.asset, asset)?;
    if series.released {
        return Ok(line.acc);
    }
    let supply = earning(state, &series.asset)?;
    let account = series_account(&series.asset);
    let held = state.balance(&account, &series.shares)?;
    let pending = revenue::claimable(state, &series.shares, asset, &account, held)?;
    if supply.is_zero() || pending.is_zero() {
        return Ok(line.acc);
    }
    let numerator = pending
        .0
        .checked_mul(PRECISION)
        .and_then(|x| x.checked_add(line.remainder.0))
        .ok_or_else(|| overflow("income × precision"))?;
    let per_unit = numerator.checked_div(supply.0).ok_or_else(|| overflow("income per pass"))?;
    line.acc.checked_add(Amount(per_unit)).ok_or_else(|| overflow("accumulator"))
}

/// What `holder` could claim from `series` now, in each income asset of its share token: what a
/// `Claim` would pay (income `revenue` holds for the series counts as collected).
pub fn claimable<S: StateRead + Sized>(
    state: &S,
    series: &Series,
    holder: &Address,
) -> Result<Vec<(AssetId, Amount)>, ExecError> {
    let balance = state.balance(holder, &series.asset)?;
    let module = state.is_module_account(holder)?;
    let mut owed = Vec::new();
    for asset in revenue::query::income_assets(state, &series.shares)? {
        let acc = acc_now(state, series, &asset)?;
        let rec: HolderIncome = state.get(&holder_key(&series.asset, &asset, holder))?.unwrap_or_default();
        let total = if module {
            Amount::ZERO
        } else {
            earned(balance, acc, rec.snapshot)?.checked_add(rec.owed).ok_or_else(|| overflow("owed"))?
        };
        owed.push((asset, total));
    }
    Ok(owed)
}

/// Pays `holder` what it is owed in `asset` from this module's account; returns the amount.
pub(super) fn pay<S: StateWrite + Sized>(
    state: &mut S,
    series: &AssetId,
    asset: &AssetId,
    holder: &Address,
) -> Result<Amount, ExecError> {
    let key = holder_key(series, asset, holder);
    let Some(mut rec) = state.get::<HolderIncome>(&key)? else { return Ok(Amount::ZERO) };
    if rec.owed.is_zero() {
        return Ok(Amount::ZERO);
    }
    let paid = rec.owed;
    rec.owed = Amount::ZERO;
    state.put(key, &rec);
    let mut line = state.series_income(series, asset)?;
    line.claimed = line.claimed.checked_add(paid).ok_or_else(|| overflow("claimed"))?;
    if line.claimed > line.received {
        return Err(ExecError::invariant(format!("series {series} would pay more {asset} than it received")));
    }
    state.put(income_key(series, asset), &line);
    state.transfer(&module_account(), holder, asset, paid)?;
    Ok(paid)
}
