//! Mining shares of ASIC titles: each share is a Bitcoin block header whose hash meets the batch's
//! share difficulty; a header counts once on the whole ledger. Shares are tallied per title over a
//! window of *header time* at one fixed difficulty (so the exact Poisson interval applies): the
//! window opens at its first share's header time and closes once its latest header time lies
//! `hashrate_window_ms` past that; the first share marks the start, so the shares after it are
//! the count over `T = latest − first` and the estimate is `2^32 · (n − 1) · d / T`. Shares
//! saved up and sent together carry the times they were found, so they do not inflate the
//! estimate; a share whose time lies before the open window's start, or before the end of the
//! title's last closed window, is refused (`share_time_out_of_window`), so no stretch of time
//! counts twice.
//!
//! # Freshness
//! Unless the genesis allows archival headers (`params.allow_archival_headers`, test chains),
//! shares count only while the `btc_tip` feed is fresh (its latest tip reported within
//! `params.btc_tip_fresh_ms` of block time; else `no_fresh_tip`), each must build on one of the
//! last [`crate::modules::oracle::state::RECENT_TIPS_MAX`] tips (`stale_share`) and its header
//! time must lie within two hours of the latest tip's ([`TIP_TIME_SKEW_S_MAX`], Bitcoin's own
//! rule; `share_time_out_of_window`). Where archival headers are allowed no tip is checked.
//!
//! # Status
//! When a window closes, its estimate and 95 % interval are recorded. A window whose lower bound
//! reaches `claimed × hashrate_active_bps / 10000` makes a verified, degraded, offline or
//! maintained title `active`; a claim above the interval makes an active title `degraded`. A
//! title whose last share is older than `shares_offline_ms` may be marked `offline` by anyone
//! ([`mark_offline`]); only a window that shows its claim again brings it back. Every change goes
//! through the registry's `change_status` with the window or the silence as its cause.
//!
//! A title that declares a `coinbase_tag` counts only shares proven (coinbase transaction and
//! merkle branch) to commit to a coinbase carrying that tag.
//!
//! # Hazards
//! A miner chooses its headers' times. Within the tip rules it may stamp shares found over up to
//! two hours (the recent tips) with times that span just one window; a window much shorter than
//! two hours can therefore be inflated by up to `(window + 2 h) / window`. Chains that lend
//! against the estimate should use windows of hours.

use super::event::DeviceEvent;
use crate::modules::context::TxContext;
use crate::modules::context::TxHooks;
use crate::modules::oracle::state::{fresh_tip, is_recent_tip, TipRecord, TIP_TIME_SKEW_S_MAX};
use crate::modules::registry::{RegistryRead, RegistryWrite, Title};
use crate::state::{refuse, ExecError, Overlay, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_proofs::hashrate::{self, Classification, ShareTally};
use computefi_proofs::pow::{verify_coinbase_binding, Header, Target};
use computefi_types::device::ShareBatch;
use computefi_types::title::{CapacityUnit, StatusCause, TitleClass, TitleStatus};
use computefi_types::{ErrorCode, Event, Hash, TitleId};
use serde::{Deserialize, Serialize};

/// The open share window of a title, in header time.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ShareWindow {
    /// Header time of the earliest share, ms (the window's start).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub start_ms: u64,
    /// Header time of the latest share, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub end_ms: u64,
    /// The one share difficulty counted in this window.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub difficulty: u64,
    /// Shares counted, the one at the start included.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub count: u64,
}

/// The judgement of the last closed window.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct HashrateRecord {
    /// Hashrate the title claims, H/s.
    pub claimed_hs: String,
    /// Estimate from the shares, H/s.
    pub estimate_hs: String,
    /// Lower end of the 95 % interval, H/s.
    pub lower_hs: String,
    /// Upper end of the 95 % interval, H/s.
    pub upper_hs: String,
    /// Shares in the window, the one at its start included.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub shares: u64,
    /// Share difficulty of the window.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub difficulty: u64,
    /// Window length, s of header time.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub window_s: u64,
    /// Header time the window started at, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub start_ms: u64,
    /// Header time the window ended at, ms: later shares must be no earlier.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub end_ms: u64,
    /// Height the window closed at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
    /// True when the claim lay above the interval.
    pub above_interval: bool,
    /// True when the lower bound reached the claim × `hashrate_active_bps`.
    pub reaches_claim: bool,
}

