//! Handlers of `capacity` messages.

use super::event::CapacityEvent;
use super::state::*;
use crate::modules::assets::{AssetInfo, AssetsRead, AssetsWrite};
use crate::modules::bank::{BankRead, BankWrite};
use crate::modules::context::{Handler, TxContext};
use crate::modules::registry::RegistryRead;
use crate::state::{ExecError, Overlay, StateRead, StateWrite};
use computefi_types::title::TitleClass;
use computefi_types::{Amount, AssetId, CapacityMsg, CapacityWindow, ErrorCode, Event, TxError};

/// A refusal: the window asked for does not fit the token's (or is malformed).
pub fn bad_window(detail: String) -> ExecError {
    TxError::new(ErrorCode::BadCapacityWindow, detail).into()
}

/// The window's `(start_ms, end_ms)`, capacity per moment (thousandths) and token supply
/// (thousandths of a GPU-hour or TH/s-day).
fn window_terms(window: &CapacityWindow) -> Option<((u64, u64), u64, u128)> {
    match *window {
        CapacityWindow::GpuHours { gpus, start_ms, hours } => {
            let end = start_ms.checked_add(u64::from(hours).checked_mul(HOUR_MS)?)?;
            let rate = u64::from(gpus).checked_mul(1_000)?;
            Some(((start_ms, end), rate, u128::from(rate).checked_mul(u128::from(hours))?))
        }
        CapacityWindow::ThsDay { ths_milli, day } => {
            let start = day.checked_mul(DAY_MS)?;
            Some(((start, start.checked_add(DAY_MS)?), ths_milli, u128::from(ths_milli)))
        }
    }
}

fn check_window(window: &CapacityWindow) -> Result<(), TxError> {
    let ok = match *window {
        CapacityWindow::GpuHours { gpus, hours, .. } => gpus > 0 && hours > 0 && hours <= WINDOW_HOURS_MAX,
        CapacityWindow::ThsDay { ths_milli, .. } => ths_milli > 0,
    };
    if !ok || window_terms(window).is_none() {
        return Err(TxError::new(
            ErrorCode::BadCapacityWindow,
            format!("{window:?}: GPUs and hours above zero, at most {WINDOW_HOURS_MAX} hours"),
        ));
    }
    Ok(())
}

fn issue(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    title_id: &computefi_types::TitleId,
    window: &CapacityWindow,
) -> Result<Vec<Event>, ExecError> {
    let title = state.require_title(title_id)?;
    require_provider(&title, &ctx.sender)?;
    let ((start, end), rate, supply) =
        window_terms(window).ok_or_else(|| bad_window(format!("{window:?} overflows")))?;
    let (fits, unit, symbol) = match window {
        CapacityWindow::GpuHours { .. } => (title.spec.class == TitleClass::GpuServer, "GPU-hours", "GPUH"),
        CapacityWindow::ThsDay { .. } => (title.spec.class == TitleClass::AsicMiner, "TH/s-days", "THSD"),
    };
    if !fits {
        return Err(bad_window(format!("{unit} from a {:?} title", title.spec.class)));
    }
    if end <= ctx.time_ms {
        return Err(bad_window(format!("the window ended at {end} ms; block time is {} ms", ctx.time_ms)));
    }
    let mut live: Vec<(u64, AssetId)> = state.get(LIVE_KEY)?.unwrap_or_default();
    if live.len() >= TOKENS_LIVE_MAX {
        return Err(TxError::new(ErrorCode::TooManyTokens, format!("{} live tokens", live.len())).into());
    }
    let n = state.next_in_sequence(issued_count_key(title_id))?;
    let asset = AssetId::derive(&module_account(), &format!("{title_id}/{n}"));
    reserve(state, &title, Holding::Token(asset), (start, end), rate)?;
    if state.asset(&asset)?.is_some() {
        return Err(ExecError::invariant(format!("capacity token {asset} exists before its issue")));
    }
    let model: String = title.spec.model.chars().take(24).collect();
    state.put_asset(&AssetInfo {
        id: asset,
        issuer: module_account(),
        symbol: symbol.into(),
        name: format!("{model} {unit} {}", start / HOUR_MS),
        decimals: 3,
        max_supply: Some(Amount(supply)),
        supply: Amount(supply),
    });
    state.credit(&ctx.sender, &asset, Amount(supply))?;
    let token = CapacityToken {
        asset,
        title: *title_id,
        window: window.clone(),
        start_ms: start,
        end_ms: end,
        rate_milli: rate,
        issued_height: ctx.height,
        expired: false,
    };
    state.put(token_key(&asset), &token);
    let at = live.partition_point(|(e, _)| *e <= end);
    live.insert(at, (end, asset));
    state.put(LIVE_KEY.to_string(), &live);
    Ok(vec![CapacityEvent::Issued {
        token: asset,
        title: *title_id,
        provider: ctx.sender,
        start_ms: start,
        end_ms: end,
        rate_milli: rate,
        supply,
    }
    .into()])
}

