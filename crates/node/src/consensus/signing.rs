//! What a validator signs, and the signer and verifier the engine calls.
//!
//! Every consensus preimage starts with its own domain tag and the chain id, so a signature for
//! one kind of message, or one chain, never verifies as another:
//!
//! | message | preimage |
//! |---|---|
//! | vote | `"computefi/consensus/vote/v1"` ‖ chain ‖ type ‖ height ‖ round ‖ value ‖ validator |
//! | proposal | `"computefi/consensus/proposal/v1"` ‖ chain ‖ height ‖ round ‖ value ‖ pol round ‖ proposer |
//! | vote extension | `"computefi/consensus/vote-extension/v1"` ‖ chain ‖ height ‖ round ‖ value ‖ validator |
//! | proposal parts | `"computefi/consensus/proposal-parts/v1"` ‖ chain ‖ height ‖ round ‖ pol round ‖ proposer ‖ sha256(block bytes) |
//!
//! (`chain` is the chain id as a length-prefixed byte string; the other fields use the layouts of
//! `codec`.) The vote extension is not part of the vote preimage, as the engine requires: a vote
//! re-derived on WAL replay must match its recorded signature whatever extension it carried.
//! Validator proofs sign [`ValidatorProof::signing_bytes`] with no prefix, as the engine requires.

use async_trait::async_trait;
use computefi_types::{sha256, Hash};
use malachitebft_app_channel::app::types::core::{SignedMessage, ValidatorProof, VoteExtensionScope};
use malachitebft_signing::{Error, Signer, VerificationResult, Verifier};
use malachitebft_signing_ed25519::{PrivateKey, PublicKey, Signature};

use super::codec::Writer;
use super::context::{ComputeFiContext as Ctx, Proposal, ProposalInit, Vote};

const VOTE_DOMAIN: &[u8] = b"computefi/consensus/vote/v1";
const PROPOSAL_DOMAIN: &[u8] = b"computefi/consensus/proposal/v1";
const EXTENSION_DOMAIN: &[u8] = b"computefi/consensus/vote-extension/v1";
const PARTS_DOMAIN: &[u8] = b"computefi/consensus/proposal-parts/v1";

fn preimage(domain: &[u8], chain_id: &str, body: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(domain);
    w.bytes(chain_id.as_bytes());
    body(&mut w);
    w.into_bytes()
}

/// The bytes a validator signs for `vote` (its extension excluded).
pub fn vote_sign_bytes(chain_id: &str, vote: &Vote) -> Vec<u8> {
    preimage(VOTE_DOMAIN, chain_id, |w| {
        w.vote_type(vote.vote_type);
        w.height(vote.height);
        w.round(vote.round);
        w.nil_or_val(&vote.value);
        w.address(&vote.validator);
    })
}

/// The bytes a proposer signs for `proposal`.
pub fn proposal_sign_bytes(chain_id: &str, proposal: &Proposal) -> Vec<u8> {
    preimage(PROPOSAL_DOMAIN, chain_id, |w| {
        w.height(proposal.height);
        w.round(proposal.round);
        w.hash(&proposal.value.0);
        w.round(proposal.pol_round);
        w.address(&proposal.proposer);
    })
}

/// The bytes a validator signs for a vote extension (always empty in ComputeFi) in `scope`.
pub fn extension_sign_bytes(chain_id: &str, scope: &VoteExtensionScope<Ctx>) -> Vec<u8> {
    preimage(EXTENSION_DOMAIN, chain_id, |w| {
        w.height(scope.height);
        w.round(scope.round);
        w.hash(&scope.value_id);
        w.address(&scope.validator_address);
    })
}

/// The bytes a proposer signs for a streamed proposal: its init fields and the hash of the block
/// bytes the data parts carry.
pub fn proposal_parts_sign_bytes(chain_id: &str, init: &ProposalInit, block_bytes_hash: &Hash) -> Vec<u8> {
    preimage(PARTS_DOMAIN, chain_id, |w| {
        w.height(init.height);
        w.round(init.round);
        w.round(init.pol_round);
        w.address(&init.proposer);
        w.hash(block_bytes_hash);
    })
}