/// Key marking a share (by block hash) as counted.
pub(super) fn share_key(block_hash: &str) -> String {
    format!("device/share/{block_hash}")
}

/// Key of a title's open window.
pub(super) fn window_key(title: &TitleId) -> String {
    format!("device/window/{title}")
}

/// Key of the block time of a title's last share.
pub(super) fn last_share_key(title: &TitleId) -> String {
    format!("device/last_share/{title}")
}

/// Key of a title's last judgement.
pub(super) fn hashrate_key(title: &TitleId) -> String {
    format!("device/hashrate/{title}")
}

/// The hashrate a title claims, H/s: its TH/s capacity line (in thousandths) × 10^9.
pub fn claimed_hs(title: &Title) -> Option<u128> {
    title
        .spec
        .capacity
        .iter()
        .find(|c| c.unit == CapacityUnit::TerahashPerSecond)
        .map(|c| u128::from(c.milli).saturating_mul(1_000_000_000))
}

/// The tip the shares are checked against: `None` where archival headers are allowed (no tip
/// is checked); else the fresh latest tip, or `no_fresh_tip`.
fn tip_for_shares(state: &Overlay<'_>, ctx: &TxContext) -> Result<Option<TipRecord>, ExecError> {
    let params = &ctx.params;
    if params.allow_archival_headers {
        return Ok(None);
    }
    match fresh_tip(state, ctx.time_ms, params.btc_tip_fresh_ms)? {
        Some(tip) => Ok(Some(tip)),
        None => Err(refuse(
            ErrorCode::NoFreshTip,
            format!("no btc_tip report in the last {} ms of block time", params.btc_tip_fresh_ms),
        )),
    }
}

/// Checks one header against the tip rules: its time lies within [`TIP_TIME_SKEW_S_MAX`] of
/// the latest tip's, and it builds on a recent tip.
fn check_against_tip(
    state: &Overlay<'_>,
    i: usize,
    header: &Header,
    tip: &TipRecord,
) -> Result<(), ExecError> {
    let time_s = u64::from(header.time());
    if time_s.abs_diff(tip.time_s) > TIP_TIME_SKEW_S_MAX {
        return Err(refuse(
            ErrorCode::ShareTimeOutOfWindow,
            format!(
                "share {i} header time {time_s} s is more than {TIP_TIME_SKEW_S_MAX} s from the tip {}'s {} s",
                tip.height, tip.time_s
            ),
        ));
    }
    if !is_recent_tip(state, &Hash(header.prev_blockhash().0))? {
        return Err(refuse(
            ErrorCode::StaleShare,
            format!("share {i} builds on {}", header.prev_blockhash()),
        ));
    }
    Ok(())
}

/// The title's coinbase tag, decoded.
fn coinbase_tag(title: &Title) -> Result<Option<Vec<u8>>, ExecError> {
    match &title.spec.coinbase_tag {
        Some(t) => hex::decode(t)
            .map(Some)
            .map_err(|_| ExecError::Corrupt(format!("title {}: stored tag is not hex", title.id))),
        None => Ok(None),
    }
}

