// The key figures of the module pages that the browser test compares with the API: for each, the
// page, the `data-figure` name, and the value the API gives, formatted as the page shows it (an
// amount as the number with its asset's decimals; the symbol stands beside it).
export function figures({ json, decimal, ids }) {
  const decimals = (asset) => ids.assets.find((a) => a.id === asset)?.decimals ?? 0;
  const list = [];
  const add = (path, name, expected) => list.push({ path, name, expected });
  const native = ids.assets.find((a) => a.symbol === "CFI")?.id;

  // Market: an asset's supply, a pool's reserves, an order's deposit, a lease's payment stream.
  for (const a of ids.assets) {
    add(`/explorer/assets/${a.id}`, "supply", async () => decimal((await json(`/assets/${a.id}`)).supply, a.decimals));
  }
  if (ids.shares && ids.dollar) {
    const pool = `/pools/${ids.dollar}/${ids.shares}`;
    for (const side of ["a", "b"]) {
      add(`/explorer${pool}`, `reserve_${side}`, async () => {
        const p = await json(pool);
        return decimal(p[`reserve_${side}`], decimals(p[`asset_${side}`]));
      });
    }
  }
  for (const o of ids.orders) {
    add(`/explorer/orders/${o.id}`, "order_deposit", async () => decimal((await json(`/orders/${o.id}`)).deposit, decimals(o.asset)));
  }
  for (const l of ids.leaseIds) {
    for (const field of ["paid", "escrow", "deposited", "refunded"]) {
      add(`/explorer/leases/${l}`, `lease_${field}`, async () => {
        const lease = await json(`/leases/${l}`);
        return decimal(lease[field], decimals(lease.asset));
      });
    }
  }

  // Finance: a loan's balance and principal, a vault's NAV and share prices, the reserve, passes.
  for (const l of ids.loans) {
    add(`/explorer/loans/${l.id}`, "loan_principal", async () => {
      const loan = await json(`/loans/${l.id}`);
      return decimal(loan.terms.principal, decimals(loan.terms.currency));
    });
    add(`/explorer/loans/${l.id}`, "loan_balance", async () => {
      const loan = await json(`/loans/${l.id}`);
      return decimal(loan.balance, decimals(loan.terms.currency));
    });
  }
  for (const v of ids.vaults) {
    for (const [figure, pick] of [
      ["nav_conservative", (x) => x.nav.conservative],
      ["nav_optimistic", (x) => x.nav.optimistic],
      ["share_price_deposit", (x) => x.share_price.deposit],
      ["share_price_redeem", (x) => x.share_price.redeem],
      ["vault_idle", (x) => x.idle],
    ]) {
      add(`/explorer/yield-vaults/${v.id}`, figure, async () => decimal(pick(await json(`/yield-vaults/${v.id}`)), decimals(v.asset)));
    }
  }
  for (const [figure, field] of [["reserve_supply", "supply"], ["reserve_reserves", "reserves"]]) {
    add("/explorer/reserve", figure, async () => {
      const r = await json("/reserve");
      return decimal(r[field], decimals(r.asset));
    });
  }
  add("/explorer/reserve", "reserve_ratio", async () => decimal((await json("/reserve")).ratio_bps, 2));
  for (const p of ids.passes.slice(0, 3)) {
    const asset = p.asset ?? p.id;
    add(`/explorer/passes/${asset}`, "passes_outstanding", async () => decimal((await json(`/assets/${asset}`)).supply, decimals(asset)));
  }

  // Green: a certificate's energy.
  for (const c of ids.certificates.slice(0, 3)) {
    add(`/explorer/certificates/${c.id}`, "certificate_wh", async () => decimal((await json(`/certificates/${c.id}`)).quantity, 0));
  }

  // Governance: the power locked, and each proposal's count.
  add("/explorer/gov", "total_locked", async () => decimal((await json("/gov/locked")).total_locked, decimals(native)));
  for (const p of ids.proposals) {
    for (const [figure, field] of [["tally_yes", "yes"], ["tally_no", "no"], ["tally_abstain", "abstain"], ["tally_veto", "no_with_veto"], ["tally_total_power", "total_power"]]) {
      add(`/explorer/gov/proposals/${p.id}`, figure, async () => decimal((await json(`/gov/proposals/${p.id}/tally`)).tally[field], decimals(native)));
    }
  }
  return list;
}
