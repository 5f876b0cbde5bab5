//! The ledger's invariants, read from the committed state through the app's queries. The
//! simulation checks all of them after every block; module tests call the ones they need.
//!
//! Each check recomputes its quantity on its own (sums, a sweep over reservations) rather than
//! asking the module that maintains it, so a bug in that module's bookkeeping shows here. A
//! check returns what it found wrong as text naming the record and the values involved.

use computefi_app::modules::amm::{self, Pool};
use computefi_app::modules::bank::BankRead;
use computefi_app::modules::capacity::{self, Reservation};
use computefi_app::modules::{delivery, lease, revenue};
use computefi_app::query::LIST_ENTRIES_MAX;
use computefi_app::state::Committed;
use computefi_app::App;
use computefi_types::{Address, AssetId, TitleId};
use std::collections::{BTreeMap, BTreeSet};

/// What a check found wrong.
pub type Broken = String;

/// Amounts per asset.
pub type PerAsset = BTreeMap<AssetId, u128>;

fn read<T>(what: &str, r: Result<T, computefi_app::AppError>) -> Result<T, Broken> {
    r.map_err(|e| format!("reading {what}: {e}"))
}

/// Every record of one kind whose ids run from 0 below `count`, each read with `get`; one missing
/// breaks the run.
fn numbered<T>(
    what: &str,
    count: Result<u64, computefi_app::AppError>,
    get: impl Fn(u64) -> Result<Option<T>, computefi_app::AppError>,
) -> Result<Vec<T>, Broken> {
    let count = read(what, count)?;
    (0..count)
        .map(|id| read(what, get(id))?.ok_or_else(|| format!("{what} {id} of {count} is missing")))
        .collect()
}

fn add(map: &mut PerAsset, asset: AssetId, amount: u128) -> Result<(), Broken> {
    let slot = map.entry(asset).or_default();
    *slot = slot.checked_add(amount).ok_or_else(|| format!("the amounts owed in {asset} overflow u128"))?;
    Ok(())
}

/// Every asset's recorded supply equals the sum of its holders' balances, and its holder count
/// equals the number of holders listed.
pub fn supply_equals_holders(app: &App) -> Result<(), Broken> {
    let state = Committed(app.store());
    for info in read("assets", app.assets())? {
        let holders = read("holders", app.holders(&info.id))?;
        if holders.len() >= LIST_ENTRIES_MAX {
            continue; // the listing is cut off; the simulation stays far below it
        }
        let mut sum: u128 = 0;
        for h in &holders {
            sum = sum.checked_add(h.amount.0).ok_or_else(|| {
                format!("asset {} ({}): holders' balances overflow u128", info.id, info.symbol)
            })?;
        }
        if sum != info.supply.0 {
            return Err(format!(
                "asset {} ({}): supply {} but its {} holders hold {sum}",
                info.id,
                info.symbol,
                info.supply,
                holders.len()
            ));
        }
        let count = state.holder_count(&info.id).map_err(|e| format!("reading a holder count: {e}"))?;
        if count != holders.len() as u64 {
            return Err(format!(
                "asset {} ({}): holder count {count} but {} holders listed",
                info.id,
                info.symbol,
                holders.len()
            ));
        }
    }
    Ok(())
}

/// Every order and lease, in id order (ids are dense from 0).
pub fn orders_and_leases(app: &App) -> Result<(Vec<lease::Order>, Vec<lease::Lease>), Broken> {
    let mut orders = Vec::new();
    while let Some(o) = read("an order", app.order(orders.len() as u64))? {
        orders.push(o);
    }
    let mut leases = Vec::new();
    while let Some(l) = read("a lease", app.lease(leases.len() as u64))? {
        leases.push(l);
    }
    Ok((orders, leases))
}

/// Every delivery contract, in id order.
pub fn contracts(app: &App) -> Result<Vec<delivery::Contract>, Broken> {
    let mut all = Vec::new();
    while let Some(c) = read("a contract", app.contract(all.len() as u64))? {
        all.push(c);
    }
    Ok(all)
}

