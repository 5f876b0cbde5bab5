//! What every module builds on, below all of them: the transaction context a handler runs in,
//! the two-step [`Handler`], the [`Component`] every module implements once, and the hook traits
//! through which a lower module lets a higher one act without importing it (answered in the
//! wiring table, `modules/mod.rs`).

use crate::genesis::Genesis;
use crate::params::Params;
use crate::state::{ExecError, Overlay};
use computefi_types::{Address, Amount, AssetId, Event, Hash, TitleId, TxError};

/// What a message handler knows about the transaction it runs in.
#[derive(Clone, Debug)]
pub struct TxContext {
    /// The signer's account.
    pub sender: Address,
    /// Height of the block being executed.
    pub height: u64,
    /// Block time from the header, in ms.
    pub time_ms: u64,
    /// Hash of the previous block (seeds challenges; fixed before the block is built).
    pub prev_block: Hash,
    /// The chain parameters, read once from the state when the app opens (only genesis writes
    /// them; a store without them is damaged and does not open), so no handler reads them.
    /// Shared by every transaction of a block.
    pub params: std::sync::Arc<Params>,
}

/// A message handler in two steps, so cheap checks run before any state is touched.
pub trait Handler {
    /// Checks that need no state (sizes, zero amounts, formats).
    fn check_stateless(&self, ctx: &TxContext) -> Result<(), TxError>;
    /// Checks against state and applies the change to `state`; on error the caller drops
    /// `state` and nothing is kept.
    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError>;
}

/// A module as the app sees it, implemented once per module by a unit struct in its `mod.rs`
/// (`bank::BankModule`, …) and listed in the wiring table's `COMPONENTS` (`modules/mod.rs`), whose
/// order is the genesis order and the end-of-block order (part of the state roots). Every method
/// does nothing unless the module says otherwise.
///
/// Message execution is the module's `impl Handler for <Name>Msg` (its `exec.rs`), dispatched by
/// the wiring table's `impl Handler for Msg`; queries are the module's `query.rs` functions, read
/// by the API through `StateScan` and `StateRead`. Neither needs state of the component.
pub trait Component {
    /// The module's name, as in the layer table.
    fn name(&self) -> &'static str;

    /// The module's own fixed account (escrow, unclaimed income, the issuer of its tokens), if
    /// it has one: the wiring marks it as a module's own at genesis, so that nothing treats it
    /// as an ordinary holder's (a controller's forced transfer, for one).
    fn module_account(&self) -> Option<Address> {
        None
    }

    /// Writes the module's part of `genesis` (after the app's chain id, parameters and
    /// validators). The writes go to the genesis overlay; only their values count, not their order.
    fn init_genesis(&self, _state: &mut Overlay<'_>, _genesis: &Genesis) -> Result<(), ExecError> {
        Ok(())
    }

    /// The module's work at the end of every block, after its transactions: bounded, and an item
    /// that cannot be served is skipped with an event, never failing the block.
    fn end_block(&self, _state: &mut Overlay<'_>, _ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        Ok(Vec::new())
    }
}

/// Hooks on any state that reads: what a lower module asks before it acts. The wiring table
/// (`modules/mod.rs`) answers them for every state.
pub trait ReadHooks {
    /// Before a send of `asset` (`bank`): `assets` refuses an asset that does not exist.
    fn asset_required(&self, asset: &AssetId) -> Result<(), ExecError>;
    /// Before `amount` of `asset` moves from `from` (`None`: newly minted, by `assets`) to `to`
    /// at block time `now_ms` (`bank`, `assets`): `compliance` checks freezes, holder limits and
    /// claim requirements.
    fn movement_checking(
        &self,
        asset: &AssetId,
        from: Option<&Address>,
        to: &Address,
        amount: Amount,
        now_ms: u64,
    ) -> Result<(), ExecError>;
    /// Before `asset` moves at block time `now_ms` (`compliance`): `capacity` refuses a capacity
    /// token whose window has ended.
    fn asset_moving(&self, asset: &AssetId, now_ms: u64) -> Result<(), ExecError>;
    /// The window `(start_ms, end_ms)` of an asset whose value runs out at `end_ms` (`amm`: a
    /// pool holding one is time-aware): `capacity` answers for its tokens (their window),
    /// `passes` for its series (first lock to expiry); `None` for every other asset.
    fn expiring_window(&self, asset: &AssetId) -> Result<Option<(u64, u64)>, ExecError>;
}

/// Hooks on any state that writes. The wiring table answers them for every state.
pub trait WriteHooks {
    /// Before `account`'s balance of `asset` changes from `before` to `after` (`bank`):
    /// `revenue` settles the income earned on the old balance, so income earned before a transfer
    /// stays with it, and keeps the sum of shares that modules' accounts hold (they earn none).
    fn balance_changing(
        &mut self,
        asset: &AssetId,
        account: &Address,
        before: Amount,
        after: Amount,
    ) -> Result<(), ExecError>;

    /// After a title's status or appraisal changed (`registry`) or it entered a vault
    /// (`shares`): `valuation` values it again at the end of the block and publishes its vault's
    /// NAV, so the value for lending follows the status and a new share token has a NAV.
    fn title_changed(&mut self, title: &TitleId) -> Result<(), ExecError>;
}

/// Hooks on a transaction's overlay. The wiring table answers them.
pub trait TxHooks {
    /// A title's hashrate window `(start_ms, end_ms)` was measured at `estimate_hs` (`device`):
    /// `delivery` pays or penalises the title's running contract for that window.
    fn share_window_measured(
        &mut self,
        ctx: &TxContext,
        title: &TitleId,
        estimate_hs: u128,
        window: (u64, u64),
    ) -> Result<Vec<Event>, ExecError>;

    /// An auction that `seller` (a module's account) started under its `reference` has settled
    /// (`auctions`): sold, with the price (`Some`) paid to the seller, or unsold (`None`), the
    /// lot back with the seller. `loans` shares out a liquidated loan's proceeds or collateral by
    /// its waterfall.
    fn auction_settled(
        &mut self,
        ctx: &TxContext,
        seller: &Address,
        reference: u64,
        proceeds: Option<Amount>,
    ) -> Result<Vec<Event>, ExecError>;

    /// Income is about to be paid to the holders of the share token `shares` (`revenue`: a
    /// deposit, or a lease's or contract's payment): `passes` first releases the series of
    /// `shares` whose expiry has passed, so income paid at or after a series' expiry goes to the
    /// lockers' returned shares, never to the passes.
    fn income_arriving(&mut self, ctx: &TxContext, shares: &AssetId) -> Result<Vec<Event>, ExecError>;
}
