//! `query value|nav|stress`: what the valuation module publishes (the node's
//! `api/valuation.rs`). With `-o json` each prints the node's answer as it came; with `-o text`
//! money (micro-USD on the ledger) is shown as dollars with 6 decimals and `USD`, and a NAV
//! history as one line an epoch.

use crate::client::NodeArg;
use crate::output::Format;
use clap::{ArgGroup, Args};
use computefi_app::modules::valuation::math::format_micro;
use computefi_types::{AssetId, TitleId};
use serde_json::{Map, Value};

/// The scenario whose shock the `--…-change-bps` and `--halving-now` flags give.
pub const CUSTOM_SCENARIO: &str = "custom";

/// Most NAV history entries the node keeps and answers (one a day for a year).
pub const NAV_HISTORY_MAX: u64 = 366;

/// Fields of the valuation records that hold micro-USD without saying so in their name (fields
/// whose name holds `micro_usd` are money too).
const MONEY_FIELDS: &[&str] = &[
    "model_value",
    "appraisal",
    "lending_value",
    "base_value",
    "value",
    "base_lending_value",
    "titles_value",
    "income_held",
    "debt",
    "net_value",
    "nav_per_share",
];

/// `micro` (a decimal string of micro-USD) as `"1234.567890 USD"`, if it is one.
fn usd(micro: &str) -> Option<String> {
    micro.parse::<u128>().ok().map(|m| format!("{} USD", format_micro(m)))
}

/// Fields left as they came: a feed's value is in the feed's own unit and decimals.
const KEPT_FIELDS: &[&str] = &["feeds"];

/// `value` for people: every money field as dollars ([`usd`]), and a field named `…micro_usd…`
/// renamed to `…usd…` as it is converted.
fn dollars(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if KEPT_FIELDS.contains(&k.as_str()) {
                    out.insert(k.clone(), v.clone());
                    continue;
                }
                let money = MONEY_FIELDS.contains(&k.as_str()) || k.contains("micro_usd");
                match v.as_str().and_then(usd).filter(|_| money) {
                    Some(text) => out.insert(k.replace("micro_usd", "usd"), Value::String(text)),
                    None => out.insert(k.clone(), dollars(v)),
                };
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(dollars).collect()),
        other => other.clone(),
    }
}

/// `answer` as `format` asks: as it came for JSON, in dollars for text.
fn shown(answer: Value, format: Format) -> Value {
    match format {
        Format::Json => answer,
        Format::Text => dollars(&answer),
    }
}

