// The explorer in a real browser: the distribution's Chromium, driven by playwright-core, against
// a node on loopback on which `computefi demo` has run.
//
//   node tests/browser/explorer.mjs --api http://127.0.0.1:26657 --out target/explorer
//
// It finds the ledger's ids through the JSON API, then checks that every page loads with status
// 200 and no console errors, that no page asks for anything outside the node, that the key
// figures a page marks with `data-figure` equal the API's, that search finds each kind of id,
// that pages without data show their empty state, that a page reads without JavaScript, and it
// saves screenshots of the main pages under --out. Exit status 0 when all holds; every failure is
// listed. The whole run is bounded by --timeout-s (default 300).
import { chromium } from "playwright-core";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const api = (args.api || "http://127.0.0.1:26657").replace(/\/$/, "");
const out = args.out || "target/explorer";
const timeoutS = Number(args["timeout-s"] || 300);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
mkdirSync(out, { recursive: true });

const failures = [];
const fail = (what) => { failures.push(what); console.log("FAIL " + what); };
const ok = (what) => console.log("ok   " + what);

const killer = setTimeout(() => {
  console.log(`FAIL the browser test ran past ${timeoutS} s`);
  process.exit(2);
}, timeoutS * 1000);

async function json(path) {
  const response = await fetch(api + path);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

// The explorer's amount format (view.rs `decimal`): thousands separators, no trailing zeros.
function decimal(raw, decimals) {
  const digits = BigInt(raw).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const fraction = decimals ? digits.slice(digits.length - decimals).replace(/0+$/, "") : "";
  return fraction ? `${whole}.${fraction}` : whole;
}

// ---- the ids of the demo's ledger, through the API ----
const status = await json("/status");
const assets = (await json("/assets")).assets;
const assetOf = Object.fromEntries(assets.map((a) => [a.id, a]));
const amount = (raw, asset) => `${decimal(raw, assetOf[asset]?.decimals ?? 0)} ${assetOf[asset]?.symbol ?? ""}`.trim();
const titles = (await json("/titles")).titles;
const fee = (await json("/events?kind=bank.fee&limit=1")).events[0];
const tx = fee.tx;
const block = fee.height;
const account = titles[0].operator;
const orders = (await json("/orders")).orders;
const leaseIds = orders.map((o) => o.state?.leased?.lease).filter((l) => l !== undefined);
const loans = (await json("/loans")).loans;
const auctions = (await json("/auctions")).auctions ?? [];
const vaults = (await json("/yield-vaults")).vaults;
const certificates = (await json("/certificates")).certificates ?? [];
const batches = (await json("/carbon/batches")).batches ?? [];
const proposals = (await json("/gov/proposals")).proposals ?? [];
const passes = (await json("/passes")).series ?? (await json("/passes")).passes ?? [];
const shares = titles.find((t) => t.locked_by)?.locked_by;
const capacityToken = assets.find((a) => a.symbol === "GPUH")?.id;
const dollar = assets.find((a) => a.symbol === "DUSD")?.id;
const challenge = (await json(`/titles/${titles[0].id}/status`)).history.find((h) => h.cause.challenge !== undefined)?.cause.challenge;

const pages = [
  ["home", "/"],
  ["blocks", "/explorer/blocks"],
  ["block", `/explorer/blocks/${block}`],
  ["transaction", `/explorer/txs/${tx}`],
  ["account", `/explorer/accounts/${account}`],
  ["titles", "/explorer/titles"],
  ...titles.map((t, i) => [i === 0 ? "title" : `title-${i}`, `/explorer/titles/${t.id}`]),
  ["validators", "/explorer/validators"],
  ["assets", "/explorer/assets"],
  ...assets.map((a) => [`asset-${a.symbol}`, `/explorer/assets/${a.id}`]),
  ["market", "/explorer/market"],
  ["finance", "/explorer/finance"],
  ["green", "/explorer/green"],
  ["governance", "/explorer/gov"],
  ["reserve", "/explorer/reserve"],
  ...(shares && dollar ? [["pool", `/explorer/pools/${dollar}/${shares}`]] : []),
  ...(capacityToken ? [["capacity", `/explorer/capacity/${capacityToken}`]] : []),
  ...(challenge !== undefined ? [["challenge", `/explorer/challenges/${challenge}`]] : []),
  ...orders.map((o) => [`order-${o.id}`, `/explorer/orders/${o.id}`]),
  ...leaseIds.map((l) => [`lease-${l}`, `/explorer/leases/${l}`]),
  ...loans.map((l) => [`loan-${l.id}`, `/explorer/loans/${l.id}`]),
  ...auctions.map((a) => [`auction-${a.id}`, `/explorer/auctions/${a.id}`]),
  ...vaults.map((v) => [`vault-${v.id}`, `/explorer/yield-vaults/${v.id}`]),
  ...certificates.slice(0, 3).map((c) => [`certificate-${c.id}`, `/explorer/certificates/${c.id}`]),
  ...batches.slice(0, 3).map((b) => [`carbon-${b.id}`, `/explorer/carbon/${b.id}`]),
  ...proposals.map((p) => [`proposal-${p.id}`, `/explorer/gov/proposals/${p.id}`]),
  ...passes.slice(0, 3).map((p) => [`pass-${p.asset ?? p.id}`, `/explorer/passes/${p.asset ?? p.id}`]),
];
const screenshots = new Set(["home", "title", "account", "block", "transaction", "market", "finance", "green", "governance", "reserve", "pool", "loan-0", "vault-0", "lease-1"]);

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const outside = [];
await context.route("**/*", (route) => {
  const url = new URL(route.request().url());
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") {
    outside.push(url.href);
    return route.abort();
  }
  return route.continue();
});
const page = await context.newPage();
page.setDefaultTimeout(20_000);
let errors = [];
page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
page.on("pageerror", (e) => errors.push(String(e)));

