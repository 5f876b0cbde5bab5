//! The proof verifiers on real data: Bitcoin mainnet headers, NVIDIA's H100 attestation sample,
//! published chi-square quantiles, and seeded matrix challenges, with negatives for each.

use computefi_proofs::attestation::{self, AttestationError, NVIDIA_DEVICE_IDENTITY_ROOT_SHA256};
use computefi_proofs::hashrate::{self, Classification, HashrateError, ShareTally};
use computefi_proofs::matmul::{self, Challenge, MatmulError};
use computefi_proofs::pow::{self, Hash256, Header, PowError, Target};

// ---------------------------------------------------------------------------------------------
// Mainnet headers. Each header's hash is checked against a block hash published independently
// of the header's source, so a mistyped header cannot pass.
// ---------------------------------------------------------------------------------------------

struct RealBlock {
    height: u32,
    header: &'static str,
    hash: &'static str,
    difficulty: &'static str,
}

const BLOCKS: [RealBlock; 5] = [
    // Genesis: issue 5; hash in Bitcoin Core's chainparams.cpp (hashGenesisBlock).
    RealBlock {
        height: 0,
        header: "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c",
        hash: "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
        difficulty: "1",
    },
    // Block 1: header as quoted in libbitcoin's and Bitcoin Core's kernel tests (MAINNET_BLOCK1,
    // block_1_hex); its prev hash is the genesis hash.
    RealBlock {
        height: 1,
        header: "010000006fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000982051fd1e4ba744bbbe680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e61bc6649ffff001d01e36299",
        hash: "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048",
        difficulty: "1",
    },
    // Block 100,000: bitcoinj FilteredBlockAndPartialMerkleTreeTests.java (header and hash).
    RealBlock {
        height: 100_000,
        header: "0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0b2940996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710",
        hash: "000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506",
        difficulty: "14484.16236122",
    },
    // Block 100,001: first 80 bytes of the raw block in the same bitcoinj test; hash asserted there.
    RealBlock {
        height: 100_001,
        header: "0100000006e533fd1ada86391f3f6c343204b0d278d4aaec1c0b20aa27ba0300000000006abbb3eb3d733a9fe18967fd7d4c117e4ccbbac5bec4d910d900b3ae0793e77f54241b4d4c86041b4089cc9b",
        hash: "00000000000080b66c911bd5ba14a74260057311eaeb1982802f7010f1a9f090",
        difficulty: "14484.16236122",
    },
    // Block 840,000 (fourth halving): header as quoted in public SPV test suites; hash pinned by
    // Bitcoin Core's chainparams.cpp (m_assumeutxo_data, height 840'000).
    RealBlock {
        height: 840_000,
        header: "00e05f2aab948491071265ad552351d0ad625745668da54b0172010000000000000000004f89a5d73bd4d4887f25981fe81892ccafda10c27f52d6f3dd28183a7c411b03b7072366194203177d9863ea",
        hash: "0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5",
        difficulty: "86388558925171.01171269",
    },
];

fn header(height: u32) -> Header {
    let b = BLOCKS.iter().find(|b| b.height == height).unwrap();
    Header::from_hex(b.header).unwrap()
}

#[test]
fn real_mainnet_headers_hash_to_their_published_hashes_and_meet_their_own_targets() {
    for b in &BLOCKS {
        let h = Header::from_hex(b.header).unwrap();
        let check = h.check_block_pow().unwrap();
        assert_eq!(check.hash.to_string(), b.hash, "block {}", b.height);
        assert!(check.valid, "block {}", b.height);
        assert_eq!(check.target.difficulty(), b.difficulty, "block {}", b.height);
        assert_eq!(hex::encode(h.to_bytes()), b.header, "block {} round trip", b.height);
    }
}

#[test]
fn consecutive_real_headers_chain_by_previous_hash() {
    assert_eq!(header(1).prev_blockhash(), header(0).block_hash());
    assert_eq!(header(100_001).prev_blockhash(), header(100_000).block_hash());
}

