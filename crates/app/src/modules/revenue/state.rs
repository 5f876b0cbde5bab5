//! Keys, records and the settle step of `revenue`.

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
    /// Pool accumulator after the deposit.
    pub acc: Amount,
}

/// Key of a pool.
pub(super) fn pool_key(shares: &AssetId, asset: &AssetId) -> String {
    format!("revenue/pool/{shares}/{asset}")
}

/// Key of a holder's position.
pub(super) fn holder_key(shares: &AssetId, asset: &AssetId, holder: &Address) -> String {
    format!("revenue/holder/{shares}/{asset}/{holder}")
}

/// Key of the list of income assets of a share token.
pub(super) fn income_assets_key(shares: &AssetId) -> String {
    format!("revenue/assets/{shares}")
}

/// Prefix of a pool's checkpoints.
pub(super) fn checkpoint_prefix(shares: &AssetId, asset: &AssetId) -> String {
    format!("revenue/checkpoint/{shares}/{asset}/")
}

/// Key of one checkpoint (index zero-padded so keys sort in order).
pub(super) fn checkpoint_key(shares: &AssetId, asset: &AssetId, index: u64) -> String {
    format!("{}{index:020}", checkpoint_prefix(shares, asset))
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
    let pool: IncomePool = state.get(&pool_key(shares, asset))?.unwrap_or_default();
    // No record means the holder has held `balance` since before the pool began (a holder that
    // arrives later gets a record at its first balance change).
    let rec: HolderIncome = state.get(&holder_key(shares, asset, holder))?.unwrap_or_default();
    earned(balance, pool.acc, rec.snapshot)?.checked_add(rec.owed).ok_or_else(|| overflow("owed"))
}

/// Settles `holder`'s income in every income asset of `shares` on `balance_before`, the
/// balance it held up to now. Called by `bank` before any balance of any asset changes; a
/// no-op for assets that pay no income.
pub fn settle<S: StateWrite + Sized>(
    state: &mut S,
    shares: &AssetId,
    holder: &Address,
    balance_before: Amount,
) -> Result<(), ExecError> {
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
