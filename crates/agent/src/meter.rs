//! The title's consumption meter: the cumulative energy of all its GPUs, reported as
//! [`Payload::Meter`](computefi_types::device::Payload::Meter) readings in whole watt-hours.
//!
//! NVML's total energy counter (mJ since the driver loaded) starts again from 0 when the driver
//! is reloaded or the GPU is reset, and a GPU that does not answer is missing from a reading. The
//! ledger refuses a meter that runs backwards (`meter_backwards`), so the agent keeps its own
//! counter, [`Meter`], in the state file: every reading adds each GPU's rise since that GPU's
//! previous reading.
//!
//! ```text
//! GPU counter, mJ:    100   400   (reset) 50   300        GPU missing   500
//! added to the total:   —   300           50   250        0             200
//! ```
//!
//! A GPU's first reading counts whole in a brand-new meter, so a new meter starts at the GPUs'
//! summed counters. A GPU first seen later, or by a meter that took up the ledger's counter
//! ([`Meter::raise_to_wh`], after a lost state file), starts counting from that reading: energy it
//! used before the agent saw it is not charged to one interval (the ledger would put it all in
//! one hour). The watt-hours reported are the
//! total rounded down (3,600,000 mJ = 1 Wh); the remainder stays in the total and counts later.
//!
//! # Invariants
//! - The total only grows: each GPU adds its rise, or, when its counter dropped (a reset), its
//!   new value counted from 0; additions saturate. A restart goes on from the saved total.
//! - At most one meter reading is waiting in the queue, and a new one is signed only once
//!   [`Meter::interval_ms`] has passed since the previous one was signed: two readings of one
//!   meter key can never land in one block (`meter_too_soon`).
//! - At most [`METER_GPUS_MAX`] GPUs' counters are remembered.

use crate::gpu::Reading;
use serde::{Deserialize, Serialize};

/// Millijoules in one watt-hour (3,600 J).
pub const MJ_PER_WH: u64 = 3_600_000;
/// Seconds between meter readings unless `--meter-interval-s` says otherwise.
pub const METER_INTERVAL_S_DEFAULT: u64 = 300;
/// Shortest interval between meter readings, seconds.
pub const METER_INTERVAL_S_MIN: u64 = 10;
/// Longest interval between meter readings, seconds: the ledger shares an interval of at most
/// an hour between the hours it covers; a longer one is a gap, counted in no hour.
pub const METER_INTERVAL_S_MAX: u64 = 3_600;
/// Most GPUs whose counters are remembered (GPUs not in the latest reading are forgotten first).
pub const METER_GPUS_MAX: usize = 256;

/// Whole watt-hours in `mj` millijoules, rounded down.
pub fn wh_of_mj(mj: u64) -> u64 {
    mj / MJ_PER_WH
}

/// One GPU's energy counter at its last reading.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpuCounter {
    /// The GPU (NVML's UUID, or the simulator's name for it).
    pub gpu: String,
    /// Its counter, millijoules.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub energy_mj: u64,
}

/// The agent's meter of one title, kept in the state file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meter {
    /// Energy counted so far, millijoules; only ever grows.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub total_mj: u64,
    /// Each GPU's counter at its last reading, sorted by GPU.
    pub gpus: Vec<GpuCounter>,
    /// Wall-clock time the last meter reading was signed, ms since the Unix epoch.
    #[serde(default, with = "computefi_types::serde_str::opt_u64_str")]
    pub signed_at_ms: Option<u64>,
    /// The watt-hours of the last meter reading signed.
    #[serde(default, with = "computefi_types::serde_str::opt_u64_str")]
    pub signed_wh: Option<u64>,
}

impl Meter {
    /// The total in whole watt-hours, rounded down: what the next meter reading says.
    pub fn wh(&self) -> u64 {
        wh_of_mj(self.total_mj)
    }

