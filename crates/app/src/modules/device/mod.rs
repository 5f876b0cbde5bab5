//! `device`: signed reports of the devices behind titles. A report is accepted only from a device
//! key listed on the title, inside its block-height window, with the next sequence number (gaps up
//! to [`state::SEQUENCE_GAP_MAX`]) and chained to the key's previous envelope. A second, different
//! envelope with an already used sequence number is recorded as equivocation evidence against the
//! title.
//!
//! # Invariants
//! - A key's accepted sequence numbers strictly increase and its envelopes form a hash chain.
//! - Evidence is only ever added, never removed.

pub mod attestation;
pub mod challenge;
pub mod event;
pub mod exec;
pub mod hashrate;
pub mod query;
pub mod roster;
pub mod state;
pub use state::{DeviceRead, Evidence, LastReport};

/// The parameters of `device` that governance may change, with their bounds.
pub const GOVERNABLE: &[crate::params::ParamBound] = {
    use crate::params::bound;
    &[
        bound("hashrate_window_ms", 60_000, 7 * 86_400_000, "ms"),
        bound("challenge_answer_blocks", 1, 10_000, "blocks"),
        bound("challenge_open_blocks", 1, 10_000, "blocks"),
        bound("shares_offline_ms", 60_000, 30 * 86_400_000, "ms"),
        bound("challenge_rows_opened", 1, 64, "rows"),
        bound("auto_challenge_interval_blocks", 0, 10_000_000, "blocks"),
        bound("challenge_failures_offline", 1, 100, "challenges"),
        bound("attestation_period_ms", 60_000, 365 * 86_400_000, "ms"),
        bound("hashrate_active_bps", 0, 10_000, "bps"),
        bound("allow_simulated_devices", 0, 1, "flag"),
    ]
};

/// `device` as a component of the wiring table: at genesis it checks the challenge parameters
/// ([`challenge::check_params`]); at the end of every block, the
/// challenge work ([`challenge::end_block`]: rows chosen for commitments of earlier blocks,
/// deadlines passed, the ledger's own challenges).
pub struct DeviceModule;

impl crate::modules::context::Component for DeviceModule {
    fn name(&self) -> &'static str {
        "device"
    }

    fn init_genesis(
        &self,
        _state: &mut crate::state::Overlay<'_>,
        genesis: &crate::genesis::Genesis,
    ) -> Result<(), crate::state::ExecError> {
        challenge::check_params(&genesis.params).map_err(|e| {
            crate::state::refuse(computefi_types::ErrorCode::InvalidPayload, format!("genesis params: {e}"))
        })
    }

    fn end_block(
        &self,
        state: &mut crate::state::Overlay<'_>,
        ctx: &crate::modules::context::TxContext,
    ) -> Result<Vec<computefi_types::Event>, crate::state::ExecError> {
        let mut events = Vec::new();
        events.extend(challenge::end_block(state, ctx)?);
        events.extend(attestation::end_block(state, ctx)?);
        Ok(events)
    }
}
