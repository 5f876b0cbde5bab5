//! The ledger's health checks of loans at the end of every block: each epoch it walks every
//! active loan (bounded per block) and measures its loan-to-value from the collateral's value
//! for lending (the valuation module, which runs just before in the end-of-block order). A loan
//! above `params.loans.margin_ltv_bps`, or whose title went offline, is called: it has
//! `cure_period_ms` to come back under the margin (repaid down); one that does is cured. A loan
//! whose valuation is stale keeps its state: nothing is decided from old data.

use super::collateral::{ltv_now, title_offline};
use super::event::LoansEvent;
use super::state::{LoanState, LoansRead, LoansWrite, Walk, WALK_KEY};
use crate::modules::context::TxContext;
use crate::modules::valuation;
use crate::state::{contained, ExecError, Overlay, StateRead, StateWrite};
use computefi_types::Event;

/// Most loans whose health one block checks.
pub const LOANS_CHECKED_PER_BLOCK_MAX: u64 = 16;

/// Starts the genesis epoch's walk at genesis, so that blocks with no loan to check write nothing.
pub(super) fn init_walk(state: &mut Overlay<'_>, genesis: &crate::genesis::Genesis) {
    let epoch = valuation::epoch::epoch_at(genesis.genesis_time_ms, &genesis.params);
    state.put(WALK_KEY.to_string(), &Walk { epoch, next: 0 });
}

/// The health walk (module docs).
pub(super) fn end_block(state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let epoch = valuation::epoch::epoch_of(ctx);
    let stored: Option<Walk> = state.get(WALK_KEY)?;
    let mut walk = match &stored {
        Some(w) if w.epoch == epoch => w.clone(),
        _ => Walk { epoch, next: 0 },
    };
    let count = state.loan_count()?;
    let mut events = Vec::new();
    let mut checked = 0;
    while checked < LOANS_CHECKED_PER_BLOCK_MAX && walk.next < count {
        let id = walk.next;
        walk.next = walk.next.saturating_add(1);
        checked = checked.saturating_add(1);
        match contained(state, |s| check(s, ctx, id))? {
            Ok(done) => events.extend(done),
            Err(e) => events.push(LoansEvent::Stalled { loan: id, error: e.name }.into()),
        }
    }
    if stored.as_ref() != Some(&walk) {
        state.put(WALK_KEY.to_string(), &walk);
    }
    Ok(events)
}

/// Checks one loan's health now.
fn check(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let mut loan = state.require_loan(id)?;
    if loan.state != LoanState::Active {
        return Ok(Vec::new());
    }
    let offline = title_offline(state, &loan.terms.collateral)?;
    // A missing or stale valuation: the health is unknown, nothing is decided.
    let measured = ltv_now(state, ctx, &loan)?;
    let margin = ctx.params.loans.margin_ltv_bps;
    let called = offline || measured.is_some_and(|ltv| ltv > margin);
    if let Some(ltv) = measured {
        loan.ltv_bps = ltv;
    }
    let event = match (called, loan.cure_until_ms) {
        (true, None) => {
            let until = ctx.time_ms.saturating_add(ctx.params.loans.cure_period_ms);
            loan.cure_until_ms = Some(until);
            Some(LoansEvent::MarginCall { loan: id, ltv_bps: loan.ltv_bps, cure_until_ms: until })
        }
        (false, Some(_)) if measured.is_some() => {
            loan.cure_until_ms = None;
            Some(LoansEvent::Cured { loan: id, ltv_bps: loan.ltv_bps })
        }
        _ => None,
    };
    state.put_loan(&loan);
    Ok(event.into_iter().map(Into::into).collect())
}