/// Checks `deposited = escrow + owed + held + paid + refunded` for every lease, and that its
/// held green premium is its pending hours', and returns what the lease module owes per asset:
/// the open orders' deposits plus every lease's escrow, owed and held amounts.
pub fn lease_escrow(app: &App) -> Result<PerAsset, Broken> {
    let (orders, leases) = orders_and_leases(app)?;
    let mut owed = PerAsset::new();
    for o in orders.iter().filter(|o| o.state == lease::OrderState::Open) {
        add(&mut owed, o.asset, o.deposit.0)?;
    }
    for l in &leases {
        let parts = [l.escrow.0, l.owed.0, l.held.0, l.paid.0, l.refunded.0];
        let total = parts.iter().try_fold(0u128, |sum, p| sum.checked_add(*p));
        if total != Some(l.deposited.0) {
            return Err(format!(
                "lease {}: deposited {} but escrow {} + owed {} + held {} + paid {} + refunded {}",
                l.id, l.deposited, l.escrow, l.owed, l.held, l.paid, l.refunded
            ));
        }
        let pending = l.green_hours.iter().try_fold(0u128, |sum, h| sum.checked_add(h.held.0));
        if pending != Some(l.held.0) || l.green_refunded > l.refunded {
            return Err(format!(
                "lease {}: held {} but its pending hours hold {pending:?}; green refunded {} of {} refunded",
                l.id, l.held, l.green_refunded, l.refunded
            ));
        }
        add(&mut owed, l.asset, l.escrow.0)?;
        add(&mut owed, l.asset, l.owed.0)?;
        add(&mut owed, l.asset, l.held.0)?;
    }
    Ok(owed)
}

/// Checks `deposited = escrow + paid + refunded` for every contract and returns the escrow the
/// delivery module holds per asset.
pub fn delivery_escrow(app: &App) -> Result<PerAsset, Broken> {
    let mut owed = PerAsset::new();
    for c in contracts(app)? {
        let total = c.escrow.0.checked_add(c.paid.0).and_then(|s| s.checked_add(c.refunded.0));
        if total != Some(c.deposited.0) {
            return Err(format!(
                "contract {}: deposited {} but escrow {} + paid {} + refunded {}",
                c.id, c.deposited, c.escrow, c.paid, c.refunded
            ));
        }
        add(&mut owed, c.asset, c.escrow.0)?;
    }
    Ok(owed)
}

/// `account` holds at least `owed` of every asset.
fn holds_at_least(app: &App, who: &str, account: &Address, owed: &PerAsset) -> Result<(), Broken> {
    for (asset, amount) in owed {
        let held = read("a balance", app.balance(account, asset))?.0;
        if held < *amount {
            return Err(format!("the {who} account {account} holds {held} of {asset} but owes {amount}"));
        }
    }
    Ok(())
}

/// The lease and delivery module accounts hold at least what open orders, leases and contracts
/// still owe (more only if someone sent them funds directly).
pub fn escrow_is_backed(app: &App) -> Result<(), Broken> {
    holds_at_least(app, "lease module", &lease::state::module_account(), &lease_escrow(app)?)?;
    holds_at_least(app, "delivery module", &delivery::state::module_account(), &delivery_escrow(app)?)
}

/// For every income pool (share token × income asset): what was claimed plus what every holder
/// may still claim is at most the net deposited, and the revenue module account holds at least
/// what is deposited and not yet claimed. `others` are accounts that may be owed income without
/// holding shares now (they sold after earning).
pub fn income_is_backed(app: &App, others: &[Address]) -> Result<(), Broken> {
    let mut unclaimed = PerAsset::new();
    for info in read("assets", app.assets())? {
        let shares = info.id;
        let incomes = read("income assets", app.income_assets(&shares))?;
        if incomes.is_empty() {
            continue;
        }
        let mut owners: BTreeSet<Address> = others.iter().copied().collect();
        owners.extend(read("holders", app.holders(&shares))?.into_iter().map(|h| h.address));
        for asset in incomes {
            let pool = read("an income pool", app.income_pool(&shares, &asset))?;
            let mut promised = pool.claimed.0;
            for owner in &owners {
                let claimable = read("a claimable amount", app.claimable(&shares, &asset, owner))?;
                promised = promised.saturating_add(claimable.0);
            }
            if promised > pool.net.0 {
                return Err(format!(
                    "income of {shares} in {asset}: claimed {} plus claimable {} exceeds net deposits {}",
                    pool.claimed,
                    promised - pool.claimed.0,
                    pool.net
                ));
            }
            add(&mut unclaimed, asset, pool.net.0 - pool.claimed.0)?;
        }
    }
    holds_at_least(app, "revenue module", &revenue::state::module_account(), &unclaimed)
}

