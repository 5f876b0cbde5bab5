//! Handlers of `green`: granular certificates (after EnergyTag's scheme), issued from an energy
//! site's metered generation, one per Wh in inclusive id ranges, then split, transferred,
//! cancelled for a consuming title's hour, claimed, expired or withdrawn.

use super::event::GreenEvent;
use super::state::{Bundle, GreenRead, GreenWrite, Issued, BUNDLE_COUNT_KEY};
use crate::modules::context::{Handler, TxContext};
use crate::modules::registry::{RegistryRead, Title};
use crate::state::{refuse, ExecError, Overlay, StateWrite};
use computefi_types::green::{CertificateStatus, REASON_BYTES_MAX};
use computefi_types::time::HOUR_MS;
use computefi_types::title::{CapacityUnit, TitleClass, TitleStatus};
use computefi_types::{Address, ErrorCode, Event, GreenMsg, TitleId, TxError};

/// The energy carrier of every certificate the ledger issues.
pub const CARRIER: &str = "electricity";

impl Handler for GreenMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        match self {
            GreenMsg::Split { first_wh, .. } if *first_wh == 0 => Err(TxError::new(
                ErrorCode::SplitBeyondBundle,
                "split keeping 0: keep 1 to the bundle's quantity − 1".to_string(),
            )),
            GreenMsg::Withdraw { reason, .. } | GreenMsg::Lock { reason, .. }
                if reason.is_empty() || reason.len() > REASON_BYTES_MAX =>
            {
                Err(TxError::new(
                    ErrorCode::TxFieldTooLarge,
                    format!("reason of {} bytes: give 1 to {REASON_BYTES_MAX}", reason.len()),
                ))
            }
            _ => Ok(()),
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            GreenMsg::Issue { site, hour } => issue(state, ctx, site, *hour),
            GreenMsg::Split { bundle, first_wh } => split(state, ctx, *bundle, *first_wh),
            GreenMsg::Transfer { bundle, to } => transfer(state, ctx, *bundle, to),
            GreenMsg::Cancel { bundle, beneficiary } => cancel(state, ctx, *bundle, beneficiary),
            GreenMsg::Claim { bundle } => claim(state, ctx, *bundle),
            GreenMsg::Expire { bundle } => expire(state, ctx, *bundle),
            GreenMsg::Lock { bundle, reason } => lock(state, ctx, *bundle, reason),
            GreenMsg::Unlock { bundle } => unlock(state, ctx, *bundle),
            GreenMsg::Withdraw { bundle, reason } => withdraw(state, ctx, *bundle, reason),
        }
    }
}

fn bad_issuance(detail: String) -> ExecError {
    refuse(ErrorCode::BadIssuance, detail)
}

/// A site's nameplate power, W (its `kilowatt` capacity line, in thousandths of a kW).
fn capacity_w(site: &Title) -> Option<u64> {
    site.spec.capacity.iter().find(|c| c.unit == CapacityUnit::Kilowatt).map(|c| c.milli)
}

