//! NVIDIA GPUs through NVML (`nvml-wrapper`). The library (`libnvidia-ml.so.1`) is opened at run
//! time, so the agent builds and starts on machines without a GPU and says so clearly.
//!
//! Energy is NVML's total energy counter (mJ since the driver loaded), not a sum of power samples:
//! on A100/H100 the power sensor samples only part of the time; the agent's meter
//! ([`crate::meter`]) follows each GPU's counter by its UUID and reports the sum in Wh. Critical
//! Xid errors arrive as NVML events and are counted between readings.

use super::{GpuError, GpuSample, Reading};
use nvml_wrapper::bitmasks::event::EventTypes;
use nvml_wrapper::enum_wrappers::device::TemperatureSensor;
use nvml_wrapper::error::NvmlError;
use nvml_wrapper::{EventSet, Nvml};
use std::ffi::OsStr;

/// The library NVML is loaded from unless `--nvml-lib` says otherwise.
pub const NVML_LIB: &str = "libnvidia-ml.so.1";
/// Most Xid events drained per reading (each wait returns one).
const XID_EVENTS_PER_READING_MAX: u32 = 1_024;

/// The GPUs of this machine.
pub struct NvmlGpus {
    nvml: &'static Nvml,
    events: Option<EventSet<'static>>,
    count: u32,
    names: Vec<String>,
    /// Each GPU's UUID (or `index-N` when the driver does not say), by index.
    ids: Vec<String>,
}

fn nvml_error(doing: &'static str) -> impl Fn(NvmlError) -> GpuError {
    move |e| match e {
        NvmlError::NoPermission => GpuError::NoPermission,
        e => GpuError::Nvml { doing, error: e.to_string() },
    }
}

impl NvmlGpus {
    /// Loads NVML from `lib` and finds the GPUs.
    pub fn open(lib: &str) -> Result<NvmlGpus, GpuError> {
        let nvml = Nvml::builder().lib_path(OsStr::new(lib)).init().map_err(|e| match e {
            NvmlError::LibloadingError(_) | NvmlError::FailedToLoadSymbol(_) | NvmlError::LibraryNotFound => {
                GpuError::NoDriver { lib: lib.to_string() }
            }
            NvmlError::DriverNotLoaded => GpuError::DriverNotLoaded { lib: lib.to_string() },
            e => nvml_error("starting NVML")(e),
        })?;
        // NVML is initialised once per process and lives as long as it; leaking it lets the
        // event set (which borrows it) live in the same struct.
        let nvml: &'static Nvml = Box::leak(Box::new(nvml));
        let count = nvml.device_count().map_err(nvml_error("counting GPUs"))?;
        if count == 0 {
            return Err(GpuError::NoGpus);
        }
        let names = (0..count)
            .map(|i| nvml.device_by_index(i).and_then(|d| d.name()).unwrap_or_else(|_| "unknown GPU".into()))
            .collect();
        let ids = (0..count)
            .map(|i| nvml.device_by_index(i).and_then(|d| d.uuid()).unwrap_or_else(|_| format!("index-{i}")))
            .collect();
        let events = register_xid_events(nvml, count);
        Ok(NvmlGpus { nvml, events, count, names, ids })
    }

    /// One line naming the GPUs.
    pub fn describe(&self) -> String {
        format!("{} NVIDIA GPU(s) through NVML: {}", self.count, self.names.join(", "))
    }

    /// Reads every GPU; a GPU that does not answer is left out (`gpus_seen` drops).
    pub fn read(&mut self) -> Result<Reading, GpuError> {
        let mut gpus = Vec::with_capacity(self.count as usize);
        for index in 0..self.count {
            match self.read_one(index) {
                Ok(sample) => gpus.push(sample),
                Err(e) => {
                    tracing::warn!(gpu = index, "GPU did not answer and is left out of this report: {e}")
                }
            }
        }
        Ok(Reading { gpus, xid_errors: self.drain_xid_events() })
    }

