//! Handlers of `vault`: create, set the policy, deposit and mint (at the optimistic NAV),
//! request, cancel and serve redemptions (at the conservative NAV, first in first out, in
//! windows), allocate idle funds to loan tranches within the policy, and collect what they pay.

use super::event::VaultEvent;
use super::math::{Book, VaultMathError};
use super::nav::nav;
use super::state::{
    module_account, vault_account, Position, QueuedDeposit, Request, Vault, VaultRead, VaultWrite, COUNT_KEY,
    POSITIONS_MAX, QUEUE_MAX, SERVED_PER_TX_MAX,
};
use crate::modules::assets::exec::symbol_is_valid;
use crate::modules::assets::{AssetInfo, AssetsRead, AssetsWrite};
use crate::modules::bank::{BankRead, BankWrite};
use crate::modules::context::{Handler, TxContext};
use crate::modules::green;
use crate::modules::loans::{self, LoanState, LoansRead};
use crate::modules::shares::SharesRead;
use crate::state::{refuse, ExecError, Overlay, StateWrite};
use computefi_types::limits::DECIMALS_MAX;
use computefi_types::loan::Collateral;
use computefi_types::vault::LendingPolicy;
use computefi_types::{Amount, ErrorCode, Event, TxError, VaultMsg, VaultTerms};

/// Longest redemption window: a year and a day.
pub const WINDOW_MS_MAX: u64 = 366 * computefi_types::time::DAY_MS;
/// Most bytes of a vault's share token name.
pub const NAME_BYTES_MAX: usize = 64;
/// Most requests one account may be allowed to have waiting.
pub const REQUESTS_PER_ACCOUNT_MAX: u32 = 16;

fn bad_terms(detail: String) -> TxError {
    TxError::new(ErrorCode::BadVaultTerms, detail)
}

fn check_policy(policy: &LendingPolicy) -> Result<(), TxError> {
    let classes_ok = policy.classes.len() <= 3
        && policy.classes.iter().enumerate().all(|(i, c)| !policy.classes[..i].contains(c));
    if policy.ltv_bps_max > 10_000
        || policy.rate_bps_min > loans::math::RATE_BPS_YEAR_MAX
        || !classes_ok
        || policy.borrower_max < policy.loan_max
    {
        return Err(bad_terms(format!(
            "policy: ltv_bps_max {} (at most 10000), rate_bps_min {} (at most {}), {} classes (each once), borrower_max {} (at least loan_max {})",
            policy.ltv_bps_max,
            policy.rate_bps_min,
            loans::math::RATE_BPS_YEAR_MAX,
            policy.classes.len(),
            policy.borrower_max,
            policy.loan_max
        )));
    }
    Ok(())
}

fn check_terms(t: &VaultTerms) -> Result<(), TxError> {
    if !symbol_is_valid(&t.symbol) || t.name.is_empty() || t.name.len() > NAME_BYTES_MAX {
        return Err(bad_terms(format!(
            "symbol {:?} (2 to 12 capitals and digits), name of {} bytes (1 to {NAME_BYTES_MAX})",
            t.symbol,
            t.name.len()
        )));
    }
    if t.window_ms == 0 || t.window_ms > WINDOW_MS_MAX {
        return Err(bad_terms(format!("window {} ms: give 1 to {WINDOW_MS_MAX}", t.window_ms)));
    }
    if t.requests_per_account_max == 0 || t.requests_per_account_max > REQUESTS_PER_ACCOUNT_MAX {
        return Err(bad_terms(format!(
            "{} requests per account: give 1 to {REQUESTS_PER_ACCOUNT_MAX}",
            t.requests_per_account_max
        )));
    }
    if t.redeem_min.is_zero() || t.deposit_cap.is_some_and(|cap| cap.is_zero()) {
        return Err(bad_terms("redeem_min and a deposit cap must be above zero".into()));
    }
    check_policy(&t.policy)
}

fn zero(what: &str) -> TxError {
    TxError::new(ErrorCode::ZeroAmount, format!("{what} is 0: give an amount above zero"))
}

