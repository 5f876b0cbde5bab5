//! `loans`: loans against hardware titles, their next instalment and their repayment schedule.
//!
//! # Invariants
//! - Nothing here writes state. The next instalment is what `loans::exec::instalment` charges at
//!   the last committed block's time, so a repayment in the next block owes at least as much
//!   (a late charge only grows).
//! - A schedule is `loans::math::schedule` on the loan's own figures: for an active loan the
//!   balance, blended rate and payments left; for an offer the principal over its whole term at
//!   the blended rate its tranches would fix; for a closed loan no payment. Its length is at most
//!   `math::PAYMENTS_MAX`.
//! - Figures a stored loan cannot give (which the ledger refuses at the offer) answer 400
//!   `bad_loan_terms` naming the figure, never a panic.

use super::handler::{page_by_id, require, to_json, ApiResult, AppState, PageQuery};
use crate::refusal::{ApiError, ApiPath as Path, ApiQuery as Query};
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use computefi_app::modules::loans::{exec, math, Loan, LoanState};
use computefi_app::ExecError;
use computefi_types::{Amount, ErrorCode, TxError};
use serde_json::{json, Value};
use utoipa::OpenApi;

/// The routes of `loans`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/loans", get(loans))
        .route("/loans/{id}", get(loan))
        .route("/loans/{id}/schedule", get(schedule))
        .route("/insurance", get(insurance))
}

#[derive(OpenApi)]
#[openapi(paths(loans, loan, schedule, insurance))]
pub(super) struct Doc;

/// Loans by id with their state, in any state, a page at a time (`?from=ID&limit=N`, at most
/// 100).
#[utoipa::path(get, path = "/loans", params(("from" = Option<String>, Query, description = "first loan id (default 0)"),
    ("limit" = Option<String>, Query, description = "most loans (default and at most 100)")),
    responses((status = 200, description = "`{loans: [{id, state}], next_from}`")))]
async fn loans(State(s): State<AppState>, Query(q): Query<PageQuery>) -> ApiResult {
    let app = s.chain.app();
    page_by_id(&q, "loans", |id| {
        Ok(app.loan(id)?.map(|l| json!({ "id": l.id.to_string(), "state": l.state })))
    })
}

/// The loans' insurance fund: its account and what it holds in each of the chain's dollar assets
/// (a share of every interest payment, `params.loans.insurance_share_bps`).
#[utoipa::path(get, path = "/insurance",
    responses((status = 200, description = "`{account, share_bps, holdings: [{asset, amount}]}`")))]
async fn insurance(State(s): State<AppState>) -> ApiResult {
    let app = s.chain.app();
    let account = computefi_app::modules::loans::insurance_account();
    let mut holdings = Vec::new();
    for asset in &app.params().valuation.dollar_assets {
        holdings.push(json!({ "asset": asset, "amount": app.balance(&account, asset)? }));
    }
    to_json(&json!({
        "account": account,
        "share_bps": app.params().loans.insurance_share_bps,
        "holdings": holdings,
    }))
}

/// The loan under the id in path segment `raw`, or `bad_path` / a 404.
fn require_loan(s: &AppState, raw: &str) -> Result<Loan, ApiError> {
    let read = |app: &computefi_app::App, id: &u64| app.loan(*id);
    Ok(require(s.chain.app(), "loan id", raw, read, |id| format!("no loan {id}"))?.1)
}

/// One loan: borrower, terms, state, tranches (funded, outstanding, paid, claimed), blended
/// rate, balance, deadlines; for an active loan also `next_instalment` at the last block's time.
#[utoipa::path(get, path = "/loans/{id}", params(("id" = String, Path, description = "loan id")),
    responses((status = 200, description = "The loan"), (status = 404, description = "Unknown")))]
async fn loan(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let loan = require_loan(&s, &id)?;
    to_json(&loan_with_instalment(&loan, s.chain.app().last().time_ms)?)
}

/// The remaining repayment schedule: for an active loan from its balance and the payments left,
/// each with its deadline; for an offer the whole schedule at its tranches' blended rate,
/// deadlines counted from the opening; for a repaid or cancelled loan none.
#[utoipa::path(get, path = "/loans/{id}/schedule", params(("id" = String, Path, description = "loan id")),
    responses((status = 200, description = "`{loan, state, model, rate_year, principal, payments}`"),
        (status = 404, description = "Unknown")))]
async fn schedule(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    to_json(&schedule_of(&require_loan(&s, &id)?)?)
}

