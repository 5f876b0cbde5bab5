//! Handlers of `loans`: offer, fund (the loan opens when every tranche is in), cancel, repay an
//! instalment, prepay, and a tranche holder's claim.

use super::collateral::{ltv_bps, unavailable};
use super::event::LoansEvent;
use super::math::{self, INTERVAL_S_MAX, RATE_BPS_YEAR_MAX};
use super::state::{
    insurance_account, math_err, module_account, overflow, require_state, Loan, LoanState, LoansRead,
    LoansWrite, LOAN_COUNT_KEY,
};
use crate::modules::assets::{AssetInfo, AssetsWrite};
use crate::modules::bank::{self, BankRead, BankWrite};
use crate::modules::context::{Handler, TxContext};
use crate::modules::registry::{RegistryRead, RegistryWrite};
use crate::state::{refuse, ExecError, Overlay, StateWrite};
use computefi_types::loan::{Collateral, TRANCHES_MAX};
use computefi_types::title::{TitleClass, TitleStatus};
use computefi_types::{Address, Amount, AssetId, ErrorCode, Event, LoanTerms, LoansMsg, TxError};

fn bad_terms(detail: String) -> TxError {
    TxError::new(ErrorCode::BadLoanTerms, detail)
}

/// The terms' own consistency (no state): what USD.AI's router checks at origination, and more.
pub fn check_terms(t: &LoanTerms) -> Result<(), TxError> {
    if t.tranches.is_empty() || t.tranches.len() > TRANCHES_MAX {
        return Err(bad_terms(format!("{} tranches: give 1 to {TRANCHES_MAX}", t.tranches.len())));
    }
    let mut sum = Amount::ZERO;
    for (i, tranche) in t.tranches.iter().enumerate() {
        if tranche.amount.is_zero() || tranche.rate_bps > RATE_BPS_YEAR_MAX {
            return Err(bad_terms(format!(
                "tranche {i}: amount {} (above 0), rate {} bps (at most {RATE_BPS_YEAR_MAX})",
                tranche.amount, tranche.rate_bps
            )));
        }
        sum = sum.checked_add(tranche.amount).ok_or_else(|| bad_terms("the tranches overflow".into()))?;
    }
    if sum != t.principal || t.principal.is_zero() {
        return Err(bad_terms(format!("the tranches sum to {sum}, the principal is {}", t.principal)));
    }
    if t.interval_s == 0
        || t.interval_s > INTERVAL_S_MAX
        || t.duration_s < t.interval_s
        || !t.duration_s.is_multiple_of(t.interval_s)
    {
        return Err(bad_terms(format!(
            "duration {} s, interval {} s: the duration must be a whole multiple of an interval of 1 to {INTERVAL_S_MAX} s",
            t.duration_s, t.interval_s
        )));
    }
    let payments = t.duration_s.checked_div(t.interval_s).unwrap_or(0);
    if payments > u64::from(math::PAYMENTS_MAX) {
        return Err(bad_terms(format!("{payments} payments: at most {}", math::PAYMENTS_MAX)));
    }
    if t.grace_s > t.interval_s || t.grace_rate_bps > RATE_BPS_YEAR_MAX {
        return Err(bad_terms(format!(
            "grace {} s at {} bps: at most the interval ({} s) and {RATE_BPS_YEAR_MAX} bps",
            t.grace_s, t.grace_rate_bps, t.interval_s
        )));
    }
    if t.origination_fee >= t.principal {
        return Err(bad_terms(format!("origination fee {} of principal {}", t.origination_fee, t.principal)));
    }
    if let Collateral::Shares { amount, .. } = t.collateral {
        if amount.is_zero() {
            return Err(bad_terms("no shares pledged".into()));
        }
    }
    Ok(())
}

