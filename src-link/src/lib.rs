//! Native link to the bank's APIs: OAuth tokens, token cache, upstream HTTP with retries.
