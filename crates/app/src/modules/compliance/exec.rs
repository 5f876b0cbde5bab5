//! Handlers of `compliance` messages.

use super::event::ComplianceEvent;
use super::state::{ComplianceRead, ComplianceWrite};
use crate::modules::assets::{AssetInfo, AssetsRead};
use crate::modules::bank::{BankRead, BankWrite};
use crate::modules::context::{Handler, TxContext};
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
                Ok(vec![ComplianceEvent::RulesSet { asset: *asset, rules: rules.clone() }.into()])
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
                Ok(vec![ComplianceEvent::Freeze { frozen: freeze, asset: *asset, account: *account }.into()])
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
                Ok(vec![ComplianceEvent::ForcedTransfer {
                    asset: *asset,
                    from: *from,
                    to: *to,
                    amount: *amount,
                    controller: ctx.sender,
                }
                .into()])
            }
        }
    }
}
