//! Keys and typed access of `registry`.

use super::event::RegistryEvent;
use crate::modules::context::TxContext;
use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::title::{StatusCause, StatusChange, TitleSpec, TitleStatus, STATUS_HISTORY_MAX};
use computefi_types::{Address, Amount, AssetId, ErrorCode, Event, Hash, TitleId, TxError};
use serde::{Deserialize, Serialize};

/// An auditor's verification.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Verification {
    /// Who verified.
    pub auditor: Address,
    /// sha256 of the audit document.
    pub document_hash: Hash,
    /// Height of the verification.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
}

/// An appraisal.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Appraisal {
    /// Value in base units of the valuation currency.
    pub value: Amount,
    /// Who appraised.
    pub appraiser: Address,
    /// Date of the appraisal, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub date_ms: u64,
    /// Method.
    pub method: String,
}

/// A hardware title as stored.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Title {
    /// Id.
    pub id: TitleId,
    /// What the operator declared.
    pub spec: TitleSpec,
    /// Who runs the hardware (registers, reports status, deposits income).
    pub operator: Address,
    /// Who owns the title (the shares module account while fractionalised).
    pub holder: Address,
    /// Lifecycle state.
    pub status: TitleStatus,
    /// Auditor's verification.
    pub verification: Option<Verification>,
    /// Latest appraisal.
    pub appraisal: Option<Appraisal>,
    /// Lender the title is pledged to.
    pub lien: Option<Address>,
    /// The share token while fractionalised.
    pub locked_by: Option<AssetId>,
    /// An account allowed to deposit income besides the operator.
    pub payer: Option<Address>,
    /// Height of registration.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub registered_height: u64,
    /// Delivery record once redeemed.
    pub redemption: Option<String>,
}

/// Key of a title.
pub(super) fn title_key(id: &TitleId) -> String {
    format!("{TITLE_PREFIX}{id}")
}

/// Prefix of all titles.
pub(super) const TITLE_PREFIX: &str = "registry/title/";
/// Key of the number of titles ever registered.
pub(super) const COUNT_KEY: &str = "registry/count";

/// Key of a serial's title.
pub(super) fn serial_key(serial: &str) -> String {
    format!("registry/serial/{serial}")
}

/// Key of the live title a coinbase tag belongs to.
pub(super) fn tag_key(tag: &str) -> String {
    format!("registry/coinbase_tag/{tag}")
}

/// Key of one status change of a title (by its sequence number).
pub(super) fn status_change_key(id: &TitleId, seq: u64) -> String {
    format!("{}{seq:020}", status_history_prefix(id))
}

/// Prefix of a title's status changes.
pub(super) fn status_history_prefix(id: &TitleId) -> String {
    format!("registry/status/{id}/")
}

/// Key of the number of status changes a title has had.
fn status_count_key(id: &TitleId) -> String {
    format!("registry/status_count/{id}")
}

/// Key of the number of reservations a title holds (live capacity tokens, leases, delivery
/// contracts): the market modules keep it through [`RegistryWrite::hold_reservation`] and
/// [`RegistryWrite::end_reservation`], so the registry knows it without reading their keys.
fn reservations_key(id: &TitleId) -> String {
    format!("registry/reservations/{id}")
}

/// Key marking an approved auditor.
pub(super) fn auditor_key(who: &Address) -> String {
    format!("registry/auditor/{who}")
}

/// Reading titles.
pub trait RegistryRead: StateRead + Sized {
    /// A title, if it exists.
    fn title(&self, id: &TitleId) -> Result<Option<Title>, ExecError> {
        self.get(&title_key(id))
    }

    /// A title, or `UnknownTitle`.
    fn require_title(&self, id: &TitleId) -> Result<Title, ExecError> {
        self.title(id)?.ok_or_else(|| TxError::new(ErrorCode::UnknownTitle, format!("title {id}")).into())
    }

    /// The live title a serial backs.
    fn serial_owner(&self, serial: &str) -> Result<Option<TitleId>, ExecError> {
        self.get(&serial_key(serial))
    }

