//! Handlers of `assets` messages.

use super::event::AssetsEvent;
use super::state::{AssetInfo, AssetsRead, AssetsWrite};
use crate::modules::bank::BankWrite;
use crate::modules::context::{Handler, ReadHooks, TxContext};
use crate::state::{ExecError, Overlay};
use computefi_types::address::NATIVE_SYMBOL;
use computefi_types::limits::{ASSET_NAME_BYTES_MAX, DECIMALS_MAX, SYMBOL_BYTES_MAX, SYMBOL_BYTES_MIN};
use computefi_types::{Amount, AssetId, AssetsMsg, ErrorCode, Event, TxError};

/// Whether `symbol` has the allowed form: 2–12 of `A–Z0–9`, starting with a letter, not `CFI`.
pub fn symbol_is_valid(symbol: &str) -> bool {
    let b = symbol.as_bytes();
    (SYMBOL_BYTES_MIN..=SYMBOL_BYTES_MAX).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && symbol != NATIVE_SYMBOL
}

fn nonzero(amount: Amount, what: &str) -> Result<(), TxError> {
    if amount.is_zero() {
        return Err(TxError::new(ErrorCode::ZeroAmount, what.to_string()));
    }
    Ok(())
}

fn issued_by_sender(state: &Overlay<'_>, asset: &AssetId, ctx: &TxContext) -> Result<AssetInfo, ExecError> {
    let info = state.require_asset(asset)?;
    if info.issuer != ctx.sender {
        return Err(TxError::new(
            ErrorCode::NotIssuer,
            format!("asset {asset} is issued by {}, not {}", info.issuer, ctx.sender),
        )
        .into());
    }
    Ok(info)
}

impl Handler for AssetsMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        match self {
            AssetsMsg::Create { symbol, name, decimals, max_supply } => {
                if !symbol_is_valid(symbol) {
                    let shown: String = symbol.chars().take(20).collect();
                    return Err(TxError::new(ErrorCode::InvalidSymbol, format!("symbol {shown:?}")));
                }
                if name.is_empty() || name.len() > ASSET_NAME_BYTES_MAX || name.chars().any(char::is_control)
                {
                    return Err(TxError::new(
                        ErrorCode::InvalidName,
                        format!("name of {} bytes", name.len()),
                    ));
                }
                if *decimals > DECIMALS_MAX {
                    return Err(TxError::new(ErrorCode::InvalidDecimals, format!("{decimals} decimals")));
                }
                if *max_supply == Some(Amount::ZERO) {
                    return Err(TxError::new(ErrorCode::InvalidMaxSupply, "max supply 0"));
                }
                Ok(())
            }
            AssetsMsg::Mint { amount, .. } => nonzero(*amount, "mint"),
            AssetsMsg::Burn { amount, .. } => nonzero(*amount, "burn"),
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            AssetsMsg::Create { symbol, name, decimals, max_supply } => {
                let id = AssetId::derive(&ctx.sender, symbol);
                if state.asset(&id)?.is_some() {
                    return Err(TxError::new(
                        ErrorCode::AssetExists,
                        format!("{} already created {symbol} as {id}", ctx.sender),
                    )
                    .into());
                }
                let info = AssetInfo {
                    id,
                    issuer: ctx.sender,
                    symbol: symbol.clone(),
                    name: name.clone(),
                    decimals: *decimals,
                    max_supply: *max_supply,
                    supply: Amount::ZERO,
                };
                state.put_asset(&info);
                Ok(vec![AssetsEvent::Created(info).into()])
            }
            AssetsMsg::Mint { asset, to, amount } => {
                let mut info = issued_by_sender(state, asset, ctx)?;
                let supply = info.supply.checked_add(*amount).ok_or_else(|| {
                    TxError::new(ErrorCode::AmountOverflow, format!("supply {} + {amount}", info.supply))
                })?;
                if let Some(max) = info.max_supply {
                    if supply > max {
                        return Err(TxError::new(
                            ErrorCode::MaxSupplyExceeded,
                            format!("supply {} + {amount} > max supply {max}", info.supply),
                        )
                        .into());
                    }
                }
                state.movement_checking(asset, None, to, *amount, ctx.time_ms)?;
                state.credit(to, asset, *amount)?;
                info.supply = supply;
                state.put_asset(&info);
                Ok(vec![AssetsEvent::Minted { asset: *asset, to: *to, amount: *amount, supply }.into()])
            }
            AssetsMsg::Burn { asset, amount } => {
                issued_by_sender(state, asset, ctx)?;
                let supply = state.burn_from(&ctx.sender, asset, *amount)?;
                Ok(vec![
                    AssetsEvent::Burned { asset: *asset, from: ctx.sender, amount: *amount, supply }.into()
                ])
            }
        }
    }
}
