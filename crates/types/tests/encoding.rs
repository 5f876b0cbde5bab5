//! Conformance: golden hashes of every wire encoding. A change here changes transaction hashes,
//! signatures or block hashes for everyone; regenerate only on purpose, with a protocol version
//! bump.
//!
//! The error codes' numbers and names, which clients match on, are pinned in [`error_codes`].

// A file under a folder, not `tests/error_codes.rs`: this stays one test binary.
#[path = "encoding/error_codes.rs"]
mod error_codes;

use computefi_types::{
    Address, Amount, AssetId, AssetsMsg, BankMsg, Block, Header, Msg, Output, PublicKey, SignedTx, Tx,
};

fn key() -> ed25519_consensus::SigningKey {
    ed25519_consensus::SigningKey::from([7u8; 32])
}

fn sample_tx() -> SignedTx {
    let to = Address([2; 20]);
    let asset = AssetId::derive(&Address([3; 20]), "GPUX");
    Tx {
        chain_id: "computefi-test".into(),
        signer: PublicKey::from_signing_key(&key()),
        nonce: 5,
        fee: Amount(1_000),
        msgs: vec![
            Msg::Bank(BankMsg::Send { to, asset, amount: Amount(42) }),
            Msg::Bank(BankMsg::MultiSend { outputs: vec![Output { to, asset, amount: Amount(1) }] }),
            Msg::Assets(AssetsMsg::Create {
                symbol: "GPUX".into(),
                name: "GPU".into(),
                decimals: 6,
                max_supply: Some(Amount(9)),
            }),
            Msg::Assets(AssetsMsg::Mint { asset, to, amount: Amount(3) }),
            Msg::Assets(AssetsMsg::Burn { asset, amount: Amount(1) }),
        ],
        memo: "hello".into(),
    }
    .sign(&key())
}

#[test]
fn the_transaction_encoding_and_hash_are_pinned() {
    let tx = sample_tx();
    assert_eq!(tx.hash().to_hex(), GOLDEN_TX_HASH, "the transaction layout changed");
    assert_eq!(SignedTx::decode(&tx.to_bytes()).unwrap(), tx, "bytes round-trip");
    tx.verify_signature().expect("ed25519 signatures are deterministic");
}

#[test]
fn the_block_header_hash_is_pinned() {
    let txs = vec![sample_tx()];
    let header = Header {
        chain_id: "computefi-test".into(),
        height: 7,
        time_ms: 1_767_225_600_000,
        prev_hash: computefi_types::sha256(b"prev"),
        proposer: Address([4; 20]),
        txs_hash: Block::txs_hash_of(&txs),
        app_hash: computefi_types::sha256(b"state"),
    };
    assert_eq!(header.hash().to_hex(), GOLDEN_HEADER_HASH, "the header layout changed");
    let block = Block { header, txs };
    assert_eq!(Block::decode(&block.to_bytes()).unwrap(), block);
}

#[test]
fn ids_have_one_prefix_per_kind_and_refuse_the_other_kinds() {
    let account = Address::from_public_key(&PublicKey::from_signing_key(&key()));
    let text = account.to_string();
    assert!(text.starts_with("cfi1"));
    assert_eq!(text.parse::<Address>().unwrap(), account);
    let asset = AssetId::native().to_string();
    assert!(asset.starts_with("cfiasset1"));
    assert!(asset.parse::<Address>().is_err(), "an asset id is not an account");
    assert!(text.parse::<AssetId>().is_err(), "an account is not an asset id");
    let mut flipped = text.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'q' { b'p' } else { b'q' };
    assert!(String::from_utf8(flipped).unwrap().parse::<Address>().is_err(), "a bad checksum is refused");
    assert_eq!(account.to_string(), GOLDEN_ADDRESS);
    assert_eq!(AssetId::native().to_string(), GOLDEN_NATIVE_ASSET);
}

#[test]
fn ids_that_share_a_cache_slot_or_bytes_still_encode_as_their_own_kind() {
    // The same 20 bytes as an account and as an asset id, and ids whose first two bytes agree
    // (one cache slot), each round-trip to exactly themselves, whatever order they are shown in.
    let mut ids = Vec::new();
    for tail in 0u8..8 {
        let mut bytes = [7u8; 20];
        bytes[19] = tail;
        ids.push((Address(bytes), AssetId(bytes)));
    }
    for _ in 0..2 {
        for (account, asset) in &ids {
            let a = account.to_string();
            let b = asset.to_string();
            assert!(a.starts_with("cfi1") && b.starts_with("cfiasset1"));
            assert_eq!(a.parse::<Address>().unwrap(), *account);
            assert_eq!(b.parse::<AssetId>().unwrap(), *asset);
        }
    }
}

#[test]
fn a_batch_and_single_verification_agree() {
    let good = sample_tx();
    let mut bad = sample_tx();
    bad.signature[0] ^= 1;
    for (tx, ok) in [(&good, true), (&bad, false)] {
        let mut batch = ed25519_consensus::batch::Verifier::new();
        tx.queue_signature(&mut batch).unwrap();
        assert_eq!(batch.verify(rand_core::OsRng).is_ok(), ok);
        assert_eq!(tx.verify_signature().is_ok(), ok);
    }
}

#[test]
fn decoding_random_bytes_never_panics() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for len in 0..512usize {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let _ = SignedTx::decode(&bytes);
        let _ = Block::decode(&bytes);
    }
}

const GOLDEN_TX_HASH: &str = "84c066af5a2b2f2046b8a8a5b99990d0f02908296d4e2ea1fc7e4f13b6a55f1a";
const GOLDEN_HEADER_HASH: &str = "d391d2531844d9ec1db009a3c442caca5d34b70a8f4ef061d3338e1966d026b5";
const GOLDEN_ADDRESS: &str = "cfi1l6qjcyhn4dxwdtzak6dvx5heqm93ky00q7z2he";
const GOLDEN_NATIVE_ASSET: &str = "cfiasset17wdes99vssvx3knp6nhjxnm3s9n3mxcjsyva3c";
