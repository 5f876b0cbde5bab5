//! The ComputeFi device agent (being built).

/// Runs the agent's command line.
pub fn run() {
    eprintln!("computefi-agent is not available in this version");
    std::process::exit(2);
}
