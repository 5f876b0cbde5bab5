//! Handlers of `revenue` messages.

use super::event::{PaidTo, RevenueEvent};
use super::state::*;
use crate::modules::assets::AssetsRead;
use crate::modules::bank::{BankRead, BankWrite};
use crate::modules::context::{Handler, TxContext, TxHooks};
use crate::modules::registry::{RegistryRead, RegistryWrite, Title};
use crate::modules::shares::SharesRead;
use crate::state::{ExecError, Overlay, StateRead, StateWrite};
use computefi_types::{
    Amount, AssetId, ErrorCode, Event, OperatingCosts, RevenueMsg, RevenueTarget, TxError,
};

fn net_of(gross: Amount, costs: &OperatingCosts) -> Option<Amount> {
    let total = costs.power.checked_add(costs.hosting)?.checked_add(costs.maintenance)?;
    gross.checked_sub(total).filter(|n| !n.is_zero())
}

fn may_pay(title: &Title, ctx: &TxContext) -> Result<(), ExecError> {
    if title.status.is_final() {
        return Err(TxError::new(
            ErrorCode::TitleEnded,
            format!("title {} is {:?}; it earns no more income", title.id, title.status),
        )
        .into());
    }
    if title.operator != ctx.sender && title.payer != Some(ctx.sender) {
        return Err(TxError::new(
            ErrorCode::NotPayer,
            format!(
                "title {} is operated by {}; {} is not authorised to pay",
                title.id, title.operator, ctx.sender
            ),
        )
        .into());
    }
    Ok(())
}

/// Where a deposit goes: the share token to distribute over, or the title's holder directly.
enum Payee {
    Shares(AssetId),
    Holder(computefi_types::Address),
}