/// The most capacity `reservations` hold at one moment. The sum only rises where a reservation
/// starts, so those moments suffice.
pub fn peak(reservations: &[Reservation]) -> u128 {
    reservations
        .iter()
        .map(|at| {
            reservations
                .iter()
                .filter(|r| r.start_ms <= at.start_ms && at.start_ms < r.end_ms)
                .map(|r| u128::from(r.rate_milli))
                .sum::<u128>()
        })
        .max()
        .unwrap_or(0)
}

/// No title's reservations ever sum to more than its verified capacity, and none holds more
/// reservations than the bound.
pub fn reservations_within_capacity(app: &App) -> Result<(), Broken> {
    for title in read("titles", app.titles())? {
        let held = read("reservations", app.reservations(&title.id))?;
        if held.is_empty() {
            continue;
        }
        let capacity = capacity::state::verified_capacity(&title).unwrap_or(0);
        let peak = peak(&held);
        if peak > u128::from(capacity) || held.len() > capacity::state::RESERVATIONS_PER_TITLE_MAX {
            return Err(format!(
                "title {} ({:?}): {} reservations hold {peak}‰ at their peak, capacity {capacity}‰: {held:?}",
                title.id,
                title.spec.class,
                held.len()
            ));
        }
    }
    Ok(())
}

/// Every title's reservation count (what keeps it from retiring) equals what rests on it: its
/// capacity reservations, plus the open leases and running contracts redeemed from its tokens.
pub fn reservation_counts_are_exact(app: &App) -> Result<(), Broken> {
    let (_, leases) = orders_and_leases(app)?;
    let contracts = contracts(app)?;
    for title in read("titles", app.titles())? {
        let reserved = read("reservations", app.reservations(&title.id))?.len();
        let prepaid_leases = leases
            .iter()
            .filter(|l| {
                l.title == title.id
                    && l.token.is_some()
                    && !matches!(l.state, lease::LeaseState::Closed { .. })
            })
            .count();
        let prepaid_contracts = contracts
            .iter()
            .filter(|c| {
                c.title == title.id && c.token.is_some() && c.state == delivery::ContractState::Active
            })
            .count();
        let expected = (reserved + prepaid_leases + prepaid_contracts) as u64;
        let count = read("the reservation count", app.reservation_count(&title.id))?;
        if count != expected {
            return Err(format!(
                "title {}: the registry counts {count} reservations, but {reserved} capacity reservations, \
                 {prepaid_leases} prepaid leases and {prepaid_contracts} prepaid contracts rest on it",
                title.id
            ));
        }
    }
    Ok(())
}

/// Every pool, read from its state records.
pub fn pools(app: &App) -> Result<Vec<Pool>, Broken> {
    let rows = app
        .store()
        .scan_prefix_latest(amm::state::POOL_PREFIX.as_bytes(), LIST_ENTRIES_MAX)
        .map_err(|e| format!("reading pools: {e}"))?;
    rows.into_iter()
        .map(|(k, v)| borsh::from_slice(&v).map_err(|e| format!("{}: {e}", String::from_utf8_lossy(&k))))
        .collect()
}

/// Every pool's reserves equal its account's balances of its two assets, less what was sent to
/// the pool's account directly (`donated`, by pool account and asset: a gift the pool never
/// counts).
pub fn pool_reserves(app: &App, donated: &BTreeMap<(Address, AssetId), u128>) -> Result<(), Broken> {
    for p in pools(app)? {
        for (asset, reserve) in [(p.asset_a, p.reserve_a.0), (p.asset_b, p.reserve_b.0)] {
            let held = read("a balance", app.balance(&p.account, &asset))?.0;
            let gift = donated.get(&(p.account, asset)).copied().unwrap_or(0);
            if Some(held) != reserve.checked_add(gift) {
                return Err(format!(
                    "pool {}/{}: reserve of {asset} is {reserve} (+{gift} sent to it directly) but its account {} holds {held}",
                    p.asset_a, p.asset_b, p.account
                ));
            }
        }
    }
    Ok(())
}

