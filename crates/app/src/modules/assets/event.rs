//! Events of `assets`.

use super::AssetInfo;
use computefi_types::{Address, Amount, AssetId, Event};

/// `assets.created`.
pub fn created(info: &AssetInfo) -> Event {
    Event::new("assets.created")
        .with("asset", info.id)
        .with("issuer", info.issuer)
        .with("symbol", &info.symbol)
        .with("decimals", info.decimals)
        .with("max_supply", info.max_supply.map(|m| m.to_string()).unwrap_or_default())
}

/// `assets.minted`.
pub fn minted(asset: &AssetId, to: &Address, amount: Amount, supply: Amount) -> Event {
    Event::new("assets.minted")
        .with("asset", asset)
        .with("to", to)
        .with("amount", amount)
        .with("supply", supply)
}

/// `assets.burned`.
pub fn burned(asset: &AssetId, from: &Address, amount: Amount, supply: Amount) -> Event {
    Event::new("assets.burned")
        .with("asset", asset)
        .with("from", from)
        .with("amount", amount)
        .with("supply", supply)
}
