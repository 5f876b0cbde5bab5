//! `init`, `start` and `devnet`.

use crate::keys::{Keyring, KeyringBackend, PassphraseSource};
use crate::output::{print, Format};
use anyhow::Context;
use clap::Args;
use computefi_app::GenesisBalance;
use computefi_node::home::{init_home, GenesisOptions, Home, InitOptions, NodeConfig};
use computefi_types::{Address, Amount};
use serde_json::json;
use std::path::PathBuf;

/// Chain id of the devnet.
pub const DEVNET_CHAIN_ID: &str = "computefi-devnet";
/// Name of the devnet's funded key.
pub const DEV_KEY: &str = "dev";
/// CFI base units the dev account starts with (10^9 CFI at 6 decimals).
pub const DEV_FUNDS: Amount = Amount(1_000_000_000_000_000);

/// Options of `init`.
#[derive(Args)]
pub struct InitArgs {
    /// Chain id.
    #[arg(long, default_value = "computefi-local")]
    chain_id: String,
    /// Name of this node.
    #[arg(long, default_value = "validator-0")]
    moniker: String,
    /// Fund an account at genesis: ADDRESS=AMOUNT (base units of CFI); repeatable.
    #[arg(long = "fund", value_name = "ADDRESS=AMOUNT")]
    fund: Vec<String>,
    /// Register a claim issuer (may grant KYC and other claims); repeatable.
    #[arg(long = "claim-issuer", value_name = "ADDRESS")]
    claim_issuers: Vec<Address>,
    /// Approve an auditor (may verify and appraise hardware titles); repeatable.
    #[arg(long = "auditor", value_name = "ADDRESS")]
    auditors: Vec<Address>,
    /// Appoint a reserve attestor (posts reports of the dollar unit's reserves); repeatable.
    #[arg(long = "reserve-attestor", value_name = "ADDRESS")]
    reserve_attestors: Vec<Address>,
    /// Appoint a reserve minter (mints the dollar unit for payments received); repeatable.
    #[arg(long = "reserve-minter", value_name = "ADDRESS")]
    reserve_minters: Vec<Address>,
    /// Appoint a registry attestor (immobilises carbon credits for the ledger to mint); repeatable.
    #[arg(long = "registry-attestor", value_name = "ADDRESS")]
    registry_attestors: Vec<Address>,
    /// Shared options.
    #[command(flatten)]
    ports: PortArgs,
}

/// Listen addresses written into a new config.
#[derive(Args, Clone)]
pub struct PortArgs {
    /// HTTP API listen address.
    #[arg(long, default_value = "127.0.0.1:26657")]
    api_listen: String,
    /// Prometheus metrics listen address.
    #[arg(long, default_value = "127.0.0.1:26660")]
    metrics_listen: String,
    /// Peer-to-peer listen address (multiaddr).
    #[arg(long, default_value = "/ip4/127.0.0.1/tcp/26656")]
    p2p_listen: String,
    /// Target block interval in milliseconds.
    #[arg(long, default_value_t = 1000)]
    block_time_ms: u64,
}

/// Options of `devnet`.
#[derive(Args)]
pub struct DevnetArgs {
    /// Shared options.
    #[command(flatten)]
    ports: PortArgs,
    /// Where the node's log goes (default: `devnet.log` in the home); the terminal keeps the
    /// start banner and a status line.
    #[arg(long)]
    log_file: Option<PathBuf>,
    /// Mean blocks between the ledger's own capacity challenges to each active GPU title, in the
    /// genesis of a new devnet home (0: none; default: the chain's, 3600). Nobody answers them on
    /// a devnet unless an agent runs, so they degrade titles at random; tests turn them off.
    #[arg(long)]
    auto_challenge_interval_blocks: Option<u64>,
    /// Log to the terminal (stderr) instead of the log file.
    #[arg(long, conflicts_with = "log_file")]
    log_stderr: bool,
    /// Log level or filter (`info`, `debug`, `computefi_node=debug`; default `info`, or
    /// `RUST_LOG` when set).
    #[arg(long)]
    log_level: Option<String>,
}

fn config_with(ports: &PortArgs) -> NodeConfig {
    let mut config = NodeConfig::default();
    config.api.listen = ports.api_listen.clone();
    config.metrics.listen = ports.metrics_listen.clone();
    config.consensus.listen_addr = ports.p2p_listen.clone();
    config.consensus.block_time_ms = ports.block_time_ms;
    config
}