    /// Adds each GPU's rise since its previous reading to the total: a counter that dropped was
    /// reset and counts from 0; a GPU first seen counts whole in a brand-new meter (no GPU seen,
    /// nothing counted), else from this reading. A GPU missing from `reading` keeps its last
    /// counter. Returns the millijoules added.
    pub fn observe(&mut self, reading: &Reading) -> u64 {
        let fresh = self.gpus.is_empty() && self.total_mj == 0;
        let mut added = 0u64;
        for sample in &reading.gpus {
            let rise = match self.gpus.binary_search_by(|c| c.gpu.as_str().cmp(&sample.id)) {
                Ok(at) => {
                    let last = &mut self.gpus[at].energy_mj;
                    let rise = sample.energy_mj.checked_sub(*last).unwrap_or(sample.energy_mj);
                    *last = sample.energy_mj;
                    rise
                }
                Err(at) => {
                    let counter = GpuCounter { gpu: sample.id.clone(), energy_mj: sample.energy_mj };
                    self.gpus.insert(at, counter);
                    if fresh {
                        sample.energy_mj
                    } else {
                        0
                    }
                }
            };
            added = added.saturating_add(rise);
        }
        if self.gpus.len() > METER_GPUS_MAX {
            self.gpus.retain(|c| reading.gpus.iter().any(|s| s.id == c.gpu));
            self.gpus.truncate(METER_GPUS_MAX);
        }
        self.total_mj = self.total_mj.saturating_add(added);
        added
    }

    /// Raises the total to at least `wh` (the ledger's last counter of this meter, when it is
    /// ahead of this state file: a lost or restored file). Returns true when it moved.
    pub fn raise_to_wh(&mut self, wh: u64) -> bool {
        let floor = wh.saturating_mul(MJ_PER_WH);
        if floor <= self.total_mj {
            return false;
        }
        self.total_mj = floor;
        true
    }

