//! Keys, records and typed access of `green`.

use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::green::CertificateStatus;
use computefi_types::{Address, ErrorCode, PublicKey, TitleId, TxError};
use serde::{Deserialize, Serialize};

/// Hours of metered energy kept per title (a year and a day); older hours are deleted as new ones
/// are written.
pub const ENERGY_HOURS_KEPT: u64 = 8_784;

/// The last reading of one meter (a device key of a title).
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Meter {
    /// The cumulative counter, Wh.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub counter_wh: u64,
    /// Block time of the reading, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub read_ms: u64,
    /// Readings accepted.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub readings: u64,
    /// Intervals longer than an hour: their energy is recorded as a gap, in no hour.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub gaps: u64,
    /// Energy over those gaps, Wh.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub gap_wh: u64,
}

/// A bundle of granular certificates: one certificate per Wh, ids `start_id ..= end_id`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Bundle {
    /// Its id, from 0.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub id: u64,
    /// The energy carrier (`electricity`).
    pub carrier: String,
    /// The producing device: the energy site's title.
    pub site: TitleId,
    /// The site's nameplate capacity, W.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub capacity_w: u64,
    /// The site's technology (its title's model, such as `solar-pv`).
    pub technology: String,
    /// The grid zone it was produced in.
    pub zone: String,
    /// The country it was produced in.
    pub country: String,
    /// The production hour, hours since the Unix epoch.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub hour: u64,
    /// Start of the production interval (within the hour), ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub from_ms: u64,
    /// End of the production interval (within the hour): the meter reading it was issued up to,
    /// or the hour's end, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub to_ms: u64,
    /// The first certificate's id (unique per site; each site's ids are contiguous).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub start_id: u64,
    /// The last certificate's id (inclusive).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub end_id: u64,
    /// Block time of issuance, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub issued_ms: u64,
    /// Who issued it (the site's holder).
    pub issuer: Address,
    /// Whether the energy came out of storage (never, for energy metered at generation).
    pub storage: bool,
    /// Who holds it.
    pub holder: Address,
    /// Where it stands.
    pub status: CertificateStatus,
    /// Block time after which it can no longer be used, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub expires_ms: u64,
    /// Once cancelled: the consuming title it was cancelled for.
    pub beneficiary: Option<TitleId>,
}

impl Bundle {
    /// Certificates (Wh) in it: `end − start + 1`.
    pub fn quantity(&self) -> u64 {
        self.end_id.saturating_sub(self.start_id).saturating_add(1)
    }
}

/// What has been issued of one site's hour: its production intervals run back to back from the
/// hour's start up to `to_ms`.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Issued {
    /// Certificates issued for the hour so far, Wh.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub wh: u64,
    /// End of the last interval issued, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub to_ms: u64,
    /// The last bundle issued for the hour.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub bundle: u64,
}

fn meter_key(title: &TitleId, key: &PublicKey) -> String {
    format!("green/meter/{title}/{}", hex::encode(key.0))
}

fn energy_key(title: &TitleId, hour: u64) -> String {
    format!("green/energy/{title}/{hour:020}")
}

fn certified_key(title: &TitleId, hour: u64) -> String {
    format!("green/certified/{title}/{hour:020}")
}

fn intensity_key(zone: &str, hour: u64) -> String {
    format!("green/intensity/{zone}/{hour:020}")
}

fn bundle_key(id: u64) -> String {
    format!("green/bundle/{id:020}")
}

fn issued_key(site: &TitleId, hour: u64) -> String {
    format!("green/issued/{site}/{hour:020}")
}

fn next_id_key(site: &TitleId) -> String {
    format!("green/next_id/{site}")
}

pub(super) const BUNDLE_COUNT_KEY: &str = "green/bundle_count";

/// Reading `green`.
pub trait GreenRead: StateRead + Sized {
    /// A meter's last reading.
    fn meter(&self, title: &TitleId, key: &PublicKey) -> Result<Option<Meter>, ExecError> {
        self.get(&meter_key(title, key))
    }

    /// Energy a title's meters measured in `hour` (generated by an energy site, consumed by a
    /// GPU or ASIC title), Wh.
    fn energy_wh(&self, title: &TitleId, hour: u64) -> Result<u64, ExecError> {
        Ok(self.get(&energy_key(title, hour))?.unwrap_or(0))
    }

