//! Events: what happened, emitted per message and per block, read by wallets and indexers.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// One event: a kind such as `bank.transfer` and ordered attributes.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Event {
    /// `<module>.<what>`, e.g. `bank.transfer`.
    pub kind: String,
    /// Attributes in a fixed order.
    pub attrs: Vec<(String, String)>,
}

impl Event {
    /// An event with no attributes yet.
    pub fn new(kind: &str) -> Event {
        Event { kind: kind.to_string(), attrs: Vec::new() }
    }

    /// Adds an attribute.
    pub fn with(mut self, key: &str, value: impl ToString) -> Event {
        self.attrs.push((key.to_string(), value.to_string()));
        self
    }

    /// The value of the first attribute named `key`.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}