    /// The meter reading to sign at wall-clock `now_ms`, in Wh, when one is due: none while
    /// another is still queued (`queued`), none before `interval_ms` has passed since the last
    /// one was signed. A clock that went back past the last signing makes one due (the queued
    /// check alone keeps readings in separate blocks). Records the signing.
    pub fn take_reading(&mut self, now_ms: u64, interval_ms: u64, queued: bool) -> Option<u64> {
        if queued {
            return None;
        }
        if let Some(at) = self.signed_at_ms {
            let elapsed = now_ms.checked_sub(at);
            if elapsed.is_some_and(|e| e < interval_ms) {
                return None;
            }
        }
        let wh = self.wh();
        self.signed_at_ms = Some(now_ms);
        self.signed_wh = Some(wh);
        Some(wh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::GpuSample;

    fn reading(counters: &[(&str, u64)]) -> Reading {
        let gpus = counters
            .iter()
            .map(|(id, mj)| GpuSample {
                id: (*id).to_string(),
                utilisation_pct: 90,
                energy_mj: *mj,
                temperature_c: 60,
            })
            .collect();
        Reading { gpus, xid_errors: 0 }
    }

    #[test]
    fn millijoules_become_whole_watt_hours_rounded_down() {
        assert_eq!(wh_of_mj(0), 0);
        assert_eq!(wh_of_mj(3_599_999), 0);
        assert_eq!(wh_of_mj(3_600_000), 1);
        assert_eq!(wh_of_mj(7_199_999), 1);
        assert_eq!(wh_of_mj(u64::MAX), u64::MAX / 3_600_000);
        let mut meter = Meter::default();
        meter.observe(&reading(&[("a", 5_000_000), ("b", 2_300_000)]));
        assert_eq!((meter.total_mj, meter.wh()), (7_300_000, 2), "the remainder stays in the total");
        meter.observe(&reading(&[("a", 5_000_000), ("b", 2_500_000)]));
        assert_eq!(meter.wh(), 2);
        meter.observe(&reading(&[("a", 5_000_000), ("b", 5_799_999)]));
        assert_eq!(meter.wh(), 2, "a millijoule short of 3 Wh");
        meter.observe(&reading(&[("a", 5_000_001), ("b", 5_799_999)]));
        assert_eq!((meter.total_mj, meter.wh()), (10_800_000, 3), "the remainders add up to a whole Wh");
    }

    #[test]
    fn a_fresh_meter_starts_at_the_gpus_summed_counters_and_adds_their_rises() {
        let mut meter = Meter::default();
        assert_eq!(meter.observe(&reading(&[("a", 100), ("b", 200)])), 300);
        assert_eq!(meter.observe(&reading(&[("b", 260), ("a", 150)])), 110, "order does not matter");
        assert_eq!(meter.total_mj, 410);
        assert_eq!(meter.gpus.iter().map(|c| c.gpu.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn the_meter_counter_keeps_rising_across_an_nvml_counter_reset() {
        let mut meter = Meter::default();
        meter.observe(&reading(&[("a", 10_000_000), ("b", 10_000_000)]));
        meter.observe(&reading(&[("a", 12_000_000), ("b", 11_000_000)]));
        assert_eq!(meter.total_mj, 23_000_000);
        // The driver was reloaded: both counters start again from 0.
        let added = meter.observe(&reading(&[("a", 400_000), ("b", 100_000)]));
        assert_eq!(added, 500_000, "a dropped counter counts its new value from 0");
        assert_eq!(meter.total_mj, 23_500_000);
        meter.observe(&reading(&[("a", 3_400_000), ("b", 100_000)]));
        assert_eq!(meter.total_mj, 26_500_000);
        // The example in the module documentation.
        let mut doc = Meter { gpus: vec![GpuCounter { gpu: "g".into(), energy_mj: 0 }], ..Meter::default() };
        let adds: Vec<u64> =
            [&[("g", 100)][..], &[("g", 400)], &[("g", 50)], &[("g", 300)], &[], &[("g", 500)]]
                .iter()
                .map(|r| doc.observe(&reading(r)))
                .collect();
        assert_eq!(adds, [100, 300, 50, 250, 0, 200]);
    }

    #[test]
    fn a_gpu_missing_from_one_reading_adds_its_whole_rise_when_it_answers_again() {
        let mut meter = Meter::default();
        meter.observe(&reading(&[("a", 1_000), ("b", 1_000)]));
        assert_eq!(meter.observe(&reading(&[("a", 2_000)])), 1_000, "b is missing: it adds nothing");
        assert_eq!(meter.observe(&reading(&[("a", 2_500), ("b", 4_000)])), 3_500);
        assert_eq!(meter.total_mj, 6_500);
    }

    #[test]
    fn a_gpu_first_seen_after_the_first_reading_counts_from_that_reading() {
        let mut meter = Meter::default();
        meter.observe(&reading(&[("a", 1_000)]));
        assert_eq!(meter.observe(&reading(&[("a", 1_000), ("new", 9_000_000)])), 0);
        assert_eq!(meter.observe(&reading(&[("a", 1_000), ("new", 9_000_700)])), 700);
    }

    #[test]
    fn the_total_never_runs_backwards_and_saturates_at_the_top() {
        let mut meter = Meter::default();
        let mut last = 0;
        for counters in [[5u64, 9], [1, 2], [0, 0], [u64::MAX, 3], [4, u64::MAX], [7, 7]] {
            meter.observe(&reading(&[("a", counters[0]), ("b", counters[1])]));
            assert!(meter.total_mj >= last, "{counters:?}");
            last = meter.total_mj;
        }
        assert_eq!(meter.total_mj, u64::MAX);
    }

    #[test]
    fn the_total_is_raised_to_the_ledgers_counter_and_never_lowered() {
        let mut meter = Meter { total_mj: 5 * MJ_PER_WH + 7, ..Meter::default() };
        assert!(!meter.raise_to_wh(5), "already there (with a remainder)");
        assert!(!meter.raise_to_wh(2));
        assert_eq!(meter.total_mj, 5 * MJ_PER_WH + 7);
        assert!(meter.raise_to_wh(40));
        assert_eq!(meter.wh(), 40);
        meter.observe(&reading(&[("a", 7 * MJ_PER_WH)]));
        meter.observe(&reading(&[("a", 8 * MJ_PER_WH)]));
        assert_eq!(meter.wh(), 41, "readings go on from the ledger's counter");
    }

    #[test]
    fn a_meter_that_took_up_the_ledgers_counter_counts_gpus_from_their_first_reading() {
        // A lost state file: the agent starts with the ledger's counter and no GPU counters.
        let mut meter = Meter::default();
        meter.raise_to_wh(1_000);
        // Weeks of energy since the driver loaded would land in one hour if counted whole.
        assert_eq!(meter.observe(&reading(&[("a", 900 * MJ_PER_WH)])), 0);
        assert_eq!(meter.observe(&reading(&[("a", 901 * MJ_PER_WH)])), MJ_PER_WH);
        assert_eq!(meter.wh(), 1_001);
    }

    #[test]
    fn a_meter_reading_is_signed_at_most_once_per_interval() {
        let interval = 300_000;
        let mut meter = Meter { total_mj: 2 * MJ_PER_WH, ..Meter::default() };
        assert_eq!(meter.take_reading(1_000_000, interval, false), Some(2), "the first is due at once");
        meter.total_mj = 3 * MJ_PER_WH;
        assert_eq!(meter.take_reading(1_000_000, interval, false), None);
        assert_eq!(meter.take_reading(1_299_999, interval, false), None, "a millisecond early");
        assert_eq!(meter.take_reading(1_300_000, interval, false), Some(3));
        assert_eq!((meter.signed_at_ms, meter.signed_wh), (Some(1_300_000), Some(3)));
        let due: Vec<u64> = (0..=20u64)
            .map(|s| 1_300_000 + s * 100_000)
            .filter(|now| meter.take_reading(*now, interval, false).is_some())
            .collect();
        assert_eq!(due, [1_600_000, 1_900_000, 2_200_000, 2_500_000, 2_800_000, 3_100_000]);
    }

    #[test]
    fn no_meter_reading_is_signed_while_another_is_still_queued() {
        let mut meter = Meter::default();
        assert_eq!(meter.take_reading(0, 10_000, true), None, "not even the first");
        assert_eq!(meter.signed_at_ms, None, "nothing was signed");
        assert_eq!(meter.take_reading(0, 10_000, false), Some(0));
        assert_eq!(meter.take_reading(50_000, 10_000, true), None, "due, but one is queued");
        assert_eq!(meter.take_reading(50_000, 10_000, false), Some(0));
    }

    #[test]
    fn a_clock_set_back_makes_a_reading_due_rather_than_stopping_the_meter() {
        let mut meter = Meter::default();
        assert!(meter.take_reading(10_000_000, 300_000, false).is_some());
        assert!(meter.take_reading(9_000_000, 300_000, false).is_some());
        assert!(meter.take_reading(9_100_000, 300_000, false).is_none(), "spaced from the new time");
    }

    #[test]
    fn a_meter_survives_its_json_form_with_counters_as_strings() {
        let mut meter = Meter::default();
        meter.observe(&reading(&[("GPU-1", u64::MAX - 1)]));
        meter.take_reading(42, 1, false);
        let json = serde_json::to_value(&meter).unwrap();
        assert_eq!(json["total_mj"], serde_json::json!((u64::MAX - 1).to_string()));
        assert_eq!(json["gpus"][0]["energy_mj"], serde_json::json!((u64::MAX - 1).to_string()));
        assert_eq!(serde_json::from_value::<Meter>(json).unwrap(), meter);
    }
}
