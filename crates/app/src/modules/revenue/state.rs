//! Keys, records and the settle step of `revenue`.

use crate::modules::bank::BankRead;
use crate::modules::shares::SharesRead;
use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::{Address, Amount, AssetId, ErrorCode, TxError};
use serde::{Deserialize, Serialize};

/// Scale of the income-per-share accumulator.
pub const PRECISION: u128 = 1_000_000_000_000;
/// Most income assets one share token pays in.
pub const INCOME_ASSETS_MAX: usize = 8;

/// The account that holds deposited income until it is claimed.
pub fn module_account() -> Address {
    Address::module("revenue")
}

/// Income of one share token in one asset.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct IncomePool {
    /// Income per share × PRECISION, summed over deposits.
    pub acc: Amount,
    /// Numerator left over by the last division (scaled units), carried to the next deposit.
    pub remainder: Amount,
    /// Sum of gross income declared.
    pub gross: Amount,
    /// Sum of operating costs declared.
    pub costs: Amount,
    /// Sum of net income deposited.
    pub net: Amount,
    /// Sum of income claimed.
    pub claimed: Amount,
    /// Number of deposits (record-date checkpoints).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub checkpoints: u64,
}

/// One holder's position in a pool.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct HolderIncome {
    /// `acc` when last settled.
    pub snapshot: Amount,
    /// Settled and not yet claimed.
    pub owed: Amount,
}

/// A deposit, kept for audit: what was declared, and the state of the pool after it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Sequence number, from 0.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub index: u64,
    /// Height of the deposit (the record date).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
    /// Block time of the deposit.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub time_ms: u64,
    /// Who deposited.
    pub depositor: Address,
    /// Period the income is for.
    pub period: String,
    /// Gross income.
    pub gross: Amount,
    /// Power cost.
    pub power: Amount,
    /// Hosting cost.
    pub hosting: Amount,
    /// Maintenance cost.
    pub maintenance: Amount,
    /// Net income deposited.
    pub net: Amount,
    /// Share supply at the record date.
    pub supply: Amount,
    /// Shares that earned at the record date: the supply less what modules' accounts (pools,
    /// escrow) held. The deposit divides over these; zero when it was carried to the next one.
    pub earning: Amount,
    /// Pool accumulator after the deposit.
    pub acc: Amount,
}

/// Key of a pool.
pub(super) fn pool_key(shares: &AssetId, asset: &AssetId) -> String {
    crate::state_key!("revenue/pool/{shares}/{asset}")
}

/// Key of a holder's position.
pub(super) fn holder_key(shares: &AssetId, asset: &AssetId, holder: &Address) -> String {
    crate::state_key!("revenue/holder/{shares}/{asset}/{holder}")
}

/// Key of the list of income assets of a share token.
pub(super) fn income_assets_key(shares: &AssetId) -> String {
    crate::state_key!("revenue/assets/{shares}")
}

/// Prefix of a pool's checkpoints.
pub(super) fn checkpoint_prefix(shares: &AssetId, asset: &AssetId) -> String {
    crate::state_key!("revenue/checkpoint/{shares}/{asset}/")
}

/// Key of one checkpoint (index zero-padded so keys sort in order).
pub(super) fn checkpoint_key(shares: &AssetId, asset: &AssetId, index: u64) -> String {
    format!("{}{index:020}", checkpoint_prefix(shares, asset))
}

/// Key of the shares of a token that modules' accounts hold (pools, escrow): they earn no income,
/// so a deposit divides over the supply less this.
pub(super) fn module_held_key(shares: &AssetId) -> String {
    crate::state_key!("revenue/module_held/{shares}")
}

/// Key of one module account's part of [`module_held_key`], as last counted.
pub(super) fn module_position_key(shares: &AssetId, account: &Address) -> String {
    crate::state_key!("revenue/module_position/{shares}/{account}")
}

/// Shares of `shares` held by modules' accounts (pools, escrow), which earn no income.
pub fn module_held<S: StateRead + Sized>(state: &S, shares: &AssetId) -> Result<Amount, ExecError> {
    Ok(state.get(&module_held_key(shares))?.unwrap_or_default())
}

