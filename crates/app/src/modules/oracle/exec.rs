//! Handler of `oracle` messages.

use super::event::OracleEvent;
use super::state::*;
use crate::modules::context::{Handler, TxContext};
use crate::state::{ExecError, Overlay, StateRead, StateWrite};
use computefi_proofs::pow::Header;
use computefi_types::{ErrorCode, Event, Hash, OracleMsg, TxError};

fn require_feeder(state: &Overlay<'_>, feed: &str, ctx: &TxContext) -> Result<FeedConfig, ExecError> {
    let config: FeedConfig = state
        .get(&feed_key(feed))?
        .ok_or_else(|| TxError::new(ErrorCode::UnknownFeed, format!("feed {feed:?}")))?;
    if !config.feeders.contains(&ctx.sender) {
        return Err(
            TxError::new(ErrorCode::NotFeeder, format!("{} is not a feeder of {feed}", ctx.sender)).into()
        );
    }
    Ok(config)
}

/// Reads a tip header: its hash and time. The header must meet its own `bits` (the ledger
/// checks its form, not Bitcoin's chain: the feeders are trusted for that) and its time may lie
/// at most [`TIP_TIME_SKEW_S_MAX`] past the block time.
fn tip_header(ctx: &TxContext, header: &[u8]) -> Result<(Hash, u64), ExecError> {
    let bad = |why: String| TxError::new(ErrorCode::InvalidPayload, why);
    let parsed = Header::parse(header).map_err(|e| bad(format!("tip header: {e}")))?;
    let target = parsed.target().map_err(|e| bad(format!("tip header bits: {e}")))?;
    let check = parsed.check_share(&target);
    if !check.valid {
        return Err(bad(format!(
            "tip header {} does not meet its own bits {:#x}",
            check.hash,
            parsed.bits()
        ))
        .into());
    }
    let time_s = u64::from(parsed.time());
    let latest_s = (ctx.time_ms / 1_000).saturating_add(TIP_TIME_SKEW_S_MAX);
    if time_s > latest_s {
        return Err(bad(format!(
            "tip header time {time_s} s is more than {TIP_TIME_SKEW_S_MAX} s past the block time {} s",
            ctx.time_ms / 1_000
        ))
        .into());
    }
    Ok((Hash(check.hash.0), time_s))
}

/// Records a tip; when the tip advances, forgets the tips that are no longer recent (at most
/// [`RECENT_TIPS_MAX`] of them, since older ones were forgotten earlier). A tip at or above the
/// highest becomes the latest tip, whose header time bounds the shares' times and whose report
/// keeps the feed fresh.
fn submit_tip(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    height: u64,
    header: &[u8],
) -> Result<Vec<Event>, ExecError> {
    require_feeder(state, TIP_FEED, ctx)?;
    let (hash, time_s) = tip_header(ctx, header)?;
    let hash = &hash;
    let highest: u64 = state.get(TIP_HIGHEST_KEY)?.unwrap_or(0);
    if height.saturating_add(RECENT_TIPS_MAX) <= highest {
        return Err(TxError::new(
            ErrorCode::StaleReport,
            format!("tip {height} is not recent; the highest tip is {highest}"),
        )
        .into());
    }
    if let Some(old) = state.get::<Hash>(&tip_height_key(height))? {
        state.delete(tip_key(&old));
    }
    state.put(tip_key(hash), &height);
    state.put(tip_height_key(height), hash);
    if height >= highest {
        let latest = TipRecord { height, hash: *hash, time_s, reported_ms: ctx.time_ms };
        state.put(TIP_LATEST_KEY.to_string(), &latest);
    }
    if height > highest {
        state.put(TIP_HIGHEST_KEY.to_string(), &height);
        let was_recent_from = highest.saturating_sub(RECENT_TIPS_MAX).saturating_add(1);
        let now_recent_from = height.saturating_sub(RECENT_TIPS_MAX).saturating_add(1);
        for h in was_recent_from..now_recent_from.min(highest.saturating_add(1)) {
            if let Some(old) = state.get::<Hash>(&tip_height_key(h))? {
                state.delete(tip_key(&old));
                state.delete(tip_height_key(h));
            }
        }
    }
    Ok(vec![OracleEvent::Tip { height, hash: *hash, time_s, feeder: ctx.sender }.into()])
}

impl Handler for OracleMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        if let OracleMsg::SubmitTipHeader { header, .. } = self {
            if header.len() != 80 {
                let why = format!("a tip header is 80 bytes, got {}", header.len());
                return Err(TxError::new(ErrorCode::InvalidPayload, why));
            }
        }
        let OracleMsg::Submit { feed, .. } = self else { return Ok(()) };
        if feed.is_empty() || feed.len() > FEED_NAME_BYTES_MAX {
            return Err(TxError::new(ErrorCode::UnknownFeed, format!("feed name of {} bytes", feed.len())));
        }
        Ok(())
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        let (feed, value) = match self {
            OracleMsg::Submit { feed, value } => (feed, value),
            OracleMsg::SubmitTipHeader { height, header } => return submit_tip(state, ctx, *height, header),
            OracleMsg::SubmitTip { .. } => return Err(TxError::new(
                ErrorCode::InvalidPayload,
                "a tip without its header has no time: report the tip's 80-byte header (submit_tip_header)",
            )
            .into()),
        };
        require_feeder(state, feed, ctx)?;
        state.put(
            submission_key(feed, &ctx.sender),
            &Submission { value: *value, height: ctx.height, time_ms: ctx.time_ms },
        );
        Ok(vec![OracleEvent::Submitted { feed: feed.clone(), feeder: ctx.sender, value: *value }.into()])
    }
}
