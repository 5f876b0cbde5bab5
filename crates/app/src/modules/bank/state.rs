//! Keys and typed access of `bank`.

use crate::modules::context::WriteHooks;
use crate::state::{ExecError, StateRead, StateWrite};
use computefi_types::{Address, Amount, AssetId, ErrorCode, TxError};

/// Key of one balance.
pub fn balance_key(account: &Address, asset: &AssetId) -> String {
    crate::state_key!("bank/balance/{account}/{asset}")
}

/// Prefix of all balances of an account.
pub(super) fn balance_prefix(account: &Address) -> String {
    crate::state_key!("bank/balance/{account}/")
}

/// Key of an asset's holder count.
pub(super) fn holders_key(asset: &AssetId) -> String {
    crate::state_key!("bank/holders/{asset}")
}

/// Prefix of the index of an asset's holders.
pub(super) fn holder_index_prefix(asset: &AssetId) -> String {
    crate::state_key!("bank/holder/{asset}/")
}

/// Key that marks an account as a module's own (a pool, an escrow, unclaimed income).
fn module_account_key(account: &Address) -> String {
    crate::state_key!("bank/module_account/{account}")
}

/// Reading balances.
pub trait BankRead: StateRead + Sized {
    /// The account's balance of `asset` (zero when it holds none).
    fn balance(&self, account: &Address, asset: &AssetId) -> Result<Amount, ExecError> {
        Ok(self.get::<Amount>(&balance_key(account, asset))?.unwrap_or(Amount::ZERO))
    }

    /// How many accounts hold a non-zero balance of `asset`.
    fn holder_count(&self, asset: &AssetId) -> Result<u64, ExecError> {
        Ok(self.get::<u64>(&holders_key(asset))?.unwrap_or(0))
    }

    /// Whether the account belongs to a module of the ledger: no key controls it, and what it
    /// holds backs what the module owes others (pool reserves, escrow, unclaimed income).
    fn is_module_account(&self, account: &Address) -> Result<bool, ExecError> {
        Ok(self.get_raw(&module_account_key(account))?.is_some())
    }
}
impl<T: StateRead + Sized> BankRead for T {}

/// Writing balances.
pub trait BankWrite: StateWrite + BankRead {
    /// Sets a balance; zero removes the entry. This is the one place balances change, so it
    /// keeps the holder count and index, and first calls the wiring table's `balance_changing`
    /// hook (`revenue` settles income accrued on the old balance there, so income earned before
    /// a transfer stays with the sender).
    fn set_balance(&mut self, account: &Address, asset: &AssetId, amount: Amount) -> Result<(), ExecError> {
        let before = self.balance(account, asset)?;
        replace_balance(self, account, asset, before, amount)
    }

    /// Marks an account as a module's own ([`BankRead::is_module_account`]): at genesis for the
    /// modules' fixed accounts, and by a module that opens one (a pool).
    fn mark_module_account(&mut self, account: &Address) {
        self.put(module_account_key(account), &true);
    }

    /// Adds to a balance.
    fn credit(&mut self, account: &Address, asset: &AssetId, amount: Amount) -> Result<(), ExecError> {
        let now = self.balance(account, asset)?;
        let next = now.checked_add(amount).ok_or_else(|| {
            TxError::new(
                ErrorCode::AmountOverflow,
                format!("{account} holds {now} of {asset}; adding {amount} overflows"),
            )
        })?;
        replace_balance(self, account, asset, now, next)
    }

    /// Takes from a balance.
    fn debit(&mut self, account: &Address, asset: &AssetId, amount: Amount) -> Result<(), ExecError> {
        let now = self.balance(account, asset)?;
        let next = now.checked_sub(amount).ok_or_else(|| {
            TxError::new(
                ErrorCode::InsufficientBalance,
                format!("{account} holds {now} of {asset}, needs {amount}"),
            )
        })?;
        replace_balance(self, account, asset, now, next)
    }

    /// Moves `amount` of `asset` from one account to another.
    fn transfer(
        &mut self,
        from: &Address,
        to: &Address,
        asset: &AssetId,
        amount: Amount,
    ) -> Result<(), ExecError> {
        self.debit(from, asset, amount)?;
        self.credit(to, asset, amount)
    }
}
impl<T: StateWrite + Sized> BankWrite for T {}

/// Changes a balance from `before` (just read by the caller) to `amount`.
fn replace_balance<S: StateWrite + Sized>(
    state: &mut S,
    account: &Address,
    asset: &AssetId,
    before: Amount,
    amount: Amount,
) -> Result<(), ExecError> {
    if before == amount {
        return Ok(());
    }
    state.balance_changing(asset, account, before, amount)?;
    let key = balance_key(account, asset);
    if amount.is_zero() {
        state.delete(key);
    } else {
        state.put(key, &amount);
    }
    // The holder count and index change only when an account starts or stops holding.
    if before.is_zero() || amount.is_zero() {
        let index = crate::state_key!("{}{account}", holder_index_prefix(asset));
        let count = state.holder_count(asset)?;
        if amount.is_zero() {
            state.delete(index);
            state.put(holders_key(asset), &count.saturating_sub(1));
        } else {
            state.put(index, &true);
            state.put(holders_key(asset), &count.saturating_add(1));
        }
    }
    Ok(())
}
