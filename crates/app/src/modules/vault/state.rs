//! Keys, records and typed access of `vault`.

use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::{Address, Amount, AssetId, ErrorCode, TxError, VaultTerms};
use serde::{Deserialize, Serialize};

/// Most loan tranches one vault holds at once.
pub const POSITIONS_MAX: usize = 64;
/// Most redemption requests waiting in one vault's queue.
pub const QUEUE_MAX: usize = 256;
/// Most requests one `service` serves.
pub const SERVED_PER_TX_MAX: usize = 32;

/// The account of vault `id`: it holds the vault's idle funds, the shares waiting in its queue,
/// and the position tokens of the tranches it funded (it is their lender).
pub fn vault_account(id: u64) -> Address {
    Address::module(&format!("vault/{id}"))
}

/// The issuer of every vault's share token.
pub fn module_account() -> Address {
    Address::module("vault")
}

/// A loan tranche the vault funded.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Position {
    /// The loan.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub loan: u64,
    /// The tranche.
    pub tranche: u32,
    /// The loan's borrower (for the policy's per-borrower limit).
    pub borrower: Address,
    /// What the vault lent.
    pub amount: Amount,
    /// Principal the tranche was paid and the vault took into its idle funds.
    pub principal_collected: Amount,
    /// Interest the tranche was paid and the vault took into its idle funds.
    pub interest_collected: Amount,
}

/// A redemption request in the queue.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Request {
    /// Its id within the vault, from 0.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub id: u64,
    /// Who asked: the assets go to it.
    pub owner: Address,
    /// Shares asked.
    pub shares: Amount,
    /// Shares still waiting (a partial fill serves some).
    pub shares_left: Amount,
    /// Assets paid so far.
    pub paid: Amount,
    /// Block time of the request, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub requested_ms: u64,
    /// The start of the window from which it may be served, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub window_ms: u64,
}

/// A yield vault as stored.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Vault {
    /// Its id, from 0.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub id: u64,
    /// Who set it up: sets its policy and allocates its funds.
    pub manager: Address,
    /// Its terms (the policy as last set).
    pub terms: VaultTerms,
    /// Its share token.
    pub share: AssetId,
    /// Its account ([`vault_account`]).
    pub account: Address,
    /// Block time it was created: the origin of its windows, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub created_ms: u64,
    /// Funds it holds and has counted, base units (what arrives unannounced counts at the next
    /// `collect`).
    pub idle: Amount,
    /// Assets deposited, ever.
    pub deposited: Amount,
    /// Assets paid to redeemers, ever.
    pub withdrawn: Amount,
    /// Income counted, ever: interest collected, and the reserves' yield and anything else that
    /// reached its account unannounced.
    pub income: Amount,
    /// Principal it lent and will not see again (written off in liquidations, or recovered only
    /// in shares of the collateral).
    pub losses: Amount,
    /// The tranches it funded and has not closed.
    pub positions: Vec<Position>,
    /// Waiting requests, first in first out.
    pub queue: Vec<u64>,
    /// The id of the next request.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub next_request: u64,
    /// Queued deposits waiting for room under the cap, first in first out.
    pub deposit_queue: Vec<u64>,
    /// The id of the next queued deposit.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub next_deposit: u64,
    /// Assets of queued deposits held in escrow (in the vault's account, not in its idle funds).
    pub queued_assets: Amount,
}

/// A deposit waiting for room under a vault's cap.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct QueuedDeposit {
    /// Its id within the vault, from 0.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub id: u64,
    /// Who deposits: the shares go to it.
    pub owner: Address,
    /// Assets still waiting.
    pub assets_left: Amount,
    /// Assets taken in so far.
    pub filled: Amount,
    /// Block time of the request, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub requested_ms: u64,
}

fn deposit_key(vault: u64, deposit: u64) -> String {
    format!("vault/deposit/{vault:020}/{deposit:020}")
}

fn vault_key(id: u64) -> String {
    format!("vault/vault/{id:020}")
}

fn request_key(vault: u64, request: u64) -> String {
    format!("vault/request/{vault:020}/{request:020}")
}

fn requests_of_key(vault: u64, owner: &Address) -> String {
    format!("vault/requests_of/{vault:020}/{owner}")
}

pub(super) const COUNT_KEY: &str = "vault/count";

/// Reading vaults.
pub trait VaultRead: StateRead + Sized {
    /// A vault, if it exists.
    fn vault_record(&self, id: u64) -> Result<Option<Vault>, ExecError> {
        self.get(&vault_key(id))
    }

    /// A vault, or `unknown_vault`.
    fn require_vault(&self, id: u64) -> Result<Vault, ExecError> {
        self.vault_record(id)?
            .ok_or_else(|| TxError::new(ErrorCode::UnknownVault, format!("vault {id}")).into())
    }

    /// How many vaults were ever created: their ids are `0 .. count`.
    fn vault_count(&self) -> Result<u64, ExecError> {
        Ok(self.get::<u64>(COUNT_KEY)?.unwrap_or(0))
    }

    /// A redemption request, if it exists (served and cancelled ones are removed).
    fn request(&self, vault: u64, request: u64) -> Result<Option<Request>, ExecError> {
        self.get(&request_key(vault, request))
    }

    /// A queued deposit, if it is still waiting.
    fn queued_deposit(&self, vault: u64, deposit: u64) -> Result<Option<QueuedDeposit>, ExecError> {
        self.get(&deposit_key(vault, deposit))
    }

    /// How many requests `owner` has waiting in `vault`.
    fn requests_of(&self, vault: u64, owner: &Address) -> Result<u32, ExecError> {
        Ok(self.get(&requests_of_key(vault, owner))?.unwrap_or(0))
    }
}
impl<T: StateRead + Sized> VaultRead for T {}

/// Makes `manager` the manager of vault `id` (what governance does); `unknown_vault` when there is
/// none.
pub fn set_manager<S: StateWrite + Sized>(
    state: &mut S,
    id: u64,
    manager: &Address,
) -> Result<(), ExecError> {
    let mut vault = state.require_vault(id)?;
    vault.manager = *manager;
    state.put(vault_key(id), &vault);
    Ok(())
}

/// Writing vaults (the module's own handlers only).
pub(super) trait VaultWrite: StateWrite + Sized {
    fn put_vault(&mut self, vault: &Vault) {
        self.put(vault_key(vault.id), vault);
    }

    fn put_request(&mut self, vault: u64, request: &Request) {
        self.put(request_key(vault, request.id), request);
    }

    fn delete_request(&mut self, vault: u64, request: u64) {
        self.delete(request_key(vault, request));
    }

    fn put_deposit(&mut self, vault: u64, deposit: &QueuedDeposit) {
        self.put(deposit_key(vault, deposit.id), deposit);
    }

    fn delete_deposit(&mut self, vault: u64, deposit: u64) {
        self.delete(deposit_key(vault, deposit));
    }

    fn put_requests_of(&mut self, vault: u64, owner: &Address, count: u32) {
        if count == 0 {
            self.delete(requests_of_key(vault, owner));
        } else {
            self.put(requests_of_key(vault, owner), &count);
        }
    }
}
impl<T: StateWrite + Sized> VaultWrite for T {}