    /// Certificates cancelled for a title's consumption in `hour`, Wh.
    fn certified_wh(&self, title: &TitleId, hour: u64) -> Result<u64, ExecError> {
        Ok(self.get(&certified_key(title, hour))?.unwrap_or(0))
    }

    /// The carbon intensity recorded for a zone's hour, µg CO2e per kWh: its feed's value when a
    /// meter of the zone first counted energy in that hour.
    fn intensity_ug_kwh(&self, zone: &str, hour: u64) -> Result<Option<u128>, ExecError> {
        if zone.is_empty() {
            return Ok(None);
        }
        self.get(&intensity_key(zone, hour))
    }

    /// A certificate bundle, if it exists.
    fn bundle(&self, id: u64) -> Result<Option<Bundle>, ExecError> {
        self.get(&bundle_key(id))
    }

    /// A bundle, or `unknown_bundle`.
    fn require_bundle(&self, id: u64) -> Result<Bundle, ExecError> {
        self.bundle(id)?.ok_or_else(|| TxError::new(ErrorCode::UnknownBundle, format!("bundle {id}")).into())
    }

    /// How many bundles exist (ids `0 .. count`).
    fn bundle_count(&self) -> Result<u64, ExecError> {
        Ok(self.get(BUNDLE_COUNT_KEY)?.unwrap_or(0))
    }

    /// What has been issued of a site's hour, if anything.
    fn issued(&self, site: &TitleId, hour: u64) -> Result<Option<Issued>, ExecError> {
        self.get(&issued_key(site, hour))
    }

    /// The next certificate id of a site (1 before its first issuance).
    fn next_certificate_id(&self, site: &TitleId) -> Result<u64, ExecError> {
        Ok(self.get(&next_id_key(site))?.unwrap_or(1))
    }
}
impl<T: StateRead + Sized> GreenRead for T {}

/// Writing `green` (the module's own code only).
pub(super) trait GreenWrite: StateWrite + Sized {
    fn put_meter(&mut self, title: &TitleId, key: &PublicKey, meter: &Meter) {
        self.put(meter_key(title, key), meter);
    }

    /// Adds `wh` to a title's energy of `hour`, and deletes the hour that falls out of the kept
    /// span.
    fn add_energy(&mut self, title: &TitleId, hour: u64, wh: u64) -> Result<(), ExecError> {
        if wh == 0 {
            return Ok(());
        }
        let now = self.energy_wh(title, hour)?;
        let next = now
            .checked_add(wh)
            .ok_or_else(|| ExecError::invariant(format!("title {title}: an hour's energy overflows")))?;
        self.put(energy_key(title, hour), &next);
        if let Some(old) = hour.checked_sub(ENERGY_HOURS_KEPT) {
            self.delete(energy_key(title, old));
        }
        Ok(())
    }

    /// Records a zone's intensity of `hour`, and deletes the hour that falls out of the kept span.
    fn put_intensity(&mut self, zone: &str, hour: u64, intensity_ug_kwh: u128) {
        self.put(intensity_key(zone, hour), &intensity_ug_kwh);
        if let Some(old) = hour.checked_sub(ENERGY_HOURS_KEPT) {
            self.delete(intensity_key(zone, old));
        }
    }

    fn add_certified(&mut self, title: &TitleId, hour: u64, wh: u64) -> Result<(), ExecError> {
        let now = self.certified_wh(title, hour)?;
        let next = now
            .checked_add(wh)
            .ok_or_else(|| ExecError::invariant(format!("title {title}: an hour's certificates overflow")))?;
        self.put(certified_key(title, hour), &next);
        Ok(())
    }

    fn put_bundle(&mut self, bundle: &Bundle) {
        self.put(bundle_key(bundle.id), bundle);
    }

    fn put_issued(&mut self, site: &TitleId, hour: u64, issued: &Issued) {
        self.put(issued_key(site, hour), issued);
    }

    fn put_next_certificate_id(&mut self, site: &TitleId, next: u64) {
        self.put(next_id_key(site), &next);
    }
}
impl<T: StateWrite + Sized> GreenWrite for T {}