fn bad_terms(e: impl std::fmt::Display) -> ApiError {
    TxError::new(ErrorCode::BadLoanTerms, e.to_string()).into()
}

fn exec_error(e: ExecError) -> ApiError {
    match e {
        ExecError::Rejected(refusal) => refusal.into(),
        other => ApiError::internal(other),
    }
}

/// `loan` as JSON, with `next_instalment` (`interest`, `principal`, `late_charge`, `due_ms`) at
/// `now_ms` when it is active.
fn loan_with_instalment(loan: &Loan, now_ms: u64) -> Result<Value, ApiError> {
    let mut value = serde_json::to_value(loan).map_err(ApiError::internal)?;
    if loan.state == LoanState::Active {
        let (interest, principal, late_charge) = exec::instalment(loan, now_ms).map_err(exec_error)?;
        value["next_instalment"] = json!({
            "interest": Amount(interest),
            "principal": Amount(principal),
            "late_charge": Amount(late_charge),
            "due_ms": loan.deadline_ms.to_string(),
        });
    }
    Ok(value)
}

/// What a schedule starts from.
struct Basis {
    /// The principal scheduled: the balance, or an offer's principal.
    principal: u128,
    /// The yearly rate, [`math::SCALE`] units.
    rate_year: u128,
    /// Payments scheduled.
    payments: u32,
    /// The first payment's deadline, ms, once the loan is open.
    first_due_ms: Option<u64>,
}

/// The [`Basis`] of `loan`'s schedule, or `None` when nothing is left to pay.
fn schedule_basis(loan: &Loan) -> Result<Option<Basis>, ApiError> {
    let t = &loan.terms;
    match loan.state {
        LoanState::Active if loan.balance.0 > 0 && loan.payments_left > 0 => Ok(Some(Basis {
            principal: loan.balance.0,
            rate_year: loan.rate_year.0,
            payments: loan.payments_left,
            first_due_ms: Some(loan.deadline_ms),
        })),
        LoanState::Offered => {
            let tranches: Vec<(u128, u32)> = t.tranches.iter().map(|x| (x.amount.0, x.rate_bps)).collect();
            let rate_year = math::blended_rate(&tranches).map_err(bad_terms)?;
            let payments = t.duration_s.checked_div(t.interval_s).unwrap_or(0);
            let payments = u32::try_from(payments)
                .map_err(|_| bad_terms(format!("{payments} payments: at most {}", math::PAYMENTS_MAX)))?;
            Ok(Some(Basis { principal: t.principal.0, rate_year, payments, first_due_ms: None }))
        }
        // An active loan paid down to nothing waits only for its closing.
        LoanState::Active
        | LoanState::Repaid
        | LoanState::Cancelled
        | LoanState::Liquidating
        | LoanState::Liquidated => Ok(None),
    }
}

