//! `vault`: the yield vaults of the dollar (`docs/dollar.md`, "The yield vault"): each vault's
//! record with its two NAVs, the price of its shares both ways, its loan positions and the
//! state of their loans, and its redemption queue.
//!
//! The routes are under `/yield-vaults`: `/vaults/{asset}` is the vault of titles behind a share
//! token (`shares.rs`), a different thing.
//!
//! # Invariants
//! - Nothing here writes state. NAVs, `due` and `next_window_ms` are at the last committed
//!   block's time; a service or a deposit is judged at its own block's time, so a price or a
//!   `due` here can differ from what the next block does.
//! - `share_price` prices `shares` = `10^(the share token's decimals)` base units of shares (the
//!   share counts the virtual offset in its decimals), what one whole unit of the asset buys in
//!   an empty vault, through the vault's own books (`Nav::deposit_book`, `Nav::redeem_book`):
//!   `deposit` is what minting them costs (rounded up), `redeem` what redeeming them pays
//!   (rounded down), so `deposit >= redeem`.
//! - Every answer is bounded: a page holds at most `LISTED_PER_PAGE_MAX` vaults, a vault at
//!   most `POSITIONS_MAX` positions and `QUEUE_MAX` requests.

use super::handler::{page_by_id, require, to_json, ApiResult, AppState, PageQuery};
use crate::refusal::{ApiError, ApiPath as Path, ApiQuery as Query};
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use computefi_app::modules::vault::{exec::next_window_ms, Nav, Vault};
use computefi_app::App;
use computefi_types::Amount;
use serde_json::{json, Value};
use utoipa::OpenApi;

/// The routes of `vault`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/yield-vaults", get(vaults))
        .route("/yield-vaults/{id}", get(vault))
        .route("/yield-vaults/{id}/queue", get(queue))
}

#[derive(OpenApi)]
#[openapi(paths(vaults, vault, queue))]
pub(super) struct Doc;

/// Yield vaults by id, a page at a time (`?from=ID&limit=N`, at most 100): asset, share token,
/// manager, idle funds, how many loan tranches it holds and requests wait in its queue.
#[utoipa::path(get, path = "/yield-vaults", params(("from" = Option<String>, Query, description = "first vault id (default 0)"),
    ("limit" = Option<String>, Query, description = "most vaults (default and at most 100)")),
    responses((status = 200, description = "`{vaults: [{id, asset, share, manager, idle, positions, queue}], next_from}`")))]
async fn vaults(State(s): State<AppState>, Query(q): Query<PageQuery>) -> ApiResult {
    let app = s.chain.app();
    page_by_id(&q, "vaults", |id| {
        Ok(app.vault_record(id)?.map(|v| {
            json!({
                "id": v.id.to_string(),
                "asset": v.terms.asset,
                "share": v.share,
                "manager": v.manager,
                "idle": v.idle,
                "positions": v.positions.len(),
                "queue": v.queue.len(),
            })
        }))
    })
}

/// The vault under the id in path segment `raw`, or `bad_path` / a 404.
fn require_vault(app: &App, raw: &str) -> Result<Vault, ApiError> {
    let read = |app: &App, id: &u64| app.vault_record(*id);
    Ok(require(app, "vault id", raw, read, |id| format!("no yield vault {id}"))?.1)
}

/// One yield vault: its record (terms and policy, manager, share token, account, idle funds,
/// deposits, withdrawals, income, losses, positions, the ids of its waiting requests), with
/// `nav` both ways and `share_price` both ways at the last block's time, each position's
/// `loan_state`, `queue_len`, `next_window_ms` (when a request made now may first be served),
/// and `held` (what its account holds of the asset: more than `idle` until a `collect` counts
/// what arrived).
#[utoipa::path(get, path = "/yield-vaults/{id}", params(("id" = String, Path, description = "vault id")),
    responses((status = 200, description = "The vault with `nav: {conservative, optimistic, supply}`, `share_price: {shares, deposit, redeem}`, `queue_len`, `next_window_ms`, `held`"),
        (status = 404, description = "Unknown")))]
