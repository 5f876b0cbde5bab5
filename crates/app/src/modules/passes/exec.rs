//! Handlers of `passes` messages and the end-of-block release of expired series.

use super::event::PassesEvent;
use super::state::*;
use crate::modules::assets::{AssetInfo, AssetsRead, AssetsWrite};
use crate::modules::bank::{BankRead, BankWrite};
use crate::modules::context::{Handler, TxContext};
use crate::modules::revenue;
use crate::modules::shares::SharesRead;
use crate::state::{contained, refuse, ExecError, Overlay, StateRead, StateWrite};
use computefi_types::{mul_div_floor, Amount, AssetId, ErrorCode, Event, PassesMsg, TxError};

fn full(detail: String) -> ExecError {
    refuse(ErrorCode::PassesFull, detail)
}

/// Opens the series (share token, expiry) at block time `now_ms`: its pass asset, its record and
/// its places in the live lists.
fn open_series<S: StateWrite + Sized>(
    state: &mut S,
    shares: &AssetId,
    expiry_ms: u64,
    now_ms: u64,
) -> Result<Series, ExecError> {
    let asset = series_asset(shares, expiry_ms);
    let mut of_shares: Vec<(u64, AssetId)> = state.get(&of_shares_key(shares))?.unwrap_or_default();
    if of_shares.len() >= SERIES_PER_SHARES_MAX {
        return Err(full(format!(
            "{shares} has {} live series, at most {SERIES_PER_SHARES_MAX}",
            of_shares.len()
        )));
    }
    let mut live: Vec<(u64, AssetId)> = state.get(LIVE_KEY)?.unwrap_or_default();
    if live.len() >= SERIES_LIVE_MAX {
        return Err(full(format!("{} live series, at most {SERIES_LIVE_MAX}", live.len())));
    }
    if state.asset(&asset)?.is_some() {
        return Err(ExecError::invariant(format!("pass asset {asset} exists before its series")));
    }
    state.put_asset(&AssetInfo {
        id: asset,
        issuer: module_account(),
        symbol: "PASS".into(),
        name: format!(
            "yield pass {} to {expiry_ms}",
            &shares.to_string().chars().take(24).collect::<String>()
        ),
        decimals: PASS_DECIMALS,
        max_supply: None,
        supply: Amount::ZERO,
    });
    let index = state.next_in_sequence(COUNT_KEY.to_string())?;
    state.put(index_key(index), &asset);
    of_shares.push((expiry_ms, asset));
    state.put(of_shares_key(shares), &of_shares);
    let at = live.partition_point(|(e, _)| *e <= expiry_ms);
    live.insert(at, (expiry_ms, asset));
    state.put(LIVE_KEY.to_string(), &live);
    Ok(Series {
        asset,
        index,
        shares: *shares,
        start_ms: now_ms,
        expiry_ms,
        locked: Amount::ZERO,
        minted: Amount::ZERO,
        locks: Vec::new(),
        released: false,
    })
}

/// Pass units for `shares` locked at `now_ms` in a series running `start_ms..expiry_ms`, rounded
/// down: `shares × PASS_UNITS_PER_SHARE × (expiry − now) / (expiry − start)`.
pub fn passes_for(shares: Amount, start_ms: u64, expiry_ms: u64, now_ms: u64) -> Option<Amount> {
    let left = expiry_ms.checked_sub(now_ms)?;
    let term = expiry_ms.checked_sub(start_ms)?;
    let units = shares.0.checked_mul(PASS_UNITS_PER_SHARE)?;
    mul_div_floor(units, u128::from(left), u128::from(term)).map(Amount)
}

