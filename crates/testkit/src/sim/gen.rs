//! The generator's state and its choices: the seeded source, the world as of the last block,
//! the actors, and the helpers every generated message draws on (amounts at the edges, an
//! account, an asset it holds, a deadline). Blocks are put together in [`super::block`], from
//! messages made in [`super::msgs`].

use super::world::World;
use crate::{TestAccount, TestChain};
use computefi_app::modules::{amm, bank, capacity, delivery, lease, revenue, shares};
use computefi_types::{Address, AssetId};
use rand::rngs::StdRng;
use rand::Rng;
use std::collections::BTreeMap;

/// Amounts at the edges of `u128`, where overflow hides.
const EXTREMES: [u128; 7] = [u128::MAX, u128::MAX - 1, 1 << 127, (1 << 127) - 1, 1 << 126, 1 << 96, 1 << 64];

/// One block's generation: the world as of the last block, and the nonces planned so far.
pub(crate) struct Gen<'a> {
    /// The seeded source of every choice.
    pub rng: &'a mut StdRng,
    /// The ledger as of the last block.
    pub world: &'a World,
    /// The chain, for reads the world does not cache.
    pub chain: &'a TestChain,
    /// Every account the simulation holds keys for; the last one is never funded.
    pub actors: &'a [TestAccount],
    /// A counter for unique symbols, serials and hashes, kept across blocks.
    pub counter: &'a mut u64,
    /// Nonces planned so far in this block, per account.
    pub(super) nonces: BTreeMap<Address, u64>,
}

impl<'a> Gen<'a> {
    /// A generator for the block after `world`.
    pub fn new(
        rng: &'a mut StdRng,
        world: &'a World,
        chain: &'a TestChain,
        actors: &'a [TestAccount],
        counter: &'a mut u64,
    ) -> Gen<'a> {
        Gen { rng, world, chain, actors, counter, nonces: BTreeMap::new() }
    }

    /// True with `percent` % probability.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.rng.gen_range(0..100) < percent
    }

    /// One of `items`, if any.
    pub fn pick<'t, T>(&mut self, items: &'t [T]) -> Option<&'t T> {
        (!items.is_empty()).then(|| &items[self.rng.gen_range(0..items.len())])
    }

    /// The next value of the counter (unique across the run).
    pub fn unique(&mut self) -> u64 {
        *self.counter += 1;
        *self.counter
    }

    /// An amount around `hint` (a balance, a reserve, what is left to mint): small ones, all of
    /// it, one more than it, zero and the extremes of `u128`.
    pub fn amount(&mut self, hint: u128) -> u128 {
        match self.rng.gen_range(0..100) {
            0..=24 => self.rng.gen_range(1..=1_000),
            25..=44 => self.rng.gen_range(1..=hint.max(1)),
            45..=54 => hint,
            55..=59 => hint.saturating_add(1),
            60..=64 => hint / 2,
            65..=76 => EXTREMES[self.rng.gen_range(0..EXTREMES.len())],
            77..=80 => 0,
            _ => self.rng.gen::<u128>() >> self.rng.gen_range(0..128),
        }
    }

    /// Any account the simulation signs for (the unfunded one included).
    pub fn actor(&mut self) -> TestAccount {
        self.actors[self.rng.gen_range(0..self.actors.len())].clone()
    }

    /// A funded account.
    pub fn funded(&mut self) -> TestAccount {
        self.actors[self.rng.gen_range(0..self.actors.len() - 1)].clone()
    }

    /// Usually the account that may do what a message asks (`role`), sometimes anyone: the
    /// wrong signer.
    pub fn signer_for(&mut self, role: &Address) -> TestAccount {
        match self.actors.iter().find(|a| a.address == *role) {
            Some(a) if !self.chance(12) => a.clone(),
            _ => self.actor(),
        }
    }

    /// An address to name as a party: an account of the simulation.
    pub fn party(&mut self) -> Address {
        self.actor().address
    }

    /// Any address: an account, a module's account or a pool's account.
    pub fn anywhere(&mut self) -> Address {
        let world = self.world;
        match self.rng.gen_range(0..100) {
            0..=69 => self.party(),
            70..=84 => {
                let modules = [
                    bank::fee_collector(),
                    lease::state::module_account(),
                    delivery::state::module_account(),
                    revenue::state::module_account(),
                    shares::state::module_account(),
                    capacity::state::module_account(),
                    amm::state::module_account(),
                ];
                modules[self.rng.gen_range(0..modules.len())]
            }
            _ => match self.pick(&world.pools) {
                Some(p) => p.account,
                None => self.party(),
            },
        }
    }

    /// Any asset of the ledger, or (rarely) one that does not exist.
    pub fn asset(&mut self) -> AssetId {
        let world = self.world;
        match self.pick(&world.assets) {
            Some(a) if !self.chance(4) => a.id,
            _ => AssetId::derive(&self.party(), "NOSUCH"),
        }
    }

    /// One of `who`'s assets with its balance (usually), or any asset.
    pub fn held(&mut self, who: &Address) -> (AssetId, u128) {
        let world = self.world;
        let holdings = world.balances.get(who).map_or(&[][..], Vec::as_slice);
        match self.pick(holdings) {
            Some(h) if !self.chance(8) => *h,
            _ => {
                let asset = self.asset();
                (asset, self.world.balance(who, &asset))
            }
        }
    }

    /// What `who` holds of `asset` now.
    pub fn balance_of(&self, who: &Address, asset: &AssetId) -> u128 {
        self.chain.app().balance(who, asset).map_or(0, |a| a.0)
    }

    /// A deadline height: usually a few blocks ahead, sometimes already passed or unbounded.
    pub fn deadline(&mut self) -> u64 {
        match self.rng.gen_range(0..100) {
            0..=4 => self.world.height,
            5..=9 => u64::MAX,
            _ => self.world.height + self.rng.gen_range(1..=10),
        }
    }
}