// ---- every page: 200, no console errors, nothing from outside ----
for (const [name, path] of pages) {
  errors = [];
  const response = await page.goto(api + path, { waitUntil: "load" });
  await page.waitForTimeout(150);
  const code = response?.status();
  if (code !== 200) fail(`${name} ${path}: status ${code}`);
  else if (errors.length) fail(`${name} ${path}: console errors ${JSON.stringify(errors)}`);
  else ok(`${name} ${path}`);
  if (screenshots.has(name)) await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
  // The top of the title page, as the README shows it.
  if (name === "title") await page.screenshot({ path: join(out, "title-top.png"), clip: { x: 0, y: 0, width: 1280, height: 1500 } });
}
if (outside.length) fail(`pages asked for things outside the node: ${outside.join(", ")}`);
else ok("no page asked for anything outside the node");

// ---- key figures equal the API's ----
async function figure(path, name) {
  await page.goto(api + path, { waitUntil: "load" });
  const el = page.locator(`[data-figure="${name}"]`).first();
  if ((await el.count()) === 0) return null;
  return (await el.innerText()).replace(/\s+/g, " ").trim();
}
async function expectFigure(path, name, expected) {
  const shown = await figure(path, name);
  if (shown === null) fail(`${path}: no figure ${name}`);
  else if (shown !== expected) fail(`${path}: figure ${name} shows ${JSON.stringify(shown)}, the API says ${JSON.stringify(expected)}`);
  else ok(`${path}: ${name} = ${shown}`);
}
{
  const before = Number((await json("/status")).height);
  const shown = Number((await figure("/", "height")) ?? NaN);
  const after = Number((await json("/status")).height);
  if (!(shown >= before && shown <= after)) fail(`home: height ${shown} is not between the API's ${before} and ${after}`);
  else ok(`home: height ${shown} within the API's ${before}..${after}`);
}
await expectFigure("/", "titles", String(titles.length));
const leased = orders.filter((o) => o.state?.leased).reduce((sum, o) => sum + o.gpus * o.hours, 0);
await expectFigure("/", "gpu_hours", decimal(leased, 0));
const reserve = await json("/reserve");
await expectFigure("/", "dollar_supply", amount(reserve.supply, reserve.asset));
if (vaults.length) {
  let nav = 0n;
  for (const v of vaults) nav += BigInt((await json(`/yield-vaults/${v.id}`)).nav.conservative);
  await expectFigure("/", "vault_nav", amount(nav.toString(), vaults[0].asset));
}
for (const t of titles) {
  const value = await fetch(`${api}/titles/${t.id}/value`);
  if (value.ok) await expectFigure(`/explorer/titles/${t.id}`, "model_value", "$" + decimal((await value.json()).model_value, 6));
}
for (const extra of (await import("./figures.mjs")).figures({ json, decimal, amount, ids: { titles, assets, orders, leaseIds, loans, vaults, certificates, proposals, passes, shares, dollar, capacityToken } })) {
  await expectFigure(extra.path, extra.name, await extra.expected());
}