#[test]
fn header_fields_decode_little_endian_as_in_the_protocol() {
    let g = header(0);
    assert_eq!(g.version(), 1);
    assert_eq!(g.time(), 1_231_006_505);
    assert_eq!(g.bits(), 0x1d00ffff);
    assert_eq!(g.nonce(), 2_083_236_893);
    assert_eq!(
        g.merkle_root().to_string(),
        "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
    );
    let h = header(840_000);
    assert_eq!(h.bits(), 0x17034219);
    assert_eq!(h.time(), 1_713_571_767);
}

#[test]
fn flipping_any_single_bit_of_a_real_header_breaks_its_proof_of_work() {
    for b in BLOCKS.iter().filter(|b| b.height == 0 || b.height == 840_000) {
        let bytes = hex::decode(b.header).unwrap();
        for bit in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let h = Header::parse(&flipped).unwrap();
            let outcome = h.check_block_pow();
            assert!(!matches!(outcome, Ok(c) if c.valid), "block {} bit {bit} still valid", b.height);
            assert_ne!(h.block_hash().to_string(), b.hash);
        }
    }
}

#[test]
fn a_header_that_is_not_eighty_bytes_is_refused() {
    let bytes = hex::decode(BLOCKS[0].header).unwrap();
    assert_eq!(Header::parse(&bytes[..79]), Err(PowError::HeaderLength(79)));
    assert_eq!(Header::parse(&[bytes.clone(), vec![0]].concat()), Err(PowError::HeaderLength(81)));
    assert!(matches!(Header::from_hex("zz"), Err(PowError::Hex { .. })));
}

#[test]
fn a_header_whose_bits_exceed_the_mainnet_limit_is_refused_even_if_its_hash_is_low() {
    let mut bytes = hex::decode(BLOCKS[0].header).unwrap();
    bytes[72..76].copy_from_slice(&0x207fffff_u32.to_le_bytes()); // regtest's easy target
                                                                  // Mine it: about every other nonce meets a target of 2^255.
    let mined = (0u32..256)
        .map(|nonce| {
            bytes[76..80].copy_from_slice(&nonce.to_le_bytes());
            Header::parse(&bytes).unwrap()
        })
        .find(|h| h.check_share(&h.target().unwrap()).valid)
        .unwrap();
    assert_eq!(mined.check_block_pow(), Err(PowError::TargetAbovePowLimit(0x207fffff)));
}

#[test]
fn a_share_meets_a_difficulty_exactly_up_to_its_hash_difficulty() {
    // T1 / hash of block 100,000 is 17,583.x, so difficulty 17,583 is met and 17,584 is not.
    let h = header(100_000);
    assert!(h.check_share(&Target::from_difficulty(1).unwrap()).valid);
    assert!(h.check_share(&Target::from_difficulty(17_583).unwrap()).valid);
    assert!(!h.check_share(&Target::from_difficulty(17_584).unwrap()).valid);
    assert_eq!(Target::from_difficulty(0), Err(PowError::DifficultyZero));
    let t: Target = "000000000000ffff000000000000000000000000000000000000000000000000".parse().unwrap();
    assert_eq!(t, Target::from_difficulty(65_536).unwrap());
    assert_eq!("00".repeat(32).parse::<Target>(), Err(PowError::TargetZero));
}

// Block 100,000's coinbase and its Stratum merkle branch (txids 2 and hash(3 ‖ 4), display
// order, as Blockstream's API gives the proof for position 0).
const COINBASE_100000: &str = "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff08044c86041b020602ffffffff0100f2052a010000004341041b0e8c2567c12536aa13357b79a073dc4444acb83c4ec7a0e2f99dd7457516c5817242da796924ca4e99947d087fedf9ce467cb9f7c6287078f801df276fdf84ac00000000";
const BRANCH_100000: [&str; 2] = [
    "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
    "8e30899078ca1813be036a073bbf80b86cdddde1c96e9e9c99e9e3782df4ae49",
];

fn branch_100000() -> Vec<[u8; 32]> {
    BRANCH_100000.iter().map(|h| h.parse::<Hash256>().unwrap().to_internal()).collect()
}

#[test]
fn a_real_coinbase_with_its_branch_binds_to_its_header_through_a_tag_in_its_script() {
    let cb = hex::decode(COINBASE_100000).unwrap();
    let tag = hex::decode("4c86041b").unwrap(); // bytes the coinbase script carries
    pow::verify_coinbase_binding(&header(100_000), &cb, &branch_100000(), &tag).unwrap();
}

