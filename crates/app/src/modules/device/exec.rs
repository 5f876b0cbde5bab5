//! Handler of `device` messages.

use super::event::DeviceEvent;
use super::state::*;
use crate::modules::context::{Handler, TxContext};
use crate::modules::registry::{RegistryRead, Title};
use crate::state::{refuse, ExecError, Overlay, StateWrite};
use computefi_types::device::*;
use computefi_types::{DeviceMsg, ErrorCode, Event, Hash, TxError};

fn check_payload(payload: &Payload) -> Result<(), TxError> {
    let bad = |why: String| Err(TxError::new(ErrorCode::InvalidPayload, why));
    match payload {
        Payload::Telemetry(t) if t.utilisation_bps > 10_000 => {
            bad(format!("utilisation {} bps > 10000", t.utilisation_bps))
        }
        Payload::Shares(s) if s.headers.is_empty() || s.headers.len() > SHARES_PER_BATCH_MAX => {
            bad(format!("{} shares, 1 to {SHARES_PER_BATCH_MAX}", s.headers.len()))
        }
        Payload::Shares(s) if s.difficulty == 0 => bad("share difficulty 0".into()),
        Payload::Shares(s) if !s.proofs.is_empty() && s.proofs.len() != s.headers.len() => bad(format!(
            "{} coinbase proofs for {} shares: none, or one per share",
            s.proofs.len(),
            s.headers.len()
        )),
        Payload::Shares(s) if s.proofs.iter().any(|p| p.branch.len() > 32) => {
            bad("a merkle branch has more than 32 levels".into())
        }
        Payload::ChallengeOpening(o)
            if o.rows.is_empty() || o.rows.len() > CHALLENGE_ROWS_OPENED_MAX as usize =>
        {
            bad(format!("{} opened rows, 1 to {CHALLENGE_ROWS_OPENED_MAX}", o.rows.len()))
        }
        Payload::Attestation(a)
            if a.report.len() > ATTESTATION_BYTES_MAX || a.cert_chain.len() > CERT_CHAIN_BYTES_MAX =>
        {
            bad("attestation report or certificate chain too large".into())
        }
        _ => Ok(()),
    }
}

/// Checks sequence and chain against the key's last envelope. `Ok(None)` accepts the envelope;
/// `Ok(Some(evidence))` means it conflicts with an accepted one.
fn sequence_check(
    state: &Overlay<'_>,
    env: &Envelope,
    hash: Hash,
    height: u64,
) -> Result<Option<Evidence>, ExecError> {
    let last = state.last_report(&env.title, &env.device_key)?;
    let (last_seq, last_hash) = last.map(|l| (l.sequence, l.hash)).unwrap_or((0, Hash::ZERO));
    if env.sequence <= last_seq {
        let seen: Option<Hash> =
            crate::state::StateRead::get(state, &seen_key(&env.title, &env.device_key, env.sequence))?;
        return match seen {
            Some(first) if first != hash => Ok(Some(Evidence {
                device_key: env.device_key,
                sequence: env.sequence,
                first,
                second: hash,
                height,
            })),
            _ => Err(refuse(
                ErrorCode::ReplayedReport,
                format!(
                    "sequence {} of key {}, last accepted {last_seq}",
                    env.sequence,
                    hex::encode(env.device_key.0)
                ),
            )),
        };
    }
    if env.sequence.saturating_sub(last_seq) > SEQUENCE_GAP_MAX {
        return Err(refuse(
            ErrorCode::SequenceGap,
            format!("sequence {} after {last_seq}, at most {SEQUENCE_GAP_MAX} ahead", env.sequence),
        ));
    }
    if env.prev_hash != last_hash {
        return Err(refuse(
            ErrorCode::BrokenReportChain,
            format!("prev_hash {}, last accepted envelope {last_hash}", env.prev_hash),
        ));
    }
    Ok(None)
}