/// Every title's valuation can be recomputed from its recorded inputs (when not stale), its value
/// for lending is at most its model value and its appraisal, and every share token's NAV per
/// share is its net value (titles + income held − debt) over its supply.
pub fn valuations_add_up(app: &App) -> Result<(), Broken> {
    use computefi_app::modules::valuation::epoch;
    for title in read("titles", app.titles())? {
        let Some(v) = read("a valuation", app.title_value(&title.id))? else { continue };
        if let (None, Some(inputs)) = (&v.stale, &v.inputs) {
            let again = epoch::model_value(inputs).map_err(|e| format!("title {}: {e}", title.id))?;
            if again != v.model_value.0 {
                return Err(format!(
                    "title {}: recorded {} but its inputs give {again}",
                    title.id, v.model_value
                ));
            }
        }
        let cap = v.appraisal.map_or(v.model_value, |a| a.min(v.model_value));
        if v.lending_value > cap {
            return Err(format!("title {}: lends on {} above {cap}", title.id, v.lending_value));
        }
    }
    for token in read("share tokens", app.assets()).map(|a| a.into_iter().map(|a| a.id))? {
        let Some(nav) = read("a NAV", app.nav(&token))? else { continue };
        let net = nav.titles_value.0.saturating_add(nav.income_held.0).saturating_sub(nav.debt.0);
        let per_share = epoch::per_share(computefi_types::Amount(net), nav.decimals, nav.supply);
        if nav.net_value.0 != net || per_share != Some(nav.nav_per_share) {
            return Err(format!("share token {token}: NAV {:?} does not add up", nav));
        }
    }
    Ok(())
}

/// The dollar unit's supply is what the reserve module minted less what it burned plus the
/// yield it minted.
pub fn dollar_supply_adds_up(app: &App) -> Result<(), Broken> {
    let view = read("the reserve", app.reserve(1))?;
    let supply = read("the dollar unit", app.asset(&view.asset))?.map(|a| a.supply).unwrap_or_default();
    let counted = view.minted.0.checked_add(view.yield_minted.0).and_then(|x| x.checked_sub(view.burned.0));
    if counted != Some(supply.0) || view.supply != supply {
        return Err(format!(
            "the dollar supply is {supply}, but minted {} + yield {} − burned {} (view {})",
            view.minted, view.yield_minted, view.burned, view.supply
        ));
    }
    Ok(())
}

/// Every certificate bundle (their ids run from 0).
pub fn bundles(app: &App) -> Result<Vec<computefi_app::modules::green::Bundle>, Broken> {
    numbered("bundle", app.bundle_count(), |id| app.bundle(id))
}

/// Certificates never overlap: each site's bundles hold disjoint id ranges, each at least one
/// certificate; and every hour's cancelled certificates of a title are what its cancelled and
/// claimed bundles hold, so no Wh is cancelled twice.
pub fn certificates_add_up(app: &App) -> Result<(), Broken> {
    use computefi_types::green::CertificateStatus;
    let mut ranges: BTreeMap<TitleId, Vec<(u64, u64)>> = BTreeMap::new();
    let mut used: BTreeMap<(TitleId, u64), u64> = BTreeMap::new();
    for b in bundles(app)? {
        if b.start_id > b.end_id {
            return Err(format!("bundle {} runs from {} to {}", b.id, b.start_id, b.end_id));
        }
        ranges.entry(b.site).or_default().push((b.start_id, b.end_id));
        if let (Some(t), CertificateStatus::Cancelled | CertificateStatus::Claimed) =
            (b.beneficiary, b.status)
        {
            let slot = used.entry((t, b.hour)).or_default();
            *slot = slot.saturating_add(b.quantity());
        }
    }
    for (site, mut r) in ranges {
        r.sort_unstable();
        if r.windows(2).any(|w| w[0].1 >= w[1].0) {
            return Err(format!("site {site}: certificate ranges overlap: {r:?}"));
        }
    }
    for ((title, hour), wh) in used {
        let counted = read("certified energy", app.certified_wh(&title, hour))?;
        if counted != wh {
            return Err(format!("title {title} hour {hour}: {counted} Wh certified, its bundles hold {wh}"));
        }
    }
    Ok(())
}

/// Every yield vault (their ids run from 0).
pub fn vaults(app: &App) -> Result<Vec<computefi_app::modules::vault::Vault>, Broken> {
    numbered("vault", app.vault_count(), |id| app.vault_record(id))
}

