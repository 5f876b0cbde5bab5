//! Handlers of `bank` messages.

use super::event::BankEvent;
use super::state::BankRead;
use super::state::BankWrite;
use crate::modules::context::{Handler, ReadHooks, TxContext};
use crate::state::{ExecError, Overlay};
use computefi_types::limits::MULTI_SEND_OUTPUTS_MAX;
use computefi_types::{Address, Amount, AssetId, BankMsg, ErrorCode, Event, TxError};

fn check_amount(to: &Address, amount: Amount, ctx: &TxContext) -> Result<(), TxError> {
    if amount.is_zero() {
        return Err(TxError::new(ErrorCode::ZeroAmount, format!("send to {to}")));
    }
    if *to == ctx.sender {
        return Err(TxError::new(ErrorCode::SelfTransfer, format!("sender and recipient are {to}")));
    }
    Ok(())
}

fn send(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    to: &Address,
    asset: &AssetId,
    amount: Amount,
) -> Result<Event, ExecError> {
    state.asset_required(asset)?;
    let held = state.balance(&ctx.sender, asset)?;
    if held < amount {
        return Err(TxError::new(
            ErrorCode::InsufficientBalance,
            format!("{} holds {held} of {asset}, needs {amount}", ctx.sender),
        )
        .into());
    }
    state.movement_checking(asset, Some(&ctx.sender), to, amount, ctx.time_ms)?;
    state.transfer(&ctx.sender, to, asset, amount)?;
    Ok(BankEvent::Transfer { from: ctx.sender, to: *to, asset: *asset, amount }.into())
}

impl Handler for BankMsg {
    fn check_stateless(&self, ctx: &TxContext) -> Result<(), TxError> {
        match self {
            BankMsg::Send { to, amount, .. } => check_amount(to, *amount, ctx),
            BankMsg::MultiSend { outputs } => {
                if outputs.is_empty() || outputs.len() > MULTI_SEND_OUTPUTS_MAX {
                    return Err(TxError::new(
                        ErrorCode::BadOutputs,
                        format!("{} outputs, allowed 1 to {MULTI_SEND_OUTPUTS_MAX}", outputs.len()),
                    ));
                }
                outputs.iter().try_for_each(|o| check_amount(&o.to, o.amount, ctx))
            }
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            BankMsg::Send { to, asset, amount } => Ok(vec![send(state, ctx, to, asset, *amount)?]),
            BankMsg::MultiSend { outputs } => {
                outputs.iter().map(|o| send(state, ctx, &o.to, &o.asset, o.amount)).collect()
            }
        }
    }
}