impl Handler for LoansMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        match self {
            LoansMsg::Offer { terms } => check_terms(terms),
            LoansMsg::AddCollateral { amount, .. } if amount.is_zero() => Err(TxError::new(
                ErrorCode::ZeroAmount,
                "add 0 shares: give the shares to pledge".to_string(),
            )),
            LoansMsg::Prepay { amount, .. } if amount.is_zero() => Err(TxError::new(
                ErrorCode::ZeroAmount,
                "prepay 0: give the principal to pay early".to_string(),
            )),
            _ => Ok(()),
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            LoansMsg::Offer { terms } => offer(state, ctx, terms),
            LoansMsg::Fund { loan, tranche } => fund(state, ctx, &ctx.sender, *loan, *tranche),
            LoansMsg::Cancel { loan } => cancel(state, ctx, *loan),
            LoansMsg::Repay { loan } => repay(state, ctx, *loan),
            LoansMsg::Prepay { loan, amount } => prepay(state, ctx, *loan, *amount),
            LoansMsg::Claim { loan, tranche } => claim(state, &ctx.sender, *loan, *tranche),
            LoansMsg::AddCollateral { loan, amount } => add_collateral(state, ctx, *loan, *amount),
            LoansMsg::Liquidate { loan } => super::liquidation::liquidate(state, ctx, *loan),
        }
    }
}

/// Refuses a principal above the collateral's value for lending × the class's maximum LTV.
fn check_ltv(state: &Overlay<'_>, ctx: &TxContext, terms: &LoanTerms) -> Result<(), ExecError> {
    let (ltv, class) = ltv_bps(state, ctx, &terms.currency, terms.principal, &terms.collateral)?;
    let max_ltv = match class {
        TitleClass::GpuServer => ctx.params.loans.gpu_max_ltv_bps,
        TitleClass::AsicMiner => ctx.params.loans.asic_max_ltv_bps,
        TitleClass::EnergySite => 0,
    };
    if ltv > max_ltv {
        return Err(refuse(
            ErrorCode::LtvTooHigh,
            format!(
                "principal {} is {ltv} bps of the collateral's value for lending; at most {max_ltv}",
                terms.principal
            ),
        ));
    }
    Ok(())
}

fn offer(state: &mut Overlay<'_>, ctx: &TxContext, terms: &LoanTerms) -> Result<Vec<Event>, ExecError> {
    if terms.expires_ms <= ctx.time_ms {
        return Err(refuse(
            ErrorCode::LoanOfferExpired,
            format!("expires at {} ms, now {}", terms.expires_ms, ctx.time_ms),
        ));
    }
    check_ltv(state, ctx, terms)?;
    match terms.collateral {
        Collateral::Title(id) => {
            let mut title = state.require_title(&id)?;
            if title.holder != ctx.sender
                || title.status != TitleStatus::Active
                || title.lien.is_some()
                || title.locked_by.is_some()
            {
                return Err(unavailable(format!(
                    "title {id}: held by {}, {:?}, lien {:?}, in a vault {:?}",
                    title.holder, title.status, title.lien, title.locked_by
                )));
            }
            title.lien = Some(module_account());
            state.put_title(&title);
        }
        Collateral::Shares { asset, amount } => {
            let held = state.balance(&ctx.sender, &asset)?;
            if held < amount {
                return Err(unavailable(format!("{} holds {held} of {asset}, pledges {amount}", ctx.sender)));
            }
            state.transfer(&ctx.sender, &module_account(), &asset, amount)?;
        }
    }
    let id = state.next_in_sequence(LOAN_COUNT_KEY.to_string())?;
    let loan = Loan::offered(id, ctx.sender, terms.clone());
    state.put_loan(&loan);
    Ok(vec![LoansEvent::Offered { loan: id, borrower: ctx.sender, principal: terms.principal }.into()])
}

