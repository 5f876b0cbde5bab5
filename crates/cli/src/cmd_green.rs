//! `computefi green …`: the green arithmetic offline, with the ledger's own code
//! (`computefi_app::modules::green::math`): the carbon footprint of some energy at a PUE and a
//! grid's intensity, the hourly match of a consumption series with certificates, and the table of
//! yearly grid intensities by zone that the devnet's simulated feeder posts. Figures are decimal
//! strings; bad input is an error with a non-zero exit.

use crate::output::{print, Format};
use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use computefi_app::modules::green::math::{self, Hour};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The yearly grid intensities by zone (`data/grid-intensity-2024.csv`, with its source and
/// licence in its header).
pub const GRID_INTENSITY_CSV: &str = include_str!("../data/grid-intensity-2024.csv");

/// `green` subcommands.
#[derive(Subcommand)]
pub enum GreenCmd {
    /// The location-based footprint of some IT energy: kWh × PUE × the grid's intensity.
    Footprint(FootprintArgs),
    /// The hourly match of a consumption series with cancelled certificates, and its emissions
    /// location-based and market-based.
    Match(MatchArgs),
    /// The yearly grid intensity of each zone the devnet's simulated feeder knows.
    Zones,
}

/// Options of `green footprint`.
#[derive(Args)]
pub struct FootprintArgs {
    /// IT energy in kWh (0.7 is a 700 W GPU for an hour), at most six decimals.
    #[arg(long)]
    pub kwh: String,
    /// Power usage effectiveness of the site (1.58 was the industry average in 2023).
    #[arg(long, default_value = "1")]
    pub pue: String,
    /// The grid's carbon intensity, gCO2e per kWh.
    #[arg(long, conflicts_with = "zone", required_unless_present = "zone")]
    pub intensity_g_kwh: Option<String>,
    /// A zone of `computefi green zones`, for its yearly intensity instead.
    #[arg(long)]
    pub zone: Option<String>,
}

/// Options of `green match`.
#[derive(Args)]
pub struct MatchArgs {
    /// JSON: `{"pue": "1.58", "hours": [{"hour": 0, "wh": "700", "intensity_g_kwh": "323.05"}]}`:
    /// metered IT energy per hour (the PUE, default 1, makes it facility energy).
    #[arg(long)]
    pub consumption: PathBuf,
    /// JSON: `{"certificates": [{"hour": 0, "wh": "500"}]}`: certificates cancelled for the
    /// consumer per hour (several for one hour add up).
    #[arg(long)]
    pub certificates: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Consumption {
    #[serde(default)]
    pue: Option<String>,
    hours: Vec<ConsumedHour>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsumedHour {
    hour: u64,
    wh: String,
    intensity_g_kwh: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Certificates {
    certificates: Vec<CertifiedHour>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CertifiedHour {
    hour: u64,
    wh: String,
}

/// The zones of [`GRID_INTENSITY_CSV`]: zone → (location, µg/kWh).
pub fn zones() -> anyhow::Result<BTreeMap<String, (String, u128)>> {
    let mut zones = BTreeMap::new();
    for line in GRID_INTENSITY_CSV.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let [zone, location, grams] = fields[..] else { bail!("grid intensity table: bad line {line:?}") };
        let ug = math::parse_micro(grams).map_err(anyhow::Error::msg).context("grid intensity table")?;
        zones.insert(zone.to_string(), (location.to_string(), ug));
    }
    Ok(zones)
}

fn micro(text: &str, flag: &str) -> anyhow::Result<u128> {
    math::parse_micro(text).map_err(anyhow::Error::msg).with_context(|| flag.to_string())
}

fn whole(text: &str, what: &str) -> anyhow::Result<u128> {
    text.parse().with_context(|| format!("{what} {text:?}: give whole Wh"))
}

/// The footprint of `footprint`'s options, µg.
pub fn footprint(a: &FootprintArgs) -> anyhow::Result<u128> {
    let kwh = micro(&a.kwh, "--kwh")?;
    let pue = micro(&a.pue, "--pue")?;
    let intensity = match (&a.intensity_g_kwh, &a.zone) {
        (Some(i), _) => micro(i, "--intensity-g-kwh")?,
        (None, Some(zone)) => {
            let table = zones()?;
            table
                .get(zone)
                .map(|(_, ug)| *ug)
                .with_context(|| format!("zone {zone:?} is not in the table: see `computefi green zones`"))?
        }
        (None, None) => bail!("give --intensity-g-kwh or --zone"),
    };
    Ok(math::footprint_ug(kwh, pue, intensity)?)
}

/// The hourly match of two JSON documents (see [`MatchArgs`]).
pub fn hourly_match(consumption: &str, certificates: &str) -> anyhow::Result<math::Match> {
    let c: Consumption = serde_json::from_str(consumption).context("--consumption")?;
    let g: Certificates = serde_json::from_str(certificates).context("--certificates")?;
    let pue = micro(c.pue.as_deref().unwrap_or("1"), "pue")?;
    let mut certified: BTreeMap<u64, u128> = BTreeMap::new();
    for cert in &g.certificates {
        let wh = whole(&cert.wh, "a certificate's wh")?;
        let slot = certified.entry(cert.hour).or_default();
        *slot = slot.checked_add(wh).context("the certificates of one hour overflow")?;
    }
    let mut hours = Vec::with_capacity(c.hours.len());
    for h in &c.hours {
        hours.push(Hour {
            hour: h.hour,
            consumed_wh: math::facility_energy(whole(&h.wh, "an hour's wh")?, pue)?,
            certified_wh: certified.get(&h.hour).copied().unwrap_or(0),
            intensity_ug_kwh: micro(&h.intensity_g_kwh, "intensity_g_kwh")?,
        });
    }
    Ok(math::hourly_match(&hours)?)
}

/// `green match` as JSON: the score in bps and the emissions in grams, decimal strings.
pub fn match_json(m: &math::Match) -> Value {
    json!({
        "score_bps": m.score_bps,
        "consumed_wh": m.consumed_wh.to_string(),
        "matched_wh": m.matched_wh.to_string(),
        "location_g": math::micro_decimal(m.location_ug),
        "market_g": math::micro_decimal(m.market_ug),
    })
}

/// Runs a `green` subcommand.
pub fn run(cmd: GreenCmd, format: Format) -> anyhow::Result<()> {
    match cmd {
        GreenCmd::Footprint(a) => {
            let ug = footprint(&a)?;
            match format {
                Format::Json => print(format, &json!({ "g_co2": math::micro_decimal(ug) })),
                Format::Text => println!("{} gCO2e", math::micro_decimal(ug)),
            }
        }
        GreenCmd::Match(a) => {
            let read =
                |p: &PathBuf| std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()));
            let m = hourly_match(&read(&a.consumption)?, &read(&a.certificates)?)?;
            match format {
                Format::Json => print(format, &match_json(&m)),
                Format::Text => println!(
                    "matched {} of {} Wh hour by hour: {}.{:02} %; location-based {} g, market-based {} g",
                    m.matched_wh,
                    m.consumed_wh,
                    m.score_bps / 100,
                    m.score_bps % 100,
                    math::micro_decimal(m.location_ug),
                    math::micro_decimal(m.market_ug)
                ),
            }
        }
        GreenCmd::Zones => {
            let table = zones()?;
            match format {
                Format::Json => {
                    let rows: Vec<Value> = table
                        .iter()
                        .map(|(z, (l, ug))| json!({ "zone": z, "location": l, "g_co2_kwh": math::micro_decimal(*ug) }))
                        .collect();
                    print(format, &json!({ "year": 2024, "zones": rows }));
                }
                Format::Text => {
                    for (z, (l, ug)) in &table {
                        println!("{z:8} {:>8} g/kWh  {l}", math::micro_decimal(*ug));
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_footprint_of_a_gpu_hour_by_zone_matches_the_worked_examples() {
        let args = |zone: &str| FootprintArgs {
            kwh: "0.7".into(),
            pue: "1.58".into(),
            intensity_g_kwh: None,
            zone: Some(zone.into()),
        };
        assert_eq!(math::micro_decimal(footprint(&args("US-VA")).unwrap()), "357.2933");
        assert_eq!(math::micro_decimal(footprint(&args("SE-STO")).unwrap()), "3.01938");
        assert_eq!(math::micro_decimal(footprint(&args("IN-MUM")).unwrap()), "750.70856");
        assert!(footprint(&args("XX")).unwrap_err().to_string().contains("not in the table"));
    }

    #[test]
    fn a_match_reads_both_series_and_applies_the_pue() {
        let consumption = r#"{"pue": "1.5", "hours": [
            {"hour": 10, "wh": "1000", "intensity_g_kwh": "400"},
            {"hour": 11, "wh": "1000", "intensity_g_kwh": "200"}]}"#;
        let certificates = r#"{"certificates": [{"hour": 10, "wh": "1000"}, {"hour": 10, "wh": "1000"},
            {"hour": 12, "wh": "9000"}]}"#;
        let m = hourly_match(consumption, certificates).unwrap();
        // 1,500 Wh each hour: hour 10 matched by 1,500 of its 2,000; hour 11 not at all; the
        // certificates of hour 12 match nothing.
        assert_eq!((m.consumed_wh, m.matched_wh, m.score_bps), (3_000, 1_500, 5_000));
        let j = match_json(&m);
        assert_eq!((j["location_g"].as_str(), j["market_g"].as_str()), (Some("900"), Some("300")));
        assert!(hourly_match(r#"{"hours": [{"hour": 1, "wh": "x", "intensity_g_kwh": "1"}]}"#, certificates)
            .is_err());
    }

    #[test]
    fn every_zone_of_the_table_reads() {
        let table = zones().unwrap();
        assert!(table.len() >= 30);
        assert_eq!(table["US-VA"].1, 323_050_000);
    }
}