    /// How many reservations the title holds now (live capacity tokens, leases, delivery
    /// contracts); retiring or redeeming it waits until this is zero.
    fn reservation_count(&self, id: &TitleId) -> Result<u64, ExecError> {
        Ok(self.get::<u64>(&reservations_key(id))?.unwrap_or(0))
    }

    /// How many titles were ever registered: their ids are `TitleId::from_index(0 .. count)`,
    /// so end-of-block work can walk every title without listing keys.
    fn title_count(&self) -> Result<u64, ExecError> {
        Ok(self.get::<u64>(COUNT_KEY)?.unwrap_or(0))
    }

    /// Whether `who` is an approved auditor.
    fn is_auditor(&self, who: &Address) -> Result<bool, ExecError> {
        Ok(self.get_raw(&auditor_key(who))?.is_some())
    }
}
impl<T: StateRead + Sized> RegistryRead for T {}

/// Writing titles.
pub trait RegistryWrite: StateWrite + RegistryRead {
    /// Stores a title.
    fn put_title(&mut self, title: &Title) {
        self.put(title_key(&title.id), title);
    }

    /// Moves `title` to `to` for `cause`, keeps the change on the title's record (the latest
    /// [`STATUS_HISTORY_MAX`] of them), stores the title and returns the `registry.status` event;
    /// nothing when the status does not change. Evidence handlers and the registry's own acts
    /// call this; no other path writes a status.
    fn change_status(
        &mut self,
        title: &mut Title,
        to: TitleStatus,
        cause: StatusCause,
        ctx: &TxContext,
    ) -> Result<Option<Event>, ExecError> {
        let from = title.status;
        if from == to {
            return Ok(None);
        }
        let seq = self.next_in_sequence(status_count_key(&title.id))?;
        let kind = cause.kind();
        let change = StatusChange { height: ctx.height, time_ms: ctx.time_ms, from, to, cause };
        self.put(status_change_key(&title.id, seq), &change);
        if let Some(dropped) = seq.checked_sub(STATUS_HISTORY_MAX as u64) {
            self.delete(status_change_key(&title.id, dropped));
        }
        title.status = to;
        self.put_title(title);
        crate::modules::context::WriteHooks::title_changed(self, &title.id)?;
        Ok(Some(RegistryEvent::Status { title: title.id, from, status: to, cause: kind }.into()))
    }

    /// Counts one more reservation on the title (a capacity token issued, a lease or a delivery
    /// contract opened). Every call is matched by one [`RegistryWrite::end_reservation`].
    fn hold_reservation(&mut self, id: &TitleId) -> Result<(), ExecError> {
        let held = self.reservation_count(id)?;
        let next = held
            .checked_add(1)
            .ok_or_else(|| ExecError::invariant(format!("title {id}: reservation count overflows")))?;
        self.put(reservations_key(id), &next);
        Ok(())
    }

    /// Counts one reservation of the title as ended (expired, closed, completed or broken).
    fn end_reservation(&mut self, id: &TitleId) -> Result<(), ExecError> {
        let held = self.reservation_count(id)?;
        let Some(next) = held.checked_sub(1) else {
            return Err(ExecError::invariant(format!("title {id}: a reservation ended that was not held")));
        };
        if next == 0 {
            self.delete(reservations_key(id));
        } else {
            self.put(reservations_key(id), &next);
        }
        Ok(())
    }

    /// Approves an auditor.
    fn add_auditor(&mut self, who: &Address) {
        self.put(auditor_key(who), &true);
    }
}
impl<T: StateWrite + Sized> RegistryWrite for T {}

/// Grants (or, with `granted` false, revokes) the auditor role: what governance does.
pub fn set_auditor<S: StateWrite + Sized>(state: &mut S, who: &Address, granted: bool) {
    if granted {
        state.put(auditor_key(who), &true);
    } else {
        state.delete(auditor_key(who));
    }
}