// ---- search finds each kind of id ----
const searches = [
  ["a height", block, `/explorer/blocks/${block}`],
  ["a transaction hash", tx, `/explorer/txs/${tx}`],
  ["an address", account, `/explorer/accounts/${account}`],
  ["a title", titles[0].id, `/explorer/titles/${titles[0].id}`],
  ["an asset", assets[0].id, `/explorer/assets/${assets[0].id}`],
  ["a symbol", assets[0].symbol, `/explorer/assets/${assets[0].id}`],
];
for (const [what, query, expected] of searches) {
  await page.goto(api + "/explorer/blocks", { waitUntil: "load" });
  await page.fill('form.search input[name="q"]', query);
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.press('form.search input[name="q"]', "Enter")]);
  const landed = new URL(page.url()).pathname;
  if (landed !== expected) fail(`search for ${what} (${query}) landed on ${landed}, not ${expected}`);
  else ok(`search finds ${what}`);
}
{
  const response = await page.goto(api + "/explorer/search?q=nothing-has-this-name", { waitUntil: "load" });
  const text = await page.locator("main").innerText();
  if (response.status() !== 404 || !text.includes("Nothing on the ledger matches")) fail("a search that finds nothing does not say so");
  else ok("a search that finds nothing says so (404)");
}

// ---- pages without data show their empty state ----
const nobody = "cfi1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq26uxqu";
for (const [path, says] of [
  [`/explorer/accounts/${nobody}`, "no balances"],
  ["/explorer/validators", "no evidence recorded"],
]) {
  errors = [];
  const response = await page.goto(api + path, { waitUntil: "load" });
  const text = await page.locator("main").innerText();
  if (response.status() !== 200 || !text.includes(says) || errors.length) fail(`${path}: no empty state "${says}" (status ${response.status()}, errors ${errors})`);
  else ok(`${path} shows its empty state "${says}"`);
}
{
  const response = await page.goto(api + `/explorer/titles/cfititle1${"q".repeat(32)}`, { waitUntil: "load" });
  if (response.status() === 200) fail("a title that does not exist answers 200");
  else ok(`a title that does not exist answers ${response.status()} with the API's message`);
}

// ---- reads without JavaScript ----
{
  const bare = await browser.newContext({ javaScriptEnabled: false });
  const p = await bare.newPage();
  await p.goto(api + `/explorer/titles/${titles[0].id}`, { waitUntil: "load" });
  const text = await p.locator("main").innerText();
  if (!text.includes("Status history") || !text.includes(titles[0].spec.model)) fail("the title page does not read without JavaScript");
  else ok("the title page reads without JavaScript");
  await bare.close();
}

await browser.close();
clearTimeout(killer);
writeFileSync(join(out, "result.json"), JSON.stringify({ pages: pages.length, failures }, null, 2));
console.log(`${pages.length} pages, ${failures.length} failures; screenshots in ${out}`);
process.exit(failures.length ? 1 : 0);