    fn read_one(&self, index: u32) -> Result<GpuSample, NvmlError> {
        let device = self.nvml.device_by_index(index)?;
        let utilisation_pct = device.utilization_rates()?.gpu;
        // Pre-Volta GPUs have no energy counter; they report 0 rather than an invented figure.
        let energy_mj = match device.total_energy_consumption() {
            Err(NvmlError::NotSupported) => 0,
            other => other?,
        };
        let temperature_c = device.temperature(TemperatureSensor::Gpu)?;
        let id = self.ids.get(index as usize).cloned().unwrap_or_else(|| format!("index-{index}"));
        Ok(GpuSample { id, utilisation_pct, energy_mj, temperature_c })
    }

    fn drain_xid_events(&self) -> u32 {
        let Some(set) = &self.events else { return 0 };
        let mut xids = 0u32;
        for _ in 0..XID_EVENTS_PER_READING_MAX {
            match set.wait(0) {
                Ok(event) if event.event_type.contains(EventTypes::CRITICAL_XID_ERROR) => {
                    tracing::warn!(xid = ?event.event_data, "critical Xid error reported by the driver");
                    xids = xids.saturating_add(1);
                }
                Ok(_) => {}
                Err(NvmlError::Timeout) => break,
                Err(e) => {
                    tracing::warn!("reading Xid events failed: {e}");
                    break;
                }
            }
        }
        xids
    }
}

/// An event set with every GPU that supports critical Xid events, or `None` (then Xid errors
/// read as 0 and a warning says so).
fn register_xid_events(nvml: &'static Nvml, count: u32) -> Option<EventSet<'static>> {
    let mut set = Some(nvml.create_event_set().ok()?);
    for index in 0..count {
        let Ok(device) = nvml.device_by_index(index) else { continue };
        let supported = device.supported_event_types().map(|t| t.contains(EventTypes::CRITICAL_XID_ERROR));
        if !matches!(supported, Ok(true)) {
            tracing::warn!(gpu = index, "this GPU does not report Xid events; its Xid errors read as 0");
            continue;
        }
        let Some(current) = set.take() else { break };
        match device.register_events(EventTypes::CRITICAL_XID_ERROR, current) {
            Ok(s) => set = Some(s),
            // A failed registration frees the set; start a fresh one for the other GPUs.
            Err(e) => {
                tracing::warn!(gpu = index, "cannot watch Xid events: {e}");
                set = nvml.create_event_set().ok();
            }
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_library_is_reported_with_its_name_and_the_simulate_hint() {
        let err = NvmlGpus::open("/nonexistent/libnvidia-ml.so.1").err().expect("no such library");
        assert!(matches!(err, GpuError::NoDriver { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "no NVIDIA driver found (/nonexistent/libnvidia-ml.so.1): run with --simulate for a labelled simulated device"
        );
    }

    /// On a machine with NVIDIA GPUs: `cargo test -p computefi-agent -- --ignored`.
    #[test]
    #[ignore = "needs NVIDIA GPUs and their driver"]
    fn on_a_gpu_machine_the_meter_follows_each_gpus_nvml_energy_counter_by_uuid() {
        let mut gpus = NvmlGpus::open(NVML_LIB).expect("NVML opens on a GPU machine");
        let first = gpus.read().unwrap();
        assert!(!first.gpus.is_empty());
        assert!(first.gpus.iter().all(|g| g.id.starts_with("GPU-")), "NVML UUIDs: {first:?}");
        let mut meter = crate::meter::Meter::default();
        meter.observe(&first);
        let summed = first.gpus.iter().map(|g| g.energy_mj).sum::<u64>();
        assert_eq!(meter.total_mj, summed, "a fresh meter starts at the summed counters");
        std::thread::sleep(std::time::Duration::from_secs(2));
        let second = gpus.read().unwrap();
        meter.observe(&second);
        let rises = first.gpus.iter().zip(&second.gpus).map(|(a, b)| b.energy_mj.saturating_sub(a.energy_mj));
        assert_eq!(meter.total_mj, summed + rises.sum::<u64>(), "each GPU adds its rise");
    }
}
