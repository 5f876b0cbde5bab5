//! Charts as SVG drawn on the server: a line over time (with an optional band, such as a 95 %
//! interval), and a timeline of spans. Every chart says "no data yet" when it has nothing to
//! draw, rather than drawing empty axes. Coordinates are display only (floats never reach
//! the ledger).

use super::view::{empty, utc};
use maud::{html, Markup};

/// Width and height of a chart's drawing, in SVG units.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 200.0;
/// Room for the axis labels, in SVG units.
const LEFT: f64 = 64.0;
const BOTTOM: f64 = 22.0;
/// Most points a chart draws; more are thinned to every n-th.
const POINTS_MAX: usize = 2_000;

/// One point: time in ms and value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// When, in ms since the Unix epoch (or any other increasing x, such as a height).
    pub x: f64,
    /// The value.
    pub y: f64,
}

/// A band around a line: at each x, the low and high value.
pub type Band = Vec<(f64, f64, f64)>;

/// How the x axis is labelled.
#[derive(Clone, Copy, Debug)]
pub enum Axis {
    /// Times in ms, labelled in UTC.
    Time,
    /// Plain numbers (heights, hours), labelled as they are.
    Number,
}

/// A line chart titled `title` with the value's `unit`, or its empty state. `band`, when given,
/// is drawn shaded behind the line.
pub fn line(title: &str, unit: &str, axis: Axis, points: &[Point], band: Option<&Band>) -> Markup {
    let points = thin(points);
    if points.is_empty() {
        return html! { figure.chart.empty { figcaption { (title) } (empty("no data yet")) } };
    }
    let mut ys: Vec<f64> = points.iter().map(|p| p.y).collect();
    if let Some(band) = band {
        ys.extend(band.iter().flat_map(|(_, lo, hi)| [*lo, *hi]));
    }
    let (y_min, y_max) = span(
        ys.iter().copied().fold(f64::INFINITY, f64::min).min(0.0),
        ys.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let (x_min, x_max) = span(points[0].x, points[points.len() - 1].x);
    let sx = |x: f64| LEFT + (x - x_min) / (x_max - x_min) * (WIDTH - LEFT - 8.0);
    let sy = |y: f64| 8.0 + (1.0 - (y - y_min) / (y_max - y_min)) * (HEIGHT - BOTTOM - 8.0);
    let path: Vec<String> = points.iter().map(|p| format!("{:.1},{:.1}", sx(p.x), sy(p.y))).collect();
    let band_path = band.filter(|b| !b.is_empty()).map(|b| {
        let upper = b.iter().map(|(x, _, hi)| format!("{:.1},{:.1}", sx(*x), sy(*hi)));
        let lower = b.iter().rev().map(|(x, lo, _)| format!("{:.1},{:.1}", sx(*x), sy(*lo)));
        upper.chain(lower).collect::<Vec<_>>().join(" ")
    });
    let label_x = |x: f64| match axis {
        Axis::Time => utc(x as u64).replace(" UTC", ""),
        Axis::Number => format!("{x:.0}"),
    };
    let last = points[points.len() - 1];
    html! {
        figure.chart {
            figcaption { (title) " " small { "(" (unit) "; last " (fmt(last.y)) ", " (points.len()) " points)" } }
            svg viewBox={"0 0 " (WIDTH) " " (HEIGHT)} role="img" aria-label=(title) {
                line.axis x1=(LEFT) y1=(HEIGHT - BOTTOM) x2=(WIDTH) y2=(HEIGHT - BOTTOM) {}
                line.axis x1=(LEFT) y1="0" x2=(LEFT) y2=(HEIGHT - BOTTOM) {}
                text.tick x=(LEFT - 4.0) y=(sy(y_max) + 4.0) text-anchor="end" { (fmt(y_max)) }
                text.tick x=(LEFT - 4.0) y=(sy(y_min)) text-anchor="end" { (fmt(y_min)) }
                text.tick x=(LEFT) y=(HEIGHT - 4.0) { (label_x(x_min)) }
                text.tick x=(WIDTH - 8.0) y=(HEIGHT - 4.0) text-anchor="end" { (label_x(x_max)) }
                @if let Some(band) = band_path { polygon.band points=(band) {} }
                @if path.len() == 1 {
                    circle.dot cx=(sx(last.x)) cy=(sy(last.y)) r="3" {}
                } @else {
                    polyline.line points=(path.join(" ")) {}
                }
            }
        }
    }
}

/// One span on a timeline: a label and its start and end in ms.
pub struct Span {
    /// What the span is (shown beside its bar).
    pub label: String,
    /// Start, in ms.
    pub from: f64,
    /// End, in ms.
    pub to: f64,
}

/// Spans as bars against time, one row each, with a mark at `now` when it falls in range; or
/// the empty state `when_empty`.
pub fn timeline(title: &str, spans: &[Span], now: Option<f64>, when_empty: &str) -> Markup {
    if spans.is_empty() {
        return html! { figure.chart.empty { figcaption { (title) } (empty(when_empty)) } };
    }
    let from = spans.iter().map(|s| s.from).fold(f64::INFINITY, f64::min);
    let to = spans.iter().map(|s| s.to).fold(f64::NEG_INFINITY, f64::max);
    let (from, to) = span(from, to);
    let row = 22.0;
    let height = row * spans.len() as f64 + BOTTOM;
    let sx = |x: f64| LEFT * 2.0 + (x - from) / (to - from) * (WIDTH - LEFT * 2.0 - 8.0);
    html! {
        figure.chart {
            figcaption { (title) }
            svg viewBox={"0 0 " (WIDTH) " " (height)} role="img" aria-label=(title) {
                @for (i, s) in spans.iter().enumerate() {
                    text.tick x="2" y=(row * i as f64 + 15.0) { (s.label) }
                    rect.bar x=(sx(s.from)) y=(row * i as f64 + 4.0) width=((sx(s.to) - sx(s.from)).max(2.0)) height=(row - 8.0) {
                        title { (s.label) ": " (utc(s.from as u64)) " – " (utc(s.to as u64)) }
                    }
                }
                @if let Some(now) = now.filter(|n| *n >= from && *n <= to) {
                    line.now x1=(sx(now)) y1="0" x2=(sx(now)) y2=(height - BOTTOM) {}
                }
                text.tick x=(LEFT * 2.0) y=(height - 4.0) { (utc(from as u64).replace(" UTC", "")) }
                text.tick x=(WIDTH - 8.0) y=(height - 4.0) text-anchor="end" { (utc(to as u64).replace(" UTC", "")) }
            }
        }
    }
}

/// `(lo, hi)` widened so that a single value still spans some room.
fn span(lo: f64, hi: f64) -> (f64, f64) {
    if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, hi + 1.0)
    }
}

