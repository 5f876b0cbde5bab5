//! `computefi proof …`: check proofs of asset offline with the ledger's own verifiers
//! (`computefi-proofs`). A check that ran prints `valid: true|false` and exits 0; input that
//! cannot be read (a missing file, malformed hex) is an error with a non-zero exit, and so is an
//! attestation that does not verify (a script must not take a refused device for a genuine one).

use crate::output::{print, Format};
use anyhow::Context;
use clap::{Args, Subcommand};
use computefi_proofs::{attestation, hashrate, matmul, pow};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Offline proof checks.
#[derive(Subcommand)]
pub enum ProofCmd {
    /// Check an 80-byte Bitcoin block header: its own proof of work, or a mining share.
    Header(HeaderArgs),
    /// Check a matrix product C = A·B with Freivalds' algorithm.
    Matmul(MatmulArgs),
    /// Write the matrices A and B of a seeded challenge (and C = A·B with --c).
    MatmulGen(MatmulGenArgs),
    /// Verify an NVIDIA GPU attestation report, its certificate chain and its nonce.
    Attestation(AttestationArgs),
    /// Estimate hashrate and its exact 95 % interval from a share count.
    Hashrate(HashrateArgs),
}

/// Options of `proof header`.
#[derive(Args)]
pub struct HeaderArgs {
    /// The header: 160 hex digits (80 bytes, as serialized on the wire).
    pub hex: String,
    /// Check a share against this 256-bit target (64 hex digits, big-endian) instead of the
    /// header's own bits.
    #[arg(long, conflicts_with = "share_difficulty")]
    pub share_target: Option<String>,
    /// Check a share at this pool difficulty (target = difficulty-1 target / D).
    #[arg(long)]
    pub share_difficulty: Option<u64>,
}

/// Options of `proof matmul`.
#[derive(Args)]
pub struct MatmulArgs {
    /// Rows and columns of A, B and C.
    #[arg(long)]
    pub n: usize,
    /// A: n·n int8, row-major.
    #[arg(long)]
    pub a: PathBuf,
    /// B: n·n int8, row-major.
    #[arg(long)]
    pub b: PathBuf,
    /// C: n·n int32, row-major, little-endian.
    #[arg(long)]
    pub c: PathBuf,
    /// Freivalds rounds; a wrong C passes with probability ≤ 2^(−16·rounds).
    #[arg(long, default_value_t = matmul::FREIVALDS_ROUNDS_DEFAULT)]
    pub rounds: u32,
}

/// Options of `proof matmul-gen`.
#[derive(Args)]
pub struct MatmulGenArgs {
    /// The challenge seed: 64 hex digits.
    #[arg(long)]
    pub seed: String,
    /// Rows and columns.
    #[arg(long)]
    pub n: u32,
    /// Where to write A.
    #[arg(long)]
    pub a: PathBuf,
    /// Where to write B.
    #[arg(long)]
    pub b: PathBuf,
    /// Also compute C = A·B on the CPU (O(n³): minutes at n = 4096) and write it here.
    #[arg(long)]
    pub c: Option<PathBuf>,
}

/// Options of `proof attestation`.
#[derive(Args)]
pub struct AttestationArgs {
    /// The report: hex text as NVIDIA's tools write it, or raw bytes.
    #[arg(long)]
    pub report: PathBuf,
    /// The device certificate chain, PEM, leaf first.
    #[arg(long)]
    pub certs: PathBuf,
    /// The trusted root, PEM (NVIDIA Device Identity CA).
    #[arg(long)]
    pub root: PathBuf,
    /// The nonce the verifier issued (64 hex digits). Without it freshness is NOT checked.
    #[arg(long)]
    pub nonce: Option<String>,
    /// Check every certificate's validity period at this Unix time.
    #[arg(long)]
    pub at_unix_s: Option<u64>,
}

