//! A minimal ERC-20, written opcode by opcode with [`crate::asm`]: the contract the peer engine
//! runs. Only what a transfer benchmark needs: `transfer(address,uint256)` and
//! `balanceOf(address)`; no allowances, no total supply, no minting (balances are placed in
//! storage directly, as prebuilt state).
//!
//! # Storage
//! The balance of `holder` lives at slot `keccak256(pad32(holder) ++ pad32(0))`: a mapping at
//! slot 0, the layout Solidity gives `mapping(address => uint256) balanceOf` as the first state
//! variable, so the state looks like that of an ordinary token.
//!
//! # Behaviour
//! - Any call carrying value, a selector it does not know or calldata too short reverts with
//!   empty data; so does an address argument with any of its upper 96 bits set.
//! - `transfer(to, amount)` reverts when the caller holds less than `amount`; otherwise it moves
//!   `amount`, emits `Transfer(caller, to, amount)` (LOG3) and returns `true` (one word, 1).
//!   Sending to oneself leaves the balance unchanged.
//! - `balanceOf(holder)` returns the balance as one word.
//!
//! # Invariants
//! - The receiver's balance cannot overflow as long as the balances placed in storage sum to
//!   less than 2^256: a transfer only moves value, so the sum never grows. The prebuilt state
//!   keeps that sum far below (see [`crate::revm_peer`]).
//! - Memory word 0x20 is never written, so it holds the mapping's slot number 0 whenever a slot
//!   is hashed from memory 0x00..0x40.

use crate::asm::{op::*, Asm, AsmError};
use revm::primitives::{keccak256, Address, B256, U256};

/// The 4-byte selector of a Solidity function signature: the first bytes of its Keccak-256.
pub fn selector(signature: &str) -> [u8; 4] {
    let hash = keccak256(signature.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

/// Topic 0 of the `Transfer(address,address,uint256)` event.
pub fn transfer_topic() -> B256 {
    keccak256(b"Transfer(address,address,uint256)")
}

/// The storage slot of `holder`'s balance (see the module docs).
pub fn balance_slot(holder: Address) -> U256 {
    let mut preimage = [0u8; 64];
    preimage[12..32].copy_from_slice(holder.as_slice());
    U256::from_be_bytes(keccak256(preimage).0)
}

/// Calldata of `transfer(to, amount)`.
pub fn transfer_call(to: Address, amount: U256) -> Vec<u8> {
    let mut data = Vec::with_capacity(68);
    data.extend_from_slice(&selector("transfer(address,uint256)"));
    data.extend_from_slice(&[0; 12]);
    data.extend_from_slice(to.as_slice());
    data.extend_from_slice(&amount.to_be_bytes::<32>());
    data
}

/// Calldata of `balanceOf(holder)`.
pub fn balance_of_call(holder: Address) -> Vec<u8> {
    let mut data = Vec::with_capacity(36);
    data.extend_from_slice(&selector("balanceOf(address)"));
    data.extend_from_slice(&[0; 12]);
    data.extend_from_slice(holder.as_slice());
    data
}

/// Hashes memory 0x00..0x40 (an address at 0x00, slot number 0 at 0x20): leaves the slot of
/// that holder's balance on the stack.
fn hash_slot(a: &mut Asm) {
    a.push_u8(0x40).push_u8(0x00).ops(&[KECCAK256]);
}

/// Checks the address on top of the stack has no upper bits set (it stays on the stack).
fn require_clean_address(a: &mut Asm) {
    a.ops(&[DUP1]).push_u8(0xa0).ops(&[SHR]).jump_if("fail");
}

/// The contract's runtime bytecode. Stack pictures in the comments read bottom to top.
pub fn runtime() -> Result<Vec<u8>, AsmError> {
    let mut a = Asm::new();
    // Not payable: any value reverts.
    a.ops(&[CALLVALUE]).jump_if("fail");
    // [selector] = calldata[0..4]
    a.push_u8(0).ops(&[CALLDATALOAD]).push_u8(0xe0).ops(&[SHR]);
    a.ops(&[DUP1]).push(&selector("transfer(address,uint256)")).ops(&[EQ]).jump_if("transfer");
    a.ops(&[DUP1]).push(&selector("balanceOf(address)")).ops(&[EQ]).jump_if("balance_of");
    a.label("fail").push_u8(0).ops(&[DUP1, REVERT]);

    // transfer(address to, uint256 amount)
    a.label("transfer").ops(&[POP]);
    // 4 + 32 + 32 bytes of arguments at least: 0x44 > calldatasize reverts.
    a.ops(&[CALLDATASIZE]).push_u8(0x44).ops(&[GT]).jump_if("fail");
    a.push_u8(0x04).ops(&[CALLDATALOAD]); // [to]
    require_clean_address(&mut a);
    a.push_u8(0x24).ops(&[CALLDATALOAD]); // [to, amount]
                                          // The sender's slot: caller at memory 0x00, slot number 0 at 0x20.
    a.ops(&[CALLER]).push_u8(0x00).ops(&[MSTORE]);
    hash_slot(&mut a); // [to, amount, from_slot]
    a.ops(&[DUP1, SLOAD]); // [to, amount, from_slot, from_balance]
                           // amount > from_balance reverts: GT compares the top (amount) with the next (balance).
    a.ops(&[DUP1, DUP4, GT]).jump_if("fail");
    // SUB takes the top minus the next: from_balance - amount.
    a.ops(&[DUP3, SWAP1, SUB]); // [to, amount, from_slot, from_balance - amount]
    a.ops(&[SWAP1, SSTORE]); // [to, amount]
                             // The receiver's slot, read after the sender's write so a transfer to oneself nets to zero.
    a.ops(&[DUP2]).push_u8(0x00).ops(&[MSTORE]);
    hash_slot(&mut a); // [to, amount, to_slot]
    a.ops(&[DUP1, SLOAD, DUP3, ADD]); // [to, amount, to_slot, to_balance + amount]
    a.ops(&[SWAP1, SSTORE]); // [to, amount]
                             // Transfer(caller, to, amount): data is the amount at memory 0x00, topics sig, from, to.
    a.push_u8(0x00).ops(&[MSTORE]); // [to]
    a.ops(&[CALLER]).push(&transfer_topic().0); // [to, caller, topic0]
    a.push_u8(0x20).push_u8(0x00).ops(&[LOG3]); // []
                                                // return true
    a.push_u8(0x01).push_u8(0x00).ops(&[MSTORE]);
    a.push_u8(0x20).push_u8(0x00).ops(&[RETURN]);

    // balanceOf(address holder)
    a.label("balance_of").ops(&[POP]);
    a.ops(&[CALLDATASIZE]).push_u8(0x24).ops(&[GT]).jump_if("fail");
    a.push_u8(0x04).ops(&[CALLDATALOAD]); // [holder]
    require_clean_address(&mut a);
    a.push_u8(0x00).ops(&[MSTORE]);
    hash_slot(&mut a);
    a.ops(&[SLOAD]).push_u8(0x00).ops(&[MSTORE]);
    a.push_u8(0x20).push_u8(0x00).ops(&[RETURN]);
    a.assemble()
}
