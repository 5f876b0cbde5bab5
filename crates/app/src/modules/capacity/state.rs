//! Keys and typed access of `capacity`: one record per token, the reservations of each title,
//! and the list of live tokens in expiry order.

use super::event::CapacityEvent;
use crate::modules::context::TxContext;
use crate::modules::registry::{RegistryWrite, Title};
use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::title::{CapacityUnit, TitleClass, TitleStatus};
use computefi_types::{Address, AssetId, CapacityWindow, ErrorCode, Event, TitleId, TxError};
use serde::{Deserialize, Serialize};

/// Most reservations (live tokens, leases, contracts) one title holds at once.
pub const RESERVATIONS_PER_TITLE_MAX: usize = 64;
/// Most live (unexpired) capacity tokens on the ledger.
pub const TOKENS_LIVE_MAX: usize = 1_024;
/// Most tokens expired at the end of one block (the rest wait for the next block).
pub const EXPIRIES_PER_BLOCK_MAX: usize = 64;
/// Longest GPU-hour window, hours.
pub const WINDOW_HOURS_MAX: u32 = 24 * 366;
/// One hour, ms.
pub const HOUR_MS: u64 = 3_600_000;
/// One day, ms.
pub const DAY_MS: u64 = 86_400_000;

/// This module's account (the issuer of every capacity token).
pub fn module_account() -> Address {
    Address::module("capacity")
}

/// What holds a reservation.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holding {
    /// A live capacity token.
    Token(AssetId),
    /// A lease agreed through an order (leases from tokens use the token's reservation).
    Lease(#[serde(with = "computefi_types::serde_str::u64_str")] u64),
    /// A delivery contract agreed through an offer.
    Contract(#[serde(with = "computefi_types::serde_str::u64_str")] u64),
}

/// Part of a title's capacity held over a period.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Reservation {
    /// Who holds it.
    pub holding: Holding,
    /// Start, block time in ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub start_ms: u64,
    /// End (exclusive), block time in ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub end_ms: u64,
    /// Capacity held, thousandths of the title's unit (GPUs or TH/s).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub rate_milli: u64,
}

/// A capacity token as stored.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct CapacityToken {
    /// The token's asset id.
    pub asset: AssetId,
    /// The title whose capacity it is.
    pub title: TitleId,
    /// What was issued.
    pub window: CapacityWindow,
    /// Start of the window, block time in ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub start_ms: u64,
    /// End of the window (the token expires then), block time in ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub end_ms: u64,
    /// Capacity reserved, thousandths of a GPU or a TH/s.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub rate_milli: u64,
    /// Height of issue.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub issued_height: u64,
    /// Set at the end of the block in which the window ended.
    pub expired: bool,
}

/// Key of a token's record.
pub(super) fn token_key(asset: &AssetId) -> String {
    crate::state_key!("capacity/token/{asset}")
}

/// Key of a title's reservations.
pub(super) fn reservations_key(title: &TitleId) -> String {
    crate::state_key!("capacity/reserved/{title}")
}

/// Key of the number of tokens a title ever issued.
pub(super) fn issued_count_key(title: &TitleId) -> String {
    crate::state_key!("capacity/issued/{title}")
}

/// Key of the live tokens, `(end_ms, asset)` in ascending order.
pub(super) const LIVE_KEY: &str = "capacity/live";

/// Reading capacity state.
pub trait CapacityRead: StateRead + Sized {
    /// A capacity token's record, if `asset` is one.
    fn capacity_token(&self, asset: &AssetId) -> Result<Option<CapacityToken>, ExecError> {
        self.get(&token_key(asset))
    }

    /// The reservations of a title.
    fn reservations(&self, title: &TitleId) -> Result<Vec<Reservation>, ExecError> {
        Ok(self.get(&reservations_key(title))?.unwrap_or_default())
    }
}
impl<T: StateRead + Sized> CapacityRead for T {}

/// When `asset` expires, if it is a capacity token.
pub fn expiry_of<S: StateRead + Sized>(state: &S, asset: &AssetId) -> Result<Option<u64>, ExecError> {
    Ok(state.capacity_token(asset)?.map(|t| t.end_ms))
}