/// Options of `proof hashrate`.
#[derive(Args)]
pub struct HashrateArgs {
    /// Shares counted in the window.
    #[arg(long)]
    pub shares: u64,
    /// The window's share difficulty.
    #[arg(long)]
    pub difficulty: u64,
    /// Window length in seconds.
    #[arg(long)]
    pub window_s: u64,
    /// A claimed hashrate (hashes per second) to place against the interval.
    #[arg(long)]
    pub claimed_hs: Option<u128>,
}

/// Runs a proof check.
pub fn run(cmd: ProofCmd, format: Format) -> anyhow::Result<()> {
    let value = match cmd {
        ProofCmd::Header(args) => header(&args)?,
        ProofCmd::Matmul(args) => matmul_check(&args)?,
        ProofCmd::MatmulGen(args) => matmul_gen(&args)?,
        ProofCmd::Attestation(args) => attestation_check(&args)?,
        ProofCmd::Hashrate(args) => hashrate_estimate(&args)?,
    };
    print(format, &value);
    Ok(())
}

/// `proof header`: the JSON document it prints.
pub fn header(args: &HeaderArgs) -> anyhow::Result<Value> {
    let h = pow::Header::from_hex(&args.hex).context("the header must be 160 hex digits (80 bytes)")?;
    let fields = json!({
        "version": h.version(),
        "prev_blockhash": h.prev_blockhash().to_string(),
        "merkle_root": h.merkle_root().to_string(),
        "time": h.time(),
        "bits": format!("{:08x}", h.bits()),
        "nonce": h.nonce(),
    });
    let share_target = match (&args.share_target, args.share_difficulty) {
        (Some(t), _) => {
            Some(t.parse::<pow::Target>().context("--share-target must be 64 hex digits, big-endian")?)
        }
        (None, Some(d)) => Some(pow::Target::from_difficulty(d)?),
        (None, None) => None,
    };
    let (mode, outcome) = match share_target {
        Some(t) => ("share", Ok(h.check_share(&t))),
        None => ("block", h.check_block_pow()),
    };
    Ok(match outcome {
        Ok(c) => json!({
            "valid": c.valid,
            "mode": mode,
            "hash": c.hash.to_string(),
            "target": c.target.to_string(),
            "difficulty": c.target.difficulty(),
            "header": fields,
        }),
        Err(e) => json!({
            "valid": false,
            "mode": mode,
            "hash": h.block_hash().to_string(),
            "target": Value::Null,
            "difficulty": Value::Null,
            "reason": e.to_string(),
            "header": fields,
        }),
    })
}

fn matmul_check(args: &MatmulArgs) -> anyhow::Result<Value> {
    if args.n == 0 || args.n > matmul::MATRIX_N_MAX {
        anyhow::bail!("--n {} is outside 1..={}", args.n, matmul::MATRIX_N_MAX);
    }
    let nn = args.n * args.n;
    let a = matmul::parse_i8_matrix("A", args.n, &read_exact(&args.a, nn)?)?;
    let b = matmul::parse_i8_matrix("B", args.n, &read_exact(&args.b, nn)?)?;
    let c = matmul::parse_i32_matrix("C", args.n, &read_exact(&args.c, 4 * nn)?)?;
    let valid = matmul::verify_product(args.n, &a, &b, &c, args.rounds)?;
    Ok(json!({
        "valid": valid,
        "n": args.n,
        "rounds": args.rounds,
        "commitment": hex::encode(matmul::commit_product(args.n, &c)?),
    }))
}

fn matmul_gen(args: &MatmulGenArgs) -> anyhow::Result<Value> {
    let seed: [u8; 32] = hex::decode(args.seed.trim())
        .ok()
        .and_then(|v| v.try_into().ok())
        .context("--seed must be 64 hex digits (32 bytes)")?;
    let ch = matmul::Challenge::new(seed, args.n)?;
    let (a, b) = (ch.matrix_a()?, ch.matrix_b()?);
    write(&args.a, &matmul::i8_matrix_bytes(&a))?;
    write(&args.b, &matmul::i8_matrix_bytes(&b))?;
    let mut out = json!({
        "n": args.n,
        "seed": hex::encode(seed),
        "a": args.a.display().to_string(),
        "b": args.b.display().to_string(),
    });
    if let Some(path) = &args.c {
        let c = matmul::multiply(args.n as usize, &a, &b)?;
        write(path, &matmul::i32_matrix_bytes(&c))?;
        out["c"] = json!(path.display().to_string());
        out["commitment"] = json!(hex::encode(matmul::commit_product(args.n as usize, &c)?));
    }
    Ok(out)
}

