//! Handlers of `carbon`: a registry attestor immobilises a batch (minted once per serial of its
//! registry), its holder transfers or retires all of it or part of it (the part splits off as a
//! new batch with the last serials), and a retirement may offset a lease's market-based
//! emissions.
//!
//! Every refusal comes before the first write, so a refused message changes nothing even
//! before its overlay is dropped.

use super::event::CarbonEvent;
use super::serials::{self, Refusal};
use super::state::{
    CarbonRead, CarbonWrite, CreditBatch, Retirement, BATCH_COUNT_KEY, SERIALS_PER_BATCH_MAX,
};
use crate::modules::context::{Handler, TxContext};
use crate::modules::green;
use crate::modules::lease::{Lease, LeaseRead, LeaseState};
use crate::modules::registry::RegistryRead;
use crate::state::{refuse, ExecError, Overlay, StateRead, StateWrite};
use computefi_types::carbon::{self as credit, CreditStatus};
use computefi_types::time::HOUR_MS;
use computefi_types::{mul_div_ceil, Address, CarbonMsg, ErrorCode, Event, TxError};

impl Handler for CarbonMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        match self {
            CarbonMsg::Immobilise { registry, project, vintage, serial_start, serial_end } => {
                check_batch(registry, project, *vintage, *serial_start, *serial_end)
            }
            CarbonMsg::Transfer { quantity, .. } => nonzero(*quantity),
            CarbonMsg::Retire { quantity, beneficiary, .. } => {
                nonzero(*quantity)?;
                if !credit::is_bounded_text(beneficiary, credit::BENEFICIARY_BYTES_MAX) {
                    return Err(TxError::new(
                        ErrorCode::TxFieldTooLarge,
                        format!(
                            "beneficiary of {} bytes: give 1 to {} bytes without control characters",
                            beneficiary.len(),
                            credit::BENEFICIARY_BYTES_MAX
                        ),
                    ));
                }
                Ok(())
            }
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            CarbonMsg::Immobilise { registry, project, vintage, serial_start, serial_end } => {
                immobilise(state, ctx, registry, project, *vintage, (*serial_start, *serial_end))
            }
            CarbonMsg::Transfer { batch, quantity, to } => transfer(state, ctx, *batch, *quantity, to),
            CarbonMsg::Retire { batch, quantity, beneficiary, lease } => {
                retire(state, ctx, *batch, *quantity, beneficiary, *lease)
            }
        }
    }
}

fn nonzero(quantity: u64) -> Result<(), TxError> {
    if quantity == 0 {
        return Err(TxError::new(ErrorCode::BadCreditQuantity, "a quantity of 0 tonnes".to_string()));
    }
    Ok(())
}

/// The checks of an immobilisation that need no state.
fn check_batch(registry: &str, project: &str, vintage: u16, start: u64, end: u64) -> Result<(), TxError> {
    let bad = |detail: String| Err(TxError::new(ErrorCode::BadCreditBatch, detail));
    if !credit::is_registry_name(registry) {
        return bad(format!("registry {registry:?}"));
    }
    if !credit::is_bounded_text(project, credit::PROJECT_BYTES_MAX) {
        return bad(format!("project of {} bytes", project.len()));
    }
    if !(credit::VINTAGE_YEAR_FIRST..=credit::VINTAGE_YEAR_LAST).contains(&vintage) {
        return bad(format!("vintage {vintage}"));
    }
    let quantity = end.checked_sub(start).and_then(|d| d.checked_add(1));
    if quantity.is_none_or(|q| q > SERIALS_PER_BATCH_MAX) {
        return bad(format!(
            "serials {start} ..= {end}: give a range of 1 to {SERIALS_PER_BATCH_MAX} serials"
        ));
    }
    Ok(())
}

