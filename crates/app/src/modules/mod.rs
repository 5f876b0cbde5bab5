//! The ledger's modules, in the order a transaction meets them: auth, bank, assets, identity,
//! compliance, registry, shares, revenue, device, oracle, amm, capacity, lease, delivery. Each has
//! the same files: `mod.rs` (what it is, its invariants), `state.rs` (its keys, used only inside
//! the module, and read/write extension traits), `exec.rs` (its message handlers), `query.rs`
//! (what the API lists) where it has listings, and `event.rs` (its typed events) where it emits
//! them.
//!
//! This file is the wiring table: the dispatch of messages to modules, the end-of-block order,
//! the modules' fixed accounts and the [`HOOKS`] through which a lower module lets a higher one
//! act. Calls run down the layer table of [`layers`]; its tests hold every module to it.

pub mod amm;
pub mod assets;
pub mod auth;
pub mod bank;
pub mod capacity;
pub mod compliance;
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

use crate::genesis::Params;
use crate::state::{DynRead, DynState, ExecError, Overlay, StateRead, StateWrite};
use computefi_types::{Address, Amount, AssetId, CapacityMsg, Event, Hash, Msg, TitleId, TxError};

/// What a message handler knows about the transaction it runs in.
#[derive(Clone, Debug)]
pub struct TxContext {
    /// The signer's account.
    pub sender: Address,
    /// Height of the block being executed.
    pub height: u64,
    /// Block time from the header, in ms.
    pub time_ms: u64,
    /// Hash of the transaction.
    pub tx_hash: Hash,
    /// Hash of the previous block (seeds challenges; fixed before the block is built).
    pub prev_block: Hash,
    /// The chain parameters, read once from the state when the app opens (only genesis writes
    /// them; a store without them is damaged and does not open), so no handler reads them.
    pub params: Params,
}

/// A message handler in two steps, so cheap checks run before any state is touched.
pub trait Handler {
    /// Checks that need no state (sizes, zero amounts, formats).
    fn check_stateless(&self, ctx: &TxContext) -> Result<(), TxError>;
    /// Checks against state and applies the change to `state`; on error the caller drops
    /// `state` and nothing is kept.
    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError>;
}

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

/// What a lower module lets a higher one do without importing it (calls run down the layer
/// table, `layers.rs`): the lower module calls the hook, and the wiring below says who answers.
pub struct Hooks {
    /// Before a send of `asset` (`bank`): `assets` refuses an asset that does not exist.
    pub asset_required: fn(&dyn StateRead, &AssetId) -> Result<(), ExecError>,
    /// Before `amount` of `asset` moves from `from` (`None`: newly minted, by `assets`) to `to`
    /// at a block time (`bank`, `assets`): `compliance` checks freezes, holder limits and claim
    /// requirements.
    pub movement_checking: MovementCheck,
    /// Before a balance of `asset` changes from `before` (`bank`): `revenue` settles the income
    /// the holder earned on the old balance, so income earned before a transfer stays with it.
    pub balance_changing: fn(&mut dyn StateWrite, &AssetId, &Address, Amount) -> Result<(), ExecError>,
    /// Before `asset` moves at a block time (`compliance`): `capacity` refuses a capacity token
    /// whose window has ended.
    pub asset_moving: fn(&dyn StateRead, &AssetId, u64) -> Result<(), ExecError>,
    /// A title's hashrate window `(start, end)` was measured at an estimate in H/s (`device`):
    /// `delivery` pays or penalises the title's running contract for that window.
    pub share_window_measured: ShareWindowMeasured,
}

/// The `movement_checking` hook: `(state, asset, from (None: minted), to, amount, now_ms)`.
pub type MovementCheck =
    fn(&dyn StateRead, &AssetId, Option<&Address>, &Address, Amount, u64) -> Result<(), ExecError>;

/// The `share_window_measured` hook: `(state, ctx, title, estimate_hs, (start_ms, end_ms))`.
pub type ShareWindowMeasured =
    fn(&mut Overlay<'_>, &TxContext, &TitleId, u128, (u64, u64)) -> Result<Vec<Event>, ExecError>;

/// The hooks of this ledger.
pub static HOOKS: Hooks = Hooks {
    asset_required: require_asset,
    movement_checking: check_movement,
    balance_changing: settle_income,
    asset_moving: refuse_expired_capacity,
    share_window_measured: delivery::settle_window,
};

fn settle_income(
    state: &mut dyn StateWrite,
    asset: &AssetId,
    account: &Address,
    before: Amount,
) -> Result<(), ExecError> {
    revenue::state::settle(&mut DynState(state), asset, account, before)
}

fn refuse_expired_capacity(state: &dyn StateRead, asset: &AssetId, now_ms: u64) -> Result<(), ExecError> {
    capacity::state::require_unexpired(&DynRead(state), asset, now_ms)
}

fn require_asset(state: &dyn StateRead, asset: &AssetId) -> Result<(), ExecError> {
    assets::AssetsRead::require_asset(&DynRead(state), asset).map(|_| ())
}

fn check_movement(
    state: &dyn StateRead,
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
    compliance::check(&DynRead(state), asset, movement, to, amount, now_ms)
}