impl Handler for VaultMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        match self {
            VaultMsg::Create { terms } => check_terms(terms),
            VaultMsg::SetPolicy { policy, .. } => check_policy(policy),
            VaultMsg::Deposit { assets, .. } | VaultMsg::QueueDeposit { assets, .. } if assets.is_zero() => {
                Err(zero("the deposit"))
            }
            VaultMsg::Mint { shares, .. } | VaultMsg::RequestRedeem { shares, .. } if shares.is_zero() => {
                Err(zero("the shares"))
            }
            _ => Ok(()),
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            VaultMsg::Create { terms } => create(state, ctx, terms),
            VaultMsg::SetPolicy { vault, policy } => set_policy(state, ctx, *vault, policy),
            VaultMsg::Deposit { vault, assets } => deposit(state, ctx, *vault, Some(*assets), None),
            VaultMsg::Mint { vault, shares } => deposit(state, ctx, *vault, None, Some(*shares)),
            VaultMsg::RequestRedeem { vault, shares } => request_redeem(state, ctx, *vault, *shares),
            VaultMsg::Cancel { vault, request } => cancel(state, ctx, *vault, *request),
            VaultMsg::Service { vault } => service(state, ctx, *vault),
            VaultMsg::Allocate { vault, loan, tranche } => allocate(state, ctx, *vault, *loan, *tranche),
            VaultMsg::Collect { vault } => collect(state, *vault),
            VaultMsg::QueueDeposit { vault, assets } => queue_deposit(state, ctx, *vault, *assets),
            VaultMsg::CancelDeposit { vault, deposit } => cancel_deposit(state, ctx, *vault, *deposit),
        }
    }
}

fn overflow(what: &str) -> ExecError {
    refuse(ErrorCode::AmountOverflow, format!("{what} overflows"))
}

fn math(e: VaultMathError) -> ExecError {
    refuse(ErrorCode::AmountOverflow, e.to_string())
}

fn create(state: &mut Overlay<'_>, ctx: &TxContext, terms: &VaultTerms) -> Result<Vec<Event>, ExecError> {
    if !ctx.params.valuation.dollar_assets.contains(&terms.asset) {
        return Err(refuse(
            ErrorCode::BadVaultTerms,
            format!("asset {}: a vault holds one of the chain's dollar assets", terms.asset),
        ));
    }
    // The share token counts the virtual offset in its decimals (as ERC-4626 does), so one whole
    // share of an empty vault costs one whole unit of the asset.
    let asset_decimals = state.require_asset(&terms.asset)?.decimals;
    let decimals = asset_decimals
        .checked_add(ctx.params.vault.decimals_offset)
        .filter(|d| *d <= DECIMALS_MAX)
        .ok_or_else(|| {
            refuse(
                ErrorCode::BadVaultTerms,
                format!(
                    "asset {} has {asset_decimals} decimals; with the offset of {} its shares would pass {DECIMALS_MAX}",
                    terms.asset, ctx.params.vault.decimals_offset
                ),
            )
        })?;
    let id = state.next_in_sequence(COUNT_KEY.to_string())?;
    let account = vault_account(id);
    let share = computefi_types::AssetId::derive(&module_account(), &format!("vault-{id}"));
    if state.asset(&share)?.is_some() {
        return Err(ExecError::invariant(format!("vault {id}'s share token exists before the vault")));
    }
    state.put_asset(&AssetInfo {
        id: share,
        issuer: module_account(),
        symbol: terms.symbol.clone(),
        name: terms.name.clone(),
        decimals,
        max_supply: None,
        supply: Amount::ZERO,
    });
    state.mark_module_account(&account);
    let vault = Vault {
        id,
        manager: ctx.sender,
        terms: terms.clone(),
        share,
        account,
        created_ms: ctx.time_ms,
        idle: Amount::ZERO,
        deposited: Amount::ZERO,
        withdrawn: Amount::ZERO,
        income: Amount::ZERO,
        losses: Amount::ZERO,
        positions: Vec::new(),
        queue: Vec::new(),
        next_request: 0,
        deposit_queue: Vec::new(),
        next_deposit: 0,
        queued_assets: Amount::ZERO,
    };
    state.put_vault(&vault);
    Ok(vec![VaultEvent::Created { vault: id, manager: ctx.sender, share, account }.into()])
}

fn require_manager(vault: &Vault, ctx: &TxContext) -> Result<(), ExecError> {
    if vault.manager != ctx.sender {
        return Err(refuse(
            ErrorCode::NotVaultManager,
            format!("vault {} is managed by {}", vault.id, vault.manager),
        ));
    }
    Ok(())
}

