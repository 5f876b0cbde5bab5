//! The arithmetic of green compute, pure functions of their inputs in integer fixed point
//! (`docs/green.md`): facility energy from metered IT energy and the site's PUE, emissions from
//! energy and a grid's carbon intensity, and the hourly match of consumption with cancelled
//! certificates. `computefi green footprint` and `computefi green match` run it offline.
//!
//! | figure | unit |
//! |---|---|
//! | energy | Wh, or µkWh (mWh) for the footprint of a fraction of a kWh |
//! | PUE | millionths (1.58 is 1,580,000) |
//! | carbon intensity | µg CO2e per kWh (323.05 g/kWh is 323,050,000) |
//! | emissions | µg CO2e |
//! | match score | bps of the consumption matched |
//!
//! Rounding is conservative for a claim of greenness: facility energy and emissions round up,
//! the match score rounds down.

/// One million: the scale of PUE and of the micro-units.
pub const MICRO: u128 = 1_000_000;
/// Most hours one match may cover (a year and a day).
pub const MATCH_HOURS_MAX: usize = 8_784;
/// Largest PUE: 10.0.
pub const PUE_MICRO_MAX: u128 = 10 * MICRO;
/// Largest carbon intensity: 5,000 g/kWh, past any grid's.
pub const INTENSITY_UG_KWH_MAX: u128 = 5_000 * MICRO;

/// A green computation that does not hold: an input past its limit, or a figure past 128 bits.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GreenMathError {
    /// An input past its limit.
    #[error("{what} is {value}: give at most {max}")]
    TooLarge {
        /// The input.
        what: &'static str,
        /// Its value.
        value: u128,
        /// Its limit.
        max: u128,
    },
    /// A PUE below 1 (a facility uses at least its IT energy).
    #[error("the PUE is {0} millionths: give at least 1,000,000 (1.0)")]
    PueBelowOne(u128),
    /// Two entries for one hour.
    #[error("hour {0} appears twice: give each hour once")]
    HourTwice(u64),
    /// A figure past 128 bits.
    #[error("{0} overflows")]
    Overflow(&'static str),
}

type Result<T> = std::result::Result<T, GreenMathError>;

fn at_most(value: u128, max: u128, what: &'static str) -> Result<u128> {
    if value > max {
        return Err(GreenMathError::TooLarge { what, value, max });
    }
    Ok(value)
}

fn pue(pue_micro: u128) -> Result<u128> {
    if pue_micro < MICRO {
        return Err(GreenMathError::PueBelowOne(pue_micro));
    }
    at_most(pue_micro, PUE_MICRO_MAX, "the PUE (millionths)")
}

/// `ceil(a · b / d)` (the types crate's 256-bit `mul_div_ceil`), or the overflow of `what`.
fn mul_div_up(a: u128, b: u128, d: u128, what: &'static str) -> Result<u128> {
    computefi_types::mul_div_ceil(a, b, d).ok_or(GreenMathError::Overflow(what))
}

/// Facility energy of `it` units of IT energy at a PUE of `pue_micro` millionths, rounded up:
/// `it · PUE`.
pub fn facility_energy(it: u128, pue_micro: u128) -> Result<u128> {
    mul_div_up(it, pue(pue_micro)?, MICRO, "the facility energy")
}

/// Emissions in µg of `wh` Wh at `intensity_ug_kwh` µg/kWh, rounded up: `Wh · I / 1000`.
pub fn emissions_ug(wh: u128, intensity_ug_kwh: u128) -> Result<u128> {
    let intensity = at_most(intensity_ug_kwh, INTENSITY_UG_KWH_MAX, "the carbon intensity (µg/kWh)")?;
    mul_div_up(wh, intensity, 1_000, "the emissions")
}

/// The location-based footprint in µg of `kwh_micro` µkWh of IT energy at a PUE of `pue_micro`
/// and a grid intensity of `intensity_ug_kwh`: `kWh · PUE · I`, rounded up. A 700 W GPU-hour
/// (700,000 µkWh) at PUE 1.58 in Northern Virginia (323.05 g/kWh) is 357.289… g.
pub fn footprint_ug(kwh_micro: u128, pue_micro: u128, intensity_ug_kwh: u128) -> Result<u128> {
    let facility_micro_kwh = facility_energy(kwh_micro, pue_micro)?;
    let intensity = at_most(intensity_ug_kwh, INTENSITY_UG_KWH_MAX, "the carbon intensity (µg/kWh)")?;
    mul_div_up(facility_micro_kwh, intensity, MICRO, "the footprint")
}

