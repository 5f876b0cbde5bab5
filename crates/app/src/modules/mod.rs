//! The ledger's modules, in the order a transaction meets them: auth, bank, assets, identity,
//! compliance, registry, shares, revenue, device, oracle, amm, capacity, lease, delivery, then
//! valuation (no messages: it works at the end of blocks), then loans and auctions. Each has the same files: `mod.rs` (what it is, its invariants,
//! and its [`Component`]: genesis and end-of-block work), `state.rs` (its keys, used only inside
//! the module, and read/write extension traits), `exec.rs` (its message handlers), `query.rs`
//! (what the API lists) where it has listings, and `event.rs` (its typed events) where it emits
//! them.
//!
//! This file is the wiring table: the dispatch of messages to modules, the one table of the
//! modules as components ([`COMPONENTS`]: the genesis order and the end-of-block order) and the
//! answers to the hooks of [`context`] ([`ReadHooks`], [`WriteHooks`], [`TxHooks`]) through
//! which a lower module lets a higher one act without importing it. Calls run down the layer
//! table of [`layers`]; its tests hold every module to it.

pub mod amm;
pub mod assets;
pub mod auctions;
pub mod auth;
pub mod bank;
pub mod capacity;
pub mod carbon;
pub mod compliance;
pub mod context;
pub mod delivery;
pub mod device;
#[cfg(test)]
mod events_wire_test;
pub mod gov;
pub mod green;
pub mod identity;
pub mod layers;
pub mod lease;
pub mod loans;
pub mod oracle;
pub mod passes;
pub mod registry;
pub mod reserve;
pub mod revenue;
pub mod shares;
pub mod valuation;
pub mod vault;

pub use context::{Component, Handler, ReadHooks, TxContext, TxHooks, WriteHooks};

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
            Msg::Loans(m) => m.check_stateless(ctx),
            Msg::Auctions(m) => m.check_stateless(ctx),
            Msg::Reserve(m) => m.check_stateless(ctx),
            Msg::Vault(m) => m.check_stateless(ctx),
            Msg::Green(m) => m.check_stateless(ctx),
            Msg::Carbon(m) => m.check_stateless(ctx),
            Msg::Gov(m) => m.check_stateless(ctx),
            Msg::Passes(m) => m.check_stateless(ctx),
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
            Msg::Loans(m) => m.execute(state, ctx),
            Msg::Auctions(m) => m.execute(state, ctx),
            Msg::Reserve(m) => m.execute(state, ctx),
            Msg::Vault(m) => m.execute(state, ctx),
            Msg::Green(m) => m.execute(state, ctx),
            Msg::Carbon(m) => m.execute(state, ctx),
            Msg::Gov(m) => m.execute(state, ctx),
            Msg::Passes(m) => m.execute(state, ctx),
        }
    }
}

/// The modules as components, in the one order the app uses them: genesis writes each module's
/// part in this order ([`init_genesis`]) and the end of every block runs each module's work in
/// this order ([`end_block`]; the order is part of the state roots). Every module has its entry.
pub const COMPONENTS: &[&dyn Component] = &[
    &auth::AuthModule,
    &bank::BankModule,
    &assets::AssetsModule,
    &identity::IdentityModule,
    &compliance::ComplianceModule,
    &registry::RegistryModule,
    &shares::SharesModule,
    &revenue::RevenueModule,
    &device::DeviceModule,
    &green::GreenModule,
    &oracle::OracleModule,
    &amm::AmmModule,
    &capacity::CapacityModule,
    &lease::LeaseModule,
    &delivery::DeliveryModule,
    &carbon::CarbonModule,
    &valuation::ValuationModule,
    &loans::LoansModule,
    &auctions::AuctionsModule,
    &reserve::ReserveModule,
    &vault::VaultModule,
    &passes::PassesModule,
    &gov::GovModule,
];

/// Writes every module's part of `genesis`, in the order of [`COMPONENTS`]: claim issuers
/// (`identity`), auditors (`registry`), oracle feeds (`oracle`), the modules' fixed accounts
/// (`bank`'s fee collector and each module's own), the native balances (`bank`) and the native
/// asset (`assets`). The app writes the chain id, parameters and validators first.
pub fn init_genesis(state: &mut Overlay<'_>, genesis: &crate::genesis::Genesis) -> Result<(), ExecError> {
    for component in COMPONENTS {
        if let Some(account) = component.module_account() {
            bank::BankWrite::mark_module_account(state, &account);
        }
        component.init_genesis(state, genesis)?;
    }
    Ok(())
}

/// The ledger's own work at the end of every block, after its transactions, in the order of
/// [`COMPONENTS`]: capacity tokens whose window ended expire, leases are accepted and stream,
/// silent delivery contracts are measured. Each step is bounded; one item that cannot be served
/// is skipped with an event, never failing the block.
pub fn end_block(state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let mut events = Vec::new();
    for component in COMPONENTS {
        events.extend(component.end_block(state, ctx)?);
    }
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

    fn expiring_window(&self, asset: &AssetId) -> Result<Option<(u64, u64)>, ExecError> {
        if let Some(token) = capacity::CapacityRead::capacity_token(self, asset)? {
            return Ok(Some((token.start_ms, token.end_ms)));
        }
        Ok(passes::PassesRead::pass_series(self, asset)?.map(|s| (s.start_ms, s.expiry_ms)))
    }
}

impl<T: StateWrite + Sized> WriteHooks for T {
    fn balance_changing(
        &mut self,
        asset: &AssetId,
        account: &Address,
        before: Amount,
        after: Amount,
    ) -> Result<(), ExecError> {
        // CFI is neither a vault's share token nor a pass series (both are ids derived from a
        // module's account), so a change of a CFI balance settles no income: every fee and
        // transfer of CFI skips the two reads that would find nothing.
        if *asset == AssetId::native() {
            return Ok(());
        }
        revenue::state::settle(self, asset, account, before, after)?;
        passes::state::settle(self, asset, account, before, after)
    }

    fn title_changed(&mut self, title: &TitleId) -> Result<(), ExecError> {
        valuation::mark_due(self, title)
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

    fn auction_settled(
        &mut self,
        ctx: &TxContext,
        seller: &Address,
        reference: u64,
        proceeds: Option<Amount>,
    ) -> Result<Vec<Event>, ExecError> {
        if *seller == loans::module_account() {
            return loans::liquidation::settled(self, ctx, reference, proceeds);
        }
        Err(ExecError::invariant(format!("an auction settled for {seller}, which sells nothing")))
    }

    fn income_arriving(&mut self, ctx: &TxContext, shares: &AssetId) -> Result<Vec<Event>, ExecError> {
        passes::exec::release_due(self, ctx, shares)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_of_the_layer_table_is_one_component() {
        let mut components: Vec<&str> = COMPONENTS.iter().map(|c| c.name()).collect();
        let mut modules: Vec<&str> = layers::modules().collect();
        components.sort_unstable();
        modules.sort_unstable();
        assert_eq!(components, modules, "COMPONENTS lists every module of LAYERS once");
    }

    #[test]
    fn end_of_block_work_runs_capacity_then_lease_then_delivery() {
        let at = |m: &str| COMPONENTS.iter().position(|c| c.name() == m).expect("listed");
        assert!(at("capacity") < at("lease"), "the end-of-block order is part of the roots");
        assert!(at("lease") < at("delivery"), "the end-of-block order is part of the roots");
    }
}