/// Every yield vault adds up: its conservative NAV is its deposits plus its income less its
/// withdrawals and losses (counting what its tranches were paid and not yet collected, and the
/// principal of ended loans not yet counted as lost); its account holds at least its idle funds
/// and exactly the shares of its waiting requests; its share supply is at least those.
pub fn vaults_add_up(app: &App) -> Result<(), Broken> {
    use computefi_app::modules::loans::LoanState;
    for v in vaults(app)? {
        let nav = read("a vault's NAV", app.vault_nav(v.id))?
            .ok_or_else(|| format!("vault {} has no NAV", v.id))?;
        let (mut pending_interest, mut pending_losses) = (0u128, 0u128);
        for p in &v.positions {
            let loan = read("a loan", app.loan(p.loan))?
                .ok_or_else(|| format!("vault {}: no loan {}", v.id, p.loan))?;
            let t = loan
                .tranches
                .get(p.tranche as usize)
                .ok_or_else(|| format!("loan {}: no tranche", p.loan))?;
            pending_interest =
                pending_interest.saturating_add(t.interest_paid.0.saturating_sub(p.interest_collected.0));
            if matches!(loan.state, LoanState::Repaid | LoanState::Liquidated) {
                pending_losses = pending_losses.saturating_add(p.amount.0.saturating_sub(t.principal_paid.0));
            }
        }
        let out = nav
            .conservative
            .checked_add(v.withdrawn.0)
            .and_then(|x| x.checked_add(v.losses.0))
            .and_then(|x| x.checked_add(pending_losses));
        let into = v.deposited.0.checked_add(v.income.0).and_then(|x| x.checked_add(pending_interest));
        if out.is_none() || out != into {
            return Err(format!(
                "vault {}: NAV {} + withdrawn {} + losses {} + {pending_losses} != deposited {} + income {} + {pending_interest}",
                v.id, nav.conservative, v.withdrawn, v.losses, v.deposited, v.income
            ));
        }
        let idle_held = read("a balance", app.balance(&v.account, &v.terms.asset))?;
        if idle_held.0 < v.idle.0.saturating_add(v.queued_assets.0) {
            return Err(format!(
                "vault {} counts {} idle and {} queued but holds {idle_held}",
                v.id, v.idle, v.queued_assets
            ));
        }
        let mut queued = 0u128;
        for r in &v.queue {
            let request = read("a request", app.vault_request(v.id, *r))?
                .ok_or_else(|| format!("vault {}: request {r} queued but missing", v.id))?;
            queued = queued.saturating_add(request.shares_left.0);
        }
        let shares_held = read("a balance", app.balance(&v.account, &v.share))?.0;
        if shares_held != queued || nav.supply < queued {
            return Err(format!(
                "vault {} holds {shares_held} shares, its queue {queued}, supply {}",
                v.id, nav.supply
            ));
        }
    }
    Ok(())
}

/// Every auction ever started (their ids run from 0).
pub fn auctions(app: &App) -> Result<Vec<computefi_app::modules::auctions::Auction>, Broken> {
    numbered("auction", app.auction_count(), |id| app.auction(id))
}

/// The auctions account holds at least the highest bid of every open auction and the shares of
/// every open auction of shares; an open auction's title is held by the account; a loan being
/// liquidated has its auction open, and a liquidated loan's auction is settled.
pub fn auctions_are_backed(app: &App) -> Result<(), Broken> {
    use computefi_app::modules::auctions::{module_account, AuctionState};
    use computefi_app::modules::loans::LoanState;
    use computefi_types::auction::Lot;
    let auctions = auctions(app)?;
    let mut owed = PerAsset::new();
    for a in auctions.iter().filter(|a| a.state == AuctionState::Open) {
        if let Some(high) = &a.high {
            add(&mut owed, a.currency, high.amount.0)?;
        }
        match a.lot {
            Lot::Shares { asset, amount } => add(&mut owed, asset, amount.0)?,
            Lot::Title(id) => {
                let title = read("a title", app.title(&id))?
                    .ok_or_else(|| format!("auction {}: no title {id}", a.id))?;
                if title.holder != module_account() {
                    return Err(format!("auction {}: its title {id} is held by {}", a.id, title.holder));
                }
            }
        }
    }
    holds_at_least(app, "auctions module", &module_account(), &owed)?;
    for loan in loans(app)? {
        let Some(liq) = &loan.liquidation else { continue };
        let state = auctions.get(liq.auction as usize).map(|a| a.state);
        let fits = match loan.state {
            LoanState::Liquidating => state == Some(AuctionState::Open),
            LoanState::Liquidated => matches!(state, Some(AuctionState::Sold | AuctionState::Unsold)),
            _ => false,
        };
        if !fits {
            return Err(format!("loan {} is {:?} with its auction {:?}", loan.id, loan.state, state));
        }
    }
    Ok(())
}

