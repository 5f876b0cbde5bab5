//! GPU readings: NVIDIA GPUs through NVML ([`nvml`]), or a simulated device ([`simulated`]) whose
//! every report says `simulated: true`.
//!
//! # Invariants
//! - Counts read from hardware are untrusted numbers: they are clamped to their meaning
//!   (utilisation ≤ 100 %, temperature fits `i16`) and combined with saturating arithmetic, so a
//!   driver reporting garbage produces a saturated report, never a panic or a wrapped sum.

pub mod nvml;
pub mod simulated;

use computefi_types::device::Telemetry;

/// One GPU's reading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpuSample {
    /// Which GPU: NVML's UUID (stable across driver reloads and renumbering), or the simulator's
    /// name for it. The meter follows each GPU's energy counter by it ([`crate::meter`]).
    pub id: String,
    /// Utilisation over the driver's last sample period, percent (the driver says 0–100).
    pub utilisation_pct: u32,
    /// Energy counter since the driver was loaded, millijoules.
    pub energy_mj: u64,
    /// Die temperature, degrees Celsius.
    pub temperature_c: u32,
}

/// All GPUs read at one moment.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Reading {
    /// The GPUs that answered.
    pub gpus: Vec<GpuSample>,
    /// Critical Xid (hardware/driver) errors seen since the previous reading.
    pub xid_errors: u32,
}

/// Why GPUs cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// The NVML library is not on this machine.
    #[error("no NVIDIA driver found ({lib}): run with --simulate for a labelled simulated device")]
    NoDriver {
        /// The library looked for.
        lib: String,
    },
    /// The library is there, the kernel driver is not.
    #[error("the NVIDIA driver is not loaded ({lib} is present but the kernel module is not): check `nvidia-smi`, or run with --simulate for a labelled simulated device")]
    DriverNotLoaded {
        /// The library loaded.
        lib: String,
    },
    /// The driver refused this user.
    #[error("NVML refused access (no permission): run the agent as a user that may read the GPUs")]
    NoPermission,
    /// The driver answered but shows no GPU.
    #[error("the NVIDIA driver shows no GPU: check `nvidia-smi`")]
    NoGpus,
    /// Any other NVML failure.
    #[error("NVML failed while {doing}: {error}")]
    Nvml {
        /// What the agent was doing.
        doing: &'static str,
        /// NVML's error.
        error: String,
    },
}

/// Where readings come from.
pub enum Gpus {
    /// NVIDIA GPUs through NVML.
    Nvml(nvml::NvmlGpus),
    /// The labelled simulated device.
    Simulated(simulated::SimulatedGpus),
}

impl Gpus {
    /// Reads every GPU once.
    pub fn read(&mut self) -> Result<Reading, GpuError> {
        match self {
            Gpus::Nvml(g) => g.read(),
            Gpus::Simulated(g) => Ok(g.read()),
        }
    }

    /// True for the simulated device.
    pub fn simulated(&self) -> bool {
        matches!(self, Gpus::Simulated(_))
    }

    /// One line saying what is read.
    pub fn describe(&self) -> String {
        match self {
            Gpus::Nvml(g) => g.describe(),
            Gpus::Simulated(g) => g.describe(),
        }
    }
}

/// The telemetry payload of a reading: GPU count, mean utilisation in basis points, summed energy
/// counter, hottest GPU, Xid errors. Saturating throughout.
pub fn telemetry(reading: &Reading, simulated: bool) -> Telemetry {
    let gpus = &reading.gpus;
    let utilisation_sum: u64 =
        gpus.iter().fold(0u64, |sum, g| sum.saturating_add(u64::from(g.utilisation_pct.min(100))));
    let mean_bps =
        utilisation_sum.saturating_mul(100).checked_div(gpus.len() as u64).unwrap_or(0).min(10_000);
    let hottest = gpus.iter().map(|g| g.temperature_c).max().unwrap_or(0);
    Telemetry {
        gpus_seen: u32::try_from(gpus.len()).unwrap_or(u32::MAX),
        utilisation_bps: u16::try_from(mean_bps).unwrap_or(10_000),
        energy_mj: gpus.iter().fold(0u64, |sum, g| sum.saturating_add(g.energy_mj)),
        temperature_c: i16::try_from(hottest).unwrap_or(i16::MAX),
        xid_errors: reading.xid_errors,
        simulated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpu(utilisation_pct: u32, energy_mj: u64, temperature_c: u32) -> GpuSample {
        GpuSample { id: "GPU-test".into(), utilisation_pct, energy_mj, temperature_c }
    }

    #[test]
    fn telemetry_averages_utilisation_sums_energy_and_takes_the_hottest_gpu() {
        let reading =
            Reading { gpus: vec![gpu(50, 1_000, 60), gpu(100, 2_500, 71), gpu(75, 0, 65)], xid_errors: 2 };
        let t = telemetry(&reading, false);
        assert_eq!(
            (t.gpus_seen, t.utilisation_bps, t.energy_mj, t.temperature_c, t.xid_errors),
            (3, 7_500, 3_500, 71, 2)
        );
        assert!(!t.simulated);
    }

    #[test]
    fn energy_counters_near_the_top_saturate_instead_of_wrapping() {
        let reading = Reading {
            gpus: vec![gpu(10, u64::MAX - 5, 40), gpu(10, 100, 40), gpu(10, u64::MAX, 40)],
            xid_errors: 0,
        };
        assert_eq!(telemetry(&reading, false).energy_mj, u64::MAX);
    }

    #[test]
    fn garbage_from_the_driver_is_clamped_to_its_meaning() {
        let reading =
            Reading { gpus: vec![gpu(u32::MAX, 0, u32::MAX), gpu(u32::MAX, 0, 0)], xid_errors: u32::MAX };
        let t = telemetry(&reading, false);
        assert_eq!((t.utilisation_bps, t.temperature_c, t.xid_errors), (10_000, i16::MAX, u32::MAX));
    }

    #[test]
    fn no_gpus_reads_as_zeros_without_dividing_by_zero() {
        let t = telemetry(&Reading::default(), true);
        assert_eq!((t.gpus_seen, t.utilisation_bps, t.energy_mj, t.temperature_c), (0, 0, 0, 0));
        assert!(t.simulated);
    }
}
