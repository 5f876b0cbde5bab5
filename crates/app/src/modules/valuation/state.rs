//! Keys, records and typed access of `valuation`.

use super::math::{AsicInputs, GpuInputs};
use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::title::{TitleClass, TitleStatus};
use computefi_types::{Amount, AssetId, TitleId};
use serde::{Deserialize, Serialize};

/// Most titles valued in one block, by the epoch's walk and the due list together; the rest
/// wait for the next blocks.
pub const TITLES_VALUED_PER_BLOCK_MAX: u64 = 16;
/// Most share tokens whose NAV one block publishes.
pub const NAVS_PER_BLOCK_MAX: u64 = 16;
/// Titles waiting to be valued again because their status changed (more wait for the epoch).
pub const DUE_TITLES_MAX: usize = 256;
/// NAV entries kept per share token: one year of daily epochs.
pub const NAV_HISTORY_EPOCHS_MAX: u64 = 366;
/// Utilisation samples kept per GPU title: one an epoch over the trailing 30 days.
pub const UTILISATION_SAMPLES_MAX: usize = 30;
/// The trailing window of utilisation samples, ms.
pub const UTILISATION_WINDOW_MS: u64 = 30 * computefi_types::time::DAY_MS;
/// Samples a GPU title needs before its measured utilisation replaces the default.
pub const UTILISATION_SAMPLES_MIN: usize = 7;

/// What a title's model value was computed from (the feeds apart).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelInputs {
    /// An ASIC title.
    Asic(AsicInputs),
    /// A GPU title.
    Gpu(GpuInputs),
}

/// One oracle feed value a valuation used.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct FeedUsed {
    /// The feed (`btc_tip` for the Bitcoin height).
    pub feed: String,
    /// Its value, × 10^decimals.
    pub value: Amount,
    /// Decimals of the value.
    pub decimals: u8,
    /// Height of the newest submission behind it (for `btc_tip`, the block it was reported at).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
}

/// A title's valuation: the latest model value with everything it was computed from, and the
/// value for lending at the title's status now.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct TitleValue {
    /// The title.
    pub title: TitleId,
    /// Its class.
    pub class: TitleClass,
    /// The epoch of the latest attempt to value it (block time / `epoch_ms`).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub epoch: u64,
    /// Height of the latest attempt.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
    /// Block time of the latest attempt, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub time_ms: u64,
    /// The title's status at the latest attempt.
    pub status: TitleStatus,
    /// Epoch of the model value below (earlier than `epoch` while stale).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub valued_epoch: u64,
    /// The model's inputs, `None` until a valuation succeeded.
    pub inputs: Option<ModelInputs>,
    /// The feed values behind the inputs.
    pub feeds: Vec<FeedUsed>,
    /// The commissioning date the remaining life counts from, Unix ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub commissioned_ms: u64,
    /// The discounted cash flow, micro-USD.
    pub model_value: Amount,
    /// The latest appraisal, micro-USD.
    pub appraisal: Option<Amount>,
    /// `min(model value, appraisal) × the share kept for the status`, micro-USD: what loans and
    /// vaults count.
    pub lending_value: Amount,
    /// Why the latest attempt computed nothing (a feed missing, stale or below quorum, no model
    /// data): the model value is then the last one computed, never one from old data.
    pub stale: Option<String>,
}

/// One utilisation sample of a GPU title: the share of its GPUs reserved (capacity tokens,
/// leases, contracts) at an epoch's valuation.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct UtilisationSample {
    /// Block time of the sample, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub time_ms: u64,
    /// Share reserved, bps.
    pub bps: u32,
}

/// Income held for a share token's holders in an asset without a dollar price: listed in the
/// NAV record, not counted.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Unpriced {
    /// The asset.
    pub asset: AssetId,
    /// Held, base units.
    pub amount: Amount,
}

/// A share token's net asset value at an epoch.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct NavRecord {
    /// The share token.
    pub shares: AssetId,
    /// The epoch.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub epoch: u64,
    /// Height published at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
    /// Block time published at, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub time_ms: u64,
    /// Σ model values of the vault's titles, micro-USD.
    pub titles_value: Amount,
    /// Income deposited for the holders and not yet claimed, in dollar assets, micro-USD.
    pub income_held: Amount,
    /// Income held in assets without a dollar price (not counted).
    pub income_unpriced: Vec<Unpriced>,
    /// Debt secured by the vault's titles, micro-USD (no loans exist yet: zero).
    pub debt: Amount,
    /// `titles_value + income_held − debt`, at least zero, micro-USD.
    pub net_value: Amount,
    /// Shares in issue, base units.
    pub supply: Amount,
    /// Decimals of the share token.
    pub decimals: u8,
    /// `net_value × 10^decimals / supply`, rounded down: micro-USD per whole share.
    pub nav_per_share: Amount,
    /// Titles of the vault whose valuation is stale or missing (their last value counts).
    pub stale_titles: Vec<TitleId>,
}

