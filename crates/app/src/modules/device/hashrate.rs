//! Mining shares of ASIC titles: each share is a Bitcoin block header whose hash meets the batch's
//! share difficulty; a header counts once on the whole ledger. Shares are tallied per title over a
//! window of block time at one fixed difficulty (so the exact Poisson interval applies); when the
//! window closes, the estimate `2^32 · Σd / T` and its 95 % interval are recorded and a title
//! whose claimed hashrate lies above the interval becomes `degraded` (and returns to `active`
//! once a window shows its claim again).
//!
//! A title whose last share is older than `shares_offline_ms` may be marked `offline` by anyone
//! ([`mark_offline`]); its next share makes it `active` again.
//!
//! A title that declares a `coinbase_tag` counts only shares proven (coinbase transaction and
//! merkle branch) to commit to a coinbase carrying that tag.
//!
//! On a chain with a `btc_tip` oracle feed, a share must build on one of the last
//! [`crate::modules::oracle::state::RECENT_TIPS_MAX`] tips its feeders reported; a share on an
//! older block is stale and refused.

use super::event::DeviceEvent;
use crate::modules::context::TxContext;
use crate::modules::context::TxHooks;
use crate::modules::oracle::state::is_recent_tip;
use crate::modules::registry::{RegistryWrite, Title};
use crate::state::{refuse, ExecError, Overlay, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_proofs::hashrate::{self, Classification, ShareTally};
use computefi_proofs::pow::{verify_coinbase_binding, Header, Target};
use computefi_types::device::ShareBatch;
use computefi_types::title::{CapacityUnit, TitleClass, TitleStatus};
use computefi_types::{ErrorCode, Event, TitleId};
use serde::{Deserialize, Serialize};

/// The open share window of a title.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ShareWindow {
    /// Block time the window opened at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub start_ms: u64,
    /// The one share difficulty counted in this window.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub difficulty: u64,
    /// Shares counted.
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
    /// Shares in the window.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub shares: u64,
    /// Share difficulty of the window.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub difficulty: u64,
    /// Window length, s.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub window_s: u64,
    /// Height the window closed at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
    /// True when the claim lay above the interval.
    pub above_interval: bool,
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

/// Checks and counts a batch of shares for `title`, closing the window when it has run its
/// length. Returns the events.
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
    let tag = match &title.spec.coinbase_tag {
        Some(t) => Some(
            hex::decode(t)
                .map_err(|_| ExecError::Corrupt(format!("title {}: stored tag is not hex", title.id)))?,
        ),
        None => None,
    };
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
    let tips_enforced = crate::modules::oracle::state::tips_enforced(&*state)?;
    for (i, raw) in batch.headers.iter().enumerate() {
        let header =
            Header::parse(raw).map_err(|e| refuse(ErrorCode::InvalidPayload, format!("share {i}: {e}")))?;
        if let (Some(tag), Some(proof)) = (&tag, batch.proofs.get(i)) {
            let branch: Vec<[u8; 32]> = proof.branch.iter().map(|h| h.0).collect();
            verify_coinbase_binding(&header, &proof.coinbase, &branch, tag)
                .map_err(|e| refuse(ErrorCode::ShareNotBound, format!("share {i}: {e}")))?;
        }
        if tips_enforced && !is_recent_tip(&*state, &computefi_types::Hash(header.prev_blockhash().0))? {
            return Err(refuse(
                ErrorCode::StaleShare,
                format!("share {i} builds on {}", header.prev_blockhash()),
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
    }
    state.put(last_share_key(&title.id), &ctx.time_ms);
    if title.status == TitleStatus::Offline {
        let mut back = title.clone();
        back.status = TitleStatus::Active;
        state.put_title(&back);
    }
    let count = batch.headers.len() as u64;
    let mut window: ShareWindow = state.get(&window_key(&title.id))?.unwrap_or(ShareWindow {
        start_ms: ctx.time_ms,
        difficulty: batch.difficulty,
        count: 0,
    });
    if window.count > 0 && window.difficulty != batch.difficulty {
        return Err(refuse(
            ErrorCode::InvalidPayload,
            format!(
                "the open window counts shares at difficulty {}; keep it until the window closes",
                window.difficulty
            ),
        ));
    }
    window.difficulty = batch.difficulty;
    window.count = window.count.saturating_add(count);
    let mut events: Vec<Event> =
        vec![DeviceEvent::Shares { title: title.id, shares: count, difficulty: batch.difficulty }.into()];
    let params = &ctx.params;
    let elapsed_ms = ctx.time_ms.saturating_sub(window.start_ms);
    if elapsed_ms < params.hashrate_window_ms {
        state.put(window_key(&title.id), &window);
        return Ok(events);
    }
    events.extend(close_window(state, title, &window, claimed, elapsed_ms / 1_000, ctx)?);
    state.delete(window_key(&title.id));
    Ok(events)
}

fn close_window(
    state: &mut Overlay<'_>,
    title: &Title,
    window: &ShareWindow,
    claimed: u128,
    window_s: u64,
    ctx: &TxContext,
) -> Result<Vec<Event>, ExecError> {
    let tally = ShareTally { count: window.count, difficulty: window.difficulty };
    let math = |e: hashrate::HashrateError| refuse(ErrorCode::InvalidPayload, e.to_string());
    let estimate = hashrate::estimate(tally, window_s.max(1)).map_err(math)?;
    let class = hashrate::classify(claimed, tally, window_s.max(1)).map_err(math)?;
    let above = class == Classification::AboveInterval;
    let record = HashrateRecord {
        claimed_hs: claimed.to_string(),
        estimate_hs: estimate.estimate_hs.to_string(),
        lower_hs: estimate.lower_hs.to_string(),
        upper_hs: estimate.upper_hs.to_string(),
        shares: window.count,
        difficulty: window.difficulty,
        window_s,
        height: ctx.height,
        above_interval: above,
    };
    state.put(hashrate_key(&title.id), &record);
    let mut updated = title.clone();
    updated.status = match (title.status, above) {
        (TitleStatus::Active, true) => TitleStatus::Degraded,
        (TitleStatus::Degraded, false) => TitleStatus::Active,
        (other, _) => other,
    };
    if updated.status != title.status {
        state.put_title(&updated);
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
    let measured = (window.start_ms, ctx.time_ms);
    events.extend(state.share_window_measured(ctx, &title.id, estimate.estimate_hs, measured)?);
    Ok(events)
}

/// Marks an ASIC title offline when its last share is older than `shares_offline_ms`.
pub fn mark_offline(state: &mut Overlay<'_>, ctx: &TxContext, id: &TitleId) -> Result<Vec<Event>, ExecError> {
    use crate::modules::registry::RegistryRead;
    let title = state.require_title(id)?;
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
    let mut offline = title;
    offline.status = TitleStatus::Offline;
    state.put_title(&offline);
    Ok(vec![DeviceEvent::Offline { title: *id, silent_ms }.into()])
}