/// One hour of a title's (or a lease's) energy: what it consumed at the facility and what
/// certificates of its zone were cancelled for it in that hour, with the grid's intensity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hour {
    /// The hour: its start, in hours since the Unix epoch (or any count of hours).
    pub hour: u64,
    /// Facility energy consumed, Wh (metered IT energy × PUE).
    pub consumed_wh: u128,
    /// Certificates cancelled for it in that hour and zone, Wh.
    pub certified_wh: u128,
    /// The zone's grid carbon intensity in that hour, µg/kWh.
    pub intensity_ug_kwh: u128,
}

/// The hourly match of a series of hours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Match {
    /// Energy consumed, Wh.
    pub consumed_wh: u128,
    /// Energy matched hour by hour, Wh: `Σ min(E_h, G_h)`.
    pub matched_wh: u128,
    /// `matched / consumed` in bps, rounded down (0 with no consumption).
    pub score_bps: u32,
    /// Location-based emissions, µg: `Σ E_h · CI_h`.
    pub location_ug: u128,
    /// Market-based emissions, µg: `Σ max(0, E_h − G_h) · CI_h`.
    pub market_ug: u128,
}

/// Matches each hour's consumption with that hour's certificates (a surplus is not carried to
/// another hour) and sums the emissions both ways. Each hour appears once; at most
/// [`MATCH_HOURS_MAX`] hours.
pub fn hourly_match(hours: &[Hour]) -> Result<Match> {
    at_most(hours.len() as u128, MATCH_HOURS_MAX as u128, "the number of hours")?;
    let mut seen = std::collections::BTreeSet::new();
    let mut m = Match::default();
    let add = |a: u128, b: u128, what: &'static str| a.checked_add(b).ok_or(GreenMathError::Overflow(what));
    for h in hours {
        if !seen.insert(h.hour) {
            return Err(GreenMathError::HourTwice(h.hour));
        }
        let matched = h.consumed_wh.min(h.certified_wh);
        let unmatched = h.consumed_wh.saturating_sub(h.certified_wh);
        m.consumed_wh = add(m.consumed_wh, h.consumed_wh, "the consumption")?;
        m.matched_wh = add(m.matched_wh, matched, "the matched energy")?;
        m.location_ug =
            add(m.location_ug, emissions_ug(h.consumed_wh, h.intensity_ug_kwh)?, "the emissions")?;
        m.market_ug = add(m.market_ug, emissions_ug(unmatched, h.intensity_ug_kwh)?, "the emissions")?;
    }
    m.score_bps = if m.consumed_wh == 0 {
        0
    } else {
        let score = computefi_types::mul_div_floor(m.matched_wh, 10_000, m.consumed_wh)
            .ok_or(GreenMathError::Overflow("the score"))?;
        u32::try_from(score).map_err(|_| GreenMathError::Overflow("the score"))?
    };
    Ok(m)
}

