//! Events of `carbon`, typed. `From<CarbonEvent> for Event` is the one place they become wire
//! events.

use computefi_types::{Address, Event};

/// Something `carbon` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CarbonEvent {
    /// `carbon.immobilised`: a batch was minted for serials immobilised in a registry.
    Immobilised {
        /// The new batch.
        batch: u64,
        /// The registry.
        registry: String,
        /// The project.
        project: String,
        /// The vintage year.
        vintage: u16,
        /// The first serial.
        serial_start: u64,
        /// The last serial (inclusive).
        serial_end: u64,
        /// To whom (the attestor).
        holder: Address,
    },
    /// `carbon.transferred`: tonnes of a batch moved to a new holder.
    Transferred {
        /// The batch they came from.
        batch: u64,
        /// The batch that moved: `batch` itself when whole, else the new batch split off.
        moved: u64,
        /// Tonnes.
        quantity: u64,
        /// From.
        from: Address,
        /// To.
        to: Address,
    },
    /// `carbon.retired`: tonnes retired for a beneficiary.
    Retired {
        /// The batch they came from.
        batch: u64,
        /// The retired batch: `batch` itself when whole, else the new batch split off.
        retired: u64,
        /// Tonnes.
        quantity: u64,
        /// Who retired them.
        by: Address,
        /// For whom.
        beneficiary: String,
        /// The lease offset, if any.
        lease: Option<u64>,
        /// That lease's market-based emissions at the retirement, µg CO2e.
        lease_emissions_ug: u128,
    },
}

impl From<CarbonEvent> for Event {
    fn from(e: CarbonEvent) -> Event {
        match e {
            CarbonEvent::Immobilised {
                batch,
                registry,
                project,
                vintage,
                serial_start,
                serial_end,
                holder,
            } => Event::new("carbon.immobilised")
                .with("batch", batch)
                .with("registry", registry)
                .with("project", project)
                .with("vintage", vintage)
                .with("serial_start", serial_start)
                .with("serial_end", serial_end)
                .with("holder", holder),
            CarbonEvent::Transferred { batch, moved, quantity, from, to } => Event::new("carbon.transferred")
                .with("batch", batch)
                .with("moved", moved)
                .with("quantity", quantity)
                .with("from", from)
                .with("to", to),
            CarbonEvent::Retired { batch, retired, quantity, by, beneficiary, lease, lease_emissions_ug } => {
                Event::new("carbon.retired")
                    .with("batch", batch)
                    .with("retired", retired)
                    .with("quantity", quantity)
                    .with("by", by)
                    .with("beneficiary", beneficiary)
                    .with("lease", lease.map(|l| l.to_string()).unwrap_or_default())
                    .with("lease_emissions_ug", lease_emissions_ug)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retirement_without_a_lease_has_an_empty_lease_attribute() {
        let e: Event = CarbonEvent::Retired {
            batch: 1,
            retired: 2,
            quantity: 3,
            by: Address([1; 20]),
            beneficiary: "ACME".into(),
            lease: None,
            lease_emissions_ug: 0,
        }
        .into();
        assert_eq!(e.kind, "carbon.retired");
        assert_eq!(e.attr("lease"), Some(""));
        assert_eq!(e.attr("retired"), Some("2"));
        assert_eq!(e.attr("beneficiary"), Some("ACME"));
    }
}