fn lock(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    shares: &AssetId,
    amount: Amount,
    expiry_ms: u64,
) -> Result<Vec<Event>, ExecError> {
    match state.vault(shares)? {
        Some(vault) if vault.open => {}
        _ => {
            return Err(refuse(ErrorCode::NotShareToken, format!("{shares} is no open vault's share token")))
        }
    }
    let ahead = expiry_ms.checked_sub(ctx.time_ms).filter(|a| *a > 0);
    if ahead.is_none_or(|a| a > EXPIRY_AHEAD_MS_MAX) {
        return Err(refuse(
            ErrorCode::BadPassExpiry,
            format!(
                "expiry {expiry_ms} ms; block time {} ms, at most {EXPIRY_AHEAD_MS_MAX} ms ahead",
                ctx.time_ms
            ),
        ));
    }
    let held = state.balance(&ctx.sender, shares)?;
    if held < amount {
        return Err(refuse(
            ErrorCode::SharesNotHeld,
            format!("{} holds {held} of {shares}, locks {amount}", ctx.sender),
        ));
    }
    let asset = series_asset(shares, expiry_ms);
    let mut series = match state.pass_series(&asset)? {
        Some(series) => series,
        None => open_series(state, shares, expiry_ms, ctx.time_ms)?,
    };
    let minted = passes_for(amount, series.start_ms, expiry_ms, ctx.time_ms).ok_or_else(|| {
        refuse(ErrorCode::AmountOverflow, format!("{amount} shares × {PASS_UNITS_PER_SHARE}"))
    })?;
    if minted.is_zero() {
        return Err(refuse(ErrorCode::LockTooSmall, format!("{amount} shares mint 0 pass units of {asset}")));
    }
    let overflow = || refuse(ErrorCode::AmountOverflow, format!("series {asset} totals"));
    let lockers = series.locks.len();
    match series.locks.iter_mut().find(|l| l.locker == ctx.sender) {
        Some(l) => {
            l.shares = l.shares.checked_add(amount).ok_or_else(overflow)?;
            l.passes = l.passes.checked_add(minted).ok_or_else(overflow)?;
        }
        None if lockers >= LOCKERS_PER_SERIES_MAX => {
            return Err(full(format!("series {asset} has {LOCKERS_PER_SERIES_MAX} lockers")));
        }
        None => series.locks.push(Lock { locker: ctx.sender, shares: amount, passes: minted }),
    }
    series.locked = series.locked.checked_add(amount).ok_or_else(overflow)?;
    series.minted = series.minted.checked_add(minted).ok_or_else(overflow)?;
    state.put(series_key(&asset), &series);
    // Held like pledged collateral: a movement into the series' own account, outside the
    // share token's holder rules (the locker keeps the right to the shares).
    state.transfer(&ctx.sender, &series_account(&asset), shares, amount)?;
    // The mint's balance hook collects the income so far over the passes before these.
    state.mint_to(&ctx.sender, &asset, minted)?;
    Ok(vec![PassesEvent::Locked {
        series: asset,
        locker: ctx.sender,
        shares: *shares,
        amount,
        expiry_ms,
        passes: minted,
    }
    .into()])
}

fn claim(state: &mut Overlay<'_>, ctx: &TxContext, series_id: &AssetId) -> Result<Vec<Event>, ExecError> {
    let series = state.require_pass_series(series_id)?;
    let balance = state.balance(&ctx.sender, series_id)?;
    settle(state, series_id, &ctx.sender, balance, balance)?;
    let mut events = Vec::new();
    for asset in revenue::query::income_assets(&*state, &series.shares)? {
        let paid = pay(state, series_id, &asset, &ctx.sender)?;
        if !paid.is_zero() {
            events.push(
                PassesEvent::Claimed { series: *series_id, holder: ctx.sender, asset, amount: paid }.into(),
            );
        }
    }
    if events.is_empty() {
        return Err(refuse(
            ErrorCode::NoPassIncome,
            format!("{} is owed nothing by series {series_id}", ctx.sender),
        ));
    }
    Ok(events)
}

fn unlist(list: &mut Vec<(u64, AssetId)>, series: &AssetId) {
    list.retain(|(_, a)| a != series);
}

/// Releases an expired series: collects its last income for the passes, marks it released (it
/// earns nothing more) and returns every locker's shares.
pub fn release<S: StateWrite + Sized>(
    state: &mut S,
    series_id: &AssetId,
    now_ms: u64,
) -> Result<Vec<Event>, ExecError> {
    let mut series = state.require_pass_series(series_id)?;
    if series.released || now_ms < series.expiry_ms {
        return Err(refuse(
            ErrorCode::SeriesNotExpired,
            format!(
                "series {series_id} expires at {} ms (released: {}); block time {now_ms} ms",
                series.expiry_ms, series.released
            ),
        ));
    }
    collect(state, &series)?;
    let account = series_account(series_id);
    for l in &series.locks {
        state.transfer(&account, &l.locker, &series.shares, l.shares)?;
    }
    let returned = series.locked;
    series.locked = Amount::ZERO;
    series.released = true;
    state.put(series_key(series_id), &series);
    let mut of_shares: Vec<(u64, AssetId)> = state.get(&of_shares_key(&series.shares))?.unwrap_or_default();
    unlist(&mut of_shares, series_id);
    if of_shares.is_empty() {
        state.delete(of_shares_key(&series.shares));
    } else {
        state.put(of_shares_key(&series.shares), &of_shares);
    }
    let mut live: Vec<(u64, AssetId)> = state.get(LIVE_KEY)?.unwrap_or_default();
    unlist(&mut live, series_id);
    state.put(LIVE_KEY.to_string(), &live);
    Ok(vec![PassesEvent::Released {
        series: *series_id,
        shares: series.shares,
        returned,
        lockers: series.locks.len() as u64,
    }
    .into()])
}

