//! Handlers of `registry` messages.

use super::event::RegistryEvent;
use super::state::{Appraisal, RegistryRead, RegistryWrite, Title, Verification, COUNT_KEY};
use crate::modules::compliance::evaluate_requirements;
use crate::modules::context::{Handler, TxContext};
use crate::state::{ExecError, Overlay, StateRead, StateWrite};
use computefi_types::compliance::is_country_code;
use computefi_types::title::*;
use computefi_types::{ErrorCode, Event, RegistryMsg, TitleId, TxError};
use std::collections::BTreeSet;

fn bad_spec(why: String) -> TxError {
    TxError::new(ErrorCode::InvalidTitleSpec, why)
}

fn text(field: &str, value: &str, required: bool) -> Result<(), TxError> {
    if (required && value.is_empty()) || value.len() > TEXT_BYTES_MAX || value.chars().any(char::is_control) {
        return Err(bad_spec(format!("{field}: 1 to {TEXT_BYTES_MAX} bytes of printable text")));
    }
    Ok(())
}

/// Serials: 1–64 of `A–Z a–z 0–9 . _ : -`.
fn serial_is_valid(serial: &str) -> bool {
    (1..=SERIAL_BYTES_MAX).contains(&serial.len())
        && serial.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// Most bytes of a title's grid zone.
pub const ZONE_BYTES_MAX: usize = 16;

fn check_spec(spec: &TitleSpec) -> Result<(), TxError> {
    text("make", &spec.make, true)?;
    text("model", &spec.model, true)?;
    text("custodian", &spec.custodian, true)?;
    text("location.site", &spec.location.site, true)?;
    if !is_country_code(&spec.location.country) {
        return Err(bad_spec("location.country: a two-letter ISO code such as DE".into()));
    }
    let zone = &spec.location.zone;
    if zone.len() > ZONE_BYTES_MAX
        || !zone.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(bad_spec(format!(
            "location.zone {zone:?}: up to {ZONE_BYTES_MAX} capitals, digits and dashes, such as US-VA (empty when unknown)"
        )));
    }
    if spec.serials.is_empty() || spec.serials.len() > SERIALS_MAX {
        return Err(bad_spec(format!("serials: 1 to {SERIALS_MAX}")));
    }
    if usize::try_from(spec.count).ok() != Some(spec.serials.len()) {
        return Err(bad_spec(format!(
            "count {} differs from {} serials (one serial per unit)",
            spec.count,
            spec.serials.len()
        )));
    }
    if let Some(bad) = spec.serials.iter().find(|s| !serial_is_valid(s)) {
        let shown: String = bad.chars().take(70).collect();
        return Err(bad_spec(format!("serial {shown:?}: 1-64 of A-Z a-z 0-9 . _ : -")));
    }
    if spec.serials.iter().collect::<BTreeSet<_>>().len() != spec.serials.len() {
        return Err(TxError::new(ErrorCode::DuplicateSerial, "a serial repeats within the title"));
    }
    if spec.capacity.is_empty()
        || spec.capacity.len() > CAPACITY_ITEMS_MAX
        || spec.capacity.iter().any(|c| c.milli == 0)
    {
        return Err(bad_spec(format!("capacity: 1 to {CAPACITY_ITEMS_MAX} lines, each above zero")));
    }
    if spec.device_keys.len() > DEVICE_KEYS_MAX
        || spec.device_keys.iter().collect::<BTreeSet<_>>().len() != spec.device_keys.len()
    {
        return Err(bad_spec(format!("device_keys: at most {DEVICE_KEYS_MAX}, no repeats")));
    }
    if let Some(i) = &spec.insurance {
        text("insurance.insurer", &i.insurer, true)?;
    }
    if let Some(tag) = &spec.coinbase_tag {
        let ok =
            hex::decode(tag).is_ok_and(|b| (4..=32).contains(&b.len())) && tag == &tag.to_ascii_lowercase();
        if !ok {
            return Err(bad_spec("coinbase_tag: 4 to 32 bytes as lowercase hex".into()));
        }
    }
    if spec.green_bps > 10_000 {
        return Err(bad_spec(format!("green_bps {}: 0 to 10000", spec.green_bps)));
    }
    use computefi_types::title::{PUE_MICRO_MAX, PUE_MICRO_MIN};
    if let Some(pue) = spec.location.pue_micro.filter(|p| !(PUE_MICRO_MIN..=PUE_MICRO_MAX).contains(p)) {
        return Err(bad_spec(format!(
            "location.pue_micro {pue}: give {PUE_MICRO_MIN} (1.0) to {PUE_MICRO_MAX} (10.0), or none for the default"
        )));
    }
    spec.rules.check_bounds().map_err(|why| TxError::new(ErrorCode::InvalidRules, why))
}

/// A refusal whose detail starts with the title it concerns.
fn refuse_title(code: ErrorCode, title: &Title, detail: &str) -> ExecError {
    TxError::new(code, format!("title {}: {detail}", title.id)).into()
}

fn live(title: &Title) -> Result<(), ExecError> {
    if title.status.is_final() {
        return Err(refuse_title(ErrorCode::TitleEnded, title, &format!("{:?}", title.status)));
    }
    Ok(())
}

