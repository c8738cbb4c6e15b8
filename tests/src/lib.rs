//! End-to-end tests: real HTTP against the sandbox and gateway, real Chromium through chromedriver.