#[test]
fn a_coinbase_binding_fails_on_a_missing_tag_a_wrong_branch_or_another_header() {
    let cb = hex::decode(COINBASE_100000).unwrap();
    let tag = hex::decode("4c86041b").unwrap();
    let branch = branch_100000();
    let other_tag = b"title-0042".to_vec();
    assert_eq!(
        pow::verify_coinbase_binding(&header(100_000), &cb, &branch, &other_tag),
        Err(PowError::TagMissing)
    );
    let mut bad_branch = branch.clone();
    bad_branch[1][0] ^= 1;
    assert!(matches!(
        pow::verify_coinbase_binding(&header(100_000), &cb, &bad_branch, &tag),
        Err(PowError::MerkleRootMismatch { .. })
    ));
    assert!(matches!(
        pow::verify_coinbase_binding(&header(100_001), &cb, &branch, &tag),
        Err(PowError::MerkleRootMismatch { .. })
    ));
    let mut not_coinbase = cb.clone();
    not_coinbase[5] = 1; // the input now spends a real outpoint
    assert_eq!(
        pow::verify_coinbase_binding(&header(100_000), &not_coinbase, &branch, &tag),
        Err(PowError::NotCoinbase)
    );
    assert_eq!(
        pow::verify_coinbase_binding(&header(100_000), &cb, &branch, b"ab"),
        Err(PowError::TagLength(2))
    );
    assert!(matches!(
        pow::verify_coinbase_binding(&header(100_000), &cb[..40], &branch, &tag),
        Err(PowError::CoinbaseMalformed(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Hashrate and the exact Poisson interval.
// ---------------------------------------------------------------------------------------------

/// (N, lower, upper) in millionths, from an arbitrary-precision evaluation (mpmath, 40 digits) of
/// χ²(0.025; 2N)/2 and χ²(0.975; 2N+2)/2; they agree with published tables (N = 10: 4.795,
/// 18.39; N = 100: 81.36, 121.63).
const GARWOOD: [(u64, u128, u128); 10] = [
    (0, 0, 3_688_880),
    (1, 25_317, 5_571_644),
    (2, 242_209, 7_224_688),
    (5, 1_623_486, 11_668_333),
    (10, 4_795_388, 18_390_357),
    (100, 81_363_991, 121_626_794),
    (385, 347_498_464, 425_445_411),
    (1_000, 938_973_018, 1_063_952_137),
    (10_000, 9_804_952_467, 10_197_951_625),
    (100_000, 99_381_152_663, 100_621_744_740),
];

#[test]
fn poisson_interval_matches_exact_chi_square_quantiles_to_a_millionth() {
    for (n, lo, up) in GARWOOD {
        let i = hashrate::poisson_interval_95(n).unwrap();
        // Outward rounding: never inside the exact interval, and at most 2 millionths outside.
        assert!(
            i.lower_micro() <= lo && lo - i.lower_micro() <= 2,
            "N {n}: lower {} vs {lo}",
            i.lower_micro()
        );
        assert!(
            i.upper_micro() >= up && i.upper_micro() - up <= 2,
            "N {n}: upper {} vs {up}",
            i.upper_micro()
        );
    }
}

#[test]
fn poisson_interval_at_the_share_limit_is_computed_and_stays_within_a_millionth_relative() {
    // N = 10^6: [998,040.98, 1,001,961.91] (mpmath).
    let i = hashrate::poisson_interval_95(hashrate::SHARES_PER_WINDOW_MAX).unwrap();
    assert!(i.lower_micro().abs_diff(998_040_983_340) < 1_000_000, "{}", i.lower_micro());
    assert!(i.upper_micro().abs_diff(1_001_961_911_950) < 1_000_000, "{}", i.upper_micro());
    assert_eq!(
        hashrate::poisson_interval_95(hashrate::SHARES_PER_WINDOW_MAX + 1),
        Err(HashrateError::TooManyShares(1_000_001))
    );
}

#[test]
fn poisson_interval_is_the_same_bits_every_time_golden() {
    // Conformance: these raw Q64.64 values must never change (they can decide `degraded`).
    let i = hashrate::poisson_interval_95(10).unwrap();
    let again = hashrate::poisson_interval_95(10).unwrap();
    assert_eq!(i, again);
    assert_eq!((i.lower_raw, i.upper_raw), GOLDEN_N10);
}

const GOLDEN_N10: (u128, u128) = (88_459_308_010_454_384_640, 339_242_191_332_520_755_200);

#[test]
fn hundred_terahash_at_difficulty_65536_for_ten_minutes_is_estimated_inside_its_interval() {
    // FORMULAS.md: 100 TH/s at d = 65,536 for 10 min ≈ 213 shares.
    let tally = ShareTally { count: 213, difficulty: 65_536 };
    let e = hashrate::estimate(tally, 600).unwrap();
    assert_eq!(e.estimate_hs, 99_923_616_732_282); // 2^32·213·65536/600, floor
    assert!(e.lower_hs < e.estimate_hs && e.estimate_hs < e.upper_hs);
    let claimed = 100_000_000_000_000;
    assert_eq!(hashrate::classify(claimed, tally, 600).unwrap(), Classification::WithinInterval);
    assert_eq!(hashrate::classify(150_000_000_000_000, tally, 600).unwrap(), Classification::AboveInterval);
    assert!(hashrate::classify(150_000_000_000_000, tally, 600).unwrap().is_degraded());
    assert_eq!(hashrate::classify(50_000_000_000_000, tally, 600).unwrap(), Classification::BelowInterval);
    assert_eq!(hashrate::share_difficulty_for(claimed, 600, 213).unwrap(), 65_586);
}

#[test]
fn no_shares_in_a_window_bounds_the_hashrate_by_three_point_six_nine_shares() {
    let tally = ShareTally { count: 0, difficulty: 65_536 };
    let e = hashrate::estimate(tally, 600).unwrap();
    assert_eq!((e.estimate_hs, e.lower_hs), (0, 0));
    // 3.688879… · 65536 · 2^32 / 600 ≈ 1.7306 TH/s
    assert_eq!(e.upper_hs / 1_000_000_000, 1_730);
    assert!(hashrate::classify(100_000_000_000_000, tally, 600).unwrap().is_degraded());
    assert!(!hashrate::classify(1_000_000_000_000, tally, 600).unwrap().is_degraded());
}

#[test]
fn hashrate_inputs_outside_their_limits_are_refused() {
    let t = ShareTally { count: 1, difficulty: 1 };
    assert_eq!(hashrate::estimate(t, 0), Err(HashrateError::EmptyWindow));
    assert_eq!(
        hashrate::estimate(t, hashrate::WINDOW_S_MAX + 1),
        Err(HashrateError::WindowTooLong(hashrate::WINDOW_S_MAX + 1))
    );
    assert_eq!(
        hashrate::estimate(ShareTally { count: 1, difficulty: 0 }, 60),
        Err(HashrateError::ZeroDifficulty)
    );
    assert_eq!(hashrate::estimate_hs(1, 1).unwrap(), 1 << 32);
    assert_eq!(hashrate::share_difficulty_for(1, 60, 0), Err(HashrateError::NoSharesExpected));
    assert_eq!(hashrate::share_difficulty_for(1, 60, 400).unwrap(), 1, "never below difficulty 1");
    // The largest inputs still compute.
    let big = ShareTally { count: hashrate::SHARES_PER_WINDOW_MAX, difficulty: u64::MAX };
    assert!(hashrate::estimate(big, 1).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Matrix challenges.
// ---------------------------------------------------------------------------------------------

fn solved(seed: u8, n: u32) -> (Challenge, Vec<i32>) {
    let ch = Challenge::new([seed; 32], n).unwrap();
    let c = matmul::multiply(n as usize, &ch.matrix_a().unwrap(), &ch.matrix_b().unwrap()).unwrap();
    (ch, c)
}

#[test]
fn a_correct_product_of_a_seeded_challenge_passes_freivalds() {
    for n in [1, 2, 7, 16, 64] {
        let (ch, c) = solved(1, n);
        assert!(matmul::verify_challenge(&ch, &c, matmul::FREIVALDS_ROUNDS_DEFAULT).unwrap(), "n {n}");
    }
}

#[test]
fn a_product_wrong_in_any_single_entry_fails_freivalds() {
    let n = 12;
    let (ch, c) = solved(2, n);
    for i in 0..c.len() {
        let mut bad = c.clone();
        bad[i] = bad[i].wrapping_add(1);
        assert!(!matmul::verify_challenge(&ch, &bad, 1).unwrap(), "entry {i}");
    }
    let (_, other) = solved(3, n);
    assert!(!matmul::verify_challenge(&ch, &other, 4).unwrap());
}

#[test]
fn the_offline_check_accepts_explicit_matrices_and_their_product() {
    let (ch, c) = solved(4, 9);
    let (a, b) = (ch.matrix_a().unwrap(), ch.matrix_b().unwrap());
    assert!(matmul::verify_product(9, &a, &b, &c, 4).unwrap());
    let mut swapped = c.clone();
    swapped.swap(0, 1);
    assert!(!matmul::verify_product(9, &a, &b, &swapped, 4).unwrap() || c[0] == c[1]);
    // Files round-trip through their byte formats.
    let a2 = matmul::parse_i8_matrix("A", 9, &matmul::i8_matrix_bytes(&a)).unwrap();
    let c2 = matmul::parse_i32_matrix("C", 9, &matmul::i32_matrix_bytes(&c)).unwrap();
    assert_eq!((a2, c2), (a, c));
}

#[test]
fn seed_expansion_is_deterministic_and_golden() {
    // Conformance for agents that expand seeds on a GPU: these bytes must never change.
    let ch = Challenge::new([0; 32], 4).unwrap();
    assert_eq!(ch.matrix_a().unwrap(), ch.matrix_a().unwrap());
    assert_ne!(ch.matrix_a().unwrap(), ch.matrix_b().unwrap());
    assert_eq!(hex::encode(matmul::i8_matrix_bytes(&ch.matrix_a().unwrap())), GOLDEN_A_SEED0_N4);
    let (_, c) = solved(0, 4);
    assert_eq!(hex::encode(matmul::commit_product(4, &c).unwrap()), GOLDEN_COMMIT_SEED0_N4);
    let seed = matmul::derive_seed(&[0xab; 32], b"title-1").unwrap();
    assert_eq!(hex::encode(seed), GOLDEN_SEED);
}

// Computed independently from the formats in the matmul module docs (Python hashlib).
const GOLDEN_A_SEED0_N4: &str = "a748922342bd16022a73ad56f563e5ca";
const GOLDEN_COMMIT_SEED0_N4: &str = "7c1efb90a568aed4e6cefd1d08d575cc389c0ba12f86429175d002162f177055";
const GOLDEN_SEED: &str = "1ca8de37e2f2e82d56e19d20e0cc2946277398b8fa7de7d11b811e15108be9a4";

#[test]
fn an_opened_row_checks_against_the_commitment_and_a_tampered_one_does_not() {
    let (ch, c) = solved(5, 6);
    let commitment = matmul::commit_product(6, &c).unwrap();
    let opening = matmul::open_row(6, &c, 3).unwrap();
    assert!(matmul::verify_row_opening(&ch, &commitment, &opening).unwrap());
    let mut bad_row = opening.clone();
    bad_row.row[0] += 1;
    assert!(!matmul::verify_row_opening(&ch, &commitment, &bad_row).unwrap());
    let mut bad_path = opening.clone();
    bad_path.path[0][0] ^= 1;
    assert!(!matmul::verify_row_opening(&ch, &commitment, &bad_path).unwrap());
    let mut short_path = opening;
    short_path.path.pop();
    assert!(!matmul::verify_row_opening(&ch, &commitment, &short_path).unwrap());
}

/// The 16 rows the ledger asks for in trial `t`: a fresh seed, the prover's commitment, then the
/// hash of the block that holds it (which the prover could not know when it committed).
fn asked_rows(t: u64, n: u32, commitment: &[u8; 32]) -> Vec<u32> {
    let seed = computefi_proofs_sha(&[b"seed".as_slice(), &t.to_le_bytes()].concat());
    let block = computefi_proofs_sha(&[b"block".as_slice(), &t.to_le_bytes()].concat());
    matmul::rows_to_open(&seed, commitment, &block, n, 16).unwrap()
}

fn computefi_proofs_sha(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

#[test]
fn a_prover_that_computed_half_of_c_passes_fewer_than_one_challenge_in_ten_thousand() {
    // Exactly: 16 distinct rows out of R, all among the R/2 it computed: C(R/2,16)/C(R,16) < 2^-16.
    let n = 256u32;
    let rows = matmul::committed_rows(n as usize).unwrap() as u64;
    let exact: f64 = (0..16u64).map(|i| (rows / 2 - i) as f64 / (rows - i) as f64).product();
    assert!(exact < 2f64.powi(-16) && exact < 1e-4, "pass probability {exact:e}");
    // Sampled with the ledger's own row choice: the prover computed every other row of the
    // commitment (any half does as well) and commits once per challenge, before the block hash.
    let trials = 50_000u64;
    let mut passed = 0u64;
    for t in 0..trials {
        let commitment = computefi_proofs_sha(&[b"commitment".as_slice(), &t.to_le_bytes()].concat());
        if asked_rows(t, n, &commitment).iter().all(|r| r % 2 == 0) {
            passed += 1;
        }
    }
    assert!(passed * 10_000 < trials, "{passed} of {trials} challenges passed");
    // The same count for a prover that computed all of C: every challenge.
    let all = (0..1_000u64).filter(|t| asked_rows(*t, n, &[0; 32]).len() == 16).count();
    assert_eq!(all, 1_000);
}

#[test]
fn an_honest_prover_passes_every_challenge_over_many_seeds() {
    for t in 0..30u64 {
        let n = [16u32, 65, 130][(t % 3) as usize];
        let ch = Challenge::new(computefi_proofs_sha(&t.to_le_bytes()), n).unwrap();
        let c = matmul::multiply(n as usize, &ch.matrix_a().unwrap(), &ch.matrix_b().unwrap()).unwrap();
        let commitment = matmul::commit_product(n as usize, &c).unwrap();
        for row in asked_rows(t, n, &commitment) {
            let opening = matmul::open_row(n as usize, &c, row as usize).unwrap();
            assert!(matmul::verify_row_opening(&ch, &commitment, &opening).unwrap(), "seed {t} row {row}");
        }
    }
}

#[test]
fn matrix_inputs_outside_their_limits_are_refused() {
    assert_eq!(Challenge::new([0; 32], 0), Err(MatmulError::SizeOutOfRange(0)));
    let past = matmul::MATRIX_N_MAX as u32 + 1;
    assert_eq!(Challenge::new([0; 32], past), Err(MatmulError::SizeOutOfRange(past as usize)));
    let (ch, c) = solved(6, 3);
    assert!(matches!(matmul::verify_challenge(&ch, &c[..8], 1), Err(MatmulError::WrongLength { .. })));
    assert_eq!(matmul::verify_challenge(&ch, &c, 0), Err(MatmulError::RoundsOutOfRange(0)));
    assert_eq!(matmul::verify_challenge(&ch, &c, 17), Err(MatmulError::RoundsOutOfRange(17)));
    assert!(matches!(matmul::parse_i32_matrix("C", 3, &[0; 35]), Err(MatmulError::WrongLength { .. })));
    assert_eq!(matmul::derive_seed(&[0; 32], &[0; 257]), Err(MatmulError::ContextTooLong(257)));
}

#[test]
fn a_challenge_or_opening_from_a_peer_with_sizes_beyond_every_limit_is_refused_without_a_panic() {
    // A Challenge's fields are public (and deserialisable), so n need not have passed Challenge::new.
    let huge = Challenge { seed: [0; 32], n: u32::MAX };
    let huge_n = u32::MAX as usize;
    assert_eq!(huge.matrix_a(), Err(MatmulError::SizeOutOfRange(huge_n)));
    assert_eq!(matmul::verify_challenge(&huge, &[], 1), Err(MatmulError::SizeOutOfRange(huge_n)));
    let empty = matmul::RowOpening { index: 0, row: vec![], path: vec![] };
    assert_eq!(matmul::verify_row_opening(&huge, &[0; 32], &empty), Err(MatmulError::SizeOutOfRange(huge_n)));
    let zero = Challenge { seed: [0; 32], n: 0 };
    assert_eq!(matmul::verify_row_opening(&zero, &[0; 32], &empty), Err(MatmulError::SizeOutOfRange(0)));
    assert_eq!(matmul::rows_to_open(&[0; 32], &[0; 32], &[0; 32], 0, 3), Err(MatmulError::SizeOutOfRange(0)));
    let (ch, c) = solved(7, 3);
    let far = matmul::RowOpening { index: u32::MAX, row: vec![0; 3], path: vec![] };
    assert_eq!(
        matmul::verify_row_opening(&ch, &[0; 32], &far),
        Err(MatmulError::RowOutOfRange { index: u32::MAX as usize, rows: 3 })
    );
    let short = matmul::RowOpening { index: 0, row: vec![0; 2], path: vec![] };
    assert!(matches!(
        matmul::verify_row_opening(&ch, &[0; 32], &short),
        Err(MatmulError::WrongLength { .. })
    ));
    assert_eq!(matmul::open_row(3, &c, 3), Err(MatmulError::RowOutOfRange { index: 3, rows: 3 }));
    assert_eq!(matmul::open_row(0, &c, 0), Err(MatmulError::SizeOutOfRange(0)));
    assert_eq!(matmul::multiply(usize::MAX, &[], &[]), Err(MatmulError::SizeOutOfRange(usize::MAX)));
    assert!(
        matches!(matmul::parse_i32_matrix("C", 4096, &[]), Err(MatmulError::WrongLength { want, .. }) if want == 4 << 24)
    );
}

// ---------------------------------------------------------------------------------------------
// NVIDIA attestation (sample from nv-local-gpu-verifier 2.7.3, BSD-3-Clause; see tests/data).
// ---------------------------------------------------------------------------------------------

const REPORT: &str = include_str!("data/hopperAttestationReport.txt");
const CHAIN: &str = include_str!("data/hopperCertChain.txt");
const ROOT: &str = include_str!("data/verifier_device_root.pem");
const SAMPLE_NONCE: &str = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";

fn nonce() -> [u8; 32] {
    hex::decode(SAMPLE_NONCE).unwrap().try_into().unwrap()
}

fn report() -> Vec<u8> {
    attestation::decode_report(REPORT.as_bytes()).unwrap()
}

fn chain_der() -> Vec<Vec<u8>> {
    attestation::pem_certificates(CHAIN.as_bytes()).unwrap()
}

fn root_der() -> Vec<u8> {
    attestation::pem_certificates(ROOT.as_bytes()).unwrap().remove(0)
}

#[test]
fn the_nvidia_h100_sample_verifies_with_its_nonce_up_to_the_pinned_root() {
    let (r, chain) = attestation::verify_attestation(
        REPORT.as_bytes(),
        CHAIN.as_bytes(),
        ROOT.as_bytes(),
        Some(&nonce()),
        None,
    )
    .unwrap();
    assert_eq!(chain.length, 5);
    assert_eq!(chain.root_sha256, NVIDIA_DEVICE_IDENTITY_ROOT_SHA256);
    assert!(chain.leaf_subject.contains("GH100 A01 GSP FMC LF"), "{}", chain.leaf_subject);
    assert_eq!(r.spdm_version, 0x11);
    assert_eq!(hex::encode(&r.nonce), SAMPLE_NONCE);
    assert_eq!(r.measurements.len(), 64);
    assert!(r.measurements.iter().all(|m| m.value.len() == 48 && m.spec == 1));
    assert_eq!(r.driver_version().as_deref(), Some("550.90.07"));
}

#[test]
fn the_sample_verifies_at_a_time_inside_every_validity_period_and_not_before_the_root_existed() {
    let at_2025 = 1_735_689_600;
    attestation::verify_chain(&chain_der(), &root_der(), Some(at_2025)).unwrap();
    let at_2020 = 1_577_836_800;
    assert!(matches!(
        attestation::verify_chain(&chain_der(), &root_der(), Some(at_2020)),
        Err(AttestationError::OutsideValidity { .. })
    ));
}

#[test]
fn a_report_cut_short_at_any_length_is_refused_without_a_panic() {
    let chain = attestation::verify_chain(&chain_der(), &root_der(), None).unwrap();
    let full = report();
    for len in 0..full.len() {
        let short = &full[..len];
        assert!(attestation::parse_report(short).is_err(), "{len} bytes parsed");
        assert!(attestation::verify_report(short, &chain, Some(&nonce())).is_err(), "{len} bytes verified");
    }
    assert!(attestation::verify_report(&full, &chain, Some(&nonce())).is_ok());
}

#[test]
fn a_report_for_another_nonce_is_refused_as_stale() {
    let chain = attestation::verify_chain(&chain_der(), &root_der(), None).unwrap();
    let mut other = nonce();
    other[31] ^= 1;
    assert!(matches!(
        attestation::verify_report(&report(), &chain, Some(&other)),
        Err(AttestationError::NonceMismatch { .. })
    ));
}

#[test]
fn a_one_byte_change_anywhere_in_the_report_or_its_signature_fails() {
    let chain = attestation::verify_chain(&chain_der(), &root_der(), None).unwrap();
    let good = report();
    attestation::verify_report(&good, &chain, Some(&nonce())).unwrap();
    // Every byte of the request, the response header and the signature; every 13th byte of the
    // measurements and opaque data (each check is a P-384 verification, slow unoptimised).
    let sig_start = good.len() - attestation::SIGNATURE_BYTES;
    let positions = (0..45).chain((45..sig_start).step_by(13)).chain(sig_start..good.len());
    for i in positions {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        assert!(attestation::verify_report(&bad, &chain, Some(&nonce())).is_err(), "byte {i}");
    }
    assert!(attestation::verify_report(&good[..good.len() - 1], &chain, None).is_err());
    assert!(attestation::verify_report(&[good.clone(), vec![0]].concat(), &chain, None).is_err());
}

#[test]
fn a_one_byte_change_in_any_certificate_fails() {
    let chain = chain_der();
    let root = root_der();
    for (c, der) in chain.iter().enumerate() {
        // Every byte of the signature-covered part would take minutes unoptimised; a stride
        // that is coprime to every field length still touches every field of every certificate.
        for i in (0..der.len()).step_by(7).chain([der.len() - 1]) {
            let mut bad = chain.clone();
            bad[c][i] ^= 0x01;
            // The root is also the trust anchor: a changed last certificate is no longer it.
            assert!(attestation::verify_chain(&bad, &root, None).is_err(), "certificate {c} byte {i}");
        }
    }
    let mut bad_root = root.clone();
    let last = bad_root.len() - 1;
    bad_root[last] ^= 0x01;
    assert!(attestation::verify_chain(&chain, &bad_root, None).is_err());
}

#[test]
fn a_chain_without_its_root_still_verifies_and_a_reordered_or_foreign_one_does_not() {
    let mut chain = chain_der();
    let root = root_der();
    chain.pop();
    assert_eq!(attestation::verify_chain(&chain, &root, None).unwrap().length, 5);
    chain.swap(0, 1);
    assert!(matches!(
        attestation::verify_chain(&chain, &root, None),
        Err(AttestationError::IssuerMismatch(0))
    ));
    // Trusting an intermediate as the root: the real root in the chain is not it.
    let full = chain_der();
    assert_eq!(
        attestation::verify_chain(&full, &full[3], None).unwrap_err(),
        AttestationError::UntrustedRoot
    );
}

#[test]
fn attestation_inputs_outside_their_limits_are_refused() {
    assert!(matches!(attestation::pem_certificates(b"no pem here"), Err(AttestationError::NoCertificates)));
    let many = CHAIN.repeat(2);
    assert_eq!(attestation::pem_certificates(many.as_bytes()), Err(AttestationError::TooManyCertificates));
    let big = vec![0u8; attestation::REPORT_BYTES_MAX + 1];
    assert!(matches!(attestation::decode_report(&big), Err(AttestationError::ReportTooLarge(_))));
    assert!(matches!(
        attestation::verify_attestation(REPORT.as_bytes(), CHAIN.as_bytes(), CHAIN.as_bytes(), None, None),
        Err(AttestationError::RootCount(5))
    ));
    assert!(matches!(attestation::parse_report(&[0x11; 10]), Err(AttestationError::RequestMalformed(_))));
    // Hex wrapped over lines reads the same as one line; raw bytes read as themselves.
    let wrapped: String = REPORT
        .trim()
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(attestation::decode_report(wrapped.as_bytes()).unwrap(), report());
    assert_eq!(attestation::decode_report(&report()).unwrap(), report());
}