/// `proof attestation`: the JSON document of a report that verifies; an error naming the failed
/// check for one that does not, so the command exits non-zero.
pub fn attestation_check(args: &AttestationArgs) -> anyhow::Result<Value> {
    let report = read_bounded(&args.report, 2 * attestation::REPORT_BYTES_MAX + 2)?;
    let certs = read_bounded(&args.certs, attestation::CHAIN_PEM_BYTES_MAX)?;
    let root = read_bounded(&args.root, attestation::CHAIN_PEM_BYTES_MAX)?;
    let nonce: Option<[u8; 32]> = match &args.nonce {
        Some(s) => Some(
            hex::decode(s.trim())
                .ok()
                .and_then(|v| v.try_into().ok())
                .context("--nonce must be 64 hex digits (32 bytes)")?,
        ),
        None => None,
    };
    let (r, chain) = attestation::verify_attestation(&report, &certs, &root, nonce.as_ref(), args.at_unix_s)
        .map_err(|e| anyhow::anyhow!("the attestation does NOT verify: {e}"))?;
    Ok(json!({
        "valid": true,
        "nonce": hex::encode(&r.nonce),
        "nonce_checked": nonce.is_some(),
        "spdm_version": format!("{:#04x}", r.spdm_version),
        "measurements": r.measurements.len(),
        "driver_version": r.driver_version(),
        "leaf_subject": chain.leaf_subject,
        "chain_length": chain.length,
        "root_sha256": hex::encode(chain.root_sha256),
        "root_is_nvidia_device_identity_ca":
            chain.root_sha256 == attestation::NVIDIA_DEVICE_IDENTITY_ROOT_SHA256,
        "leaf_key_sha256": hex::encode(chain.leaf_key_sha256),
        "device_key_sha256": chain.device_key_sha256.map(hex::encode),
    }))
}

fn hashrate_estimate(args: &HashrateArgs) -> anyhow::Result<Value> {
    let tally = hashrate::ShareTally { count: args.shares, difficulty: args.difficulty };
    let e = hashrate::estimate(tally, args.window_s)?;
    let mut out = json!({
        "shares": args.shares,
        "difficulty": args.difficulty,
        "window_s": args.window_s,
        "estimate_hs": e.estimate_hs.to_string(),
        "lower_hs": e.lower_hs.to_string(),
        "upper_hs": e.upper_hs.to_string(),
    });
    if let Some(claimed) = args.claimed_hs {
        let class = hashrate::classify(claimed, tally, args.window_s)?;
        out["claimed_hs"] = json!(claimed.to_string());
        out["classification"] = serde_json::to_value(class)?;
        out["degraded"] = json!(class.is_degraded());
    }
    Ok(out)
}

