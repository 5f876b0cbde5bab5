//! The devnet's SIMULATED oracle feeder: a thread of the devnet process that submits plausible,
//! made-up values for `btc_tip`, `btc_usd`, `network_difficulty`, `btc_fees_sats`,
//! `hashprice_usd_th_day` and `gpu_hour_usd` every [`FEED_INTERVAL_MS`], and every
//! [`ZONE_FEED_ROUNDS`] rounds each grid zone's carbon intensity as its `grid_gco2_kwh_<zone>`
//! feed (the yearly average of `data/grid-intensity-2024.csv`, not an hourly measurement), signed
//! by a fixed devnet-only key (funded at the devnet's genesis and listed among the feeds' feeders). Nothing it sends is a market price or a
//! Bitcoin block: the tips are headers it mines itself at the easiest target (`bits` 0x207fffff),
//! so the ledger's freshness rule has a tip to read. Real mining shares do not build on these
//! tips; the devnet's genesis allows archival headers (`params.allow_archival_headers`) so a
//! simulated ASIC agent's mainnet headers still count there, and says so when it starts.

use computefi_app::modules::oracle::hashprice_micro_usd_per_th_day;
use computefi_types::{sha256, Address, Amount, Msg, OracleMsg, PublicKey, Tx};
use ed25519_consensus::SigningKey;
use serde_json::json;
use std::time::Duration;

/// Time between the simulated feeder's submissions, ms.
pub const FEED_INTERVAL_MS: u64 = 10_000;
/// Decimals of the zones' `grid_gco2_kwh_<zone>` feeds (g/kWh to the milligram).
pub const ZONE_FEED_DECIMALS: u8 = 3;
/// Rounds between two submissions of the zones' intensities (they are yearly averages).
pub const ZONE_FEED_ROUNDS: u64 = 6;
/// Bitcoin height of the first simulated tip.
pub const SIMULATED_TIP_HEIGHT_BASE: u64 = 900_000;
/// Minutes of wall time per simulated Bitcoin block.
pub const SIMULATED_BLOCK_MINUTES: u64 = 10;
/// Compact target of simulated tips: the easiest (regtest's), so a header is found in a few tries.
pub const SIMULATED_BITS: u32 = 0x207f_ffff;
/// Nonces tried for one simulated tip before giving up on that round.
pub const SIMULATED_NONCES_MAX: u32 = 1_000;
/// CFI the simulated feeder is funded with at the devnet's genesis, for fees.
pub const FEEDER_FUNDS: Amount = Amount(1_000_000_000_000);

/// The simulated feeder's key: fixed and public, devnet only.
pub fn feeder_key() -> SigningKey {
    SigningKey::from(sha256(b"computefi/devnet/simulated-feeder").0)
}

/// The simulated feeder's account.
pub fn feeder_address() -> Address {
    Address::from_public_key(&PublicKey::from_signing_key(&feeder_key()))
}

/// A simulated tip header at `height`, time `time_s`, on `prev` (internal byte order), mined at
/// [`SIMULATED_BITS`]: its bytes, or `None` if no nonce up to the limit meets the target.
pub fn simulated_tip(height: u64, time_s: u32, prev: [u8; 32]) -> Option<[u8; 80]> {
    let mut header = [0u8; 80];
    header[0..4].copy_from_slice(&0x2000_0000u32.to_le_bytes());
    header[4..36].copy_from_slice(&prev);
    header[36..68].copy_from_slice(&sha256(format!("computefi/devnet/simulated-tip/{height}").as_bytes()).0);
    header[68..72].copy_from_slice(&time_s.to_le_bytes());
    header[72..76].copy_from_slice(&SIMULATED_BITS.to_le_bytes());
    let target = computefi_proofs::pow::Target::from_compact(SIMULATED_BITS).ok()?;
    (0..SIMULATED_NONCES_MAX).find_map(|nonce| {
        header[76..80].copy_from_slice(&nonce.to_le_bytes());
        let parsed = computefi_proofs::pow::Header::parse(&header).ok()?;
        parsed.check_share(&target).valid.then_some(header)
    })
}

/// Subsidy of a Bitcoin block at the simulated heights (the fourth halving's 3.125 BTC), sats.
pub const SIMULATED_SUBSIDY_SATS: u128 = 312_500_000;

/// Plausible made-up values at round `round`: BTC/USD (6 decimals), network difficulty, the mean
/// fees of a Bitcoin block (sats, 0 decimals), the hashprice they give with the subsidy
/// (micro-USD per TH/s per day) and a GPU-hour index (6 decimals).
pub fn simulated_values(round: u64) -> Vec<(&'static str, Amount)> {
    // A slow, bounded wobble so the values move but stay plausible.
    let wobble = u128::from(round % 21) * 1_000_000 / 20; // 0 to 1.0, in millionths
    let btc_usd = 95_000_000_000 + 4_000 * wobble; // 95,000 to 99,000 USD
    let difficulty: u128 = 110_000_000_000_000 + 2_000_000 * wobble;
    let fees_sats = 2_600_000 - 4 * wobble / 5; // 0.026 to 0.018 BTC, falling as the price rises
    let reward_sats = SIMULATED_SUBSIDY_SATS + fees_sats;
    let hashprice = hashprice_micro_usd_per_th_day(difficulty, reward_sats, btc_usd).unwrap_or(0);
    let gpu_hour = 2_000_000 + wobble / 5; // 2.00 to 2.20 USD
    vec![
        ("btc_usd", Amount(btc_usd)),
        ("network_difficulty", Amount(difficulty)),
        ("btc_fees_sats", Amount(fees_sats)),
        ("hashprice_usd_th_day", Amount(hashprice)),
        ("gpu_hour_usd", Amount(gpu_hour)),
    ]
}