/// `lender` funds tranche `index` of offer `id` from its balance (the `fund` message, whose
/// sender is the lender; a vault module funding from its account); the loan opens with the last
/// tranche.
pub fn fund(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    lender: &Address,
    id: u64,
    index: u32,
) -> Result<Vec<Event>, ExecError> {
    let mut loan = state.require_loan(id)?;
    require_state(&loan, LoanState::Offered)?;
    if ctx.time_ms > loan.terms.expires_ms {
        return Err(refuse(
            ErrorCode::LoanOfferExpired,
            format!("loan {id} expired at {} ms", loan.terms.expires_ms),
        ));
    }
    let currency = loan.terms.currency;
    let tranche =
        loan.tranches.get_mut(index as usize).filter(|t| !t.funded && t.lender == *lender).ok_or_else(
            || refuse(ErrorCode::BadTranche, format!("loan {id} tranche {index} for {}", *lender)),
        )?;
    state.transfer(lender, &module_account(), &currency, tranche.amount)?;
    tranche.funded = true;
    let mut events: Vec<Event> =
        vec![LoansEvent::Funded { loan: id, tranche: index, lender: *lender, amount: tranche.amount }.into()];
    if loan.tranches.iter().all(|t| t.funded) {
        events.extend(open(state, ctx, &mut loan)?);
    }
    state.put_loan(&loan);
    Ok(events)
}

/// Opens a fully funded loan: checks the LTV again, fixes the blended rate and the schedule,
/// pays the borrower the principal less the origination fee, and issues each tranche's
/// position token to its lender.
fn open(state: &mut Overlay<'_>, ctx: &TxContext, loan: &mut Loan) -> Result<Vec<Event>, ExecError> {
    check_ltv(state, ctx, &loan.terms)?;
    let t = &loan.terms;
    let rates: Vec<(u128, u32)> = loan.tranches.iter().map(|p| (p.amount.0, p.rate_bps)).collect();
    let rate_year = math::blended_rate(&rates).map_err(|e| refuse(ErrorCode::BadLoanTerms, e.to_string()))?;
    let interval_ms = t
        .interval_s
        .checked_mul(1_000)
        .ok_or_else(|| refuse(ErrorCode::BadLoanTerms, "the interval overflows".into()))?;
    let deadline_ms = ctx
        .time_ms
        .checked_add(interval_ms)
        .ok_or_else(|| refuse(ErrorCode::BadLoanTerms, "the deadline overflows".into()))?;
    let payments = u32::try_from(t.duration_s.checked_div(t.interval_s).unwrap_or(0))
        .map_err(|_| refuse(ErrorCode::BadLoanTerms, "too many payments".into()))?;
    let disbursed = t
        .principal
        .checked_sub(t.origination_fee)
        .ok_or_else(|| ExecError::invariant(format!("loan {}: fee above principal", loan.id)))?;
    let (currency, fee) = (t.currency, t.origination_fee);
    state.transfer(&module_account(), &loan.borrower, &currency, disbursed)?;
    if !fee.is_zero() {
        state.transfer(&module_account(), &bank::fee_collector(), &currency, fee)?;
    }
    loan.rate_year = Amount(rate_year);
    loan.balance = loan.terms.principal;
    loan.opened_ms = ctx.time_ms;
    loan.period_start_ms = ctx.time_ms;
    loan.deadline_ms = deadline_ms;
    loan.payments_left = payments;
    loan.fees_paid = fee;
    loan.state = LoanState::Active;
    let mut events = vec![LoansEvent::Opened { loan: loan.id, disbursed, deadline_ms }.into()];
    for (i, tranche) in loan.tranches.iter_mut().enumerate() {
        let token = AssetId::derive(&module_account(), &format!("loan-{}-tranche-{i}", loan.id));
        state.put_asset(&AssetInfo {
            id: token,
            issuer: module_account(),
            symbol: "LOANPOS".into(),
            name: format!("Loan {} tranche {i}", loan.id),
            decimals: 0,
            max_supply: Some(Amount(1)),
            supply: Amount(1),
        });
        state.credit(&tranche.lender, &token, Amount(1))?;
        tranche.token = Some(token);
        tranche.outstanding = tranche.amount;
        events.push(LoansEvent::Position { loan: loan.id, tranche: i as u32, token }.into());
    }
    Ok(events)
}