/// Every loan ever offered (their ids run from 0).
pub fn loans(app: &App) -> Result<Vec<computefi_app::modules::loans::Loan>, Broken> {
    numbered("loan", app.loan_count(), |id| app.loan(id))
}

/// The loans module's account holds at least what it owes in each asset: the funded tranches of
/// offers not yet open, what tranches were paid and not yet claimed, the shares pledged by live
/// loans and the shares of unsold collateral the tranches have not claimed; every title a live
/// loan pledges carries the module's lien.
pub fn loans_are_backed(app: &App) -> Result<(), Broken> {
    use computefi_app::modules::loans::{module_account, LoanState};
    use computefi_types::loan::Collateral;
    let mut owed = PerAsset::new();
    let mut pledged_titles = BTreeSet::new();
    for loan in loans(app)? {
        let live = matches!(loan.state, LoanState::Offered | LoanState::Active);
        for t in &loan.tranches {
            if loan.state == LoanState::Offered && t.funded {
                add(&mut owed, loan.terms.currency, t.amount.0)?;
            }
            let unclaimed = t.unclaimed().map_err(|e| format!("loan {}: {e}", loan.id))?;
            add(&mut owed, loan.terms.currency, unclaimed.0)?;
        }
        if let Some(shares) = loan.liquidation.as_ref().and_then(|l| l.recovery) {
            let unclaimed: u128 = loan.tranches.iter().map(|t| t.shares_owed.0).sum();
            add(&mut owed, shares, unclaimed)?;
        }
        match loan.terms.collateral {
            Collateral::Shares { asset, amount } if live => add(&mut owed, asset, amount.0)?,
            Collateral::Title(id) if live => {
                pledged_titles.insert(id);
            }
            _ => {}
        }
        let principal: u128 = loan.tranches.iter().map(|t| t.outstanding.0).sum();
        if loan.state == LoanState::Active && principal != loan.balance.0 {
            return Err(format!(
                "loan {}: balance {} but the tranches are owed {principal}",
                loan.id, loan.balance
            ));
        }
    }
    holds_at_least(app, "the loans module", &module_account(), &owed)?;
    for title in read("titles", app.titles())? {
        if pledged_titles.contains(&title.id) && title.lien != Some(module_account()) {
            return Err(format!(
                "title {}: pledged by a live loan, but its lien is {:?}",
                title.id, title.lien
            ));
        }
    }
    Ok(())
}

/// Every carbon credit batch (their ids run from 0).
pub fn credit_batches(app: &App) -> Result<Vec<computefi_app::modules::carbon::CreditBatch>, Broken> {
    use computefi_app::modules::carbon::CarbonRead;
    let state = Committed(app.store());
    numbered("credit batch", state.credit_batch_count().map_err(Into::into), |id| {
        state.credit_batch(id).map_err(Into::into)
    })
}

/// Every yield-pass series, read from the committed state in the order the series opened.
pub fn pass_series(app: &App) -> Result<Vec<computefi_app::modules::passes::Series>, Broken> {
    use computefi_app::modules::passes::PassesRead;
    let state = Committed(app.store());
    numbered("pass series", state.pass_series_count().map_err(Into::into), |i| {
        state.pass_series_at(i).map_err(Into::into)
    })
}