/// Each zone of the grid intensity table with a feed name (`grid_gco2_kwh_<zone>`), and its yearly
/// average in the feed's fixed point ([`ZONE_FEED_DECIMALS`]: the table's µg/kWh / 1000).
pub fn zone_feeds() -> Vec<(String, Amount)> {
    let zones = crate::cmd_green::zones().unwrap_or_default();
    zones
        .into_iter()
        .filter_map(|(zone, (_, ug))| {
            let feed = computefi_types::green::zone_feed(&zone)?;
            Some((feed, Amount(ug / 1_000)))
        })
        .collect()
}

/// Starts the feeder thread against the node's API at `api` (it waits until the API answers).
/// `genesis_ms` anchors the simulated Bitcoin heights, so a restarted devnet goes on from the
/// height it had reached.
pub fn spawn(api: String, genesis_ms: u64) {
    let _ = std::thread::Builder::new().name("simulated-feeder".into()).spawn(move || {
        let client = crate::client::Client::new(&api);
        let mut prev = [0u8; 32];
        for round in 0u64.. {
            std::thread::sleep(Duration::from_millis(if round == 0 { 2_000 } else { FEED_INTERVAL_MS }));
            if let Err(e) = feed_once(&client, round, genesis_ms, &mut prev) {
                tracing::debug!("simulated feeder: {e:#}");
            }
        }
    });
}

#[allow(clippy::disallowed_methods)] // the simulated tip's time is the feeder's wall clock
fn now_ms() -> u64 {
    computefi_node::chain::now_ms()
}

fn feed_once(
    client: &crate::client::Client,
    round: u64,
    genesis_ms: u64,
    prev: &mut [u8; 32],
) -> anyhow::Result<()> {
    let now = now_ms();
    let minutes = now.saturating_sub(genesis_ms) / 60_000;
    let height = SIMULATED_TIP_HEIGHT_BASE + minutes / SIMULATED_BLOCK_MINUTES;
    let time_s = u32::try_from(now / 1_000).unwrap_or(u32::MAX);
    let mut msgs: Vec<Msg> = simulated_values(round)
        .into_iter()
        .map(|(feed, value)| Msg::Oracle(OracleMsg::Submit { feed: feed.to_string(), value }))
        .collect();
    if round.is_multiple_of(ZONE_FEED_ROUNDS) {
        msgs.extend(
            zone_feeds().into_iter().map(|(feed, value)| Msg::Oracle(OracleMsg::Submit { feed, value })),
        );
    }
    if let Some(header) = simulated_tip(height, time_s, *prev) {
        let hash = computefi_proofs::pow::Header::parse(&header)?.block_hash();
        *prev = hash.to_internal();
        msgs.push(Msg::Oracle(OracleMsg::SubmitTipHeader { height, header: header.to_vec() }));
    }
    let status = client.get("/status")?;
    let chain_id = status["chain_id"].as_str().unwrap_or_default().to_string();
    let fee: Amount = status["min_fee"].as_str().unwrap_or("0").parse()?;
    let key = feeder_key();
    let account = client.get(&format!("/accounts/{}", feeder_address()))?;
    let nonce: u64 = account["next_nonce_pending"]
        .as_str()
        .or_else(|| account["next_nonce"].as_str())
        .unwrap_or("0")
        .parse()?;
    let signer = PublicKey::from_signing_key(&key);
    let tx = Tx { chain_id, signer, nonce, fee, msgs, memo: "simulated feeder".into() }.sign(&key);
    client.post("/txs", &json!({ "tx": tx, "mode": "sync" }))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_simulated_tip_meets_its_own_easy_target_and_chains_on_the_last() {
        let first = simulated_tip(900_000, 1_800_000_000, [0; 32]).expect("found in a few tries");
        let parsed = computefi_proofs::pow::Header::parse(&first).unwrap();
        assert!(parsed.check_share(&parsed.target().unwrap()).valid);
        let second = simulated_tip(900_001, 1_800_000_600, parsed.block_hash().to_internal()).unwrap();
        let next = computefi_proofs::pow::Header::parse(&second).unwrap();
        assert_eq!(next.prev_blockhash(), parsed.block_hash());
    }

    #[test]
    fn every_zone_of_the_table_has_a_feed_at_its_yearly_average() {
        let feeds = zone_feeds();
        let zones = crate::cmd_green::zones().unwrap();
        assert_eq!(feeds.len(), zones.len(), "every zone's name fits a feed name");
        let virginia = feeds.iter().find(|(name, _)| name == "grid_gco2_kwh_us_va").unwrap();
        assert_eq!(virginia.1, Amount(323_050), "323.05 g/kWh with 3 decimals");
    }

    #[test]
    fn simulated_values_stay_plausible() {
        for round in 0..50 {
            let values = simulated_values(round);
            let get = |name: &str| values.iter().find(|(n, _)| *n == name).unwrap().1 .0;
            assert!((95_000_000_000..=99_000_000_000).contains(&get("btc_usd")));
            assert!((1_800_000..=2_600_000).contains(&get("btc_fees_sats")), "about 0.02 BTC a block");
            assert!(get("hashprice_usd_th_day") > 0, "a hashprice follows from the others");
            assert!((2_000_000..=2_200_000).contains(&get("gpu_hour_usd")));
        }
    }
}