fn set_policy(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    policy: &LendingPolicy,
) -> Result<Vec<Event>, ExecError> {
    let mut vault = state.require_vault(id)?;
    require_manager(&vault, ctx)?;
    vault.terms.policy = policy.clone();
    state.put_vault(&vault);
    Ok(vec![VaultEvent::Policy { vault: id }.into()])
}

/// A deposit of `assets` (shares rounded down) or a mint of `shares` (assets rounded up), at the
/// optimistic NAV, within the deposit cap.
fn deposit(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    assets: Option<Amount>,
    shares: Option<Amount>,
) -> Result<Vec<Event>, ExecError> {
    let mut vault = state.require_vault(id)?;
    let now = nav(&*state, ctx, &vault)?;
    let book = now.deposit_book(ctx.params.vault.decimals_offset);
    let (assets, shares) = match (assets, shares) {
        (Some(a), _) => (a.0, book.preview_deposit(a.0).map_err(math)?),
        (None, Some(s)) => (book.preview_mint(s.0).map_err(math)?, s.0),
        (None, None) => return Err(ExecError::invariant("a deposit with neither assets nor shares".into())),
    };
    if shares == 0 {
        return Err(refuse(
            ErrorCode::ZeroAmount,
            format!("{assets} buys no share of vault {id} at its NAV: deposit more"),
        ));
    }
    let after = now.optimistic.checked_add(assets).ok_or_else(|| overflow("the vault's assets"))?;
    if let Some(cap) = vault.terms.deposit_cap.filter(|cap| after > cap.0) {
        return Err(refuse(
            ErrorCode::DepositCapExceeded,
            format!("vault {id} holds {} and takes at most {cap}; deposit {assets}", now.optimistic),
        ));
    }
    state.transfer(&ctx.sender, &vault.account, &vault.terms.asset, Amount(assets))?;
    state.mint_to(&ctx.sender, &vault.share, Amount(shares))?;
    vault.idle = vault.idle.checked_add(Amount(assets)).ok_or_else(|| overflow("idle funds"))?;
    vault.deposited = vault.deposited.checked_add(Amount(assets)).ok_or_else(|| overflow("deposits"))?;
    state.put_vault(&vault);
    Ok(vec![VaultEvent::Deposited {
        vault: id,
        owner: ctx.sender,
        assets: Amount(assets),
        shares: Amount(shares),
    }
    .into()])
}

/// The start of the first window after `now_ms`: `created + (⌊(now − created) / window⌋ + 1) ·
/// window`.
pub fn next_window_ms(vault: &Vault, now_ms: u64) -> u64 {
    let window = vault.terms.window_ms.max(1);
    let elapsed = now_ms.saturating_sub(vault.created_ms);
    let windows = elapsed.checked_div(window).unwrap_or(0).saturating_add(1);
    vault.created_ms.saturating_add(windows.saturating_mul(window))
}

fn request_redeem(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    shares: Amount,
) -> Result<Vec<Event>, ExecError> {
    let mut vault = state.require_vault(id)?;
    if shares < vault.terms.redeem_min {
        return Err(refuse(
            ErrorCode::RedeemBelowMinimum,
            format!("vault {id}: request {shares} shares, at least {}", vault.terms.redeem_min),
        ));
    }
    let waiting = state.requests_of(id, &ctx.sender)?;
    if waiting >= vault.terms.requests_per_account_max || vault.queue.len() >= QUEUE_MAX {
        return Err(refuse(
            ErrorCode::TooManyRequests,
            format!(
                "{} has {waiting} requests waiting in vault {id} (at most {}); the queue holds {} (at most {QUEUE_MAX})",
                ctx.sender,
                vault.terms.requests_per_account_max,
                vault.queue.len()
            ),
        ));
    }
    state.transfer(&ctx.sender, &vault.account, &vault.share, shares)?;
    let request = Request {
        id: vault.next_request,
        owner: ctx.sender,
        shares,
        shares_left: shares,
        paid: Amount::ZERO,
        requested_ms: ctx.time_ms,
        window_ms: next_window_ms(&vault, ctx.time_ms),
    };
    vault.next_request = vault.next_request.saturating_add(1);
    vault.queue.push(request.id);
    state.put_request(id, &request);
    state.put_requests_of(id, &ctx.sender, waiting.saturating_add(1));
    state.put_vault(&vault);
    Ok(vec![VaultEvent::Requested {
        vault: id,
        request: request.id,
        owner: ctx.sender,
        shares,
        window_ms: request.window_ms,
    }
    .into()])
}