/// Yield passes add up: a series' locks sum to what it has locked (nothing once released) and to
/// the passes it minted; its account holds at least the shares locked; its pass supply is at most
/// what was minted, and what pools hold of it at most the supply; for each income asset, what
/// was claimed plus what every pass holder may still claim is at most what the series collected
/// plus what `revenue` still owes its account; and the passes module account holds at least what
/// was collected and not yet claimed. `others` are accounts that may be owed without holding
/// passes now (they sold after earning).
pub fn passes_add_up(app: &App, others: &[Address]) -> Result<(), Broken> {
    use computefi_app::modules::passes::{self, state as pass_state};
    let state = Committed(app.store());
    let mut unclaimed = PerAsset::new();
    for s in pass_series(app)? {
        let (locked, minted) = s
            .locks
            .iter()
            .fold((0u128, 0u128), |(l, m), x| (l.saturating_add(x.shares.0), m.saturating_add(x.passes.0)));
        if (!s.released && locked != s.locked.0)
            || (s.released && !s.locked.is_zero())
            || minted != s.minted.0
        {
            return Err(format!(
                "pass series {}: locks sum to {locked} shares and {minted} passes, the record says {} and {} (released {})",
                s.asset, s.locked, s.minted, s.released
            ));
        }
        let account = pass_state::series_account(&s.asset);
        let held = read("a balance", app.balance(&account, &s.shares))?;
        let supply = read("an asset", app.asset(&s.asset))?.map(|a| a.supply).unwrap_or_default();
        let pooled =
            read("module-held passes", pass_state::module_held(&state, &s.asset).map_err(Into::into))?;
        if held < s.locked || supply > s.minted || pooled > supply {
            return Err(format!(
                "pass series {}: its account holds {held} of {} shares locked; supply {supply} of {} minted, {pooled} in pools",
                s.asset, s.locked, s.minted
            ));
        }
        let mut owners: BTreeSet<Address> = others.iter().copied().collect();
        owners.extend(read("holders", app.holders(&s.asset))?.into_iter().map(|h| h.address));
        let lines = read("pass income", passes::query::income(&state, &s).map_err(Into::into))?;
        let mut promised: BTreeMap<AssetId, u128> = lines.iter().map(|(a, l)| (*a, l.claimed.0)).collect();
        for owner in &owners {
            for (asset, amount) in
                read("claimable passes", passes::claimable(&state, &s, owner).map_err(Into::into))?
            {
                let slot = promised.entry(asset).or_default();
                *slot = slot.saturating_add(amount.0);
            }
        }
        for (asset, line) in &lines {
            let pending = read("a claimable amount", app.claimable(&s.shares, asset, &account))?;
            let limit = line.received.0.saturating_add(pending.0);
            let promise = promised.get(asset).copied().unwrap_or_default();
            if line.claimed > line.received || promise > limit {
                return Err(format!(
                    "pass series {} in {asset}: claimed {} plus claimable exceeds {} collected plus {pending} pending",
                    s.asset, line.claimed, line.received
                ));
            }
            add(&mut unclaimed, *asset, line.received.0 - line.claimed.0)?;
        }
    }
    holds_at_least(app, "passes module", &pass_state::module_account(), &unclaimed)
}

/// Carbon credits add up: each batch holds 1 to `SERIALS_PER_BATCH_MAX` serials; a registry's
/// batches hold disjoint serials, all recorded as immobilised; the batches split from one
/// immobilisation tile one range without a gap, the first of them holding its first serials (so
/// no tonne is made or lost by a split); a retired batch carries its retirement and an active one
/// none; and each lease named by a retirement records that one retirement as its offset.
pub fn credits_add_up(app: &App) -> Result<(), Broken> {
    use computefi_app::modules::carbon::state::SERIALS_PER_BATCH_MAX;
    use computefi_app::modules::carbon::{serials, CarbonRead};
    use computefi_types::carbon::CreditStatus;
    let state = Committed(app.store());
    let mut by_registry: BTreeMap<&str, Vec<(u64, u64)>> = BTreeMap::new();
    let mut by_origin: BTreeMap<u64, Vec<(u64, u64, u64)>> = BTreeMap::new();
    let batches = credit_batches(app)?;
    for b in &batches {
        if b.serial_start > b.serial_end || b.quantity() > SERIALS_PER_BATCH_MAX {
            return Err(format!("credit batch {} runs from {} to {}", b.id, b.serial_start, b.serial_end));
        }
        by_registry.entry(&b.registry).or_default().push((b.serial_start, b.serial_end));
        by_origin.entry(b.origin).or_default().push((b.serial_start, b.serial_end, b.id));
        for bucket in serials::bucket_of(b.serial_start)..=serials::bucket_of(b.serial_end) {
            let Some((from, to)) = serials::clip(bucket, b.serial_start, b.serial_end) else { continue };
            let kept =
                state.immobilised(&b.registry, bucket).map_err(|e| format!("reading a bucket: {e}"))?;
            if !kept.iter().any(|(s, e)| *s <= from && to <= *e) {
                return Err(format!(
                    "credit batch {}: serials {from}..={to} are not recorded as immobilised",
                    b.id
                ));
            }
        }
        let retired = b.status == CreditStatus::Retired;
        if retired != b.retirement.is_some() {
            return Err(format!(
                "credit batch {} is {:?} with retirement {:?}",
                b.id, b.status, b.retirement
            ));
        }
        if let Some(lease) = b.retirement.as_ref().and_then(|r| r.lease) {
            let offset = state.lease_offset(lease).map_err(|e| format!("reading an offset: {e}"))?;
            if offset != Some(b.id) {
                return Err(format!(
                    "credit batch {} offset lease {lease}, whose offset is {offset:?}",
                    b.id
                ));
            }
        }
    }
    for (registry, mut ranges) in by_registry {
        ranges.sort_unstable();
        if ranges.windows(2).any(|w| w[0].1 >= w[1].0) {
            return Err(format!("registry {registry}: credit batches overlap: {ranges:?}"));
        }
    }
    for (origin, mut parts) in by_origin {
        parts.sort_unstable();
        let first = parts.first().map(|p| p.2);
        let gap = parts.windows(2).any(|w| w[0].1.checked_add(1) != Some(w[1].0));
        if first != Some(origin) || gap {
            return Err(format!(
                "the batches split from credit batch {origin} do not tile its range: {parts:?}"
            ));
        }
    }
    Ok(())
}

