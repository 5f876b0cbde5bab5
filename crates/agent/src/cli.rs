//! The command line: `init`, `show`, `run`, `feed`, `challenge`.

use crate::chain::WINDOW_BLOCKS_DEFAULT;
use crate::challenge::{self, Challenge};
use crate::gpu::nvml::NVML_LIB;
use crate::gpu::simulated::SIMULATED_GPUS_DEFAULT;
use crate::key::DeviceKey;
use crate::meter::METER_INTERVAL_S_DEFAULT;
use crate::runner::{self, RunOptions};
use crate::state;
use crate::submit::kind;
use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use computefi_types::{Amount, Hash, TitleId};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The ComputeFi device agent: reads GPUs (NVML) or mining shares, signs device reports with its
/// own key and submits them to a node.
#[derive(Parser)]
#[command(name = "computefi-agent", version)]
struct Cli {
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text", global = true)]
    output: Format,
    #[command(subcommand)]
    cmd: Cmd,
}

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Lines for people.
    Text,
    /// One JSON document on stdout.
    Json,
}

#[derive(Args)]
struct HomeArg {
    /// The agent's home: its key and state.
    #[arg(long, env = "COMPUTEFI_AGENT_HOME")]
    home: PathBuf,
}

#[derive(Subcommand)]
enum Cmd {
    /// Create the device key (prints the public key to list on a title and the account to fund).
    Init(HomeArg),
    /// Show the device key and, per title, the report chain and queue.
    Show {
        #[command(flatten)]
        home: HomeArg,
        /// Only this title.
        #[arg(long)]
        title: Option<TitleId>,
    },
    /// Read the hardware, sign reports and submit them, every --interval-ms.
    Run(Box<RunArgs>),
    /// Feed an oracle: read a value from a file or a command every --interval-ms, queue it and
    /// submit it signed by the agent's key (a feeder of the feed in the genesis).
    Feed(Box<FeedArgs>),
    /// Answer a GPU capacity challenge offline: expand the seed, compute C = A·B, print the
    /// commitment (and write A.bin, B.bin, C.bin for `computefi proof matmul`).
    Challenge {
        /// The seed (64 hex characters).
        #[arg(long)]
        seed: Hash,
        /// Matrix side.
        #[arg(long)]
        n: u32,
        /// The challenge id.
        #[arg(long, default_value = "0")]
        challenge: u64,
        /// Write A.bin, B.bin (row-major int8) and C.bin (row-major little-endian int32) here.
        #[arg(long)]
        write_dir: Option<PathBuf>,
    },
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    home: HomeArg,
    /// The node's API URL.
    #[arg(long, env = "COMPUTEFI_NODE", default_value = "http://127.0.0.1:26657")]
    node: String,
    /// The title whose device keys list this agent's key.
    #[arg(long)]
    title: TitleId,
    /// Report a labelled simulated device (every report says simulated: true) instead of NVML.
    #[arg(long)]
    simulate: bool,
    /// GPUs of the simulated device.
    #[arg(long, default_value_t = SIMULATED_GPUS_DEFAULT, requires = "simulate")]
    simulate_gpus: u32,
    /// The NVML library to load.
    #[arg(long, env = "COMPUTEFI_AGENT_NVML_LIB", default_value = NVML_LIB)]
    nvml_lib: String,
    /// Time between rounds, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    interval_ms: u64,
    /// Blocks a report stays valid for (at most 600).
    #[arg(long, default_value_t = WINDOW_BLOCKS_DEFAULT)]
    window_blocks: u64,
    /// Fee per report transaction in base units of CFI (default: the chain's minimum).
    #[arg(long)]
    fee: Option<Amount>,
    /// Mining shares: one 80-byte header in hex per line, optionally followed by its difficulty
    /// (needs --send-proofs).
    #[arg(long)]
    shares_file: Option<PathBuf>,
    /// Share difficulty of lines that do not state one.
    #[arg(long, requires = "shares_file")]
    share_difficulty: Option<u64>,
    /// Challenges: one JSON object a line, {"challenge": "7", "seed": "<hex>", "n": 256} (needs
    /// --send-proofs).
    #[arg(long)]
    challenges_file: Option<PathBuf>,
    /// Send share batches and challenge answers (off by default). The ledger verifies shares on
    /// ASIC titles and checks challenge answers (commitment, then the rows it chooses).
    #[arg(long)]
    send_proofs: bool,
    /// Answer the title's capacity challenges from the ledger: commit to C = A·B, then open the
    /// rows the ledger chooses (the product is computed on the CPU, n up to 1024).
    #[arg(long)]
    answer_challenges: bool,
    /// With --simulate: answer challenges wrongly on purpose, to watch the ledger degrade the
    /// title (a test of the ledger's checks; labelled in the logs).
    #[arg(long, requires = "simulate")]
    simulate_wrong_answers: bool,
    /// Seconds between meter readings (10 to 3600): the GPUs' cumulative energy in Wh, signed
    /// as the title's consumption meter (with --simulate, the simulated GPUs' energy counter).
    #[arg(long, default_value_t = METER_INTERVAL_S_DEFAULT)]
    meter_interval_s: u64,
    /// Sign no meter readings (telemetry still carries the energy counter).
    #[arg(long, conflicts_with = "meter_interval_s")]
    no_meter: bool,
    /// One round: read, sign, send the queue (a few retries), print a summary, exit.
    #[arg(long, conflicts_with = "rounds")]
    once: bool,
    /// Stop after this many rounds and print a summary.
    #[arg(long)]
    rounds: Option<u64>,
}

