//! Feeds, submissions, the median read and the hashprice formula.

use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::{Address, Amount};
use serde::{Deserialize, Serialize};

/// Most feeders of one feed.
pub const FEEDERS_MAX: usize = 32;
/// Longest feed name, in bytes.
pub const FEED_NAME_BYTES_MAX: usize = 32;

/// A feed's configuration (genesis; governance later).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// Name, e.g. `btc_usd`: 1–32 of a–z, 0–9 and `_`.
    pub name: String,
    /// Decimals of the fixed-point values.
    pub decimals: u8,
    /// Who may submit.
    pub feeders: Vec<Address>,
    /// Fresh submissions needed for a value.
    pub quorum: u32,
    /// Oldest usable submission, ms before the block time.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub max_age_ms: u64,
}

impl FeedConfig {
    /// Checks the configuration; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        let n = &self.name;
        if n.is_empty()
            || n.len() > FEED_NAME_BYTES_MAX
            || !n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(format!("feed name {n:?}: 1-32 of a-z, 0-9 and _"));
        }
        if self.feeders.is_empty() || self.feeders.len() > FEEDERS_MAX {
            return Err(format!("feed {n}: 1 to {FEEDERS_MAX} feeders"));
        }
        if self.quorum == 0 || self.quorum as usize > self.feeders.len() {
            return Err(format!("feed {n}: quorum must be 1 to the number of feeders"));
        }
        if self.max_age_ms == 0 {
            return Err(format!("feed {n}: max_age_ms must be above 0"));
        }
        Ok(())
    }
}

/// One feeder's current submission.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Submission {
    /// The value.
    pub value: Amount,
    /// Height submitted at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
    /// Block time submitted at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub time_ms: u64,
}

/// A feed as read at a block time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedValue {
    /// Feed name.
    pub feed: String,
    /// The median of fresh submissions, if a quorum exists.
    pub value: Option<Amount>,
    /// Decimals of the value.
    pub decimals: u8,
    /// Feeders whose fresh submissions count, with their values.
    pub contributors: Vec<(Address, Amount)>,
    /// Height of the newest contributing submission.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
    /// Why there is no value, if there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
}

/// Key of a feed's configuration.
pub(super) fn feed_key(name: &str) -> String {
    format!("{FEED_PREFIX}{name}")
}

/// Stores a feed's configuration (genesis names the feeds).
pub fn put_feed<S: StateWrite + Sized>(state: &mut S, feed: &FeedConfig) {
    state.put(feed_key(&feed.name), feed);
}

/// Adds (or, with `granted` false, removes) a feeder of feed `name` (what governance does):
/// `unknown_feed` when there is no such feed; refused with `bad_proposal` when it would leave more
/// than [`FEEDERS_MAX`] feeders or fewer than the feed's quorum.
pub fn set_feeder<S: StateWrite + Sized>(
    state: &mut S,
    name: &str,
    who: &Address,
    granted: bool,
) -> Result<(), ExecError> {
    let mut feed: FeedConfig = state.get(&feed_key(name))?.ok_or_else(|| {
        computefi_types::TxError::new(computefi_types::ErrorCode::UnknownFeed, format!("feed {name:?}"))
    })?;
    feed.feeders.retain(|f| f != who);
    if granted {
        feed.feeders.push(*who);
        feed.feeders.sort();
    }
    feed.validate().map_err(|why| {
        computefi_types::TxError::new(computefi_types::ErrorCode::BadProposal, format!("feed {name}: {why}"))
    })?;
    put_feed(state, &feed);
    Ok(())
}

/// Prefix of all feed configurations.
pub(super) const FEED_PREFIX: &str = "oracle/feed/";

/// Key of a feeder's submission.
pub(super) fn submission_key(name: &str, feeder: &Address) -> String {
    format!("oracle/submission/{name}/{feeder}")
}

/// Reads a feed at block time `now_ms`: the median of fresh submissions when at least a quorum
/// exists (the lower middle for an even count, so the value is always one that was submitted).
pub fn read<S: StateRead + Sized>(
    state: &S,
    name: &str,
    now_ms: u64,
) -> Result<Option<FeedValue>, ExecError> {
    let Some(feed) = state.get::<FeedConfig>(&feed_key(name))? else { return Ok(None) };
    let mut fresh: Vec<(Address, Submission)> = Vec::with_capacity(feed.feeders.len());
    for feeder in &feed.feeders {
        if let Some(s) = state.get::<Submission>(&submission_key(name, feeder))? {
            if s.time_ms.saturating_add(feed.max_age_ms) >= now_ms {
                fresh.push((*feeder, s));
            }
        }
    }
    let height = fresh.iter().map(|(_, s)| s.height).max().unwrap_or(0);
    let mut values: Vec<Amount> = fresh.iter().map(|(_, s)| s.value).collect();
    values.sort();
    let quorum = feed.quorum as usize;
    let (value, missing) = if values.len() >= quorum {
        // The lower median; quorum ≥ 1 (checked at genesis), so the list is not empty.
        (values.get(values.len().saturating_sub(1) / 2).copied(), None)
    } else {
        (None, Some(format!("{} fresh submissions, quorum {quorum}", values.len())))
    };
    let contributors = fresh.into_iter().map(|(a, s)| (a, s.value)).collect();
    Ok(Some(FeedValue {
        feed: name.to_string(),
        value,
        decimals: feed.decimals,
        contributors,
        height,
        missing,
    }))
}