/// Refuses with `TokenExpired` when `asset` is a capacity token whose window has ended.
pub fn require_unexpired<S: StateRead + Sized>(
    state: &S,
    asset: &AssetId,
    now_ms: u64,
) -> Result<(), ExecError> {
    match expiry_of(state, asset)? {
        Some(end) if now_ms >= end => Err(expired(asset, end, now_ms)),
        _ => Ok(()),
    }
}

fn expired(asset: &AssetId, end_ms: u64, now_ms: u64) -> ExecError {
    TxError::new(
        ErrorCode::TokenExpired,
        format!("capacity token {asset} expired at {end_ms} ms; block time is {now_ms} ms"),
    )
    .into()
}

/// How much of its value a capacity token still has at `now_ms`, as `(remaining, window)`:
/// the part of its window not yet past. `None` before the window starts (all of it usable) and
/// for other assets; `TokenExpired` once the window has ended. The time-aware pools weigh what a
/// seller pays in by it.
pub fn value_weight<S: StateRead + Sized>(
    state: &S,
    asset: &AssetId,
    now_ms: u64,
) -> Result<Option<(u128, u128)>, ExecError> {
    let Some(t) = state.capacity_token(asset)? else { return Ok(None) };
    if now_ms >= t.end_ms {
        return Err(expired(asset, t.end_ms, now_ms));
    }
    // start < now < end here, so neither difference saturates.
    let remaining = u128::from(t.end_ms.saturating_sub(now_ms));
    Ok((now_ms > t.start_ms).then(|| (remaining, u128::from(t.end_ms.saturating_sub(t.start_ms)))))
}

/// Who sells a title's capacity: its holder, or its operator while it is fractionalised (the
/// holder is then the shares module, and the income reaches the share holders).
pub fn provider_of(title: &Title) -> Address {
    if title.locked_by.is_some() {
        title.operator
    } else {
        title.holder
    }
}

/// Refuses with `TitleNotActive` unless the title is `Active` now: capacity is sold, leased,
/// contracted and redeemed only while evidence shows the hardware in service.
pub fn require_active(title: &Title) -> Result<(), ExecError> {
    if title.status != TitleStatus::Active {
        return Err(TxError::new(
            ErrorCode::TitleNotActive,
            format!("title {} is {:?}", title.id, title.status),
        )
        .into());
    }
    Ok(())
}

/// Refuses unless `who` is the title's provider and the title is verified and active.
pub fn require_provider(title: &Title, who: &Address) -> Result<(), ExecError> {
    let provider = provider_of(title);
    if provider != *who {
        return Err(TxError::new(
            ErrorCode::NotProvider,
            format!("title {} is provided by {provider}, not {who}", title.id),
        )
        .into());
    }
    if !title.status.is_verified() {
        return Err(TxError::new(
            ErrorCode::TitleNotVerified,
            format!("title {} is {:?}", title.id, title.status),
        )
        .into());
    }
    require_active(title)
}

/// The title's verified capacity in thousandths of its unit: GPUs for GPU servers, TH/s for
/// ASIC miners; `None` for other titles.
pub fn verified_capacity(title: &Title) -> Option<u64> {
    match title.spec.class {
        TitleClass::GpuServer => Some(u64::from(title.spec.count).saturating_mul(1_000)),
        TitleClass::AsicMiner => {
            title.spec.capacity.iter().find(|c| c.unit == CapacityUnit::TerahashPerSecond).map(|c| c.milli)
        }
        TitleClass::EnergySite => None,
    }
}

/// The most capacity `reservations` hold at any moment of `[start_ms, end_ms)`.
pub fn peak_reserved(reservations: &[Reservation], start_ms: u64, end_ms: u64) -> u128 {
    let overlapping: Vec<&Reservation> =
        reservations.iter().filter(|r| r.start_ms < end_ms && r.end_ms > start_ms).collect();
    // The sum only rises where a reservation starts, so those moments (and the start) suffice.
    std::iter::once(start_ms)
        .chain(overlapping.iter().map(|r| r.start_ms).filter(|s| *s > start_ms))
        .map(|moment| {
            overlapping
                .iter()
                .filter(|r| r.start_ms <= moment && moment < r.end_ms)
                .map(|r| u128::from(r.rate_milli))
                .sum::<u128>()
        })
        .max()
        .unwrap_or(0)
}

