//! `tx oracle …`: a feeder's value for a feed, and a Bitcoin tip for the `btc_tip` feed.

use super::build::{one, BuildMsgs};
use super::sign::TxArgs;
use anyhow::Context;
use clap::Subcommand;
use computefi_types::{Amount, Msg, OracleMsg};

/// `tx oracle …`.
#[derive(Subcommand)]
pub enum OracleCmd {
    /// Submit a value for a feed (feeders of the feed only).
    Submit {
        /// Feed name, e.g. `btc_usd` (list them with `computefi query feeds`).
        feed: String,
        /// The value in the feed's fixed point: value × 10^decimals as an integer (BTC/USD
        /// 97,000.50 on a 6-decimal feed is 97000500000).
        value: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Report a Bitcoin chain tip by its 80-byte header (feeders of `btc_tip` only).
    Tip {
        /// Bitcoin height of the tip.
        height: u64,
        /// The tip's header, 160 hex digits.
        header: String,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx oracle …`.
pub fn build(cmd: OracleCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    let (tx, msg) = match cmd {
        OracleCmd::Submit { feed, value, tx } => (tx, OracleMsg::Submit { feed, value }),
        OracleCmd::Tip { height, header, tx } => {
            let header = hex::decode(header.trim()).context("the tip header is not hex")?;
            anyhow::ensure!(
                header.len() == 80,
                "a block header is 80 bytes (160 hex digits), got {}",
                header.len()
            );
            (tx, OracleMsg::SubmitTipHeader { height, header })
        }
    };
    Ok((tx, one(Msg::Oracle(msg))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(line: &str) -> anyhow::Result<Vec<Msg>> {
        let args: Vec<&str> = line.split(' ').skip(1).collect();
        let parsed = crate::tx::build::testing::parse("oracle", &args)?;
        let (args, msgs) = crate::tx::build::testing::messages(build(parsed)?)?;
        assert_eq!(args.from, "feeder");
        Ok(msgs)
    }

    #[test]
    fn submit_sends_the_value_in_the_feeds_fixed_point() {
        let msgs = built("computefi submit btc_usd 97000500000 --from feeder").unwrap();
        let expected = OracleMsg::Submit { feed: "btc_usd".into(), value: Amount(97_000_500_000) };
        assert_eq!(msgs, vec![Msg::Oracle(expected)]);
    }

    #[test]
    fn a_tip_is_sent_with_its_whole_header_and_a_short_one_is_refused_before_signing() {
        let header = "00".repeat(80);
        let msgs = built(&format!("computefi tip 840000 {header} --from feeder")).unwrap();
        assert_eq!(
            msgs,
            vec![Msg::Oracle(OracleMsg::SubmitTipHeader { height: 840_000, header: vec![0; 80] })]
        );
        let err = built(&format!("computefi tip 840000 {} --from feeder", "00".repeat(79))).unwrap_err();
        assert!(err.to_string().contains("80 bytes"), "{err}");
    }
}
