/** The tag benchmark (benchmarks/lab_tag_bench.spec.ts), run on demand by `make bench-lab`. */
const config = require('./playwright.config');

module.exports = {
  ...config,
  testDir: '../../benchmarks',
  testMatch: 'lab_tag_bench.spec.ts',
  timeout: 300000
};