fn cancel(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    request_id: u64,
) -> Result<Vec<Event>, ExecError> {
    let mut vault = state.require_vault(id)?;
    let request = state
        .request(id, request_id)?
        .filter(|r| r.owner == ctx.sender && ctx.time_ms < r.window_ms)
        .ok_or_else(|| {
            refuse(
                ErrorCode::NotRequestOwner,
                format!("vault {id} has no request {request_id} of {} waiting before its window", ctx.sender),
            )
        })?;
    state.transfer(&vault.account, &ctx.sender, &vault.share, request.shares_left)?;
    vault.queue.retain(|r| *r != request_id);
    state.delete_request(id, request_id);
    let waiting = state.requests_of(id, &ctx.sender)?;
    state.put_requests_of(id, &ctx.sender, waiting.saturating_sub(1));
    state.put_vault(&vault);
    Ok(vec![VaultEvent::Cancelled { vault: id, request: request_id, shares: request.shares_left }.into()])
}

/// Serves the queue from its head, at most [`SERVED_PER_TX_MAX`] requests, while their window
/// has begun and idle funds remain: each in full at the conservative NAV (rounded down), or the
/// last one in part (the idle funds, for the shares they buy rounded up). Then takes in queued
/// deposits, first in first out, as far as the deposit cap leaves room.
fn service(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let mut vault = state.require_vault(id)?;
    let due = |r: &Request| r.window_ms <= ctx.time_ms;
    let head = match vault.queue.first() {
        Some(first) => state.request(id, *first)?,
        None => None,
    };
    if !head.as_ref().is_some_and(due) && vault.deposit_queue.is_empty() {
        return Err(refuse(
            ErrorCode::WindowNotReached,
            format!(
                "vault {id}: the queue's first request waits for {:?} ms, now {}, and no deposit is queued",
                head.map(|r| r.window_ms),
                ctx.time_ms
            ),
        ));
    }
    let offset = ctx.params.vault.decimals_offset;
    let mut events = Vec::new();
    let mut served = 0;
    while served < SERVED_PER_TX_MAX && !vault.idle.is_zero() {
        let Some(first) = vault.queue.first().copied() else { break };
        let mut request = state
            .request(id, first)?
            .ok_or_else(|| ExecError::invariant(format!("vault {id}: request {first} queued but missing")))?;
        if !due(&request) {
            break;
        }
        served = served.saturating_add(1);
        let book: Book = nav(&*state, ctx, &vault)?.redeem_book(offset);
        let full = book.preview_redeem(request.shares_left.0).map_err(math)?;
        let (assets, shares) = if full <= vault.idle.0 {
            (full, request.shares_left.0)
        } else {
            let burned = book.preview_withdraw(vault.idle.0).map_err(math)?.min(request.shares_left.0);
            (vault.idle.0, burned)
        };
        state.burn_from(&vault.account, &vault.share, Amount(shares))?;
        state.transfer(&vault.account, &request.owner, &vault.terms.asset, Amount(assets))?;
        vault.idle = vault.idle.checked_sub(Amount(assets)).ok_or_else(|| overflow("idle funds"))?;
        vault.withdrawn =
            vault.withdrawn.checked_add(Amount(assets)).ok_or_else(|| overflow("withdrawals"))?;
        request.shares_left = request.shares_left.checked_sub(Amount(shares)).unwrap_or(Amount::ZERO);
        request.paid = request.paid.checked_add(Amount(assets)).ok_or_else(|| overflow("paid"))?;
        events.push(
            VaultEvent::Served {
                vault: id,
                request: request.id,
                owner: request.owner,
                shares: Amount(shares),
                assets: Amount(assets),
                shares_left: request.shares_left,
            }
            .into(),
        );
        if request.shares_left.is_zero() {
            vault.queue.remove(0);
            state.delete_request(id, request.id);
            let waiting = state.requests_of(id, &request.owner)?;
            state.put_requests_of(id, &request.owner, waiting.saturating_sub(1));
        } else {
            state.put_request(id, &request);
        }
    }
    events.extend(fill_deposits(state, ctx, &mut vault, SERVED_PER_TX_MAX.saturating_sub(served))?);
    state.put_vault(&vault);
    Ok(events)
}