fn immobilise(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    registry: &str,
    project: &str,
    vintage: u16,
    (start, end): (u64, u64),
) -> Result<Vec<Event>, ExecError> {
    if !state.is_registry_attestor(&ctx.sender)? {
        return Err(refuse(
            ErrorCode::NotRegistryAttestor,
            format!("{} is not a registry attestor", ctx.sender),
        ));
    }
    // Every bucket the range touches (at most two) is checked before any is written.
    let mut updates = Vec::with_capacity(2);
    for bucket in serials::bucket_of(start)..=serials::bucket_of(end) {
        let Some((from, to)) = serials::clip(bucket, start, end) else { continue };
        let ranges = state.immobilised(registry, bucket)?;
        match serials::insert(&ranges, from, to) {
            Ok(next) => updates.push((bucket, next)),
            Err(Refusal::Overlaps(a, b)) => {
                return Err(refuse(
                    ErrorCode::SerialAlreadyMinted,
                    format!(
                        "registry {registry}: serials {start} ..= {end} overlap {a} ..= {b}, minted before"
                    ),
                ))
            }
            Err(Refusal::Full) => {
                return Err(refuse(
                    ErrorCode::SerialBucketFull,
                    format!(
                    "registry {registry}: serials {from} ..= {to} in bucket {bucket}, which keeps {ranges:?}"
                ),
                ))
            }
        }
    }
    for (bucket, next) in updates {
        state.put_immobilised(registry, bucket, next);
    }
    let id = state.next_in_sequence(BATCH_COUNT_KEY.to_string())?;
    state.put_credit_batch(&CreditBatch {
        id,
        registry: registry.to_string(),
        project: project.to_string(),
        vintage,
        serial_start: start,
        serial_end: end,
        origin: id,
        attestor: ctx.sender,
        immobilised_ms: ctx.time_ms,
        holder: ctx.sender,
        status: CreditStatus::Active,
        retirement: None,
    });
    Ok(vec![CarbonEvent::Immobilised {
        batch: id,
        registry: registry.to_string(),
        project: project.to_string(),
        vintage,
        serial_start: start,
        serial_end: end,
        holder: ctx.sender,
    }
    .into()])
}

/// The batch, if the sender holds it, it is active and holds at least `quantity` tonnes.
fn held_active(
    state: &Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    quantity: u64,
) -> Result<CreditBatch, ExecError> {
    let batch = state.require_credit_batch(id)?;
    if batch.status != CreditStatus::Active {
        return Err(refuse(
            ErrorCode::CreditBatchRetired,
            format!("credit batch {id} is {:?}", batch.status),
        ));
    }
    if batch.holder != ctx.sender {
        return Err(refuse(
            ErrorCode::NotCreditHolder,
            format!("credit batch {id} is held by {}", batch.holder),
        ));
    }
    if quantity > batch.quantity() {
        return Err(refuse(
            ErrorCode::BadCreditQuantity,
            format!("credit batch {id} holds {} tonnes, {quantity} asked", batch.quantity()),
        ));
    }
    Ok(batch)
}

/// Takes `quantity` tonnes off `batch`: the whole batch, or its last `quantity` serials as a new
/// batch (the rest keeps its id and its first serials, and is written back). Returns the part.
fn take(state: &mut Overlay<'_>, mut batch: CreditBatch, quantity: u64) -> Result<CreditBatch, ExecError> {
    if quantity == batch.quantity() {
        return Ok(batch);
    }
    let cut = batch.serial_end.checked_sub(quantity).and_then(|c| c.checked_add(1)).ok_or_else(|| {
        ExecError::invariant(format!("credit batch {}: a split of {quantity} tonnes", batch.id))
    })?;
    let id = state.next_in_sequence(BATCH_COUNT_KEY.to_string())?;
    let part = CreditBatch { id, serial_start: cut, ..batch.clone() };
    batch.serial_end = cut.saturating_sub(1);
    state.put_credit_batch(&batch);
    Ok(part)
}

fn transfer(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    quantity: u64,
    to: &Address,
) -> Result<Vec<Event>, ExecError> {
    let batch = held_active(state, ctx, id, quantity)?;
    if *to == ctx.sender {
        return Err(refuse(ErrorCode::SelfTransfer, format!("credit batch {id} to its holder")));
    }
    let mut part = take(state, batch, quantity)?;
    part.holder = *to;
    state.put_credit_batch(&part);
    Ok(vec![
        CarbonEvent::Transferred { batch: id, moved: part.id, quantity, from: ctx.sender, to: *to }.into()
    ])
}