fn parse_fund(s: &str) -> anyhow::Result<GenesisBalance> {
    let (address, amount) = s
        .split_once('=')
        .with_context(|| format!("--fund {s:?}: write ADDRESS=AMOUNT, e.g. cfi1…=1000000"))?;
    let address: Address = address.parse().with_context(|| format!("--fund {s:?}"))?;
    let amount: Amount = amount.parse().with_context(|| format!("--fund {s:?}"))?;
    Ok(GenesisBalance { address, amount })
}

#[allow(clippy::disallowed_methods)] // genesis time is chosen once, here, outside consensus
fn now_ms() -> u64 {
    computefi_node::chain::now_ms()
}

pub mod feeder;
pub mod status_line;

/// The devnet's log file in its home.
pub const DEVNET_LOG: &str = "devnet.log";

/// Symbol of the demo dollar the dev account issues on a devnet (SIMULATED, no real money).
pub const DEMO_DOLLAR_SYMBOL: &str = "DUSD";

/// The devnet's oracle feeds, fed by the dev account and by the devnet's SIMULATED feeder
/// ([`feeder`], which submits made-up values and tips while `computefi devnet` runs, and each grid
/// zone's yearly average carbon intensity as its `grid_gco2_kwh_<zone>` feed): quorum 1, one hour
/// maximum age.
pub fn devnet_feeds(feeder: Address) -> Vec<computefi_app::modules::oracle::FeedConfig> {
    [
        ("btc_tip", 0),
        ("btc_usd", 6),
        ("network_difficulty", 0),
        ("btc_fees_sats", 0),
        ("hashprice_usd_th_day", 6),
        ("gpu_hour_usd", 6),
    ]
    .into_iter()
    .map(|(name, decimals)| (name.to_string(), decimals))
    .chain(feeder::zone_feeds().into_iter().map(|(name, _)| (name, feeder::ZONE_FEED_DECIMALS)))
    .map(|(name, decimals)| computefi_app::modules::oracle::FeedConfig {
        name,
        decimals,
        feeders: vec![feeder, feeder::feeder_address()],
        quorum: 1,
        max_age_ms: 3_600_000,
    })
    .collect()
}

/// The devnet's parameters: the defaults, except that simulated devices' reports count (a
/// devnet is for demos; `init` keeps the default, which refuses them), and that the demo dollar
/// the dev account issues (`DUSD`, a SIMULATED stablecoin: `computefi demo` creates it) counts as
/// a dollar asset, so loans can lend it and NAVs count income held in it; and an auction of
/// liquidated collateral takes bids for 10 s, not a day; and governance votes for 30 s, not two
/// days.
pub fn devnet_params(dev: Address) -> computefi_app::Params {
    let defaults = computefi_app::Params::default();
    computefi_app::Params {
        valuation: computefi_app::params::ValuationParams {
            dollar_assets: vec![
                computefi_app::modules::reserve::dollar_asset(),
                computefi_types::AssetId::derive(&dev, DEMO_DOLLAR_SYMBOL),
            ],
            ..defaults.valuation.clone()
        },
        allow_simulated_devices: true,
        // The devnet's tips are simulated, so real mainnet headers (a simulated ASIC agent's
        // shares) could never build on them: the devnet takes archival headers and says so.
        allow_archival_headers: true,
        // Simulated GPUs answer capacity challenges on a CPU: no per-model table, so every title
        // gets `challenge_n` (256, milliseconds on a CPU), and a passed challenge here says
        // nothing about a GPU (docs/challenges.md).
        challenge_models: Vec::new(),
        // A devnet's auctions end in seconds, so the demo and a reader can watch one settle.
        auctions: computefi_app::params::AuctionsParams {
            duration_ms: 10_000,
            extension_ms: 3_000,
            ..defaults.auctions.clone()
        },
        // A devnet's governance runs in seconds: deposits for two minutes, votes for 30 s, a
        // passed proposal runs 5 s later, unlocks return after 30 s.
        gov: computefi_app::params::GovParams {
            deposit_period_ms: 120_000,
            voting_period_ms: 30_000,
            execution_delay_ms: 5_000,
            unbonding_ms: 30_000,
            validator_delay_blocks: 5,
            ..defaults.gov.clone()
        },
        ..defaults
    }
}