/// Takes in queued deposits from the head, at most `max`, as far as the cap leaves room (the
/// last in part), each for shares at the optimistic NAV of that moment (rounded down).
fn fill_deposits(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    vault: &mut Vault,
    max: usize,
) -> Result<Vec<Event>, ExecError> {
    let offset = ctx.params.vault.decimals_offset;
    let mut events = Vec::new();
    for _ in 0..max {
        let Some(first) = vault.deposit_queue.first().copied() else { break };
        let mut deposit = state.queued_deposit(vault.id, first)?.ok_or_else(|| {
            ExecError::invariant(format!("vault {}: deposit {first} queued but missing", vault.id))
        })?;
        let now = nav(&*state, ctx, vault)?;
        let room = vault.terms.deposit_cap.map_or(u128::MAX, |cap| cap.0.saturating_sub(now.optimistic));
        let assets = deposit.assets_left.0.min(room);
        let shares = now.deposit_book(offset).preview_deposit(assets).map_err(math)?;
        if assets == 0 || shares == 0 {
            break;
        }
        state.mint_to(&deposit.owner, &vault.share, Amount(shares))?;
        vault.queued_assets =
            vault.queued_assets.checked_sub(Amount(assets)).ok_or_else(|| overflow("queued assets"))?;
        vault.idle = vault.idle.checked_add(Amount(assets)).ok_or_else(|| overflow("idle funds"))?;
        vault.deposited = vault.deposited.checked_add(Amount(assets)).ok_or_else(|| overflow("deposits"))?;
        deposit.assets_left = deposit.assets_left.checked_sub(Amount(assets)).unwrap_or(Amount::ZERO);
        deposit.filled = deposit.filled.checked_add(Amount(assets)).ok_or_else(|| overflow("filled"))?;
        let event = VaultEvent::Deposited {
            vault: vault.id,
            owner: deposit.owner,
            assets: Amount(assets),
            shares: Amount(shares),
        };
        events.push(event.into());
        if deposit.assets_left.is_zero() {
            vault.deposit_queue.remove(0);
            state.delete_deposit(vault.id, deposit.id);
        } else {
            state.put_deposit(vault.id, &deposit);
            break;
        }
    }
    Ok(events)
}

fn queue_deposit(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    assets: Amount,
) -> Result<Vec<Event>, ExecError> {
    let mut vault = state.require_vault(id)?;
    if vault.terms.deposit_cap.is_none() {
        return Err(refuse(
            ErrorCode::BadVaultTerms,
            format!("vault {id} has no deposit cap: deposit directly"),
        ));
    }
    if vault.deposit_queue.len() >= QUEUE_MAX {
        return Err(refuse(
            ErrorCode::TooManyRequests,
            format!("vault {id} has {QUEUE_MAX} deposits queued, the most it may"),
        ));
    }
    state.transfer(&ctx.sender, &vault.account, &vault.terms.asset, assets)?;
    let deposit = QueuedDeposit {
        id: vault.next_deposit,
        owner: ctx.sender,
        assets_left: assets,
        filled: Amount::ZERO,
        requested_ms: ctx.time_ms,
    };
    vault.next_deposit = vault.next_deposit.saturating_add(1);
    vault.deposit_queue.push(deposit.id);
    vault.queued_assets = vault.queued_assets.checked_add(assets).ok_or_else(|| overflow("queued assets"))?;
    state.put_deposit(id, &deposit);
    state.put_vault(&vault);
    Ok(vec![VaultEvent::DepositQueued { vault: id, deposit: deposit.id, owner: ctx.sender, assets }.into()])
}

fn cancel_deposit(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    deposit_id: u64,
) -> Result<Vec<Event>, ExecError> {
    let mut vault = state.require_vault(id)?;
    let deposit =
        state.queued_deposit(id, deposit_id)?.filter(|d| d.owner == ctx.sender).ok_or_else(|| {
            refuse(
                ErrorCode::NotRequestOwner,
                format!("vault {id} has no deposit {deposit_id} of {} waiting", ctx.sender),
            )
        })?;
    state.transfer(&vault.account, &ctx.sender, &vault.terms.asset, deposit.assets_left)?;
    vault.queued_assets =
        vault.queued_assets.checked_sub(deposit.assets_left).ok_or_else(|| overflow("queued assets"))?;
    vault.deposit_queue.retain(|d| *d != deposit_id);
    state.delete_deposit(id, deposit_id);
    state.put_vault(&vault);
    Ok(vec![
        VaultEvent::DepositCancelled { vault: id, deposit: deposit_id, assets: deposit.assets_left }.into()
    ])
}

