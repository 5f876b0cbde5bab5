//! NVIDIA GPU attestation: SPDM `GET_MEASUREMENTS` reports signed by the GPU, and the device
//! certificate chain up to the NVIDIA Device Identity CA.
//!
//! # Byte layout of a report (SPDM 1.1/1.2, as NVIDIA Hopper GPUs produce it)
//!
//! ```text
//! request   37 bytes   version(1) 0xE0(1) param1(1, bit 0 = signature wanted) param2(1)
//!                      nonce(32, chosen by the verifier) slot(1)
//! response             version(1) 0x60(1) param1(1) param2(1) blocks(1) record_len(3, LE)
//!                      measurement record(record_len) responder nonce(32)
//!                      opaque_len(2, LE) opaque data(opaque_len) signature(96)
//! signature            raw r ‖ s, ECDSA P-384 over SHA-384(request ‖ response without signature)
//! measurement block    index(1) spec(1) size(2, LE) { dmtf_type(1) value_size(2, LE) value }
//! opaque data          NVIDIA TLVs: type(2, LE) size(2, LE) value(size), e.g. 3 = driver version
//! ```
//!
//! The signing key is the leaf of the device chain (5 certificates for an H100: FMC leaf, GSP
//! BROM, GH100 provisioner ICA, GH100 identity, NVIDIA Device Identity CA root). Every
//! certificate's ECDSA-P384/SHA-384 signature is checked with its issuer's key, issuer names
//! must chain, issuers must be CAs, and the top must be the pinned root, byte for byte.
//!
//! # What a verified report proves, and what it does not
//! - It proves that a genuine NVIDIA GPU (a key fused into NVIDIA silicon and certified by
//!   NVIDIA's device CA) signed these measurements of its firmware state *after* the verifier
//!   chose the nonce, so the report is fresh and not replayed. GPUs produce such reports only
//!   with confidential computing (CC) mode on.
//! - It does not prove utilisation or uptime, which machine the GPU sits in, or that the
//!   measurements are NVIDIA's golden values: comparing them with NVIDIA's reference integrity
//!   manifests (RIMs) and checking revocation (OCSP) need NVIDIA's online services and are not
//!   done here.
//!
//! # Invariants
//! - Every input is bounded ([`REPORT_BYTES_MAX`], [`CERTS_PER_CHAIN_MAX`],
//!   [`CERT_DER_BYTES_MAX`], [`CHAIN_PEM_BYTES_MAX`]); certificates must be canonical DER.
//! - Pure: no clock (pass `at_unix_s` from the block header to check validity periods), no
//!   network, no randomness.

use p384::ecdsa::signature::Verifier as _;
use p384::ecdsa::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Decode as _, Encode as _};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};
use x509_cert::Certificate;

/// Report bytes at most (an H100 report is 4,117 bytes).
pub const REPORT_BYTES_MAX: usize = 65_536;
/// PEM text of a chain or root at most, in bytes.
pub const CHAIN_PEM_BYTES_MAX: usize = 65_536;
/// Certificates in a chain at most (an H100 chain has 5).
pub const CERTS_PER_CHAIN_MAX: usize = 8;
/// DER bytes of one certificate at most.
pub const CERT_DER_BYTES_MAX: usize = 8_192;
/// Bytes of the nonce.
pub const NONCE_BYTES: usize = 32;
/// Bytes of the SPDM 1.1/1.2 GET_MEASUREMENTS request.
pub const REQUEST_BYTES: usize = 37;
/// Bytes of the raw r ‖ s signature.
pub const SIGNATURE_BYTES: usize = 96;

/// The NVIDIA Device Identity CA root certificate (PEM) shipped with NVIDIA's verifier
/// (`verifier_device_root.pem` of `nv-local-gpu-verifier` 2.7.3, BSD-3-Clause; valid 2021-11-05
/// to 9999-12-31), for verifiers that have no file of their own, such as the ledger.
pub const NVIDIA_DEVICE_IDENTITY_ROOT_PEM: &[u8] = include_bytes!("nvidia_device_identity_root.pem");