/// Gives the collateral back to the borrower (the title's lien lifted, the shares returned).
fn release(state: &mut Overlay<'_>, loan: &Loan) -> Result<(), ExecError> {
    match loan.terms.collateral {
        Collateral::Title(id) => {
            let mut title = state.require_title(&id)?;
            if title.lien == Some(module_account()) {
                title.lien = None;
                state.put_title(&title);
            }
        }
        Collateral::Shares { asset, amount } => {
            state.transfer(&module_account(), &loan.borrower, &asset, amount)?;
        }
    }
    Ok(())
}

fn cancel(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let mut loan = state.require_loan(id)?;
    require_state(&loan, LoanState::Offered)?;
    if ctx.sender != loan.borrower && ctx.time_ms <= loan.terms.expires_ms {
        return Err(refuse(
            ErrorCode::NotBorrower,
            format!("loan {id} of {}, until {} ms", loan.borrower, loan.terms.expires_ms),
        ));
    }
    for tranche in loan.tranches.iter_mut().filter(|t| t.funded) {
        state.transfer(&module_account(), &tranche.lender, &loan.terms.currency, tranche.amount)?;
        tranche.funded = false;
    }
    release(state, &loan)?;
    loan.state = LoanState::Cancelled;
    state.put_loan(&loan);
    Ok(vec![LoansEvent::Closed { loan: id, how: "cancelled" }.into()])
}

/// Pays `interest` to the tranches pro rata to what each earns (outstanding × rate) and
/// `principal` pro rata to what each is owed, never more than its outstanding principal.
fn allocate(loan: &mut Loan, interest: u128, principal: u128) -> Result<(), ExecError> {
    let earning: Vec<u128> =
        loan.tranches.iter().map(|t| t.outstanding.0.saturating_mul(u128::from(t.rate_bps))).collect();
    let weights = if earning.iter().all(|w| *w == 0) {
        loan.tranches.iter().map(|t| t.outstanding.0).collect()
    } else {
        earning
    };
    let interest_parts = math::split_pro_rata(interest, &weights).map_err(math_err)?;
    let owed: Vec<u128> = loan.tranches.iter().map(|t| t.outstanding.0).collect();
    let mut principal_parts = math::split_pro_rata(principal, &owed).map_err(math_err)?;
    // A part above what its tranche is owed (rounding units) moves to the next with room.
    let mut excess = 0u128;
    for (part, owed) in principal_parts.iter_mut().zip(&owed) {
        let total = part.checked_add(excess).ok_or_else(|| overflow("a principal part"))?;
        *part = total.min(*owed);
        excess = total.saturating_sub(*owed);
    }
    if excess > 0 {
        return Err(ExecError::invariant(format!(
            "loan {}: {excess} of principal owed to no tranche",
            loan.id
        )));
    }
    for ((tranche, i), p) in loan.tranches.iter_mut().zip(interest_parts).zip(principal_parts) {
        tranche.interest_paid =
            tranche.interest_paid.checked_add(Amount(i)).ok_or_else(|| overflow("interest paid"))?;
        tranche.principal_paid =
            tranche.principal_paid.checked_add(Amount(p)).ok_or_else(|| overflow("principal paid"))?;
        tranche.outstanding = tranche.outstanding.checked_sub(Amount(p)).ok_or_else(|| {
            ExecError::invariant(format!("loan {}: a tranche repaid above its principal", loan.id))
        })?;
    }
    loan.interest_paid =
        loan.interest_paid.checked_add(Amount(interest)).ok_or_else(|| overflow("interest paid"))?;
    loan.balance = loan
        .balance
        .checked_sub(Amount(principal))
        .ok_or_else(|| ExecError::invariant(format!("loan {}: repaid above its balance", loan.id)))?;
    Ok(())
}

