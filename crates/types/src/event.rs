//! Events: what happened, emitted per message and per block, read by wallets and indexers.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// One event: a kind such as `bank.transfer` and ordered attributes.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Event {
    /// `<module>.<what>`, e.g. `bank.transfer`.
    pub kind: String,
    /// Attributes in a fixed order; a JSON object in the API.
    #[serde(with = "ordered_map")]
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

/// Attribute pairs as a JSON object, keeping their order both ways.
mod ordered_map {
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(pairs.len()))?;
        for (k, v) in pairs {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = Vec<(String, String)>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of string attributes")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, String>()? {
                    out.push(entry);
                }
                Ok(out)
            }
        }
        d.deserialize_map(Pairs)
    }
}