/// SHA-256 of the DER of that root; a chain must end at exactly this root.
pub const NVIDIA_DEVICE_IDENTITY_ROOT_SHA256: [u8; 32] = [
    0x10, 0x2b, 0xf6, 0x59, 0xd5, 0x41, 0x96, 0x14, 0xc9, 0xd8, 0xe6, 0xae, 0xce, 0xbc, 0x80, 0x45, 0x4e,
    0xb2, 0x6b, 0x1d, 0xf6, 0xa7, 0x69, 0xac, 0x72, 0x0b, 0x9a, 0x69, 0x0b, 0x16, 0x7b, 0x48,
];

const SPDM_GET_MEASUREMENTS: u8 = 0xE0;
const SPDM_MEASUREMENTS: u8 = 0x60;
const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// Why an attestation was refused. Certificate indexes count from the leaf (0).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestationError {
    /// The report is larger than [`REPORT_BYTES_MAX`].
    #[error("the report has {0} bytes, above the limit of {REPORT_BYTES_MAX}")]
    ReportTooLarge(usize),
    /// The report file is neither hex nor binary SPDM.
    #[error("the report is not hex: {0}; give the hex text NVIDIA's tools write, or the raw bytes")]
    ReportHex(String),
    /// The request part is malformed.
    #[error("the SPDM request is malformed: {0}")]
    RequestMalformed(&'static str),
    /// The response part is malformed.
    #[error("the SPDM response is malformed: {0}")]
    ResponseMalformed(&'static str),
    /// The request and response SPDM versions differ.
    #[error(
        "the request speaks SPDM version {request:#04x} but the response {response:#04x}; they must match"
    )]
    VersionMismatch {
        /// Request version byte.
        request: u8,
        /// Response version byte.
        response: u8,
    },
    /// The nonce in the request is not the one the verifier issued.
    #[error("the report answers nonce {got}, not the issued nonce {expected}; it is stale or replayed: ask the GPU for a fresh report")]
    NonceMismatch {
        /// The issued nonce, hex.
        expected: String,
        /// The nonce in the report, hex.
        got: String,
    },
    /// The report's signature does not verify with the leaf key.
    #[error("the report's signature does not verify with the leaf certificate's key; the report or chain was altered or belongs to another GPU")]
    ReportSignatureInvalid,
    /// PEM text too large.
    #[error("the PEM text has {0} bytes, above the limit of {CHAIN_PEM_BYTES_MAX}")]
    PemTooLarge(usize),
    /// PEM does not decode.
    #[error("certificate {index} is not valid PEM: {reason}")]
    Pem {
        /// Certificate index.
        index: usize,
        /// Decoder's complaint.
        reason: String,
    },
    /// No certificate found.
    #[error("no certificate found; give PEM blocks between -----BEGIN CERTIFICATE----- and -----END CERTIFICATE-----")]
    NoCertificates,
    /// More than [`CERTS_PER_CHAIN_MAX`] certificates.
    #[error("the chain has more than {CERTS_PER_CHAIN_MAX} certificates")]
    TooManyCertificates,
    /// The root file has more than one certificate.
    #[error("the root file holds {0} certificates; give exactly the one trusted root")]
    RootCount(usize),
    /// A certificate is larger than [`CERT_DER_BYTES_MAX`].
    #[error("certificate {index} has {len} DER bytes, above the limit of {CERT_DER_BYTES_MAX}")]
    CertificateTooLarge {
        /// Certificate index.
        index: usize,
        /// DER bytes.
        len: usize,
    },
    /// A certificate does not decode as X.509.
    #[error("certificate {index} is not a valid X.509 certificate: {reason}")]
    CertificateMalformed {
        /// Certificate index.
        index: usize,
        /// Decoder's complaint.
        reason: String,
    },
    /// A certificate is not in canonical DER.
    #[error("certificate {0} is not in canonical DER; re-export it unchanged from the GPU")]
    CertificateNotCanonical(usize),
    /// A certificate uses an algorithm other than ECDSA P-384 with SHA-384.
    #[error("certificate {0} is not signed with ECDSA P-384 / SHA-384, the only algorithm NVIDIA device chains use")]
    UnsupportedAlgorithm(usize),
    /// A certificate's key is not a P-384 key.
    #[error("certificate {0} does not hold a valid P-384 public key")]
    UnsupportedKey(usize),
    /// Issuer and subject names do not chain.
    #[error("certificate {0} names an issuer that is not the subject of the next certificate; put the chain in order, leaf first")]
    IssuerMismatch(usize),
    /// An issuing certificate is not a CA.
    #[error(
        "certificate {0} issues another certificate but is not a CA (basicConstraints or keyUsage forbid it)"
    )]
    NotACa(usize),
    /// A certificate's signature does not verify with its issuer's key.
    #[error("certificate {0}'s signature does not verify with its issuer's key; the chain was altered")]
    CertificateSignatureInvalid(usize),
    /// The leaf's key usage forbids signing.
    #[error("the leaf certificate's key usage does not allow digital signatures, so it cannot sign reports")]
    LeafCannotSign,
    /// The chain does not end at the pinned root.
    #[error("the chain does not end at the trusted root; it was not issued by NVIDIA's device CA")]
    UntrustedRoot,
    /// A certificate is not valid at the given time.
    #[error("certificate {index} is not valid at Unix time {at_unix_s}")]
    OutsideValidity {
        /// Certificate index.
        index: usize,
        /// The time checked.
        at_unix_s: u64,
    },
}

