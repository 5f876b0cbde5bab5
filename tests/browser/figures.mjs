// The key figures of the module pages that the browser test compares with the API: for each, the
// page, the `data-figure` name, and the value the API gives, formatted as the page shows it.
export function figures({ json, decimal, amount, ids }) {
  const list = [];
  return list;
}
