//! Keys and typed access of `bank`.

use crate::state::{ExecError, StateRead, StateWrite};
use computefi_types::{Address, Amount, AssetId, ErrorCode, TxError};

/// Key of one balance.
pub fn balance_key(account: &Address, asset: &AssetId) -> String {
    format!("{}{asset}", balance_prefix(account))
}

/// Prefix of all balances of an account.
pub fn balance_prefix(account: &Address) -> String {
    format!("bank/balance/{account}/")
}

/// Reading balances.
pub trait BankRead: StateRead + Sized {
    /// The account's balance of `asset` (zero when it holds none).
    fn balance(&self, account: &Address, asset: &AssetId) -> Result<Amount, ExecError> {
        Ok(self.get::<Amount>(&balance_key(account, asset))?.unwrap_or(Amount::ZERO))
    }
}
impl<T: StateRead + Sized> BankRead for T {}

/// Writing balances.
pub trait BankWrite: StateWrite + BankRead {
    /// Sets a balance; zero removes the entry.
    fn set_balance(&mut self, account: &Address, asset: &AssetId, amount: Amount) {
        let key = balance_key(account, asset);
        if amount.is_zero() {
            self.delete(key);
        } else {
            self.put(key, &amount);
        }
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
        self.set_balance(account, asset, next);
        Ok(())
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
        self.set_balance(account, asset, next);
        Ok(())
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
