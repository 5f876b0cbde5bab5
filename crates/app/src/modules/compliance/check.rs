//! The transfer check, in Polymesh's order. Pure reads: it never writes.

use super::state::ComplianceRead;
use crate::modules::assets::AssetsRead;
use crate::modules::bank::BankRead;
use crate::modules::context::ReadHooks;
use crate::modules::identity::IdentityRead;
use crate::state::{refuse, ExecError, StateRead};
use computefi_types::compliance::{ClaimType, Condition, TransferRules};
use computefi_types::{Address, Amount, AssetId, ErrorCode};

/// What moves: a transfer between two accounts, or an issue (mint) to one.
#[derive(Clone, Copy, Debug)]
pub enum Movement<'a> {
    /// From an account to another.
    Transfer {
        /// Sender.
        from: &'a Address,
    },
    /// Newly minted units.
    Issue,
}

/// Checks a movement of `amount` of `asset` to `to` against freezes, holder limits and claim
/// requirements. The caller has checked the sender's balance.
pub fn check<S: StateRead + Sized>(
    state: &S,
    asset: &AssetId,
    movement: Movement<'_>,
    to: &Address,
    amount: Amount,
    now_ms: u64,
) -> Result<(), ExecError> {
    state.asset_moving(asset, now_ms)?;
    if state.asset_frozen(asset)? {
        return Err(refuse(ErrorCode::AssetFrozen, format!("asset {asset}")));
    }
    let from = match movement {
        Movement::Transfer { from } => Some(from),
        Movement::Issue => None,
    };
    for account in from.into_iter().chain([to]) {
        if state.account_frozen(asset, account)? {
            return Err(refuse(ErrorCode::AccountFrozen, format!("{account} in asset {asset}")));
        }
    }
    let Some(rules) = state.rules(asset)? else { return Ok(()) };
    check_holders(state, asset, &rules, from, to, amount)?;
    evaluate_requirements(state, &rules, from, to, now_ms)
}

fn check_holders<S: StateRead + Sized>(
    state: &S,
    asset: &AssetId,
    rules: &TransferRules,
    from: Option<&Address>,
    to: &Address,
    amount: Amount,
) -> Result<(), ExecError> {
    let to_before = state.balance(to, asset)?;
    if let Some(max) = rules.holders_max {
        let holders = state.holder_count(asset)?;
        let gains = u64::from(to_before.is_zero());
        let loses = match from {
            Some(f) => u64::from(state.balance(f, asset)? == amount),
            None => 0,
        };
        let after = holders.saturating_add(gains).saturating_sub(loses);
        if after > max && gains == 1 {
            return Err(refuse(ErrorCode::HoldersMaxExceeded, format!("{after} holders, at most {max}")));
        }
    }
    if let Some(bps) = rules.holding_bps_max {
        let supply = state.require_asset(asset)?.supply;
        let supply_after = if from.is_none() { supply.checked_add(amount) } else { Some(supply) };
        let held_after = to_before.checked_add(amount);
        let (Some(supply_after), Some(held_after)) = (supply_after, held_after) else {
            return Err(refuse(ErrorCode::AmountOverflow, format!("asset {asset}")));
        };
        // held/supply > bps/10000  <=>  held*10000 > supply*bps (both sides fit: u128 with a u16)
        let over = held_after.0.checked_mul(10_000).zip(supply_after.0.checked_mul(u128::from(bps)));
        if over.is_none_or(|(held, cap)| held > cap) {
            return Err(refuse(
                ErrorCode::HoldingMaxExceeded,
                format!("{to} would hold {held_after} of {supply_after}, at most {bps} bps"),
            ));
        }
    }
    Ok(())
}

/// Whether `account` meets `condition` at `now_ms`; `Err(text)` says why not.
fn meets<S: StateRead + Sized>(
    state: &S,
    account: &Address,
    condition: &Condition,
    now_ms: u64,
) -> Result<Result<(), String>, ExecError> {
    let jurisdiction = |issuer: &Address| -> Result<Option<String>, ExecError> {
        Ok(state
            .valid_claim(account, issuer, ClaimType::Jurisdiction, now_ms)?
            .and_then(|c| c.claim.jurisdiction))
    };
    Ok(match condition {
        Condition::Has { claim, issuer } => match state.valid_claim(account, issuer, *claim, now_ms)? {
            Some(_) => Ok(()),
            None => Err(format!("{account} lacks a valid {} claim from {issuer}", claim.as_str())),
        },
        Condition::Lacks { claim, issuer } => match state.valid_claim(account, issuer, *claim, now_ms)? {
            None => Ok(()),
            Some(_) => Err(format!("{account} holds a {} claim from {issuer}", claim.as_str())),
        },
        Condition::JurisdictionIn { codes, issuer } => match jurisdiction(issuer)? {
            Some(code) if codes.contains(&code) => Ok(()),
            Some(code) => Err(format!("{account} is in {code}, not one of {codes:?} (per {issuer})")),
            None => Err(format!("{account} has no jurisdiction claim from {issuer}")),
        },
        Condition::JurisdictionNotIn { codes, issuer } => match jurisdiction(issuer)? {
            Some(code) if !codes.contains(&code) => Ok(()),
            Some(code) => Err(format!("{account} is in excluded jurisdiction {code} (per {issuer})")),
            None => Err(format!("{account} has no jurisdiction claim from {issuer}")),
        },
    })
}

/// Passes if any requirement has all its conditions true (sender conditions are skipped for an
/// issue); otherwise `TransferNotAllowed` naming the first failing condition of each requirement.
pub fn evaluate_requirements<S: StateRead + Sized>(
    state: &S,
    rules: &TransferRules,
    from: Option<&Address>,
    to: &Address,
    now_ms: u64,
) -> Result<(), ExecError> {
    if rules.requirements.is_empty() {
        return Ok(());
    }
    let mut failures = Vec::with_capacity(rules.requirements.len());
    'requirements: for (i, req) in rules.requirements.iter().enumerate() {
        let senders = from.into_iter().flat_map(|f| req.sender.iter().map(move |c| (f, c)));
        for (account, condition) in senders.chain(req.receiver.iter().map(|c| (to, c))) {
            if let Err(why) = meets(state, account, condition, now_ms)? {
                failures.push(format!("requirement {i}: {why}"));
                continue 'requirements;
            }
        }
        return Ok(());
    }
    Err(refuse(ErrorCode::TransferNotAllowed, failures.join("; ")))
}