/// `query value`.
#[derive(Args)]
pub struct ValueQuery {
    /// `cfititle1…`.
    id: TitleId,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl ValueQuery {
    /// Asks the node for the title's latest valuation.
    pub fn get(self, format: Format) -> anyhow::Result<Value> {
        Ok(shown(self.node.client().get(&format!("/titles/{}/value", self.id))?, format))
    }
}

/// `query nav`.
#[derive(Args)]
pub struct NavQuery {
    /// The share token, `cfiasset1…`.
    asset: AssetId,
    /// Also the latest N NAVs, oldest first (one an epoch; at most 366).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=NAV_HISTORY_MAX))]
    history: u64,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

/// One NAV history entry as a line: epoch, height, NAV per share and net value.
fn nav_line(entry: &Value) -> Value {
    let field = |k: &str| entry[k].as_str().unwrap_or("-").to_string();
    let money = |k: &str| usd(&field(k)).unwrap_or_else(|| "-".into());
    Value::String(format!(
        "epoch {} (height {}): {} a share, net {}",
        field("epoch"),
        field("height"),
        money("nav_per_share"),
        money("net_value")
    ))
}

impl NavQuery {
    /// Asks the node for the share token's latest NAV and history.
    pub fn get(self, format: Format) -> anyhow::Result<Value> {
        let answer = self.node.client().get(&format!("/shares/{}/nav?max={}", self.asset, self.history))?;
        if format == Format::Json {
            return Ok(answer);
        }
        let history: Vec<Value> =
            answer["history"].as_array().map(|h| h.iter().map(nav_line).collect()).unwrap_or_default();
        let mut shown = dollars(&answer);
        shown["history"] = Value::Array(history);
        Ok(shown)
    }
}

/// `query stress`.
#[derive(Args)]
#[command(group(ArgGroup::new("target").required(true).args(["title", "shares"])))]
pub struct StressQuery {
    /// `halving`, `btc-50`, `difficulty+30`, `rental-40`, or `custom` with the shock in the flags
    /// below (`GET /stress` lists them).
    scenario: String,
    /// The title to stress, `cfititle1…`.
    #[arg(long)]
    title: Option<TitleId>,
    /// The share token to stress, `cfiasset1…`.
    #[arg(long)]
    shares: Option<AssetId>,
    /// Custom only: BTC price change, bps (-5000 is -50 %).
    #[arg(long, allow_negative_numbers = true)]
    btc_usd_change_bps: Option<i32>,
    /// Custom only: network difficulty change, bps.
    #[arg(long, allow_negative_numbers = true)]
    difficulty_change_bps: Option<i32>,
    /// Custom only: GPU rental rate change, bps.
    #[arg(long, allow_negative_numbers = true)]
    gpu_rental_change_bps: Option<i32>,
    /// Custom only: the next halving happens now.
    #[arg(long)]
    halving_now: bool,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

/// `s` as one path segment: bytes other than letters, digits and `-._~+` percent-encoded.
fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'+' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl StressQuery {
    /// The query string of the custom shock (empty when no flag is given).
    fn shock_query(&self) -> String {
        let mut params = Vec::new();
        let changes = [
            ("btc_usd_change_bps", self.btc_usd_change_bps),
            ("difficulty_change_bps", self.difficulty_change_bps),
            ("gpu_rental_change_bps", self.gpu_rental_change_bps),
        ];
        for (name, bps) in changes {
            if let Some(bps) = bps {
                params.push(format!("{name}={bps}"));
            }
        }
        if self.halving_now {
            params.push("halving_now=true".into());
        }
        if params.is_empty() {
            String::new()
        } else {
            format!("?{}", params.join("&"))
        }
    }

    /// The node path this query asks, or why the flags do not go together.
    fn path(&self) -> anyhow::Result<String> {
        let query = self.shock_query();
        anyhow::ensure!(
            self.scenario == CUSTOM_SCENARIO || query.is_empty(),
            "scenario {} has a fixed shock: --btc-usd-change-bps, --difficulty-change-bps, \
             --gpu-rental-change-bps and --halving-now apply only to scenario {CUSTOM_SCENARIO}; \
             drop them, or run `computefi query stress {CUSTOM_SCENARIO} …` with them",
            self.scenario
        );
        let target = match (&self.title, &self.shares) {
            (Some(title), _) => format!("titles/{title}"),
            (None, Some(shares)) => format!("shares/{shares}"),
            (None, None) => anyhow::bail!("give --title ID or --shares ASSET"),
        };
        Ok(format!("/stress/{}/{target}{query}", path_segment(&self.scenario)))
    }

    /// Asks the node for the title or share token under the scenario's shock.
    pub fn get(self, format: Format) -> anyhow::Result<Value> {
        let path = self.path()?;
        Ok(shown(self.node.client().get(&path)?, format))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use serde_json::json;

    #[derive(Parser)]
    struct Line {
        #[command(flatten)]
        stress: StressQuery,
    }

    fn stress(args: &str) -> anyhow::Result<String> {
        let line = Line::try_parse_from(std::iter::once("stress").chain(args.split_whitespace()))?;
        line.stress.path()
    }

    #[test]
    fn a_custom_stress_puts_its_flags_in_the_query_and_a_named_one_refuses_them() {
        let id = TitleId::from_index(0);
        let custom =
            stress(&format!("custom --title {id} --btc-usd-change-bps -5000 --halving-now")).unwrap();
        assert_eq!(custom, format!("/stress/custom/titles/{id}?btc_usd_change_bps=-5000&halving_now=true"));
        let named = stress(&format!("difficulty+30 --title {id}")).unwrap();
        assert_eq!(named, format!("/stress/difficulty+30/titles/{id}"));
        let mixed = stress(&format!("rental-40 --title {id} --gpu-rental-change-bps -100")).unwrap_err();
        assert!(mixed.to_string().contains("apply only to scenario custom"), "{mixed}");
        assert!(stress("halving").is_err(), "a title or a share token is required");
        assert_eq!(stress(&format!("a/b --title {id}")).unwrap(), format!("/stress/a%2Fb/titles/{id}"));
    }

    #[test]
    fn text_shows_money_as_dollars_with_six_decimals() {
        let answer = json!({
            "model_value": "1234567",
            "appraisal": null,
            "supply": "1000",
            "inputs": { "gpu": { "rental_micro_usd_hour": "2050000", "gpus": 8 } },
            "feeds": [{ "feed": "btc_tip", "value": "900000", "decimals": 0 }],
        });
        let shown = dollars(&answer);
        assert_eq!(shown["model_value"], "1.234567 USD");
        assert_eq!(shown["appraisal"], Value::Null);
        assert_eq!(shown["supply"], "1000", "a share count is not money");
        assert_eq!(shown["inputs"]["gpu"]["rental_usd_hour"], "2.050000 USD");
        assert_eq!(shown["feeds"][0]["value"], "900000", "a feed keeps its own unit");
        assert_eq!(
            nav_line(&json!({ "epoch": "3", "height": "9", "nav_per_share": "1500000", "net_value": "1" })),
            "epoch 3 (height 9): 1.500000 USD a share, net 0.000001 USD"
        );
    }
}