/// Where this epoch's walk over titles and share tokens stands.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub(super) struct Walk {
    /// The epoch walked.
    pub epoch: u64,
    /// The next title index to value.
    pub next_title: u64,
    /// The next vault index to publish (after every title).
    pub next_vault: u64,
}

pub(super) const WALK_KEY: &str = "valuation/walk";
pub(super) const DUE_KEY: &str = "valuation/due";

fn title_value_key(title: &TitleId) -> String {
    format!("valuation/title/{title}")
}

fn first_seen_key(title: &TitleId) -> String {
    format!("valuation/first_seen/{title}")
}

fn utilisation_key(title: &TitleId) -> String {
    format!("valuation/utilisation/{title}")
}

fn nav_key(shares: &AssetId) -> String {
    format!("valuation/nav/{shares}")
}

fn nav_count_key(shares: &AssetId) -> String {
    format!("valuation/nav_count/{shares}")
}

/// Key of NAV entry `seq` of a share token, in a ring of [`NAV_HISTORY_EPOCHS_MAX`] slots.
pub(super) fn nav_history_key(shares: &AssetId, seq: u64) -> String {
    format!("valuation/nav_history/{shares}/{:03}", seq.checked_rem(NAV_HISTORY_EPOCHS_MAX).unwrap_or(0))
}

/// Reading valuations.
pub trait ValuationRead: StateRead + Sized {
    /// A title's latest valuation, if it was ever valued.
    fn title_value(&self, title: &TitleId) -> Result<Option<TitleValue>, ExecError> {
        self.get(&title_value_key(title))
    }

    /// A share token's latest NAV, if one was published.
    fn nav(&self, shares: &AssetId) -> Result<Option<NavRecord>, ExecError> {
        self.get(&nav_key(shares))
    }

    /// How many NAV entries a share token ever had (the history keeps the latest
    /// [`NAV_HISTORY_EPOCHS_MAX`]).
    fn nav_count(&self, shares: &AssetId) -> Result<u64, ExecError> {
        Ok(self.get::<u64>(&nav_count_key(shares))?.unwrap_or(0))
    }

    /// A title's utilisation samples over the trailing window, oldest first.
    fn utilisation_samples(&self, title: &TitleId) -> Result<Vec<UtilisationSample>, ExecError> {
        Ok(self.get(&utilisation_key(title))?.unwrap_or_default())
    }

    /// Block time at which the ledger first tried to value a title.
    fn first_seen(&self, title: &TitleId) -> Result<Option<u64>, ExecError> {
        self.get(&first_seen_key(title))
    }

    /// Titles waiting to be valued again.
    fn due_titles(&self) -> Result<Vec<TitleId>, ExecError> {
        Ok(self.get(DUE_KEY)?.unwrap_or_default())
    }
}
impl<T: StateRead + Sized> ValuationRead for T {}

/// Writing valuations (the module's own work only).
pub(super) trait ValuationWrite: StateWrite + Sized {
    fn put_title_value(&mut self, value: &TitleValue) {
        self.put(title_value_key(&value.title), value);
    }

    fn put_first_seen(&mut self, title: &TitleId, time_ms: u64) {
        self.put(first_seen_key(title), &time_ms);
    }

    fn put_utilisation_samples(&mut self, title: &TitleId, samples: &Vec<UtilisationSample>) {
        self.put(utilisation_key(title), samples);
    }

    /// Publishes `nav` as the latest, and in the history: a new entry for a new epoch, else in
    /// place of this epoch's entry (the history keeps one entry an epoch, its last NAV).
    fn put_nav(&mut self, nav: &NavRecord) -> Result<(), ExecError> {
        self.put(nav_key(&nav.shares), nav);
        let count = self.nav_count(&nav.shares)?;
        let last = match count.checked_sub(1) {
            Some(seq) => self.get::<NavRecord>(&nav_history_key(&nav.shares, seq))?.map(|n| (seq, n.epoch)),
            None => None,
        };
        let seq = match last {
            Some((seq, epoch)) if epoch == nav.epoch => seq,
            _ => self.next_in_sequence(nav_count_key(&nav.shares))?,
        };
        self.put(nav_history_key(&nav.shares, seq), nav);
        Ok(())
    }
}
impl<T: StateWrite + Sized> ValuationWrite for T {}

/// Puts `title` on the list of titles to value again at the end of the block (its status
/// changed). A full list drops it: the epoch's walk values it anyway.
pub fn mark_due<S: StateWrite + Sized>(state: &mut S, title: &TitleId) -> Result<(), ExecError> {
    let mut due: Vec<TitleId> = state.get(DUE_KEY)?.unwrap_or_default();
    if due.contains(title) || due.len() >= DUE_TITLES_MAX {
        return Ok(());
    }
    due.push(*title);
    state.put(DUE_KEY.to_string(), &due);
    Ok(())
}