#[derive(Args)]
struct FeedArgs {
    #[command(flatten)]
    home: HomeArg,
    /// The node's API URL.
    #[arg(long, env = "COMPUTEFI_NODE", default_value = "http://127.0.0.1:26657")]
    node: String,
    /// The feed, e.g. `btc_usd`, `network_difficulty`, `gpu_hour_usd` or `btc_tip`.
    #[arg(long)]
    feed: String,
    /// Read the value from this file's first line each round.
    #[arg(long, conflicts_with = "command", required_unless_present = "command")]
    file: Option<PathBuf>,
    /// Or run this shell command each round and read the first line it prints.
    #[arg(long)]
    command: Option<String>,
    /// Time between rounds, in milliseconds.
    #[arg(long, default_value_t = 60_000)]
    interval_ms: u64,
    /// Fee per transaction in base units of CFI (default: the chain's minimum).
    #[arg(long)]
    fee: Option<Amount>,
    /// Stop after this many rounds and print a summary.
    #[arg(long)]
    rounds: Option<u64>,
}

/// Parses the arguments, runs the command, returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    init_logging();
    match execute(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("COMPUTEFI_AGENT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .try_init();
}

fn execute(cli: Cli) -> Result<i32> {
    let format = cli.output;
    match cli.cmd {
        Cmd::Init(HomeArg { home }) => {
            let key = DeviceKey::create(&home)?;
            let value = json!({
                "public_key": hex::encode(key.public_key().0),
                "account": key.address(),
                "key_file": DeviceKey::path(&home),
            });
            print(format, &value, || {
                format!(
                    "device key created: {}\npublic key: {}\naccount:    {}\n\
                     List the public key in the title's device_keys, and fund the account with CFI for report fees.",
                    DeviceKey::path(&home).display(),
                    hex::encode(key.public_key().0),
                    key.address()
                )
            });
            Ok(0)
        }
        Cmd::Show { home, title } => show(format, &home.home, title),
        Cmd::Run(args) => {
            let opts = run_options(*args);
            let summary = runner::run(&opts)?;
            let value = serde_json::to_value(&summary)?;
            print(format, &value, || {
                let mut text = format!(
                    "{}title {}: {} report(s) accepted this run, last accepted sequence {}, {} queued",
                    if summary.simulated { "SIMULATED device; " } else { "" },
                    summary.title,
                    summary.sent.len(),
                    summary.last_accepted.sequence,
                    summary.queued
                );
                if let Some(wh) = summary.meter_wh {
                    text.push_str(&format!(
                        "\n{} meter reading(s) signed this run, the last {wh} Wh ({})",
                        summary.meter_readings,
                        if summary.simulated {
                            "SIMULATED: the simulated GPUs' energy counter"
                        } else {
                            "the GPUs' cumulative energy"
                        }
                    ));
                }
                if let Some(e) = &summary.error {
                    text.push_str(&format!("\nnot sent yet: {e}"));
                }
                text
            });
            Ok(if summary.error.is_some() { 1 } else { 0 })
        }
        Cmd::Feed(args) => feed(format, *args),
        Cmd::Challenge { seed, n, challenge, write_dir } => {
            let solved = challenge::solve(&Challenge { challenge, seed, n })?;
            let mut value =
                json!({ "challenge": challenge.to_string(), "n": n, "commitment": solved.answer.commitment });
            if let Some(dir) = write_dir {
                std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
                use computefi_proofs::matmul::{i32_matrix_bytes, i8_matrix_bytes};
                let files = [
                    ("A.bin", i8_matrix_bytes(&solved.a)),
                    ("B.bin", i8_matrix_bytes(&solved.b)),
                    ("C.bin", i32_matrix_bytes(&solved.c)),
                ];
                for (name, content) in &files {
                    let path = dir.join(name);
                    std::fs::write(&path, content)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                }
                value["files"] = json!(files.iter().map(|(name, _)| dir.join(name)).collect::<Vec<_>>());
            }
            print(format, &value, || format!("commitment to C: {}", solved.answer.commitment));
            Ok(0)
        }
    }
}

fn feed(format: Format, a: FeedArgs) -> Result<i32> {
    let source = match (a.file, a.command) {
        (Some(path), None) => crate::feed::Source::File(path),
        (None, Some(command)) => crate::feed::Source::Command(command),
        _ => anyhow::bail!("give the value's source: --file PATH or --command CMD"),
    };
    let opts = crate::feed::FeedOptions {
        home: a.home.home,
        node: a.node,
        feed: a.feed,
        source,
        interval_ms: a.interval_ms,
        fee: a.fee,
        rounds: a.rounds,
    };
    let summary = crate::feed::run(&opts)?;
    let value = serde_json::to_value(&summary)?;
    print(format, &value, || {
        let mut text = format!(
            "feed {} from {}: {} value(s) on the ledger this run, {} queued",
            summary.feed,
            summary.feeder,
            summary.sent.len(),
            summary.queued
        );
        if let Some(e) = &summary.error {
            text.push_str(&format!("\nnot sent yet: {e}"));
        }
        text
    });
    Ok(if summary.error.is_some() { 1 } else { 0 })
}

fn run_options(a: RunArgs) -> RunOptions {
    RunOptions {
        home: a.home.home,
        node: a.node,
        title: a.title,
        simulate: a.simulate,
        simulate_gpus: a.simulate_gpus,
        nvml_lib: a.nvml_lib,
        interval_ms: a.interval_ms,
        window_blocks: a.window_blocks,
        fee: a.fee,
        shares_file: a.shares_file,
        share_difficulty: a.share_difficulty,
        challenges_file: a.challenges_file,
        send_proofs: a.send_proofs,
        answer_challenges: a.answer_challenges,
        simulate_wrong_answers: a.simulate_wrong_answers,
        meter: !a.no_meter,
        meter_interval_s: a.meter_interval_s,
        once: a.once,
        rounds: a.rounds,
    }
}

fn show(format: Format, home: &Path, only: Option<TitleId>) -> Result<i32> {
    let key = DeviceKey::load(home)?;
    let titles = match only {
        Some(t) => vec![t],
        None => titles_in(home)?,
    };
    let mut shown = Vec::new();
    for title in titles {
        let Some(s) = state::peek(home, &title)? else { continue };
        let queue: Vec<Value> = s
            .queue
            .iter()
            .map(|r| {
                json!({ "sequence": r.envelope.sequence.to_string(), "kind": kind(r),
                    "window": [r.envelope.window_start.to_string(), r.envelope.window_end.to_string()] })
            })
            .collect();
        shown.push(json!({ "title": title, "chain_id": s.chain_id, "last_accepted": s.chain.accepted,
            "next_sequence": s.chain.next_sequence.to_string(), "queue": queue, "inputs": s.inputs,
            "simulated_rounds": s.simulated.map(|sim| sim.round.to_string()),
            "meter": { "total_wh": s.meter.wh().to_string(),
                "last_signed_wh": s.meter.signed_wh.map(|wh| wh.to_string()),
                "gpus": s.meter.gpus.len() } }));
    }
    let value =
        json!({ "public_key": hex::encode(key.public_key().0), "account": key.address(), "titles": shown });
    print(format, &value, || {
        let mut text =
            format!("public key: {}\naccount:    {}", hex::encode(key.public_key().0), key.address());
        for t in &shown {
            text.push_str(&format!(
                "\ntitle {}: last accepted sequence {}, next {}, {} queued; meter {} Wh{}",
                t["title"].as_str().unwrap_or_default(),
                t["last_accepted"]["sequence"].as_str().unwrap_or_default(),
                t["next_sequence"].as_str().unwrap_or_default(),
                t["queue"].as_array().map(Vec::len).unwrap_or_default(),
                t["meter"]["total_wh"].as_str().unwrap_or_default(),
                if t["simulated_rounds"].is_null() { "" } else { " (SIMULATED)" }
            ));
        }
        text
    });
    Ok(0)
}

/// Titles with a state file in `home`.
fn titles_in(home: &Path) -> Result<Vec<TitleId>> {
    let dir = home.join("state");
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut titles = Vec::new();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if let Some(title) = name.strip_suffix(".json").and_then(|t| t.parse().ok()) {
            titles.push(title);
        }
    }
    titles.sort_by_key(|t: &TitleId| t.to_string());
    Ok(titles)
}

fn print(format: Format, value: &Value, text: impl FnOnce() -> String) {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(value).unwrap_or_default()),
        Format::Text => println!("{}", text()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn run_args(extra: &[&str]) -> Result<RunOptions, clap::Error> {
        let title = TitleId::from_index(0).to_string();
        let args = [&["computefi-agent", "run", "--home", "/h", "--title", &title][..], extra].concat();
        match Cli::try_parse_from(args)?.cmd {
            Cmd::Run(a) => Ok(run_options(*a)),
            _ => unreachable!("a run command"),
        }
    }

    #[test]
    fn meter_reports_are_on_every_300_seconds_unless_no_meter_is_given() {
        Cli::command().debug_assert();
        let default = run_args(&[]).unwrap();
        assert_eq!((default.meter, default.meter_interval_s), (true, 300));
        let every_minute = run_args(&["--meter-interval-s", "60"]).unwrap();
        assert_eq!((every_minute.meter, every_minute.meter_interval_s), (true, 60));
        assert!(!run_args(&["--no-meter"]).unwrap().meter);
        let both = run_args(&["--no-meter", "--meter-interval-s", "60"]).expect_err("contradictory");
        assert_eq!(both.kind(), clap::error::ErrorKind::ArgumentConflict);
    }
}
