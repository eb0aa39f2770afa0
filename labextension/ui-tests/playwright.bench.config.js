/**
 * The lab benchmarks, run on demand by `make bench-lab`: tag change → sidebar and badges
 * (benchmarks/lab_tag_bench.spec.ts) and Compare → compare tab (benchmarks/lab_compare_bench.spec.ts).
 */
const config = require('./playwright.config');

module.exports = {
  ...config,
  testDir: '../../benchmarks',
  testMatch: ['lab_tag_bench.spec.ts', 'lab_compare_bench.spec.ts'],
  timeout: 300000
};