fn issue(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    site_id: &TitleId,
    hour: u64,
) -> Result<Vec<Event>, ExecError> {
    let site = state.require_title(site_id)?;
    if site.spec.class != TitleClass::EnergySite || site.holder != ctx.sender {
        return Err(bad_issuance(format!(
            "title {site_id} is a {:?} held by {}: certificates are issued by an energy site's holder",
            site.spec.class, site.holder
        )));
    }
    if !matches!(site.status, TitleStatus::Active | TitleStatus::Degraded | TitleStatus::Maintenance) {
        return Err(bad_issuance(format!("site {site_id} is {:?}: it must be in service", site.status)));
    }
    let hour_start_ms = hour.saturating_mul(HOUR_MS);
    let hour_end_ms = hour_start_ms.saturating_add(HOUR_MS);
    let last_read_ms = site
        .spec
        .device_keys
        .iter()
        .map(|key| state.meter(site_id, key).map(|m| m.map_or(0, |m| m.read_ms)))
        .collect::<Result<Vec<u64>, ExecError>>()?
        .into_iter()
        .max()
        .unwrap_or(0);
    let before = state.issued(site_id, hour)?;
    // The interval: from the hour's start, or the end of what was issued of it, to the last
    // reading within the hour (or the hour's end).
    let from_ms = before.as_ref().map_or(hour_start_ms, |b| b.to_ms);
    let to_ms = last_read_ms.min(hour_end_ms);
    if to_ms <= from_ms {
        if let Some(b) = before {
            return Err(refuse(
                ErrorCode::AlreadyIssued,
                format!(
                    "site {site_id} hour {hour} is issued up to {} ms (bundle {}) and its meter last read at {last_read_ms} ms: issue again after a newer reading",
                    b.to_ms, b.bundle
                ),
            ));
        }
        return Err(bad_issuance(format!(
            "hour {hour} starts at {hour_start_ms} ms and the site's meter last read at {last_read_ms} ms: issue once a reading within or after the hour is in"
        )));
    }
    let issued_wh = before.as_ref().map_or(0, |b| b.wh);
    let quantity = state.energy_wh(site_id, hour)?.saturating_sub(issued_wh);
    let capacity = capacity_w(&site).unwrap_or(0);
    // At most the capacity over the interval × 1.1: quantity · 10 · 1 h ≤ capacity · 11 · interval.
    let interval_ms = to_ms.saturating_sub(from_ms);
    let over = u128::from(quantity).saturating_mul(10).saturating_mul(u128::from(HOUR_MS))
        > u128::from(capacity).saturating_mul(11).saturating_mul(u128::from(interval_ms));
    if quantity == 0 || over {
        return Err(bad_issuance(format!(
            "site {site_id} hour {hour}: {quantity} Wh metered over {interval_ms} ms not yet issued; give an interval with energy and at most its {capacity} W × the interval × 1.1"
        )));
    }
    let start_id = state.next_certificate_id(site_id)?;
    let end_id = start_id
        .checked_add(quantity.saturating_sub(1))
        .ok_or_else(|| bad_issuance(format!("site {site_id}: certificate ids overflow")))?;
    let id = state.next_in_sequence(BUNDLE_COUNT_KEY.to_string())?;
    let bundle = Bundle {
        id,
        carrier: CARRIER.to_string(),
        site: *site_id,
        capacity_w: capacity,
        technology: site.spec.model.clone(),
        zone: site.spec.location.zone.clone(),
        country: site.spec.location.country.clone(),
        hour,
        from_ms,
        to_ms,
        start_id,
        end_id,
        issued_ms: ctx.time_ms,
        issuer: ctx.sender,
        storage: false,
        holder: ctx.sender,
        status: CertificateStatus::Active,
        expires_ms: hour_end_ms.saturating_add(ctx.params.green.certificate_life_ms),
        beneficiary: None,
    };
    state.put_bundle(&bundle);
    let wh = issued_wh.saturating_add(quantity);
    state.put_issued(site_id, hour, &Issued { wh, to_ms, bundle: id });
    state.put_next_certificate_id(site_id, end_id.saturating_add(1));
    Ok(vec![
        GreenEvent::Issued { bundle: id, site: *site_id, hour, start_id, end_id, holder: ctx.sender }.into()
    ])
}

