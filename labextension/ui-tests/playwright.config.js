/**
 * Galata in the system's Chromium (Debian's `chromium` package): Playwright's own browser
 * download is not used. The Makefile starts the server; TARGET_URL points at it.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

module.exports = {
  ...baseConfig,
  testDir: './tests',
  reporter: [['list']],
  workers: 1,
  retries: 0,
  timeout: 90000,
  use: {
    ...baseConfig.use,
    baseURL: process.env.TARGET_URL ?? 'http://127.0.0.1:8899',
    video: 'off',
    trace: 'off',
    viewport: { width: 1400, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    }
  }
};