/// Hashprice in micro-USD per TH/s per day:
/// `blocks/day for 1 TH/s × (subsidy + mean fees) × BTC/USD`, with
/// `blocks/day = H·86400 / (D·2^32)`. `difficulty` is the network difficulty (an integer),
/// `reward_sats` the block subsidy plus mean fees in satoshis, `btc_usd_micro` the BTC price in
/// micro-USD. Integer arithmetic, rounded down; `None` on overflow or zero difficulty.
pub fn hashprice_micro_usd_per_th_day(
    difficulty: u128,
    reward_sats: u128,
    btc_usd_micro: u128,
) -> Option<u128> {
    hashprice_micro_usd_day(1_000_000_000_000, difficulty, reward_sats, btc_usd_micro)
}

/// Hashprice in micro-USD per day for `hashes_per_s` of hashrate (10^12 for TH/s, 10^15 for
/// PH/s): `hashes_per_s·86400 / (D·2^32) × reward_sats / 10^8 × btc_usd_micro`, the one formula
/// behind [`hashprice_micro_usd_per_th_day`] and the valuation module's PH/s figure. The product
/// is taken in 256 bits and rounded down once; `None` when a factor is zero where it divides or
/// the result passes 128 bits.
pub fn hashprice_micro_usd_day(
    hashes_per_s: u128,
    difficulty: u128,
    reward_sats: u128,
    btc_usd_micro: u128,
) -> Option<u128> {
    const SECONDS_PER_DAY: u128 = 86_400;
    const SATS_PER_BTC: u128 = 100_000_000;
    let numerator = ethnum::U256::from(hashes_per_s)
        .checked_mul(SECONDS_PER_DAY.into())?
        .checked_mul(reward_sats.into())?
        .checked_mul(btc_usd_micro.into())?;
    let denominator =
        ethnum::U256::from(difficulty).checked_mul((1u128 << 32).into())?.checked_mul(SATS_PER_BTC.into())?;
    u128::try_from(numerator.checked_div(denominator)?).ok()
}

/// Name of the feed whose feeders report Bitcoin chain tips.
pub const TIP_FEED: &str = "btc_tip";
/// Recent tips a share may build on (about two hours of Bitcoin blocks).
pub const RECENT_TIPS_MAX: u64 = 12;
/// Farthest, in seconds, a tip header's time may lie past the block time, and a share's header
/// time from the latest tip's: Bitcoin's own two-hour limit on a block's time.
pub const TIP_TIME_SKEW_S_MAX: u64 = 7_200;

/// Key of a recent tip, by its hash (usual hex): holds its Bitcoin height.
pub(super) fn tip_key(hash: &computefi_types::Hash) -> String {
    format!("oracle/tip/{}", hash.to_hex())
}

/// Key of the tip at a Bitcoin height, to forget tips that are no longer recent.
pub(super) fn tip_height_key(height: u64) -> String {
    format!("oracle/tip_height/{height:020}")
}

/// Key of the highest tip reported.
pub(super) const TIP_HIGHEST_KEY: &str = "oracle/tip_highest";

/// Key of the latest tip: the highest reported, with its header time and when it was reported.
pub(super) const TIP_LATEST_KEY: &str = "oracle/tip_latest";

/// The latest Bitcoin tip the `btc_tip` feeders reported.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct TipRecord {
    /// Bitcoin height.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
    /// Block hash, usual (byte-reversed) hex.
    pub hash: computefi_types::Hash,
    /// The tip header's time, Unix seconds.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub time_s: u64,
    /// Block time of the last report of this tip, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub reported_ms: u64,
}

/// The latest tip reported, fresh or not.
pub fn latest_tip<S: StateRead + Sized>(state: &S) -> Result<Option<TipRecord>, ExecError> {
    state.get(TIP_LATEST_KEY)
}

/// The latest tip when it was reported no more than `fresh_ms` before block time `now_ms`.
pub fn fresh_tip<S: StateRead + Sized>(
    state: &S,
    now_ms: u64,
    fresh_ms: u64,
) -> Result<Option<TipRecord>, ExecError> {
    Ok(latest_tip(state)?.filter(|t| t.reported_ms.saturating_add(fresh_ms) >= now_ms))
}

/// Whether `hash` (usual hex order) is one of the recent tips.
pub fn is_recent_tip<S: StateRead + Sized>(
    state: &S,
    hash: &computefi_types::Hash,
) -> Result<bool, ExecError> {
    Ok(state.get_raw(&tip_key(hash))?.is_some())
}
