//! Rough throughput figures for the store: block commits on a pre-filled tree, reads, proofs and
//! the integrity check at open. Run with
//! `cargo run --release -p computefi-store --example store_bench -- [keys_prefill] [writes_per_block] [blocks]`.

#![allow(clippy::disallowed_methods, reason = "a benchmark measures wall time; this is not consensus code")]

use std::time::{Duration, Instant};

use computefi_store::{verify_proof, BlockRecord, Store, WriteSet};
use sha2::{Digest, Sha256};

fn key(i: u64) -> Vec<u8> {
    let mut k = b"acct/".to_vec();
    k.extend_from_slice(&Sha256::digest(i.to_be_bytes())[..20]);
    k
}

fn value(i: u64, v: u64) -> Vec<u8> {
    let mut out = vec![0u8; 100];
    out[..8].copy_from_slice(&i.to_be_bytes());
    out[8..16].copy_from_slice(&v.to_be_bytes());
    out
}

fn record(height: u64, txs: u64) -> BlockRecord {
    let hash = |tag: u8, n: u64| {
        let mut h = [tag; 32];
        h[..8].copy_from_slice(&height.to_be_bytes());
        h[8..16].copy_from_slice(&n.to_be_bytes());
        h
    };
    BlockRecord {
        height,
        block_hash: hash(0xbb, 0),
        block_bytes: vec![7u8; 64 * 1024],
        certificate: vec![9u8; 512],
        receipts: (0..txs).map(|n| (hash(0x77, n), vec![1u8; 40])).collect(),
    }
}

fn per_op(total: Duration, n: u64) -> String {
    format!("{:.1} µs", total.as_secs_f64() * 1e6 / n as f64)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let prefill = args.first().copied().unwrap_or(200_000);
    let per_block = args.get(1).copied().unwrap_or(5_000);
    let blocks = args.get(2).copied().unwrap_or(20);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.redb");
    let store = Store::open(&path)?;

    let start = Instant::now();
    let mut genesis = WriteSet::new();
    for i in 0..prefill {
        genesis.insert(key(i), Some(value(i, 0)));
    }
    store.commit(0, &genesis, None)?;
    println!("genesis: {prefill} keys in {:?}", start.elapsed());

    let (mut compute, mut commit) = (Duration::ZERO, Duration::ZERO);
    for h in 1..=blocks {
        // Half updates of existing keys, half new keys.
        let mut set = WriteSet::new();
        for n in 0..per_block {
            let i = if n % 2 == 0 { (h * 7919 + n * 104_729) % prefill } else { prefill + h * per_block + n };
            set.insert(key(i), Some(value(i, h)));
        }
        let t = Instant::now();
        let predicted = store.compute_root(h, &set)?;
        compute += t.elapsed();
        let t = Instant::now();
        let root = store.commit(h, &set, Some(&record(h, per_block / 2)))?;
        commit += t.elapsed();
        assert_eq!(root, predicted);
    }
    let writes = blocks * per_block;
    println!(
        "{blocks} blocks x {per_block} writes: compute_root {:?}/block, commit (prepared) {:?}/block, {:.0} writes/s end to end",
        compute / blocks as u32,
        commit / blocks as u32,
        writes as f64 / (compute + commit).as_secs_f64()
    );

    let cold = Instant::now();
    let mut cold_commit = Duration::ZERO;
    for h in blocks + 1..=blocks + 5 {
        let set: WriteSet = (0..per_block).map(|n| (key(n * 31 + h), Some(value(n, h)))).collect();
        let t = Instant::now();
        store.commit(h, &set, Some(&record(h, per_block / 2)))?;
        cold_commit += t.elapsed();
    }
    println!("commit without compute_root first: {:?}/block ({:?} total)", cold_commit / 5, cold.elapsed());

    let latest = store.latest_version().unwrap_or(0);
    let n = 20_000u64;
    let t = Instant::now();
    for i in 0..n {
        store.get_latest(&key(i * 13 % prefill))?;
    }
    println!("get_latest: {}", per_op(t.elapsed(), n));
    let t = Instant::now();
    for i in 0..n {
        store.get(&key(i * 13 % prefill), latest / 2)?;
    }
    println!("get at a past version: {}", per_op(t.elapsed(), n));
    let root = store.root_hash(latest)?;
    let proofs_n = 5_000u64;
    let t = Instant::now();
    let proofs: Vec<_> =
        (0..proofs_n).map(|i| store.prove(&key(i * 17 % prefill), latest)).collect::<Result<_, _>>()?;
    println!("prove: {}, proof size {} bytes", per_op(t.elapsed(), proofs_n), proofs[0].proof.len());
    let t = Instant::now();
    for p in &proofs {
        verify_proof(p, &root)?;
    }
    println!("verify_proof: {}", per_op(t.elapsed(), proofs_n));

    let t = Instant::now();
    let report = store.prune(latest)?;
    println!("prune to {latest}: {} nodes in {:?}", report.nodes_removed, t.elapsed());
    drop(store);
    let size = std::fs::metadata(&path)?.len();
    let t = Instant::now();
    let store = Store::open(&path)?;
    println!("reopen with integrity check: {:?} for a {:.1} MiB file", t.elapsed(), size as f64 / 1048576.0);
    assert_eq!(store.latest_version(), Some(latest));
    Ok(())
}
