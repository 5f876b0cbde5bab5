//! The `computefi` command: run a node, a one-command devnet, and a wallet that signs and
//! queries. The binary is a thin `main` over [`run`].

pub mod bench_peers;
pub mod bench_state;
pub mod client;
pub mod client_config;
pub mod cmd_amm;
pub mod cmd_bench;
pub mod cmd_config;
pub mod cmd_demo;
pub mod cmd_green;
pub mod cmd_keys;
pub mod cmd_loan;
pub mod cmd_node;
pub mod cmd_proof;
pub mod cmd_replay;
pub mod cmd_shell;
pub mod cmd_sim;
pub mod cmd_testnet;
pub mod cmd_value;
pub mod cmd_verify;
pub mod home;
pub mod keys;
pub mod output;
pub mod progress;
pub mod query;
pub mod tx;

use clap::{Parser, Subcommand};
use output::Format;
use std::path::PathBuf;

/// ComputeFi: a ledger for compute hardware as real-world assets.
#[derive(Parser)]
#[command(name = "computefi", version, about, propagate_version = true)]
struct Cli {
    /// Node home directory (default: $XDG_DATA_HOME/computefi, e.g. ~/.local/share/computefi).
    #[arg(long, global = true, env = "COMPUTEFI_HOME")]
    home: Option<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long = "output", global = true, value_enum, default_value_t = Format::Text, env = "COMPUTEFI_OUTPUT")]
    output: Format,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a node home: config, validator key and a one-validator genesis.
    Init(cmd_node::InitArgs),
    /// Start the node of --home.
    Start,
    /// Start a local devnet: creates the home with a funded dev account if none exists, then starts it.
    Devnet(cmd_node::DevnetArgs),
    /// Write the homes of an N-validator network on loopback.
    Testnet(cmd_testnet::TestnetArgs),
    /// Re-execute every stored block from genesis into a fresh store and check every app hash.
    Replay(cmd_replay::ReplayArgs),
    /// Measure the ledger's throughput on this machine (signature ceiling, execution, end to end, commit).
    Bench(cmd_bench::BenchArgs),
    /// Simulate: random valid and hostile blocks of every module through the real app, invariants
    /// checked after every block (`--seed S --blocks M` replays a failure).
    Sim(cmd_sim::SimArgs),
    /// Chain id, height, app hash and block time of a running node.
    Status(client::NodeArg),
    /// Manage wallet keys.
    #[command(subcommand)]
    Keys(cmd_keys::KeysCmd),
    /// Sign and broadcast a transaction.
    #[command(subcommand)]
    Tx(tx::TxCmd),
    /// Read the ledger.
    #[command(subcommand)]
    Query(query::QueryCmd),
    /// Walk the whole pipeline on a devnet (one of its own when none answers): title, proof,
    /// shares, KYC, income, the market, credit, the dollar, green compute, yield passes and
    /// governance.
    Demo(cmd_demo::DemoArgs),
    /// Check things offline.
    #[command(subcommand)]
    Verify(cmd_verify::VerifyCmd),
    /// Check proofs offline: a mining share's block header, a matrix product, an attestation.
    #[command(subcommand)]
    Proof(cmd_proof::ProofCmd),
    /// Pool arithmetic offline (quotes).
    #[command(subcommand)]
    Amm(cmd_amm::AmmCmd),
    /// Valuation arithmetic offline: hashprice, an ASIC's or a GPU server's discounted cash flow.
    #[command(subcommand)]
    Value(cmd_value::ValueCmd),
    /// Green arithmetic offline: a footprint, an hourly match, the grid intensities by zone.
    #[command(subcommand)]
    Green(cmd_green::GreenCmd),
    /// Loan arithmetic offline: the repayment schedule of a simple or amortized loan.
    #[command(subcommand)]
    Loan(cmd_loan::LoanCmd),
    /// Read or write the wallet's client config of the home (`client.toml`: node, chain-id,
    /// keyring-backend, output, fee); flags and environment variables still win over it.
    #[command(subcommand)]
    Config(cmd_config::ConfigCmd),
    /// Print the shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(cmd_shell::CompletionsArgs),
    /// Write the manual pages (one per command with --out-dir, else the top page to stdout).
    Man(cmd_shell::ManArgs),
}

/// Parses the command line, runs the command, and exits non-zero with a readable error.
pub fn run() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    client_config::apply_to_environment(&args);
    let cli = Cli::parse_from(args);
    let format = cli.output;
    let home = cli.home.clone();
    let result = match cli.command {
        Command::Init(args) => cmd_node::init(&home, args, format),
        Command::Start => cmd_node::start(&home, format),
        Command::Devnet(args) => cmd_node::devnet(&home, args, format),
        Command::Testnet(args) => cmd_testnet::run(&home, args, format),
        Command::Replay(args) => cmd_replay::run(&home, args, format),
        Command::Bench(args) => cmd_bench::run(&home, args, format),
        Command::Sim(args) => cmd_sim::run(args, format),
        Command::Status(args) => query::status(args, format),
        Command::Keys(cmd) => cmd_keys::run(&home, cmd, format),
        Command::Tx(cmd) => tx::run(&home, cmd, format),
        Command::Query(cmd) => query::run(cmd, format),
        Command::Verify(cmd) => cmd_verify::run(cmd, format),
        Command::Demo(args) => cmd_demo::run(&home, args, format),
        Command::Proof(cmd) => cmd_proof::run(cmd, format),
        Command::Amm(cmd) => cmd_amm::run(cmd, format),
        Command::Value(cmd) => cmd_value::run(cmd, format),
        Command::Loan(cmd) => cmd_loan::run(cmd, format),
        Command::Green(cmd) => cmd_green::run(cmd, format),
        Command::Config(cmd) => cmd_config::run(&home, cmd, format),
        Command::Completions(args) => cmd_shell::completions::<Cli>(args),
        Command::Man(args) => cmd_shell::man::<Cli>(args),
    };
    if let Err(e) = result {
        output::print_error(format, &e);
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn render(shell: clap_complete::Shell) -> String {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "computefi", &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn completions_name_the_commands_down_to_the_newest_subcommands() {
        for shell in [clap_complete::Shell::Bash, clap_complete::Shell::Zsh, clap_complete::Shell::Fish] {
            let script = render(shell);
            for word in ["devnet", "query", "proposals", "gov", "vote", "green-index"] {
                assert!(script.contains(word), "{shell}: {word} missing");
            }
        }
        Cli::command().debug_assert();
    }

    #[test]
    fn manual_pages_are_written_for_every_subcommand() {
        let dir = tempfile::tempdir().unwrap();
        clap_mangen::generate_to(Cli::command(), dir.path()).unwrap();
        let top = std::fs::read_to_string(dir.path().join("computefi.1")).unwrap();
        assert!(top.starts_with(".ie") || top.contains(".TH computefi"), "{}", &top[..top.len().min(200)]);
        for page in ["computefi-tx-gov-vote.1", "computefi-query-proposal.1", "computefi-devnet.1"] {
            assert!(dir.path().join(page).exists(), "{page}");
        }
    }
}
