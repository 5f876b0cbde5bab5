//! The types Malachite is instantiated with: [`ComputeFiContext`] and everything it names.
//!
//! | engine concept | ComputeFi type | notes |
//! |---|---|---|
//! | height | [`Height`] | `u64`, the block height; 0 is genesis |
//! | address | [`ConsensusAddress`] | first 20 bytes of sha256(consensus key), as in `Header::proposer` |
//! | value | [`BlockId`] | the block hash; the block itself travels in proposal parts |
//! | value id | [`Hash`](struct@Hash) | the same hash |
//! | proposal part | [`ProposalPart`] | `Init`, then `Data` chunks of the block bytes, then `Fin` (signature) |
//! | extension | `()` | vote extensions are not used |
//! | signing | [`Ed25519`] | `ed25519-consensus`, ZIP-215 rules |
//!
//! # Invariants
//! - A [`ValidatorSet`] is never empty, holds no duplicate address and no zero power, and is sorted
//!   by power (descending) then address (ascending), so every node derives the same proposer order.
//! - [`Vote`] and [`Proposal`] equality covers exactly the fields consensus re-derives on WAL
//!   replay; the vote extension is carried but never signed (see `signing`).

use std::fmt;
use std::sync::Arc;

use computefi_types::{Address, Hash, PublicKey as LedgerPublicKey};
use malachitebft_app_channel::app::types::core::{
    self as core, Context, LinearTimeouts, NilOrVal, Round, SignedExtension, VoteType, VotingPower,
};
use malachitebft_signing_ed25519::{Ed25519, PublicKey};

use crate::ledger::ValidatorInfo;

/// The Malachite context of ComputeFi. Stateless: every choice it makes (the proposer of a round,
/// the shape of votes) is a pure function of its arguments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ComputeFiContext;

/// A block height. Height 0 is genesis; consensus decides heights from 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Height(pub u64);

impl fmt::Display for Height {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl core::Height for Height {
    const ZERO: Self = Height(0);
    const INITIAL: Self = Height(1);

    fn increment_by(&self, n: u64) -> Self {
        Height(self.0.saturating_add(n))
    }

    fn decrement_by(&self, n: u64) -> Option<Self> {
        self.0.checked_sub(n).map(Height)
    }

    fn as_u64(&self) -> u64 {
        self.0
    }
}

/// A validator's consensus address: the account-style id of its consensus key, the same bytes the
/// block header records as `proposer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConsensusAddress(pub Address);

impl ConsensusAddress {
    /// The address of a consensus public key.
    pub fn from_public_key(key: &PublicKey) -> Self {
        ConsensusAddress(Address::from_public_key(&LedgerPublicKey(*key.as_bytes())))
    }
}

impl fmt::Display for ConsensusAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl core::Address for ConsensusAddress {}

/// The value consensus agrees on: the hash of a block header. The block is carried separately, in
/// proposal parts and in value sync, and kept by the node until it is committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockId(pub Hash);

impl core::Value for BlockId {
    type Id = Hash;

    fn id(&self) -> Hash {
        self.0
    }
}

/// A validator: its address, consensus key and voting power.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validator {
    /// Derived from `public_key`.
    pub address: ConsensusAddress,
    /// ed25519 consensus key.
    pub public_key: PublicKey,
    /// Voting power, more than zero.
    pub voting_power: VotingPower,
}

impl core::Validator<ComputeFiContext> for Validator {
    fn address(&self) -> &ConsensusAddress {
        &self.address
    }

    fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    fn voting_power(&self) -> VotingPower {
        self.voting_power
    }
}

/// Why the ledger's validators cannot form a validator set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidatorSetError {
    /// No validator at all: nobody could propose.
    #[error("the validator set is empty; genesis must list at least one validator")]
    Empty,
    /// A key that is not a valid ed25519 point.
    #[error("validator key {0} is not a valid ed25519 public key")]
    InvalidKey(String),
    /// A validator with no power.
    #[error("validator {0} has zero voting power; give every validator a power above zero")]
    ZeroPower(String),
    /// The same key twice.
    #[error("validator {0} is listed twice")]
    Duplicate(String),
    /// Total power does not fit in a u64.
    #[error("the total voting power overflows a u64")]
    PowerOverflow,
}

/// The validators of a height, in canonical order (power descending, then address ascending).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorSet {
    validators: Arc<Vec<Validator>>,
    total_voting_power: VotingPower,
}

impl ValidatorSet {
    /// Builds the set from the ledger's view of the validators.
    pub fn from_ledger(infos: &[ValidatorInfo]) -> Result<Self, ValidatorSetError> {
        let mut validators = Vec::with_capacity(infos.len());
        for info in infos {
            let shown = hex::encode(info.public_key.0);
            let public_key = PublicKey::from_bytes(info.public_key.0)
                .map_err(|_| ValidatorSetError::InvalidKey(shown.clone()))?;
            if info.power == 0 {
                return Err(ValidatorSetError::ZeroPower(shown));
            }
            validators.push(Validator {
                address: ConsensusAddress::from_public_key(&public_key),
                public_key,
                voting_power: info.power,
            });
        }
        Self::new(validators)
    }