/// Pays `interest` and `principal` to the loan: the insurance fund's share of the interest
/// (rounded down) to its account, the rest to the tranches (held in the module's account until
/// claimed); the exit fee with the payment that clears the balance, which also closes the loan
/// and releases its collateral.
fn collect(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    loan: &mut Loan,
    interest: u128,
    principal: u128,
) -> Result<Vec<Event>, ExecError> {
    let payer = &ctx.sender;
    let share = u128::from(ctx.params.loans.insurance_share_bps);
    let insured = computefi_types::mul_div_floor(interest, share, 10_000)
        .ok_or_else(|| overflow("the insurance share"))?;
    let to_tranches = interest.checked_sub(insured).ok_or_else(|| overflow("the interest"))?;
    allocate(loan, to_tranches, principal)?;
    loan.interest_paid =
        loan.interest_paid.checked_add(Amount(insured)).ok_or_else(|| overflow("interest paid"))?;
    loan.insured = loan.insured.checked_add(Amount(insured)).ok_or_else(|| overflow("insured"))?;
    let currency = loan.terms.currency;
    let held = to_tranches.checked_add(principal).ok_or_else(|| overflow("the payment"))?;
    state.transfer(payer, &module_account(), &currency, Amount(held))?;
    if insured > 0 {
        state.transfer(payer, &insurance_account(), &currency, Amount(insured))?;
    }
    if !loan.balance.is_zero() {
        return Ok(Vec::new());
    }
    let exit = loan.terms.exit_fee;
    if !exit.is_zero() {
        state.transfer(payer, &bank::fee_collector(), &currency, exit)?;
        loan.fees_paid = loan.fees_paid.checked_add(exit).ok_or_else(|| overflow("fees paid"))?;
    }
    release(state, loan)?;
    loan.state = LoanState::Repaid;
    loan.payments_left = 0;
    Ok(vec![LoansEvent::Closed { loan: loan.id, how: "repaid" }.into()])
}

/// What the next instalment is now: (interest, principal, late charge). The charge is the
/// instalment × the grace rate × the time past its deadline, rounded up.
pub fn instalment(loan: &Loan, now_ms: u64) -> Result<(u128, u128, u128), ExecError> {
    let t = &loan.terms;
    let interest = math::period_interest(loan.balance.0, loan.rate_year.0, t.interval_s).map_err(math_err)?;
    let principal =
        math::principal_due(t.model, loan.balance.0, loan.rate_year.0, t.interval_s, loan.payments_left)
            .map_err(math_err)?;
    let due = interest.checked_add(principal).ok_or_else(|| overflow("the instalment"))?;
    let late_s = now_ms.saturating_sub(loan.deadline_ms) / 1_000;
    let grace_rate = math::rate_year_from_bps(t.grace_rate_bps).map_err(math_err)?;
    let charge =
        if late_s == 0 { 0 } else { math::period_interest(due, grace_rate, late_s).map_err(math_err)? };
    Ok((interest, principal, charge))
}

fn repay(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let mut loan = state.require_loan(id)?;
    require_state(&loan, LoanState::Active)?;
    let (interest, principal, charge) = instalment(&loan, ctx.time_ms)?;
    let earned = interest.checked_add(charge).ok_or_else(|| overflow("the interest"))?;
    let mut events = vec![LoansEvent::Repaid {
        loan: id,
        interest: Amount(earned),
        principal: Amount(principal),
        balance: loan.balance.checked_sub(Amount(principal)).unwrap_or(Amount::ZERO),
    }
    .into()];
    let interval_ms = loan.terms.interval_s.saturating_mul(1_000);
    loan.payments_left = loan.payments_left.saturating_sub(1);
    loan.period_start_ms = loan.deadline_ms;
    loan.deadline_ms = loan.deadline_ms.saturating_add(interval_ms);
    events.extend(collect(state, ctx, &mut loan, earned, principal)?);
    state.put_loan(&loan);
    Ok(events)
}