/// Wall-clock ms for the benchmark's genesis time.
pub fn now_ms_for_bench() -> u64 {
    now_ms()
}

/// `computefi init`.
pub fn init(home: &Option<PathBuf>, args: InitArgs, format: Format) -> anyhow::Result<()> {
    let home = Home::new(crate::home::home_dir(home)?);
    let balances = args.fund.iter().map(|f| parse_fund(f)).collect::<anyhow::Result<Vec<_>>>()?;
    let options = InitOptions {
        genesis: GenesisOptions {
            chain_id: args.chain_id.clone(),
            balances,
            claim_issuers: args.claim_issuers,
            auditors: args.auditors,
            reserve_attestors: args.reserve_attestors,
            reserve_minters: args.reserve_minters,
            registry_attestors: args.registry_attestors,
            genesis_time_ms: now_ms(),
            ..GenesisOptions::default()
        },
        moniker: args.moniker,
        config: config_with(&args.ports),
    };
    let key = init_home(&home, options)?;
    let api = format!("http://{}", args.ports.api_listen);
    crate::client_config::remember_node(home.root(), &api, &args.chain_id, None)?;
    print(
        format,
        &json!({
            "home": home.root().display().to_string(),
            "chain_id": args.chain_id,
            "validator_public_key": key,
            "validator_address": key.validator_address(),
        }),
    );
    Ok(())
}

/// Where a node logs.
enum LogTo {
    /// The terminal (stderr).
    Stderr,
    /// A file, appended to, without colours.
    File(PathBuf),
}

/// Logs to `to` at `level` (else `RUST_LOG`, else INFO with the consensus engine's chatter
/// quieted). A solo validator with no peers has nobody to gossip to, so the network's "no peers
/// subscribed" errors are expected and silenced there.
fn logging(home: &Home, to: &LogTo, level: Option<&str>) -> anyhow::Result<()> {
    let solo = home.load_genesis().map(|g| g.validators.len() == 1).unwrap_or(false)
        && home.load_config().map(|c| c.consensus.persistent_peers.is_empty()).unwrap_or(false);
    let mut default = String::from(
        "info,libp2p=warn,libp2p_gossipsub=error,arc_malachitebft_core_consensus=warn,arc_malachitebft_engine=warn",
    );
    if solo {
        default.push_str(",arc_malachitebft_network=off");
    }
    let filter = match level {
        Some(level) => tracing_subscriber::EnvFilter::try_new(level)
            .with_context(|| format!("--log-level {level:?}: give a level (info, debug, …) or a filter"))?,
        None => tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default)),
    };
    match to {
        LogTo::Stderr => {
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
        }
        LogTo::File(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening the log file {}", path.display()))?;
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .try_init();
        }
    }
    Ok(())
}

