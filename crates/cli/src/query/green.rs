//! `query certificate|certificates|energy|green-index`: granular certificates of green energy and a title's
//! metered energy hour by hour with its hourly match (the node's `api/green.rs`). The node checks
//! the window (`--hours` 1 to 744); the CLI passes what it is given.

use crate::client::{NodeArg, PageArgs};
use clap::Args;
use computefi_types::TitleId;
use serde_json::Value;

/// `query certificate`.
#[derive(Args)]
pub struct CertificateQuery {
    /// Bundle id.
    id: u64,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl CertificateQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/certificates/{}", self.id))
    }
}

/// `query certificates`.
#[derive(Args)]
pub struct CertificatesQuery {
    /// Shared options.
    #[command(flatten)]
    page: PageArgs,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl CertificatesQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/certificates{}", self.page.query()))
    }
}

/// `query green-index`.
#[derive(Args)]
pub struct GreenIndexQuery {
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl GreenIndexQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get("/green/index")
    }
}

/// `query energy`.
#[derive(Args)]
pub struct EnergyQuery {
    /// `cfititle1…`.
    title: TitleId,
    /// First hour, hours since the Unix epoch (default: the last block's hour minus `--hours`,
    /// so the last ended hours).
    #[arg(long)]
    from_hour: Option<u64>,
    /// Hours listed, 1 to 744 (default 24).
    #[arg(long)]
    hours: Option<u64>,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl EnergyQuery {
    /// The path asked: `/titles/{id}/energy` with the window given, if any.
    fn path(&self) -> String {
        let mut params = Vec::new();
        if let Some(h) = self.from_hour {
            params.push(format!("from_hour={h}"));
        }
        if let Some(n) = self.hours {
            params.push(format!("hours={n}"));
        }
        let query = if params.is_empty() { String::new() } else { format!("?{}", params.join("&")) };
        format!("/titles/{}/energy{query}", self.title)
    }

    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&self.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// `computefi query energy …` as the binary parses it.
    #[derive(Parser)]
    struct Line {
        #[command(flatten)]
        q: EnergyQuery,
    }

    fn path(args: &[&str]) -> String {
        let line = Line::try_parse_from(std::iter::once("energy").chain(args.iter().copied()));
        line.unwrap_or_else(|e| panic!("{args:?}: {e}")).q.path()
    }

    #[test]
    fn energy_asks_for_the_window_given_and_leaves_the_rest_to_the_node_defaults() {
        let title = TitleId::from_index(3).to_string();
        assert_eq!(path(&[&title]), format!("/titles/{title}/energy"));
        assert_eq!(path(&[&title, "--hours", "48"]), format!("/titles/{title}/energy?hours=48"));
        assert_eq!(
            path(&[&title, "--from-hour", "490000", "--hours", "2"]),
            format!("/titles/{title}/energy?from_hour=490000&hours=2")
        );
    }
}