/// A verified device chain: the leaf's key and facts about the chain.
#[derive(Debug, Clone)]
pub struct VerifiedChain {
    leaf_key: VerifyingKey,
    /// Subject of the leaf certificate (RFC 4514 string).
    pub leaf_subject: String,
    /// Serial number of the leaf certificate, hex.
    pub leaf_serial_hex: String,
    /// Certificates checked, including the root.
    pub length: usize,
    /// SHA-256 of the root's DER.
    pub root_sha256: [u8; 32],
    /// SHA-256 of the leaf's public key (SEC1, uncompressed): the key that signs reports. Under
    /// DICE it is the alias key the GPU derives for its firmware, so it changes when the firmware
    /// does.
    pub leaf_key_sha256: [u8; 32],
    /// SHA-256 of the public key (SEC1, uncompressed) of the certificate that issued the leaf,
    /// when that is not the root. On Hopper that is the GSP BROM certificate: the device identity
    /// key fused into one chip, the same across firmware updates, so it names the GPU. `None`
    /// for a leaf the root signs directly.
    pub device_key_sha256: Option<[u8; 32]>,
}

/// One measurement block of the report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MeasurementBlock {
    /// Measurement index (1-based).
    pub index: u8,
    /// Measurement specification (1 = DMTF).
    pub spec: u8,
    /// DMTF value type.
    pub value_type: u8,
    /// The measurement (a SHA-384 digest on Hopper).
    #[serde(with = "hex_bytes")]
    pub value: Vec<u8>,
}

/// One NVIDIA opaque-data field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OpaqueField {
    /// Field type.
    pub kind: u16,
    /// NVIDIA's name for the type, where known.
    pub name: Option<&'static str>,
    /// The value.
    #[serde(with = "hex_bytes")]
    pub value: Vec<u8>,
}

/// The facts of a verified report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifiedReport {
    /// SPDM version byte (0x11 = 1.1).
    pub spdm_version: u8,
    /// The verifier's nonce the report answers.
    #[serde(with = "hex_bytes")]
    pub nonce: Vec<u8>,
    /// Measurement blocks in report order.
    pub measurements: Vec<MeasurementBlock>,
    /// NVIDIA opaque fields in report order.
    pub opaque: Vec<OpaqueField>,
}

