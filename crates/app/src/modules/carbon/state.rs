//! Keys, records and typed access of `carbon`.
//!
//! | key | value |
//! |---|---|
//! | `carbon/attestor/<account>` | a registry attestor, from the genesis file |
//! | `carbon/batch/<n>` | credit batch `n` in any status (ids dense from 0) |
//! | `carbon/batch_count` | how many batches exist |
//! | `carbon/bucket/<registry>/<bucket>` | the serials of one bucket of a registry that were immobilised, as sorted, disjoint, merged ranges |
//! | `carbon/offset/<lease>` | the retired batch that offset a lease's emissions |

use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::carbon::CreditStatus;
use computefi_types::{Address, ErrorCode, TxError};
use serde::{Deserialize, Serialize};

/// Most serials (tonnes) one immobilisation mints; a larger issuance is immobilised in parts.
pub const SERIALS_PER_BATCH_MAX: u64 = 1_000_000;
/// Serials in one bucket of a registry's serial space: bucket `b` holds serials
/// `b × BUCKET_SERIALS ..= (b + 1) × BUCKET_SERIALS − 1`. A batch is at most this long, so it
/// touches at most two buckets.
pub const BUCKET_SERIALS: u64 = SERIALS_PER_BATCH_MAX;
/// Most separate (non-adjacent) immobilised ranges one bucket keeps; adjacent ranges merge, so
/// a registry's contiguous issuances take one.
pub const RANGES_PER_BUCKET_MAX: usize = 64;

/// A retirement, as the batch records it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Retirement {
    /// Who the tonnes were retired for.
    pub beneficiary: String,
    /// Who retired them (the holder then).
    pub by: Address,
    /// Block time of the retirement, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub retired_ms: u64,
    /// The lease whose emissions it offsets, if any.
    #[serde(with = "computefi_types::serde_str::opt_u64_str")]
    pub lease: Option<u64>,
    /// That lease's market-based emissions at the retirement, µg CO2e (0 without a lease).
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub lease_emissions_ug: u128,
}

/// A batch of carbon credits: one tonne of CO2e per serial, serials `serial_start ..= serial_end`
/// of its registry.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct CreditBatch {
    /// Its id, from 0.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub id: u64,
    /// The registry the credits are immobilised in.
    pub registry: String,
    /// The project's id in the registry.
    pub project: String,
    /// The year the reductions happened.
    pub vintage: u16,
    /// The first serial (inclusive).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub serial_start: u64,
    /// The last serial (inclusive).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub serial_end: u64,
    /// The immobilised batch it was split from (its own id for one immobilised whole).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub origin: u64,
    /// The registry attestor that immobilised it.
    pub attestor: Address,
    /// Block time of the immobilisation, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub immobilised_ms: u64,
    /// Who holds it (for a retired batch: who retired it).
    pub holder: Address,
    /// Where it stands.
    pub status: CreditStatus,
    /// Once retired: for whom, by whom, when, and against which lease.
    pub retirement: Option<Retirement>,
}

impl CreditBatch {
    /// Credits (tonnes) in it: `end − start + 1`.
    pub fn quantity(&self) -> u64 {
        self.serial_end.saturating_sub(self.serial_start).saturating_add(1)
    }
}

fn attestor_key(who: &Address) -> String {
    format!("carbon/attestor/{who}")
}

fn batch_key(id: u64) -> String {
    format!("carbon/batch/{id:020}")
}

fn bucket_key(registry: &str, bucket: u64) -> String {
    format!("carbon/bucket/{registry}/{bucket:020}")
}

fn offset_key(lease: u64) -> String {
    format!("carbon/offset/{lease:020}")
}

pub(super) const BATCH_COUNT_KEY: &str = "carbon/batch_count";

/// Reading `carbon`.
pub trait CarbonRead: StateRead + Sized {
    /// Whether `who` is a registry attestor.
    fn is_registry_attestor(&self, who: &Address) -> Result<bool, ExecError> {
        Ok(self.get_raw(&attestor_key(who))?.is_some())
    }

    /// A credit batch, if it exists.
    fn credit_batch(&self, id: u64) -> Result<Option<CreditBatch>, ExecError> {
        self.get(&batch_key(id))
    }

    /// A credit batch, or `unknown_credit_batch`.
    fn require_credit_batch(&self, id: u64) -> Result<CreditBatch, ExecError> {
        self.credit_batch(id)?
            .ok_or_else(|| TxError::new(ErrorCode::UnknownCreditBatch, format!("credit batch {id}")).into())
    }

    /// How many batches exist (ids `0 .. count`).
    fn credit_batch_count(&self) -> Result<u64, ExecError> {
        Ok(self.get(BATCH_COUNT_KEY)?.unwrap_or(0))
    }

    /// The immobilised serials of one bucket of `registry`: sorted, disjoint, non-adjacent
    /// inclusive ranges, each within the bucket.
    fn immobilised(&self, registry: &str, bucket: u64) -> Result<Vec<(u64, u64)>, ExecError> {
        Ok(self.get(&bucket_key(registry, bucket))?.unwrap_or_default())
    }

    /// The retired batch that offset `lease`'s emissions, if any.
    fn lease_offset(&self, lease: u64) -> Result<Option<u64>, ExecError> {
        self.get(&offset_key(lease))
    }
}
impl<T: StateRead + Sized> CarbonRead for T {}

/// Grants (or, with `granted` false, revokes) the registry attestor role: what governance does.
pub fn set_registry_attestor<S: StateWrite + Sized>(state: &mut S, who: &Address, granted: bool) {
    if granted {
        state.put(attestor_key(who), &true);
    } else {
        state.delete(attestor_key(who));
    }
}

/// Writing `carbon` (the module's own code and genesis only).
pub(super) trait CarbonWrite: StateWrite + Sized {
    fn add_registry_attestor(&mut self, who: &Address) {
        self.put(attestor_key(who), &true);
    }

    fn put_credit_batch(&mut self, batch: &CreditBatch) {
        self.put(batch_key(batch.id), batch);
    }

    fn put_immobilised(&mut self, registry: &str, bucket: u64, ranges: Vec<(u64, u64)>) {
        self.put(bucket_key(registry, bucket), &ranges);
    }

    fn put_lease_offset(&mut self, lease: u64, batch: u64) {
        self.put(offset_key(lease), &batch);
    }
}
impl<T: StateWrite + Sized> CarbonWrite for T {}
