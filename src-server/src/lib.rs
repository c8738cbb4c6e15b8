//! The web gateway (backend-for-frontend): serves the UI and the /api surface through console-link.