impl VerifiedReport {
    /// The driver version in the opaque data (type 3), without its trailing NUL.
    pub fn driver_version(&self) -> Option<String> {
        let f = self.opaque.iter().find(|f| f.kind == 3)?;
        let bytes = f.value.split(|b| *b == 0).next().unwrap_or_default();
        std::str::from_utf8(bytes).ok().map(str::to_owned)
    }
}

/// Reads a report file: hex text (as NVIDIA's tools write it) or raw bytes.
pub fn decode_report(file: &[u8]) -> Result<Vec<u8>, AttestationError> {
    if file.len() > 2 * REPORT_BYTES_MAX + 2 {
        return Err(AttestationError::ReportTooLarge(file.len()));
    }
    // Hex text may be wrapped over lines; anything else is taken as raw SPDM bytes.
    let is_text = file.iter().all(|b| b.is_ascii_hexdigit() || b.is_ascii_whitespace());
    let bytes = if is_text && file.iter().any(u8::is_ascii_hexdigit) {
        let digits: Vec<u8> = file.iter().copied().filter(u8::is_ascii_hexdigit).collect();
        hex::decode(digits).map_err(|e| AttestationError::ReportHex(e.to_string()))?
    } else {
        file.to_vec()
    };
    if bytes.len() > REPORT_BYTES_MAX {
        return Err(AttestationError::ReportTooLarge(bytes.len()));
    }
    Ok(bytes)
}

/// Splits PEM text into the DER of each certificate, in order.
pub fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, AttestationError> {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    if pem.len() > CHAIN_PEM_BYTES_MAX {
        return Err(AttestationError::PemTooLarge(pem.len()));
    }
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(start) = find(rest, BEGIN) {
        let index = out.len();
        if index == CERTS_PER_CHAIN_MAX {
            return Err(AttestationError::TooManyCertificates);
        }
        let block = &rest[start..];
        let end = find(block, END)
            .and_then(|e| e.checked_add(END.len()))
            .ok_or(AttestationError::Pem { index, reason: "no END CERTIFICATE line".into() })?;
        let (label, der) = x509_cert::der::pem::decode_vec(&block[..end])
            .map_err(|e| AttestationError::Pem { index, reason: e.to_string() })?;
        if label != "CERTIFICATE" {
            return Err(AttestationError::Pem { index, reason: format!("label {label:?}") });
        }
        out.push(der);
        rest = &block[end..];
    }
    if out.is_empty() {
        return Err(AttestationError::NoCertificates);
    }
    Ok(out)
}

/// Verifies a device chain (DER, leaf first; the root may be included or left out) up to
/// `root_der`, and, when `at_unix_s` is given, that every certificate is valid then.
pub fn verify_chain(
    chain_der: &[Vec<u8>],
    root_der: &[u8],
    at_unix_s: Option<u64>,
) -> Result<VerifiedChain, AttestationError> {
    if chain_der.is_empty() {
        return Err(AttestationError::NoCertificates);
    }
    if chain_der.len() > CERTS_PER_CHAIN_MAX {
        return Err(AttestationError::TooManyCertificates);
    }
    let mut certs =
        chain_der.iter().enumerate().map(|(i, d)| decode_cert(i, d)).collect::<Result<Vec<_>, _>>()?;
    // The chain as checked: the given certificates, then the root unless it is already last.
    if chain_der.last().map(Vec::as_slice) != Some(root_der) {
        // A self-issued top that is not the pinned root is another trust anchor.
        if let Some(top) = certs.last() {
            if top.tbs_certificate.issuer == top.tbs_certificate.subject {
                return Err(AttestationError::UntrustedRoot);
            }
        }
        certs.push(decode_cert(certs.len(), root_der)?);
    }
    let keys = certs.iter().enumerate().map(|(i, c)| p384_key(i, c)).collect::<Result<Vec<_>, _>>()?;
    let root = certs.len().checked_sub(1).ok_or(AttestationError::NoCertificates)?;
    for i in 0..certs.len() {
        // The root signs itself; every other certificate is signed by the next one.
        let issuer = i.saturating_add(1).min(root);
        check_issued_by(i, &certs[i], &certs[issuer], &keys[issuer], issuer)?;
        if let Some(t) = at_unix_s {
            check_validity(i, &certs[i], t)?;
        }
    }
    let leaf = &certs[0].tbs_certificate;
    let leaf_usage = leaf.get::<KeyUsage>().map_err(|_| AttestationError::LeafCannotSign)?;
    if leaf_usage.is_some_and(|(_, ku)| !ku.digital_signature()) {
        return Err(AttestationError::LeafCannotSign);
    }
    // The leaf's issuer names the device only when it is not the shared root.
    let device_key_sha256 = if root >= 2 { keys.get(1).map(key_sha256) } else { None };
    let leaf_key = keys.into_iter().next().ok_or(AttestationError::NoCertificates)?;
    Ok(VerifiedChain {
        leaf_key_sha256: key_sha256(&leaf_key),
        device_key_sha256,
        leaf_key,
        leaf_subject: leaf.subject.to_string(),
        leaf_serial_hex: hex::encode(leaf.serial_number.as_bytes()),
        length: certs.len(),
        root_sha256: Sha256::digest(root_der).into(),
    })
}