fn outside(detail: String) -> ExecError {
    refuse(ErrorCode::OutsidePolicy, detail)
}

/// Refuses a tranche the policy does not allow.
fn check_allocation(
    state: &Overlay<'_>,
    ctx: &TxContext,
    vault: &Vault,
    loan: &loans::Loan,
    index: u32,
) -> Result<Amount, ExecError> {
    let p = &vault.terms.policy;
    let tranche = loan
        .tranches
        .get(index as usize)
        .ok_or_else(|| refuse(ErrorCode::BadTranche, format!("loan {} has no tranche {index}", loan.id)))?;
    if loan.state != LoanState::Offered || tranche.funded || tranche.lender != vault.account {
        return Err(refuse(
            ErrorCode::BadTranche,
            format!(
                "loan {} tranche {index}: {:?}, funded {}, lender {} (the vault's account is {})",
                loan.id, loan.state, tranche.funded, tranche.lender, vault.account
            ),
        ));
    }
    if loan.terms.currency != vault.terms.asset {
        return Err(outside(format!(
            "loan {} lends {}, the vault holds {}",
            loan.id, loan.terms.currency, vault.terms.asset
        )));
    }
    let in_loan: u128 = vault.positions.iter().filter(|q| q.loan == loan.id).map(|q| q.amount.0).sum();
    let to_borrower: u128 = vault
        .positions
        .iter()
        .filter(|q| q.borrower == loan.borrower)
        .map(|q| q.amount.0.saturating_sub(q.principal_collected.0))
        .sum();
    let amount = tranche.amount;
    if in_loan.saturating_add(amount.0) > p.loan_max.0
        || to_borrower.saturating_add(amount.0) > p.borrower_max.0
    {
        return Err(outside(format!(
            "{amount} to loan {} (the vault lends it {in_loan}, at most {}) and borrower {} (lent {to_borrower}, at most {})",
            loan.id, p.loan_max, loan.borrower, p.borrower_max
        )));
    }
    if tranche.rate_bps < p.rate_bps_min {
        return Err(outside(format!("tranche rate {} bps, at least {}", tranche.rate_bps, p.rate_bps_min)));
    }
    let (ltv, class) = loans::collateral::ltv_bps(
        state,
        ctx,
        &loan.terms.currency,
        loan.terms.principal,
        &loan.terms.collateral,
    )?;
    if ltv > p.ltv_bps_max || !p.classes.contains(&class) {
        return Err(outside(format!(
            "loan {}: LTV {ltv} bps (at most {}), class {class:?} (allowed {:?})",
            loan.id, p.ltv_bps_max, p.classes
        )));
    }
    if p.green_only {
        let titles = match loan.terms.collateral {
            Collateral::Title(t) => vec![t],
            Collateral::Shares { asset, .. } => state.require_open_vault(&asset)?.titles,
        };
        let g = &ctx.params.green;
        for title in titles {
            let m = green::trailing_match(state, &title, ctx.time_ms, g.score_hours, g.pue_micro)?;
            if m.consumed_wh == 0 || m.score_bps < g.green_score_bps_min {
                return Err(outside(format!(
                    "the vault lends only against green hardware: title {title} matched {} of {} Wh ({} bps) hour by hour over the last {} hours, below {} bps",
                    m.matched_wh, m.consumed_wh, m.score_bps, g.score_hours, g.green_score_bps_min
                )));
            }
        }
    }
    if vault.positions.len() >= POSITIONS_MAX {
        return Err(outside(format!("vault {} holds {POSITIONS_MAX} tranches, the most it may", vault.id)));
    }
    if vault.idle < amount {
        return Err(refuse(
            ErrorCode::InsufficientBalance,
            format!("vault {} has {} idle, the tranche is {amount}", vault.id, vault.idle),
        ));
    }
    Ok(amount)
}