fn by_holder(title: &Title, ctx: &TxContext) -> Result<(), ExecError> {
    live(title)?;
    if title.holder != ctx.sender {
        return Err(refuse_title(
            ErrorCode::NotTitleHolder,
            title,
            &format!("held by {}, not {}", title.holder, ctx.sender),
        ));
    }
    Ok(())
}

fn movable(title: &Title) -> Result<(), ExecError> {
    if title.locked_by.is_some() {
        return Err(refuse_title(ErrorCode::TitleLocked, title, "split into shares"));
    }
    if let Some(lender) = title.lien {
        return Err(refuse_title(ErrorCode::TitlePledged, title, &format!("pledged to {lender}")));
    }
    Ok(())
}

/// Refuses while capacity tokens, leases or delivery contracts still rest on the title: ending
/// it would leave their holders with a claim on hardware that is gone.
fn unreserved(state: &Overlay<'_>, title: &Title) -> Result<(), ExecError> {
    let held = state.reservation_count(&title.id)?;
    if held > 0 {
        return Err(refuse_title(
            ErrorCode::TitleHasReservations,
            title,
            &format!("{held} live capacity tokens, leases or delivery contracts rest on it"),
        ));
    }
    Ok(())
}

fn by_operator(title: &Title, ctx: &TxContext) -> Result<(), ExecError> {
    live(title)?;
    if title.operator != ctx.sender {
        return Err(refuse_title(ErrorCode::NotOperator, title, &format!("operated by {}", title.operator)));
    }
    Ok(())
}

fn by_auditor(state: &Overlay<'_>, ctx: &TxContext) -> Result<(), ExecError> {
    if !state.is_auditor(&ctx.sender)? {
        return Err(TxError::new(
            ErrorCode::NotAuditor,
            format!("{} is not an approved auditor", ctx.sender),
        )
        .into());
    }
    Ok(())
}

fn declare_maintenance(title: &Title, asked: TitleStatus) -> Result<(), ExecError> {
    if asked != TitleStatus::Maintenance {
        return Err(refuse_title(
            ErrorCode::StatusByEvidenceOnly,
            title,
            &format!("{:?} -> {asked:?} asked by the operator", title.status),
        ));
    }
    if !matches!(title.status, TitleStatus::Active | TitleStatus::Degraded | TitleStatus::Offline) {
        return Err(refuse_title(
            ErrorCode::BadStatusChange,
            title,
            &format!("{:?} -> Maintenance: only a title in service can go into maintenance", title.status),
        ));
    }
    Ok(())
}

/// Frees the serials of an ended title so the hardware can be registered again later.
fn free_serials(state: &mut Overlay<'_>, title: &Title) {
    for serial in &title.spec.serials {
        state.delete(super::state::serial_key(serial));
    }
    if let Some(tag) = &title.spec.coinbase_tag {
        state.delete(super::state::tag_key(tag));
    }
}

fn register(state: &mut Overlay<'_>, ctx: &TxContext, spec: &TitleSpec) -> Result<Vec<Event>, ExecError> {
    if let Some(tag) = &spec.coinbase_tag {
        if let Some(owner) = state.get::<TitleId>(&super::state::tag_key(tag))? {
            return Err(TxError::new(
                ErrorCode::DuplicateCoinbaseTag,
                format!("coinbase tag {tag} belongs to title {owner}"),
            )
            .into());
        }
    }
    for serial in &spec.serials {
        if let Some(owner) = state.serial_owner(serial)? {
            return Err(TxError::new(
                ErrorCode::DuplicateSerial,
                format!("serial {serial} already backs title {owner}"),
            )
            .into());
        }
    }
    let index = state.next_in_sequence(COUNT_KEY.to_string())?;
    let id = TitleId::from_index(index);
    let title = Title {
        id,
        spec: spec.clone(),
        operator: ctx.sender,
        holder: ctx.sender,
        status: TitleStatus::Registered,
        verification: None,
        appraisal: None,
        lien: None,
        locked_by: None,
        payer: None,
        registered_height: ctx.height,
        redemption: None,
    };
    for serial in &spec.serials {
        state.put(super::state::serial_key(serial), &id);
    }
    if let Some(tag) = &spec.coinbase_tag {
        state.put(super::state::tag_key(tag), &id);
    }
    state.put_title(&title);
    Ok(vec![RegistryEvent::Registered {
        title: title.id,
        operator: ctx.sender,
        class: spec.class,
        units: spec.count,
    }
    .into()])
}