/// Verifies a report against an already verified chain: structure, the issued nonce (when
/// given), and the signature with the leaf key.
pub fn verify_report(
    report: &[u8],
    chain: &VerifiedChain,
    expected_nonce: Option<&[u8; NONCE_BYTES]>,
) -> Result<VerifiedReport, AttestationError> {
    let parsed = parse_report(report)?;
    if let Some(expected) = expected_nonce {
        if parsed.nonce != expected[..] {
            return Err(AttestationError::NonceMismatch {
                expected: hex::encode(expected),
                got: hex::encode(&parsed.nonce),
            });
        }
    }
    // parse_report has checked that the report ends in exactly a signature; refuse rather than
    // trust that here.
    let signed_len = report
        .len()
        .checked_sub(SIGNATURE_BYTES)
        .ok_or(AttestationError::ResponseMalformed("shorter than a 96-byte signature"))?;
    let (signed, sig) = report.split_at(signed_len);
    let sig = Signature::from_slice(sig).map_err(|_| AttestationError::ReportSignatureInvalid)?;
    chain.leaf_key.verify(signed, &sig).map_err(|_| AttestationError::ReportSignatureInvalid)?;
    Ok(parsed)
}

/// Verifies everything from files' contents: the chain (PEM) up to the root (PEM), then the
/// report (hex text or bytes) against the chain and the issued nonce.
pub fn verify_attestation(
    report_file: &[u8],
    chain_pem: &[u8],
    root_pem: &[u8],
    expected_nonce: Option<&[u8; NONCE_BYTES]>,
    at_unix_s: Option<u64>,
) -> Result<(VerifiedReport, VerifiedChain), AttestationError> {
    let report = decode_report(report_file)?;
    let chain_der = pem_certificates(chain_pem)?;
    let roots = pem_certificates(root_pem)?;
    let [root] = roots.as_slice() else { return Err(AttestationError::RootCount(roots.len())) };
    let chain = verify_chain(&chain_der, root, at_unix_s)?;
    let verified = verify_report(&report, &chain, expected_nonce)?;
    Ok((verified, chain))
}

