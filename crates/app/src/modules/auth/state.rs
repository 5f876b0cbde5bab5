//! Keys and typed access of `auth`.

use crate::state::{ExecError, StateRead, StateWrite};
use computefi_types::Address;

/// Key of an account's next nonce.
pub(super) fn nonce_key(account: &Address) -> String {
    crate::state_key!("auth/nonce/{account}")
}

/// Reading nonces.
pub trait AuthRead: StateRead + Sized {
    /// The nonce the account's next transaction must carry (0 for a new account).
    fn next_nonce(&self, account: &Address) -> Result<u64, ExecError> {
        Ok(self.get::<u64>(&nonce_key(account))?.unwrap_or(0))
    }
}
impl<T: StateRead + Sized> AuthRead for T {}

/// Writing nonces.
pub trait AuthWrite: StateWrite + AuthRead {
    /// Records that the account used `nonce`.
    fn set_next_nonce(&mut self, account: &Address, next: u64) {
        self.put(nonce_key(account), &next);
    }
}
impl<T: StateWrite + Sized> AuthWrite for T {}
