//! Messages of the `registry` module: the lifecycle of hardware titles.

use crate::title::{Insurance, TitleSpec, TitleStatus};
use crate::{Address, Amount, Hash, TitleId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `registry` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RegistryMsg {
    /// Registers a physical asset; the signer becomes its operator and first holder.
    Register {
        /// What it is (boxed: the largest message; the encoding is the spec's own).
        spec: Box<TitleSpec>,
    },
    /// Marks a registered title verified; only an approved auditor may, with the hash of the
    /// audit document.
    Verify {
        /// The title.
        title: TitleId,
        /// sha256 of the audit document.
        document_hash: Hash,
    },
    /// Records an appraisal; only an approved auditor may.
    Appraise {
        /// The title.
        title: TitleId,
        /// Appraised value (base units of the valuation currency).
        value: Amount,
        /// Method (e.g. "DCF of lease income", "replacement cost").
        method: String,
        /// Date of the appraisal, ms since the Unix epoch.
        #[serde(with = "crate::serde_str::u64_str")]
        date_ms: u64,
    },
    /// Moves a title between active, degraded and offline; only its operator may.
    SetStatus {
        /// The title.
        title: TitleId,
        /// `active`, `degraded` or `offline`.
        status: TitleStatus,
    },
    /// Replaces the insurance record; only the operator may.
    SetInsurance {
        /// The title.
        title: TitleId,
        /// The policy, or none.
        #[serde(default)]
        insurance: Option<Insurance>,
    },
    /// Gives the title to another account; only its holder may, and not while pledged or
    /// fractionalised.
    Transfer {
        /// The title.
        title: TitleId,
        /// New holder.
        to: Address,
    },
    /// Pledges the title to a lender; only its holder may.
    Pledge {
        /// The title.
        title: TitleId,
        /// Who holds the lien.
        to: Address,
    },
    /// Releases a pledge; only the lien holder may.
    Release {
        /// The title.
        title: TitleId,
    },
    /// The holder takes delivery of the hardware; the on-chain asset ends.
    Redeem {
        /// The title.
        title: TitleId,
        /// Delivery record (where, to whom, reference).
        delivery: String,
    },
    /// The holder retires the hardware; the on-chain asset ends.
    Retire {
        /// The title.
        title: TitleId,
    },
}
