//! Handlers of `shares` messages.

use super::event::SharesEvent;
use super::state::{module_account, put_vault, SharesRead, Vault, COUNT_KEY};
use crate::modules::assets::exec::symbol_is_valid;
use crate::modules::assets::{AssetInfo, AssetsRead, AssetsWrite};
use crate::modules::bank::{BankRead, BankWrite};
use crate::modules::compliance::ComplianceWrite;
use crate::modules::context::{Handler, TxContext};
use crate::modules::registry::{RegistryRead, RegistryWrite};
use crate::state::{ExecError, Overlay, StateWrite};
use computefi_types::{Address, Amount, AssetId, ErrorCode, Event, SharesMsg, TitleId, TxError};
use std::collections::BTreeSet;

/// Most titles in one vault.
pub const VAULT_TITLES_MAX: usize = 32;

/// Splits titles that `holder` holds into `shares` units of a new share token, all to `holder`:
/// the `fractionalise` message (the holder is its sender), and a module that holds a title (the
/// loans module, sharing out an unsold liquidated title among its tranches).
pub fn fractionalise(
    state: &mut Overlay<'_>,
    holder: &Address,
    ids: &[TitleId],
    shares: Amount,
    symbol: &str,
    name: &str,
) -> Result<Vec<Event>, ExecError> {
    let mut titles = Vec::with_capacity(ids.len());
    for id in ids {
        let t = state.require_title(id)?;
        let refuse = |code: ErrorCode, why: String| -> ExecError {
            TxError::new(code, format!("title {id}: {why}")).into()
        };
        if t.status.is_final() {
            return Err(refuse(ErrorCode::TitleEnded, format!("{:?}", t.status)));
        }
        if t.holder != *holder {
            return Err(refuse(ErrorCode::NotTitleHolder, format!("held by {}", t.holder)));
        }
        if let Some(lender) = t.lien {
            return Err(refuse(ErrorCode::TitlePledged, format!("pledged to {lender}")));
        }
        if t.locked_by.is_some() {
            return Err(refuse(ErrorCode::TitleLocked, "already split into shares".into()));
        }
        if !t.status.is_verified() {
            return Err(refuse(ErrorCode::TitleNotVerified, format!("{:?}", t.status)));
        }
        if titles.first().is_some_and(|f: &crate::modules::registry::Title| f.spec.class != t.spec.class) {
            return Err(TxError::new(ErrorCode::BadVault, "titles of different classes").into());
        }
        titles.push(t);
    }
    let index = state.next_in_sequence(COUNT_KEY.to_string())?;
    let issuer = module_account();
    let asset = super::state::vault_asset(index);
    if state.asset(&asset)?.is_some() {
        return Err(ExecError::invariant(format!("share token {asset} exists before its vault")));
    }
    let info = AssetInfo {
        id: asset,
        issuer,
        symbol: symbol.into(),
        name: name.into(),
        decimals: 0,
        max_supply: Some(shares),
        supply: shares,
    };
    state.put_asset(&info);
    state.set_rules(&asset, &titles[0].spec.rules);
    state.credit(holder, &asset, shares)?;
    for t in &mut titles {
        t.locked_by = Some(asset);
        t.holder = issuer;
        state.put_title(t);
        crate::modules::context::WriteHooks::title_changed(state, &t.id)?;
    }
    let vault = Vault {
        asset,
        titles: ids.to_vec(),
        class: titles[0].spec.class,
        shares,
        creator: *holder,
        open: true,
    };
    put_vault(state, &vault);
    Ok(vec![SharesEvent::Fractionalised { asset, shares, titles: ids.to_vec(), holder: *holder }.into()])
}

fn recombine(state: &mut Overlay<'_>, ctx: &TxContext, asset: &AssetId) -> Result<Vec<Event>, ExecError> {
    let mut vault = state.require_open_vault(asset)?;
    let mut info = state.require_asset(asset)?;
    let held = state.balance(&ctx.sender, asset)?;
    if held != info.supply {
        return Err(TxError::new(
            ErrorCode::NotAllShares,
            format!("{} holds {held} of {} shares", ctx.sender, info.supply),
        )
        .into());
    }
    state.debit(&ctx.sender, asset, held)?;
    info.supply = Amount::ZERO;
    state.put_asset(&info);
    for id in &vault.titles {
        let mut t = state.require_title(id)?;
        t.locked_by = None;
        t.holder = ctx.sender;
        state.put_title(&t);
    }
    vault.open = false;
    put_vault(state, &vault);
    Ok(vec![SharesEvent::Recombined { asset: *asset, holder: ctx.sender, shares: held }.into()])
}

impl Handler for SharesMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        if let SharesMsg::Fractionalise { titles, shares, symbol, name } = self {
            if shares.is_zero() {
                return Err(TxError::new(ErrorCode::ZeroShares, "shares = 0"));
            }
            if titles.is_empty()
                || titles.len() > VAULT_TITLES_MAX
                || titles.iter().collect::<BTreeSet<_>>().len() != titles.len()
            {
                return Err(TxError::new(
                    ErrorCode::BadVault,
                    format!("{} titles, 1 to {VAULT_TITLES_MAX} distinct", titles.len()),
                ));
            }
            if !symbol_is_valid(symbol) {
                return Err(TxError::new(
                    ErrorCode::InvalidSymbol,
                    format!("symbol {:?}", symbol.chars().take(20).collect::<String>()),
                ));
            }
            if name.is_empty() || name.len() > computefi_types::limits::ASSET_NAME_BYTES_MAX {
                return Err(TxError::new(ErrorCode::InvalidName, format!("name of {} bytes", name.len())));
            }
        }
        Ok(())
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            SharesMsg::Fractionalise { titles, shares, symbol, name } => {
                fractionalise(state, &ctx.sender, titles, *shares, symbol, name)
            }
            SharesMsg::Recombine { asset } => recombine(state, ctx, asset),
        }
    }
}