/// Reads a file of exactly `len` bytes, checking the size before reading.
fn read_exact(path: &Path, len: usize) -> anyhow::Result<Vec<u8>> {
    let size = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len();
    if size != len as u64 {
        anyhow::bail!(
            "{} has {size} bytes, but {len} are expected for this n; check --n and the file",
            path.display()
        );
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Reads a file of at most `max` bytes, checking the size before reading.
fn read_bounded(path: &Path, max: usize) -> anyhow::Result<Vec<u8>> {
    let size = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len();
    if size > max as u64 {
        anyhow::bail!("{} has {size} bytes, above the limit of {max}", path.display());
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENESIS: &str = "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";

    fn args(hex: &str) -> HeaderArgs {
        HeaderArgs { hex: hex.into(), share_target: None, share_difficulty: None }
    }

    #[test]
    fn the_genesis_header_prints_valid_with_its_hash_target_and_difficulty() {
        let v = header(&args(GENESIS)).unwrap();
        assert_eq!(v["valid"], true);
        assert_eq!(v["hash"], "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
        assert_eq!(v["target"], "00000000ffff0000000000000000000000000000000000000000000000000000");
        assert_eq!(v["difficulty"], "1");
        assert_eq!(v["header"]["bits"], "1d00ffff");
    }

    #[test]
    fn a_header_with_a_flipped_nonce_bit_prints_invalid_and_a_share_check_uses_the_share_target() {
        let mut flipped = hex::decode(GENESIS).unwrap();
        flipped[79] ^= 1;
        let v = header(&args(&hex::encode(flipped))).unwrap();
        assert_eq!(v["valid"], false);
        let mut share = args(GENESIS);
        share.share_difficulty = Some(2_536); // T1 / genesis hash = 2,536.x
        assert_eq!(header(&share).unwrap()["valid"], true);
        share.share_difficulty = Some(2_537);
        assert_eq!(header(&share).unwrap()["valid"], false);
        assert_eq!(header(&share).unwrap()["mode"], "share");
    }

    #[test]
    fn header_bits_above_the_mainnet_limit_print_invalid_with_a_reason() {
        let mut bytes = hex::decode(GENESIS).unwrap();
        bytes[72..76].copy_from_slice(&0x207fffff_u32.to_le_bytes());
        let v = header(&args(&hex::encode(bytes))).unwrap();
        assert_eq!(v["valid"], false);
        assert!(v["reason"].as_str().unwrap().contains("proof-of-work limit"));
    }

    #[test]
    fn a_header_that_is_not_hex_is_an_error() {
        assert!(header(&args("xyz")).is_err());
    }

    const SAMPLE_NONCE: &str = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";

    /// NVIDIA's H100 sample (crates/proofs/tests/data), copied to `dir` with `report` as the
    /// report's hex text.
    fn sample_args(dir: &Path, report: &str, nonce: Option<&str>) -> AttestationArgs {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../proofs/tests/data");
        std::fs::write(dir.join("report.txt"), report).unwrap();
        AttestationArgs {
            report: dir.join("report.txt"),
            certs: data.join("hopperCertChain.txt"),
            root: data.join("verifier_device_root.pem"),
            nonce: nonce.map(str::to_string),
            at_unix_s: None,
        }
    }

    fn sample_report() -> String {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../proofs/tests/data");
        std::fs::read_to_string(data.join("hopperAttestationReport.txt")).unwrap()
    }

    #[test]
    fn the_nvidia_sample_attestation_prints_valid_with_the_keys_it_binds() {
        let dir = tempfile::tempdir().unwrap();
        let v = attestation_check(&sample_args(dir.path(), &sample_report(), Some(SAMPLE_NONCE))).unwrap();
        assert_eq!(v["valid"], true);
        assert_eq!(v["nonce_checked"], true);
        assert_eq!(v["root_is_nvidia_device_identity_ca"], true);
        let (leaf, device) =
            (v["leaf_key_sha256"].as_str().unwrap(), v["device_key_sha256"].as_str().unwrap());
        assert_eq!((leaf.len(), device.len()), (64, 64));
        assert_ne!(leaf, device, "the leaf's key and the device identity key differ");
    }

    #[test]
    fn an_attestation_for_another_nonce_or_with_an_altered_byte_is_an_error_so_the_command_exits_non_zero() {
        let dir = tempfile::tempdir().unwrap();
        let other_nonce = "00".repeat(32);
        let e =
            attestation_check(&sample_args(dir.path(), &sample_report(), Some(&other_nonce))).unwrap_err();
        assert!(e.to_string().contains("NOT verify") && e.to_string().contains("nonce"), "{e}");

        let mut altered = hex::decode(sample_report().trim()).unwrap();
        let middle = altered.len() / 2;
        altered[middle] ^= 1;
        let e = attestation_check(&sample_args(dir.path(), &hex::encode(altered), None)).unwrap_err();
        assert!(e.to_string().contains("signature"), "{e}");
    }
}