/// The bundle, if the sender holds it and it is active and unexpired.
fn held_active(state: &Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Bundle, ExecError> {
    let bundle = state.require_bundle(id)?;
    if bundle.holder != ctx.sender {
        return Err(refuse(ErrorCode::NotBundleHolder, format!("bundle {id} is held by {}", bundle.holder)));
    }
    active(&bundle, ctx)?;
    Ok(bundle)
}

fn active(bundle: &Bundle, ctx: &TxContext) -> Result<(), ExecError> {
    if bundle.status != CertificateStatus::Active || ctx.time_ms > bundle.expires_ms {
        return Err(refuse(
            ErrorCode::BundleState,
            format!(
                "bundle {} is {:?}, expires at {} ms, now {}",
                bundle.id, bundle.status, bundle.expires_ms, ctx.time_ms
            ),
        ));
    }
    Ok(())
}

fn split(state: &mut Overlay<'_>, ctx: &TxContext, id: u64, first_wh: u64) -> Result<Vec<Event>, ExecError> {
    let mut first = held_active(state, ctx, id)?;
    if first_wh >= first.quantity() {
        return Err(refuse(
            ErrorCode::SplitBeyondBundle,
            format!(
                "bundle {id} holds {} Wh; keep 1 to {} in the first part",
                first.quantity(),
                first.quantity().saturating_sub(1)
            ),
        ));
    }
    let cut = first.start_id.saturating_add(first_wh);
    let rest_id = state.next_in_sequence(BUNDLE_COUNT_KEY.to_string())?;
    let rest = Bundle { id: rest_id, start_id: cut, ..first.clone() };
    first.end_id = cut.saturating_sub(1);
    state.put_bundle(&first);
    state.put_bundle(&rest);
    Ok(vec![GreenEvent::Split { bundle: id, rest: rest_id, first_wh }.into()])
}

fn transfer(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    to: &Address,
) -> Result<Vec<Event>, ExecError> {
    let mut bundle = held_active(state, ctx, id)?;
    if *to == ctx.sender {
        return Err(refuse(ErrorCode::SelfTransfer, format!("bundle {id} to its holder")));
    }
    bundle.holder = *to;
    state.put_bundle(&bundle);
    Ok(vec![GreenEvent::Transferred { bundle: id, from: ctx.sender, to: *to }.into()])
}

fn cancel(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    beneficiary: &TitleId,
) -> Result<Vec<Event>, ExecError> {
    let mut bundle = held_active(state, ctx, id)?;
    let consumer = state.require_title(beneficiary)?;
    let consumes = matches!(consumer.spec.class, TitleClass::GpuServer | TitleClass::AsicMiner);
    if !consumes || bundle.zone.is_empty() || consumer.spec.location.zone != bundle.zone {
        return Err(refuse(
            ErrorCode::ZoneMismatch,
            format!(
                "bundle {id} was produced in zone {:?}; title {beneficiary} is a {:?} in zone {:?}",
                bundle.zone, consumer.spec.class, consumer.spec.location.zone
            ),
        ));
    }
    state.add_certified(beneficiary, bundle.hour, bundle.quantity())?;
    bundle.status = CertificateStatus::Cancelled;
    bundle.beneficiary = Some(*beneficiary);
    state.put_bundle(&bundle);
    Ok(vec![GreenEvent::Cancelled {
        bundle: id,
        beneficiary: *beneficiary,
        hour: bundle.hour,
        quantity: bundle.quantity(),
    }
    .into()])
}

fn claim(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let mut bundle = state.require_bundle(id)?;
    let Some(beneficiary) = bundle.beneficiary.filter(|_| bundle.status == CertificateStatus::Cancelled)
    else {
        return Err(refuse(
            ErrorCode::BundleState,
            format!("bundle {id} is {:?}, not cancelled", bundle.status),
        ));
    };
    let holder = state.require_title(&beneficiary)?.holder;
    if holder != ctx.sender {
        return Err(refuse(
            ErrorCode::NotBundleHolder,
            format!("bundle {id} was cancelled for title {beneficiary}, held by {holder}"),
        ));
    }
    bundle.status = CertificateStatus::Claimed;
    state.put_bundle(&bundle);
    Ok(vec![GreenEvent::Claimed { bundle: id, by: ctx.sender }.into()])
}

fn expire(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let mut bundle = state.require_bundle(id)?;
    if bundle.status != CertificateStatus::Active || ctx.time_ms <= bundle.expires_ms {
        return Err(refuse(
            ErrorCode::BundleState,
            format!(
                "bundle {id} is {:?} and expires at {} ms, now {}",
                bundle.status, bundle.expires_ms, ctx.time_ms
            ),
        ));
    }
    bundle.status = CertificateStatus::Expired;
    state.put_bundle(&bundle);
    Ok(vec![GreenEvent::Expired { bundle: id }.into()])
}

fn withdraw(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    reason: &str,
) -> Result<Vec<Event>, ExecError> {
    require_auditor(state, ctx)?;
    let mut bundle = state.require_bundle(id)?;
    if bundle.status != CertificateStatus::Locked {
        active(&bundle, ctx)?;
    }
    bundle.status = CertificateStatus::Withdrawn;
    state.put_bundle(&bundle);
    Ok(vec![GreenEvent::Withdrawn { bundle: id, auditor: ctx.sender, reason: reason.to_string() }.into()])
}

fn require_auditor(state: &Overlay<'_>, ctx: &TxContext) -> Result<(), ExecError> {
    if !state.is_auditor(&ctx.sender)? {
        return Err(refuse(ErrorCode::NotAuditor, format!("{} is not an approved auditor", ctx.sender)));
    }
    Ok(())
}

/// An auditor locks an active, unexpired bundle while its issuance is investigated.
fn lock(state: &mut Overlay<'_>, ctx: &TxContext, id: u64, reason: &str) -> Result<Vec<Event>, ExecError> {
    require_auditor(state, ctx)?;
    let mut bundle = state.require_bundle(id)?;
    active(&bundle, ctx)?;
    bundle.status = CertificateStatus::Locked;
    state.put_bundle(&bundle);
    Ok(vec![GreenEvent::Locked { bundle: id, auditor: ctx.sender, reason: reason.to_string() }.into()])
}

/// An auditor unlocks a locked bundle: it is active again (and may expire as before).
fn unlock(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    require_auditor(state, ctx)?;
    let mut bundle = state.require_bundle(id)?;
    if bundle.status != CertificateStatus::Locked {
        return Err(refuse(
            ErrorCode::BundleState,
            format!("bundle {id} is {:?}, not locked", bundle.status),
        ));
    }
    bundle.status = CertificateStatus::Active;
    state.put_bundle(&bundle);
    Ok(vec![GreenEvent::Unlocked { bundle: id, auditor: ctx.sender }.into()])
}