/// Checks and counts a batch of shares for `title`, closing the window when its header times
/// span its length. Returns the events.
pub fn accept_shares(
    state: &mut Overlay<'_>,
    title: &Title,
    batch: &ShareBatch,
    ctx: &TxContext,
) -> Result<Vec<Event>, ExecError> {
    if title.spec.class != TitleClass::AsicMiner {
        return Err(refuse(
            ErrorCode::InvalidPayload,
            format!("title {} is not an ASIC title; shares prove hashrate only", title.id),
        ));
    }
    let claimed = claimed_hs(title).ok_or_else(|| {
        refuse(ErrorCode::InvalidPayload, format!("title {} declares no TH/s capacity to check", title.id))
    })?;
    let target = Target::from_difficulty(batch.difficulty)
        .map_err(|e| refuse(ErrorCode::InvalidPayload, e.to_string()))?;
    let tag = coinbase_tag(title)?;
    if tag.is_some() && batch.proofs.len() != batch.headers.len() {
        return Err(refuse(
            ErrorCode::ShareNotBound,
            format!(
                "title {} has a coinbase tag: {} shares need as many proofs, got {}",
                title.id,
                batch.headers.len(),
                batch.proofs.len()
            ),
        ));
    }
    let open: Option<ShareWindow> = state.get(&window_key(&title.id))?;
    if let Some(open) = &open {
        if open.difficulty != batch.difficulty {
            return Err(refuse(
                ErrorCode::InvalidPayload,
                format!(
                    "the open window counts shares at difficulty {}; keep it until the window closes",
                    open.difficulty
                ),
            ));
        }
    }
    // Shares may not reach back before the open window, nor into the last closed one.
    let floor_ms = match &open {
        Some(w) => w.start_ms,
        None => state.get::<HashrateRecord>(&hashrate_key(&title.id))?.map(|r| r.end_ms).unwrap_or(0),
    };
    let tip = tip_for_shares(state, ctx)?;
    let (mut first_ms, mut last_ms) = (u64::MAX, 0u64);
    for (i, raw) in batch.headers.iter().enumerate() {
        let header =
            Header::parse(raw).map_err(|e| refuse(ErrorCode::InvalidPayload, format!("share {i}: {e}")))?;
        if let (Some(tag), Some(proof)) = (&tag, batch.proofs.get(i)) {
            let branch: Vec<[u8; 32]> = proof.branch.iter().map(|h| h.0).collect();
            verify_coinbase_binding(&header, &proof.coinbase, &branch, tag)
                .map_err(|e| refuse(ErrorCode::ShareNotBound, format!("share {i}: {e}")))?;
        }
        if let Some(tip) = &tip {
            check_against_tip(state, i, &header, tip)?;
        }
        let time_ms = u64::from(header.time()).saturating_mul(1_000);
        if time_ms < floor_ms {
            return Err(refuse(
                ErrorCode::ShareTimeOutOfWindow,
                format!("share {i} header time {time_ms} ms is before the window's start {floor_ms} ms"),
            ));
        }
        let check = header.check_share(&target);
        if !check.valid {
            return Err(refuse(
                ErrorCode::ShareTooWeak,
                format!("share {i} hash {} above the difficulty-{} target", check.hash, batch.difficulty),
            ));
        }
        let key = share_key(&check.hash.to_string());
        if state.get_raw(&key)?.is_some() {
            return Err(refuse(ErrorCode::DuplicateShare, format!("share {i} hash {}", check.hash)));
        }
        state.put(key, &title.id);
        first_ms = first_ms.min(time_ms);
        last_ms = last_ms.max(time_ms);
    }
    state.put(last_share_key(&title.id), &ctx.time_ms);
    let count = batch.headers.len() as u64;
    let mut window = open.unwrap_or(ShareWindow {
        start_ms: first_ms,
        end_ms: last_ms,
        difficulty: batch.difficulty,
        count: 0,
    });
    window.end_ms = window.end_ms.max(last_ms);
    window.count = window.count.saturating_add(count);
    let mut events: Vec<Event> =
        vec![DeviceEvent::Shares { title: title.id, shares: count, difficulty: batch.difficulty }.into()];
    let span_ms = window.end_ms.saturating_sub(window.start_ms);
    if span_ms < ctx.params.hashrate_window_ms.max(1_000) {
        state.put(window_key(&title.id), &window);
        return Ok(events);
    }
    state.delete(window_key(&title.id));
    events.extend(close_window(state, title, &window, claimed, ctx)?);
    Ok(events)
}

/// The status a closed window moves the title to, if any.
fn judged_status(status: TitleStatus, reaches_claim: bool, above: bool) -> Option<TitleStatus> {
    use TitleStatus::*;
    match status {
        Verified | Degraded | Offline | Maintenance if reaches_claim => Some(Active),
        Active if above => Some(Degraded),
        _ => None,
    }
}