    /// Sorts `validators` canonically and checks the set invariants.
    pub fn new(mut validators: Vec<Validator>) -> Result<Self, ValidatorSetError> {
        if validators.is_empty() {
            return Err(ValidatorSetError::Empty);
        }
        validators
            .sort_by(|a, b| b.voting_power.cmp(&a.voting_power).then_with(|| a.address.cmp(&b.address)));
        let mut total: VotingPower = 0;
        for (i, v) in validators.iter().enumerate() {
            if v.voting_power == 0 {
                return Err(ValidatorSetError::ZeroPower(v.address.to_string()));
            }
            if validators[..i].iter().any(|w| w.address == v.address) {
                return Err(ValidatorSetError::Duplicate(v.address.to_string()));
            }
            total = total.checked_add(v.voting_power).ok_or(ValidatorSetError::PowerOverflow)?;
        }
        Ok(ValidatorSet { validators: Arc::new(validators), total_voting_power: total })
    }

    /// The validators, in canonical order.
    pub fn validators(&self) -> &[Validator] {
        &self.validators
    }

    /// The proposer of `round` at `height`: round-robin over the canonical order, shifted by one
    /// each height so that proposers rotate even when every round 0 succeeds.
    pub fn proposer(&self, height: Height, round: Round) -> &Validator {
        let n = self.validators.len() as u64;
        let round = u64::from(round.as_u32().unwrap_or(0));
        let index = height.0.saturating_sub(1).wrapping_add(round) % n;
        // In bounds: `index < n` and the set is never empty (see `new`).
        &self.validators[index as usize]
    }
}

impl core::ValidatorSet<ComputeFiContext> for ValidatorSet {
    fn count(&self) -> usize {
        self.validators.len()
    }

    fn total_voting_power(&self) -> VotingPower {
        self.total_voting_power
    }

    fn get_by_address(&self, address: &ConsensusAddress) -> Option<&Validator> {
        self.validators.iter().find(|v| &v.address == address)
    }

    fn get_by_index(&self, index: usize) -> Option<&Validator> {
        self.validators.get(index)
    }
}

/// A proposal: "at `height` and `round`, decide `value`", signed by `proposer`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// Height.
    pub height: Height,
    /// Round.
    pub round: Round,
    /// The proposed block's hash.
    pub value: BlockId,
    /// The round of the polka this value was locked in, or nil for a fresh value.
    pub pol_round: Round,
    /// The proposer.
    pub proposer: ConsensusAddress,
}

impl core::Proposal<ComputeFiContext> for Proposal {
    fn height(&self) -> Height {
        self.height
    }

    fn round(&self) -> Round {
        self.round
    }

    fn value(&self) -> &BlockId {
        &self.value
    }

    fn take_value(self) -> BlockId {
        self.value
    }

    fn pol_round(&self) -> Round {
        self.pol_round
    }

    fn validator_address(&self) -> &ConsensusAddress {
        &self.proposer
    }
}

/// A prevote or precommit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vote {
    /// Prevote or precommit.
    pub vote_type: VoteType,
    /// Height.
    pub height: Height,
    /// Round.
    pub round: Round,
    /// The block voted for, or nil.
    pub value: NilOrVal<Hash>,
    /// The voter.
    pub validator: ConsensusAddress,
    /// Never set by ComputeFi validators; carried so that a peer's vote round-trips.
    pub extension: Option<SignedExtension<ComputeFiContext>>,
}

impl Vote {
    /// A vote without an extension, as ComputeFi validators cast them.
    fn unextended(
        vote_type: VoteType,
        height: Height,
        round: Round,
        value: NilOrVal<Hash>,
        validator: ConsensusAddress,
    ) -> Vote {
        Vote { vote_type, height, round, value, validator, extension: None }
    }
}

impl core::Vote<ComputeFiContext> for Vote {
    fn height(&self) -> Height {
        self.height
    }

    fn round(&self) -> Round {
        self.round
    }

    fn value(&self) -> &NilOrVal<Hash> {
        &self.value
    }

    fn take_value(self) -> NilOrVal<Hash> {
        self.value
    }

    fn vote_type(&self) -> VoteType {
        self.vote_type
    }

    fn validator_address(&self) -> &ConsensusAddress {
        &self.validator
    }

    fn extension(&self) -> Option<&SignedExtension<ComputeFiContext>> {
        self.extension.as_ref()
    }

    fn take_extension(&mut self) -> Option<SignedExtension<ComputeFiContext>> {
        self.extension.take()
    }

    fn extend(self, extension: SignedExtension<ComputeFiContext>) -> Self {
        Vote { extension: Some(extension), ..self }
    }
}