impl Handler for RegistryMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        match self {
            RegistryMsg::Register { spec } => check_spec(spec),
            RegistryMsg::Appraise { value, method, .. } => {
                if value.is_zero() {
                    return Err(TxError::new(ErrorCode::ZeroAmount, "appraised value"));
                }
                text("method", method, true)
            }
            RegistryMsg::SetInsurance { insurance: Some(i), .. } => {
                text("insurance.insurer", &i.insurer, true)
            }
            RegistryMsg::Redeem { delivery, .. } => text("delivery", delivery, true),
            _ => Ok(()),
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        let id = match self {
            RegistryMsg::Register { spec } => return register(state, ctx, spec),
            RegistryMsg::Verify { title, .. }
            | RegistryMsg::Appraise { title, .. }
            | RegistryMsg::SetStatus { title, .. }
            | RegistryMsg::SetInsurance { title, .. }
            | RegistryMsg::Transfer { title, .. }
            | RegistryMsg::Pledge { title, .. }
            | RegistryMsg::Release { title }
            | RegistryMsg::Redeem { title, .. }
            | RegistryMsg::Retire { title } => *title,
        };
        let mut title = state.require_title(&id)?;
        let mut status_event = None;
        let event = match self {
            RegistryMsg::Register { .. } => unreachable!("handled above"),
            RegistryMsg::Verify { document_hash, .. } => {
                by_auditor(state, ctx)?;
                live(&title)?;
                if title.status != TitleStatus::Registered {
                    return Err(refuse_title(
                        ErrorCode::BadStatusChange,
                        &title,
                        &format!("{:?} -> Verified", title.status),
                    ));
                }
                let cause = StatusCause::Audit { auditor: ctx.sender, document_hash: *document_hash };
                status_event = state.change_status(&mut title, TitleStatus::Verified, cause, ctx)?;
                title.verification = Some(Verification {
                    auditor: ctx.sender,
                    document_hash: *document_hash,
                    height: ctx.height,
                });
                RegistryEvent::Verified {
                    title: title.id,
                    auditor: ctx.sender,
                    document_hash: *document_hash,
                }
            }
            RegistryMsg::Appraise { value, method, date_ms, .. } => {
                by_auditor(state, ctx)?;
                live(&title)?;
                title.appraisal = Some(Appraisal {
                    value: *value,
                    appraiser: ctx.sender,
                    date_ms: *date_ms,
                    method: method.clone(),
                });
                crate::modules::context::WriteHooks::title_changed(state, &title.id)?;
                RegistryEvent::Appraised { title: title.id, value: *value, appraiser: ctx.sender }
            }
            RegistryMsg::SetStatus { status, .. } => {
                by_operator(&title, ctx)?;
                declare_maintenance(&title, *status)?;
                let cause = StatusCause::Maintenance { operator: ctx.sender };
                match state.change_status(&mut title, TitleStatus::Maintenance, cause, ctx)? {
                    Some(event) => return Ok(vec![event]),
                    None => return Ok(Vec::new()),
                }
            }
            RegistryMsg::SetInsurance { insurance, .. } => {
                by_operator(&title, ctx)?;
                title.spec.insurance = insurance.clone();
                RegistryEvent::Insurance { title: title.id }
            }
            RegistryMsg::Transfer { to, .. } => {
                by_holder(&title, ctx)?;
                movable(&title)?;
                if *to == ctx.sender {
                    return Err(
                        TxError::new(ErrorCode::SelfTransfer, format!("title {id} to its holder")).into()
                    );
                }
                evaluate_requirements(&*state, &title.spec.rules, Some(&ctx.sender), to, ctx.time_ms)?;
                title.holder = *to;
                RegistryEvent::Transferred { title: title.id, from: ctx.sender, to: *to }
            }
            RegistryMsg::Pledge { to, .. } => {
                by_holder(&title, ctx)?;
                movable(&title)?;
                if crate::modules::bank::BankRead::is_module_account(&*state, to)? {
                    return Err(refuse_title(ErrorCode::PledgeToModuleAccount, &title, &format!("to {to}")));
                }
                title.lien = Some(*to);
                RegistryEvent::Pledged { title: title.id, lender: *to }
            }
            RegistryMsg::Release { .. } => {
                live(&title)?;
                if title.lien != Some(ctx.sender) {
                    return Err(refuse_title(
                        ErrorCode::NotLienHolder,
                        &title,
                        &format!("{} holds no lien on it", ctx.sender),
                    ));
                }
                title.lien = None;
                RegistryEvent::Released { title: title.id, lender: ctx.sender }
            }
            RegistryMsg::Redeem { delivery, .. } => {
                by_holder(&title, ctx)?;
                movable(&title)?;
                unreserved(state, &title)?;
                let cause = StatusCause::Redeemed { holder: ctx.sender };
                status_event = state.change_status(&mut title, TitleStatus::Redeemed, cause, ctx)?;
                title.redemption = Some(delivery.clone());
                free_serials(state, &title);
                RegistryEvent::Redeemed { title: title.id, holder: ctx.sender, delivery: delivery.clone() }
            }
            RegistryMsg::Retire { .. } => {
                by_holder(&title, ctx)?;
                movable(&title)?;
                unreserved(state, &title)?;
                let cause = StatusCause::Retired { holder: ctx.sender };
                status_event = state.change_status(&mut title, TitleStatus::Retired, cause, ctx)?;
                free_serials(state, &title);
                RegistryEvent::Retired { title: title.id, holder: ctx.sender }
            }
        };
        state.put_title(&title);
        Ok(std::iter::once(event.into()).chain(status_event).collect())
    }
}