fn prepay(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    amount: Amount,
) -> Result<Vec<Event>, ExecError> {
    let mut loan = state.require_loan(id)?;
    require_state(&loan, LoanState::Active)?;
    if amount > loan.balance {
        return Err(refuse(
            ErrorCode::InsufficientBalance,
            format!("loan {id} owes {}, prepay {amount}", loan.balance),
        ));
    }
    let elapsed_s = ctx.time_ms.saturating_sub(loan.period_start_ms) / 1_000;
    let interest = math::period_interest(amount.0, loan.rate_year.0, elapsed_s).map_err(math_err)?;
    let balance = loan.balance.checked_sub(amount).unwrap_or(Amount::ZERO);
    let mut events =
        vec![LoansEvent::Repaid { loan: id, interest: Amount(interest), principal: amount, balance }.into()];
    events.extend(collect(state, ctx, &mut loan, interest, amount.0)?);
    state.put_loan(&loan);
    Ok(events)
}

/// The holder of tranche `index`'s position token takes what loan `id` paid it (the `claim`
/// message, whose sender is the holder; a vault module collecting into its account).
pub fn claim(
    state: &mut Overlay<'_>,
    holder: &Address,
    id: u64,
    index: u32,
) -> Result<Vec<Event>, ExecError> {
    let mut loan = state.require_loan(id)?;
    let currency = loan.terms.currency;
    let recovery = loan.liquidation.as_ref().and_then(|l| l.recovery);
    let tranche = loan
        .tranches
        .get_mut(index as usize)
        .ok_or_else(|| refuse(ErrorCode::BadTranche, format!("loan {id} has no tranche {index}")))?;
    let holds = match tranche.token {
        Some(token) => state.balance(holder, &token)? >= Amount(1),
        None => false,
    };
    let unclaimed = tranche.unclaimed()?;
    let shares = tranche.shares_owed;
    if !holds || (unclaimed.is_zero() && shares.is_zero()) {
        return Err(refuse(
            ErrorCode::TrancheNothingToClaim,
            format!(
                "loan {id} tranche {index}: {} holds its token: {holds}, unclaimed {unclaimed} and {shares} shares",
                *holder
            ),
        ));
    }
    tranche.claimed = tranche.claimed.checked_add(unclaimed).ok_or_else(|| overflow("claimed"))?;
    if !unclaimed.is_zero() {
        state.transfer(&module_account(), holder, &currency, unclaimed)?;
    }
    if !shares.is_zero() {
        let asset = recovery
            .ok_or_else(|| ExecError::invariant(format!("loan {id}: shares owed with no recovery token")))?;
        tranche.shares_owed = Amount::ZERO;
        state.transfer(&module_account(), holder, &asset, shares)?;
    }
    state.put_loan(&loan);
    Ok(vec![
        LoansEvent::Claimed { loan: id, tranche: index, holder: *holder, amount: unclaimed, shares }.into()
    ])
}

fn add_collateral(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    added: Amount,
) -> Result<Vec<Event>, ExecError> {
    let mut loan = state.require_loan(id)?;
    if !matches!(loan.state, LoanState::Offered | LoanState::Active) {
        return Err(refuse(ErrorCode::LoanState, format!("loan {id} is {:?}, no longer live", loan.state)));
    }
    if ctx.sender != loan.borrower {
        return Err(refuse(ErrorCode::NotBorrower, format!("loan {id} of {}", loan.borrower)));
    }
    let Collateral::Shares { asset, amount } = loan.terms.collateral else {
        return Err(unavailable(format!(
            "loan {id} is secured by a title: cure it by repaying down (prepay)"
        )));
    };
    let held = state.balance(&ctx.sender, &asset)?;
    if held < added {
        return Err(unavailable(format!("{} holds {held} of {asset}, adds {added}", ctx.sender)));
    }
    state.transfer(&ctx.sender, &module_account(), &asset, added)?;
    let total = amount.checked_add(added).ok_or_else(|| overflow("the pledged shares"))?;
    loan.terms.collateral = Collateral::Shares { asset, amount: total };
    state.put_loan(&loan);
    Ok(vec![LoansEvent::CollateralAdded { loan: id, amount: added, pledged: total }.into()])
}