/// First part of a proposal stream: who proposes what, where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposalInit {
    /// Height of the block.
    pub height: Height,
    /// Round in which the block was first proposed.
    pub round: Round,
    /// Polka round of the proposal (nil: a freshly built block).
    pub pol_round: Round,
    /// The proposer.
    pub proposer: ConsensusAddress,
}

/// Last part of a proposal stream: the proposer's signature over the init fields and the block
/// bytes (see `signing::proposal_parts_sign_bytes`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposalFin {
    /// ed25519 signature of the proposer.
    pub signature: malachitebft_signing_ed25519::Signature,
}

/// One part of a streamed proposal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProposalPart {
    /// Always first.
    Init(ProposalInit),
    /// A chunk of the block's canonical bytes, in order.
    Data(bytes::Bytes),
    /// Always last.
    Fin(ProposalFin),
}

impl core::ProposalPart<ComputeFiContext> for ProposalPart {
    fn is_first(&self) -> bool {
        matches!(self, ProposalPart::Init(_))
    }

    fn is_last(&self) -> bool {
        matches!(self, ProposalPart::Fin(_))
    }
}

impl Context for ComputeFiContext {
    type Address = ConsensusAddress;
    type Height = Height;
    type ProposalPart = ProposalPart;
    type Proposal = Proposal;
    type Validator = Validator;
    type ValidatorSet = ValidatorSet;
    type Timeouts = LinearTimeouts;
    type Value = BlockId;
    type Vote = Vote;
    type Extension = ();
    type SigningScheme = Ed25519;

    fn select_proposer<'a>(
        &self,
        validator_set: &'a ValidatorSet,
        height: Height,
        round: Round,
    ) -> &'a Validator {
        validator_set.proposer(height, round)
    }

    fn new_proposal(
        &self,
        height: Height,
        round: Round,
        value: BlockId,
        pol_round: Round,
        address: ConsensusAddress,
    ) -> Proposal {
        Proposal { height, round, value, pol_round, proposer: address }
    }

    fn new_prevote(
        &self,
        height: Height,
        round: Round,
        value_id: NilOrVal<Hash>,
        address: ConsensusAddress,
    ) -> Vote {
        Vote::unextended(VoteType::Prevote, height, round, value_id, address)
    }

    fn new_precommit(
        &self,
        height: Height,
        round: Round,
        value_id: NilOrVal<Hash>,
        address: ConsensusAddress,
    ) -> Vote {
        Vote::unextended(VoteType::Precommit, height, round, value_id, address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_types::PublicKey as LedgerKey;
    use malachitebft_app_channel::app::types::core::ValidatorSet as _;

    fn info(seed: u8, power: u64) -> ValidatorInfo {
        let sk = ed25519_consensus::SigningKey::from([seed; 32]);
        ValidatorInfo { public_key: LedgerKey(sk.verification_key().to_bytes()), power }
    }

    #[test]
    fn validator_set_order_does_not_depend_on_input_order() {
        let a = ValidatorSet::from_ledger(&[info(1, 10), info(2, 10), info(3, 20)]).unwrap();
        let b = ValidatorSet::from_ledger(&[info(3, 20), info(2, 10), info(1, 10)]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.validators()[0].voting_power, 20);
        assert_eq!(a.total_voting_power(), 40);
    }

    #[test]
    fn proposers_rotate_across_heights_and_rounds() {
        let set = ValidatorSet::from_ledger(&[info(1, 1), info(2, 1), info(3, 1)]).unwrap();
        let p = |h, r| set.proposer(Height(h), Round::new(r)).address;
        assert_eq!(p(1, 0), set.validators()[0].address);
        assert_eq!(p(2, 0), set.validators()[1].address);
        assert_eq!(p(1, 1), set.validators()[1].address);
        assert_eq!(p(3, 1), set.validators()[0].address);
    }

    #[test]
    fn bad_validator_sets_are_refused() {
        assert_eq!(ValidatorSet::from_ledger(&[]), Err(ValidatorSetError::Empty));
        assert!(matches!(ValidatorSet::from_ledger(&[info(1, 0)]), Err(ValidatorSetError::ZeroPower(_))));
        assert!(matches!(
            ValidatorSet::from_ledger(&[info(1, 1), info(1, 1)]),
            Err(ValidatorSetError::Duplicate(_))
        ));
        assert!(matches!(
            ValidatorSet::from_ledger(&[info(1, u64::MAX), info(2, 1)]),
            Err(ValidatorSetError::PowerOverflow)
        ));
    }

    #[test]
    fn address_matches_the_ledger_derivation() {
        let i = info(7, 1);
        let set = ValidatorSet::from_ledger(std::slice::from_ref(&i)).unwrap();
        assert_eq!(set.validators()[0].address.0, Address::from_public_key(&i.public_key));
    }
}
