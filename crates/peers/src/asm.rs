//! A tiny assembler of EVM opcodes: enough to write the peer's ERC-20 by hand.
//!
//! Code is a list of opcodes, pushes and labels; [`Asm::assemble`] lays it out and fills every
//! label reference with the label's byte offset.
//!
//! # Invariants
//! - A label reference is always a `PUSH2` (code stays under 64 KiB), so an instruction's size
//!   never depends on where a label lands and one pass after layout fills every reference.
//! - A label marks a `JUMPDEST`: [`Asm::label`] writes the opcode itself, so a jump to a label
//!   always lands on a valid destination.

use std::collections::BTreeMap;

/// The opcodes the peer's contract uses, by their EVM names (Yellow Paper, appendix H).
#[allow(missing_docs)]
pub mod op {
    pub const STOP: u8 = 0x00;
    pub const ADD: u8 = 0x01;
    pub const SUB: u8 = 0x03;
    pub const GT: u8 = 0x11;
    pub const EQ: u8 = 0x14;
    pub const SHR: u8 = 0x1c;
    pub const KECCAK256: u8 = 0x20;
    pub const CALLER: u8 = 0x33;
    pub const CALLVALUE: u8 = 0x34;
    pub const CALLDATALOAD: u8 = 0x35;
    pub const CALLDATASIZE: u8 = 0x36;
    pub const POP: u8 = 0x50;
    pub const MSTORE: u8 = 0x52;
    pub const SLOAD: u8 = 0x54;
    pub const SSTORE: u8 = 0x55;
    pub const JUMPI: u8 = 0x57;
    pub const JUMPDEST: u8 = 0x5b;
    /// `PUSH1`; `PUSHn` is `PUSH1 + n - 1` for n in 1..=32.
    pub const PUSH1: u8 = 0x60;
    pub const PUSH2: u8 = 0x61;
    pub const DUP1: u8 = 0x80;
    pub const DUP2: u8 = 0x81;
    pub const DUP3: u8 = 0x82;
    pub const DUP4: u8 = 0x83;
    pub const SWAP1: u8 = 0x90;
    pub const LOG3: u8 = 0xa3;
    pub const RETURN: u8 = 0xf3;
    pub const REVERT: u8 = 0xfd;
}

enum Item {
    Op(u8),
    Push(Vec<u8>),
    PushLabel(&'static str),
    Label(&'static str),
}

/// Errors of [`Asm::assemble`]: a program that cannot be laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsmError {
    /// A jump names a label that the program never defines.
    UnknownLabel(&'static str),
    /// Two labels share a name.
    DuplicateLabel(&'static str),
    /// The code would exceed the 64 KiB a `PUSH2` label reference can address.
    TooLong(usize),
}

impl std::fmt::Display for AsmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AsmError::UnknownLabel(l) => {
                write!(f, "label {l:?} is used but never defined; add `label({l:?})`")
            }
            AsmError::DuplicateLabel(l) => write!(f, "label {l:?} is defined twice; rename one"),
            AsmError::TooLong(n) => write!(f, "{n} bytes of code: labels address at most 65,535"),
        }
    }
}

impl std::error::Error for AsmError {}

/// A program being written: append with the builder methods, then [`Asm::assemble`].
#[derive(Default)]
pub struct Asm {
    items: Vec<Item>,
}

impl Asm {
    /// An empty program.
    pub fn new() -> Asm {
        Asm::default()
    }

    /// Appends plain opcodes (no immediates).
    pub fn ops(&mut self, ops: &[u8]) -> &mut Asm {
        self.items.extend(ops.iter().map(|&o| Item::Op(o)));
        self
    }

    /// Appends the shortest `PUSHn` of `value` (big-endian, leading zero bytes dropped; zero is
    /// `PUSH1 0`).
    pub fn push(&mut self, value: &[u8]) -> &mut Asm {
        let first = value.iter().position(|&b| b != 0).unwrap_or(value.len().saturating_sub(1));
        let bytes = value.get(first..).filter(|b| !b.is_empty()).unwrap_or(&[0]);
        assert!(bytes.len() <= 32, "a push carries at most 32 bytes");
        self.items.push(Item::Push(bytes.to_vec()));
        self
    }

    /// Appends `PUSH1 value`.
    pub fn push_u8(&mut self, value: u8) -> &mut Asm {
        self.push(&[value])
    }

    /// Appends `PUSH2 <offset of label>`, filled in by [`Asm::assemble`].
    pub fn push_label(&mut self, label: &'static str) -> &mut Asm {
        self.items.push(Item::PushLabel(label));
        self
    }

    /// Appends `PUSH2 <label> JUMPI`: jumps to `label` when the top of the stack is not zero.
    pub fn jump_if(&mut self, label: &'static str) -> &mut Asm {
        self.push_label(label).ops(&[op::JUMPI])
    }

    /// Defines `label` here and writes its `JUMPDEST`.
    pub fn label(&mut self, label: &'static str) -> &mut Asm {
        self.items.push(Item::Label(label));
        self
    }

    /// Lays the program out and returns its bytecode.
    pub fn assemble(&self) -> Result<Vec<u8>, AsmError> {
        let size = |item: &Item| match item {
            Item::Op(_) | Item::Label(_) => 1,
            Item::Push(bytes) => 1 + bytes.len(),
            Item::PushLabel(_) => 3,
        };
        let mut labels = BTreeMap::new();
        let mut at = 0usize;
        for item in &self.items {
            if let Item::Label(name) = item {
                if labels.insert(*name, at).is_some() {
                    return Err(AsmError::DuplicateLabel(name));
                }
            }
            at += size(item);
        }
        if at > usize::from(u16::MAX) {
            return Err(AsmError::TooLong(at));
        }
        let mut code = Vec::with_capacity(at);
        for item in &self.items {
            match item {
                Item::Op(o) => code.push(*o),
                Item::Label(_) => code.push(op::JUMPDEST),
                Item::Push(bytes) => {
                    // PUSHn for n = 1..=32 (checked in `push`).
                    code.push(op::PUSH1 + (bytes.len() as u8 - 1));
                    code.extend_from_slice(bytes);
                }
                Item::PushLabel(name) => {
                    let offset = *labels.get(name).ok_or(AsmError::UnknownLabel(name))?;
                    code.push(op::PUSH2);
                    // Fits: the whole code is under 64 KiB (checked above).
                    code.extend_from_slice(&(offset as u16).to_be_bytes());
                }
            }
        }
        Ok(code)
    }
}
