//! Handlers of `compliance` messages.

use super::state::{ComplianceRead, ComplianceWrite};
use crate::modules::assets::{AssetInfo, AssetsRead};
use crate::modules::bank::{BankRead, BankWrite};
use crate::modules::{Handler, TxContext};
use crate::state::{ExecError, Overlay};
use computefi_types::{AssetId, ComplianceMsg, ErrorCode, Event, TxError};

fn issued_by_sender(state: &Overlay<'_>, asset: &AssetId, ctx: &TxContext) -> Result<AssetInfo, ExecError> {
    let info = state.require_asset(asset)?;
    if info.issuer != ctx.sender {
        return Err(TxError::new(
            ErrorCode::NotIssuer,
            format!("asset {asset} is issued by {}", info.issuer),
        )
        .into());
    }
    Ok(info)
}

impl Handler for ComplianceMsg {
    fn check_stateless(&self, ctx: &TxContext) -> Result<(), TxError> {
        match self {
            ComplianceMsg::SetRules { rules, .. } => {
                rules.check_bounds().map_err(|why| TxError::new(ErrorCode::InvalidRules, why))
            }
            ComplianceMsg::ForceTransfer { from, to, amount, .. } => {
                if amount.is_zero() {
                    return Err(TxError::new(ErrorCode::ZeroAmount, "forced transfer"));
                }
                if from == to {
                    return Err(TxError::new(ErrorCode::SelfTransfer, format!("from and to are {to}")));
                }
                let _ = ctx;
                Ok(())
            }
            ComplianceMsg::Freeze { .. } | ComplianceMsg::Unfreeze { .. } => Ok(()),
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            ComplianceMsg::SetRules { asset, rules } => {
                issued_by_sender(state, asset, ctx)?;
                state.set_rules(asset, rules);
                Ok(vec![Event::new("compliance.rules_set")
                    .with("asset", asset)
                    .with("requirements", rules.requirements.len())
                    .with("holders_max", rules.holders_max.map(|m| m.to_string()).unwrap_or_default())
                    .with("holding_bps_max", rules.holding_bps_max.map(|m| m.to_string()).unwrap_or_default())
                    .with("controller", rules.controller.map(|c| c.to_string()).unwrap_or_default())])
            }
            ComplianceMsg::Freeze { asset, account } | ComplianceMsg::Unfreeze { asset, account } => {
                issued_by_sender(state, asset, ctx)?;
                let freeze = matches!(self, ComplianceMsg::Freeze { .. });
                let now = match account {
                    Some(a) => state.account_frozen(asset, a)?,
                    None => state.asset_frozen(asset)?,
                };
                if !freeze && !now {
                    return Err(TxError::new(ErrorCode::NotFrozen, format!("asset {asset}")).into());
                }
                state.set_frozen(asset, account.as_ref(), freeze);
                Ok(vec![Event::new(if freeze { "compliance.frozen" } else { "compliance.unfrozen" })
                    .with("asset", asset)
                    .with("account", account.map(|a| a.to_string()).unwrap_or_default())])
            }
            ComplianceMsg::ForceTransfer { asset, from, to, amount } => {
                let controller = state.rules(asset)?.and_then(|r| r.controller);
                if controller != Some(ctx.sender) {
                    return Err(TxError::new(
                        ErrorCode::NotController,
                        format!(
                            "controller of {asset} is {}",
                            controller.map(|c| c.to_string()).unwrap_or("nobody".into())
                        ),
                    )
                    .into());
                }
                if state.is_module_account(from)? {
                    return Err(TxError::new(
                        ErrorCode::ForceFromModuleAccount,
                        format!("{from} is a module's account"),
                    )
                    .into());
                }
                let held = state.balance(from, asset)?;
                if held < *amount {
                    return Err(TxError::new(
                        ErrorCode::InsufficientBalance,
                        format!("{from} holds {held}, needs {amount}"),
                    )
                    .into());
                }
                state.transfer(from, to, asset, *amount)?;
                Ok(vec![Event::new("compliance.forced_transfer")
                    .with("asset", asset)
                    .with("from", from)
                    .with("to", to)
                    .with("amount", amount)
                    .with("controller", ctx.sender)])
            }
        }
    }
}