/// `value` millionths as a decimal string, trailing zeros dropped ("357.289", "3", "0.5").
pub fn micro_decimal(value: u128) -> String {
    let (whole, frac) = (value / MICRO, value % MICRO);
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:06}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// A decimal string with at most six decimals ("1.58", "700", "0.7") as millionths.
pub fn parse_micro(text: &str) -> std::result::Result<u128, String> {
    let bad = || format!("{text:?}: give a decimal number with at most six decimals, such as 1.58");
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || frac.len() > 6 || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: u128 = whole.parse().map_err(|_| bad())?;
    let frac: u128 = if frac.is_empty() { 0 } else { format!("{frac:0<6}").parse().map_err(|_| bad())? };
    whole.checked_mul(MICRO).and_then(|w| w.checked_add(frac)).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 700 W for an hour, in µkWh.
    const GPU_HOUR: u128 = 700_000;
    /// PUE 1.58, the industry average of 2023.
    const PUE: u128 = 1_580_000;

    #[test]
    fn the_three_worked_footprints_of_a_700_w_gpu_hour_at_pue_1_58() {
        // Grid intensities of 2024 (Google Cloud's region carbon data): Northern Virginia
        // 323.05, Stockholm 2.73, Mumbai 678.76 g/kWh. 0.7 · 1.58 = 1.106 kWh.
        let virginia = footprint_ug(GPU_HOUR, PUE, 323_050_000).unwrap();
        assert_eq!(virginia, 357_293_300, "1.106 kWh · 323.05 g/kWh");
        assert_eq!(micro_decimal(virginia), "357.2933");
        assert_eq!(footprint_ug(GPU_HOUR, PUE, 2_730_000).unwrap(), 3_019_380, "Stockholm ≈ 3 g");
        assert_eq!(footprint_ug(GPU_HOUR, PUE, 678_760_000).unwrap(), 750_708_560, "Mumbai ≈ 751 g");
    }

    #[test]
    fn facility_energy_and_emissions_round_up() {
        assert_eq!(facility_energy(1, 1_000_001).unwrap(), 2, "a whole Wh for a millionth more");
        assert_eq!(facility_energy(1_000, PUE).unwrap(), 1_580);
        assert_eq!(emissions_ug(1, 1).unwrap(), 1, "a µg for a thousandth of one");
        assert_eq!(emissions_ug(1_000, 323_050_000).unwrap(), 323_050_000, "a kWh at 323.05 g");
        assert!(matches!(facility_energy(1, 999_999), Err(GreenMathError::PueBelowOne(_))));
        assert!(footprint_ug(1, PUE, INTENSITY_UG_KWH_MAX + 1).is_err());
    }

    #[test]
    fn a_surplus_is_not_carried_to_another_hour() {
        let i = 400_000_000; // 400 g/kWh
        let hours = [
            Hour { hour: 1, consumed_wh: 1_000, certified_wh: 3_000, intensity_ug_kwh: i },
            Hour { hour: 2, consumed_wh: 1_000, certified_wh: 0, intensity_ug_kwh: i },
            Hour { hour: 3, consumed_wh: 2_000, certified_wh: 1_000, intensity_ug_kwh: i },
        ];
        let m = hourly_match(&hours).unwrap();
        // Matched: 1,000 + 0 + 1,000 of 4,000: the 2,000 Wh surplus of hour 1 helps no other hour.
        assert_eq!((m.consumed_wh, m.matched_wh, m.score_bps), (4_000, 2_000, 5_000));
        assert_eq!(m.location_ug, 4 * 400 * MICRO, "4 kWh at 400 g");
        assert_eq!(m.market_ug, 2 * 400 * MICRO, "the 2 unmatched kWh");
        assert_eq!(hourly_match(&[]).unwrap().score_bps, 0, "no consumption scores 0");
        let twice = [hours[0], hours[0]];
        assert_eq!(hourly_match(&twice), Err(GreenMathError::HourTwice(1)));
    }

    #[test]
    fn the_score_rounds_down() {
        let h = |hour, c, g| Hour { hour, consumed_wh: c, certified_wh: g, intensity_ug_kwh: 0 };
        assert_eq!(hourly_match(&[h(1, 3, 2)]).unwrap().score_bps, 6_666, "2/3");
        assert_eq!(hourly_match(&[h(1, 10_001, 10_000)]).unwrap().score_bps, 9_999);
    }

    #[test]
    fn decimals_read_and_print_with_six_places_at_most() {
        assert_eq!(parse_micro("1.58"), Ok(1_580_000));
        assert_eq!(parse_micro("700"), Ok(700_000_000));
        assert_eq!(parse_micro("0.000001"), Ok(1));
        for bad in ["", ".5", "1.0000001", "-1", "1e3", "1,5"] {
            assert!(parse_micro(bad).is_err(), "{bad:?}");
        }
        assert_eq!(micro_decimal(1_500_000), "1.5");
        assert_eq!(micro_decimal(3_019_380), "3.01938");
    }
}