fn apply_payload(
    state: &mut Overlay<'_>,
    title: &Title,
    env: &Envelope,
    ctx: &TxContext,
) -> Result<Vec<Event>, ExecError> {
    match &env.payload {
        Payload::Telemetry(t) => {
            if t.simulated && !ctx.params.allow_simulated_devices {
                return Err(refuse(
                    ErrorCode::SimulatedNotAllowed,
                    format!("telemetry of title {} says simulated: true", env.title),
                ));
            }
            state.put(
                telemetry_key(&env.title),
                &TelemetryRecord { telemetry: t.clone(), height: ctx.height },
            );
            let telemetry =
                DeviceEvent::Telemetry { title: env.title, sequence: env.sequence, telemetry: t.clone() };
            Ok(vec![telemetry.into()])
        }
        Payload::Meter(m) => {
            let mut events =
                crate::modules::green::meter::record(state, ctx, &env.title, &env.device_key, m)?;
            state.put(meter_key(&env.title), &MeterRecord { reading: m.clone(), height: ctx.height });
            let meter = DeviceEvent::Meter { title: env.title, sequence: env.sequence, meter_wh: m.meter_wh };
            events.insert(0, meter.into());
            Ok(events)
        }
        Payload::Shares(batch) => super::hashrate::accept_shares(state, title, batch, ctx),
        Payload::ChallengeAnswer(a) => super::challenge::answer(state, ctx, title, a),
        Payload::ChallengeOpening(o) => super::challenge::open(state, ctx, title, o),
        Payload::Attestation(a) => super::attestation::verify(state, ctx, title, a),
    }
}

impl Handler for DeviceMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        match self {
            DeviceMsg::Report(report) => check_report(report),
            DeviceMsg::RequestChallenge { .. }
            | DeviceMsg::ExpireChallenge { .. }
            | DeviceMsg::MarkOffline { .. }
            | DeviceMsg::RequestAttestation { .. } => Ok(()),
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            DeviceMsg::Report(report) => execute_report(state, ctx, report),
            DeviceMsg::RequestChallenge { title } => super::challenge::request(state, ctx, title),
            DeviceMsg::ExpireChallenge { challenge } => super::challenge::expire(state, ctx, *challenge),
            DeviceMsg::MarkOffline { title } => super::hashrate::mark_offline(state, ctx, title),
            DeviceMsg::RequestAttestation { title } => super::attestation::request(state, ctx, title),
        }
    }
}

fn check_report(report: &SignedReport) -> Result<(), TxError> {
    let env = &report.envelope;
    if !report.signature_valid() {
        return Err(TxError::new(
            ErrorCode::InvalidReportSignature,
            format!("title {}, sequence {}", env.title, env.sequence),
        ));
    }
    if env.sequence == 0 {
        return Err(TxError::new(ErrorCode::ReplayedReport, "sequence numbers start at 1"));
    }
    if env.window_end < env.window_start
        || env.window_end.saturating_sub(env.window_start) > REPORT_WINDOW_BLOCKS_MAX
    {
        return Err(TxError::new(
            ErrorCode::StaleReport,
            format!(
                "window {}..={} must span at most {REPORT_WINDOW_BLOCKS_MAX} blocks",
                env.window_start, env.window_end
            ),
        ));
    }
    check_payload(&env.payload)
}

fn execute_report(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    report: &SignedReport,
) -> Result<Vec<Event>, ExecError> {
    let env = &report.envelope;
    let title = state.require_title(&env.title)?;
    if title.status.is_final() {
        return Err(refuse(ErrorCode::TitleEnded, format!("title {} is {:?}", title.id, title.status)));
    }
    if !title.spec.device_keys.contains(&env.device_key) {
        return Err(refuse(
            ErrorCode::UnknownDeviceKey,
            format!("key {} on title {}", hex::encode(env.device_key.0), title.id),
        ));
    }
    if !(env.window_start..=env.window_end).contains(&ctx.height) {
        return Err(refuse(
            ErrorCode::StaleReport,
            format!("height {} outside {}..={}", ctx.height, env.window_start, env.window_end),
        ));
    }
    let hash = env.hash();
    if let Some(evidence) = sequence_check(state, env, hash, ctx.height)? {
        let n = add_evidence(state, &env.title, &evidence)?;
        let equivocation = DeviceEvent::Equivocation {
            title: env.title,
            device_key: env.device_key,
            sequence: env.sequence,
            evidence: n,
        };
        return Ok(vec![equivocation.into()]);
    }
    let events = apply_payload(state, &title, env, ctx)?;
    state.put(
        last_key(&env.title, &env.device_key),
        &LastReport { sequence: env.sequence, hash, height: ctx.height },
    );
    state.put(seen_key(&env.title, &env.device_key, env.sequence), &hash);
    if let Some(forgotten) = env.sequence.checked_sub(SEEN_REPORTS_KEPT).filter(|s| *s > 0) {
        state.delete(seen_key(&env.title, &env.device_key, forgotten));
    }
    Ok(events)
}