/// The income held for the holders of `shares`, by income asset: deposited and not yet claimed.
pub fn income_held<S: StateRead + Sized>(
    state: &S,
    shares: &AssetId,
) -> Result<Vec<(AssetId, Amount)>, ExecError> {
    let assets: Vec<AssetId> = state.get(&income_assets_key(shares))?.unwrap_or_default();
    let mut held = Vec::with_capacity(assets.len());
    for asset in assets {
        let pool: IncomePool = state.get(&pool_key(shares, &asset))?.unwrap_or_default();
        let left = pool
            .net
            .checked_sub(pool.claimed)
            .ok_or_else(|| ExecError::invariant(format!("{shares}: more income claimed than deposited")))?;
        held.push((asset, left));
    }
    Ok(held)
}

fn overflow(what: &str) -> ExecError {
    TxError::new(ErrorCode::AmountOverflow, format!("income arithmetic overflows: {what}")).into()
}

/// `balance × (acc − snapshot) / PRECISION`.
fn earned(balance: Amount, acc: Amount, snapshot: Amount) -> Result<Amount, ExecError> {
    let delta = acc
        .0
        .checked_sub(snapshot.0)
        .ok_or_else(|| ExecError::invariant("income snapshot ahead of pool".into()))?;
    balance
        .0
        .checked_mul(delta)
        .map(|x| Amount(x / PRECISION))
        .ok_or_else(|| overflow("balance × income per share"))
}

/// What `holder` could claim now, holding `balance` of `shares`.
pub fn claimable<S: StateRead + Sized>(
    state: &S,
    shares: &AssetId,
    asset: &AssetId,
    holder: &Address,
    balance: Amount,
) -> Result<Amount, ExecError> {
    if state.is_module_account(holder)? {
        return Ok(Amount::ZERO);
    }
    let pool: IncomePool = state.get(&pool_key(shares, asset))?.unwrap_or_default();
    // No record means the holder has held `balance` since before the pool began (a holder that
    // arrives later gets a record at its first balance change).
    let rec: HolderIncome = state.get(&holder_key(shares, asset, holder))?.unwrap_or_default();
    earned(balance, pool.acc, rec.snapshot)?.checked_add(rec.owed).ok_or_else(|| overflow("owed"))
}

/// Settles `holder`'s income of `shares` in `asset` on its current balance and pays what it is
/// owed from this module's account to `to`; returns the amount (zero when nothing is owed). The
/// `Claim` message and `passes` (collecting the income of a series' locked shares) pay this way.
pub fn collect<S: StateWrite + Sized>(
    state: &mut S,
    shares: &AssetId,
    asset: &AssetId,
    holder: &Address,
    to: &Address,
) -> Result<Amount, ExecError> {
    let balance = state.balance(holder, shares)?;
    settle(state, shares, holder, balance, balance)?;
    let key = holder_key(shares, asset, holder);
    let Some(mut rec) = state.get::<HolderIncome>(&key)? else { return Ok(Amount::ZERO) };
    if rec.owed.is_zero() {
        return Ok(Amount::ZERO);
    }
    let paid = rec.owed;
    rec.owed = Amount::ZERO;
    state.put(key, &rec);
    let mut pool: IncomePool = state.get(&pool_key(shares, asset))?.unwrap_or_default();
    pool.claimed =
        pool.claimed.checked_add(paid).ok_or_else(|| ExecError::invariant("claimed overflows".into()))?;
    if pool.claimed > pool.net {
        return Err(ExecError::invariant(format!("pool {shares}/{asset} would pay out more than deposited")));
    }
    state.put(pool_key(shares, asset), &pool);
    crate::modules::bank::BankWrite::transfer(state, &module_account(), to, asset, paid)?;
    Ok(paid)
}