fn retire(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    quantity: u64,
    beneficiary: &str,
    lease: Option<u64>,
) -> Result<Vec<Event>, ExecError> {
    let batch = held_active(state, ctx, id, quantity)?;
    let lease_emissions_ug = match lease {
        Some(lease) => offset_needed(state, ctx, lease, quantity)?,
        None => 0,
    };
    let mut part = take(state, batch, quantity)?;
    part.status = CreditStatus::Retired;
    part.retirement = Some(Retirement {
        beneficiary: beneficiary.to_string(),
        by: ctx.sender,
        retired_ms: ctx.time_ms,
        lease,
        lease_emissions_ug,
    });
    state.put_credit_batch(&part);
    if let Some(lease) = lease {
        state.put_lease_offset(lease, part.id);
    }
    Ok(vec![CarbonEvent::Retired {
        batch: id,
        retired: part.id,
        quantity,
        by: ctx.sender,
        beneficiary: beneficiary.to_string(),
        lease,
        lease_emissions_ug,
    }
    .into()])
}

/// The emissions of `lease` that a retirement of `quantity` tonnes offsets, µg CO2e, once its
/// checks pass: the sender is the lease's renter or provider, no retirement offset it before,
/// and `quantity` covers the emissions rounded up to whole tonnes.
fn offset_needed(state: &Overlay<'_>, ctx: &TxContext, id: u64, quantity: u64) -> Result<u128, ExecError> {
    let lease = state.require_lease(id)?;
    if ctx.sender != lease.renter && ctx.sender != lease.provider {
        return Err(refuse(
            ErrorCode::NotOffsetParty,
            format!("lease {id} is rented by {} from {}", lease.renter, lease.provider),
        ));
    }
    if let Some(batch) = state.lease_offset(id)? {
        return Err(refuse(ErrorCode::LeaseAlreadyOffset, format!("lease {id} by credit batch {batch}")));
    }
    let pue = green::pue_of(state, &lease.title, ctx.params.green.pue_micro)?;
    let emissions = lease_emissions_ug(state, &lease, ctx.time_ms, pue)?;
    let tonnes = credit::tonnes_for_ug(emissions);
    if u128::from(quantity) < tonnes {
        return Err(refuse(
            ErrorCode::RetirementShort,
            format!("lease {id} emitted {emissions} µg CO2e so far: retire at least {tonnes} tonnes, {quantity} given"),
        ));
    }
    Ok(emissions)
}

/// A lease's market-based emissions up to `now_ms`, µg CO2e: its title's hourly match over the
/// hours the lease has run, from the hour of its start to the hour of its end, its close or
/// `now_ms` rounded up (the latest [`green::math::MATCH_HOURS_MAX`] of them), its metered IT
/// energy × `pue_micro` less the certificates cancelled for it, at each hour's intensity, shared
/// by the lease's GPUs over the title's and rounded up.
pub fn lease_emissions_ug<S: StateRead + Sized>(
    state: &S,
    lease: &Lease,
    now_ms: u64,
    pue_micro: u64,
) -> Result<u128, ExecError> {
    let title = state.require_title(&lease.title)?;
    let first = green::meter::hour_of(lease.start_ms);
    // A closed lease ran until it was last charged (its close), unless it never was.
    let closed_at = match lease.state {
        LeaseState::Closed { .. } if lease.settled_ms > lease.start_ms => lease.settled_ms,
        _ => lease.end_ms,
    };
    let end = closed_at.min(lease.end_ms).min(now_ms).div_ceil(HOUR_MS);
    let most = u64::try_from(green::math::MATCH_HOURS_MAX).unwrap_or(u64::MAX);
    let first = first.max(end.saturating_sub(most));
    let rows = green::energy_window(state, &lease.title, first, end.saturating_sub(first))?;
    let matched = green::match_of(&rows, pue_micro)
        .map_err(|e| ExecError::invariant(format!("lease {}: {e}", lease.id)))?;
    let title_gpus = title.spec.count.max(1);
    let share = mul_div_ceil(matched.market_ug, u128::from(lease.gpus), u128::from(title_gpus));
    share.ok_or_else(|| ExecError::invariant(format!("lease {}: its emissions overflow", lease.id)))
}
