//! `computefi`: see the library crate for the commands.

fn main() {
    computefi_cli::run();
}