/// At most [`POINTS_MAX`] of `points`, every n-th and always the last.
fn thin(points: &[Point]) -> Vec<Point> {
    let points: Vec<Point> = points.iter().copied().filter(|p| p.x.is_finite() && p.y.is_finite()).collect();
    if points.len() <= POINTS_MAX {
        return points;
    }
    let step = points.len().div_ceil(POINTS_MAX);
    let mut kept: Vec<Point> = points.iter().step_by(step).copied().collect();
    if let (Some(k), Some(l)) = (kept.last(), points.last()) {
        if k != l {
            kept.push(*l);
        }
    }
    kept
}

/// A value with up to three significant decimals.
fn fmt(v: f64) -> String {
    if v.abs() >= 1000.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}").trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_without_points_shows_its_empty_state_instead_of_axes() {
        let chart = line("Utilisation", "%", Axis::Time, &[], None).into_string();
        assert!(chart.contains("no data yet") && !chart.contains("<svg"));
        let timeline = timeline("Reservations", &[], None, "no reservations").into_string();
        assert!(timeline.contains("no reservations") && !timeline.contains("<svg"));
    }

    #[test]
    fn a_single_point_is_drawn_as_a_dot_and_many_as_a_line_with_its_band() {
        let one = line("x", "u", Axis::Number, &[Point { x: 1.0, y: 5.0 }], None).into_string();
        assert!(one.contains("<circle") && !one.contains("<polyline"));
        let points: Vec<Point> = (0..5).map(|i| Point { x: i as f64, y: (i * i) as f64 }).collect();
        let band: Band = (0..5).map(|i| (i as f64, 0.0, 30.0)).collect();
        let many = line("x", "u", Axis::Number, &points, Some(&band)).into_string();
        assert!(many.contains("<polyline") && many.contains("<polygon"));
        assert!(many.contains("last 16, 5 points"));
    }

    #[test]
    fn many_points_are_thinned_and_keep_the_last() {
        let points: Vec<Point> = (0..10_001).map(|i| Point { x: i as f64, y: 1.0 }).collect();
        let kept = thin(&points);
        assert!(kept.len() <= POINTS_MAX + 1);
        assert_eq!(kept.last(), points.last());
    }
}