/// Parses request ‖ response (signature not checked) and returns its facts.
pub fn parse_report(report: &[u8]) -> Result<VerifiedReport, AttestationError> {
    use AttestationError::{RequestMalformed as Req, ResponseMalformed as Resp};
    if report.len() > REPORT_BYTES_MAX {
        return Err(AttestationError::ReportTooLarge(report.len()));
    }
    let (request, response) = report.split_at_checked(REQUEST_BYTES).ok_or(Req("shorter than 37 bytes"))?;
    let version = request[0];
    if !(0x11..=0x12).contains(&version) {
        return Err(Req("SPDM version is not 1.1 or 1.2"));
    }
    if request[1] != SPDM_GET_MEASUREMENTS {
        return Err(Req("not a GET_MEASUREMENTS request"));
    }
    if request[2] & 1 == 0 {
        return Err(Req("the request did not ask for a signature"));
    }
    let nonce = request[4..4 + NONCE_BYTES].to_vec();
    let mut r = Reader(response);
    let head = r.take(8).ok_or(Resp("shorter than its 8-byte header"))?;
    if head[0] != version {
        return Err(AttestationError::VersionMismatch { request: version, response: head[0] });
    }
    if head[1] != SPDM_MEASUREMENTS {
        return Err(Resp("not a MEASUREMENTS response"));
    }
    let blocks = head[4];
    let record_len = usize::from(head[5]) | usize::from(head[6]) << 8 | usize::from(head[7]) << 16;
    let record = r.take(record_len).ok_or(Resp("measurement record longer than the report"))?;
    let measurements = parse_measurements(record, blocks)?;
    r.take(NONCE_BYTES).ok_or(Resp("no responder nonce"))?;
    let opaque_len = r.u16().ok_or(Resp("no opaque data length"))?;
    let opaque =
        parse_opaque(r.take(usize::from(opaque_len)).ok_or(Resp("opaque data longer than the report"))?)?;
    if r.0.len() != SIGNATURE_BYTES {
        return Err(Resp("the bytes after the opaque data are not exactly a 96-byte signature"));
    }
    Ok(VerifiedReport { spdm_version: version, nonce, measurements, opaque })
}

fn parse_measurements(record: &[u8], blocks: u8) -> Result<Vec<MeasurementBlock>, AttestationError> {
    use AttestationError::ResponseMalformed as Resp;
    let mut r = Reader(record);
    let mut out = Vec::with_capacity(usize::from(blocks));
    for _ in 0..blocks {
        let index = r.u8().ok_or(Resp("measurement record ends inside a block header"))?;
        let spec = r.u8().ok_or(Resp("measurement record ends inside a block header"))?;
        let size = r.u16().ok_or(Resp("measurement record ends inside a block header"))?;
        let mut m =
            Reader(r.take(usize::from(size)).ok_or(Resp("measurement block longer than the record"))?);
        let value_type = m.u8().ok_or(Resp("measurement block without a value type"))?;
        let value_size = m.u16().ok_or(Resp("measurement block without a value size"))?;
        let value = m.take(usize::from(value_size)).ok_or(Resp("measurement value longer than its block"))?;
        if !m.0.is_empty() {
            return Err(Resp("measurement block has bytes after its value"));
        }
        out.push(MeasurementBlock { index, spec, value_type, value: value.to_vec() });
    }
    if !r.0.is_empty() {
        return Err(Resp("measurement record has bytes after its last block"));
    }
    Ok(out)
}

fn parse_opaque(data: &[u8]) -> Result<Vec<OpaqueField>, AttestationError> {
    use AttestationError::ResponseMalformed as Resp;
    let mut r = Reader(data);
    let mut out = Vec::new();
    while !r.0.is_empty() {
        let kind = r.u16().ok_or(Resp("opaque data ends inside a field header"))?;
        let size = r.u16().ok_or(Resp("opaque data ends inside a field header"))?;
        let value = r.take(usize::from(size)).ok_or(Resp("opaque field longer than the opaque data"))?;
        out.push(OpaqueField { kind, name: opaque_field_name(kind), value: value.to_vec() });
    }
    Ok(out)
}

/// NVIDIA's names for opaque-data field types (from NVIDIA's nvtrust verifier).
pub fn opaque_field_name(kind: u16) -> Option<&'static str> {
    Some(match kind {
        1 => "cert_issuer_name",
        2 => "cert_authority_key_identifier",
        3 => "driver_version",
        4 => "gpu_info",
        5 => "sku",
        6 => "vbios_version",
        7 => "manufacturer_id",
        8 => "tamper_detection",
        9 => "smc",
        10 => "vpr",
        11 => "nvdec0_status",
        12 => "msrscnt",
        13 => "cprinfo",
        14 => "board_id",
        15 => "chip_sku",
        16 => "chip_sku_mod",
        17 => "project",
        _ => return None,
    })
}