/// Checks a proposer's signature over streamed parts.
pub fn verify_proposal_parts(
    chain_id: &str,
    init: &ProposalInit,
    block_bytes: &[u8],
    signature: &Signature,
    public_key: &PublicKey,
) -> bool {
    let bytes = proposal_parts_sign_bytes(chain_id, init, &sha256(block_bytes));
    public_key.verify(&bytes, signature).is_ok()
}

/// Verifies consensus signatures. Holds no key.
#[derive(Clone, Debug)]
pub struct ConsensusVerifier {
    chain_id: String,
}

impl ConsensusVerifier {
    /// A verifier for `chain_id`.
    pub fn new(chain_id: impl Into<String>) -> Self {
        ConsensusVerifier { chain_id: chain_id.into() }
    }
}

fn verdict(public_key: &PublicKey, bytes: &[u8], signature: &Signature) -> VerificationResult {
    VerificationResult::from_bool(public_key.verify(bytes, signature).is_ok())
}

#[async_trait]
impl Verifier<Ctx> for ConsensusVerifier {
    async fn verify_signed_vote(
        &self,
        vote: &Vote,
        signature: &Signature,
        public_key: &PublicKey,
    ) -> Result<VerificationResult, Error> {
        Ok(verdict(public_key, &vote_sign_bytes(&self.chain_id, vote), signature))
    }

    async fn verify_signed_proposal(
        &self,
        proposal: &Proposal,
        signature: &Signature,
        public_key: &PublicKey,
    ) -> Result<VerificationResult, Error> {
        let bytes = proposal_sign_bytes(&self.chain_id, proposal);
        Ok(verdict(public_key, &bytes, signature))
    }

    async fn verify_signed_vote_extension(
        &self,
        scope: &VoteExtensionScope<Ctx>,
        _extension: &(),
        signature: &Signature,
        public_key: &PublicKey,
    ) -> Result<VerificationResult, Error> {
        let bytes = extension_sign_bytes(&self.chain_id, scope);
        Ok(verdict(public_key, &bytes, signature))
    }

    async fn verify_validator_proof(&self, proof: &ValidatorProof<Ctx>) -> Result<VerificationResult, Error> {
        let public_key = proof
            .decoded_public_key()
            .map_err(|e| Error::from_source(format!("invalid key in validator proof: {e}")))?;
        Ok(verdict(&public_key, &proof.preimage(), &proof.signature))
    }
}

/// Signs votes, proposals and proposal parts with this validator's consensus key.
#[derive(Clone)]
pub struct ConsensusSigner {
    key: PrivateKey,
    chain_id: String,
}

impl std::fmt::Debug for ConsensusSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("ConsensusSigner")
            .field("public_key", &hex::encode(self.key.public_key().as_bytes()))
            .field("chain_id", &self.chain_id)
            .finish()
    }
}

impl ConsensusSigner {
    /// A signer for `chain_id` from an ed25519 seed.
    pub fn new(seed: [u8; 32], chain_id: impl Into<String>) -> Self {
        ConsensusSigner { key: PrivateKey::from(seed), chain_id: chain_id.into() }
    }

    /// The consensus public key.
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// Signs a streamed proposal: `init` and the block bytes carried by the data parts.
    pub fn sign_proposal_parts(&self, init: &ProposalInit, block_bytes: &[u8]) -> Signature {
        let bytes = proposal_parts_sign_bytes(&self.chain_id, init, &sha256(block_bytes));
        self.key.sign(&bytes)
    }
}

#[async_trait]
impl Signer<Ctx> for ConsensusSigner {
    async fn sign_vote(&self, vote: Vote) -> Result<SignedMessage<Ctx, Vote>, Error> {
        let signature = self.key.sign(&vote_sign_bytes(&self.chain_id, &vote));
        Ok(SignedMessage::new(vote, signature))
    }

