//! The peer engine: revm (the EVM of Reth) executing ERC-20 transfers from prebuilt state.
//!
//! The state is built in memory before the clock starts: `accounts` holders with ether for gas
//! and a token balance each in the [`crate::erc20`] contract. Each transfer is a legacy
//! transaction from one holder to the next (nonces in order, gas price 1 wei, so every transfer
//! also pays its gas to the block's beneficiary), executed with `transact_commit`: validation,
//! the contract call, gas accounting and the commit of the transaction's state changes to revm's
//! in-memory database (`CacheDB<EmptyDB>`). There is no signature: revm takes the caller as
//! given, so this is execution only. There is no state root and nothing reaches a disk.

use crate::erc20;
use anyhow::{bail, Context as _};
use revm::bytecode::Bytecode;
use revm::context::result::ExecutionResult;
use revm::context::{Context, TxEnv};
use revm::database::InMemoryDB;
use revm::handler::{MainnetContext, MainnetEvm};
use revm::primitives::{keccak256, Address, Bytes, U256};
use revm::state::AccountInfo;
use revm::{ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext};

/// The EVM the peer runs: mainnet rules (revm's default hard fork) over an in-memory database.
pub type PeerEvm = MainnetEvm<MainnetContext<InMemoryDB>>;

/// Token units each holder starts with: with at most a few million holders their sum stays far
/// below 2^256, which the contract relies on (see [`crate::erc20`]).
pub const TOKEN_BALANCE: u64 = 1_000_000_000_000;
/// Ether (in wei) each holder starts with, for gas.
pub const ETHER_BALANCE: u128 = 1_000_000_000_000_000_000_000;
/// Gas limit of each transfer (one uses about 50,000).
pub const TRANSFER_GAS_LIMIT: u64 = 100_000;

/// An address derived from a label, so every run builds the same state.
fn derived_address(label: &str) -> Address {
    Address::from_slice(&keccak256(label.as_bytes())[12..])
}

/// The `i`-th holder.
pub fn holder(i: usize) -> Address {
    derived_address(&format!("computefi/peers/holder/{i}"))
}

/// Where the token contract lives.
pub fn token() -> Address {
    derived_address("computefi/peers/erc20")
}

/// The block's beneficiary, which receives the gas every transfer pays.
pub fn beneficiary() -> Address {
    derived_address("computefi/peers/beneficiary")
}

/// A prebuilt world: the EVM with the token deployed and every holder funded.
pub struct World {
    /// The EVM over its in-memory database.
    pub evm: PeerEvm,
    /// The holders, in order: transfer `k` of a round goes from holder `k` to holder `k + 1`.
    pub holders: Vec<Address>,
}

/// Builds the state: the token's runtime code at [`token`], and `accounts` holders with
/// [`ETHER_BALANCE`] wei and [`TOKEN_BALANCE`] tokens each.
pub fn world(accounts: usize) -> anyhow::Result<World> {
    let code = erc20::runtime().context("assembling the ERC-20")?;
    let mut db = InMemoryDB::default();
    db.insert_account_info(token(), AccountInfo::default().with_code(Bytecode::new_raw(Bytes::from(code))));
    let holders: Vec<Address> = (0..accounts).map(holder).collect();
    for h in &holders {
        db.insert_account_info(*h, AccountInfo::from_balance(U256::from(ETHER_BALANCE)));
        db.insert_account_storage(token(), erc20::balance_slot(*h), U256::from(TOKEN_BALANCE))
            .map_err(|e| anyhow::anyhow!("prebuilt state: {e:?}"))?;
    }
    let evm = Context::mainnet()
        .modify_block_chained(|b: &mut revm::context::BlockEnv| b.beneficiary = beneficiary())
        .with_db(db)
        .build_mainnet();
    Ok(World { evm, holders })
}

/// A call of the token by `from` with `data`, at `nonce`, paying 1 wei a gas.
pub fn token_call(from: Address, nonce: u64, data: Vec<u8>) -> anyhow::Result<TxEnv> {
    TxEnv::builder()
        .caller(from)
        .call(token())
        .nonce(nonce)
        .gas_limit(TRANSFER_GAS_LIMIT)
        .gas_price(1)
        .data(Bytes::from(data))
        .build()
        .map_err(|e| anyhow::anyhow!("building a transaction: {e:?}"))
}

/// Executes `tx` and commits its state changes.
pub fn execute(world: &mut World, tx: TxEnv) -> anyhow::Result<ExecutionResult> {
    world.evm.transact_commit(tx).map_err(|e| anyhow::anyhow!("revm refused the transaction: {e}"))
}

/// `balanceOf(holder)`, read through the contract without committing anything (a call from an
/// account that pays no gas).
pub fn balance_of(world: &mut World, holder: Address) -> anyhow::Result<U256> {
    let tx = TxEnv::builder()
        .caller(derived_address("computefi/peers/reader"))
        .call(token())
        .gas_limit(TRANSFER_GAS_LIMIT)
        .gas_price(0)
        .data(Bytes::from(erc20::balance_of_call(holder)))
        .build()
        .map_err(|e| anyhow::anyhow!("building a call: {e:?}"))?;
    let out = world.evm.transact(tx).map_err(|e| anyhow::anyhow!("revm refused the call: {e}"))?.result;
    match out.output() {
        Some(word) if out.is_success() && word.len() == 32 => Ok(U256::from_be_slice(word)),
        _ => bail!("balanceOf did not return one word: {out:?}"),
    }
}

/// `per_account` rounds of one transfer of 1 token from every holder to the next one, in nonce
/// order: the same pattern as ComputeFi's side of the comparison.
pub fn transfers(holders: &[Address], per_account: usize) -> anyhow::Result<Vec<TxEnv>> {
    let mut out = Vec::with_capacity(holders.len() * per_account);
    for nonce in 0..per_account as u64 {
        for (i, from) in holders.iter().enumerate() {
            let to = holders[(i + 1) % holders.len()];
            out.push(token_call(*from, nonce, erc20::transfer_call(to, U256::from(1)))?);
        }
    }
    Ok(out)
}

/// One timed run of the peer.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Transfers executed and committed per second.
    pub per_s: f64,
    /// Gas each transfer used, on average (a sign of the work the EVM did).
    pub gas_per_transfer: u64,
}

/// One timed run: builds the world (not timed), then executes and commits every transfer.
/// Any transfer that does not succeed fails the run.
pub fn measure(accounts: usize, per_account: usize) -> anyhow::Result<Run> {
    let mut w = world(accounts)?;
    let txs = transfers(&w.holders, per_account)?;
    let count = txs.len();
    let mut gas = 0u64;
    let started = std::time::Instant::now();
    for tx in txs {
        let result = execute(&mut w, tx)?;
        if !result.is_success() {
            bail!("a benchmark transfer did not succeed: {result:?}");
        }
        gas = gas.saturating_add(result.tx_gas_used());
    }
    let per_s = count as f64 / started.elapsed().as_secs_f64().max(1e-9);
    Ok(Run { per_s, gas_per_transfer: gas / count.max(1) as u64 })
}
