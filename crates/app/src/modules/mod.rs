//! The ledger's modules, in the order a transaction meets them: auth, bank, assets, identity,
//! compliance, registry, shares, revenue, device, oracle, amm, capacity, lease, delivery. Each has
//! the same files: `mod.rs` (what it is, its invariants), `state.rs` (its keys, used only inside
//! the module, and read/write extension traits), `exec.rs` (its message handlers), `query.rs`
//! (what the API lists) where it has listings, and `event.rs` (its typed events) where it emits
//! them.
//!
//! This file is the wiring table: the dispatch of messages to modules, the end-of-block order,
//! the modules' fixed accounts and the answers to the hooks of [`context`] ([`ReadHooks`],
//! [`WriteHooks`], [`TxHooks`]) through which a lower module lets a higher one act without
//! importing it. Calls run down the layer table of [`layers`]; its tests hold every module to it.

pub mod amm;
pub mod assets;
pub mod auth;
pub mod bank;
pub mod capacity;
pub mod compliance;
pub mod context;
pub mod delivery;
pub mod device;
#[cfg(test)]
mod events_wire_test;
pub mod identity;
pub mod layers;
pub mod lease;
pub mod oracle;
pub mod registry;
pub mod revenue;
pub mod shares;

pub use context::{Handler, ReadHooks, TxContext, TxHooks, WriteHooks};

use crate::state::{ExecError, Overlay, StateRead, StateWrite};
use computefi_types::{Address, Amount, AssetId, CapacityMsg, Event, Msg, TitleId, TxError};

impl Handler for Msg {
    fn check_stateless(&self, ctx: &TxContext) -> Result<(), TxError> {
        match self {
            Msg::Bank(m) => m.check_stateless(ctx),
            Msg::Assets(m) => m.check_stateless(ctx),
            Msg::Identity(m) => m.check_stateless(ctx),
            Msg::Compliance(m) => m.check_stateless(ctx),
            Msg::Registry(m) => m.check_stateless(ctx),
            Msg::Shares(m) => m.check_stateless(ctx),
            Msg::Revenue(m) => m.check_stateless(ctx),
            Msg::Device(m) => m.check_stateless(ctx),
            Msg::Oracle(m) => m.check_stateless(ctx),
            Msg::Amm(m) => m.check_stateless(ctx),
            Msg::Capacity(m) => m.check_stateless(ctx),
            Msg::Lease(m) => m.check_stateless(ctx),
            Msg::Delivery(m) => m.check_stateless(ctx),
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            Msg::Bank(m) => m.execute(state, ctx),
            Msg::Assets(m) => m.execute(state, ctx),
            Msg::Identity(m) => m.execute(state, ctx),
            Msg::Compliance(m) => m.execute(state, ctx),
            Msg::Registry(m) => m.execute(state, ctx),
            Msg::Shares(m) => m.execute(state, ctx),
            Msg::Revenue(m) => m.execute(state, ctx),
            Msg::Device(m) => m.execute(state, ctx),
            Msg::Oracle(m) => m.execute(state, ctx),
            Msg::Amm(m) => m.execute(state, ctx),
            // Lease and delivery redeem their own capacity (capacity calls neither).
            Msg::Capacity(CapacityMsg::RedeemGpuHours { token, gpus, hours }) => {
                lease::redeem_gpu_hours(state, ctx, token, *gpus, *hours)
            }
            Msg::Capacity(CapacityMsg::RedeemThsDay { token, amount }) => {
                delivery::redeem_ths_day(state, ctx, token, *amount)
            }
            Msg::Capacity(m) => m.execute(state, ctx),
            Msg::Lease(m) => m.execute(state, ctx),
            Msg::Delivery(m) => m.execute(state, ctx),
        }
    }
}

/// The fixed accounts of the modules (fees, share vaults, revenue, pools' liquidity shares,
/// capacity, lease and delivery escrow), marked at genesis so that nothing treats them as an
/// ordinary holder's (a controller's forced transfer, for one). Pools mark their own accounts
/// when they open.
pub fn module_accounts() -> [Address; 7] {
    [
        bank::fee_collector(),
        shares::state::module_account(),
        revenue::state::module_account(),
        amm::state::module_account(),
        capacity::state::module_account(),
        lease::state::module_account(),
        delivery::state::module_account(),
    ]
}

/// The ledger's own work at the end of every block, after its transactions, in a fixed order:
/// capacity tokens whose window ended expire, leases are accepted and stream, silent delivery
/// contracts are measured. Each step is bounded; one item that cannot be served is skipped with
/// an event, never failing the block.
pub fn end_block(state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let mut events = capacity::end_block(state, ctx)?;
    events.extend(lease::end_block(state, ctx)?);
    events.extend(delivery::end_block(state, ctx)?);
    Ok(events)
}

// The hooks (`context.rs`): a lower module asks, and the wiring answers with the higher module
// that acts. Calls run down the layer table (`layers.rs`); nothing below imports what is here.

impl<T: StateRead + Sized> ReadHooks for T {
    fn asset_required(&self, asset: &AssetId) -> Result<(), ExecError> {
        assets::AssetsRead::require_asset(self, asset).map(|_| ())
    }

    fn movement_checking(
        &self,
        asset: &AssetId,
        from: Option<&Address>,
        to: &Address,
        amount: Amount,
        now_ms: u64,
    ) -> Result<(), ExecError> {
        let movement = match from {
            Some(from) => compliance::Movement::Transfer { from },
            None => compliance::Movement::Issue,
        };
        compliance::check(self, asset, movement, to, amount, now_ms)
    }

    fn asset_moving(&self, asset: &AssetId, now_ms: u64) -> Result<(), ExecError> {
        capacity::state::require_unexpired(self, asset, now_ms)
    }
}

impl<T: StateWrite + Sized> WriteHooks for T {
    fn balance_changing(
        &mut self,
        asset: &AssetId,
        account: &Address,
        before: Amount,
    ) -> Result<(), ExecError> {
        revenue::state::settle(self, asset, account, before)
    }
}

impl TxHooks for Overlay<'_> {
    fn share_window_measured(
        &mut self,
        ctx: &TxContext,
        title: &TitleId,
        estimate_hs: u128,
        window: (u64, u64),
    ) -> Result<Vec<Event>, ExecError> {
        delivery::settle_window(self, ctx, title, estimate_hs, window)
    }
}
