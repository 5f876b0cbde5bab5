//! `computefi amm quote` against Uniswap v2's own test vectors, without a chain.

use super::support::*;

const E18: u128 = 1_000_000_000_000_000_000;

fn quote(args: &[String]) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<&str> = std::iter::once("amm")
        .chain(std::iter::once("quote"))
        .chain(args.iter().map(String::as_str))
        .collect();
    cli(dir.path(), &args).map(|v| v["amount_out"].as_str().expect("amount_out is a string").to_string())
}

fn flags(reserve_in: u128, reserve_out: u128, amount_in: u128) -> Vec<String> {
    vec![
        "--reserve-in".into(),
        reserve_in.to_string(),
        "--reserve-out".into(),
        reserve_out.to_string(),
        "--amount-in".into(),
        amount_in.to_string(),
    ]
}

#[test]
fn the_quote_command_matches_uniswap_v2_test_vectors() {
    // UniswapV2Pair.spec.ts swapTestCases: [swap, reserve in, reserve out] in whole tokens.
    let cases: [(u128, u128, u128, &str); 7] = [
        (1, 5, 10, "1662497915624478906"),
        (1, 10, 5, "453305446940074565"),
        (2, 5, 10, "2851015155847869602"),
        (2, 10, 5, "831248957812239453"),
        (1, 10, 10, "906610893880149131"),
        (1, 100, 100, "987158034397061298"),
        (1, 1000, 1000, "996006981039903216"),
    ];
    for (swap, r_in, r_out, expected) in cases {
        assert_eq!(quote(&flags(r_in * E18, r_out * E18, swap * E18)).unwrap(), expected);
    }
    // UniswapV2Router02.spec.ts: getAmountOut(2, 100, 100) = 1.
    assert_eq!(quote(&flags(100, 100, 2)).unwrap(), "1");
    // Another fee tier: no fee gives the bare constant-product output.
    let mut no_fee = flags(100, 100, 100);
    no_fee.extend(["--fee-bps".to_string(), "0".to_string()]);
    assert_eq!(quote(&no_fee).unwrap(), "50");
    let refused = quote(&flags(0, 100, 2)).unwrap_err();
    assert!(refused.contains("no reserves"), "{refused}");
}
