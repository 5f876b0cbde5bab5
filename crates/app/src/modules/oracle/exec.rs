//! Handler of `oracle` messages.

use super::event::OracleEvent;
use super::state::*;
use crate::modules::context::{Handler, TxContext};
use crate::state::{ExecError, Overlay, StateRead, StateWrite};
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

/// Records a tip; when the tip advances, forgets the tips that are no longer recent (at most
/// [`RECENT_TIPS_MAX`] of them, since older ones were forgotten earlier).
fn submit_tip(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    height: u64,
    hash: &Hash,
) -> Result<Vec<Event>, ExecError> {
    require_feeder(state, TIP_FEED, ctx)?;
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
    Ok(vec![OracleEvent::Tip { height, hash: *hash, feeder: ctx.sender }.into()])
}

impl Handler for OracleMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        let OracleMsg::Submit { feed, .. } = self else { return Ok(()) };
        if feed.is_empty() || feed.len() > FEED_NAME_BYTES_MAX {
            return Err(TxError::new(ErrorCode::UnknownFeed, format!("feed name of {} bytes", feed.len())));
        }
        Ok(())
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        let (feed, value) = match self {
            OracleMsg::Submit { feed, value } => (feed, value),
            OracleMsg::SubmitTip { height, hash } => return submit_tip(state, ctx, *height, hash),
        };
        require_feeder(state, feed, ctx)?;
        state.put(
            submission_key(feed, &ctx.sender),
            &Submission { value: *value, height: ctx.height, time_ms: ctx.time_ms },
        );
        Ok(vec![OracleEvent::Submitted { feed: feed.clone(), feeder: ctx.sender, value: *value }.into()])
    }
}