async fn vault(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let app = s.chain.app();
    let vault = require_vault(app, &id)?;
    let nav = app.vault_nav(vault.id)?.ok_or_else(|| ApiError::not_found(format!("no yield vault {id}")))?;
    let decimals = app.asset(&vault.share)?.map_or(0, |a| a.decimals);
    let mut states = Vec::with_capacity(vault.positions.len());
    for position in &vault.positions {
        states.push(app.loan(position.loan)?.map(|l| l.state));
    }
    let held = app.balance(&vault.account, &vault.terms.asset)?;
    let now_ms = app.last().time_ms;
    let prices = Prices { nav, decimals, offset: app.params().vault.decimals_offset };
    to_json(&described(&vault, &prices, &states, held, now_ms)?)
}

/// What a vault's answer prices from: its NAV, its share's decimals and the virtual offset.
struct Prices {
    nav: Nav,
    decimals: u8,
    offset: u8,
}

/// `vault` as the API shows it (see [`vault`]); `loan_states` are its positions' loans' states
/// in order (`None` for a loan not found), `held` its account's balance of the asset.
fn described(
    vault: &Vault,
    prices: &Prices,
    loan_states: &[Option<computefi_app::modules::loans::LoanState>],
    held: Amount,
    now_ms: u64,
) -> Result<Value, ApiError> {
    let mut value = serde_json::to_value(vault).map_err(ApiError::internal)?;
    let Prices { nav, decimals, offset } = *prices;
    let unit = 10u128
        .checked_pow(u32::from(decimals))
        .ok_or_else(|| ApiError::internal(format!("10^{decimals} shares overflow 128 bits")))?;
    let deposit = nav.deposit_book(offset).preview_mint(unit).map_err(ApiError::internal)?;
    let redeem = nav.redeem_book(offset).preview_redeem(unit).map_err(ApiError::internal)?;
    value["nav"] = json!({
        "conservative": Amount(nav.conservative),
        "optimistic": Amount(nav.optimistic),
        "supply": Amount(nav.supply),
    });
    value["share_price"] = json!({
        "shares": Amount(unit),
        "deposit": Amount(deposit),
        "redeem": Amount(redeem),
    });
    if let Some(positions) = value["positions"].as_array_mut() {
        for (position, state) in positions.iter_mut().zip(loan_states) {
            position["loan_state"] = json!(state);
        }
    }
    value["queue_len"] = json!(vault.queue.len());
    value["next_window_ms"] = json!(next_window_ms(vault, now_ms).to_string());
    value["held"] = json!(held);
    Ok(value)
}

/// A vault's waiting redemption requests, first in first out: each with its owner, the shares
/// asked and still waiting, what it was paid so far, the start of its window, and `due` (its
/// window has begun at the last block's time, so a `service` may pay it from idle funds).
#[utoipa::path(get, path = "/yield-vaults/{id}/queue", params(("id" = String, Path, description = "vault id")),
    responses((status = 200, description = "`{vault, now_ms, requests: [{id, owner, shares, shares_left, paid, requested_ms, window_ms, due}]}`"),
        (status = 404, description = "Unknown")))]
