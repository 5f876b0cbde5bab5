//! `tx carbon …`: carbon credits (`docs/carbon.md`). A registry attestor immobilises a batch of
//! credits in its registry (the ledger mints it to the attestor, once per serial); the holder of
//! a batch transfers or retires all of it or part of it (the part becomes a new batch with the
//! last serials), and a retirement may offset a lease's market-based emissions. What a batch
//! holds is `computefi query credit-batch ID`.

use super::build::{one, resolve, BuildMsgs};
use super::sign::TxArgs;
use clap::Subcommand;
use computefi_types::carbon::{is_bounded_text, is_registry_name, BENEFICIARY_BYTES_MAX, REGISTRY_BYTES_MAX};
use computefi_types::{CarbonMsg, Msg};

/// `tx carbon …`.
#[derive(Subcommand)]
pub enum CarbonCmd {
    /// Immobilise credits in a registry for the ledger to mint (registry attestors only): the
    /// serials `--from-serial ..= --to-serial` of a project's vintage, one tonne each, minted once
    /// per serial of the registry, to you.
    Immobilise {
        /// The registry: lower-case letters, digits and '-' (`verra`).
        #[arg(long)]
        registry: String,
        /// The project's id in the registry (`VCS-1234`).
        #[arg(long)]
        project: String,
        /// The vintage year.
        #[arg(long)]
        vintage: u16,
        /// The first serial.
        #[arg(long)]
        from_serial: u64,
        /// The last serial (inclusive).
        #[arg(long)]
        to_serial: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Transfer tonnes of an active batch you hold: all of it, or the last `--quantity` serials
    /// as a new batch.
    Transfer {
        /// The batch.
        batch: u64,
        /// Tonnes, 1 to the batch's quantity.
        #[arg(long)]
        quantity: u64,
        /// The new holder: an address, or the name of a key in the keyring.
        #[arg(long)]
        to: String,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Retire tonnes of an active batch you hold for a beneficiary (final), optionally against
    /// a lease you rent or provide: then at least its market-based emissions so far, once per
    /// lease.
    Retire {
        /// The batch.
        batch: u64,
        /// Tonnes, 1 to the batch's quantity.
        #[arg(long)]
        quantity: u64,
        /// Who the tonnes are retired for, 1 to 128 bytes.
        #[arg(long = "for")]
        beneficiary: String,
        /// A lease whose emissions the retirement offsets.
        #[arg(long)]
        lease: Option<u64>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx carbon …`; a registry name and a beneficiary are checked before any node is
/// asked.
pub fn build(cmd: CarbonCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    let carbon = |msg: CarbonMsg| one(Msg::Carbon(msg));
    Ok(match cmd {
        CarbonCmd::Immobilise { registry, project, vintage, from_serial, to_serial, tx } => {
            if !is_registry_name(&registry) {
                anyhow::bail!(
                    "--registry {registry:?}: give 1 to {REGISTRY_BYTES_MAX} bytes of lower-case letters, digits and '-'"
                );
            }
            let msg = CarbonMsg::Immobilise {
                registry,
                project,
                vintage,
                serial_start: from_serial,
                serial_end: to_serial,
            };
            (tx, carbon(msg))
        }
        CarbonCmd::Transfer { batch, quantity, to, tx } => (
            tx,
            Box::new(move |k| {
                Ok(vec![Msg::Carbon(CarbonMsg::Transfer { batch, quantity, to: resolve(k, &to)? })])
            }),
        ),
        CarbonCmd::Retire { batch, quantity, beneficiary, lease, tx } => {
            if !is_bounded_text(&beneficiary, BENEFICIARY_BYTES_MAX) {
                anyhow::bail!(
                    "--for is {} bytes: give 1 to {BENEFICIARY_BYTES_MAX} bytes naming who the tonnes are retired for",
                    beneficiary.len()
                );
            }
            (tx, carbon(CarbonMsg::Retire { batch, quantity, beneficiary, lease }))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_types::{Address, PublicKey};

    fn parse(args: &[&str]) -> Result<CarbonCmd, clap::Error> {
        crate::tx::build::testing::parse("carbon", args)
    }

    fn msgs(args: &[&str]) -> anyhow::Result<Vec<Msg>> {
        let (tx, msgs) = crate::tx::build::testing::build_line("carbon", args, build)?;
        assert_eq!(tx.from, "holder");
        Ok(msgs)
    }

    #[test]
    fn each_command_builds_its_message() {
        let to = Address::from_public_key(&PublicKey([5; 32]));
        let to_s = to.to_string();
        let immobilise = [
            "immobilise",
            "--registry",
            "verra",
            "--project",
            "VCS-1234",
            "--vintage",
            "2021",
            "--from-serial",
            "100",
            "--to-serial",
            "199",
        ];
        let cases: Vec<(Vec<&str>, CarbonMsg)> = vec![
            (
                immobilise.to_vec(),
                CarbonMsg::Immobilise {
                    registry: "verra".into(),
                    project: "VCS-1234".into(),
                    vintage: 2021,
                    serial_start: 100,
                    serial_end: 199,
                },
            ),
            (
                vec!["transfer", "7", "--quantity", "5", "--to", &to_s],
                CarbonMsg::Transfer { batch: 7, quantity: 5, to },
            ),
            (
                vec!["retire", "7", "--quantity", "5", "--for", "ACME Corp"],
                CarbonMsg::Retire { batch: 7, quantity: 5, beneficiary: "ACME Corp".into(), lease: None },
            ),
            (
                vec!["retire", "7", "--quantity", "5", "--for", "ACME Corp", "--lease", "3"],
                CarbonMsg::Retire { batch: 7, quantity: 5, beneficiary: "ACME Corp".into(), lease: Some(3) },
            ),
        ];
        for (mut args, expected) in cases {
            args.extend(["--from", "holder"]);
            assert_eq!(msgs(&args).unwrap(), vec![Msg::Carbon(expected)], "{args:?}");
        }
    }

    #[test]
    fn a_bad_registry_an_unknown_key_and_a_beneficiary_out_of_bounds_are_refused_before_any_node_is_asked() {
        assert!(
            parse(&["transfer", "7", "--to", "x", "--from", "holder"]).is_err(),
            "--quantity is required"
        );
        let bad = ["immobilise", "--registry", "Verra", "--project", "P", "--vintage", "2021"];
        let mut args = bad.to_vec();
        args.extend(["--from-serial", "1", "--to-serial", "2", "--from", "holder"]);
        let Err(e) = build(parse(&args).unwrap()) else { panic!("an upper-case registry was taken") };
        assert!(e.to_string().contains("lower-case"), "{e}");
        let unknown =
            msgs(&["transfer", "7", "--quantity", "1", "--to", "nobody", "--from", "holder"]).unwrap_err();
        assert!(unknown.to_string().contains("no key named \"nobody\""), "{unknown}");
        let long = "x".repeat(BENEFICIARY_BYTES_MAX + 1);
        for who in ["", long.as_str()] {
            let Err(e) =
                build(parse(&["retire", "7", "--quantity", "1", "--for", who, "--from", "holder"]).unwrap())
            else {
                panic!("a beneficiary of {} bytes was taken", who.len())
            };
            assert!(e.to_string().contains("give 1 to 128 bytes"), "{e}");
        }
    }
}