/// The schedule of `loan` as JSON (see [`schedule`]).
fn schedule_of(loan: &Loan) -> Result<Value, ApiError> {
    let t = &loan.terms;
    let mut answer = json!({
        "loan": loan.id.to_string(),
        "state": loan.state,
        "model": t.model,
        "interval_s": t.interval_s.to_string(),
    });
    let Some(Basis { principal, rate_year, payments, first_due_ms }) = schedule_basis(loan)? else {
        answer["payments"] = json!([]);
        return Ok(answer);
    };
    let rows = math::schedule(t.model, principal, rate_year, payments, t.interval_s).map_err(bad_terms)?;
    let interval_ms = t.interval_s.saturating_mul(1_000);
    let rows: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let mut row = json!({
                "due_s": p.due_s.to_string(),
                "interest": Amount(p.interest),
                "principal": Amount(p.principal),
                "total": Amount(p.total),
                "balance_after": Amount(p.balance_after),
            });
            if let Some(first) = first_due_ms {
                let k = u64::try_from(k).unwrap_or(u64::MAX);
                row["due_ms"] = json!(first.saturating_add(interval_ms.saturating_mul(k)).to_string());
            }
            row
        })
        .collect();
    answer["rate_year"] = json!(Amount(rate_year));
    answer["principal"] = json!(Amount(principal));
    answer["payments"] = json!(rows);
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_types::loan::{Collateral, RateModel, Tranche};
    use computefi_types::{Address, AssetId, LoanTerms};

    const MONTH_S: u64 = 2_628_000;

    /// An offer of 100,000 (6 decimals) over 12 months in two tranches: 75,000 at 8 % and 25,000
    /// at 16 %, a blend of 10 %.
    fn offered() -> Loan {
        let tranche =
            |amount: u128, rate_bps| Tranche { lender: Address([2; 20]), amount: Amount(amount), rate_bps };
        let tranches = vec![tranche(75_000_000_000, 800), tranche(25_000_000_000, 1_600)];
        let terms = LoanTerms {
            collateral: Collateral::Shares { asset: AssetId::native(), amount: Amount(1) },
            currency: AssetId::native(),
            principal: Amount(100_000_000_000),
            duration_s: 12 * MONTH_S,
            interval_s: MONTH_S,
            model: RateModel::Amortized,
            grace_rate_bps: 3_650,
            grace_s: 86_400,
            origination_fee: Amount::ZERO,
            exit_fee: Amount::ZERO,
            expires_ms: 1_000,
            tranches,
        };
        Loan::offered(3, Address([1; 20]), terms)
    }

    /// The offer once open at `opened_ms` with `payments_left` of its payments and `balance` left.
    fn active(opened_ms: u64, payments_left: u32, balance: u128) -> Loan {
        let mut loan = offered();
        loan.state = LoanState::Active;
        loan.rate_year = Amount(math::SCALE / 10);
        loan.balance = Amount(balance);
        loan.opened_ms = opened_ms;
        loan.payments_left = payments_left;
        loan.period_start_ms = opened_ms;
        loan.deadline_ms = opened_ms + MONTH_S * 1_000;
        loan
    }

    fn amount(v: &Value) -> u128 {
        v.as_str().unwrap_or_else(|| panic!("{v} is not a decimal string")).parse().unwrap()
    }

    #[test]
    fn an_offer_schedules_its_whole_principal_at_the_blended_rate_of_its_tranches() {
        let answer = schedule_of(&offered()).unwrap();
        assert_eq!(answer["rate_year"], json!(Amount(math::SCALE / 10).to_string()));
        let rows = answer["payments"].as_array().unwrap();
        assert_eq!(rows.len(), 12);
        assert_eq!(rows.iter().map(|r| amount(&r["principal"])).sum::<u128>(), 100_000_000_000);
        assert!(rows.iter().all(|r| r.get("due_ms").is_none()), "an offer has no deadlines yet");
        assert_eq!(rows[11]["due_s"], json!((12 * MONTH_S).to_string()));
    }

    #[test]
    fn an_active_loan_schedules_its_balance_over_the_payments_left_from_its_next_deadline() {
        let loan = active(5_000, 4, 40_000_000_000);
        let answer = schedule_of(&loan).unwrap();
        let rows = answer["payments"].as_array().unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows.iter().map(|r| amount(&r["principal"])).sum::<u128>(), 40_000_000_000);
        assert_eq!(rows[0]["due_ms"], json!(loan.deadline_ms.to_string()));
        assert_eq!(rows[3]["due_ms"], json!((loan.deadline_ms + 3 * MONTH_S * 1_000).to_string()));
        let expected =
            math::schedule(RateModel::Amortized, 40_000_000_000, math::SCALE / 10, 4, MONTH_S).unwrap();
        assert_eq!(amount(&rows[0]["total"]), expected[0].total);
    }

    #[test]
    fn a_closed_loan_has_no_payment_left_and_no_next_instalment() {
        let mut loan = active(0, 0, 0);
        loan.state = LoanState::Repaid;
        assert_eq!(schedule_of(&loan).unwrap()["payments"], json!([]));
        assert!(loan_with_instalment(&loan, 0).unwrap().get("next_instalment").is_none());
        assert!(loan_with_instalment(&offered(), 0).unwrap().get("next_instalment").is_none());
    }

    #[test]
    fn the_next_instalment_of_an_active_loan_is_what_a_repayment_would_charge_then() {
        let loan = active(0, 12, 100_000_000_000);
        let on_time = loan_with_instalment(&loan, loan.deadline_ms).unwrap();
        let due = &on_time["next_instalment"];
        let (interest, principal, _) = exec::instalment(&loan, loan.deadline_ms).unwrap();
        assert_eq!((amount(&due["interest"]), amount(&due["principal"])), (interest, principal));
        assert_eq!(amount(&due["late_charge"]), 0);
        assert_eq!(due["due_ms"], json!(loan.deadline_ms.to_string()));
        assert_eq!(on_time["id"], json!("3"), "the record itself is kept");
        let late = loan_with_instalment(&loan, loan.deadline_ms + 86_400_000).unwrap();
        assert!(amount(&late["next_instalment"]["late_charge"]) > 0, "a day late costs a charge");
    }
}