fn burn(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    series_id: &AssetId,
    amount: Amount,
) -> Result<Vec<Event>, ExecError> {
    let series = state.require_pass_series(series_id)?;
    if ctx.time_ms < series.expiry_ms {
        return Err(refuse(
            ErrorCode::SeriesNotExpired,
            format!("series {series_id} expires at {} ms; block time {} ms", series.expiry_ms, ctx.time_ms),
        ));
    }
    let mut events = Vec::new();
    if !series.released {
        events.extend(release(state, series_id, ctx.time_ms)?);
    }
    state.burn_from(&ctx.sender, series_id, amount)?;
    events.push(PassesEvent::Burned { series: *series_id, holder: ctx.sender, amount }.into());
    Ok(events)
}

/// Releases every series of `shares` whose expiry has passed (at most
/// [`SERIES_PER_SHARES_MAX`]), before income reaches the share token's holders (the wiring's
/// `income_arriving` hook): income paid at or after a series' expiry is the lockers'. Each
/// release runs on its own overlay; one that cannot be served (its account short of the shares)
/// is skipped with `passes.stalled`, so it never stops the income.
pub fn release_due(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    shares: &AssetId,
) -> Result<Vec<Event>, ExecError> {
    let of_shares: Vec<(u64, AssetId)> = state.get(&of_shares_key(shares))?.unwrap_or_default();
    let mut events = Vec::new();
    for (_, series) in of_shares.iter().filter(|(expiry, _)| *expiry <= ctx.time_ms) {
        match contained(state, |s| release(s, series, ctx.time_ms))? {
            Ok(released) => events.extend(released),
            Err(refusal) => events.push(PassesEvent::Stalled { series: *series, error: refusal.name }.into()),
        }
    }
    Ok(events)
}

/// Releases up to [`RELEASES_PER_BLOCK_MAX`] series whose expiry has passed, earliest first,
/// each on its own overlay: one that cannot be released (its account short of the shares) is
/// taken off the live list with a `passes.stalled` event and waits for a `Release` message.
pub fn end_block(state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let live: Vec<(u64, AssetId)> = state.get(LIVE_KEY)?.unwrap_or_default();
    let due: Vec<AssetId> = live
        .iter()
        .take(RELEASES_PER_BLOCK_MAX)
        .take_while(|(expiry, _)| *expiry <= ctx.time_ms)
        .map(|(_, a)| *a)
        .collect();
    let mut events = Vec::with_capacity(due.len());
    for series in due {
        match contained(state, |s| release(s, &series, ctx.time_ms))? {
            Ok(released) => events.extend(released),
            Err(refusal) => {
                let mut live: Vec<(u64, AssetId)> = state.get(LIVE_KEY)?.unwrap_or_default();
                unlist(&mut live, &series);
                state.put(LIVE_KEY.to_string(), &live);
                events.push(PassesEvent::Stalled { series, error: refusal.name }.into());
            }
        }
    }
    Ok(events)
}

impl Handler for PassesMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        match self {
            PassesMsg::Lock { amount, .. } | PassesMsg::Burn { amount, .. } if amount.is_zero() => {
                Err(TxError::new(ErrorCode::ZeroAmount, "the amount must be above zero"))
            }
            _ => Ok(()),
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            PassesMsg::Lock { shares, amount, expiry_ms } => lock(state, ctx, shares, *amount, *expiry_ms),
            PassesMsg::Claim { series } => claim(state, ctx, series),
            PassesMsg::Release { series } => release(state, series, ctx.time_ms),
            PassesMsg::Burn { series, amount } => burn(state, ctx, series, *amount),
        }
    }
}
