//! What a loan's collateral is worth for lending and the loan-to-value it gives: read by the
//! offer and the opening (`exec`), the health checks (`health`) and a liquidation's default test
//! and reserve (`liquidation`).

use super::state::Loan;
use crate::modules::assets::AssetsRead;
use crate::modules::context::TxContext;
use crate::modules::registry::RegistryRead;
use crate::modules::shares::SharesRead;
use crate::modules::valuation::ValuationRead;
use crate::state::{refuse, unless_refused, ExecError, Overlay};
use computefi_types::loan::Collateral;
use computefi_types::title::{TitleClass, TitleStatus};
use computefi_types::{Amount, AssetId, ErrorCode};

pub(super) fn unavailable(detail: String) -> ExecError {
    refuse(ErrorCode::CollateralUnavailable, detail)
}

/// The collateral's value for lending in micro-USD and the class of its hardware, from the
/// latest valuations; refused when a valuation is missing, or stale unless `stale_ok`.
pub(super) fn collateral_value(
    state: &Overlay<'_>,
    collateral: &Collateral,
    stale_ok: bool,
) -> Result<(u128, TitleClass), ExecError> {
    let titles_value = |ids: &[computefi_types::TitleId]| -> Result<u128, ExecError> {
        let mut sum = 0u128;
        for id in ids {
            let value = state
                .title_value(id)?
                .ok_or_else(|| unavailable(format!("title {id} has no valuation yet")))?;
            if let Some(why) = value.stale.filter(|_| !stale_ok) {
                return Err(unavailable(format!("title {id}: its valuation is stale ({why})")));
            }
            sum = sum
                .checked_add(value.lending_value.0)
                .ok_or_else(|| unavailable("the collateral's value overflows".into()))?;
        }
        Ok(sum)
    };
    match collateral {
        Collateral::Title(id) => {
            let title = state.require_title(id)?;
            Ok((titles_value(&[*id])?, title.spec.class))
        }
        Collateral::Shares { asset, amount } => {
            let vault = state.require_open_vault(asset)?;
            let whole = titles_value(&vault.titles)?;
            let part = computefi_types::mul_div_floor(whole, amount.0, vault.shares.0)
                .ok_or_else(|| unavailable("the shares' value overflows".into()))?;
            Ok((part, vault.class))
        }
    }
}

/// The loan-to-value of `amount` of a dollar asset against `collateral`, in bps rounded up
/// (`amount` in USD over the collateral's value for lending; `u32::MAX` for a value of zero),
/// with the collateral's class. Refused when the currency is not one of the chain's dollar
/// assets (`params.valuation.dollar_assets`) or a valuation is missing or stale.
pub fn ltv_bps(
    state: &Overlay<'_>,
    ctx: &TxContext,
    currency: &AssetId,
    amount: Amount,
    collateral: &Collateral,
) -> Result<(u32, TitleClass), ExecError> {
    if !ctx.params.valuation.dollar_assets.contains(currency) {
        return Err(refuse(
            ErrorCode::BadLoanTerms,
            format!("currency {currency}: lend in one of the chain's dollar assets"),
        ));
    }
    let decimals = state.require_asset(currency)?.decimals;
    let (value, class) = collateral_value(state, collateral, false)?;
    Ok((ltv_of(amount, decimals, value), class))
}

/// The loan-to-value of `amount` base units of a dollar asset with `decimals` against a value of
/// `value_micro_usd`, in bps rounded up: `amount · 10^10 / (value · 10^decimals)`; `u32::MAX`
/// for a value of zero or a figure past the range.
pub fn ltv_of(amount: Amount, decimals: u8, value_micro_usd: u128) -> u32 {
    let numerator = ethnum::U256::from(amount.0).checked_mul(ethnum::U256::from(10_000_000_000u128));
    let denominator = ethnum::U256::from(10u128)
        .checked_pow(u32::from(decimals))
        .and_then(|one| one.checked_mul(ethnum::U256::from(value_micro_usd)));
    match (numerator, denominator) {
        (Some(n), Some(d)) => match (n.checked_div(d), n.checked_rem(d)) {
            (Some(q), Some(r)) => {
                let up = if r > ethnum::U256::ZERO { q.saturating_add(ethnum::U256::ONE) } else { q };
                u32::try_from(up).unwrap_or(u32::MAX)
            }
            _ => u32::MAX,
        },
        _ => u32::MAX,
    }
}

/// The loan's LTV now, in bps, or `None` when it cannot be measured (a valuation missing or
/// stale): then nothing is decided from it.
pub(super) fn ltv_now(state: &Overlay<'_>, ctx: &TxContext, loan: &Loan) -> Result<Option<u32>, ExecError> {
    let measured =
        unless_refused(ltv_bps(state, ctx, &loan.terms.currency, loan.balance, &loan.terms.collateral))?;
    Ok(measured.map(|(ltv, _)| ltv))
}

/// Whether the collateral is a title that is offline now (shares never are).
pub(super) fn title_offline(state: &Overlay<'_>, collateral: &Collateral) -> Result<bool, ExecError> {
    Ok(match collateral {
        Collateral::Title(title) => state.require_title(title)?.status == TitleStatus::Offline,
        Collateral::Shares { .. } => false,
    })
}