/// What the governance account must hold: every lock (the locks listed sum to the recorded
/// total), every unlock waiting to return, and the deposits of proposals still collecting or
/// voting (the others' deposits were returned or burned). Checks that each proposal's deposits
/// sum to its total and that only proposals with work left are open.
pub fn gov_holds(app: &App) -> Result<u128, Broken> {
    use computefi_types::gov::ProposalStatus;
    let read = |what: &str, e: computefi_app::AppError| format!("reading {what}: {e}");
    let locks = app.locks(LIST_ENTRIES_MAX).map_err(|e| read("locks", e))?;
    let listed = locks.iter().try_fold(0u128, |sum, (_, a)| sum.checked_add(a.0)).ok_or("locks overflow")?;
    let total = app.total_locked().map_err(|e| read("the total locked", e))?;
    if listed != total.0 {
        return Err(format!("locks sum to {listed} but {total} is recorded as locked"));
    }
    let unbonding = app
        .unbondings()
        .map_err(|e| read("unlocks", e))?
        .iter()
        .try_fold(0u128, |sum, u| sum.checked_add(u.amount.0))
        .ok_or("unlocks overflow")?;
    let open = app.open_proposals().map_err(|e| read("open proposals", e))?;
    let mut deposits = 0u128;
    for id in 0..app.proposal_count().map_err(|e| read("proposals", e))? {
        let p =
            app.proposal(id).map_err(|e| read("a proposal", e))?.ok_or(format!("proposal {id} missing"))?;
        let sum =
            p.deposits.iter().try_fold(0u128, |s, (_, a)| s.checked_add(a.0)).ok_or("deposits overflow")?;
        if sum != p.total_deposit.0 {
            return Err(format!("proposal {id}: deposits sum to {sum}, total {}", p.total_deposit));
        }
        if open.contains(&id) == p.status.is_final() {
            return Err(format!("proposal {id} is {:?} and open: {}", p.status, open.contains(&id)));
        }
        if matches!(p.status, ProposalStatus::DepositPeriod | ProposalStatus::VotingPeriod) {
            deposits = deposits.checked_add(sum).ok_or("deposits overflow")?;
        }
    }
    total
        .0
        .checked_add(unbonding)
        .and_then(|s| s.checked_add(deposits))
        .ok_or_else(|| "gov holdings overflow".into())
}

/// The governance account holds at least what is locked, unbonding and deposited
/// ([`gov_holds`]; a gift sent to it is more, never less).
pub fn gov_is_backed(app: &App) -> Result<(), Broken> {
    let owed: PerAsset = [(AssetId::native(), gov_holds(app)?)].into_iter().collect();
    holds_at_least(app, "gov module", &computefi_app::modules::gov::module_account(), &owed)
}