/// Settles `holder`'s income in every income asset of `shares` on `balance_before`, the
/// balance it held up to now, before it becomes `balance_after`. Called by `bank` before any
/// balance of any asset changes; a no-op for assets that pay no income. A module's account
/// earns nothing: its shares are counted apart ([`module_held`]) and left out of every
/// deposit's per-share figure, so what they would have earned goes to the other holders.
pub fn settle<S: StateWrite + Sized>(
    state: &mut S,
    shares: &AssetId,
    holder: &Address,
    balance_before: Amount,
    balance_after: Amount,
) -> Result<(), ExecError> {
    // Only a vault's share token carries income (a deposit needs the vault, and vault records
    // are never removed), so a change of any other asset settles nothing: one read instead of
    // two on every transfer of CFI or an issued asset.
    if state.vault(shares)?.is_none() {
        return Ok(());
    }
    if state.is_module_account(holder)? {
        return count_module_position(state, shares, holder, balance_before, balance_after);
    }
    let Some(assets) = state.get::<Vec<AssetId>>(&income_assets_key(shares))? else { return Ok(()) };
    for asset in &assets {
        let pool: IncomePool = state.get(&pool_key(shares, asset))?.unwrap_or_default();
        let key = holder_key(shares, asset, holder);
        let rec: Option<HolderIncome> = state.get(&key)?;
        let mut rec = match rec {
            Some(r) => r,
            // A new position starts at the current accumulator: no income from before it held.
            None if balance_before.is_zero() => HolderIncome { snapshot: pool.acc, owed: Amount::ZERO },
            None => HolderIncome::default(),
        };
        if rec.snapshot != pool.acc || state.get_raw(&key)?.is_none() {
            let more = earned(balance_before, pool.acc, rec.snapshot)?;
            rec.owed = rec.owed.checked_add(more).ok_or_else(|| overflow("owed"))?;
            rec.snapshot = pool.acc;
            state.put(key, &rec);
        }
    }
    Ok(())
}

/// Keeps [`module_held`] exact as a module account's balance of a share token changes from
/// `before` to `after`. Shares an account held before it became a module's (sent to a pool's
/// address before the pool opened) were counted with the holders until now: what they earned
/// joins the next deposit (through the pool's remainder) instead of staying on an account no
/// key controls, and from now on they are counted apart.
fn count_module_position<S: StateWrite + Sized>(
    state: &mut S,
    shares: &AssetId,
    account: &Address,
    before: Amount,
    after: Amount,
) -> Result<(), ExecError> {
    if state.vault(shares)?.is_none() {
        return Ok(());
    }
    let position_key = module_position_key(shares, account);
    let counted: Amount = state.get(&position_key)?.unwrap_or_default();
    let earning = before
        .checked_sub(counted)
        .ok_or_else(|| ExecError::invariant(format!("{account} holds fewer {shares} than counted")))?;
    let assets: Vec<AssetId> = state.get(&income_assets_key(shares))?.unwrap_or_default();
    for asset in &assets {
        let key = holder_key(shares, asset, account);
        let rec: Option<HolderIncome> = state.get(&key)?;
        if rec.is_none() && earning.is_zero() {
            continue;
        }
        let rec = rec.unwrap_or_default();
        let mut pool: IncomePool = state.get(&pool_key(shares, asset))?.unwrap_or_default();
        let owed =
            earned(earning, pool.acc, rec.snapshot)?.checked_add(rec.owed).ok_or_else(|| overflow("owed"))?;
        let carried = owed.0.checked_mul(PRECISION).ok_or_else(|| overflow("owed × precision"))?;
        pool.remainder = pool.remainder.checked_add(Amount(carried)).ok_or_else(|| overflow("remainder"))?;
        state.put(pool_key(shares, asset), &pool);
        state.delete(key);
    }
    let held = module_held(state, shares)?
        .checked_sub(counted)
        .ok_or_else(|| ExecError::invariant(format!("{shares}: module-held shares below one account's")))?
        .checked_add(after)
        .ok_or_else(|| overflow("module-held shares"))?;
    if after.is_zero() {
        state.delete(position_key);
    } else {
        state.put(position_key, &after);
    }
    if held.is_zero() {
        state.delete(module_held_key(shares));
    } else {
        state.put(module_held_key(shares), &held);
    }
    Ok(())
}
