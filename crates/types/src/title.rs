//! Hardware titles: one non-fungible title per physical asset (a GPU server, an ASIC fleet, a
//! green compute site), with what it is, where, who keeps and insures it, what it is worth, which
//! device keys report for it, and where it is in its lifecycle.

use crate::compliance::TransferRules;
use crate::{Address, Amount, Hash, PublicKey};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Most serials on one title.
pub const SERIALS_MAX: usize = 1_024;
/// Longest serial, in bytes.
pub const SERIAL_BYTES_MAX: usize = 64;
/// Most device keys on one title.
pub const DEVICE_KEYS_MAX: usize = 64;
/// Most capacity lines on one title.
pub const CAPACITY_ITEMS_MAX: usize = 8;
/// Longest free-text field (make, model, site, custodian, insurer, method, delivery), in bytes.
pub const TEXT_BYTES_MAX: usize = 128;

/// What kind of compute asset a title stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TitleClass {
    /// GPU servers leased for AI.
    GpuServer,
    /// Bitcoin ASIC miners.
    AsicMiner,
    /// A green-energy compute site.
    EnergySite,
}

/// Units of nominal capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapacityUnit {
    /// Number of GPUs.
    Gpu,
    /// Hashrate in TH/s.
    TerahashPerSecond,
    /// Efficiency in J/TH.
    JoulePerTerahash,
    /// Power in kW.
    Kilowatt,
}

/// One line of nominal capacity, in thousandths of the unit (no floats in state).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityItem {
    /// Quantity × 1000 (e.g. 200 TH/s = 200000).
    #[serde(with = "crate::serde_str::u64_str")]
    pub milli: u64,
    /// Unit.
    pub unit: CapacityUnit,
}

/// Where the hardware is.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// Site name or address.
    pub site: String,
    /// The grid zone the site draws from or feeds into (such as `US-VA` or `SE-STO`; empty when
    /// unknown): certificates match consumption only within one zone, and the zone's
    /// `grid_gco2_kwh_<zone>` feed gives its carbon intensity.
    #[serde(default)]
    pub zone: String,
    /// The site's power usage effectiveness (facility energy / IT energy), millionths (1.2 is
    /// 1,200,000; 1,000,000 to 10,000,000), as the operator declares it and the auditor verifies
    /// it: a GPU or ASIC title's metered IT energy × this PUE is its consumption in the hourly
    /// match. `None`: `params.green.pue_micro`, the industry average.
    #[serde(default)]
    pub pue_micro: Option<u32>,
}

/// Least site PUE: 1.0 (a facility uses at least its IT energy), millionths.
pub const PUE_MICRO_MIN: u32 = 1_000_000;
/// Largest site PUE: 10.0, millionths.
pub const PUE_MICRO_MAX: u32 = 10_000_000;

/// Insurance on the hardware.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Insurance {
    /// Insurer.
    pub insurer: String,
    /// Cover amount (in the currency of the appraisal, base units).
    pub cover: Amount,
    /// Expiry, ms since the Unix epoch.
    #[serde(with = "crate::serde_str::u64_str")]
    pub expires_at_ms: u64,
}

/// What the operator declares when registering a title.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TitleSpec {
    /// Class.
    pub class: TitleClass,
    /// Manufacturer.
    pub make: String,
    /// Model.
    pub model: String,
    /// Per-unit serials (e.g. each GPU's UUID); unique across the ledger.
    pub serials: Vec<String>,
    /// Number of units.
    pub count: u32,
    /// Nominal capacity.
    pub capacity: Vec<CapacityItem>,
    /// Location.
    pub location: Location,
    /// Who keeps the hardware.
    pub custodian: String,
    /// Insurance, if any.
    #[serde(default)]
    pub insurance: Option<Insurance>,
    /// Device keys that will sign reports for this title.
    #[serde(default)]
    pub device_keys: Vec<PublicKey>,
    /// Transfer rules of the title (inherited by its share tokens).
    #[serde(default)]
    pub rules: TransferRules,
    /// For ASIC titles: hex of 4–32 bytes the title's miners put in every coinbase input script
    /// (an extranonce tag). When set, a share counts only with a proof that its coinbase carries
    /// the tag, so an operator cannot claim another farm's shares. Unique across live titles.
    #[serde(default)]
    pub coinbase_tag: Option<String>,
    /// Share of the site's power from renewable sources, basis points (0 to 10000), as the
    /// operator **declares** it. Shown beside the measured match score (metered energy against
    /// cancelled certificates) and relied on by nothing: a lease's green share is measured.
    #[serde(default)]
    pub green_bps: u16,
    /// When the hardware went into service, Unix ms, as the operator declares it and the
    /// auditor verifies it: the valuation counts the remaining useful life from it. `None`: the
    /// block time at which the ledger first valued the title.
    #[serde(default, with = "crate::serde_str::opt_u64_str")]
    pub commissioned_ms: Option<u64>,
}