fn allocate(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    loan_id: u64,
    index: u32,
) -> Result<Vec<Event>, ExecError> {
    let mut vault = state.require_vault(id)?;
    require_manager(&vault, ctx)?;
    let loan = state.require_loan(loan_id)?;
    let amount = check_allocation(state, ctx, &vault, &loan, index)?;
    let mut events = loans::exec::fund(state, ctx, &vault.account, loan_id, index)?;
    vault.idle = vault.idle.checked_sub(amount).ok_or_else(|| overflow("idle funds"))?;
    vault.positions.push(Position {
        loan: loan_id,
        tranche: index,
        borrower: loan.borrower,
        amount,
        principal_collected: Amount::ZERO,
        interest_collected: Amount::ZERO,
    });
    state.put_vault(&vault);
    events.push(VaultEvent::Allocated { vault: id, loan: loan_id, tranche: index, amount }.into());
    Ok(events)
}

/// Takes into the idle funds what each tranche was paid (claimed from the loan), what a
/// cancelled offer returned, and whatever reached the account unannounced (the reserves' yield,
/// gifts: income); closes the positions of loans that ended, counting the principal not paid
/// back in cash as a loss.
fn collect(state: &mut Overlay<'_>, id: u64) -> Result<Vec<Event>, ExecError> {
    let mut vault = state.require_vault(id)?;
    let (mut principal, mut interest, mut losses) = (0u128, 0u128, 0u128);
    let mut events = Vec::new();
    let mut kept = Vec::with_capacity(vault.positions.len());
    for mut position in std::mem::take(&mut vault.positions) {
        let loan = state.require_loan(position.loan)?;
        let tranche = loan.tranches.get(position.tranche as usize).cloned().ok_or_else(|| {
            ExecError::invariant(format!("loan {} has no tranche {}", loan.id, position.tranche))
        })?;
        if !tranche.unclaimed()?.is_zero() || !tranche.shares_owed.is_zero() {
            events.extend(loans::exec::claim(state, &vault.account, position.loan, position.tranche)?);
        }
        let new_principal = tranche.principal_paid.0.saturating_sub(position.principal_collected.0);
        let new_interest = tranche.interest_paid.0.saturating_sub(position.interest_collected.0);
        position.principal_collected = tranche.principal_paid;
        position.interest_collected = tranche.interest_paid;
        principal = principal.checked_add(new_principal).ok_or_else(|| overflow("principal"))?;
        interest = interest.checked_add(new_interest).ok_or_else(|| overflow("interest"))?;
        match loan.state {
            LoanState::Offered | LoanState::Active | LoanState::Liquidating => kept.push(position),
            LoanState::Cancelled => {
                principal = principal.checked_add(position.amount.0).ok_or_else(|| overflow("principal"))?;
            }
            LoanState::Repaid | LoanState::Liquidated => {
                let lost = position.amount.0.saturating_sub(tranche.principal_paid.0);
                losses = losses.checked_add(lost).ok_or_else(|| overflow("losses"))?;
            }
        }
    }
    vault.positions = kept;
    let counted = vault
        .idle
        .0
        .checked_add(principal)
        .and_then(|x| x.checked_add(interest))
        .ok_or_else(|| overflow("idle funds"))?;
    // What the account holds beyond its idle funds and the escrow of queued deposits arrived
    // unannounced.
    let held = state.balance(&vault.account, &vault.terms.asset)?.0;
    let unannounced =
        held.checked_sub(counted).and_then(|x| x.checked_sub(vault.queued_assets.0)).ok_or_else(|| {
            ExecError::invariant(format!(
                "vault {id} holds {held} but counts {counted} idle and {} queued",
                vault.queued_assets
            ))
        })?;
    vault.idle = Amount(held.saturating_sub(vault.queued_assets.0));
    let income = interest.checked_add(unannounced).ok_or_else(|| overflow("income"))?;
    vault.income = vault.income.checked_add(Amount(income)).ok_or_else(|| overflow("income"))?;
    vault.losses = vault.losses.checked_add(Amount(losses)).ok_or_else(|| overflow("losses"))?;
    state.put_vault(&vault);
    events.push(
        VaultEvent::Collected {
            vault: id,
            principal: Amount(principal),
            interest: Amount(interest),
            unannounced: Amount(unannounced),
            losses: Amount(losses),
        }
        .into(),
    );
    Ok(events)
}
