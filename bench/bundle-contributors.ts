import { adapterBundleSizes } from './size.js';

// What each "core + adapter handler" bundle (bench/size.ts, the bundles size-budget.json limits) is made of, largest
// first: the source files loaded up front with their minified bytes, then each chunk loaded later. For finding what to
// shrink; `npx tsx bench/bundle-contributors.ts [provider] [rows]`.

const [only, rowsText = '30'] = process.argv.slice(2);
const rows = Number(rowsText);
const sizes = await adapterBundleSizes();
for (const [provider, size] of Object.entries(sizes)) {
  if (only && only !== provider) continue;
  console.log(`${provider}: up front ${size.minified} B minified, ${size.gzipped} B gzipped (each file on its own)`);
  const upFront = new Set(size.staticInputs);
  const bytes = new Map<string, number>();
  for (const output of Object.values(size.metafile.outputs))
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
      if (upFront.has(input)) bytes.set(input, (bytes.get(input) ?? 0) + bytesInOutput);
  for (const [input, count] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, rows))
    console.log(`  ${String(count).padStart(7)}  ${input}`);
  for (const chunk of size.lazyChunks)
    console.log(`  chunk ${chunk.name}: ${chunk.minified} B minified, ${chunk.gzipped} B gzipped (${chunk.inputs.length} files)`);
}