fn decode_cert(index: usize, der: &[u8]) -> Result<Certificate, AttestationError> {
    if der.len() > CERT_DER_BYTES_MAX {
        return Err(AttestationError::CertificateTooLarge { index, len: der.len() });
    }
    let cert = Certificate::from_der(der)
        .map_err(|e| AttestationError::CertificateMalformed { index, reason: e.to_string() })?;
    // Signatures cover the TBS bytes as re-encoded below, so the input must be canonical.
    if cert.to_der().ok().as_deref() != Some(der) {
        return Err(AttestationError::CertificateNotCanonical(index));
    }
    let algorithm = &cert.signature_algorithm;
    if algorithm.oid != ECDSA_WITH_SHA384
        || algorithm.parameters.is_some()
        || cert.tbs_certificate.signature != *algorithm
    {
        return Err(AttestationError::UnsupportedAlgorithm(index));
    }
    Ok(cert)
}

/// SHA-256 of a key's uncompressed SEC1 encoding (one encoding per key, whatever the
/// certificate used).
fn key_sha256(key: &VerifyingKey) -> [u8; 32] {
    Sha256::digest(key.to_encoded_point(false).as_bytes()).into()
}

fn p384_key(index: usize, cert: &Certificate) -> Result<VerifyingKey, AttestationError> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    if spki.algorithm.oid != ID_EC_PUBLIC_KEY || curve != Some(SECP384R1) {
        return Err(AttestationError::UnsupportedKey(index));
    }
    let point = spki.subject_public_key.as_bytes().ok_or(AttestationError::UnsupportedKey(index))?;
    VerifyingKey::from_sec1_bytes(point).map_err(|_| AttestationError::UnsupportedKey(index))
}

/// `cert` (index `i`) is issued by `issuer` (index `j`, which may equal `i` for the root).
fn check_issued_by(
    i: usize,
    cert: &Certificate,
    issuer: &Certificate,
    issuer_key: &VerifyingKey,
    j: usize,
) -> Result<(), AttestationError> {
    if cert.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return Err(AttestationError::IssuerMismatch(i));
    }
    let constraints =
        issuer.tbs_certificate.get::<BasicConstraints>().map_err(|_| AttestationError::NotACa(j))?;
    let usage = issuer.tbs_certificate.get::<KeyUsage>().map_err(|_| AttestationError::NotACa(j))?;
    let is_ca = matches!(constraints, Some((_, bc)) if bc.ca);
    let may_sign = usage.is_none_or(|(_, ku)| ku.key_cert_sign());
    if !is_ca || !may_sign {
        return Err(AttestationError::NotACa(j));
    }
    let tbs_der = cert.tbs_certificate.to_der().map_err(|_| AttestationError::CertificateNotCanonical(i))?;
    let sig_der = cert.signature.as_bytes().ok_or(AttestationError::CertificateSignatureInvalid(i))?;
    let sig = Signature::from_der(sig_der).map_err(|_| AttestationError::CertificateSignatureInvalid(i))?;
    issuer_key.verify(&tbs_der, &sig).map_err(|_| AttestationError::CertificateSignatureInvalid(i))
}

fn check_validity(index: usize, cert: &Certificate, at_unix_s: u64) -> Result<(), AttestationError> {
    let v = &cert.tbs_certificate.validity;
    let from = v.not_before.to_unix_duration().as_secs();
    let to = v.not_after.to_unix_duration().as_secs();
    if at_unix_s < from || at_unix_s > to {
        return Err(AttestationError::OutsideValidity { index, at_unix_s });
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A cursor over bytes that never reads past the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = self.0.split_at_checked(n)?;
        self.0 = tail;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
}

mod hex_bytes {
    pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }
}
