//! Handlers of `reserve`.

use crate::modules::context::{Handler, TxContext};
use crate::state::{ExecError, Overlay};
use computefi_types::{Event, ReserveMsg, TxError};

impl Handler for ReserveMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        Ok(())
    }

    fn execute(&self, _state: &mut Overlay<'_>, _ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        Err(ExecError::invariant("the reserve module's messages are being built".into()))
    }
}