fn close_window(
    state: &mut Overlay<'_>,
    title: &Title,
    window: &ShareWindow,
    claimed: u128,
    ctx: &TxContext,
) -> Result<Vec<Event>, ExecError> {
    // The first share marks the start; the count is of the shares found after it.
    let tally = ShareTally { count: window.count.saturating_sub(1), difficulty: window.difficulty };
    let window_s = (window.end_ms.saturating_sub(window.start_ms) / 1_000).max(1);
    let math = |e: hashrate::HashrateError| refuse(ErrorCode::InvalidPayload, e.to_string());
    let estimate = hashrate::estimate(tally, window_s).map_err(math)?;
    let class = hashrate::classify(claimed, tally, window_s).map_err(math)?;
    let above = class == Classification::AboveInterval;
    let bar = claimed
        .checked_mul(u128::from(ctx.params.hashrate_active_bps))
        .map(|x| x / 10_000)
        .unwrap_or(u128::MAX);
    let reaches_claim = estimate.lower_hs >= bar;
    let record = HashrateRecord {
        claimed_hs: claimed.to_string(),
        estimate_hs: estimate.estimate_hs.to_string(),
        lower_hs: estimate.lower_hs.to_string(),
        upper_hs: estimate.upper_hs.to_string(),
        shares: window.count,
        difficulty: window.difficulty,
        window_s,
        start_ms: window.start_ms,
        end_ms: window.end_ms,
        height: ctx.height,
        above_interval: above,
        reaches_claim,
    };
    state.put(hashrate_key(&title.id), &record);
    let mut updated = title.clone();
    let mut status_event = None;
    if let Some(to) = judged_status(title.status, reaches_claim, above) {
        let cause = StatusCause::ShareWindow {
            height: ctx.height,
            lower_hs: record.lower_hs.clone(),
            upper_hs: record.upper_hs.clone(),
            claimed_hs: record.claimed_hs.clone(),
        };
        status_event = state.change_status(&mut updated, to, cause, ctx)?;
    }
    let mut events: Vec<Event> = vec![DeviceEvent::Hashrate {
        title: title.id,
        estimate_hs: record.estimate_hs.clone(),
        lower_hs: record.lower_hs.clone(),
        upper_hs: record.upper_hs.clone(),
        claimed_hs: record.claimed_hs.clone(),
        status: updated.status,
    }
    .into()];
    events.extend(status_event);
    let measured = (window.start_ms, window.end_ms);
    events.extend(state.share_window_measured(ctx, &title.id, estimate.estimate_hs, measured)?);
    Ok(events)
}

/// Marks an ASIC title offline when its last share is older than `shares_offline_ms`.
pub fn mark_offline(state: &mut Overlay<'_>, ctx: &TxContext, id: &TitleId) -> Result<Vec<Event>, ExecError> {
    let mut title = state.require_title(id)?;
    if title.spec.class != TitleClass::AsicMiner
        || !matches!(title.status, TitleStatus::Active | TitleStatus::Degraded)
    {
        return Err(refuse(
            ErrorCode::NotOffline,
            format!("title {id} is a {:?} title in state {:?}", title.spec.class, title.status),
        ));
    }
    let params = &ctx.params;
    let last: Option<u64> = state.get(&last_share_key(id))?;
    let Some(last) = last else {
        return Err(refuse(ErrorCode::NotOffline, format!("title {id} has not reported a share yet")));
    };
    let silent_ms = ctx.time_ms.saturating_sub(last);
    if silent_ms <= params.shares_offline_ms {
        return Err(refuse(
            ErrorCode::NotOffline,
            format!("last share {silent_ms} ms ago, timeout {} ms", params.shares_offline_ms),
        ));
    }
    let status = state.change_status(
        &mut title,
        TitleStatus::Offline,
        StatusCause::SharesSilent { silent_ms },
        ctx,
    )?;
    let mut events: Vec<Event> = vec![DeviceEvent::Offline { title: *id, silent_ms }.into()];
    events.extend(status);
    Ok(events)
}