/// Runs the node of `home` (logging already set up to `log`), printing the start banner.
fn run_node(home: &Home, format: Format, dev_account: Option<Address>, log: LogTo) -> anyhow::Result<()> {
    let log_shown = match &log {
        LogTo::File(path) => Some(path.display().to_string()),
        LogTo::Stderr => None,
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let home_shown = home.root().display().to_string();
    let simulated = home.load_genesis().map(|g| g.params.allow_simulated_devices).unwrap_or(false);
    runtime.block_on(computefi_node::run::run(home, computefi_node::run::shutdown_signal(), |ready| {
        let api = format!("http://{}", ready.api);
        let explorer = ready.explorer.then(|| format!("{api}/"));
        match format {
            Format::Json => println!(
                "{}",
                json!({ "api": api, "explorer": explorer, "chain_id": ready.chain_id, "height": ready.height.to_string(),
                        "home": home_shown, "log": log_shown, "dev_account": dev_account.map(|a| a.to_string()),
                        "simulated_devices_allowed": simulated })
            ),
            Format::Text => {
                println!("ComputeFi node running: chain {} from height {}", ready.chain_id, ready.height);
                println!("API:         {api}");
                if let Some(explorer) = &explorer {
                    println!("Explorer:    {explorer}  (open it in a browser)");
                }
                println!("Home:        {home_shown}");
                if let Some(path) = &log_shown {
                    println!("Log:         {path}");
                }
                if let Some(dev) = dev_account {
                    println!("Dev account: {dev} (key \"{DEV_KEY}\", --keyring-backend test: INSECURE, devnet only)");
                    println!("Try:         computefi status");
                    println!("             computefi keys add alice --keyring-backend test");
                    println!("             computefi tx bank send --from {DEV_KEY} --keyring-backend test <ADDRESS> 1000000");
                }
                if simulated {
                    println!("Simulated devices allowed on this chain (params.allow_simulated_devices): their reports count and are labelled simulated");
                }
                println!("Stop with Ctrl-C.");
                if log_shown.is_some() {
                    status_line::spawn(api.clone());
                }
            }
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }))
}

/// `computefi start`.
pub fn start(home: &Option<PathBuf>, format: Format) -> anyhow::Result<()> {
    let home = Home::new(crate::home::home_dir(home)?);
    logging(&home, &LogTo::Stderr, None)?;
    run_node(&home, format, None, LogTo::Stderr)
}

/// `computefi devnet`: a home with a funded dev key (created once), then the node.
pub fn devnet(home: &Option<PathBuf>, args: DevnetArgs, format: Format) -> anyhow::Result<()> {
    let home = Home::new(crate::home::home_dir(home)?);
    let keyring = Keyring::open(home.root(), KeyringBackend::Test, PassphraseSource::Env)?;
    if !home.is_initialized() {
        let dev = match keyring.show(DEV_KEY) {
            Ok(info) => info,
            Err(_) => keyring.add(DEV_KEY)?.0,
        };
        let options = InitOptions {
            genesis: GenesisOptions {
                chain_id: DEVNET_CHAIN_ID.to_string(),
                balances: vec![
                    GenesisBalance { address: dev.address, amount: DEV_FUNDS },
                    GenesisBalance { address: feeder::feeder_address(), amount: feeder::FEEDER_FUNDS },
                ],
                // On a devnet the dev account plays every attestor role, so a newcomer can walk
                // the whole pipeline alone (see `computefi demo`).
                claim_issuers: vec![dev.address],
                auditors: vec![dev.address],
                reserve_attestors: vec![dev.address],
                reserve_minters: vec![dev.address],
                registry_attestors: vec![dev.address],
                oracle_feeds: devnet_feeds(dev.address),
                genesis_time_ms: now_ms(),
                params: computefi_app::Params {
                    auto_challenge_interval_blocks: args
                        .auto_challenge_interval_blocks
                        .unwrap_or(computefi_app::Params::default().auto_challenge_interval_blocks),
                    ..devnet_params(dev.address)
                },
            },
            moniker: "devnet-validator".to_string(),
            config: config_with(&args.ports),
        };
        init_home(&home, options)?;
    }
    let dev = keyring.show(DEV_KEY).ok().map(|k| k.address);
    // The wallet of this home talks to this devnet with no flag (`computefi config` shows it).
    if let (Ok(config), Ok(genesis)) = (home.load_config(), home.load_genesis()) {
        let api = format!("http://{}", config.api.listen);
        crate::client_config::remember_node(home.root(), &api, &genesis.chain_id, Some("test"))?;
    }
    let log = if args.log_stderr {
        LogTo::Stderr
    } else {
        LogTo::File(args.log_file.clone().unwrap_or_else(|| home.root().join(DEVNET_LOG)))
    };
    logging(&home, &log, args.log_level.as_deref())?;
    start_simulated_feeder(&home);
    run_node(&home, format, dev, log)
}

/// Starts the devnet's simulated feeder when the genesis lists it as the `btc_tip` feeder, and
/// says so (on stderr, in both output formats).
fn start_simulated_feeder(home: &Home) {
    let (Ok(genesis), Ok(config)) = (home.load_genesis(), home.load_config()) else { return };
    let listed = genesis
        .oracle_feeds
        .iter()
        .any(|f| f.name == "btc_tip" && f.feeders.contains(&feeder::feeder_address()));
    if !listed {
        return;
    }
    eprintln!(
        "SIMULATED oracle feeder {}: made-up btc_tip (self-mined easy headers), btc_usd, network_difficulty, \
         btc_fees_sats, hashprice_usd_th_day and gpu_hour_usd every {} s; devnet only, not market data. Archival mining \
         headers allowed: {}",
        feeder::feeder_address(),
        feeder::FEED_INTERVAL_MS / 1_000,
        genesis.params.allow_archival_headers
    );
    tracing::warn!(feeder = %feeder::feeder_address(), "SIMULATED oracle feeder running: made-up values, devnet only");
    feeder::spawn(format!("http://{}", config.api.listen), genesis.genesis_time_ms);
}