async fn queue(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let app = s.chain.app();
    let vault = require_vault(app, &id)?;
    let now_ms = app.last().time_ms;
    let mut requests = Vec::with_capacity(vault.queue.len());
    for request in &vault.queue {
        let Some(r) = app.vault_request(vault.id, *request)? else {
            return Err(ApiError::internal(format!(
                "vault {} queues request {request}, which has no record",
                vault.id
            )));
        };
        let mut value = serde_json::to_value(&r).map_err(ApiError::internal)?;
        value["due"] = json!(r.window_ms <= now_ms);
        requests.push(value);
    }
    to_json(&json!({ "vault": vault.id.to_string(), "now_ms": now_ms.to_string(), "requests": requests }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_app::modules::loans::LoanState;
    use computefi_app::modules::vault::Position;
    use computefi_types::title::TitleClass;
    use computefi_types::vault::LendingPolicy;
    use computefi_types::{Address, AssetId, VaultTerms};

    const USD: u128 = 1_000_000;

    /// Vault 4, created at 1,000 ms with 60 s windows, lending one tranche of loan 9.
    fn lending_vault() -> Vault {
        let policy = LendingPolicy {
            loan_max: Amount(100 * USD),
            borrower_max: Amount(100 * USD),
            rate_bps_min: 500,
            ltv_bps_max: 7_000,
            classes: vec![TitleClass::GpuServer],
            green_only: false,
        };
        let terms = VaultTerms {
            asset: AssetId::native(),
            symbol: "YV".into(),
            name: "Yield vault".into(),
            window_ms: 60_000,
            redeem_min: Amount(1),
            requests_per_account_max: 2,
            deposit_cap: None,
            policy,
        };
        let position = Position {
            loan: 9,
            tranche: 0,
            borrower: Address([3; 20]),
            amount: Amount(50 * USD),
            principal_collected: Amount::ZERO,
            interest_collected: Amount::ZERO,
        };
        Vault {
            id: 4,
            manager: Address([1; 20]),
            terms,
            share: AssetId::native(),
            account: Address([2; 20]),
            created_ms: 1_000,
            idle: Amount(50 * USD),
            deposited: Amount(100 * USD),
            withdrawn: Amount::ZERO,
            income: Amount::ZERO,
            losses: Amount::ZERO,
            positions: vec![position],
            queue: vec![0],
            next_request: 1,
            deposit_queue: Vec::new(),
            next_deposit: 0,
            queued_assets: Amount::ZERO,
        }
    }

    fn amount(v: &Value) -> u128 {
        v.as_str().unwrap_or_else(|| panic!("{v} is not a decimal string")).parse().unwrap()
    }

    #[test]
    fn a_vault_with_accrued_interest_prices_deposits_above_redemptions() {
        // 100 USD deposited for 10^14 shares; the loan accrued 1 USD not yet paid.
        let nav = Nav { conservative: 100 * USD, optimistic: 101 * USD, supply: 100 * USD * USD };
        let prices = Prices { nav, decimals: 12, offset: 6 };
        let states = [Some(LoanState::Active)];
        let value = described(&lending_vault(), &prices, &states, Amount(51 * USD), 61_500).unwrap();
        assert_eq!(value["share_price"]["shares"], json!("1000000000000"));
        let (deposit, redeem) =
            (amount(&value["share_price"]["deposit"]), amount(&value["share_price"]["redeem"]));
        assert!(deposit > redeem, "{deposit} > {redeem}");
        assert_eq!(redeem, USD, "one dollar's shares redeem for a dollar");
        assert_eq!(deposit, 1_010_000, "and cost a dollar and the accrued cent");
        assert_eq!(value["positions"][0]["loan_state"], json!("active"));
        assert_eq!((&value["queue_len"], &value["held"]), (&json!(1), &json!("51000000")));
        assert_eq!(value["next_window_ms"], json!("121000"), "the window after the one at 61,000 ms");
        assert_eq!(value["id"], json!("4"), "the record itself is kept");
    }

    #[test]
    fn an_empty_vault_prices_a_whole_unit_of_shares_at_a_whole_unit_of_its_asset() {
        let prices = Prices { nav: Nav::default(), decimals: 12, offset: 6 };
        let mut empty = lending_vault();
        empty.positions.clear();
        let value = described(&empty, &prices, &[], Amount::ZERO, 1_000).unwrap();
        assert_eq!(
            (amount(&value["share_price"]["deposit"]), amount(&value["share_price"]["redeem"])),
            (USD, USD)
        );
        assert_eq!(value["nav"], json!({ "conservative": "0", "optimistic": "0", "supply": "0" }));
    }
}
