//! Handlers of `vault`.

use crate::modules::context::{Handler, TxContext};
use crate::state::{ExecError, Overlay};
use computefi_types::{Event, TxError, VaultMsg};

impl Handler for VaultMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        Ok(())
    }

    fn execute(&self, _state: &mut Overlay<'_>, _ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        Err(ExecError::invariant("the vault module's messages are being built".into()))
    }
}
