//! Handler of `oracle` messages.

use super::state::{feed_key, submission_key, FeedConfig, Submission, FEED_NAME_BYTES_MAX};
use crate::modules::{Handler, TxContext};
use crate::state::{ExecError, Overlay, StateRead, StateWrite};
use computefi_types::{ErrorCode, Event, OracleMsg, TxError};

impl Handler for OracleMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        let OracleMsg::Submit { feed, .. } = self;
        if feed.is_empty() || feed.len() > FEED_NAME_BYTES_MAX {
            return Err(TxError::new(ErrorCode::UnknownFeed, format!("feed name of {} bytes", feed.len())));
        }
        Ok(())
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        let OracleMsg::Submit { feed, value } = self;
        let config: FeedConfig = state
            .get(&feed_key(feed))?
            .ok_or_else(|| TxError::new(ErrorCode::UnknownFeed, format!("feed {feed:?}")))?;
        if !config.feeders.contains(&ctx.sender) {
            return Err(TxError::new(
                ErrorCode::NotFeeder,
                format!("{} is not a feeder of {feed}", ctx.sender),
            )
            .into());
        }
        state.put(
            submission_key(feed, &ctx.sender),
            &Submission { value: *value, height: ctx.height, time_ms: ctx.time_ms },
        );
        Ok(vec![Event::new("oracle.submitted")
            .with("feed", feed)
            .with("feeder", ctx.sender)
            .with("value", value)])
    }
}