/// Reserves `rate_milli` of the title's capacity over `[start_ms, end_ms)` for `holding`, or
/// refuses (`CapacityExceeded`, `TooManyTokens`) and changes nothing.
pub fn reserve<S: StateWrite + Sized>(
    state: &mut S,
    title: &Title,
    holding: Holding,
    (start_ms, end_ms): (u64, u64),
    rate_milli: u64,
) -> Result<(), ExecError> {
    let mut held = state.reservations(&title.id)?;
    if held.len() >= RESERVATIONS_PER_TITLE_MAX {
        return Err(TxError::new(
            ErrorCode::TooManyTokens,
            format!("title {} holds {} reservations", title.id, held.len()),
        )
        .into());
    }
    require_free(&held, title, (start_ms, end_ms), rate_milli)?;
    held.push(Reservation { holding, start_ms, end_ms, rate_milli });
    state.put(reservations_key(&title.id), &held);
    state.hold_reservation(&title.id)
}

/// Refuses with `CapacityExceeded` unless `rate_milli` more of the title's capacity is free at
/// every moment of `[start_ms, end_ms)` beside the reservations `held`.
pub fn require_free(
    held: &[Reservation],
    title: &Title,
    (start_ms, end_ms): (u64, u64),
    rate_milli: u64,
) -> Result<(), ExecError> {
    let capacity = verified_capacity(title).unwrap_or(0);
    let peak = peak_reserved(held, start_ms, end_ms);
    if peak.saturating_add(u128::from(rate_milli)) > u128::from(capacity) {
        return Err(TxError::new(
            ErrorCode::CapacityExceeded,
            format!(
                "title {}: verified capacity {capacity}‰, already held {peak}‰ in [{start_ms}, {end_ms}), asked {rate_milli}‰",
                title.id
            ),
        )
        .into());
    }
    Ok(())
}

/// Releases what `holding` reserved on a title (nothing if it holds nothing).
pub fn release<S: StateWrite + Sized>(
    state: &mut S,
    title: &TitleId,
    holding: &Holding,
) -> Result<(), ExecError> {
    let mut held = state.reservations(title)?;
    let before = held.len();
    held.retain(|r| r.holding != *holding);
    if held.len() != before {
        if held.is_empty() {
            state.delete(reservations_key(title));
        } else {
            state.put(reservations_key(title), &held);
        }
        // Holdings are ids, so one went; counted per reservation all the same (at most
        // RESERVATIONS_PER_TITLE_MAX).
        for _ in 0..before.saturating_sub(held.len()) {
            state.end_reservation(title)?;
        }
    }
    Ok(())
}

/// Expires the tokens whose window has ended by this block's time (at most
/// [`EXPIRIES_PER_BLOCK_MAX`]; the rest in the next blocks): marks them, releases their
/// reservations and emits `capacity.expired`.
pub fn end_block<S: StateWrite + Sized>(state: &mut S, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let mut live: Vec<(u64, AssetId)> = state.get(LIVE_KEY)?.unwrap_or_default();
    let due = live.iter().take(EXPIRIES_PER_BLOCK_MAX).take_while(|(end, _)| *end <= ctx.time_ms).count();
    if due == 0 {
        return Ok(Vec::new());
    }
    let mut events = Vec::with_capacity(due);
    for (_, asset) in live.drain(..due) {
        let Some(mut token) = state.capacity_token(&asset)? else {
            return Err(ExecError::invariant(format!("live capacity token {asset} has no record")));
        };
        token.expired = true;
        state.put(token_key(&asset), &token);
        release(state, &token.title, &Holding::Token(asset))?;
        events.push(CapacityEvent::Expired { token: asset, title: token.title, end_ms: token.end_ms }.into());
    }
    state.put(LIVE_KEY.to_string(), &live);
    Ok(events)
}
