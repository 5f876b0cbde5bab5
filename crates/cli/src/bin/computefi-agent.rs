//! `computefi-agent`: see the `computefi-agent` library crate.

fn main() {
    computefi_agent::run();
}
