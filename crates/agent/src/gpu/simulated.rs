//! A simulated GPU server for demos and tests, on machines without NVIDIA GPUs. Its numbers are
//! deterministic (a function of the device key and the round) and plausible for H100-class GPUs
//! (70–98 % busy, 510–678 W, 68–81 °C); every report it feeds says `simulated: true` and every
//! log line says SIMULATED. Nothing it reports proves anything about hardware.

use super::{GpuSample, Reading};
use computefi_types::{sha256, PublicKey};
use serde::{Deserialize, Serialize};

/// GPUs simulated unless `--simulate-gpus` says otherwise.
pub const SIMULATED_GPUS_DEFAULT: u32 = 8;
/// Most simulated GPUs.
pub const SIMULATED_GPUS_MAX: u32 = 64;
/// Seconds of GPU time each simulated round stands for (whatever the real interval).
pub const SIMULATED_ROUND_SECONDS: u64 = 10;

/// What the simulator must remember across restarts so its energy counters only grow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimState {
    /// Rounds simulated so far.
    pub round: u64,
    /// Each GPU's energy counter, millijoules.
    pub energy_mj: Vec<u64>,
}

/// The simulated device.
pub struct SimulatedGpus {
    seed: PublicKey,
    state: SimState,
}

impl SimulatedGpus {
    /// `gpus` simulated GPUs of device `seed`, continuing from `state` when it has as many GPUs.
    pub fn new(seed: PublicKey, gpus: u32, state: Option<SimState>) -> SimulatedGpus {
        let gpus = gpus.clamp(1, SIMULATED_GPUS_MAX) as usize;
        let state = state
            .filter(|s| s.energy_mj.len() == gpus)
            .unwrap_or_else(|| SimState { round: 0, energy_mj: vec![0; gpus] });
        SimulatedGpus { seed, state }
    }

    /// The next round's reading.
    pub fn read(&mut self) -> Reading {
        self.state.round = self.state.round.saturating_add(1);
        let round = self.state.round;
        let gpus = self
            .state
            .energy_mj
            .iter_mut()
            .enumerate()
            .map(|(index, energy)| {
                let h =
                    sha256(&[&self.seed.0[..], &round.to_be_bytes(), &(index as u64).to_be_bytes()].concat())
                        .0;
                let utilisation_pct = 70 + u32::from(h[0] % 29);
                let watts = 90 + 6 * u64::from(utilisation_pct);
                *energy = energy
                    .saturating_add(watts.saturating_mul(SIMULATED_ROUND_SECONDS).saturating_mul(1_000));
                GpuSample {
                    id: format!("SIMULATED-GPU-{index}"),
                    utilisation_pct,
                    energy_mj: *energy,
                    temperature_c: 45 + utilisation_pct / 3 + u32::from(h[1] % 5),
                }
            })
            .collect();
        Reading { gpus, xid_errors: 0 }
    }

    /// What to persist.
    pub fn state(&self) -> &SimState {
        &self.state
    }

    /// One line saying this is a simulation.
    pub fn describe(&self) -> String {
        format!(
            "SIMULATED device: {} made-up GPUs, not hardware; every report says simulated: true",
            self.state.energy_mj.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::telemetry;

    #[test]
    fn the_same_key_and_round_give_the_same_numbers() {
        let key = PublicKey([3; 32]);
        let (mut a, mut b) = (SimulatedGpus::new(key, 8, None), SimulatedGpus::new(key, 8, None));
        for _ in 0..5 {
            assert_eq!(a.read(), b.read());
        }
        let mut other = SimulatedGpus::new(PublicKey([4; 32]), 8, None);
        assert_ne!(other.read(), SimulatedGpus::new(key, 8, None).read(), "another device, other numbers");
    }

    #[test]
    fn numbers_are_plausible_and_energy_only_grows_across_a_restart() {
        let key = PublicKey([9; 32]);
        let mut sim = SimulatedGpus::new(key, 8, None);
        let first = telemetry(&sim.read(), true);
        assert_eq!(first.gpus_seen, 8);
        assert!((7_000..=9_800).contains(&first.utilisation_bps), "{first:?}");
        assert!((68..=81).contains(&first.temperature_c), "{first:?}");
        // 8 GPUs × 510–678 W × 10 s
        assert!((8 * 5_100_000..=8 * 6_780_000).contains(&first.energy_mj), "{first:?}");
        let saved = sim.state().clone();
        let mut restarted = SimulatedGpus::new(key, 8, Some(saved));
        let second = telemetry(&restarted.read(), true);
        assert!(second.energy_mj > first.energy_mj);
        assert_eq!(restarted.state().round, 2);
    }
}