/// Lifecycle: `registered → verified → active ⇄ degraded/offline → redeemed | retired`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TitleStatus {
    /// Declared by the operator, not yet checked.
    Registered,
    /// Checked by an approved auditor.
    Verified,
    /// In service.
    Active,
    /// In service below its declared capacity.
    Degraded,
    /// Not reachable.
    Offline,
    /// Delivered to the holder; the on-chain asset has ended.
    Redeemed,
    /// Taken out of service; the on-chain asset has ended.
    Retired,
    /// Declared down for maintenance by the operator: leases pause and are not charged; only new
    /// evidence makes the title active again.
    Maintenance,
}

/// Most status changes kept per title (older ones drop off the front).
pub const STATUS_HISTORY_MAX: usize = 64;

/// What moved a title's status: evidence on the ledger, or the one act its operator or holder
/// may take.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StatusCause {
    /// An approved auditor verified the title.
    Audit {
        /// The auditor.
        auditor: Address,
        /// sha256 of the audit document.
        document_hash: Hash,
    },
    /// A capacity challenge was passed.
    ChallengePassed {
        /// The challenge id.
        #[serde(with = "crate::serde_str::u64_str")]
        challenge: u64,
    },
    /// A capacity challenge was failed, answered late or not answered.
    ChallengeFailed {
        /// The challenge id.
        #[serde(with = "crate::serde_str::u64_str")]
        challenge: u64,
        /// Why.
        reason: String,
        /// Failed or missed challenges in a row, this one included.
        failures_in_row: u32,
    },
    /// A share window closed.
    ShareWindow {
        /// Height the window closed at.
        #[serde(with = "crate::serde_str::u64_str")]
        height: u64,
        /// Lower end of the estimate's 95 % interval, H/s.
        lower_hs: String,
        /// Upper end of the estimate's 95 % interval, H/s.
        upper_hs: String,
        /// The title's claim, H/s.
        claimed_hs: String,
    },
    /// No share for longer than the chain allows.
    SharesSilent {
        /// Block time since the last share, ms.
        #[serde(with = "crate::serde_str::u64_str")]
        silent_ms: u64,
    },
    /// A fresh attestation was verified and bound to the title.
    Attested {
        /// sha256 of the report.
        report_hash: Hash,
    },
    /// The title's attestation was not renewed in time.
    AttestationLapsed {
        /// Height of the last verified attestation.
        #[serde(with = "crate::serde_str::u64_str")]
        attested_height: u64,
    },
    /// The operator declared maintenance.
    Maintenance {
        /// The operator.
        operator: Address,
    },
    /// The holder redeemed the title.
    Redeemed {
        /// The holder.
        holder: Address,
    },
    /// The holder retired the title.
    Retired {
        /// The holder.
        holder: Address,
    },
    /// An energy site's generation meter measured energy over an interval of at most an hour.
    Metered {
        /// Wh measured.
        #[serde(with = "crate::serde_str::u64_str")]
        energy_wh: u64,
        /// The interval, ms.
        #[serde(with = "crate::serde_str::u64_str")]
        interval_ms: u64,
    },
}

impl StatusCause {
    /// The cause's kind as the wire names it (`challenge_passed`, `share_window`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            StatusCause::Audit { .. } => "audit",
            StatusCause::ChallengePassed { .. } => "challenge_passed",
            StatusCause::ChallengeFailed { .. } => "challenge_failed",
            StatusCause::ShareWindow { .. } => "share_window",
            StatusCause::SharesSilent { .. } => "shares_silent",
            StatusCause::Attested { .. } => "attested",
            StatusCause::AttestationLapsed { .. } => "attestation_lapsed",
            StatusCause::Maintenance { .. } => "maintenance",
            StatusCause::Redeemed { .. } => "redeemed",
            StatusCause::Retired { .. } => "retired",
            StatusCause::Metered { .. } => "metered",
        }
    }
}

/// One change of a title's status, kept on the record.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct StatusChange {
    /// Height of the change.
    #[serde(with = "crate::serde_str::u64_str")]
    pub height: u64,
    /// Block time of the change, ms.
    #[serde(with = "crate::serde_str::u64_str")]
    pub time_ms: u64,
    /// Status before.
    pub from: TitleStatus,
    /// Status after.
    pub to: TitleStatus,
    /// What caused it.
    pub cause: StatusCause,
}

impl TitleStatus {
    /// Whether the title has ended (redeemed or retired).
    pub fn is_final(self) -> bool {
        matches!(self, TitleStatus::Redeemed | TitleStatus::Retired)
    }

    /// Whether the title has passed verification and not ended.
    pub fn is_verified(self) -> bool {
        matches!(
            self,
            TitleStatus::Verified
                | TitleStatus::Active
                | TitleStatus::Degraded
                | TitleStatus::Offline
                | TitleStatus::Maintenance
        )
    }
}
