//! Limits on everything decoded or stored, with the unit last.

/// Largest signed transaction accepted, in bytes.
pub const TX_BYTES_MAX: usize = 32 * 1024;
/// Most messages in one transaction.
pub const TX_MSGS_MAX: usize = 64;
/// Most outputs in one multi-send.
pub const MULTI_SEND_OUTPUTS_MAX: usize = 256;
/// Longest chain id, in bytes.
pub const CHAIN_ID_BYTES_MAX: usize = 64;
/// Longest memo, in bytes.
pub const MEMO_BYTES_MAX: usize = 256;
/// Longest asset symbol, in bytes.
pub const SYMBOL_BYTES_MAX: usize = 12;
/// Shortest asset symbol, in bytes.
pub const SYMBOL_BYTES_MIN: usize = 2;
/// Longest asset name, in bytes.
pub const ASSET_NAME_BYTES_MAX: usize = 64;
/// Most decimals an asset may declare.
pub const DECIMALS_MAX: u8 = 18;
/// Largest block accepted from a peer or the store, in bytes.
pub const BLOCK_BYTES_MAX: usize = 8 * 1024 * 1024;
/// Most transactions in one block.
pub const BLOCK_TXS_MAX: usize = 10_000;
/// Most events one transaction may emit.
pub const TX_EVENTS_MAX: usize = 1_024;

#[cfg(test)]
mod tests {
    use crate::{carbon, compliance, device, gov, green, limits, loan, reserve, title};
    use std::path::Path;

    /// A limit as the docs table names it (`module::NAME`), with its value.
    macro_rules! limit {
        ($($part:ident)::+) => {
            ([$(stringify!($part)),+].join("::"), $($part)::+ as u64)
        };
    }

    /// Every limit of this crate, named as the table in `docs/architecture.md` names it.
    fn every_limit() -> Vec<(String, u64)> {
        vec![
            limit!(limits::TX_BYTES_MAX),
            limit!(limits::TX_MSGS_MAX),
            limit!(limits::MULTI_SEND_OUTPUTS_MAX),
            limit!(limits::CHAIN_ID_BYTES_MAX),
            limit!(limits::MEMO_BYTES_MAX),
            limit!(limits::SYMBOL_BYTES_MIN),
            limit!(limits::SYMBOL_BYTES_MAX),
            limit!(limits::ASSET_NAME_BYTES_MAX),
            limit!(limits::DECIMALS_MAX),
            limit!(limits::BLOCK_BYTES_MAX),
            limit!(limits::BLOCK_TXS_MAX),
            limit!(limits::TX_EVENTS_MAX),
            limit!(title::SERIALS_MAX),
            limit!(title::SERIAL_BYTES_MAX),
            limit!(title::DEVICE_KEYS_MAX),
            limit!(title::CAPACITY_ITEMS_MAX),
            limit!(title::TEXT_BYTES_MAX),
            limit!(title::STATUS_HISTORY_MAX),
            limit!(title::PUE_MICRO_MIN),
            limit!(title::PUE_MICRO_MAX),
            limit!(compliance::REQUIREMENTS_MAX),
            limit!(compliance::CONDITIONS_MAX),
            limit!(compliance::JURISDICTIONS_MAX),
            limit!(device::SHARES_PER_BATCH_MAX),
            limit!(device::ATTESTATION_BYTES_MAX),
            limit!(device::CERT_CHAIN_BYTES_MAX),
            limit!(device::REPORT_WINDOW_BLOCKS_MAX),
            limit!(device::SEQUENCE_GAP_MAX),
            limit!(device::CHALLENGE_ROWS_OPENED_MAX),
            limit!(loan::TRANCHES_MAX),
            limit!(reserve::HOLDINGS_MAX),
            limit!(reserve::REF_BYTES_MAX),
            limit!(green::REASON_BYTES_MAX),
            limit!(gov::ACTIONS_PER_PROPOSAL_MAX),
            limit!(gov::TITLE_BYTES_MAX),
            limit!(gov::SUMMARY_BYTES_MAX),
            limit!(gov::PARAM_PATH_BYTES_MAX),
            limit!(gov::PARAM_VALUE_BYTES_MAX),
            limit!(gov::VALIDATOR_NAME_BYTES_MAX),
            limit!(gov::VALIDATOR_POWER_MAX),
            limit!(carbon::REGISTRY_BYTES_MAX),
            limit!(carbon::PROJECT_BYTES_MAX),
            limit!(carbon::BENEFICIARY_BYTES_MAX),
        ]
    }

    /// `n` with a comma every three digits, as the docs write numbers.
    fn grouped(n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(digit);
        }
        out
    }

    /// Rows of the docs' limits table: (constant, value cell).
    fn documented() -> Vec<(String, String)> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/architecture.md");
        let text = std::fs::read_to_string(&path).expect("docs/architecture.md is readable");
        let section =
            text.split("\n## Limits\n").nth(1).expect("docs/architecture.md has a ## Limits section");
        // The section's first table is this crate's; the modules' follows under its own heading.
        let section = section.split("\n## ").next().unwrap_or(section);
        let section = section.split("\n### ").next().unwrap_or(section);
        section
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.strip_prefix("| `")?.split(" | ").collect();
                let name = cells.first()?.strip_suffix('`')?;
                Some((name.to_string(), cells.get(1)?.to_string()))
            })
            .collect()
    }

    /// Names of the crate's `pub const …_MAX` and `…_MIN`, as `file::NAME`.
    fn declared_in_source() -> Vec<String> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut names = Vec::new();
        let mut dirs = vec![src.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("src is readable") {
                let path = entry.expect("src is readable").path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let module = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
                let text = std::fs::read_to_string(&path).expect("source is readable");
                for line in text.lines() {
                    let Some(rest) = line.trim_start().strip_prefix("pub const ") else { continue };
                    let name = rest.split(':').next().unwrap_or_default();
                    if name.ends_with("_MAX") || name.ends_with("_MIN") {
                        names.push(format!("{module}::{name}"));
                    }
                }
            }
        }
        names
    }

    #[test]
    fn the_docs_limits_table_lists_every_limit_with_its_value() {
        let limits = every_limit();
        let documented = documented();
        for (name, value) in &limits {
            let cell =
                documented.iter().find(|(row, _)| row == name).map(|(_, cell)| cell).unwrap_or_else(|| {
                    panic!("{name} is missing from the Limits table of docs/architecture.md")
                });
            let shown = grouped(*value);
            assert!(
                cell == &shown || cell.starts_with(&format!("{shown} (")),
                "docs/architecture.md shows {name} as {cell:?}, the constant is {shown}"
            );
        }
        for (row, _) in &documented {
            assert!(
                limits.iter().any(|(name, _)| name == row),
                "the docs list {row}, which is no limit here"
            );
        }
        for name in declared_in_source() {
            assert!(
                limits.iter().any(|(listed, _)| *listed == name),
                "{name} is a limit: add it to every_limit() and to the Limits table of docs/architecture.md"
            );
        }
    }
}
