//! Events of `assets`: what happened, typed. `From<AssetsEvent> for Event` is the one place they
//! become wire events (kind and attributes in a fixed order).

use super::AssetInfo;
use computefi_types::{Address, Amount, AssetId, Event};

/// Something `assets` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssetsEvent {
    /// `assets.created`: a new asset, with no supply yet.
    Created(AssetInfo),
    /// `assets.minted`: new units issued to an account.
    Minted {
        /// The asset.
        asset: AssetId,
        /// Who received them.
        to: Address,
        /// How many.
        amount: Amount,
        /// Supply after.
        supply: Amount,
    },
    /// `assets.burned`: units destroyed from an account.
    Burned {
        /// The asset.
        asset: AssetId,
        /// Whose units.
        from: Address,
        /// How many.
        amount: Amount,
        /// Supply after.
        supply: Amount,
    },
}

impl From<AssetsEvent> for Event {
    fn from(e: AssetsEvent) -> Event {
        match e {
            AssetsEvent::Created(info) => Event::new("assets.created")
                .with("asset", info.id)
                .with("issuer", info.issuer)
                .with("symbol", &info.symbol)
                .with("decimals", info.decimals)
                .with("max_supply", info.max_supply.map(|m| m.to_string()).unwrap_or_default()),
            AssetsEvent::Minted { asset, to, amount, supply } => Event::new("assets.minted")
                .with("asset", asset)
                .with("to", to)
                .with("amount", amount)
                .with("supply", supply),
            AssetsEvent::Burned { asset, from, amount, supply } => Event::new("assets.burned")
                .with("asset", asset)
                .with("from", from)
                .with("amount", amount)
                .with("supply", supply),
        }
    }
}
