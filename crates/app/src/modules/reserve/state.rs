//! Keys, records and typed access of `reserve`.
//!
//! | key | value |
//! |---|---|
//! | `reserve/attestor/<account>`, `reserve/minter/<account>` | the roles, from the genesis file |
//! | `reserve/report/<n>` | report `n` as attested (the latest [`REPORTS_KEPT`]) |
//! | `reserve/report_count` | how many reports were ever attested |
//! | `reserve/report_id/<id>` | the number of the report with that id (every id ever used) |
//! | `reserve/totals` | dollars ever minted, burned, and minted as yield |
//! | `reserve/yield_end_ms` | end of the latest yield period attested |

use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::reserve::ReserveReport;
use computefi_types::{Address, Amount};
use serde::{Deserialize, Serialize};

/// Reserve reports kept: the latest 64 (older ones are deleted as new ones come; their ids stay
/// used).
pub const REPORTS_KEPT: u64 = 64;

/// A reserve report as the ledger recorded it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct AttestedReport {
    /// Its number on the ledger, from 0, in the order attested.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub seq: u64,
    /// Who attested it.
    pub attestor: Address,
    /// Block time it was attested at, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub attested_ms: u64,
    /// The report.
    pub report: ReserveReport,
}

/// What the module has done to the dollar unit's supply, from genesis. The supply is always
/// `minted − burned + yield_minted`.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ReserveTotals {
    /// Dollars minted for payments received.
    pub minted: Amount,
    /// Dollars burned for payouts.
    pub burned: Amount,
    /// Dollars minted as reserve yield.
    pub yield_minted: Amount,
}

fn attestor_key(who: &Address) -> String {
    format!("reserve/attestor/{who}")
}

fn minter_key(who: &Address) -> String {
    format!("reserve/minter/{who}")
}

fn report_key(seq: u64) -> String {
    format!("reserve/report/{seq:020}")
}

fn report_id_key(id: &str) -> String {
    format!("reserve/report_id/{id}")
}

const REPORT_COUNT_KEY: &str = "reserve/report_count";
const TOTALS_KEY: &str = "reserve/totals";
const YIELD_END_KEY: &str = "reserve/yield_end_ms";

/// Reading the reserve module's state.
pub trait ReserveRead: StateRead + Sized {
    /// Whether `who` is a reserve attestor.
    fn is_reserve_attestor(&self, who: &Address) -> Result<bool, ExecError> {
        Ok(self.get_raw(&attestor_key(who))?.is_some())
    }

    /// Whether `who` is a reserve minter.
    fn is_reserve_minter(&self, who: &Address) -> Result<bool, ExecError> {
        Ok(self.get_raw(&minter_key(who))?.is_some())
    }

    /// How many reports were ever attested: the latest is number `count − 1`.
    fn report_count(&self) -> Result<u64, ExecError> {
        Ok(self.get::<u64>(REPORT_COUNT_KEY)?.unwrap_or(0))
    }

    /// Report number `seq`, if it is one of the latest [`REPORTS_KEPT`].
    fn attested_report(&self, seq: u64) -> Result<Option<AttestedReport>, ExecError> {
        self.get(&report_key(seq))
    }

    /// The latest report, if any was attested.
    fn latest_report(&self) -> Result<Option<AttestedReport>, ExecError> {
        match self.report_count()?.checked_sub(1) {
            Some(seq) => self.attested_report(seq),
            None => Ok(None),
        }
    }

    /// The number of the report whose id is `id`, if one was ever attested.
    fn report_seq(&self, id: &str) -> Result<Option<u64>, ExecError> {
        self.get(&report_id_key(id))
    }

    /// What the module has minted and burned from genesis.
    fn reserve_totals(&self) -> Result<ReserveTotals, ExecError> {
        Ok(self.get(TOTALS_KEY)?.unwrap_or_default())
    }

    /// End of the latest yield period attested, ms (0 before the first).
    fn yield_end_ms(&self) -> Result<u64, ExecError> {
        Ok(self.get::<u64>(YIELD_END_KEY)?.unwrap_or(0))
    }
}
impl<T: StateRead + Sized> ReserveRead for T {}

/// Grants (or, with `granted` false, revokes) the reserve attestor role: what governance does.
pub fn set_attestor<S: StateWrite + Sized>(state: &mut S, who: &Address, granted: bool) {
    if granted {
        state.put(attestor_key(who), &true);
    } else {
        state.delete(attestor_key(who));
    }
}

/// Grants (or, with `granted` false, revokes) the reserve minter role: what governance does.
pub fn set_minter<S: StateWrite + Sized>(state: &mut S, who: &Address, granted: bool) {
    if granted {
        state.put(minter_key(who), &true);
    } else {
        state.delete(minter_key(who));
    }
}

/// Writing the reserve module's state (its own handlers and genesis only).
pub(super) trait ReserveWrite: StateWrite + ReserveRead {
    fn add_attestor(&mut self, who: &Address) {
        self.put(attestor_key(who), &true);
    }

    fn add_minter(&mut self, who: &Address) {
        self.put(minter_key(who), &true);
    }

    /// Records `report` as the latest, marks its id used, and deletes the report that falls out
    /// of the latest [`REPORTS_KEPT`]. Returns the record.
    fn push_report(
        &mut self,
        report: ReserveReport,
        attestor: Address,
        attested_ms: u64,
    ) -> Result<AttestedReport, ExecError> {
        let seq = self.next_in_sequence(REPORT_COUNT_KEY.to_string())?;
        self.put(report_id_key(&report.id), &seq);
        if let Some(old) = seq.checked_sub(REPORTS_KEPT) {
            self.delete(report_key(old));
        }
        let record = AttestedReport { seq, attestor, attested_ms, report };
        self.put(report_key(seq), &record);
        Ok(record)
    }

    fn put_totals(&mut self, totals: &ReserveTotals) {
        self.put(TOTALS_KEY.to_string(), totals);
    }

    fn put_yield_end_ms(&mut self, end_ms: u64) {
        self.put(YIELD_END_KEY.to_string(), &end_ms);
    }
}
impl<T: StateWrite + Sized> ReserveWrite for T {}