fn payee(state: &Overlay<'_>, ctx: &TxContext, target: &RevenueTarget) -> Result<Payee, ExecError> {
    match target {
        RevenueTarget::Title(id) => {
            let title = state.require_title(id)?;
            may_pay(&title, ctx)?;
            Ok(match title.locked_by {
                Some(shares) => Payee::Shares(shares),
                None => Payee::Holder(title.holder),
            })
        }
        RevenueTarget::Vault(shares) => {
            let vault = state.require_open_vault(shares)?;
            for id in &vault.titles {
                may_pay(&state.require_title(id)?, ctx)?;
            }
            Ok(Payee::Shares(*shares))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn distribute(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    shares: &AssetId,
    asset: &AssetId,
    gross: Amount,
    costs: &OperatingCosts,
    net: Amount,
    period: &str,
) -> Result<Event, ExecError> {
    let mut assets: Vec<AssetId> = state.get(&income_assets_key(shares))?.unwrap_or_default();
    if !assets.contains(asset) {
        if assets.len() >= INCOME_ASSETS_MAX {
            return Err(TxError::new(
                ErrorCode::TooManyIncomeAssets,
                format!("{shares} already pays in {} assets", assets.len()),
            )
            .into());
        }
        assets.push(*asset);
        state.put(income_assets_key(shares), &assets);
    }
    let supply = state.require_asset(shares)?.supply;
    if supply.is_zero() {
        return Err(ExecError::invariant(format!("open vault {shares} has no shares")));
    }
    let overflow = || -> ExecError {
        TxError::new(ErrorCode::AmountOverflow, format!("net {net} × {PRECISION}")).into()
    };
    // Shares in modules' accounts (pools, escrow) earn nothing: the income divides over the rest.
    let earning = supply
        .checked_sub(module_held(&*state, shares)?)
        .ok_or_else(|| ExecError::invariant(format!("{shares}: modules hold more shares than the supply")))?;
    let mut pool: IncomePool = state.get(&pool_key(shares, asset))?.unwrap_or_default();
    let numerator =
        net.0.checked_mul(PRECISION).and_then(|x| x.checked_add(pool.remainder.0)).ok_or_else(overflow)?;
    if earning.is_zero() {
        // Every share sits in a module's account: the income waits, whole, for the next deposit
        // that has holders to pay.
        pool.remainder = Amount(numerator);
    } else {
        // `earning` is not zero here.
        let per_share = numerator.checked_div(earning.0).ok_or_else(overflow)?;
        pool.acc = pool.acc.checked_add(Amount(per_share)).ok_or_else(overflow)?;
        pool.remainder = Amount(numerator.checked_rem(earning.0).ok_or_else(overflow)?);
    }
    let total_costs = gross.checked_sub(net).ok_or_else(overflow)?;
    pool.gross = pool.gross.checked_add(gross).ok_or_else(overflow)?;
    pool.costs = pool.costs.checked_add(total_costs).ok_or_else(overflow)?;
    pool.net = pool.net.checked_add(net).ok_or_else(overflow)?;
    let checkpoint = Checkpoint {
        index: pool.checkpoints,
        height: ctx.height,
        time_ms: ctx.time_ms,
        depositor: ctx.sender,
        period: period.to_string(),
        gross,
        power: costs.power,
        hosting: costs.hosting,
        maintenance: costs.maintenance,
        net,
        supply,
        earning,
        acc: pool.acc,
    };
    state.put(checkpoint_key(shares, asset, pool.checkpoints), &checkpoint);
    pool.checkpoints = pool.checkpoints.saturating_add(1);
    state.put(pool_key(shares, asset), &pool);
    Ok(RevenueEvent::Deposited { shares: *shares, checkpoint: checkpoint.index, supply }.into())
}

fn deposit(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    target: &RevenueTarget,
    asset: &AssetId,
    gross: Amount,
    costs: &OperatingCosts,
    period: &str,
) -> Result<Vec<Event>, ExecError> {
    let net = net_of(gross, costs).ok_or_else(|| {
        TxError::new(ErrorCode::CostsExceedIncome, format!("gross {gross}, costs {costs:?}"))
    })?;
    state.require_asset(asset)?;
    let held = state.balance(&ctx.sender, asset)?;
    if held < net {
        return Err(TxError::new(
            ErrorCode::InsufficientBalance,
            format!("{} holds {held} of {asset}, the net income is {net}", ctx.sender),
        )
        .into());
    }
    let head = |paid_to| -> Event {
        RevenueEvent::Income {
            depositor: ctx.sender,
            asset: *asset,
            gross,
            costs: Some(costs.clone()),
            net,
            period: period.to_string(),
            paid_to,
        }
        .into()
    };
    match payee(state, ctx, target)? {
        Payee::Holder(holder) => {
            state.transfer(&ctx.sender, &holder, asset, net)?;
            Ok(vec![head(PaidTo::Holder(holder))])
        }
        Payee::Shares(shares) => {
            let mut events = state.income_arriving(ctx, &shares)?;
            state.transfer(&ctx.sender, &module_account(), asset, net)?;
            let distributed = distribute(state, ctx, &shares, asset, gross, costs, net, period)?;
            events.extend([head(PaidTo::Shares(shares)), distributed]);
            Ok(events)
        }
    }
}

/// Pays `amount` of `asset`, held by the module account `from`, as income of a title: to its
/// share holders when it is fractionalised, else to its holder (under the asset's transfer
/// rules). Leases and delivery contracts pay their providers this way.
pub fn pay_title(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    from: &computefi_types::Address,
    title: &computefi_types::TitleId,
    asset: &AssetId,
    amount: Amount,
    period: &str,
) -> Result<Vec<Event>, ExecError> {
    if amount.is_zero() {
        return Ok(Vec::new());
    }
    let title = state.require_title(title)?;
    let head = |paid_to| -> Event {
        RevenueEvent::Income {
            depositor: *from,
            asset: *asset,
            gross: amount,
            costs: None,
            net: amount,
            period: period.to_string(),
            paid_to,
        }
        .into()
    };
    match title.locked_by {
        Some(shares) => {
            let mut events = state.income_arriving(ctx, &shares)?;
            state.transfer(from, &module_account(), asset, amount)?;
            let by = TxContext { sender: *from, ..ctx.clone() };
            let costs = OperatingCosts::default();
            let distributed = distribute(state, &by, &shares, asset, amount, &costs, amount, period)?;
            events.extend([head(PaidTo::Shares(shares)), distributed]);
            Ok(events)
        }
        None => {
            crate::modules::compliance::transfer_checked(
                state,
                asset,
                from,
                &title.holder,
                amount,
                ctx.time_ms,
            )?;
            Ok(vec![head(PaidTo::Holder(title.holder))])
        }
    }
}

fn claim(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    shares: &AssetId,
    asset: &AssetId,
) -> Result<Vec<Event>, ExecError> {
    let paid = collect(state, shares, asset, &ctx.sender, &ctx.sender)?;
    if paid.is_zero() {
        return Err(TxError::new(
            ErrorCode::NothingToClaim,
            format!("{} in {asset} for {shares}", ctx.sender),
        )
        .into());
    }
    let claimed = RevenueEvent::Claimed { holder: ctx.sender, shares: *shares, asset: *asset, amount: paid };
    Ok(vec![claimed.into()])
}

impl Handler for RevenueMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        match self {
            RevenueMsg::Deposit { gross, costs, period, .. } => {
                if net_of(*gross, costs).is_none() {
                    return Err(TxError::new(
                        ErrorCode::CostsExceedIncome,
                        format!("gross {gross}, costs {costs:?}"),
                    ));
                }
                if period.len() > 64 || period.chars().any(char::is_control) {
                    return Err(TxError::new(
                        ErrorCode::TxFieldTooLarge,
                        "period: at most 64 bytes of printable text",
                    ));
                }
                Ok(())
            }
            RevenueMsg::Claim { .. } | RevenueMsg::AuthorizePayer { .. } => Ok(()),
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            RevenueMsg::Deposit { target, asset, gross, costs, period } => {
                deposit(state, ctx, target, asset, *gross, costs, period)
            }
            RevenueMsg::Claim { shares, asset } => claim(state, ctx, shares, asset),
            RevenueMsg::AuthorizePayer { title, payer } => {
                let mut t = state.require_title(title)?;
                if t.operator != ctx.sender {
                    return Err(TxError::new(
                        ErrorCode::NotOperator,
                        format!("title {title} is operated by {}", t.operator),
                    )
                    .into());
                }
                t.payer = *payer;
                state.put_title(&t);
                Ok(vec![RevenueEvent::Payer { title: *title, payer: *payer }.into()])
            }
        }
    }
}