/// The live token of the given kind (GPU-hours when `gpu`, else TH/s-days), or the reason it
/// cannot be redeemed. `lease` and `delivery` redeem their own capacity with it and [`burn`].
pub fn redeemable(
    state: &Overlay<'_>,
    ctx: &TxContext,
    asset: &AssetId,
    gpu: bool,
) -> Result<CapacityToken, ExecError> {
    let token = state.capacity_token(asset)?.ok_or_else(|| {
        TxError::new(ErrorCode::NotCapacityToken, format!("{asset} is not a capacity token"))
    })?;
    if matches!(token.window, CapacityWindow::GpuHours { .. }) != gpu {
        return Err(
            TxError::new(ErrorCode::NotCapacityToken, format!("{asset} is {:?}", token.window)).into()
        );
    }
    require_unexpired(state, asset, ctx.time_ms)?;
    Ok(token)
}

/// Burns `amount` of a capacity token from the signer.
pub fn burn(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    asset: &AssetId,
    amount: Amount,
) -> Result<(), ExecError> {
    state.burn_from(&ctx.sender, asset, amount).map(|_| ())
}

/// Returns a whole live token: the sender holds its entire issued supply (so none was redeemed
/// and nothing rests on it), burns it, takes it off the live list and frees its reservation.
fn return_token(state: &mut Overlay<'_>, ctx: &TxContext, asset: &AssetId) -> Result<Vec<Event>, ExecError> {
    let mut token = state.capacity_token(asset)?.ok_or_else(|| {
        TxError::new(ErrorCode::NotCapacityToken, format!("{asset} is not a capacity token"))
    })?;
    require_unexpired(state, asset, ctx.time_ms)?;
    if token.expired {
        return Err(TxError::new(ErrorCode::TokenExpired, format!("{asset} has expired")).into());
    }
    let info = state
        .asset(asset)?
        .ok_or_else(|| ExecError::invariant(format!("capacity token {asset} has no asset record")))?;
    let held = state.balance(&ctx.sender, asset)?;
    if Some(info.supply) != info.max_supply || held != info.supply {
        return Err(TxError::new(
            ErrorCode::TokenNotWhole,
            format!(
                "{asset}: issued {}, in circulation {}, held by {} {}",
                info.max_supply.unwrap_or_default(),
                info.supply,
                ctx.sender,
                held
            ),
        )
        .into());
    }
    state.burn_from(&ctx.sender, asset, info.supply)?;
    token.expired = true;
    state.put(token_key(asset), &token);
    let mut live: Vec<(u64, AssetId)> = state.get(LIVE_KEY)?.unwrap_or_default();
    live.retain(|(_, a)| a != asset);
    state.put(LIVE_KEY.to_string(), &live);
    release(state, &token.title, &Holding::Token(*asset))?;
    Ok(vec![CapacityEvent::Returned {
        token: *asset,
        title: token.title,
        by: ctx.sender,
        supply: info.supply,
    }
    .into()])
}

impl Handler for CapacityMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        match self {
            CapacityMsg::Issue { window, .. } => check_window(window),
            CapacityMsg::RedeemGpuHours { gpus, hours, .. } => {
                if *gpus == 0 || *hours == 0 || *hours > WINDOW_HOURS_MAX {
                    return Err(TxError::new(ErrorCode::ZeroAmount, format!("{gpus} GPUs for {hours} h")));
                }
                Ok(())
            }
            CapacityMsg::RedeemThsDay { amount, .. } => {
                if amount.is_zero() {
                    return Err(TxError::new(ErrorCode::ZeroAmount, "amount is 0"));
                }
                Ok(())
            }
            CapacityMsg::Return { .. } => Ok(()),
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            CapacityMsg::Issue { title, window } => issue(state, ctx, title, window),
            CapacityMsg::Return { token } => return_token(state, ctx, token),
            // Redeeming opens a lease or a delivery contract: those modules redeem their own
            // capacity, and the wiring table (`modules/mod.rs`) sends these messages to them.
            CapacityMsg::RedeemGpuHours { token, .. } | CapacityMsg::RedeemThsDay { token, .. } => {
                Err(ExecError::invariant(format!("redeeming {token} reached capacity, not its redeemer")))
            }
        }
    }
}