    async fn sign_proposal(&self, proposal: Proposal) -> Result<SignedMessage<Ctx, Proposal>, Error> {
        let signature = self.key.sign(&proposal_sign_bytes(&self.chain_id, &proposal));
        Ok(SignedMessage::new(proposal, signature))
    }

    async fn sign_vote_extension(
        &self,
        scope: VoteExtensionScope<Ctx>,
        extension: (),
    ) -> Result<SignedMessage<Ctx, ()>, Error> {
        let signature = self.key.sign(&extension_sign_bytes(&self.chain_id, &scope));
        Ok(SignedMessage::new(extension, signature))
    }

    async fn sign_validator_proof(
        &self,
        public_key: Vec<u8>,
        peer_id: Vec<u8>,
    ) -> Result<ValidatorProof<Ctx>, Error> {
        let signature = self.key.sign(&ValidatorProof::<Ctx>::signing_bytes(&public_key, &peer_id));
        Ok(ValidatorProof::new(public_key, peer_id, signature))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consensus::context::{BlockId, ConsensusAddress, Height};
    use malachitebft_app_channel::app::types::core::{Context as _, NilOrVal, Round};

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }

    #[test]
    fn signatures_verify_only_for_their_chain_and_message() {
        let signer = ConsensusSigner::new([7; 32], "chain-a");
        let me = ConsensusAddress::from_public_key(&signer.public_key());
        let vote = Ctx.new_precommit(Height(3), Round::new(0), NilOrVal::Val(Hash([1; 32])), me);
        let signed = block_on(signer.sign_vote(vote.clone())).unwrap();
        let pk = signer.public_key();

        let same_chain = ConsensusVerifier::new("chain-a");
        let other_chain = ConsensusVerifier::new("chain-b");
        let ok = |v: &ConsensusVerifier, vote: &Vote| {
            block_on(v.verify_signed_vote(vote, &signed.signature, &pk)).unwrap().is_valid()
        };
        assert!(ok(&same_chain, &vote));
        assert!(!ok(&other_chain, &vote));
        let nil = Ctx.new_precommit(Height(3), Round::new(0), NilOrVal::Nil, me);
        assert!(!ok(&same_chain, &nil));

        // A proposal signature is not a vote signature, even over equal-looking fields.
        let proposal = Ctx.new_proposal(Height(3), Round::new(0), BlockId(Hash([1; 32])), Round::Nil, me);
        let signed_p = block_on(signer.sign_proposal(proposal.clone())).unwrap();
        assert!(block_on(same_chain.verify_signed_proposal(&proposal, &signed_p.signature, &pk))
            .unwrap()
            .is_valid());
        assert!(!block_on(same_chain.verify_signed_vote(&vote, &signed_p.signature, &pk))
            .unwrap()
            .is_valid());
    }

    #[test]
    fn vote_extension_does_not_change_the_vote_signature() {
        let signer = ConsensusSigner::new([8; 32], "c");
        let me = ConsensusAddress::from_public_key(&signer.public_key());
        let vote = Ctx.new_precommit(Height(1), Round::new(0), NilOrVal::Nil, me);
        let mut extended = vote.clone();
        extended.extension = Some(SignedMessage::new((), Signature::from_bytes([1; 64])));
        assert_eq!(vote_sign_bytes("c", &vote), vote_sign_bytes("c", &extended));
    }

    #[test]
    fn proposal_part_signatures_bind_the_block_bytes() {
        let signer = ConsensusSigner::new([9; 32], "c");
        let init = ProposalInit {
            height: Height(2),
            round: Round::new(1),
            pol_round: Round::Nil,
            proposer: ConsensusAddress::from_public_key(&signer.public_key()),
        };
        let sig = signer.sign_proposal_parts(&init, b"block");
        let pk = signer.public_key();
        assert!(verify_proposal_parts("c", &init, b"block", &sig, &pk));
        assert!(!verify_proposal_parts("c", &init, b"blocK", &sig, &pk));
        let later = ProposalInit { round: Round::new(2), ..init.clone() };
        assert!(!verify_proposal_parts("c", &later, b"block", &sig, &pk));
    }
}
